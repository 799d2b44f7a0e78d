//! Dockmaster's desktop shell: wires Tauri commands to `dockmaster-core`. No behaviour lives here beyond
//! window, settings and IPC concerns.

mod commands;
mod demo_commands;
mod desktop;
mod desktop_commands;
mod dialogs;
mod doctor_commands;
mod engine_commands;
mod engines_commands;
mod env_commands;
mod error;
mod image_commands;
mod lifecycle_commands;
mod logs_commands;
mod notify;
#[cfg(test)]
mod parity_tests;
mod preferences;
mod region_commands;
pub mod rendering;
mod settings;
mod terminal_commands;
mod tray;
mod volume_commands;
mod window;

use tauri_specta::{collect_commands, Builder};

/// The typed IPC surface; also used to export the TypeScript bindings.
pub fn specta_builder() -> Builder<tauri::Wry> {
    Builder::<tauri::Wry>::new()
        .disable_serde_phases()
        // Every error code, so the UI can tell a backend error from anything else without a copied list.
        .constant("ERROR_CODES", dockmaster_core::ErrorCode::ALL)
        .commands(collect_commands![
            commands::open_project,
            commands::watch_project,
            commands::project_overview,
            commands::selection_report,
            commands::recent_projects,
            commands::forget_recent_project,
            commands::startup_project,
            commands::remembered_selection,
            commands::remember_selection,
            commands::open_link,
            env_commands::env_catalog,
            env_commands::set_variable,
            env_commands::set_secret,
            env_commands::generate_secret,
            env_commands::delete_secret,
            env_commands::reveal_secret,
            env_commands::import_secrets,
            env_commands::keychain_create,
            env_commands::keychain_unlock,
            engine_commands::watch_engine,
            engine_commands::set_engine_selection,
            engine_commands::unwatch_engine,
            engine_commands::watch_stats,
            engine_commands::unwatch_stats,
            engine_commands::engine_activity,
            engines_commands::engines_list,
            engines_commands::engine_test,
            engines_commands::engine_add,
            engines_commands::engine_remove,
            engines_commands::project_engine,
            engines_commands::use_engine,
            logs_commands::follow_logs,
            logs_commands::stop_logs,
            logs_commands::export_logs,
            region_commands::region_validate,
            region_commands::region_plan,
            region_commands::region_apply,
            region_commands::region_cancel,
            region_commands::region_list,
            region_commands::region_places,
            region_commands::region_networks,
            region_commands::region_start,
            region_commands::region_stop,
            region_commands::region_remove,
            region_commands::region_show,
            lifecycle_commands::lifecycle_run,
            lifecycle_commands::lifecycle_fix_and_run,
            lifecycle_commands::lifecycle_cancel,
            lifecycle_commands::lifecycle_preflight,
            lifecycle_commands::lifecycle_volume_plan,
            lifecycle_commands::lifecycle_drift,
            doctor_commands::doctor,
            doctor_commands::diagnostics_prepare,
            doctor_commands::diagnostics_save,
            demo_commands::demo_install,
            demo_commands::demo_image,
            image_commands::image_copy,
            terminal_commands::open_terminal,
            terminal_commands::terminal_input,
            terminal_commands::resize_terminal,
            terminal_commands::close_terminal,
            volume_commands::volume_list,
            volume_commands::volume_purposes,
            volume_commands::volume_backup,
            volume_commands::volume_restore,
            volume_commands::volume_cancel,
            desktop_commands::get_preferences,
            desktop_commands::set_preferences,
            desktop_commands::tray_status,
            desktop_commands::quit_app,
            desktop_commands::watch_window_requests,
            desktop_commands::watch_desktop,
            desktop_commands::about,
            desktop_commands::first_paint,
            desktop_commands::log_info,
            desktop_commands::open_log_folder,
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
    // Dockmaster's own log, at the default level until the preferences are read (`DOCKMASTER_LOG` wins).
    dockmaster_core::ownlog::init("app", dockmaster_core::ownlog::LogLevel::default());
    let builder = specta_builder();
    let startup = settings::StartupProject::from_args(std::env::args().skip(1));
    desktop::install(tauri::Builder::default())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_notification::init())
        .manage(startup)
        .manage(dockmaster_core::session::Sessions::default())
        .invoke_handler(builder.invoke_handler())
        .on_window_event(window::on_window_event)
        .setup(move |app| {
            builder.mount_events(app);
            // The tray and notifications (preferences first: the others read them).
            preferences::setup(app.handle());
            window::setup(app.handle());
            tray::setup(app.handle());
            notify::setup(app.handle());
            Ok(())
        })
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            tracing::error!("the window could not start: {e}");
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
