//! Topics: the batched topic list, a topic's detail, and create/update/delete through the preview.

use rmq_console_core::audit::AuditEntry;
use rmq_console_core::model::ConnectionId;
use rmq_console_core::safety::{ChangePlan, Confirmation};
use rmq_console_core::topic::admin::TopicSpec;
use rmq_console_core::topic::consumers::TopicConsumers;
use rmq_console_core::topic::{TopicDetail, TopicListing, TopicStatsRow};
use tauri::State;

use super::AppState;
use crate::error::IpcError;

/// Every topic of a connection with its type, queues, permission and brokers.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn topic_list(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
) -> Result<TopicListing, IpcError> {
    Ok(state.console.topic_list(&connection_id).await?)
}

/// A topic's route and per-queue offsets.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn topic_detail(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
    topic: String,
) -> Result<TopicDetail, IpcError> {
    Ok(state.console.topic_detail(&connection_id, &topic).await?)
}

/// The preview of creating or updating a topic: the exact change, warnings, the mqadmin line.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn topic_plan_upsert(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
    spec: TopicSpec,
) -> Result<ChangePlan, IpcError> {
    Ok(state.console.topic_plan_upsert(&connection_id, &spec).await?)
}

/// Creates or updates a topic as previewed; refused on read-only connections.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn topic_upsert(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
    spec: TopicSpec,
    confirmation: Confirmation,
) -> Result<AuditEntry, IpcError> {
    Ok(state
        .console
        .topic_upsert(&connection_id, &spec, &confirmation)
        .await?)
}

/// The preview of deleting a topic from its brokers and the name servers.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn topic_plan_delete(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
    topic: String,
) -> Result<ChangePlan, IpcError> {
    Ok(state.console.topic_plan_delete(&connection_id, &topic).await?)
}

/// Deletes a topic; the confirmation must carry its name, typed.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn topic_delete(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
    topic: String,
    confirmation: Confirmation,
) -> Result<AuditEntry, IpcError> {
    Ok(state
        .console
        .topic_delete(&connection_id, &topic, &confirmation)
        .await?)
}

/// Stored messages and last write of the given topics (the rows the list shows), lazily.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, topics), err(Debug))]
pub async fn topic_stats(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
    topics: Vec<String>,
) -> Result<Vec<TopicStatsRow>, IpcError> {
    Ok(state.console.topic_stats(&connection_id, &topics).await?)
}

/// The consumer groups of a topic with their lag and online clients.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn topic_consumers(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
    topic: String,
) -> Result<TopicConsumers, IpcError> {
    Ok(state.console.topic_consumers(&connection_id, &topic).await?)
}
