//! The one error type that crosses IPC: a closed code, a message for people, an optional technical
//! detail, and whether retrying may help. Built from the core error with the core's exhaustive
//! code mapping; never a bare string.

use rmq_console_core::{Error, ErrorCode};
use serde::Serialize;

/// What every failing command rejects its promise with.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct IpcError {
    pub code: ErrorCode,
    pub message: String,
    pub detail: Option<String>,
    pub retryable: bool,
}

impl From<Error> for IpcError {
    fn from(e: Error) -> Self {
        Self {
            code: e.code(),
            message: e.to_string(),
            detail: e.detail(),
            retryable: e.retryable(),
        }
    }
}

impl std::fmt::Display for IpcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for IpcError {}
