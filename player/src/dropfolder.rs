//! The drop folder: a folder (typically the mount point of a USB stick) from which the player
//! plays a bundle exported by `beffroi-server export-bundle`, above the schedule (design:
//! emergency alert > signed drop-folder bundle > schedule > default).
//!
//! # Where the bundle is looked for
//!
//! [`locate`] applies these rules, in order:
//!
//! 1. the folder does not exist, or is empty of bundles: nothing to play ([`DropState::Absent`]);
//! 2. the folder holds `manifest.json` itself: the folder is the bundle (its sub-folders are
//!    then not looked at);
//! 3. otherwise its direct sub-folders are looked at (hidden ones, whose name starts with `.`,
//!    are skipped: trash folders, editor state): exactly one holding `manifest.json` is the
//!    bundle (people copy the exported folder onto the stick); several are refused, naming
//!    them, since the player cannot know which one the officer meant. Deeper folders are never
//!    searched.
//!
//! # Trust
//!
//! A bundle plays only when `signature` (one line, `ed25519:<hex>`, see the server's
//! `export` module) is the Ed25519 signature of the exact bytes of its `manifest.json` by the
//! server key the player learnt at pairing, and when every blob hashes to its address. With
//! `allow_unsigned_bundles` (demos) the signature is not looked at, but blobs still are.
//!
//! # Read in place
//!
//! The bundle is played where it is: its blobs are read from the stick while it plays. When
//! the stick is pulled they vanish, so [`DropWatcher`] reports [`DropState::Absent`] as soon as
//! an event shows the played manifest gone, without waiting for the quiet period, and the
//! player returns to the server's content at once. Copying the bundle into the data directory
//! first would be safer (a blob swapped on the stick after verification would be shown; a
//! pulled stick could not interrupt a read) but is not done yet.

use std::fmt;
use std::fs;
use std::io::{self, Read as _};
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use beffroi_protocol::bundle::{self, Bundle, BundleError, MANIFEST_FILE};
use beffroi_protocol::manifest::Manifest;
use ed25519_dalek::{Signature, VerifyingKey};
use notify::event::{AccessKind, AccessMode};
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher as _};

/// Name of the signature file in a bundle (as written by the server's `export-bundle`).
pub const SIGNATURE_FILE: &str = "signature";

/// The signature file is one short line; anything much bigger is not one.
const MAX_SIGNATURE_BYTES: u64 = 1024;

/// How long the folder must stay quiet before it is read: a copy in progress must not be read
/// half-written.
const QUIET: Duration = Duration::from_secs(1);

/// Re-check this often even without events (notify misses events on some mounts, and a file
/// system mounted over the folder raises none).
const RECHECK: Duration = Duration::from_secs(30);

/// Why a drop-folder bundle is refused.
#[derive(Debug, thiserror::Error)]
pub enum DropError {
    /// The bundle has no `signature` file.
    #[error(
        "{}: no signature file: the bundle is unsigned (export it with `beffroi-server \
         export-bundle`, or set allow_unsigned_bundles = true for a demo)",
        path.display()
    )]
    NoSignature {
        /// Where it was expected.
        path: PathBuf,
    },
    /// The `signature` file is not `ed25519:<128 hex digits>`.
    #[error("{}: malformed signature: {reason}", path.display())]
    Malformed {
        /// The signature file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The server key learnt at pairing is not a usable Ed25519 public key.
    #[error("the server key learnt at pairing is unusable: {0}")]
    PublicKey(String),
    /// The signature does not verify.
    #[error(
        "{}: the signature does not match manifest.json: the bundle was changed after it was \
         signed, or it was signed by another server",
        path.display()
    )]
    Mismatch {
        /// The signature file.
        path: PathBuf,
    },
    /// No server key is known and unsigned bundles are not allowed.
    #[error(
        "no server key is known yet (the player is not paired), so the bundle in {} cannot \
         be checked; pair the player, or set allow_unsigned_bundles = true for a demo",
        dir.display()
    )]
    NotPaired {
        /// The bundle.
        dir: PathBuf,
    },
    /// The manifest changed between the signature check and the reading of the bundle.
    #[error("{}: changed while it was read; it will be checked again", path.display())]
    Changed {
        /// The manifest.
        path: PathBuf,
    },
    /// Several sub-folders hold a bundle.
    #[error(
        "{} holds several bundles ({}): leave only one",
        folder.display(),
        names.join(", ")
    )]
    Several {
        /// The drop folder.
        folder: PathBuf,
        /// The sub-folders holding a `manifest.json`, sorted.
        names: Vec<String>,
    },
    /// The drop folder exists but is not a folder.
    #[error("the drop folder {} is not a folder", .0.display())]
    NotAFolder(PathBuf),
    /// A file or folder could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// The bundle is incomplete, invalid or corrupt.
    #[error("bundle {}: {source}", dir.display())]
    Bundle {
        /// The bundle.
        dir: PathBuf,
        /// What is wrong.
        source: BundleError,
    },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> DropError + '_ {
    move |source| DropError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Reads at most `limit` bytes of `path`; `None` when it does not exist.
