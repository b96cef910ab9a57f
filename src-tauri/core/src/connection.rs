//! Saved connections: validation, CRUD, duplicate, import/export (never with secrets), and the
//! live admin client behind each one.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::console::{Console, CoreEvent};
use crate::error::{Error, Result};
use crate::model::{ConnectionId, Millis};
use crate::registry::{ClientSpec, LiveClient};
use crate::remoting::{DialSpec, Dialer, Rewrite, TlsSpec};

/// Where the ACL secret of a connection is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum SecretState {
    /// The connection uses no ACL.
    NotUsed,
    /// Saved in the OS keychain.
    Keychain,
    /// Known for this session only (no keychain on this machine).
    Session,
    /// Needed, but not known this session: the user must type it.
    Missing,
}

/// A saved connection as the UI and CLI see it.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionProfile {
    pub id: ConnectionId,
    pub name: String,
    pub namesrv_addrs: Vec<String>,
    pub vip_channel: bool,
    pub access_key: Option<String>,
    pub secret_state: SecretState,
    pub env_label: String,
    pub env_color: String,
    pub read_only: bool,
    /// TLS to every name server and broker; `None` is plain TCP.
    pub tls: Option<TlsSpec>,
    /// Advertised addresses dialled elsewhere (brokers behind Docker or NAT).
    pub rewrites: Vec<Rewrite>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// What the user typed in the connection form.
#[derive(Debug, Clone, Default, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionDraft {
    pub name: String,
    /// Name servers as typed: `host:port` separated by `;`, `,` or whitespace.
    pub namesrv_addrs: String,
    pub vip_channel: bool,
    /// ACL access key; empty or absent means no ACL.
    pub access_key: Option<String>,
    /// ACL secret key. On update, absent keeps the saved secret.
    pub secret_key: Option<String>,
    pub env_label: String,
    pub env_color: String,
    pub read_only: bool,
    #[serde(default)]
    pub tls: Option<TlsSpec>,
    #[serde(default)]
    pub rewrites: Vec<Rewrite>,
}

/// The portable form of a profile (export/import): no id, no secret.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PortableProfile {
    pub name: String,
    pub namesrv_addrs: Vec<String>,
    #[serde(default)]
    pub vip_channel: bool,
    #[serde(default)]
    pub access_key: Option<String>,
    #[serde(default)]
    pub env_label: String,
    #[serde(default = "default_color")]
    pub env_color: String,
    #[serde(default)]
    pub read_only: bool,
    #[serde(default)]
    pub tls: Option<TlsSpec>,
    #[serde(default)]
    pub rewrites: Vec<Rewrite>,
}

/// The export file: a format tag, a version, the profiles.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExportFile {
    format: String,
    version: u32,
    connections: Vec<PortableProfile>,
}

const EXPORT_FORMAT: &str = "rmq-console-connections";

/// What an import did.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    /// Names as saved (renamed when the name was taken).
    pub imported: Vec<String>,
    /// Profiles identical to an existing one, skipped.
    pub skipped: Vec<String>,
}

fn default_color() -> String {
    "#64748b".to_owned()
}

const MAX_NAME_LEN: usize = 64;

