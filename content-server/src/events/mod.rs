//! The agenda: events written by the officer and events imported from agenda sources
//! (iCalendar, OpenAgenda, DATAtourisme, read by `beffroi-agenda`), stored apart from
//! drafts and expanded over the horizon into the events data set that every screen showing
//! an agenda carries.

pub mod dataset;
pub mod edit;
pub mod import;
pub mod place;
pub mod refresh;
pub mod schedule;
pub mod store;

pub use refresh::refresh;
