//! Consumer-group mutations against real clusters (Apache RocketMQ 5.x and 4.9.x, and the
//! rocketmq-rust broker): create with every setting, update (the acknowledged warning of disabling
//! consumption), a no-op update, delete with the group's offsets and its `%RETRY%` and `%DLQ%` topics
//! named in the preview — each cross-checked with the official `mqadmin getConsumerConfig`,
//! `consumerProgress` and `topicList` — plus the read-only refusal and one audit entry per attempt.

#![recursion_limit = "512"]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failure is a failed test"
)]

mod support;

use std::collections::BTreeMap;

use rmq_console_core::audit::{AuditFilter, AuditOutcome};
use rmq_console_core::connection::ConnectionDraft;
use rmq_console_core::group::admin::{GroupDeleteSpec, GroupSpec};
use rmq_console_core::group::offset::{ResetMode, ResetRequest};
use rmq_console_core::group::{GroupConfig, GroupListOptions, StatsSource};
use rmq_console_core::message::{MessageBody, SendRequest};
use rmq_console_core::model::ConnectionId;
use rmq_console_core::safety::Confirmation;
use rmq_console_core::topic::admin::TopicSpec;
use rmq_console_core::{Console, ErrorCode};
use support::{cluster, connect, console, mqadmin, mqadmin_topics, uuid_like};

fn acked() -> Confirmation {
    Confirmation {
        typed: None,
        acknowledged: true,
    }
}

/// `mqadmin getConsumerConfig -g GROUP` as broker name → (field → value).
fn mqadmin_config(name: &str, group: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let text = mqadmin(name, &["getConsumerConfig", "-g", group]);
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut broker = None;
    for line in text.lines() {
        let l = line.trim();
        if let Some(head) = l.strip_prefix("=====") {
            // "=====cluster:broker=====": the broker is after the colon.
            let head = head.trim_matches('=');
            broker = head.rsplit(':').next().map(str::to_owned);
        } else if let (Some(b), Some((k, v))) = (&broker, l.split_once('=')) {
            out.entry(b.clone())
                .or_default()
                .insert(k.trim().to_owned(), v.trim().to_owned());
        }
    }
    out
}

/// The sum of the group's consumer offsets on `topic` per `mqadmin consumerProgress -g GROUP`
/// (brokers list a queue without a committed offset as 0).
fn mqadmin_committed(name: &str, group: &str, topic: &str) -> i64 {
    // 4.9's consumerProgress has no -t; without it, every version needs the group's retry topic.
    mqadmin(name, &["consumerProgress", "-g", group])
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|f| f.first() == Some(&topic))
        .map(|f| f[4].parse::<i64>().unwrap())
        .sum()
}

async fn entries(c: &Console, id: &ConnectionId, action: &str, target: &str) -> Vec<AuditOutcome> {
    c.audit_list(&AuditFilter {
        connection_id: Some(id.clone()),
        ..Default::default()
    })
    .await
    .unwrap()
    .into_iter()
    .filter(|e| e.action == action && e.target == target)
    .map(|e| e.outcome)
    .collect()
}

async fn send(c: &Console, id: &ConnectionId, topic: &str, n: usize) {
    for i in 0..n {
        let req = SendRequest {
            topic: topic.into(),
            tag: None,
            keys: vec![],
            properties: BTreeMap::new(),
            body: MessageBody::Text {
                text: format!("m{i}"),
            },
            delay_level: None,
            deliver_at: None,
            broker_name: None,
            queue_id: None,
        };
        c.message_send(id, &req, &acked()).await.unwrap();
    }
}

