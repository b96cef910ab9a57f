//! Replaying dead letters: re-publishing copies of a group's dead letters to their original topic
//! (default), the group's retry topic or a chosen topic, with body, keys, tag and user properties
//! kept and replay markers added (`RMQ_CONSOLE_REPLAY_ID`, `RMQ_CONSOLE_REPLAY_SOURCE`: the dead
//! letter's offset id).
//!
//! Nothing is sent twice and nothing is lost, whatever stops the replay:
//! - every message is journaled (SQLite) with the unique key its copy will carry **before** any
//!   send, and marked `sending` before its send goes out;
//! - only `SEND_OK` counts as sent; another status (a flush or replica timeout) means stored, and
//!   is reported as such, never sent again; flow control (`Busy`) and a broker that could not be
//!   reached (nothing written) put the message back to pending, to go again (to another master
//!   when one is down);
//! - a send whose outcome is unknown (the broker died with the request written, the app was
//!   killed) stays `sending`: before it is ever sent again its copy is looked up in the target
//!   topic by that unique key (the brokers' unique-key index), and counted as sent when found.
//!
//! Cancelling pauses (the journal keeps the rest pending); a paused or interrupted replay resumes
//! from the journal ([`Console::dlq_replay_resume`]).

mod run;
mod select;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::DLQ_PREFIX;
use super::journal::{NewItem, ReplayItem};
use crate::audit::AuditOutcome;
use crate::console::Console;
use crate::error::{Error, Result};
use crate::jobs::{JobId, JobSink};
use crate::message::scan::ScanFilter;
use crate::message::{MessageView, new_uniq_id};
use crate::model::{ConnectionId, Count, Millis};
use crate::safety::{Attempt, ChangePlan, Confirmation};
use run::RunStats;
use select::replay_plan;

/// Property naming the replay a copy belongs to.
pub const REPLAY_ID_PROPERTY: &str = "RMQ_CONSOLE_REPLAY_ID";
/// Property naming the dead letter (its offset id in the DLQ) a copy was made from.
pub const REPLAY_SOURCE_PROPERTY: &str = "RMQ_CONSOLE_REPLAY_SOURCE";
/// Most messages one replay takes.
pub const MAX_REPLAY: usize = 100_000;
/// Messages journaled as `sending` and sent together.
pub(crate) const CHUNK: u32 = 256;
/// Sends (and dead-letter reads) in flight at once.
pub(crate) const CONCURRENCY: usize = 32;
/// A send left `sending` is looked up only once this long has passed since it was marked: a
/// request the broker received just before the interruption is stored (and indexed) by then.
pub(crate) const SETTLE: Duration = Duration::from_secs(3);
/// Bodies of the selected dead letters kept in memory for the first run (beyond this they are
/// read again one by one as they are sent).
const PREFETCH_BYTES: usize = 64 * 1024 * 1024;
/// Messages listed one by one in the preview.
pub(crate) const PREVIEW_ROWS: usize = 20;

/// Where the copies go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum ReplayTarget {
    /// Each message's original topic (its `RETRY_TOPIC` property).
    Original,
    /// The group's `%RETRY%` topic: the group's consumers get them again as retries.
    RetryTopic,
    /// A chosen topic: it must exist and not be a system, retry or dead-letter topic.
    Topic { topic: String },
}

/// Which dead letters.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum ReplaySelection {
    /// These dead letters (their offset ids in the DLQ).
    Messages { offset_msg_ids: Vec<String> },
    /// Every dead letter of the window that matches the filter.
    Matching {
        begin: Option<Millis>,
        end: Option<Millis>,
        #[serde(default)]
        filter: ScanFilter,
    },
}

/// A replay as the user asks for it.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ReplayRequest {
    pub group: String,
    pub selection: ReplaySelection,
    pub target: ReplayTarget,
    /// Messages per second at most; absent: as fast as the brokers take them.
    pub rate: Option<u32>,
}

/// How many copies go to one topic.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TargetCount {
    pub topic: String,
    pub messages: u32,
}

/// A dead letter that cannot be replayed, and why.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Unresolved {
    pub dlq_offset_id: String,
    pub dlq_msg_id: Option<String>,
    pub reason: String,
}

/// The dry run: what a replay would do.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ReplayPlan {
    pub plan: ChangePlan,
    pub dlq_topic: String,
    /// Dead letters selected.
    pub total: u32,
    pub targets: Vec<TargetCount>,
    pub unresolved: Vec<Unresolved>,
    pub rate: Option<u32>,
    /// At the rate asked for; absent when unlimited.
    pub estimated_ms: Option<f64>,
}

