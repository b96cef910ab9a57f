//! Producers: online connections of a producer group, and producer-group discovery.

use rmq_console_core::model::ConnectionId;
use rmq_console_core::producer::{ProducerListing, ProducerQuery};
use tauri::State;

use super::AppState;
use crate::error::IpcError;

/// Producer groups and their online clients, on the brokers of a topic or on every master.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn producer_list(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
    query: ProducerQuery,
) -> Result<ProducerListing, IpcError> {
    Ok(state.console.producers(&connection_id, &query).await?)
}
