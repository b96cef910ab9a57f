//! One topic's detail: its route (brokers, permissions), every queue's offsets and last write.

use futures::future::join_all;

use crate::console::Console;
use crate::error::{Error, Result};
use crate::model::{ConnectionId, Millis, Offset};
use crate::remoting;
use crate::remoting::code::{GET_ROUTEINFO_BY_TOPIC, GET_TOPIC_STATS_INFO, TOPIC_NOT_EXIST};
use crate::remoting::header::TopicHeader;

use super::list::perm_label;
use super::{BrokerFailure, QueueStat, RouteBody, TopicDetail, TopicRouteEntry};

impl Console {
    /// A topic's route (brokers, queue counts, permission) and per-queue offsets and last write.
    // Logged at debug: a missing topic is an answer for callers such as a group's absent %DLQ%
    // topic; the IPC command that asks for it logs its own failures.
    #[tracing::instrument(skip(self), err(level = tracing::Level::DEBUG, Debug))]
    pub async fn topic_detail(&self, id: &ConnectionId, topic: &str) -> Result<TopicDetail> {
        let (_, client) = self.client(id).await?;
        let link = &client.link;
        let ext = TopicHeader {
            topic: topic.to_owned(),
        };
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
        let config = crate::topic::admin::probe(&client, &routed, topic);
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
    let ext = TopicHeader {
        topic: topic.to_owned(),
    };
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
