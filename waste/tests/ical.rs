//! The iCalendar export read back by the agenda's importer: same dates, unique UIDs, titles
//! and descriptions intact through escaping and folding; and its exact shape.

mod util;

use std::collections::BTreeSet;

use beffroi_agenda::ical::read;
use beffroi_agenda::{Read, SourceEvent};
use beffroi_protocol::data::waste::{Reminder, Stream};
use beffroi_protocol::text::{Lang, Text};
use beffroi_protocol::time::Weekday::{Fri, Mon, Sat, Sun, Thu, Tue};
use beffroi_waste::ical::{export, file_name};
use beffroi_waste::{Calendar, Rhythm, WeekParity};
use jiff::Timestamp;
use jiff::civil::Date;
use util::{calendar, d, ds, rule, weekly};

const DOMAIN: &str = "beffroi.example.fr";

fn stamp() -> Timestamp {
    "2026-11-20T08:30:00Z".parse().unwrap()
}

/// Household waste on Mondays, packaging every other (odd) Thursday, glass on the last
/// Friday, over Christmas and the new year.
fn fruges() -> Calendar {
    let mut packaging = rule(
        Stream::Packaging,
        Rhythm::EveryOtherWeek {
            days: vec![Thu],
            parity: WeekParity::Odd,
        },
    );
    packaging.note = Text::fr("Bac jaune, couvercle fermé; pas de sacs.\nMerci !")
        .with(Lang::en(), "Yellow bin, lid closed.");
    cal_with(vec![
        rule(Stream::Household, weekly(&[Mon])),
        packaging,
        rule(
            Stream::Glass,
            Rhythm::Monthly {
                nth: vec![-1],
                day: Fri,
            },
        ),
    ])
}

fn cal_with(rules: Vec<beffroi_waste::Rule>) -> Calendar {
    calendar(rules)
}

fn read_back(text: &str) -> Read {
    let read = read(text.as_bytes(), "Europe/Paris").expect("the export reads back");
    assert!(read.problems.is_empty(), "{:?}", read.problems);
    read
}

/// The one all-day date of an event read back.
fn day_of(event: &SourceEvent) -> Date {
    let from: Timestamp = "2000-01-01T00:00:00Z".parse().unwrap();
    let until: Timestamp = "2100-01-01T00:00:00Z".parse().unwrap();
    let occ = event.timing.occurrences(from, until);
    assert_eq!(occ.len(), 1, "{}: {occ:?}", event.source_id);
    assert!(occ[0].all_day, "{}", event.source_id);
    let (start, end) = (occ[0].start.datetime(), occ[0].end.datetime());
    assert_eq!(start.time(), jiff::civil::Time::midnight());
    assert_eq!(end.date(), start.date().tomorrow().unwrap());
    start.date()
}

#[test]
fn round_trips_through_the_agenda_importer() {
    let cal = fruges();
    let (from, until) = (d("2026-12-01"), d("2027-01-31"));
    let text = export(&cal, from, until, stamp(), DOMAIN);
    let read = read_back(&text);

    let mut expected: Vec<(Date, Stream)> = cal
        .collections(from, until)
        .iter()
        .flat_map(|c| c.dates.iter().map(move |x| (*x, c.stream)))
        .collect();
    expected.sort();
    assert!(expected.len() > 10, "{expected:?}");
    assert_eq!(read.events.len(), expected.len());

    let mut uids = BTreeSet::new();
    for (event, (date, stream)) in read.events.iter().zip(&expected) {
        assert_eq!(day_of(event), *date, "{}", event.source_id);
        let uid = format!(
            "62364-{}-{}@{DOMAIN}",
            stream.name(),
            date.strftime("%Y%m%d")
        );
        assert_eq!(event.source_id, uid);
        assert!(uids.insert(uid));
        let title = event.title.get(&Lang::fr()).unwrap();
        let want = match stream {
            Stream::Household => "Collecte : Ordures ménagères (bac gris)",
            Stream::Packaging => "Collecte : Emballages et papiers (bac jaune)",
            Stream::Glass => "Collecte : Verre (verre)",
            other => panic!("{other:?}"),
        };
        assert_eq!(title, want);
        assert_eq!(event.updated, None);
    }
    // Shifted dates come back as shifted (Christmas, the last Friday, on Saturday); weeks 53
    // and 1 both have packaging.
    let days = |s: Stream| -> Vec<Date> {
        expected
            .iter()
            .filter(|(_, x)| *x == s)
            .map(|(x, _)| *x)
            .collect()
    };
    assert_eq!(days(Stream::Glass), ds(&["2026-12-26", "2027-01-29"]));
    assert!(days(Stream::Packaging).contains(&d("2026-12-31")));
    assert!(days(Stream::Packaging).contains(&d("2027-01-07")));
}

