//! How the window paints: WebKitGTK without GL compositing (damaged rectangles painted on the CPU).
//!
//! Since WebKitGTK 2.42 a page is always composited through GL, so every repaint — a one-second tick that
//! changes a few numbers — re-composites the whole window; on a machine without a GPU (Mesa's llvmpipe, a VM,
//! Xvfb) that is tens of milliseconds of CPU a frame. Dockmaster's pages are text, tables and a few SVGs: with
//! the policy `Never` WebKit paints only what changed, as it did on demand before 2.42 (docs/BENCHMARKS.md,
//! "Idle footprint": 7.5 % → 2 % of a core with the dashboard shown). `DOCKMASTER_GPU_COMPOSITING=1` keeps
//! WebKit's own choice.

use tauri::{AppHandle, Manager};

/// The environment variable that keeps WebKit's default (GL compositing).
const KEEP_GPU: &str = "DOCKMASTER_GPU_COMPOSITING";

pub fn setup(app: &AppHandle) {
    if std::env::var_os(KEEP_GPU).is_some_and(|v| v == "1") {
        return;
    }
    for window in app.webview_windows().into_values() {
        paint_on_cpu(&window);
    }
}

#[cfg(target_os = "linux")]
fn paint_on_cpu(window: &tauri::WebviewWindow) {
    let result = window.with_webview(|webview| {
        use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
        if let Some(settings) = webview.inner().settings() {
            settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
        }
    });
    if let Err(e) = result {
        tracing::warn!("the window keeps WebKit's GL compositing: {e}");
    }
}

#[cfg(not(target_os = "linux"))]
fn paint_on_cpu(_window: &tauri::WebviewWindow) {}
