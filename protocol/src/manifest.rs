//! The per-screen manifest: everything a player needs, small, deterministic and versioned.
//!
//! `version` is the SHA-256 of the manifest's canonical JSON computed without the `version`
//! field (see [`crate::canonical`]), so two servers with the same database publish
//! byte-identical manifests and a player can tell at once whether anything changed.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::alert::Alert;
use crate::canonical::{self, CanonicalError};
use crate::ids::{Insee, Sha256};
use crate::layout::{Colour, Layout};
use crate::playlist::Playlist;
use crate::schedule::ScheduleEntry;
use crate::text::Lang;
use crate::time::{Window, Zone};
use crate::validate::{Checker, Problems, Validate};

/// The manifest schema this crate writes; readers accept this and older ones.
pub const SCHEMA_VERSION: u32 = 1;

/// Everything one screen plays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Schema of this document; a player refuses a schema newer than it knows.
    pub schema_version: u32,
    /// SHA-256 of the canonical JSON without this field; empty until [`Manifest::seal`].
    #[serde(default)]
    pub version: String,
    /// The instant of the publish that produced it (stored in the database, never "now").
    pub generated_at: Timestamp,
    /// The screen this manifest is for.
    pub screen: Screen,
    /// The layout the screen uses (an id from `layouts`).
    pub layout: String,
    /// Layouts referenced by this manifest.
    pub layouts: Vec<Layout>,
    /// Playlists referenced by the defaults and the schedule.
    pub playlists: Vec<Playlist>,
    /// The playlist each zone plays when no schedule entry is active; a zone without one
    /// shows only its background then.
    #[serde(default)]
    pub default_playlists: BTreeMap<String, String>,
    /// Timed entries, in priority-tie order.
    #[serde(default)]
    pub schedule: Vec<ScheduleEntry>,
    /// Every blob the items draw (images, fonts, logos).
    #[serde(default)]
    pub assets: Vec<AssetRef>,
    /// The data sets the items draw from, as JSON blobs.
    #[serde(default)]
    pub data: DataRefs,
    /// Alerts for this screen, cancelled ones included so that older copies lose.
    #[serde(default)]
    pub alerts: Vec<Alert>,
    /// When the display is lit; empty means always.
    #[serde(default)]
    pub power: PowerSchedule,
}

/// Whether a screen plays signage or runs the touch kiosk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Unattended playback.
    #[default]
    Signage,
    /// Touch table in the tourist office.
    Kiosk,
}

/// How the frame is turned on the panel, clockwise, applied by the renderer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "u16", into = "u16")]
pub enum Rotation {
    /// Upright.
    #[default]
    R0,
    /// A quarter turn clockwise (portrait panel mounted on its side).
    R90,
    /// Upside down (panel hung from the ceiling).
    R180,
    /// Three quarter turns clockwise.
    R270,
}

impl Rotation {
    /// The angle in degrees.
    pub fn degrees(self) -> u16 {
        match self {
            Rotation::R0 => 0,
            Rotation::R90 => 90,
            Rotation::R180 => 180,
            Rotation::R270 => 270,
        }
    }
}

impl TryFrom<u16> for Rotation {
    type Error = String;
    fn try_from(d: u16) -> Result<Self, String> {
        match d {
            0 => Ok(Self::R0),
            90 => Ok(Self::R90),
            180 => Ok(Self::R180),
            270 => Ok(Self::R270),
            _ => Err(format!("rotation {d} is not one of 0, 90, 180, 270")),
        }
    }
}

impl From<Rotation> for u16 {
    fn from(r: Rotation) -> u16 {
        r.degrees()
    }
}

/// A screen's look: logo, colours and font.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Theme {
    /// Logo image drawn in corners and on the alert layout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<Sha256>,
    /// Page background.
    pub background: Colour,
    /// Cards and panels.
    pub surface: Colour,
    /// Body text.
    pub text: Colour,
    /// Headings, highlights, the ticker band.
    pub accent: Colour,
    /// Alert background.
    pub alert: Colour,
    /// Font family name among the fonts the player ships.
    pub font: String,
}

impl Default for Theme {
    fn default() -> Self {
        Self {
            logo: None,
            background: Colour::rgb(0x0b, 0x1f, 0x3a),
            surface: Colour::rgb(0x16, 0x32, 0x5c),
            text: Colour::rgb(0xf5, 0xf7, 0xfa),
            accent: Colour::rgb(0xf2, 0xb7, 0x05),
            alert: Colour::rgb(0xc6, 0x28, 0x28),
            font: "Inter".into(),
        }
    }
}

