//! Bundles on disk: `manifest.json` plus `blobs/sha256/<64 hex>`, the unit of offline delivery.
//!
//! The only module of this crate that touches the filesystem. Reading checks everything a
//! player needs before switching to a bundle: the manifest is valid and its `version` matches
//! its content, every referenced blob is present with the announced size, and the data sets
//! hash to their addresses, parse and validate. Writing is atomic per file (temporary file,
//! fsync, rename, fsync of the directory) and writes the manifest last, so a bundle
//! interrupted by a power cut is never mistaken for a complete one.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::data::DataSets;
use crate::ids::Sha256;
use crate::manifest::{BlobRef, Manifest};
use crate::validate::{Problems, Validate};

/// File name of the manifest inside a bundle.
pub const MANIFEST_FILE: &str = "manifest.json";
/// Directory of the blobs inside a bundle.
pub const BLOBS_DIR: &str = "blobs/sha256";
/// Largest manifest accepted: manifests are small by design, anything bigger is an attack.
pub const MAX_MANIFEST_BYTES: u64 = 8 << 20;
/// Largest data-set blob accepted (a year of events for the whole territory is ~1 MB).
pub const MAX_DATA_BYTES: u64 = 64 << 20;

/// Why a bundle cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// A file is larger than allowed.
    #[error("{}: {size} bytes is more than the {limit} allowed", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// A file is not the JSON expected.
    #[error("{}: {message}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// The parser's message, with line and column.
        message: String,
    },
    /// The manifest is inconsistent.
    #[error("{MANIFEST_FILE} is invalid: {0}")]
    Invalid(Problems),
    /// A blob the manifest names is not in the bundle.
    #[error("{what} blob {sha256} is missing ({})", path.display())]
    MissingBlob {
        /// What references it (`asset`, `events data set`...).
        what: String,
        /// Its address.
        sha256: Sha256,
        /// Where it was expected.
        path: PathBuf,
    },
    /// A blob has another size than announced.
    #[error("{what} blob {sha256} has {actual} bytes where the manifest says {expected}")]
    WrongSize {
        /// What references it.
        what: String,
        /// Its address.
        sha256: Sha256,
        /// Announced size.
        expected: u64,
        /// Size on disk.
        actual: u64,
    },
    /// A blob's content does not hash to its address: corrupted or tampered with.
    #[error("{what} blob {sha256} is corrupt: its content hashes to {actual}")]
    WrongHash {
        /// What references it.
        what: String,
        /// Its address.
        sha256: Sha256,
        /// The hash of what is on disk.
        actual: Sha256,
    },
    /// A data set parsed but is inconsistent.
    #[error("{name} data set is invalid: {problems}")]
    InvalidData {
        /// `events`, `waste`, `news` or `catalogue`.
        name: &'static str,
        /// What is wrong.
        problems: Problems,
    },
}

/// A bundle read from disk and checked.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// Its directory.
    pub dir: PathBuf,
    /// The manifest.
    pub manifest: Manifest,
    /// The data sets it references, parsed.
    pub data: DataSets,
}

impl Bundle {
    /// Where the blob `sha256` lives in this bundle.
    pub fn blob_path(&self, sha256: &Sha256) -> PathBuf {
        blob_path(&self.dir, sha256)
    }
}

