//! Consumer groups: the list with lag and clients, and one group's detail.
//!
//! The list takes two rounds, every master in parallel. First its subscription-group configs
//! (`GET_ALL_SUBSCRIPTIONGROUP_CONFIG`, 201) and its consumer-offset table (`GET_ALL_CONSUMER_OFFSET`,
//! 43: every group's committed offset of every queue). Then, pipelined, the max offsets of the
//! topics in that table (`GET_TOPIC_STATS_INFO`, 202, one per topic) and each group's online
//! clients (`GET_CONSUMER_CONNECTION_LIST`, 203): lag = max offset − committed offset, per queue,
//! from a handful of requests whatever the number of groups. Consume TPS and last consume time
//! only the broker's consume stats carry; they are read on request (`activity`) with one
//! `GET_CONSUME_STATS` (208) per (group, topic) of the table.
//!
//! The broker-wide call (`GET_BROKER_CONSUME_STATS`, 317, the Java admin client's way) is the
//! fallback where the table is refused: brokers answer it by scanning their whole offset table
//! once per group (`whichTopicByConsumer`), so its cost grows with groups × groups (250–370 ms at
//! 1,000 groups on a 5.x broker here). A master that answers neither is read one group at a time
//! (208 without a topic). The per-group requests are pipelined, [`STREAMS`] connections per master
//! with `remoting::WINDOW` in flight on each (more than ~64 in flight per broker made brokers time
//! out).

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
use crate::remoting::Link;
use crate::remoting::code::{
    CONSUMER_NOT_ONLINE, GET_ALL_CONSUMER_OFFSET, GET_ALL_SUBSCRIPTIONGROUP_CONFIG, GET_BROKER_CONSUME_STATS,
    GET_CONSUME_STATS, GET_CONSUMER_CONNECTION_LIST, GET_TOPIC_STATS_INFO, REQUEST_CODE_NOT_SUPPORTED,
    TOPIC_NOT_EXIST,
};
use crate::topic::consumers::{
    ConsumerConnectionBody, QueueProgress, SubscriptionBody, decode_consume_stats,
};
use crate::topic::{BrokerFailure, QueueStat, decode_topic_stats};

/// Per-group requests in flight at once.
pub const CONCURRENCY: usize = 32;
/// Pipelined connections per master for the list's per-group requests (each with
/// `remoting::WINDOW` requests in flight).
const STREAMS: usize = 2;

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
    /// Messages consumed per second as the brokers count them; absent when the list was read
    /// without activity (`GroupListOptions::activity`) or a broker could not tell.
    pub consume_tps: Option<f64>,
    /// Topics the group has offsets on (its `%RETRY%` topic excluded).
    pub topics: Vec<String>,
    /// Store time of the last consumed message (read with activity only).
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
    /// Masters read one group at a time (the slow path): they answered neither the offset table
    /// nor the broker-wide consume stats.
    pub per_group_fallback: Vec<String>,
    /// Masters read with the broker-wide consume stats (their offset table was refused).
    pub broker_wide: Vec<String>,
}

/// Where the list's consume stats come from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum StatsSource {
    /// Each master's consumer-offset table, with its topics' max offsets (or, for activity, one
    /// call per group and topic on it); where the table is refused, the broker-wide call; where
    /// that is refused too, one call per group.
    #[default]
    OffsetTable,
    /// The broker-wide call first (the Java admin client's way; for comparison).
    BrokerWide,
    /// One call per group, every topic (the slow path; for comparison).
    PerGroup,
}

/// What to gather for the list.
#[derive(Debug, Clone, Copy, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct GroupListOptions {
    /// Ask each group's online clients (one request per group).
    pub clients: bool,
    #[serde(default)]
    pub stats: StatsSource,
    /// Also each group's consume TPS and last consume time: one consume-stats call per group and
    /// topic. Without it the lag comes from the offset table and the topics' max offsets alone
    /// (a few requests per master, whatever the number of groups).
    #[serde(default)]
    pub activity: bool,
}

