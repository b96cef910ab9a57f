//! Dead letters against real clusters (Apache RocketMQ 5.x and 4.9.x): the official Java client
//! drives N messages of a fresh group into `%DLQ%<group>`; the overview counts exactly N with
//! plausible store times and the group's retry backlog, as `mqadmin topicStatus` does; a DLQ topic
//! made write-only (as brokers up to 4.9.1 created them) is reported unreadable and given read
//! permission again through the topic form's plan (the preview) and apply, journaled once.

#![recursion_limit = "512"]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failure is a failed test"
)]

mod support;

use std::io::BufRead as _;

use rmq_console_core::Console;
use rmq_console_core::dlq::DlqOverview;
use rmq_console_core::model::{ConnectionId, Millis, Offset};
use rmq_console_core::safety::Confirmation;
use rmq_console_core::topic::admin::TopicSpec;
use support::{
    cluster, connect, console, java_helper, mqadmin, mqadmin_create_topic, on_big_stack, uuid_like,
};

/// Runs `DeadLetters … fail`: COUNT messages straight into `%DLQ%GROUP`; their (unique id, key).
pub fn dead_letters(
    flavour: &str,
    ns: &str,
    topic: &str,
    group: &str,
    count: usize,
) -> Vec<(String, String)> {
    let (mut child, _classes) = java_helper(
        flavour,
        "DeadLetters",
        &[ns, topic, group, &count.to_string(), "fail"],
    );
    let stdout = child.stdout.take().unwrap();
    let mut sent = Vec::new();
    let mut done = false;
    for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
        let f: Vec<&str> = line.split(' ').collect();
        match f.as_slice() {
            ["sent", id, key] => sent.push(((*id).to_owned(), (*key).to_owned())),
            ["done"] => done = true,
            _ => {}
        }
    }
    let status = child.wait().unwrap();
    assert!(done && status.success(), "DeadLetters ended with {status}");
    assert_eq!(sent.len(), count);
    sent
}

