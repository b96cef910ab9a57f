//! **Test connection**: a temporary client (never the connection's live one) asks every name server
//! and broker, and reports round trips, TLS sessions and rewrites; **Test all** does it for every
//! saved connection as a job.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use futures::future::join_all;

use crate::connection::{ConnectionDraft, parse_namesrv_addrs};
use crate::console::Console;
use crate::error::{Error, ErrorCode, Result};
use crate::jobs::{JobId, JobSink};
use crate::model::{ConnectionId, Count};
use crate::registry::{ClientSpec, LiveClient, REQUEST_TIMEOUT};
use crate::remoting::code::GET_NAMESRV_CONFIG;
use crate::remoting::{DialSpec, Rewrite};

use super::broker::{runtime_of, summarize_runtime};
use super::{
    ConnectionTestItem, ConnectionTestReport, ConnectionTestResult, ConnectionTestSummary, NameServerStatus,
    TestedBroker, elapsed_ms, routed_brokers,
};

/// Probes every name server of the client on its own.
pub(super) async fn probe_name_servers(client: &LiveClient) -> Vec<NameServerStatus> {
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

impl Console {
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
                key_passphrase: draft.key_passphrase.clone(),
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
    pub async fn connection_test_all(
        &self,
        sink: JobSink<ConnectionTestItem, ConnectionTestSummary>,
    ) -> Result<JobId> {
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
                    let result = match console.connection_test_saved(&p.id).await {
                        Ok(r) => {
                            ok += 1;
                            ConnectionTestResult::Reachable {
                                rtt_ms: r.rtt_ms,
                                broker_count: r.broker_count,
                                clusters: r.clusters,
                            }
                        }
                        Err(e) => ConnectionTestResult::Unreachable {
                            code: e.code(),
                            message: e.to_string(),
                        },
                    };
                    ctx.batch(vec![ConnectionTestItem {
                        connection_id: p.id.clone(),
                        name: p.name.clone(),
                        result,
                    }]);
                }
                ctx.progress(total, Some(total), None);
                Ok(ConnectionTestSummary {
                    tested: Count(total),
                    reachable: Count(ok),
                })
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
