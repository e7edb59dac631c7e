//! The `beffroi-player` binary's `check` and `program` commands on real bundles.

use std::path::Path;
use std::process::Command;

use beffroi_protocol::bundle;
use beffroi_protocol::layout::Layout;
use beffroi_protocol::manifest::Manifest;
use serde_json::{Value, json};

fn player() -> Command {
    Command::new(env!("CARGO_BIN_EXE_beffroi-player"))
}

/// A one-screen bundle: a morning entry and a default playlist, one of whose items is a video.
fn write_bundle(dir: &Path) -> Manifest {
    let layout = Layout::from_toml(include_str!("../../layouts/fullscreen.toml")).unwrap();
    let mut m: Manifest = serde_json::from_value(json!({
        "schema_version": 1,
        "generated_at": "2026-11-29T08:00:00Z",
        "screen": { "id": "hucqueliers-mairie", "name": "Mairie d'Hucqueliers", "commune": "62463" },
        "layout": "fullscreen",
        "layouts": [layout],
        "playlists": [
            { "id": "jour", "items": [
                { "id": "bienvenue", "duration_ms": 10000, "kind": "text", "title": { "fr": "Bienvenue" } },
                { "id": "heure", "duration_ms": 5000, "kind": "clock",
                  "transition": { "kind": "fade", "duration_ms": 1000 } },
                { "id": "film", "duration_ms": 5000, "kind": "video", "asset": "a".repeat(64) }
            ] },
            { "id": "matin", "items": [ { "id": "cafe", "duration_ms": 60000, "kind": "text", "title": { "fr": "Bonjour !" } } ] }
        ],
        "default_playlists": { "main": "jour" },
        "schedule": [ { "id": "matin", "playlist": "matin", "window": { "start": "07:00", "end": "09:00" } } ],
        "assets": [ { "sha256": "a".repeat(64), "size": 3, "mime": "video/mp4" } ]
    }))
    .unwrap();
    m.seal().unwrap();
    std::fs::create_dir_all(dir.join("blobs/sha256")).unwrap();
    // The video blob is written by hand under an address that is not its hash, so that only
    // the full verification of `check` notices.
    std::fs::write(dir.join("blobs/sha256").join("a".repeat(64)), b"abc").unwrap();
    bundle::write(dir, &m, std::iter::empty()).unwrap();
    m
}

#[test]
fn check_verifies_hashes_and_names_the_corrupt_blob() {
    let dir = tempfile::tempdir().unwrap();
    write_bundle(dir.path());
    let out = player()
        .args(["check", "--bundle"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("asset blob {} is corrupt", "a".repeat(64))),
        "{err}"
    );
}

#[test]
fn check_reports_a_playable_bundle_and_its_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let m = write_bundle(dir.path());
    // Make the blob honest: store "abc" under its real hash and point the manifest at it.
    let sha = beffroi_protocol::ids::Sha256::of(b"abc");
    let mut m2 = m.clone();
    m2.assets[0].sha256 = sha.clone();
    if let beffroi_protocol::playlist::Content::Video { asset } =
        &mut m2.playlists[0].items[2].content
    {
        *asset = sha;
    }
    m2.seal().unwrap();
    bundle::write(dir.path(), &m2, [b"abc".as_slice()]).unwrap();
    let out = player()
        .args(["check", "--bundle"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("Mairie d'Hucqueliers"), "{stdout}");
    assert!(stdout.contains(&m2.version), "{stdout}");
    assert!(
        stdout.contains("playlists[jour].items[film]: video is not played"),
        "{stdout}"
    );
}

#[test]
fn program_prints_the_zone_item_and_the_next_change() {
    let dir = tempfile::tempdir().unwrap();
    let m = write_bundle(dir.path());
    // 08:30 Paris: the morning entry, 30 minutes into its single item.
    let out = player()
        .args(["program", "--bundle"])
        .arg(dir.path())
        .args(["--at", "2026-12-01T08:30:00+01:00"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], m.version.as_str());
    assert_eq!(
        v["program"]["zones"][0]["showing"]["source"]["schedule"],
        "matin"
    );
    assert_eq!(v["program"]["zones"][0]["showing"]["item"], "cafe");
    assert_eq!(v["progress"][0]["elapsed_ms"], 30 * 60 * 1000 % 60_000);
    assert_eq!(v["next_change"], "2026-12-01T08:00:00Z");
    // 10:00:10.5 Paris: the default playlist anchored at midnight, cycle 15 s (the video is
    // skipped); 36010.5 s = 2400 cycles + 10.5 s -> the clock, half-way through its fade.
    let out = player()
        .args(["program", "--bundle"])
        .arg(dir.path())
        .args(["--at", "2026-12-01T10:00:10.5+01:00"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["program"]["zones"][0]["showing"]["item"], "heure");
    assert_eq!(v["progress"][0]["transition"]["linear_permille"], 500);
    assert_eq!(v["progress"][0]["transition"]["from"]["item"], "bienvenue");
}

#[test]
fn bad_instant_and_missing_bundle_are_clear_errors() {
    let out = player()
        .args(["program", "--bundle", "/nonexistent", "--at", "yesterday"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--at"));
    let out = player()
        .args(["check", "--bundle", "/nonexistent/bundle"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/nonexistent/bundle/manifest.json"), "{err}");
}
