//! The player's on-disk cache: the manifests and blobs it plays offline, power-cut safe.
//!
//! Layout under the cache root (e.g. `/var/lib/beffroi/cache`):
//!
//! ```text
//! blobs/sha256/<64 hex>      verified blobs, as in a bundle (so the root is a bundle directory)
//! manifests/<version>.json   manifests, byte for byte as received
//! current, previous          pointer files holding a manifest version, replaced atomically
//! partial/<64 hex>           downloads in progress, resumable with `Range`
//! .tmp-*                     leftovers of interrupted atomic writes, deleted at open
//! ```
//!
//! Why it survives a power cut at any instant:
//!
//! - a blob enters `blobs/` only by a rename after its content was synced and hashed, and
//!   `blobs/` is synced before the blob counts as present; so a blob there with the right size
//!   is the right blob;
//! - a manifest is written with [`disk::write_atomic`];
//! - [`Cache::switch_to`] checks that the new manifest and all its blobs are present before it
//!   points `current` at it, and writes `previous` (the last known good) before `current`,
//!   each atomically: a cut between the two leaves both pointing at playable versions;
//! - [`Cache::collect`] removes only what neither `current` nor `previous` names.
//!
//! Every write goes through [`disk::Disk`], so the tests run the same code on
//! [`powercut::PowerCutDisk`], which forgets whatever was not synced.

pub mod disk;
pub mod powercut;
#[cfg(test)]
pub(crate) mod tests;

use std::collections::BTreeSet;
use std::fmt;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use beffroi_protocol::bundle::{self, BLOBS_DIR, Bundle, BundleError, MAX_MANIFEST_BYTES};
use beffroi_protocol::ids::Sha256;
use beffroi_protocol::manifest::Manifest;
use sha2::Digest;

use disk::{Disk, DiskFile, write_atomic};

/// Pointer file naming the manifest to play.
pub const CURRENT: &str = "current";
/// Pointer file naming the last known good manifest before `current`.
pub const PREVIOUS: &str = "previous";
/// Directory of the manifests, relative to the cache root.
pub const MANIFESTS_DIR: &str = "manifests";
/// Directory of the downloads in progress, relative to the cache root.
pub const PARTIAL_DIR: &str = "partial";
/// Free space a download leaves untouched, so that the pointer and manifest writes that follow
/// it (and the rest of the system) still fit.
pub const SPACE_MARGIN: u64 = 1 << 20;
/// A partial download is synced every this many bytes by default, so that a power cut loses
/// at most this much of it (a resume then starts from the last sync).
pub const PARTIAL_SYNC_BYTES: u64 = 4 << 20;
/// Prefix of the temporary files of atomic writes.
const TMP_PREFIX: &str = ".tmp-";

