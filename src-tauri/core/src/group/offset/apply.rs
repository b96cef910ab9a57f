//! Applying a planned reset: snapshot, write (through the broker for online groups, queue by queue
//! for offline ones), read back, journal.

mod write;

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use crate::audit::AuditOutcome;
use crate::connection::ConnectionProfile;
use crate::console::{Console, CoreEvent};
use crate::error::{Error, Result};
use crate::group::detail::masters_of;
use crate::model::{ConnectionId, Count, Offset};
use crate::registry::LiveClient;
use crate::safety::{Attempt, Confirmation};

use super::plan::read::progress_of;
use super::{
    Gate, OffsetPlan, Planned, QueueKey, QueueOffset, QueuePlan, QueueResult, ResetPath, ResetRequest,
    ResetResult, describe, queue_key,
};

/// Each queue's result: its offset read back, whether the reset took there, and why not.
fn queue_results(
    plans: &[QueuePlan],
    after: &HashMap<QueueKey, (i64, i64)>,
    errors: &HashMap<QueueKey, String>,
    taken: &dyn Fn(&QueuePlan, Option<i64>) -> bool,
) -> Vec<QueueResult> {
    plans
        .iter()
        .map(|q| {
            let key = queue_key(&q.topic, &q.broker_name, q.queue_id);
            let a = after.get(&key).map(|a| a.0);
            let error = errors.get(&key).cloned();
            QueueResult {
                topic: q.topic.clone(),
                broker_name: q.broker_name.clone(),
                queue_id: q.queue_id,
                before: q.current,
                target: q.target,
                after: a.map(Offset),
                took: q.target == q.current || (error.is_none() && taken(q, a)),
                error: error.or_else(|| {
                    (q.target != q.current && !taken(q, a)).then(|| match a {
                        Some(v) => format!("read back {v}, not {}", q.target.0),
                        None => "the broker did not answer the read-back".into(),
                    })
                }),
            }
        })
        .collect()
}

/// The reset's outcome from its queues' results and the masters that did not answer, with the
/// error that lists every queue that did not take.
fn reset_outcome(
    queues: &[QueueResult],
    changed: usize,
    plan: &OffsetPlan,
    group: &str,
) -> (AuditOutcome, Option<Error>) {
    let bad = queues.iter().filter(|q| !q.took).count();
    let outcome = if bad == 0 && plan.failed_brokers.is_empty() {
        AuditOutcome::Ok
    } else if bad >= changed && changed > 0 || (changed == 0 && !plan.failed_brokers.is_empty()) {
        AuditOutcome::Failed
    } else {
        AuditOutcome::Partial
    };
    let error = (outcome != AuditOutcome::Ok).then(|| {
        let mut why: Vec<String> = queues
            .iter()
            .filter(|q| !q.took)
            .map(|q| {
                format!(
                    "{} · {} #{}: {}",
                    q.topic,
                    q.broker_name,
                    q.queue_id,
                    q.error.clone().unwrap_or_default()
                )
            })
            .collect();
        why.extend(
            plan.failed_brokers
                .iter()
                .map(|f| format!("{}: {}", f.broker_name, f.error)),
        );
        Error::BrokerRejected {
            target: group.to_owned(),
            operation: "reset offsets".into(),
            code: -1,
            detail: why.join("; "),
        }
    });
    (outcome, error)
}

