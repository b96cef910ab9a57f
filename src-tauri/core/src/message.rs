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
pub(crate) mod send;
pub use send::new_uniq_id;
pub(crate) use send::{prepare_on, properties_string, send_prepared};

use std::collections::BTreeMap;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::audit::AuditEntry;
use crate::error::{Error, Result};
use crate::model::{Millis, Offset};
use crate::remoting::code;
use crate::remoting::code::VIEW_MESSAGE_BY_ID;
use crate::remoting::header::ViewMessageHeader;

pub(crate) use codec::Stored;
pub use codec::{MessageRow, decode_view, decode_views, offset_msg_id};
pub(crate) use codec::{decode_stored, row_of, stored_in};

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
    let ext = ViewMessageHeader {
        offset: parsed.offset,
    };
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

#[cfg(test)]
mod tests {
    use super::send::{new_uniq_id, properties_string, validate};
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

/// Test data shared by the domains that read stored messages.
#[cfg(test)]
pub(crate) mod tests_support {
    use super::MessageView;
    use crate::model::{Millis, Offset};

    /// A stored message of `topic` with no property, key or tag.
    pub(crate) fn view(topic: &str) -> MessageView {
        MessageView {
            topic: topic.to_owned(),
            msg_id: Some("7F0000010B5C18B4AAC21C5F3C2A0000".into()),
            offset_msg_id: "7F00000100002A9F0000000000000100".into(),
            tags: None,
            keys: Vec::new(),
            properties: std::collections::BTreeMap::new(),
            queue_id: 0,
            queue_offset: Offset(0),
            commit_log_offset: Offset(256),
            born_timestamp: Millis(1_000),
            store_timestamp: Millis(2_000),
            born_host: "127.0.0.1:50000".into(),
            store_host: "127.0.0.1:10911".into(),
            reconsume_times: 0,
            sys_flag: 0,
            body_crc: 0,
            body_size: 4,
            body_base64: "Ym9keQ==".into(),
            body_text: Some("body".into()),
            body_error: None,
        }
    }
}
