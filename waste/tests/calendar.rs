//! Rules expanded into collection dates: public holidays and their shifts, year ends, ISO
//! week 53, monthly and listed dates, validity, cancelled and added dates, seasons, merging,
//! and daylight-saving weekends.

mod util;

use beffroi_protocol::data::waste::Stream;
use beffroi_protocol::text::Text;
use beffroi_protocol::time::Weekday::{Fri, Mon, Sat, Sun, Thu, Tue, Wed};
use beffroi_waste::holidays::holiday_on;
use beffroi_waste::{Holiday, MonthDay, Notice, Planned, Rhythm, Season, Shift, WeekParity, Why};
use jiff::civil::Date;
use util::{calendar, d, dates, ds, planned_on, rule, shifted, weekly};

fn holiday(h: Holiday) -> Option<Why> {
    Some(Why::Holiday { holiday: h })
}

fn season(from: &str, until: &str) -> Option<Season> {
    Some(Season {
        from: from.parse().unwrap(),
        until: until.parse().unwrap(),
    })
}

// Public holidays.

#[test]
fn easter_monday_moves_to_tuesday() {
    let cal = calendar(vec![rule(Stream::Household, weekly(&[Mon]))]);
    assert_eq!(
        dates(&cal, Stream::Household, "2026-03-30", "2026-04-19"),
        ds(&["2026-03-30", "2026-04-07", "2026-04-13"])
    );
    let plan = cal.plan(d("2026-03-30"), d("2026-04-19"));
    assert_eq!(
        planned_on(&plan, 0, "2026-04-06"),
        Planned {
            stream: Stream::Household,
            planned: d("2026-04-06"),
            date: Some(d("2026-04-07")),
            why: holiday(Holiday::EasterMonday),
            rule: 0,
        }
    );
    assert_eq!(planned_on(&plan, 0, "2026-03-30").why, None);
}

#[test]
fn ascension_thursday_moves_to_friday() {
    let cal = calendar(vec![rule(Stream::Packaging, weekly(&[Thu]))]);
    assert_eq!(
        dates(&cal, Stream::Packaging, "2026-05-11", "2026-05-24"),
        ds(&["2026-05-15", "2026-05-21"])
    );
}

#[test]
fn whit_monday_brought_forward_to_saturday_over_the_sunday() {
    let cal = calendar(vec![shifted(
        rule(Stream::Household, weekly(&[Mon])),
        Shift::PreviousDay,
    )]);
    assert_eq!(
        dates(&cal, Stream::Household, "2026-05-18", "2026-05-31"),
        ds(&["2026-05-18", "2026-05-23"])
    );
    let plan = cal.plan(d("2026-05-18"), d("2026-05-31"));
    assert_eq!(
        planned_on(&plan, 0, "2026-05-25").why,
        holiday(Holiday::WhitMonday)
    );
}

#[test]
fn labour_day_and_victory_day_on_fridays_move_to_saturdays() {
    let cal = calendar(vec![rule(Stream::Household, weekly(&[Fri]))]);
    assert_eq!(
        dates(&cal, Stream::Household, "2026-04-27", "2026-05-17"),
        ds(&["2026-05-02", "2026-05-09", "2026-05-15"])
    );
}

#[test]
fn next_day_skips_the_sunday_after_a_saturday_holiday() {
    // Assumption 2026 and Christmas 2027 are Saturdays.
    let cal = calendar(vec![rule(Stream::Biowaste, weekly(&[Sat]))]);
    assert_eq!(
        dates(&cal, Stream::Biowaste, "2026-08-10", "2026-08-23"),
        ds(&["2026-08-17", "2026-08-22"])
    );
    assert_eq!(
        dates(&cal, Stream::Biowaste, "2027-12-20", "2027-12-31"),
        ds(&["2027-12-27"])
    );
}

#[test]
fn a_sunday_rhythm_is_collected_on_sundays() {
    // A Sunday collection on All Saints 2027 (Monday 1 November): planned on Sunday
    // 31 October it stays; planned on the holiday it goes to Tuesday.
    let cal = calendar(vec![rule(Stream::Glass, weekly(&[Sun, Mon]))]);
    assert_eq!(
        dates(&cal, Stream::Glass, "2027-10-30", "2027-11-03"),
        ds(&["2027-10-31", "2027-11-02"])
    );
}

