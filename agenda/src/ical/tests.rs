//! Tests of the iCalendar reader: every sample file of `shared/samples/events/ics`, small
//! calendars for each feature, and mutated files that must never make it panic.
//!
//! Expected values are worked out from RFC 5545 and a calendar, not copied from the output.

use beffroi_protocol::data::events::{EventCategory, EventStatus};
use beffroi_protocol::text::{Lang, Text};
use jiff::Timestamp;

use super::read;
use crate::{Occurrence, Read, SourceEvent, Timing};

const SAMPLES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/samples/events/ics/"
);

const SAMPLE_FILES: [&str; 8] = [
    "daylight_saving_time.ics",
    "each_week_but_two_deleted.ics",
    "issue_18_cancel_status.ics",
    "issue_62_moved_event.ics",
    "issue_86_x_wr_timezone_without_time_zone_in_dt.ics",
    "o365_meeting.ics",
    "one_day_event_repeat_every_day.ics",
    "rdate_exdate.ics",
];

fn sample_bytes(name: &str) -> Vec<u8> {
    let path = format!("{SAMPLES}{name}");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn sample(name: &str) -> Read {
    read(&sample_bytes(name), "Europe/Paris").unwrap()
}

fn calendar(body: &str) -> Read {
    let text = format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{body}END:VCALENDAR\r\n");
    read(text.as_bytes(), "Europe/Paris").unwrap()
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn event<'a>(read: &'a Read, id: &str) -> &'a SourceEvent {
    read.events
        .iter()
        .find(|e| e.source_id == id)
        .unwrap_or_else(|| panic!("no event {id} in {:?}", ids(read)))
}

fn ids(read: &Read) -> Vec<&str> {
    read.events.iter().map(|e| e.source_id.as_str()).collect()
}

fn occurrences(event: &SourceEvent, from: &str, until: &str) -> Vec<Occurrence> {
    event.timing.occurrences(ts(from), ts(until))
}

/// `start/end` of each occurrence, with `!` after a cancelled one and `*` after an all-day one.
fn spans(event: &SourceEvent, from: &str, until: &str) -> Vec<String> {
    occurrences(event, from, until)
        .iter()
        .map(|o| {
            let mark = match (o.status, o.all_day) {
                (Some(EventStatus::Cancelled), _) => "!",
                (_, true) => "*",
                _ => "",
            };
            format!("{}/{}{mark}", o.start, o.end)
        })
        .collect()
}

fn starts(event: &SourceEvent, from: &str, until: &str) -> Vec<String> {
    occurrences(event, from, until)
        .iter()
        .map(|o| o.start.to_string())
        .collect()
}

fn is_series(event: &SourceEvent) -> bool {
    matches!(event.timing, Timing::Series(_))
}

// ---- The sample files ----

#[test]
fn daylight_saving_time_keeps_wall_clock_times_across_the_change() {
    let read = sample("daylight_saving_time.ics");
    // 64 VEVENTs: 58 UIDs, 6 of the components override an instance of another.
    assert_eq!(read.problems, []);
    assert_eq!(read.events.len(), 58);

    // Weekly on Thursday 08:30–14:30 Berlin from 28 February 2019, 7 March removed. Summer
    // time begins on Sunday 31 March 2019: the offset changes, the wall-clock time does not.
    let montessori = event(&read, "7g6502aejkun96i5fenfu6hvc1@google.com");
    assert!(is_series(montessori));
    assert_eq!(
        spans(montessori, "2019-03-01T00:00:00Z", "2019-04-15T00:00:00Z"),
        [
            "2019-03-14T08:30:00+01:00[Europe/Berlin]/2019-03-14T14:30:00+01:00[Europe/Berlin]",
            "2019-03-21T08:30:00+01:00[Europe/Berlin]/2019-03-21T14:30:00+01:00[Europe/Berlin]",
            "2019-03-28T08:30:00+01:00[Europe/Berlin]/2019-03-28T14:30:00+01:00[Europe/Berlin]",
            "2019-04-04T08:30:00+02:00[Europe/Berlin]/2019-04-04T14:30:00+02:00[Europe/Berlin]",
            "2019-04-11T08:30:00+02:00[Europe/Berlin]/2019-04-11T14:30:00+02:00[Europe/Berlin]",
        ]
    );

    // Weekly on Monday, Tuesday and Wednesday at 14:00, WKST=SU, COUNT=6, from Monday
    // 4 March: 4, 5, 6, 11, 12, 13 March, and nothing after.
    let hackademy = event(&read, "37jkbgv9regint2hqhlmd9risn@google.com");
    assert_eq!(
        starts(hackademy, "2019-01-01T00:00:00Z", "2020-01-01T00:00:00Z"),
        [
            "2019-03-04T14:00:00+01:00[Europe/Berlin]",
            "2019-03-05T14:00:00+01:00[Europe/Berlin]",
            "2019-03-06T14:00:00+01:00[Europe/Berlin]",
            "2019-03-11T14:00:00+01:00[Europe/Berlin]",
            "2019-03-12T14:00:00+01:00[Europe/Berlin]",
            "2019-03-13T14:00:00+01:00[Europe/Berlin]",
        ]
    );

    // Every other Wednesday at 19:00 from 16 January 2019 until 2019-02-12T22:59:59Z:
    // 16 and 30 January (13 February is after UNTIL).
    let cccp = event(
        &read,
        "4m856r43sj4i6g0vat9dn4gtui_R20190116T180000@google.com",
    );
    assert_eq!(
        starts(cccp, "2018-01-01T00:00:00Z", "2020-01-01T00:00:00Z"),
        [
            "2019-01-16T19:00:00+01:00[Europe/Berlin]",
            "2019-01-30T19:00:00+01:00[Europe/Berlin]",
        ]
    );

    // Monthly on the third Saturday 11:00–15:00 from 17 November 2018 until
    // 2019-03-15T22:59:59Z, three instances moved (their overrides come first in the file):
    // 15 December → 8 December, 19 January → 27 January, 16 February → 24 February; the
    // fifth, 16 March, is after UNTIL.
    let repair = event(&read, "ome5r9735mpdoo3n6lpf8oi0c4@google.com");
    assert_eq!(
        starts(repair, "2018-01-01T00:00:00Z", "2020-01-01T00:00:00Z"),
        [
            "2018-11-17T11:00:00+01:00[Europe/Berlin]",
            "2018-12-08T11:00:00+01:00[Europe/Berlin]",
            "2019-01-27T11:00:00+01:00[Europe/Berlin]",
            "2019-02-24T11:00:00+01:00[Europe/Berlin]",
        ]
    );

    // Monthly on the last Saturday from 30 June 2018 until 2018-11-23T22:59:59Z: 28 July and
    // 25 August removed (two EXDATE properties), 29 September moved to 22 September, 27
    // October moved to 20 October; 24 November is after UNTIL.
    let repair_2018 = event(&read, "52uuaoruefesorque1gpjabr6t@google.com");
    assert_eq!(
        starts(repair_2018, "2018-01-01T00:00:00Z", "2020-01-01T00:00:00Z"),
        [
            "2018-06-30T11:00:00+02:00[Europe/Berlin]",
            "2018-09-22T11:00:00+02:00[Europe/Berlin]",
            "2018-10-20T11:00:00+02:00[Europe/Berlin]",
        ]
    );

    // Every other Tuesday at 19:00 from 12 December 2017 (20 weeks before 1 May 2018), the
    // 1 May instance moved to Wednesday 2 May.
    let ok_lab = event(&read, "2o60r26f5pq7muep7htdi4r01n@google.com");
    assert_eq!(
        starts(ok_lab, "2018-04-20T00:00:00Z", "2018-05-20T00:00:00Z"),
        [
            "2018-05-02T19:00:00+02:00[Europe/Berlin]",
            "2018-05-15T19:00:00+02:00[Europe/Berlin]",
        ]
    );

    // A single UTC event is shown in the calendar's zone (X-WR-TIMEZONE).
    let workshop = event(&read, "4mm2ak3in2j3pllqdk1ubtbp9p@google.com");
    assert!(!is_series(workshop));
    assert_eq!(
        spans(workshop, "2019-01-01T00:00:00Z", "2020-01-01T00:00:00Z"),
        ["2019-02-28T15:00:00+01:00[Europe/Berlin]/2019-02-28T18:00:00+01:00[Europe/Berlin]"]
    );
    assert_eq!(workshop.title, Text::fr("Workshop DiReBio"));
    assert_eq!(workshop.category, EventCategory::Workshop);
    assert_eq!(workshop.updated, Some(ts("2019-02-26T13:51:30Z")));

    // A one-day event (DTEND the next day) in the calendar's zone.
    let congress = event(&read, "27sgrcdu4099mtq830biaal87d@google.com");
    assert_eq!(
        spans(congress, "2017-01-01T00:00:00Z", "2018-01-01T00:00:00Z"),
        ["2017-12-27T00:00:00+01:00[Europe/Berlin]/2017-12-28T00:00:00+01:00[Europe/Berlin]*"]
    );
    // LOCATION, escapes undone.
    let repair_cafe = event(&read, "4oe7e40bbf492tbp6eilvg9naj@google.com");
    assert_eq!(
        repair_cafe.place.address,
        "Stadt- u. Landesbibliothek Potsdam im Bildungsforum, Am Kanal 47, 14467 Potsdam, Deutschland"
    );
}

