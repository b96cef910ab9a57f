//! What can be done with a stored message: **resend** it to one online client of a consumer
//! group (`CONSUME_MESSAGE_DIRECTLY`, 309: the broker reads the message by its commit-log offset
//! and has the client consume it, and the client's own result comes back), **re-publish a copy**
//! of many messages to a topic (keys, tag and user properties kept; a job with one outcome per
//! message), and the **track**: which consumer groups of its topic have consumed it.
//!
//! Resend and re-publish go through the preview, the journal and the read-only refusal like every
//! mutation.

use std::collections::BTreeMap;

use futures::StreamExt as _;
use serde::{Deserialize, Serialize};

use super::{MessageBody, MessageView, RESERVED_PROPERTIES, SendRequest, SendResult, new_uniq_id};
use crate::audit::AuditOutcome;
use crate::console::Console;
use crate::error::{Error, Result};
use crate::jobs::{JobId, JobSink};
use crate::model::{ConnectionId, Count, Millis, Offset};
use crate::registry::LiveClient;
use crate::remoting;
use crate::remoting::code::{
    CONSUME_MESSAGE_DIRECTLY, CONSUMER_NOT_ONLINE, GET_CONSUME_STATS, GET_CONSUMER_CONNECTION_LIST,
    QUERY_TOPIC_CONSUME_BY_WHO,
};
use crate::safety::{Attempt, ChangePlan, Confirmation, FieldChange, shell_arg};
use crate::topic::consumers::{ConsumerConnectionBody, decode_consume_stats};

/// Most messages re-published in one job.
pub const MAX_REPUBLISH: usize = 10_000;
/// Messages shown one by one in a re-publish preview.
const PREVIEW_ROWS: usize = 20;
/// Sends in flight in a re-publish job.
const REPUBLISH_CONCURRENCY: usize = 8;

/// Resend one message to a consumer group's client.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ResendRequest {
    pub offset_msg_id: String,
    pub group: String,
    /// The client to consume it (default: the group's first online client).
    pub client_id: Option<String>,
}

/// What the client answered (`ConsumeMessageDirectlyResult`).
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ResendResult {
    pub client_id: String,
    /// `CR_SUCCESS`, `CR_LATER`, `CR_ROLLBACK`, `CR_COMMIT`, `CR_THROW_EXCEPTION`, `CR_RETURN_NULL`.
    pub consume_result: Option<String>,
    pub remark: Option<String>,
    pub spent_time_ms: Option<f64>,
    pub order: bool,
}

/// The preview of a resend, with what it would act on.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ResendPlan {
    pub plan: ChangePlan,
    pub client_id: String,
    /// Every online client of the group.
    pub clients: Vec<String>,
}

/// Re-publish copies of messages to a topic.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RepublishRequest {
    pub offset_msg_ids: Vec<String>,
    pub target_topic: String,
}

/// One message's outcome (a batch item of the re-publish job).
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RepublishItem {
    pub offset_msg_id: String,
    pub ok: bool,
    pub sent: Option<SendResult>,
    pub error: Option<String>,
}

/// The re-publish job's summary.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RepublishSummary {
    pub target_topic: String,
    pub ok: u32,
    pub failed: u32,
    /// Not attempted (the job was cancelled first).
    pub not_run: u32,
    pub audit_id: Count,
}

/// How far a consumer group has got with one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum TrackStatus {
    Consumed,
    /// Past it, but the group's subscription does not take its tag.
    ConsumedButFiltered,
    NotConsumedYet,
    /// Broadcast groups keep their offsets on the clients; the broker cannot tell.
    Unknown,
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TrackRow {
    pub group: String,
    pub status: TrackStatus,
    pub online: bool,
    /// The group's committed offset on the message's queue (none: never committed).
    pub consumer_offset: Option<Offset>,
    pub subscription: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct MessageTrack {
    pub offset_msg_id: String,
    pub topic: String,
    pub broker_name: String,
    pub queue_id: u32,
    pub queue_offset: Offset,
    pub rows: Vec<TrackRow>,
}

/// `ConsumeMessageDirectlyResult`: camelCase from Java clients, snake_case from rocketmq-rust ones.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DirectResultBody {
    #[serde(default)]
    order: bool,
    #[serde(alias = "consume_result")]
    consume_result: Option<String>,
    remark: Option<String>,
    #[serde(alias = "spent_time_mills")]
    spent_time_mills: Option<i64>,
}

