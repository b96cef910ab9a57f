//! Saved connections: validation, CRUD, duplicate, import/export (never with secrets), and the
//! live admin client behind each one.

mod transfer;
pub(crate) mod validate;
pub(crate) use validate::clean_rewrites;
pub use validate::parse_namesrv_addrs;
use validate::{Files, validate, validate_with};

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::console::{Console, CoreEvent};
use crate::error::{Error, Result};
use crate::model::{ConnectionId, Millis};
use crate::registry::{ClientSpec, LiveClient};
use crate::remoting::{DialSpec, Rewrite, TlsSpec};

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
    /// The passphrase of the TLS client key is in the keychain (or this session's memory).
    pub key_passphrase_saved: bool,
    /// Advertised addresses dialled elsewhere (brokers behind Docker or NAT).
    pub rewrites: Vec<Rewrite>,
    /// Where the connection's clients write trace records (`RMQ_SYS_TRACE_TOPIC` by default).
    pub trace_topic: String,
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
    /// The passphrase of an encrypted TLS client key, kept in the keychain. On update, absent keeps
    /// the saved one and empty removes it.
    #[serde(default)]
    pub key_passphrase: Option<String>,
    /// The trace topic; empty or absent means `RMQ_SYS_TRACE_TOPIC`.
    #[serde(default)]
    pub trace_topic: Option<String>,
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
    #[serde(default = "default_trace_topic")]
    pub trace_topic: String,
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

/// The trace topic when the connection names none (what brokers create with `traceTopicEnable`).
pub const DEFAULT_TRACE_TOPIC: &str = "RMQ_SYS_TRACE_TOPIC";

fn default_trace_topic() -> String {
    DEFAULT_TRACE_TOPIC.to_owned()
}

fn default_color() -> String {
    "#64748b".to_owned()
}

/// JSON text of a settings value, for its SQLite column.
fn to_json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::internal(format!("settings JSON: {e}")))
}

/// Where the passphrase of a connection's TLS client key is kept (beside its ACL secret).
fn key_slot(id: &ConnectionId) -> ConnectionId {
    ConnectionId(format!("{}#tls-key", id.0))
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
        let key_passphrase_saved = tls.as_ref().is_some_and(|t| t.client_key.is_some())
            && self.secrets().get(&key_slot(&id)).await?.is_some();
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
            key_passphrase_saved,
            rewrites,
            trace_topic: row.try_get("trace_topic")?,
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
             read_only, tls, rewrites, trace_topic, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
        .bind(&v.trace_topic)
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
        if let Some(pass) = draft.key_passphrase.as_deref().filter(|p| !p.is_empty()) {
            self.secrets().put(&key_slot(&id), pass).await?;
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
        // The dialer is checked with the key's passphrase: the one typed, else the saved one.
        let saved = self.secrets().get(&key_slot(id)).await?;
        let mut checked = draft.clone();
        if checked.key_passphrase.is_none() {
            checked.key_passphrase.clone_from(&saved);
        }
        let v = validate(&checked)?;
        let before = self.connection_get(id).await?;
        let update = sqlx::query(
            "UPDATE connection SET name = ?, namesrv_addrs = ?, vip_channel = ?, access_key = ?, env_label = ?, \
             env_color = ?, read_only = ?, tls = ?, rewrites = ?, trace_topic = ?, updated_at = ? WHERE id = ?",
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
        .bind(&v.trace_topic)
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
        match draft.key_passphrase.as_deref() {
            Some("") => self.secrets().delete(&key_slot(id)).await?,
            Some(pass) => self.secrets().put(&key_slot(id), pass).await?,
            None => {}
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
        self.secrets().delete(&key_slot(id)).await?;
        self.registry().close(id).await;
        self.emit(CoreEvent::ConnectionsChanged);
        Ok(())
    }

    /// Copies a connection under a new name ("name (copy)", "name (copy 2)", …), secret included.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn connection_duplicate(&self, id: &ConnectionId) -> Result<ConnectionProfile> {
        let p = self.connection_get(id).await?;
        let secret = self.secrets().get(id).await?;
        let key_passphrase = self.secrets().get(&key_slot(id)).await?;
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
            key_passphrase,
            trace_topic: Some(p.trace_topic.clone()),
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
}

impl Console {
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
                key_passphrase: self.secrets().get(&key_slot(id)).await?,
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
    use super::validate::parse_namesrv_addrs;
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

    #[tokio::test]
    async fn a_client_key_passphrase_is_a_secret_kept_beside_the_profile() {
        let dir = tempfile::tempdir().unwrap();
        let at = |f: &str| dir.path().join(f).display().to_string();
        let run = |args: &[&str]| {
            assert!(
                std::process::Command::new("openssl")
                    .args(args)
                    .stderr(std::process::Stdio::null())
                    .status()
                    .unwrap()
                    .success()
            );
        };
        run(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            &at("plain.key"),
            "-out",
            &at("c.pem"),
            "-days",
            "2",
            "-subj",
            "/CN=c",
        ]);
        run(&[
            "pkcs8",
            "-topk8",
            "-v2",
            "aes-256-cbc",
            "-in",
            &at("plain.key"),
            "-out",
            &at("c.key"),
            "-passout",
            "pass:pw",
        ]);
        let c = console().await;
        let mut d = draft("mtls");
        d.tls = Some(TlsSpec {
            verify: crate::remoting::TlsVerify::AcceptAny,
            client_cert: Some(at("c.pem")),
            client_key: Some(at("c.key")),
        });
        // Without its passphrase the encrypted key is refused when saved.
        assert!(
            c.connection_create(&d)
                .await
                .unwrap_err()
                .to_string()
                .contains("give its passphrase")
        );
        d.key_passphrase = Some("pw".into());
        let p = c.connection_create(&d).await.unwrap();
        assert!(p.key_passphrase_saved);
        let (_, spec) = c.client_spec(&p.id).await.unwrap();
        assert_eq!(spec.dial.key_passphrase.as_deref(), Some("pw"));
        // Never in SQLite, never exported.
        let rows: Vec<String> = sqlx::query_scalar("SELECT tls FROM connection")
            .fetch_all(c.store().pool())
            .await
            .unwrap();
        assert!(rows.iter().all(|t| !t.contains("\"pw\"")));
        assert!(!c.connection_export(&[]).await.unwrap().contains("\"pw\""));
        // An edit without the passphrase keeps it; an empty one removes it.
        let mut edit = d.clone();
        edit.key_passphrase = None;
        assert!(
            c.connection_update(&p.id, &edit)
                .await
                .unwrap()
                .key_passphrase_saved
        );
        edit.key_passphrase = Some(String::new());
        assert!(
            c.connection_update(&p.id, &edit).await.is_err(),
            "the key cannot be opened any more"
        );
        let copy = c.connection_duplicate(&p.id).await.unwrap();
        assert!(copy.key_passphrase_saved);
        c.connection_delete(&p.id).await.unwrap();
        assert!(c.secrets().get(&key_slot(&p.id)).await.unwrap().is_none());
    }
}
