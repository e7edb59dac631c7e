//! The agenda: the next events of the screen's commune and its neighbours, one card per
//! event with its category's pictogram and, where it has one, its picture; a stacked compact
//! variant for narrow side columns.

use beffroi_protocol::data::events::{Event, EventStatus};
use beffroi_protocol::format::format_event_when;
use beffroi_protocol::ids::{Insee, Sha256};
use beffroi_protocol::layout::Colour;
use beffroi_protocol::playlist::Fit;
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};

use super::{Area, Ctx, TextExt, badge, capitalise, image, pictogram, text};
use crate::icons::Icon;
use crate::playback::layout::{Cut, Scale, alpha, fitting, rows};
use crate::scene::{Rect, Shape, Weight};

/// The events item: up to `max` events overlapping the next `days` days.
pub(super) fn draw(
    ctx: &Ctx<'_>,
    area: &Area,
    days: u16,
    max: u16,
    communes: &[Insee],
    all_communes: bool,
) -> Vec<Shape> {
    let Some(events) = &ctx.data.events else {
        return Vec::new();
    };
    // The same selection as the evaluator's: the screen's commune and the listed ones, or
    // every commune.
    let filter: Vec<Insee> = if all_communes {
        Vec::new()
    } else {
        std::iter::once(&ctx.manifest.screen.commune)
            .chain(communes)
            .cloned()
            .collect()
    };
    let until = ctx
        .at
        .checked_add(SignedDuration::from_hours(24 * i64::from(days)))
        .unwrap_or(Timestamp::MAX);
    let mut list: Vec<&Event> = events
        .overlapping(&filter, ctx.at, until)
        .take(usize::from(max))
        .collect();

    let s = &ctx.scale;
    let narrow = area.narrow(s);
    let inner = area.rect.inset(ctx.margin(area));
    // Side columns stack their rows; so do zones whose text floor leaves a wide row too
    // little room for its columns (a portrait kiosk drawn at half size): the date, a title
    // of some twenty letters and a badge side by side need about thirty times the small
    // text size, beside the pictogram.
    let compact = narrow || inner.w < 30.0 * s.text(20.0);
    let head_h = s.px(if narrow { 64.0 } else { 84.0 }).max(s.floor * 1.4);
    let (head, body) = inner.cut_top(head_h, s.px(24.0));
    let mut out = vec![
        text(
            ctx.pick("Agenda", "What's on", "Agenda"),
            head,
            s.fit(if narrow { 52.0 } else { 68.0 }, 28.0),
            ctx.heading_on(area.bg),
            Weight::Bold,
        )
        .lines(1)
        .middle()
        .shape(),
    ];
    if list.is_empty() {
        out.push(
            text(
                ctx.pick(
                    "Rien de prévu ces prochains jours",
                    "Nothing planned in the coming days",
                    "Niets gepland de komende dagen",
                ),
                body,
                s.fit(40.0, 20.0),
                ctx.muted_on(area.bg),
                Weight::Regular,
            )
            .shape(),
        );
        return out;
    }
    let today = ctx.local().date();
    let (gap, max_h) = if compact {
        (s.px(16.0), s.px(210.0))
    } else {
        (s.px(20.0), s.px(170.0))
    };
    // A row needs its lines at the smallest size plus padding: three lines stacked in the
    // compact variant, two beside the date in the wide one.
    let min_h = if compact {
        (1.3 * (s.text(18.0) * 2.0 + s.text(22.0)) + s.px(32.0))
            .max(compact_minimum(s).iter().sum::<f32>() + 1.6 * s.px(20.0))
    } else {
        1.3 * (s.text(22.0) + s.text(18.0)) + s.px(40.0)
    };
    // On a small panel the layout's text floor makes the lines taller than the reference
    // sizes: rows grow to hold them rather than overlap.
    let max_h = max_h.max(min_h);
    // The compact list shows one picture at most, the first event's, across the top of its
    // card: a thumbnail beside three stacked lines would leave neither readable in a 540
    // reference pixel column, and pictures on every card would cost half the list. It is
    // dropped when it would leave fewer than three events (all of them when fewer).
    let banner = if compact {
        list.first()
            .and_then(|e| photo(ctx, e))
            .map(|sha| (sha, (body.w * 0.42).min(body.h * 0.3)))
            .filter(|(_, h)| {
                let room = body.h - h - gap;
                fitting(room, min_h, gap) >= list.len().min(3) && room >= min_h
            })
    } else {
        None
    };
    let extra = banner.as_ref().map_or(0.0, |(_, h)| h + s.px(8.0));
    let listed = Rect {
        h: body.h - extra,
        ..body
    };
    // At least one event: a panel too small for a whole card still says what is on rather
    // than a bare heading.
    list.truncate(fitting(listed.h, min_h, gap).max(1));
    let mut boxes = rows(listed, list.len(), gap, max_h);
    // The first card grows by the banner's height and pushes the others down.
    for (i, r) in boxes.iter_mut().enumerate() {
        if i == 0 {
            r.h += extra;
        } else {
            r.y += extra;
        }
    }
    for (i, (event, row)) in list.iter().zip(boxes).enumerate() {
        out.push(ctx.card(row));
        if compact {
            let mut row = row;
            if let Some((sha, h)) = banner.as_ref().filter(|_| i == 0) {
                // Inset from the card's edge with concentric corners, as in the wide rows.
                let inset = s.px(8.0);
                let (pic, _) = row.pad(inset, inset).cut_top(*h, 0.0);
                out.push(rounded(
                    image::placed(pic, sha, Fit::Cover, ctx.asset_size(sha)),
                    s.px(20.0) - inset,
                ));
                row = Rect {
                    y: row.y + extra,
                    h: row.h - extra,
                    ..row
                };
            }
            compact_row(ctx, event, row, today, &mut out);
        } else {
            wide_row(ctx, event, row, today, &mut out);
        }
    }
    out
}

