//! Demo content: a complete, realistic and valid bundle for the town-hall screen of Fruges.
//!
//! Everything is computed from one instant `at`: the agenda covers the two weeks after it, the
//! collection calendars the six weeks from the Monday of its week, news are valid around it. A
//! demo bundle is therefore always "current" for whoever generates it, and the same `at`
//! always gives a byte-identical bundle (no clock, no randomness, no hash-map order), so tests
//! and golden frames can rely on it. Dates are computed in `Europe/Paris`, the screens' zone.
//!
//! The communes and their INSEE codes are the real ones of the territory (see
//! [`crate::communes`]); the events, news, farms and products are invented, and the three
//! pictures (the belfry at sunset, the market, a Christmas market poster) are drawn by the
//! `pictures` submodule, from shapes.

mod agenda;
mod pictures;
pub mod seed;
mod waste;

use std::collections::BTreeMap;
use std::path::Path;

use beffroi_protocol::bundle::{self, BundleError};
use beffroi_protocol::canonical::{self, CanonicalError};
use beffroi_protocol::data::DataSets;
use beffroi_protocol::data::catalogue::{
    Catalogue, Category, GeoPoint, Label, OrderDeadline, PickupSession, PointOfSale, Price,
    Producer, Product, SaleKind, Unit,
};
use beffroi_protocol::data::events::{
    Event, EventCategory, EventSource, EventStatus, EventsData, Location, SourceKind,
};
use beffroi_protocol::data::hours::{Exception, OpeningHours, Slot};
use beffroi_protocol::data::news::{NewsData, NewsItem, NewsSource, NewsSourceKind};
use beffroi_protocol::data::waste::WasteData;
use beffroi_protocol::ids::{Insee, Sha256};
use beffroi_protocol::layout::{Colour, Layout, LayoutError};
use beffroi_protocol::manifest::{
    AssetRef, DataRefs, Manifest, Mode, PowerSchedule, Rotation, SCHEMA_VERSION, Screen, Size,
    Theme,
};
use beffroi_protocol::playlist::{
    ClockFormat, Content, Easing, Fit, Item, Playlist, TickerSource, Transition, TransitionKind,
    WastePrompt,
};
use beffroi_protocol::schedule::ScheduleEntry;
use beffroi_protocol::text::{Lang, Text};
use beffroi_protocol::time::{TimeOfDay, Weekday, Window, Zone};
use beffroi_protocol::validate::{Problems, Validate};
use jiff::civil::{Date, Time, Weekday as CivilWeekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ZonedDateTime};

use crate::communes::{self, Commune};
use pictures::Picture;

/// A [`TimeOfDay`] from literal hours and minutes (`hm!(18:30)`), checked at compile time.
macro_rules! hm {
    ($h:literal : $m:literal) => {
        const { time_of_day($h, $m) }
    };
}

/// A civil [`Time`] from literal hours and minutes (`clock!(20:30)`), checked at compile time.
macro_rules! clock {
    ($h:literal : $m:literal) => {
        const { Time::constant($h, $m, 0, 0) }
    };
}

/// The town-hall layout of the repository, compiled in so the demo needs no data directory.
const TOWN_HALL_LAYOUT: &str = include_str!("../../layouts/town-hall.toml");

/// The demo screen's id.
pub const SCREEN_ID: &str = "fruges-mairie-hall";

/// Schedule entry ids, named so that tests and previews can refer to them.
pub mod entries {
    /// Every morning, 07:00–12:00, main zone (the market entry wins on Saturdays from 08:00).
    pub const MORNING: &str = "matin";
    /// Every evening, 18:00–22:00, main zone: the bin reminder first.
    pub const EVENING: &str = "soir";
    /// Saturday market morning, 08:00–12:30, main zone, above the morning entry.
    pub const MARKET: &str = "marche-samedi";
    /// The quiet ticker of the night, 22:00–07:00 (crossing midnight).
    pub const NIGHT_TICKER: &str = "nuit";
}

/// The id of the evening bin-reminder item, in the evening playlist.
pub const REMINDER_ITEM: &str = "rappel-bacs";

/// Ids of the items showing the demo's pictures.
pub mod picture_items {
    /// The market on the square, covering the main zone, in the day playlist (`journee`).
    pub const MARKET_SQUARE: &str = "place-du-marche";
    /// The Christmas market poster, contained with a caption, in the evening playlist.
    pub const POSTER: &str = "affiche-marche-de-noel";
    /// The evening greeting, a text slide over the belfry at sunset (evening playlist).
    pub const GOOD_EVENING: &str = "bonsoir";
}

/// Name shown as the source of the territory's news.
const CC_NAME: &str = "Communauté de communes du Haut Pays du Montreuillois";

/// A demo bundle in memory: the sealed manifest, its data sets, and the blobs to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoBundle {
    /// The sealed manifest of the Fruges town-hall screen.
    pub manifest: Manifest,
    /// The data sets, as typed values (what the blobs encode).
    pub data: DataSets,
    /// The data-set blobs in canonical JSON: events, waste, news, catalogue.
    pub blobs: Vec<Vec<u8>>,
    /// The image blobs, in the order of the manifest's `assets`.
    pub assets: Vec<Vec<u8>>,
    /// The market picture (also a poster for the demo's markets).
    pub market_picture: Sha256,
}

impl DemoBundle {
    /// Writes the bundle to `dir` (created if needed), atomically file by file, manifest last.
    pub fn write(&self, dir: &Path) -> Result<(), DemoError> {
        let blobs = self.blobs.iter().chain(&self.assets).map(Vec::as_slice);
        bundle::write(dir, &self.manifest, blobs).map_err(DemoError::Bundle)
    }

    /// One line counting what the bundle holds, for the command line.
    pub fn summary(&self) -> String {
        let m = &self.manifest;
        let d = &self.data;
        let (communes, advice) = d
            .waste
            .as_ref()
            .map_or((0, 0), |w| (w.communes.len(), w.advice.len()));
        let (producers, products, shops) = d.catalogue.as_ref().map_or((0, 0, 0), |c| {
            (c.producers.len(), c.products.len(), c.points_of_sale.len())
        });
        format!(
            "{} playlists, {} schedule entries, {} pictures, {} events, {} news items, \
             waste calendars of {communes} communes with {advice} sorting tips, \
             {producers} producers, {products} products, {shops} points of sale",
            m.playlists.len(),
            m.schedule.len(),
            m.assets.len(),
            d.events.as_ref().map_or(0, |e| e.events.len()),
            d.news.as_ref().map_or(0, |n| n.items.len()),
        )
    }
}

/// Why the demo content could not be built or written.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The town-hall layout compiled into the binary is refused.
    #[error("layouts/town-hall.toml, compiled into the demo, is refused: {0}")]
    Layout(LayoutError),
    /// A commune the demo names is not in the territory file.
    #[error("the demo names commune \"{0}\", which is not in the territory file")]
    UnknownCommune(&'static str),
    /// A date or instant is out of range (only for instants near year 9999).
    #[error("cannot compute {what} for the demo: {error}")]
    Time {
        /// What was being computed.
        what: &'static str,
        /// Jiff's reason.
        error: jiff::Error,
    },
    /// Something the demo built does not validate.
    #[error("the demo {what} is invalid: {problems}")]
    Invalid {
        /// `manifest`, `events data set`...
        what: &'static str,
        /// Every problem found.
        problems: Problems,
    },
    /// A document has no canonical JSON form.
    #[error("cannot encode the demo {what}: {error}")]
    Encode {
        /// `manifest`, `events data set`...
        what: &'static str,
        /// The encoder's reason.
        error: CanonicalError,
    },
    /// The bundle could not be written; the message names the file at fault.
    #[error("{0}")]
    Bundle(BundleError),
}

/// Builds the demo bundle as of `at`; the same `at` always gives the same bytes.
pub fn demo_content(at: Timestamp) -> Result<DemoBundle, DemoError> {
    let cal = Cal::new(at);
    let events = events(&cal)?;
    let waste = waste(&cal)?;
    let news = news(&cal)?;
    let catalogue = catalogue(&cal)?;

    let (events_ref, events_blob) = encode("events data set", &events)?;
    let (waste_ref, waste_blob) = encode("waste data set", &waste)?;
    let (news_ref, news_blob) = encode("news data set", &news)?;
    let (catalogue_ref, catalogue_blob) = encode("catalogue data set", &catalogue)?;

    let pictures = pictures::pictures();
    let art = Art {
        belfry: Sha256::of(&pictures.belfry.bytes),
        market: Sha256::of(&pictures.market.bytes),
        poster: Sha256::of(&pictures.poster.bytes),
    };
    let drawn = [&pictures.belfry, &pictures.market, &pictures.poster];

    let layout = Layout::from_toml(TOWN_HALL_LAYOUT).map_err(DemoError::Layout)?;
    let fruges = commune("Fruges")?;
    let mut manifest = Manifest {
        schema_version: SCHEMA_VERSION,
        version: String::new(),
        generated_at: at,
        screen: Screen {
            id: SCREEN_ID.into(),
            name: "Mairie de Fruges — hall d'accueil".into(),
            commune: fruges.insee.clone(),
            mode: Mode::Signage,
            rotation: Rotation::R0,
            time_zone: Zone::paris(),
            languages: vec![Lang::fr(), Lang::en()],
            resolution: Some(Size {
                width: 1920,
                height: 1080,
            }),
            theme: Theme::default(),
        },
        layout: layout.id.clone(),
        layouts: vec![layout],
        playlists: playlists(&art)?,
        default_playlists: BTreeMap::from(
            [
                ("main", "journee"),
                ("side", "agenda"),
                ("ticker", "bandeau"),
                ("clock", "horloge"),
            ]
            .map(|(zone, playlist)| (zone.to_owned(), playlist.to_owned())),
        ),
        schedule: schedule(),
        assets: drawn.iter().map(|p| asset_ref(p)).collect(),
        data: DataRefs {
            events: Some(events_ref),
            waste: Some(waste_ref),
            news: Some(news_ref),
            catalogue: Some(catalogue_ref),
        },
        alerts: Vec::new(),
        power: PowerSchedule {
            on: vec![Window::daily(hm!(7:00), hm!(22:30))],
        },
    };
    manifest.check().map_err(|problems| DemoError::Invalid {
        what: "manifest",
        problems,
    })?;
    manifest.seal().map_err(|error| DemoError::Encode {
        what: "manifest",
        error,
    })?;
    Ok(DemoBundle {
        manifest,
        data: DataSets {
            events: Some(events),
            waste: Some(waste),
            news: Some(news),
            catalogue: Some(catalogue),
        },
        blobs: vec![events_blob, waste_blob, news_blob, catalogue_blob],
        assets: drawn.iter().map(|p| p.bytes.clone()).collect(),
        market_picture: art.market,
    })
}