/// Why a cache operation failed; each message names the file or blob concerned.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// A blob's content does not hash to its address.
    #[error("blob {sha256} is corrupt: its content hashes to {actual}")]
    WrongHash {
        /// Its address.
        sha256: Sha256,
        /// The hash of what was received or is on disk.
        actual: Sha256,
    },
    /// A blob has, or would get, another size than announced.
    #[error("blob {sha256} has {actual} bytes where the manifest says {expected}")]
    WrongSize {
        /// Its address.
        sha256: Sha256,
        /// Announced size.
        expected: u64,
        /// Size received or on disk.
        actual: u64,
    },
    /// The disk has not enough room left.
    #[error("not enough disk space: {needed} bytes needed, {available} available")]
    NoSpace {
        /// Bytes needed (with the safety margin).
        needed: u64,
        /// Bytes free.
        available: u64,
    },
    /// Something in the cache, or a version given, is malformed.
    #[error("{0}")]
    Invalid(String),
    /// A manifest or blob needed is not in the cache.
    #[error("{0}")]
    Missing(String),
    /// The cached version could not be read as a bundle.
    #[error(transparent)]
    Bundle(#[from] BundleError),
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> CacheError + '_ {
    move |source| CacheError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The manifest to play, as [`Cache::load`] found it.
#[derive(Debug, Clone)]
pub struct Current {
    /// Its version (64 hex digits).
    pub version: String,
    /// The manifest, parsed and checked.
    pub manifest: Manifest,
    /// True when `current` was damaged and this is the last known good version.
    pub from_previous: bool,
}

/// The on-disk cache (see the module documentation). Cheap to clone; clones share the disk.
#[derive(Debug, Clone)]
pub struct Cache {
    disk: Arc<dyn Disk>,
    root: PathBuf,
    partial_sync_bytes: u64,
}

impl Cache {
    /// Opens the cache at `root`, creating its directories durably, and deletes the temporary
    /// files of atomic writes a crash interrupted.
    pub fn open(disk: Arc<dyn Disk>, root: &Path) -> Result<Cache, CacheError> {
        let cache = Cache {
            disk,
            root: root.to_owned(),
            partial_sync_bytes: PARTIAL_SYNC_BYTES,
        };
        for dir in [
            cache.root.clone(),
            cache.blobs_dir(),
            cache.manifests_dir(),
            cache.partial_dir(),
        ] {
            cache.disk.create_dir_all(&dir).map_err(io_err(&dir))?;
            for name in cache.disk.list(&dir).map_err(io_err(&dir))? {
                if name.to_string_lossy().starts_with(TMP_PREFIX) {
                    let path = dir.join(&name);
                    // Not synced: if the removal is lost, the next open removes it again.
                    remove_if_present(cache.disk.as_ref(), &path)?;
                }
            }
        }
        Ok(cache)
    }

    /// The same cache syncing partial downloads every `bytes` instead of
    /// [`PARTIAL_SYNC_BYTES`] (tests use small values to cut the power mid-blob).
    pub fn with_partial_sync(mut self, bytes: u64) -> Cache {
        self.partial_sync_bytes = bytes.max(1);
        self
    }

    /// The cache's root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The disk the cache writes through.
    pub fn disk(&self) -> &Arc<dyn Disk> {
        &self.disk
    }

    fn blobs_dir(&self) -> PathBuf {
        self.root.join(BLOBS_DIR)
    }

    fn manifests_dir(&self) -> PathBuf {
        self.root.join(MANIFESTS_DIR)
    }

    fn partial_dir(&self) -> PathBuf {
        self.root.join(PARTIAL_DIR)
    }

    fn manifest_path(&self, version: &Sha256) -> PathBuf {
        self.manifests_dir().join(format!("{version}.json"))
    }

    fn partial_path(&self, sha: &Sha256) -> PathBuf {
        self.partial_dir().join(sha.as_str())
    }

    /// Where the verified blob `sha` lives (`root/blobs/sha256/<hex>`).
    pub fn blob_path(&self, sha: &Sha256) -> PathBuf {
        bundle::blob_path(&self.root, sha)
    }

    /// The manifest to play: `current` if it is whole (the pointer is readable, its manifest
    /// parses, is sealed with that version, and every blob it names is present with the
    /// announced size), else `previous` under the same test, else none. The problems met on
    /// the way are returned for the status report.
    pub fn load(&self) -> (Option<Current>, Vec<String>) {
        let mut problems = Vec::new();
        let mut tried = None;
        for (name, from_previous) in [(CURRENT, false), (PREVIOUS, true)] {
            let version = match self.read_pointer(name) {
                Ok(Some(v)) => v,
                Ok(None) => continue,
                Err(e) => {
                    problems.push(format!("{name}: {e}"));
                    continue;
                }
            };
            if tried.as_ref() == Some(&version) {
                continue;
            }
            match self.check(&version) {
                Ok(manifest) => {
                    return (
                        Some(Current {
                            version: version.to_string(),
                            manifest,
                            from_previous,
                        }),
                        problems,
                    );
                }
                Err(e) => problems.push(format!("{name} ({version}): {e}")),
            }
            tried = Some(version);
        }
        (None, problems)
    }

    /// Checks `version` as [`Cache::load`] does, and also hashes every blob it names.
    pub fn verify(&self, version: &str) -> Result<(), CacheError> {
        let manifest = self.check(&parse_version(version)?)?;
        for (_, sha, _) in blobs_of(&manifest) {
            let path = self.blob_path(sha);
            let mut reader = self.disk.open_read(&path).map_err(io_err(&path))?;
            let actual = Sha256::of_reader(&mut reader).map_err(io_err(&path))?;
            if &actual != sha {
                return Err(CacheError::WrongHash {
                    sha256: sha.clone(),
                    actual,
                });
            }
        }
        Ok(())
    }

    /// True when the blob `sha` is in the cache with `size` bytes. Blobs enter the cache only
    /// once verified, so this is enough to trust it.
    pub fn has_blob(&self, sha: &Sha256, size: u64) -> bool {
        matches!(self.disk.len(&self.blob_path(sha)), Ok(n) if n == size)
    }

    /// Starts or resumes the download of the blob `sha` of `size` bytes.
    ///
    /// The writer's [`BlobWriter::offset`] is the number of bytes already in the partial file:
    /// ask the server for `Range: bytes=<offset>-` (when it equals `size`, call
    /// [`BlobWriter::finish`] at once). Fails with [`CacheError::NoSpace`] when the disk has
    /// less room than the rest of the blob plus [`SPACE_MARGIN`].
    pub fn begin_blob(&self, sha: &Sha256, size: u64) -> Result<BlobWriter, CacheError> {
        let partial = self.partial_path(sha);
        let mut offset = match self.disk.len(&partial) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::NotFound => 0,
            Err(e) => return Err(io_err(&partial)(e)),
        };
        // A partial file larger than the blob cannot be a prefix of it. One next to a blob
        // already present may be a stale entry of that very file (the rename's `partial/`
        // side was lost in a crash): writing to it could change the blob, so start afresh.
        if offset > size || (self.has_blob(sha, size) && self.disk.exists(&partial)) {
            remove_if_present(self.disk.as_ref(), &partial)?;
            offset = 0;
        }
        let mut hasher = sha2::Sha256::new();
        if offset > 0 {
            // The hash must cover the whole file: hash what a previous run left. If it is
            // damaged (a power cut on a filesystem that does not order data before size),
            // the final hash tells, and the caller starts over.
            let hashed = self.hash_prefix(&partial, &mut hasher, offset)?;
            if hashed != offset {
                remove_if_present(self.disk.as_ref(), &partial)?;
                hasher = sha2::Sha256::new();
                offset = 0;
            }
        }
        let remaining = size - offset;
        if remaining > 0
            && let Some(available) = self.disk.available(&self.root)
        {
            let needed = remaining.saturating_add(SPACE_MARGIN);
            if available < needed {
                return Err(CacheError::NoSpace { needed, available });
            }
        }
        let file = if offset == 0 {
            self.disk.create(&partial)
        } else {
            self.disk.append(&partial)
        }
        .map_err(io_err(&partial))?;
        Ok(BlobWriter {
            disk: Arc::clone(&self.disk),
            sha256: sha.clone(),
            size,
            offset,
            unsynced: 0,
            partial_sync_bytes: self.partial_sync_bytes,
            hasher,
            file,
            partial,
            blob: self.blob_path(sha),
            blobs_dir: self.blobs_dir(),
            partial_dir: self.partial_dir(),
            // A resumed file was found on disk, but its entry may not be durable yet.
            entry_synced: false,
            failed: false,
        })
    }

    /// Feeds the first `limit` bytes of `path` to `hasher`; returns how many there were.
    fn hash_prefix(
        &self,
        path: &Path,
        hasher: &mut sha2::Sha256,
        limit: u64,
    ) -> Result<u64, CacheError> {
        let mut reader = self.disk.open_read(path).map_err(io_err(path))?.take(limit);
        let mut buf = vec![0u8; 64 << 10];
        let mut total = 0;
        loop {
            match reader.read(&mut buf) {
                Ok(0) => return Ok(total),
                Ok(n) => {
                    hasher.update(&buf[..n]);
                    total += n as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(io_err(path)(e)),
            }
        }
    }

    /// Stores the manifest `version` (its bytes as received, already validated by the caller)
    /// as `manifests/<version>.json`, atomically.
    pub fn stage_manifest(&self, version: &str, bytes: &[u8]) -> Result<(), CacheError> {
        let version = parse_version(version)?;
        let dir = self.manifests_dir();
        write_atomic(self.disk.as_ref(), &dir, &format!("{version}.json"), bytes)
            .map_err(io_err(&self.manifest_path(&version)))
    }

    /// Makes `version` current.
    ///
    /// Refused unless its manifest is staged and whole and every blob it names is present.
    /// Then `previous` := the old `current` (when that one is playable and different), and
    /// only then `current` := `version`, each replaced atomically: a power cut between the two
    /// leaves `current` on the old version, which `previous` names too.
    pub fn switch_to(&self, version: &str) -> Result<(), CacheError> {
        let version = parse_version(version)?;
        self.check(&version)?;
        let old = match self.read_pointer(CURRENT) {
            Ok(old) => old,
            Err(e @ CacheError::Io { .. }) => return Err(e),
            // A garbled pointer names nothing playable.
            Err(_) => None,
        };
        if old.as_ref() == Some(&version) {
            return Ok(());
        }
        if let Some(old) = old {
            match self.check(&old) {
                Ok(_) => {
                    if self.read_pointer(PREVIOUS).ok().flatten().as_ref() != Some(&old) {
                        self.write_pointer(PREVIOUS, &old)?;
                    }
                }
                Err(e @ CacheError::Io { .. }) => return Err(e),
                // A broken `current` is not worth keeping: `previous` stays the last known
                // good one.
                Err(_) => {}
            }
        }
        self.write_pointer(CURRENT, &version)
    }

    /// Frees space: removes the manifests other than `current`'s and `previous`'s, the blobs
    /// neither names, and the partial downloads of blobs `keep` (the manifest being
    /// downloaded, if any) does not name. `keep`'s staged manifest and the blobs it names
    /// already complete are kept too, so collecting mid-download loses no work. Returns the
    /// bytes freed.
    pub fn collect(&self, keep: Option<&Manifest>) -> Result<u64, CacheError> {
        let mut manifests = BTreeSet::new();
        let mut blobs = BTreeSet::new();
        for name in [CURRENT, PREVIOUS] {
            let version = match self.read_pointer(name) {
                Ok(Some(v)) => v,
                Ok(None) => continue,
                // Never collect on a guess: an unreadable pointer may name anything.
                Err(e @ CacheError::Io { .. }) => return Err(e),
                Err(_) => continue,
            };
            let path = self.manifest_path(&version);
            match self.disk.read(&path) {
                // A manifest that does not parse cannot be played, so it needs no blob; one
                // that parses but is otherwise damaged still has its blobs kept.
                Ok(bytes) => {
                    if let Ok(m) = serde_json::from_slice::<Manifest>(&bytes) {
                        blobs.extend(blobs_of(&m).map(|(_, sha, _)| sha.to_string()));
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_err(&path)(e)),
            }
            manifests.insert(format!("{version}.json"));
        }
        let mut partials = BTreeSet::new();
        if let Some(keep) = keep {
            manifests.insert(format!("{}.json", keep.version));
            for (_, sha, size) in blobs_of(keep) {
                if self.has_blob(sha, size) {
                    blobs.insert(sha.to_string());
                } else {
                    partials.insert(sha.to_string());
                }
            }
        }
        let mut freed = 0;
        for (dir, kept) in [
            (self.manifests_dir(), &manifests),
            (self.blobs_dir(), &blobs),
            (self.partial_dir(), &partials),
        ] {
            let mut removed = false;
            for name in self.disk.list(&dir).map_err(io_err(&dir))? {
                if name.to_str().is_some_and(|n| kept.contains(n)) {
                    continue;
                }
                let path = dir.join(&name);
                freed += self.disk.len(&path).unwrap_or(0);
                remove_if_present(self.disk.as_ref(), &path)?;
                removed = true;
            }
            // Not needed for safety (a removal lost in a crash is redone next time), but it
            // keeps what was freed freed.
            if removed {
                self.disk.sync_dir(&dir).map_err(io_err(&dir))?;
            }
        }
        Ok(freed)
    }

    /// Bytes used by the blobs and manifests.
    pub fn bytes_used(&self) -> u64 {
        [self.blobs_dir(), self.manifests_dir()]
            .iter()
            .flat_map(|dir| {
                self.disk
                    .list(dir)
                    .unwrap_or_default()
                    .into_iter()
                    .map(move |name| dir.join(name))
            })
            .map(|path| self.disk.len(&path).unwrap_or(0))
            .sum()
    }

    /// A renderer-ready bundle of `version`: the cache root is a bundle directory whose
    /// manifest is `manifests/<version>.json`. Reads the real filesystem (the renderer does),
    /// so it only makes sense on [`disk::OsDisk`].
    pub fn bundle(&self, version: &str) -> Result<Bundle, CacheError> {
        let version = parse_version(version)?;
        Ok(bundle::read_with_manifest(
            &self.root,
            &self.manifest_path(&version),
        )?)
    }

    /// The version a pointer file names; `None` when the file does not exist.
    fn read_pointer(&self, name: &str) -> Result<Option<Sha256>, CacheError> {
        let path = self.root.join(name);
        let bytes = match self.disk.read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_err(&path)(e)),
        };
        let text = String::from_utf8_lossy(&bytes);
        text.trim().parse().map(Some).map_err(|_| {
            CacheError::Invalid(format!(
                "{} holds {:?}, not a manifest version",
                path.display(),
                text.chars().take(80).collect::<String>()
            ))
        })
    }

    fn write_pointer(&self, name: &str, version: &Sha256) -> Result<(), CacheError> {
        write_atomic(
            self.disk.as_ref(),
            &self.root,
            name,
            format!("{version}\n").as_bytes(),
        )
        .map_err(io_err(&self.root.join(name)))
    }

    /// The manifest `version` if it is whole: staged, parsed, sealed with that version, every
    /// blob present with its size. Blobs are not hashed (see [`Cache::verify`]).
    fn check(&self, version: &Sha256) -> Result<Manifest, CacheError> {
        let path = self.manifest_path(version);
        let missing = || CacheError::Missing(format!("manifest {version} is not in the cache"));
        let size = match self.disk.len(&path) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(missing()),
            Err(e) => return Err(io_err(&path)(e)),
        };
        if size > MAX_MANIFEST_BYTES {
            return Err(CacheError::Invalid(format!(
                "{}: {size} bytes is more than the {MAX_MANIFEST_BYTES} allowed",
                path.display()
            )));
        }
        let bytes = match self.disk.read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(missing()),
            Err(e) => return Err(io_err(&path)(e)),
        };
        let manifest: Manifest = serde_json::from_slice(&bytes)
            .map_err(|e| CacheError::Invalid(format!("{}: {e}", path.display())))?;
        manifest
            .check_sealed()
            .map_err(|p| CacheError::Invalid(format!("{}: {p}", path.display())))?;
        if manifest.version != version.as_str() {
            return Err(CacheError::Invalid(format!(
                "{}: the manifest inside is version {}",
                path.display(),
                manifest.version
            )));
        }
        for (what, sha, size) in blobs_of(&manifest) {
            let blob = self.blob_path(sha);
            match self.disk.len(&blob) {
                Ok(n) if n == size => {}
                Ok(actual) => {
                    return Err(CacheError::WrongSize {
                        sha256: sha.clone(),
                        expected: size,
                        actual,
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    return Err(CacheError::Missing(format!(
                        "{what} blob {sha} of manifest {version} is not in the cache"
                    )));
                }
                Err(e) => return Err(io_err(&blob)(e)),
            }
        }
        Ok(manifest)
    }
}

