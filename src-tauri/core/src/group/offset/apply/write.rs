//! Writing a planned reset: through the broker for online groups (by time on 4.x, which pushes
//! the offsets to the clients; per queue on 5.x), queue by queue for offline ones, and the
//! rocketmq-rust broker's ignored backward updates reset instead.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use futures::StreamExt as _;
use futures::future::join_all;

use crate::console::Console;
use crate::error::Result;
use crate::group::CONCURRENCY;
use crate::group::detail::masters_of;
use crate::group::offset::plan::read::progress_of;
use crate::group::offset::{PREVIOUSLY_RESET, Planned, QueueKey, QueuePlan, ResetMode, ResetPath, queue_key};
use crate::registry::LiveClient;
use crate::remoting::code::{INVOKE_BROKER_TO_RESET_OFFSET, UPDATE_CONSUMER_OFFSET};
use crate::remoting::header::{CommitOffsetHeader, ResetOffsetHeader};
use crate::remoting::{self, Link};

/// Resets one queue of `group` to its planned target through the broker (`INVOKE_BROKER_TO_RESET_OFFSET`
/// with a queue id and an offset: the 5.x / rocketmq-rust server-side reset).
async fn reset_queue(addr: &str, group: &str, q: &QueuePlan, link: &Link) -> Result<()> {
    let ext = ResetOffsetHeader {
        group: group.to_owned(),
        topic: q.topic.clone(),
        queue_id: Some(q.queue_id),
        offset: Some(q.target.0),
        timestamp: 0,
        is_force: true,
    };
    link.request_with(addr, INVOKE_BROKER_TO_RESET_OFFSET, ext, "reset offset")
        .await
        .map(drop)
}

/// 4.x online: one timestamp reset per (topic, broker), the broker pushing the offsets to the
/// clients; returns the queues whose pushed offset the broker confirms, failures in `errors`.
async fn push_by_time(
    link: &Link,
    group: &str,
    ts: i64,
    by_time: &BTreeMap<(String, String), (String, Vec<&QueuePlan>)>,
    errors: &mut HashMap<QueueKey, String>,
) -> BTreeSet<QueueKey> {
    let pushes = join_all(by_time.iter().map(|((topic, _), (addr, qs))| {
        let ext = ResetOffsetHeader {
            group: group.to_owned(),
            topic: topic.clone(),
            queue_id: None,
            offset: None,
            timestamp: ts,
            is_force: true,
        };
        async move {
            let r = link
                .request_with(addr, INVOKE_BROKER_TO_RESET_OFFSET, ext, "reset offset")
                .await;
            (qs, r)
        }
    }))
    .await;
    // The broker answers with the offsets it pushed to the clients: the queues it confirms.
    let mut confirmed: BTreeSet<QueueKey> = BTreeSet::new();
    for (qs, r) in pushes {
        match r {
            Ok(reply) => {
                let pushed = pushed_offsets(&reply.body);
                for q in qs {
                    let key = queue_key(&q.topic, &q.broker_name, q.queue_id);
                    if pushed.get(&key) == Some(&q.target.0) {
                        confirmed.insert(key);
                    }
                }
            }
            Err(e) => {
                for q in qs {
                    errors.insert(queue_key(&q.topic, &q.broker_name, q.queue_id), e.to_string());
                }
            }
        }
    }
    confirmed
}

/// Offline on brokers with a server-side reset: each written queue whose offset did not move to
/// its target is reset through the broker instead.
async fn reset_unmoved(
    client: &LiveClient,
    planned: &Planned,
    changing: &[&QueuePlan],
    addr: &(dyn Fn(&QueuePlan) -> String + Sync),
    errors: &mut HashMap<QueueKey, String>,
) {
    let plan = &planned.plan;
    let group = plan.request.group.trim().to_owned();
    let link = &client.link;
    let retry: Vec<&&QueuePlan> = changing
        .iter()
        .filter(|q| planned.server_side.contains(&q.broker_name))
        .filter(|q| !errors.contains_key(&queue_key(&q.topic, &q.broker_name, q.queue_id)))
        .collect();
    if !retry.is_empty() {
        let masters = masters_of(client).await.unwrap_or_default();
        let now = progress_of(client, &masters, &group, &plan.topics).await.0;
        let resets = join_all(
            retry
                .into_iter()
                .filter(|q| {
                    now.get(&queue_key(&q.topic, &q.broker_name, q.queue_id))
                        .map(|a| a.0)
                        != Some(q.target.0)
                })
                .map(|q| {
                    let (addr, group) = (addr(q), group.clone());
                    async move {
                        let r = reset_queue(&addr, &group, q, link).await;
                        (queue_key(&q.topic, &q.broker_name, q.queue_id), r)
                    }
                }),
        )
        .await;
        for (key, r) in resets {
            if let Err(e) = r {
                errors.insert(key, e.to_string());
            }
        }
    }
}

