//! Running a replay from its journal: chunks of pending messages marked `sending`, each dead
//! letter's copy sent (paced to the rate, or 32 at a time), every outcome journaled; copies whose
//! send may have gone out looked up by their unique key before anything else is sent.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use futures::StreamExt as _;

use super::super::journal::{ItemState, ReplayItem, Update};
use super::{
    CHUNK, CONCURRENCY, REPLAY_ID_PROPERTY, REPLAY_SOURCE_PROPERTY, ReplayState, ReplaySummary, SETTLE,
};
use crate::console::Console;
use crate::error::{Error, Result};
use crate::jobs::JobContext;
use crate::message::query::query;
use crate::message::{MessageBody, MessageView, SendRequest};
use crate::model::{ConnectionId, Millis};
use crate::registry::LiveClient;
use crate::topic::RouteBody;

/// What one run did beyond the journal's counts.
#[derive(Default)]
pub(super) struct RunStats {
    pub(super) found_on_resume: u32,
    pub(super) busy_retries: u32,
    pub(super) settled: u32,
}

/// Paces sends to a rate (messages per second); no-op without one.
struct Pace {
    every: Option<Duration>,
    next: tokio::time::Instant,
}

impl Pace {
    fn new(rate: Option<u32>) -> Self {
        Self {
            every: rate.map(|r| Duration::from_secs_f64(1.0 / f64::from(r.max(1)))),
            next: tokio::time::Instant::now(),
        }
    }

    async fn wait(&mut self) {
        if let Some(every) = self.every {
            tokio::time::sleep_until(self.next).await;
            self.next = self.next.max(tokio::time::Instant::now() - every) + every;
        }
    }
}

/// How a send ended, for the journal.
enum Sent {
    Settled(Update),
    /// Nothing was stored (flow control, or the broker could not be reached): send again.
    Again {
        seq: u32,
        busy: bool,
        broker: Option<String>,
    },
    /// Written, outcome unknown: stays `sending`, looked up before any new send.
    Unknown {
        seq: u32,
    },
}

