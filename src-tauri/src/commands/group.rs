//! Consumer groups: the list with lag, a group's detail, a client's running info, create / update /
//! delete, and offset reset (one group or many as a job) with its preview, snapshots and undo.

use rmq_console_core::audit::AuditEntry;
use rmq_console_core::group::admin::{GroupDeleteSpec, GroupSpec};
use rmq_console_core::group::detail::{ClientRunningInfo, GroupDetail};
use rmq_console_core::group::offset::{
    BulkGroupResult, BulkResetPlan, BulkResetRequest, BulkSummary, OffsetPlan, OffsetSnapshot, ResetRequest,
    ResetResult,
};
use rmq_console_core::group::{GroupListOptions, GroupListing};
use rmq_console_core::jobs::{JobEvent, JobId};
use rmq_console_core::model::{ConnectionId, Count};
use rmq_console_core::safety::{ChangePlan, Confirmation};
use tauri::ipc::Channel;
use tauri::{State, Window};

use super::AppState;
use crate::error::IpcError;

/// Every consumer group with config, lag, TPS and online clients (one round over the masters).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn group_list(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
    options: Option<GroupListOptions>,
) -> Result<GroupListing, IpcError> {
    Ok(state
        .console
        .group_list(&connection_id, options.unwrap_or_default())
        .await?)
}

/// A group's queues, subscriptions, clients and retry/dead-letter topics.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn group_detail(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
    group: String,
) -> Result<GroupDetail, IpcError> {
    Ok(state.console.group_detail(&connection_id, &group).await?)
}

/// A client's running info and, when asked, its jstack.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn group_client_info(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
    group: String,
    client_id: String,
    jstack: bool,
) -> Result<ClientRunningInfo, IpcError> {
    Ok(state
        .console
        .group_client_info(&connection_id, &group, &client_id, jstack)
        .await?)
}

/// The preview of an offset reset: every queue's current and new offset.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn offset_plan(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
    request: ResetRequest,
) -> Result<OffsetPlan, IpcError> {
    Ok(state.console.offset_plan(&connection_id, &request).await?)
}

/// Applies an offset reset as previewed (snapshot first, read back after); refused on read-only
/// connections.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn offset_reset(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
    request: ResetRequest,
    confirmation: Confirmation,
) -> Result<ResetResult, IpcError> {
    Ok(state
        .console
        .offset_reset(&connection_id, &request, &confirmation)
        .await?)
}

/// The offset snapshots of a group, newest first.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn offset_snapshots(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
    group: String,
) -> Result<Vec<OffsetSnapshot>, IpcError> {
    Ok(state.console.offset_snapshots(&connection_id, &group).await?)
}

/// The preview of restoring a snapshot.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn offset_undo_plan(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
    snapshot_id: Count,
) -> Result<OffsetPlan, IpcError> {
    Ok(state
        .console
        .offset_undo_plan(&connection_id, snapshot_id.0)
        .await?)
}

/// Restores a snapshot exactly (undo of a reset).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn offset_undo(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
    snapshot_id: Count,
    confirmation: Confirmation,
) -> Result<ResetResult, IpcError> {
    Ok(state
        .console
        .offset_undo(&connection_id, snapshot_id.0, &confirmation)
        .await?)
}

/// The preview of creating or updating a consumer group.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn group_plan_upsert(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
    spec: GroupSpec,
) -> Result<ChangePlan, IpcError> {
    Ok(state.console.group_plan_upsert(&connection_id, &spec).await?)
}

/// Creates or updates a consumer group as previewed; refused on read-only connections.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn group_upsert(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
    spec: GroupSpec,
    confirmation: Confirmation,
) -> Result<AuditEntry, IpcError> {
    Ok(state
        .console
        .group_upsert(&connection_id, &spec, &confirmation)
        .await?)
}

/// The preview of deleting a consumer group (with its offsets and retry/dead-letter topics as asked).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn group_plan_delete(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
    spec: GroupDeleteSpec,
) -> Result<ChangePlan, IpcError> {
    Ok(state.console.group_plan_delete(&connection_id, &spec).await?)
}

/// Deletes a consumer group as previewed; the group's name must be typed.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn group_delete(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
    spec: GroupDeleteSpec,
    confirmation: Confirmation,
) -> Result<AuditEntry, IpcError> {
    Ok(state
        .console
        .group_delete(&connection_id, &spec, &confirmation)
        .await?)
}

/// The preview of resetting many groups at once.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn offset_plan_bulk(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
    request: BulkResetRequest,
) -> Result<BulkResetPlan, IpcError> {
    Ok(state.console.offset_plan_bulk(&connection_id, &request).await?)
}

/// Starts a bulk reset as a job streaming one result per group; returns the job's id at once.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, channel), err(Debug))]
pub async fn offset_reset_bulk(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
    request: BulkResetRequest,
    window: Window,
    confirmation: Confirmation,
    channel: Channel<JobEvent<BulkGroupResult, BulkSummary>>,
) -> Result<JobId, IpcError> {
    let id = state
        .console
        .offset_reset_bulk(&connection_id, &request, &confirmation, super::job::sink(channel))
        .await?;
    Ok(state.window_jobs.track(&window, id))
}