#[test]
fn notes_keep_commas_semicolons_and_line_breaks() {
    let cal = fruges();
    let text = export(&cal, d("2026-12-01"), d("2026-12-31"), stamp(), DOMAIN);
    assert!(
        text.contains("Bac jaune\\, couvercle fermé\\; pas de sacs.\\nMerci !"),
        "{text}"
    );
    let read = read_back(&text);
    let packaging = read
        .events
        .iter()
        .find(|e| e.source_id.contains("-packaging-"))
        .unwrap();
    assert_eq!(
        packaging.description.get(&Lang::fr()),
        Some(
            "Bac jaune, couvercle fermé; pas de sacs.\nMerci !\nSortez votre bac la veille au soir."
        )
    );
    let household = read
        .events
        .iter()
        .find(|e| e.source_id.contains("-household-"))
        .unwrap();
    assert_eq!(
        household.description.get(&Lang::fr()),
        Some("Sortez votre bac la veille au soir.")
    );
}

#[test]
fn long_accented_text_is_folded_at_75_octets_without_splitting_characters() {
    let mut r = rule(Stream::GreenWaste, weekly(&[Tue]));
    // Two-octet letters first: the first fold, at an odd octet, falls inside one.
    let note = "àéèêëîïôöùûüç ".repeat(4)
        + &"Déchets verts : tontes, branchages (diamètre ≤ 10 cm), feuilles ; \
                fagots liés, longueur ≤ 1,50 m — pas de souches ni de terre. \
                Collecte assurée par l'équipe «Espaces verts» de la Communauté de communes. "
            .repeat(3);
    r.note = Text::fr(note.trim());
    let mut cal = cal_with(vec![r]);
    cal.name = "Saint-Michel-sous-Bois, Créquy; et Hézecques".into();
    let text = export(&cal, d("2026-06-01"), d("2026-06-30"), stamp(), DOMAIN);

    assert!(text.ends_with("END:VCALENDAR\r\n"));
    let mut folded = 0;
    for line in text.split_terminator("\r\n") {
        assert!(line.len() <= 75, "{} octets: {line}", line.len());
        assert!(!line.contains('\n') && !line.contains('\r'), "{line:?}");
        if line.starts_with(' ') {
            folded += 1;
        }
    }
    assert!(folded > 10, "{folded}");
    // Folding cut no character: every physical line is UTF-8 on its own (the text is a
    // `String`, so it is enough that no line boundary falls inside a character).
    for (i, _) in text.match_indices("\r\n ") {
        assert!(text.is_char_boundary(i) && text.is_char_boundary(i + 3));
    }
    let unfolded = text.replace("\r\n ", "");
    assert!(unfolded.contains(
        "X-WR-CALNAME:Collectes des déchets – Saint-Michel-sous-Bois\\, Créquy\\; et Hézecques\r\n"
    ));

    let read = read_back(&text);
    assert_eq!(read.events.len(), 5);
    for event in &read.events {
        assert_eq!(
            event.description.get(&Lang::fr()).unwrap(),
            format!("{}\nSortez votre bac la veille au soir.", note.trim())
        );
        assert_eq!(
            event.title.get(&Lang::fr()),
            Some("Collecte : Déchets verts (déchets verts)")
        );
    }
}

#[test]
fn exact_shape_of_one_event() {
    let mut r = rule(
        Stream::Packaging,
        Rhythm::Dates {
            dates: ds(&["2026-12-03"]),
        },
    );
    r.note = Text::fr("Poignée côté rue.");
    let cal = cal_with(vec![r]);
    let text = export(&cal, d("2026-12-01"), d("2026-12-31"), stamp(), DOMAIN);
    let expected = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Beffroi//Collectes//FR",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Collectes des déchets – Fruges",
        "X-WR-TIMEZONE:Europe/Paris",
        "REFRESH-INTERVAL;VALUE=DURATION:P1D",
        "X-PUBLISHED-TTL:P1D",
        "BEGIN:VEVENT",
        "UID:62364-packaging-20261203@beffroi.example.fr",
        "DTSTAMP:20261120T083000Z",
        "DTSTART;VALUE=DATE:20261203",
        "DTEND;VALUE=DATE:20261204",
        "SUMMARY:Collecte : Emballages et papiers (bac jaune)",
        "DESCRIPTION:Poignée côté rue.\\nSortez votre bac la veille au soir.",
        "CATEGORIES:Collecte des déchets,Emballages et papiers",
        "TRANSP:TRANSPARENT",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "DESCRIPTION:Demain : Collecte : Emballages et papiers (bac jaune). Sortez v",
        " otre bac la veille au soir.",
        "TRIGGER:-PT7H",
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
    ];
    let got: Vec<&str> = text.split_terminator("\r\n").collect();
    assert_eq!(got, expected);
    // Same rules, same stamp: same bytes.
    assert_eq!(
        export(&cal, d("2026-12-01"), d("2026-12-31"), stamp(), DOMAIN),
        text
    );
}

