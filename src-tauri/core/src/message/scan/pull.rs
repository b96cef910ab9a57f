//! Reading queues by pulling as `TOOLS_CONSUMER` with the subscription in the request: a queue's
//! offset range for a store-time window, one pull, the readable queues of a topic, the key lookup's
//! pull fallback, and the benchmark's raw-pull baseline.

use futures::StreamExt as _;

use crate::error::{Error, Result};
use crate::message::Stored;
use crate::message::decode_stored;
use crate::registry::LiveClient;
use crate::remoting;
use crate::remoting::code::{
    GET_MAX_OFFSET, GET_MIN_OFFSET, PULL_MESSAGE, PULL_NOT_FOUND, PULL_OFFSET_MOVED, PULL_RETRY_IMMEDIATELY,
    SEARCH_OFFSET_BY_TIMESTAMP,
};
use crate::remoting::header::{Header, PullHeader, QueueHeader, SearchOffsetHeader};
use crate::topic::topic_route;

use super::{FLAG_SUBSCRIPTION, PULL_BATCH, SCAN_CONCURRENCY, SCAN_GROUP};

/// One queue to scan: (broker name, master address, queue id, from, to).
#[derive(Debug, Clone)]
pub(crate) struct Range {
    pub(crate) broker_name: String,
    pub(crate) addr: String,
    pub(crate) queue_id: u32,
    pub(crate) from: i64,
    pub(crate) to: i64,
}

pub(crate) async fn ext_offset(
    client: &LiveClient,
    addr: &str,
    code: i32,
    ext: impl Header,
    what: &str,
) -> Result<i64> {
    let r = client.link.request_with(addr, code, ext, what).await?;
    r.ext
        .get("offset")
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| Error::BrokerRejected {
            target: addr.to_owned(),
            operation: what.to_owned(),
            code: -1,
            detail: "the reply has no 'offset'".into(),
        })
}

/// The offset range of one queue for `[begin, end]` (store time): from the first message stored at
/// or after `begin` to just past the last stored at or before `end`. Brokers' time searches round
/// differently (4.x answers the last message's offset for a time after it, 5.x the next offset), so
/// the message at each found offset is looked at and the bound moved past it when it is inside.
pub(crate) async fn range_of(
    client: &LiveClient,
    topic: &str,
    addr: &str,
    queue_id: u32,
    begin: i64,
    end: i64,
) -> Result<(i64, i64)> {
    let search = |ts: i64| {
        let ext = SearchOffsetHeader {
            topic: topic.to_owned(),
            queue_id,
            timestamp: ts,
        };
        ext_offset(
            client,
            addr,
            SEARCH_OFFSET_BY_TIMESTAMP,
            ext,
            "search offset by time",
        )
    };
    let max_ext = QueueHeader {
        topic: topic.to_owned(),
        queue_id,
    };
    let (from, to, max) = tokio::try_join!(
        search(begin),
        search(end.saturating_add(1)),
        ext_offset(client, addr, GET_MAX_OFFSET, max_ext, "max offset")
    )?;
    let probe = Range {
        broker_name: String::new(),
        addr: addr.to_owned(),
        queue_id,
        from: 0,
        to: max,
    };
    let time_at = |offset: i64| {
        let probe = &probe;
        async move {
            if offset >= max {
                return Ok(None);
            }
            let (views, _) = pull(client, topic, probe, offset, 1).await?;
            Ok::<_, Error>(views.first().map(Stored::store_timestamp))
        }
    };
    let (from, to) = (from.clamp(0, max), to.clamp(0, max));
    let (at_from, at_to) = tokio::try_join!(time_at(from), time_at(to))?;
    let from = if at_from.is_some_and(|t| t < begin) {
        from + 1
    } else {
        from
    };
    let to = if at_to.is_some_and(|t| t <= end) {
        to + 1
    } else {
        to
    };
    Ok((from, to.max(from)))
}

/// The header of a pull as `TOOLS_CONSUMER`, the subscription (`*`) in the request.
fn pull_header(topic: &str, queue_id: u32, offset: i64, max: u32) -> PullHeader {
    PullHeader {
        consumer_group: SCAN_GROUP.to_owned(),
        topic: topic.to_owned(),
        queue_id,
        queue_offset: offset,
        max_msg_nums: max,
        sys_flag: FLAG_SUBSCRIPTION,
        commit_offset: 0,
        suspend_timeout_millis: 0,
        subscription: "*".to_owned(),
        sub_version: 0,
        expression_type: "TAG".to_owned(),
    }
}