/// A pixel size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Size {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// The screen itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Screen {
    /// Screen id.
    pub id: String,
    /// Name shown to the officer and by the `identify` action ("Mairie de Fruges — hall").
    pub name: String,
    /// The commune it stands in; filters events, news and waste.
    pub commune: Insee,
    /// Signage or kiosk.
    #[serde(default)]
    pub mode: Mode,
    /// Panel rotation.
    #[serde(default)]
    pub rotation: Rotation,
    /// IANA zone of its wall clock; schedules are read in it.
    #[serde(default)]
    pub time_zone: Zone,
    /// Languages in order of preference; the first is the screen's language.
    #[serde(default = "default_languages")]
    pub languages: Vec<Lang>,
    /// Native resolution of the panel, when known (caps media renditions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Size>,
    /// Look.
    #[serde(default)]
    pub theme: Theme,
}

fn default_languages() -> Vec<Lang> {
    vec![Lang::fr()]
}

impl Screen {
    /// The screen's main language.
    pub fn language(&self) -> Lang {
        self.languages.first().cloned().unwrap_or_else(Lang::fr)
    }
}

/// A blob the screen draws, with what the player needs before decoding it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetRef {
    /// Content address.
    pub sha256: Sha256,
    /// Size in bytes, checked after download.
    pub size: u64,
    /// MIME type from the file's magic bytes (`image/jpeg`, `image/png`, `font/ttf`...).
    pub mime: String,
    /// Pixel width, for images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// Pixel height, for images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
}

/// A JSON blob holding one data set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobRef {
    /// Content address.
    pub sha256: Sha256,
    /// Size in bytes.
    pub size: u64,
}

impl BlobRef {
    /// The reference to `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Self {
            sha256: Sha256::of(bytes),
            size: bytes.len() as u64,
        }
    }
}

/// References to the data sets this screen's items need.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataRefs {
    /// Events agenda.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<BlobRef>,
    /// Waste collections and sorting advice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waste: Option<BlobRef>,
    /// News.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub news: Option<BlobRef>,
    /// Local products catalogue (kiosk).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalogue: Option<BlobRef>,
}

impl DataRefs {
    /// Each present reference with the data set's name.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &BlobRef)> {
        [
            ("events", &self.events),
            ("waste", &self.waste),
            ("news", &self.news),
            ("catalogue", &self.catalogue),
        ]
        .into_iter()
        .filter_map(|(n, r)| r.as_ref().map(|r| (n, r)))
    }
}

/// When the display is lit. Outside every window the player turns the panel off (DPMS/CEC),
/// except while an alert shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PowerSchedule {
    /// Windows with the display on; empty means always on.
    #[serde(default)]
    pub on: Vec<Window>,
}

impl Manifest {
    /// The layout the screen uses, if it exists.
    pub fn screen_layout(&self) -> Option<&Layout> {
        self.layouts.iter().find(|l| l.id == self.layout)
    }

    /// The playlist `id`.
    pub fn playlist(&self, id: &str) -> Option<&Playlist> {
        self.playlists.iter().find(|p| p.id == id)
    }

    /// The canonical JSON hash of this manifest without its `version` field.
    pub fn compute_version(&self) -> Result<Sha256, CanonicalError> {
        let mut value =
            serde_json::to_value(self).map_err(|e| CanonicalError::Serialize(e.to_string()))?;
        if let Some(map) = value.as_object_mut() {
            map.remove("version");
        }
        Ok(Sha256::of(canonical::to_string(&value)?.as_bytes()))
    }

    /// Sets `version` from the content.
    pub fn seal(&mut self) -> Result<(), CanonicalError> {
        self.version = self.compute_version()?.to_string();
        Ok(())
    }

    /// The canonical JSON of the sealed manifest: what the server serves and hashes.
    pub fn to_canonical_json(&self) -> Result<String, CanonicalError> {
        let value =
            serde_json::to_value(self).map_err(|e| CanonicalError::Serialize(e.to_string()))?;
        canonical::to_string(&value)
    }

    /// Checks the manifest and also that `version` matches the content.
    pub fn check_sealed(&self) -> Result<(), Problems> {
        let mut v = Checker::new();
        self.validate(&mut v);
        match self.compute_version() {
            Ok(h) if h.as_str() == self.version => {}
            Ok(h) => v.report_at(
                "version",
                format!(
                    "\"{}\" does not match the content, whose hash is {h}",
                    self.version
                ),
            ),
            Err(e) => v.report(e.to_string()),
        }
        v.finish()
    }
}

