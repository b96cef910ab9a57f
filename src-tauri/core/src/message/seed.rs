//! Filling a topic fast, for the sandbox, the benchmark and the large-topic tests: batches of
//! messages (`SEND_BATCH_MESSAGE`, 320) straight to each writable queue of every master, several
//! batches in flight. Not an operator action (no preview, no journal) and not exposed to the UI.
//!
//! Each message gets a unique key (`UNIQ_KEY`), tag `seed`, key `<prefix>-<n>` (and a shared key
//! when asked) and a body of the asked size starting with `<prefix>-<n> `.

use std::collections::BTreeMap;
use std::time::Instant;

use futures::StreamExt as _;
use serde::Serialize;

use super::{PRODUCER_GROUP, new_uniq_id, properties_string};
use crate::console::Console;
use crate::error::{Error, Result};
use crate::model::{ConnectionId, Millis};
use crate::remoting;
use crate::remoting::Link;
use crate::remoting::code::SEND_BATCH_MESSAGE;
use crate::remoting::header::SendBatchHeader;
use crate::topic::RouteBody;

/// Bytes per batch (brokers refuse batches over their 4 MiB message limit).
const BATCH_BYTES: usize = 1 << 20;
const IN_FLIGHT: usize = 8;
/// Sends of one batch while the broker is busy (about 40 s of waiting at most).
const BUSY_TRIES: u32 = 45;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SeedReport {
    pub topic: String,
    pub sent: u64,
    pub batches: u64,
    pub elapsed_ms: f64,
    pub messages_per_sec: f64,
}

/// One message in the batch layout (`MessageDecoder.encodeMessage`).
fn encode(out: &mut Vec<u8>, body: &[u8], props: &str) {
    let props = props.as_bytes();
    let size = 4 + 4 + 4 + 4 + 4 + body.len() + 2 + props.len();
    out.extend_from_slice(&i32::try_from(size).unwrap_or(i32::MAX).to_be_bytes());
    out.extend_from_slice(&0i32.to_be_bytes()); // magic code (unused in batches)
    out.extend_from_slice(&0i32.to_be_bytes()); // body CRC (computed by the broker)
    out.extend_from_slice(&0i32.to_be_bytes()); // flag
    out.extend_from_slice(&i32::try_from(body.len()).unwrap_or(i32::MAX).to_be_bytes());
    out.extend_from_slice(body);
    out.extend_from_slice(&u16::try_from(props.len()).unwrap_or(u16::MAX).to_be_bytes());
    out.extend_from_slice(props);
}

impl Console {
    /// Sends `count` messages of `body_size` bytes to `topic`, spread over its writable queues.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn seed_messages(
        &self,
        id: &ConnectionId,
        topic: &str,
        count: u64,
        body_size: usize,
        prefix: &str,
        shared_key: Option<&str>,
    ) -> Result<SeedReport> {
        let start = Instant::now();
        let (_, client) = self.client(id).await?;
        let route = crate::topic::topic_route(&client, topic).await?;
        let queues = writable_queues(&route);
        if queues.is_empty() {
            return Err(Error::validation(format!(
                "Topic '{topic}' has no writable queue."
            )));
        }
        let batches = plan_batches(queues.len(), count, body_size, prefix);
        let total_batches = batches.len() as u64;
        let (queues, link) = (&queues, &client.link);
        let results: Vec<Result<()>> = futures::stream::iter(batches)
            .map(|(q, from, k)| async move {
                let (addr, queue_id) = &queues[q];
                let body = batch_body(from..from + k, body_size, prefix, shared_key);
                send_batch(link, addr, *queue_id, topic, &body).await
            })
            .buffer_unordered(IN_FLIGHT)
            .collect()
            .await;
        if let Some(Err(e)) = results.into_iter().find(Result::is_err) {
            return Err(e);
        }
        let secs = start.elapsed().as_secs_f64();
        Ok(SeedReport {
            topic: topic.to_owned(),
            sent: count,
            batches: total_batches,
            elapsed_ms: secs * 1000.0,
            messages_per_sec: if secs > 0.0 { count as f64 / secs } else { 0.0 },
        })
    }
}

/// Every writable queue of the route's masters, as (master address, queue id), sorted.
fn writable_queues(route: &RouteBody) -> Vec<(String, u32)> {
    let mut queues: Vec<(String, u32)> = Vec::new();
    for q in &route.queue_datas {
        if q.perm & 2 == 0 {
            continue;
        }
        if let Some(addr) = route
            .broker_datas
            .iter()
            .find(|b| b.broker_name == q.broker_name)
            .and_then(|b| b.broker_addrs.get("0"))
        {
            for qid in 0..q.write_queue_nums {
                queues.push((addr.clone(), qid));
            }
        }
    }
    queues.sort();
    queues
}

/// The batches to send, as (queue index, first message number, message count), round robin over
/// `queues` queues.
fn plan_batches(queues: usize, count: u64, body_size: usize, prefix: &str) -> Vec<(usize, u64, u64)> {
    let per_batch = (BATCH_BYTES / (body_size + 120)).max(1) as u64;
    let mut batches: Vec<(usize, u64, u64)> = Vec::new();
    let mut n = 0u64;
    // Start on a queue chosen by the prefix, so small seeds spread over the queues.
    let mut i = prefix
        .bytes()
        .fold(0usize, |h, b| h.wrapping_mul(31).wrapping_add(usize::from(b)));
    while n < count {
        let k = per_batch.min(count - n);
        batches.push((i % queues, n, k));
        n += k;
        i += 1;
    }
    batches
}

/// The body of a batch: messages number `numbers`, each with its key, tag and unique key.
fn batch_body(
    numbers: std::ops::Range<u64>,
    body_size: usize,
    prefix: &str,
    shared_key: Option<&str>,
) -> Vec<u8> {
    let mut body = Vec::new();
    for j in numbers {
        let key = format!("{prefix}-{j}");
        let mut b = format!("{key} ").into_bytes();
        b.resize(body_size.max(b.len()), b'x');
        let keys = match shared_key {
            Some(k) => format!("{k} {key}"),
            None => key,
        };
        let props = BTreeMap::from([
            ("KEYS".to_owned(), keys),
            ("TAGS".to_owned(), "seed".to_owned()),
            ("UNIQ_KEY".to_owned(), new_uniq_id(Millis::now())),
        ]);
        encode(&mut body, &b, &properties_string(&props));
    }
    body
}

/// Sends one batch to queue `queue_id` of the master at `addr`, again while the broker is busy.
async fn send_batch(link: &Link, addr: &str, queue_id: u32, topic: &str, body: &[u8]) -> Result<()> {
    // Brokers read a batch's header as `SendMessageRequestHeaderV2` (one-letter names).
    let ext = SendBatchHeader {
        producer_group: PRODUCER_GROUP.to_owned(),
        topic: topic.to_owned(),
        default_topic: "TBW102".to_owned(),
        default_topic_queue_nums: 4,
        queue_id,
        sys_flag: 0,
        born_timestamp: Millis::now().0,
        flag: 0,
        properties: "WAIT\u{1}true\u{2}".to_owned(),
        reconsume_times: 0,
        unit_mode: false,
        batch: true,
    };
    // A broker under flow control refuses the batch unstored: wait and send it again
    // (a million-message seed on a loaded machine meets it).
    remoting::while_busy(BUSY_TRIES, || async {
        let r = link
            .invoke_body(addr, SEND_BATCH_MESSAGE, ext.clone(), body)
            .await?;
        remoting::check(addr, "send batch", r).map(drop)
    })
    .await
}
