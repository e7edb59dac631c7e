//! Waste collection for Beffroi: a commune's collection [`Calendar`] written as [`Rule`]s
//! (weekdays, every other ISO week, the nth weekday of the month, explicit dates, a season,
//! validity dates, French public holidays and what happens to a collection falling on one),
//! expanded into the concrete dates of the waste data set; its iCalendar export for
//! residents; and ADEME's "Que faire de mes déchets" guide read into sorting advice.
//!
//! Pure: the caller passes the dates. The server stores the rules and expands them again as
//! the weeks go by.

pub mod ademe;
pub mod calendar;
pub mod holidays;
pub mod ical;
pub mod rules;

pub use calendar::{Calendar, Notice, Planned, Why};
pub use holidays::Holiday;
pub use rules::{HolidayRule, MonthDay, Rhythm, Rule, Season, Shift, WeekParity};
