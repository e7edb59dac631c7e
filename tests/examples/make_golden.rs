//! Writes the golden-frame cases of `tests/golden/<case>/`: each a bundle, the instant and
//! the panel size. `tests/tests/golden.rs` renders them and compares with `expected.png`.
//!
//! `cargo run -p beffroi-tests --example make_golden` rewrites every case's bundle and
//! `case.toml` (deterministic); `BEFFROI_UPDATE_GOLDEN=1 cargo test -p beffroi-tests --test
//! golden` then rewrites the expected frames, to be looked at before committing.

use std::path::{Path, PathBuf};

use beffroi_protocol::bundle;
use beffroi_protocol::canonical;
use beffroi_protocol::data::events::EventsData;
use beffroi_protocol::data::waste::WasteData;
use beffroi_protocol::ids::Sha256;
use beffroi_protocol::layout::Layout;
use beffroi_protocol::manifest::{AssetRef, Manifest};
use beffroi_protocol::validate::Validate;
use serde_json::{Value, json};

/// Every case is evaluated on Tuesday 1 December 2026 around 10:00 in Fruges.
const DAY: &str = "2026-12-01T09:00:00Z";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn layout(id: &str) -> Value {
    let text = std::fs::read_to_string(root().join("../layouts").join(format!("{id}.toml")))
        .expect("layout file");
    serde_json::to_value(Layout::from_toml(&text).expect("valid layout")).expect("layout to JSON")
}

/// A case under construction: the demo's screen and data sets with the case's content.
struct Case {
    name: &'static str,
    manifest: Value,
    blobs: Vec<Vec<u8>>,
    at: String,
    size: &'static str,
}

fn case(name: &'static str, layout_id: &str, playlists: Value, defaults: Value) -> Case {
    let demo =
        beffroi_server::demo::demo_content(DAY.parse().expect("instant")).expect("demo content");
    let mut m = serde_json::to_value(&demo.manifest).expect("manifest to JSON");
    m["layout"] = json!(layout_id);
    m["layouts"] = json!([layout(layout_id)]);
    m["playlists"] = playlists;
    m["default_playlists"] = defaults;
    m["schedule"] = json!([]);
    m["power"] = json!({"on": []});
    // The demo's pictures stay out: a case brings the assets it shows.
    m["assets"] = json!([]);
    Case {
        name,
        manifest: m,
        blobs: demo.blobs,
        at: DAY.into(),
        size: "960x540",
    }
}

/// A fullscreen case showing one item.
fn single(name: &'static str, item: Value) -> Case {
    let items = Value::Array(vec![item]);
    case(
        name,
        "fullscreen",
        json!([{"id": "p", "items": items}]),
        json!({"main": "p"}),
    )
}

fn item(id: &str, ms: u32, content: Value) -> Value {
    let mut v = content;
    v["id"] = json!(id);
    v["duration_ms"] = json!(ms);
    v
}

impl Case {
    fn at(mut self, at: &str) -> Self {
        self.at = at.into();
        self
    }

    fn size(mut self, size: &'static str) -> Self {
        self.size = size;
        self
    }

    fn with(mut self, f: impl FnOnce(&mut Value)) -> Self {
        f(&mut self.manifest);
        self
    }

    /// Adds an image asset; returns its address.
    fn asset(&mut self, bytes: Vec<u8>, mime: &str, size: Option<(u32, u32)>) -> String {
        let sha = Sha256::of(&bytes);
        let asset = AssetRef {
            sha256: sha.clone(),
            size: bytes.len() as u64,
            mime: mime.into(),
            width: size.map(|s| s.0),
            height: size.map(|s| s.1),
        };
        self.manifest["assets"]
            .as_array_mut()
            .expect("assets")
            .push(serde_json::to_value(asset).expect("asset"));
        self.blobs.push(bytes);
        sha.to_string()
    }

    fn write(self, golden: &Path) {
        let mut m: Manifest =
            serde_json::from_value(self.manifest).unwrap_or_else(|e| panic!("{}: {e}", self.name));
        m.seal().expect("seal");
        let dir = golden.join(self.name);
        let _ = std::fs::remove_dir_all(dir.join("bundle"));
        bundle::write(
            &dir.join("bundle"),
            &m,
            self.blobs.iter().map(Vec::as_slice),
        )
        .unwrap_or_else(|e| panic!("{}: {e}", self.name));
        std::fs::write(
            dir.join("case.toml"),
            format!("at = \"{}\"\nsize = \"{}\"\n", self.at, self.size),
        )
        .expect("case.toml");
        println!("{}", dir.display());
    }
}

