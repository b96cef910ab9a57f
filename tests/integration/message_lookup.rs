//! Message lookup against real clusters (Apache RocketMQ 5.x and 4.9.x, and the rocketmq-rust
//! broker): messages produced with known keys, tags and bodies are found by key — more than a
//! broker's 64-hit page, across split windows — with the user cap flagged exactly when it is hit,
//! and by id (unique key with its topic, offset id without); cross-checked with the official
//! `mqadmin queryMsgByKey` and `queryMsgByUniqueKey`. The same messages are scanned by time range
//! with each filter (tag, key, property, body substring and regex, store host), the cap flagged
//! exactly when hit and continued from its cursor.

#![recursion_limit = "512"]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failure is a failed test"
)]

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use base64::Engine as _;

use rmq_console_core::jobs::JobEvent;
use rmq_console_core::message::MessageRow;
use rmq_console_core::message::query::{IdKind, IdQuery, KeyQuery};
use rmq_console_core::message::scan::{
    PropertyMatch, QueueCursor, ScanFilter, ScanItem, ScanRequest, ScanSummary,
};
use rmq_console_core::message::{MessageBody, SendRequest, SendResult};
use rmq_console_core::model::{ConnectionId, Millis};
use rmq_console_core::safety::Confirmation;
use rmq_console_core::topic::admin::TopicSpec;
use rmq_console_core::{Console, ErrorCode};
use support::{cluster, collecting, completed, connect, console, finished, mqadmin, on_big_stack, uuid_like};

fn acked() -> Confirmation {
    Confirmation {
        typed: None,
        acknowledged: true,
    }
}

async fn send(
    c: &Console,
    id: &ConnectionId,
    topic: &str,
    keys: &[&str],
    tag: &str,
    body: MessageBody,
) -> SendResult {
    let req = SendRequest {
        topic: topic.to_owned(),
        tag: Some(tag.to_owned()),
        keys: keys.iter().map(|k| (*k).to_owned()).collect(),
        properties: BTreeMap::from([("origin".to_owned(), "it".to_owned())]),
        body,
        delay_level: None,
        deliver_at: None,
        broker_name: None,
        queue_id: None,
    };
    c.message_send(id, &req, &acked()).await.unwrap().result
}

fn text(s: &str) -> MessageBody {
    MessageBody::Text { text: s.to_owned() }
}

/// Message ids `mqadmin queryMsgByKey` prints.
fn mqadmin_by_key(name: &str, topic: &str, key: &str) -> BTreeSet<String> {
    mqadmin(name, &["queryMsgByKey", "-t", topic, "-k", key])
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() >= 3 && f[0].len() >= 32 && f[0].chars().all(|c| c.is_ascii_hexdigit()))
                .then(|| f[0].to_owned())
        })
        .collect()
}

async fn by_key(
    c: &Console,
    id: &ConnectionId,
    topic: &str,
    key: &str,
    limit: Option<u32>,
) -> rmq_console_core::message::query::KeyQueryResult {
    c.message_by_key(
        id,
        &KeyQuery {
            topic: topic.to_owned(),
            key: key.to_owned(),
            begin: None,
            end: None,
            limit,
        },
    )
    .await
    .unwrap()
}

/// What a scan job streamed and its summary.
struct Scanned {
    rows: Vec<MessageRow>,
    summary: ScanSummary,
}

async fn scan(
    c: &Console,
    id: &ConnectionId,
    topic: &str,
    (begin, end): (Millis, Millis),
    filter: ScanFilter,
    limit: Option<u32>,
    cursor: Option<Vec<QueueCursor>>,
) -> Scanned {
    let (sink, events) = collecting();
    let req = ScanRequest {
        topic: topic.to_owned(),
        begin,
        end,
        filter,
        limit,
        cursor,
    };
    c.message_scan(id, &req, sink).await.unwrap();
    let (outcome, _) = finished(&events, 60).await;
    let summary = completed(outcome);
    let rows = events
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            JobEvent::Batch { items } => Some(items.clone()),
            _ => None,
        })
        .flatten()
        .filter_map(|item| match item {
            ScanItem::Matches { rows } => Some(rows),
            ScanItem::Queue { .. } => None,
        })
        .flatten()
        .collect();
    Scanned { rows, summary }
}

