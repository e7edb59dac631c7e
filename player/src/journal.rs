//! The proof-of-play journal: what was shown, kept on disk until the server has stored it.
//!
//! One file, `plays.jsonl`, one JSON object per line with the fields of the server's
//! `POST /api/v1/player/plays` body. Plays are buffered in memory and appended (then synced)
//! every [`DEFAULT_FLUSH_EVERY`] plays or on [`Journal::flush`], so an SD card sees one small
//! write a minute rather than one per slide; a power cut loses at most the buffered plays.
//!
//! Acknowledgement scheme, the simplest correct one: when the server has stored the oldest
//! `n` plays, the file is replaced atomically (`write_atomic`) by the plays that remain.
//! A power cut leaves the old file or the new one; with the old one the acknowledged plays
//! are sent again, which the server tolerates (a play sent twice is stored once). The cost
//! stays small: online, everything is acknowledged shortly after it is written, so the
//! rewrite is of an almost empty file; after a long time offline the backlog (at most
//! [`DEFAULT_MAX_BYTES`], about 13 000 plays) goes out in a few batches, one rewrite each.
//! An offset file next to an append-only log would save those rewrites but needs a second
//! file kept consistent with the first across power cuts; not worth it at this size.
//!
//! Bound: when the file would exceed its limit, the oldest plays are dropped until it is
//! half full, by an atomic rewrite, and counted ([`Journal::dropped`]): recent proof of
//! play matters more than old, and the card must not fill up during a long outage.
//!
//! A line cut by a power failure in the middle of an append (or any damaged line) is skipped
//! when the file is opened, and the file is rewritten clean so that the next append does not
//! glue a record to the torn one.

use std::cell::Cell;
use std::collections::VecDeque;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::cache::disk::{Disk, write_atomic};

/// The largest journal file by default (2 MiB).
pub const DEFAULT_MAX_BYTES: u64 = 2 << 20;

/// Plays buffered before they are written by default.
pub const DEFAULT_FLUSH_EVERY: usize = 20;

/// One item shown, as the server's `POST /api/v1/player/plays` takes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Play {
    /// Layout zone.
    pub zone: String,
    /// Playlist id.
    pub playlist: String,
    /// Item id.
    pub item: String,
    /// When it began (RFC 3339 in JSON).
    pub started_at: Timestamp,
    /// How long it was shown, in milliseconds.
    pub duration_ms: u64,
}

/// A play and the size of its line in the file (newline included).
#[derive(Debug)]
struct Record {
    play: Play,
    bytes: u64,
}

impl Record {
    fn new(play: Play) -> Self {
        let bytes = line(&play).len() as u64;
        Self { play, bytes }
    }
}

/// The line of a play, newline included.
fn line(play: &Play) -> Vec<u8> {
    // A struct of strings and integers always serialises.
    let mut v = serde_json::to_vec(play).unwrap_or_default();
    v.push(b'\n');
    v
}

/// The play journal (see the module documentation). Not shared between threads by itself:
/// the player keeps it behind a mutex.
#[derive(Debug)]
pub struct Journal {
    disk: Arc<dyn Disk>,
    dir: PathBuf,
    name: String,
    /// What the file holds, oldest first (unless `rewrite`).
    on_disk: VecDeque<Record>,
    /// Sum of `on_disk`'s line sizes.
    disk_bytes: u64,
    /// Appended since the last flush, oldest first.
    buffer: VecDeque<Record>,
    /// Sequence number of the oldest play held (`on_disk` then `buffer`): every play gets
    /// the next number, so an acknowledgement can name exactly the plays it covers.
    first_seq: u64,
    /// `first_seq` when [`Journal::pending`] last ran: [`Journal::acknowledge`] counts from
    /// there, so that plays dropped by the bound during an upload are not counted twice.
    pending_from: Cell<u64>,
    /// The file does not match `on_disk` (damaged on open, an append or a rewrite failed,
    /// plays acknowledged or dropped): the next flush replaces it whole.
    rewrite: bool,
    max_bytes: u64,
    flush_every: usize,
    dropped: u64,
    skipped: usize,
    problem: Option<String>,
}

