//! One consumer group in detail: per queue the broker and consumer offsets, lag, the client holding
//! the queue and the last consume time; subscriptions; online clients; the retry and dead-letter
//! topics; on demand a client's running info and jstack (`GET_CONSUMER_RUNNING_INFO`, 307, which the
//! broker forwards to the client).

use std::collections::{BTreeMap, HashMap};

use futures::StreamExt as _;
use futures::future::join_all;
use serde::Serialize;

use crate::cluster::{RoutedBroker, routed_brokers};
use crate::console::Console;
use crate::error::{Error, Result};
use crate::model::{ConnectionId, Millis, Offset};
use crate::remoting;
use crate::remoting::Link;
use crate::remoting::code::GET_CONSUMER_RUNNING_INFO;
use crate::remoting::header::RunningInfoHeader;
use crate::topic::BrokerFailure;
use crate::topic::consumers::{ConsumerConnectionBody, QueueProgress, SubscriptionBody};

use super::stats::{all_group_configs, group_connections, group_lag, group_stats};
use super::{GroupConfig, version_name};

/// One queue of a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct GroupQueue {
    pub topic: String,
    pub broker_name: String,
    pub queue_id: u32,
    pub broker_offset: Offset,
    /// The committed offset; `-1` when none is.
    pub consumer_offset: Offset,
    pub lag: Offset,
    /// The client id holding the queue, when the group's clients said.
    pub client: Option<String>,
    /// Store time of the last consumed message.
    pub last_consume: Option<Millis>,
}

/// One topic of a group, summed over its queues.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct GroupTopic {
    pub topic: String,
    pub queues: u32,
    pub lag: Option<Offset>,
    pub lag_note: Option<String>,
    pub last_consume: Option<Millis>,
}

/// A subscription of the group's online clients.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    pub topic: String,
    /// `TAG` or `SQL92`.
    pub expression_type: String,
    pub expression: String,
}

/// An online client of the group.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct GroupClient {
    pub client_id: String,
    pub addr: String,
    pub language: String,
    pub version: String,
}

/// A topic of the group kept by the broker (`%RETRY%group`, `%DLQ%group`), with its message count.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct GroupSideTopic {
    pub topic: String,
    pub exists: bool,
    pub messages: Offset,
    pub last_update: Option<Millis>,
}

/// One consumer group in detail.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct GroupDetail {
    pub group: String,
    pub fetched_at: Millis,
    /// The config on each broker holding it.
    pub configs: Vec<(String, GroupConfig)>,
    pub lag: Option<Offset>,
    pub lag_note: Option<String>,
    pub consume_tps: f64,
    pub topics: Vec<GroupTopic>,
    pub queues: Vec<GroupQueue>,
    pub subscriptions: Vec<Subscription>,
    pub clients: Vec<GroupClient>,
    pub consume_type: Option<String>,
    pub message_model: Option<String>,
    pub consume_from_where: Option<String>,
    pub retry: GroupSideTopic,
    pub dlq: GroupSideTopic,
    /// Why queue holders are missing (a client did not answer its running info).
    pub notes: Vec<String>,
    pub failed_brokers: Vec<BrokerFailure>,
}

/// One queue in a client's running info.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RunningQueue {
    pub topic: String,
    pub broker_name: String,
    pub queue_id: u32,
    pub commit_offset: Option<Offset>,
    pub cached_messages: Option<Offset>,
    pub locked: Option<bool>,
    pub dropped: Option<bool>,
    pub last_pull: Option<Millis>,
    pub last_consume: Option<Millis>,
}

/// A client's running info as it reports it.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ClientRunningInfo {
    pub client_id: String,
    pub properties: Vec<(String, String)>,
    pub queues: Vec<RunningQueue>,
    /// Per topic consume status (TPS, failures) as the client reports it, pretty JSON.
    pub status: Option<String>,
    pub jstack: Option<String>,
}

