//! The audit journal: list with filters, export as JSON or CSV.

use rmq_console_core::audit::{AuditEntry, AuditFilter, AuditFormat};
use tauri::State;

use super::AppState;
use crate::error::IpcError;

/// Journal entries matching the filter, newest first.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn audit_list(
    state: State<'_, AppState>,
    filter: AuditFilter,
) -> Result<Vec<AuditEntry>, IpcError> {
    Ok(state.console.audit_list(&filter).await?)
}

/// The matching entries as a JSON array or CSV text, for the UI to save.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn audit_export(
    state: State<'_, AppState>,
    filter: AuditFilter,
    format: AuditFormat,
) -> Result<String, IpcError> {
    Ok(state.console.audit_export(&filter, format).await?)
}
