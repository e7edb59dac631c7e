//! Still images: contained (letterboxed) or covering (cropped to the centre), with an
//! optional caption band along the bottom.

use beffroi_protocol::ids::Sha256;
use beffroi_protocol::layout::Colour;
use beffroi_protocol::playlist::Fit;
use beffroi_protocol::text::Text as LangText;

use super::{Area, Ctx, TextExt, text};
use crate::playback::layout::{Cut, alpha};
use crate::scene::{ImageSource, Rect, Shape, Weight};

/// The image item.
pub(super) fn draw(
    ctx: &Ctx<'_>,
    area: &Area,
    asset: &Sha256,
    fit: Fit,
    background: Option<Colour>,
    caption: &LangText,
) -> Vec<Shape> {
    let r = area.rect;
    let mut out = Vec::new();
    if let Some(colour) = background {
        out.push(Shape::Rect {
            rect: r,
            colour,
            radius: 0.0,
        });
    }
    out.push(placed(r, asset, fit, ctx.asset_size(asset)));
    let caption = ctx.tr(caption);
    if !caption.is_empty() {
        out.extend(caption_band(ctx, r, caption));
    }
    out
}

/// An image placed in `r` by `fit`; stretched over `r` when its size is unknown.
pub(crate) fn placed(r: Rect, asset: &Sha256, fit: Fit, size: Option<(u32, u32)>) -> Shape {
    let full = Rect::new(0.0, 0.0, 1.0, 1.0);
    let (rect, uv) = match size {
        None => (r, full),
        Some((w, h)) => {
            let image_aspect = w as f32 / h as f32;
            let box_aspect = r.w / r.h.max(1.0);
            match fit {
                Fit::Contain if image_aspect > box_aspect => {
                    (r.centred(r.w, r.w / image_aspect), full)
                }
                Fit::Contain => (r.centred(r.h * image_aspect, r.h), full),
                // Cover: keep the middle of the image, as wide or as tall as the box allows.
                Fit::Cover if image_aspect > box_aspect => {
                    let uw = box_aspect / image_aspect;
                    (r, Rect::new((1.0 - uw) / 2.0, 0.0, uw, 1.0))
                }
                Fit::Cover => {
                    let uh = image_aspect / box_aspect;
                    (r, Rect::new(0.0, (1.0 - uh) / 2.0, 1.0, uh))
                }
            }
        }
    };
    Shape::Image {
        rect,
        source: ImageSource::Asset(asset.clone()),
        uv,
        radius: 0.0,
    }
}

/// A translucent band over the bottom of `r` with up to two lines of caption.
fn caption_band(ctx: &Ctx<'_>, r: Rect, caption: String) -> Vec<Shape> {
    let s = &ctx.scale;
    let band_h = (s.px(120.0)).max(s.floor * 3.2).min(r.h * 0.4);
    let (band, _) = r.cut_bottom(band_h, 0.0);
    let bg = ctx.theme.background;
    let pad = s.px(40.0).min(band.w * 0.05);
    vec![
        Shape::Rect {
            rect: band,
            colour: alpha(bg, 0xd0),
            radius: 0.0,
        },
        text(
            caption,
            band.pad(pad, s.px(12.0)),
            s.fit(44.0, 24.0),
            ctx.text_on(bg),
            Weight::Regular,
        )
        .lines(2)
        .middle()
        .shape(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sha() -> Sha256 {
        Sha256::of(b"photo")
    }

    #[test]
    fn contain_letterboxes_and_cover_crops_the_centre() {
        let r = Rect::new(0.0, 0.0, 1600.0, 900.0);
        // A square photo contained in 16:9: centred, full height.
        let Shape::Image { rect, uv, .. } = placed(r, &sha(), Fit::Contain, Some((1000, 1000)))
        else {
            panic!()
        };
        assert_eq!(rect, Rect::new(350.0, 0.0, 900.0, 900.0));
        assert_eq!(uv, Rect::new(0.0, 0.0, 1.0, 1.0));
        // The same photo covering: full box, the middle 9/16 of its height.
        let Shape::Image { rect, uv, .. } = placed(r, &sha(), Fit::Cover, Some((1000, 1000)))
        else {
            panic!()
        };
        assert_eq!(rect, r);
        assert!(
            (uv.h - 0.5625).abs() < 1e-6 && (uv.y - 0.21875).abs() < 1e-6,
            "{uv:?}"
        );
        // A panorama covering a portrait box keeps its centre column.
        let tall = Rect::new(0.0, 0.0, 900.0, 1600.0);
        let Shape::Image { uv, .. } = placed(tall, &sha(), Fit::Cover, Some((3200, 900))) else {
            panic!()
        };
        assert!(
            (uv.x + uv.w / 2.0 - 0.5).abs() < 1e-6 && uv.w < 0.2,
            "{uv:?}"
        );
        // Unknown size: stretched.
        let Shape::Image { rect, .. } = placed(r, &sha(), Fit::Contain, None) else {
            panic!()
        };
        assert_eq!(rect, r);
    }
}
