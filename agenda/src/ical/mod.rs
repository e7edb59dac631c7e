//! iCalendar (RFC 5545) calendars. Placeholder: being written.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{Occurrence, Read, ReadError};

/// An iCalendar recurring series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {}

impl Series {
    /// The occurrences overlapping `[from, until)`.
    pub fn occurrences(&self, _from: Timestamp, _until: Timestamp) -> Vec<Occurrence> {
        Vec::new()
    }
}

/// Reads a calendar.
pub fn read(_bytes: &[u8], _default_zone: &str) -> Result<Read, ReadError> {
    Err(ReadError("not written yet".into()))
}
