//! The protocol layer against fake servers on loopback: batches, flow control, and the rule that a
//! mutation is never sent twice.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::code::{CONSUME_MESSAGE_DIRECTLY, GET_CONSUME_STATS, SEND_MESSAGE, UPDATE_CONSUMER_OFFSET};
use super::frame::{reply_frame, take_requests};
use super::*;
use crate::error::{Error, ErrorCode, Result};

fn link(timeout_ms: u64) -> Link {
    Link::new(Transport::new(), None, Duration::from_millis(timeout_ms))
}

fn busy() -> Error {
    super::refusal("b", "send", 2, "[TIMEOUT_CLEAN_QUEUE]broker busy".into())
}

#[tokio::test]
async fn busy_answers_are_tried_again_and_other_failures_are_not() {
    let tries = std::cell::Cell::new(0);
    let r = while_busy(5, || async {
        tries.set(tries.get() + 1);
        if tries.get() < 3 {
            Err(busy())
        } else {
            Ok(tries.get())
        }
    })
    .await;
    assert_eq!(r.unwrap(), 3);

    tries.set(0);
    let r: Result<()> = while_busy(2, || async {
        tries.set(tries.get() + 1);
        Err(busy())
    })
    .await;
    assert!(r.unwrap_err().is_broker_busy());
    assert_eq!(tries.get(), 2, "gives up after its tries");

    tries.set(0);
    let r: Result<()> = while_busy(5, || async {
        tries.set(tries.get() + 1);
        Err(Error::validation("bad name"))
    })
    .await;
    assert!(matches!(r, Err(Error::Validation { .. })));
    assert_eq!(tries.get(), 1, "a refusal that is not flow control is final");
}

/// A fake broker that answers each request with its `n` ext field as the remark, out of
/// order (every read's requests answered last first), and closes after `close_after` replies.
async fn fake_broker(close_after: usize) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (mut buf, mut answered) = (Vec::new(), 0);
                let mut chunk = vec![0u8; 64 * 1024];
                loop {
                    let Ok(n) = s.read(&mut chunk).await else { return };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    for h in take_request_headers(&mut buf).into_iter().rev() {
                        if answered == close_after {
                            // Hang up cleanly (FIN, reading on: a close with unread requests
                            // would reset the connection and drop the replies in flight).
                            let _ = s.shutdown().await;
                            while matches!(s.read(&mut chunk).await, Ok(n) if n > 0) {}
                            return;
                        }
                        let reply = serde_json::to_vec(&serde_json::json!({
                            "code": 0, "opaque": h["opaque"], "flag": 1, "remark": h["extFields"]["n"],
                        }))
                        .unwrap();
                        let mut f = ((4 + reply.len()) as u32).to_be_bytes().to_vec();
                        f.extend_from_slice(&(reply.len() as u32).to_be_bytes());
                        f.extend_from_slice(&reply);
                        if s.write_all(&f).await.is_err() {
                            return;
                        }
                        answered += 1;
                    }
                }
            });
        }
    });
    addr
}

fn numbered(n: usize) -> Vec<Request> {
    (0..n)
        .map(|i| {
            (
                GET_CONSUME_STATS,
                BTreeMap::from([("n".to_owned(), i.to_string())]),
            )
        })
        .collect()
}

#[tokio::test]
async fn pipelined_batches_match_replies_by_opaque_and_fail_only_the_unanswered() {
    let addr = fake_broker(usize::MAX).await;
    let replies = link(5000).batch(&addr, numbered(500), 2).await;
    let remarks: Vec<String> = replies.into_iter().map(|r| r.unwrap().remark.unwrap()).collect();
    assert_eq!(
        remarks,
        (0..500).map(|i| i.to_string()).collect::<Vec<_>>(),
        "in request order"
    );

    // The peer hangs up after 10 replies on each connection: those 20 stand, the rest fail
    // as unreachable.
    let addr = fake_broker(10).await;
    let replies = link(5000).batch(&addr, numbered(100), 2).await;
    let ok = replies.iter().filter(|r| r.is_ok()).count();
    assert_eq!(ok, 20);
    assert!(
        replies
            .iter()
            .filter_map(|r| r.as_ref().err())
            .all(|e| matches!(e, Error::Unreachable { .. }))
    );

    // A broker with no master address in the route: a clear refusal, nothing dialled.
    let r = link(1000).invoke("", GET_CONSUME_STATS, BTreeMap::new()).await;
    assert!(
        matches!(&r, Err(Error::Unreachable { detail, .. }) if detail.contains("not registered")),
        "{r:?}"
    );

    // Nobody listening: every request fails, none hangs.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().to_string()
    };
    let replies = link(5000).batch(&dead, numbered(3), 2).await;
    assert!(
        replies
            .iter()
            .all(|r| matches!(r, Err(Error::Unreachable { .. })))
    );
}

