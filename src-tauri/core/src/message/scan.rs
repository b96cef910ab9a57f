//! Scanning a topic over a store-time range, as a cancellable job: per queue the first offset at or
//! after the start (`SEARCH_OFFSET_BY_TIMESTAMP`, 29) and the first after the end, then
//! `PULL_MESSAGE` (11) from one to the other, queues pulled in parallel (bounded), filters applied as
//! messages arrive. The job streams the matches in batches and, per queue and in total, how many
//! messages it scanned of how many and how many matched. At the user's cap it stops, says
//! *truncated*, and returns a cursor (each queue's next offset) to continue from. A queue whose
//! broker fails is reported and the others finish.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use futures::StreamExt as _;
use serde::{Deserialize, Serialize};

use super::query::{MessageRow, decode_stored};
use super::{MessageView, Stored};
use crate::console::Console;
use crate::error::{Error, Result};
use crate::jobs::{JobContext, JobId, JobSink};
use crate::model::{ConnectionId, Count, Millis, Offset};
use crate::registry::LiveClient;
use crate::remoting;
use crate::remoting::code::{
    GET_MAX_OFFSET, GET_MIN_OFFSET, PULL_MESSAGE, PULL_NOT_FOUND, PULL_OFFSET_MOVED, PULL_RETRY_IMMEDIATELY,
    SEARCH_OFFSET_BY_TIMESTAMP,
};
use crate::topic::topic_route;

/// `PullSysFlag.FLAG_SUBSCRIPTION`: the subscription comes with the request (no consumer online).
const FLAG_SUBSCRIPTION: u32 = 4;
/// The group the pulls are made as: brokers create it themselves (`MixAll.TOOLS_CONSUMER_GROUP`).
const SCAN_GROUP: &str = "TOOLS_CONSUMER";
/// Messages asked for per pull (brokers return at most 32 unless their transfer limits are raised).
const PULL_BATCH: u32 = 32;
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

/// The compiled filter.
pub(crate) struct Matcher {
    tags: Option<Vec<String>>,
    key: Option<String>,
    property: Option<PropertyMatch>,
    /// The body substring, searched as bytes.
    body_finder: Option<memchr::memmem::Finder<'static>>,
    body_regex: Option<regex::Regex>,
    store_host: Option<String>,
}

impl Matcher {
    pub(crate) fn new(f: &ScanFilter) -> Result<Self> {
        let some = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let body_regex = match some(&f.body_regex) {
            Some(r) => Some(
                regex::RegexBuilder::new(&r)
                    .size_limit(1 << 20)
                    .build()
                    .map_err(|e| {
                        Error::validation(format!("The body pattern is not a valid regular expression: {e}"))
                    })?,
            ),
            None => None,
        };
        Ok(Self {
            tags: some(&f.tags).map(|t| {
                t.split("||")
                    .map(|x| x.trim().to_owned())
                    .filter(|x| !x.is_empty() && x != "*")
                    .collect()
            }),
            key: some(&f.key),
            property: f.property.clone(),
            body_finder: f
                .body_contains
                .as_deref()
                .filter(|s| !s.is_empty())
                .map(|s| memchr::memmem::Finder::new(s.as_bytes()).into_owned()),
            body_regex,
            store_host: some(&f.store_host),
        })
    }

    pub(crate) fn matches(&self, m: &impl Probe) -> bool {
        if let Some(tags) = self.tags.as_ref().filter(|t| !t.is_empty())
            && !m.tag().is_some_and(|t| tags.iter().any(|x| x == t))
        {
            return false;
        }
        if let Some(k) = &self.key
            && !m.has_key(k)
        {
            return false;
        }
        match &self.property {
            Some(PropertyMatch::Equals { name, value }) if m.prop(name) != Some(value.as_str()) => {
                return false;
            }
            Some(PropertyMatch::Contains { name, value })
                if !m.prop(name).is_some_and(|v| v.contains(value.as_str())) =>
            {
                return false;
            }
            _ => {}
        }
        if let Some(h) = &self.store_host
            && !m.host_is(h)
        {
            return false;
        }
        if let Some(f) = &self.body_finder
            && f.find(m.bytes()).is_none()
        {
            return false;
        }
        if self.body_finder.is_some() || self.body_regex.is_some() {
            // Only text bodies match a body filter (checked after the byte search: most fail it).
            let Some(text) = m.text() else {
                return false;
            };
            if let Some(r) = &self.body_regex
                && !r.is_match(text)
            {
                return false;
            }
        }
        true
    }
}

