//! The commit-log layout of a stored message (`MessageDecoder.decode`), decoded without copying:
//! [`Stored`] reads the fixed fields and where the body, topic and properties lie in the message's
//! bytes, which it borrows from the reply ([`StoredRef`], while a scan looks at it) or shares
//! (once kept), and decompresses the body (capped) only when it is read. Turned into rows and
//! views for the UI here too.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::MessageView;
use super::decompress;
use crate::error::{Error, Result};
use crate::model::{Millis, Offset};

/// A stored message as decoded from a reply, before it becomes a [`MessageView`]: its fixed fields
/// read, and where its body, topic and properties lie in its bytes (no copy, no map, no base64),
/// so a scan can test a million messages against its filter and build rows or views only for the
/// matches. `B` holds the message's bytes: a slice of the reply while a scan looks at it
/// ([`StoredRef`], no reference count touched per message), [`bytes::Bytes`] once it is kept.
pub(crate) struct Stored<B = bytes::Bytes> {
    raw: B,
    f: Fields,
    /// A compressed body decompressed (capped), on first use only: a scan decompresses just the
    /// messages a body filter reads or that are shown. Unused for an uncompressed body.
    decoded: std::sync::OnceLock<std::result::Result<Vec<u8>, String>>,
}

/// A stored message borrowed from the reply it came in.
pub(crate) type StoredRef<'a> = Stored<&'a [u8]>;

/// The fixed fields of a stored message and where its variable parts lie (byte ranges).
#[derive(Debug, Clone, Copy)]
struct Fields {
    queue_id: i32,
    queue_offset: i64,
    commit_log_offset: i64,
    sys_flag: i32,
    body_crc: u32,
    born_timestamp: i64,
    born_host: std::net::SocketAddr,
    store_timestamp: i64,
    store_host: std::net::SocketAddr,
    reconsume_times: i32,
    topic: (usize, usize),
    /// `key\u{1}value\u{2}` pairs, as stored.
    properties: (usize, usize),
    /// The body as stored (compressed when the sys flag says so).
    body: (usize, usize),
}

fn malformed(detail: String) -> Error {
    Error::BrokerRejected {
        target: "broker".into(),
        operation: "decode message".into(),
        code: -1,
        detail: format!("malformed stored message: {detail}"),
    }
}

/// Reads the commit-log layout (`MessageDecoder.decode`), big-endian.
struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    /// Skips `n` bytes; returns their range.
    fn span(&mut self, n: usize) -> Result<(usize, usize)> {
        let end = self
            .at
            .checked_add(n)
            .filter(|end| *end <= self.b.len())
            .ok_or_else(|| malformed(format!("{n} bytes wanted at {} of {}", self.at, self.b.len())))?;
        let s = (self.at, end);
        self.at = end;
        Ok(s)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let (from, to) = self.span(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(&self.b[from..to]);
        Ok(a)
    }
    fn i16(&mut self) -> Result<i16> {
        self.array().map(i16::from_be_bytes)
    }
    fn i32(&mut self) -> Result<i32> {
        self.array().map(i32::from_be_bytes)
    }
    fn i64(&mut self) -> Result<i64> {
        self.array().map(i64::from_be_bytes)
    }
    fn len(n: i64) -> Result<usize> {
        usize::try_from(n).map_err(|_| malformed(format!("negative length {n}")))
    }
    fn host(&mut self, v6: bool) -> Result<std::net::SocketAddr> {
        let ip: std::net::IpAddr = if v6 {
            std::net::Ipv6Addr::from(self.array::<16>()?).into()
        } else {
            std::net::Ipv4Addr::from(self.array::<4>()?).into()
        };
        let port = self.i32()?;
        Ok(std::net::SocketAddr::new(ip, u16::try_from(port).unwrap_or(0)))
    }
}

const MAGIC_V1: i32 = -626_843_481; // 0xDAA320A7
const MAGIC_V2: i32 = -626_843_477; // 0xDAA320AB
const BORN_HOST_V6: i32 = 1 << 4;
const STORE_HOST_V6: i32 = 1 << 5;

