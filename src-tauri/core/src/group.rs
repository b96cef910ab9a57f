//! Consumer groups: the list with lag and clients, and one group's detail.
//!
//! The list is one round: every master's subscription-group configs (`GET_ALL_SUBSCRIPTIONGROUP_CONFIG`,
//! 201) and every master's consume stats of all its groups in one call (`GET_BROKER_CONSUME_STATS`, 317),
//! all masters in parallel; a master that does not answer 317 falls back to one `GET_CONSUME_STATS` (208)
//! per group. Online clients come from `GET_CONSUMER_CONNECTION_LIST` (203) per group. Per-group
//! requests run at most [`CONCURRENCY`] at a time (more than ~64 in flight made brokers time out).

pub mod admin;
pub mod detail;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Instant;

use futures::future::join_all;
use serde::{Deserialize, Serialize};

use crate::cluster::{RoutedBroker, routed_brokers};
use crate::console::Console;
use crate::error::{Error, Result};
use crate::model::{ConnectionId, Millis, Offset};
use crate::remoting;
use crate::topic::BrokerFailure;
use crate::topic::consumers::{
    CONSUMER_NOT_ONLINE, ConsumerConnectionBody, GET_CONSUME_STATS, GET_CONSUMER_CONNECTION_LIST,
    QueueProgress, decode_consume_stats,
};

pub(crate) const GET_ALL_SUBSCRIPTIONGROUP_CONFIG: i32 = 201;
pub(crate) const GET_BROKER_CONSUME_STATS: i32 = 317;
/// `REQUEST_CODE_NOT_SUPPORTED`: the broker does not know the request.
const REQUEST_CODE_NOT_SUPPORTED: i32 = 3;
/// Per-group requests in flight at once.
pub const CONCURRENCY: usize = 32;

/// A subscription group's configuration as a broker keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct GroupConfig {
    #[serde(default = "yes")]
    pub consume_enable: bool,
    #[serde(default = "yes")]
    pub consume_from_min_enable: bool,
    /// Broadcast consumption allowed.
    #[serde(default = "yes")]
    pub consume_broadcast_enable: bool,
    /// Orderly consumption (5.x; absent on 4.x).
    #[serde(default)]
    pub consume_message_orderly: bool,
    #[serde(default = "one")]
    pub retry_queue_nums: u32,
    #[serde(default = "sixteen")]
    pub retry_max_times: i32,
    /// The broker id consumers read from (0 = the master).
    #[serde(default)]
    pub broker_id: u32,
    /// The broker id consumers switch to when consumption is slow.
    #[serde(default = "one")]
    pub which_broker_when_consume_slowly: u32,
    #[serde(default = "yes")]
    pub notify_consumer_ids_changed_enable: bool,
}

fn yes() -> bool {
    true
}
fn one() -> u32 {
    1
}
fn sixteen() -> i32 {
    16
}

impl Default for GroupConfig {
    fn default() -> Self {
        Self {
            consume_enable: true,
            consume_from_min_enable: true,
            consume_broadcast_enable: true,
            consume_message_orderly: false,
            retry_queue_nums: 1,
            retry_max_times: 16,
            broker_id: 0,
            which_broker_when_consume_slowly: 1,
            notify_consumer_ids_changed_enable: true,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SubscriptionGroupWrapper {
    #[serde(default)]
    subscription_group_table: HashMap<String, GroupConfig>,
}

/// One consumer group in the list.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct GroupRow {
    pub group: String,
    /// RocketMQ's own groups and the console's (hidden by default).
    pub system: bool,
    /// The brokers holding the group's config.
    pub brokers: Vec<String>,
    /// The config of the first broker (they differ when `config_differs`).
    pub config: GroupConfig,
    pub config_differs: bool,
    /// Messages not yet consumed over all the group's topics (its retry topic included, as
    /// `mqadmin consumerProgress` counts); absent when it cannot be known.
    pub lag: Option<Offset>,
    /// Why the lag is unknown.
    pub lag_note: Option<String>,
    pub consume_tps: f64,
    /// Topics the group has offsets on (its `%RETRY%` topic excluded).
    pub topics: Vec<String>,
    /// Store time of the last consumed message.
    pub last_consume: Option<Millis>,
    /// Online clients; absent when the broker could not tell.
    pub online_clients: Option<u32>,
    /// `CONSUME_PASSIVELY` (push), `CONSUME_ACTIVELY` (pull) or `CONSUME_POP`, when online.
    pub consume_type: Option<String>,
    /// `CLUSTERING` or `BROADCASTING`, when online.
    pub message_model: Option<String>,
    /// Distinct client versions (e.g. `V5_3_0`) of the online clients.
    pub client_versions: Vec<String>,
    /// Why the clients are unknown.
    pub clients_note: Option<String>,
}

/// The consumer groups of a connection.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct GroupListing {
    pub fetched_at: Millis,
    pub elapsed_ms: f64,
    pub groups: Vec<GroupRow>,
    pub failed_brokers: Vec<BrokerFailure>,
    /// Masters that did not answer the broker-wide consume stats, read one group at a time instead.
    pub per_group_fallback: Vec<String>,
}

/// What to gather for the list.
#[derive(Debug, Clone, Copy, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct GroupListOptions {
    /// Ask each group's online clients (one request per group).
    pub clients: bool,
    /// Read consume stats one group at a time even where the broker-wide call is answered
    /// (the slow path; for comparison).
    pub per_group_stats: bool,
}

