//! The consumer groups of a topic, with their lag: which groups consume it
//! (`QUERY_TOPIC_CONSUME_BY_WHO`, 300, on every master), then per group and master the consume stats
//! of this topic (`GET_CONSUME_STATS`, 208) and, once per group, its online clients
//! (`GET_CONSUMER_CONNECTION_LIST`, 203). Requests run in parallel, at most 32 in flight.

use std::collections::{BTreeMap, BTreeSet};

use futures::StreamExt as _;
use futures::future::join_all;
use serde::{Deserialize, Serialize};

use crate::console::Console;
use crate::error::{Error, Result};
use crate::model::{ConnectionId, Millis, Offset};
use crate::remoting;
use crate::remoting::Link;
use crate::remoting::code::{
    CONSUMER_NOT_ONLINE, GET_CONSUME_STATS, GET_CONSUMER_CONNECTION_LIST, QUERY_TOPIC_CONSUME_BY_WHO,
};
use crate::remoting::header::{ConsumeStatsHeader, GroupHeader, TopicHeader};

use super::{BrokerFailure, RouteBody, topic_route};

const CONCURRENCY: usize = 32;

/// A client connection of a consumer group.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ClientConnection {
    pub client_id: String,
    pub addr: String,
    pub language: String,
    /// The client's RocketMQ version code as it announces it.
    pub version: u32,
}

/// One consumer group of a topic.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TopicConsumer {
    pub group: String,
    /// Messages not yet consumed from this topic; absent when it cannot be known.
    pub lag: Option<Offset>,
    /// Why the lag is unknown (no committed offset, a broker did not answer, ...).
    pub lag_note: Option<String>,
    pub consume_tps: f64,
    /// Store time of the last consumed message, over the queues.
    pub last_consume: Option<Millis>,
    pub clients: Vec<ClientConnection>,
    /// `CONSUME_ACTIVELY` (pull), `CONSUME_PASSIVELY` (push) or `CONSUME_POP`, when online.
    pub consume_type: Option<String>,
    /// `CLUSTERING` or `BROADCASTING`, when online.
    pub message_model: Option<String>,
}

/// The consumer groups of a topic.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TopicConsumers {
    pub topic: String,
    pub fetched_at: Millis,
    pub groups: Vec<TopicConsumer>,
    pub failed_brokers: Vec<BrokerFailure>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GroupListBody {
    #[serde(default)]
    group_list: BTreeSet<String>,
}

/// A `ConsumerConnection` body (203): the group's clients, what they subscribe and how they consume.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ConsumerConnectionBody {
    #[serde(default)]
    pub(crate) connection_set: Vec<remoting::ConnectionBody>,
    #[serde(default)]
    pub(crate) consume_type: Option<String>,
    #[serde(default)]
    pub(crate) message_model: Option<String>,
    #[serde(default)]
    pub(crate) consume_from_where: Option<String>,
    #[serde(default)]
    pub(crate) subscription_table: std::collections::HashMap<String, SubscriptionBody>,
}

/// One subscription of a `ConsumerConnection` body.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SubscriptionBody {
    #[serde(default)]
    pub(crate) topic: String,
    #[serde(default)]
    pub(crate) sub_string: String,
    #[serde(default)]
    pub(crate) expression_type: Option<String>,
}

/// One request of the consumers round: (group, broker, addr) stats or (group, addr) clients.
enum Ask {
    Stats(String, String, String),
    Clients(String, String),
}

/// Its answer.
enum Got {
    Stats(String, String, Result<(Vec<QueueProgress>, f64)>),
    Clients(String, Result<Option<ConsumerConnectionBody>>),
}

/// What is gathered for one group before it becomes a row.
#[derive(Default)]
struct GroupAcc {
    queues: Vec<QueueProgress>,
    tps: f64,
    errors: Vec<String>,
    conn: Option<ConsumerConnectionBody>,
}

/// One queue's consume progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QueueProgress {
    pub topic: String,
    pub broker_name: String,
    pub queue_id: u32,
    pub broker_offset: i64,
    pub consumer_offset: i64,
    pub last_timestamp: i64,
}

