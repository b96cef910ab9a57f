//! Messages: send one from the console (through the preview) and read one back by its offset id.

use rmq_console_core::message::{MessageView, SendOutcome, SendRequest};
use rmq_console_core::model::ConnectionId;
use rmq_console_core::safety::{ChangePlan, Confirmation};
use tauri::State;

use super::AppState;
use crate::error::IpcError;

/// The preview of a send: target broker and queue, tag, keys, properties, body size.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, request), err(Debug))]
pub async fn message_plan_send(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
    request: SendRequest,
) -> Result<ChangePlan, IpcError> {
    Ok(state.console.message_plan_send(&connection_id, &request).await?)
}

/// Sends one message; refused on read-only connections.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, request), err(Debug))]
pub async fn message_send(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
    request: SendRequest,
    confirmation: Confirmation,
) -> Result<SendOutcome, IpcError> {
    Ok(state
        .console
        .message_send(&connection_id, &request, &confirmation)
        .await?)
}

/// One stored message by its offset message id (store host + commit-log offset).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn message_by_offset_id(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
    offset_msg_id: String,
) -> Result<MessageView, IpcError> {
    Ok(state
        .console
        .message_by_offset_id(&connection_id, &offset_msg_id)
        .await?)
}
