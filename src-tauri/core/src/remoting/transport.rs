//! The one transport: TCP connections to name servers and brokers, pooled per address, owned by a
//! connection's live client (no process-wide state) and closed by [`Transport::shutdown`].
//!
//! - Connect, write and read each run under the request's deadline, on every path (single
//!   requests and pipelined batches), so a dead master costs the deadline, never the OS's connect
//!   timeout.
//! - Replies are matched to their requests by opaque.
//! - **A mutation is never sent twice.** Before a request is written on a pooled connection, a
//!   non-blocking peek checks that the peer has not closed it while idle; a dead one is dropped
//!   with nothing written. A read (see [`code::is_idempotent`]) that fails on a pooled connection
//!   is sent once more on a fresh one; a mutation that fails after its frame was written is
//!   reported as [`Error::OutcomeUnknown`] — the broker may or may not have applied it — and is
//!   not retried.
//!
//! Idle connections are reused for up to a minute (brokers and name servers close a connection
//! idle for 120 s): a new TCP connection per request cost more than the request itself and halved
//! the pull rate of scans.

mod io;
use io::{alive, clone_error, exchange_pipelined, round_trip, settle};

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use super::dial::{Conn, Dialer};
use tokio_util::sync::CancellationToken;

use super::code;
use super::frame::Reply;
use crate::error::{Error, Result};

/// Idle connections kept per address, and how long one may sit idle.
const POOL_PER_ADDR: usize = 64;
const POOL_IDLE: Duration = Duration::from_secs(60);

/// Requests in flight at once on one pipelined connection.
pub const WINDOW: usize = 32;

type Pool = HashMap<String, Vec<(Conn, std::time::Instant)>>;

struct Inner {
    dialer: Dialer,
    pool: Mutex<Pool>,
    opaque: AtomicI32,
    closed: CancellationToken,
    /// Replaced (the connection was edited): exchanges go on, connections are no longer pooled.
    retired: AtomicBool,
    /// Exchanges under way, and a wake-up for [`Transport::shutdown`] when the last one ends.
    busy: AtomicUsize,
    idle: tokio::sync::Notify,
}

/// A cheap-clone handle on one connection's sockets.
#[derive(Clone)]
pub struct Transport {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("pooled", &self.pooled())
            .finish_non_exhaustive()
    }
}

impl Default for Transport {
    fn default() -> Self {
        Self::new()
    }
}

/// Marks an exchange under way for as long as it lives.
struct Busy<'a>(&'a Inner);

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        if self.0.busy.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

/// How one exchange failed, and whether its frame had been written.
enum Failure {
    /// Nothing reached the peer: safe to report as unreachable or to retry.
    NotSent(Error),
    /// The frame (or part of it) was written; then this went wrong.
    AfterWrite { error: Error, io: bool },
}

impl Transport {
    /// Plain TCP, no address rewrite.
    pub fn new() -> Self {
        Self::with_dialer(Dialer::plain())
    }

    /// Every socket through `dialer` (TLS, address rewrite).
    pub fn with_dialer(dialer: Dialer) -> Self {
        Self {
            inner: Arc::new(Inner {
                dialer,
                pool: Mutex::default(),
                opaque: AtomicI32::new(1),
                closed: CancellationToken::new(),
                retired: AtomicBool::new(false),
                busy: AtomicUsize::new(0),
                idle: tokio::sync::Notify::new(),
            }),
        }
    }

    /// The dialer under every socket of this transport.
    pub fn dialer(&self) -> &Dialer {
        &self.inner.dialer
    }

    /// A fresh request id (the opaque its reply echoes).
    pub fn next_opaque(&self) -> i32 {
        self.inner.opaque.fetch_add(1, Ordering::Relaxed)
    }

    /// Idle connections in the pool, over every address.
    pub fn pooled(&self) -> usize {
        self.inner
            .pool
            .lock()
            .map(|p| p.values().map(Vec::len).sum())
            .unwrap_or(0)
    }

    /// Stops pooling: idle connections are closed now, the others when their exchange ends.
    /// Exchanges under way and new ones go on (a job that started on a connection the user then
    /// edited finishes with the settings it started with). Idempotent.
    pub fn retire(&self) {
        self.inner.retired.store(true, Ordering::Release);
        self.close_idle();
    }

    /// Closes every idle pooled connection (outside the pool's lock).
    fn close_idle(&self) {
        let drained: Vec<_> = self
            .inner
            .pool
            .lock()
            .map(|mut p| p.drain().flat_map(|(_, v)| v).collect())
            .unwrap_or_default();
        drop(drained);
    }

    /// Closes every pooled connection, makes exchanges under way fail (a mutation among them as
    /// an unknown outcome) and refuses new ones; waits for those under way to end, at most
    /// `grace`. Idempotent.
    pub async fn shutdown(&self, grace: Duration) {
        self.inner.closed.cancel();
        self.close_idle();
        let deadline = Instant::now() + grace;
        while self.inner.busy.load(Ordering::Acquire) > 0 {
            let notified = self.inner.idle.notified();
            if self.inner.busy.load(Ordering::Acquire) == 0 {
                break;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                tracing::warn!(
                    busy = self.inner.busy.load(Ordering::Acquire),
                    "transport shut down with exchanges still under way"
                );
                break;
            }
        }
    }

    /// No TLS: a server that hangs up on a new connection without answering may be a TLS-only one.
    fn plain(&self) -> bool {
        !self.inner.dialer.tls_enabled()
    }

