//! HTTPS served directly with rustls: the certificate chain and private key named by the
//! settings (PEM files, read with `rustls-pki-types`), checked at start-up with errors naming
//! the file at fault, the certificate's SHA-256 fingerprint that players pin at pairing, and
//! the axum-server loop.

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::Router;
use axum::extract::connect_info::IntoMakeServiceWithConnectInfo;
use axum_server::tls_rustls::RustlsConfig;
use rustls_pki_types::pem::{self, PemObject as _, SectionKind};
use tokio::net::TcpListener;

/// How long requests in flight may take to finish once a stop is asked for. Bounded because
/// players hold event streams open: an unbounded wait would never end.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Which of the two files a problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsFile {
    /// `tls_cert`: the certificate chain.
    Certificate,
    /// `tls_key`: the private key.
    Key,
}

impl TlsFile {
    fn noun(self) -> &'static str {
        match self {
            TlsFile::Certificate => "certificate (tls_cert)",
            TlsFile::Key => "private key (tls_key)",
        }
    }
}

/// Why the TLS files cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("TLS {} {}: {problem}", file.noun(), path.display())]
pub struct TlsError {
    /// The file at fault.
    pub file: TlsFile,
    /// Its path, as configured.
    pub path: PathBuf,
    /// What is wrong with it, in one sentence.
    pub problem: String,
}

/// A certificate chain (leaf first) and its private key, read and checked from PEM files.
pub struct Identity {
    chain: Vec<Vec<u8>>,
    key: Vec<u8>,
    key_path: PathBuf,
    cert_path: PathBuf,
}

// The private key must never reach a log line.
impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("certificates", &self.chain.len())
            .field("fingerprint", &self.fingerprint())
            .field("cert_path", &self.cert_path)
            .field("key_path", &self.key_path)
            .finish_non_exhaustive()
    }
}

impl Identity {
    /// Reads the certificate chain from `cert` and the private key from `key`.
    pub fn load(cert: &Path, key: &Path) -> Result<Self, TlsError> {
        let chain = read_certificates(cert)?;
        let key_der = read_key(key)?;
        Ok(Self {
            chain,
            key: key_der,
            key_path: key.to_owned(),
            cert_path: cert.to_owned(),
        })
    }

    /// The identity the settings name, if they name one (`tls_cert` and `tls_key` go together,
    /// which the settings check).
    pub fn from_settings(settings: &crate::Settings) -> Result<Option<Self>, TlsError> {
        match (&settings.tls_cert, &settings.tls_key) {
            (Some(cert), Some(key)) => Self::load(cert, key).map(Some),
            _ => Ok(None),
        }
    }

    /// SHA-256 of the leaf certificate (DER), in lowercase hex: what players pin.
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.chain[0])
    }

    /// The rustls configuration; fails when the key is not usable or does not match the
    /// certificate.
    pub async fn rustls_config(self) -> Result<RustlsConfig, TlsError> {
        let Self {
            chain,
            key,
            key_path,
            cert_path,
        } = self;
        RustlsConfig::from_der(chain, key)
            .await
            .map_err(|e| TlsError {
                file: TlsFile::Key,
                path: key_path,
                problem: format!(
                    "does not go with the certificate {} (it is another certificate's key, or not an RSA, ECDSA or Ed25519 key): {e}",
                    cert_path.display()
                ),
            })
    }
}

/// SHA-256 of a DER certificate in lowercase hex.
pub fn fingerprint(der: &[u8]) -> String {
    beffroi_protocol::ids::Sha256::of(der).to_string()
}

/// The fingerprint of the leaf certificate of the PEM file `cert`.
pub fn fingerprint_of_file(cert: &Path) -> Result<String, TlsError> {
    read_certificates(cert).map(|chain| fingerprint(&chain[0]))
}