/// Every blob `manifest` names, with what names it and its size: assets, then data sets.
fn blobs_of(manifest: &Manifest) -> impl Iterator<Item = (String, &Sha256, u64)> {
    manifest
        .assets
        .iter()
        .map(|a| ("asset".to_owned(), &a.sha256, a.size))
        .chain(
            manifest
                .data
                .iter()
                .map(|(n, r)| (format!("{n} data set"), &r.sha256, r.size)),
        )
}

/// A manifest version, checked: it becomes a file name.
fn parse_version(version: &str) -> Result<Sha256, CacheError> {
    version.parse().map_err(|_| {
        CacheError::Invalid(format!(
            "{version:?} is not a manifest version (64 lowercase hexadecimal digits)"
        ))
    })
}

fn remove_if_present(disk: &dyn Disk, path: &Path) -> Result<(), CacheError> {
    match disk.remove(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(io_err(path)(e)),
        _ => Ok(()),
    }
}

/// A blob download in progress, appending to `partial/<hex>`; see [`Cache::begin_blob`].
pub struct BlobWriter {
    disk: Arc<dyn Disk>,
    sha256: Sha256,
    size: u64,
    offset: u64,
    unsynced: u64,
    partial_sync_bytes: u64,
    hasher: sha2::Sha256,
    file: Box<dyn DiskFile>,
    partial: PathBuf,
    blob: PathBuf,
    blobs_dir: PathBuf,
    partial_dir: PathBuf,
    /// The partial file's entry in `partial/` is durable.
    entry_synced: bool,
    /// A write failed: the file and the hasher may disagree, so the writer refuses to go on
    /// (drop it and call [`Cache::begin_blob`] again, which re-reads the file).
    failed: bool,
}

