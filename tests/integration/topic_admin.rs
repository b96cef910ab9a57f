//! Topic mutations and message send against real clusters (Apache RocketMQ 5.x and 4.9.x, and the
//! rocketmq-rust broker): create each type the version supports, update, list, detail, send with
//! properties and a binary body, read it back, delete — each cross-checked with the official
//! `mqadmin topicList` / `topicRoute` / `topicStatus` — plus the read-only refusal and the rule that
//! every mutation writes exactly one audit entry.

#![recursion_limit = "512"]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failure is a failed test"
)]

use std::collections::BTreeMap;
use std::time::Duration;

use base64::Engine as _;
use rmq_console_core::audit::{AuditFilter, AuditOutcome};
use rmq_console_core::connection::ConnectionDraft;
use rmq_console_core::message::{MessageBody, SendRequest};
use rmq_console_core::model::ConnectionId;
use rmq_console_core::producer::ProducerQuery;
use rmq_console_core::safety::Confirmation;
use rmq_console_core::topic::TopicType;
use rmq_console_core::topic::admin::{TopicMessageType, TopicSpec};
use rmq_console_core::{Console, ErrorCode};

mod support;
use support::{cluster, connect, console, mqadmin, mqadmin_topics, uuid_like};

fn spec(
    name: &str,
    cluster_name: &str,
    queues: u32,
    message_type: Option<TopicMessageType>,
    order: bool,
) -> TopicSpec {
    TopicSpec {
        name: name.to_owned(),
        clusters: vec![cluster_name.to_owned()],
        brokers: vec![],
        read_queues: queues,
        write_queues: queues,
        perm: 6,
        message_type,
        order,
    }
}

/// `mqadmin topicRoute` as (broker name, read queues, write queues, perm) per broker.
fn mqadmin_route(name: &str, topic: &str) -> BTreeMap<String, (u64, u64, u64)> {
    let text = mqadmin(name, &["topicRoute", "-t", topic]);
    let start = text
        .find('{')
        .unwrap_or_else(|| panic!("no JSON in topicRoute output:\n{text}"));
    // fastjson writes broker ids as bare numeric keys (`{0:"127.0.0.1:10911"}`).
    let json = rmq_console_core::remoting::quote_numeric_keys(&text[start..]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
    v["queueDatas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            (
                q["brokerName"].as_str().unwrap().to_owned(),
                (
                    q["readQueueNums"].as_u64().unwrap(),
                    q["writeQueueNums"].as_u64().unwrap(),
                    q["perm"].as_u64().unwrap(),
                ),
            )
        })
        .collect()
}

/// Sum of the `#Diff` column of `mqadmin consumerProgress -g G` over the rows of `topic` (4.9 and
/// 5.x print different columns; every column before `#Diff` holds one word).
fn progress_diff(text: &str, topic: &str) -> i64 {
    let header = text
        .lines()
        .find(|l| l.starts_with("#Topic"))
        .unwrap_or_else(|| panic!("no table in consumerProgress output:\n{text}"));
    let columns: Vec<&str> = header
        .split('#')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    let at = columns
        .iter()
        .position(|c| *c == "Diff")
        .unwrap_or_else(|| panic!("no #Diff column in {header}"));
    text.lines()
        .filter(|l| l.split_whitespace().next() == Some(topic))
        .map(|l| {
            l.split_whitespace()
                .nth(at)
                .and_then(|v| v.parse::<i64>().ok())
                .unwrap_or(0)
        })
        .sum()
}

/// Sum of the per-queue message counts (max − min offset) of `mqadmin topicStatus`.
fn mqadmin_stored(name: &str, topic: &str) -> i64 {
    mqadmin(name, &["topicStatus", "-t", topic])
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            Some(f.get(3)?.parse::<i64>().ok()? - f.get(2)?.parse::<i64>().ok()?)
        })
        .sum()
}

