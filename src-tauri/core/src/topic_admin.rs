//! Topic mutations — create/update and delete — each planned (exact change, warnings, equivalent
//! `mqadmin` line), admitted (read-only, confirmation), applied and journaled.
//!
//! Wire calls: `UPDATE_AND_CREATE_TOPIC` (17) per target master; `PUT_KV_CONFIG` /
//! `DELETE_KV_CONFIG` (100 / 102) of the `ORDER_TOPIC_CONFIG` namespace on every name server for
//! ordered topics (what `mqadmin updateTopic -o true` does); `DELETE_TOPIC_IN_BROKER` (215) on every
//! broker of the topic's route and `DELETE_TOPIC_IN_NAMESRV` (216) on every name server. State
//! before and after comes from `GET_TOPIC_CONFIG` (351), or on brokers without it (4.x) from the
//! broker's full topic config (21).

use std::collections::{BTreeMap, BTreeSet};

use futures::future::join_all;
use serde::{Deserialize, Serialize};

use crate::audit::{AuditEntry, AuditOutcome};
use crate::cluster::{RoutedBroker, routed_brokers};
use crate::console::{Console, CoreEvent};
use crate::error::{Error, Result};
use crate::model::ConnectionId;
use crate::registry::LiveClient;
use crate::remoting;
use crate::remoting::code::{
    DELETE_KV_CONFIG, DELETE_TOPIC_IN_BROKER, DELETE_TOPIC_IN_NAMESRV, GET_KV_CONFIG, GET_TOPIC_CONFIG,
    PUT_KV_CONFIG, REQUEST_CODE_NOT_SUPPORTED, TOPIC_NOT_EXIST, UPDATE_AND_CREATE_TOPIC,
};
use crate::safety::{Attempt, ChangePlan, Confirmation, FieldChange, shell_arg};
use crate::topic::{AllTopicConfigBody, TopicConfigBody, perm_label, topic_route};

const ORDER_NAMESPACE: &str = "ORDER_TOPIC_CONFIG";
/// Longest topic name RocketMQ accepts (`TopicValidator.TOPIC_MAX_LENGTH`).
pub const TOPIC_MAX_LENGTH: usize = 127;
/// Most queues per broker the console lets one create (brokers accept more; nobody needs it).
pub const MAX_QUEUES: u32 = 1024;

/// The 5.x `message.type` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum TopicMessageType {
    Normal,
    Fifo,
    Delay,
    Transaction,
}

impl TopicMessageType {
    pub fn wire(self) -> &'static str {
        match self {
            Self::Normal => "NORMAL",
            Self::Fifo => "FIFO",
            Self::Delay => "DELAY",
            Self::Transaction => "TRANSACTION",
        }
    }
}

/// What the create/update form submits.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TopicSpec {
    pub name: String,
    /// Clusters whose every master gets the topic.
    #[serde(default)]
    pub clusters: Vec<String>,
    /// Individual brokers (by broker name), in addition to `clusters`.
    #[serde(default)]
    pub brokers: Vec<String>,
    pub read_queues: u32,
    pub write_queues: u32,
    /// RocketMQ permission mask: 6 = read/write, 4 = read only, 2 = write only.
    pub perm: u32,
    /// 5.x only; absent leaves the attribute as it is (unset on a new topic).
    pub message_type: Option<TopicMessageType>,
    /// Ordered (FIFO) topic: kept in the name server's `ORDER_TOPIC_CONFIG`, as `mqadmin -o true`.
    pub order: bool,
}

/// A topic's config on one broker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BrokerTopicConfig {
    pub broker_name: String,
    pub addr: String,
    pub read_queues: u32,
    pub write_queues: u32,
    pub perm: u32,
    pub topic_sys_flag: u32,
    pub order: bool,
    pub attributes: BTreeMap<String, String>,
}

/// A topic's state across the brokers a change touches: what the journal records as before/after.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TopicState {
    pub topic: String,
    pub brokers: Vec<BrokerTopicConfig>,
    /// The name servers' `ORDER_TOPIC_CONFIG` entry ("broker-a:8;broker-b:8"), when there is one.
    pub order_conf: Option<String>,
}