/// A landscape picture made by the project: sky gradient, sun, two hills, a belfry.
fn picture(w: u32, h: u32) -> image::RgbImage {
    image::RgbImage::from_fn(w, h, |x, y| {
        let (fx, fy) = (x as f32 / w as f32, y as f32 / h as f32);
        let hill1 = 0.62 + 0.08 * (fx * 6.0).sin();
        let hill2 = 0.75 + 0.05 * (fx * 9.0 + 1.0).cos();
        let sun = ((fx - 0.75).powi(2) * (w as f32 / h as f32).powi(2) + (fy - 0.25).powi(2))
            .sqrt()
            < 0.09;
        let tower = (0.28..0.34).contains(&fx) && fy > 0.35 && fy < hill1 + 0.02
            || ((0.27..0.35).contains(&fx) && (0.33..0.37).contains(&fy));
        let px = if tower {
            [70, 60, 60]
        } else if fy > hill2 {
            [46, 110, 60]
        } else if fy > hill1 {
            [90, 150, 70]
        } else if sun {
            [250, 210, 90]
        } else {
            [(120.0 + 100.0 * fy) as u8, (170.0 + 60.0 * fy) as u8, 235]
        };
        image::Rgb(px)
    })
}

/// A Christmas market at night, also made by the project: a dark sky, blurred warm lights,
/// a row of lit chalets.
fn night_market(w: u32, h: u32) -> image::RgbImage {
    // (x, y, radius) as fractions of the width, the height and the height.
    const LIGHTS: [(f32, f32, f32); 7] = [
        (0.12, 0.22, 0.10),
        (0.30, 0.40, 0.07),
        (0.42, 0.16, 0.13),
        (0.60, 0.34, 0.08),
        (0.76, 0.18, 0.11),
        (0.90, 0.42, 0.07),
        (0.52, 0.52, 0.05),
    ];
    let aspect = w as f32 / h as f32;
    image::RgbImage::from_fn(w, h, |x, y| {
        let (fx, fy) = (x as f32 / w as f32, y as f32 / h as f32);
        let mut px = [12.0 + 20.0 * fy, 22.0 + 25.0 * fy, 55.0 + 40.0 * fy];
        for (lx, ly, r) in LIGHTS {
            let d = (((fx - lx) * aspect).powi(2) + (fy - ly).powi(2)).sqrt() / r;
            if d < 1.0 {
                let glow = 0.85 * (1.0 - d * d);
                for (c, warm) in px.iter_mut().zip([255.0, 196.0, 92.0]) {
                    *c += (warm - *c) * glow;
                }
            }
        }
        // Chalets: pointed roofs every sixth of the width, a lit window in each.
        let cell = (fx * 6.0).fract();
        let roof = 0.66 + 0.12 * (cell - 0.5).abs() * 2.0;
        if fy > roof {
            let window = (0.35..0.65).contains(&cell) && (0.82..0.92).contains(&fy);
            px = if window {
                [250.0, 200.0, 110.0]
            } else if fy < roof + 0.02 {
                [235.0, 235.0, 240.0]
            } else {
                [96.0, 58.0, 36.0]
            };
        }
        image::Rgb(px.map(|c| c.clamp(0.0, 255.0) as u8))
    })
}

fn encode(img: &image::RgbImage, format: image::ImageFormat) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, format).expect("encode");
    out.into_inner()
}

fn image_case(name: &'static str, fit: &str, pic: (u32, u32)) -> Case {
    let mut c = single(name, json!({}));
    let img = picture(pic.0, pic.1);
    let sha = c.asset(
        encode(&img, image::ImageFormat::Jpeg),
        "image/jpeg",
        Some(pic),
    );
    c.manifest["playlists"][0]["items"] = json!([item(
        "photo",
        10_000,
        json!({"kind": "image", "asset": sha, "fit": fit,
        "caption": {"fr": "Le beffroi au soleil couchant", "en": "The belfry at sunset"}})
    )]);
    c
}