impl Console {
    /// Sends the writes; returns the queues whose write failed, with why.
    pub(super) async fn write_offsets(
        &self,
        client: &LiveClient,
        planned: &Planned,
        changing: &[&QueuePlan],
    ) -> (HashMap<QueueKey, String>, BTreeSet<QueueKey>) {
        let plan = &planned.plan;
        let group = plan.request.group.trim().to_owned();
        let link = &client.link;
        let mut errors = HashMap::new();
        let addr = |q: &QueuePlan| {
            planned
                .addr_of
                .get(&format!("{}|{}|{}", q.topic, q.broker_name, q.queue_id))
                .cloned()
                .unwrap_or_default()
        };
        // 4.x online: one timestamp reset per (topic, broker); the broker pushes offsets to clients.
        // Owned items: the stream's futures must not borrow (they cross the Tauri command's Send bound).
        let mut per_queue: Vec<(QueuePlan, String, bool)> = Vec::new();
        let mut by_time: BTreeMap<(String, String), (String, Vec<&QueuePlan>)> = BTreeMap::new();
        for q in changing {
            let server = planned.server_side.contains(&q.broker_name);
            match plan.path {
                ResetPath::Online if !server => {
                    by_time
                        .entry((q.topic.clone(), q.broker_name.clone()))
                        .or_insert_with(|| (addr(q), Vec::new()))
                        .1
                        .push(q);
                }
                ResetPath::Online => per_queue.push(((*q).clone(), addr(q), true)),
                ResetPath::Offline => per_queue.push(((*q).clone(), addr(q), false)),
            }
        }
        let ts = match &plan.request.mode {
            ResetMode::Earliest => 0,
            ResetMode::Latest => -1,
            ResetMode::Timestamp { at } => at.0,
            _ => 0,
        };
        let confirmed = push_by_time(link, &group, ts, &by_time, &mut errors).await;
        // Brokers create a (topic, group) offset table on its first commit without a lock (4.9:
        // two first commits racing each build a table and one queue's offset is lost), so the first
        // queue of each (broker, topic) is written alone, then the rest together.
        let mut seen = BTreeSet::new();
        let (first, rest): (Vec<_>, Vec<_>) = per_queue
            .into_iter()
            .partition(|(q, addr, _)| seen.insert((addr.clone(), q.topic.clone())));
        let mut writes: Vec<(QueueKey, Result<()>)> = Vec::new();
        for wave in [first, rest] {
            writes.extend(self.write_queues(wave, planned, &group, link).await);
        }
        for (key, r) in writes {
            if let Err(e) = r {
                errors.insert(key, e.to_string());
            }
        }
        // The rocketmq-rust broker ignores an update that moves an offset backwards (and says
        // success): on brokers with a server-side reset, a queue the update did not move is reset instead.
        if plan.path == ResetPath::Offline {
            reset_unmoved(client, planned, changing, &addr, &mut errors).await;
        }
        (errors, confirmed)
    }

    /// One offset write per queue (222 when `online`, else 15), `CONCURRENCY` in flight.
    async fn write_queues(
        &self,
        wave: Vec<(QueuePlan, String, bool)>,
        planned: &Planned,
        group: &str,
        link: &Link,
    ) -> Vec<(QueueKey, Result<()>)> {
        let group = group.to_owned();
        futures::stream::iter(wave)
            .map(|(q, addr, online)| {
                let (group, link) = (group.clone(), link.clone());
                let server = planned.server_side.contains(&q.broker_name);
                async move {
                    let link = &link;
                    let key = queue_key(&q.topic, &q.broker_name, q.queue_id);
                    let r = if online {
                        reset_queue(&addr, &group, &q, link).await
                    } else {
                        let ext = CommitOffsetHeader {
                            consumer_group: group.clone(),
                            topic: q.topic.clone(),
                            queue_id: q.queue_id,
                            commit_offset: q.target.0,
                        };
                        match link
                            .request_with(&addr, UPDATE_CONSUMER_OFFSET, ext, "update consumer offset")
                            .await
                        {
                            // A pending server-side reset makes the broker ignore the update: reset instead.
                            Ok(r)
                                if server
                                    && r.remark.as_deref().is_some_and(|m| m.contains(PREVIOUSLY_RESET)) =>
                            {
                                reset_queue(&addr, &group, &q, link).await
                            }
                            Ok(_) => Ok(()),
                            Err(e) => Err(e),
                        }
                    };
                    (key, r)
                }
            })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await
    }
}

/// The offsets a `ResetOffsetBody` lists (`offsetTable` keyed by message-queue objects).
pub(super) fn pushed_offsets(body: &[u8]) -> HashMap<QueueKey, i64> {
    let text = String::from_utf8_lossy(body);
    let Ok(outer) = remoting::raw_entries(&text) else {
        return HashMap::new();
    };
    let Some((_, table)) = outer.iter().find(|(k, _)| *k == "\"offsetTable\"") else {
        return HashMap::new();
    };
    remoting::object_keyed_entries(table)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(mq, off)| {
            let topic = mq.get("topic")?.as_str()?;
            let broker = mq.get("brokerName")?.as_str()?;
            let queue = u32::try_from(mq.get("queueId")?.as_i64()?).ok()?;
            Some((queue_key(topic, broker, queue), off.as_i64()?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pushed_offsets_decode_a_reset_offset_body() {
        let body = br#"{"offsetTable":{{"brokerName":"b","queueId":1,"topic":"T"}:7}}"#;
        assert_eq!(pushed_offsets(body).get(&queue_key("T", "b", 1)), Some(&7));
        assert!(pushed_offsets(b"garbage").is_empty());
    }
}
