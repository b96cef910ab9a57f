//! Exporting messages to a JSON or CSV file, as a job: either the messages a scan matches
//! (the scan runs again with the same request and every match is written in full, as it arrives)
//! or chosen messages by offset message id. The file is written next to its final name and renamed
//! into place when complete; a cancelled or failed export leaves no half-written file behind.
//!
//! Bodies are written safely: JSON carries `bodyBase64` always and `bodyText` only for valid
//! UTF-8; CSV carries the body as base64, and text cells that a spreadsheet would read as a
//! formula (`=`, `+`, `-`, `@`, tab, CR first) are prefixed with `'`.

use std::collections::{BTreeSet, HashMap};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use futures::StreamExt as _;
use serde::{Deserialize, Serialize};

use super::MessageView;
use super::scan::{ScanItem, ScanRequest, ScanSummary, check_scan, master_queues, run_scan};
use crate::console::Console;
use crate::error::{Error, Result};
use crate::jobs::{JobContext, JobId, JobSink};
use crate::model::{ConnectionId, Count};
use crate::registry::LiveClient;

/// Most messages exported by id in one job.
pub const MAX_EXPORT_IDS: usize = 100_000;
/// Lookups by id in flight.
const FETCH_CONCURRENCY: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum ExportFormat {
    Json,
    Csv,
}

/// What to export.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum ExportSource {
    /// Every message this scan matches (up to its cap).
    Scan { request: Box<ScanRequest> },
    /// These messages, by offset message id, in this order.
    Messages { offset_msg_ids: Vec<String> },
}

#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ExportRequest {
    pub source: ExportSource,
    pub format: ExportFormat,
    /// The file to write.
    pub path: String,
    /// Replace the file when it exists; otherwise an existing file is refused (`Conflict`), checked
    /// when the export starts and again when it is put in place.
    #[serde(default)]
    pub overwrite: bool,
}

/// The export job's summary.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ExportSummary {
    pub path: String,
    pub format: ExportFormat,
    pub written: Count,
    pub bytes: Count,
    /// Ids that could not be read, with why.
    pub failed: Vec<String>,
    /// The scan behind a scan export.
    pub scan: Option<ScanSummary>,
    pub elapsed_ms: f64,
}

const CSV_COLUMNS: &[&str] = &[
    "topic",
    "brokerName",
    "queueId",
    "queueOffset",
    "commitLogOffset",
    "msgId",
    "offsetMsgId",
    "tags",
    "keys",
    "storeTimestamp",
    "bornTimestamp",
    "storeHost",
    "bornHost",
    "reconsumeTimes",
    "bodySize",
    "properties",
    "bodyBase64",
];

