//! Jobs: cancel a running job; the channel adapter every job-starting command uses, and the
//! bookkeeping that cancels a window's jobs when the window goes away.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rmq_console_core::jobs::{JobEvent, JobId, JobRegistry, JobSink};
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{State, Window};

use super::AppState;
use crate::error::IpcError;

/// Wraps an IPC channel as a job sink. A failed send (the window closed, the channel broke) reports
/// the event undelivered, which cancels the job.
pub fn sink<I, S>(channel: Channel<JobEvent<I, S>>) -> JobSink<I, S>
where
    I: Serialize + Clone + Send + Sync + 'static,
    S: Serialize + Clone + Send + Sync + 'static,
{
    Arc::new(move |event| match channel.send(event) {
        Ok(()) => true,
        Err(e) => {
            tracing::info!(error = %e, "job channel failed");
            false
        }
    })
}

/// The jobs each window started, so that closing a window cancels them.
#[derive(Clone, Debug, Default)]
pub struct WindowJobs(Arc<Mutex<HashMap<String, Vec<JobId>>>>);

impl WindowJobs {
    /// Records that `window` started `id`, and hands the id back.
    pub fn track(&self, window: &Window, id: JobId) -> JobId {
        if let Ok(mut m) = self.0.lock() {
            m.entry(window.label().to_owned()).or_default().push(id.clone());
        }
        id
    }

    /// Cancels every job the window `label` started that still runs.
    pub fn cancel_window(&self, label: &str, jobs: &JobRegistry) {
        let ids = self
            .0
            .lock()
            .ok()
            .and_then(|mut m| m.remove(label))
            .unwrap_or_default();
        let cancelled = ids.iter().filter(|id| jobs.cancel(id)).count();
        if cancelled > 0 {
            tracing::info!(
                window = label,
                cancelled,
                "window closed: its jobs were cancelled"
            );
        }
    }
}

/// Cancels a running job; false when it already finished.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn job_cancel(state: State<'_, AppState>, job_id: JobId) -> Result<bool, IpcError> {
    Ok(state.console.jobs().cancel(&job_id))
}
