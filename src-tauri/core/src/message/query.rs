//! Finding messages: by message id (a producer's unique key, or a broker's offset id) and by key.
//!
//! Both use the broker's message index through `QUERY_MESSAGE` (12) on every master of the topic.
//! A broker answers at most `maxMsgsNumBatch` (64 by default) hits per request — the newest in the
//! window — so a window that comes back full is split in two and both halves asked again, until no
//! window is full: there is no 64-message ceiling. The user's own cap (default 1,000) keeps the
//! newest hits and sets `truncated`. The index matches by hash, so every hit is checked against
//! the key it was asked for. A unique-key lookup (`_UNIQUE_KEY_QUERY`) needs the topic (the index
//! key is `topic#id`); an offset id names its broker and commit-log offset and needs none
//! (`VIEW_MESSAGE_BY_ID`, 33).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use futures::future::join_all;
use serde::{Deserialize, Serialize};

use super::{MessageView, Stored, decode_view};
use crate::cluster::routed_brokers;
use crate::console::Console;
use crate::error::{Error, Result};
use crate::model::{ConnectionId, Millis, Offset};
use crate::registry::LiveClient;
use crate::remoting;
use crate::remoting::code::{QUERY_MESSAGE, QUERY_NOT_FOUND, VIEW_MESSAGE_BY_ID};
use crate::topic::BrokerFailure;
use crate::topic::topic_route;

/// Hits asked for per request (the broker's default `maxMsgsNumBatch`).
const MAX_NUM: u32 = 64;
/// A reply with at least this many hits may have been cut by the broker (brokers configured with a
/// smaller `maxMsgsNumBatch` or `defaultQueryMaxNum` cut at 32): its window is split.
const SPLIT_AT: usize = 32;
/// The user cap when none is given, and the most one lookup returns.
pub const DEFAULT_LIMIT: u32 = 1000;
pub const MAX_LIMIT: u32 = 10_000;
/// Default window of a key lookup: the last three days.
const DEFAULT_WINDOW_MS: i64 = 3 * 24 * 3600 * 1000;
/// Characters of a body shown in a result row.
const PREVIEW_CHARS: usize = 160;

/// A lookup by key.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct KeyQuery {
    pub topic: String,
    pub key: String,
    /// Store time from (inclusive); default: three days before `end`.
    pub begin: Option<Millis>,
    /// Store time to (inclusive); default: now.
    pub end: Option<Millis>,
    /// Most hits returned (the newest); default 1,000.
    pub limit: Option<u32>,
}

/// One message of a result list.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct MessageRow {
    pub topic: String,
    pub msg_id: Option<String>,
    pub offset_msg_id: String,
    pub tags: Option<String>,
    pub keys: Vec<String>,
    pub broker_name: String,
    pub queue_id: u32,
    pub queue_offset: Offset,
    pub store_timestamp: Millis,
    pub born_timestamp: Millis,
    pub born_host: String,
    pub store_host: String,
    pub reconsume_times: u32,
    pub body_size: u32,
    /// The start of the body when it is text.
    pub body_preview: Option<String>,
}

/// What a key lookup found, and how far it looked.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct KeyQueryResult {
    pub rows: Vec<MessageRow>,
    /// More hits than the cap: the newest `limit` are shown.
    pub truncated: bool,
    pub begin: Millis,
    pub end: Millis,
    /// Requests sent (one per window per broker).
    pub requests: u32,
    /// Windows narrowed because a broker answered a full page (the walk went on before its oldest hit).
    pub splits: u32,
    /// Hits the index returned for another key with the same hash (dropped).
    pub collisions: u32,
    pub brokers: Vec<String>,
    pub failed_brokers: Vec<BrokerFailure>,
    /// Things the lookup could not do (e.g. a millisecond with more hits than a page).
    pub notes: Vec<String>,
    pub elapsed_ms: f64,
}

/// A lookup by message id.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct IdQuery {
    pub id: String,
    /// Needed for a unique key (the index key is `topic#id`); an offset id names its broker.
    pub topic: Option<String>,
}

/// What kind of id matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum IdKind {
    /// The producer's unique key (`UNIQ_KEY`, the client-side message id).
    UniqueKey,
    /// The broker's offset id (store host + commit-log offset).
    OffsetId,
}

/// What a lookup by id found.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct IdLookup {
    pub matched_as: IdKind,
    /// Several for a unique key sent more than once (a retried send stores a copy each time).
    pub messages: Vec<MessageView>,
    pub notes: Vec<String>,
    pub elapsed_ms: f64,
}