/// Parses a name-server list: `host:port` items separated by `;`, `,` or whitespace.
pub fn parse_namesrv_addrs(raw: &str) -> Result<Vec<String>> {
    let items: Vec<&str> = raw
        .split(|c: char| c == ';' || c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .collect();
    if items.is_empty() {
        return Err(Error::validation(
            "The name-server address list is empty: enter at least one host:port.",
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for item in items {
        let Some((host, port)) = item.rsplit_once(':') else {
            return Err(Error::validation(format!(
                "'{item}' is not a name-server address: expected host:port, e.g. 127.0.0.1:9876."
            )));
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let host_ok = !host.is_empty()
            && host.len() <= 253
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':'));
        if !host_ok {
            return Err(Error::validation(format!(
                "'{item}' has an invalid host name '{host}'."
            )));
        }
        match port.parse::<u16>() {
            Ok(p) if p > 0 => {}
            _ => {
                return Err(Error::validation(format!(
                    "'{item}' has an invalid port '{port}': expected a number from 1 to 65535."
                )));
            }
        }
        if !out.iter().any(|o| o == item) {
            out.push(item.to_owned());
        }
    }
    Ok(out)
}

fn validate_color(color: &str) -> Result<()> {
    let hex = color.strip_prefix('#').unwrap_or("");
    if hex.len() == 6 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(Error::validation(format!(
            "'{color}' is not a colour: expected #rrggbb."
        )))
    }
}

/// A draft checked and normalised.
struct Valid {
    name: String,
    addrs: Vec<String>,
    access_key: Option<String>,
    secret: Option<String>,
    env_label: String,
    env_color: String,
    tls: Option<String>,
    rewrites: String,
}

/// The rewrite rows of a draft, trimmed, blank rows dropped.
pub(crate) fn clean_rewrites(rows: &[Rewrite]) -> Vec<Rewrite> {
    rows.iter()
        .filter(|r| !(r.from.trim().is_empty() && r.to.trim().is_empty()))
        .map(|r| Rewrite {
            from: r.from.trim().to_owned(),
            to: r.to.trim().to_owned(),
        })
        .collect()
}

/// Whether [`validate`] reads the TLS files named in a draft (not for an import: the files of
/// another machine are checked when the connection is tested or first used).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Files {
    Check,
    Skip,
}

fn validate(draft: &ConnectionDraft) -> Result<Valid> {
    validate_with(draft, Files::Check)
}

fn validate_with(draft: &ConnectionDraft, files: Files) -> Result<Valid> {
    let name = draft.name.trim().to_owned();
    if name.is_empty() {
        return Err(Error::validation("The connection name is empty."));
    }
    if name.chars().count() > MAX_NAME_LEN {
        return Err(Error::validation(format!(
            "The connection name is longer than {MAX_NAME_LEN} characters."
        )));
    }
    let addrs = parse_namesrv_addrs(&draft.namesrv_addrs)?;
    let access_key = draft
        .access_key
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    let env_color = if draft.env_color.trim().is_empty() {
        default_color()
    } else {
        draft.env_color.trim().into()
    };
    validate_color(&env_color)?;
    let rewrites = clean_rewrites(&draft.rewrites);
    // Builds the dialer once: a wrong rewrite row or an unreadable CA / certificate file is a
    // clear message now, not a failure at the first request.
    for r in &rewrites {
        crate::remoting::dial::validate_rewrite(r)?;
    }
    if files == Files::Check {
        Dialer::new(&DialSpec {
            tls: draft.tls.clone(),
            rewrites: rewrites.clone(),
        })?;
    }
    Ok(Valid {
        name,
        addrs,
        access_key,
        secret: draft.secret_key.clone(),
        env_label: draft.env_label.trim().to_owned(),
        env_color,
        tls: draft.tls.as_ref().map(to_json).transpose()?,
        rewrites: to_json(&rewrites)?,
    })
}

/// JSON text of a settings value, for its SQLite column.
fn to_json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::internal(format!("settings JSON: {e}")))
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