impl Fields {
    /// Reads one message of the commit-log layout; `b` is that message's bytes.
    fn read(b: &[u8]) -> Result<Self> {
        let mut r = Reader { b, at: 0 };
        let _size = r.i32()?;
        let magic = r.i32()?;
        if magic != MAGIC_V1 && magic != MAGIC_V2 {
            return Err(malformed(format!("unknown magic code {magic:#x}")));
        }
        let body_crc = u32::from_be_bytes(r.array()?);
        let queue_id = r.i32()?;
        let _flag = r.i32()?;
        let queue_offset = r.i64()?;
        let commit_log_offset = r.i64()?;
        let sys_flag = r.i32()?;
        let born_timestamp = r.i64()?;
        let born_host = r.host(sys_flag & BORN_HOST_V6 != 0)?;
        let store_timestamp = r.i64()?;
        let store_host = r.host(sys_flag & STORE_HOST_V6 != 0)?;
        let reconsume_times = r.i32()?;
        let _prepared = r.i64()?;
        let n = r.i32()?;
        let body = r.span(Reader::len(n.into())?)?;
        let topic_len = if magic == MAGIC_V2 {
            i64::from(r.i16()?)
        } else {
            i64::from(r.array::<1>()?[0])
        };
        let topic = r.span(Reader::len(topic_len)?)?;
        let props_len = r.i16()?;
        let properties = r.span(Reader::len(props_len.into())?)?;
        Ok(Self {
            queue_id,
            queue_offset,
            commit_log_offset,
            sys_flag,
            body_crc,
            born_timestamp,
            born_host,
            store_timestamp,
            store_host,
            reconsume_times,
            topic,
            properties,
            body,
        })
    }
}

impl<'a> StoredRef<'a> {
    /// Reads one message of the commit-log layout from `raw`, its bytes.
    pub(crate) fn read(raw: &'a [u8]) -> Result<Self> {
        Fields::read(raw).map(|f| Stored {
            raw,
            f,
            decoded: std::sync::OnceLock::new(),
        })
    }

    /// The same message kept: its bytes become a slice of `reply` (which `self` borrows from).
    pub(crate) fn keep(&self, reply: &bytes::Bytes) -> Stored {
        Stored {
            raw: reply.slice_ref(self.raw),
            f: self.f,
            decoded: self.decoded.clone(),
        }
    }
}

impl<B: AsRef<[u8]>> Stored<B> {
    fn part(&self, (from, to): (usize, usize)) -> &[u8] {
        &self.raw.as_ref()[from..to]
    }

    /// The body as stored.
    fn raw_body(&self) -> &[u8] {
        self.part(self.f.body)
    }

    /// The body decompressed, or why it cannot be.
    fn decoded(&self) -> std::result::Result<&[u8], &str> {
        if !decompress::is_compressed(self.f.sys_flag) {
            return Ok(self.raw_body());
        }
        match self.decoded.get_or_init(|| {
            decompress::body(self.f.sys_flag, self.raw_body(), decompress::MAX_DECOMPRESSED)
                .map(std::borrow::Cow::into_owned)
        }) {
            Ok(b) => Ok(b),
            Err(e) => Err(e),
        }
    }

    fn pairs(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.part(self.f.properties)
            .split(|b| *b == 2)
            .filter_map(|kv| kv.iter().position(|b| *b == 1).map(|i| (&kv[..i], &kv[i + 1..])))
    }

    pub(crate) fn prop(&self, name: &str) -> Option<&str> {
        self.pairs()
            .find(|(k, _)| *k == name.as_bytes())
            .and_then(|(_, v)| std::str::from_utf8(v).ok())
    }
    pub(crate) fn tags(&self) -> Option<&str> {
        self.prop("TAGS")
    }
    pub(crate) fn has_key(&self, key: &str) -> bool {
        self.prop("KEYS").is_some_and(|k| k.split(' ').any(|x| x == key))
    }
    pub(crate) fn store_host(&self) -> std::net::SocketAddr {
        self.f.store_host
    }
    /// The body as text when it is valid UTF-8 (never for a body that cannot be decompressed).
    pub(crate) fn text(&self) -> Option<&str> {
        self.decoded().ok().and_then(|b| std::str::from_utf8(b).ok())
    }
    /// The body decompressed; as stored when it cannot be.
    pub(crate) fn body(&self) -> &[u8] {
        self.decoded().unwrap_or_else(|_| self.raw_body())
    }
    pub(crate) fn queue_offset(&self) -> i64 {
        self.f.queue_offset
    }
    pub(crate) fn store_timestamp(&self) -> i64 {
        self.f.store_timestamp
    }
    pub(crate) fn body_size(&self) -> u32 {
        u32::try_from(self.body().len()).unwrap_or(u32::MAX)
    }
    pub(crate) fn offset_msg_id(&self) -> String {
        offset_msg_id(self.f.store_host, self.f.commit_log_offset)
    }

