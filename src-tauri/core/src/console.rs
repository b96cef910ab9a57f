//! The one handle on the console's state: store, secrets, live clients, jobs, events.
//!
//! [`Console`] is a cheap clone (an `Arc`). Domain modules add methods to it (`connection.rs`,
//! `cluster.rs`, …). [`Console::shutdown`] cancels jobs, closes every connection's sockets and
//! the store; the Tauri shell calls it on exit, the CLI before returning.

use std::path::Path;
use std::sync::Arc;

use serde::Serialize;
use tokio::sync::broadcast;

use crate::error::Result;
use crate::jobs::JobRegistry;
use crate::model::ConnectionId;
use crate::registry::Registry;
use crate::secrets::Secrets;
use crate::store::Store;

/// Coarse broadcasts for every open window: the backend says what is stale.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum CoreEvent {
    /// The set of saved connections changed (created, edited, deleted, imported).
    ConnectionsChanged,
    /// Data under `scope` (a query-key prefix such as `["cluster"]`) of a connection is stale.
    ResourceInvalidated {
        connection_id: ConnectionId,
        scope: Vec<String>,
    },
}

/// Options for [`Console::open`].
#[derive(Debug, Clone)]
pub struct ConsoleOptions {
    /// Keychain service name under which secrets are stored.
    pub keychain_service: String,
    /// Skip the keychain entirely (secrets kept per session).
    pub no_keychain: bool,
}

impl Default for ConsoleOptions {
    fn default() -> Self {
        Self {
            keychain_service: "rmq-console".to_owned(),
            no_keychain: false,
        }
    }
}

struct Inner {
    store: Store,
    secrets: Secrets,
    registry: Registry,
    jobs: JobRegistry,
    events: broadcast::Sender<CoreEvent>,
}

/// Cheap-clone handle on the console core.
#[derive(Clone)]
pub struct Console {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Console {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Console").finish_non_exhaustive()
    }
}

impl Console {
    /// Opens the console with its store in `data_dir`.
    pub async fn open(data_dir: &Path, options: ConsoleOptions) -> Result<Self> {
        let store = Store::open(data_dir).await?;
        let secrets = if options.no_keychain {
            Secrets::session_only("the keychain was turned off for this run")
        } else {
            Secrets::probe(&options.keychain_service).await
        };
        Self::with_parts(store, secrets)
    }

    /// Assembles a console from a store and a secret store (tests use an in-memory store).
    pub fn with_parts(store: Store, secrets: Secrets) -> Result<Self> {
        let (events, _) = broadcast::channel(256);
        Ok(Self {
            inner: Arc::new(Inner {
                store,
                secrets,
                registry: Registry::new(),
                jobs: JobRegistry::default(),
                events,
            }),
        })
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn secrets(&self) -> &Secrets {
        &self.inner.secrets
    }

    pub fn registry(&self) -> &Registry {
        &self.inner.registry
    }

    pub fn jobs(&self) -> &JobRegistry {
        &self.inner.jobs
    }

    /// Subscribes to coarse change events.
    pub fn subscribe(&self) -> broadcast::Receiver<CoreEvent> {
        self.inner.events.subscribe()
    }

    pub(crate) fn emit(&self, event: CoreEvent) {
        // No subscriber is fine (CLI, tests).
        let _ = self.inner.events.send(event);
    }

    /// Stops jobs, closes every connection's sockets, then the store. Idempotent.
    pub async fn shutdown(&self) {
        self.inner.jobs.cancel_all();
        self.inner.registry.shutdown().await;
        self.inner.store.close().await;
    }
}
