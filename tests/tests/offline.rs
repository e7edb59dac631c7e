//! The live player without its server: the schedule keeps playing through a simulated day
//! and the player catches up when the server returns; an untrusted clock plays the default
//! content until it is trusted; a full disk refuses a download and keeps what plays.

#[path = "../../content-server/tests/common/mod.rs"]
mod common;
mod live;

use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use beffroi_player::cache::disk::{Disk, DiskFile, OsDisk};
use beffroi_player::clock::{FrozenClock, SimulatedClock};
use beffroi_player::trust::ClockTrust;
use live::*;

/// Night in Fruges: only the default playlist (red) plays then.
const NIGHT: &str = "2026-12-01T06:00:00+01:00";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_schedule_plays_through_a_simulated_day_with_the_server_down_then_catches_up() {
    let (server, admin) = server_showing_red().await;
    playlist_of(&admin, "matin", picture(64, 36, |_, _| GREEN)).await;
    playlist_of(&admin, "aprem", picture(64, 36, |_, _| BLUE)).await;
    schedule(&admin, "matin", "08:00", "12:00").await;
    schedule(&admin, "aprem", "12:00", "18:00").await;
    publish(&admin).await;
    let night = Setup {
        clock: Arc::new(FrozenClock(at(NIGHT))),
        ..Setup::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let player = Player::start_with(dir, &server.url, "poll_interval_s = 1", night);
    pair_and_see_red(&admin, &player).await;
    let dir = player.stop();
    let mut server = server;
    server.shutdown().await;

    // A day at 1200× (an hour every 3 s) from 07:00, the server gone.
    let day = Setup {
        clock: Arc::new(SimulatedClock::new(at("2026-12-01T07:00:00+01:00"), 1200.0)),
        ..Setup::default()
    };
    let player = Player::start_with(dir, &server.url, "poll_interval_s = 1", day);
    player.wait_for_colour(RED, "07:00, default").await;
    player.wait_for_colour(GREEN, "08:00–12:00, morning").await;
    player.wait_for_colour(BLUE, "12:00–18:00, afternoon").await;
    player
        .wait_for_colour(RED, "after 18:00, default again")
        .await;

    // The server is back: what was published meanwhile arrives.
    let server = server.restart_at_same_address().await;
    let admin = server.login("admin").await;
    for id in ["couleur", "matin", "aprem"] {
        playlist_of(&admin, id, picture(64, 36, |_, _| YELLOW)).await;
    }
    publish(&admin).await;
    player
        .wait_for_colour(YELLOW, "caught up with the server")
        .await;
    player.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_clock_plays_the_default_until_it_is_trusted() {
    let (mut server, admin) = server_showing_red().await;
    playlist_of(&admin, "matin", picture(64, 36, |_, _| GREEN)).await;
    schedule(&admin, "matin", "08:00", "12:00").await;
    publish(&admin).await;
    let morning = || Arc::new(FrozenClock(at("2026-12-01T10:00:00+01:00")));
    let trusted = Setup {
        clock: morning(),
        ..Setup::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let player = Player::start_with(dir, &server.url, "poll_interval_s = 1", trusted);
    // Paired at 10:00 with a trusted clock: the morning playlist.
    claim(&admin, &player).await;
    player
        .wait_for_colour(GREEN, "trusted clock at 10:00")
        .await;
    let dir = player.stop();
    // No server to vouch for the time, no time synchronisation yet.
    server.shutdown().await;
    let synchronised = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&synchronised);
    let untrusted = Setup {
        clock: morning(),
        trust: ClockTrust::new(Box::new(move || flag.load(Ordering::Relaxed)))
            .with_probe_interval(std::time::Duration::ZERO),
        ..Setup::default()
    };
    let player = Player::start_with(dir, &server.url, "poll_interval_s = 1", untrusted);
    player
        .wait_for_colour(RED, "untrusted clock: the default playlist")
        .await;
    synchronised.store(true, Ordering::Relaxed);
    player.poke();
    player
        .wait_for_colour(GREEN, "synchronised: the schedule again")
        .await;
    player.stop();
}

/// The real disk, refusing writes beyond a quota as a full filesystem does.
#[derive(Debug)]
struct SmallDisk {
    left: Arc<AtomicU64>,
}

#[derive(Debug)]
struct SmallFile {
    inner: Box<dyn DiskFile>,
    left: Arc<AtomicU64>,
}

impl Write for SmallFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = buf.len() as u64;
        let ok = self
            .left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |l| l.checked_sub(n))
            .is_ok();
        if !ok {
            return Err(io::Error::new(
                io::ErrorKind::StorageFull,
                "No space left on device",
            ));
        }
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl DiskFile for SmallFile {
    fn sync(&mut self) -> io::Result<()> {
        self.inner.sync()
    }
}

impl Disk for SmallDisk {
    fn read(&self, path: &std::path::Path) -> io::Result<Vec<u8>> {
        OsDisk.read(path)
    }
    fn len(&self, path: &std::path::Path) -> io::Result<u64> {
        OsDisk.len(path)
    }
    fn exists(&self, path: &std::path::Path) -> bool {
        OsDisk.exists(path)
    }
    fn list(&self, dir: &std::path::Path) -> io::Result<Vec<std::ffi::OsString>> {
        OsDisk.list(dir)
    }
    fn create_dir_all(&self, dir: &std::path::Path) -> io::Result<()> {
        OsDisk.create_dir_all(dir)
    }
    fn create(&self, path: &std::path::Path) -> io::Result<Box<dyn DiskFile>> {
        Ok(Box::new(SmallFile {
            inner: OsDisk.create(path)?,
            left: Arc::clone(&self.left),
        }))
    }
    fn append(&self, path: &std::path::Path) -> io::Result<Box<dyn DiskFile>> {
        Ok(Box::new(SmallFile {
            inner: OsDisk.append(path)?,
            left: Arc::clone(&self.left),
        }))
    }
    fn rename(&self, from: &std::path::Path, to: &std::path::Path) -> io::Result<()> {
        OsDisk.rename(from, to)
    }
    fn remove(&self, path: &std::path::Path) -> io::Result<()> {
        OsDisk.remove(path)
    }
    fn sync_dir(&self, dir: &std::path::Path) -> io::Result<()> {
        OsDisk.sync_dir(dir)
    }
    fn available(&self, _: &std::path::Path) -> Option<u64> {
        // Unknown, as on filesystems that do not say: the write itself must fail cleanly.
        None
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_the_download_and_keeps_what_plays() {
    let (server, admin) = server_showing_red().await;
    let left = Arc::new(AtomicU64::new(u64::MAX));
    let setup = Setup {
        disk: Arc::new(SmallDisk {
            left: Arc::clone(&left),
        }),
        ..Setup::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let player = Player::start_with(dir, &server.url, "poll_interval_s = 1\npush = false", setup);
    pair_and_see_red(&admin, &player).await;
    // 20 kB left; a noisy picture with a blue middle makes a rendition far larger.
    left.store(20_000, Ordering::SeqCst);
    let noisy = picture(1200, 800, |x, y| {
        if (500..700).contains(&x) && (300..500).contains(&y) {
            BLUE
        } else {
            let h = x
                .wrapping_mul(2_654_435_761)
                .wrapping_add(y.wrapping_mul(40_503));
            [(h >> 3) as u8, (h >> 11) as u8, (h >> 19) as u8]
        }
    });
    playlist_of(&admin, "couleur", noisy).await;
    publish(&admin).await;
    wait_for_report(&admin, "disk space").await;
    assert!(
        player.centre().is_some_and(|c| close(c, RED)),
        "the old content stays"
    );
    // Room again: the download completes.
    left.store(u64::MAX, Ordering::SeqCst);
    player.wait_for_colour(BLUE, "with room again").await;
    player.stop();
}

/// The theme's alert colour, filling the frame's edges on the alert page.
const ALERT: [u8; 3] = [0xc6, 0x28, 0x28];

async fn raise(admin: &common::Api, minutes: i64) -> serde_json::Value {
    let expires = jiff::Timestamp::now() + jiff::SignedDuration::from_mins(minutes);
    let r = admin
        .post(
            "/api/v1/alerts",
            &serde_json::json!({ "id": "crue", "severity": "critical",
                "title": { "fr": "Alerte crue" }, "message": { "fr": "Évitez les berges de la Lys." },
                "expires_at": expires.to_string(), "target": { "screens": [SCREEN] } }),
        )
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
    r.1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alert_arrives_by_push_survives_a_restart_and_expires_with_no_server() {
    let (server, admin) = server_showing_red().await;
    playlist_of(&admin, "couleur", picture(64, 36, |_, _| GREEN)).await;
    publish(&admin).await;
    let player = Player::start(&server.url, "poll_interval_s = 3600\npush = true");
    claim(&admin, &player).await;
    player.wait_for_colour(GREEN, "content").await;
    // Polling once an hour: the alert can only come by push.
    raise(&admin, 10).await;
    player
        .wait_for_pixel(0.01, 0.99, ALERT, "the alert, pushed")
        .await;
    // Restarted with the server gone: the alert store brings it back at once.
    let dir = player.stop();
    let mut server = server;
    server.shutdown().await;
    std::fs::remove_file(dir.path().join("data/frame.png")).unwrap();
    let player = Player::start_in(dir, &server.url, "poll_interval_s = 3600");
    player
        .wait_for_pixel(0.01, 0.99, ALERT, "the alert after a restart")
        .await;
    // Ten minutes later (a clock running 60× faster), still no server: it has expired.
    let dir = player.stop();
    let later = Setup {
        clock: Arc::new(SimulatedClock::new(jiff::Timestamp::now(), 60.0)),
        ..Setup::default()
    };
    let player = Player::start_with(dir, &server.url, "poll_interval_s = 3600", later);
    player
        .wait_for_colour(GREEN, "the alert expired offline")
        .await;
    player.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_alert_never_returns_even_from_an_older_manifest() {
    let (server, admin) = server_showing_red().await;
    playlist_of(&admin, "couleur", picture(64, 36, |_, _| GREEN)).await;
    publish(&admin).await;
    let player = Player::start(&server.url, "poll_interval_s = 1\npush = true");
    claim(&admin, &player).await;
    player.wait_for_colour(GREEN, "content").await;
    raise(&admin, 60).await;
    player.wait_for_pixel(0.01, 0.99, ALERT, "the alert").await;
    // Wait until the manifest carrying the alert is current in the cache.
    let cache = player.data().join("cache");
    let with_alert = wait_for_new_current(&cache, None).await;
    let r = admin
        .post("/api/v1/alerts/crue/cancel", &serde_json::json!({}))
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    player
        .wait_for_pixel(0.01, 0.99, GREEN, "cancelled: the content again")
        .await;
    wait_for_new_current(&cache, Some(&with_alert)).await;
    let dir = player.stop();
    let mut server = server;
    server.shutdown().await;
    // Make the older manifest, which still shows the alert, current again.
    std::fs::write(
        dir.path().join("data/cache/current"),
        format!("{with_alert}\n"),
    )
    .unwrap();
    std::fs::remove_file(dir.path().join("data/frame.png")).unwrap();
    let player = Player::start_in(dir, &server.url, "poll_interval_s = 3600");
    player
        .wait_for_colour(GREEN, "the older manifest's alert stays cancelled")
        .await;
    assert!(
        player.pixel(0.01, 0.99).is_some_and(|c| close(c, GREEN)),
        "no alert page"
    );
    player.stop();
}

/// Waits until the cache's current version differs from `old`; returns it.
async fn wait_for_new_current(cache: &std::path::Path, old: Option<&str>) -> String {
    let start = std::time::Instant::now();
    loop {
        let now = std::fs::read_to_string(cache.join("current"))
            .map(|s| s.trim().to_owned())
            .ok();
        if let Some(v) = now.filter(|v| Some(v.as_str()) != old) {
            // The alert refresh is one more manifest after the first sync.
            if old.is_some() || has_alert(cache, &v) {
                return v;
            }
        }
        assert!(
            start.elapsed() < DEADLINE,
            "the cache never changed version"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

fn has_alert(cache: &std::path::Path, version: &str) -> bool {
    std::fs::read(cache.join(format!("manifests/{version}.json")))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .is_some_and(|m| m["alerts"].as_array().is_some_and(|a| !a.is_empty()))
}
