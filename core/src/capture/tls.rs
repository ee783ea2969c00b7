//! The certificate chain a server presents, recorded as it is checked.
//!
//! reqwest tells a response only its server's leaf certificate. To keep the
//! whole chain, each capture's client gets a rustls configuration whose
//! certificate verifier is `Recording`: it hands every decision to the
//! platform verifier (`rustls-platform-verifier`, what reqwest uses by
//! default: the system's trusted roots, plus [`FetchOptions::extra_roots`])
//! and, when a chain passes, notes it in the capture's [`ChainLog`]. After
//! each answer, the fetcher looks the chain up by the server name and the
//! SHA-256 of the leaf reqwest reports for that very connection.
//!
//! Why that key: every capture has its own client, so its own connections
//! and its own log (another capture running at the same time cannot write
//! into it), and its requests are made one at a time. A kept-alive
//! connection reused for a redirect made no new handshake, but its chain is
//! still in the log under the same key. A server that presents the same leaf
//! with different intermediates on two connections of one capture is noted
//! in [`TlsFacts::note`], with the last chain verified recorded.
//!
//! Main types: [`TlsFacts`] and [`PeerCertificate`] (what a capture keeps),
//! [`Tls`] (the verifier shared by one batch) and [`ChainLog`].
//!
//! [`FetchOptions::extra_roots`]: super::FetchOptions::extra_roots

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// One certificate the server presented.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PeerCertificate {
    /// SHA-256 of the certificate (DER), hex.
    pub sha256: String,
    /// The certificate, DER in base64.
    pub der: String,
}

impl PeerCertificate {
    /// Describes one DER certificate.
    pub fn of(der: &[u8]) -> PeerCertificate {
        use base64::Engine as _;
        PeerCertificate {
            sha256: hex::encode(Sha256::digest(der)),
            der: base64::engine::general_purpose::STANDARD.encode(der),
        }
    }
}

/// The TLS facts of a connection. Facts stored before chains were recorded
/// have no `chain`, and load with it empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct TlsFacts {
    /// SHA-256 of the server's leaf certificate (DER), hex.
    pub peer_certificate_sha256: Option<String>,
    /// The leaf certificate, DER in base64.
    pub peer_certificate_der: Option<String>,
    /// Every certificate the server presented, as sent: the leaf first, then
    /// the intermediates. Empty in captures made before chains were
    /// recorded, and when the chain was not seen.
    pub chain: Vec<PeerCertificate>,
    /// What the facts hold, and what could not be recorded.
    pub note: String,
}

/// The note of a chain recorded as presented.
const NOTE_CHAIN: &str = "chain: the certificates the server presented, leaf first, as sent; the trusted root they lead to is not sent by servers and is not recorded";

impl TlsFacts {
    /// The facts of a connection: its leaf (as reqwest reports it) and the
    /// chain the log holds for it.
    pub fn new(leaf: Option<&[u8]>, seen: Option<&Seen>) -> TlsFacts {
        let leaf_facts = leaf.map(PeerCertificate::of);
        let (chain, note) = match seen {
            Some(s) if s.distinct > 1 => (
                s.chain.iter().map(|c| PeerCertificate::of(c)).collect(),
                format!(
                    "the server presented {} different chains with this leaf certificate during this capture; the last one verified is recorded. {NOTE_CHAIN}",
                    s.distinct
                ),
            ),
            Some(s) => (
                s.chain.iter().map(|c| PeerCertificate::of(c)).collect(),
                NOTE_CHAIN.to_string(),
            ),
            None => (
                Vec::new(),
                "the certificate chain of this connection was not seen; only the leaf certificate is recorded".to_string(),
            ),
        };
        TlsFacts {
            peer_certificate_sha256: leaf_facts.as_ref().map(|c| c.sha256.clone()),
            peer_certificate_der: leaf_facts.map(|c| c.der),
            chain,
            note,
        }
    }
}

/// A chain the log holds: the last one verified for its key, and how many
/// different ones were seen under that key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// Leaf first, then the intermediates, as presented.
    pub chain: Vec<Vec<u8>>,
    /// Different chains seen with the same server name and leaf.
    pub distinct: usize,
}

/// The chains one capture's connections presented and the verifier
/// accepted, keyed by server name and the leaf's SHA-256.
#[derive(Debug, Default)]
pub struct ChainLog {
    seen: Mutex<HashMap<(String, [u8; 32]), Seen>>,
}

/// The form of a host both sides of the log agree on: lowercase, an IPv6
/// address without brackets, no trailing dot.
fn host_key(host: &str) -> String {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

impl ChainLog {
    fn record(&self, server: &str, chain: Vec<Vec<u8>>) {
        let Some(leaf) = chain.first() else { return };
        let key = (host_key(server), Sha256::digest(leaf).into());
        // A poisoned lock only means another handshake panicked; the map is still whole.
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        match seen.get_mut(&key) {
            Some(s) if s.chain == chain => {}
            Some(s) => {
                s.chain = chain;
                s.distinct += 1;
            }
            None => {
                seen.insert(key, Seen { chain, distinct: 1 });
            }
        }
    }

    /// The chain presented by `host` with this leaf certificate (DER).
    pub fn chain_for(&self, host: &str, leaf: &[u8]) -> Option<Seen> {
        let key = (host_key(host), Sha256::digest(leaf).into());
        let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        seen.get(&key).cloned()
    }
}

/// A verifier that leaves every decision to another and notes the chains it
/// accepts.
#[derive(Debug)]
struct Recording {
    inner: Arc<dyn ServerCertVerifier>,
    log: Arc<ChainLog>,
}

impl ServerCertVerifier for Recording {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        let verified = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )?;
        let chain = std::iter::once(end_entity)
            .chain(intermediates)
            .map(|c| c.as_ref().to_vec())
            .collect();
        self.log.record(&server_name.to_str(), chain);
        Ok(verified)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }

    fn requires_raw_public_keys(&self) -> bool {
        self.inner.requires_raw_public_keys()
    }

    fn root_hint_subjects(&self) -> Option<&[DistinguishedName]> {
        self.inner.root_hint_subjects()
    }
}

