//! Playlists and their items: what a zone shows, for how long, and how it changes.

use serde::{Deserialize, Serialize};

use crate::ids::{Insee, Sha256};
use crate::layout::Colour;
use crate::text::Text;
use crate::validate::{Checker, Validate};

/// An ordered list of items played in a loop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Playlist {
    /// Playlist id, unique in the manifest.
    pub id: String,
    /// Human name shown to the officer.
    #[serde(default)]
    pub name: String,
    /// The items, played in order; never empty.
    pub items: Vec<Item>,
}

/// One entry of a playlist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// Item id, unique in its playlist; reported in heartbeats and proof-of-play.
    pub id: String,
    /// How long the item stays, transition included, in milliseconds; at least 1.
    pub duration_ms: u32,
    /// How the item replaces the previous one.
    #[serde(default, skip_serializing_if = "Transition::is_cut")]
    pub transition: Transition,
    /// What the item shows; the `kind` field selects the variant.
    #[serde(flatten)]
    pub content: Content,
}

/// How an item fills its zone when the aspect ratios differ.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fit {
    /// Whole image visible, bars in the letterbox colour.
    #[default]
    Contain,
    /// Zone filled, the image cropped to its centre.
    Cover,
}

/// Which prompt a waste item shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WastePrompt {
    /// "Prochaine collecte à Fruges : bac jaune mardi 1er déc." — the next date of each stream.
    #[default]
    NextCollections,
    /// "Demain : sortez le bac jaune ce soir" — only inside the evening-before window.
    Reminder,
    /// "Le saviez-vous ?" — a sorting tip, rotating.
    Advice,
}

/// What feeds a ticker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum TickerSource {
    /// The titles of the news valid now for the screen's commune.
    News,
    /// A fixed text.
    Text {
        /// The scrolled text.
        text: Text,
    },
}

/// What a clock item shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockFormat {
    /// "14:05".
    Time,
    /// "dimanche 29 novembre · 14:05".
    #[default]
    DateTime,
}

/// The kinds of item, each with its own settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Content {
    /// A still image from the manifest's assets.
    Image {
        /// The image asset.
        asset: Sha256,
        /// Contain or cover.
        #[serde(default)]
        fit: Fit,
        /// Letterbox colour for `contain`; the zone background when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        background: Option<Colour>,
        /// Optional caption drawn over the bottom edge.
        #[serde(default, skip_serializing_if = "Text::is_empty")]
        caption: Text,
    },
    /// A title and a body, sized to fit.
    Text {
        /// Large heading.
        title: Text,
        /// Body text; may be empty.
        #[serde(default, skip_serializing_if = "Text::is_empty")]
        body: Text,
        /// Optional background image.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        image: Option<Sha256>,
    },
    /// The next events near the screen, from the events data set.
    Events {
        /// How far ahead to look, in days.
        #[serde(default = "default_days")]
        days: u16,
        /// At most this many events.
        #[serde(default = "default_max")]
        max: u16,
        /// Neighbouring communes shown too (the screen's own commune always is).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        communes: Vec<Insee>,
        /// Every commune of the territory, ignoring `communes`.
        #[serde(default)]
        all_communes: bool,
    },
    /// A waste-collection or sorting prompt for the screen's commune.
    Waste {
        /// Which prompt.
        #[serde(default)]
        prompt: WastePrompt,
        /// The commune, when not the screen's own.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        commune: Option<Insee>,
    },
    /// News cards valid now for the screen's commune.
    News {
        /// At most this many cards.
        #[serde(default = "default_max")]
        max: u16,
    },
    /// A horizontally scrolling line.
    Ticker {
        /// What it scrolls.
        #[serde(flatten)]
        source: TickerSource,
        /// Scroll speed in reference pixels per second.
        #[serde(default = "default_speed")]
        speed_px_s: u16,
    },
    /// The local time, and the date in the screen's language.
    Clock {
        /// Time alone or date and time.
        #[serde(default)]
        format: ClockFormat,
    },
    /// A QR code a passer-by scans to take a link home.
    Qr {
        /// The encoded link (http or https).
        url: String,
        /// Text beside or under the code.
        #[serde(default, skip_serializing_if = "Text::is_empty")]
        caption: Text,
    },
    /// Reserved: video is not played yet; players skip it and report it.
    Video {
        /// The video asset.
        asset: Sha256,
    },
    /// An item kind this version does not know; skipped and reported, never fatal.
    #[serde(other)]
    Unknown,
}

