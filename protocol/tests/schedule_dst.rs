//! Property tests of window matching across daylight-saving switches.
//!
//! Each property scans every minute of the switch day with jiff's own zoned conversion (an
//! independent path from the evaluator's transition arithmetic) and checks the rules of the
//! design: a window starting in the missing hour begins when the clocks jump; one lying wholly
//! inside it does not occur; the repeated hour matches twice; a window crossing midnight on a
//! switch night belongs to the date it starts on; weekday filters use the local date.

mod common;

use beffroi_protocol::time::{TimeOfDay, Weekday, Window};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// Clocks jump forward at `hour`:00, skipping an hour.
    Gap,
    /// Clocks go back at (`hour`+1):00 to `hour`:00, repeating an hour.
    Fold,
}

/// Switch days of 2026 and 2027: (zone, Sunday of the switch, first local hour affected, kind).
const SWITCHES: &[(&str, &str, u16, Kind)] = &[
    ("Europe/Paris", "2026-03-29", 2, Kind::Gap),
    ("Europe/Paris", "2026-10-25", 2, Kind::Fold),
    ("Europe/Paris", "2027-03-28", 2, Kind::Gap),
    ("Europe/Paris", "2027-10-31", 2, Kind::Fold),
    ("America/New_York", "2026-03-08", 2, Kind::Gap),
    ("America/New_York", "2026-11-01", 1, Kind::Fold),
    ("Australia/Sydney", "2026-10-04", 2, Kind::Gap),
    ("Australia/Sydney", "2026-04-05", 2, Kind::Fold),
];

fn switches(kind: Kind) -> impl Strategy<Value = (TimeZone, Date, u16)> {
    let list: Vec<_> = SWITCHES.iter().filter(|s| s.3 == kind).collect();
    (0..list.len()).prop_map(move |i| {
        let (zone, date, hour, _) = *list[i];
        (
            jiff::tz::db().get(zone).unwrap(),
            date.parse().unwrap(),
            hour,
        )
    })
}

fn tod(minutes: u16) -> TimeOfDay {
    TimeOfDay::hm(minutes / 60, minutes % 60).unwrap()
}

fn daily(start: u16, end: u16) -> Window {
    Window::daily(tod(start), tod(end))
}

/// First instant of local date `d`.
fn day_start(tz: &TimeZone, d: Date) -> Timestamp {
    d.to_zoned_datetime(tz.clone())
        .unwrap()
        .start_of_day()
        .unwrap()
        .timestamp()
}

/// Every whole minute from the start of local date `d` to the start of the next, with its
/// local minute of day computed by jiff's own conversion.
fn minutes_of(tz: &TimeZone, d: Date) -> Vec<(Timestamp, u16)> {
    let (a, b) = (day_start(tz, d), day_start(tz, d.tomorrow().unwrap()));
    let mut out = Vec::new();
    let mut t = a;
    while t < b {
        let z = t.to_zoned_datetime(tz.clone());
        out.push((t, z.hour() as u16 * 60 + z.minute() as u16));
        t += SignedDuration::from_mins(1);
    }
    out
}

/// The instant at which local time is `hour`:00 on `d` (must exist).
fn at_hour(tz: &TimeZone, d: Date, hour: i8) -> Timestamp {
    d.at(hour, 0, 0, 0)
        .to_zoned_datetime(tz.clone())
        .unwrap()
        .timestamp()
}

