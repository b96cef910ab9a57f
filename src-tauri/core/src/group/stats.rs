//! Reading a group's consumption from the brokers: consume stats (per group, or broker-wide),
//! consumer-offset tables, online clients, and the lag they give.

use std::collections::{BTreeMap, HashMap};

use crate::error::{Error, Result};
use crate::remoting;
use crate::remoting::Link;
use crate::remoting::code::{
    CONSUMER_NOT_ONLINE, GET_ALL_CONSUMER_OFFSET, GET_ALL_SUBSCRIPTIONGROUP_CONFIG, GET_BROKER_CONSUME_STATS,
    GET_CONSUME_STATS, GET_CONSUMER_CONNECTION_LIST,
};
use crate::remoting::header::{BrokerConsumeStatsHeader, ConsumeStatsHeader, GroupHeader};
use crate::topic::consumers::{ConsumerConnectionBody, QueueProgress, decode_consume_stats};

use super::{GroupConfig, SubscriptionGroupWrapper};

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
    let ext = GroupHeader {
        consumer_group: group.to_owned(),
    };
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
    let ext = ConsumeStatsHeader {
        consumer_group: group.to_owned(),
        topic: topic.map(str::to_owned),
    };
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
pub(super) async fn offset_table(addr: &str, link: &Link) -> Result<OffsetTable> {
    let r = link
        .request(addr, GET_ALL_CONSUMER_OFFSET, "consumer offsets")
        .await?;
    decode_offset_table(&r.body)
}

/// One master's broker-wide consume stats (317).
pub(super) async fn broker_wide_stats(addr: &str, link: &Link) -> Result<HashMap<String, GroupStats>> {
    let r = link
        .request_with(
            addr,
            GET_BROKER_CONSUME_STATS,
            BrokerConsumeStatsHeader { is_order: false },
            "broker consume stats",
        )
        .await?;
    decode_broker_consume_stats(&r.body)
}
