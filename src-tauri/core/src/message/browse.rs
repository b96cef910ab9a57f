//! One queue page by page, and the live tail of a topic.
//!
//! **Browse** reads one queue from an offset, forwards (that offset and after) or backwards (the
//! page just before it), with the queue's current min/max so the UI can say where the page sits.
//! **Tail** is a read-only job that starts at every queue's end and pulls what arrives (filtered by
//! tag when asked), batching rows a few times a second with the rate; when more arrive between two
//! batches than a batch holds, the newest are kept and the rest counted as dropped, so a topic at
//! 100 k messages/s cannot flood the window.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt as _;
use serde::{Deserialize, Serialize};

use super::MessageRow;
use super::scan::{Matcher, Range, ScanFilter, ext_offset, master_queues, pull};
use crate::console::Console;
use crate::error::{Error, Result};
use crate::jobs::{JobContext, JobId, JobSink, Nothing};
use crate::model::{ConnectionId, Count, Offset};
use crate::registry::LiveClient;
use crate::remoting::code::{GET_MAX_OFFSET, GET_MIN_OFFSET};
use crate::remoting::header::QueueHeader;

/// Rows per page when none is asked for, and the most.
pub const DEFAULT_PAGE: u32 = 50;
pub const MAX_PAGE: u32 = 500;
/// Most rows in one tail batch (the newest are kept).
pub const TAIL_BATCH_MAX: usize = 2_000;
/// How often the tail sends a batch.
const TAIL_FLUSH: Duration = Duration::from_millis(250);
/// The window the tail's rate is averaged over.
const RATE_WINDOW: Duration = Duration::from_secs(5);
/// How long a queue with nothing new waits before asking again.
const TAIL_IDLE: Duration = Duration::from_millis(300);
/// Pulls in flight at once over all of a tail's queues (a topic may have hundreds of queues: each
/// gets its turn, the brokers never see more than this many of our pulls).
pub const TAIL_CONCURRENT_PULLS: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum BrowseDirection {
    /// From `from` on.
    Forward,
    /// The page ending just before `from`.
    Backward,
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BrowseRequest {
    pub topic: String,
    pub broker_name: String,
    pub queue_id: u32,
    /// Forward: the first offset (default: the queue's min). Backward: the page ends before it
    /// (default: the queue's max, i.e. the newest page).
    pub from: Option<Offset>,
    pub direction: BrowseDirection,
    pub page_size: Option<u32>,
}

/// One page of a queue, oldest first.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BrowsePage {
    pub topic: String,
    pub broker_name: String,
    pub queue_id: u32,
    pub min_offset: Offset,
    pub max_offset: Offset,
    pub rows: Vec<MessageRow>,
    /// The page covers `[first, end)`: Backward from `first` and Forward from `end` page on.
    pub first: Offset,
    pub end: Offset,
}

/// A live tail as the user asks for it.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TailRequest {
    pub topic: String,
    /// Tags, `||`-separated (`A||B`); none: every message.
    pub tags: Option<String>,
}

/// One batch of the tail job's stream.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TailBatch {
    /// The newest arrivals since the last batch, oldest first.
    pub rows: Vec<MessageRow>,
    /// Matching messages seen since the tail started.
    pub received: Count,
    /// Arrivals since the last batch that were not sent (more than a batch holds).
    pub dropped: Count,
    /// Matching messages per second over the last five seconds.
    pub rate_per_sec: f64,
    /// Queues tailed, and those whose broker failed (they are retried).
    pub queues: u32,
    pub failing_queues: u32,
}

async fn queue_bounds(client: &LiveClient, topic: &str, addr: &str, queue_id: u32) -> Result<(i64, i64)> {
    let ext = || QueueHeader {
        topic: topic.to_owned(),
        queue_id,
    };
    tokio::try_join!(
        ext_offset(client, addr, GET_MIN_OFFSET, ext(), "min offset"),
        ext_offset(client, addr, GET_MAX_OFFSET, ext(), "max offset"),
    )
}

