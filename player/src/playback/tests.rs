//! Scenes of the Fruges town-hall screen built through the real evaluator, checked headless.
//!
//! Sunday 29 November 2026, 13:05Z is 14:05 in Paris; default playlists are anchored at
//! local midnight, so a playlist whose cycle divides 50 700 s starts an item at 14:05:00.

use beffroi_protocol::data::DataSets;
use beffroi_protocol::eval::Evaluator;
use beffroi_protocol::ids::Sha256;
use beffroi_protocol::layout::Layout;
use beffroi_protocol::manifest::{Manifest, Rotation};
use beffroi_protocol::validate::Validate;
use jiff::Timestamp;
use serde_json::{Value, json};

use beffroi_protocol::data::events::EventCategory;

use super::items::{self, Area, Ctx, ItemTime};
use super::layout::{BLACK, Scale, WHITE};
use super::{Input, build};
use crate::icons::{Icon, TintedIcon};
use crate::scene::{ImageSource, Node, Rect, Scene, Shape, Text, TextSize};

const TOWN_HALL: &str = include_str!("../../../layouts/town-hall.toml");

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn photo() -> Sha256 {
    Sha256::of(b"vallee de la lys")
}

/// The Fruges town hall: `main` plays `main_items`, the side column the agenda (three
/// events at most), the ticker a fixed text, the clock the date and time. `edit` adjusts
/// the JSON before it is read (language, alerts, power, rotation).
fn manifest(main_items: Value, edit: impl FnOnce(&mut Value)) -> Manifest {
    let layout = Layout::from_toml(TOWN_HALL).unwrap();
    let mut v = json!({
        "schema_version": 1,
        "generated_at": "2026-11-29T08:00:00Z",
        "screen": { "id": "fruges-mairie", "name": "Mairie de Fruges — hall", "commune": "62364" },
        "layout": "town-hall",
        "layouts": [layout],
        "playlists": [
            { "id": "main", "items": [] },
            { "id": "side", "items": [
                { "id": "agenda", "duration_ms": 60000, "kind": "events", "max": 3 } ] },
            { "id": "ticker", "items": [
                { "id": "bandeau", "duration_ms": 60000, "kind": "ticker", "source": "text",
                  "text": { "fr": "Mairie ouverte du lundi au samedi de 9 h à 12 h",
                            "en": "Town hall open Monday to Saturday, 9 am to noon" } } ] },
            { "id": "clock", "items": [ { "id": "heure", "duration_ms": 60000, "kind": "clock" } ] }
        ],
        "default_playlists": { "main": "main", "side": "side", "ticker": "ticker", "clock": "clock" },
        "assets": [ { "sha256": photo(), "size": 5, "mime": "image/jpeg", "width": 1600, "height": 1067 } ]
    });
    v["playlists"][0]["items"] = main_items;
    edit(&mut v);
    let m: Manifest = serde_json::from_value(v).unwrap();
    m.check().unwrap();
    m
}

fn event(id: &str, title: &str, start: &str, end: &str, commune: &str, status: &str) -> Value {
    json!({
        "id": id, "source": { "kind": "officer", "source_id": id },
        "title": { "fr": title }, "start": start, "end": end,
        "location": { "name": "Salle des fêtes", "commune": commune },
        "status": status
    })
}

/// Five events around Fruges, one cancelled; waste calendars; two news items.
fn data() -> DataSets {
    let d = serde_json::from_value::<DataSets>(json!({
        "events": { "events": [
            event("marche", "Marché de Noël", "2026-12-05T00:00:00+01:00[Europe/Paris]",
                  "2026-12-07T00:00:00+01:00[Europe/Paris]", "62364", "scheduled"),
            event("loto", "Loto des écoles", "2026-11-29T15:00:00+01:00[Europe/Paris]",
                  "2026-11-29T19:00:00+01:00[Europe/Paris]", "62364", "scheduled"),
            event("concert", "Concert de l'Avent", "2026-11-30T20:00:00+01:00[Europe/Paris]",
                  "2026-11-30T22:00:00+01:00[Europe/Paris]", "62364", "cancelled"),
            event("conseil", "Conseil communautaire", "2026-12-02T18:30:00+01:00[Europe/Paris]",
                  "2026-12-02T21:00:00+01:00[Europe/Paris]", "62364", "scheduled"),
            event("rando", "Randonnée des crêtes", "2026-11-30T09:00:00+01:00[Europe/Paris]",
                  "2026-11-30T12:00:00+01:00[Europe/Paris]", "62463", "scheduled")
        ] },
        "waste": {
            "communes": [ { "commune": "62364", "name": "Fruges", "streams": [
                { "stream": "packaging", "dates": ["2026-12-01", "2026-12-15"] },
                { "stream": "household", "dates": ["2026-12-02", "2026-12-09"] } ] } ],
            "advice": [
                { "id": "pot", "name": { "fr": "Pot de yaourt" },
                  "destination": { "kind": "bin", "stream": "packaging" },
                  "instructions": { "fr": "Bien vidé, inutile de le laver." } },
                { "id": "pile", "name": { "fr": "Piles et batteries" },
                  "destination": { "kind": "take_back" } } ]
        },
        "news": { "items": [
            { "id": "travaux", "title": { "fr": "Travaux sur la RD 928" },
              "text": { "fr": "Circulation alternée entre Fruges et Verchocq du 7 au 18 décembre." },
              "published_at": "2026-11-28T10:00:00Z" },
            { "id": "bibli", "title": { "fr": "La bibliothèque rouvre samedi !" },
              "published_at": "2026-11-27T10:00:00Z", "source": { "name": "Mairie de Fruges" } }
        ] }
    }))
    .unwrap();
    d.check().unwrap();
    d
}

fn scene_at(m: &Manifest, data: &DataSets, at: &str, width: u32, height: u32) -> Scene {
    let state = Evaluator::new(m, data).state_at(ts(at));
    build(&Input {
        manifest: m,
        data,
        state: &state,
        width,
        height,
    })
}

