//! Seeds a sandbox cluster: topics, consumer groups (one with a backlog), messages with keys and tags.
//!
//! Idempotent enough to run on every start of the sandbox: topics and groups are created or updated,
//! and a fresh batch of messages is sent each time.

use std::collections::BTreeMap;
use std::time::Duration;

use futures::StreamExt as _;
use rmq_console_core::connection::ConnectionDraft;
use rmq_console_core::message::{MessageBody, SendRequest};
use rmq_console_core::model::ConnectionId;
use rmq_console_core::registry::LiveClient;
use rmq_console_core::remoting::{Link, Request, check, code};
use rmq_console_core::safety::Confirmation;
use rmq_console_core::secrets::Secrets;
use rmq_console_core::store::Store;
use rmq_console_core::topic::TopicDetail;
use rmq_console_core::{Console, Error};

/// (topic, queues per broker, messages to send)
const TOPICS: [(&str, u32, usize); 3] = [
    ("SandboxOrders", 8, 240),
    ("SandboxPayments", 4, 60),
    ("SandboxNotifications", 4, 0),
];
const GROUPS: [&str; 2] = ["sandbox-billing", "sandbox-audit"];
const TAGS: [&str; 3] = ["created", "paid", "shipped"];

pub async fn seed(namesrv: &str) -> Result<serde_json::Value, Error> {
    let console = Console::with_parts(Store::in_memory().await?, Secrets::session_only("seed"))?;
    let result = run(&console, namesrv).await;
    console.shutdown().await;
    result
}

/// Every master: (broker name, address), sorted.
async fn masters(client: &LiveClient) -> Result<Vec<(String, String)>, Error> {
    let table = client.link.cluster_table(&client.spec.namesrv_addrs).await?;
    let mut out: Vec<(String, String)> = table
        .broker_addr_table
        .into_iter()
        .filter_map(|(name, entry)| entry.broker_addrs.get("0").map(|a| (name, a.clone())))
        .collect();
    out.sort();
    if out.is_empty() {
        return Err(Error::not_found(
            "a master broker registered with the name server",
        ));
    }
    Ok(out)
}

/// The header of `UPDATE_AND_CREATE_TOPIC` for a plain read-write topic.
fn topic_fields(topic: &str, queues: u32) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("topic".to_owned(), topic.to_owned()),
        ("defaultTopic".to_owned(), "TBW102".to_owned()),
        ("readQueueNums".to_owned(), queues.to_string()),
        ("writeQueueNums".to_owned(), queues.to_string()),
        ("perm".to_owned(), "6".to_owned()),
        ("topicFilterType".to_owned(), "SINGLE_TAG".to_owned()),
        ("topicSysFlag".to_owned(), "0".to_owned()),
        ("order".to_owned(), "false".to_owned()),
    ])
}

/// The body of `UPDATE_AND_CREATE_SUBSCRIPTIONGROUP` for a default group.
fn group_body(group: &str) -> Vec<u8> {
    serde_json::json!({ "groupName": group, "consumeEnable": true, "consumeBroadcastEnable": true,
        "retryQueueNums": 1, "retryMaxTimes": 16, "brokerId": 0, "whichBrokerWhenConsumeSlowly": 1 })
    .to_string()
    .into_bytes()
}

async fn run(console: &Console, namesrv: &str) -> Result<serde_json::Value, Error> {
    let draft = ConnectionDraft {
        name: "seed".into(),
        namesrv_addrs: namesrv.into(),
        ..Default::default()
    };
    let profile = console.connection_create(&draft).await?;
    let (_, client) = console.client(&profile.id).await?;
    let link = &client.link;
    let masters = masters(&client).await?;
    for (_, addr) in &masters {
        for (topic, queues, _) in TOPICS {
            link.request_with(
                addr,
                code::UPDATE_AND_CREATE_TOPIC,
                topic_fields(topic, queues),
                "create topic",
            )
            .await?;
        }
        for group in GROUPS {
            // The retry topic a consumer's first heartbeat would create: admin tools expect it.
            let retry = format!("%RETRY%{group}");
            link.request_with(
                addr,
                code::UPDATE_AND_CREATE_TOPIC,
                topic_fields(&retry, 1),
                "create retry topic",
            )
            .await?;
            let body = group_body(group);
            link.request_body(
                addr,
                code::UPDATE_AND_CREATE_SUBSCRIPTIONGROUP,
                BTreeMap::new(),
                &body,
                "create group",
            )
            .await?;
        }
    }
    wait_for_routes(console, &profile.id, masters.len()).await?;
    let sent = produce(console, &profile.id).await?;
    // A backlog: sandbox-billing has consumed nothing of SandboxOrders (offset 0 on every queue).
    for (_, addr) in &masters {
        let commits: Vec<Request> = (0..TOPICS[0].1)
            .map(|q| {
                let ext = BTreeMap::from([
                    ("consumerGroup".to_owned(), GROUPS[0].to_owned()),
                    ("topic".to_owned(), TOPICS[0].0.to_owned()),
                    ("queueId".to_owned(), q.to_string()),
                    ("commitOffset".to_owned(), "0".to_owned()),
                ]);
                (code::UPDATE_CONSUMER_OFFSET, ext)
            })
            .collect();
        for r in link.batch(addr, commits, 1).await {
            check(addr, "update consumer offset", r?)?;
        }
    }
    Ok(serde_json::json!({
        "brokers": masters.iter().map(|(n, _)| n).collect::<Vec<_>>(),
        "topics": TOPICS.iter().map(|t| t.0).collect::<Vec<_>>(),
        "groups": GROUPS,
        "sent": sent,
        "backlogGroup": GROUPS[0],
    }))
}

