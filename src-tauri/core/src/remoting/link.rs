//! The request builder every domain module uses: a connection's [`Transport`], its ACL
//! credentials (every request signed) and its deadline, in one cheap-clone value. A request goes
//! `Link` → frame (encode, sign) → transport (pooled socket, deadline, no second send of a
//! mutation) → reply → [`check`] (the one classifier of broker refusals).

use std::sync::Arc;
use std::time::Duration;

use crate::error::{Error, Result};

use super::code;
use super::frame::{self, Reply};
use super::header::{Fields, Header};
use super::transport::Transport;
use super::wire::{ClusterTable, decode_cluster_table};

/// A header-only request: its code and header fields.
pub type Request = (i32, Fields);

/// How one connection talks to its cluster: transport, credentials, deadline.
#[derive(Clone)]
pub struct Link {
    transport: Transport,
    credentials: Option<Arc<(String, String)>>,
    timeout: Duration,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link")
            .field("signed", &self.credentials.is_some())
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Link {
    pub fn new(transport: Transport, credentials: Option<(String, String)>, timeout: Duration) -> Self {
        Self {
            transport,
            credentials: credentials.map(Arc::new),
            timeout,
        }
    }

    /// The same link with another deadline per request.
    #[must_use]
    pub fn with_timeout(&self, timeout: Duration) -> Self {
        Self {
            timeout,
            ..self.clone()
        }
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// The ACL credentials (access key, secret key) that sign every request, if any.
    pub fn credentials(&self) -> Option<(&str, &str)> {
        self.credentials.as_deref().map(|(a, s)| (a.as_str(), s.as_str()))
    }

    /// Sends one request to `addr` and returns its reply, whatever its code.
    pub async fn invoke(&self, addr: &str, code: i32, ext: impl Header) -> Result<Reply> {
        self.invoke_body(addr, code, ext, &[]).await
    }

    /// [`Link::invoke`] with a request body.
    pub async fn invoke_body(&self, addr: &str, code: i32, ext: impl Header, body: &[u8]) -> Result<Reply> {
        let opaque = self.transport.next_opaque();
        let frame = frame::encode(code, ext.into_fields(), body, self.credentials(), opaque)?;
        self.transport
            .exchange(addr, (code, opaque), &frame, self.timeout)
            .await
    }

    /// Sends `code` to `addr`; a refusal becomes an error ([`check`]).
    pub async fn request(&self, addr: &str, code: i32, what: &str) -> Result<Reply> {
        self.request_body(addr, code, (), &[], what).await
    }

    /// [`Link::request`] with header fields.
    pub async fn request_with(&self, addr: &str, code: i32, ext: impl Header, what: &str) -> Result<Reply> {
        self.request_body(addr, code, ext, &[], what).await
    }

    /// [`Link::request_with`] with a request body.
    pub async fn request_body(
        &self,
        addr: &str,
        code: i32,
        ext: impl Header,
        body: &[u8],
        what: &str,
    ) -> Result<Reply> {
        let r = self.invoke_body(addr, code, ext, body).await?;
        check(addr, what, r)
    }

    /// Sends `code` to the first of `addrs` that answers successfully (name-server failover; reads
    /// only: a mutation is never sent to a second name server after an unknown outcome).
    pub async fn request_any(&self, addrs: &[String], code: i32, what: &str) -> Result<Reply> {
        let mut last = Error::validation("no name server given");
        for addr in addrs {
            match self.request(addr, code, what).await {
                Ok(r) => return Ok(r),
                Err(e @ Error::OutcomeUnknown { .. }) => return Err(e),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// The cluster table from the first name server of `addrs` that answers.
    /// A Java name server whose route table changes while it writes the reply (a broker
    /// registering or going away) can fail the read with a `ConcurrentModificationException`: the
    /// read is asked again, a few times.
    pub async fn cluster_table(&self, addrs: &[String]) -> Result<ClusterTable> {
        let mut tried = 1;
        loop {
            match self
                .request_any(addrs, code::GET_BROKER_CLUSTER_INFO, "get cluster info")
                .await
            {
                Ok(r) => return decode_cluster_table(&r.body),
                Err(Error::BrokerRejected {
                    code: c, ref detail, ..
                }) if c == code::SYSTEM_ERROR
                    && detail.contains("ConcurrentModificationException")
                    && tried < TABLE_TRIES =>
                {
                    tracing::debug!(%detail, tried, "cluster table changed while read; asking again");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    tried += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Sends many header-only requests to one `addr` over at most `streams` pooled connections,
    /// pipelined: up to [`super::WINDOW`] requests in flight on each, written together and answered
    /// in any order (matched by opaque). One request at a time per connection woke the broker's
    /// threads once per request: 1,000 consume-stats calls cost a 5.x broker ~600 µs of CPU each
    /// that way and ~75 µs pipelined, and took a quarter of the time. Replies come back in request
    /// order. A connection that fails, or gets no reply for the deadline, fails its unanswered
    /// requests, not the other connections'.
    pub async fn batch(&self, addr: &str, requests: Vec<Request>, streams: usize) -> Vec<Result<Reply>> {
        let n = requests.len();
        let streams = streams.clamp(1, n.max(1));
        let mut lanes: Vec<Vec<(usize, Request)>> = (0..streams).map(|_| Vec::new()).collect();
        for (i, r) in requests.into_iter().enumerate() {
            if let Some(lane) = lanes.get_mut(i % streams) {
                lane.push((i, r));
            }
        }
        let results = futures::future::join_all(lanes.into_iter().map(|lane| self.lane(addr, lane))).await;
        let mut ordered: Vec<Option<Result<Reply>>> = (0..n).map(|_| None).collect();
        for (i, r) in results.into_iter().flatten() {
            if let Some(slot) = ordered.get_mut(i) {
                *slot = Some(r);
            }
        }
        ordered
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(Error::internal("a batched request got no reply"))))
            .collect()
    }

    /// One connection's share of a batch: every request answered, or failed with why.
    async fn lane(&self, addr: &str, lane: Vec<(usize, Request)>) -> Vec<(usize, Result<Reply>)> {
        let mut out: Vec<(usize, Result<Reply>)> = Vec::with_capacity(lane.len());
        // Encode first: a request that cannot be encoded fails alone.
        let mut index = Vec::with_capacity(lane.len());
        let mut frames = Vec::with_capacity(lane.len());
        for (i, (code, ext)) in lane {
            let opaque = self.transport.next_opaque();
            match frame::encode(code, ext, &[], self.credentials(), opaque) {
                Ok(f) => {
                    index.push((i, opaque));
                    frames.push((code, opaque, f));
                }
                Err(e) => out.push((i, Err(e))),
            }
        }
        if frames.is_empty() {
            return out;
        }
        let mut answered = self.transport.pipeline(addr, &frames, self.timeout).await;
        for (i, opaque) in index {
            let r = answered
                .remove(&opaque)
                .unwrap_or_else(|| Err(Error::internal("a pipelined request got no reply")));
            out.push((i, r));
        }
        out
    }
}

/// Reads of the cluster table before a name server's transient failure is reported.
const TABLE_TRIES: u32 = 4;

/// The one classifier of a reply: code 0 passes; a refusal becomes `Unauthorized` (ACL) or
/// `Busy` or `BrokerRejected`, by the same rule as every other path ([`super::refusal`]).
pub fn check(addr: &str, what: &str, r: Reply) -> Result<Reply> {
    if r.code == code::SUCCESS {
        return Ok(r);
    }
    Err(super::refusal(addr, what, r.code, r.remark.unwrap_or_default()))
}

/// Runs `attempt` again while the broker answers with flow control ([`Error::is_broker_busy`]:
/// the request was refused unprocessed), waiting 50 ms, 100 ms, … up to 1 s between tries, at most
/// `tries` in all. Any other outcome is returned as it is — an unknown outcome included.
pub async fn while_busy<T, F, Fut>(tries: u32, mut attempt: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let mut pause = Duration::from_millis(50);
    let mut tried = 1;
    loop {
        match attempt().await {
            Err(e) if e.is_broker_busy() && tried < tries => {
                tracing::debug!(error = %e, tried, "broker busy, trying again");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(1));
                tried += 1;
            }
            other => return other,
        }
    }
}
