//! What can be done with a stored message: **resend** it to one online client of a consumer
//! group (`CONSUME_MESSAGE_DIRECTLY`, 309: the broker reads the message by its commit-log offset
//! and has the client consume it, and the client's own result comes back), **re-publish a copy**
//! of many messages to a topic (keys, tag and user properties kept; a job with one outcome per
//! message), and the **track**: which consumer groups of its topic have consumed it.
//!
//! Resend and re-publish go through the preview, the journal and the read-only refusal like every
//! mutation.

mod republish;
mod resend;
mod track;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{MessageView, RESERVED_PROPERTIES, SendResult};
use crate::error::{Error, Result};
use crate::model::{Count, Offset};
use crate::registry::LiveClient;
use crate::remoting;
use crate::remoting::code::{CONSUMER_NOT_ONLINE, GET_CONSUMER_CONNECTION_LIST};
use crate::remoting::header::GroupHeader;
use crate::safety::ChangePlan;
use crate::topic::consumers::ConsumerConnectionBody;

/// Most messages re-published in one job.
pub const MAX_REPUBLISH: usize = 10_000;
/// Messages shown one by one in a re-publish preview.
const PREVIEW_ROWS: usize = 20;
/// Sends in flight in a re-publish job.
const REPUBLISH_CONCURRENCY: usize = 8;

/// Resend one message to a consumer group's client.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ResendRequest {
    pub offset_msg_id: String,
    pub group: String,
    /// The client to consume it (default: the group's first online client).
    pub client_id: Option<String>,
}

/// What the client answered (`ConsumeMessageDirectlyResult`).
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ResendResult {
    pub client_id: String,
    /// `CR_SUCCESS`, `CR_LATER`, `CR_ROLLBACK`, `CR_COMMIT`, `CR_THROW_EXCEPTION`, `CR_RETURN_NULL`.
    pub consume_result: Option<String>,
    pub remark: Option<String>,
    pub spent_time_ms: Option<f64>,
    pub order: bool,
}

/// The preview of a resend, with what it would act on.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ResendPlan {
    pub plan: ChangePlan,
    pub client_id: String,
    /// Every online client of the group.
    pub clients: Vec<String>,
}

/// Re-publish copies of messages to a topic.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RepublishRequest {
    pub offset_msg_ids: Vec<String>,
    pub target_topic: String,
}

/// One message's outcome (a batch item of the re-publish job).
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RepublishItem {
    pub offset_msg_id: String,
    pub ok: bool,
    pub sent: Option<SendResult>,
    pub error: Option<String>,
}

/// The re-publish job's summary.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RepublishSummary {
    pub target_topic: String,
    pub ok: u32,
    pub failed: u32,
    /// Not attempted (the job was cancelled first).
    pub not_run: u32,
    pub audit_id: Count,
}

/// How far a consumer group has got with one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum TrackStatus {
    Consumed,
    /// Past it, but the group's subscription does not take its tag.
    ConsumedButFiltered,
    NotConsumedYet,
    /// Broadcast groups keep their offsets on the clients; the broker cannot tell.
    Unknown,
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TrackRow {
    pub group: String,
    pub status: TrackStatus,
    pub online: bool,
    /// The group's committed offset on the message's queue (none: never committed).
    pub consumer_offset: Option<Offset>,
    pub subscription: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct MessageTrack {
    pub offset_msg_id: String,
    pub topic: String,
    pub broker_name: String,
    pub queue_id: u32,
    pub queue_offset: Offset,
    pub rows: Vec<TrackRow>,
}

/// The user properties of a stored message (the system ones dropped).
pub(crate) fn user_properties(v: &MessageView) -> BTreeMap<String, String> {
    v.properties
        .iter()
        .filter(|(k, _)| {
            !RESERVED_PROPERTIES
                .iter()
                .any(|r| *k == r || (r.ends_with('.') && k.starts_with(r)))
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

async fn connection_of(
    client: &LiveClient,
    addr: &str,
    group: &str,
) -> Result<Option<ConsumerConnectionBody>> {
    let ext = GroupHeader {
        consumer_group: group.to_owned(),
    };
    match client
        .link
        .request_with(addr, GET_CONSUMER_CONNECTION_LIST, ext, "consumer connections")
        .await
    {
        Ok(r) => remoting::decode_json::<ConsumerConnectionBody>(&r.body, "consumer connections").map(Some),
        Err(Error::BrokerRejected {
            code: CONSUMER_NOT_ONLINE,
            ..
        }) => Ok(None),
        Err(e) => Err(e),
    }
}
