//! Waste collection calendars per commune, the evening-before reminder, and sorting advice
//! ("où jeter ?") for the kiosk.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use super::{check_name, pick, text_is_unset};
use crate::ids::Insee;
use crate::text::{Lang, Text};
use crate::time::{TimeOfDay, Window, local, next_day, prev_day};
use crate::validate::{Checker, Validate};

/// A waste stream, collected separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stream {
    /// Ordures ménagères résiduelles: what is left, in the grey bin.
    Household,
    /// Emballages et papiers, the yellow bin ("bac jaune").
    Packaging,
    /// Glass, at bottle banks or in a green bin.
    Glass,
    /// Biodéchets: food waste, in the brown bin.
    Biowaste,
    /// Déchets verts: garden waste (grass, hedge cuttings).
    GreenWaste,
    /// Encombrants: bulky items, collected on appointment days.
    Bulky,
    /// Any other stream, including ones this version does not know.
    #[serde(other)]
    Other,
}

impl Stream {
    /// Every stream, in order.
    pub const ALL: [Stream; 7] = [
        Self::Household,
        Self::Packaging,
        Self::Glass,
        Self::Biowaste,
        Self::GreenWaste,
        Self::Bulky,
        Self::Other,
    ];

    /// The serialised name, e.g. `green_waste`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Household => "household",
            Self::Packaging => "packaging",
            Self::Glass => "glass",
            Self::Biowaste => "biowaste",
            Self::GreenWaste => "green_waste",
            Self::Bulky => "bulky",
            Self::Other => "other",
        }
    }

    /// The name shown to residents in `lang` (French for languages other than fr, en, nl).
    pub fn label(&self, lang: &Lang) -> &'static str {
        let [fr, en, nl] = match self {
            Self::Household => ["Ordures ménagères", "Household waste", "Restafval"],
            Self::Packaging => [
                "Emballages et papiers",
                "Packaging and paper",
                "Verpakkingen en papier",
            ],
            Self::Glass => ["Verre", "Glass", "Glas"],
            Self::Biowaste => ["Biodéchets", "Food waste", "Gft-afval"],
            Self::GreenWaste => ["Déchets verts", "Garden waste", "Tuinafval"],
            Self::Bulky => ["Encombrants", "Bulky waste", "Grofvuil"],
            Self::Other => ["Autres déchets", "Other waste", "Ander afval"],
        };
        pick(lang, fr, en, nl)
    }

    /// The colour of the bin, as `#rrggbb`, following the French harmonised colours: grey
    /// for residual waste, yellow for packaging, green for glass, brown for biowaste.
    pub fn bin_colour(&self) -> &'static str {
        match self {
            Self::Household => "#5f6368",
            Self::Packaging => "#f2c500",
            Self::Glass => "#2e8b57",
            Self::Biowaste => "#8b5a2b",
            Self::GreenWaste => "#7cb342",
            Self::Bulky => "#546e7a",
            Self::Other => "#9e9e9e",
        }
    }
}

/// The waste data set: calendars of every commune and the sorting guide.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WasteData {
    /// One calendar per commune.
    #[serde(default)]
    pub communes: Vec<CommuneWaste>,
    /// The sorting guide: where each kind of object goes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub advice: Vec<SortingAdvice>,
}

impl WasteData {
    /// The calendar of commune `insee`.
    pub fn commune(&self, insee: &Insee) -> Option<&CommuneWaste> {
        self.communes.iter().find(|c| &c.commune == insee)
    }
}

impl Validate for WasteData {
    fn validate(&self, v: &mut Checker) {
        let mut seen = BTreeSet::new();
        v.each(
            "communes",
            &self.communes,
            |c| c.commune.as_str(),
            |v, c| c.validate(v),
        );
        v.field("communes", |v| {
            for c in &self.communes {
                if !seen.insert(&c.commune) {
                    v.item(&c.commune, |v| {
                        v.report_at("commune", format!("commune {} is listed twice", c.commune));
                    });
                }
            }
        });
        v.unique_ids("advice", self.advice.iter().map(|a| a.id.as_str()));
        v.each(
            "advice",
            &self.advice,
            |a| a.id.as_str(),
            |v, a| a.validate(v),
        );
    }
}

