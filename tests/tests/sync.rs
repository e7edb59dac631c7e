//! The live player against the real server, end to end and headless: pairing through the
//! code the player shows, content arriving by push alone and by polling alone, and a
//! damaged blob on the server refused while the old content stays.
//!
//! The player runs in-process on its own threads (sync and headless frames), exactly as
//! `beffroi-player run --config` runs it; the test reads the frames it writes.

#[path = "../../content-server/tests/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use beffroi_player::clock::SystemClock;
use beffroi_player::config::Config;
use beffroi_player::live::{Live, Signal};
use beffroi_player::trust::ClockTrust;
use beffroi_server::users::Role;
use common::{Api, FRUGES, TestServer};
use serde_json::{Value, json};

const SCREEN: &str = "mairie-fruges";
/// Long enough for a slow CI machine; a passing run takes a few seconds.
const DEADLINE: Duration = Duration::from_secs(90);

/// A live player on its own threads, with its data directory.
struct Player {
    dir: Option<tempfile::TempDir>,
    stop: Arc<AtomicBool>,
    signal: Arc<Signal>,
    thread: Option<std::thread::JoinHandle<anyhow::Result<()>>>,
}

impl Player {
    /// Starts a player of `server` with extra configuration lines `extra`.
    fn start(server: &str, extra: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        Self::start_in(dir, server, extra)
    }

    fn start_in(dir: tempfile::TempDir, server: &str, extra: &str) -> Self {
        let config_path = dir.path().join("player.toml");
        std::fs::write(
            &config_path,
            format!(
                "server = \"{server}\"\ndata_dir = \"data\"\nheartbeat_s = 1\n{extra}\n\
                 [display]\nheadless_frame_every_s = 1\nheadless_size = \"320x180\"\n"
            ),
        )
        .unwrap();
        let config = Config::load(&config_path).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let signal = Arc::new(Signal::default());
        let thread = {
            let (stop, signal) = (Arc::clone(&stop), Arc::clone(&signal));
            std::thread::spawn(move || {
                let wake = {
                    let signal = Arc::clone(&signal);
                    Arc::new(move || signal.raise())
                };
                let live = Live::start(
                    config,
                    &config_path,
                    ClockTrust::new(Box::new(|| true)),
                    wake,
                )?;
                beffroi_player::live::headless(live, &signal, &SystemClock, &|| {
                    stop.load(Ordering::Relaxed)
                })
            })
        };
        Self {
            dir: Some(dir),
            stop,
            signal,
            thread: Some(thread),
        }
    }

    fn data(&self) -> PathBuf {
        self.dir.as_ref().unwrap().path().join("data")
    }

    /// Stops the player and hands its folder back (to start it again).
    fn stop(mut self) -> tempfile::TempDir {
        self.stop.store(true, Ordering::Relaxed);
        self.signal.raise();
        if let Some(t) = self.thread.take() {
            t.join().unwrap().unwrap();
        }
        self.dir.take().unwrap()
    }

    /// The centre pixel of the last frame written.
    fn centre(&self) -> Option<[u8; 3]> {
        let frame = image::open(self.data().join("frame.png")).ok()?.to_rgb8();
        let p = frame.get_pixel(frame.width() / 2, frame.height() / 2);
        Some(p.0)
    }

