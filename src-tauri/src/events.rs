//! Coarse broadcasts to every window, bridged from the core's event stream.
//!
//! The backend says what is stale; the UI invalidates exactly that TanStack Query subtree.

use rmq_console_core::model::ConnectionId;
use rmq_console_core::{Console, CoreEvent};
use serde::{Deserialize, Serialize};
use tauri::AppHandle;
use tauri_specta::Event;

/// The set of saved connections changed.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, Event)]
pub struct ConnectionsChanged;

/// Data under `scope` (a query-key path below `["conn", connectionId]`) is stale; empty = everything.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, Event)]
#[serde(rename_all = "camelCase")]
pub struct ResourceInvalidated {
    pub connection_id: ConnectionId,
    pub scope: Vec<String>,
}

/// Forwards core events to the windows until the console shuts down.
pub fn bridge(app: AppHandle, console: &Console) {
    let mut rx = console.subscribe();
    tauri::async_runtime::spawn(async move {
        loop {
            match rx.recv().await {
                Ok(CoreEvent::ConnectionsChanged) => emit(ConnectionsChanged.emit(&app)),
                Ok(CoreEvent::ResourceInvalidated { connection_id, scope }) => {
                    emit(ResourceInvalidated { connection_id, scope }.emit(&app));
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!(missed = n, "event bridge lagged");
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
}

fn emit(r: tauri::Result<()>) {
    if let Err(e) = r {
        tracing::warn!(error = %e, "could not emit event");
    }
}
