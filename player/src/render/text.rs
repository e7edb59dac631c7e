//! Text through glyphon: fonts from bytes, fit-to-box sizing, ellipsis, tickers.
//!
//! Fonts are compiled into the binary and loaded into a private font database; the system's
//! fonts are never scanned, so a frame is identical on every machine.

use glyphon::cosmic_text::{Align as CtAlign, Ellipsize, EllipsizeHeightLimit, Wrap};
use glyphon::{
    Attrs, Buffer, Color, Family, FontSystem, Metrics, Shaping, TextArea, TextBounds,
    Weight as CtWeight,
};

use crate::scene::{Align, Rect, Text, TextSize, Weight};

/// The family every text uses.
pub(crate) const FAMILY: &str = "Inter";

const FONTS: [&[u8]; 2] = [
    include_bytes!("../../../assets/fonts/Inter-Regular.otf"),
    include_bytes!("../../../assets/fonts/Inter-Bold.otf"),
];

/// A font system holding only the fonts shipped with the player.
pub(crate) fn font_system() -> FontSystem {
    let mut db = glyphon::cosmic_text::fontdb::Database::new();
    for font in FONTS {
        db.load_font_data(font.to_vec());
    }
    FontSystem::new_with_locale_and_db("fr-FR".into(), db)
}

/// A text shaped and placed, ready to become glyphon text areas.
#[derive(Debug)]
pub(crate) struct Laid {
    pub(crate) buffer: Buffer,
    /// Where the buffer's top-left corner goes, and copies to its right (tickers).
    pub(crate) origins: Vec<(f32, f32)>,
    pub(crate) bounds: TextBounds,
    pub(crate) colour: Color,
    /// Strike-through bars, in frame pixels, one per line of a struck text.
    pub(crate) strikes: Vec<Rect>,
}

impl Laid {
    /// The glyphon areas drawing this text.
    pub(crate) fn areas(&self) -> impl Iterator<Item = TextArea<'_>> {
        self.origins.iter().map(|&(left, top)| TextArea {
            buffer: &self.buffer,
            left,
            top,
            scale: 1.0,
            bounds: self.bounds,
            default_color: self.colour,
            custom_glyphs: &[],
        })
    }
}

fn attrs(t: &Text) -> Attrs<'static> {
    let w = match t.weight {
        Weight::Regular => CtWeight::NORMAL,
        Weight::Bold => CtWeight::BOLD,
    };
    let a = Attrs::new().family(Family::Name(FAMILY)).weight(w);
    // Glyphon draws no decorations, but with the attribute set cosmic-text reports where
    // the font puts its strike-through on each line; `strikes` draws it from that.
    if t.strike { a.strikethrough() } else { a }
}

/// Shapes `t` at `size` pixels; returns the buffer, its line count and its height.
fn shape(
    fs: &mut FontSystem,
    t: &Text,
    size: f32,
    ellipsis_lines: Option<usize>,
) -> (Buffer, usize, f32) {
    let line = (size * t.line_height).max(1.0);
    let mut buffer = Buffer::new(fs, Metrics::new(size, line));
    let mut b = buffer.borrow_with(fs);
    if t.marquee.is_some() {
        b.set_wrap(Wrap::None);
        b.set_size(None, None);
    } else {
        b.set_wrap(if t.wrap {
            Wrap::WordOrGlyph
        } else {
            Wrap::None
        });
        b.set_size(Some(t.rect.w.max(1.0)), None);
    }
    if let Some(n) = ellipsis_lines {
        b.set_ellipsize(Ellipsize::End(EllipsizeHeightLimit::Lines(n.max(1))));
    }
    let align = match t.align {
        Align::Left => CtAlign::Left,
        Align::Center => CtAlign::Center,
        Align::Right => CtAlign::Right,
    };
    b.set_text(&t.text, &attrs(t), Shaping::Advanced, Some(align));
    b.shape_until_scroll(false);
    let lines = buffer.layout_runs().count();
    (buffer, lines, lines as f32 * line)
}

fn fits(t: &Text, lines: usize, height: f32) -> bool {
    height <= t.rect.h + 0.5 && (t.max_lines == 0 || lines <= t.max_lines as usize)
}