/// What a filter looks at in a message, decoded ([`Stored`]) or viewed ([`MessageView`]).
pub(crate) trait Probe {
    fn tag(&self) -> Option<&str>;
    fn has_key(&self, key: &str) -> bool;
    fn prop(&self, name: &str) -> Option<&str>;
    fn host_is(&self, host: &str) -> bool;
    fn text(&self) -> Option<&str>;
    fn bytes(&self) -> &[u8];
}

impl Probe for Stored {
    fn tag(&self) -> Option<&str> {
        self.tags()
    }
    fn has_key(&self, key: &str) -> bool {
        Stored::has_key(self, key)
    }
    fn prop(&self, name: &str) -> Option<&str> {
        Stored::prop(self, name)
    }
    fn host_is(&self, host: &str) -> bool {
        host.parse::<std::net::SocketAddr>().map_or_else(
            |_| self.store_host().to_string() == host,
            |h| h == self.store_host(),
        )
    }
    fn text(&self) -> Option<&str> {
        Stored::text(self)
    }
    fn bytes(&self) -> &[u8] {
        self.body()
    }
}

impl Probe for MessageView {
    fn tag(&self) -> Option<&str> {
        self.tags.as_deref()
    }
    fn has_key(&self, key: &str) -> bool {
        self.keys.iter().any(|k| k == key)
    }
    fn prop(&self, name: &str) -> Option<&str> {
        self.properties.get(name).map(String::as_str)
    }
    fn host_is(&self, host: &str) -> bool {
        self.store_host == host
    }
    fn text(&self) -> Option<&str> {
        self.body_text.as_deref()
    }
    fn bytes(&self) -> &[u8] {
        self.body_text.as_deref().map_or(&[], str::as_bytes)
    }
}

/// One queue to scan: (broker name, master address, queue id, from, to).
#[derive(Debug, Clone)]
pub(crate) struct Range {
    pub(crate) broker_name: String,
    pub(crate) addr: String,
    pub(crate) queue_id: u32,
    pub(crate) from: i64,
    pub(crate) to: i64,
}

pub(crate) async fn ext_offset(
    client: &LiveClient,
    addr: &str,
    code: i32,
    ext: BTreeMap<String, String>,
    what: &str,
) -> Result<i64> {
    let r = client.link.request_with(addr, code, ext, what).await?;
    r.ext
        .get("offset")
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| Error::BrokerRejected {
            target: addr.to_owned(),
            operation: what.to_owned(),
            code: -1,
            detail: "the reply has no 'offset'".into(),
        })
}

/// The offset range of one queue for `[begin, end]` (store time): from the first message stored at
/// or after `begin` to just past the last stored at or before `end`. Brokers' time searches round
/// differently (4.x answers the last message's offset for a time after it, 5.x the next offset), so
/// the message at each found offset is looked at and the bound moved past it when it is inside.
async fn range_of(
    client: &LiveClient,
    topic: &str,
    addr: &str,
    queue_id: u32,
    begin: i64,
    end: i64,
) -> Result<(i64, i64)> {
    let search = |ts: i64| {
        let ext = BTreeMap::from([
            ("topic".to_owned(), topic.to_owned()),
            ("queueId".to_owned(), queue_id.to_string()),
            ("timestamp".to_owned(), ts.to_string()),
        ]);
        ext_offset(
            client,
            addr,
            SEARCH_OFFSET_BY_TIMESTAMP,
            ext,
            "search offset by time",
        )
    };
    let max_ext = BTreeMap::from([
        ("topic".to_owned(), topic.to_owned()),
        ("queueId".to_owned(), queue_id.to_string()),
    ]);
    let (from, to, max) = tokio::try_join!(
        search(begin),
        search(end.saturating_add(1)),
        ext_offset(client, addr, GET_MAX_OFFSET, max_ext, "max offset")
    )?;
    let probe = Range {
        broker_name: String::new(),
        addr: addr.to_owned(),
        queue_id,
        from: 0,
        to: max,
    };
    let time_at = |offset: i64| {
        let probe = &probe;
        async move {
            if offset >= max {
                return Ok(None);
            }
            let (views, _) = pull(client, topic, probe, offset, 1).await?;
            Ok::<_, Error>(views.first().map(Stored::store_timestamp))
        }
    };
    let (from, to) = (from.clamp(0, max), to.clamp(0, max));
    let (at_from, at_to) = tokio::try_join!(time_at(from), time_at(to))?;
    let from = if at_from.is_some_and(|t| t < begin) {
        from + 1
    } else {
        from
    };
    let to = if at_to.is_some_and(|t| t <= end) {
        to + 1
    } else {
        to
    };
    Ok((from, to.max(from)))
}

