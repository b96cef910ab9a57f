//! The topic list, batched: one name-server topic list (206), the system topic list (304) and one
//! all-topic-config call (21) per master broker, all in parallel. Never one route call per topic.
//!
//! A master that does not answer does not make its topics disappear: topics the name server lists
//! but no answering broker configures are kept and flagged, and the failed brokers are reported.

pub mod consumers;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Instant;

use futures::StreamExt as _;
use futures::future::join_all;
use serde::{Deserialize, Serialize};

use crate::cluster::{RoutedBroker, routed_brokers};
use crate::console::Console;
use crate::error::{Error, Result};
use crate::model::{ConnectionId, Millis, Offset};
use crate::remoting;
use crate::remoting::Link;
use crate::remoting::code::{GET_ROUTEINFO_BY_TOPIC, GET_TOPIC_STATS_INFO, TOPIC_NOT_EXIST};

/// What kind of topic this is, from its name, its flags and (5.x) its `message.type` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum TopicType {
    Normal,
    Fifo,
    Delay,
    Transaction,
    Retry,
    Dlq,
    System,
}

/// One row of the topic list.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TopicRow {
    pub name: String,
    pub topic_type: TopicType,
    /// Read / write queues summed over the brokers that host the topic.
    pub read_queues: u32,
    pub write_queues: u32,
    /// "RW", "R", "W", "—", or "mixed" when the brokers disagree.
    pub perm: String,
    /// Broker names hosting the topic, sorted.
    pub brokers: Vec<String>,
    /// Set when the topic's config could not be read from some broker.
    pub warning: Option<String>,
}

/// A broker whose topic configs could not be read this round.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BrokerFailure {
    pub broker_name: String,
    pub addr: String,
    pub error: String,
}

