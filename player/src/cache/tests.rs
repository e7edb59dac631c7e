//! Unit tests of the cache: the switch rule, fallback to `previous`, collection, resumable
//! downloads, and a power cut at every step of a sync on [`PowerCutDisk`].

use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;

use beffroi_protocol::canonical::encode_blob;
use beffroi_protocol::data::events::EventsData;
use beffroi_protocol::ids::Sha256;
use beffroi_protocol::layout::Layout;
use beffroi_protocol::manifest::{AssetRef, BlobRef, Manifest};
use serde_json::json;

use super::disk::{Disk, OsDisk};
use super::powercut::PowerCutDisk;
use super::{Cache, CacheError, PARTIAL_DIR};

const ROOT: &str = "/var/lib/beffroi/cache";

/// Deterministic noise: blob contents that differ per seed (xorshift64*).
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..len)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8
        })
        .collect()
}

/// One manifest version with its canonical bytes and every blob it names.
#[derive(Debug, Clone)]
pub(crate) struct Version {
    pub(crate) manifest: Manifest,
    bytes: Vec<u8>,
    pub(crate) blobs: Vec<Vec<u8>>,
}

impl Version {
    fn id(&self) -> &str {
        &self.manifest.version
    }
}

/// A sealed manifest titled `title` whose assets are `images` (random bytes, never decoded)
/// and whose events data set is a valid empty agenda tagged with `title`.
pub(crate) fn version(title: &str, images: Vec<Vec<u8>>) -> Version {
    let layout = Layout::from_toml(include_str!("../../../layouts/fullscreen.toml")).unwrap();
    let mut m: Manifest = serde_json::from_value(json!({
        "schema_version": 1,
        "generated_at": "2026-11-29T08:00:00Z",
        "screen": { "id": "fruges-mairie", "name": "Mairie de Fruges", "commune": "62364" },
        "layout": "fullscreen",
        "layouts": [layout],
        "playlists": [ { "id": "jour", "items": [
            { "id": "titre", "duration_ms": 10000, "kind": "text", "title": { "fr": title } },
            { "id": "agenda", "duration_ms": 10000, "kind": "events", "days": 7 }
        ] } ],
        "default_playlists": { "main": "jour" }
    }))
    .unwrap();
    m.assets = images
        .iter()
        .map(|b| AssetRef {
            sha256: Sha256::of(b),
            size: b.len() as u64,
            mime: "image/png".into(),
            width: Some(64),
            height: Some(64),
        })
        .collect();
    let events: EventsData = serde_json::from_value(json!({ "events": [] })).unwrap();
    let (_, mut events_blob) = encode_blob(&events).unwrap();
    // Distinct per version yet still valid JSON: the title's bits as trailing whitespace.
    events_blob.extend(
        title
            .bytes()
            .flat_map(|c| (0..8).map(move |i| if c >> i & 1 == 1 { b'\n' } else { b' ' })),
    );
    m.data.events = Some(BlobRef::of(&events_blob));
    m.seal().unwrap();
    let bytes = m.to_canonical_json().unwrap().into_bytes();
    let mut blobs = images;
    blobs.push(events_blob);
    Version {
        manifest: m,
        bytes,
        blobs,
    }
}

/// `n` random images of 600 to 2 999 bytes, seeded from `seed`.
fn images(seed: u64, n: u64) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| {
            let s = seed * 1000 + i;
            noise(s, 600 + (s as usize * 7919) % 2400)
        })
        .collect()
}

fn power_cut_disk() -> (Arc<PowerCutDisk>, Cache) {
    let disk = Arc::new(PowerCutDisk::new());
    let cache = Cache::open(disk.clone(), Path::new(ROOT)).unwrap();
    (disk, cache)
}

/// What the sync code does with a new manifest: stage it, download every missing blob in
/// chunks (resuming partial files), switch, collect. Returns how many downloads resumed from
/// a non-zero offset.
fn sync(cache: &Cache, v: &Version, chunk: usize) -> Result<usize, CacheError> {
    let resumed = fetch_and_switch(cache, v, chunk)?;
    cache.collect(None)?;
    Ok(resumed)
}