#[test]
fn each_week_but_two_deleted_compares_utc_exdates_as_instants() {
    let read = sample("each_week_but_two_deleted.ics");
    assert_eq!(read.problems, []);
    let test6 = event(&read, "SX2CURHKFTKKFFU3VUD7K");
    // Mondays 00:30–01:00 Berlin, 8 of them from 4 March 2019; EXDATE 20190310T233000Z is
    // 11 March 00:30 CET, 20190324T233000Z is 25 March 00:30 CET: 6 remain.
    assert_eq!(
        spans(test6, "2019-01-01T00:00:00Z", "2020-01-01T00:00:00Z"),
        [
            "2019-03-04T00:30:00+01:00[Europe/Berlin]/2019-03-04T01:00:00+01:00[Europe/Berlin]",
            "2019-03-18T00:30:00+01:00[Europe/Berlin]/2019-03-18T01:00:00+01:00[Europe/Berlin]",
            "2019-04-01T00:30:00+02:00[Europe/Berlin]/2019-04-01T01:00:00+02:00[Europe/Berlin]",
            "2019-04-08T00:30:00+02:00[Europe/Berlin]/2019-04-08T01:00:00+02:00[Europe/Berlin]",
            "2019-04-15T00:30:00+02:00[Europe/Berlin]/2019-04-15T01:00:00+02:00[Europe/Berlin]",
            "2019-04-22T00:30:00+02:00[Europe/Berlin]/2019-04-22T01:00:00+02:00[Europe/Berlin]",
        ]
    );
}

#[test]
fn issue_18_keeps_the_cancelled_instance_with_its_status() {
    let read = sample("issue_18_cancel_status.ics");
    assert_eq!(read.problems, []);
    assert_eq!(read.events.len(), 1);
    let series = event(&read, "b65c2b5b-b785-4edc-9560-e0379036d1f2");
    assert_eq!(series.status, EventStatus::Scheduled);
    assert_eq!(
        spans(series, "2020-01-01T00:00:00Z", "2020-03-01T00:00:00Z"),
        [
            "2020-01-28T22:00:00+01:00[Europe/Berlin]/2020-01-28T23:00:00+01:00[Europe/Berlin]",
            "2020-01-29T22:00:00+01:00[Europe/Berlin]/2020-01-29T23:00:00+01:00[Europe/Berlin]!",
            "2020-01-30T22:00:00+01:00[Europe/Berlin]/2020-01-30T23:00:00+01:00[Europe/Berlin]",
        ]
    );
}

#[test]
fn issue_62_shows_the_moved_instance_at_its_new_time_only() {
    let read = sample("issue_62_moved_event.ics");
    assert_eq!(read.problems, []);
    assert_eq!(read.events.len(), 1);
    let karaoke = event(&read, "38m812jicsrer5gorh3mlp7qhc@google.com");
    assert_eq!(karaoke.title, Text::fr("Karaoke"));
    // Last Friday of each month at 21:30 from 26 November 2021; DTEND equals DTSTART, so
    // the default hour applies. 31 December is moved to 17 December (no DTEND: it keeps
    // the series' length).
    let got = spans(karaoke, "2021-11-01T00:00:00Z", "2022-03-01T00:00:00Z");
    assert_eq!(
        got,
        [
            "2021-11-26T21:30:00+01:00[Europe/Berlin]/2021-11-26T22:30:00+01:00[Europe/Berlin]",
            "2021-12-17T21:30:00+01:00[Europe/Berlin]/2021-12-17T22:30:00+01:00[Europe/Berlin]",
            "2022-01-28T21:30:00+01:00[Europe/Berlin]/2022-01-28T22:30:00+01:00[Europe/Berlin]",
            "2022-02-25T21:30:00+01:00[Europe/Berlin]/2022-02-25T22:30:00+01:00[Europe/Berlin]",
        ]
    );
    assert!(!got.iter().any(|s| s.starts_with("2021-12-31")));
    // The description is kept raw (the server removes the HTML).
    assert!(
        karaoke
            .description
            .get(&Lang::fr())
            .unwrap()
            .starts_with("Jeden letzten Freitag im Monat <a href=\"https://www.instagram.com/p/")
    );
}