async fn overview_until(
    c: &Console,
    id: &ConnectionId,
    dlq: &str,
    ready: impl Fn(&DlqOverview) -> bool,
) -> DlqOverview {
    let mut last = None;
    for _ in 0..40 {
        let o = c.dlq_overview(id).await.unwrap();
        if ready(&o) {
            return o;
        }
        last = Some(o);
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    panic!("{dlq} never as expected: {last:#?}");
}

/// A fresh topic and group on a harness cluster, `n` of its messages dead-lettered, and a console
/// connected that counts them in the overview.
struct Dead {
    ns: String,
    topic: String,
    group: String,
    dlq: String,
    sent: Vec<(String, String)>,
    c: Console,
    id: ConnectionId,
}

async fn dead(flavour: &'static str, name: &str, cluster_name: &str, prefix: &str, n: usize) -> Dead {
    let ns = cluster(flavour, name, false);
    let topic = format!("{prefix}-{}", uuid_like());
    let group = format!("{prefix}-cg-{}", uuid_like());
    let dlq = format!("%DLQ%{group}");
    mqadmin_create_topic(name, cluster_name, &topic, &[]);
    let sent = tokio::task::spawn_blocking({
        let (ns, topic, group) = (ns.clone(), topic.clone(), group.clone());
        move || dead_letters(flavour, &ns, &topic, &group, n)
    })
    .await
    .unwrap();
    let c = console().await;
    let id = connect(&c, &ns, None).await;
    overview_until(&c, &id, &dlq, |o| {
        o.rows
            .iter()
            .any(|r| r.dlq_topic == dlq && r.messages == Offset(n as i64))
    })
    .await;
    Dead {
        ns,
        topic,
        group,
        dlq,
        sent,
        c,
        id,
    }
}

async fn overview_and_permission_fix(flavour: &'static str, name: &'static str, cluster_name: &'static str) {
    let before = Millis::now().0;
    let Dead {
        group, dlq, c, id, ..
    } = dead(flavour, name, cluster_name, "dlq", 5).await;

    let o = overview_until(&c, &id, &dlq, |o| {
        o.rows
            .iter()
            .any(|r| r.dlq_topic == dlq && r.messages == Offset(5))
    })
    .await;
    let r = o.rows.iter().find(|r| r.dlq_topic == dlq).unwrap();
    assert_eq!(r.group, group);
    assert!(r.readable, "{r:?}");
    assert_eq!(r.perm, "RW");
    let (oldest, newest) = (r.oldest.unwrap(), r.newest.unwrap());
    assert!(oldest <= newest && oldest >= Millis(before - 60_000), "{r:?}");
    assert!(newest <= Millis::now(), "{r:?}");
    assert!(r.error.is_none(), "{r:?}");
    // Nothing waits in the retry topic: every message went straight to the DLQ.
    assert!(r.retry_backlog.is_none_or(|b| b == Offset(0)), "{r:?}");
    // Cross-checked with the official tool: the DLQ topic's queues hold 5 messages in all.
    let status = mqadmin(name, &["topicStatus", "-t", &dlq]);
    let stored: i64 = status
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            // #Broker Name  #QID  #Min Offset  #Max Offset  #Last Updated
            (f.len() >= 4)
                .then(|| Some(f[3].parse::<i64>().ok()? - f[2].parse::<i64>().ok()?))
                .flatten()
        })
        .sum();
    assert_eq!(stored, 5, "{status}");

    // Made write-only, as brokers up to 4.9.1 created DLQ topics: reported unreadable.
    for broker in &r.brokers {
        let addr = support::broker_addr(name, &broker.replace('-', "_"));
        mqadmin(name, &["updateTopicPerm", "-t", &dlq, "-p", "2", "-b", &addr]);
    }
    let o = overview_until(&c, &id, &dlq, |o| {
        o.rows.iter().any(|r| r.dlq_topic == dlq && !r.readable)
    })
    .await;
    let r = o.rows.iter().find(|r| r.dlq_topic == dlq).unwrap();
    assert_eq!(r.perm, "W");

    // The fix, as the screen's Fix… does it: the topic form's plan with read and write, then apply.
    let spec = TopicSpec {
        name: dlq.clone(),
        clusters: vec![],
        brokers: r.brokers.clone(),
        read_queues: 1,
        write_queues: 1,
        perm: 6,
        message_type: None,
        order: false,
    };
    let plan = c.topic_plan_upsert(&id, &spec).await.unwrap();
    assert!(
        plan.changes.iter().any(|ch| ch.field == "perm"
            && ch.before.as_deref() == Some("W")
            && ch.after.as_deref() == Some("RW")),
        "{plan:#?}"
    );
    let entry = c
        .topic_upsert(
            &id,
            &spec,
            &Confirmation {
                typed: plan.confirm_text.clone(),
                acknowledged: true,
            },
        )
        .await
        .unwrap();
    assert_eq!(entry.target, dlq);
    let o = overview_until(&c, &id, &dlq, |o| {
        o.rows.iter().any(|r| r.dlq_topic == dlq && r.readable)
    })
    .await;
    assert_eq!(
        o.rows.iter().find(|r| r.dlq_topic == dlq).unwrap().messages,
        Offset(5)
    );
    // A DLQ topic is still not something the form creates.
    let fresh = TopicSpec {
        name: format!("%DLQ%never-{}", uuid_like()),
        ..spec
    };
    let e = c.topic_plan_upsert(&id, &fresh).await.unwrap_err();
    assert_eq!(e.code(), rmq_console_core::ErrorCode::Validation, "{e}");
    c.shutdown().await;
}

#[test]
fn overview_and_permission_fix_on_java5() {
    on_big_stack(|| overview_and_permission_fix("java5", "java5", "java5-cluster"));
}

#[test]
fn overview_and_permission_fix_on_java4() {
    on_big_stack(|| overview_and_permission_fix("java4", "java4", "java4-cluster"));
}

/// What a drain consumer received: per delivery (unique id, keys, tags, origin, n, replay source).
struct Got {
    keys: String,
    tags: String,
    origin: String,
    n: String,
    source: String,
}

