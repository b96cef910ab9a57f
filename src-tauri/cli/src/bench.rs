//! Benchmark: the same operations through the console core and through the official Java admin
//! client (`DefaultMQAdminExt`, warm, in one JVM) on the same cluster in the same run. Prints a
//! table of medians and the ratio ours / Java (below 1 = we are faster).
//!
//! usage: rmq-bench --namesrv ADDR [--iterations N]
//!                  [--ops cluster-overview,topic-list,topic-detail,group-list,group-lag,group-lag-wide,group-activity,group-detail,offset-reset,
//!                         key-lookup,scan,raw-pull,export,trace-lookup,dlq-replay]
//!                  [--trace-id ID] [--dlq-group GROUP]
//!                  [--detail-topic NAME] [--detail-group NAME] [--msg-topic NAME --msg-key KEY --body-filter TEXT]
//!                  --java-classpath 'lib/*'
//!
//! The message rows: `key-lookup` (every message of --msg-topic with --msg-key), `scan` (the whole
//! of --scan-topic with a body-substring filter, as messages/s), `raw-pull` (the same topic pulled
//! end to end without decoding: the physical limit), `export` (the first --export-count messages
//! of --scan-topic to a JSON file). Scan, raw-pull and export run --heavy-iterations times.
//! `trace-lookup` reads the trace of --trace-id (the Java side: mqadmin's queryMsgTraceById way);
//! `dlq-replay` replays every dead letter of --dlq-group to its original topic (no Java
//! counterpart re-publishes dead letters) and counts lost and duplicated copies.
//! `group-lag` is the list with lag (offset tables and topic max offsets); `group-activity` adds
//! TPS and last consume time (a consume-stats call per group and topic); `group-lag-wide` reads it
//! the Java admin client's way (the broker-wide consume stats). All three are compared with the
//! Java client's `group-lag` (the broker-wide call, which carries TPS and times too).

#![recursion_limit = "512"]

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use clap::Parser;
use rmq_console_core::connection::ConnectionDraft;
use rmq_console_core::group::offset::{ResetMode, ResetRequest};
use rmq_console_core::group::{GroupListOptions, StatsSource};
use rmq_console_core::model::ConnectionId;
use rmq_console_core::safety::Confirmation;
use rmq_console_core::secrets::Secrets;
use rmq_console_core::store::Store;
use rmq_console_core::{Console, Error};

#[derive(Parser)]
#[command(
    name = "rmq-bench",
    about = "Console core vs the Java admin client, same cluster, same run"
)]
struct Args {
    #[arg(long)]
    namesrv: String,
    #[arg(long, default_value_t = 50)]
    iterations: usize,
    /// Classpath of the official RocketMQ tools (e.g. from `tests/cluster classpath java5`).
    #[arg(long)]
    java_classpath: Option<String>,
    /// Operations to run, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "cluster-overview")]
    ops: Vec<String>,
    /// The topic `topic-detail` reads (e.g. a 16-queue topic).
    #[arg(long, default_value = "BenchDetail16")]
    detail_topic: String,
    /// The group `group-detail` reads and `offset-reset` resets (on `--detail-topic`).
    #[arg(long, default_value = "BenchG00000")]
    detail_group: String,
    /// The topic and key `key-lookup` searches.
    #[arg(long, default_value = "BenchKey")]
    msg_topic: String,
    #[arg(long, default_value = "bench-key")]
    msg_key: String,
    /// The topic `scan`, `raw-pull` and `export` read end to end.
    #[arg(long, default_value = "BenchScan")]
    scan_topic: String,
    /// The body substring `scan` filters on.
    #[arg(long, default_value = "scan-424242 ")]
    body_filter: String,
    #[arg(long, default_value_t = 100_000)]
    export_count: u32,
    /// The message whose trace `trace-lookup` reads (a unique key).
    #[arg(long)]
    trace_id: Option<String>,
    /// The group whose dead letters `dlq-replay` replays (all of them, to their original topic).
    #[arg(long, default_value = "bench-dlq")]
    dlq_group: String,
    /// Iterations of the heavy operations (scan, raw-pull, export).
    #[arg(long, default_value_t = 3)]
    heavy_iterations: usize,
}

