//! Dead letters: every consumer group with a `%DLQ%<group>` topic, how many messages it holds,
//! their oldest and newest store times, whether the topic can be read (brokers up to 4.9.1 created
//! DLQ topics write-only, and they stay so after an upgrade), and the group's retry-topic backlog
//! beside it.
//!
//! One batched round: the topic list (already batched per master), then per DLQ topic and master
//! hosting it one `GET_TOPIC_STATS_INFO`, one `GET_EARLIEST_MSG_STORETIME` per non-empty queue and
//! one `GET_CONSUME_STATS` of the group's retry topic, at most 32 requests in flight.

pub mod browse;
pub mod journal;
pub mod replay;

use std::collections::BTreeMap;
use std::time::Instant;

use futures::StreamExt as _;
use serde::Serialize;

use crate::cluster::routed_brokers;
use crate::console::Console;
use crate::error::Result;
use crate::model::{ConnectionId, Millis, Offset};
use crate::registry::LiveClient;
use crate::remoting::code::{GET_EARLIEST_MSG_STORETIME, GET_TOPIC_STATS_INFO};
use crate::remoting::header::{QueueHeader, TopicHeader};
use crate::topic::detail::decode_topic_stats;
use crate::topic::{BrokerFailure, QueueStat, TopicType};

/// Prefix of a group's dead-letter topic.
pub const DLQ_PREFIX: &str = "%DLQ%";
/// Prefix of a group's retry topic.
pub const RETRY_PREFIX: &str = "%RETRY%";
/// Requests in flight at once.
const CONCURRENCY: usize = 32;
/// Read permission bit of a topic's `perm`.
const PERM_READ: u32 = 4;

/// One group's dead letters.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DlqRow {
    pub group: String,
    pub dlq_topic: String,
    /// Messages stored (max − min offset over every queue of the masters that answered).
    pub messages: Offset,
    /// Store time of the oldest message still stored.
    pub oldest: Option<Millis>,
    /// Store time of the newest message (the last time a message was dead-lettered).
    pub newest: Option<Millis>,
    /// "RW", "R", "W", "—" or "mixed" (brokers disagree).
    pub perm: String,
    /// Whether the console (and consumers) can read it: every broker hosting it grants read.
    pub readable: bool,
    pub brokers: Vec<String>,
    /// Messages of the group's `%RETRY%` topic not yet consumed; absent when unknown.
    pub retry_backlog: Option<Offset>,
    /// Why the retry backlog is unknown.
    pub retry_note: Option<String>,
    /// Set when a broker hosting the topic did not answer: the figures are partial.
    pub error: Option<String>,
}

/// The dead-letter overview of a connection.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DlqOverview {
    pub fetched_at: Millis,
    pub elapsed_ms: f64,
    pub rows: Vec<DlqRow>,
    pub failed_brokers: Vec<BrokerFailure>,
}

/// The group a DLQ topic belongs to.
pub fn group_of(dlq_topic: &str) -> Option<&str> {
    dlq_topic.strip_prefix(DLQ_PREFIX).filter(|g| !g.is_empty())
}

/// What one master said about one DLQ topic.
struct MasterPart {
    queues: Vec<QueueStat>,
    oldest: Option<i64>,
    retry: Result<Option<i64>>,
}

impl Console {
    /// Every group with a dead-letter topic: counts, oldest and newest store times, readability,
    /// retry backlog; sorted by messages, most first.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn dlq_overview(&self, id: &ConnectionId) -> Result<DlqOverview> {
        let start = Instant::now();
        let listing = self.topic_list(id).await?;
        let (_, client) = self.client(id).await?;
        let masters: BTreeMap<String, String> = routed_brokers(&client)
            .await?
            .into_iter()
            .filter(|b| b.broker_id == 0)
            .map(|b| (b.broker_name, b.addr))
            .collect();
        let dlqs: Vec<_> = listing
            .topics
            .iter()
            .filter(|t| t.topic_type == TopicType::Dlq || t.name.starts_with(DLQ_PREFIX))
            .filter_map(|t| group_of(&t.name).map(|g| (g.to_owned(), t)))
            .collect();
        let asks: Vec<(String, String, String, String)> = dlqs
            .iter()
            .flat_map(|(g, t)| {
                t.brokers.iter().filter_map(|b| {
                    masters
                        .get(b)
                        .map(|addr| (g.clone(), t.name.clone(), b.clone(), addr.clone()))
                })
            })
            .collect();
        let parts: Vec<(String, String, Result<MasterPart>)> = futures::stream::iter(asks)
            .map(|(group, topic, broker, addr)| {
                let client = client.clone();
                async move {
                    let part = master_part(&client, &addr, &topic, &group).await;
                    (topic, broker, part)
                }
            })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        let mut by_topic: BTreeMap<String, Vec<(String, Result<MasterPart>)>> = BTreeMap::new();
        for (topic, broker, part) in parts {
            by_topic.entry(topic).or_default().push((broker, part));
        }
        let mut rows: Vec<DlqRow> = dlqs
            .iter()
            .map(|(group, t)| {
                let perms = by_topic.remove(&t.name).unwrap_or_default();
                row_of(group, t, perms)
            })
            .collect();
        rows.sort_by(|a, b| {
            b.messages
                .0
                .cmp(&a.messages.0)
                .then_with(|| a.group.cmp(&b.group))
        });
        Ok(DlqOverview {
            fetched_at: Millis::now(),
            elapsed_ms: start.elapsed().as_secs_f64() * 1000.0,
            rows,
            failed_brokers: listing.failed_brokers,
        })
    }
}