/// Lays `t` out: picks the size, shapes, places (centring, ticker copies) and clips.
pub(crate) fn lay_out(fs: &mut FontSystem, t: &Text, opacity: f32, clip: Option<Rect>) -> Laid {
    let (buffer, height) = match t.size {
        TextSize::Fixed(px) => {
            let limit = (t.max_lines > 0).then_some(t.max_lines as usize);
            let (b, _, h) = shape(fs, t, px, limit);
            (b, h)
        }
        TextSize::Fit { max, min } => {
            // Largest whole-pixel size that fits, by bisection (shaping is the cost here).
            let (mut lo, mut hi) = (min.floor().max(1.0) as u32, max.ceil().max(1.0) as u32);
            let (b, lines, h) = shape(fs, t, lo as f32, None);
            if !fits(t, lines, h) {
                let room = ((t.rect.h / (lo as f32 * t.line_height)).floor() as usize).max(1);
                let n = if t.max_lines == 0 {
                    room
                } else {
                    room.min(t.max_lines as usize)
                };
                let (b, _, h) = shape(fs, t, lo as f32, Some(n));
                (b, h)
            } else {
                let mut best = (b, h);
                while lo < hi {
                    let mid = (lo + hi).div_ceil(2);
                    let (b, lines, h) = shape(fs, t, mid as f32, None);
                    if fits(t, lines, h) {
                        lo = mid;
                        best = (b, h);
                    } else {
                        hi = mid - 1;
                    }
                }
                best
            }
        }
    };
    let top = if t.v_center {
        t.rect.y + (t.rect.h - height) / 2.0
    } else {
        t.rect.y
    };
    let mut origins = vec![(t.rect.x, top)];
    if let Some(m) = t.marquee {
        let width = buffer.layout_runs().map(|r| r.line_w).fold(0.0, f32::max);
        let period = width + m.gap_px.max(1.0);
        let shift = m.offset_px.rem_euclid(period);
        origins.clear();
        let mut x = t.rect.x - shift;
        while x < t.rect.right() {
            origins.push((x, top));
            x += period;
        }
    }
    // Glyphs may overhang their box a little (accents, descenders): clip to the zone, not to
    // the box, unless the node says otherwise.
    let overhang = t.rect.inset(-(t.rect.h.min(t.rect.w) * 0.1).max(4.0));
    let c = clip.map_or(overhang, |c| c.intersect(overhang));
    let bounds = TextBounds {
        left: c.x.floor() as i32,
        top: c.y.floor() as i32,
        right: c.right().ceil() as i32,
        bottom: c.bottom().ceil() as i32,
    };
    let a = (f32::from(t.colour.a) * opacity.clamp(0.0, 1.0)).round() as u8;
    let strikes = if t.strike && t.marquee.is_none() {
        strikes(&buffer, t.rect.x, top)
    } else {
        Vec::new()
    };
    Laid {
        buffer,
        origins,
        bounds,
        colour: Color::rgba(t.colour.r, t.colour.g, t.colour.b, a),
        strikes,
    }
}

/// The strike-through bar of each line of `buffer` drawn with its top-left corner at
/// `(left, top)`: from the first glyph to the last, at the font's strike-out position, on
/// whole pixels. Bolder than the font's own (a twelfth of the size at least), so that it
/// reads from across a hall.
fn strikes(buffer: &Buffer, left: f32, top: f32) -> Vec<Rect> {
    let mut out = Vec::new();
    for run in buffer.layout_runs() {
        for span in run.decorations {
            let glyphs = &run.glyphs[span.glyph_range.clone()];
            let x0 = glyphs.iter().map(|g| g.x).fold(f32::INFINITY, f32::min);
            let x1 = glyphs
                .iter()
                .map(|g| g.x + g.w)
                .fold(f32::NEG_INFINITY, f32::max);
            if x1 <= x0 {
                continue;
            }
            let size = span.font_size;
            let m = span.data.strikethrough_metrics;
            let thickness = (m.thickness * size).max(size / 12.0).max(1.0).round();
            // The font gives the bar's top edge above the baseline; centre ours on the
            // font's own bar so that a thicker one stays on the middle of the letters.
            let mid = run.line_y - m.offset * size + m.thickness * size / 2.0;
            let y = (top + mid - thickness / 2.0).round();
            out.push(Rect::new(
                (left + x0).round(),
                y,
                (x1 - x0).round(),
                thickness,
            ));
        }
    }
    out
}