#[test]
fn issue_86_reads_floating_times_in_the_calendar_zone() {
    let read = sample("issue_86_x_wr_timezone_without_time_zone_in_dt.ics");
    assert_eq!(read.problems, []);
    let summary = event(&read, "match_1025179");
    assert!(!is_series(summary));
    // X-WR-TIMEZONE:Europe/Brussels wins over the default zone (Europe/Paris).
    assert_eq!(
        spans(summary, "2021-09-01T00:00:00Z", "2021-10-01T00:00:00Z"),
        ["2021-09-16T21:00:00+02:00[Europe/Brussels]/2021-09-16T22:45:00+02:00[Europe/Brussels]"]
    );
}

#[test]
fn o365_meeting_maps_the_windows_zone() {
    let read = sample("o365_meeting.ics");
    assert_eq!(read.problems, []);
    assert_eq!(read.events.len(), 1);
    let meeting = &read.events[0];
    assert!(
        meeting
            .source_id
            .starts_with("040000C08200E00074C5B7101A89E008")
    );
    assert!(
        meeting
            .source_id
            .ends_with("23B1CC4F9EF21B4BBA06F5F3B4E42720")
    );
    assert_eq!(meeting.title, Text::fr("Testmeeting \u{27a1} ignore it!"));
    // DESCRIPTION;LANGUAGE=en-US: English only.
    assert_eq!(
        meeting.description.0.keys().collect::<Vec<_>>(),
        [&Lang::en()]
    );
    assert!(
        meeting
            .description
            .get(&Lang::en())
            .unwrap()
            .starts_with("________")
    );
    // "W. Europe Standard Time" is Europe/Berlin. Every 2 days at 11:00 from Tuesday
    // 24 November 2020 until 10:00 UTC on the 26th: 26 November 11:00 CET is exactly
    // 10:00 UTC, and UNTIL is inclusive.
    assert_eq!(
        spans(meeting, "2020-11-01T00:00:00Z", "2021-01-01T00:00:00Z"),
        [
            "2020-11-24T11:00:00+01:00[Europe/Berlin]/2020-11-24T11:30:00+01:00[Europe/Berlin]",
            "2020-11-26T11:00:00+01:00[Europe/Berlin]/2020-11-26T11:30:00+01:00[Europe/Berlin]",
        ]
    );
}

#[test]
fn one_day_event_repeats_every_day_without_end() {
    let read = sample("one_day_event_repeat_every_day.ics");
    assert_eq!(read.problems, []);
    let test3 = event(&read, "UYDQSG9TH4DE0WM3QFL2J");
    // No X-WR-TIMEZONE: dates are days of the default zone. The night of 31 March 2019
    // loses an hour; each day still runs from midnight to midnight.
    assert_eq!(
        spans(test3, "2019-03-29T23:00:00Z", "2019-04-01T22:00:00Z"),
        [
            "2019-03-30T00:00:00+01:00[Europe/Paris]/2019-03-31T00:00:00+01:00[Europe/Paris]*",
            "2019-03-31T00:00:00+01:00[Europe/Paris]/2019-04-01T00:00:00+02:00[Europe/Paris]*",
            "2019-04-01T00:00:00+02:00[Europe/Paris]/2019-04-02T00:00:00+02:00[Europe/Paris]*",
        ]
    );
    // Years later, the window alone bounds the series: 7 days in a week…
    let week = occurrences(test3, "2030-06-02T22:00:00Z", "2030-06-09T22:00:00Z");
    assert_eq!(week.len(), 7);
    assert!(week.iter().all(|o| o.all_day));
    assert_eq!(
        week[0].start.to_string(),
        "2030-06-03T00:00:00+02:00[Europe/Paris]"
    );
    // …and a whole year stops at the cap.
    let year = occurrences(test3, "2020-01-01T00:00:00Z", "2021-01-01T00:00:00Z");
    assert_eq!(year.len(), crate::MAX_OCCURRENCES);
    assert_eq!(
        year[0].start.to_string(),
        "2020-01-01T00:00:00+01:00[Europe/Paris]"
    );
}

#[test]
fn rdate_exdate_removes_the_day_of_a_date_exdate() {
    // The sample has no SUMMARY: the event is read with an empty title (the caller names it)…
    let as_is = sample("rdate_exdate.ics");
    assert_eq!(as_is.problems, []);
    assert!(event(&as_is, "123").title.is_empty());
    // …and with one, its timing: daily at 03:00 UTC, COUNT=4 from 9 June 2024, the instance
    // on 11 June removed by EXDATE;VALUE=DATE. No X-WR-TIMEZONE: shown in the default zone,
    // at 05:00 summer time; no DTEND: one hour.
    let text = String::from_utf8(sample_bytes("rdate_exdate.ics")).unwrap();
    let titled = text.replace("UID:123", "UID:123\nSUMMARY:Test");
    let read = read(titled.as_bytes(), "Europe/Paris").unwrap();
    assert_eq!(read.problems, []);
    assert_eq!(
        spans(
            event(&read, "123"),
            "2024-06-01T00:00:00Z",
            "2024-07-01T00:00:00Z"
        ),
        [
            "2024-06-09T05:00:00+02:00[Europe/Paris]/2024-06-09T06:00:00+02:00[Europe/Paris]",
            "2024-06-10T05:00:00+02:00[Europe/Paris]/2024-06-10T06:00:00+02:00[Europe/Paris]",
            "2024-06-12T05:00:00+02:00[Europe/Paris]/2024-06-12T06:00:00+02:00[Europe/Paris]",
        ]
    );
}

#[test]
fn every_sample_file_is_tested() {
    let mut found: Vec<String> = std::fs::read_dir(SAMPLES)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".ics"))
        .collect();
    found.sort();
    assert_eq!(found, SAMPLE_FILES);
}

// ---- Small calendars, one feature each ----

#[test]
fn monthly_on_the_last_friday_across_summer_time() {
    let read = calendar(
        "BEGIN:VEVENT\nUID:a\nSUMMARY:Cinéma en plein air\nDTSTART;TZID=Europe/Paris:20250131T180000\n\
         DTEND;TZID=Europe/Paris:20250131T200000\nRRULE:FREQ=MONTHLY;BYDAY=-1FR;COUNT=4\nEND:VEVENT\n",
    );
    let e = event(&read, "a");
    assert_eq!(e.category, EventCategory::Cinema);
    // 1 January 2025 is a Wednesday: last Fridays are 31 January, 28 February, 28 March,
    // 25 April (summer time from 30 March).
    assert_eq!(
        starts(e, "2025-01-01T00:00:00Z", "2026-01-01T00:00:00Z"),
        [
            "2025-01-31T18:00:00+01:00[Europe/Paris]",
            "2025-02-28T18:00:00+01:00[Europe/Paris]",
            "2025-03-28T18:00:00+01:00[Europe/Paris]",
            "2025-04-25T18:00:00+02:00[Europe/Paris]",
        ]
    );
}

