//! The player's HTTP client: rustls with the server's certificate pinned, the device token on
//! every request, and the server's `Date` header fed to the clock trust.
//!
//! Before pairing the player knows no certificate: it accepts the one it is shown and then
//! requires the fingerprint the pairing answer announces to be that very certificate (trust
//! on first use: an attacker on the network path during pairing could still substitute
//! both). After pairing only the pinned certificate is accepted, whatever CA signed it. A
//! server behind a TLS proxy announces no fingerprint (the proxy's certificate is renewed
//! every few weeks): the player then checks the certificate against the system's
//! certificate authorities and the server's name, as a browser does.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use reqwest::header::{self, HeaderMap};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use sha2::{Digest as _, Sha256};

/// Longest wait for a TCP/TLS connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest silence inside a response.
const READ_TIMEOUT: Duration = Duration::from_secs(120);

/// A client for one server.
#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    base: String,
    token: Option<String>,
    seen: Arc<Mutex<Option<String>>>,
}

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the token: debug output ends up in logs.
        f.debug_struct("Http")
            .field("base", &self.base)
            .field("token", &self.token.as_ref().map(|_| "…"))
            .finish_non_exhaustive()
    }
}

/// Which server certificates the client accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// Any (pairing: the certificate seen is then compared with the one announced).
    FirstUse,
    /// Only the certificate whose SHA-256 (hex) this is.
    Pinned(String),
    /// One the system's certificate authorities vouch for, for the server's name.
    Authorities,
}

impl Trust {
    /// What a paired player trusts: its pin, else the authorities.
    pub fn paired(pin: Option<&str>) -> Self {
        pin.map_or(Self::Authorities, |p| Self::Pinned(p.to_owned()))
    }
}

/// Why the client cannot be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot set up the HTTP client: {0}")]
pub struct HttpSetupError(String);

impl Http {
    /// A client for `base` (`https://host[:port]`, no trailing slash needed) trusting
    /// certificates as `trust` says.
    pub fn new(base: &str, trust: &Trust, token: Option<&str>) -> Result<Self, HttpSetupError> {
        let seen = Arc::new(Mutex::new(None));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier: Arc<dyn ServerCertVerifier> = match trust {
            Trust::FirstUse | Trust::Pinned(_) => Arc::new(Pinned {
                pin: match trust {
                    Trust::Pinned(p) => Some(p.to_ascii_lowercase()),
                    _ => None,
                },
                seen: Arc::clone(&seen),
                provider: Arc::clone(&provider),
            }),
            Trust::Authorities => Arc::new(
                rustls_platform_verifier::Verifier::new(Arc::clone(&provider))
                    .map_err(|e| HttpSetupError(format!("system certificates: {e}")))?,
            ),
        };
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| HttpSetupError(e.to_string()))?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .connect_timeout(CONNECT_TIMEOUT)
            // A connection that stalls (a NAT that forgot it, a hung server) fails instead
            // of waiting for ever; the event stream's keep-alives arrive far more often.
            .read_timeout(READ_TIMEOUT)
            .user_agent(concat!("beffroi-player/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| HttpSetupError(e.to_string()))?;
        Ok(Self {
            client,
            base: base.trim_end_matches('/').to_owned(),
            token: token.map(str::to_owned),
            seen,
        })
    }

    /// The server's base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The SHA-256 of the last certificate the server showed (https only).
    pub fn seen_fingerprint(&self) -> Option<String> {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// A request to `path` (starting with `/`), with the device token when there is one.
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let r = self.client.request(method, format!("{}{path}", self.base));
        match &self.token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    }

    /// A GET of `path`.
    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.request(reqwest::Method::GET, path)
    }

    /// A POST to `path`.
    pub fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.request(reqwest::Method::POST, path)
    }
}

/// The server's clock reading in a response, when it sent one.
pub fn server_date(headers: &HeaderMap) -> Option<jiff::Timestamp> {
    let value = headers.get(header::DATE)?.to_str().ok()?;
    jiff::fmt::rfc2822::parse(value).ok().map(|z| z.timestamp())
}

/// The message of an error answer: the server's JSON `{"error": ...}` when present.
pub async fn error_message(response: reqwest::Response) -> String {
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    let message = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_owned))
        .unwrap_or_else(|| text.chars().take(200).collect());
    format!("{status}: {message}")
}

#[derive(Debug)]
struct Pinned {
    pin: Option<String>,
    seen: Arc<Mutex<Option<String>>>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let fingerprint = hex::encode(Sha256::digest(end_entity.as_ref()));
        *self.seen.lock().unwrap_or_else(PoisonError::into_inner) = Some(fingerprint.clone());
        match &self.pin {
            Some(pin) if *pin != fingerprint => Err(rustls::Error::General(format!(
                "the server's certificate ({fingerprint}) is not the one pinned at pairing ({pin}); \
                 re-pair the player if the certificate was replaced"
            ))),
            _ => Ok(ServerCertVerified::assertion()),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}
