//! Jobs: cancel a running job; the channel adapter every job-starting command uses.

use std::sync::Arc;

use rmq_console_core::jobs::{JobEvent, JobId, JobSink};
use tauri::State;
use tauri::ipc::Channel;

use super::AppState;
use crate::error::IpcError;

/// Wraps an IPC channel as a job sink (a closed window just stops receiving).
pub fn sink(channel: Channel<JobEvent>) -> JobSink {
    Arc::new(move |event| {
        if let Err(e) = channel.send(event) {
            tracing::debug!(error = %e, "job channel closed");
        }
    })
}

/// Cancels a running job; false when it already finished.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn job_cancel(state: State<'_, AppState>, job_id: JobId) -> Result<bool, IpcError> {
    Ok(state.console.jobs().cancel(&job_id))
}
