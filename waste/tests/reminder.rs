//! The evening-before reminder of calendars written as rules: minute by minute over the
//! weeks of both daylight-saving switches (Paris), the card shows exactly inside its window
//! on the evenings before a collection (holiday shifts included) and never otherwise, for a
//! window in the evening and one running past midnight.

mod util;

use beffroi_protocol::data::waste::{Reminder, Stream};
use beffroi_protocol::time::Weekday::{Mon, Sun, Thu};
use beffroi_protocol::time::{TimeOfDay, Zone};
use beffroi_waste::{Calendar, Rhythm, WeekParity};
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use util::{calendar, d, rule, weekly};

/// Household waste on Mondays (its eve is the Sunday of each switch), packaging on
/// Thursdays of odd weeks, over Easter Monday 2026 too.
fn fruges(reminder: Reminder) -> Calendar {
    let mut c = calendar(vec![
        rule(Stream::Household, weekly(&[Mon])),
        rule(
            Stream::Packaging,
            Rhythm::EveryOtherWeek {
                days: vec![Thu],
                parity: WeekParity::Odd,
            },
        ),
        rule(Stream::Bulky, weekly(&[Sun])),
    ]);
    c.reminder = reminder;
    c
}

fn hm(s: &str) -> TimeOfDay {
    s.parse().unwrap()
}

/// Checks every 5 minutes from `from` to `until` (local dates, Paris) that the reminder
/// shows exactly when the local time is in the window of an evening whose next day has a
/// collection, and announces that day's streams.
fn check(reminder: Reminder, from: &str, until: &str) -> usize {
    let cal = fruges(reminder);
    let tz = Zone::paris().tz();
    let data = cal.to_data(d(from), d(until));
    let start = d(from).to_zoned_datetime(tz.clone()).unwrap().timestamp();
    let end = d(until).to_zoned_datetime(tz.clone()).unwrap().timestamp();
    let crosses = reminder.end <= reminder.start;
    let mut shown = 0;
    let mut t: Timestamp = start;
    while t < end {
        let local = t.to_zoned_datetime(tz.clone());
        let time = TimeOfDay::of(local.time());
        // The evening the instant belongs to: today's after the start, yesterday's before
        // the end of a window running past midnight.
        let evening: Option<Date> = if time >= reminder.start {
            (crosses || time < reminder.end).then(|| local.date())
        } else if crosses && time < reminder.end {
            local.date().yesterday().ok()
        } else {
            None
        };
        let expected: Vec<Stream> = evening
            .and_then(|e| e.tomorrow().ok())
            .map(|day| cal.collections(day, day).iter().map(|c| c.stream).collect())
            .unwrap_or_default();
        let got = data.reminder_at(&tz, t);
        assert_eq!(got, expected, "at {local}");
        shown += usize::from(!got.is_empty());
        t += SignedDuration::from_mins(5);
    }
    shown
}

#[test]
fn the_evening_window_shows_exactly_on_the_right_evenings_across_both_switches() {
    let evening = Reminder {
        start: hm("17:00"),
        end: hm("23:00"),
    };
    // Spring (29 March 2026) with Easter Monday (6 April, moved to Tuesday).
    assert!(check(evening, "2026-03-23", "2026-04-13") > 0);
    // Autumn (25 October 2026).
    assert!(check(evening, "2026-10-19", "2026-11-09") > 0);
}

#[test]
fn a_window_past_midnight_keeps_announcing_the_evenings_collection() {
    let night = Reminder {
        start: hm("18:00"),
        end: hm("07:00"),
    };
    assert!(check(night, "2026-03-23", "2026-04-13") > 0);
    assert!(check(night, "2026-10-19", "2026-11-09") > 0);
}