/// The event's picture, when the manifest carries it: the renderer decodes manifest assets
/// only, so a picture missing from the bundle is left out rather than drawn as a grey box.
fn photo<'a>(ctx: &Ctx<'_>, event: &'a Event) -> Option<&'a Sha256> {
    event.image.as_ref().filter(|sha| ctx.has_asset(sha))
}

/// An image shape with its corners rounded by `radius`.
fn rounded(shape: Shape, radius: f32) -> Shape {
    match shape {
        Shape::Image {
            rect, source, uv, ..
        } => Shape::Image {
            rect,
            source,
            uv,
            radius,
        },
        other => other,
    }
}

/// A row of the wide variant: the category pictogram on its tile at the left, the date,
/// title and place, the status badge, and the event's picture at the right when it has one.
/// Tile and picture sit a small inset from the card's edge, with concentric corners.
fn wide_row(ctx: &Ctx<'_>, event: &Event, row: Rect, today: Date, out: &mut Vec<Shape>) {
    let s = &ctx.scale;
    let surface = ctx.theme.surface;
    let p = s.px(24.0).min(row.h * 0.15);
    let inset = s.px(8.0).min(row.h * 0.06);
    let radius = (s.px(20.0) - inset).max(0.0);
    let side = row.h - 2.0 * inset;
    let tile = Rect::new(row.x + inset, row.y + inset, side, side);
    category_tile(ctx, event, tile, radius, out);
    let mut right = row.right() - p * 1.25;
    if let Some(sha) = photo(ctx, event) {
        // 3:2, the shape of most posters' and photos' renditions once cropped a little,
        // and never more than a fifth of the row, so that titles keep their room.
        let w = (side * 1.5).min(row.w * 0.2);
        let pic = Rect::new(row.right() - inset - w, row.y + inset, w, side);
        out.push(rounded(
            image::placed(pic, sha, Fit::Cover, ctx.asset_size(sha)),
            radius,
        ));
        right = pic.x - p;
    }
    let left = tile.right() + p;
    let inner = Rect::new(left, row.y + p, (right - left).max(0.0), row.h - 2.0 * p);
    let (when_box, mut rest) = inner.cut_left((inner.w * 0.28).min(s.px(340.0)), s.px(28.0));
    out.push(
        text(
            capitalise(&when(ctx, event, today)),
            when_box,
            s.fit(34.0, 20.0),
            ctx.heading_on(surface),
            Weight::Bold,
        )
        .lines(2)
        .middle()
        .shape(),
    );
    status_badge(ctx, event, &mut rest, 24.0, 20.0, out);
    let (title_box, place_box) = rest.cut_top(rest.h * 0.58, 0.0);
    out.push(title(ctx, event, title_box, s.fit(40.0, 22.0)));
    out.push(
        text(
            place(ctx, event),
            place_box,
            s.fit(28.0, 18.0),
            ctx.muted_on(surface),
            Weight::Regular,
        )
        .lines(1)
        .middle()
        .shape(),
    );
}

