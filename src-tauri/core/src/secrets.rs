//! ACL secret keys: in the OS keychain (Secret Service on Linux), never in SQLite.
//!
//! When no keychain answers (no Secret Service on the session bus, a locked collection), the console
//! says so and keeps secrets for the current session only, in memory: the user types the secret once
//! per session instead of having it written anywhere.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::ConnectionId;

/// Where secrets can be kept on this machine.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct KeychainStatus {
    /// True when the OS keychain answered the probe.
    pub available: bool,
    /// Why it is unavailable, in words for the user.
    pub detail: Option<String>,
}

#[derive(Debug, Clone)]
enum Backend {
    /// The OS keychain under this service name.
    Keychain { service: String },
    /// No keychain: session memory only.
    Unavailable { reason: String },
}

/// Cheap-clone handle on the secret store.
#[derive(Debug, Clone)]
pub struct Secrets {
    backend: Backend,
    session: Arc<Mutex<HashMap<ConnectionId, String>>>,
}

impl Secrets {
    /// Probes the OS keychain under `service`; falls back to session memory when it does not answer.
    pub async fn probe(service: &str) -> Self {
        let svc = service.to_owned();
        let probe = tokio::task::spawn_blocking(move || {
            let entry = keyring::Entry::new(&svc, "__rmq_console_probe__")?;
            match entry.get_password() {
                Ok(_) | Err(keyring::Error::NoEntry) => Ok(()),
                Err(e) => Err(e),
            }
        })
        .await;
        let backend = match probe {
            Ok(Ok(())) => Backend::Keychain {
                service: service.to_owned(),
            },
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "OS keychain unavailable; secrets are kept for this session only");
                Backend::Unavailable { reason: describe(&e) }
            }
            Err(e) => Backend::Unavailable {
                reason: format!("keychain probe failed: {e}"),
            },
        };
        Self {
            backend,
            session: Arc::default(),
        }
    }

    /// Session-only secrets (used when the keychain is known to be absent, and by tests).
    pub fn session_only(reason: &str) -> Self {
        Self {
            backend: Backend::Unavailable {
                reason: reason.to_owned(),
            },
            session: Arc::default(),
        }
    }

    pub fn status(&self) -> KeychainStatus {
        match &self.backend {
            Backend::Keychain { .. } => KeychainStatus {
                available: true,
                detail: None,
            },
            Backend::Unavailable { reason } => KeychainStatus {
                available: false,
                detail: Some(reason.clone()),
            },
        }
    }

    /// Stores the secret of `id`: in the keychain when there is one, else for this session.
    pub async fn put(&self, id: &ConnectionId, secret: &str) -> Result<()> {
        self.session_map()?.insert(id.clone(), secret.to_owned());
        if let Backend::Keychain { service } = &self.backend {
            let (svc, user, secret) = (service.clone(), id.0.clone(), secret.to_owned());
            blocking(move || keyring::Entry::new(&svc, &user)?.set_password(&secret)).await?;
        }
        Ok(())
    }

    /// Keeps the secret of `id` for this session only (the user typed it because there is no keychain).
    pub fn put_session(&self, id: &ConnectionId, secret: &str) -> Result<()> {
        self.session_map()?.insert(id.clone(), secret.to_owned());
        Ok(())
    }

    /// The secret of `id`, from session memory or the keychain; `None` when none is known.
    pub async fn get(&self, id: &ConnectionId) -> Result<Option<String>> {
        if let Some(s) = self.session_map()?.get(id) {
            return Ok(Some(s.clone()));
        }
        let Backend::Keychain { service } = &self.backend else {
            return Ok(None);
        };
        let (svc, user) = (service.clone(), id.0.clone());
        let found = blocking(move || match keyring::Entry::new(&svc, &user)?.get_password() {
            Ok(s) => Ok(Some(s)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e),
        })
        .await?;
        if let Some(s) = &found {
            self.session_map()?.insert(id.clone(), s.clone());
        }
        Ok(found)
    }

    /// Forgets the secret of `id` everywhere.
    pub async fn delete(&self, id: &ConnectionId) -> Result<()> {
        self.session_map()?.remove(id);
        if let Backend::Keychain { service } = &self.backend {
            let (svc, user) = (service.clone(), id.0.clone());
            blocking(
                move || match keyring::Entry::new(&svc, &user)?.delete_credential() {
                    Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                    Err(e) => Err(e),
                },
            )
            .await?;
        }
        Ok(())
    }

    fn session_map(&self) -> Result<std::sync::MutexGuard<'_, HashMap<ConnectionId, String>>> {
        self.session
            .lock()
            .map_err(|_| Error::internal("secret session map poisoned"))
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> std::result::Result<T, keyring::Error> + Send + 'static,
) -> Result<T> {
    match tokio::task::spawn_blocking(f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(Error::Keychain { detail: describe(&e) }),
        Err(e) => Err(Error::Keychain {
            detail: format!("keychain task failed: {e}"),
        }),
    }
}

fn describe(e: &keyring::Error) -> String {
    match e {
        keyring::Error::PlatformFailure(inner) => {
            format!("no usable Secret Service on the session D-Bus ({inner})")
        }
        keyring::Error::NoStorageAccess(inner) => {
            format!("the keychain is locked or refused access ({inner})")
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn session_only_secrets_live_in_memory() {
        let s = Secrets::session_only("test");
        assert!(!s.status().available);
        let id = ConnectionId("c1".into());
        assert_eq!(s.get(&id).await.unwrap(), None);
        s.put(&id, "sk").await.unwrap();
        assert_eq!(s.get(&id).await.unwrap().as_deref(), Some("sk"));
        s.delete(&id).await.unwrap();
        assert_eq!(s.get(&id).await.unwrap(), None);
    }
}
