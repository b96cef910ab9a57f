//! Creating or updating a subscription group on the masters of chosen clusters or brokers: the
//! preview (field by field, per broker), the write, the read-back and the journal entry.

use std::collections::{BTreeMap, BTreeSet};

use futures::future::join_all;

use crate::audit::AuditEntry;
use crate::cluster::{RoutedBroker, routed_brokers};
use crate::console::Console;
use crate::error::{Error, Result};
use crate::group::GroupConfig;
use crate::model::ConnectionId;
use crate::registry::LiveClient;
use crate::remoting::code::UPDATE_AND_CREATE_SUBSCRIPTIONGROUP;
use crate::safety::{
    Attempt, ChangePlan, Confirmation, FieldChange, finish, mqadmin_namesrv, outcome_of, resolve_targets,
    shell_arg, target_flags, to_json,
};

use super::{GroupSpec, GroupState, body_for, fields, online, read_state, validate_spec};

/// A computed create/update, ready to show and to apply.
struct UpsertPlan {
    plan: ChangePlan,
    before: GroupState,
    targets: Vec<RoutedBroker>,
}

/// Per target broker, each config field that changes (all of them where the group is new).
fn field_changes(targets: &[RoutedBroker], before: &GroupState, c: &GroupConfig) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    for t in targets {
        let old = before.brokers.iter().find(|b| b.broker_name == t.broker_name);
        let old_fields = old.map(|o| fields(&o.config));
        for (i, (name, after)) in fields(c).into_iter().enumerate() {
            let was = old_fields.as_ref().map(|f| f[i].1.clone());
            if was.as_deref() != Some(after.as_str()) {
                changes.push(FieldChange {
                    scope: t.broker_name.clone(),
                    field: name.to_owned(),
                    before: was,
                    after: Some(after),
                });
            }
        }
    }
    changes
}

/// What the preview warns about (and whether it must be acknowledged): consumption or broadcast
/// turned off under online clients, retries removed or lowered, reads from a slave, orderly, and
/// brokers of the group the change leaves alone.
fn upsert_warnings(
    spec: &GroupSpec,
    before: &GroupState,
    before_all: &GroupState,
    target_names: &BTreeSet<&str>,
    (clients, models): (usize, &BTreeSet<String>),
) -> (Vec<String>, bool) {
    let c = &spec.config;
    let mut warnings = Vec::new();
    let mut acknowledge = false;
    let olds: Vec<&GroupConfig> = before.brokers.iter().map(|b| &b.config).collect();
    let online_note = match clients {
        0 => "no client is online now".to_owned(),
        n => format!("{n} client(s) are online now"),
    };
    if !c.consume_enable && olds.iter().all(|o| o.consume_enable) {
        acknowledge = true;
        warnings.push(format!(
            "Consumption disabled: the brokers refuse the group's pulls, so its consumers stop getting \
             messages ({online_note})."
        ));
    }
    if !c.consume_broadcast_enable && models.contains("BROADCASTING") {
        acknowledge = true;
        warnings.push(
            "Broadcast disabled while the group's online clients consume in BROADCASTING mode: their \
             pulls will be refused."
                .into(),
        );
    }
    if c.retry_queue_nums == 0 {
        acknowledge = true;
        warnings.push(
            "No retry queue: a message the consumer fails is dropped by the broker, not retried and not \
             sent to the dead-letter queue."
                .into(),
        );
    }
    if c.retry_max_times == 0 {
        acknowledge = true;
        warnings.push(format!(
            "Retry max times 0: a message that fails once goes straight to %DLQ%{}.",
            spec.group
        ));
    } else if let Some(lowest) = olds.iter().map(|o| o.retry_max_times).max()
        && c.retry_max_times >= 0
        && c.retry_max_times < lowest
    {
        warnings.push(format!(
            "Retry max times lowered from {lowest} to {}: failing messages reach %DLQ%{} sooner \
             (clients that set maxReconsumeTimes themselves keep theirs).",
            c.retry_max_times, spec.group
        ));
    }
    if c.broker_id != 0 {
        warnings.push(format!(
            "Consumers read from broker id {} (a slave) rather than the master; when it is down or \
             behind they fall back to the master.",
            c.broker_id
        ));
    }
    if c.consume_message_orderly && !olds.iter().all(|o| o.consume_message_orderly) {
        warnings.push(
            "Orderly: 5.x POP consumers of the group get each queue's messages in order, one at a time."
                .into(),
        );
    }
    let untouched: Vec<&str> = before_all
        .brokers
        .iter()
        .filter(|b| !target_names.contains(b.broker_name.as_str()))
        .map(|b| b.broker_name.as_str())
        .collect();
    if !untouched.is_empty() {
        warnings.push(format!(
            "The group is also on {}, which keep their own config.",
            untouched.join(", ")
        ));
    }
    (warnings, acknowledge)
}

