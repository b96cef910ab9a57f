//! The list's last step: lag from offset tables once the clients are known, and one row per group
//! from its stats on each master that holds it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::cluster::RoutedBroker;
use crate::error::{Error, Result};
use crate::group::stats::group_lag;
use crate::group::{GroupConfig, GroupRow, version_name};
use crate::model::{Millis, Offset};
use crate::topic::QueueStat;
use crate::topic::consumers::{ConsumerConnectionBody, QueueProgress, SubscriptionBody};

use super::{ConnsMap, Plan, Round1, StatsMap, TopicStatsMap};

/// A group's queues on one master from its offset table and the topics' queues, as a
/// consume-stats call would give them: every queue of each topic the group has offsets on (a
/// queue it never committed counts from 0), topics the broker no longer has left out, and, when
/// the group is online with subscriptions, only the subscribed topics.
pub(in crate::group) fn queues_from_table(
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

/// Lag of the masters read by table, now that the online groups' subscriptions are known.
pub(super) fn lag_from_tables(
    masters: &[RoutedBroker],
    r1: &Round1,
    conns: &ConnsMap,
    topic_stats: &TopicStatsMap,
    stats: &mut StatsMap,
) {
    for (g, on) in &r1.hosts {
        let subscribed = match conns.get(g) {
            Some(Ok(Some(c))) if !c.connection_set.is_empty() && !c.subscription_table.is_empty() => {
                Some(&c.subscription_table)
            }
            _ => None,
        };
        for (i, _) in on {
            if let Plan::Tables(table) = &r1.plans[*i] {
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
}

/// A group's clients as the list shows them: (online count, consume type, message model, client
/// versions, why they could not be read).
type ClientsSeen = (
    Option<u32>,
    Option<String>,
    Option<String>,
    Vec<String>,
    Option<String>,
);

fn clients_seen(conns: Option<Result<Option<ConsumerConnectionBody>>>) -> ClientsSeen {
    match conns {
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
    }
}

/// One group's row from its stats on each master that holds it and its clients.
pub(super) fn group_row(
    (g, on): (String, Vec<(usize, GroupConfig)>),
    masters: &[RoutedBroker],
    plans: &[Plan],
    failed_names: &[String],
    stats: &mut StatsMap,
    conns: &mut ConnsMap,
) -> GroupRow {
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
    let (online, consume_type, model, versions, clients_note) = clients_seen(conns.remove(&g));
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
}