/// The header of a pull as `TOOLS_CONSUMER`, the subscription (`*`) in the request.
fn pull_header(topic: &str, queue_id: u32, offset: i64, max: u32) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("consumerGroup".to_owned(), SCAN_GROUP.to_owned()),
        ("topic".to_owned(), topic.to_owned()),
        ("queueId".to_owned(), queue_id.to_string()),
        ("queueOffset".to_owned(), offset.to_string()),
        ("maxMsgNums".to_owned(), max.to_string()),
        ("sysFlag".to_owned(), FLAG_SUBSCRIPTION.to_string()),
        ("commitOffset".to_owned(), "0".to_owned()),
        ("suspendTimeoutMillis".to_owned(), "0".to_owned()),
        ("subscription".to_owned(), "*".to_owned()),
        ("subVersion".to_owned(), "0".to_owned()),
        ("expressionType".to_owned(), "TAG".to_owned()),
    ])
}

/// One pull: the messages at `offset` and the next offset to ask for.
pub(crate) async fn pull(
    client: &LiveClient,
    topic: &str,
    r: &Range,
    offset: i64,
    max: u32,
) -> Result<(Vec<Stored>, i64)> {
    let ext = pull_header(topic, r.queue_id, offset, max);
    let reply = client.link.invoke(&r.addr, PULL_MESSAGE, ext).await?;
    let next = reply
        .ext
        .get("nextBeginOffset")
        .and_then(|v| v.parse::<i64>().ok());
    match reply.code {
        0 => {
            let views = decode_stored(bytes::Bytes::from(reply.body))?;
            let after = views.last().map_or(offset, |v| v.queue_offset() + 1);
            Ok((views, next.unwrap_or(after).max(after)))
        }
        PULL_NOT_FOUND | PULL_RETRY_IMMEDIATELY => Ok((Vec::new(), next.unwrap_or(offset))),
        PULL_OFFSET_MOVED => Ok((Vec::new(), next.filter(|n| *n > offset).unwrap_or(r.to))),
        _ => remoting::check(&r.addr, "pull message", reply).map(|_| (Vec::new(), offset)),
    }
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
    fn report(&self, ctx: &JobContext, force: bool) {
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
async fn scan_queue(
    client: &LiveClient,
    topic: &str,
    (begin, end): (i64, i64),
    r: Range,
    matcher: &Matcher,
    shared: &Shared,
    ctx: &JobContext,
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
        match pull(client, topic, &r, at, PULL_BATCH).await {
            Ok((views, next)) => {
                if views.is_empty() && next <= at {
                    // Nothing more to read here (a hole the broker will not skip).
                    break;
                }
                // Counted once per pull: the counter is shared by every queue's task.
                let before = q.scanned.0;
                for v in views {
                    if v.queue_offset() >= r.to {
                        at = r.to;
                        break;
                    }
                    q.scanned.0 += 1;
                    let ts = v.store_timestamp();
                    let after = v.queue_offset() + 1;
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
                        pending.push(v);
                        if pending.len() >= BATCH {
                            flush(&mut pending);
                        }
                    }
                    at = after;
                }
                shared.scanned.fetch_add(q.scanned.0 - before, Ordering::Relaxed);
                at = at.max(next.min(r.to));
                shared.report(ctx, false);
            }
            Err(e) => {
                q.error = Some(e.summary());
                break;
            }
        }
    }
    flush(&mut pending);
    q.done = at >= r.to && q.error.is_none();
    (q, at)
}

/// Every message of `topic` on `broker` stored in `window` with `key`, by pulling each queue over
/// that window (the key lookup's fallback for a second with more hits than the index returns).
pub(crate) async fn key_in_range(
    client: &LiveClient,
    topic: &str,
    broker: &super::query::TopicMaster,
    window: (i64, i64),
    key: &str,
) -> Result<Vec<MessageView>> {
    let mut out = Vec::new();
    for queue_id in 0..broker.read_queues {
        let (from, to) = range_of(client, topic, &broker.addr, queue_id, window.0, window.1).await?;
        let r = Range {
            broker_name: broker.broker_name.clone(),
            addr: broker.addr.clone(),
            queue_id,
            from,
            to,
        };
        let mut at = from;
        while at < to {
            let (views, next) = pull(client, topic, &r, at, PULL_BATCH).await?;
            if views.is_empty() && next <= at {
                break;
            }
            for v in views {
                at = at.max(v.queue_offset() + 1);
                if v.queue_offset() < to && v.has_key(key) {
                    out.push(v.view());
                }
            }
            at = at.max(next.min(to));
        }
    }
    Ok(out)
}

