//! Geometry and colour helpers of playback: mapping a layout to the frame, cutting boxes,
//! picking readable colours.

use beffroi_protocol::layout::{self, Colour, Layout};

use crate::scene::{Rect, TextSize};

/// How a layout's reference pixels map to the frame's real pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Scale {
    /// Real pixels per reference pixel, horizontally.
    pub(crate) sx: f32,
    /// Real pixels per reference pixel, vertically.
    pub(crate) sy: f32,
    /// The smaller of the two: lengths and text sizes use it, so that nothing is stretched.
    pub(crate) s: f32,
    /// The layout's text floor, in real pixels.
    pub(crate) floor: f32,
}

impl Scale {
    /// The mapping of `layout` onto a `width` × `height` frame.
    pub(crate) fn new(layout: &Layout, width: u32, height: u32) -> Self {
        let sx = width as f32 / layout.width.max(1) as f32;
        let sy = height as f32 / layout.height.max(1) as f32;
        Self {
            sx,
            sy,
            s: sx.min(sy),
            floor: layout.min_text_px.max(1) as f32,
        }
    }

    /// A mapping for a frame without a layout: 1920×1080 reference, 18 px floor.
    pub(crate) fn reference(width: u32, height: u32) -> Self {
        let (rw, rh) = if height > width {
            (1080.0, 1920.0)
        } else {
            (1920.0, 1080.0)
        };
        let (sx, sy) = (width as f32 / rw, height as f32 / rh);
        Self {
            sx,
            sy,
            s: sx.min(sy),
            floor: 18.0,
        }
    }

    /// A zone rectangle in real pixels. Edges are rounded, not sizes, so that neighbouring
    /// zones share their edge exactly: no seam and no overlap at any resolution.
    pub(crate) fn zone(&self, r: layout::Rect) -> Rect {
        let x0 = (r.x as f32 * self.sx).round();
        let y0 = (r.y as f32 * self.sy).round();
        let x1 = ((r.x + r.width) as f32 * self.sx).round();
        let y1 = ((r.y + r.height) as f32 * self.sy).round();
        Rect::new(x0, y0, x1 - x0, y1 - y0)
    }

    /// A length given in reference pixels, in real pixels.
    pub(crate) fn px(&self, reference: f32) -> f32 {
        reference * self.s
    }

    /// A text size given in reference pixels, in real pixels, never below the floor.
    pub(crate) fn text(&self, reference: f32) -> f32 {
        (reference * self.s).max(self.floor)
    }

    /// A fitted text size between two reference sizes, both at least the floor.
    pub(crate) fn fit(&self, max: f32, min: f32) -> TextSize {
        let min = self.text(min);
        TextSize::Fit {
            max: self.text(max).max(min),
            min,
        }
    }

    /// A fitted text size whose largest value is given in real pixels (derived from a box),
    /// its smallest in reference pixels; both at least the floor.
    pub(crate) fn fit_real(&self, max_real: f32, min: f32) -> TextSize {
        let min = self.text(min);
        TextSize::Fit {
            max: max_real.max(min),
            min,
        }
    }
}

/// Box cutting, in the spirit of immediate-mode UI layout: each call splits a rectangle in
/// two along one edge. Sizes are clamped so that a cut never yields a negative size.
pub(crate) trait Cut: Sized {
    /// The top `h` pixels, and what is left below after `gap`.
    fn cut_top(self, h: f32, gap: f32) -> (Rect, Rect);
    /// The left `w` pixels, and what is left to the right after `gap`.
    fn cut_left(self, w: f32, gap: f32) -> (Rect, Rect);
    /// The right `w` pixels, and what is left to the left before `gap`.
    fn cut_right(self, w: f32, gap: f32) -> (Rect, Rect);
    /// The bottom `h` pixels, and what is left above before `gap`.
    fn cut_bottom(self, h: f32, gap: f32) -> (Rect, Rect);
    /// A `w` × `h` box centred in this one.
    fn centred(self, w: f32, h: f32) -> Rect;
    /// Shrunk by `dx` left and right and `dy` top and bottom.
    fn pad(self, dx: f32, dy: f32) -> Rect;
    /// Edges snapped to whole pixels.
    fn snapped(self) -> Rect;
}

