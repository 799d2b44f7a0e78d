//! How the window paints: WebKitGTK without GL compositing (damaged rectangles painted on the CPU).
//!
//! Since WebKitGTK 2.42 a page is always composited through GL, so every repaint — a tick that changes a few
//! numbers — re-composites the whole window; on a machine without a GPU (Mesa's llvmpipe, a VM, Xvfb) that is
//! tens of milliseconds of CPU a frame. Dockmaster's pages are text, tables and a few SVGs: without compositing
//! WebKit paints only what changed, as it did on demand before 2.42 (docs/BENCHMARKS.md, "Idle footprint":
//! 7.5 % → 2 % of a core with the dashboard shown). It is chosen before WebKit starts, through WebKit's own
//! `WEBKIT_DISABLE_COMPOSITING_MODE`: switching a loaded page's policy at run time (the webview's settings) could
//! leave a WebDriver screenshot waiting forever. `DOCKMASTER_GPU_COMPOSITING=1`, or that variable already set,
//! keeps the user's (or WebKit's) choice.

/// The environment variable that keeps WebKit's default (GL compositing).
const KEEP_GPU: &str = "DOCKMASTER_GPU_COMPOSITING";
/// WebKitGTK's switch, read when it starts.
const WEBKIT_NO_COMPOSITING: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

/// Chooses CPU painting for this process's webviews. Call first in `main`, before any thread starts (it sets an
/// environment variable) and before the window exists.
pub fn paint_on_cpu_unless_asked_otherwise() {
    let keep_gpu = std::env::var_os(KEEP_GPU).is_some_and(|v| v == "1");
    if cfg!(target_os = "linux") && !keep_gpu && std::env::var_os(WEBKIT_NO_COMPOSITING).is_none() {
        std::env::set_var(WEBKIT_NO_COMPOSITING, "1");
    }
}
