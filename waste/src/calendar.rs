//! A commune's calendar: its rules expanded into concrete collection dates, with what moved
//! and why (for the officer's preview), and notices about surprising results.
//!
//! Expansion is by civil date only, so daylight-saving changes cannot move a collection.
//! For each rule:
//!
//! 1. The *planned* days are those its [`Rhythm`] gives, from `valid_from` to `valid_until`
//!    inclusive, that lie inside its [`crate::Season`] (the season is checked on the planned
//!    day). A planned day may be a Sunday: it is collected there unless it is a holiday.
//!    [`Rhythm::Fortnightly`] collects from the week of its `first` date on, not before.
//! 2. A planned day listed in `cancelled` is called off ([`Why::Cancelled`], no date).
//! 3. A *working day* is, for that rule, a day that is neither a Sunday nor a public holiday
//!    missing from the rule's `kept` list: a kept holiday is an ordinary day for that rule.
//! 4. A planned day on a holiday that is not kept follows the rule's [`Shift`]: `NextDay`
//!    moves it to the next working day, `PreviousDay` to the previous one, `Cancel` calls it
//!    off and `Keep` leaves it; all report [`Why::Holiday`]. A kept holiday also leaves it,
//!    reporting [`Why::Holiday`] so that the preview can say "maintenue".
//! 5. With `RestOfWeek`, a planned day `d` moves by the number `k` of non-kept holidays from
//!    the Monday of its ISO week to `d` inclusive, then on to the next working day if it
//!    lands on a Sunday or a holiday. It reports [`Why::Holiday`] when `d` itself is one,
//!    else [`Why::AfterHoliday`] with the latest holiday before it. `d` itself counts even on
//!    a Sunday (a Sunday collection on a holiday moves, as with the other shifts).
//! 6. The `added` dates are collected as they are ([`Why::Added`]), whatever the rhythm,
//!    season, validity or holidays say; the dates of [`Rhythm::Dates`] are the days the
//!    officer chose too: no holiday moves them (season, validity and `cancelled` apply).
//!
//! The dates of one stream from all its rules are merged: two collections on one day are
//! one (and reported by [`Calendar::notices`] when they came from different planned days).

use std::collections::{BTreeMap, BTreeSet};

use beffroi_protocol::data::waste::{Collections, CommuneWaste, Reminder, Stream};
use beffroi_protocol::ids::Insee;
use beffroi_protocol::text::Text;
use beffroi_protocol::time::Weekday;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::holidays::{Holiday, add_days, holidays_on};
use crate::rules::{Rhythm, Rule, Shift, WeekParity};

/// The collection calendar of one commune.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Calendar {
    /// The commune.
    pub commune: Insee,
    /// Its name, as shown on screens.
    pub name: String,
    /// When screens remind residents to put the bins out.
    #[serde(default)]
    pub reminder: Reminder,
    /// Its rules, in the officer's order.
    #[serde(default)]
    pub rules: Vec<Rule>,
}

/// One collection the rules plan, as the preview shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Planned {
    /// The stream.
    pub stream: Stream,
    /// The day the rhythm gives (or the added date).
    pub planned: Date,
    /// The day it takes place; `None` when it is called off.
    pub date: Option<Date>,
    /// Why it differs from the rhythm, when it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<Why>,
    /// The index of the rule in [`Calendar::rules`].
    pub rule: usize,
}

/// Why a planned collection moved, was called off, or was added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Why {
    /// The rhythm's day is this public holiday (the rule's shift applied; `Keep`, or the
    /// holiday listed as kept, reports it with `date == Some(planned)`).
    Holiday {
        /// The holiday.
        holiday: Holiday,
    },
    /// Moved along with the rest of its week after this holiday ([`crate::Shift::RestOfWeek`]).
    AfterHoliday {
        /// The holiday earlier in the week.
        holiday: Holiday,
    },
    /// Listed in the rule's `cancelled` dates.
    Cancelled,
    /// Listed in the rule's `added` dates.
    Added,
}