#[test]
fn christmas_and_new_year_on_collection_days() {
    // Both are Fridays in 2026–2027.
    let cal = calendar(vec![
        rule(Stream::Household, weekly(&[Fri])),
        shifted(rule(Stream::Packaging, weekly(&[Fri])), Shift::Cancel),
        shifted(rule(Stream::Glass, weekly(&[Fri])), Shift::Keep),
    ]);
    let (from, until) = ("2026-12-20", "2027-01-10");
    assert_eq!(
        dates(&cal, Stream::Household, from, until),
        ds(&["2026-12-26", "2027-01-02", "2027-01-08"])
    );
    assert_eq!(
        dates(&cal, Stream::Packaging, from, until),
        ds(&["2027-01-08"])
    );
    assert_eq!(
        dates(&cal, Stream::Glass, from, until),
        ds(&["2026-12-25", "2027-01-01", "2027-01-08"])
    );
    let plan = cal.plan(d(from), d(until));
    let cancelled = planned_on(&plan, 1, "2026-12-25");
    assert_eq!(cancelled.date, None);
    assert_eq!(cancelled.why, holiday(Holiday::Christmas));
    let kept = planned_on(&plan, 2, "2027-01-01");
    assert_eq!(kept.date, Some(d("2027-01-01")));
    assert_eq!(kept.why, holiday(Holiday::NewYear));
}

#[test]
fn a_kept_holiday_is_an_ordinary_day_for_its_rule() {
    let mut r = rule(Stream::Household, weekly(&[Fri]));
    r.holidays.kept = vec![Holiday::VictoryDay];
    let cal = calendar(vec![r]);
    // 1 May still moves; 8 May is kept and reported as such.
    assert_eq!(
        dates(&cal, Stream::Household, "2026-04-27", "2026-05-10"),
        ds(&["2026-05-02", "2026-05-08"])
    );
    let plan = cal.plan(d("2026-05-04"), d("2026-05-10"));
    assert_eq!(
        planned_on(&plan, 0, "2026-05-08").why,
        holiday(Holiday::VictoryDay)
    );
}

#[test]
fn a_next_day_shift_may_land_on_a_kept_holiday() {
    // 2024: Victory Day Wednesday 8 May, Ascension Thursday 9 May. The rule that keeps
    // Ascension collects Wednesday's round on it; the other goes on to Friday.
    let mut keeps = rule(Stream::Household, weekly(&[Wed]));
    keeps.holidays.kept = vec![Holiday::Ascension];
    let cal = calendar(vec![keeps, rule(Stream::Packaging, weekly(&[Wed]))]);
    assert_eq!(
        dates(&cal, Stream::Household, "2024-05-06", "2024-05-12"),
        ds(&["2024-05-09"])
    );
    assert_eq!(
        dates(&cal, Stream::Packaging, "2024-05-06", "2024-05-12"),
        ds(&["2024-05-10"])
    );
}

#[test]
fn two_holidays_in_one_week_push_the_rest_of_it_two_days() {
    // 2024: Victory Day Wednesday 8 May, Ascension Thursday 9 May.
    let cal = calendar(vec![shifted(
        rule(Stream::Household, weekly(&[Tue, Wed, Thu, Fri])),
        Shift::RestOfWeek,
    )]);
    let plan = cal.plan(d("2024-05-06"), d("2024-05-14"));
    let moved: Vec<(String, Option<String>, Option<Why>)> = plan
        .iter()
        .map(|p| (p.planned.to_string(), p.date.map(|x| x.to_string()), p.why))
        .collect();
    let row = |planned: &str, date: &str, why: Option<Why>| {
        (planned.to_owned(), Some(date.to_owned()), why)
    };
    let after = |h| Some(Why::AfterHoliday { holiday: h });
    assert_eq!(
        moved,
        vec![
            row("2024-05-07", "2024-05-07", None),
            // One holiday so far (itself): Thursday, a holiday, then Friday.
            row("2024-05-08", "2024-05-10", holiday(Holiday::VictoryDay)),
            // Two: Saturday.
            row("2024-05-09", "2024-05-11", holiday(Holiday::Ascension)),
            // Two: Sunday, then Monday.
            row("2024-05-10", "2024-05-13", after(Holiday::Ascension)),
            row("2024-05-14", "2024-05-14", None),
        ]
    );
    assert!(cal.notices(d("2024-05-06"), d("2024-05-14")).is_empty());
}

