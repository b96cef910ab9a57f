//! Scanning a topic over a store-time range, as a cancellable job: per queue the first offset at or
//! after the start (`SEARCH_OFFSET_BY_TIMESTAMP`, 29) and the first after the end, then
//! `PULL_MESSAGE` (11) from one to the other, queues pulled in parallel (bounded), filters applied as
//! messages arrive. The job streams the matches in batches and, per queue and in total, how many
//! messages it scanned of how many and how many matched. At the user's cap it stops, says
//! *truncated*, and returns a cursor (each queue's next offset) to continue from. A queue whose
//! broker fails is reported and the others finish.

pub(crate) mod filter;
pub(crate) mod pull;
pub(crate) use filter::{Matcher, check_scan};
pub use pull::pull_baseline;
use pull::range_of;
pub(crate) use pull::{Range, ext_offset, master_queues, pull, pull_bytes};

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use futures::StreamExt as _;
use serde::{Deserialize, Serialize};

use super::MessageRow;
use super::{Stored, stored_in};
use crate::console::Console;
use crate::error::{Error, Result};
use crate::jobs::{JobContext, JobId, JobSink};
use crate::model::{ConnectionId, Count, Millis, Offset};
use crate::registry::LiveClient;

/// `PullSysFlag.FLAG_SUBSCRIPTION`: the subscription comes with the request (no consumer online).
const FLAG_SUBSCRIPTION: u32 = 4;
/// The group the pulls are made as: brokers create it themselves (`MixAll.TOOLS_CONSUMER_GROUP`).
const SCAN_GROUP: &str = "TOOLS_CONSUMER";
/// Messages asked for per pull (brokers return at most 32 unless their transfer limits are raised).
pub(crate) const PULL_BATCH: u32 = 32;
/// Queues pulled at the same time (each with one pull in flight).
pub const SCAN_CONCURRENCY: usize = 16;
/// Matches per batch event.
const BATCH: usize = 200;
/// The match cap when none is given, and the largest allowed.
pub const DEFAULT_SCAN_LIMIT: u32 = 1000;
pub const MAX_SCAN_LIMIT: u32 = 100_000;

/// How a property is compared.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum PropertyMatch {
    Equals { name: String, value: String },
    Contains { name: String, value: String },
}

/// What a message must match (every filter given).
#[derive(Debug, Clone, Default, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ScanFilter {
    /// Tags, `||`-separated as in a subscription (`TagA||TagB`).
    pub tags: Option<String>,
    pub key: Option<String>,
    pub property: Option<PropertyMatch>,
    /// The body (as UTF-8 text) contains this.
    pub body_contains: Option<String>,
    /// The body (as UTF-8 text) matches this regular expression.
    pub body_regex: Option<String>,
    /// The store host (`ip:port`) is this.
    pub store_host: Option<String>,
}

/// Where a queue's scan resumes.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct QueueCursor {
    pub broker_name: String,
    pub queue_id: u32,
    pub next_offset: Offset,
}

/// A scan as the user asks for it.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ScanRequest {
    pub topic: String,
    pub begin: Millis,
    pub end: Millis,
    #[serde(default)]
    pub filter: ScanFilter,
    /// Most matches; default 1,000.
    pub limit: Option<u32>,
    /// Continue a truncated scan: each queue resumes at its cursor (queues absent from it are done).
    pub cursor: Option<Vec<QueueCursor>>,
}

/// One queue's progress (a batch item of kind `queue`).
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct QueueScan {
    pub broker_name: String,
    pub queue_id: u32,
    pub from: Offset,
    pub to: Offset,
    pub scanned: Count,
    pub matched: Count,
    pub done: bool,
    pub error: Option<String>,
}

/// The job's summary.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ScanSummary {
    pub scanned: Count,
    pub total: Count,
    pub matched: Count,
    /// Stopped at the cap: `cursor` continues it.
    pub truncated: bool,
    pub cursor: Vec<QueueCursor>,
    pub queues: Vec<QueueScan>,
    pub failed_queues: u32,
    pub elapsed_ms: f64,
    pub messages_per_sec: f64,
}

/// A batch item of the scan job's stream.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum ScanItem {
    Matches { rows: Vec<MessageRow> },
    Queue { queue: QueueScan },
}

/// Shared by the queue tasks: matches so far against the cap.
struct Shared {
    matched: AtomicU64,
    scanned: AtomicU64,
    limit: u64,
    total: u64,
    started: Instant,
    /// Milliseconds after `started` of the last progress event (at most ten a second).
    reported: AtomicU64,
}