fn texts(scene: &Scene) -> impl Iterator<Item = (&Node, &Text)> {
    scene.nodes.iter().filter_map(|n| match &n.shape {
        Shape::Text(t) => Some((n, t)),
        _ => None,
    })
}

/// The node of the only text containing `needle`.
fn text_node<'a>(scene: &'a Scene, needle: &str) -> (&'a Node, &'a Text) {
    let found: Vec<_> = texts(scene)
        .filter(|(_, t)| t.text.contains(needle))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "{needle:?} in {:?}",
        texts(scene).map(|(_, t)| &t.text).collect::<Vec<_>>()
    );
    found[0]
}

fn has_text(scene: &Scene, needle: &str) -> bool {
    texts(scene).any(|(_, t)| t.text.contains(needle))
}

/// Two text slides of ten seconds; the second enters with `transition`.
fn two_slides(transition: Value) -> Value {
    let mut items = json!([
        { "id": "bienvenue", "duration_ms": 10000, "kind": "text",
          "title": { "fr": "Bienvenue !", "en": "Welcome!" } },
        { "id": "marche", "duration_ms": 10000, "kind": "text",
          "title": { "fr": "Marché de Noël" },
          "body": { "fr": "Samedi et dimanche sur la place, de 10 h à 18 h." } }
    ]);
    items[1]["transition"] = transition;
    items
}

#[test]
fn zones_are_scaled_to_the_frame_and_clip_their_items() {
    let m = manifest(two_slides(json!({ "kind": "cut" })), |_| {});
    let scene = scene_at(&m, &data(), "2026-11-29T13:05:05Z", 960, 540);
    assert_eq!((scene.width, scene.height), (960, 540));
    assert_eq!(scene.clear, m.layouts[0].background);
    let clip_of = |needle: &str| text_node(&scene, needle).0.clip;
    assert_eq!(
        clip_of("Bienvenue"),
        Some(Rect::new(0.0, 0.0, 690.0, 480.0))
    );
    assert_eq!(clip_of("Agenda"), Some(Rect::new(690.0, 0.0, 270.0, 480.0)));
    assert_eq!(clip_of("Mairie"), Some(Rect::new(0.0, 480.0, 800.0, 60.0)));
    assert_eq!(clip_of("14:05"), Some(Rect::new(800.0, 480.0, 160.0, 60.0)));
    // The side column's own background is drawn under its content, unclipped.
    let side_bg = scene
        .nodes
        .iter()
        .position(|n| {
            matches!(n.shape, Shape::Rect { rect, colour, .. }
                if rect == Rect::new(690.0, 0.0, 270.0, 480.0) && colour.to_string() == "#16325c")
        })
        .expect("side background");
    let agenda = scene
        .nodes
        .iter()
        .position(|n| matches!(&n.shape, Shape::Text(t) if t.text == "Agenda"))
        .unwrap();
    assert!(side_bg < agenda);
    // Everything drawn in a zone stays inside it.
    for n in &scene.nodes {
        if let (Some(clip), Shape::Text(t)) = (n.clip, &n.shape) {
            assert!(
                t.rect.x >= clip.x - 0.01 && t.rect.right() <= clip.right() + 0.01,
                "{t:?}"
            );
        }
    }
}

#[test]
fn the_clock_shows_local_time_and_date_in_the_screen_language() {
    let m = manifest(two_slides(json!({ "kind": "cut" })), |_| {});
    let scene = scene_at(&m, &data(), "2026-11-29T13:05:00Z", 1920, 1080);
    text_node(&scene, "14:05");
    text_node(&scene, "dimanche 29 novembre");

    let en = manifest(two_slides(json!({ "kind": "cut" })), |v| {
        v["screen"]["languages"] = json!(["en"]);
    });
    let scene = scene_at(&en, &data(), "2026-11-29T13:05:00Z", 1920, 1080);
    text_node(&scene, "14:05");
    text_node(&scene, "Sunday 29 November");
    text_node(&scene, "Welcome!");
    text_node(&scene, "What's on");
    assert!(!has_text(&scene, "novembre"));
}

#[test]
fn french_typography_is_applied_to_texts() {
    let m = manifest(two_slides(json!({ "kind": "cut" })), |_| {});
    let scene = scene_at(&m, &data(), "2026-11-29T13:05:05Z", 1920, 1080);
    let (_, t) = text_node(&scene, "Bienvenue");
    assert_eq!(t.text, "Bienvenue\u{202f}!");
}

#[test]
fn a_fade_half_way_shows_both_items_at_half_opacity() {
    let m = manifest(
        two_slides(json!({ "kind": "fade", "duration_ms": 1000 })),
        |_| {},
    );
    let scene = scene_at(&m, &data(), "2026-11-29T13:05:10.5Z", 1920, 1080);
    let (old, _) = text_node(&scene, "Bienvenue");
    let (new, _) = text_node(&scene, "Marché de Noël");
    assert_eq!(old.opacity, 0.5);
    assert_eq!(new.opacity, 0.5);
    // The old item is drawn first, under the new one.
    let pos = |needle: &str| {
        scene
            .nodes
            .iter()
            .position(|n| matches!(&n.shape, Shape::Text(t) if t.text.contains(needle)))
            .unwrap()
    };
    assert!(pos("Bienvenue") < pos("Marché de Noël"));
    // Once the fade is over, only the new item is left, opaque.
    let after = scene_at(&m, &data(), "2026-11-29T13:05:11Z", 1920, 1080);
    assert!(!has_text(&after, "Bienvenue"));
    assert_eq!(text_node(&after, "Marché de Noël").0.opacity, 1.0);
}