/// Stats, oldest store time and retry backlog of one DLQ topic on one master.
async fn master_part(client: &LiveClient, addr: &str, topic: &str, group: &str) -> Result<MasterPart> {
    let link = &client.link;
    let r = link
        .request_with(
            addr,
            GET_TOPIC_STATS_INFO,
            TopicHeader {
                topic: topic.to_owned(),
            },
            "get topic stats",
        )
        .await?;
    let queues = decode_topic_stats(&r.body)?;
    let mut oldest: Option<i64> = None;
    for q in queues.iter().filter(|q| q.messages.0 > 0) {
        let ext = QueueHeader {
            topic: topic.to_owned(),
            queue_id: q.queue_id,
        };
        if let Ok(r) = link
            .request_with(addr, GET_EARLIEST_MSG_STORETIME, ext, "earliest store time")
            .await
            && let Some(t) = r.ext.get("timestamp").and_then(|v| v.trim().parse::<i64>().ok())
            && t > 0
        {
            oldest = Some(oldest.map_or(t, |o| o.min(t)));
        }
    }
    let retry_topic = format!("{RETRY_PREFIX}{group}");
    let retry = crate::group::stats::group_stats(addr, group, Some(&retry_topic), link)
        .await
        .map(|(all, _tps)| {
            let queues: Vec<_> = all.into_iter().filter(|q| q.topic == retry_topic).collect();
            crate::topic::consumers::lag_of(&queues).0
        });
    Ok(MasterPart {
        queues,
        oldest,
        retry,
    })
}

fn row_of(group: &str, t: &crate::topic::TopicRow, parts: Vec<(String, Result<MasterPart>)>) -> DlqRow {
    let mut messages = 0i64;
    let mut oldest: Option<i64> = None;
    let mut newest: Option<i64> = None;
    let mut retry: Option<i64> = Some(0);
    let mut retry_note = None;
    let mut errors = Vec::new();
    for (broker, part) in parts {
        match part {
            Ok(p) => {
                messages += p.queues.iter().map(|q| q.messages.0).sum::<i64>();
                for q in &p.queues {
                    if let Some(u) = q.last_update.filter(|u| u.0 > 0) {
                        newest = Some(newest.map_or(u.0, |n| n.max(u.0)));
                    }
                }
                if let Some(o) = p.oldest {
                    oldest = Some(oldest.map_or(o, |x| x.min(o)));
                }
                match p.retry {
                    Ok(Some(n)) => retry = retry.map(|r| r + n),
                    Ok(None) => {}
                    Err(e) => {
                        retry = None;
                        retry_note = Some(format!("{broker}: {}", e.summary()));
                    }
                }
            }
            Err(e) => errors.push(format!("{broker}: {}", e.summary())),
        }
    }
    let readable = t.perm != "mixed" && t.perm.contains('R');
    DlqRow {
        group: group.to_owned(),
        dlq_topic: t.name.clone(),
        messages: Offset(messages),
        oldest: oldest.map(Millis),
        newest: newest.map(Millis),
        perm: t.perm.clone(),
        readable,
        brokers: t.brokers.clone(),
        retry_backlog: retry.map(Offset),
        retry_note,
        error: (!errors.is_empty()).then(|| errors.join("; ")),
    }
}

/// Whether a topic's `perm` grants read.
pub(crate) fn perm_readable(perm: u32) -> bool {
    perm & PERM_READ != 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    #[test]
    fn a_dlq_topic_names_its_group() {
        assert_eq!(group_of("%DLQ%billing"), Some("billing"));
        assert_eq!(group_of("%DLQ%"), None);
        assert_eq!(group_of("%RETRY%billing"), None);
        assert!(perm_readable(6) && perm_readable(4) && !perm_readable(2));
    }

    #[test]
    fn a_write_only_or_mixed_dlq_is_not_readable_and_figures_add_up() {
        let t = crate::topic::TopicRow {
            name: "%DLQ%g".into(),
            topic_type: TopicType::Dlq,
            read_queues: 2,
            write_queues: 2,
            perm: "W".into(),
            brokers: vec!["broker-a".into(), "broker-b".into()],
            warning: None,
        };
        let q = |b: &str, min: i64, max: i64, last: i64| QueueStat {
            broker_name: b.into(),
            queue_id: 0,
            min_offset: Offset(min),
            max_offset: Offset(max),
            messages: Offset(max - min),
            last_update: Some(Millis(last)),
        };
        let parts = vec![
            (
                "broker-a".to_owned(),
                Ok(MasterPart {
                    queues: vec![q("broker-a", 0, 5, 2_000)],
                    oldest: Some(1_000),
                    retry: Ok(Some(3)),
                }),
            ),
            (
                "broker-b".to_owned(),
                Ok(MasterPart {
                    queues: vec![q("broker-b", 2, 4, 3_000)],
                    oldest: Some(1_500),
                    retry: Ok(None),
                }),
            ),
        ];
        let r = row_of("g", &t, parts);
        assert_eq!(
            (r.messages, r.oldest, r.newest),
            (Offset(7), Some(Millis(1_000)), Some(Millis(3_000)))
        );
        assert_eq!(r.retry_backlog, Some(Offset(3)));
        assert!(!r.readable);
        let r = row_of("g", &t, vec![("broker-a".into(), Err(Error::validation("down")))]);
        assert!(r.error.as_deref().is_some_and(|e| e.starts_with("broker-a")));
        assert_eq!(r.messages, Offset(0));
    }
}
