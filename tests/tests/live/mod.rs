//! Harness of the live-player end-to-end tests: a live player on its own threads (sync and
//! headless frames, exactly as `beffroi-player run --config` runs them) with its data
//! folder, a real server with a Fruges screen, and helpers that read the frames it writes.

#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use beffroi_player::cache::disk::{Disk, OsDisk};
use beffroi_player::clock::{Clock, SystemClock};
use beffroi_player::config::Config;
use beffroi_player::live::{Live, Signal};
use beffroi_player::trust::ClockTrust;
use beffroi_server::users::Role;
use serde_json::{Value, json};

use crate::common::{Api, FRUGES, TestServer};

pub const SCREEN: &str = "mairie-fruges";
/// Long enough for a slow CI machine; a passing run takes a few seconds.
pub const DEADLINE: Duration = Duration::from_secs(90);

/// A live player on its own threads, with its data directory.
pub struct Player {
    dir: Option<tempfile::TempDir>,
    stop: Arc<AtomicBool>,
    signal: Arc<Signal>,
    thread: Option<std::thread::JoinHandle<anyhow::Result<beffroi_player::live::Ending>>>,
}

/// The configuration of a test player: frames of 320×180 written at most every second,
/// a heartbeat every second, and `extra` lines.
pub fn config_text(server: &str, extra: &str) -> String {
    config_text_sized(server, extra, SMALL)
}

/// The frame size of test players: small, so that a frame a second costs little.
pub const SMALL: &str = "320x180";

/// [`config_text`] with frames of `size` ("640x360").
pub fn config_text_sized(server: &str, extra: &str, size: &str) -> String {
    format!(
        "server = \"{server}\"\ndata_dir = \"data\"\nheartbeat_s = 1\n{extra}\n\
         [display]\nheadless_frame_every_s = 1\nheadless_size = \"{size}\"\n"
    )
}

/// What a test may replace under the player.
pub struct Setup {
    /// Its clock.
    pub clock: Arc<dyn Clock>,
    /// Whether it believes the clock.
    pub trust: ClockTrust,
    /// The disk it writes through.
    pub disk: Arc<dyn Disk>,
    /// Its frames' size.
    pub size: &'static str,
}

impl Default for Setup {
    fn default() -> Self {
        Self {
            clock: Arc::new(SystemClock),
            trust: ClockTrust::new(Box::new(|| true)),
            disk: Arc::new(OsDisk),
            size: SMALL,
        }
    }
}

impl Player {
    /// True once the player's loop has ended by itself (a `restart` action).
    pub fn has_exited(&self) -> bool {
        self.thread
            .as_ref()
            .is_some_and(std::thread::JoinHandle::is_finished)
    }

    /// Wakes the player's loop (after changing its clock or trust).
    pub fn poke(&self) {
        self.signal.raise();
    }

    /// The pixel at fractions (`fx`, `fy`) of the last frame written.
    pub fn pixel(&self, fx: f32, fy: f32) -> Option<[u8; 3]> {
        let frame = image::open(self.data().join("frame.png")).ok()?.to_rgb8();
        let x = ((frame.width() as f32 * fx) as u32).min(frame.width() - 1);
        let y = ((frame.height() as f32 * fy) as u32).min(frame.height() - 1);
        Some(frame.get_pixel(x, y).0)
    }