#[test]
fn bysetpos_picks_among_the_period_instances() {
    // The first weekend day of each month: Saturday 1 March 2025, then (1 April is a
    // Tuesday) Saturday 5 April, then (1 May is a Thursday) Saturday 3 May.
    let read = calendar(
        "BEGIN:VEVENT\nUID:b\nSUMMARY:Marché\nDTSTART;TZID=Europe/Paris:20250301T080000\n\
         RRULE:FREQ=MONTHLY;BYDAY=SA,SU;BYSETPOS=1;COUNT=3\nEND:VEVENT\n",
    );
    assert_eq!(
        starts(
            event(&read, "b"),
            "2025-01-01T00:00:00Z",
            "2026-01-01T00:00:00Z"
        ),
        [
            "2025-03-01T08:00:00+01:00[Europe/Paris]",
            "2025-04-05T08:00:00+02:00[Europe/Paris]",
            "2025-05-03T08:00:00+02:00[Europe/Paris]",
        ]
    );
}

#[test]
fn bymonthday_minus_one_is_the_last_day() {
    let read = calendar(
        "BEGIN:VEVENT\nUID:c\nSUMMARY:Conseil\nDTSTART;TZID=Europe/Paris:20240131T090000\n\
         RRULE:FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=3\nEND:VEVENT\n",
    );
    // 2024 is a leap year.
    assert_eq!(
        starts(
            event(&read, "c"),
            "2024-01-01T00:00:00Z",
            "2025-01-01T00:00:00Z"
        ),
        [
            "2024-01-31T09:00:00+01:00[Europe/Paris]",
            "2024-02-29T09:00:00+01:00[Europe/Paris]",
            "2024-03-31T09:00:00+02:00[Europe/Paris]",
        ]
    );
}

#[test]
fn until_as_a_date_includes_that_day() {
    // Mondays at 19:00 from 3 March 2025 until the date 17 March: 3, 10 and 17 March.
    let read = calendar(
        "BEGIN:VEVENT\nUID:d\nSUMMARY:Chorale\nDTSTART;TZID=Europe/Paris:20250303T190000\n\
         RRULE:FREQ=WEEKLY;UNTIL=20250317\nEND:VEVENT\n",
    );
    let e = event(&read, "d");
    assert_eq!(e.category, EventCategory::Concert);
    assert_eq!(
        starts(e, "2025-01-01T00:00:00Z", "2026-01-01T00:00:00Z"),
        [
            "2025-03-03T19:00:00+01:00[Europe/Paris]",
            "2025-03-10T19:00:00+01:00[Europe/Paris]",
            "2025-03-17T19:00:00+01:00[Europe/Paris]",
        ]
    );
}

#[test]
fn count_counts_from_dtstart_even_before_the_window() {
    // Daily COUNT=10 from 1 June 2025: the last is 10 June, whatever the window.
    let read = calendar(
        "BEGIN:VEVENT\nUID:e\nSUMMARY:Stage\nDTSTART;TZID=Europe/Paris:20250601T100000\n\
         DURATION:PT2H\nRRULE:FREQ=DAILY;COUNT=10\nEND:VEVENT\n",
    );
    assert_eq!(
        spans(
            event(&read, "e"),
            "2025-06-08T00:00:00Z",
            "2025-07-01T00:00:00Z"
        ),
        [
            "2025-06-08T10:00:00+02:00[Europe/Paris]/2025-06-08T12:00:00+02:00[Europe/Paris]",
            "2025-06-09T10:00:00+02:00[Europe/Paris]/2025-06-09T12:00:00+02:00[Europe/Paris]",
            "2025-06-10T10:00:00+02:00[Europe/Paris]/2025-06-10T12:00:00+02:00[Europe/Paris]",
        ]
    );
}

#[test]
fn rdates_add_instances_periods_with_their_own_end() {
    let read = calendar(
        "BEGIN:VEVENT\nUID:f\nSUMMARY:Visite guidée\nDTSTART;TZID=Europe/Paris:20250601T100000\n\
         DTEND;TZID=Europe/Paris:20250601T110000\n\
         RDATE;VALUE=PERIOD:20250605T140000/PT3H,20250610T090000/20250610T093000\n\
         RDATE;TZID=Europe/Paris:20250612T150000\nRDATE:20250614T080000Z\nEND:VEVENT\n",
    );
    let e = event(&read, "f");
    assert!(is_series(e));
    assert_eq!(e.category, EventCategory::GuidedTour);
    // Floating RDATEs are in the series' zone; the UTC one is 10:00 in Paris.
    assert_eq!(
        spans(e, "2025-05-01T00:00:00Z", "2025-07-01T00:00:00Z"),
        [
            "2025-06-01T10:00:00+02:00[Europe/Paris]/2025-06-01T11:00:00+02:00[Europe/Paris]",
            "2025-06-05T14:00:00+02:00[Europe/Paris]/2025-06-05T17:00:00+02:00[Europe/Paris]",
            "2025-06-10T09:00:00+02:00[Europe/Paris]/2025-06-10T09:30:00+02:00[Europe/Paris]",
            "2025-06-12T15:00:00+02:00[Europe/Paris]/2025-06-12T16:00:00+02:00[Europe/Paris]",
            "2025-06-14T10:00:00+02:00[Europe/Paris]/2025-06-14T11:00:00+02:00[Europe/Paris]",
        ]
    );
}

#[test]
fn exdates_in_lists_with_tzid_and_as_dates() {
    // Daily at 18:00 Paris for 6 days from 1 June 2025. Removed: 2 June (TZID, in a list
    // with 3 June), 4 June at 16:00 UTC (= 18:00 Paris), 5 June as a date. Not removed: 6
    // June at 18:00 UTC (20:00 Paris, no instance then).
    let read = calendar(
        "BEGIN:VEVENT\nUID:g\nSUMMARY:Apéro\nDTSTART;TZID=Europe/Paris:20250601T180000\n\
         RRULE:FREQ=DAILY;COUNT=6\nEXDATE;TZID=Europe/Paris:20250602T180000,20250603T180000\n\
         EXDATE:20250604T160000Z\nEXDATE;VALUE=DATE:20250605\nEXDATE:20250606T180000Z\nEND:VEVENT\n",
    );
    assert_eq!(
        starts(
            event(&read, "g"),
            "2025-05-01T00:00:00Z",
            "2025-07-01T00:00:00Z"
        ),
        [
            "2025-06-01T18:00:00+02:00[Europe/Paris]",
            "2025-06-06T18:00:00+02:00[Europe/Paris]",
        ]
    );
}

