//! The per-connection dialer against real clusters: a java5 cluster with TLS enforcing on its
//! name server and both brokers (certificates signed by a CA the harness makes), and a java5
//! cluster whose brokers advertise unresolvable names (`broker-a.invalid`, `broker-b.invalid`),
//! reached through a rewrite table. On each, one tour of every screen's core calls: overview,
//! topics (list, create, detail, send, delete), groups (create, list, detail, an offset reset and
//! its undo), message lookup (id, key, scan) and the live tail; the same through mutual TLS (a
//! java5 cluster whose servers require a client certificate, given with an encrypted key and its
//! passphrase). Then the failures: a plain client
//! on the TLS-only port, a TLS client on a plain port, an untrusted CA, a wrong rewrite target —
//! each a specific error within the deadline.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "integration tests"
)]

#[path = "support.rs"]
mod support;

use std::time::{Duration, Instant};

use rmq_console_core::cluster::BrokerStatus;
use rmq_console_core::connection::ConnectionDraft;
use rmq_console_core::group::GroupConfig;
use rmq_console_core::group::admin::GroupSpec;
use rmq_console_core::group::offset::{ResetMode, ResetRequest};
use rmq_console_core::jobs::JobOutcome;
use rmq_console_core::message::browse::TailRequest;
use rmq_console_core::message::query::{IdKind, IdQuery, KeyQuery};
use rmq_console_core::message::scan::{ScanFilter, ScanRequest};
use rmq_console_core::message::{MessageBody, SendRequest};
use rmq_console_core::model::{ConnectionId, Millis};
use rmq_console_core::remoting::{Rewrite, TlsSpec, TlsVerify};
use rmq_console_core::safety::Confirmation;
use rmq_console_core::topic::admin::TopicSpec;
use rmq_console_core::{Console, ErrorCode};
use support::{batch_items, collecting, console, finished, uuid_like};

fn acked() -> Confirmation {
    Confirmation {
        typed: None,
        acknowledged: true,
    }
}

