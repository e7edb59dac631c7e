//! The demo's pictures, drawn by the project: the belfry of Fruges at sunset, the Saturday
//! market on the square, and a poster for the Christmas market.
//!
//! Each picture is a list of flat or gradient-filled shapes (circles, ellipses, rounded
//! rectangles, polygons, strokes, terrain lines) painted with analytic anti-aliasing: the
//! coverage of a pixel is read from the signed distance of its centre to the shape. Shapes
//! painted in one call form a union, so touching shapes leave no seam.
//!
//! The same bytes on every machine (for a given version of the `image` encoders): only
//! operations that IEEE 754 rounds exactly are used (+ − × ÷, square root, rounding), `sin`
//! included (a polynomial here rather than the platform's libm), no randomness (a fixed hash
//! places the stars, snowflakes and cobbles), and the encoders are deterministic. Pictures do
//! not depend on the demo's instant, so they are drawn once per process.

use std::sync::OnceLock;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ExtendedColorType, ImageEncoder};

/// An encoded picture with what the manifest says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Picture {
    /// The file, JPEG or PNG.
    pub(super) bytes: Vec<u8>,
    /// `image/jpeg` or `image/png`.
    pub(super) mime: &'static str,
    pub(super) width: u32,
    pub(super) height: u32,
}

/// The demo's three pictures.
#[derive(Debug)]
pub(super) struct Pictures {
    /// The belfry against a winter sunset, 1600×900 JPEG: behind the evening greeting.
    pub(super) belfry: Picture,
    /// Market stalls on the square, 1600×900 JPEG: a "photo" covering the main zone.
    pub(super) market: Picture,
    /// "Marché de Noël" poster, 1080×1080 PNG: flat colours, shown contained.
    pub(super) poster: Picture,
}

/// The pictures, drawn on first use (a few hundred milliseconds in a debug build).
pub(super) fn pictures() -> &'static Pictures {
    static PICTURES: OnceLock<Pictures> = OnceLock::new();
    PICTURES.get_or_init(|| Pictures {
        belfry: jpeg(&belfry_at_sunset()),
        market: jpeg(&market_square()),
        poster: png(&christmas_market_poster()),
    })
}

// ---------------------------------------------------------------------------------------------
// Arithmetic that gives the same bits on every platform.

const PI: f32 = std::f32::consts::PI;

/// Sine by range reduction and a Taylor polynomial (error below 1e-5 for the arguments used).
fn sin(x: f32) -> f32 {
    let tau = 2.0 * PI;
    let mut x = x - (x / tau).round() * tau;
    if x > PI / 2.0 {
        x = PI - x;
    } else if x < -PI / 2.0 {
        x = -PI - x;
    }
    let x2 = x * x;
    x * (1.0
        - x2 / 6.0 * (1.0 - x2 / 20.0 * (1.0 - x2 / 42.0 * (1.0 - x2 / 72.0 * (1.0 - x2 / 110.0)))))
}

fn cos(x: f32) -> f32 {
    sin(x + PI / 2.0)
}

/// A number in [0, 1) from an integer: a fixed hash, so "scattered" things stay in place.
fn hash(n: u32) -> f32 {
    let mut x = n.wrapping_mul(0x9e37_79b9) ^ 0x85eb_ca6b;
    x ^= x >> 16;
    x = x.wrapping_mul(0x7feb_352d);
    x ^= x >> 15;
    x = x.wrapping_mul(0x846c_a68b);
    x ^= x >> 16;
    (x >> 8) as f32 / (1u32 << 24) as f32
}

