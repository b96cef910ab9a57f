//! The test consumer shared by the integration tests: the rocketmq-rust push consumer, or on 4.9.x
//! the official Java one, recording the bodies it consumes.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code"
)]

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rocketmq_client_rust::{
    ClientConfig, ClientResult, ConsumeConcurrentlyContext, ConsumeConcurrentlyStatus, DefaultMQPushConsumer,
    MQPushConsumer, MessageListenerConcurrently,
};
use rocketmq_model::common::consumer::consume_from_where::ConsumeFromWhere;
use rocketmq_model::common::message::message_ext::MessageExt;

use crate::support::{self, uuid_like};

/// Bodies received by the test consumer.
#[derive(Clone, Default)]
pub struct Inbox(pub Arc<Mutex<Vec<String>>>);

impl Inbox {
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
    pub fn set(&self) -> BTreeSet<String> {
        self.0.lock().unwrap().iter().cloned().collect()
    }
}

struct Listener(Inbox);

impl MessageListenerConcurrently for Listener {
    fn consume_message(
        &self,
        msgs: &[&MessageExt],
        _context: &ConsumeConcurrentlyContext,
    ) -> ClientResult<ConsumeConcurrentlyStatus> {
        let mut inbox = self.0.0.lock().unwrap();
        for m in msgs {
            inbox.push(String::from_utf8_lossy(&m.body().unwrap_or_default()).into_owned());
        }
        Ok(ConsumeConcurrentlyStatus::ConsumeSuccess)
    }
}

/// The scenario's consumer: the rocketmq-rust push consumer, or on 4.9.x (whose name server the
/// rust client cannot read) the official Java one (tests/harness/java/OnlineConsumer.java).
pub enum Consumer {
    Rust(Box<DefaultMQPushConsumer>),
    Java {
        child: std::process::Child,
        reader: std::thread::JoinHandle<()>,
        _classes: tempfile::TempDir,
    },
}

impl Consumer {
    pub async fn start(flavour: &str, ns: &str, group: &str, topic: &str, inbox: &Inbox) -> Self {
        if flavour == "java4" {
            return Self::java(flavour, ns, group, topic, inbox);
        }
        let mut cfg = ClientConfig {
            persist_consumer_offset_interval: 1000,
            ..Default::default()
        };
        cfg.set_instance_name(format!("it-{}", uuid_like()).into());
        let mut consumer = DefaultMQPushConsumer::builder(support::client_runtime())
            .client_config(cfg)
            .consumer_group(group.to_owned())
            .name_server_addr(ns.to_owned())
            .consume_from_where(ConsumeFromWhere::ConsumeFromFirstOffset)
            .build();
        consumer.subscribe(topic, "*").await.unwrap();
        consumer.register_message_listener_concurrently(Listener(inbox.clone()));
        consumer.start().await.unwrap();
        Self::Rust(Box::new(consumer))
    }

    fn java(flavour: &str, ns: &str, group: &str, topic: &str, inbox: &Inbox) -> Self {
        use std::io::BufRead as _;
        let (mut child, dir) = support::java_helper(flavour, "OnlineConsumer", &[ns, group, topic]);
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let inbox = inbox.clone();
        let reader = std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(std::result::Result::ok)
            {
                if line == "ready" {
                    let _ = tx.send(());
                } else if let Some(body) = line.strip_prefix("msg ") {
                    inbox.0.lock().unwrap().push(body.to_owned());
                }
            }
        });
        rx.recv_timeout(Duration::from_secs(60))
            .expect("the Java consumer did not start");
        Self::Java {
            child,
            reader,
            _classes: dir,
        }
    }

    pub async fn stop(self) {
        match self {
            Self::Rust(mut c) => c.shutdown().await,
            Self::Java {
                mut child,
                reader,
                _classes,
            } => {
                drop(child.stdin.take());
                tokio::task::spawn_blocking(move || {
                    let _ = reader.join();
                    let _ = child.wait();
                })
                .await
                .unwrap();
            }
        }
    }
}

pub async fn eventually(what: &str, secs: u64, mut f: impl AsyncFnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    while std::time::Instant::now() < deadline {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    panic!("timed out waiting for {what}");
}