/// [`sync`] without the collection.
fn fetch_and_switch(cache: &Cache, v: &Version, chunk: usize) -> Result<usize, CacheError> {
    let mut resumed = 0;
    cache.stage_manifest(v.id(), &v.bytes)?;
    for blob in &v.blobs {
        let (sha, size) = (Sha256::of(blob), blob.len() as u64);
        if cache.has_blob(&sha, size) {
            continue;
        }
        let mut w = cache.begin_blob(&sha, size)?;
        let start = w.offset() as usize;
        if start > 0 {
            resumed += 1;
        }
        for c in blob[start..].chunks(chunk) {
            w.write(c)?;
        }
        w.finish()?;
    }
    cache.switch_to(v.id())?;
    Ok(resumed)
}

/// Downloads the blobs of `v` without switching.
fn download(cache: &Cache, v: &Version) {
    for blob in &v.blobs {
        let mut w = cache
            .begin_blob(&Sha256::of(blob), blob.len() as u64)
            .unwrap();
        w.write(blob).unwrap();
        w.finish().unwrap();
    }
}

fn pointer(disk: &dyn Disk, name: &str) -> Option<String> {
    disk.read(&Path::new(ROOT).join(name))
        .ok()
        .map(|b| String::from_utf8(b).unwrap().trim().to_owned())
}

fn write_file(disk: &dyn Disk, path: &Path, bytes: &[u8]) {
    let mut f = disk.create(path).unwrap();
    f.write_all(bytes).unwrap();
    f.sync().unwrap();
}

#[test]
fn an_empty_cache_loads_nothing_and_reports_nothing() {
    let (_, cache) = power_cut_disk();
    let (current, problems) = cache.load();
    assert!(current.is_none());
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(cache.bytes_used(), 0);
}

#[test]
fn open_is_durable_and_removes_leftover_temporary_files() {
    let (disk, _) = power_cut_disk();
    let after = Arc::new(disk.reboot());
    for dir in ["blobs/sha256", "manifests", "partial"] {
        assert!(
            after.exists(&Path::new(ROOT).join(dir)),
            "{dir} not durable"
        );
    }
    let leftovers = [
        Path::new(ROOT).join(".tmp-current"),
        Path::new(ROOT).join("manifests/.tmp-abc.json"),
        Path::new(ROOT).join("blobs/sha256/.tmp-x1y2"),
    ];
    for path in &leftovers {
        write_file(after.as_ref(), path, b"half");
    }
    Cache::open(after.clone(), Path::new(ROOT)).unwrap();
    for path in &leftovers {
        assert!(!after.exists(path), "{} left", path.display());
    }
}

#[test]
fn a_version_with_a_missing_blob_cannot_become_current() {
    let (disk, cache) = power_cut_disk();
    let v = version("v", images(1, 3));
    cache.stage_manifest(v.id(), &v.bytes).unwrap();
    // Every blob but the second.
    for (i, blob) in v.blobs.iter().enumerate() {
        if i != 1 {
            let mut w = cache
                .begin_blob(&Sha256::of(blob), blob.len() as u64)
                .unwrap();
            w.write(blob).unwrap();
            w.finish().unwrap();
        }
    }
    let err = cache.switch_to(v.id()).unwrap_err();
    assert!(matches!(err, CacheError::Missing(_)), "{err:?}");
    let missing = Sha256::of(&v.blobs[1]);
    assert!(err.to_string().contains(missing.as_str()), "{err}");
    assert_eq!(pointer(disk.as_ref(), "current"), None);
    assert!(cache.load().0.is_none());
}

#[test]
fn an_unstaged_manifest_cannot_become_current() {
    let (_, cache) = power_cut_disk();
    let v = version("v", images(1, 2));
    download(&cache, &v);
    let err = cache.switch_to(v.id()).unwrap_err();
    assert!(matches!(err, CacheError::Missing(_)), "{err:?}");
    assert!(err.to_string().contains(v.id()), "{err}");
    let err = cache.switch_to("../../etc/passwd").unwrap_err();
    assert!(matches!(err, CacheError::Invalid(_)), "{err:?}");
}

