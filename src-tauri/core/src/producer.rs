//! Producers: online producer connections of a producer group (`GET_PRODUCER_CONNECTION_LIST`,
//! 204, on every master of a topic's route, what `mqadmin producerConnection` does), and
//! producer-group discovery through `GET_ALL_PRODUCER_INFO` (328) where the broker answers it
//! (4.9.x and 5.x). Brokers do not record which topics a producer writes to: "producers of a topic" are the
//! groups connected to the brokers that host it.

use std::collections::BTreeMap;

use futures::future::join_all;
use serde::{Deserialize, Serialize};

use crate::cluster::routed_brokers;
use crate::console::Console;
use crate::error::Result;
use crate::model::{ConnectionId, Millis};
use crate::registry::LiveClient;
use crate::remoting;
use crate::remoting::Link;
use crate::remoting::code::{
    GET_ALL_PRODUCER_INFO, GET_PRODUCER_CONNECTION_LIST, REQUEST_CODE_NOT_SUPPORTED, SYSTEM_ERROR,
};
use crate::remoting::header::ProducerGroupHeader;
use crate::topic::{BrokerFailure, topic_route};

/// One producer client connected to a broker.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ProducerClient {
    pub client_id: String,
    pub addr: String,
    pub language: String,
    /// The client's RocketMQ version code as it announces it.
    pub version: u32,
    /// Broker names it is connected to.
    pub brokers: Vec<String>,
    pub last_heartbeat: Option<Millis>,
}

/// A producer group and its online clients.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ProducerGroup {
    pub group: String,
    /// A group RocketMQ or the console uses internally; the UI hides these unless asked.
    pub system: bool,
    pub clients: Vec<ProducerClient>,
}

/// What the Producers screen and a topic's detail show.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ProducerListing {
    pub fetched_at: Millis,
    pub groups: Vec<ProducerGroup>,
    /// False when no broker asked answers producer-group discovery (older than 4.9): name a group.
    pub discovery_supported: bool,
    pub failed_brokers: Vec<BrokerFailure>,
}