    /// Waits until the pixel at (`fx`, `fy`) is `colour` (within a small tolerance).
    pub async fn wait_for_pixel(&self, fx: f32, fy: f32, colour: [u8; 3], what: &str) {
        let start = Instant::now();
        loop {
            let seen = self.pixel(fx, fy);
            if seen.is_some_and(|c| close(c, colour)) {
                return;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "{what}: the frame at ({fx}, {fy}) is {seen:?}, not {colour:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Starts a player of `server` with extra configuration lines `extra`.
    pub fn start(server: &str, extra: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        Self::start_in(dir, server, extra)
    }

    /// Starts a player in `dir` (a folder a stopped player left).
    pub fn start_in(dir: tempfile::TempDir, server: &str, extra: &str) -> Self {
        Self::start_with(dir, server, extra, Setup::default())
    }

    /// Starts a player in `dir` with the clock, trust and disk of `setup`.
    pub fn start_with(dir: tempfile::TempDir, server: &str, extra: &str, setup: Setup) -> Self {
        let config_path = dir.path().join("player.toml");
        std::fs::write(&config_path, config_text_sized(server, extra, setup.size)).unwrap();
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
                let live = Live::start_on(config, &config_path, setup.trust, wake, setup.disk)?;
                beffroi_player::live::headless(live, &signal, setup.clock.as_ref(), &|| {
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

    /// Replaces the player's configuration file (by rename, as editors do).
    pub fn rewrite_config(&self, text: &str) {
        let dir = self.dir.as_ref().unwrap().path();
        std::fs::write(dir.join("player.toml.new"), text).unwrap();
        std::fs::rename(dir.join("player.toml.new"), dir.join("player.toml")).unwrap();
    }

    pub fn data(&self) -> PathBuf {
        self.dir.as_ref().unwrap().path().join("data")
    }

    /// Stops the player and hands its folder back (to start it again).
    pub fn stop(mut self) -> tempfile::TempDir {
        self.stop.store(true, Ordering::Relaxed);
        self.signal.raise();
        if let Some(t) = self.thread.take() {
            t.join().unwrap().unwrap();
        }
        self.dir.take().unwrap()
    }

    /// The centre pixel of the last frame written.
    pub fn centre(&self) -> Option<[u8; 3]> {
        self.pixel(0.5, 0.5)
    }

    /// Waits until the frame's centre is `colour` (within a small tolerance).
    pub async fn wait_for_colour(&self, colour: [u8; 3], what: &str) {
        self.wait_for_pixel(0.5, 0.5, colour, what).await;
    }

    /// Waits for the pairing code the player shows.
    pub async fn pairing_code(&self) -> String {
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

/// Whether some point of a 48×48 grid over the frame is `colour` (a photo, a bin's tile:
/// nothing else on the slide has its colour).
pub fn shows(player: &Player, colour: [u8; 3]) -> bool {
    (0..48).any(|i| {
        (0..48).any(|j| {
            let (fx, fy) = ((i as f32 + 0.5) / 48.0, (j as f32 + 0.5) / 48.0);
            player.pixel(fx, fy).is_some_and(|c| close(c, colour))
        })
    })
}

/// Waits until the frame shows `colour` somewhere.
pub async fn wait_to_show(player: &Player, colour: [u8; 3], what: &str) {
    let start = Instant::now();
    while !shows(player, colour) {
        assert!(start.elapsed() < DEADLINE, "{what}: never shown");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub fn close(a: [u8; 3], b: [u8; 3]) -> bool {
    a.iter().zip(b).all(|(x, y)| x.abs_diff(y) <= 6)
}

/// A solid PNG.
pub fn solid(colour: [u8; 3]) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(64, 36, image::Rgb(colour));
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

/// Uploads a solid picture and makes it the screen's only slide (draft).
pub async fn show_colour(admin: &Api, colour: [u8; 3], first: bool) {
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

pub async fn publish(admin: &Api) {
    let r = admin.post("/api/v1/publish", &json!({})).await;
    assert_eq!(r.0, 200, "{}", r.1);
}

/// A server with a published Fruges screen showing red.
pub async fn server_showing_red() -> (TestServer, Api) {
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

pub const RED: [u8; 3] = [220, 30, 30];
pub const GREEN: [u8; 3] = [30, 200, 60];
pub const BLUE: [u8; 3] = [30, 60, 220];

/// Claims the code `player` shows for the Fruges screen, as an officer would.
pub async fn claim(admin: &Api, player: &Player) {
    let code = player.pairing_code().await;
    let r = admin
        .post(
            "/api/v1/pairing/claim",
            &json!({ "code": code, "screen": SCREEN }),
        )
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
}

/// Pairs `player` through its on-screen code and waits for the red slide.
pub async fn pair_and_see_red(admin: &Api, player: &Player) {
    claim(admin, player).await;
    player.wait_for_colour(RED, "after pairing").await;
}

/// A player drawing 640×360 frames (the smallest test frames leave no room for a photo or a
/// bin's tile), paired with the Fruges screen of `server` and showing its red slide; it
/// polls hourly, so what reaches it next comes by push.
pub async fn paired_player(server: &TestServer, admin: &Api) -> Player {
    let setup = Setup {
        size: "640x360",
        ..Setup::default()
    };
    let player = Player::start_with(
        tempfile::tempdir().unwrap(),
        &server.url,
        "poll_interval_s = 3600",
        setup,
    );
    pair_and_see_red(admin, &player).await;
    player
}

/// Makes `item` the Fruges screen's only slide and publishes; returns once the red slide
/// is gone and the player listens for pushes.
pub async fn play_only(admin: &Api, player: &Player, item: serde_json::Value) {
    let body = json!({ "name": "Couleur", "items": [item] });
    let r = admin
        .put("/api/v1/playlists/couleur", &json!({ "body": body }))
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    publish(admin).await;
    let start = Instant::now();
    while shows(player, RED) {
        assert!(start.elapsed() < DEADLINE, "the new slide never showed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    wait_listening(admin).await;
}

/// Waits until the Fruges screen's player listens to its event stream (actions and
/// pushes reach it only then).
pub async fn wait_listening(admin: &Api) {
    let start = Instant::now();
    while admin
        .get(&format!("/api/v1/screens/{SCREEN}/status"))
        .await
        .1["listening"]
        .as_u64()
        .unwrap_or(0)
        == 0
    {
        assert!(start.elapsed() < DEADLINE, "the player never listens");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Every file under `dir` whose name is `name`.
pub fn find(dir: &Path, name: &str) -> Vec<PathBuf> {
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

pub const YELLOW: [u8; 3] = [230, 210, 40];

/// A PNG of `w`×`h` filled by `f(x, y)`.
pub fn picture(w: u32, h: u32, f: impl Fn(u32, u32) -> [u8; 3]) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb(f(x, y)));
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

/// Uploads `png` as shared media; its address.
pub async fn upload(admin: &Api, png: Vec<u8>) -> String {
    let name = format!("{}.png", beffroi_protocol::ids::Sha256::of(&png));
    let r = admin
        .post_bytes(
            &format!("/api/v1/media?name={name}&owner=shared"),
            "image/png",
            png,
        )
        .await;
    assert!(r.0 == 201 || r.0 == 200, "{}", r.1);
    r.1["sha256"].as_str().unwrap().to_owned()
}

/// Uploads `png` and makes playlist `id` show it alone (created on first use).
pub async fn playlist_of(admin: &Api, id: &str, png: Vec<u8>) {
    let sha = upload(admin, png).await;
    let body = json!({ "name": id, "items": [
        { "id": "p", "duration_ms": 10_000, "kind": "image", "asset": sha, "fit": "cover" }
    ]});
    let r = admin
        .put(&format!("/api/v1/playlists/{id}"), &json!({ "body": body }))
        .await;
    if r.0 == 404 {
        let r = admin
            .post(
                "/api/v1/playlists",
                &json!({ "id": id, "owner": FRUGES, "body": body }),
            )
            .await;
        assert_eq!(r.0, 201, "{}", r.1);
    } else {
        assert_eq!(r.0, 200, "{}", r.1);
    }
}

/// Plays playlist `id` on the Fruges screen every day from `start` to `end` (local).
pub async fn schedule(admin: &Api, id: &str, start: &str, end: &str) {
    let body = json!({ "name": id, "zone": "main", "playlist": id,
        "window": { "start": start, "end": end }, "targets": { "screens": [SCREEN] } });
    let r = admin
        .post(
            "/api/v1/schedule",
            &json!({ "id": id, "owner": FRUGES, "body": body }),
        )
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
}

/// The last heartbeat report of the Fruges screen, as text.
pub async fn report(admin: &Api) -> String {
    admin
        .get(&format!("/api/v1/screens/{SCREEN}/status"))
        .await
        .1["report"]
        .to_string()
}

/// Waits until the screen's heartbeat report contains `needle`.
pub async fn wait_for_report(admin: &Api, needle: &str) {
    let start = Instant::now();
    loop {
        let r = report(admin).await;
        if r.contains(needle) {
            return;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "no \"{needle}\" in the report: {r}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// An instant written in RFC 3339.
pub fn at(s: &str) -> jiff::Timestamp {
    s.parse().unwrap()
}
