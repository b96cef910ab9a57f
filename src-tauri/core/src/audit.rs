//! The local audit journal: every mutation attempted through the console, with its parameters, the
//! state before and after, and its outcome — including refusals (read-only connection, missing
//! confirmation). Rows outlive the saved connection they name.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::connection::ConnectionProfile;
use crate::console::Console;
use crate::error::{Error, ErrorCode, Result};
use crate::model::{ConnectionId, Count, JsonText, Millis};

/// How a recorded mutation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum AuditOutcome {
    /// Applied everywhere.
    Ok,
    /// Applied on some brokers or name servers, not all.
    Partial,
    /// Attempted and failed; nothing (known) changed.
    Failed,
    /// Not attempted: read-only connection, missing confirmation, invalid input.
    Refused,
}

impl AuditOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Partial => "partial",
            Self::Failed => "failed",
            Self::Refused => "refused",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "ok" => Self::Ok,
            "partial" => Self::Partial,
            "refused" => Self::Refused,
            _ => Self::Failed,
        }
    }
}

/// One journal row.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    pub id: Count,
    pub at: Millis,
    pub connection_id: ConnectionId,
    pub connection_name: String,
    pub env_label: String,
    pub action: String,
    pub target: String,
    pub params: JsonText,
    pub before: Option<JsonText>,
    pub after: Option<JsonText>,
    pub outcome: AuditOutcome,
    pub error_code: Option<String>,
    pub error: Option<String>,
    pub mqadmin: String,
}

/// What a caller records; the journal adds id, time and the connection's name and label.
#[derive(Debug, Clone)]
pub struct AuditRecord {
    pub action: String,
    pub target: String,
    pub params: serde_json::Value,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub outcome: AuditOutcome,
    /// Error code and message, when the mutation failed or was refused.
    pub error: Option<(ErrorCode, String)>,
    pub mqadmin: String,
}

impl AuditRecord {
    /// The code and the message with its technical detail (which broker said what).
    pub fn error_of(e: &Error) -> Option<(ErrorCode, String)> {
        let message = match e.detail() {
            Some(d) if !d.is_empty() => format!("{e} — {d}"),
            _ => e.to_string(),
        };
        Some((e.code(), message))
    }
}

/// Filters of the Audit screen; every field is optional and they combine with AND.
#[derive(Debug, Clone, Default, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AuditFilter {
    pub connection_id: Option<ConnectionId>,
    /// Action prefix, e.g. `topic.` or `topic.delete`.
    pub action: Option<String>,
    pub outcome: Option<AuditOutcome>,
    /// Case-insensitive substring of the target or the connection name.
    pub text: Option<String>,
    pub since: Option<Millis>,
    pub until: Option<Millis>,
    /// At most this many rows, newest first (default 1,000, at most 100,000).
    pub limit: Option<u32>,
}

/// Export formats of the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum AuditFormat {
    Json,
    Csv,
}

const COLUMNS: &str = "id, at, connection_id, connection_name, env_label, action, target, params, \
                       before_state, after_state, outcome, error_code, error, mqadmin";

