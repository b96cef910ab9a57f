//! Integration tests of the console core against real clusters started by `tests/cluster`:
//! Apache RocketMQ 5.x (two brokers), 4.9.x with plain ACL on, and the rocketmq-rust broker.
//! What the console reports is cross-checked with the official `mqadmin clusterList`.
//!
//! Each test starts (or reuses) its cluster through the harness; the README's test command stops
//! them at the end. `kill_broker_*` is `#[ignore]`d because it breaks the shared cluster: the test
//! command runs it last, on its own.

#![recursion_limit = "512"]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failure is a failed test"
)]

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use rmq_console_core::cluster::{BrokerStatus, ClusterOverview};
use rmq_console_core::connection::ConnectionDraft;
use rmq_console_core::group::{GroupListOptions, StatsSource};
use rmq_console_core::topic::TopicType;
use rmq_console_core::{Console, ErrorCode};

mod support;
use support::{
    broker_addr, cluster, connect, console, harness, mqadmin, mqadmin_create_topic, mqadmin_send,
    mqadmin_topics, uuid_like,
};

const ACL: (&str, &str) = ("rmq-console-admin", "rmq-console-secret-1");

/// (cluster, broker name, broker id, address, version) rows of `mqadmin clusterList`.
fn cluster_list_rows(text: &str) -> BTreeSet<(String, String, u32, String, String)> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            if f.len() < 5 || !f[3].contains(':') {
                return None;
            }
            Some((
                f[0].to_owned(),
                f[1].to_owned(),
                f[2].parse().ok()?,
                f[3].to_owned(),
                f[4].to_owned(),
            ))
        })
        .collect()
}

