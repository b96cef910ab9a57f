//! Long-running, cancellable jobs that stream progress.
//!
//! A job is started with a [`JobSink`] (the Tauri shell wraps an IPC channel in one; the CLI prints),
//! gets a [`JobId`] at once, and runs on the Tokio runtime. It reports [`JobEvent::Progress`] and
//! [`JobEvent::Batch`] as it goes and exactly one [`JobEvent::Finished`]. [`JobRegistry::cancel`]
//! trips the job's [`CancellationToken`]; the job observes it at its next await point.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::error::{Error, ErrorCode, Result};
use crate::model::Count;

/// Identifies a running job.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, serde::Deserialize, specta::Type)]
#[serde(transparent)]
pub struct JobId(pub String);

/// How a job ended; `S` is the job's summary (one type per kind of job).
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(tag = "status", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum JobOutcome<S> {
    Completed { summary: S },
    Cancelled { done: Count },
    Failed { code: ErrorCode, message: String },
}

/// One event of a job's stream; `I` is the kind of item its batches carry, `S` its summary.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum JobEvent<I, S> {
    Started {
        job_id: JobId,
        title: String,
    },
    Progress {
        done: Count,
        total: Option<Count>,
        note: Option<String>,
    },
    Batch {
        items: Vec<I>,
    },
    Finished {
        outcome: JobOutcome<S>,
    },
}

/// For jobs that stream no items, or never complete (the live tail only ends by being cancelled).
#[derive(Debug, Clone, Copy, Serialize, specta::Type)]
pub enum Nothing {}

/// Where a job's events go. It returns whether the event was delivered: a job whose receiver is
/// gone (its window closed, its channel failed) is cancelled.
pub type JobSink<I, S> = Arc<dyn Fn(JobEvent<I, S>) -> bool + Send + Sync>;

/// Handed to the job's body: report progress, emit results, watch for cancellation.
pub struct JobContext<I, S> {
    pub id: JobId,
    token: CancellationToken,
    sink: JobSink<I, S>,
    done: Arc<std::sync::atomic::AtomicU64>,
}

impl<I, S> Clone for JobContext<I, S> {
    fn clone(&self) -> Self {
        Self {
            id: self.id.clone(),
            token: self.token.clone(),
            sink: Arc::clone(&self.sink),
            done: Arc::clone(&self.done),
        }
    }
}

impl<I, S> std::fmt::Debug for JobContext<I, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobContext")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl<I, S> JobContext<I, S> {
    pub fn progress(&self, done: u64, total: Option<u64>, note: Option<String>) {
        self.done.store(done, std::sync::atomic::Ordering::Relaxed);
        self.emit(JobEvent::Progress {
            done: Count(done),
            total: total.map(Count),
            note,
        });
    }

    pub fn batch(&self, items: Vec<I>) {
        self.emit(JobEvent::Batch { items });
    }

    fn emit(&self, event: JobEvent<I, S>) {
        if !(self.sink)(event) && !self.token.is_cancelled() {
            tracing::info!(job = %self.id.0, "job's receiver is gone: cancelling the job");
            self.token.cancel();
        }
    }

    pub fn is_cancelled(&self) -> bool {
        self.token.is_cancelled()
    }

    /// `Err(Cancelled)` once the job was cancelled: use with `?` between steps.
    pub fn check(&self) -> Result<()> {
        if self.token.is_cancelled() {
            Err(Error::Cancelled)
        } else {
            Ok(())
        }
    }

    /// Resolves when the job is cancelled (for `tokio::select!`).
    pub async fn cancelled(&self) {
        self.token.cancelled().await;
    }
}

/// The running jobs.
#[derive(Clone, Default)]
pub struct JobRegistry {
    running: Arc<Mutex<HashMap<JobId, CancellationToken>>>,
}

impl std::fmt::Debug for JobRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobRegistry").finish_non_exhaustive()
    }
}

