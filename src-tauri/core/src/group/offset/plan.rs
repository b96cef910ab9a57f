//! The preview of an offset reset: which masters answer, the topics and queues it covers, each
//! queue's current and new offset (by time, earliest, latest, exact, or copied from a group), what
//! is re-read or skipped, and the warnings.

pub(super) mod read;
use read::{Reach, lookups, note_progress_failures, progress_of, queue_ranges, reach, topics_to_reset};

use std::collections::{BTreeSet, HashMap};

use crate::cluster::RoutedBroker;
use crate::console::Console;
use crate::error::{Error, Result};
use crate::group::detail::masters_of;
use crate::model::{ConnectionId, Millis, Offset};
use crate::safety::{ChangePlan, FieldChange};
use crate::topic::{BrokerFailure, QueueStat};

use super::mqadmin::mqadmin_lines;
use super::{
    OffsetPlan, Planned, QueueKey, QueuePlan, ResetMode, ResetPath, ResetRequest, describe, queue_key,
    scope_of,
};

/// What each queue's new offset is computed from.
struct Sources<'a> {
    mode: &'a ResetMode,
    current: &'a HashMap<QueueKey, (i64, i64)>,
    lookups: &'a HashMap<QueueKey, (Option<i64>, Option<i64>)>,
    exact: &'a HashMap<QueueKey, i64>,
    source: Option<&'a HashMap<QueueKey, (i64, i64)>>,
}

/// Every queue's plan and its master's address (keyed `topic|broker|queue`); an exact offset
/// outside a queue's stored range is refused.
fn queue_plans(
    ranges: &[(RoutedBroker, String, QueueStat)],
    s: &Sources<'_>,
) -> Result<(Vec<QueuePlan>, HashMap<String, String>)> {
    let mut queues = Vec::new();
    let mut addr_of = HashMap::new();
    let mut out_of_range = Vec::new();
    for (b, topic, q) in ranges {
        let key = queue_key(topic, &q.broker_name, q.queue_id);
        let (min, max) = (q.min_offset.0, q.max_offset.0);
        let (cur, cur_time) = s.current.get(&key).copied().unwrap_or((-1, 0));
        let mut note = None;
        let (target, target_time) = match s.mode {
            ResetMode::Earliest => (min, s.lookups.get(&key).and_then(|l| l.1)),
            ResetMode::Latest => (max, q.last_update.map(|m| m.0)),
            ResetMode::Timestamp { at } => match s.lookups.get(&key).and_then(|l| l.0) {
                Some(o) if o >= 0 => (o.clamp(min, max), Some(at.0)),
                _ => {
                    note = Some("the broker could not search this queue by time: left as it is".into());
                    (cur, None)
                }
            },
            ResetMode::Exact { .. } => match s.exact.get(&key) {
                Some(o) => {
                    if *o < min || *o > max {
                        out_of_range.push(format!(
                            "{} #{}: {o} not in [{min}, {max}]",
                            q.broker_name, q.queue_id
                        ));
                    }
                    (*o, None)
                }
                None => continue,
            },
            ResetMode::CopyFrom { .. } => match s.source.and_then(|s| s.get(&key)) {
                Some((o, t)) if *o >= 0 => (*o, (*t > 0).then_some(*t)),
                _ => {
                    note = Some("the source group has no offset on this queue: left as it is".into());
                    (cur, None)
                }
            },
        };
        let base = cur.max(0);
        queues.push(QueuePlan {
            topic: topic.clone(),
            broker_name: q.broker_name.clone(),
            queue_id: q.queue_id,
            min_offset: Offset(min),
            max_offset: Offset(max),
            current: Offset(cur),
            target: Offset(target),
            reread: Offset((base - target).max(0)),
            skipped: Offset((target - base).max(0)),
            current_time: (cur_time > 0).then_some(Millis(cur_time)),
            target_time: target_time.filter(|t| *t > 0).map(Millis),
            note,
        });
        addr_of.insert(
            format!("{}|{}|{}", topic, q.broker_name, q.queue_id),
            b.addr.clone(),
        );
    }
    if !out_of_range.is_empty() {
        return Err(Error::validation(format!(
            "Offsets outside the stored range: {}",
            out_of_range.join("; ")
        )));
    }
    queues
        .sort_by(|a, b| (&a.topic, &a.broker_name, a.queue_id).cmp(&(&b.topic, &b.broker_name, b.queue_id)));
    Ok((queues, addr_of))
}

/// Refuses exact offsets for queues that do not exist (on brokers that answered).
fn check_exact_queues(mode: &ResetMode, queues: &[QueuePlan], failed: &[BrokerFailure]) -> Result<()> {
    let ResetMode::Exact { offsets } = mode else {
        return Ok(());
    };
    let known: BTreeSet<_> = queues
        .iter()
        .map(|q| queue_key(&q.topic, &q.broker_name, q.queue_id))
        .collect();
    let unknown: Vec<String> = offsets
        .iter()
        .filter(|o| !known.contains(&queue_key(&o.topic, &o.broker_name, o.queue_id)))
        .filter(|o| !failed.iter().any(|f| f.broker_name == o.broker_name))
        .map(|o| format!("{} · {} #{}", o.topic, o.broker_name, o.queue_id))
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(Error::validation(format!(
            "No such queue: {}",
            unknown.join(", ")
        )))
    }
}

