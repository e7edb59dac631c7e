//! HTTPS served directly with rustls: a self-signed certificate for 127.0.0.1, a client that
//! trusts only it, `Secure` session cookies, the fingerprint players pin, and clear start-up
//! errors for unusable files.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use beffroi_server::users::{NewUser, Role};
use beffroi_server::{ServerError, Settings};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};

const PASSWORD: &str = "correct horse battery staple";

/// A self-signed certificate for 127.0.0.1 written as PEM files in `dir`: (cert, key, DER).
fn self_signed(dir: &Path) -> (PathBuf, PathBuf, Vec<u8>) {
    let certified =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .unwrap();
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
    (cert, key, certified.cert.der().to_vec())
}

fn tls_settings(dir: &Path, cert: &Path, key: &Path) -> Settings {
    Settings {
        data_dir: dir.join("data"),
        tls_cert: Some(cert.to_owned()),
        tls_key: Some(key.to_owned()),
        ..Settings::default()
    }
}

/// A client trusting only `der`.
fn connector(der: &[u8]) -> TlsConnector {
    let mut roots = RootCertStore::empty();
    roots.add(CertificateDer::from(der.to_vec())).unwrap();
    let config =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

/// An answer read off the wire.
struct Answer {
    status: u16,
    head: String,
    body: String,
    /// SHA-256 of the certificate the server presented.
    presented: String,
}

impl Answer {
    fn header(&self, name: &str) -> Vec<&str> {
        self.head
            .lines()
            .filter_map(|l| l.split_once(':'))
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
            .collect()
    }
}

/// One HTTP/1.1 request over TLS.
async fn https(
    addr: SocketAddr,
    der: &[u8],
    method: &str,
    path: &str,
    content_type: &str,
    body: &str,
) -> std::io::Result<Answer> {
    let tcp = tokio::net::TcpStream::connect(addr).await?;
    let name = ServerName::try_from("127.0.0.1").unwrap();
    let mut tls = connector(der).connect(name, tcp).await?;
    let presented = tls
        .get_ref()
        .1
        .peer_certificates()
        .and_then(<[_]>::first)
        .map(|c| hex::encode(Sha256::digest(c)))
        .unwrap_or_default();
    tls.write_all(
        format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    )
    .await?;
    let mut raw = Vec::new();
    // A server that closes without TLS close_notify is tolerated: the answer is complete.
    if let Err(e) = tls.read_to_end(&mut raw).await
        && e.kind() != std::io::ErrorKind::UnexpectedEof
    {
        return Err(e);
    }
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    Ok(Answer {
        status: head
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0),
        head: head.to_owned(),
        body: body.to_owned(),
        presented,
    })
}