    fn enter(&self) -> Result<Busy<'_>> {
        self.inner.busy.fetch_add(1, Ordering::AcqRel);
        let busy = Busy(&self.inner);
        if self.inner.closed.is_cancelled() {
            return Err(Error::Cancelled);
        }
        Ok(busy)
    }

    /// An idle pooled connection to `addr` that the peer has not closed, if there is one.
    fn checkout(&self, addr: &str) -> Option<Conn> {
        let mut pool = self.inner.pool.lock().ok()?;
        let idle = pool.get_mut(addr)?;
        while let Some((stream, since)) = idle.pop() {
            if since.elapsed() < POOL_IDLE && alive(stream.tcp()) {
                return Some(stream);
            }
        }
        None
    }

    /// Returns a connection whose last exchange completed to the pool (dropped once shut down).
    fn checkin(&self, addr: &str, stream: Conn) {
        if self.inner.closed.is_cancelled() || self.inner.retired.load(Ordering::Acquire) {
            return;
        }
        if let Ok(mut pool) = self.inner.pool.lock() {
            let idle = pool.entry(addr.to_owned()).or_default();
            idle.retain(|(_, since)| since.elapsed() < POOL_IDLE);
            if idle.len() < POOL_PER_ADDR {
                idle.push((stream, std::time::Instant::now()));
            }
        }
    }

    /// One request (an encoded `frame` of `code` with `opaque`) to `addr` and its reply, within
    /// `timeout`.
    pub async fn exchange(
        &self,
        addr: &str,
        (code, opaque): (i32, i32),
        frame: &[u8],
        timeout: Duration,
    ) -> Result<Reply> {
        let _busy = self.enter()?;
        let deadline = Instant::now() + timeout;
        let operation = || format!("request {code} to {addr}");
        let work = async {
            if let Some(mut stream) = self.checkout(addr) {
                // A pooled connection answered before: not a TLS-only server.
                match round_trip(&mut stream, addr, (opaque, frame), (deadline, timeout), false).await {
                    Ok(r) => {
                        self.checkin(addr, stream);
                        return Ok(r);
                    }
                    // Closed by the peer between the liveness check and the write, or an answer
                    // lost: a read goes again on a new connection, a mutation does not.
                    Err(Failure::AfterWrite { io: true, .. }) if code::is_idempotent(code) => {}
                    Err(f) => return Err(settle(f, code, addr)),
                }
            }
            let mut stream = self.inner.dialer.connect(addr, deadline, timeout).await?;
            match round_trip(
                &mut stream,
                addr,
                (opaque, frame),
                (deadline, timeout),
                self.plain(),
            )
            .await
            {
                Ok(r) => {
                    self.checkin(addr, stream);
                    Ok(r)
                }
                Err(f) => Err(settle(f, code, addr)),
            }
        };
        tokio::select! {
            r = work => r,
            () = self.inner.closed.cancelled() => Err(if code::is_idempotent(code) {
                Error::Cancelled
            } else {
                Error::OutcomeUnknown { operation: operation(), target: addr.to_owned(), detail: "the console shut down while waiting for the answer".into() }
            }),
        }
    }

    /// Sends `frames` (opaque, encoded request) to `addr` over one connection, pipelined: up to
    /// [`WINDOW`] unanswered at a time, replies matched by opaque. Returns each opaque's reply or
    /// why it has none. `mutating` batches are never sent a second time.
    pub(crate) async fn pipeline(
        &self,
        addr: &str,
        frames: &[(i32, i32, Vec<u8>)],
        timeout: Duration,
    ) -> HashMap<i32, Result<Reply>> {
        let mut answered: HashMap<i32, Result<Reply>> = HashMap::with_capacity(frames.len());
        let busy = match self.enter() {
            Ok(b) => b,
            Err(e) => {
                for (_, opaque, _) in frames {
                    answered.insert(*opaque, Err(clone_error(&e)));
                }
                return answered;
            }
        };
        let mutating = frames.iter().any(|(code, ..)| !code::is_idempotent(*code));
        let deadline = Instant::now() + timeout;
        let mut pooled = self.checkout(addr);
        // How many frames were written (in order) on the connection that failed: those after
        // them never left, whatever their code.
        let mut sent;
        let failure = loop {
            sent = 0;
            let fresh = pooled.is_none();
            let mut stream = match pooled.take() {
                Some(s) => s,
                None => match self.inner.dialer.connect(addr, deadline, timeout).await {
                    Ok(s) => s,
                    Err(e) => break Some(Failure::NotSent(e)),
                },
            };
            let failure = tokio::select! {
                f = exchange_pipelined(&mut stream, addr, frames, (&mut answered, &mut sent), timeout, fresh && self.plain()) => f,
                () = self.inner.closed.cancelled() => Some(Failure::AfterWrite { error: Error::Cancelled, io: false }),
            };
            match failure {
                None => {
                    self.checkin(addr, stream);
                    break None;
                }
                // A pooled connection that failed before any answer: reads go again, fresh.
                Some(Failure::AfterWrite { io: true, .. }) if !fresh && !mutating && answered.is_empty() => {}
                Some(f) => break Some(f),
            }
        };
        drop(busy);
        if let Some(f) = failure {
            for (i, (code, opaque, _)) in frames.iter().enumerate() {
                if !answered.contains_key(opaque) {
                    let e = match &f {
                        Failure::NotSent(e) => clone_error(e),
                        Failure::AfterWrite { error, .. } if i >= sent => Error::Unreachable {
                            target: addr.to_owned(),
                            detail: format!(
                                "not sent: the connection failed before this request was written ({error})"
                            ),
                        },
                        Failure::AfterWrite { error, io } => settle(
                            Failure::AfterWrite {
                                error: clone_error(error),
                                io: *io,
                            },
                            *code,
                            addr,
                        ),
                    };
                    answered.insert(*opaque, Err(e));
                }
            }
        }
        answered
    }
}