/// Where a replay stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum ReplayState {
    Running,
    /// Cancelled by the user: the rest is pending, to resume.
    Paused,
    /// Stopped by a failure (a broker down, the app closed): resume when it is back.
    Interrupted,
    Done,
    /// Given up by the user: never resumed.
    Discarded,
}

impl ReplayState {
    pub(crate) fn wire(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Paused => "paused",
            Self::Interrupted => "interrupted",
            Self::Done => "done",
            Self::Discarded => "discarded",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "running" => Self::Running,
            "paused" => Self::Paused,
            "interrupted" => Self::Interrupted,
            "done" => Self::Done,
            "discarded" => Self::Discarded,
            other => return Err(Error::internal(format!("replay state '{other}'"))),
        })
    }
}

/// How a replay run ended.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ReplaySummary {
    pub replay_id: String,
    pub state: ReplayState,
    pub counts: super::journal::ReplayCounts,
    /// Copies found already stored when the replay resumed (sent before an interruption).
    pub found_on_resume: u32,
    /// Sends refused by flow control and sent again.
    pub busy_retries: u32,
    pub elapsed_ms: f64,
    /// Messages settled per second in this run.
    pub per_second: f64,
    pub note: Option<String>,
    pub audit_id: Count,
}

/// A dead letter selected for a replay, with its target worked out.
pub(crate) struct Selected {
    pub(crate) view: MessageView,
    pub(crate) target: std::result::Result<String, String>,
}

