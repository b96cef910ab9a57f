//! Creating or updating a topic on the masters of chosen clusters or brokers: the preview (per
//! broker, field by field, with the order config of 4.x name servers), the write, the read-back
//! and the journal entry.

use std::collections::BTreeMap;

use futures::future::join_all;

use crate::audit::AuditEntry;
use crate::cluster::{RoutedBroker, routed_brokers};
use crate::console::Console;
use crate::error::{Error, Result};
use crate::model::ConnectionId;
use crate::registry::LiveClient;
use crate::remoting::code::{DELETE_KV_CONFIG, PUT_KV_CONFIG, UPDATE_AND_CREATE_TOPIC};
use crate::remoting::header::{CreateTopicHeader, KvConfigHeader};
use crate::safety::{
    Attempt, ChangePlan, Confirmation, FieldChange, finish, mqadmin_namesrv, outcome_of, resolve_targets,
    shell_arg, target_flags, to_json,
};
use crate::topic::perm_label;

use super::{
    ORDER_NAMESPACE, Probe, TopicMessageType, TopicSpec, TopicState, order_conf, probe, read_state, type_of,
    validate_spec,
};

/// A computed create/update, ready to show and to apply.
struct UpsertPlan {
    plan: ChangePlan,
    before: TopicState,
    targets: Vec<RoutedBroker>,
    /// The order-config value to write (Some) or delete (None) on the name servers, if it changes.
    order_change: Option<Option<String>>,
    /// The `attributes` header to send, if any.
    attributes: Option<String>,
}