/// One pull: the messages at `offset` and the next offset to ask for.
pub(crate) async fn pull(
    client: &LiveClient,
    topic: &str,
    r: &Range,
    offset: i64,
    max: u32,
) -> Result<(Vec<Stored>, i64)> {
    let (body, next) = pull_bytes(client, topic, r, offset, max).await?;
    let views = decode_stored(body)?;
    let after = views.last().map_or(offset, |v| v.queue_offset() + 1);
    Ok((views, next.max(after)))
}

/// One pull, its messages left in the reply's bytes (empty when none were found; read them with
/// [`stored_in`](crate::message::stored_in)), and the next offset the broker says to ask for (at
/// least `offset`; past the last message returned is the caller's to check).
pub(crate) async fn pull_bytes(
    client: &LiveClient,
    topic: &str,
    r: &Range,
    offset: i64,
    max: u32,
) -> Result<(bytes::Bytes, i64)> {
    let ext = pull_header(topic, r.queue_id, offset, max);
    let reply = client.link.invoke(&r.addr, PULL_MESSAGE, ext).await?;
    let next = reply
        .ext
        .get("nextBeginOffset")
        .and_then(|v| v.parse::<i64>().ok());
    match reply.code {
        0 => Ok((bytes::Bytes::from(reply.body), next.unwrap_or(offset).max(offset))),
        PULL_NOT_FOUND | PULL_RETRY_IMMEDIATELY => {
            Ok((bytes::Bytes::new(), next.unwrap_or(offset).max(offset)))
        }
        PULL_OFFSET_MOVED => Ok((bytes::Bytes::new(), next.filter(|n| *n > offset).unwrap_or(r.to))),
        _ => remoting::check(&r.addr, "pull message", reply).map(|_| (bytes::Bytes::new(), offset)),
    }
}

/// The readable queues of `topic` on live masters, as (broker name, address, queue id), sorted.
pub(crate) async fn master_queues(client: &LiveClient, topic: &str) -> Result<Vec<(String, String, u32)>> {
    let route = topic_route(client, topic).await?;
    let mut queues: Vec<(String, String, u32)> = Vec::new();
    for qd in &route.queue_datas {
        // A broker whose master is not registered (down, or its name-server connection dropped
        // a moment) keeps its queues with no address: they fail, with why, instead of vanishing
        // from the scan.
        let addr = route
            .broker_datas
            .iter()
            .find(|b| b.broker_name == qd.broker_name)
            .and_then(|b| b.broker_addrs.get("0"))
            .cloned()
            .unwrap_or_default();
        for q in 0..qd.read_queue_nums {
            queues.push((qd.broker_name.clone(), addr.clone(), q));
        }
    }
    queues.sort();
    if queues.iter().all(|(_, addr, _)| addr.is_empty()) {
        return Err(Error::not_found(format!("a master broker of topic '{topic}'")));
    }
    Ok(queues)
}

/// The benchmark's baseline for a scan: every queue of `topic` pulled from its min to its max offset
/// with [`SCAN_CONCURRENCY`] queues in flight, messages counted by their size fields and not decoded
/// or filtered (the physical limit of pulling on this cluster). Returns the messages counted.
pub async fn pull_baseline(client: &LiveClient, topic: &str) -> Result<u64> {
    let queues = master_queues(client, topic).await?;
    let counts: Vec<Result<u64>> = futures::stream::iter(queues)
        .map(|(broker_name, addr, queue_id)| async move {
            let ext = || QueueHeader {
                topic: topic.to_owned(),
                queue_id,
            };
            let max = ext_offset(client, &addr, GET_MAX_OFFSET, ext(), "max offset").await?;
            let mut at = ext_offset(client, &addr, GET_MIN_OFFSET, ext(), "min offset").await?;
            let mut n = 0u64;
            while at < max {
                let q = pull_header(topic, queue_id, at, PULL_BATCH);
                let r = client.link.invoke(&addr, PULL_MESSAGE, q).await?;
                let next = r
                    .ext
                    .get("nextBeginOffset")
                    .and_then(|v| v.parse::<i64>().ok())
                    .unwrap_or(at);
                let mut i = 0usize;
                while i + 4 <= r.body.len() {
                    let size = i32::from_be_bytes([r.body[i], r.body[i + 1], r.body[i + 2], r.body[i + 3]]);
                    i += usize::try_from(size).unwrap_or(usize::MAX).max(4);
                    n += 1;
                }
                if next <= at {
                    tracing::warn!(broker = %broker_name, queue = queue_id, "pull baseline stuck at {at}");
                    break;
                }
                at = next;
            }
            Ok(n)
        })
        .buffer_unordered(SCAN_CONCURRENCY)
        .collect()
        .await;
    counts.into_iter().sum()
}
