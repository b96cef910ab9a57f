//! Sending one message from the console: validation, the target queue from the topic's route,
//! the preview, `SEND_MESSAGE` to the queue's master (again while it is busy, never after an
//! unknown outcome), and the journal entry.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::audit::AuditOutcome;
use crate::console::Console;
use crate::error::{Error, Result};
use crate::model::{ConnectionId, Millis, Offset};
use crate::remoting::code::SEND_MESSAGE;
use crate::remoting::header::SendHeader;
use crate::remoting::{self, code};
use crate::safety::{Attempt, ChangePlan, Confirmation, FieldChange, shell_arg};
use crate::topic::topic_route;

use super::{
    MAX_BODY, MAX_DELAY_LEVEL, MessageBody, MessageView, PRODUCER_GROUP, RESERVED_PROPERTIES, SendOutcome,
    SendRequest, SendResult, known_brokers, read_offset_id,
};

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A `MessageClientIDSetter`-style id: ip(4) pid(2) hash(4) | ms-since-month-start(4) counter(2).
pub fn new_uniq_id(now: Millis) -> String {
    let pid = std::process::id();
    let counter = COUNTER.fetch_add(1, Ordering::Relaxed);
    // Month start in UTC: RocketMQ uses local time; only the relative part matters for ordering.
    let secs = now.0.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let (_, _, day) = crate::model::civil_from_days(days);
    let month_start_ms = (days - (day - 1)) * 86_400_000;
    let since = u32::try_from((now.0 - month_start_ms).max(0)).unwrap_or(u32::MAX);
    let mut b = Vec::with_capacity(16);
    b.extend_from_slice(&[127, 0, 0, 1]);
    b.extend_from_slice(&u16::try_from(pid & 0xffff).unwrap_or(0).to_be_bytes());
    b.extend_from_slice(&0x524d_5143u32.to_be_bytes()); // "RMQC"
    b.extend_from_slice(&since.to_be_bytes());
    b.extend_from_slice(&u16::try_from(counter & 0xffff).unwrap_or(0).to_be_bytes());
    b.iter().map(|x| format!("{x:02X}")).collect()
}

pub(super) fn validate(req: &SendRequest, body: &[u8]) -> Result<()> {
    if req.topic.trim().is_empty() {
        return Err(Error::validation("Choose a topic."));
    }
    if body.is_empty() {
        return Err(Error::validation(
            "The message body is empty: RocketMQ refuses empty bodies.",
        ));
    }
    if body.len() > MAX_BODY {
        return Err(Error::validation(format!(
            "The body is {} bytes; brokers accept at most {MAX_BODY} bytes by default.",
            body.len()
        )));
    }
    let bad = |s: &str| s.contains(['\u{1}', '\u{2}']);
    if let Some(tag) = &req.tag
        && (tag.trim().is_empty() || tag.contains("||") || bad(tag))
    {
        return Err(Error::validation(
            "The tag is empty or contains '||' (the tag-expression separator).",
        ));
    }
    for k in &req.keys {
        if k.trim().is_empty() || k.contains(' ') || bad(k) {
            return Err(Error::validation(format!(
                "Key '{k}' is empty or contains a space (keys are space-separated on the wire)."
            )));
        }
    }
    for (k, v) in &req.properties {
        if k.trim().is_empty() || bad(k) || bad(v) {
            return Err(Error::validation(format!(
                "Property '{k}' has an invalid name or value."
            )));
        }
        if RESERVED_PROPERTIES
            .iter()
            .any(|r| k == r || (r.ends_with('.') && k.starts_with(r)))
        {
            return Err(Error::validation(format!(
                "Property '{k}' is reserved by RocketMQ; use the form's own fields (tag, keys, delay)."
            )));
        }
    }
    if let Some(l) = req.delay_level
        && !(1..=MAX_DELAY_LEVEL).contains(&l)
    {
        return Err(Error::validation(format!(
            "Delay level must be between 1 and {MAX_DELAY_LEVEL} (got {l})."
        )));
    }
    if req.delay_level.is_some() && req.deliver_at.is_some() {
        return Err(Error::validation(
            "Choose a delay level or a delivery time, not both.",
        ));
    }
    if let Some(at) = req.deliver_at
        && at.0 <= Millis::now().0
    {
        return Err(Error::validation("The delivery time is in the past."));
    }
    Ok(())
}

