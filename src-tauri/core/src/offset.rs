//! Offset reset with a preview, a local snapshot and undo.
//!
//! Modes: to a timestamp, to the earliest or latest offset, to exact per-queue offsets, or copied from
//! another group. The preview computes every queue's new offset from fresh state (topic stats 202,
//! `SEARCH_OFFSET_BY_TIMESTAMP` 29, consume stats 208). Applying picks the path by who is online:
//! - **online** groups go through the broker so clients are told: on 5.x brokers (server-side reset)
//!   `INVOKE_BROKER_TO_RESET_OFFSET` (222) per queue with the exact previewed offset; on 4.x brokers 222
//!   per topic with a timestamp, which the broker turns into offsets and pushes to every client (exact
//!   offsets cannot be pushed there: refused, with the way out);
//! - **offline** groups by `UPDATE_CONSUMER_OFFSET` (15) per queue; a 5.x broker silently ignores it
//!   for a queue with a pending server-side reset ("Offset has been previously reset"), so that queue is
//!   set with 222 instead.
//!
//! Before anything is sent the previous offsets are saved as a snapshot in SQLite; afterwards every
//! queue is read back and compared, and the result says which queues took. Undo applies the snapshot
//! as exact offsets through the same path.

mod bulk;

pub use bulk::{BulkGroupPlan, BulkGroupResult, BulkResetPlan, BulkResetRequest};

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant};

use futures::StreamExt as _;
use futures::future::join_all;
use serde::{Deserialize, Serialize};

use crate::audit::AuditOutcome;
use crate::cluster::RoutedBroker;
use crate::console::{Console, CoreEvent};
use crate::error::{Error, Result};
use crate::group::detail::masters_of;
use crate::group::{CONCURRENCY, group_stats};
use crate::model::{ConnectionId, Count, Millis, Offset};
use crate::registry::LiveClient;
use crate::remoting::code::{
    CONSUMER_NOT_ONLINE, GET_CONSUMER_CONNECTION_LIST, GET_EARLIEST_MSG_STORETIME, GET_TOPIC_STATS_INFO,
    INVOKE_BROKER_TO_RESET_OFFSET, NO_MESSAGE, SEARCH_OFFSET_BY_TIMESTAMP, SYSTEM_ERROR, TOPIC_NOT_EXIST,
    UPDATE_CONSUMER_OFFSET,
};
use crate::remoting::{self, Link};
use crate::safety::{Attempt, ChangePlan, Confirmation, FieldChange, shell_arg};
use crate::topic::consumers::ConsumerConnectionBody;
use crate::topic::{BrokerFailure, QueueStat, decode_topic_stats};
use rocketmq_model::version::RocketMqVersion;

/// What a 5.x broker answers (with success) when it ignores an offset update.
const PREVIOUSLY_RESET: &str = "previously reset";

/// One queue and an offset.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct QueueOffset {
    pub topic: String,
    pub broker_name: String,
    pub queue_id: u32,
    pub offset: Offset,
}

/// Where to move the group's offsets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum ResetMode {
    /// Re-read everything still stored.
    Earliest,
    /// Skip the backlog.
    Latest,
    /// The first message stored at or after `at`.
    Timestamp { at: Millis },
    /// These offsets, queue by queue (queues not listed keep theirs).
    Exact { offsets: Vec<QueueOffset> },
    /// The offsets `group` has on the same queues.
    CopyFrom { group: String },
}

/// A reset as the user asks for it.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ResetRequest {
    pub group: String,
    /// One topic, or every topic the group consumes (its retry topic excluded) when absent.
    pub topic: Option<String>,
    pub mode: ResetMode,
}

/// How the offsets are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum ResetPath {
    /// Clients are online: through the broker, which tells them.
    Online,
    /// No client is online: offsets written per queue.
    Offline,
}

/// One queue of the preview.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct QueuePlan {
    pub topic: String,
    pub broker_name: String,
    pub queue_id: u32,
    pub min_offset: Offset,
    pub max_offset: Offset,
    /// The committed offset now; `-1` when there is none.
    pub current: Offset,
    pub target: Offset,
    /// Messages that will be consumed again (target below current).
    pub reread: Offset,
    /// Messages that will be skipped (target above current).
    pub skipped: Offset,
    /// Store time of the last consumed message (where the group is).
    pub current_time: Option<Millis>,
    /// Store time where the group will be, when known.
    pub target_time: Option<Millis>,
    pub note: Option<String>,
}

/// The preview of a reset.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct OffsetPlan {
    pub plan: ChangePlan,
    pub request: ResetRequest,
    pub topics: Vec<String>,
    pub path: ResetPath,
    pub online_clients: u32,
    pub queues: Vec<QueuePlan>,
    pub reread: Offset,
    pub skipped: Offset,
    pub failed_brokers: Vec<BrokerFailure>,
}

/// One queue of a reset's result.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct QueueResult {
    pub topic: String,
    pub broker_name: String,
    pub queue_id: u32,
    pub before: Offset,
    pub target: Offset,
    /// Read back after applying; absent when the broker did not answer.
    pub after: Option<Offset>,
    pub took: bool,
    pub error: Option<String>,
}

/// What a reset did.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ResetResult {
    pub outcome: AuditOutcome,
    pub path: ResetPath,
    /// The snapshot of the previous offsets (undo restores it).
    pub snapshot_id: Count,
    pub audit_id: Count,
    pub queues: Vec<QueueResult>,
    /// Brokers whose queues could not be reset at all.
    pub failed_brokers: Vec<BrokerFailure>,
    pub elapsed_ms: f64,
}

/// A saved snapshot of a group's offsets, taken before a reset.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct OffsetSnapshot {
    pub id: Count,
    pub connection_id: ConnectionId,
    pub group: String,
    pub at: Millis,
    /// The reset it preceded, e.g. `earliest on TopicA`.
    pub reason: String,
    pub offsets: Vec<QueueOffset>,
    pub restored_at: Option<Millis>,
}