#[test]
fn a_slide_half_way_pushes_both_items_by_half_the_zone() {
    let d = data();
    for (kind, old_dx, new_dx) in [
        ("slide_left", -345.0, 345.0),
        ("slide_right", 345.0, -345.0),
    ] {
        let m = manifest(
            two_slides(json!({ "kind": kind, "duration_ms": 1000, "easing": "linear" })),
            |_| {},
        );
        let rest_old = text_node(
            &scene_at(&m, &d, "2026-11-29T13:05:05Z", 960, 540),
            "Bienvenue",
        )
        .1
        .rect;
        let rest_new = text_node(
            &scene_at(&m, &d, "2026-11-29T13:05:15Z", 960, 540),
            "Marché",
        )
        .1
        .rect;
        let mid = scene_at(&m, &d, "2026-11-29T13:05:10.5Z", 960, 540);
        let (old_node, old) = text_node(&mid, "Bienvenue");
        let (_, new) = text_node(&mid, "Marché");
        assert_eq!(old.rect, rest_old.offset(old_dx, 0.0), "{kind}");
        assert_eq!(new.rect, rest_new.offset(new_dx, 0.0), "{kind}");
        // The clip stays on the zone, so nothing spills over the agenda column.
        assert_eq!(old_node.clip, Some(Rect::new(0.0, 0.0, 690.0, 480.0)));
    }
    let up = manifest(
        two_slides(json!({ "kind": "slide_up", "duration_ms": 1000 })),
        |_| {},
    );
    let rest = text_node(
        &scene_at(&up, &d, "2026-11-29T13:05:15Z", 960, 540),
        "Marché",
    )
    .1
    .rect;
    let mid = scene_at(&up, &d, "2026-11-29T13:05:10.5Z", 960, 540);
    assert_eq!(text_node(&mid, "Marché").1.rect, rest.offset(0.0, 240.0));
}

#[test]
fn a_wipe_half_way_shows_the_new_item_left_of_the_edge_and_the_old_one_right_of_it() {
    let m = manifest(
        two_slides(json!({ "kind": "wipe", "duration_ms": 1000 })),
        |_| {},
    );
    let scene = scene_at(&m, &data(), "2026-11-29T13:05:10.5Z", 960, 540);
    assert_eq!(
        text_node(&scene, "Marché").0.clip,
        Some(Rect::new(0.0, 0.0, 345.0, 480.0))
    );
    let (old, _) = text_node(&scene, "Bienvenue");
    assert_eq!(old.clip, Some(Rect::new(345.0, 0.0, 345.0, 480.0)));
    assert_eq!(old.opacity, 1.0);
}

#[test]
fn a_cut_shows_only_the_new_item() {
    let m = manifest(two_slides(json!({ "kind": "cut" })), |_| {});
    let scene = scene_at(&m, &data(), "2026-11-29T13:05:10Z", 960, 540);
    assert!(!has_text(&scene, "Bienvenue"));
    text_node(&scene, "Marché de Noël");
}

#[test]
fn a_dark_display_is_a_black_frame_without_nodes() {
    let m = manifest(two_slides(json!({ "kind": "cut" })), |v| {
        v["power"] = json!({ "on": [ { "start": "07:00", "end": "19:00" } ] });
        v["screen"]["rotation"] = json!(90);
    });
    let scene = scene_at(&m, &data(), "2026-11-29T21:00:00Z", 1080, 1920);
    assert_eq!(scene.clear, BLACK);
    assert!(scene.nodes.is_empty());
    assert_eq!(scene.rotation, Rotation::R90);
    let lit = scene_at(&m, &data(), "2026-11-29T13:05:00Z", 1080, 1920);
    assert!(!lit.nodes.is_empty());
    assert_eq!(lit.rotation, Rotation::R90);
}

#[test]
fn an_alert_replaces_every_zone_even_on_a_dark_display() {
    let m = manifest(two_slides(json!({ "kind": "cut" })), |v| {
        v["power"] = json!({ "on": [ { "start": "07:00", "end": "08:00" } ] });
        v["alerts"] = json!([{
            "id": "crue", "revision": 2, "severity": "critical",
            "title": { "fr": "Alerte crue de la Lys" },
            "message": { "fr": "Évitez les berges et la rue du Moulin : la Lys déborde !" },
            "starts_at": "2026-11-29T12:00:00Z", "expires_at": "2026-11-29T18:00:00Z"
        }]);
    });
    let scene = scene_at(&m, &data(), "2026-11-29T13:05:05Z", 1920, 1080);
    assert_eq!(scene.clear, m.screen.theme.alert);
    text_node(&scene, "Alerte crue de la Lys");
    let (_, msg) = text_node(&scene, "rue du Moulin");
    assert!(
        msg.text.contains("Moulin\u{a0}: la Lys") || msg.text.contains("Moulin\u{202f}: la Lys")
    );
    text_node(&scene, "ALERTE");
    text_node(&scene, "Mairie de Fruges — hall");
    for gone in ["Bienvenue", "Agenda", "Mairie ouverte", "dimanche"] {
        assert!(!has_text(&scene, gone), "{gone}");
    }
    assert!(scene.nodes.iter().all(|n| n.clip.is_none()));
    // After expiry the zones come back, and the display is dark again.
    let later = scene_at(&m, &data(), "2026-11-29T18:00:00Z", 1920, 1080);
    assert!(later.nodes.is_empty());
}

/// Every kind of item, ten seconds each (90 s: 50 700 s is 563 cycles and 30 s).
fn every_kind() -> Value {
    json!([
        { "id": "texte", "duration_ms": 10000, "kind": "text", "title": { "fr": "Bienvenue à Fruges !" },
          "body": { "fr": "La mairie vous accueille du lundi au samedi. Permanence des élus le jeudi." } },
        { "id": "photo", "duration_ms": 10000, "kind": "image", "asset": photo(), "fit": "cover",
          "caption": { "fr": "La vallée de la Lys au petit matin" } },
        { "id": "heure", "duration_ms": 10000, "kind": "clock" },
        { "id": "qr", "duration_ms": 10000, "kind": "qr", "url": "https://www.cchpm.fr/agenda",
          "caption": { "fr": "Tout l'agenda sur votre téléphone" } },
        { "id": "agenda", "duration_ms": 10000, "kind": "events", "max": 4 },
        { "id": "collectes", "duration_ms": 10000, "kind": "waste" },
        { "id": "astuce", "duration_ms": 10000, "kind": "waste", "prompt": "advice" },
        { "id": "actus", "duration_ms": 10000, "kind": "news", "max": 3 },
        { "id": "bandeau", "duration_ms": 10000, "kind": "ticker", "source": "news" }
    ])
}

