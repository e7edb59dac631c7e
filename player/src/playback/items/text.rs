//! Text slides: a large title and a body, over the zone or over a darkened photo.

use beffroi_protocol::ids::Sha256;
use beffroi_protocol::playlist::Fit;
use beffroi_protocol::text::Text as LangText;

use super::{Area, Ctx, TextExt, image, text};
use crate::playback::layout::{Cut, alpha};
use crate::scene::{Shape, Weight};

/// The text item.
pub(super) fn draw(
    ctx: &Ctx<'_>,
    area: &Area,
    title: &LangText,
    body: &LangText,
    photo: Option<&Sha256>,
) -> Vec<Shape> {
    let s = &ctx.scale;
    let r = area.rect;
    let mut out = Vec::new();
    let mut bg = area.bg;
    if let Some(photo) = photo.filter(|p| ctx.has_asset(p)) {
        out.push(image::placed(r, photo, Fit::Cover, ctx.asset_size(photo)));
        // A scrim of the page colour keeps the text legible over any photo; blending happens
        // in linear light, where 85 % darkens a bright photo enough for body text (~7:1).
        bg = ctx.theme.background;
        out.push(Shape::Rect {
            rect: r,
            colour: alpha(bg, 0xd9),
            radius: 0.0,
        });
    }
    let (title, body) = (ctx.tr(title), ctx.tr(body));
    let m = s.px(80.0).min(0.08 * r.w.min(r.h));
    let inner = r.inset(m);
    if body.is_empty() {
        out.push(
            text(
                title,
                inner,
                s.fit(128.0, 40.0),
                ctx.heading_on(bg),
                Weight::Bold,
            )
            .lines(4)
            .centre()
            .middle()
            .shape(),
        );
        return out;
    }
    let share = if area.portrait() { 0.28 } else { 0.36 };
    let (head, rest) = inner.cut_top(inner.h * share, s.px(36.0));
    // An accent bar beside the title gives the slide a spine, as on the town's posters.
    let (bar, head_text) = head.cut_left(s.px(12.0).max(3.0), s.px(32.0));
    out.push(Shape::Rect {
        rect: bar,
        colour: ctx.heading_on(bg),
        radius: bar.w / 2.0,
    });
    out.push(
        text(
            title,
            head_text,
            s.fit(96.0, 36.0),
            ctx.heading_on(bg),
            Weight::Bold,
        )
        .lines(3)
        .middle()
        .shape(),
    );
    out.push(
        text(
            body,
            rest,
            s.fit(54.0, 24.0),
            ctx.text_on(bg),
            Weight::Regular,
        )
        .shape(),
    );
    out
}