impl Console {
    /// Appends one entry for `profile`'s connection. A journal write failure is an error: a mutation
    /// must not look recorded when it is not.
    pub async fn audit_record(&self, profile: &ConnectionProfile, record: AuditRecord) -> Result<AuditEntry> {
        let at = Millis::now();
        let json = |v: &Option<serde_json::Value>| v.as_ref().map(serde_json::Value::to_string);
        let (code, message) = match &record.error {
            Some((c, m)) => (Some(c.as_str().to_owned()), Some(m.clone())),
            None => (None, None),
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO audit_entry (at, connection_id, connection_name, env_label, action, target, params, \
             before_state, after_state, outcome, error_code, error, mqadmin) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(at.0)
        .bind(profile.id.as_str())
        .bind(&profile.name)
        .bind(&profile.env_label)
        .bind(&record.action)
        .bind(&record.target)
        .bind(record.params.to_string())
        .bind(json(&record.before))
        .bind(json(&record.after))
        .bind(record.outcome.as_str())
        .bind(&code)
        .bind(&message)
        .bind(&record.mqadmin)
        .fetch_one(self.store().pool())
        .await?;
        tracing::info!(
            target: "audit",
            id,
            connection = %profile.name,
            action = %record.action,
            target_name = %record.target,
            outcome = record.outcome.as_str(),
            error = message.as_deref().unwrap_or(""),
            "mutation recorded"
        );
        Ok(AuditEntry {
            id: Count(u64::try_from(id).unwrap_or(0)),
            at,
            connection_id: profile.id.clone(),
            connection_name: profile.name.clone(),
            env_label: profile.env_label.clone(),
            action: record.action,
            target: record.target,
            params: JsonText::of(&record.params),
            before: record.before.as_ref().map(JsonText::of),
            after: record.after.as_ref().map(JsonText::of),
            outcome: record.outcome,
            error_code: code,
            error: message,
            mqadmin: record.mqadmin,
        })
    }

    /// Journal rows matching `filter`, newest first.
    pub async fn audit_list(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>> {
        let mut sql = format!("SELECT {COLUMNS} FROM audit_entry WHERE 1 = 1");
        let mut binds: Vec<Bind> = Vec::new();
        if let Some(c) = &filter.connection_id {
            sql.push_str(" AND connection_id = ?");
            binds.push(Bind::Text(c.0.clone()));
        }
        if let Some(a) = filter.action.as_deref().filter(|a| !a.is_empty()) {
            sql.push_str(" AND action LIKE ? ESCAPE '\\'");
            binds.push(Bind::Text(format!("{}%", like_escape(a))));
        }
        if let Some(o) = filter.outcome {
            sql.push_str(" AND outcome = ?");
            binds.push(Bind::Text(o.as_str().to_owned()));
        }
        if let Some(t) = filter.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            sql.push_str(" AND (target LIKE ? ESCAPE '\\' OR connection_name LIKE ? ESCAPE '\\')");
            let pattern = format!("%{}%", like_escape(t));
            binds.push(Bind::Text(pattern.clone()));
            binds.push(Bind::Text(pattern));
        }
        if let Some(s) = filter.since {
            sql.push_str(" AND at >= ?");
            binds.push(Bind::Int(s.0));
        }
        if let Some(u) = filter.until {
            sql.push_str(" AND at <= ?");
            binds.push(Bind::Int(u.0));
        }
        sql.push_str(" ORDER BY id DESC LIMIT ?");
        binds.push(Bind::Int(i64::from(
            filter.limit.unwrap_or(1_000).clamp(1, 100_000),
        )));
        // Only fixed clauses are concatenated; every user value is a bound parameter.
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for b in binds {
            query = match b {
                Bind::Text(t) => query.bind(t),
                Bind::Int(i) => query.bind(i),
            };
        }
        let rows = query.fetch_all(self.store().pool()).await?;
        rows.iter().map(entry_of_row).collect()
    }

    /// The rows matching `filter` as a JSON array or CSV text (header line, RFC 4180 quoting).
    pub async fn audit_export(&self, filter: &AuditFilter, format: AuditFormat) -> Result<String> {
        let rows = self.audit_list(filter).await?;
        match format {
            AuditFormat::Json => {
                // Parameters and states as JSON objects, not as the text the UI shows.
                let docs: Vec<serde_json::Value> = rows
                    .iter()
                    .map(|r| {
                        serde_json::json!({
                            "id": r.id.0,
                            "at": iso8601(r.at),
                            "atMs": r.at.0,
                            "connectionId": r.connection_id,
                            "connectionName": r.connection_name,
                            "envLabel": r.env_label,
                            "action": r.action,
                            "target": r.target,
                            "params": r.params.value(),
                            "before": r.before.as_ref().map(JsonText::value),
                            "after": r.after.as_ref().map(JsonText::value),
                            "outcome": r.outcome,
                            "errorCode": r.error_code,
                            "error": r.error,
                            "mqadmin": r.mqadmin,
                        })
                    })
                    .collect();
                serde_json::to_string_pretty(&docs).map_err(|e| Error::internal(format!("audit export: {e}")))
            }
            AuditFormat::Csv => Ok(to_csv(&rows)),
        }
    }
}

enum Bind {
    Text(String),
    Int(i64),
}

fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

fn entry_of_row(row: &sqlx::sqlite::SqliteRow) -> Result<AuditEntry> {
    let json = |col: &str| -> Result<Option<JsonText>> {
        let text: Option<String> = row.try_get(col)?;
        Ok(text.as_deref().map(JsonText::parse))
    };
    let outcome: String = row.try_get("outcome")?;
    let id: i64 = row.try_get("id")?;
    Ok(AuditEntry {
        id: Count(u64::try_from(id).unwrap_or(0)),
        at: Millis(row.try_get("at")?),
        connection_id: ConnectionId(row.try_get("connection_id")?),
        connection_name: row.try_get("connection_name")?,
        env_label: row.try_get("env_label")?,
        action: row.try_get("action")?,
        target: row.try_get("target")?,
        params: json("params")?.unwrap_or_else(|| JsonText("null".into())),
        before: json("before_state")?,
        after: json("after_state")?,
        outcome: AuditOutcome::parse(&outcome),
        error_code: row.try_get("error_code")?,
        error: row.try_get("error")?,
        mqadmin: row.try_get("mqadmin")?,
    })
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn to_csv(rows: &[AuditEntry]) -> String {
    let mut out = String::from(
        "id,time,connection,env,action,target,outcome,error_code,error,params,before,after,mqadmin\n",
    );
    // One line per field: the compact form of the stored JSON.
    let json = |v: &Option<JsonText>| v.as_ref().map(|j| j.value().to_string()).unwrap_or_default();
    for r in rows {
        let fields = [
            r.id.0.to_string(),
            iso8601(r.at),
            r.connection_name.clone(),
            r.env_label.clone(),
            r.action.clone(),
            r.target.clone(),
            r.outcome.as_str().to_owned(),
            r.error_code.clone().unwrap_or_default(),
            r.error.clone().unwrap_or_default(),
            r.params.value().to_string(),
            json(&r.before),
            json(&r.after),
            r.mqadmin.clone(),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

/// UTC `YYYY-MM-DDTHH:MM:SS.mmmZ` (civil-from-days, no date crate needed).
pub fn iso8601(at: Millis) -> String {
    let ms = at.0.rem_euclid(1000);
    let secs = at.0.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = crate::model::civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connection::ConnectionDraft;
    use crate::secrets::Secrets;
    use crate::store::Store;

    async fn console() -> Console {
        let store = Store::in_memory().await.unwrap();
        Console::with_parts(store, Secrets::session_only("test")).unwrap()
    }

    #[test]
    fn timestamps_are_iso_utc() {
        assert_eq!(iso8601(Millis(0)), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(Millis(1_764_031_234_567)), "2025-11-25T00:40:34.567Z");
        assert_eq!(iso8601(Millis(951_782_400_000)), "2000-02-29T00:00:00.000Z");
    }

    #[tokio::test]
    async fn entries_are_filtered_newest_first_and_exported() {
        let c = console().await;
        let p = c
            .connection_create(&ConnectionDraft {
                name: "prod-eu".into(),
                namesrv_addrs: "127.0.0.1:9876".into(),
                env_label: "production".into(),
                env_color: "#dc2626".into(),
                ..Default::default()
            })
            .await
            .unwrap();
        for (action, target, outcome) in [
            ("topic.create", "Orders", AuditOutcome::Ok),
            ("topic.delete", "Old_1", AuditOutcome::Refused),
            ("message.send", "Orders", AuditOutcome::Failed),
        ] {
            c.audit_record(
                &p,
                AuditRecord {
                    action: action.into(),
                    target: target.into(),
                    params: serde_json::json!({"topic": target, "note": "a,\"quoted\" value"}),
                    before: None,
                    after: Some(serde_json::json!({"writeQueues": 8})),
                    outcome,
                    error: (outcome != AuditOutcome::Ok)
                        .then(|| (ErrorCode::ReadOnly, "read-only connection".to_owned())),
                    mqadmin: format!("mqadmin updateTopic -t {target}"),
                },
            )
            .await
            .unwrap();
        }
        let all = c.audit_list(&AuditFilter::default()).await.unwrap();
        assert_eq!(all.len(), 3);
        assert_eq!(all[0].action, "message.send");
        let topics = c
            .audit_list(&AuditFilter {
                action: Some("topic.".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(topics.len(), 2);
        let refused = c
            .audit_list(&AuditFilter {
                outcome: Some(AuditOutcome::Refused),
                text: Some("old_".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(refused.len(), 1);
        assert_eq!(refused[0].error_code.as_deref(), Some("ReadOnly"));
        // `_` is literal in the text filter, not a LIKE wildcard.
        let none = c
            .audit_list(&AuditFilter {
                text: Some("Old_2".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(none.is_empty());

        let csv = c
            .audit_export(&AuditFilter::default(), AuditFormat::Csv)
            .await
            .unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 4);
        assert!(lines[0].starts_with("id,time,connection"));
        assert!(lines[1].contains("\"{\"\"note\"\":\"\"a,\\\"\"quoted\\\"\" value\"\""));
        let json = c
            .audit_export(&AuditFilter::default(), AuditFormat::Json)
            .await
            .unwrap();
        let back: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
        assert_eq!(back.len(), 3);
        assert_eq!(back[2]["after"], serde_json::json!({"writeQueues": 8}));
        assert_eq!(back[2]["params"]["topic"], "Orders");
        // What the UI shows: pretty text, exact.
        assert!(all[2].params.0.contains("\n  \"note\""), "{}", all[2].params.0);
    }
}
