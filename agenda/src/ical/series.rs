//! A recurring iCalendar event ([`Series`]) and its expansion into occurrences over a
//! window.
//!
//! Rules are expanded in wall-clock time, in the series' zone, and only then turned into
//! instants: a weekly 14:00 Europe/Berlin series stays at 14:00 across the change to summer
//! time, as RFC 5545 wants. A wall-clock time that does not exist (in the hour skipped in
//! spring) or exists twice (in the hour repeated in autumn) is resolved with jiff's
//! "compatible" rule, the one RFC 5545 §3.3.5 describes: a skipped time moves forward by the
//! length of the gap (02:30 becomes 03:30), a repeated time takes its first, summer-time
//! instance. A series whose DTSTART is in UTC recurs at the same UTC time instead.
//!
//! The expansion follows RFC 5545 §3.3.10: each period of the frequency (a year, a month, a
//! week from WKST, a day, an hour), stepped by INTERVAL from the period of DTSTART, yields
//! the days its BYxxx parts select — read as filters over the period's days, which gives the
//! RFC's "expand" and "limit" behaviours alike — then the times of BYHOUR, BYMINUTE and
//! BYSECOND, then BYSETPOS picks among the period's instances. With no BYxxx day part, the
//! day of DTSTART is used (its weekday for WEEKLY, its day of the month for MONTHLY, its
//! month and day for YEARLY), so that `FREQ=MONTHLY` from 31 January skips the months
//! without a 31st rather than moving to their last day.
//!
//! Bounded work: a rule without COUNT starts at the period of the window rather than at
//! DTSTART, a rule stops at the end of the window, and no rule visits more than
//! [`MAX_STEPS`] periods and instances together.

use std::collections::BTreeSet;

use beffroi_protocol::data::events::EventStatus;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ZonedDateTime};
use serde::{Deserialize, Serialize};

use super::rule::{Freq, Rule};
use super::values::Value;
use crate::{MAX_OCCURRENCES, Occurrence};

/// Most periods and candidate instances one rule visits for one window: enough for an
/// hourly rule over a year with room to spare, small enough to stay in milliseconds.
pub(crate) const MAX_STEPS: usize = 50_000;

/// Length of an occurrence when the event gives none (no DTEND nor DURATION, or an end equal
/// to its start): RFC 5545 then makes it last no time at all, but an occurrence must end
/// after it starts to be shown, so one hour is assumed.
pub(crate) const DEFAULT_SECONDS: i64 = 3600;

const DAY: i64 = 86_400;

/// A recurring iCalendar event: DTSTART and its length, RRULEs, RDATEs, EXDATEs and the
/// instances that RECURRENCE-ID components override. Stored as JSON by the server.
///
/// Wall-clock times (`start`, rdates, override times) are in `zone`, except the timed ones
/// of a series with `utc` set, which are in UTC.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// IANA name of the zone the occurrences are shown in (and expanded in, unless `utc`).
    pub zone: String,
    /// True when DTSTART was a UTC time: the series recurs at the same UTC time, and its
    /// wall-clock times are UTC.
    #[serde(default, skip_serializing_if = "is_false")]
    pub utc: bool,
    /// DTSTART, wall-clock (midnight for an all-day series).
    pub start: DateTime,
    /// True for whole days (DTSTART was a DATE).
    #[serde(default, skip_serializing_if = "is_false")]
    pub all_day: bool,
    /// Length of each instance: this many days of the calendar (same wall-clock time)…
    #[serde(default, skip_serializing_if = "is_zero")]
    pub days: i64,
    /// … then this many seconds.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub seconds: i64,
    /// RRULEs (usually one; several are a union).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<Rule>,
    /// RDATEs: extra instances.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rdates: Vec<RDate>,
    /// EXDATEs given as times: the instances starting at these instants are removed (for an
    /// all-day series, those on the same day in `zone`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exdates: Vec<Timestamp>,
    /// EXDATEs given as dates: the instances starting on these days in `zone` are removed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exdays: Vec<Date>,
    /// Instances replaced by a RECURRENCE-ID component (moved, or cancelled).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<Override>,
}

/// An extra instance of a series (RDATE).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RDate {
    /// Its start, wall-clock.
    pub start: DateTime,
    /// Its end when it was given as a PERIOD; else the series' length applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<DateTime>,
}

