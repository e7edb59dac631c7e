//! Wall-clock windows in a screen's time zone and the instants they cover, DST included.
//!
//! A window `HH:MM–HH:MM` matches an instant whose *local wall-clock time* lies inside it
//! (end exclusive). Everything else follows from that one rule, computed exactly:
//! on the spring-forward day a window starting in the missing hour begins at 03:00 and one
//! lying wholly inside it does not occur; on the fall-back day the repeated hour matches twice.
//! A window whose end is before its start crosses midnight; its weekday and date filters apply
//! to the local date on which it starts.

use std::fmt;
use std::str::FromStr;

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::ids::ParseIdError;
use crate::validate::Checker;

/// A time of day to the minute, `00:00` to `24:00` (the latter only as a window end).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TimeOfDay(u16);

impl TimeOfDay {
    /// Midnight at the start of the day.
    pub const MIDNIGHT: Self = Self(0);
    /// Midnight at the end of the day; valid only as the end of a window.
    pub const END_OF_DAY: Self = Self(24 * 60);

    /// `hour:minute`; `None` when out of range (24:00 is accepted).
    pub const fn hm(hour: u16, minute: u16) -> Option<Self> {
        if hour > 24 || minute >= 60 {
            return None;
        }
        let m = hour * 60 + minute;
        if m <= 24 * 60 { Some(Self(m)) } else { None }
    }

    /// Minutes since midnight.
    pub const fn minutes(self) -> u16 {
        self.0
    }

    /// The civil time (24:00 has none; it is handled by callers as the next midnight).
    fn civil(self) -> Time {
        let m = self.0 % (24 * 60);
        Time::constant((m / 60) as i8, (m % 60) as i8, 0, 0)
    }

    /// The local datetime of this time on `date` (24:00 is midnight of the next day).
    pub fn on(self, date: Date) -> DateTime {
        if self == Self::END_OF_DAY {
            next_day(date).to_datetime(Time::midnight())
        } else {
            date.to_datetime(self.civil())
        }
    }

    /// The time of day of a civil time, truncated to the minute.
    pub fn of(time: Time) -> Self {
        Self(time.hour() as u16 * 60 + time.minute() as u16)
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

impl FromStr for TimeOfDay {
    type Err = ParseIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || {
            ParseIdError(format!(
                "\"{s}\" is not a time of day (HH:MM, 00:00 to 24:00)"
            ))
        };
        let (h, m) = s.split_once(':').ok_or_else(err)?;
        if h.len() != 2 || m.len() != 2 {
            return Err(err());
        }
        let h: u16 = h.parse().map_err(|_| err())?;
        let m: u16 = m.parse().map_err(|_| err())?;
        Self::hm(h, m).ok_or_else(err)
    }
}

impl TryFrom<String> for TimeOfDay {
    type Error = ParseIdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<TimeOfDay> for String {
    fn from(t: TimeOfDay) -> String {
        t.to_string()
    }
}

/// A day of the week, serialised as `mon` … `sun`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    /// Monday.
    Mon,
    /// Tuesday.
    Tue,
    /// Wednesday.
    Wed,
    /// Thursday.
    Thu,
    /// Friday.
    Fri,
    /// Saturday.
    Sat,
    /// Sunday.
    Sun,
}

impl Weekday {
    /// Every day, Monday first.
    pub const ALL: [Weekday; 7] = [
        Self::Mon,
        Self::Tue,
        Self::Wed,
        Self::Thu,
        Self::Fri,
        Self::Sat,
        Self::Sun,
    ];

    /// The weekday of a civil date.
    pub fn of(date: Date) -> Self {
        Self::ALL[date.weekday().to_monday_zero_offset() as usize]
    }
}

/// An IANA time zone name such as `Europe/Paris`, checked against the time zone database.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Zone(String);

impl Zone {
    /// `Europe/Paris`, the default for every screen of the territory.
    pub fn paris() -> Self {
        Self("Europe/Paris".into())
    }

    /// The IANA name.
    pub fn name(&self) -> &str {
        &self.0
    }

