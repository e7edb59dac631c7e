//! Schedule evaluation: priorities, defaults, resume after reboot, data skipping,
//! transitions, alerts and power, and the exactness of `next_change_after`.

mod common;

use beffroi_protocol::alert::{Alert, Severity};
use beffroi_protocol::data::DataSets;
use beffroi_protocol::data::news::{NewsData, NewsItem, NewsSource, NewsSourceKind};
use beffroi_protocol::eval::{Evaluator, Program, Source};
use beffroi_protocol::manifest::Manifest;
use beffroi_protocol::playlist::TransitionKind;
use beffroi_protocol::text::Text;
use beffroi_protocol::validate::Validate;
use common::*;
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;

fn showing(p: &Program, zone: &str) -> Option<(String, String, usize)> {
    let z = p.zones.iter().find(|z| z.zone == zone)?;
    z.showing
        .as_ref()
        .map(|s| (s.playlist.clone(), s.item.clone(), s.index))
}

fn news(id: &str, from: &str, until: &str) -> NewsItem {
    NewsItem {
        id: id.into(),
        title: Text::fr(id),
        text: Text::default(),
        image: None,
        valid_from: Some(ts(from)),
        valid_until: Some(ts(until)),
        communes: vec![],
        source: NewsSource {
            kind: NewsSourceKind::Officer,
            name: "Mairie".into(),
            url: None,
        },
        published_at: None,
        link: None,
    }
}

fn event(id: &str, start: &str, end: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id, "source": {"kind": "officer", "source_id": id}, "title": {"fr": id},
        "start": start, "end": end,
        "location": {"name": "Salle", "address": "Fruges", "commune": "62364"}
    })
}

fn reminder(id: &str, ms: u32) -> beffroi_protocol::playlist::Item {
    beffroi_protocol::playlist::Item {
        id: id.into(),
        duration_ms: ms,
        transition: Default::default(),
        content: beffroi_protocol::playlist::Content::Waste {
            prompt: beffroi_protocol::playlist::WastePrompt::Reminder,
            commune: None,
        },
    }
}

/// Main zone: a default playlist and a morning entry; ticker: news ticker (data-driven) with a
/// night text entry crossing midnight.
fn town_hall() -> (Manifest, DataSets) {
    let m = manifest(
        "town-hall",
        "Europe/Paris",
        vec![
            playlist(
                "jour",
                vec![
                    slide("a", 7_000),
                    faded("b", 11_000, 1_000),
                    slide("c", 13_000),
                ],
            ),
            playlist("matin", vec![faded("m1", 5_000, 2_000), slide("m2", 9_000)]),
            playlist("titres", vec![news_ticker("t", 20_000)]),
            playlist("nuit", vec![slide("n", 60_000)]),
            playlist("heure", vec![slide("h", 60_000)]),
            playlist(
                "cote",
                vec![
                    agenda("semaine", 15_000, 7),
                    reminder("bac", 10_000),
                    slide("logo", 5_000),
                ],
            ),
        ],
        &[
            ("main", "jour"),
            ("ticker", "titres"),
            ("clock", "heure"),
            ("side", "cote"),
        ],
        vec![
            entry("matin", "main", "matin", 5, window("02:30", "03:30")),
            entry("repli", "main", "jour", 1, window("02:15", "02:45")),
            entry("nuit", "ticker", "nuit", 1, window("23:00", "01:00")),
        ],
    );
    m.check().unwrap();
    let data = DataSets {
        news: Some(NewsData {
            items: vec![
                news("n1", "2026-10-24T10:00:07Z", "2026-10-25T01:30:13Z"),
                news("n2", "2026-10-25T05:00:01Z", "2026-10-25T21:00:00Z"),
                news("n3", "2026-03-28T10:00:07Z", "2026-03-29T09:30:11Z"),
            ],
        }),
        events: Some(
            serde_json::from_value(serde_json::json!({"events": [
                event("concert", "2026-10-31T17:00:03+01:00[Europe/Paris]", "2026-10-31T19:00:00+01:00[Europe/Paris]"),
                event("bourse", "2026-10-24T09:00:00+02:00[Europe/Paris]", "2026-10-24T12:30:17+02:00[Europe/Paris]"),
                event("marche", "2026-04-04T08:00:11+02:00[Europe/Paris]", "2026-04-04T12:00:00+02:00[Europe/Paris]"),
            ]}))
            .unwrap(),
        ),
        waste: Some(
            serde_json::from_value(serde_json::json!({"communes": [{
                "commune": "62364", "name": "Fruges",
                "streams": [{"stream": "packaging", "dates": ["2026-03-30", "2026-10-26"]},
                            {"stream": "glass", "dates": ["2026-10-25"]}],
                "reminder": {"start": "17:00", "end": "23:00"}
            }]}))
            .unwrap(),
        ),
        ..DataSets::default()
    };
    (m, data)
}

