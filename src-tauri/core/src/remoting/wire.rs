//! Reply bodies the console decodes itself, as every server version writes them (Java 4.9.x and
//! 5.x, rocketmq-rust), with the fastjson quirks tolerated: the cluster table and client
//! connections. Domain-specific bodies live beside their domain and decode through
//! [`super::fastjson`].

use std::collections::HashMap;

use serde::Deserialize;

use super::fastjson::decode_json;
use crate::error::Result;

/// One client connection as brokers list them (consumer and producer connection lists).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ConnectionBody {
    #[serde(default)]
    pub(crate) client_id: String,
    #[serde(default)]
    pub(crate) client_addr: String,
    /// `"JAVA"`, or a language code number on some servers.
    #[serde(default)]
    pub(crate) language: serde_json::Value,
    #[serde(default)]
    pub(crate) version: u32,
}

/// A client's language as text, whether the server wrote a name or a code.
pub(crate) fn language_of(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A broker-name entry of the cluster table, as every server version writes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BrokerEntry {
    #[serde(default)]
    pub cluster: String,
    #[serde(default)]
    pub broker_name: String,
    #[serde(default)]
    pub broker_addrs: HashMap<String, String>,
}

/// The cluster table (`GET_BROKER_CLUSTER_INFO` reply body).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterTable {
    #[serde(default)]
    pub broker_addr_table: HashMap<String, BrokerEntry>,
    #[serde(default)]
    pub cluster_addr_table: HashMap<String, Vec<String>>,
}

/// Decodes a cluster table from any 4.x/5.x name server or the rocketmq-rust one.
pub fn decode_cluster_table(body: &[u8]) -> Result<ClusterTable> {
    decode_json(body, "cluster info")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn cluster_tables_of_4x_and_5x_decode() {
        // Captured from an Apache RocketMQ 4.9.7 name server (no enableActingMaster, no zoneName).
        let v4 = br#"{"brokerAddrTable":{"broker-a":{"brokerAddrs":{0:"127.0.0.1:24492"},"brokerName":"broker-a","cluster":"c4"}},"clusterAddrTable":{"c4":["broker-a"]}}"#;
        let t = decode_cluster_table(v4).unwrap();
        assert_eq!(
            t.broker_addr_table["broker-a"].broker_addrs["0"],
            "127.0.0.1:24492"
        );
        assert_eq!(t.cluster_addr_table["c4"], vec!["broker-a"]);
        let v5 = br#"{"brokerAddrTable":{"b":{"brokerAddrs":{"0":"x:1"},"brokerName":"b","cluster":"c","enableActingMaster":false,"zoneName":null}},"clusterAddrTable":{}}"#;
        assert_eq!(
            decode_cluster_table(v5).unwrap().broker_addr_table["b"].cluster,
            "c"
        );
        assert!(decode_cluster_table(b"<html>").is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn any_cluster_table_bytes_decode_or_fail(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = decode_cluster_table(&bytes);
        }
    }
}
