//! Messages: send one from the console (through the preview), read one back by its offset id, look
//! messages up by id, key or time range, browse a queue, tail a topic, export, resend, re-publish,
//! and track which groups consumed a message.

use rmq_console_core::jobs::{JobEvent, JobId, Nothing};
use rmq_console_core::message::actions::{
    MessageTrack, RepublishItem, RepublishRequest, RepublishSummary, ResendPlan, ResendRequest, ResendResult,
};
use rmq_console_core::message::browse::{BrowsePage, BrowseRequest, TailBatch, TailRequest};
use rmq_console_core::message::export::{ExportFormat, ExportRequest, ExportSummary};
use rmq_console_core::message::query::{IdLookup, IdQuery, KeyQuery, KeyQueryResult};
use rmq_console_core::message::scan::{ScanItem, ScanRequest, ScanSummary};
use rmq_console_core::message::{MessageView, SendOutcome, SendRequest};
use rmq_console_core::model::ConnectionId;
use rmq_console_core::safety::{ChangePlan, Confirmation};
use tauri::ipc::Channel;
use tauri::{Manager as _, State, Window};

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
    window: Window,
    request: ScanRequest,
    channel: Channel<JobEvent<ScanItem, ScanSummary>>,
) -> Result<JobId, IpcError> {
    let id = state
        .console
        .message_scan(&connection_id, &request, super::job::sink(channel))
        .await?;
    Ok(state.window_jobs.track(&window, id))
}

/// One page of one queue, forwards or backwards from an offset.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn message_browse(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
    request: BrowseRequest,
) -> Result<BrowsePage, IpcError> {
    Ok(state.console.message_browse(&connection_id, &request).await?)
}

/// Starts a live tail of a topic as a job (batches of new messages with the rate); Cancel stops it.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, channel), err(Debug))]
pub async fn message_tail(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
    window: Window,
    request: TailRequest,
    channel: Channel<JobEvent<TailBatch, Nothing>>,
) -> Result<JobId, IpcError> {
    let id = state
        .console
        .message_tail(&connection_id, &request, super::job::sink(channel))
        .await?;
    Ok(state.window_jobs.track(&window, id))
}

/// A file name for an export in the user's downloads folder (else the home folder).
#[tauri::command]
#[specta::specta]
pub fn message_export_path(app: tauri::AppHandle, stem: String, format: ExportFormat) -> String {
    let dir = app
        .path()
        .download_dir()
        .or_else(|_| app.path().home_dir())
        .unwrap_or_else(|_| std::env::temp_dir());
    let safe: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_%".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let ext = match format {
        ExportFormat::Json => "json",
        ExportFormat::Csv => "csv",
    };
    let at: String = rmq_console_core::audit::iso8601(rmq_console_core::model::Millis::now())
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(15)
        .collect();
    dir.join(format!("{safe}-{at}.{ext}")).display().to_string()
}

/// Starts an export (a scan's matches or chosen messages) to a JSON or CSV file as a job.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, channel), err(Debug))]
pub async fn message_export(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
    window: Window,
    request: ExportRequest,
    channel: Channel<JobEvent<ScanItem, ExportSummary>>,
) -> Result<JobId, IpcError> {
    let id = state
        .console
        .message_export(&connection_id, &request, super::job::sink(channel))
        .await?;
    Ok(state.window_jobs.track(&window, id))
}

/// The preview of resending a message to a consumer group's online client.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn message_plan_resend(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
    request: ResendRequest,
) -> Result<ResendPlan, IpcError> {
    Ok(state
        .console
        .message_plan_resend(&connection_id, &request)
        .await?)
}

/// Has a group's client consume a message now (consume-directly); returns the client's result.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn message_resend(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
    request: ResendRequest,
    confirmation: Confirmation,
) -> Result<ResendResult, IpcError> {
    Ok(state
        .console
        .message_resend(&connection_id, &request, &confirmation)
        .await?)
}

/// The preview of re-publishing copies of messages to a topic.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, request), err(Debug))]
pub async fn message_plan_republish(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
    request: RepublishRequest,
) -> Result<ChangePlan, IpcError> {
    Ok(state
        .console
        .message_plan_republish(&connection_id, &request)
        .await?)
}

/// Starts re-publishing copies as a job (one outcome per message).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, request, channel), err(Debug))]
pub async fn message_republish(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
    request: RepublishRequest,
    window: Window,
    confirmation: Confirmation,
    channel: Channel<JobEvent<RepublishItem, RepublishSummary>>,
) -> Result<JobId, IpcError> {
    let id = state
        .console
        .message_republish(&connection_id, &request, &confirmation, super::job::sink(channel))
        .await?;
    Ok(state.window_jobs.track(&window, id))
}

/// Which consumer groups of its topic have consumed a message.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn message_track(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
    offset_msg_id: String,
) -> Result<MessageTrack, IpcError> {
    Ok(state
        .console
        .message_track(&connection_id, &offset_msg_id)
        .await?)
}
