//! Message trace: what happened to a message, from the records clients write to the trace topic.
//!
//! Producers and consumers with tracing on batch records (see [`record`]) into messages of the
//! trace topic (`RMQ_SYS_TRACE_TOPIC` unless the connection names another). Each trace message's
//! KEYS hold every traced message's unique id and business keys, so the brokers' key index finds
//! a message's records: `QUERY_MESSAGE` on the trace topic by message id (or by business key),
//! walked through the whole window like any key lookup (no 64-hit ceiling). The records are then
//! arranged per message as a [`timeline`]; the message itself is read to add its store hop.
//! No record is not an empty screen: the lookup says why records may be missing.

pub mod record;
pub mod timeline;

use std::time::Instant;

use futures::future::join_all;
use serde::{Deserialize, Serialize};

use crate::console::Console;
use crate::error::{Error, Result};
use crate::message::query::{KeyQuery, key_hits, query, topic_masters};
use crate::message::{MessageView, known_brokers, read_offset_id};
use crate::model::{ConnectionId, Millis};
use crate::registry::LiveClient;
use crate::topic::BrokerFailure;

pub use record::TraceRecord;
pub use timeline::MessageTrace;
use timeline::{Sourced, timelines, with_store};

pub use crate::connection::DEFAULT_TRACE_TOPIC;
/// Default window of a lookup by business key: the last three days.
const KEY_WINDOW_MS: i64 = 3 * 24 * 3600 * 1000;
/// Trace messages read per lookup at most (a message consumed by many groups many times has a
/// few dozen; a popular business key may have thousands).
const MAX_TRACE_MESSAGES: usize = 2000;
/// Messages a lookup by business key shows at most.
const MAX_TRACED: usize = 50;

/// A trace lookup: by message id, or by business key within a window.
#[derive(Debug, Clone, Default, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TraceQuery {
    /// The message's unique key (the producer's message id) or its offset id.
    pub msg_id: Option<String>,
    /// A business key: every traced message carrying it.
    pub key: Option<String>,
    /// The message's topic, when known (to read its store hop when no send record names it).
    pub topic: Option<String>,
    /// Trace messages stored from; default: all (by id) or three days before `end` (by key).
    pub begin: Option<Millis>,
    /// Trace messages stored until; default: now.
    pub end: Option<Millis>,
    /// Another trace topic than the connection's.
    pub trace_topic: Option<String>,
}

/// What a trace lookup found.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TraceLookup {
    pub trace_topic: String,
    pub begin: Millis,
    pub end: Millis,
    /// One per traced message (by id: at most one).
    pub traces: Vec<MessageTrace>,
    /// Trace messages read and the records they held for the asked message(s).
    pub trace_messages: u32,
    pub records: u32,
    /// Records that could not be read, with the reason.
    pub malformed: Vec<String>,
    /// Why records may be missing, what was cut; empty when all is well.
    pub notes: Vec<String>,
    pub failed_brokers: Vec<BrokerFailure>,
    pub elapsed_ms: f64,
}

/// The trace topic does not exist: why that usually is.
fn no_trace_topic(topic: &str) -> String {
    format!(
        "The trace topic '{topic}' does not exist on this cluster. Brokers create {DEFAULT_TRACE_TOPIC} only \
         with traceTopicEnable=true; clients may write to a custom trace topic (set it on the connection)."
    )
}

/// No record for what was asked: the usual reasons.
fn no_records(topic: &str, what: &str) -> String {
    format!(
        "No trace record for {what} in '{topic}'. Tracing may be off in the producer and consumers (the Java \
         client's enableMsgTrace, the rocketmq-rust client's trace flag); 5.x gRPC clients trace with \
         OpenTelemetry, not to this topic; the clients may write to another trace topic; or the records were \
         deleted with old commit-log files."
    )
}