impl Shared {
    fn report<S>(&self, ctx: &JobContext<ScanItem, S>, force: bool) {
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let last = self.reported.load(Ordering::Relaxed);
        if (force || now >= last + 100)
            && self
                .reported
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            ctx.progress(
                self.scanned.load(Ordering::Relaxed),
                Some(self.total),
                Some(format!("{} matched", self.matched.load(Ordering::Relaxed))),
            );
        }
    }
}

/// Where a scan's matches go, a batch at a time, with the broker they came from.
pub(crate) type Emit<'a> = &'a (dyn Fn(&str, Vec<Stored>) + Sync);

/// Scans one queue; returns its progress and where it stopped.
#[allow(clippy::too_many_arguments)]
async fn scan_queue<S>(
    client: &LiveClient,
    topic: &str,
    (begin, end): (i64, i64),
    r: Range,
    matcher: &Matcher,
    shared: &Shared,
    ctx: &JobContext<ScanItem, S>,
    emit: Emit<'_>,
) -> (QueueScan, i64) {
    let mut q = QueueScan {
        broker_name: r.broker_name.clone(),
        queue_id: r.queue_id,
        from: Offset(r.from),
        to: Offset(r.to),
        scanned: Count(0),
        matched: Count(0),
        done: false,
        error: None,
    };
    let mut at = r.from;
    let mut pending: Vec<Stored> = Vec::new();
    let flush = |views: &mut Vec<Stored>| {
        if !views.is_empty() {
            emit(&r.broker_name, std::mem::take(views));
        }
    };
    while at < r.to {
        if ctx.is_cancelled() || shared.matched.load(Ordering::Relaxed) >= shared.limit {
            break;
        }
        let (body, next) = match pull_bytes(client, topic, &r, at, PULL_BATCH).await {
            Ok(pulled) => pulled,
            Err(e) => {
                q.error = Some(e.summary());
                break;
            }
        };
        if body.is_empty() && next <= at {
            // Nothing more to read here (a hole the broker will not skip).
            break;
        }
        // Counted once per pull: the counter is shared by every queue's task.
        let before = q.scanned.0;
        for m in stored_in(&body) {
            let v = match m {
                Ok(v) => v,
                Err(e) => {
                    q.error = Some(e.summary());
                    break;
                }
            };
            if v.queue_offset() >= r.to {
                at = r.to;
                break;
            }
            q.scanned.0 += 1;
            let ts = v.store_timestamp();
            if ts >= begin && ts <= end && matcher.matches(&v) {
                // Claim a slot under the cap; past it, this message is where a continue resumes.
                if shared.matched.fetch_add(1, Ordering::Relaxed) >= shared.limit {
                    shared.matched.fetch_sub(1, Ordering::Relaxed);
                    // This one is not scanned: a continue starts at it.
                    q.scanned.0 -= 1;
                    shared.scanned.fetch_add(q.scanned.0 - before, Ordering::Relaxed);
                    at = v.queue_offset();
                    flush(&mut pending);
                    return (q, at);
                }
                q.matched.0 += 1;
                pending.push(v.keep(&body));
                if pending.len() >= BATCH {
                    flush(&mut pending);
                }
            }
            at = v.queue_offset() + 1;
        }
        shared.scanned.fetch_add(q.scanned.0 - before, Ordering::Relaxed);
        if q.error.is_some() {
            break;
        }
        at = at.max(next.min(r.to));
        shared.report(ctx, false);
    }
    flush(&mut pending);
    q.done = at >= r.to && q.error.is_none();
    (q, at)
}

/// Runs a scan inside a job: matches go to `emit` as they are found; returns the summary
/// (`Err(Cancelled)` once the job is cancelled).
pub(crate) async fn run_scan<S>(
    ctx: &JobContext<ScanItem, S>,
    client: &LiveClient,
    queues: Vec<(String, String, u32)>,
    req: &ScanRequest,
    limit: u32,
    matcher: &Matcher,
    emit: Emit<'_>,
) -> Result<ScanSummary> {
    let start = Instant::now();
    // Ranges first (cheap), so the total is known from the start.
    let ranged = queue_ranges(client, req, queues).await;
    let total: u64 = ranged
        .iter()
        .map(|(r, _)| u64::try_from(r.to - r.from).unwrap_or(0))
        .sum();
    let shared = Shared {
        matched: AtomicU64::new(0),
        scanned: AtomicU64::new(0),
        limit: u64::from(limit),
        total,
        started: start,
        reported: AtomicU64::new(0),
    };
    ctx.progress(0, Some(total), Some(format!("{} queue(s)", ranged.len())));
    let mut queues_out: Vec<QueueScan> = Vec::new();
    let mut scans = Vec::new();
    for (r, err) in ranged {
        match err {
            Some(e) => {
                let q = failed_queue(&r, e);
                ctx.batch(vec![ScanItem::Queue { queue: q.clone() }]);
                queues_out.push(q);
            }
            None => scans.push(r),
        }
    }
    let (scanned, cursor) = scan_queues(ctx, client, req, scans, matcher, &shared, emit).await;
    queues_out.extend(scanned);
    shared.report(ctx, true);
    if ctx.is_cancelled() {
        return Err(Error::Cancelled);
    }
    Ok(summarize(&shared, queues_out, cursor))
}

