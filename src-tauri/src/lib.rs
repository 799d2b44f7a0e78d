//! Dockmaster's desktop shell: wires Tauri commands to `dockmaster-core`. No behaviour lives here beyond
//! window, settings and IPC concerns.

mod commands;
mod error;
mod settings;

use tauri_specta::{collect_commands, Builder};

/// The typed IPC surface; also used to export the TypeScript bindings.
pub fn specta_builder() -> Builder<tauri::Wry> {
    Builder::<tauri::Wry>::new().disable_serde_phases().commands(collect_commands![
        commands::open_project,
        commands::selection_report,
        commands::recent_projects,
        commands::forget_recent_project,
        commands::startup_project,
    ])
}

/// Where the generated TypeScript bindings live (committed; CI fails when stale).
pub const BINDINGS_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../ui/src/lib/bindings.ts");

pub fn export_bindings() -> Result<(), String> {
    specta_builder()
        .export(
            specta_typescript::Typescript::default().header(
                "// Generated from the Rust types by `make gen` (src-tauri bindings test). Do not edit.\n",
            ),
            BINDINGS_PATH,
        )
        .map_err(|e| e.to_string())
}

pub fn run() {
    let builder = specta_builder();
    let startup = settings::StartupProject::from_args(std::env::args().skip(1));
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .manage(startup)
        .invoke_handler(builder.invoke_handler())
        .setup(move |app| {
            builder.mount_events(app);
            Ok(())
        })
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("dockmaster: the window could not start: {e}");
            std::process::exit(1);
        });
}

#[cfg(test)]
mod tests {
    /// Regenerates `ui/src/lib/bindings.ts`; CI runs this and fails if the committed file changed.
    #[test]
    fn export_typescript_bindings() {
        super::export_bindings().expect("bindings export");
    }
}