/// One event of the agenda cases; times are Paris times (`2026-12-02T10:30`).
fn event(
    id: &str,
    category: &str,
    title: (&str, &str),
    (start, end): (&str, &str),
    place: &str,
    commune: &str,
) -> Value {
    let insee = &beffroi_server::communes::by_name(commune)
        .unwrap_or_else(|| panic!("commune {commune}"))
        .insee;
    let at = |t: &str| format!("{t}:00+01:00[Europe/Paris]");
    json!({"id": id, "source": {"kind": "officer", "source_id": id},
        "title": {"fr": title.0, "en": title.1}, "start": at(start), "end": at(end),
        "location": {"name": place, "address": commune, "commune": insee}, "category": category})
}

impl Case {
    /// Replaces the demo's agenda with the agenda cases' own, as seen on Tuesday 1 December:
    /// an exhibition running since Monday (with a photo), storytime, a postponed play whose
    /// poster is not in the bundle, the Christmas market all weekend (with a photo), a
    /// cancelled talk, then a concert, a screening, a walk and a fête further on. Places
    /// name their commune in the address, which the player shows when the waste data set
    /// does not name the commune.
    fn agenda(mut self) -> Self {
        let photo = |c: &mut Case, img: image::RgbImage| {
            let size = img.dimensions();
            c.asset(
                encode(&img, image::ImageFormat::Jpeg),
                "image/jpeg",
                Some(size),
            )
        };
        let landscape = photo(&mut self, picture(720, 480));
        let market = photo(&mut self, night_market(720, 480));
        let missing = Sha256::of(b"a poster this bundle does not carry").to_string();
        let with = |mut e: Value, key: &str, value: Value| {
            e[key] = value;
            e
        };
        let events = json!({"events": [
            with(event("expo", "exhibition", ("Exposition « Le Haut Pays d'hier à aujourd'hui »", "Exhibition: the Haut Pays then and now"),
                ("2026-11-30T14:00", "2026-12-10T18:00"), "Salle polyvalente", "Verchocq"), "image", json!(landscape)),
            event("conte", "family", ("L'heure du conte", "Storytime"),
                ("2026-12-02T10:30", "2026-12-02T11:30"), "Médiathèque", "Fruges"),
            with(with(event("theatre", "theatre", ("Soirée théâtre : les Tréteaux du Haut Pays", "Theatre night: les Tréteaux du Haut Pays"),
                ("2026-12-04T20:30", "2026-12-04T22:30"), "Salle des fêtes", "Zoteux"), "status", json!("postponed")), "image", json!(missing)),
            with(with(event("marche-noel", "market", ("Marché de Noël de Fruges", "Fruges Christmas market"),
                ("2026-12-05T00:00", "2026-12-07T00:00"), "Place du Marché", "Fruges"), "all_day", json!(true)), "image", json!(market)),
            with(event("conference", "conference", ("Conférence : 1415, la bataille d'Azincourt vue du village", "Talk: 1415, the battle of Agincourt seen from the village"),
                ("2026-12-05T20:00", "2026-12-05T22:00"), "Salle communale", "Ruisseauville"), "status", json!("cancelled")),
            event("chorale", "concert", ("Concert de la chorale « Les Voix du Haut Pays »", "Choir concert: Les Voix du Haut Pays"),
                ("2026-12-06T16:00", "2026-12-06T17:30"), "Église Saint-Bertulphe", "Fruges"),
            event("cinema", "cinema", ("Cinéma itinérant : séance familiale", "Travelling cinema: family screening"),
                ("2026-12-11T18:00", "2026-12-11T20:00"), "Salle des fêtes", "Hucqueliers"),
            event("randonnee", "nature", ("Randonnée aux sources de la Course", "Walk to the springs of the Course"),
                ("2026-12-13T09:00", "2026-12-13T12:00"), "Mairie", "Bourthes"),
            with(event("fete", "festival", ("Fête communale de Créquy", "Créquy village fête"),
                ("2026-12-13T00:00", "2026-12-14T00:00"), "Centre du village", "Créquy"), "all_day", json!(true)),
        ]});
        let data: EventsData = serde_json::from_value(events).expect("events data set");
        data.check().expect("valid events data set");
        let (blob_ref, bytes) = canonical::encode_blob(&data).expect("canonical events");
        let old: Sha256 = serde_json::from_value(self.manifest["data"]["events"]["sha256"].clone())
            .expect("the demo's events data set");
        self.blobs.retain(|b| Sha256::of(b) != old);
        self.blobs.push(bytes);
        self.manifest["data"]["events"] = serde_json::to_value(blob_ref).expect("blob ref");
        self
    }
}