pub(crate) fn properties_string(props: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    for (k, v) in props {
        out.push_str(k);
        out.push('\u{1}');
        out.push_str(v);
        out.push('\u{2}');
    }
    out
}

pub(crate) struct Prepared {
    body: Vec<u8>,
    props: BTreeMap<String, String>,
    broker_name: String,
    addr: String,
    queue_id: u32,
}

impl Console {
    pub(crate) async fn prepare_send(
        &self,
        id: &ConnectionId,
        req: &SendRequest,
        uniq: &str,
    ) -> Result<Prepared> {
        let (_, client) = self.client(id).await?;
        let route = topic_route(&client, &req.topic).await?;
        prepare_on(&route, req, uniq)
    }
}
/// [`Console::prepare_send`] on a route already read (a job sending many messages reads it once).
pub(crate) fn prepare_on(route: &crate::topic::RouteBody, req: &SendRequest, uniq: &str) -> Result<Prepared> {
    let body = req.body.bytes()?;
    validate(req, &body)?;
    // Writable (broker, queue) pairs of masters.
    let mut slots: Vec<(String, String, u32)> = Vec::new();
    for q in &route.queue_datas {
        if q.perm & 2 == 0 {
            continue;
        }
        let Some(addr) = route
            .broker_datas
            .iter()
            .find(|b| b.broker_name == q.broker_name)
            .and_then(|b| b.broker_addrs.get("0"))
        else {
            continue;
        };
        for qid in 0..q.write_queue_nums {
            slots.push((q.broker_name.clone(), addr.clone(), qid));
        }
    }
    slots.sort();
    if let Some(b) = &req.broker_name {
        slots.retain(|(n, _, _)| n == b);
    }
    if let Some(qid) = req.queue_id {
        slots.retain(|(_, _, q)| *q == qid);
    }
    if slots.is_empty() {
        return Err(Error::validation(format!(
            "Topic '{}' has no writable queue{}{} on a live master.",
            req.topic,
            req.broker_name
                .as_deref()
                .map(|b| format!(" on {b}"))
                .unwrap_or_default(),
            req.queue_id.map(|q| format!(" with id {q}")).unwrap_or_default(),
        )));
    }
    let n = u32::try_from(slots.len()).unwrap_or(1);
    let pick = COUNTER.load(Ordering::Relaxed) % n;
    let (broker_name, addr, queue_id) = slots.swap_remove(pick as usize);
    let mut props = req.properties.clone();
    if let Some(t) = &req.tag {
        props.insert("TAGS".into(), t.clone());
    }
    if !req.keys.is_empty() {
        props.insert("KEYS".into(), req.keys.join(" "));
    }
    if let Some(l) = req.delay_level {
        props.insert("DELAY".into(), l.to_string());
    }
    if let Some(at) = req.deliver_at {
        props.insert("TIMER_DELIVER_MS".into(), at.0.to_string());
    }
    props.insert("UNIQ_KEY".into(), uniq.to_owned());
    props.insert("WAIT".into(), "true".into());
    Ok(Prepared {
        body,
        props,
        broker_name,
        addr,
        queue_id,
    })
}

impl Console {
    /// The preview of sending a message.
    pub async fn message_plan_send(&self, id: &ConnectionId, req: &SendRequest) -> Result<ChangePlan> {
        let profile = self.connection_get(id).await?;
        let p = self.prepare_send(id, req, "(assigned on send)").await?;
        Ok(send_plan(&profile, req, &p))
    }