fn overlap(a: (u16, u16), b: (u16, u16)) -> u16 {
    a.1.min(b.1).saturating_sub(a.0.max(b.0))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn window_starting_in_missing_hour_begins_when_clocks_jump(
        (tz, d, h) in switches(Kind::Gap), s_off in 0u16..60, e in 0u16..=1440,
    ) {
        let (s, gap_end) = (h * 60 + s_off, h * 60 + 60);
        prop_assume!(e > gap_end);
        let w = daily(s, e);
        let jump = at_hour(&tz, d, (h + 1) as i8);
        let matched: Vec<Timestamp> = minutes_of(&tz, d).into_iter().filter(|(t, _)| w.matches(&tz, *t)).map(|(t, _)| t).collect();
        prop_assert_eq!(matched.first().copied(), Some(jump));
        prop_assert_eq!(matched.len() as u16, e - gap_end);
        let occ = w.occurrence_on(&tz, d).unwrap();
        prop_assert_eq!(occ.anchor(), jump);
        prop_assert_eq!(occ.spans.len(), 1);
    }

    #[test]
    fn window_inside_missing_hour_does_not_occur_that_day(
        (tz, d, h) in switches(Kind::Gap), (a, b) in (0u16..60).prop_flat_map(|a| (Just(a), a + 1..=60)),
    ) {
        let w = daily(h * 60 + a, h * 60 + b);
        prop_assert!(minutes_of(&tz, d).iter().all(|(t, _)| !w.matches(&tz, *t)));
        prop_assert!(w.occurrence_on(&tz, d).is_none());
        // The next Sunday it occurs normally, for its whole length.
        let next = d.checked_add(jiff::Span::new().days(7)).unwrap();
        let count = minutes_of(&tz, next).iter().filter(|(t, _)| w.matches(&tz, *t)).count();
        prop_assert_eq!(count as u16, b - a);
    }

    #[test]
    fn repeated_hour_matches_twice(
        ((tz, d, h), s, e) in switches(Kind::Fold).prop_flat_map(|(tz, d, h)| {
            // Any window overlapping the repeated hour [h:00, h+1:00).
            (Just((tz, d, h)), 0..h * 60 + 60).prop_flat_map(move |(sw, s)| (Just(sw), Just(s), (s + 1).max(h * 60 + 1)..=1440))
        }),
    ) {
        let fold = (h * 60, h * 60 + 60);
        let w = daily(s, e);
        let minutes = minutes_of(&tz, d);
        let matched = minutes.iter().filter(|(t, _)| w.matches(&tz, *t)).count() as u16;
        prop_assert_eq!(matched, e - s + overlap((s, e), fold));
        // A wall-clock minute inside both the window and the repeated hour occurs twice,
        // and both instants match.
        let wall = s.max(fold.0);
        let same_wall: Vec<_> = minutes.iter().filter(|(_, m)| *m == wall).collect();
        prop_assert_eq!(same_wall.len(), 2);
        prop_assert!(same_wall.iter().all(|(t, _)| w.matches(&tz, *t)));
        let occ = w.occurrence_on(&tz, d).unwrap();
        let covered: i64 = occ.spans.iter().map(|sp| sp.end.duration_since(sp.start).as_mins()).sum();
        prop_assert_eq!(covered, i64::from(matched));
    }

    #[test]
    fn midnight_crossing_window_on_switch_night_belongs_to_its_start_date(
        switch in 0..SWITCHES.len(), (e, s) in (0u16..1439).prop_flat_map(|e| (Just(e), e + 1..1440)),
    ) {
        let (zone, date, h, kind) = SWITCHES[switch];
        let tz = jiff::tz::db().get(zone).unwrap();
        let sunday: Date = date.parse().unwrap();
        let saturday = sunday.yesterday().unwrap();
        let mut w = daily(s, e);
        w.weekdays = vec![Weekday::Sat];
        let affected = (h * 60, h * 60 + 60);
        let expected = match kind {
            Kind::Gap => 1440 - s + e - overlap((0, e), affected),
            Kind::Fold => 1440 - s + e + overlap((0, e), affected),
        };
        let occ = w.occurrence_on(&tz, saturday).unwrap();
        let covered: i64 = occ.spans.iter().map(|sp| sp.end.duration_since(sp.start).as_mins()).sum();
        prop_assert_eq!(covered, i64::from(expected));
        prop_assert_eq!(occ.anchor(), saturday.at((s / 60) as i8, (s % 60) as i8, 0, 0).to_zoned_datetime(tz.clone()).unwrap().timestamp());
        // On Sunday, the early hours belong to Saturday's occurrence; the evening does not
        // start a new one, since Sunday is not in the filter.
        for (t, m) in minutes_of(&tz, sunday) {
            prop_assert_eq!(w.matches(&tz, t), m < e, "Sunday minute {}", m);
        }
        prop_assert!(w.occurrence_on(&tz, sunday).is_none());
    }

    #[test]
    fn weekday_filters_use_the_local_date_not_utc(
        zone in prop::sample::select(vec!["Europe/Paris", "America/New_York", "Australia/Sydney"]),
        secs in 1_767_225_600i64..1_830_297_600, // 2026-01-01 .. 2028-01-01
        day in 0usize..7,
    ) {
        let tz = jiff::tz::db().get(zone).unwrap();
        let t = Timestamp::from_second(secs).unwrap();
        let z = t.to_zoned_datetime(tz.clone());
        let wd = Weekday::ALL[day];
        let mut whole_day = daily(0, 1440);
        whole_day.weekdays = vec![wd];
        prop_assert_eq!(whole_day.matches(&tz, t), Weekday::of(z.date()) == wd);
        let mut night = daily(22 * 60, 2 * 60);
        night.weekdays = vec![wd];
        let expected = (z.hour() >= 22 && Weekday::of(z.date()) == wd)
            || (z.hour() < 2 && Weekday::of(z.date().yesterday().unwrap()) == wd);
        prop_assert_eq!(night.matches(&tz, t), expected);
    }
}

#[test]
fn new_york_fall_back_repeats_one_oclock_not_two() {
    let tz = jiff::tz::db().get("America/New_York").unwrap();
    let d: Date = "2026-11-01".parse().unwrap();
    let occ = daily(60 + 15, 60 + 45).occurrence_on(&tz, d).unwrap();
    assert_eq!(occ.spans.len(), 2);
    assert_eq!(occ.anchor(), common::ts("2026-11-01T05:15:00Z"));
    assert_eq!(occ.end(), common::ts("2026-11-01T06:45:00Z"));
    let two = daily(2 * 60 + 15, 2 * 60 + 45)
        .occurrence_on(&tz, d)
        .unwrap();
    assert_eq!(two.spans.len(), 1);
}

#[test]
fn next_boundary_finds_interleaved_occurrences_on_fall_back_night() {
    // 02:50–02:40 crosses midnight and lasts 23 h 50 min; on 25 October 2026 the occurrence of
    // the 24th ends in the second 02:40 while the 25th's begins in the first 02:50.
    let tz = jiff::tz::db().get("Europe/Paris").unwrap();
    let w = daily(2 * 60 + 50, 2 * 60 + 40);
    let t = common::ts("2026-10-25T00:45:00Z");
    assert!(w.matches(&tz, common::ts("2026-10-25T00:50:00Z")));
    assert_eq!(
        w.next_boundary_after(&tz, t),
        Some(common::ts("2026-10-25T00:50:00Z"))
    );
}

#[test]
fn time_of_day_constructor_refuses_huge_hours_without_overflow() {
    assert_eq!(TimeOfDay::hm(1093, 0), None);
    assert_eq!(TimeOfDay::hm(24, 0), Some(TimeOfDay::END_OF_DAY));
    assert_eq!(TimeOfDay::hm(24, 1), None);
}
