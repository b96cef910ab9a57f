//! Request and response codes: the one module where a code's number is bound to its name.
//!
//! The numbers come from rocketmq-protocol's `RequestCode` / `ResponseCode`; every code the console
//! sends is listed here, with whether sending it twice is harmless ([`is_idempotent`]), which the
//! transport needs to decide whether a failed request may be sent again.

use rocketmq_protocol::code::request_code::RequestCode as Req;
use rocketmq_protocol::code::response_code::ResponseCode as Res;

// ---- Reads: a second copy changes nothing ----------------------------------------------------
pub const PULL_MESSAGE: i32 = Req::PullMessage as i32;
pub const QUERY_MESSAGE: i32 = Req::QueryMessage as i32;
pub const GET_ALL_TOPIC_CONFIG: i32 = Req::GetAllTopicConfig as i32;
pub const GET_BROKER_CONFIG: i32 = Req::GetBrokerConfig as i32;
pub const GET_BROKER_RUNTIME_INFO: i32 = Req::GetBrokerRuntimeInfo as i32;
pub const SEARCH_OFFSET_BY_TIMESTAMP: i32 = Req::SearchOffsetByTimestamp as i32;
pub const GET_MAX_OFFSET: i32 = Req::GetMaxOffset as i32;
pub const GET_MIN_OFFSET: i32 = Req::GetMinOffset as i32;
pub const GET_EARLIEST_MSG_STORETIME: i32 = Req::GetEarliestMsgStoreTime as i32;
pub const VIEW_MESSAGE_BY_ID: i32 = Req::ViewMessageById as i32;
pub const GET_ALL_CONSUMER_OFFSET: i32 = Req::GetAllConsumerOffset as i32;
pub const GET_KV_CONFIG: i32 = Req::GetKvConfig as i32;
pub const GET_ROUTEINFO_BY_TOPIC: i32 = Req::GetRouteinfoByTopic as i32;
pub const GET_BROKER_CLUSTER_INFO: i32 = Req::GetBrokerClusterInfo as i32;
pub const GET_ALL_SUBSCRIPTIONGROUP_CONFIG: i32 = Req::GetAllSubscriptionGroupConfig as i32;
pub const GET_TOPIC_STATS_INFO: i32 = Req::GetTopicStatsInfo as i32;
pub const GET_CONSUMER_CONNECTION_LIST: i32 = Req::GetConsumerConnectionList as i32;
pub const GET_PRODUCER_CONNECTION_LIST: i32 = Req::GetProducerConnectionList as i32;
pub const GET_ALL_TOPIC_LIST_FROM_NAMESERVER: i32 = Req::GetAllTopicListFromNameserver as i32;
pub const GET_CONSUME_STATS: i32 = Req::GetConsumeStats as i32;
pub const GET_KVLIST_BY_NAMESPACE: i32 = Req::GetKvlistByNamespace as i32;
pub const QUERY_TOPIC_CONSUME_BY_WHO: i32 = Req::QueryTopicConsumeByWho as i32;
pub const GET_SYSTEM_TOPIC_LIST_FROM_NS: i32 = Req::GetSystemTopicListFromNs as i32;
pub const GET_CONSUMER_RUNNING_INFO: i32 = Req::GetConsumerRunningInfo as i32;
pub const GET_BROKER_CONSUME_STATS: i32 = Req::GetBrokerConsumeStats as i32;
pub const GET_ALL_PRODUCER_INFO: i32 = Req::GetAllProducerInfo as i32;
pub const GET_TOPIC_CONFIG: i32 = Req::GetTopicConfig as i32;
pub const GET_NAMESRV_CONFIG: i32 = Req::GetNamesrvConfig as i32;

// ---- Mutations: never sent a second time after an unknown outcome ------------------------------
pub const SEND_MESSAGE: i32 = Req::SendMessage as i32;
pub const UPDATE_CONSUMER_OFFSET: i32 = Req::UpdateConsumerOffset as i32;
pub const UPDATE_AND_CREATE_TOPIC: i32 = Req::UpdateAndCreateTopic as i32;
pub const UPDATE_BROKER_CONFIG: i32 = Req::UpdateBrokerConfig as i32;
pub const PUT_KV_CONFIG: i32 = Req::PutKvConfig as i32;
pub const DELETE_KV_CONFIG: i32 = Req::DeleteKvConfig as i32;
pub const UPDATE_AND_CREATE_SUBSCRIPTIONGROUP: i32 = Req::UpdateAndCreateSubscriptionGroup as i32;
pub const DELETE_SUBSCRIPTIONGROUP: i32 = Req::DeleteSubscriptionGroup as i32;
pub const DELETE_TOPIC_IN_BROKER: i32 = Req::DeleteTopicInBroker as i32;
pub const DELETE_TOPIC_IN_NAMESRV: i32 = Req::DeleteTopicInNamesrv as i32;
pub const INVOKE_BROKER_TO_RESET_OFFSET: i32 = Req::InvokeBrokerToResetOffset as i32;
pub const CONSUME_MESSAGE_DIRECTLY: i32 = Req::ConsumeMessageDirectly as i32;
pub const SEND_BATCH_MESSAGE: i32 = Req::SendBatchMessage as i32;

