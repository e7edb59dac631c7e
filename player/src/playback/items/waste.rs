//! Waste prompts: the next collection of each stream, the evening-before reminder with the
//! bin's colour, and a sorting tip; each bin and destination shown by its pictogram on a tile
//! of its colour.

use beffroi_protocol::data::waste::{CommuneWaste, Destination, Stream, WasteData};
use beffroi_protocol::format::{format_date, format_date_long, today_word, tomorrow_word};
use beffroi_protocol::ids::Insee;
use beffroi_protocol::layout::Colour;
use beffroi_protocol::playlist::WastePrompt;
use beffroi_protocol::text::Lang;
use beffroi_protocol::time::next_day;
use jiff::civil::Date;

use super::{Area, Ctx, ItemTime, TextExt, capitalise, hex, pictogram, text};
use crate::icons::Icon;
use crate::playback::layout::{Cut, fitting, grid, readable, rows};
use crate::scene::{Rect, Shape, Weight};

/// The waste item, for `commune` or the screen's own.
pub(super) fn draw(
    ctx: &Ctx<'_>,
    area: &Area,
    prompt: WastePrompt,
    commune: Option<&Insee>,
    time: ItemTime,
) -> Vec<Shape> {
    let Some(waste) = &ctx.data.waste else {
        return Vec::new();
    };
    if prompt == WastePrompt::Advice {
        return advice(ctx, area, waste, time);
    }
    let insee = commune.unwrap_or(&ctx.manifest.screen.commune);
    let Some(c) = waste.commune(insee) else {
        return Vec::new();
    };
    match prompt {
        WastePrompt::NextCollections => next_collections(ctx, area, c),
        WastePrompt::Reminder => reminder(ctx, area, c),
        WastePrompt::Advice => Vec::new(),
    }
}

/// "Prochaines collectes à Fruges", then one row per stream: the bin's tile with its
/// pictogram, name, date.
fn next_collections(ctx: &Ctx<'_>, area: &Area, c: &CommuneWaste) -> Vec<Shape> {
    let s = &ctx.scale;
    let today = ctx.local().date();
    let list = c.next_collections(today);
    if list.is_empty() {
        return Vec::new();
    }
    let inner = area.rect.inset(ctx.margin(area));
    // Side columns stack each row's name and date; so do zones whose text floor leaves a wide
    // row too little room for both side by side (a portrait kiosk drawn at half size): a name
    // and a date of some twenty letters each need about thirty times the small text size.
    let narrow = area.narrow(s) || inner.w < 30.0 * s.text(20.0);
    let (head, body) = inner.cut_top(
        s.px(if narrow { 130.0 } else { 110.0 }).max(s.floor * 1.4),
        s.px(24.0),
    );
    let name = ctx.typo(&c.name);
    let mut out = vec![
        text(
            ctx.pick(
                &format!("Prochaines collectes à {name}"),
                &format!("Next collections in {name}"),
                &format!("Volgende ophalingen in {name}"),
            ),
            head,
            s.fit(60.0, 28.0),
            ctx.heading_on(area.bg),
            Weight::Bold,
        )
        .lines(2)
        .middle()
        .shape(),
    ];
    let surface = ctx.theme.surface;
    let max_h = s.px(if narrow { 150.0 } else { 130.0 });
    let min_h = if narrow {
        2.6 * s.floor + s.px(32.0)
    } else {
        1.3 * s.text(20.0) + s.px(32.0)
    };
    let shown = fitting(body.h, min_h, s.px(16.0)).min(list.len());
    for (&(stream, date), row) in list.iter().zip(rows(body, shown, s.px(16.0), max_h)) {
        out.push(ctx.card(row));
        let p = s.px(20.0).min(row.h * 0.15);
        let content = row.pad(p * 1.2, p);
        let side = content.h.min(s.px(80.0));
        let (swatch, rest) = content.cut_left(side, s.px(24.0));
        let tile = swatch.centred(side, side).snapped();
        let colour = hex(stream.bin_colour());
        out.push(Shape::Rect {
            rect: tile,
            colour,
            radius: side * 0.22,
        });
        out.push(pictogram(
            Icon::for_stream(stream),
            on_tile(ctx, colour),
            tile,
            tile.w.min(tile.h) * 0.66,
        ));
        let label = ctx.typo(stream.label(&ctx.lang));
        let when = capitalise(&collection_day(date, today, &ctx.lang));
        let (label_box, date_box, date_right) = if narrow {
            let (a, b) = rest.cut_top(rest.h * 0.5, 0.0);
            (a, b, false)
        } else {
            let (b, a) = rest.cut_right(rest.w * 0.45, s.px(16.0));
            (a, b, true)
        };
        let (label_size, date_size) = if narrow {
            (s.fit(30.0, 18.0), s.fit(28.0, 18.0))
        } else {
            (s.fit(38.0, 20.0), s.fit(36.0, 20.0))
        };
        out.push(
            text(
                label,
                label_box,
                label_size,
                ctx.text_on(surface),
                Weight::Bold,
            )
            .lines(1)
            .middle()
            .shape(),
        );
        let mut date_text = text(
            when,
            date_box,
            date_size,
            ctx.heading_on(surface),
            Weight::Regular,
        )
        .lines(1)
        .middle();
        if date_right {
            date_text = date_text.right();
        }
        out.push(date_text.shape());
    }
    out
}

