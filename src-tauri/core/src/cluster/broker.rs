//! One broker's runtime stats and config, as the overview and the broker detail show them.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;

use crate::console::Console;
use crate::error::{Error, Result};
use crate::model::{ConnectionId, Millis};
use crate::registry::LiveClient;
use crate::remoting::code::{GET_BROKER_CONFIG, GET_BROKER_RUNTIME_INFO};
use crate::remoting::decode_json;

use super::{BrokerDetail, KeyValue, routed_brokers};

/// The parts of the runtime stats the overview shows.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct RuntimeSummary {
    pub version: Option<String>,
    pub put_tps: Option<f64>,
    pub get_tps: Option<f64>,
    pub msg_put_today: Option<u64>,
    pub msg_put_yesterday: Option<u64>,
    pub msg_get_today: Option<u64>,
    pub msg_get_yesterday: Option<u64>,
    pub commit_log_disk_ratio: Option<f64>,
    pub boot_time: Option<i64>,
}

/// Reads the runtime-stats table of a 4.x or 5.x Java broker or a rocketmq-rust broker.
pub fn summarize_runtime(kv: &HashMap<String, String>) -> RuntimeSummary {
    let num = |k: &str| kv.get(k).and_then(|v| v.trim().parse::<u64>().ok());
    // "putTps" is "last10s last1m last10m"; the first figure is the current rate.
    let first_f64 = |k: &str| {
        kv.get(k)
            .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
    };
    let diff = |now: Option<u64>, then: Option<u64>| Some(now?.saturating_sub(then?));
    let put_today = diff(num("msgPutTotalTodayNow"), num("msgPutTotalTodayMorning"));
    let put_yesterday = diff(num("msgPutTotalTodayMorning"), num("msgPutTotalYesterdayMorning"));
    let get_today = diff(num("msgGetTotalTodayNow"), num("msgGetTotalTodayMorning"));
    let get_yesterday = diff(num("msgGetTotalTodayMorning"), num("msgGetTotalYesterdayMorning"));
    RuntimeSummary {
        version: kv.get("brokerVersionDesc").cloned().filter(|v| !v.is_empty()),
        put_tps: first_f64("putTps"),
        // 4.x spells it "getTransferedTps", 5.x "getTransferredTps".
        get_tps: first_f64("getTransferredTps").or_else(|| first_f64("getTransferedTps")),
        msg_put_today: put_today,
        msg_put_yesterday: put_yesterday,
        msg_get_today: get_today,
        msg_get_yesterday: get_yesterday,
        commit_log_disk_ratio: kv.get("commitLogDiskRatio").and_then(|v| v.trim().parse().ok()),
        boot_time: kv
            .get("bootTimestamp")
            .and_then(|v| v.trim().parse().ok())
            .filter(|t: &i64| *t > 0),
    }
}

/// The `KVTable` body of `GET_BROKER_RUNTIME_INFO`.
#[derive(Deserialize)]
struct KvTable {
    #[serde(default)]
    table: HashMap<String, String>,
}

/// A broker's config as `GET_BROKER_CONFIG` answers it: Java properties text, `key=value` a line
/// (the rocketmq-rust broker writes the same). Comment lines and blank lines are skipped; a line
/// without `=` (or `:`) is kept as a key with an empty value, so nothing the broker said is lost.
pub(crate) fn parse_properties(text: &str) -> HashMap<String, String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('!'))
        .map(|l| match l.find('=').or_else(|| l.find(':')) {
            Some(i) => (l[..i].trim().to_owned(), l[i + 1..].trim().to_owned()),
            None => (l.to_owned(), String::new()),
        })
        .collect()
}

fn sorted_kv(map: HashMap<String, String>) -> Vec<KeyValue> {
    map.into_iter()
        .collect::<BTreeMap<_, _>>()
        .into_iter()
        .map(|(key, value)| KeyValue { key, value })
        .collect()
}