fn default_days() -> u16 {
    7
}
fn default_max() -> u16 {
    6
}
fn default_speed() -> u16 {
    120
}

impl Content {
    /// The `kind` tag, for reports.
    pub fn kind(&self) -> &'static str {
        match self {
            Content::Image { .. } => "image",
            Content::Text { .. } => "text",
            Content::Events { .. } => "events",
            Content::Waste { .. } => "waste",
            Content::News { .. } => "news",
            Content::Ticker { .. } => "ticker",
            Content::Clock { .. } => "clock",
            Content::Qr { .. } => "qr",
            Content::Video { .. } => "video",
            Content::Unknown => "unknown",
        }
    }

    /// The assets the item draws.
    pub fn assets(&self) -> impl Iterator<Item = &Sha256> {
        let one = match self {
            Content::Image { asset, .. } | Content::Video { asset } => Some(asset),
            Content::Text { image, .. } => image.as_ref(),
            _ => None,
        };
        one.into_iter()
    }
}

/// The visual effect between two items.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransitionKind {
    /// Instant replacement.
    #[default]
    Cut,
    /// Cross-fade.
    Fade,
    /// The new item pushes in from the right, moving left.
    SlideLeft,
    /// The new item pushes in from the left, moving right.
    SlideRight,
    /// The new item pushes in from below, moving up.
    SlideUp,
    /// The new item is revealed by an edge sweeping left to right.
    Wipe,
}

/// The speed curve of a transition.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Easing {
    /// Constant speed.
    Linear,
    /// Slow start and end (cubic).
    #[default]
    EaseInOut,
    /// Fast start, slow end (cubic).
    EaseOut,
}

impl Easing {
    /// Applies the curve to a linear progress in per-mille (0–1000), in integers so that
    /// every platform draws the same frame.
    pub fn apply(self, permille: u16) -> u16 {
        let p = i64::from(permille.min(1000));
        let out = match self {
            Easing::Linear => p,
            Easing::EaseInOut if p < 500 => 4 * p * p * p / 1_000_000,
            Easing::EaseInOut => {
                let q = 1000 - p;
                1000 - 4 * q * q * q / 1_000_000
            }
            Easing::EaseOut => {
                let q = 1000 - p;
                1000 - q * q * q / 1_000_000
            }
        };
        out.clamp(0, 1000) as u16
    }
}

/// How an item enters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    /// The effect.
    #[serde(default)]
    pub kind: TransitionKind,
    /// Its length in milliseconds; 0 for a cut.
    #[serde(default)]
    pub duration_ms: u32,
    /// Its speed curve.
    #[serde(default)]
    pub easing: Easing,
}

impl Transition {
    /// A fade of `ms` milliseconds.
    pub fn fade(ms: u32) -> Self {
        Self {
            kind: TransitionKind::Fade,
            duration_ms: ms,
            easing: Easing::EaseInOut,
        }
    }

    /// True for an instant cut.
    pub fn is_cut(&self) -> bool {
        self.kind == TransitionKind::Cut || self.duration_ms == 0
    }
}

impl Validate for Playlist {
    fn validate(&self, v: &mut Checker) {
        if self.items.is_empty() {
            v.report_at("items", "the playlist is empty; it needs at least one item");
        }
        v.unique_ids("items", self.items.iter().map(|i| i.id.as_str()));
        v.each(
            "items",
            &self.items,
            |i| i.id.as_str(),
            |v, item| item.validate(v),
        );
    }
}

