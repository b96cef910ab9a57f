//! About the app itself: version, where its files are, whether a keychain is available; and its
//! windows (the UI may not create windows itself, see `capabilities/README.md`).

use rmq_console_core::model::ConnectionId;
use rmq_console_core::secrets::KeychainStatus;
use serde::Serialize;
use tauri::{AppHandle, Manager, State, WebviewUrl, WebviewWindowBuilder};

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

/// Opens a saved connection in a window of its own, or shows and focuses that window when it is
/// already open. Only saved connections get a window, and only at the app's own page.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app, state), err(Debug))]
pub async fn window_open_connection(
    app: AppHandle,
    state: State<'_, AppState>,
    connection_id: ConnectionId,
) -> Result<(), IpcError> {
    let profile = state.console.connection_get(&connection_id).await?;
    let label = connection_window_label(&connection_id);
    if let Some(window) = app.get_webview_window(&label) {
        window.unminimize().map_err(window_error)?;
        window.show().map_err(window_error)?;
        return window.set_focus().map_err(window_error);
    }
    let url = format!("index.html#conn={}", encode_uri_component(connection_id.as_str()));
    WebviewWindowBuilder::new(&app, label, WebviewUrl::App(url.into()))
        .title(format!("{} — RocketMQ Console", profile.name))
        .inner_size(1400.0, 880.0)
        .min_inner_size(960.0, 600.0)
        .build()
        .map_err(window_error)?;
    Ok(())
}

/// The label of a connection's window: `conn-` and the id's letters, digits, `-` and `_` (the only
/// characters a label may hold besides `/` and `:`); the capability covers `conn-*`.
fn connection_window_label(id: &ConnectionId) -> String {
    let safe: String = id
        .as_str()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("conn-{safe}")
}

/// Percent-encodes `s` as JavaScript's `encodeURIComponent` does (the UI decodes it with
/// `decodeURIComponent`).
fn encode_uri_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A window that could not be created or raised.
fn window_error(e: tauri::Error) -> IpcError {
    rmq_console_core::Error::internal(format!("window: {e}")).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_labels_keep_only_label_characters() {
        let id = ConnectionId("6f1c-4a_b/c#d é".to_owned());
        assert_eq!(connection_window_label(&id), "conn-6f1c-4a_b_c_d__");
    }

    #[test]
    fn ids_are_encoded_like_encode_uri_component() {
        assert_eq!(encode_uri_component("6f1c-4a2b"), "6f1c-4a2b");
        assert_eq!(encode_uri_component("a&b=c#d é"), "a%26b%3Dc%23d%20%C3%A9");
        assert_eq!(encode_uri_component("x.y!~*'()"), "x.y!~*'()");
    }
}
