//! What a reset plan reads from the brokers: which masters answer and how they reset, the topics
//! and queue ranges it covers, the group's progress, and offsets by time.

use std::collections::{BTreeSet, HashMap};

use futures::StreamExt as _;
use futures::future::join_all;
use rocketmq_model::version::RocketMqVersion;

use crate::cluster::RoutedBroker;
use crate::error::{Error, Result};
use crate::group::CONCURRENCY;
use crate::group::offset::{QueueKey, ResetMode, ResetRequest, queue_key};
use crate::group::stats::group_stats;
use crate::registry::LiveClient;
use crate::remoting::code::{
    CONSUMER_NOT_ONLINE, GET_CONSUMER_CONNECTION_LIST, GET_EARLIEST_MSG_STORETIME, GET_TOPIC_STATS_INFO,
    NO_MESSAGE, SEARCH_OFFSET_BY_TIMESTAMP, SYSTEM_ERROR, TOPIC_NOT_EXIST,
};
use crate::remoting::header::{GroupHeader, Header, QueueHeader, SearchOffsetHeader, TopicHeader};
use crate::remoting::{self, Link};
use crate::topic::consumers::ConsumerConnectionBody;
use crate::topic::{BrokerFailure, QueueStat, decode_topic_stats};

/// Whether a broker resets offsets server-side (5.x and rocketmq-rust), from the version its reply
/// header carries (a cheap request: the runtime info that names the version takes ~0.5 s on 5.x),
/// and the group's connections as this broker knows them.
async fn probe_broker(
    addr: &str,
    group: &str,
    link: &Link,
) -> Result<(bool, Option<ConsumerConnectionBody>)> {
    let ext = GroupHeader {
        consumer_group: group.to_owned(),
    };
    let r = link.invoke(addr, GET_CONSUMER_CONNECTION_LIST, ext).await?;
    let v5 = i64::from(r.version) >= i64::from(RocketMqVersion::V5_0_0.ordinal());
    if r.code == CONSUMER_NOT_ONLINE {
        return Ok((v5, None));
    }
    let r = remoting::check(addr, "consumer connections", r)?;
    Ok((v5, Some(remoting::decode_json(&r.body, "consumer connections")?)))
}
async fn topic_stats(addr: &str, topic: &str, link: &Link) -> Result<Vec<QueueStat>> {
    let ext = TopicHeader {
        topic: topic.to_owned(),
    };
    let r = link
        .request_with(addr, GET_TOPIC_STATS_INFO, ext, "topic stats")
        .await?;
    decode_topic_stats(&r.body)
}

