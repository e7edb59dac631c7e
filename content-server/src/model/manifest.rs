//! Building a screen's manifest from a snapshot: the layout, the playlists its zones play,
//! the schedule entries that reach it, each image as the rendition made for the largest
//! box it is drawn in on that screen, and the alerts it is given.

use std::collections::{BTreeMap, BTreeSet};

use beffroi_protocol::alert::Alert;
use beffroi_protocol::ids::{Insee, Sha256};
use beffroi_protocol::layout::Layout;
use beffroi_protocol::manifest::{self, AssetRef, DataRefs, Manifest, Mode, Rotation};
use beffroi_protocol::playlist::{Content, Playlist, TickerSource};
use beffroi_protocol::schedule::ScheduleEntry;
use beffroi_protocol::validate::Validate;
use jiff::Timestamp;

use super::snapshot::Snapshot;

/// A pixel box an image is drawn in (width, height).
pub type PixelBox = (u32, u32);

/// The references of the four data sets as served; the builder keeps those a screen uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DataSets {
    /// The data sets' blobs.
    pub refs: DataRefs,
    /// The pictures the news data set refers to: a screen showing news carries those of
    /// the items meant for its commune.
    pub news_images: Vec<DataImage>,
    /// The pictures the events data set refers to: a screen showing events carries those
    /// of the events of the communes its agenda items show.
    pub event_images: Vec<DataImage>,
}

/// A picture of a data set (a rendition made for [`NEWS_IMAGE_BOX`] or [`EVENT_IMAGE_BOX`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataImage {
    /// The communes of the items using it; empty: the whole territory.
    pub communes: Vec<beffroi_protocol::ids::Insee>,
    /// The blob.
    pub asset: AssetRef,
}

/// The box news pictures are made for: a news card never draws one larger than half a
/// full-HD frame, and a portrait card about as tall.
pub const NEWS_IMAGE_BOX: PixelBox = (1280, 1280);

/// The box event pictures are made for: an agenda row draws its picture as a thumbnail,
/// never wider than a third of a full-HD frame.
pub const EVENT_IMAGE_BOX: PixelBox = (640, 640);

/// The frame size of a screen: its panel turned by its rotation, or the layout's own size
/// when the panel is unknown.
fn frame(layout: &Layout, resolution: Option<manifest::Size>, rotation: Rotation) -> PixelBox {
    match resolution {
        Some(r) if matches!(rotation, Rotation::R90 | Rotation::R270) => (r.height, r.width),
        Some(r) => (r.width, r.height),
        None => (layout.width, layout.height),
    }
}

/// Per playlist played on the screen, the zone boxes it is drawn in.
fn playlist_boxes(s: &Snapshot, screen_id: &str) -> BTreeMap<String, Vec<PixelBox>> {
    let mut out: BTreeMap<String, Vec<PixelBox>> = BTreeMap::new();
    let Some(screen) = s.screens.get(screen_id) else {
        return out;
    };
    let Some(layout) = s.layouts.get(&screen.body.layout).map(|l| &l.body) else {
        return out;
    };
    let (fw, fh) = frame(layout, screen.body.resolution, screen.body.rotation);
    let zone_box = |zone: &str| {
        layout.zone(zone).map(|z| {
            let w = u64::from(z.rect.width) * u64::from(fw) / u64::from(layout.width.max(1));
            let h = u64::from(z.rect.height) * u64::from(fh) / u64::from(layout.height.max(1));
            (w.max(1) as u32, h.max(1) as u32)
        })
    };
    let zones = screen
        .body
        .default_playlists
        .iter()
        .map(|(z, p)| (z.as_str(), p))
        .chain(
            s.entries_for(screen_id)
                .into_iter()
                .map(|(_, e)| (e.zone.as_str(), &e.playlist)),
        );
    for (zone, playlist) in zones {
        if let Some(b) = zone_box(zone) {
            out.entry(playlist.clone()).or_default().push(b);
        }
    }
    out
}

/// The originals screen `screen_id` draws, each with the largest box it is drawn in.
pub fn rendition_needs(s: &Snapshot, screen_id: &str) -> BTreeMap<Sha256, PixelBox> {
    let mut needs: BTreeMap<Sha256, PixelBox> = BTreeMap::new();
    let mut need = |sha: &Sha256, b: PixelBox| {
        let e = needs.entry(sha.clone()).or_insert(b);
        *e = (e.0.max(b.0), e.1.max(b.1));
    };
    for (playlist, boxes) in playlist_boxes(s, screen_id) {
        let Some(p) = s.playlists.get(&playlist) else {
            continue;
        };
        for item in &p.body.items {
            for sha in item.content.assets() {
                for b in &boxes {
                    need(sha, *b);
                }
            }
        }
    }
    if let Some(screen) = s.screens.get(screen_id)
        && let Some(logo) = &screen.body.theme.logo
    {
        need(logo, LOGO_BOX);
    }
    needs
}

/// Logos are drawn small, in corners and on the alert page.
pub const LOGO_BOX: PixelBox = (512, 512);

