//! News: the officer's announcements and the items imported from RSS/Atom feeds, stored
//! apart from drafts, gathered into the news data set every screen showing news carries.

pub mod feed;
mod html;