/// "demain, mardi 1er déc.", "mardi 8 déc.".
fn collection_day(date: Date, today: Date, lang: &Lang) -> String {
    let day = format_date(date, lang, false, true);
    if date == today {
        format!("{}, {day}", today_word(lang))
    } else if date == next_day(today) {
        format!("{}, {day}", tomorrow_word(lang))
    } else {
        day
    }
}

/// The evening-before card: "Demain : sortez le bac jaune ce soir", beside a tile per bin in
/// its colour, with its pictogram.
fn reminder(ctx: &Ctx<'_>, area: &Area, c: &CommuneWaste) -> Vec<Shape> {
    let streams = c.reminder_at(&ctx.tz, ctx.at);
    if streams.is_empty() {
        return Vec::new();
    }
    let s = &ctx.scale;
    let now = ctx.local();
    // A window crossing midnight still announces the evening's collection after midnight,
    // when it is today's.
    let collection = c
        .reminder
        .window()
        .occurrence_date_of(now)
        .map_or(next_day(now.date()), next_day);
    let tomorrow = collection > now.date();
    let card = area.rect.inset(ctx.margin(area));
    let surface = ctx.theme.surface;
    let mut out = vec![Shape::Rect {
        rect: card,
        colour: surface,
        radius: s.px(28.0),
    }];
    let p = s.px(32.0).min(card.w.min(card.h) * 0.06);
    let content = card.inset(p);
    let landscape = content.w > content.h * 1.2;
    let (band, words) = if landscape {
        content.cut_left(content.w * 0.3, p * 1.5)
    } else {
        content.cut_top(content.h * 0.3, p * 1.5)
    };
    let tiles = if landscape {
        rows(band, streams.len(), p / 2.0, f32::INFINITY)
    } else {
        grid(band, streams.len(), 1, p / 2.0)
    };
    for (stream, tile) in streams.iter().zip(tiles) {
        out.extend(tile_shapes(
            ctx,
            tile,
            hex(stream.bin_colour()),
            Icon::for_stream(*stream),
            stream.label(&ctx.lang),
        ));
    }
    let bins = join(
        &streams
            .iter()
            .map(|st| bin_phrase(*st, &ctx.lang))
            .collect::<Vec<_>>(),
        &ctx.lang,
    );
    let message = if tomorrow {
        ctx.pick(
            &format!("Demain : sortez {bins} ce soir"),
            &format!("Tomorrow: put out {bins} tonight"),
            &format!("Morgen: zet vanavond {bins} buiten"),
        )
    } else {
        ctx.pick(
            &format!("Aujourd'hui : sortez {bins} avant le passage"),
            &format!("Today: put out {bins} before collection"),
            &format!("Vandaag: zet {bins} buiten vóór de ophaling"),
        )
    };
    let (msg_box, date_box) = words.cut_top(words.h * 0.72, 0.0);
    out.push(
        text(
            message,
            msg_box,
            s.fit(84.0, 32.0),
            ctx.text_on(surface),
            Weight::Bold,
        )
        .lines(4)
        .middle()
        .shape(),
    );
    let day = format_date_long(collection, &ctx.lang);
    out.push(
        text(
            ctx.pick(
                &format!("Collecte le {day} à {}", c.name),
                &format!("Collection on {day} in {}", c.name),
                &format!("Ophaling op {day} in {}", c.name),
            ),
            date_box,
            s.fit(40.0, 20.0),
            ctx.heading_on(surface),
            Weight::Regular,
        )
        .lines(2)
        .shape(),
    );
    out
}

