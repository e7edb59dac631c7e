//! Playback: turns what a screen shows at an instant into a [`Scene`] the renderer draws.
//!
//! [`build`] is a pure function of the manifest, the data sets, the evaluator's [`State`]
//! and the frame size: no clock, no GPU, no I/O, so the same instant always gives the same
//! frame and every rule here is tested headless. It maps the screen's layout onto the
//! frame, draws each zone's background and item (clipped to the zone), plays the entering
//! transition from the evaluator's progress, and puts an alert page over everything.

mod alert;
mod items;
pub(crate) use items::qr::qr_shapes;
mod layout;

#[cfg(test)]
mod tests;

use beffroi_protocol::alert::Alert;
use beffroi_protocol::data::DataSets;
use beffroi_protocol::eval::{AlertShown, Showing, State, TransitionProgress, ZoneProgress};
use beffroi_protocol::layout::{Layout, LayoutZone};
use beffroi_protocol::manifest::Manifest;
use beffroi_protocol::playlist::{Item, TransitionKind};
use beffroi_protocol::time::{add_millis, millis_between};

use self::items::{Area, Ctx, ItemTime};
use self::layout::{BLACK, Scale};
use crate::scene::{Node, Rect, Scene, Shape};

/// Everything one frame depends on.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// The screen's manifest.
    pub manifest: &'a Manifest,
    /// Its data sets.
    pub data: &'a DataSets,
    /// What the evaluator says the screen shows, and how far each zone is into it.
    pub state: &'a State,
    /// Width of the unrotated frame, in pixels (a 90°-turned panel passes its rotated size).
    pub width: u32,
    /// Height of the unrotated frame.
    pub height: u32,
}

/// The scene of one frame.
///
/// The scene of `state` for a panel of `width`×`height` pixels as mounted: a screen turned
/// by 90 or 270 degrees is laid out for the swapped size, and the renderer turns the frame.
pub fn build_for_panel(
    manifest: &Manifest,
    data: &DataSets,
    state: &State,
    width: u32,
    height: u32,
) -> Scene {
    let (width, height) = if manifest.screen.rotation.degrees() % 180 == 90 {
        (height, width)
    } else {
        (width, height)
    };
    build(&Input {
        manifest,
        data,
        state,
        width,
        height,
    })
}

/// A dark display gives a black frame with no nodes; an alert gives the alert page alone;
/// otherwise each zone of the screen's layout, lowest `z` first, gets its background and
/// its item clipped to the zone, mid-transition when the evaluator says so.
pub fn build(input: &Input<'_>) -> Scene {
    let m = input.manifest;
    let theme = &m.screen.theme;
    let layout = m.screen_layout();
    let mut scene = Scene::new(
        input.width,
        input.height,
        layout.map_or(theme.background, |l| l.background),
    );
    scene.rotation = m.screen.rotation;
    if !input.state.program.display_on {
        scene.clear = BLACK;
        return scene;
    }
    let scale = layout.map_or_else(
        || Scale::reference(input.width, input.height),
        |l| Scale::new(l, input.width, input.height),
    );
    let ctx = Ctx {
        manifest: m,
        data: input.data,
        theme,
        lang: m.screen.language(),
        tz: m.screen.time_zone.tz(),
        at: input.state.at,
        scale,
    };
    if let Some(alert) = input
        .state
        .program
        .alert
        .as_ref()
        .and_then(|shown| find_alert(m, shown))
    {
        scene.clear = theme.alert;
        let frame = Rect::new(0.0, 0.0, input.width as f32, input.height as f32);
        emit(&mut scene, alert::draw(&ctx, alert, frame), Layer::whole());
        return scene;
    }
    let Some(layout) = layout else {
        return scene;
    };
    let mut zones: Vec<&LayoutZone> = layout.zones.iter().collect();
    // Stable: zones at the same z keep their file order (they cannot overlap anyway).
    zones.sort_by_key(|z| z.z);
    for zone in zones {
        draw_zone(&ctx, &mut scene, layout, zone, input.state);
    }
    scene
}

