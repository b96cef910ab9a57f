//! Sending a message from the console and reading one back by its offset message id.
//!
//! Sending uses `SEND_MESSAGE` (10) straight to a master of the topic's route, so any body (binary
//! included), any user property, a delay level (4.x/5.x) or a delivery time (5.x timer) goes out
//! exactly as typed, without a producer instance registering and heart-beating for one message.
//! The client-side message id (`UNIQ_KEY`) has the Java `MessageClientIDSetter` layout, so the
//! broker's and other tools' id lookups work on it. Reading back uses `VIEW_MESSAGE_BY_ID` (33).

pub mod actions;
pub mod browse;
mod codec;
mod decompress;
pub mod export;
pub mod query;
pub mod scan;
pub mod seed;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::audit::{AuditEntry, AuditOutcome};
use crate::console::Console;
use crate::error::{Error, Result};
use crate::model::{ConnectionId, Millis, Offset};
use crate::remoting::code::{SEND_MESSAGE, VIEW_MESSAGE_BY_ID};
use crate::remoting::{self, code};
use crate::safety::{Attempt, ChangePlan, Confirmation, FieldChange, shell_arg};
use crate::topic::topic_route;

pub(crate) use codec::Stored;
pub use codec::{decode_view, offset_msg_id};

/// The broker's default `maxMessageSize` (4 MiB).
pub const MAX_BODY: usize = 4 * 1024 * 1024;
/// Producer group the console's messages carry.
pub const PRODUCER_GROUP: &str = "rmq-console";
/// Highest delay level of the default `messageDelayLevel` (1s … 2h).
pub const MAX_DELAY_LEVEL: u32 = 18;

/// Properties the broker or client set themselves (`MessageConst`); user properties may not use them.
pub(crate) const RESERVED_PROPERTIES: &[&str] = &[
    "KEYS",
    "TAGS",
    "WAIT",
    "DELAY",
    "RETRY_TOPIC",
    "REAL_TOPIC",
    "REAL_QID",
    "TRAN_MSG",
    "PGROUP",
    "MIN_OFFSET",
    "MAX_OFFSET",
    "BUYER_ID",
    "ORIGIN_MESSAGE_ID",
    "TRANSFER_FLAG",
    "CORRECTION_FLAG",
    "MQ2_FLAG",
    "RECONSUME_TIME",
    "MSG_REGION",
    "TRACE_ON",
    "UNIQ_KEY",
    "MAX_RECONSUME_TIMES",
    "CONSUME_START_TIME",
    "TRAN_PREPARED_QUEUE_OFFSET",
    "TRANSACTION_CHECK_TIMES",
    "CHECK_IMMUNITY_TIME_IN_SECONDS",
    "SHARDING_KEY",
    "__STARTDELIVERTIME",
    "TIMER_DELIVER_MS",
    "TIMER_DELAY_SEC",
    "TIMER_DELAY_MS",
    "TIMER_OUT_MS",
    "TIMER_ENQUEUE_MS",
    "TIMER_DEQUEUE_MS",
    "TIMER_ROLL_TIMES",
    "TIMER_DEL_UNIQKEY",
    "INNER_NUM",
    "INNER_BASE",
    "CLUSTER",
    "MSG_TYPE",
    "__RMQ.TRANSIENT.",
];

/// A message body as the form gives it.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum MessageBody {
    /// Typed text, sent as UTF-8.
    Text { text: String },
    /// Bytes (e.g. a file's content), base64-encoded.
    Base64 { data: String },
}

impl MessageBody {
    fn bytes(&self) -> Result<Vec<u8>> {
        match self {
            Self::Text { text } => Ok(text.as_bytes().to_vec()),
            Self::Base64 { data } => base64::engine::general_purpose::STANDARD
                .decode(data.trim())
                .map_err(|e| Error::validation(format!("The body is not valid base64: {e}."))),
        }
    }
}

/// What the send form submits.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SendRequest {
    pub topic: String,
    pub tag: Option<String>,
    #[serde(default)]
    pub keys: Vec<String>,
    #[serde(default)]
    pub properties: BTreeMap<String, String>,
    pub body: MessageBody,
    /// Delay level 1–18 (1s, 5s, 10s, 30s, 1m … 2h).
    pub delay_level: Option<u32>,
    /// Delivery time (5.x timer), ms since the epoch.
    pub deliver_at: Option<Millis>,
    /// Send to this broker (else: any master that accepts writes).
    pub broker_name: Option<String>,
    /// Send to this queue of the broker.
    pub queue_id: Option<u32>,
}

