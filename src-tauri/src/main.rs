//! The `dockmaster-app` binary: starts the desktop window.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    dockmaster_app::run();
}