impl Validate for Item {
    fn validate(&self, v: &mut Checker) {
        if self.duration_ms == 0 {
            v.report_at("duration_ms", "must be greater than zero");
        }
        let t = self.transition;
        if t.kind == TransitionKind::Cut && t.duration_ms != 0 {
            v.report_at(
                "transition.duration_ms",
                format!("a cut takes no time, but {} ms were given", t.duration_ms),
            );
        } else if t.kind != TransitionKind::Cut && t.duration_ms == 0 {
            v.report_at(
                "transition.duration_ms",
                format!("a {:?} transition needs a duration", t.kind),
            );
        } else if t.duration_ms > self.duration_ms {
            v.report_at(
                "transition.duration_ms",
                format!(
                    "{} ms is longer than the item itself ({} ms)",
                    t.duration_ms, self.duration_ms
                ),
            );
        }
        match &self.content {
            Content::Text { title, body, .. } => {
                v.field("title", |v| title.require(v));
                v.field("body", |v| body.optional(v));
            }
            Content::Image { caption, .. } => v.field("caption", |v| caption.optional(v)),
            Content::Events { days, max, .. } => {
                v.ensure(*days > 0, "days", "must be at least 1");
                v.ensure(*max > 0, "max", "must be at least 1");
            }
            Content::News { max } => v.ensure(*max > 0, "max", "must be at least 1"),
            Content::Ticker { source, speed_px_s } => {
                v.ensure(*speed_px_s > 0, "speed_px_s", "must be greater than zero");
                if let TickerSource::Text { text } = source {
                    v.field("text", |v| text.require(v));
                }
            }
            Content::Qr { url, caption } => {
                if !(url.starts_with("https://") || url.starts_with("http://")) || url.len() < 10 {
                    v.report_at("url", format!("\"{url}\" is not an http(s) link"));
                }
                v.field("caption", |v| caption.optional(v));
            }
            Content::Waste { .. }
            | Content::Clock { .. }
            | Content::Video { .. }
            | Content::Unknown => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_read_their_kind_and_skip_unknown_ones() {
        let json = r#"[
            {"id":"a","duration_ms":8000,"kind":"clock"},
            {"id":"b","duration_ms":8000,"kind":"hologram","beam":"blue"},
            {"id":"c","duration_ms":8000,"kind":"ticker","source":"text","text":{"fr":"Bonjour"},
             "transition":{"kind":"fade","duration_ms":500}}
        ]"#;
        let items: Vec<Item> = serde_json::from_str(json).unwrap();
        assert_eq!(
            items[0].content,
            Content::Clock {
                format: ClockFormat::DateTime
            }
        );
        assert_eq!(items[1].content, Content::Unknown);
        assert_eq!(items[2].transition.easing, Easing::EaseInOut);
        assert!(matches!(
            &items[2].content,
            Content::Ticker {
                source: TickerSource::Text { .. },
                speed_px_s: 120
            }
        ));
    }

    #[test]
    fn easing_is_monotonic_and_pinned_at_the_ends() {
        for e in [Easing::Linear, Easing::EaseInOut, Easing::EaseOut] {
            assert_eq!(e.apply(0), 0);
            assert_eq!(e.apply(1000), 1000);
            let mut last = 0;
            for p in 0..=1000 {
                let y = e.apply(p);
                assert!(y >= last, "{e:?} at {p}");
                last = y;
            }
        }
        assert_eq!(Easing::EaseInOut.apply(500), 500);
    }

    #[test]
    fn validation_names_each_bad_field() {
        let pl = Playlist {
            id: "p".into(),
            name: String::new(),
            items: vec![
                Item {
                    id: "z".into(),
                    duration_ms: 0,
                    transition: Transition::default(),
                    content: Content::Clock {
                        format: ClockFormat::Time,
                    },
                },
                Item {
                    id: "z".into(),
                    duration_ms: 400,
                    transition: Transition::fade(800),
                    content: Content::Qr {
                        url: "ftp://x".into(),
                        caption: Text::default(),
                    },
                },
            ],
        };
        let p = pl.check().unwrap_err();
        assert!(p.has("items[z].duration_ms", "greater than zero"), "{p}");
        assert!(p.has("items[z].id", "duplicate id"), "{p}");
        assert!(
            p.has("items[z].transition.duration_ms", "longer than the item"),
            "{p}"
        );
        assert!(p.has("items[z].url", "not an http(s) link"), "{p}");
        let empty = Playlist {
            id: "e".into(),
            name: String::new(),
            items: vec![],
        };
        assert!(
            empty
                .check()
                .unwrap_err()
                .has("items", "the playlist is empty")
        );
    }
}