/// The Topics screen's data.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TopicListing {
    pub fetched_at: Millis,
    pub elapsed_ms: f64,
    pub topics: Vec<TopicRow>,
    pub failed_brokers: Vec<BrokerFailure>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TopicListBody {
    #[serde(default)]
    topic_list: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TopicConfigBody {
    #[serde(default)]
    pub(crate) read_queue_nums: u32,
    #[serde(default)]
    pub(crate) write_queue_nums: u32,
    #[serde(default)]
    pub(crate) perm: u32,
    #[serde(default)]
    pub(crate) topic_sys_flag: u32,
    #[serde(default)]
    pub(crate) order: bool,
    #[serde(default)]
    pub(crate) attributes: HashMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
struct KvTableBody {
    #[serde(default)]
    table: HashMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AllTopicConfigBody {
    #[serde(default)]
    pub(crate) topic_config_table: HashMap<String, TopicConfigBody>,
    /// 5.x: the broker's topic-config data version, echoed back when paging.
    #[serde(default)]
    pub(crate) data_version: Option<serde_json::Value>,
}

/// Page size asked for; brokers cap it with their own `splitMetadataSize`.
const CONFIG_PAGE: u32 = 100_000;

/// Pages of one topic-config table beyond which its `totalTopicNum` is not believed (1,000,000
/// topics at the default 2,000 a page): a garbled total must not turn into that many requests.
const MAX_CONFIG_PAGES: usize = 500;

/// A master's whole topic-config table, in one request with no header fields at all. A 5.x
/// broker given header fields without the paging ones logs "Failed field [topicSeq] decoding" at
/// ERROR, and given the paging ones answers 2,000 topics a page (`splitMetadataSize`), re-sorting
/// its whole table for every page (at 10,000 topics: six requests and twice the broker CPU of one).
/// Signed requests (ACL) carry header fields anyway, so they page: see [`read_topic_configs`].
pub(crate) async fn all_topic_configs(addr: &str, link: &Link) -> Result<HashMap<String, TopicConfigBody>> {
    read_topic_configs(addr, link, link.credentials().is_some()).await
}

/// A master's topic-config table, `paged` or not. Paged, a 5.x broker that splits metadata
/// (`enableSplitMetadata`, on by default) answers one page with `totalTopicNum` and its table's
/// data version; the other pages are then asked for at once, pipelined, each naming that
/// version. A broker whose table changed meanwhile answers from the start under a new version:
/// then the read starts over (a few times at most). Older brokers ignore the paging fields.
async fn read_topic_configs(
    addr: &str,
    link: &Link,
    paged: bool,
) -> Result<HashMap<String, TopicConfigBody>> {
    for _ in 0..4 {
        if let Some(table) = read_config_pages(addr, link, paged).await? {
            return Ok(table);
        }
    }
    Err(Error::Conflict {
        message: format!("{addr}: the topic table kept changing while it was read page by page"),
    })
}

fn config_page_request(seq: usize, version: Option<&serde_json::Value>) -> remoting::Request {
    (
        remoting::code::GET_ALL_TOPIC_CONFIG,
        BTreeMap::from([
            ("topicSeq".to_owned(), seq.to_string()),
            ("maxTopicNum".to_owned(), CONFIG_PAGE.to_string()),
            (
                "dataVersion".to_owned(),
                version.map(ToString::to_string).unwrap_or_default(),
            ),
        ]),
    )
}

/// One page's `totalTopicNum` (absent when the broker does not page) and body.
async fn decode_config_page(reply: remoting::Reply) -> Result<(Option<usize>, AllTopicConfigBody)> {
    let total = reply
        .ext
        .get("totalTopicNum")
        .and_then(|t| t.parse::<usize>().ok());
    let body = tokio::task::spawn_blocking(move || {
        remoting::decode_json::<AllTopicConfigBody>(&reply.body, "topic config")
    })
    .await
    .unwrap_or_else(|e| Err(Error::internal(format!("topic config decode task: {e}"))))?;
    Ok((total, body))
}

/// The table, or `None` when it changed between pages.
async fn read_config_pages(
    addr: &str,
    link: &Link,
    paged: bool,
) -> Result<Option<HashMap<String, TopicConfigBody>>> {
    let (code, ext) = if paged {
        config_page_request(0, None)
    } else {
        (remoting::code::GET_ALL_TOPIC_CONFIG, BTreeMap::new())
    };
    let first = link.request_with(addr, code, ext, "all topic config").await?;
    let (total, body) = decode_config_page(first).await?;
    let version = body.data_version;
    let mut table = body.topic_config_table;
    let page = table.len();
    let Some(total) = total else {
        return Ok(Some(table)); // not paged: this is the whole table
    };
    if page == 0 || page >= total {
        return Ok(Some(table));
    }
    if total.div_ceil(page) > MAX_CONFIG_PAGES {
        return Err(Error::BrokerRejected {
            target: addr.to_owned(),
            operation: "all topic config".to_owned(),
            code: -1,
            detail: format!(
                "the broker says {total} topics in pages of {page}: more than {MAX_CONFIG_PAGES} pages, not read"
            ),
        });
    }
    // Page k is [k·page, (k+1)·page) of the broker's sorted table at `version`.
    let requests = (page..total)
        .step_by(page)
        .map(|seq| config_page_request(seq, version.as_ref()))
        .collect();
    let replies = link.batch(addr, requests, 2).await;
    let pages = join_all(replies.into_iter().map(|r| async move {
        let r = remoting::check(addr, "all topic config", r?)?;
        decode_config_page(r).await
    }))
    .await;
    for p in pages {
        let (_, body) = p?;
        if version.is_some() && body.data_version != version {
            return Ok(None);
        }
        table.extend(body.topic_config_table);
    }
    Ok(Some(table))
}

/// Topics every RocketMQ version creates for itself.
const SYSTEM_TOPICS: [&str; 10] = [
    "TBW102",
    "SCHEDULE_TOPIC_XXXX",
    "BenchmarkTest",
    "OFFSET_MOVED_EVENT",
    "RMQ_SYS_TRANS_HALF_TOPIC",
    "RMQ_SYS_TRANS_OP_HALF_TOPIC",
    "RMQ_SYS_TRACE_TOPIC",
    "TRANS_CHECK_MAX_TIME_TOPIC",
    "SELF_TEST_TOPIC",
    "RMQ_SYS_SELF_TEST_TOPIC",
];

/// Classifies a topic. `system_names` are the cluster and broker names the name server reports.
pub fn classify(
    name: &str,
    attributes: &HashMap<String, String>,
    order: bool,
    system_names: &BTreeSet<String>,
) -> TopicType {
    if name.starts_with("%RETRY%") {
        return TopicType::Retry;
    }
    if name.starts_with("%DLQ%") {
        return TopicType::Dlq;
    }
    if SYSTEM_TOPICS.contains(&name)
        || name.starts_with("rmq_sys_")
        || name.starts_with("RMQ_SYS_")
        || name.starts_with("%SYS%")
        || name.ends_with("_REPLY_TOPIC")
        || system_names.contains(name)
    {
        return TopicType::System;
    }
    // 5.x: the message.type attribute ("+message.type" as typed in mqadmin).
    let declared = attributes
        .get("message.type")
        .or_else(|| attributes.get("+message.type"));
    match declared.map(|v| v.to_ascii_uppercase()).as_deref() {
        Some("FIFO") => TopicType::Fifo,
        Some("DELAY") => TopicType::Delay,
        Some("TRANSACTION") => TopicType::Transaction,
        Some("NORMAL") => TopicType::Normal,
        _ if order => TopicType::Fifo,
        _ => TopicType::Normal,
    }
}

/// "RW" / "R" / "W" / "—" from a RocketMQ permission mask (read = 4, write = 2).
pub fn perm_label(perm: u32) -> &'static str {
    match (perm & 4 != 0, perm & 2 != 0) {
        (true, true) => "RW",
        (true, false) => "R",
        (false, true) => "W",
        (false, false) => "—",
    }
}

impl Console {
    /// Every topic of the connection with its type, queues, permission and brokers.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn topic_list(&self, id: &ConnectionId) -> Result<TopicListing> {
        let start = Instant::now();
        let (_, client) = self.client(id).await?;
        let link = &client.link;
        let ns = &client.spec.namesrv_addrs;
        let all = link.request_any(
            ns,
            remoting::code::GET_ALL_TOPIC_LIST_FROM_NAMESERVER,
            "topic list",
        );
        let sys = link.request_any(ns, remoting::code::GET_SYSTEM_TOPIC_LIST_FROM_NS, "system topics");
        // The cluster table runs alongside the name-server lists; each master's config is decoded on a
        // blocking thread as soon as it arrives, so two large bodies decode on two cores.
        let configs = async {
            let routed = routed_brokers(&client).await?;
            let masters: Vec<RoutedBroker> = routed.into_iter().filter(|b| b.broker_id == 0).collect();
            let fetched = join_all(masters.into_iter().map(|b| async move {
                let r = all_topic_configs(&b.addr, link).await;
                (b, r)
            }))
            .await;
            Ok::<_, Error>(fetched)
        };
        // 4.x keeps "ordered" in the name server's ORDER_TOPIC_CONFIG namespace, not in the topic config.
        let ordered = async {
            let ext = BTreeMap::from([("namespace".to_owned(), "ORDER_TOPIC_CONFIG".to_owned())]);
            for addr in ns {
                match link
                    .request_with(
                        addr,
                        remoting::code::GET_KVLIST_BY_NAMESPACE,
                        ext.clone(),
                        "order config",
                    )
                    .await
                {
                    Ok(r) => {
                        return remoting::decode_json::<KvTableBody>(&r.body, "order config")
                            .map(|t| t.table)
                            .unwrap_or_default();
                    }
                    Err(Error::BrokerRejected {
                        code: remoting::code::QUERY_NOT_FOUND,
                        ..
                    }) => return HashMap::new(),
                    Err(_) => {}
                }
            }
            HashMap::new()
        };
        let (all, sys, configs, ordered) = tokio::join!(all, sys, configs, ordered);
        let configs = configs?;
        let all: TopicListBody = remoting::decode_json(&all?.body, "topic list")?;
        // The system list is a nicety (cluster and broker names): its failure only loses that.
        let system_names: BTreeSet<String> = sys
            .and_then(|r| remoting::decode_json::<TopicListBody>(&r.body, "system topics"))
            .map(|b| b.topic_list.into_iter().collect())
            .unwrap_or_default();

        let mut per_topic: BTreeMap<String, Vec<(String, TopicConfigBody)>> = BTreeMap::new();
        let mut failed = Vec::new();
        for (b, r) in configs {
            match r {
                Ok(table) => {
                    for (name, mut cfg) in table {
                        cfg.order |= ordered.contains_key(&name);
                        per_topic
                            .entry(name)
                            .or_default()
                            .push((b.broker_name.clone(), cfg));
                    }
                }
                Err(e) => failed.push(BrokerFailure {
                    broker_name: b.broker_name.clone(),
                    addr: b.addr.clone(),
                    error: e.summary(),
                }),
            }
        }
        for name in all.topic_list {
            per_topic.entry(name).or_default();
        }
        let failed_names: Vec<&str> = failed.iter().map(|f| f.broker_name.as_str()).collect();
        let topics = per_topic
            .into_iter()
            .map(|(name, hosts)| row(name, &hosts, &system_names, &failed_names))
            .collect();
        Ok(TopicListing {
            fetched_at: Millis::now(),
            elapsed_ms: start.elapsed().as_secs_f64() * 1000.0,
            topics,
            failed_brokers: failed,
        })
    }
}

/// How one broker serves a topic (from the topic's route).
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TopicRouteEntry {
    pub broker_name: String,
    pub addr: Option<String>,
    pub read_queues: u32,
    pub write_queues: u32,
    pub perm: String,
}

/// One queue of a topic: its offsets and last write.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct QueueStat {
    pub broker_name: String,
    pub queue_id: u32,
    pub min_offset: Offset,
    pub max_offset: Offset,
    /// Messages currently stored in the queue (max − min).
    pub messages: Offset,
    pub last_update: Option<Millis>,
}