    /// Sends one message; the send is journaled like every mutation (read-only connections refuse it).
    #[tracing::instrument(skip(self, req), fields(topic = %req.topic), err(Debug))]
    pub async fn message_send(
        &self,
        id: &ConnectionId,
        req: &SendRequest,
        confirmation: &Confirmation,
    ) -> Result<SendOutcome> {
        let params = send_params(req);
        let pre = Attempt::new("message.send", &req.topic, params.clone(), &[]);
        let profile = self.admit(id, &pre, None, confirmation).await?;
        let uniq = new_uniq_id(Millis::now());
        let p = match self.prepare_send(id, req, &uniq).await {
            Ok(p) => p,
            Err(e) => {
                if e.code() == crate::ErrorCode::Validation {
                    self.journal_refusal(&profile, &pre, &e).await?;
                }
                return Err(e);
            }
        };
        let plan = send_plan(&profile, req, &p);
        let attempt = Attempt::new("message.send", &req.topic, params, &plan.mqadmin);
        if let Some(err) = plan.check(confirmation) {
            self.journal_refusal(&profile, &attempt, &err).await?;
            return Err(err);
        }
        let (_, client) = self.client(id).await?;
        let result = send_prepared(&client, &req.topic, &p, &uniq).await;
        let (outcome, after, error) = match &result {
            Ok(r) => (AuditOutcome::Ok, serde_json::to_value(r).ok(), None),
            Err(e) => (AuditOutcome::Failed, None, Some(e)),
        };
        let audit = self
            .journal(&profile, &attempt, None, after, outcome, error)
            .await?;
        let result = result?;
        self.topics_changed(id);
        Ok(SendOutcome { result, audit })
    }

    /// Reads one message by its offset message id (store host + commit-log offset).
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn message_by_offset_id(&self, id: &ConnectionId, offset_msg_id: &str) -> Result<MessageView> {
        let (_, client) = self.client(id).await?;
        let known = known_brokers(&client).await?;
        read_offset_id(&client, &known, offset_msg_id).await
    }
}

/// Sends a prepared message (`SEND_MESSAGE` straight to the chosen queue's master).
pub(crate) async fn send_prepared(
    client: &crate::registry::LiveClient,
    topic: &str,
    p: &Prepared,
    uniq: &str,
) -> Result<SendResult> {
    // A busy broker refused the message unstored; the Java producer also sends it again.
    remoting::while_busy(SEND_BUSY_TRIES, || send_prepared_once(client, topic, p, uniq)).await
}

/// Sends of one message while its broker is busy.
const SEND_BUSY_TRIES: u32 = 4;

async fn send_prepared_once(
    client: &crate::registry::LiveClient,
    topic: &str,
    p: &Prepared,
    uniq: &str,
) -> Result<SendResult> {
    let link = &client.link;
    let ext = SendHeader {
        producer_group: PRODUCER_GROUP.to_owned(),
        topic: topic.to_owned(),
        default_topic: "TBW102".to_owned(),
        default_topic_queue_nums: 4,
        queue_id: p.queue_id,
        sys_flag: 0,
        born_timestamp: Millis::now().0,
        flag: 0,
        properties: properties_string(&p.props),
        reconsume_times: 0,
        unit_mode: false,
        batch: false,
    };
    let sent = link.invoke_body(&p.addr, SEND_MESSAGE, ext, &p.body).await;
    sent.and_then(|r| {
        let status = match r.code {
            code::SUCCESS => "SEND_OK",
            code::FLUSH_DISK_TIMEOUT => "FLUSH_DISK_TIMEOUT",
            code::SLAVE_NOT_AVAILABLE => "SLAVE_NOT_AVAILABLE",
            code::FLUSH_SLAVE_TIMEOUT => "FLUSH_SLAVE_TIMEOUT",
            _ => {
                return Err(remoting::check(&p.addr, "send message", r)
                    .map_or_else(|e| e, |_| Error::internal("send message: unexpected reply")));
            }
        };
        let field = |k: &str| r.ext.get(k).cloned().unwrap_or_default();
        Ok(SendResult {
            status: status.to_owned(),
            msg_id: uniq.to_owned(),
            offset_msg_id: field("msgId"),
            broker_name: p.broker_name.clone(),
            broker_addr: p.addr.clone(),
            queue_id: field("queueId").parse().unwrap_or(p.queue_id),
            queue_offset: Offset(field("queueOffset").parse().unwrap_or(-1)),
            body_bytes: u32::try_from(p.body.len()).unwrap_or(u32::MAX),
        })
    })
}

