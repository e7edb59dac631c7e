//! An in-memory [`Disk`] that loses, at a simulated power cut, everything not yet fsynced.
//!
//! `kill -9` tests prove little about durability: the page cache survives them. This disk
//! keeps two views of every file and directory, the *volatile* one (what reads see) and the
//! *durable* one (what the platters hold), and applies the POSIX rules strictly:
//!
//! - a file's content becomes durable only at [`DiskFile::sync`];
//! - a directory entry (create, rename, remove, mkdir) becomes durable only when its directory
//!   is synced ([`Disk::sync_dir`]); a rename between two directories touches both, each made
//!   durable by its own sync;
//! - [`PowerCutDisk::reboot`] rebuilds the volatile view from the durable one: durable entries
//!   pointing at inodes with their durable content (an entry synced without its content comes
//!   back as an empty file).
//!
//! [`PowerCutDisk::arm`] makes the power go after a given number of mutating operations, so
//! that a test can cut it at every step of a procedure in turn.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::io::{self, Write};
use std::path::{Component, Path};
use std::sync::{Arc, Mutex, MutexGuard};

use super::disk::{Disk, DiskFile};

/// An inode number: an index into [`State::nodes`]. Inodes are never freed; a test disk lives
/// for one scenario.
type Ino = usize;

/// The root directory's inode.
const ROOT: Ino = 0;

#[derive(Debug, Clone)]
enum Node {
    Dir {
        volatile: BTreeMap<OsString, Ino>,
        durable: BTreeMap<OsString, Ino>,
    },
    File {
        volatile: Vec<u8>,
        durable: Vec<u8>,
    },
}

impl Node {
    fn dir() -> Self {
        Node::Dir {
            volatile: BTreeMap::new(),
            durable: BTreeMap::new(),
        }
    }

    fn file() -> Self {
        Node::File {
            volatile: Vec::new(),
            durable: Vec::new(),
        }
    }

    /// This inode as it comes back after a power cut.
    fn rebooted(&self) -> Self {
        match self {
            Node::Dir { durable, .. } => Node::Dir {
                volatile: durable.clone(),
                durable: durable.clone(),
            },
            Node::File { durable, .. } => Node::File {
                volatile: durable.clone(),
                durable: durable.clone(),
            },
        }
    }
}

#[derive(Debug)]
struct State {
    nodes: Vec<Node>,
    /// Mutating operations done since creation or the last reboot.
    ops: u64,
    /// The power goes when `ops` reaches this.
    cut_at: Option<u64>,
    /// The power has gone: everything fails.
    cut: bool,
    /// Bytes of file content the disk can hold, when limited.
    quota: Option<u64>,
}

impl State {
    /// Counts one mutating operation, or cuts the power if it is time.
    fn tick(&mut self) -> io::Result<()> {
        if self.cut_at.is_some_and(|at| self.ops >= at) {
            self.cut = true;
            return Err(power_cut());
        }
        self.ops += 1;
        Ok(())
    }

    fn entries(&self, ino: Ino) -> io::Result<&BTreeMap<OsString, Ino>> {
        match &self.nodes[ino] {
            Node::Dir { volatile, .. } => Ok(volatile),
            Node::File { .. } => Err(io::Error::new(
                io::ErrorKind::NotADirectory,
                "not a directory",
            )),
        }
    }

    fn entries_mut(&mut self, ino: Ino) -> io::Result<&mut BTreeMap<OsString, Ino>> {
        match &mut self.nodes[ino] {
            Node::Dir { volatile, .. } => Ok(volatile),
            Node::File { .. } => Err(io::Error::new(
                io::ErrorKind::NotADirectory,
                "not a directory",
            )),
        }
    }

    /// The inode at `path` in the volatile view.
    fn lookup(&self, path: &Path) -> io::Result<Ino> {
        let mut ino = ROOT;
        for name in components(path)? {
            ino = *self.entries(ino)?.get(name).ok_or_else(not_found)?;
        }
        Ok(ino)
    }

