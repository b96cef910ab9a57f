//! Message trace against real clusters (Apache RocketMQ 5.x and 4.9.x): the official Java client,
//! with tracing on, sends keyed messages that its consumer fails once and then consumes, and one
//! transactional message it commits. The console's timeline shows each message's send, its store,
//! the failed attempt and the retry that succeeded (with the retry delay between them), the
//! end-transaction record of the transactional one, and finds them by offset id and business key
//! too; a message sent without tracing and a missing trace topic are explained, not empty.

#![recursion_limit = "512"]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failure is a failed test"
)]

mod support;

use std::collections::BTreeMap;
use std::io::BufRead as _;
use std::time::Duration;

use rmq_console_core::Console;
use rmq_console_core::message::{MessageBody, SendRequest};
use rmq_console_core::model::ConnectionId;
use rmq_console_core::safety::Confirmation;
use rmq_console_core::trace::timeline::AttemptOutcome;
use rmq_console_core::trace::{TraceLookup, TraceQuery};
use support::{cluster, connect, console, java_helper, mqadmin_create_topic, on_big_stack, uuid_like};

/// What the traced Java clients did: (unique id, key) per plain message, and the transactional one.
struct Traced {
    sent: Vec<(String, String)>,
    tx: (String, String),
}

/// Runs `TracedClients` to completion (every message consumed, traces flushed).
fn run_traced_clients(flavour: &str, ns: &str, topic: &str, count: usize) -> Traced {
    let (mut child, _classes) = java_helper(flavour, "TracedClients", &[ns, topic, &count.to_string()]);
    let stdout = child.stdout.take().unwrap();
    let mut sent = Vec::new();
    let mut tx = None;
    let mut done = false;
    for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
        let f: Vec<&str> = line.split(' ').collect();
        match f.as_slice() {
            ["sent", id, key] => sent.push(((*id).to_owned(), (*key).to_owned())),
            ["sent-tx", id, key] => tx = Some(((*id).to_owned(), (*key).to_owned())),
            ["done"] => done = true,
            ["timeout"] => panic!("the traced consumer did not consume every message in time"),
            _ => {}
        }
    }
    let status = child.wait().unwrap();
    assert!(done && status.success(), "TracedClients ended with {status}");
    assert_eq!(sent.len(), count);
    Traced {
        sent,
        tx: tx.expect("the transactional message was sent"),
    }
}

/// Looks `q` up until `ready` holds (the trace dispatchers' messages are indexed asynchronously).
async fn trace_until(
    c: &Console,
    id: &ConnectionId,
    q: &TraceQuery,
    ready: impl Fn(&TraceLookup) -> bool,
) -> TraceLookup {
    let mut last = None;
    for _ in 0..40 {
        let t = c.message_trace(id, q).await.unwrap();
        if ready(&t) {
            return t;
        }
        last = Some(t);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    panic!("trace never complete: {:#?}", last);
}

fn by_id(msg_id: &str) -> TraceQuery {
    TraceQuery {
        msg_id: Some(msg_id.to_owned()),
        ..Default::default()
    }
}

fn complete(group: &str) -> impl Fn(&TraceLookup) -> bool + '_ {
    move |t| {
        t.traces.first().is_some_and(|m| {
            !m.sends.is_empty()
                && m.store.is_some()
                && m.groups.iter().any(|g| g.group == group && g.consumed)
        })
    }
}