/// Runs a job to its end; returns its summary.
async fn job_summary<I, S, F, Fut>(start: F) -> Result<S, Error>
where
    I: Send + 'static,
    S: Send + std::fmt::Debug + 'static,
    F: FnOnce(rmq_console_core::jobs::JobSink<I, S>) -> Fut,
    Fut: std::future::Future<Output = Result<rmq_console_core::jobs::JobId, Error>>,
{
    use rmq_console_core::jobs::{JobEvent, JobOutcome};
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let sink: rmq_console_core::jobs::JobSink<I, S> = std::sync::Arc::new(move |e| {
        if let JobEvent::Finished { outcome } = e {
            let _ = tx.send(outcome);
        }
        true
    });
    start(sink).await?;
    match rx.recv().await {
        Some(JobOutcome::Completed { summary }) => Ok(summary),
        Some(other) => Err(Error::internal(format!("job ended {other:?}"))),
        None => Err(Error::internal("job vanished")),
    }
}

fn heavy(op: &str) -> bool {
    matches!(op, "scan" | "raw-pull" | "export" | "dlq-replay")
}

/// What an operation returned, for the row label (e.g. how many topics were listed).
struct Run {
    op: String,
    samples: Vec<f64>,
    note: String,
}

fn median(samples: &mut [f64]) -> f64 {
    samples.sort_by(f64::total_cmp);
    let n = samples.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        samples[n / 2]
    } else {
        (samples[n / 2 - 1] + samples[n / 2]) / 2.0
    }
}

async fn ours(args: &Args) -> Result<Vec<Run>, Error> {
    let console = Console::with_parts(Store::in_memory().await?, Secrets::session_only("bench"))?;
    let draft = ConnectionDraft {
        name: "bench".into(),
        namesrv_addrs: args.namesrv.clone(),
        ..Default::default()
    };
    let id = console.connection_create(&draft).await?.id;
    let mut out = Vec::new();
    let export_dir = tempfile::tempdir().map_err(|e| Error::internal(e.to_string()))?;
    for op in &args.ops {
        out.push(measure(&console, &id, args, op, export_dir.path()).await?);
    }
    console.shutdown().await;
    Ok(out)
}