/// Splits a reply body of stored messages (each prefixed by its total size) into [`Stored`]
/// messages, without copying their bodies.
pub(crate) fn decode_stored(body: bytes::Bytes) -> Result<Vec<Stored>> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while at + 4 <= body.len() {
        let size = i32::from_be_bytes([body[at], body[at + 1], body[at + 2], body[at + 3]]);
        let size = usize::try_from(size).unwrap_or(0);
        if size < 4 || at + size > body.len() {
            return Err(Error::BrokerRejected {
                target: "broker".into(),
                operation: "decode messages".into(),
                code: -1,
                detail: format!(
                    "a stored message at byte {at} says it is {size} bytes long; the reply has {} left",
                    body.len() - at
                ),
            });
        }
        out.push(Stored::decode(body.slice(at..at + size))?);
        at += size;
    }
    Ok(out)
}

/// [`decode_stored`] made views.
pub fn decode_views(body: &[u8]) -> Result<Vec<MessageView>> {
    Ok(decode_stored(bytes::Bytes::copy_from_slice(body))?
        .iter()
        .map(Stored::view)
        .collect())
}

/// The start of a text body, for list rows.
pub(crate) fn preview(text: &str) -> String {
    text.chars().take(PREVIEW_CHARS).collect()
}

pub(crate) fn row_of(m: MessageView, broker_name: &str) -> MessageRow {
    MessageRow {
        body_preview: m
            .body_text
            .as_ref()
            .map(|t| t.chars().take(PREVIEW_CHARS).collect()),
        topic: m.topic,
        msg_id: m.msg_id,
        offset_msg_id: m.offset_msg_id,
        tags: m.tags,
        keys: m.keys,
        broker_name: broker_name.to_owned(),
        queue_id: m.queue_id,
        queue_offset: m.queue_offset,
        store_timestamp: m.store_timestamp,
        born_timestamp: m.born_timestamp,
        born_host: m.born_host,
        store_host: m.store_host,
        reconsume_times: m.reconsume_times,
        body_size: m.body_size,
    }
}

/// One `QUERY_MESSAGE` request: the stored messages it returned (none on `QUERY_NOT_FOUND`).
async fn query(
    client: &LiveClient,
    addr: &str,
    topic: &str,
    key: &str,
    window: (i64, i64),
    unique: bool,
) -> Result<Vec<MessageView>> {
    let mut ext = BTreeMap::from([
        ("topic".to_owned(), topic.to_owned()),
        ("key".to_owned(), key.to_owned()),
        ("maxNum".to_owned(), MAX_NUM.to_string()),
        ("beginTimestamp".to_owned(), window.0.to_string()),
        ("endTimestamp".to_owned(), window.1.to_string()),
    ]);
    if unique {
        ext.insert("_UNIQUE_KEY_QUERY".to_owned(), "true".to_owned());
    }
    let r = client.link.invoke(addr, QUERY_MESSAGE, ext).await?;
    if r.code == QUERY_NOT_FOUND {
        return Ok(Vec::new());
    }
    let r = remoting::check(addr, "query message", r)?;
    decode_views(&r.body)
}

/// A master of a topic's route: broker name, address, read queues of the topic there.
#[derive(Debug, Clone)]
pub(crate) struct TopicMaster {
    pub(crate) broker_name: String,
    pub(crate) addr: String,
    pub(crate) read_queues: u32,
}

/// The masters of `topic`'s route, by broker name.
pub(crate) async fn topic_masters(client: &LiveClient, topic: &str) -> Result<Vec<TopicMaster>> {
    let route = topic_route(client, topic).await?;
    let mut masters: Vec<TopicMaster> = route
        .broker_datas
        .iter()
        .filter_map(|b| {
            b.broker_addrs.get("0").map(|a| TopicMaster {
                broker_name: b.broker_name.clone(),
                addr: a.clone(),
                read_queues: route
                    .queue_datas
                    .iter()
                    .find(|q| q.broker_name == b.broker_name)
                    .map_or(0, |q| q.read_queue_nums),
            })
        })
        .collect();
    masters.sort_by(|a, b| a.broker_name.cmp(&b.broker_name));
    Ok(masters)
}

/// Per broker: the hits (deduplicated by offset id), requests, splits, collisions, capped, notes.
struct BrokerHits {
    rows: BTreeMap<String, MessageRow>,
    requests: u32,
    splits: u32,
    collisions: u32,
    capped: bool,
    notes: Vec<String>,
}