#[test]
fn text_never_goes_below_the_layout_floor_on_a_small_panel() {
    let m = manifest(every_kind(), |_| {});
    let d = data();
    let mut seen = Vec::new();
    for (w, h) in [(480, 270), (1080, 1920), (1920, 1080)] {
        for i in 0..9 {
            let at = ts("2026-11-29T13:05:05Z") + jiff::SignedDuration::from_secs(10 * i);
            let state = Evaluator::new(&m, &d).state_at(at);
            let main = state.program.zones[0].showing.as_ref().unwrap();
            seen.push(main.item.clone());
            let scene = build(&Input {
                manifest: &m,
                data: &d,
                state: &state,
                width: w,
                height: h,
            });
            assert!(texts(&scene).count() >= 4, "{} at {w}×{h}", main.item);
            for (_, t) in texts(&scene) {
                let ok = match t.size {
                    TextSize::Fixed(s) => s >= 18.0,
                    TextSize::Fit { max, min } => min >= 18.0 && max >= min,
                };
                assert!(ok, "{} at {w}×{h}: {:?} {:?}", main.item, t.text, t.size);
                assert!(t.rect.w >= 0.0 && t.rect.h >= 0.0 && t.rect.x.is_finite());
            }
        }
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 9, "{seen:?}");
}

#[test]
fn qr_modules_are_equal_whole_pixel_squares_on_a_white_card() {
    let m = manifest(
        json!([{ "id": "qr", "duration_ms": 10000, "kind": "qr",
                 "url": "https://www.cchpm.fr/agenda?commune=fruges",
                 "caption": { "fr": "L'agenda sur votre téléphone !" } }]),
        |_| {},
    );
    for (w, h) in [(1920, 1080), (1366, 768), (1080, 1920)] {
        let scene = scene_at(&m, &data(), "2026-11-29T13:05:05Z", w, h);
        let modules: Vec<Rect> = scene
            .nodes
            .iter()
            .filter_map(|n| match n.shape {
                Shape::Rect { rect, colour, .. } if colour == BLACK => Some(rect),
                _ => None,
            })
            .collect();
        assert!(modules.len() > 100, "{}", modules.len());
        let k = modules[0].w;
        assert!(k >= 1.0 && k.fract() == 0.0, "module size {k}");
        let card = scene
            .nodes
            .iter()
            .find_map(|n| match n.shape {
                Shape::Rect { rect, colour, .. } if colour == WHITE => Some(rect),
                _ => None,
            })
            .unwrap();
        assert_eq!((card.x.fract(), card.y.fract()), (0.0, 0.0));
        for r in &modules {
            assert_eq!((r.w, r.h), (k, k));
            assert_eq!((r.x.fract(), r.y.fract()), (0.0, 0.0), "{r:?}");
            // Inside the card, past its four-module quiet zone.
            assert!(r.x >= card.x + 4.0 * k && r.right() <= card.right() - 4.0 * k);
            assert!(r.y >= card.y + 4.0 * k && r.bottom() <= card.bottom() - 4.0 * k);
        }
        let (_, caption) = text_node(&scene, "agenda sur votre");
        assert!(caption.text.ends_with("téléphone\u{202f}!"));
        if w > h {
            assert!(caption.rect.x >= card.right(), "caption beside the code");
        }
        text_node(&scene, "www.cchpm.fr/agenda?commune=fruges");
    }
}

#[test]
fn the_ticker_scrolls_with_elapsed_time_and_scale() {
    let m = manifest(two_slides(json!({ "kind": "cut" })), |_| {});
    let scene = scene_at(&m, &data(), "2026-11-29T13:05:10Z", 960, 540);
    let (_, t) = text_node(&scene, "Mairie ouverte");
    let marquee = t.marquee.expect("marquee");
    // 10 s at 120 reference px/s, at half scale.
    assert_eq!(marquee.offset_px, 600.0);
    assert!(!t.wrap);
    assert!(t.v_center);
    assert_eq!(t.rect, Rect::new(0.0, 480.0, 800.0, 60.0));
    // Dark text on the yellow band.
    assert_eq!(t.colour, m.screen.theme.background);
}

#[test]
fn the_agenda_lists_at_most_max_events_and_flags_cancellations() {
    let m = manifest(
        json!([{ "id": "agenda", "duration_ms": 10000, "kind": "events", "max": 2 }]),
        |_| {},
    );
    let scene = scene_at(&m, &data(), "2026-11-29T13:05:05Z", 1920, 1080);
    // Main (wide, two events) and side (compact, three events) both list from now on.
    let count = |title: &str| texts(&scene).filter(|(_, t)| t.text == title).count();
    assert_eq!(count("Loto des écoles"), 2);
    assert_eq!(count("Concert de l'Avent"), 2);
    assert_eq!(count("Conseil communautaire"), 1);
    assert_eq!(count("Marché de Noël"), 0);
    // Hucqueliers' walk is not for a Fruges screen.
    assert_eq!(count("Randonnée des crêtes"), 0);
    assert_eq!(texts(&scene).filter(|(_, t)| t.text == "Annulé").count(), 2);
    assert_eq!(
        texts(&scene)
            .filter(|(_, t)| t.text == "Aujourd'hui · 15\u{a0}h")
            .count(),
        2
    );
    assert!(has_text(&scene, "Salle des fêtes, Fruges"));
    // The compact variant is narrower: its titles sit in the side column.
    let side: Vec<_> = texts(&scene)
        .filter(|(n, t)| t.text == "Loto des écoles" && n.clip.is_some_and(|c| c.x == 1380.0))
        .collect();
    assert_eq!(side.len(), 1);
    assert!(side[0].1.rect.w < 540.0);
}

