//! The per-connection dialer, under every socket the console opens: the address-rewrite table
//! (brokers that advertise container or private addresses) and TLS (rustls).
//!
//! A Java name server or broker in `tls.server.mode=permissive` (the default) takes plain and TLS
//! connections on the same port and tells them apart by the first byte (`0x16` starts a TLS
//! handshake); in `enforcing` mode it takes TLS only and closes a plain connection at once.

mod tls;
use tls::client_config;

use std::collections::BTreeMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use rustls::pki_types::ServerName;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Instant;

use crate::error::{Error, Result};

/// How the server's certificate is checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum TlsVerify {
    /// Against the operating system's trusted roots.
    SystemRoots,
    /// Against the CA certificates (PEM) in a file.
    CaFile { path: String },
    /// Not at all: any certificate is accepted (the connection header shows a warning).
    AcceptAny,
}

/// TLS settings of a connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TlsSpec {
    pub verify: TlsVerify,
    /// Mutual TLS: a client certificate chain (PEM) and its private key (PEM: PKCS#8, PKCS#1 or
    /// SEC1, or encrypted PKCS#8 with its passphrase kept in the keychain).
    pub client_cert: Option<String>,
    pub client_key: Option<String>,
}

/// One row of the address-rewrite table: an advertised `host:port` (or `host`, any port) and the
/// reachable `host:port` (or `host`, same port) to dial instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Rewrite {
    pub from: String,
    pub to: String,
}

/// What the dialer of a connection is built from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DialSpec {
    pub tls: Option<TlsSpec>,
    pub rewrites: Vec<Rewrite>,
    /// The passphrase of an encrypted client key (a secret: never saved with the profile).
    pub key_passphrase: Option<String>,
}

/// What a TLS handshake showed, for the connection test.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TlsSession {
    /// The address dialled.
    pub addr: String,
    /// `TLSv1_3`, `TLSv1_2`.
    pub protocol: String,
    pub cipher_suite: String,
    /// The server certificate's subject and issuer (RFC 4514), and its expiry (ms since epoch).
    pub subject: String,
    pub issuer: String,
    pub not_after: crate::model::Millis,
    /// The certificate was not checked (accept-any).
    pub unverified: bool,
}

/// Dials addresses for one connection: rewrite, TCP, TLS.
pub struct Dialer {
    rewrites: Vec<Rewrite>,
    tls: Option<(Arc<rustls::ClientConfig>, bool)>,
    seen: Mutex<Seen>,
}

#[derive(Default)]
struct Seen {
    rewrites: BTreeMap<String, String>,
    sessions: BTreeMap<String, TlsSession>,
}

impl std::fmt::Debug for Dialer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dialer")
            .field("rewrites", &self.rewrites.len())
            .field("tls", &self.tls.is_some())
            .finish()
    }
}

impl Dialer {
    /// Plain TCP, no rewrite.
    pub fn plain() -> Self {
        Self {
            rewrites: Vec::new(),
            tls: None,
            seen: Mutex::default(),
        }
    }

    /// A dialer for `spec`: reads the CA and client-certificate files now, so a wrong path is a
    /// clear `Validation` error before anything is dialled.
    pub fn new(spec: &DialSpec) -> Result<Self> {
        for r in &spec.rewrites {
            validate_rewrite(r)?;
        }
        let tls = spec
            .tls
            .as_ref()
            .map(|t| {
                client_config(t, spec.key_passphrase.as_deref())
                    .map(|c| (Arc::new(c), t.verify == TlsVerify::AcceptAny))
            })
            .transpose()?;
        Ok(Self {
            rewrites: spec.rewrites.clone(),
            tls,
            seen: Mutex::default(),
        })
    }

    /// The address dialled for an advertised `addr`: the first matching rewrite, else `addr`.
    pub fn target(&self, addr: &str) -> String {
        rewrite(&self.rewrites, addr).unwrap_or_else(|| addr.to_owned())
    }

    /// Every rewrite applied so far (advertised → dialled), and every TLS session's details.
    pub fn seen(&self) -> (BTreeMap<String, String>, Vec<TlsSession>) {
        self.seen.lock().map_or_else(
            |_| (BTreeMap::new(), Vec::new()),
            |s| (s.rewrites.clone(), s.sessions.values().cloned().collect()),
        )
    }