#[test]
fn language_parameters_give_one_value_per_language() {
    let read = calendar(
        "BEGIN:VEVENT\nUID:h\nSUMMARY;LANGUAGE=en:Flea market\nSUMMARY;LANGUAGE=fr-FR:Brocante\n\
         SUMMARY;LANGUAGE=nl-BE:Rommelmarkt\nSUMMARY;LANGUAGE=en:Second English title\n\
         DESCRIPTION;LANGUAGE=en-GB:Bring cash.\nDTSTART;VALUE=DATE:20250706\nEND:VEVENT\n",
    );
    let e = event(&read, "h");
    assert_eq!(
        e.title,
        Text::fr("Brocante")
            .with(Lang::en(), "Flea market")
            .with(Lang::nl(), "Rommelmarkt")
    );
    assert_eq!(
        e.description,
        Text::default().with(Lang::en(), "Bring cash.")
    );
    assert_eq!(e.category, EventCategory::Market);
}

#[test]
fn text_escapes_are_undone_and_fields_read() {
    let read = calendar(concat!(
        "BEGIN:VEVENT\nUID:i\nSUMMARY:  Fête\\, musique\\; danse  \n",
        "DESCRIPTION:Première ligne\\nSeconde ligne\\, avec \\\\ barre\n",
        "LOCATION:Salle des fêtes\\, 1 rue de la Mairie\\, 62310 Fruges\n",
        "CATEGORIES:Concert,Famille\nURL:https://www.fruges.fr/agenda/fete\n",
        "ATTACH:https://www.fruges.fr/programme.pdf\n",
        "ATTACH;FMTTYPE=image/jpeg:https://www.fruges.fr/affiche\n",
        "STATUS:CANCELLED\nLAST-MODIFIED:20250501T120000Z\n",
        "DTSTART;TZID=Europe/Paris:20250621T200000\nDTEND;TZID=Europe/Paris:20250622T010000\n",
        "END:VEVENT\n",
    ));
    let e = event(&read, "i");
    assert_eq!(e.title, Text::fr("Fête, musique; danse"));
    assert_eq!(
        e.description,
        Text::fr("Première ligne\nSeconde ligne, avec \\ barre")
    );
    assert_eq!(
        e.place.address,
        "Salle des fêtes, 1 rue de la Mairie, 62310 Fruges"
    );
    assert_eq!(e.category, EventCategory::Concert);
    assert_eq!(e.url.as_deref(), Some("https://www.fruges.fr/agenda/fete"));
    assert_eq!(
        e.image_url.as_deref(),
        Some("https://www.fruges.fr/affiche")
    );
    assert_eq!(e.status, EventStatus::Cancelled);
    assert_eq!(e.updated, Some(ts("2025-05-01T12:00:00Z")));
    // A single event: one occurrence, ending after midnight.
    assert_eq!(
        e.timing,
        Timing::List {
            occurrences: vec![Occurrence {
                start: "2025-06-21T20:00:00+02:00[Europe/Paris]".parse().unwrap(),
                end: "2025-06-22T01:00:00+02:00[Europe/Paris]".parse().unwrap(),
                all_day: false,
                status: None,
            }]
        }
    );
}

#[test]
fn a_broken_event_is_a_problem_and_the_others_count() {
    let read = calendar(concat!(
        "BEGIN:VEVENT\nUID:bad-date\nSUMMARY:Loto\nDTSTART;VALUE=DATE:20191301\nEND:VEVENT\n",
        "BEGIN:VEVENT\nUID:bad-time\nSUMMARY:Bal\nDTSTART:20190301T250000\nEND:VEVENT\n",
        "BEGIN:VEVENT\nUID:bad-rule\nSUMMARY:Foot\nDTSTART:20190301T100000\n",
        "RRULE:FREQ=WEEKLY;BYDAY=XX\nEND:VEVENT\n",
        "BEGIN:VEVENT\nUID:no-start\nSUMMARY:Rando\nEND:VEVENT\n",
        "BEGIN:VEVENT\nUID:bad-end\nSUMMARY:Expo\nDTSTART:20190301T100000\n",
        "DTEND:20190301T090000\nEND:VEVENT\n",
        "BEGIN:VEVENT\nUID:bad-exdate\nSUMMARY:Messe\nDTSTART:20190301T100000\n",
        "RRULE:FREQ=DAILY\nEXDATE:yesterday\nEND:VEVENT\n",
        "BEGIN:VEVENT\nUID:good\nSUMMARY:Kermesse\nDTSTART;VALUE=DATE:20190301\nEND:VEVENT\n",
        "BEGIN:VEVENT\nUID:good\nSUMMARY:Kermesse again\nDTSTART;VALUE=DATE:20190302\nEND:VEVENT\n",
    ));
    assert_eq!(ids(&read), ["good"]);
    let messages: Vec<(Option<&str>, Option<&str>, &str)> = read
        .problems
        .iter()
        .map(|p| {
            (
                p.source_id.as_deref(),
                p.title.as_deref(),
                p.message.as_str(),
            )
        })
        .collect();
    assert_eq!(
        messages,
        [
            (
                Some("bad-date"),
                Some("Loto"),
                "DTSTART: \"20191301\" is not a date"
            ),
            (
                Some("bad-time"),
                Some("Bal"),
                "DTSTART: \"20190301T250000\" is not a date-time"
            ),
            (
                Some("bad-rule"),
                Some("Foot"),
                "RRULE: \"FREQ=WEEKLY;BYDAY=XX\": BYDAY=XX: \"XX\" is not a weekday (MO, TU, \
                 WE, TH, FR, SA, SU, with an optional ordinal such as 2SU or -1FR)"
            ),
            (Some("no-start"), Some("Rando"), "DTSTART is missing"),
            (
                Some("bad-end"),
                Some("Expo"),
                "DTEND: \"20190301T090000\" is before DTSTART"
            ),
            (
                Some("bad-exdate"),
                Some("Messe"),
                "EXDATE: \"yesterday\" is not a date-time"
            ),
            (
                Some("good"),
                Some("Kermesse again"),
                "UID: \"good\" is used again by the event on line 41 (the one on line 36 is kept)"
            ),
        ]
    );
}

#[test]
fn not_icalendar_files_are_refused_whole() {
    let err = read(
        b"<!DOCTYPE html>\n<html><body>Agenda</body></html>",
        "Europe/Paris",
    )
    .unwrap_err();
    assert!(
        err.0
            .starts_with("not an iCalendar file: it does not begin with BEGIN:VCALENDAR"),
        "{err}"
    );
    let err = read(b"", "Europe/Paris").unwrap_err();
    assert!(err.0.starts_with("not an iCalendar file"), "{err}");
    let cut = read(
        b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:1\r\n",
        "Europe/Paris",
    )
    .unwrap_err();
    assert!(cut.0.contains("cut short"), "{cut}");
    let zone = read(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "Mars/Olympus").unwrap_err();
    assert!(
        zone.0.contains("\"Mars/Olympus\" is not a known time zone"),
        "{zone}"
    );
    // No event at all is no error.
    assert_eq!(calendar(""), Read::default());
}