/// Waits until the name server routes every seeded topic to every master, so that the messages
/// spread over all brokers instead of landing on the first one that registered.
async fn wait_for_routes(console: &Console, id: &ConnectionId, masters: usize) -> Result<(), Error> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    for (topic, _, _) in TOPICS {
        loop {
            let brokers = console.topic_detail(id, topic).await.map_or(0, |d| d.route.len());
            if brokers >= masters {
                break;
            }
            if tokio::time::Instant::now() > deadline {
                return Err(Error::internal(format!(
                    "{topic} is routed to {brokers} of {masters} brokers after 20 s"
                )));
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
    Ok(())
}

/// Sends the seeded messages through the console's own send (round-robin over the writable
/// queues), 8 at a time; a key per message, tags in turn, a small JSON body.
async fn produce(console: &Console, id: &ConnectionId) -> Result<usize, Error> {
    let requests: Vec<SendRequest> = TOPICS
        .iter()
        .flat_map(|(topic, _, count)| {
            (0..*count).map(move |i| {
                let key = format!(
                    "{}-{:05}",
                    topic.trim_start_matches("Sandbox").to_lowercase(),
                    i + 1
                );
                let body = serde_json::json!({ "id": key, "amount": (i * 37) % 1000, "currency": "EUR" })
                    .to_string();
                SendRequest {
                    topic: (*topic).to_owned(),
                    tag: Some(TAGS[i % TAGS.len()].to_owned()),
                    keys: vec![key],
                    properties: BTreeMap::new(),
                    body: MessageBody::Text { text: body },
                    delay_level: None,
                    deliver_at: None,
                    broker_name: None,
                    queue_id: None,
                }
            })
        })
        .collect();
    let confirmation = Confirmation {
        typed: None,
        acknowledged: true,
    };
    let results: Vec<Result<(), Error>> = futures::stream::iter(requests)
        .map(|req| {
            let confirmation = &confirmation;
            async move { console.message_send(id, &req, confirmation).await.map(drop) }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    let sent = results.len();
    results.into_iter().collect::<Result<Vec<()>, Error>>()?;
    Ok(sent)
}

/// The topic every seeded bench group consumes: 4 queues on each master (8 on the java5 harness).
pub const BENCH_GROUP_TOPIC: &str = "BenchGroupTopic8";

/// Seeds `count` consumer groups `BenchG00000..` (for the group-list benchmark and the 1,000-group
/// test): each exists on every master and has a committed offset on every queue of
/// [`BENCH_GROUP_TOPIC`], set so that lags differ from group to group. Idempotent.
pub async fn seed_groups(namesrv: &str, count: usize, fill: &[String]) -> Result<serde_json::Value, Error> {
    let console = Console::with_parts(Store::in_memory().await?, Secrets::session_only("seed"))?;
    let result = run_groups(&console, namesrv, count, fill).await;
    console.shutdown().await;
    result
}

/// The body of [`seed_groups`], on its own console.
async fn run_groups(
    console: &Console,
    namesrv: &str,
    count: usize,
    fill: &[String],
) -> Result<serde_json::Value, Error> {
    let draft = ConnectionDraft {
        name: "seed-groups".into(),
        namesrv_addrs: namesrv.into(),
        ..Default::default()
    };
    let id = console.connection_create(&draft).await?.id;
    let (_, client) = console.client(&id).await?;
    let masters = masters(&client).await?;
    let link = &client.link;
    create_bench_topics(link, &masters).await?;
    let detail = fill_queues(console, &id, fill).await?;
    let queues: Vec<(String, u32)> = detail
        .queues
        .iter()
        .map(|q| (q.broker_name.clone(), q.queue_id))
        .collect();
    // Every group's config on every master (32 in flight), then its offsets: per master one
    // batch over kept-open connections (the offsets need their group to exist).
    let groups: Vec<String> = (0..count).map(|i| format!("BenchG{i:05}")).collect();
    create_groups(link, &masters, &groups).await?;
    commit_bench_offsets(link, &masters, &groups, &queues).await?;
    Ok(serde_json::json!({ "groups": count, "topic": BENCH_GROUP_TOPIC, "queuesPerGroup": queues.len() }))
}

/// Creates the bench topic and the first bench group's retry topic on every master.
async fn create_bench_topics(link: &Link, masters: &[(String, String)]) -> Result<(), Error> {
    // The bench topic, and the retry topic of the first group (the Java admin client looks a
    // group's brokers up by its %RETRY% route).
    for (addr, topic, queues) in masters.iter().flat_map(|(_, a)| {
        [
            (a, BENCH_GROUP_TOPIC.to_owned(), 4),
            (a, "%RETRY%BenchG00000".to_owned(), 1),
        ]
    }) {
        let ext = topic_fields(&topic, queues);
        link.request_with(addr, code::UPDATE_AND_CREATE_TOPIC, ext, "create topic")
            .await?;
    }
    Ok(())
}

/// Fills every queue of the bench topic and of `fill` up to three messages; returns the bench
/// topic's detail as it was before.
async fn fill_queues(console: &Console, id: &ConnectionId, fill: &[String]) -> Result<TopicDetail, Error> {
    // Three messages per queue, so offsets 0..=3 exist (also on `fill`, e.g. the reset bench topic).
    let detail = console.topic_detail(id, BENCH_GROUP_TOPIC).await?;
    let mut fill_topics = vec![detail.clone()];
    for t in fill {
        fill_topics.push(console.topic_detail(id, t).await?);
    }
    for d in &fill_topics {
        for q in &d.queues {
            for _ in q.max_offset.0..3 {
                let req = SendRequest {
                    topic: d.name.clone(),
                    tag: None,
                    keys: vec![],
                    properties: Default::default(),
                    body: MessageBody::Text { text: "bench".into() },
                    delay_level: None,
                    deliver_at: None,
                    broker_name: Some(q.broker_name.clone()),
                    queue_id: Some(q.queue_id),
                };
                console.message_send(id, &req, &Confirmation::default()).await?;
            }
        }
    }
    Ok(detail)
}

/// Creates (or updates) every group on every master, 32 requests in flight.
async fn create_groups(link: &Link, masters: &[(String, String)], groups: &[String]) -> Result<(), Error> {
    let creates: Vec<(String, String)> = groups
        .iter()
        .flat_map(|g| masters.iter().map(move |(_, addr)| (addr.clone(), g.clone())))
        .collect();
    let created: Vec<Result<(), Error>> = futures::stream::iter(creates)
        .map(|(addr, g)| async move {
            link.request_body(
                &addr,
                code::UPDATE_AND_CREATE_SUBSCRIPTIONGROUP,
                BTreeMap::new(),
                &group_body(&g),
                "create group",
            )
            .await
            .map(drop)
        })
        .buffer_unordered(32)
        .collect()
        .await;
    created.into_iter().collect::<Result<Vec<()>, Error>>()?;
    Ok(())
}

/// Commits every group's offset on every queue of the bench topic, one batch per master.
async fn commit_bench_offsets(
    link: &Link,
    masters: &[(String, String)],
    groups: &[String],
    queues: &[(String, u32)],
) -> Result<(), Error> {
    let addr_of: BTreeMap<String, String> = masters.iter().cloned().collect();
    let mut commits: BTreeMap<String, Vec<Request>> = BTreeMap::new();
    for (i, g) in groups.iter().enumerate() {
        for (j, (broker, queue)) in queues.iter().enumerate() {
            // Lag 20, 12, 4 or 0 by group (offsets 0..=3, three messages per queue).
            let offset = (i % 4 + j % 2).min(3);
            let ext = BTreeMap::from([
                ("consumerGroup".to_owned(), g.clone()),
                ("topic".to_owned(), BENCH_GROUP_TOPIC.to_owned()),
                ("queueId".to_owned(), queue.to_string()),
                ("commitOffset".to_owned(), offset.to_string()),
            ]);
            commits
                .entry(addr_of.get(broker).cloned().unwrap_or_default())
                .or_default()
                .push((code::UPDATE_CONSUMER_OFFSET, ext));
        }
    }
    for (addr, requests) in commits {
        for r in link.batch(&addr, requests, 16).await {
            check(&addr, "commit offset", r?)?;
        }
    }
    Ok(())
}
