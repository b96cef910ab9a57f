//! Request headers as typed structs: one per kind of request, with the field names the Java broker
//! and name server read (`extFields` of the remoting frame). A domain module fills a struct; only
//! this module turns it into the frame's string map.

use std::collections::BTreeMap;

/// The `extFields` of a request frame.
pub type Fields = BTreeMap<String, String>;

/// A request header: its fields as the frame carries them.
pub trait Header {
    fn into_fields(self) -> Fields;
}

/// No header fields.
impl Header for () {
    fn into_fields(self) -> Fields {
        Fields::new()
    }
}

impl Header for Fields {
    fn into_fields(self) -> Fields {
        self
    }
}

/// How a header field's value is written (`None`: the field is left out).
pub trait WireValue {
    fn wire(self) -> Option<String>;
}

impl WireValue for String {
    fn wire(self) -> Option<String> {
        Some(self)
    }
}

impl WireValue for &str {
    fn wire(self) -> Option<String> {
        Some(self.to_owned())
    }
}

macro_rules! wire_display {
    ($($t:ty),*) => {$(
        impl WireValue for $t {
            fn wire(self) -> Option<String> {
                Some(self.to_string())
            }
        }
    )*};
}
wire_display!(bool, i32, i64, u32, u64);

impl<T: WireValue> WireValue for Option<T> {
    fn wire(self) -> Option<String> {
        self.and_then(WireValue::wire)
    }
}

