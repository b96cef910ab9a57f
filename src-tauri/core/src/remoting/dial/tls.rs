//! A connection's rustls client configuration: how the server's certificate is checked (system
//! roots, a CA file, or accept any), and mutual TLS with a client certificate and its key
//! (unencrypted PEM, or encrypted PKCS#8 opened with its passphrase).

use std::sync::Arc;

use base64::Engine as _;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

use crate::error::{Error, Result};

use super::{TlsSpec, TlsVerify};

fn read_certs(path: &str, what: &str) -> Result<Vec<CertificateDer<'static>>> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
        .map_err(|e| Error::validation(format!("{what} '{path}' cannot be read: {e}")))?
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| Error::validation(format!("{what} '{path}' is not PEM certificates: {e}")))?;
    if certs.is_empty() {
        return Err(Error::validation(format!(
            "{what} '{path}' holds no certificate."
        )));
    }
    Ok(certs)
}

pub(super) fn client_config(spec: &TlsSpec, passphrase: Option<&str>) -> Result<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::internal(format!("TLS versions: {e}")))?;
    let builder = match &spec.verify {
        TlsVerify::AcceptAny => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAny(provider))),
        TlsVerify::SystemRoots => {
            let mut roots = rustls::RootCertStore::empty();
            let found = rustls_native_certs::load_native_certs();
            let (added, _) = roots.add_parsable_certificates(found.certs);
            if added == 0 {
                return Err(Error::validation(
                    "No trusted root certificate was found on this system: give a CA file instead.",
                ));
            }
            builder.with_root_certificates(roots)
        }
        TlsVerify::CaFile { path } => {
            let mut roots = rustls::RootCertStore::empty();
            for c in read_certs(path, "CA file")? {
                roots
                    .add(c)
                    .map_err(|e| Error::validation(format!("CA file '{path}': {e}")))?;
            }
            builder.with_root_certificates(roots)
        }
    };
    match (&spec.client_cert, &spec.client_key) {
        (None, None) => Ok(builder.with_no_client_auth()),
        (Some(cert), Some(key)) => {
            let chain = read_certs(cert, "Client certificate")?;
            let key = read_key(key, passphrase)?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| Error::validation(client_cert_error(&e)))
        }
        _ => Err(Error::validation(
            "Mutual TLS needs both a client certificate and its key.",
        )),
    }
}

const ENCRYPTED_BEGIN: &str = "-----BEGIN ENCRYPTED PRIVATE KEY-----";
const ENCRYPTED_END: &str = "-----END ENCRYPTED PRIVATE KEY-----";

/// Reads a client key: an unencrypted PEM key (PKCS#8, PKCS#1 or SEC1), or an encrypted PKCS#8 key
/// (`ENCRYPTED PRIVATE KEY`, PBES2 as `openssl pkcs8 -topk8` writes it) opened with `passphrase`.
fn read_key(path: &str, passphrase: Option<&str>) -> Result<PrivateKeyDer<'static>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::validation(format!("Client key '{path}' cannot be read: {e}")))?;
    let Some(start) = text.find(ENCRYPTED_BEGIN) else {
        if text.contains("Proc-Type: 4,ENCRYPTED") {
            return Err(Error::validation(format!(
                "Client key '{path}' is encrypted the legacy OpenSSL way: convert it with \
                 `openssl pkcs8 -topk8 -v2 aes-256-cbc -in {path} -out key.p8.pem`."
            )));
        }
        return PrivateKeyDer::from_pem_slice(text.as_bytes()).map_err(|e| {
            Error::validation(format!(
                "Client key '{path}' cannot be read as a PEM private key: {e}"
            ))
        });
    };
    let Some(pass) = passphrase.filter(|p| !p.is_empty()) else {
        return Err(Error::validation(format!(
            "Client key '{path}' is encrypted: give its passphrase."
        )));
    };
    let body = &text[start + ENCRYPTED_BEGIN.len()..];
    let body = body.split(ENCRYPTED_END).next().unwrap_or_default();
    let b64: String = body.split_whitespace().collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|e| Error::validation(format!("Client key '{path}': bad PEM ({e}).")))?;
    let info = pkcs8::EncryptedPrivateKeyInfoRef::try_from(der.as_slice())
        .map_err(|e| Error::validation(format!("Client key '{path}': not an encrypted PKCS#8 key ({e}).")))?;
    let plain = info.decrypt(pass).map_err(|_| {
        Error::validation(format!(
            "Client key '{path}' cannot be opened with this passphrase (or its cipher is not PBES2 with AES)."
        ))
    })?;
    Ok(PrivateKeyDer::Pkcs8(plain.as_bytes().to_vec().into()))
}

/// The "accept any certificate" verifier: signatures are still checked (the handshake stays
/// sound), the certificate chain and name are not.
#[derive(Debug)]
pub(super) struct AcceptAny(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AcceptAny {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// Why rustls refused a client certificate and key, in words.
fn client_cert_error(e: &rustls::Error) -> String {
    match e {
        rustls::Error::InconsistentKeys(_) => {
            format!("The client key does not belong to the client certificate: {e}")
        }
        e if format!("{e:?}").contains("UnsupportedCertVersion") => format!(
            "The client certificate cannot be used: it is an X.509 v1 certificate; TLS clients take \
             v3 only (sign it with extensions, e.g. extendedKeyUsage=clientAuth) ({e})"
        ),
        e => format!("The client certificate cannot be used: {e}"),
    }
}
