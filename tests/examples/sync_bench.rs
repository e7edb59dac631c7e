//! Player sync benchmark, printed as figures (never asserted):
//!
//! 1. Publish → new content latency with N players connected (default 50): from sending
//!    `POST /api/v1/publish` to each player's sync thread having the new version whole in
//!    its cache (downloaded, verified, switched), plus the time to draw the new frame once
//!    (1080p, on this machine's renderer) — the moment the screen changes.
//! 2. Protocol bytes of one idle player over S seconds (default 120) with the default
//!    settings (push on, poll every 60 s, heartbeat every 30 s, the server's keep-alive
//!    every 15 s), counted on the wire by a relay, and extrapolated to a day.
//!
//! Usage: `cargo run --release -p beffroi-tests --example sync_bench -- [--players N]
//! [--publishes N] [--idle S]`.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use beffroi_player::alerts::AlertStore;
use beffroi_player::cache::Cache;
use beffroi_player::cache::disk::{Disk, OsDisk};
use beffroi_player::journal::Journal;
use beffroi_player::sync::device::Device;
use beffroi_player::sync::{self, Shared, SyncEvent};
use beffroi_player::trust::ClockTrust;
use beffroi_server::Settings;
use beffroi_server::auth::tokens;
use beffroi_server::users::{NewUser, Role};
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

struct Args {
    players: usize,
    publishes: usize,
    idle: u64,
}

fn args() -> Args {
    let mut a = Args {
        players: 50,
        publishes: 20,
        idle: 120,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    for pair in argv.chunks(2) {
        let value = pair.get(1).and_then(|v| v.parse().ok());
        match (pair[0].as_str(), value) {
            ("--players", Some(v)) => a.players = v,
            ("--publishes", Some(v)) => a.publishes = v,
            ("--idle", Some(v)) => a.idle = v as u64,
            _ => panic!("usage: sync_bench [--players N] [--publishes N] [--idle S]"),
        }
    }
    a
}

fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let a = args();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run(a));
}

/// A device of screen `screen` made directly in the database (the pairing rate limit would
/// rightly refuse dozens of pairings from one address), written as the player's
/// `device.json`.
async fn device(pool: &sqlx::SqlitePool, url: &str, key: &str, screen: &str, data: &Path) {
    let token = tokens::new_token(tokens::DEVICE_TOKEN_PREFIX);
    sqlx::query("INSERT INTO devices (screen_id, token_hash, created_at) VALUES (?1, ?2, '2026-01-01T00:00:00Z')")
        .bind(screen)
        .bind(tokens::hash(&token))
        .execute(pool)
        .await
        .unwrap();
    Device {
        server: url.to_owned(),
        token,
        screen_id: screen.to_owned(),
        server_public_key: key.to_owned(),
        tls_fingerprint: None,
        paired_at: jiff::Timestamp::now(),
    }
    .save(data)
    .unwrap();
}

/// A player's sync thread (no renderer) reporting its new versions on `tx`.
fn player(
    data: &Path,
    url: &str,
    poll: u64,
    heartbeat: u64,
    tx: mpsc::Sender<(usize, String, Instant)>,
    index: usize,
) -> sync::SyncHandle {
    let disk: Arc<dyn Disk> = Arc::new(OsDisk);
    let shared = Arc::new(Shared::new(
        Cache::open(Arc::clone(&disk), &data.join("cache")).unwrap(),
        AlertStore::open(Arc::clone(&disk), &data.join("alerts.json")).0,
        Journal::open(Arc::clone(&disk), &data.join("plays.jsonl")).unwrap(),
        ClockTrust::new(Box::new(|| true)),
    ));
    let options = sync::Options {
        server: url.to_owned(),
        data_dir: data.to_owned(),
        poll_interval: Duration::from_secs(poll),
        push: true,
        heartbeat: Duration::from_secs(heartbeat),
        parallelism: 3,
    };
    sync::spawn(options, shared, move |e| {
        if let SyncEvent::Current(b) = e {
            let _ = tx.send((index, b.manifest.version.clone(), Instant::now()));
        }
    })
    .unwrap()
}

