//! Saved connections: CRUD, duplicate, test, unlock, import/export.

use rmq_console_core::cluster::{ConnectionTestItem, ConnectionTestReport, ConnectionTestSummary};
use rmq_console_core::connection::{ConnectionDraft, ConnectionProfile, ImportReport};
use rmq_console_core::jobs::{JobEvent, JobId};
use rmq_console_core::model::ConnectionId;
use tauri::ipc::Channel;
use tauri::{State, Window};

use super::AppState;
use crate::error::IpcError;

/// Every saved connection.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn connection_list(state: State<'_, AppState>) -> Result<Vec<ConnectionProfile>, IpcError> {
    Ok(state.console.connection_list().await?)
}

/// Saves a new connection (the secret goes to the OS keychain).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, draft), err(Debug))]
pub async fn connection_create(
    state: State<'_, AppState>,
    draft: ConnectionDraft,
) -> Result<ConnectionProfile, IpcError> {
    Ok(state.console.connection_create(&draft).await?)
}

/// Edits a saved connection; an absent secret keeps the saved one.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, draft), err(Debug))]
pub async fn connection_update(
    state: State<'_, AppState>,
    id: ConnectionId,
    draft: ConnectionDraft,
) -> Result<ConnectionProfile, IpcError> {
    Ok(state.console.connection_update(&id, &draft).await?)
}

/// Deletes a saved connection and its secret.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn connection_delete(state: State<'_, AppState>, id: ConnectionId) -> Result<(), IpcError> {
    Ok(state.console.connection_delete(&id).await?)
}

/// Copies a saved connection under a new name.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn connection_duplicate(
    state: State<'_, AppState>,
    id: ConnectionId,
) -> Result<ConnectionProfile, IpcError> {
    Ok(state.console.connection_duplicate(&id).await?)
}

/// Tests a connection as typed in the form, before saving.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, draft), err(Debug))]
pub async fn connection_test(
    state: State<'_, AppState>,
    draft: ConnectionDraft,
) -> Result<ConnectionTestReport, IpcError> {
    Ok(state.console.connection_test(&draft).await?)
}

/// Tests a saved connection with its saved secret.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn connection_test_saved(
    state: State<'_, AppState>,
    id: ConnectionId,
) -> Result<ConnectionTestReport, IpcError> {
    Ok(state.console.connection_test_saved(&id).await?)
}

/// Tests every saved connection as a job: progress per connection, cancellable.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, channel), err(Debug))]
pub async fn connection_test_all(
    state: State<'_, AppState>,
    window: Window,
    channel: Channel<JobEvent<ConnectionTestItem, ConnectionTestSummary>>,
) -> Result<JobId, IpcError> {
    let id = state
        .console
        .connection_test_all(super::job::sink(channel))
        .await?;
    Ok(state.window_jobs.track(&window, id))
}

/// Keeps a secret typed by the user for this session (no keychain on this machine).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, secret), err(Debug))]
pub async fn connection_unlock(
    state: State<'_, AppState>,
    id: ConnectionId,
    secret: String,
) -> Result<ConnectionProfile, IpcError> {
    Ok(state.console.connection_unlock(&id, &secret).await?)
}

/// Exports profiles as JSON, never with secrets (all when `ids` is empty).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn connection_export(
    state: State<'_, AppState>,
    ids: Vec<ConnectionId>,
) -> Result<String, IpcError> {
    Ok(state.console.connection_export(&ids).await?)
}

/// Imports profiles from an export file's text.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, json), err(Debug))]
pub async fn connection_import(state: State<'_, AppState>, json: String) -> Result<ImportReport, IpcError> {
    Ok(state.console.connection_import(&json).await?)
}
