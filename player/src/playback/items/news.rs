//! News cards: the announcements valid now for the screen's commune, one large card when
//! there is only one, a grid otherwise.

use beffroi_protocol::data::news::NewsItem;
use beffroi_protocol::playlist::Fit;

use super::{Area, Ctx, TextExt, image, text};
use crate::playback::layout::{Cut, grid};
use crate::scene::{Rect, Shape, Weight};

/// The news item: up to `max` cards.
pub(super) fn draw(ctx: &Ctx<'_>, area: &Area, max: u16) -> Vec<Shape> {
    let Some(news) = &ctx.data.news else {
        return Vec::new();
    };
    let items: Vec<&NewsItem> = news
        .current(Some(&ctx.manifest.screen.commune), ctx.at)
        .take(usize::from(max))
        .collect();
    if items.is_empty() {
        return Vec::new();
    }
    let s = &ctx.scale;
    let (heading, body) = ctx.heading(area, ctx.pick("Actualités", "News", "Nieuws"), 84.0);
    let mut out = vec![heading];
    let n = items.len();
    let (cols, rows) = if n == 1 {
        (1, 1)
    } else if area.portrait() || area.narrow(s) {
        (1, n)
    } else {
        match n {
            2 => (2, 1),
            3 => (3, 1),
            4 => (2, 2),
            _ => (3, n.div_ceil(3)),
        }
    };
    let big = n == 1;
    for (item, cell) in items.iter().zip(grid(body, cols, rows, s.px(24.0))) {
        card(ctx, item, cell, big, &mut out);
    }
    out
}

/// One card: picture (when the manifest carries it), title, text and source.
fn card(ctx: &Ctx<'_>, item: &NewsItem, cell: Rect, big: bool, out: &mut Vec<Shape>) {
    let s = &ctx.scale;
    let surface = ctx.theme.surface;
    out.push(ctx.card(cell));
    let p = s
        .px(if big { 44.0 } else { 28.0 })
        .min(cell.w.min(cell.h) * 0.08);
    let mut content = cell.inset(p);
    // A picture only where it can be large enough to read: beside the text on a big
    // landscape card, above it on a tall one.
    if let Some(photo) = item.image.as_ref().filter(|i| ctx.has_asset(i)) {
        let size = ctx.asset_size(photo);
        if big && content.w > content.h {
            let (pic, rest) = content.cut_right(content.w * 0.42, p);
            out.push(image::placed(pic, photo, Fit::Cover, size));
            content = rest;
        } else if content.h > content.w * 0.9 {
            let (pic, rest) = content.cut_top(content.h * 0.4, p * 0.75);
            out.push(image::placed(pic, photo, Fit::Cover, size));
            content = rest;
        }
    }
    let source = item.source.name.trim();
    let (main, credit) = if source.is_empty() {
        (content, None)
    } else {
        let (credit, main) = content.cut_bottom(s.text(26.0) * 1.3, s.px(12.0));
        (main, Some(credit))
    };
    let body_text = ctx.tr(&item.text);
    let (title_box, body_box) = if body_text.is_empty() {
        (main, Rect::default())
    } else {
        main.cut_top(main.h * if big { 0.34 } else { 0.42 }, s.px(16.0))
    };
    let (title_size, body_size) = if big {
        (s.fit(72.0, 32.0), s.fit(46.0, 22.0))
    } else {
        (s.fit(44.0, 22.0), s.fit(32.0, 18.0))
    };
    out.push(
        text(
            ctx.tr(&item.title),
            title_box,
            title_size,
            ctx.heading_on(surface),
            Weight::Bold,
        )
        .lines(3)
        .middle()
        .shape(),
    );
    if !body_text.is_empty() {
        out.push(
            text(
                body_text,
                body_box,
                body_size,
                ctx.text_on(surface),
                Weight::Regular,
            )
            .shape(),
        );
    }
    if let Some(credit) = credit {
        out.push(
            text(
                ctx.typo(source),
                credit,
                s.fit(26.0, 18.0),
                ctx.muted_on(surface),
                Weight::Regular,
            )
            .lines(1)
            .middle()
            .shape(),
        );
    }
}
