//! Checking a connection draft: name-server addresses, colour, TLS files, rewrite rows; the
//! normalised values a profile is saved with.

use crate::error::{Error, Result};
use crate::remoting::{DialSpec, Dialer, Rewrite};

use super::{ConnectionDraft, default_color, to_json};

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
pub(super) struct Valid {
    pub(super) name: String,
    pub(super) addrs: Vec<String>,
    pub(super) access_key: Option<String>,
    pub(super) secret: Option<String>,
    pub(super) env_label: String,
    pub(super) env_color: String,
    pub(super) tls: Option<String>,
    pub(super) rewrites: String,
    pub(super) trace_topic: String,
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
pub(super) enum Files {
    Check,
    Skip,
}

pub(super) fn validate(draft: &ConnectionDraft) -> Result<Valid> {
    validate_with(draft, Files::Check)
}

pub(super) fn validate_with(draft: &ConnectionDraft, files: Files) -> Result<Valid> {
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
    let trace_topic = draft
        .trace_topic
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .unwrap_or(super::DEFAULT_TRACE_TOPIC)
        .to_owned();
    crate::safety::check_name("trace topic", &trace_topic, 127)?;
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
            key_passphrase: draft.key_passphrase.clone(),
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
        trace_topic,
    })
}