/// An instance of a series replaced by a component with the same UID and a RECURRENCE-ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Override {
    /// The instant of the instance it replaces (RECURRENCE-ID); for an all-day series, the
    /// day of this instant in the series' zone.
    pub of: Timestamp,
    /// New start, wall-clock.
    pub start: DateTime,
    /// New end, wall-clock.
    pub end: DateTime,
    /// True when the replacement lasts whole days.
    #[serde(default, skip_serializing_if = "is_false")]
    pub all_day: bool,
    /// Its status, when not the event's (a cancelled instance).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<EventStatus>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

impl Series {
    /// The occurrences overlapping `[from, until)`, in no particular order; cancelled
    /// instances are included with their status. The caller sorts and truncates them
    /// ([`crate::Timing::occurrences`]); each rule stops after [`MAX_OCCURRENCES`] of them.
    pub fn occurrences(&self, from: Timestamp, until: Timestamp) -> Vec<Occurrence> {
        let mut out = Vec::new();
        if from >= until {
            return out;
        }
        let ctx = Context::new(self);
        let mut seen = BTreeSet::new();
        // Offer one instance; true when it made an occurrence in the window.
        let mut offer = |start: Civil, end: Option<Civil>, out: &mut Vec<Occurrence>| {
            if !seen.insert(start) {
                return false;
            }
            let Some(occurrence) = ctx.occurrence(start, end, self.all_day, None) else {
                return false;
            };
            if ctx.excluded(start, &occurrence.start) || !occurrence.overlaps(from, until) {
                return false;
            }
            out.push(occurrence);
            true
        };

        let first = Civil::of(self.start);
        offer(first, None, &mut out);

        // Instances may start this much before `from` and still reach into the window; the
        // margins absorb the difference between wall-clock and UTC times (under a day).
        let reach = self
            .days
            .saturating_mul(DAY)
            .saturating_add(self.seconds)
            .clamp(0, 400 * 366 * DAY)
            + 2 * DAY;
        let lo = civil_at(&ctx.expansion, from, -reach);
        let hi = civil_at(&ctx.expansion, until, 2 * DAY);
        for rule in &self.rules {
            let mut found = 0;
            let expander = Expander::new(rule, first, self.all_day, &ctx.expansion);
            expander.run(lo, hi, |start| {
                // An hourly rule on whole days yields each day once.
                let start = if self.all_day {
                    Civil { sec: 0, ..start }
                } else {
                    start
                };
                if offer(start, None, &mut out) {
                    found += 1;
                }
                found < MAX_OCCURRENCES
            });
        }
        for rdate in &self.rdates {
            let start = ctx.day_or_time(rdate.start, self.all_day);
            offer(start, rdate.end.map(Civil::of), &mut out);
        }
        for o in &self.overrides {
            let start = ctx.day_or_time(o.start, o.all_day);
            let Some(occurrence) =
                ctx.occurrence(start, Some(Civil::of(o.end)), o.all_day, o.status)
            else {
                continue;
            };
            if occurrence.overlaps(from, until) {
                out.push(occurrence);
            }
        }
        out
    }

    /// The occurrence of DTSTART alone, EXDATEs and overrides aside (for an event that does
    /// not recur, or a replacement instance).
    pub(crate) fn first(&self) -> Option<Occurrence> {
        Context::new(self).occurrence(Civil::of(self.start), None, self.all_day, None)
    }
}

/// What the expansion of one series needs at hand.
struct Context<'a> {
    series: &'a Series,
    /// The zone occurrences are shown in.
    display: TimeZone,
    /// The zone the wall-clock times are in (UTC for a `utc` series).
    expansion: TimeZone,
    exdates: BTreeSet<Timestamp>,
    exdays: BTreeSet<Date>,
    overridden: BTreeSet<Timestamp>,
}

impl<'a> Context<'a> {
    fn new(series: &'a Series) -> Self {
        // The zone was checked when the series was read; should the database lose it, UTC
        // keeps the occurrences at their instants.
        let display = TimeZone::get(&series.zone).unwrap_or(TimeZone::UTC);
        let expansion = if series.utc {
            TimeZone::UTC
        } else {
            display.clone()
        };
        let mut exdays: BTreeSet<Date> = series.exdays.iter().copied().collect();
        let mut exdates = BTreeSet::new();
        let mut overridden = BTreeSet::new();
        if series.all_day {
            // Whole days are matched by their day, however the removal was written.
            exdays.extend(
                series
                    .exdates
                    .iter()
                    .map(|t| display.to_datetime(*t).date()),
            );
        } else {
            exdates.extend(series.exdates.iter().copied());
        }
        overridden.extend(series.overrides.iter().map(|o| o.of));
        Self {
            series,
            display,
            expansion,
            exdates,
            exdays,
            overridden,
        }
    }