/// The `mqadmin updateSubGroup` lines equivalent to the change (`-o` only when every broker is 5.x).
fn upsert_mqadmin(
    client: &LiveClient,
    (routed, targets): (&[RoutedBroker], &[RoutedBroker]),
    spec: &GroupSpec,
    v5: &BTreeMap<String, bool>,
) -> Vec<String> {
    let c = &spec.config;
    let ns = mqadmin_namesrv(client);
    let orderly = if v5.values().all(|v| *v) {
        format!(" -o {}", c.consume_message_orderly)
    } else {
        String::new()
    };
    let tail = format!(
        "-g {} -s {} -m {} -d {}{orderly} -q {} -r {} -i {} -w {} -a {}",
        shell_arg(&spec.group),
        c.consume_enable,
        c.consume_from_min_enable,
        c.consume_broadcast_enable,
        c.retry_queue_nums,
        c.retry_max_times,
        c.broker_id,
        c.which_broker_when_consume_slowly,
        c.notify_consumer_ids_changed_enable
    );
    target_flags(routed, targets)
        .into_iter()
        .map(|t| format!("mqadmin updateSubGroup -n {ns} {t} {tail}"))
        .collect()
}

impl Console {
    async fn plan_group_upsert(&self, id: &ConnectionId, spec: &GroupSpec) -> Result<UpsertPlan> {
        validate_spec(spec)?;
        let profile = self.connection_get(id).await?;
        let (_, client) = self.client(id).await?;
        let routed = routed_brokers(&client).await?;
        let targets = resolve_targets(&routed, &spec.clusters, &spec.brokers)?;
        let masters: Vec<RoutedBroker> = routed.iter().filter(|b| b.broker_id == 0).cloned().collect();
        let (state, (clients, models)) = tokio::join!(
            read_state(&client, &masters, &spec.group),
            online(&client, &targets, &spec.group)
        );
        let (before_all, v5) = match state {
            Ok(s) => s,
            // A dead master not among the targets must not block the change; one that is, must.
            Err(_) => read_state(&client, &targets, &spec.group).await?,
        };
        let c = &spec.config;
        if c.consume_message_orderly
            && let Some(old) = targets.iter().find(|t| v5.get(&t.broker_name) == Some(&false))
        {
            return Err(Error::validation(format!(
                "Orderly consumption is a 5.x group setting: {} runs RocketMQ 4.x, which has no such \
                 field. On 4.x, ordering is the consumer's choice (MessageListenerOrderly).",
                old.broker_name
            )));
        }
        let target_names: BTreeSet<&str> = targets.iter().map(|t| t.broker_name.as_str()).collect();
        let before = GroupState {
            group: spec.group.clone(),
            brokers: before_all
                .brokers
                .iter()
                .filter(|b| target_names.contains(b.broker_name.as_str()))
                .cloned()
                .collect(),
        };
        let exists = !before_all.brokers.is_empty();
        let changes = field_changes(&targets, &before, c);
        let (warnings, acknowledge) =
            upsert_warnings(spec, &before, &before_all, &target_names, (clients, &models));
        let mqadmin = upsert_mqadmin(&client, (&routed, &targets), spec, &v5);
        let (action, verb) = if exists {
            ("group.update", "Update")
        } else {
            ("group.create", "Create")
        };
        let plan = ChangePlan::new(
            &profile,
            action,
            format!("{verb} consumer group {}", spec.group),
            &spec.group,
            changes,
            warnings,
            acknowledge,
            false,
            mqadmin,
        );
        Ok(UpsertPlan {
            plan,
            before,
            targets,
        })
    }