#[test]
fn rest_of_week_counts_only_holidays_not_kept() {
    let mut r = shifted(
        rule(Stream::Household, weekly(&[Tue, Wed, Thu, Fri])),
        Shift::RestOfWeek,
    );
    r.holidays.kept = vec![Holiday::VictoryDay];
    let cal = calendar(vec![r]);
    let plan = cal.plan(d("2024-05-06"), d("2024-05-12"));
    let wed = planned_on(&plan, 0, "2024-05-08");
    assert_eq!(wed.date, Some(d("2024-05-08")));
    assert_eq!(wed.why, holiday(Holiday::VictoryDay));
    assert_eq!(
        planned_on(&plan, 0, "2024-05-09").date,
        Some(d("2024-05-10"))
    );
    let fri = planned_on(&plan, 0, "2024-05-10");
    assert_eq!(fri.date, Some(d("2024-05-11")));
    assert_eq!(
        fri.why,
        Some(Why::AfterHoliday {
            holiday: Holiday::Ascension
        })
    );
    // Tuesday's collection, before the holidays, never moves.
    assert_eq!(
        dates(&cal, Stream::Household, "2024-05-06", "2024-05-12"),
        ds(&["2024-05-07", "2024-05-08", "2024-05-10", "2024-05-11"])
    );
}

#[test]
fn rest_of_week_lands_on_the_next_holiday_and_merges() {
    // 2027: Ascension Thursday 6 May, Victory Day Saturday 8 May. Friday's collection moves
    // to Saturday, a holiday, so on to Monday, where Saturday's (two holidays) lands too.
    // The week before, Labour Day's (Saturday 1 May) moves onto Monday 3 May.
    let cal = calendar(vec![shifted(
        rule(Stream::Household, weekly(&[Mon, Thu, Fri, Sat])),
        Shift::RestOfWeek,
    )]);
    assert_eq!(
        dates(&cal, Stream::Household, "2027-05-03", "2027-05-12"),
        ds(&["2027-05-03", "2027-05-07", "2027-05-10"])
    );
    let plan = cal.plan(d("2027-05-03"), d("2027-05-12"));
    assert_eq!(
        planned_on(&plan, 0, "2027-05-08").why,
        holiday(Holiday::VictoryDay)
    );
    assert_eq!(
        planned_on(&plan, 0, "2027-05-01").date,
        Some(d("2027-05-03"))
    );
    assert_eq!(
        cal.notices(d("2027-05-03"), d("2027-05-12")),
        vec![
            Notice::Merged {
                stream: Stream::Household,
                date: d("2027-05-03")
            },
            Notice::Merged {
                stream: Stream::Household,
                date: d("2027-05-10")
            }
        ]
    );
}

#[test]
fn a_holiday_shift_onto_another_collection_of_the_stream_is_merged() {
    // Mondays and Tuesdays: Easter Monday's collection joins Tuesday's.
    let cal = calendar(vec![rule(Stream::Household, weekly(&[Mon, Tue]))]);
    let (from, until) = (d("2026-04-06"), d("2026-04-12"));
    assert_eq!(
        dates(&cal, Stream::Household, "2026-04-06", "2026-04-12"),
        ds(&["2026-04-07"])
    );
    assert_eq!(cal.plan(from, until).len(), 2);
    assert_eq!(
        cal.notices(from, until),
        vec![Notice::Merged {
            stream: Stream::Household,
            date: d("2026-04-07")
        }]
    );
    // Another stream on the same day is no merge.
    let other = calendar(vec![
        rule(Stream::Household, weekly(&[Mon])),
        rule(Stream::Packaging, weekly(&[Tue])),
    ]);
    assert!(other.notices(from, until).is_empty());
}

// Year ends.

#[test]
fn weekly_rule_over_the_new_year() {
    let cal = calendar(vec![rule(Stream::Household, weekly(&[Mon, Thu]))]);
    assert_eq!(
        dates(&cal, Stream::Household, "2026-12-20", "2027-01-10"),
        ds(&[
            "2026-12-21",
            "2026-12-24",
            "2026-12-28",
            "2026-12-31",
            "2027-01-04",
            "2027-01-07",
        ])
    );
}