/// Serves `app` over TLS on `listener` until `shutdown` resolves, then lets requests in flight
/// finish (at most [`SHUTDOWN_GRACE`]).
pub async fn serve(
    listener: TcpListener,
    config: RustlsConfig,
    app: IntoMakeServiceWithConnectInfo<Router, SocketAddr>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let handle = axum_server::Handle::new();
    let stopper = handle.clone();
    let watcher = tokio::spawn(async move {
        shutdown.await;
        stopper.graceful_shutdown(Some(SHUTDOWN_GRACE));
    });
    let result = axum_server::from_tcp_rustls(listener.into_std()?, config)?
        .handle(handle)
        .serve(app)
        .await;
    watcher.abort();
    result
}

/// The PEM sections of the file `path` that rustls knows (certificates, keys...), decoded;
/// errors name the file and say what is wrong with it.
fn read_pem(file: TlsFile, path: &Path) -> Result<Vec<(SectionKind, Vec<u8>)>, TlsError> {
    let bad = |problem: String| TlsError {
        file,
        path: path.to_owned(),
        problem,
    };
    let bytes = std::fs::read(path).map_err(|e| bad(format!("cannot read it: {e}")))?;
    let text = std::str::from_utf8(&bytes).map_err(|_| {
        bad("not a PEM file (it is binary; convert DER with `openssl x509 -inform der`)".into())
    })?;
    if !text.contains("-----BEGIN ") {
        return Err(bad("not a PEM file (no \"-----BEGIN\" line)".into()));
    }
    // A passphrase-protected key: a PKCS #8 block of its own, or OpenSSL's legacy headers
    // (which are not base64, so the parser would only say that).
    if file == TlsFile::Key
        && text.lines().any(|l| {
            l.trim() == "-----BEGIN ENCRYPTED PRIVATE KEY-----"
                || (l.starts_with("Proc-Type:") && l.contains("ENCRYPTED"))
        })
    {
        return Err(bad(
            "the key is encrypted with a passphrase, which a server starting unattended cannot type; decrypt it (openssl pkey -in KEY -out KEY.plain) and protect the file with its permissions".into(),
        ));
    }
    <(SectionKind, Vec<u8>)>::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            bad(match e {
                pem::Error::MissingSectionEnd { end_marker } => format!(
                    "the block \"BEGIN {}\" has no END line",
                    String::from_utf8_lossy(&end_marker)
                ),
                pem::Error::IllegalSectionStart { line } => format!(
                    "\"{}\" is not a valid BEGIN line",
                    String::from_utf8_lossy(&line).trim()
                ),
                pem::Error::Base64Decode(why) => {
                    format!("a PEM block is not valid base64 ({why})")
                }
                other => format!("not a valid PEM file ({other})"),
            })
        })
}

fn read_certificates(path: &Path) -> Result<Vec<Vec<u8>>, TlsError> {
    let file = TlsFile::Certificate;
    let chain: Vec<Vec<u8>> = read_pem(file, path)?
        .into_iter()
        .filter(|(kind, _)| *kind == SectionKind::Certificate)
        .map(|(_, der)| der)
        .collect();
    let bad = |problem: &str| TlsError {
        file,
        path: path.to_owned(),
        problem: problem.to_owned(),
    };
    if chain.is_empty() {
        return Err(bad(
            "no certificate found (expected a PEM block \"BEGIN CERTIFICATE\")",
        ));
    }
    if !chain.iter().all(|der| is_der_sequence(der)) {
        return Err(bad("a CERTIFICATE block does not hold a DER certificate"));
    }
    Ok(chain)
}