async fn timeline_of_traced_clients(flavour: &'static str, name: &'static str, cluster_name: &'static str) {
    let ns = cluster(flavour, name, false);
    let topic = format!("trace-{}", uuid_like());
    mqadmin_create_topic(name, cluster_name, &topic, &[]);
    let traced = tokio::task::spawn_blocking({
        let (ns, topic) = (ns.clone(), topic.clone());
        move || run_traced_clients(flavour, &ns, &topic, 3)
    })
    .await
    .unwrap();
    let c = console().await;
    let id = connect(&c, &ns, None).await;
    let group = format!("trace-cg-{topic}");

    for (msg_id, key) in &traced.sent {
        let t = trace_until(&c, &id, &by_id(msg_id), complete(&group)).await;
        assert_eq!(t.trace_topic, "RMQ_SYS_TRACE_TOPIC");
        assert_eq!(t.traces.len(), 1);
        let m = &t.traces[0];
        assert_eq!(&m.msg_id, msg_id);
        assert_eq!(m.topic.as_deref(), Some(topic.as_str()));
        assert_eq!(m.keys.as_deref(), Some(key.as_str()));
        // The send.
        assert_eq!(m.sends.len(), 1, "{m:#?}");
        let s = &m.sends[0].record;
        assert_eq!(s.group, format!("trace-pg-{topic}"));
        assert_eq!(
            (s.success, s.msg_type.as_str(), s.tags.as_deref()),
            (Some(true), "normal", Some("TagA"))
        );
        assert!(s.cost_ms.is_some_and(|c| (0..30_000).contains(&c.0)), "{s:?}");
        assert!(!m.sends[0].client.is_empty());
        // The store, read from the message itself, names the broker the send record names.
        let st = m.store.as_ref().unwrap();
        assert_eq!(st.topic, topic);
        assert_eq!(Some(st.offset_msg_id.as_str()), s.offset_msg_id.as_deref());
        assert!(st.store_timestamp >= st.born_timestamp || st.latency_ms.0 > -1000);
        // The consumer: a failed first attempt, then the retry that succeeded.
        let g = m.groups.iter().find(|g| g.group == group).unwrap();
        assert_eq!(g.attempts.len(), 2, "{g:#?}");
        let (first, retry) = (&g.attempts[0], &g.attempts[1]);
        assert_eq!(
            (first.retry_times, &first.outcome),
            (0, &AttemptOutcome::Failed),
            "{g:#?}"
        );
        assert_eq!(
            (retry.retry_times, &retry.outcome),
            (1, &AttemptOutcome::Success),
            "{g:#?}"
        );
        assert!(first.client.as_deref().is_some_and(|c| !c.is_empty()));
        // Delay level 1 is one second: the retry waited at least most of it, and not for ever.
        let waited = retry.waited_ms.unwrap().0;
        assert!((500..60_000).contains(&waited), "retry waited {waited} ms");
        let first_wait = first.waited_ms.unwrap().0;
        assert!(
            (-1000..60_000).contains(&first_wait),
            "first attempt waited {first_wait} ms"
        );
        assert!(
            g.total_ms.is_some_and(|t| t.0 >= waited && t.0 < 120_000),
            "{g:#?}"
        );
        assert_eq!(m.total_ms, g.total_ms);
        assert!(m.notes.is_empty(), "{:?}", m.notes);
        assert!(t.malformed.is_empty(), "{:?}", t.malformed);

        // The same trace by the broker's offset id, and by business key.
        let off = s.offset_msg_id.clone().unwrap();
        let t2 = c.message_trace(&id, &by_id(&off)).await.unwrap();
        assert_eq!(t2.traces.len(), 1, "{t2:#?}");
        assert_eq!(&t2.traces[0].msg_id, msg_id);
        assert!(t2.notes.iter().any(|n| n.contains("offset id")), "{:?}", t2.notes);
        let q = TraceQuery {
            key: Some(key.clone()),
            ..Default::default()
        };
        let t3 = c.message_trace(&id, &q).await.unwrap();
        let found: Vec<&str> = t3.traces.iter().map(|m| m.msg_id.as_str()).collect();
        assert_eq!(found, vec![msg_id.as_str()]);
        assert_eq!(
            t3.traces[0]
                .groups
                .iter()
                .find(|g| g.group == group)
                .unwrap()
                .attempts
                .len(),
            2
        );
    }

    // The transactional message: a half-message send, its commit, one successful attempt.
    let (tx_id, _) = &traced.tx;
    let t = trace_until(&c, &id, &by_id(tx_id), |t| {
        complete(&group)(t) && t.traces[0].transactions.len() == 1
    })
    .await;
    let m = &t.traces[0];
    assert_eq!(m.sends[0].record.msg_type, "transaction half");
    let e = &m.transactions[0];
    assert_eq!(e.group, format!("trace-txpg-{topic}"));
    assert_eq!(e.transaction_state, "COMMIT_MESSAGE");
    assert!(!e.from_transaction_check);
    let g = m.groups.iter().find(|g| g.group == group).unwrap();
    assert_eq!(g.attempts.len(), 1);
    assert_eq!(g.attempts[0].outcome, AttemptOutcome::Success);

    // A message sent without tracing: no record, and the lookup says why.
    let req = SendRequest {
        topic: topic.clone(),
        tag: None,
        keys: vec!["untraced".into()],
        properties: BTreeMap::new(),
        body: MessageBody::Text {
            text: "no trace".into(),
        },
        delay_level: None,
        deliver_at: None,
        broker_name: None,
        queue_id: None,
    };
    let ack = Confirmation {
        typed: None,
        acknowledged: true,
    };
    let sent = c.message_send(&id, &req, &ack).await.unwrap().result;
    let t = c.message_trace(&id, &by_id(&sent.msg_id)).await.unwrap();
    assert!(t.traces.is_empty());
    assert!(
        t.notes
            .iter()
            .any(|n| n.contains("No trace record") && n.contains("enableMsgTrace")),
        "{:?}",
        t.notes
    );

    // Another trace topic that does not exist.
    let q = TraceQuery {
        trace_topic: Some("NO_SUCH_TRACE_TOPIC".into()),
        ..by_id(&traced.sent[0].0)
    };
    let t = c.message_trace(&id, &q).await.unwrap();
    assert!(t.traces.is_empty());
    assert!(
        t.notes
            .iter()
            .any(|n| n.contains("does not exist") && n.contains("traceTopicEnable")),
        "{:?}",
        t.notes
    );

    // Bad input: neither or both of id and key; not an id.
    for q in [
        TraceQuery::default(),
        TraceQuery {
            key: Some("k".into()),
            ..by_id(&traced.sent[0].0)
        },
        by_id("not-an-id"),
    ] {
        let e = c.message_trace(&id, &q).await.unwrap_err();
        assert_eq!(e.code(), rmq_console_core::ErrorCode::Validation, "{e}");
    }
    c.shutdown().await;
}

#[test]
fn timeline_on_java5() {
    on_big_stack(|| timeline_of_traced_clients("java5", "java5", "java5-cluster"));
}

#[test]
fn timeline_on_java4() {
    on_big_stack(|| timeline_of_traced_clients("java4", "java4", "java4-cluster"));
}