/// Decodes a `ConsumerRunningInfo` body: `mqTable` is keyed by message-queue objects (fastjson) or
/// strings holding them.
pub(crate) fn decode_running_info(client_id: &str, body: &[u8]) -> Result<ClientRunningInfo> {
    let text = String::from_utf8_lossy(body);
    let outer = remoting::raw_entries(&text)?;
    let field = |name: &str| {
        outer
            .iter()
            .find(|(k, _)| k.trim_matches('"') == name)
            .map(|(_, v)| *v)
    };
    let mut properties: Vec<(String, String)> = field("properties")
        .and_then(|v| serde_json::from_str::<BTreeMap<String, serde_json::Value>>(v).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| {
            let v = match v {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            (k, v)
        })
        .collect();
    properties.sort();
    let num = |v: &serde_json::Value, k: &str| v.get(k).and_then(serde_json::Value::as_i64);
    let mut queues = Vec::new();
    if let Some(t) = field("mqTable").filter(|t| t.trim() != "null") {
        for (mq, pq) in remoting::object_keyed_entries(t)? {
            queues.push(RunningQueue {
                topic: mq
                    .get("topic")
                    .and_then(|x| x.as_str())
                    .unwrap_or_default()
                    .to_owned(),
                broker_name: mq
                    .get("brokerName")
                    .and_then(|x| x.as_str())
                    .unwrap_or_default()
                    .to_owned(),
                queue_id: num(&mq, "queueId")
                    .and_then(|q| u32::try_from(q).ok())
                    .unwrap_or(0),
                commit_offset: num(&pq, "commitOffset").map(Offset),
                cached_messages: num(&pq, "cachedMsgCount").map(Offset),
                locked: pq.get("locked").and_then(serde_json::Value::as_bool),
                dropped: pq
                    .get("droped")
                    .or_else(|| pq.get("dropped"))
                    .and_then(serde_json::Value::as_bool),
                last_pull: num(&pq, "lastPullTimestamp").filter(|t| *t > 0).map(Millis),
                last_consume: num(&pq, "lastConsumeTimestamp").filter(|t| *t > 0).map(Millis),
            });
        }
    }
    queues
        .sort_by(|a, b| (&a.topic, &a.broker_name, a.queue_id).cmp(&(&b.topic, &b.broker_name, b.queue_id)));
    let status = field("statusTable")
        .and_then(|v| serde_json::from_str::<serde_json::Value>(v).ok())
        .filter(|v| !v.is_null())
        .and_then(|v| serde_json::to_string_pretty(&v).ok());
    let jstack = field("jstack")
        .and_then(|v| serde_json::from_str::<Option<String>>(v).ok())
        .flatten()
        .filter(|s| !s.is_empty());
    Ok(ClientRunningInfo {
        client_id: client_id.to_owned(),
        properties,
        queues,
        status,
        jstack,
    })
}

async fn running_info(
    addr: &str,
    group: &str,
    client_id: &str,
    jstack: bool,
    link: &Link,
) -> Result<ClientRunningInfo> {
    let ext = RunningInfoHeader {
        consumer_group: group.to_owned(),
        client_id: client_id.to_owned(),
        jstack_enable: jstack,
    };
    let r = link
        .request_with(addr, GET_CONSUMER_RUNNING_INFO, ext, "consumer running info")
        .await?;
    decode_running_info(client_id, &r.body)
}

/// Masters holding `group`'s config, with it; fails with `NotFound` when none does.
async fn group_hosts(
    masters: &[RoutedBroker],
    group: &str,
    link: &Link,
) -> Result<(Vec<(RoutedBroker, GroupConfig)>, Vec<BrokerFailure>)> {
    let configs = join_all(masters.iter().map(|b| all_group_configs(&b.addr, link))).await;
    let (mut hosts, mut failed) = (Vec::new(), Vec::new());
    for (b, r) in masters.iter().zip(configs) {
        match r {
            Ok(mut t) => {
                if let Some(c) = t.remove(group) {
                    hosts.push((b.clone(), c));
                }
            }
            Err(e) => failed.push(BrokerFailure {
                broker_name: b.broker_name.clone(),
                addr: b.addr.clone(),
                error: e.summary(),
            }),
        }
    }
    if hosts.is_empty() && failed.is_empty() {
        return Err(Error::not_found(format!("consumer group '{group}'")));
    }
    Ok((hosts, failed))
}

pub(crate) async fn masters_of(client: &crate::registry::LiveClient) -> Result<Vec<RoutedBroker>> {
    let masters: Vec<RoutedBroker> = routed_brokers(client)
        .await?
        .into_iter()
        .filter(|b| b.broker_id == 0)
        .collect();
    if masters.is_empty() {
        return Err(Error::not_found(
            "a master broker registered with the name server",
        ));
    }
    Ok(masters)
}

/// Which client holds each queue, from each online client's running info (its `mqTable`), read
/// in bounded parallel; a client that does not answer is noted.
async fn queue_holders(
    link: &Link,
    conn_addr: &str,
    group: &str,
    conns: &ConsumerConnectionBody,
    notes: &mut Vec<String>,
) -> HashMap<(String, String, u32), String> {
    let infos: Vec<(String, Result<ClientRunningInfo>)> = futures::stream::iter(
        conns
            .connection_set
            .iter()
            .map(|c| c.client_id.clone())
            .collect::<Vec<_>>(),
    )
    .map(|cid| {
        let (addr, group, link) = (conn_addr.to_owned(), group.to_owned(), link.clone());
        async move {
            let r = running_info(&addr, &group, &cid, false, &link).await;
            (cid, r)
        }
    })
    .buffer_unordered(super::CONCURRENCY)
    .collect()
    .await;
    let mut holder: HashMap<(String, String, u32), String> = HashMap::new();
    for (cid, r) in infos {
        match r {
            Ok(info) => {
                for q in info.queues {
                    if q.dropped != Some(true) {
                        holder.insert((q.topic, q.broker_name, q.queue_id), cid.clone());
                    }
                }
            }
            Err(e) => notes.push(format!("client {cid} did not report its queues: {e}")),
        }
    }
    holder
}

/// The group's queues with their holder and lag, sorted.
fn group_queues(
    queues_raw: &[QueueProgress],
    holder: &HashMap<(String, String, u32), String>,
) -> Vec<GroupQueue> {
    let mut queues: Vec<GroupQueue> = queues_raw
        .iter()
        .map(|q| GroupQueue {
            client: holder
                .get(&(q.topic.clone(), q.broker_name.clone(), q.queue_id))
                .cloned(),
            topic: q.topic.clone(),
            broker_name: q.broker_name.clone(),
            queue_id: q.queue_id,
            broker_offset: Offset(q.broker_offset),
            consumer_offset: Offset(q.consumer_offset),
            lag: Offset((q.broker_offset - q.consumer_offset.max(0)).max(0)),
            last_consume: (q.last_timestamp > 0).then_some(Millis(q.last_timestamp)),
        })
        .collect();
    queues
        .sort_by(|a, b| (&a.topic, &a.broker_name, a.queue_id).cmp(&(&b.topic, &b.broker_name, b.queue_id)));
    queues
}

/// Per topic: its queues, lag and last consume.
fn group_topics(queues_raw: &[QueueProgress], consume_type: Option<&str>) -> Vec<GroupTopic> {
    let mut by_topic: BTreeMap<&str, Vec<QueueProgress>> = BTreeMap::new();
    for q in queues_raw {
        by_topic.entry(q.topic.as_str()).or_default().push(q.clone());
    }
    by_topic
        .into_iter()
        .map(|(t, qs)| {
            let (lag, note) = group_lag(&qs, consume_type);
            GroupTopic {
                topic: t.to_owned(),
                queues: u32::try_from(qs.len()).unwrap_or(u32::MAX),
                lag: lag.map(Offset),
                lag_note: note,
                last_consume: qs
                    .iter()
                    .map(|q| q.last_timestamp)
                    .filter(|t| *t > 0)
                    .max()
                    .map(Millis),
            }
        })
        .collect()
}

/// The group's subscriptions and clients, sorted.
fn subscriptions_and_clients(
    table: HashMap<String, SubscriptionBody>,
    connections: Vec<remoting::ConnectionBody>,
) -> (Vec<Subscription>, Vec<GroupClient>) {
    let mut subscriptions: Vec<Subscription> = table
        .into_values()
        .map(|s| Subscription {
            topic: s.topic,
            expression_type: s.expression_type.unwrap_or_else(|| "TAG".into()),
            expression: s.sub_string,
        })
        .collect();
    subscriptions.sort_by(|a, b| a.topic.cmp(&b.topic));
    let mut clients: Vec<GroupClient> = connections
        .into_iter()
        .map(|c| GroupClient {
            client_id: c.client_id,
            addr: c.client_addr,
            language: remoting::language_of(&c.language),
            version: version_name(c.version),
        })
        .collect();
    clients.sort_by(|a, b| a.client_id.cmp(&b.client_id));
    (subscriptions, clients)
}

impl Console {
    /// One group's queues, subscriptions, clients and retry/dead-letter topics.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn group_detail(&self, id: &ConnectionId, group: &str) -> Result<GroupDetail> {
        let (_, client) = self.client(id).await?;
        let link = &client.link;
        let masters = masters_of(&client).await?;
        let (hosts, failed) = group_hosts(&masters, group, link).await?;
        let stats = join_all(hosts.iter().map(|(b, _)| group_stats(&b.addr, group, None, link)));
        let conn_addr = hosts.first().map(|(b, _)| b.addr.clone()).unwrap_or_default();
        let conns = group_connections(&conn_addr, group, link);
        let retry_topic = format!("%RETRY%{group}");
        let dlq_topic = format!("%DLQ%{group}");
        let side = join_all([retry_topic.clone(), dlq_topic.clone()].map(|t| async move {
            match self.topic_detail(id, &t).await {
                Ok(d) => GroupSideTopic {
                    topic: t,
                    exists: true,
                    messages: d.total_messages,
                    last_update: d.last_update,
                },
                Err(_) => GroupSideTopic {
                    topic: t,
                    exists: false,
                    messages: Offset(0),
                    last_update: None,
                },
            }
        }));
        let (stats, conns, side) = tokio::join!(stats, conns, side);
        let mut notes = Vec::new();
        let mut failed = failed;
        let (mut queues_raw, mut tps): (Vec<QueueProgress>, f64) = (Vec::new(), 0.0);
        for ((b, _), r) in hosts.iter().zip(stats) {
            match r {
                Ok((mut q, t)) => {
                    queues_raw.append(&mut q);
                    tps += t;
                }
                Err(e) => failed.push(BrokerFailure {
                    broker_name: b.broker_name.clone(),
                    addr: b.addr.clone(),
                    error: e.summary(),
                }),
            }
        }
        let conns = match conns {
            Ok(c) => c.unwrap_or_default(),
            Err(e) => {
                notes.push(format!("clients unknown: {e}"));
                Default::default()
            }
        };
        // Which client holds each queue: each client's running info (its mqTable), bounded.
        let holder = queue_holders(&client.link, &conn_addr, group, &conns, &mut notes).await;
        let (lag, lag_note) = group_lag(&queues_raw, conns.consume_type.as_deref());
        let queues = group_queues(&queues_raw, &holder);
        let topics = group_topics(&queues_raw, conns.consume_type.as_deref());
        let (subscriptions, clients) =
            subscriptions_and_clients(conns.subscription_table, conns.connection_set);
        let [retry, dlq] = side
            .try_into()
            .unwrap_or_else(|_| unreachable!("two side topics"));
        Ok(GroupDetail {
            group: group.to_owned(),
            fetched_at: Millis::now(),
            configs: hosts.into_iter().map(|(b, c)| (b.broker_name, c)).collect(),
            lag: if failed.is_empty() { lag.map(Offset) } else { None },
            lag_note: if failed.is_empty() {
                lag_note
            } else {
                Some("a broker did not answer: the lag is incomplete".into())
            },
            consume_tps: tps,
            topics,
            queues,
            subscriptions,
            clients,
            consume_type: conns.consume_type,
            message_model: conns.message_model,
            consume_from_where: conns.consume_from_where,
            retry,
            dlq,
            notes,
            failed_brokers: failed,
        })
    }

    /// A client's running info (its queues, properties, consume status) and, when asked, its jstack.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn group_client_info(
        &self,
        id: &ConnectionId,
        group: &str,
        client_id: &str,
        jstack: bool,
    ) -> Result<ClientRunningInfo> {
        let (_, client) = self.client(id).await?;
        let link = &client.link;
        let masters = masters_of(&client).await?;
        let (hosts, _) = group_hosts(&masters, group, link).await?;
        let addr = hosts
            .first()
            .map(|(b, _)| b.addr.clone())
            .ok_or_else(|| Error::not_found(format!("a broker holding consumer group '{group}'")))?;
        running_info(&addr, group, client_id, jstack, link).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_info_decodes_fastjson_queue_keys() {
        let body = br#"{"jstack":"\"main\" RUNNABLE","mqTable":{{"brokerName":"a","queueId":2,"topic":"T"}:{"cachedMsgCount":3,"commitOffset":40,"droped":false,"lastConsumeTimestamp":7,"lastPullTimestamp":8,"locked":false}},"properties":{"consumeType":"CONSUME_PASSIVELY","PROP_CLIENT_VERSION":"V5_3_0"},"statusTable":{"T":{"pullTPS":1.0}},"subscriptionSet":[]}"#;
        let i = decode_running_info("c1", body).unwrap();
        assert_eq!(i.queues.len(), 1);
        assert_eq!(
            (i.queues[0].queue_id, i.queues[0].commit_offset),
            (2, Some(Offset(40)))
        );
        assert_eq!(i.jstack.as_deref(), Some("\"main\" RUNNABLE"));
        assert!(
            i.properties
                .iter()
                .any(|(k, v)| k == "consumeType" && v == "CONSUME_PASSIVELY")
        );
        assert!(i.status.unwrap().contains("pullTPS"));
    }
}
