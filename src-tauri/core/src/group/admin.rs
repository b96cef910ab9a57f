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

use std::collections::{BTreeMap, BTreeSet};

use futures::future::join_all;
use rocketmq_model::version::RocketMqVersion;
use serde::{Deserialize, Serialize};

use super::detail::masters_of;
use super::{GroupConfig, group_connections, group_stats};
use crate::audit::AuditEntry;
use crate::cluster::{RoutedBroker, routed_brokers};
use crate::console::{Console, CoreEvent};
use crate::error::{Error, Result};
use crate::model::ConnectionId;
use crate::producer::is_system_group;
use crate::registry::LiveClient;
use crate::remoting;
use crate::remoting::Link;
use crate::remoting::code::{
    DELETE_SUBSCRIPTIONGROUP, GET_ALL_SUBSCRIPTIONGROUP_CONFIG, GET_TOPIC_STATS_INFO,
    UPDATE_AND_CREATE_SUBSCRIPTIONGROUP,
};
use crate::safety::{Attempt, ChangePlan, Confirmation, FieldChange, shell_arg};
use crate::topic_admin::{
    check_name, delete_topic_on, finish, mqadmin_namesrv, outcome_of, resolve_targets, route_brokers,
    target_flags, to_json,
};

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

/// A computed create/update, ready to show and to apply.
struct UpsertPlan {
    plan: ChangePlan,
    before: GroupState,
    targets: Vec<RoutedBroker>,
}

