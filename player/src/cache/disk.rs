//! The filesystem as the cache sees it: a small trait over the few operations it needs, so
//! that tests can swap the real disk for one that loses every write not yet fsynced.
//!
//! Durability rules the cache follows (and [`super::powercut::PowerCutDisk`] enforces): a
//! file's content survives a power cut only once the file is synced; a directory entry
//! (create, rename, remove) only once its directory is synced.

use std::ffi::OsString;
use std::fmt;
use std::fs;
use std::io::{self, Read, Write};
use std::path::Path;

/// A file being written.
pub trait DiskFile: Write + Send + fmt::Debug {
    /// Makes the content written so far durable (`fsync`).
    fn sync(&mut self) -> io::Result<()>;
}

/// The filesystem operations of the cache, the alert store and the play journal.
pub trait Disk: Send + Sync + fmt::Debug {
    /// The whole content of `path`.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// The size of the file `path`.
    fn len(&self, path: &Path) -> io::Result<u64>;
    /// True when `path` exists (file or directory).
    fn exists(&self, path: &Path) -> bool;
    /// The names in the directory `dir`.
    fn list(&self, dir: &Path) -> io::Result<Vec<OsString>>;
    /// Creates `dir` (and missing parents), each new entry synced in its parent.
    fn create_dir_all(&self, dir: &Path) -> io::Result<()>;
    /// Creates or truncates `path` for writing.
    fn create(&self, path: &Path) -> io::Result<Box<dyn DiskFile>>;
    /// Opens `path` for appending, creating it when missing.
    fn append(&self, path: &Path) -> io::Result<Box<dyn DiskFile>>;
    /// Renames `from` to `to`, replacing `to`.
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()>;
    /// Removes the file `path`.
    fn remove(&self, path: &Path) -> io::Result<()>;
    /// Makes the entries of directory `dir` durable.
    fn sync_dir(&self, dir: &Path) -> io::Result<()>;
    /// Bytes still free for this process on the filesystem holding `dir`, when known.
    fn available(&self, dir: &Path) -> Option<u64>;
    /// A reader over the content of `path`, so that a large blob can be hashed without being
    /// held in memory. The default reads the whole file at once.
    fn open_read(&self, path: &Path) -> io::Result<Box<dyn Read + Send>> {
        Ok(Box::new(io::Cursor::new(self.read(path)?)))
    }
}

/// Replaces `dir/name` with `bytes` so that a power cut at any instant leaves the old content
/// or the new one: temporary file, sync, rename, sync of the directory.
pub fn write_atomic(disk: &dyn Disk, dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    let tmp = dir.join(format!(".tmp-{name}"));
    let mut file = disk.create(&tmp)?;
    file.write_all(bytes)?;
    file.sync()?;
    drop(file);
    disk.rename(&tmp, &dir.join(name))?;
    disk.sync_dir(dir)
}

/// The real filesystem.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsDisk;

#[derive(Debug)]
struct OsFile(fs::File);

impl Write for OsFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl DiskFile for OsFile {
    fn sync(&mut self) -> io::Result<()> {
        self.0.sync_all()
    }
}

impl Disk for OsDisk {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        fs::read(path)
    }

    fn len(&self, path: &Path) -> io::Result<u64> {
        fs::metadata(path).map(|m| m.len())
    }

    fn exists(&self, path: &Path) -> bool {
        path.exists()
    }

    fn list(&self, dir: &Path) -> io::Result<Vec<OsString>> {
        fs::read_dir(dir)?
            .map(|e| e.map(|e| e.file_name()))
            .collect()
    }

    fn create_dir_all(&self, dir: &Path) -> io::Result<()> {
        beffroi_protocol::bundle::create_dir_durable(dir).map_err(|e| match e {
            beffroi_protocol::bundle::BundleError::Io { source, .. } => source,
            other => io::Error::other(other.to_string()),
        })
    }

    fn create(&self, path: &Path) -> io::Result<Box<dyn DiskFile>> {
        Ok(Box::new(OsFile(fs::File::create(path)?)))
    }

    fn append(&self, path: &Path) -> io::Result<Box<dyn DiskFile>> {
        let file = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        Ok(Box::new(OsFile(file)))
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        fs::rename(from, to)
    }

    fn remove(&self, path: &Path) -> io::Result<()> {
        fs::remove_file(path)
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        fs::File::open(dir)?.sync_all()
    }

    fn open_read(&self, path: &Path) -> io::Result<Box<dyn Read + Send>> {
        Ok(Box::new(fs::File::open(path)?))
    }

    fn available(&self, dir: &Path) -> Option<u64> {
        let st = rustix::fs::statvfs(dir).ok()?;
        Some(st.f_bavail.saturating_mul(st.f_frsize))
    }
}