impl Console {
    /// Runs a replay from its journal until nothing is pending, it is cancelled, or a failure
    /// stops it. Returns the state to record, why it stopped, and the run's stats.
    pub(super) async fn replay_run(
        &self,
        ctx: &JobContext<ReplayItem, ReplaySummary>,
        id: &ConnectionId,
        replay_id: &str,
        prefetched: &HashMap<String, MessageView>,
    ) -> Result<(ReplayState, Option<String>, RunStats)> {
        let info = self.replay_get(replay_id).await?;
        self.replay_set_state(replay_id, ReplayState::Running, None)
            .await?;
        let (_, client) = self.client(id).await?;
        let known = crate::message::known_brokers(&client).await?;
        let mut stats = RunStats::default();
        let mut routes: HashMap<String, RouteBody> = HashMap::new();
        let mut down: BTreeSet<String> = BTreeSet::new();
        let mut pace = Pace::new(info.rate);
        // Paced, a chunk is a quarter second of sends: the journal never lags far behind.
        let chunk_size = info.rate.map_or(CHUNK, |r| (r / 4).clamp(1, CHUNK));
        let total = u64::from(info.counts.total);
        // Copies whose send may have gone out: looked up before anything else is sent.
        if let Some(stop) = self
            .replay_settle_unknown(ctx, &client, replay_id, &mut stats)
            .await?
        {
            return Ok((ReplayState::Interrupted, Some(stop), stats));
        }
        loop {
            if ctx.is_cancelled() {
                return Ok((ReplayState::Paused, Some("paused by the user".into()), stats));
            }
            let chunk = self
                .replay_items_in(replay_id, ItemState::Pending, chunk_size)
                .await?;
            if chunk.is_empty() {
                break;
            }
            for it in &chunk {
                if let Some(t) = &it.target_topic
                    && !routes.contains_key(t)
                {
                    let route = crate::topic::topic_route(&client, t).await?;
                    routes.insert(t.clone(), route);
                }
            }
            let outcomes = self
                .replay_chunk(
                    ctx, &client, &known, replay_id, prefetched, &chunk, &routes, &down, &mut pace,
                )
                .await?;
            let mut updates = Vec::new();
            let mut again = 0u32;
            let mut unknown = false;
            for o in outcomes {
                match o {
                    Sent::Settled(u) => updates.push(u),
                    Sent::Again { seq, busy, broker } => {
                        again += 1;
                        if busy {
                            stats.busy_retries += 1;
                        }
                        if let Some(b) = broker {
                            down.insert(b);
                        }
                        updates.push(Update {
                            seq,
                            state: ItemState::Pending,
                            status: None,
                            new_offset_id: None,
                        });
                    }
                    Sent::Unknown { seq } => {
                        tracing::warn!(
                            replay = replay_id,
                            seq,
                            "send outcome unknown: its copy is looked up before any resend"
                        );
                        unknown = true;
                    }
                }
            }
            stats.settled +=
                u32::try_from(updates.iter().filter(|u| u.state != ItemState::Pending).count()).unwrap_or(0);
            self.replay_update(replay_id, &updates).await?;
            let counts = self.replay_get(replay_id).await?.counts;
            ctx.progress(
                u64::from(counts.settled()),
                Some(total),
                Some(format!("{} sent", counts.sent)),
            );
            if unknown
                && let Some(stop) = self
                    .replay_settle_unknown(ctx, &client, replay_id, &mut stats)
                    .await?
            {
                return Ok((ReplayState::Interrupted, Some(stop), stats));
            }
            if again > 0 {
                // Flow control or a master down: give the brokers a moment before the next round.
                tokio::time::sleep(Duration::from_millis(500)).await;
                if routes.values().all(|r| writable_masters(r, &down) == 0) {
                    return Ok((
                        ReplayState::Interrupted,
                        Some(format!(
                            "no master of the target topic(s) answers ({}); resume when one is back",
                            down.iter().cloned().collect::<Vec<_>>().join(", ")
                        )),
                        stats,
                    ));
                }
                // A master that refused a connection is tried again on the next round.
                down.clear();
            }
        }
        let counts = self.replay_get(replay_id).await?.counts;
        if counts.pending + counts.sending > 0 {
            return Ok((
                ReplayState::Interrupted,
                Some(format!("{} message(s) left", counts.pending + counts.sending)),
                stats,
            ));
        }
        Ok((ReplayState::Done, None, stats))
    }