/// Something in a calendar the officer should know about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notice {
    /// A rule on ISO week parity meets a year of 53 weeks: with odd weeks, weeks 53 and 1 are
    /// both collected (two weeks running); with even weeks, three weeks pass without.
    Week53 {
        /// The rule's index.
        rule: usize,
        /// The stream.
        stream: Stream,
        /// The year of 53 ISO weeks.
        year: i16,
        /// The rule's parity.
        parity: WeekParity,
    },
    /// Two collections of one stream moved onto the same day (both kept as one).
    Merged {
        /// The stream.
        stream: Stream,
        /// The day.
        date: Date,
    },
}

impl Calendar {
    /// Every collection planned from `from` to `until` inclusive (dates taking place in the
    /// range, and those called off whose planned day is in it), sorted by day (the day it
    /// takes place, else the planned one), then stream, then rule.
    ///
    /// A collection planned up to [`MARGIN`] days outside the range but moved into it is
    /// included; one planned inside but moved out of it is not. Linear in the length of the
    /// range and the number of rules.
    pub fn plan(&self, from: Date, until: Date) -> Vec<Planned> {
        let mut out = Vec::new();
        if until < from {
            return out;
        }
        // Shifts move a collection by a few days at most, so planned days this far outside
        // the range are the only ones that can land in it.
        let lo = add_days(from, -MARGIN).unwrap_or(Date::MIN);
        let hi = add_days(until, MARGIN).unwrap_or(Date::MAX);
        for (index, rule) in self.rules.iter().enumerate() {
            expand(rule, index, lo, hi, &mut |p: Planned| {
                let shown = match p.date {
                    Some(date) => from <= date && date <= until,
                    None => from <= p.planned && p.planned <= until,
                };
                if shown {
                    out.push(p);
                }
            });
        }
        out.sort_by_key(|p| (p.date.unwrap_or(p.planned), p.stream, p.rule, p.planned));
        out
    }

    /// The concrete dates from `from` to `until` inclusive, one entry per stream with a date
    /// (stream order), sorted and without duplicates; each stream's note is that of its first
    /// rule with one among those giving it a date in the range.
    pub fn collections(&self, from: Date, until: Date) -> Vec<Collections> {
        let mut per_stream: BTreeMap<Stream, BTreeSet<Date>> = BTreeMap::new();
        // The rules that gave each stream a date in the range: an expired rule's note
        // ("le mardi") must not speak for its successor's days.
        let mut givers: BTreeMap<Stream, BTreeSet<usize>> = BTreeMap::new();
        for p in self.plan(from, until) {
            if let Some(date) = p.date.filter(|d| from <= *d && *d <= until) {
                per_stream.entry(p.stream).or_default().insert(date);
                givers.entry(p.stream).or_default().insert(p.rule);
            }
        }
        let notes: BTreeMap<Stream, Text> = givers
            .iter()
            .filter_map(|(stream, rules)| {
                let note = rules
                    .iter()
                    .filter_map(|&i| self.rules.get(i))
                    .map(|r| &r.note)
                    .find(|n| !n.is_empty())?;
                Some((*stream, note.clone()))
            })
            .collect();
        // `Stream`'s order is its declaration order, that of `Stream::ALL`.
        per_stream
            .into_iter()
            .map(|(stream, dates)| Collections {
                stream,
                dates: dates.into_iter().collect(),
                note: notes.get(&stream).cloned().unwrap_or_default(),
            })
            .collect()
    }

    /// This calendar as the waste data set carries it.
    pub fn to_data(&self, from: Date, until: Date) -> CommuneWaste {
        CommuneWaste {
            commune: self.commune.clone(),
            name: self.name.clone(),
            streams: self.collections(from, until),
            reminder: self.reminder,
        }
    }

    /// What the officer should know about the rules over `from` to `until`: first one
    /// [`Notice::Week53`] per rule on week parity and year of 53 ISO weeks whose week 53 or
    /// following week 1 meets the range (within the rule's validity, and its season when it
    /// has one), by rule then year; then one [`Notice::Merged`] per stream and day on which
    /// collections planned on different days take place together, by day then stream.
    pub fn notices(&self, from: Date, until: Date) -> Vec<Notice> {
        let mut out = Vec::new();
        if until < from {
            return out;
        }
        for (index, rule) in self.rules.iter().enumerate() {
            if let Rhythm::EveryOtherWeek { parity, .. } = rule.rhythm {
                for year in long_years_met(rule, from, until) {
                    out.push(Notice::Week53 {
                        rule: index,
                        stream: rule.stream,
                        year,
                        parity,
                    });
                }
            }
        }
        let mut sources: BTreeMap<(Date, Stream), BTreeSet<Date>> = BTreeMap::new();
        for p in self.plan(from, until) {
            if let Some(date) = p.date {
                sources
                    .entry((date, p.stream))
                    .or_default()
                    .insert(p.planned);
            }
        }
        out.extend(
            sources
                .into_iter()
                .filter(|(_, planned)| planned.len() > 1)
                .map(|((date, stream), _)| Notice::Merged { stream, date }),
        );
        out
    }
}