/// What the broker answered.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SendResult {
    /// `SEND_OK`, or the flush/slave timeout status the message was stored with.
    pub status: String,
    /// Client message id (`UNIQ_KEY`).
    pub msg_id: String,
    /// Broker-assigned id: store host + commit-log offset.
    pub offset_msg_id: String,
    pub broker_name: String,
    pub broker_addr: String,
    pub queue_id: u32,
    pub queue_offset: Offset,
    pub body_bytes: u32,
}

/// The outcome of a send: the broker's answer and the journal entry.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SendOutcome {
    pub result: SendResult,
    pub audit: AuditEntry,
}

/// A stored message as read back from a broker.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct MessageView {
    pub topic: String,
    pub msg_id: Option<String>,
    pub offset_msg_id: String,
    pub tags: Option<String>,
    pub keys: Vec<String>,
    /// Every property, system ones included.
    pub properties: BTreeMap<String, String>,
    pub queue_id: u32,
    pub queue_offset: Offset,
    pub commit_log_offset: Offset,
    pub born_timestamp: Millis,
    pub store_timestamp: Millis,
    pub born_host: String,
    pub store_host: String,
    pub reconsume_times: u32,
    pub sys_flag: u32,
    pub body_crc: u32,
    pub body_size: u32,
    /// The body, base64-encoded (decompressed when the broker stored it compressed).
    pub body_base64: String,
    /// The body as text when it is valid UTF-8.
    pub body_text: Option<String>,
    /// Why a compressed body is shown as stored (it cannot be decompressed, or would expand past
    /// the cap); `None` when the body is shown decompressed or was never compressed.
    pub body_error: Option<String>,
}

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