    /// Sends one chunk: marks it `sending`, then reads each dead letter and sends its copy, paced.
    #[allow(
        clippy::too_many_arguments,
        reason = "the run's state, passed down once per chunk"
    )]
    async fn replay_chunk(
        &self,
        ctx: &JobContext<ReplayItem, ReplaySummary>,
        client: &LiveClient,
        known: &BTreeSet<String>,
        replay_id: &str,
        prefetched: &HashMap<String, MessageView>,
        chunk: &[ReplayItem],
        routes: &HashMap<String, RouteBody>,
        down: &BTreeSet<String>,
        pace: &mut Pace,
    ) -> Result<Vec<Sent>> {
        let marks: Vec<Update> = chunk
            .iter()
            .map(|it| Update {
                seq: it.seq,
                state: ItemState::Sending,
                status: None,
                new_offset_id: None,
            })
            .collect();
        self.replay_update(replay_id, &marks).await?;
        let emit = |it: &ReplayItem, sent: &Sent| {
            if let Sent::Settled(u) = sent {
                ctx.batch(vec![ReplayItem {
                    state: u.state,
                    status: u.status.clone(),
                    new_offset_id: u.new_offset_id.clone(),
                    updated_at: Millis::now(),
                    ..it.clone()
                }]);
            }
        };
        let mut out = Vec::with_capacity(chunk.len());
        if pace.every.is_some() {
            // One at a time at the rate; a cancel stops between two sends (the rest was marked
            // but never sent: pending again).
            for it in chunk {
                if ctx.is_cancelled() {
                    out.push(Sent::Again {
                        seq: it.seq,
                        busy: false,
                        broker: None,
                    });
                    continue;
                }
                pace.wait().await;
                let sent = copy_one(
                    client,
                    known,
                    replay_id,
                    prefetched.get(&it.dlq_offset_id),
                    it,
                    routes,
                    down,
                )
                .await;
                emit(it, &sent);
                out.push(sent);
            }
        } else {
            // The futures are made first: a stream's `map` closure over borrowed state would not
            // be general enough for the job's `Send` bound.
            let futs: Vec<_> = chunk
                .iter()
                .map(|it| async move {
                    (
                        it,
                        copy_one(
                            client,
                            known,
                            replay_id,
                            prefetched.get(&it.dlq_offset_id),
                            it,
                            routes,
                            down,
                        )
                        .await,
                    )
                })
                .collect();
            let mut sends = futures::stream::iter(futs).buffer_unordered(CONCURRENCY);
            while let Some((it, sent)) = sends.next().await {
                emit(it, &sent);
                out.push(sent);
            }
        }
        Ok(out)
    }

    /// Looks up every copy left `sending` in its target topic by its unique key: found is sent,
    /// absent is pending again. Returns why the replay must stop when a lookup cannot be answered
    /// (its broker is down): the copy's fate stays unknown until it can.
    async fn replay_settle_unknown(
        &self,
        ctx: &JobContext<ReplayItem, ReplaySummary>,
        client: &LiveClient,
        replay_id: &str,
        stats: &mut RunStats,
    ) -> Result<Option<String>> {
        loop {
            let open = self.replay_items_in(replay_id, ItemState::Sending, CHUNK).await?;
            if open.is_empty() {
                return Ok(None);
            }
            if let Some(last) = open.iter().map(|it| it.updated_at.0).max() {
                let since = Duration::from_millis(u64::try_from(Millis::now().0 - last).unwrap_or(0));
                if let Some(left) = SETTLE.checked_sub(since) {
                    tokio::time::sleep(left).await;
                }
            }
            let mut updates = Vec::new();
            for it in &open {
                let Some(topic) = it.target_topic.as_deref() else {
                    updates.push(Update {
                        seq: it.seq,
                        state: ItemState::Failed,
                        status: Some("no target topic".into()),
                        new_offset_id: None,
                    });
                    continue;
                };
                match find_copy(client, topic, &it.new_msg_id).await {
                    Ok(Some(offset_id)) => {
                        stats.found_on_resume += 1;
                        stats.settled += 1;
                        let u = Update {
                            seq: it.seq,
                            state: ItemState::Sent,
                            status: Some("SEND_OK (its copy was found stored after the interruption)".into()),
                            new_offset_id: Some(offset_id),
                        };
                        ctx.batch(vec![ReplayItem {
                            state: u.state,
                            status: u.status.clone(),
                            new_offset_id: u.new_offset_id.clone(),
                            ..it.clone()
                        }]);
                        updates.push(u);
                    }
                    Ok(None) => updates.push(Update {
                        seq: it.seq,
                        state: ItemState::Pending,
                        status: None,
                        new_offset_id: None,
                    }),
                    Err(e) => {
                        self.replay_update(replay_id, &updates).await?;
                        return Ok(Some(format!(
                            "whether message {} was stored cannot be told yet ({}); resume when the brokers answer",
                            it.dlq_offset_id,
                            e.summary()
                        )));
                    }
                }
            }
            self.replay_update(replay_id, &updates).await?;
        }
    }
}

/// Masters of a route that take writes, not counting `down` ones.
fn writable_masters(route: &RouteBody, down: &BTreeSet<String>) -> usize {
    route
        .queue_datas
        .iter()
        .filter(|q| q.perm & 2 != 0 && q.write_queue_nums > 0 && !down.contains(&q.broker_name))
        .count()
}