    /// The preview of creating or updating a consumer group.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn group_plan_upsert(&self, id: &ConnectionId, spec: &GroupSpec) -> Result<ChangePlan> {
        Ok(self.plan_group_upsert(id, spec).await?.plan)
    }

    /// Creates or updates a consumer group as planned, reads it back; returns the journal entry.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn group_upsert(
        &self,
        id: &ConnectionId,
        spec: &GroupSpec,
        confirmation: &Confirmation,
    ) -> Result<AuditEntry> {
        let pre = Attempt::new("group.upsert", &spec.group, to_json(spec), &[]);
        let (profile, attempt, planned) = self
            .admit_planned(
                id,
                pre,
                confirmation,
                || self.plan_group_upsert(id, spec),
                |p| &p.plan,
            )
            .await?;
        let (_, client) = self.client(id).await?;
        let sends = join_all(planned.targets.iter().map(|t| {
            let raw = planned
                .before
                .brokers
                .iter()
                .find(|b| b.broker_name == t.broker_name)
                .map(|b| &b.raw);
            let client = &client;
            async move {
                let body = body_for(&spec.group, raw, &spec.config)?;
                client
                    .link
                    .request_body(
                        &t.addr,
                        UPDATE_AND_CREATE_SUBSCRIPTIONGROUP,
                        BTreeMap::new(),
                        &body,
                        "update subscription group",
                    )
                    .await
                    .map(drop)
            }
        }))
        .await;
        let mut failures: Vec<(String, Error)> = planned
            .targets
            .iter()
            .zip(sends)
            .filter_map(|(t, r)| r.err().map(|e| (format!("{} ({})", t.broker_name, t.addr), e)))
            .collect();
        // Read back: a broker that answered success but kept other values is a failure too.
        let after = read_state(&client, &planned.targets, &spec.group).await.ok();
        if let Some((after, _)) = &after {
            let want = fields(&spec.config);
            for t in &planned.targets {
                if failures
                    .iter()
                    .any(|(w, _)| w.starts_with(&format!("{} (", t.broker_name)))
                {
                    continue;
                }
                let why = match after.brokers.iter().find(|b| b.broker_name == t.broker_name) {
                    None => Some("the group is not there after the write".to_owned()),
                    Some(b) => {
                        let got = fields(&b.config);
                        let differ: Vec<String> = want
                            .iter()
                            .zip(&got)
                            .filter(|(w, g)| w.1 != g.1)
                            .map(|(w, g)| format!("{} is {}, not {}", w.0, g.1, w.1))
                            .collect();
                        (!differ.is_empty()).then(|| format!("read back: {}", differ.join(", ")))
                    }
                };
                if let Some(why) = why {
                    failures.push((
                        format!("{} ({})", t.broker_name, t.addr),
                        Error::Conflict { message: why },
                    ));
                }
            }
        }
        let (outcome, error) = outcome_of(&failures, planned.targets.len(), "consumer group change");
        let entry = self
            .journal(
                &profile,
                &attempt,
                Some(to_json(&planned.before)),
                after.map(|(s, _)| to_json(&s)),
                outcome,
                error.as_ref(),
            )
            .await?;
        self.groups_changed(id);
        finish(entry, outcome, error)
    }
}
