//! The events data set: every live event's occurrences over the horizon, as the screens
//! get them, each player keeping those of its commune and neighbours.
//!
//! The set is a pure function of the stored rows and the day it is built (the window runs
//! from the territory's local midnight): the same rows on the same day give the same bytes,
//! so the data set's hash — and the manifests referring to it — change when the agenda
//! does, and once a day as the window moves.

use std::collections::{BTreeMap, BTreeSet};

use beffroi_protocol::data::events::{Event, EventSource, EventsData, Location, SourceKind};
use beffroi_protocol::ids::{Insee, Sha256};
use beffroi_protocol::time::Zone;
use beffroi_protocol::validate::{Checker, Validate};
use jiff::{SignedDuration, Timestamp};

use super::store::{Format, StoredEvent, StoredSource};

/// At most this many occurrences go to the screens, the soonest first: a screen shows a
/// handful, and a source flooding the agenda must not grow every manifest's download.
pub const MAX_OCCURRENCES: usize = 2000;

/// The instants the data set covers, on `now`'s day: from the territory's local midnight,
/// `horizon_days` days and the rest of today.
pub fn window(now: Timestamp, horizon_days: u32) -> (Timestamp, Timestamp) {
    let today = now.to_zoned_datetime(Zone::paris().tz()).date();
    let from = today
        .to_zoned_datetime(Zone::paris().tz())
        .map_or(now, |z| z.timestamp());
    let until = today
        .checked_add(jiff::Span::new().days(i64::from(horizon_days) + 1))
        .ok()
        .and_then(|d| d.to_zoned_datetime(Zone::paris().tz()).ok())
        .map_or(
            from + SignedDuration::from_hours(24 * i64::from(horizon_days + 1)),
            |z| z.timestamp(),
        );
    (from, until)
}

/// A source's address as the screens may see it: without its query, fragment or user
/// (API keys travel there: OpenAgenda's `key`, Apidae's `apiKey`).
pub fn public_url(url: &str) -> Option<String> {
    let mut u = url::Url::parse(url).ok()?;
    u.set_query(None);
    u.set_fragment(None);
    u.set_username("").ok()?;
    u.set_password(None).ok()?;
    Some(u.to_string())
}

/// The data set, with each picture still the original.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Built {
    /// The occurrences, sorted by start then id.
    pub data: EventsData,
    /// Per original picture, the communes of the events using it (empty: everywhere).
    pub images: BTreeMap<Sha256, Vec<Insee>>,
}

/// The occurrences of the live events overlapping `[from, until)`.
pub fn build(
    events: &[StoredEvent],
    sources: &[StoredSource],
    from: Timestamp,
    until: Timestamp,
) -> Built {
    let by_id: BTreeMap<&str, &StoredSource> = sources.iter().map(|s| (s.id.as_str(), s)).collect();
    let mut out: Vec<Event> = Vec::new();
    // Ids unique over the whole set: a player refuses a data set with a duplicate.
    let mut ids: BTreeSet<String> = BTreeSet::new();
    for e in events.iter().filter(|e| e.live()) {
        let source = match e.source.as_deref() {
            None => EventSource {
                kind: SourceKind::Officer,
                source_id: e.id.clone(),
                url: None,
            },
            Some(id) => {
                let Some(s) = by_id.get(id) else {
                    continue;
                };
                EventSource {
                    kind: match s.format {
                        Format::Ical => SourceKind::Ical,
                        Format::OpenAgenda => SourceKind::OpenAgenda,
                        Format::Datatourisme => SourceKind::Datatourisme,
                        Format::Apidae => SourceKind::Apidae,
                    },
                    source_id: e.source_key.clone().unwrap_or_else(|| e.id.clone()),
                    url: s.url.as_deref().and_then(public_url),
                }
            }
        };
        let r = &e.record;
        for o in r.timing.occurrences(from, until) {
            // One id per occurrence, from its local start: stable across rebuilds.
            let stamp = o.start.strftime("%Y%m%dT%H%M").to_string();
            let mut id = format!("{}:{stamp}", e.id);
            let mut n = 1;
            while !ids.insert(id.clone()) {
                n += 1;
                id = format!("{}:{stamp}:{n}", e.id);
            }
            let event = Event {
                id,
                source: source.clone(),
                title: r.title.clone(),
                description: r.description.clone(),
                start: o.start,
                end: o.end,
                all_day: o.all_day,
                location: Location {
                    name: r.place.name.clone(),
                    address: r.place.address.clone(),
                    commune: e.commune.clone(),
                },
                category: r.category,
                image: e.image.clone(),
                status: o.status.unwrap_or(r.status),
                url: r.url.clone(),
            };
            let mut v = Checker::new();
            event.validate(&mut v);
            match v.finish() {
                Ok(()) => out.push(event),
                Err(p) => tracing::warn!("events: {} left out: {p}", event.id),
            }
        }
    }
    out.sort_by(|a, b| {
        a.start
            .timestamp()
            .cmp(&b.start.timestamp())
            .then_with(|| a.id.cmp(&b.id))
    });
    out.truncate(MAX_OCCURRENCES);
    let mut images: BTreeMap<Sha256, Vec<Insee>> = BTreeMap::new();
    for e in &out {
        if let Some(sha) = &e.image {
            let communes: Vec<Insee> = e.location.commune.iter().cloned().collect();
            let entry = images
                .entry(sha.clone())
                .or_insert_with(|| communes.clone());
            // Used by an event for the whole territory: everywhere.
            if communes.is_empty() {
                entry.clear();
            } else if !entry.is_empty() {
                entry.extend(communes);
                entry.sort();
                entry.dedup();
            }
        }
    }
    Built {
        data: EventsData { events: out },
        images,
    }
}
