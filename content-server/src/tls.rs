//! HTTPS served directly with rustls: the certificate chain and private key named by the
//! settings (PEM files), checked at start-up with errors naming the file at fault, the
//! certificate's SHA-256 fingerprint that players pin at pairing, and the axum-server loop.

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::Router;
use axum::extract::connect_info::IntoMakeServiceWithConnectInfo;
use axum_server::tls_rustls::RustlsConfig;
use sha2::{Digest, Sha256};
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
    hex::encode(Sha256::digest(der))
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

fn read_pem(file: TlsFile, path: &Path) -> Result<Vec<Block>, TlsError> {
    let bad = |problem: String| TlsError {
        file,
        path: path.to_owned(),
        problem,
    };
    let bytes = std::fs::read(path).map_err(|e| bad(format!("cannot read it: {e}")))?;
    let text = std::str::from_utf8(&bytes).map_err(|_| {
        bad("not a PEM file (it is binary; convert DER with `openssl x509 -inform der`)".into())
    })?;
    parse_pem(text).map_err(bad)
}

fn read_certificates(path: &Path) -> Result<Vec<Vec<u8>>, TlsError> {
    let file = TlsFile::Certificate;
    let chain: Vec<Vec<u8>> = read_pem(file, path)?
        .into_iter()
        .filter(|b| b.label == "CERTIFICATE")
        .map(|b| b.der)
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
    let blocks = read_pem(file, path)?;
    let bad = |problem: &str| TlsError {
        file,
        path: path.to_owned(),
        problem: problem.to_owned(),
    };
    if blocks
        .iter()
        .any(|b| b.label == "ENCRYPTED PRIVATE KEY" || b.encrypted)
    {
        return Err(bad(
            "the key is encrypted with a passphrase, which a server starting unattended cannot type; decrypt it (openssl pkey -in KEY -out KEY.plain) and protect the file with its permissions",
        ));
    }
    let mut keys = blocks.into_iter().filter(|b| {
        matches!(
            b.label.as_str(),
            "PRIVATE KEY" | "RSA PRIVATE KEY" | "EC PRIVATE KEY"
        )
    });
    let Some(key) = keys.next() else {
        return Err(bad(
            "no private key found (expected a PEM block \"BEGIN PRIVATE KEY\", \"BEGIN RSA PRIVATE KEY\" or \"BEGIN EC PRIVATE KEY\")",
        ));
    };
    if keys.next().is_some() {
        return Err(bad(
            "the file holds several private keys; keep only the certificate's",
        ));
    }
    if !is_der_sequence(&key.der) {
        return Err(bad("the private key block does not hold a DER key"));
    }
    Ok(key.der)
}

/// One `-----BEGIN label-----` … `-----END label-----` block, decoded.
#[derive(Debug)]
struct Block {
    label: String,
    der: Vec<u8>,
    /// Legacy OpenSSL encryption headers (`Proc-Type: 4,ENCRYPTED`).
    encrypted: bool,
}

/// The blocks of a PEM text (RFC 7468), ignoring text around them as OpenSSL does.
fn parse_pem(text: &str) -> Result<Vec<Block>, String> {
    let mut blocks = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((_, line)) = lines.next() {
        let Some(label) = line
            .trim()
            .strip_prefix("-----BEGIN ")
            .and_then(|l| l.strip_suffix("-----"))
        else {
            continue;
        };
        let mut body = String::new();
        let mut encrypted = false;
        let mut closed = false;
        for (n, line) in lines.by_ref() {
            let line = line.trim();
            if let Some(end) = line
                .strip_prefix("-----END ")
                .and_then(|l| l.strip_suffix("-----"))
            {
                if end != label {
                    return Err(format!(
                        "line {}: \"END {end}\" closes \"BEGIN {label}\"",
                        n + 1
                    ));
                }
                closed = true;
                break;
            }
            if line.contains(':') {
                encrypted |= line.contains("ENCRYPTED");
                continue;
            }
            body.push_str(line);
        }
        if !closed {
            return Err(format!("the block \"BEGIN {label}\" has no END line"));
        }
        let der = base64_decode(&body)
            .ok_or_else(|| format!("the block \"BEGIN {label}\" is not valid base64"))?;
        blocks.push(Block {
            label: label.to_owned(),
            der,
            encrypted,
        });
    }
    if blocks.is_empty() {
        return Err("not a PEM file (no \"-----BEGIN\" line)".into());
    }
    Ok(blocks)
}

/// Standard base64 with optional padding; `None` on any other character.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut acc: u32 = 0;
    let mut bits = 0;
    let data = text.trim_end_matches('=');
    if text.len() - data.len() > 2 {
        return None;
    }
    for c in data.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b' ' | b'\t' | b'\r' | b'\n' => continue,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    // Six leftover bits cannot come from whole bytes.
    (bits < 6).then_some(out)
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

    #[test]
    fn base64_round_trips_known_vectors() {
        assert_eq!(base64_decode("").unwrap(), b"");
        assert_eq!(base64_decode("Zg==").unwrap(), b"f");
        assert_eq!(base64_decode("Zm8=").unwrap(), b"fo");
        assert_eq!(base64_decode("Zm9v").unwrap(), b"foo");
        assert_eq!(base64_decode("Zm9v\nYmFy").unwrap(), b"foobar");
        assert!(base64_decode("Zm9v!").is_none());
        assert!(base64_decode("Z").is_none());
    }

    #[test]
    fn pem_blocks_are_found_among_text_and_checked() {
        let text = "subject=CN=x\n-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n";
        let blocks = parse_pem(text).unwrap();
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].label, "CERTIFICATE");
        assert_eq!(blocks[0].der, [0x30, 0x00]);
        assert!(is_der_sequence(&blocks[0].der));
        let err = parse_pem("-----BEGIN CERTIFICATE-----\nMAA=\n").unwrap_err();
        assert!(err.contains("no END"), "{err}");
        let err = parse_pem("hello").unwrap_err();
        assert!(err.contains("not a PEM file"), "{err}");
        let err = parse_pem("-----BEGIN X-----\n%%%\n-----END X-----\n").unwrap_err();
        assert!(err.contains("base64"), "{err}");
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
