//! Re-publishing copies of stored messages to a topic as a job: the preview, one send per message
//! (bounded in parallel, cancellable between messages), an outcome per message, the journal entry.

use std::collections::BTreeSet;

use futures::StreamExt as _;

use crate::audit::AuditOutcome;
use crate::connection::ConnectionProfile;
use crate::console::Console;
use crate::error::{Error, Result};
use crate::jobs::{JobContext, JobId, JobSink};
use crate::message::{MessageBody, SendRequest, SendResult, new_uniq_id};
use crate::model::{ConnectionId, Millis};
use crate::safety::{Attempt, ChangePlan, Confirmation, FieldChange, shell_arg};
use crate::topic::RouteBody;

use super::{
    MAX_REPUBLISH, PREVIEW_ROWS, REPUBLISH_CONCURRENCY, RepublishItem, RepublishRequest, RepublishSummary,
    user_properties,
};

impl Console {
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
        sink: JobSink<RepublishItem, RepublishSummary>,
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
        let known = crate::message::known_brokers(&client).await?;
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
                let ids = req.offset_msg_ids.clone();
                let items = console
                    .republish_all(&ctx, &id, &known, &route, ids, &target)
                    .await;
                let summary = console
                    .journal_republish(
                        &profile,
                        &attempt,
                        &ctx.id,
                        &items,
                        req.offset_msg_ids.len(),
                        target,
                    )
                    .await?;
                console.topics_changed(&id);
                Ok(summary)
            }))
    }

    /// Sends a copy of each message (bounded in parallel, in order), streaming each outcome as it
    /// comes; once the job is cancelled, the messages not yet started are skipped.
    async fn republish_all(
        &self,
        ctx: &JobContext<RepublishItem, RepublishSummary>,
        id: &ConnectionId,
        known: &BTreeSet<String>,
        route: &RouteBody,
        ids: Vec<String>,
        target: &str,
    ) -> Vec<RepublishItem> {
        let total = ids.len() as u64;
        let mut items: Vec<RepublishItem> = Vec::new();
        let mut sends = futures::stream::iter(ids)
            .map(|mid| async move {
                if ctx.is_cancelled() {
                    return None;
                }
                let r = self.republish_one(id, known, route, &mid, target).await;
                Some(republish_item(mid, r))
            })
            .buffered(REPUBLISH_CONCURRENCY);
        let mut done = 0u64;
        while let Some(item) = sends.next().await {
            let Some(item) = item else { continue };
            done += 1;
            ctx.batch(vec![item.clone()]);
            ctx.progress(done, Some(total), None);
            items.push(item);
        }
        items
    }

    /// Journals the job with every outcome (the first 1,000 items) and sums it up; `asked` is how
    /// many messages the job was given.
    async fn journal_republish(
        &self,
        profile: &ConnectionProfile,
        attempt: &Attempt,
        job: &JobId,
        items: &[RepublishItem],
        asked: usize,
        target: String,
    ) -> Result<RepublishSummary> {
        let ok = items.iter().filter(|i| i.ok).count();
        let failed = items.len() - ok;
        let not_run = asked - items.len();
        let outcome = if failed == 0 && not_run == 0 {
            AuditOutcome::Ok
        } else if ok == 0 {
            AuditOutcome::Failed
        } else {
            AuditOutcome::Partial
        };
        let after = serde_json::json!({
            "jobId": job.0,
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
        let entry = self
            .journal(profile, attempt, None, Some(after), outcome, err.as_ref())
            .await?;
        let n = |x: usize| u32::try_from(x).unwrap_or(u32::MAX);
        Ok(RepublishSummary {
            target_topic: target,
            ok: n(ok),
            failed: n(failed),
            not_run: n(not_run),
            audit_id: entry.id,
        })
    }

    async fn republish_one(
        &self,
        id: &ConnectionId,
        known: &BTreeSet<String>,
        route: &RouteBody,
        offset_msg_id: &str,
        target: &str,
    ) -> Result<SendResult> {
        let (_, client) = self.client(id).await?;
        let m = crate::message::read_offset_id(&client, known, offset_msg_id).await?;
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
        let p = crate::message::prepare_on(route, &req, &uniq)?;
        crate::message::send_prepared(&client, target, &p, &uniq).await
    }
}

/// The outcome of one message's copy.
fn republish_item(offset_msg_id: String, r: Result<SendResult>) -> RepublishItem {
    match r {
        Ok(sent) => RepublishItem {
            offset_msg_id,
            ok: true,
            sent: Some(sent),
            error: None,
        },
        Err(e) => RepublishItem {
            offset_msg_id,
            ok: false,
            sent: None,
            error: Some(e.summary()),
        },
    }
}
