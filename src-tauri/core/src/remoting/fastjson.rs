//! A tolerant reader of fastjson's non-standard JSON, as Java brokers write several admin bodies:
//! bare numeric object keys (`{0:"a"}`) and objects used as keys
//! (`{{"brokerName":"b","queueId":0,"topic":"T"}:{...}}`).
//!
//! Every function here reads bytes a peer sent: each loop advances on every step, nothing
//! allocates more than a constant factor of its input, and malformed input is an error, never a
//! panic (property tests below, over random and mutated real bodies).

use crate::error::{Error, Result};

/// Quotes the bare numeric object keys fastjson writes (`{0:"a"}` → `{"0":"a"}`), leaving strings alone.
pub fn quote_numeric_keys(input: &str) -> String {
    let bytes = input.as_bytes();
    let mut out = String::with_capacity(input.len() + 16);
    let (mut i, mut in_str, mut esc, mut copied) = (0, false, false, 0);
    while i < bytes.len() {
        let b = bytes[i];
        if in_str {
            if esc {
                esc = false;
            } else if b == b'\\' {
                esc = true;
            } else if b == b'"' {
                in_str = false;
            }
            i += 1;
            continue;
        }
        match b {
            b'"' => {
                in_str = true;
                i += 1;
            }
            b'{' | b',' => {
                // After an object start or a comma, a bare number followed by ':' is a key.
                let mut j = i + 1;
                while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                    j += 1;
                }
                let start = j;
                while j < bytes.len() && (bytes[j].is_ascii_digit() || bytes[j] == b'-') {
                    j += 1;
                }
                let end = j;
                while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                    j += 1;
                }
                if end > start && j < bytes.len() && bytes[j] == b':' {
                    out.push_str(&input[copied..start]);
                    out.push('"');
                    out.push_str(&input[start..end]);
                    out.push('"');
                    copied = end;
                }
                i = end.max(i + 1);
            }
            _ => i += 1,
        }
    }
    out.push_str(&input[copied..]);
    out
}

/// Parses a JSON object whose keys may themselves be JSON objects (fastjson writes
/// `{{"brokerName":"b","queueId":0,"topic":"T"}:{...}}`; the rocketmq-rust broker writes the same key
/// as a JSON string). Returns (key, value) pairs, each key as a JSON value.
pub fn object_keyed_entries(text: &str) -> Result<Vec<(serde_json::Value, serde_json::Value)>> {
    let bad = |why: String| Error::BrokerRejected {
        target: "peer".into(),
        operation: "decode object-keyed map".into(),
        code: -1,
        detail: format!("{why}: {}", text.chars().take(120).collect::<String>()),
    };
    raw_entries(text)?
        .into_iter()
        .map(|(k, v)| {
            let mut key: serde_json::Value = serde_json::from_str(k).map_err(|e| bad(format!("key: {e}")))?;
            // A key written as a string that holds JSON (rocketmq-rust): decode the inner JSON.
            if let Some(inner) = key.as_str().filter(|s| s.starts_with('{')) {
                key = serde_json::from_str(inner).map_err(|e| bad(format!("inner key: {e}")))?;
            }
            let value = serde_json::from_str(v).map_err(|e| bad(format!("value: {e}")))?;
            Ok((key, value))
        })
        .collect()
}

/// The end (exclusive) of the JSON value starting at `start`: balanced braces/brackets, strings aware.
fn value_end(b: &[u8], start: usize) -> Option<usize> {
    let (mut depth, mut in_str, mut esc) = (0i32, false, false);
    let mut i = start;
    while i < b.len() {
        let c = b[i];
        if in_str {
            if esc {
                esc = false;
            } else if c == b'\\' {
                esc = true;
            } else if c == b'"' {
                in_str = false;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
        } else {
            match c {
                b'"' => in_str = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(i + 1);
                    }
                    if depth < 0 {
                        return Some(i);
                    }
                }
                b',' | b':' if depth == 0 => return Some(i),
                _ => {}
            }
        }
        i += 1;
    }
    (depth == 0 && !in_str).then_some(i)
}

