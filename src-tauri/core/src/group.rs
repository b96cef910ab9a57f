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
mod list;
pub mod offset;
pub(crate) mod stats;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::model::{Millis, Offset};
use crate::topic::BrokerFailure;

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

#[cfg(test)]
mod tests {
    use super::list::rows::queues_from_table;
    use super::stats::{decode_broker_consume_stats, decode_offset_table, group_lag};
    use super::*;
    use crate::error::{Error, Result};
    use crate::remoting;
    use crate::topic::QueueStat;
    use crate::topic::consumers::SubscriptionBody;

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