#[test]
fn the_waste_reminder_shows_on_the_evening_before() {
    let m = manifest(
        json!([{ "id": "rappel", "duration_ms": 60000, "kind": "waste", "prompt": "reminder" }]),
        |_| {},
    );
    let d = data();
    // Monday 30 November, 18:00 in Fruges: the yellow bin goes out for Tuesday.
    let scene = scene_at(&m, &d, "2026-11-30T17:00:00Z", 1920, 1080);
    let (_, t) = text_node(&scene, "bac jaune");
    assert_eq!(t.text, "Demain\u{202f}: sortez le bac jaune ce soir");
    text_node(&scene, "Emballages et papiers");
    text_node(&scene, "mardi 1er décembre");
    let band = scene
        .nodes
        .iter()
        .any(|n| matches!(n.shape, Shape::Rect { colour, .. } if colour.to_string() == "#f2c500"));
    assert!(band, "a band in the yellow bin's colour");
    // At noon the reminder is skipped and the zone shows nothing.
    let noon = scene_at(&m, &d, "2026-11-30T11:00:00Z", 1920, 1080);
    assert!(!has_text(&noon, "bac jaune"));
}

#[test]
fn next_collections_and_advice_in_french() {
    let m = manifest(
        json!([
            { "id": "collectes", "duration_ms": 30000, "kind": "waste" },
            { "id": "astuce", "duration_ms": 30000, "kind": "waste", "prompt": "advice" }
        ]),
        |_| {},
    );
    // Monday 30 November, 14:05 and 14:05:30.
    let scene = scene_at(&m, &data(), "2026-11-30T13:05:05Z", 1920, 1080);
    text_node(&scene, "Prochaines collectes à Fruges");
    text_node(&scene, "Demain, mardi 1er déc.");
    text_node(&scene, "Mercredi 2 déc.");
    text_node(&scene, "Ordures ménagères");
    let scene = scene_at(&m, &data(), "2026-11-30T13:05:35Z", 1920, 1080);
    text_node(&scene, "Le saviez-vous\u{202f}?");
    // The item began at minute 29 934 065 since 1970, odd: the second tip.
    assert!(has_text(&scene, "Piles et batteries"));
    text_node(&scene, "À rapporter en magasin");
}

/// The test data with `advice` as its sorting guide.
fn with_advice(advice: Value) -> DataSets {
    let mut d = data();
    let mut waste = serde_json::to_value(d.waste.as_ref().unwrap()).unwrap();
    waste["advice"] = advice;
    d.waste = Some(serde_json::from_value(waste).unwrap());
    d.check().unwrap();
    d
}

#[test]
fn the_tip_rotation_shows_only_the_featured_entries() {
    // A guide of four entries, one of them featured: town-hall screens show that one only,
    // whatever the minute; the others serve the kiosk's search.
    let tip = |id: &str, name: &str, featured: bool| {
        json!({ "id": id, "name": { "fr": name }, "destination": { "kind": "recycling_centre" },
                "featured": featured })
    };
    let d = with_advice(json!([
        tip("pot", "Pot de yaourt", false),
        tip("pile", "Piles et batteries", true),
        tip("verre", "Bocal en verre", false),
        tip("peinture", "Pot de peinture", false),
    ]));
    let m = manifest(
        json!([{ "id": "astuce", "duration_ms": 60000, "kind": "waste", "prompt": "advice" }]),
        |_| {},
    );
    for minute in 0..4 {
        let at = ts("2026-11-30T13:05:05Z") + jiff::SignedDuration::from_mins(minute);
        let state = Evaluator::new(&m, &d).state_at(at);
        let scene = build(&Input {
            manifest: &m,
            data: &d,
            state: &state,
            width: 1920,
            height: 1080,
        });
        text_node(&scene, "Piles et batteries");
        for other in ["Pot de yaourt", "Bocal en verre", "Pot de peinture"] {
            assert!(!has_text(&scene, other), "{other} at minute {minute}");
        }
    }
}

/// The waste pictograms of `scene` (not the agenda's), with their node's rectangle.
fn waste_icons(scene: &Scene) -> Vec<(TintedIcon, Rect)> {
    icons(scene)
        .into_iter()
        .filter(|(i, _)| i.icon.name().starts_with("waste/"))
        .collect()
}

#[test]
fn waste_prompts_show_each_bin_and_destination_by_its_pictogram() {
    let m = manifest(
        json!([
            { "id": "collectes", "duration_ms": 30000, "kind": "waste" },
            { "id": "astuce", "duration_ms": 30000, "kind": "waste", "prompt": "advice" }
        ]),
        |_| {},
    );
    let d = data();
    let navy = m.screen.theme.background;
    let light = m.screen.theme.text;
    // Monday 30 November, 14:05: the yellow bin on Tuesday, the grey one on Wednesday.
    let scene = scene_at(&m, &d, "2026-11-30T13:05:05Z", 1920, 1080);
    let found = waste_icons(&scene);
    let drawn: Vec<Icon> = found.iter().map(|(i, _)| i.icon).collect();
    assert_eq!(drawn, [Icon::PackagingBin, Icon::HouseholdBin]);
    for (icon, rect) in &found {
        assert_eq!((rect.w, rect.h), (icon.size as f32, icon.size as f32));
        assert_eq!((rect.x.fract(), rect.y.fract()), (0.0, 0.0));
        assert!(icon.size >= 36, "{icon}");
        // On its bin's colour: the theme's dark colour on yellow, its light one on grey.
        let on = if icon.icon == Icon::PackagingBin {
            navy
        } else {
            light
        };
        assert_eq!(icon.colour, on, "{icon}");
        // Drawn on a tile of the bin's colour.
        let tile = scene
            .nodes
            .iter()
            .find_map(|n| match n.shape {
                Shape::Rect {
                    rect: r, colour, ..
                } if r.w < 200.0
                    && r.x <= rect.x
                    && r.right() >= rect.right()
                    && r.y <= rect.y
                    && r.bottom() >= rect.bottom() =>
                {
                    Some(colour.to_string())
                }
                _ => None,
            })
            .unwrap();
        let stream = if icon.icon == Icon::PackagingBin {
            "#f2c500"
        } else {
            "#5f6368"
        };
        assert_eq!(tile, stream);
    }
    // Half a minute later, the tip: batteries go back to the shop.
    let scene = scene_at(&m, &d, "2026-11-30T13:05:35Z", 1920, 1080);
    let found = waste_icons(&scene);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0.icon, Icon::TakeBack);
    assert!(found[0].0.size >= 120, "{}", found[0].0);
}