/// Reads the group's committed offsets back. Online 4.x clients persist a pushed reset a few
/// seconds later, so it keeps looking (bounded) until every queue took or the deadline passes.
async fn read_back(
    client: &LiveClient,
    planned: &Planned,
    changing: &[&QueuePlan],
    errors: &HashMap<QueueKey, String>,
    taken: &(dyn Fn(&QueuePlan, Option<i64>) -> bool + Sync),
) -> HashMap<QueueKey, (i64, i64)> {
    let plan = &planned.plan;
    let brokers = plan
        .queues
        .iter()
        .map(|q| &q.broker_name)
        .collect::<BTreeSet<_>>()
        .len();
    let deadline = if plan.path == ResetPath::Online && planned.server_side.len() < brokers {
        Duration::from_secs(30)
    } else {
        Duration::from_secs(3)
    };
    let masters = masters_of(client).await.unwrap_or_default();
    let waited = Instant::now();
    loop {
        let after = progress_of(client, &masters, &plan.request.group, &plan.topics)
            .await
            .0;
        let pending = changing.iter().any(|q| {
            let key = queue_key(&q.topic, &q.broker_name, q.queue_id);
            !errors.contains_key(&key) && !taken(q, after.get(&key).map(|a| a.0))
        });
        if !pending || waited.elapsed() >= deadline {
            return after;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

impl Console {
    /// Admits a reset: refused up front on a read-only connection, then planned; a plan that fails,
    /// is not confirmed as its preview asks, or is refused, is journaled as refused.
    async fn admit_reset(
        &self,
        id: &ConnectionId,
        request: &ResetRequest,
        gate: Gate<'_>,
        action: &str,
        params: serde_json::Value,
    ) -> Result<(ConnectionProfile, Planned, Attempt)> {
        let pre = Attempt::new(action, &request.group, params.clone(), &[]);
        // Read-only refusal first, before any cluster call.
        let profile = self.admit(id, &pre, None, &Confirmation::default()).await?;
        let planned = match self.plan_reset(id, request).await {
            Ok(p) => p,
            Err(e) => {
                self.journal_refusal(&profile, &pre, &e).await?;
                return Err(e);
            }
        };
        let plan = &planned.plan;
        let attempt = Attempt::new(action, &request.group, params, &plan.plan.mqadmin);
        if let Gate::Confirm(confirmation) = gate
            && let Some(err) = plan.plan.check(confirmation)
        {
            self.journal_refusal(&profile, &attempt, &err).await?;
            return Err(err);
        }
        if let Some(r) = &plan.plan.refusal {
            let err = Error::validation(r.clone());
            self.journal_refusal(&profile, &attempt, &err).await?;
            return Err(err);
        }
        Ok((profile, planned, attempt))
    }
}

impl Console {
    /// Applies a reset: snapshot, write, read back, journal. A queue that did not take is in the result.
    #[tracing::instrument(skip(self, confirmation), err(Debug))]
    pub async fn offset_reset(
        &self,
        id: &ConnectionId,
        request: &ResetRequest,
        confirmation: &Confirmation,
    ) -> Result<ResetResult> {
        self.apply_reset(id, request, Gate::Confirm(confirmation), None)
            .await
    }

    pub(super) async fn apply_reset(
        &self,
        id: &ConnectionId,
        request: &ResetRequest,
        gate: Gate<'_>,
        undo_of: Option<i64>,
    ) -> Result<ResetResult> {
        let start = Instant::now();
        let action = if undo_of.is_some() {
            "group.reset_offset.undo"
        } else {
            "group.reset_offset"
        };
        let bulk_job = match gate {
            Gate::Bulk(job) => Some(job),
            Gate::Confirm(_) => None,
        };
        let params = serde_json::json!({ "request": request, "undoOf": undo_of, "bulkJob": bulk_job });
        let (profile, planned, attempt) = self.admit_reset(id, request, gate, action, params).await?;
        let plan = &planned.plan;
        let (_, client) = self.client(id).await?;
        let before: Vec<QueueOffset> = plan
            .queues
            .iter()
            .map(|q| QueueOffset {
                topic: q.topic.clone(),
                broker_name: q.broker_name.clone(),
                queue_id: q.queue_id,
                offset: q.current,
            })
            .collect();
        let reason = match request.topic.as_deref() {
            Some(t) => format!("{} on {t}", describe(&request.mode)),
            None => describe(&request.mode),
        };
        let snapshot_id = self.snapshot_save(id, &request.group, &reason, &before).await?;
        let changing: Vec<&QueuePlan> = plan.queues.iter().filter(|q| q.target != q.current).collect();
        let (errors, confirmed) = self.write_offsets(&client, &planned, &changing).await;
        // A queue took when the read-back shows it, or (4.x, online) when the broker confirms the
        // offset it pushed to the clients: they may have consumed back up to the old offset before
        // persisting, so the read-back alone cannot tell.
        let taken = |q: &QueuePlan, a: Option<i64>| {
            confirmed.contains(&queue_key(&q.topic, &q.broker_name, q.queue_id)) || took(plan.path, q, a)
        };
        let after = read_back(&client, &planned, &changing, &errors, &taken).await;
        let queues = queue_results(&plan.queues, &after, &errors, &taken);
        let (outcome, error) = reset_outcome(&queues, changing.len(), plan, &request.group);
        let after_json: Vec<serde_json::Value> = queues
            .iter()
            .map(|q| serde_json::json!({"topic": q.topic, "brokerName": q.broker_name, "queueId": q.queue_id, "offset": q.after}))
            .collect();
        let entry = self
            .journal(
                &profile,
                &attempt,
                Some(serde_json::json!({ "snapshotId": snapshot_id, "offsets": before })),
                Some(serde_json::Value::Array(after_json)),
                outcome,
                error.as_ref(),
            )
            .await?;
        if let Some(s) = undo_of
            && outcome != AuditOutcome::Failed
        {
            self.snapshot_restored(s).await?;
        }
        self.emit(CoreEvent::ResourceInvalidated {
            connection_id: id.clone(),
            scope: vec!["groups".into()],
        });
        Ok(ResetResult {
            outcome,
            path: plan.path,
            snapshot_id: Count(u64::try_from(snapshot_id).unwrap_or(0)),
            audit_id: entry.id,
            queues,
            failed_brokers: plan.failed_brokers.clone(),
            elapsed_ms: start.elapsed().as_secs_f64() * 1000.0,
        })
    }
}

/// Whether a queue's read-back offset shows the reset took. Offline: exactly the target. Online the
/// clients may already have consumed on from the target, so any move away from the old offset at or
/// beyond the target counts.
pub(super) fn took(path: ResetPath, q: &QueuePlan, after: Option<i64>) -> bool {
    let Some(a) = after else { return false };
    if a == q.target.0 {
        return true;
    }
    path == ResetPath::Online && a != q.current.0 && a >= q.target.0 && a <= q.max_offset.0
}
