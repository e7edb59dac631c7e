//! Bundles on disk: write, read back, and refuse every kind of damage with a clear error.

mod common;

use beffroi_protocol::bundle::{self, BundleError};
use beffroi_protocol::canonical::encode_blob;
use beffroi_protocol::data::events::EventsData;
use beffroi_protocol::manifest::{AssetRef, Manifest};
use beffroi_protocol::playlist::{Content, Fit, Item, Transition};
use beffroi_protocol::text::Text;
use common::*;

const POSTER: &[u8] = b"\x89PNG\r\n\x1a\n not really an image, the bundle does not decode it";

fn events() -> EventsData {
    serde_json::from_value(serde_json::json!({"events": [{
        "id": "loto-fruges",
        "source": {"kind": "officer", "source_id": "loto-1"},
        "title": {"fr": "Loto du comité des fêtes"},
        "start": "2026-12-05T14:00:00+01:00[Europe/Paris]",
        "end": "2026-12-05T18:00:00+01:00[Europe/Paris]",
        "location": {"name": "Salle des fêtes", "address": "Rue du Marché, Fruges", "commune": "62364"},
        "category": "family"
    }]}))
    .unwrap()
}

/// A sealed manifest with one image asset and an events data set, plus its blobs.
fn sample() -> (Manifest, Vec<Vec<u8>>) {
    let mut m = manifest(
        "fullscreen",
        "Europe/Paris",
        vec![playlist(
            "p",
            vec![
                Item {
                    id: "poster".into(),
                    duration_ms: 10_000,
                    transition: Transition::default(),
                    content: Content::Image {
                        asset: beffroi_protocol::ids::Sha256::of(POSTER),
                        fit: Fit::Contain,
                        background: None,
                        caption: Text::default(),
                    },
                },
                agenda("agenda", 10_000, 7),
            ],
        )],
        &[("main", "p")],
        vec![],
    );
    m.assets = vec![AssetRef {
        sha256: beffroi_protocol::ids::Sha256::of(POSTER),
        size: POSTER.len() as u64,
        mime: "image/png".into(),
        width: Some(1920),
        height: Some(1080),
    }];
    let (events_ref, events_blob) = encode_blob(&events()).unwrap();
    m.data.events = Some(events_ref);
    m.seal().unwrap();
    (m, vec![POSTER.to_vec(), events_blob])
}

fn write_sample() -> (tempfile::TempDir, Manifest) {
    let dir = tempfile::tempdir().unwrap();
    let (m, blobs) = sample();
    bundle::write(dir.path(), &m, blobs.iter().map(Vec::as_slice)).unwrap();
    (dir, m)
}

#[test]
fn written_bundle_reads_back_identical() {
    let (dir, m) = write_sample();
    let b = bundle::read(dir.path()).unwrap();
    assert_eq!(b.manifest, m);
    assert_eq!(b.data.events, Some(events()));
    bundle::verify_blobs(&b).unwrap();
    // The blob is where design.md says, named by the hash `sha256sum` prints.
    let path = dir
        .path()
        .join("blobs/sha256")
        .join(m.assets[0].sha256.as_str());
    assert_eq!(std::fs::read(path).unwrap(), POSTER);
    // The manifest file is the canonical JSON, so its hash is reproducible.
    let text = std::fs::read_to_string(dir.path().join("manifest.json")).unwrap();
    assert_eq!(text, m.to_canonical_json().unwrap());
}

#[test]
fn missing_blob_is_named() {
    let (dir, m) = write_sample();
    let sha = &m.assets[0].sha256;
    std::fs::remove_file(dir.path().join("blobs/sha256").join(sha.as_str())).unwrap();
    let err = bundle::read(dir.path()).unwrap_err();
    assert!(matches!(err, BundleError::MissingBlob { .. }));
    assert!(
        err.to_string()
            .contains(&format!("asset blob {sha} is missing")),
        "{err}"
    );
}

