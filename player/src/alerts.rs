//! The player's alert store, kept apart from the content cache.
//!
//! Alerts travel apart (design brief): they arrive by push and in every manifest, never wait
//! behind a blob download, and live in their own small file so that a screen keeps showing
//! them, and stops on time, with no server at all. The store remembers the highest revision
//! of every alert it has seen, so a cancelled alert never comes back from an older manifest
//! (the last-known-good one, a stale drop-folder bundle, a delayed response).
//!
//! Retention: each alert id is remembered until the latest `expires_at` of all the revisions
//! seen for it has passed. Once that instant is past, every copy the store has seen is expired,
//! so an old copy arriving later is dropped on arrival and nothing can come back. Keeping the
//! latest expiry, not the kept revision's, matters when an edit shortened the alert: the
//! older, longer revision must not return once the shorter one has expired.
//!
//! Writes are rare (SD cards): the file is replaced atomically only when a merge changed
//! something.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use beffroi_protocol::alert::{self, Alert};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::cache::disk::{Disk, write_atomic};

/// The file's content.
#[derive(Debug, Default, Serialize, Deserialize)]
struct StoreFile {
    /// The highest revision of every alert remembered, sorted by id.
    alerts: Vec<Alert>,
    /// Per id, the latest expiry of every revision seen (see the module documentation).
    #[serde(default)]
    keep_until: BTreeMap<String, Timestamp>,
}

/// The alerts a screen knows, persisted in their own file.
#[derive(Debug)]
pub struct AlertStore {
    disk: Arc<dyn Disk>,
    dir: PathBuf,
    name: String,
    /// Sorted by id, one per id (the highest revision seen), tombstones (cancelled) included.
    alerts: Vec<Alert>,
    /// Per id of `alerts`: when it may be forgotten.
    keep_until: BTreeMap<String, Timestamp>,
    /// The file is behind memory (a write failed): the next merge writes even if unchanged.
    unsaved: bool,
    /// Why the last write failed, until one succeeds.
    problem: Option<String>,
}

impl AlertStore {
    /// Opens the store kept in `path` (created at the first change). A missing file is an
    /// empty store; a damaged or unreadable one also gives an empty store, with the problem
    /// returned for the status report — alerts never stop the player.
    pub fn open(disk: Arc<dyn Disk>, path: &Path) -> (Self, Option<String>) {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = path.file_name().map_or_else(
            || "alerts.json".into(),
            |n| n.to_string_lossy().into_owned(),
        );
        let (file, problem) = match disk.read(path) {
            Ok(bytes) => match serde_json::from_slice::<StoreFile>(&bytes) {
                Ok(f) => (f, None),
                Err(e) => (
                    StoreFile::default(),
                    Some(format!(
                        "{}: damaged, alerts start empty: {e}",
                        path.display()
                    )),
                ),
            },
            Err(e) if e.kind() == io::ErrorKind::NotFound => (StoreFile::default(), None),
            Err(e) => (
                StoreFile::default(),
                Some(format!(
                    "{}: unreadable, alerts start empty: {e}",
                    path.display()
                )),
            ),
        };
        let mut store = Self {
            disk,
            dir,
            name,
            alerts: Vec::new(),
            keep_until: BTreeMap::new(),
            unsaved: false,
            problem: None,
        };
        // Through `absorb`, so that a hand-edited file with duplicates or a missing
        // `keep_until` still gives one entry per id with its retention.
        for a in file.alerts {
            store.absorb(a, None);
        }
        for (id, k) in file.keep_until {
            if let Some(slot) = store.keep_until.get_mut(&id) {
                *slot = (*slot).max(k);
            }
        }
        (store, problem)
    }

    /// Takes one alert in: the highest revision per id wins, and the id's retention grows
    /// to the alert's expiry. With `now`, an unknown alert already over is ignored. Returns
    /// (alerts changed, retention changed).
    fn absorb(&mut self, a: Alert, now: Option<Timestamp>) -> (bool, bool) {
        match self.alerts.binary_search_by(|b| b.id.cmp(&a.id)) {
            Ok(i) => {
                let keep = self.keep_until.entry(a.id.clone()).or_insert(a.expires_at);
                let dirty = a.expires_at > *keep;
                if dirty {
                    *keep = a.expires_at;
                }
                let changed = a.revision > self.alerts[i].revision;
                if changed {
                    self.alerts[i] = a;
                }
                (changed, dirty)
            }
            // Unknown and already over: nothing to show, nothing to remember.
            Err(_) if now.is_some_and(|now| a.expires_at <= now) => (false, false),
            Err(i) => {
                self.keep_until.insert(a.id.clone(), a.expires_at);
                self.alerts.insert(i, a);
                (true, true)
            }
        }
    }