/// A fake broker that records the code of every request it reads, answers success, and on
/// `drop_on` hangs up after reading the request instead of answering; with `hang_up_after_reply`
/// it closes each connection after its first answer (as a broker closing an idle connection).
struct Fake {
    addr: String,
    seen: Arc<Mutex<Vec<i32>>>,
    open: Arc<AtomicUsize>,
}

impl Fake {
    fn seen(&self) -> Vec<i32> {
        self.seen.lock().unwrap().clone()
    }
}

async fn fake(drop_on: Option<i32>, hang_up_after_reply: bool) -> Fake {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let seen: Arc<Mutex<Vec<i32>>> = Arc::default();
    let open: Arc<AtomicUsize> = Arc::default();
    let (seen2, open2) = (Arc::clone(&seen), Arc::clone(&open));
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let (seen, open) = (Arc::clone(&seen2), Arc::clone(&open2));
            open.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = vec![0u8; 64 * 1024];
                'conn: loop {
                    let n = s.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    for (h, _) in take_requests(&mut buf) {
                        let code = h["code"].as_i64().unwrap() as i32;
                        seen.lock().unwrap().push(code);
                        if Some(code) == drop_on {
                            break 'conn;
                        }
                        let reply = reply_frame(
                            &serde_json::json!({"code": 0, "opaque": h["opaque"], "flag": 1}),
                            b"",
                        );
                        if s.write_all(&reply).await.is_err() {
                            break 'conn;
                        }
                        if hang_up_after_reply {
                            break 'conn;
                        }
                    }
                }
                drop(s);
                open.fetch_sub(1, Ordering::SeqCst);
            });
        }
    });
    Fake { addr, seen, open }
}

async fn settle() {
    tokio::time::sleep(Duration::from_millis(150)).await;
}

#[tokio::test]
async fn a_mutation_whose_connection_drops_after_the_write_is_unknown_and_sent_once() {
    for code in [SEND_MESSAGE, CONSUME_MESSAGE_DIRECTLY] {
        // On a fresh connection.
        let f = fake(Some(code), false).await;
        let l = link(2000);
        let r = l.invoke_body(&f.addr, code, BTreeMap::new(), b"body").await;
        let e = r.unwrap_err();
        assert_eq!(e.code(), ErrorCode::OutcomeUnknown, "{e}");
        assert!(!e.retryable(), "an unknown outcome must not invite a retry");
        settle().await;
        assert_eq!(f.seen(), vec![code], "received exactly once");

        // On a pooled connection (a read went first and left it in the pool).
        let f = fake(Some(code), false).await;
        let l = link(2000);
        l.request(&f.addr, GET_CONSUME_STATS, "stats").await.unwrap();
        assert_eq!(l.transport().pooled(), 1);
        let e = l
            .invoke_body(&f.addr, code, BTreeMap::new(), b"body")
            .await
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::OutcomeUnknown, "{e}");
        settle().await;
        assert_eq!(
            f.seen(),
            vec![GET_CONSUME_STATS, code],
            "the mutation was not sent again"
        );
    }
}

#[tokio::test]
async fn a_pooled_connection_closed_while_idle_is_never_written_to() {
    // The peer closes each connection after one answer: the next request finds the pooled one
    // dead before writing, and goes out once, on a new connection.
    let f = fake(None, true).await;
    let l = link(2000);
    l.request(&f.addr, GET_CONSUME_STATS, "stats").await.unwrap();
    settle().await;
    let r = l
        .invoke_body(&f.addr, SEND_MESSAGE, BTreeMap::new(), b"body")
        .await
        .unwrap();
    assert_eq!(r.code, 0);
    settle().await;
    assert_eq!(f.seen(), vec![GET_CONSUME_STATS, SEND_MESSAGE]);
}