/// Checks a topic or group name (`what`) as RocketMQ's `TopicValidator` does: not blank, at most
/// `max` characters, only `^[%|a-zA-Z0-9_-]+$`.
pub(crate) fn check_name(what: &str, name: &str, max: usize) -> Result<()> {
    if name.trim().is_empty() {
        return Err(Error::validation(format!("The {what} name is empty.")));
    }
    if name.len() > max {
        return Err(Error::validation(format!(
            "The {what} name is {} characters long; RocketMQ allows at most {max}.",
            name.len()
        )));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '%' | '|')))
    {
        return Err(Error::validation(format!(
            "The {what} name contains '{}': only letters, digits, '_', '-', '%' and '|' are allowed.",
            bad.escape_default()
        )));
    }
    Ok(())
}

/// Checks a topic name as RocketMQ's `TopicValidator` does, plus the console's reserved prefixes.
pub fn validate_topic_name(name: &str) -> Result<()> {
    check_name("topic", name, TOPIC_MAX_LENGTH)?;
    for (prefix, why) in [
        (
            "%RETRY%",
            "retry topics are created by the broker for consumer groups",
        ),
        (
            "%DLQ%",
            "dead-letter topics are created by the broker for consumer groups",
        ),
        ("%SYS%", "the prefix is reserved for system topics"),
        ("rmq_sys_", "the prefix is reserved for system topics"),
        ("RMQ_SYS_", "the prefix is reserved for system topics"),
    ] {
        if name.starts_with(prefix) {
            return Err(Error::validation(format!(
                "The topic name starts with '{prefix}': {why}."
            )));
        }
    }
    if [
        "TBW102",
        "SCHEDULE_TOPIC_XXXX",
        "BenchmarkTest",
        "OFFSET_MOVED_EVENT",
        "SELF_TEST_TOPIC",
        "TRANS_CHECK_MAX_TIME_TOPIC",
    ]
    .contains(&name)
    {
        return Err(Error::validation(format!("'{name}' is a RocketMQ system topic.")));
    }
    Ok(())
}

fn validate_spec(spec: &TopicSpec) -> Result<()> {
    validate_topic_name(&spec.name)?;
    for (what, n) in [("read", spec.read_queues), ("write", spec.write_queues)] {
        if n == 0 || n > MAX_QUEUES {
            return Err(Error::validation(format!(
                "The {what} queue count must be between 1 and {MAX_QUEUES} (got {n})."
            )));
        }
    }
    if !matches!(spec.perm, 2 | 4 | 6) {
        return Err(Error::validation(format!(
            "Permission must be 6 (read/write), 4 (read only) or 2 (write only), got {}.",
            spec.perm
        )));
    }
    if spec.clusters.is_empty() && spec.brokers.is_empty() {
        return Err(Error::validation("Choose at least one cluster or broker."));
    }
    Ok(())
}

/// The master brokers of `clusters` plus `brokers` (by name), sorted by broker name.
pub(crate) fn resolve_targets(
    routed: &[RoutedBroker],
    clusters: &[String],
    brokers: &[String],
) -> Result<Vec<RoutedBroker>> {
    let masters: Vec<&RoutedBroker> = routed.iter().filter(|b| b.broker_id == 0).collect();
    let mut out: BTreeMap<String, RoutedBroker> = BTreeMap::new();
    for c in clusters {
        let of: Vec<_> = masters.iter().filter(|b| &b.cluster == c).collect();
        if of.is_empty() {
            return Err(Error::validation(format!(
                "Cluster '{c}' has no master broker registered with the name server."
            )));
        }
        for b in of {
            out.insert(b.broker_name.clone(), (*b).clone());
        }
    }
    for name in brokers {
        let b = masters
            .iter()
            .find(|b| &b.broker_name == name)
            .ok_or_else(|| Error::validation(format!("Broker '{name}' has no master registered.")))?;
        out.insert(b.broker_name.clone(), (*b).clone());
    }
    Ok(out.into_values().collect())
}

/// Whether the brokers support per-topic attributes (5.x, rocketmq-rust) and the topic's config there.
pub(crate) struct Probe {
    pub(crate) configs: Vec<BrokerTopicConfig>,
    attributes_supported: bool,
}

