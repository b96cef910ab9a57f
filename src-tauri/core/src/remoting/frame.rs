//! The remoting frame: encoding requests (with ACL signing) and decoding replies.
//!
//! Frame (big-endian): total length (4) = 4 + header length + body length; header length with the
//! serialization type in its high byte (4, JSON = 0); the JSON header; the body. ACL signing follows
//! the Java `AclClientRPCHook`: HMAC-SHA1 over the ext-field values sorted by key, then the body.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;

use crate::error::{Error, Result};

/// Protocol version announced in requests (a 4.9-era value every supported server accepts).
const VERSION: i32 = 401;
/// Largest reply accepted (a cluster table of thousands of brokers, or a 10,000-topic config
/// table of ~2 MB, stays far below; brokers cap a pull reply near one large message).
pub const MAX_FRAME: usize = 16 * 1024 * 1024;

/// A decoded reply.
#[derive(Debug, Clone)]
pub struct Reply {
    pub code: i32,
    pub remark: Option<String>,
    /// Header fields of the reply (e.g. a send result's `msgId`, `queueId`, `queueOffset`).
    pub ext: HashMap<String, String>,
    pub body: Vec<u8>,
    /// The server's RocketMQ version code (`MQVersion` ordinal), as every reply header carries it.
    pub version: i32,
    /// The request's opaque, echoed: which request a reply answers on a pipelined connection.
    pub opaque: i32,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReplyHeader {
    code: i32,
    #[serde(default)]
    remark: Option<String>,
    #[serde(default)]
    ext_fields: Option<HashMap<String, serde_json::Value>>,
    #[serde(default)]
    version: i32,
    #[serde(default)]
    opaque: i32,
}

/// Encodes a request frame with `opaque` (the id its reply echoes); `credentials` (access key,
/// secret key) sign it.
pub fn encode(
    code: i32,
    mut ext: BTreeMap<String, String>,
    body: &[u8],
    credentials: Option<(&str, &str)>,
    opaque: i32,
) -> Result<Vec<u8>> {
    if let Some((ak, sk)) = credentials {
        ext.insert("AccessKey".to_owned(), ak.to_owned());
        let mut content: Vec<u8> = ext.values().flat_map(|v| v.bytes()).collect();
        content.extend_from_slice(body);
        let signature = rocketmq_client_rust::AclSigner::cal_signature(&content, sk)
            .map_err(|e| Error::internal(format!("ACL signature: {e}")))?;
        ext.insert("Signature".to_owned(), signature);
    }
    let mut header = serde_json::json!({
        "code": code,
        "language": "JAVA",
        "version": VERSION,
        "opaque": opaque,
        "flag": 0,
        "serializeTypeCurrentRPC": "JSON",
    });
    // No fields, no `extFields`: a Java server decodes a present map into the request's header
    // class, and a 5.x broker logs every missing required field of it at ERROR (e.g. the paging
    // `topicSeq` of GET_ALL_TOPIC_CONFIG and `groupSeq` of GET_ALL_SUBSCRIPTIONGROUP_CONFIG).
    if !ext.is_empty() {
        header["extFields"] = serde_json::json!(ext);
    }
    let header = serde_json::to_vec(&header).map_err(|e| Error::internal(format!("encode header: {e}")))?;
    let total =
        u32::try_from(4 + header.len() + body.len()).map_err(|_| Error::validation("request too large"))?;
    let header_len = u32::try_from(header.len()).map_err(|_| Error::validation("header too large"))?;
    let mut frame = Vec::with_capacity(8 + header.len() + body.len());
    frame.extend_from_slice(&total.to_be_bytes());
    frame.extend_from_slice(&(header_len & 0x00ff_ffff).to_be_bytes());
    frame.extend_from_slice(&header);
    frame.extend_from_slice(body);
    Ok(frame)
}

/// The error of a reply that cannot be read.
pub(crate) fn malformed(why: &str) -> Error {
    Error::BrokerRejected {
        target: "peer".into(),
        operation: "decode reply".into(),
        code: -1,
        detail: format!("malformed remoting frame: {why}"),
    }
}

/// Decodes a reply frame without its 4-byte total-length prefix.
pub fn decode_reply(payload: &[u8]) -> Result<Reply> {
    let Some(len_bytes) = payload.get(..4) else {
        return Err(malformed("shorter than 4 bytes"));
    };
    let mut raw = [0u8; 4];
    raw.copy_from_slice(len_bytes);
    let with_type = u32::from_be_bytes(raw);
    if with_type >> 24 != 0 {
        return Err(malformed("not a JSON-serialized header"));
    }
    let header_len = usize::try_from(with_type & 0x00ff_ffff).map_err(|_| malformed("header length"))?;
    let header = payload
        .get(4..4 + header_len)
        .ok_or_else(|| malformed("header longer than frame"))?;
    let header: ReplyHeader =
        serde_json::from_slice(header).map_err(|e| malformed(&format!("header is not JSON: {e}")))?;
    let ext = header
        .ext_fields
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => (k, s),
            other => (k, other.to_string()),
        })
        .collect();
    Ok(Reply {
        code: header.code,
        version: header.version,
        remark: header.remark,
        opaque: header.opaque,
        ext,
        body: payload.get(4 + header_len..).unwrap_or(&[]).to_vec(),
    })
}

