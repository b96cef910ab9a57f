//! Resetting many groups at once: one preview over every group (each planned as a single reset is),
//! then a cancellable job that resets the groups a few at a time. Each group's reset is a reset of
//! its own — snapshot, writes, read-back, one journal entry (tagged with the job), Undo from its
//! snapshot — and is never cut in two: Cancel stops the job between groups, and the groups not yet
//! started are reported as not run.

use futures::StreamExt as _;
use serde::{Deserialize, Serialize};

use crate::audit::AuditOutcome;
use crate::console::Console;
use crate::error::{Error, Result};
use crate::jobs::{JobId, JobSink};
use crate::model::{ConnectionId, Count, Offset};
use crate::safety::{Attempt, ChangePlan, Confirmation, FieldChange};
use crate::topic::BrokerFailure;

use super::{Gate, ResetMode, ResetPath, ResetRequest, describe};

/// Groups reset at the same time.
const BULK_CONCURRENCY: usize = 4;
/// Groups planned at the same time.
const PLAN_CONCURRENCY: usize = 8;
/// Why a group of a cancelled job was not reset.
const CANCELLED: &str = "cancelled before it started";
/// Most groups one bulk reset takes.
pub const MAX_BULK_GROUPS: usize = 1000;

/// A reset of many groups to the same place.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BulkResetRequest {
    pub groups: Vec<String>,
    /// One topic, or each group's own topics when absent.
    pub topic: Option<String>,
    /// Earliest, latest or a timestamp (exact offsets and copies are per group).
    pub mode: ResetMode,
}

/// One group of the bulk preview.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BulkGroupPlan {
    pub group: String,
    /// Absent when the group could not be planned (`error` says why): it is left alone.
    pub path: Option<ResetPath>,
    pub online_clients: u32,
    pub topics: Vec<String>,
    pub queues: u32,
    /// Queues whose offset moves.
    pub changing: u32,
    pub reread: Offset,
    pub skipped: Offset,
    pub failed_brokers: Vec<BrokerFailure>,
    pub error: Option<String>,
}

/// The preview of a bulk reset.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BulkResetPlan {
    pub plan: ChangePlan,
    pub request: BulkResetRequest,
    pub groups: Vec<BulkGroupPlan>,
    pub reread: Offset,
    pub skipped: Offset,
    pub elapsed_ms: f64,
}

/// How a bulk reset went, group by group counted by outcome.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BulkSummary {
    pub groups: Count,
    pub ok: Count,
    pub partial: Count,
    pub failed: Count,
    pub not_run: Count,
}

/// One group's line of the job's result (a batch item of the job's stream).
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BulkGroupResult {
    pub group: String,
    /// Absent: not run (cancelled first, nothing to change, or not plannable; `error` says which).
    pub outcome: Option<AuditOutcome>,
    pub snapshot_id: Option<Count>,
    pub audit_id: Option<Count>,
    pub queues_changed: u32,
    pub queues_failed: u32,
    pub error: Option<String>,
}

