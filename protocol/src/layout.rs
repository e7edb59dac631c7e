//! Layouts: named zones with rectangles in a reference resolution, written by people in TOML.
//!
//! A layout is drawn at any real resolution by scaling its reference rectangle; text never
//! shrinks below `min_text_px` real pixels so odd low-resolution panels stay legible.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ids::ParseIdError;
use crate::validate::{Checker, Validate};

/// An sRGB colour written `#rrggbb` (or `#rrggbbaa` with alpha).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Colour {
    /// Red, 0–255.
    pub r: u8,
    /// Green, 0–255.
    pub g: u8,
    /// Blue, 0–255.
    pub b: u8,
    /// Opacity, 0 (transparent) – 255 (opaque).
    pub a: u8,
}

impl Colour {
    /// An opaque colour.
    pub const fn rgb(r: u8, g: u8, b: u8) -> Self {
        Self { r, g, b, a: 255 }
    }
}

impl fmt::Display for Colour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:02x}{:02x}{:02x}", self.r, self.g, self.b)?;
        if self.a != 255 {
            write!(f, "{:02x}", self.a)?;
        }
        Ok(())
    }
}

impl FromStr for Colour {
    type Err = ParseIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseIdError(format!("\"{s}\" is not a colour (#rrggbb or #rrggbbaa)"));
        let hex = s.strip_prefix('#').ok_or_else(err)?;
        if !(hex.len() == 6 || hex.len() == 8) || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(err());
        }
        let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|_| err());
        let a = if hex.len() == 8 { byte(6)? } else { 255 };
        Ok(Self {
            r: byte(0)?,
            g: byte(2)?,
            b: byte(4)?,
            a,
        })
    }
}

impl TryFrom<String> for Colour {
    type Error = ParseIdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Colour> for String {
    fn from(c: Colour) -> String {
        c.to_string()
    }
}

/// A rectangle in reference pixels, origin at the top left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Rect {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width, at least 1.
    pub width: u32,
    /// Height, at least 1.
    pub height: u32,
}

impl Rect {
    /// True when the two rectangles share at least one pixel.
    pub fn overlaps(&self, other: &Rect) -> bool {
        self.x < other.x + other.width
            && other.x < self.x + self.width
            && self.y < other.y + other.height
            && other.y < self.y + self.height
    }
}

/// One zone of a layout: where a playlist is drawn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayoutZone {
    /// Zone id, unique in the layout (`main`, `ticker`, `side`, `clock`...).
    pub id: String,
    /// Position and size in the layout's reference resolution.
    #[serde(flatten)]
    pub rect: Rect,
    /// Stacking order: higher is drawn above. Overlapping zones must differ.
    #[serde(default)]
    pub z: i32,
    /// Fill drawn under the zone's content; none leaves the layout background.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background: Option<Colour>,
}

/// A screen layout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layout {
    /// Layout id, unique among the manifest's layouts (the file name without `.toml`).
    pub id: String,
    /// Human name shown to the officer.
    #[serde(default)]
    pub name: String,
    /// Reference width in pixels (e.g. 1920).
    pub width: u32,
    /// Reference height in pixels (e.g. 1080, or 1920 for portrait).
    pub height: u32,
    /// Colour behind every zone.
    pub background: Colour,
    /// Smallest text size, in real pixels, whatever the scaling.
    #[serde(default = "default_min_text_px")]
    pub min_text_px: u32,
    /// The zones, in any order (drawn by `z`).
    pub zones: Vec<LayoutZone>,
}

fn default_min_text_px() -> u32 {
    18
}

/// The id of the zone that alerts and full-screen content use, and that every layout must have.
pub const MAIN_ZONE: &str = "main";

/// Largest reference dimension accepted: 8K; anything larger is a typo.
const MAX_DIMENSION: u32 = 7680;

impl Layout {
    /// Parses a layout written in TOML and validates it.
    pub fn from_toml(text: &str) -> Result<Self, LayoutError> {
        let layout: Layout =
            toml::from_str(text).map_err(|e| LayoutError::Syntax(e.to_string()))?;
        layout.check().map_err(LayoutError::Invalid)?;
        Ok(layout)
    }

    /// The zone named `id`.
    pub fn zone(&self, id: &str) -> Option<&LayoutZone> {
        self.zones.iter().find(|z| z.id == id)
    }

