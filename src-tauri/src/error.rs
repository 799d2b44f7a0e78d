//! The error the window receives: the core's [`ErrorReport`] — `{ code, message }`, with the same code the
//! CLI's `--json` prints for the same failure (the TypeScript union of codes is generated from
//! [`ErrorCode`]). The shell adds no codes of its own beyond its own concerns (settings files, links).

use dockmaster_core::ErrorCode;
pub use dockmaster_core::ErrorReport as AppError;

/// The app's own settings (recent projects) could not be read or written, or a request stopped.
pub fn settings(message: impl Into<String>) -> AppError {
    AppError::new(ErrorCode::SettingsFailed, message)
}
