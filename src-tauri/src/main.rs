//! The `dockmaster-app` binary: starts the desktop window.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // First, while this is the only thread: WebKit reads it when the window starts.
    dockmaster_app::rendering::paint_on_cpu_unless_asked_otherwise();
    dockmaster_app::run();
}