/// How many days outside a range [`Calendar::plan`] looks for collections moved into it.
pub const MARGIN: i64 = 7;

/// Calls `emit` with every collection `rule` (number `index`) plans from `lo` to `hi`
/// inclusive, and its added dates in that range.
fn expand(rule: &Rule, index: usize, lo: Date, hi: Date, emit: &mut impl FnMut(Planned)) {
    let start = rule.valid_from.map_or(lo, |f| f.max(lo));
    let end = rule.valid_until.map_or(hi, |u| u.min(hi));
    let cancelled: BTreeSet<Date> = rule.cancelled.iter().copied().collect();
    // Listed dates are the days the officer chose (appointment rounds): no holiday moves
    // them.
    let listed = matches!(rule.rhythm, Rhythm::Dates { .. });
    let mut planned = |day: Date| {
        if rule.season.is_some_and(|s| !s.contains(day)) {
            return;
        }
        let (date, why) = if cancelled.contains(&day) {
            (None, Some(Why::Cancelled))
        } else if listed {
            (Some(day), None)
        } else {
            on_holidays(rule, day)
        };
        emit(Planned {
            stream: rule.stream,
            planned: day,
            date,
            why,
            rule: index,
        });
    };
    if start <= end {
        match &rule.rhythm {
            Rhythm::Dates { dates } => {
                let listed: BTreeSet<Date> = dates.iter().copied().collect();
                listed.range(start..=end).copied().for_each(&mut planned);
            }
            rhythm => {
                let mut day = start;
                loop {
                    if matches(rhythm, day) {
                        planned(day);
                    }
                    match day.tomorrow() {
                        Ok(next) if next <= end => day = next,
                        _ => break,
                    }
                }
            }
        }
    }
    let added: BTreeSet<Date> = rule.added.iter().copied().collect();
    for &day in added.range(lo..=hi) {
        emit(Planned {
            stream: rule.stream,
            planned: day,
            date: Some(day),
            why: Some(Why::Added),
            rule: index,
        });
    }
}

/// Whether `rhythm` collects on `day` (seasons and validity aside). Never true for
/// [`Rhythm::Dates`], expanded from its list.
fn matches(rhythm: &Rhythm, day: Date) -> bool {
    let weekday = Weekday::of(day);
    match rhythm {
        Rhythm::Weekly { days } => days.contains(&weekday),
        Rhythm::EveryOtherWeek { days, parity } => {
            days.contains(&weekday) && parity.matches(day.iso_week_date().week())
        }
        Rhythm::Fortnightly { days, first } => {
            // Weeks are counted from the Monday of `first`'s week; earlier weeks are before
            // the first collection.
            let weeks = days_between(monday(*first), monday(day));
            days.contains(&weekday) && weeks >= 0 && weeks % 14 == 0
        }
        Rhythm::Monthly { nth, day: wanted } => {
            if weekday != *wanted {
                return false;
            }
            let n = (day.day() - 1) / 7 + 1;
            let last = day.day() + 7 > day.days_in_month();
            nth.iter().any(|&k| k == n || (k == -1 && last))
        }
        Rhythm::Dates { .. } => false,
    }
}

/// The date a planned, not called-off collection takes place on and why it differs, after
/// public holidays.
fn on_holidays(rule: &Rule, day: Date) -> (Option<Date>, Option<Why>) {
    let kept = &rule.holidays.kept;
    let blocking = blocking_holiday(day, kept);
    let shift = rule.holidays.shift;
    if shift == Shift::RestOfWeek {
        return rest_of_week(day, kept);
    }
    let Some(holiday) = blocking else {
        // On a kept holiday (or none) the collection stays; a kept one is still reported.
        let why = holidays_on(day)
            .next()
            .map(|holiday| Why::Holiday { holiday });
        return (Some(day), why);
    };
    let why = Some(Why::Holiday { holiday });
    let date = match shift {
        Shift::NextDay => Some(working_day(day, kept, 1)),
        Shift::PreviousDay => Some(working_day(day, kept, -1)),
        Shift::Cancel => None,
        Shift::Keep | Shift::RestOfWeek => Some(day),
    };
    (date, why)
}