/// Decodes a `ConsumeStats` body: `offsetTable` keyed by message-queue objects, and `consumeTps`.
pub(crate) fn decode_consume_stats(body: &[u8]) -> Result<(Vec<QueueProgress>, f64)> {
    let text = String::from_utf8_lossy(body);
    let outer = remoting::raw_entries(&text)?;
    let tps = outer
        .iter()
        .find(|(k, _)| *k == "\"consumeTps\"")
        .and_then(|(_, v)| v.trim().parse::<f64>().ok())
        .unwrap_or(0.0);
    let Some((_, table)) = outer.iter().find(|(k, _)| *k == "\"offsetTable\"") else {
        return Ok((Vec::new(), tps));
    };
    let num = |v: &serde_json::Value, k: &str| v.get(k).and_then(serde_json::Value::as_i64).unwrap_or(0);
    let text_of = |v: &serde_json::Value, k: &str| {
        v.get(k)
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let queues = remoting::object_keyed_entries(table)?
        .into_iter()
        .map(|(mq, w)| QueueProgress {
            topic: text_of(&mq, "topic"),
            broker_name: text_of(&mq, "brokerName"),
            queue_id: u32::try_from(num(&mq, "queueId")).unwrap_or(0),
            broker_offset: num(&w, "brokerOffset"),
            consumer_offset: w
                .get("consumerOffset")
                .and_then(serde_json::Value::as_i64)
                .unwrap_or(-1),
            last_timestamp: num(&w, "lastTimestamp"),
        })
        .collect();
    Ok((queues, tps))
}

/// Lag over the queues; unknown when a queue has no committed offset.
pub(crate) fn lag_of(queues: &[QueueProgress]) -> (Option<i64>, Option<String>) {
    let uncommitted = queues.iter().filter(|q| q.consumer_offset < 0).count();
    if uncommitted > 0 {
        return (
            None,
            Some(format!(
                "{uncommitted} queue(s) have no committed offset yet (POP, proxy or never consumed)"
            )),
        );
    }
    (
        Some(
            queues
                .iter()
                .map(|q| (q.broker_offset - q.consumer_offset).max(0))
                .sum(),
        ),
        None,
    )
}

impl Console {
    /// The groups consuming `topic`, with lag, TPS, last consume time and online clients.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn topic_consumers(&self, id: &ConnectionId, topic: &str) -> Result<TopicConsumers> {
        let (_, client) = self.client(id).await?;
        let route = topic_route(&client, topic).await?;
        let masters = masters_of(&route);
        let (groups, failed) = groups_consuming(&client.link, &masters, topic).await;
        // Consume stats per (group, master) and connections per group, all in one bounded stream.
        let answers = ask_all(&client.link, topic, asks_for(&groups, &masters)).await;
        let groups = gather(&groups, answers)
            .into_iter()
            .map(|(g, acc)| consumer_row(g, acc))
            .collect();
        Ok(TopicConsumers {
            topic: topic.to_owned(),
            fetched_at: Millis::now(),
            groups,
            failed_brokers: failed,
        })
    }
}

/// The (broker name, address) of every master in the route.
fn masters_of(route: &RouteBody) -> Vec<(String, String)> {
    route
        .broker_datas
        .iter()
        .filter_map(|b| {
            b.broker_addrs
                .get("0")
                .map(|a| (b.broker_name.clone(), a.clone()))
        })
        .collect()
}

/// Asks every master which groups consume `topic`: their union, and the masters that failed.
async fn groups_consuming(
    link: &Link,
    masters: &[(String, String)],
    topic: &str,
) -> (BTreeSet<String>, Vec<BrokerFailure>) {
    let topic_ext = TopicHeader {
        topic: topic.to_owned(),
    };
    let by_who = join_all(masters.iter().map(|(name, addr)| {
        let ext = topic_ext.clone();
        async move {
            let r = link
                .request_with(addr, QUERY_TOPIC_CONSUME_BY_WHO, ext, "topic consumed by")
                .await
                .and_then(|r| remoting::decode_json::<GroupListBody>(&r.body, "group list"));
            (name, addr, r)
        }
    }))
    .await;
    let mut groups: BTreeSet<String> = BTreeSet::new();
    let mut failed = Vec::new();
    for (name, addr, r) in by_who {
        match r {
            Ok(g) => groups.extend(g.group_list),
            Err(e) => failed.push(BrokerFailure {
                broker_name: name.clone(),
                addr: addr.clone(),
                error: e.summary(),
            }),
        }
    }
    (groups, failed)
}

/// The requests of the round: stats per (group, master), then clients per group from the first master.
fn asks_for(groups: &BTreeSet<String>, masters: &[(String, String)]) -> Vec<Ask> {
    let mut asks: Vec<Ask> = Vec::new();
    for g in groups {
        asks.extend(
            masters
                .iter()
                .map(|(name, addr)| Ask::Stats(g.clone(), name.clone(), addr.clone())),
        );
        if let Some((_, addr)) = masters.first() {
            asks.push(Ask::Clients(g.clone(), addr.clone()));
        }
    }
    asks
}

/// Sends every request, at most [`CONCURRENCY`] in flight, and collects the answers as they come.
async fn ask_all(link: &Link, topic: &str, asks: Vec<Ask>) -> Vec<Got> {
    // Owned inputs: the stream's futures must not borrow (they cross the Tauri command's Send bound).
    futures::stream::iter(asks)
        .map(|ask| answer(link.clone(), topic.to_owned(), ask))
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await
}