impl Case {
    /// Replaces the demo's waste data set with the waste cases' own, so that they show every
    /// bin whatever the demo's calendars: in Fruges, the grey and the yellow bins both on
    /// Tuesday 1 December (put out the evening before, from 17:00 to 23:00), food waste on
    /// Friday, glass the next Wednesday, bulky items on the 21st.
    fn waste(mut self) -> Self {
        let insee = &beffroi_server::communes::by_name("Fruges")
            .expect("commune Fruges")
            .insee;
        let waste = json!({
            "communes": [{"commune": insee, "name": "Fruges",
                "reminder": {"start": "17:00", "end": "23:00"},
                "streams": [
                    {"stream": "household", "dates": ["2026-12-01", "2026-12-08", "2026-12-15"]},
                    {"stream": "packaging", "dates": ["2026-12-01", "2026-12-15"]},
                    {"stream": "biowaste", "dates": ["2026-12-04", "2026-12-11"]},
                    {"stream": "glass", "dates": ["2026-12-09"]},
                    {"stream": "bulky", "dates": ["2026-12-21"]}]}],
            "advice": [
                {"id": "piles", "name": {"fr": "Piles et petites batteries", "en": "Batteries"},
                 "destination": {"kind": "take_back"}, "featured": true,
                 "instructions": {"fr": "À rapporter dans les bacs des magasins, jamais à la poubelle !",
                                  "en": "Take them back to the collection boxes in shops, never in the bin!"}},
                {"id": "carton", "name": {"fr": "Carton d'emballage", "en": "Cardboard box"},
                 "destination": {"kind": "bin", "stream": "packaging"}}]
        });
        let data: WasteData = serde_json::from_value(waste).expect("waste data set");
        data.check().expect("valid waste data set");
        let (blob_ref, bytes) = canonical::encode_blob(&data).expect("canonical waste");
        let old: Sha256 = serde_json::from_value(self.manifest["data"]["waste"]["sha256"].clone())
            .expect("the demo's waste data set");
        self.blobs.retain(|b| Sha256::of(b) != old);
        self.blobs.push(bytes);
        self.manifest["data"]["waste"] = serde_json::to_value(blob_ref).expect("blob ref");
        self
    }
}

/// Two text slides, the second entering with `transition`, evaluated half-way through it.
fn transition_case(name: &'static str, kind: &str) -> Case {
    let items = json!([
        item(
            "avant",
            10_000,
            json!({"kind": "text", "title": {"fr": "Marché de Noël"}, "body": {"fr": "Samedi 12 décembre, place de la mairie."}})
        ),
        item(
            "apres",
            10_000,
            json!({"kind": "text", "title": {"fr": "Collecte des sapins"}, "body": {"fr": "Du 4 au 15 janvier, déposez votre sapin à la déchetterie."},
            "transition": {"kind": kind, "duration_ms": 1000, "easing": "linear"}})
        ),
    ]);
    // The default playlist starts at local midnight; the cycle is 20 s, so 10:00:10.5 Paris is
    // 500 ms into the second item.
    case(
        name,
        "fullscreen",
        json!([{"id": "p", "items": items}]),
        json!({"main": "p"}),
    )
    .at("2026-12-01T09:00:10.5Z")
}

