//! The demo bundle committed in `assets/demo/` is what the generator writes today: a change to
//! the demo content must come with the regenerated bundle (`scripts/make-demo-bundle`).

use std::path::Path;

use beffroi_protocol::bundle;

const AT: &str = "2026-12-01T09:00:00+01:00";

#[test]
fn committed_demo_bundle_is_up_to_date() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/demo");
    let demo = beffroi_server::demo::demo_content(AT.parse().unwrap()).unwrap();
    let stale = "assets/demo is stale: run scripts/make-demo-bundle";
    let manifest = std::fs::read_to_string(dir.join(bundle::MANIFEST_FILE)).expect(stale);
    assert!(
        manifest == demo.manifest.to_canonical_json().unwrap(),
        "{stale}"
    );
    for blob in demo.blobs.iter().chain(&demo.assets) {
        let sha = beffroi_protocol::ids::Sha256::of(blob);
        let on_disk = std::fs::read(bundle::blob_path(&dir, &sha)).expect(stale);
        assert!(on_disk == *blob, "{stale} (blob {sha})");
    }
    // Nothing else than the manifest, the blobs it names and the README.
    let names: Vec<String> = std::fs::read_dir(dir.join(bundle::BLOBS_DIR))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names.len(),
        demo.blobs.len() + demo.assets.len(),
        "{stale}: {names:?}"
    );
    assert!(dir.join("README.md").is_file());
}