async fn lookup(flavour: &str, cluster_name: &str) {
    let ns = cluster(flavour, flavour, false);
    let c = console().await;
    let id = connect(&c, &ns, None).await;
    let tag = uuid_like();
    let topic = format!("ItLookup{tag}");
    c.topic_upsert(
        &id,
        &TopicSpec {
            name: topic.clone(),
            clusters: vec![cluster_name.to_owned()],
            brokers: vec![],
            read_queues: 4,
            write_queues: 4,
            perm: 6,
            message_type: None,
            order: false,
        },
        &acked(),
    )
    .await
    .unwrap();
    let (many, few) = (format!("many-{tag}"), format!("few-{tag}"));
    let started = Millis::now();
    let mut many_ids = BTreeSet::new();
    for i in 0..70 {
        let r = send(
            &c,
            &id,
            &topic,
            &[&many, &format!("order-{i}")],
            "bulk",
            text(&format!("m{i}")),
        )
        .await;
        many_ids.insert(r.msg_id);
    }
    let json = send(
        &c,
        &id,
        &topic,
        &[&few],
        "json",
        text(r#"{"order":42,"items":["a","b"]}"#),
    )
    .await;
    let binary_bytes: Vec<u8> = (0..=255u8).rev().collect();
    let binary = send(
        &c,
        &id,
        &topic,
        &[&few],
        "binary",
        MessageBody::Base64 {
            data: base64::engine::general_purpose::STANDARD.encode(&binary_bytes),
        },
    )
    .await;
    let plain = send(&c, &id, &topic, &[&few], "text", text("héllo wörld")).await;

    // By key, more than one broker page: the index is written shortly after the store.
    let mut all = by_key(&c, &id, &topic, &many, None).await;
    for _ in 0..50 {
        if all.rows.len() >= 70 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        all = by_key(&c, &id, &topic, &many, None).await;
    }
    let found: BTreeSet<String> = all.rows.iter().filter_map(|r| r.msg_id.clone()).collect();
    assert_eq!(found, many_ids, "every one of the 70 messages, no ceiling");
    assert!(!all.truncated);
    assert!(all.splits > 0, "a full page was continued: {all:?}");
    assert!(all.failed_brokers.is_empty());
    assert!(
        all.rows
            .iter()
            .all(|r| r.tags.as_deref() == Some("bulk") && r.keys.contains(&many))
    );
    assert!(all.begin.0 <= started.0 && all.end.0 >= started.0);
    // mqadmin has the ceiling: at most a page (64) per broker, all among ours.
    let official = mqadmin_by_key(flavour, &topic, &many);
    assert!(
        !official.is_empty() && official.len() <= 64 * all.brokers.len(),
        "{}",
        official.len()
    );
    assert!(official.is_subset(&found));
    // The cap: exactly 50, flagged, the newest.
    let capped = by_key(&c, &id, &topic, &many, Some(50)).await;
    assert_eq!(capped.rows.len(), 50);
    assert!(capped.truncated);
    let oldest_kept = capped.rows.iter().map(|r| r.store_timestamp).min().unwrap();
    let dropped = all
        .rows
        .iter()
        .filter(|r| r.store_timestamp > oldest_kept)
        .count();
    assert!(dropped <= 50, "the kept ones are the newest");
    // A cap equal to the count is not a truncation.
    let exact = by_key(&c, &id, &topic, &many, Some(70)).await;
    assert_eq!(exact.rows.len(), 70);
    assert!(!exact.truncated, "70 hits, cap 70: complete");
    // A key with three hits, identical to mqadmin's answer.
    let mut three = by_key(&c, &id, &topic, &few, None).await;
    for _ in 0..20 {
        if three.rows.len() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        three = by_key(&c, &id, &topic, &few, None).await;
    }
    let ours: BTreeSet<String> = three.rows.iter().filter_map(|r| r.msg_id.clone()).collect();
    assert_eq!(
        ours,
        BTreeSet::from([json.msg_id.clone(), binary.msg_id.clone(), plain.msg_id.clone()])
    );
    assert_eq!(ours, mqadmin_by_key(flavour, &topic, &few));
    let row = three
        .rows
        .iter()
        .find(|r| r.msg_id.as_deref() == Some(&binary.msg_id))
        .unwrap();
    assert_eq!(row.body_preview, None, "a binary body has no text preview");
    assert_eq!(row.body_size, 256);
    // A window before the messages finds none; a bad window is refused.
    let none = c
        .message_by_key(
            &id,
            &KeyQuery {
                topic: topic.clone(),
                key: many.clone(),
                begin: Some(Millis(started.0 - 3_600_000)),
                end: Some(Millis(started.0 - 60_000)),
                limit: None,
            },
        )
        .await
        .unwrap();
    assert!(none.rows.is_empty());
    let bad = KeyQuery {
        topic: topic.clone(),
        key: "a b".into(),
        begin: None,
        end: None,
        limit: None,
    };
    assert_eq!(
        c.message_by_key(&id, &bad).await.unwrap_err().code(),
        ErrorCode::Validation
    );

    // Scan by time range: every filter, counts exactly what was produced.
    let window = (Millis(started.0 - 1_000), Millis::now());
    let all_scan = scan(&c, &id, &topic, window, ScanFilter::default(), None, None).await;
    assert_eq!(
        (
            all_scan.summary.scanned.0,
            all_scan.summary.total.0,
            all_scan.summary.matched.0
        ),
        (73, 73, 73),
        "{:?}",
        all_scan.summary
    );
    assert!(!all_scan.summary.truncated && all_scan.summary.cursor.is_empty());
    assert_eq!(all_scan.rows.len(), 73);
    assert!(
        all_scan
            .summary
            .queues
            .iter()
            .all(|q| q.done && q.error.is_none())
    );
    assert_eq!(
        all_scan.summary.queues.iter().map(|q| q.scanned.0).sum::<u64>(),
        73,
        "per queue adds up"
    );
    let count = |f: ScanFilter| {
        let (c, id, topic) = (&c, &id, &topic);
        async move { scan(c, id, topic, window, f, None, None).await.rows.len() }
    };
    assert_eq!(
        count(ScanFilter {
            tags: Some("json||binary".into()),
            ..Default::default()
        })
        .await,
        2
    );
    assert_eq!(
        count(ScanFilter {
            key: Some(many.clone()),
            ..Default::default()
        })
        .await,
        70
    );
    assert_eq!(
        count(ScanFilter {
            body_contains: Some("m1".into()),
            ..Default::default()
        })
        .await,
        11
    );
    assert_eq!(
        count(ScanFilter {
            body_regex: Some(r"^m6\d$".into()),
            ..Default::default()
        })
        .await,
        10
    );
    assert_eq!(
        count(ScanFilter {
            property: Some(PropertyMatch::Equals {
                name: "origin".into(),
                value: "it".into()
            }),
            ..Default::default()
        })
        .await,
        73
    );
    assert_eq!(
        count(ScanFilter {
            body_contains: Some("wörld".into()),
            ..Default::default()
        })
        .await,
        1,
        "UTF-8 text"
    );
    let host = &all_scan.rows[0].store_host;
    let on_host = all_scan.rows.iter().filter(|r| &r.store_host == host).count();
    assert_eq!(
        count(ScanFilter {
            store_host: Some(host.clone()),
            ..Default::default()
        })
        .await,
        on_host
    );
    // A range before the messages scans nothing.
    let early = scan(
        &c,
        &id,
        &topic,
        (Millis(started.0 - 7_200_000), Millis(started.0 - 3_600_000)),
        ScanFilter::default(),
        None,
        None,
    )
    .await;
    assert_eq!((early.summary.total.0, early.summary.matched.0), (0, 0));
    // The cap: truncated exactly when hit, and continuing from the cursor finds the rest, once each.
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut cursor = None;
    let mut rounds = 0;
    loop {
        let part = scan(
            &c,
            &id,
            &topic,
            window,
            ScanFilter::default(),
            Some(30),
            cursor.clone(),
        )
        .await;
        rounds += 1;
        for r in &part.rows {
            assert!(
                seen.insert(r.offset_msg_id.clone()),
                "{} seen twice",
                r.offset_msg_id
            );
        }
        if !part.summary.truncated {
            break;
        }
        assert_eq!(part.summary.matched.0, 30);
        cursor = Some(part.summary.cursor.clone());
        assert!(rounds < 10);
    }
    assert_eq!((seen.len(), rounds), (73, 3), "30 + 30 + 13");
    let exact = scan(&c, &id, &topic, window, ScanFilter::default(), Some(73), None).await;
    assert!(!exact.summary.truncated, "73 matches, cap 73: complete");

    // By id: the unique key with its topic, the offset id without one.
    let u = c
        .message_by_id(
            &id,
            &IdQuery {
                id: json.msg_id.clone(),
                topic: Some(topic.clone()),
            },
        )
        .await
        .unwrap();
    assert_eq!(u.matched_as, IdKind::UniqueKey);
    assert_eq!(u.messages.len(), 1);
    let m = &u.messages[0];
    assert_eq!(m.body_text.as_deref(), Some(r#"{"order":42,"items":["a","b"]}"#));
    assert_eq!(m.tags.as_deref(), Some("json"));
    assert_eq!(m.properties.get("origin").map(String::as_str), Some("it"));
    let o = c
        .message_by_id(
            &id,
            &IdQuery {
                id: binary.offset_msg_id.clone(),
                topic: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(o.matched_as, IdKind::OffsetId);
    let b = &o.messages[0];
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(&b.body_base64)
            .unwrap(),
        binary_bytes,
        "the binary body comes back byte for byte"
    );
    assert_eq!(b.body_text, None);
    // The official tool finds the same stored message (same commit-log offset) by its unique key.
    let official = mqadmin(
        flavour,
        &["queryMsgByUniqueKey", "-i", &binary.msg_id, "-t", &topic],
    );
    let commit_log = official
        .lines()
        .find_map(|l| l.strip_prefix("CommitLog Offset:"))
        .map(|v| v.trim().to_owned());
    assert_eq!(commit_log, Some(b.commit_log_offset.0.to_string()), "{official}");
    // A unique key without its topic cannot be looked up: the error says what to add.
    let e = c
        .message_by_id(
            &id,
            &IdQuery {
                id: plain.msg_id.clone(),
                topic: None,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Validation, "{e}");
    assert!(e.to_string().contains("give its topic"), "{e}");
    let e = c
        .message_by_id(
            &id,
            &IdQuery {
                id: "not-an-id".into(),
                topic: None,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Validation);
    let e = c
        .message_by_id(
            &id,
            &IdQuery {
                id: "0".repeat(32),
                topic: Some(topic.clone()),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound, "{e}");
    c.shutdown().await;
}

#[test]
fn java5_messages_are_found_by_key_and_id() {
    on_big_stack(|| lookup("java5", "java5-cluster"));
}

#[test]
fn java4_messages_are_found_by_key_and_id() {
    on_big_stack(|| lookup("java4", "java4-cluster"));
}

#[test]
fn rust_messages_are_found_by_key_and_id() {
    on_big_stack(|| lookup("rust", "rust-cluster"));
}