async fn config_on(
    client: &LiveClient,
    broker: &RoutedBroker,
    topic: &str,
) -> Result<(Option<BrokerTopicConfig>, bool)> {
    let ext = BTreeMap::from([("topic".to_owned(), topic.to_owned())]);
    let of = |c: TopicConfigBody| BrokerTopicConfig {
        broker_name: broker.broker_name.clone(),
        addr: broker.addr.clone(),
        read_queues: c.read_queue_nums,
        write_queues: c.write_queue_nums,
        perm: c.perm,
        topic_sys_flag: c.topic_sys_flag,
        order: c.order,
        attributes: c.attributes.into_iter().collect(),
    };
    let r = client.link.invoke(&broker.addr, GET_TOPIC_CONFIG, ext).await?;
    match r.code {
        0 => {
            let body: TopicConfigBody = remoting::decode_json(&r.body, "topic config")?;
            Ok((Some(of(body)), true))
        }
        TOPIC_NOT_EXIST => Ok((None, true)),
        REQUEST_CODE_NOT_SUPPORTED => {
            let r = client
                .link
                .request(
                    &broker.addr,
                    remoting::code::GET_ALL_TOPIC_CONFIG,
                    "all topic config",
                )
                .await?;
            let mut all: AllTopicConfigBody = remoting::decode_json(&r.body, "topic config")?;
            Ok((all.topic_config_table.remove(topic).map(of), false))
        }
        _ => remoting::check(&broker.addr, "get topic config", r).map(|_| (None, true)),
    }
}

pub(crate) async fn probe(client: &LiveClient, brokers: &[RoutedBroker], topic: &str) -> Result<Probe> {
    let results = join_all(brokers.iter().map(|b| config_on(client, b, topic))).await;
    let mut configs = Vec::new();
    let mut attributes_supported = true;
    for r in results {
        let (c, supported) = r?;
        attributes_supported &= supported;
        configs.extend(c);
    }
    Ok(Probe {
        configs,
        attributes_supported,
    })
}

async fn order_conf(client: &LiveClient, topic: &str) -> Result<Option<String>> {
    let ext = BTreeMap::from([
        ("namespace".to_owned(), ORDER_NAMESPACE.to_owned()),
        ("key".to_owned(), topic.to_owned()),
    ]);
    let mut last = Error::validation("no name server given");
    for addr in &client.spec.namesrv_addrs {
        match client
            .link
            .request_with(addr, GET_KV_CONFIG, ext.clone(), "get order config")
            .await
        {
            Ok(r) => return Ok(r.ext.get("value").cloned().filter(|v| !v.is_empty())),
            Err(Error::BrokerRejected {
                code: remoting::code::QUERY_NOT_FOUND,
                ..
            }) => return Ok(None),
            Err(e) => last = e,
        }
    }
    Err(last)
}

fn type_of(attrs: &BTreeMap<String, String>) -> Option<&str> {
    attrs
        .get("message.type")
        .or_else(|| attrs.get("+message.type"))
        .map(String::as_str)
}

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

pub(crate) fn mqadmin_namesrv(client: &LiveClient) -> String {
    shell_arg(&client.spec.namesrv_addrs.join(";"))
}

