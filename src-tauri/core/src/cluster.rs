//! Cluster overview, broker detail and the connection test.
//!
//! One overview round: the cluster table from a name server, every name server probed on its own
//! (reachability and round-trip time), and the runtime stats of every broker, all in parallel with
//! each request under the client's deadline. Brokers seen before but absent from the route now are
//! kept and shown as down: a stopped broker must never silently vanish from the screen.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Instant;

use futures::future::join_all;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::connection::{ConnectionDraft, parse_namesrv_addrs};
use crate::console::Console;
use crate::error::{Error, ErrorCode, Result};
use crate::jobs::{JobId, JobSink};
use crate::model::{ConnectionId, Count, Millis};
use crate::registry::{ClientSpec, LiveClient, REQUEST_TIMEOUT};
use crate::remoting::code::{GET_BROKER_CONFIG, GET_BROKER_RUNTIME_INFO, GET_NAMESRV_CONFIG};
use crate::remoting::{DialSpec, Rewrite, TlsSession, decode_json};

/// Reachability of one name server.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct NameServerStatus {
    pub addr: String,
    pub reachable: bool,
    pub rtt_ms: Option<f64>,
    pub error: Option<String>,
}

/// Whether a broker answered this round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum BrokerStatus {
    /// Registered with the name server and answered its runtime stats.
    Up,
    /// Registered, but did not answer (dead, hung, or unreachable from here).
    Unreachable,
    /// Seen before through this connection, no longer registered with any name server.
    Missing,
}

/// One broker row of the overview.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BrokerRow {
    pub cluster: String,
    pub broker_name: String,
    pub broker_id: u32,
    /// "master" for broker id 0, else "slave".
    pub role: String,
    /// The address the broker advertises (as the name server lists it).
    pub addr: String,
    /// The address dialled instead, when the connection's rewrite table maps `addr`.
    pub dialed_addr: Option<String>,
    pub status: BrokerStatus,
    /// Why the broker is not up, in words.
    pub status_detail: Option<String>,
    pub version: Option<String>,
    pub put_tps: Option<f64>,
    pub get_tps: Option<f64>,
    pub msg_put_today: Option<Count>,
    pub msg_put_yesterday: Option<Count>,
    pub msg_get_today: Option<Count>,
    pub msg_get_yesterday: Option<Count>,
    /// Fraction of the commit-log disk in use (0..1).
    pub commit_log_disk_ratio: Option<f64>,
    pub boot_time: Option<Millis>,
    pub uptime_ms: Option<Millis>,
    pub last_seen: Option<Millis>,
}

/// One cluster and its brokers.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ClusterView {
    pub name: String,
    pub brokers: Vec<BrokerRow>,
}

/// The Overview screen's data.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ClusterOverview {
    pub connection_id: ConnectionId,
    pub fetched_at: Millis,
    pub elapsed_ms: f64,
    pub name_servers: Vec<NameServerStatus>,
    pub clusters: Vec<ClusterView>,
}

/// One key/value of a broker's runtime stats or config.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct KeyValue {
    pub key: String,
    pub value: String,
}

/// A broker's detail: runtime stats and config (read-only here).
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BrokerDetail {
    pub addr: String,
    pub fetched_at: Millis,
    pub runtime: Vec<KeyValue>,
    pub config: Vec<KeyValue>,
}

/// A broker as reported by the connection test.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TestedBroker {
    pub cluster: String,
    pub broker_name: String,
    pub addr: String,
    pub version: Option<String>,
    pub error: Option<String>,
}

/// What **Test connection** found.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionTestReport {
    /// Round-trip time of the cluster-info request.
    pub rtt_ms: f64,
    pub clusters: Vec<String>,
    pub broker_count: u32,
    pub brokers: Vec<TestedBroker>,
    pub name_servers: Vec<NameServerStatus>,
    /// Every TLS session the test opened: protocol, cipher, the server certificate's subject,
    /// issuer and expiry (empty without TLS).
    pub tls: Vec<TlsSession>,
    /// Every address rewrite the test applied (advertised → dialled).
    pub rewrites: Vec<Rewrite>,
}

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

/// A broker address from the route table.
#[derive(Debug, Clone)]
pub(crate) struct RoutedBroker {
    pub(crate) cluster: String,
    pub(crate) broker_name: String,
    pub(crate) broker_id: u32,
    pub(crate) addr: String,
}

fn elapsed_ms(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1000.0
}

