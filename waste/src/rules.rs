//! The rules a collection calendar is written in, as the officer states them: "le mardi",
//! "le jeudi des semaines paires", "le 2e mercredi du mois", "d'avril à novembre", "décalée
//! au lendemain d'un jour férié". Serialised as the server stores them.

use std::fmt;
use std::str::FromStr;

use beffroi_protocol::data::waste::Stream;
use beffroi_protocol::text::Text;
use beffroi_protocol::time::Weekday;
use beffroi_protocol::validate::{Checker, Validate};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::holidays::Holiday;

/// One stream's collections in one commune: a rhythm, where and when it applies, and what
/// public holidays do to it. A commune may have several rules for one stream (household
/// waste on Tuesdays all year and on Fridays in summer): their dates are merged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// The stream collected.
    pub stream: Stream,
    /// Which days.
    pub rhythm: Rhythm,
    /// The part of each year it applies to (garden waste from April to November).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub season: Option<Season>,
    /// First day it applies (a new collection contract), inclusive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<Date>,
    /// Last day it applies, inclusive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<Date>,
    /// What a public holiday does to a collection falling on it.
    #[serde(default)]
    pub holidays: HolidayRule,
    /// Dates added by hand (a catch-up round), collected whatever the rhythm says.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub added: Vec<Date>,
    /// Dates the rhythm gives that are called off (a strike, a road closed), as the rhythm
    /// gives them, before any holiday shift.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cancelled: Vec<Date>,
    /// A note for residents ("bac à sortir la veille au soir, poignée côté rue").
    #[serde(default, skip_serializing_if = "Text::is_empty")]
    pub note: Text,
}

impl Rule {
    /// A rule collecting `stream` on `rhythm` all year, with no dates added or called off,
    /// no note, and the default holiday shift (to the next working day).
    pub fn new(stream: Stream, rhythm: Rhythm) -> Self {
        Self {
            stream,
            rhythm,
            season: None,
            valid_from: None,
            valid_until: None,
            holidays: HolidayRule::default(),
            added: Vec::new(),
            cancelled: Vec::new(),
            note: Text::default(),
        }
    }
}

/// Which days a rule collects on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Rhythm {
    /// Every week on these days.
    Weekly {
        /// The days, at least one.
        days: Vec<Weekday>,
    },
    /// On these days of the weeks whose ISO 8601 week number has this parity, as paper
    /// calendars say ("semaines paires"). A year of 53 weeks puts two odd weeks in a row
    /// (53 and 1): see [`crate::Notice::Week53`], and [`Rhythm::Fortnightly`] for a strict
    /// alternation.
    EveryOtherWeek {
        /// The days, at least one.
        days: Vec<Weekday>,
        /// Odd or even week numbers.
        parity: WeekParity,
    },
    /// Every fourteen days from a first collection, whatever the week numbers.
    Fortnightly {
        /// The days, at least one.
        days: Vec<Weekday>,
        /// A date of the first week collected; the weeks 14 days apart from its week follow.
        first: Date,
    },
    /// The nth such weekday of each month ("le 2e mercredi", "le dernier vendredi").
    Monthly {
        /// Which ones: 1 to 5, or -1 for the last; at least one.
        nth: Vec<i8>,
        /// The weekday.
        day: Weekday,
    },
    /// Only the listed dates (bulky waste on appointment days).
    Dates {
        /// The dates, at least one.
        dates: Vec<Date>,
    },
}

/// The parity of an ISO week number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WeekParity {
    /// Weeks 1, 3, 5… 53.
    Odd,
    /// Weeks 2, 4… 52.
    Even,
}

impl WeekParity {
    /// Whether ISO week number `week` has this parity.
    pub fn matches(self, week: i8) -> bool {
        (week % 2 == 1) == (self == WeekParity::Odd)
    }
}

/// A part of every year, from one day to another inclusive; it runs over the new year when
/// `until` comes before `from` (winter hours from 15 November to 15 March).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Season {
    /// First day.
    pub from: MonthDay,
    /// Last day.
    pub until: MonthDay,
}

