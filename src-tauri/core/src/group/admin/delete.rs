//! Deleting a subscription group: the preview (online clients, offsets, retry and dead-letter
//! topics), the delete on every broker that has it, the read-back and the journal entry.

use std::collections::BTreeSet;

use futures::future::join_all;

use crate::audit::AuditEntry;
use crate::cluster::{RoutedBroker, routed_brokers};
use crate::console::{Console, CoreEvent};
use crate::error::{Error, Result};
use crate::group::detail::masters_of;
use crate::group::stats::{GroupStats, group_stats};
use crate::model::ConnectionId;
use crate::producer::is_system_group;
use crate::registry::LiveClient;
use crate::remoting::code::{DELETE_SUBSCRIPTIONGROUP, GET_TOPIC_STATS_INFO};
use crate::remoting::header::{DeleteGroupHeader, TopicHeader};
use crate::safety::{
    Attempt, ChangePlan, Confirmation, FieldChange, finish, mqadmin_namesrv, outcome_of, shell_arg,
    target_flags, to_json,
};
use crate::topic::admin::{delete_topic_on, route_brokers};

use super::{GroupDeleteSpec, GroupState, online, read_state};

/// A computed delete.
struct DeletePlan {
    plan: ChangePlan,
    before: GroupState,
    hosts: Vec<RoutedBroker>,
    /// Side topics to delete and the brokers of their routes.
    topics: Vec<(String, Vec<RoutedBroker>)>,
}

/// The masters to delete the group from: those of `spec.brokers` (all that hold it when none is
/// named); the retry and dead-letter topics only go with the group deleted everywhere.
fn delete_hosts(
    spec: &GroupDeleteSpec,
    masters: &[RoutedBroker],
    all: &GroupState,
) -> Result<Vec<RoutedBroker>> {
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
    Ok(hosts)
}

/// Per host: the subscription group it loses and, when asked, its committed offsets.
fn config_changes(
    hosts: &[RoutedBroker],
    before: &GroupState,
    offsets: &[Result<GroupStats>],
    remove_offsets: bool,
) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    for (h, o) in hosts.iter().zip(offsets) {
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
        if remove_offsets {
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
    changes
}

/// The retry and dead-letter topics: deleted when asked (their message counts shown), else kept
/// with a warning. Returns the topics to delete with their brokers, and whether one is kept.
#[allow(clippy::type_complexity)]
fn side_topic_changes(
    spec: &GroupDeleteSpec,
    [retry, dlq]: [&String; 2],
    side: Vec<Result<Option<(Vec<RoutedBroker>, i64)>>>,
    (changes, warnings): (&mut Vec<FieldChange>, &mut Vec<String>),
) -> Result<(Vec<(String, Vec<RoutedBroker>)>, bool)> {
    let mut topics = Vec::new();
    let mut kept = false;
    for ((name, wanted), found) in [(retry, spec.delete_retry_topic), (dlq, spec.delete_dlq_topic)]
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
                if name == dlq && messages > 0 {
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
    Ok((topics, kept))
}

/// The `mqadmin` lines equivalent to the delete.
fn delete_mqadmin(
    client: &LiveClient,
    (routed, hosts): (&[RoutedBroker], &[RoutedBroker]),
    group: &str,
    remove_offsets: bool,
    kept: bool,
    topics: &[(String, Vec<RoutedBroker>)],
) -> Vec<String> {
    let ns = mqadmin_namesrv(client);
    let g = shell_arg(group);
    // `deleteSubGroup -c` also deletes the group's retry and dead-letter topics: with one of them
    // kept, the equivalent names the brokers one by one and deletes the chosen topic on its own.
    let flags = if kept {
        hosts
            .iter()
            .map(|h| format!("-b {}", shell_arg(&h.addr)))
            .collect()
    } else {
        target_flags(routed, hosts)
    };
    let by_cluster = flags.iter().any(|f| f.starts_with("-c "));
    let mut mqadmin: Vec<String> = flags
        .iter()
        .map(|t| format!("mqadmin deleteSubGroup -n {ns} {t} -g {g} -r {}", remove_offsets))
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
    mqadmin
}

impl Console {
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
        let hosts = delete_hosts(spec, &masters, &all)?;
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
        changes.extend(config_changes(&hosts, &before, &offsets, spec.remove_offsets));
        if !spec.remove_offsets {
            warnings.push(
                "The committed offsets are kept: a group created again with this name resumes from them."
                    .into(),
            );
        }
        let (topics, kept) = side_topic_changes(spec, [&retry, &dlq], side, (&mut changes, &mut warnings))?;
        if clients > 0 {
            warnings.push(format!(
                "{clients} client(s) of the group are online: brokers that auto-create subscription groups \
                 (autoCreateSubscriptionGroup, on by default) create it again at their next heartbeat. Stop \
                 the consumers first."
            ));
        }
        let mqadmin = delete_mqadmin(
            &client,
            (&routed, &hosts),
            group,
            spec.remove_offsets,
            kept,
            &topics,
        );
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
        let ext = DeleteGroupHeader {
            group_name: group.to_owned(),
            clean_offset: spec.remove_offsets,
            remove_offset: spec.remove_offsets,
        };
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
        let ext = TopicHeader {
            topic: topic.to_owned(),
        };
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
