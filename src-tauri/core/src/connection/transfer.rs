//! Exporting profiles as JSON (never with secrets) and importing them (names made unique, files of
//! another machine not checked until used).

use crate::console::Console;
use crate::error::{Error, Result};
use crate::model::ConnectionId;

use super::validate::{Files, clean_rewrites, parse_namesrv_addrs, validate_with};
use super::{ConnectionDraft, EXPORT_FORMAT, ExportFile, ImportReport, PortableProfile};

impl Console {
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
                trace_topic: p.trace_topic,
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
                key_passphrase: None,
                trace_topic: Some(p.trace_topic.clone()),
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
                    && Some(&e.trace_topic) == d.trace_topic.as_ref()
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
}
