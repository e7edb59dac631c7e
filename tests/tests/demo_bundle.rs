//! The server's demo bundle, played by the player: the whole chain of the foundation
//! milestone, server output → bundle on disk → player check → schedule evaluation.

use beffroi_protocol::eval::{Evaluator, Source};
use jiff::{SignedDuration, Timestamp};

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// Writes the demo bundle for `at` and checks it with the player; returns the player's report.
fn played(at: Timestamp) -> (tempfile::TempDir, beffroi_player::inspect::Report) {
    let dir = tempfile::tempdir().unwrap();
    let written = beffroi_server::demo::write_demo_bundle(dir.path(), at).unwrap();
    let report = beffroi_player::inspect::check(dir.path(), at).unwrap();
    assert_eq!(report.bundle.manifest, written);
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    (dir, report)
}

#[test]
fn demo_bundle_is_playable_and_follows_its_dayparts() {
    let (dir, report) = played(ts("2026-12-01T07:00:00Z"));
    let program = |at: &str| beffroi_player::inspect::program(dir.path(), ts(at)).unwrap();
    let main_source = |at: &str| {
        program(at).state.program.zones[0]
            .showing
            .as_ref()
            .unwrap()
            .source
            .clone()
    };
    // Tuesday 1 December, Paris (UTC+1): morning, afternoon default, evening.
    assert_eq!(
        main_source("2026-12-01T08:00:00Z"),
        Source::Schedule("matin".into())
    );
    assert_eq!(main_source("2026-12-01T14:00:00Z"), Source::Default);
    assert_eq!(
        main_source("2026-12-01T18:00:00Z"),
        Source::Schedule("soir".into())
    );
    // The display is off at night and on by day.
    assert!(!program("2026-12-02T02:00:00Z").state.program.display_on);
    assert!(program("2026-12-02T09:00:00Z").state.program.display_on);
    // The version the player reports is the one the server sealed.
    assert_eq!(
        program("2026-12-01T08:00:00Z").version,
        report.bundle.manifest.version
    );
}

/// Per-second scan: the player's wake-ups (`next_change_after`) land exactly on every change.
fn assert_wakeups_exact(report: &beffroi_player::inspect::Report, from: Timestamp, hours: i64) {
    let m = &report.bundle.manifest;
    let ev = Evaluator::new(m, &report.bundle.data);
    let end = from + SignedDuration::from_hours(hours);
    let mut wakeups = Vec::new();
    let mut x = from;
    while let Some(c) = ev.next_change_after(x).filter(|c| *c < end) {
        wakeups.push(c);
        x = c;
    }
    let mut changes = Vec::new();
    let mut prev = ev.program_at(from);
    let mut t = from + SignedDuration::from_secs(1);
    while t < end {
        let p = ev.program_at(t);
        if p != prev {
            changes.push(t);
            prev = p;
        }
        t += SignedDuration::from_secs(1);
    }
    assert_eq!(wakeups, changes);
    assert!(changes.len() > 100);
}

#[test]
fn demo_wakeups_are_exact_through_an_evening_and_night() {
    let at = ts("2026-12-01T12:00:00Z");
    let (_dir, report) = played(at);
    assert_wakeups_exact(&report, at, 18);
}

#[test]
fn demo_wakeups_are_exact_across_the_spring_forward_night() {
    let at = ts("2027-03-27T16:00:00Z");
    let (_dir, report) = played(at);
    assert_wakeups_exact(&report, at, 18);
}