/// The TLS setup shared by a batch of captures: the crypto provider and the
/// platform verifier (its trusted roots are read once).
pub struct Tls {
    provider: Arc<rustls::crypto::CryptoProvider>,
    verifier: Arc<dyn ServerCertVerifier>,
}

impl Tls {
    /// The platform verifier over the system's roots and `extra_roots` (DER).
    pub fn new(extra_roots: &[Vec<u8>]) -> Result<Tls> {
        // Another part of the program may have chosen a provider already; then it stays.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let provider = rustls::crypto::CryptoProvider::get_default()
            .cloned()
            .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()));
        let setup = |e: rustls::Error| {
            Error::invalid(
                format!("cannot set up the web client: the TLS certificate checks: {e}"),
                format!(
                    "no se pudo preparar el cliente web: la verificación de certificados TLS: {e}"
                ),
            )
        };
        let verifier = if extra_roots.is_empty() {
            rustls_platform_verifier::Verifier::new(provider.clone())
        } else {
            rustls_platform_verifier::Verifier::new_with_extra_roots(
                extra_roots.iter().map(|d| CertificateDer::from(d.clone())),
                provider.clone(),
            )
        }
        .map_err(setup)?;
        Ok(Tls {
            provider,
            verifier: Arc::new(verifier),
        })
    }

    /// A rustls configuration for one capture's client (HTTP/1.1, TLS 1.2
    /// and 1.3), and the log its handshakes fill.
    pub fn client_config(&self) -> Result<(rustls::ClientConfig, Arc<ChainLog>)> {
        let log = Arc::new(ChainLog::default());
        let mut config = rustls::ClientConfig::builder_with_provider(self.provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| {
                Error::invalid(
                    format!("cannot set up the web client: {e}"),
                    format!("no se pudo preparar el cliente web: {e}"),
                )
            })?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Recording {
                inner: self.verifier.clone(),
                log: log.clone(),
            }))
            .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok((config, log))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chains_are_found_by_host_and_leaf() {
        let log = ChainLog::default();
        log.record("Example.ORG.", vec![b"leaf".to_vec(), b"mid".to_vec()]);
        let seen = log.chain_for("example.org", b"leaf").unwrap();
        assert_eq!(seen.chain, [b"leaf".to_vec(), b"mid".to_vec()]);
        assert_eq!(seen.distinct, 1);
        assert!(log.chain_for("example.org", b"other").is_none());
        assert!(log.chain_for("example.net", b"leaf").is_none());
        log.record("::1", vec![b"leaf6".to_vec()]);
        assert!(log.chain_for("[::1]", b"leaf6").is_some());
        // The same chain again changes nothing; another one is counted.
        log.record("example.org", vec![b"leaf".to_vec(), b"mid".to_vec()]);
        assert_eq!(log.chain_for("example.org", b"leaf").unwrap().distinct, 1);
        log.record("example.org", vec![b"leaf".to_vec(), b"mid2".to_vec()]);
        let seen = log.chain_for("example.org", b"leaf").unwrap();
        assert_eq!((seen.distinct, seen.chain[1].as_slice()), (2, &b"mid2"[..]));
    }

    #[test]
    fn facts_say_what_was_recorded() {
        let seen = Seen {
            chain: vec![b"leaf".to_vec(), b"mid".to_vec()],
            distinct: 1,
        };
        let f = TlsFacts::new(Some(b"leaf"), Some(&seen));
        assert_eq!(f.chain.len(), 2);
        assert_eq!(
            f.chain[0].sha256,
            f.peer_certificate_sha256.clone().unwrap()
        );
        assert_eq!(f.chain[1].der, "bWlk");
        assert!(f.note.starts_with("chain:"), "{}", f.note);
        let f = TlsFacts::new(Some(b"leaf"), None);
        assert!(f.chain.is_empty() && f.note.contains("not seen"));
        let two = Seen {
            distinct: 2,
            ..seen
        };
        assert!(
            TlsFacts::new(Some(b"leaf"), Some(&two))
                .note
                .contains("2 different")
        );
    }

    #[test]
    fn old_facts_without_a_chain_still_load() {
        let old = r#"{"peer_certificate_sha256":"ab","peer_certificate_der":"eA==","note":"only the leaf"}"#;
        let f: TlsFacts = serde_json::from_str(old).unwrap();
        assert!(f.chain.is_empty());
        assert_eq!(f.peer_certificate_sha256.as_deref(), Some("ab"));
    }
}