/// The raw JSON slices of the elements of an array (elements of any shape, fastjson object keys included).
pub fn raw_elements(text: &str) -> Result<Vec<&str>> {
    let bad = |why: &str| Error::BrokerRejected {
        target: "peer".into(),
        operation: "decode array".into(),
        code: -1,
        detail: format!("{why}: {}", text.chars().take(120).collect::<String>()),
    };
    let b = text.as_bytes();
    let skip_ws = |mut i: usize| {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    };
    let mut i = skip_ws(0);
    if b.get(i) != Some(&b'[') {
        return Err(bad("not an array"));
    }
    i += 1;
    let mut out = Vec::new();
    loop {
        i = skip_ws(i);
        match b.get(i) {
            Some(b']') => return Ok(out),
            Some(b',') => {
                i += 1;
                continue;
            }
            None => return Err(bad("unterminated array")),
            _ => {}
        }
        let end = value_end(b, i).ok_or_else(|| bad("unterminated element"))?;
        // A stray `}` or `:` ends no element: refuse it rather than read nothing forever.
        if end <= i {
            return Err(bad("unexpected character in array"));
        }
        out.push(&text[i..end]);
        i = end;
    }
}

/// The raw (key, value) JSON slices of an object, keys and values of any JSON shape.
pub fn raw_entries(text: &str) -> Result<Vec<(&str, &str)>> {
    let bad = |why: &str| Error::BrokerRejected {
        target: "peer".into(),
        operation: "decode object-keyed map".into(),
        code: -1,
        detail: format!("{why}: {}", text.chars().take(120).collect::<String>()),
    };
    let b = text.as_bytes();
    let skip_ws = |mut i: usize| {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    };
    let value_end = |start: usize| value_end(b, start);
    let mut i = skip_ws(0);
    if b.get(i) != Some(&b'{') {
        return Err(bad("not an object"));
    }
    i += 1;
    let mut out = Vec::new();
    loop {
        i = skip_ws(i);
        match b.get(i) {
            Some(b'}') => return Ok(out),
            Some(b',') => {
                i += 1;
                continue;
            }
            None => return Err(bad("unterminated object")),
            _ => {}
        }
        let key_start = i;
        let kend = value_end(i).ok_or_else(|| bad("unterminated key"))?;
        let key = &text[i..kend];
        i = skip_ws(kend);
        if b.get(i) != Some(&b':') {
            return Err(bad("expected ':' after a key"));
        }
        i = skip_ws(i + 1);
        let vend = value_end(i).ok_or_else(|| bad("unterminated value"))?;
        if vend <= i || kend <= key_start {
            return Err(bad("empty key or value"));
        }
        out.push((key, &text[i..vend]));
        i = vend;
    }
}

