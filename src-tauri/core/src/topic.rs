//! The topic list, batched: one name-server topic list (206), the system topic list (304) and one
//! all-topic-config call (21) per master broker, all in parallel. Never one route call per topic.
//!
//! A master that does not answer does not make its topics disappear: topics the name server lists
//! but no answering broker configures are kept and flagged, and the failed brokers are reported.

pub mod admin;
pub(crate) mod configs;
pub mod consumers;
pub(crate) mod detail;
mod list;
mod stats;
pub(crate) use detail::{decode_topic_stats, topic_route};
pub use list::{classify, perm_label};
pub use stats::{MAX_STATS_TOPICS, TopicStatsRow};

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::model::{Millis, Offset};
use crate::remoting;

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
    pub config: Vec<crate::topic::admin::BrokerTopicConfig>,
    pub failed_brokers: Vec<BrokerFailure>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RouteBody {
    #[serde(default)]
    pub(crate) broker_datas: Vec<remoting::BrokerEntry>,
    #[serde(default)]
    pub(crate) queue_datas: Vec<QueueDataBody>,
}

#[derive(Debug, Clone, Default, Deserialize)]
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::configs::{all_topic_configs, read_topic_configs};
    use super::list::{classify, perm_label, row};
    use super::*;
    use crate::error::Error;

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