/// The colour of a pictogram or label on a tile of `colour`: the theme's text when it reads
/// there, else its background, else black or white.
fn on_tile(ctx: &Ctx<'_>, colour: Colour) -> Colour {
    readable(ctx.theme.text, colour, &[ctx.theme.background])
}

/// A coloured tile with `icon` and `label` on it, in a colour that reads on the tile: the
/// pictogram beside the label on a wide, low tile, above it otherwise, and the label alone
/// when the tile leaves the pictogram too small to read.
fn tile_shapes(ctx: &Ctx<'_>, tile: Rect, colour: Colour, icon: Icon, label: &str) -> Vec<Shape> {
    let s = &ctx.scale;
    let tile = tile.snapped();
    let fg = on_tile(ctx, colour);
    let mut out = vec![Shape::Rect {
        rect: tile,
        colour,
        radius: s.px(20.0),
    }];
    let inner = tile.inset(s.px(16.0).min(tile.w.min(tile.h) * 0.1));
    let size = s.fit(40.0, 20.0);
    let gap = s.px(16.0);
    // A pictogram smaller than two lines of small text does not read from where the text
    // does; one larger than 320 reference pixels adds nothing but weight.
    let least = 2.0 * s.text(20.0);
    let most = s.px(320.0);
    let line = |px: f32| 1.2 * s.text(px);
    let label = |r: Rect| text(ctx.typo(label), r, size, fg, Weight::Bold).lines(3);
    if inner.w > inner.h * 1.6 {
        // Wide and low (a band across a portrait card): the pictogram at the left, the label
        // beside it, as long as the label keeps room for a few words.
        let side = inner.h.min(inner.w * 0.4).min(most);
        let (col, words) = inner.cut_left(side, gap);
        if side >= least && words.w >= 6.0 * s.text(20.0) {
            out.push(pictogram(icon, fg, col, side));
            out.push(label(words).middle().shape());
            return out;
        }
    } else {
        // Tall or square: the pictogram above the label, the pair centred. The label keeps
        // room for two lines at its smallest size and takes at most three at its largest.
        let label_h = (inner.h * 0.4)
            .min(3.0 * line(40.0))
            .max(2.0 * line(20.0))
            .min(inner.h);
        let side = (inner.h - label_h - gap).min(inner.w * 0.8).min(most);
        if side >= least {
            let top = inner.y + (inner.h - (side + gap + label_h)) / 2.0;
            out.push(pictogram(
                icon,
                fg,
                Rect::new(inner.x, top, inner.w, side),
                side,
            ));
            let words = Rect::new(inner.x, top + side + gap, inner.w, label_h);
            out.push(label(words).centre().shape());
            return out;
        }
    }
    // Too small a tile for a pictogram that reads: the label alone, centred.
    out.push(label(inner).centre().middle().shape());
    out
}

