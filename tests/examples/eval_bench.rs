//! Benchmark of the schedule evaluator on the demo bundle.
//!
//! `cargo run --release -p beffroi-tests --example eval_bench`
//!
//! Prints the cost of `program_at` and of `next_change_after`, against the peer a player
//! without `next_change_after` would need: re-evaluating every second until the program
//! changes. Also prints hardware-independent counts: wake-ups per day against 86 400
//! per-second evaluations.

use std::time::Instant;

use beffroi_protocol::eval::Evaluator;
use jiff::{SignedDuration, Timestamp};

fn main() {
    let at: Timestamp = "2026-12-01T05:00:00Z".parse().expect("valid instant");
    let demo = beffroi_server::demo::demo_content(at).expect("demo content");
    let ev = Evaluator::new(&demo.manifest, &demo.data);

    // program_at over a week, every 37 s (an odd step, to land everywhere in the cycles).
    let n = 16_000;
    let started = Instant::now();
    let mut zones_shown = 0usize;
    for k in 0..n {
        let t = at + SignedDuration::from_secs(37 * k);
        zones_shown += ev
            .program_at(t)
            .zones
            .iter()
            .filter(|z| z.showing.is_some())
            .count();
    }
    let per_program = started.elapsed().as_secs_f64() / n as f64;

    // Wake-ups over one day with next_change_after, and the same changes found by the peer.
    let day_end = at + SignedDuration::from_hours(24);
    let started = Instant::now();
    let mut wakeups = 0usize;
    let mut x = at;
    while let Some(c) = ev.next_change_after(x).filter(|c| *c < day_end) {
        wakeups += 1;
        x = c;
    }
    let next_change_time = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let mut polled_changes = 0usize;
    let mut prev = ev.program_at(at);
    let mut t = at + SignedDuration::from_secs(1);
    while t < day_end {
        let p = ev.program_at(t);
        if p != prev {
            polled_changes += 1;
            prev = p;
        }
        t += SignedDuration::from_secs(1);
    }
    let poll_time = started.elapsed().as_secs_f64();

    println!(
        "demo bundle, {} zones, evaluator in release mode",
        demo.manifest.layouts[0].zones.len()
    );
    println!(
        "program_at:                 {:.1} µs per call ({n} calls, {zones_shown} zone showings)",
        per_program * 1e6
    );
    println!(
        "one day, next_change_after: {wakeups} wake-ups in {:.1} ms ({:.1} µs per wake-up)",
        next_change_time * 1e3,
        next_change_time * 1e6 / wakeups.max(1) as f64
    );
    println!(
        "one day, per-second polling: 86399 evaluations, {polled_changes} changes, {:.1} ms",
        poll_time * 1e3
    );
    println!(
        "ratio: next_change_after needs {:.1}× less CPU than per-second polling, {:.0}× fewer evaluations",
        poll_time / next_change_time,
        86_399.0 / wakeups.max(1) as f64
    );
    assert_eq!(
        wakeups, polled_changes,
        "both methods must find the same changes"
    );
}
