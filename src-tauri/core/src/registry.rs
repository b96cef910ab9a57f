//! Live admin clients, one per open connection, created on first use and shut down explicitly.
//!
//! Each client gets its own instance name, so the RocketMQ client pool never shares a client (and
//! therefore a name-server list or ACL hook) between two connections.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use cheetah_string::CheetahString;
use rocketmq_client_rust::{
    AclClientRPCHook, ClientError, ClientRuntime, DefaultMQAdminExt, SessionCredentials,
};
use tokio::sync::{Mutex, RwLock, RwLockReadGuard};

use crate::error::{Error, Result};
use crate::model::ConnectionId;

/// Default deadline of one admin request.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(4);

/// What a client needs to talk to a cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSpec {
    pub namesrv_addrs: Vec<String>,
    pub vip_channel: bool,
    /// ACL access key and secret, both present or the pair absent.
    pub credentials: Option<(String, String)>,
}

/// A started admin client and the spec it was built from.
pub struct LiveClient {
    admin: RwLock<Option<DefaultMQAdminExt>>,
    pub spec: ClientSpec,
    pub timeout: Duration,
}

impl LiveClient {
    /// The ACL credentials (access key, secret key) that sign raw remoting requests, if any.
    pub fn creds(&self) -> Option<(&str, &str)> {
        self.spec
            .credentials
            .as_ref()
            .map(|(a, s)| (a.as_str(), s.as_str()))
    }
}

impl std::fmt::Debug for LiveClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveClient")
            .field("namesrv", &self.spec.namesrv_addrs)
            .finish_non_exhaustive()
    }
}

impl LiveClient {
    /// Builds and starts an admin client for `spec`.
    pub async fn start(runtime: Arc<ClientRuntime>, spec: ClientSpec, timeout: Duration) -> Result<Self> {
        let mut admin = match &spec.credentials {
            Some((ak, sk)) => {
                let hook = Arc::new(AclClientRPCHook::new(SessionCredentials::with_keys(
                    ak.as_str(),
                    sk.as_str(),
                )));
                DefaultMQAdminExt::with_rpc_hook_and_timeout(runtime, hook, timeout)
            }
            None => DefaultMQAdminExt::with_timeout(runtime, timeout),
        };
        let instance = format!("rmq-console-{}", uuid::Uuid::new_v4().simple());
        {
            let config = admin.client_config_mut();
            config.instance_name = CheetahString::from_string(instance);
            config.vip_channel_enabled = spec.vip_channel;
            config.mq_client_api_timeout = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
        }
        admin.set_namesrv_addr(spec.namesrv_addrs.join(";"));
        let namesrv = spec.namesrv_addrs.join(";");
        bounded("start admin client", &namesrv, timeout, admin.start()).await?;
        Ok(Self {
            admin: RwLock::new(Some(admin)),
            spec,
            timeout,
        })
    }

    /// The started admin client, borrowed for one or more calls (see [`LiveClient::run`]).
    pub async fn admin(&self) -> Result<RwLockReadGuard<'_, DefaultMQAdminExt>> {
        RwLockReadGuard::try_map(self.admin.read().await, Option::as_ref)
            .map_err(|_| Error::internal("admin client already shut down"))
    }

    /// Awaits one admin call under the client's deadline; `target` names the peer in errors.
    pub async fn run<T>(
        &self,
        operation: &str,
        target: &str,
        fut: impl Future<Output = std::result::Result<T, ClientError>>,
    ) -> Result<T> {
        bounded(operation, target, self.timeout, fut).await
    }

    /// Shuts the client down; later calls fail with `Internal`.
    pub async fn shutdown(&self) {
        if let Some(mut admin) = self.admin.write().await.take() {
            Box::pin(admin.shutdown()).await;
        }
    }
}

/// Awaits `fut` for at most `timeout` plus a grace period, classifying failures.
pub async fn bounded<T>(
    operation: &str,
    target: &str,
    timeout: Duration,
    fut: impl Future<Output = std::result::Result<T, ClientError>>,
) -> Result<T> {
    let deadline = timeout + Duration::from_millis(500);
    match tokio::time::timeout(deadline, fut).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => {
            let mut err = Error::from_client(operation, target, &e);
            if let Error::Timeout { timeout: t, .. } = &mut err {
                *t = timeout;
            }
            Err(err)
        }
        Err(_) => Err(Error::Timeout {
            operation: format!("{operation} on {target}"),
            timeout: deadline,
        }),
    }
}

/// The live clients of all open connections.
#[derive(Clone)]
pub struct Registry {
    runtime: Arc<ClientRuntime>,
    clients: Arc<Mutex<HashMap<ConnectionId, Arc<LiveClient>>>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry").finish_non_exhaustive()
    }
}

impl Registry {
    pub fn new(runtime: Arc<ClientRuntime>) -> Self {
        Self {
            runtime,
            clients: Arc::default(),
        }
    }

    pub fn runtime(&self) -> Arc<ClientRuntime> {
        Arc::clone(&self.runtime)
    }

    /// The live client of `id`, started from `spec` if there is none or the spec changed.
    pub async fn client(&self, id: &ConnectionId, spec: ClientSpec) -> Result<Arc<LiveClient>> {
        let mut clients = self.clients.lock().await;
        if let Some(c) = clients.get(id) {
            if c.spec == spec {
                return Ok(Arc::clone(c));
            }
            let old = clients.remove(id);
            if let Some(old) = old {
                old.shutdown().await;
            }
        }
        let client = Arc::new(LiveClient::start(self.runtime(), spec, REQUEST_TIMEOUT).await?);
        clients.insert(id.clone(), Arc::clone(&client));
        Ok(client)
    }

    /// Closes the client of `id`, if open.
    pub async fn close(&self, id: &ConnectionId) {
        let removed = self.clients.lock().await.remove(id);
        if let Some(c) = removed {
            c.shutdown().await;
        }
    }

    /// Ids of the connections with a live client.
    pub async fn open_ids(&self) -> Vec<ConnectionId> {
        self.clients.lock().await.keys().cloned().collect()
    }

    /// Shuts down every client.
    pub async fn shutdown(&self) {
        let all: Vec<_> = self.clients.lock().await.drain().map(|(_, c)| c).collect();
        for c in all {
            c.shutdown().await;
        }
    }
}