#[tokio::test]
async fn reads_that_lose_their_answer_are_tried_again_but_batched_offset_writes_are_not() {
    // A read dropped after the write on a pooled connection: tried once more on a new one.
    let f = fake(Some(GET_CONSUME_STATS), false).await;
    let l = link(2000);
    l.request(&f.addr, super::code::GET_MAX_OFFSET, "max offset")
        .await
        .unwrap();
    let e = l.request(&f.addr, GET_CONSUME_STATS, "stats").await.unwrap_err();
    // Dropped on the fresh connection too, without a word: on a plain connection that is what a
    // TLS-only server does, and the error says so.
    assert_eq!(e.code(), ErrorCode::Tls, "a read is never 'unknown': {e}");
    assert!(e.detail().unwrap_or_default().contains("TLS only"));
    settle().await;
    assert_eq!(
        f.seen(),
        vec![super::code::GET_MAX_OFFSET, GET_CONSUME_STATS, GET_CONSUME_STATS],
        "the read went once more, on a fresh connection"
    );

    // A batch of offset writes whose connection drops: unknown, each sent once.
    let f = fake(Some(UPDATE_CONSUMER_OFFSET), false).await;
    let l = link(2000);
    let writes: Vec<Request> = (0..3)
        .map(|i| {
            (
                UPDATE_CONSUMER_OFFSET,
                BTreeMap::from([("queueId".to_owned(), i.to_string())]),
            )
        })
        .collect();
    let replies = l.batch(&f.addr, writes, 1).await;
    assert!(
        replies
            .iter()
            .all(|r| matches!(r, Err(Error::OutcomeUnknown { .. }))),
        "{replies:?}"
    );
    settle().await;
    assert_eq!(
        f.seen(),
        vec![UPDATE_CONSUMER_OFFSET],
        "the first write dropped the connection; none was re-sent"
    );
}

#[tokio::test]
async fn a_silent_peer_fails_within_the_deadline_on_every_path() {
    // Accepts, reads, never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    let l = link(300);
    let started = std::time::Instant::now();
    let e = l.request(&addr, GET_CONSUME_STATS, "stats").await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Timeout, "{e}");
    let e = l.invoke(&addr, SEND_MESSAGE, BTreeMap::new()).await.unwrap_err();
    assert_eq!(
        e.code(),
        ErrorCode::OutcomeUnknown,
        "a send without an answer is unknown: {e}"
    );
    let replies = l.batch(&addr, numbered(5), 2).await;
    assert!(replies.iter().all(|r| matches!(r, Err(Error::Timeout { .. }))));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "each path gave up at its deadline"
    );
}

#[tokio::test]
async fn shutdown_closes_every_pooled_socket_and_refuses_new_requests() {
    let f = fake(None, false).await;
    let l = link(2000);
    for _ in 0..3 {
        l.request(&f.addr, GET_CONSUME_STATS, "stats").await.unwrap();
    }
    let replies = l.batch(&f.addr, numbered(40), 3).await;
    assert!(replies.iter().all(Result::is_ok));
    assert!(l.transport().pooled() >= 1);
    assert!(f.open.load(Ordering::SeqCst) >= 1);

    l.transport().shutdown(Duration::from_secs(1)).await;
    assert_eq!(l.transport().pooled(), 0);
    for _ in 0..40 {
        if f.open.load(Ordering::SeqCst) == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        f.open.load(Ordering::SeqCst),
        0,
        "the peer saw every connection close"
    );
    let e = l.request(&f.addr, GET_CONSUME_STATS, "stats").await.unwrap_err();
    assert!(matches!(e, Error::Cancelled), "{e}");
}

