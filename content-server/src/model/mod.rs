//! The officer's objects — screen groups, screens, layouts, playlists, schedule entries — as
//! stored (a draft and a published JSON body per object, an owner), their bodies, the
//! reference and ownership rules, and the snapshot manifests are built from.

pub mod body;
pub mod check;
pub mod manifest;
pub mod snapshot;
pub mod store;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The kinds of object the officer edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A set of screens schedule entries can target ("toutes les mairies").
    Group,
    /// A screen or kiosk.
    Screen,
    /// A layout of zones.
    Layout,
    /// A playlist of items.
    Playlist,
    /// A schedule entry: a playlist in a zone during a window, for some screens.
    Schedule,
}

impl Kind {
    /// Every kind, in the order a publish applies them.
    pub const ALL: [Kind; 5] = [
        Kind::Group,
        Kind::Layout,
        Kind::Playlist,
        Kind::Screen,
        Kind::Schedule,
    ];

    /// The name stored in the database and used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Group => "group",
            Kind::Screen => "screen",
            Kind::Layout => "layout",
            Kind::Playlist => "playlist",
            Kind::Schedule => "schedule",
        }
    }

    /// The French name, for messages the officer reads in the web page.
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Group => "screen group",
            Kind::Screen => "screen",
            Kind::Layout => "layout",
            Kind::Playlist => "playlist",
            Kind::Schedule => "schedule entry",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "\"{s}\" is not a kind of object (group, screen, layout, playlist, schedule)"
                )
            })
    }
}

/// Which side of an object: what editors work on, or what screens play.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The drafts (previews).
    Draft,
    /// The published state (manifests).
    Published,
}