/// The topic detail screen's data.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TopicDetail {
    pub name: String,
    pub fetched_at: Millis,
    pub route: Vec<TopicRouteEntry>,
    pub queues: Vec<QueueStat>,
    /// Sum of `messages` over every queue that answered.
    pub total_messages: Offset,
    pub last_update: Option<Millis>,
    /// The topic's config on each master: queues, permission, order flag, sys flag, attributes.
    pub config: Vec<crate::topic_admin::BrokerTopicConfig>,
    pub failed_brokers: Vec<BrokerFailure>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RouteBody {
    #[serde(default)]
    pub(crate) broker_datas: Vec<remoting::BrokerEntry>,
    #[serde(default)]
    pub(crate) queue_datas: Vec<QueueDataBody>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct QueueDataBody {
    #[serde(default)]
    pub(crate) broker_name: String,
    #[serde(default)]
    pub(crate) read_queue_nums: u32,
    #[serde(default)]
    pub(crate) write_queue_nums: u32,
    #[serde(default)]
    pub(crate) perm: u32,
}

impl Console {
    /// A topic's route (brokers, queue counts, permission) and per-queue offsets and last write.
    // Logged at debug: a missing topic is an answer for callers such as a group's absent %DLQ%
    // topic; the IPC command that asks for it logs its own failures.
    #[tracing::instrument(skip(self), err(level = tracing::Level::DEBUG, Debug))]
    pub async fn topic_detail(&self, id: &ConnectionId, topic: &str) -> Result<TopicDetail> {
        let (_, client) = self.client(id).await?;
        let link = &client.link;
        let ext = BTreeMap::from([("topic".to_owned(), topic.to_owned())]);
        let route = topic_route(&client, topic).await?;
        let masters: Vec<(String, String)> = route
            .broker_datas
            .iter()
            .filter_map(|b| {
                b.broker_addrs
                    .get("0")
                    .map(|a| (b.broker_name.clone(), a.clone()))
            })
            .collect();
        let ext = &ext;
        let routed: Vec<crate::cluster::RoutedBroker> = masters
            .iter()
            .map(|(name, addr)| crate::cluster::RoutedBroker {
                cluster: String::new(),
                broker_name: name.clone(),
                broker_id: 0,
                addr: addr.clone(),
            })
            .collect();
        let config = crate::topic_admin::probe(&client, &routed, topic);
        let stats = join_all(masters.iter().map(|(name, addr)| async move {
            let r = link
                .request_with(addr, GET_TOPIC_STATS_INFO, ext.clone(), "get topic stats")
                .await
                .and_then(|r| decode_topic_stats(&r.body));
            (name, addr, r)
        }));
        let (stats, config) = tokio::join!(stats, config);
        let mut queues = Vec::new();
        let mut failed = Vec::new();
        // The config is a nicety of the detail: a broker that refuses it shows in `failed` via stats.
        let mut config = config.map(|p| p.configs).unwrap_or_default();
        config.sort_by(|a, b| a.broker_name.cmp(&b.broker_name));
        for (name, addr, r) in stats {
            match r {
                Ok(mut q) => queues.append(&mut q),
                Err(e) => failed.push(BrokerFailure {
                    broker_name: name.clone(),
                    addr: addr.clone(),
                    error: e.summary(),
                }),
            }
        }
        queues.sort_by(|a, b| (&a.broker_name, a.queue_id).cmp(&(&b.broker_name, b.queue_id)));
        let addr_of = |name: &str| masters.iter().find(|(n, _)| n == name).map(|(_, a)| a.clone());
        let mut route_rows: Vec<TopicRouteEntry> = route
            .queue_datas
            .iter()
            .map(|q| TopicRouteEntry {
                broker_name: q.broker_name.clone(),
                addr: addr_of(&q.broker_name),
                read_queues: q.read_queue_nums,
                write_queues: q.write_queue_nums,
                perm: perm_label(q.perm).to_owned(),
            })
            .collect();
        route_rows.sort_by(|a, b| a.broker_name.cmp(&b.broker_name));
        Ok(TopicDetail {
            name: topic.to_owned(),
            fetched_at: Millis::now(),
            route: route_rows,
            total_messages: Offset(queues.iter().map(|q| q.messages.0).sum()),
            last_update: queues.iter().filter_map(|q| q.last_update).max(),
            queues,
            config,
            failed_brokers: failed,
        })
    }
}

/// The name server's route of `topic`; `NotFound` when no name server knows it.
pub(crate) async fn topic_route(client: &crate::registry::LiveClient, topic: &str) -> Result<RouteBody> {
    let link = &client.link;
    let ext = BTreeMap::from([("topic".to_owned(), topic.to_owned())]);
    let mut last = Error::validation("no name server given");
    for addr in &client.spec.namesrv_addrs {
        match link
            .request_with(addr, GET_ROUTEINFO_BY_TOPIC, ext.clone(), "topic route")
            .await
        {
            Ok(r) => return remoting::decode_json::<RouteBody>(&r.body, "topic route"),
            Err(Error::BrokerRejected {
                code: TOPIC_NOT_EXIST,
                ..
            }) => {
                return Err(Error::not_found(format!(
                    "topic '{topic}' (no route on the name server)"
                )));
            }
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// Decodes a `GET_TOPIC_STATS_INFO` body: `offsetTable` is keyed by message-queue objects.
pub(crate) fn decode_topic_stats(body: &[u8]) -> Result<Vec<QueueStat>> {
    let text = String::from_utf8_lossy(body);
    let outer = remoting::raw_entries(&text)?;
    let Some((_, table)) = outer.iter().find(|(k, _)| *k == "\"offsetTable\"") else {
        return Ok(Vec::new());
    };
    let num = |v: &serde_json::Value, k: &str| v.get(k).and_then(serde_json::Value::as_i64).unwrap_or(0);
    Ok(remoting::object_keyed_entries(table)?
        .into_iter()
        .map(|(mq, off)| {
            let (min, max, ts) = (
                num(&off, "minOffset"),
                num(&off, "maxOffset"),
                num(&off, "lastUpdateTimestamp"),
            );
            QueueStat {
                broker_name: mq
                    .get("brokerName")
                    .and_then(|b| b.as_str())
                    .unwrap_or_default()
                    .to_owned(),
                queue_id: u32::try_from(num(&mq, "queueId")).unwrap_or(0),
                min_offset: Offset(min),
                max_offset: Offset(max),
                messages: Offset(max.saturating_sub(min).max(0)),
                last_update: (ts > 0).then_some(Millis(ts)),
            }
        })
        .collect())
}

fn row(
    name: String,
    hosts: &[(String, TopicConfigBody)],
    system_names: &BTreeSet<String>,
    failed: &[&str],
) -> TopicRow {
    let first = hosts.first().map(|(_, c)| c.clone()).unwrap_or_default();
    let perms: BTreeSet<u32> = hosts.iter().map(|(_, c)| c.perm).collect();
    let perm = match perms.len() {
        0 => "?".to_owned(),
        1 => perm_label(first.perm).to_owned(),
        _ => "mixed".to_owned(),
    };
    let mut brokers: Vec<String> = hosts.iter().map(|(b, _)| b.clone()).collect();
    brokers.sort();
    let warning = if hosts.is_empty() && !failed.is_empty() {
        Some(format!(
            "Config unavailable: {} did not answer.",
            failed.join(", ")
        ))
    } else if hosts.is_empty() {
        Some("Listed by the name server, but no broker has its config.".to_owned())
    } else if !failed.is_empty() {
        Some(format!(
            "May also live on {}, which did not answer.",
            failed.join(", ")
        ))
    } else {
        None
    };
    TopicRow {
        topic_type: classify(&name, &first.attributes, first.order, system_names),
        name,
        read_queues: hosts.iter().map(|(_, c)| c.read_queue_nums).sum(),
        write_queues: hosts.iter().map(|(_, c)| c.write_queue_nums).sum(),
        perm,
        brokers,
        warning,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain_link(timeout: std::time::Duration) -> crate::remoting::Link {
        crate::remoting::Link::new(crate::remoting::Transport::new(), None, timeout)
    }

    #[test]
    fn topics_are_typed_by_name_attribute_and_flag() {
        let none = HashMap::new();
        let sys: BTreeSet<String> = ["DefaultCluster".to_owned(), "broker-a".to_owned()].into();
        let attr = |v: &str| HashMap::from([("message.type".to_owned(), v.to_owned())]);
        assert_eq!(classify("%RETRY%g", &none, false, &sys), TopicType::Retry);
        assert_eq!(classify("%DLQ%g", &none, false, &sys), TopicType::Dlq);
        assert_eq!(
            classify("RMQ_SYS_TRACE_TOPIC", &none, false, &sys),
            TopicType::System
        );
        assert_eq!(
            classify("rmq_sys_wheel_timer", &none, false, &sys),
            TopicType::System
        );
        assert_eq!(classify("c1_REPLY_TOPIC", &none, false, &sys), TopicType::System);
        assert_eq!(classify("broker-a", &none, false, &sys), TopicType::System);
        assert_eq!(classify("Orders", &attr("FIFO"), false, &sys), TopicType::Fifo);
        assert_eq!(classify("Later", &attr("DELAY"), false, &sys), TopicType::Delay);
        assert_eq!(
            classify("Tx", &attr("TRANSACTION"), false, &sys),
            TopicType::Transaction
        );
        assert_eq!(classify("Old", &none, true, &sys), TopicType::Fifo);
        assert_eq!(classify("Plain", &none, false, &sys), TopicType::Normal);
    }

    #[test]
    fn perm_masks_read_as_labels() {
        assert_eq!(perm_label(6), "RW");
        assert_eq!(perm_label(4), "R");
        assert_eq!(perm_label(2), "W");
        assert_eq!(perm_label(0), "—");
    }

    #[test]
    fn a_topic_only_the_name_server_knows_is_kept_and_flagged() {
        let r = row("Orphan".into(), &[], &BTreeSet::new(), &["broker-b"]);
        assert_eq!(r.perm, "?");
        assert!(r.warning.as_deref().is_some_and(|w| w.contains("broker-b")));
        let cfg = TopicConfigBody {
            read_queue_nums: 4,
            write_queue_nums: 4,
            perm: 6,
            ..Default::default()
        };
        let r = row(
            "T".into(),
            &[
                ("b".into(), cfg.clone()),
                ("a".into(), TopicConfigBody { perm: 4, ..cfg }),
            ],
            &BTreeSet::new(),
            &[],
        );
        assert_eq!(
            (r.read_queues, r.perm.as_str(), r.brokers.join(",")),
            (8, "mixed", "a,b".to_owned())
        );
        assert!(r.warning.is_none());
    }

    /// A fake 5.x broker paging its sorted topic-config table `page` topics at a time, as
    /// `TopicConfigManager.subTopicConfigTable` does: a request naming another data version than
    /// the current one (`version` of the number of requests served so far) is answered from 0.
    async fn paging_broker(
        topics: usize,
        page: usize,
        version: fn(usize) -> u64,
    ) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
        paging_broker_saying(topics, topics, page, version).await
    }

    /// [`paging_broker`] whose replies say `said` topics in all.
    async fn paging_broker_saying(
        topics: usize,
        said: usize,
        page: usize,
        version: fn(usize) -> u64,
    ) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
        use std::sync::atomic::Ordering;
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let served = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let count = served.clone();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                let count = count.clone();
                tokio::spawn(async move {
                    let (mut buf, mut chunk) = (Vec::new(), vec![0u8; 64 * 1024]);
                    loop {
                        let Ok(n) = s.read(&mut chunk).await else { return };
                        if n == 0 {
                            return;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                        for h in remoting::take_request_headers(&mut buf) {
                            let current = version(count.fetch_add(1, Ordering::SeqCst));
                            let ext = &h["extFields"];
                            let asked: Option<serde_json::Value> = ext["dataVersion"]
                                .as_str()
                                .and_then(|v| serde_json::from_str(v).ok());
                            // No header fields: the whole table (totalTopicNum is always said).
                            let seq: Option<usize> = ext["topicSeq"].as_str().map(|s| s.parse().unwrap());
                            let page = if seq.is_some() { page } else { topics };
                            let seq = seq.unwrap_or(0);
                            let begin = if asked == Some(serde_json::json!({ "counter": current })) {
                                seq
                            } else {
                                0
                            };
                            let table: serde_json::Map<String, serde_json::Value> = (begin..topics.min(begin + page))
                                .map(|i| {
                                    (
                                        format!("T{i:05}"),
                                        serde_json::json!({"readQueueNums": 4, "writeQueueNums": 4, "perm": 6}),
                                    )
                                })
                                .collect();
                            let body = serde_json::to_vec(&serde_json::json!({
                                "dataVersion": { "counter": current }, "topicConfigTable": table,
                            }))
                            .unwrap();
                            let header = serde_json::to_vec(&serde_json::json!({
                                "code": 0, "opaque": h["opaque"], "flag": 1,
                                "extFields": { "totalTopicNum": said.to_string() },
                            }))
                            .unwrap();
                            let mut f = ((4 + header.len() + body.len()) as u32).to_be_bytes().to_vec();
                            f.extend_from_slice(&(header.len() as u32).to_be_bytes());
                            f.extend_from_slice(&header);
                            f.extend_from_slice(&body);
                            if s.write_all(&f).await.is_err() {
                                return;
                            }
                        }
                    }
                });
            }
        });
        (addr, served)
    }

    fn names(table: &HashMap<String, TopicConfigBody>) -> BTreeSet<String> {
        table.keys().cloned().collect()
    }

    #[tokio::test]
    async fn paged_topic_configs_are_read_whole_and_again_when_the_table_changes() {
        use std::sync::atomic::Ordering;
        let timeout = std::time::Duration::from_secs(5);
        let all: BTreeSet<String> = (0..10).map(|i| format!("T{i:05}")).collect();

        // Without header fields, the whole table in one request.
        let (addr, served) = paging_broker(10, 3, |_| 1).await;
        let table = all_topic_configs(&addr, &plain_link(timeout)).await.unwrap();
        assert_eq!(names(&table), all);
        assert_eq!(served.load(Ordering::SeqCst), 1);

        // Ten topics, three a page: the first page, then the other three at once.
        let (addr, served) = paging_broker(10, 3, |_| 1).await;
        let table = read_topic_configs(&addr, &plain_link(timeout), true)
            .await
            .unwrap();
        assert_eq!(names(&table), all);
        assert!(table.values().all(|c| c.read_queue_nums == 4 && c.perm == 6));
        assert_eq!(served.load(Ordering::SeqCst), 4);

        // The table changes while its pages are read (from the third request on): those pages
        // come from the start under the new version, so the read starts over and is whole.
        let (addr, served) = paging_broker(10, 3, |n| if n < 2 { 1 } else { 2 }).await;
        let table = read_topic_configs(&addr, &plain_link(timeout), true)
            .await
            .unwrap();
        assert_eq!(names(&table), all);
        assert_eq!(served.load(Ordering::SeqCst), 8, "read twice");

        // A table that changes on every request is not read forever.
        let (addr, _) = paging_broker(10, 3, |n| n as u64).await;
        let e = read_topic_configs(&addr, &plain_link(timeout), true)
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Conflict { .. }), "{e:?}");

        // A garbled total is not turned into a million requests.
        let (addr, served) = paging_broker_saying(10, 1_000_000_000, 3, |_| 1).await;
        let e = read_topic_configs(&addr, &plain_link(timeout), true)
            .await
            .unwrap_err();
        assert!(
            matches!(&e, Error::BrokerRejected { detail, .. } if detail.contains("1000000000 topics")),
            "{e:?}"
        );
        assert_eq!(served.load(Ordering::SeqCst), 1);

        // A table within one page is one request.
        let (addr, served) = paging_broker(3, 3, |_| 1).await;
        assert_eq!(
            read_topic_configs(&addr, &plain_link(timeout), true)
                .await
                .unwrap()
                .len(),
            3
        );
        assert_eq!(served.load(Ordering::SeqCst), 1);
    }
}

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
                    let ext = BTreeMap::from([("topic".to_owned(), topic.clone())]);
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
