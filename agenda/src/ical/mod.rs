//! iCalendar (RFC 5545) calendars: events read into [`SourceEvent`]s, recurring ones kept as
//! a [`Series`] to expand over any window.
//!
//! The reading goes in layers: `lines` turns bytes into components, `values` reads dates and
//! durations, `zones` (with `windows`) finds the IANA zone a TZID means, `event` reads each
//! VEVENT, and [`read`] gathers the components of one UID into one event: the main
//! component, and those with a RECURRENCE-ID that override one of its instances. `rule` and
//! `series` hold the recurrence rules and their expansion.
//!
//! Not supported, by choice: EXRULE (deprecated by RFC 5545), RANGE=THISANDFUTURE on a
//! RECURRENCE-ID (read as that one instance), FREQ=SECONDLY and MINUTELY (refused), the
//! VTIMEZONE rules (the tz database is used instead), and what an override changes besides
//! its time and status (its title, place…: one event has one title).

mod event;
mod lines;
mod rule;
mod series;
#[cfg(test)]
mod tests;
mod values;
mod windows;
mod zones;

use std::collections::{BTreeMap, HashMap, HashSet};

use beffroi_protocol::data::events::EventStatus;
use jiff::tz::TimeZone;

use self::event::Item;
pub use self::rule::Rule;
pub use self::series::{Override, RDate, Series};
use crate::{ItemProblem, Read, ReadError, SourceEvent, Timing};

/// Reads an iCalendar file.
///
/// `default_zone` (an IANA name such as `Europe/Paris`) is the zone of floating times when
/// the calendar names none (`X-WR-TIMEZONE`), and of TZIDs that name no zone we know.
///
/// The whole file is refused ([`ReadError`]) when it is not an iCalendar file or looks cut
/// short; an event that cannot be read is an [`ItemProblem`] and the others still count. A
/// calendar without events reads as no events.
pub fn read(bytes: &[u8], default_zone: &str) -> Result<Read, ReadError> {
    let default = zones::lookup(default_zone).ok_or_else(|| {
        ReadError(format!(
            "the default time zone \"{default_zone}\" is not a known time zone \
             (an IANA name such as Europe/Paris is expected)"
        ))
    })?;
    let calendars = lines::parse(bytes)?;
    let mut read = Read::default();
    let mut items = Vec::new();
    // UIDs whose main component could not be read: their overrides are not shown alone.
    let mut failed = HashSet::new();
    for calendar in &calendars {
        let zones = zones::Zones::new(calendar, &default);
        let mut components = Vec::new();
        calendar.descendants("VEVENT", &mut components);
        for component in components {
            match event::item(component, &zones) {
                Ok(item) => {
                    unknown_zones(component, &zones, &item, &mut read);
                    items.push(item);
                }
                Err(problem) => {
                    if component.prop("RECURRENCE-ID").is_none()
                        && let Some(uid) = &problem.source_id
                    {
                        failed.insert(uid.clone());
                    }
                    read.problems.push(problem);
                }
            }
        }
    }
    assemble(items, &failed, &mut read);
    Ok(read)
}

/// A line for each time of `component` in a zone this reader does not know (a custom
/// VTIMEZONE without X-LIC-LOCATION): the event is read, in the calendar's zone, and the
/// officer is told that its times may be off.
fn unknown_zones(component: &lines::Component, zones: &zones::Zones, item: &Item, read: &mut Read) {
    for name in ["DTSTART", "DTEND", "RECURRENCE-ID"] {
        if let Some(tzid) = component
            .prop(name)
            .and_then(|p| p.param("TZID"))
            .filter(|tzid| zones.unknown(tzid))
        {
            read.problems.push(ItemProblem {
                source_id: Some(item.id.clone()),
                title: None,
                message: format!(
                    "{name}: unknown time zone \"{tzid}\"; read in the calendar's zone ({}), its times may be off",
                    zones.calendar().name
                ),
            });
        }
    }
}