#[test]
fn collections_moved_into_the_range_are_included_and_those_moved_out_are_not() {
    // Friday 1 January 2027 moves to Saturday 2 January.
    let cal = calendar(vec![rule(Stream::Household, weekly(&[Fri]))]);
    assert_eq!(
        dates(&cal, Stream::Household, "2027-01-02", "2027-01-07"),
        ds(&["2027-01-02"])
    );
    assert!(dates(&cal, Stream::Household, "2026-12-28", "2027-01-01").is_empty());
    // Called off: shown when its planned day is in the range.
    let cancel = calendar(vec![shifted(
        rule(Stream::Household, weekly(&[Fri])),
        Shift::Cancel,
    )]);
    assert_eq!(cancel.plan(d("2027-01-01"), d("2027-01-01")).len(), 1);
    assert!(cancel.plan(d("2027-01-02"), d("2027-01-07")).is_empty());
}

#[test]
fn season_over_the_new_year() {
    // Winter round from 15 November to 15 March, on Wednesdays.
    let mut r = rule(Stream::Bulky, weekly(&[Wed]));
    r.season = season("11-15", "03-15");
    let cal = calendar(vec![r]);
    let got = dates(&cal, Stream::Bulky, "2026-11-01", "2027-04-30");
    assert_eq!(got.first(), Some(&d("2026-11-18")));
    assert_eq!(got.last(), Some(&d("2027-03-10")));
    assert_eq!(got.len(), 17);
    assert!(got.contains(&d("2026-12-30")) && got.contains(&d("2027-01-06")));
}

// ISO week 53: 2026 has 53 ISO weeks, the 53rd from 28 December 2026 to 3 January 2027.

#[test]
fn odd_weeks_collect_in_week_53_and_week_1_in_a_row() {
    let cal = calendar(vec![rule(
        Stream::Packaging,
        Rhythm::EveryOtherWeek {
            days: vec![Mon],
            parity: WeekParity::Odd,
        },
    )]);
    assert_eq!(
        dates(&cal, Stream::Packaging, "2026-12-01", "2027-01-31"),
        ds(&["2026-12-14", "2026-12-28", "2027-01-04", "2027-01-18"])
    );
    let notice = Notice::Week53 {
        rule: 0,
        stream: Stream::Packaging,
        year: 2026,
        parity: WeekParity::Odd,
    };
    assert_eq!(
        cal.notices(d("2026-12-01"), d("2027-01-31")),
        vec![notice.clone()]
    );
    // Week 1 of 2027 alone still meets it; the weeks before and after do not.
    assert_eq!(cal.notices(d("2027-01-04"), d("2027-01-10")), vec![notice]);
    assert!(cal.notices(d("2026-06-01"), d("2026-12-27")).is_empty());
    assert!(cal.notices(d("2027-01-11"), d("2027-12-31")).is_empty());
}

#[test]
fn even_weeks_go_three_weeks_without_over_week_53() {
    let cal = calendar(vec![rule(
        Stream::Packaging,
        Rhythm::EveryOtherWeek {
            days: vec![Mon],
            parity: WeekParity::Even,
        },
    )]);
    let got = dates(&cal, Stream::Packaging, "2026-12-01", "2027-01-31");
    assert_eq!(
        got,
        ds(&["2026-12-07", "2026-12-21", "2027-01-11", "2027-01-25"])
    );
    assert_eq!(got[1].until(got[2]).unwrap().get_days(), 21);
    assert_eq!(
        cal.notices(d("2026-12-01"), d("2027-01-31")),
        vec![Notice::Week53 {
            rule: 0,
            stream: Stream::Packaging,
            year: 2026,
            parity: WeekParity::Even,
        }]
    );
}

