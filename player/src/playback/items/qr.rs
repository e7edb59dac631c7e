//! QR codes: crisp modules on a white card, with the caption beside (landscape) or below
//! (portrait) and the address written out for those without a phone camera.

use beffroi_protocol::text::Text as LangText;
use fast_qr::qr::QRBuilder;

use super::{Area, Ctx, TextExt, text};
use crate::playback::layout::{BLACK, Cut, WHITE};
use crate::scene::{Rect, Shape, Weight};

/// Light modules around the code, as the QR specification requires for reliable scanning.
const QUIET: usize = 4;

/// A scannable code for `url` drawn as a white card filling `space` (system screens such as
/// pairing); `None` when the address is too long to encode.
pub(crate) fn qr_shapes(url: &str, space: Rect) -> Option<Vec<Shape>> {
    let code = QRBuilder::new(url).build().ok()?;
    let n = code.size;
    let modules = dark_modules(&code);
    Some(qr_card(&modules, n, space, space.w.min(space.h) * 0.02))
}

/// The (column, row) of every dark module.
fn dark_modules(code: &fast_qr::QRCode) -> Vec<(usize, usize)> {
    let n = code.size;
    (0..n * n)
        .filter(|i| code.data[*i].value())
        .map(|i| (i % n, i / n))
        .collect()
}

/// The QR item.
pub(super) fn draw(ctx: &Ctx<'_>, area: &Area, url: &str, caption: &LangText) -> Vec<Shape> {
    let s = &ctx.scale;
    let r = area.rect;
    let inner = r.inset(ctx.margin(area).max(s.px(32.0).min(r.w.min(r.h) * 0.08)));
    let Ok(code) = QRBuilder::new(url).build() else {
        // Too long to encode (validation keeps this from happening): the address alone.
        return vec![
            text(
                url,
                inner,
                s.fit(48.0, 20.0),
                ctx.text_on(area.bg),
                Weight::Bold,
            )
            .middle()
            .shape(),
        ];
    };
    let n = code.size;
    let modules = dark_modules(&code);

    let gap = s.px(48.0);
    let landscape = inner.w >= inner.h;
    let side = if landscape {
        inner.h.min(inner.w * 0.5)
    } else {
        inner.w.min(inner.h * 0.62)
    };
    let (card, words) = if landscape {
        let (left, right) = inner.cut_left(side, gap);
        (left.centred(side, side), right)
    } else {
        let (top, bottom) = inner.cut_top(side, gap);
        (top.centred(side, side), bottom)
    };
    let mut out = qr_card(&modules, n, card, s.px(16.0));

    let caption = ctx.tr(caption);
    let shown_url = display_url(url);
    let (main, small) = if caption.is_empty() {
        (shown_url, String::new())
    } else {
        (caption, shown_url)
    };
    let (top, bottom) = words.cut_top(words.h * 0.7, 0.0);
    let mut caption_text = text(
        main,
        top,
        s.fit(64.0, 28.0),
        ctx.text_on(area.bg),
        Weight::Bold,
    )
    .lines(4)
    .middle();
    if !landscape {
        caption_text = caption_text.centre();
    }
    out.push(caption_text.shape());
    if !small.is_empty() {
        let mut url_text = text(
            small,
            bottom,
            s.fit(34.0, 18.0),
            ctx.heading_on(area.bg),
            Weight::Regular,
        )
        .lines(2);
        if !landscape {
            url_text = url_text.centre();
        }
        out.push(url_text.shape());
    }
    out
}

/// A white card in `space` holding the dark modules of an `n` × `n` code (listed as
/// `(column, row)`), each an equal square of a whole number of pixels at whole-pixel
/// positions, so that no module edge is blurred; the card is centred in `space`.
pub(crate) fn qr_card(
    modules: &[(usize, usize)],
    n: usize,
    space: Rect,
    radius: f32,
) -> Vec<Shape> {
    let cells = (n + 2 * QUIET) as f32;
    let k = (space.w.min(space.h) / cells).floor().max(1.0);
    let side = k * cells;
    let card = space.centred(side, side).snapped();
    let (x0, y0) = (card.x, card.y);
    let mut out = Vec::with_capacity(modules.len() + 1);
    out.push(Shape::Rect {
        rect: Rect::new(x0, y0, side, side),
        colour: WHITE,
        // Rounded corners stay inside the quiet zone, never touching a module.
        radius: radius.min(k * QUIET as f32 / 2.0),
    });
    out.extend(modules.iter().map(|&(col, row)| Shape::Rect {
        rect: Rect::new(
            x0 + (QUIET + col) as f32 * k,
            y0 + (QUIET + row) as f32 * k,
            k,
            k,
        ),
        colour: BLACK,
        radius: 0.0,
    }));
    out
}

/// The address as people type it: no scheme, no trailing slash.
fn display_url(url: &str) -> String {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or(url);
    rest.strip_suffix('/').unwrap_or(rest).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_lose_their_scheme() {
        assert_eq!(display_url("https://www.cchpm.fr/"), "www.cchpm.fr");
        assert_eq!(
            display_url("http://fruges.fr/agenda?id=2"),
            "fruges.fr/agenda?id=2"
        );
    }

    #[test]
    fn modules_are_whole_pixels_in_the_quiet_zone() {
        let space = Rect::new(10.3, 20.7, 300.0, 250.0);
        let shapes = qr_card(&[(0, 0), (20, 20)], 21, space, 16.0);
        // 250 / 29 = 8.6: 8-pixel modules.
        let Shape::Rect { rect: card, .. } = shapes[0] else {
            panic!()
        };
        assert_eq!(card.w, 232.0);
        let Shape::Rect { rect: last, .. } = shapes[2] else {
            panic!()
        };
        assert_eq!(last.x - card.x, 24.0 * 8.0);
        assert_eq!(last.right(), card.right() - 32.0);
        assert_eq!(card.x.fract(), 0.0);
    }
}