/// For fake servers in tests: takes the complete request frames off the front of `buf` and
/// returns their headers.
#[cfg(test)]
pub(crate) fn take_request_headers(buf: &mut Vec<u8>) -> Vec<serde_json::Value> {
    take_requests(buf).into_iter().map(|(h, _)| h).collect()
}

/// For fake servers in tests: takes the complete request frames off the front of `buf` and
/// returns their headers and bodies.
#[cfg(test)]
pub(crate) fn take_requests(buf: &mut Vec<u8>) -> Vec<(serde_json::Value, Vec<u8>)> {
    let mut out = Vec::new();
    while buf.len() >= 4 {
        let total = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
        if buf.len() < 4 + total {
            break;
        }
        let hl = (u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]) & 0xff_ffff) as usize;
        #[allow(clippy::expect_used)]
        let header = serde_json::from_slice(&buf[8..8 + hl]).expect("a JSON request header");
        out.push((header, buf[8 + hl..4 + total].to_vec()));
        buf.drain(..4 + total);
    }
    out
}

/// For fake servers in tests: a reply frame (with its length prefix) from a JSON header.
#[cfg(test)]
pub(crate) fn reply_frame(header: &serde_json::Value, body: &[u8]) -> Vec<u8> {
    #[allow(clippy::expect_used)]
    let header = serde_json::to_vec(header).expect("JSON");
    let mut f = ((4 + header.len() + body.len()) as u32).to_be_bytes().to_vec();
    f.extend_from_slice(&(header.len() as u32).to_be_bytes());
    f.extend_from_slice(&header);
    f.extend_from_slice(body);
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn frames_round_trip_and_malformed_ones_are_rejected() {
        let frame = encode(106, BTreeMap::new(), b"", Some(("ak", "sk")), 7).unwrap();
        let total = u32::from_be_bytes([frame[0], frame[1], frame[2], frame[3]]) as usize;
        assert_eq!(total, frame.len() - 4);
        let header_len = u32::from_be_bytes([frame[4], frame[5], frame[6], frame[7]]) as usize;
        let header: serde_json::Value = serde_json::from_slice(&frame[8..8 + header_len]).unwrap();
        assert_eq!(header["code"], 106);
        assert_eq!(header["opaque"], 7);
        assert_eq!(header["extFields"]["AccessKey"], "ak");
        assert!(
            header["extFields"]["Signature"]
                .as_str()
                .is_some_and(|s| !s.is_empty())
        );
        assert!(decode_reply(&[0, 0]).is_err());
        assert!(decode_reply(&[1, 0, 0, 2, b'{', b'}']).is_err());
        assert!(decode_reply(&[0, 0, 0, 9, b'{', b'}']).is_err());
        let ok = decode_reply(&[
            0, 0, 0, 10, b'{', b'"', b'c', b'o', b'd', b'e', b'"', b':', b'0', b'}', b'x',
        ])
        .unwrap();
        assert_eq!((ok.code, ok.body.as_slice()), (0, &b"x"[..]));
    }

    fn real_reply() -> Vec<u8> {
        // A 5.x broker's send reply header, then a body.
        let f = reply_frame(
            &serde_json::json!({"code":0,"extFields":{"msgId":"7F00000100002A9F0000000000000000","queueId":"3",
                "queueOffset":"12","transactionId":null},"flag":1,"language":"JAVA","opaque":42,
                "serializeTypeCurrentRPC":"JSON","version":475}),
            b"{\"a\":1}",
        );
        f[4..].to_vec()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn any_bytes_decode_or_fail_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = decode_reply(&bytes);
        }

        #[test]
        fn mutated_real_replies_decode_or_fail_without_panicking(
            flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
            cut in any::<prop::sample::Index>(),
        ) {
            let mut bytes = real_reply();
            for (i, b) in flips {
                let at = i.index(bytes.len());
                bytes[at] = b;
            }
            let end = cut.index(bytes.len() + 1);
            let _ = decode_reply(&bytes[..end]);
        }

        #[test]
        fn encoded_requests_decode_as_frames(code in any::<i32>(), opaque in any::<i32>(),
            fields in proptest::collection::btree_map("[a-zA-Z]{1,8}", ".{0,16}", 0..6),
            body in proptest::collection::vec(any::<u8>(), 0..64)) {
            let frame = encode(code, fields.clone(), &body, None, opaque).unwrap();
            let mut buf = frame.clone();
            let got = take_requests(&mut buf);
            prop_assert!(buf.is_empty());
            prop_assert_eq!(got.len(), 1);
            prop_assert_eq!(&got[0].0["code"], &serde_json::json!(code));
            prop_assert_eq!(&got[0].0["opaque"], &serde_json::json!(opaque));
            prop_assert_eq!(&got[0].1, &body);
            for (k, v) in fields {
                prop_assert_eq!(&got[0].0["extFields"][&k], &serde_json::json!(v));
            }
        }
    }
}
