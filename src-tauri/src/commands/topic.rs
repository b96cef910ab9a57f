//! Topics: the batched topic list and a topic's detail.

use rmq_console_core::model::ConnectionId;
use rmq_console_core::topic::{TopicDetail, TopicListing};
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