fn read_limited(path: &Path, limit: u64) -> Result<Option<Vec<u8>>, DropError> {
    let file = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err(path)(e)),
    };
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(io_err(path))?;
    if bytes.len() as u64 > limit {
        return Err(DropError::Io {
            path: path.to_owned(),
            source: io::Error::other(format!("more than the {limit} bytes allowed")),
        });
    }
    Ok(Some(bytes))
}

/// Checks that `dir/signature` is the signature of `dir/manifest.json` by the key
/// `public_key_hex` (64 hex digits, as received at pairing).
pub fn verify_signature(dir: &Path, public_key_hex: &str) -> Result<(), DropError> {
    verified_manifest(dir, public_key_hex).map(drop)
}

/// [`verify_signature`], returning the manifest bytes that were verified.
fn verified_manifest(dir: &Path, public_key_hex: &str) -> Result<Vec<u8>, DropError> {
    let key = parse_public_key(public_key_hex)?;
    let sig_path = dir.join(SIGNATURE_FILE);
    let line =
        read_limited(&sig_path, MAX_SIGNATURE_BYTES)?.ok_or_else(|| DropError::NoSignature {
            path: sig_path.clone(),
        })?;
    let signature = parse_signature(&line).map_err(|reason| DropError::Malformed {
        path: sig_path.clone(),
        reason,
    })?;
    let manifest_path = dir.join(MANIFEST_FILE);
    let manifest =
        read_limited(&manifest_path, bundle::MAX_MANIFEST_BYTES)?.ok_or_else(|| DropError::Io {
            path: manifest_path.clone(),
            source: io::ErrorKind::NotFound.into(),
        })?;
    key.verify_strict(&manifest, &signature)
        .map_err(|_| DropError::Mismatch { path: sig_path })?;
    Ok(manifest)
}

fn parse_public_key(hex_key: &str) -> Result<VerifyingKey, DropError> {
    let bytes = hex::decode(hex_key.trim())
        .map_err(|e| DropError::PublicKey(format!("not hexadecimal ({e})")))?;
    let bytes: [u8; 32] = bytes.as_slice().try_into().map_err(|_| {
        DropError::PublicKey(format!(
            "wrong key length: {} bytes where Ed25519 keys have 32",
            bytes.len()
        ))
    })?;
    VerifyingKey::from_bytes(&bytes)
        .map_err(|_| DropError::PublicKey("not a valid Ed25519 public key".into()))
}

/// The signature of a `signature` file's content (`ed25519:<hex>`, surrounding white space
/// ignored), or what is wrong with it.
fn parse_signature(content: &[u8]) -> Result<Signature, String> {
    let text = std::str::from_utf8(content).map_err(|_| "not text".to_owned())?;
    let hex_sig = text
        .trim()
        .strip_prefix("ed25519:")
        .ok_or("it does not start with \"ed25519:\"")?;
    let bytes = hex::decode(hex_sig).map_err(|e| format!("not hexadecimal ({e})"))?;
    let bytes: [u8; 64] = bytes.as_slice().try_into().map_err(|_| {
        format!(
            "wrong length: {} bytes where Ed25519 signatures have 64",
            bytes.len()
        )
    })?;
    Ok(Signature::from_bytes(&bytes))
}

