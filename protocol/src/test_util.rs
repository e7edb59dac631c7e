//! Short constructors shared by the unit tests of this crate.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::ids::Insee;
use crate::time::{TimeOfDay, Zone};

/// Europe/Paris.
pub(crate) fn paris() -> TimeZone {
    Zone::paris().tz()
}

/// An instant from RFC 3339.
pub(crate) fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// A civil date from `YYYY-MM-DD`.
pub(crate) fn d(s: &str) -> Date {
    s.parse().unwrap()
}

/// A time of day from `HH:MM`.
pub(crate) fn tod(s: &str) -> TimeOfDay {
    s.parse().unwrap()
}

/// An INSEE code.
pub(crate) fn insee(s: &str) -> Insee {
    s.parse().unwrap()
}
