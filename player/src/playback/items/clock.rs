//! The clock: "14:05" as large as the zone allows, and the date below it.

use beffroi_protocol::format::{format_clock, format_date_long};
use beffroi_protocol::playlist::ClockFormat;

use super::{Area, Ctx, TextExt, text};
use crate::playback::layout::Cut;
use crate::scene::{Rect, Shape, Weight};

/// Line height used for the clock digits: tighter than body text, they have no descenders.
const DIGITS_LINE: f32 = 1.05;

/// The clock item, in the screen's time zone.
pub(super) fn draw(ctx: &Ctx<'_>, area: &Area, format: ClockFormat) -> Vec<Shape> {
    let s = &ctx.scale;
    let now = ctx.local();
    let r = area.rect;
    let inner = r.pad(s.px(24.0).min(r.w * 0.06), s.px(12.0).min(r.h * 0.08));
    let time = format_clock(now.time());
    // On a big zone the clock would otherwise grow to half a metre; 360 reference pixels
    // reads across a town-hall lobby.
    let cap = s.px(360.0);
    let digits = |rect: Rect| {
        let t = text(
            time.clone(),
            rect,
            s.fit_real((rect.h / DIGITS_LINE).min(cap), 18.0),
            ctx.text_on(area.bg),
            Weight::Bold,
        );
        crate::scene::Text {
            line_height: DIGITS_LINE,
            ..t
        }
        .lines(1)
        .centre()
        .middle()
        .shape()
    };
    match format {
        ClockFormat::Time => vec![digits(inner)],
        ClockFormat::DateTime => {
            let (top, bottom) = inner.cut_top(inner.h * 0.6, 0.0);
            let date = format_date_long(now.date(), &ctx.lang);
            vec![
                digits(top),
                text(
                    date,
                    bottom,
                    s.fit_real((bottom.h / 1.2).min(cap * 0.3), 18.0),
                    ctx.heading_on(area.bg),
                    Weight::Regular,
                )
                .lines(1)
                .centre()
                .middle()
                .shape(),
            ]
        }
    }
}