async fn ext_i64(
    addr: &str,
    code: i32,
    ext: impl Header,
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
pub(crate) async fn progress_of(
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

/// The masters that answered the probe, which of them reset server-side, the group's clients as
/// the broker seeing most of them tells, and the masters that did not answer.
pub(super) struct Reach {
    pub(super) masters: Vec<RoutedBroker>,
    pub(super) server_side: BTreeSet<String>,
    pub(super) conns: Option<ConsumerConnectionBody>,
    pub(super) failed: Vec<BrokerFailure>,
}

fn failure(b: &RoutedBroker, e: &Error) -> BrokerFailure {
    BrokerFailure {
        broker_name: b.broker_name.clone(),
        addr: b.addr.clone(),
        error: e.summary(),
    }
}

/// Probes every master: one that does not answer is reported, its queues left alone.
pub(super) async fn reach(all_masters: &[RoutedBroker], group: &str, link: &Link) -> Result<Reach> {
    let probes = join_all(all_masters.iter().map(|b| probe_broker(&b.addr, group, link))).await;
    let mut r = Reach {
        masters: Vec::new(),
        server_side: BTreeSet::new(),
        conns: None,
        failed: Vec::new(),
    };
    for (b, v) in all_masters.iter().zip(probes) {
        match v {
            Ok((s, c)) => {
                if s {
                    r.server_side.insert(b.broker_name.clone());
                }
                // The broker that sees the most clients (each client heartbeats to the brokers
                // of its routes; a master outside them sees none).
                let seen =
                    |c: &Option<ConsumerConnectionBody>| c.as_ref().map_or(0, |c| c.connection_set.len());
                if r.conns.is_none() || seen(&c) > seen(&r.conns) {
                    r.conns = c;
                }
                r.masters.push(b.clone());
            }
            Err(e) => r.failed.push(failure(b, &e)),
        }
    }
    if r.masters.is_empty() {
        return Err(Error::Unreachable {
            target: "every master broker".into(),
            detail: r
                .failed
                .iter()
                .map(|f| f.error.clone())
                .collect::<Vec<_>>()
                .join("; "),
        });
    }
    Ok(r)
}

/// Topics: the one asked for, or every topic the group has offsets on or subscribes.
pub(super) async fn topics_to_reset(
    request: &ResetRequest,
    group: &str,
    reach: &mut Reach,
    link: &Link,
) -> Result<Vec<String>> {
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
            let answers = join_all(
                reach
                    .masters
                    .iter()
                    .map(|b| group_stats(&b.addr, group, None, link)),
            )
            .await;
            for (b, r) in reach.masters.iter().zip(answers) {
                match r {
                    Ok((qs, _)) => set.extend(qs.into_iter().map(|q| q.topic)),
                    Err(e) => reach.failed.push(failure(b, &e)),
                }
            }
            if let Some(c) = &reach.conns {
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
    Ok(topics)
}

/// Queue ranges of every topic on every master; `NotFound` for a topic no master has.
pub(super) async fn queue_ranges(
    topics: &[String],
    reach: &mut Reach,
    link: &Link,
) -> Result<Vec<(RoutedBroker, String, QueueStat)>> {
    let stats = join_all(reach.masters.iter().flat_map(|b| {
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
            Err(e) => reach.failed.push(failure(b, &e)),
        }
    }
    for t in topics {
        if !ranges.iter().any(|(_, rt, _)| rt == t) && topic_missing.contains(t) {
            return Err(Error::not_found(format!("topic '{t}'")));
        }
    }
    Ok(ranges)
}

/// Adds the brokers whose progress could not be read to the failures (once per broker).
pub(super) fn note_progress_failures(reach: &mut Reach, errs: Vec<(String, Error)>) {
    for (name, e) in errs {
        if !reach.failed.iter().any(|f| f.broker_name == name) {
            let addr = reach
                .masters
                .iter()
                .find(|b| b.broker_name == name)
                .map(|b| b.addr.clone())
                .unwrap_or_default();
            reach.failed.push(BrokerFailure {
                broker_name: name,
                addr,
                error: e.summary(),
            });
        }
    }
}

/// Per queue: the offset at the asked time (`-1` when the broker could not search) and, for a reset
/// to the earliest, the earliest store time. One request per queue, bounded.
pub(super) async fn lookups(
    ranges: &[(RoutedBroker, String, QueueStat)],
    mode: &ResetMode,
    link: &Link,
) -> HashMap<QueueKey, (Option<i64>, Option<i64>)> {
    futures::stream::iter(
        ranges
            .iter()
            .map(|(b, t, q)| (b.addr.clone(), t.clone(), q.clone()))
            .collect::<Vec<_>>(),
    )
    .map(|(addr, topic, q)| {
        let (mode, link) = (mode.clone(), link.clone());
        async move {
            let link = &link;
            let base = QueueHeader {
                topic: topic.clone(),
                queue_id: q.queue_id,
            };
            let by_time = match &mode {
                ResetMode::Timestamp { at } => {
                    let ext = SearchOffsetHeader {
                        topic: topic.clone(),
                        queue_id: q.queue_id,
                        timestamp: at.0,
                    };
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
    .await
}