    /// The zone's rules. The name was checked when parsed, so this only fails if the time
    /// zone database changed under a running process; UTC is then the least surprising answer.
    pub fn tz(&self) -> TimeZone {
        jiff::tz::db().get(&self.0).unwrap_or(TimeZone::UTC)
    }
}

impl Default for Zone {
    fn default() -> Self {
        Self::paris()
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Zone {
    type Err = ParseIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match jiff::tz::db().get(s) {
            Ok(_) if !s.is_empty() => Ok(Self(s.to_owned())),
            _ => Err(ParseIdError(format!(
                "\"{s}\" is not a time zone of the IANA database (e.g. Europe/Paris)"
            ))),
        }
    }
}

impl TryFrom<String> for Zone {
    type Error = ParseIdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Zone> for String {
    fn from(z: Zone) -> String {
        z.0
    }
}

/// A half-open interval of instants `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Span {
    /// First instant inside.
    pub start: Timestamp,
    /// First instant after.
    pub end: Timestamp,
}

impl Span {
    /// True when `t` is inside.
    pub fn contains(&self, t: Timestamp) -> bool {
        self.start <= t && t < self.end
    }
}

/// The day after `date` (saturating at the end of jiff's range, far beyond any schedule).
pub fn next_day(date: Date) -> Date {
    date.tomorrow().unwrap_or(date)
}

/// The day before `date`.
pub fn prev_day(date: Date) -> Date {
    date.yesterday().unwrap_or(date)
}

/// The local datetime of `t` in `tz`.
pub fn local(tz: &TimeZone, t: Timestamp) -> DateTime {
    tz.to_offset(t).to_datetime(t)
}

/// The instants whose local datetime in `tz` lies in `[from, to)`, as disjoint sorted spans.
///
/// Local time is monotonic between two offset transitions, so each stretch of constant
/// offset contributes at most one span. Across a fall-back transition the same local time
/// occurs twice and the result may hold two spans; a range inside a spring-forward gap is empty.
pub fn local_range(tz: &TimeZone, from: DateTime, to: DateTime) -> Vec<Span> {
    // No offset on Earth exceeds ±18 h (jiff's own bound is ±25:59:59): these instants are
    // before and after every instant the range can contain.
    let widest = jiff::tz::Offset::constant(25);
    let (Ok(lo), Ok(hi)) = (widest.to_timestamp(from), (-widest).to_timestamp(to)) else {
        return Vec::new();
    };
    let mut spans: Vec<Span> = Vec::new();
    let mut piece_start = lo;
    let mut offset = tz.to_offset(lo);
    let mut transitions = tz.following(lo).map(|tr| (tr.timestamp(), tr.offset()));
    loop {
        let next = transitions.next().filter(|(at, _)| *at < hi);
        let piece_end = next.map_or(hi, |(at, _)| at);
        if let (Ok(a), Ok(b)) = (offset.to_timestamp(from), offset.to_timestamp(to)) {
            let start = a.max(piece_start);
            let end = b.min(piece_end);
            if start < end {
                match spans.last_mut() {
                    Some(last) if last.end == start => last.end = end,
                    _ => spans.push(Span { start, end }),
                }
            }
        }
        match next {
            Some((at, off)) => {
                piece_start = at;
                offset = off;
            }
            None => return spans,
        }
    }
}

/// A recurring wall-clock window: `start`–`end` on the days its filters allow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// Local start time (inclusive).
    pub start: TimeOfDay,
    /// Local end time (exclusive); before `start` when the window crosses midnight,
    /// `24:00` for the end of the day. Never equal to `start`.
    pub end: TimeOfDay,
    /// Days on which the window starts; empty means every day.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub weekdays: Vec<Weekday>,
    /// First local start date (inclusive); none means no lower bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Date>,
    /// Last local start date (inclusive); none means no upper bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<Date>,
}

/// One occurrence of a window: the local date it starts on and the instants it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    /// The local date on which the occurrence starts (the date the filters were applied to).
    pub date: Date,
    /// The covered instants, sorted: one span, or two when a fall-back hour repeats inside it.
    pub spans: Vec<Span>,
}

impl Occurrence {
    /// The first instant covered: the anchor from which playlist positions are counted.
    pub fn anchor(&self) -> Timestamp {
        self.spans[0].start
    }

    /// The first instant after the occurrence.
    pub fn end(&self) -> Timestamp {
        self.spans[self.spans.len() - 1].end
    }
}

/// How many days ahead boundary searches look past the first day a window may occur; a week
/// covers every weekday filter, and the day more covers a missing-hour occurrence.
const SEARCH_DAYS: i32 = 8;