fn validate(req: &SendRequest, body: &[u8]) -> Result<()> {
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

/// Every broker address (masters and slaves) of the connection's cluster.
pub(crate) async fn known_brokers(
    client: &crate::registry::LiveClient,
) -> Result<std::collections::BTreeSet<String>> {
    Ok(crate::cluster::routed_brokers(client)
        .await?
        .into_iter()
        .map(|b| b.addr)
        .collect())
}

/// The broker of `known` that an address decoded from a message id names: the same text, or —
/// after the connection's rewrite table on both sides — the same resolved socket address (a broker
/// advertised by name is stored in ids by IP). Only loopback-free resolution of known names: the
/// decoded address itself is never dialled unless it matches.
async fn broker_named(
    client: &crate::registry::LiveClient,
    known: &std::collections::BTreeSet<String>,
    named: &str,
) -> Option<String> {
    if known.contains(named) {
        return Some(named.to_owned());
    }
    let dialer = client.link.transport().dialer();
    let resolve = |addr: String| async move {
        let within = tokio::time::timeout(std::time::Duration::from_secs(2), tokio::net::lookup_host(addr));
        match within.await {
            Ok(Ok(found)) => found.collect::<Vec<std::net::SocketAddr>>(),
            _ => Vec::new(),
        }
    };
    let wanted = resolve(dialer.target(named)).await;
    if wanted.is_empty() {
        return None;
    }
    for k in known {
        let theirs = resolve(dialer.target(k)).await;
        if theirs.iter().any(|a| wanted.contains(a)) {
            return Some(k.clone());
        }
    }
    None
}

/// Reads a message by offset id from its broker, which must be one of `known`: an id is only
/// text, and the address it decodes to is never dialled unless it is a broker of this cluster.
pub(crate) async fn read_offset_id(
    client: &crate::registry::LiveClient,
    known: &std::collections::BTreeSet<String>,
    offset_msg_id: &str,
) -> Result<MessageView> {
    let parsed = rocketmq_protocol::common::message::message_decoder::decode_message_id(offset_msg_id.trim())
        .map_err(|e| Error::validation(format!("'{offset_msg_id}' is not an offset message id: {e}.")))?;
    let named = parsed.address.to_string();
    let Some(addr) = broker_named(client, known, &named).await else {
        return Err(Error::validation(format!(
            "'{offset_msg_id}' names {named}, which is not a broker of this cluster."
        )));
    };
    let ext = BTreeMap::from([("offset".to_owned(), parsed.offset.to_string())]);
    let r = client
        .link
        .request_with(&addr, VIEW_MESSAGE_BY_ID, ext, "view message")
        .await
        .map_err(|e| match e {
            Error::BrokerRejected {
                code: code::SYSTEM_ERROR,
                detail,
                ..
            } if detail.contains("not found") || detail.is_empty() => {
                Error::not_found(format!("message {offset_msg_id}"))
            }
            other => other,
        })?;
    decode_view(&r.body)
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
    let ext = BTreeMap::from([
        ("producerGroup".to_owned(), PRODUCER_GROUP.to_owned()),
        ("topic".to_owned(), topic.to_owned()),
        ("defaultTopic".to_owned(), "TBW102".to_owned()),
        ("defaultTopicQueueNums".to_owned(), "4".to_owned()),
        ("queueId".to_owned(), p.queue_id.to_string()),
        ("sysFlag".to_owned(), "0".to_owned()),
        ("bornTimestamp".to_owned(), Millis::now().0.to_string()),
        ("flag".to_owned(), "0".to_owned()),
        ("properties".to_owned(), properties_string(&p.props)),
        ("reconsumeTimes".to_owned(), "0".to_owned()),
        ("unitMode".to_owned(), "false".to_owned()),
        ("batch".to_owned(), "false".to_owned()),
    ]);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn req() -> SendRequest {
        SendRequest {
            topic: "T".into(),
            tag: Some("a".into()),
            keys: vec!["k1".into()],
            properties: BTreeMap::from([("color".into(), "red".into())]),
            body: MessageBody::Text { text: "hi".into() },
            delay_level: None,
            deliver_at: None,
            broker_name: None,
            queue_id: None,
        }
    }

    #[test]
    fn uniq_ids_have_the_java_layout_and_differ() {
        let now = Millis(1_764_031_234_567);
        let (a, b) = (new_uniq_id(now), new_uniq_id(now));
        assert_eq!(a.len(), 32);
        assert!(a.starts_with("7F000001"));
        assert_ne!(a, b);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn requests_are_validated_with_clear_messages() {
        let msg = |r: SendRequest| {
            let body = r.body.bytes().unwrap_or_default();
            validate(&r, &body).unwrap_err().to_string()
        };
        assert!(validate(&req(), b"hi").is_ok());
        assert!(
            msg(SendRequest {
                body: MessageBody::Text { text: String::new() },
                ..req()
            })
            .contains("empty")
        );
        assert!(
            msg(SendRequest {
                properties: BTreeMap::from([("KEYS".into(), "x".into())]),
                ..req()
            })
            .contains("reserved")
        );
        assert!(
            msg(SendRequest {
                keys: vec!["a b".into()],
                ..req()
            })
            .contains("space")
        );
        assert!(
            msg(SendRequest {
                delay_level: Some(19),
                ..req()
            })
            .contains("between 1 and 18")
        );
        assert!(
            msg(SendRequest {
                delay_level: Some(2),
                deliver_at: Some(Millis(Millis::now().0 + 60_000)),
                ..req()
            })
            .contains("not both")
        );
        assert!(
            msg(SendRequest {
                deliver_at: Some(Millis(1)),
                ..req()
            })
            .contains("past")
        );
        assert!(
            MessageBody::Base64 { data: "@@".into() }
                .bytes()
                .unwrap_err()
                .to_string()
                .contains("base64")
        );
        let big = vec![0u8; MAX_BODY + 1];
        assert!(
            validate(&req(), &big)
                .unwrap_err()
                .to_string()
                .contains("at most")
        );
    }

    #[test]
    fn properties_use_rocketmq_separators() {
        let p = BTreeMap::from([("a".into(), "1".into()), ("b".into(), "2".into())]);
        assert_eq!(properties_string(&p), "a\u{1}1\u{2}b\u{1}2\u{2}");
    }

    #[test]
    fn offset_ids_round_trip_through_the_decoder() {
        let addr: std::net::SocketAddr = "127.0.0.1:10911".parse().unwrap();
        let id = offset_msg_id(addr, 4242);
        assert_eq!(id.len(), 32);
        let back = rocketmq_protocol::common::message::message_decoder::decode_message_id(&id).unwrap();
        assert_eq!((back.address, back.offset), (addr, 4242));
    }
}
