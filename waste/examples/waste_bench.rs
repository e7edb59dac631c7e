//! Waste collection work, printed as figures (never asserted): the calendars of the 49
//! communes (five rules each: weekly with a holiday shift, odd ISO weeks, the 2nd Wednesday,
//! a seasonal weekly, the rest-of-week shift) expanded over the data set's nine weeks and over
//! a year, many times; the waste data set they make with ADEME's guide (canonical JSON, and
//! gzipped); ADEME's `waste.json` read; a commune's year as iCalendar, written and read back
//! by `beffroi-agenda`. `scripts/bench-waste` runs the same expansion with Python's dateutil
//! in the same run and prints the ratio.
//!
//! Usage: `waste_bench [--rounds N] GUIDE.json`; prints `key: value` lines.

use std::io::Write as _;
use std::time::Instant;

use beffroi_protocol::data::waste::{Reminder, Stream, WasteData};
use beffroi_protocol::time::Weekday;
use beffroi_waste::{Calendar, MonthDay, Rhythm, Rule, Season, Shift, WeekParity};
use jiff::civil::{Date, date};

fn rule(stream: Stream, rhythm: Rhythm, shift: Shift) -> Rule {
    let mut r = Rule::new(stream, rhythm);
    r.holidays.shift = shift;
    r.note = beffroi_protocol::text::Text::fr("Sortir le bac la veille au soir.");
    r
}

/// Commune `i`'s calendar: the same five kinds of rule on days that vary with `i`.
fn calendar(i: usize) -> Calendar {
    let day = |k: usize| Weekday::ALL[(i + k) % 6];
    Calendar {
        commune: format!("62{:03}", 100 + i).parse().expect("an INSEE code"),
        name: format!("Commune {i}"),
        reminder: Reminder::default(),
        rules: vec![
            rule(
                Stream::Household,
                Rhythm::Weekly { days: vec![day(0)] },
                Shift::NextDay,
            ),
            rule(
                Stream::Packaging,
                Rhythm::EveryOtherWeek {
                    days: vec![day(2)],
                    parity: WeekParity::Odd,
                },
                Shift::NextDay,
            ),
            rule(
                Stream::Glass,
                Rhythm::Monthly {
                    nth: vec![2],
                    day: Weekday::Wed,
                },
                Shift::Keep,
            ),
            Rule {
                season: Some(Season {
                    from: MonthDay { month: 4, day: 1 },
                    until: MonthDay { month: 11, day: 30 },
                }),
                ..rule(
                    Stream::GreenWaste,
                    Rhythm::Weekly { days: vec![day(1)] },
                    Shift::Cancel,
                )
            },
            rule(
                Stream::Biowaste,
                Rhythm::Weekly { days: vec![day(3)] },
                Shift::RestOfWeek,
            ),
        ],
    }
}

/// Expands every calendar over `[from, until]` `rounds` times; (dates, ms per round).
fn expand(calendars: &[Calendar], from: Date, until: Date, rounds: usize) -> (usize, f64) {
    let t0 = Instant::now();
    let mut dates = 0;
    for _ in 0..rounds {
        dates = calendars
            .iter()
            .map(|c| {
                c.collections(from, until)
                    .iter()
                    .map(|s| s.dates.len())
                    .sum::<usize>()
            })
            .sum();
    }
    (dates, t0.elapsed().as_secs_f64() * 1000.0 / rounds as f64)
}

fn main() {
    let mut rounds = 200usize;
    let mut guide = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--rounds" => {
                rounds = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--rounds N");
            }
            _ => guide = Some(std::fs::read(&a).unwrap_or_else(|e| panic!("{a}: {e}"))),
        }
    }
    let guide = guide.expect("give ADEME's waste.json");
    let calendars: Vec<Calendar> = (0..49).map(calendar).collect();

    let monday = date(2026, 11, 30);
    let (dates, ms) = expand(&calendars, monday, date(2027, 1, 31), rounds);
    println!("expand_9_weeks: 49 communes, {dates} dates, {ms:.3} ms");
    let (dates, ms) = expand(&calendars, date(2026, 1, 1), date(2026, 12, 31), rounds);
    println!("expand_year: 49 communes, {dates} dates, {ms:.3} ms");

    let t0 = Instant::now();
    let mut read = None;
    for _ in 0..rounds {
        read = Some(beffroi_waste::ademe::read(&guide).expect("a guide"));
    }
    let read = read.expect("at least one round");
    let ms = t0.elapsed().as_secs_f64() * 1000.0 / rounds as f64;
    println!("ademe_read: {} entries, {ms:.3} ms", read.advice.len());

    let data = WasteData {
        communes: calendars
            .iter()
            .map(|c| c.to_data(monday, date(2027, 1, 31)))
            .collect(),
        advice: read.advice,
    };
    let (r, bytes) = beffroi_protocol::canonical::encode_blob(&data).expect("encodable");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&bytes).expect("in memory");
    let gz = gz.finish().expect("in memory");
    println!(
        "data_set: {} bytes, {} gzipped ({} communes, {} tips)",
        r.size,
        gz.len(),
        data.communes.len(),
        data.advice.len()
    );

    let stamp = "2026-12-01T08:00:00Z".parse().expect("an instant");
    let t0 = Instant::now();
    let mut text = String::new();
    for _ in 0..rounds {
        text = beffroi_waste::ical::export(
            &calendars[0],
            date(2026, 11, 2),
            date(2027, 12, 6),
            stamp,
            "beffroi.example",
        );
    }
    let write_ms = t0.elapsed().as_secs_f64() * 1000.0 / rounds as f64;
    let t0 = Instant::now();
    let mut events = 0;
    for _ in 0..rounds {
        events = beffroi_agenda::ical::read(text.as_bytes(), "Europe/Paris")
            .expect("our own feed")
            .events
            .len();
    }
    let read_ms = t0.elapsed().as_secs_f64() * 1000.0 / rounds as f64;
    println!(
        "ical_year: {events} events, {} bytes, written in {write_ms:.3} ms, read back in {read_ms:.3} ms",
        text.len()
    );
}