fn our_rows(o: &ClusterOverview) -> BTreeSet<(String, String, u32, String, String)> {
    o.clusters
        .iter()
        .flat_map(|c| c.brokers.iter())
        .map(|b| {
            (
                b.cluster.clone(),
                b.broker_name.clone(),
                b.broker_id,
                b.addr.clone(),
                b.version.clone().unwrap_or_default(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn java5_overview_matches_mqadmin_cluster_list() {
    let ns = cluster("java5", "java5", false);
    let c = console().await;
    let id = connect(&c, &ns, None).await;
    let o = c.cluster_overview(&id).await.unwrap();
    assert_eq!(o.clusters.len(), 1, "one cluster");
    let brokers = &o.clusters[0].brokers;
    assert_eq!(brokers.len(), 2, "two brokers: {brokers:?}");
    for b in brokers {
        assert_eq!(b.status, BrokerStatus::Up, "{b:?}");
        assert!(
            b.version.as_deref().is_some_and(|v| v.starts_with("V5_")),
            "{b:?}"
        );
        assert!(
            b.commit_log_disk_ratio.is_some() && b.boot_time.is_some() && b.put_tps.is_some(),
            "{b:?}"
        );
        assert_eq!(b.role, "master");
    }
    assert!(o.name_servers.iter().all(|n| n.reachable && n.rtt_ms.is_some()));
    assert_eq!(
        our_rows(&o),
        cluster_list_rows(&mqadmin("java5", &["clusterList"]))
    );

    // Broker detail: runtime stats and config of the broker that was asked for.
    let addr = &brokers[1].addr;
    let d = c.broker_detail(&id, addr).await.unwrap();
    let get = |kv: &[rmq_console_core::cluster::KeyValue], k: &str| {
        kv.iter().find(|x| x.key == k).map(|x| x.value.clone())
    };
    assert_eq!(
        get(&d.config, "brokerName").as_deref(),
        Some(brokers[1].broker_name.as_str())
    );
    assert!(get(&d.runtime, "brokerVersionDesc").is_some());
    let err = c.broker_detail(&id, "127.0.0.1:1").await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);

    // Test connection reports the same brokers with versions.
    let r = c.connection_test_saved(&id).await.unwrap();
    assert_eq!(r.broker_count, 2);
    assert!(r.brokers.iter().all(|b| b.version.is_some()));
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn java4_with_acl_accepts_right_credentials_and_rejects_wrong_ones() {
    let ns = cluster("java4", "java4acl", true);
    let c = console().await;
    let good = connect(&c, &ns, Some(ACL)).await;
    let o = c.cluster_overview(&good).await.unwrap();
    let brokers: Vec<_> = o.clusters.iter().flat_map(|c| &c.brokers).collect();
    assert_eq!(brokers.len(), 1);
    assert_eq!(brokers[0].status, BrokerStatus::Up);
    assert!(
        brokers[0]
            .version
            .as_deref()
            .is_some_and(|v| v.starts_with("V4_9")),
        "{:?}",
        brokers[0]
    );
    assert_eq!(
        our_rows(&o),
        cluster_list_rows(&mqadmin("java4acl", &["clusterList"]))
    );
    // The group list's requests (tables, pipelined batches) are signed too.
    for activity in [false, true] {
        let l = c
            .group_list(
                &good,
                GroupListOptions {
                    clients: true,
                    stats: StatsSource::OffsetTable,
                    activity,
                },
            )
            .await
            .unwrap();
        assert!(
            l.failed_brokers.is_empty() && l.per_group_fallback.is_empty() && l.broker_wide.is_empty(),
            "{l:?}"
        );
        assert!(l.groups.iter().any(|g| g.system), "{:?}", l.groups);
        assert!(
            l.groups.iter().all(|g| g.clients_note.is_none()),
            "{:?}",
            l.groups
        );
    }

    let wrong = ConnectionDraft {
        name: "wrong".into(),
        namesrv_addrs: ns.clone(),
        access_key: Some(ACL.0.into()),
        secret_key: Some("not-the-secret".into()),
        ..Default::default()
    };
    assert_eq!(
        c.connection_test(&wrong).await.unwrap_err().code(),
        ErrorCode::Unauthorized
    );
    let none = ConnectionDraft {
        name: "none".into(),
        namesrv_addrs: ns,
        ..Default::default()
    };
    assert_eq!(
        c.connection_test(&none).await.unwrap_err().code(),
        ErrorCode::Unauthorized
    );
    // In the overview a rejected broker is shown with the reason, not dropped.
    let bad = connect(&c, &wrong.namesrv_addrs, Some((ACL.0, "nope"))).await;
    let o = c.cluster_overview(&bad).await.unwrap();
    let b = &o.clusters[0].brokers[0];
    assert_eq!(b.status, BrokerStatus::Unreachable);
    assert!(
        b.status_detail
            .as_deref()
            .is_some_and(|d| d.starts_with("Unauthorized")),
        "{b:?}"
    );
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_broker_overview_matches_mqadmin_cluster_list() {
    let ns = cluster("rust", "rust", false);
    let c = console().await;
    let id = connect(&c, &ns, None).await;
    // The rocketmq-rust broker registers a moment after its port opens.
    let deadline = Instant::now() + Duration::from_secs(30);
    let o = loop {
        let o = c.cluster_overview(&id).await.unwrap();
        if !o.clusters.is_empty() || Instant::now() > deadline {
            break o;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let brokers: Vec<_> = o.clusters.iter().flat_map(|c| &c.brokers).collect();
    assert_eq!(brokers.len(), 1, "{o:?}");
    assert_eq!(brokers[0].status, BrokerStatus::Up, "{:?}", brokers[0]);
    assert!(brokers[0].version.is_some(), "{:?}", brokers[0]);
    let ours = our_rows(&o);
    let theirs = cluster_list_rows(&mqadmin("rust", &["clusterList"]));
    assert_eq!(ours, theirs);
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_name_server_address_is_unreachable_and_a_silent_one_times_out() {
    let c = console().await;
    // Nothing listens on port 1.
    let draft = ConnectionDraft {
        name: "closed".into(),
        namesrv_addrs: "127.0.0.1:1".into(),
        ..Default::default()
    };
    assert_eq!(
        c.connection_test(&draft).await.unwrap_err().code(),
        ErrorCode::Unreachable
    );
    let id = connect(&c, "127.0.0.1:1", None).await;
    assert_eq!(
        c.cluster_overview(&id).await.unwrap_err().code(),
        ErrorCode::Unreachable
    );
    // A peer that accepts the connection and never answers: the request times out, bounded.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = silent.local_addr().unwrap().to_string();
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = silent.accept().await {
            held.push(s);
        }
    });
    let draft = ConnectionDraft {
        name: "silent".into(),
        namesrv_addrs: addr,
        ..Default::default()
    };
    let err = c.connection_test(&draft).await.unwrap_err();
    assert!(
        matches!(err.code(), ErrorCode::Timeout | ErrorCode::Unreachable),
        "{err:?}"
    );
    hold.abort();
    // Malformed input never reaches the network.
    let bad = ConnectionDraft {
        name: "bad".into(),
        namesrv_addrs: "localhost".into(),
        ..Default::default()
    };
    assert_eq!(
        c.connection_test(&bad).await.unwrap_err().code(),
        ErrorCode::Validation
    );
    c.shutdown().await;
}

/// Needs a Secret Service on the session bus (the test command runs gnome-keyring in a private
/// D-Bus session and sets RMQ_TEST_KEYCHAIN=1). Without it, the test fails rather than pass silently.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Secret Service: run by the test command inside a D-Bus session"]
async fn saved_secret_is_in_the_keychain_and_not_in_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let service = format!("rmq-console-test-{}", uuid_like());
    let c = Console::open(
        dir.path(),
        rmq_console_core::ConsoleOptions {
            keychain_service: service.clone(),
            no_keychain: false,
        },
    )
    .await
    .unwrap();
    assert!(
        c.secrets().status().available,
        "no Secret Service: {:?}",
        c.secrets().status()
    );
    let secret = format!("s3cret-{}", uuid_like());
    let draft = ConnectionDraft {
        name: "acl".into(),
        namesrv_addrs: "127.0.0.1:9876".into(),
        access_key: Some("ak".into()),
        secret_key: Some(secret.clone()),
        ..Default::default()
    };
    let p = c.connection_create(&draft).await.unwrap();
    assert_eq!(
        p.secret_state,
        rmq_console_core::connection::SecretState::Keychain
    );
    c.shutdown().await;
    // The keychain holds it, under the connection's id.
    let stored = keyring::Entry::new(&service, &p.id.0)
        .unwrap()
        .get_password()
        .unwrap();
    assert_eq!(stored, secret);
    // No file of the store contains it (main file, WAL, shared memory).
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "secret found in the store"
        );
    }
    // A new console on the same store finds the secret again through the keychain.
    let c2 = Console::open(
        dir.path(),
        rmq_console_core::ConsoleOptions {
            keychain_service: service.clone(),
            no_keychain: false,
        },
    )
    .await
    .unwrap();
    let (_, spec) = c2.client_spec(&p.id).await.unwrap();
    assert_eq!(spec.credentials, Some(("ak".into(), secret)));
    c2.connection_delete(&p.id).await.unwrap();
    assert!(matches!(
        keyring::Entry::new(&service, &p.id.0).unwrap().get_password(),
        Err(keyring::Error::NoEntry)
    ));
    c2.shutdown().await;
}

/// Kills one broker of the shared java5 cluster: the next refresh marks it down, the other stays up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "breaks the shared java5 cluster: the test command runs it last"]
async fn kill_broker_marks_it_down_on_the_next_refresh() {
    let ns = cluster("java5", "java5", false);
    let c = console().await;
    let id = connect(&c, &ns, None).await;
    let before = c.cluster_overview(&id).await.unwrap();
    assert_eq!(before.clusters[0].brokers.len(), 2);
    let out = Command::new(harness())
        .args(["kill-broker", "java5", "broker-b"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let after = c.cluster_overview(&id).await.unwrap();
    let brokers = &after.clusters[0].brokers;
    assert_eq!(brokers.len(), 2, "the dead broker is still listed: {brokers:?}");
    let b = brokers.iter().find(|b| b.broker_name == "broker-b").unwrap();
    assert_ne!(b.status, BrokerStatus::Up, "{b:?}");
    assert!(b.status_detail.is_some());
    let a = brokers.iter().find(|b| b.broker_name == "broker-a").unwrap();
    assert_eq!(a.status, BrokerStatus::Up);
    // Once the name server drops it from the route, it is still shown, as missing.
    let deadline = Instant::now() + Duration::from_secs(150);
    loop {
        let o = c.cluster_overview(&id).await.unwrap();
        let b = o.clusters[0]
            .brokers
            .iter()
            .find(|b| b.broker_name == "broker-b")
            .unwrap()
            .clone();
        if b.status == BrokerStatus::Missing {
            assert!(b.last_seen.is_some());
            break;
        }
        assert_ne!(b.status, BrokerStatus::Up);
        assert!(
            Instant::now() < deadline,
            "name server never dropped the dead broker"
        );
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    c.shutdown().await;
}

async fn check_topic_list(flavour: &str, name: &str, typed: &[(&str, &[&str], TopicType)]) {
    let ns = cluster(flavour, name, false);
    let cluster_name = format!("{name}-cluster");
    for (topic, extra, _) in typed {
        mqadmin_create_topic(name, &cluster_name, topic, extra);
    }
    let c = console().await;
    let id = connect(&c, &ns, None).await;
    let listing = c.topic_list(&id).await.unwrap();
    assert!(listing.failed_brokers.is_empty(), "{:?}", listing.failed_brokers);
    for (topic, _, expected) in typed {
        let row = listing
            .topics
            .iter()
            .find(|t| t.name == *topic)
            .unwrap_or_else(|| panic!("{topic} missing"));
        assert_eq!(row.topic_type, *expected, "{row:?}");
        assert_eq!(row.perm, "RW");
        assert!(row.read_queues >= 4 && row.write_queues >= 4, "{row:?}");
        assert!(!row.brokers.is_empty());
    }
    // Every topic the official tool lists is in ours, with nothing extra.
    let ours: BTreeSet<String> = listing.topics.iter().map(|t| t.name.clone()).collect();
    assert_eq!(ours, mqadmin_topics(name));
    // System topics are recognised as such.
    let trace = listing
        .topics
        .iter()
        .find(|t| t.name == "RMQ_SYS_TRACE_TOPIC" || t.name == "TBW102");
    if let Some(t) = trace {
        assert_eq!(t.topic_type, TopicType::System);
    }
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn java5_topic_list_types_every_kind_and_matches_mqadmin() {
    let before = header_decoding_errors("java5");
    check_topic_list(
        "java5",
        "java5",
        &[
            ("ItNormal", &["-a", "+message.type=NORMAL"], TopicType::Normal),
            ("ItFifo", &["-a", "+message.type=FIFO"], TopicType::Fifo),
            ("ItDelay", &["-a", "+message.type=DELAY"], TopicType::Delay),
            (
                "ItTx",
                &["-a", "+message.type=TRANSACTION"],
                TopicType::Transaction,
            ),
            ("%RETRY%it-group", &[], TopicType::Retry),
            ("%DLQ%it-group", &[], TopicType::Dlq),
        ],
    )
    .await;
    // The topic and group lists ask for whole tables without header fields: a 5.x broker logs
    // "Failed field [topicSeq] decoding" (or groupSeq) at ERROR for a header map without them.
    let ns = cluster("java5", "java5", false);
    let c = console().await;
    let id = connect(&c, &ns, None).await;
    c.topic_list(&id).await.unwrap();
    c.group_list(&id, GroupListOptions::default()).await.unwrap();
    c.shutdown().await;
    tokio::time::sleep(Duration::from_secs(1)).await; // the broker's log appender is asynchronous
    assert_eq!(
        header_decoding_errors("java5"),
        before,
        "the lists made a broker log ERROR"
    );
}

/// Lines of a harness cluster's broker logs saying a paging header field failed to decode.
fn header_decoding_errors(name: &str) -> usize {
    let root = std::env::var("RMQ_HARNESS_DIR").unwrap_or_else(|_| {
        format!(
            "{}/rmq-console-harness",
            std::env::var("TMPDIR").unwrap_or("/tmp".into())
        )
    });
    let log = Path::new(&root)
        .join(name)
        .join("home/logs/rocketmqlogs/remoting.log");
    std::fs::read_to_string(&log)
        .unwrap_or_else(|e| panic!("{}: {e}", log.display()))
        .lines()
        .filter(|l| l.contains("Failed field [topicSeq]") || l.contains("Failed field [groupSeq]"))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn java4_topic_list_types_ordered_topics_and_matches_mqadmin() {
    // Plain ACL would stop mqadmin's own calls to the name server for order config: use an open 4.x cluster.
    check_topic_list(
        "java4",
        "java4",
        &[
            ("ItPlain4", &[], TopicType::Normal),
            ("ItOrdered4", &["-o", "true"], TopicType::Fifo),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_topic_list_matches_mqadmin() {
    check_topic_list("rust", "rust", &[("ItRust", &[], TopicType::Normal)]).await;
}

/// With one of two masters stopped, the topics it hosted alone are still listed, flagged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "stops a broker of the shared java5 cluster: the test command runs it last"]
async fn topics_of_a_dead_master_stay_listed_with_a_warning() {
    let ns = cluster("java5", "java5", false);
    mqadmin(
        "java5",
        &[
            "updateTopic",
            "-b",
            &broker_addr("java5", "broker_b"),
            "-t",
            "ItOnlyOnB",
            "-r",
            "2",
            "-w",
            "2",
        ],
    );
    let c = console().await;
    let id = connect(&c, &ns, None).await;
    let before = c.topic_list(&id).await.unwrap();
    let only_b = before.topics.iter().find(|t| t.name == "ItOnlyOnB").unwrap();
    assert_eq!(only_b.brokers, vec!["broker-b".to_owned()]);
    let out = Command::new(harness())
        .args(["kill-broker", "java5", "broker-b"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let after = c.topic_list(&id).await.unwrap();
    // Until the name server drops broker-b, it is in the route: its config call fails and is reported.
    if after.failed_brokers.iter().any(|f| f.broker_name == "broker-b") {
        let t = after
            .topics
            .iter()
            .find(|t| t.name == "ItOnlyOnB")
            .expect("still listed");
        assert!(
            t.warning.as_deref().is_some_and(|w| w.contains("broker-b")),
            "{t:?}"
        );
    } else {
        // The name server already dropped it: the topic is still listed, from its route entry or flagged.
        assert!(
            after
                .topics
                .iter()
                .any(|t| t.name == "ItOnlyOnB" && t.warning.is_some()),
            "{after:?}"
        );
    }
    // The group list still answers: broker-a's groups listed, a failure only for broker-b.
    let groups = c.group_list(&id, GroupListOptions::default()).await.unwrap();
    assert!(!groups.groups.is_empty(), "{groups:?}");
    assert!(
        groups.failed_brokers.iter().all(|f| f.broker_name == "broker-b"),
        "{:?}",
        groups.failed_brokers
    );
    if !groups.failed_brokers.is_empty() {
        assert!(
            groups
                .groups
                .iter()
                .all(|g| g.lag.is_none() && g.lag_note.as_deref().is_some_and(|n| n.contains("broker-b"))),
            "lag is unknown while a master is down"
        );
    }
    c.shutdown().await;
}

/// (broker, queue id, max offset) rows of `mqadmin topicStatus` output.
fn topic_status_rows(text: &str) -> BTreeSet<(String, u32, i64)> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            Some((
                f.first()?.to_string(),
                f.get(1)?.parse().ok()?,
                f.get(3)?.parse().ok()?,
            ))
        })
        .collect()
}

async fn check_topic_detail(flavour: &str, name: &str, cross_check: bool) {
    let ns = cluster(flavour, name, false);
    let topic = format!("ItDetail{}", uuid_like());
    mqadmin_create_topic(name, &format!("{name}-cluster"), &topic, &[]);
    mqadmin_send(name, &topic, 3);
    let c = console().await;
    let id = connect(&c, &ns, None).await;
    let d = c.topic_detail(&id, &topic).await.unwrap();
    assert!(d.failed_brokers.is_empty(), "{:?}", d.failed_brokers);
    assert!(
        !d.route.is_empty() && d.route.iter().all(|r| r.read_queues == 4 && r.perm == "RW"),
        "{:?}",
        d.route
    );
    assert_eq!(d.queues.len(), 4 * d.route.len());
    assert_eq!(d.total_messages.0, 3, "{:?}", d.queues);
    assert!(d.last_update.is_some());
    let ours: BTreeSet<(String, u32, i64)> = d
        .queues
        .iter()
        .map(|q| (q.broker_name.clone(), q.queue_id, q.max_offset.0))
        .collect();
    if cross_check {
        let text = mqadmin(name, &["topicStatus", "-t", &topic]);
        assert_eq!(
            ours,
            topic_status_rows(&text),
            "mqadmin topicStatus said:\n{text}"
        );
    }
    let err = c.topic_detail(&id, "NoSuchTopicAnywhere").await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topic_detail_matches_mqadmin_topic_status_on_every_flavour() {
    check_topic_detail("java5", "java5", true).await;
    check_topic_detail("java4", "java4", true).await;
    // The official mqadmin cannot read the rocketmq-rust broker's topic stats (it writes the
    // message-queue keys as JSON strings, which fastjson2 rejects): the totals are checked instead.
    check_topic_detail("rust", "rust", false).await;
}
