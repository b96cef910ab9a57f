//! The consumer-group list: every master's group configs and offset table, then (pipelined) the
//! topics' max offsets and the groups' clients; lag per group from a handful of requests.

pub(super) mod rows;
use rows::{group_row, lag_from_tables};

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Instant;

use futures::future::join_all;

use crate::cluster::{RoutedBroker, routed_brokers};
use crate::console::Console;
use crate::error::{Error, Result};
use crate::model::{ConnectionId, Millis};
use crate::remoting;
use crate::remoting::Link;
use crate::remoting::code::{
    CONSUMER_NOT_ONLINE, GET_CONSUME_STATS, GET_CONSUMER_CONNECTION_LIST, GET_TOPIC_STATS_INFO,
    REQUEST_CODE_NOT_SUPPORTED, TOPIC_NOT_EXIST,
};
use crate::remoting::header::{ConsumeStatsHeader, GroupHeader, Header, TopicHeader};
use crate::topic::consumers::{ConsumerConnectionBody, decode_consume_stats};
use crate::topic::{BrokerFailure, QueueStat, decode_topic_stats};

use super::stats::{GroupStats, OffsetTable, all_group_configs, broker_wide_stats, offset_table};
use super::{GroupConfig, GroupListOptions, GroupListing, STREAMS, StatsSource};

/// A request of the list's second round.
#[derive(Debug, Clone)]
pub(super) enum Ask {
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
                    GroupHeader {
                        consumer_group: g.clone(),
                    }
                    .into_fields(),
                ),
                Ask::Stats(g, topic) => (
                    GET_CONSUME_STATS,
                    ConsumeStatsHeader {
                        consumer_group: g.clone(),
                        topic: topic.clone(),
                    }
                    .into_fields(),
                ),
                Ask::TopicStats(t) => (
                    GET_TOPIC_STATS_INFO,
                    TopicHeader { topic: t.clone() }.into_fields(),
                ),
            })
            .collect();
        link.batch(&b.addr, requests, STREAMS)
    }))
    .await
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

/// Per (group, master index): the group's stats there, as far as read.
type StatsMap = HashMap<(String, usize), Result<GroupStats>>;
/// Per group: its clients (`None` online nobody), or why they could not be read.
type ConnsMap = HashMap<String, Result<Option<ConsumerConnectionBody>>>;
/// Per master: the topics' queues read in the second round.
type TopicStatsMap = Vec<HashMap<String, Result<Vec<QueueStat>>>>;

/// Round 1's outcome: the masters that hold each group (with its config there), how each master's
/// stats are read, and the masters that did not answer.
struct Round1 {
    hosts: BTreeMap<String, Vec<(usize, GroupConfig)>>,
    plans: Vec<Plan>,
    failed: Vec<BrokerFailure>,
}

/// Round 1, every master at once: its group configs and its offset table.
async fn round_one(masters: &[RoutedBroker], options: GroupListOptions, link: &Link) -> Round1 {
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
    Round1 { hosts, plans, failed }
}

/// Round 2's requests per master: clients, topic stats or per-group stats. Groups a master read by
/// (group, topic) pairs has no offsets for get empty stats at once, in `stats`.
fn round_two_asks(r1: &Round1, clients: bool, stats: &mut StatsMap) -> Vec<Vec<Ask>> {
    let n_masters = r1.plans.len();
    let mut asks: Vec<Vec<Ask>> = (0..n_masters).map(|_| Vec::new()).collect();
    let mut wanted_topics: Vec<BTreeSet<String>> = (0..n_masters).map(|_| BTreeSet::new()).collect();
    for (n, (g, on)) in r1.hosts.iter().enumerate() {
        // A client sends heartbeats to every broker it reads from, so any master holding the
        // group's offsets can tell who is online: the questions are spread over those.
        if clients {
            let consumed: Vec<usize> = on
                .iter()
                .map(|(i, _)| *i)
                .filter(|i| r1.plans[*i].table().is_some_and(|t| t.contains_key(g)))
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
            match &r1.plans[*i] {
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
    asks
}

/// Takes the broker-wide stats into `stats`; returns the masters that answered them (by name) and
/// the masters to read one group at a time (per-group plan, or the broker-wide call failed).
fn take_broker_wide(
    masters: &[RoutedBroker],
    plans: &[Plan],
    wide: Vec<Option<Result<HashMap<String, GroupStats>>>>,
    stats: &mut StatsMap,
) -> (Vec<String>, Vec<usize>) {
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
    (broker_wide, fallback)
}

/// One round's requests per master and their replies, in the same order.
type Batch = (Vec<Vec<Ask>>, Vec<Vec<Result<remoting::Reply>>>);

/// Files each batched reply under what it answers: group stats, a topic's queues, or a group's
/// clients.
fn take_replies(
    masters: &[RoutedBroker],
    batches: Vec<Batch>,
    stats: &mut StatsMap,
) -> (ConnsMap, TopicStatsMap) {
    let mut conns: ConnsMap = HashMap::new();
    let mut topic_stats: TopicStatsMap = masters.iter().map(|_| HashMap::new()).collect();
    for (per_master, replies) in batches {
        for (i, (asks, replies)) in per_master.into_iter().zip(replies).enumerate() {
            let addr = &masters[i].addr;
            for (ask, r) in asks.into_iter().zip(replies) {
                match ask {
                    Ask::Stats(g, _) => {
                        let r = r
                            .and_then(|r| remoting::check(addr, "consume stats", r))
                            .and_then(|r| decode_consume_stats(&r.body));
                        merge_stats(stats, (g, i), r);
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
                            remoting::decode_json::<ConsumerConnectionBody>(&r.body, "consumer connections")
                                .map(Some)
                        });
                        conns.insert(g, r);
                    }
                }
            }
        }
    }
    (conns, topic_stats)
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
        let r1 = round_one(&masters, options, link).await;
        // Round 2: clients, topic stats or per-group stats of every master, pipelined, with the
        // broker-wide call of the masters that refused the table.
        let mut stats: StatsMap = HashMap::new();
        let asks = round_two_asks(&r1, options.clients, &mut stats);
        let wide = join_all(masters.iter().zip(&r1.plans).map(|(b, plan)| async move {
            match plan {
                Plan::BrokerWide => Some(broker_wide_stats(&b.addr, link).await),
                Plan::Tables(_) | Plan::Pairs(_) | Plan::PerGroup | Plan::Down => None,
            }
        }));
        let (replies, wide) = tokio::join!(run_batch(&masters, &asks, link), wide);
        let (broker_wide, fallback) = take_broker_wide(&masters, &r1.plans, wide, &mut stats);
        // Round 3, only where the broker-wide call failed too: one call per group.
        let mut late: Vec<Vec<Ask>> = masters.iter().map(|_| Vec::new()).collect();
        for (g, on) in &r1.hosts {
            for (i, _) in on {
                if fallback.contains(i) && matches!(r1.plans[*i], Plan::BrokerWide) {
                    late[*i].push(Ask::Stats(g.clone(), None));
                }
            }
        }
        let late_replies = run_batch(&masters, &late, link).await;
        let (mut conns, topic_stats) =
            take_replies(&masters, vec![(asks, replies), (late, late_replies)], &mut stats);
        lag_from_tables(&masters, &r1, &conns, &topic_stats, &mut stats);
        let failed_names: Vec<String> = r1.failed.iter().map(|f| f.broker_name.clone()).collect();
        let Round1 { hosts, plans, failed } = r1;
        let groups = hosts
            .into_iter()
            .map(|entry| group_row(entry, &masters, &plans, &failed_names, &mut stats, &mut conns))
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