    fn topic(&self) -> String {
        String::from_utf8_lossy(self.part(self.f.topic)).into_owned()
    }

    fn keys(&self) -> Vec<String> {
        self.prop("KEYS")
            .map(|k| {
                k.split(' ')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The list row: no body beyond its first characters.
    pub(crate) fn row(&self, broker_name: &str) -> MessageRow {
        MessageRow {
            topic: self.topic(),
            msg_id: self.prop("UNIQ_KEY").map(str::to_owned),
            offset_msg_id: self.offset_msg_id(),
            tags: self.tags().map(str::to_owned),
            keys: self.keys(),
            broker_name: broker_name.to_owned(),
            queue_id: u32::try_from(self.f.queue_id).unwrap_or(0),
            queue_offset: Offset(self.f.queue_offset),
            store_timestamp: Millis(self.f.store_timestamp),
            born_timestamp: Millis(self.f.born_timestamp),
            born_host: self.f.born_host.to_string(),
            store_host: self.f.store_host.to_string(),
            reconsume_times: u32::try_from(self.f.reconsume_times).unwrap_or(0),
            body_size: self.body_size(),
            body_preview: self.text().map(preview),
        }
    }

    /// The full view: every property, the body as base64 and as text when it is UTF-8.
    pub(crate) fn view(&self) -> MessageView {
        let properties: BTreeMap<String, String> = self
            .pairs()
            .map(|(k, v)| {
                (
                    String::from_utf8_lossy(k).into_owned(),
                    String::from_utf8_lossy(v).into_owned(),
                )
            })
            .collect();
        MessageView {
            topic: self.topic(),
            msg_id: properties.get("UNIQ_KEY").cloned(),
            offset_msg_id: self.offset_msg_id(),
            tags: properties.get("TAGS").cloned(),
            keys: self.keys(),
            queue_id: u32::try_from(self.f.queue_id).unwrap_or(0),
            queue_offset: Offset(self.f.queue_offset),
            commit_log_offset: Offset(self.f.commit_log_offset),
            born_timestamp: Millis(self.f.born_timestamp),
            store_timestamp: Millis(self.f.store_timestamp),
            born_host: self.f.born_host.to_string(),
            store_host: self.f.store_host.to_string(),
            reconsume_times: u32::try_from(self.f.reconsume_times).unwrap_or(0),
            sys_flag: u32::try_from(self.f.sys_flag).unwrap_or(0),
            body_crc: self.f.body_crc,
            body_size: self.body_size(),
            body_text: self.text().map(str::to_owned),
            body_base64: base64::engine::general_purpose::STANDARD.encode(self.body()),
            body_error: self.decoded().err().map(str::to_owned),
            properties,
        }
    }
}

/// Decodes a stored message (the commit-log layout) into a view.
pub fn decode_view(body: &[u8]) -> Result<MessageView> {
    StoredRef::read(body).map(|s| s.view())
}

/// The broker's offset message id: store IP (4 or 16 bytes), port (4), commit-log offset (8), hex.
pub fn offset_msg_id(store: std::net::SocketAddr, offset: i64) -> String {
    let mut b = Vec::with_capacity(28);
    match store.ip() {
        std::net::IpAddr::V4(ip) => b.extend_from_slice(&ip.octets()),
        std::net::IpAddr::V6(ip) => b.extend_from_slice(&ip.octets()),
    }
    b.extend_from_slice(&i32::from(store.port()).to_be_bytes());
    b.extend_from_slice(&offset.to_be_bytes());
    b.iter().map(|x| format!("{x:02X}")).collect()
}

/// Characters of a text body shown in a list row.
const PREVIEW_CHARS: usize = 160;

/// One message of a result list.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct MessageRow {
    pub topic: String,
    pub msg_id: Option<String>,
    pub offset_msg_id: String,
    pub tags: Option<String>,
    pub keys: Vec<String>,
    pub broker_name: String,
    pub queue_id: u32,
    pub queue_offset: Offset,
    pub store_timestamp: Millis,
    pub born_timestamp: Millis,
    pub born_host: String,
    pub store_host: String,
    pub reconsume_times: u32,
    pub body_size: u32,
    /// The start of the body when it is text.
    pub body_preview: Option<String>,
}

/// Splits a reply body of stored messages (each prefixed by its total size) into [`Stored`]
/// messages, without copying their bodies.
pub(crate) fn decode_stored(body: bytes::Bytes) -> Result<Vec<Stored>> {
    stored_in(&body).map(|m| m.map(|m| m.keep(&body))).collect()
}

/// The messages of a reply body (each prefixed by its total size), borrowed from it: nothing is
/// allocated or reference-counted per message. Ends after the first malformed message.
pub(crate) fn stored_in(body: &[u8]) -> impl Iterator<Item = Result<StoredRef<'_>>> {
    let mut at = 0usize;
    std::iter::from_fn(move || {
        if at + 4 > body.len() {
            return None;
        }
        let size = i32::from_be_bytes([body[at], body[at + 1], body[at + 2], body[at + 3]]);
        let size = usize::try_from(size).unwrap_or(0);
        if size < 4 || at + size > body.len() {
            let left = body.len() - at;
            at = body.len();
            return Some(Err(Error::BrokerRejected {
                target: "broker".into(),
                operation: "decode messages".into(),
                code: -1,
                detail: format!(
                    "a stored message at byte {} says it is {size} bytes long; the reply has {left} left",
                    body.len() - left
                ),
            }));
        }
        let raw = &body[at..at + size];
        at += size;
        let m = StoredRef::read(raw);
        if m.is_err() {
            at = body.len();
        }
        Some(m)
    })
}

/// The messages of a reply body made views.
pub fn decode_views(body: &[u8]) -> Result<Vec<MessageView>> {
    stored_in(body).map(|m| m.map(|m| m.view())).collect()
}

/// The start of a text body, for list rows.
pub(crate) fn preview(text: &str) -> String {
    text.chars().take(PREVIEW_CHARS).collect()
}

pub(crate) fn row_of(m: MessageView, broker_name: &str) -> MessageRow {
    MessageRow {
        body_preview: m
            .body_text
            .as_ref()
            .map(|t| t.chars().take(PREVIEW_CHARS).collect()),
        topic: m.topic,
        msg_id: m.msg_id,
        offset_msg_id: m.offset_msg_id,
        tags: m.tags,
        keys: m.keys,
        broker_name: broker_name.to_owned(),
        queue_id: m.queue_id,
        queue_offset: m.queue_offset,
        store_timestamp: m.store_timestamp,
        born_timestamp: m.born_timestamp,
        born_host: m.born_host,
        store_host: m.store_host,
        reconsume_times: m.reconsume_times,
        body_size: m.body_size,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::io::Write;

    /// One message in the commit-log layout (V1 magic, IPv4 hosts).
    fn stored(topic: &str, props: &str, body: &[u8], sys_flag: i32) -> Vec<u8> {
        let mut m = Vec::new();
        m.extend_from_slice(&0i32.to_be_bytes()); // total size, set below
        m.extend_from_slice(&MAGIC_V1.to_be_bytes());
        m.extend_from_slice(&0u32.to_be_bytes()); // body CRC
        m.extend_from_slice(&1i32.to_be_bytes()); // queue id
        m.extend_from_slice(&0i32.to_be_bytes()); // flag
        m.extend_from_slice(&7i64.to_be_bytes()); // queue offset
        m.extend_from_slice(&1234i64.to_be_bytes()); // commit-log offset
        m.extend_from_slice(&sys_flag.to_be_bytes());
        m.extend_from_slice(&1_700_000_000_000i64.to_be_bytes()); // born
        m.extend_from_slice(&[127, 0, 0, 1]);
        m.extend_from_slice(&5000i32.to_be_bytes());
        m.extend_from_slice(&1_700_000_000_001i64.to_be_bytes()); // stored
        m.extend_from_slice(&[127, 0, 0, 1]);
        m.extend_from_slice(&10911i32.to_be_bytes());
        m.extend_from_slice(&0i32.to_be_bytes()); // reconsume times
        m.extend_from_slice(&0i64.to_be_bytes()); // prepared transaction offset
        m.extend_from_slice(&(body.len() as i32).to_be_bytes());
        m.extend_from_slice(body);
        m.push(topic.len() as u8);
        m.extend_from_slice(topic.as_bytes());
        m.extend_from_slice(&(props.len() as i16).to_be_bytes());
        m.extend_from_slice(props.as_bytes());
        let size = m.len() as i32;
        m[..4].copy_from_slice(&size.to_be_bytes());
        m
    }

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn a_decompression_bomb_is_refused_with_why_and_the_other_messages_read_on() {
        let zlib_flag = 1 | (3 << 8);
        let bomb = zlib(&vec![b'a'; 64 * 1024 * 1024]);
        let mut reply = stored("T", "TAGS\u{1}x\u{2}", &bomb, zlib_flag);
        reply.extend(stored("T", "TAGS\u{1}y\u{2}", &zlib(b"order 42 paid"), zlib_flag));
        reply.extend(stored("T", "", b"plain body", 0));
        let all = super::decode_stored(bytes::Bytes::from(reply)).unwrap();
        assert_eq!(all.len(), 3);
        // Decoding decompressed nothing yet.
        assert!(all.iter().all(|m| m.decoded.get().is_none()));
        let view = all[0].view();
        assert!(
            view.body_error
                .as_deref()
                .is_some_and(|e| e.contains("expands past 16 MiB")),
            "{view:?}"
        );
        assert!(
            view.body_text.is_none(),
            "a refused body never matches a body filter"
        );
        assert_eq!(all[0].body().len(), bomb.len(), "shown as stored");
        assert_eq!(all[1].text(), Some("order 42 paid"));
        assert_eq!(all[1].view().body_error, None);
        assert_eq!(all[2].text(), Some("plain body"));
        assert_eq!((all[2].queue_offset(), all[2].row("b").tags), (7, None));
    }

    #[test]
    fn borrowed_messages_read_as_kept_ones_and_stop_at_the_first_malformed() {
        let mut reply = stored("T", "TAGS\u{1}x\u{2}KEYS\u{1}a b\u{2}", b"first", 0);
        reply.extend(stored("T", "", &zlib(b"second"), 1 | (3 << 8)));
        let good = reply.len();
        let mut broken = stored("T", "", b"third", 0);
        broken[4] ^= 0xff; // magic code
        reply.extend(broken);
        reply.extend(stored("T", "", b"fourth", 0));
        let reply = bytes::Bytes::from(reply);
        let all: Vec<_> = super::stored_in(&reply).collect();
        assert_eq!(all.len(), 3, "two messages, then the error, then nothing");
        let first = all[0].as_ref().unwrap();
        assert_eq!(
            (first.tags(), first.has_key("b"), first.text()),
            (Some("x"), true, Some("first"))
        );
        assert_eq!(all[1].as_ref().unwrap().text(), Some("second"));
        assert!(all[2].as_ref().is_err_and(|e| format!("{e:?}").contains("magic")));
        let kept = first.keep(&reply);
        assert_eq!(kept.view().body_text.as_deref(), Some("first"));
        assert_eq!(kept.row("b").keys, ["a", "b"]);
        assert!(super::decode_stored(reply.slice(..good)).is_ok_and(|v| v.len() == 2));
        assert!(
            super::decode_stored(reply).is_err(),
            "a malformed message fails the whole reply"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn random_bytes_decode_as_messages_or_fail(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            if let Ok(all) = super::decode_stored(bytes::Bytes::from(bytes)) {
                for m in all {
                    let _ = m.view();
                }
            }
        }

        #[test]
        fn mutated_real_messages_decode_or_fail(
            flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
            cut in any::<prop::sample::Index>(),
            compressed in any::<bool>(),
        ) {
            let mut bytes = if compressed {
                stored("TopicA", "KEYS\u{1}k1 k2\u{2}UNIQ_KEY\u{1}AB\u{2}", &zlib(b"{\"id\":1}"), 1 | (3 << 8))
            } else {
                stored("TopicA", "KEYS\u{1}k1 k2\u{2}UNIQ_KEY\u{1}AB\u{2}", b"{\"id\":1}", 0)
            };
            for (i, b) in flips {
                let at = i.index(bytes.len());
                bytes[at] = b;
            }
            let end = cut.index(bytes.len() + 1);
            bytes.truncate(end);
            if let Ok(all) = super::decode_stored(bytes::Bytes::from(bytes)) {
                for m in all {
                    let v = m.view();
                    prop_assert!(v.body_size as usize <= decompress::MAX_DECOMPRESSED.max(300));
                    let _ = m.row("b");
                }
            }
        }
    }
}