impl Console {
    /// The dry run of a replay: how many, to where, which cannot be resolved and why, at what rate.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn dlq_plan_replay(&self, id: &ConnectionId, req: &ReplayRequest) -> Result<ReplayPlan> {
        let profile = self.connection_get(id).await?;
        if req.rate == Some(0) {
            return Err(Error::validation("A rate is at least 1 message per second."));
        }
        if let ReplayTarget::Topic { topic } = &req.target
            && topic.trim().is_empty()
        {
            return Err(Error::validation("Choose the topic to replay to."));
        }
        let (_, client) = self.client(id).await?;
        let (dlq_topic, selected, _) = self.replay_select(&client, req).await?;
        Ok(replay_plan(&profile, req, dlq_topic, &selected))
    }

    /// Starts a replay as a job: journals every message, then sends (see the module doc). Items
    /// stream as [`ReplayItem`]s when they settle; the summary ends the job.
    #[tracing::instrument(skip(self, sink), err(Debug))]
    pub async fn dlq_replay(
        &self,
        id: &ConnectionId,
        req: &ReplayRequest,
        confirmation: &Confirmation,
        sink: JobSink<ReplayItem, ReplaySummary>,
    ) -> Result<JobId> {
        let dlq_topic = format!("{DLQ_PREFIX}{}", req.group.trim());
        let params = serde_json::to_value(req).map_err(|e| Error::internal(e.to_string()))?;
        let pre = Attempt::new("dlq.replay", &dlq_topic, params, &[]);
        let (profile, attempt, (plan, selected)) = self
            .admit_planned(
                id,
                pre,
                confirmation,
                || async {
                    let (_, client) = self.client(id).await?;
                    let (dlq_topic, selected, _) = self.replay_select(&client, req).await?;
                    let profile = self.connection_get(id).await?;
                    Ok((replay_plan(&profile, req, dlq_topic, &selected), selected))
                },
                |p| &p.0.plan,
            )
            .await?;
        if plan.total == 0 {
            return Err(Error::validation("No dead letter matches: nothing to replay."));
        }
        let replay_id = uuid::Uuid::new_v4().to_string();
        let bytes: usize = selected.iter().map(|s| s.view.body_base64.len()).sum();
        let mut prefetched = HashMap::new();
        let items: Vec<NewItem> = selected
            .into_iter()
            .map(|s| {
                let item = NewItem {
                    dlq_offset_id: s.view.offset_msg_id.clone(),
                    dlq_msg_id: s.view.msg_id.clone(),
                    keys: (!s.view.keys.is_empty()).then(|| s.view.keys.join(" ")),
                    target: s.target,
                    new_msg_id: new_uniq_id(Millis::now()),
                };
                if bytes <= PREFETCH_BYTES {
                    prefetched.insert(s.view.offset_msg_id.clone(), s.view);
                }
                item
            })
            .collect();
        self.replay_create(
            &replay_id,
            id,
            req.group.trim(),
            &plan.dlq_topic,
            &req.target,
            req.rate,
            &items,
        )
        .await?;
        let title = format!("Replay {} dead letter(s) of {}", plan.total, req.group.trim());
        Ok(self.start_replay_job(&title, id.clone(), replay_id, profile, attempt, prefetched, sink))
    }

    /// Resumes a paused or interrupted replay from its journal.
    #[tracing::instrument(skip(self, sink), err(Debug))]
    pub async fn dlq_replay_resume(
        &self,
        id: &ConnectionId,
        replay_id: &str,
        confirmation: &Confirmation,
        sink: JobSink<ReplayItem, ReplaySummary>,
    ) -> Result<JobId> {
        let info = self.replay_get(replay_id).await?;
        if &info.connection_id != id {
            return Err(Error::not_found(format!("replay {replay_id} of this connection")));
        }
        let pre = Attempt::new(
            "dlq.replay.resume",
            &info.dlq_topic,
            serde_json::json!({ "replayId": replay_id, "pending": info.counts.pending, "sending": info.counts.sending }),
            &[],
        );
        let profile = self.admit(id, &pre, None, confirmation).await?;
        match info.state {
            ReplayState::Done => return Err(Error::validation("This replay is done: nothing left to send.")),
            ReplayState::Discarded => return Err(Error::validation("This replay was discarded.")),
            _ => {}
        }
        let title = format!(
            "Resume replay of {} ({} left)",
            info.group,
            info.counts.pending + info.counts.sending
        );
        Ok(self.start_replay_job(
            &title,
            id.clone(),
            replay_id.to_owned(),
            profile,
            pre,
            HashMap::new(),
            sink,
        ))
    }

    /// Gives a paused or interrupted replay up: it is never resumed (its report stays).
    pub async fn dlq_replay_discard(&self, id: &ConnectionId, replay_id: &str) -> Result<()> {
        let info = self.replay_get(replay_id).await?;
        if &info.connection_id != id {
            return Err(Error::not_found(format!("replay {replay_id} of this connection")));
        }
        if info.state == ReplayState::Running {
            return Err(Error::Conflict {
                message: "The replay is running: cancel it first.".into(),
            });
        }
        self.replay_set_state(replay_id, ReplayState::Discarded, Some("discarded by the user"))
            .await
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "what a replay job is made of, handed over once"
    )]
    fn start_replay_job(
        &self,
        title: &str,
        id: ConnectionId,
        replay_id: String,
        profile: crate::connection::ConnectionProfile,
        attempt: Attempt,
        prefetched: HashMap<String, MessageView>,
        sink: JobSink<ReplayItem, ReplaySummary>,
    ) -> JobId {
        let console = self.clone();
        self.jobs().start_cooperative(title, sink, move |ctx| async move {
            let started = Instant::now();
            let run = console.replay_run(&ctx, &id, &replay_id, &prefetched).await;
            let (state, note, stats) = match run {
                Ok((state, note, stats)) => (state, note, stats),
                Err(e) => (ReplayState::Interrupted, Some(e.summary()), RunStats::default()),
            };
            console
                .replay_set_state(&replay_id, state, note.as_deref())
                .await?;
            let info = console.replay_get(&replay_id).await?;
            let outcome = match state {
                ReplayState::Done
                    if info.counts.failed + info.counts.unresolvable + info.counts.stored_not_ok == 0 =>
                {
                    AuditOutcome::Ok
                }
                ReplayState::Done | ReplayState::Paused | ReplayState::Interrupted
                    if info.counts.sent > 0 =>
                {
                    AuditOutcome::Partial
                }
                _ => AuditOutcome::Failed,
            };
            let after = serde_json::json!({
                "replayId": replay_id,
                "jobId": ctx.id.0,
                "state": state.wire(),
                "counts": info.counts,
                "foundOnResume": stats.found_on_resume,
                "note": note,
            });
            let err = note
                .as_ref()
                .filter(|_| state != ReplayState::Done)
                .map(|n| Error::internal(n.clone()));
            let entry = console
                .journal(&profile, &attempt, None, Some(after), outcome, err.as_ref())
                .await?;
            console.topics_changed(&id);
            let elapsed = started.elapsed().as_secs_f64();
            Ok(ReplaySummary {
                replay_id,
                state,
                per_second: if elapsed > 0.0 {
                    f64::from(stats.settled) / elapsed
                } else {
                    0.0
                },
                counts: info.counts,
                found_on_resume: stats.found_on_resume,
                busy_retries: stats.busy_retries,
                elapsed_ms: elapsed * 1000.0,
                note,
                audit_id: entry.id,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_through_their_wire_names() {
        for s in [
            ReplayState::Running,
            ReplayState::Paused,
            ReplayState::Interrupted,
            ReplayState::Done,
            ReplayState::Discarded,
        ] {
            assert_eq!(ReplayState::parse(s.wire()).unwrap(), s);
        }
        assert!(ReplayState::parse("maybe").is_err());
    }
}