    /// True when an EXDATE or an override removes the instance starting at `start`.
    fn excluded(&self, start: Civil, zoned: &ZonedDateTime) -> bool {
        if self.series.all_day {
            let day = start.date();
            day.is_some_and(|d| self.exdays.contains(&d))
                || self
                    .overridden
                    .iter()
                    .any(|t| Some(self.display.to_datetime(*t).date()) == day)
        } else {
            let at = zoned.timestamp();
            self.exdates.contains(&at)
                || self.overridden.contains(&at)
                || self.exdays.contains(&zoned.date())
        }
    }

    /// A wall-clock time as a civil instant; an all-day one at the midnight of its day.
    fn day_or_time(&self, at: DateTime, all_day: bool) -> Civil {
        let civil = Civil::of(at);
        if all_day {
            Civil { sec: 0, ..civil }
        } else {
            civil
        }
    }

    /// The occurrence starting at the wall-clock `start`, ending at `end` or after the
    /// series' length.
    fn occurrence(
        &self,
        start: Civil,
        end: Option<Civil>,
        all_day: bool,
        status: Option<EventStatus>,
    ) -> Option<Occurrence> {
        // Whole days are midnights in the display zone, even in a UTC series.
        let zone = if all_day {
            &self.display
        } else {
            &self.expansion
        };
        let zoned = |c: Civil| {
            c.to_datetime()?
                .to_zoned_datetime(zone.clone())
                .ok()
                .map(|z| z.with_time_zone(self.display.clone()))
        };
        let begin = zoned(start)?;
        let end = match end {
            Some(end) => zoned(end)?,
            None => {
                let days = self.series.days.clamp(0, 400 * 366);
                let later = Civil {
                    day: start.day.checked_add(days)?,
                    ..start
                };
                zoned(later)?
                    .checked_add(SignedDuration::from_secs(self.series.seconds))
                    .ok()?
            }
        };
        let end = if end.timestamp() > begin.timestamp() {
            end
        } else if all_day {
            zoned(Civil {
                day: start.day.checked_add(1)?,
                sec: 0,
            })?
        } else {
            begin
                .checked_add(SignedDuration::from_secs(DEFAULT_SECONDS))
                .ok()?
        };
        Some(Occurrence {
            start: begin,
            end,
            all_day,
            status,
        })
    }
}

/// The wall-clock time in `tz` of `at` moved by `seconds`, saturating at the ends of time.
fn civil_at(tz: &TimeZone, at: Timestamp, seconds: i64) -> Civil {
    let moved = at
        .checked_add(SignedDuration::from_secs(seconds))
        .unwrap_or(if seconds < 0 {
            Timestamp::MIN
        } else {
            Timestamp::MAX
        });
    Civil::of(tz.to_datetime(moved))
}

/// A wall-clock time as a day number (days since 1970-01-01) and seconds into the day:
/// cheap to step through and to compare, whatever the calendar arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Civil {
    day: i64,
    sec: i64,
}

impl Civil {
    fn of(dt: DateTime) -> Self {
        Self {
            day: days_from_civil(
                i64::from(dt.year()),
                i64::from(dt.month()),
                i64::from(dt.day()),
            ),
            sec: i64::from(dt.hour()) * 3600 + i64::from(dt.minute()) * 60 + i64::from(dt.second()),
        }
    }

    fn date(self) -> Option<Date> {
        let (y, m, d) = civil_from_days(self.day);
        Date::new(
            i16::try_from(y).ok()?,
            i8::try_from(m).ok()?,
            i8::try_from(d).ok()?,
        )
        .ok()
    }