#[test]
fn switching_keeps_the_old_current_as_previous_and_load_returns_current() {
    let (disk, cache) = power_cut_disk();
    let a = version("a", images(1, 3));
    let b = version("b", images(2, 3));
    sync(&cache, &a, 1000).unwrap();
    let (cur, problems) = cache.load();
    let cur = cur.unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(cur.version, a.id());
    assert_eq!(cur.manifest, a.manifest);
    assert!(!cur.from_previous);
    assert_eq!(pointer(disk.as_ref(), "previous"), None);

    sync(&cache, &b, 1000).unwrap();
    let cur = cache.load().0.unwrap();
    assert_eq!(cur.manifest, b.manifest);
    assert_eq!(pointer(disk.as_ref(), "current").as_deref(), Some(b.id()));
    assert_eq!(pointer(disk.as_ref(), "previous").as_deref(), Some(a.id()));
    cache.verify(a.id()).unwrap();
    cache.verify(b.id()).unwrap();
    // Switching to what is current changes nothing.
    let ops = disk.ops();
    cache.switch_to(b.id()).unwrap();
    assert_eq!(disk.ops(), ops);
    // The manifest is stored byte for byte as received.
    let stored = disk
        .read(&Path::new(ROOT).join(format!("manifests/{}.json", b.id())))
        .unwrap();
    assert_eq!(stored, b.bytes);
}

#[test]
fn a_damaged_current_manifest_falls_back_to_previous() {
    let (disk, cache) = power_cut_disk();
    let a = version("a", images(1, 3));
    let b = version("b", images(2, 3));
    sync(&cache, &a, 1000).unwrap();
    sync(&cache, &b, 1000).unwrap();
    let path = Path::new(ROOT).join(format!("manifests/{}.json", b.id()));
    let mut damaged = b.bytes.clone();
    damaged.truncate(damaged.len() / 2);
    write_file(disk.as_ref(), &path, &damaged);

    let (cur, problems) = cache.load();
    let cur = cur.unwrap();
    assert!(cur.from_previous);
    assert_eq!(cur.version, a.id());
    assert_eq!(cur.manifest, a.manifest);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].starts_with("current"), "{problems:?}");
    assert!(problems[0].contains(b.id()), "{problems:?}");

    // Switching away from the broken current keeps the last known good one as previous.
    let c = version("c", images(3, 2));
    sync(&cache, &c, 1000).unwrap();
    assert_eq!(pointer(disk.as_ref(), "previous").as_deref(), Some(a.id()));
    cache.verify(a.id()).unwrap();
}

#[test]
fn a_tampered_manifest_or_missing_blob_falls_back_too() {
    let (disk, cache) = power_cut_disk();
    let a = version("a", images(1, 3));
    let b = version("b", images(2, 3));
    sync(&cache, &a, 1000).unwrap();
    sync(&cache, &b, 1000).unwrap();
    // A blob of current shorter than announced.
    let blob = cache.blob_path(&Sha256::of(&b.blobs[0]));
    write_file(disk.as_ref(), &blob, b"short");
    let (cur, problems) = cache.load();
    assert_eq!(cur.unwrap().version, a.id());
    assert!(problems[0].contains("has 5 bytes"), "{problems:?}");
    // Both broken: nothing to play, two problems.
    disk.remove(&cache.blob_path(&Sha256::of(&a.blobs[2])))
        .unwrap();
    let (cur, problems) = cache.load();
    assert!(cur.is_none());
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[1].starts_with("previous"), "{problems:?}");
    assert!(problems[1].contains("is not in the cache"), "{problems:?}");
}