fn validate(request: &BulkResetRequest) -> Result<Vec<String>> {
    if matches!(request.mode, ResetMode::Exact { .. } | ResetMode::CopyFrom { .. }) {
        return Err(Error::validation(
            "A bulk reset moves every group to the earliest or latest offset or to a time; exact offsets \
             and copies are set one group at a time.",
        ));
    }
    let mut groups: Vec<String> = Vec::new();
    for g in &request.groups {
        let g = g.trim();
        if !g.is_empty() && !groups.iter().any(|x| x == g) {
            groups.push(g.to_owned());
        }
    }
    if groups.is_empty() {
        return Err(Error::validation("Choose at least one consumer group."));
    }
    if groups.len() > MAX_BULK_GROUPS {
        return Err(Error::validation(format!(
            "{} groups chosen; one bulk reset takes at most {MAX_BULK_GROUPS}.",
            groups.len()
        )));
    }
    Ok(groups)
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The bulk preview assembled group by group.
#[derive(Default)]
struct Tally {
    groups: Vec<BulkGroupPlan>,
    changes: Vec<FieldChange>,
    mqadmin: Vec<String>,
    problems: Vec<String>,
    reread: i64,
    skipped: i64,
    online: Vec<String>,
}

impl Tally {
    /// Adds one group's plan, or why it could not be planned (the group is then left alone).
    fn add(&mut self, group: String, p: Result<super::Planned>) {
        match p {
            Ok(p) => {
                let plan = p.plan;
                let changing = plan.queues.iter().filter(|q| q.target != q.current).count();
                self.reread = self.reread.saturating_add(plan.reread.0);
                self.skipped = self.skipped.saturating_add(plan.skipped.0);
                if plan.path == ResetPath::Online {
                    self.online.push(format!("{group} ({})", plan.online_clients));
                }
                for f in &plan.failed_brokers {
                    self.problems.push(format!(
                        "{group}: {} did not answer ({}); its queues are left alone.",
                        f.broker_name, f.error
                    ));
                }
                self.changes.push(FieldChange {
                    scope: group.clone(),
                    field: format!("{} queue(s) on {}", plan.queues.len(), plan.topics.join(", ")),
                    before: Some(format!("{changing} to move")),
                    after: Some(format!("{} re-read, {} skipped", plan.reread.0, plan.skipped.0)),
                });
                self.mqadmin.extend(plan.plan.mqadmin.iter().cloned());
                self.groups.push(BulkGroupPlan {
                    group,
                    path: Some(plan.path),
                    online_clients: plan.online_clients,
                    topics: plan.topics,
                    queues: count(plan.queues.len()),
                    changing: count(changing),
                    reread: plan.reread,
                    skipped: plan.skipped,
                    failed_brokers: plan.failed_brokers,
                    error: None,
                });
            }
            Err(e) => {
                self.problems.push(format!("{group}: {e} — it is left alone."));
                self.groups.push(BulkGroupPlan {
                    group,
                    path: None,
                    online_clients: 0,
                    topics: Vec::new(),
                    queues: 0,
                    changing: 0,
                    reread: Offset(0),
                    skipped: Offset(0),
                    failed_brokers: Vec::new(),
                    error: Some(e.to_string()),
                });
            }
        }
    }

    /// What the preview warns about across the groups.
    fn warnings(&self) -> Vec<String> {
        let skipped = self.skipped;
        let mut warnings = Vec::new();
        if skipped > 0 {
            warnings.push(format!(
                "Skips {skipped} message(s) across the groups: they will not be consumed (Undo, per group, \
             restores the offsets)."
            ));
        }
        if !self.online.is_empty() {
            warnings.push(format!(
            "{} group(s) have clients online and are reset through the broker, which tells the clients: {}.",
            self.online.len(),
            self.online.join(", ")
        ));
        }
        warnings.extend(self.problems.iter().cloned());
        warnings
    }
}

/// A group's line when its reset did not run, with why.
fn not_run(group: &str, why: &str) -> BulkGroupResult {
    BulkGroupResult {
        group: group.to_owned(),
        outcome: None,
        snapshot_id: None,
        audit_id: None,
        queues_changed: 0,
        queues_failed: 0,
        error: Some(why.to_owned()),
    }
}

/// The groups counted by outcome.
fn summary_of(all: &[BulkGroupResult]) -> BulkSummary {
    let tally = |hit: &dyn Fn(&BulkGroupResult) -> bool| Count(all.iter().filter(|r| hit(r)).count() as u64);
    BulkSummary {
        groups: Count(all.len() as u64),
        ok: tally(&|r| r.outcome == Some(AuditOutcome::Ok)),
        partial: tally(&|r| r.outcome == Some(AuditOutcome::Partial)),
        failed: tally(&|r| r.outcome == Some(AuditOutcome::Failed)),
        not_run: tally(&|r| r.outcome.is_none()),
    }
}

impl Console {
    /// One group of a bulk reset, reset as a single reset is (its own snapshot and journal entry,
    /// tagged with the job); a group that was not planned or has nothing to change is not run.
    async fn reset_one_of_bulk(
        &self,
        id: &ConnectionId,
        request: &BulkResetRequest,
        g: &BulkGroupPlan,
        job: &str,
    ) -> BulkGroupResult {
        if let Some(e) = &g.error {
            return not_run(&g.group, &format!("not planned: {e}"));
        }
        if g.changing == 0 {
            return not_run(&g.group, "nothing to change");
        }
        let one = ResetRequest {
            group: g.group.clone(),
            topic: request.topic.clone(),
            mode: request.mode.clone(),
        };
        match self.apply_reset(id, &one, Gate::Bulk(job), None).await {
            Ok(r) => {
                let moved = r.queues.iter().filter(|q| q.before != q.target);
                let failed = r.queues.iter().filter(|q| !q.took).count();
                BulkGroupResult {
                    group: g.group.clone(),
                    outcome: Some(r.outcome),
                    snapshot_id: Some(r.snapshot_id),
                    audit_id: Some(r.audit_id),
                    queues_changed: count(moved.filter(|q| q.took).count()),
                    queues_failed: count(failed),
                    error: (r.outcome != AuditOutcome::Ok).then(|| {
                        let mut why: Vec<String> = r
                            .queues
                            .iter()
                            .filter(|q| !q.took)
                            .map(|q| format!("{} · {} #{}", q.topic, q.broker_name, q.queue_id))
                            .collect();
                        why.extend(
                            r.failed_brokers
                                .iter()
                                .map(|f| format!("{}: {}", f.broker_name, f.error)),
                        );
                        format!("did not take: {}", why.join("; "))
                    }),
                }
            }
            Err(e) => BulkGroupResult {
                outcome: Some(AuditOutcome::Failed),
                ..not_run(&g.group, &e.to_string())
            },
        }
    }
}

impl Console {
    /// The preview of resetting many groups: each group planned as a single reset is.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn offset_plan_bulk(
        &self,
        id: &ConnectionId,
        request: &BulkResetRequest,
    ) -> Result<BulkResetPlan> {
        let start = std::time::Instant::now();
        let names = validate(request)?;
        let profile = self.connection_get(id).await?;
        let planned: Vec<(String, Result<super::Planned>)> = futures::stream::iter(names)
            .map(|group| async move {
                let one = ResetRequest {
                    group: group.clone(),
                    topic: request.topic.clone(),
                    mode: request.mode.clone(),
                };
                let p = self.plan_reset(id, &one).await;
                (group, p)
            })
            .buffered(PLAN_CONCURRENCY)
            .collect()
            .await;
        let mut tally = Tally::default();
        for (group, p) in planned {
            tally.add(group, p);
        }
        let (acknowledge, warnings) = (tally.skipped > 0, tally.warnings());
        let Tally {
            groups,
            changes,
            mqadmin,
            reread,
            skipped,
            ..
        } = tally;
        let target = format!("{} groups", groups.len());
        let plan = ChangePlan::new(
            &profile,
            "group.reset_offset.bulk",
            format!("Reset {} {}", target, describe(&request.mode)),
            &target,
            changes,
            warnings,
            acknowledge,
            false,
            mqadmin,
        );
        Ok(BulkResetPlan {
            plan,
            request: request.clone(),
            groups,
            reread: Offset(reread),
            skipped: Offset(skipped),
            elapsed_ms: start.elapsed().as_secs_f64() * 1000.0,
        })
    }

    /// Starts a bulk reset as a job and returns its id; refused up front (and journaled) on a
    /// read-only connection or without the confirmation the preview asks for. Each group's reset is
    /// journaled on its own; the job streams one [`BulkGroupResult`] per group.
    #[tracing::instrument(skip(self, sink), err(Debug))]
    pub async fn offset_reset_bulk(
        &self,
        id: &ConnectionId,
        request: &BulkResetRequest,
        confirmation: &Confirmation,
        sink: JobSink<BulkGroupResult, BulkSummary>,
    ) -> Result<JobId> {
        let params = serde_json::to_value(request).map_err(|e| Error::internal(e.to_string()))?;
        let target = format!("{} groups", request.groups.len());
        let pre = Attempt::new("group.reset_offset.bulk", &target, params, &[]);
        // The bulk attempt is journaled only when refused; each group's reset has its own entry.
        let (_, _, bulk) = self
            .admit_planned(
                id,
                pre,
                confirmation,
                || self.offset_plan_bulk(id, request),
                |p| &p.plan,
            )
            .await?;
        let console = self.clone();
        let id = id.clone();
        let request = request.clone();
        let title = bulk.plan.title.clone();
        Ok(self
            .jobs()
            .start_cooperative(&title, sink, move |ctx| async move {
                let total = bulk.groups.len() as u64;
                ctx.progress(0, Some(total), None);
                let job = ctx.id.0.clone();
                let (ctx_ref, console_ref, id_ref, request_ref, job_ref) =
                    (&ctx, &console, &id, &request, &job);
                let mut results = futures::stream::iter(bulk.groups)
                    .map(|g| async move {
                        if ctx_ref.is_cancelled() && g.error.is_none() && g.changing != 0 {
                            return not_run(&g.group, CANCELLED);
                        }
                        console_ref
                            .reset_one_of_bulk(id_ref, request_ref, &g, job_ref)
                            .await
                    })
                    .buffer_unordered(BULK_CONCURRENCY);
                let (mut done, mut all) = (0u64, Vec::new());
                while let Some(r) = results.next().await {
                    done += 1;
                    let note = format!("{}: {}", r.group, r.outcome.map_or("not run", |o| o.as_str()));
                    ctx_ref.batch(vec![r.clone()]);
                    ctx_ref.progress(done, Some(total), Some(note));
                    all.push(r);
                }
                let summary = summary_of(&all);
                if all.iter().any(|r| r.error.as_deref() == Some(CANCELLED)) {
                    tracing::info!(job = %job_ref, ?summary, "bulk reset cancelled");
                    return Err(Error::Cancelled);
                }
                Ok(summary)
            }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bulk_request_is_deduplicated_and_limited_to_group_wide_modes() {
        let req = |groups: &[&str], mode: ResetMode| BulkResetRequest {
            groups: groups.iter().map(|g| (*g).to_owned()).collect(),
            topic: None,
            mode,
        };
        assert_eq!(
            validate(&req(&["a", " a", "b", ""], ResetMode::Earliest)).unwrap(),
            ["a", "b"]
        );
        assert!(validate(&req(&[], ResetMode::Latest)).is_err());
        assert!(validate(&req(&["a"], ResetMode::CopyFrom { group: "b".into() })).is_err());
        assert!(validate(&req(&["a"], ResetMode::Exact { offsets: vec![] })).is_err());
        let many: Vec<String> = (0..=MAX_BULK_GROUPS).map(|i| format!("g{i}")).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        assert!(validate(&req(&refs, ResetMode::Latest)).is_err());
    }
}