/// Declares a header struct: each field with the name it has on the wire.
macro_rules! header {
    ($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* $field:ident: $ty:ty => $wire:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        pub struct $name {
            $($(#[$fmeta])* pub $field: $ty,)*
        }

        impl Header for $name {
            fn into_fields(self) -> Fields {
                let mut fields = Fields::new();
                $(
                    if let Some(v) = WireValue::wire(self.$field) {
                        fields.insert($wire.to_owned(), v);
                    }
                )*
                fields
            }
        }
    };
}

header!(
    /// Requests about one topic (route, stats, config, delete, who consumes it, …).
    TopicHeader { topic: String => "topic" }
);

header!(
    /// Requests about one consumer group (its connections, clients, config, offsets, …).
    GroupHeader { consumer_group: String => "consumerGroup" }
);

header!(
    /// `GET_PRODUCER_CONNECTION_LIST`.
    ProducerGroupHeader { producer_group: String => "producerGroup" }
);

header!(
    /// `GET_CONSUME_STATS`: a group's offsets and lag, on one topic or all it subscribes to.
    ConsumeStatsHeader {
        consumer_group: String => "consumerGroup",
        topic: Option<String> => "topic",
    }
);

header!(
    /// `GET_BROKER_CONSUME_STATS`: every group's stats of a broker at once.
    BrokerConsumeStatsHeader { is_order: bool => "isOrder" }
);

header!(
    /// `GET_CONSUMER_RUNNING_INFO`, relayed by the broker to one client.
    RunningInfoHeader {
        consumer_group: String => "consumerGroup",
        client_id: String => "clientId",
        jstack_enable: bool => "jstackEnable",
    }
);

header!(
    /// `CONSUME_MESSAGE_DIRECTLY`, relayed by the broker to one client.
    ConsumeDirectlyHeader {
        consumer_group: String => "consumerGroup",
        client_id: String => "clientId",
        msg_id: String => "msgId",
        topic: String => "topic",
        broker_name: String => "brokerName",
    }
);

header!(
    /// `DELETE_SUBSCRIPTIONGROUP`: 5.x reads `cleanOffset`, 4.x `removeOffset`.
    DeleteGroupHeader {
        group_name: String => "groupName",
        clean_offset: bool => "cleanOffset",
        remove_offset: bool => "removeOffset",
    }
);

header!(
    /// `GET_MIN_OFFSET` / `GET_MAX_OFFSET` of one queue.
    QueueHeader {
        topic: String => "topic",
        queue_id: u32 => "queueId",
    }
);

header!(
    /// `SEARCH_OFFSET_BY_TIMESTAMP` of one queue.
    SearchOffsetHeader {
        topic: String => "topic",
        queue_id: u32 => "queueId",
        timestamp: i64 => "timestamp",
    }
);

header!(
    /// `PULL_MESSAGE` without a subscription of the broker's (`sysFlag` carries the subscription flag).
    PullHeader {
        consumer_group: String => "consumerGroup",
        topic: String => "topic",
        queue_id: u32 => "queueId",
        queue_offset: i64 => "queueOffset",
        max_msg_nums: u32 => "maxMsgNums",
        sys_flag: u32 => "sysFlag",
        commit_offset: i64 => "commitOffset",
        suspend_timeout_millis: i64 => "suspendTimeoutMillis",
        subscription: String => "subscription",
        sub_version: i64 => "subVersion",
        expression_type: String => "expressionType",
    }
);

header!(
    /// `QUERY_MESSAGE` (the broker's key index); `_UNIQUE_KEY_QUERY` looks a unique id up.
    QueryMessageHeader {
        topic: String => "topic",
        key: String => "key",
        max_num: u32 => "maxNum",
        begin_timestamp: i64 => "beginTimestamp",
        end_timestamp: i64 => "endTimestamp",
        /// Only sent when set.
        unique_key: Option<bool> => "_UNIQUE_KEY_QUERY",
    }
);

header!(
    /// `VIEW_MESSAGE_BY_ID`: the commit-log offset of an offset message id.
    ViewMessageHeader { offset: i64 => "offset" }
);

header!(
    /// `SEND_MESSAGE` (`SendMessageRequestHeader`).
    SendHeader {
        producer_group: String => "producerGroup",
        topic: String => "topic",
        default_topic: String => "defaultTopic",
        default_topic_queue_nums: i32 => "defaultTopicQueueNums",
        queue_id: u32 => "queueId",
        sys_flag: i32 => "sysFlag",
        born_timestamp: i64 => "bornTimestamp",
        flag: i32 => "flag",
        properties: String => "properties",
        reconsume_times: i32 => "reconsumeTimes",
        unit_mode: bool => "unitMode",
        batch: bool => "batch",
    }
);

header!(
    /// `SEND_BATCH_MESSAGE`: brokers read a batch's header as `SendMessageRequestHeaderV2`
    /// (one-letter names).
    SendBatchHeader {
        producer_group: String => "a",
        topic: String => "b",
        default_topic: String => "c",
        default_topic_queue_nums: i32 => "d",
        queue_id: u32 => "e",
        sys_flag: i32 => "f",
        born_timestamp: i64 => "g",
        flag: i32 => "h",
        properties: String => "i",
        reconsume_times: i32 => "j",
        unit_mode: bool => "k",
        batch: bool => "m",
    }
);

header!(
    /// `GET_ALL_TOPIC_CONFIG`, paged (5.x brokers; older ones ignore the fields and send it all).
    TopicConfigPageHeader {
        topic_seq: u64 => "topicSeq",
        max_topic_num: u32 => "maxTopicNum",
        /// Empty on the first page.
        data_version: String => "dataVersion",
    }
);

header!(
    /// `UPDATE_AND_CREATE_TOPIC`.
    CreateTopicHeader {
        topic: String => "topic",
        default_topic: String => "defaultTopic",
        read_queue_nums: u32 => "readQueueNums",
        write_queue_nums: u32 => "writeQueueNums",
        perm: u32 => "perm",
        topic_filter_type: String => "topicFilterType",
        topic_sys_flag: u32 => "topicSysFlag",
        order: bool => "order",
        force: bool => "force",
        /// `+key=value,…`; left out when unset.
        attributes: Option<String> => "attributes",
    }
);

header!(
    /// Name-server KV config: `GET_KV_CONFIG`, `PUT_KV_CONFIG` (with a value), `DELETE_KV_CONFIG`.
    KvConfigHeader {
        namespace: String => "namespace",
        key: String => "key",
        value: Option<String> => "value",
    }
);

header!(
    /// `GET_KVLIST_BY_NAMESPACE`.
    KvNamespaceHeader { namespace: String => "namespace" }
);

header!(
    /// `INVOKE_BROKER_TO_RESET_OFFSET`: to a timestamp, or (5.x) one queue to an offset.
    ResetOffsetHeader {
        group: String => "group",
        topic: String => "topic",
        queue_id: Option<u32> => "queueId",
        offset: Option<i64> => "offset",
        timestamp: i64 => "timestamp",
        is_force: bool => "isForce",
    }
);

header!(
    /// `UPDATE_CONSUMER_OFFSET` of one queue.
    CommitOffsetHeader {
        consumer_group: String => "consumerGroup",
        topic: String => "topic",
        queue_id: u32 => "queueId",
        commit_offset: i64 => "commitOffset",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_writes_its_wire_names_and_leaves_unset_options_out() {
        let f = QueryMessageHeader {
            topic: "t".into(),
            key: "k".into(),
            max_num: 64,
            begin_timestamp: 1,
            end_timestamp: -1,
            unique_key: None,
        }
        .into_fields();
        assert_eq!(
            f,
            Fields::from([
                ("topic".into(), "t".into()),
                ("key".into(), "k".into()),
                ("maxNum".into(), "64".into()),
                ("beginTimestamp".into(), "1".into()),
                ("endTimestamp".into(), "-1".into()),
            ])
        );
        let f = ConsumeStatsHeader {
            consumer_group: "g".into(),
            topic: Some("t".into()),
        }
        .into_fields();
        assert_eq!(f.get("topic").map(String::as_str), Some("t"));
        assert!(().into_fields().is_empty());
    }
}