impl Validate for Manifest {
    fn validate(&self, v: &mut Checker) {
        if self.schema_version == 0 || self.schema_version > SCHEMA_VERSION {
            v.report_at(
                "schema_version",
                format!(
                    "{} is not supported (this version reads 1 to {SCHEMA_VERSION})",
                    self.schema_version
                ),
            );
        }
        v.field("screen", |v| {
            if let Err(why) = crate::ids::check_id(&self.screen.id) {
                v.report_at("id", why);
            }
            v.ensure(
                !self.screen.name.trim().is_empty(),
                "name",
                "must not be empty",
            );
            v.ensure(
                !self.screen.languages.is_empty(),
                "languages",
                "must name at least one language",
            );
            v.ensure(
                !self.screen.theme.font.trim().is_empty(),
                "theme.font",
                "must name a font family",
            );
        });
        v.unique_ids("layouts", self.layouts.iter().map(|l| l.id.as_str()));
        v.each(
            "layouts",
            &self.layouts,
            |l| l.id.as_str(),
            |v, l| l.validate(v),
        );
        let layout = self.screen_layout();
        if layout.is_none() {
            v.report_at(
                "layout",
                format!("\"{}\" is not among the manifest's layouts", self.layout),
            );
        }
        let zone_known = |z: &str| layout.is_none_or(|l| l.zone(z).is_some());
        let playlists: BTreeSet<&str> = self.playlists.iter().map(|p| p.id.as_str()).collect();

        v.unique_ids("playlists", self.playlists.iter().map(|p| p.id.as_str()));
        v.each(
            "playlists",
            &self.playlists,
            |p| p.id.as_str(),
            |v, p| p.validate(v),
        );

        v.field("default_playlists", |v| {
            for (zone, playlist) in &self.default_playlists {
                v.item(zone, |v| {
                    if !zone_known(zone) {
                        v.report(format!(
                            "zone \"{zone}\" is not in layout \"{}\"",
                            self.layout
                        ));
                    }
                    if !playlists.contains(playlist.as_str()) {
                        v.report(format!("unknown playlist \"{playlist}\""));
                    }
                });
            }
        });

        v.unique_ids("schedule", self.schedule.iter().map(|e| e.id.as_str()));
        v.each(
            "schedule",
            &self.schedule,
            |e| e.id.as_str(),
            |v, e| {
                if !zone_known(&e.zone) {
                    v.report_at(
                        "zone",
                        format!("zone \"{}\" is not in layout \"{}\"", e.zone, self.layout),
                    );
                }
                if !playlists.contains(e.playlist.as_str()) {
                    v.report_at("playlist", format!("unknown playlist \"{}\"", e.playlist));
                }
                v.field("window", |v| e.window.validate(v));
            },
        );

        let assets: BTreeSet<&Sha256> = self.assets.iter().map(|a| &a.sha256).collect();
        let mut seen = BTreeSet::new();
        v.field("assets", |v| {
            for a in &self.assets {
                if !seen.insert(&a.sha256) {
                    v.item(&a.sha256, |v| v.report("listed twice"));
                }
                if !a.mime.contains('/') {
                    v.item(&a.sha256, |v| {
                        v.report_at("mime", format!("\"{}\" is not a MIME type", a.mime));
                    });
                }
            }
        });
        v.each(
            "playlists",
            &self.playlists,
            |p| p.id.as_str(),
            |v, p| {
                v.each(
                    "items",
                    &p.items,
                    |i| i.id.as_str(),
                    |v, item| {
                        for a in item.content.assets() {
                            if !assets.contains(a) {
                                v.report(format!(
                                    "unknown asset {a}: it is not in the manifest's assets"
                                ));
                            }
                        }
                    },
                );
            },
        );
        if let Some(logo) = &self.screen.theme.logo
            && !assets.contains(logo)
        {
            v.report_at(
                "screen.theme.logo",
                format!("unknown asset {logo}: it is not in the manifest's assets"),
            );
        }

        v.unique_ids("alerts", self.alerts.iter().map(|a| a.id.as_str()));
        v.each(
            "alerts",
            &self.alerts,
            |a| a.id.as_str(),
            |v, a| a.validate(v),
        );
        v.field("power", |v| {
            v.field("on", |v| {
                for (i, w) in self.power.on.iter().enumerate() {
                    v.item(i, |v| w.validate(v));
                }
            });
        });
    }
}