/// Decodes a JSON reply body (fastjson numeric keys tolerated).
pub fn decode_json<T: serde::de::DeserializeOwned>(body: &[u8], what: &str) -> Result<T> {
    // Fast path: standard JSON straight from the bytes (no copy); most bodies are.
    if let Ok(v) = serde_json::from_slice(body) {
        return Ok(v);
    }
    let text = String::from_utf8_lossy(body);
    serde_json::from_str(&quote_numeric_keys(&text)).map_err(|e| Error::BrokerRejected {
        target: "peer".into(),
        operation: format!("decode {what}"),
        code: -1,
        detail: format!(
            "unexpected {what} body ({e}): {}",
            text.chars().take(200).collect::<String>()
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn fastjson_numeric_keys_are_quoted_but_strings_untouched() {
        let raw = r#"{"brokerAddrs":{0:"127.0.0.1:10911", 1 :"b"},"note":"{0:x}","n":[1,2]}"#;
        let fixed = quote_numeric_keys(raw);
        assert_eq!(
            fixed,
            r#"{"brokerAddrs":{"0":"127.0.0.1:10911", "1" :"b"},"note":"{0:x}","n":[1,2]}"#
        );
        let v: serde_json::Value = serde_json::from_str(&fixed).unwrap();
        assert_eq!(v["n"][1], 2);
    }

    #[test]
    fn object_keyed_maps_of_java_and_rust_brokers_decode() {
        // Captured from Apache RocketMQ 4.9.7 / 5.5.0 (object keys) and rocketmq-rust 1.0 (string keys).
        let e = object_keyed_entries(JAVA_OFFSET_TABLE).unwrap();
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].0["queueId"], 0);
        assert_eq!(e[0].1["maxOffset"], 3);
        assert_eq!(e[1].1["lastUpdateTimestamp"], 5);
        let rust = r#"{"{\"topic\":\"T\",\"brokerName\":\"broker-a\",\"queueId\":1}":{"minOffset":0,"maxOffset":7,"lastUpdateTimestamp":9}}"#;
        let e = object_keyed_entries(rust).unwrap();
        assert_eq!(
            (e[0].0["queueId"].as_i64(), e[0].1["maxOffset"].as_i64()),
            (Some(1), Some(7))
        );
        assert!(object_keyed_entries("{}").unwrap().is_empty());
        assert!(object_keyed_entries("{{\"a\":1}").is_err());
        assert!(object_keyed_entries("[1]").is_err());
    }

    #[test]
    fn stray_closers_in_arrays_and_objects_are_refused_not_spun_on() {
        // A consume-stats reply cut to `[}` once made the array reader loop forever.
        for bad in [
            "[}",
            "[ : ]",
            "[1,}",
            "[{\"a\":1}:]",
            "{\"a\":}",
            "{:1}",
            "{\"a\" 1}",
            "[",
            "{",
        ] {
            assert!(raw_elements(bad).is_err() || raw_entries(bad).is_err(), "{bad}");
        }
        assert!(raw_elements("[}").is_err());
        assert!(raw_elements("[:]").is_err());
        assert_eq!(
            raw_elements("[1, {\"a\":[2]}, \"x]\"]").unwrap(),
            vec!["1", "{\"a\":[2]}", "\"x]\""]
        );
        assert!(raw_elements("[]").unwrap().is_empty());
    }

    /// An offset table as a 5.x broker writes it (objects as keys).
    const JAVA_OFFSET_TABLE: &str = r#"{{"brokerName":"broker-a","queueId":0,"topic":"T"}:{"lastUpdateTimestamp":0,"maxOffset":3,"minOffset":1},{"brokerName":"broker-a","queueId":1,"topic":"T"}:{"lastUpdateTimestamp":5,"maxOffset":0,"minOffset":0}}"#;
    /// A broker-wide consume-stats body as a 4.9 broker writes it.
    const JAVA_BROKER_STATS: &str = r#"{"brokerAddr":"127.0.0.1:10911","consumeStatsList":[{"g1":[{"consumeTps":0.0,"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:{"brokerOffset":5,"consumerOffset":3,"lastTimestamp":0}}}]}],"totalDiff":2}"#;

    fn mutate(base: &str, flips: &[(prop::sample::Index, u8)], cut: prop::sample::Index) -> String {
        let mut bytes = base.as_bytes().to_vec();
        for (i, b) in flips {
            let at = i.index(bytes.len());
            // Keep it text: mutations pick JSON's structural characters and a few others.
            bytes[at] = b"{}[]:,\"\\ 0a-"[usize::from(*b) % 12];
        }
        bytes.truncate(cut.index(bytes.len() + 1));
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// Runs every reader over `text`: none may panic or spin.
    fn read_all(text: &str) {
        let _ = quote_numeric_keys(text);
        let _ = raw_elements(text);
        if let Ok(entries) = raw_entries(text) {
            for (_, v) in entries {
                let _ = raw_elements(v);
                let _ = raw_entries(v);
            }
        }
        let _ = object_keyed_entries(text);
        let _ = decode_json::<serde_json::Value>(text.as_bytes(), "test");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn random_text_is_read_or_refused(text in "[\\[\\]{}:,\"\\\\ 0-9a-z-]{0,64}") {
            read_all(&text);
        }

        #[test]
        fn mutated_real_bodies_are_read_or_refused(
            which in 0usize..2,
            flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
            cut in any::<prop::sample::Index>(),
        ) {
            let base = [JAVA_OFFSET_TABLE, JAVA_BROKER_STATS][which];
            read_all(&mutate(base, &flips, cut));
        }

        #[test]
        fn quoting_keeps_valid_json_valid(v in any::<u32>(), s in "[a-z{}:0-9]{0,10}") {
            let text = serde_json::json!({"k": v, "s": s, "a": [v, v]}).to_string();
            prop_assert_eq!(quote_numeric_keys(&text), text);
        }
    }
}
