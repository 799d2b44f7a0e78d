//! Build script: embeds `tauri.conf.json` and the static page into the app.
fn main() {
    tauri_build::build()
}