impl Journal {
    /// Opens the journal kept in `path` (created at the first flush), with the default
    /// limits. Damaged lines are skipped ([`Journal::skipped`]) and the file repaired; a file
    /// that cannot be read at all (a bad sector) is replaced at the first flush. Either is
    /// reported by [`Journal::problem`], never an error: proof of play must not keep a screen
    /// from starting. The `Result` is for callers' sake only; opening does not fail today.
    pub fn open(disk: Arc<dyn Disk>, path: &Path) -> io::Result<Self> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = path.file_name().map_or_else(
            || "plays.jsonl".into(),
            |n| n.to_string_lossy().into_owned(),
        );
        let mut problem = None;
        let mut damaged = false;
        let bytes = match disk.read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
            Err(e) => {
                // Replacing the file (a new inode) gets past a bad sector; the plays it held
                // are lost either way.
                problem = Some(format!("{}: unreadable, replaced: {e}", path.display()));
                damaged = true;
                Vec::new()
            }
        };
        let mut on_disk = VecDeque::new();
        let mut skipped = 0;
        let mut rest = &bytes[..];
        while !rest.is_empty() {
            let (text, complete) = match rest.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    let text = &rest[..i];
                    rest = &rest[i + 1..];
                    (text, true)
                }
                None => (std::mem::take(&mut rest), false),
            };
            // A complete record whose newline was lost is kept; the rewrite adds it back.
            damaged |= !complete;
            if text.iter().all(u8::is_ascii_whitespace) {
                damaged |= !text.is_empty();
                continue;
            }
            match serde_json::from_slice::<Play>(text) {
                Ok(play) => on_disk.push_back(Record::new(play)),
                Err(_) => {
                    skipped += 1;
                    damaged = true;
                }
            }
        }
        if skipped > 0 {
            problem = Some(format!(
                "{}: {skipped} damaged line(s) skipped",
                path.display()
            ));
        }
        let disk_bytes = on_disk.iter().map(|r| r.bytes).sum();
        let mut journal = Self {
            disk,
            dir,
            name,
            on_disk,
            disk_bytes,
            buffer: VecDeque::new(),
            first_seq: 0,
            pending_from: Cell::new(0),
            rewrite: damaged,
            max_bytes: DEFAULT_MAX_BYTES,
            flush_every: DEFAULT_FLUSH_EVERY,
            dropped: 0,
            skipped,
            problem,
        };
        if journal.rewrite {
            // Best effort now; if it fails, the next flush tries again (and appends nothing
            // to the torn file meanwhile).
            let _ = journal.flush();
        }
        Ok(journal)
    }

    /// Sets the file's size limit (at least 1 KiB); it takes effect at the next flush.
    pub fn with_max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = max_bytes.max(1024);
        self
    }

    /// Sets how many plays are buffered before they are written (at least 1).
    pub fn with_flush_every(mut self, plays: usize) -> Self {
        self.flush_every = plays.max(1);
        self
    }

    /// Records a play; writes the buffer when it holds enough plays. On error the play is
    /// kept in memory and written at the next flush.
    pub fn append(&mut self, play: Play) -> io::Result<()> {
        self.buffer.push_back(Record::new(play));
        if self.buffer.len() >= self.flush_every {
            self.flush()
        } else {
            Ok(())
        }
    }

    /// Writes the buffered plays: an append and a sync, or an atomic rewrite of the whole
    /// file when the bound is reached or the file must be repaired.
    pub fn flush(&mut self) -> io::Result<()> {
        let buffered: u64 = self.buffer.iter().map(|r| r.bytes).sum();
        if self.disk_bytes + buffered > self.max_bytes {
            self.take_buffer();
            self.enforce_bound();
        }
        if self.rewrite {
            self.take_buffer();
            return self.rewrite_all();
        }
        if self.buffer.is_empty() {
            return Ok(());
        }
        let created = !self.disk.exists(&self.path());
        let appended = self.append_buffer(created);
        // Whatever happened, memory now describes the file as it should be; after a failure
        // (perhaps half a line written) the next flush rewrites it whole.
        self.take_buffer();
        if appended.is_err() {
            self.rewrite = true;
        }
        appended
    }

    fn path(&self) -> PathBuf {
        self.dir.join(&self.name)
    }

    fn append_buffer(&self, created: bool) -> io::Result<()> {
        if created && !self.disk.exists(&self.dir) {
            self.disk.create_dir_all(&self.dir)?;
        }
        let mut bytes = Vec::new();
        for r in &self.buffer {
            bytes.extend_from_slice(&line(&r.play));
        }
        let mut file = self.disk.append(&self.path())?;
        file.write_all(&bytes)?;
        file.sync()?;
        drop(file);
        if created {
            // A new file's directory entry is durable only once its directory is synced.
            self.disk.sync_dir(&self.dir)?;
        }
        Ok(())
    }

    /// Moves the buffer to `on_disk` (to be written by the caller).
    fn take_buffer(&mut self) {
        for r in self.buffer.drain(..) {
            self.disk_bytes += r.bytes;
            self.on_disk.push_back(r);
        }
    }

    /// Drops the oldest plays until the file is at most half its limit (the newest play is
    /// always kept).
    fn enforce_bound(&mut self) {
        while self.disk_bytes > self.max_bytes / 2 && self.on_disk.len() > 1 {
            if let Some(r) = self.on_disk.pop_front() {
                self.disk_bytes -= r.bytes;
                self.first_seq += 1;
                self.dropped += 1;
                self.rewrite = true;
            }
        }
    }

    fn rewrite_all(&mut self) -> io::Result<()> {
        let mut bytes = Vec::with_capacity(usize::try_from(self.disk_bytes).unwrap_or(0));
        for r in &self.on_disk {
            bytes.extend_from_slice(&line(&r.play));
        }
        if !self.disk.exists(&self.dir) {
            self.disk.create_dir_all(&self.dir)?;
        }
        write_atomic(self.disk.as_ref(), &self.dir, &self.name, &bytes)?;
        self.rewrite = false;
        Ok(())
    }

    /// The oldest `max` plays not yet acknowledged, buffered ones included, oldest first.
    pub fn pending(&self, max: usize) -> Vec<Play> {
        self.pending_from.set(self.first_seq);
        self.on_disk
            .iter()
            .chain(&self.buffer)
            .take(max)
            .map(|r| r.play.clone())
            .collect()
    }

    /// Forgets the first `n` plays of what [`Journal::pending`] last returned, now stored by
    /// the server, and rewrites the file without them. Plays the bound dropped meanwhile are
    /// not counted again. On error they are forgotten in memory all the same, and the file
    /// is rewritten at the next flush (a restart before that sends them again, harmlessly).
    pub fn acknowledge(&mut self, n: usize) -> io::Result<()> {
        let upto = self.pending_from.get().saturating_add(n as u64);
        let mut from_disk = false;
        while self.first_seq < upto {
            if let Some(r) = self.on_disk.pop_front() {
                self.disk_bytes -= r.bytes;
                from_disk = true;
            } else if self.buffer.pop_front().is_none() {
                break;
            }
            self.first_seq += 1;
        }
        self.pending_from.set(self.first_seq);
        if from_disk {
            self.rewrite = true;
            self.flush()
        } else {
            Ok(())
        }
    }

    /// Plays held (on disk and buffered) and not yet acknowledged.
    pub fn len(&self) -> usize {
        self.on_disk.len() + self.buffer.len()
    }

    /// True when no play waits for the server.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Plays dropped by the size bound since the journal was opened (for the status report).
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Damaged lines skipped when the journal was opened.
    pub fn skipped(&self) -> usize {
        self.skipped
    }

    /// What was wrong with the file when it was opened (damaged lines, unreadable), for the
    /// status report.
    pub fn problem(&self) -> Option<&str> {
        self.problem.as_deref()
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        // An orderly stop keeps the buffered plays; a power cut loses them, by design.
        let _ = self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::disk::OsDisk;
    use crate::cache::powercut::PowerCutDisk;

    const PATH: &str = "/data/plays.jsonl";

    fn play(i: u32) -> Play {
        Play {
            zone: "main".into(),
            playlist: "matin".into(),
            item: format!("item-{i}"),
            started_at: Timestamp::from_second(1_796_000_000 + i64::from(i) * 10).unwrap(),
            duration_ms: 10_000,
        }
    }

    fn items(plays: &[Play]) -> Vec<String> {
        plays.iter().map(|p| p.item.clone()).collect()
    }

    fn names(range: std::ops::Range<u32>) -> Vec<String> {
        range.map(|i| format!("item-{i}")).collect()
    }

    fn open(disk: &PowerCutDisk) -> Journal {
        Journal::open(Arc::new(disk.reboot()), Path::new(PATH)).unwrap()
    }

    #[test]
    fn lines_carry_the_servers_fields() {
        let text = String::from_utf8(line(&play(0))).unwrap();
        assert_eq!(
            text,
            "{\"zone\":\"main\",\"playlist\":\"matin\",\"item\":\"item-0\",\
             \"started_at\":\"2026-11-30T00:53:20Z\",\"duration_ms\":10000}\n"
        );
    }

    #[test]
    fn append_pending_acknowledge_across_reopen() {
        let disk = Arc::new(PowerCutDisk::new());
        let mut j = Journal::open(disk.clone(), Path::new(PATH))
            .unwrap()
            .with_flush_every(2);
        for i in 0..5 {
            j.append(play(i)).unwrap();
        }
        // Four written, the fifth buffered: a power cut keeps four.
        assert_eq!(items(&open(&disk).pending(100)), names(0..4));
        // Buffered plays are pending too.
        assert_eq!(items(&j.pending(100)), names(0..5));
        assert_eq!(items(&j.pending(3)), names(0..3));
        j.acknowledge(3).unwrap();
        assert_eq!(items(&j.pending(100)), names(3..5));
        assert_eq!(items(&open(&disk).pending(100)), names(3..5));
        // Acknowledging buffered plays needs no write.
        j.append(play(5)).unwrap();
        j.flush().unwrap();
        let ops = disk.ops();
        assert_eq!(j.pending(10).len(), 3);
        j.acknowledge(3).unwrap();
        assert!(j.is_empty());
        assert!(disk.ops() > ops);
        assert!(open(&disk).is_empty());
    }

    #[test]
    fn acknowledging_only_buffered_plays_writes_nothing() {
        let disk = Arc::new(PowerCutDisk::new());
        let mut j = Journal::open(disk.clone(), Path::new(PATH)).unwrap();
        j.append(play(0)).unwrap();
        j.append(play(1)).unwrap();
        let ops = disk.ops();
        assert_eq!(j.pending(1).len(), 1);
        j.acknowledge(1).unwrap();
        assert_eq!(disk.ops(), ops);
        assert_eq!(items(&j.pending(10)), names(1..2));
    }

    #[test]
    fn the_bound_drops_the_oldest_half_and_counts_it() {
        let disk = Arc::new(PowerCutDisk::new());
        let mut j = Journal::open(disk.clone(), Path::new(PATH))
            .unwrap()
            .with_max_bytes(1024)
            .with_flush_every(1);
        for i in 0..100 {
            j.append(play(i)).unwrap();
            assert!(disk.len(Path::new(PATH)).unwrap() <= 1024);
        }
        assert!(j.dropped() > 50, "{}", j.dropped());
        let kept = j.pending(1000);
        assert_eq!(kept.len() as u64 + j.dropped(), 100);
        // The newest are kept, in order.
        let first = 100 - u32::try_from(kept.len()).unwrap();
        assert_eq!(items(&kept), names(first..100));
        assert_eq!(items(&open(&disk).pending(1000)), names(first..100));
    }

    #[test]
    fn an_acknowledgement_ignores_plays_dropped_during_the_upload() {
        let disk = Arc::new(PowerCutDisk::new());
        let mut j = Journal::open(disk.clone(), Path::new(PATH))
            .unwrap()
            .with_max_bytes(1024)
            .with_flush_every(1);
        for i in 0..6 {
            j.append(play(i)).unwrap();
        }
        let sent = j.pending(3);
        assert_eq!(items(&sent), names(0..3));
        // While the batch travels, the bound drops the oldest plays.
        let mut i = 6;
        while j.dropped() == 0 {
            j.append(play(i)).unwrap();
            i += 1;
        }
        let dropped = u32::try_from(j.dropped()).unwrap();
        j.acknowledge(3).unwrap();
        // Exactly the plays sent are gone, none of the others.
        let first = dropped.max(3);
        assert_eq!(items(&j.pending(1000)), names(first..i));
    }

    #[test]
    fn a_torn_last_line_is_skipped_and_repaired() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plays.jsonl");
        let mut bytes = line(&play(0));
        bytes.extend(line(&play(1)));
        let third = line(&play(2));
        bytes.extend_from_slice(&third[..third.len() / 2]);
        std::fs::write(&path, &bytes).unwrap();

        let mut j = Journal::open(Arc::new(OsDisk), &path).unwrap();
        assert_eq!(j.skipped(), 1);
        assert!(j.problem().unwrap().contains("1 damaged line"));
        assert_eq!(items(&j.pending(10)), names(0..2));
        // The next append is not glued to the torn line.
        j.append(play(3)).unwrap();
        j.flush().unwrap();
        drop(j);
        let j = Journal::open(Arc::new(OsDisk), &path).unwrap();
        assert_eq!(j.skipped(), 0);
        assert_eq!(items(&j.pending(10)), ["item-0", "item-1", "item-3"]);
    }

    #[test]
    fn an_unreadable_file_is_replaced_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        // A directory where the file should be: reading it fails, as a bad sector would.
        let path = dir.path().join("plays.jsonl");
        std::fs::create_dir(&path).unwrap();
        let j = Journal::open(Arc::new(OsDisk), &path).unwrap();
        assert!(
            j.problem().unwrap().contains("unreadable"),
            "{:?}",
            j.problem()
        );
        assert!(j.is_empty());
    }

    #[test]
    fn a_record_missing_only_its_newline_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plays.jsonl");
        let mut bytes = line(&play(0));
        bytes.pop();
        std::fs::write(&path, &bytes).unwrap();
        let mut j = Journal::open(Arc::new(OsDisk), &path).unwrap();
        assert_eq!(j.skipped(), 0);
        j.append(play(1)).unwrap();
        j.flush().unwrap();
        let j = Journal::open(Arc::new(OsDisk), &path).unwrap();
        assert_eq!(items(&j.pending(10)), names(0..2));
    }

    /// Runs `op` on a journal holding plays 0..4 with a power cut after each step in turn;
    /// after the reboot the journal holds `before` or `after`, never anything else.
    fn cut_everywhere(op: impl Fn(&mut Journal), before: &[String], after: &[String]) {
        let mut step = 0;
        loop {
            let disk = Arc::new(PowerCutDisk::new());
            let mut j = Journal::open(disk.clone(), Path::new(PATH))
                .unwrap()
                .with_flush_every(100);
            for i in 0..4 {
                j.append(play(i)).unwrap();
            }
            j.flush().unwrap();
            disk.arm(step);
            op(&mut j);
            let cut = disk.is_cut();
            let got = items(&open(&disk).pending(100));
            assert!(got == before || got == after, "cut at step {step}: {got:?}");
            if !cut {
                assert_eq!(got, after);
                break;
            }
            step += 1;
        }
        assert!(step >= 2, "{step}");
    }

    #[test]
    fn a_power_cut_during_a_flush_keeps_the_old_plays_or_all() {
        cut_everywhere(
            |j| {
                j.append(play(4)).unwrap();
                j.append(play(5)).unwrap();
                let _ = j.flush();
            },
            &names(0..4),
            &names(0..6),
        );
    }

    #[test]
    fn a_power_cut_during_an_acknowledgement_keeps_the_old_plays_or_the_rest() {
        cut_everywhere(
            |j| {
                j.pending(2);
                let _ = j.acknowledge(2);
            },
            &names(0..4),
            &names(2..4),
        );
    }

    #[test]
    fn the_first_write_creates_the_file_durably() {
        let disk = Arc::new(PowerCutDisk::new());
        disk.create_dir_all(Path::new("/data")).unwrap();
        let mut j = Journal::open(disk.clone(), Path::new(PATH)).unwrap();
        j.append(play(0)).unwrap();
        j.flush().unwrap();
        assert_eq!(items(&open(&disk).pending(10)), names(0..1));
    }
}
