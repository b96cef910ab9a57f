//! Seeds a sandbox cluster: topics, consumer groups (one with a backlog), messages with keys and tags.
//!
//! Idempotent enough to run on every start of the sandbox: topics and groups are created or updated,
//! and a fresh batch of messages is sent each time.

use std::time::Duration;

use rmq_console_core::connection::ConnectionDraft;
use rmq_console_core::registry::LiveClient;
use rmq_console_core::secrets::Secrets;
use rmq_console_core::store::Store;
use rmq_console_core::{Console, Error};
use rocketmq_client_rust::{
    ClientConfig, ConsumerAdmin, DefaultMQProducer, OffsetAdmin, RouteAdmin, TopicAdmin,
};
use rocketmq_model::common::message::message_queue::MessageQueue;
use rocketmq_model::common::message::message_single::Message;

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

async fn masters(client: &LiveClient) -> Result<Vec<(String, String)>, Error> {
    let admin = client.admin().await?;
    let info = client
        .run(
            "cluster info",
            "name server",
            RouteAdmin::examine_broker_cluster_info(&*admin),
        )
        .await?;
    let mut out: Vec<(String, String)> = info
        .broker_addr_table
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(name, data)| {
            data.broker_addrs()
                .get(&0)
                .map(|a| (name.to_string(), a.to_string()))
        })
        .collect();
    out.sort();
    if out.is_empty() {
        return Err(Error::not_found(
            "a master broker registered with the name server",
        ));
    }
    Ok(out)
}