/// Walks `window` on one broker newest first, a page of index hits at a time, until there are no
/// more or more than `limit`. A broker answers the newest hits of a window (it walks its index
/// files and their hash chains newest first), so after a full page the next window ends at the
/// oldest hit returned. The index keeps store times to the second (relative to its file's start):
/// when a page brings nothing new, more hits share one index second than a page holds, and that
/// second is read by pulling the broker's queues over it instead; the walk goes on before it.
async fn key_hits(
    client: &LiveClient,
    broker: &TopicMaster,
    q: &KeyQuery,
    window: (i64, i64),
    limit: usize,
) -> Result<BrokerHits> {
    let mut out = BrokerHits {
        rows: BTreeMap::new(),
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
            let fresh = !out.rows.contains_key(&id);
            out.rows
                .entry(id)
                .or_insert_with(|| row_of(m, &broker.broker_name));
            fresh
        } else {
            false
        }
    };
    let mut end = window.1;
    while end >= window.0 {
        if out.rows.len() > limit {
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
        let scanned = crate::message::scan::key_in_range(client, &q.topic, broker, second, &q.key).await?;
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
    if out.rows.len() > limit {
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
                    result.rows.extend(h.rows.into_values());
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

    /// A message by its id: as a unique key of `topic` first (when a topic is given), then as an
    /// offset id; says which matched.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn message_by_id(&self, id: &ConnectionId, q: &IdQuery) -> Result<IdLookup> {
        let start = Instant::now();
        let msg_id = q.id.trim().to_ascii_uppercase();
        if msg_id.len() < 32 || !msg_id.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(Error::validation(format!(
                "'{}' is not a message id: a unique key or an offset id is 32 or more hex digits.",
                q.id.trim()
            )));
        }
        let (_, client) = self.client(id).await?;
        let topic = q.topic.as_deref().map(str::trim).filter(|t| !t.is_empty());
        let mut notes = Vec::new();
        if let Some(topic) = topic {
            let masters = topic_masters(&client, topic).await?;
            let found = join_all(
                masters
                    .iter()
                    .map(|m| query(&client, &m.addr, topic, &msg_id, (0, i64::MAX), true)),
            )
            .await;
            let mut messages: Vec<MessageView> = Vec::new();
            for (m, r) in masters.iter().zip(found) {
                match r {
                    Ok(ms) => messages.extend(ms.into_iter().filter(|v| {
                        v.msg_id
                            .as_deref()
                            .is_some_and(|u| u.eq_ignore_ascii_case(&msg_id))
                    })),
                    Err(e) => notes.push(format!("{} did not answer: {e}", m.broker_name)),
                }
            }
            if !messages.is_empty() {
                messages.sort_by_key(|v| v.store_timestamp);
                return Ok(IdLookup {
                    matched_as: IdKind::UniqueKey,
                    messages,
                    notes,
                    elapsed_ms: start.elapsed().as_secs_f64() * 1000.0,
                });
            }
            notes.push(format!("Not a unique key of '{topic}'."));
        }
        // An offset id: only when it names a broker of this connection (a unique key decodes to a
        // made-up address that must not be dialled).
        let decoded = rocketmq_protocol::common::message::message_decoder::decode_message_id(&msg_id).ok();
        let known: BTreeSet<String> = routed_brokers(&client)
            .await?
            .into_iter()
            .map(|b| b.addr)
            .collect();
        let Some(parsed) = decoded.filter(|p| known.contains(&p.address.to_string())) else {
            return Err(match topic {
                Some(t) => Error::not_found(format!(
                    "message '{msg_id}': not a unique key of topic '{t}', and not an offset id of a broker of this cluster"
                )),
                None => Error::validation(format!(
                    "'{msg_id}' is not an offset id of a broker of this cluster. If it is a unique key (the \
                     producer's message id), give its topic."
                )),
            });
        };
        let addr = parsed.address.to_string();
        let ext = BTreeMap::from([("offset".to_owned(), parsed.offset.to_string())]);
        let r = client.link.invoke(&addr, VIEW_MESSAGE_BY_ID, ext).await?;
        if r.code != 0 {
            return Err(Error::not_found(format!(
                "message at commit-log offset {} of {addr} ({})",
                parsed.offset,
                r.remark.unwrap_or_default()
            )));
        }
        let view = decode_view(&r.body)?;
        if let Some(t) = topic
            && view.topic != t
        {
            notes.push(format!(
                "The offset id points to a message of topic '{}', not '{t}'.",
                view.topic
            ));
        }
        Ok(IdLookup {
            matched_as: IdKind::OffsetId,
            messages: vec![view],
            notes,
            elapsed_ms: start.elapsed().as_secs_f64() * 1000.0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_truncated_reply_is_an_error_not_a_panic() {
        // Says 100 bytes, has 8.
        let body = [0, 0, 0, 100, 1, 2, 3, 4];
        assert!(decode_views(&body).is_err());
        assert!(decode_views(&[]).unwrap().is_empty());
        assert!(decode_views(&[0, 0, 0, 2]).is_err());
    }
}