/// Where the blob `sha256` lives in the bundle at `dir`.
pub fn blob_path(dir: &Path, sha256: &Sha256) -> PathBuf {
    dir.join(BLOBS_DIR).join(sha256.as_str())
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> BundleError + '_ {
    move |source| BundleError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Reads at most `limit` bytes of `path`, refusing larger files before reading them.
fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, BundleError> {
    let file = fs::File::open(path).map_err(io_err(path))?;
    let size = file.metadata().map_err(io_err(path))?.len();
    if size > limit {
        return Err(BundleError::TooLarge {
            path: path.to_owned(),
            size,
            limit,
        });
    }
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(io_err(path))?;
    if bytes.len() as u64 > limit {
        return Err(BundleError::TooLarge {
            path: path.to_owned(),
            size: bytes.len() as u64,
            limit,
        });
    }
    Ok(bytes)
}

fn parse<T: DeserializeOwned>(path: &Path, bytes: &[u8]) -> Result<T, BundleError> {
    serde_json::from_slice(bytes).map_err(|e| BundleError::Json {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

/// Reads and checks the bundle at `dir` (see the module documentation for what is checked).
/// Image blobs are checked for presence and size only; [`verify_blobs`] hashes them too.
pub fn read(dir: &Path) -> Result<Bundle, BundleError> {
    read_with_manifest(dir, &dir.join(MANIFEST_FILE))
}

/// Reads and checks a bundle whose blobs are under `dir` but whose manifest is the file
/// `manifest_path`: the player's cache keeps several manifests (`manifests/<version>.json`)
/// next to one shared `blobs/` directory. Same checks as [`read`].
pub fn read_with_manifest(dir: &Path, manifest_path: &Path) -> Result<Bundle, BundleError> {
    let path = manifest_path;
    let manifest: Manifest = parse(path, &read_limited(path, MAX_MANIFEST_BYTES)?)?;
    manifest.check_sealed().map_err(BundleError::Invalid)?;
    for asset in &manifest.assets {
        check_present(dir, "asset", &asset.sha256, asset.size)?;
    }
    let refs = &manifest.data;
    let data = DataSets {
        events: read_data(dir, "events", refs.events.as_ref())?,
        waste: read_data(dir, "waste", refs.waste.as_ref())?,
        news: read_data(dir, "news", refs.news.as_ref())?,
        catalogue: read_data(dir, "catalogue", refs.catalogue.as_ref())?,
    };
    Ok(Bundle {
        dir: dir.to_owned(),
        manifest,
        data,
    })
}

fn check_present(
    dir: &Path,
    what: &str,
    sha256: &Sha256,
    expected: u64,
) -> Result<(), BundleError> {
    let path = blob_path(dir, sha256);
    let actual = match fs::metadata(&path) {
        Ok(m) => m.len(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(BundleError::MissingBlob {
                what: what.into(),
                sha256: sha256.clone(),
                path,
            });
        }
        Err(e) => return Err(BundleError::Io { path, source: e }),
    };
    if actual != expected {
        return Err(BundleError::WrongSize {
            what: what.into(),
            sha256: sha256.clone(),
            expected,
            actual,
        });
    }
    Ok(())
}

fn read_data<T: DeserializeOwned + Validate>(
    dir: &Path,
    name: &'static str,
    blob: Option<&BlobRef>,
) -> Result<Option<T>, BundleError> {
    let Some(blob) = blob else { return Ok(None) };
    let what = format!("{name} data set");
    check_present(dir, &what, &blob.sha256, blob.size)?;
    let path = blob_path(dir, &blob.sha256);
    let bytes = read_limited(&path, MAX_DATA_BYTES)?;
    let actual = Sha256::of(&bytes);
    if actual != blob.sha256 {
        return Err(BundleError::WrongHash {
            what,
            sha256: blob.sha256.clone(),
            actual,
        });
    }
    let value: T = parse(&path, &bytes)?;
    value
        .check()
        .map_err(|problems| BundleError::InvalidData { name, problems })?;
    Ok(Some(value))
}

/// Hashes every asset blob of `bundle` and compares it with its address.
pub fn verify_blobs(bundle: &Bundle) -> Result<(), BundleError> {
    for asset in &bundle.manifest.assets {
        let path = bundle.blob_path(&asset.sha256);
        let mut file = fs::File::open(&path).map_err(io_err(&path))?;
        let actual = Sha256::of_reader(&mut file).map_err(io_err(&path))?;
        if actual != asset.sha256 {
            return Err(BundleError::WrongHash {
                what: "asset".into(),
                sha256: asset.sha256.clone(),
                actual,
            });
        }
    }
    Ok(())
}

/// Writes a bundle to `dir`: every blob of `blobs` under its address, then the manifest.
///
/// The manifest must be valid and sealed, and every blob it references must be among `blobs`
/// or already in `dir`; otherwise nothing is written. Existing blobs are not rewritten.
pub fn write<'b>(
    dir: &Path,
    manifest: &Manifest,
    blobs: impl IntoIterator<Item = &'b [u8]>,
) -> Result<(), BundleError> {
    manifest.check_sealed().map_err(BundleError::Invalid)?;
    let blobs: Vec<(Sha256, &[u8])> = blobs.into_iter().map(|b| (Sha256::of(b), b)).collect();
    let have = |sha: &Sha256| blobs.iter().any(|(s, _)| s == sha) || blob_path(dir, sha).is_file();
    let needed = manifest
        .assets
        .iter()
        .map(|a| ("asset".to_owned(), &a.sha256))
        .chain(
            manifest
                .data
                .iter()
                .map(|(n, r)| (format!("{n} data set"), &r.sha256)),
        );
    for (what, sha) in needed {
        if !have(sha) {
            return Err(BundleError::MissingBlob {
                what,
                sha256: sha.clone(),
                path: blob_path(dir, sha),
            });
        }
    }
    let blob_dir = dir.join(BLOBS_DIR);
    create_dir_durable(&blob_dir)?;
    for (sha, bytes) in &blobs {
        // A blob already there is kept only if it is intact; a damaged one is replaced.
        if !blob_is_intact(&blob_path(dir, sha), sha) {
            write_atomic(&blob_dir, sha.as_str(), bytes)?;
        }
    }
    let json = manifest
        .to_canonical_json()
        .map_err(|e| BundleError::Json {
            path: dir.join(MANIFEST_FILE),
            message: e.to_string(),
        })?;
    write_atomic(dir, MANIFEST_FILE, json.as_bytes())
}

/// True when `path` exists and hashes to `sha256`.
fn blob_is_intact(path: &Path, sha256: &Sha256) -> bool {
    fs::File::open(path)
        .and_then(|mut f| Sha256::of_reader(&mut f))
        .is_ok_and(|actual| &actual == sha256)
}

/// Creates `dir` and any missing parents, fsyncing each new directory's parent so that the
/// new entries survive a power cut (a rename inside a directory whose own entry was lost
/// would be lost with it).
pub fn create_dir_durable(dir: &Path) -> Result<(), BundleError> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_dir_durable(parent)?;
        fs::create_dir(dir)
            .or_else(|e| if dir.is_dir() { Ok(()) } else { Err(e) })
            .map_err(io_err(dir))?;
        fs::File::open(parent)
            .and_then(|d| d.sync_all())
            .map_err(io_err(parent))
    } else {
        fs::create_dir(dir).map_err(io_err(dir))
    }
}

/// Replaces `dir/name` with `bytes` so that a crash at any instant leaves either the old file
/// or the new one: temporary file in the same directory, fsync, rename, fsync the directory.
pub fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), BundleError> {
    let path = dir.join(name);
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(dir)
        .map_err(io_err(dir))?;
    tmp.write_all(bytes).map_err(io_err(&path))?;
    tmp.as_file().sync_all().map_err(io_err(&path))?;
    tmp.persist(&path).map_err(|e| BundleError::Io {
        path: path.clone(),
        source: e.error,
    })?;
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err(dir))
}