/// A row of the compact variant: the pictogram's tile at the left, then, stacked, when (and
/// badge) on the first line, the title on up to two lines, then the place.
fn compact_row(ctx: &Ctx<'_>, event: &Event, row: Rect, today: Date, out: &mut Vec<Shape>) {
    let s = &ctx.scale;
    let surface = ctx.theme.surface;
    let p = s.px(20.0).min(row.h * 0.12);
    let inner = row.pad(p, p * 0.8);
    // As tall as the date line and the title's first line together, so that the pictogram
    // keeps pace with text held up by the layout's floor.
    let side = (s.text(26.0) * 2.4).min(inner.h).min(inner.w * 0.2);
    let (tile_col, inner) = inner.cut_left(side, s.px(18.0));
    let tile = Rect::new(tile_col.x, tile_col.y, side, side);
    category_tile(ctx, event, tile, s.px(12.0), out);
    let [date_h, title_h, _] = compact_lines(s, inner.h);
    let (mut first, rest) = inner.cut_top(date_h, 0.0);
    let (title_box, place_box) = rest.cut_top(title_h, 0.0);
    status_badge(ctx, event, &mut first, 20.0, 12.0, out);
    out.push(
        text(
            capitalise(&when(ctx, event, today)),
            first,
            s.fit_real(s.text(26.0).min(first.h / 1.2), 18.0),
            ctx.heading_on(surface),
            Weight::Bold,
        )
        .lines(1)
        .middle()
        .shape(),
    );
    // Every title at the size two lines allow, short ones too, so that the list reads even;
    // only a title needing three lines at that size shrinks.
    let title_size = s.fit_real(s.text(30.0).min(title_box.h / 2.4), 18.0);
    out.push(title(ctx, event, title_box, title_size));
    out.push(
        text(
            place(ctx, event),
            place_box,
            s.fit_real(s.text(22.0).min(place_box.h / 1.2), 18.0),
            ctx.muted_on(surface),
            Weight::Regular,
        )
        .lines(1)
        .middle()
        .shape(),
    );
}

/// The nominal shares of a compact row's lines: 26 for the date, two lines of 30 for the
/// title, 22 for the place.
const COMPACT_SHARES: [f32; 3] = [26.0, 60.0, 22.0];

/// The least height of a compact row's lines: each at its smallest size (18 reference
/// pixels, or the layout's text floor when larger), the title on two lines.
fn compact_minimum(s: &Scale) -> [f32; 3] {
    let line = 1.25 * s.text(18.0);
    [line, 2.0 * line, line]
}

/// The heights of a compact row's date, title and place lines in `h`: in proportion to their
/// nominal sizes when that leaves each its least height, else each its least height and the
/// rest shared in proportion (a small panel, whose text floor makes lines taller).
fn compact_lines(s: &Scale, h: f32) -> [f32; 3] {
    let total: f32 = COMPACT_SHARES.iter().sum();
    let least = compact_minimum(s);
    let shared = COMPACT_SHARES.map(|share| h * share / total);
    if shared.iter().zip(&least).all(|(got, need)| got >= need) {
        return shared;
    }
    let spare = (h - least.iter().sum::<f32>()).max(0.0);
    let mut out = least;
    for (line, share) in out.iter_mut().zip(COMPACT_SHARES) {
        *line += spare * share / total;
    }
    out
}

