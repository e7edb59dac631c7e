//! Reading and expanding iCalendar files, printed as figures (never asserted): every
//! sample calendar of the shared samples read, then each event expanded over a year, many
//! times; `scripts/bench-agenda` runs the same work with Python's `icalendar` +
//! `recurring-ical-events` on the same files in the same run and prints the ratio.
//!
//! Usage: `expand_bench [--rounds N] [--from RFC3339] [--until RFC3339] FILE...`; prints
//! `rust: N rounds, E events, O occurrences, T ms per round`.

use std::time::Instant;

use jiff::Timestamp;

fn main() {
    let mut rounds = 200usize;
    let mut from: Timestamp = "2019-01-01T00:00:00Z".parse().unwrap();
    let mut until: Timestamp = "2020-01-01T00:00:00Z".parse().unwrap();
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().expect("a value after the option");
        match a.as_str() {
            "--rounds" => rounds = value().parse().expect("--rounds N"),
            "--from" => from = value().parse().expect("--from RFC3339"),
            "--until" => until = value().parse().expect("--until RFC3339"),
            _ => files.push(std::fs::read(&a).unwrap_or_else(|e| panic!("{a}: {e}"))),
        }
    }
    assert!(!files.is_empty(), "give the calendar files to read");
    let mut events = 0;
    let mut occurrences = 0;
    let t0 = Instant::now();
    for _ in 0..rounds {
        events = 0;
        occurrences = 0;
        for bytes in &files {
            let read = beffroi_agenda::ical::read(bytes, "Europe/Paris").expect("a calendar");
            for e in &read.events {
                events += 1;
                occurrences += e.timing.occurrences(from, until).len();
            }
        }
    }
    let per_round = t0.elapsed().as_secs_f64() * 1000.0 / rounds as f64;
    println!(
        "rust: {rounds} rounds, {events} events, {occurrences} occurrences, {per_round:.3} ms per round"
    );
}