#[test]
fn events_spanning_several_days() {
    let read = calendar(concat!(
        "BEGIN:VEVENT\nUID:fete\nSUMMARY:Ducasse\nDTSTART;VALUE=DATE:20250712\n",
        "DTEND;VALUE=DATE:20250715\nEND:VEVENT\n",
        "BEGIN:VEVENT\nUID:nuit\nSUMMARY:Nuit des étoiles\nDTSTART;TZID=Europe/Paris:20250712T200000\n",
        "DTEND;TZID=Europe/Paris:20250714T020000\nEND:VEVENT\n",
        "BEGIN:VEVENT\nUID:salon\nSUMMARY:Salon\nDTSTART:20250712\nDURATION:P2D\n",
        "RRULE:FREQ=YEARLY;COUNT=2\nEND:VEVENT\n",
    ));
    // Three whole days, 12 to 14 July; a window on the 13th alone still finds it.
    let fete = event(&read, "fete");
    assert_eq!(
        spans(fete, "2025-07-13T10:00:00Z", "2025-07-13T11:00:00Z"),
        ["2025-07-12T00:00:00+02:00[Europe/Paris]/2025-07-15T00:00:00+02:00[Europe/Paris]*"]
    );
    let nuit = event(&read, "nuit");
    assert_eq!(
        spans(nuit, "2025-07-13T10:00:00Z", "2025-07-13T11:00:00Z"),
        ["2025-07-12T20:00:00+02:00[Europe/Paris]/2025-07-14T02:00:00+02:00[Europe/Paris]"]
    );
    // A recurring two-day event whose first instance began before the window.
    let salon = event(&read, "salon");
    assert_eq!(
        spans(salon, "2026-07-13T10:00:00Z", "2027-01-01T00:00:00Z"),
        ["2026-07-12T00:00:00+02:00[Europe/Paris]/2026-07-14T00:00:00+02:00[Europe/Paris]*"]
    );
}

#[test]
fn durations_are_nominal_days_and_exact_hours() {
    let read = calendar(concat!(
        "BEGIN:VEVENT\nUID:hours\nSUMMARY:Veillée\nDTSTART;TZID=Europe/Paris:20251025T220000\n",
        "DURATION:PT6H\nEND:VEVENT\n",
        "BEGIN:VEVENT\nUID:day\nSUMMARY:Relais\nDTSTART;TZID=Europe/Paris:20251025T120000\n",
        "DURATION:P1D\nEND:VEVENT\n",
        "BEGIN:VEVENT\nUID:none\nSUMMARY:Permanence\nDTSTART;TZID=Europe/Paris:20251027T090000\n",
        "END:VEVENT\n",
    ));
    // Winter time from 26 October 2025 at 03:00 summer time (01:00 UTC): six hours after
    // 22:00 summer time (20:00 UTC) is 02:00 UTC, 03:00 winter time.
    assert_eq!(
        spans(
            event(&read, "hours"),
            "2025-10-01T00:00:00Z",
            "2025-11-01T00:00:00Z"
        ),
        ["2025-10-25T22:00:00+02:00[Europe/Paris]/2025-10-26T03:00:00+01:00[Europe/Paris]"]
    );
    // One day later is the same wall-clock time, 25 hours later.
    assert_eq!(
        spans(
            event(&read, "day"),
            "2025-10-01T00:00:00Z",
            "2025-11-01T00:00:00Z"
        ),
        ["2025-10-25T12:00:00+02:00[Europe/Paris]/2025-10-26T12:00:00+01:00[Europe/Paris]"]
    );
    // Neither DTEND nor DURATION: one hour.
    assert_eq!(
        spans(
            event(&read, "none"),
            "2025-10-01T00:00:00Z",
            "2025-11-01T00:00:00Z"
        ),
        ["2025-10-27T09:00:00+01:00[Europe/Paris]/2025-10-27T10:00:00+01:00[Europe/Paris]"]
    );
}

#[test]
fn a_wall_clock_time_skipped_in_spring_moves_forward() {
    // Sundays at 02:30: on 30 March 2025 the clocks go from 02:00 to 03:00, and the
    // compatible rule gives 03:30 summer time (02:30 + the hour of the gap).
    let read = calendar(
        "BEGIN:VEVENT\nUID:j\nSUMMARY:Nuit\nDTSTART;TZID=Europe/Paris:20250323T023000\n\
         RRULE:FREQ=WEEKLY;COUNT=3\nEND:VEVENT\n",
    );
    assert_eq!(
        starts(
            event(&read, "j"),
            "2025-03-01T00:00:00Z",
            "2025-05-01T00:00:00Z"
        ),
        [
            "2025-03-23T02:30:00+01:00[Europe/Paris]",
            "2025-03-30T03:30:00+02:00[Europe/Paris]",
            "2025-04-06T02:30:00+02:00[Europe/Paris]",
        ]
    );
}

#[test]
fn a_utc_series_recurs_at_the_same_utc_time() {
    // DTSTART in UTC: 09:00 UTC each day, 10:00 in Paris before the change of 30 March
    // 2025 and 11:00 after.
    let read = calendar(
        "BEGIN:VEVENT\nUID:n\nSUMMARY:Relève\nDTSTART:20250329T090000Z\nRRULE:FREQ=DAILY;COUNT=2\n\
         END:VEVENT\n",
    );
    assert_eq!(
        starts(
            event(&read, "n"),
            "2025-03-01T00:00:00Z",
            "2025-05-01T00:00:00Z"
        ),
        [
            "2025-03-29T10:00:00+01:00[Europe/Paris]",
            "2025-03-30T11:00:00+02:00[Europe/Paris]",
        ]
    );
}

#[test]
fn tolerates_a_bom_blank_lines_lone_line_feeds_and_trailing_junk() {
    let bytes = b"\xef\xbb\xbf\r\nBEGIN:VCALENDAR\n\nbegin:vevent\nuid:o\nsummary:F\xc3\xaate\n\
                  dtstart;value=date:20250714\nend:vevent\nEND:VCALENDAR\n<!-- cache 12ms -->\n";
    let read = read(bytes, "Europe/Paris").unwrap();
    assert_eq!(read.problems, []);
    assert_eq!(event(&read, "o").title, Text::fr("Fête"));
    assert_eq!(
        spans(
            event(&read, "o"),
            "2025-07-01T00:00:00Z",
            "2025-08-01T00:00:00Z"
        ),
        ["2025-07-14T00:00:00+02:00[Europe/Paris]/2025-07-15T00:00:00+02:00[Europe/Paris]*"]
    );
}

