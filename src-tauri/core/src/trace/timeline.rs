//! A message's trace records arranged as a timeline: its sends, its store, then per consumer group
//! every attempt in order (SubBefore and SubAfter paired by request id), transaction ends and
//! recalls, with the latency of each hop and the total.

use std::collections::BTreeMap;

use serde::Serialize;

use super::record::{
    EndTransactionRecord, PubRecord, RecallRecord, SubAfterRecord, SubBeforeRecord, TraceRecord,
};
use crate::message::MessageView;
use crate::model::Millis;

/// A record and the client that wrote it (the trace message's born host: each client has its own
/// trace dispatcher, so every record of a trace message comes from that client).
#[derive(Debug, Clone)]
pub(crate) struct Sourced {
    pub(crate) record: TraceRecord,
    pub(crate) client: String,
}

/// A send, as the producer traced it.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SendHop {
    pub record: PubRecord,
    /// The producer's address (from the record, else the trace message's born host).
    pub client: String,
}

/// Where and when the broker stored the message (read from the message itself).
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct StoreHop {
    pub topic: String,
    pub store_host: String,
    pub offset_msg_id: String,
    pub queue_id: u32,
    pub queue_offset: crate::model::Offset,
    pub born_timestamp: Millis,
    pub store_timestamp: Millis,
    /// Store time minus born time (the producer's and the broker's clocks).
    pub latency_ms: Millis,
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum AttemptOutcome {
    Success,
    Failed,
    /// A SubBefore without its SubAfter: still running, the client died, or the record was lost.
    NoResult,
}

/// One delivery of the message to a consumer's listener.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Attempt {
    pub request_id: String,
    /// The consumer's address (the trace message's born host).
    pub client: Option<String>,
    /// Reconsume count at this attempt (0 on the first delivery).
    pub retry_times: u32,
    pub start: Option<Millis>,
    pub end: Option<Millis>,
    pub cost_ms: Option<Millis>,
    pub outcome: AttemptOutcome,
    /// How the listener returned (success, failed, threw an exception, timed out, returned null).
    pub result: Option<String>,
    /// Time since the previous hop: the store for the first attempt, the previous attempt's end
    /// for a retry (the retry delay).
    pub waited_ms: Option<Millis>,
}

/// One consumer group's attempts.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct GroupTrace {
    pub group: String,
    pub attempts: Vec<Attempt>,
    /// Whether some attempt succeeded.
    pub consumed: bool,
    /// From the first send's start to the end of the first successful attempt.
    pub total_ms: Option<Millis>,
}

/// Everything traced about one message.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct MessageTrace {
    pub msg_id: String,
    pub topic: Option<String>,
    pub keys: Option<String>,
    /// Each traced send (a retried send stores a copy and writes a record each time).
    pub sends: Vec<SendHop>,
    pub store: Option<StoreHop>,
    pub groups: Vec<GroupTrace>,
    pub transactions: Vec<EndTransactionRecord>,
    pub recalls: Vec<RecallRecord>,
    /// From the first send's start to the last group's first success.
    pub total_ms: Option<Millis>,
    /// What this trace lacks and why it may (no send record, no consume record, …).
    pub notes: Vec<String>,
}

/// Groups records by message id (in first-seen order) and builds each message's timeline.
pub(crate) fn timelines(records: Vec<Sourced>) -> Vec<MessageTrace> {
    let mut order: Vec<String> = Vec::new();
    let mut by_id: BTreeMap<String, Vec<Sourced>> = BTreeMap::new();
    for s in records {
        let Some(id) = s.record.msg_id().map(str::to_ascii_uppercase) else {
            continue;
        };
        let list = by_id.entry(id.clone()).or_default();
        if list.is_empty() {
            order.push(id);
        }
        // A trace message sent twice (its producer retried) repeats its records.
        if !list.iter().any(|x| x.record == s.record) {
            list.push(s);
        }
    }
    order
        .into_iter()
        .filter_map(|id| by_id.remove(&id).map(|recs| timeline(id, recs)))
        .collect()
}