/// "Le saviez-vous ?": one entry of the sorting guide's rotation (its featured entries, or
/// all of them when none is), chosen by the minute the item began, so that consecutive
/// showings differ and every screen agrees.
fn advice(ctx: &Ctx<'_>, area: &Area, waste: &WasteData, time: ItemTime) -> Vec<Shape> {
    let rotation = waste.rotation();
    let n = rotation.len();
    if n == 0 {
        return Vec::new();
    }
    let minute = time.started.as_second().div_euclid(60);
    let a = rotation[minute.rem_euclid(n as i64) as usize];
    let s = &ctx.scale;
    let (heading, body) = ctx.heading(
        area,
        ctx.pick("Le saviez-vous ?", "Did you know?", "Wist je dat?"),
        100.0,
    );
    let surface = ctx.theme.surface;
    let mut out = vec![heading, ctx.card(body)];
    let p = s.px(36.0).min(body.w.min(body.h) * 0.08);
    let content = body.inset(p);
    let (colour, short, sentence) = destination(ctx, a.destination);
    let icon = Icon::for_destination(a.destination);
    // The destination's tile, with its pictogram, beside the text on wide cards, above it on
    // tall ones, and its colour as a thin strip when there is room for neither.
    let words = if !area.narrow(s) && content.w > content.h {
        let side = content.h.min(content.w * 0.3);
        let (tile, words) = content.cut_left(side, p * 1.2);
        out.extend(tile_shapes(
            ctx,
            tile.centred(side, side),
            colour,
            icon,
            short,
        ));
        words
    } else if content.h > content.w * 0.9 {
        let (tile, words) = content.cut_top((content.h * 0.26).min(content.w * 0.5), p);
        out.extend(tile_shapes(ctx, tile, colour, icon, short));
        words
    } else {
        let (strip, words) = content.cut_top(s.px(20.0).max(4.0), p);
        out.push(Shape::Rect {
            rect: strip,
            colour,
            radius: strip.h / 2.0,
        });
        words
    };
    let (name_box, rest) = words.cut_top(words.h * 0.3, s.px(12.0));
    let (dest_box, instr_box) = rest.cut_top((rest.h * 0.3).min(s.text(44.0) * 2.6), s.px(16.0));
    out.push(
        text(
            ctx.tr(&a.name),
            name_box,
            s.fit(72.0, 30.0),
            ctx.text_on(surface),
            Weight::Bold,
        )
        .lines(2)
        .middle()
        .shape(),
    );
    out.push(
        text(
            sentence,
            dest_box,
            s.fit(44.0, 22.0),
            ctx.heading_on(surface),
            Weight::Bold,
        )
        .lines(2)
        .middle()
        .shape(),
    );
    let instructions = ctx.tr(&a.instructions);
    if !instructions.is_empty() {
        out.push(
            text(
                instructions,
                instr_box,
                s.fit(38.0, 20.0),
                ctx.text_on(surface),
                Weight::Regular,
            )
            .shape(),
        );
    }
    out
}