impl Console {
    async fn plan_upsert(&self, id: &ConnectionId, spec: &TopicSpec) -> Result<UpsertPlan> {
        validate_spec(spec)?;
        let profile = self.connection_get(id).await?;
        let (_, client) = self.client(id).await?;
        let routed = routed_brokers(&client).await?;
        let targets = resolve_targets(&routed, &spec.clusters, &spec.brokers)?;
        let (probe, order_before) = tokio::try_join!(
            probe(&client, &targets, &spec.name),
            order_conf(&client, &spec.name)
        )?;
        if let Some(t) = spec.message_type.filter(|t| *t != TopicMessageType::Normal)
            && !probe.attributes_supported
        {
            return Err(Error::validation(format!(
                "Message type {} needs RocketMQ 5.x: these brokers have no topic attributes. \
                 On 4.x, use the order flag for FIFO topics.",
                t.wire()
            )));
        }
        let order = spec.order || spec.message_type == Some(TopicMessageType::Fifo);
        let before = TopicState {
            topic: spec.name.clone(),
            brokers: probe.configs.clone(),
            order_conf: order_before.clone(),
        };
        let exists = !probe.configs.is_empty();
        let mut changes = Vec::new();
        let mut warnings = Vec::new();
        let mut acknowledge = false;
        let attributes = spec
            .message_type
            .filter(|_| probe.attributes_supported)
            .map(|t| format!("+message.type={}", t.wire()));
        for t in &targets {
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
            if let Some(o) = old {
                for (what, was, now) in [
                    ("write", o.write_queues, spec.write_queues),
                    ("read", o.read_queues, spec.read_queues),
                ] {
                    if now < was {
                        acknowledge = true;
                        warnings.push(format!(
                            "Shrinks {what} queues on {} from {was} to {now}: {}",
                            t.broker_name,
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
                        ));
                    }
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
        // Order config: what mqadmin -o writes, one "broker:writeQueues" pair per broker hosting the topic.
        let order_change = if order {
            let mut hosts: BTreeMap<String, u32> = probe
                .configs
                .iter()
                .map(|c| (c.broker_name.clone(), c.write_queues))
                .collect();
            for t in &targets {
                hosts.insert(t.broker_name.clone(), spec.write_queues);
            }
            let value = hosts
                .iter()
                .map(|(b, n)| format!("{b}:{n}"))
                .collect::<Vec<_>>()
                .join(";");
            (order_before.as_deref() != Some(value.as_str())).then_some(Some(value))
        } else {
            order_before.is_some().then_some(None)
        };
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
            let mut ext = BTreeMap::from([
                ("topic".to_owned(), spec.name.clone()),
                ("defaultTopic".to_owned(), "TBW102".to_owned()),
                ("readQueueNums".to_owned(), spec.read_queues.to_string()),
                ("writeQueueNums".to_owned(), spec.write_queues.to_string()),
                ("perm".to_owned(), spec.perm.to_string()),
                ("topicFilterType".to_owned(), "SINGLE_TAG".to_owned()),
                ("topicSysFlag".to_owned(), sys_flag.to_string()),
                ("order".to_owned(), order.to_string()),
                ("force".to_owned(), "false".to_owned()),
            ]);
            if let Some(a) = &planned.attributes {
                ext.insert("attributes".to_owned(), a.clone());
            }
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

    async fn put_order_conf(
        &self,
        client: &LiveClient,
        topic: &str,
        value: Option<&str>,
    ) -> Vec<(String, Result<()>)> {
        let mut ext = BTreeMap::from([
            ("namespace".to_owned(), ORDER_NAMESPACE.to_owned()),
            ("key".to_owned(), topic.to_owned()),
        ]);
        let code = match value {
            Some(v) => {
                ext.insert("value".to_owned(), v.to_owned());
                PUT_KV_CONFIG
            }
            None => DELETE_KV_CONFIG,
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

    async fn plan_delete(
        &self,
        id: &ConnectionId,
        topic: &str,
    ) -> Result<(ChangePlan, TopicState, Vec<RoutedBroker>)> {
        if topic.trim().is_empty() {
            return Err(Error::validation("The topic name is empty."));
        }
        let profile = self.connection_get(id).await?;
        let (_, client) = self.client(id).await?;
        let (route, brokers) = route_brokers(&client, topic).await?;
        let masters: Vec<RoutedBroker> = brokers.iter().filter(|b| b.broker_id == 0).cloned().collect();
        let before = read_state(&client, &masters, topic).await?;
        let mut changes: Vec<FieldChange> = before
            .brokers
            .iter()
            .map(|c| FieldChange {
                scope: c.broker_name.clone(),
                field: "topic".into(),
                before: Some(format!(
                    "{} read / {} write queues, {}",
                    c.read_queues,
                    c.write_queues,
                    perm_label(c.perm)
                )),
                after: None,
            })
            .collect();
        changes.push(FieldChange {
            scope: "name server".into(),
            field: "route".into(),
            before: Some(format!("{} broker(s)", route.broker_datas.len())),
            after: None,
        });
        if let Some(o) = &before.order_conf {
            changes.push(FieldChange {
                scope: "name server".into(),
                field: format!("{ORDER_NAMESPACE}/{topic}"),
                before: Some(o.clone()),
                after: None,
            });
        }
        let mut warnings = vec![format!(
            "Deletes the topic and every message in it{}; producers and consumers of '{topic}' start failing.",
            match route.queue_datas.iter().map(|q| q.write_queue_nums).sum::<u32>() {
                0 => String::new(),
                n => format!(" ({n} write queues)"),
            }
        )];
        if topic.starts_with("%RETRY%") || topic.starts_with("%DLQ%") {
            warnings.push("This is a consumer group's retry or dead-letter topic.".into());
        }
        let clusters: BTreeSet<&str> = brokers.iter().map(|b| b.cluster.as_str()).collect();
        let ns = mqadmin_namesrv(&client);
        let mqadmin = if clusters.is_empty() || clusters.contains("") {
            vec![format!("mqadmin deleteTopic -n {ns} -t {}", shell_arg(topic))]
        } else {
            clusters
                .iter()
                .map(|c| {
                    format!(
                        "mqadmin deleteTopic -n {ns} -c {} -t {}",
                        shell_arg(c),
                        shell_arg(topic)
                    )
                })
                .collect()
        };
        let plan = ChangePlan::new(
            &profile,
            "topic.delete",
            format!("Delete topic {topic}"),
            topic,
            changes,
            warnings,
            false,
            true,
            mqadmin,
        );
        Ok((plan, before, brokers))
    }

    /// The preview of deleting a topic.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn topic_plan_delete(&self, id: &ConnectionId, topic: &str) -> Result<ChangePlan> {
        Ok(self.plan_delete(id, topic).await?.0)
    }

    /// Deletes a topic from every broker of its route and from every name server; the topic's name
    /// must be typed as confirmation.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn topic_delete(
        &self,
        id: &ConnectionId,
        topic: &str,
        confirmation: &Confirmation,
    ) -> Result<AuditEntry> {
        let pre = Attempt::new("topic.delete", topic, serde_json::json!({ "topic": topic }), &[]);
        let (profile, attempt, (_, before, brokers)) = self
            .admit_planned(id, pre, confirmation, || self.plan_delete(id, topic), |p| &p.0)
            .await?;
        let (_, client) = self.client(id).await?;
        let mut failures = delete_topic_on(&client, &brokers, topic).await;
        if before.order_conf.is_some() {
            for (addr, r) in self.put_order_conf(&client, topic, None).await {
                if let Err(e) = r {
                    failures.push((format!("name server {addr}"), e));
                }
            }
        }
        let steps = brokers.len() + client.spec.namesrv_addrs.len();
        let (outcome, error) = outcome_of(&failures, steps, "topic change");
        let after = if outcome == AuditOutcome::Ok {
            None
        } else {
            let masters: Vec<RoutedBroker> = brokers.iter().filter(|b| b.broker_id == 0).cloned().collect();
            read_state(&client, &masters, topic)
                .await
                .ok()
                .map(|s| to_json(&s))
        };
        let entry = self
            .journal(
                &profile,
                &attempt,
                Some(to_json(&before)),
                after,
                outcome,
                error.as_ref(),
            )
            .await?;
        self.topics_changed(id);
        finish(entry, outcome, error)
    }
}

/// A topic's route and every broker of it, masters and slaves (what `mqadmin deleteTopic` reaches),
/// sorted by broker name and id.
pub(crate) async fn route_brokers(
    client: &LiveClient,
    topic: &str,
) -> Result<(crate::topic::RouteBody, Vec<RoutedBroker>)> {
    let route = topic_route(client, topic).await?;
    let mut brokers: Vec<RoutedBroker> = route
        .broker_datas
        .iter()
        .flat_map(|b| {
            b.broker_addrs.iter().map(|(bid, addr)| RoutedBroker {
                cluster: b.cluster.clone(),
                broker_name: b.broker_name.clone(),
                broker_id: bid.parse().unwrap_or(0),
                addr: addr.clone(),
            })
        })
        .collect();
    brokers.sort_by(|a, b| (&a.broker_name, a.broker_id).cmp(&(&b.broker_name, b.broker_id)));
    Ok((route, brokers))
}

/// Deletes `topic` from `brokers` (215) and from every name server (216), all in parallel; the
/// steps that failed, each named. `brokers.len() + name servers` steps in all.
pub(crate) async fn delete_topic_on(
    client: &LiveClient,
    brokers: &[RoutedBroker],
    topic: &str,
) -> Vec<(String, Error)> {
    let ext = BTreeMap::from([("topic".to_owned(), topic.to_owned())]);
    let in_brokers = join_all(brokers.iter().map(|b| {
        let ext = ext.clone();
        async move {
            client
                .link
                .request_with(&b.addr, DELETE_TOPIC_IN_BROKER, ext, "delete topic in broker")
                .await
                .map(drop)
                .map_err(|e| (format!("{} ({})", b.broker_name, b.addr), e))
        }
    }))
    .await;
    let in_namesrv = join_all(client.spec.namesrv_addrs.iter().map(|addr| {
        let ext = ext.clone();
        async move {
            client
                .link
                .request_with(addr, DELETE_TOPIC_IN_NAMESRV, ext, "delete topic in name server")
                .await
                .map(drop)
                .map_err(|e| (format!("name server {addr}"), e))
        }
    }))
    .await;
    in_brokers
        .into_iter()
        .chain(in_namesrv)
        .filter_map(|r| r.err())
        .collect()
}

/// A failed mutation returns its error (already journaled); an applied or partial one its entry.
pub(crate) fn finish(entry: AuditEntry, outcome: AuditOutcome, error: Option<Error>) -> Result<AuditEntry> {
    match (outcome, error) {
        (AuditOutcome::Failed, Some(e)) => Err(e),
        _ => Ok(entry),
    }
}

impl Console {
    /// Tells the UI the connection's topic data is stale.
    pub(crate) fn topics_changed(&self, id: &ConnectionId) {
        self.emit(CoreEvent::ResourceInvalidated {
            connection_id: id.clone(),
            scope: vec!["topics".into()],
        });
    }
}

async fn read_state(client: &LiveClient, brokers: &[RoutedBroker], topic: &str) -> Result<TopicState> {
    let (probe, order) = tokio::try_join!(probe(client, brokers, topic), order_conf(client, topic))?;
    Ok(TopicState {
        topic: topic.to_owned(),
        brokers: probe.configs,
        order_conf: order,
    })
}

pub(crate) fn to_json<T: Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

/// `Ok` when nothing failed, `Failed` when every step failed, `Partial` otherwise; the error lists
/// each failed step.
pub(crate) fn outcome_of(
    failures: &[(String, Error)],
    steps: usize,
    what: &str,
) -> (AuditOutcome, Option<Error>) {
    let Some((_, first)) = failures.first() else {
        return (AuditOutcome::Ok, None);
    };
    let detail = failures
        .iter()
        .map(|(w, e)| match e.detail().filter(|d| !d.is_empty()) {
            Some(d) => format!("{w}: {e} — {d}"),
            None => format!("{w}: {e}"),
        })
        .collect::<Vec<_>>()
        .join("; ");
    if failures.len() >= steps {
        let mut err = Error::BrokerRejected {
            target: failures
                .iter()
                .map(|(w, _)| w.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            operation: what.to_owned(),
            code: -1,
            detail,
        };
        if failures.len() == 1 {
            // Keep the precise code (Unauthorized, Unreachable, ...) of a single failure.
            err = match first {
                Error::Unauthorized { target, detail } => Error::Unauthorized {
                    target: target.clone(),
                    detail: detail.clone(),
                },
                Error::Unreachable { target, detail } => Error::Unreachable {
                    target: target.clone(),
                    detail: detail.clone(),
                },
                _ => err,
            };
        }
        (AuditOutcome::Failed, Some(err))
    } else {
        (
            AuditOutcome::Partial,
            Some(Error::Conflict {
                message: format!("Applied only in part: {detail}"),
            }),
        )
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

/// The mqadmin flags naming `targets`: a whole cluster (every master of it chosen) as `-c CLUSTER`,
/// the rest broker by broker as `-b ADDR`.
pub(crate) fn target_flags(routed: &[RoutedBroker], targets: &[RoutedBroker]) -> Vec<String> {
    let mut flags = Vec::new();
    let mut covered: BTreeSet<&str> = BTreeSet::new();
    let clusters: BTreeSet<&str> = targets.iter().map(|t| t.cluster.as_str()).collect();
    for c in clusters {
        let all: BTreeSet<&str> = routed
            .iter()
            .filter(|b| b.cluster == c && b.broker_id == 0)
            .map(|b| b.broker_name.as_str())
            .collect();
        let chosen: BTreeSet<&str> = targets
            .iter()
            .filter(|t| t.cluster == c)
            .map(|t| t.broker_name.as_str())
            .collect();
        if !c.is_empty() && all == chosen {
            flags.push(format!("-c {}", shell_arg(c)));
            covered.extend(chosen);
        }
    }
    for t in targets
        .iter()
        .filter(|t| !covered.contains(t.broker_name.as_str()))
    {
        flags.push(format!("-b {}", shell_arg(&t.addr)));
    }
    flags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_like_rocketmq_does() {
        for ok in ["Orders", "a-b_c", "%x|y", &"a".repeat(127)] {
            assert!(validate_topic_name(ok).is_ok(), "{ok}");
        }
        let msg = |n: &str| validate_topic_name(n).unwrap_err().to_string();
        assert!(msg("").contains("empty"));
        assert!(msg(&"a".repeat(128)).contains("at most 127"));
        assert!(msg("a b").contains("' '"));
        assert!(msg("a.b").contains("'.'"));
        assert!(msg("%RETRY%g").contains("retry topics"));
        assert!(msg("%DLQ%g").contains("dead-letter"));
        assert!(msg("rmq_sys_x").contains("reserved"));
        assert!(msg("TBW102").contains("system topic"));
    }

    fn broker(cluster: &str, name: &str, id: u32) -> RoutedBroker {
        RoutedBroker {
            cluster: cluster.into(),
            broker_name: name.into(),
            broker_id: id,
            addr: format!("127.0.0.1:{}", 10_000 + id),
        }
    }

    fn spec(clusters: &[&str], brokers: &[&str]) -> TopicSpec {
        TopicSpec {
            name: "T".into(),
            clusters: clusters.iter().map(|s| (*s).to_owned()).collect(),
            brokers: brokers.iter().map(|s| (*s).to_owned()).collect(),
            read_queues: 8,
            write_queues: 8,
            perm: 6,
            message_type: None,
            order: false,
        }
    }

    #[test]
    fn targets_are_the_masters_of_the_chosen_clusters_and_brokers() {
        let routed = [
            broker("c1", "a", 0),
            broker("c1", "a", 1),
            broker("c1", "b", 0),
            broker("c2", "x", 0),
        ];
        let names = |s: &TopicSpec| {
            resolve_targets(&routed, &s.clusters, &s.brokers)
                .unwrap()
                .iter()
                .map(|b| b.broker_name.clone())
                .collect::<Vec<_>>()
                .join(",")
        };
        assert_eq!(names(&spec(&["c1"], &[])), "a,b");
        assert_eq!(names(&spec(&["c1"], &["x"])), "a,b,x");
        assert!(resolve_targets(&routed, &["nope".into()], &[]).is_err());
        assert!(resolve_targets(&routed, &[], &["zz".into()]).is_err());
        assert!(validate_spec(&spec(&[], &[])).is_err());
        assert!(
            validate_spec(&TopicSpec {
                perm: 5,
                ..spec(&["c1"], &[])
            })
            .is_err()
        );
        assert!(
            validate_spec(&TopicSpec {
                read_queues: 0,
                ..spec(&["c1"], &[])
            })
            .is_err()
        );
    }

    #[test]
    fn outcomes_are_ok_partial_or_failed() {
        assert_eq!(outcome_of(&[], 3, "x").0, AuditOutcome::Ok);
        let e = || Error::validation("x");
        assert_eq!(outcome_of(&[("a".into(), e())], 3, "x").0, AuditOutcome::Partial);
        let (o, err) = outcome_of(&[("a".into(), e()), ("b".into(), e())], 2, "x");
        assert_eq!(o, AuditOutcome::Failed);
        assert!(err.unwrap().detail().unwrap_or_default().contains("a: "));
    }
}