/// The request codes whose second copy changes nothing: a read that failed on a pooled
/// connection may be sent again on a fresh one. Everything else counts as a mutation.
const IDEMPOTENT: [i32; 28] = [
    GET_NAMESRV_CONFIG,
    PULL_MESSAGE,
    QUERY_MESSAGE,
    GET_ALL_TOPIC_CONFIG,
    GET_BROKER_CONFIG,
    GET_BROKER_RUNTIME_INFO,
    SEARCH_OFFSET_BY_TIMESTAMP,
    GET_MAX_OFFSET,
    GET_MIN_OFFSET,
    GET_EARLIEST_MSG_STORETIME,
    VIEW_MESSAGE_BY_ID,
    GET_ALL_CONSUMER_OFFSET,
    GET_KV_CONFIG,
    GET_ROUTEINFO_BY_TOPIC,
    GET_BROKER_CLUSTER_INFO,
    GET_ALL_SUBSCRIPTIONGROUP_CONFIG,
    GET_TOPIC_STATS_INFO,
    GET_CONSUMER_CONNECTION_LIST,
    GET_PRODUCER_CONNECTION_LIST,
    GET_ALL_TOPIC_LIST_FROM_NAMESERVER,
    GET_CONSUME_STATS,
    GET_KVLIST_BY_NAMESPACE,
    QUERY_TOPIC_CONSUME_BY_WHO,
    GET_SYSTEM_TOPIC_LIST_FROM_NS,
    GET_CONSUMER_RUNNING_INFO,
    GET_BROKER_CONSUME_STATS,
    GET_ALL_PRODUCER_INFO,
    GET_TOPIC_CONFIG,
];

/// Whether sending `code` twice is harmless. Unknown codes are not: default-deny, so a code added
/// later is never re-sent by accident. (A pull never commits an offset here: the console's pulls
/// carry no commit flag.)
pub fn is_idempotent(code: i32) -> bool {
    IDEMPOTENT.contains(&code)
}

// ---- Response codes ----------------------------------------------------------------------------
pub const SUCCESS: i32 = Res::Success as i32;
pub const SYSTEM_ERROR: i32 = Res::SystemError as i32;
pub const SYSTEM_BUSY: i32 = Res::SystemBusy as i32;
pub const REQUEST_CODE_NOT_SUPPORTED: i32 = Res::RequestCodeNotSupported as i32;
pub const FLUSH_DISK_TIMEOUT: i32 = Res::FlushDiskTimeout as i32;
pub const SLAVE_NOT_AVAILABLE: i32 = Res::SlaveNotAvailable as i32;
pub const FLUSH_SLAVE_TIMEOUT: i32 = Res::FlushSlaveTimeout as i32;
pub const NO_PERMISSION: i32 = Res::NoPermission as i32;
pub const TOPIC_NOT_EXIST: i32 = Res::TopicNotExist as i32;
pub const PULL_NOT_FOUND: i32 = Res::PullNotFound as i32;
pub const PULL_RETRY_IMMEDIATELY: i32 = Res::PullRetryImmediately as i32;
pub const PULL_OFFSET_MOVED: i32 = Res::PullOffsetMoved as i32;
pub const QUERY_NOT_FOUND: i32 = Res::QueryNotFound as i32;
pub const CONSUMER_NOT_ONLINE: i32 = Res::ConsumerNotOnline as i32;
pub const NO_MESSAGE: i32 = Res::NoMessage as i32;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_the_java_numbers_and_mutations_are_not_idempotent() {
        // The numbers of the Apache RocketMQ RequestCode / ResponseCode classes.
        assert_eq!(
            (
                SEND_MESSAGE,
                PULL_MESSAGE,
                GET_BROKER_CLUSTER_INFO,
                CONSUME_MESSAGE_DIRECTLY
            ),
            (10, 11, 106, 309)
        );
        assert_eq!(
            (SEND_BATCH_MESSAGE, GET_TOPIC_CONFIG, GET_ALL_PRODUCER_INFO),
            (320, 351, 328)
        );
        assert_eq!(
            (SYSTEM_BUSY, NO_PERMISSION, QUERY_NOT_FOUND, CONSUMER_NOT_ONLINE),
            (2, 16, 22, 206)
        );
        for m in [
            SEND_MESSAGE,
            SEND_BATCH_MESSAGE,
            CONSUME_MESSAGE_DIRECTLY,
            UPDATE_CONSUMER_OFFSET,
            INVOKE_BROKER_TO_RESET_OFFSET,
            UPDATE_AND_CREATE_TOPIC,
            DELETE_TOPIC_IN_BROKER,
            UPDATE_AND_CREATE_SUBSCRIPTIONGROUP,
            DELETE_SUBSCRIPTIONGROUP,
            PUT_KV_CONFIG,
            DELETE_KV_CONFIG,
            UPDATE_BROKER_CONFIG,
            9999,
        ] {
            assert!(!is_idempotent(m), "{m} must never be sent twice");
        }
        assert!(is_idempotent(GET_CONSUME_STATS) && is_idempotent(PULL_MESSAGE));
    }
}