/// The user properties of a stored message (the system ones dropped).
pub(crate) fn user_properties(v: &MessageView) -> BTreeMap<String, String> {
    v.properties
        .iter()
        .filter(|(k, _)| {
            !RESERVED_PROPERTIES
                .iter()
                .any(|r| *k == r || (r.ends_with('.') && k.starts_with(r)))
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Whether a TAG subscription expression takes `tag`.
fn takes_tag(expr: &str, tag: Option<&str>) -> bool {
    let expr = expr.trim();
    if expr.is_empty() || expr == "*" {
        return true;
    }
    tag.is_some_and(|t| expr.split("||").any(|e| e.trim() == t))
}

async fn connection_of(
    client: &LiveClient,
    addr: &str,
    group: &str,
) -> Result<Option<ConsumerConnectionBody>> {
    let ext = BTreeMap::from([("consumerGroup".to_owned(), group.to_owned())]);
    match client
        .link
        .request_with(addr, GET_CONSUMER_CONNECTION_LIST, ext, "consumer connections")
        .await
    {
        Ok(r) => remoting::decode_json::<ConsumerConnectionBody>(&r.body, "consumer connections").map(Some),
        Err(Error::BrokerRejected {
            code: CONSUMER_NOT_ONLINE,
            ..
        }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The broker name of the master at `addr`, from the connection's routes.
async fn broker_name_at(client: &LiveClient, addr: &str) -> String {
    crate::cluster::routed_brokers(client)
        .await
        .unwrap_or_default()
        .into_iter()
        .find(|b| b.addr == addr)
        .map_or_else(|| addr.to_owned(), |b| b.broker_name)
}

fn store_addr(offset_msg_id: &str) -> Result<String> {
    rocketmq_protocol::common::message::message_decoder::decode_message_id(offset_msg_id.trim())
        .map(|m| m.address.to_string())
        .map_err(|e| Error::validation(format!("'{offset_msg_id}' is not an offset message id: {e}.")))
}

impl Console {
    /// The preview of resending a message to a group's client.
    pub async fn message_plan_resend(&self, id: &ConnectionId, req: &ResendRequest) -> Result<ResendPlan> {
        let profile = self.connection_get(id).await?;
        let group = req.group.trim();
        if group.is_empty() {
            return Err(Error::validation("Choose the consumer group."));
        }
        let m = self.message_by_offset_id(id, &req.offset_msg_id).await?;
        let (_, client) = self.client(id).await?;
        let addr = store_addr(&req.offset_msg_id)?;
        let conn = connection_of(&client, &addr, group).await?;
        let clients: Vec<String> = conn
            .as_ref()
            .map(|c| c.connection_set.iter().map(|x| x.client_id.clone()).collect())
            .unwrap_or_default();
        if clients.is_empty() {
            return Err(Error::validation(format!(
                "Group '{group}' has no online client on the message's broker: a resend needs one to consume it."
            )));
        }
        let client_id = match req.client_id.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            Some(c) if clients.iter().any(|x| x == c) => c.to_owned(),
            Some(c) => {
                return Err(Error::validation(format!(
                    "Client '{c}' is not online in group '{group}'."
                )));
            }
            None => clients[0].clone(),
        };
        let mut warnings = vec![format!(
            "The client runs its listener on the message now, whatever the group's offset: side effects happen again."
        )];
        if let Some(sub) = conn
            .as_ref()
            .and_then(|c| c.subscription_table.values().find(|s| s.topic == m.topic))
        {
            if !takes_tag(&sub.sub_string, m.tags.as_deref()) {
                warnings.push(format!(
                    "The group subscribes to '{}' with '{}', which does not take tag '{}'.",
                    m.topic,
                    sub.sub_string,
                    m.tags.as_deref().unwrap_or("")
                ));
            }
        } else {
            warnings.push(format!("The group's clients do not subscribe to '{}'.", m.topic));
        }
        let scope = format!("{} queue {} offset {}", m.topic, m.queue_id, m.queue_offset.0);
        let changes = vec![
            FieldChange {
                scope: scope.clone(),
                field: "message".into(),
                before: None,
                after: Some(format!(
                    "{} (tag {}, keys {})",
                    req.offset_msg_id.trim(),
                    m.tags.as_deref().unwrap_or("-"),
                    if m.keys.is_empty() {
                        "-".to_owned()
                    } else {
                        m.keys.join(" ")
                    }
                )),
            },
            FieldChange {
                scope,
                field: "consumed by".into(),
                before: None,
                after: Some(format!("{group} / {client_id}")),
            },
        ];
        let mqadmin = format!(
            "mqadmin queryMsgById -n {} -t {} -i {} -g {} -d {}",
            shell_arg(&profile.namesrv_addrs.join(";")),
            shell_arg(&m.topic),
            shell_arg(req.offset_msg_id.trim()),
            shell_arg(group),
            shell_arg(&client_id)
        );
        let plan = ChangePlan::new(
            &profile,
            "message.resend",
            format!("Resend a message to {group}"),
            group,
            changes,
            warnings,
            true,
            false,
            vec![mqadmin],
        );
        Ok(ResendPlan {
            plan,
            client_id,
            clients,
        })
    }

    /// Has one online client of a group consume a stored message now, and returns its result.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn message_resend(
        &self,
        id: &ConnectionId,
        req: &ResendRequest,
        confirmation: &Confirmation,
    ) -> Result<ResendResult> {
        let params = serde_json::to_value(req).unwrap_or_default();
        let pre = Attempt::new("message.resend", req.group.trim(), params, &[]);
        let (profile, attempt, planned) = self
            .admit_planned(
                id,
                pre,
                confirmation,
                || self.message_plan_resend(id, req),
                |p| &p.plan,
            )
            .await?;
        let (_, client) = self.client(id).await?;
        let addr = store_addr(&req.offset_msg_id)?;
        let m = self.message_by_offset_id(id, &req.offset_msg_id).await?;
        let ext = BTreeMap::from([
            ("consumerGroup".to_owned(), req.group.trim().to_owned()),
            ("clientId".to_owned(), planned.client_id.clone()),
            ("msgId".to_owned(), req.offset_msg_id.trim().to_owned()),
            ("topic".to_owned(), m.topic.clone()),
            ("brokerName".to_owned(), broker_name_at(&client, &addr).await),
        ]);
        // The broker waits for the client; give it the client's time and ours.
        let timeout = client.timeout.max(std::time::Duration::from_secs(15));
        let result = client
            .link
            .with_timeout(timeout)
            .request_with(&addr, CONSUME_MESSAGE_DIRECTLY, ext, "consume message directly")
            .await
            .and_then(|r| remoting::decode_json::<DirectResultBody>(&r.body, "consume result"))
            .map(|b| ResendResult {
                client_id: planned.client_id.clone(),
                consume_result: b.consume_result,
                remark: b.remark,
                spent_time_ms: b.spent_time_mills.map(|v| v as f64),
                order: b.order,
            });
        let (outcome, after, error) = match &result {
            Ok(r) if r.consume_result.as_deref() == Some("CR_SUCCESS") => {
                (AuditOutcome::Ok, serde_json::to_value(r).ok(), None)
            }
            Ok(r) => (AuditOutcome::Partial, serde_json::to_value(r).ok(), None),
            Err(e) => (AuditOutcome::Failed, None, Some(e)),
        };
        self.journal(&profile, &attempt, None, after, outcome, error)
            .await?;
        result
    }

    /// The preview of re-publishing copies of messages to a topic.
    pub async fn message_plan_republish(
        &self,
        id: &ConnectionId,
        req: &RepublishRequest,
    ) -> Result<ChangePlan> {
        let profile = self.connection_get(id).await?;
        let target = req.target_topic.trim();
        if target.is_empty() {
            return Err(Error::validation("Choose the topic to publish the copies to."));
        }
        if req.offset_msg_ids.is_empty() {
            return Err(Error::validation("Choose the messages to re-publish."));
        }
        if req.offset_msg_ids.len() > MAX_REPUBLISH {
            return Err(Error::validation(format!(
                "At most {MAX_REPUBLISH} messages can be re-published at once."
            )));
        }
        let (_, client) = self.client(id).await?;
        // The target must exist and take writes.
        let route = crate::topic::topic_route(&client, target).await?;
        if !route
            .queue_datas
            .iter()
            .any(|q| q.perm & 2 != 0 && q.write_queue_nums > 0)
        {
            return Err(Error::validation(format!(
                "Topic '{target}' has no writable queue."
            )));
        }
        let mut changes = Vec::new();
        for mid in req.offset_msg_ids.iter().take(PREVIEW_ROWS) {
            let after = match self.message_by_offset_id(id, mid).await {
                Ok(m) => format!(
                    "copy of {} (tag {}, keys {}, {} user propert{}, {} bytes)",
                    m.topic,
                    m.tags.as_deref().unwrap_or("-"),
                    if m.keys.is_empty() {
                        "-".to_owned()
                    } else {
                        m.keys.join(" ")
                    },
                    user_properties(&m).len(),
                    if user_properties(&m).len() == 1 {
                        "y"
                    } else {
                        "ies"
                    },
                    m.body_size
                ),
                Err(e) => format!("cannot be read: {e}"),
            };
            changes.push(FieldChange {
                scope: target.to_owned(),
                field: mid.clone(),
                before: None,
                after: Some(after),
            });
        }
        let mut warnings = vec![format!(
            "{} new message(s) go to '{target}': its consumers receive them as new messages (new message ids); the originals stay where they are.",
            req.offset_msg_ids.len()
        )];
        if req.offset_msg_ids.len() > PREVIEW_ROWS {
            warnings.push(format!(
                "The first {PREVIEW_ROWS} of {} are listed.",
                req.offset_msg_ids.len()
            ));
        }
        let mqadmin = vec![format!(
            "mqadmin sendMessage -n {} -t {} -p <body> -c <tag> -k <keys>   # per message; mqadmin cannot copy user properties",
            shell_arg(&profile.namesrv_addrs.join(";")),
            shell_arg(target)
        )];
        Ok(ChangePlan::new(
            &profile,
            "message.republish",
            format!("Re-publish {} message(s) to {target}", req.offset_msg_ids.len()),
            target,
            changes,
            warnings,
            true,
            false,
            mqadmin,
        ))
    }

    /// Re-publishes copies as a job (cooperative: a send under way finishes; the rest are reported
    /// not run). Batch items are [`RepublishItem`]s; the summary a [`RepublishSummary`]. One journal
    /// entry for the whole job, with every outcome.
    #[tracing::instrument(skip(self, sink, req), fields(target = %req.target_topic, n = req.offset_msg_ids.len()), err(Debug))]
    pub async fn message_republish(
        &self,
        id: &ConnectionId,
        req: &RepublishRequest,
        confirmation: &Confirmation,
        sink: JobSink,
    ) -> Result<JobId> {
        let params = serde_json::json!({
            "targetTopic": req.target_topic.trim(),
            "count": req.offset_msg_ids.len(),
        });
        let pre = Attempt::new("message.republish", req.target_topic.trim(), params, &[]);
        let (profile, attempt, _) = self
            .admit_planned(
                id,
                pre,
                confirmation,
                || self.message_plan_republish(id, req),
                |p| p,
            )
            .await?;
        let console = self.clone();
        let (_, client) = self.client(id).await?;
        let known = super::known_brokers(&client).await?;
        // The target's route once for the whole job, not once per message.
        let route = crate::topic::topic_route(&client, req.target_topic.trim()).await?;
        let (id, req) = (id.clone(), req.clone());
        let title = format!(
            "Re-publish {} message(s) to {}",
            req.offset_msg_ids.len(),
            req.target_topic.trim()
        );
        Ok(self
            .jobs()
            .start_cooperative(&title, sink, move |ctx| async move {
                let target = req.target_topic.trim().to_owned();
                let total = req.offset_msg_ids.len() as u64;
                let mut items: Vec<RepublishItem> = Vec::new();
                let mut sends = futures::stream::iter(req.offset_msg_ids.clone())
                    .map(|mid| {
                        let (console, id, target, ctx, known, route) =
                            (&console, &id, &target, &ctx, &known, &route);
                        async move {
                            if ctx.is_cancelled() {
                                return None;
                            }
                            let r = console.republish_one(id, known, route, &mid, target).await;
                            Some(match r {
                                Ok(sent) => RepublishItem {
                                    offset_msg_id: mid,
                                    ok: true,
                                    sent: Some(sent),
                                    error: None,
                                },
                                Err(e) => RepublishItem {
                                    offset_msg_id: mid,
                                    ok: false,
                                    sent: None,
                                    error: Some(e.summary()),
                                },
                            })
                        }
                    })
                    .buffered(REPUBLISH_CONCURRENCY);
                let mut done = 0u64;
                while let Some(item) = sends.next().await {
                    let Some(item) = item else { continue };
                    done += 1;
                    ctx.batch(vec![serde_json::to_value(&item).unwrap_or_default()]);
                    ctx.progress(done, Some(total), None);
                    items.push(item);
                }
                drop(sends);
                let ok = items.iter().filter(|i| i.ok).count();
                let failed = items.len() - ok;
                let not_run = req.offset_msg_ids.len() - items.len();
                let outcome = if failed == 0 && not_run == 0 {
                    AuditOutcome::Ok
                } else if ok == 0 {
                    AuditOutcome::Failed
                } else {
                    AuditOutcome::Partial
                };
                let after = serde_json::json!({
                    "jobId": ctx.id.0,
                    "ok": ok,
                    "failed": failed,
                    "notRun": not_run,
                    "items": items.iter().take(1000).collect::<Vec<_>>(),
                });
                let err = (ok == 0 && !items.is_empty()).then(|| {
                    Error::internal(
                        items
                            .iter()
                            .find_map(|i| i.error.clone())
                            .unwrap_or_else(|| "every send failed".into()),
                    )
                });
                let entry = console
                    .journal(&profile, &attempt, None, Some(after), outcome, err.as_ref())
                    .await?;
                let n = |x: usize| u32::try_from(x).unwrap_or(u32::MAX);
                let summary = RepublishSummary {
                    target_topic: target,
                    ok: n(ok),
                    failed: n(failed),
                    not_run: n(not_run),
                    audit_id: entry.id,
                };
                console.topics_changed(&id);
                serde_json::to_value(summary).map_err(|e| Error::internal(e.to_string()))
            }))
    }

    async fn republish_one(
        &self,
        id: &ConnectionId,
        known: &std::collections::BTreeSet<String>,
        route: &crate::topic::RouteBody,
        offset_msg_id: &str,
        target: &str,
    ) -> Result<SendResult> {
        let (_, client) = self.client(id).await?;
        let m = super::read_offset_id(&client, known, offset_msg_id).await?;
        // A body shown as stored (not decompressed) would be re-sent as garbage: refuse it.
        if let Some(why) = &m.body_error {
            return Err(Error::validation(format!(
                "{offset_msg_id}: its compressed body cannot be copied ({why})."
            )));
        }
        let req = SendRequest {
            topic: target.to_owned(),
            tag: m.tags.clone().filter(|t| !t.is_empty()),
            keys: m.keys.clone(),
            properties: user_properties(&m),
            body: MessageBody::Base64 {
                data: m.body_base64.clone(),
            },
            delay_level: None,
            deliver_at: None,
            broker_name: None,
            queue_id: None,
        };
        let uniq = new_uniq_id(Millis::now());
        let p = super::prepare_on(route, &req, &uniq)?;
        super::send_prepared(&client, target, &p, &uniq).await
    }

    /// Which consumer groups of the message's topic have consumed it.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn message_track(&self, id: &ConnectionId, offset_msg_id: &str) -> Result<MessageTrack> {
        let m = self.message_by_offset_id(id, offset_msg_id).await?;
        let (_, client) = self.client(id).await?;
        let addr = store_addr(offset_msg_id)?;
        let broker_name = broker_name_at(&client, &addr).await;
        let ext = BTreeMap::from([("topic".to_owned(), m.topic.clone())]);
        let r = client
            .link
            .request_with(
                &addr,
                QUERY_TOPIC_CONSUME_BY_WHO,
                ext,
                "consumer groups of a topic",
            )
            .await?;
        #[derive(Default, Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Groups {
            #[serde(default)]
            group_list: std::collections::BTreeSet<String>,
        }
        let groups = remoting::decode_json::<Groups>(&r.body, "group list")?.group_list;
        let (topic, qid, qoff) = (m.topic.clone(), m.queue_id, m.queue_offset.0);
        let rows: Vec<TrackRow> = futures::stream::iter(groups)
            .map(|group| {
                let (client, addr, topic, broker_name, tag) =
                    (&client, &addr, &topic, &broker_name, m.tags.as_deref());
                async move {
                    let ext = BTreeMap::from([
                        ("topic".to_owned(), topic.clone()),
                        ("consumerGroup".to_owned(), group.clone()),
                    ]);
                    let (stats, conn) = tokio::join!(
                        client
                            .link
                            .request_with(addr, GET_CONSUME_STATS, ext, "consume stats"),
                        connection_of(client, addr, &group)
                    );
                    let conn = conn.ok().flatten();
                    let online = conn.as_ref().is_some_and(|c| !c.connection_set.is_empty());
                    let subscription = conn
                        .as_ref()
                        .and_then(|c| c.subscription_table.values().find(|s| &s.topic == topic))
                        .map(|s| s.sub_string.clone());
                    let broadcast = conn
                        .as_ref()
                        .and_then(|c| c.message_model.as_deref())
                        .is_some_and(|mm| mm.eq_ignore_ascii_case("BROADCASTING"));
                    let offset = stats
                        .as_ref()
                        .ok()
                        .and_then(|r| decode_consume_stats(&r.body).ok())
                        .and_then(|(qs, _)| {
                            qs.into_iter()
                                .find(|q| &q.broker_name == broker_name && q.queue_id == qid)
                                .map(|q| q.consumer_offset)
                        })
                        .filter(|o| *o >= 0);
                    let (status, note) = if broadcast {
                        (
                            TrackStatus::Unknown,
                            Some("broadcast: offsets are kept by each client".to_owned()),
                        )
                    } else {
                        match offset {
                            Some(o) if o > qoff => {
                                if subscription.as_deref().is_some_and(|s| !takes_tag(s, tag)) {
                                    (TrackStatus::ConsumedButFiltered, None)
                                } else {
                                    (TrackStatus::Consumed, None)
                                }
                            }
                            Some(_) => (TrackStatus::NotConsumedYet, None),
                            None => (
                                TrackStatus::NotConsumedYet,
                                Some(match &stats {
                                    Err(e) => format!("no offset: {e}"),
                                    Ok(_) => "no committed offset on this queue".to_owned(),
                                }),
                            ),
                        }
                    };
                    TrackRow {
                        group,
                        status,
                        online,
                        consumer_offset: offset.map(Offset),
                        subscription,
                        note,
                    }
                }
            })
            .buffered(16)
            .collect()
            .await;
        Ok(MessageTrack {
            offset_msg_id: offset_msg_id.trim().to_owned(),
            topic: m.topic,
            broker_name,
            queue_id: qid,
            queue_offset: m.queue_offset,
            rows,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_expressions() {
        assert!(takes_tag("*", None));
        assert!(takes_tag("", Some("a")));
        assert!(takes_tag("a || b", Some("b")));
        assert!(!takes_tag("a||b", Some("c")));
        assert!(!takes_tag("a", None));
    }
}