    /// Merges alerts from a manifest or a push at `now` (pass the trusted time, see
    /// `trust`): per id the highest revision wins, lower ones are ignored; then every alert
    /// whose retention has passed is forgotten. Writes the file only when something changed.
    /// Returns true when the alerts (what [`AlertStore::alerts`] returns) changed.
    ///
    /// A write that fails leaves memory right (the alert shows) and is retried at the next
    /// merge; [`AlertStore::problem`] says why meanwhile.
    pub fn merge(&mut self, incoming: impl IntoIterator<Item = Alert>, now: Timestamp) -> bool {
        let mut changed = false;
        let mut dirty = false;
        for a in incoming {
            let (c, d) = self.absorb(a, Some(now));
            changed |= c;
            dirty |= d;
        }
        let before = self.alerts.len();
        let keep_until = &mut self.keep_until;
        self.alerts.retain(|a| {
            let keep = keep_until.get(&a.id).is_some_and(|k| *k > now);
            if !keep {
                keep_until.remove(&a.id);
            }
            keep
        });
        changed |= self.alerts.len() != before;
        if changed || dirty || self.unsaved {
            self.save();
        }
        changed
    }

    fn save(&mut self) {
        match self.write() {
            Ok(()) => {
                self.unsaved = false;
                self.problem = None;
            }
            Err(e) => {
                self.unsaved = true;
                self.problem = Some(format!(
                    "{}: cannot save the alerts: {e}",
                    self.dir.join(&self.name).display()
                ));
            }
        }
    }

    fn write(&self) -> io::Result<()> {
        let file = StoreFile {
            alerts: self.alerts.clone(),
            keep_until: self.keep_until.clone(),
        };
        let bytes = serde_json::to_vec_pretty(&file).map_err(io::Error::other)?;
        if !self.disk.exists(&self.dir) {
            self.disk.create_dir_all(&self.dir)?;
        }
        write_atomic(self.disk.as_ref(), &self.dir, &self.name, &bytes)
    }

    /// Every alert remembered, sorted by id, cancelled and expired ones included (they are
    /// never shown: see [`Alert::active_at`]); what `shown_at` and the renderer take.
    pub fn alerts(&self) -> &[Alert] {
        &self.alerts
    }

    /// The alert shown at `t`, if any (the protocol's rule: most severe, then latest).
    pub fn shown_at(&self, t: Timestamp) -> Option<&Alert> {
        alert::shown_at(&self.alerts, t)
    }

    /// The first instant after `t` at which an alert starts or expires, so the render loop
    /// can sleep until then.
    pub fn next_change_after(&self, t: Timestamp) -> Option<Timestamp> {
        self.alerts
            .iter()
            .filter(|a| !a.cancelled)
            .flat_map(|a| [a.starts_at, a.expires_at])
            .filter(|&x| x > t)
            .min()
    }