/// Runs `DeadLetters … drain`: consumes TOPIC with GROUP until EXPECT deliveries, then QUIET
/// seconds more; every delivery.
fn drain(flavour: &str, ns: &str, topic: &str, group: &str, expect: usize, quiet: u32) -> Vec<Got> {
    let (mut child, _classes) = java_helper(
        flavour,
        "DeadLetters",
        &[ns, topic, group, &expect.to_string(), "drain", &quiet.to_string()],
    );
    let stdout = child.stdout.take().unwrap();
    let mut got = Vec::new();
    let mut done = false;
    for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
        let f: Vec<&str> = line.split(' ').collect();
        match f.as_slice() {
            ["got", _id, keys, tags, origin, n, source] => got.push(Got {
                keys: (*keys).to_owned(),
                tags: (*tags).to_owned(),
                origin: (*origin).to_owned(),
                n: (*n).to_owned(),
                source: (*source).to_owned(),
            }),
            ["done"] => done = true,
            _ => {}
        }
    }
    let status = child.wait().unwrap();
    assert!(
        done && status.success(),
        "the drain consumer ended with {status} after {} deliveries",
        got.len()
    );
    got
}

/// Every dead letter came back exactly once, with its keys, tag and user properties.
fn exactly_once(got: &[Got], sent: &[(String, String)]) {
    let sources: std::collections::BTreeSet<&str> = got.iter().map(|g| g.source.as_str()).collect();
    assert_eq!(got.len(), sent.len(), "deliveries");
    assert_eq!(
        sources.len(),
        sent.len(),
        "distinct dead letters (duplicates or lost)"
    );
    assert!(!sources.contains("-"), "every delivery carries the replay marker");
    let keys: std::collections::BTreeSet<&str> = got.iter().map(|g| g.keys.as_str()).collect();
    let want: std::collections::BTreeSet<&str> = sent.iter().map(|(_, k)| k.as_str()).collect();
    assert_eq!(keys, want, "original keys");
    assert!(
        got.iter().all(|g| g.tags == "TagDlq" && g.origin == "dlq-test"),
        "tag and user properties kept"
    );
    let ns: std::collections::BTreeSet<&str> = got.iter().map(|g| g.n.as_str()).collect();
    assert_eq!(ns.len(), sent.len());
}

fn all_of(group: &str) -> rmq_console_core::dlq::replay::ReplayRequest {
    rmq_console_core::dlq::replay::ReplayRequest {
        group: group.to_owned(),
        selection: rmq_console_core::dlq::replay::ReplaySelection::Matching {
            begin: None,
            end: None,
            filter: Default::default(),
        },
        target: rmq_console_core::dlq::replay::ReplayTarget::Original,
        rate: None,
    }
}

