//! Decoding the records of a trace message body, as the clients' trace dispatchers write them.
//!
//! A body holds up to 20 records; each record ends with char 2 and its fields are separated by
//! char 1. Field counts vary with the client's version (a Pub record has 12, 13, 14 or 15 fields;
//! a SubAfter 6, 7, 8 or 9), missing values are written as the text `null`, and a record this
//! decoder cannot read becomes a [`Malformed`](TraceRecord::Malformed) entry: one bad record never
//! hides the others, and nothing here panics or allocates beyond the body's size.

use serde::Serialize;

use crate::model::Millis;

/// Ends a field (between the fields of a record).
const FIELD: char = '\u{1}';
/// Ends a record.
const RECORD: char = '\u{2}';
/// The most of a malformed record kept to show.
const RAW_KEPT: usize = 200;

/// What a producer's send looked like (`Pub`).
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PubRecord {
    /// When the send started (the client's clock).
    pub timestamp: Millis,
    pub region: Option<String>,
    /// The producer group.
    pub group: String,
    pub topic: String,
    /// The message's unique key (the client-side message id).
    pub msg_id: String,
    pub tags: Option<String>,
    pub keys: Option<String>,
    /// The broker address the send went to.
    pub store_host: Option<String>,
    pub body_length: Option<u32>,
    /// How long the send took, in milliseconds.
    pub cost_ms: Option<Millis>,
    /// Normal, transaction half, transaction commit, delay or order (the client's `MessageType`).
    pub msg_type: String,
    pub offset_msg_id: Option<String>,
    /// The send's outcome; absent in the oldest 12-field records.
    pub success: Option<bool>,
    /// The producer's address (newer clients write it).
    pub client_host: Option<String>,
}

/// A consumer about to run its listener on a message (`SubBefore`).
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SubBeforeRecord {
    pub timestamp: Millis,
    pub region: Option<String>,
    /// The consumer group.
    pub group: String,
    /// Pairs this record with its `SubAfter`.
    pub request_id: String,
    pub msg_id: String,
    /// The message's reconsume count at this attempt (0 on the first delivery).
    pub retry_times: u32,
    pub keys: Option<String>,
}

/// The listener's result (`SubAfter`).
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SubAfterRecord {
    pub request_id: String,
    pub msg_id: String,
    pub cost_ms: Option<Millis>,
    pub success: bool,
    pub keys: Option<String>,
    /// How the listener returned (`ConsumeReturnType`): success, time out, exception, null, failed.
    pub result: Option<String>,
    /// When the listener returned (newer clients).
    pub timestamp: Option<Millis>,
    /// The consumer group (newer clients).
    pub group: Option<String>,
}

/// A transaction's end (`EndTransaction`).
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct EndTransactionRecord {
    pub timestamp: Millis,
    pub region: Option<String>,
    pub group: String,
    pub topic: String,
    pub msg_id: String,
    pub tags: Option<String>,
    pub keys: Option<String>,
    pub store_host: Option<String>,
    pub msg_type: String,
    pub transaction_id: Option<String>,
    /// COMMIT_MESSAGE, ROLLBACK_MESSAGE or UNKNOW, as the producer decided.
    pub transaction_state: String,
    /// Whether the broker's transaction check asked for this decision.
    pub from_transaction_check: bool,
}

/// A recall of a delayed message (`Recall`, 5.x).
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RecallRecord {
    pub timestamp: Millis,
    pub region: Option<String>,
    pub group: String,
    pub topic: String,
    pub msg_id: String,
    pub success: bool,
}

/// One record of a trace message.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum TraceRecord {
    Pub(PubRecord),
    SubBefore(SubBeforeRecord),
    SubAfter(SubAfterRecord),
    EndTransaction(EndTransactionRecord),
    Recall(RecallRecord),
    /// A record that could not be read: its start and why.
    Malformed {
        raw: String,
        reason: String,
    },
}

