//! The safety machinery every mutation goes through:
//!
//! 1. **plan**: the caller computes a [`ChangePlan`] — the exact change (field by field, before →
//!    after), warnings, the equivalent `mqadmin` command line, and what confirmation it needs; the UI
//!    shows it in the preview dialog;
//! 2. **admit** ([`Console::admit`]): read-only connections and missing or wrong confirmations are
//!    refused here, in core, and the refusal is journaled;
//! 3. **apply**, then **journal** ([`Console::journal`]): exactly one audit entry per attempt, with the
//!    state before and after and the outcome.

mod mutation;

pub(crate) use mutation::{
    check_name, finish, mqadmin_namesrv, outcome_of, resolve_targets, target_flags, to_json,
};

use serde::{Deserialize, Serialize};

use crate::audit::{AuditEntry, AuditOutcome, AuditRecord};
use crate::connection::ConnectionProfile;
use crate::console::Console;
use crate::error::{Error, Result};
use crate::model::ConnectionId;

/// The connection a change targets, as the preview dialog shows it.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PlanConnection {
    pub id: ConnectionId,
    pub name: String,
    pub env_label: String,
    pub env_color: String,
    pub read_only: bool,
    /// The environment label reads as production (`prod`, `production`, `prd`, `live`).
    pub production: bool,
}

/// One changed value. `before` absent: created; `after` absent: removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct FieldChange {
    /// Where the value lives, e.g. a broker name or "name server".
    pub scope: String,
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// What the user is shown before a mutation, and what they must do to confirm it.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ChangePlan {
    /// Stable action name, e.g. `topic.create`; the audit journal uses the same.
    pub action: String,
    /// One line for the dialog title, e.g. "Create topic Orders".
    pub title: String,
    pub target: String,
    pub connection: PlanConnection,
    pub changes: Vec<FieldChange>,
    /// Things the user should know; when `acknowledge` is set they must tick them off.
    pub warnings: Vec<String>,
    /// The warnings are serious (e.g. shrinking queues) and must be acknowledged explicitly.
    pub acknowledge: bool,
    pub destructive: bool,
    /// Text the user must type to confirm (destructive or production changes); absent: a click.
    pub confirm_text: Option<String>,
    /// The equivalent official `mqadmin` command lines.
    pub mqadmin: Vec<String>,
    /// Set when the change will be refused whatever the user does (read-only connection).
    pub refusal: Option<String>,
    /// Nothing would change (an update to the same values).
    pub no_op: bool,
}

/// The user's answer to a [`ChangePlan`].
#[derive(Debug, Clone, Default, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Confirmation {
    /// What the user typed, when the plan asks for `confirm_text`.
    pub typed: Option<String>,
    /// The user ticked the plan's warnings off.
    pub acknowledged: bool,
}

/// Whether an environment label names production.
pub fn is_production(env_label: &str) -> bool {
    let l = env_label.trim().to_ascii_lowercase();
    l.contains("prod") || l == "prd" || l == "live" || l.starts_with("prd-") || l.ends_with("-prd")
}

impl PlanConnection {
    pub fn of(p: &ConnectionProfile) -> Self {
        Self {
            id: p.id.clone(),
            name: p.name.clone(),
            env_label: p.env_label.clone(),
            env_color: p.env_color.clone(),
            read_only: p.read_only,
            production: is_production(&p.env_label),
        }
    }
}