    /// Why the last write failed, until a write succeeds.
    pub fn problem(&self) -> Option<&str> {
        self.problem.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use beffroi_protocol::alert::Severity;
    use beffroi_protocol::text::Text;

    use super::*;
    use crate::cache::disk::OsDisk;
    use crate::cache::powercut::PowerCutDisk;

    fn t(s: &str) -> Timestamp {
        format!("2026-12-01T{s}:00Z").parse().unwrap()
    }

    fn alert(id: &str, revision: u32, start: &str, end: &str) -> Alert {
        Alert {
            id: id.into(),
            revision,
            severity: Severity::Warning,
            title: Text::fr(format!("Alerte {id} r{revision}")),
            message: Text::fr("Restez chez vous"),
            starts_at: t(start),
            expires_at: t(end),
            cancelled: false,
        }
    }

    fn cancelled(mut a: Alert) -> Alert {
        a.cancelled = true;
        a
    }

    const PATH: &str = "/data/alerts.json";

    /// The store as found after a power cut now, on the rebooted disk.
    fn rebooted(disk: &PowerCutDisk) -> (Arc<PowerCutDisk>, AlertStore) {
        let disk = Arc::new(disk.reboot());
        let (store, problem) = AlertStore::open(disk.clone(), Path::new(PATH));
        assert_eq!(problem, None);
        (disk, store)
    }

    fn store(disk: &PowerCutDisk) -> AlertStore {
        rebooted(disk).1
    }

    fn fresh() -> (Arc<PowerCutDisk>, AlertStore) {
        let disk = Arc::new(PowerCutDisk::new());
        let (store, problem) = AlertStore::open(disk.clone(), Path::new(PATH));
        assert_eq!(problem, None);
        (disk, store)
    }

    fn titles(store: &AlertStore) -> Vec<(String, u32, bool)> {
        store
            .alerts()
            .iter()
            .map(|a| (a.id.clone(), a.revision, a.cancelled))
            .collect()
    }

    #[test]
    fn higher_revision_wins_lower_is_ignored() {
        let (_, mut s) = fresh();
        assert!(s.merge([alert("flood", 2, "08:00", "20:00")], t("09:00")));
        assert!(!s.merge([alert("flood", 1, "08:00", "22:00")], t("09:00")));
        assert_eq!(s.shown_at(t("09:00")).unwrap().revision, 2);
        assert!(s.merge([alert("flood", 3, "08:00", "21:00")], t("09:00")));
        assert_eq!(s.shown_at(t("09:00")).unwrap().revision, 3);
        // Same revision again: nothing changes, nothing is written.
        assert!(!s.merge([alert("flood", 3, "08:00", "21:00")], t("09:00")));
        assert_eq!(titles(&s), [("flood".to_owned(), 3, false)]);
    }

    #[test]
    fn cancelled_alert_never_returns_from_an_older_revision() {
        let (disk, mut s) = fresh();
        s.merge([alert("flood", 1, "08:00", "20:00")], t("09:00"));
        assert!(s.merge([cancelled(alert("flood", 2, "08:00", "20:00"))], t("09:05")));
        assert_eq!(s.shown_at(t("09:05")), None);
        // The old manifest comes back (last-known-good, stale bundle): still nothing.
        assert!(!s.merge([alert("flood", 1, "08:00", "20:00")], t("09:10")));
        assert_eq!(s.shown_at(t("09:10")), None);
        // Nor after a power cut and restart.
        let mut s = store(&disk);
        assert!(!s.merge([alert("flood", 1, "08:00", "20:00")], t("09:20")));
        assert_eq!(s.shown_at(t("09:20")), None);
        assert_eq!(titles(&s), [("flood".to_owned(), 2, true)]);
        // The tombstone goes once its expiry has passed; the old copy is expired by then.
        assert!(s.merge([], t("20:00")));
        assert!(s.alerts().is_empty());
        assert!(!s.merge([alert("flood", 1, "08:00", "20:00")], t("20:01")));
        assert!(s.alerts().is_empty());
    }

    #[test]
    fn a_shortened_alert_does_not_bring_back_its_longer_older_revision() {
        let (_, mut s) = fresh();
        s.merge([alert("storm", 1, "08:00", "22:00")], t("09:00"));
        s.merge([alert("storm", 2, "08:00", "10:00")], t("09:00"));
        assert!(s.shown_at(t("10:30")).is_none());
        // Past the kept revision's expiry, the id is still remembered until 22:00.
        assert!(!s.merge([alert("storm", 1, "08:00", "22:00")], t("11:00")));
        assert!(s.shown_at(t("11:00")).is_none());
        assert!(s.merge([], t("22:00")));
        assert!(s.alerts().is_empty());
    }

    #[test]
    fn alerts_survive_reopening() {
        let (disk, mut s) = fresh();
        s.merge(
            [
                alert("b", 1, "08:00", "20:00"),
                alert("a", 4, "10:00", "12:00"),
            ],
            t("09:00"),
        );
        let s = store(&disk);
        assert_eq!(
            titles(&s),
            [("a".to_owned(), 4, false), ("b".to_owned(), 1, false)]
        );
        assert_eq!(s.shown_at(t("11:00")).unwrap().id, "a");
    }

    #[test]
    fn alerts_expire_with_no_server() {
        let (disk, mut s) = fresh();
        s.merge([alert("flood", 1, "08:00", "10:00")], t("09:00"));
        let (disk, mut s) = rebooted(&disk);
        assert!(s.shown_at(t("09:59")).is_some());
        assert_eq!(s.shown_at(t("10:00")), None);
        // Nothing arrives; time passes: the alert is forgotten, on disk too.
        assert!(s.merge([], t("10:00")));
        assert!(s.alerts().is_empty());
        assert!(store(&disk).alerts().is_empty());
        // An alert already over when it arrives is not even remembered.
        assert!(!s.merge([alert("late", 1, "08:00", "09:00")], t("10:00")));
        assert!(s.alerts().is_empty());
    }

    #[test]
    fn writes_only_when_something_changed() {
        let (disk, mut s) = fresh();
        s.merge([alert("flood", 1, "08:00", "20:00")], t("09:00"));
        let ops = disk.ops();
        for minute in 1..50 {
            let now = format!("2026-12-01T09:{minute:02}:00Z").parse().unwrap();
            assert!(!s.merge([alert("flood", 1, "08:00", "20:00")], now));
        }
        assert_eq!(disk.ops(), ops);
    }

    #[test]
    fn next_change_is_the_next_start_or_expiry() {
        let (_, mut s) = fresh();
        s.merge(
            [
                alert("a", 1, "10:00", "12:00"),
                alert("b", 1, "11:00", "11:30"),
                cancelled(alert("c", 1, "09:30", "09:45")),
            ],
            t("09:00"),
        );
        assert_eq!(s.next_change_after(t("09:00")), Some(t("10:00")));
        assert_eq!(s.next_change_after(t("10:00")), Some(t("11:00")));
        assert_eq!(s.next_change_after(t("11:00")), Some(t("11:30")));
        assert_eq!(s.next_change_after(t("11:30")), Some(t("12:00")));
        assert_eq!(s.next_change_after(t("12:00")), None);
    }

    #[test]
    fn a_damaged_file_gives_an_empty_store_and_a_problem() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("alerts.json");
        std::fs::write(&path, b"{\"alerts\": [{\"id\": \"flo").unwrap();
        let (mut s, problem) = AlertStore::open(Arc::new(OsDisk), &path);
        let problem = problem.unwrap();
        assert!(
            problem.contains("alerts.json") && problem.contains("damaged"),
            "{problem}"
        );
        assert!(s.alerts().is_empty());
        // The next change replaces the damaged file.
        assert!(s.merge([alert("flood", 1, "08:00", "20:00")], t("09:00")));
        let (s, problem) = AlertStore::open(Arc::new(OsDisk), &path);
        assert_eq!(problem, None);
        assert_eq!(s.alerts().len(), 1);
        assert!(!dir.path().join(".tmp-alerts.json").exists());
    }