impl Window {
    /// A window every day from `start` to `end`.
    pub fn daily(start: TimeOfDay, end: TimeOfDay) -> Self {
        Self {
            start,
            end,
            weekdays: Vec::new(),
            from: None,
            until: None,
        }
    }

    /// True when the window ends on the day after it starts.
    pub fn crosses_midnight(&self) -> bool {
        self.end < self.start
    }

    /// True when the weekday and date filters allow an occurrence starting on `date`.
    pub fn starts_on(&self, date: Date) -> bool {
        (self.weekdays.is_empty() || self.weekdays.contains(&Weekday::of(date)))
            && self.from.is_none_or(|f| date >= f)
            && self.until.is_none_or(|u| date <= u)
    }

    /// The start date of the occurrence containing local datetime `dt`, if one does.
    pub fn occurrence_date_of(&self, dt: DateTime) -> Option<Date> {
        let tod = TimeOfDay::of(dt.time());
        let date = if self.crosses_midnight() {
            if tod >= self.start {
                dt.date()
            } else if tod < self.end {
                prev_day(dt.date())
            } else {
                return None;
            }
        } else if self.start <= tod && tod < self.end {
            dt.date()
        } else {
            return None;
        };
        self.starts_on(date).then_some(date)
    }

    /// True when instant `t` is inside an occurrence, judged by its local time in `tz`.
    pub fn matches(&self, tz: &TimeZone, t: Timestamp) -> bool {
        self.occurrence_date_of(local(tz, t)).is_some()
    }

    /// The occurrence starting on `date`, or `None` when the filters exclude the date or the
    /// window lies wholly inside a missing hour.
    pub fn occurrence_on(&self, tz: &TimeZone, date: Date) -> Option<Occurrence> {
        if !self.starts_on(date) {
            return None;
        }
        let end_date = if self.crosses_midnight() {
            next_day(date)
        } else {
            date
        };
        let spans = local_range(tz, self.start.on(date), self.end.on(end_date));
        (!spans.is_empty()).then_some(Occurrence { date, spans })
    }

    /// The occurrence containing instant `t`.
    pub fn occurrence_at(&self, tz: &TimeZone, t: Timestamp) -> Option<Occurrence> {
        let date = self.occurrence_date_of(local(tz, t))?;
        self.occurrence_on(tz, date)
    }

    /// The first span boundary (an occurrence starting or ending) strictly after `t`.
    pub fn next_boundary_after(&self, tz: &TimeZone, t: Timestamp) -> Option<Timestamp> {
        let mut date = prev_day(local(tz, t).date());
        if let Some(from) = self.from {
            date = date.max(prev_day(from));
        }
        let mut best: Option<Timestamp> = None;
        for _ in 0..=SEARCH_DAYS + 1 {
            if self.until.is_some_and(|u| date > u) {
                break;
            }
            if let Some(occ) = self.occurrence_on(tz, date) {
                // Occurrences of consecutive dates can interleave on a fall-back night (a
                // window longer than 23 hours), so the earliest boundary may belong to the
                // next date: look one date further once something is found.
                let found = occ
                    .spans
                    .iter()
                    .flat_map(|s| [s.start, s.end])
                    .find(|b| *b > t);
                if let Some(b) = found {
                    if best.is_some() {
                        return Some(best.map_or(b, |x| x.min(b)));
                    }
                    best = Some(b);
                }
            } else if best.is_some() {
                return best;
            }
            date = next_day(date);
        }
        best
    }

    /// Reports an empty window and a reversed date range.
    pub fn validate(&self, v: &mut Checker) {
        if self.start == self.end {
            v.report_at(
                "end",
                format!(
                    "equals the start ({}); a window must not be empty",
                    self.start
                ),
            );
        }
        if self.start == TimeOfDay::END_OF_DAY {
            v.report_at("start", "24:00 is only valid as an end");
        }
        if let (Some(f), Some(u)) = (self.from, self.until)
            && u < f
        {
            v.report_at("until", format!("{u} is before from ({f})"));
        }
        let mut seen = std::collections::BTreeSet::new();
        for d in &self.weekdays {
            if !seen.insert(d) {
                v.report_at("weekdays", format!("{d:?} is listed twice"));
            }
        }
    }
}

/// Milliseconds from `a` to `b` (negative when `b` is earlier).
pub fn millis_between(a: Timestamp, b: Timestamp) -> i64 {
    b.duration_since(a).as_millis() as i64
}