impl Cut for Rect {
    fn cut_top(self, h: f32, gap: f32) -> (Rect, Rect) {
        let h = h.clamp(0.0, self.h);
        let rest = (self.h - h - gap).max(0.0);
        (
            Rect::new(self.x, self.y, self.w, h),
            Rect::new(self.x, self.bottom() - rest, self.w, rest),
        )
    }

    fn cut_left(self, w: f32, gap: f32) -> (Rect, Rect) {
        let w = w.clamp(0.0, self.w);
        let rest = (self.w - w - gap).max(0.0);
        (
            Rect::new(self.x, self.y, w, self.h),
            Rect::new(self.right() - rest, self.y, rest, self.h),
        )
    }

    fn cut_right(self, w: f32, gap: f32) -> (Rect, Rect) {
        let w = w.clamp(0.0, self.w);
        let rest = (self.w - w - gap).max(0.0);
        (
            Rect::new(self.right() - w, self.y, w, self.h),
            Rect::new(self.x, self.y, rest, self.h),
        )
    }

    fn cut_bottom(self, h: f32, gap: f32) -> (Rect, Rect) {
        let h = h.clamp(0.0, self.h);
        let rest = (self.h - h - gap).max(0.0);
        (
            Rect::new(self.x, self.bottom() - h, self.w, h),
            Rect::new(self.x, self.y, self.w, rest),
        )
    }

    fn centred(self, w: f32, h: f32) -> Rect {
        Rect::new(
            self.x + (self.w - w) / 2.0,
            self.y + (self.h - h) / 2.0,
            w,
            h,
        )
    }

    fn pad(self, dx: f32, dy: f32) -> Rect {
        Rect::new(
            self.x + dx,
            self.y + dy,
            (self.w - 2.0 * dx).max(0.0),
            (self.h - 2.0 * dy).max(0.0),
        )
    }

    fn snapped(self) -> Rect {
        let (x0, y0) = (self.x.round(), self.y.round());
        Rect::new(
            x0,
            y0,
            (self.right().round() - x0).max(0.0),
            (self.bottom().round() - y0).max(0.0),
        )
    }
}

/// `n` equal boxes stacked top to bottom in `r`, `gap` apart, each at most `max_h` tall
/// (the stack then starts at the top and leaves the rest empty).
pub(crate) fn rows(r: Rect, n: usize, gap: f32, max_h: f32) -> Vec<Rect> {
    if n == 0 {
        return Vec::new();
    }
    let h = ((r.h - gap * (n - 1) as f32) / n as f32).clamp(0.0, max_h);
    (0..n)
        .map(|i| Rect::new(r.x, r.y + i as f32 * (h + gap), r.w, h))
        .collect()
}

/// How many rows of at least `min_h` fit in `h` with `gap` between them (at least one):
/// lists show fewer entries rather than squeeze text below the floor on small panels.
pub(crate) fn fitting(h: f32, min_h: f32, gap: f32) -> usize {
    (((h + gap) / (min_h + gap).max(1.0)).floor() as usize).max(1)
}

/// A `cols` × `rows` grid of equal boxes filling `r`, `gap` apart, in reading order.
pub(crate) fn grid(r: Rect, cols: usize, rows: usize, gap: f32) -> Vec<Rect> {
    let (cols, rows) = (cols.max(1), rows.max(1));
    let w = ((r.w - gap * (cols - 1) as f32) / cols as f32).max(0.0);
    let h = ((r.h - gap * (rows - 1) as f32) / rows as f32).max(0.0);
    (0..rows)
        .flat_map(|j| {
            (0..cols).map(move |i| {
                Rect::new(r.x + i as f32 * (w + gap), r.y + j as f32 * (h + gap), w, h)
            })
        })
        .collect()
}

/// Opaque black: the frame of a display switched off.
pub(crate) const BLACK: Colour = Colour::rgb(0, 0, 0);
/// Opaque white: QR cards.
pub(crate) const WHITE: Colour = Colour::rgb(255, 255, 255);

