//! The server for real on 127.0.0.1: health, metrics, restart on the same data folder,
//! graceful stop on SIGTERM.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use beffroi_server::Settings;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A minimal HTTP/1.1 GET: (status, body).
async fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await
    .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).await.unwrap();
    let status = raw
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = raw
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// Starts a server on an ephemeral port; returns its address and the handle to stop it.
async fn start(
    settings: Settings,
) -> (
    SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        beffroi_server::launch_with_listener(settings, listener, async {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    (addr, stop, task)
}

fn settings(dir: &std::path::Path, metrics_public: bool) -> Settings {
    Settings {
        data_dir: dir.to_owned(),
        metrics_public,
        ..Settings::default()
    }
}

#[tokio::test]
async fn health_touches_the_database_and_metrics_need_permission() {
    let dir = tempfile::tempdir().unwrap();
    let (addr, stop, task) = start(settings(dir.path(), false)).await;
    let (status, body) = get(addr, "/healthz").await;
    assert_eq!(status, 200);
    assert!(body.contains(r#""database":"ok""#), "{body}");
    assert_eq!(get(addr, "/metrics").await.0, 401);
    assert_eq!(get(addr, "/nowhere").await.0, 404);
    stop.send(()).unwrap();
    task.await.unwrap();
}

#[tokio::test]
async fn restart_on_the_same_data_folder_keeps_key_and_database() {
    let dir = tempfile::tempdir().unwrap();
    let (addr, stop, task) = start(settings(dir.path(), true)).await;
    let (status, body) = get(addr, "/metrics").await;
    assert_eq!(status, 200);
    assert!(body.contains("beffroi_communes 49"), "{body}");
    stop.send(()).unwrap();
    task.await.unwrap();
    let key = std::fs::read(dir.path().join(beffroi_server::keys::KEY_FILE)).unwrap();

    let (addr, stop, task) = start(settings(dir.path(), true)).await;
    let (_, body) = get(addr, "/metrics").await;
    assert!(body.contains("beffroi_communes 49"), "{body}");
    assert_eq!(
        std::fs::read(dir.path().join(beffroi_server::keys::KEY_FILE)).unwrap(),
        key
    );
    stop.send(()).unwrap();
    task.await.unwrap();
}

#[tokio::test]
async fn the_binary_serves_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    // An ephemeral port chosen by the system, released for the server to take.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_beffroi-server"))
        .arg("serve")
        .env("BEFFROI_LISTEN", addr.to_string())
        .env("BEFFROI_DATA_DIR", dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // A generous deadline for start-up; nothing is timed.
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Ok(s) = tokio::net::TcpStream::connect(addr).await {
            drop(s);
            break get(addr, "/healthz").await.0;
        }
        assert!(Instant::now() < deadline, "the server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(status, 200);
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
}

#[test]
fn a_bad_setting_stops_the_binary_with_a_message_naming_it() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_beffroi-server"))
        .arg("serve")
        .env("BEFFROI_LISTEN", "everywhere")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("BEFFROI_LISTEN"), "{err}");
}

#[tokio::test]
async fn users_log_in_with_their_password_only() {
    use beffroi_server::users::{self, NewUser, Role, UserError};
    let dir = tempfile::tempdir().unwrap();
    let pool = beffroi_server::db::open(dir.path()).await.unwrap();
    let now: jiff::Timestamp = "2026-11-29T12:00:00Z".parse().unwrap();
    let editor = NewUser {
        username: "agent.fruges".into(),
        password: "la belle vallée de la Lys".into(),
        role: Role::Editor,
        communes: vec!["62364".parse().unwrap()],
    };
    users::create(&pool, &editor, now).await.unwrap();
    let user = users::verify_login(&pool, "agent.fruges", "la belle vallée de la Lys")
        .await
        .unwrap()
        .expect("logged in");
    assert_eq!(user.role, Role::Editor);
    assert_eq!(user.communes, vec!["62364".parse().unwrap()]);
    assert!(
        users::verify_login(&pool, "agent.fruges", "la belle vallée de la lys")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        users::verify_login(&pool, "nobody", "la belle vallée de la Lys")
            .await
            .unwrap()
            .is_none()
    );
    // Names are unique without case; rules are enforced with a message.
    let again = NewUser {
        username: "Agent.Fruges".into(),
        ..editor.clone()
    };
    assert!(matches!(
        users::create(&pool, &again, now).await,
        Err(UserError::Exists(_))
    ));
    let short = NewUser {
        username: "court".into(),
        password: "trop court".into(),
        ..editor.clone()
    };
    assert!(
        users::create(&pool, &short, now)
            .await
            .unwrap_err()
            .to_string()
            .contains("at least 12")
    );
    let nowhere = NewUser {
        username: "sans.commune".into(),
        communes: vec![],
        ..editor.clone()
    };
    assert!(
        users::create(&pool, &nowhere, now)
            .await
            .unwrap_err()
            .to_string()
            .contains("needs at least one commune")
    );
    let elsewhere = NewUser {
        username: "ailleurs".into(),
        communes: vec!["75056".parse().unwrap()],
        ..editor
    };
    assert!(
        users::create(&pool, &elsewhere, now)
            .await
            .unwrap_err()
            .to_string()
            .contains("75056 is not a commune of the territory")
    );
}

#[test]
fn admin_create_user_reads_the_password_from_stdin() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str| {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_beffroi-server"))
            .args([
                "admin",
                "create-user",
                "--username",
                name,
                "--role",
                "admin",
            ])
            .env("BEFFROI_DATA_DIR", dir.path())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"un mot de passe assez long\n")
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let out = run("officier");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("user officier (admin) created"));
    let again = run("officier");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let user = rt.block_on(async {
        let pool = beffroi_server::db::open(dir.path()).await.unwrap();
        beffroi_server::users::verify_login(&pool, "officier", "un mot de passe assez long")
            .await
            .unwrap()
    });
    assert!(user.is_some());
}
