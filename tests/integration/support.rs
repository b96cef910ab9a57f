//! Helpers shared by the real-cluster integration tests: starting harness clusters, running the
//! official mqadmin against them, and a console with an in-memory store.

#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use rmq_console_core::Console;
use rmq_console_core::connection::ConnectionDraft;
use rmq_console_core::jobs::{JobEvent, JobOutcome, JobSink};
use rmq_console_core::secrets::Secrets;
use rmq_console_core::store::Store;
use rocketmq_client_rust::{ClientRuntime, ClientRuntimeConfig, TelemetryHandle};

pub fn harness() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/cluster")
}

/// Starts (or reuses) a cluster and returns its name-server address.
pub fn cluster(flavour: &str, name: &str, acl: bool) -> String {
    let mut cmd = Command::new(harness());
    cmd.args(["start", flavour, name]);
    if acl {
        cmd.arg("--acl");
    }
    let out = cmd.output().expect("run tests/cluster");
    assert!(
        out.status.success(),
        "cluster start failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Runs the official mqadmin against a harness cluster and returns its stdout.
pub fn mqadmin(name: &str, args: &[&str]) -> String {
    let out = Command::new(harness())
        .arg("mqadmin")
        .arg(name)
        .args(args)
        .output()
        .expect("run mqadmin");
    assert!(
        out.status.success(),
        "mqadmin failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

pub async fn console() -> Console {
    Console::with_parts(
        Store::in_memory().await.unwrap(),
        Secrets::session_only("integration test"),
    )
    .unwrap()
}

pub async fn connect(
    c: &Console,
    namesrv: &str,
    acl: Option<(&str, &str)>,
) -> rmq_console_core::model::ConnectionId {
    let draft = ConnectionDraft {
        name: format!("it-{}", uuid_like()),
        namesrv_addrs: namesrv.to_owned(),
        access_key: acl.map(|a| a.0.to_owned()),
        secret_key: acl.map(|a| a.1.to_owned()),
        ..Default::default()
    };
    c.connection_create(&draft).await.unwrap().id
}

pub fn uuid_like() -> String {
    format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}

/// Creates a topic with the official mqadmin (the console's own create comes with the audit journal).
pub fn mqadmin_create_topic(name: &str, cluster_name: &str, topic: &str, extra: &[&str]) {
    let mut args = vec![
        "updateTopic",
        "-c",
        cluster_name,
        "-t",
        topic,
        "-r",
        "4",
        "-w",
        "4",
    ];
    args.extend_from_slice(extra);
    mqadmin(name, &args);
}

/// Topic names `mqadmin topicList` prints (one per line).
pub fn mqadmin_topics(name: &str) -> BTreeSet<String> {
    mqadmin(name, &["topicList"])
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.contains(' ') && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

pub fn broker_addr(name: &str, key: &str) -> String {
    let out = Command::new(harness()).args(["env", name]).output().unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix(&format!("BROKER_{key}=")).map(str::to_owned))
        .unwrap()
}

/// Sends `count` messages with the official mqadmin.
pub fn mqadmin_send(name: &str, topic: &str, count: usize) {
    for i in 0..count {
        mqadmin(name, &["sendMessage", "-t", topic, "-p", &format!("detail-{i}")]);
    }
}

/// Compiles `tests/harness/java/CLASS.java` against FLAVOUR's official jars and starts it with ARGS,
/// stdin and stdout piped. The temp dir holds the class and the JVM's home; keep it until the child
/// is gone.
pub fn java_helper(flavour: &str, class: &str, args: &[&str]) -> (std::process::Child, tempfile::TempDir) {
    let out = Command::new(harness())
        .args(["classpath", flavour])
        .output()
        .unwrap();
    let cp = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../tests/harness/java/{class}.java"));
    let javac = Command::new("javac")
        .args(["-nowarn", "-cp", &cp, "-d"])
        .arg(dir.path())
        .arg(&src)
        .output()
        .unwrap();
    assert!(
        javac.status.success(),
        "{}",
        String::from_utf8_lossy(&javac.stderr)
    );
    let child = Command::new("java")
        .args(["-Xmx128m", "-Djava.net.preferIPv4Stack=true"])
        .arg(format!("-Duser.home={}", dir.path().display()))
        .arg("-cp")
        .arg(format!("{cp}:{}", dir.path().display()))
        .arg(class)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    (child, dir)
}

/// Runs a test's future on its own runtime, on a thread with room for it (debug-built futures of
/// these scenarios overflow the default test thread's stack).
pub fn on_big_stack<F, Fut>(make: F)
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()>,
{
    // RUST_LOG=rocketmq_client_rust=debug shows the consumer's side when a scenario hangs.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    std::thread::Builder::new()
        .stack_size(32 << 20)
        .spawn(move || {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap()
                .block_on(make());
        })
        .unwrap()
        .join()
        .unwrap();
}

/// The client runtime of the test clients (the rocketmq-rust push consumer), one per test process
/// and never dropped (dropping a Tokio runtime inside another one panics).
pub fn client_runtime() -> std::sync::Arc<ClientRuntime> {
    static RUNTIME: std::sync::OnceLock<std::sync::Arc<ClientRuntime>> = std::sync::OnceLock::new();
    std::sync::Arc::clone(RUNTIME.get_or_init(|| {
        let owner = rocketmq_runtime::RuntimeOwner::plan(rocketmq_runtime::RuntimeConfig {
            worker_threads: 2,
            thread_name: "rmq-test-client".to_owned(),
            ..Default::default()
        })
        .unwrap()
        .build()
        .unwrap();
        let runtime = ClientRuntime::try_new(
            owner.root_context().component("test-clients"),
            ClientRuntimeConfig::default(),
            TelemetryHandle::noop(),
        )
        .unwrap();
        std::mem::forget(owner);
        runtime
    }))
}

/// Every event a job sent, kept by [`collecting`].
pub type Events<I, S> = std::sync::Arc<std::sync::Mutex<Vec<JobEvent<I, S>>>>;

/// A job sink that keeps every event.
pub fn collecting<I: Send + 'static, S: Send + 'static>() -> (JobSink<I, S>, Events<I, S>) {
    let events: Events<I, S> = std::sync::Arc::default();
    let kept = std::sync::Arc::clone(&events);
    (
        std::sync::Arc::new(move |e| {
            kept.lock().unwrap().push(e);
            true
        }),
        events,
    )
}

/// Every batch item sent so far, as the UI receives it (JSON).
pub fn batch_items<I: serde::Serialize, S>(events: &Events<I, S>) -> Vec<serde_json::Value> {
    events
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            JobEvent::Batch { items } => Some(items.iter().map(|i| serde_json::to_value(i).unwrap())),
            _ => None,
        })
        .flatten()
        .collect()
}

/// Waits up to `secs` for the job's end; returns its outcome and every batch item (as JSON).
pub async fn finished<I: serde::Serialize, S: Clone>(
    events: &Events<I, S>,
    secs: u64,
) -> (JobOutcome<S>, Vec<serde_json::Value>) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        let outcome = match events.lock().unwrap().last() {
            Some(JobEvent::Finished { outcome }) => Some(outcome.clone()),
            _ => None,
        };
        if let Some(outcome) = outcome {
            return (outcome, batch_items(events));
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the job did not finish in {secs} s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// The summary of a job that completed (panics on any other end).
pub fn completed<S: std::fmt::Debug>(outcome: JobOutcome<S>) -> S {
    match outcome {
        JobOutcome::Completed { summary } => summary,
        other => panic!("the job did not complete: {other:?}"),
    }
}