fn read_key(path: &Path) -> Result<Vec<u8>, TlsError> {
    let file = TlsFile::Key;
    let bad = |problem: &str| TlsError {
        file,
        path: path.to_owned(),
        problem: problem.to_owned(),
    };
    let mut keys = read_pem(file, path)?.into_iter().filter(|(kind, _)| {
        matches!(
            kind,
            SectionKind::PrivateKey | SectionKind::RsaPrivateKey | SectionKind::EcPrivateKey
        )
    });
    let Some((_, key)) = keys.next() else {
        return Err(bad(
            "no private key found (expected a PEM block \"BEGIN PRIVATE KEY\", \"BEGIN RSA PRIVATE KEY\" or \"BEGIN EC PRIVATE KEY\")",
        ));
    };
    if keys.next().is_some() {
        return Err(bad(
            "the file holds several private keys; keep only the certificate's",
        ));
    }
    if !is_der_sequence(&key) {
        return Err(bad("the private key block does not hold a DER key"));
    }
    Ok(key)
}

/// Whether `der` is one DER SEQUENCE whose length matches the bytes: certificates and keys
/// all are, and a truncated or pasted-over block is not.
fn is_der_sequence(der: &[u8]) -> bool {
    let (Some(&0x30), Some(&first)) = (der.first(), der.get(1)) else {
        return false;
    };
    let (len, header) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || der.len() < 2 + n {
            return false;
        }
        let len = der[2..2 + n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, 2 + n)
    };
    header + len == der.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(file: TlsFile, text: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("file.pem");
        std::fs::write(&path, text).unwrap();
        let result = match file {
            TlsFile::Certificate => read_certificates(&path).map(|_| ()),
            TlsFile::Key => read_key(&path).map(|_| ()),
        };
        let err = result.unwrap_err();
        assert_eq!(err.file, file);
        assert!(err.to_string().contains("file.pem"), "{err}");
        err.problem
    }

    #[test]
    fn pem_blocks_are_found_among_text_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cert.pem");
        let text = "subject=CN=x\n-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n";
        std::fs::write(&path, text).unwrap();
        assert_eq!(read_certificates(&path).unwrap(), [vec![0x30, 0x00]]);
        let err = problem(TlsFile::Certificate, "-----BEGIN CERTIFICATE-----\nMAA=\n");
        assert!(err.contains("no END"), "{err}");
        let err = problem(TlsFile::Certificate, "hello");
        assert!(err.contains("not a PEM file"), "{err}");
        let err = problem(
            TlsFile::Certificate,
            "-----BEGIN CERTIFICATE-----\n%%%\n-----END CERTIFICATE-----\n",
        );
        assert!(err.contains("base64"), "{err}");
        let err = problem(
            TlsFile::Certificate,
            "-----BEGIN CERTIFICATE-----\nMAE=\n-----END CERTIFICATE-----\n",
        );
        assert!(err.contains("does not hold a DER certificate"), "{err}");
    }

    #[test]
    fn keys_are_found_once_and_unencrypted() {
        let key = "-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n";
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key.pem");
        std::fs::write(&path, key).unwrap();
        assert_eq!(read_key(&path).unwrap(), [0x30, 0x00]);
        let err = problem(TlsFile::Key, &format!("{key}{key}"));
        assert!(err.contains("several private keys"), "{err}");
        let err = problem(
            TlsFile::Key,
            "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n",
        );
        assert!(err.contains("no private key found"), "{err}");
        let err = problem(
            TlsFile::Key,
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAA=\n-----END ENCRYPTED PRIVATE KEY-----\n",
        );
        assert!(err.contains("encrypted with a passphrase"), "{err}");
        let err = problem(
            TlsFile::Key,
            "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nMAA=\n-----END RSA PRIVATE KEY-----\n",
        );
        assert!(err.contains("encrypted with a passphrase"), "{err}");
    }

    #[test]
    fn der_lengths_must_match() {
        assert!(is_der_sequence(&[0x30, 0x01, 0x05]));
        assert!(!is_der_sequence(&[0x30, 0x02, 0x05]));
        assert!(!is_der_sequence(&[0x31, 0x01, 0x05]));
        let mut long = vec![0x30, 0x82, 0x01, 0x00];
        long.extend([0u8; 256]);
        assert!(is_der_sequence(&long));
        long.pop();
        assert!(!is_der_sequence(&long));
    }
}