/// [`Shift::RestOfWeek`]: `day` moves one day later for each non-kept holiday from the
/// Monday of its week to itself, then on to a working day.
fn rest_of_week(day: Date, kept: &[Holiday]) -> (Option<Date>, Option<Why>) {
    let back = i64::from(day.weekday().to_monday_zero_offset());
    let mut count = 0;
    let mut latest = None;
    for offset in (0..=back).rev() {
        // Only `day` itself can be a Sunday here, and it counts like any other.
        if let Some(h) = add_days(day, -offset).and_then(|d| blocking_holiday(d, kept)) {
            count += 1;
            latest = Some(h);
        }
    }
    let Some(latest) = latest else {
        let why = holidays_on(day)
            .next()
            .map(|holiday| Why::Holiday { holiday });
        return (Some(day), why);
    };
    let mut date = add_days(day, count).unwrap_or(day);
    if !is_working_day(date, kept) {
        date = working_day(date, kept, 1);
    }
    let why = match blocking_holiday(day, kept) {
        Some(holiday) => Why::Holiday { holiday },
        None => Why::AfterHoliday { holiday: latest },
    };
    (Some(date), Some(why))
}

/// The first public holiday on `day` that the rule does not keep.
fn blocking_holiday(day: Date, kept: &[Holiday]) -> Option<Holiday> {
    holidays_on(day).find(|h| !kept.contains(h))
}

/// Neither a Sunday nor a holiday the rule does not keep.
fn is_working_day(day: Date, kept: &[Holiday]) -> bool {
    day.weekday() != jiff::civil::Weekday::Sunday && blocking_holiday(day, kept).is_none()
}

/// The first working day after `day` (`step` 1) or before it (`step` -1). Sundays and
/// holidays never make more than a few days in a row; past the civil range, `day` itself.
fn working_day(day: Date, kept: &[Holiday], step: i64) -> Date {
    let mut d = day;
    for _ in 0..14 {
        match add_days(d, step) {
            Some(next) => d = next,
            None => return day,
        }
        if is_working_day(d, kept) {
            return d;
        }
    }
    day
}

/// The Monday of `day`'s ISO week.
fn monday(day: Date) -> Date {
    add_days(day, -i64::from(day.weekday().to_monday_zero_offset())).unwrap_or(day)
}

/// Days from `a` to `b`, negative when `b` comes first.
fn days_between(a: Date, b: Date) -> i64 {
    a.duration_until(b).as_hours() / 24
}

/// The years of 53 ISO weeks whose week 53 or the week after it meets `from..=until`, the
/// rule's validity and its season.
fn long_years_met(rule: &Rule, from: Date, until: Date) -> Vec<i16> {
    let lo = rule.valid_from.map_or(from, |f| f.max(from));
    let hi = rule.valid_until.map_or(until, |u| u.min(until));
    let mut years = Vec::new();
    if hi < lo {
        return years;
    }
    // The week 1 following a week 53 belongs to the next ISO year: start one year earlier.
    for year in lo.iso_week_date().year() - 1..=hi.iso_week_date().year() {
        // 28 December is always in the last ISO week of its year.
        let Ok(late) = Date::new(year, 12, 28) else {
            continue;
        };
        if late.iso_week_date().weeks_in_year() != 53 {
            continue;
        }
        let week53 = monday(late);
        let Some(end) = add_days(week53, 13) else {
            continue;
        };
        let (a, b) = (lo.max(week53), hi.min(end));
        if a > b {
            continue;
        }
        let in_season = match rule.season {
            None => true,
            Some(season) => {
                let mut d = a;
                loop {
                    if season.contains(d) {
                        break true;
                    }
                    match d.tomorrow() {
                        Ok(next) if next <= b => d = next,
                        _ => break false,
                    }
                }
            }
        };
        if in_season {
            years.push(year);
        }
    }
    years
}