    pub fn tls_enabled(&self) -> bool {
        self.tls.is_some()
    }

    /// A connection to `addr` (after rewrite; with TLS when on), before `deadline`.
    pub async fn connect(&self, addr: &str, deadline: Instant, timeout: Duration) -> Result<Conn> {
        if addr.is_empty() {
            return Err(Error::Unreachable {
                target: "broker".into(),
                detail: "its master is not registered with the name server (down, or reconnecting)".into(),
            });
        }
        let target = self.target(addr);
        let via = if target == addr {
            String::new()
        } else {
            if let Ok(mut s) = self.seen.lock() {
                s.rewrites.insert(addr.to_owned(), target.clone());
            }
            format!(" (advertised as {addr}, dialled through the rewrite table)")
        };
        let tcp = match tokio::time::timeout_at(deadline, TcpStream::connect(&target)).await {
            Err(_) => {
                return Err(Error::Timeout {
                    operation: format!("connect to {target}{via}"),
                    timeout,
                });
            }
            Ok(r) => r.map_err(|e| Error::Unreachable {
                target: target.clone(),
                detail: format!("connect: {e}{via}"),
            })?,
        };
        // Request/reply frames: never hold a frame back waiting for more.
        let _ = tcp.set_nodelay(true);
        let Some((config, unverified)) = &self.tls else {
            return Ok(Conn::Plain(tcp));
        };
        // The certificate is checked against the advertised host: the broker's identity, whatever
        // address the rewrite table dials.
        let host = host_of(addr);
        let name = ServerName::try_from(host.to_owned()).map_err(|e| Error::Validation {
            message: format!("'{host}' cannot be a TLS server name: {e}"),
        })?;
        let connector = tokio_rustls::TlsConnector::from(Arc::clone(config));
        let tls = match tokio::time::timeout_at(deadline, connector.connect(name, tcp)).await {
            Err(_) => {
                return Err(Error::Tls {
                    target: target.clone(),
                    detail: format!(
                        "no TLS handshake answer within {} ms{via}: the port may not speak TLS \
                         (turn TLS off for this connection, or check the port)",
                        timeout.as_millis()
                    ),
                });
            }
            Ok(r) => r.map_err(|e| handshake_error(&target, &e, &via))?,
        };
        if let Some(session) = session_of(&target, &tls, *unverified)
            && let Ok(mut s) = self.seen.lock()
        {
            s.sessions.insert(target.clone(), session);
        }
        Ok(Conn::Tls(Box::new(tls)))
    }
}

/// When `e` is the server refusing the client's certificate (or its absence), what to do about it.
pub(crate) fn refused_client(e: &rustls::Error) -> Option<String> {
    use rustls::AlertDescription as A;
    match e {
        rustls::Error::AlertReceived(
            a @ (A::BadCertificate
            | A::CertificateRequired
            | A::UnknownCA
            | A::CertificateUnknown
            | A::CertificateExpired
            | A::CertificateRevoked
            | A::UnsupportedCertificate
            | A::AccessDenied),
        ) => Some(format!(
            "the server refused the TLS session ({a:?}): it requires a client certificate (mutual \
             TLS) signed by a CA it trusts; give the connection a client certificate and its key"
        )),
        _ => None,
    }
}

/// Why a TLS handshake failed, in words an operator can act on.
fn handshake_error(target: &str, e: &std::io::Error, via: &str) -> Error {
    let inner = e
        .get_ref()
        .and_then(|i| i.downcast_ref::<rustls::Error>())
        .cloned();
    let detail = match inner {
        Some(rustls::Error::InvalidCertificate(c)) => format!(
            "the server's certificate is not trusted ({c:?}){via}: give the CA file that signed it, \
             or (test clusters only) accept any certificate"
        ),
        Some(other) => match refused_client(&other) {
            Some(hint) => format!("{hint}{via}"),
            None => format!("TLS handshake failed: {other}{via}"),
        },
        None if e.kind() == std::io::ErrorKind::UnexpectedEof
            || e.kind() == std::io::ErrorKind::ConnectionReset =>
        {
            format!(
                "the server closed the connection during the TLS handshake ({e}){via}: the port may \
                 not speak TLS, or it requires a client certificate"
            )
        }
        None => format!("TLS handshake failed: {e}{via}"),
    };
    Error::Tls {
        target: target.to_owned(),
        detail,
    }
}

