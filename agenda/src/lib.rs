//! Event sources read into one shape ([`SourceEvent`]), and their occurrences over a
//! horizon ([`Timing::occurrences`]).
//!
//! Pure: bytes in, events out; the caller passes the instants. The server stores what this
//! crate reads (the timing as JSON, so that the occurrences can be expanded again as days go
//! by) and turns the occurrences into the events data set.

pub mod apidae;
pub mod category;
pub mod datatourisme;
pub mod ical;
mod json;
pub mod openagenda;
mod timing;

use beffroi_protocol::data::events::{EventCategory, EventStatus};
use beffroi_protocol::text::Text;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub use ical::Series;
pub use timing::{Occurrence, Timing};

/// Most occurrences one event yields over one horizon; an hourly rule must not flood the
/// screens (or the data set).
pub const MAX_OCCURRENCES: usize = 200;

/// What a source file held: the events that could be read, and one problem per item that
/// could not (the rest of the file still counts).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Read {
    /// Events read, in file order; `source_id`s are unique (a later duplicate is a problem).
    pub events: Vec<SourceEvent>,
    /// Items (or parts of items: one bad date of an event still read) skipped, each with why.
    pub problems: Vec<ItemProblem>,
    /// Why this is one page of a larger answer (an API lists at most so many events at a
    /// time), when it is: the events missing from it are not gone from the source.
    pub partial: Option<String>,
}

/// An item of a source that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemProblem {
    /// The item's id in the source, when it has one.
    pub source_id: Option<String>,
    /// Its title, when it could be read, so that the officer recognises it.
    pub title: Option<String>,
    /// What is wrong, in English, naming the field ("DTSTART: \"2019-13-01\" is not a date").
    pub message: String,
}

/// The whole file could not be read: nothing in it counts, and nothing stored changes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ReadError(pub String);

/// One event as a source describes it, before its occurrences are expanded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceEvent {
    /// The event's id in its source (iCalendar UID, OpenAgenda uid, DATAtourisme `@id`).
    pub source_id: String,
    /// Title, per language.
    pub title: Text,
    /// Description as plain text (HTML removed), per language; may be empty.
    #[serde(default)]
    pub description: Text,
    /// Where it happens, as the source writes it; the server finds the commune.
    #[serde(default)]
    pub place: Place,
    /// What kind of event, from the source's categories or keywords.
    #[serde(default)]
    pub category: EventCategory,
    /// Status of the whole event (a cancelled instance of a series says so in its occurrence).
    #[serde(default)]
    pub status: EventStatus,
    /// Page with more information, `http(s)` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Poster or photo, an absolute `http(s)` address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// When it takes place.
    pub timing: Timing,
    /// When the source last changed it, if it says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<Timestamp>,
}

/// Where an event happens, as written in the source.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    /// Name of the place ("Salle des fêtes").
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// One-line address, as written (may hold the whole iCalendar LOCATION).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub address: String,
    /// Postal code, when the source gives it apart.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub postal_code: String,
    /// Commune name, when the source gives it apart.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub city: String,
    /// INSEE code, when the source gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insee: Option<String>,
}
