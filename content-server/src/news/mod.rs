//! News: the officer's announcements and the items imported from RSS/Atom feeds, stored
//! apart from drafts, gathered into the news data set every screen showing news carries.

pub mod dataset;
pub mod edit;
pub mod feed;
pub mod import;
pub mod refresh;
pub mod schedule;
pub mod store;

pub use refresh::refresh;