/// The collection calendar of one commune.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommuneWaste {
    /// The commune.
    pub commune: Insee,
    /// Its name, as shown on screens.
    pub name: String,
    /// The collections, one entry per stream.
    #[serde(default)]
    pub streams: Vec<Collections>,
    /// When screens remind residents to put the bins out.
    #[serde(default)]
    pub reminder: Reminder,
}

impl CommuneWaste {
    /// The first collection date on or after `today`, per stream, sorted by date then stream.
    pub fn next_collections(&self, today: Date) -> Vec<(Stream, Date)> {
        let mut next: BTreeMap<Stream, Date> = BTreeMap::new();
        for c in &self.streams {
            if let Some(d) = c.dates.iter().copied().filter(|d| *d >= today).min() {
                next.entry(c.stream)
                    .and_modify(|e| *e = (*e).min(d))
                    .or_insert(d);
            }
        }
        let mut out: Vec<(Stream, Date)> = next.into_iter().collect();
        out.sort_by_key(|(s, d)| (*d, *s));
        out
    }

    /// The streams collected on `date`, in stream order.
    pub fn collected_on(&self, date: Date) -> Vec<Stream> {
        let set: BTreeSet<Stream> = self
            .streams
            .iter()
            .filter(|c| c.dates.contains(&date))
            .map(|c| c.stream)
            .collect();
        set.into_iter().collect()
    }

    /// The streams to put out, at instant `t`: those collected the day after the start date
    /// of the reminder window occurrence containing `t` (local time in `tz`). Empty outside
    /// the window, and on evenings before a day without collection.
    pub fn reminder_at(&self, tz: &TimeZone, t: Timestamp) -> Vec<Stream> {
        match self.reminder.window().occurrence_date_of(local(tz, t)) {
            Some(evening) => self.collected_on(next_day(evening)),
            None => Vec::new(),
        }
    }

    /// The first instant strictly after `t` at which [`CommuneWaste::reminder_at`] changes,
    /// exactly (daylight-saving changes included); `None` when it never changes again.
    pub fn reminder_changes_after(&self, tz: &TimeZone, t: Timestamp) -> Option<Timestamp> {
        let window = self.reminder.window();
        // An occurrence starts and ends within two local days of its start date, so
        // evenings more than two days before `t` cannot matter.
        let earliest = prev_day(prev_day(local(tz, t).date()));
        let evenings: BTreeSet<Date> = self
            .streams
            .iter()
            .flat_map(|c| c.dates.iter().map(|d| prev_day(*d)))
            .filter(|e| *e >= earliest)
            .collect();
        let current = self.reminder_at(tz, t);
        // The value is constant between the boundaries of these occurrences: outside them
        // it is empty (other evenings announce nothing).
        let mut boundaries: Vec<Timestamp> = Vec::new();
        for evening in evenings {
            if let Some(occ) = window.occurrence_on(tz, evening) {
                boundaries.extend(occ.spans.iter().flat_map(|s| [s.start, s.end]));
            }
        }
        boundaries.sort();
        boundaries.dedup();
        boundaries
            .into_iter()
            .filter(|b| *b > t)
            .find(|b| self.reminder_at(tz, *b) != current)
    }
}

impl Validate for CommuneWaste {
    fn validate(&self, v: &mut Checker) {
        check_name(v, "name", &self.name);
        let mut seen = BTreeSet::new();
        v.each(
            "streams",
            &self.streams,
            |c| c.stream.name(),
            |v, c| c.validate(v),
        );
        v.field("streams", |v| {
            for c in &self.streams {
                if !seen.insert(c.stream) {
                    v.item(c.stream.name(), |v| {
                        v.report_at(
                            "stream",
                            format!("stream {} is listed twice", c.stream.name()),
                        );
                    });
                }
            }
        });
        v.field("reminder", |v| self.reminder.window().validate(v));
    }
}

/// The collection dates of one stream in one commune.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Collections {
    /// The stream collected.
    pub stream: Stream,
    /// The collection dates, concrete (public holidays already shifted), sorted ascending.
    #[serde(default)]
    pub dates: Vec<Date>,
    /// A note for residents ("sortir le bac la veille au soir").
    #[serde(default, skip_serializing_if = "text_is_unset")]
    pub note: Text,
}

