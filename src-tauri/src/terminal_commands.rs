//! The window's terminals into service containers: open one (its output over a Channel, masked by the core),
//! send it what was typed or pasted, resize it, close it. Each maps arguments, makes one call into the
//! project's session, maps the result; a credential the client gets stays in the container's environment.

use dockmaster_core::session::Sessions;
use dockmaster_core::tools::{ExecRequest, TerminalEvent, TerminalInfo};
use tauri::ipc::Channel;
use tauri::State;

use crate::error::AppError;

/// Opens a terminal in the service's running container: `request`'s command, else its client (`client`),
/// else its shell (bash, else sh). Output, then a `closed` event, go to `on_event`.
#[tauri::command]
#[specta::specta]
pub async fn open_terminal(
    sessions: State<'_, Sessions>,
    dir: String,
    request: ExecRequest,
    on_event: Channel<TerminalEvent>,
) -> Result<TerminalInfo, AppError> {
    sessions.get(&dir).await?.open_terminal(request, move |e| on_event.send(e).is_ok()).await
}

/// Sends what was typed or pasted (text, sent as UTF-8) to terminal `id`.
#[tauri::command]
#[specta::specta]
pub async fn terminal_input(
    sessions: State<'_, Sessions>,
    dir: String,
    id: u32,
    data: String,
) -> Result<(), AppError> {
    sessions.get(&dir).await?.terminal_input(id, data.into_bytes())
}

/// Tells terminal `id` its new size (after the window or its panel changed size).
#[tauri::command]
#[specta::specta]
pub async fn resize_terminal(
    sessions: State<'_, Sessions>,
    dir: String,
    id: u32,
    cols: u16,
    rows: u16,
) -> Result<(), AppError> {
    sessions.get(&dir).await?.resize_terminal(id, cols, rows).await
}

/// Closes terminal `id` (its command gets end of input and a hang-up); false when it was not open.
#[tauri::command]
#[specta::specta]
pub async fn close_terminal(sessions: State<'_, Sessions>, dir: String, id: u32) -> Result<bool, AppError> {
    Ok(sessions.get(&dir).await?.close_terminal(id))
}