impl TraceRecord {
    /// The message id the record is about (none for a malformed one).
    pub fn msg_id(&self) -> Option<&str> {
        match self {
            Self::Pub(r) => Some(&r.msg_id),
            Self::SubBefore(r) => Some(&r.msg_id),
            Self::SubAfter(r) => Some(&r.msg_id),
            Self::EndTransaction(r) => Some(&r.msg_id),
            Self::Recall(r) => Some(&r.msg_id),
            Self::Malformed { .. } => None,
        }
    }

    /// The business keys written with the record (space separated, as the message carries them).
    pub fn keys(&self) -> Option<&str> {
        match self {
            Self::Pub(r) => r.keys.as_deref(),
            Self::SubBefore(r) => r.keys.as_deref(),
            Self::SubAfter(r) => r.keys.as_deref(),
            Self::EndTransaction(r) => r.keys.as_deref(),
            Self::Recall(_) | Self::Malformed { .. } => None,
        }
    }
}

/// Every record of a trace message body, in order.
pub fn decode(body: &str) -> Vec<TraceRecord> {
    body.split(RECORD)
        .filter(|r| !r.trim().is_empty())
        .map(|r| {
            let fields: Vec<&str> = r.split(FIELD).collect();
            record(&fields).unwrap_or_else(|reason| TraceRecord::Malformed {
                raw: r
                    .chars()
                    .take(RAW_KEPT)
                    .map(|c| if c == FIELD { '|' } else { c })
                    .collect(),
                reason,
            })
        })
        .collect()
}

/// The fields of one record, read by position.
struct Fields<'a> {
    f: &'a [&'a str],
}

impl<'a> Fields<'a> {
    /// Field `i` as given (an error when the record is shorter).
    fn text(&self, i: usize, what: &str) -> Result<&'a str, String> {
        self.f
            .get(i)
            .map(|s| s.trim_matches(['\r', '\n']))
            .ok_or_else(|| format!("no {what} (field {}; the record has {})", i + 1, self.f.len()))
    }
    fn string(&self, i: usize, what: &str) -> Result<String, String> {
        self.text(i, what).map(str::to_owned)
    }
    /// Field `i`, `None` when absent, empty or the text `null`.
    fn opt(&self, i: usize) -> Option<String> {
        self.f
            .get(i)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty() && *s != "null")
            .map(str::to_owned)
    }
    fn millis(&self, i: usize, what: &str) -> Result<Millis, String> {
        let t = self.text(i, what)?;
        t.trim()
            .parse::<i64>()
            .map(Millis)
            .map_err(|_| format!("{what} '{}' is not a number", clip(t)))
    }
    fn opt_num<T: std::str::FromStr>(&self, i: usize) -> Option<T> {
        self.opt(i).and_then(|s| s.parse().ok())
    }
    fn flag(&self, i: usize, what: &str) -> Result<bool, String> {
        // Java's Boolean.parseBoolean: "true" in any case, anything else is false.
        Ok(self.text(i, what)?.trim().eq_ignore_ascii_case("true"))
    }
    fn len(&self) -> usize {
        self.f.len()
    }
}

fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}

/// The client's `MessageType` by ordinal.
fn msg_type(ordinal: Option<u32>) -> String {
    match ordinal {
        Some(0) => "normal".into(),
        Some(1) => "transaction half".into(),
        Some(2) => "transaction commit".into(),
        Some(3) => "delay".into(),
        Some(4) => "order".into(),
        Some(n) => format!("type {n}"),
        None => "unknown".into(),
    }
}

/// The client's `ConsumeReturnType` by ordinal.
fn consume_result(ordinal: Option<u32>) -> Option<String> {
    ordinal.map(|n| match n {
        0 => "success".into(),
        1 => "timed out".into(),
        2 => "threw an exception".into(),
        3 => "returned null".into(),
        4 => "failed".into(),
        n => format!("result {n}"),
    })
}