/// The manifest's reference to a picture.
fn asset_ref(p: &Picture) -> AssetRef {
    AssetRef {
        sha256: Sha256::of(&p.bytes),
        size: p.bytes.len() as u64,
        mime: p.mime.into(),
        width: Some(p.width),
        height: Some(p.height),
    }
}

/// The addresses of the demo's pictures, for the playlists.
#[derive(Debug)]
struct Art {
    belfry: Sha256,
    market: Sha256,
    poster: Sha256,
}

/// Builds the demo bundle as of `at` and writes it to `dir`; returns its manifest.
pub fn write_demo_bundle(dir: &Path, at: Timestamp) -> Result<Manifest, DemoError> {
    let demo = demo_content(at)?;
    demo.write(dir)?;
    Ok(demo.manifest)
}

/// Validates a data set and encodes it as a canonical JSON blob.
fn encode<T: Validate + serde::Serialize>(
    what: &'static str,
    value: &T,
) -> Result<(beffroi_protocol::manifest::BlobRef, Vec<u8>), DemoError> {
    value
        .check()
        .map_err(|problems| DemoError::Invalid { what, problems })?;
    canonical::encode_blob(value).map_err(|error| DemoError::Encode { what, error })
}

// ---------------------------------------------------------------------------------------------
// Small helpers: times, dates, texts, communes.

/// Only called in const context by [`hm!`], so a bad literal fails the build, never a run.
const fn time_of_day(hour: u16, minute: u16) -> TimeOfDay {
    match TimeOfDay::hm(hour, minute) {
        Some(t) => t,
        None => panic!("not a time of day"),
    }
}

/// Applies French typography (U+202F before ; : ! ? and inside « »), as the player does.
fn typo(s: &str) -> String {
    beffroi_protocol::format::typography(s, &Lang::fr())
}

/// A French text (typography applied) with its English translation.
fn fr_en(fr: &str, en: &str) -> Text {
    Text::fr(typo(fr)).with(Lang::en(), en)
}