#[test]
fn windows_and_decorated_tzids_become_iana_zones() {
    let read = calendar(concat!(
        "BEGIN:VTIMEZONE\nTZID:Custom\nX-LIC-LOCATION:Europe/Brussels\nEND:VTIMEZONE\n",
        "BEGIN:VEVENT\nUID:k1\nSUMMARY:A\nDTSTART;TZID=Romance Standard Time:20250601T100000\nEND:VEVENT\n",
        "BEGIN:VEVENT\nUID:k2\nSUMMARY:B\nDTSTART;TZID=/mozilla.org/20050126_1/Europe/London:20250601T100000\nEND:VEVENT\n",
        "BEGIN:VEVENT\nUID:k3\nSUMMARY:C\nDTSTART;TZID=\"(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna\":20250601T100000\nEND:VEVENT\n",
        "BEGIN:VEVENT\nUID:k4\nSUMMARY:D\nDTSTART;TZID=Custom:20250601T100000\nEND:VEVENT\n",
        "BEGIN:VEVENT\nUID:k5\nSUMMARY:E\nDTSTART;TZID=Nowhere:20250601T100000\nEND:VEVENT\n",
    ));
    let start = |id| {
        starts(
            event(&read, id),
            "2025-01-01T00:00:00Z",
            "2026-01-01T00:00:00Z",
        )
    };
    assert_eq!(start("k1"), ["2025-06-01T10:00:00+02:00[Europe/Paris]"]);
    assert_eq!(start("k2"), ["2025-06-01T10:00:00+01:00[Europe/London]"]);
    assert_eq!(start("k3"), ["2025-06-01T10:00:00+02:00[Europe/Amsterdam]"]);
    assert_eq!(start("k4"), ["2025-06-01T10:00:00+02:00[Europe/Brussels]"]);
    // Unknown, and no location: the calendar's zone (here the default).
    assert_eq!(start("k5"), ["2025-06-01T10:00:00+02:00[Europe/Paris]"]);
}

#[test]
fn overrides_without_their_series_are_occurrences_of_their_own() {
    let read = calendar(concat!(
        "BEGIN:VEVENT\nUID:l\nSUMMARY:Répétition\nRECURRENCE-ID;TZID=Europe/Paris:20250602T190000\n",
        "DTSTART;TZID=Europe/Paris:20250603T190000\nDTEND;TZID=Europe/Paris:20250603T210000\nEND:VEVENT\n",
        "BEGIN:VEVENT\nUID:l\nSUMMARY:Répétition\nRECURRENCE-ID;TZID=Europe/Paris:20250609T190000\n",
        "DTSTART;TZID=Europe/Paris:20250609T190000\nSTATUS:CANCELLED\nEND:VEVENT\n",
    ));
    let e = event(&read, "l");
    assert_eq!(e.status, EventStatus::Scheduled);
    assert_eq!(
        spans(e, "2025-01-01T00:00:00Z", "2026-01-01T00:00:00Z"),
        [
            "2025-06-03T19:00:00+02:00[Europe/Paris]/2025-06-03T21:00:00+02:00[Europe/Paris]",
            "2025-06-09T19:00:00+02:00[Europe/Paris]/2025-06-09T20:00:00+02:00[Europe/Paris]!",
        ]
    );
}

#[test]
fn the_later_sequence_of_an_override_wins_and_all_day_overrides_work() {
    let read = calendar(concat!(
        "BEGIN:VEVENT\nUID:m\nSUMMARY:Marché\nDTSTART;VALUE=DATE:20250601\nRRULE:FREQ=WEEKLY;COUNT=3\nEND:VEVENT\n",
        "BEGIN:VEVENT\nUID:m\nSUMMARY:Marché\nRECURRENCE-ID;VALUE=DATE:20250608\nSEQUENCE:2\n",
        "DTSTART;VALUE=DATE:20250607\nEND:VEVENT\n",
        "BEGIN:VEVENT\nUID:m\nSUMMARY:Marché\nRECURRENCE-ID;VALUE=DATE:20250608\nSEQUENCE:1\n",
        "DTSTART;VALUE=DATE:20250609\nEND:VEVENT\n",
    ));
    // Sundays 1, 8, 15 June; the 8th moved to Saturday the 7th (sequence 2 beats 1).
    assert_eq!(
        starts(
            event(&read, "m"),
            "2025-01-01T00:00:00Z",
            "2026-01-01T00:00:00Z"
        ),
        [
            "2025-06-01T00:00:00+02:00[Europe/Paris]",
            "2025-06-07T00:00:00+02:00[Europe/Paris]",
            "2025-06-15T00:00:00+02:00[Europe/Paris]",
        ]
    );
}

#[test]
fn events_without_uid_get_a_stable_id() {
    let body = "BEGIN:VEVENT\nSUMMARY:Loto\nDTSTART:20250601T140000\nEND:VEVENT\n\
                BEGIN:VEVENT\nSUMMARY:Belote\nDTSTART:20250601T140000\nEND:VEVENT\n";
    let first = calendar(body);
    let again = calendar(body);
    assert_eq!(ids(&first), ids(&again));
    assert_eq!(first.events.len(), 2);
    assert!(first.events[0].source_id.starts_with("no-uid-"));
    assert_ne!(first.events[0].source_id, first.events[1].source_id);
}

#[test]
fn a_series_survives_json_and_gives_the_same_occurrences() {
    let read = sample("daylight_saving_time.ics");
    let (from, until) = (ts("2017-01-01T00:00:00Z"), ts("2020-01-01T00:00:00Z"));
    for e in &read.events {
        let json = serde_json::to_string(&e.timing).unwrap();
        let back: Timing = serde_json::from_str(&json).unwrap();
        assert_eq!(back, e.timing, "{json}");
        assert_eq!(
            back.occurrences(from, until),
            e.timing.occurrences(from, until)
        );
    }
    let Timing::Series(series) = &event(&read, "ome5r9735mpdoo3n6lpf8oi0c4@google.com").timing
    else {
        panic!("not a series");
    };
    let json = serde_json::to_value(series).unwrap();
    assert_eq!(json["zone"], "Europe/Berlin");
    assert_eq!(json["start"], "2018-11-17T11:00:00");
    assert_eq!(json["seconds"], 4 * 3600);
    assert_eq!(
        json["rules"][0],
        "FREQ=MONTHLY;UNTIL=20190315T225959Z;BYDAY=3SA"
    );
    assert_eq!(json["overrides"][0]["of"], "2018-12-15T10:00:00Z");
    assert_eq!(json["overrides"][0]["start"], "2018-12-08T11:00:00");
}

#[test]
fn empty_and_reversed_windows_give_nothing() {
    let read = sample("one_day_event_repeat_every_day.ics");
    let e = &read.events[0];
    assert_eq!(
        occurrences(e, "2019-03-05T00:00:00Z", "2019-03-05T00:00:00Z"),
        []
    );
    assert_eq!(
        occurrences(e, "2019-04-05T00:00:00Z", "2019-03-05T00:00:00Z"),
        []
    );
    // Before the series starts.
    assert_eq!(
        occurrences(e, "2018-01-01T00:00:00Z", "2019-03-01T00:00:00Z"),
        []
    );
    // The ends of time.
    let all = e.timing.occurrences(Timestamp::MIN, Timestamp::MAX);
    assert_eq!(all.len(), crate::MAX_OCCURRENCES);
    assert_eq!(
        all[0].start.to_string(),
        "2019-03-04T00:00:00+01:00[Europe/Paris]"
    );
}

