//! Cluster overview, broker detail and the connection test.
//!
//! One overview round: the cluster table from a name server, every name server probed on its own
//! (reachability and round-trip time), and the runtime stats of every broker, all in parallel with
//! each request under the client's deadline. Brokers seen before but absent from the route now are
//! kept and shown as down: a stopped broker must never silently vanish from the screen.

pub(crate) mod broker;
mod test;
use broker::runtime_of;
pub use broker::{RuntimeSummary, summarize_runtime};
use test::probe_name_servers;

use std::collections::BTreeMap;
use std::time::Instant;

use futures::future::join_all;
use serde::Serialize;
use sqlx::Row;

use crate::console::Console;
use crate::error::{ErrorCode, Result};
use crate::model::{ConnectionId, Count, Millis};
use crate::registry::LiveClient;
use crate::remoting::{Rewrite, TlsSession};

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

/// One connection's line in **Test all connections**.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionTestItem {
    pub connection_id: ConnectionId,
    pub name: String,
    pub result: ConnectionTestResult,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(tag = "status", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum ConnectionTestResult {
    Reachable {
        rtt_ms: f64,
        broker_count: u32,
        clusters: Vec<String>,
    },
    Unreachable {
        code: ErrorCode,
        message: String,
    },
}

/// How many saved connections **Test all connections** tried, and how many answered.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionTestSummary {
    pub tested: Count,
    pub reachable: Count,
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
}