fn record(fields: &[&str]) -> Result<TraceRecord, String> {
    let f = Fields { f: fields };
    let kind = f.text(0, "record type")?.trim();
    match kind {
        "Pub" => pub_record(&f).map(TraceRecord::Pub),
        "SubBefore" => Ok(TraceRecord::SubBefore(SubBeforeRecord {
            timestamp: f.millis(1, "timestamp")?,
            region: f.opt(2),
            group: f.string(3, "consumer group")?,
            request_id: f.string(4, "request id")?,
            msg_id: f.string(5, "message id")?,
            retry_times: f.opt_num(6).unwrap_or(0),
            keys: f.opt(7),
        })),
        "SubAfter" => Ok(TraceRecord::SubAfter(SubAfterRecord {
            request_id: f.string(1, "request id")?,
            msg_id: f.string(2, "message id")?,
            cost_ms: f.opt_num(3).map(Millis),
            success: f.flag(4, "success")?,
            keys: f.opt(5),
            result: consume_result(f.opt_num(6)),
            timestamp: f.opt_num(7).map(Millis),
            group: f.opt(8),
        })),
        "EndTransaction" => Ok(TraceRecord::EndTransaction(EndTransactionRecord {
            timestamp: f.millis(1, "timestamp")?,
            region: f.opt(2),
            group: f.string(3, "producer group")?,
            topic: f.string(4, "topic")?,
            msg_id: f.string(5, "message id")?,
            tags: f.opt(6),
            keys: f.opt(7),
            store_host: f.opt(8),
            msg_type: msg_type(f.opt_num(9)),
            transaction_id: f.opt(10),
            transaction_state: f.opt(11).unwrap_or_else(|| "unknown".into()),
            from_transaction_check: f.flag(12, "from transaction check").unwrap_or(false),
        })),
        "Recall" => Ok(TraceRecord::Recall(RecallRecord {
            timestamp: f.millis(1, "timestamp")?,
            region: f.opt(2),
            group: f.string(3, "group")?,
            topic: f.string(4, "topic")?,
            msg_id: f.string(5, "message id")?,
            success: f.flag(6, "success").unwrap_or(false),
        })),
        other => Err(format!("unknown record type '{}'", clip(other))),
    }
}