async fn run(console: &Console, namesrv: &str) -> Result<serde_json::Value, Error> {
    let draft = ConnectionDraft {
        name: "seed".into(),
        namesrv_addrs: namesrv.into(),
        ..Default::default()
    };
    let profile = console.connection_create(&draft).await?;
    let (_, client) = console.client(&profile.id).await?;
    let masters = masters(&client).await?;
    {
        let admin = client.admin().await?;
        for (_, addr) in &masters {
            for (topic, queues, _) in TOPICS {
                let config = rocketmq_model::common::config::TopicConfig::with_queues(topic, queues, queues);
                client
                    .run(
                        "create topic",
                        addr,
                        TopicAdmin::create_and_update_topic_config(&*admin, addr.into(), config),
                    )
                    .await?;
            }
            for group in GROUPS {
                // The retry topic a consumer's first heartbeat would create: admin tools expect it.
                let retry =
                    rocketmq_model::common::config::TopicConfig::with_queues(format!("%RETRY%{group}"), 1, 1);
                client
                    .run(
                        "create retry topic",
                        addr,
                        TopicAdmin::create_and_update_topic_config(&*admin, addr.into(), retry),
                    )
                    .await?;
                let config =
                    rocketmq_protocol::protocol::subscription::subscription_group_config::SubscriptionGroupConfig::new(
                        group.into(),
                    );
                client
                    .run(
                        "create group",
                        addr,
                        ConsumerAdmin::create_and_update_subscription_group_config(
                            &*admin,
                            addr.into(),
                            config,
                        ),
                    )
                    .await?;
            }
        }
    }
    wait_for_routes(&client, masters.len()).await?;
    let sent = produce(console, namesrv).await?;
    // A backlog: sandbox-billing has consumed nothing of SandboxOrders (offset 0 on every queue).
    let admin = client.admin().await?;
    for (broker, addr) in &masters {
        for q in 0..TOPICS[0].1 {
            let mq = MessageQueue::from_parts(TOPICS[0].0, broker.as_str(), i32::try_from(q).unwrap_or(0));
            client
                .run(
                    "update consumer offset",
                    addr,
                    OffsetAdmin::update_consume_offset(&*admin, addr.into(), GROUPS[0].into(), mq, 0),
                )
                .await?;
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
async fn wait_for_routes(client: &LiveClient, masters: usize) -> Result<(), Error> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    for (topic, _, _) in TOPICS {
        loop {
            let admin = client.admin().await?;
            let route = client
                .run(
                    "topic route",
                    topic,
                    TopicAdmin::examine_topic_route_info(&*admin, topic.into()),
                )
                .await;
            drop(admin);
            let brokers = route.ok().flatten().map_or(0, |r| r.broker_datas.len());
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

async fn produce(console: &Console, namesrv: &str) -> Result<usize, Error> {
    let config = ClientConfig {
        namesrv_addr: Some(namesrv.to_owned().into()),
        ..Default::default()
    };
    let mut producer = DefaultMQProducer::builder(console.registry().runtime())
        .client_config(config)
        .producer_group("sandbox-seeder")
        .build();
    rmq_console_core::registry::bounded(
        "start producer",
        namesrv,
        Duration::from_secs(10),
        producer.start(),
    )
    .await?;
    let mut sent = 0;
    let mut outcome = Ok(());
    'topics: for (topic, _, count) in TOPICS {
        for i in 0..count {
            let key = format!(
                "{}-{:05}",
                topic.trim_start_matches("Sandbox").to_lowercase(),
                i + 1
            );
            let body =
                serde_json::json!({ "id": key, "amount": (i * 37) % 1000, "currency": "EUR" }).to_string();
            let message = Message::builder()
                .topic(topic)
                .keys(vec![key.clone()])
                .tags(TAGS[i % TAGS.len()])
                .body_slice(body.as_bytes())
                .build_unchecked();
            let r = rmq_console_core::registry::bounded(
                "send",
                topic,
                Duration::from_secs(10),
                producer.send_with_timeout(message, 8_000),
            )
            .await;
            match r {
                Ok(_) => sent += 1,
                Err(e) => {
                    outcome = Err(e);
                    break 'topics;
                }
            }
        }
    }
    Box::pin(producer.shutdown()).await;
    outcome.map(|()| sent)
}

/// The topic every seeded bench group consumes: 4 queues on each master (8 on the java5 harness).
pub const BENCH_GROUP_TOPIC: &str = "BenchGroupTopic8";

/// Seeds `count` consumer groups `BenchG00000..` (for the group-list benchmark and the 1,000-group
/// test): each exists on every master and has a committed offset on every queue of
/// [`BENCH_GROUP_TOPIC`], set so that lags differ from group to group. Idempotent.
pub async fn seed_groups(namesrv: &str, count: usize, fill: &[String]) -> Result<serde_json::Value, Error> {
    use futures::StreamExt as _;
    use rmq_console_core::remoting;
    use std::collections::BTreeMap;

    let console = Console::with_parts(Store::in_memory().await?, Secrets::session_only("seed"))?;
    let result = async {
        let draft = ConnectionDraft {
            name: "seed-groups".into(),
            namesrv_addrs: namesrv.into(),
            ..Default::default()
        };
        let id = console.connection_create(&draft).await?.id;
        let (_, client) = console.client(&id).await?;
        let masters = masters(&client).await?;
        let (creds, timeout) = (client.creds(), client.timeout);
        // The bench topic, and the retry topic of the first group (the Java admin client looks a
        // group's brokers up by its %RETRY% route).
        for (addr, topic, queues) in masters.iter().flat_map(|(_, a)| {
            [(a, BENCH_GROUP_TOPIC.to_owned(), "4"), (a, "%RETRY%BenchG00000".to_owned(), "1")]
        }) {
            let ext = BTreeMap::from([
                ("topic".to_owned(), topic),
                ("defaultTopic".to_owned(), "TBW102".to_owned()),
                ("readQueueNums".to_owned(), queues.to_owned()),
                ("writeQueueNums".to_owned(), queues.to_owned()),
                ("perm".to_owned(), "6".to_owned()),
                ("topicFilterType".to_owned(), "SINGLE_TAG".to_owned()),
                ("topicSysFlag".to_owned(), "0".to_owned()),
                ("order".to_owned(), "false".to_owned()),
            ]);
            remoting::request_with(addr, 17, ext, "create topic", creds, timeout).await?;
        }
        // Three messages per queue, so offsets 0..=3 exist (also on `fill`, e.g. the reset bench topic).
        let detail = console.topic_detail(&id, BENCH_GROUP_TOPIC).await?;
        let mut fill_topics = vec![detail.clone()];
        for t in fill {
            fill_topics.push(console.topic_detail(&id, t).await?);
        }
        for d in &fill_topics {
            for q in &d.queues {
                for _ in q.max_offset.0..3 {
                    let req = rmq_console_core::message::SendRequest {
                        topic: d.name.clone(),
                        tag: None,
                        keys: vec![],
                        properties: Default::default(),
                        body: rmq_console_core::message::MessageBody::Text {
                            text: "bench".into(),
                        },
                        delay_level: None,
                        deliver_at: None,
                        broker_name: Some(q.broker_name.clone()),
                        queue_id: Some(q.queue_id),
                    };
                    console
                        .message_send(&id, &req, &rmq_console_core::safety::Confirmation::default())
                        .await?;
                }
            }
        }
        let queues: Vec<(String, u32)> = detail
            .queues
            .iter()
            .map(|q| (q.broker_name.clone(), q.queue_id))
            .collect();
        let addr_of: BTreeMap<String, String> = masters.iter().cloned().collect();
        // Every group's config on every master (32 in flight), then its offsets: per master one
        // batch over kept-open connections (the offsets need their group to exist).
        let creds_owned = client.spec.credentials.clone();
        let groups: Vec<String> = (0..count).map(|i| format!("BenchG{i:05}")).collect();
        let creates: Vec<(String, String)> = groups
            .iter()
            .flat_map(|g| masters.iter().map(move |(_, addr)| (addr.clone(), g.clone())))
            .collect();
        let created: Vec<Result<(), Error>> = futures::stream::iter(creates)
            .map(|(addr, g)| {
                let creds = creds_owned.clone();
                async move {
                    let creds = creds.as_ref().map(|(x, y)| (x.as_str(), y.as_str()));
                    let body = serde_json::json!({ "groupName": g, "consumeEnable": true, "consumeBroadcastEnable": true, "retryQueueNums": 1, "retryMaxTimes": 16, "brokerId": 0, "whichBrokerWhenConsumeSlowly": 1 });
                    remoting::request_body(&addr, 200, BTreeMap::new(), body.to_string().as_bytes(), "create group", creds, timeout)
                        .await
                        .map(drop)
                }
            })
            .buffer_unordered(32)
            .collect()
            .await;
        created.into_iter().collect::<Result<Vec<()>, Error>>()?;
        let mut commits: BTreeMap<String, Vec<remoting::Request>> = BTreeMap::new();
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
                commits.entry(addr_of.get(broker).cloned().unwrap_or_default()).or_default().push((15, ext));
            }
        }
        for (addr, requests) in commits {
            for r in remoting::invoke_batch(&addr, requests, creds, timeout, 16).await {
                remoting::check(&addr, "commit offset", r?)?;
            }
        }
        Ok(serde_json::json!({ "groups": count, "topic": BENCH_GROUP_TOPIC, "queuesPerGroup": queues.len() }))
    }
    .await;
    console.shutdown().await;
    result
}