impl Console {
    /// The trace of a message (by id) or of the messages carrying a business key.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn message_trace(&self, id: &ConnectionId, q: &TraceQuery) -> Result<TraceLookup> {
        let start = Instant::now();
        let msg_id = q.msg_id.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let key = q.key.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let (profile, client) = self.client(id).await?;
        let trace_topic = q
            .trace_topic
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map_or_else(|| profile.trace_topic.clone(), str::to_owned);
        let end = q.end.unwrap_or_else(|| Millis(Millis::now().0 + 60_000)).0;
        let (mut lookup_key, begin) = match (msg_id, key) {
            (Some(m), None) => {
                if m.len() < 32 || !m.chars().all(|c| c.is_ascii_hexdigit()) {
                    return Err(Error::validation(format!(
                        "'{m}' is not a message id: a unique key or an offset id is 32 or more hex digits."
                    )));
                }
                (m.to_ascii_uppercase(), q.begin.map_or(0, |b| b.0))
            }
            (None, Some(k)) => {
                if k.contains(' ') {
                    return Err(Error::validation(
                        "A key has no spaces: RocketMQ stores a message's keys separated by spaces.",
                    ));
                }
                (k.to_owned(), q.begin.map_or(end - KEY_WINDOW_MS, |b| b.0))
            }
            _ => {
                return Err(Error::validation(
                    "Give a message id or a business key (one of them).",
                ));
            }
        };
        if begin > end {
            return Err(Error::validation("The window starts after it ends."));
        }
        let mut out = TraceLookup {
            trace_topic: trace_topic.clone(),
            begin: Millis(begin),
            end: Millis(end),
            traces: Vec::new(),
            trace_messages: 0,
            records: 0,
            malformed: Vec::new(),
            notes: Vec::new(),
            failed_brokers: Vec::new(),
            elapsed_ms: 0.0,
        };
        let masters = match topic_masters(&client, &trace_topic).await {
            Ok(m) => m,
            Err(Error::NotFound { .. }) => {
                out.notes.push(no_trace_topic(&trace_topic));
                out.elapsed_ms = start.elapsed().as_secs_f64() * 1000.0;
                return Ok(out);
            }
            Err(e) => return Err(e),
        };
        let by_id = msg_id.is_some();
        let mut sourced = read_records(
            &client,
            &masters,
            &trace_topic,
            &lookup_key,
            (begin, end),
            &mut out,
        )
        .await?;
        // An offset id: trace records name the unique key; read the message to learn it.
        if by_id && sourced.is_empty() {
            let known = known_brokers(&client).await?;
            if let Ok(m) = read_offset_id(&client, &known, &lookup_key).await
                && let Some(uniq) = m.msg_id.clone()
            {
                out.notes.push(format!(
                    "{lookup_key} is an offset id; traced by its unique key {uniq}."
                ));
                sourced =
                    read_records(&client, &masters, &trace_topic, &uniq, (begin, end), &mut out).await?;
                lookup_key = uniq;
            }
        }
        let wanted = |s: &Sourced| {
            if by_id {
                s.record
                    .msg_id()
                    .is_some_and(|m| m.eq_ignore_ascii_case(&lookup_key))
            } else {
                s.record
                    .keys()
                    .is_some_and(|ks| ks.split(' ').any(|k| k == lookup_key))
            }
        };
        let (mine, others): (Vec<Sourced>, Vec<Sourced>) = sourced.into_iter().partition(|s| wanted(s));
        out.malformed = others
            .into_iter()
            .filter_map(|s| match s.record {
                TraceRecord::Malformed { raw, reason } => Some(format!("{reason}: {raw}")),
                _ => None,
            })
            .collect();
        out.records = u32::try_from(mine.len()).unwrap_or(u32::MAX);
        let mut traces = timelines(mine);
        if by_id {
            // A lookup by offset id found records under the unique key: one message.
            traces.truncate(1);
        } else if traces.len() > MAX_TRACED {
            out.notes.push(format!(
                "{} messages carry the key '{lookup_key}'; the first {MAX_TRACED} found are shown.",
                traces.len()
            ));
            traces.truncate(MAX_TRACED);
        }
        if traces.is_empty() {
            let what = if by_id {
                format!("message {lookup_key}")
            } else {
                format!("key '{lookup_key}'")
            };
            out.notes.push(no_records(&trace_topic, &what));
        }
        let stored = join_all(
            traces
                .iter()
                .map(|t| stored_message(&client, t, q.topic.as_deref())),
        )
        .await;
        for (t, m) in traces.iter_mut().zip(stored) {
            match m {
                Ok(Some(m)) => with_store(t, &m),
                Ok(None) => {}
                Err(e) => t
                    .notes
                    .push(format!("The message itself could not be read: {}", e.summary())),
            }
        }
        out.traces = traces;
        out.elapsed_ms = start.elapsed().as_secs_f64() * 1000.0;
        Ok(out)
    }
}

