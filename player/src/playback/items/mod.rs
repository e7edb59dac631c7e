//! Item drawers: each turns one playlist item into shapes inside its zone's box.
//!
//! A drawer knows its box in real pixels, the scale, the theme and the instant; it returns
//! shapes in frame coordinates and the caller adds opacity, clip and transition offsets.

mod clock;
mod events;
mod image;
mod news;
pub(crate) mod qr;
mod text;
mod ticker;
mod waste;

use beffroi_protocol::data::DataSets;
use beffroi_protocol::format::typography;
use beffroi_protocol::ids::{Insee, Sha256};
use beffroi_protocol::layout::Colour;
use beffroi_protocol::manifest::{Manifest, Theme};
use beffroi_protocol::playlist::{Content, Item};
use beffroi_protocol::text::{Lang, Text as LangText};
use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;

use super::layout::{Cut, Scale, alpha, readable};
use crate::icons::{self, Icon, TintedIcon};
use crate::scene::{Align, ImageSource, Rect, Shape, Text, TextSize, Weight};

/// What every drawer may read: the content, the screen's look and language, the instant.
#[derive(Debug)]
pub(crate) struct Ctx<'a> {
    /// The screen's manifest (assets, screen, alerts).
    pub(crate) manifest: &'a Manifest,
    /// The data sets.
    pub(crate) data: &'a DataSets,
    /// The screen's theme.
    pub(crate) theme: &'a Theme,
    /// The screen's language.
    pub(crate) lang: Lang,
    /// The screen's time zone.
    pub(crate) tz: TimeZone,
    /// The instant drawn.
    pub(crate) at: Timestamp,
    /// Reference-to-real mapping.
    pub(crate) scale: Scale,
}

impl Ctx<'_> {
    /// The local date and time of the instant drawn.
    pub(crate) fn local(&self) -> DateTime {
        beffroi_protocol::time::local(&self.tz, self.at)
    }

    /// A per-language text in the screen's language, with French typography where it
    /// applies; empty when the text has no value.
    pub(crate) fn tr(&self, t: &LangText) -> String {
        t.get(&self.lang)
            .map(|s| typography(s.trim(), &self.lang))
            .unwrap_or_default()
    }

    /// A plain string from the data (a place name) with the screen language's typography.
    pub(crate) fn typo(&self, s: &str) -> String {
        typography(s, &self.lang)
    }

    /// A fixed label of ours in the screen's language (French for languages we do not
    /// write), with French typography.
    pub(crate) fn pick(&self, fr: &str, en: &str, nl: &str) -> String {
        let s = match self.lang.as_str() {
            "en" => en,
            "nl" => nl,
            _ => fr,
        };
        typography(s, &self.lang)
    }

    /// The pixel size of an image asset, when the manifest knows it.
    pub(crate) fn asset_size(&self, sha: &Sha256) -> Option<(u32, u32)> {
        let a = self.manifest.assets.iter().find(|a| &a.sha256 == sha)?;
        Some((a.width?, a.height?)).filter(|(w, h)| *w > 0 && *h > 0)
    }

    /// True when the renderer will have `sha` decoded: only manifest assets are.
    pub(crate) fn has_asset(&self, sha: &Sha256) -> bool {
        self.manifest.assets.iter().any(|a| &a.sha256 == sha)
    }

    /// The name of a commune. The manifest carries only INSEE codes; the waste data set
    /// names every commune it covers, which in practice is the whole territory.
    pub(crate) fn commune_name(&self, insee: &Insee) -> Option<&str> {
        self.data
            .waste
            .as_ref()?
            .commune(insee)
            .map(|c| c.name.as_str())
    }

    /// Margin around an item's content: generous on big zones, thin on bands.
    pub(crate) fn margin(&self, area: &Area) -> f32 {
        self.scale.px(56.0).min(0.07 * area.rect.w.min(area.rect.h))
    }

    /// Text colour for headings on `bg`: the accent when it reads well.
    pub(crate) fn heading_on(&self, bg: Colour) -> Colour {
        readable(
            self.theme.accent,
            bg,
            &[self.theme.text, self.theme.background],
        )
    }

    /// Body text colour on `bg`.
    pub(crate) fn text_on(&self, bg: Colour) -> Colour {
        readable(self.theme.text, bg, &[self.theme.background])
    }

    /// Secondary text colour on `bg` (places, sources): body text, slightly faded.
    pub(crate) fn muted_on(&self, bg: Colour) -> Colour {
        alpha(self.text_on(bg), 0xc8)
    }

    /// A one-line bold heading of `height` reference pixels at the top of the area, inside its
    /// margin; returns it with the rectangle left below it.
    pub(crate) fn heading(&self, area: &Area, title: String, height: f32) -> (Shape, Rect) {
        let s = &self.scale;
        let inner = area.rect.inset(self.margin(area));
        let (head, body) = inner.cut_top(s.px(height).max(s.floor * 1.4), s.px(24.0));
        let shape = text(
            title,
            head,
            s.fit(64.0, 28.0),
            self.heading_on(area.bg),
            Weight::Bold,
        )
        .lines(1)
        .middle()
        .shape();
        (shape, body)
    }

    /// A card of the theme's surface colour with corners scaled to the frame.
    pub(crate) fn card(&self, rect: Rect) -> Shape {
        Shape::Rect {
            rect,
            colour: self.theme.surface,
            radius: self.scale.px(20.0),
        }
    }
}

/// The box an item is drawn in.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Area {
    /// The zone's rectangle, in real pixels.
    pub(crate) rect: Rect,
    /// The colour under the item (the zone's background, else the layout's).
    pub(crate) bg: Colour,
}

