//! The topic list: every name server's topics and every master's configs, each topic typed
//! (normal, FIFO, delay, transaction, retry, dead-letter, system) with its permissions.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Instant;

use futures::future::join_all;

use crate::cluster::{RoutedBroker, routed_brokers};
use crate::console::Console;
use crate::error::{Error, Result};
use crate::model::{ConnectionId, Millis};
use crate::remoting;
use crate::remoting::header::KvNamespaceHeader;

use super::configs::all_topic_configs;
use super::{BrokerFailure, KvTableBody, TopicConfigBody, TopicListBody, TopicListing, TopicRow, TopicType};

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
            let ext = KvNamespaceHeader {
                namespace: "ORDER_TOPIC_CONFIG".to_owned(),
            };
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

pub(super) fn row(
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
