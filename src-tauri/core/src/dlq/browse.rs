//! Browsing a group's dead letters: every message of `%DLQ%<group>` stored in a time window that
//! matches the message lookup's filters, oldest first, each with where it came from (its original
//! topic from `RETRY_TOPIC`, the first message's offset id from `ORIGIN_MESSAGE_ID`), how often it
//! was consumed before it was given up (`reconsumeTimes`), when it was first sent (born time, kept
//! through every retry) and when it was dead-lettered (its store time in the DLQ).

use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::{DLQ_PREFIX, RETRY_PREFIX, perm_readable};
use crate::console::Console;
use crate::error::{Error, Result};
use crate::message::query::{TopicMaster, topic_masters};
use crate::message::scan::{Matcher, Range, ScanFilter, pull};
use crate::message::{MessageRow, MessageView, row_of};
use crate::model::{ConnectionId, Count, Millis};
use crate::registry::LiveClient;
use crate::topic::BrokerFailure;

/// Messages pulled per request.
const PULL_BATCH: u32 = 64;
/// Messages a browse returns by default, and at most.
pub const DEFAULT_BROWSE: u32 = 1000;
pub const MAX_BROWSE: u32 = 100_000;

/// A browse of one group's dead letters.
#[derive(Debug, Clone, Default, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DlqBrowseRequest {
    pub group: String,
    /// Dead-lettered from (store time in the DLQ); default: the first.
    pub begin: Option<Millis>,
    /// Dead-lettered until; default: now.
    pub end: Option<Millis>,
    #[serde(default)]
    pub filter: ScanFilter,
    /// Most messages returned (the oldest); default 1,000.
    pub limit: Option<u32>,
}

/// One dead letter.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DlqMessage {
    pub row: MessageRow,
    /// The topic it was consumed from (`RETRY_TOPIC`); absent when the broker did not record it.
    pub original_topic: Option<String>,
    /// The offset id of the message as first stored (`ORIGIN_MESSAGE_ID`).
    pub origin_msg_id: Option<String>,
    /// Deliveries before it was given up.
    pub reconsume_times: u32,
    /// When the producer sent it (the born time survives every retry).
    pub first_sent: Millis,
    /// When it was dead-lettered (its store time in the DLQ).
    pub dead_lettered: Millis,
}

/// What a browse found.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DlqBrowse {
    pub group: String,
    pub dlq_topic: String,
    pub messages: Vec<DlqMessage>,
    /// More matched than the cap: the oldest `limit` are returned.
    pub truncated: bool,
    /// Messages read in the window (matching or not).
    pub scanned: Count,
    pub failed_brokers: Vec<BrokerFailure>,
    pub elapsed_ms: f64,
}

/// The original topic a dead letter came from: `RETRY_TOPIC` (what brokers set when a message is
/// sent back), else the 5.x `DLQ_ORIGIN_TOPIC` (defined, set by some distributions).
pub(crate) fn original_topic(m: &MessageView) -> Option<String> {
    ["RETRY_TOPIC", "DLQ_ORIGIN_TOPIC"]
        .iter()
        .find_map(|k| m.properties.get(*k))
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
}

/// A dead letter as the browse and the replay describe it.
pub(crate) fn dlq_message(m: MessageView, broker_name: &str) -> DlqMessage {
    DlqMessage {
        original_topic: original_topic(&m),
        origin_msg_id: ["ORIGIN_MESSAGE_ID", "DLQ_ORIGIN_MESSAGE_ID"]
            .iter()
            .find_map(|k| m.properties.get(*k).cloned()),
        reconsume_times: m.reconsume_times,
        first_sent: m.born_timestamp,
        dead_lettered: m.store_timestamp,
        row: row_of(m, broker_name),
    }
}

/// The DLQ topic of `group`, checked: the group name is valid, the topic exists and can be read.
pub(crate) async fn readable_dlq(client: &LiveClient, group: &str) -> Result<(String, Vec<TopicMaster>)> {
    crate::safety::check_name("consumer group", group, 255)?;
    if group.starts_with(RETRY_PREFIX) || group.starts_with(DLQ_PREFIX) {
        return Err(Error::validation(format!(
            "'{group}' is a topic name: give the consumer group's name."
        )));
    }
    let topic = format!("{DLQ_PREFIX}{group}");
    let route = crate::topic::topic_route(client, &topic)
        .await
        .map_err(|e| match e {
            Error::NotFound { .. } => Error::not_found(format!(
                "dead-letter topic of group '{group}' (it has no dead letters)"
            )),
            other => other,
        })?;
    if let Some(q) = route.queue_datas.iter().find(|q| !perm_readable(q.perm)) {
        return Err(Error::validation(format!(
            "'{topic}' cannot be read on {} (permission {}): give it read permission first (Dead letters → Fix…).",
            q.broker_name,
            crate::topic::perm_label(q.perm)
        )));
    }
    let masters = topic_masters(client, &topic).await?;
    Ok((topic, masters))
}

