//! Opening hours: a weekly schedule of slots with dated exceptions, evaluated exactly in a
//! time zone, daylight-saving changes included.
//!
//! A slot is a local wall-clock range on some weekdays, read with the rule of
//! [`crate::time`]: an instant is inside when its local time is. A slot whose end is before
//! its start crosses midnight and belongs to the day it starts on (a Friday 19:00–01:00 bar
//! slot is Friday's, and still open at 00:30 on Saturday). Exceptions replace the weekly slots
//! of the local dates they cover, judged by the date a slot starts on.

use jiff::Timestamp;
use jiff::civil::{Date, Time};
use jiff::tz::{Offset, TimeZone};
use serde::{Deserialize, Serialize};

use super::{is_false, text_is_unset};
use crate::text::Text;
use crate::time::{Span, TimeOfDay, Weekday, Window, local, next_day, prev_day};
use crate::validate::{Checker, Validate};

/// How many days ahead [`OpeningHours::next_opening`], [`OpeningHours::closes_at`] and
/// [`OpeningHours::next_change_after`] look before answering `None`.
pub const SEARCH_DAYS: u16 = 366;

/// Days looked at by the first, cheap pass of a search; a week covers every weekly schedule.
const FIRST_PASS_DAYS: u16 = 9;

/// A weekly schedule with exceptions. The default, with no slot, is never open.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpeningHours {
    /// The usual weekly slots.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub slots: Vec<Slot>,
    /// Dated exceptions (public holidays, summer hours, closures), which replace the weekly
    /// slots on the dates they cover.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exceptions: Vec<Exception>,
}

/// A weekly opening slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    /// Days on which the slot starts; empty means every day.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub weekdays: Vec<Weekday>,
    /// Opening time (inclusive).
    pub start: TimeOfDay,
    /// Closing time (exclusive); before `start` when the slot crosses midnight, `24:00` for
    /// the end of the day.
    pub end: TimeOfDay,
}

/// One opening range of a day, used by exceptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Hours {
    /// Opening time (inclusive).
    pub start: TimeOfDay,
    /// Closing time (exclusive); before `start` when the range crosses midnight.
    pub end: TimeOfDay,
}

impl Hours {
    /// The range as a window recurring every day.
    fn window(self) -> Window {
        Window::daily(self.start, self.end)
    }
}

/// Different hours, or a closure, on a run of dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exception {
    /// First local date covered.
    pub from: Date,
    /// Last local date covered (inclusive).
    pub until: Date,
    /// True when closed all those days; `slots` is then empty.
    #[serde(default, skip_serializing_if = "is_false")]
    pub closed: bool,
    /// The hours of each of those days, replacing the weekly slots.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub slots: Vec<Hours>,
    /// Why, shown to visitors ("Fermé pour inventaire").
    #[serde(default, skip_serializing_if = "text_is_unset")]
    pub note: Text,
}

impl Exception {
    /// True when `date` is in `from..=until`.
    pub fn covers(&self, date: Date) -> bool {
        self.from <= date && date <= self.until
    }
}