/// Reads the bundle at `dir` and checks it: the signature by `public_key` (hex) unless
/// `allow_unsigned`, then everything [`bundle::read`] checks, then every blob's hash
/// ([`bundle::verify_blobs`]). Without a known key, only `allow_unsigned` lets it through.
pub fn load(
    dir: &Path,
    public_key: Option<&str>,
    allow_unsigned: bool,
) -> Result<Bundle, DropError> {
    let signed = if allow_unsigned {
        None
    } else {
        let key = public_key.ok_or_else(|| DropError::NotPaired {
            dir: dir.to_owned(),
        })?;
        Some(verified_manifest(dir, key)?)
    };
    let bundle_err = |source| DropError::Bundle {
        dir: dir.to_owned(),
        source,
    };
    let bundle = bundle::read(dir).map_err(bundle_err)?;
    // `read` opened manifest.json again: make sure it read what was verified. Equal versions
    // mean equal content, since `read` checked that the version is the content's hash.
    if let Some(bytes) = signed {
        let same = serde_json::from_slice::<Manifest>(&bytes)
            .is_ok_and(|m| m.version == bundle.manifest.version);
        if !same {
            return Err(DropError::Changed {
                path: dir.join(MANIFEST_FILE),
            });
        }
    }
    bundle::verify_blobs(&bundle).map_err(bundle_err)?;
    Ok(bundle)
}

/// The bundle folder inside the drop folder `folder`, by the rules of the module
/// documentation: `None` when there is none.
pub fn locate(folder: &Path) -> Result<Option<PathBuf>, DropError> {
    match fs::metadata(folder) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Err(DropError::NotAFolder(folder.to_owned())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err(folder)(e)),
    }
    if folder.join(MANIFEST_FILE).exists() {
        return Ok(Some(folder.to_owned()));
    }
    let mut found = Vec::new();
    for entry in fs::read_dir(folder).map_err(io_err(folder))? {
        let entry = entry.map_err(io_err(folder))?;
        let name = entry.file_name();
        let path = entry.path();
        if name.as_encoded_bytes().starts_with(b".") || !path.is_dir() {
            continue;
        }
        if path.join(MANIFEST_FILE).exists() {
            found.push((name.to_string_lossy().into_owned(), path));
        }
    }
    found.sort();
    match found.len() {
        0 => Ok(None),
        1 => Ok(found.pop().map(|(_, p)| p)),
        _ => Err(DropError::Several {
            folder: folder.to_owned(),
            names: found.into_iter().map(|(n, _)| n).collect(),
        }),
    }
}

/// What the drop folder offers.
#[derive(Debug)]
pub enum DropState {
    /// No folder, or no bundle in it: the server's content plays.
    Absent,
    /// A bundle that passed every check: it plays above the schedule.
    Playing(Box<Bundle>),
    /// A bundle is there but refused, with the reason (for the status report): the server's
    /// content plays.
    Refused(String),
}

/// Looks at the drop folder `folder` once: [`locate`] then [`load`].
pub fn scan(folder: &Path, public_key: Option<&str>, allow_unsigned: bool) -> DropState {
    let found = locate(folder).and_then(|dir| {
        dir.map(|d| load(&d, public_key, allow_unsigned))
            .transpose()
    });
    match found {
        Ok(None) => DropState::Absent,
        Ok(Some(b)) => DropState::Playing(Box::new(b)),
        Err(e) => DropState::Refused(e.to_string()),
    }
}

/// A [`DropState`] reduced to what tells two of them apart.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seen {
    Absent,
    Playing { dir: PathBuf, version: String },
    Refused(String),
}

impl Seen {
    fn of(state: &DropState) -> Self {
        match state {
            DropState::Absent => Self::Absent,
            DropState::Playing(b) => Self::Playing {
                dir: b.dir.clone(),
                version: b.manifest.version.clone(),
            },
            DropState::Refused(m) => Self::Refused(m.clone()),
        }
    }
}

/// Cheap summary of what a check would read: identity, size and times of the folder, its
/// sub-folders, and the located bundle's manifest, signature and blobs; plus the key and the
/// setting. The periodic re-check hashes the blobs again only when it changed (hashing a
/// stick's worth of media every 30 s would keep a Pi busy).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fingerprint {
    key: Option<String>,
    allow_unsigned: bool,
    entries: Vec<(PathBuf, Option<[i64; 7]>)>,
}