/// Each queue's offset range over the request's time window, from its cursor when continuing;
/// a queue whose range cannot be read comes with the error.
async fn queue_ranges(
    client: &LiveClient,
    req: &ScanRequest,
    queues: Vec<(String, String, u32)>,
) -> Vec<(Range, Option<String>)> {
    let (begin, end) = (req.begin.0, req.end.0);
    let resume: Option<BTreeMap<(String, u32), i64>> = req.cursor.as_ref().map(|c| {
        c.iter()
            .map(|x| ((x.broker_name.clone(), x.queue_id), x.next_offset.0))
            .collect()
    });
    futures::stream::iter(queues)
        .map(|(broker_name, addr, queue_id)| {
            let (topic, resume) = (&req.topic, &resume);
            async move {
                let mut r = Range {
                    broker_name,
                    addr,
                    queue_id,
                    from: 0,
                    to: 0,
                };
                match range_of(client, topic, &r.addr, queue_id, begin, end).await {
                    Ok((from, to)) => {
                        r.from = from;
                        r.to = to;
                        if let Some(resume) = resume {
                            match resume.get(&(r.broker_name.clone(), queue_id)) {
                                Some(at) => r.from = (*at).clamp(from, to),
                                None => r.from = to,
                            }
                        }
                        (r, None)
                    }
                    Err(e) => (r, Some(e.summary())),
                }
            }
        })
        .buffered(SCAN_CONCURRENCY)
        .collect()
        .await
}

/// The progress of a queue whose range could not be read.
fn failed_queue(r: &Range, error: String) -> QueueScan {
    QueueScan {
        broker_name: r.broker_name.clone(),
        queue_id: r.queue_id,
        from: Offset(0),
        to: Offset(0),
        scanned: Count(0),
        matched: Count(0),
        done: false,
        error: Some(error),
    }
}

/// Scans the queues in parallel (bounded), streaming each queue's progress as it finishes; returns
/// the queues' progress and a cursor for each queue that stopped before its end.
async fn scan_queues<S>(
    ctx: &JobContext<ScanItem, S>,
    client: &LiveClient,
    req: &ScanRequest,
    scans: Vec<Range>,
    matcher: &Matcher,
    shared: &Shared,
    emit: Emit<'_>,
) -> (Vec<QueueScan>, Vec<QueueCursor>) {
    let (begin, end) = (req.begin.0, req.end.0);
    let topic = &req.topic;
    let mut queues_out = Vec::new();
    let mut cursor = Vec::new();
    let mut running = futures::stream::iter(scans)
        .map(|r| async move {
            let to = r.to;
            let (q, at) = scan_queue(client, topic, (begin, end), r, matcher, shared, ctx, emit).await;
            (q, at, to)
        })
        .buffer_unordered(SCAN_CONCURRENCY);
    while let Some((q, at, to)) = running.next().await {
        ctx.batch(vec![ScanItem::Queue { queue: q.clone() }]);
        if at < to && q.error.is_none() {
            cursor.push(QueueCursor {
                broker_name: q.broker_name.clone(),
                queue_id: q.queue_id,
                next_offset: Offset(at),
            });
        }
        queues_out.push(q);
        shared.report(ctx, false);
    }
    (queues_out, cursor)
}

/// The job's summary: totals, queues and cursor sorted by (broker, queue), and the rate.
fn summarize(shared: &Shared, mut queues_out: Vec<QueueScan>, mut cursor: Vec<QueueCursor>) -> ScanSummary {
    let matched = shared.matched.load(Ordering::Relaxed);
    let scanned = shared.scanned.load(Ordering::Relaxed);
    queues_out.sort_by(|a, b| (&a.broker_name, a.queue_id).cmp(&(&b.broker_name, b.queue_id)));
    cursor.sort_by(|a, b| (&a.broker_name, a.queue_id).cmp(&(&b.broker_name, b.queue_id)));
    let secs = shared.started.elapsed().as_secs_f64();
    ScanSummary {
        scanned: Count(scanned),
        total: Count(shared.total),
        matched: Count(matched),
        truncated: matched >= shared.limit && !cursor.is_empty(),
        failed_queues: u32::try_from(queues_out.iter().filter(|q| q.error.is_some()).count())
            .unwrap_or(u32::MAX),
        cursor,
        queues: queues_out,
        elapsed_ms: secs * 1000.0,
        messages_per_sec: if secs > 0.0 { scanned as f64 / secs } else { 0.0 },
    }
}