/// Sends one request of the round; a group with no online consumer has no clients, not an error.
async fn answer(link: Link, topic: String, ask: Ask) -> Got {
    let link = &link;
    match ask {
        Ask::Stats(g, broker, addr) => {
            let ext = ConsumeStatsHeader {
                consumer_group: g.clone(),
                topic: Some(topic),
            };
            let r = link
                .request_with(&addr, GET_CONSUME_STATS, ext, "consume stats")
                .await
                .and_then(|r| decode_consume_stats(&r.body));
            Got::Stats(g, broker, r)
        }
        Ask::Clients(g, addr) => {
            let ext = GroupHeader {
                consumer_group: g.clone(),
            };
            let r = match link
                .request_with(&addr, GET_CONSUMER_CONNECTION_LIST, ext, "consumer connections")
                .await
            {
                Ok(r) => {
                    remoting::decode_json::<ConsumerConnectionBody>(&r.body, "consumer connections").map(Some)
                }
                Err(Error::BrokerRejected {
                    code: CONSUMER_NOT_ONLINE,
                    ..
                }) => Ok(None),
                Err(e) => Err(e),
            };
            Got::Clients(g, r)
        }
    }
}

/// Folds the answers into one accumulator per group, in group order.
fn gather(groups: &BTreeSet<String>, answers: Vec<Got>) -> BTreeMap<&String, GroupAcc> {
    let mut rows: BTreeMap<&String, GroupAcc> = groups.iter().map(|g| (g, GroupAcc::default())).collect();
    for a in answers {
        match a {
            Got::Stats(g, broker, r) => {
                let Some(row) = rows.get_mut(&g) else { continue };
                match r {
                    Ok((mut q, tps)) => {
                        row.queues.append(&mut q);
                        row.tps += tps;
                    }
                    Err(e) => row.errors.push(format!("{broker}: {e}")),
                }
            }
            Got::Clients(g, r) => {
                let Some(row) = rows.get_mut(&g) else { continue };
                match r {
                    Ok(c) => row.conn = c,
                    Err(e) => row.errors.push(format!("clients: {e}")),
                }
            }
        }
    }
    rows
}

/// One group's row; any failed request makes its lag unknown, with the failures as the note.
fn consumer_row(g: &str, acc: GroupAcc) -> TopicConsumer {
    let GroupAcc {
        queues,
        tps,
        errors,
        conn,
    } = acc;
    let (mut lag, mut note) = lag_of(&queues);
    if !errors.is_empty() {
        lag = None;
        note = Some(errors.join("; "));
    }
    let conn = conn.unwrap_or_default();
    TopicConsumer {
        group: g.to_owned(),
        lag: lag.map(Offset),
        lag_note: note,
        consume_tps: tps,
        last_consume: queues
            .iter()
            .map(|q| q.last_timestamp)
            .filter(|t| *t > 0)
            .max()
            .map(Millis),
        clients: conn
            .connection_set
            .into_iter()
            .map(|c| ClientConnection {
                client_id: c.client_id,
                addr: c.client_addr,
                language: remoting::language_of(&c.language),
                version: c.version,
            })
            .collect(),
        consume_type: conn.consume_type,
        message_model: conn.message_model,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consume_stats_decode_from_java_and_rust_brokers() {
        // fastjson: message-queue objects as keys.
        let java = br#"{"consumeTps":1.5,"offsetTable":{{"brokerName":"broker-a","queueId":0,"topic":"T"}:{"brokerOffset":10,"consumerOffset":4,"lastTimestamp":1764000000000},{"brokerName":"broker-a","queueId":1,"topic":"T"}:{"brokerOffset":3,"consumerOffset":3,"lastTimestamp":0}}}"#;
        let (q, tps) = decode_consume_stats(java).unwrap();
        assert_eq!(tps, 1.5);
        assert_eq!(
            (q[1].topic.as_str(), q[1].broker_name.as_str(), q[1].queue_id),
            ("T", "broker-a", 1)
        );
        assert_eq!(lag_of(&q), (Some(6), None));
        // rocketmq-rust: the same keys written as JSON strings.
        let rust = br#"{"offsetTable":{"{\"brokerName\":\"b\",\"queueId\":0,\"topic\":\"T\"}":{"brokerOffset":5,"consumerOffset":-1,"lastTimestamp":0}},"consumeTps":0.0}"#;
        let (q, _) = decode_consume_stats(rust).unwrap();
        assert_eq!((q[0].topic.as_str(), q[0].broker_name.as_str()), ("T", "b"));
        let (lag, note) = lag_of(&q);
        assert_eq!(lag, None);
        assert!(note.unwrap().contains("no committed offset"));
    }
}
