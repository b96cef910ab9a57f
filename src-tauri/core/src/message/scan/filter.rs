//! A scan's filter compiled once (tags, key, property, body substring or regex, store host) and
//! matched against stored messages or message views; bodies are decompressed only when a body
//! filter needs them.

use crate::error::{Error, Result};
use crate::message::{MessageView, Stored};

use super::{DEFAULT_SCAN_LIMIT, MAX_SCAN_LIMIT, PropertyMatch, ScanFilter, ScanRequest};

/// The compiled filter.
pub(crate) struct Matcher {
    tags: Option<Vec<String>>,
    key: Option<String>,
    property: Option<PropertyMatch>,
    /// The body substring, searched as bytes.
    body_finder: Option<memchr::memmem::Finder<'static>>,
    body_regex: Option<regex::Regex>,
    store_host: Option<String>,
}

impl Matcher {
    pub(crate) fn new(f: &ScanFilter) -> Result<Self> {
        let some = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let body_regex = match some(&f.body_regex) {
            Some(r) => Some(
                regex::RegexBuilder::new(&r)
                    .size_limit(1 << 20)
                    .build()
                    .map_err(|e| {
                        Error::validation(format!("The body pattern is not a valid regular expression: {e}"))
                    })?,
            ),
            None => None,
        };
        Ok(Self {
            tags: some(&f.tags).map(|t| {
                t.split("||")
                    .map(|x| x.trim().to_owned())
                    .filter(|x| !x.is_empty() && x != "*")
                    .collect()
            }),
            key: some(&f.key),
            property: f.property.clone(),
            body_finder: f
                .body_contains
                .as_deref()
                .filter(|s| !s.is_empty())
                .map(|s| memchr::memmem::Finder::new(s.as_bytes()).into_owned()),
            body_regex,
            store_host: some(&f.store_host),
        })
    }

    pub(crate) fn matches(&self, m: &impl Probe) -> bool {
        if let Some(tags) = self.tags.as_ref().filter(|t| !t.is_empty())
            && !m.tag().is_some_and(|t| tags.iter().any(|x| x == t))
        {
            return false;
        }
        if let Some(k) = &self.key
            && !m.has_key(k)
        {
            return false;
        }
        match &self.property {
            Some(PropertyMatch::Equals { name, value }) if m.prop(name) != Some(value.as_str()) => {
                return false;
            }
            Some(PropertyMatch::Contains { name, value })
                if !m.prop(name).is_some_and(|v| v.contains(value.as_str())) =>
            {
                return false;
            }
            _ => {}
        }
        if let Some(h) = &self.store_host
            && !m.host_is(h)
        {
            return false;
        }
        if let Some(f) = &self.body_finder
            && f.find(m.bytes()).is_none()
        {
            return false;
        }
        if self.body_finder.is_some() || self.body_regex.is_some() {
            // Only text bodies match a body filter (checked after the byte search: most fail it).
            let Some(text) = m.text() else {
                return false;
            };
            if let Some(r) = &self.body_regex
                && !r.is_match(text)
            {
                return false;
            }
        }
        true
    }
}

/// What a filter looks at in a message, decoded ([`Stored`]) or viewed ([`MessageView`]).
pub(crate) trait Probe {
    fn tag(&self) -> Option<&str>;
    fn has_key(&self, key: &str) -> bool;
    fn prop(&self, name: &str) -> Option<&str>;
    fn host_is(&self, host: &str) -> bool;
    fn text(&self) -> Option<&str>;
    fn bytes(&self) -> &[u8];
}

impl<B: AsRef<[u8]>> Probe for Stored<B> {
    fn tag(&self) -> Option<&str> {
        self.tags()
    }
    fn has_key(&self, key: &str) -> bool {
        Stored::has_key(self, key)
    }
    fn prop(&self, name: &str) -> Option<&str> {
        Stored::prop(self, name)
    }
    fn host_is(&self, host: &str) -> bool {
        host.parse::<std::net::SocketAddr>().map_or_else(
            |_| self.store_host().to_string() == host,
            |h| h == self.store_host(),
        )
    }
    fn text(&self) -> Option<&str> {
        Stored::text(self)
    }
    fn bytes(&self) -> &[u8] {
        self.body()
    }
}

impl Probe for MessageView {
    fn tag(&self) -> Option<&str> {
        self.tags.as_deref()
    }
    fn has_key(&self, key: &str) -> bool {
        self.keys.iter().any(|k| k == key)
    }
    fn prop(&self, name: &str) -> Option<&str> {
        self.properties.get(name).map(String::as_str)
    }
    fn host_is(&self, host: &str) -> bool {
        self.store_host == host
    }
    fn text(&self) -> Option<&str> {
        self.body_text.as_deref()
    }
    fn bytes(&self) -> &[u8] {
        self.body_text.as_deref().map_or(&[], str::as_bytes)
    }
}

/// Checks a scan request: its cap and compiled filter.
pub(crate) fn check_scan(req: &ScanRequest) -> Result<(u32, Matcher)> {
    if req.topic.trim().is_empty() {
        return Err(Error::validation("Give the topic to scan."));
    }
    if req.begin.0 > req.end.0 {
        return Err(Error::validation("The range starts after it ends."));
    }
    let limit = req.limit.unwrap_or(DEFAULT_SCAN_LIMIT);
    if limit == 0 || limit > MAX_SCAN_LIMIT {
        return Err(Error::validation(format!(
            "The cap must be between 1 and {MAX_SCAN_LIMIT} (got {limit})."
        )));
    }
    Ok((limit, Matcher::new(&req.filter)?))
}