impl OpeningHours {
    /// True when there is no slot and no exception.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty() && self.exceptions.is_empty()
    }

    /// The exception covering local date `date` (the first listed, should several overlap).
    pub fn exception_on(&self, date: Date) -> Option<&Exception> {
        self.exceptions.iter().find(|e| e.covers(date))
    }

    /// The ranges that start on local date `date`, sorted: the exception's if one covers the
    /// date (none when closed), else the weekly slots of that weekday.
    pub fn hours_on(&self, date: Date) -> Vec<Hours> {
        let mut hours: Vec<Hours> = match self.exception_on(date) {
            Some(e) if e.closed => Vec::new(),
            Some(e) => e.slots.clone(),
            None => {
                let day = Weekday::of(date);
                self.slots
                    .iter()
                    .filter(|s| s.weekdays.is_empty() || s.weekdays.contains(&day))
                    .map(|s| Hours {
                        start: s.start,
                        end: s.end,
                    })
                    .collect()
            }
        };
        hours.sort();
        hours
    }

    /// True when open at instant `t`, judged by its local time in `tz`.
    pub fn is_open(&self, tz: &TimeZone, t: Timestamp) -> bool {
        let dt = local(tz, t);
        [prev_day(dt.date()), dt.date()].into_iter().any(|date| {
            self.hours_on(date)
                .into_iter()
                .any(|h| h.window().occurrence_date_of(dt) == Some(date))
        })
    }

    /// The instants open during occurrences that start on local dates `from..=until`, as
    /// sorted disjoint spans (adjacent or overlapping ranges are merged).
    pub fn spans(&self, tz: &TimeZone, from: Date, until: Date) -> Vec<Span> {
        let mut spans = Vec::new();
        let mut date = from;
        while date <= until {
            for h in self.hours_on(date) {
                if let Some(occ) = h.window().occurrence_on(tz, date) {
                    spans.extend(occ.spans);
                }
            }
            if date == next_day(date) {
                break;
            }
            date = next_day(date);
        }
        spans.sort();
        let mut merged: Vec<Span> = Vec::with_capacity(spans.len());
        for s in spans {
            match merged.last_mut() {
                Some(last) if s.start <= last.end => last.end = last.end.max(s.end),
                _ => merged.push(s),
            }
        }
        merged
    }

    /// When open at `t`: the instant it next closes. `None` when closed at `t`, or open
    /// without a break for the next [`SEARCH_DAYS`] days.
    pub fn closes_at(&self, tz: &TimeZone, t: Timestamp) -> Option<Timestamp> {
        if !self.is_open(tz, t) {
            return None;
        }
        self.search(tz, t, |spans| {
            spans.iter().find(|s| s.contains(t)).map(|s| s.end)
        })
    }

    /// The next instant strictly after `t` at which it goes from closed to open, within
    /// [`SEARCH_DAYS`] days. When open at `t`, that is the opening after the coming closure.
    pub fn next_opening(&self, tz: &TimeZone, t: Timestamp) -> Option<Timestamp> {
        self.search(tz, t, |spans| {
            spans.iter().map(|s| s.start).find(|b| *b > t)
        })
    }

    /// The next instant strictly after `t` at which it opens or closes, within
    /// [`SEARCH_DAYS`] days: when a screen showing "open"/"closed" must be redrawn.
    pub fn next_change_after(&self, tz: &TimeZone, t: Timestamp) -> Option<Timestamp> {
        self.search(tz, t, |spans| {
            spans.iter().flat_map(|s| [s.start, s.end]).find(|b| *b > t)
        })
    }

    /// Runs `find` over the spans of the days around `t`, first a week ahead then the whole
    /// search horizon, keeping an answer only when no later date's slot could change it.
    fn search(
        &self,
        tz: &TimeZone,
        t: Timestamp,
        find: impl Fn(&[Span]) -> Option<Timestamp>,
    ) -> Option<Timestamp> {
        let today = local(tz, t).date();
        // Two days back: a slot crossing midnight from yesterday may still be open, and it
        // may be merged with one from the day before.
        let first = prev_day(prev_day(today));
        for days in [FIRST_PASS_DAYS, SEARCH_DAYS + 1] {
            let mut last = today;
            for _ in 0..days {
                last = next_day(last);
            }
            let spans = self.spans(tz, first, last);
            // Occurrences of later dates start at or after this instant, whatever the offset.
            let horizon = Offset::constant(25)
                .to_timestamp(next_day(last).to_datetime(Time::midnight()))
                .ok()?;
            if let Some(found) = find(&spans).filter(|b| *b < horizon) {
                return Some(found);
            }
        }
        None
    }
}