    /// The directory holding `path` and the last component of `path`.
    fn parent<'p>(&self, path: &'p Path) -> io::Result<(Ino, &'p OsStr)> {
        let mut names = components(path)?;
        let name = names
            .pop()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the root has no parent"))?;
        let mut ino = ROOT;
        for n in names {
            ino = *self.entries(ino)?.get(n).ok_or_else(not_found)?;
        }
        self.entries(ino)?;
        Ok((ino, name))
    }

    fn file(&self, path: &Path) -> io::Result<&Vec<u8>> {
        match &self.nodes[self.lookup(path)?] {
            Node::File { volatile, .. } => Ok(volatile),
            Node::Dir { .. } => Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                "is a directory",
            )),
        }
    }

    /// Makes the entries of directory `ino` durable.
    fn sync_dir(&mut self, ino: Ino) -> io::Result<()> {
        match &mut self.nodes[ino] {
            Node::Dir { volatile, durable } => {
                durable.clone_from(volatile);
                Ok(())
            }
            Node::File { .. } => Err(io::Error::new(
                io::ErrorKind::NotADirectory,
                "not a directory",
            )),
        }
    }

    /// Creates an empty file in `dir` under `name`, or truncates the file there.
    fn create(&mut self, dir: Ino, name: &OsStr, truncate: bool) -> io::Result<Ino> {
        if let Some(&ino) = self.entries(dir)?.get(name) {
            return match &mut self.nodes[ino] {
                Node::File { volatile, .. } => {
                    if truncate {
                        volatile.clear();
                    }
                    Ok(ino)
                }
                Node::Dir { .. } => Err(io::Error::new(
                    io::ErrorKind::IsADirectory,
                    "is a directory",
                )),
            };
        }
        let ino = self.nodes.len();
        self.nodes.push(Node::file());
        self.entries_mut(dir)?.insert(name.to_owned(), ino);
        Ok(ino)
    }

    /// Bytes of content held by the files reachable in the volatile view.
    fn used(&self) -> u64 {
        let mut total = 0;
        let mut stack = vec![ROOT];
        while let Some(ino) = stack.pop() {
            match &self.nodes[ino] {
                Node::Dir { volatile, .. } => stack.extend(volatile.values().copied()),
                Node::File { volatile, .. } => total += volatile.len() as u64,
            }
        }
        total
    }
}

fn power_cut() -> io::Error {
    io::Error::other("power cut")
}

fn not_found() -> io::Error {
    io::Error::new(io::ErrorKind::NotFound, "no such file or directory")
}

/// The names along `path`; `/` and `.` are skipped, `..` refused (the cache never uses it).
fn components(path: &Path) -> io::Result<Vec<&OsStr>> {
    let mut names = Vec::new();
    for c in path.components() {
        match c {
            Component::Normal(n) => names.push(n),
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
            Component::ParentDir => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "\"..\" is not supported",
                ));
            }
        }
    }
    Ok(names)
}

/// Locks the state and fails if the power has gone; a mutating operation is also counted
/// (and may be the one at which the power goes).
fn enter(state: &Mutex<State>, mutating: bool) -> io::Result<MutexGuard<'_, State>> {
    // A test that panicked while holding the lock leaves a state that is still consistent
    // (every operation is applied whole under the lock).
    let mut s = state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if s.cut {
        return Err(power_cut());
    }
    if mutating {
        s.tick()?;
    }
    Ok(s)
}

/// An in-memory disk with strict durability and simulated power cuts (see the module
/// documentation).
pub struct PowerCutDisk {
    state: Arc<Mutex<State>>,
}

impl fmt::Debug for PowerCutDisk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f.debug_struct("PowerCutDisk")
            .field("inodes", &s.nodes.len())
            .field("ops", &s.ops)
            .field("cut_at", &s.cut_at)
            .field("cut", &s.cut)
            .field("quota", &s.quota)
            .finish()
    }
}

impl Default for PowerCutDisk {
    fn default() -> Self {
        Self::new()
    }
}

impl PowerCutDisk {
    /// An empty disk holding only the root directory `/`, with unlimited space, unarmed.
    pub fn new() -> Self {
        Self::from_state(State {
            nodes: vec![Node::dir()],
            ops: 0,
            cut_at: None,
            cut: false,
            quota: None,
        })
    }