/// `c` with opacity `a` (0–255) multiplied into its own.
pub(crate) fn alpha(c: Colour, a: u8) -> Colour {
    Colour {
        a: ((u16::from(c.a) * u16::from(a)) / 255) as u8,
        ..c
    }
}

/// WCAG relative luminance, 0 (black) to 1 (white).
fn luminance(c: Colour) -> f32 {
    let lin = |v: u8| {
        let v = f32::from(v) / 255.0;
        if v <= 0.040_45 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b)
}

/// WCAG contrast ratio between two colours, 1 to 21.
pub(crate) fn contrast(a: Colour, b: Colour) -> f32 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// `preferred` when it reads well on `bg` (contrast at least 3:1, the WCAG level for large
/// text), else the first of the theme's `candidates` that reads well (4.5:1), else black or
/// white. A theme's light text on a yellow ticker band thus turns to the theme's dark
/// colour instead of vanishing.
pub(crate) fn readable(preferred: Colour, bg: Colour, candidates: &[Colour]) -> Colour {
    if contrast(preferred, bg) >= 3.0 {
        return preferred;
    }
    if let Some(c) = candidates.iter().find(|c| contrast(**c, bg) >= 4.5) {
        return *c;
    }
    if contrast(BLACK, bg) >= contrast(WHITE, bg) {
        BLACK
    } else {
        WHITE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_edges_meet_at_odd_scales() {
        let layout = Layout::from_toml(include_str!("../../../layouts/town-hall.toml")).unwrap();
        let s = Scale::new(&layout, 1366, 768);
        let main = s.zone(layout.zone("main").unwrap().rect);
        let side = s.zone(layout.zone("side").unwrap().rect);
        assert_eq!(main.right(), side.x);
        assert_eq!(side.right(), 1366.0);
        assert!((s.sx - 1366.0 / 1920.0).abs() < 1e-6);
        assert_eq!(s.s, s.sx.min(s.sy));
    }

    #[test]
    fn text_never_goes_below_the_floor() {
        let layout = Layout::from_toml(include_str!("../../../layouts/town-hall.toml")).unwrap();
        let s = Scale::new(&layout, 480, 270);
        assert_eq!(s.text(24.0), 18.0);
        assert_eq!(
            s.fit(40.0, 20.0),
            TextSize::Fit {
                max: 18.0,
                min: 18.0
            }
        );
        let big = Scale::new(&layout, 3840, 2160);
        assert_eq!(big.text(24.0), 48.0);
    }

    #[test]
    fn cuts_and_rows() {
        let r = Rect::new(10.0, 20.0, 100.0, 200.0);
        let (top, rest) = r.cut_top(50.0, 10.0);
        assert_eq!(top, Rect::new(10.0, 20.0, 100.0, 50.0));
        assert_eq!(rest, Rect::new(10.0, 80.0, 100.0, 140.0));
        let (right, left) = r.cut_right(30.0, 10.0);
        assert_eq!(right, Rect::new(80.0, 20.0, 30.0, 200.0));
        assert_eq!(left, Rect::new(10.0, 20.0, 60.0, 200.0));
        let rs = rows(r, 3, 10.0, 40.0);
        assert_eq!(rs[2], Rect::new(10.0, 120.0, 100.0, 40.0));
        assert_eq!(fitting(200.0, 40.0, 10.0), 4);
        assert_eq!(fitting(20.0, 40.0, 10.0), 1);
        let g = grid(r, 2, 2, 0.0);
        assert_eq!(g[3], Rect::new(60.0, 120.0, 50.0, 100.0));
    }

    #[test]
    fn readable_colours_swap_on_light_backgrounds() {
        let light = Colour::rgb(0xf5, 0xf7, 0xfa);
        let navy = Colour::rgb(0x0b, 0x1f, 0x3a);
        let yellow = Colour::rgb(0xf2, 0xb7, 0x05);
        assert_eq!(readable(light, navy, &[navy]), light);
        assert_eq!(readable(light, yellow, &[navy]), navy);
        assert_eq!(alpha(WHITE, 128).a, 128);
    }
}