/// A server on an ephemeral port, answering over TLS; returns its address, its stop switch and
/// its task.
async fn start(
    settings: Settings,
    der: &[u8],
) -> (
    SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<Result<(), ServerError>>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(beffroi_server::launch_with_listener(
        settings,
        listener,
        async {
            let _ = stopped.await;
        },
    ));
    for _ in 0..400 {
        if let Ok(a) = https(addr, der, "GET", "/healthz", "text/plain", "").await
            && a.status == 200
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    (addr, stop, task)
}

async fn create_user(data_dir: &Path, username: &str) {
    let pool = beffroi_server::db::open(data_dir).await.unwrap();
    beffroi_server::users::create(
        &pool,
        &NewUser {
            username: username.into(),
            password: PASSWORD.into(),
            role: Role::Admin,
            communes: Vec::new(),
        },
        jiff::Timestamp::now(),
    )
    .await
    .unwrap();
    pool.close().await;
}

#[tokio::test]
async fn the_server_answers_over_https_with_secure_cookies() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, der) = self_signed(dir.path());
    let settings = tls_settings(dir.path(), &cert, &key);
    let data_dir = settings.data_dir.clone();
    let (addr, stop, task) = start(settings, &der).await;

    let health = https(addr, &der, "GET", "/healthz", "text/plain", "")
        .await
        .unwrap();
    assert_eq!(health.status, 200, "{}", health.head);
    assert!(
        health.body.contains("\"database\":\"ok\""),
        "{}",
        health.body
    );
    assert_eq!(health.presented, hex::encode(Sha256::digest(&der)));

    // A client that trusts another certificate is refused by its own TLS layer.
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    let (_, _, other) = self_signed(&elsewhere);
    assert!(
        https(addr, &other, "GET", "/healthz", "text/plain", "")
            .await
            .is_err()
    );

    create_user(&data_dir, "admin").await;
    let login = https(
        addr,
        &der,
        "POST",
        "/api/v1/auth/login",
        "application/json",
        &format!("{{\"username\":\"admin\",\"password\":\"{PASSWORD}\"}}"),
    )
    .await
    .unwrap();
    assert_eq!(login.status, 200, "{}{}", login.head, login.body);
    let cookie = login.header("set-cookie").join("\n");
    assert!(
        cookie.contains("beffroi_session=") && cookie.contains("; Secure"),
        "{cookie}"
    );

    let web = https(
        addr,
        &der,
        "POST",
        "/connexion",
        "application/x-www-form-urlencoded",
        "username=admin&password=correct+horse+battery+staple",
    )
    .await
    .unwrap();
    assert_eq!(web.status, 303, "{}{}", web.head, web.body);
    let cookie = web.header("set-cookie").join("\n");
    assert!(
        cookie.contains("beffroi_session=") && cookie.contains("; Secure"),
        "{cookie}"
    );

    // A stop lets the server finish and return.
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(30), task)
        .await
        .expect("the server stops")
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn the_fingerprint_is_the_sha256_of_the_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, der) = self_signed(dir.path());
    let state = beffroi_server::server::open(tls_settings(dir.path(), &cert, &key))
        .await
        .unwrap();
    let expected = hex::encode(Sha256::digest(&der));
    assert_eq!(state.tls_fingerprint.as_deref(), Some(expected.as_str()));
    assert_eq!(expected.len(), 64);
    assert!(state.secure_cookies());

    let plain = beffroi_server::server::open(Settings {
        data_dir: dir.path().join("plain"),
        ..Settings::default()
    })
    .await
    .unwrap();
    assert_eq!(plain.tls_fingerprint, None);
}

/// The start-up error for these files, which must come before anything is served.
async fn start_up_error(settings: Settings) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let result = tokio::time::timeout(
        Duration::from_secs(30),
        beffroi_server::launch_with_listener(settings, listener, std::future::pending()),
    )
    .await
    .expect("a bad TLS file stops the start-up at once");
    match result {
        Err(e @ ServerError::Tls(_)) => e.to_string(),
        other => panic!("expected a TLS error, got {other:?}"),
    }
}

#[tokio::test]
async fn unusable_tls_files_stop_the_start_up_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, _) = self_signed(dir.path());

    // The key file holds no key.
    let bad_key = dir.path().join("bad-key.pem");
    std::fs::copy(&cert, &bad_key).unwrap();
    let err = start_up_error(tls_settings(dir.path(), &cert, &bad_key)).await;
    assert!(
        err.contains("private key")
            && err.contains("bad-key.pem")
            && err.contains("no private key found"),
        "{err}"
    );

    // Not PEM at all.
    std::fs::write(&bad_key, b"not a key\n").unwrap();
    let err = start_up_error(tls_settings(dir.path(), &cert, &bad_key)).await;
    assert!(
        err.contains("bad-key.pem") && err.contains("not a PEM file"),
        "{err}"
    );

    // A key that is not the certificate's.
    let other = dir.path().join("other");
    std::fs::create_dir(&other).unwrap();
    let (_, other_key, _) = self_signed(&other);
    let err = start_up_error(tls_settings(dir.path(), &cert, &other_key)).await;
    assert!(
        err.contains(&other_key.display().to_string())
            && err.contains("does not go with the certificate"),
        "{err}"
    );

    // A missing certificate.
    let missing = dir.path().join("missing.pem");
    let err = start_up_error(tls_settings(dir.path(), &missing, &key)).await;
    assert!(
        err.contains("certificate")
            && err.contains("missing.pem")
            && err.contains("cannot read it"),
        "{err}"
    );

    // A truncated certificate.
    let truncated = dir.path().join("truncated.pem");
    let pem = std::fs::read_to_string(&cert).unwrap();
    let mut lines: Vec<&str> = pem.lines().collect();
    lines.remove(lines.len() / 2);
    std::fs::write(&truncated, lines.join("\n")).unwrap();
    let err = start_up_error(tls_settings(dir.path(), &truncated, &key)).await;
    assert!(err.contains("truncated.pem"), "{err}");

    // Nothing was created for a server that did not start.
    assert!(!dir.path().join("data").exists());
}
