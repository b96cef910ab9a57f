//! Consumer-group mutations — create/update and delete — each planned (field by field per broker,
//! warnings, the `mqadmin` equivalent), admitted (read-only, confirmation), applied, read back and
//! journaled.
//!
//! Wire calls: `UPDATE_AND_CREATE_SUBSCRIPTIONGROUP` (200, the whole config as the body) per target
//! master; `DELETE_SUBSCRIPTIONGROUP` (207; `cleanOffset` on 5.x, `removeOffset` on 4.x, both sent)
//! per master holding the group; the group's `%RETRY%` and `%DLQ%` topics deleted as a topic is
//! (215 on their brokers, 216 on the name servers). State before and after: each broker's config from
//! `GET_ALL_SUBSCRIPTIONGROUP_CONFIG` (201), kept as the broker sent it, so fields the console does
//! not edit (retry policy, attributes, subscription data) are written back untouched.

mod delete;
mod upsert;

use std::collections::{BTreeMap, BTreeSet};

use futures::future::join_all;
use rocketmq_model::version::RocketMqVersion;
use serde::{Deserialize, Serialize};

use super::GroupConfig;
use super::stats::group_connections;
use crate::cluster::RoutedBroker;
use crate::error::{Error, Result};
use crate::producer::is_system_group;
use crate::registry::LiveClient;
use crate::remoting;
use crate::remoting::Link;
use crate::remoting::code::GET_ALL_SUBSCRIPTIONGROUP_CONFIG;
use crate::safety::{check_name, to_json};

/// Longest group name RocketMQ accepts (`TopicValidator.GROUP_MAX_LENGTH`).
pub const GROUP_MAX_LENGTH: usize = 120;
/// Most retry queues the console lets one configure.
pub const MAX_RETRY_QUEUES: u32 = 64;
/// Most delivery attempts before a message goes to the dead-letter queue.
pub const MAX_RETRY_TIMES: i32 = 1000;

/// What the create/update form submits.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct GroupSpec {
    pub group: String,
    /// Clusters whose every master gets the group.
    #[serde(default)]
    pub clusters: Vec<String>,
    /// Individual brokers (by broker name), in addition to `clusters`.
    #[serde(default)]
    pub brokers: Vec<String>,
    pub config: GroupConfig,
}

/// What the delete dialog submits.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct GroupDeleteSpec {
    pub group: String,
    /// Brokers (by name) to delete the group from; empty: every master that holds it.
    #[serde(default)]
    pub brokers: Vec<String>,
    /// Also remove the group's committed offsets on those brokers.
    pub remove_offsets: bool,
    /// Also delete the group's `%RETRY%` topic (only when the group goes from every broker).
    pub delete_retry_topic: bool,
    /// Also delete the group's `%DLQ%` topic and the dead letters in it (idem).
    pub delete_dlq_topic: bool,
}

/// The group's config on one broker, as the broker sent it.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BrokerGroupConfig {
    pub broker_name: String,
    pub addr: String,
    pub config: GroupConfig,
    /// The broker's whole JSON object (fields the console does not edit included).
    #[specta(type = specta_typescript::Unknown)]
    pub raw: serde_json::Value,
}

/// A group's state across the brokers a change touches (the journal's before/after).
#[derive(Debug, Clone, Default, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct GroupState {
    pub group: String,
    pub brokers: Vec<BrokerGroupConfig>,
}

/// Checks a group name as RocketMQ's `TopicValidator.validateGroup` does, plus the console's
/// reserved names.
pub fn validate_group_name(name: &str) -> Result<()> {
    check_name("group", name, GROUP_MAX_LENGTH)?;
    if name.starts_with("%RETRY%") || name.starts_with("%DLQ%") {
        return Err(Error::validation(
            "Group names starting with '%RETRY%' or '%DLQ%' collide with the topics RocketMQ derives from them.",
        ));
    }
    if is_system_group(name) {
        return Err(Error::validation(format!(
            "'{name}' is a system consumer group: brokers and the console manage it."
        )));
    }
    Ok(())
}

