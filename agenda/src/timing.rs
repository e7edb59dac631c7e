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
            Self::List { occurrences } => occurrences
                .iter()
                .filter(|o| o.overlaps(from, until))
                .cloned()
                .collect(),
            Self::Series(series) => series.occurrences(from, until),
        };
        found.sort_by_key(|o| o.start.timestamp());
        found.truncate(MAX_OCCURRENCES);
        found
    }
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