/// What to look up: producers on the brokers of `topic` (else every master), of `group` (else all).
#[derive(Debug, Clone, Default, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ProducerQuery {
    pub topic: Option<String>,
    pub group: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProducerConnectionBody {
    #[serde(default)]
    connection_set: Vec<remoting::ConnectionBody>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProducerInfoBody {
    #[serde(default)]
    client_id: String,
    #[serde(default, alias = "remoteIp")]
    remote_i_p: String,
    #[serde(default)]
    language: serde_json::Value,
    #[serde(default)]
    version: u32,
    #[serde(default)]
    last_update_timestamp: i64,
}

#[derive(Debug, Default, Deserialize)]
struct ProducerTableBody {
    #[serde(default)]
    data: BTreeMap<String, Vec<ProducerInfoBody>>,
}

/// (client id, addr) → client, merging the brokers a client is connected to.
type Clients = BTreeMap<(String, String), ProducerClient>;

fn add(clients: &mut Clients, broker: &str, c: ProducerClient) {
    let e = clients
        .entry((c.client_id.clone(), c.addr.clone()))
        .or_insert_with(|| ProducerClient {
            brokers: Vec::new(),
            ..c.clone()
        });
    if !e.brokers.iter().any(|b| b == broker) {
        e.brokers.push(broker.to_owned());
        e.brokers.sort();
    }
    e.last_heartbeat = e.last_heartbeat.max(c.last_heartbeat);
}

/// What the brokers' answers add up to.
#[derive(Default)]
struct Found {
    by_group: BTreeMap<String, Clients>,
    failed: Vec<BrokerFailure>,
    discovery_supported: bool,
}

impl Console {
    /// Online producers: of one group (204 on every broker asked) or discovered (328).
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn producers(&self, id: &ConnectionId, query: &ProducerQuery) -> Result<ProducerListing> {
        let (_, client) = self.client(id).await?;
        let masters = masters_asked(&client, query).await?;
        let found = match query.group.as_deref().map(str::trim).filter(|g| !g.is_empty()) {
            Some(group) => group_connections(&client.link, &masters, group).await,
            None => discover(&client.link, &masters).await,
        };
        let groups = found
            .by_group
            .into_iter()
            .map(|(group, clients)| ProducerGroup {
                system: is_system_group(&group),
                group,
                clients: clients.into_values().collect(),
            })
            .collect();
        Ok(ProducerListing {
            fetched_at: Millis::now(),
            groups,
            discovery_supported: found.discovery_supported,
            failed_brokers: found.failed,
        })
    }
}

/// The (broker name, address) of the masters to ask: those of the query's topic, else all of them.
async fn masters_asked(client: &LiveClient, query: &ProducerQuery) -> Result<Vec<(String, String)>> {
    Ok(match query.topic.as_deref().filter(|t| !t.trim().is_empty()) {
        Some(topic) => topic_route(client, topic.trim())
            .await?
            .broker_datas
            .iter()
            .filter_map(|b| {
                b.broker_addrs
                    .get("0")
                    .map(|a| (b.broker_name.clone(), a.clone()))
            })
            .collect(),
        None => routed_brokers(client)
            .await?
            .into_iter()
            .filter(|b| b.broker_id == 0)
            .map(|b| (b.broker_name, b.addr))
            .collect(),
    })
}

/// The connections of one producer group on every master (204).
async fn group_connections(link: &Link, masters: &[(String, String)], group: &str) -> Found {
    let mut found = Found {
        discovery_supported: true,
        ..Found::default()
    };
    let ext = ProducerGroupHeader {
        producer_group: group.to_owned(),
    };
    let answers = join_all(masters.iter().map(|(name, addr)| {
        let ext = ext.clone();
        async move {
            let r = link.invoke(addr, GET_PRODUCER_CONNECTION_LIST, ext).await;
            (name, addr, r)
        }
    }))
    .await;
    let clients = found.by_group.entry(group.to_owned()).or_default();
    for (name, addr, r) in answers {
        match r.and_then(|r| match r.code {
            0 => remoting::decode_json::<ProducerConnectionBody>(&r.body, "producer connections"),
            // Nobody of that group is connected to this broker.
            SYSTEM_ERROR if r.remark.as_deref().is_some_and(|m| m.contains("not exist")) => {
                Ok(ProducerConnectionBody::default())
            }
            _ => remoting::check(addr, "producer connections", r).map(|_| ProducerConnectionBody::default()),
        }) {
            Ok(body) => {
                for c in body.connection_set {
                    add(
                        clients,
                        name,
                        ProducerClient {
                            client_id: c.client_id,
                            addr: c.client_addr,
                            language: remoting::language_of(&c.language),
                            version: c.version,
                            brokers: Vec::new(),
                            last_heartbeat: None,
                        },
                    );
                }
            }
            Err(e) => found.failed.push(BrokerFailure {
                broker_name: name.clone(),
                addr: addr.clone(),
                error: e.summary(),
            }),
        }
    }
    found
}

/// Every producer group with its clients, from the masters that answer discovery (328).
async fn discover(link: &Link, masters: &[(String, String)]) -> Found {
    let mut found = Found::default();
    let answers = join_all(masters.iter().map(|(name, addr)| async move {
        let r = link.invoke(addr, GET_ALL_PRODUCER_INFO, BTreeMap::new()).await;
        (name, addr, r)
    }))
    .await;
    for (name, addr, r) in answers {
        let decoded = r.and_then(|r| match r.code {
            0 => {
                let text = remoting::quote_numeric_keys(&String::from_utf8_lossy(&r.body));
                remoting::decode_json::<ProducerTableBody>(text.as_bytes(), "producer table").map(Some)
            }
            REQUEST_CODE_NOT_SUPPORTED => Ok(None),
            _ => remoting::check(addr, "producer table", r).map(|_| None),
        });
        match decoded {
            Ok(Some(table)) => {
                found.discovery_supported = true;
                add_table(&mut found.by_group, name, table);
            }
            Ok(None) => {}
            Err(e) => found.failed.push(BrokerFailure {
                broker_name: name.clone(),
                addr: addr.clone(),
                error: e.summary(),
            }),
        }
    }
    found
}

/// Adds the clients of one broker's producer table to their groups.
fn add_table(by_group: &mut BTreeMap<String, Clients>, broker: &str, table: ProducerTableBody) {
    for (g, infos) in table.data {
        let clients = by_group.entry(g).or_default();
        for p in infos {
            add(
                clients,
                broker,
                ProducerClient {
                    client_id: p.client_id,
                    addr: p.remote_i_p,
                    language: remoting::language_of(&p.language),
                    version: p.version,
                    brokers: Vec::new(),
                    last_heartbeat: (p.last_update_timestamp > 0).then_some(Millis(p.last_update_timestamp)),
                },
            );
        }
    }
}

/// Groups the console itself and RocketMQ use internally, hidden unless asked for.
pub fn is_system_group(group: &str) -> bool {
    const SYSTEM: &[&str] = &[
        "CLIENT_INNER_PRODUCER",
        "TOOLS_CONSUMER",
        "SELF_TEST_P_GROUP",
        "__MONITOR_PRODUCER",
        // Consumer groups every broker creates.
        "SELF_TEST_C_GROUP",
        "CID_ONSAPI_OWNER",
        "CID_ONSAPI_PERMISSION",
        "CID_ONSAPI_PULL",
        "CID_ONS-HTTP-PROXY",
        "FILTERSRV_CONSUMER",
        "CID_SYS_RMQ_TRANS",
    ];
    SYSTEM.contains(&group) || group.starts_with("rmq-console") || group.starts_with("CID_RMQ_SYS_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn producer_tables_decode_and_merge_clients_across_brokers() {
        let body = br#"{"data":{"pg-orders":[{"clientId":"10.0.0.1@1","remoteIP":"10.0.0.1:5000","language":"JAVA","version":475,"lastUpdateTimestamp":1764000000000}]}}"#;
        let t: ProducerTableBody = serde_json::from_slice(body).unwrap();
        let p = &t.data["pg-orders"][0];
        assert_eq!(
            (p.client_id.as_str(), p.remote_i_p.as_str(), p.version),
            ("10.0.0.1@1", "10.0.0.1:5000", 475)
        );
        let mut clients = Clients::new();
        let c = ProducerClient {
            client_id: "a".into(),
            addr: "x".into(),
            language: "JAVA".into(),
            version: 1,
            brokers: vec![],
            last_heartbeat: Some(Millis(5)),
        };
        add(&mut clients, "broker-b", c.clone());
        add(
            &mut clients,
            "broker-a",
            ProducerClient {
                last_heartbeat: Some(Millis(9)),
                ..c
            },
        );
        let merged = clients.values().next().unwrap();
        assert_eq!(merged.brokers, vec!["broker-a".to_owned(), "broker-b".to_owned()]);
        assert_eq!(merged.last_heartbeat, Some(Millis(9)));
        assert!(is_system_group("CLIENT_INNER_PRODUCER") && !is_system_group("pg-orders"));
    }
}