#[test]
fn the_reminder_shows_each_bin_large_above_its_name() {
    let m = manifest(
        json!([{ "id": "rappel", "duration_ms": 60000, "kind": "waste", "prompt": "reminder" }]),
        |_| {},
    );
    let mut d = data();
    // Both bins go out on Monday evening.
    let mut waste = serde_json::to_value(d.waste.as_ref().unwrap()).unwrap();
    waste["communes"][0]["streams"][1]["dates"] = json!(["2026-12-01", "2026-12-09"]);
    d.waste = Some(serde_json::from_value(waste).unwrap());
    for (w, h) in [(1920, 1080), (1080, 1920), (480, 270)] {
        let scene = scene_at(&m, &d, "2026-11-30T17:00:00Z", w, h);
        text_node(&scene, "le bac gris et le bac jaune");
        let found = waste_icons(&scene);
        let drawn: Vec<Icon> = found.iter().map(|(i, _)| i.icon).collect();
        assert_eq!(drawn, [Icon::HouseholdBin, Icon::PackagingBin], "{w}×{h}");
        for (icon, rect) in &found {
            // Large on a full-HD panel; on a quarter-HD one, still two lines of text tall.
            let least = if w < 1000 { 36 } else { 100 };
            assert!(icon.size >= least, "{icon} at {w}×{h}");
            // The label sits below (or beside) its pictogram, never over it.
            let (_, label) = text_node(
                &scene,
                if icon.icon == Icon::PackagingBin {
                    "Emballages"
                } else {
                    "Ordures"
                },
            );
            assert!(
                label.rect.y >= rect.bottom() || label.rect.x >= rect.right(),
                "{icon} at {w}×{h}: {rect:?} / {:?}",
                label.rect
            );
        }
    }
}

#[test]
fn news_cards_show_title_and_text() {
    let m = manifest(
        json!([{ "id": "actus", "duration_ms": 10000, "kind": "news", "max": 1 }]),
        |_| {},
    );
    let scene = scene_at(&m, &data(), "2026-11-29T13:05:05Z", 1920, 1080);
    text_node(&scene, "Actualités");
    text_node(&scene, "Travaux sur la RD 928");
    text_node(&scene, "Circulation alternée");
    assert!(!has_text(&scene, "bibliothèque"));
    let m = manifest(
        json!([{ "id": "actus", "duration_ms": 10000, "kind": "news" }]),
        |_| {},
    );
    let scene = scene_at(&m, &data(), "2026-11-29T13:05:05Z", 1920, 1080);
    text_node(&scene, "La bibliothèque rouvre samedi\u{202f}!");
    text_node(&scene, "Mairie de Fruges");
}

#[test]
fn images_cover_their_zone_with_a_caption_band() {
    let m = manifest(
        json!([{ "id": "photo", "duration_ms": 10000, "kind": "image", "asset": photo(),
                 "fit": "contain", "background": "#000000",
                 "caption": { "fr": "La vallée de la Lys" } }]),
        |_| {},
    );
    let scene = scene_at(&m, &data(), "2026-11-29T13:05:05Z", 1920, 1080);
    let image = scene
        .nodes
        .iter()
        .find_map(|n| match &n.shape {
            Shape::Image { rect, uv, .. } => Some((*rect, *uv)),
            _ => None,
        })
        .unwrap();
    // 1600×1067 contained in 1380×960: full width, letterboxed top and bottom.
    assert_eq!(image.0.w, 1380.0);
    assert!((image.0.h - 1380.0 * 1067.0 / 1600.0).abs() < 0.01);
    assert_eq!(image.1, Rect::new(0.0, 0.0, 1.0, 1.0));
    text_node(&scene, "La vallée de la Lys");
}

#[test]
fn small_panels_list_fewer_events_rather_than_squeeze_them() {
    let m = manifest(two_slides(json!({ "kind": "cut" })), |_| {});
    let side_titles = |w: u32, h: u32| {
        let scene = scene_at(&m, &data(), "2026-11-29T13:05:05Z", w, h);
        let side_x = (1380.0 * w as f32 / 1920.0).round();
        texts(&scene)
            .filter(|(n, t)| {
                n.clip.is_some_and(|c| c.x == side_x)
                    && ["Loto", "Concert", "Conseil"]
                        .iter()
                        .any(|e| t.text.starts_with(e))
            })
            .count()
    };
    assert_eq!(side_titles(1920, 1080), 3);
    // At a quarter of full HD every line is held at the 18-pixel text floor: a card needs
    // about 100 pixels, and the 135-pixel-wide side column holds one.
    assert_eq!(side_titles(480, 270), 1);
}

#[test]
fn a_fade_between_photos_keeps_the_old_one_opaque_so_the_zone_never_shows_through() {
    let photos = json!([
        { "id": "avant", "duration_ms": 10000, "kind": "image", "asset": photo(), "fit": "cover" },
        { "id": "apres", "duration_ms": 10000, "kind": "image", "asset": photo(), "fit": "cover",
          "transition": { "kind": "fade", "duration_ms": 1000 } }
    ]);
    let m = manifest(photos, |_| {});
    let scene = scene_at(&m, &data(), "2026-11-29T13:05:10.5Z", 960, 540);
    let opacities: Vec<f32> = scene
        .nodes
        .iter()
        .filter(|n| {
            matches!(
                n.shape,
                Shape::Image {
                    source: ImageSource::Asset(_),
                    ..
                }
            )
        })
        .map(|n| n.opacity)
        .collect();
    // The old photo stays opaque under the new one fading in: a true cross-fade.
    assert_eq!(opacities, vec![1.0, 0.5]);
}

