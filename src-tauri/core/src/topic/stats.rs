//! Stored messages and last write of the visible topics of the list, read in bounded parallel.

use std::collections::BTreeMap;

use futures::StreamExt as _;
use serde::Serialize;

use crate::cluster::routed_brokers;
use crate::console::Console;
use crate::error::{Error, Result};
use crate::model::{ConnectionId, Millis, Offset};
use crate::remoting::code::{GET_TOPIC_STATS_INFO, TOPIC_NOT_EXIST};
use crate::remoting::header::TopicHeader;

use super::QueueStat;
use super::detail::decode_topic_stats;

/// Stored messages and last write of one topic, for the list's visible rows.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TopicStatsRow {
    pub name: String,
    /// Sum over every queue of max − min offset, on the masters that answered.
    pub total_messages: Offset,
    pub last_update: Option<Millis>,
    /// Set when some master hosting the topic did not answer: the totals are partial.
    pub error: Option<String>,
}

/// At most this many topics per `topic_stats` call (the visible rows of a list).
pub const MAX_STATS_TOPICS: usize = 200;
/// Stats requests in flight at once (more than ~64 made brokers time out in measurements).
const STATS_CONCURRENCY: usize = 32;

impl Console {
    /// Message counts and last write of `topics` (the rows a list shows), filled in lazily: one
    /// `GET_TOPIC_STATS_INFO` per (topic, master hosting it), at most 32 in flight.
    #[tracing::instrument(skip(self, topics), fields(n = topics.len()), err(Debug))]
    pub async fn topic_stats(&self, id: &ConnectionId, topics: &[String]) -> Result<Vec<TopicStatsRow>> {
        if topics.len() > MAX_STATS_TOPICS {
            return Err(Error::validation(format!(
                "Ask for at most {MAX_STATS_TOPICS} topics at once (got {}).",
                topics.len()
            )));
        }
        let (_, client) = self.client(id).await?;
        let masters: Vec<(String, String)> = routed_brokers(&client)
            .await?
            .into_iter()
            .filter(|b| b.broker_id == 0)
            .map(|b| (b.broker_name, b.addr))
            .collect();
        // Owned inputs: the stream's futures must not borrow (they cross the Tauri command's Send bound).
        let link = client.link.clone();
        let pairs: Vec<(String, String, String)> = topics
            .iter()
            .flat_map(|t| {
                masters
                    .iter()
                    .map(move |(name, addr)| (t.clone(), name.clone(), addr.clone()))
            })
            .collect();
        let results: Vec<(String, String, Result<Vec<QueueStat>>)> = futures::stream::iter(pairs)
            .map(|(topic, name, addr)| {
                let link = link.clone();
                async move {
                    let ext = TopicHeader { topic: topic.clone() };
                    let r = link
                        .request_with(&addr, GET_TOPIC_STATS_INFO, ext, "get topic stats")
                        .await
                        .and_then(|r| decode_topic_stats(&r.body));
                    (topic, name, r)
                }
            })
            .buffer_unordered(STATS_CONCURRENCY)
            .collect()
            .await;
        let mut rows: BTreeMap<&String, TopicStatsRow> = topics
            .iter()
            .map(|t| {
                (
                    t,
                    TopicStatsRow {
                        name: t.clone(),
                        total_messages: Offset(0),
                        last_update: None,
                        error: None,
                    },
                )
            })
            .collect();
        for (topic, broker, r) in results {
            let Some(row) = rows.get_mut(&topic) else { continue };
            match r {
                Ok(queues) => {
                    row.total_messages.0 += queues.iter().map(|q| q.messages.0).sum::<i64>();
                    row.last_update = row
                        .last_update
                        .max(queues.iter().filter_map(|q| q.last_update).max());
                }
                // The topic does not live on this master.
                Err(Error::BrokerRejected {
                    code: TOPIC_NOT_EXIST,
                    ..
                }) => {}
                Err(e) => {
                    let msg = format!("{broker}: {e}");
                    row.error = Some(match row.error.take() {
                        Some(prev) => format!("{prev}; {msg}"),
                        None => msg,
                    });
                }
            }
        }
        Ok(topics.iter().filter_map(|t| rows.remove(&t)).collect())
    }
}
