//! `dlq …`: the dead-letter overview, a group's dead letters, and replays (a dry run unless
//! `--apply`; the same journal as the app, so a replay the CLI started resumes in either).

use std::sync::{Arc, Mutex};

use clap::Subcommand;
use rmq_console_core::dlq::browse::DlqBrowseRequest;
use rmq_console_core::dlq::replay::{ReplayRequest, ReplaySelection, ReplayTarget};
use rmq_console_core::jobs::{JobEvent, JobOutcome};
use rmq_console_core::safety::Confirmation;
use rmq_console_core::{Console, Error};

use super::{Target, with_console};

#[derive(Subcommand)]
pub enum DlqCmd {
    /// Every group with dead letters: counts, oldest/newest, readability, retry backlog.
    List {
        #[command(flatten)]
        target: Target,
    },
    /// A group's dead letters, oldest first, with their original topic and message id.
    Browse {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        group: String,
        #[arg(long)]
        limit: Option<u32>,
    },
    /// Replay a group's dead letters: a dry run unless --apply. Default target: each message's
    /// original topic.
    Replay {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        group: String,
        /// Only these dead letters (offset ids in the DLQ); default: all of them.
        #[arg(long, value_delimiter = ',')]
        ids: Vec<String>,
        /// Send to the group's retry topic instead.
        #[arg(long, conflicts_with = "to_topic")]
        retry: bool,
        /// Send to this topic instead.
        #[arg(long)]
        to_topic: Option<String>,
        /// Messages per second at most.
        #[arg(long)]
        rate: Option<u32>,
        /// Do it (otherwise only the dry run is printed).
        #[arg(long)]
        apply: bool,
    },
    /// Resume a paused or interrupted replay from the journal.
    Resume {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        replay: String,
    },
    /// The replays of the connection with their counts.
    Replays {
        #[command(flatten)]
        target: Target,
    },
    /// Every message of a replay with its outcome.
    Report {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        replay: String,
    },
}

/// Runs a replay job to its end, progress on stderr; the summary (or the failure) as the result.
async fn wait_job<F, Fut>(start: F) -> Result<serde_json::Value, Error>
where
    F: FnOnce(
        rmq_console_core::jobs::JobSink<
            rmq_console_core::dlq::journal::ReplayItem,
            rmq_console_core::dlq::replay::ReplaySummary,
        >,
    ) -> Fut,
    Fut: std::future::Future<Output = Result<rmq_console_core::jobs::JobId, Error>>,
{
    let (tx, rx) = tokio::sync::oneshot::channel();
    let tx = Arc::new(Mutex::new(Some(tx)));
    let sink = Arc::new(move |e: JobEvent<_, _>| {
        match e {
            JobEvent::Progress { done, total, note } => eprintln!(
                "progress {} / {} {}",
                done.0,
                total.map_or_else(|| "?".to_owned(), |t| t.0.to_string()),
                note.unwrap_or_default()
            ),
            JobEvent::Finished { outcome } => {
                if let Some(tx) = tx.lock().ok().and_then(|mut t| t.take()) {
                    let _ = tx.send(outcome);
                }
            }
            _ => {}
        }
        true
    });
    start(sink).await?;
    match rx
        .await
        .map_err(|_| Error::internal("the job ended without an outcome"))?
    {
        JobOutcome::Completed { summary } => {
            serde_json::to_value(summary).map_err(|e| Error::internal(e.to_string()))
        }
        JobOutcome::Cancelled { done } => Err(Error::internal(format!("cancelled after {}", done.0))),
        JobOutcome::Failed { message, .. } => Err(Error::internal(message)),
    }
}

async fn replay(
    c: Console,
    id: rmq_console_core::model::ConnectionId,
    req: ReplayRequest,
    apply: bool,
) -> Result<serde_json::Value, Error> {
    let plan = c.dlq_plan_replay(&id, &req).await?;
    if !apply {
        return serde_json::to_value(plan).map_err(|e| Error::internal(e.to_string()));
    }
    let confirmation = Confirmation {
        typed: plan.plan.confirm_text.clone(),
        acknowledged: true,
    };
    wait_job(|sink| async move { c.dlq_replay(&id, &req, &confirmation, sink).await }).await
}

pub async fn run(cmd: DlqCmd) -> Result<String, Error> {
    match cmd {
        DlqCmd::List { target } => {
            with_console(&target, |c, id| async move { c.dlq_overview(&id).await }).await
        }
        DlqCmd::Browse { target, group, limit } => {
            let req = DlqBrowseRequest {
                group,
                limit,
                ..Default::default()
            };
            with_console(&target, |c, id| async move { c.dlq_browse(&id, &req).await }).await
        }
        DlqCmd::Replay {
            target,
            group,
            ids,
            retry,
            to_topic,
            rate,
            apply,
        } => {
            let req = ReplayRequest {
                group,
                selection: if ids.is_empty() {
                    ReplaySelection::Matching {
                        begin: None,
                        end: None,
                        filter: Default::default(),
                    }
                } else {
                    ReplaySelection::Messages { offset_msg_ids: ids }
                },
                target: match (retry, to_topic) {
                    (true, _) => ReplayTarget::RetryTopic,
                    (false, Some(topic)) => ReplayTarget::Topic { topic },
                    (false, None) => ReplayTarget::Original,
                },
                rate,
            };
            with_console(&target, |c, id| replay(c, id, req, apply)).await
        }
        DlqCmd::Resume { target, replay } => {
            with_console(&target, |c, id| async move {
                let confirmation = Confirmation {
                    typed: None,
                    acknowledged: true,
                };
                wait_job(|sink| async move { c.dlq_replay_resume(&id, &replay, &confirmation, sink).await })
                    .await
            })
            .await
        }
        DlqCmd::Replays { target } => {
            with_console(&target, |c, id| async move { c.replay_list(&id).await }).await
        }
        DlqCmd::Report { target, replay } => {
            with_console(&target, |c, _| async move { c.replay_report(&replay).await }).await
        }
    }
}