    /// True when the layout is taller than wide (kiosk tables, portrait totems).
    pub fn is_portrait(&self) -> bool {
        self.height > self.width
    }
}

/// Why a layout file was refused.
#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    /// Not valid TOML, or a field of the wrong type; the message has line and column.
    #[error("layout is not valid TOML: {0}")]
    Syntax(String),
    /// Well-formed but inconsistent.
    #[error("layout is invalid: {0}")]
    Invalid(crate::validate::Problems),
}

impl Validate for Layout {
    fn validate(&self, v: &mut Checker) {
        if let Err(why) = crate::ids::check_id(&self.id) {
            v.report_at("id", why);
        }
        for (name, value) in [("width", self.width), ("height", self.height)] {
            if value == 0 || value > MAX_DIMENSION {
                v.report_at(
                    name,
                    format!("{value} is outside 1..={MAX_DIMENSION} pixels"),
                );
            }
        }
        if self.min_text_px == 0 {
            v.report_at("min_text_px", "must be at least 1 pixel");
        }
        if self.zone(MAIN_ZONE).is_none() {
            v.report_at(
                "zones",
                format!("no zone has the id \"{MAIN_ZONE}\", which every layout needs"),
            );
        }
        v.unique_ids("zones", self.zones.iter().map(|z| z.id.as_str()));
        v.each(
            "zones",
            &self.zones,
            |z| z.id.as_str(),
            |v, z| {
                let r = z.rect;
                if r.width == 0 || r.height == 0 {
                    v.report(format!("is empty ({}×{})", r.width, r.height));
                } else if r.x.saturating_add(r.width) > self.width
                    || r.y.saturating_add(r.height) > self.height
                {
                    v.report(format!(
                        "{}×{} at ({}, {}) extends past the {}×{} layout",
                        r.width, r.height, r.x, r.y, self.width, self.height
                    ));
                }
            },
        );
        for (i, a) in self.zones.iter().enumerate() {
            for b in &self.zones[i + 1..] {
                if a.z == b.z && a.rect.overlaps(&b.rect) {
                    v.field("zones", |v| {
                        v.item(&b.id, |v| {
                            v.report_at(
                                "z",
                                format!("overlaps zone \"{}\" at the same z ({})", a.id, a.z),
                            );
                        });
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO_ZONES: &str = r##"
        id = "test"
        width = 1920
        height = 1080
        background = "#102030"
        [[zones]]
        id = "main"
        x = 0
        y = 0
        width = 1920
        height = 1000
        [[zones]]
        id = "ticker"
        x = 0
        y = 1000
        width = 1920
        height = 80
        background = "#ffcc00cc"
    "##;

    #[test]
    fn parses_toml_with_alpha_colours() {
        let l = Layout::from_toml(TWO_ZONES).unwrap();
        assert_eq!(
            l.zone("ticker").unwrap().background,
            Some(Colour {
                r: 255,
                g: 204,
                b: 0,
                a: 204
            })
        );
        assert_eq!(l.min_text_px, 18);
        assert_eq!(
            l.zone("ticker").unwrap().background.unwrap().to_string(),
            "#ffcc00cc"
        );
    }

    #[test]
    fn refuses_zone_past_the_edge_naming_it() {
        let text = TWO_ZONES.replace("y = 1000", "y = 1010");
        let Err(LayoutError::Invalid(p)) = Layout::from_toml(&text) else {
            panic!()
        };
        assert!(
            p.has("zones[ticker]", "extends past the 1920×1080 layout"),
            "{p}"
        );
    }

    #[test]
    fn refuses_overlap_at_same_z_and_missing_main() {
        let text = TWO_ZONES
            .replace("height = 1000", "height = 1040")
            .replace("\"main\"", "\"full\"");
        let Err(LayoutError::Invalid(p)) = Layout::from_toml(&text) else {
            panic!()
        };
        assert!(p.has("zones[ticker].z", "overlaps zone \"full\""), "{p}");
        assert!(p.has("zones", "no zone has the id \"main\""), "{p}");
    }

    #[test]
    fn syntax_errors_carry_the_position() {
        let err = Layout::from_toml("id = \"x\"\nwidth = \"wide\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("width"), "{err}");
        let err = Layout::from_toml(&TWO_ZONES.replace("#102030", "navy"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("\"navy\" is not a colour"), "{err}");
    }
}