/// A broker's runtime stats (`GET_BROKER_RUNTIME_INFO`). A killed broker's pooled connection is
/// found closed before the request is written, so it fails at connect, not at the deadline.
pub(super) async fn runtime_of(client: &LiveClient, addr: &str) -> Result<HashMap<String, String>> {
    let r = client
        .link
        .request(addr, GET_BROKER_RUNTIME_INFO, "get broker runtime stats")
        .await?;
    Ok(decode_json::<KvTable>(&r.body, "broker runtime stats")?.table)
}

/// A broker's config (`GET_BROKER_CONFIG`).
async fn config_of(client: &LiveClient, addr: &str) -> Result<HashMap<String, String>> {
    let r = client
        .link
        .request(addr, GET_BROKER_CONFIG, "get broker config")
        .await?;
    Ok(parse_properties(&String::from_utf8_lossy(&r.body)))
}

impl Console {
    /// A broker's runtime stats and config.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn broker_detail(&self, id: &ConnectionId, addr: &str) -> Result<BrokerDetail> {
        let (_, client) = self.client(id).await?;
        let routed = routed_brokers(&client).await?;
        if !routed.iter().any(|b| b.addr == addr) {
            return Err(Error::not_found(format!("broker {addr} in the cluster route")));
        }
        let (runtime, config) = tokio::join!(runtime_of(&client, addr), config_of(&client, addr));
        Ok(BrokerDetail {
            addr: addr.to_owned(),
            fetched_at: Millis::now(),
            runtime: sorted_kv(runtime?),
            config: sorted_kv(config?),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn broker_config_text_is_read_line_by_line() {
        let text = "#comment\nbrokerName=broker-a\nstorePathRootDir=/tmp/x:y\n\nnamesrvAddr=127.0.0.1:9876;127.0.0.1:9877\nflag\nmsg = a=b\n";
        let p = parse_properties(text);
        assert_eq!(p["brokerName"], "broker-a");
        assert_eq!(p["storePathRootDir"], "/tmp/x:y");
        assert_eq!(p["namesrvAddr"], "127.0.0.1:9876;127.0.0.1:9877");
        assert_eq!(p["flag"], "");
        assert_eq!(p["msg"], "a=b");
        assert_eq!(p.len(), 5);
    }

    fn kv(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn runtime_stats_of_4x_and_5x_brokers_are_read() {
        let v5 = kv(&[
            ("brokerVersionDesc", "V5_5_0"),
            ("putTps", "12.5 10.0 9.0"),
            ("getTransferredTps", "3.0 2.0 1.0"),
            ("msgPutTotalYesterdayMorning", "100"),
            ("msgPutTotalTodayMorning", "250"),
            ("msgPutTotalTodayNow", "300"),
            ("msgGetTotalYesterdayMorning", "0"),
            ("msgGetTotalTodayMorning", "40"),
            ("msgGetTotalTodayNow", "45"),
            ("commitLogDiskRatio", "0.16"),
            ("bootTimestamp", "1764000000000"),
        ]);
        let s = summarize_runtime(&v5);
        assert_eq!(s.version.as_deref(), Some("V5_5_0"));
        assert_eq!(s.put_tps, Some(12.5));
        assert_eq!(s.get_tps, Some(3.0));
        assert_eq!((s.msg_put_today, s.msg_put_yesterday), (Some(50), Some(150)));
        assert_eq!((s.msg_get_today, s.msg_get_yesterday), (Some(5), Some(40)));
        assert_eq!(s.commit_log_disk_ratio, Some(0.16));
        assert_eq!(s.boot_time, Some(1_764_000_000_000));
        let v4 = kv(&[("brokerVersionDesc", "V4_9_7"), ("getTransferedTps", "7.5 1 1")]);
        assert_eq!(summarize_runtime(&v4).get_tps, Some(7.5));
        let junk = kv(&[
            ("putTps", "n/a"),
            ("bootTimestamp", "-1"),
            ("msgPutTotalTodayNow", "x"),
        ]);
        assert_eq!(summarize_runtime(&junk), RuntimeSummary::default());
    }
}