/// One CSV cell: quoted when it must be, formula-looking text defused.
fn csv_cell(out: &mut String, value: &str) {
    let defuse = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quote = defuse || value.contains([',', '"', '\n', '\r']);
    if quote {
        out.push('"');
        if defuse {
            out.push('\'');
        }
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

fn csv_row(out: &mut String, broker: &str, m: &MessageView) {
    let props = serde_json::to_string(&m.properties).unwrap_or_default();
    let cells = [
        m.topic.clone(),
        broker.to_owned(),
        m.queue_id.to_string(),
        m.queue_offset.0.to_string(),
        m.commit_log_offset.0.to_string(),
        m.msg_id.clone().unwrap_or_default(),
        m.offset_msg_id.clone(),
        m.tags.clone().unwrap_or_default(),
        m.keys.join(" "),
        crate::audit::iso8601(m.store_timestamp),
        crate::audit::iso8601(m.born_timestamp),
        m.store_host.clone(),
        m.born_host.clone(),
        m.reconsume_times.to_string(),
        m.body_size.to_string(),
        props,
        m.body_base64.clone(),
    ];
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        csv_cell(out, c);
    }
    out.push_str("\r\n");
}

/// The file being written: a hidden temporary sibling put in place by [`Writer::finish`]; dropped
/// without finishing (cancelled, failed, or a panic), it removes the temporary file.
struct Writer {
    format: ExportFormat,
    tmp: PathBuf,
    dest: PathBuf,
    overwrite: bool,
    /// Set once the temporary file is in place (or removed): nothing left to clean up.
    settled: bool,
    file: std::io::BufWriter<std::fs::File>,
    written: u64,
    bytes: u64,
    error: Option<String>,
}

impl Writer {
    fn create(path: &str, format: ExportFormat, overwrite: bool) -> Result<Self> {
        let dest = PathBuf::from(path.trim());
        if dest.as_os_str().is_empty() || dest.file_name().is_none() {
            return Err(Error::validation("Give the file to export to."));
        }
        let dir = dest
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if !dir.is_dir() {
            return Err(Error::validation(format!(
                "The folder '{}' does not exist.",
                dir.display()
            )));
        }
        if !overwrite && dest.exists() {
            return Err(exists(&dest));
        }
        // A hidden name of our own, never a file the user has: `.x.json.1a2b3c4d.rmq-export.partial`.
        let mut name = std::ffi::OsString::from(".");
        name.push(dest.file_name().unwrap_or_default());
        name.push(format!(
            ".{}.rmq-export.partial",
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        ));
        let tmp = dest.with_file_name(name);
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(|e| Error::validation(format!("Cannot write '{}': {e}.", tmp.display())))?;
        let mut w = Self {
            format,
            tmp,
            dest,
            overwrite,
            settled: false,
            file: std::io::BufWriter::with_capacity(1 << 20, file),
            written: 0,
            bytes: 0,
            error: None,
        };
        let head = match format {
            ExportFormat::Json => "[".to_owned(),
            ExportFormat::Csv => format!("{}\r\n", CSV_COLUMNS.join(",")),
        };
        w.put(head.as_bytes());
        Ok(w)
    }

    fn put(&mut self, b: &[u8]) {
        if self.error.is_none() {
            match self.file.write_all(b) {
                Ok(()) => self.bytes += b.len() as u64,
                Err(e) => self.error = Some(e.to_string()),
            }
        }
    }

    fn write(&mut self, broker: &str, views: &[MessageView]) {
        let mut out = String::new();
        for m in views {
            match self.format {
                ExportFormat::Json => {
                    let mut v = serde_json::to_value(m).unwrap_or_default();
                    if let Some(o) = v.as_object_mut() {
                        o.insert("brokerName".into(), broker.into());
                    }
                    out.push_str(if self.written == 0 { "\n" } else { ",\n" });
                    out.push_str(&v.to_string());
                }
                ExportFormat::Csv => csv_row(&mut out, broker, m),
            }
            self.written += 1;
        }
        self.put(out.as_bytes());
    }

    fn finish(mut self) -> Result<(String, u64, u64)> {
        if self.format == ExportFormat::Json {
            self.put(if self.written == 0 { b"]\n" } else { b"\n]\n" });
        }
        if let Err(e) = self.file.flush() {
            self.error.get_or_insert(e.to_string());
        }
        if let Some(e) = self.error.take() {
            return Err(Error::internal(format!("writing '{}': {e}", self.dest.display())));
        }
        if self.overwrite {
            std::fs::rename(&self.tmp, &self.dest)
                .map_err(|e| Error::internal(format!("renaming to '{}': {e}", self.dest.display())))?;
        } else {
            // A link fails when the name is taken meanwhile: never replaces a file unasked.
            std::fs::hard_link(&self.tmp, &self.dest).map_err(|e| match e.kind() {
                std::io::ErrorKind::AlreadyExists => exists(&self.dest),
                _ => Error::internal(format!("putting '{}' in place: {e}", self.dest.display())),
            })?;
            let _ = std::fs::remove_file(&self.tmp);
        }
        self.settled = true;
        Ok((self.dest.display().to_string(), self.written, self.bytes))
    }

    /// Drops the export: the temporary file goes (see [`Drop`]).
    fn abandon(self) {}
}

impl Drop for Writer {
    fn drop(&mut self) {
        if !self.settled {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// The refusal of an export onto an existing file.
fn exists(dest: &Path) -> Error {
    Error::Conflict {
        message: format!(
            "'{}' exists: choose another name, or allow replacing it.",
            dest.display()
        ),
    }
}

impl Console {
    /// Starts an export as a job; returns its id at once. The summary is an [`ExportSummary`].
    #[tracing::instrument(skip(self, sink, req), fields(path = %req.path), err(Debug))]
    pub async fn message_export(
        &self,
        id: &ConnectionId,
        req: &ExportRequest,
        sink: JobSink<ScanItem, ExportSummary>,
    ) -> Result<JobId> {
        let (_, client) = self.client(id).await?;
        match &req.source {
            ExportSource::Scan { request } => self.export_scan(client, request, req, sink).await,
            ExportSource::Messages { offset_msg_ids } => {
                self.export_ids(client, offset_msg_ids, req, sink).await
            }
        }
    }

    /// Starts the export of what `request` matches: the scan runs again, each match written as it arrives.
    async fn export_scan(
        &self,
        client: Arc<LiveClient>,
        request: &ScanRequest,
        req: &ExportRequest,
        sink: JobSink<ScanItem, ExportSummary>,
    ) -> Result<JobId> {
        let (limit, matcher) = check_scan(request)?;
        let queues = master_queues(&client, &request.topic).await?;
        let writer = Mutex::new(Writer::create(&req.path, req.format, req.overwrite)?);
        let request = request.clone();
        let title = format!("Export {}", request.topic);
        Ok(self
            .jobs()
            .start_cooperative(&title, sink, move |ctx| async move {
                let start = Instant::now();
                let emit = |broker: &str, stored: Vec<super::Stored>| {
                    let views: Vec<MessageView> = stored.iter().map(super::Stored::view).collect();
                    if let Ok(mut w) = writer.lock() {
                        w.write(broker, &views);
                    }
                };
                let scanned = run_scan(&ctx, &client, queues, &request, limit, &matcher, &emit).await;
                let writer = writer
                    .into_inner()
                    .map_err(|_| Error::internal("export writer poisoned"))?;
                let summary = match scanned {
                    Ok(s) => s,
                    Err(e) => {
                        writer.abandon();
                        return Err(e);
                    }
                };
                finish_export(writer, Vec::new(), Some(summary), start)
            }))
    }

    /// Starts the export of chosen messages, read by offset message id, in the order given.
    async fn export_ids(
        &self,
        client: Arc<LiveClient>,
        offset_msg_ids: &[String],
        req: &ExportRequest,
        sink: JobSink<ScanItem, ExportSummary>,
    ) -> Result<JobId> {
        if offset_msg_ids.is_empty() {
            return Err(Error::validation("Choose the messages to export."));
        }
        if offset_msg_ids.len() > MAX_EXPORT_IDS {
            return Err(Error::validation(format!(
                "At most {MAX_EXPORT_IDS} messages can be exported by id at once."
            )));
        }
        let mut writer = Writer::create(&req.path, req.format, req.overwrite)?;
        let ids = offset_msg_ids.to_vec();
        let names: HashMap<String, String> = crate::cluster::routed_brokers(&client)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|b| (b.addr, b.broker_name))
            .collect();
        let known = super::known_brokers(&client).await?;
        let title = format!("Export {} message(s)", ids.len());
        Ok(self
            .jobs()
            .start_cooperative(&title, sink, move |ctx| async move {
                let start = Instant::now();
                let failed = write_by_id(&ctx, &client, &known, &names, ids, &mut writer).await;
                if ctx.is_cancelled() {
                    writer.abandon();
                    return Err(Error::Cancelled);
                }
                finish_export(writer, failed, None, start)
            }))
    }
}

/// Reads the messages by id (a bounded number in flight, in order) and writes each one under its
/// broker's name; returns the ids that could not be read, with why. Stops once the job is cancelled.
async fn write_by_id(
    ctx: &JobContext<ScanItem, ExportSummary>,
    client: &LiveClient,
    known: &BTreeSet<String>,
    names: &HashMap<String, String>,
    ids: Vec<String>,
    writer: &mut Writer,
) -> Vec<String> {
    let total = ids.len() as u64;
    let mut failed = Vec::new();
    let mut fetched = futures::stream::iter(ids)
        .map(|mid| async move {
            let r = super::read_offset_id(client, known, &mid).await;
            (mid, r)
        })
        .buffered(FETCH_CONCURRENCY);
    let mut done = 0u64;
    while let Some((mid, r)) = fetched.next().await {
        if ctx.is_cancelled() {
            break;
        }
        match r {
            Ok(v) => {
                let broker = names
                    .get(&v.store_host)
                    .map_or(v.store_host.as_str(), String::as_str);
                writer.write(broker, std::slice::from_ref(&v));
            }
            Err(e) => failed.push(format!("{mid}: {e}")),
        }
        done += 1;
        if done.is_multiple_of(100) || done == total {
            ctx.progress(done, Some(total), None);
        }
    }
    failed
}

/// Renames the finished file into place and sums the export up.
fn finish_export(
    writer: Writer,
    failed: Vec<String>,
    scan: Option<ScanSummary>,
    start: Instant,
) -> Result<ExportSummary> {
    let format = writer.format;
    let (path, written, bytes) = writer.finish()?;
    Ok(ExportSummary {
        path,
        format,
        written: Count(written),
        bytes: Count(bytes),
        failed,
        scan,
        elapsed_ms: start.elapsed().as_secs_f64() * 1000.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_formulas_defused() {
        let mut s = String::new();
        for v in ["plain", "a,b", "say \"hi\"", "=SUM(A1)", "-1", "line\nbreak"] {
            csv_cell(&mut s, v);
            s.push('|');
        }
        assert_eq!(
            s,
            "plain|\"a,b\"|\"say \"\"hi\"\"\"|\"'=SUM(A1)\"|\"'-1\"|\"line\nbreak\"|"
        );
    }

    #[test]
    fn a_missing_folder_is_refused_and_nothing_is_left_behind() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("nope").join("x.json");
        assert!(Writer::create(bad.to_str().unwrap(), ExportFormat::Json, false).is_err());
        let path = dir.path().join("x.json");
        let w = Writer::create(path.to_str().unwrap(), ExportFormat::Json, false).unwrap();
        w.abandon();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let mut w = Writer::create(path.to_str().unwrap(), ExportFormat::Json, false).unwrap();
        w.put(b"half");
        drop(w);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "a dropped export leaves nothing"
        );
        let w = Writer::create(path.to_str().unwrap(), ExportFormat::Json, false).unwrap();
        let (p, n, _) = w.finish().unwrap();
        assert_eq!(n, 0);
        assert_eq!(std::fs::read_to_string(p).unwrap(), "[]\n");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "only the export itself"
        );
    }

    #[test]
    fn an_existing_file_is_replaced_only_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.csv");
        std::fs::write(&path, "mine").unwrap();
        let p = path.to_str().unwrap();
        let refused = Writer::create(p, ExportFormat::Csv, false).err().unwrap();
        assert_eq!(refused.code(), crate::error::ErrorCode::Conflict);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "mine");
        // Taken while the export ran: still not replaced, and nothing left behind.
        std::fs::remove_file(&path).unwrap();
        let w = Writer::create(p, ExportFormat::Csv, false).unwrap();
        std::fs::write(&path, "mine").unwrap();
        assert_eq!(
            w.finish().err().unwrap().code(),
            crate::error::ErrorCode::Conflict
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "mine");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        let w = Writer::create(p, ExportFormat::Csv, true).unwrap();
        w.finish().unwrap();
        assert!(std::fs::read_to_string(&path).unwrap().starts_with("topic,"));
    }
}