impl ChangePlan {
    /// A plan with the confirmation rule filled in: typed (the target's name) when the change is
    /// destructive or the connection is production, a click otherwise.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        profile: &ConnectionProfile,
        action: &str,
        title: String,
        target: &str,
        changes: Vec<FieldChange>,
        warnings: Vec<String>,
        acknowledge: bool,
        destructive: bool,
        mqadmin: Vec<String>,
    ) -> Self {
        let connection = PlanConnection::of(profile);
        let confirm_text = (destructive || connection.production).then(|| target.to_owned());
        let refusal = profile.read_only.then(|| {
            format!(
                "'{}' is a read-only connection: the change would be refused.",
                profile.name
            )
        });
        Self {
            action: action.to_owned(),
            title,
            target: target.to_owned(),
            no_op: changes.is_empty(),
            connection,
            changes,
            warnings,
            acknowledge,
            destructive,
            confirm_text,
            mqadmin,
            refusal,
        }
    }

    /// Why `confirmation` does not confirm this plan, if it does not.
    pub fn check(&self, confirmation: &Confirmation) -> Option<Error> {
        if let Some(expected) = &self.confirm_text {
            let typed = confirmation.typed.as_deref().map(str::trim);
            if typed != Some(expected.as_str()) {
                return Some(Error::validation(format!(
                    "Type '{expected}' to confirm: {}",
                    if self.destructive {
                        "this change cannot be undone."
                    } else {
                        "this is a production connection."
                    }
                )));
            }
        }
        if self.acknowledge && !confirmation.acknowledged {
            return Some(Error::validation(format!(
                "The change needs its warnings acknowledged: {}",
                self.warnings.join(" ")
            )));
        }
        None
    }
}

/// What is being attempted, for the journal.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub action: String,
    pub target: String,
    pub params: serde_json::Value,
    pub mqadmin: String,
}

impl Attempt {
    pub fn new(action: &str, target: &str, params: serde_json::Value, mqadmin: &[String]) -> Self {
        Self {
            action: action.to_owned(),
            target: target.to_owned(),
            params,
            mqadmin: mqadmin.join("\n"),
        }
    }

    fn record(&self, outcome: AuditOutcome, error: Option<&Error>) -> AuditRecord {
        AuditRecord {
            action: self.action.clone(),
            target: self.target.clone(),
            params: self.params.clone(),
            before: None,
            after: None,
            outcome,
            error: error.and_then(AuditRecord::error_of),
            mqadmin: self.mqadmin.clone(),
        }
    }
}

impl Console {
    /// The gate of every mutation: the connection must exist and be writable, and `confirmation`
    /// must satisfy `plan`. A refusal is journaled (outcome `refused`) before it is returned.
    pub async fn admit(
        &self,
        id: &ConnectionId,
        attempt: &Attempt,
        plan: Option<&ChangePlan>,
        confirmation: &Confirmation,
    ) -> Result<ConnectionProfile> {
        let profile = self.connection_get(id).await?;
        let refusal = if profile.read_only {
            Some(Error::ReadOnly {
                connection: profile.name.clone(),
            })
        } else {
            plan.and_then(|p| p.check(confirmation))
        };
        if let Some(err) = refusal {
            self.audit_record(&profile, attempt.record(AuditOutcome::Refused, Some(&err)))
                .await?;
            return Err(err);
        }
        Ok(profile)
    }

    /// Journals an admitted attempt that was refused before anything was sent (e.g. invalid input
    /// found while planning).
    pub async fn journal_refusal(
        &self,
        profile: &ConnectionProfile,
        attempt: &Attempt,
        err: &Error,
    ) -> Result<()> {
        self.audit_record(profile, attempt.record(AuditOutcome::Refused, Some(err)))
            .await
            .map(drop)
    }

    /// The prelude of a planned mutation: [`admit`](Self::admit) `pre` (read-only refusal before any
    /// cluster call), compute the plan, and check `confirmation` against it. A plan that finds the
    /// input invalid, and a confirmation that does not satisfy the plan, are journaled as refused.
    /// Returns the profile, the attempt (named by the plan's action, with its `mqadmin` lines) and
    /// the plan.
    pub(crate) async fn admit_planned<P, F, Fut>(
        &self,
        id: &ConnectionId,
        pre: Attempt,
        confirmation: &Confirmation,
        plan: F,
        change: fn(&P) -> &ChangePlan,
    ) -> Result<(ConnectionProfile, Attempt, P)>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<P>>,
    {
        let profile = self.admit(id, &pre, None, confirmation).await?;
        let planned = match plan().await {
            Ok(p) => p,
            Err(e) => {
                if e.code() == crate::ErrorCode::Validation {
                    self.journal_refusal(&profile, &pre, &e).await?;
                }
                return Err(e);
            }
        };
        let c = change(&planned);
        let attempt = Attempt::new(&c.action, &pre.target, pre.params, &c.mqadmin);
        if let Some(err) = c.check(confirmation) {
            self.journal_refusal(&profile, &attempt, &err).await?;
            return Err(err);
        }
        Ok((profile, attempt, planned))
    }