// The agenda's pictograms, pictures, cancellations and languages ([E2]).

/// The test data with `events` as its agenda.
fn agenda(events: Vec<Value>) -> DataSets {
    let mut d = data();
    d.events = Some(serde_json::from_value(json!({ "events": events })).unwrap());
    d.check().unwrap();
    d
}

/// An event at Fruges on Wednesday 2 December at 18:30.
fn fruges_event(id: &str, edit: impl FnOnce(&mut Value)) -> Value {
    let mut e = event(
        id,
        &format!("Titre {id}"),
        "2026-12-02T18:30:00+01:00[Europe/Paris]",
        "2026-12-02T21:00:00+01:00[Europe/Paris]",
        "62364",
        "scheduled",
    );
    e["title"]["en"] = json!(format!("Title {id}"));
    edit(&mut e);
    e
}

/// The pictograms of `scene`, with their node's rectangle.
fn icons(scene: &Scene) -> Vec<(TintedIcon, Rect)> {
    scene
        .nodes
        .iter()
        .filter_map(|n| match &n.shape {
            Shape::Image {
                source: ImageSource::Icon(icon),
                rect,
                ..
            } => Some((*icon, *rect)),
            _ => None,
        })
        .collect()
}

/// The assets `scene` draws, with their node's rectangle, in the zone starting at `x`.
fn pictures_at(scene: &Scene, x: f32) -> Vec<(Sha256, Rect, f32)> {
    scene
        .nodes
        .iter()
        .filter(|n| n.clip.is_some_and(|c| c.x == x))
        .filter_map(|n| match &n.shape {
            Shape::Image {
                source: ImageSource::Asset(sha),
                rect,
                radius,
                ..
            } => Some((sha.clone(), *rect, *radius)),
            _ => None,
        })
        .collect()
}

fn agenda_manifest(edit: impl FnOnce(&mut Value)) -> Manifest {
    manifest(
        json!([{ "id": "agenda", "duration_ms": 10000, "kind": "events", "max": 4 }]),
        edit,
    )
}

#[test]
fn every_event_category_gets_its_own_pictogram_drawn_texel_for_pixel() {
    let m = agenda_manifest(|_| {});
    let categories = [
        "festival",
        "market",
        "concert",
        "exhibition",
        "sport",
        "theatre",
        "cinema",
        "conference",
        "workshop",
        "guided_tour",
        "nature",
        "family",
        "other",
    ];
    let mut seen = Vec::new();
    for category in categories {
        let d = agenda(vec![fruges_event("e", |e| e["category"] = json!(category))]);
        let scene = scene_at(&m, &d, "2026-11-29T13:05:05Z", 1920, 1080);
        let found = icons(&scene);
        // One in the main zone (wide rows), one in the side column (compact rows).
        assert_eq!(found.len(), 2, "{category}");
        let category: EventCategory = serde_json::from_value(json!(category)).unwrap();
        for (icon, rect) in &found {
            assert_eq!(icon.icon, Icon::for_event(category));
            // Rasterised at the size drawn, on whole pixels: no resampling blur.
            assert_eq!((rect.w, rect.h), (icon.size as f32, icon.size as f32));
            assert_eq!((rect.x.fract(), rect.y.fract()), (0.0, 0.0));
            // At least as tall as a title line: a pictogram must read from where the text does.
            assert!(
                icon.size >= 36,
                "{icon:?} is too small to read across a hall"
            );
            assert_eq!(icon.colour, m.screen.theme.accent);
        }
        seen.push(found[0].0.icon);
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), categories.len());
}

#[test]
fn an_event_picture_is_drawn_only_when_the_manifest_carries_it() {
    let m = agenda_manifest(|_| {});
    let absent = Sha256::of(b"not in this bundle");
    let d = agenda(vec![
        fruges_event("avec", |e| e["image"] = json!(photo())),
        fruges_event("sans", |e| e["image"] = json!(absent)),
        fruges_event("rien", |_| {}),
    ]);
    let scene = scene_at(&m, &d, "2026-11-29T13:05:05Z", 1920, 1080);
    // Wide rows: one rounded, cover-cropped thumbnail at the right end of its card.
    let main = pictures_at(&scene, 0.0);
    assert_eq!(main.len(), 1, "{main:?}");
    let (sha, rect, radius) = &main[0];
    assert_eq!(sha, &photo());
    assert!(*radius > 0.0);
    let (_, title) = texts(&scene)
        .find(|(n, t)| t.text == "Titre avec" && n.clip.is_some_and(|c| c.x == 0.0))
        .unwrap();
    let title = title.rect;
    assert!(rect.x > title.right() && rect.right() < 1380.0);
    assert!(rect.y < title.y && rect.bottom() > title.bottom());
    // Cover-cropped: the part shown keeps the photo's own proportions.
    let shown = scene.nodes.iter().find_map(|n| match &n.shape {
        Shape::Image {
            source: ImageSource::Asset(s),
            rect,
            uv,
            ..
        } if *s == photo() && n.clip.is_some_and(|c| c.x == 0.0) => {
            Some((rect.w / uv.w) / (rect.h / uv.h))
        }
        _ => None,
    });
    assert!((shown.unwrap() - 1600.0 / 1067.0).abs() < 1e-3, "{shown:?}");
    // The picture missing from the bundle leaves no grey placeholder box anywhere.
    assert!(scene.nodes.iter().all(|n| !matches!(
        &n.shape,
        Shape::Image { source: ImageSource::Asset(s), .. } if *s == absent
    )));
    // The side column shows the first event's picture as a banner across its card.
    let side = pictures_at(&scene, 1380.0);
    assert_eq!(side.len(), 1, "{side:?}");
    let (_, banner, _) = &side[0];
    assert!(banner.w > 400.0 && banner.h < banner.w, "{banner:?}");
    let (_, side_title) = texts(&scene)
        .find(|(n, t)| t.text == "Titre avec" && n.clip.is_some_and(|c| c.x == 1380.0))
        .unwrap();
    assert!(banner.bottom() <= side_title.rect.y);

    // No banner when the first event has no picture: the column stays a plain list.
    let d = agenda(vec![
        fruges_event("rien", |_| {}),
        fruges_event("avec", |e| e["image"] = json!(photo())),
    ]);
    let scene = scene_at(&m, &d, "2026-11-29T13:05:05Z", 1920, 1080);
    assert!(pictures_at(&scene, 1380.0).is_empty());
    assert_eq!(pictures_at(&scene, 0.0).len(), 1);
}