/// Scans every second of `[from, from + hours)` and checks that the program changes exactly
/// at the instants `next_change_after` returns, and nowhere else.
fn assert_changes_exact(m: &Manifest, data: &DataSets, from: &str, hours: i64) {
    let ev = Evaluator::new(m, data);
    let start = ts(from);
    let end = start + SignedDuration::from_hours(hours);
    let mut predicted = std::collections::BTreeSet::new();
    let mut x = start;
    while let Some(c) = ev.next_change_after(x).filter(|c| *c < end) {
        assert!(c > x);
        predicted.insert(c);
        x = c;
    }
    let mut observed = std::collections::BTreeSet::new();
    let mut prev = ev.program_at(start);
    let mut t = start + SignedDuration::from_secs(1);
    while t < end {
        let p = ev.program_at(t);
        if p != prev {
            observed.insert(t);
        }
        prev = p;
        t += SignedDuration::from_secs(1);
    }
    let missed: Vec<_> = observed.difference(&predicted).take(5).collect();
    let spurious: Vec<_> = predicted.difference(&observed).take(5).collect();
    assert!(
        missed.is_empty() && spurious.is_empty(),
        "missed {missed:?}, spurious {spurious:?}"
    );
    assert!(
        observed.len() > 1000,
        "the scenario should change often ({})",
        observed.len()
    );
}

#[test]
fn next_change_is_exact_over_two_days_around_fall_back() {
    let (mut m, data) = town_hall();
    m.alerts.push(Alert {
        id: "vent".into(),
        revision: 1,
        severity: Severity::Warning,
        title: Text::fr("Vent violent"),
        message: Text::fr("Évitez la forêt"),
        starts_at: ts("2026-10-25T02:10:09Z"),
        expires_at: ts("2026-10-25T04:00:00Z"),
        cancelled: false,
    });
    m.power.on = vec![window("06:30", "23:30")];
    assert_changes_exact(&m, &data, "2026-10-24T00:00:00Z", 48);
}

#[test]
fn next_change_is_exact_over_two_days_around_spring_forward() {
    let (m, data) = town_hall();
    assert_changes_exact(&m, &data, "2026-03-28T00:00:00Z", 48);
}

#[test]
fn next_change_is_exact_in_sydney_and_new_york() {
    let (mut m, data) = town_hall();
    m.screen.time_zone = "Australia/Sydney".parse().unwrap();
    assert_changes_exact(&m, &data, "2026-10-03T00:00:00Z", 48);
    m.screen.time_zone = "America/New_York".parse().unwrap();
    assert_changes_exact(&m, &data, "2026-10-31T12:00:00Z", 48);
}

#[test]
fn highest_priority_wins_and_ties_go_to_the_first_listed() {
    let (mut m, data) = town_hall();
    let ev = Evaluator::new(&m, &data);
    // 02:35 Paris on an ordinary day: both entries match; "matin" has the higher priority.
    let t = ts("2026-11-10T01:35:00Z");
    let p = ev.program_at(t);
    assert_eq!(
        p.zones[0].showing.as_ref().unwrap().source,
        Source::Schedule("matin".into())
    );
    m.schedule[1].priority = 5;
    m.schedule.swap(0, 1);
    let p = Evaluator::new(&m, &data).program_at(t);
    assert_eq!(
        p.zones[0].showing.as_ref().unwrap().source,
        Source::Schedule("repli".into())
    );
    // Nothing active: the default playlist.
    let p = Evaluator::new(&m, &data).program_at(ts("2026-11-10T10:00:00Z"));
    assert_eq!(p.zones[0].showing.as_ref().unwrap().source, Source::Default);
}