fn main() {
    let golden = root().join("golden");
    std::fs::create_dir_all(&golden).expect("golden folder");
    let samples = root().join("../../shared/samples/media");
    let text = json!({"kind": "text", "title": {"fr": "Bienvenue à Fruges !", "en": "Welcome to Fruges!"},
        "body": {"fr": "La mairie est ouverte du lundi au vendredi de 8 h 30 à 12 h et de 13 h 30 à 17 h ; le samedi de 9 h à 12 h.",
                 "en": "The town hall is open Monday to Friday, 8.30 am to 12 pm and 1.30 to 5 pm; Saturday 9 am to 12 pm."}});
    let mut cases = vec![
        single("text-slide", item("bienvenue", 10_000, text.clone())),
        single("text-slide-en", item("bienvenue", 10_000, text.clone())).with(|m| m["screen"]["languages"] = json!(["en", "fr"])),
        single("text-title-only", item("titre", 10_000, json!({"kind": "text", "title": {"fr": "Fermeture exceptionnelle de la mairie le 24 décembre après-midi"}}))),
        single("clock", item("heure", 60_000, json!({"kind": "clock", "format": "date_time"}))).at("2026-12-01T13:05:00Z"),
        single("clock-en", item("heure", 60_000, json!({"kind": "clock", "format": "date_time"})))
            .at("2026-12-01T13:05:00Z")
            .with(|m| m["screen"]["languages"] = json!(["en"])),
        single("qr", item("site", 10_000, json!({"kind": "qr", "url": "https://www.cchpm.fr/agenda", "caption": {"fr": "L'agenda complet des 49 villages"}}))),
        case("ticker", "main-ticker",
            json!([{"id": "main", "items": [item("bienvenue", 10_000, json!({"kind": "text", "title": {"fr": "Bienvenue !"}}))]},
                   {"id": "bandeau", "items": [item("titres", 60_000, json!({"kind": "ticker", "source": "news", "speed_px_s": 120}))]}]),
            json!({"main": "main", "ticker": "bandeau"})).at("2026-12-01T09:00:07Z"),
        single("events", item("agenda", 10_000, json!({"kind": "events", "days": 14, "max": 5, "all_communes": true}))).agenda(),
        single("events-en", item("agenda", 10_000, json!({"kind": "events", "days": 14, "max": 5, "all_communes": true})))
            .agenda()
            .with(|m| m["screen"]["languages"] = json!(["en", "fr"])),
        // The town hall's side column: the compact agenda beside a welcome slide.
        case("events-side", "town-hall",
            json!([{"id": "main", "items": [item("bienvenue", 10_000, text)]},
                   {"id": "side", "items": [item("agenda", 20_000, json!({"kind": "events", "days": 14, "max": 6, "all_communes": true}))]},
                   {"id": "bandeau", "items": [item("titres", 60_000, json!({"kind": "ticker", "source": "news", "speed_px_s": 120}))]},
                   {"id": "horloge", "items": [item("heure", 60_000, json!({"kind": "clock", "format": "time"}))]}]),
            json!({"main": "main", "side": "side", "ticker": "bandeau", "clock": "horloge"}))
            .agenda()
            .size("1920x1080"),
        single("waste-next", item("collectes", 10_000, json!({"kind": "waste", "prompt": "next_collections"}))),
        // Monday 30 November, 19:00 Paris: household waste is collected on Tuesday.
        single("waste-reminder", item("rappel", 10_000, json!({"kind": "waste", "prompt": "reminder"}))).at("2026-11-30T18:00:00Z"),
        single("waste-advice", item("astuce", 10_000, json!({"kind": "waste", "prompt": "advice"}))),
        // Monday 30 November, 19:00 Paris: the grey and the yellow bins both go out tonight.
        single("waste-reminder-two", item("rappel", 10_000, json!({"kind": "waste", "prompt": "reminder"})))
            .waste()
            .at("2026-11-30T18:00:00Z"),
        // The portrait kiosk at half size: a tall zone whose text floor (22 px) holds every
        // line above its reference size.
        case("waste-next-portrait", "portrait-kiosk",
            json!([{"id": "entete", "items": [item("heure", 60_000, json!({"kind": "clock", "format": "date_time"}))]},
                   {"id": "accueil", "items": [item("collectes", 10_000, json!({"kind": "waste", "prompt": "next_collections"}))]},
                   {"id": "bandeau", "items": [item("titres", 60_000, json!({"kind": "ticker", "source": "news"}))]}]),
            json!({"header": "entete", "main": "accueil", "ticker": "bandeau"}))
            .waste()
            .size("540x960"),
        // The reminder across the kiosk's portrait card, Thursday 3 December at 19:00 Paris:
        // food waste on Friday.
        case("waste-reminder-portrait", "portrait-kiosk",
            json!([{"id": "entete", "items": [item("heure", 60_000, json!({"kind": "clock", "format": "date_time"}))]},
                   {"id": "accueil", "items": [item("rappel", 10_000, json!({"kind": "waste", "prompt": "reminder"}))]},
                   {"id": "bandeau", "items": [item("titres", 60_000, json!({"kind": "ticker", "source": "news"}))]}]),
            json!({"header": "entete", "main": "accueil", "ticker": "bandeau"}))
            .waste()
            .size("540x960")
            .at("2026-12-03T18:00:00Z"),
        single("news", item("actus", 10_000, json!({"kind": "news", "max": 4}))),
        image_case("image-contain", "contain", (800, 800)),
        image_case("image-cover", "cover", (800, 800)),
        transition_case("transition-fade", "fade"),
        transition_case("transition-slide-left", "slide_left"),
        transition_case("transition-slide-right", "slide_right"),
        transition_case("transition-slide-up", "slide_up"),
        transition_case("transition-wipe", "wipe"),
    ];
    for (name, degrees) in [
        ("rotation-90", 90),
        ("rotation-180", 180),
        ("rotation-270", 270),
    ] {
        let size = if degrees == 180 { "960x540" } else { "540x960" };
        cases.push(
            single(
                name,
                item(
                    "heure",
                    60_000,
                    json!({"kind": "clock", "format": "date_time"}),
                ),
            )
            .size(size)
            .with(|m| m["screen"]["rotation"] = json!(degrees)),
        );
    }
    // The demo's own town-hall screen, four zones, on a Tuesday morning.
    let demo = beffroi_server::demo::demo_content(DAY.parse().expect("instant")).expect("demo");
    cases.push(Case {
        name: "town-hall",
        manifest: serde_json::to_value(&demo.manifest).expect("json"),
        blobs: demo.blobs.into_iter().chain(demo.assets).collect(),
        at: "2026-12-01T09:00:30Z".into(),
        size: "1920x1080",
    });
    cases.push(
        case("portrait-kiosk", "portrait-kiosk",
            json!([{"id": "entete", "items": [item("heure", 60_000, json!({"kind": "clock", "format": "date_time"}))]},
                   {"id": "accueil", "items": [item("agenda", 10_000, json!({"kind": "events", "days": 14, "max": 6, "all_communes": true}))]},
                   {"id": "bandeau", "items": [item("titres", 60_000, json!({"kind": "ticker", "source": "news"}))]}]),
            json!({"header": "entete", "main": "accueil", "ticker": "bandeau"})).size("540x960"),
    );
    cases.push(single("alert", item("bienvenue", 10_000, json!({"kind": "clock"}))).with(|m| {
        m["alerts"] = json!([{"id": "crue", "revision": 2, "severity": "critical",
            "title": {"fr": "Alerte crue de la Canche"}, "message": {"fr": "Évitez les bords de la Canche ; la RD 928 est fermée entre Fruges et Hucqueliers."},
            "starts_at": "2026-12-01T06:00:00Z", "expires_at": "2026-12-02T18:00:00Z"}]);
    }));
    cases.push(
        single(
            "display-off",
            item("heure", 60_000, json!({"kind": "clock"})),
        )
        .with(|m| m["power"] = json!({"on": [{"start": "18:00", "end": "19:00"}]})),
    );
    // A truncated JPEG of our own picture: the player must draw the neutral placeholder.
    let mut broken = single("image-broken", json!({}));
    let mut bytes = encode(&picture(640, 360), image::ImageFormat::Jpeg);
    bytes.truncate(bytes.len() / 3);
    let sha = broken.asset(bytes, "image/jpeg", Some((640, 360)));
    broken.manifest["playlists"][0]["items"] = json!([item(
        "photo",
        10_000,
        json!({"kind": "image", "asset": sha, "fit": "contain"})
    )]);
    cases.push(broken);
    // EXIF-rotated photos: each must appear upright.
    for (name, file) in [
        ("exif-landscape-6", "Landscape_6.jpg"),
        ("exif-hopper-3", "hopper_orientation_3.jpg"),
        ("exif-hopper-6", "hopper_orientation_6.jpg"),
        ("exif-hopper-8", "hopper_orientation_8.jpg"),
    ] {
        let bytes = std::fs::read(samples.join("exif").join(file))
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        // The server records the upright size, as the player's decoder reports it.
        let upright =
            beffroi_player::images::decode(&bytes, u32::MAX, u32::MAX).expect("sample decodes");
        let mut c = single(name, json!({}));
        let sha = c.asset(bytes, "image/jpeg", Some(upright.dimensions()));
        c.manifest["playlists"][0]["items"] = json!([item(
            "photo",
            10_000,
            json!({"kind": "image", "asset": sha, "fit": "contain"})
        )]);
        cases.push(c);
    }
    for c in cases {
        c.write(&golden);
    }
}
