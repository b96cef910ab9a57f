//! Dead letters: every group's `%DLQ%` topic with counts, store times, readability and the
//! group's retry backlog; browsing a group's dead letters; replaying them (dry run, the job, resume,
//! discard, the journal's list and per-message report).

use rmq_console_core::dlq::DlqOverview;
use rmq_console_core::dlq::browse::{DlqBrowse, DlqBrowseRequest};
use rmq_console_core::dlq::journal::{ReplayInfo, ReplayItem};
use rmq_console_core::dlq::replay::{ReplayPlan, ReplayRequest, ReplaySummary};
use rmq_console_core::jobs::{JobEvent, JobId};
use rmq_console_core::model::ConnectionId;
use rmq_console_core::safety::Confirmation;
use tauri::ipc::Channel;
use tauri::{State, Window};

use super::AppState;
use crate::error::IpcError;

/// The dead-letter overview of a connection.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn dlq_overview(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
) -> Result<DlqOverview, IpcError> {
    Ok(state.console.dlq_overview(&connection_id).await?)
}

/// A group's dead letters in a window, filtered, oldest first.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn dlq_browse(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
    request: DlqBrowseRequest,
) -> Result<DlqBrowse, IpcError> {
    Ok(state.console.dlq_browse(&connection_id, &request).await?)
}

/// The dry run of a replay: how many, to where, what cannot be resolved and why.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn dlq_plan_replay(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
    request: ReplayRequest,
) -> Result<ReplayPlan, IpcError> {
    Ok(state.console.dlq_plan_replay(&connection_id, &request).await?)
}

/// Starts a replay as a job (journaled; resumable).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, request, channel), err(Debug))]
pub async fn dlq_replay(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
    request: ReplayRequest,
    confirmation: Confirmation,
    window: Window,
    channel: Channel<JobEvent<ReplayItem, ReplaySummary>>,
) -> Result<JobId, IpcError> {
    let id = state
        .console
        .dlq_replay(&connection_id, &request, &confirmation, super::job::sink(channel))
        .await?;
    Ok(state.window_jobs.track(&window, id))
}

/// Resumes a paused or interrupted replay from its journal.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, channel), err(Debug))]
pub async fn dlq_replay_resume(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
    replay_id: String,
    confirmation: Confirmation,
    window: Window,
    channel: Channel<JobEvent<ReplayItem, ReplaySummary>>,
) -> Result<JobId, IpcError> {
    let id = state
        .console
        .dlq_replay_resume(
            &connection_id,
            &replay_id,
            &confirmation,
            super::job::sink(channel),
        )
        .await?;
    Ok(state.window_jobs.track(&window, id))
}

/// Gives a paused or interrupted replay up.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn dlq_replay_discard(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
    replay_id: String,
) -> Result<(), IpcError> {
    Ok(state
        .console
        .dlq_replay_discard(&connection_id, &replay_id)
        .await?)
}

/// The replays of a connection, newest first, with their counts.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn dlq_replays(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
) -> Result<Vec<ReplayInfo>, IpcError> {
    Ok(state.console.replay_list(&connection_id).await?)
}

/// Every message of a replay with its outcome (the report).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn dlq_replay_report(
    state: State<'_, AppState>,
    replay_id: String,
) -> Result<Vec<ReplayItem>, IpcError> {
    Ok(state.console.replay_report(&replay_id).await?)
}
