//! Waste collection apart from drafts: each commune's calendar written as rules
//! (`beffroi-waste` expands them), the sorting guide (the officer's tips and ADEME's
//! guide), the waste data set every screen showing waste prompts carries, and the
//! iCalendar feed residents subscribe to.

pub mod dataset;
pub mod edit;
pub mod refresh;
pub mod store;
pub mod words;

pub use refresh::refresh;