async fn run(a: Args) {
    let dir = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let url = format!("http://{addr}");
    let settings = Settings {
        data_dir: dir.path().join("server"),
        ..Settings::default()
    };
    std::fs::create_dir_all(&settings.data_dir).unwrap();
    let pool = beffroi_server::db::open(&settings.data_dir).await.unwrap();
    let key = beffroi_server::keys::public_hex(
        &beffroi_server::keys::load_or_create(&settings.data_dir).unwrap(),
    );
    let admin_id = beffroi_server::users::create(
        &pool,
        &NewUser {
            username: "admin".into(),
            password: "bench password 123".into(),
            role: Role::Admin,
            communes: Vec::new(),
        },
        jiff::Timestamp::now(),
    )
    .await
    .unwrap();
    let admin_token = tokens::new_token(tokens::USER_TOKEN_PREFIX);
    sqlx::query("INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES (?1, 'bench', ?2, '2026-01-01T00:00:00Z')")
        .bind(admin_id)
        .bind(tokens::hash(&admin_token))
        .execute(&pool)
        .await
        .unwrap();
    let keepalive = settings.sse_keepalive_s;
    tokio::spawn(async move {
        beffroi_server::launch_with_listener(settings, listener, std::future::pending())
            .await
            .unwrap();
    });
    let admin = reqwest::Client::new();
    let post = |path: &str, body: serde_json::Value| {
        admin
            .post(format!("{url}{path}"))
            .bearer_auth(&admin_token)
            .json(&body)
            .send()
    };
    for _ in 0..400 {
        if reqwest::get(format!("{url}/healthz")).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let playlist = |title: &str| {
        json!({ "name": "Accueil", "items": [
            { "id": "a", "duration_ms": 8000, "kind": "text", "title": { "fr": title } }
        ]})
    };
    let r = post(
        "/api/v1/playlists",
        json!({ "id": "accueil", "body": playlist("Bonjour 0") }),
    )
    .await
    .unwrap();
    assert!(r.status().is_success());
    let screens = a.players + 1;
    for i in 0..screens {
        let r = post(
            "/api/v1/screens",
            json!({ "id": format!("ecran-{i:03}"), "owner": "62364",
            "body": { "name": format!("Écran {i}"), "commune": "62364", "layout": "fullscreen",
                      "default_playlists": { "main": "accueil" } } }),
        )
        .await
        .unwrap();
        assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    }
    let r = post("/api/v1/publish", json!({})).await.unwrap();
    assert!(r.status().is_success());

    // 1. Publish → new content, N players.
    let (tx, rx) = mpsc::channel();
    let mut handles = Vec::new();
    for i in 0..a.players {
        let data = dir.path().join(format!("player-{i}"));
        std::fs::create_dir_all(&data).unwrap();
        device(&pool, &url, &key, &format!("ecran-{i:03}"), &data).await;
        handles.push(player(&data, &url, 3600, 30, tx.clone(), i));
    }
    let mut first = vec![false; a.players];
    while first.iter().any(|f| !f) {
        let (i, _, _) = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("first syncs");
        first[i] = true;
    }
    println!(
        "{} players synced; {} publishes follow",
        a.players, a.publishes
    );
    let mut latencies = Vec::new();
    let mut headless = beffroi_player::frame::Headless::new().ok();
    let mut frame_ms = Vec::new();
    for p in 1..=a.publishes {
        let r = admin
            .put(format!("{url}/api/v1/playlists/accueil"))
            .bearer_auth(&admin_token)
            .json(&json!({ "body": playlist(&format!("Bonjour {p}")) }))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
        let t0 = Instant::now();
        let r = post("/api/v1/publish", json!({})).await.unwrap();
        assert!(r.status().is_success());
        let mut got = vec![false; a.players];
        while got.iter().any(|g| !g) {
            let (i, _, at) = rx
                .recv_timeout(Duration::from_secs(60))
                .expect("new content");
            if !got[i] {
                got[i] = true;
                latencies.push(at.duration_since(t0).as_secs_f64() * 1000.0);
            }
        }
        if let Some(h) = headless.as_mut() {
            let cache = Cache::open(Arc::new(OsDisk), &dir.path().join("player-0/cache")).unwrap();
            let version = cache.load().0.unwrap().version;
            let bundle = cache.bundle(&version).unwrap();
            let t = Instant::now();
            let _ = h.frame(&bundle, jiff::Timestamp::now(), 1920, 1080);
            frame_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    latencies.sort_by(f64::total_cmp);
    frame_ms.sort_by(f64::total_cmp);
    let pct = |v: &[f64], p: f64| v[((v.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "publish → new version whole in the cache, {} players × {} publishes: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        a.players,
        a.publishes,
        pct(&latencies, 0.5),
        pct(&latencies, 0.99),
        latencies.last().unwrap()
    );
    if !frame_ms.is_empty() {
        println!(
            "+ drawing the new 1080p frame ({}): p50 {:.1} ms → publish → new frame ≈ p50 {:.1} ms, p99 {:.1} ms",
            headless.as_ref().unwrap().describe(),
            pct(&frame_ms, 0.5),
            pct(&latencies, 0.5) + pct(&frame_ms, 0.5),
            pct(&latencies, 0.99) + pct(&frame_ms, 0.99),
        );
    }
    for h in handles {
        h.stop();
    }

    // 2. Bytes of an idle player, through a counting relay.
    let up = Arc::new(AtomicU64::new(0));
    let down = Arc::new(AtomicU64::new(0));
    let relay = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let relay_url = format!("http://{}", relay.local_addr().unwrap());
    {
        let (up, down) = (Arc::clone(&up), Arc::clone(&down));
        tokio::spawn(async move {
            loop {
                let (client, _) = relay.accept().await.unwrap();
                let server = tokio::net::TcpStream::connect(addr).await.unwrap();
                let (cr, cw) = client.into_split();
                let (sr, sw) = server.into_split();
                tokio::spawn(pipe(cr, sw, Arc::clone(&up)));
                tokio::spawn(pipe(sr, cw, Arc::clone(&down)));
            }
        });
    }
    let data = dir.path().join("idle");
    std::fs::create_dir_all(&data).unwrap();
    device(
        &pool,
        &relay_url,
        &key,
        &format!("ecran-{:03}", a.players),
        &data,
    )
    .await;
    let (tx, rx) = mpsc::channel();
    let idle = player(&data, &relay_url, 60, 30, tx, 0);
    rx.recv_timeout(Duration::from_secs(60))
        .expect("idle player synced");
    let (u0, d0) = (up.load(Ordering::Relaxed), down.load(Ordering::Relaxed));
    tokio::time::sleep(Duration::from_secs(a.idle)).await;
    let (u, d) = (
        up.load(Ordering::Relaxed) - u0,
        down.load(Ordering::Relaxed) - d0,
    );
    idle.stop();
    let per_day = |b: u64| b as f64 * 86_400.0 / a.idle as f64;
    println!(
        "idle player over {} s (poll 60 s, heartbeat 30 s, keep-alive {keepalive} s): {u} B up, {d} B down \
         → {:.2} MB/day up, {:.2} MB/day down, {:.2} MB/day in all",
        a.idle,
        per_day(u) / 1e6,
        per_day(d) / 1e6,
        per_day(u + d) / 1e6
    );
}

/// Copies `from` to `to`, counting the bytes.
async fn pipe(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    count: Arc<AtomicU64>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                count.fetch_add(n as u64, Ordering::Relaxed);
                if to.write_all(&buf[..n]).await.is_err() {
                    return;
                }
            }
        }
    }
}