/// The timeline of one message from its records.
pub(crate) fn timeline(msg_id: String, records: Vec<Sourced>) -> MessageTrace {
    let mut sends = Vec::new();
    let mut befores: Vec<(SubBeforeRecord, String)> = Vec::new();
    let mut afters: BTreeMap<String, (SubAfterRecord, String)> = BTreeMap::new();
    let mut transactions = Vec::new();
    let mut recalls = Vec::new();
    for Sourced { record, client } in records {
        match record {
            TraceRecord::Pub(p) => sends.push(SendHop {
                client: p.client_host.clone().unwrap_or(client),
                record: p,
            }),
            TraceRecord::SubBefore(b) => befores.push((b, client)),
            TraceRecord::SubAfter(a) => {
                afters.insert(a.request_id.clone(), (a, client));
            }
            TraceRecord::EndTransaction(e) => transactions.push(e),
            TraceRecord::Recall(r) => recalls.push(r),
            TraceRecord::Malformed { .. } => {}
        }
    }
    sends.sort_by_key(|s| s.record.timestamp);
    transactions.sort_by_key(|e| e.timestamp);
    recalls.sort_by_key(|r| r.timestamp);
    let mut groups: BTreeMap<String, Vec<Attempt>> = BTreeMap::new();
    for (b, client) in befores {
        let after = afters.remove(&b.request_id);
        let (cost_ms, success, result) = after.as_ref().map_or((None, None, None), |(a, _)| {
            (a.cost_ms, Some(a.success), a.result.clone())
        });
        let end = match (cost_ms, after.as_ref().and_then(|(a, _)| a.timestamp)) {
            (Some(c), _) => Some(Millis(b.timestamp.0 + c.0)),
            (None, t) => t,
        };
        groups.entry(b.group.clone()).or_default().push(Attempt {
            request_id: b.request_id,
            client: Some(client),
            retry_times: b.retry_times,
            start: Some(b.timestamp),
            end,
            cost_ms,
            outcome: outcome(success),
            result,
            waited_ms: None,
        });
    }
    // A SubAfter whose SubBefore is missing (lost, or in a trace message not found): listed under
    // its group when the record names it.
    for (a, client) in afters.into_values() {
        let group = a.group.clone().unwrap_or_else(|| "(unknown group)".into());
        groups.entry(group).or_default().push(Attempt {
            request_id: a.request_id,
            client: Some(client),
            retry_times: 0,
            start: None,
            end: a.timestamp,
            cost_ms: a.cost_ms,
            outcome: outcome(Some(a.success)),
            result: a.result,
            waited_ms: None,
        });
    }
    let first_send = sends.first().map(|s| s.record.timestamp.0);
    let groups: Vec<GroupTrace> = groups
        .into_iter()
        .map(|(group, attempts)| group_trace(group, attempts, first_send))
        .collect();
    let total_ms = groups.iter().filter_map(|g| g.total_ms).max();
    let first = sends.first();
    let mut t = MessageTrace {
        topic: first.map(|s| s.record.topic.clone()),
        keys: first.and_then(|s| s.record.keys.clone()),
        msg_id,
        sends,
        store: None,
        groups,
        transactions,
        recalls,
        total_ms,
        notes: Vec::new(),
    };
    t.notes = gaps(&t);
    t
}

fn outcome(success: Option<bool>) -> AttemptOutcome {
    match success {
        Some(true) => AttemptOutcome::Success,
        Some(false) => AttemptOutcome::Failed,
        None => AttemptOutcome::NoResult,
    }
}

/// Orders a group's attempts and fills in the waits between them.
fn group_trace(group: String, mut attempts: Vec<Attempt>, first_send: Option<i64>) -> GroupTrace {
    attempts.sort_by_key(|a| (a.start.or(a.end), a.retry_times));
    let mut prev_end: Option<i64> = None;
    for a in &mut attempts {
        if let (Some(start), Some(prev)) = (a.start, prev_end) {
            a.waited_ms = Some(Millis(start.0 - prev));
        }
        prev_end = a.end.map(|e| e.0).or(prev_end);
    }
    let first_success = attempts
        .iter()
        .find(|a| a.outcome == AttemptOutcome::Success)
        .and_then(|a| a.end);
    GroupTrace {
        consumed: first_success.is_some() || attempts.iter().any(|a| a.outcome == AttemptOutcome::Success),
        total_ms: first_success.zip(first_send).map(|(e, s)| Millis(e.0 - s)),
        group,
        attempts,
    }
}

/// Adds the stored message: the store hop, and each group's first wait measured from it.
pub(crate) fn with_store(t: &mut MessageTrace, m: &MessageView) {
    t.store = Some(StoreHop {
        topic: m.topic.clone(),
        store_host: m.store_host.clone(),
        offset_msg_id: m.offset_msg_id.clone(),
        queue_id: m.queue_id,
        queue_offset: m.queue_offset,
        born_timestamp: m.born_timestamp,
        store_timestamp: m.store_timestamp,
        latency_ms: Millis(m.store_timestamp.0 - m.born_timestamp.0),
    });
    if t.topic.is_none() {
        t.topic = Some(m.topic.clone());
    }
    for g in &mut t.groups {
        if let Some(a) = g.attempts.first_mut()
            && let Some(start) = a.start
        {
            a.waited_ms = Some(Millis(start.0 - m.store_timestamp.0));
        }
    }
    t.notes = gaps(t);
}

