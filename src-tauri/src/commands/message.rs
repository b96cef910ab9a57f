//! Messages: send one from the console (through the preview), read one back by its offset id, and
//! look messages up by id or by key.

use rmq_console_core::jobs::{JobEvent, JobId};
use rmq_console_core::message::query::{IdLookup, IdQuery, KeyQuery, KeyQueryResult};
use rmq_console_core::message::scan::ScanRequest;
use rmq_console_core::message::{MessageView, SendOutcome, SendRequest};
use rmq_console_core::model::ConnectionId;
use rmq_console_core::safety::{ChangePlan, Confirmation};
use tauri::State;
use tauri::ipc::Channel;

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

/// Every message of a topic with a key in a time window (no per-request ceiling; capped, flagged).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn message_by_key(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
    query: KeyQuery,
) -> Result<KeyQueryResult, IpcError> {
    Ok(state.console.message_by_key(&connection_id, &query).await?)
}

/// A message by its unique key (with its topic) or its offset id; says which matched.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn message_by_id(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
    query: IdQuery,
) -> Result<IdLookup, IpcError> {
    Ok(state.console.message_by_id(&connection_id, &query).await?)
}

/// Starts a scan of a topic over a store-time range as a job (matches and per-queue progress
/// streamed, cancellable); returns the job's id at once.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, channel), err(Debug))]
pub async fn message_scan(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
    request: ScanRequest,
    channel: Channel<JobEvent>,
) -> Result<JobId, IpcError> {
    Ok(state
        .console
        .message_scan(&connection_id, &request, super::job::sink(channel))
        .await?)
}