fn stat(path: &Path) -> Option<[i64; 7]> {
    fs::metadata(path).ok().map(|m| {
        [
            m.dev() as i64,
            m.ino() as i64,
            m.size() as i64,
            m.mtime(),
            m.mtime_nsec(),
            m.ctime(),
            m.ctime_nsec(),
        ]
    })
}

fn fingerprint(folder: &Path, key: Option<String>, allow_unsigned: bool) -> Fingerprint {
    let mut entries = vec![(folder.to_owned(), stat(folder))];
    let mut dirs = vec![folder.to_owned()];
    if let Ok(list) = fs::read_dir(folder) {
        dirs.extend(list.flatten().map(|e| e.path()).filter(|p| p.is_dir()));
    }
    for dir in &dirs[1..] {
        entries.push((dir.clone(), stat(dir)));
    }
    for dir in dirs {
        for name in [MANIFEST_FILE, SIGNATURE_FILE, "blobs", bundle::BLOBS_DIR] {
            let path = dir.join(name);
            entries.push((path.clone(), stat(&path)));
        }
        if let Ok(list) = fs::read_dir(dir.join(bundle::BLOBS_DIR)) {
            for e in list.flatten() {
                entries.push((e.path(), stat(&e.path())));
            }
        }
    }
    entries.sort();
    Fingerprint {
        key,
        allow_unsigned,
        entries,
    }
}

enum Msg {
    Changed,
    Stop,
}

/// The source of the server's public key, asked at every check (the player may be paired
/// while it runs).
pub type PublicKeySource = Box<dyn Fn() -> Option<String> + Send>;

/// Watches the drop folder and reports each change of [`DropState`]. Dropping it stops it.
///
/// The folder's parent is watched (non-recursively) for the folder appearing and
/// disappearing as a whole (a USB stick mounted or pulled), and the folder itself
/// recursively while it exists. Events are debounced ([`QUIET`], 1 s of quiet) before the
/// folder is read, so that a copy in progress is not read half-written; a check that fails
/// because files are still arriving is repeated at the next event. The folder is also
/// re-checked every 30 s without events (some mounts raise none), hashing the blobs again
/// only when something changed. The first check runs at once when the watcher starts.
pub struct DropWatcher {
    tx: mpsc::Sender<Msg>,
    thread: Option<JoinHandle<()>>,
}

impl fmt::Debug for DropWatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DropWatcher")
            .field("running", &self.thread.is_some())
            .finish_non_exhaustive()
    }
}

impl DropWatcher {
    /// Starts watching `folder`. `public_key` gives the server key (hex) known at each check;
    /// `on_change` is called on the watcher's thread with each new state (the state before
    /// the first check counts as [`DropState::Absent`], so a bundle already there is
    /// reported). Fails when the folder's parent cannot be watched.
    pub fn start(
        folder: &Path,
        allow_unsigned: bool,
        public_key: PublicKeySource,
        on_change: impl Fn(DropState) + Send + 'static,
    ) -> Result<Self, DropError> {
        let name = folder
            .file_name()
            .ok_or_else(|| DropError::NotAFolder(folder.to_owned()))?;
        let parent = match folder.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        // Events name paths under the watched one: make both absolute, in the same form.
        let parent = fs::canonicalize(parent).map_err(io_err(parent))?;
        let folder = parent.join(name);
        let watch_err = |path: &Path, e: notify::Error| DropError::Io {
            path: path.to_owned(),
            source: io::Error::other(format!("cannot watch: {e}")),
        };

        let (tx, rx) = mpsc::channel();
        let events = tx.clone();
        let under = folder.clone();
        let mut watcher = notify::recommended_watcher(move |res: notify::Result<Event>| {
            if relevant(&res, &under) {
                let _ = events.send(Msg::Changed);
            }
        })
        .map_err(|e| watch_err(&parent, e))?;
        watcher
            .watch(&parent, RecursiveMode::NonRecursive)
            .map_err(|e| watch_err(&parent, e))?;

        let checker = Checker {
            folder: folder.clone(),
            allow_unsigned,
            public_key,
            on_change: Box::new(on_change),
            last: Seen::Absent,
            fingerprint: None,
        };
        let watch = FolderWatch {
            watcher,
            folder,
            on: None,
            error: None,
        };
        let thread = thread::Builder::new()
            .name("drop-folder".into())
            .spawn(move || watch_loop(watch, checker, &rx))
            .map_err(io_err(&parent))?;
        Ok(Self {
            tx,
            thread: Some(thread),
        })
    }
}