#[test]
fn fortnightly_keeps_strict_alternation_across_week_53() {
    let cal = calendar(vec![rule(
        Stream::Packaging,
        Rhythm::Fortnightly {
            days: vec![Mon],
            // A Wednesday: its week's Monday, 7 December, is the first collection.
            first: d("2026-12-09"),
        },
    )]);
    let got = dates(&cal, Stream::Packaging, "2026-11-01", "2027-02-28");
    assert_eq!(
        got,
        ds(&[
            "2026-12-07",
            "2026-12-21",
            "2027-01-04",
            "2027-01-18",
            "2027-02-01",
            "2027-02-15",
        ])
    );
    assert!(
        got.windows(2)
            .all(|w| w[0].until(w[1]).unwrap().get_days() == 14)
    );
    assert!(cal.notices(d("2026-11-01"), d("2027-02-28")).is_empty());
}

#[test]
fn week_53_notices_over_ten_years_within_validity_and_season() {
    let mut summer = rule(
        Stream::GreenWaste,
        Rhythm::EveryOtherWeek {
            days: vec![Mon],
            parity: WeekParity::Odd,
        },
    );
    summer.season = season("04-01", "11-30");
    let mut until_2030 = rule(
        Stream::Glass,
        Rhythm::EveryOtherWeek {
            days: vec![Tue],
            parity: WeekParity::Even,
        },
    );
    until_2030.valid_until = Some(d("2030-12-31"));
    let cal = calendar(vec![
        rule(
            Stream::Packaging,
            Rhythm::EveryOtherWeek {
                days: vec![Thu],
                parity: WeekParity::Odd,
            },
        ),
        summer,
        until_2030,
        rule(Stream::Household, weekly(&[Tue])),
    ]);
    let years: Vec<(usize, i16)> = cal
        .notices(d("2026-01-01"), d("2035-12-31"))
        .into_iter()
        .map(|n| match n {
            Notice::Week53 { rule, year, .. } => (rule, year),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(years, [(0, 2026), (0, 2032), (2, 2026)]);
}

// Monthly and listed dates.

#[test]
fn fifth_wednesday_only_in_months_that_have_one() {
    let cal = calendar(vec![rule(
        Stream::Bulky,
        Rhythm::Monthly {
            nth: vec![5],
            day: Wed,
        },
    )]);
    assert_eq!(
        dates(&cal, Stream::Bulky, "2026-01-01", "2026-12-31"),
        ds(&["2026-04-29", "2026-07-29", "2026-09-30", "2026-12-30"])
    );
}

#[test]
fn last_friday_of_each_month_with_christmas() {
    let cal = calendar(vec![rule(
        Stream::Glass,
        Rhythm::Monthly {
            nth: vec![-1],
            day: Fri,
        },
    )]);
    assert_eq!(
        dates(&cal, Stream::Glass, "2026-01-01", "2026-12-31"),
        ds(&[
            "2026-01-30",
            "2026-02-27",
            "2026-03-27",
            "2026-04-24",
            "2026-05-29",
            "2026-06-26",
            "2026-07-31",
            "2026-08-28",
            "2026-09-25",
            "2026-10-30",
            "2026-11-27",
            // 25 December, a Friday: moved to Saturday.
            "2026-12-26",
        ])
    );
}

#[test]
fn second_and_fourth_tuesdays_and_fifth_or_last_once() {
    let cal = calendar(vec![
        rule(
            Stream::Bulky,
            Rhythm::Monthly {
                nth: vec![2, 4],
                day: Tue,
            },
        ),
        rule(
            Stream::Glass,
            Rhythm::Monthly {
                nth: vec![5, -1],
                day: Wed,
            },
        ),
    ]);
    assert_eq!(
        dates(&cal, Stream::Bulky, "2026-07-01", "2026-08-31"),
        // 14 July is the second Tuesday: Wednesday 15th.
        ds(&["2026-07-15", "2026-07-28", "2026-08-11", "2026-08-25"])
    );
    // The fifth Wednesday is also the last: one collection.
    let plan = cal.plan(d("2026-11-01"), d("2026-12-31"));
    let glass: Vec<_> = plan.iter().filter(|p| p.rule == 1).collect();
    assert_eq!(glass.len(), 2, "{glass:?}");
    assert_eq!(
        dates(&cal, Stream::Glass, "2026-11-01", "2026-12-31"),
        ds(&["2026-11-25", "2026-12-30"])
    );
}

#[test]
fn listed_dates_sorted_once_within_validity_never_moved_by_holidays() {
    let mut r = rule(
        Stream::Bulky,
        Rhythm::Dates {
            // Unsorted, one twice, one after the rule ends; 11 November is a holiday.
            dates: ds(&[
                "2026-09-16",
                "2026-03-18",
                "2026-11-11",
                "2026-03-18",
                "2027-02-10",
            ]),
        },
    );
    r.valid_until = Some(d("2026-12-31"));
    let cal = calendar(vec![r]);
    // The officer chose 11 November: it stays.
    assert_eq!(
        dates(&cal, Stream::Bulky, "2026-01-01", "2027-12-31"),
        ds(&["2026-03-18", "2026-09-16", "2026-11-11"])
    );
    assert!(cal.plan(d("2026-11-01"), d("2026-11-30"))[0].why.is_none());
}

#[test]
fn a_streams_note_is_that_of_a_rule_giving_it_dates_in_the_range() {
    let mut old = rule(Stream::Household, weekly(&[Tue]));
    old.valid_until = Some(d("2026-03-17"));
    old.note = Text::fr("Le mardi.");
    let mut new = rule(Stream::Household, weekly(&[Thu]));
    new.valid_from = Some(d("2026-03-19"));
    new.note = Text::fr("Le jeudi.");
    let cal = calendar(vec![old, new]);
    let note = |from: &str, until: &str| {
        cal.collections(d(from), d(until))[0]
            .note
            .get(&beffroi_protocol::text::Lang::fr())
            .map(str::to_owned)
    };
    assert_eq!(
        note("2026-03-01", "2026-03-15").as_deref(),
        Some("Le mardi.")
    );
    assert_eq!(
        note("2026-03-01", "2026-03-31").as_deref(),
        Some("Le mardi.")
    );
    assert_eq!(
        note("2026-04-01", "2026-04-30").as_deref(),
        Some("Le jeudi.")
    );
}

// Validity, cancelled and added dates.

#[test]
fn validity_dates_are_inclusive_and_chain_contracts() {
    let mut old = rule(Stream::Household, weekly(&[Tue]));
    old.valid_until = Some(d("2026-03-17"));
    let mut new = rule(Stream::Household, weekly(&[Thu]));
    new.valid_from = Some(d("2026-03-19"));
    new.valid_until = Some(d("2026-04-02"));
    let cal = calendar(vec![old, new]);
    assert_eq!(
        dates(&cal, Stream::Household, "2026-03-01", "2026-04-30"),
        ds(&[
            "2026-03-03",
            "2026-03-10",
            "2026-03-17",
            "2026-03-19",
            "2026-03-26",
            "2026-04-02",
        ])
    );
}

#[test]
fn validity_applies_to_the_planned_day_not_the_shifted_one() {
    // Valid until Easter Monday: that collection still takes place, on Tuesday.
    let mut r = rule(Stream::Household, weekly(&[Mon]));
    r.valid_until = Some(d("2026-04-06"));
    let cal = calendar(vec![r]);
    assert_eq!(
        dates(&cal, Stream::Household, "2026-04-01", "2026-04-30"),
        ds(&["2026-04-07"])
    );
}

#[test]
fn cancelled_and_added_dates() {
    let mut r = rule(Stream::Household, weekly(&[Tue]));
    // Called off: a strike on 10 March, and Easter Monday... which is not a Tuesday (ignored).
    r.cancelled = ds(&["2026-03-10", "2026-04-06"]);
    // A catch-up on Thursday 12 March, and one on Easter Monday itself, kept as added.
    r.added = ds(&["2026-03-12", "2026-04-06", "2026-03-12"]);
    let cal = calendar(vec![r]);
    assert_eq!(
        dates(&cal, Stream::Household, "2026-03-01", "2026-04-10"),
        ds(&[
            "2026-03-03",
            "2026-03-12",
            "2026-03-17",
            "2026-03-24",
            "2026-03-31",
            "2026-04-06",
            "2026-04-07",
        ])
    );
    let plan = cal.plan(d("2026-03-01"), d("2026-04-10"));
    assert_eq!(
        planned_on(&plan, 0, "2026-03-10"),
        Planned {
            stream: Stream::Household,
            planned: d("2026-03-10"),
            date: None,
            why: Some(Why::Cancelled),
            rule: 0,
        }
    );
    assert_eq!(planned_on(&plan, 0, "2026-03-12").why, Some(Why::Added));
    assert_eq!(
        planned_on(&plan, 0, "2026-04-06").date,
        Some(d("2026-04-06"))
    );
    // Sorted by day: the called-off one at its planned day.
    let days: Vec<_> = plan.iter().map(|p| p.date.unwrap_or(p.planned)).collect();
    assert!(days.windows(2).all(|w| w[0] <= w[1]), "{days:?}");
    assert_eq!(plan.len(), 8);
}

#[test]
fn a_cancelled_date_is_the_planned_day_before_its_shift() {
    let mut r = rule(Stream::Household, weekly(&[Mon]));
    r.cancelled = ds(&["2026-04-06"]);
    let cal = calendar(vec![r]);
    assert!(dates(&cal, Stream::Household, "2026-04-06", "2026-04-12").is_empty());
    let plan = cal.plan(d("2026-04-06"), d("2026-04-12"));
    assert_eq!(plan.len(), 1);
    assert_eq!(plan[0].why, Some(Why::Cancelled));
}

#[test]
fn added_dates_ignore_season_and_validity() {
    let mut r = rule(Stream::GreenWaste, weekly(&[Mon]));
    r.season = season("04-01", "11-30");
    r.valid_from = Some(d("2026-04-01"));
    r.added = ds(&["2026-01-10"]);
    let cal = calendar(vec![r]);
    assert_eq!(
        dates(&cal, Stream::GreenWaste, "2026-01-01", "2026-04-14"),
        ds(&["2026-01-10", "2026-04-07", "2026-04-13"])
    );
}

// Seasons.

#[test]
fn garden_waste_from_april_to_november() {
    let mut r = rule(Stream::GreenWaste, weekly(&[Mon]));
    r.season = season("04-01", "11-30");
    let cal = calendar(vec![r]);
    let got = dates(&cal, Stream::GreenWaste, "2026-01-01", "2026-12-31");
    // The first Monday, 6 April, is Easter Monday: planned in the season, collected Tuesday.
    assert_eq!(got.first(), Some(&d("2026-04-07")));
    assert_eq!(got.last(), Some(&d("2026-11-30")));
    assert_eq!(got.len(), 35);
    assert!(got.contains(&d("2026-05-26"))); // Whit Monday, moved
    assert!(!got.contains(&d("2026-05-25")));
}

#[test]
fn the_season_is_checked_on_the_planned_day() {
    // A season starting 7 April: Easter Monday (6 April) is outside, so nothing on Tuesday.
    let mut r = rule(Stream::GreenWaste, weekly(&[Mon]));
    r.season = Some(Season {
        from: MonthDay::new(4, 7).unwrap(),
        until: MonthDay::new(11, 30).unwrap(),
    });
    let cal = calendar(vec![r]);
    assert_eq!(
        dates(&cal, Stream::GreenWaste, "2026-04-01", "2026-04-20"),
        ds(&["2026-04-13", "2026-04-20"])
    );
}

// Merging.

#[test]
fn rules_of_one_stream_merge_in_stream_order_with_the_first_note() {
    let mut summer = rule(Stream::Household, weekly(&[Tue, Fri]));
    summer.season = season("07-01", "08-31");
    summer.note = Text::fr("Deux collectes par semaine en été.");
    let mut glass = rule(Stream::Glass, weekly(&[Wed]));
    glass.note = Text::fr("Bornes place de la mairie.");
    let mut later_note = rule(Stream::Household, weekly(&[Sat]));
    later_note.valid_from = Some(d("2027-01-01"));
    later_note.note = Text::fr("Pas celle-ci.");
    let cal = calendar(vec![
        glass,
        rule(Stream::Household, weekly(&[Tue])),
        summer,
        later_note,
    ]);
    let got = cal.collections(d("2026-06-29"), d("2026-07-12"));
    let streams: Vec<Stream> = got.iter().map(|c| c.stream).collect();
    assert_eq!(streams, [Stream::Household, Stream::Glass]);
    assert_eq!(
        got[0].dates,
        ds(&["2026-06-30", "2026-07-03", "2026-07-07", "2026-07-10"])
    );
    assert_eq!(got[0].note, Text::fr("Deux collectes par semaine en été."));
    assert_eq!(got[1].note, Text::fr("Bornes place de la mairie."));
    // Both rules plan Tuesday 7 July: one date, and no notice (same planned day).
    assert!(cal.notices(d("2026-06-29"), d("2026-07-12")).is_empty());
    // A stream without dates in the range is left out.
    let winter = cal.collections(d("2026-12-01"), d("2026-12-31"));
    assert_eq!(winter.len(), 2);
    assert!(cal.collections(d("2026-12-02"), d("2026-12-01")).is_empty());
    let data = cal.to_data(d("2026-06-29"), d("2026-07-12"));
    assert_eq!(data.streams, got);
    assert_eq!(data.name, "Fruges");
}

#[test]
fn plan_is_sorted_by_day_then_stream() {
    let cal = calendar(vec![
        rule(Stream::Glass, weekly(&[Mon])),
        rule(Stream::Household, weekly(&[Mon, Tue])),
    ]);
    let plan = cal.plan(d("2026-04-06"), d("2026-04-07"));
    let order: Vec<(String, Stream)> = plan
        .iter()
        .map(|p| (p.date.unwrap().to_string(), p.stream))
        .collect();
    assert_eq!(
        order,
        [
            ("2026-04-07".to_owned(), Stream::Household),
            ("2026-04-07".to_owned(), Stream::Household),
            ("2026-04-07".to_owned(), Stream::Glass),
        ]
    );
    assert_eq!(plan[0].planned, d("2026-04-06"));
    assert_eq!(plan[1].planned, d("2026-04-07"));
}

// Daylight saving time: expansion is by date, so the changes on the last Sundays of March
// and October move nothing.

#[test]
fn daylight_saving_weekends_move_nothing() {
    let cal = calendar(vec![rule(Stream::Household, weekly(&[Sat, Sun, Mon]))]);
    assert_eq!(
        dates(&cal, Stream::Household, "2026-03-24", "2026-04-05"),
        ds(&[
            "2026-03-28",
            "2026-03-29",
            "2026-03-30",
            "2026-04-04",
            "2026-04-05", // Easter Sunday is no public holiday
        ])
    );
    // All Saints is Sunday 1 November 2026: that Sunday's collection joins Monday's.
    assert_eq!(
        dates(&cal, Stream::Household, "2026-10-20", "2026-11-02"),
        ds(&[
            "2026-10-24",
            "2026-10-25",
            "2026-10-26",
            "2026-10-31",
            "2026-11-02",
        ])
    );
    assert_eq!(
        cal.notices(d("2026-10-20"), d("2026-11-02")),
        vec![Notice::Merged {
            stream: Stream::Household,
            date: d("2026-11-02")
        }]
    );
}

// Scale.

#[test]
fn ten_years_of_several_rules_expand_linearly() {
    let cal = calendar(vec![
        rule(Stream::Household, weekly(&[Mon, Tue, Wed, Thu, Fri, Sat])),
        shifted(
            rule(
                Stream::Packaging,
                Rhythm::EveryOtherWeek {
                    days: vec![Thu],
                    parity: WeekParity::Even,
                },
            ),
            Shift::RestOfWeek,
        ),
        rule(
            Stream::Bulky,
            Rhythm::Monthly {
                nth: vec![1, -1],
                day: Wed,
            },
        ),
    ]);
    let (from, until) = (d("2026-01-01"), d("2035-12-31"));
    let start = std::time::Instant::now();
    let household = dates(&cal, Stream::Household, "2026-01-01", "2035-12-31");
    let notices = cal.notices(from, until);
    assert!(
        start.elapsed() < std::time::Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    // Every working day: a holiday's collection moves onto the next working day, which
    // already has one.
    let working: Vec<Date> = from
        .series(jiff::Span::new().days(1))
        .take_while(|x| *x <= until)
        .filter(|x| x.weekday() != jiff::civil::Weekday::Sunday && holiday_on(*x).is_none())
        .collect();
    assert_eq!(household.len(), working.len());
    assert_eq!(household, working);
    assert!(notices.contains(&Notice::Week53 {
        rule: 1,
        stream: Stream::Packaging,
        year: 2032,
        parity: WeekParity::Even,
    }));
}