/// Probes every name server of the client on its own.
async fn probe_name_servers(client: &LiveClient) -> Vec<NameServerStatus> {
    join_all(client.spec.namesrv_addrs.iter().map(|addr| async move {
        let start = Instant::now();
        // Any answer proves the name server is there (one that refuses the config read still
        // answered); only a transport failure makes it unreachable.
        let r = client
            .link
            .invoke(addr, GET_NAMESRV_CONFIG, BTreeMap::new())
            .await;
        match r {
            Ok(_) => NameServerStatus {
                addr: addr.clone(),
                reachable: true,
                rtt_ms: Some(elapsed_ms(start)),
                error: None,
            },
            Err(e) => NameServerStatus {
                addr: addr.clone(),
                reachable: false,
                rtt_ms: None,
                error: Some(e.summary()),
            },
        }
    }))
    .await
}

/// The cluster table (clusters → brokers → addresses), sorted. Sent through [`crate::remoting`]
/// because the client crate cannot decode the 4.x reply.
pub(crate) async fn routed_brokers(client: &LiveClient) -> Result<Vec<RoutedBroker>> {
    let link = &client.link;
    let table = link.cluster_table(&client.spec.namesrv_addrs).await?;
    let mut out = Vec::new();
    for (name, entry) in table.broker_addr_table {
        for (id, addr) in entry.broker_addrs {
            out.push(RoutedBroker {
                cluster: entry.cluster.clone(),
                broker_name: name.clone(),
                broker_id: id.parse().unwrap_or(u32::MAX),
                addr,
            });
        }
    }
    out.sort_by(|a, b| {
        (&a.cluster, &a.broker_name, a.broker_id).cmp(&(&b.cluster, &b.broker_name, b.broker_id))
    });
    Ok(out)
}