    /// Waits until the frame's centre is `colour` (within a small tolerance).
    async fn wait_for_colour(&self, colour: [u8; 3], what: &str) {
        let start = Instant::now();
        loop {
            let seen = self.centre();
            if seen.is_some_and(|c| close(c, colour)) {
                return;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "{what}: the frame's centre is {seen:?}, not {colour:?}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Waits for the pairing code the player shows.
    async fn pairing_code(&self) -> String {
        let path = self.data().join(beffroi_player::sync::PAIRING_FILE);
        let start = Instant::now();
        loop {
            if let Some(code) = std::fs::read(&path)
                .ok()
                .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
                .and_then(|v| v["code"].as_str().map(str::to_owned))
            {
                return code;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "the player shows no pairing code"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

fn close(a: [u8; 3], b: [u8; 3]) -> bool {
    a.iter().zip(b).all(|(x, y)| x.abs_diff(y) <= 6)
}

/// A solid PNG.
fn solid(colour: [u8; 3]) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(64, 36, image::Rgb(colour));
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

/// Uploads a solid picture and makes it the screen's only slide (draft).
async fn show_colour(admin: &Api, colour: [u8; 3], first: bool) {
    let name = format!("c{}-{}-{}.png", colour[0], colour[1], colour[2]);
    let r = admin
        .post_bytes(
            &format!("/api/v1/media?name={name}&owner=shared"),
            "image/png",
            solid(colour),
        )
        .await;
    assert!(r.0 == 201 || r.0 == 200, "{}", r.1);
    let sha = r.1["sha256"].as_str().unwrap().to_owned();
    let body = json!({ "name": "Couleur", "items": [
        { "id": "c", "duration_ms": 10_000, "kind": "image", "asset": sha, "fit": "cover" }
    ]});
    let r = if first {
        admin
            .post(
                "/api/v1/playlists",
                &json!({ "id": "couleur", "owner": FRUGES, "body": body }),
            )
            .await
    } else {
        admin
            .put("/api/v1/playlists/couleur", &json!({ "body": body }))
            .await
    };
    assert!(r.0 == 201 || r.0 == 200, "{}", r.1);
}

async fn publish(admin: &Api) {
    let r = admin.post("/api/v1/publish", &json!({})).await;
    assert_eq!(r.0, 200, "{}", r.1);
}

/// A server with a published Fruges screen showing red.
async fn server_showing_red() -> (TestServer, Api) {
    let server = TestServer::start().await;
    let admin = server.user("admin", Role::Admin, &[]).await;
    show_colour(&admin, RED, true).await;
    let r = admin
        .post(
            "/api/v1/screens",
            &json!({ "id": SCREEN, "owner": FRUGES, "body": {
                "name": "Mairie de Fruges", "commune": FRUGES, "layout": "fullscreen",
                "default_playlists": { "main": "couleur" },
            }}),
        )
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
    publish(&admin).await;
    (server, admin)
}

const RED: [u8; 3] = [220, 30, 30];
const GREEN: [u8; 3] = [30, 200, 60];
const BLUE: [u8; 3] = [30, 60, 220];

/// Pairs `player` through its on-screen code and waits for the red slide.
async fn pair_and_see_red(admin: &Api, player: &Player) {
    let code = player.pairing_code().await;
    let r = admin
        .post(
            "/api/v1/pairing/claim",
            &json!({ "code": code, "screen": SCREEN }),
        )
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
    player.wait_for_colour(RED, "after pairing").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pairing_then_a_publish_arrives_by_push_alone() {
    let (server, admin) = server_showing_red().await;
    // Polling once an hour: only the event stream can bring the change in time.
    let player = Player::start(&server.url, "poll_interval_s = 3600\npush = true");
    pair_and_see_red(&admin, &player).await;
    assert!(player.data().join("device.json").is_file());
    show_colour(&admin, GREEN, false).await;
    publish(&admin).await;
    player
        .wait_for_colour(GREEN, "after a publish, by push")
        .await;
    player.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_publish_arrives_by_polling_alone_and_plays_on_after_a_restart_without_server() {
    let (mut server, admin) = server_showing_red().await;
    let player = Player::start(&server.url, "poll_interval_s = 1\npush = false");
    pair_and_see_red(&admin, &player).await;
    show_colour(&admin, GREEN, false).await;
    publish(&admin).await;
    player
        .wait_for_colour(GREEN, "after a publish, by polling")
        .await;
    // Server gone, player restarted: the cache plays before any network access.
    server.shutdown().await;
    let dir = player.stop();
    std::fs::remove_file(dir.path().join("data/frame.png")).unwrap();
    let player = Player::start_in(dir, &server.url, "poll_interval_s = 1\npush = false");
    player
        .wait_for_colour(GREEN, "restarted with the server down")
        .await;
    player.stop();
}

/// Every file under `dir` whose name is `name`.
fn find(dir: &Path, name: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(find(&path, name));
        } else if path.file_name().is_some_and(|n| n == name) {
            out.push(path);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_blob_is_refused_the_old_content_stays_and_recovery_follows_the_fix() {
    let (server, admin) = server_showing_red().await;
    let player = Player::start(&server.url, "poll_interval_s = 1\npush = false");
    pair_and_see_red(&admin, &player).await;
    let before: Value = admin
        .get(&format!("/api/v1/screens/{SCREEN}/manifest"))
        .await
        .1;
    show_colour(&admin, BLUE, false).await;
    publish(&admin).await;
    let after: Value = admin
        .get(&format!("/api/v1/screens/{SCREEN}/manifest"))
        .await
        .1;
    let shas = |m: &Value| -> Vec<String> {
        m["assets"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|x| x["sha256"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    let new: Vec<String> = shas(&after)
        .into_iter()
        .filter(|s| !shas(&before).contains(s))
        .collect();
    assert!(!new.is_empty(), "the new manifest names new blobs: {after}");
    // Damage the new blobs on the server's disk (same size, other bytes).
    let mut originals = Vec::new();
    for sha in &new {
        for path in find(&server.data_dir.join("blobs"), sha) {
            let bytes = std::fs::read(&path).unwrap();
            std::fs::write(&path, vec![0x55; bytes.len()]).unwrap();
            originals.push((path, bytes));
        }
    }
    assert!(
        !originals.is_empty(),
        "the blobs are found on the server's disk"
    );
    // The player reports the damage and keeps red.
    let start = Instant::now();
    loop {
        let status = admin
            .get(&format!("/api/v1/screens/{SCREEN}/status"))
            .await
            .1;
        let report = status["report"].to_string();
        if report.contains("corrupt") {
            break;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "no corruption reported: {status}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        player.centre().is_some_and(|c| close(c, RED)),
        "the old content stays"
    );
    // Fixed on the server: the next poll brings blue.
    for (path, bytes) in originals {
        std::fs::write(path, bytes).unwrap();
    }
    player.wait_for_colour(BLUE, "after the fix").await;
    player.stop();
}