impl Console {
    async fn plan_upsert(&self, id: &ConnectionId, spec: &TopicSpec) -> Result<UpsertPlan> {
        // The name's own rules first (before any cluster call); a group topic's only once it is
        // known to exist (the broker creates those; an existing one may be edited).
        validate_spec(spec, super::is_group_topic(&spec.name))?;
        let profile = self.connection_get(id).await?;
        let (_, client) = self.client(id).await?;
        let routed = routed_brokers(&client).await?;
        let targets = resolve_targets(&routed, &spec.clusters, &spec.brokers)?;
        let (probe, order_before) = tokio::try_join!(
            probe(&client, &targets, &spec.name),
            order_conf(&client, &spec.name)
        )?;
        check_message_type(spec, &probe)?;
        let order = spec.order || spec.message_type == Some(TopicMessageType::Fifo);
        let before = TopicState {
            topic: spec.name.clone(),
            brokers: probe.configs.clone(),
            order_conf: order_before.clone(),
        };
        let exists = !probe.configs.is_empty();
        validate_spec(spec, exists)?;
        let attributes = spec
            .message_type
            .filter(|_| probe.attributes_supported)
            .map(|t| format!("+message.type={}", t.wire()));
        let mut changes = broker_changes(spec, &probe, &targets, order);
        let (warnings, acknowledge) = upsert_warnings(spec, &probe, &targets);
        let order_change = order_change(spec, &probe, &targets, order, order_before.as_deref());
        if let Some(change) = &order_change {
            changes.push(FieldChange {
                scope: "name server".into(),
                field: format!("{ORDER_NAMESPACE}/{}", spec.name),
                before: order_before.clone(),
                after: change.clone(),
            });
        }
        let mqadmin = upsert_mqadmin(&client, &routed, &targets, spec, order, attributes.as_deref());
        let (action, verb) = if exists {
            ("topic.update", "Update")
        } else {
            ("topic.create", "Create")
        };
        let plan = ChangePlan::new(
            &profile,
            action,
            format!("{verb} topic {}", spec.name),
            &spec.name,
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
            order_change,
            attributes,
        })
    }

    /// The preview of creating or updating a topic.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn topic_plan_upsert(&self, id: &ConnectionId, spec: &TopicSpec) -> Result<ChangePlan> {
        Ok(self.plan_upsert(id, spec).await?.plan)
    }

    /// Creates or updates a topic as planned; returns the journal entry (with before/after).
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn topic_upsert(
        &self,
        id: &ConnectionId,
        spec: &TopicSpec,
        confirmation: &Confirmation,
    ) -> Result<AuditEntry> {
        let params = serde_json::to_value(spec).map_err(|e| Error::internal(e.to_string()))?;
        // Until the plan says whether the topic exists, the attempt is a create-or-update.
        let pre = Attempt::new("topic.upsert", &spec.name, params, &[]);
        // Read-only refusal first, before any cluster call: it must hold even when the cluster is down.
        let (profile, attempt, planned) = self
            .admit_planned(id, pre, confirmation, || self.plan_upsert(id, spec), |p| &p.plan)
            .await?;
        let (_, client) = self.client(id).await?;
        let order = spec.order || spec.message_type == Some(TopicMessageType::Fifo);
        let sends = join_all(planned.targets.iter().map(|t| {
            let sys_flag = planned
                .before
                .brokers
                .iter()
                .find(|c| c.broker_name == t.broker_name)
                .map_or(0, |c| c.topic_sys_flag);
            let ext = CreateTopicHeader {
                topic: spec.name.clone(),
                default_topic: "TBW102".to_owned(),
                read_queue_nums: spec.read_queues,
                write_queue_nums: spec.write_queues,
                perm: spec.perm,
                topic_filter_type: "SINGLE_TAG".to_owned(),
                topic_sys_flag: sys_flag,
                order,
                force: false,
                attributes: planned.attributes.clone(),
            };
            let client = &client;
            async move {
                client
                    .link
                    .request_with(&t.addr, UPDATE_AND_CREATE_TOPIC, ext, "create or update topic")
                    .await
                    .map(drop)
                    .map_err(|e| (t.broker_name.clone(), e))
            }
        }))
        .await;
        let mut failures: Vec<(String, Error)> = sends.into_iter().filter_map(|r| r.err()).collect();
        let brokers_ok = failures.len() < planned.targets.len();
        if brokers_ok && let Some(change) = &planned.order_change {
            for (addr, r) in self.put_order_conf(&client, &spec.name, change.as_deref()).await {
                if let Err(e) = r {
                    failures.push((format!("name server {addr}"), e));
                }
            }
        }
        let after = read_state(&client, &planned.targets, &spec.name).await.ok();
        let (outcome, error) = outcome_of(&failures, planned.targets.len() + 1, "topic change");
        let entry = self
            .journal(
                &profile,
                &attempt,
                (!planned.before.brokers.is_empty()).then(|| to_json(&planned.before)),
                after.as_ref().map(to_json),
                outcome,
                error.as_ref(),
            )
            .await?;
        self.topics_changed(id);
        finish(entry, outcome, error)
    }

    pub(super) async fn put_order_conf(
        &self,
        client: &LiveClient,
        topic: &str,
        value: Option<&str>,
    ) -> Vec<(String, Result<()>)> {
        let ext = KvConfigHeader {
            namespace: ORDER_NAMESPACE.to_owned(),
            key: topic.to_owned(),
            value: value.map(str::to_owned),
        };
        let code = if value.is_some() {
            PUT_KV_CONFIG
        } else {
            DELETE_KV_CONFIG
        };
        join_all(client.spec.namesrv_addrs.iter().map(|addr| {
            let ext = ext.clone();
            async move {
                let r = client
                    .link
                    .request_with(addr, code, ext, "order config")
                    .await
                    .map(drop);
                (addr.clone(), r)
            }
        }))
        .await
    }
}

fn upsert_mqadmin(
    client: &LiveClient,
    routed: &[RoutedBroker],
    targets: &[RoutedBroker],
    spec: &TopicSpec,
    order: bool,
    attributes: Option<&str>,
) -> Vec<String> {
    let ns = mqadmin_namesrv(client);
    let mut tail = format!(
        "-t {} -r {} -w {} -p {}",
        shell_arg(&spec.name),
        spec.read_queues,
        spec.write_queues,
        spec.perm
    );
    if order {
        tail.push_str(" -o true");
    }
    if let Some(a) = attributes {
        tail.push_str(&format!(" -a {}", shell_arg(a)));
    }
    target_flags(routed, targets)
        .into_iter()
        .map(|t| format!("mqadmin updateTopic -n {ns} {t} {tail}"))
        .collect()
}

/// Refuses a non-normal message type on brokers without topic attributes (4.x).
fn check_message_type(spec: &TopicSpec, probe: &Probe) -> Result<()> {
    if let Some(t) = spec.message_type.filter(|t| *t != TopicMessageType::Normal)
        && !probe.attributes_supported
    {
        return Err(Error::validation(format!(
            "Message type {} needs RocketMQ 5.x: these brokers have no topic attributes. \
             On 4.x, use the order flag for FIFO topics.",
            t.wire()
        )));
    }
    Ok(())
}