#[test]
fn truncated_asset_and_corrupt_data_set_are_refused() {
    let (dir, m) = write_sample();
    let asset = dir
        .path()
        .join("blobs/sha256")
        .join(m.assets[0].sha256.as_str());
    std::fs::write(&asset, &POSTER[..10]).unwrap();
    let err = bundle::read(dir.path()).unwrap_err().to_string();
    assert!(
        err.contains("has 10 bytes where the manifest says"),
        "{err}"
    );

    let (dir, m) = write_sample();
    let data = dir
        .path()
        .join("blobs/sha256")
        .join(m.data.events.as_ref().unwrap().sha256.as_str());
    let mut bytes = std::fs::read(&data).unwrap();
    bytes[20] ^= 0x20; // same size, different content
    std::fs::write(&data, bytes).unwrap();
    let err = bundle::read(dir.path()).unwrap_err().to_string();
    assert!(
        err.contains("events data set blob") && err.contains("is corrupt"),
        "{err}"
    );
}

#[test]
fn tampered_asset_is_caught_by_verification() {
    let (dir, m) = write_sample();
    let asset = dir
        .path()
        .join("blobs/sha256")
        .join(m.assets[0].sha256.as_str());
    let mut bytes = std::fs::read(&asset).unwrap();
    bytes[0] = b'X';
    std::fs::write(&asset, bytes).unwrap();
    let b = bundle::read(dir.path()).expect("sizes still match");
    let err = bundle::verify_blobs(&b).unwrap_err().to_string();
    assert!(
        err.contains("asset blob") && err.contains("is corrupt"),
        "{err}"
    );
}

#[test]
fn edited_manifest_with_stale_version_is_refused() {
    let (dir, _) = write_sample();
    let path = dir.path().join("manifest.json");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("Mairie de Fruges", "Mairie de Hucqueliers");
    std::fs::write(&path, text).unwrap();
    let err = bundle::read(dir.path()).unwrap_err().to_string();
    assert!(
        err.contains("version") && err.contains("does not match the content"),
        "{err}"
    );
    std::fs::write(&path, "{ not json").unwrap();
    let err = bundle::read(dir.path()).unwrap_err().to_string();
    assert!(
        err.contains("manifest.json") && err.contains("line 1"),
        "{err}"
    );
}

#[test]
fn invalid_or_incomplete_manifest_writes_nothing_and_keeps_the_old_bundle() {
    let (dir, good) = write_sample();
    let (mut bad, blobs) = sample();
    bad.playlists[0].items.clear();
    bad.seal().unwrap();
    let err = bundle::write(dir.path(), &bad, blobs.iter().map(Vec::as_slice)).unwrap_err();
    assert!(err.to_string().contains("the playlist is empty"), "{err}");
    // A manifest whose blobs are not supplied is refused before anything is written.
    let other = tempfile::tempdir().unwrap();
    let (m, _) = sample();
    let err = bundle::write(other.path(), &m, std::iter::empty()).unwrap_err();
    assert!(matches!(err, BundleError::MissingBlob { .. }), "{err}");
    assert!(std::fs::read_dir(other.path()).unwrap().next().is_none());
    assert_eq!(bundle::read(dir.path()).unwrap().manifest, good);
}

#[test]
fn oversized_manifest_is_refused_before_parsing() {
    let dir = tempfile::tempdir().unwrap();
    let f = std::fs::File::create(dir.path().join("manifest.json")).unwrap();
    f.set_len(bundle::MAX_MANIFEST_BYTES + 1).unwrap();
    let err = bundle::read(dir.path()).unwrap_err().to_string();
    assert!(err.contains("is more than the"), "{err}");
}

#[test]
fn rewriting_replaces_a_damaged_blob_already_on_disk() {
    let (dir, m) = write_sample();
    let asset = dir
        .path()
        .join("blobs/sha256")
        .join(m.assets[0].sha256.as_str());
    std::fs::write(&asset, b"garbage of another length").unwrap();
    let (_, blobs) = sample();
    bundle::write(dir.path(), &m, blobs.iter().map(Vec::as_slice)).unwrap();
    assert_eq!(std::fs::read(&asset).unwrap(), POSTER);
    bundle::verify_blobs(&bundle::read(dir.path()).unwrap()).unwrap();
}

#[test]
fn writes_into_a_directory_that_does_not_exist_yet() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("usb/beffroi/bundle");
    let (m, blobs) = sample();
    bundle::write(&dir, &m, blobs.iter().map(Vec::as_slice)).unwrap();
    assert_eq!(bundle::read(&dir).unwrap().manifest, m);
}