// ---- No panic, whatever the input ----

/// Rules meant to hurt: huge counts and intervals, rules that match nothing, many times a
/// day, far-away UNTILs.
const HOSTILE_RULES: &[&str] = &[
    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
    "FREQ=YEARLY;BYWEEKNO=53;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYSETPOS=-1,1,200",
    "FREQ=HOURLY;BYMINUTE=0,10,20,30,40,50;BYSECOND=0,15,30,45",
    "FREQ=HOURLY;INTERVAL=1",
    "FREQ=DAILY;COUNT=4294967295",
    "FREQ=DAILY;INTERVAL=999999999",
    "FREQ=MONTHLY;BYDAY=53MO,-53SU",
    "FREQ=WEEKLY;UNTIL=99991231T235959Z",
    "FREQ=YEARLY;UNTIL=00010101",
    "FREQ=YEARLY;BYYEARDAY=366,-366;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23",
    "FREQ=MONTHLY;BYMONTHDAY=31,-31;BYSETPOS=366,-366",
];

fn expand_all(bytes: &[u8], windows: &[(Timestamp, Timestamp)]) {
    if let Ok(read) = read(bytes, "Europe/Paris") {
        for e in &read.events {
            for &(from, until) in windows {
                let found = e.timing.occurrences(from, until);
                assert!(found.len() <= crate::MAX_OCCURRENCES);
                for o in &found {
                    assert!(o.end.timestamp() > o.start.timestamp(), "{o:?}");
                }
            }
        }
    }
}

#[test]
fn hostile_rules_and_windows_never_panic() {
    let windows = [
        (ts("2025-01-01T00:00:00Z"), ts("2026-01-01T00:00:00Z")),
        (Timestamp::MIN, Timestamp::MAX),
        (ts("9999-12-01T00:00:00Z"), Timestamp::MAX),
    ];
    for rule in HOSTILE_RULES {
        for start in [
            "DTSTART;TZID=Europe/Paris:20250330T023000",
            "DTSTART:20250101T000000Z",
            "DTSTART;VALUE=DATE:20240229",
            "DTSTART:99991231T233000",
            "DTSTART:00010101T000000",
        ] {
            let text = format!(
                "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\nSUMMARY:x\n{start}\nRRULE:{rule}\n\
                 DURATION:P9999W\nEND:VEVENT\nEND:VCALENDAR\n"
            );
            expand_all(text.as_bytes(), &windows);
        }
    }
}

#[test]
fn mutated_samples_never_panic() {
    let year = [(ts("2019-01-01T00:00:00Z"), ts("2020-01-01T00:00:00Z"))];
    const NOISE: &[u8] = b"0 9\n:;,-ZT\\\"\xc3\xff/+P";
    for name in SAMPLE_FILES {
        let file = sample_bytes(name);
        // The large sample (a read takes milliseconds unoptimised) gets fewer positions and
        // lines; the small ones every position.
        let large = file.len() > 4000;
        let (step, line_step, noises) = if large { (397, 7, 3) } else { (1, 1, 2) };
        for cut in (0..file.len()).step_by(if large { 397 } else { 7 }) {
            expand_all(&file[..cut], &year);
        }
        let line_starts: Vec<usize> = std::iter::once(0)
            .chain(
                file.iter()
                    .enumerate()
                    .filter(|(_, b)| **b == b'\n')
                    .map(|(i, _)| i + 1),
            )
            .filter(|&i| i < file.len())
            .collect();
        for (n, &begin) in line_starts.iter().enumerate().step_by(line_step) {
            let end = line_starts.get(n + 1).copied().unwrap_or(file.len());
            let mut without = file[..begin].to_vec();
            without.extend_from_slice(&file[end..]);
            expand_all(&without, &year);
        }
        for position in (0..file.len()).step_by(step) {
            for k in [0, 5, 11].into_iter().take(noises) {
                let mut flipped = file.clone();
                flipped[position] = NOISE[(position + k) % NOISE.len()];
                expand_all(&flipped, &year);
            }
        }
        // Each rule of the file replaced by each hostile one.
        let text = String::from_utf8_lossy(&file);
        for rule in HOSTILE_RULES {
            let swapped: String = text
                .lines()
                .map(|l| {
                    if l.starts_with("RRULE:") {
                        format!("RRULE:{rule}\n")
                    } else {
                        format!("{l}\n")
                    }
                })
                .collect();
            expand_all(swapped.as_bytes(), &year);
        }
    }
}

#[test]
fn a_dtstart_outside_its_rule_counts_as_the_first_of_count() {
    // RFC 5545 §3.8.5.3: DTSTART always counts as the first occurrence. A Wednesday start
    // of a Monday rule with COUNT=3: Wednesday, then two Mondays.
    let read = calendar(
        "BEGIN:VEVENT\r\nUID:c\r\nSUMMARY:Club\r\nDTSTART;TZID=Europe/Paris:20261202T100000\r\n\
         DTEND;TZID=Europe/Paris:20261202T110000\r\nRRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=3\r\nEND:VEVENT\r\n",
    );
    assert_eq!(
        starts(
            event(&read, "c"),
            "2026-11-01T00:00:00Z",
            "2027-01-31T00:00:00Z"
        ),
        [
            "2026-12-02T10:00:00+01:00[Europe/Paris]",
            "2026-12-07T10:00:00+01:00[Europe/Paris]",
            "2026-12-14T10:00:00+01:00[Europe/Paris]",
        ]
    );
}

#[test]
fn an_unknown_zone_is_read_in_the_calendars_and_said() {
    let read = calendar(
        "BEGIN:VTIMEZONE\r\nTZID:Heure de la mairie\r\nEND:VTIMEZONE\r\n\
         BEGIN:VEVENT\r\nUID:z\r\nSUMMARY:Conseil\r\nDTSTART;TZID=Heure de la mairie:20261210T200000\r\n\
         DTEND;TZID=Heure de la mairie:20261210T220000\r\nEND:VEVENT\r\n",
    );
    assert_eq!(
        starts(
            event(&read, "z"),
            "2026-12-01T00:00:00Z",
            "2026-12-31T00:00:00Z"
        ),
        ["2026-12-10T20:00:00+01:00[Europe/Paris]"]
    );
    let messages: Vec<&str> = read.problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        messages[0].starts_with("DTSTART: unknown time zone \"Heure de la mairie\"; read in the calendar's zone (Europe/Paris)"),
        "{messages:?}"
    );
    assert_eq!(read.problems[0].source_id.as_deref(), Some("z"));
}