#[test]
fn verify_hashes_every_blob() {
    let (disk, cache) = power_cut_disk();
    let a = version("a", images(1, 3));
    sync(&cache, &a, 1000).unwrap();
    cache.verify(a.id()).unwrap();
    // Same size, other content: only hashing notices.
    let sha = Sha256::of(&a.blobs[1]);
    let mut other = a.blobs[1].clone();
    other[0] ^= 0xff;
    write_file(disk.as_ref(), &cache.blob_path(&sha), &other);
    assert!(cache.load().0.is_some());
    match cache.verify(a.id()) {
        Err(CacheError::WrongHash { sha256, actual }) => {
            assert_eq!(sha256, sha);
            assert_eq!(actual, Sha256::of(&other));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn collect_keeps_what_current_and_previous_need_and_removes_the_rest() {
    let (disk, cache) = power_cut_disk();
    let shared = noise(99, 1234);
    let mut za = images(1, 2);
    za.push(shared.clone());
    let z = version("z", za);
    let mut ai = images(2, 2);
    ai.push(shared.clone());
    let a = version("a", ai);
    let b = version("b", images(3, 2));
    let c = version("c", images(4, 2));
    fetch_and_switch(&cache, &z, 1000).unwrap();
    fetch_and_switch(&cache, &a, 1000).unwrap();
    fetch_and_switch(&cache, &b, 1000).unwrap();
    // An abandoned download and an unreferenced manifest.
    let stray = noise(7, 500);
    let mut w = cache.begin_blob(&Sha256::of(&stray), 500).unwrap();
    w.write(&stray[..100]).unwrap();
    drop(w);
    cache.stage_manifest(c.id(), &c.bytes).unwrap();

    let before = cache.bytes_used();
    let freed = cache.collect(None).unwrap();
    // z's own blobs, z's manifest, c's manifest and the partial file.
    let expected: u64 = z
        .blobs
        .iter()
        .filter(|b| **b != shared)
        .map(|b| b.len() as u64)
        .sum::<u64>()
        + z.bytes.len() as u64
        + c.bytes.len() as u64
        + 100;
    assert_eq!(freed, expected);
    assert_eq!(cache.bytes_used(), before - expected + 100);
    for blob in &z.blobs {
        assert_eq!(
            cache.has_blob(&Sha256::of(blob), blob.len() as u64),
            *blob == shared
        );
    }
    assert!(
        disk.list(&Path::new(ROOT).join(PARTIAL_DIR))
            .unwrap()
            .is_empty()
    );
    // Current (b) and previous (a) are both kept whole; z is gone.
    cache.verify(b.id()).unwrap();
    cache.verify(a.id()).unwrap();
    assert!(matches!(cache.verify(z.id()), Err(CacheError::Missing(_))));
    assert_eq!(cache.collect(None).unwrap(), 0);
}

#[test]
fn collect_keeps_the_download_in_progress() {
    let (disk, cache) = power_cut_disk();
    let a = version("a", images(1, 2));
    let b = version("b", images(2, 3));
    sync(&cache, &a, 1000).unwrap();
    cache.stage_manifest(b.id(), &b.bytes).unwrap();
    // First blob of b complete, second half-way, and a stray partial.
    let first = &b.blobs[0];
    let mut w = cache
        .begin_blob(&Sha256::of(first), first.len() as u64)
        .unwrap();
    w.write(first).unwrap();
    w.finish().unwrap();
    let second = &b.blobs[1];
    let mut w = cache
        .begin_blob(&Sha256::of(second), second.len() as u64)
        .unwrap();
    w.write(&second[..300]).unwrap();
    drop(w);
    let stray = noise(5, 400);
    let mut w = cache.begin_blob(&Sha256::of(&stray), 400).unwrap();
    w.write(&stray[..10]).unwrap();
    drop(w);

    assert_eq!(cache.collect(Some(&b.manifest)).unwrap(), 10);
    assert!(cache.has_blob(&Sha256::of(first), first.len() as u64));
    let w = cache
        .begin_blob(&Sha256::of(second), second.len() as u64)
        .unwrap();
    assert_eq!(w.offset(), 300);
    drop(w);
    let partials = disk.list(&Path::new(ROOT).join(PARTIAL_DIR)).unwrap();
    assert_eq!(
        partials,
        vec![std::ffi::OsString::from(Sha256::of(second).as_str())]
    );
    sync(&cache, &b, 1000).unwrap();
    cache.verify(b.id()).unwrap();
}

#[test]
fn a_dropped_download_resumes_where_it_stopped() {
    let (_, cache) = power_cut_disk();
    let blob = noise(3, 10_000);
    let (sha, size) = (Sha256::of(&blob), blob.len() as u64);
    let mut w = cache.begin_blob(&sha, size).unwrap();
    assert_eq!(w.offset(), 0);
    w.write(&blob[..2_000]).unwrap();
    w.write(&blob[2_000..5_000]).unwrap();
    assert_eq!(w.offset(), 5_000);
    drop(w);
    assert!(!cache.has_blob(&sha, size));

    let mut w = cache.begin_blob(&sha, size).unwrap();
    assert_eq!(w.offset(), 5_000);
    // Finishing early keeps the partial file, to resume it.
    let err = cache.begin_blob(&sha, size).unwrap().finish().unwrap_err();
    assert!(
        matches!(err, CacheError::WrongSize { actual: 5_000, .. }),
        "{err:?}"
    );
    w.write(&blob[5_000..]).unwrap();
    w.finish().unwrap();
    assert!(cache.has_blob(&sha, size));
    assert_eq!(cache.disk().read(&cache.blob_path(&sha)).unwrap(), blob);
}

#[test]
fn a_partial_file_longer_than_the_blob_starts_over() {
    let (disk, cache) = power_cut_disk();
    let blob = noise(4, 1_000);
    let sha = Sha256::of(&blob);
    write_file(
        disk.as_ref(),
        &Path::new(ROOT).join(PARTIAL_DIR).join(sha.as_str()),
        &noise(5, 1_500),
    );
    let mut w = cache.begin_blob(&sha, 1_000).unwrap();
    assert_eq!(w.offset(), 0);
    w.write(&blob).unwrap();
    w.finish().unwrap();
    assert!(cache.has_blob(&sha, 1_000));
}

#[test]
fn wrong_bytes_give_wrong_hash_and_remove_the_partial_file() {
    let (disk, cache) = power_cut_disk();
    let blob = noise(6, 4_000);
    let sha = Sha256::of(&blob);
    let mut bad = blob.clone();
    bad[3_999] ^= 1;
    // Half right before a resume, half wrong after: the hash covers both parts.
    let mut w = cache.begin_blob(&sha, 4_000).unwrap();
    w.write(&bad[..2_000]).unwrap();
    drop(w);
    let mut w = cache.begin_blob(&sha, 4_000).unwrap();
    assert_eq!(w.offset(), 2_000);
    w.write(&bad[2_000..]).unwrap();
    match w.finish() {
        Err(CacheError::WrongHash { sha256, actual }) => {
            assert_eq!(sha256, sha);
            assert_eq!(actual, Sha256::of(&bad));
        }
        other => panic!("{other:?}"),
    }
    let partial = Path::new(ROOT).join(PARTIAL_DIR).join(sha.as_str());
    assert!(!disk.exists(&partial));
    assert!(!cache.has_blob(&sha, 4_000));
    let w = cache.begin_blob(&sha, 4_000).unwrap();
    assert_eq!(w.offset(), 0);
}

#[test]
fn more_bytes_than_announced_are_refused() {
    let (_, cache) = power_cut_disk();
    let blob = noise(8, 100);
    let mut w = cache.begin_blob(&Sha256::of(&blob), 100).unwrap();
    w.write(&blob[..60]).unwrap();
    let err = w.write(&[0; 41]).unwrap_err();
    assert!(
        matches!(
            err,
            CacheError::WrongSize {
                expected: 100,
                actual: 101,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(w.offset(), 60);
    w.write(&blob[60..]).unwrap();
    w.finish().unwrap();
}

#[test]
fn no_space_is_refused_before_downloading() {
    let disk = Arc::new(PowerCutDisk::new().with_quota(4 << 20));
    let cache = Cache::open(disk.clone(), Path::new(ROOT)).unwrap();
    let sha = Sha256::of(b"big");
    // 3.5 MiB + the 1 MiB margin do not fit in 4 MiB.
    match cache.begin_blob(&sha, 7 << 19) {
        Err(CacheError::NoSpace { needed, available }) => {
            assert_eq!(needed, (7 << 19) + (1 << 20));
            assert_eq!(available, 4 << 20);
        }
        other => panic!("{other:?}"),
    }
    assert!(!disk.exists(&Path::new(ROOT).join(PARTIAL_DIR).join(sha.as_str())));
    // 1.5 MiB fits, and so would 2.5 MiB.
    let blob = noise(9, 3 << 19);
    let mut w = cache
        .begin_blob(&Sha256::of(&blob), blob.len() as u64)
        .unwrap();
    w.write(&blob).unwrap();
    w.finish().unwrap();
    // The disk filling up mid-download (someone else wrote) is NoSpace too.
    let other = noise(10, 1 << 20);
    let mut w = cache
        .begin_blob(&Sha256::of(&other), other.len() as u64)
        .unwrap();
    disk.set_quota(Some((3 << 19) + 1000));
    let err = w.write(&other).unwrap_err();
    assert!(matches!(err, CacheError::NoSpace { .. }), "{err:?}");
    let err = w.finish().unwrap_err();
    assert!(err.to_string().contains("begin it again"), "{err}");
}

#[test]
fn bundle_of_a_cached_version_is_renderer_ready_on_the_real_disk() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("cache");
    let cache = Cache::open(Arc::new(OsDisk), &root).unwrap();
    let a = version("a", images(1, 3));
    sync(&cache, &a, 700).unwrap();
    let cur = cache.load().0.unwrap();
    cache.verify(&cur.version).unwrap();
    let bundle = cache.bundle(&cur.version).unwrap();
    assert_eq!(bundle.manifest, a.manifest);
    assert_eq!(bundle.data.events, Some(EventsData::default()));
    let sha = Sha256::of(&a.blobs[0]);
    assert_eq!(bundle.blob_path(&sha), cache.blob_path(&sha));
    assert_eq!(std::fs::read(bundle.blob_path(&sha)).unwrap(), a.blobs[0]);
    beffroi_protocol::bundle::verify_blobs(&bundle).unwrap();
    // A resumed download on the real disk.
    let blob = noise(11, 5_000);
    let sha = Sha256::of(&blob);
    let mut w = cache.begin_blob(&sha, 5_000).unwrap();
    w.write(&blob[..1_234]).unwrap();
    drop(w);
    let mut w = cache.begin_blob(&sha, 5_000).unwrap();
    assert_eq!(w.offset(), 1_234);
    w.write(&blob[1_234..]).unwrap();
    w.finish().unwrap();
    assert_eq!(std::fs::read(cache.blob_path(&sha)).unwrap(), blob);
    assert!(cache.disk().available(&root).is_some());
}

/// The durable state of a cache where `z` then `a` were synced: `a` current, `z` previous.
fn installed(z: &Version, a: &Version, chunk: usize) -> PowerCutDisk {
    let (disk, cache) = power_cut_disk();
    let cache = cache.with_partial_sync(1_000);
    sync(&cache, z, chunk).unwrap();
    sync(&cache, a, chunk).unwrap();
    disk.reboot()
}

/// Runs `f` on a fresh copy of `base` with the power cut after `n` mutating operations, then
/// reboots and returns the cache as the next start finds it. `f` must fail: the cut was hit.
fn cut_at(
    base: &PowerCutDisk,
    n: u64,
    f: impl FnOnce(&Cache) -> Result<usize, CacheError>,
) -> (Arc<PowerCutDisk>, Cache) {
    let disk = Arc::new(base.reboot());
    let cache = Cache::open(disk.clone(), Path::new(ROOT))
        .unwrap()
        .with_partial_sync(1_000);
    disk.arm(n);
    let result = f(&cache);
    assert!(result.is_err(), "crash point {n} was never reached");
    assert!(
        disk.is_cut(),
        "crash point {n}: failed without a cut: {result:?}"
    );
    let after = Arc::new(disk.reboot());
    let cache = Cache::open(after.clone(), Path::new(ROOT))
        .unwrap()
        .with_partial_sync(1_000);
    (after, cache)
}

/// The mutating operations `f` does on a fresh copy of `base`.
fn ops_of(base: &PowerCutDisk, f: impl FnOnce(&Cache) -> Result<usize, CacheError>) -> u64 {
    let disk = Arc::new(base.reboot());
    let cache = Cache::open(disk.clone(), Path::new(ROOT))
        .unwrap()
        .with_partial_sync(1_000);
    let start = disk.ops();
    f(&cache).unwrap();
    disk.ops() - start
}

#[test]
fn a_power_cut_at_any_point_of_a_sync_leaves_a_whole_version() {
    // z, then a (sharing blobs with z and b), then b: 22 new images and a data set.
    let shared_za = noise(500, 1_111);
    let shared_ab = noise(501, 2_222);
    let mut zi = images(1, 3);
    zi.push(shared_za.clone());
    let mut ai = images(2, 3);
    ai.extend([shared_za, shared_ab.clone()]);
    let mut bi = images(3, 22);
    bi.push(shared_ab);
    let (z, a, b) = (version("z", zi), version("a", ai), version("b", bi));
    const CHUNK: usize = 400;
    let base = installed(&z, &a, CHUNK);

    let total = ops_of(&base, |c| sync(c, &b, CHUNK));
    let (mut outcomes_a, mut outcomes_b, mut resumed, mut tested) = (0, 0, 0, 0);
    for n in 0..total {
        let (disk, cache) = cut_at(&base, n, |c| sync(c, &b, CHUNK));
        let (cur, problems) = cache.load();
        let cur = cur.unwrap_or_else(|| panic!("crash point {n}: nothing to play: {problems:?}"));
        assert!(problems.is_empty(), "crash point {n}: {problems:?}");
        assert!(!cur.from_previous, "crash point {n}");
        if cur.manifest == a.manifest {
            outcomes_a += 1;
        } else if cur.manifest == b.manifest {
            outcomes_b += 1;
        } else {
            panic!("crash point {n}: current is {}", cur.version);
        }
        cache
            .verify(&cur.version)
            .unwrap_or_else(|e| panic!("crash point {n}: {e}"));
        // The last known good version is whole too.
        let previous = pointer(disk.as_ref(), "previous").unwrap();
        cache
            .verify(&previous)
            .unwrap_or_else(|e| panic!("crash point {n}: previous: {e}"));

        // Recovery: the same sync, unarmed, makes b current and leaves nothing stray.
        resumed += sync(&cache, &b, CHUNK).unwrap_or_else(|e| panic!("crash point {n}: {e}"));
        let cur = cache.load().0.unwrap();
        assert_eq!(cur.manifest, b.manifest, "crash point {n}");
        cache.verify(b.id()).unwrap();
        cache.verify(a.id()).unwrap();
        assert_eq!(pointer(disk.as_ref(), "previous").as_deref(), Some(a.id()));
        let root = Path::new(ROOT);
        assert!(
            disk.list(&root.join(PARTIAL_DIR)).unwrap().is_empty(),
            "crash point {n}"
        );
        assert_eq!(
            disk.list(&root.join("manifests")).unwrap().len(),
            2,
            "crash point {n}"
        );
        let mut needed: Vec<_> = a
            .blobs
            .iter()
            .chain(&b.blobs)
            .map(|b| Sha256::of(b))
            .collect();
        needed.sort();
        needed.dedup();
        assert_eq!(
            disk.list(&root.join("blobs/sha256")).unwrap().len(),
            needed.len()
        );
        tested += 1;
    }
    eprintln!(
        "{tested} crash points: {outcomes_a} left a, {outcomes_b} left b, {resumed} downloads resumed"
    );
    assert!(tested > 100, "only {tested} crash points");
    assert!(outcomes_a > 0 && outcomes_b > 0);
    // Partial files are synced every 1 000 bytes: some downloads resumed after the cut.
    assert!(resumed > 0);
}

#[test]
fn a_power_cut_during_the_first_install_leaves_nothing_or_the_whole_version() {
    let z = version("z", images(1, 5));
    let base = PowerCutDisk::new();
    let total = ops_of(&base, |c| sync(c, &z, 700));
    let (mut none, mut some) = (0, 0);
    for n in 0..total {
        let (_, cache) = cut_at(&base, n, |c| sync(c, &z, 700));
        match cache.load() {
            (None, problems) => {
                assert!(problems.is_empty(), "crash point {n}: {problems:?}");
                none += 1;
            }
            (Some(cur), _) => {
                assert_eq!(cur.manifest, z.manifest, "crash point {n}");
                cache.verify(z.id()).unwrap();
                some += 1;
            }
        }
        sync(&cache, &z, 700).unwrap();
        assert_eq!(cache.load().0.unwrap().manifest, z.manifest);
    }
    // `current` is the last thing written, so every cut before the end leaves nothing.
    assert_eq!((none, some), (total, 0));
}
