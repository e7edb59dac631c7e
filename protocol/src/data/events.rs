//! Local events (the agenda): fêtes, markets, concerts, guided walks, with where and when.

use jiff::civil::Time;
use jiff::{Timestamp, ZonedDateTime};
use serde::{Deserialize, Serialize};

use super::{check_name, check_url, is_false, pick, text_is_unset};
use crate::ids::{Insee, Sha256};
use crate::text::{Lang, Text};
use crate::time::Span;
use crate::validate::{Checker, Validate};

/// The events data set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventsData {
    /// Every event, in no particular order.
    #[serde(default)]
    pub events: Vec<Event>,
}

impl EventsData {
    /// Events whose `[start, end)` overlaps `[from, until)` and that take place in one of
    /// `communes` (empty = every commune; an event without a commune counts for every one),
    /// sorted by start instant, ties in data order.
    pub fn overlapping<'a>(
        &'a self,
        communes: &[Insee],
        from: Timestamp,
        until: Timestamp,
    ) -> impl Iterator<Item = &'a Event> + use<'a> {
        let mut found: Vec<&Event> = self
            .events
            .iter()
            .filter(|e| {
                communes.is_empty()
                    || e.location
                        .commune
                        .as_ref()
                        .is_none_or(|c| communes.contains(c))
            })
            .filter(|e| e.start.timestamp() < until && from < e.end.timestamp())
            .collect();
        found.sort_by_key(|e| e.start.timestamp());
        found.into_iter()
    }

    /// The event with id `id`.
    pub fn get(&self, id: &str) -> Option<&Event> {
        self.events.iter().find(|e| e.id == id)
    }
}

impl Validate for EventsData {
    fn validate(&self, v: &mut Checker) {
        v.unique_ids("events", self.events.iter().map(|e| e.id.as_str()));
        v.each(
            "events",
            &self.events,
            |e| e.id.as_str(),
            |v, e| e.validate(v),
        );
    }
}

/// One event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Id, unique in the data set.
    pub id: String,
    /// Where the event came from (the officer or an imported feed).
    pub source: EventSource,
    /// Title, per language.
    pub title: Text,
    /// Longer description, per language; may be absent.
    #[serde(default, skip_serializing_if = "text_is_unset")]
    pub description: Text,
    /// Start, in the time zone of the place where it happens.
    pub start: ZonedDateTime,
    /// End (exclusive). For an all-day event, midnight after the last day.
    pub end: ZonedDateTime,
    /// True when the event lasts whole days (start and end at local midnight; times not shown).
    #[serde(default, skip_serializing_if = "is_false")]
    pub all_day: bool,
    /// Where it happens.
    #[serde(default)]
    pub location: Location,
    /// What kind of event it is; drives the pictogram and kiosk filters.
    #[serde(default)]
    pub category: EventCategory,
    /// Poster or photo blob.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Sha256>,
    /// Whether it still takes place as announced.
    #[serde(default)]
    pub status: EventStatus,
    /// Page with more information (tickets, programme).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl Event {
    /// The instants the event covers, `[start, end)`.
    pub fn span(&self) -> Span {
        Span {
            start: self.start.timestamp(),
            end: self.end.timestamp(),
        }
    }
}

impl Validate for Event {
    fn validate(&self, v: &mut Checker) {
        v.field("source", |v| self.source.validate(v));
        v.field("title", |v| self.title.require(v));
        v.field("description", |v| self.description.optional(v));
        if self.end.timestamp() <= self.start.timestamp() {
            v.report_at(
                "end",
                format!("{} is not after the start ({})", self.end, self.start),
            );
        }
        if self.all_day {
            for (name, at) in [("start", &self.start), ("end", &self.end)] {
                if at.time() != Time::midnight() {
                    v.report_at(
                        name,
                        format!("{at} is not at local midnight, as an all-day event must be"),
                    );
                }
            }
        }
        check_url(v, "url", self.url.as_deref());
    }
}

/// Where an event record comes from, so that a re-import updates rather than duplicates it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventSource {
    /// The kind of source.
    pub kind: SourceKind,
    /// The event's id in that source (an iCalendar UID, an OpenAgenda uid...).
    pub source_id: String,
    /// The feed the event was imported from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl Validate for EventSource {
    fn validate(&self, v: &mut Checker) {
        check_name(v, "source_id", &self.source_id);
        check_url(v, "url", self.url.as_deref());
    }
}

