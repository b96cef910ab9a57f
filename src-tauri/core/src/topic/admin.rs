//! Topic mutations — create/update and delete — each planned (exact change, warnings, equivalent
//! `mqadmin` line), admitted (read-only, confirmation), applied and journaled.
//!
//! Wire calls: `UPDATE_AND_CREATE_TOPIC` (17) per target master; `PUT_KV_CONFIG` /
//! `DELETE_KV_CONFIG` (100 / 102) of the `ORDER_TOPIC_CONFIG` namespace on every name server for
//! ordered topics (what `mqadmin updateTopic -o true` does); `DELETE_TOPIC_IN_BROKER` (215) on every
//! broker of the topic's route and `DELETE_TOPIC_IN_NAMESRV` (216) on every name server. State
//! before and after comes from `GET_TOPIC_CONFIG` (351), or on brokers without it (4.x) from the
//! broker's full topic config (21).

pub(crate) mod delete;
mod upsert;
pub(crate) use delete::{delete_topic_on, route_brokers};

use std::collections::BTreeMap;

use futures::future::join_all;
use serde::{Deserialize, Serialize};

use crate::cluster::RoutedBroker;
use crate::console::{Console, CoreEvent};
use crate::error::{Error, Result};
use crate::model::ConnectionId;
use crate::registry::LiveClient;
use crate::remoting;
use crate::remoting::code::{GET_KV_CONFIG, GET_TOPIC_CONFIG, REQUEST_CODE_NOT_SUPPORTED, TOPIC_NOT_EXIST};
use crate::remoting::header::{KvConfigHeader, TopicHeader};
use crate::safety::check_name;
use crate::topic::{AllTopicConfigBody, TopicConfigBody};

const ORDER_NAMESPACE: &str = "ORDER_TOPIC_CONFIG";
/// Longest topic name RocketMQ accepts (`TopicValidator.TOPIC_MAX_LENGTH`).
pub const TOPIC_MAX_LENGTH: usize = 127;
/// Most queues per broker the console lets one create (brokers accept more; nobody needs it).
pub const MAX_QUEUES: u32 = 1024;

/// The 5.x `message.type` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum TopicMessageType {
    Normal,
    Fifo,
    Delay,
    Transaction,
}

impl TopicMessageType {
    pub fn wire(self) -> &'static str {
        match self {
            Self::Normal => "NORMAL",
            Self::Fifo => "FIFO",
            Self::Delay => "DELAY",
            Self::Transaction => "TRANSACTION",
        }
    }
}

/// What the create/update form submits.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TopicSpec {
    pub name: String,
    /// Clusters whose every master gets the topic.
    #[serde(default)]
    pub clusters: Vec<String>,
    /// Individual brokers (by broker name), in addition to `clusters`.
    #[serde(default)]
    pub brokers: Vec<String>,
    pub read_queues: u32,
    pub write_queues: u32,
    /// RocketMQ permission mask: 6 = read/write, 4 = read only, 2 = write only.
    pub perm: u32,
    /// 5.x only; absent leaves the attribute as it is (unset on a new topic).
    pub message_type: Option<TopicMessageType>,
    /// Ordered (FIFO) topic: kept in the name server's `ORDER_TOPIC_CONFIG`, as `mqadmin -o true`.
    pub order: bool,
}

/// A topic's config on one broker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BrokerTopicConfig {
    pub broker_name: String,
    pub addr: String,
    pub read_queues: u32,
    pub write_queues: u32,
    pub perm: u32,
    pub topic_sys_flag: u32,
    pub order: bool,
    pub attributes: BTreeMap<String, String>,
}

/// A topic's state across the brokers a change touches: what the journal records as before/after.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TopicState {
    pub topic: String,
    pub brokers: Vec<BrokerTopicConfig>,
    /// The name servers' `ORDER_TOPIC_CONFIG` entry ("broker-a:8;broker-b:8"), when there is one.
    pub order_conf: Option<String>,
}

/// Checks a topic name as RocketMQ's `TopicValidator` does, plus the console's reserved prefixes.
pub fn validate_topic_name(name: &str) -> Result<()> {
    check_name("topic", name, TOPIC_MAX_LENGTH)?;
    for (prefix, why) in [
        (
            "%RETRY%",
            "retry topics are created by the broker for consumer groups",
        ),
        (
            "%DLQ%",
            "dead-letter topics are created by the broker for consumer groups",
        ),
        ("%SYS%", "the prefix is reserved for system topics"),
        ("rmq_sys_", "the prefix is reserved for system topics"),
        ("RMQ_SYS_", "the prefix is reserved for system topics"),
    ] {
        if name.starts_with(prefix) {
            return Err(Error::validation(format!(
                "The topic name starts with '{prefix}': {why}."
            )));
        }
    }
    if [
        "TBW102",
        "SCHEDULE_TOPIC_XXXX",
        "BenchmarkTest",
        "OFFSET_MOVED_EVENT",
        "SELF_TEST_TOPIC",
        "TRANS_CHECK_MAX_TIME_TOPIC",
    ]
    .contains(&name)
    {
        return Err(Error::validation(format!("'{name}' is a RocketMQ system topic.")));
    }
    Ok(())
}