impl Drop for DropWatcher {
    fn drop(&mut self) {
        // Joining makes "dropped" mean "no callback will run any more", unless the callback
        // itself dropped us (joining would deadlock). The thread owns the notify watcher.
        let _ = self.tx.send(Msg::Stop);
        if let Some(thread) = self.thread.take()
            && thread.thread().id() != thread::current().id()
        {
            let _ = thread.join();
        }
    }
}

/// True when the event may concern the drop folder `folder` or what is inside.
fn relevant(res: &notify::Result<Event>, folder: &Path) -> bool {
    match res {
        // A lost event (queue overflow) may have been ours.
        Err(_) => true,
        Ok(ev) if ev.need_rescan() => true,
        // Opening and reading (ours included) change nothing; reacting to them would make
        // every check trigger another.
        Ok(ev) => match ev.kind {
            EventKind::Access(a) if a != AccessKind::Close(AccessMode::Write) => false,
            _ => ev.paths.iter().any(|p| p.starts_with(folder)),
        },
    }
}

/// The recursive watch on the folder, kept on whichever directory is at its path now.
struct FolderWatch {
    watcher: RecommendedWatcher,
    folder: PathBuf,
    /// Device and inode of the directory watched.
    on: Option<(u64, u64)>,
    /// The last failure to watch, reported once.
    error: Option<String>,
}

impl FolderWatch {
    /// Watches the directory now at the folder's path (a stick mounted over the folder
    /// replaces it), or stops watching when there is none.
    fn ensure(&mut self) {
        let now = fs::metadata(&self.folder)
            .ok()
            .filter(fs::Metadata::is_dir)
            .map(|m| (m.dev(), m.ino()));
        if now == self.on {
            return;
        }
        if self.on.take().is_some() {
            // Already gone when the folder was removed: nothing to undo then.
            let _ = self.watcher.unwatch(&self.folder);
        }
        if now.is_none() {
            return;
        }
        match self.watcher.watch(&self.folder, RecursiveMode::Recursive) {
            Ok(()) => {
                self.on = now;
                self.error = None;
            }
            Err(e) => {
                let e = e.to_string();
                if self.error.as_ref() != Some(&e) {
                    eprintln!(
                        "beffroi-player: drop folder {}: cannot watch ({e}); checked every {} s",
                        self.folder.display(),
                        RECHECK.as_secs()
                    );
                    self.error = Some(e);
                }
            }
        }
    }
}

/// Checks the folder and reports changes of state.
struct Checker {
    folder: PathBuf,
    allow_unsigned: bool,
    public_key: PublicKeySource,
    on_change: Box<dyn Fn(DropState) + Send>,
    last: Seen,
    /// The fingerprint taken before the last full check.
    fingerprint: Option<Fingerprint>,
}

impl Checker {
    /// Reads the folder and reports the outcome if it changed; with `only_if_changed`, skips
    /// the reading when the fingerprint is the one of the last check.
    fn check(&mut self, only_if_changed: bool) {
        let key = (self.public_key)();
        // Taken before reading: a change during the reading makes the next check read again.
        let fp = fingerprint(&self.folder, key.clone(), self.allow_unsigned);
        if only_if_changed && self.fingerprint.as_ref() == Some(&fp) {
            return;
        }
        self.fingerprint = Some(fp);
        let state = scan(&self.folder, key.as_deref(), self.allow_unsigned);
        self.report(state);
    }

    /// The bundle played is gone (stick pulled, folder removed): its blobs may vanish any
    /// moment, so the state becomes absent now, before the quiet period.
    fn check_vanished(&mut self) {
        if let Seen::Playing { dir, .. } = &self.last
            && !dir.join(MANIFEST_FILE).is_file()
        {
            self.fingerprint = None;
            self.report(DropState::Absent);
        }
    }