/// A computed delete.
struct DeletePlan {
    plan: ChangePlan,
    before: GroupState,
    hosts: Vec<RoutedBroker>,
    /// Side topics to delete and the brokers of their routes.
    topics: Vec<(String, Vec<RoutedBroker>)>,
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
        let mut changes = Vec::new();
        for t in &targets {
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
        let ns = mqadmin_namesrv(&client);
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
        let mqadmin = target_flags(&routed, &targets)
            .into_iter()
            .map(|t| format!("mqadmin updateSubGroup -n {ns} {t} {tail}"))
            .collect();
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

    async fn plan_group_delete(&self, id: &ConnectionId, spec: &GroupDeleteSpec) -> Result<DeletePlan> {
        let group = spec.group.trim();
        if group.is_empty() {
            return Err(Error::validation("The group name is empty."));
        }
        if is_system_group(group) {
            return Err(Error::validation(format!(
                "'{group}' is a system consumer group: brokers and the console manage it."
            )));
        }
        let profile = self.connection_get(id).await?;
        let (_, client) = self.client(id).await?;
        let routed = routed_brokers(&client).await?;
        let masters = masters_of(&client).await?;
        let (all, _) = read_state(&client, &masters, group).await?;
        if all.brokers.is_empty() {
            return Err(Error::not_found(format!("consumer group '{group}'")));
        }
        let holding: BTreeSet<&str> = all.brokers.iter().map(|b| b.broker_name.as_str()).collect();
        for b in &spec.brokers {
            if !holding.contains(b.as_str()) {
                return Err(Error::validation(format!(
                    "The group is not on broker '{b}' (it is on {}).",
                    holding.iter().copied().collect::<Vec<_>>().join(", ")
                )));
            }
        }
        let hosts: Vec<RoutedBroker> = masters
            .iter()
            .filter(|m| {
                holding.contains(m.broker_name.as_str())
                    && (spec.brokers.is_empty() || spec.brokers.contains(&m.broker_name))
            })
            .cloned()
            .collect();
        let everywhere = hosts.len() == holding.len();
        if !everywhere && (spec.delete_retry_topic || spec.delete_dlq_topic) {
            return Err(Error::validation(
                "The retry and dead-letter topics are shared by every broker of the group: delete them only \
                 when the group is deleted from all its brokers.",
            ));
        }
        let before = GroupState {
            group: group.to_owned(),
            brokers: all
                .brokers
                .iter()
                .filter(|b| hosts.iter().any(|h| h.broker_name == b.broker_name))
                .cloned()
                .collect(),
        };
        let retry = format!("%RETRY%{group}");
        let dlq = format!("%DLQ%{group}");
        let (offsets, (clients, _), side) = tokio::join!(
            join_all(
                hosts
                    .iter()
                    .map(|h| group_stats(&h.addr, group, None, &client.link))
            ),
            online(&client, &hosts, group),
            join_all([&retry, &dlq].map(|t| side_topic(&client, t)))
        );
        let mut changes = Vec::new();
        let mut warnings = vec![format!(
            "Deletes consumer group '{group}' from {}.",
            hosts
                .iter()
                .map(|h| h.broker_name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )];
        for (h, o) in hosts.iter().zip(&offsets) {
            let c = &before
                .brokers
                .iter()
                .find(|b| b.broker_name == h.broker_name)
                .map(|b| b.config.clone())
                .unwrap_or_default();
            changes.push(FieldChange {
                scope: h.broker_name.clone(),
                field: "subscription group".into(),
                before: Some(format!(
                    "consume {}, broadcast {}, retry {} × {} queue(s)",
                    if c.consume_enable { "on" } else { "off" },
                    if c.consume_broadcast_enable { "on" } else { "off" },
                    c.retry_max_times,
                    c.retry_queue_nums
                )),
                after: None,
            });
            if spec.remove_offsets {
                let described = match o {
                    Ok((qs, _)) => {
                        let topics: BTreeSet<&str> = qs.iter().map(|q| q.topic.as_str()).collect();
                        if qs.is_empty() {
                            "none committed".to_owned()
                        } else {
                            format!("{} queue(s) on {} topic(s)", qs.len(), topics.len())
                        }
                    }
                    Err(_) => "committed offsets".into(),
                };
                changes.push(FieldChange {
                    scope: h.broker_name.clone(),
                    field: "offsets".into(),
                    before: Some(described),
                    after: None,
                });
            }
        }
        if !spec.remove_offsets {
            warnings.push(
                "The committed offsets are kept: a group created again with this name resumes from them."
                    .into(),
            );
        }
        let mut topics = Vec::new();
        let mut kept = false;
        for ((name, wanted), found) in [(&retry, spec.delete_retry_topic), (&dlq, spec.delete_dlq_topic)]
            .into_iter()
            .zip(side)
        {
            match (wanted, found) {
                (true, Ok(Some((brokers, messages)))) => {
                    changes.push(FieldChange {
                        scope: "topic".into(),
                        field: name.clone(),
                        before: Some(format!("{messages} message(s)")),
                        after: None,
                    });
                    if name == &dlq && messages > 0 {
                        warnings.push(format!(
                            "{messages} dead letter(s) in {dlq} are deleted with it and cannot be replayed."
                        ));
                    }
                    topics.push((name.clone(), brokers));
                }
                (true, Ok(None)) => warnings.push(format!("{name} does not exist: nothing to delete.")),
                (true, Err(e)) => return Err(e),
                (false, Ok(Some((_, messages)))) => {
                    kept = true;
                    warnings.push(format!(
                        "{name} is kept ({messages} message(s)); delete it from the topics screen later if needed."
                    ));
                }
                (false, _) => {}
            }
        }
        if clients > 0 {
            warnings.push(format!(
                "{clients} client(s) of the group are online: brokers that auto-create subscription groups \
                 (autoCreateSubscriptionGroup, on by default) create it again at their next heartbeat. Stop \
                 the consumers first."
            ));
        }
        let ns = mqadmin_namesrv(&client);
        let g = shell_arg(group);
        // `deleteSubGroup -c` also deletes the group's retry and dead-letter topics: with one of them
        // kept, the equivalent names the brokers one by one and deletes the chosen topic on its own.
        let flags = if kept {
            hosts
                .iter()
                .map(|h| format!("-b {}", shell_arg(&h.addr)))
                .collect()
        } else {
            target_flags(&routed, &hosts)
        };
        let by_cluster = flags.iter().any(|f| f.starts_with("-c "));
        let mut mqadmin: Vec<String> = flags
            .iter()
            .map(|t| {
                format!(
                    "mqadmin deleteSubGroup -n {ns} {t} -g {g} -r {}",
                    spec.remove_offsets
                )
            })
            .collect();
        for (t, brokers) in topics.iter().filter(|_| !by_cluster) {
            let clusters: BTreeSet<&str> = brokers.iter().map(|b| b.cluster.as_str()).collect();
            for c in clusters {
                mqadmin.push(format!(
                    "mqadmin deleteTopic -n {ns} -c {} -t {}",
                    shell_arg(c),
                    shell_arg(t)
                ));
            }
        }
        let plan = ChangePlan::new(
            &profile,
            "group.delete",
            format!("Delete consumer group {group}"),
            group,
            changes,
            warnings,
            false,
            true,
            mqadmin,
        );
        Ok(DeletePlan {
            plan,
            before,
            hosts,
            topics,
        })
    }

    /// The preview of deleting a consumer group.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn group_plan_delete(&self, id: &ConnectionId, spec: &GroupDeleteSpec) -> Result<ChangePlan> {
        Ok(self.plan_group_delete(id, spec).await?.plan)
    }

    /// Deletes a consumer group (and, as asked, its offsets and its retry and dead-letter topics);
    /// the group's name must be typed as confirmation.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn group_delete(
        &self,
        id: &ConnectionId,
        spec: &GroupDeleteSpec,
        confirmation: &Confirmation,
    ) -> Result<AuditEntry> {
        let pre = Attempt::new("group.delete", &spec.group, to_json(spec), &[]);
        let (profile, attempt, planned) = self
            .admit_planned(
                id,
                pre,
                confirmation,
                || self.plan_group_delete(id, spec),
                |p| &p.plan,
            )
            .await?;
        let (_, client) = self.client(id).await?;
        let group = spec.group.trim();
        let ext = BTreeMap::from([
            ("groupName".to_owned(), group.to_owned()),
            // 5.x reads cleanOffset, 4.x removeOffset.
            ("cleanOffset".to_owned(), spec.remove_offsets.to_string()),
            ("removeOffset".to_owned(), spec.remove_offsets.to_string()),
        ]);
        let deletes = join_all(planned.hosts.iter().map(|h| {
            let (ext, client) = (ext.clone(), &client);
            async move {
                client
                    .link
                    .request_with(
                        &h.addr,
                        DELETE_SUBSCRIPTIONGROUP,
                        ext,
                        "delete subscription group",
                    )
                    .await
                    .map(drop)
                    .map_err(|e| (format!("{} ({})", h.broker_name, h.addr), e))
            }
        }))
        .await;
        let mut failures: Vec<(String, Error)> = deletes.into_iter().filter_map(|r| r.err()).collect();
        let mut steps = planned.hosts.len();
        for (topic, brokers) in &planned.topics {
            steps += brokers.len() + client.spec.namesrv_addrs.len();
            failures.extend(delete_topic_on(&client, brokers, topic).await);
        }
        let after = read_state(&client, &planned.hosts, group).await.ok();
        if let Some((after, _)) = &after {
            for b in &after.brokers {
                if !failures
                    .iter()
                    .any(|(w, _)| w.starts_with(&format!("{} (", b.broker_name)))
                {
                    failures.push((
                        format!("{} ({})", b.broker_name, b.addr),
                        Error::Conflict {
                            message: "the group is still there after the delete (re-created by an online \
                                      client's heartbeat?)"
                                .into(),
                        },
                    ));
                }
            }
        }
        let (outcome, error) = outcome_of(&failures, steps, "consumer group delete");
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
        if !planned.topics.is_empty() {
            self.topics_changed(id);
        }
        finish(entry, outcome, error)
    }

