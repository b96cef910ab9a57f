//! Offset reset with a preview, a local snapshot and undo.
//!
//! Modes: to a timestamp, to the earliest or latest offset, to exact per-queue offsets, or copied from
//! another group. The preview computes every queue's new offset from fresh state (topic stats 202,
//! `SEARCH_OFFSET_BY_TIMESTAMP` 29, consume stats 208). Applying picks the path by who is online:
//! - **online** groups go through the broker so clients are told: on 5.x brokers (server-side reset)
//!   `INVOKE_BROKER_TO_RESET_OFFSET` (222) per queue with the exact previewed offset; on 4.x brokers 222
//!   per topic with a timestamp, which the broker turns into offsets and pushes to every client (exact
//!   offsets cannot be pushed there: refused, with the way out);
//! - **offline** groups by `UPDATE_CONSUMER_OFFSET` (15) per queue; a 5.x broker silently ignores it
//!   for a queue with a pending server-side reset ("Offset has been previously reset"), so that queue is
//!   set with 222 instead.
//!
//! Before anything is sent the previous offsets are saved as a snapshot in SQLite; afterwards every
//! queue is read back and compared, and the result says which queues took. Undo applies the snapshot
//! as exact offsets through the same path.

mod apply;
mod bulk;
mod mqadmin;
mod plan;
mod snapshot;

pub use bulk::{BulkGroupPlan, BulkGroupResult, BulkResetPlan, BulkResetRequest, BulkSummary};

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use crate::audit::AuditOutcome;
use crate::model::{ConnectionId, Count, Millis, Offset};
use crate::safety::{ChangePlan, Confirmation};
use crate::topic::BrokerFailure;

/// What a 5.x broker answers (with success) when it ignores an offset update.
const PREVIOUSLY_RESET: &str = "previously reset";

/// One queue and an offset.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct QueueOffset {
    pub topic: String,
    pub broker_name: String,
    pub queue_id: u32,
    pub offset: Offset,
}

/// Where to move the group's offsets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum ResetMode {
    /// Re-read everything still stored.
    Earliest,
    /// Skip the backlog.
    Latest,
    /// The first message stored at or after `at`.
    Timestamp { at: Millis },
    /// These offsets, queue by queue (queues not listed keep theirs).
    Exact { offsets: Vec<QueueOffset> },
    /// The offsets `group` has on the same queues.
    CopyFrom { group: String },
}

/// A reset as the user asks for it.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ResetRequest {
    pub group: String,
    /// One topic, or every topic the group consumes (its retry topic excluded) when absent.
    pub topic: Option<String>,
    pub mode: ResetMode,
}

/// How the offsets are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum ResetPath {
    /// Clients are online: through the broker, which tells them.
    Online,
    /// No client is online: offsets written per queue.
    Offline,
}

/// One queue of the preview.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct QueuePlan {
    pub topic: String,
    pub broker_name: String,
    pub queue_id: u32,
    pub min_offset: Offset,
    pub max_offset: Offset,
    /// The committed offset now; `-1` when there is none.
    pub current: Offset,
    pub target: Offset,
    /// Messages that will be consumed again (target below current).
    pub reread: Offset,
    /// Messages that will be skipped (target above current).
    pub skipped: Offset,
    /// Store time of the last consumed message (where the group is).
    pub current_time: Option<Millis>,
    /// Store time where the group will be, when known.
    pub target_time: Option<Millis>,
    pub note: Option<String>,
}

/// The preview of a reset.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct OffsetPlan {
    pub plan: ChangePlan,
    pub request: ResetRequest,
    pub topics: Vec<String>,
    pub path: ResetPath,
    pub online_clients: u32,
    pub queues: Vec<QueuePlan>,
    pub reread: Offset,
    pub skipped: Offset,
    pub failed_brokers: Vec<BrokerFailure>,
}

/// One queue of a reset's result.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct QueueResult {
    pub topic: String,
    pub broker_name: String,
    pub queue_id: u32,
    pub before: Offset,
    pub target: Offset,
    /// Read back after applying; absent when the broker did not answer.
    pub after: Option<Offset>,
    pub took: bool,
    pub error: Option<String>,
}

