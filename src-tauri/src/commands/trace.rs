//! Message trace: a message's send, store and every consume attempt, from the trace topic.

use rmq_console_core::model::ConnectionId;
use rmq_console_core::trace::{TraceLookup, TraceQuery};
use tauri::State;

use super::AppState;
use crate::error::IpcError;

/// The trace of a message (by id) or of the messages carrying a business key.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn message_trace(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
    query: TraceQuery,
) -> Result<TraceLookup, IpcError> {
    Ok(state.console.message_trace(&connection_id, &query).await?)
}
