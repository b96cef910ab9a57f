//! Resending a message to one online client of a group (`CONSUME_MESSAGE_DIRECTLY` relayed by the
//! broker): the preview names the client and whether its subscription takes the message; the
//! client's answer is the result. Never sent twice: an unknown outcome is reported as unknown.

use serde::Deserialize;

use crate::audit::AuditOutcome;
use crate::console::Console;
use crate::error::{Error, Result};
use crate::model::ConnectionId;
use crate::registry::LiveClient;
use crate::remoting;
use crate::remoting::code::CONSUME_MESSAGE_DIRECTLY;
use crate::remoting::header::ConsumeDirectlyHeader;
use crate::safety::{Attempt, ChangePlan, Confirmation, FieldChange, shell_arg};

use super::track::takes_tag;
use super::{ResendPlan, ResendRequest, ResendResult, connection_of};

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

/// The broker name of the master at `addr`, from the connection's routes.
pub(super) async fn broker_name_at(client: &LiveClient, addr: &str) -> String {
    crate::cluster::routed_brokers(client)
        .await
        .unwrap_or_default()
        .into_iter()
        .find(|b| b.addr == addr)
        .map_or_else(|| addr.to_owned(), |b| b.broker_name)
}

pub(super) fn store_addr(offset_msg_id: &str) -> Result<String> {
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
        let ext = ConsumeDirectlyHeader {
            consumer_group: req.group.trim().to_owned(),
            client_id: planned.client_id.clone(),
            msg_id: req.offset_msg_id.trim().to_owned(),
            topic: m.topic.clone(),
            broker_name: broker_name_at(&client, &addr).await,
        };
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
}