impl Validate for Collections {
    fn validate(&self, v: &mut Checker) {
        v.field("dates", |v| {
            for pair in self.dates.windows(2) {
                if pair[1] == pair[0] {
                    v.report(format!("{} is listed twice", pair[1]));
                } else if pair[1] < pair[0] {
                    v.report(format!(
                        "{} comes after {}; dates must be sorted ascending",
                        pair[1], pair[0]
                    ));
                }
            }
        });
        v.field("note", |v| self.note.optional(v));
    }
}

/// The local window, each evening before a collection, in which screens show the reminder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reminder {
    /// Start (inclusive), on the evening before the collection.
    pub start: TimeOfDay,
    /// End (exclusive); before `start` when it runs past midnight into the collection day.
    pub end: TimeOfDay,
}

impl Reminder {
    /// The window as a daily recurring one.
    pub fn window(&self) -> Window {
        Window::daily(self.start, self.end)
    }
}

impl Default for Reminder {
    /// 17:00 to 23:00.
    fn default() -> Self {
        Self {
            start: TimeOfDay::hm(17, 0).unwrap_or(TimeOfDay::MIDNIGHT),
            end: TimeOfDay::hm(23, 0).unwrap_or(TimeOfDay::END_OF_DAY),
        }
    }
}

/// One entry of the sorting guide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SortingAdvice {
    /// Id, unique in the data set.
    pub id: String,
    /// The object ("Pot de yaourt", "Pile").
    pub name: Text,
    /// Other words visitors may type ("yogourt", "batterie").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub synonyms: Vec<String>,
    /// Where it goes.
    pub destination: Destination,
    /// How (rinse, remove the lid...).
    #[serde(default, skip_serializing_if = "text_is_unset")]
    pub instructions: Text,
    /// How to avoid the waste in the first place ("Comment l'éviter ?").
    #[serde(default, skip_serializing_if = "text_is_unset")]
    pub prevention: Text,
    /// Shown in the rotating "Le saviez-vous ?" prompt; when no entry is, every entry is.
    /// A whole sorting guide (hundreds of entries) serves the kiosk's search, the featured
    /// few the town-hall screens.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub featured: bool,
}

impl WasteData {
    /// The entries the "Le saviez-vous ?" prompt rotates through: the featured ones, or
    /// every entry when none is.
    pub fn rotation(&self) -> Vec<&SortingAdvice> {
        let featured: Vec<&SortingAdvice> = self.advice.iter().filter(|a| a.featured).collect();
        if featured.is_empty() {
            self.advice.iter().collect()
        } else {
            featured
        }
    }
}

impl Validate for SortingAdvice {
    fn validate(&self, v: &mut Checker) {
        v.field("name", |v| self.name.require(v));
        v.field("synonyms", |v| {
            for (i, s) in self.synonyms.iter().enumerate() {
                if s.trim().is_empty() {
                    v.item(i, |v| v.report("must not be empty"));
                }
            }
        });
        v.field("instructions", |v| self.instructions.optional(v));
        v.field("prevention", |v| self.prevention.optional(v));
    }
}

