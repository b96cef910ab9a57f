//! Helpers every mutation uses, whatever its domain: the names RocketMQ accepts, the masters a
//! change targets and their `mqadmin` flags, how its steps' failures make its outcome, and what a
//! journaled mutation returns.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::audit::{AuditEntry, AuditOutcome};
use crate::cluster::RoutedBroker;
use crate::error::{Error, Result};
use crate::registry::LiveClient;
use crate::safety::shell_arg;

/// Checks a topic or group name (`what`) as RocketMQ's `TopicValidator` does: not blank, at most
/// `max` characters, only `^[%|a-zA-Z0-9_-]+$`.
pub(crate) fn check_name(what: &str, name: &str, max: usize) -> Result<()> {
    if name.trim().is_empty() {
        return Err(Error::validation(format!("The {what} name is empty.")));
    }
    if name.len() > max {
        return Err(Error::validation(format!(
            "The {what} name is {} characters long; RocketMQ allows at most {max}.",
            name.len()
        )));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '%' | '|')))
    {
        return Err(Error::validation(format!(
            "The {what} name contains '{}': only letters, digits, '_', '-', '%' and '|' are allowed.",
            bad.escape_default()
        )));
    }
    Ok(())
}

/// The master brokers of `clusters` plus `brokers` (by name), sorted by broker name.
pub(crate) fn resolve_targets(
    routed: &[RoutedBroker],
    clusters: &[String],
    brokers: &[String],
) -> Result<Vec<RoutedBroker>> {
    let masters: Vec<&RoutedBroker> = routed.iter().filter(|b| b.broker_id == 0).collect();
    let mut out: BTreeMap<String, RoutedBroker> = BTreeMap::new();
    for c in clusters {
        let of: Vec<_> = masters.iter().filter(|b| &b.cluster == c).collect();
        if of.is_empty() {
            return Err(Error::validation(format!(
                "Cluster '{c}' has no master broker registered with the name server."
            )));
        }
        for b in of {
            out.insert(b.broker_name.clone(), (*b).clone());
        }
    }
    for name in brokers {
        let b = masters
            .iter()
            .find(|b| &b.broker_name == name)
            .ok_or_else(|| Error::validation(format!("Broker '{name}' has no master registered.")))?;
        out.insert(b.broker_name.clone(), (*b).clone());
    }
    Ok(out.into_values().collect())
}

pub(crate) fn mqadmin_namesrv(client: &LiveClient) -> String {
    shell_arg(&client.spec.namesrv_addrs.join(";"))
}

/// A failed mutation returns its error (already journaled); an applied or partial one its entry.
pub(crate) fn finish(entry: AuditEntry, outcome: AuditOutcome, error: Option<Error>) -> Result<AuditEntry> {
    match (outcome, error) {
        (AuditOutcome::Failed, Some(e)) => Err(e),
        _ => Ok(entry),
    }
}

pub(crate) fn to_json<T: Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

/// `Ok` when nothing failed, `Failed` when every step failed, `Partial` otherwise; the error lists
/// each failed step.
pub(crate) fn outcome_of(
    failures: &[(String, Error)],
    steps: usize,
    what: &str,
) -> (AuditOutcome, Option<Error>) {
    let Some((_, first)) = failures.first() else {
        return (AuditOutcome::Ok, None);
    };
    let detail = failures
        .iter()
        .map(|(w, e)| match e.detail().filter(|d| !d.is_empty()) {
            Some(d) => format!("{w}: {e} — {d}"),
            None => format!("{w}: {e}"),
        })
        .collect::<Vec<_>>()
        .join("; ");
    if failures.len() >= steps {
        let mut err = Error::BrokerRejected {
            target: failures
                .iter()
                .map(|(w, _)| w.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            operation: what.to_owned(),
            code: -1,
            detail,
        };
        if failures.len() == 1 {
            // Keep the precise code (Unauthorized, Unreachable, ...) of a single failure.
            err = match first {
                Error::Unauthorized { target, detail } => Error::Unauthorized {
                    target: target.clone(),
                    detail: detail.clone(),
                },
                Error::Unreachable { target, detail } => Error::Unreachable {
                    target: target.clone(),
                    detail: detail.clone(),
                },
                _ => err,
            };
        }
        (AuditOutcome::Failed, Some(err))
    } else {
        (
            AuditOutcome::Partial,
            Some(Error::Conflict {
                message: format!("Applied only in part: {detail}"),
            }),
        )
    }
}

/// The mqadmin flags naming `targets`: a whole cluster (every master of it chosen) as `-c CLUSTER`,
/// the rest broker by broker as `-b ADDR`.
pub(crate) fn target_flags(routed: &[RoutedBroker], targets: &[RoutedBroker]) -> Vec<String> {
    let mut flags = Vec::new();
    let mut covered: BTreeSet<&str> = BTreeSet::new();
    let clusters: BTreeSet<&str> = targets.iter().map(|t| t.cluster.as_str()).collect();
    for c in clusters {
        let all: BTreeSet<&str> = routed
            .iter()
            .filter(|b| b.cluster == c && b.broker_id == 0)
            .map(|b| b.broker_name.as_str())
            .collect();
        let chosen: BTreeSet<&str> = targets
            .iter()
            .filter(|t| t.cluster == c)
            .map(|t| t.broker_name.as_str())
            .collect();
        if !c.is_empty() && all == chosen {
            flags.push(format!("-c {}", shell_arg(c)));
            covered.extend(chosen);
        }
    }
    for t in targets
        .iter()
        .filter(|t| !covered.contains(t.broker_name.as_str()))
    {
        flags.push(format!("-b {}", shell_arg(&t.addr)));
    }
    flags
}