/// The kinds of event sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// Entered by the communications officer.
    Officer,
    /// An iCalendar feed (a commune's or an association's calendar).
    Ical,
    /// OpenAgenda.
    OpenAgenda,
    /// DATAtourisme, the national tourism open data platform.
    Datatourisme,
    /// Apidae, the tourism information network used by tourist offices.
    Apidae,
    /// Any other source, including ones this version does not know.
    #[serde(other)]
    Other,
}

/// Where an event happens.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// Name of the place (salle des fêtes, église Saint-Bertulphe...).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Postal address, one line.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub address: String,
    /// The commune, used to pick the events a town hall's screen shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commune: Option<Insee>,
}

/// What kind of event.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventCategory {
    /// Festival, fête, ducasse, kermesse.
    Festival,
    /// Market, braderie, flea market.
    Market,
    /// Concert.
    Concert,
    /// Exhibition.
    Exhibition,
    /// Sport (race, tournament, walk-run).
    Sport,
    /// Theatre, show.
    Theatre,
    /// Cinema screening.
    Cinema,
    /// Talk, conference, public meeting.
    Conference,
    /// Workshop, class.
    Workshop,
    /// Guided tour or walk.
    GuidedTour,
    /// Nature outing.
    Nature,
    /// For children and families.
    Family,
    /// Anything else, including categories this version does not know.
    #[default]
    #[serde(other)]
    Other,
}

impl EventCategory {
    /// A short label in `lang` (French for languages other than fr, en, nl).
    pub fn label(&self, lang: &Lang) -> &'static str {
        let [fr, en, nl] = match self {
            Self::Festival => ["Fête", "Festival", "Feest"],
            Self::Market => ["Marché", "Market", "Markt"],
            Self::Concert => ["Concert", "Concert", "Concert"],
            Self::Exhibition => ["Exposition", "Exhibition", "Tentoonstelling"],
            Self::Sport => ["Sport", "Sport", "Sport"],
            Self::Theatre => ["Théâtre", "Theatre", "Theater"],
            Self::Cinema => ["Cinéma", "Cinema", "Film"],
            Self::Conference => ["Conférence", "Talk", "Lezing"],
            Self::Workshop => ["Atelier", "Workshop", "Workshop"],
            Self::GuidedTour => ["Visite guidée", "Guided tour", "Rondleiding"],
            Self::Nature => ["Nature", "Nature", "Natuur"],
            Self::Family => ["En famille", "Family", "Gezin"],
            Self::Other => ["Événement", "Event", "Evenement"],
        };
        pick(lang, fr, en, nl)
    }
}

/// Whether an event still takes place as announced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventStatus {
    /// Cancelled; screens show it struck through with a banner.
    Cancelled,
    /// Postponed to a date not yet known.
    Postponed,
    /// Full: no more tickets or places.
    Full,
    /// Takes place as announced (the default). Statuses this version does not know read as
    /// this one; serde wants that catch-all variant last.
    #[default]
    #[serde(other)]
    Scheduled,
}

impl EventStatus {
    /// The banner shown over the event, in `lang`; `None` when it takes place as announced.
    pub fn banner(&self, lang: &Lang) -> Option<&'static str> {
        let [fr, en, nl] = match self {
            Self::Scheduled => return None,
            Self::Cancelled => ["Annulé", "Cancelled", "Geannuleerd"],
            Self::Postponed => ["Reporté", "Postponed", "Uitgesteld"],
            Self::Full => ["Complet", "Sold out", "Volzet"],
        };
        Some(pick(lang, fr, en, nl))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{insee, ts};

    fn zdt(s: &str) -> ZonedDateTime {
        s.parse().unwrap()
    }

    fn event(id: &str, start: &str, end: &str, commune: Option<&str>) -> Event {
        Event {
            id: id.into(),
            source: EventSource {
                kind: SourceKind::Officer,
                source_id: id.into(),
                url: None,
            },
            title: Text::fr(format!("Événement {id}")),
            description: Text::default(),
            start: zdt(start),
            end: zdt(end),
            all_day: false,
            location: Location {
                name: "Salle des fêtes".into(),
                address: String::new(),
                commune: commune.map(insee),
            },
            category: EventCategory::Other,
            image: None,
            status: EventStatus::Scheduled,
            url: None,
        }
    }