fn send_params(req: &SendRequest) -> serde_json::Value {
    let size = req.body.bytes().map(|b| b.len()).unwrap_or(0);
    serde_json::json!({
        "topic": req.topic,
        "tag": req.tag,
        "keys": req.keys,
        "properties": req.properties,
        "bodyBytes": size,
        "bodyKind": match req.body { MessageBody::Text { .. } => "text", MessageBody::Base64 { .. } => "binary" },
        "delayLevel": req.delay_level,
        "deliverAt": req.deliver_at,
        "brokerName": req.broker_name,
        "queueId": req.queue_id,
    })
}

fn send_plan(profile: &crate::connection::ConnectionProfile, req: &SendRequest, p: &Prepared) -> ChangePlan {
    let row = |field: &str, after: String| FieldChange {
        scope: format!("{} queue {}", p.broker_name, p.queue_id),
        field: field.to_owned(),
        before: None,
        after: Some(after),
    };
    let mut changes = vec![row("topic", req.topic.clone())];
    if let Some(t) = &req.tag {
        changes.push(row("tag", t.clone()));
    }
    if !req.keys.is_empty() {
        changes.push(row("keys", req.keys.join(" ")));
    }
    for (k, v) in &req.properties {
        changes.push(row(&format!("property {k}"), v.clone()));
    }
    if let Some(l) = req.delay_level {
        changes.push(row("delay level", l.to_string()));
    }
    if let Some(at) = req.deliver_at {
        changes.push(row("deliver at", crate::audit::iso8601(at)));
    }
    let preview: String = String::from_utf8(p.body.iter().take(120).copied().collect())
        .map(|s| format!("\"{s}\""))
        .unwrap_or_else(|_| "binary".to_owned());
    changes.push(row("body", format!("{} bytes, {preview}", p.body.len())));
    let mut mqadmin = format!(
        "mqadmin sendMessage -n {} -t {} -p {}",
        shell_arg(&profile.namesrv_addrs.join(";")),
        shell_arg(&req.topic),
        match &req.body {
            MessageBody::Text { text } => shell_arg(text),
            MessageBody::Base64 { .. } => "<binary body: not expressible with -p>".to_owned(),
        }
    );
    if let Some(t) = &req.tag {
        mqadmin.push_str(&format!(" -c {}", shell_arg(t)));
    }
    if !req.keys.is_empty() {
        mqadmin.push_str(&format!(" -k {}", shell_arg(&req.keys.join(" "))));
    }
    if req.broker_name.is_some() || req.queue_id.is_some() {
        mqadmin.push_str(&format!(" -b {} -i {}", shell_arg(&p.broker_name), p.queue_id));
    }
    let mut warnings = Vec::new();
    if !req.properties.is_empty() || req.delay_level.is_some() || req.deliver_at.is_some() {
        warnings.push(
            "mqadmin sendMessage cannot set user properties or delays; the line above omits them.".into(),
        );
    }
    let mut plan = ChangePlan::new(
        profile,
        "message.send",
        format!("Send a message to {}", req.topic),
        &req.topic,
        changes,
        warnings,
        false,
        false,
        vec![mqadmin],
    );
    plan.no_op = false;
    plan
}
