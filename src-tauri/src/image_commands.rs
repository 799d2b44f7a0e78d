//! The preflight's "Copy to engine" button: `image_copy` copies an image from this machine's engine to another
//! one (streamed, never pulled), pushing the bytes sent to a Channel. One core call.

use dockmaster_core::engine::EndpointEnv;
use dockmaster_core::engines::{self, ImageCopied, ImageCopyEvent};
use tauri::ipc::Channel;

use crate::error::AppError;

/// Copies `image` from the local engine (`default`) to the engine `engine`, with progress.
#[tauri::command]
#[specta::specta]
pub async fn image_copy(
    image: String,
    engine: String,
    on_progress: Channel<ImageCopyEvent>,
) -> Result<ImageCopied, AppError> {
    let env = EndpointEnv::from_process();
    engines::copy_between(&env, &image, "default", &engine, &|e| drop(on_progress.send(e))).await
}