#[tokio::test]
async fn a_failed_batch_of_writes_tells_the_written_from_the_never_sent() {
    // 40 offset writes on one connection: the first window (32) is written, the peer hangs up
    // on reading the first; the 8 after the window never left.
    let f = fake(Some(UPDATE_CONSUMER_OFFSET), false).await;
    let l = link(2000);
    let writes: Vec<Request> = (0..40)
        .map(|i| {
            (
                UPDATE_CONSUMER_OFFSET,
                BTreeMap::from([("queueId".to_owned(), i.to_string())]),
            )
        })
        .collect();
    let replies = l.batch(&f.addr, writes, 1).await;
    let unknown = replies
        .iter()
        .filter(|r| matches!(r, Err(Error::OutcomeUnknown { .. })))
        .count();
    let not_sent = replies
        .iter()
        .filter(|r| matches!(r, Err(Error::Unreachable { detail, .. }) if detail.starts_with("not sent")))
        .count();
    assert_eq!((unknown, not_sent), (WINDOW, 40 - WINDOW), "{replies:?}");
}

#[tokio::test]
async fn an_answer_to_another_request_is_refused() {
    // Answers every request with an opaque it was never sent.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (mut buf, mut chunk) = (Vec::new(), vec![0u8; 4096]);
                while let Ok(n) = s.read(&mut chunk).await {
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    for (h, _) in take_requests(&mut buf) {
                        let wrong = h["opaque"].as_i64().unwrap() + 1000;
                        let reply =
                            reply_frame(&serde_json::json!({"code": 0, "opaque": wrong, "flag": 1}), b"");
                        let _ = s.write_all(&reply).await;
                    }
                }
            });
        }
    });
    let l = link(2000);
    let e = l.request(&addr, GET_CONSUME_STATS, "stats").await.unwrap_err();
    assert!(
        e.detail().unwrap_or_default().contains("instead of"),
        "{e}: {:?}",
        e.detail()
    );
    let replies = l.batch(&addr, numbered(3), 1).await;
    assert!(replies.iter().all(Result::is_err), "{replies:?}");
    assert_eq!(
        l.transport().pooled(),
        0,
        "an out-of-step connection is never pooled"
    );
}

#[tokio::test]
async fn a_retired_transport_goes_on_without_pooling() {
    let f = fake(None, false).await;
    let l = link(2000);
    l.request(&f.addr, GET_CONSUME_STATS, "stats").await.unwrap();
    assert_eq!(l.transport().pooled(), 1);
    l.transport().retire();
    assert_eq!(l.transport().pooled(), 0);
    // A job still holding the replaced client keeps working.
    l.request(&f.addr, GET_CONSUME_STATS, "stats").await.unwrap();
    l.invoke_body(&f.addr, SEND_MESSAGE, BTreeMap::new(), b"x")
        .await
        .unwrap();
    assert_eq!(l.transport().pooled(), 0);
}

/// A name server that fails the first cluster-table read as a Java one does when its route table
/// changes under the reply, then answers.
#[tokio::test]
async fn a_cluster_table_changed_while_read_is_read_again() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let asked = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = std::sync::Arc::clone(&asked);
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let seen = std::sync::Arc::clone(&seen);
            tokio::spawn(async move {
                let (mut buf, mut chunk) = (Vec::new(), vec![0u8; 4096]);
                loop {
                    let Ok(n) = s.read(&mut chunk).await else { return };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    for h in take_request_headers(&mut buf) {
                        let first = seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0;
                        let (code, remark, body): (i32, &str, &[u8]) = if first {
                            (
                                1,
                                "java.util.ConcurrentModificationException, java.base/java.util.HashMap",
                                b"",
                            )
                        } else {
                            (0, "", br#"{"brokerAddrTable":{},"clusterAddrTable":{}}"#)
                        };
                        let header = serde_json::to_vec(&serde_json::json!({
                            "code": code, "opaque": h["opaque"], "flag": 1, "remark": remark,
                        }))
                        .unwrap();
                        let mut f = ((4 + header.len() + body.len()) as u32).to_be_bytes().to_vec();
                        f.extend_from_slice(&(header.len() as u32).to_be_bytes());
                        f.extend_from_slice(&header);
                        f.extend_from_slice(body);
                        if s.write_all(&f).await.is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });
    let table = link(2000).cluster_table(&[addr]).await.unwrap();
    assert!(table.broker_addr_table.is_empty());
    assert_eq!(asked.load(std::sync::atomic::Ordering::SeqCst), 2);
}