/// Polls `f` until it returns true (routes reach the name server asynchronously on some brokers).
async fn eventually(what: &str, mut f: impl AsyncFnMut() -> bool) {
    for _ in 0..40 {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn ok_entries(c: &Console, id: &ConnectionId, action: &str, target: &str) -> usize {
    c.audit_list(&AuditFilter {
        connection_id: Some(id.clone()),
        action: Some(action.to_owned()),
        outcome: Some(AuditOutcome::Ok),
        ..Default::default()
    })
    .await
    .unwrap()
    .iter()
    .filter(|e| e.target == target)
    .count()
}

/// Create → list → update → send → read back → detail → delete, for each `(type, order, expected)`.
async fn lifecycle(
    flavour: &str,
    name: &str,
    kinds: &[(Option<TopicMessageType>, bool, TopicType)],
    cross_status: bool,
) {
    let ns = cluster(flavour, name, false);
    let cluster_name = format!("{name}-cluster");
    let c = console().await;
    let id = connect(&c, &ns, None).await;
    let none = Confirmation::default();
    let stamp = uuid_like();
    for (i, (message_type, order, expected)) in kinds.iter().enumerate() {
        let topic = format!("ItAdmin{i}_{stamp}");
        let s = spec(&topic, &cluster_name, 4, *message_type, *order);

        // Preview: a create with the field changes and the mqadmin equivalent.
        let plan = c.topic_plan_upsert(&id, &s).await.unwrap();
        assert_eq!(plan.action, "topic.create", "{plan:?}");
        assert!(
            plan.changes
                .iter()
                .any(|ch| ch.field == "writeQueues" && ch.before.is_none())
        );
        assert!(
            plan.mqadmin[0].starts_with("mqadmin updateTopic"),
            "{:?}",
            plan.mqadmin
        );
        assert!(plan.refusal.is_none() && plan.confirm_text.is_none());

        let entry = c.topic_upsert(&id, &s, &none).await.unwrap();
        assert_eq!(entry.outcome, AuditOutcome::Ok, "{entry:?}");
        assert!(entry.before.is_none() && entry.after.is_some(), "{entry:?}");
        assert_eq!(ok_entries(&c, &id, "topic.create", &topic).await, 1);

        // Listed, typed, and the official tool sees the same route.
        eventually("the new topic in the list", async || {
            c.topic_list(&id)
                .await
                .unwrap()
                .topics
                .iter()
                .any(|t| t.name == topic)
        })
        .await;
        let listing = c.topic_list(&id).await.unwrap();
        let row = listing.topics.iter().find(|t| t.name == topic).unwrap();
        assert_eq!(row.topic_type, *expected, "{row:?}");
        let route = mqadmin_route(name, &topic);
        assert!(
            !route.is_empty() && route.values().all(|r| *r == (4, 4, 6)),
            "{route:?}"
        );
        assert_eq!(row.brokers.len(), route.len());

        // Grow the queues: an update with before → after, one more audit entry.
        let grown = spec(&topic, &cluster_name, 8, *message_type, *order);
        let plan = c.topic_plan_upsert(&id, &grown).await.unwrap();
        assert_eq!(plan.action, "topic.update");
        assert!(
            plan.changes.iter().any(|ch| ch.field == "writeQueues"
                && ch.before.as_deref() == Some("4")
                && ch.after.as_deref() == Some("8")),
            "{:?}",
            plan.changes
        );
        let entry = c.topic_upsert(&id, &grown, &none).await.unwrap();
        assert!(entry.before.is_some() && entry.after.is_some());
        eventually("the grown route", async || {
            mqadmin_route(name, &topic).values().all(|r| *r == (8, 8, 6))
        })
        .await;
        // Shrinking back needs the warning acknowledged: refused (and journaled) without it.
        let err = c.topic_upsert(&id, &s, &none).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::Validation, "{err}");
        assert!(err.to_string().contains("Shrinks"), "{err}");
        assert_eq!(ok_entries(&c, &id, "topic.update", &topic).await, 1);

        // An unchanged update is a no-op plan.
        assert!(c.topic_plan_upsert(&id, &grown).await.unwrap().no_op);
    }

    // The official tool lists every topic created (one JVM start for all of them).
    let listed = mqadmin_topics(name);
    for i in 0..kinds.len() {
        assert!(listed.contains(&format!("ItAdmin{i}_{stamp}")), "{listed:?}");
    }

    // Send with tag, keys, user properties and a binary body; read it back by its offset id.
    let topic = format!("ItAdmin0_{stamp}");
    let body: Vec<u8> = (0u8..=255).chain([0xff, 0xfe, 0x00, 0x80]).collect();
    let req = SendRequest {
        topic: topic.clone(),
        tag: Some("TagA".into()),
        keys: vec!["order-1".into(), "cust-7".into()],
        properties: BTreeMap::from([("color".into(), "red".into()), ("trace".into(), "x-1".into())]),
        body: MessageBody::Base64 {
            data: base64::engine::general_purpose::STANDARD.encode(&body),
        },
        delay_level: None,
        deliver_at: None,
        broker_name: None,
        queue_id: None,
    };
    let plan = c.message_plan_send(&id, &req).await.unwrap();
    assert_eq!(plan.action, "message.send");
    let sent = c.message_send(&id, &req, &none).await.unwrap();
    assert_eq!(sent.result.status, "SEND_OK");
    assert_eq!(sent.result.msg_id.len(), 32);
    assert_eq!(sent.audit.outcome, AuditOutcome::Ok);
    let back = c
        .message_by_offset_id(&id, &sent.result.offset_msg_id)
        .await
        .unwrap();
    assert_eq!(back.topic, topic);
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(&back.body_base64)
            .unwrap(),
        body
    );
    assert!(back.body_text.is_none(), "a binary body is not shown as text");
    assert_eq!(back.tags.as_deref(), Some("TagA"));
    assert_eq!(back.keys, vec!["order-1".to_owned(), "cust-7".to_owned()]);
    assert_eq!(back.properties.get("color").map(String::as_str), Some("red"));
    assert_eq!(back.msg_id.as_deref(), Some(sent.result.msg_id.as_str()));
    assert_eq!(back.queue_id, sent.result.queue_id);
    assert_eq!(back.queue_offset, sent.result.queue_offset);
    // A text body reads back as text.
    let text = SendRequest {
        body: MessageBody::Text {
            text: "{\"hello\":\"wörld\"}".into(),
        },
        ..req.clone()
    };
    let sent2 = c.message_send(&id, &text, &none).await.unwrap();
    let back2 = c
        .message_by_offset_id(&id, &sent2.result.offset_msg_id)
        .await
        .unwrap();
    assert_eq!(back2.body_text.as_deref(), Some("{\"hello\":\"wörld\"}"));
    assert_eq!(ok_entries(&c, &id, "message.send", &topic).await, 2);

    // Counted in the detail, and the official tool agrees. A message is readable by its offset id
    // as soon as the commit log has it; its queue counts it once the broker has dispatched it
    // (asynchronously, usually within milliseconds): wait for that, briefly.
    let mut d = c.topic_detail(&id, &topic).await.unwrap();
    for _ in 0..20 {
        if d.total_messages.0 >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        d = c.topic_detail(&id, &topic).await.unwrap();
    }
    assert_eq!(d.total_messages.0, 2, "{:?}", d.queues);
    assert_eq!(d.queues.len(), 8 * d.route.len());
    if cross_status {
        assert_eq!(mqadmin_stored(name, &topic), 2);
    }
    // The list's lazy counts agree with the detail.
    let stats = c.topic_stats(&id, std::slice::from_ref(&topic)).await.unwrap();
    assert_eq!(stats.len(), 1);
    assert_eq!(
        (stats[0].total_messages.0, stats[0].error.as_deref()),
        (2, None),
        "{stats:?}"
    );
    assert_eq!(stats[0].last_update, d.last_update);

    // A consumer group with committed offsets (0 on every queue) shows in the detail with lag 2.
    let group = format!("ItGroup_{stamp}");
    // The group and its retry topic, as a consumer's first heartbeat would leave them (the official
    // tools look the retry topic up first).
    mqadmin(name, &["updateSubGroup", "-c", &cluster_name, "-g", &group]);
    mqadmin(
        name,
        &[
            "updateTopic",
            "-c",
            &cluster_name,
            "-t",
            &format!("%RETRY%{group}"),
            "-r",
            "1",
            "-w",
            "1",
        ],
    );
    let (_, client) = c.client(&id).await.unwrap();
    for r in &d.route {
        let addr = r.addr.clone().unwrap();
        for q in 0..r.write_queues {
            let ext = BTreeMap::from([
                ("consumerGroup".to_owned(), group.clone()),
                ("topic".to_owned(), topic.clone()),
                ("queueId".to_owned(), q.to_string()),
                ("commitOffset".to_owned(), "0".to_owned()),
            ]);
            client
                .link
                .request_with(
                    &addr,
                    rmq_console_core::remoting::code::UPDATE_CONSUMER_OFFSET,
                    ext,
                    "update consumer offset",
                )
                .await
                .unwrap();
        }
    }
    let mut consumers = None;
    eventually("the group among the topic's consumers", async || {
        let cs = c.topic_consumers(&id, &topic).await.unwrap();
        let found = cs.groups.iter().any(|g| g.group == group);
        consumers = Some(cs);
        found
    })
    .await;
    let cs = consumers.unwrap();
    assert!(cs.failed_brokers.is_empty(), "{:?}", cs.failed_brokers);
    let g = cs.groups.iter().find(|g| g.group == group).unwrap();
    assert_eq!(g.lag.map(|l| l.0), Some(2), "{g:?}");
    assert!(g.clients.is_empty(), "nobody is online: {g:?}");
    if cross_status {
        let progress = mqadmin(name, &["consumerProgress", "-g", &group]);
        let diff = progress_diff(&progress, &topic);
        assert_eq!(diff, 2, "mqadmin consumerProgress said:\n{progress}");
    }

    // Producers: discovery answers (or says it is unsupported); a named group is looked up.
    let listing = c
        .producers(
            &id,
            &ProducerQuery {
                topic: Some(topic.clone()),
                group: None,
            },
        )
        .await
        .unwrap();
    assert!(listing.failed_brokers.is_empty(), "{:?}", listing.failed_brokers);
    let named = c
        .producers(
            &id,
            &ProducerQuery {
                topic: Some(topic.clone()),
                group: Some("ItNobody".into()),
            },
        )
        .await
        .unwrap();
    assert!(named.failed_brokers.is_empty(), "{:?}", named.failed_brokers);
    assert!(
        named
            .groups
            .iter()
            .all(|g| g.group == "ItNobody" && g.clients.is_empty()),
        "{named:?}"
    );

    // Delete: the name must be typed; then gone from the brokers and the name server.
    for i in 0..kinds.len() {
        let topic = format!("ItAdmin{i}_{stamp}");
        let plan = c.topic_plan_delete(&id, &topic).await.unwrap();
        assert!(plan.destructive);
        assert_eq!(plan.confirm_text.as_deref(), Some(topic.as_str()));
        assert!(plan.mqadmin[0].starts_with("mqadmin deleteTopic"));
        let err = c.topic_delete(&id, &topic, &none).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::Validation);
        let typed = Confirmation {
            typed: Some(topic.clone()),
            acknowledged: false,
        };
        let entry = c.topic_delete(&id, &topic, &typed).await.unwrap();
        assert_eq!(entry.outcome, AuditOutcome::Ok, "{entry:?}");
        assert!(entry.before.is_some() && entry.after.is_none());
        assert_eq!(ok_entries(&c, &id, "topic.delete", &topic).await, 1);
        assert!(
            !c.topic_list(&id)
                .await
                .unwrap()
                .topics
                .iter()
                .any(|t| t.name == topic)
        );
        assert_eq!(
            c.topic_detail(&id, &topic).await.unwrap_err().code(),
            ErrorCode::NotFound
        );
    }
    let listed = mqadmin_topics(name);
    assert!(
        !listed
            .iter()
            .any(|t| t.starts_with("ItAdmin") && t.ends_with(&stamp)),
        "deleted topics still listed by mqadmin"
    );
    // Refusals (the wrong confirmations above) are journaled too.
    let refused = c
        .audit_list(&AuditFilter {
            connection_id: Some(id.clone()),
            outcome: Some(AuditOutcome::Refused),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(refused.len(), 2 * kinds.len(), "{refused:?}");
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn java5_topic_lifecycle_matches_mqadmin() {
    lifecycle(
        "java5",
        "java5",
        &[
            (Some(TopicMessageType::Normal), false, TopicType::Normal),
            (Some(TopicMessageType::Fifo), false, TopicType::Fifo),
            (Some(TopicMessageType::Delay), false, TopicType::Delay),
            (Some(TopicMessageType::Transaction), false, TopicType::Transaction),
        ],
        true,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn java4_topic_lifecycle_matches_mqadmin() {
    lifecycle(
        "java4",
        "java4",
        &[(None, false, TopicType::Normal), (None, true, TopicType::Fifo)],
        true,
    )
    .await;
    // 4.x has no topic attributes: a message type is refused with a clear message.
    let ns = cluster("java4", "java4", false);
    let c = console().await;
    let id = connect(&c, &ns, None).await;
    let err = c
        .topic_plan_upsert(
            &id,
            &spec(
                "ItNoType4",
                "java4-cluster",
                4,
                Some(TopicMessageType::Delay),
                false,
            ),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation);
    assert!(err.to_string().contains("5.x"), "{err}");
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_topic_lifecycle_matches_mqadmin() {
    // The official mqadmin cannot read the rocketmq-rust broker's topic stats: totals are ours only.
    lifecycle("rust", "rust", &[(None, false, TopicType::Normal)], false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_connections_refuse_every_mutation_in_core_and_journal_it() {
    let ns = cluster("java5", "java5", false);
    let c = console().await;
    let p = c
        .connection_create(&ConnectionDraft {
            name: format!("ro-{}", uuid_like()),
            namesrv_addrs: ns,
            read_only: true,
            ..Default::default()
        })
        .await
        .unwrap();
    let typed = Confirmation {
        typed: Some("ItRoTopic".into()),
        acknowledged: true,
    };
    let s = spec("ItRoTopic", "java5-cluster", 4, None, false);
    let e1 = c.topic_upsert(&p.id, &s, &typed).await.unwrap_err();
    let e2 = c.topic_delete(&p.id, "ItRoTopic", &typed).await.unwrap_err();
    let req = SendRequest {
        topic: "ItRoTopic".into(),
        tag: None,
        keys: vec![],
        properties: BTreeMap::new(),
        body: MessageBody::Text { text: "x".into() },
        delay_level: None,
        deliver_at: None,
        broker_name: None,
        queue_id: None,
    };
    let e3 = c.message_send(&p.id, &req, &typed).await.unwrap_err();
    for e in [&e1, &e2, &e3] {
        assert_eq!(e.code(), ErrorCode::ReadOnly, "{e}");
    }
    // The preview says so up front.
    let plan = c.topic_plan_upsert(&p.id, &s).await.unwrap();
    assert!(plan.refusal.is_some());
    // Nothing was created.
    assert!(!mqadmin_topics("java5").contains("ItRoTopic"));
    let journal = c
        .audit_list(&AuditFilter {
            connection_id: Some(p.id.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(journal.len(), 3, "{journal:?}");
    assert!(
        journal
            .iter()
            .all(|e| e.outcome == AuditOutcome::Refused && e.error_code.as_deref() == Some("ReadOnly"))
    );
    let actions: Vec<&str> = journal.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["message.send", "topic.delete", "topic.upsert"]);
    c.shutdown().await;
}

/// The type `tests/cluster seed-topics` gives topic number `i`.
fn seeded(i: usize) -> (String, TopicType) {
    match i % 10 {
        0..=5 => (format!("BenchT{i:05}"), TopicType::Normal),
        6 => (format!("BenchT{i:05}"), TopicType::Fifo),
        7 => (format!("BenchT{i:05}"), TopicType::Delay),
        8 => (format!("BenchT{i:05}"), TopicType::Transaction),
        _ if i % 20 == 9 => (format!("%RETRY%BenchG{i:05}"), TopicType::Retry),
        _ => (format!("%DLQ%BenchG{i:05}"), TopicType::Dlq),
    }
}

/// 10,000 topics on the two-broker java5 cluster: the list is complete, typed, and the same set as
/// `mqadmin topicList`. Seeded once per run (batch create); the test command runs it on its own,
/// before the benchmark that reuses the topics.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "seeds 10,000 topics into the shared java5 cluster: the test command runs it on its own"]
async fn ten_thousand_topics_are_listed_complete_and_typed() {
    const N: usize = 10_000;
    let ns = cluster("java5", "java5", false);
    let out = std::process::Command::new(support::harness())
        .args(["seed-topics", "java5", &N.to_string()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let c = console().await;
    let id = connect(&c, &ns, None).await;
    // The brokers register the new topics with the name server asynchronously.
    eventually("10,000 seeded topics on the name server", async || {
        let l = c.topic_list(&id).await.unwrap();
        l.topics.iter().filter(|t| t.name.contains("Bench")).count() >= N
    })
    .await;
    let listing = c.topic_list(&id).await.unwrap();
    assert!(listing.failed_brokers.is_empty(), "{:?}", listing.failed_brokers);
    let by_name: BTreeMap<&str, &rmq_console_core::topic::TopicRow> =
        listing.topics.iter().map(|t| (t.name.as_str(), t)).collect();
    for i in 0..N {
        let (name, expected) = seeded(i);
        let row = by_name
            .get(name.as_str())
            .unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(row.topic_type, expected, "{row:?}");
        assert_eq!(
            row.brokers,
            vec!["broker-a".to_owned(), "broker-b".to_owned()],
            "{row:?}"
        );
        assert_eq!(
            (row.read_queues, row.write_queues),
            (2, 2),
            "one queue on each of two brokers: {row:?}"
        );
    }
    let ours: std::collections::BTreeSet<String> = listing.topics.iter().map(|t| t.name.clone()).collect();
    assert_eq!(ours, mqadmin_topics("java5"));
    c.shutdown().await;
}

/// A real producer (the official Java client, tests/harness/java/OnlineProducer.java) that stays
/// online while the test looks at it; stopped when dropped.
struct OnlineProducer {
    child: std::process::Child,
    /// The compiled class; deleted when the producer is dropped.
    _classes: tempfile::TempDir,
}

impl OnlineProducer {
    fn start(flavour: &str, namesrv: &str, group: &str, topic: &str) -> Self {
        use std::io::BufRead as _;
        let (mut child, dir) =
            support::java_helper(flavour, "OnlineProducer", &[namesrv, group, topic, "120"]);
        let stdout = child.stdout.take().unwrap();
        let ready = std::io::BufReader::new(stdout)
            .lines()
            .map_while(std::result::Result::ok)
            .any(|l| l.trim() == "ready");
        assert!(ready, "the producer did not start");
        Self { child, _classes: dir }
    }
}

impl Drop for OnlineProducer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An online producer is found by its group, and discovered, on both Java flavours.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_online_producer_is_listed_by_group_and_discovered() {
    for flavour in ["java5", "java4"] {
        let ns = cluster(flavour, flavour, false);
        let topic = format!("ItProd_{}", uuid_like());
        mqadmin(
            flavour,
            &[
                "updateTopic",
                "-c",
                &format!("{flavour}-cluster"),
                "-t",
                &topic,
                "-r",
                "2",
                "-w",
                "2",
            ],
        );
        let group = format!("it-pg-{}", uuid_like());
        let _producer = OnlineProducer::start(flavour, &ns, &group, &topic);
        let c = console().await;
        let id = connect(&c, &ns, None).await;
        let by_group = ProducerQuery {
            topic: Some(topic.clone()),
            group: Some(group.clone()),
        };
        eventually("the producer's connection", async || {
            let l = c.producers(&id, &by_group).await.unwrap();
            l.groups.iter().any(|g| g.group == group && !g.clients.is_empty())
        })
        .await;
        let l = c.producers(&id, &by_group).await.unwrap();
        let client = &l.groups[0].clients[0];
        assert_eq!(client.language, "JAVA", "{client:?}");
        assert!(client.client_id.contains('@') && client.version > 0, "{client:?}");
        let discovered = c
            .producers(
                &id,
                &ProducerQuery {
                    topic: Some(topic.clone()),
                    group: None,
                },
            )
            .await
            .unwrap();
        // 5.x and 4.9.x brokers answer GET_ALL_PRODUCER_INFO; older ones do not.
        assert!(discovered.discovery_supported, "{discovered:?}");
        assert!(
            discovered
                .groups
                .iter()
                .any(|g| g.group == group && !g.clients.is_empty()),
            "{discovered:?}"
        );
        c.shutdown().await;
    }
}
