//! The agenda: the next events of the screen's commune and its neighbours, one card per
//! event, with a stacked compact variant for narrow side columns.

use beffroi_protocol::data::events::{Event, EventStatus};
use beffroi_protocol::format::format_event_when;
use beffroi_protocol::ids::Insee;
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};

use super::{Area, Ctx, TextExt, badge, capitalise, text};
use crate::playback::layout::{Cut, alpha, fitting, rows};
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
    let (gap, max_h) = if narrow {
        (s.px(16.0), s.px(210.0))
    } else {
        (s.px(20.0), s.px(170.0))
    };
    // A row needs its lines at the smallest size plus padding: three lines stacked in the
    // compact variant, two beside the date in the wide one.
    let min_h = if narrow {
        1.3 * (s.text(18.0) * 2.0 + s.text(22.0)) + s.px(32.0)
    } else {
        1.3 * (s.text(22.0) + s.text(18.0)) + s.px(40.0)
    };
    list.truncate(fitting(body.h, min_h, gap));
    for (event, row) in list.iter().zip(rows(body, list.len(), gap, max_h)) {
        out.push(ctx.card(row));
        if narrow {
            compact_row(ctx, event, row, today, &mut out);
        } else {
            wide_row(ctx, event, row, today, &mut out);
        }
    }
    out
}

/// A row of the wide variant: when on the left, title and place on the right, status badge
/// at the right end.
fn wide_row(ctx: &Ctx<'_>, event: &Event, row: Rect, today: Date, out: &mut Vec<Shape>) {
    let s = &ctx.scale;
    let surface = ctx.theme.surface;
    let p = s.px(24.0).min(row.h * 0.15);
    let inner = row.pad(p * 1.25, p);
    let (when_box, mut rest) = inner.cut_left((inner.w * 0.3).min(s.px(360.0)), s.px(28.0));
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

/// A row of the compact variant: when (and badge) on the first line, then the title on up
/// to two lines, then the place.
fn compact_row(ctx: &Ctx<'_>, event: &Event, row: Rect, today: Date, out: &mut Vec<Shape>) {
    let s = &ctx.scale;
    let surface = ctx.theme.surface;
    let p = s.px(20.0).min(row.h * 0.12);
    let inner = row.pad(p, p * 0.8);
    let (mut first, rest) = inner.cut_top(inner.h * 0.27, 0.0);
    let (title_box, place_box) = rest.cut_top(rest.h * 0.64, 0.0);
    status_badge(ctx, event, &mut first, 20.0, 12.0, out);
    out.push(
        text(
            capitalise(&when(ctx, event, today)),
            first,
            s.fit(26.0, 18.0),
            ctx.heading_on(surface),
            Weight::Bold,
        )
        .lines(1)
        .middle()
        .shape(),
    );
    out.push(title(ctx, event, title_box, s.fit(30.0, 18.0)));
    out.push(
        text(
            place(ctx, event),
            place_box,
            s.fit(22.0, 18.0),
            ctx.muted_on(surface),
            Weight::Regular,
        )
        .lines(1)
        .middle()
        .shape(),
    );
}

/// The event's title; faded when it will not take place.
fn title(ctx: &Ctx<'_>, event: &Event, rect: Rect, size: crate::scene::TextSize) -> Shape {
    let mut colour = ctx.text_on(ctx.theme.surface);
    if event.status == EventStatus::Cancelled {
        colour = alpha(colour, 0x99);
    }
    text(ctx.tr(&event.title), rect, size, colour, Weight::Bold)
        .lines(2)
        .middle()
        .shape()
}

/// "sam. 5 déc. · 14 h 30", in the screen's language.
fn when(ctx: &Ctx<'_>, event: &Event, today: Date) -> String {
    format_event_when(&event.start, &event.end, event.all_day, today, &ctx.lang)
}

/// The status label and its colour: the alert colour for a cancellation, the accent for
/// the rest; `None` for an event taking place as announced.
fn status(
    ctx: &Ctx<'_>,
    status: EventStatus,
) -> Option<(String, beffroi_protocol::layout::Colour)> {
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
