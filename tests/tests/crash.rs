//! `kill -9` of the real `beffroi-player` binary at moments spread over syncs in flight,
//! two dozen times: every restart finds a whole version in the cache (hashes checked), and
//! the player ends on the latest content. (A power cut, which also loses what the page
//! cache held, is simulated write by write in `player/src/cache/tests.rs`.)

#[path = "../../content-server/tests/common/mod.rs"]
mod common;
mod live;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use beffroi_player::cache::Cache;
use beffroi_player::cache::disk::OsDisk;
use live::*;

/// The player binary of this build. A workspace test run (`scripts/test`) has built it
/// with the test binaries; run alone, this test builds it first (after changing the player,
/// run `cargo build -p beffroi-player` or the whole workspace's tests).
fn player_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(Path::parent).unwrap().to_owned();
    let bin = profile_dir.join("beffroi-player");
    if !bin.is_file() {
        let mut build = Command::new(env!("CARGO"));
        build.args([
            "build",
            "-q",
            "-p",
            "beffroi-player",
            "--bin",
            "beffroi-player",
        ]);
        if profile_dir.ends_with("release") {
            build.arg("--release");
        }
        let status = build.status().unwrap();
        assert!(status.success(), "building beffroi-player failed");
    }
    assert!(bin.is_file(), "{} was not built", bin.display());
    bin
}

fn spawn(bin: &Path, dir: &Path, round: usize) -> Child {
    let log = std::fs::File::create(dir.join(format!("player-{round}.log"))).unwrap();
    Command::new(bin)
        .args(["run", "--headless", "--config"])
        .arg(dir.join("player.toml"))
        .env("XDG_RUNTIME_DIR", dir)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap()
}

/// A picture that compresses badly (large blobs: syncs take a while).
fn noisy(seed: u32) -> Vec<u8> {
    picture(800, 600, move |x, y| {
        if (300..500).contains(&x) && (200..400).contains(&y) {
            GREEN
        } else {
            let h = (x ^ seed.rotate_left(7))
                .wrapping_mul(2_654_435_761)
                .wrapping_add(y.wrapping_mul(40_503) ^ seed);
            [(h >> 3) as u8, (h >> 11) as u8, (h >> 19) as u8]
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_in_a_loop_never_leaves_a_broken_cache() {
    let bin = player_binary();
    let (server, admin) = server_showing_red().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("player.toml"),
        config_text(&server.url, "poll_interval_s = 1"),
    )
    .unwrap();
    let data = dir.path().join("data");
    let mut child = spawn(&bin, dir.path(), 0);
    // Pair through the code the binary shows.
    let start = Instant::now();
    let code = loop {
        let note = std::fs::read(data.join(beffroi_player::sync::PAIRING_FILE)).ok();
        if let Some(code) = note
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .and_then(|v| v["code"].as_str().map(str::to_owned))
        {
            break code;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "the binary shows no pairing code"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let r = admin
        .post(
            "/api/v1/pairing/claim",
            &serde_json::json!({ "code": code, "screen": SCREEN }),
        )
        .await;
    assert_eq!(r.0, 201, "{}", r.1);
    let cache_dir = data.join("cache");
    let start = Instant::now();
    // Only read the pointer while the player runs (opening a cache tidies it up).
    let current = |dir: &Path| {
        std::fs::read_to_string(dir.join("current"))
            .map(|s| s.trim().to_owned())
            .ok()
    };
    while current(&cache_dir).is_none() {
        assert!(start.elapsed() < DEADLINE, "the first sync never completed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Kill it at spread-out moments while new versions keep being published.
    let mut seed = 0x2545_f491_u32;
    let mut versions = std::collections::BTreeSet::new();
    for round in 1..=24 {
        if round % 2 == 1 {
            playlist_of(&admin, "couleur", noisy(round as u32)).await;
            publish(&admin).await;
        }
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        tokio::time::sleep(Duration::from_millis(u64::from(seed >> 22))).await; // 0–1 s
        child.kill().unwrap();
        child.wait().unwrap();
        let cache = Cache::open(Arc::new(OsDisk), &cache_dir).unwrap();
        let (current, problems) = cache.load();
        let current = current.unwrap_or_else(|| panic!("round {round}: no version: {problems:?}"));
        assert!(problems.is_empty(), "round {round}: {problems:?}");
        cache
            .verify(&current.version)
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
        versions.insert(current.version);
        child = spawn(&bin, dir.path(), round);
    }
    assert!(versions.len() > 1, "syncs completed between the kills");
    // Left alone, it ends on the last publication.
    // What the server serves this device now.
    let device: serde_json::Value =
        serde_json::from_slice(&std::fs::read(data.join("device.json")).unwrap()).unwrap();
    let token = device["token"].as_str().unwrap();
    let latest = common::Api::with_token(&server.url, token)
        .get("/api/v1/player/manifest")
        .await
        .1["version"]
        .as_str()
        .unwrap()
        .to_owned();
    let start = Instant::now();
    loop {
        if current(&cache_dir).as_deref() == Some(latest.as_str()) {
            break;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "never reached {latest}; the player's log:\n{}",
            std::fs::read_to_string(dir.path().join("player-24.log")).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
}