/// What the trace lacks, and the likely reason.
fn gaps(t: &MessageTrace) -> Vec<String> {
    let mut notes = Vec::new();
    if t.sends.is_empty() {
        notes.push(
            "No send record: the producer does not trace (the Java client's enableMsgTrace, the \
             rocketmq-rust client's trace flag), or writes to another trace topic."
                .into(),
        );
    }
    if t.groups.is_empty() {
        notes.push(
            "No consume record: no group has consumed it yet, or its consumers do not trace (5.x gRPC \
             clients trace with OpenTelemetry, not to the trace topic)."
                .into(),
        );
    }
    for g in &t.groups {
        if g.attempts.iter().any(|a| a.start.is_none()) {
            notes.push(format!(
                "{}: a result without its start record (the SubBefore record is missing).",
                g.group
            ));
        }
        if let Some(last) = g.attempts.last()
            && !g.consumed
            && last.outcome == AttemptOutcome::Failed
        {
            notes.push(format!(
                "{}: every attempt failed so far ({}); after the group's maximum reconsume times the \
                 message goes to %DLQ%{}.",
                g.group,
                g.attempts.len(),
                g.group
            ));
        }
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::super::record::decode;
    use super::*;

    const ID: &str = "7F0000010B5C18B4AAC21C5F3C2A0000";

    fn src(body: &str, client: &str) -> Vec<Sourced> {
        decode(body)
            .into_iter()
            .map(|record| Sourced {
                record,
                client: client.into(),
            })
            .collect()
    }

    fn rec(fields: &[&str]) -> String {
        let mut s = fields.join("\u{1}");
        s.push('\u{2}');
        s
    }

    #[test]
    fn a_message_that_failed_once_then_succeeded() {
        let mut all = src(
            &rec(&[
                "Pub",
                "1000",
                "r",
                "pg",
                "orders",
                ID,
                "TagA",
                "k1",
                "127.0.0.1:10911",
                "5",
                "3",
                "0",
                "OFF",
                "true",
            ]),
            "127.0.0.1:40001",
        );
        // Two consumer trace messages from the same client, out of order, one repeated.
        let second = rec(&["SubBefore", "12010", "r", "cg", "req-2", ID, "1", "k1"])
            + &rec(&["SubAfter", "req-2", ID, "4", "true", "k1", "0", "12014"]);
        all.extend(src(&second, "127.0.0.1:50002"));
        let first = rec(&["SubBefore", "1010", "r", "cg", "req-1", ID, "0", "k1"])
            + &rec(&["SubAfter", "req-1", ID, "6", "false", "k1", "4", "1016"]);
        all.extend(src(&first, "127.0.0.1:50002"));
        all.extend(src(&first, "127.0.0.1:50002"));
        // Another message's record in the same batch.
        all.extend(src(
            &rec(&["SubBefore", "1011", "r", "cg", "req-1", "OTHER", "0", ""]),
            "127.0.0.1:50002",
        ));
        let ts = timelines(all);
        assert_eq!(ts.len(), 2);
        let t = &ts[0];
        assert_eq!(t.msg_id, ID);
        assert_eq!(
            (t.topic.as_deref(), t.keys.as_deref()),
            (Some("orders"), Some("k1"))
        );
        assert_eq!(t.sends.len(), 1);
        assert_eq!(t.sends[0].client, "127.0.0.1:40001");
        let g = &t.groups[0];
        assert_eq!(g.group, "cg");
        assert_eq!(g.attempts.len(), 2, "the repeated trace message counts once");
        let (a, b) = (&g.attempts[0], &g.attempts[1]);
        assert_eq!(
            (a.retry_times, a.outcome.clone(), a.end),
            (0, AttemptOutcome::Failed, Some(Millis(1016)))
        );
        assert_eq!(a.result.as_deref(), Some("failed"));
        assert_eq!(
            (b.retry_times, b.outcome.clone(), b.waited_ms),
            (1, AttemptOutcome::Success, Some(Millis(10_994)))
        );
        assert!(g.consumed);
        assert_eq!(g.total_ms, Some(Millis(12_014 - 1000)));
        assert_eq!(t.total_ms, Some(Millis(11_014)));
        assert!(t.notes.is_empty(), "{:?}", t.notes);
    }

    #[test]
    fn missing_records_are_explained() {
        let t = timeline(
            ID.into(),
            src(
                &(rec(&["SubBefore", "10", "r", "cg", "req-1", ID, "3", ""])
                    + &rec(&["SubAfter", "req-1", ID, "2", "false", "", "2"])),
                "c",
            ),
        );
        assert!(
            t.notes.iter().any(|n| n.starts_with("No send record")),
            "{:?}",
            t.notes
        );
        assert!(t.notes.iter().any(|n| n.contains("%DLQ%cg")), "{:?}", t.notes);
        let t = timeline(
            ID.into(),
            src(
                &rec(&[
                    "Pub", "1", "r", "pg", "t", ID, "", "", "h", "1", "1", "0", "O", "true",
                ]),
                "c",
            ),
        );
        assert!(
            t.notes.iter().any(|n| n.starts_with("No consume record")),
            "{:?}",
            t.notes
        );
        assert_eq!(t.total_ms, None);
    }
}