/// Whether `name` is a consumer group's retry or dead-letter topic: the broker creates those, but
/// an existing one may be edited (a write-only DLQ given read permission).
pub(crate) fn is_group_topic(name: &str) -> bool {
    name.starts_with("%RETRY%") || name.starts_with("%DLQ%")
}

/// Checks a spec's values; the name fully (reserved prefixes too) unless it is an existing group
/// topic being edited.
fn validate_spec(spec: &TopicSpec, exists: bool) -> Result<()> {
    if exists && is_group_topic(&spec.name) {
        check_name("topic", &spec.name, TOPIC_MAX_LENGTH)?;
    } else {
        validate_topic_name(&spec.name)?;
    }
    for (what, n) in [("read", spec.read_queues), ("write", spec.write_queues)] {
        if n == 0 || n > MAX_QUEUES {
            return Err(Error::validation(format!(
                "The {what} queue count must be between 1 and {MAX_QUEUES} (got {n})."
            )));
        }
    }
    if !matches!(spec.perm, 2 | 4 | 6) {
        return Err(Error::validation(format!(
            "Permission must be 6 (read/write), 4 (read only) or 2 (write only), got {}.",
            spec.perm
        )));
    }
    if spec.clusters.is_empty() && spec.brokers.is_empty() {
        return Err(Error::validation("Choose at least one cluster or broker."));
    }
    Ok(())
}

/// Whether the brokers support per-topic attributes (5.x, rocketmq-rust) and the topic's config there.
pub(crate) struct Probe {
    pub(crate) configs: Vec<BrokerTopicConfig>,
    attributes_supported: bool,
}

async fn config_on(
    client: &LiveClient,
    broker: &RoutedBroker,
    topic: &str,
) -> Result<(Option<BrokerTopicConfig>, bool)> {
    let ext = TopicHeader {
        topic: topic.to_owned(),
    };
    let of = |c: TopicConfigBody| BrokerTopicConfig {
        broker_name: broker.broker_name.clone(),
        addr: broker.addr.clone(),
        read_queues: c.read_queue_nums,
        write_queues: c.write_queue_nums,
        perm: c.perm,
        topic_sys_flag: c.topic_sys_flag,
        order: c.order,
        attributes: c.attributes.into_iter().collect(),
    };
    let r = client.link.invoke(&broker.addr, GET_TOPIC_CONFIG, ext).await?;
    match r.code {
        0 => {
            let body: TopicConfigBody = remoting::decode_json(&r.body, "topic config")?;
            Ok((Some(of(body)), true))
        }
        TOPIC_NOT_EXIST => Ok((None, true)),
        REQUEST_CODE_NOT_SUPPORTED => {
            let r = client
                .link
                .request(
                    &broker.addr,
                    remoting::code::GET_ALL_TOPIC_CONFIG,
                    "all topic config",
                )
                .await?;
            let mut all: AllTopicConfigBody = remoting::decode_json(&r.body, "topic config")?;
            Ok((all.topic_config_table.remove(topic).map(of), false))
        }
        _ => remoting::check(&broker.addr, "get topic config", r).map(|_| (None, true)),
    }
}

pub(crate) async fn probe(client: &LiveClient, brokers: &[RoutedBroker], topic: &str) -> Result<Probe> {
    let results = join_all(brokers.iter().map(|b| config_on(client, b, topic))).await;
    let mut configs = Vec::new();
    let mut attributes_supported = true;
    for r in results {
        let (c, supported) = r?;
        attributes_supported &= supported;
        configs.extend(c);
    }
    Ok(Probe {
        configs,
        attributes_supported,
    })
}

async fn order_conf(client: &LiveClient, topic: &str) -> Result<Option<String>> {
    let ext = KvConfigHeader {
        namespace: ORDER_NAMESPACE.to_owned(),
        key: topic.to_owned(),
        value: None,
    };
    let mut last = Error::validation("no name server given");
    for addr in &client.spec.namesrv_addrs {
        match client
            .link
            .request_with(addr, GET_KV_CONFIG, ext.clone(), "get order config")
            .await
        {
            Ok(r) => return Ok(r.ext.get("value").cloned().filter(|v| !v.is_empty())),
            Err(Error::BrokerRejected {
                code: remoting::code::QUERY_NOT_FOUND,
                ..
            }) => return Ok(None),
            Err(e) => last = e,
        }
    }
    Err(last)
}

