//! Schedule entries: which playlist a zone plays, when, and with what priority.

use serde::{Deserialize, Serialize};

use crate::time::Window;

/// "Play this playlist in this zone during this window."
///
/// When several entries match a zone at once the highest `priority` wins and ties go to the
/// entry listed first; when none matches, the zone plays its default playlist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleEntry {
    /// Entry id, unique in the manifest.
    pub id: String,
    /// Human name ("Marché du samedi matin").
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// The layout zone it fills.
    #[serde(default = "main_zone")]
    pub zone: String,
    /// The playlist played.
    pub playlist: String,
    /// Higher wins.
    #[serde(default)]
    pub priority: i32,
    /// When, in the screen's local time.
    pub window: Window,
}

fn main_zone() -> String {
    crate::layout::MAIN_ZONE.to_owned()
}