/// Runs `op` through the console: warm-up runs, then the timed ones.
async fn measure(
    console: &Console,
    id: &ConnectionId,
    args: &Args,
    op: &str,
    export_dir: &Path,
) -> Result<Run, Error> {
    let (warmup, iterations) = if heavy(op) {
        (1, args.heavy_iterations)
    } else {
        ((args.iterations / 5).max(3), args.iterations)
    };
    let mut samples = Vec::with_capacity(iterations);
    let mut note = String::new();
    for i in 0..warmup + iterations {
        let t = Instant::now();
        note = run_once(console, id, args, op, i, export_dir).await?;
        if i >= warmup {
            samples.push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    Ok(Run {
        op: op.to_owned(),
        samples,
        note,
    })
}

/// Runs `op` once (`i`-th run); returns its note.
async fn run_once(
    console: &Console,
    id: &ConnectionId,
    args: &Args,
    op: &str,
    i: usize,
    export_dir: &Path,
) -> Result<String, Error> {
    Ok(match op {
        "cluster-overview" => {
            console.cluster_overview(id).await?;
            String::new()
        }
        "topic-list" => {
            let l = console.topic_list(id).await?;
            format!("{} topics", l.topics.len())
        }
        "topic-detail" => {
            let d = console.topic_detail(id, &args.detail_topic).await?;
            format!("{} queues", d.queues.len())
        }
        "group-list" | "group-lag" | "group-lag-wide" | "group-activity" => {
            group_list(console, id, op).await?
        }
        "group-detail" => {
            let d = console.group_detail(id, &args.detail_group).await?;
            format!("{} queues", d.queues.len())
        }
        "offset-reset" => offset_reset(console, id, args, i).await?,
        "key-lookup" => key_lookup(console, id, args).await?,
        "scan" => scan(console, id, args).await?,
        "raw-pull" => {
            let (_, client) = console.client(id).await?;
            let t = Instant::now();
            let n = rmq_console_core::message::scan::pull_baseline(&client, &args.scan_topic).await?;
            format!(
                "{n} messages, {:.0} messages/s",
                n as f64 / t.elapsed().as_secs_f64()
            )
        }
        "export" => export(console, id, args, &export_dir.join(format!("export-{i}.json"))).await?,
        "trace-lookup" => {
            let q = rmq_console_core::trace::TraceQuery {
                msg_id: args.trace_id.clone(),
                ..Default::default()
            };
            let t = console.message_trace(id, &q).await?;
            format!("{} records", t.records)
        }
        "dlq-replay" => dlq_replay(console, id, args).await?,
        other => return Err(Error::validation(format!("unknown operation {other}"))),
    })
}

/// Replays every dead letter of the bench group to its original topic; the note says how many
/// per second, and how many copies the target topic gained beyond or below that (duplicated,
/// lost), counted from its queues' max offsets before and after.
async fn dlq_replay(console: &Console, id: &ConnectionId, args: &Args) -> Result<String, Error> {
    use rmq_console_core::dlq::replay::{ReplayRequest, ReplaySelection, ReplayTarget};
    let req = ReplayRequest {
        group: args.dlq_group.clone(),
        selection: ReplaySelection::Matching {
            begin: None,
            end: None,
            filter: Default::default(),
        },
        target: ReplayTarget::Original,
        rate: None,
    };
    let plan = console.dlq_plan_replay(id, &req).await?;
    let Some(target) = plan.targets.first().map(|t| t.topic.clone()) else {
        return Err(Error::validation(format!(
            "group {} has no dead letter to replay",
            args.dlq_group
        )));
    };
    let stored =
        |d: rmq_console_core::topic::TopicDetail| d.queues.iter().map(|q| q.max_offset.0).sum::<i64>();
    let before = stored(console.topic_detail(id, &target).await?);
    let confirmation = Confirmation {
        typed: plan.plan.confirm_text.clone(),
        acknowledged: true,
    };
    let t = Instant::now();
    let s: rmq_console_core::dlq::replay::ReplaySummary =
        job_summary(|sink| async move { console.dlq_replay(id, &req, &confirmation, sink).await }).await?;
    let secs = t.elapsed().as_secs_f64();
    let gained = stored(console.topic_detail(id, &target).await?) - before;
    let sent = i64::from(s.counts.sent);
    Ok(format!(
        "{} messages, {:.0} messages/s, {} lost, {} duplicated",
        s.counts.total,
        f64::from(s.counts.sent) / secs,
        (sent - gained).max(0) + i64::from(s.counts.failed + s.counts.pending + s.counts.sending),
        (gained - sent).max(0)
    ))
}

/// The group list the way `op` reads it.
async fn group_list(console: &Console, id: &ConnectionId, op: &str) -> Result<String, Error> {
    let options = GroupListOptions {
        clients: op == "group-list",
        stats: if op == "group-lag-wide" {
            StatsSource::BrokerWide
        } else {
            StatsSource::OffsetTable
        },
        activity: op == "group-activity",
    };
    let l = console.group_list(id, options).await?;
    let known = l.groups.iter().filter(|g| g.lag.is_some()).count();
    let mut note = format!("{} groups, {known} with lag", l.groups.len());
    if !l.per_group_fallback.is_empty() {
        note.push_str(&format!(", per group on {}", l.per_group_fallback.join(" ")));
    }
    if op != "group-lag-wide" && !l.broker_wide.is_empty() {
        note.push_str(&format!(", broker-wide on {}", l.broker_wide.join(" ")));
    }
    Ok(note)
}

/// Resets the detail group's offsets on the detail topic (the `i`-th time).
async fn offset_reset(console: &Console, id: &ConnectionId, args: &Args, i: usize) -> Result<String, Error> {
    // Alternately to the earliest and the latest offset: every queue changes.
    let mode = if i.is_multiple_of(2) {
        ResetMode::Earliest
    } else {
        ResetMode::Latest
    };
    let request = ResetRequest {
        group: args.detail_group.clone(),
        topic: Some(args.detail_topic.clone()),
        mode,
    };
    let confirmation = Confirmation {
        typed: None,
        acknowledged: true,
    };
    let r = console.offset_reset(id, &request, &confirmation).await?;
    let took = r.queues.iter().filter(|q| q.took).count();
    Ok(format!(
        "{} queues, {took} took (preview, snapshot, read-back)",
        r.queues.len()
    ))
}

/// Every message of the message topic with the message key.
async fn key_lookup(console: &Console, id: &ConnectionId, args: &Args) -> Result<String, Error> {
    let q = rmq_console_core::message::query::KeyQuery {
        topic: args.msg_topic.clone(),
        key: args.msg_key.clone(),
        begin: Some(rmq_console_core::model::Millis(0)),
        end: None,
        limit: Some(1000),
    };
    let r = console.message_by_key(id, &q).await?;
    Ok(format!(
        "{} hits, {} requests, {} pages continued",
        r.rows.len(),
        r.requests,
        r.splits
    ))
}

/// Scans the whole scan topic with the body filter.
async fn scan(console: &Console, id: &ConnectionId, args: &Args) -> Result<String, Error> {
    let req = rmq_console_core::message::scan::ScanRequest {
        topic: args.scan_topic.clone(),
        begin: rmq_console_core::model::Millis(0),
        end: rmq_console_core::model::Millis::now(),
        filter: rmq_console_core::message::scan::ScanFilter {
            body_contains: Some(args.body_filter.clone()),
            ..Default::default()
        },
        limit: Some(1000),
        cursor: None,
    };
    let t = Instant::now();
    let v = job_summary(|sink| console.message_scan(id, &req, sink)).await?;
    let secs = t.elapsed().as_secs_f64();
    let scanned = v.scanned.0;
    Ok(format!(
        "{scanned} messages, {} matched, {:.0} messages/s",
        v.matched.0,
        scanned as f64 / secs
    ))
}

/// Exports the first messages of the scan topic to `path` as JSON, then removes the file.
async fn export(console: &Console, id: &ConnectionId, args: &Args, path: &Path) -> Result<String, Error> {
    let req = rmq_console_core::message::export::ExportRequest {
        source: rmq_console_core::message::export::ExportSource::Scan {
            request: Box::new(rmq_console_core::message::scan::ScanRequest {
                topic: args.scan_topic.clone(),
                begin: rmq_console_core::model::Millis(0),
                end: rmq_console_core::model::Millis::now(),
                filter: rmq_console_core::message::scan::ScanFilter::default(),
                limit: Some(args.export_count),
                cursor: None,
            }),
        },
        format: rmq_console_core::message::export::ExportFormat::Json,
        path: path.display().to_string(),
        overwrite: false,
    };
    let t = Instant::now();
    let v = job_summary(|sink| console.message_export(id, &req, sink)).await?;
    let written = v.written.0;
    let note = format!(
        "{written} messages, {:.1} MB JSON, {:.0} messages/s",
        v.bytes.0 as f64 / 1e6,
        written as f64 / t.elapsed().as_secs_f64()
    );
    let _ = std::fs::remove_file(path);
    Ok(note)
}

/// Compiles and runs tests/bench/JavaAdminBench.java; returns samples per operation.
fn java(args: &Args, classpath: &str) -> Result<Vec<(String, Vec<f64>, String)>, String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/bench/JavaAdminBench.java");
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let javac = Command::new("javac")
        .args(["-nowarn", "-cp", classpath, "-d"])
        .arg(dir.path())
        .arg(&src)
        .output()
        .map_err(|e| format!("javac: {e}"))?;
    if !javac.status.success() {
        return Err(format!(
            "javac failed: {}",
            String::from_utf8_lossy(&javac.stderr)
        ));
    }
    let cp = format!("{classpath}:{}", dir.path().display());
    let home = dir.path().join("home");
    let run = Command::new("java")
        .args([
            "-Xms256m",
            "-Xmx512m",
            "-Dlogback.statusListenerClass=ch.qos.logback.core.status.NopStatusListener",
        ])
        .arg(format!("-Dbench.group={}", args.detail_group))
        .arg(format!("-Dbench.msgTopic={}", args.msg_topic))
        .arg(format!("-Dbench.msgKey={}", args.msg_key))
        .arg(format!("-Dbench.scanTopic={}", args.scan_topic))
        .arg(format!("-Dbench.bodyFilter={}", args.body_filter))
        .arg(format!(
            "-Dbench.traceId={}",
            args.trace_id.as_deref().unwrap_or("")
        ))
        .arg(format!("-Dbench.heavyIterations={}", args.heavy_iterations))
        .arg(format!("-Duser.home={}", home.display()))
        .args([
            "-cp",
            &cp,
            "JavaAdminBench",
            &args.namesrv,
            &args.iterations.to_string(),
            &args.detail_topic,
        ])
        // The Java side has no raw pull loop (ours is the baseline), no export, and one way to
        // read the group list.
        .args(args.ops.iter().filter(|o| {
            !matches!(
                o.as_str(),
                "raw-pull" | "export" | "group-lag-wide" | "group-activity" | "dlq-replay"
            )
        }))
        .output()
        .map_err(|e| format!("java: {e}"))?;
    if !run.status.success() {
        return Err(format!("java failed: {}", String::from_utf8_lossy(&run.stderr)));
    }
    let mut out = Vec::new();
    for line in String::from_utf8_lossy(&run.stdout)
        .lines()
        .filter(|l| l.starts_with('{'))
    {
        let v: serde_json::Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
        let op = v["op"].as_str().unwrap_or_default().to_owned();
        let samples = v["samplesMs"]
            .as_array()
            .map(|a| a.iter().filter_map(serde_json::Value::as_f64).collect());
        let note = v["note"].as_str().unwrap_or_default().to_owned();
        out.push((op, samples.unwrap_or_default(), note));
    }
    Ok(out)
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let ours = match rt.block_on(ours(&args)) {
        Ok(o) => o,
        Err(e) => {
            eprintln!(
                "our side failed: {} [{}] {}",
                e,
                e.code().as_str(),
                e.detail().unwrap_or_default()
            );
            return std::process::ExitCode::FAILURE;
        }
    };
    let theirs = match &args.java_classpath {
        Some(cp) => match java(&args, cp) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("Java side failed: {e}");
                return std::process::ExitCode::FAILURE;
            }
        },
        None => Vec::new(),
    };
    println!(
        "\nBenchmark against {} ({} iterations, medians)\n",
        args.namesrv, args.iterations
    );
    println!("| operation | ours (median) | Java admin (median) | ratio ours/Java |");
    println!("|---|---:|---:|---:|");
    for Run {
        op,
        mut samples,
        note,
    } in ours
    {
        let m = median(&mut samples);
        let label = if note.is_empty() {
            op.clone()
        } else {
            format!("{op} ({note})")
        };
        let java_op = match op.as_str() {
            "group-lag-wide" | "group-activity" => "group-lag",
            other => other,
        };
        let java = theirs
            .iter()
            .find(|(o, _, _)| o == java_op)
            .map(|(_, s, n)| (median(&mut s.clone()), n.clone()));
        match java {
            Some((j, n)) if !n.is_empty() => {
                println!("| {label}; Java: {n} | {m:.2} ms | {j:.2} ms | {:.2} |", m / j);
            }
            Some((j, _)) => println!("| {label} | {m:.2} ms | {j:.2} ms | {:.2} |", m / j),
            None => println!("| {label} | {m:.2} ms | — | — |"),
        }
    }
    std::process::ExitCode::SUCCESS
}