#[test]
fn the_alarm_rings_at_the_start_of_the_reminder_window() {
    let mut cal = cal_with(vec![rule(Stream::Household, weekly(&[Mon]))]);
    for (start, trigger) in [
        ("17:00", "TRIGGER:-PT7H\r\n"),
        ("18:30", "TRIGGER:-PT5H30M\r\n"),
        ("20:00", "TRIGGER:-PT4H\r\n"),
        ("00:00", "TRIGGER:-PT24H\r\n"),
    ] {
        cal.reminder = Reminder {
            start: start.parse().unwrap(),
            end: "23:59".parse().unwrap(),
        };
        let text = export(&cal, d("2026-03-23"), d("2026-04-05"), stamp(), DOMAIN);
        assert_eq!(text.matches(trigger).count(), 2, "{start}: {text}");
    }
}

#[test]
fn dates_across_daylight_saving_changes_come_back_unchanged() {
    let cal = cal_with(vec![rule(Stream::Household, weekly(&[Sat, Sun, Mon]))]);
    for (from, until) in [("2026-03-27", "2026-03-31"), ("2026-10-23", "2026-10-27")] {
        let text = export(&cal, d(from), d(until), stamp(), DOMAIN);
        let got: Vec<Date> = read_back(&text).events.iter().map(day_of).collect();
        assert_eq!(got, dates_of(&cal, from, until));
        assert_eq!(got.len(), 3);
    }
}

fn dates_of(cal: &Calendar, from: &str, until: &str) -> Vec<Date> {
    util::dates(cal, Stream::Household, from, until)
}

#[test]
fn other_streams_have_no_bin_words_and_an_empty_range_is_still_a_calendar() {
    let cal = cal_with(vec![
        rule(Stream::Other, weekly(&[Tue])),
        rule(
            Stream::Bulky,
            Rhythm::Dates {
                dates: ds(&["2026-12-02"]),
            },
        ),
        rule(Stream::Biowaste, weekly(&[Tue])),
    ]);
    let text = export(&cal, d("2026-12-01"), d("2026-12-02"), stamp(), DOMAIN);
    let read = read_back(&text);
    let titles: Vec<&str> = read
        .events
        .iter()
        .map(|e| e.title.get(&Lang::fr()).unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Collecte : Biodéchets (bac marron)",
            "Collecte : Autres déchets",
            "Collecte : Encombrants (encombrants)",
        ]
    );
    let empty = export(&cal, d("2026-12-03"), d("2026-12-07"), stamp(), DOMAIN);
    assert!(!empty.contains("BEGIN:VEVENT"));
    assert!(read_back(&empty).events.is_empty());
}

#[test]
fn a_year_of_events_has_unique_uids() {
    let cal = cal_with(vec![
        rule(Stream::Household, weekly(&[Mon, Thu])),
        rule(Stream::Packaging, weekly(&[Thu])),
    ]);
    let text = export(&cal, d("2026-01-01"), d("2026-12-31"), stamp(), DOMAIN);
    let read = read_back(&text);
    let uids: BTreeSet<&str> = read.events.iter().map(|e| e.source_id.as_str()).collect();
    assert_eq!(uids.len(), read.events.len());
    assert!(read.events.len() > 150);
}

#[test]
fn file_names_are_ascii_slugs() {
    let mut cal = cal_with(Vec::new());
    for (name, file) in [
        ("Fruges", "collectes-fruges.ics"),
        ("Saint-Rémy-au-Bois", "collectes-saint-remy-au-bois.ics"),
        ("Œuf-en-Ternois", "collectes-oeuf-en-ternois.ics"),
        ("  L'Écluse (Ancien)  ", "collectes-l-ecluse-ancien.ics"),
        ("—", "collectes-62364.ics"),
    ] {
        cal.name = name.into();
        assert_eq!(file_name(&cal), file, "{name}");
    }
}

#[test]
fn a_sunday_holiday_exports_the_shifted_day() {
    let cal = cal_with(vec![rule(Stream::Glass, weekly(&[Sun, Tue]))]);
    let text = export(&cal, d("2026-11-01"), d("2026-11-03"), stamp(), DOMAIN);
    let got: Vec<Date> = read_back(&text).events.iter().map(day_of).collect();
    // All Saints (Sunday 1 November) moves to Monday 2 November.
    assert_eq!(got, ds(&["2026-11-02", "2026-11-03"]));
}