/// Where an object goes: tile colour, short tile label, and the sentence to show.
fn destination(ctx: &Ctx<'_>, d: Destination) -> (Colour, &'static str, String) {
    let lang = &ctx.lang;
    let accent = ctx.theme.accent;
    let pick = |fr: &'static str, en: &'static str, nl: &'static str| match lang.as_str() {
        "en" => en,
        "nl" => nl,
        _ => fr,
    };
    match d {
        Destination::Bin { stream } => {
            let sentence = match stream {
                Stream::Household => pick(
                    "Dans le bac gris",
                    "In the grey bin",
                    "In de grijze container",
                ),
                Stream::Packaging => pick(
                    "Dans le bac jaune",
                    "In the yellow bin",
                    "In de gele container",
                ),
                Stream::Glass => pick(
                    "Dans le conteneur à verre",
                    "In the bottle bank",
                    "In de glasbak",
                ),
                Stream::Biowaste => pick(
                    "Dans le bac marron",
                    "In the brown bin",
                    "In de bruine container",
                ),
                Stream::GreenWaste => pick(
                    "Avec les déchets verts",
                    "With the garden waste",
                    "Bij het tuinafval",
                ),
                Stream::Bulky => pick(
                    "Avec les encombrants",
                    "With the bulky waste",
                    "Bij het grofvuil",
                ),
                Stream::Other => pick(
                    "Renseignez-vous en mairie",
                    "Ask at the town hall",
                    "Vraag het na op het gemeentehuis",
                ),
            };
            (
                hex(stream.bin_colour()),
                stream.label(lang),
                ctx.typo(sentence),
            )
        }
        Destination::RecyclingCentre => (
            accent,
            pick("Déchetterie", "Recycling centre", "Containerpark"),
            ctx.pick(
                "À la déchetterie",
                "To the recycling centre",
                "Naar het containerpark",
            ),
        ),
        Destination::TakeBack => (
            accent,
            pick("Magasin", "Shop", "Winkel"),
            ctx.pick(
                "À rapporter en magasin",
                "Take it back to a shop",
                "Terug naar de winkel",
            ),
        ),
        Destination::Pharmacy => (
            Colour::rgb(0x2e, 0x7d, 0x32),
            pick("Pharmacie", "Pharmacy", "Apotheek"),
            ctx.pick(
                "À rapporter en pharmacie",
                "Take it to a pharmacy",
                "Naar de apotheek",
            ),
        ),
        Destination::Compost => (
            hex(Stream::GreenWaste.bin_colour()),
            "Compost",
            ctx.pick("Au compost", "In the compost", "Op de composthoop"),
        ),
        Destination::Other => (
            accent,
            pick("Mairie", "Town hall", "Gemeentehuis"),
            ctx.pick(
                "Renseignez-vous en mairie",
                "Ask at the town hall",
                "Vraag het na op het gemeentehuis",
            ),
        ),
    }
}

/// What residents put out for a stream: "le bac jaune", "the yellow bin".
fn bin_phrase(stream: Stream, lang: &Lang) -> &'static str {
    let [fr, en, nl] = match stream {
        Stream::Household => ["le bac gris", "the grey bin", "de grijze container"],
        Stream::Packaging => ["le bac jaune", "the yellow bin", "de gele container"],
        Stream::Glass => ["le bac à verre", "the glass bin", "de glasbak"],
        Stream::Biowaste => ["le bac marron", "the brown bin", "de bruine container"],
        Stream::GreenWaste => ["les déchets verts", "your garden waste", "het tuinafval"],
        Stream::Bulky => ["les encombrants", "your bulky items", "het grofvuil"],
        Stream::Other => ["vos déchets", "your waste", "het afval"],
    };
    match lang.as_str() {
        "en" => en,
        "nl" => nl,
        _ => fr,
    }
}

/// "a", "a et b", "a, b et c" (and, en).
fn join(parts: &[&str], lang: &Lang) -> String {
    let and = match lang.as_str() {
        "en" => " and ",
        "nl" => " en ",
        _ => " et ",
    };
    match parts {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{}{and}{last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_are_listed_like_a_sentence() {
        let fr = Lang::fr();
        assert_eq!(join(&["le bac gris"], &fr), "le bac gris");
        assert_eq!(
            join(&["le bac gris", "le bac jaune", "le bac marron"], &fr),
            "le bac gris, le bac jaune et le bac marron"
        );
        assert_eq!(
            join(&["the grey bin", "the yellow bin"], &Lang::en()),
            "the grey bin and the yellow bin"
        );
    }

    #[test]
    fn collection_days_say_today_and_tomorrow() {
        let d = |s: &str| s.parse::<Date>().unwrap();
        let fr = Lang::fr();
        assert_eq!(
            collection_day(d("2026-12-01"), d("2026-11-30"), &fr),
            "demain, mardi 1er déc."
        );
        assert_eq!(
            collection_day(d("2026-12-08"), d("2026-11-30"), &fr),
            "mardi 8 déc."
        );
        assert_eq!(
            collection_day(d("2026-12-08"), d("2026-12-08"), &Lang::en()),
            "today, Tuesday 8 Dec"
        );
    }
}