/// The manifest of `screen_id` in `s`. `asset` gives the blob that stands for an original
/// drawn in a box (its rendition, or the original itself for previews); `alerts` are the
/// screen's alerts (see `crate::alerts::for_screen`), carried sorted by id. Errors list
/// every problem found.
pub fn build(
    s: &Snapshot,
    screen_id: &str,
    asset: &(dyn Fn(&Sha256, PixelBox) -> Option<AssetRef> + Sync),
    data: &DataSets,
    mut alerts: Vec<Alert>,
    generated_at: Timestamp,
) -> Result<Manifest, Vec<String>> {
    let screen = s
        .screens
        .get(screen_id)
        .ok_or_else(|| vec![format!("no screen \"{screen_id}\"")])?;
    let b = &screen.body;
    let layout = s
        .layouts
        .get(&b.layout)
        .ok_or_else(|| vec![format!("screen {screen_id}: no layout \"{}\"", b.layout)])?;
    let layout = &layout.body;
    let mut problems = Vec::new();

    // Originals → the blobs standing for them on this screen.
    let mut assets: BTreeMap<Sha256, AssetRef> = BTreeMap::new();
    for (sha, pbox) in rendition_needs(s, screen_id) {
        match asset(&sha, pbox) {
            Some(a) => {
                assets.insert(sha, a);
            }
            None => problems.push(format!(
                "screen {screen_id}: no rendition of media {sha} for {}×{}",
                pbox.0, pbox.1
            )),
        }
    }
    let swap = |sha: &mut Sha256| {
        if let Some(a) = assets.get(sha) {
            *sha = a.sha256.clone();
        }
    };

    let schedule: Vec<ScheduleEntry> = s
        .entries_for(screen_id)
        .into_iter()
        .filter(|(_, e)| layout.zone(&e.zone).is_some())
        .map(|(id, e)| ScheduleEntry {
            id: id.clone(),
            name: e.name.clone(),
            zone: e.zone.clone(),
            playlist: e.playlist.clone(),
            priority: e.priority,
            window: e.window.clone(),
        })
        .collect();
    let default_playlists: BTreeMap<String, String> = b
        .default_playlists
        .iter()
        .filter(|(z, _)| layout.zone(z).is_some())
        .map(|(z, p)| (z.clone(), p.clone()))
        .collect();
    let used: BTreeSet<&String> = default_playlists
        .values()
        .chain(schedule.iter().map(|e| &e.playlist))
        .collect();
    let mut playlists = Vec::new();
    for id in used {
        let Some(p) = s.playlists.get(id) else {
            problems.push(format!("screen {screen_id}: no playlist \"{id}\""));
            continue;
        };
        let mut items = p.body.items.clone();
        for item in &mut items {
            match &mut item.content {
                Content::Image { asset, .. } => swap(asset),
                Content::Text { image: Some(i), .. } => swap(i),
                _ => {}
            }
        }
        playlists.push(Playlist {
            id: id.clone(),
            name: p.body.name.clone(),
            items,
        });
    }

    let mut theme = b.theme.clone();
    if let Some(logo) = &mut theme.logo {
        swap(logo);
    }
    let mut refs = DataRefs::default();
    let uses = |f: &dyn Fn(&Content) -> bool| {
        playlists
            .iter()
            .flat_map(|p| &p.items)
            .any(|i| f(&i.content))
    };
    // The communes whose events the screen's agenda items show; `None`: all of them.
    let mut event_communes: Option<BTreeSet<&Insee>> = Some(BTreeSet::from([&b.commune]));
    for c in playlists.iter().flat_map(|p| &p.items).map(|i| &i.content) {
        if let Content::Events {
            communes,
            all_communes,
            ..
        } = c
        {
            refs.events.clone_from(&data.refs.events);
            match (&mut event_communes, all_communes) {
                (_, true) => event_communes = None,
                (Some(set), false) => set.extend(communes),
                (None, false) => {}
            }
        }
    }
    if uses(&|c| matches!(c, Content::Waste { .. })) {
        refs.waste.clone_from(&data.refs.waste);
    }
    if uses(&|c| {
        matches!(
            c,
            Content::News { .. }
                | Content::Ticker {
                    source: TickerSource::News,
                    ..
                }
        )
    }) {
        refs.news.clone_from(&data.refs.news);
    }
    if b.mode == Mode::Kiosk {
        refs.catalogue.clone_from(&data.refs.catalogue);
    }
    let mut asset_list: Vec<AssetRef> = assets.into_values().collect();
    if refs.events.is_some() {
        asset_list.extend(
            data.event_images
                .iter()
                .filter(|i| {
                    i.communes.is_empty()
                        || event_communes
                            .as_ref()
                            .is_none_or(|set| i.communes.iter().any(|c| set.contains(c)))
                })
                .map(|i| i.asset.clone()),
        );
    }
    if refs.news.is_some() {
        asset_list.extend(
            data.news_images
                .iter()
                .filter(|i| i.communes.is_empty() || i.communes.contains(&b.commune))
                .map(|i| i.asset.clone()),
        );
    }
    asset_list.sort_by(|a, b| a.sha256.cmp(&b.sha256));
    asset_list.dedup_by(|a, b| a.sha256 == b.sha256);

    if !problems.is_empty() {
        return Err(problems);
    }
    alerts.sort_by(|a, b| a.id.cmp(&b.id));
    let mut m = Manifest {
        schema_version: manifest::SCHEMA_VERSION,
        version: String::new(),
        generated_at,
        screen: manifest::Screen {
            id: screen_id.to_owned(),
            name: b.name.clone(),
            commune: b.commune.clone(),
            mode: b.mode,
            rotation: b.rotation,
            time_zone: b.time_zone.clone(),
            languages: b.languages.clone(),
            resolution: b.resolution,
            theme,
        },
        layout: layout.id.clone(),
        layouts: vec![layout.clone()],
        playlists,
        default_playlists,
        schedule,
        assets: asset_list,
        data: refs,
        alerts,
        power: b.power.clone(),
    };
    if let Err(p) = m.check() {
        return Err(p
            .0
            .iter()
            .map(|p| format!("screen {screen_id}: {p}"))
            .collect());
    }
    m.seal().map_err(|e| vec![e.to_string()])?;
    Ok(m)
}
