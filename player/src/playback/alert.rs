//! The alert layout: one full-screen page in the alert colour that replaces every zone.

use beffroi_protocol::alert::{Alert, Severity};
use beffroi_protocol::format::format_clock;

use super::items::{Ctx, TextExt, text};
use super::layout::{Cut, WHITE, alpha, readable};
use crate::scene::{Rect, Shape, TextSize, Weight};

/// The shapes of `alert` over a `frame`-sized page.
pub(crate) fn draw(ctx: &Ctx<'_>, alert: &Alert, frame: Rect) -> Vec<Shape> {
    let s = &ctx.scale;
    let bg = ctx.theme.alert;
    let fg = readable(WHITE, bg, &[ctx.theme.text, ctx.theme.background]);
    let mut out = vec![Shape::Rect {
        rect: frame,
        colour: bg,
        radius: 0.0,
    }];
    let m = s.px(96.0).min(0.07 * frame.w.min(frame.h));
    let inner = frame.inset(m);
    let (top, rest) = inner.cut_top(s.px(72.0).max(s.floor * 1.8), s.px(48.0));

    // The severity chip: the alert colour on the text colour, so it reads as a stamp.
    let label = severity_label(ctx, alert.severity);
    let size = s.text(34.0);
    let chip_w = (label.chars().count() as f32 * size * 0.7 + size * 1.6).min(top.w);
    let chip = Rect::new(top.x, top.y, chip_w, top.h);
    out.push(Shape::Rect {
        rect: chip,
        colour: fg,
        radius: top.h / 2.0,
    });
    out.push(
        text(label, chip, TextSize::Fixed(size), bg, Weight::Bold)
            .lines(1)
            .centre()
            .middle()
            .shape(),
    );
    if let Some(logo) = ctx.theme.logo.as_ref().filter(|l| ctx.has_asset(l)) {
        let (slot, _) = top.cut_right(top.h * 3.0, 0.0);
        out.push(super::items::image_placed(slot, logo, ctx.asset_size(logo)));
    }

    let foot_h = s.text(28.0) * 1.5;
    let (foot, main) = rest.cut_bottom(foot_h, s.px(32.0));
    let (title_box, message_box) = main.cut_top(main.h * 0.42, s.px(32.0));
    out.push(
        text(
            ctx.tr(&alert.title),
            title_box,
            s.fit(150.0, 48.0),
            fg,
            Weight::Bold,
        )
        .lines(3)
        .middle()
        .shape(),
    );
    out.push(
        text(
            ctx.tr(&alert.message),
            message_box,
            s.fit(72.0, 28.0),
            fg,
            Weight::Regular,
        )
        .shape(),
    );
    // The screen's name and the time, so that a photo of the screen says where and when.
    let muted = alpha(fg, 0xc0);
    let (clock_box, name_box) = foot.cut_right(s.text(28.0) * 4.0, s.px(24.0));
    out.push(
        text(
            ctx.typo(&ctx.manifest.screen.name),
            name_box,
            s.fit(28.0, 18.0),
            muted,
            Weight::Regular,
        )
        .lines(1)
        .middle()
        .shape(),
    );
    out.push(
        text(
            format_clock(ctx.local().time()),
            clock_box,
            s.fit(28.0, 18.0),
            muted,
            Weight::Bold,
        )
        .lines(1)
        .right()
        .middle()
        .shape(),
    );
    out
}

/// "ALERTE", "ALERT": the stamp of the alert page, by severity.
fn severity_label(ctx: &Ctx<'_>, severity: Severity) -> String {
    match severity {
        Severity::Info => ctx.pick("INFORMATION", "NOTICE", "MEDEDELING"),
        Severity::Warning => ctx.pick("ALERTE", "ALERT", "WAARSCHUWING"),
        Severity::Critical => ctx.pick("ALERTE URGENTE", "URGENT ALERT", "DRINGEND ALARM"),
    }
}