/// Checks a scan request: its cap and compiled filter.
pub(crate) fn check_scan(req: &ScanRequest) -> Result<(u32, Matcher)> {
    if req.topic.trim().is_empty() {
        return Err(Error::validation("Give the topic to scan."));
    }
    if req.begin.0 > req.end.0 {
        return Err(Error::validation("The range starts after it ends."));
    }
    let limit = req.limit.unwrap_or(DEFAULT_SCAN_LIMIT);
    if limit == 0 || limit > MAX_SCAN_LIMIT {
        return Err(Error::validation(format!(
            "The cap must be between 1 and {MAX_SCAN_LIMIT} (got {limit})."
        )));
    }
    Ok((limit, Matcher::new(&req.filter)?))
}

/// The readable queues of `topic` on live masters, as (broker name, address, queue id), sorted.
pub(crate) async fn master_queues(client: &LiveClient, topic: &str) -> Result<Vec<(String, String, u32)>> {
    let route = topic_route(client, topic).await?;
    let mut queues: Vec<(String, String, u32)> = Vec::new();
    for qd in &route.queue_datas {
        // A broker whose master is not registered (down, or its name-server connection dropped
        // a moment) keeps its queues with no address: they fail, with why, instead of vanishing
        // from the scan.
        let addr = route
            .broker_datas
            .iter()
            .find(|b| b.broker_name == qd.broker_name)
            .and_then(|b| b.broker_addrs.get("0"))
            .cloned()
            .unwrap_or_default();
        for q in 0..qd.read_queue_nums {
            queues.push((qd.broker_name.clone(), addr.clone(), q));
        }
    }
    queues.sort();
    if queues.iter().all(|(_, addr, _)| addr.is_empty()) {
        return Err(Error::not_found(format!("a master broker of topic '{topic}'")));
    }
    Ok(queues)
}

/// Runs a scan inside a job: matches go to `emit` as they are found; returns the summary
/// (`Err(Cancelled)` once the job is cancelled).
pub(crate) async fn run_scan(
    ctx: &JobContext,
    client: &LiveClient,
    queues: Vec<(String, String, u32)>,
    req: &ScanRequest,
    limit: u32,
    matcher: &Matcher,
    emit: Emit<'_>,
) -> Result<ScanSummary> {
    let start = Instant::now();
    let (begin, end) = (req.begin.0, req.end.0);
    // Ranges first (cheap), so the total is known from the start.
    let resume: Option<BTreeMap<(String, u32), i64>> = req.cursor.as_ref().map(|c| {
        c.iter()
            .map(|x| ((x.broker_name.clone(), x.queue_id), x.next_offset.0))
            .collect()
    });
    let ranged: Vec<(Range, Option<String>)> = futures::stream::iter(queues)
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
        .await;
    let total: u64 = ranged
        .iter()
        .map(|(r, _)| u64::try_from(r.to - r.from).unwrap_or(0))
        .sum();
    let shared = Arc::new(Shared {
        matched: AtomicU64::new(0),
        scanned: AtomicU64::new(0),
        limit: u64::from(limit),
        total,
        started: start,
        reported: AtomicU64::new(0),
    });
    ctx.progress(0, Some(total), Some(format!("{} queue(s)", ranged.len())));
    let mut queues_out: Vec<QueueScan> = Vec::new();
    let mut cursor = Vec::new();
    let mut scans = Vec::new();
    for (r, err) in ranged {
        match err {
            Some(e) => {
                let q = QueueScan {
                    broker_name: r.broker_name.clone(),
                    queue_id: r.queue_id,
                    from: Offset(0),
                    to: Offset(0),
                    scanned: Count(0),
                    matched: Count(0),
                    done: false,
                    error: Some(e),
                };
                ctx.batch(vec![
                    serde_json::to_value(ScanItem::Queue { queue: q.clone() }).unwrap_or_default(),
                ]);
                queues_out.push(q);
            }
            None => scans.push(r),
        }
    }
    let (ctx_ref, client_ref, matcher_ref, shared_ref, topic) = (ctx, client, matcher, &*shared, &req.topic);
    let mut running = futures::stream::iter(scans)
        .map(|r| async move {
            let to = r.to;
            let (q, at) = scan_queue(
                client_ref,
                topic,
                (begin, end),
                r,
                matcher_ref,
                shared_ref,
                ctx_ref,
                emit,
            )
            .await;
            (q, at, to)
        })
        .buffer_unordered(SCAN_CONCURRENCY);
    let ticker = Arc::clone(&shared);
    while let Some((q, at, to)) = running.next().await {
        ctx.batch(vec![
            serde_json::to_value(ScanItem::Queue { queue: q.clone() }).unwrap_or_default(),
        ]);
        if at < to && q.error.is_none() {
            cursor.push(QueueCursor {
                broker_name: q.broker_name.clone(),
                queue_id: q.queue_id,
                next_offset: Offset(at),
            });
        }
        queues_out.push(q);
        ticker.report(ctx, false);
    }
    drop(running);
    ticker.report(ctx, true);
    if ctx.is_cancelled() {
        return Err(Error::Cancelled);
    }
    let matched = shared.matched.load(Ordering::Relaxed);
    let scanned = shared.scanned.load(Ordering::Relaxed);
    queues_out.sort_by(|a, b| (&a.broker_name, a.queue_id).cmp(&(&b.broker_name, b.queue_id)));
    cursor.sort_by(|a, b| (&a.broker_name, a.queue_id).cmp(&(&b.broker_name, b.queue_id)));
    let secs = start.elapsed().as_secs_f64();
    let summary = ScanSummary {
        scanned: Count(scanned),
        total: Count(total),
        matched: Count(matched),
        truncated: matched >= u64::from(limit) && !cursor.is_empty(),
        failed_queues: u32::try_from(queues_out.iter().filter(|q| q.error.is_some()).count())
            .unwrap_or(u32::MAX),
        cursor,
        queues: queues_out,
        elapsed_ms: secs * 1000.0,
        messages_per_sec: if secs > 0.0 { scanned as f64 / secs } else { 0.0 },
    };
    Ok(summary)
}

