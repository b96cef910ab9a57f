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

mod by_id;
mod by_key;

pub(crate) use by_key::key_hits;

use serde::{Deserialize, Serialize};

use super::{MessageRow, MessageView, decode_views};
use crate::error::Result;
use crate::model::Millis;
use crate::registry::LiveClient;
use crate::remoting;
use crate::remoting::code::{QUERY_MESSAGE, QUERY_NOT_FOUND};
use crate::remoting::header::QueryMessageHeader;
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

/// One `QUERY_MESSAGE` request: the stored messages it returned (none on `QUERY_NOT_FOUND`).
pub(crate) async fn query(
    client: &LiveClient,
    addr: &str,
    topic: &str,
    key: &str,
    window: (i64, i64),
    unique: bool,
) -> Result<Vec<MessageView>> {
    let ext = QueryMessageHeader {
        topic: topic.to_owned(),
        key: key.to_owned(),
        max_num: MAX_NUM,
        begin_timestamp: window.0,
        end_timestamp: window.1,
        unique_key: unique.then_some(true),
    };
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
