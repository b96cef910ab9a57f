//! Live clients, one per open connection, created on first use and shut down explicitly.
//!
//! A live client is the connection's protocol [`Link`]: its own pool of sockets (closed when the
//! client is replaced or the console shuts down), its ACL credentials and its request deadline.
//! Every request of every screen and job of the connection goes through it.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;

use crate::error::Result;
use crate::model::ConnectionId;
use crate::remoting::{DialSpec, Dialer, Link, Transport};

/// Default deadline of one request.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(4);

/// How long [`LiveClient::shutdown`] waits for requests under way before closing their sockets.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// What a client needs to talk to a cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSpec {
    pub namesrv_addrs: Vec<String>,
    pub vip_channel: bool,
    /// ACL access key and secret, both present or the pair absent.
    pub credentials: Option<(String, String)>,
    /// TLS and the address-rewrite table, under every socket.
    pub dial: DialSpec,
}

/// A connection's live state: its protocol [`Link`] and the spec it was built from.
pub struct LiveClient {
    pub spec: ClientSpec,
    pub timeout: Duration,
    /// Every request of this connection goes through here.
    pub link: Link,
}

impl std::fmt::Debug for LiveClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveClient")
            .field("namesrv", &self.spec.namesrv_addrs)
            .finish_non_exhaustive()
    }
}

impl LiveClient {
    /// A client for `spec`; sockets open on first use. Fails when the TLS files cannot be read.
    pub fn start(spec: ClientSpec, timeout: Duration) -> Result<Self> {
        let transport = Transport::with_dialer(Dialer::new(&spec.dial)?);
        let link = Link::new(transport, spec.credentials.clone(), timeout);
        Ok(Self { spec, timeout, link })
    }

    /// The ACL credentials (access key, secret key) that sign every request, if any.
    pub fn creds(&self) -> Option<(&str, &str)> {
        self.link.credentials()
    }

    /// Closes the connection's sockets (waiting briefly for requests under way); later requests
    /// fail with `Cancelled`. For the console's shutdown.
    pub async fn shutdown(&self) {
        self.link.transport().shutdown(SHUTDOWN_GRACE).await;
    }

    /// Replaced by a client with new settings (or the connection closed): no more pooling, but
    /// requests under way and jobs still holding this client go on.
    pub fn retire(&self) {
        self.link.transport().retire();
    }
}

/// The live clients of all open connections.
#[derive(Clone, Default)]
pub struct Registry {
    clients: Arc<Mutex<HashMap<ConnectionId, Arc<LiveClient>>>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry").finish_non_exhaustive()
    }
}

impl Registry {
    pub fn new() -> Self {
        Self::default()
    }

    /// The live client of `id`, started from `spec` if there is none or the spec changed.
    pub async fn client(&self, id: &ConnectionId, spec: ClientSpec) -> Result<Arc<LiveClient>> {
        let mut clients = self.clients.lock().await;
        if let Some(c) = clients.get(id) {
            if c.spec == spec {
                return Ok(Arc::clone(c));
            }
            if let Some(old) = clients.remove(id) {
                old.retire();
            }
        }
        let client = Arc::new(LiveClient::start(spec, REQUEST_TIMEOUT)?);
        clients.insert(id.clone(), Arc::clone(&client));
        Ok(client)
    }

    /// Retires the client of `id`, if open (see [`LiveClient::retire`]).
    pub async fn close(&self, id: &ConnectionId) {
        let removed = self.clients.lock().await.remove(id);
        if let Some(c) = removed {
            c.retire();
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