/// One event per id, in the order their first component appears.
fn assemble(items: Vec<Item>, failed: &HashSet<String>, read: &mut Read) {
    let mut order = Vec::new();
    let mut mains: HashMap<String, Item> = HashMap::new();
    let mut overrides: HashMap<String, Vec<Item>> = HashMap::new();
    for item in items {
        if !mains.contains_key(&item.id) && !overrides.contains_key(&item.id) {
            order.push(item.id.clone());
        }
        if item.recurrence_id.is_some() {
            overrides.entry(item.id.clone()).or_default().push(item);
        } else if let Some(first) = mains.get(&item.id) {
            read.problems.push(ItemProblem {
                source_id: Some(item.id.clone()),
                title: item.details.summary.clone(),
                message: format!(
                    "UID: \"{}\" is used again by the event on line {} (the one on line {} is \
                     kept)",
                    item.id, item.line, first.line
                ),
            });
        } else {
            mains.insert(item.id.clone(), item);
        }
    }
    for id in order {
        let replacements = overrides.remove(&id).unwrap_or_default();
        let event = match mains.remove(&id) {
            Some(main) => Some(with_overrides(main, replacements)),
            None if failed.contains(&id) => continue,
            None => orphans(id, replacements),
        };
        let Some(event) = event else { continue };
        // An event without SUMMARY (RFC 5545 allows it) is kept with an empty title: the
        // caller names it (the server uses its category's label).
        read.events.push(event);
    }
}

fn source_event(id: String, details: event::Details, timing: Timing) -> SourceEvent {
    SourceEvent {
        source_id: id,
        title: details.title,
        description: details.description,
        place: details.place,
        category: details.category,
        status: details.status,
        url: details.url,
        image_url: details.image_url,
        timing,
        updated: details.updated,
    }
}

/// The status an override gives its occurrence: only a cancellation differs from the event.
fn own_status(item: &Item) -> Option<EventStatus> {
    (item.details.status == EventStatus::Cancelled).then_some(EventStatus::Cancelled)
}

/// The main component of a UID with the components that override its instances.
fn with_overrides(main: Item, replacements: Vec<Item>) -> SourceEvent {
    let mut series = main.series;
    // The zone was found when the event was read; UTC only if the database changed since.
    let display = TimeZone::get(&series.zone).unwrap_or(TimeZone::UTC);
    let expansion = if series.utc {
        TimeZone::UTC
    } else {
        display.clone()
    };
    // Per replaced instance, the override with the highest SEQUENCE (the later on a tie).
    let mut chosen: BTreeMap<jiff::Timestamp, (i64, Override)> = BTreeMap::new();
    for item in replacements {
        let Some(of) = item
            .recurrence_id
            .as_ref()
            .and_then(|m| m.instant(&display))
        else {
            continue;
        };
        let mut own = item.series.clone();
        if !item.length_given && own.all_day == series.all_day {
            own.days = series.days;
            own.seconds = series.seconds;
        }
        let Some(occurrence) = own.first() else {
            continue;
        };
        let (start, end) = if occurrence.all_day {
            (occurrence.start.datetime(), occurrence.end.datetime())
        } else {
            (
                expansion.to_datetime(occurrence.start.timestamp()),
                expansion.to_datetime(occurrence.end.timestamp()),
            )
        };
        let replacement = Override {
            of,
            start,
            end,
            all_day: occurrence.all_day,
            status: own_status(&item),
        };
        if chosen.get(&of).is_none_or(|(seq, _)| item.sequence >= *seq) {
            chosen.insert(of, (item.sequence, replacement));
        }
    }
    series.overrides = chosen.into_values().map(|(_, o)| o).collect();
    let recurs = !series.rules.is_empty()
        || !series.rdates.is_empty()
        || !series.overrides.is_empty()
        || !series.exdates.is_empty()
        || !series.exdays.is_empty();
    let timing = if recurs {
        Timing::Series(series)
    } else {
        Timing::List {
            occurrences: series.first().into_iter().collect(),
        }
    };
    source_event(main.id, main.details, timing)
}

/// Overrides whose main component is not in the file (Google exports those when the series
/// itself was deleted or is private): each is an occurrence of its own.
fn orphans(id: String, replacements: Vec<Item>) -> Option<SourceEvent> {
    let occurrences = replacements
        .iter()
        .filter_map(|item| {
            let mut occurrence = item.series.first()?;
            occurrence.status = own_status(item);
            Some(occurrence)
        })
        .collect();
    let first = replacements.into_iter().next()?;
    let mut details = first.details;
    // Each occurrence carries its own cancellation.
    details.status = EventStatus::Scheduled;
    Some(source_event(id, details, Timing::List { occurrences }))
}