async fn lifecycle(flavour: &str, cluster_name: &str) {
    let ns = cluster(flavour, flavour, false);
    let c = console().await;
    let id = connect(&c, &ns, None).await;
    let suffix = uuid_like();
    let group = format!("ItGroup{suffix}");
    let topic = format!("ItGroupTopic{suffix}");
    let v5 = flavour != "java4";

    // Create, with every setting away from its default.
    let config = GroupConfig {
        consume_broadcast_enable: false,
        consume_message_orderly: v5,
        consume_from_min_enable: false,
        retry_queue_nums: 2,
        retry_max_times: 5,
        which_broker_when_consume_slowly: 1,
        ..GroupConfig::default()
    };
    let spec = GroupSpec {
        group: group.clone(),
        clusters: vec![cluster_name.to_owned()],
        brokers: vec![],
        config: config.clone(),
    };
    let plan = c.group_plan_upsert(&id, &spec).await.unwrap();
    assert_eq!(plan.action, "group.create");
    assert!(!plan.acknowledge && !plan.destructive, "{plan:?}");
    assert!(
        plan.changes
            .iter()
            .any(|ch| ch.field == "retryMaxTimes" && ch.before.is_none() && ch.after.as_deref() == Some("5")),
        "{:?}",
        plan.changes
    );
    assert!(
        plan.mqadmin
            .iter()
            .all(|l| l.contains("updateSubGroup") && l.contains("-r 5"))
    );
    let entry = c
        .group_upsert(&id, &spec, &Confirmation::default())
        .await
        .unwrap();
    assert_eq!(entry.outcome, AuditOutcome::Ok, "{entry:?}");
    let official = mqadmin_config(flavour, &group);
    assert!(!official.is_empty(), "mqadmin getConsumerConfig found the group");
    for (broker, fields) in &official {
        assert_eq!(
            fields.get("retryMaxTimes").map(String::as_str),
            Some("5"),
            "{broker}: {fields:?}"
        );
        assert_eq!(
            fields.get("retryQueueNums").map(String::as_str),
            Some("2"),
            "{broker}"
        );
        assert_eq!(
            fields.get("consumeBroadcastEnable").map(String::as_str),
            Some("false"),
            "{broker}"
        );
        assert_eq!(
            fields.get("consumeFromMinEnable").map(String::as_str),
            Some("false"),
            "{broker}"
        );
        if v5 {
            assert_eq!(
                fields.get("consumeMessageOrderly").map(String::as_str),
                Some("true"),
                "{broker}"
            );
        }
    }
    let listed = c
        .group_list(
            &id,
            GroupListOptions {
                clients: false,
                stats: StatsSource::OffsetTable,
                activity: false,
            },
        )
        .await
        .unwrap();
    let row = listed.groups.iter().find(|g| g.group == group).expect("listed");
    assert_eq!(row.config, config);
    assert_eq!(row.brokers.len(), official.len());

    // 4.x has no orderly group setting: refused with why, before anything is sent.
    if !v5 {
        let bad = GroupSpec {
            config: GroupConfig {
                consume_message_orderly: true,
                ..config.clone()
            },
            ..spec.clone()
        };
        let e = c.group_plan_upsert(&id, &bad).await.unwrap_err();
        assert_eq!(e.code(), ErrorCode::Validation);
        assert!(e.to_string().contains("5.x"), "{e}");
    }

    // Update: disabling consumption must be acknowledged.
    let disabled = GroupSpec {
        config: GroupConfig {
            consume_enable: false,
            retry_max_times: 3,
            ..config.clone()
        },
        ..spec.clone()
    };
    let plan = c.group_plan_upsert(&id, &disabled).await.unwrap();
    assert_eq!(plan.action, "group.update");
    assert!(plan.acknowledge, "{plan:?}");
    assert!(
        plan.warnings.iter().any(|w| w.contains("Consumption disabled")),
        "{:?}",
        plan.warnings
    );
    assert!(
        plan.warnings.iter().any(|w| w.contains("lowered from 5 to 3")),
        "{:?}",
        plan.warnings
    );
    let changed: Vec<(&str, Option<&str>, Option<&str>)> = plan
        .changes
        .iter()
        .map(|ch| (ch.field.as_str(), ch.before.as_deref(), ch.after.as_deref()))
        .collect();
    for ch in &changed {
        assert!(
            matches!(
                ch,
                ("consumeEnable", Some("true"), Some("false")) | ("retryMaxTimes", Some("5"), Some("3"))
            ),
            "only the two edited fields change: {changed:?}"
        );
    }
    let e = c
        .group_upsert(&id, &disabled, &Confirmation::default())
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Validation, "unacknowledged: {e}");
    assert_eq!(
        mqadmin_config(flavour, &group)
            .values()
            .next()
            .and_then(|f| f.get("consumeEnable").cloned())
            .as_deref(),
        Some("true"),
        "nothing was sent"
    );
    let entry = c.group_upsert(&id, &disabled, &acked()).await.unwrap();
    assert_eq!(entry.outcome, AuditOutcome::Ok, "{entry:?}");
    for (broker, fields) in mqadmin_config(flavour, &group) {
        assert_eq!(
            fields.get("consumeEnable").map(String::as_str),
            Some("false"),
            "{broker}"
        );
        assert_eq!(
            fields.get("retryMaxTimes").map(String::as_str),
            Some("3"),
            "{broker}"
        );
        assert_eq!(
            fields.get("retryQueueNums").map(String::as_str),
            Some("2"),
            "untouched on {broker}"
        );
    }
    // The same values again: nothing to change.
    assert!(c.group_plan_upsert(&id, &disabled).await.unwrap().no_op);

    // Give the group offsets, a retry topic and a dead-letter topic with two dead letters.
    let t = TopicSpec {
        name: topic.clone(),
        clusters: vec![cluster_name.to_owned()],
        brokers: vec![],
        read_queues: 2,
        write_queues: 2,
        perm: 6,
        message_type: None,
        order: false,
    };
    c.topic_upsert(&id, &t, &acked()).await.unwrap();
    let retry = format!("%RETRY%{group}");
    let dlq = format!("%DLQ%{group}");
    for side in [&retry, &dlq] {
        mqadmin(
            flavour,
            &[
                "updateTopic",
                "-c",
                cluster_name,
                "-t",
                side,
                "-r",
                "1",
                "-w",
                "1",
            ],
        );
    }
    send(&c, &id, &topic, 3).await;
    // A broker indexes a stored message into its queue a moment after the send returns (the
    // rocketmq-rust broker can lag here): until then "latest" is one short.
    let mut indexed = 0;
    for _ in 0..300 {
        indexed = c.topic_detail(&id, &topic).await.unwrap().total_messages.0;
        if indexed == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(indexed, 3, "the three messages in the topic's queues");
    let reset = ResetRequest {
        group: group.clone(),
        topic: Some(topic.clone()),
        mode: ResetMode::Latest,
    };
    let result = c.offset_reset(&id, &reset, &acked()).await.unwrap();
    assert_eq!(result.outcome, AuditOutcome::Ok, "{result:?}");
    assert_eq!(
        mqadmin_committed(flavour, &group, &topic),
        3,
        "the group has offsets"
    );
    send(&c, &id, &dlq, 2).await;

    // Delete: the preview names the offsets and both topics; the name must be typed.
    let del = GroupDeleteSpec {
        group: group.clone(),
        brokers: vec![],
        remove_offsets: true,
        delete_retry_topic: true,
        delete_dlq_topic: true,
    };
    let plan = c.group_plan_delete(&id, &del).await.unwrap();
    assert_eq!(plan.action, "group.delete");
    assert!(plan.destructive);
    assert_eq!(plan.confirm_text.as_deref(), Some(group.as_str()));
    let fields: Vec<&str> = plan.changes.iter().map(|ch| ch.field.as_str()).collect();
    assert!(
        fields.contains(&retry.as_str()) && fields.contains(&dlq.as_str()),
        "{fields:?}"
    );
    assert!(fields.contains(&"offsets"), "{fields:?}");
    assert!(
        plan.warnings.iter().any(|w| w.contains("2 dead letter(s)")),
        "{:?}",
        plan.warnings
    );
    // The whole cluster: `deleteSubGroup -c` deletes the retry and dead-letter topics itself.
    assert_eq!(
        plan.mqadmin,
        [format!(
            "mqadmin deleteSubGroup -n {ns} -c {cluster_name} -g {group} -r true"
        )]
    );
    // Keeping the dead letters: broker by broker, and the retry topic deleted on its own.
    let keep_dlq = c
        .group_plan_delete(
            &id,
            &GroupDeleteSpec {
                delete_dlq_topic: false,
                ..del.clone()
            },
        )
        .await
        .unwrap();
    assert!(
        keep_dlq
            .mqadmin
            .iter()
            .all(|l| !l.contains(" -c ") || l.contains("deleteTopic")),
        "{:?}",
        keep_dlq.mqadmin
    );
    assert!(
        keep_dlq
            .mqadmin
            .iter()
            .any(|l| l.contains("deleteTopic") && l.contains("%RETRY%"))
    );
    assert!(keep_dlq.mqadmin.iter().all(|l| !l.contains("%DLQ%")));
    assert!(
        keep_dlq
            .warnings
            .iter()
            .any(|w| w.contains("is kept (2 message(s))")),
        "{:?}",
        keep_dlq.warnings
    );
    let e = c.group_delete(&id, &del, &acked()).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::Validation, "not typed: {e}");
    // Deleting from a subset of brokers cannot take the shared topics with it.
    let subset = GroupDeleteSpec {
        brokers: vec![row.brokers[0].clone()],
        ..del.clone()
    };
    if row.brokers.len() > 1 {
        let e = c.group_plan_delete(&id, &subset).await.unwrap_err();
        assert!(e.to_string().contains("all its brokers"), "{e}");
    }
    let typed = Confirmation {
        typed: Some(group.clone()),
        acknowledged: true,
    };
    let entry = c.group_delete(&id, &del, &typed).await.unwrap();
    assert_eq!(entry.outcome, AuditOutcome::Ok, "{entry:?}");
    assert!(
        mqadmin_config(flavour, &group).is_empty(),
        "mqadmin finds no config"
    );
    assert_eq!(mqadmin_committed(flavour, &group, &topic), 0, "offsets removed");
    let topics = mqadmin_topics(flavour);
    assert!(
        !topics.contains(&retry) && !topics.contains(&dlq),
        "side topics deleted"
    );
    let listed = c
        .group_list(
            &id,
            GroupListOptions {
                clients: false,
                stats: StatsSource::OffsetTable,
                activity: false,
            },
        )
        .await
        .unwrap();
    assert!(listed.groups.iter().all(|g| g.group != group));
    let e = c.group_plan_delete(&id, &del).await.unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound);

    // One journal entry per attempt: the refused ones included.
    assert_eq!(entries(&c, &id, "group.create", &group).await, [AuditOutcome::Ok]);
    assert_eq!(
        entries(&c, &id, "group.update", &group).await,
        [AuditOutcome::Ok, AuditOutcome::Refused]
    );
    assert_eq!(
        entries(&c, &id, "group.delete", &group).await,
        [AuditOutcome::Ok, AuditOutcome::Refused]
    );
    c.topic_delete(
        &id,
        &topic,
        &Confirmation {
            typed: Some(topic.clone()),
            acknowledged: true,
        },
    )
    .await
    .unwrap();
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn java5_group_create_update_delete_matches_mqadmin() {
    lifecycle("java5", "java5-cluster").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn java4_group_create_update_delete_matches_mqadmin() {
    lifecycle("java4", "java4-cluster").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_group_create_update_delete_matches_mqadmin() {
    lifecycle("rust", "rust-cluster").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_connections_refuse_group_mutations_in_core() {
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
    let group = format!("ItRoGroup{}", uuid_like());
    let typed = Confirmation {
        typed: Some(group.clone()),
        acknowledged: true,
    };
    let spec = GroupSpec {
        group: group.clone(),
        clusters: vec!["java5-cluster".into()],
        brokers: vec![],
        config: GroupConfig::default(),
    };
    let del = GroupDeleteSpec {
        group: group.clone(),
        brokers: vec![],
        remove_offsets: true,
        delete_retry_topic: true,
        delete_dlq_topic: true,
    };
    let e1 = c.group_upsert(&p.id, &spec, &typed).await.unwrap_err();
    let e2 = c.group_delete(&p.id, &del, &typed).await.unwrap_err();
    for e in [&e1, &e2] {
        assert_eq!(e.code(), ErrorCode::ReadOnly, "{e}");
    }
    assert!(c.group_plan_upsert(&p.id, &spec).await.unwrap().refusal.is_some());
    assert!(mqadmin_config("java5", &group).is_empty(), "nothing was created");
    let journal = c
        .audit_list(&AuditFilter {
            connection_id: Some(p.id.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    let actions: Vec<(&str, AuditOutcome)> = journal.iter().map(|e| (e.action.as_str(), e.outcome)).collect();
    assert_eq!(
        actions,
        [
            ("group.delete", AuditOutcome::Refused),
            ("group.upsert", AuditOutcome::Refused)
        ]
    );
    c.shutdown().await;
}
