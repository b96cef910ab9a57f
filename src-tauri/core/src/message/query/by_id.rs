//! Looking a message up by id: an offset message id (the broker and commit-log position it names,
//! only when that is a broker of the cluster) or a unique key (the brokers' unique-key index).

use std::collections::BTreeSet;
use std::time::Instant;

use futures::future::join_all;

use crate::cluster::routed_brokers;
use crate::console::Console;
use crate::error::{Error, Result};
use crate::message::{MessageView, decode_view};
use crate::model::ConnectionId;
use crate::remoting::code::VIEW_MESSAGE_BY_ID;
use crate::remoting::header::ViewMessageHeader;

use super::{IdKind, IdLookup, IdQuery, query, topic_masters};

impl Console {
    /// A message by its id: as a unique key of `topic` first (when a topic is given), then as an
    /// offset id; says which matched.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn message_by_id(&self, id: &ConnectionId, q: &IdQuery) -> Result<IdLookup> {
        let start = Instant::now();
        let msg_id = q.id.trim().to_ascii_uppercase();
        if msg_id.len() < 32 || !msg_id.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(Error::validation(format!(
                "'{}' is not a message id: a unique key or an offset id is 32 or more hex digits.",
                q.id.trim()
            )));
        }
        let (_, client) = self.client(id).await?;
        let topic = q.topic.as_deref().map(str::trim).filter(|t| !t.is_empty());
        let mut notes = Vec::new();
        if let Some(topic) = topic {
            let masters = topic_masters(&client, topic).await?;
            let found = join_all(
                masters
                    .iter()
                    .map(|m| query(&client, &m.addr, topic, &msg_id, (0, i64::MAX), true)),
            )
            .await;
            let mut messages: Vec<MessageView> = Vec::new();
            for (m, r) in masters.iter().zip(found) {
                match r {
                    Ok(ms) => messages.extend(ms.into_iter().filter(|v| {
                        v.msg_id
                            .as_deref()
                            .is_some_and(|u| u.eq_ignore_ascii_case(&msg_id))
                    })),
                    Err(e) => notes.push(format!("{} did not answer: {e}", m.broker_name)),
                }
            }
            if !messages.is_empty() {
                messages.sort_by_key(|v| v.store_timestamp);
                return Ok(IdLookup {
                    matched_as: IdKind::UniqueKey,
                    messages,
                    notes,
                    elapsed_ms: start.elapsed().as_secs_f64() * 1000.0,
                });
            }
            notes.push(format!("Not a unique key of '{topic}'."));
        }
        // An offset id: only when it names a broker of this connection (a unique key decodes to a
        // made-up address that must not be dialled).
        let decoded = rocketmq_protocol::common::message::message_decoder::decode_message_id(&msg_id).ok();
        let known: BTreeSet<String> = routed_brokers(&client)
            .await?
            .into_iter()
            .map(|b| b.addr)
            .collect();
        let Some(parsed) = decoded.filter(|p| known.contains(&p.address.to_string())) else {
            return Err(match topic {
                Some(t) => Error::not_found(format!(
                    "message '{msg_id}': not a unique key of topic '{t}', and not an offset id of a broker of this cluster"
                )),
                None => Error::validation(format!(
                    "'{msg_id}' is not an offset id of a broker of this cluster. If it is a unique key (the \
                     producer's message id), give its topic."
                )),
            });
        };
        let addr = parsed.address.to_string();
        let ext = ViewMessageHeader {
            offset: parsed.offset,
        };
        let r = client.link.invoke(&addr, VIEW_MESSAGE_BY_ID, ext).await?;
        if r.code != 0 {
            return Err(Error::not_found(format!(
                "message at commit-log offset {} of {addr} ({})",
                parsed.offset,
                r.remark.unwrap_or_default()
            )));
        }
        let view = decode_view(&r.body)?;
        if let Some(t) = topic
            && view.topic != t
        {
            notes.push(format!(
                "The offset id points to a message of topic '{}', not '{t}'.",
                view.topic
            ));
        }
        Ok(IdLookup {
            matched_as: IdKind::OffsetId,
            messages: vec![view],
            notes,
            elapsed_ms: start.elapsed().as_secs_f64() * 1000.0,
        })
    }
}