impl Area {
    /// True for a zone narrower than ~700 reference pixels (the town hall's side column):
    /// lists switch to their stacked, compact variant.
    pub(crate) fn narrow(&self, scale: &Scale) -> bool {
        self.rect.w / scale.s < 700.0
    }

    /// True when the box is taller than wide.
    pub(crate) fn portrait(&self) -> bool {
        self.rect.h > self.rect.w
    }
}

/// Where an item is in its own time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ItemTime {
    /// When the item began.
    pub(crate) started: Timestamp,
    /// Milliseconds since then.
    pub(crate) elapsed_ms: u64,
}

/// The shapes of `item` in `area`; nothing for kinds this player does not draw (video,
/// unknown) and for data items with nothing to show.
pub(crate) fn draw(ctx: &Ctx<'_>, item: &Item, area: &Area, time: ItemTime) -> Vec<Shape> {
    match &item.content {
        Content::Image {
            asset,
            fit,
            background,
            caption,
        } => image::draw(ctx, area, asset, *fit, *background, caption),
        Content::Text { title, body, image } => text::draw(ctx, area, title, body, image.as_ref()),
        Content::Events {
            days,
            max,
            communes,
            all_communes,
        } => events::draw(ctx, area, *days, *max, communes, *all_communes),
        Content::Waste { prompt, commune } => {
            waste::draw(ctx, area, *prompt, commune.as_ref(), time)
        }
        Content::News { max } => news::draw(ctx, area, *max),
        Content::Ticker { source, speed_px_s } => {
            ticker::draw(ctx, area, source, *speed_px_s, time)
        }
        Content::Clock { format } => clock::draw(ctx, area, *format),
        Content::Qr { url, caption } => qr::draw(ctx, area, url, caption),
        Content::Video { .. } | Content::Unknown => Vec::new(),
    }
}

/// An image contained in `r` (logos on the alert page).
pub(crate) fn image_placed(r: Rect, sha: &Sha256, size: Option<(u32, u32)>) -> Shape {
    image::placed(r, sha, beffroi_protocol::playlist::Fit::Contain, size)
}

/// `icon` in `colour`, a square of `side` pixels centred in `r`. Side and corner are whole
/// pixels, so that the pictogram is rasterised at the size drawn and shown texel for pixel,
/// without resampling blur.
pub(crate) fn pictogram(icon: Icon, colour: Colour, r: Rect, side: f32) -> Shape {
    let size = side.round().clamp(1.0, icons::MAX_SIZE as f32);
    let at = r.centred(size, size);
    Shape::Image {
        rect: Rect::new(at.x.round(), at.y.round(), size, size),
        source: ImageSource::Icon(TintedIcon {
            icon,
            size: size as u32,
            colour,
        }),
        uv: Rect::new(0.0, 0.0, 1.0, 1.0),
        radius: 0.0,
    }
}

/// A text block with our defaults: wrapping, comfortable line height, top-left.
pub(crate) fn text(
    s: impl Into<String>,
    rect: Rect,
    size: TextSize,
    colour: Colour,
    weight: Weight,
) -> Text {
    Text {
        weight,
        ..Text::new(s, rect, size, colour)
    }
}

/// Builder-style tweaks of a [`Text`], so that drawers read as one expression per block.
pub(crate) trait TextExt {
    /// At most `n` lines.
    fn lines(self, n: u32) -> Self;
    /// Centred horizontally.
    fn centre(self) -> Self;
    /// Right-aligned.
    fn right(self) -> Self;
    /// Centred vertically in its box.
    fn middle(self) -> Self;
    /// Into a shape.
    fn shape(self) -> Shape;
}

impl TextExt for Text {
    fn lines(self, n: u32) -> Self {
        Self {
            max_lines: n,
            ..self
        }
    }

    fn centre(self) -> Self {
        Self {
            align: Align::Center,
            ..self
        }
    }

    fn right(self) -> Self {
        Self {
            align: Align::Right,
            ..self
        }
    }

    fn middle(self) -> Self {
        Self {
            v_center: true,
            ..self
        }
    }

    fn shape(self) -> Shape {
        Shape::Text(self)
    }
}

/// A small coloured label ("Annulé") ending at `right`, vertically centred on `mid_y`;
/// returns its shapes and its left edge. Its width is estimated from the character count,
/// generously, since the renderer alone measures glyphs.
pub(crate) fn badge(
    ctx: &Ctx<'_>,
    label: &str,
    right: f32,
    mid_y: f32,
    size: f32,
    colour: Colour,
) -> (Vec<Shape>, f32) {
    let pad = size * 0.6;
    let w = label.chars().count() as f32 * size * 0.56 + 2.0 * pad;
    let h = size * 1.6;
    let rect = Rect::new(right - w, mid_y - h / 2.0, w, h);
    let fg = readable(ctx.theme.text, colour, &[ctx.theme.background]);
    let shapes = vec![
        Shape::Rect {
            rect,
            colour,
            radius: h / 2.0,
        },
        text(label, rect, TextSize::Fixed(size), fg, Weight::Bold)
            .lines(1)
            .centre()
            .middle()
            .shape(),
    ];
    (shapes, rect.x)
}

/// A `#rrggbb` colour of the protocol's tables (bin colours), grey if malformed.
pub(crate) fn hex(c: &str) -> Colour {
    c.parse().unwrap_or(Colour::rgb(0x9e, 0x9e, 0x9e))
}

/// The first letter in upper case ("demain" → "Demain"), for labels that start a line.
pub(crate) fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