impl fmt::Debug for BlobWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlobWriter")
            .field("sha256", &self.sha256)
            .field("size", &self.size)
            .field("offset", &self.offset)
            .field("partial", &self.partial)
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

impl BlobWriter {
    /// Bytes of the blob in the partial file: those found at the start (the resume point)
    /// plus those written since.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The blob's announced size.
    pub fn size(&self) -> u64 {
        self.size
    }

    fn refuse_if_failed(&self) -> Result<(), CacheError> {
        if self.failed {
            return Err(CacheError::Invalid(format!(
                "download of blob {} stopped after a failed write; begin it again",
                self.sha256
            )));
        }
        Ok(())
    }

    /// Appends `chunk` to the partial file. More bytes than announced are refused
    /// ([`CacheError::WrongSize`]) and not written.
    pub fn write(&mut self, chunk: &[u8]) -> Result<(), CacheError> {
        self.refuse_if_failed()?;
        let end = self.offset.saturating_add(chunk.len() as u64);
        if end > self.size {
            return Err(CacheError::WrongSize {
                sha256: self.sha256.clone(),
                expected: self.size,
                actual: end,
            });
        }
        if let Err(e) = self.file.write_all(chunk) {
            self.failed = true;
            return Err(if e.kind() == io::ErrorKind::StorageFull {
                CacheError::NoSpace {
                    needed: self.size - self.offset,
                    available: self.disk.available(&self.blobs_dir).unwrap_or(0),
                }
            } else {
                io_err(&self.partial)(e)
            });
        }
        self.hasher.update(chunk);
        self.offset = end;
        self.unsynced += chunk.len() as u64;
        if self.unsynced >= self.partial_sync_bytes {
            // Only so that a resume after a power cut starts further than zero: correctness
            // rests on the final hash, not on this.
            self.unsynced = 0;
            if let Err(e) = self.sync_partial() {
                self.failed = true;
                return Err(e);
            }
        }
        Ok(())
    }

