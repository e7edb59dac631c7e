//! Shared fixtures of the protocol tests: the sample manifest, the repository's layouts and
//! small builders for schedules.
#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use beffroi_protocol::data::DataSets;
use beffroi_protocol::layout::Layout;
use beffroi_protocol::manifest::Manifest;
use beffroi_protocol::playlist::{ClockFormat, Content, Item, Playlist, TickerSource, Transition};
use beffroi_protocol::schedule::ScheduleEntry;
use beffroi_protocol::text::Text;
use beffroi_protocol::time::{Window, Zone};
use jiff::Timestamp;

/// The repository's `layouts/` folder.
pub fn layouts_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../layouts")
}

/// The layout `id` from `layouts/`.
pub fn layout(id: &str) -> Layout {
    let text = std::fs::read_to_string(layouts_dir().join(format!("{id}.toml"))).unwrap();
    Layout::from_toml(&text).unwrap()
}

/// The hand-written sample manifest (unsealed).
pub fn fixture_json() -> serde_json::Value {
    serde_json::from_str(include_str!("../fixtures/manifest.json")).unwrap()
}

/// The sample manifest, parsed.
pub fn fixture() -> Manifest {
    serde_json::from_value(fixture_json()).unwrap()
}

pub fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// A clock item: always has something to show.
pub fn slide(id: &str, ms: u32) -> Item {
    Item {
        id: id.into(),
        duration_ms: ms,
        transition: Transition::default(),
        content: Content::Clock {
            format: ClockFormat::Time,
        },
    }
}

/// A text item with a fade.
pub fn faded(id: &str, ms: u32, fade_ms: u32) -> Item {
    Item {
        id: id.into(),
        duration_ms: ms,
        transition: Transition::fade(fade_ms),
        content: Content::Text {
            title: Text::fr(id),
            body: Text::default(),
            image: None,
        },
    }
}

/// A news ticker item: shows only while some news item is valid.
pub fn news_ticker(id: &str, ms: u32) -> Item {
    Item {
        id: id.into(),
        duration_ms: ms,
        transition: Transition::default(),
        content: Content::Ticker {
            source: TickerSource::News,
            speed_px_s: 100,
        },
    }
}

/// An events item looking `days` ahead.
pub fn agenda(id: &str, ms: u32, days: u16) -> Item {
    Item {
        id: id.into(),
        duration_ms: ms,
        transition: Transition::default(),
        content: Content::Events {
            days,
            max: 5,
            communes: vec![],
            all_communes: false,
        },
    }
}

pub fn playlist(id: &str, items: Vec<Item>) -> Playlist {
    Playlist {
        id: id.into(),
        name: String::new(),
        items,
    }
}

pub fn window(start: &str, end: &str) -> Window {
    Window::daily(start.parse().unwrap(), end.parse().unwrap())
}

pub fn entry(id: &str, zone: &str, playlist: &str, priority: i32, window: Window) -> ScheduleEntry {
    ScheduleEntry {
        id: id.into(),
        name: String::new(),
        zone: zone.into(),
        playlist: playlist.into(),
        priority,
        window,
    }
}

/// A manifest for the screen of the fixture with the given layout, playlists and schedule.
pub fn manifest(
    layout_id: &str,
    zone: &str,
    playlists: Vec<Playlist>,
    defaults: &[(&str, &str)],
    schedule: Vec<ScheduleEntry>,
) -> Manifest {
    let mut m = fixture();
    m.screen.time_zone = zone.parse::<Zone>().unwrap();
    m.screen.theme.logo = None;
    m.layout = layout_id.into();
    m.layouts = vec![layout(layout_id)];
    m.playlists = playlists;
    m.default_playlists = defaults
        .iter()
        .map(|(z, p)| ((*z).to_owned(), (*p).to_owned()))
        .collect::<BTreeMap<_, _>>();
    m.schedule = schedule;
    m.assets.clear();
    m.data = Default::default();
    m.alerts.clear();
    m.power.on.clear();
    m
}

pub fn no_data() -> DataSets {
    DataSets::default()
}