fn validate_spec(spec: &GroupSpec) -> Result<()> {
    validate_group_name(&spec.group)?;
    let c = &spec.config;
    if c.retry_queue_nums > MAX_RETRY_QUEUES {
        return Err(Error::validation(format!(
            "Retry queues must be between 0 and {MAX_RETRY_QUEUES} (got {}).",
            c.retry_queue_nums
        )));
    }
    if !(-1..=MAX_RETRY_TIMES).contains(&c.retry_max_times) {
        return Err(Error::validation(format!(
            "Retry max times must be between -1 (the client decides) and {MAX_RETRY_TIMES} (got {}).",
            c.retry_max_times
        )));
    }
    if spec.clusters.is_empty() && spec.brokers.is_empty() {
        return Err(Error::validation("Choose at least one cluster or broker."));
    }
    Ok(())
}

/// The edited fields of a config, by their wire names, as the preview shows them.
fn fields(c: &GroupConfig) -> [(&'static str, String); 9] {
    [
        ("consumeEnable", c.consume_enable.to_string()),
        ("consumeBroadcastEnable", c.consume_broadcast_enable.to_string()),
        ("consumeMessageOrderly", c.consume_message_orderly.to_string()),
        ("consumeFromMinEnable", c.consume_from_min_enable.to_string()),
        ("retryQueueNums", c.retry_queue_nums.to_string()),
        ("retryMaxTimes", c.retry_max_times.to_string()),
        ("brokerId", c.broker_id.to_string()),
        (
            "whichBrokerWhenConsumeSlowly",
            c.which_broker_when_consume_slowly.to_string(),
        ),
        (
            "notifyConsumerIdsChangedEnable",
            c.notify_consumer_ids_changed_enable.to_string(),
        ),
    ]
}

/// One broker's raw subscription-group table and whether the broker is 5.x (or rocketmq-rust).
async fn group_table(addr: &str, link: &Link) -> Result<(serde_json::Map<String, serde_json::Value>, bool)> {
    let r = link
        .invoke(addr, GET_ALL_SUBSCRIPTIONGROUP_CONFIG, BTreeMap::new())
        .await?;
    let v5 = i64::from(r.version) >= i64::from(RocketMqVersion::V5_0_0.ordinal());
    let r = remoting::check(addr, "subscription groups", r)?;
    let mut body: serde_json::Value = remoting::decode_json(&r.body, "subscription groups")?;
    let table = match body
        .get_mut("subscriptionGroupTable")
        .map(serde_json::Value::take)
    {
        Some(serde_json::Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    };
    Ok((table, v5))
}

/// The group's config on each of `brokers` (absent where it has none), and which are 5.x.
async fn read_state(
    client: &LiveClient,
    brokers: &[RoutedBroker],
    group: &str,
) -> Result<(GroupState, BTreeMap<String, bool>)> {
    let tables = join_all(brokers.iter().map(|b| group_table(&b.addr, &client.link))).await;
    let mut state = GroupState {
        group: group.to_owned(),
        brokers: Vec::new(),
    };
    let mut v5 = BTreeMap::new();
    for (b, t) in brokers.iter().zip(tables) {
        let (mut table, is_v5) = t.map_err(|e| with_broker(b, e))?;
        v5.insert(b.broker_name.clone(), is_v5);
        if let Some(raw) = table.remove(group) {
            let config: GroupConfig =
                serde_json::from_value(raw.clone()).map_err(|e| Error::BrokerRejected {
                    target: b.addr.clone(),
                    operation: "decode subscription group".into(),
                    code: -1,
                    detail: format!("group '{group}': {e}"),
                })?;
            state.brokers.push(BrokerGroupConfig {
                broker_name: b.broker_name.clone(),
                addr: b.addr.clone(),
                config,
                raw,
            });
        }
    }
    Ok((state, v5))
}

fn with_broker(b: &RoutedBroker, e: Error) -> Error {
    match e {
        Error::Unreachable { detail, .. } => Error::Unreachable {
            target: format!("{} ({})", b.broker_name, b.addr),
            detail,
        },
        other => other,
    }
}

/// The body `UPDATE_AND_CREATE_SUBSCRIPTIONGROUP` gets: the broker's current object with the edited
/// fields replaced (a new group: just those fields).
fn body_for(group: &str, raw: Option<&serde_json::Value>, config: &GroupConfig) -> Result<Vec<u8>> {
    let mut obj = match raw {
        Some(serde_json::Value::Object(m)) => m.clone(),
        _ => serde_json::Map::new(),
    };
    if let serde_json::Value::Object(edited) = to_json(config) {
        obj.extend(edited);
    }
    obj.insert("groupName".into(), serde_json::Value::String(group.to_owned()));
    serde_json::to_vec(&obj).map_err(|e| Error::internal(e.to_string()))
}

/// Online clients of `group` as the first answering broker of `hosts` sees them: (count, models).
async fn online(client: &LiveClient, hosts: &[RoutedBroker], group: &str) -> (usize, BTreeSet<String>) {
    for b in hosts {
        if let Ok(c) = group_connections(&b.addr, group, &client.link).await {
            return c.map_or((0, BTreeSet::new()), |c| {
                (c.connection_set.len(), c.message_model.into_iter().collect())
            });
        }
    }
    (0, BTreeSet::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_names_are_checked_like_rocketmq_does() {
        for ok in ["orders-consumer", "a_b|c", &"g".repeat(120)] {
            assert!(validate_group_name(ok).is_ok(), "{ok}");
        }
        let msg = |n: &str| validate_group_name(n).unwrap_err().to_string();
        assert!(msg("").contains("empty"));
        assert!(msg(&"g".repeat(121)).contains("at most 120"));
        assert!(msg("a b").contains("' '"));
        assert!(msg("%RETRY%x").contains("collide"));
        assert!(msg("TOOLS_CONSUMER").contains("system"));
    }

    #[test]
    fn the_body_keeps_fields_the_console_does_not_edit() {
        let raw = serde_json::json!({
            "groupName": "g", "consumeEnable": true, "retryMaxTimes": 16,
            "groupRetryPolicy": {"type": "CUSTOMIZED"}, "attributes": {"x": "1"}
        });
        let config = GroupConfig {
            consume_enable: false,
            retry_max_times: 3,
            ..GroupConfig::default()
        };
        let body: serde_json::Value =
            serde_json::from_slice(&body_for("g", Some(&raw), &config).unwrap()).unwrap();
        assert_eq!(body["consumeEnable"], false);
        assert_eq!(body["retryMaxTimes"], 3);
        assert_eq!(body["groupRetryPolicy"]["type"], "CUSTOMIZED");
        assert_eq!(body["attributes"]["x"], "1");
        let fresh: serde_json::Value =
            serde_json::from_slice(&body_for("n", None, &config).unwrap()).unwrap();
        assert_eq!(fresh["groupName"], "n");
        assert_eq!(fresh["retryQueueNums"], 1);
    }

    #[test]
    fn settings_out_of_range_are_refused() {
        let spec = |config: GroupConfig| GroupSpec {
            group: "g".into(),
            clusters: vec!["c".into()],
            brokers: vec![],
            config,
        };
        assert!(validate_spec(&spec(GroupConfig::default())).is_ok());
        assert!(
            validate_spec(&spec(GroupConfig {
                retry_queue_nums: 65,
                ..GroupConfig::default()
            }))
            .is_err()
        );
        assert!(
            validate_spec(&spec(GroupConfig {
                retry_max_times: -2,
                ..GroupConfig::default()
            }))
            .is_err()
        );
        assert!(
            validate_spec(&GroupSpec {
                clusters: vec![],
                ..spec(GroupConfig::default())
            })
            .is_err()
        );
    }
}