    fn from_state(state: State) -> Self {
        Self {
            state: Arc::new(Mutex::new(state)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// This disk, able to hold at most `bytes` of file content: a write beyond fails with
    /// [`io::ErrorKind::StorageFull`], and [`Disk::available`] reports what is left.
    pub fn with_quota(self, bytes: u64) -> Self {
        self.set_quota(Some(bytes));
        self
    }

    /// Changes the quota (`None`: unlimited).
    pub fn set_quota(&self, bytes: Option<u64>) {
        self.lock().quota = bytes;
    }

    /// Makes the power go after `after_ops` more mutating operations: the next `after_ops`
    /// succeed, then the one after fails with "power cut", and so does every operation after
    /// it, reads included, until [`PowerCutDisk::reboot`].
    pub fn arm(&self, after_ops: u64) {
        let mut s = self.lock();
        s.cut_at = Some(s.ops.saturating_add(after_ops));
    }

    /// Mutating operations done since this disk was made (file creations, writes, syncs,
    /// renames, removals, directory creations and syncs), to choose crash points.
    pub fn ops(&self) -> u64 {
        self.lock().ops
    }

    /// True once the power has gone.
    pub fn is_cut(&self) -> bool {
        self.lock().cut
    }

    /// The disk as the machine finds it after a power cut now: only what was durable, every
    /// file at its durable content, unarmed, with the same quota. `self` is left untouched, so
    /// one state can be rebooted many times over.
    pub fn reboot(&self) -> PowerCutDisk {
        let s = self.lock();
        Self::from_state(State {
            nodes: s.nodes.iter().map(Node::rebooted).collect(),
            ops: 0,
            cut_at: None,
            cut: false,
            quota: s.quota,
        })
    }
}

/// A file open for writing on a [`PowerCutDisk`]: writes append to the volatile content.
struct MemFile {
    state: Arc<Mutex<State>>,
    ino: Ino,
}

impl fmt::Debug for MemFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemFile").field("ino", &self.ino).finish()
    }
}

impl Write for MemFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut s = enter(&self.state, true)?;
        if let Some(quota) = s.quota
            && s.used().saturating_add(buf.len() as u64) > quota
        {
            return Err(io::Error::new(
                io::ErrorKind::StorageFull,
                "No space left on device",
            ));
        }
        match &mut s.nodes[self.ino] {
            Node::File { volatile, .. } => volatile.extend_from_slice(buf),
            Node::Dir { .. } => return Err(io::Error::other("inode became a directory")),
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        // Nothing is buffered here; flushing is not syncing.
        enter(&self.state, false).map(drop)
    }
}

impl DiskFile for MemFile {
    fn sync(&mut self) -> io::Result<()> {
        let mut s = enter(&self.state, true)?;
        match &mut s.nodes[self.ino] {
            Node::File { volatile, durable } => durable.clone_from(volatile),
            Node::Dir { .. } => return Err(io::Error::other("inode became a directory")),
        }
        Ok(())
    }
}