#[test]
fn a_cancelled_event_is_struck_through_and_faded() {
    let m = agenda_manifest(|_| {});
    let d = agenda(vec![
        fruges_event("annule", |e| e["status"] = json!("cancelled")),
        fruges_event("maintenu", |_| {}),
    ]);
    let scene = scene_at(&m, &d, "2026-11-29T13:05:05Z", 1920, 1080);
    let theme = &m.screen.theme;
    let titles = |needle: &str| {
        texts(&scene)
            .filter(|(_, t)| t.text == needle)
            .map(|(_, t)| t.clone())
            .collect::<Vec<_>>()
    };
    for t in titles("Titre annule") {
        assert!(t.strike);
        // Faded towards the card, but opaque: the bar and the glyphs do not add up.
        assert_ne!(t.colour, theme.text);
        assert_eq!(t.colour.a, 255);
    }
    for t in titles("Titre maintenu") {
        assert!(!t.strike);
        assert_eq!(t.colour, theme.text);
    }
    let faded: Vec<u8> = icons(&scene).iter().map(|(i, _)| i.colour.a).collect();
    // Main then side: the cancelled event comes first in each.
    assert_eq!(faded, vec![0x80, 255, 0x80, 255]);
    assert_eq!(texts(&scene).filter(|(_, t)| t.text == "Annulé").count(), 2);
}

#[test]
fn the_agenda_speaks_english_on_an_english_screen() {
    let m = agenda_manifest(|v| v["screen"]["languages"] = json!(["en", "fr"]));
    let d = agenda(vec![
        fruges_event("tomorrow", |e| {
            e["start"] = json!("2026-11-30T18:30:00+01:00[Europe/Paris]");
            e["end"] = json!("2026-11-30T20:00:00+01:00[Europe/Paris]");
            e["status"] = json!("cancelled");
        }),
        fruges_event("later", |e| e["status"] = json!("postponed")),
        fruges_event("weekend", |e| {
            e["start"] = json!("2026-12-05T00:00:00+01:00[Europe/Paris]");
            e["end"] = json!("2026-12-07T00:00:00+01:00[Europe/Paris]");
            e["all_day"] = json!(true);
            e["status"] = json!("full");
        }),
    ]);
    let scene = scene_at(&m, &d, "2026-11-29T13:05:05Z", 1920, 1080);
    for english in [
        "What's on",
        "Title tomorrow",
        "Tomorrow · 6:30\u{a0}pm",
        "Cancelled",
        "Postponed",
        "Sold out",
        "All weekend",
    ] {
        assert!(has_text(&scene, english), "{english:?} missing");
    }
    for french in [
        "Agenda", "Titre", "Demain", "Annulé", "Reporté", "Complet", "week-end",
    ] {
        assert!(!has_text(&scene, french), "{french:?} on an English screen");
    }
    // The evaluator skips an agenda with nothing to show; drawn all the same (its data
    // changed under it), its message is English too.
    let empty = agenda(Vec::new());
    let ctx = Ctx {
        manifest: &m,
        data: &empty,
        theme: &m.screen.theme,
        lang: m.screen.language(),
        tz: m.screen.time_zone.tz(),
        at: ts("2026-11-29T13:05:05Z"),
        scale: Scale::reference(1920, 1080),
    };
    let area = Area {
        rect: Rect::new(0.0, 0.0, 1380.0, 960.0),
        bg: m.screen.theme.background,
    };
    let time = ItemTime {
        started: ctx.at,
        elapsed_ms: 0,
    };
    let item = &m.playlists[0].items[0];
    let shapes = items::draw(&ctx, item, &area, time);
    let said: Vec<&str> = shapes
        .iter()
        .filter_map(|s| match s {
            Shape::Text(t) => Some(t.text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(said, ["What's on", "Nothing planned in the coming days"]);
}

#[test]
fn on_a_small_panel_agenda_rows_grow_to_hold_their_lines_at_the_text_floor() {
    // A 320×180 panel: the layout's text floor makes every line taller than its reference
    // size; the cards must grow to hold them (they used to keep their reference height, and
    // the date, title and place were drawn over each other).
    let m = agenda_manifest(|_| {});
    let d = agenda(vec![fruges_event("avec", |e| e["image"] = json!(photo()))]);
    let scene = scene_at(&m, &d, "2026-11-29T13:05:05Z", 320, 180);
    let line = |needle: &str| {
        texts(&scene)
            .find(|(n, t)| t.text.contains(needle) && n.clip.is_some_and(|c| c.x == 0.0))
            .map(|(_, t)| t.clone())
            .unwrap_or_else(|| panic!("no line {needle}"))
    };
    let floor = |t: &crate::scene::Text| match t.size {
        TextSize::Fixed(px) => px,
        TextSize::Fit { min, .. } => min,
    };
    let (when, title, place) = (line("2 déc."), line("Titre avec"), line("Salle"));
    for t in [&when, &title, &place] {
        assert!(
            t.rect.h >= floor(t) * 0.99,
            "{:?} is {} px tall for text of at least {} px",
            t.text,
            t.rect.h,
            floor(t)
        );
    }
    assert!(
        when.rect.bottom() <= title.rect.y + 0.5,
        "{when:?} / {title:?}"
    );
    assert!(
        title.rect.bottom() <= place.rect.y + 0.5,
        "{title:?} / {place:?}"
    );
}