/// A Pub record: 12 fields (no outcome), 13 (outcome), 14 (offset id, outcome) or 15+ (and the
/// client's address).
fn pub_record(f: &Fields<'_>) -> Result<PubRecord, String> {
    let n = f.len();
    if n < 12 {
        return Err(format!("a Pub record has at least 12 fields, this one {n}"));
    }
    let (offset_msg_id, success, client_host) = match n {
        12 => (None, None, None),
        13 => (None, Some(f.flag(12, "success")?), None),
        14 => (f.opt(12), Some(f.flag(13, "success")?), None),
        _ => (f.opt(12), Some(f.flag(13, "success")?), f.opt(14)),
    };
    Ok(PubRecord {
        timestamp: f.millis(1, "timestamp")?,
        region: f.opt(2),
        group: f.string(3, "producer group")?,
        topic: f.string(4, "topic")?,
        msg_id: f.string(5, "message id")?,
        tags: f.opt(6),
        keys: f.opt(7),
        store_host: f.opt(8),
        body_length: f.opt_num(9),
        cost_ms: f.opt_num(10).map(Millis),
        msg_type: msg_type(f.opt_num(11)),
        offset_msg_id,
        success,
        client_host,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rec(fields: &[&str]) -> String {
        let mut s = fields.join("\u{1}");
        s.push('\u{2}');
        s
    }

    const ID: &str = "7F0000010B5C18B4AAC21C5F3C2A0000";

    #[test]
    fn every_record_type_and_its_field_count_variants() {
        let body = [
            // 14 fields (4.x/5.x Java): offset id + success.
            rec(&[
                "Pub",
                "1700000000000",
                "DefaultRegion",
                "pg",
                "orders",
                ID,
                "TagA",
                "k1 k2",
                "127.0.0.1:10911",
                "42",
                "3",
                "0",
                "C0A8000100002A9F0000000000000001",
                "true",
            ]),
            // 15 fields: + client host.
            rec(&[
                "Pub",
                "1700000000001",
                "DefaultRegion",
                "pg",
                "orders",
                ID,
                "null",
                "null",
                "127.0.0.1:10911",
                "42",
                "3",
                "1",
                "null",
                "false",
                "10.0.0.9",
            ]),
            // 13 fields: success only.
            rec(&[
                "Pub",
                "1700000000002",
                "r",
                "pg",
                "orders",
                ID,
                "",
                "",
                "h",
                "1",
                "2",
                "3",
                "true",
            ]),
            rec(&[
                "SubBefore",
                "1700000000100",
                "DefaultRegion",
                "cg",
                "req-1",
                ID,
                "0",
                "k1 k2",
            ]),
            // 8 fields (timestamp), then 9 (group), then 7 (cloud: no timestamp), 6 (oldest).
            rec(&[
                "SubAfter",
                "req-1",
                ID,
                "15",
                "false",
                "k1 k2",
                "4",
                "1700000000115",
            ]),
            rec(&[
                "SubAfter",
                "req-2",
                ID,
                "7",
                "true",
                "k1 k2",
                "0",
                "1700000001007",
                "cg",
            ]),
            rec(&["SubAfter", "req-3", ID, "7", "true", "k1 k2", "0"]),
            rec(&["SubAfter", "req-4", ID, "7", "true", "k1 k2"]),
            rec(&[
                "EndTransaction",
                "1700000000050",
                "DefaultRegion",
                "tx-pg",
                "orders",
                ID,
                "t",
                "k",
                "h:1",
                "1",
                "tx-9",
                "COMMIT_MESSAGE",
                "false",
            ]),
            rec(&[
                "Recall",
                "1700000000060",
                "DefaultRegion",
                "pg",
                "orders",
                ID,
                "true",
            ]),
        ]
        .concat();
        let r = decode(&body);
        assert_eq!(r.len(), 10, "{r:#?}");
        let TraceRecord::Pub(p) = &r[0] else {
            panic!("{:?}", r[0])
        };
        assert_eq!(
            p.offset_msg_id.as_deref(),
            Some("C0A8000100002A9F0000000000000001")
        );
        assert_eq!(
            (p.success, p.cost_ms, p.body_length),
            (Some(true), Some(Millis(3)), Some(42))
        );
        assert_eq!(p.msg_type, "normal");
        assert_eq!(p.keys.as_deref(), Some("k1 k2"));
        let TraceRecord::Pub(p) = &r[1] else { panic!() };
        assert_eq!(
            (p.tags.as_deref(), p.keys.as_deref(), p.offset_msg_id.as_deref()),
            (None, None, None)
        );
        assert_eq!(
            (p.success, p.client_host.as_deref()),
            (Some(false), Some("10.0.0.9"))
        );
        assert_eq!(p.msg_type, "transaction half");
        let TraceRecord::Pub(p) = &r[2] else { panic!() };
        assert_eq!((p.success, p.offset_msg_id.as_deref()), (Some(true), None));
        let TraceRecord::SubBefore(b) = &r[3] else {
            panic!()
        };
        assert_eq!(
            (b.group.as_str(), b.request_id.as_str(), b.retry_times),
            ("cg", "req-1", 0)
        );
        let TraceRecord::SubAfter(a) = &r[4] else { panic!() };
        assert_eq!(
            (a.success, a.cost_ms, a.result.as_deref()),
            (false, Some(Millis(15)), Some("failed"))
        );
        assert_eq!(
            (a.timestamp, a.group.as_deref()),
            (Some(Millis(1_700_000_000_115)), None)
        );
        let TraceRecord::SubAfter(a) = &r[5] else { panic!() };
        assert_eq!(a.group.as_deref(), Some("cg"));
        let TraceRecord::SubAfter(a) = &r[6] else { panic!() };
        assert_eq!((a.result.as_deref(), a.timestamp), (Some("success"), None));
        let TraceRecord::SubAfter(a) = &r[7] else { panic!() };
        assert_eq!((a.result.as_deref(), a.success), (None, true));
        let TraceRecord::EndTransaction(e) = &r[8] else {
            panic!()
        };
        assert_eq!(
            (e.transaction_state.as_str(), e.from_transaction_check),
            ("COMMIT_MESSAGE", false)
        );
        assert_eq!(e.transaction_id.as_deref(), Some("tx-9"));
        let TraceRecord::Recall(c) = &r[9] else { panic!() };
        assert!(c.success);
        assert!(r.iter().all(|x| x.msg_id() == Some(ID)));
    }

    #[test]
    fn a_bad_record_is_reported_and_the_others_still_read() {
        let body = [
            rec(&[
                "Pub",
                "yesterday",
                "r",
                "pg",
                "t",
                ID,
                "",
                "",
                "h",
                "1",
                "2",
                "0",
                "C0",
                "true",
            ]),
            rec(&["Pub", "1", "r", "pg"]),
            rec(&["Gossip", "1"]),
            rec(&["SubBefore", "1700000000100", "r", "cg", "req-1", ID, "2", ""]),
        ]
        .concat();
        let r = decode(&body);
        assert_eq!(r.len(), 4);
        let TraceRecord::Malformed { reason, .. } = &r[0] else {
            panic!("{:?}", r[0])
        };
        assert!(reason.contains("timestamp 'yesterday'"), "{reason}");
        let TraceRecord::Malformed { reason, .. } = &r[1] else {
            panic!()
        };
        assert!(reason.contains("at least 12 fields"), "{reason}");
        let TraceRecord::Malformed { reason, raw } = &r[2] else {
            panic!()
        };
        assert!(reason.contains("unknown record type 'Gossip'"), "{reason}");
        assert_eq!(raw, "Gossip|1");
        let TraceRecord::SubBefore(b) = &r[3] else {
            panic!()
        };
        assert_eq!((b.retry_times, b.keys.as_deref()), (2, None));
    }

    #[test]
    fn empty_and_whitespace_bodies_hold_no_records() {
        assert!(decode("").is_empty());
        assert!(decode("\u{2}\u{2}\n").is_empty());
    }

    proptest! {
        /// Any text, and any real record cut or mutated anywhere: no panic, and never more records
        /// than record separators plus one.
        #[test]
        fn never_panics_on_any_text(s in "\\PC{0,400}") {
            let r = decode(&s);
            prop_assert!(r.len() <= s.matches(RECORD).count() + 1);
        }

        #[test]
        fn mutated_real_records_never_panic(cut in 0usize..400, at in 0usize..400, c in any::<char>()) {
            let real = [
                rec(&["Pub", "1700000000000", "DefaultRegion", "pg", "orders", ID, "TagA", "k1", "h:1", "42", "3", "0", "C0", "true", "ip"]),
                rec(&["SubBefore", "1700000000100", "DefaultRegion", "cg", "req-1", ID, "0", "k1"]),
                rec(&["SubAfter", "req-1", ID, "15", "false", "k1", "4", "1700000000115", "cg"]),
                rec(&["EndTransaction", "1", "r", "g", "t", ID, "", "", "h", "1", "x", "UNKNOW", "true"]),
            ]
            .concat();
            let mut chars: Vec<char> = real.chars().collect();
            chars.truncate(cut.min(chars.len()));
            if !chars.is_empty() {
                let i = at % chars.len();
                chars[i] = c;
            }
            let s: String = chars.into_iter().collect();
            let _ = decode(&s);
        }
    }
}