/// The copy with unique key `uniq` in `topic`, if any master stores it: its offset id. An error
/// when a master cannot be asked (the copy might be there).
async fn find_copy(client: &LiveClient, topic: &str, uniq: &str) -> Result<Option<String>> {
    let masters = crate::message::query::topic_masters(client, topic).await?;
    for m in &masters {
        let found = query(client, &m.addr, topic, uniq, (0, i64::MAX), true).await?;
        if let Some(v) = found
            .into_iter()
            .find(|v| v.msg_id.as_deref().is_some_and(|u| u.eq_ignore_ascii_case(uniq)))
        {
            return Ok(Some(v.offset_msg_id));
        }
    }
    Ok(None)
}

/// Reads one dead letter and sends its copy with the journaled unique key.
async fn copy_one(
    client: &LiveClient,
    known: &BTreeSet<String>,
    replay_id: &str,
    prefetched: Option<&MessageView>,
    it: &ReplayItem,
    routes: &HashMap<String, RouteBody>,
    down: &BTreeSet<String>,
) -> Sent {
    let failed = |why: String| {
        Sent::Settled(Update {
            seq: it.seq,
            state: ItemState::Failed,
            status: Some(why),
            new_offset_id: None,
        })
    };
    let Some(topic) = it.target_topic.as_deref() else {
        return failed("no target topic".into());
    };
    let Some(route) = routes.get(topic) else {
        return failed(format!("no route of '{topic}'"));
    };
    let read = match prefetched {
        Some(m) => Ok(m.clone()),
        None => crate::message::read_offset_id(client, known, &it.dlq_offset_id).await,
    };
    let m = match read {
        Ok(m) => m,
        Err(e @ (Error::Unreachable { .. } | Error::Timeout { .. } | Error::Busy { .. })) => {
            // Reading is safe to do again; the copy was not sent.
            return Sent::Again {
                seq: it.seq,
                busy: e.is_broker_busy(),
                broker: None,
            };
        }
        Err(e) => return failed(format!("the dead letter cannot be read: {}", e.summary())),
    };
    if let Some(why) = &m.body_error {
        return failed(format!("its compressed body cannot be copied ({why})"));
    }
    let mut properties = crate::message::actions::user_properties(&m);
    properties.insert(REPLAY_ID_PROPERTY.into(), replay_id.to_owned());
    properties.insert(REPLAY_SOURCE_PROPERTY.into(), it.dlq_offset_id.clone());
    let req = SendRequest {
        topic: topic.to_owned(),
        tag: m.tags.clone().filter(|t| !t.is_empty()),
        keys: m.keys.clone(),
        properties,
        body: MessageBody::Base64 { data: m.body_base64 },
        delay_level: None,
        deliver_at: None,
        broker_name: None,
        queue_id: None,
    };
    let mut live = route.clone();
    live.queue_datas.retain(|q| !down.contains(&q.broker_name));
    let prepared = match crate::message::prepare_on(&live, &req, &it.new_msg_id) {
        Ok(p) => p,
        Err(e) => return failed(e.summary()),
    };
    sent_of(
        it.seq,
        crate::message::send_prepared(client, topic, &prepared, &it.new_msg_id).await,
        route,
    )
}