impl JobRegistry {
    /// Starts `body` as a job and returns its id at once. Cancelling drops the body at its next
    /// await point: for reads (scans, lookups), where stopping anywhere is safe.
    pub fn start<I, S, F, Fut>(&self, title: &str, sink: JobSink<I, S>, body: F) -> JobId
    where
        I: Send + 'static,
        S: Send + 'static,
        F: FnOnce(JobContext<I, S>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<S>> + Send + 'static,
    {
        self.spawn(title, sink, body, true)
    }

    /// Starts `body` as a job that is never dropped midway: cancelling only trips its token, which
    /// the body checks between steps ([`JobContext::is_cancelled`]) and then returns
    /// `Err(Cancelled)` or its partial summary. For mutations, where a step stopped halfway (a group
    /// reset without its read-back and journal entry) would hide what changed.
    pub fn start_cooperative<I, S, F, Fut>(&self, title: &str, sink: JobSink<I, S>, body: F) -> JobId
    where
        I: Send + 'static,
        S: Send + 'static,
        F: FnOnce(JobContext<I, S>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<S>> + Send + 'static,
    {
        self.spawn(title, sink, body, false)
    }

    fn spawn<I, S, F, Fut>(&self, title: &str, sink: JobSink<I, S>, body: F, preemptive: bool) -> JobId
    where
        I: Send + 'static,
        S: Send + 'static,
        F: FnOnce(JobContext<I, S>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<S>> + Send + 'static,
    {
        let id = JobId(uuid::Uuid::new_v4().to_string());
        let token = CancellationToken::new();
        if let Ok(mut running) = self.running.lock() {
            running.insert(id.clone(), token.clone());
        }
        let ctx = JobContext {
            id: id.clone(),
            token,
            sink: Arc::clone(&sink),
            done: Arc::default(),
        };
        ctx.emit(JobEvent::Started {
            job_id: id.clone(),
            title: title.to_owned(),
        });
        let running = Arc::clone(&self.running);
        let job_id = id.clone();
        tokio::spawn(async move {
            let done = Arc::clone(&ctx.done);
            let token = ctx.token.clone();
            let result = if preemptive {
                tokio::select! {
                    r = body(ctx) => r,
                    () = token.cancelled() => Err(Error::Cancelled),
                }
            } else {
                body(ctx).await
            };
            let outcome = match result {
                Ok(summary) => JobOutcome::Completed { summary },
                Err(Error::Cancelled) => JobOutcome::Cancelled {
                    done: Count(done.load(std::sync::atomic::Ordering::Relaxed)),
                },
                Err(e) => {
                    tracing::warn!(job = %job_id.0, error = ?e, "job failed");
                    JobOutcome::Failed {
                        code: e.code(),
                        message: e.to_string(),
                    }
                }
            };
            if let Ok(mut r) = running.lock() {
                r.remove(&job_id);
            }
            if !sink(JobEvent::Finished { outcome }) {
                tracing::debug!(job = %job_id.0, "job finished after its receiver was gone");
            }
        });
        id
    }

    /// Cancels a running job; false when no such job runs (finished already, or unknown).
    pub fn cancel(&self, id: &JobId) -> bool {
        let token = self.running.lock().ok().and_then(|r| r.get(id).cloned());
        token.map(|t| t.cancel()).is_some()
    }

    /// Cancels every running job (on shutdown).
    pub fn cancel_all(&self) {
        if let Ok(r) = self.running.lock() {
            r.values().for_each(CancellationToken::cancel);
        }
    }

    pub fn running_count(&self) -> usize {
        self.running.lock().map(|r| r.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    type Events = Arc<Mutex<Vec<JobEvent<u64, u64>>>>;

    fn collecting_sink() -> (JobSink<u64, u64>, Events) {
        let events = Arc::new(Mutex::new(Vec::new()));
        let e2 = Arc::clone(&events);
        (
            Arc::new(move |e| {
                e2.lock().unwrap().push(e);
                true
            }),
            events,
        )
    }

    async fn finished(events: &Events) -> JobOutcome<u64> {
        for _ in 0..200 {
            if let Some(JobEvent::Finished { outcome }) = events.lock().unwrap().last() {
                return outcome.clone();
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("job did not finish");
    }

    #[tokio::test]
    async fn a_job_streams_progress_and_completes() {
        let jobs = JobRegistry::default();
        let (sink, events) = collecting_sink();
        jobs.start("count", sink, |ctx| async move {
            for i in 1..=3 {
                ctx.progress(i, Some(3), None);
                ctx.batch(vec![i]);
            }
            Ok(3)
        });
        let outcome = finished(&events).await;
        assert!(matches!(outcome, JobOutcome::Completed { .. }));
        let ev = events.lock().unwrap();
        assert!(matches!(ev[0], JobEvent::Started { .. }));
        assert_eq!(
            ev.iter()
                .filter(|e| matches!(e, JobEvent::Progress { .. }))
                .count(),
            3
        );
        assert_eq!(jobs.running_count(), 0);
    }

    #[tokio::test]
    async fn cancel_stops_a_job_promptly_and_reports_how_far_it_got() {
        let jobs = JobRegistry::default();
        let (sink, events) = collecting_sink();
        let id = jobs.start("forever", sink, |ctx| async move {
            let mut i = 0;
            loop {
                i += 1;
                ctx.progress(i, None, None);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        });
        tokio::time::sleep(Duration::from_millis(40)).await;
        assert!(jobs.cancel(&id));
        let JobOutcome::Cancelled { done } = finished(&events).await else {
            panic!("not cancelled")
        };
        assert!(done.0 >= 1);
        assert!(!jobs.cancel(&id), "a finished job cannot be cancelled again");
    }

    #[tokio::test]
    async fn a_cooperative_job_finishes_its_step_before_it_stops() {
        let jobs = JobRegistry::default();
        let (sink, events) = collecting_sink();
        let steps = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let started = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let (s2, b2) = (Arc::clone(&steps), Arc::clone(&started));
        let id = jobs.start_cooperative("steps", sink, move |ctx| async move {
            let mut i = 0;
            while !ctx.is_cancelled() {
                b2.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                // A step that must not be cut in two.
                tokio::time::sleep(Duration::from_millis(30)).await;
                i += 1;
                s2.store(i, std::sync::atomic::Ordering::SeqCst);
                ctx.progress(i, None, None);
            }
            Err(Error::Cancelled)
        });
        tokio::time::sleep(Duration::from_millis(45)).await;
        assert!(jobs.cancel(&id));
        let JobOutcome::Cancelled { done } = finished(&events).await else {
            panic!("not cancelled")
        };
        let (steps, started) = (
            steps.load(std::sync::atomic::Ordering::SeqCst),
            started.load(std::sync::atomic::Ordering::SeqCst),
        );
        assert!(steps >= 1);
        assert_eq!(started, steps, "the step under way when cancelled completed");
        assert_eq!(done.0, steps);
    }

    #[tokio::test]
    async fn a_failing_job_reports_its_error_code() {
        let jobs = JobRegistry::default();
        let (sink, events) = collecting_sink();
        jobs.start("fail", sink, |_ctx| async move { Err(Error::validation("bad")) });
        let JobOutcome::Failed { code, message } = finished(&events).await else {
            panic!()
        };
        assert_eq!(code, ErrorCode::Validation);
        assert_eq!(message, "bad");
    }

    #[tokio::test]
    async fn a_job_whose_receiver_is_gone_is_cancelled() {
        let jobs = JobRegistry::default();
        let delivered = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let d2 = Arc::clone(&delivered);
        // The receiver takes the first three events (Started and two progress reports), then fails.
        let sink: JobSink<u64, u64> =
            Arc::new(move |_| d2.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < 3);
        let id = jobs.start_cooperative("orphan", sink, |ctx| async move {
            let mut i = 0;
            while !ctx.is_cancelled() {
                i += 1;
                ctx.progress(i, None, None);
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            Err(Error::Cancelled)
        });
        for _ in 0..200 {
            if jobs.running_count() == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(jobs.running_count(), 0, "the orphaned job stopped");
        assert!(!jobs.cancel(&id));
        assert!(delivered.load(std::sync::atomic::Ordering::SeqCst) <= 6);
    }
}
