//! Looking messages up by key: each broker's key index walked newest first a page at a time, the
//! seconds with more hits than a page read by pulling instead, the hits merged newest first.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use futures::future::join_all;

use crate::console::Console;
use crate::error::{Error, Result};
use crate::message::MessageView;
use crate::model::{ConnectionId, Millis};
use crate::registry::LiveClient;
use crate::topic::BrokerFailure;

use super::{
    DEFAULT_LIMIT, DEFAULT_WINDOW_MS, KeyQuery, KeyQueryResult, MAX_LIMIT, SPLIT_AT, TopicMaster, query,
    topic_masters,
};
use crate::message::row_of;
use crate::message::scan::PULL_BATCH;
use crate::message::scan::pull::{Range, pull, range_of};

/// Per broker: the hits (deduplicated by offset id), requests, splits, collisions, capped, notes.
pub(crate) struct BrokerHits {
    pub(crate) views: BTreeMap<String, MessageView>,
    pub(crate) requests: u32,
    splits: u32,
    collisions: u32,
    capped: bool,
    pub(crate) notes: Vec<String>,
}

/// Walks `window` on one broker newest first, a page of index hits at a time, until there are no
/// more or more than `limit`. A broker answers the newest hits of a window (it walks its index
/// files and their hash chains newest first), so after a full page the next window ends at the
/// oldest hit returned. The index keeps store times to the second (relative to its file's start):
/// when a page brings nothing new, more hits share one index second than a page holds, and that
/// second is read by pulling the broker's queues over it instead; the walk goes on before it.
pub(crate) async fn key_hits(
    client: &LiveClient,
    broker: &TopicMaster,
    q: &KeyQuery,
    window: (i64, i64),
    limit: usize,
) -> Result<BrokerHits> {
    let mut out = BrokerHits {
        views: BTreeMap::new(),
        requests: 0,
        splits: 0,
        collisions: 0,
        capped: false,
        notes: Vec::new(),
    };
    let mut seen_collisions = BTreeSet::new();
    let mut keep = |m: MessageView, out: &mut BrokerHits| -> bool {
        let ts = m.store_timestamp.0;
        if m.topic != q.topic || !m.keys.iter().any(|k| k == &q.key) {
            seen_collisions.insert(m.offset_msg_id.clone())
        } else if ts >= window.0 && ts <= window.1 {
            let id = m.offset_msg_id.clone();
            let fresh = !out.views.contains_key(&id);
            out.views.entry(id).or_insert(m);
            fresh
        } else {
            false
        }
    };
    let mut end = window.1;
    while end >= window.0 {
        if out.views.len() > limit {
            break;
        }
        // The index compares its second-rounded times: start a second early, filter exactly.
        let found = query(
            client,
            &broker.addr,
            &q.topic,
            &q.key,
            (window.0 - 999, end),
            false,
        )
        .await?;
        out.requests += 1;
        let full = found.len() >= SPLIT_AT;
        let oldest = found.iter().map(|m| m.store_timestamp.0).min();
        let mut fresh = 0usize;
        for m in found {
            if keep(m, &mut out) {
                fresh += 1;
            }
        }
        let Some(oldest) = oldest.filter(|_| full) else {
            break;
        };
        if fresh > 0 && oldest < end {
            out.splits += 1;
            end = oldest;
            continue;
        }
        // A full page and nothing new: one index second holds more hits than a page. Pull it.
        let second = (oldest.saturating_sub(999).max(window.0), oldest.min(window.1));
        let scanned = key_in_range(client, &q.topic, broker, second, &q.key).await?;
        out.notes.push(format!(
            "{}: more hits in the second before {} than the index returns at once; that second was scanned.",
            broker.broker_name,
            crate::audit::iso8601(Millis(oldest))
        ));
        for m in scanned {
            keep(m, &mut out);
        }
        end = second.0 - 1;
    }
    out.collisions = u32::try_from(seen_collisions.len()).unwrap_or(u32::MAX);
    if out.views.len() > limit {
        out.capped = true;
    }
    Ok(out)
}

impl Console {
    /// Every message of `topic` with `key` in the window, with no per-request ceiling; the newest
    /// `limit` when there are more (`truncated`).
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn message_by_key(&self, id: &ConnectionId, q: &KeyQuery) -> Result<KeyQueryResult> {
        let start = Instant::now();
        if q.topic.trim().is_empty() || q.key.trim().is_empty() {
            return Err(Error::validation("Give a topic and a key."));
        }
        if q.key.contains(' ') {
            return Err(Error::validation(
                "A key has no spaces: RocketMQ stores a message's keys separated by spaces.",
            ));
        }
        let end = q.end.unwrap_or_else(Millis::now).0;
        let begin = q.begin.map_or(end - DEFAULT_WINDOW_MS, |b| b.0);
        if begin > end {
            return Err(Error::validation("The window starts after it ends."));
        }
        let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
        if limit == 0 || limit > MAX_LIMIT {
            return Err(Error::validation(format!(
                "The cap must be between 1 and {MAX_LIMIT} (got {limit})."
            )));
        }
        let (_, client) = self.client(id).await?;
        let masters = topic_masters(&client, &q.topic).await?;
        let per = join_all(
            masters
                .iter()
                .map(|m| key_hits(&client, m, q, (begin, end), limit as usize)),
        )
        .await;
        let mut result = KeyQueryResult {
            rows: Vec::new(),
            truncated: false,
            begin: Millis(begin),
            end: Millis(end),
            requests: 0,
            splits: 0,
            collisions: 0,
            brokers: masters.iter().map(|m| m.broker_name.clone()).collect(),
            failed_brokers: Vec::new(),
            notes: Vec::new(),
            elapsed_ms: 0.0,
        };
        for (m, r) in masters.iter().zip(per) {
            match r {
                Ok(h) => {
                    result.requests += h.requests;
                    result.splits += h.splits;
                    result.collisions += h.collisions;
                    result.truncated |= h.capped;
                    result.notes.extend(h.notes);
                    result
                        .rows
                        .extend(h.views.into_values().map(|v| row_of(v, &m.broker_name)));
                }
                Err(e) => result.failed_brokers.push(BrokerFailure {
                    broker_name: m.broker_name.clone(),
                    addr: m.addr.clone(),
                    error: e.summary(),
                }),
            }
        }
        if !result.failed_brokers.is_empty() && result.failed_brokers.len() == masters.len() {
            let f = &result.failed_brokers;
            return Err(Error::Unreachable {
                target: format!("every master of '{}'", q.topic),
                detail: f
                    .iter()
                    .map(|f| format!("{}: {}", f.broker_name, f.error))
                    .collect::<Vec<_>>()
                    .join("; "),
            });
        }
        result.rows.sort_by(|a, b| {
            (b.store_timestamp, &b.broker_name, b.queue_offset).cmp(&(
                a.store_timestamp,
                &a.broker_name,
                a.queue_offset,
            ))
        });
        if result.rows.len() > limit as usize {
            result.rows.truncate(limit as usize);
            result.truncated = true;
        }
        result.elapsed_ms = start.elapsed().as_secs_f64() * 1000.0;
        Ok(result)
    }
}

/// Every message of `topic` on `broker` stored in `window` with `key`, by pulling each queue over
/// that window (the key lookup's fallback for a second with more hits than the index returns).
async fn key_in_range(
    client: &LiveClient,
    topic: &str,
    broker: &TopicMaster,
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
