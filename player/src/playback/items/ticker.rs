//! The ticker: one line scrolling right to left, fed by the news titles or a fixed text.

use beffroi_protocol::playlist::TickerSource;

use super::{Area, Ctx, ItemTime, TextExt, text};
use crate::scene::{Marquee, Shape, TextSize, Weight};

/// Separator between news titles on the ticker line.
const SEPARATOR: &str = " • ";

/// The ticker item. The scroll offset is a function of the item's elapsed time, so the same
/// instant always draws the same frame.
pub(super) fn draw(
    ctx: &Ctx<'_>,
    area: &Area,
    source: &TickerSource,
    speed_px_s: u16,
    time: ItemTime,
) -> Vec<Shape> {
    let line = match source {
        TickerSource::Text { text } => ctx.tr(text),
        TickerSource::News => news_line(ctx),
    };
    if line.is_empty() {
        return Vec::new();
    }
    let s = &ctx.scale;
    let r = area.rect;
    let size = (r.h * 0.45).min(s.px(64.0)).max(s.floor);
    // f64: after minutes of scrolling the offset has tens of thousands of pixels, where f32
    // would already round to visible steps.
    let offset = time.elapsed_ms as f64 * f64::from(speed_px_s) * f64::from(s.s) / 1000.0;
    let mut t = text(
        line,
        r,
        TextSize::Fixed(size),
        ctx.text_on(area.bg),
        Weight::Bold,
    )
    .lines(1)
    .middle();
    t.wrap = false;
    t.marquee = Some(Marquee {
        offset_px: offset as f32,
        gap_px: size * 3.0,
    });
    vec![t.shape()]
}

/// The titles of the news valid now for the screen's commune, newest first.
fn news_line(ctx: &Ctx<'_>) -> String {
    let Some(news) = &ctx.data.news else {
        return String::new();
    };
    news.current(Some(&ctx.manifest.screen.commune), ctx.at)
        .map(|n| ctx.tr(&n.title))
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join(SEPARATOR)
}