    fn to_datetime(self) -> Option<DateTime> {
        let date = self.date()?;
        let time = jiff::civil::Time::new(
            i8::try_from(self.sec / 3600).ok()?,
            i8::try_from(self.sec / 60 % 60).ok()?,
            i8::try_from(self.sec % 60).ok()?,
            0,
        )
        .ok()?;
        Some(date.to_datetime(time))
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date `(year, month, day)` of a day number.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Day of the week of a day number, 0 for Monday (1970-01-01 was a Thursday).
fn weekday(day: i64) -> i64 {
    (day + 3).rem_euclid(7)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_year(y: i64) -> i64 {
    if is_leap(y) { 366 } else { 365 }
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Years a jiff date can hold; periods outside them end the expansion.
const YEARS: std::ops::RangeInclusive<i64> = -9998..=9998;

/// One rule applied from one DTSTART.
struct Expander<'a> {
    rule: &'a Rule,
    start: Civil,
    start_ymd: (i64, i64, i64),
    /// BYMONTHDAY, or the day of DTSTART when no day part is given (MONTHLY, YEARLY).
    by_month_day: Vec<i64>,
    /// BYMONTH, or the month of DTSTART for a YEARLY rule with no day part.
    by_month: Vec<i64>,
    /// BYDAY, or the weekday of DTSTART for a WEEKLY rule with no day part.
    by_day: Vec<(i64, i64)>,
    hours: Vec<i64>,
    minutes: Vec<i64>,
    seconds: Vec<i64>,
    /// UNTIL as a wall-clock time in the expansion zone (inclusive).
    until: Option<Civil>,
}

fn widen<T: Copy + Into<i64>>(v: &[T]) -> Vec<i64> {
    v.iter().map(|&x| x.into()).collect()
}

impl<'a> Expander<'a> {
    fn new(rule: &'a Rule, start: Civil, all_day: bool, zone: &TimeZone) -> Self {
        let start_ymd = civil_from_days(start.day);
        let no_day_part = rule.by_week_no.is_empty()
            && rule.by_year_day.is_empty()
            && rule.by_month_day.is_empty()
            && rule.by_day.is_empty();
        let mut by_month_day = widen(&rule.by_month_day);
        let mut by_month = widen(&rule.by_month);
        let mut by_day: Vec<(i64, i64)> = rule
            .by_day
            .iter()
            .map(|&(n, d)| (i64::from(n), i64::from(d)))
            .collect();
        if no_day_part {
            match rule.freq {
                Freq::Yearly => {
                    by_month_day = vec![start_ymd.2];
                    if by_month.is_empty() {
                        by_month = vec![start_ymd.1];
                    }
                }
                Freq::Monthly => by_month_day = vec![start_ymd.2],
                Freq::Weekly => by_day = vec![(0, weekday(start.day))],
                Freq::Daily | Freq::Hourly => {}
            }
        }
        let or_start = |list: &[i8], start: i64| {
            if list.is_empty() || all_day {
                vec![start]
            } else {
                widen(list)
            }
        };
        let (hours, minutes, seconds) = if all_day {
            (vec![0], vec![0], vec![0])
        } else {
            (
                or_start(&rule.by_hour, start.sec / 3600),
                or_start(&rule.by_minute, start.sec / 60 % 60),
                or_start(&rule.by_second, start.sec % 60),
            )
        };
        let until = rule.until.map(|until| match until {
            Value::Date(d) => Civil {
                day: days_from_civil(
                    i64::from(d.year()),
                    i64::from(d.month()),
                    i64::from(d.day()),
                ),
                sec: DAY - 1,
            },
            Value::Local(dt) => Civil::of(dt),
            Value::Utc(ts) => Civil::of(zone.to_datetime(ts)),
        });
        Self {
            rule,
            start,
            start_ymd,
            by_month_day,
            by_month,
            by_day,
            hours,
            minutes,
            seconds,
            until,
        }
    }

    /// Day number of the first day of the week (from WKST) holding `day`.
    fn week_start(&self, day: i64) -> i64 {
        day - (weekday(day) - i64::from(self.rule.wkst)).rem_euclid(7)
    }

    /// Index of the period holding `at`, counted in periods of the frequency from that of
    /// DTSTART (not yet divided by INTERVAL).
    fn period_of(&self, at: Civil) -> i64 {
        let (sy, sm, _) = self.start_ymd;
        let (y, m, _) = civil_from_days(at.day);
        match self.rule.freq {
            Freq::Yearly => y - sy,
            Freq::Monthly => (y * 12 + m) - (sy * 12 + sm),
            Freq::Weekly => (self.week_start(at.day) - self.week_start(self.start.day)) / 7,
            Freq::Daily => at.day - self.start.day,
            Freq::Hourly => {
                (at.day * 24 + at.sec / 3600) - (self.start.day * 24 + self.start.sec / 3600)
            }
        }
    }

    /// The days of period `k` (already multiplied by INTERVAL), and for HOURLY its hour;
    /// `None` once past the years a date can hold.
    fn period(&self, k: i64) -> Option<(Vec<i64>, Option<i64>)> {
        let (sy, sm, _) = self.start_ymd;
        let within = |y: i64| YEARS.contains(&y).then_some(());
        Some(match self.rule.freq {
            Freq::Yearly => {
                let y = sy.checked_add(k)?;
                within(y)?;
                let first = days_from_civil(y, 1, 1);
                ((first..first + days_in_year(y)).collect(), None)
            }
            Freq::Monthly => {
                let index = (sy * 12 + sm - 1).checked_add(k)?;
                let (y, m) = (index.div_euclid(12), index.rem_euclid(12) + 1);
                within(y)?;
                let first = days_from_civil(y, m, 1);
                ((first..first + days_in_month(y, m)).collect(), None)
            }
            Freq::Weekly => {
                let first = self
                    .week_start(self.start.day)
                    .checked_add(k.checked_mul(7)?)?;
                within(civil_from_days(first).0)?;
                ((first..first + 7).collect(), None)
            }
            Freq::Daily => {
                let day = self.start.day.checked_add(k)?;
                within(civil_from_days(day).0)?;
                (vec![day], None)
            }
            Freq::Hourly => {
                let hour = (self.start.day * 24 + self.start.sec / 3600).checked_add(k)?;
                let day = hour.div_euclid(24);
                within(civil_from_days(day).0)?;
                (vec![day], Some(hour.rem_euclid(24)))
            }
        })
    }

    /// True when the BYxxx day parts select `day`.
    fn day_matches(&self, day: i64) -> bool {
        let (y, m, d) = civil_from_days(day);
        if !self.by_month.is_empty() && !self.by_month.contains(&m) {
            return false;
        }
        let year_day = day - days_from_civil(y, 1, 1) + 1;
        let year_len = days_in_year(y);
        if !self.rule.by_year_day.is_empty()
            && !self
                .rule
                .by_year_day
                .iter()
                .any(|&n| i64::from(n) == year_day || i64::from(n) == year_day - year_len - 1)
        {
            return false;
        }
        let month_len = days_in_month(y, m);
        if !self.by_month_day.is_empty()
            && !self
                .by_month_day
                .iter()
                .any(|&n| n == d || n == d - month_len - 1)
        {
            return false;
        }
        if !self.rule.by_week_no.is_empty() && !self.week_no_matches(day) {
            return false;
        }
        if !self.by_day.is_empty() {
            // Ordinals count within the month (MONTHLY, or YEARLY with BYMONTH) or the year
            // (YEARLY); elsewhere they mean nothing and are ignored.
            let scope = match self.rule.freq {
                Freq::Monthly => Some((d, month_len)),
                Freq::Yearly if !self.rule.by_month.is_empty() => Some((d, month_len)),
                Freq::Yearly if self.rule.by_week_no.is_empty() => Some((year_day, year_len)),
                _ => None,
            };
            let wd = weekday(day);
            return self.by_day.iter().any(|&(n, w)| {
                w == wd
                    && match (n, scope) {
                        (0, _) | (_, None) => true,
                        (n, Some((index, _))) if n > 0 => (index - 1) / 7 + 1 == n,
                        (n, Some((index, len))) => (len - index) / 7 + 1 == -n,
                    }
            });
        }
        true
    }

    /// BYWEEKNO: weeks start on WKST, and week 1 is the first with at least four days in
    /// the year (RFC 5545, as ISO 8601 with WKST for Monday).
    fn week_no_matches(&self, day: i64) -> bool {
        let week_one = |y: i64| {
            let jan1 = days_from_civil(y, 1, 1);
            let start = self.week_start(jan1);
            if jan1 - start <= 3 { start } else { start + 7 }
        };
        let y = civil_from_days(day).0;
        let (first, next) = if day < week_one(y) {
            (week_one(y - 1), week_one(y))
        } else if day >= week_one(y + 1) {
            (week_one(y + 1), week_one(y + 2))
        } else {
            (week_one(y), week_one(y + 1))
        };
        let week = (day - first) / 7 + 1;
        let weeks = (next - first) / 7;
        self.rule
            .by_week_no
            .iter()
            .any(|&n| i64::from(n) == week || i64::from(n) == week - weeks - 1)
    }

    /// Calls `emit` with each instance from the window's period on, in order, until `emit`
    /// returns false, an instance reaches `hi`, the rule ends, or the work bound is hit.
    /// Instances before `lo` are skipped (but counted for COUNT).
    fn run(&self, lo: Civil, hi: Civil, mut emit: impl FnMut(Civil) -> bool) {
        let interval = self.rule.interval.max(1);
        // Without COUNT, periods before the window cannot matter: start at the window's.
        let mut index = if self.rule.count.is_none() {
            self.period_of(lo).div_euclid(interval).max(0)
        } else {
            0
        };
        let mut steps = 0;
        let mut counted: u64 = 0;
        // RFC 5545: "The DTSTART property value always counts as the first occurrence", also
        // when the rule does not produce it (a Wednesday start of a BYDAY=MO rule): it then
        // takes one of COUNT's places.
        let mut dtstart_seen = false;
        let count = self.rule.count.map(u64::from);
        let mut instances = Vec::new();
        while steps < MAX_STEPS {
            steps += 1;
            let Some(k) = index.checked_mul(interval) else {
                return;
            };
            let Some((days, hour)) = self.period(k) else {
                return;
            };
            let Some(&first_day) = days.first() else {
                return;
            };
            let period_start = Civil {
                day: first_day,
                sec: hour.map_or(0, |h| h * 3600),
            };
            if period_start >= hi || self.until.is_some_and(|u| period_start.day > u.day + 1) {
                return;
            }
            instances.clear();
            for &day in &days {
                if !self.day_matches(day) {
                    continue;
                }
                let hours: &[i64] = match hour {
                    Some(h) if self.rule.by_hour.is_empty() || self.hours.contains(&h) => &[h],
                    Some(_) => &[],
                    None => &self.hours,
                };
                for &h in hours {
                    for &m in &self.minutes {
                        for &s in &self.seconds {
                            steps += 1;
                            if steps >= MAX_STEPS {
                                return;
                            }
                            instances.push(Civil {
                                day,
                                sec: h * 3600 + m * 60 + s,
                            });
                        }
                    }
                }
            }
            if !self.rule.by_set_pos.is_empty() {
                instances.sort();
                let len = i64::try_from(instances.len()).unwrap_or(i64::MAX);
                let mut chosen: Vec<Civil> = self
                    .rule
                    .by_set_pos
                    .iter()
                    .filter_map(|&p| {
                        let p = i64::from(p);
                        let i = if p > 0 { p - 1 } else { len + p };
                        usize::try_from(i)
                            .ok()
                            .and_then(|i| instances.get(i).copied())
                    })
                    .collect();
                chosen.sort();
                chosen.dedup();
                instances = chosen;
            }
            for &instance in &instances {
                if instance < self.start {
                    continue;
                }
                if self.until.is_some_and(|u| instance > u) {
                    return;
                }
                if !dtstart_seen {
                    dtstart_seen = true;
                    if instance != self.start {
                        counted += 1;
                    }
                }
                counted += 1;
                if count.is_some_and(|c| counted > c) || instance >= hi {
                    return;
                }
                if instance >= lo && !emit(instance) {
                    return;
                }
            }
            index += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn day_numbers_agree_with_jiff() {
        let epoch = date(1970, 1, 1);
        let mut d = date(1600, 1, 1);
        while d < date(2500, 1, 1) {
            let n = days_from_civil(
                i64::from(d.year()),
                i64::from(d.month()),
                i64::from(d.day()),
            );
            assert_eq!(i64::from(epoch.until(d).unwrap().get_days()), n);
            assert_eq!(
                civil_from_days(n),
                (
                    i64::from(d.year()),
                    i64::from(d.month()),
                    i64::from(d.day())
                )
            );
            assert_eq!(
                weekday(n),
                i64::from(d.weekday().to_monday_zero_offset()),
                "{d}"
            );
            d = d.checked_add(jiff::Span::new().days(13)).unwrap();
        }
    }

    /// Starts of the instances of `rule` from `start`, between two wall-clock times.
    fn expand(rule: &str, start: DateTime, lo: DateTime, hi: DateTime) -> Vec<String> {
        let rule: Rule = rule.parse().unwrap();
        let expander = Expander::new(&rule, Civil::of(start), false, &TimeZone::UTC);
        let mut out = Vec::new();
        expander.run(Civil::of(lo), Civil::of(hi), |c| {
            out.push(c.to_datetime().unwrap().to_string());
            true
        });
        out
    }

    #[test]
    fn rfc_5545_examples() {
        let at = |y, m, d, h| date(y, m, d).at(h, 0, 0, 0);
        // "Every other week on Monday, Wednesday, and Friday until December 24, 1997,
        // starting on Monday, September 1, 1997" (RFC 5545 §3.8.5.3): 25 instances.
        let got = expand(
            "FREQ=WEEKLY;INTERVAL=2;UNTIL=19971224T000000Z;WKST=SU;BYDAY=MO,WE,FR",
            at(1997, 9, 1, 9),
            at(1997, 1, 1, 0),
            at(1999, 1, 1, 0),
        );
        assert_eq!(got.len(), 25);
        assert_eq!(
            got[..4],
            [
                "1997-09-01T09:00:00",
                "1997-09-03T09:00:00",
                "1997-09-05T09:00:00",
                "1997-09-15T09:00:00"
            ]
        );
        assert_eq!(got[24], "1997-12-22T09:00:00");
        // "Monthly on the first Friday for 10 occurrences", from Friday 5 September 1997.
        let got = expand(
            "FREQ=MONTHLY;COUNT=10;BYDAY=1FR",
            at(1997, 9, 5, 9),
            at(1997, 1, 1, 0),
            at(2000, 1, 1, 0),
        );
        assert_eq!(got.len(), 10);
        assert_eq!(got[1], "1997-10-03T09:00:00");
        assert_eq!(got[9], "1998-06-05T09:00:00");
        // "The last work day of the month": BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1.
        let got = expand(
            "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
            at(1997, 9, 30, 9),
            at(1997, 1, 1, 0),
            at(1998, 4, 1, 0),
        );
        assert_eq!(
            got,
            [
                "1997-09-30T09:00:00",
                "1997-10-31T09:00:00",
                "1997-11-28T09:00:00",
                "1997-12-31T09:00:00",
                "1998-01-30T09:00:00",
                "1998-02-27T09:00:00",
                "1998-03-31T09:00:00"
            ]
        );
        // "Every Friday the 13th": from 1997-09-02 (excluded: not an instance), the first
        // ones are 1998-02-13, 1998-03-13, 1998-11-13, 1999-08-13.
        let got = expand(
            "FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13",
            at(1997, 9, 2, 9),
            at(1997, 1, 1, 0),
            at(1999, 9, 1, 0),
        );
        assert_eq!(
            got,
            [
                "1998-02-13T09:00:00",
                "1998-03-13T09:00:00",
                "1998-11-13T09:00:00",
                "1999-08-13T09:00:00"
            ]
        );
        // "Monday of week number 20", yearly (ISO weeks): 1997-05-12, 1998-05-11, 1999-05-17.
        let got = expand(
            "FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO",
            at(1997, 5, 12, 9),
            at(1997, 1, 1, 0),
            at(2000, 1, 1, 0),
        );
        assert_eq!(
            got,
            [
                "1997-05-12T09:00:00",
                "1998-05-11T09:00:00",
                "1999-05-17T09:00:00"
            ]
        );
        // "Every 20th Monday of the year": 1997-05-19, 1998-05-18, 1999-05-17.
        let got = expand(
            "FREQ=YEARLY;BYDAY=20MO",
            at(1997, 5, 19, 9),
            at(1997, 1, 1, 0),
            at(2000, 1, 1, 0),
        );
        assert_eq!(
            got,
            [
                "1997-05-19T09:00:00",
                "1998-05-18T09:00:00",
                "1999-05-17T09:00:00"
            ]
        );
        // "Every 3 hours from 09:00 to 17:00 on a specific day": UNTIL 17:00 local.
        let got = expand(
            "FREQ=HOURLY;INTERVAL=3;UNTIL=19970902T170000",
            at(1997, 9, 2, 9),
            at(1997, 1, 1, 0),
            at(1998, 1, 1, 0),
        );
        assert_eq!(
            got,
            [
                "1997-09-02T09:00:00",
                "1997-09-02T12:00:00",
                "1997-09-02T15:00:00"
            ]
        );
        // Yearly on 29 February: leap years only.
        let got = expand(
            "FREQ=YEARLY",
            at(2024, 2, 29, 9),
            at(2024, 1, 1, 0),
            at(2033, 1, 1, 0),
        );
        assert_eq!(
            got,
            [
                "2024-02-29T09:00:00",
                "2028-02-29T09:00:00",
                "2032-02-29T09:00:00"
            ]
        );
        // Monthly on the 31st skips the shorter months.
        let got = expand(
            "FREQ=MONTHLY;COUNT=4",
            at(2025, 1, 31, 9),
            at(2025, 1, 1, 0),
            at(2026, 1, 1, 0),
        );
        assert_eq!(
            got,
            [
                "2025-01-31T09:00:00",
                "2025-03-31T09:00:00",
                "2025-05-31T09:00:00",
                "2025-07-31T09:00:00"
            ]
        );
        // The second-to-last day of each month, and the 100th day of the year from the end.
        // DTSTART (1 January) is not one of them but takes the first of COUNT's places (the
        // series adds it): two from the rule.
        let got = expand(
            "FREQ=MONTHLY;BYMONTHDAY=-2;COUNT=3",
            at(2024, 1, 1, 9),
            at(2024, 1, 1, 0),
            at(2025, 1, 1, 0),
        );
        assert_eq!(got, ["2024-01-30T09:00:00", "2024-02-28T09:00:00"]);
        let got = expand(
            "FREQ=YEARLY;BYYEARDAY=-100;COUNT=2",
            at(2023, 1, 1, 9),
            at(2023, 1, 1, 0),
            at(2025, 1, 1, 0),
        );
        // 2023: 365 - 99 = day 266 = 23 September (DTSTART, 1 January, took COUNT's first place).
        assert_eq!(got, ["2023-09-23T09:00:00"]);
        // With DTSTART on an instance, both: 2024 (leap) too, 366 - 99 = day 267 = 23 September.
        let got = expand(
            "FREQ=YEARLY;BYYEARDAY=-100;COUNT=2",
            at(2023, 9, 23, 9),
            at(2023, 1, 1, 0),
            at(2025, 1, 1, 0),
        );
        assert_eq!(got, ["2023-09-23T09:00:00", "2024-09-23T09:00:00"]);
    }

    #[test]
    fn skipping_ahead_gives_the_same_instances_as_starting_from_dtstart() {
        let start = date(2001, 1, 3).at(19, 0, 0, 0);
        let lo = date(2024, 6, 1).at(0, 0, 0, 0);
        let hi = date(2024, 9, 1).at(0, 0, 0, 0);
        for rule in [
            "FREQ=WEEKLY;INTERVAL=3;BYDAY=WE,SA",
            "FREQ=MONTHLY;INTERVAL=2;BYDAY=-1FR",
            "FREQ=DAILY;INTERVAL=17",
            "FREQ=YEARLY;INTERVAL=23;BYMONTH=7;BYDAY=1MO",
            "FREQ=HOURLY;INTERVAL=777",
        ] {
            let skipped = expand(rule, start, lo, hi);
            // The same rule with a COUNT too large to end it walks every period from DTSTART.
            let walked = expand(&format!("{rule};COUNT=1000000"), start, lo, hi);
            assert!(!skipped.is_empty(), "{rule}");
            assert_eq!(skipped, walked, "{rule}");
        }
    }

    #[test]
    fn hostile_rules_end_quickly() {
        let start = date(2024, 1, 1).at(0, 0, 0, 0);
        let lo = date(-9000, 1, 1).at(0, 0, 0, 0);
        let hi = date(9999, 12, 31).at(0, 0, 0, 0);
        for rule in [
            "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
            "FREQ=HOURLY;BYMINUTE=0,1,2,3,4,5,6,7,8,9;BYSECOND=0,1,2,3,4,5,6,7,8,9",
            "FREQ=YEARLY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23;BYMINUTE=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20",
            "FREQ=DAILY;INTERVAL=999999999",
            "FREQ=MONTHLY;INTERVAL=999999999;BYSETPOS=366,-366",
            "FREQ=WEEKLY;COUNT=4294967295",
        ] {
            let got = expand(rule, start, lo, hi);
            assert!(got.len() < MAX_STEPS, "{rule}");
        }
    }
}