    fn report(&mut self, state: DropState) {
        let seen = Seen::of(&state);
        if seen != self.last {
            self.last = seen;
            (self.on_change)(state);
        }
    }
}

fn watch_loop(mut watch: FolderWatch, mut checker: Checker, rx: &mpsc::Receiver<Msg>) {
    watch.ensure();
    checker.check(false);
    // The instant of the last event not yet followed by a check.
    let mut pending: Option<Instant> = None;
    let mut next_recheck = Instant::now() + RECHECK;
    loop {
        let until = pending.map_or(next_recheck, |at| at + QUIET);
        match rx.recv_timeout(until.saturating_duration_since(Instant::now())) {
            Ok(Msg::Changed) => {
                // At once, so that files written into a folder that just appeared are seen.
                watch.ensure();
                checker.check_vanished();
                pending = Some(Instant::now());
                continue;
            }
            Ok(Msg::Stop) | Err(RecvTimeoutError::Disconnected) => return,
            Err(RecvTimeoutError::Timeout) => {}
        }
        watch.ensure();
        // After events, always read again; on the periodic re-check, only if changed.
        checker.check(pending.take().is_none());
        next_recheck = Instant::now() + RECHECK;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use ed25519_dalek::{Signer as _, SigningKey};

    fn key() -> SigningKey {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).unwrap();
        SigningKey::from_bytes(&secret)
    }

    fn public_hex(key: &SigningKey) -> String {
        hex::encode(key.verifying_key().as_bytes())
    }

    /// The signature file exactly as the server's `export::signature_line` writes it.
    fn signature_line(key: &SigningKey, manifest: &[u8]) -> String {
        format!("ed25519:{}\n", hex::encode(key.sign(manifest).to_bytes()))
    }

    /// Writes a small valid bundle titled `title` (one image asset of random bytes, never
    /// decoded, and an empty agenda) to `dir`, signed by `key` when given.
    fn write_bundle(dir: &Path, title: &str, key: Option<&SigningKey>) {
        let image: Vec<u8> = (0..2000u32)
            .map(|i| (i * 7 + title.len() as u32) as u8)
            .collect();
        // The cache tests' sealed manifest: a title slide, an agenda, one image asset.
        let v = crate::cache::tests::version(title, vec![image]);
        fs::create_dir_all(dir).unwrap();
        bundle::write(dir, &v.manifest, v.blobs.iter().map(Vec::as_slice)).unwrap();
        if let Some(key) = key {
            let bytes = fs::read(dir.join(MANIFEST_FILE)).unwrap();
            fs::write(dir.join(SIGNATURE_FILE), signature_line(key, &bytes)).unwrap();
        }
    }

    /// The path of the bundle's image blob.
    fn image_blob(dir: &Path) -> PathBuf {
        let b = bundle::read(dir).unwrap();
        b.blob_path(&b.manifest.assets[0].sha256)
    }

    fn refused(r: Result<Bundle, DropError>) -> String {
        r.unwrap_err().to_string()
    }

    #[test]
    fn a_signed_bundle_plays() {
        let tmp = tempfile::tempdir().unwrap();
        let k = key();
        write_bundle(tmp.path(), "Marché", Some(&k));
        verify_signature(tmp.path(), &public_hex(&k)).unwrap();
        let b = load(tmp.path(), Some(&public_hex(&k)), false).unwrap();
        assert_eq!(b.dir, tmp.path());
        assert_eq!(b.manifest.screen.name, "Mairie de Fruges");
    }

    #[test]
    fn unsigned_is_refused_unless_allowed() {
        let tmp = tempfile::tempdir().unwrap();
        let k = key();
        write_bundle(tmp.path(), "Marché", None);
        let e = refused(load(tmp.path(), Some(&public_hex(&k)), false));
        assert!(e.contains("no signature file"), "{e}");
        assert!(e.contains("allow_unsigned_bundles"), "{e}");
        load(tmp.path(), Some(&public_hex(&k)), true).unwrap();
        load(tmp.path(), None, true).unwrap();
        // Without a known key (not paired), even a signed bundle cannot be checked.
        write_bundle(tmp.path(), "Marché", Some(&k));
        let e = refused(load(tmp.path(), None, false));
        assert!(e.contains("not paired"), "{e}");
    }

    #[test]
    fn a_manifest_changed_after_signing_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let k = key();
        write_bundle(tmp.path(), "Marché", Some(&k));
        // Another valid, sealed manifest under the old signature.
        let sig = fs::read(tmp.path().join(SIGNATURE_FILE)).unwrap();
        write_bundle(tmp.path(), "Brocante", None);
        fs::write(tmp.path().join(SIGNATURE_FILE), sig).unwrap();
        let e = refused(load(tmp.path(), Some(&public_hex(&k)), false));
        assert!(e.contains("does not match manifest.json"), "{e}");
        // A single byte added (white space) is enough.
        write_bundle(tmp.path(), "Marché", Some(&k));
        let mut bytes = fs::read(tmp.path().join(MANIFEST_FILE)).unwrap();
        bytes.push(b'\n');
        fs::write(tmp.path().join(MANIFEST_FILE), bytes).unwrap();
        let e = refused(load(tmp.path(), Some(&public_hex(&k)), false));
        assert!(e.contains("does not match"), "{e}");
    }

    #[test]
    fn an_altered_blob_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let k = key();
        write_bundle(tmp.path(), "Marché", Some(&k));
        let blob = image_blob(tmp.path());
        let mut bytes = fs::read(&blob).unwrap();
        bytes[100] ^= 0xff;
        fs::write(&blob, bytes).unwrap();
        // The signature still matches: the blob's hash catches it.
        verify_signature(tmp.path(), &public_hex(&k)).unwrap();
        let e = refused(load(tmp.path(), Some(&public_hex(&k)), false));
        assert!(e.contains("corrupt"), "{e}");
        // Also when unsigned bundles are allowed.
        let e = refused(load(tmp.path(), None, true));
        assert!(e.contains("corrupt"), "{e}");
    }

    #[test]
    fn another_servers_signature_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let (ours, theirs) = (key(), key());
        write_bundle(tmp.path(), "Marché", Some(&theirs));
        let e = refused(load(tmp.path(), Some(&public_hex(&ours)), false));
        assert!(e.contains("signed by another server"), "{e}");
    }

    #[test]
    fn malformed_signatures_and_keys_are_named() {
        let tmp = tempfile::tempdir().unwrap();
        let k = key();
        write_bundle(tmp.path(), "Marché", Some(&k));
        let public = public_hex(&k);
        let sig_path = tmp.path().join(SIGNATURE_FILE);
        let good = fs::read_to_string(&sig_path).unwrap();
        for (content, expected) in [
            ("rsa:abcd\n", "does not start with \"ed25519:\""),
            ("ed25519:zz\n", "not hexadecimal"),
            ("ed25519:abcd\n", "wrong length: 2 bytes"),
            ("", "does not start"),
        ] {
            fs::write(&sig_path, content).unwrap();
            let e = verify_signature(tmp.path(), &public)
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("malformed signature") && e.contains(expected),
                "{e}"
            );
        }
        fs::write(&sig_path, &good).unwrap();
        let e = verify_signature(tmp.path(), &public[..62])
            .unwrap_err()
            .to_string();
        assert!(e.contains("wrong key length: 31 bytes"), "{e}");
        let e = verify_signature(tmp.path(), "xyz").unwrap_err().to_string();
        assert!(e.contains("not hexadecimal"), "{e}");
        // Surrounding white space (a hand-edited file) is fine.
        fs::write(&sig_path, format!("  {}\r\n", good.trim())).unwrap();
        verify_signature(tmp.path(), &public).unwrap();
    }

    #[test]
    fn the_bundle_is_the_folder_or_its_only_sub_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let k = key();
        let public = public_hex(&k);
        let usb = tmp.path().join("usb");
        assert!(matches!(
            scan(&usb, Some(&public), false),
            DropState::Absent
        ));
        fs::create_dir(&usb).unwrap();
        fs::write(usb.join("notes.txt"), "photos").unwrap();
        fs::create_dir(usb.join("photos")).unwrap();
        assert!(matches!(
            scan(&usb, Some(&public), false),
            DropState::Absent
        ));

        // One exported folder copied onto the stick; a hidden one is ignored.
        write_bundle(&usb.join("beffroi-fruges"), "Marché", Some(&k));
        write_bundle(&usb.join(".Trash-1000"), "Ancien", Some(&k));
        assert_eq!(locate(&usb).unwrap(), Some(usb.join("beffroi-fruges")));
        let DropState::Playing(b) = scan(&usb, Some(&public), false) else {
            panic!("not playing");
        };
        assert_eq!(b.dir, usb.join("beffroi-fruges"));

        // Two: refused, naming both.
        write_bundle(&usb.join("autre"), "Brocante", Some(&k));
        let DropState::Refused(e) = scan(&usb, Some(&public), false) else {
            panic!("not refused");
        };
        assert!(e.contains("several bundles (autre, beffroi-fruges)"), "{e}");

        // A bundle at the root wins over sub-folders.
        write_bundle(&usb, "Racine", Some(&k));
        assert_eq!(locate(&usb).unwrap(), Some(usb.clone()));
        assert!(matches!(
            scan(&usb, Some(&public), false),
            DropState::Playing(_)
        ));
    }

    /// Waits (15 s at most) for a state matching `want`, skipping others (a copy may be
    /// seen in progress).
    fn wait_for(
        rx: &mpsc::Receiver<DropState>,
        what: &str,
        want: impl Fn(&DropState) -> bool,
    ) -> DropState {
        let deadline = Instant::now() + Duration::from_secs(15);
        let mut seen = Vec::new();
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match rx.recv_timeout(left) {
                Ok(s) if want(&s) => return s,
                Ok(s) => seen.push(format!("{:?}", Seen::of(&s))),
                Err(_) => break,
            }
        }
        panic!("no {what} state within 15 s; saw {seen:?}");
    }

    fn copy_dir(from: &Path, to: &Path) {
        fs::create_dir_all(to).unwrap();
        for e in fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                copy_dir(&e.path(), &to.join(e.file_name()));
            } else {
                fs::copy(e.path(), to.join(e.file_name())).unwrap();
            }
        }
    }

    #[test]
    fn the_watcher_follows_the_stick() {
        let tmp = tempfile::tempdir().unwrap();
        let k = key();
        let public = public_hex(&k);
        let staged = tmp.path().join("export");
        write_bundle(&staged, "Marché", Some(&k));
        let usb = tmp.path().join("media").join("usb");
        fs::create_dir(tmp.path().join("media")).unwrap();

        let (tx, rx) = mpsc::channel();
        let watcher = DropWatcher::start(
            &usb,
            false,
            Box::new(move || Some(public.clone())),
            move |s| {
                let _ = tx.send(s);
            },
        )
        .unwrap();

        // The stick appears with the exported folder on it.
        copy_dir(&staged, &usb.join("beffroi-fruges"));
        let DropState::Playing(b) =
            wait_for(&rx, "playing", |s| matches!(s, DropState::Playing(_)))
        else {
            unreachable!()
        };
        assert!(
            b.dir.ends_with("media/usb/beffroi-fruges"),
            "{}",
            b.dir.display()
        );

        // A blob altered on the stick.
        let blob = image_blob(&usb.join("beffroi-fruges"));
        let mut bytes = fs::read(&blob).unwrap();
        bytes[0] ^= 0xff;
        fs::write(&blob, bytes).unwrap();
        let DropState::Refused(e) =
            wait_for(&rx, "refused", |s| matches!(s, DropState::Refused(_)))
        else {
            unreachable!()
        };
        assert!(e.contains("corrupt"), "{e}");

        // Repaired, then the stick is pulled.
        fs::copy(image_blob(&staged), &blob).unwrap();
        wait_for(&rx, "playing", |s| matches!(s, DropState::Playing(_)));
        fs::remove_dir_all(&usb).unwrap();
        wait_for(&rx, "absent", |s| matches!(s, DropState::Absent));

        // And plugged in again: the folder is watched anew.
        copy_dir(&staged, &usb);
        wait_for(&rx, "playing", |s| matches!(s, DropState::Playing(_)));

        // Dropping stops the thread: no callback afterwards.
        drop(watcher);
        fs::remove_dir_all(&usb).unwrap();
        thread::sleep(QUIET * 2);
        assert!(matches!(
            rx.try_recv(),
            Err(mpsc::TryRecvError::Disconnected)
        ));
    }
}