impl Console {
    /// One page of one queue.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn message_browse(&self, id: &ConnectionId, req: &BrowseRequest) -> Result<BrowsePage> {
        let size = req.page_size.unwrap_or(DEFAULT_PAGE);
        if size == 0 || size > MAX_PAGE {
            return Err(Error::validation(format!(
                "A page holds 1 to {MAX_PAGE} messages (got {size})."
            )));
        }
        let (_, client) = self.client(id).await?;
        let queues = master_queues(&client, req.topic.trim()).await?;
        let Some((_, addr, _)) = queues
            .iter()
            .find(|(b, _, q)| *b == req.broker_name && *q == req.queue_id)
        else {
            return Err(Error::not_found(format!(
                "queue {} of topic '{}' on {}",
                req.queue_id, req.topic, req.broker_name
            )));
        };
        let (min, max) = queue_bounds(&client, &req.topic, addr, req.queue_id).await?;
        let size = i64::from(size);
        let (from, to) = match req.direction {
            BrowseDirection::Forward => {
                let from = req.from.map_or(min, |o| o.0).clamp(min, max);
                (from, from.saturating_add(size).min(max))
            }
            BrowseDirection::Backward => {
                let to = req.from.map_or(max, |o| o.0).clamp(min, max);
                (to.saturating_sub(size).max(min), to)
            }
        };
        let r = Range {
            broker_name: req.broker_name.clone(),
            addr: addr.clone(),
            queue_id: req.queue_id,
            from,
            to,
        };
        let mut rows = Vec::new();
        let mut at = from;
        while at < to {
            let (views, next) = pull(
                &client,
                &req.topic,
                &r,
                at,
                u32::try_from(to - at).unwrap_or(32).min(32),
            )
            .await?;
            if views.is_empty() && next <= at {
                break;
            }
            for v in views {
                if v.queue_offset() >= to {
                    break;
                }
                at = at.max(v.queue_offset() + 1);
                rows.push(v.row(&req.broker_name));
            }
            at = at.max(next.min(to));
        }
        Ok(BrowsePage {
            topic: req.topic.clone(),
            broker_name: req.broker_name.clone(),
            queue_id: req.queue_id,
            min_offset: Offset(min),
            max_offset: Offset(max),
            rows,
            first: Offset(from),
            end: Offset(to),
        })
    }

    /// Starts a live tail of a topic as a job; returns its id at once. Batch items are
    /// [`TailBatch`]es; it runs until cancelled.
    #[tracing::instrument(skip(self, sink), err(Debug))]
    pub async fn message_tail(
        &self,
        id: &ConnectionId,
        req: &TailRequest,
        sink: JobSink<TailBatch, Nothing>,
    ) -> Result<JobId> {
        let matcher = Matcher::new(&ScanFilter {
            tags: req.tags.clone(),
            ..ScanFilter::default()
        })?;
        let (_, client) = self.client(id).await?;
        let topic = req.topic.trim().to_owned();
        let queues = master_queues(&client, &topic).await?;
        let starts = tail_starts(&client, &topic, queues).await?;
        let title = format!("Tail {topic}");
        Ok(self.jobs().start(&title, sink, move |ctx| async move {
            let n = u32::try_from(starts.len()).unwrap_or(u32::MAX);
            let shared = TailShared {
                pending: Mutex::new(Vec::new()),
                received: AtomicU64::new(0),
                dropped: AtomicU64::new(0),
                failing: AtomicU64::new(0),
                pulls: tokio::sync::Semaphore::new(TAIL_CONCURRENT_PULLS),
            };
            let tails = futures::stream::iter(starts)
                .for_each_concurrent(None, |r| tail_queue(r, &client, &topic, &matcher, &ctx, &shared));
            tokio::select! {
                () = tails => {}
                () = flush_tail(&ctx, &shared, n) => {}
                () = ctx.cancelled() => {}
            }
            Err(Error::Cancelled)
        }))
    }
}

/// What a tail's queue tasks share with its flusher.
struct TailShared {
    /// Rows not sent yet, oldest first.
    pending: Mutex<Vec<MessageRow>>,
    received: AtomicU64,
    dropped: AtomicU64,
    failing: AtomicU64,
    /// Bounds the pulls in flight over all the queues.
    pulls: tokio::sync::Semaphore,
}