    #[test]
    fn a_failed_write_is_retried_at_the_next_merge() {
        let (disk, mut s) = fresh();
        disk.set_quota(Some(10));
        assert!(s.merge([alert("flood", 1, "08:00", "20:00")], t("09:00")));
        assert!(
            s.problem().unwrap().contains("cannot save"),
            "{:?}",
            s.problem()
        );
        assert!(s.shown_at(t("09:00")).is_some());
        disk.set_quota(None);
        assert!(!s.merge([], t("09:01")));
        assert_eq!(s.problem(), None);
        assert_eq!(store(&disk).alerts().len(), 1);
    }

    #[test]
    fn a_power_cut_at_any_step_leaves_the_old_alerts_or_the_new() {
        let old = [alert("a", 1, "08:00", "20:00")];
        let new = [
            cancelled(alert("a", 2, "08:00", "20:00")),
            alert("b", 1, "08:00", "20:00"),
        ];
        let mut step = 0;
        loop {
            let (disk, mut s) = fresh();
            s.merge(old.clone(), t("09:00"));
            disk.arm(step);
            s.merge(new.clone(), t("09:00"));
            let cut = disk.is_cut();
            let after = store(&disk);
            let got = titles(&after);
            let before = vec![("a".to_owned(), 1, false)];
            let done = vec![("a".to_owned(), 2, true), ("b".to_owned(), 1, false)];
            assert!(got == before || got == done, "cut at step {step}: {got:?}");
            if !cut {
                assert_eq!(got, done);
                break;
            }
            step += 1;
        }
        assert!(step > 2);
    }
}