/// `t` moved by `ms` milliseconds, saturating at the ends of representable time.
pub fn add_millis(t: Timestamp, ms: i64) -> Timestamp {
    t.checked_add(SignedDuration::from_millis(ms))
        .unwrap_or(if ms < 0 {
            Timestamp::MIN
        } else {
            Timestamp::MAX
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{paris, ts};

    fn w(start: &str, end: &str) -> Window {
        Window::daily(start.parse().unwrap(), end.parse().unwrap())
    }

    #[test]
    fn time_of_day_parses_and_refuses() {
        assert_eq!("08:05".parse::<TimeOfDay>().unwrap().minutes(), 485);
        assert_eq!("24:00".parse::<TimeOfDay>().unwrap(), TimeOfDay::END_OF_DAY);
        for bad in ["24:01", "8:05", "08:60", "0805", "ab:cd"] {
            let err = bad.parse::<TimeOfDay>().unwrap_err().to_string();
            assert!(err.contains(bad), "{err}");
        }
    }

    #[test]
    fn zone_refuses_unknown_names() {
        assert!("America/New_York".parse::<Zone>().is_ok());
        let err = "Europe/Fruges".parse::<Zone>().unwrap_err().to_string();
        assert!(err.contains("Europe/Fruges"), "{err}");
    }

    #[test]
    fn spring_forward_window_starting_in_missing_hour_begins_at_three() {
        let occ = w("02:30", "05:00")
            .occurrence_on(&paris(), "2026-03-29".parse().unwrap())
            .unwrap();
        assert_eq!(occ.spans.len(), 1);
        // 03:00 CEST is 01:00 UTC.
        assert_eq!(occ.anchor(), ts("2026-03-29T01:00:00Z"));
        assert_eq!(occ.end(), ts("2026-03-29T03:00:00Z"));
    }

    #[test]
    fn window_inside_missing_hour_does_not_occur() {
        let win = w("02:10", "02:50");
        assert!(
            win.occurrence_on(&paris(), "2026-03-29".parse().unwrap())
                .is_none()
        );
        assert!(
            win.occurrence_on(&paris(), "2026-03-30".parse().unwrap())
                .is_some()
        );
    }

    #[test]
    fn fall_back_repeated_hour_matches_twice() {
        let occ = w("02:15", "02:45")
            .occurrence_on(&paris(), "2026-10-25".parse().unwrap())
            .unwrap();
        assert_eq!(
            occ.spans,
            vec![
                Span {
                    start: ts("2026-10-25T00:15:00Z"),
                    end: ts("2026-10-25T00:45:00Z")
                },
                Span {
                    start: ts("2026-10-25T01:15:00Z"),
                    end: ts("2026-10-25T01:45:00Z")
                },
            ]
        );
    }

    #[test]
    fn midnight_crossing_window_keeps_the_start_date_filter() {
        let mut win = w("22:00", "02:00");
        win.weekdays = vec![Weekday::Fri];
        // Saturday 2026-12-05 01:00 Paris = 00:00 UTC: inside Friday's occurrence.
        assert!(win.matches(&paris(), ts("2026-12-05T00:00:00Z")));
        // Sunday 01:00 belongs to Saturday's occurrence, which the filter excludes.
        assert!(!win.matches(&paris(), ts("2026-12-06T00:00:00Z")));
    }

    #[test]
    fn next_boundary_skips_to_the_first_allowed_date() {
        let mut win = w("09:00", "10:00");
        win.from = Some("2027-01-04".parse().unwrap());
        let b = win.next_boundary_after(&paris(), ts("2026-11-29T12:00:00Z"));
        assert_eq!(b, Some(ts("2027-01-04T08:00:00Z")));
        win.until = Some("2027-01-04".parse().unwrap());
        assert_eq!(
            win.next_boundary_after(&paris(), ts("2027-01-04T09:00:00Z")),
            None
        );
    }

    #[test]
    fn validation_names_empty_windows_and_reversed_dates() {
        let mut win = w("08:00", "08:00");
        win.from = Some("2026-12-01".parse().unwrap());
        win.until = Some("2026-11-01".parse().unwrap());
        let mut v = Checker::new();
        v.field("window", |v| win.validate(v));
        let p = v.finish().unwrap_err();
        assert!(p.has("window.end", "must not be empty"), "{p}");
        assert!(p.has("window.until", "before from"), "{p}");
    }
}