/// A commune of the territory by its official name.
fn commune(name: &'static str) -> Result<&'static Commune, DemoError> {
    communes::by_name(name).ok_or(DemoError::UnknownCommune(name))
}

/// The INSEE codes of the communes named.
fn insees(names: &[&'static str]) -> Result<Vec<Insee>, DemoError> {
    names
        .iter()
        .map(|n| commune(n).map(|c| c.insee.clone()))
        .collect()
}

/// Dates and instants relative to the demo's instant, in the screens' zone.
#[derive(Debug)]
struct Cal {
    tz: TimeZone,
    /// The local date of `at`.
    today: Date,
}

impl Cal {
    fn new(at: Timestamp) -> Self {
        let tz = Zone::paris().tz();
        let today = at.to_zoned_datetime(tz.clone()).date();
        Self { tz, today }
    }

    /// `today` moved by `days`.
    fn day(&self, days: i64) -> Result<Date, DemoError> {
        add_days(self.today, days)
    }

    /// The first `weekday` on or after `from`.
    fn next(&self, from: Date, weekday: CivilWeekday) -> Result<Date, DemoError> {
        if from.weekday() == weekday {
            return Ok(from);
        }
        from.nth_weekday(1, weekday)
            .map_err(|error| DemoError::Time {
                what: "a weekday",
                error,
            })
    }

    /// The local datetime `time` on `date`, in Paris.
    fn zoned(&self, date: Date, time: Time) -> Result<ZonedDateTime, DemoError> {
        date.to_datetime(time)
            .to_zoned_datetime(self.tz.clone())
            .map_err(|error| DemoError::Time {
                what: "a local time",
                error,
            })
    }

    /// The instant of local `time` on `date`.
    fn instant(&self, date: Date, time: Time) -> Result<Timestamp, DemoError> {
        self.zoned(date, time).map(|z| z.timestamp())
    }
}

/// `date` moved by `days` (negative: earlier).
fn add_days(date: Date, days: i64) -> Result<Date, DemoError> {
    date.checked_add(SignedDuration::from_hours(24 * days))
        .map_err(|error| DemoError::Time {
            what: "a date",
            error,
        })
}

/// "jeudi 1er octobre": French dates write the first of the month as an ordinal.
fn fr_date(d: Date) -> String {
    beffroi_protocol::format::format_date_long(d, &Lang::fr())
}

/// "Thursday 1 October".
fn en_date(d: Date) -> String {
    beffroi_protocol::format::format_date_long(d, &Lang::en())
}

/// A one-line address: "Place du Marché, 62310 Fruges".
fn address(street: &str, c: &Commune) -> String {
    format!("{street}, {} {}", c.postal_code(), c.name)
}

// ---------------------------------------------------------------------------------------------
// Playlists and schedule.

/// An item; `secs` is its whole duration, transition included.
fn item(id: &str, secs: u32, transition: Transition, content: Content) -> Item {
    Item {
        id: id.into(),
        duration_ms: secs * 1000,
        transition,
        content,
    }
}

/// A transition of `ms` milliseconds.
fn tr(kind: TransitionKind, ms: u32, easing: Easing) -> Transition {
    Transition {
        kind,
        duration_ms: ms,
        easing,
    }
}

fn cut() -> Transition {
    Transition::default()
}

fn playlist(id: &str, name: &str, items: Vec<Item>) -> Playlist {
    Playlist {
        id: id.into(),
        name: name.into(),
        items,
    }
}

fn waste_item(prompt: WastePrompt) -> Content {
    Content::Waste {
        prompt,
        commune: None,
    }
}

fn playlists(art: &Art) -> Result<Vec<Playlist>, DemoError> {
    use Easing::{EaseInOut, EaseOut, Linear};
    use TransitionKind::{Fade, SlideLeft, SlideRight, SlideUp, Wipe};

    // The screen's commune is always included; these are the villages around Fruges whose
    // events interest people passing through its town hall.
    let neighbours = insees(&[
        "Coupelle-Neuve",
        "Coupelle-Vieille",
        "Créquy",
        "Radinghem",
        "Ruisseauville",
        "Verchocq",
    ])?;
    let agenda_week = |max| Content::Events {
        days: 7,
        max,
        communes: neighbours.clone(),
        all_communes: false,
    };
    let opening_hours = "La mairie vous accueille du lundi au vendredi de 8 h 30 à 12 h \
                         et de 13 h 30 à 17 h 30, le samedi de 9 h à 12 h.";
    let opening_hours_en = "The town hall is open Monday to Friday, 8.30 am to 12 noon and \
                            1.30 to 5.30 pm, and on Saturday from 9 am to 12 noon.";

    Ok(vec![
        playlist(
            "journee",
            "Journée",
            vec![
                item(
                    "bienvenue",
                    10,
                    tr(Fade, 800, EaseInOut),
                    Content::Text {
                        title: fr_en("Bienvenue à Fruges !", "Welcome to Fruges!"),
                        body: fr_en(opening_hours, opening_hours_en),
                        image: None,
                    },
                ),
                item(
                    "agenda-semaine",
                    15,
                    tr(SlideLeft, 600, EaseOut),
                    agenda_week(5),
                ),
                item(
                    "actualites",
                    12,
                    tr(SlideUp, 500, EaseInOut),
                    Content::News { max: 3 },
                ),
                item(
                    picture_items::MARKET_SQUARE,
                    10,
                    tr(Fade, 1000, EaseInOut),
                    Content::Image {
                        asset: art.market.clone(),
                        fit: Fit::Cover,
                        background: None,
                        caption: Text::default(),
                    },
                ),
                item(
                    "collectes",
                    10,
                    tr(Wipe, 700, Linear),
                    waste_item(WastePrompt::NextCollections),
                ),
                item(
                    "astuce-tri",
                    10,
                    tr(Fade, 600, EaseInOut),
                    waste_item(WastePrompt::Advice),
                ),
                item(
                    "site-mairie",
                    10,
                    tr(SlideRight, 600, EaseOut),
                    Content::Qr {
                        url: "https://www.fruges.fr/".into(),
                        caption: fr_en(
                            "Toute l'actualité de Fruges sur votre téléphone",
                            "All the news of Fruges on your phone",
                        ),
                    },
                ),
            ],
        ),
        playlist(
            "bonjour",
            "Bonjour",
            vec![
                item(
                    "bonjour",
                    10,
                    tr(Fade, 1000, EaseInOut),
                    Content::Text {
                        title: fr_en("Bonjour et bonne journée !", "Good morning!"),
                        body: fr_en(
                            "Voici ce qui se passe aujourd'hui dans le Haut Pays.",
                            "Here is what is happening today in the Haut Pays.",
                        ),
                        image: None,
                    },
                ),
                item(
                    "date-du-jour",
                    8,
                    cut(),
                    Content::Clock {
                        format: ClockFormat::DateTime,
                    },
                ),
                item(
                    "actualites",
                    12,
                    tr(SlideLeft, 600, EaseOut),
                    Content::News { max: 3 },
                ),
                item("agenda", 15, tr(Wipe, 700, Linear), agenda_week(4)),
                item(
                    "collectes",
                    10,
                    tr(SlideUp, 500, EaseInOut),
                    waste_item(WastePrompt::NextCollections),
                ),
            ],
        ),
        playlist(
            "ce-soir",
            "Ce soir",
            vec![
                // First, so that it is on screen when people pass by on their way home.
                item(REMINDER_ITEM, 12, cut(), waste_item(WastePrompt::Reminder)),
                item(
                    picture_items::GOOD_EVENING,
                    10,
                    tr(Fade, 800, EaseInOut),
                    Content::Text {
                        title: fr_en("Bonsoir !", "Good evening!"),
                        body: fr_en(
                            "La mairie rouvre demain à 8 h 30. En cas d'urgence : composez le 112.",
                            "The town hall reopens tomorrow at 8.30 am. In an emergency, call 112.",
                        ),
                        image: Some(art.belfry.clone()),
                    },
                ),
                item(
                    "sorties",
                    15,
                    tr(SlideLeft, 600, EaseOut),
                    Content::Events {
                        days: 2,
                        max: 4,
                        communes: Vec::new(),
                        all_communes: true,
                    },
                ),
                item(
                    picture_items::POSTER,
                    10,
                    tr(Fade, 800, EaseInOut),
                    Content::Image {
                        asset: art.poster.clone(),
                        fit: Fit::Contain,
                        background: Some(Colour::rgb(0x0b, 0x1f, 0x3a)),
                        caption: fr_en(
                            "Marché de Noël de Fruges : chalets, vin chaud et producteurs \
                             sur la place du Marché, les week-ends de décembre",
                            "Fruges Christmas market: chalets, mulled wine and local \
                             producers on the Place du Marché, every weekend in December",
                        ),
                    },
                ),
                item(
                    "collectes",
                    10,
                    tr(Wipe, 700, Linear),
                    waste_item(WastePrompt::NextCollections),
                ),
                item(
                    "astuce-tri",
                    10,
                    tr(Fade, 600, EaseInOut),
                    waste_item(WastePrompt::Advice),
                ),
            ],
        ),
        playlist(
            "marche",
            "Marché du samedi",
            vec![
                item(
                    "jour-de-marche",
                    10,
                    tr(Fade, 800, EaseInOut),
                    Content::Text {
                        title: fr_en("C'est jour de marché !", "It's market day!"),
                        body: fr_en(
                            "Les producteurs du Haut Pays sont sur la place jusqu'à 12 h 30 : \
                             fromages, fruits, légumes, volailles et cidre fermier.",
                            "Local farmers are on the square until 12.30 pm: cheese, fruit, \
                             vegetables, poultry and farm cider.",
                        ),
                        image: None,
                    },
                ),
                item(
                    "drive-fermier",
                    10,
                    tr(SlideRight, 600, EaseOut),
                    Content::Qr {
                        url: "https://drive.haut-pays.example/".into(),
                        caption: fr_en(
                            "Commandez en ligne, retirez votre panier au drive fermier de Hucqueliers",
                            "Order online, collect your basket at the Hucqueliers farm drive",
                        ),
                    },
                ),
                item(
                    "ce-week-end",
                    15,
                    tr(Wipe, 700, Linear),
                    Content::Events {
                        days: 2,
                        max: 5,
                        communes: Vec::new(),
                        all_communes: true,
                    },
                ),
                item(
                    "astuce-tri",
                    10,
                    tr(SlideUp, 500, EaseInOut),
                    waste_item(WastePrompt::Advice),
                ),
            ],
        ),
        playlist(
            "agenda",
            "Agenda du Haut Pays",
            vec![
                item(
                    "agenda",
                    20,
                    tr(Fade, 600, EaseInOut),
                    Content::Events {
                        days: 14,
                        max: 6,
                        communes: Vec::new(),
                        all_communes: true,
                    },
                ),
                item(
                    "collectes",
                    10,
                    tr(SlideUp, 500, EaseOut),
                    waste_item(WastePrompt::NextCollections),
                ),
                item(
                    "agenda-en-ligne",
                    10,
                    tr(Fade, 600, EaseInOut),
                    Content::Qr {
                        url: "https://www.cchpm.fr/agenda".into(),
                        caption: fr_en(
                            "L'agenda complet des 49 villages",
                            "What's on in all 49 villages",
                        ),
                    },
                ),
            ],
        ),
        playlist(
            "bandeau",
            "Bandeau",
            vec![
                item(
                    "titres",
                    60,
                    cut(),
                    Content::Ticker {
                        source: TickerSource::News,
                        speed_px_s: 120,
                    },
                ),
                item(
                    "infos-pratiques",
                    45,
                    tr(Fade, 400, Linear),
                    Content::Ticker {
                        source: TickerSource::Text {
                            text: fr_en(
                                "Mairie de Fruges : du lundi au vendredi 8 h 30 – 12 h et \
                                 13 h 30 – 17 h 30, le samedi 9 h – 12 h • Urgences : 112 • \
                                 Pharmacie de garde : 3237",
                                "Fruges town hall: Monday to Friday 8.30 am – 12 noon and \
                                 1.30 – 5.30 pm, Saturday 9 am – 12 noon • Emergencies: 112 • \
                                 Duty pharmacy: 3237",
                            ),
                        },
                        speed_px_s: 100,
                    },
                ),
            ],
        ),
        playlist(
            "bandeau-nuit",
            "Bandeau de nuit",
            vec![item(
                "bonne-nuit",
                60,
                cut(),
                Content::Ticker {
                    source: TickerSource::Text {
                        text: fr_en(
                            "Bonne nuit ! La mairie rouvre à 8 h 30 • Urgences : 112 • \
                             Pharmacie de garde : 3237",
                            "Good night! The town hall reopens at 8.30 am • Emergencies: 112 • \
                             Duty pharmacy: 3237",
                        ),
                    },
                    speed_px_s: 80,
                },
            )],
        ),
        playlist(
            "horloge",
            "Horloge",
            vec![item(
                "heure",
                60,
                cut(),
                Content::Clock {
                    format: ClockFormat::Time,
                },
            )],
        ),
    ])
}

fn schedule() -> Vec<ScheduleEntry> {
    let entry =
        |id: &str, name: &str, zone: &str, playlist: &str, priority, window| ScheduleEntry {
            id: id.into(),
            name: name.into(),
            zone: zone.into(),
            playlist: playlist.into(),
            priority,
            window,
        };
    vec![
        // Above the morning entry it overlaps: on Saturdays the market takes the main zone.
        entry(
            entries::MARKET,
            "Marché du samedi matin",
            "main",
            "marche",
            20,
            Window {
                weekdays: vec![Weekday::Sat],
                ..Window::daily(hm!(8:00), hm!(12:30))
            },
        ),
        entry(
            entries::MORNING,
            "Bonjour",
            "main",
            "bonjour",
            10,
            Window::daily(hm!(7:00), hm!(12:00)),
        ),
        entry(
            entries::EVENING,
            "Ce soir",
            "main",
            "ce-soir",
            10,
            Window::daily(hm!(18:00), hm!(22:00)),
        ),
        // Crosses midnight. The display is off from 22:30, but a panel without power control
        // (no HDMI-CEC) then shows a quiet line instead of the day's news.
        entry(
            entries::NIGHT_TICKER,
            "Bandeau de nuit",
            "ticker",
            "bandeau-nuit",
            10,
            Window::daily(hm!(22:00), hm!(7:00)),
        ),
    ]
}

// ---------------------------------------------------------------------------------------------
// Events.

/// An officer-entered event that takes place as announced.
fn event(
    id: String,
    title: Text,
    description: Text,
    (start, end): (ZonedDateTime, ZonedDateTime),
    location: Location,
    category: EventCategory,
) -> Event {
    Event {
        source: EventSource {
            kind: SourceKind::Officer,
            source_id: id.clone(),
            url: None,
        },
        id,
        title,
        description,
        start,
        end,
        all_day: false,
        location,
        category,
        image: None,
        status: EventStatus::Scheduled,
        url: None,
    }
}

fn place(name: &str, street: &str, c: &Commune) -> Location {
    Location {
        name: name.into(),
        address: address(street, c),
        commune: Some(c.insee.clone()),
    }
}

fn events(cal: &Cal) -> Result<EventsData, DemoError> {
    use CivilWeekday::{Friday, Saturday, Sunday, Wednesday};
    let fruges = commune("Fruges")?;
    let hucqueliers = commune("Hucqueliers")?;
    let bourthes = commune("Bourthes")?;
    let verchocq = commune("Verchocq")?;
    let ruisseauville = commune("Ruisseauville")?;
    let preures = commune("Preures")?;
    let crequy = commune("Créquy")?;
    let zoteux = commune("Zoteux")?;

    let sat = cal.next(cal.today, Saturday)?;
    let sun = cal.next(cal.today, Sunday)?;
    let fri = cal.next(cal.day(1)?, Friday)?;
    let wed = cal.next(cal.day(1)?, Wednesday)?;
    let span = |date: Date, from: Time, to_date: Date, to: Time| -> Result<_, DemoError> {
        Ok((cal.zoned(date, from)?, cal.zoned(to_date, to)?))
    };
    let same_day = |date: Date, from: Time, to: Time| span(date, from, date, to);

    let market = |date: Date| -> Result<Event, DemoError> {
        Ok(event(
            format!("marche-fruges-{date}"),
            fr_en("Marché hebdomadaire de Fruges", "Fruges weekly market"),
            fr_en(
                "Producteurs locaux, fromages, fruits et légumes de saison : le rendez-vous \
                 du samedi matin.",
                "Local farmers, cheese, seasonal fruit and vegetables: the Saturday morning \
                 meeting place.",
            ),
            same_day(date, clock!(8:00), clock!(12:30))?,
            place("Place du Marché", "Place du Marché", fruges),
            EventCategory::Market,
        ))
    };

    let expo_start = cal.day(2)?;
    let expo_end = cal.day(9)?;
    let fete = add_days(sun, 7)?;
    let events = vec![
        market(sat)?,
        market(add_days(sat, 7)?)?,
        Event {
            url: Some("https://www.fruges.fr/agenda".into()),
            ..event(
                format!("concert-eglise-fruges-{sun}"),
                fr_en(
                    "Concert de la chorale « Les Voix du Haut Pays »",
                    "Choir concert: \u{201c}Les Voix du Haut Pays\u{201d}",
                ),
                fr_en(
                    "Chants sacrés et airs traditionnels du Boulonnais. Entrée libre, \
                     participation au chapeau.",
                    "Sacred songs and traditional tunes of the Boulonnais. Free entry, \
                     donations welcome.",
                ),
                same_day(sun, clock!(16:00), clock!(17:30))?,
                place("Église Saint-Bertulphe", "Rue de l'Église", fruges),
                EventCategory::Concert,
            )
        },
        event(
            format!("randonnee-bourthes-{}", add_days(sun, 7)?),
            fr_en(
                "Randonnée aux sources de la Course",
                "Walk to the springs of the Course",
            ),
            fr_en(
                "Boucle de 11 km à travers bois et pâtures, départ devant la mairie. \
                 Chaussures de marche conseillées !",
                "An 11 km loop through woods and meadows, starting at the town hall. \
                 Walking shoes recommended!",
            ),
            same_day(add_days(sun, 7)?, clock!(9:00), clock!(12:00))?,
            place("Mairie de Bourthes", "Place de la Mairie", bourthes),
            EventCategory::Nature,
        ),
        event(
            format!("loto-hucqueliers-{sat}"),
            fr_en("Super loto du comité des fêtes", "Bingo night"),
            fr_en(
                "Ouverture des portes à 18 h 30. Bons d'achat, paniers garnis et un vélo \
                 électrique à gagner ! Buvette et petite restauration.",
                "Doors open at 6.30 pm. Vouchers, hampers and an electric bike to win! \
                 Bar and snacks.",
            ),
            same_day(sat, clock!(19:30), clock!(23:30))?,
            place("Salle des fêtes", "Rue Principale", hucqueliers),
            EventCategory::Other,
        ),
        event(
            format!("exposition-verchocq-{expo_start}"),
            fr_en(
                "Exposition « Le Haut Pays d'hier à aujourd'hui »",
                "Exhibition: the Haut Pays then and now",
            ),
            fr_en(
                "Cartes postales anciennes et photographies d'habitants : nos villages \
                 il y a cent ans et aujourd'hui.",
                "Old postcards and residents' photographs: our villages a hundred years ago \
                 and today.",
            ),
            span(expo_start, clock!(14:00), expo_end, clock!(18:00))?,
            place("Salle polyvalente", "Rue du Château", verchocq),
            EventCategory::Exhibition,
        ),
        Event {
            status: EventStatus::Cancelled,
            ..event(
                format!("conference-ruisseauville-{}", cal.day(4)?),
                fr_en(
                    "Conférence : 1415, la bataille d'Azincourt vue du village",
                    "Talk: 1415, the battle of Agincourt seen from the village",
                ),
                fr_en(
                    "Annulée en raison de l'indisponibilité de l'intervenant ; elle sera \
                     reprogrammée au printemps.",
                    "Cancelled as the speaker is unavailable; it will be rescheduled in \
                     spring.",
                ),
                same_day(cal.day(4)?, clock!(20:00), clock!(22:00))?,
                place("Salle communale", "Place de l'Église", ruisseauville),
                EventCategory::Conference,
            )
        },
        Event {
            status: EventStatus::Postponed,
            ..event(
                format!("atelier-compost-preures-{}", cal.day(6)?),
                fr_en(
                    "Atelier compostage et paillage",
                    "Composting and mulching workshop",
                ),
                fr_en(
                    "Reporté à une date ultérieure. Renseignements auprès de la \
                     Communauté de communes.",
                    "Postponed to a later date. Ask the Communauté de communes for details.",
                ),
                same_day(cal.day(6)?, clock!(14:30), clock!(16:30))?,
                place("Jardin partagé", "Rue de la Gare", preures),
                EventCategory::Workshop,
            )
        },
        Event {
            all_day: true,
            ..event(
                format!("fete-crequy-{fete}"),
                fr_en("Fête communale de Créquy", "Créquy village fête"),
                fr_en(
                    "Brocante dès 7 h, manèges, jeux picards et bal en soirée.",
                    "Flea market from 7 am, fairground rides, traditional Picard games and a \
                     dance in the evening.",
                ),
                span(fete, Time::midnight(), add_days(fete, 1)?, Time::midnight())?,
                place("Centre du village", "Rue de la Créquoise", crequy),
                EventCategory::Festival,
            )
        },
        Event {
            status: EventStatus::Full,
            ..event(
                format!("theatre-zoteux-{fri}"),
                fr_en(
                    "Soirée théâtre : les Tréteaux du Haut Pays",
                    "Theatre night: les Tréteaux du Haut Pays",
                ),
                fr_en(
                    "Une comédie en patois picard, surtitrée en français. Complet : \
                     prochaine représentation au printemps.",
                    "A comedy in Picard dialect with French surtitles. Sold out: next \
                     performance in spring.",
                ),
                same_day(fri, clock!(20:30), clock!(22:30))?,
                place("Salle des fêtes", "Rue de l'École", zoteux),
                EventCategory::Theatre,
            )
        },
        event(
            format!("heure-du-conte-fruges-{wed}"),
            fr_en("L'heure du conte", "Storytime"),
            fr_en(
                "Histoires et comptines pour les 3–7 ans. Gratuit, sans inscription.",
                "Stories and nursery rhymes for children aged 3 to 7. Free, no booking.",
            ),
            same_day(wed, clock!(10:30), clock!(11:30))?,
            place("Médiathèque", "Rue du Moulin", fruges),
            EventCategory::Family,
        ),
        event(
            format!("cinema-hucqueliers-{}", cal.day(10)?),
            fr_en(
                "Cinéma itinérant : séance familiale",
                "Travelling cinema: family screening",
            ),
            fr_en(
                "Le cinéma itinérant s'installe à la salle des fêtes. Tarif unique : 5 €.",
                "The travelling cinema comes to the village hall. Single price: €5.",
            ),
            same_day(cal.day(10)?, clock!(18:00), clock!(20:00))?,
            place("Salle des fêtes", "Rue Principale", hucqueliers),
            EventCategory::Cinema,
        ),
    ];
    Ok(EventsData { events })
}

// ---------------------------------------------------------------------------------------------
// Waste.

/// How many days of collections the demo bundle lists, from the Monday of `at`'s week.
const WASTE_DAYS: i64 = 42;

/// The demo's calendars (`demo/waste.rs`) expanded over six weeks from the Monday of the
/// week, with the demo's sorting tips.
fn waste(cal: &Cal) -> Result<WasteData, DemoError> {
    let monday = cal.next(cal.day(-6)?, CivilWeekday::Monday)?;
    let until = add_days(monday, WASTE_DAYS - 1)?;
    let communes = waste::calendars()?
        .iter()
        .map(|c| c.to_data(monday, until))
        .collect();
    Ok(WasteData {
        communes,
        advice: waste::advice(),
    })
}

// ---------------------------------------------------------------------------------------------
// News.

fn news(cal: &Cal) -> Result<NewsData, DemoError> {
    let officer = |name: &str| NewsSource {
        kind: NewsSourceKind::Officer,
        name: name.into(),
        url: None,
    };
    let item = |id: String, title: Text, text: Text| NewsItem {
        id,
        title,
        text,
        image: None,
        valid_from: None,
        valid_until: None,
        communes: Vec::new(),
        source: officer(CC_NAME),
        published_at: None,
        link: None,
    };
    let midnight =
        |days| -> Result<Timestamp, DemoError> { cal.instant(cal.day(days)?, Time::midnight()) };
    let fruges = insees(&["Fruges"])?;

    let works_from = cal.day(-2)?;
    let works_until = cal.day(11)?;
    let council = cal.next(cal.day(1)?, CivilWeekday::Thursday)?;
    // A weekday some ten days ago: the notice has expired, which screens must honour.
    let closed_day = cal.next(cal.day(-13)?, CivilWeekday::Monday)?;

    let items = vec![
        NewsItem {
            valid_from: Some(midnight(-6)?),
            valid_until: Some(midnight(24)?),
            published_at: Some(cal.instant(cal.day(-6)?, clock!(9:00))?),
            link: Some("https://www.cchpm.fr/enfance".into()),
            ..item(
                "relais-petite-enfance".into(),
                fr_en(
                    "Relais Petite Enfance : le bus passe dans vos villages",
                    "The childcare bus tours the villages",
                ),
                fr_en(
                    "Parents et assistantes maternelles : le Relais Petite Enfance itinérant \
                     vous accueille chaque semaine dans une commune différente. Programme \
                     en mairie.",
                    "Parents and childminders: the travelling childcare centre stops in a \
                     different village every week. Timetable at your town hall.",
                ),
            )
        },
        NewsItem {
            valid_from: Some(cal.instant(works_from, clock!(7:00))?),
            valid_until: Some(cal.instant(add_days(works_until, 1)?, Time::midnight())?),
            communes: insees(&["Fruges", "Coupelle-Vieille"])?,
            source: officer("Mairie de Fruges"),
            published_at: Some(cal.instant(cal.day(-3)?, clock!(11:00))?),
            ..item(
                format!("travaux-rue-du-moulin-{works_from}"),
                fr_en(
                    "Travaux rue du Moulin : circulation alternée",
                    "Roadworks on rue du Moulin: single-lane traffic",
                ),
                fr_en(
                    &format!(
                        "Remplacement de la conduite d'eau potable du {} au {}. Merci de \
                         votre patience !",
                        fr_date(works_from),
                        fr_date(works_until)
                    ),
                    &format!(
                        "The water main is being replaced from {} to {}. Thank you for your \
                         patience!",
                        en_date(works_from),
                        en_date(works_until)
                    ),
                ),
            )
        },
        NewsItem {
            valid_from: Some(midnight(-1)?),
            valid_until: Some(cal.instant(council, clock!(22:00))?),
            communes: fruges.clone(),
            source: officer("Mairie de Fruges"),
            published_at: Some(cal.instant(cal.day(-1)?, clock!(10:00))?),
            ..item(
                format!("conseil-municipal-{council}"),
                fr_en(
                    &format!("Conseil municipal {} à 20 h", fr_date(council)),
                    &format!("Town council meeting on {} at 8 pm", en_date(council)),
                ),
                fr_en(
                    "Séance publique en salle du conseil. L'ordre du jour est affiché en mairie.",
                    "Public meeting in the council chamber. The agenda is posted at the town \
                     hall.",
                ),
            )
        },
        NewsItem {
            communes: insees(&["Hucqueliers", "Bourthes", "Preures", "Zoteux", "Herly"])?,
            published_at: Some(cal.instant(cal.day(-10)?, clock!(10:00))?),
            link: Some("https://www.cchpm.fr/france-services".into()),
            ..item(
                "france-services-hucqueliers".into(),
                fr_en(
                    "France services : une permanence chaque jeudi à Hucqueliers",
                    "France services: help desk every Thursday in Hucqueliers",
                ),
                fr_en(
                    "Impôts, retraite, carte grise, CAF : un conseiller vous aide dans vos \
                     démarches de 9 h à 12 h, sans rendez-vous.",
                    "Taxes, pensions, vehicle registration, family benefits: an adviser helps \
                     with your paperwork from 9 am to 12 noon, no appointment needed.",
                ),
            )
        },
        NewsItem {
            valid_from: Some(cal.instant(cal.day(4)?, clock!(8:00))?),
            valid_until: Some(midnight(30)?),
            published_at: Some(cal.instant(cal.day(4)?, clock!(8:00))?),
            link: Some("https://www.cchpm.fr/transport-scolaire".into()),
            ..item(
                format!("transport-scolaire-{}", cal.day(4)?),
                fr_en(
                    "Transport scolaire : les inscriptions sont ouvertes",
                    "School buses: registration is open",
                ),
                fr_en(
                    "Inscrivez vos enfants en ligne ou à l'accueil de la Communauté de \
                     communes, à Fruges ou à Hucqueliers.",
                    "Register your children online or at the Communauté de communes offices \
                     in Fruges or Hucqueliers.",
                ),
            )
        },
        NewsItem {
            valid_from: Some(cal.instant(add_days(closed_day, -4)?, Time::midnight())?),
            valid_until: Some(cal.instant(add_days(closed_day, 1)?, Time::midnight())?),
            communes: fruges,
            source: officer("Mairie de Fruges"),
            published_at: Some(cal.instant(add_days(closed_day, -4)?, clock!(9:00))?),
            ..item(
                format!("fermeture-mairie-{closed_day}"),
                fr_en(
                    &format!("Mairie fermée {}", fr_date(closed_day)),
                    &format!("Town hall closed on {}", en_date(closed_day)),
                ),
                fr_en(
                    "Le secrétariat sera fermé pour la formation du personnel.",
                    "The office will be closed for staff training.",
                ),
            )
        },
    ];
    Ok(NewsData { items })
}

// ---------------------------------------------------------------------------------------------
// Catalogue.

fn catalogue(cal: &Cal) -> Result<Catalogue, DemoError> {
    use Weekday::{Fri, Sat, Tue, Wed};
    let category = |id: &str, name: Text| Category {
        id: id.into(),
        name,
        icon: None,
        parent: None,
    };
    let geo = |lat_e6, lon_e6| Some(GeoPoint { lat_e6, lon_e6 });
    let slot = |weekdays: &[Weekday], start, end| Slot {
        weekdays: weekdays.to_vec(),
        start,
        end,
    };
    let producer = |id: &str, name: &str, c: &Commune, street: &str| Producer {
        id: id.into(),
        name: name.into(),
        description: Text::default(),
        commune: Some(c.insee.clone()),
        address: address(street, c),
        geo: None,
        phone: None,
        website: None,
        email: None,
        labels: Vec::new(),
        photos: Vec::new(),
        opening_hours: None,
    };
    let product =
        |id: &str, name: Text, category: &str, producer: &str, months: &[u8], cents, unit| {
            Product {
                id: id.into(),
                name,
                description: Text::default(),
                category: category.into(),
                producer: producer.into(),
                months: months.to_vec(),
                price: Some(Price { cents, unit }),
                photo: None,
            }
        };
    const AUTUMN_WINTER: &[u8] = &[1, 2, 3, 9, 10, 11, 12];

    let preures = commune("Preures")?;
    let beussent = commune("Beussent")?;
    let bourthes = commune("Bourthes")?;
    let crequy = commune("Créquy")?;
    let fruges = commune("Fruges")?;
    let hucqueliers = commune("Hucqueliers")?;

    let shop_hours = OpeningHours {
        slots: vec![
            slot(&[Wed, Fri], hm!(14:00), hm!(18:30)),
            slot(&[Sat], hm!(9:00), hm!(12:00)),
        ],
        exceptions: vec![christmas_closure(cal)?],
    };
    let producers = vec![
        Producer {
            description: fr_en(
                "Élevage laitier familial : tomme, fromage blanc et beurre fabriqués à la \
                 ferme avec le lait de nos vaches.",
                "Family dairy farm: tomme, fromage blanc and butter made on the farm from our \
                 own cows' milk.",
            ),
            geo: geo(50_570_000, 1_878_000),
            website: Some("https://trois-tilleuls.example/".into()),
            email: Some("contact@trois-tilleuls.example".into()),
            labels: vec![Label::BienvenueALaFerme],
            opening_hours: Some(shop_hours.clone()),
            ..producer(
                "ferme-des-trois-tilleuls",
                "Ferme des Trois Tilleuls",
                preures,
                "Rue de la Ferme",
            )
        },
        Producer {
            description: fr_en(
                "Pommes et poires de variétés anciennes, jus et cidre fermier pressés \
                 sur place.",
                "Heritage apples and pears, juice and farm cider pressed on site.",
            ),
            geo: geo(50_544_000, 1_795_000),
            website: Some("https://vergers-haut-pays.example/".into()),
            labels: vec![Label::AgricultureBiologique],
            ..producer(
                "vergers-du-haut-pays",
                "Vergers du Haut Pays",
                beussent,
                "Chemin des Vergers",
            )
        },
        Producer {
            description: fr_en(
                "Maraîchage de plein champ : légumes de saison, pommes de terre et fraises.",
                "Market garden: seasonal vegetables, potatoes and strawberries.",
            ),
            geo: geo(50_608_000, 1_933_000),
            labels: vec![Label::HauteValeurEnvironnementale],
            ..producer(
                "jardins-de-bourthes",
                "Les Jardins de Bourthes",
                bourthes,
                "Route de Preures",
            )
        },
        Producer {
            description: fr_en(
                "Volailles élevées en plein air dans la vallée de la Créquoise, œufs frais \
                 tous les jours.",
                "Free-range poultry raised in the Créquoise valley, fresh eggs every day.",
            ),
            geo: geo(50_492_000, 2_044_000),
            email: Some("ferme@val-de-crequoise.example".into()),
            labels: vec![Label::LabelRouge],
            ..producer(
                "ferme-du-val-de-crequoise",
                "Ferme du Val de Créquoise",
                crequy,
                "Rue du Moulin",
            )
        },
    ];
    let categories = vec![
        category("produits-laitiers", fr_en("Produits laitiers", "Dairy")),
        category(
            "fruits-legumes",
            fr_en("Fruits et légumes", "Fruit and vegetables"),
        ),
        category("viandes-oeufs", fr_en("Viandes et œufs", "Meat and eggs")),
        category("boissons", fr_en("Boissons", "Drinks")),
    ];
    let products = vec![
        Product {
            description: fr_en(
                "Tomme au lait cru affinée trois mois en cave.",
                "Raw-milk tomme matured for three months in the cellar.",
            ),
            ..product(
                "tomme-du-haut-pays",
                fr_en("Tomme du Haut Pays", "Haut Pays tomme"),
                "produits-laitiers",
                "ferme-des-trois-tilleuls",
                &[],
                1890,
                Unit::Kilogram,
            )
        },
        product(
            "fromage-blanc",
            fr_en(
                "Fromage blanc fermier (500 g)",
                "Farm fromage blanc (500 g)",
            ),
            "produits-laitiers",
            "ferme-des-trois-tilleuls",
            &[],
            450,
            Unit::Jar,
        ),
        product(
            "pommes",
            fr_en("Pommes de variétés anciennes", "Heritage apples"),
            "fruits-legumes",
            "vergers-du-haut-pays",
            AUTUMN_WINTER,
            260,
            Unit::Kilogram,
        ),
        product(
            "jus-de-pomme",
            fr_en("Jus de pomme (1 l)", "Apple juice (1 l)"),
            "boissons",
            "vergers-du-haut-pays",
            &[],
            380,
            Unit::Bottle,
        ),
        product(
            "cidre-fermier",
            fr_en("Cidre fermier brut (75 cl)", "Dry farm cider (75 cl)"),
            "boissons",
            "vergers-du-haut-pays",
            &[],
            550,
            Unit::Bottle,
        ),
        product(
            "poireaux",
            fr_en("Poireaux", "Leeks"),
            "fruits-legumes",
            "jardins-de-bourthes",
            AUTUMN_WINTER,
            250,
            Unit::Bunch,
        ),
        product(
            "fraises",
            fr_en(
                "Fraises (barquette de 500 g)",
                "Strawberries (500 g punnet)",
            ),
            "fruits-legumes",
            "jardins-de-bourthes",
            &[5, 6, 7, 8, 9],
            450,
            Unit::Box,
        ),
        product(
            "poulet-fermier",
            fr_en("Poulet fermier", "Free-range chicken"),
            "viandes-oeufs",
            "ferme-du-val-de-crequoise",
            &[],
            1290,
            Unit::Kilogram,
        ),
        product(
            "oeufs-plein-air",
            fr_en("Œufs de plein air", "Free-range eggs"),
            "viandes-oeufs",
            "ferme-du-val-de-crequoise",
            &[],
            420,
            Unit::Dozen,
        ),
    ];
    let all_producers: Vec<String> = producers.iter().map(|p| p.id.clone()).collect();
    let points_of_sale = vec![
        PointOfSale {
            id: "marche-de-fruges".into(),
            name: fr_en("Marché de Fruges", "Fruges market"),
            kind: SaleKind::Market,
            commune: Some(fruges.insee.clone()),
            address: address("Place du Marché", fruges),
            geo: geo(50_515_000, 2_133_000),
            producers: vec![
                "ferme-des-trois-tilleuls".into(),
                "vergers-du-haut-pays".into(),
                "jardins-de-bourthes".into(),
            ],
            opening_hours: OpeningHours {
                slots: vec![slot(&[Sat], hm!(8:00), hm!(12:30))],
                exceptions: Vec::new(),
            },
            pickup_sessions: Vec::new(),
            website: None,
        },
        PointOfSale {
            id: "drive-fermier-hucqueliers".into(),
            name: fr_en("Drive fermier du Haut Pays", "Haut Pays farm drive"),
            kind: SaleKind::DriveFermier,
            commune: Some(hucqueliers.insee.clone()),
            address: address("Parking de la salle des fêtes, rue Principale", hucqueliers),
            geo: geo(50_567_000, 1_907_000),
            producers: all_producers,
            opening_hours: OpeningHours::default(),
            pickup_sessions: vec![
                PickupSession {
                    weekday: Tue,
                    start: hm!(17:30),
                    end: hm!(19:00),
                    order_before: Some(OrderDeadline {
                        days_before: 1,
                        time: hm!(12:00),
                    }),
                    note: Text::default(),
                },
                PickupSession {
                    weekday: Fri,
                    start: hm!(17:00),
                    end: hm!(19:00),
                    order_before: Some(OrderDeadline {
                        days_before: 2,
                        time: hm!(20:00),
                    }),
                    note: fr_en(
                        "Paniers à retirer sous le préau ; pensez à vos sacs !",
                        "Collect your basket under the covered yard; bring your own bags!",
                    ),
                },
            ],
            website: Some("https://drive.haut-pays.example/".into()),
        },
        PointOfSale {
            id: "boutique-trois-tilleuls".into(),
            name: fr_en(
                "Boutique de la Ferme des Trois Tilleuls",
                "Trois Tilleuls farm shop",
            ),
            kind: SaleKind::FarmShop,
            commune: Some(preures.insee.clone()),
            address: address("Rue de la Ferme", preures),
            geo: geo(50_570_000, 1_878_000),
            producers: vec!["ferme-des-trois-tilleuls".into()],
            opening_hours: shop_hours,
            pickup_sessions: Vec::new(),
            website: Some("https://trois-tilleuls.example/".into()),
        },
    ];
    Ok(Catalogue {
        categories,
        producers,
        products,
        points_of_sale,
    })
}

/// The farm shop's closure over the next Christmas (24–26 December) on or after `today`.
fn christmas_closure(cal: &Cal) -> Result<Exception, DemoError> {
    let date = |year| {
        Date::new(year, 12, 26).map_err(|error| DemoError::Time {
            what: "Christmas",
            error,
        })
    };
    let mut until = date(cal.today.year())?;
    if until < cal.today {
        // Past jiff's last year this fails with jiff's range error, as it should.
        until = date(cal.today.year().saturating_add(1))?;
    }
    Ok(Exception {
        from: add_days(until, -2)?,
        until,
        closed: true,
        slots: Vec::new(),
        note: fr_en("Fermé pour les fêtes de Noël", "Closed for Christmas"),
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use beffroi_protocol::data::events::EventsData;
    use beffroi_protocol::data::waste::Stream;
    use beffroi_protocol::eval::{Evaluator, Program, Source};
    use beffroi_protocol::ids::Sha256;
    use serde_json::Value;

    use super::*;

    /// A Tuesday in winter time.
    const AT: &str = "2026-12-01T09:00:00+01:00";

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn demo() -> DemoBundle {
        demo_content(ts(AT)).unwrap()
    }

    fn paris() -> TimeZone {
        Zone::paris().tz()
    }

    fn local_date(t: Timestamp) -> Date {
        t.to_zoned_datetime(paris()).date()
    }

    fn paris_at(date: Date, hour: i8, minute: i8) -> Timestamp {
        date.to_datetime(Time::new(hour, minute, 0, 0).unwrap())
            .to_zoned_datetime(paris())
            .unwrap()
            .timestamp()
    }

    fn plus(date: Date, days: i64) -> Date {
        add_days(date, days).unwrap()
    }

    fn zone<'p>(program: &'p Program, id: &str) -> &'p beffroi_protocol::eval::ZoneProgram {
        program.zones.iter().find(|z| z.zone == id).unwrap()
    }

    fn source(program: &Program, zone_id: &str) -> Source {
        zone(program, zone_id)
            .showing
            .as_ref()
            .unwrap()
            .source
            .clone()
    }

    /// Instants spread over two years, DST change days and year ends included.
    fn many_instants() -> Vec<Timestamp> {
        let mut out: Vec<Timestamp> = [
            "2026-03-28T12:00:00Z",
            "2026-03-29T01:30:00Z",
            "2026-10-25T00:30:00Z",
            "2026-12-24T18:00:00Z",
            "2026-12-31T23:30:00Z",
            "2027-02-28T10:00:00Z",
        ]
        .map(ts)
        .to_vec();
        let mut t = ts("2026-01-01T05:17:00Z");
        for _ in 0..60 {
            out.push(t);
            t = t
                .checked_add(SignedDuration::from_hours(24 * 12 + 7))
                .unwrap();
        }
        out
    }

    #[test]
    fn content_validates_and_the_blobs_are_the_data_sets() {
        let d = demo();
        d.manifest.check_sealed().unwrap();
        d.data.check().unwrap();
        assert_eq!(d.manifest.generated_at, ts(AT));
        assert_eq!(d.manifest.screen.commune.as_str(), "62364");
        assert_eq!(d.manifest.screen.name, "Mairie de Fruges — hall d'accueil");
        assert_eq!(d.manifest.screen.languages, [Lang::fr(), Lang::en()]);
        assert_eq!(d.manifest.screen.theme, Theme::default());
        assert_eq!(
            d.manifest.screen_layout(),
            Some(&Layout::from_toml(TOWN_HALL_LAYOUT).unwrap())
        );

        // The pictures: each asset is its blob, and says its type and size truthfully.
        assert_eq!(d.manifest.assets.len(), 3);
        assert_eq!(d.assets.len(), 3);
        for (a, blob) in d.manifest.assets.iter().zip(&d.assets) {
            assert_eq!(a.sha256, Sha256::of(blob));
            assert_eq!(a.size, blob.len() as u64);
            assert!(blob.len() < 250_000, "{} bytes", blob.len());
            let format = image::guess_format(blob).unwrap();
            assert_eq!(Some(a.mime.as_str()), format.to_mime_type().into());
            let img = image::load_from_memory(blob).unwrap();
            assert_eq!((a.width, a.height), (Some(img.width()), Some(img.height())));
        }
        let mimes: Vec<&str> = d.manifest.assets.iter().map(|a| a.mime.as_str()).collect();
        assert_eq!(mimes, ["image/jpeg", "image/jpeg", "image/png"]);

        // Each reference names one of the blobs, with its size, and the blob is the data set.
        assert_eq!(d.manifest.data.iter().count(), 4);
        assert_eq!(d.blobs.len(), 4);
        for (name, r) in d.manifest.data.iter() {
            let blob = d.blobs.iter().find(|b| Sha256::of(b) == r.sha256);
            assert_eq!(blob.map(|b| b.len() as u64), Some(r.size), "{name}");
        }
        let events: EventsData = serde_json::from_slice(&d.blobs[0]).unwrap();
        let waste: WasteData = serde_json::from_slice(&d.blobs[1]).unwrap();
        let news: NewsData = serde_json::from_slice(&d.blobs[2]).unwrap();
        let catalogue: Catalogue = serde_json::from_slice(&d.blobs[3]).unwrap();
        assert_eq!(Some(events), d.data.events);
        assert_eq!(Some(waste), d.data.waste);
        assert_eq!(Some(news), d.data.news);
        assert_eq!(Some(catalogue), d.data.catalogue);
    }

    #[test]
    fn content_validates_all_year_round_daylight_saving_days_included() {
        for at in many_instants() {
            let d = demo_content(at).unwrap_or_else(|e| panic!("{at}: {e}"));
            d.manifest.check_sealed().unwrap();
            d.data.check().unwrap();
            assert_eq!(d.manifest.generated_at, at);
        }
    }

    #[test]
    fn the_same_instant_gives_the_same_bytes() {
        let (a, b) = (demo(), demo());
        assert_eq!(
            a.manifest.to_canonical_json().unwrap(),
            b.manifest.to_canonical_json().unwrap()
        );
        assert_eq!(a.blobs, b.blobs);
        assert_eq!(a.assets, b.assets);
        assert_eq!(a.manifest.version.len(), 64);
        // ... and another instant gives another manifest.
        let later = demo_content(ts("2026-12-01T09:00:01+01:00")).unwrap();
        assert_ne!(later.manifest.version, a.manifest.version);
    }

    #[test]
    fn written_bundle_reads_back_identical() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("demo");
        let manifest = write_demo_bundle(&out, ts(AT)).unwrap();
        let read = bundle::read(&out).unwrap();
        assert_eq!(read.manifest, manifest);
        assert_eq!(read.data, demo().data);
        assert_eq!(
            std::fs::read_to_string(out.join(bundle::MANIFEST_FILE)).unwrap(),
            manifest.to_canonical_json().unwrap()
        );
        // Writing again over the same directory is harmless.
        assert_eq!(write_demo_bundle(&out, ts(AT)).unwrap(), manifest);
        bundle::read(&out).unwrap();
    }

    #[test]
    fn write_errors_name_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("not-a-dir");
        std::fs::write(&file, b"x").unwrap();
        let err = write_demo_bundle(&file, ts(AT)).unwrap_err();
        assert!(matches!(err, DemoError::Bundle(_)), "{err:?}");
        assert!(err.to_string().contains("not-a-dir"), "{err}");
    }

    #[test]
    fn the_schedule_plays_mornings_evenings_market_and_night() {
        for at in [
            ts(AT),
            ts("2027-07-10T12:00:00+02:00"),
            ts("2027-03-27T20:00:00+01:00"),
        ] {
            let d = demo_content(at).unwrap();
            let ev = Evaluator::new(&d.manifest, &d.data);
            let today = local_date(at);
            // A day that is not a Saturday, whose morning the market does not take.
            let day = (1..=2)
                .map(|n| plus(today, n))
                .find(|d| d.weekday() != CivilWeekday::Saturday)
                .unwrap();
            let morning = ev.program_at(paris_at(day, 9, 0));
            assert_eq!(
                source(&morning, "main"),
                Source::Schedule(entries::MORNING.into()),
                "{day}"
            );
            assert!(morning.display_on);
            let afternoon = ev.program_at(paris_at(day, 15, 0));
            assert_eq!(source(&afternoon, "main"), Source::Default);
            assert_eq!(
                zone(&afternoon, "main").showing.as_ref().unwrap().playlist,
                "journee"
            );
            let evening = ev.program_at(paris_at(day, 19, 0));
            assert_eq!(
                source(&evening, "main"),
                Source::Schedule(entries::EVENING.into())
            );
            assert_eq!(source(&evening, "ticker"), Source::Default);
            let night = ev.program_at(paris_at(day, 23, 30));
            assert_eq!(
                source(&night, "ticker"),
                Source::Schedule(entries::NIGHT_TICKER.into())
            );
            assert!(!night.display_on, "the display is off after 22:30");
            // The night entry crosses midnight: still there at 06:30 the next day.
            let dawn = ev.program_at(paris_at(plus(day, 1), 6, 30));
            assert_eq!(
                source(&dawn, "ticker"),
                Source::Schedule(entries::NIGHT_TICKER.into())
            );
            // The side and clock zones play their defaults all day.
            for p in [&morning, &evening] {
                assert_eq!(source(p, "side"), Source::Default);
                assert_eq!(source(p, "clock"), Source::Default);
            }
            // On Saturday morning the market wins over the morning entry, and only then.
            let saturday = (0..7)
                .map(|n| plus(today, n))
                .find(|d| d.weekday() == CivilWeekday::Saturday)
                .unwrap();
            for (h, m, expected) in [
                (7, 30, entries::MORNING),
                (9, 0, entries::MARKET),
                (12, 15, entries::MARKET),
            ] {
                assert_eq!(
                    source(&ev.program_at(paris_at(saturday, h, m)), "main"),
                    Source::Schedule(expected.into()),
                    "{saturday} {h}:{m}"
                );
            }
        }
    }

    #[test]
    fn the_reminder_shows_on_evenings_before_a_collection_only() {
        let d = demo();
        let ev = Evaluator::new(&d.manifest, &d.data);
        let waste = d.data.waste.as_ref().unwrap();
        let fruges = waste.commune(&d.manifest.screen.commune).unwrap();
        let today = local_date(ts(AT));
        let mut evenings = 0;
        for n in 0..14 {
            let date = plus(today, n);
            let collection_tomorrow = !fruges.collected_on(plus(date, 1)).is_empty();
            // The reminder leads the evening playlist: look at its first few cycles.
            let (start, end) = (paris_at(date, 18, 0), paris_at(date, 18, 10));
            let mut shown = false;
            let mut t = start;
            while t < end {
                let p = ev.program_at(t);
                let main = zone(&p, "main").showing.as_ref().unwrap();
                assert_eq!(main.source, Source::Schedule(entries::EVENING.into()));
                shown |= main.item == REMINDER_ITEM;
                t = ev.next_change_after(t).unwrap();
            }
            assert_eq!(shown, collection_tomorrow, "evening of {date}");
            evenings += usize::from(shown);
        }
        // Household waste every Tuesday, plus the other streams.
        assert!(evenings >= 2, "{evenings}");
    }

    #[test]
    fn every_item_kind_prompt_and_several_transitions_are_used() {
        let d = demo();
        let items: Vec<&Item> = d.manifest.playlists.iter().flat_map(|p| &p.items).collect();
        let kinds: BTreeSet<&str> = items.iter().map(|i| i.content.kind()).collect();
        // Every kind but video, which is reserved.
        let expected = [
            "clock", "events", "image", "news", "qr", "text", "ticker", "waste",
        ];
        assert_eq!(kinds, expected.into_iter().collect(), "{kinds:?}");
        let prompts: BTreeSet<String> = items
            .iter()
            .filter_map(|i| match &i.content {
                Content::Waste { prompt, .. } => Some(format!("{prompt:?}")),
                _ => None,
            })
            .collect();
        assert_eq!(prompts.len(), 3, "{prompts:?}");
        let tickers: BTreeSet<&str> = items
            .iter()
            .filter_map(|i| match &i.content {
                Content::Ticker {
                    source: TickerSource::News,
                    ..
                } => Some("news"),
                Content::Ticker {
                    source: TickerSource::Text { .. },
                    ..
                } => Some("text"),
                _ => None,
            })
            .collect();
        assert_eq!(tickers.len(), 2);
        let transitions: BTreeSet<String> = items
            .iter()
            .map(|i| format!("{:?}", i.transition.kind))
            .collect();
        assert!(transitions.len() >= 5, "{transitions:?}");
        let schedule: BTreeSet<&str> = d.manifest.schedule.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(
            schedule,
            [
                entries::MORNING,
                entries::EVENING,
                entries::MARKET,
                entries::NIGHT_TICKER
            ]
            .into_iter()
            .collect()
        );
        assert!(
            d.manifest
                .schedule
                .iter()
                .any(|e| e.window.crosses_midnight())
        );
    }

    #[test]
    fn the_pictures_show_covering_contained_and_behind_a_text() {
        let d = demo();
        let item = |playlist: &str, id: &str| {
            d.manifest
                .playlists
                .iter()
                .find(|p| p.id == playlist)
                .and_then(|p| p.items.iter().find(|i| i.id == id))
                .unwrap_or_else(|| panic!("{playlist}/{id}"))
                .content
                .clone()
        };
        let [belfry, market, poster] = [0, 1, 2].map(|i| d.manifest.assets[i].sha256.clone());
        let Content::Image {
            asset,
            fit,
            caption,
            ..
        } = item("journee", picture_items::MARKET_SQUARE)
        else {
            panic!("the market square is an image item")
        };
        assert_eq!((asset, fit, caption.is_empty()), (market, Fit::Cover, true));
        let Content::Image {
            asset,
            fit,
            caption,
            background,
        } = item("ce-soir", picture_items::POSTER)
        else {
            panic!("the poster is an image item")
        };
        assert_eq!((asset, fit), (poster, Fit::Contain));
        assert!(caption.get(&Lang::fr()).unwrap().contains("Marché de Noël"));
        assert!(
            caption
                .get(&Lang::en())
                .unwrap()
                .contains("Christmas market")
        );
        assert!(background.is_some());
        let Content::Text { image, .. } = item("ce-soir", picture_items::GOOD_EVENING) else {
            panic!("the evening greeting is a text slide")
        };
        assert_eq!(image, Some(belfry));
        // Each picture is used exactly once.
        let used: Vec<&Sha256> = d
            .manifest
            .playlists
            .iter()
            .flat_map(|p| &p.items)
            .flat_map(|i| i.content.assets())
            .collect();
        assert_eq!(used.len(), 3);
    }

    #[test]
    fn data_sets_are_rich_and_current() {
        let at = ts(AT);
        let d = demo();
        let today = local_date(at);
        let events = &d.data.events.as_ref().unwrap().events;
        assert!(events.len() >= 10);
        let statuses: BTreeSet<String> = events.iter().map(|e| format!("{:?}", e.status)).collect();
        assert!(statuses.contains("Cancelled") && statuses.contains("Postponed"));
        assert!(events.iter().any(|e| e.all_day));
        let places: BTreeSet<&Insee> = events
            .iter()
            .filter_map(|e| e.location.commune.as_ref())
            .collect();
        assert!(places.len() >= 5, "{places:?}");
        for e in events {
            assert_eq!(e.source.kind, SourceKind::Officer);
            let start = e.start.date();
            assert!(today <= start && start <= plus(today, 14), "{}", e.id);
        }

        let waste = d.data.waste.as_ref().unwrap();
        assert_eq!(waste.communes.len(), 3);
        assert!(waste.advice.len() >= 8);
        for c in &waste.communes {
            assert!(c.streams.len() >= 3, "{}", c.name);
            assert_eq!(c.reminder.window(), Window::daily(hm!(17:00), hm!(23:00)));
            for s in &c.streams {
                for date in &s.dates {
                    // Six weeks from the Monday of the week, holiday shifts included.
                    assert!(
                        plus(today, -7) <= *date && *date <= plus(today, 45),
                        "{date}"
                    );
                }
            }
            assert!(!c.next_collections(today).is_empty());
        }

        let news = d.data.news.as_ref().unwrap();
        assert!(news.items.len() >= 5);
        let fruges = &d.manifest.screen.commune;
        let now: Vec<&str> = news
            .current(Some(fruges), at)
            .map(|n| n.id.as_str())
            .collect();
        assert!(now.len() >= 3, "{now:?}");
        assert!(news.items.iter().any(|n| n.communes.is_empty()));
        assert!(news.items.iter().any(|n| !n.communes.is_empty()));
        // One item is for later, one has expired.
        assert!(
            news.items
                .iter()
                .any(|n| !n.valid_at(at) && n.valid_from > Some(at))
        );
        assert!(
            news.items
                .iter()
                .any(|n| n.valid_until.is_some_and(|u| u <= at))
        );

        let cat = d.data.catalogue.as_ref().unwrap();
        assert!((3..=4).contains(&cat.categories.len()));
        assert_eq!(cat.producers.len(), 4);
        assert!(cat.products.len() >= 8);
        let kinds: BTreeSet<String> = cat
            .points_of_sale
            .iter()
            .map(|p| format!("{:?}", p.kind))
            .collect();
        assert_eq!(kinds.len(), 3, "{kinds:?}");
        assert!(
            cat.points_of_sale
                .iter()
                .any(|p| !p.pickup_sessions.is_empty())
        );
        for p in &cat.producers {
            let g = p.geo.unwrap();
            // The Haut Pays lies around 50.5° N, 1.9° E.
            assert!((50_400_000..50_700_000).contains(&g.lat_e6), "{}", p.id);
            assert!((1_700_000..2_200_000).contains(&g.lon_e6), "{}", p.id);
        }
        assert!(cat.products.iter().any(|p| !p.months.is_empty()));
    }

    /// Every string value under a `key` in `value`, recursively.
    fn strings_under<'v>(value: &'v Value, key: &str, out: &mut Vec<&'v str>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    match v {
                        Value::String(s) if k == key => out.push(s),
                        _ => strings_under(v, key, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| strings_under(v, key, out)),
            _ => {}
        }
    }

    fn documents(d: &DemoBundle) -> Vec<Value> {
        let mut docs = vec![serde_json::to_value(&d.manifest).unwrap()];
        docs.extend(d.blobs.iter().map(|b| serde_json::from_slice(b).unwrap()));
        docs
    }

    #[test]
    fn french_texts_follow_french_typography() {
        let d = demo();
        let docs = documents(&d);
        let (mut fr, mut en) = (Vec::new(), Vec::new());
        for doc in &docs {
            strings_under(doc, "fr", &mut fr);
            strings_under(doc, "en", &mut en);
        }
        assert!(
            fr.len() > 100 && en.len() > 100,
            "{} {}",
            fr.len(),
            en.len()
        );
        let mut marks = 0;
        for s in &fr {
            let chars: Vec<char> = s.chars().collect();
            for (i, c) in chars.iter().enumerate() {
                if matches!(c, ';' | ':' | '!' | '?' | '»') {
                    assert_eq!(chars.get(i.wrapping_sub(1)), Some(&'\u{202f}'), "{s:?}");
                    marks += 1;
                }
                if *c == '«' {
                    assert_eq!(chars.get(i + 1), Some(&'\u{202f}'), "{s:?}");
                }
            }
            assert!(!s.contains("  ") && s.trim() == *s, "{s:?}");
        }
        assert!(marks > 10, "{marks}");
        for s in &en {
            assert!(!s.contains('\u{202f}') && !s.contains("  "), "{s:?}");
        }
        assert_eq!(typo("Bienvenue à Fruges !"), "Bienvenue à Fruges\u{202f}!");
        assert_eq!(
            typo("« Oui » ; non ?"),
            "«\u{202f}Oui\u{202f}»\u{202f}; non\u{202f}?"
        );
    }

    #[test]
    fn every_commune_named_is_a_real_one_of_the_territory() {
        let d = demo();
        let docs = documents(&d);
        let mut codes = Vec::new();
        for doc in &docs {
            for key in ["commune", "communes"] {
                strings_under(doc, key, &mut codes);
            }
        }
        // Lists of communes are arrays of strings: collect those too.
        fn arrays(value: &Value, out: &mut Vec<String>) {
            match value {
                Value::Object(map) => {
                    for (k, v) in map {
                        match v {
                            Value::Array(items) if k == "communes" => out
                                .extend(items.iter().filter_map(|i| i.as_str().map(str::to_owned))),
                            _ => arrays(v, out),
                        }
                    }
                }
                Value::Array(items) => items.iter().for_each(|v| arrays(v, out)),
                _ => {}
            }
        }
        let mut listed = Vec::new();
        for doc in &docs {
            arrays(doc, &mut listed);
        }
        let all: BTreeSet<String> = codes
            .iter()
            .map(|s| (*s).to_owned())
            .chain(listed)
            .collect();
        assert!(all.len() >= 10, "{all:?}");
        for code in &all {
            let insee: Insee = code.parse().unwrap();
            assert!(communes::by_insee(&insee).is_some(), "{code}");
        }
        // Waste calendars carry the official names.
        for c in &d.data.waste.as_ref().unwrap().communes {
            assert_eq!(communes::by_insee(&c.commune).unwrap().name, c.name);
        }
    }

    #[test]
    fn collections_move_past_holidays_and_alternate_weeks() {
        let d = demo();
        let waste = d.data.waste.as_ref().unwrap();
        let dates = |insee: &str, stream: Stream| -> Vec<Date> {
            let c = waste.commune(&insee.parse().unwrap()).unwrap();
            c.streams
                .iter()
                .find(|s| s.stream == stream)
                .map(|s| s.dates.clone())
                .unwrap_or_default()
        };
        let day = |s: &str| s.parse::<Date>().unwrap();
        // Bourthes: the last Friday of December 2026 is Christmas; glass is collected on
        // Saturday 26th.
        assert!(dates("62168", Stream::Glass).contains(&day("2026-12-26")));
        // Fruges: the strict fortnight keeps 14 days across week 53.
        for pair in dates("62364", Stream::Packaging).windows(2) {
            let days = pair[1].duration_since(pair[0]).as_hours() / 24;
            assert_eq!(days, 14, "{pair:?}");
        }
        // Hucqueliers: odd ISO weeks on Fridays, so weeks 53 and 1 both have a collection,
        // the first moved from New Year's Day to Saturday.
        let packaging = dates("62463", Stream::Packaging);
        for d in ["2026-12-18", "2027-01-02", "2027-01-08"] {
            assert!(packaging.contains(&day(d)), "{d}: {packaging:?}");
        }
        assert!(!packaging.contains(&day("2026-12-25")), "{packaging:?}");
        for c in &waste.communes {
            for s in &c.streams {
                for date in &s.dates {
                    assert_ne!(date.weekday(), CivilWeekday::Sunday);
                    assert_eq!(
                        beffroi_waste::holidays::holiday_on(*date),
                        None,
                        "{} {date}",
                        c.name
                    );
                }
            }
        }
    }

    #[test]
    fn french_dates_read_naturally() {
        let d = |s: &str| s.parse::<Date>().unwrap();
        assert_eq!(fr_date(d("2026-10-01")), "jeudi 1er octobre");
        assert_eq!(fr_date(d("2026-12-25")), "vendredi 25 décembre");
        assert_eq!(en_date(d("2026-08-15")), "Saturday 15 August");
    }
}
