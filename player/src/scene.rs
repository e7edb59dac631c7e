//! The scene: plain data describing one frame, built by playback and drawn by the renderer.
//!
//! The renderer never sees a schedule, a playlist or a data set; playback never sees the GPU.
//! Coordinates are physical pixels of the unrotated frame, origin top left; the renderer turns
//! the whole frame by `rotation` at the end. Nodes are drawn in order (later ones on top).

use beffroi_protocol::ids::Sha256;
use beffroi_protocol::layout::Colour;
use beffroi_protocol::manifest::Rotation;

use crate::icons::TintedIcon;

/// A rectangle in pixels (floating point: transitions move content by fractions of a pixel).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Rect {
    /// Left edge.
    pub x: f32,
    /// Top edge.
    pub y: f32,
    /// Width.
    pub w: f32,
    /// Height.
    pub h: f32,
}

impl Rect {
    /// A rectangle from its position and size.
    pub const fn new(x: f32, y: f32, w: f32, h: f32) -> Self {
        Self { x, y, w, h }
    }

    /// The same rectangle moved by `(dx, dy)`.
    pub fn offset(self, dx: f32, dy: f32) -> Self {
        Self {
            x: self.x + dx,
            y: self.y + dy,
            ..self
        }
    }

    /// The rectangle shrunk by `m` on every side (never below zero size).
    pub fn inset(self, m: f32) -> Self {
        Self {
            x: self.x + m,
            y: self.y + m,
            w: (self.w - 2.0 * m).max(0.0),
            h: (self.h - 2.0 * m).max(0.0),
        }
    }

    /// The overlap of two rectangles (zero-sized when they do not meet).
    pub fn intersect(self, o: Rect) -> Rect {
        let x0 = self.x.max(o.x);
        let y0 = self.y.max(o.y);
        let x1 = (self.x + self.w).min(o.x + o.w);
        let y1 = (self.y + self.h).min(o.y + o.h);
        Rect {
            x: x0,
            y: y0,
            w: (x1 - x0).max(0.0),
            h: (y1 - y0).max(0.0),
        }
    }

    /// Right edge.
    pub fn right(&self) -> f32 {
        self.x + self.w
    }

    /// Bottom edge.
    pub fn bottom(&self) -> f32 {
        self.y + self.h
    }
}

/// Horizontal alignment of text in its box.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    /// Ragged right.
    #[default]
    Left,
    /// Centred.
    Center,
    /// Ragged left.
    Right,
}

/// Font weight of a text run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Weight {
    /// Body text.
    #[default]
    Regular,
    /// Headings.
    Bold,
}

/// How big text is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TextSize {
    /// Exactly this many pixels.
    Fixed(f32),
    /// The largest size from `max` down to `min` at which the text fits its box within
    /// `max_lines`; at `min` it is cut with an ellipsis.
    Fit {
        /// Largest size tried, in pixels.
        max: f32,
        /// Smallest size, in pixels (the layout's text floor).
        min: f32,
    },
}

/// A block of text laid out in a box.
#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    /// The text; `\n` starts a new paragraph.
    pub text: String,
    /// The box it wraps in; text never draws outside it.
    pub rect: Rect,
    /// Size rule.
    pub size: TextSize,
    /// Line height as a multiple of the size (1.2 is comfortable).
    pub line_height: f32,
    /// Colour.
    pub colour: Colour,
    /// Weight.
    pub weight: Weight,
    /// Alignment.
    pub align: Align,
    /// Vertical centring in the box instead of top alignment.
    pub v_center: bool,
    /// At most this many lines (0 = as many as fit); the last is cut with an ellipsis.
    pub max_lines: u32,
    /// `false` for a single line that does not wrap (tickers).
    pub wrap: bool,
    /// A scrolling single line (ticker): the renderer shifts the line left by `offset_px`
    /// modulo its own width plus `gap_px`, and repeats it to fill the box.
    pub marquee: Option<Marquee>,
    /// A line through the middle of each line of text, as long as the line (a cancelled
    /// event). The renderer draws it, since only it knows where the glyphs end.
    pub strike: bool,
}

/// Scroll state of a ticker line; the renderer measures the text, playback only says how far
/// it has moved, so the same instant always gives the same frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Marquee {
    /// Distance scrolled since the item began, in pixels.
    pub offset_px: f32,
    /// Blank space between two repetitions of the line, in pixels.
    pub gap_px: f32,
}

impl Text {
    /// A left-aligned, wrapping text of fixed size, with no line limit.
    pub fn new(text: impl Into<String>, rect: Rect, size: TextSize, colour: Colour) -> Self {
        Self {
            text: text.into(),
            rect,
            size,
            line_height: 1.2,
            colour,
            weight: Weight::Regular,
            align: Align::Left,
            v_center: false,
            max_lines: 0,
            wrap: true,
            marquee: None,
            strike: false,
        }
    }
}

