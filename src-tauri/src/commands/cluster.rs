//! Overview: clusters, brokers, name servers; a broker's runtime stats and config.

use rmq_console_core::cluster::{BrokerDetail, ClusterOverview};
use rmq_console_core::model::ConnectionId;
use tauri::State;

use super::AppState;
use crate::error::IpcError;

/// Every cluster, broker and name server of a connection.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn cluster_overview(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
) -> Result<ClusterOverview, IpcError> {
    Ok(state.console.cluster_overview(&connection_id).await?)
}

/// A broker's runtime stats and config (read-only).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn broker_detail(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
    addr: String,
) -> Result<BrokerDetail, IpcError> {
    Ok(state.console.broker_detail(&connection_id, &addr).await?)
}

/// Forgets a decommissioned broker so it no longer shows as missing.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn cluster_forget_broker(
    state: State<'_, AppState>,
    connection_id: ConnectionId,
    broker_name: String,
    broker_id: u32,
) -> Result<(), IpcError> {
    Ok(state
        .console
        .cluster_forget_broker(&connection_id, &broker_name, broker_id)
        .await?)
}