/// The alert the program names, at its revision when the manifest has it.
fn find_alert<'a>(m: &'a Manifest, shown: &AlertShown) -> Option<&'a Alert> {
    let mut same_id = m.alerts.iter().filter(|a| a.id == shown.id);
    let first = same_id.clone().next();
    same_id.find(|a| a.revision == shown.revision).or(first)
}

/// One zone: background, then its item, or the two items of a transition.
fn draw_zone(ctx: &Ctx<'_>, scene: &mut Scene, layout: &Layout, zone: &LayoutZone, state: &State) {
    let rect = ctx.scale.zone(zone.rect);
    if let Some(colour) = zone.background {
        scene.push(Node::new(Shape::Rect {
            rect,
            colour,
            radius: 0.0,
        }));
    }
    let area = Area {
        rect,
        bg: zone.background.unwrap_or(layout.background),
    };
    let showing = state
        .program
        .zones
        .iter()
        .find(|z| z.zone == zone.id)
        .and_then(|z| z.showing.as_ref());
    let progress = state.progress.iter().find(|p| p.zone == zone.id);
    let current = showing
        .and_then(|s| item_of(ctx.manifest, s))
        .map(|item| (item, current_time(progress, state)));
    let draw = |scene: &mut Scene, shown: Option<(&Item, ItemTime)>, layer: Layer| {
        if let Some((item, time)) = shown {
            emit(scene, items::draw(ctx, item, &area, time), layer);
        }
    };
    let plain = Layer::clipped(rect);
    let Some(t) = progress.and_then(|p| p.transition.as_ref()) else {
        draw(scene, current, plain);
        return;
    };
    let p = f32::from(t.eased_permille.min(1000)) / 1000.0;
    let old = t
        .from
        .as_ref()
        .and_then(|s| item_of(ctx.manifest, s))
        .map(|item| (item, old_time(item, t, state)));
    let (w, h) = (rect.w, rect.h);
    match t.kind {
        TransitionKind::Cut => draw(scene, current, plain),
        // A new item that covers the zone (a photo, a slide with a background) fades in over
        // the old one, a true cross-fade; one drawn straight on the zone (a text slide) needs
        // the old one to fade out too, or the old text would stay under it to the end.
        TransitionKind::Fade => {
            let opaque = current
                .is_some_and(|(item, time)| covers(&items::draw(ctx, item, &area, time), rect));
            draw(scene, old, plain.faded(if opaque { 1.0 } else { 1.0 - p }));
            draw(scene, current, plain.faded(p));
        }
        // Slides push: the old item leaves by the edge the new one does not enter from.
        TransitionKind::SlideLeft => {
            draw(scene, old, plain.moved(-p * w, 0.0));
            draw(scene, current, plain.moved((1.0 - p) * w, 0.0));
        }
        TransitionKind::SlideRight => {
            draw(scene, old, plain.moved(p * w, 0.0));
            draw(scene, current, plain.moved(-(1.0 - p) * w, 0.0));
        }
        TransitionKind::SlideUp => {
            draw(scene, old, plain.moved(0.0, -p * h));
            draw(scene, current, plain.moved(0.0, (1.0 - p) * h));
        }
        TransitionKind::Wipe => {
            // The edge sweeps left to right: the old item keeps the part not yet revealed, so
            // items without a background of their own never show through each other.
            let edge = w * p;
            draw(
                scene,
                old,
                Layer::clipped(Rect::new(rect.x + edge, rect.y, w - edge, h)),
            );
            draw(
                scene,
                current,
                Layer::clipped(Rect::new(rect.x, rect.y, edge, h)),
            );
        }
    }
}