/// The benchmark's baseline for a scan: every queue of `topic` pulled from its min to its max offset
/// with [`SCAN_CONCURRENCY`] queues in flight, messages counted by their size fields and not decoded
/// or filtered (the physical limit of pulling on this cluster). Returns the messages counted.
pub async fn pull_baseline(client: &LiveClient, topic: &str) -> Result<u64> {
    let queues = master_queues(client, topic).await?;
    let counts: Vec<Result<u64>> = futures::stream::iter(queues)
        .map(|(broker_name, addr, queue_id)| async move {
            let ext = || {
                BTreeMap::from([
                    ("topic".to_owned(), topic.to_owned()),
                    ("queueId".to_owned(), queue_id.to_string()),
                ])
            };
            let max = ext_offset(client, &addr, GET_MAX_OFFSET, ext(), "max offset").await?;
            let mut at = ext_offset(client, &addr, GET_MIN_OFFSET, ext(), "min offset").await?;
            let mut n = 0u64;
            while at < max {
                let q = pull_header(topic, queue_id, at, PULL_BATCH);
                let r = client.link.invoke(&addr, PULL_MESSAGE, q).await?;
                let next = r
                    .ext
                    .get("nextBeginOffset")
                    .and_then(|v| v.parse::<i64>().ok())
                    .unwrap_or(at);
                let mut i = 0usize;
                while i + 4 <= r.body.len() {
                    let size = i32::from_be_bytes([r.body[i], r.body[i + 1], r.body[i + 2], r.body[i + 3]]);
                    i += usize::try_from(size).unwrap_or(usize::MAX).max(4);
                    n += 1;
                }
                if next <= at {
                    tracing::warn!(broker = %broker_name, queue = queue_id, "pull baseline stuck at {at}");
                    break;
                }
                at = next;
            }
            Ok(n)
        })
        .buffer_unordered(SCAN_CONCURRENCY)
        .collect()
        .await;
    counts.into_iter().sum()
}

impl Console {
    /// Starts a scan of `topic` over a store-time range as a job; returns its id at once. Batch
    /// items are [`ScanItem`]s; the summary is a [`ScanSummary`].
    #[tracing::instrument(skip(self, sink), err(Debug))]
    pub async fn message_scan(&self, id: &ConnectionId, req: &ScanRequest, sink: JobSink) -> Result<JobId> {
        let (limit, matcher) = check_scan(req)?;
        let (_, client) = self.client(id).await?;
        let queues = master_queues(&client, &req.topic).await?;
        let req = req.clone();
        let title = format!("Scan {}", req.topic);
        Ok(self.jobs().start(&title, sink, move |ctx| async move {
            let emit = |broker: &str, views: Vec<Stored>| {
                let rows = views.iter().map(|v| v.row(broker)).collect();
                let item = ScanItem::Matches { rows };
                ctx.batch(vec![serde_json::to_value(item).unwrap_or_default()]);
            };
            let summary = run_scan(&ctx, &client, queues, &req, limit, &matcher, &emit).await?;
            serde_json::to_value(summary).map_err(|e| Error::internal(e.to_string()))
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