    /// Journals the result of an admitted attempt: exactly one entry, with before/after.
    pub async fn journal(
        &self,
        profile: &ConnectionProfile,
        attempt: &Attempt,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
        outcome: AuditOutcome,
        error: Option<&Error>,
    ) -> Result<AuditEntry> {
        let mut record = attempt.record(outcome, error);
        record.before = before;
        record.after = after;
        self.audit_record(profile, record).await
    }
}

/// Quotes one argument for a POSIX shell command line, when it needs it.
pub fn shell_arg(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:/=+%,@".contains(c))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Millis;

    fn profile(env: &str, read_only: bool) -> ConnectionProfile {
        ConnectionProfile {
            id: ConnectionId("c1".into()),
            name: "eu".into(),
            namesrv_addrs: vec!["127.0.0.1:9876".into()],
            vip_channel: false,
            access_key: None,
            secret_state: crate::connection::SecretState::NotUsed,
            env_label: env.into(),
            env_color: "#dc2626".into(),
            read_only,
            tls: None,
            key_passphrase_saved: false,
            rewrites: vec![],
            trace_topic: "RMQ_SYS_TRACE_TOPIC".into(),
            created_at: Millis(0),
            updated_at: Millis(0),
        }
    }

    #[test]
    fn production_labels_are_recognised() {
        for l in ["prod", "Production", "PRD", "live", "eu-prod-1", "prd-eu"] {
            assert!(is_production(l), "{l}");
        }
        for l in ["", "dev", "staging", "qa", "product-test-no"] {
            // "product" contains "prod": a label that says product is treated as production, on purpose.
            assert_eq!(is_production(l), l.contains("prod"), "{l}");
        }
    }

    #[test]
    fn destructive_or_production_changes_need_the_name_typed() {
        let change = vec![FieldChange {
            scope: "broker-a".into(),
            field: "writeQueues".into(),
            before: Some("8".into()),
            after: Some("4".into()),
        }];
        let dev = ChangePlan::new(
            &profile("dev", false),
            "topic.update",
            "Update topic T".into(),
            "T",
            change.clone(),
            vec!["Shrinking".into()],
            true,
            false,
            vec![],
        );
        assert!(dev.confirm_text.is_none());
        assert!(
            dev.check(&Confirmation::default()).is_some(),
            "shrink not acknowledged"
        );
        assert!(
            dev.check(&Confirmation {
                typed: None,
                acknowledged: true
            })
            .is_none()
        );
        let prod = ChangePlan::new(
            &profile("production", false),
            "topic.update",
            "Update topic T".into(),
            "T",
            change,
            vec![],
            false,
            false,
            vec![],
        );
        assert_eq!(prod.confirm_text.as_deref(), Some("T"));
        assert!(prod.check(&Confirmation::default()).is_some());
        assert!(
            prod.check(&Confirmation {
                typed: Some(" T ".into()),
                acknowledged: false
            })
            .is_none()
        );
        let ro = ChangePlan::new(
            &profile("dev", true),
            "topic.delete",
            "Delete".into(),
            "T",
            vec![],
            vec![],
            false,
            true,
            vec![],
        );
        assert!(ro.refusal.is_some());
        assert!(ro.no_op);
        assert_eq!(ro.confirm_text.as_deref(), Some("T"));
    }

    #[test]
    fn shell_args_are_quoted_only_when_needed() {
        assert_eq!(shell_arg("Orders_1"), "Orders_1");
        assert_eq!(shell_arg("+message.type=FIFO"), "+message.type=FIFO");
        assert_eq!(shell_arg("a b"), "'a b'");
        assert_eq!(shell_arg("it's"), "'it'\\''s'");
        assert_eq!(shell_arg(""), "''");
    }
}