#[test]
fn position_is_anchored_at_the_window_start_and_at_local_midnight() {
    let (m, data) = town_hall();
    let ev = Evaluator::new(&m, &data);
    // "matin" starts 02:30 Paris (01:30 UTC in winter); cycle 5 s + 9 s = 14 s.
    // 100 s later: 7 cycles (98 s) + 2 s -> first item.
    assert_eq!(
        showing(&ev.program_at(ts("2026-11-10T01:31:40Z")), "main")
            .unwrap()
            .1,
        "m1"
    );
    // 106 s: 98 + 8 -> second item.
    assert_eq!(
        showing(&ev.program_at(ts("2026-11-10T01:31:46Z")), "main")
            .unwrap()
            .1,
        "m2"
    );
    // Default playlist from local midnight (23:00 UTC the day before); cycle 31 s.
    // 10:00:00 Paris = 36000 s = 1161 cycles (35991 s) + 9 s -> "b" (7..18 s).
    assert_eq!(
        showing(&ev.program_at(ts("2026-11-10T09:00:00Z")), "main")
            .unwrap()
            .1,
        "b"
    );
}

/// The position an independent, naive walker finds: item after item from the anchor.
fn walk(durations: &[u32], anchor: Timestamp, t: Timestamp) -> usize {
    let mut x = anchor;
    let mut i = 0;
    loop {
        let end = x + SignedDuration::from_millis(i64::from(durations[i]));
        if t < end {
            return i;
        }
        x = end;
        i = (i + 1) % durations.len();
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// A screen rebooted at any instant shows what it would have shown had it never stopped.
    #[test]
    fn playlist_position_resumes_at_any_instant(
        durations in prop::collection::vec(1_000u32..40_000, 1..6),
        offset_s in 0i64..86_400 * 3,
        start_min in 0u16..1380,
    ) {
        let items = durations.iter().enumerate().map(|(i, d)| slide(&format!("i{i}"), *d)).collect();
        let start = format!("{:02}:{:02}", start_min / 60, start_min % 60);
        let m = manifest(
            "fullscreen", "Europe/Paris",
            vec![playlist("p", items), playlist("d", vec![slide("x", 1_000)])],
            &[("main", "d")],
            vec![entry("e", "main", "p", 0, window(&start, "23:59"))],
        );
        let data = no_data();
        let t = ts("2026-10-23T00:00:00Z") + SignedDuration::from_secs(offset_s);
        let ev = Evaluator::new(&m, &data);
        let p = ev.program_at(t);
        let tz = ev.time_zone().clone();
        let z = t.to_zoned_datetime(tz.clone());
        let anchor = z.date().at((start_min / 60) as i8, (start_min % 60) as i8, 0, 0).to_zoned_datetime(tz).unwrap().timestamp();
        let local_min = i32::from(z.hour()) * 60 + i32::from(z.minute());
        let inside = (i32::from(start_min)..23 * 60 + 59).contains(&local_min);
        // On the fall-back day a start in the repeated hour anchors at its first occurrence.
        let expected = (inside && anchor <= t).then(|| walk(&durations, anchor, t));
        let got = p.zones[0].showing.as_ref().filter(|s| s.playlist == "p").map(|s| s.index);
        prop_assert_eq!(got, expected);
    }
}

#[test]
fn data_items_with_nothing_to_show_are_skipped() {
    let (m, data) = town_hall();
    let ev = Evaluator::new(&m, &data);
    // n1 valid until 01:30:13Z on the 25th, n2 from 05:00:01Z: the ticker zone is empty between.
    assert!(showing(&ev.program_at(ts("2026-10-25T03:00:00Z")), "ticker").is_none());
    assert_eq!(
        showing(&ev.program_at(ts("2026-10-25T05:00:01Z")), "ticker")
            .unwrap()
            .0,
        "titres"
    );
    // The first change of the ticker zone after 04:59 is exactly when n2 becomes valid.
    let mut x = ts("2026-10-25T04:59:00Z");
    let ticker_changed = loop {
        let c = ev.next_change_after(x).unwrap();
        if showing(&ev.program_at(c), "ticker").is_some() {
            break c;
        }
        x = c;
    };
    assert_eq!(ticker_changed, ts("2026-10-25T05:00:01Z"));
    // The evening-before reminder joins the side rotation only on the evening before a
    // collection (glass on Sunday 25, bac jaune on Monday 26 October).
    let shows_reminder = |from: &str| {
        (0..120).any(|k| {
            let t = ts(from) + SignedDuration::from_secs(10 * k);
            showing(&ev.program_at(t), "side").is_some_and(|s| s.1 == "bac")
        })
    };
    assert!(
        shows_reminder("2026-10-24T16:00:00Z"),
        "Saturday evening, glass on Sunday"
    );
    assert!(
        shows_reminder("2026-10-25T17:00:00Z"),
        "Sunday evening, bac jaune on Monday"
    );
    assert!(
        !shows_reminder("2026-10-23T16:00:00Z"),
        "Friday evening, nothing on Saturday"
    );
    assert!(
        !shows_reminder("2026-10-25T12:00:00Z"),
        "Sunday afternoon, before the window"
    );
    // An agenda with no event this week is skipped inside a playlist.
    let m2 = manifest(
        "fullscreen",
        "Europe/Paris",
        vec![playlist(
            "p",
            vec![
                slide("a", 5_000),
                agenda("agenda", 5_000, 7),
                slide("c", 5_000),
            ],
        )],
        &[("main", "p")],
        vec![],
    );
    let data = no_data();
    let ev = Evaluator::new(&m2, &data);
    let midnight = ts("2026-11-09T23:00:00Z");
    let items: Vec<String> = (0..6)
        .map(|k| {
            showing(
                &ev.program_at(midnight + SignedDuration::from_secs(5 * k)),
                "main",
            )
            .unwrap()
            .1
        })
        .collect();
    assert_eq!(items, ["a", "c", "a", "c", "a", "c"]);
}

#[test]
fn transition_progress_runs_from_the_previous_item() {
    let (m, data) = town_hall();
    let ev = Evaluator::new(&m, &data);
    // Default playlist at 10:00:00 Paris is 9 s into the cycle: "b" began at +7 s, fading 1 s.
    let t = ts("2026-11-10T09:00:00Z") - SignedDuration::from_millis(2_000 - 500);
    let s = ev.state_at(t);
    let tr = s.progress[0].transition.as_ref().expect("fading in");
    assert_eq!(tr.kind, TransitionKind::Fade);
    assert_eq!(tr.linear_permille, 500);
    assert_eq!(tr.eased_permille, 500);
    assert_eq!(tr.from.as_ref().unwrap().item, "a");
    assert_eq!(s.progress[0].elapsed_ms, 500);
    // After the fade: no transition, elapsed keeps counting.
    let s = ev.state_at(t + SignedDuration::from_millis(700));
    assert!(s.progress[0].transition.is_none());
    assert_eq!(s.progress[0].elapsed_ms, 1_200);
}

#[test]
fn switching_entry_mid_item_fades_from_what_was_shown() {
    let (m, data) = town_hall();
    let ev = Evaluator::new(&m, &data);
    // At 02:30 Paris the "matin" entry takes over from "repli"; its first item fades for 2 s.
    let t = ts("2026-11-10T01:30:01Z");
    let s = ev.state_at(t);
    let tr = s.progress[0].transition.as_ref().unwrap();
    assert_eq!(tr.started, ts("2026-11-10T01:30:00Z"));
    assert_eq!(tr.linear_permille, 500);
    assert_eq!(
        tr.from.as_ref().unwrap().source,
        Source::Schedule("repli".into())
    );
}

#[test]
fn alert_overrides_and_lights_a_dark_screen() {
    let (mut m, data) = town_hall();
    m.power.on = vec![window("08:00", "20:00")];
    let night = ts("2026-12-02T02:00:00Z");
    assert!(!Evaluator::new(&m, &data).program_at(night).display_on);
    m.alerts = fixture().alerts;
    let p = Evaluator::new(&m, &data).program_at(ts("2026-12-02T06:30:00Z"));
    assert!(p.display_on);
    assert_eq!(p.alert.as_ref().unwrap().id, "crue-2026-12");
    m.alerts[0].cancelled = true;
    let p = Evaluator::new(&m, &data).program_at(ts("2026-12-02T06:30:00Z"));
    assert!(p.alert.is_none() && !p.display_on);
}

#[test]
fn state_round_trips_through_json() {
    let (m, data) = town_hall();
    let ev = Evaluator::new(&m, &data);
    for t in [
        "2026-11-10T01:30:01Z",
        "2026-10-25T03:00:00Z",
        "2026-11-10T09:00:00Z",
    ] {
        let state = ev.state_at(ts(t));
        let json = serde_json::to_string(&state).unwrap();
        let back: beffroi_protocol::eval::State = serde_json::from_str(&json).unwrap();
        assert_eq!(back, state);
    }
}

/// Where an independent walker finds a playlist of clocks and news tickers at `t`: item after
/// item from the anchor, a news ticker shown only if some news is valid when it would begin,
/// waiting for the next news change when nothing can be shown.
fn walk_with_news(
    items: &[(bool, u32)],
    news: &[(i64, i64)],
    anchor: Timestamp,
    t: Timestamp,
) -> Option<usize> {
    let at = |s: i64| anchor + SignedDuration::from_secs(s);
    let valid = |x: Timestamp| news.iter().any(|(a, b)| at(*a) <= x && x < at(*b));
    let next_change = |x: Timestamp| {
        news.iter()
            .flat_map(|(a, b)| [at(*a), at(*b)])
            .filter(|c| *c > x)
            .min()
    };
    let n = items.len();
    let (mut x, mut next) = (anchor, 0);
    loop {
        match (0..n)
            .map(|k| (next + k) % n)
            .find(|&k| !items[k].0 || valid(x))
        {
            None => match next_change(x) {
                Some(c) if c <= t => x = c,
                _ => return None,
            },
            Some(k) => {
                let end = x + SignedDuration::from_millis(i64::from(items[k].1));
                if t < end {
                    return Some(k);
                }
                x = end;
                next = (k + 1) % n;
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Skipping data items with nothing to show agrees with the walker, including when a data
    /// change falls exactly on an item boundary (whole seconds make that frequent).
    #[test]
    fn skipping_matches_a_naive_walker(
        items in prop::collection::vec((any::<bool>(), 1u32..6), 1..5),
        news_spans in prop::collection::vec((0i64..120, 1i64..60), 0..3),
    ) {
        let items: Vec<(bool, u32)> = items.into_iter().map(|(n, s)| (n, s * 1000)).collect();
        let news_spans: Vec<(i64, i64)> = news_spans.into_iter().map(|(a, l)| (a, a + l)).collect();
        let anchor = ts("2026-11-09T23:00:00Z");
        let playlist_items = items
            .iter()
            .enumerate()
            .map(|(i, (is_news, ms))| if *is_news { news_ticker(&format!("i{i}"), *ms) } else { slide(&format!("i{i}"), *ms) })
            .collect();
        let m = manifest("fullscreen", "Europe/Paris", vec![playlist("p", playlist_items)], &[("main", "p")], vec![]);
        let at = |s: i64| (anchor + SignedDuration::from_secs(s)).to_string();
        let data = DataSets {
            news: Some(NewsData { items: news_spans.iter().enumerate().map(|(i, (a, b))| news(&format!("n{i}"), &at(*a), &at(*b))).collect() }),
            ..DataSets::default()
        };
        let ev = Evaluator::new(&m, &data);
        for half_seconds in 0..400 {
            let t = anchor + SignedDuration::from_millis(500 * half_seconds);
            let got = ev.program_at(t).zones[0].showing.as_ref().map(|s| s.index);
            prop_assert_eq!(got, walk_with_news(&items, &news_spans, anchor, t), "at +{} ms", 500 * half_seconds);
        }
    }
}

#[test]
fn regression_news_item_is_not_shown_after_expiring_on_a_cycle_boundary() {
    // Cycle 30 s from midnight; the news expires at 18:00, a whole number of cycles later.
    let m = manifest(
        "fullscreen",
        "Europe/Paris",
        vec![playlist(
            "p",
            vec![news_ticker("ticker", 15_000), slide("clock", 15_000)],
        )],
        &[("main", "p")],
        vec![],
    );
    let data = DataSets {
        news: Some(NewsData {
            items: vec![news("n", "2026-11-10T06:00:00Z", "2026-11-10T17:00:00Z")],
        }),
        ..DataSets::default()
    };
    let ev = Evaluator::new(&m, &data);
    assert_eq!(
        showing(&ev.program_at(ts("2026-11-10T16:59:59Z")), "main")
            .unwrap()
            .1,
        "clock"
    );
    assert_eq!(
        showing(&ev.program_at(ts("2026-11-10T17:00:05Z")), "main")
            .unwrap()
            .1,
        "clock"
    );
}

#[test]
fn evaluation_near_the_end_of_time_neither_hangs_nor_panics() {
    let mut m = manifest(
        "fullscreen",
        "UTC",
        vec![playlist(
            "p",
            vec![slide("long", 4_000_000_000), agenda("agenda", 10_000, 7)],
        )],
        &[("main", "p")],
        vec![],
    );
    m.schedule
        .push(entry("late", "main", "p", 1, window("23:00", "01:00")));
    let data = DataSets {
        events: Some(serde_json::from_value(serde_json::json!({"events": [event("e", "9999-12-30T10:00:00+00:00[UTC]", "9999-12-30T12:00:00+00:00[UTC]")]})).unwrap()),
        ..DataSets::default()
    };
    let ev = Evaluator::new(&m, &data);
    for t in [
        "9999-12-27T12:00:00Z",
        "9999-12-30T21:59:59Z",
        "-009999-01-03T00:00:00Z",
    ] {
        let _ = ev.state_at(ts(t));
        let _ = ev.next_change_after(ts(t));
    }
}

#[test]
fn zone_appearing_from_nothing_fades_in_from_its_background() {
    let (m, data) = town_hall();
    let ev = Evaluator::new(&m, &data);
    // The ticker zone is empty until n2 becomes valid at 05:00:01Z; give its item a fade.
    let mut m2 = m.clone();
    m2.playlists[2].items[0].transition = beffroi_protocol::playlist::Transition::fade(2_000);
    let ev2 = Evaluator::new(&m2, &data);
    assert!(showing(&ev.program_at(ts("2026-10-25T05:00:00Z")), "ticker").is_none());
    let s = ev2.state_at(ts("2026-10-25T05:00:02Z"));
    let tr = s.progress[2].transition.as_ref().expect("fading in");
    assert_eq!(tr.from, None);
    assert_eq!(tr.started, ts("2026-10-25T05:00:01Z"));
    assert_eq!(tr.linear_permille, 500);
}

#[test]
fn data_change_in_the_middle_of_an_item_lets_it_finish() {
    let (m, data) = town_hall();
    let ev = Evaluator::new(&m, &data);
    // n1 expires at 01:30:13Z while the ticker item (20 s) that began before keeps playing.
    let before = ev.state_at(ts("2026-10-25T01:30:12Z"));
    let ticker_started = before.progress[2].item_started.unwrap();
    let after = ev.program_at(ts("2026-10-25T01:30:14Z"));
    if ticker_started + SignedDuration::from_secs(20) > ts("2026-10-25T01:30:14Z") {
        assert_eq!(
            showing(&after, "ticker"),
            showing(&before.program, "ticker")
        );
    }
}