/// What an image node shows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ImageSource {
    /// A decoded asset of the bundle.
    Asset(Sha256),
    /// One of the player's own pictograms, rasterised at its size in its colour; its node's
    /// rectangle should be that size, on whole pixels, so that it is drawn texel for pixel.
    Icon(TintedIcon),
}

impl std::fmt::Display for ImageSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Asset(sha) => write!(f, "image {sha}"),
            Self::Icon(icon) => icon.fmt(f),
        }
    }
}

/// One node of the scene.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// A filled rectangle with rounded corners (`radius` 0 for square ones).
    Rect {
        /// Where.
        rect: Rect,
        /// Fill colour.
        colour: Colour,
        /// Corner radius in pixels.
        radius: f32,
    },
    /// An image stretched over `rect`, showing the part `uv` (0–1) of the source.
    Image {
        /// Where.
        rect: Rect,
        /// What.
        source: ImageSource,
        /// Source sub-rectangle in normalised coordinates (x, y, w, h), for cover cropping.
        uv: Rect,
        /// Corner radius in pixels (0 for square corners): thumbnails on cards.
        radius: f32,
    },
    /// Text.
    Text(Text),
}

/// A shape with its opacity and clip: what the renderer draws.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The shape.
    pub shape: Shape,
    /// Opacity multiplier, 0–1 (fades).
    pub opacity: f32,
    /// Nothing is drawn outside this rectangle (zones, wipes); `None` for the whole frame.
    pub clip: Option<Rect>,
    /// Id reported when this node is touched (kiosk); `None` for decoration.
    pub hit: Option<String>,
}

impl Node {
    /// An opaque, unclipped node.
    pub fn new(shape: Shape) -> Self {
        Self {
            shape,
            opacity: 1.0,
            clip: None,
            hit: None,
        }
    }
}

/// One frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Scene {
    /// Width of the unrotated frame, in pixels.
    pub width: u32,
    /// Height of the unrotated frame.
    pub height: u32,
    /// Colour behind everything.
    pub clear: Colour,
    /// What to draw, back to front.
    pub nodes: Vec<Node>,
    /// How the finished frame is turned on the panel.
    pub rotation: Rotation,
}

impl Scene {
    /// An empty frame of the given size and colour.
    pub fn new(width: u32, height: u32, clear: Colour) -> Self {
        Self {
            width,
            height,
            clear,
            nodes: Vec::new(),
            rotation: Rotation::R0,
        }
    }

    /// Appends a node.
    pub fn push(&mut self, node: Node) {
        self.nodes.push(node);
    }

    /// The pixel size each image of the scene needs to be drawn sharp: the drawn size divided
    /// by the part of the source shown (a cover crop needs more source pixels), never more
    /// than the frame. Images are decoded and scaled down to this, not to the file's size.
    pub fn image_sizes(&self) -> Vec<(ImageSource, (u32, u32))> {
        let mut out: Vec<(ImageSource, (u32, u32))> = Vec::new();
        for n in &self.nodes {
            if let Shape::Image {
                rect, source, uv, ..
            } = &n.shape
            {
                let w = (rect.w / uv.w.max(1e-3))
                    .ceil()
                    .clamp(1.0, self.width.max(self.height) as f32) as u32;
                let h = (rect.h / uv.h.max(1e-3))
                    .ceil()
                    .clamp(1.0, self.width.max(self.height) as f32) as u32;
                match out.iter_mut().find(|(s, _)| s == source) {
                    Some((_, size)) => *size = (size.0.max(w), size.1.max(h)),
                    None => out.push((source.clone(), (w, h))),
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_decoded_for_the_largest_size_they_are_drawn_at() {
        let a = ImageSource::Asset(Sha256::of(b"a"));
        let mut scene = Scene::new(1920, 1080, Colour::rgb(0, 0, 0));
        let image = |rect, uv| {
            Node::new(Shape::Image {
                rect,
                source: a.clone(),
                uv,
                radius: 0.0,
            })
        };
        // Contain in a 960×540 zone, then cover showing the middle half of the source.
        scene.push(image(
            Rect::new(0.0, 0.0, 960.0, 540.0),
            Rect::new(0.0, 0.0, 1.0, 1.0),
        ));
        scene.push(image(
            Rect::new(0.0, 0.0, 400.0, 540.0),
            Rect::new(0.25, 0.0, 0.5, 1.0),
        ));
        assert_eq!(scene.image_sizes(), vec![(a.clone(), (960, 540))]);
        scene.push(image(
            Rect::new(0.0, 0.0, 1900.0, 1080.0),
            Rect::new(0.25, 0.25, 0.5, 0.5),
        ));
        // Never more than the frame's long side.
        assert_eq!(scene.image_sizes(), vec![(a, (1920, 1920))]);
    }
}
