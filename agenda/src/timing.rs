//! When an event takes place: a list of occurrences, or an iCalendar series expanded on
//! demand over a horizon.

use beffroi_protocol::data::events::EventStatus;
use jiff::{Timestamp, ZonedDateTime};
use serde::{Deserialize, Serialize};

use crate::MAX_OCCURRENCES;
use crate::ical::Series;

/// When an event takes place. Stored as JSON by the server, so keep it backward compatible.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Timing {
    /// Explicit occurrences (OpenAgenda timings, DATAtourisme periods, a single event).
    List {
        /// The occurrences, in any order.
        occurrences: Vec<Occurrence>,
    },
    /// An iCalendar series (RRULE, RDATE, EXDATE, RECURRENCE-ID overrides).
    Series(Series),
}

impl Timing {
    /// The occurrences that overlap `[from, until)`, sorted by start, at most
    /// [`MAX_OCCURRENCES`].
    pub fn occurrences(&self, from: Timestamp, until: Timestamp) -> Vec<Occurrence> {
        let mut found = match self {
            Self::List { occurrences } => joined(occurrences)
                .into_iter()
                .filter(|o| o.overlaps(from, until))
                .collect(),
            Self::Series(series) => series.occurrences(from, until),
        };
        found.sort_by_key(|o| o.start.timestamp());
        found.truncate(MAX_OCCURRENCES);
        found
    }
}

/// The occurrences sorted by start, consecutive whole days of the same status joined into
/// one: an exhibition that DATAtourisme lists as 300 single days is one event "until 28
/// April" on a screen, not the same title every day.
fn joined(occurrences: &[Occurrence]) -> Vec<Occurrence> {
    let mut sorted: Vec<&Occurrence> = occurrences.iter().collect();
    sorted.sort_by_key(|o| o.start.timestamp());
    let mut out: Vec<Occurrence> = Vec::with_capacity(sorted.len());
    for o in sorted {
        match out.last_mut() {
            Some(last)
                if last.all_day
                    && o.all_day
                    && last.status == o.status
                    && last.end.timestamp() == o.start.timestamp() =>
            {
                last.end = o.end.clone();
            }
            _ => out.push(o.clone()),
        }
    }
    out
}

/// One occurrence of an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Occurrence {
    /// Start, in the zone of the place (or of the calendar).
    pub start: ZonedDateTime,
    /// End, exclusive; for an all-day occurrence, the midnight after its last day.
    pub end: ZonedDateTime,
    /// Whole days (start and end at local midnight).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub all_day: bool,
    /// This occurrence's own status, when it differs from the event's (a cancelled instance).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<EventStatus>,
}

impl Occurrence {
    /// True when `[start, end)` overlaps `[from, until)`.
    pub fn overlaps(&self, from: Timestamp, until: Timestamp) -> bool {
        self.start.timestamp() < until && from < self.end.timestamp()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(start: &str, end: &str, all_day: bool) -> Occurrence {
        Occurrence {
            start: start.parse().unwrap(),
            end: end.parse().unwrap(),
            all_day,
            status: None,
        }
    }

    #[test]
    fn consecutive_whole_days_are_one_occurrence_and_the_rest_stays_apart() {
        let t = Timing::List {
            occurrences: vec![
                day(
                    "2026-12-08T00:00:00+01:00[Europe/Paris]",
                    "2026-12-09T00:00:00+01:00[Europe/Paris]",
                    true,
                ),
                day(
                    "2026-12-07T00:00:00+01:00[Europe/Paris]",
                    "2026-12-08T00:00:00+01:00[Europe/Paris]",
                    true,
                ),
                // A gap: a new occurrence.
                day(
                    "2026-12-10T00:00:00+01:00[Europe/Paris]",
                    "2026-12-11T00:00:00+01:00[Europe/Paris]",
                    true,
                ),
                // Timed slots on following days stay apart (their hours matter).
                day(
                    "2026-12-12T10:00:00+01:00[Europe/Paris]",
                    "2026-12-12T18:00:00+01:00[Europe/Paris]",
                    false,
                ),
                day(
                    "2026-12-13T10:00:00+01:00[Europe/Paris]",
                    "2026-12-13T18:00:00+01:00[Europe/Paris]",
                    false,
                ),
            ],
        };
        let from: Timestamp = "2026-12-01T00:00:00Z".parse().unwrap();
        let until: Timestamp = "2026-12-31T00:00:00Z".parse().unwrap();
        let got = t.occurrences(from, until);
        let spans: Vec<(String, String)> = got
            .iter()
            .map(|o| (o.start.date().to_string(), o.end.date().to_string()))
            .collect();
        assert_eq!(
            spans,
            [
                ("2026-12-07".into(), "2026-12-09".into()),
                ("2026-12-10".into(), "2026-12-11".into()),
                ("2026-12-12".into(), "2026-12-12".into()),
                ("2026-12-13".into(), "2026-12-13".into()),
            ]
        );
        // A window inside the joined days still gets the whole run, with its true end.
        let inside = t.occurrences(
            "2026-12-08T12:00:00Z".parse().unwrap(),
            "2026-12-08T13:00:00Z".parse().unwrap(),
        );
        assert_eq!(inside.len(), 1);
        assert_eq!(inside[0].end.date().to_string(), "2026-12-09");
    }
}
