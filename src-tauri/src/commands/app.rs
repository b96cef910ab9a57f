//! About the app itself: version, where its files are, whether a keychain is available.

use rmq_console_core::secrets::KeychainStatus;
use serde::Serialize;
use tauri::State;

use super::AppState;
use crate::error::IpcError;

/// Facts shown in the About box and used by the connection form.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub version: String,
    pub data_dir: String,
    pub log_dir: String,
    pub keychain: KeychainStatus,
}

/// Version, data and log directories, keychain availability.
#[tauri::command]
#[specta::specta]
pub async fn app_info(state: State<'_, AppState>) -> Result<AppInfo, IpcError> {
    Ok(AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        data_dir: state.data_dir.display().to_string(),
        log_dir: state.log_dir.display().to_string(),
        keychain: state.console.secrets().status(),
    })
}