/// The field-by-field changes on every target broker, against its current config.
fn broker_changes(
    spec: &TopicSpec,
    probe: &Probe,
    targets: &[RoutedBroker],
    order: bool,
) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    for t in targets {
        let old = probe.configs.iter().find(|c| c.broker_name == t.broker_name);
        let mut field = |name: &str, before: Option<String>, after: String| {
            if before.as_deref() != Some(after.as_str()) {
                changes.push(FieldChange {
                    scope: t.broker_name.clone(),
                    field: name.to_owned(),
                    before,
                    after: Some(after),
                });
            }
        };
        field(
            "readQueues",
            old.map(|c| c.read_queues.to_string()),
            spec.read_queues.to_string(),
        );
        field(
            "writeQueues",
            old.map(|c| c.write_queues.to_string()),
            spec.write_queues.to_string(),
        );
        field(
            "perm",
            old.map(|c| perm_label(c.perm).to_owned()),
            perm_label(spec.perm).to_owned(),
        );
        field("order", old.map(|c| c.order.to_string()), order.to_string());
        if let Some(t) = spec.message_type.filter(|_| probe.attributes_supported) {
            field(
                "message.type",
                old.and_then(|c| type_of(&c.attributes)).map(str::to_owned),
                t.wire().to_owned(),
            );
        }
    }
    changes
}

/// The plan's warnings, and whether they must be acknowledged (queues shrink or go unread).
fn upsert_warnings(spec: &TopicSpec, probe: &Probe, targets: &[RoutedBroker]) -> (Vec<String>, bool) {
    let mut warnings = Vec::new();
    let mut acknowledge = false;
    for t in targets {
        let Some(o) = probe.configs.iter().find(|c| c.broker_name == t.broker_name) else {
            continue;
        };
        for (what, was, now) in [
            ("write", o.write_queues, spec.write_queues),
            ("read", o.read_queues, spec.read_queues),
        ] {
            if now < was {
                acknowledge = true;
                warnings.push(shrink_warning(&t.broker_name, what, was, now));
            }
        }
    }
    if spec.read_queues < spec.write_queues {
        acknowledge = true;
        warnings.push(format!(
            "Fewer read queues ({}) than write queues ({}): messages written to queues {}–{} will never \
             be consumed.",
            spec.read_queues,
            spec.write_queues,
            spec.read_queues,
            spec.write_queues - 1
        ));
    }
    if spec.perm != 6 {
        warnings.push(format!(
            "Permission {}: the topic will be {}.",
            perm_label(spec.perm),
            if spec.perm == 4 {
                "read only (producers fail)"
            } else {
                "write only (consumers get nothing)"
            }
        ));
    }
    (warnings, acknowledge)
}

/// The warning for shrinking the `what` ("read" or "write") queues of `broker` from `was` to `now`.
fn shrink_warning(broker: &str, what: &str, was: u32, now: u32) -> String {
    format!(
        "Shrinks {what} queues on {} from {was} to {now}: {}",
        broker,
        if what == "read" {
            format!(
                "messages still in queues {now}–{} will no longer be consumed.",
                was - 1
            )
        } else {
            format!(
                "producers stop writing to queues {now}–{}; shrink read queues only once \
                 consumers have drained them.",
                was - 1
            )
        }
    )
}

/// The order-config value to write (Some) or delete (None) on the name servers, if it changes.
fn order_change(
    spec: &TopicSpec,
    probe: &Probe,
    targets: &[RoutedBroker],
    order: bool,
    order_before: Option<&str>,
) -> Option<Option<String>> {
    // Order config: what mqadmin -o writes, one "broker:writeQueues" pair per broker hosting the topic.
    if order {
        let mut hosts: BTreeMap<String, u32> = probe
            .configs
            .iter()
            .map(|c| (c.broker_name.clone(), c.write_queues))
            .collect();
        for t in targets {
            hosts.insert(t.broker_name.clone(), spec.write_queues);
        }
        let value = hosts
            .iter()
            .map(|(b, n)| format!("{b}:{n}"))
            .collect::<Vec<_>>()
            .join(";");
        (order_before != Some(value.as_str())).then_some(Some(value))
    } else {
        order_before.is_some().then_some(None)
    }
}