impl Default for GroupListOptions {
    fn default() -> Self {
        Self {
            clients: true,
            per_group_stats: false,
        }
    }
}

/// A client's version code as its name (`V5_3_0`).
pub fn version_name(code: u32) -> String {
    rocketmq_model::version::RocketMqVersion::from_ordinal(code)
        .name()
        .to_owned()
}

/// Every subscription-group config of one broker.
pub(crate) async fn all_group_configs(
    addr: &str,
    creds: Option<(&str, &str)>,
    timeout: std::time::Duration,
) -> Result<HashMap<String, GroupConfig>> {
    let r = remoting::request(
        addr,
        GET_ALL_SUBSCRIPTIONGROUP_CONFIG,
        "subscription groups",
        creds,
        timeout,
    )
    .await?;
    Ok(
        remoting::decode_json::<SubscriptionGroupWrapper>(&r.body, "subscription groups")?
            .subscription_group_table,
    )
}

/// One group's consume stats on one broker, every topic.
pub(crate) type GroupStats = (Vec<QueueProgress>, f64);

/// Decodes a `ConsumeStatsList` body (317): `consumeStatsList` is a list of one-key maps
/// `{group: [ConsumeStats, ...]}`, each `ConsumeStats` keyed by message-queue objects.
pub(crate) fn decode_broker_consume_stats(body: &[u8]) -> Result<HashMap<String, GroupStats>> {
    let text = String::from_utf8_lossy(body);
    let outer = remoting::raw_entries(&text)?;
    let mut out: HashMap<String, GroupStats> = HashMap::new();
    let Some((_, list)) = outer.iter().find(|(k, _)| *k == "\"consumeStatsList\"") else {
        return Ok(out);
    };
    if list.trim() == "null" {
        return Ok(out);
    }
    for element in remoting::raw_elements(list)? {
        for (key, stats) in remoting::raw_entries(element)? {
            let group: String = serde_json::from_str(key).map_err(|e| Error::BrokerRejected {
                target: "peer".into(),
                operation: "decode broker consume stats".into(),
                code: -1,
                detail: format!("group key {key}: {e}"),
            })?;
            let entry = out.entry(group).or_default();
            if stats.trim() == "null" {
                continue;
            }
            for one in remoting::raw_elements(stats)? {
                let (mut q, tps) = decode_consume_stats(one.as_bytes())?;
                entry.0.append(&mut q);
                entry.1 += tps;
            }
        }
    }
    Ok(out)
}

