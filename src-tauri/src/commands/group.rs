//! Consumer groups: the list with lag, a group's detail, a client's running info, and offset reset
//! with its preview, snapshots and undo.

use rmq_console_core::group::detail::{ClientRunningInfo, GroupDetail};
use rmq_console_core::group::{GroupListOptions, GroupListing};
use rmq_console_core::model::{ConnectionId, Count};
use rmq_console_core::offset::{OffsetPlan, OffsetSnapshot, ResetRequest, ResetResult};
use rmq_console_core::safety::Confirmation;
use tauri::State;

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