fn session_of(
    target: &str,
    tls: &tokio_rustls::client::TlsStream<TcpStream>,
    unverified: bool,
) -> Option<TlsSession> {
    let conn = tls.get_ref().1;
    let der = conn.peer_certificates()?.first()?;
    let (_, cert) = x509_parser::parse_x509_certificate(der.as_ref()).ok()?;
    Some(TlsSession {
        addr: target.to_owned(),
        protocol: conn
            .protocol_version()
            .map(|v| format!("{v:?}"))
            .unwrap_or_default(),
        cipher_suite: conn
            .negotiated_cipher_suite()
            .map(|s| format!("{:?}", s.suite()))
            .unwrap_or_default(),
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        not_after: crate::model::Millis(cert.validity().not_after.timestamp().saturating_mul(1000)),
        unverified,
    })
}

/// The host part of `host:port` (IPv6 in brackets).
fn host_of(addr: &str) -> &str {
    if let Some(rest) = addr.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    addr.rsplit_once(':').map_or(addr, |(h, _)| h)
}

fn split_port(addr: &str) -> (&str, Option<&str>) {
    match addr.rsplit_once(':') {
        Some((h, p)) if !h.is_empty() && p.chars().all(|c| c.is_ascii_digit()) && !p.is_empty() => {
            (h, Some(p))
        }
        _ => (addr, None),
    }
}

/// The rewritten address of `addr`, if a row matches it: `host:port` rows match exactly, `host`
/// rows any port of that host (the port is kept when the target names none).
pub fn rewrite(rows: &[Rewrite], addr: &str) -> Option<String> {
    let (host, port) = split_port(addr);
    rows.iter().find_map(|r| {
        let (from_host, from_port) = split_port(r.from.trim());
        let matches = from_host.eq_ignore_ascii_case(host) && (from_port.is_none() || from_port == port);
        matches.then(|| {
            let to = r.to.trim();
            match (split_port(to), port) {
                ((h, None), Some(p)) => format!("{h}:{p}"),
                _ => to.to_owned(),
            }
        })
    })
}

/// A rewrite row's problems, in words.
pub fn validate_rewrite(r: &Rewrite) -> Result<()> {
    let bad = |what: &str, v: &str| {
        Err(Error::validation(format!(
            "Address rewrite '{}' → '{}': {what} '{v}' is not a host or host:port.",
            r.from, r.to
        )))
    };
    for (what, v) in [("from", r.from.trim()), ("to", r.to.trim())] {
        if v.matches(':').count() > 1 && !v.starts_with('[') {
            return Err(Error::validation(format!(
                "Address rewrite '{}' → '{}': write the IPv6 address '{v}' in brackets, e.g. [::1]:10911.",
                r.from, r.to
            )));
        }
        let (h, p) = split_port(v);
        let host_ok = !h.is_empty()
            && h.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '[' | ']' | ':'));
        let port_ok = p.is_none_or(|p| p.parse::<u16>().is_ok_and(|n| n > 0));
        if !host_ok || !port_ok || v.contains(char::is_whitespace) {
            return bad(what, v);
        }
    }
    Ok(())
}