    fn realistic() -> EventsData {
        EventsData {
            events: vec![
                Event {
                    id: "ducasse-fruges-2026".into(),
                    source: EventSource {
                        kind: SourceKind::OpenAgenda,
                        source_id: "48213977".into(),
                        url: Some("https://openagenda.com/agendas/7wg2zt5y/events.json".into()),
                    },
                    title: Text::fr("Ducasse de Fruges").with(Lang::nl(), "Kermis van Fruges"),
                    description: Text::fr("Manèges, brocante et feu d'artifice sur la place.")
                        .with(
                            Lang::en(),
                            "Rides, flea market and fireworks on the square.",
                        ),
                    start: zdt("2026-07-11T00:00:00+02:00[Europe/Paris]"),
                    end: zdt("2026-07-14T00:00:00+02:00[Europe/Paris]"),
                    all_day: true,
                    location: Location {
                        name: "Place du Marché".into(),
                        address: "Place du Marché, 62310 Fruges".into(),
                        commune: Some(insee("62364")),
                    },
                    category: EventCategory::Festival,
                    image: Some(Sha256::of(b"affiche ducasse")),
                    status: EventStatus::Scheduled,
                    url: Some("https://www.fruges.fr/ducasse".into()),
                },
                Event {
                    id: "concert-verchocq".into(),
                    source: EventSource {
                        kind: SourceKind::Ical,
                        source_id: "20261003-concert@verchocq.fr".into(),
                        url: None,
                    },
                    title: Text::fr("Concert de l'harmonie"),
                    description: Text::default(),
                    start: zdt("2026-10-03T20:30:00+02:00[Europe/Paris]"),
                    end: zdt("2026-10-03T22:30:00+02:00[Europe/Paris]"),
                    all_day: false,
                    location: Location {
                        name: "Église Saint-Omer".into(),
                        address: String::new(),
                        commune: Some(insee("62844")),
                    },
                    category: EventCategory::Concert,
                    image: None,
                    status: EventStatus::Full,
                    url: None,
                },
            ],
        }
    }