impl Disk for PowerCutDisk {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        enter(&self.state, false)?.file(path).cloned()
    }

    fn len(&self, path: &Path) -> io::Result<u64> {
        Ok(enter(&self.state, false)?.file(path)?.len() as u64)
    }

    fn exists(&self, path: &Path) -> bool {
        enter(&self.state, false).is_ok_and(|s| s.lookup(path).is_ok())
    }

    fn list(&self, dir: &Path) -> io::Result<Vec<OsString>> {
        let s = enter(&self.state, false)?;
        Ok(s.entries(s.lookup(dir)?)?.keys().cloned().collect())
    }

    fn create_dir_all(&self, dir: &Path) -> io::Result<()> {
        let mut s = enter(&self.state, false)?;
        let mut ino = ROOT;
        for name in components(dir)? {
            if let Some(&child) = s.entries(ino)?.get(name) {
                s.entries(child)?;
                ino = child;
                continue;
            }
            // Like OsDisk: mkdir, then fsync the parent so that the new entry is durable.
            s.tick()?;
            let child = s.nodes.len();
            s.nodes.push(Node::dir());
            s.entries_mut(ino)?.insert(name.to_owned(), child);
            s.tick()?;
            s.sync_dir(ino)?;
            ino = child;
        }
        Ok(())
    }

    fn create(&self, path: &Path) -> io::Result<Box<dyn DiskFile>> {
        let mut s = enter(&self.state, true)?;
        let (dir, name) = s.parent(path)?;
        let ino = s.create(dir, name, true)?;
        Ok(Box::new(MemFile {
            state: Arc::clone(&self.state),
            ino,
        }))
    }

    fn append(&self, path: &Path) -> io::Result<Box<dyn DiskFile>> {
        let mut s = enter(&self.state, true)?;
        let (dir, name) = s.parent(path)?;
        let ino = s.create(dir, name, false)?;
        Ok(Box::new(MemFile {
            state: Arc::clone(&self.state),
            ino,
        }))
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        let mut s = enter(&self.state, true)?;
        let (from_dir, from_name) = s.parent(from)?;
        let (to_dir, to_name) = s.parent(to)?;
        let ino = *s.entries(from_dir)?.get(from_name).ok_or_else(not_found)?;
        if let Some(&target) = s.entries(to_dir)?.get(to_name)
            && matches!(s.nodes[target], Node::Dir { .. })
        {
            return Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                "the target is a directory",
            ));
        }
        s.entries_mut(from_dir)?.remove(from_name);
        s.entries_mut(to_dir)?.insert(to_name.to_owned(), ino);
        Ok(())
    }

    fn remove(&self, path: &Path) -> io::Result<()> {
        let mut s = enter(&self.state, true)?;
        let (dir, name) = s.parent(path)?;
        let ino = *s.entries(dir)?.get(name).ok_or_else(not_found)?;
        if matches!(s.nodes[ino], Node::Dir { .. }) {
            return Err(io::Error::new(
                io::ErrorKind::IsADirectory,
                "is a directory",
            ));
        }
        s.entries_mut(dir)?.remove(name);
        Ok(())
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        let mut s = enter(&self.state, true)?;
        let ino = s.lookup(dir)?;
        s.sync_dir(ino)
    }

    fn available(&self, _dir: &Path) -> Option<u64> {
        let s = enter(&self.state, false).ok()?;
        s.quota.map(|q| q.saturating_sub(s.used()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(disk: &PowerCutDisk, path: &str, bytes: &[u8], sync: bool) {
        let mut f = disk.create(Path::new(path)).unwrap();
        f.write_all(bytes).unwrap();
        if sync {
            f.sync().unwrap();
        }
    }

    fn read(disk: &PowerCutDisk, path: &str) -> io::Result<Vec<u8>> {
        disk.read(Path::new(path))
    }

    fn disk_with_dir() -> PowerCutDisk {
        let disk = PowerCutDisk::new();
        disk.create_dir_all(Path::new("/d")).unwrap();
        disk
    }

    #[test]
    fn unsynced_content_is_lost_but_its_synced_entry_stays() {
        let disk = disk_with_dir();
        write(&disk, "/d/f", b"hello", false);
        disk.sync_dir(Path::new("/d")).unwrap();
        assert_eq!(read(&disk, "/d/f").unwrap(), b"hello");
        let after = disk.reboot();
        assert_eq!(read(&after, "/d/f").unwrap(), b"");
    }

    #[test]
    fn unsynced_entry_is_lost_even_with_synced_content() {
        let disk = disk_with_dir();
        write(&disk, "/d/f", b"hello", true);
        let after = disk.reboot();
        assert_eq!(
            read(&after, "/d/f").unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
    }

    #[test]
    fn appended_bytes_after_the_last_sync_are_lost() {
        let disk = disk_with_dir();
        write(&disk, "/d/f", b"one", true);
        disk.sync_dir(Path::new("/d")).unwrap();
        let mut f = disk.append(Path::new("/d/f")).unwrap();
        f.write_all(b"two").unwrap();
        assert_eq!(read(&disk, "/d/f").unwrap(), b"onetwo");
        assert_eq!(read(&disk.reboot(), "/d/f").unwrap(), b"one");
    }

    #[test]
    fn unsynced_rename_is_lost() {
        let disk = disk_with_dir();
        write(&disk, "/d/old", b"old", true);
        write(&disk, "/d/.tmp", b"new", true);
        disk.sync_dir(Path::new("/d")).unwrap();
        disk.rename(Path::new("/d/.tmp"), Path::new("/d/old"))
            .unwrap();
        assert_eq!(read(&disk, "/d/old").unwrap(), b"new");
        let after = disk.reboot();
        assert_eq!(read(&after, "/d/old").unwrap(), b"old");
        assert_eq!(read(&after, "/d/.tmp").unwrap(), b"new");
    }

    #[test]
    fn synced_content_and_rename_are_kept() {
        let disk = disk_with_dir();
        write(&disk, "/d/.tmp", b"new", true);
        disk.rename(Path::new("/d/.tmp"), Path::new("/d/f"))
            .unwrap();
        disk.sync_dir(Path::new("/d")).unwrap();
        let after = disk.reboot();
        assert_eq!(read(&after, "/d/f").unwrap(), b"new");
        assert!(!after.exists(Path::new("/d/.tmp")));
        assert_eq!(
            after.list(Path::new("/d")).unwrap(),
            vec![OsString::from("f")]
        );
    }

    #[test]
    fn unsynced_removal_comes_back() {
        let disk = disk_with_dir();
        write(&disk, "/d/f", b"kept", true);
        disk.sync_dir(Path::new("/d")).unwrap();
        disk.remove(Path::new("/d/f")).unwrap();
        assert!(!disk.exists(Path::new("/d/f")));
        assert_eq!(read(&disk.reboot(), "/d/f").unwrap(), b"kept");
        disk.sync_dir(Path::new("/d")).unwrap();
        assert!(!disk.reboot().exists(Path::new("/d/f")));
    }

    #[test]
    fn rename_between_directories_needs_both_synced() {
        let disk = disk_with_dir();
        disk.create_dir_all(Path::new("/e")).unwrap();
        write(&disk, "/d/f", b"x", true);
        disk.sync_dir(Path::new("/d")).unwrap();
        disk.rename(Path::new("/d/f"), Path::new("/e/f")).unwrap();
        disk.sync_dir(Path::new("/e")).unwrap();
        // Only the target directory was synced: the old entry comes back too.
        let after = disk.reboot();
        assert_eq!(read(&after, "/d/f").unwrap(), b"x");
        assert_eq!(read(&after, "/e/f").unwrap(), b"x");
    }

    #[test]
    fn create_dir_all_is_durable_and_a_plain_entry_is_not() {
        let disk = PowerCutDisk::new();
        disk.create_dir_all(Path::new("/a/b/c")).unwrap();
        let after = disk.reboot();
        assert!(after.exists(Path::new("/a/b/c")));
        assert!(after.list(Path::new("/a/b/c")).unwrap().is_empty());
        // Creating what exists costs nothing.
        let ops = after.ops();
        after.create_dir_all(Path::new("/a/b")).unwrap();
        assert_eq!(after.ops(), ops);
    }

    #[test]
    fn armed_disk_fails_everything_after_the_cut_until_reboot() {
        let disk = disk_with_dir();
        disk.arm(2);
        let mut f = disk.create(Path::new("/d/f")).unwrap(); // 1
        f.write_all(b"abc").unwrap(); // 2
        let err = f.sync().unwrap_err(); // 3: the power goes
        assert_eq!(err.to_string(), "power cut");
        assert!(disk.is_cut());
        assert!(read(&disk, "/d/f").is_err(), "reads fail after the cut");
        assert!(!disk.exists(Path::new("/d")));
        assert!(disk.list(Path::new("/d")).is_err());
        let after = disk.reboot();
        assert!(!after.is_cut());
        assert!(after.exists(Path::new("/d")));
        assert!(!after.exists(Path::new("/d/f")));
        write(&after, "/d/g", b"works again", true);
    }

    #[test]
    fn ops_count_mutations_only() {
        let disk = disk_with_dir();
        let before = disk.ops();
        write(&disk, "/d/f", b"abc", true); // create, write, sync
        disk.read(Path::new("/d/f")).unwrap();
        disk.len(Path::new("/d/f")).unwrap();
        disk.list(Path::new("/d")).unwrap();
        disk.sync_dir(Path::new("/d")).unwrap();
        assert_eq!(disk.ops() - before, 4);
    }

    #[test]
    fn quota_limits_writes_and_is_reported() {
        let disk = disk_with_dir().with_quota(10);
        assert_eq!(disk.available(Path::new("/d")), Some(10));
        write(&disk, "/d/f", b"123456", false);
        assert_eq!(disk.available(Path::new("/d")), Some(4));
        let mut g = disk.create(Path::new("/d/g")).unwrap();
        let err = g.write_all(b"12345").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::StorageFull);
        disk.remove(Path::new("/d/f")).unwrap();
        assert_eq!(disk.available(Path::new("/d")), Some(10));
        g.write_all(b"12345").unwrap();
        assert_eq!(PowerCutDisk::new().available(Path::new("/")), None);
    }
}