/// Every record of the trace messages indexed under `key`, each with the client that wrote it.
async fn read_records(
    client: &LiveClient,
    masters: &[crate::message::query::TopicMaster],
    trace_topic: &str,
    key: &str,
    window: (i64, i64),
    out: &mut TraceLookup,
) -> Result<Vec<Sourced>> {
    let q = KeyQuery {
        topic: trace_topic.to_owned(),
        key: key.to_owned(),
        begin: None,
        end: None,
        limit: None,
    };
    let per = join_all(
        masters
            .iter()
            .map(|m| key_hits(client, m, &q, window, MAX_TRACE_MESSAGES)),
    )
    .await;
    let mut sourced = Vec::new();
    let mut failed = Vec::new();
    for (m, r) in masters.iter().zip(per) {
        match r {
            Ok(h) => {
                out.notes.extend(h.notes);
                if h.views.len() > MAX_TRACE_MESSAGES {
                    out.notes.push(format!(
                        "{}: more than {MAX_TRACE_MESSAGES} trace messages under '{key}'; the newest are read.",
                        m.broker_name
                    ));
                }
                for v in h.views.into_values().take(MAX_TRACE_MESSAGES) {
                    out.trace_messages += 1;
                    sourced.extend(records_of(&v));
                }
            }
            Err(e) => failed.push(BrokerFailure {
                broker_name: m.broker_name.clone(),
                addr: m.addr.clone(),
                error: e.summary(),
            }),
        }
    }
    if !failed.is_empty() && failed.len() == masters.len() {
        return Err(Error::Unreachable {
            target: format!("every master of the trace topic '{trace_topic}'"),
            detail: failed
                .iter()
                .map(|f| format!("{}: {}", f.broker_name, f.error))
                .collect::<Vec<_>>()
                .join("; "),
        });
    }
    out.failed_brokers.extend(failed);
    Ok(sourced)
}

/// The records of one trace message, each with the trace message's born host as its client.
fn records_of(v: &MessageView) -> Vec<Sourced> {
    let Some(text) = v.body_text.as_deref() else {
        return vec![Sourced {
            record: TraceRecord::Malformed {
                raw: format!("trace message {}", v.offset_msg_id),
                reason: v
                    .body_error
                    .clone()
                    .unwrap_or_else(|| "its body is not text".into()),
            },
            client: v.born_host.clone(),
        }];
    };
    record::decode(text)
        .into_iter()
        .map(|record| Sourced {
            record,
            client: v.born_host.clone(),
        })
        .collect()
}

/// The traced message as stored (by unique key on its topic), when a topic is known.
async fn stored_message(
    client: &LiveClient,
    t: &MessageTrace,
    topic: Option<&str>,
) -> Result<Option<MessageView>> {
    let Some(topic) = t.topic.as_deref().or(topic) else {
        return Ok(None);
    };
    let masters = topic_masters(client, topic).await?;
    let found = join_all(
        masters
            .iter()
            .map(|m| query(client, &m.addr, topic, &t.msg_id, (0, i64::MAX), true)),
    )
    .await;
    Ok(found
        .into_iter()
        .filter_map(std::result::Result::ok)
        .flatten()
        .filter(|v| {
            v.msg_id
                .as_deref()
                .is_some_and(|u| u.eq_ignore_ascii_case(&t.msg_id))
        })
        .min_by_key(|v| v.store_timestamp))
}