/// The fresh state a plan is computed from.
/// How a reset was confirmed.
#[derive(Clone, Copy)]
enum Gate<'a> {
    /// The user's answer to this reset's own plan.
    Confirm(&'a Confirmation),
    /// One group of a bulk reset the user confirmed as a whole (the job's id).
    Bulk(&'a str),
}

struct Planned {
    plan: OffsetPlan,
    /// queue → the master's address.
    addr_of: HashMap<String, String>,
    /// Broker names with a 5.x server-side reset.
    server_side: BTreeSet<String>,
}

/// (topic, broker name, queue id).
type QueueKey = (String, String, u32);
/// A row of `offset_snapshot`.
type SnapshotRow = (i64, String, String, i64, String, String, Option<i64>);

fn queue_key(topic: &str, broker: &str, queue: u32) -> QueueKey {
    (topic.to_owned(), broker.to_owned(), queue)
}

fn scope_of(q: &QueuePlan) -> String {
    format!("{} · {} #{}", q.topic, q.broker_name, q.queue_id)
}

fn describe(mode: &ResetMode) -> String {
    match mode {
        ResetMode::Earliest => "to the earliest offset".into(),
        ResetMode::Latest => "to the latest offset (skip the backlog)".into(),
        ResetMode::Timestamp { at } => format!("to {}", crate::audit::iso8601(*at)),
        ResetMode::Exact { offsets } => format!("to exact offsets on {} queue(s)", offsets.len()),
        ResetMode::CopyFrom { group } => format!("to the offsets of group '{group}'"),
    }
}

/// Whether a broker resets offsets server-side (5.x and rocketmq-rust), from the version its reply
/// header carries (a cheap request: the runtime info that names the version takes ~0.5 s on 5.x),
/// and the group's connections as this broker knows them.
async fn probe_broker(
    addr: &str,
    group: &str,
    link: &Link,
) -> Result<(bool, Option<ConsumerConnectionBody>)> {
    let ext = BTreeMap::from([("consumerGroup".to_owned(), group.to_owned())]);
    let r = link.invoke(addr, GET_CONSUMER_CONNECTION_LIST, ext).await?;
    let v5 = i64::from(r.version) >= i64::from(RocketMqVersion::V5_0_0.ordinal());
    if r.code == CONSUMER_NOT_ONLINE {
        return Ok((v5, None));
    }
    let r = remoting::check(addr, "consumer connections", r)?;
    Ok((v5, Some(remoting::decode_json(&r.body, "consumer connections")?)))
}

/// Resets one queue of `group` to its planned target through the broker (`INVOKE_BROKER_TO_RESET_OFFSET`
/// with a queue id and an offset: the 5.x / rocketmq-rust server-side reset).
async fn reset_queue(addr: &str, group: &str, q: &QueuePlan, link: &Link) -> Result<()> {
    let ext = BTreeMap::from([
        ("group".to_owned(), group.to_owned()),
        ("topic".to_owned(), q.topic.clone()),
        ("queueId".to_owned(), q.queue_id.to_string()),
        ("offset".to_owned(), q.target.0.to_string()),
        ("timestamp".to_owned(), "0".to_owned()),
        ("isForce".to_owned(), "true".to_owned()),
    ]);
    link.request_with(addr, INVOKE_BROKER_TO_RESET_OFFSET, ext, "reset offset")
        .await
        .map(drop)
}

async fn topic_stats(addr: &str, topic: &str, link: &Link) -> Result<Vec<QueueStat>> {
    let ext = BTreeMap::from([("topic".to_owned(), topic.to_owned())]);
    let r = link
        .request_with(addr, GET_TOPIC_STATS_INFO, ext, "topic stats")
        .await?;
    decode_topic_stats(&r.body)
}

async fn ext_i64(
    addr: &str,
    code: i32,
    ext: BTreeMap<String, String>,
    field: &str,
    what: &str,
    link: &Link,
) -> Result<i64> {
    let r = link.request_with(addr, code, ext, what).await?;
    r.ext
        .get(field)
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| Error::BrokerRejected {
            target: addr.to_owned(),
            operation: what.to_owned(),
            code: -1,
            detail: format!("the reply has no '{field}'"),
        })
}

/// Per-queue consume progress of `group` on `topic` over `masters`: (topic, broker, queue) →
/// (consumer offset, last consumed store time).
async fn progress_of(
    client: &LiveClient,
    masters: &[RoutedBroker],
    group: &str,
    topics: &[String],
) -> (HashMap<QueueKey, (i64, i64)>, Vec<(String, Error)>) {
    let link = &client.link;
    let mut asks = Vec::new();
    for b in masters {
        for t in topics {
            asks.push((b.broker_name.clone(), b.addr.clone(), t.clone()));
        }
    }
    let answers =
        join_all(asks.iter().map(|(name, addr, t)| async move {
            (name.clone(), group_stats(addr, group, Some(t), link).await)
        }))
        .await;
    let (mut out, mut errors) = (HashMap::new(), Vec::new());
    for (name, r) in answers {
        match r {
            Ok((qs, _)) => {
                for q in qs {
                    out.insert(
                        queue_key(&q.topic, &q.broker_name, q.queue_id),
                        (q.consumer_offset, q.last_timestamp),
                    );
                }
            }
            // A topic the group has no offsets on is not an error: its queues start at -1.
            Err(Error::BrokerRejected { code, .. })
                if code == CONSUMER_NOT_ONLINE || code == NO_MESSAGE || code == SYSTEM_ERROR => {}
            Err(e) => errors.push((name, e)),
        }
    }
    (out, errors)
}