/// Every message of `topic` on `m` stored in `window` that `matcher` takes, oldest first, up to
/// `limit + 1`; and how many were read.
pub(crate) async fn read_window(
    client: &LiveClient,
    topic: &str,
    m: &TopicMaster,
    window: (i64, i64),
    matcher: &Matcher,
    limit: usize,
) -> Result<(Vec<MessageView>, u64)> {
    let mut out = Vec::new();
    let mut scanned = 0u64;
    for queue_id in 0..m.read_queues {
        let (from, to) =
            crate::message::scan::pull::range_of(client, topic, &m.addr, queue_id, window.0, window.1)
                .await?;
        let r = Range {
            broker_name: m.broker_name.clone(),
            addr: m.addr.clone(),
            queue_id,
            from,
            to,
        };
        let mut at = from;
        while at < to && out.len() <= limit {
            let (stored, next) = pull(client, topic, &r, at, PULL_BATCH).await?;
            if stored.is_empty() && next <= at {
                break;
            }
            for s in stored {
                at = at.max(s.queue_offset() + 1);
                if s.queue_offset() >= to {
                    continue;
                }
                scanned += 1;
                let ts = s.view().store_timestamp.0;
                if ts >= window.0 && ts <= window.1 && matcher.matches(&s) {
                    out.push(s.view());
                }
            }
            at = at.max(next.min(to));
        }
    }
    Ok((out, scanned))
}

impl Console {
    /// A group's dead letters in a window, filtered, oldest first.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn dlq_browse(&self, id: &ConnectionId, req: &DlqBrowseRequest) -> Result<DlqBrowse> {
        let start = Instant::now();
        let limit = req.limit.unwrap_or(DEFAULT_BROWSE);
        if limit == 0 || limit > MAX_BROWSE {
            return Err(Error::validation(format!(
                "The cap must be between 1 and {MAX_BROWSE} (got {limit})."
            )));
        }
        let window = (
            req.begin.map_or(0, |b| b.0),
            req.end.map_or_else(|| Millis::now().0 + 60_000, |e| e.0),
        );
        if window.0 > window.1 {
            return Err(Error::validation("The window starts after it ends."));
        }
        let matcher = Matcher::new(&req.filter)?;
        let (_, client) = self.client(id).await?;
        let group = req.group.trim();
        let (topic, masters) = readable_dlq(&client, group).await?;
        let per = futures::future::join_all(
            masters
                .iter()
                .map(|m| read_window(&client, &topic, m, window, &matcher, limit as usize)),
        )
        .await;
        let mut messages = Vec::new();
        let mut failed_brokers = Vec::new();
        let mut scanned = 0;
        for (m, r) in masters.iter().zip(per) {
            match r {
                Ok((views, n)) => {
                    scanned += n;
                    messages.extend(views.into_iter().map(|v| dlq_message(v, &m.broker_name)));
                }
                Err(e) => failed_brokers.push(BrokerFailure {
                    broker_name: m.broker_name.clone(),
                    addr: m.addr.clone(),
                    error: e.summary(),
                }),
            }
        }
        if !failed_brokers.is_empty() && failed_brokers.len() == masters.len() {
            return Err(Error::Unreachable {
                target: format!("every master of '{topic}'"),
                detail: failed_brokers
                    .iter()
                    .map(|f| format!("{}: {}", f.broker_name, f.error))
                    .collect::<Vec<_>>()
                    .join("; "),
            });
        }
        messages.sort_by(|a, b| {
            (a.dead_lettered, &a.row.broker_name, &a.row.queue_offset).cmp(&(
                b.dead_lettered,
                &b.row.broker_name,
                &b.row.queue_offset,
            ))
        });
        let truncated = messages.len() > limit as usize;
        messages.truncate(limit as usize);
        Ok(DlqBrowse {
            group: group.to_owned(),
            dlq_topic: topic,
            messages,
            truncated,
            scanned: Count(scanned),
            failed_brokers,
            elapsed_ms: start.elapsed().as_secs_f64() * 1000.0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_original_topic_comes_from_retry_topic_then_the_5x_property() {
        let mut m = crate::message::tests_support::view("%DLQ%g");
        assert_eq!(original_topic(&m), None);
        m.properties.insert("DLQ_ORIGIN_TOPIC".into(), "orders".into());
        assert_eq!(original_topic(&m).as_deref(), Some("orders"));
        m.properties.insert("RETRY_TOPIC".into(), " billing ".into());
        assert_eq!(original_topic(&m).as_deref(), Some("billing"));
        m.properties.insert("ORIGIN_MESSAGE_ID".into(), "C0A8".into());
        m.reconsume_times = 3;
        let d = dlq_message(m, "broker-a");
        assert_eq!((d.origin_msg_id.as_deref(), d.reconsume_times), (Some("C0A8"), 3));
        assert_eq!(d.row.broker_name, "broker-a");
    }
}