/// Where an object goes, serialised with a `kind` tag: `{"kind":"bin","stream":"packaging"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Destination {
    /// A collection bin.
    Bin {
        /// The stream of that bin.
        stream: Stream,
    },
    /// The déchetterie (recycling centre).
    RecyclingCentre,
    /// Taken back by the shop that sells the same kind of item (batteries, appliances).
    TakeBack,
    /// Returned to a pharmacy (medicines, needles in DASRI boxes).
    Pharmacy,
    /// The home or shared compost.
    Compost,
    /// Anywhere else, including destinations this version does not know.
    #[serde(other)]
    Other,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{d, insee, paris, ts};

    fn dates(list: &[&str]) -> Vec<Date> {
        list.iter().map(|s| d(s)).collect()
    }

    fn coll(stream: Stream, list: &[&str]) -> Collections {
        Collections {
            stream,
            dates: dates(list),
            note: Text::default(),
        }
    }

    /// Hucqueliers: household waste on Tuesdays, the yellow bin every other Thursday.
    fn hucqueliers() -> CommuneWaste {
        CommuneWaste {
            commune: insee("62463"),
            name: "Hucqueliers".into(),
            streams: vec![
                coll(
                    Stream::Household,
                    &["2026-12-01", "2026-12-08", "2026-12-15"],
                ),
                Collections {
                    stream: Stream::Packaging,
                    dates: dates(&["2026-12-03", "2026-12-15", "2026-12-31"]),
                    note: Text::fr("Sortir le bac jaune la veille au soir.")
                        .with(Lang::nl(), "Zet de gele container de avond ervoor buiten."),
                },
                coll(Stream::GreenWaste, &["2026-03-30", "2026-10-26"]),
            ],
            reminder: Reminder::default(),
        }
    }

    fn realistic() -> WasteData {
        WasteData {
            communes: vec![
                hucqueliers(),
                CommuneWaste {
                    commune: insee("62364"),
                    name: "Fruges".into(),
                    streams: vec![coll(Stream::Glass, &["2026-12-10"])],
                    reminder: Reminder {
                        start: "18:00".parse().unwrap(),
                        end: "07:00".parse().unwrap(),
                    },
                },
            ],
            advice: vec![
                SortingAdvice {
                    id: "pot-yaourt".into(),
                    name: Text::fr("Pot de yaourt").with(Lang::en(), "Yoghurt pot"),
                    synonyms: vec!["yogourt".into(), "pot de crème".into()],
                    destination: Destination::Bin {
                        stream: Stream::Packaging,
                    },
                    instructions: Text::fr("Bien vidé, inutile de le laver."),
                    prevention: Text::default(),
                    featured: true,
                },
                SortingAdvice {
                    id: "pile".into(),
                    name: Text::fr("Piles et batteries"),
                    synonyms: vec!["accumulateur".into()],
                    destination: Destination::TakeBack,
                    instructions: Text::default(),
                    prevention: Text::fr("Préférez les piles rechargeables."),
                    featured: false,
                },
            ],
        }
    }

    #[test]
    fn realistic_waste_round_trips_and_validates() {
        let data = realistic();
        data.check().unwrap();
        let json = serde_json::to_string(&data).unwrap();
        assert!(
            json.contains(r#""destination":{"kind":"bin","stream":"packaging"}"#),
            "{json}"
        );
        assert!(
            json.contains(r#""destination":{"kind":"take_back"}"#),
            "{json}"
        );
        assert!(
            json.contains(r#""reminder":{"start":"17:00","end":"23:00"}"#),
            "{json}"
        );
        // Only the featured flag that is set is written.
        assert_eq!(json.matches(r#""featured":true"#).count(), 1, "{json}");
        assert!(!json.contains(r#""featured":false"#), "{json}");
        let back: WasteData = serde_json::from_str(&json).unwrap();
        assert_eq!(back, data);
        let rotation: Vec<&str> = data.rotation().iter().map(|a| a.id.as_str()).collect();
        assert_eq!(rotation, ["pot-yaourt"]);
        let mut none_featured = data.clone();
        none_featured.advice[0].featured = false;
        assert_eq!(none_featured.rotation().len(), 2);
        assert_eq!(data.commune(&insee("62364")).unwrap().name, "Fruges");
        assert!(data.commune(&insee("62168")).is_none());
    }

    #[test]
    fn unknown_fields_and_values_are_tolerated() {
        let json = r#"{"communes":[{"commune":"62168","name":"Bourthes","epci":"CCHPM",
            "streams":[{"stream":"textile","dates":["2026-12-02"],"container":"borne"}]}],
            "advice":[{"id":"a","name":{"fr":"Vêtements"},"destination":{"kind":"relais","x":1}},
                      {"id":"b","name":{"fr":"Bouteille de soda"},"destination":{"kind":"bin","stream":"plastics"}}]}"#;
        let data: WasteData = serde_json::from_str(json).unwrap();
        let c = &data.communes[0];
        assert_eq!(c.streams[0].stream, Stream::Other);
        assert_eq!(c.reminder, Reminder::default());
        assert_eq!(data.advice[0].destination, Destination::Other);
        assert_eq!(
            data.advice[1].destination,
            Destination::Bin {
                stream: Stream::Other
            }
        );
        data.check().unwrap();
    }

    #[test]
    fn labels_and_colours() {
        assert_eq!(
            Stream::Packaging.label(&Lang::fr()),
            "Emballages et papiers"
        );
        assert_eq!(Stream::Household.label(&Lang::nl()), "Restafval");
        assert_eq!(Stream::Glass.label(&"de".parse().unwrap()), "Verre");
        assert_eq!(Stream::Packaging.bin_colour(), "#f2c500");
        for s in Stream::ALL {
            let c = s.bin_colour();
            assert!(c.len() == 7 && c.starts_with('#'), "{c}");
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.name())
            );
        }
    }

    #[test]
    fn next_collections_per_stream_sorted_by_date() {
        let c = hucqueliers();
        assert_eq!(
            c.next_collections(d("2026-12-02")),
            vec![
                (Stream::Packaging, d("2026-12-03")),
                (Stream::Household, d("2026-12-08"))
            ]
        );
        // Same day: ordered by stream; a collection today counts.
        assert_eq!(
            c.next_collections(d("2026-12-15")),
            vec![
                (Stream::Household, d("2026-12-15")),
                (Stream::Packaging, d("2026-12-15"))
            ]
        );
        assert_eq!(
            c.next_collections(d("2026-12-16")),
            vec![(Stream::Packaging, d("2026-12-31"))]
        );
        assert!(c.next_collections(d("2027-01-01")).is_empty());
    }

    #[test]
    fn reminder_shows_exactly_in_the_window_the_evening_before() {
        let (c, tz) = (hucqueliers(), paris());
        // Monday 30 November (household waste on Tuesday 1 December), Paris is UTC+1.
        assert!(c.reminder_at(&tz, ts("2026-11-30T15:59:59Z")).is_empty()); // 16:59:59
        assert_eq!(
            c.reminder_at(&tz, ts("2026-11-30T16:00:00Z")),
            vec![Stream::Household]
        );
        assert_eq!(
            c.reminder_at(&tz, ts("2026-11-30T21:59:59Z")),
            vec![Stream::Household]
        );
        assert!(c.reminder_at(&tz, ts("2026-11-30T22:00:00Z")).is_empty()); // 23:00
        // Tuesday evening: Wednesday has no collection.
        assert!(c.reminder_at(&tz, ts("2026-12-01T18:00:00Z")).is_empty());
        // Monday 14th: both bins go out for Tuesday 15th.
        assert_eq!(
            c.reminder_at(&tz, ts("2026-12-14T18:00:00Z")),
            vec![Stream::Household, Stream::Packaging]
        );
    }

    #[test]
    fn reminder_crossing_midnight_keeps_the_evening_date() {
        let tz = paris();
        let fruges = realistic().communes[1].clone(); // glass on Thursday 10 December, 18:00–07:00
        assert_eq!(
            fruges.reminder_at(&tz, ts("2026-12-09T17:00:00Z")),
            vec![Stream::Glass]
        );
        assert_eq!(
            fruges.reminder_at(&tz, ts("2026-12-10T05:59:00Z")),
            vec![Stream::Glass]
        );
        assert!(
            fruges
                .reminder_at(&tz, ts("2026-12-10T06:00:00Z"))
                .is_empty()
        );
        // Thursday 18:00 is the evening before Friday, which has no collection.
        assert!(
            fruges
                .reminder_at(&tz, ts("2026-12-10T17:00:00Z"))
                .is_empty()
        );
        assert_eq!(
            fruges.reminder_changes_after(&tz, ts("2026-12-01T00:00:00Z")),
            Some(ts("2026-12-09T17:00:00Z"))
        );
        assert_eq!(
            fruges.reminder_changes_after(&tz, ts("2026-12-09T17:00:00Z")),
            Some(ts("2026-12-10T06:00:00Z"))
        );
        assert_eq!(
            fruges.reminder_changes_after(&tz, ts("2026-12-10T06:00:00Z")),
            None
        );
    }

    #[test]
    fn reminder_changes_are_exact_and_skip_quiet_evenings() {
        let (c, tz) = (hucqueliers(), paris());
        let mut t = ts("2026-11-30T12:00:00Z");
        let mut changes = Vec::new();
        while let Some(next) = c.reminder_changes_after(&tz, t) {
            if next > ts("2026-12-10T00:00:00Z") {
                break;
            }
            changes.push(next);
            t = next;
        }
        assert_eq!(
            changes,
            [
                "2026-11-30T16:00:00Z", // Monday 17:00, household
                "2026-11-30T22:00:00Z",
                "2026-12-02T16:00:00Z", // Wednesday 17:00, packaging
                "2026-12-02T22:00:00Z",
                "2026-12-07T16:00:00Z", // Monday 17:00, household
                "2026-12-07T22:00:00Z",
            ]
            .map(ts)
        );
        // From inside the window, the next change is its end.
        assert_eq!(
            c.reminder_changes_after(&tz, ts("2026-11-30T17:00:00Z")),
            Some(ts("2026-11-30T22:00:00Z"))
        );
    }

    #[test]
    fn reminder_follows_daylight_saving_changes() {
        let (c, tz) = (hucqueliers(), paris());
        // Green waste on Monday 30 March 2026: Sunday evening 17:00 is already CEST (15:00 UTC).
        assert_eq!(
            c.reminder_changes_after(&tz, ts("2026-03-28T00:00:00Z")),
            Some(ts("2026-03-29T15:00:00Z"))
        );
        assert_eq!(
            c.reminder_at(&tz, ts("2026-03-29T15:00:00Z")),
            vec![Stream::GreenWaste]
        );
        // And on Monday 26 October: Sunday 17:00 is CET again (16:00 UTC).
        assert_eq!(
            c.reminder_changes_after(&tz, ts("2026-10-24T00:00:00Z")),
            Some(ts("2026-10-25T16:00:00Z"))
        );
        assert!(c.reminder_at(&tz, ts("2026-10-25T15:59:00Z")).is_empty());
    }

    #[test]
    fn contiguous_windows_change_only_when_the_streams_do() {
        let tz = paris();
        let c = CommuneWaste {
            commune: insee("62670"),
            name: "Preures".into(),
            streams: vec![
                coll(Stream::Household, &["2026-12-02", "2026-12-03"]),
                coll(Stream::Glass, &["2026-12-04"]),
            ],
            reminder: Reminder {
                start: TimeOfDay::MIDNIGHT,
                end: TimeOfDay::END_OF_DAY,
            },
        };
        // Whole-day reminders: Tuesday 1st and Wednesday 2nd both announce household waste,
        // so nothing changes at Wednesday midnight; Thursday announces glass.
        let t = ts("2026-11-30T12:00:00Z");
        assert_eq!(
            c.reminder_changes_after(&tz, t),
            Some(ts("2026-11-30T23:00:00Z"))
        );
        assert_eq!(
            c.reminder_changes_after(&tz, ts("2026-11-30T23:00:00Z")),
            Some(ts("2026-12-02T23:00:00Z"))
        );
        assert_eq!(
            c.reminder_at(&tz, ts("2026-12-02T23:00:00Z")),
            vec![Stream::Glass]
        );
        assert_eq!(
            c.reminder_changes_after(&tz, ts("2026-12-02T23:00:00Z")),
            Some(ts("2026-12-03T23:00:00Z"))
        );
    }

    #[test]
    fn validation_names_each_problem() {
        let mut data = realistic();
        let h = &mut data.communes[0];
        h.streams[0].dates = dates(&["2026-12-08", "2026-12-01", "2026-12-01"]);
        h.streams.push(coll(Stream::Packaging, &["2027-01-14"]));
        h.reminder = Reminder {
            start: "17:00".parse().unwrap(),
            end: "17:00".parse().unwrap(),
        };
        h.name = String::new();
        let mut dup = data.communes[1].clone();
        dup.name = "Fruges (doublon)".into();
        data.communes.push(dup);
        data.advice[1].id = "pot-yaourt".into();
        data.advice[0].name = Text::default();
        let p = data.check().unwrap_err();
        assert!(p.has("communes[62463].name", "must not be empty"), "{p}");
        assert!(
            p.has(
                "communes[62463].streams[household].dates",
                "2026-12-01 comes after 2026-12-08"
            ),
            "{p}"
        );
        assert!(
            p.has(
                "communes[62463].streams[household].dates",
                "2026-12-01 is listed twice"
            ),
            "{p}"
        );
        assert!(
            p.has(
                "communes[62463].streams[packaging].stream",
                "stream packaging is listed twice"
            ),
            "{p}"
        );
        assert!(
            p.has("communes[62463].reminder.end", "equals the start (17:00)"),
            "{p}"
        );
        assert!(
            p.has("communes[62364].commune", "commune 62364 is listed twice"),
            "{p}"
        );
        assert!(
            p.has("advice[pot-yaourt].id", "duplicate id \"pot-yaourt\""),
            "{p}"
        );
        assert!(
            p.has("advice[pot-yaourt].name", "at least one language"),
            "{p}"
        );
        assert_eq!(p.0.len(), 8, "{p}");
    }
}