/// A broker's runtime stats (`GET_BROKER_RUNTIME_INFO`). A killed broker's pooled connection is
/// found closed before the request is written, so it fails at connect, not at the deadline.
async fn runtime_of(client: &LiveClient, addr: &str) -> Result<HashMap<String, String>> {
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

/// The address dialled for an advertised one, when the rewrite table changes it.
fn dialed(client: &LiveClient, addr: &str) -> Option<String> {
    let target = client.link.transport().dialer().target(addr);
    (target != addr).then_some(target)
}

fn role_of(id: u32) -> String {
    if id == 0 {
        "master".to_owned()
    } else {
        "slave".to_owned()
    }
}

impl Console {
    /// The Overview: every cluster, broker and name server of a connection, in one parallel round.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn cluster_overview(&self, id: &ConnectionId) -> Result<ClusterOverview> {
        let start = Instant::now();
        let (_, client) = self.client(id).await?;
        let (name_servers, routed) = tokio::join!(probe_name_servers(&client), routed_brokers(&client));
        let routed = routed?;
        let now = Millis::now();
        let stats = join_all(routed.iter().map(|b| runtime_of(&client, &b.addr))).await;
        let mut rows: Vec<BrokerRow> = routed
            .iter()
            .zip(stats)
            .map(|(b, s)| {
                let (status, detail, sum) = match s {
                    Ok(kv) => (BrokerStatus::Up, None, summarize_runtime(&kv)),
                    Err(e) => (
                        BrokerStatus::Unreachable,
                        Some(e.summary()),
                        RuntimeSummary::default(),
                    ),
                };
                BrokerRow {
                    cluster: b.cluster.clone(),
                    broker_name: b.broker_name.clone(),
                    broker_id: b.broker_id,
                    role: role_of(b.broker_id),
                    addr: b.addr.clone(),
                    dialed_addr: dialed(&client, &b.addr),
                    status,
                    status_detail: detail,
                    version: sum.version,
                    put_tps: sum.put_tps,
                    get_tps: sum.get_tps,
                    msg_put_today: sum.msg_put_today.map(Count),
                    msg_put_yesterday: sum.msg_put_yesterday.map(Count),
                    msg_get_today: sum.msg_get_today.map(Count),
                    msg_get_yesterday: sum.msg_get_yesterday.map(Count),
                    commit_log_disk_ratio: sum.commit_log_disk_ratio,
                    boot_time: sum.boot_time.map(Millis),
                    uptime_ms: sum.boot_time.map(|t| Millis(now.0.saturating_sub(t))),
                    last_seen: (status == BrokerStatus::Up).then_some(now),
                }
            })
            .collect();
        self.remember_brokers(id, &rows, now).await?;
        rows.extend(self.missing_brokers(id, &routed).await?);
        let mut clusters: BTreeMap<String, Vec<BrokerRow>> = BTreeMap::new();
        for r in rows {
            clusters.entry(r.cluster.clone()).or_default().push(r);
        }
        Ok(ClusterOverview {
            connection_id: id.clone(),
            fetched_at: now,
            elapsed_ms: elapsed_ms(start),
            name_servers,
            clusters: clusters
                .into_iter()
                .map(|(name, mut brokers)| {
                    brokers.sort_by(|a, b| (&a.broker_name, a.broker_id).cmp(&(&b.broker_name, b.broker_id)));
                    ClusterView { name, brokers }
                })
                .collect(),
        })
    }

    async fn remember_brokers(&self, id: &ConnectionId, rows: &[BrokerRow], now: Millis) -> Result<()> {
        let mut tx = self.store().pool().begin().await?;
        for r in rows.iter().filter(|r| r.status == BrokerStatus::Up) {
            sqlx::query(
                "INSERT INTO known_broker (connection_id, cluster, broker_name, broker_id, addr, last_seen) \
                 VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (connection_id, broker_name, broker_id) \
                 DO UPDATE SET cluster = excluded.cluster, addr = excluded.addr, last_seen = excluded.last_seen",
            )
            .bind(id.as_str())
            .bind(&r.cluster)
            .bind(&r.broker_name)
            .bind(r.broker_id)
            .bind(&r.addr)
            .bind(now.0)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Brokers seen before through `id` that the route no longer lists.
    async fn missing_brokers(&self, id: &ConnectionId, routed: &[RoutedBroker]) -> Result<Vec<BrokerRow>> {
        let rows = sqlx::query(
            "SELECT cluster, broker_name, broker_id, addr, last_seen FROM known_broker WHERE connection_id = ?",
        )
        .bind(id.as_str())
        .fetch_all(self.store().pool())
        .await?;
        let mut out = Vec::new();
        for row in rows {
            let broker_name: String = row.try_get("broker_name")?;
            let broker_id: u32 = row.try_get("broker_id")?;
            if routed
                .iter()
                .any(|b| b.broker_name == broker_name && b.broker_id == broker_id)
            {
                continue;
            }
            let last_seen = Millis(row.try_get("last_seen")?);
            out.push(BrokerRow {
                cluster: row.try_get("cluster")?,
                broker_name,
                broker_id,
                role: role_of(broker_id),
                addr: row.try_get("addr")?,
                dialed_addr: None,
                status: BrokerStatus::Missing,
                status_detail: Some(
                    "No longer registered with any name server (stopped or crashed).".to_owned(),
                ),
                version: None,
                put_tps: None,
                get_tps: None,
                msg_put_today: None,
                msg_put_yesterday: None,
                msg_get_today: None,
                msg_get_yesterday: None,
                commit_log_disk_ratio: None,
                boot_time: None,
                uptime_ms: None,
                last_seen: Some(last_seen),
            });
        }
        Ok(out)
    }

    /// Forgets a broker that was decommissioned, so it no longer shows as missing.
    pub async fn cluster_forget_broker(
        &self,
        id: &ConnectionId,
        broker_name: &str,
        broker_id: u32,
    ) -> Result<()> {
        sqlx::query("DELETE FROM known_broker WHERE connection_id = ? AND broker_name = ? AND broker_id = ?")
            .bind(id.as_str())
            .bind(broker_name)
            .bind(broker_id)
            .execute(self.store().pool())
            .await?;
        Ok(())
    }

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

    /// Tests a connection as typed in the form (not saved yet): reaches the name servers, lists the
    /// clusters and asks every broker its version. The temporary client is shut down afterwards.
    #[tracing::instrument(skip(self, draft), err(Debug))]
    pub async fn connection_test(&self, draft: &ConnectionDraft) -> Result<ConnectionTestReport> {
        let addrs = parse_namesrv_addrs(&draft.namesrv_addrs)?;
        let access_key = draft
            .access_key
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let credentials = match access_key {
            None => None,
            Some(ak) => {
                let sk = draft
                    .secret_key
                    .clone()
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| Error::validation("An access key is set but the secret key is empty."))?;
                Some((ak.to_owned(), sk))
            }
        };
        let spec = ClientSpec {
            namesrv_addrs: addrs,
            vip_channel: draft.vip_channel,
            credentials,
            dial: DialSpec {
                tls: draft.tls.clone(),
                rewrites: crate::connection::clean_rewrites(&draft.rewrites),
            },
        };
        self.test_spec(spec).await
    }

    /// Tests with a temporary client (never the connection's live one), shut down afterwards.
    async fn test_spec(&self, spec: ClientSpec) -> Result<ConnectionTestReport> {
        let client = Arc::new(LiveClient::start(spec, REQUEST_TIMEOUT)?);
        let report = test_with(&client).await;
        client.shutdown().await;
        report
    }

    /// Tests every saved connection as a job: one batch item per connection, cancellable between them.
    pub async fn connection_test_all(&self, sink: JobSink) -> Result<JobId> {
        let profiles = self.connection_list().await?;
        let console = self.clone();
        Ok(self
            .jobs()
            .start("Test all connections", sink, move |ctx| async move {
                let total = profiles.len() as u64;
                let mut ok = 0u64;
                for (i, p) in profiles.iter().enumerate() {
                    ctx.check()?;
                    ctx.progress(i as u64, Some(total), Some(format!("testing {}", p.name)));
                    let item = match console.connection_test_saved(&p.id).await {
                        Ok(r) => {
                            ok += 1;
                            serde_json::json!({
                                "connectionId": p.id, "name": p.name, "ok": true, "rttMs": r.rtt_ms,
                                "brokerCount": r.broker_count, "clusters": r.clusters,
                            })
                        }
                        Err(e) => serde_json::json!({
                            "connectionId": p.id, "name": p.name, "ok": false,
                            "code": e.code(), "message": e.to_string(),
                        }),
                    };
                    ctx.batch(vec![item]);
                }
                ctx.progress(total, Some(total), None);
                Ok(serde_json::json!({ "tested": total, "reachable": ok }))
            }))
    }

    /// Tests a saved connection with its saved secret.
    pub async fn connection_test_saved(&self, id: &ConnectionId) -> Result<ConnectionTestReport> {
        let (_, spec) = self.client_spec(id).await?;
        self.test_spec(spec).await
    }
}

async fn test_with(client: &LiveClient) -> Result<ConnectionTestReport> {
    let start = Instant::now();
    let (name_servers, routed) = tokio::join!(probe_name_servers(client), routed_brokers(client));
    let rtt_ms = elapsed_ms(start);
    let routed = match routed {
        Ok(r) => r,
        // Say which name servers failed and how, not just "unreachable".
        Err(e) if e.code() == ErrorCode::Unreachable || e.code() == ErrorCode::Timeout => {
            let detail = name_servers
                .iter()
                .map(|n| format!("{}: {}", n.addr, n.error.as_deref().unwrap_or("reachable")))
                .collect::<Vec<_>>()
                .join("; ");
            return Err(match e {
                Error::Timeout { operation, timeout } => Error::Timeout { operation, timeout },
                _ => Error::Unreachable {
                    target: client.spec.namesrv_addrs.join(";"),
                    detail,
                },
            });
        }
        Err(e) => return Err(e),
    };
    let stats = join_all(routed.iter().map(|b| runtime_of(client, &b.addr))).await;
    // An ACL rejection of every broker means the credentials are wrong: say so, not "0 brokers".
    if let Some(Err(e)) = stats
        .iter()
        .find(|s| matches!(s, Err(e) if e.code() == ErrorCode::Unauthorized))
    {
        return Err(Error::Unauthorized {
            target: client.spec.namesrv_addrs.join(";"),
            detail: e.detail().unwrap_or_else(|| e.to_string()),
        });
    }
    let mut clusters: Vec<String> = routed.iter().map(|b| b.cluster.clone()).collect();
    clusters.sort();
    clusters.dedup();
    let brokers: Vec<TestedBroker> = routed
        .iter()
        .zip(stats)
        .map(|(b, s)| {
            let (version, error) = match s {
                Ok(kv) => (summarize_runtime(&kv).version, None),
                Err(e) => (None, Some(e.summary())),
            };
            TestedBroker {
                cluster: b.cluster.clone(),
                broker_name: b.broker_name.clone(),
                addr: b.addr.clone(),
                version,
                error,
            }
        })
        .collect();
    let (applied, tls) = client.link.transport().dialer().seen();
    Ok(ConnectionTestReport {
        rtt_ms,
        clusters,
        broker_count: u32::try_from(brokers.len()).unwrap_or(u32::MAX),
        brokers,
        name_servers,
        tls,
        rewrites: applied
            .into_iter()
            .map(|(from, to)| Rewrite { from, to })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
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