impl Default for GroupListOptions {
    fn default() -> Self {
        Self {
            clients: true,
            stats: StatsSource::OffsetTable,
            activity: false,
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
pub(crate) async fn all_group_configs(addr: &str, link: &Link) -> Result<HashMap<String, GroupConfig>> {
    let r = link
        .request(addr, GET_ALL_SUBSCRIPTIONGROUP_CONFIG, "subscription groups")
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
    link: &Link,
) -> Result<Option<ConsumerConnectionBody>> {
    let ext = BTreeMap::from([("consumerGroup".to_owned(), group.to_owned())]);
    match link
        .request_with(addr, GET_CONSUMER_CONNECTION_LIST, ext, "consumer connections")
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
    link: &Link,
) -> Result<GroupStats> {
    let mut ext = BTreeMap::from([("consumerGroup".to_owned(), group.to_owned())]);
    if let Some(t) = topic {
        ext.insert("topic".to_owned(), t.to_owned());
    }
    let r = link
        .request_with(addr, GET_CONSUME_STATS, ext, "consume stats")
        .await?;
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

/// A request of the list's second round.
#[derive(Debug, Clone)]
enum Ask {
    /// A group's online clients (203).
    Clients(String),
    /// A group's consume stats (208), of one topic or of every topic it has offsets on.
    Stats(String, Option<String>),
    /// A topic's queues with their max offsets (202).
    TopicStats(String),
}

/// Sends the list's requests to each master, pipelined over [`STREAMS`] connections; replies per
/// master in request order.
async fn run_batch(
    masters: &[RoutedBroker],
    asks: &[Vec<Ask>],
    link: &Link,
) -> Vec<Vec<Result<remoting::Reply>>> {
    join_all(masters.iter().zip(asks).map(|(b, asks)| {
        let requests = asks
            .iter()
            .map(|ask| match ask {
                Ask::Clients(g) => (
                    GET_CONSUMER_CONNECTION_LIST,
                    BTreeMap::from([("consumerGroup".to_owned(), g.clone())]),
                ),
                Ask::Stats(g, topic) => {
                    let mut ext = BTreeMap::from([("consumerGroup".to_owned(), g.clone())]);
                    if let Some(t) = topic {
                        ext.insert("topic".to_owned(), t.clone());
                    }
                    (GET_CONSUME_STATS, ext)
                }
                Ask::TopicStats(t) => (
                    GET_TOPIC_STATS_INFO,
                    BTreeMap::from([("topic".to_owned(), t.clone())]),
                ),
            })
            .collect();
        link.batch(&b.addr, requests, STREAMS)
    }))
    .await
}

/// A broker's consumer-offset table: group → topic → queue id → committed offset.
pub(crate) type OffsetTable = HashMap<String, BTreeMap<String, HashMap<u32, i64>>>;

/// Decodes a consumer-offset table (43): `offsetTable` is keyed `topic@group`, each value a map
/// of queue id to offset (fastjson writes those ids as bare numbers, other servers quote them).
pub(crate) fn decode_offset_table(body: &[u8]) -> Result<OffsetTable> {
    let bad = |what: &str, e: &dyn std::fmt::Display| Error::BrokerRejected {
        target: "peer".into(),
        operation: "decode consumer offsets".into(),
        code: -1,
        detail: format!("{what}: {e}"),
    };
    let text = String::from_utf8_lossy(body);
    let mut out = OffsetTable::new();
    let outer = remoting::raw_entries(&text)?;
    let Some((_, table)) = outer.iter().find(|(k, _)| *k == "\"offsetTable\"") else {
        return Ok(out);
    };
    if table.trim() == "null" {
        return Ok(out);
    }
    for (key, queues) in remoting::raw_entries(table)? {
        let key: String = serde_json::from_str(key).map_err(|e| bad(key, &e))?;
        // As the broker reads its own keys: exactly one separator, else not a group's entry.
        let Some((topic, group)) = key.split_once('@') else {
            continue;
        };
        if group.contains('@') {
            continue;
        }
        let raw: HashMap<String, i64> =
            serde_json::from_str(&remoting::quote_numeric_keys(queues)).map_err(|e| bad(&key, &e))?;
        let queues = raw
            .into_iter()
            .filter_map(|(q, off)| q.parse::<u32>().ok().map(|q| (q, off)))
            .collect();
        out.entry(group.to_owned())
            .or_default()
            .insert(topic.to_owned(), queues);
    }
    Ok(out)
}

/// One master's consumer-offset table.
async fn offset_table(addr: &str, link: &Link) -> Result<OffsetTable> {
    let r = link
        .request(addr, GET_ALL_CONSUMER_OFFSET, "consumer offsets")
        .await?;
    decode_offset_table(&r.body)
}

/// One master's broker-wide consume stats (317).
async fn broker_wide_stats(addr: &str, link: &Link) -> Result<HashMap<String, GroupStats>> {
    let r = link
        .request_with(
            addr,
            GET_BROKER_CONSUME_STATS,
            BTreeMap::from([("isOrder".to_owned(), "false".to_owned())]),
            "broker consume stats",
        )
        .await?;
    decode_broker_consume_stats(&r.body)
}

/// Adds one reply's stats to a group's on a master; a failure stands for the whole group there.
fn merge_stats(
    into: &mut HashMap<(String, usize), Result<GroupStats>>,
    key: (String, usize),
    r: Result<GroupStats>,
) {
    match (into.get_mut(&key), r) {
        (Some(Ok((queues, tps))), Ok((mut q, t))) => {
            queues.append(&mut q);
            *tps += t;
        }
        (Some(Err(_)), _) => {}
        (_, r) => {
            into.insert(key, r);
        }
    }
}

/// A group's queues on one master from its offset table and the topics' queues, as a
/// consume-stats call would give them: every queue of each topic the group has offsets on (a
/// queue it never committed counts from 0), topics the broker no longer has left out, and, when
/// the group is online with subscriptions, only the subscribed topics.
fn queues_from_table(
    broker_name: &str,
    offsets: &BTreeMap<String, HashMap<u32, i64>>,
    topics: &HashMap<String, Result<Vec<QueueStat>>>,
    subscribed: Option<&HashMap<String, SubscriptionBody>>,
) -> Result<Vec<QueueProgress>> {
    let mut out = Vec::new();
    for (topic, committed) in offsets {
        if subscribed.is_some_and(|s| !s.contains_key(topic)) {
            continue;
        }
        match topics.get(topic) {
            Some(Ok(queues)) => out.extend(queues.iter().map(|q| QueueProgress {
                topic: topic.clone(),
                broker_name: if q.broker_name.is_empty() {
                    broker_name.to_owned()
                } else {
                    q.broker_name.clone()
                },
                queue_id: q.queue_id,
                broker_offset: q.max_offset.0.max(0),
                consumer_offset: committed.get(&q.queue_id).copied().unwrap_or(0).max(0),
                last_timestamp: 0,
            })),
            Some(Err(e)) => {
                return Err(Error::BrokerRejected {
                    target: broker_name.to_owned(),
                    operation: format!("topic stats of {topic}"),
                    code: -1,
                    detail: e.to_string(),
                });
            }
            None => {}
        }
    }
    Ok(out)
}

fn failure(b: &RoutedBroker, e: &Error) -> BrokerFailure {
    BrokerFailure {
        broker_name: b.broker_name.clone(),
        addr: b.addr.clone(),
        error: e.summary(),
    }
}

/// How one master's stats are read in the second round.
enum Plan {
    /// Lag from its offset table and one topic-stats call per topic.
    Tables(OffsetTable),
    /// One consume-stats call per (group, topic) of its offset table.
    Pairs(OffsetTable),
    /// The broker-wide call.
    BrokerWide,
    /// One consume-stats call per group.
    PerGroup,
    /// Nothing more: it did not answer for its configs, so it hosts no listed group (and a
    /// broker-wide call would only wait out the same dead broker again).
    Down,
}

impl Plan {
    fn table(&self) -> Option<&OffsetTable> {
        match self {
            Self::Tables(t) | Self::Pairs(t) => Some(t),
            Self::BrokerWide | Self::PerGroup | Self::Down => None,
        }
    }
}

impl Console {
    /// Every consumer group of the connection with its config, lag, TPS and online clients.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn group_list(&self, id: &ConnectionId, options: GroupListOptions) -> Result<GroupListing> {
        let start = Instant::now();
        let (_, client) = self.client(id).await?;
        let link = &client.link;
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
        // Round 1, every master at once: its group configs and its offset table.
        let (configs, tables) = tokio::join!(
            join_all(masters.iter().map(|b| all_group_configs(&b.addr, link))),
            join_all(masters.iter().map(|b| async move {
                match options.stats {
                    StatsSource::OffsetTable => Some(offset_table(&b.addr, link).await),
                    StatsSource::BrokerWide | StatsSource::PerGroup => None,
                }
            })),
        );
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
        let plans: Vec<Plan> = masters
            .iter()
            .zip(tables)
            .map(|(b, t)| match (options.stats, t) {
                _ if failed.iter().any(|f| f.addr == b.addr) => Plan::Down,
                (_, Some(Ok(table))) if options.activity => Plan::Pairs(table),
                (_, Some(Ok(table))) => Plan::Tables(table),
                (_, Some(Err(e))) => {
                    tracing::warn!(broker = %b.broker_name, error = %e, "consumer-offset table refused; broker-wide stats");
                    Plan::BrokerWide
                }
                (StatsSource::PerGroup, None) => Plan::PerGroup,
                (_, None) => Plan::BrokerWide,
            })
            .collect();
        // Round 2: clients, topic stats or per-group stats of every master, pipelined, with the
        // broker-wide call of the masters that refused the table.
        let mut stats: HashMap<(String, usize), Result<GroupStats>> = HashMap::new();
        let mut asks: Vec<Vec<Ask>> = masters.iter().map(|_| Vec::new()).collect();
        let mut wanted_topics: Vec<BTreeSet<String>> = masters.iter().map(|_| BTreeSet::new()).collect();
        for (n, (g, on)) in hosts.iter().enumerate() {
            // A client sends heartbeats to every broker it reads from, so any master holding the
            // group's offsets can tell who is online: the questions are spread over those.
            if options.clients {
                let consumed: Vec<usize> = on
                    .iter()
                    .map(|(i, _)| *i)
                    .filter(|i| plans[*i].table().is_some_and(|t| t.contains_key(g)))
                    .collect();
                let pick = if consumed.is_empty() {
                    on.get(n % on.len().max(1)).map(|(i, _)| *i)
                } else {
                    consumed.get(n % consumed.len()).copied()
                };
                if let Some(i) = pick {
                    asks[i].push(Ask::Clients(g.clone()));
                }
            }
            for (i, _) in on {
                match &plans[*i] {
                    Plan::Tables(table) => {
                        if let Some(topics) = table.get(g) {
                            wanted_topics[*i].extend(topics.keys().cloned());
                        }
                    }
                    Plan::Pairs(table) => match table.get(g) {
                        Some(topics) => {
                            asks[*i].extend(topics.keys().map(|t| Ask::Stats(g.clone(), Some(t.clone()))))
                        }
                        None => {
                            stats.insert((g.clone(), *i), Ok((Vec::new(), 0.0)));
                        }
                    },
                    Plan::PerGroup => asks[*i].push(Ask::Stats(g.clone(), None)),
                    Plan::BrokerWide | Plan::Down => {}
                }
            }
        }
        for (i, topics) in wanted_topics.into_iter().enumerate() {
            asks[i].extend(topics.into_iter().map(Ask::TopicStats));
        }
        let wide = join_all(masters.iter().zip(&plans).map(|(b, plan)| async move {
            match plan {
                Plan::BrokerWide => Some(broker_wide_stats(&b.addr, link).await),
                Plan::Tables(_) | Plan::Pairs(_) | Plan::PerGroup | Plan::Down => None,
            }
        }));
        let (replies, wide) = tokio::join!(run_batch(&masters, &asks, link), wide);
        // Round 3, only where the broker-wide call failed too: one call per group.
        let mut fallback: Vec<usize> = plans
            .iter()
            .enumerate()
            .filter(|(_, p)| matches!(p, Plan::PerGroup))
            .map(|(i, _)| i)
            .collect();
        let mut broker_wide = Vec::new();
        for (i, (b, r)) in masters.iter().zip(wide).enumerate() {
            match r {
                Some(Ok(table)) => {
                    broker_wide.push(b.broker_name.clone());
                    for (g, s) in table {
                        stats.insert((g, i), Ok(s));
                    }
                }
                Some(Err(e)) => {
                    if !matches!(
                        e,
                        Error::BrokerRejected {
                            code: REQUEST_CODE_NOT_SUPPORTED,
                            ..
                        }
                    ) {
                        tracing::warn!(broker = %b.broker_name, error = %e, "broker-wide consume stats failed; per group");
                    }
                    fallback.push(i);
                }
                None => {}
            }
        }
        let mut late: Vec<Vec<Ask>> = masters.iter().map(|_| Vec::new()).collect();
        for (g, on) in &hosts {
            for (i, _) in on {
                if fallback.contains(i) && matches!(plans[*i], Plan::BrokerWide) {
                    late[*i].push(Ask::Stats(g.clone(), None));
                }
            }
        }
        let late_replies = run_batch(&masters, &late, link).await;
        let mut conns: HashMap<String, Result<Option<ConsumerConnectionBody>>> = HashMap::new();
        let mut topic_stats: Vec<HashMap<String, Result<Vec<QueueStat>>>> =
            masters.iter().map(|_| HashMap::new()).collect();
        for (per_master, replies) in [(asks, replies), (late, late_replies)] {
            for (i, (asks, replies)) in per_master.into_iter().zip(replies).enumerate() {
                let addr = &masters[i].addr;
                for (ask, r) in asks.into_iter().zip(replies) {
                    match ask {
                        Ask::Stats(g, _) => {
                            let r = r
                                .and_then(|r| remoting::check(addr, "consume stats", r))
                                .and_then(|r| decode_consume_stats(&r.body));
                            merge_stats(&mut stats, (g, i), r);
                        }
                        Ask::TopicStats(t) => {
                            let r = match r {
                                // Offsets left behind by a deleted topic: no queues, as the
                                // broker's own consume stats skip them.
                                Ok(r) if r.code == TOPIC_NOT_EXIST => Ok(Vec::new()),
                                r => r
                                    .and_then(|r| remoting::check(addr, "topic stats", r))
                                    .and_then(|r| decode_topic_stats(&r.body)),
                            };
                            topic_stats[i].insert(t, r);
                        }
                        Ask::Clients(g) => {
                            let r = r.and_then(|r| {
                                if r.code == CONSUMER_NOT_ONLINE {
                                    return Ok(None);
                                }
                                let r = remoting::check(addr, "consumer connections", r)?;
                                remoting::decode_json::<ConsumerConnectionBody>(
                                    &r.body,
                                    "consumer connections",
                                )
                                .map(Some)
                            });
                            conns.insert(g, r);
                        }
                    }
                }
            }
        }
        // Lag of the masters read by table, now that the online groups' subscriptions are known.
        for (g, on) in &hosts {
            let subscribed = match conns.get(g) {
                Some(Ok(Some(c))) if !c.connection_set.is_empty() && !c.subscription_table.is_empty() => {
                    Some(&c.subscription_table)
                }
                _ => None,
            };
            for (i, _) in on {
                if let Plan::Tables(table) = &plans[*i] {
                    let r = match table.get(g) {
                        Some(offsets) => {
                            queues_from_table(&masters[*i].broker_name, offsets, &topic_stats[*i], subscribed)
                                .map(|q| (q, 0.0))
                        }
                        None => Ok((Vec::new(), 0.0)),
                    };
                    stats.insert((g.clone(), *i), r);
                }
            }
        }
        let failed_names: Vec<String> = failed.iter().map(|f| f.broker_name.clone()).collect();
        let groups = hosts
            .into_iter()
            .map(|(g, on)| {
                let mut queues = Vec::new();
                let (mut tps, mut errors) = (0.0, Vec::new());
                // The brokers count TPS; lag read from tables alone does not have it.
                let tps_known = on.iter().all(|(i, _)| !matches!(plans[*i], Plan::Tables(_)));
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
                    consume_tps: tps_known.then_some(tps),
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
            broker_wide,
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
    fn offset_tables_of_java_and_rust_brokers_decode_and_give_the_lag() {
        // Captured from Apache RocketMQ 5.5.0 (bare queue ids) and rocketmq-rust 1.0 (quoted).
        let java = br#"{"dataVersion":{"counter":8},"groupTopicMap":{"g1":["T"]},"offsetTable":{"T@g1":{0:3,1:3},"%RETRY%g1@g1":{0:0},"Old@g1":{0:5},"odd@x@y":{0:1}},"pullOffsetTable":{"T@g1":{0:9}}}"#;
        let t = decode_offset_table(java).unwrap();
        assert_eq!(t.len(), 1, "a key with two separators is not a group's");
        assert_eq!(t["g1"]["T"][&1], 3);
        assert_eq!(t["g1"].len(), 3);
        let rust = br#"{"dataVersion":{"counter":8},"offsetTable":{"T@g2":{"2":1,"0":4}}}"#;
        assert_eq!(decode_offset_table(rust).unwrap()["g2"]["T"][&0], 4);
        assert!(decode_offset_table(b"{}").unwrap().is_empty());
        assert!(decode_offset_table(b"<html>").is_err());

        let q = |id: u32, max: i64| QueueStat {
            broker_name: "a".into(),
            queue_id: id,
            min_offset: Offset(0),
            max_offset: Offset(max),
            messages: Offset(max),
            last_update: None,
        };
        let topics: HashMap<String, Result<Vec<QueueStat>>> = HashMap::from([
            ("T".to_owned(), Ok(vec![q(0, 10), q(1, 3), q(2, 4)])),
            ("%RETRY%g1".to_owned(), Ok(vec![q(0, 2)])),
            // "Old" was deleted: the broker has no such topic, so no queues.
            ("Old".to_owned(), Ok(Vec::new())),
        ]);
        let queues = queues_from_table("a", &t["g1"], &topics, None).unwrap();
        // T: 10−3 + 3−3 + 4−0 (queue 2 never committed counts from 0); retry: 2−0.
        assert_eq!(group_lag(&queues, None), (Some(13), None));
        let subscribed = HashMap::from([("T".to_owned(), SubscriptionBody::default())]);
        let queues = queues_from_table("a", &t["g1"], &topics, Some(&subscribed)).unwrap();
        assert_eq!(group_lag(&queues, None).0, Some(11), "only the subscribed topic");
        let broken: HashMap<String, Result<Vec<QueueStat>>> =
            HashMap::from([("T".to_owned(), Err(Error::validation("x")))]);
        assert!(queues_from_table("a", &t["g1"], &broken, None).is_err());
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