impl Console {
    async fn plan_reset(&self, id: &ConnectionId, request: &ResetRequest) -> Result<Planned> {
        let group = request.group.trim();
        if group.is_empty() {
            return Err(Error::validation("The consumer group is empty."));
        }
        let profile = self.connection_get(id).await?;
        let (_, client) = self.client(id).await?;
        let link = &client.link;
        let all_masters = masters_of(&client).await?;
        let mut failed: Vec<BrokerFailure> = Vec::new();
        let fail = |b: &RoutedBroker, e: &Error| BrokerFailure {
            broker_name: b.broker_name.clone(),
            addr: b.addr.clone(),
            error: e.summary(),
        };
        // The masters that answer: one that does not is reported, its queues left alone.
        let probes = join_all(all_masters.iter().map(|b| probe_broker(&b.addr, group, link))).await;
        let mut masters = Vec::new();
        let mut server_side = BTreeSet::new();
        let mut conns: Option<ConsumerConnectionBody> = None;
        for (b, v) in all_masters.iter().zip(probes) {
            match v {
                Ok((s, c)) => {
                    if s {
                        server_side.insert(b.broker_name.clone());
                    }
                    // The broker that sees the most clients (each client heartbeats to the brokers
                    // of its routes; a master outside them sees none).
                    let seen =
                        |c: &Option<ConsumerConnectionBody>| c.as_ref().map_or(0, |c| c.connection_set.len());
                    if conns.is_none() || seen(&c) > seen(&conns) {
                        conns = c;
                    }
                    masters.push(b.clone());
                }
                Err(e) => failed.push(fail(b, &e)),
            }
        }
        if masters.is_empty() {
            return Err(Error::Unreachable {
                target: "every master broker".into(),
                detail: failed
                    .iter()
                    .map(|f| f.error.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
            });
        }
        let online = conns.as_ref().map_or(0, |c| c.connection_set.len());
        // Topics: the one asked for, or every topic the group has offsets on or subscribes.
        let topics: Vec<String> = match (&request.topic, &request.mode) {
            (Some(t), _) => vec![t.trim().to_owned()],
            (None, ResetMode::Exact { offsets }) => offsets
                .iter()
                .map(|o| o.topic.clone())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
            (None, _) => {
                let mut set = BTreeSet::new();
                let answers = join_all(masters.iter().map(|b| group_stats(&b.addr, group, None, link))).await;
                for (b, r) in masters.iter().zip(answers) {
                    match r {
                        Ok((qs, _)) => set.extend(qs.into_iter().map(|q| q.topic)),
                        Err(e) => failed.push(fail(b, &e)),
                    }
                }
                if let Some(c) = &conns {
                    set.extend(c.subscription_table.keys().cloned());
                }
                set.retain(|t| !t.starts_with("%RETRY%") && !t.starts_with("%DLQ%"));
                set.into_iter().collect()
            }
        };
        if topics.is_empty() {
            return Err(Error::validation(format!(
                "Group '{group}' has no topic to reset: it has no offsets and no online subscription. Pick a topic."
            )));
        }
        // Queue ranges of every topic on every master.
        let stats = join_all(masters.iter().flat_map(|b| {
            topics
                .iter()
                .map(move |t| async move { (b, t, topic_stats(&b.addr, t, link).await) })
        }))
        .await;
        let mut ranges: Vec<(RoutedBroker, String, QueueStat)> = Vec::new();
        let mut topic_missing = BTreeSet::new();
        for (b, t, r) in stats {
            match r {
                Ok(qs) => ranges.extend(qs.into_iter().map(|q| (b.clone(), t.clone(), q))),
                Err(Error::BrokerRejected {
                    code: TOPIC_NOT_EXIST,
                    ..
                }) => {
                    topic_missing.insert(t.clone());
                }
                Err(e) => failed.push(fail(b, &e)),
            }
        }
        for t in &topics {
            if !ranges.iter().any(|(_, rt, _)| rt == t) && topic_missing.contains(t) {
                return Err(Error::not_found(format!("topic '{t}'")));
            }
        }
        let (current, errs) = progress_of(&client, &masters, group, &topics).await;
        for (name, e) in errs {
            if !failed.iter().any(|f| f.broker_name == name) {
                let addr = masters
                    .iter()
                    .find(|b| b.broker_name == name)
                    .map(|b| b.addr.clone())
                    .unwrap_or_default();
                failed.push(BrokerFailure {
                    broker_name: name,
                    addr,
                    error: e.summary(),
                });
            }
        }
        let source = match &request.mode {
            ResetMode::CopyFrom { group: src } => {
                if src.trim() == group {
                    return Err(Error::validation("Copy offsets from a different group."));
                }
                Some(progress_of(&client, &masters, src.trim(), &topics).await.0)
            }
            _ => None,
        };
        let exact: HashMap<QueueKey, i64> = match &request.mode {
            ResetMode::Exact { offsets } => offsets
                .iter()
                .map(|o| (queue_key(&o.topic, &o.broker_name, o.queue_id), o.offset.0))
                .collect(),
            _ => HashMap::new(),
        };
        // Offsets by timestamp and earliest store times: one request per queue, bounded.
        let link = client.link.clone();
        let lookups: HashMap<QueueKey, (Option<i64>, Option<i64>)> = futures::stream::iter(
            ranges
                .iter()
                .map(|(b, t, q)| (b.addr.clone(), t.clone(), q.clone()))
                .collect::<Vec<_>>(),
        )
        .map(|(addr, topic, q)| {
            let (mode, link) = (request.mode.clone(), link.clone());
            async move {
                let link = &link;
                let base = BTreeMap::from([
                    ("topic".to_owned(), topic.clone()),
                    ("queueId".to_owned(), q.queue_id.to_string()),
                ]);
                let by_time = match &mode {
                    ResetMode::Timestamp { at } => {
                        let mut ext = base.clone();
                        ext.insert("timestamp".into(), at.0.to_string());
                        Some(
                            ext_i64(
                                &addr,
                                SEARCH_OFFSET_BY_TIMESTAMP,
                                ext,
                                "offset",
                                "search offset by time",
                                link,
                            )
                            .await,
                        )
                    }
                    _ => None,
                };
                let earliest = if matches!(mode, ResetMode::Earliest) && q.max_offset.0 > q.min_offset.0 {
                    ext_i64(
                        &addr,
                        GET_EARLIEST_MSG_STORETIME,
                        base,
                        "timestamp",
                        "earliest store time",
                        link,
                    )
                    .await
                    .ok()
                } else {
                    None
                };
                let key = queue_key(&topic, &q.broker_name, q.queue_id);
                (key, (by_time.map(|r| r.unwrap_or(-1)), earliest))
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;

        let mut queues = Vec::new();
        let mut addr_of = HashMap::new();
        let mut out_of_range = Vec::new();
        for (b, topic, q) in &ranges {
            let topic = topic.clone();
            let key = queue_key(&topic, &q.broker_name, q.queue_id);
            let (min, max) = (q.min_offset.0, q.max_offset.0);
            let (cur, cur_time) = current.get(&key).copied().unwrap_or((-1, 0));
            let mut note = None;
            let (target, target_time) = match &request.mode {
                ResetMode::Earliest => (min, lookups.get(&key).and_then(|l| l.1)),
                ResetMode::Latest => (max, q.last_update.map(|m| m.0)),
                ResetMode::Timestamp { at } => match lookups.get(&key).and_then(|l| l.0) {
                    Some(o) if o >= 0 => (o.clamp(min, max), Some(at.0)),
                    _ => {
                        note = Some("the broker could not search this queue by time: left as it is".into());
                        (cur, None)
                    }
                },
                ResetMode::Exact { .. } => match exact.get(&key) {
                    Some(o) => {
                        if *o < min || *o > max {
                            out_of_range.push(format!(
                                "{} #{}: {o} not in [{min}, {max}]",
                                q.broker_name, q.queue_id
                            ));
                        }
                        (*o, None)
                    }
                    None => continue,
                },
                ResetMode::CopyFrom { .. } => match source.as_ref().and_then(|s| s.get(&key)) {
                    Some((o, t)) if *o >= 0 => (*o, (*t > 0).then_some(*t)),
                    _ => {
                        note = Some("the source group has no offset on this queue: left as it is".into());
                        (cur, None)
                    }
                },
            };
            let base = cur.max(0);
            queues.push(QueuePlan {
                topic: topic.clone(),
                broker_name: q.broker_name.clone(),
                queue_id: q.queue_id,
                min_offset: Offset(min),
                max_offset: Offset(max),
                current: Offset(cur),
                target: Offset(target),
                reread: Offset((base - target).max(0)),
                skipped: Offset((target - base).max(0)),
                current_time: (cur_time > 0).then_some(Millis(cur_time)),
                target_time: target_time.filter(|t| *t > 0).map(Millis),
                note,
            });
            addr_of.insert(
                format!("{}|{}|{}", topic, q.broker_name, q.queue_id),
                b.addr.clone(),
            );
        }
        if !out_of_range.is_empty() {
            return Err(Error::validation(format!(
                "Offsets outside the stored range: {}",
                out_of_range.join("; ")
            )));
        }
        if let ResetMode::Exact { offsets } = &request.mode {
            let known: BTreeSet<_> = queues
                .iter()
                .map(|q| queue_key(&q.topic, &q.broker_name, q.queue_id))
                .collect();
            let unknown: Vec<String> = offsets
                .iter()
                .filter(|o| !known.contains(&queue_key(&o.topic, &o.broker_name, o.queue_id)))
                .filter(|o| !failed.iter().any(|f| f.broker_name == o.broker_name))
                .map(|o| format!("{} · {} #{}", o.topic, o.broker_name, o.queue_id))
                .collect();
            if !unknown.is_empty() {
                return Err(Error::validation(format!(
                    "No such queue: {}",
                    unknown.join(", ")
                )));
            }
        }
        queues.sort_by(|a, b| {
            (&a.topic, &a.broker_name, a.queue_id).cmp(&(&b.topic, &b.broker_name, b.queue_id))
        });
        let path = if online > 0 {
            ResetPath::Online
        } else {
            ResetPath::Offline
        };
        // 4.x brokers push offsets to online clients only as "by timestamp".
        let client_side: Vec<String> = masters
            .iter()
            .filter(|b| !server_side.contains(&b.broker_name))
            .map(|b| b.broker_name.clone())
            .collect();
        let exactish = matches!(request.mode, ResetMode::Exact { .. } | ResetMode::CopyFrom { .. });
        let mut refusal_4x = None;
        if path == ResetPath::Online && exactish && !client_side.is_empty() {
            refusal_4x = Some(format!(
                "Brokers {} (4.x) can tell online clients only a reset by time, not exact offsets. Stop the \
                 group's {online} consumer(s) and apply again (offsets are then written per queue), or reset by time.",
                client_side.join(", ")
            ));
        }
        let reread: i64 = queues.iter().map(|q| q.reread.0).sum();
        let skipped: i64 = queues.iter().map(|q| q.skipped.0).sum();
        let changes: Vec<FieldChange> = queues
            .iter()
            .filter(|q| q.target != q.current)
            .map(|q| FieldChange {
                scope: scope_of(q),
                field: "consumer offset".into(),
                before: Some(if q.current.0 < 0 {
                    "none".into()
                } else {
                    q.current.0.to_string()
                }),
                after: Some(q.target.0.to_string()),
            })
            .collect();
        let mut warnings = Vec::new();
        match path {
            ResetPath::Online => warnings.push(format!(
                "{online} client(s) are online: the reset goes through the broker, which tells them; they \
                 continue from the new offsets at once."
            )),
            ResetPath::Offline => warnings.push(
                "No client is online: offsets are written queue by queue; consumers started later begin there."
                    .into(),
            ),
        }
        if reread > 0 {
            warnings.push(format!("{reread} message(s) will be consumed again."));
        }
        if skipped > 0 {
            warnings.push(format!(
                "{skipped} message(s) will be skipped and never consumed by this group."
            ));
        }
        if let Some(r) = &refusal_4x {
            warnings.push(r.clone());
        }
        for f in &failed {
            warnings.push(format!(
                "{} did not answer ({}): its queues are not reset.",
                f.broker_name, f.error
            ));
        }
        let ns = client.spec.namesrv_addrs.join(";");
        let mqadmin = mqadmin_lines(&ns, group, &topics, &request.mode, &queues);
        let title = format!("Reset group '{group}' {}", describe(&request.mode));
        let mut plan = ChangePlan::new(
            &profile,
            "group.reset_offset",
            title,
            group,
            changes,
            warnings,
            skipped > 0,
            false,
            mqadmin,
        );
        if plan.refusal.is_none() {
            plan.refusal = refusal_4x;
        }
        Ok(Planned {
            plan: OffsetPlan {
                plan,
                request: request.clone(),
                topics,
                path,
                online_clients: u32::try_from(online).unwrap_or(u32::MAX),
                queues,
                reread: Offset(reread),
                skipped: Offset(skipped),
                failed_brokers: failed,
            },
            addr_of,
            server_side,
        })
    }

    /// The preview of a reset: every queue's current and new offset, what is re-read or skipped.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn offset_plan(&self, id: &ConnectionId, request: &ResetRequest) -> Result<OffsetPlan> {
        Ok(self.plan_reset(id, request).await?.plan)
    }

    /// Applies a reset: snapshot, write, read back, journal. A queue that did not take is in the result.
    #[tracing::instrument(skip(self, confirmation), err(Debug))]
    pub async fn offset_reset(
        &self,
        id: &ConnectionId,
        request: &ResetRequest,
        confirmation: &Confirmation,
    ) -> Result<ResetResult> {
        self.apply_reset(id, request, Gate::Confirm(confirmation), None)
            .await
    }

    async fn apply_reset(
        &self,
        id: &ConnectionId,
        request: &ResetRequest,
        gate: Gate<'_>,
        undo_of: Option<i64>,
    ) -> Result<ResetResult> {
        let start = Instant::now();
        let action = if undo_of.is_some() {
            "group.reset_offset.undo"
        } else {
            "group.reset_offset"
        };
        let bulk_job = match gate {
            Gate::Bulk(job) => Some(job),
            Gate::Confirm(_) => None,
        };
        let params = serde_json::json!({ "request": request, "undoOf": undo_of, "bulkJob": bulk_job });
        let pre = Attempt::new(action, &request.group, params.clone(), &[]);
        // Read-only refusal first, before any cluster call.
        let profile = self.admit(id, &pre, None, &Confirmation::default()).await?;
        let planned = match self.plan_reset(id, request).await {
            Ok(p) => p,
            Err(e) => {
                self.journal_refusal(&profile, &pre, &e).await?;
                return Err(e);
            }
        };
        let plan = &planned.plan;
        let attempt = Attempt::new(action, &request.group, params, &plan.plan.mqadmin);
        if let Gate::Confirm(confirmation) = gate
            && let Some(err) = plan.plan.check(confirmation)
        {
            self.journal_refusal(&profile, &attempt, &err).await?;
            return Err(err);
        }
        if let Some(r) = &plan.plan.refusal {
            let err = Error::validation(r.clone());
            self.journal_refusal(&profile, &attempt, &err).await?;
            return Err(err);
        }
        let (_, client) = self.client(id).await?;
        let before: Vec<QueueOffset> = plan
            .queues
            .iter()
            .map(|q| QueueOffset {
                topic: q.topic.clone(),
                broker_name: q.broker_name.clone(),
                queue_id: q.queue_id,
                offset: q.current,
            })
            .collect();
        let reason = match request.topic.as_deref() {
            Some(t) => format!("{} on {t}", describe(&request.mode)),
            None => describe(&request.mode),
        };
        let snapshot_id = self.snapshot_save(id, &request.group, &reason, &before).await?;
        let changing: Vec<&QueuePlan> = plan.queues.iter().filter(|q| q.target != q.current).collect();
        let (errors, confirmed) = self.write_offsets(&client, &planned, &changing).await;
        // A queue took when the read-back shows it, or (4.x, online) when the broker confirms the
        // offset it pushed to the clients: they may have consumed back up to the old offset before
        // persisting, so the read-back alone cannot tell.
        let taken = |q: &QueuePlan, a: Option<i64>| {
            confirmed.contains(&queue_key(&q.topic, &q.broker_name, q.queue_id)) || took(plan.path, q, a)
        };
        // Read back: the broker's committed offsets. Online 4.x clients persist a pushed reset a few
        // seconds later, so keep looking (bounded) until every queue took or the deadline passes.
        let deadline = if plan.path == ResetPath::Online
            && planned.server_side.len()
                < plan
                    .queues
                    .iter()
                    .map(|q| &q.broker_name)
                    .collect::<BTreeSet<_>>()
                    .len()
        {
            Duration::from_secs(30)
        } else {
            Duration::from_secs(3)
        };
        let masters = masters_of(&client).await.unwrap_or_default();
        let waited = Instant::now();
        let mut after;
        loop {
            after = progress_of(&client, &masters, &request.group, &plan.topics)
                .await
                .0;
            let pending = changing.iter().any(|q| {
                let key = queue_key(&q.topic, &q.broker_name, q.queue_id);
                !errors.contains_key(&key) && !taken(q, after.get(&key).map(|a| a.0))
            });
            if !pending || waited.elapsed() >= deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        let queues: Vec<QueueResult> = plan
            .queues
            .iter()
            .map(|q| {
                let key = queue_key(&q.topic, &q.broker_name, q.queue_id);
                let a = after.get(&key).map(|a| a.0);
                let error = errors.get(&key).cloned();
                QueueResult {
                    topic: q.topic.clone(),
                    broker_name: q.broker_name.clone(),
                    queue_id: q.queue_id,
                    before: q.current,
                    target: q.target,
                    after: a.map(Offset),
                    took: q.target == q.current || (error.is_none() && taken(q, a)),
                    error: error.or_else(|| {
                        (q.target != q.current && !taken(q, a)).then(|| match a {
                            Some(v) => format!("read back {v}, not {}", q.target.0),
                            None => "the broker did not answer the read-back".into(),
                        })
                    }),
                }
            })
            .collect();
        let bad = queues.iter().filter(|q| !q.took).count();
        let changed = changing.len();
        let outcome = if bad == 0 && plan.failed_brokers.is_empty() {
            AuditOutcome::Ok
        } else if bad >= changed && changed > 0 || (changed == 0 && !plan.failed_brokers.is_empty()) {
            AuditOutcome::Failed
        } else {
            AuditOutcome::Partial
        };
        let error = (outcome != AuditOutcome::Ok).then(|| {
            let mut why: Vec<String> = queues
                .iter()
                .filter(|q| !q.took)
                .map(|q| {
                    format!(
                        "{} · {} #{}: {}",
                        q.topic,
                        q.broker_name,
                        q.queue_id,
                        q.error.clone().unwrap_or_default()
                    )
                })
                .collect();
            why.extend(
                plan.failed_brokers
                    .iter()
                    .map(|f| format!("{}: {}", f.broker_name, f.error)),
            );
            Error::BrokerRejected {
                target: request.group.clone(),
                operation: "reset offsets".into(),
                code: -1,
                detail: why.join("; "),
            }
        });
        let after_json: Vec<serde_json::Value> = queues
            .iter()
            .map(|q| serde_json::json!({"topic": q.topic, "brokerName": q.broker_name, "queueId": q.queue_id, "offset": q.after}))
            .collect();
        let entry = self
            .journal(
                &profile,
                &attempt,
                Some(serde_json::json!({ "snapshotId": snapshot_id, "offsets": before })),
                Some(serde_json::Value::Array(after_json)),
                outcome,
                error.as_ref(),
            )
            .await?;
        if let Some(s) = undo_of
            && outcome != AuditOutcome::Failed
        {
            sqlx::query("UPDATE offset_snapshot SET restored_at = ? WHERE id = ?")
                .bind(Millis::now().0)
                .bind(s)
                .execute(self.store().pool())
                .await?;
        }
        self.emit(CoreEvent::ResourceInvalidated {
            connection_id: id.clone(),
            scope: vec!["groups".into()],
        });
        Ok(ResetResult {
            outcome,
            path: plan.path,
            snapshot_id: Count(u64::try_from(snapshot_id).unwrap_or(0)),
            audit_id: entry.id,
            queues,
            failed_brokers: plan.failed_brokers.clone(),
            elapsed_ms: start.elapsed().as_secs_f64() * 1000.0,
        })
    }

    /// Sends the writes; returns the queues whose write failed, with why.
    async fn write_offsets(
        &self,
        client: &LiveClient,
        planned: &Planned,
        changing: &[&QueuePlan],
    ) -> (HashMap<QueueKey, String>, BTreeSet<QueueKey>) {
        let plan = &planned.plan;
        let group = plan.request.group.trim().to_owned();
        let link = &client.link;
        let mut errors = HashMap::new();
        let addr = |q: &QueuePlan| {
            planned
                .addr_of
                .get(&format!("{}|{}|{}", q.topic, q.broker_name, q.queue_id))
                .cloned()
                .unwrap_or_default()
        };
        // 4.x online: one timestamp reset per (topic, broker); the broker pushes offsets to clients.
        // Owned items: the stream's futures must not borrow (they cross the Tauri command's Send bound).
        let mut per_queue: Vec<(QueuePlan, String, bool)> = Vec::new();
        let mut by_time: BTreeMap<(String, String), (String, Vec<&QueuePlan>)> = BTreeMap::new();
        for q in changing {
            let server = planned.server_side.contains(&q.broker_name);
            match plan.path {
                ResetPath::Online if !server => {
                    by_time
                        .entry((q.topic.clone(), q.broker_name.clone()))
                        .or_insert_with(|| (addr(q), Vec::new()))
                        .1
                        .push(q);
                }
                ResetPath::Online => per_queue.push(((*q).clone(), addr(q), true)),
                ResetPath::Offline => per_queue.push(((*q).clone(), addr(q), false)),
            }
        }
        let ts = match &plan.request.mode {
            ResetMode::Earliest => 0,
            ResetMode::Latest => -1,
            ResetMode::Timestamp { at } => at.0,
            _ => 0,
        };
        let pushes = join_all(by_time.iter().map(|((topic, _), (addr, qs))| {
            let ext = BTreeMap::from([
                ("group".to_owned(), group.clone()),
                ("topic".to_owned(), topic.clone()),
                ("timestamp".to_owned(), ts.to_string()),
                ("isForce".to_owned(), "true".to_owned()),
            ]);
            async move {
                let r = link
                    .request_with(addr, INVOKE_BROKER_TO_RESET_OFFSET, ext, "reset offset")
                    .await;
                (qs, r)
            }
        }))
        .await;
        // The broker answers with the offsets it pushed to the clients: the queues it confirms.
        let mut confirmed: BTreeSet<QueueKey> = BTreeSet::new();
        for (qs, r) in pushes {
            match r {
                Ok(reply) => {
                    let pushed = pushed_offsets(&reply.body);
                    for q in qs {
                        let key = queue_key(&q.topic, &q.broker_name, q.queue_id);
                        if pushed.get(&key) == Some(&q.target.0) {
                            confirmed.insert(key);
                        }
                    }
                }
                Err(e) => {
                    for q in qs {
                        errors.insert(queue_key(&q.topic, &q.broker_name, q.queue_id), e.to_string());
                    }
                }
            }
        }
        // Brokers create a (topic, group) offset table on its first commit without a lock (4.9:
        // two first commits racing each build a table and one queue's offset is lost), so the first
        // queue of each (broker, topic) is written alone, then the rest together.
        let mut seen = BTreeSet::new();
        let (first, rest): (Vec<_>, Vec<_>) = per_queue
            .into_iter()
            .partition(|(q, addr, _)| seen.insert((addr.clone(), q.topic.clone())));
        let mut writes: Vec<(QueueKey, Result<()>)> = Vec::new();
        for wave in [first, rest] {
            writes.extend(self.write_queues(wave, planned, &group, link).await);
        }
        for (key, r) in writes {
            if let Err(e) = r {
                errors.insert(key, e.to_string());
            }
        }
        // The rocketmq-rust broker ignores an update that moves an offset backwards (and says
        // success): on brokers with a server-side reset, a queue the update did not move is reset instead.
        if plan.path == ResetPath::Offline {
            let retry: Vec<&&QueuePlan> = changing
                .iter()
                .filter(|q| planned.server_side.contains(&q.broker_name))
                .filter(|q| !errors.contains_key(&queue_key(&q.topic, &q.broker_name, q.queue_id)))
                .collect();
            if !retry.is_empty() {
                let masters = masters_of(client).await.unwrap_or_default();
                let now = progress_of(client, &masters, &group, &plan.topics).await.0;
                let resets = join_all(
                    retry
                        .into_iter()
                        .filter(|q| {
                            now.get(&queue_key(&q.topic, &q.broker_name, q.queue_id))
                                .map(|a| a.0)
                                != Some(q.target.0)
                        })
                        .map(|q| {
                            let (addr, group) = (addr(q), group.clone());
                            async move {
                                let r = reset_queue(&addr, &group, q, link).await;
                                (queue_key(&q.topic, &q.broker_name, q.queue_id), r)
                            }
                        }),
                )
                .await;
                for (key, r) in resets {
                    if let Err(e) = r {
                        errors.insert(key, e.to_string());
                    }
                }
            }
        }
        (errors, confirmed)
    }

    /// One offset write per queue (222 when `online`, else 15), `CONCURRENCY` in flight.
    async fn write_queues(
        &self,
        wave: Vec<(QueuePlan, String, bool)>,
        planned: &Planned,
        group: &str,
        link: &Link,
    ) -> Vec<(QueueKey, Result<()>)> {
        let group = group.to_owned();
        futures::stream::iter(wave)
            .map(|(q, addr, online)| {
                let (group, link) = (group.clone(), link.clone());
                let server = planned.server_side.contains(&q.broker_name);
                async move {
                    let link = &link;
                    let key = queue_key(&q.topic, &q.broker_name, q.queue_id);
                    let r = if online {
                        reset_queue(&addr, &group, &q, link).await
                    } else {
                        let ext = BTreeMap::from([
                            ("consumerGroup".to_owned(), group.clone()),
                            ("topic".to_owned(), q.topic.clone()),
                            ("queueId".to_owned(), q.queue_id.to_string()),
                            ("commitOffset".to_owned(), q.target.0.to_string()),
                        ]);
                        match link
                            .request_with(&addr, UPDATE_CONSUMER_OFFSET, ext, "update consumer offset")
                            .await
                        {
                            // A pending server-side reset makes the broker ignore the update: reset instead.
                            Ok(r)
                                if server
                                    && r.remark.as_deref().is_some_and(|m| m.contains(PREVIOUSLY_RESET)) =>
                            {
                                reset_queue(&addr, &group, &q, link).await
                            }
                            Ok(_) => Ok(()),
                            Err(e) => Err(e),
                        }
                    };
                    (key, r)
                }
            })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await
    }

    async fn snapshot_save(
        &self,
        id: &ConnectionId,
        group: &str,
        reason: &str,
        offsets: &[QueueOffset],
    ) -> Result<i64> {
        let body = serde_json::to_string(offsets).map_err(|e| Error::internal(e.to_string()))?;
        let sid: i64 = sqlx::query_scalar(
            "INSERT INTO offset_snapshot (connection_id, group_name, at, reason, offsets) VALUES (?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(id.as_str())
        .bind(group)
        .bind(Millis::now().0)
        .bind(reason)
        .bind(body)
        .fetch_one(self.store().pool())
        .await?;
        Ok(sid)
    }

    /// The snapshots of `group` on a connection, newest first.
    pub async fn offset_snapshots(&self, id: &ConnectionId, group: &str) -> Result<Vec<OffsetSnapshot>> {
        let rows: Vec<SnapshotRow> = sqlx::query_as(
            "SELECT id, connection_id, group_name, at, reason, offsets, restored_at FROM offset_snapshot \
             WHERE connection_id = ? AND group_name = ? ORDER BY id DESC LIMIT 100",
        )
        .bind(id.as_str())
        .bind(group)
        .fetch_all(self.store().pool())
        .await?;
        rows.into_iter().map(snapshot_of).collect()
    }

    async fn snapshot_get(&self, id: &ConnectionId, snapshot: u64) -> Result<OffsetSnapshot> {
        let row: Option<SnapshotRow> = sqlx::query_as(
            "SELECT id, connection_id, group_name, at, reason, offsets, restored_at FROM offset_snapshot \
             WHERE connection_id = ? AND id = ?",
        )
        .bind(id.as_str())
        .bind(i64::try_from(snapshot).unwrap_or(-1))
        .fetch_optional(self.store().pool())
        .await?;
        row.map(snapshot_of)
            .transpose()?
            .ok_or_else(|| Error::not_found(format!("offset snapshot {snapshot}")))
    }

    /// The request that restores a snapshot exactly: every queue that had a committed offset.
    pub async fn offset_undo_request(&self, id: &ConnectionId, snapshot: u64) -> Result<ResetRequest> {
        let s = self.snapshot_get(id, snapshot).await?;
        let offsets: Vec<QueueOffset> = s.offsets.into_iter().filter(|o| o.offset.0 >= 0).collect();
        if offsets.is_empty() {
            return Err(Error::validation(
                "The snapshot has no committed offset to restore (the group had none before the reset).",
            ));
        }
        Ok(ResetRequest {
            group: s.group,
            topic: None,
            mode: ResetMode::Exact { offsets },
        })
    }

    /// The preview of undoing a reset.
    pub async fn offset_undo_plan(&self, id: &ConnectionId, snapshot: u64) -> Result<OffsetPlan> {
        let request = self.offset_undo_request(id, snapshot).await?;
        self.offset_plan(id, &request).await
    }

    /// Restores a snapshot exactly (itself snapshotted first, so an undo can be undone).
    #[tracing::instrument(skip(self, confirmation), err(Debug))]
    pub async fn offset_undo(
        &self,
        id: &ConnectionId,
        snapshot: u64,
        confirmation: &Confirmation,
    ) -> Result<ResetResult> {
        let request = self.offset_undo_request(id, snapshot).await?;
        self.apply_reset(
            id,
            &request,
            Gate::Confirm(confirmation),
            Some(i64::try_from(snapshot).unwrap_or(-1)),
        )
        .await
    }
}

/// The offsets a `ResetOffsetBody` lists (`offsetTable` keyed by message-queue objects).
fn pushed_offsets(body: &[u8]) -> HashMap<QueueKey, i64> {
    let text = String::from_utf8_lossy(body);
    let Ok(outer) = remoting::raw_entries(&text) else {
        return HashMap::new();
    };
    let Some((_, table)) = outer.iter().find(|(k, _)| *k == "\"offsetTable\"") else {
        return HashMap::new();
    };
    remoting::object_keyed_entries(table)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(mq, off)| {
            let topic = mq.get("topic")?.as_str()?;
            let broker = mq.get("brokerName")?.as_str()?;
            let queue = u32::try_from(mq.get("queueId")?.as_i64()?).ok()?;
            Some((queue_key(topic, broker, queue), off.as_i64()?))
        })
        .collect()
}

fn snapshot_of(row: SnapshotRow) -> Result<OffsetSnapshot> {
    let (id, conn, group, at, reason, offsets, restored) = row;
    Ok(OffsetSnapshot {
        id: Count(u64::try_from(id).unwrap_or(0)),
        connection_id: ConnectionId(conn),
        group,
        at: Millis(at),
        reason,
        offsets: serde_json::from_str(&offsets)
            .map_err(|e| Error::internal(format!("snapshot {id}: {e}")))?,
        restored_at: restored.map(Millis),
    })
}

/// Whether a queue's read-back offset shows the reset took. Offline: exactly the target. Online the
/// clients may already have consumed on from the target, so any move away from the old offset at or
/// beyond the target counts.
fn took(path: ResetPath, q: &QueuePlan, after: Option<i64>) -> bool {
    let Some(a) = after else { return false };
    if a == q.target.0 {
        return true;
    }
    path == ResetPath::Online && a != q.current.0 && a >= q.target.0 && a <= q.max_offset.0
}

fn mqadmin_lines(
    ns: &str,
    group: &str,
    topics: &[String],
    mode: &ResetMode,
    queues: &[QueuePlan],
) -> Vec<String> {
    let base = format!(
        "mqadmin resetOffsetByTime -n {} -g {}",
        shell_arg(ns),
        shell_arg(group)
    );
    match mode {
        ResetMode::Earliest | ResetMode::Latest | ResetMode::Timestamp { .. } => {
            let s = match mode {
                ResetMode::Earliest => "0".to_owned(),
                ResetMode::Latest => "now".to_owned(),
                ResetMode::Timestamp { at } => at.0.to_string(),
                _ => unreachable!("matched above"),
            };
            topics
                .iter()
                .map(|t| format!("{base} -t {} -s {s} -f true", shell_arg(t)))
                .collect()
        }
        ResetMode::Exact { .. } | ResetMode::CopyFrom { .. } => queues
            .iter()
            .filter(|q| q.target != q.current)
            .map(|q| {
                format!(
                    "{base} -t {} -b {} -q {} -o {}",
                    shell_arg(&q.topic),
                    shell_arg(&q.broker_name),
                    q.queue_id,
                    q.target.0
                )
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(current: i64, target: i64, max: i64) -> QueuePlan {
        QueuePlan {
            topic: "T".into(),
            broker_name: "b".into(),
            queue_id: 0,
            min_offset: Offset(0),
            max_offset: Offset(max),
            current: Offset(current),
            target: Offset(target),
            reread: Offset(0),
            skipped: Offset(0),
            current_time: None,
            target_time: None,
            note: None,
        }
    }

    #[test]
    fn a_reset_took_when_read_back_says_so() {
        // Offline: exactly the target.
        assert!(took(ResetPath::Offline, &q(10, 0, 10), Some(0)));
        assert!(!took(ResetPath::Offline, &q(10, 0, 10), Some(10)));
        assert!(!took(ResetPath::Offline, &q(10, 0, 10), None));
        // Online: consumers may have moved on from the target already.
        assert!(took(ResetPath::Online, &q(10, 0, 12), Some(4)));
        assert!(!took(ResetPath::Online, &q(10, 0, 12), Some(10)));
        assert!(took(ResetPath::Online, &q(2, 10, 12), Some(11)));
        assert!(!took(ResetPath::Online, &q(2, 10, 12), Some(5)));
    }

    #[test]
    fn pushed_offsets_decode_a_reset_offset_body() {
        let body = br#"{"offsetTable":{{"brokerName":"b","queueId":1,"topic":"T"}:7}}"#;
        assert_eq!(pushed_offsets(body).get(&queue_key("T", "b", 1)), Some(&7));
        assert!(pushed_offsets(b"garbage").is_empty());
    }

    #[test]
    fn mqadmin_lines_per_topic_or_per_queue() {
        let l = mqadmin_lines("127.0.0.1:9876", "g", &["T".into()], &ResetMode::Latest, &[]);
        assert_eq!(
            l,
            ["mqadmin resetOffsetByTime -n 127.0.0.1:9876 -g g -t T -s now -f true"]
        );
        let l = mqadmin_lines(
            "n",
            "g",
            &["T".into()],
            &ResetMode::CopyFrom { group: "h".into() },
            &[q(1, 5, 9), q(3, 3, 9)],
        );
        assert_eq!(l, ["mqadmin resetOffsetByTime -n n -g g -t T -b b -q 0 -o 5"]);
    }
}
