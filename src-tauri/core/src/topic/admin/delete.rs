//! Deleting a topic from every broker of its route and from every name server, its name typed as
//! confirmation, the read-back and the journal entry.

use std::collections::BTreeSet;

use futures::future::join_all;

use crate::audit::{AuditEntry, AuditOutcome};
use crate::cluster::RoutedBroker;
use crate::console::Console;
use crate::error::{Error, Result};
use crate::model::ConnectionId;
use crate::registry::LiveClient;
use crate::remoting::code::{DELETE_TOPIC_IN_BROKER, DELETE_TOPIC_IN_NAMESRV};
use crate::remoting::header::TopicHeader;
use crate::safety::{
    Attempt, ChangePlan, Confirmation, FieldChange, finish, mqadmin_namesrv, outcome_of, shell_arg, to_json,
};
use crate::topic::{perm_label, topic_route};

use super::{ORDER_NAMESPACE, TopicState, read_state};

impl Console {
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
    let ext = TopicHeader {
        topic: topic.to_owned(),
    };
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