    #[test]
    fn realistic_events_round_trip_and_validate() {
        let data = realistic();
        data.check().unwrap();
        let json = serde_json::to_string(&data).unwrap();
        assert!(json.contains(r#""kind":"open_agenda""#), "{json}");
        assert!(json.contains("[Europe/Paris]"), "{json}");
        let back: EventsData = serde_json::from_str(&json).unwrap();
        assert_eq!(back, data);
        // Zoned equality compares instants only: check the zone survived too.
        assert_eq!(
            back.events[0].start.time_zone().iana_name(),
            Some("Europe/Paris")
        );
    }

    #[test]
    fn unknown_fields_and_values_are_tolerated() {
        let json = r#"{"events":[{"id":"e1","source":{"kind":"tourinsoft","source_id":"x","extra":1},
            "title":{"fr":"Randonnée"},"start":"2026-05-01T09:00:00+02:00[Europe/Paris]",
            "end":"2026-05-01T12:00:00+02:00[Europe/Paris]","category":"escape_game",
            "status":"rescheduled","accessibility":["pmr"],"location":{"commune":"62168"}}],"generator":"v9"}"#;
        let data: EventsData = serde_json::from_str(json).unwrap();
        let e = &data.events[0];
        assert_eq!(e.source.kind, SourceKind::Other);
        assert_eq!(e.category, EventCategory::Other);
        assert_eq!(e.status, EventStatus::Scheduled);
        assert!(!e.all_day);
        assert_eq!(e.location.commune, Some(insee("62168")));
        data.check().unwrap();
    }

    #[test]
    fn span_is_in_instants() {
        let e = event(
            "a",
            "2026-03-28T22:00:00+01:00[Europe/Paris]",
            "2026-03-29T04:00:00+02:00[Europe/Paris]",
            None,
        );
        // Across the spring-forward night: 5 hours, not 6.
        assert_eq!(
            e.span(),
            Span {
                start: ts("2026-03-28T21:00:00Z"),
                end: ts("2026-03-29T02:00:00Z")
            }
        );
    }

    #[test]
    fn overlapping_filters_by_time_and_commune_and_sorts_by_start() {
        let data = EventsData {
            events: vec![
                event(
                    "late",
                    "2026-06-20T20:00:00+02:00[Europe/Paris]",
                    "2026-06-20T23:00:00+02:00[Europe/Paris]",
                    Some("62364"),
                ),
                event(
                    "early",
                    "2026-06-20T09:00:00+02:00[Europe/Paris]",
                    "2026-06-20T12:00:00+02:00[Europe/Paris]",
                    Some("62463"),
                ),
                event(
                    "everywhere",
                    "2026-06-19T00:00:00+02:00[Europe/Paris]",
                    "2026-06-22T00:00:00+02:00[Europe/Paris]",
                    None,
                ),
                event(
                    "ends-at-from",
                    "2026-06-19T10:00:00+02:00[Europe/Paris]",
                    "2026-06-20T00:00:00+02:00[Europe/Paris]",
                    Some("62364"),
                ),
                event(
                    "next-week",
                    "2026-06-27T09:00:00+02:00[Europe/Paris]",
                    "2026-06-27T12:00:00+02:00[Europe/Paris]",
                    Some("62364"),
                ),
            ],
        };
        let from = ts("2026-06-19T22:00:00Z"); // 20 June 00:00 Paris
        let until = ts("2026-06-20T22:00:00Z"); // 21 June 00:00 Paris
        let ids = |communes: &[Insee]| {
            data.overlapping(communes, from, until)
                .map(|e| e.id.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&[]), ["everywhere", "early", "late"]);
        assert_eq!(ids(&[insee("62364")]), ["everywhere", "late"]);
        assert_eq!(
            ids(&[insee("62463"), insee("62670")]),
            ["everywhere", "early"]
        );
        // An event starting exactly at `until` does not overlap.
        let at_until =
            data.overlapping(&[], ts("2026-06-20T07:00:00Z"), ts("2026-06-20T18:00:00Z"));
        assert_eq!(
            at_until.map(|e| e.id.as_str()).collect::<Vec<_>>(),
            ["everywhere", "early"]
        );
    }

    #[test]
    fn validation_names_each_problem() {
        let mut bad_end = event(
            "bad-end",
            "2026-06-20T20:00:00+02:00[Europe/Paris]",
            "2026-06-20T19:00:00+02:00[Europe/Paris]",
            None,
        );
        bad_end.url = Some("www.fruges.fr".into());
        bad_end.title = Text::default();
        let mut all_day = event(
            "all-day",
            "2026-06-20T08:00:00+02:00[Europe/Paris]",
            "2026-06-21T00:00:00+02:00[Europe/Paris]",
            None,
        );
        all_day.all_day = true;
        all_day.source.source_id = " ".into();
        all_day.source.url = Some("file:///etc/passwd".into());
        let dup = event(
            "all-day",
            "2026-06-20T08:00:00+02:00[Europe/Paris]",
            "2026-06-20T09:00:00+02:00[Europe/Paris]",
            None,
        );
        let data = EventsData {
            events: vec![bad_end, all_day, dup],
        };
        let p = data.check().unwrap_err();
        assert!(
            p.has("events[all-day].id", "duplicate id \"all-day\""),
            "{p}"
        );
        assert!(
            p.has("events[bad-end].title", "at least one language"),
            "{p}"
        );
        assert!(
            p.has("events[bad-end].end", "2026-06-20T19:00:00+02:00[Europe/Paris] is not after the start (2026-06-20T20:00:00+02:00[Europe/Paris])"),
            "{p}"
        );
        assert!(p.has("events[bad-end].url", "\"www.fruges.fr\""), "{p}");
        assert!(
            p.has("events[all-day].start", "not at local midnight"),
            "{p}"
        );
        assert!(!p.has("events[all-day].end", "midnight"), "{p}");
        assert!(
            p.has("events[all-day].source.source_id", "must not be empty"),
            "{p}"
        );
        assert!(
            p.has("events[all-day].source.url", "file:///etc/passwd"),
            "{p}"
        );
    }

    #[test]
    fn labels_fall_back_to_french() {
        assert_eq!(EventCategory::GuidedTour.label(&Lang::nl()), "Rondleiding");
        assert_eq!(
            EventCategory::Market.label(&"de".parse().unwrap()),
            "Marché"
        );
        assert_eq!(
            EventStatus::Cancelled.banner(&Lang::en()),
            Some("Cancelled")
        );
        assert_eq!(EventStatus::Scheduled.banner(&Lang::fr()), None);
    }
}