impl Validate for OpeningHours {
    fn validate(&self, v: &mut Checker) {
        v.each("slots", &self.slots, |_| "", |v, s| s.validate(v));
        v.each("exceptions", &self.exceptions, |_| "", |v, e| e.validate(v));
        v.field("exceptions", |v| {
            for (j, b) in self.exceptions.iter().enumerate() {
                if let Some((i, a)) = self.exceptions[..j]
                    .iter()
                    .enumerate()
                    .find(|(_, a)| a.from <= b.until && b.from <= a.until)
                {
                    v.item(j, |v| {
                        v.report_at(
                            "from",
                            format!(
                                "{}–{} overlaps exception {i} ({}–{})",
                                b.from, b.until, a.from, a.until
                            ),
                        );
                    });
                }
            }
        });
    }
}

impl Validate for Slot {
    fn validate(&self, v: &mut Checker) {
        Window {
            weekdays: self.weekdays.clone(),
            ..Window::daily(self.start, self.end)
        }
        .validate(v);
    }
}

impl Validate for Hours {
    fn validate(&self, v: &mut Checker) {
        self.window().validate(v);
    }
}

impl Validate for Exception {
    fn validate(&self, v: &mut Checker) {
        if self.until < self.from {
            v.report_at(
                "until",
                format!("{} is before from ({})", self.until, self.from),
            );
        }
        if self.closed && !self.slots.is_empty() {
            v.report_at(
                "slots",
                format!(
                    "the exception is closed but lists {} opening range(s); remove them or set closed to false",
                    self.slots.len()
                ),
            );
        }
        if !self.closed && self.slots.is_empty() {
            v.report_at(
                "slots",
                "gives no opening range; set closed to true for a closure",
            );
        }
        v.each("slots", &self.slots, |_| "", |v, h| h.validate(v));
        v.field("note", |v| self.note.optional(v));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{d, paris, tod, ts};
    use crate::text::Lang;

    fn slot(days: &[Weekday], start: &str, end: &str) -> Slot {
        Slot {
            weekdays: days.to_vec(),
            start: tod(start),
            end: tod(end),
        }
    }

    fn hours(start: &str, end: &str) -> Hours {
        Hours {
            start: tod(start),
            end: tod(end),
        }
    }

    use Weekday::{Fri, Mon, Sat, Sun, Thu, Tue, Wed};

    /// The town hall of Fruges: weekdays with a lunch break, Saturday morning, closed between
    /// Christmas and Boxing day, short hours on New Year's Eve.
    fn mairie() -> OpeningHours {
        OpeningHours {
            slots: vec![
                slot(&[Mon, Tue, Wed, Thu, Fri], "08:30", "12:00"),
                slot(&[Mon, Tue, Wed, Thu, Fri], "13:30", "17:30"),
                slot(&[Sat], "09:00", "12:00"),
            ],
            exceptions: vec![
                Exception {
                    from: d("2026-12-24"),
                    until: d("2026-12-26"),
                    closed: true,
                    slots: vec![],
                    note: Text::fr("Fermeture de Noël").with(Lang::en(), "Closed for Christmas"),
                },
                Exception {
                    from: d("2026-12-31"),
                    until: d("2026-12-31"),
                    closed: false,
                    slots: vec![hours("09:00", "12:00")],
                    note: Text::default(),
                },
            ],
        }
    }

    #[test]
    fn realistic_hours_round_trip_and_validate() {
        let h = mairie();
        h.check().unwrap();
        let json = serde_json::to_string(&h).unwrap();
        assert!(
            json.contains(r#"{"weekdays":["sat"],"start":"09:00","end":"12:00"}"#),
            "{json}"
        );
        assert!(json.contains(r#""closed":true"#), "{json}");
        let back: OpeningHours = serde_json::from_str(&json).unwrap();
        assert_eq!(back, h);
        let tolerant: OpeningHours = serde_json::from_str(
            r#"{"slots":[{"start":"10:00","end":"11:00","label":"x"}],"osm":"Mo-Fr 10:00-11:00"}"#,
        )
        .unwrap();
        assert_eq!(tolerant.slots, vec![slot(&[], "10:00", "11:00")]);
    }

    #[test]
    fn weekly_slots_and_lunch_break() {
        let (h, tz) = (mairie(), paris());
        // Thursday 3 December 2026, Paris is UTC+1.
        assert!(!h.is_open(&tz, ts("2026-12-03T07:29:59Z")));
        assert!(h.is_open(&tz, ts("2026-12-03T07:30:00Z")));
        assert!(!h.is_open(&tz, ts("2026-12-03T11:00:00Z"))); // 12:00 exclusive
        assert_eq!(
            h.closes_at(&tz, ts("2026-12-03T09:00:00Z")),
            Some(ts("2026-12-03T11:00:00Z"))
        );
        assert_eq!(
            h.next_opening(&tz, ts("2026-12-03T11:15:00Z")),
            Some(ts("2026-12-03T12:30:00Z"))
        );
        assert_eq!(h.closes_at(&tz, ts("2026-12-03T11:15:00Z")), None);
        // Open now: the next opening is after the lunch break.
        assert_eq!(
            h.next_opening(&tz, ts("2026-12-03T09:00:00Z")),
            Some(ts("2026-12-03T12:30:00Z"))
        );
    }

    #[test]
    fn next_opening_over_a_weekend() {
        let h = OpeningHours {
            slots: vec![slot(&[Mon, Tue, Wed, Thu, Fri], "08:30", "17:30")],
            exceptions: vec![],
        };
        let tz = paris();
        // Friday 4 December 2026 18:00 Paris -> Monday 7 December 08:30 Paris.
        let friday_evening = ts("2026-12-04T17:00:00Z");
        assert!(!h.is_open(&tz, friday_evening));
        assert_eq!(
            h.next_opening(&tz, friday_evening),
            Some(ts("2026-12-07T07:30:00Z"))
        );
        assert_eq!(
            h.next_change_after(&tz, friday_evening),
            Some(ts("2026-12-07T07:30:00Z"))
        );
        assert_eq!(
            h.next_change_after(&tz, ts("2026-12-07T07:30:00Z")),
            Some(ts("2026-12-07T16:30:00Z"))
        );
    }

    #[test]
    fn exceptions_close_days_and_replace_hours() {
        let (h, tz) = (mairie(), paris());
        // Friday 25 December 10:00: closed by the exception, and the note is there to show.
        assert!(!h.is_open(&tz, ts("2026-12-25T09:00:00Z")));
        assert!(
            h.exception_on(d("2026-12-25"))
                .unwrap()
                .note
                .get(&Lang::fr())
                .unwrap()
                .contains("Noël")
        );
        // Wednesday 23rd at 16:00: open until 17:30, then the next opening skips the closure
        // (24–26) and Sunday, to Monday 28 December 08:30.
        assert_eq!(
            h.closes_at(&tz, ts("2026-12-23T15:00:00Z")),
            Some(ts("2026-12-23T16:30:00Z"))
        );
        assert_eq!(
            h.next_opening(&tz, ts("2026-12-23T16:30:00Z")),
            Some(ts("2026-12-28T07:30:00Z"))
        );
        // Thursday 31st: 09:00–12:00 only.
        assert_eq!(h.hours_on(d("2026-12-31")), vec![hours("09:00", "12:00")]);
        assert!(!h.is_open(&tz, ts("2026-12-31T07:45:00Z"))); // 08:45
        assert!(h.is_open(&tz, ts("2026-12-31T08:00:00Z"))); // 09:00
        assert!(!h.is_open(&tz, ts("2026-12-31T13:00:00Z"))); // 14:00
        assert_eq!(
            h.next_opening(&tz, ts("2026-12-31T11:00:00Z")),
            Some(ts("2027-01-01T07:30:00Z"))
        );
    }

    #[test]
    fn slot_crossing_midnight_belongs_to_its_start_day() {
        let bar = OpeningHours {
            slots: vec![slot(&[Fri], "19:00", "01:00")],
            exceptions: vec![],
        };
        let tz = paris();
        // Saturday 5 December 00:30 Paris: Friday's slot.
        assert!(bar.is_open(&tz, ts("2026-12-04T23:30:00Z")));
        assert_eq!(
            bar.closes_at(&tz, ts("2026-12-04T23:30:00Z")),
            Some(ts("2026-12-05T00:00:00Z"))
        );
        // Sunday 00:30 would be Saturday's slot: there is none.
        assert!(!bar.is_open(&tz, ts("2026-12-05T23:30:00Z")));
        // A closure on Saturday leaves Friday night alone; one on Friday closes it.
        let mut sat_closed = bar.clone();
        sat_closed.exceptions.push(Exception {
            from: d("2026-12-05"),
            until: d("2026-12-05"),
            closed: true,
            slots: vec![],
            note: Text::default(),
        });
        assert!(sat_closed.is_open(&tz, ts("2026-12-04T23:30:00Z")));
        let mut fri_closed = sat_closed.clone();
        fri_closed.exceptions[0].from = d("2026-12-04");
        fri_closed.exceptions[0].until = d("2026-12-04");
        assert!(!fri_closed.is_open(&tz, ts("2026-12-04T23:30:00Z")));
        assert_eq!(
            fri_closed.next_opening(&tz, ts("2026-12-04T23:30:00Z")),
            Some(ts("2026-12-11T18:00:00Z"))
        );
    }

    #[test]
    fn adjacent_ranges_merge_and_always_open_never_closes() {
        let tz = paris();
        let split = OpeningHours {
            slots: vec![slot(&[], "09:00", "12:00"), slot(&[], "12:00", "14:00")],
            exceptions: vec![],
        };
        assert_eq!(
            split.closes_at(&tz, ts("2026-12-03T09:00:00Z")),
            Some(ts("2026-12-03T13:00:00Z"))
        );
        assert_eq!(
            split.next_change_after(&tz, ts("2026-12-03T09:00:00Z")),
            Some(ts("2026-12-03T13:00:00Z"))
        );
        let always = OpeningHours {
            slots: vec![slot(&[], "00:00", "24:00")],
            exceptions: vec![],
        };
        let t = ts("2026-12-03T09:00:00Z");
        assert!(always.is_open(&tz, t));
        assert_eq!(always.closes_at(&tz, t), None);
        assert_eq!(always.next_opening(&tz, t), None);
        assert_eq!(always.next_change_after(&tz, t), None);
        // ... until a closure more than a week ahead, which the second pass finds.
        let mut closing = always.clone();
        closing.exceptions.push(Exception {
            from: d("2027-02-01"),
            until: d("2027-02-01"),
            closed: true,
            slots: vec![],
            note: Text::default(),
        });
        assert_eq!(closing.closes_at(&tz, t), Some(ts("2027-01-31T23:00:00Z")));
        assert_eq!(
            closing.next_opening(&tz, t),
            Some(ts("2027-02-01T23:00:00Z"))
        );
        let never = OpeningHours::default();
        assert!(!never.is_open(&tz, t));
        assert_eq!(never.next_opening(&tz, t), None);
    }

    #[test]
    fn spring_forward_slot_in_the_missing_hour_opens_at_three() {
        let h = OpeningHours {
            slots: vec![slot(&[Sun], "02:30", "05:00")],
            exceptions: vec![],
        };
        let tz = paris();
        // Saturday 28 March 2026 midnight UTC: the Sunday slot opens at 03:00 CEST = 01:00 UTC.
        assert_eq!(
            h.next_opening(&tz, ts("2026-03-28T00:00:00Z")),
            Some(ts("2026-03-29T01:00:00Z"))
        );
        assert!(!h.is_open(&tz, ts("2026-03-29T00:59:59Z"))); // 01:59:59 CET
        assert!(h.is_open(&tz, ts("2026-03-29T01:00:00Z"))); // 03:00 CEST
        assert_eq!(
            h.closes_at(&tz, ts("2026-03-29T01:00:00Z")),
            Some(ts("2026-03-29T03:00:00Z"))
        );
        // A week later, the full two and a half hours.
        assert_eq!(
            h.next_opening(&tz, ts("2026-03-29T01:00:00Z")),
            Some(ts("2026-04-05T00:30:00Z"))
        );
    }

    #[test]
    fn fall_back_repeated_hour_is_open_twice() {
        let tz = paris();
        let night = OpeningHours {
            slots: vec![slot(&[Sun], "01:00", "04:00")],
            exceptions: vec![],
        };
        // Sunday 25 October 2026: 01:00 CEST = 23:00 UTC the day before, 04:00 CET = 03:00 UTC.
        for (t, open) in [
            ("2026-10-24T22:59:00Z", false),
            ("2026-10-24T23:00:00Z", true),
            ("2026-10-25T00:30:00Z", true), // 02:30 CEST
            ("2026-10-25T01:30:00Z", true), // 02:30 CET
            ("2026-10-25T02:59:00Z", true), // 03:59 CET
            ("2026-10-25T03:00:00Z", false),
        ] {
            assert_eq!(night.is_open(&tz, ts(t)), open, "{t}");
        }
        assert_eq!(
            night.closes_at(&tz, ts("2026-10-25T00:30:00Z")),
            Some(ts("2026-10-25T03:00:00Z"))
        );
        // A slot inside the repeated hour opens and closes twice.
        let short = OpeningHours {
            slots: vec![slot(&[Sun], "02:15", "02:45")],
            exceptions: vec![],
        };
        let mut t = ts("2026-10-24T12:00:00Z");
        let mut changes = Vec::new();
        for _ in 0..4 {
            t = short.next_change_after(&tz, t).unwrap();
            changes.push(t);
        }
        assert_eq!(
            changes,
            [
                "2026-10-25T00:15:00Z",
                "2026-10-25T00:45:00Z",
                "2026-10-25T01:15:00Z",
                "2026-10-25T01:45:00Z"
            ]
            .map(ts)
        );
        assert!(!short.is_open(&tz, ts("2026-10-25T01:00:00Z"))); // 02:00 CET
        assert_eq!(
            short.next_opening(&tz, ts("2026-10-25T00:20:00Z")),
            Some(ts("2026-10-25T01:15:00Z"))
        );
    }

    #[test]
    fn validation_names_each_problem() {
        let h = OpeningHours {
            slots: vec![
                slot(&[Mon, Tue, Mon], "09:00", "12:00"),
                slot(&[Sat], "14:00", "14:00"),
            ],
            exceptions: vec![
                Exception {
                    from: d("2026-12-24"),
                    until: d("2026-12-20"),
                    closed: true,
                    slots: vec![hours("09:00", "12:00")],
                    note: Text::default(),
                },
                Exception {
                    from: d("2026-07-01"),
                    until: d("2026-08-31"),
                    closed: false,
                    slots: vec![hours("10:00", "10:00")],
                    note: Text::fr(" "),
                },
                Exception {
                    from: d("2026-08-15"),
                    until: d("2026-08-15"),
                    closed: false,
                    slots: vec![],
                    note: Text::default(),
                },
            ],
        };
        let p = h.check().unwrap_err();
        assert!(p.has("slots[0].weekdays", "Mon is listed twice"), "{p}");
        assert!(p.has("slots[1].end", "equals the start (14:00)"), "{p}");
        assert!(
            p.has(
                "exceptions[0].until",
                "2026-12-20 is before from (2026-12-24)"
            ),
            "{p}"
        );
        assert!(
            p.has("exceptions[0].slots", "closed but lists 1 opening range"),
            "{p}"
        );
        assert!(
            p.has("exceptions[1].slots[0].end", "equals the start (10:00)"),
            "{p}"
        );
        assert!(p.has("exceptions[1].note", "the fr value is empty"), "{p}");
        assert!(p.has("exceptions[2].slots", "set closed to true"), "{p}");
        assert!(
            p.has(
                "exceptions[2].from",
                "2026-08-15–2026-08-15 overlaps exception 1 (2026-07-01–2026-08-31)"
            ),
            "{p}"
        );
        assert_eq!(p.0.len(), 8, "{p}");
    }
}