fn type_of(attrs: &BTreeMap<String, String>) -> Option<&str> {
    attrs
        .get("message.type")
        .or_else(|| attrs.get("+message.type"))
        .map(String::as_str)
}

impl Console {
    /// Tells the UI the connection's topic data is stale.
    pub(crate) fn topics_changed(&self, id: &ConnectionId) {
        self.emit(CoreEvent::ResourceInvalidated {
            connection_id: id.clone(),
            scope: vec!["topics".into()],
        });
    }
}

async fn read_state(client: &LiveClient, brokers: &[RoutedBroker], topic: &str) -> Result<TopicState> {
    let (probe, order) = tokio::try_join!(probe(client, brokers, topic), order_conf(client, topic))?;
    Ok(TopicState {
        topic: topic.to_owned(),
        brokers: probe.configs,
        order_conf: order,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::AuditOutcome;
    use crate::safety::{outcome_of, resolve_targets};

    #[test]
    fn names_are_checked_like_rocketmq_does() {
        for ok in ["Orders", "a-b_c", "%x|y", &"a".repeat(127)] {
            assert!(validate_topic_name(ok).is_ok(), "{ok}");
        }
        let msg = |n: &str| validate_topic_name(n).unwrap_err().to_string();
        assert!(msg("").contains("empty"));
        assert!(msg(&"a".repeat(128)).contains("at most 127"));
        assert!(msg("a b").contains("' '"));
        assert!(msg("a.b").contains("'.'"));
        assert!(msg("%RETRY%g").contains("retry topics"));
        assert!(msg("%DLQ%g").contains("dead-letter"));
        assert!(msg("rmq_sys_x").contains("reserved"));
        assert!(msg("TBW102").contains("system topic"));
    }

    fn broker(cluster: &str, name: &str, id: u32) -> RoutedBroker {
        RoutedBroker {
            cluster: cluster.into(),
            broker_name: name.into(),
            broker_id: id,
            addr: format!("127.0.0.1:{}", 10_000 + id),
        }
    }

    fn spec(clusters: &[&str], brokers: &[&str]) -> TopicSpec {
        TopicSpec {
            name: "T".into(),
            clusters: clusters.iter().map(|s| (*s).to_owned()).collect(),
            brokers: brokers.iter().map(|s| (*s).to_owned()).collect(),
            read_queues: 8,
            write_queues: 8,
            perm: 6,
            message_type: None,
            order: false,
        }
    }

    #[test]
    fn targets_are_the_masters_of_the_chosen_clusters_and_brokers() {
        let routed = [
            broker("c1", "a", 0),
            broker("c1", "a", 1),
            broker("c1", "b", 0),
            broker("c2", "x", 0),
        ];
        let names = |s: &TopicSpec| {
            resolve_targets(&routed, &s.clusters, &s.brokers)
                .unwrap()
                .iter()
                .map(|b| b.broker_name.clone())
                .collect::<Vec<_>>()
                .join(",")
        };
        assert_eq!(names(&spec(&["c1"], &[])), "a,b");
        assert_eq!(names(&spec(&["c1"], &["x"])), "a,b,x");
        assert!(resolve_targets(&routed, &["nope".into()], &[]).is_err());
        assert!(resolve_targets(&routed, &[], &["zz".into()]).is_err());
        assert!(validate_spec(&spec(&[], &[]), false).is_err());
        assert!(
            validate_spec(
                &TopicSpec {
                    perm: 5,
                    ..spec(&["c1"], &[])
                },
                false,
            )
            .is_err()
        );
        assert!(
            validate_spec(
                &TopicSpec {
                    read_queues: 0,
                    ..spec(&["c1"], &[])
                },
                false,
            )
            .is_err()
        );
    }

    #[test]
    fn outcomes_are_ok_partial_or_failed() {
        assert_eq!(outcome_of(&[], 3, "x").0, AuditOutcome::Ok);
        let e = || Error::validation("x");
        assert_eq!(outcome_of(&[("a".into(), e())], 3, "x").0, AuditOutcome::Partial);
        let (o, err) = outcome_of(&[("a".into(), e()), ("b".into(), e())], 2, "x");
        assert_eq!(o, AuditOutcome::Failed);
        assert!(err.unwrap().detail().unwrap_or_default().contains("a: "));
    }
}