/// What a send's result means for the journal: only `SEND_OK` is sent; another status is stored
/// (never sent again); flow control and a connection that could not be made stored nothing (send
/// again, the latter to another master); a timeout or a lost connection after the request was
/// written leaves the outcome unknown; anything else is a refusal.
fn sent_of(seq: u32, r: Result<crate::message::SendResult>, route: &RouteBody) -> Sent {
    match r {
        Ok(r) => Sent::Settled(Update {
            seq,
            state: if r.status == "SEND_OK" {
                ItemState::Sent
            } else {
                ItemState::StoredNotOk
            },
            status: Some(r.status),
            new_offset_id: Some(r.offset_msg_id),
        }),
        Err(Error::Busy { .. }) => Sent::Again {
            seq,
            busy: true,
            broker: None,
        },
        Err(Error::Unreachable { target, .. } | Error::Tls { target, .. }) => Sent::Again {
            seq,
            busy: false,
            broker: route
                .broker_datas
                .iter()
                .find(|b| b.broker_addrs.values().any(|a| target.contains(a.as_str())))
                .map(|b| b.broker_name.clone()),
        },
        Err(Error::OutcomeUnknown { .. } | Error::Timeout { .. }) => Sent::Unknown { seq },
        Err(e) => Sent::Settled(Update {
            seq,
            state: ItemState::Failed,
            status: Some(e.summary()),
            new_offset_id: None,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route() -> RouteBody {
        serde_json::from_value(serde_json::json!({
            "queueDatas": [{"brokerName": "broker-a", "readQueueNums": 4, "writeQueueNums": 4, "perm": 6, "topicSysFlag": 0}],
            "brokerDatas": [{"cluster": "c", "brokerName": "broker-a", "brokerAddrs": {"0": "127.0.0.1:10911"}}]
        }))
        .unwrap()
    }

    fn result(status: &str) -> crate::message::SendResult {
        crate::message::SendResult {
            status: status.into(),
            msg_id: "U".into(),
            offset_msg_id: "O".into(),
            broker_name: "broker-a".into(),
            broker_addr: "127.0.0.1:10911".into(),
            queue_id: 0,
            queue_offset: crate::model::Offset(1),
            body_bytes: 1,
        }
    }

    #[test]
    fn only_send_ok_is_sent_flow_control_goes_again_and_unknown_stays_unknown() {
        let r = route();
        let Sent::Settled(u) = sent_of(1, Ok(result("SEND_OK")), &r) else {
            panic!()
        };
        assert_eq!(
            (u.state, u.new_offset_id.as_deref()),
            (ItemState::Sent, Some("O"))
        );
        let Sent::Settled(u) = sent_of(2, Ok(result("FLUSH_DISK_TIMEOUT")), &r) else {
            panic!()
        };
        assert_eq!(
            (u.state, u.status.as_deref()),
            (ItemState::StoredNotOk, Some("FLUSH_DISK_TIMEOUT"))
        );
        let busy = Error::Busy {
            target: "127.0.0.1:10911".into(),
            operation: "send message".into(),
            code: 2,
            detail: "[TIMEOUT_CLEAN_QUEUE]broker busy".into(),
        };
        assert!(matches!(
            sent_of(3, Err(busy), &r),
            Sent::Again {
                seq: 3,
                busy: true,
                broker: None
            }
        ));
        let refused = Error::Unreachable {
            target: "127.0.0.1:10911".into(),
            detail: "connect: refused".into(),
        };
        let Sent::Again { broker, busy, .. } = sent_of(4, Err(refused), &r) else {
            panic!()
        };
        assert_eq!((broker.as_deref(), busy), (Some("broker-a"), false));
        let lost = Error::OutcomeUnknown {
            operation: "send message".into(),
            target: "127.0.0.1:10911".into(),
            detail: "connection reset after the request was written".into(),
        };
        assert!(matches!(sent_of(5, Err(lost), &r), Sent::Unknown { seq: 5 }));
        let bad = Error::BrokerRejected {
            target: "127.0.0.1:10911".into(),
            operation: "send message".into(),
            code: 13,
            detail: "the message is illegal".into(),
        };
        let Sent::Settled(u) = sent_of(6, Err(bad), &r) else {
            panic!()
        };
        assert_eq!(u.state, ItemState::Failed);
    }

    #[tokio::test]
    async fn pacing_spaces_sends_by_the_rate() {
        let mut p = Pace::new(None);
        p.wait().await;
        assert!(p.every.is_none());
        let mut p = Pace::new(Some(1000));
        assert_eq!(p.every, Some(Duration::from_millis(1)));
        p.wait().await;
        p.wait().await;
    }
}