impl Console {
    /// Every saved connection, by name.
    pub async fn connection_list(&self) -> Result<Vec<ConnectionProfile>> {
        let rows = sqlx::query("SELECT * FROM connection ORDER BY name COLLATE NOCASE")
            .fetch_all(self.store().pool())
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            out.push(self.profile_from_row(&row).await?);
        }
        Ok(out)
    }

    /// One saved connection.
    pub async fn connection_get(&self, id: &ConnectionId) -> Result<ConnectionProfile> {
        let row = sqlx::query("SELECT * FROM connection WHERE id = ?")
            .bind(id.as_str())
            .fetch_optional(self.store().pool())
            .await?
            .ok_or_else(|| Error::not_found(format!("connection {id}")))?;
        self.profile_from_row(&row).await
    }

    /// The saved connection named `name`, if any.
    pub async fn connection_by_name(&self, name: &str) -> Result<Option<ConnectionProfile>> {
        let row = sqlx::query("SELECT * FROM connection WHERE name = ?")
            .bind(name)
            .fetch_optional(self.store().pool())
            .await?;
        match row {
            Some(r) => Ok(Some(self.profile_from_row(&r).await?)),
            None => Ok(None),
        }
    }

    async fn profile_from_row(&self, row: &sqlx::sqlite::SqliteRow) -> Result<ConnectionProfile> {
        let id = ConnectionId(row.try_get("id")?);
        let access_key: Option<String> = row.try_get("access_key")?;
        let in_keychain: bool = row.try_get("secret_in_keychain")?;
        let secret_state = if access_key.is_none() {
            SecretState::NotUsed
        } else if in_keychain {
            SecretState::Keychain
        } else if self.secrets().get(&id).await?.is_some() {
            SecretState::Session
        } else {
            SecretState::Missing
        };
        let addrs: String = row.try_get("namesrv_addrs")?;
        let tls: Option<String> = row.try_get("tls")?;
        let rewrites: String = row.try_get("rewrites")?;
        let bad = |e: serde_json::Error| Error::internal(format!("saved dialer settings of {id}: {e}"));
        let tls: Option<TlsSpec> = tls.map(|t| serde_json::from_str(&t)).transpose().map_err(bad)?;
        let rewrites: Vec<Rewrite> = serde_json::from_str(&rewrites).map_err(bad)?;
        Ok(ConnectionProfile {
            id,
            name: row.try_get("name")?,
            namesrv_addrs: addrs
                .split(';')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            vip_channel: row.try_get("vip_channel")?,
            access_key,
            secret_state,
            env_label: row.try_get("env_label")?,
            env_color: row.try_get("env_color")?,
            read_only: row.try_get("read_only")?,
            tls,
            rewrites,
            created_at: Millis(row.try_get("created_at")?),
            updated_at: Millis(row.try_get("updated_at")?),
        })
    }

    /// Saves a new connection; its secret goes to the keychain (or the session without one).
    #[tracing::instrument(skip(self, draft), fields(name = %draft.name), err(Debug))]
    pub async fn connection_create(&self, draft: &ConnectionDraft) -> Result<ConnectionProfile> {
        self.create(draft, Files::Check).await
    }

    async fn create(&self, draft: &ConnectionDraft, files: Files) -> Result<ConnectionProfile> {
        let v = validate_with(draft, files)?;
        let id = ConnectionId::new_random();
        let now = Millis::now().0;
        let insert = sqlx::query(
            "INSERT INTO connection (id, name, namesrv_addrs, vip_channel, access_key, env_label, env_color, \
             read_only, tls, rewrites, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id.as_str())
        .bind(&v.name)
        .bind(v.addrs.join(";"))
        .bind(draft.vip_channel)
        .bind(&v.access_key)
        .bind(&v.env_label)
        .bind(&v.env_color)
        .bind(draft.read_only)
        .bind(&v.tls)
        .bind(&v.rewrites)
        .bind(now)
        .bind(now)
        .execute(self.store().pool())
        .await;
        match insert {
            Err(e) if is_unique_violation(&e) => {
                return Err(Error::Conflict {
                    message: format!("A connection named '{}' exists already.", v.name),
                });
            }
            other => other?,
        };
        if v.access_key.is_some() {
            self.save_secret(&id, v.secret.as_deref()).await?;
        }
        self.emit(CoreEvent::ConnectionsChanged);
        self.connection_get(&id).await
    }

    /// Saves the secret of `id` (keychain when there is one) and records where it went.
    async fn save_secret(&self, id: &ConnectionId, secret: Option<&str>) -> Result<()> {
        let Some(secret) = secret.filter(|s| !s.is_empty()) else {
            return Ok(());
        };
        self.secrets().put(id, secret).await?;
        let in_keychain = self.secrets().status().available;
        sqlx::query("UPDATE connection SET secret_in_keychain = ? WHERE id = ?")
            .bind(in_keychain)
            .bind(id.as_str())
            .execute(self.store().pool())
            .await?;
        Ok(())
    }

    /// Edits a saved connection. An absent secret keeps the saved one; removing the access key
    /// removes the secret too. The live client is rebuilt on next use.
    #[tracing::instrument(skip(self, draft), err(Debug))]
    pub async fn connection_update(
        &self,
        id: &ConnectionId,
        draft: &ConnectionDraft,
    ) -> Result<ConnectionProfile> {
        let v = validate(draft)?;
        let before = self.connection_get(id).await?;
        let update = sqlx::query(
            "UPDATE connection SET name = ?, namesrv_addrs = ?, vip_channel = ?, access_key = ?, env_label = ?, \
             env_color = ?, read_only = ?, tls = ?, rewrites = ?, updated_at = ? WHERE id = ?",
        )
        .bind(&v.name)
        .bind(v.addrs.join(";"))
        .bind(draft.vip_channel)
        .bind(&v.access_key)
        .bind(&v.env_label)
        .bind(&v.env_color)
        .bind(draft.read_only)
        .bind(&v.tls)
        .bind(&v.rewrites)
        .bind(Millis::now().0)
        .bind(id.as_str())
        .execute(self.store().pool())
        .await;
        match update {
            Err(e) if is_unique_violation(&e) => {
                return Err(Error::Conflict {
                    message: format!("A connection named '{}' exists already.", v.name),
                });
            }
            other => other?,
        };
        if v.access_key.is_none() || before.access_key != v.access_key && v.secret.is_none() {
            self.forget_secret(id).await?;
        }
        if v.access_key.is_some() {
            self.save_secret(id, v.secret.as_deref()).await?;
        }
        self.registry().close(id).await;
        self.emit(CoreEvent::ConnectionsChanged);
        self.emit(CoreEvent::ResourceInvalidated {
            connection_id: id.clone(),
            scope: vec![],
        });
        self.connection_get(id).await
    }

    async fn forget_secret(&self, id: &ConnectionId) -> Result<()> {
        self.secrets().delete(id).await?;
        sqlx::query("UPDATE connection SET secret_in_keychain = 0 WHERE id = ?")
            .bind(id.as_str())
            .execute(self.store().pool())
            .await?;
        Ok(())
    }

    /// Deletes a saved connection, its secret and its live client.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn connection_delete(&self, id: &ConnectionId) -> Result<()> {
        let done = sqlx::query("DELETE FROM connection WHERE id = ?")
            .bind(id.as_str())
            .execute(self.store().pool())
            .await?;
        if done.rows_affected() == 0 {
            return Err(Error::not_found(format!("connection {id}")));
        }
        self.secrets().delete(id).await?;
        self.registry().close(id).await;
        self.emit(CoreEvent::ConnectionsChanged);
        Ok(())
    }

    /// Copies a connection under a new name ("name (copy)", "name (copy 2)", …), secret included.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn connection_duplicate(&self, id: &ConnectionId) -> Result<ConnectionProfile> {
        let p = self.connection_get(id).await?;
        let secret = self.secrets().get(id).await?;
        let name = self.free_name(&format!("{} (copy)", p.name)).await?;
        let draft = ConnectionDraft {
            name,
            namesrv_addrs: p.namesrv_addrs.join(";"),
            vip_channel: p.vip_channel,
            access_key: p.access_key.clone(),
            secret_key: secret,
            env_label: p.env_label.clone(),
            env_color: p.env_color.clone(),
            read_only: p.read_only,
            tls: p.tls.clone(),
            rewrites: p.rewrites.clone(),
        };
        self.connection_create(&draft).await
    }

    async fn free_name(&self, wanted: &str) -> Result<String> {
        let mut name = wanted.to_owned();
        let mut n = 2;
        while self.connection_by_name(&name).await?.is_some() {
            name = format!("{wanted} {n}");
            n += 1;
        }
        Ok(name)
    }

    /// Remembers a secret typed by the user for this session only (no keychain).
    pub async fn connection_unlock(&self, id: &ConnectionId, secret: &str) -> Result<ConnectionProfile> {
        if secret.is_empty() {
            return Err(Error::validation("The secret key is empty."));
        }
        self.connection_get(id).await?;
        self.secrets().put_session(id, secret)?;
        self.registry().close(id).await;
        self.connection_get(id).await
    }

    /// Exports profiles (all when `ids` is empty) as JSON. Secrets are never exported.
    pub async fn connection_export(&self, ids: &[ConnectionId]) -> Result<String> {
        let all = self.connection_list().await?;
        let connections = all
            .into_iter()
            .filter(|p| ids.is_empty() || ids.contains(&p.id))
            .map(|p| PortableProfile {
                name: p.name,
                namesrv_addrs: p.namesrv_addrs,
                vip_channel: p.vip_channel,
                access_key: p.access_key,
                env_label: p.env_label,
                env_color: p.env_color,
                read_only: p.read_only,
                tls: p.tls,
                rewrites: p.rewrites,
            })
            .collect();
        let file = ExportFile {
            format: EXPORT_FORMAT.to_owned(),
            version: 1,
            connections,
        };
        serde_json::to_string_pretty(&file).map_err(|e| Error::internal(format!("export: {e}")))
    }

    /// Imports profiles exported by [`Console::connection_export`]. Identical profiles are skipped;
    /// a taken name gets a suffix. Imported ACL connections need their secret typed afterwards.
    #[tracing::instrument(skip(self, json), err(Debug))]
    pub async fn connection_import(&self, json: &str) -> Result<ImportReport> {
        let file: ExportFile = serde_json::from_str(json)
            .map_err(|e| Error::validation(format!("This is not a connection export file: {e}")))?;
        if file.format != EXPORT_FORMAT {
            return Err(Error::validation(format!(
                "This file has format '{}', expected '{EXPORT_FORMAT}'.",
                file.format
            )));
        }
        if file.version != 1 {
            return Err(Error::validation(format!(
                "Export version {} is not supported.",
                file.version
            )));
        }
        // Validate everything first: an import is all or nothing.
        let drafts: Vec<ConnectionDraft> = file
            .connections
            .iter()
            .map(|p| ConnectionDraft {
                name: p.name.clone(),
                namesrv_addrs: p.namesrv_addrs.join(";"),
                vip_channel: p.vip_channel,
                access_key: p.access_key.clone(),
                secret_key: None,
                env_label: p.env_label.clone(),
                env_color: p.env_color.clone(),
                read_only: p.read_only,
                tls: p.tls.clone(),
                rewrites: p.rewrites.clone(),
            })
            .collect();
        for d in &drafts {
            validate_with(d, Files::Skip)
                .map_err(|e| Error::validation(format!("Profile '{}': {e}", d.name)))?;
        }
        let existing = self.connection_list().await?;
        let mut report = ImportReport {
            imported: vec![],
            skipped: vec![],
        };
        for mut d in drafts {
            let addrs = parse_namesrv_addrs(&d.namesrv_addrs)?;
            let same = existing.iter().any(|e| {
                e.name == d.name.trim()
                    && e.namesrv_addrs == addrs
                    && e.access_key == d.access_key
                    && e.read_only == d.read_only
                    && e.tls == d.tls
                    && e.rewrites == clean_rewrites(&d.rewrites)
            });
            if same {
                report.skipped.push(d.name);
                continue;
            }
            d.name = self.free_name(d.name.trim()).await?;
            let saved = self.create(&d, Files::Skip).await?;
            report.imported.push(saved.name);
        }
        Ok(report)
    }

    /// The client spec of a saved connection, with its secret.
    pub async fn client_spec(&self, id: &ConnectionId) -> Result<(ConnectionProfile, ClientSpec)> {
        let p = self.connection_get(id).await?;
        let credentials = match &p.access_key {
            None => None,
            Some(ak) => {
                let sk = self
                    .secrets()
                    .get(id)
                    .await?
                    .ok_or_else(|| Error::SecretRequired {
                        connection: p.name.clone(),
                    })?;
                Some((ak.clone(), sk))
            }
        };
        let spec = ClientSpec {
            namesrv_addrs: p.namesrv_addrs.clone(),
            vip_channel: p.vip_channel,
            credentials,
            dial: DialSpec {
                tls: p.tls.clone(),
                rewrites: p.rewrites.clone(),
            },
        };
        Ok((p, spec))
    }

    /// The live admin client of a saved connection (started on first use).
    pub async fn client(&self, id: &ConnectionId) -> Result<(ConnectionProfile, Arc<LiveClient>)> {
        let (p, spec) = self.client_spec(id).await?;
        let client = self.registry().client(id, spec).await?;
        Ok((p, client))
    }

    /// Refuses a mutation on a read-only connection. Every mutating core entry point calls this first.
    pub async fn ensure_writable(&self, id: &ConnectionId) -> Result<ConnectionProfile> {
        let p = self.connection_get(id).await?;
        if p.read_only {
            return Err(Error::ReadOnly { connection: p.name });
        }
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use crate::secrets::Secrets;
    use crate::store::Store;

    async fn console() -> Console {
        Console::with_parts(Store::in_memory().await.unwrap(), Secrets::session_only("test")).unwrap()
    }

    fn draft(name: &str) -> ConnectionDraft {
        ConnectionDraft {
            name: name.into(),
            namesrv_addrs: "127.0.0.1:9876; 127.0.0.2:9876".into(),
            env_label: "dev".into(),
            env_color: "#22c55e".into(),
            ..Default::default()
        }
    }

    #[test]
    fn address_lists_are_parsed_and_bad_ones_explained() {
        assert_eq!(
            parse_namesrv_addrs("a:1;b:2, c:3 a:1").unwrap(),
            vec!["a:1", "b:2", "c:3"]
        );
        let msg = |raw: &str| parse_namesrv_addrs(raw).unwrap_err().to_string();
        assert!(msg("  ").contains("empty"));
        assert!(msg("localhost").contains("expected host:port"));
        assert!(msg("host:99999").contains("invalid port"));
        assert!(msg("host:0").contains("invalid port"));
        assert!(msg("ho st:1;").contains("expected host:port") || msg("ho/st:1").contains("invalid host"));
        assert!(msg("h@st:1").contains("invalid host"));
    }

    #[tokio::test]
    async fn create_edit_duplicate_delete() {
        let c = console().await;
        let p = c.connection_create(&draft("dev")).await.unwrap();
        assert_eq!(p.namesrv_addrs, vec!["127.0.0.1:9876", "127.0.0.2:9876"]);
        assert_eq!(p.secret_state, SecretState::NotUsed);
        let err = c.connection_create(&draft("dev")).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::Conflict);
        let mut d = draft("dev2");
        d.read_only = true;
        let p2 = c.connection_update(&p.id, &d).await.unwrap();
        assert!(p2.read_only);
        assert_eq!(
            c.ensure_writable(&p.id).await.unwrap_err().code(),
            ErrorCode::ReadOnly
        );
        let copy = c.connection_duplicate(&p.id).await.unwrap();
        assert_eq!(copy.name, "dev2 (copy)");
        let copy2 = c.connection_duplicate(&p.id).await.unwrap();
        assert_eq!(copy2.name, "dev2 (copy) 2");
        c.connection_delete(&copy.id).await.unwrap();
        assert_eq!(
            c.connection_delete(&copy.id).await.unwrap_err().code(),
            ErrorCode::NotFound
        );
        assert_eq!(c.connection_list().await.unwrap().len(), 2);
    }

    #[tokio::test]
    async fn acl_secret_states_and_export_never_carries_secrets() {
        let c = console().await;
        let mut d = draft("acl");
        d.access_key = Some("ak".into());
        d.secret_key = Some("super-secret-value".into());
        let p = c.connection_create(&d).await.unwrap();
        // No keychain in this test: the secret is known for the session only.
        assert_eq!(p.secret_state, SecretState::Session);
        let json = c.connection_export(&[]).await.unwrap();
        assert!(json.contains("\"accessKey\": \"ak\""));
        assert!(!json.contains("super-secret-value"));
        // Import into a fresh console: the profile arrives, the secret must be typed.
        let c2 = console().await;
        let report = c2.connection_import(&json).await.unwrap();
        assert_eq!(report.imported, vec!["acl"]);
        let imported = c2.connection_by_name("acl").await.unwrap().unwrap();
        assert_eq!(imported.secret_state, SecretState::Missing);
        let err = c2.client_spec(&imported.id).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::SecretRequired);
        c2.connection_unlock(&imported.id, "typed").await.unwrap();
        let (_, spec) = c2.client_spec(&imported.id).await.unwrap();
        assert_eq!(spec.credentials, Some(("ak".into(), "typed".into())));
        // Importing the same file again skips identical profiles.
        let again = c2.connection_import(&json).await.unwrap();
        assert_eq!(again.skipped, vec!["acl"]);
        assert!(c2.connection_import("{}").await.is_err());
        assert!(
            c2.connection_import(r#"{"format":"x","version":1,"connections":[]}"#)
                .await
                .is_err()
        );
    }
}