/// Starts (or reuses) a java5 variant; returns its `env` lines.
fn variant(name: &str, option: &str) -> Vec<(String, String)> {
    let out = std::process::Command::new(support::harness())
        .args(["start", "java5", name, option])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let env = std::process::Command::new(support::harness())
        .args(["env", name])
        .output()
        .unwrap();
    String::from_utf8(env.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
        .collect()
}

fn get(env: &[(String, String)], key: &str) -> String {
    env.iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .unwrap()
}

async fn connect(c: &Console, namesrv: &str, tls: Option<TlsSpec>, rewrites: Vec<Rewrite>) -> ConnectionId {
    let draft = ConnectionDraft {
        name: format!("it-{}", uuid_like()),
        namesrv_addrs: namesrv.to_owned(),
        tls,
        rewrites,
        ..Default::default()
    };
    c.connection_create(&draft).await.unwrap().id
}

/// Every screen's core calls through one connection of a variant.
async fn tour(c: &Console, id: &ConnectionId, cluster_name: &str, messages: bool) {
    // Overview: both brokers up (a broker that booted a moment ago may refuse its runtime stats
    // for a second or two).
    let deadline = Instant::now() + Duration::from_secs(20);
    let o = loop {
        let o = c.cluster_overview(id).await.unwrap();
        let up = o
            .clusters
            .iter()
            .flat_map(|cl| cl.brokers.iter())
            .filter(|b| b.status == BrokerStatus::Up)
            .count();
        if up == 2 || Instant::now() > deadline {
            break o;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let brokers: Vec<_> = o.clusters.iter().flat_map(|cl| cl.brokers.iter()).collect();
    assert_eq!(brokers.len(), 2, "{o:?}");
    assert!(
        brokers.iter().all(|b| b.status == BrokerStatus::Up),
        "{brokers:?}"
    );
    assert!(o.name_servers.iter().all(|n| n.reachable), "{:?}", o.name_servers);

    // Topics: create, list, detail, send, look up, scan, tail.
    let tag = uuid_like();
    let topic = format!("ItDial{tag}");
    let spec = TopicSpec {
        name: topic.clone(),
        clusters: vec![cluster_name.to_owned()],
        brokers: vec![],
        read_queues: 2,
        write_queues: 2,
        perm: 6,
        message_type: None,
        order: false,
    };
    c.topic_upsert(id, &spec, &acked()).await.unwrap();
    let listed = c.topic_list(id).await.unwrap();
    assert!(
        listed.topics.iter().any(|t| t.name == topic),
        "the new topic is listed"
    );
    let mut routed = 0;
    for _ in 0..40 {
        routed = c
            .topic_detail(id, &topic)
            .await
            .map(|d| d.route.len())
            .unwrap_or(0);
        if routed == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(routed, 2, "routed to both brokers");
    let group = format!("it-dial-{tag}");
    let gspec = GroupSpec {
        group: group.clone(),
        clusters: vec![cluster_name.to_owned()],
        brokers: vec![],
        config: GroupConfig::default(),
    };
    c.group_upsert(id, &gspec, &acked()).await.unwrap();
    if messages {
        messages_and_offsets(c, id, &topic, &tag, &group).await;
    } else {
        let listed = c.group_list(id, Default::default()).await.unwrap();
        assert!(listed.groups.iter().any(|g| g.group == group));
    }
    c.topic_delete(
        id,
        &topic,
        &Confirmation {
            typed: Some(topic.clone()),
            acknowledged: true,
        },
    )
    .await
    .unwrap();
}

/// Messages (send, id, offset id, key, scan, tail) and a group's offsets (reset, undo) on `topic`.
async fn messages_and_offsets(c: &Console, id: &ConnectionId, topic: &str, tag: &str, group: &str) {
    let topic = topic.to_owned();
    let group = group.to_owned();
    let key = format!("k-{tag}");
    let mut sent = Vec::new();
    for i in 0..6 {
        let req = SendRequest {
            topic: topic.clone(),
            tag: Some("dial".into()),
            keys: vec![key.clone()],
            properties: Default::default(),
            body: MessageBody::Text {
                text: format!("hello {i}"),
            },
            delay_level: None,
            deliver_at: None,
            broker_name: None,
            queue_id: None,
        };
        sent.push(c.message_send(id, &req, &acked()).await.unwrap().result);
    }
    // By unique key and by offset id (the stored host is decoded and matched to a broker).
    let by_uniq = c
        .message_by_id(
            id,
            &IdQuery {
                id: sent[0].msg_id.clone(),
                topic: Some(topic.clone()),
            },
        )
        .await
        .unwrap();
    assert_eq!(by_uniq.matched_as, IdKind::UniqueKey);
    let by_offset = c.message_by_offset_id(id, &sent[1].offset_msg_id).await.unwrap();
    assert_eq!(by_offset.body_text.as_deref(), Some("hello 1"));
    // By key: the index is written a moment after the store.
    let mut hits = 0;
    for _ in 0..50 {
        let r = c
            .message_by_key(
                id,
                &KeyQuery {
                    topic: topic.clone(),
                    key: key.clone(),
                    begin: None,
                    end: None,
                    limit: None,
                },
            )
            .await
            .unwrap();
        hits = r.rows.len();
        if hits == 6 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(hits, 6, "every message by key");
    let (sink, events) = collecting();
    let scan = ScanRequest {
        topic: topic.clone(),
        begin: Millis(Millis::now().0 - 600_000),
        end: Millis(Millis::now().0 + 60_000),
        filter: ScanFilter {
            body_contains: Some("hello 3".into()),
            ..ScanFilter::default()
        },
        limit: None,
        cursor: None,
    };
    c.message_scan(id, &scan, sink).await.unwrap();
    let (outcome, items) = finished(&events, 60).await;
    assert!(matches!(outcome, JobOutcome::Completed { .. }), "{outcome:?}");
    let matched: Vec<&serde_json::Value> = items
        .iter()
        .filter(|i| i["kind"] == "matches")
        .flat_map(|i| i["rows"].as_array().into_iter().flatten())
        .collect();
    assert_eq!(matched.len(), 1, "the body filter matched one: {items:?}");
    assert_eq!(matched[0]["bodyPreview"], "hello 3");

    // The live tail sees a message sent after it started.
    let (sink, events) = collecting();
    let job = c
        .message_tail(
            id,
            &TailRequest {
                topic: topic.clone(),
                tags: None,
            },
            sink,
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let late = SendRequest {
        topic: topic.clone(),
        tag: None,
        keys: vec![],
        properties: Default::default(),
        body: MessageBody::Text {
            text: "tailed".into(),
        },
        delay_level: None,
        deliver_at: None,
        broker_name: None,
        queue_id: None,
    };
    c.message_send(id, &late, &acked()).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let seen = batch_items(&events)
            .iter()
            .any(|i| i.to_string().contains("tailed"));
        if seen {
            break;
        }
        assert!(Instant::now() < deadline, "the tail did not show the new message");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(c.jobs().cancel(&job));

    // Groups: create, list, detail, reset to the earliest offset (offline: offsets written per
    // queue), then undo.
    let latest = ResetRequest {
        group: group.clone(),
        topic: Some(topic.clone()),
        mode: ResetMode::Latest,
    };
    let first = c.offset_reset(id, &latest, &acked()).await.unwrap();
    assert!(first.queues.iter().all(|q| q.took), "{first:?}");
    let earliest = ResetRequest {
        mode: ResetMode::Earliest,
        ..latest.clone()
    };
    let second = c.offset_reset(id, &earliest, &acked()).await.unwrap();
    assert!(
        second.queues.iter().all(|q| q.took && q.target.0 == 0),
        "{second:?}"
    );
    let detail = c.group_detail(id, &group).await.unwrap();
    assert_eq!(detail.lag.map(|l| l.0), Some(7), "{detail:?}");
    let undo = c.offset_undo(id, second.snapshot_id.0, &acked()).await.unwrap();
    assert!(undo.queues.iter().all(|q| q.took), "{undo:?}");
    let listed = c.group_list(id, Default::default()).await.unwrap();
    let row = listed.groups.iter().find(|g| g.group == group).unwrap();
    assert_eq!(row.lag.map(|l| l.0), Some(0), "back at the latest: {row:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_enforcing_cluster_through_a_tls_connection() {
    let env = variant("java5tls", "--tls");
    let (ns, ca) = (get(&env, "NAMESRV"), get(&env, "TLS_CA"));
    let c = console().await;
    let tls = TlsSpec {
        verify: TlsVerify::CaFile { path: ca.clone() },
        client_cert: None,
        client_key: None,
    };
    let id = connect(&c, &ns, Some(tls.clone()), vec![]).await;
    tour(&c, &id, "java5tls-cluster", true).await;

    // Test connection reports the TLS session: protocol, the server certificate's subject, expiry.
    let draft = ConnectionDraft {
        name: "tls-test".into(),
        namesrv_addrs: ns.clone(),
        tls: Some(tls.clone()),
        ..Default::default()
    };
    let report = c.connection_test(&draft).await.unwrap();
    assert_eq!(report.broker_count, 2);
    let session = report
        .tls
        .iter()
        .find(|s| s.addr == ns)
        .expect("the name server's session");
    assert!(session.subject.contains("CN=localhost"), "{session:?}");
    assert!(session.issuer.contains("rmq-console test CA"), "{session:?}");
    assert!(session.protocol.starts_with("TLSv1_"), "{session:?}");
    assert!(session.not_after.0 > Millis::now().0 && !session.unverified);

    // A plain client on the TLS-only port: a TLS error that says so, within the deadline.
    let started = Instant::now();
    let plain = ConnectionDraft {
        tls: None,
        ..draft.clone()
    };
    let e = c.connection_test(&plain).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Tls, "{e}: {:?}", e.detail());
    assert!(
        e.detail().unwrap_or_default().contains("TLS only"),
        "{:?}",
        e.detail()
    );
    // An untrusted CA (the system roots do not know the harness CA).
    let system = ConnectionDraft {
        tls: Some(TlsSpec {
            verify: TlsVerify::SystemRoots,
            ..tls.clone()
        }),
        ..draft.clone()
    };
    let e = c.connection_test(&system).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Tls, "{e}");
    assert!(
        e.detail().unwrap_or_default().contains("not trusted"),
        "{:?}",
        e.detail()
    );
    // Accept-any reaches it and says the certificate was not checked.
    let any = ConnectionDraft {
        tls: Some(TlsSpec {
            verify: TlsVerify::AcceptAny,
            ..tls.clone()
        }),
        ..draft.clone()
    };
    let r = c.connection_test(&any).await.unwrap();
    assert!(r.tls.iter().all(|s| s.unverified));
    assert!(started.elapsed() < Duration::from_secs(30));
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls_cluster_through_a_client_certificate_with_an_encrypted_key() {
    let env = variant("java5mtls", "--mtls");
    let ns = get(&env, "NAMESRV");
    let c = console().await;
    let tls = |client: Option<(&str, &str)>| TlsSpec {
        verify: TlsVerify::CaFile {
            path: get(&env, "TLS_CA"),
        },
        client_cert: client.map(|(cert, _)| get(&env, cert)),
        client_key: client.map(|(_, key)| get(&env, key)),
    };
    let draft = ConnectionDraft {
        name: "mtls-test".into(),
        namesrv_addrs: ns.clone(),
        tls: Some(tls(None)),
        ..Default::default()
    };

    // No client certificate: the server refuses the session, and the error says what is missing.
    let started = Instant::now();
    let e = c.connection_test(&draft).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Tls, "{e}: {:?}", e.detail());
    assert!(
        e.detail().unwrap_or_default().contains("client certificate"),
        "{:?}",
        e.detail()
    );
    assert!(started.elapsed() < Duration::from_secs(30));

    // The encrypted key without its passphrase, then with a wrong one: said so before dialling.
    let encrypted = ConnectionDraft {
        tls: Some(tls(Some(("TLS_CLIENT_CERT", "TLS_CLIENT_KEY_ENC")))),
        ..draft.clone()
    };
    for pass in [None, Some("not-the-passphrase")] {
        let attempt = ConnectionDraft {
            key_passphrase: pass.map(str::to_owned),
            ..encrypted.clone()
        };
        let e = c.connection_test(&attempt).await.unwrap_err();
        let said = format!("{e} {:?}", e.detail());
        assert!(said.contains("passphrase"), "{pass:?}: {said}");
    }

    // With the certificate and the encrypted key's passphrase: every screen's calls go through.
    let with_key = ConnectionDraft {
        name: format!("it-{}", uuid_like()),
        key_passphrase: Some(get(&env, "TLS_CLIENT_KEY_PASS")),
        ..encrypted
    };
    let report = c.connection_test(&with_key).await.unwrap();
    assert_eq!(report.broker_count, 2);
    let id = c.connection_create(&with_key).await.unwrap().id;
    tour(&c, &id, "java5mtls-cluster", true).await;

    // The plain (unencrypted) key works as well.
    let plain_key = ConnectionDraft {
        tls: Some(tls(Some(("TLS_CLIENT_CERT", "TLS_CLIENT_KEY")))),
        ..draft
    };
    assert_eq!(c.connection_test(&plain_key).await.unwrap().broker_count, 2);
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tls_client_on_a_plain_port_fails_with_a_tls_error_in_time() {
    // The rocketmq-rust name server speaks plain remoting only.
    let ns = support::cluster("rust", "rust", false);
    let c = console().await;
    let draft = ConnectionDraft {
        name: "tls-on-plain".into(),
        namesrv_addrs: ns,
        tls: Some(TlsSpec {
            verify: TlsVerify::AcceptAny,
            client_cert: None,
            client_key: None,
        }),
        ..Default::default()
    };
    let started = Instant::now();
    let e = c.connection_test(&draft).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Tls, "{e}: {:?}", e.detail());
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn brokers_advertising_unresolvable_names_through_a_rewrite_table() {
    let env = variant("java5inv", "--advertise-invalid");
    let ns = get(&env, "NAMESRV");
    let c = console().await;
    // Without a rewrite, the brokers cannot be dialled: down, with the name in the reason.
    let bare = connect(&c, &ns, None, vec![]).await;
    let o = c.cluster_overview(&bare).await.unwrap();
    let brokers: Vec<_> = o.clusters.iter().flat_map(|cl| cl.brokers.iter()).collect();
    assert_eq!(brokers.len(), 2);
    assert!(
        brokers.iter().all(|b| b.status != BrokerStatus::Up),
        "{brokers:?}"
    );
    assert!(brokers.iter().all(|b| b.addr.contains(".invalid:")));

    let rewrites = vec![
        Rewrite {
            from: "broker-a.invalid".into(),
            to: "127.0.0.1".into(),
        },
        Rewrite {
            from: get(&env, "ADVERTISED_broker_b"),
            to: get(&env, "BROKER_broker_b"),
        },
    ];
    let id = connect(&c, &ns, None, rewrites.clone()).await;
    // The overview shows the advertised and the dialled address.
    let o = c.cluster_overview(&id).await.unwrap();
    for b in o.clusters.iter().flat_map(|cl| cl.brokers.iter()) {
        assert!(b.addr.contains(".invalid:"), "{b:?}");
        assert!(
            b.dialed_addr
                .as_deref()
                .is_some_and(|d| d.starts_with("127.0.0.1:")),
            "{b:?}"
        );
    }
    // A 5.5 broker whose brokerIP1 does not resolve cannot store a message (its store host is
    // encoded from the resolved address: NullPointerException in socketAddress2ByteBuffer), so
    // messages are toured on the unbound variant below.
    tour(&c, &id, "java5inv-cluster", false).await;

    // Test connection lists every rewrite it applied.
    let draft = ConnectionDraft {
        name: "rewrite-test".into(),
        namesrv_addrs: ns.clone(),
        rewrites: rewrites.clone(),
        ..Default::default()
    };
    let report = c.connection_test(&draft).await.unwrap();
    assert_eq!(report.rewrites.len(), 2, "{:?}", report.rewrites);
    assert!(report.rewrites.iter().all(|r| r.to.starts_with("127.0.0.1:")));

    // A wrong rewrite target: the broker is unreachable, and the error names the rewrite.
    let wrong = vec![Rewrite {
        from: "broker-a.invalid".into(),
        to: "127.0.0.1:1".into(),
    }];
    let bad = connect(&c, &ns, None, wrong).await;
    let started = Instant::now();
    let o = c.cluster_overview(&bad).await.unwrap();
    let a = o
        .clusters
        .iter()
        .flat_map(|cl| cl.brokers.iter())
        .find(|b| b.broker_name == "broker-a")
        .unwrap();
    assert_eq!(a.status, BrokerStatus::Unreachable);
    let why = a.status_detail.clone().unwrap_or_default();
    assert!(why.contains("Unreachable") && why.contains("rewrite"), "{why}");
    assert!(started.elapsed() < Duration::from_secs(10));
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn brokers_advertising_an_unbound_address_through_a_rewrite_table() {
    // Brokers listen on 127.0.0.1 only and advertise 127.0.0.2: unreachable as advertised.
    let env = variant("java5unb", "--advertise-unbound");
    let ns = get(&env, "NAMESRV");
    let c = console().await;
    let bare = connect(&c, &ns, None, vec![]).await;
    let o = c.cluster_overview(&bare).await.unwrap();
    assert!(
        o.clusters
            .iter()
            .flat_map(|cl| cl.brokers.iter())
            .all(|b| b.status == BrokerStatus::Unreachable && b.addr.starts_with("127.0.0.2:"))
    );
    let rewrites = vec![Rewrite {
        from: "127.0.0.2".into(),
        to: "127.0.0.1".into(),
    }];
    let id = connect(&c, &ns, None, rewrites).await;
    // Offset message ids carry the advertised 127.0.0.2: matched to the broker, dialled rewritten.
    tour(&c, &id, "java5unb-cluster", true).await;
    c.shutdown().await;
}
