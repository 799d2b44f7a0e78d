//! The error the UI receives: `{ code, message }`, with a code the UI can branch on.

use dockmaster_core::{CoreError, ErrorCode};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, specta::Type, thiserror::Error)]
#[serde(tag = "code", content = "message", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AppError {
    #[error("{0}")]
    ProjectNotFound(String),
    #[error("{0}")]
    FileUnreadable(String),
    #[error("{0}")]
    ComposeInvalid(String),
    #[error("{0}")]
    InvalidTemplate(String),
    #[error("{0}")]
    DescriptorInvalid(String),
    #[error("{0}")]
    EnvFileInvalid(String),
    #[error("{0}")]
    Settings(String),
}

impl From<CoreError> for AppError {
    fn from(e: CoreError) -> Self {
        let message = e.to_string();
        match e.code() {
            ErrorCode::ProjectNotFound => AppError::ProjectNotFound(message),
            ErrorCode::FileUnreadable => AppError::FileUnreadable(message),
            ErrorCode::ComposeInvalid => AppError::ComposeInvalid(message),
            ErrorCode::InvalidTemplate => AppError::InvalidTemplate(message),
            ErrorCode::DescriptorInvalid => AppError::DescriptorInvalid(message),
            ErrorCode::EnvFileInvalid => AppError::EnvFileInvalid(message),
        }
    }
}