/// The item a zone shows: by index, checked against the id (an index from an older
/// manifest could point elsewhere), else by id.
fn item_of<'a>(m: &'a Manifest, s: &Showing) -> Option<&'a Item> {
    let items = &m.playlist(&s.playlist)?.items;
    items
        .get(s.index)
        .filter(|i| i.id == s.item)
        .or_else(|| items.iter().find(|i| i.id == s.item))
}

/// The current item's own time, from the evaluator's progress.
fn current_time(progress: Option<&ZoneProgress>, state: &State) -> ItemTime {
    ItemTime {
        started: progress.and_then(|p| p.item_started).unwrap_or(state.at),
        elapsed_ms: progress.map_or(0, |p| p.elapsed_ms),
    }
}

/// The leaving item's time: it ran its full duration until the change, and keeps moving
/// (a ticker keeps scrolling) while it leaves.
fn old_time(item: &Item, t: &TransitionProgress, state: &State) -> ItemTime {
    let duration = i64::from(item.duration_ms);
    let since_change = millis_between(t.started, state.at).max(0);
    ItemTime {
        started: add_millis(t.started, -duration),
        elapsed_ms: (duration + since_change) as u64,
    }
}

/// How a group of shapes is drawn: opacity, clip and offset (transitions).
#[derive(Debug, Clone, Copy)]
struct Layer {
    opacity: f32,
    clip: Option<Rect>,
    dx: f32,
    dy: f32,
}

impl Layer {
    /// Unclipped and opaque.
    fn whole() -> Self {
        Self {
            opacity: 1.0,
            clip: None,
            dx: 0.0,
            dy: 0.0,
        }
    }

    /// Opaque, clipped to `clip`.
    fn clipped(clip: Rect) -> Self {
        Self {
            clip: Some(clip),
            ..Self::whole()
        }
    }

    /// With opacity `opacity`.
    fn faded(self, opacity: f32) -> Self {
        Self {
            opacity: opacity.clamp(0.0, 1.0),
            ..self
        }
    }

    /// Moved by `(dx, dy)`; the clip stays where it is.
    fn moved(self, dx: f32, dy: f32) -> Self {
        Self { dx, dy, ..self }
    }
}

/// Appends `shapes` to the scene as nodes of `layer`; nothing for a fully transparent layer.
/// True when the first of `shapes` hides all of `zone`: an opaque rectangle or an image
/// covering it.
fn covers(shapes: &[Shape], zone: Rect) -> bool {
    let contains = |r: &Rect| {
        r.x <= zone.x && r.y <= zone.y && r.right() >= zone.right() && r.bottom() >= zone.bottom()
    };
    match shapes.first() {
        Some(Shape::Rect {
            rect,
            colour,
            radius,
        }) => colour.a == 255 && *radius == 0.0 && contains(rect),
        Some(Shape::Image { rect, .. }) => contains(rect),
        _ => false,
    }
}

fn emit(scene: &mut Scene, shapes: Vec<Shape>, layer: Layer) {
    if layer.opacity <= 0.0 {
        return;
    }
    scene.nodes.extend(shapes.into_iter().map(|shape| Node {
        shape: offset(shape, layer.dx, layer.dy),
        opacity: layer.opacity,
        clip: layer.clip,
        hit: None,
    }));
}

/// A shape moved by `(dx, dy)`.
fn offset(shape: Shape, dx: f32, dy: f32) -> Shape {
    if dx == 0.0 && dy == 0.0 {
        return shape;
    }
    match shape {
        Shape::Rect {
            rect,
            colour,
            radius,
        } => Shape::Rect {
            rect: rect.offset(dx, dy),
            colour,
            radius,
        },
        Shape::Image {
            rect,
            source,
            uv,
            radius,
        } => Shape::Image {
            rect: rect.offset(dx, dy),
            source,
            uv,
            radius,
        },
        Shape::Text(mut t) => {
            t.rect = t.rect.offset(dx, dy);
            Shape::Text(t)
        }
    }
}