    /// Tells the UI the connection's group data is stale.
    pub(crate) fn groups_changed(&self, id: &ConnectionId) {
        self.emit(CoreEvent::ResourceInvalidated {
            connection_id: id.clone(),
            scope: vec!["groups".into()],
        });
    }
}

/// A retry or dead-letter topic's brokers and message count; `None` when it does not exist.
async fn side_topic(client: &LiveClient, topic: &str) -> Result<Option<(Vec<RoutedBroker>, i64)>> {
    let (_, brokers) = match route_brokers(client, topic).await {
        Ok(r) => r,
        Err(Error::NotFound { .. }) => return Ok(None),
        Err(e) => return Err(e),
    };
    let stats = join_all(brokers.iter().filter(|b| b.broker_id == 0).map(|b| {
        let ext = BTreeMap::from([("topic".to_owned(), topic.to_owned())]);
        async move {
            client
                .link
                .request_with(&b.addr, GET_TOPIC_STATS_INFO, ext, "topic stats")
                .await
                .and_then(|r| crate::topic::decode_topic_stats(&r.body))
        }
    }))
    .await;
    let messages = stats
        .into_iter()
        .flatten()
        .flatten()
        .map(|q| (q.max_offset.0 - q.min_offset.0).max(0))
        .sum();
    Ok(Some((brokers, messages)))
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