impl Season {
    /// Whether `date` is inside the season.
    pub fn contains(&self, date: Date) -> bool {
        let d = MonthDay {
            month: date.month(),
            day: date.day(),
        };
        if self.from <= self.until {
            self.from <= d && d <= self.until
        } else {
            d >= self.from || d <= self.until
        }
    }
}

/// A day of the year, serialised `"04-01"`. 29 February is allowed; in other years a season
/// bounded by it simply has no such day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MonthDay {
    /// 1–12.
    pub month: i8,
    /// 1–31, as the month allows (29 for February).
    pub day: i8,
}

impl MonthDay {
    /// A checked day of the year.
    pub fn new(month: i8, day: i8) -> Result<Self, String> {
        let max = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 => 29,
            _ => return Err(format!("month {month} does not exist")),
        };
        if !(1..=max).contains(&day) {
            return Err(format!("day {day} does not exist in month {month}"));
        }
        Ok(Self { month, day })
    }
}

impl fmt::Display for MonthDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}-{:02}", self.month, self.day)
    }
}

impl FromStr for MonthDay {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("\"{s}\" is not a day of the year (MM-DD)");
        let (m, d) = s.split_once('-').ok_or_else(bad)?;
        let month = m.parse::<i8>().map_err(|_| bad())?;
        let day = d.parse::<i8>().map_err(|_| bad())?;
        Self::new(month, day)
    }
}

impl Serialize for MonthDay {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for MonthDay {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// What happens to a collection that falls on a French public holiday.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HolidayRule {
    /// The shift applied.
    #[serde(default)]
    pub shift: Shift,
    /// Holidays on which collections take place as usual ("collecte maintenue le 8 mai").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kept: Vec<Holiday>,
}

/// How a collection falling on a public holiday moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shift {
    /// To the next day that is neither a Sunday nor a public holiday ("reportée au
    /// lendemain").
    #[default]
    NextDay,
    /// To the previous day that is neither a Sunday nor a public holiday ("avancée à la
    /// veille").
    PreviousDay,
    /// Every collection of the week from the holiday on moves one day later, one more for
    /// each further holiday of that week ("toutes les collectes de la semaine sont décalées
    /// d'un jour").
    RestOfWeek,
    /// Not collected.
    Cancel,
    /// Collected as usual.
    Keep,
}

impl Validate for Rule {
    fn validate(&self, v: &mut Checker) {
        v.field("rhythm", |v| self.rhythm.validate(v));
        if let (Some(from), Some(until)) = (self.valid_from, self.valid_until)
            && until < from
        {
            v.field("valid_until", |v| {
                v.report(format!("{until} comes before valid_from {from}"));
            });
        }
        if let Some(season) = self.season
            && season.from == season.until
        {
            v.field("season", |v| {
                v.report(format!(
                    "starts and ends on {}: a season of one day is a date, list it in added",
                    season.from
                ));
            });
        }
        v.field("note", |v| self.note.optional(v));
    }
}

impl Validate for Rhythm {
    fn validate(&self, v: &mut Checker) {
        let days = |v: &mut Checker, days: &[Weekday]| {
            v.field("days", |v| {
                if days.is_empty() {
                    v.report("name at least one day");
                }
            });
        };
        match self {
            Rhythm::Weekly { days: d }
            | Rhythm::EveryOtherWeek { days: d, .. }
            | Rhythm::Fortnightly { days: d, .. } => days(v, d),
            Rhythm::Monthly { nth, .. } => v.field("nth", |v| {
                if nth.is_empty() {
                    v.report("name at least one (1 to 5, or -1 for the last)");
                }
                for n in nth {
                    if !(1..=5).contains(n) && *n != -1 {
                        v.report(format!("{n} is not 1 to 5 or -1 (the last)"));
                    }
                }
            }),
            Rhythm::Dates { dates } => v.field("dates", |v| {
                if dates.is_empty() {
                    v.report("name at least one date");
                }
            }),
        }
    }
}