impl TailShared {
    /// Queues new rows for the next batch; past [`TAIL_BATCH_MAX`] the oldest are dropped and counted.
    fn keep(&self, mut rows: Vec<MessageRow>) {
        self.received.fetch_add(rows.len() as u64, Ordering::Relaxed);
        if let Ok(mut p) = self.pending.lock() {
            p.append(&mut rows);
            if p.len() > TAIL_BATCH_MAX {
                let extra = p.len() - TAIL_BATCH_MAX;
                p.drain(..extra);
                self.dropped.fetch_add(extra as u64, Ordering::Relaxed);
            }
        }
    }
}

/// Every queue's range, empty at its end.
async fn tail_starts(
    client: &LiveClient,
    topic: &str,
    queues: Vec<(String, String, u32)>,
) -> Result<Vec<Range>> {
    // Start at each queue's end now, so nothing sent after the tail started is missed.
    let mut starts = Vec::new();
    for (broker_name, addr, queue_id) in queues {
        let (_, max) = queue_bounds(client, topic, &addr, queue_id).await?;
        starts.push(Range {
            broker_name,
            addr,
            queue_id,
            from: max,
            to: max,
        });
    }
    Ok(starts)
}

/// Tails one queue until the job is cancelled: pulls what arrives, keeps what matches, waits a
/// little when nothing came and a second after a failure.
async fn tail_queue(
    mut r: Range,
    client: &LiveClient,
    topic: &str,
    matcher: &Matcher,
    ctx: &JobContext<TailBatch, Nothing>,
    shared: &TailShared,
) {
    let mut was_failing = false;
    while !ctx.is_cancelled() {
        r.to = r.from;
        let Ok(permit) = shared.pulls.acquire().await else {
            break;
        };
        let pulled = pull(client, topic, &r, r.from, 32).await;
        drop(permit);
        match pulled {
            Ok((views, next)) => {
                if was_failing {
                    shared.failing.fetch_sub(1, Ordering::Relaxed);
                    was_failing = false;
                }
                let got = !views.is_empty();
                let rows: Vec<MessageRow> = views
                    .into_iter()
                    .filter(|v| v.queue_offset() >= r.from)
                    .filter(|v| matcher.matches(v))
                    .map(|v| v.row(&r.broker_name))
                    .collect();
                r.from = r.from.max(next);
                if !rows.is_empty() {
                    shared.keep(rows);
                }
                if !got {
                    tokio::time::sleep(TAIL_IDLE).await;
                }
            }
            Err(e) => {
                if !was_failing {
                    tracing::warn!(broker = %r.broker_name, queue = r.queue_id, error = %e, "tail pull failed");
                    shared.failing.fetch_add(1, Ordering::Relaxed);
                    was_failing = true;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// Sends a batch every [`TAIL_FLUSH`]: the rows kept since the last one, the counts and the rate
/// over `n` queues. Never returns.
async fn flush_tail(ctx: &JobContext<TailBatch, Nothing>, shared: &TailShared, n: u32) {
    // (when, received) over the last RATE_WINDOW: the rate is smoothed over it.
    let mut samples: std::collections::VecDeque<(Instant, u64)> =
        std::collections::VecDeque::from([(Instant::now(), 0)]);
    let mut sent_dropped = 0u64;
    let mut tick = tokio::time::interval(TAIL_FLUSH);
    loop {
        tick.tick().await;
        let rows = shared
            .pending
            .lock()
            .map(|mut p| std::mem::take(&mut *p))
            .unwrap_or_default();
        let total = shared.received.load(Ordering::Relaxed);
        let now = Instant::now();
        samples.push_back((now, total));
        while samples.len() > 2 && samples.front().is_some_and(|(t, _)| now - *t > RATE_WINDOW) {
            samples.pop_front();
        }
        let (t0, n0) = samples.front().copied().unwrap_or((now, total));
        let secs = (now - t0).as_secs_f64();
        let rate = if secs > 0.0 {
            (total - n0) as f64 / secs
        } else {
            0.0
        };
        let all_dropped = shared.dropped.load(Ordering::Relaxed);
        let batch = TailBatch {
            rows,
            received: Count(total),
            dropped: Count(all_dropped - sent_dropped),
            rate_per_sec: rate,
            queues: n,
            failing_queues: u32::try_from(shared.failing.load(Ordering::Relaxed)).unwrap_or(0),
        };
        sent_dropped = all_dropped;
        ctx.progress(total, None, Some(format!("{rate:.0} msg/s")));
        ctx.batch(vec![batch]);
    }
}