/// The event category's pictogram in the heading colour on a tile a shade lighter (or
/// darker) than the card, filling `tile`; the pictogram faded for a cancelled event. The
/// icon is drawn texel for pixel: a whole-pixel square rasterised at its drawn size.
fn category_tile(ctx: &Ctx<'_>, event: &Event, tile: Rect, radius: f32, out: &mut Vec<Shape>) {
    let tile = tile.snapped();
    let surface = ctx.theme.surface;
    let mut colour = ctx.heading_on(surface);
    if event.status == EventStatus::Cancelled {
        colour = alpha(colour, 0x80);
    }
    // A tint of the body text rather than of the accent: an accent tint over the card turns
    // muddy (yellow over navy gives khaki), a light or dark veil keeps the card's hue.
    out.push(Shape::Rect {
        rect: tile,
        colour: alpha(ctx.text_on(surface), 0x1c),
        radius,
    });
    out.push(pictogram(
        Icon::for_event(event.category),
        colour,
        tile,
        tile.w.min(tile.h) * 0.62,
    ));
}

/// The event's title; faded and struck through when it will not take place.
fn title(ctx: &Ctx<'_>, event: &Event, rect: Rect, size: crate::scene::TextSize) -> Shape {
    let surface = ctx.theme.surface;
    let mut t = text(
        ctx.tr(&event.title),
        rect,
        size,
        ctx.text_on(surface),
        Weight::Bold,
    )
    .lines(2)
    .middle();
    if event.status == EventStatus::Cancelled {
        // Faded by mixing with the card rather than by opacity: the strike-through bar and
        // the glyphs overlap, and translucent ones would darken where they cross.
        t.colour = mix(t.colour, surface, 0.45);
        t.strike = true;
    }
    t.shape()
}

/// `a` moved a fraction `t` (0–1) of the way towards `b`, opaque.
fn mix(a: Colour, b: Colour, t: f32) -> Colour {
    let m = |x: u8, y: u8| (f32::from(x) + (f32::from(y) - f32::from(x)) * t).round() as u8;
    Colour::rgb(m(a.r, b.r), m(a.g, b.g), m(a.b, b.b))
}

/// "sam. 5 déc. · 14 h 30", in the screen's language.
fn when(ctx: &Ctx<'_>, event: &Event, today: Date) -> String {
    format_event_when(&event.start, &event.end, event.all_day, today, &ctx.lang)
}

/// The status label and its colour: the alert colour for a cancellation, the accent for
/// the rest; `None` for an event taking place as announced.
fn status(ctx: &Ctx<'_>, status: EventStatus) -> Option<(String, Colour)> {
    let label = status.banner(&ctx.lang)?.to_owned();
    let colour = if status == EventStatus::Cancelled {
        ctx.theme.alert
    } else {
        ctx.theme.accent
    };
    Some((label, colour))
}

/// "Salle des fêtes, Fruges": the place's name, then the commune's name (or, when the
/// commune is unknown, the address), without repeating what the name already says.
pub(crate) fn place(ctx: &Ctx<'_>, event: &Event) -> String {
    let loc = &event.location;
    let mut parts: Vec<&str> = Vec::new();
    if !loc.name.trim().is_empty() {
        parts.push(loc.name.trim());
    }
    let commune = loc.commune.as_ref().and_then(|c| ctx.commune_name(c));
    match commune {
        Some(c) if !loc.name.contains(c) => parts.push(c),
        Some(_) => {}
        None if !loc.address.trim().is_empty() => parts.push(loc.address.trim()),
        None => {}
    }
    ctx.typo(&parts.join(", "))
}

/// The event's status badge ("Annulé", "Reporté", "Complet") at the right end of `line`,
/// whose width then stops `gap` reference pixels before it.
fn status_badge(
    ctx: &Ctx<'_>,
    event: &Event,
    line: &mut Rect,
    size: f32,
    gap: f32,
    out: &mut Vec<Shape>,
) {
    let s = &ctx.scale;
    if let Some((label, colour)) = status(ctx, event.status) {
        let (shapes, left) = badge(
            ctx,
            &label,
            line.right(),
            line.y + line.h / 2.0,
            s.text(size),
            colour,
        );
        out.extend(shapes);
        line.w = (left - s.px(gap) - line.x).max(0.0);
    }
}