    /// Makes the bytes written so far survive a power cut: the content, and the first time
    /// the file's entry in `partial/` too (without it the content would be lost with it).
    fn sync_partial(&mut self) -> Result<(), CacheError> {
        self.file.sync().map_err(io_err(&self.partial))?;
        if !self.entry_synced {
            self.disk
                .sync_dir(&self.partial_dir)
                .map_err(io_err(&self.partial_dir))?;
            self.entry_synced = true;
        }
        Ok(())
    }

    /// Completes the download: syncs the partial file, checks its size and SHA-256 (over the
    /// whole file, resumed bytes included), renames it into `blobs/sha256/` and syncs that
    /// directory. On a wrong hash the partial file is deleted and [`CacheError::WrongHash`]
    /// returned: the caller downloads again from zero. On a short file
    /// ([`CacheError::WrongSize`]) the partial file is kept, to be resumed.
    pub fn finish(mut self) -> Result<(), CacheError> {
        self.refuse_if_failed()?;
        if self.offset != self.size {
            return Err(CacheError::WrongSize {
                sha256: self.sha256,
                expected: self.size,
                actual: self.offset,
            });
        }
        // The content must be durable before the rename can make it a blob.
        self.file.sync().map_err(io_err(&self.partial))?;
        drop(self.file);
        let actual: Sha256 = hex::encode(self.hasher.finalize())
            .parse()
            .map_err(|e: beffroi_protocol::ids::ParseIdError| CacheError::Invalid(e.to_string()))?;
        if actual != self.sha256 {
            remove_if_present(self.disk.as_ref(), &self.partial)?;
            return Err(CacheError::WrongHash {
                sha256: self.sha256,
                actual,
            });
        }
        self.disk
            .rename(&self.partial, &self.blob)
            .map_err(io_err(&self.blob))?;
        // `partial/` is not synced: a stale entry coming back after a crash is harmless
        // (`begin_blob` and `collect` drop it), and it saves an fsync per blob.
        self.disk
            .sync_dir(&self.blobs_dir)
            .map_err(io_err(&self.blobs_dir))
    }
}
