//! Which consumer groups of its topic have consumed a message: each group's committed offset on
//! the message's queue against the message's offset, with the group's subscription and clients.

use std::collections::BTreeSet;

use futures::StreamExt as _;
use serde::Deserialize;

use crate::console::Console;
use crate::error::Result;
use crate::message::MessageView;
use crate::model::{ConnectionId, Offset};
use crate::registry::LiveClient;
use crate::remoting;
use crate::remoting::Reply;
use crate::remoting::code::{GET_CONSUME_STATS, QUERY_TOPIC_CONSUME_BY_WHO};
use crate::remoting::header::{ConsumeStatsHeader, TopicHeader};
use crate::topic::consumers::decode_consume_stats;

use super::resend::{broker_name_at, store_addr};
use super::{MessageTrack, TrackRow, TrackStatus, connection_of};

/// Whether a TAG subscription expression takes `tag`.
pub(super) fn takes_tag(expr: &str, tag: Option<&str>) -> bool {
    let expr = expr.trim();
    if expr.is_empty() || expr == "*" {
        return true;
    }
    tag.is_some_and(|t| expr.split("||").any(|e| e.trim() == t))
}

impl Console {
    /// Which consumer groups of the message's topic have consumed it.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn message_track(&self, id: &ConnectionId, offset_msg_id: &str) -> Result<MessageTrack> {
        let m = self.message_by_offset_id(id, offset_msg_id).await?;
        let (_, client) = self.client(id).await?;
        let addr = store_addr(offset_msg_id)?;
        let broker_name = broker_name_at(&client, &addr).await;
        let groups = consumer_groups(&client, &addr, &m.topic).await?;
        let rows: Vec<TrackRow> = futures::stream::iter(groups)
            .map(|group| track_group(&client, &addr, &broker_name, &m, group))
            .buffered(16)
            .collect()
            .await;
        Ok(MessageTrack {
            offset_msg_id: offset_msg_id.trim().to_owned(),
            topic: m.topic,
            broker_name,
            queue_id: m.queue_id,
            queue_offset: m.queue_offset,
            rows,
        })
    }
}

/// The groups that consume `topic`, as the broker at `addr` knows them.
async fn consumer_groups(client: &LiveClient, addr: &str, topic: &str) -> Result<BTreeSet<String>> {
    let ext = TopicHeader {
        topic: topic.to_owned(),
    };
    let r = client
        .link
        .request_with(
            addr,
            QUERY_TOPIC_CONSUME_BY_WHO,
            ext,
            "consumer groups of a topic",
        )
        .await?;
    #[derive(Default, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Groups {
        #[serde(default)]
        group_list: BTreeSet<String>,
    }
    Ok(remoting::decode_json::<Groups>(&r.body, "group list")?.group_list)
}

/// One group's row: its committed offset on the message's queue (consume stats) and its
/// subscription and clients (consumer connections), asked at once.
async fn track_group(
    client: &LiveClient,
    addr: &str,
    broker_name: &str,
    m: &MessageView,
    group: String,
) -> TrackRow {
    let ext = ConsumeStatsHeader {
        consumer_group: group.clone(),
        topic: Some(m.topic.clone()),
    };
    let (stats, conn) = tokio::join!(
        client
            .link
            .request_with(addr, GET_CONSUME_STATS, ext, "consume stats"),
        connection_of(client, addr, &group)
    );
    let conn = conn.ok().flatten();
    let online = conn.as_ref().is_some_and(|c| !c.connection_set.is_empty());
    let subscription = conn
        .as_ref()
        .and_then(|c| c.subscription_table.values().find(|s| s.topic == m.topic))
        .map(|s| s.sub_string.clone());
    let broadcast = conn
        .as_ref()
        .and_then(|c| c.message_model.as_deref())
        .is_some_and(|mm| mm.eq_ignore_ascii_case("BROADCASTING"));
    let offset = stats
        .as_ref()
        .ok()
        .and_then(|r| decode_consume_stats(&r.body).ok())
        .and_then(|(qs, _)| {
            qs.into_iter()
                .find(|q| q.broker_name == broker_name && q.queue_id == m.queue_id)
                .map(|q| q.consumer_offset)
        })
        .filter(|o| *o >= 0);
    let (status, note) = if broadcast {
        (
            TrackStatus::Unknown,
            Some("broadcast: offsets are kept by each client".to_owned()),
        )
    } else {
        status_of(offset, m, subscription.as_deref(), &stats)
    };
    TrackRow {
        group,
        status,
        online,
        consumer_offset: offset.map(Offset),
        subscription,
        note,
    }
}

/// Whether a clustering group consumed `m`, from its committed `offset` (past the message's
/// offset: consumed, unless its `subscription` filters the tag out), with a note when it has none.
fn status_of(
    offset: Option<i64>,
    m: &MessageView,
    subscription: Option<&str>,
    stats: &Result<Reply>,
) -> (TrackStatus, Option<String>) {
    match offset {
        Some(o) if o > m.queue_offset.0 => {
            if subscription.is_some_and(|s| !takes_tag(s, m.tags.as_deref())) {
                (TrackStatus::ConsumedButFiltered, None)
            } else {
                (TrackStatus::Consumed, None)
            }
        }
        Some(_) => (TrackStatus::NotConsumedYet, None),
        None => (
            TrackStatus::NotConsumedYet,
            Some(match stats {
                Err(e) => format!("no offset: {e}"),
                Ok(_) => "no committed offset on this queue".to_owned(),
            }),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_expressions() {
        assert!(takes_tag("*", None));
        assert!(takes_tag("", Some("a")));
        assert!(takes_tag("a || b", Some("b")));
        assert!(!takes_tag("a||b", Some("c")));
        assert!(!takes_tag("a", None));
    }
}