fn smoothstep(e0: f32, e1: f32, x: f32) -> f32 {
    let t = ((x - e0) / (e1 - e0)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

// ---------------------------------------------------------------------------------------------
// Colours and shapes.

/// An sRGB colour, each channel in [0, 1].
type Rgb = [f32; 3];

const fn hex(v: u32) -> Rgb {
    [
        ((v >> 16) & 0xff) as f32 / 255.0,
        ((v >> 8) & 0xff) as f32 / 255.0,
        (v & 0xff) as f32 / 255.0,
    ]
}

fn mix(a: Rgb, b: Rgb, t: f32) -> Rgb {
    [
        a[0] + (b[0] - a[0]) * t,
        a[1] + (b[1] - a[1]) * t,
        a[2] + (b[2] - a[2]) * t,
    ]
}

/// A colour along a gradient of `(position, colour)` stops, positions increasing.
fn gradient(stops: &[(f32, Rgb)], t: f32) -> Rgb {
    let (first, last) = (stops[0], stops[stops.len() - 1]);
    if t <= first.0 {
        return first.1;
    }
    for w in stops.windows(2) {
        let ((t0, c0), (t1, c1)) = (w[0], w[1]);
        if t <= t1 {
            return mix(c0, c1, smoothstep(0.0, 1.0, (t - t0) / (t1 - t0)));
        }
    }
    last.1
}

type P = (f32, f32);

#[derive(Debug, Clone)]
enum Shape {
    Circle {
        c: P,
        r: f32,
    },
    Ellipse {
        c: P,
        rx: f32,
        ry: f32,
    },
    /// A rectangle from `a` (top left) to `b` (bottom right), corners rounded by `r`.
    Rect {
        a: P,
        b: P,
        r: f32,
    },
    /// A closed polygon, either winding.
    Poly(Vec<P>),
    /// A segment with round ends, `w` wide.
    Stroke {
        a: P,
        b: P,
        w: f32,
    },
    /// Everything below a line through `points` (x increasing), down to the bottom edge.
    Terrain(Vec<P>),
}

use Shape::{Circle, Ellipse, Poly, Rect, Stroke, Terrain};

fn rect(x: f32, y: f32, w: f32, h: f32) -> Shape {
    Rect {
        a: (x, y),
        b: (x + w, y + h),
        r: 0.0,
    }
}

fn round_rect(x: f32, y: f32, w: f32, h: f32, r: f32) -> Shape {
    Rect {
        a: (x, y),
        b: (x + w, y + h),
        r,
    }
}

fn circle(c: P, r: f32) -> Shape {
    Circle { c, r }
}

fn ellipse(c: P, rx: f32, ry: f32) -> Shape {
    Ellipse { c, rx, ry }
}

fn stroke(a: P, b: P, w: f32) -> Shape {
    Stroke { a, b, w }
}

/// A polyline as strokes.
fn polyline(points: &[P], w: f32) -> Vec<Shape> {
    points.windows(2).map(|p| stroke(p[0], p[1], w)).collect()
}

/// A regular star of `n` branches.
fn star(c: P, outer: f32, inner: f32, n: u32, turn: f32) -> Shape {
    let points = (0..2 * n)
        .map(|i| {
            let a = turn + PI * i as f32 / n as f32 - PI / 2.0;
            let r = if i % 2 == 0 { outer } else { inner };
            (c.0 + r * cos(a), c.1 + r * sin(a))
        })
        .collect();
    Poly(points)
}

fn length(x: f32, y: f32) -> f32 {
    (x * x + y * y).sqrt()
}

impl Shape {
    /// The box the shape covers, anti-aliasing fringe included: (x0, y0, x1, y1).
    fn bounds(&self, height: f32) -> (f32, f32, f32, f32) {
        let (x0, y0, x1, y1) = match self {
            Circle { c, r } => (c.0 - r, c.1 - r, c.0 + r, c.1 + r),
            Ellipse { c, rx, ry } => (c.0 - rx, c.1 - ry, c.0 + rx, c.1 + ry),
            Rect { a, b, .. } => (a.0, a.1, b.0, b.1),
            Stroke { a, b, w } => (
                a.0.min(b.0) - w / 2.0,
                a.1.min(b.1) - w / 2.0,
                a.0.max(b.0) + w / 2.0,
                a.1.max(b.1) + w / 2.0,
            ),
            Poly(points) | Terrain(points) => {
                let mut bb = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
                for &(x, y) in points {
                    bb = (bb.0.min(x), bb.1.min(y), bb.2.max(x), bb.3.max(y));
                }
                if matches!(self, Terrain(_)) {
                    bb.3 = height;
                }
                bb
            }
        };
        (x0 - 1.0, y0 - 1.0, x1 + 1.0, y1 + 1.0)
    }

    /// Signed distance from `(x, y)` to the outline, negative inside.
    fn distance(&self, x: f32, y: f32) -> f32 {
        match self {
            Circle { c, r } => length(x - c.0, y - c.1) - r,
            Ellipse { c, rx, ry } => {
                // Inigo Quilez's approximation, exact enough for a one-pixel fringe.
                let (px, py) = (x - c.0, y - c.1);
                let k0 = length(px / rx, py / ry);
                let k1 = length(px / (rx * rx), py / (ry * ry));
                if k1 == 0.0 {
                    -rx.min(*ry)
                } else {
                    k0 * (k0 - 1.0) / k1
                }
            }
            Rect { a, b, r } => {
                let (cx, cy) = ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
                let (hx, hy) = ((b.0 - a.0) / 2.0 - r, (b.1 - a.1) / 2.0 - r);
                let (qx, qy) = ((x - cx).abs() - hx, (y - cy).abs() - hy);
                length(qx.max(0.0), qy.max(0.0)) + qx.max(qy).min(0.0) - r
            }
            Stroke { a, b, w } => {
                let (px, py, ex, ey) = (x - a.0, y - a.1, b.0 - a.0, b.1 - a.1);
                let ee = ex * ex + ey * ey;
                let t = if ee == 0.0 {
                    0.0
                } else {
                    ((px * ex + py * ey) / ee).clamp(0.0, 1.0)
                };
                length(px - ex * t, py - ey * t) - w / 2.0
            }
            Poly(v) => {
                let mut d = (x - v[0].0) * (x - v[0].0) + (y - v[0].1) * (y - v[0].1);
                let mut inside = false;
                let mut j = v.len() - 1;
                for i in 0..v.len() {
                    let (ex, ey) = (v[j].0 - v[i].0, v[j].1 - v[i].1);
                    let (wx, wy) = (x - v[i].0, y - v[i].1);
                    let t = ((wx * ex + wy * ey) / (ex * ex + ey * ey)).clamp(0.0, 1.0);
                    let (bx, by) = (wx - ex * t, wy - ey * t);
                    d = d.min(bx * bx + by * by);
                    let c = (y >= v[i].1, y < v[j].1, ex * wy > ey * wx);
                    if (c.0 && c.1 && c.2) || (!c.0 && !c.1 && !c.2) {
                        inside = !inside;
                    }
                    j = i;
                }
                if inside { -d.sqrt() } else { d.sqrt() }
            }
            Terrain(points) => {
                let i = points
                    .partition_point(|p| p.0 <= x)
                    .clamp(1, points.len() - 1);
                let ((x0, y0), (x1, y1)) = (points[i - 1], points[i]);
                let slope = (y1 - y0) / (x1 - x0);
                let ground = y0 + slope * (x - x0);
                (ground - y) / (1.0 + slope * slope).sqrt()
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The canvas.

struct Canvas {
    w: usize,
    h: usize,
    px: Vec<Rgb>,
}

impl Canvas {
    fn new(w: usize, h: usize, colour: Rgb) -> Self {
        Self {
            w,
            h,
            px: vec![colour; w * h],
        }
    }

    /// Every pixel from a function of its centre.
    fn shade(&mut self, f: impl Fn(f32, f32) -> Rgb) {
        for y in 0..self.h {
            for x in 0..self.w {
                self.px[y * self.w + x] = f(x as f32 + 0.5, y as f32 + 0.5);
            }
        }
    }

    /// Paints the union of `shapes` with `colour` (a function of the pixel centre) at
    /// `opacity`.
    fn paint_with(&mut self, shapes: &[Shape], opacity: f32, colour: impl Fn(f32, f32) -> Rgb) {
        let clamp_x = |v: f32| (v.floor().max(0.0) as usize).min(self.w);
        let clamp_y = |v: f32| (v.floor().max(0.0) as usize).min(self.h);
        let mut bb = (self.w, self.h, 0, 0);
        let boxes: Vec<_> = shapes
            .iter()
            .map(|s| {
                let (x0, y0, x1, y1) = s.bounds(self.h as f32);
                let b = (
                    clamp_x(x0),
                    clamp_y(y0),
                    clamp_x(x1 + 1.0),
                    clamp_y(y1 + 1.0),
                );
                bb = (bb.0.min(b.0), bb.1.min(b.1), bb.2.max(b.2), bb.3.max(b.3));
                b
            })
            .collect();
        if bb.0 >= bb.2 || bb.1 >= bb.3 {
            return;
        }
        let bw = bb.2 - bb.0;
        let mut coverage = vec![0.0f32; bw * (bb.3 - bb.1)];
        for (shape, b) in shapes.iter().zip(boxes) {
            for y in b.1..b.3 {
                for x in b.0..b.2 {
                    let d = shape.distance(x as f32 + 0.5, y as f32 + 0.5);
                    let c = &mut coverage[(y - bb.1) * bw + x - bb.0];
                    *c = c.max((0.5 - d).clamp(0.0, 1.0));
                }
            }
        }
        for y in bb.1..bb.3 {
            for x in bb.0..bb.2 {
                let c = coverage[(y - bb.1) * bw + x - bb.0] * opacity;
                if c > 0.0 {
                    let p = &mut self.px[y * self.w + x];
                    *p = mix(*p, colour(x as f32 + 0.5, y as f32 + 0.5), c);
                }
            }
        }
    }

    fn paint(&mut self, shapes: &[Shape], colour: Rgb) {
        self.paint_with(shapes, 1.0, |_, _| colour);
    }

    fn paint_alpha(&mut self, shapes: &[Shape], colour: Rgb, opacity: f32) {
        self.paint_with(shapes, opacity, |_, _| colour);
    }

    /// Adds light around `c`, fading to nothing at `radius` (a soft sun or lamp glow).
    fn glow(&mut self, c: P, radius: f32, colour: Rgb, strength: f32) {
        let x0 = (c.0 - radius).floor().max(0.0) as usize;
        let y0 = (c.1 - radius).floor().max(0.0) as usize;
        let x1 = ((c.0 + radius).ceil().max(0.0) as usize).min(self.w);
        let y1 = ((c.1 + radius).ceil().max(0.0) as usize).min(self.h);
        for y in y0..y1 {
            for x in x0..x1 {
                let d = length(x as f32 + 0.5 - c.0, y as f32 + 0.5 - c.1) / radius;
                if d < 1.0 {
                    let k = (1.0 - d) * (1.0 - d) * strength;
                    let p = &mut self.px[y * self.w + x];
                    for i in 0..3 {
                        p[i] = (p[i] + colour[i] * k).min(1.0);
                    }
                }
            }
        }
    }

    fn rgb8(&self) -> Vec<u8> {
        self.px
            .iter()
            .flat_map(|p| p.map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8))
            .collect()
    }
}

fn jpeg(canvas: &Canvas) -> Picture {
    encode(canvas, "image/jpeg", |out, rgb, w, h| {
        JpegEncoder::new_with_quality(out, 86).write_image(rgb, w, h, ExtendedColorType::Rgb8)
    })
}

fn png(canvas: &Canvas) -> Picture {
    encode(canvas, "image/png", |out, rgb, w, h| {
        PngEncoder::new_with_quality(out, CompressionType::Best, FilterType::Adaptive).write_image(
            rgb,
            w,
            h,
            ExtendedColorType::Rgb8,
        )
    })
}

/// Encodes the canvas's RGB pixels with `write` into a picture of type `mime`.
fn encode(
    canvas: &Canvas,
    mime: &'static str,
    write: impl FnOnce(&mut Vec<u8>, &[u8], u32, u32) -> image::ImageResult<()>,
) -> Picture {
    let (width, height) = (canvas.w as u32, canvas.h as u32);
    let mut bytes = Vec::new();
    write(&mut bytes, &canvas.rgb8(), width, height).expect("encoding to memory cannot fail");
    Picture {
        bytes,
        mime,
        width,
        height,
    }
}

// ---------------------------------------------------------------------------------------------
// The belfry at sunset.

/// A line of rolling hills: `base` plus a few waves, sampled every 16 pixels.
fn hills(width: f32, base: f32, amplitude: f32, seed: f32) -> Vec<P> {
    let mut points = Vec::new();
    let mut x = -16.0;
    while x <= width + 16.0 {
        let wave = 0.55 * sin(x / 210.0 + seed)
            + 0.3 * sin(x / 97.0 + 2.1 * seed)
            + 0.15 * sin(x / 43.0 + 3.7 * seed);
        points.push((x, base - amplitude * wave));
        x += 16.0;
    }
    points
}

/// A town house seen from the street, gable end on: walls and a steep roof; stepped gables
/// (Flemish "pas de moineaux") when `stepped`.
fn house(x: f32, ground: f32, w: f32, wall: f32, roof: f32, stepped: bool) -> Vec<Shape> {
    let top = ground - wall;
    let mut shapes = vec![rect(x, top, w, wall + 2.0)];
    if stepped {
        let steps = 4;
        let mut outline = vec![(x, top + 1.0)];
        for i in 0..steps {
            let (left, step_h) = (x + w / 2.0 * i as f32 / steps as f32, roof / steps as f32);
            let y = top - step_h * i as f32;
            outline.push((left, y - step_h));
            outline.push((left + w / 2.0 / steps as f32, y - step_h));
        }
        let right: Vec<P> = outline
            .iter()
            .rev()
            .map(|&(px, py)| (2.0 * x + w - px, py))
            .collect();
        outline.extend(right);
        shapes.push(Poly(outline));
    } else {
        shapes.push(Poly(vec![
            (x - 3.0, top + 1.0),
            (x + w / 2.0, top - roof),
            (x + w + 3.0, top + 1.0),
        ]));
    }
    shapes
}

fn belfry_sky(x: f32, y: f32) -> Rgb {
    let base = gradient(
        &[
            (0.0, hex(0x1c1d4a)),
            (230.0, hex(0x46306e)),
            (420.0, hex(0xb2486e)),
            (560.0, hex(0xef8240)),
            (660.0, hex(0xffc35e)),
        ],
        y,
    );
    // Warmer towards the sun.
    let d = length(x - SUN.0, (y - SUN.1) * 1.6) / 900.0;
    mix(
        base,
        hex(0xffb454),
        (1.0 - d).clamp(0.0, 1.0) * 0.35 * smoothstep(150.0, 600.0, y),
    )
}

const SUN: P = (790.0, 585.0);

fn belfry_at_sunset() -> Canvas {
    let w = 1600.0;
    let mut c = Canvas::new(1600, 900, hex(0x000000));
    c.shade(belfry_sky);

    // A few early stars in the dark top of the sky.
    let stars: Vec<Shape> = (0..18)
        .map(|i| {
            circle(
                (hash(i) * w, hash(i + 100) * 190.0 + 10.0),
                0.9 + hash(i + 200) * 1.0,
            )
        })
        .collect();
    c.paint_alpha(&stars, hex(0xfff6dc), 0.75);

    // The sun, low, with its halo.
    c.glow(SUN, 520.0, hex(0xff9a3c), 0.45);
    c.glow(SUN, 190.0, hex(0xffd98a), 0.5);
    c.paint(&[circle(SUN, 64.0)], hex(0xfff0c4));

    // Long thin clouds lit from below.
    let clouds = [
        (180.0, 300.0, 380.0, 9.0),
        (420.0, 330.0, 260.0, 6.0),
        (1010.0, 250.0, 420.0, 8.0),
        (1210.0, 285.0, 300.0, 5.0),
        (90.0, 450.0, 300.0, 7.0),
        (1180.0, 470.0, 360.0, 8.0),
        (860.0, 505.0, 240.0, 5.0),
    ];
    for (k, (x, y, len, thick)) in clouds.into_iter().enumerate() {
        // A long body with two or three puffs on top, lit from below by the sun.
        let k = k as u32;
        let mut body = vec![ellipse((x + len / 2.0, y), len / 2.0, thick * 0.8)];
        for j in 0..4 {
            let u = 0.2 + 0.2 * j as f32 + (hash(k * 5 + j + 600) - 0.5) * 0.1;
            let r = len * (0.1 + 0.08 * hash(k * 5 + j + 700));
            body.push(ellipse(
                (x + len * u, y - thick * 0.5),
                r,
                thick * (1.5 + hash(k * 5 + j + 800) * 1.1),
            ));
        }
        c.paint_alpha(&body, hex(0x8e4470), 0.6);
        let lit = [ellipse(
            (x + len * 0.5, y + thick * 0.55),
            len * 0.42,
            thick * 0.45,
        )];
        c.paint_alpha(&lit, hex(0xffa66b), 0.7);
    }

    // Three lines of hills, paler with distance.
    c.paint(&[Terrain(hills(w, 640.0, 26.0, 0.7))], hex(0xa85a78));
    // The middle hills carry a row of poplars along a lane.
    let mid = hills(w, 690.0, 34.0, 2.3);
    let mut middle = vec![Terrain(mid.clone())];
    for i in 0..9 {
        let x = 1130.0 + 30.0 * i as f32 + hash(i + 300) * 8.0;
        let foot = mid[(x / 16.0) as usize + 1].1 + 6.0;
        let hgt = 44.0 + hash(i + 310) * 22.0;
        middle.push(ellipse((x, foot - hgt / 2.0), 7.0, hgt / 2.0));
    }
    c.paint(&middle, hex(0x74385f));
    c.paint(&[Terrain(hills(w, 748.0, 22.0, 4.1))], hex(0x4a2648));

    // The town, one silhouette: houses, the town hall and its belfry.
    let silhouette = hex(0x170f26);
    let ground = 800.0;
    let mut town: Vec<Shape> = vec![Terrain(vec![
        (-10.0, ground - 2.0),
        (w + 10.0, ground - 2.0),
    ])];
    let mut windows: Vec<Shape> = Vec::new();
    let mut x = -20.0;
    let mut i = 0;
    while x < w + 20.0 {
        let wide = 70.0 + hash(i + 400) * 60.0;
        let behind_town_hall = (x + wide > 440.0) && x < 800.0;
        let wall = 60.0 + hash(i + 410) * 55.0;
        let roof = 35.0 + hash(i + 420) * 35.0;
        town.extend(house(x, ground, wide, wall, roof, i % 3 == 1));
        if !behind_town_hall {
            // Some windows are lit.
            for k in 0..2 {
                if hash(i * 7 + k + 430) < 0.45 {
                    let wx = x + wide * (0.25 + 0.35 * k as f32);
                    windows.push(rect(wx, ground - wall * 0.7, 9.0, 13.0));
                }
            }
        }
        x += wide - 2.0;
        i += 1;
    }
    // The town hall, either side of the belfry, with dormers.
    town.extend(house(440.0, ground, 110.0, 120.0, 70.0, false));
    town.extend(house(660.0, ground, 140.0, 120.0, 80.0, true));
    for wx in [462.0, 506.0, 690.0, 730.0, 770.0] {
        windows.push(round_rect(wx, ground - 92.0, 14.0, 26.0, 6.0));
        windows.push(round_rect(wx, ground - 48.0, 14.0, 26.0, 6.0));
    }
    // The belfry: square tower, corner turrets, lantern, onion dome, spire and weathervane.
    let cx = 600.0;
    town.extend([
        rect(cx - 66.0, 640.0, 132.0, ground - 640.0 + 2.0),
        rect(cx - 58.0, 330.0, 116.0, 320.0),
        rect(cx - 68.0, 318.0, 136.0, 16.0),
        rect(cx - 40.0, 232.0, 80.0, 90.0),
        rect(cx - 46.0, 226.0, 92.0, 10.0),
        ellipse((cx, 206.0), 40.0, 30.0),
        Poly(vec![(cx - 16.0, 190.0), (cx, 96.0), (cx + 16.0, 190.0)]),
        circle((cx, 118.0), 8.0),
        stroke((cx, 100.0), (cx, 62.0), 3.0),
        Poly(vec![(cx, 66.0), (cx + 24.0, 72.0), (cx, 79.0)]),
    ]);
    for side in [-1.0, 1.0] {
        let tx = cx + side * 60.0;
        town.push(rect(tx - 11.0, 268.0, 22.0, 60.0));
        town.push(Poly(vec![
            (tx - 14.0, 270.0),
            (tx, 214.0),
            (tx + 14.0, 270.0),
        ]));
        town.push(stroke((tx, 216.0), (tx, 200.0), 2.0));
    }
    // Trees at both ends of the street.
    for (tx, r) in [(70.0, 46.0), (128.0, 36.0), (1460.0, 52.0), (1530.0, 40.0)] {
        town.push(circle((tx, ground - r - 34.0), r));
        town.push(circle((tx - r * 0.6, ground - r * 0.8 - 24.0), r * 0.7));
        town.push(rect(tx - 4.0, ground - 40.0, 8.0, 42.0));
    }
    // Street lamps along the square.
    let lamps = [250.0, 380.0, 860.0, 1010.0, 1290.0];
    for lx in lamps {
        town.push(stroke((lx, ground), (lx, ground - 58.0), 4.0));
        town.push(Poly(vec![
            (lx - 8.0, ground - 58.0),
            (lx + 8.0, ground - 58.0),
            (lx + 5.0, ground - 72.0),
            (lx - 5.0, ground - 72.0),
        ]));
    }
    // The square in front catches a little of the sky's light near the houses.
    c.paint_with(&town, 1.0, |_, y| {
        if y < ground {
            silhouette
        } else {
            mix(hex(0x2b1b3a), hex(0x120b1e), smoothstep(ground, 900.0, y))
        }
    });
    for lx in lamps {
        c.glow((lx, ground - 64.0), 60.0, hex(0xffb347), 0.35);
        c.paint(&[rect(lx - 5.0, ground - 68.0, 10.0, 9.0)], hex(0xffd27a));
    }

    // The sky through the lantern's arches, the lit clock face and lit windows.
    let arches: Vec<Shape> = [cx - 24.0, cx + 6.0]
        .into_iter()
        .map(|ax| round_rect(ax, 248.0, 18.0, 60.0, 9.0))
        .collect();
    c.paint_with(&arches, 1.0, belfry_sky);
    c.paint(&[circle((cx, 420.0), 31.0)], hex(0xf3cf86));
    // Twenty to six: the minute hand on the eight, the hour hand near the six.
    let hand = |turns: f32, len: f32, wid: f32| {
        let a = turns * 2.0 * PI - PI / 2.0;
        stroke((cx, 420.0), (cx + len * cos(a), 420.0 + len * sin(a)), wid)
    };
    c.paint(
        &[hand(40.0 / 60.0, 24.0, 3.0), hand(5.67 / 12.0, 16.0, 4.5)],
        silhouette,
    );
    let slits = [
        round_rect(cx - 6.0, 500.0, 12.0, 40.0, 6.0),
        round_rect(cx - 6.0, 580.0, 12.0, 40.0, 6.0),
    ];
    c.paint(&slits, hex(0xffc86a));
    c.paint(&windows, hex(0xffc15c));
    for wdw in &windows {
        if let Rect { a, b, .. } = wdw {
            c.glow(
                ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0),
                26.0,
                hex(0xff9a3c),
                0.12,
            );
        }
    }

    // Birds going home.
    let birds: Vec<Shape> = [
        (1040.0, 180.0, 14.0),
        (1085.0, 205.0, 11.0),
        (1120.0, 170.0, 12.0),
        (1003.0, 222.0, 9.0),
        (1160.0, 214.0, 8.0),
    ]
    .into_iter()
    .flat_map(|(bx, by, s)| {
        polyline(
            &[
                (bx - s, by - s * 0.35),
                (bx - s * 0.45, by - s * 0.45),
                (bx, by),
                (bx + s * 0.45, by - s * 0.45),
                (bx + s, by - s * 0.35),
            ],
            2.2,
        )
    })
    .collect();
    c.paint(&birds, hex(0x2a1836));
    c
}

// ---------------------------------------------------------------------------------------------
// The Saturday market.

fn market_square() -> Canvas {
    let w = 1600.0;
    let mut c = Canvas::new(1600, 900, hex(0x000000));
    c.shade(|_, y| {
        if y < 560.0 {
            gradient(&[(0.0, hex(0x7fb6e0)), (420.0, hex(0xd6ebf7))], y)
        } else {
            gradient(&[(560.0, hex(0xc9bda6)), (900.0, hex(0xa3957e))], y)
        }
    });
    // Soft clouds.
    for (cx, cy, s) in [(260.0, 90.0, 1.0), (900.0, 60.0, 1.3), (1380.0, 120.0, 0.8)] {
        let puffs = [
            circle((cx, cy), 34.0 * s),
            circle((cx + 40.0 * s, cy - 14.0 * s), 42.0 * s),
            circle((cx + 86.0 * s, cy), 32.0 * s),
            round_rect(cx - 20.0 * s, cy, 130.0 * s, 32.0 * s, 16.0 * s),
        ];
        c.paint_alpha(&puffs, hex(0xffffff), 0.85);
    }

    // Houses around the square: brick, ochre, whitewash; stepped and plain gables.
    let facades = [
        (hex(0xb5523b), true),
        (hex(0xe8dcc4), false),
        (hex(0xc98a4b), true),
        (hex(0x9c4a36), false),
        (hex(0xf0e8d8), true),
        (hex(0x7d8ea3), false),
        (hex(0xb86447), true),
        (hex(0xd9b26a), false),
    ];
    let ground = 560.0;
    let mut x = -30.0;
    let mut i = 0u32;
    while x < w + 30.0 {
        let (colour, stepped) = facades[i as usize % facades.len()];
        let fw = 170.0 + hash(i + 500) * 50.0;
        let wall = 260.0 + hash(i + 510) * 90.0;
        let roof = 90.0 + hash(i + 520) * 40.0;
        let top = ground - wall;
        // Slate roofs seen behind the plain gables.
        if !stepped {
            c.paint(
                &[Poly(vec![
                    (x - 6.0, top + 2.0),
                    (x + fw / 2.0, top - roof - 4.0),
                    (x + fw + 6.0, top + 2.0),
                ])],
                hex(0x4b5162),
            );
        }
        c.paint(&house(x, ground, fw, wall, roof, stepped), colour);
        // Windows: white frames, blue panes, on two floors.
        let mut frames = Vec::new();
        let mut panes = Vec::new();
        for floor in 0..2 {
            for k in 0..2 {
                let wx = x + fw * (0.2 + 0.42 * k as f32);
                let wy = top + 40.0 + floor as f32 * 95.0;
                frames.push(round_rect(wx - 4.0, wy - 4.0, 44.0, 68.0, 3.0));
                panes.push(rect(wx, wy, 16.0, 60.0));
                panes.push(rect(wx + 20.0, wy, 16.0, 60.0));
            }
        }
        c.paint(&frames, hex(0xf7f4ee));
        c.paint(&panes, hex(0x38506e));
        c.paint(
            &[round_rect(
                x + fw * 0.4,
                ground - 84.0,
                fw * 0.22,
                86.0,
                10.0,
            )],
            hex(0x5a3a2a),
        );
        x += fw;
        i += 1;
    }

    // Bunting across the square.
    let bunting_y = |x: f32| 60.0 + 100.0 * (1.0 - ((x - 800.0) / 800.0) * ((x - 800.0) / 800.0));
    let string: Vec<P> = (0..=40)
        .map(|k| (k as f32 * 40.0, bunting_y(k as f32 * 40.0)))
        .collect();
    c.paint(&polyline(&string, 2.0), hex(0x3a3a3a));
    let flag_colours = [
        hex(0xd6423a),
        hex(0xf2b705),
        hex(0x2f6fb0),
        hex(0x2e9a5e),
        hex(0xffffff),
    ];
    for (k, colour) in flag_colours.iter().enumerate() {
        let flags: Vec<Shape> = (0..40)
            .filter(|n| n % flag_colours.len() == k)
            .map(|n| {
                let fx = 20.0 + n as f32 * 40.0;
                let (y0, y1) = (bunting_y(fx - 14.0), bunting_y(fx + 14.0));
                Poly(vec![
                    (fx - 14.0, y0),
                    (fx + 14.0, y1),
                    (fx, (y0 + y1) / 2.0 + 34.0),
                ])
            })
            .collect();
        c.paint(&flags, *colour);
    }

    // Cobbles.
    let cobbles: Vec<Shape> = (0..15u32)
        .flat_map(|row| {
            let y = 585.0 + row as f32 * 22.0 + row as f32 * row as f32 * 0.35;
            let size = 14.0 + row as f32 * 1.4;
            (0..(1600.0 / (size * 2.6)) as u32 + 2).map(move |k| {
                let offset = if row % 2 == 0 { 0.0 } else { size * 1.3 };
                ellipse(
                    (k as f32 * size * 2.6 + offset + hash(row * 97 + k) * 4.0, y),
                    size,
                    size * 0.42,
                )
            })
        })
        .collect();
    c.paint_alpha(&cobbles, hex(0x8f826c), 0.35);

    stall(&mut c, 70.0, [hex(0xc8332b), hex(0xfaf6ee)], Goods::Fruit);
    stall(&mut c, 580.0, [hex(0x2e8a57), hex(0xfaf6ee)], Goods::Cheese);
    stall(
        &mut c,
        1090.0,
        [hex(0x1f5fa0), hex(0xf2b705)],
        Goods::Flowers,
    );
    c
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Goods {
    Fruit,
    Cheese,
    Flowers,
}

/// A market stall 440 pixels wide from `x`: striped awning with a scalloped edge, posts, a
/// table under a cloth and its goods.
fn stall(c: &mut Canvas, x: f32, stripes: [Rgb; 2], goods: Goods) {
    let (wd, top, eave, table) = (440.0, 330.0, 420.0, 640.0);
    let wood = hex(0x5b3b25);
    // Shade under the awning and a shadow on the cobbles, then the posts.
    c.paint_alpha(
        &[rect(x, eave + 20.0, wd, table - eave - 20.0)],
        hex(0x3b2a20),
        0.22,
    );
    c.paint_alpha(
        &[ellipse(
            (x + wd / 2.0 + 20.0, table + 152.0),
            wd / 2.0 + 30.0,
            16.0,
        )],
        hex(0x5e5140),
        0.45,
    );
    c.paint(
        &[
            rect(x + 14.0, eave - 10.0, 10.0, 330.0),
            rect(x + wd - 24.0, eave - 10.0, 10.0, 330.0),
        ],
        wood,
    );
    // Awning: slanted stripes, then the scalloped valance.
    let n = 8;
    for (k, colour) in stripes.iter().enumerate() {
        let strips: Vec<Shape> = (0..n)
            .filter(|s| s % 2 == k)
            .flat_map(|s| {
                let (a, b) = (s as f32 / n as f32, (s + 1) as f32 / n as f32);
                let inset = 26.0;
                let tx = |t: f32| x + inset + t * (wd - 2.0 * inset);
                let bx = |t: f32| x - 8.0 + t * (wd + 16.0);
                vec![
                    Poly(vec![
                        (tx(a), top),
                        (tx(b), top),
                        (bx(b), eave),
                        (bx(a), eave),
                    ]),
                    rect(bx(a), eave - 1.0, bx(b) - bx(a), 22.0),
                    circle(((bx(a) + bx(b)) / 2.0, eave + 20.0), (bx(b) - bx(a)) / 2.0),
                ]
            })
            .collect();
        c.paint(&strips, *colour);
    }
    // Table with a cloth.
    let cloth = match goods {
        Goods::Fruit => hex(0xf3efe4),
        Goods::Cheese => hex(0xe7d9b8),
        Goods::Flowers => hex(0xdfe7ef),
    };
    c.paint(&[rect(x - 6.0, table, wd + 12.0, 110.0)], cloth);
    c.paint_alpha(&[rect(x - 6.0, table, wd + 12.0, 8.0)], hex(0x000000), 0.12);
    // Legs under the cloth.
    c.paint(
        &[
            rect(x + 20.0, table + 110.0, 12.0, 40.0),
            rect(x + wd - 32.0, table + 110.0, 12.0, 40.0),
        ],
        wood,
    );
    match goods {
        Goods::Fruit => fruit(c, x, table),
        Goods::Cheese => cheese(c, x, table),
        Goods::Flowers => flowers(c, x, table),
    }
}

/// Three crates of apples, pears and squashes, a bunch of carrots and leeks.
fn fruit(c: &mut Canvas, x: f32, table: f32) {
    let crate_wood = hex(0xb07a45);
    let r = 13.5;
    let crate_w = 4.0 * (2.0 * r + 2.0) + 18.0;
    let piles = [
        (x + 10.0, hex(0xc8312b), hex(0xe8675e)),
        (x + 10.0 + crate_w + 12.0, hex(0xb8c23a), hex(0xd9df78)),
        (
            x + 10.0 + 2.0 * (crate_w + 12.0),
            hex(0xe07b24),
            hex(0xf0a458),
        ),
    ];
    for (cx, colour, light) in piles {
        let mut balls = Vec::new();
        for row in 0..3 {
            let count = 4 - row;
            for k in 0..count {
                let bx = cx + 9.0 + r + k as f32 * (2.0 * r + 2.0) + row as f32 * (r + 1.0);
                balls.push((bx, table - 12.0 - r - row as f32 * (1.7 * r)));
            }
        }
        let shapes: Vec<Shape> = balls.iter().map(|&c| circle(c, r)).collect();
        c.paint(&shapes, colour);
        let shines: Vec<Shape> = balls
            .iter()
            .map(|&(bx, by)| circle((bx - r * 0.35, by - r * 0.35), r * 0.3))
            .collect();
        c.paint_alpha(&shines, light, 0.8);
        c.paint(&[rect(cx, table - 40.0, crate_w, 40.0)], crate_wood);
        c.paint_alpha(
            &[
                rect(cx, table - 22.0, crate_w, 3.0),
                rect(cx, table - 40.0, crate_w, 3.0),
            ],
            hex(0x6b4424),
            0.6,
        );
    }
    // Price slates in wooden frames, a chalk line on each.
    let (frames, slates, chalk): (Vec<_>, Vec<_>, Vec<_>) = piles
        .iter()
        .map(|p| {
            let sx = p.0 + crate_w / 2.0 - 24.0;
            (
                round_rect(sx, table + 18.0, 48.0, 34.0, 3.0),
                rect(sx + 4.0, table + 22.0, 40.0, 26.0),
                stroke((sx + 11.0, table + 35.0), (sx + 37.0, table + 35.0), 3.0),
            )
        })
        .fold((vec![], vec![], vec![]), |mut acc, (f, s, c)| {
            acc.0.push(f);
            acc.1.push(s);
            acc.2.push(c);
            acc
        });
    c.paint(&frames, hex(0x9a6a3c));
    c.paint(&slates, hex(0x2f3336));
    c.paint(&chalk, hex(0xe9e6df));
}

/// Cheese wheels, a cut wedge and loaves.
fn cheese(c: &mut Canvas, x: f32, table: f32) {
    let rind = hex(0xd8a23a);
    let paste = hex(0xf6d77a);
    for (k, (cx, r)) in [(x + 80.0, 58.0), (x + 210.0, 48.0)]
        .into_iter()
        .enumerate()
    {
        let h = 34.0 + 6.0 * k as f32;
        c.paint(
            &[
                rect(cx - r, table - h - 2.0, 2.0 * r, h),
                ellipse((cx, table - 2.0), r, r * 0.28),
            ],
            rind,
        );
        c.paint(&[ellipse((cx, table - h - 2.0), r, r * 0.28)], paste);
    }
    // A pyramid of square cheeses with an orange washed rind, as Maroilles are.
    let squares: Vec<Shape> = (0..3)
        .map(|k| round_rect(x + 262.0 + k as f32 * 40.0, table - 30.0, 36.0, 28.0, 4.0))
        .collect();
    c.paint(&squares, hex(0xd5762f));
    c.paint(
        &[
            round_rect(x + 282.0, table - 58.0, 36.0, 28.0, 4.0),
            round_rect(x + 322.0, table - 58.0, 36.0, 28.0, 4.0),
        ],
        hex(0xc96a26),
    );
    // Loaves on a board.
    c.paint(&[rect(x + 30.0, table - 6.0, 380.0, 6.0)], hex(0x8a5a34));
    let loaves = [
        ellipse((x + 150.0, table - 24.0), 44.0, 20.0),
        ellipse((x + 392.0, table - 26.0), 28.0, 21.0),
    ];
    c.paint(&loaves[..1], hex(0xb9763a));
    c.paint(&loaves[1..], hex(0xa86a32));
    let cuts: Vec<Shape> = (0..3)
        .map(|k| {
            stroke(
                (x + 125.0 + k as f32 * 22.0, table - 34.0),
                (x + 140.0 + k as f32 * 22.0, table - 18.0),
                3.0,
            )
        })
        .collect();
    c.paint(&cuts, hex(0xe3b071));
}

/// Pots of flowers and bottles of farm cider.
fn flowers(c: &mut Canvas, x: f32, table: f32) {
    let petals = [hex(0xd6423a), hex(0xf2b705), hex(0xf4f1ea), hex(0xc04f8c)];
    for k in 0..5 {
        let px = x + 40.0 + k as f32 * 62.0;
        let leaves: Vec<Shape> = (0..5)
            .map(|j| {
                circle(
                    (
                        px + 20.0 + (hash(k * 11 + j) - 0.5) * 34.0,
                        table - 66.0 - hash(k * 13 + j) * 34.0,
                    ),
                    14.0,
                )
            })
            .collect();
        c.paint(&leaves, hex(0x3c7a3a));
        let blooms: Vec<Shape> = (0..6)
            .map(|j| {
                circle(
                    (
                        px + 20.0 + (hash(k * 17 + j + 50) - 0.5) * 40.0,
                        table - 70.0 - hash(k * 19 + j + 50) * 40.0,
                    ),
                    7.0,
                )
            })
            .collect();
        c.paint(&blooms, petals[k as usize % petals.len()]);
        c.paint(
            &[Poly(vec![
                (px, table - 44.0),
                (px + 40.0, table - 44.0),
                (px + 34.0, table),
                (px + 6.0, table),
            ])],
            hex(0xb45f3c),
        );
    }
    let bottles: Vec<Shape> = (0..3)
        .flat_map(|k| {
            let bx = x + 360.0 + k as f32 * 24.0;
            [
                round_rect(bx, table - 70.0, 18.0, 70.0, 5.0),
                rect(bx + 6.0, table - 96.0, 6.0, 30.0),
            ]
        })
        .collect();
    c.paint(&bottles, hex(0x2f5a2e));
    let labels: Vec<Shape> = (0..3)
        .map(|k| rect(x + 360.0 + k as f32 * 24.0, table - 46.0, 18.0, 18.0))
        .collect();
    c.paint(&labels, hex(0xf1e3c0));
}

// ---------------------------------------------------------------------------------------------
// The Christmas market poster.

/// The poster's night: flat halo rings around the tree.
const HALO: [(f32, Rgb); 3] = [
    (470.0, hex(0x12305a)),
    (360.0, hex(0x173a69)),
    (250.0, hex(0x1c4478)),
];

fn christmas_market_poster() -> Canvas {
    let (w, h) = (1080.0, 1080.0);
    let navy = hex(0x0e2748);
    let gold = hex(0xf2b705);
    let mut c = Canvas::new(1080, 1080, navy);
    for (r, colour) in HALO {
        c.paint(&[circle((w / 2.0, 470.0), r)], colour);
    }
    // Crescent moon: a disc, then the night over part of it.
    c.paint(&[circle((190.0, 190.0), 58.0)], hex(0xf6e7b0));
    let night = |x: f32, y: f32| {
        let d = length(x - w / 2.0, y - 470.0);
        HALO.iter()
            .rev()
            .find(|(r, _)| d <= *r)
            .map_or(navy, |(_, colour)| *colour)
    };
    c.paint_with(&[circle((218.0, 172.0), 52.0)], 1.0, night);

    // Snowflakes: three crossing strokes each, placed by a fixed hash away from the tree.
    let mut flakes = Vec::new();
    let mut centres: Vec<P> = Vec::new();
    let mut n = 0;
    while centres.len() < 24 && n < 10_000 {
        let (fx, fy) = (90.0 + hash(n) * (w - 180.0), 80.0 + hash(n + 1000) * 560.0);
        let size = 8.0 + hash(n + 2000) * 14.0;
        n += 1;
        let clear_of_tree = (fx - w / 2.0).abs() > 150.0 + (fy - 180.0).max(0.0) * 0.45;
        let clear_of_moon = length(fx - 190.0, fy - 190.0) > 110.0;
        let clear_of_others = centres
            .iter()
            .all(|&(ox, oy)| length(fx - ox, fy - oy) > 70.0);
        if !(clear_of_tree && clear_of_moon && clear_of_others) {
            continue;
        }
        centres.push((fx, fy));
        for k in 0..3 {
            let a = PI / 3.0 * k as f32 + hash(n + 3000);
            let (dx, dy) = (size * cos(a), size * sin(a));
            flakes.push(stroke((fx - dx, fy - dy), (fx + dx, fy + dy), 2.6));
        }
    }
    c.paint_alpha(&flakes, hex(0xffffff), 0.85);

    // Snowy ground.
    c.paint(&[ellipse((250.0, 1010.0), 520.0, 150.0)], hex(0xcfdceb));
    c.paint(&[ellipse((860.0, 1030.0), 560.0, 150.0)], hex(0xe9f0f8));

    // The tree: four tiers, each folded (a darker left half, a lighter right half).
    let cx = w / 2.0;
    let tiers = [
        (250.0, 420.0, 120.0),
        (350.0, 540.0, 170.0),
        (450.0, 660.0, 220.0),
        (550.0, 790.0, 270.0),
    ];
    c.paint(&[rect(cx - 26.0, 780.0, 52.0, 110.0)], hex(0x6b4226));
    c.paint(&[ellipse((cx, 892.0), 80.0, 14.0)], hex(0xe9f0f8));
    for &(top, bottom, half) in tiers.iter().rev() {
        c.paint(
            &[Poly(vec![(cx, top), (cx, bottom), (cx - half, bottom)])],
            hex(0x1d6b45),
        );
        c.paint(
            &[Poly(vec![(cx, top), (cx + half, bottom), (cx, bottom)])],
            hex(0x2b8a57),
        );
    }
    // Garlands of lights across the tiers.
    let mut lights: Vec<(P, Rgb)> = Vec::new();
    let colours = [gold, hex(0xd6423a), hex(0xffffff)];
    for (t, &(top, bottom, half)) in tiers.iter().enumerate() {
        let y0 = top + (bottom - top) * 0.62;
        let half_at = half * (y0 - top) / (bottom - top);
        let mut line = Vec::new();
        for k in 0..=12 {
            let u = k as f32 / 12.0;
            let lx = cx - half_at * 0.92 + u * half_at * 1.84;
            let ly = y0 + 26.0 * u + 10.0 * sin(u * PI);
            line.push((lx, ly));
            if k % 2 == 1 {
                lights.push((
                    (lx, ly + 6.0),
                    colours[(k as usize / 2 + t) % colours.len()],
                ));
            }
        }
        c.paint(&polyline(&line, 3.0), hex(0xe9c46a));
    }
    for (p, colour) in &lights {
        c.paint(&[circle(*p, 7.5)], *colour);
    }
    // Baubles.
    let baubles = [
        (cx + 28.0, 322.0, gold),
        (cx - 72.0, 528.0, hex(0xd6423a)),
        (cx + 95.0, 642.0, gold),
        (cx - 40.0, 642.0, hex(0x3f8fd8)),
        (cx - 150.0, 768.0, hex(0xffffff)),
        (cx + 165.0, 772.0, hex(0xd6423a)),
        (cx + 10.0, 770.0, gold),
    ];
    for (bx, by, colour) in baubles {
        c.paint(&[circle((bx, by), 17.0)], colour);
        c.paint_alpha(&[circle((bx - 6.0, by - 6.0), 5.0)], hex(0xffffff), 0.6);
    }
    // The star.
    c.paint(&[star((cx, 232.0), 60.0, 25.0, 5, 0.0)], gold);

    // Two chalets of the market, lit, with snow on their roofs.
    for (x0, flip) in [(90.0, false), (770.0, true)] {
        let (cw, wall_top, base) = (220.0, 760.0, 900.0);
        let walls = hex(0x8a5a3b);
        c.paint(&[rect(x0, wall_top, cw, base - wall_top)], walls);
        let planks: Vec<Shape> = (1..8)
            .map(|k| rect(x0 + k as f32 * cw / 8.0, wall_top, 2.0, base - wall_top))
            .collect();
        c.paint_alpha(&planks, hex(0x5b3b25), 0.6);
        // The counter, lit from inside, under a flap.
        c.paint(
            &[rect(x0 + 30.0, wall_top + 30.0, cw - 60.0, 66.0)],
            hex(0xffcf70),
        );
        c.glow((x0 + cw / 2.0, wall_top + 64.0), 150.0, hex(0xffb347), 0.18);
        c.paint(
            &[rect(x0 + 22.0, wall_top + 96.0, cw - 44.0, 10.0)],
            hex(0x5b3b25),
        );
        let goods: Vec<Shape> = (0..5)
            .map(|k| circle((x0 + 52.0 + k as f32 * 29.0, wall_top + 84.0), 10.0))
            .collect();
        c.paint(&goods, if flip { hex(0xd6423a) } else { hex(0x2b8a57) });
        // Roof and its snow.
        let (l, r, apex) = (
            (x0 - 24.0, wall_top + 4.0),
            (x0 + cw + 24.0, wall_top + 4.0),
            (x0 + cw / 2.0, wall_top - 92.0),
        );
        c.paint(&[Poly(vec![l, apex, r])], hex(0x7d2a2a));
        let snow = |t: f32| (l.0 + (apex.0 - l.0) * t, l.1 + (apex.1 - l.1) * t);
        let snow_r = |t: f32| (r.0 + (apex.0 - r.0) * t, r.1 + (apex.1 - r.1) * t);
        c.paint(
            &[
                stroke(snow(0.02), apex, 16.0),
                stroke(snow_r(0.02), apex, 16.0),
            ],
            hex(0xf4f8fc),
        );
        // Lights along the eaves.
        let eave_lights: Vec<Shape> = (0..9)
            .map(|k| {
                circle(
                    (x0 - 10.0 + k as f32 * (cw + 20.0) / 8.0, wall_top + 14.0),
                    5.0,
                )
            })
            .collect();
        c.paint(&eave_lights, gold);
    }
    // A gold frame, as printed posters have.
    let frame = [
        rect(36.0, 36.0, w - 72.0, 6.0),
        rect(36.0, h - 42.0, w - 72.0, 6.0),
        rect(36.0, 36.0, 6.0, h - 72.0),
        rect(w - 42.0, 36.0, 6.0, h - 72.0),
    ];
    c.paint(&frame, gold);
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sin_is_accurate() {
        for i in -100..=100 {
            let x = i as f32 * 0.37;
            assert!((sin(x) - x.sin()).abs() < 1e-5, "{x}");
            assert!((cos(x) - x.cos()).abs() < 1e-5, "{x}");
        }
    }

    #[test]
    fn shapes_are_signed_distances() {
        let square = Poly(vec![(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)]);
        assert_eq!(square.distance(5.0, 5.0), -5.0);
        assert_eq!(square.distance(13.0, 5.0), 3.0);
        assert_eq!(rect(0.0, 0.0, 10.0, 10.0).distance(5.0, 12.0), 2.0);
        let terrain = Terrain(vec![(0.0, 100.0), (100.0, 100.0)]);
        assert_eq!(terrain.distance(50.0, 110.0), -10.0);
        assert!((ellipse((0.0, 0.0), 20.0, 10.0).distance(25.0, 0.0) - 5.0).abs() < 0.5);
    }

    #[test]
    fn pictures_are_what_the_manifest_says_and_small() {
        let p = pictures();
        for (picture, format, size) in [
            (&p.belfry, image::ImageFormat::Jpeg, (1600, 900)),
            (&p.market, image::ImageFormat::Jpeg, (1600, 900)),
            (&p.poster, image::ImageFormat::Png, (1080, 1080)),
        ] {
            assert!(
                picture.bytes.len() < 250_000,
                "{} bytes",
                picture.bytes.len()
            );
            assert_eq!(image::guess_format(&picture.bytes).unwrap(), format);
            let img = image::load_from_memory(&picture.bytes).unwrap();
            assert_eq!((img.width(), img.height()), size);
            assert_eq!((picture.width, picture.height), size);
        }
    }
}