/// What a reset did.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ResetResult {
    pub outcome: AuditOutcome,
    pub path: ResetPath,
    /// The snapshot of the previous offsets (undo restores it).
    pub snapshot_id: Count,
    pub audit_id: Count,
    pub queues: Vec<QueueResult>,
    /// Brokers whose queues could not be reset at all.
    pub failed_brokers: Vec<BrokerFailure>,
    pub elapsed_ms: f64,
}

/// A saved snapshot of a group's offsets, taken before a reset.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct OffsetSnapshot {
    pub id: Count,
    pub connection_id: ConnectionId,
    pub group: String,
    pub at: Millis,
    /// The reset it preceded, e.g. `earliest on TopicA`.
    pub reason: String,
    pub offsets: Vec<QueueOffset>,
    pub restored_at: Option<Millis>,
}

/// The fresh state a plan is computed from.
/// How a reset was confirmed.
#[derive(Clone, Copy)]
enum Gate<'a> {
    /// The user's answer to this reset's own plan.
    Confirm(&'a Confirmation),
    /// One group of a bulk reset the user confirmed as a whole (the job's id).
    Bulk(&'a str),
}

struct Planned {
    plan: OffsetPlan,
    /// queue → the master's address.
    addr_of: HashMap<String, String>,
    /// Broker names with a 5.x server-side reset.
    server_side: BTreeSet<String>,
}

/// (topic, broker name, queue id).
type QueueKey = (String, String, u32);
/// A row of `offset_snapshot`.
type SnapshotRow = (i64, String, String, i64, String, String, Option<i64>);

fn queue_key(topic: &str, broker: &str, queue: u32) -> QueueKey {
    (topic.to_owned(), broker.to_owned(), queue)
}

fn scope_of(q: &QueuePlan) -> String {
    format!("{} · {} #{}", q.topic, q.broker_name, q.queue_id)
}

fn describe(mode: &ResetMode) -> String {
    match mode {
        ResetMode::Earliest => "to the earliest offset".into(),
        ResetMode::Latest => "to the latest offset (skip the backlog)".into(),
        ResetMode::Timestamp { at } => format!("to {}", crate::audit::iso8601(*at)),
        ResetMode::Exact { offsets } => format!("to exact offsets on {} queue(s)", offsets.len()),
        ResetMode::CopyFrom { group } => format!("to the offsets of group '{group}'"),
    }
}

#[cfg(test)]
mod tests {
    use super::apply::took;
    use super::mqadmin::mqadmin_lines;
    use super::*;

    fn q(current: i64, target: i64, max: i64) -> QueuePlan {
        QueuePlan {
            topic: "T".into(),
            broker_name: "b".into(),
            queue_id: 0,
            min_offset: Offset(0),
            max_offset: Offset(max),
            current: Offset(current),
            target: Offset(target),
            reread: Offset(0),
            skipped: Offset(0),
            current_time: None,
            target_time: None,
            note: None,
        }
    }

    #[test]
    fn a_reset_took_when_read_back_says_so() {
        // Offline: exactly the target.
        assert!(took(ResetPath::Offline, &q(10, 0, 10), Some(0)));
        assert!(!took(ResetPath::Offline, &q(10, 0, 10), Some(10)));
        assert!(!took(ResetPath::Offline, &q(10, 0, 10), None));
        // Online: consumers may have moved on from the target already.
        assert!(took(ResetPath::Online, &q(10, 0, 12), Some(4)));
        assert!(!took(ResetPath::Online, &q(10, 0, 12), Some(10)));
        assert!(took(ResetPath::Online, &q(2, 10, 12), Some(11)));
        assert!(!took(ResetPath::Online, &q(2, 10, 12), Some(5)));
    }

    #[test]
    fn mqadmin_lines_per_topic_or_per_queue() {
        let l = mqadmin_lines("127.0.0.1:9876", "g", &["T".into()], &ResetMode::Latest, &[]);
        assert_eq!(
            l,
            ["mqadmin resetOffsetByTime -n 127.0.0.1:9876 -g g -t T -s now -f true"]
        );
        let l = mqadmin_lines(
            "n",
            "g",
            &["T".into()],
            &ResetMode::CopyFrom { group: "h".into() },
            &[q(1, 5, 9), q(3, 3, 9)],
        );
        assert_eq!(l, ["mqadmin resetOffsetByTime -n n -g g -t T -b b -q 0 -o 5"]);
    }
}
