//! The JSON bodies of each kind of object, as the API accepts them and the database keeps
//! them. Unknown fields are refused so that a typo is an error, not a silent default.

use std::collections::BTreeMap;

use beffroi_protocol::ids::Insee;
use beffroi_protocol::layout::Layout;
use beffroi_protocol::manifest::{Mode, PowerSchedule, Rotation, Size, Theme};
use beffroi_protocol::playlist::Item;
use beffroi_protocol::text::Lang;
use beffroi_protocol::time::{Window, Zone};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Kind;

/// A screen group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupBody {
    /// Name shown to the officer.
    pub name: String,
    /// What the group is for.
    #[serde(default)]
    pub description: String,
}

/// A screen: where it stands, how it is mounted, what it plays by default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScreenBody {
    /// Name shown to the officer and by `identify` ("Mairie de Fruges — hall").
    pub name: String,
    /// INSEE code of the commune it stands in.
    #[schema(value_type = String, example = "62361")]
    pub commune: Insee,
    /// `signage` or `kiosk`.
    #[serde(default)]
    #[schema(value_type = String, example = "signage")]
    pub mode: Mode,
    /// 0, 90, 180 or 270.
    #[serde(default)]
    #[schema(value_type = u16)]
    pub rotation: Rotation,
    /// IANA time zone of its wall clock.
    #[serde(default)]
    #[schema(value_type = String, example = "Europe/Paris")]
    pub time_zone: Zone,
    /// Languages, the screen's own first.
    #[serde(default = "french")]
    #[schema(value_type = Vec<String>, example = json!(["fr", "en"]))]
    pub languages: Vec<Lang>,
    /// Native resolution of the panel (caps the renditions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub resolution: Option<Size>,
    /// Logo, colours and font.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub theme: Theme,
    /// The layout id.
    pub layout: String,
    /// Per zone, the playlist played when no schedule entry is active.
    #[serde(default)]
    pub default_playlists: BTreeMap<String, String>,
    /// The groups it belongs to.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Free tags schedule entries can target ("accueil", "exterieur").
    #[serde(default)]
    pub tags: Vec<String>,
    /// When the display is lit; empty means always.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub power: PowerSchedule,
}

fn french() -> Vec<Lang> {
    vec![Lang::fr()]
}

/// A playlist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaylistBody {
    /// Name shown to the officer.
    pub name: String,
    /// The items (protocol `Item`s; images name the SHA-256 of an uploaded media).
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<Item>,
}

/// Which screens a schedule entry is for; a screen matches when any part names it. An entry
/// owned by a commune reaches only that commune's screens, whatever it targets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Targets {
    /// Every screen (of the owner).
    #[serde(default)]
    pub all: bool,
    /// Screens standing in these communes.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub communes: Vec<Insee>,
    /// Screens in these groups.
    #[serde(default)]
    pub groups: Vec<String>,
    /// These screens.
    #[serde(default)]
    pub screens: Vec<String>,
    /// Screens with one of these tags.
    #[serde(default)]
    pub tags: Vec<String>,
}

/// A schedule entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleBody {
    /// Name shown to the officer ("Marché du samedi matin").
    #[serde(default)]
    pub name: String,
    /// The layout zone it fills; screens whose layout lacks it ignore the entry.
    #[serde(default = "main_zone")]
    pub zone: String,
    /// The playlist played.
    pub playlist: String,
    /// Higher wins; ties go to the entry whose id sorts first.
    #[serde(default)]
    pub priority: i32,
    /// When, in each screen's local time.
    #[schema(value_type = Object)]
    pub window: Window,
    /// Which screens.
    pub targets: Targets,
}

fn main_zone() -> String {
    beffroi_protocol::layout::MAIN_ZONE.to_owned()
}

/// A body of any kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// A screen group.
    Group(GroupBody),
    /// A screen.
    Screen(Box<ScreenBody>),
    /// A layout (its `id` is the object id).
    Layout(Layout),
    /// A playlist.
    Playlist(PlaylistBody),
    /// A schedule entry.
    Schedule(ScheduleBody),
}

impl Body {
    /// Parses the JSON body of an object of `kind`; the error names the field at fault.
    pub fn parse(kind: Kind, value: serde_json::Value) -> Result<Body, String> {
        fn de<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> Result<T, String> {
            serde_json::from_value(v).map_err(|e| e.to_string())
        }
        Ok(match kind {
            Kind::Group => Body::Group(de(value)?),
            Kind::Screen => Body::Screen(Box::new(de(value)?)),
            Kind::Layout => Body::Layout(de(value)?),
            Kind::Playlist => Body::Playlist(de(value)?),
            Kind::Schedule => Body::Schedule(de(value)?),
        })
    }

    /// The body as stored: JSON.
    pub fn to_json(&self) -> serde_json::Value {
        let v = match self {
            Body::Group(b) => serde_json::to_value(b),
            Body::Screen(b) => serde_json::to_value(b),
            Body::Layout(b) => serde_json::to_value(b),
            Body::Playlist(b) => serde_json::to_value(b),
            Body::Schedule(b) => serde_json::to_value(b),
        };
        // These types hold only strings, integers, maps and lists: serialisation cannot fail.
        v.unwrap_or(serde_json::Value::Null)
    }

    /// The name shown to the officer.
    pub fn name(&self) -> &str {
        match self {
            Body::Group(b) => &b.name,
            Body::Screen(b) => &b.name,
            Body::Layout(b) => &b.name,
            Body::Playlist(b) => &b.name,
            Body::Schedule(b) => &b.name,
        }
    }
}