impl Console {
    /// Starts a scan of `topic` over a store-time range as a job; returns its id at once. Batch
    /// items are [`ScanItem`]s; the summary is a [`ScanSummary`].
    #[tracing::instrument(skip(self, sink), err(Debug))]
    pub async fn message_scan(
        &self,
        id: &ConnectionId,
        req: &ScanRequest,
        sink: JobSink<ScanItem, ScanSummary>,
    ) -> Result<JobId> {
        let (limit, matcher) = check_scan(req)?;
        let (_, client) = self.client(id).await?;
        let queues = master_queues(&client, &req.topic).await?;
        let req = req.clone();
        let title = format!("Scan {}", req.topic);
        Ok(self.jobs().start(&title, sink, move |ctx| async move {
            let emit = |broker: &str, views: Vec<Stored>| {
                let rows = views.iter().map(|v| v.row(broker)).collect();
                ctx.batch(vec![ScanItem::Matches { rows }]);
            };
            run_scan(&ctx, &client, queues, &req, limit, &matcher, &emit).await
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::filter::Matcher;
    use super::*;
    use crate::message::MessageView;

    fn view(tags: &str, keys: &[&str], body: Option<&str>) -> MessageView {
        MessageView {
            topic: "T".into(),
            msg_id: None,
            offset_msg_id: "X".into(),
            tags: Some(tags.into()),
            keys: keys.iter().map(|k| (*k).to_owned()).collect(),
            properties: BTreeMap::from([("region".to_owned(), "eu-west".to_owned())]),
            queue_id: 0,
            queue_offset: Offset(0),
            commit_log_offset: Offset(0),
            born_timestamp: Millis(0),
            store_timestamp: Millis(0),
            born_host: "127.0.0.1:1".into(),
            store_host: "127.0.0.1:10911".into(),
            reconsume_times: 0,
            sys_flag: 0,
            body_crc: 0,
            body_size: 0,
            body_base64: String::new(),
            body_text: body.map(str::to_owned),
            body_error: None,
        }
    }

    #[test]
    fn filters_combine_and_binary_bodies_never_match_a_body_filter() {
        let m = |f: ScanFilter| Matcher::new(&f).unwrap();
        let v = view("paid", &["o-1", "c-9"], Some(r#"{"amount": 42}"#));
        assert!(m(ScanFilter::default()).matches(&v));
        assert!(
            m(ScanFilter {
                tags: Some("created || paid".into()),
                ..Default::default()
            })
            .matches(&v)
        );
        assert!(
            !m(ScanFilter {
                tags: Some("created".into()),
                ..Default::default()
            })
            .matches(&v)
        );
        assert!(
            m(ScanFilter {
                key: Some("c-9".into()),
                ..Default::default()
            })
            .matches(&v)
        );
        assert!(
            !m(ScanFilter {
                key: Some("c-".into()),
                ..Default::default()
            })
            .matches(&v)
        );
        let prop = |p| ScanFilter {
            property: Some(p),
            ..Default::default()
        };
        assert!(
            m(prop(PropertyMatch::Equals {
                name: "region".into(),
                value: "eu-west".into()
            }))
            .matches(&v)
        );
        assert!(
            !m(prop(PropertyMatch::Equals {
                name: "region".into(),
                value: "eu".into()
            }))
            .matches(&v)
        );
        assert!(
            m(prop(PropertyMatch::Contains {
                name: "region".into(),
                value: "eu".into()
            }))
            .matches(&v)
        );
        assert!(
            m(ScanFilter {
                body_contains: Some("amount".into()),
                ..Default::default()
            })
            .matches(&v)
        );
        assert!(
            m(ScanFilter {
                body_regex: Some(r#""amount":\s*4\d"#.into()),
                ..Default::default()
            })
            .matches(&v)
        );
        assert!(
            !m(ScanFilter {
                body_regex: Some("^x".into()),
                ..Default::default()
            })
            .matches(&v)
        );
        assert!(
            !m(ScanFilter {
                store_host: Some("127.0.0.1:10921".into()),
                ..Default::default()
            })
            .matches(&v)
        );
        let binary = view("paid", &[], None);
        assert!(
            !m(ScanFilter {
                body_contains: Some("a".into()),
                ..Default::default()
            })
            .matches(&binary)
        );
        assert!(
            Matcher::new(&ScanFilter {
                body_regex: Some("(".into()),
                ..Default::default()
            })
            .is_err()
        );
    }
}
