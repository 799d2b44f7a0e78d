//! An empty Tauri app: one window with a static page, and one command by which the page reports its first
//! painted frame (`first-paint <epoch ms>` on stdout), measured beside Dockmaster by scripts/bench/app-idle.sh.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

/// The page painted its first frame at `at_ms` (milliseconds since the epoch, the page's clock).
#[tauri::command]
fn first_paint(at_ms: f64) {
    println!("first-paint {at_ms:.0}");
}

fn main() {
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![first_paint])
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("empty app: the window could not start: {e}");
            std::process::exit(1);
        });
}