async fn replay_each_once(flavour: &'static str, name: &'static str, cluster_name: &'static str) {
    use rmq_console_core::dlq::replay::ReplayState;
    let n = 40;
    let Dead {
        ns,
        topic,
        group,
        sent,
        c,
        id,
        ..
    } = dead(flavour, name, cluster_name, "dlqr", n).await;

    // Browse: every dead letter with where it came from.
    let b = c
        .dlq_browse(
            &id,
            &rmq_console_core::dlq::browse::DlqBrowseRequest {
                group: group.clone(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(b.messages.len(), n);
    assert!(!b.truncated);
    assert!(
        b.messages
            .iter()
            .all(|m| m.original_topic.as_deref() == Some(topic.as_str())),
        "{:?}",
        b.messages[0]
    );
    assert!(
        b.messages
            .iter()
            .all(|m| m.origin_msg_id.is_some() && m.first_sent <= m.dead_lettered)
    );

    // The dry run: n to the original topic, nothing unresolved.
    let req = all_of(&group);
    let plan = c.dlq_plan_replay(&id, &req).await.unwrap();
    assert_eq!(plan.total, n as u32);
    assert_eq!(plan.targets.len(), 1);
    assert_eq!(
        (plan.targets[0].topic.as_str(), plan.targets[0].messages),
        (topic.as_str(), n as u32)
    );
    assert!(plan.unresolved.is_empty());

    // A read-only connection refuses it, journaled as refused.
    let ro = c
        .connection_create(&rmq_console_core::connection::ConnectionDraft {
            name: format!("ro-{}", uuid_like()),
            namesrv_addrs: ns.clone(),
            read_only: true,
            ..Default::default()
        })
        .await
        .unwrap();
    let (sink, _events) = support::collecting();
    let e = c
        .dlq_replay(&ro.id, &req, &acked(), sink)
        .await
        .expect_err("a read-only connection refuses a replay");
    assert_eq!(e.code(), rmq_console_core::ErrorCode::ReadOnly);

    // The replay.
    let (sink, events) = support::collecting();
    c.dlq_replay(&id, &req, &acked(), sink).await.unwrap();
    let summary = support::completed(support::finished(&events, 120).await.0);
    assert_eq!(summary.state, ReplayState::Done, "{summary:?}");
    assert_eq!(
        (summary.counts.sent, summary.counts.failed, summary.counts.pending),
        (n as u32, 0, 0)
    );
    let report = c.replay_report(&summary.replay_id).await.unwrap();
    assert_eq!(report.len(), n);
    assert!(
        report
            .iter()
            .all(|i| i.status.as_deref() == Some("SEND_OK") && i.new_offset_id.is_some())
    );
    // A finished replay cannot be resumed.
    let (sink, _e) = support::collecting();
    assert!(
        c.dlq_replay_resume(&id, &summary.replay_id, &acked(), sink)
            .await
            .is_err()
    );

    // The group, now succeeding, gets every dead letter back exactly once.
    let got = tokio::task::spawn_blocking({
        let (ns, topic, group) = (ns.clone(), topic.clone(), group.clone());
        move || drain(flavour, &ns, &topic, &group, n, 5)
    })
    .await
    .unwrap();
    exactly_once(&got, &sent);
    c.shutdown().await;
}

fn acked() -> Confirmation {
    Confirmation {
        typed: None,
        acknowledged: true,
    }
}

#[test]
fn replay_each_dead_letter_once_on_java5() {
    on_big_stack(|| replay_each_once("java5", "java5", "java5-cluster"));
}

#[test]
fn replay_each_dead_letter_once_on_java4() {
    on_big_stack(|| replay_each_once("java4", "java4", "java4-cluster"));
}

/// The CLI binary (built by the test command before these tests).
fn cli() -> std::path::PathBuf {
    if let Some(p) = std::env::var_os("RMQ_CLI") {
        return p.into();
    }
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"),
        std::path::PathBuf::from,
    );
    target.join("debug/rmq-console-cli")
}

fn cli_json(data: &std::path::Path, args: &[&str]) -> serde_json::Value {
    let out = std::process::Command::new(cli())
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .output()
        .expect("run rmq-console-cli (RMQ_CLI)");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The process running a replay is killed (SIGKILL) midway; the replay resumes from the journal
/// in a new process, and the group receives every dead letter exactly once.
#[test]
fn a_replay_killed_midway_resumes_without_loss_or_duplicate() {
    on_big_stack(|| async {
        let n = 60;
        let Dead {
            ns,
            topic,
            group,
            sent,
            c,
            ..
        } = dead("java5", "java5", "java5-cluster", "dlqk", n).await;
        c.shutdown().await;

        let data = tempfile::tempdir().unwrap();
        let out = std::process::Command::new(cli())
            .args([
                "connections",
                "save",
                "--name",
                "it",
                "--namesrv",
                &ns,
                "--data-dir",
            ])
            .arg(data.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        // 20 messages a second: killed after about 1.5 s, a third of the way.
        let mut child = std::process::Command::new(cli())
            .args([
                "dlq",
                "replay",
                "--connection",
                "it",
                "--group",
                &group,
                "--rate",
                "20",
                "--apply",
                "--data-dir",
            ])
            .arg(data.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        child.kill().unwrap();
        child.wait().unwrap();

        let replays = cli_json(data.path(), &["dlq", "replays", "--connection", "it"]);
        let r = &replays[0];
        assert_eq!(
            r["state"], "running",
            "the killed replay never got to record an end: {r}"
        );
        let sent_before = r["counts"]["sent"].as_u64().unwrap();
        assert!(sent_before > 0 && sent_before < n as u64, "killed midway: {r}");
        let replay_id = r["id"].as_str().unwrap().to_owned();

        let summary = cli_json(
            data.path(),
            &["dlq", "resume", "--connection", "it", "--replay", &replay_id],
        );
        assert_eq!(summary["state"], "done", "{summary}");
        assert_eq!(summary["counts"]["sent"], n as u64, "{summary}");

        let got = tokio::task::spawn_blocking({
            let (ns, topic, group) = (ns.clone(), topic.clone(), group.clone());
            move || drain("java5", &ns, &topic, &group, n, 5)
        })
        .await
        .unwrap();
        exactly_once(&got, &sent);
    });
}