/// A connection: plain TCP or TLS over it.
pub enum Conn {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

impl Conn {
    /// The TCP socket under the connection (for the liveness peek).
    pub fn tcp(&self) -> &TcpStream {
        match self {
            Self::Plain(s) => s,
            Self::Tls(s) => s.get_ref().0,
        }
    }
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_flush(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(from: &str, to: &str) -> Rewrite {
        Rewrite {
            from: from.into(),
            to: to.into(),
        }
    }

    #[test]
    fn rewrites_match_host_port_or_host_and_keep_the_port() {
        let rows = [
            row("broker-a.invalid:10911", "127.0.0.1:20911"),
            row("broker-b.invalid", "127.0.0.1"),
            row("172.17.0.2", "127.0.0.1:30000"),
        ];
        assert_eq!(
            rewrite(&rows, "broker-a.invalid:10911").as_deref(),
            Some("127.0.0.1:20911")
        );
        assert_eq!(
            rewrite(&rows, "broker-a.invalid:10909"),
            None,
            "host:port rows match exactly"
        );
        assert_eq!(
            rewrite(&rows, "BROKER-B.invalid:10911").as_deref(),
            Some("127.0.0.1:10911")
        );
        assert_eq!(
            rewrite(&rows, "172.17.0.2:10911").as_deref(),
            Some("127.0.0.1:30000")
        );
        assert_eq!(rewrite(&rows, "10.0.0.1:10911"), None);
        let d = Dialer::new(&DialSpec {
            tls: None,
            rewrites: rows.to_vec(),
            key_passphrase: None,
        })
        .unwrap();
        assert_eq!(d.target("10.0.0.1:1"), "10.0.0.1:1");
        assert_eq!(host_of("[::1]:9876"), "::1");
        assert_eq!(host_of("broker:1"), "broker");
    }

    #[test]
    fn bad_rows_and_files_are_refused_with_why() {
        assert!(validate_rewrite(&row("a:1", "b:2")).is_ok());
        assert!(
            validate_rewrite(&row("", "b:2"))
                .unwrap_err()
                .to_string()
                .contains("from ''")
        );
        assert!(validate_rewrite(&row("a:99999", "b")).is_err());
        assert!(validate_rewrite(&row("a b", "b")).is_err());
        assert!(
            validate_rewrite(&row("::1", "b"))
                .unwrap_err()
                .to_string()
                .contains("brackets")
        );
        assert!(validate_rewrite(&row("[::1]:10911", "127.0.0.1")).is_ok());
        let missing = TlsSpec {
            verify: TlsVerify::CaFile {
                path: "/nonexistent/ca.pem".into(),
            },
            client_cert: None,
            client_key: None,
        };
        let e = Dialer::new(&DialSpec {
            tls: Some(missing),
            rewrites: vec![],
            key_passphrase: None,
        })
        .unwrap_err();
        assert!(e.to_string().contains("cannot be read"), "{e}");
        let half = TlsSpec {
            verify: TlsVerify::AcceptAny,
            client_cert: Some("/x.pem".into()),
            client_key: None,
        };
        assert!(
            Dialer::new(&DialSpec {
                tls: Some(half),
                rewrites: vec![],
                key_passphrase: None,
            })
            .unwrap_err()
            .to_string()
            .contains("both")
        );
    }

    #[test]
    fn an_encrypted_client_key_opens_with_its_passphrase_only() {
        let dir = tempfile::tempdir().unwrap();
        let at = |f: &str| dir.path().join(f).display().to_string();
        let run = |args: &[&str]| {
            let ok = std::process::Command::new("openssl")
                .args(args)
                .stderr(std::process::Stdio::null())
                .status()
                .unwrap()
                .success();
            assert!(ok, "openssl {args:?}");
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
            &at("client.pem"),
            "-days",
            "2",
            "-subj",
            "/CN=client",
        ]);
        run(&[
            "pkcs8",
            "-topk8",
            "-v2",
            "aes-256-cbc",
            "-in",
            &at("plain.key"),
            "-out",
            &at("client.key"),
            "-passout",
            "pass:s3cret",
        ]);
        let spec = |pass: Option<&str>| DialSpec {
            tls: Some(TlsSpec {
                verify: TlsVerify::AcceptAny,
                client_cert: Some(at("client.pem")),
                client_key: Some(at("client.key")),
            }),
            rewrites: vec![],
            key_passphrase: pass.map(str::to_owned),
        };
        let err = |pass: Option<&str>| Dialer::new(&spec(pass)).err().unwrap().to_string();
        assert!(
            err(None).contains("is encrypted: give its passphrase"),
            "{}",
            err(None)
        );
        assert!(
            err(Some("wrong")).contains("cannot be opened with this passphrase"),
            "{}",
            err(Some("wrong"))
        );
        assert!(Dialer::new(&spec(Some("s3cret"))).is_ok());
        // The unencrypted key still reads without one.
        let mut plain = spec(None);
        if let Some(t) = plain.tls.as_mut() {
            t.client_key = Some(at("plain.key"));
        }
        assert!(Dialer::new(&plain).is_ok());
        // Another key than the certificate's.
        run(&["genpkey", "-algorithm", "RSA", "-out", &at("other.key")]);
        if let Some(t) = plain.tls.as_mut() {
            t.client_key = Some(at("other.key"));
        }
        let e = Dialer::new(&plain).err().unwrap().to_string();
        assert!(e.contains("does not belong to the client certificate"), "{e}");
    }
}