/// A group's clients as the broker tells them: `None` when nobody is online.
pub(crate) async fn group_connections(
    addr: &str,
    group: &str,
    creds: Option<(&str, &str)>,
    timeout: std::time::Duration,
) -> Result<Option<ConsumerConnectionBody>> {
    let ext = BTreeMap::from([("consumerGroup".to_owned(), group.to_owned())]);
    match remoting::request_with(
        addr,
        GET_CONSUMER_CONNECTION_LIST,
        ext,
        "consumer connections",
        creds,
        timeout,
    )
    .await
    {
        Ok(r) => remoting::decode_json::<ConsumerConnectionBody>(&r.body, "consumer connections").map(Some),
        Err(Error::BrokerRejected {
            code: CONSUMER_NOT_ONLINE,
            ..
        }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// One group's consume stats on one broker (208), every topic it has offsets on.
pub(crate) async fn group_stats(
    addr: &str,
    group: &str,
    topic: Option<&str>,
    creds: Option<(&str, &str)>,
    timeout: std::time::Duration,
) -> Result<GroupStats> {
    let mut ext = BTreeMap::from([("consumerGroup".to_owned(), group.to_owned())]);
    if let Some(t) = topic {
        ext.insert("topic".to_owned(), t.to_owned());
    }
    let r = remoting::request_with(addr, GET_CONSUME_STATS, ext, "consume stats", creds, timeout).await?;
    decode_consume_stats(&r.body)
}

/// Sums a group's lag; unknown (with why) when a queue has no committed offset or the consumers pop.
pub(crate) fn group_lag(
    queues: &[QueueProgress],
    consume_type: Option<&str>,
) -> (Option<i64>, Option<String>) {
    if consume_type == Some("CONSUME_POP") {
        return (
            None,
            Some(
                "POP consumers: the broker's offsets do not count messages popped but not acknowledged"
                    .into(),
            ),
        );
    }
    if queues.is_empty() {
        return (
            None,
            Some("no committed offsets: the group has not consumed yet".into()),
        );
    }
    crate::topic::consumers::lag_of(queues)
}

/// Sends per-group requests (`(group, is_stats)`: 208 or 203) to each master over a few kept-open
/// connections; replies per master in request order.
async fn run_batch(
    masters: &[RoutedBroker],
    asks: &[Vec<(String, bool)>],
    creds: Option<(&str, &str)>,
    timeout: std::time::Duration,
) -> Vec<Vec<Result<remoting::Reply>>> {
    let streams = (CONCURRENCY / masters.len().max(1)).max(4);
    join_all(masters.iter().zip(asks).map(|(b, asks)| {
        let requests = asks
            .iter()
            .map(|(g, stats)| {
                let ext = BTreeMap::from([("consumerGroup".to_owned(), g.clone())]);
                let code = if *stats {
                    GET_CONSUME_STATS
                } else {
                    GET_CONSUMER_CONNECTION_LIST
                };
                (code, ext)
            })
            .collect();
        remoting::invoke_batch(&b.addr, requests, creds, timeout, streams)
    }))
    .await
}

fn failure(b: &RoutedBroker, e: &Error) -> BrokerFailure {
    BrokerFailure {
        broker_name: b.broker_name.clone(),
        addr: b.addr.clone(),
        error: format!("{}: {e}", e.code().as_str()),
    }
}

impl Console {
    /// Every consumer group of the connection with its config, lag, TPS and online clients.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn group_list(&self, id: &ConnectionId, options: GroupListOptions) -> Result<GroupListing> {
        let start = Instant::now();
        let (_, client) = self.client(id).await?;
        let creds = client.creds();
        let timeout = client.timeout;
        let masters: Vec<RoutedBroker> = routed_brokers(&client)
            .await?
            .into_iter()
            .filter(|b| b.broker_id == 0)
            .collect();
        if masters.is_empty() {
            return Err(Error::not_found(
                "a master broker registered with the name server",
            ));
        }
        // Configs and broker-wide stats of every master, all at once.
        let configs = join_all(masters.iter().map(|b| all_group_configs(&b.addr, creds, timeout)));
        let wide = join_all(masters.iter().map(|b| async move {
            if options.per_group_stats {
                return None;
            }
            let r = remoting::request_with(
                &b.addr,
                GET_BROKER_CONSUME_STATS,
                BTreeMap::from([("isOrder".to_owned(), "false".to_owned())]),
                "broker consume stats",
                creds,
                timeout,
            )
            .await
            .and_then(|r| decode_broker_consume_stats(&r.body));
            Some(r)
        }));
        // The clients only need the group names: they are asked while the broker-wide stats
        // (the slow part, on the broker) are still being computed.
        let configs_then_clients = async {
            let configs = configs.await;
            let mut failed = Vec::new();
            let mut hosts: BTreeMap<String, Vec<(usize, GroupConfig)>> = BTreeMap::new();
            for (i, (b, r)) in masters.iter().zip(configs).enumerate() {
                match r {
                    Ok(table) => {
                        for (g, cfg) in table {
                            hosts.entry(g).or_default().push((i, cfg));
                        }
                    }
                    Err(e) => failed.push(failure(b, &e)),
                }
            }
            let mut asks: Vec<Vec<(String, bool)>> = masters.iter().map(|_| Vec::new()).collect();
            if options.clients {
                for (g, on) in &hosts {
                    if let Some((i, _)) = on.first() {
                        asks[*i].push((g.clone(), false));
                    }
                }
            }
            let replies = run_batch(&masters, &asks, creds, timeout).await;
            (failed, hosts, asks, replies)
        };
        let ((failed, hosts, client_asks, client_replies), wide) = tokio::join!(configs_then_clients, wide);
        // Stats per (group, master): from the wide call, or per group where it was not answered.
        let mut stats: HashMap<(String, usize), Result<GroupStats>> = HashMap::new();
        let mut fallback: Vec<usize> = Vec::new();
        for (i, (b, r)) in masters.iter().zip(wide).enumerate() {
            match r {
                Some(Ok(table)) => {
                    for (g, s) in table {
                        stats.insert((g, i), Ok(s));
                    }
                }
                Some(Err(Error::BrokerRejected {
                    code: REQUEST_CODE_NOT_SUPPORTED,
                    ..
                }))
                | None => fallback.push(i),
                Some(Err(e)) => {
                    tracing::warn!(broker = %b.broker_name, error = %e, "broker-wide consume stats failed; per group");
                    fallback.push(i);
                }
            }
        }
        let mut stat_asks: Vec<Vec<(String, bool)>> = masters.iter().map(|_| Vec::new()).collect();
        for (g, on) in &hosts {
            for (i, _) in on {
                if fallback.contains(i) {
                    stat_asks[*i].push((g.clone(), true));
                }
            }
        }
        let stat_replies = run_batch(&masters, &stat_asks, creds, timeout).await;
        let mut conns: HashMap<String, Result<Option<ConsumerConnectionBody>>> = HashMap::new();
        for (per_master, replies) in [(client_asks, client_replies), (stat_asks, stat_replies)] {
            for (i, (asks, replies)) in per_master.into_iter().zip(replies).enumerate() {
                let addr = &masters[i].addr;
                for ((g, is_stats), r) in asks.into_iter().zip(replies) {
                    if is_stats {
                        let r = r
                            .and_then(|r| remoting::check(addr, "consume stats", r))
                            .and_then(|r| decode_consume_stats(&r.body));
                        stats.insert((g, i), r);
                    } else {
                        let r = r.and_then(|r| {
                            if r.code == CONSUMER_NOT_ONLINE {
                                return Ok(None);
                            }
                            let r = remoting::check(addr, "consumer connections", r)?;
                            remoting::decode_json::<ConsumerConnectionBody>(&r.body, "consumer connections")
                                .map(Some)
                        });
                        conns.insert(g, r);
                    }
                }
            }
        }
        let failed_names: Vec<String> = failed.iter().map(|f| f.broker_name.clone()).collect();
        let groups = hosts
            .into_iter()
            .map(|(g, on)| {
                let mut queues = Vec::new();
                let (mut tps, mut errors) = (0.0, Vec::new());
                for (i, _) in &on {
                    match stats.remove(&(g.clone(), *i)) {
                        Some(Ok((mut q, t))) => {
                            queues.append(&mut q);
                            tps += t;
                        }
                        Some(Err(e)) => errors.push(format!("{}: {e}", masters[*i].broker_name)),
                        None => {}
                    }
                }
                let (online, consume_type, model, versions, clients_note) = match conns.remove(&g) {
                    Some(Ok(Some(c))) => {
                        let versions: BTreeSet<String> =
                            c.connection_set.iter().map(|x| version_name(x.version)).collect();
                        (
                            Some(u32::try_from(c.connection_set.len()).unwrap_or(u32::MAX)),
                            c.consume_type,
                            c.message_model,
                            versions.into_iter().collect(),
                            None,
                        )
                    }
                    Some(Ok(None)) => (Some(0), None, None, Vec::new(), None),
                    Some(Err(e)) => (None, None, None, Vec::new(), Some(e.to_string())),
                    None => (None, None, None, Vec::new(), None),
                };
                let (mut lag, mut lag_note) = group_lag(&queues, consume_type.as_deref());
                if !errors.is_empty() || !failed_names.is_empty() {
                    let mut why = errors;
                    why.extend(failed_names.iter().map(|b| format!("{b}: not answering")));
                    lag = None;
                    lag_note = Some(why.join("; "));
                }
                let topics: BTreeSet<String> = queues
                    .iter()
                    .filter(|q| !q.topic.starts_with("%RETRY%"))
                    .map(|q| q.topic.clone())
                    .collect();
                let config_differs = on.windows(2).any(|w| w[0].1 != w[1].1);
                GroupRow {
                    system: crate::producer::is_system_group(&g),
                    brokers: on.iter().map(|(i, _)| masters[*i].broker_name.clone()).collect(),
                    config: on.first().map(|(_, c)| c.clone()).unwrap_or_default(),
                    config_differs,
                    lag: lag.map(Offset),
                    lag_note,
                    consume_tps: tps,
                    topics: topics.into_iter().collect(),
                    last_consume: queues
                        .iter()
                        .map(|q| q.last_timestamp)
                        .filter(|t| *t > 0)
                        .max()
                        .map(Millis),
                    online_clients: online,
                    consume_type,
                    message_model: model,
                    client_versions: versions,
                    clients_note,
                    group: g,
                }
            })
            .collect();
        Ok(GroupListing {
            fetched_at: Millis::now(),
            elapsed_ms: start.elapsed().as_secs_f64() * 1000.0,
            groups,
            failed_brokers: failed,
            per_group_fallback: fallback.iter().map(|i| masters[*i].broker_name.clone()).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broker_consume_stats_decode_java_and_rust_shapes() {
        let java = br#"{"brokerAddr":"127.0.0.1:1","consumeStatsList":[{"g1":[{"consumeTps":2.0,"offsetTable":{{"brokerName":"a","queueId":0,"topic":"T"}:{"brokerOffset":9,"consumerOffset":4,"lastTimestamp":5}}},{"consumeTps":1.0,"offsetTable":{{"brokerName":"a","queueId":0,"topic":"%RETRY%g1"}:{"brokerOffset":1,"consumerOffset":1,"lastTimestamp":0}}}]},{"g2":[]}],"totalDiff":5}"#;
        let t = decode_broker_consume_stats(java).unwrap();
        let (q, tps) = &t["g1"];
        assert_eq!((q.len(), *tps), (2, 3.0));
        assert_eq!(group_lag(q, None), (Some(5), None));
        assert!(t["g2"].0.is_empty());
        assert!(group_lag(&t["g2"].0, None).1.unwrap().contains("not consumed"));
        let rust = br#"{"consumeStatsList":[{"g":[{"offsetTable":{"{\"topic\":\"T\",\"brokerName\":\"b\",\"queueId\":1}":{"brokerOffset":3,"consumerOffset":1,"lastTimestamp":0}},"consumeTps":0.0}]}],"brokerAddr":"x","totalDiff":2}"#;
        let t = decode_broker_consume_stats(rust).unwrap();
        assert_eq!(t["g"].0[0].queue_id, 1);
        assert_eq!(group_lag(&t["g"].0, Some("CONSUME_PASSIVELY")).0, Some(2));
        assert_eq!(group_lag(&t["g"].0, Some("CONSUME_POP")).0, None);
    }

    #[test]
    fn group_config_decodes_4x_and_5x_with_defaults() {
        let w: SubscriptionGroupWrapper = remoting::decode_json(
            br#"{"subscriptionGroupTable":{"g":{"groupName":"g","consumeEnable":false,"retryMaxTimes":3,"brokerId":0}}}"#,
            "t",
        )
        .unwrap();
        let c = &w.subscription_group_table["g"];
        assert!(!c.consume_enable && c.consume_broadcast_enable && c.retry_max_times == 3);
        assert_eq!(version_name(0), "V3_0_0_SNAPSHOT");
    }
}