/// 4.x brokers push offsets to online clients only as "by timestamp": exact offsets (or a copy)
/// for an online group on them are refused, with the way out.
fn refusal_4x(path: ResetPath, mode: &ResetMode, reach: &Reach, online: usize) -> Option<String> {
    let client_side: Vec<String> = reach
        .masters
        .iter()
        .filter(|b| !reach.server_side.contains(&b.broker_name))
        .map(|b| b.broker_name.clone())
        .collect();
    let exactish = matches!(mode, ResetMode::Exact { .. } | ResetMode::CopyFrom { .. });
    (path == ResetPath::Online && exactish && !client_side.is_empty()).then(|| {
        format!(
            "Brokers {} (4.x) can tell online clients only a reset by time, not exact offsets. Stop the \
             group's {online} consumer(s) and apply again (offsets are then written per queue), or reset by time.",
            client_side.join(", ")
        )
    })
}

/// Each queue whose offset moves, as a before → after change.
fn changes_of(queues: &[QueuePlan]) -> Vec<FieldChange> {
    queues
        .iter()
        .filter(|q| q.target != q.current)
        .map(|q| FieldChange {
            scope: scope_of(q),
            field: "consumer offset".into(),
            before: Some(if q.current.0 < 0 {
                "none".into()
            } else {
                q.current.0.to_string()
            }),
            after: Some(q.target.0.to_string()),
        })
        .collect()
}

/// What the preview warns about: how the offsets are written, what is re-read or skipped, a 4.x
/// refusal, and the masters that did not answer.
fn warnings_of(
    path: ResetPath,
    online: usize,
    (reread, skipped): (i64, i64),
    refusal: Option<&String>,
    failed: &[BrokerFailure],
) -> Vec<String> {
    let mut warnings = Vec::new();
    match path {
        ResetPath::Online => warnings.push(format!(
            "{online} client(s) are online: the reset goes through the broker, which tells them; they \
             continue from the new offsets at once."
        )),
        ResetPath::Offline => warnings.push(
            "No client is online: offsets are written queue by queue; consumers started later begin there."
                .into(),
        ),
    }
    if reread > 0 {
        warnings.push(format!("{reread} message(s) will be consumed again."));
    }
    if skipped > 0 {
        warnings.push(format!(
            "{skipped} message(s) will be skipped and never consumed by this group."
        ));
    }
    if let Some(r) = refusal {
        warnings.push(r.clone());
    }
    for f in failed {
        warnings.push(format!(
            "{} did not answer ({}): its queues are not reset.",
            f.broker_name, f.error
        ));
    }
    warnings
}

impl Console {
    pub(super) async fn plan_reset(&self, id: &ConnectionId, request: &ResetRequest) -> Result<Planned> {
        let group = request.group.trim();
        if group.is_empty() {
            return Err(Error::validation("The consumer group is empty."));
        }
        let profile = self.connection_get(id).await?;
        let (_, client) = self.client(id).await?;
        let link = &client.link;
        let mut reach = reach(&masters_of(&client).await?, group, link).await?;
        let online = reach.conns.as_ref().map_or(0, |c| c.connection_set.len());
        let topics = topics_to_reset(request, group, &mut reach, link).await?;
        let ranges = queue_ranges(&topics, &mut reach, link).await?;
        let (current, errs) = progress_of(&client, &reach.masters, group, &topics).await;
        note_progress_failures(&mut reach, errs);
        let source = match &request.mode {
            ResetMode::CopyFrom { group: src } => {
                if src.trim() == group {
                    return Err(Error::validation("Copy offsets from a different group."));
                }
                Some(progress_of(&client, &reach.masters, src.trim(), &topics).await.0)
            }
            _ => None,
        };
        let exact: HashMap<QueueKey, i64> = match &request.mode {
            ResetMode::Exact { offsets } => offsets
                .iter()
                .map(|o| (queue_key(&o.topic, &o.broker_name, o.queue_id), o.offset.0))
                .collect(),
            _ => HashMap::new(),
        };
        let lookups = lookups(&ranges, &request.mode, link).await;
        let sources = Sources {
            mode: &request.mode,
            current: &current,
            lookups: &lookups,
            exact: &exact,
            source: source.as_ref(),
        };
        let (queues, addr_of) = queue_plans(&ranges, &sources)?;
        check_exact_queues(&request.mode, &queues, &reach.failed)?;
        let path = if online > 0 {
            ResetPath::Online
        } else {
            ResetPath::Offline
        };
        let refusal = refusal_4x(path, &request.mode, &reach, online);
        let reread: i64 = queues.iter().map(|q| q.reread.0).sum();
        let skipped: i64 = queues.iter().map(|q| q.skipped.0).sum();
        let warnings = warnings_of(path, online, (reread, skipped), refusal.as_ref(), &reach.failed);
        let ns = client.spec.namesrv_addrs.join(";");
        let mqadmin = mqadmin_lines(&ns, group, &topics, &request.mode, &queues);
        let title = format!("Reset group '{group}' {}", describe(&request.mode));
        let mut plan = ChangePlan::new(
            &profile,
            "group.reset_offset",
            title,
            group,
            changes_of(&queues),
            warnings,
            skipped > 0,
            false,
            mqadmin,
        );
        if plan.refusal.is_none() {
            plan.refusal = refusal;
        }
        Ok(Planned {
            plan: OffsetPlan {
                plan,
                request: request.clone(),
                topics,
                path,
                online_clients: u32::try_from(online).unwrap_or(u32::MAX),
                queues,
                reread: Offset(reread),
                skipped: Offset(skipped),
                failed_brokers: reach.failed,
            },
            addr_of,
            server_side: reach.server_side,
        })
    }

    /// The preview of a reset: every queue's current and new offset, what is re-read or skipped.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn offset_plan(&self, id: &ConnectionId, request: &ResetRequest) -> Result<OffsetPlan> {
        Ok(self.plan_reset(id, request).await?.plan)
    }
}
