//! DATAtourisme records read into [`SourceEvent`]s: one JSON-LD record (an object file of an
//! export), a list of records, a JSON-LD document with an `@graph`, or the API's
//! `{"objects": […]}`; the API's plain keys (`label`, `type`, `uri`) are read like the
//! prefixed ones (`rdfs:label`, `@type`, `@id`).
//!
//! **Times.** DATAtourisme is French and writes dates and times of day as local wall-clock
//! values with no offset. A period (`takesPlaceAt`: `startDate`, `endDate`, `startTime`,
//! `endTime`) is read in the zone of the place: `Europe/Paris`, or the overseas zone its
//! INSEE or postal code names (971 Guadeloupe, 974 La Réunion…). Without times a period is
//! all-day, from the midnight starting `startDate` to the one after `endDate`; with times it
//! runs from `startDate` at `startTime` to `endDate` at `endTime` (an end time before the
//! start time on a one-day period is the next morning: a ball from 21:00 to 02:00); with only
//! a start time it ends at the end of its last day, with only an end time it starts at the
//! beginning of its first. Records without `takesPlaceAt` fall back on the top-level
//! `schema:startDate` and `schema:endDate` (paired by position, all-day).
//!
//! **Past periods** (ended at or before `now`) are dropped: records carry years of one-day
//! periods. A record with every period over is a problem (it is left out, and the officer
//! is told why); a faulty period is a problem and the record is read with the others.

use beffroi_protocol::data::events::{EventCategory, EventStatus};
use beffroi_protocol::text::{Lang, Text};
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ZonedDateTime};
use serde_json::{Map, Value};

use crate::json::{self, Reader, field, quote};
use crate::{Occurrence, Place, Read, ReadError, SourceEvent, Timing, category};

/// The zone of DATAtourisme's metropolitan records.
const DEFAULT_ZONE: &str = "Europe/Paris";

/// Zones of the overseas departments and communities by the first three digits of the INSEE
/// (or postal) code; everything else is metropolitan France.
const OVERSEAS_ZONES: &[(&str, &str)] = &[
    ("971", "America/Guadeloupe"),
    ("972", "America/Martinique"),
    ("973", "America/Cayenne"),
    ("974", "Indian/Reunion"),
    ("975", "America/Miquelon"),
    ("976", "Indian/Mayotte"),
    ("977", "America/St_Barthelemy"),
    ("978", "America/Marigot"),
    ("986", "Pacific/Wallis"),
    ("987", "Pacific/Tahiti"),
    ("988", "Pacific/Noumea"),
];

/// DATAtourisme and schema.org event classes (local names) and their category, in the
/// precedence of [`category::from_words`] (most specific first). Classes not listed here are
/// split into words (`GarageSale` → `Garage Sale`) and go through the word stems.
const TYPES: &[(EventCategory, &[&str])] = &[
    (
        EventCategory::Market,
        &[
            "SaleEvent",
            "Market",
            "GarageSale",
            "FleaMarket",
            "BricABrac",
            "Fair",
        ],
    ),
    (
        EventCategory::Concert,
        &["Concert", "MusicEvent", "Recital"],
    ),
    (
        EventCategory::Exhibition,
        &["Exhibition", "ExhibitionEvent", "VisualArtsEvent"],
    ),
    (EventCategory::Cinema, &["ScreeningEvent", "Screening"]),
    (
        EventCategory::Theatre,
        &[
            "TheaterEvent",
            "TheatreEvent",
            "ShowEvent",
            "DanceEvent",
            "ComedyEvent",
            "CircusEvent",
            "Circus",
            "Opera",
        ],
    ),
    (EventCategory::GuidedTour, &["Visit", "GuidedTour"]),
    (
        EventCategory::Sport,
        &["SportsEvent", "SportsCompetition", "SportsDemonstration"],
    ),
    (
        EventCategory::Workshop,
        &["Workshop", "EducationEvent", "Training"],
    ),
    (
        EventCategory::Conference,
        &[
            "Conference",
            "Congress",
            "Seminar",
            "Reading",
            "Debate",
            "LiteraryEvent",
        ],
    ),
    (EventCategory::Family, &["ChildrensEvent"]),
    (
        EventCategory::Festival,
        &["Festival", "Carnival", "Parade", "TraditionalCelebration"],
    ),
];

/// Classes every event (or every record) has: they say nothing of the kind of event.
const GENERIC_TYPES: &[&str] = &[
    "Event",
    "EntertainmentAndEvent",
    "PointOfInterest",
    "PlaceOfInterest",
    "CulturalEvent",
    "SocialEvent",
    "BusinessEvent",
    "Product",
];

/// File extensions of representations that are not pictures (brochures, videos).
const NOT_PICTURES: &[&str] = &[
    ".pdf", ".doc", ".docx", ".odt", ".mp4", ".mov", ".avi", ".webm", ".mp3", ".zip",
];

/// Reads a DATAtourisme record or a list of records; periods ended at or before `now` are
/// dropped (see the module documentation).
///
/// Records that cannot be read are problems and the others still count; a file that is not
/// JSON, or holds no record in a known shape, is a [`ReadError`].
pub fn read(bytes: &[u8], now: Timestamp) -> Result<Read, ReadError> {
    let root = json::parse(bytes)?;
    let default_zone = jiff::tz::db()
        .get(DEFAULT_ZONE)
        .map_err(|e| ReadError(format!("the time zone database has no {DEFAULT_ZONE}: {e}")))?;
    let (list, prefix) = match &root {
        Value::Array(items) => (items, ""),
        Value::Object(map) => match (map.get("@graph"), map.get("objects")) {
            (Some(Value::Array(items)), _) => (items, "@graph"),
            (None, Some(Value::Array(items))) => (items, "objects"),
            (Some(other), _) => {
                return Err(ReadError(format!(
                    "not a DATAtourisme document: \"@graph\" is {}, not a list",
                    quote(other)
                )));
            }
            _ if is_record(map) => {
                let mut reader = Reader::default();
                read_record(&mut reader, &root, "", now, &default_zone);
                return Ok(reader.finish());
            }
            _ => return Err(not_datatourisme()),
        },
        _ => return Err(not_datatourisme()),
    };
    let mut reader = Reader::default();
    for (i, item) in list.iter().enumerate() {
        read_record(
            &mut reader,
            item,
            &format!("{prefix}[{i}]"),
            now,
            &default_zone,
        );
    }
    Ok(reader.finish())
}

fn not_datatourisme() -> ReadError {
    ReadError(
        "not a DATAtourisme record: expected a JSON-LD object with \"@id\" and \
         \"takesPlaceAt\", a list of them, or an \"@graph\""
            .into(),
    )
}

/// A record rather than some other JSON object.
fn is_record(map: &Map<String, Value>) -> bool {
    ["@id", "uri", "uuid", "takesPlaceAt", "rdfs:label", "label"]
        .iter()
        .any(|k| map.contains_key(*k))
}

/// Reads the record at `path` (`[3]`, `@graph[3]`, or `""` for a file of one record).
fn read_record(reader: &mut Reader, v: &Value, path: &str, now: Timestamp, paris: &TimeZone) {
    if !v.is_object() {
        let message = format!("{path}: {} is not a record (an object)", quote(v));
        reader.problem(None, &Text::default(), message);
        return;
    }
    let title = json::get(v, &["rdfs:label", "label", "schema:name"])
        .map(json::text)
        .unwrap_or_default();
    let Some(id) = json::string_at(v, &["@id", "uri", "uuid", "dc:identifier"]) else {
        reader.problem(None, &title, format!("{}: missing", field(path, "@id")));
        return;
    };
    if title.is_empty() {
        let message = format!("{}: missing", field(path, "rdfs:label"));
        reader.problem(Some(&id), &title, message);
        return;
    }
    let types = json::get(v, &["@type", "type"])
        .map(json::strings)
        .unwrap_or_default();
    if !types.is_empty() && !types.iter().any(|t| is_event_type(local(t))) {
        let message = format!(
            "{}: {} names no event class: not an event",
            field(path, "@type"),
            quote(&Value::from(types.clone()))
        );
        reader.problem(Some(&id), &title, message);
        return;
    }

    let place = place(v);
    let tz = zone(&place, paris);
    let periods = periods(v, path, &tz);
    let mut occurrences = Vec::new();
    let mut last_over: Option<ZonedDateTime> = None;
    for occurrence in periods.occurrences {
        if occurrence.end.timestamp() > now {
            occurrences.push(occurrence);
        } else if last_over
            .as_ref()
            .is_none_or(|l| l.timestamp() < occurrence.end.timestamp())
        {
            last_over = Some(occurrence.end);
        }
    }
    let kept = !occurrences.is_empty();
    for error in periods.errors {
        let message = if kept {
            format!("{error} (the event is read without this period)")
        } else {
            error
        };
        reader.problem(Some(&id), &title, message);
    }
    if !kept {
        let name = field(path, periods.field);
        if let Some(last) = last_over {
            let message = format!(
                "{name}: every period is over (the last one ended {})",
                last.strftime("%Y-%m-%d %H:%M")
            );
            reader.problem(Some(&id), &title, message);
        } else if !periods.any {
            let message = format!("{name}: missing, so the event has no date");
            reader.problem(Some(&id), &title, message);
        }
        return;
    }

    let id_field = field(path, "@id");
    let event = SourceEvent {
        description: description(v),
        category: event_category(v, &types, &title),
        status: status(v),
        url: page(v),
        image_url: image(v),
        timing: Timing::List {
            occurrences: json::tidy(occurrences),
        },
        updated: updated(v, &tz),
        place,
        source_id: id,
        title,
    };
    reader.event(event, &id_field);
}

/// The local name of a class: `schema:Festival`, `https://…/core#Festival` → `Festival`.
fn local(class: &str) -> &str {
    class.rsplit([':', '#', '/']).next().unwrap_or(class)
}

/// An event class: DATAtourisme's `EntertainmentAndEvent` and its subclasses, schema.org's
/// `Event` and `…Event` classes, and the listed ones (`Festival`, `Concert`).
fn is_event_type(class: &str) -> bool {
    class.to_ascii_lowercase().contains("event")
        || TYPES.iter().any(|(_, names)| names.contains(&class))
}

/// The occurrences of a record's periods, one message per faulty period, the field they
/// came from, and whether the record had any period at all.
#[derive(Debug)]
struct Periods {
    occurrences: Vec<Occurrence>,
    errors: Vec<String>,
    field: &'static str,
    any: bool,
}

fn periods(v: &Value, path: &str, tz: &TimeZone) -> Periods {
    let mut found = Periods {
        occurrences: Vec::new(),
        errors: Vec::new(),
        field: "takesPlaceAt",
        any: false,
    };
    if let Some(periods) = json::get(v, &["takesPlaceAt", "schema:eventSchedule"]) {
        found.any = !list(periods).is_empty();
        for (i, p) in list(periods).iter().enumerate() {
            let name = field(path, &format!("takesPlaceAt[{i}]"));
            match period(p, &name, tz) {
                Ok(occurrence) => found.occurrences.push(occurrence),
                Err(error) => found.errors.push(error),
            }
        }
        return found;
    }
    // No period: the top-level dates, paired by position when both lists have the same
    // length (one-day events say each day twice), else each start date is one day.
    let starts = json::get(v, &["schema:startDate", "startDate"]).map_or(&[][..], list);
    let ends = json::get(v, &["schema:endDate", "endDate"]).map_or(&[][..], list);
    found.any = !starts.is_empty();
    if found.any {
        found.field = "schema:startDate";
    }
    let paired = starts.len() == ends.len();
    for (i, start) in starts.iter().enumerate() {
        let name = field(path, &format!("schema:startDate[{i}]"));
        let mut p = Map::new();
        p.insert("startDate".into(), start.clone());
        if paired {
            p.insert("endDate".into(), ends[i].clone());
        }
        // The messages name the period's fields; name the top-level ones instead.
        let end_name = field(path, &format!("schema:endDate[{i}]"));
        let rename = |error: String| {
            error
                .replace(&format!("{name}.startDate"), &name)
                .replace(&format!("{name}.endDate"), &end_name)
        };
        match period(&Value::Object(p), &name, tz) {
            Ok(occurrence) => found.occurrences.push(occurrence),
            Err(error) => found.errors.push(rename(error)),
        }
    }
    found
}

/// A time of day as DATAtourisme writes it; `24:00` is the midnight ending the day.
#[derive(Debug, Clone, Copy)]
enum Clock {
    At(Time),
    EndOfDay,
}

/// One period as an occurrence in `tz`; `name` is its path for messages.
fn period(p: &Value, name: &str, tz: &TimeZone) -> Result<Occurrence, String> {
    if !p.is_object() {
        return Err(format!(
            "{name}: {} is not a period (an object with startDate)",
            quote(p)
        ));
    }
    let date = |keys: &[&str]| -> Result<Option<(Date, &Value)>, String> {
        match json::get(p, keys) {
            None => Ok(None),
            Some(value) => parse_date(value)
                .map(|d| Some((d, value)))
                .ok_or_else(|| format!("{name}.{}: {} is not a date", keys[0], quote(value))),
        }
    };
    let clock = |keys: &[&str]| -> Result<Option<Clock>, String> {
        match json::get(p, keys) {
            None => Ok(None),
            Some(value) => parse_clock(value).map(Some).ok_or_else(|| {
                format!("{name}.{}: {} is not a time of day", keys[0], quote(value))
            }),
        }
    };
    let (start_date, start_text) = date(&["startDate", "schema:startDate"])?
        .ok_or_else(|| format!("{name}.startDate: missing"))?;
    let (end_date, end_text) =
        date(&["endDate", "schema:endDate"])?.unwrap_or((start_date, start_text));
    if end_date < start_date {
        return Err(format!(
            "{name}.endDate: {} is before its startDate {}",
            quote(end_text),
            quote(start_text)
        ));
    }
    let start_time = clock(&["startTime", "schema:startTime"])?;
    let end_time = clock(&["endTime", "schema:endTime"])?;

    let out_of_range = || format!("{name}: {} is out of range", quote(start_text));
    let at = |date: Date, clock: Clock| -> Result<ZonedDateTime, String> {
        let civil = match clock {
            Clock::At(time) => date.to_datetime(time),
            Clock::EndOfDay => date
                .tomorrow()
                .map_err(|_| out_of_range())?
                .to_datetime(Time::midnight()),
        };
        tz.to_zoned_datetime(civil).map_err(|_| out_of_range())
    };
    let midnight = Clock::At(Time::midnight());
    let start = at(start_date, start_time.unwrap_or(midnight))?;
    let mut end = at(end_date, end_time.unwrap_or(Clock::EndOfDay))?;
    if start_time.is_some() && end_time.is_some() && start_date == end_date && end < start {
        // One day from 21:00 to 02:00: the end is the next morning.
        let next = end_date.tomorrow().map_err(|_| out_of_range())?;
        end = at(next, end_time.unwrap_or(midnight))?;
    }
    if end.timestamp() < start.timestamp() {
        return Err(format!(
            "{name}.endTime: {} on {} is before its start",
            quote(json::get(p, &["endTime", "schema:endTime"]).unwrap_or(&Value::Null)),
            quote(end_text)
        ));
    }
    Ok(Occurrence {
        start,
        end,
        all_day: start_time.is_none() && end_time.is_none(),
        status: None,
    })
}

/// `2025-03-05`, possibly followed by a time or an offset (`xsd:date` allows `2025-03-05Z`).
fn parse_date(v: &Value) -> Option<Date> {
    let text = json::string(v)?;
    let (day, rest) = (text.get(..10)?, text.get(10..)?);
    let tail_ok = rest.is_empty() || rest.starts_with(['T', 't', 'Z', 'z', '+', '-', ' ']);
    if tail_ok { day.parse().ok() } else { None }
}

/// `14:00`, `14:00:00`, `14:00:00.000`, or `24:00`.
fn parse_clock(v: &Value) -> Option<Clock> {
    let text = json::string(v)?;
    if matches!(text.as_str(), "24:00" | "24:00:00") {
        return Some(Clock::EndOfDay);
    }
    // jiff reads "14" as 14:00; DATAtourisme always writes the minutes.
    if !text.contains(':') {
        return None;
    }
    text.parse().ok().map(Clock::At)
}

/// The zone of the place: overseas by its INSEE or postal code, else metropolitan.
fn zone(place: &Place, paris: &TimeZone) -> TimeZone {
    let code = place.insee.as_deref().unwrap_or(&place.postal_code);
    OVERSEAS_ZONES
        .iter()
        .find(|(prefix, _)| code.starts_with(prefix))
        .and_then(|(_, name)| jiff::tz::db().get(name).ok())
        .unwrap_or_else(|| paris.clone())
}

/// The first place the record is located at (`isLocatedAt` → `schema:address`).
fn place(v: &Value) -> Place {
    let Some(located) = json::get(v, &["isLocatedAt", "schema:location"]).map(json::single) else {
        return Place::default();
    };
    let name = json::get(located, &["rdfs:label", "schema:name", "label"])
        .map(json::text)
        .and_then(|t| t.get(&Lang::fr()).map(str::to_owned))
        .unwrap_or_default();
    let address = json::get(located, &["schema:address", "address"]).map(json::single);
    let Some(address) = address.filter(|a| a.is_object()) else {
        return Place {
            name,
            ..Place::default()
        };
    };
    let street = json::get(address, &["schema:streetAddress", "streetAddress"])
        .map(json::strings)
        .unwrap_or_default()
        .join(", ");
    let city_record = json::get(address, &["hasAddressCity"]).map(json::single);
    let city = json::string_at(address, &["schema:addressLocality", "addressLocality"])
        .or_else(|| {
            let label = json::get(city_record?, &["rdfs:label", "label"]).map(json::text)?;
            label.get(&Lang::fr()).map(str::to_owned)
        })
        .unwrap_or_default();
    Place {
        name,
        address: street,
        postal_code: json::string_at(address, &["schema:postalCode", "postalCode"])
            .unwrap_or_default(),
        city,
        insee: city_record.and_then(|c| json::string_at(c, &["insee"])),
    }
}

/// The long description in each language where written, else the short one, else the
/// comment (`rdfs:comment`); kept as written, the server makes it plain text.
fn description(v: &Value) -> Text {
    let descriptions = json::get(v, &["hasDescription"]);
    let items: Vec<&Value> = match descriptions {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one) => vec![one],
        None => Vec::new(),
    };
    let gather = |keys: &[&str]| {
        items
            .iter()
            .filter_map(|d| json::get(d, keys))
            .map(json::text)
            .fold(Text::default(), json::merge)
    };
    let long = gather(&["dc:description", "description"]);
    let short = gather(&["shortDescription"]);
    let comment = json::get(v, &["rdfs:comment", "comment"])
        .map(json::text)
        .unwrap_or_default();
    json::merge(json::merge(long, short), comment)
}

/// The category of the first listed class the record has, else what the other classes
/// (split into words), the themes and the title suggest.
fn event_category(v: &Value, types: &[&str], title: &Text) -> EventCategory {
    let locals: Vec<&str> = types.iter().map(|t| local(t)).collect();
    if let Some((category, _)) = TYPES
        .iter()
        .find(|(_, names)| locals.iter().any(|l| names.contains(l)))
    {
        return *category;
    }
    let classes: Vec<String> = locals
        .iter()
        .filter(|l| !GENERIC_TYPES.contains(l))
        .map(|l| words(l))
        .collect();
    let themes: Vec<&str> = json::get(v, &["hasTheme"])
        .map(|themes| {
            list(themes)
                .iter()
                .filter_map(|t| json::get(t, &["rdfs:label", "label"]))
                .flat_map(json::strings)
                .collect()
        })
        .unwrap_or_default();
    let words = classes
        .iter()
        .map(String::as_str)
        .chain(themes)
        .chain(title.0.values().map(String::as_str));
    category::from_words(words)
}

/// `GarageSale` → `Garage Sale`, so that word stems match class names.
fn words(class: &str) -> String {
    let mut out = String::with_capacity(class.len() + 4);
    for (i, c) in class.chars().enumerate() {
        if i > 0 && c.is_uppercase() {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// schema.org's `eventStatus`, when a record carries it (`schema:EventCancelled`…).
fn status(v: &Value) -> EventStatus {
    let statuses: Vec<&str> = json::get(v, &["schema:eventStatus", "eventStatus"])
        .map(|s| {
            let ids = json::get(s, &["@id"])
                .map(json::strings)
                .unwrap_or_default();
            json::strings(s).into_iter().chain(ids).collect()
        })
        .unwrap_or_default();
    if statuses.iter().any(|s| s.ends_with("EventCancelled")) {
        EventStatus::Cancelled
    } else if statuses.iter().any(|s| s.ends_with("EventPostponed")) {
        EventStatus::Postponed
    } else {
        EventStatus::Scheduled
    }
}

/// The first picture among the main representation, the other representations, and
/// `schema:image` (`…Representation` → `ebucore:hasRelatedResource` → `ebucore:locator`).
fn image(v: &Value) -> Option<String> {
    let resources = ["hasMainRepresentation", "hasRepresentation"]
        .iter()
        .filter_map(|k| json::get(v, &[*k]))
        .flat_map(list)
        .filter_map(|r| json::get(r, &["ebucore:hasRelatedResource", "hasRelatedResource"]))
        .flat_map(list)
        .filter_map(|r| json::get(r, &["ebucore:locator", "locator"]))
        .flat_map(json::strings);
    let schema = json::get(v, &["schema:image", "image"])
        .map(json::strings)
        .unwrap_or_default();
    resources
        .chain(schema)
        .filter(|u| is_picture(u))
        .find_map(json::http_url)
}

/// A value as a list (JSON-LD writes a list of one as the value alone).
fn list(v: &Value) -> &[Value] {
    v.as_array().map_or(std::slice::from_ref(v), Vec::as_slice)
}

/// False for brochures and videos (by the extension of the address's path).
fn is_picture(url: &str) -> bool {
    let path = url
        .split(['?', '#'])
        .next()
        .unwrap_or(url)
        .to_ascii_lowercase();
    !NOT_PICTURES.iter().any(|ext| path.ends_with(ext))
}

/// A page with more information: the record's own homepage, else its booking contact's,
/// else its contact's (often the organiser's site).
fn page(v: &Value) -> Option<String> {
    let homepage = |v: &Value| {
        json::get(v, &["foaf:homepage", "homepage", "schema:url"])
            .map(json::strings)
            .unwrap_or_default()
            .into_iter()
            .find_map(json::http_url)
    };
    homepage(v).or_else(|| {
        ["hasBookingContact", "hasContact"]
            .iter()
            .filter_map(|k| json::get(v, &[*k]))
            .flat_map(list)
            .find_map(homepage)
    })
}

/// When DATAtourisme last changed the record, else the day its producer did.
fn updated(v: &Value, tz: &TimeZone) -> Option<Timestamp> {
    if let Some(Ok(at)) = json::string_at(v, &["lastUpdateDatatourisme"]).map(|s| s.parse()) {
        return Some(at);
    }
    let day = json::get(v, &["lastUpdate"]).and_then(parse_date)?;
    tz.to_zoned_datetime(day.to_datetime(Time::midnight()))
        .ok()
        .map(|z| z.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SAMPLE: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/samples/events/datatourisme/49-00037bcf-28e4-3322-b72f-377587204703.json"
    );
    const SAMPLE_ID: &str = "https://data.datatourisme.fr/49/00037bcf-28e4-3322-b72f-377587204703";

    fn sample() -> Vec<u8> {
        std::fs::read(SAMPLE).unwrap_or_else(|e| panic!("{SAMPLE}: {e}"))
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn occurrences(event: &SourceEvent) -> &[Occurrence] {
        let Timing::List { occurrences } = &event.timing else {
            panic!("a list of occurrences")
        };
        occurrences
    }

    fn slot(o: &Occurrence) -> (String, String, bool) {
        (o.start.to_string(), o.end.to_string(), o.all_day)
    }

    fn paris_day(day: &str, next: &str, offset: &str) -> (String, String, bool) {
        (
            format!("{day}T00:00:00{offset}[Europe/Paris]"),
            format!("{next}T00:00:00{offset}[Europe/Paris]"),
            true,
        )
    }

    fn read_json(v: &Value, now: &str) -> Read {
        read(v.to_string().as_bytes(), ts(now)).expect("a DATAtourisme record")
    }

    fn messages(read: &Read) -> Vec<&str> {
        read.problems.iter().map(|p| p.message.as_str()).collect()
    }

    #[test]
    fn the_sample_record_is_read_with_its_coming_days_only() {
        // The sample has 537 one-day periods without times, every day from 9 November 2023
        // to 28 April 2025. On 15 June 2024 at noon, the days from 15 June 2024 on remain:
        // 16 in June, 31 + 31 + 30 + 31 + 30 + 31 in July to December, 31 + 28 + 31 in
        // January to March 2025 and 28 in April: 318.
        let read = read(&sample(), ts("2024-06-15T10:00:00Z")).unwrap();
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        let [event] = read.events.as_slice() else {
            panic!("one event")
        };
        assert_eq!(event.source_id, SAMPLE_ID);
        assert_eq!(
            event.title,
            Text::fr("EXPOSITION : \"ÉMOTIONS ENFOUIES\" D'ANNA-EVA BERGE")
        );
        let days = occurrences(event);
        assert_eq!(days.len(), 318);
        assert_eq!(
            slot(&days[0]),
            paris_day("2024-06-15", "2024-06-16", "+02:00")
        );
        assert_eq!(
            slot(&days[1]),
            paris_day("2024-06-16", "2024-06-17", "+02:00")
        );
        // Winter time from 27 October 2024; the day of the change is 25 hours long.
        assert_eq!(
            days.iter()
                .map(slot)
                .find(|s| s.0.starts_with("2024-10-27")),
            Some((
                "2024-10-27T00:00:00+02:00[Europe/Paris]".into(),
                "2024-10-28T00:00:00+01:00[Europe/Paris]".into(),
                true
            ))
        );
        assert_eq!(
            slot(&days[317]),
            paris_day("2025-04-28", "2025-04-29", "+02:00")
        );
        assert!(days.iter().all(|o| o.all_day && o.status.is_none()));
        assert!(
            days.windows(2)
                .all(|w| w[0].start.timestamp() < w[1].start.timestamp())
        );

        // Six languages in the long description, French first written as "Désormais, …".
        let languages: Vec<_> = event.description.0.keys().map(Lang::as_str).collect();
        assert_eq!(languages, ["de", "en", "es", "fr", "it", "nl"]);
        assert!(
            event.description.0[&Lang::fr()].starts_with("Désormais, pour une durée de trois ans")
        );
        assert_eq!(
            event.place,
            Place {
                name: String::new(),
                address: "19 rue Léopold Palustre, Saint-Hilaire-Saint-Florent".into(),
                postal_code: "49400".into(),
                city: "Saumur".into(),
                insee: Some("49328".into()),
            }
        );
        // Types: schema:Event, schema:ExhibitionEvent, CulturalEvent, EntertainmentAndEvent,
        // Exhibition, PointOfInterest.
        assert_eq!(event.category, EventCategory::Exhibition);
        assert_eq!(event.status, EventStatus::Scheduled);
        // No homepage of its own: its contact's (the cellars').
        assert_eq!(event.url.as_deref(), Some("http://www.ackerman.fr/"));
        assert_eq!(event.image_url, None);
        assert_eq!(event.updated, Some(ts("2023-11-09T04:23:14.307Z")));
    }

    #[test]
    fn an_ongoing_day_is_kept_and_a_day_just_over_is_dropped() {
        // At midnight ending 15 June the day of the 15th is over (its end is not after now).
        let midnight = read(&sample(), ts("2024-06-15T22:00:00Z")).unwrap();
        assert_eq!(occurrences(&midnight.events[0]).len(), 317);
        let before = read(&sample(), ts("2023-01-01T00:00:00Z")).unwrap();
        assert_eq!(occurrences(&before.events[0]).len(), 537);
        let last = read(&sample(), ts("2025-04-28T21:59:59Z")).unwrap();
        assert_eq!(occurrences(&last.events[0]).len(), 1);
    }

    #[test]
    fn a_record_whose_days_are_all_over_is_a_problem() {
        let read = read(&sample(), ts("2025-04-28T22:00:00Z")).unwrap();
        assert!(read.events.is_empty());
        let [problem] = read.problems.as_slice() else {
            panic!("one problem")
        };
        assert_eq!(problem.source_id.as_deref(), Some(SAMPLE_ID));
        assert_eq!(
            problem.title.as_deref(),
            Some("EXPOSITION : \"ÉMOTIONS ENFOUIES\" D'ANNA-EVA BERGE")
        );
        assert_eq!(
            problem.message,
            "takesPlaceAt: every period is over (the last one ended 2025-04-29 00:00)"
        );
    }

    #[test]
    fn top_level_dates_stand_in_for_missing_periods() {
        let mut record: Value = serde_json::from_slice(&sample()).unwrap();
        record.as_object_mut().unwrap().remove("takesPlaceAt");
        let read = read_json(&record, "2024-06-15T10:00:00Z");
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        let days = occurrences(&read.events[0]);
        assert_eq!(days.len(), 318);
        assert_eq!(
            slot(&days[0]),
            paris_day("2024-06-15", "2024-06-16", "+02:00")
        );
        let bad = read_json(
            &json!({"@id": "x", "rdfs:label": "Bal", "schema:startDate": ["2025-02-30"], "schema:endDate": ["2025-03-01"]}),
            "2025-01-01T00:00:00Z",
        );
        assert_eq!(
            messages(&bad),
            ["schema:startDate[0]: \"2025-02-30\" is not a date"]
        );
    }

    fn record(periods: Value) -> Value {
        json!({
            "@id": "https://data.datatourisme.fr/62/test",
            "@type": ["schema:Event", "EntertainmentAndEvent", "PointOfInterest"],
            "rdfs:label": {"fr": ["Fête de la Saint-Jean"], "nl": ["Sint-Jansfeest"]},
            "takesPlaceAt": periods,
        })
    }

    #[test]
    fn periods_with_times_run_from_start_to_end_in_local_time() {
        let read = read_json(
            &record(json!([
                {"startDate": "2025-06-21", "endDate": "2025-06-21", "startTime": "21:00:00", "endTime": "02:00:00"},
                {"startDate": "2025-07-01", "endDate": "2025-07-03", "startTime": "10:00", "endTime": "18:00"},
                {"startDate": "2025-07-05", "startTime": "20:30"},
                {"startDate": "2025-07-06", "endTime": "12:00"},
                {"startDate": "2025-07-07", "startTime": "18:00", "endTime": "24:00"},
                {"startDate": "2025-07-08", "endDate": "2025-07-09"},
                {"startDate": "2025-07-08", "endDate": "2025-07-09"},
            ])),
            "2025-01-01T00:00:00Z",
        );
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        let z = |s: &str| format!("2025-{s}+02:00[Europe/Paris]");
        let found: Vec<_> = occurrences(&read.events[0]).iter().map(slot).collect();
        assert_eq!(
            found,
            [
                // A ball until two in the morning.
                (z("06-21T21:00:00"), z("06-22T02:00:00"), false),
                // Several days with times: from the first day's start to the last day's end.
                (z("07-01T10:00:00"), z("07-03T18:00:00"), false),
                // A start time only: until the end of the day.
                (z("07-05T20:30:00"), z("07-06T00:00:00"), false),
                // An end time only: from the start of the day.
                (z("07-06T00:00:00"), z("07-06T12:00:00"), false),
                (z("07-07T18:00:00"), z("07-08T00:00:00"), false),
                // No time: whole days; the repeated period is read once.
                (z("07-08T00:00:00"), z("07-10T00:00:00"), true),
            ]
        );
        assert_eq!(read.events[0].category, EventCategory::Festival);
        assert_eq!(
            read.events[0].title,
            Text::fr("Fête de la Saint-Jean").with(Lang::nl(), "Sint-Jansfeest")
        );
    }

    #[test]
    fn overseas_places_have_their_own_zone() {
        let mut r = record(json!([{"startDate": "2025-07-14", "startTime": "09:00"}]));
        r["isLocatedAt"] = json!([{"schema:address": [{
            "schema:postalCode": "97400",
            "schema:addressLocality": "Saint-Denis",
            "hasAddressCity": {"insee": "97411", "rdfs:label": {"fr": ["Saint-Denis"]}}
        }]}]);
        let read = read_json(&r, "2025-01-01T00:00:00Z");
        assert_eq!(
            slot(&occurrences(&read.events[0])[0]).0,
            "2025-07-14T09:00:00+04:00[Indian/Reunion]"
        );
    }

    #[test]
    fn faulty_periods_are_problems_and_the_rest_still_counts() {
        let read = read_json(
            &json!([
                record(json!([
                    {"startDate": "2025-13-01"},
                    {"startDate": "2025-07-02", "endDate": "2025-07-01"},
                    {"startDate": "2025-07-03", "startTime": "25:00"},
                    {"startDate": "2025-07-04", "endTime": "noon"},
                    {"endDate": "2025-07-06"},
                    "2025-07-07",
                    {"startDate": "2025-07-08"},
                ])),
                {"@id": "b", "rdfs:label": {"fr": ["Sans date"]}},
                {"@id": "c", "rdfs:label": {"fr": ["Passé"]}, "takesPlaceAt": [{"startDate": "2024-12-31"}]},
                {"rdfs:label": {"fr": ["Sans identifiant"]}, "takesPlaceAt": []},
                {"@id": "e", "takesPlaceAt": [{"startDate": "2025-07-08"}]},
                {"@id": "f", "@type": ["schema:Restaurant", "PlaceOfInterest"], "rdfs:label": {"fr": ["Chez Paul"]}},
                {"@id": "g", "rdfs:label": {"fr": ["Que des erreurs"]}, "takesPlaceAt": {"startDate": "demain"}},
                record(json!([{"startDate": "2025-08-01"}])),
                "record",
            ]),
            "2025-01-01T00:00:00Z",
        );
        let ids: Vec<_> = read.events.iter().map(|e| e.source_id.as_str()).collect();
        assert_eq!(ids, ["https://data.datatourisme.fr/62/test"]);
        assert_eq!(occurrences(&read.events[0]).len(), 1);
        let kept = " (the event is read without this period)";
        let expected = [
            format!("[0].takesPlaceAt[0].startDate: \"2025-13-01\" is not a date{kept}"),
            format!("[0].takesPlaceAt[1].endDate: \"2025-07-01\" is before its startDate \"2025-07-02\"{kept}"),
            format!("[0].takesPlaceAt[2].startTime: \"25:00\" is not a time of day{kept}"),
            format!("[0].takesPlaceAt[3].endTime: \"noon\" is not a time of day{kept}"),
            format!("[0].takesPlaceAt[4].startDate: missing{kept}"),
            format!("[0].takesPlaceAt[5]: \"2025-07-07\" is not a period (an object with startDate){kept}"),
            "[1].takesPlaceAt: missing, so the event has no date".into(),
            "[2].takesPlaceAt: every period is over (the last one ended 2025-01-01 00:00)".into(),
            "[3].@id: missing".into(),
            "[4].rdfs:label: missing".into(),
            "[5].@type: [\"schema:Restaurant\",\"PlaceOfInterest\"] names no event class: not an event".into(),
            "[6].takesPlaceAt[0].startDate: \"demain\" is not a date".into(),
            "[7].@id: \"https://data.datatourisme.fr/62/test\" was already read earlier in the file; the first one is kept".into(),
            "[8]: \"record\" is not a record (an object)".into(),
        ];
        assert_eq!(messages(&read), expected);
        assert_eq!(read.problems[8].title.as_deref(), Some("Sans identifiant"));
        assert_eq!(read.problems[9].source_id.as_deref(), Some("e"));
    }

    #[test]
    fn categories_come_from_classes_then_words() {
        let category_of = |types: Value, extra: Value| {
            let mut r = record(json!([{"startDate": "2025-08-01"}]));
            r["@type"] = types;
            r["rdfs:label"] = json!({"fr": ["Dimanche au village"]});
            for (k, v) in extra.as_object().unwrap() {
                r[k] = v.clone();
            }
            read_json(&r, "2025-01-01T00:00:00Z").events[0].category
        };
        let none = json!({});
        assert_eq!(
            category_of(json!(["SaleEvent", "EntertainmentAndEvent"]), none.clone()),
            EventCategory::Market
        );
        assert_eq!(
            category_of(json!(["schema:ScreeningEvent"]), none.clone()),
            EventCategory::Cinema
        );
        assert_eq!(
            category_of(json!(["Festival", "Concert"]), none.clone()),
            EventCategory::Concert
        );
        assert_eq!(
            category_of(json!(["SportsEvent"]), none.clone()),
            EventCategory::Sport
        );
        // Not listed: split into words ("Hiking Event").
        assert_eq!(
            category_of(json!(["HikingEvent"]), none.clone()),
            EventCategory::Nature
        );
        // Generic classes only: the themes, then the title.
        let themes = json!({"hasTheme": [{"@id": "kb:Music", "rdfs:label": {"fr": ["Musique"]}}]});
        assert_eq!(
            category_of(json!(["CulturalEvent", "EntertainmentAndEvent"]), themes),
            EventCategory::Concert
        );
        assert_eq!(
            category_of(json!(["CulturalEvent"]), none),
            EventCategory::Other
        );
    }

    #[test]
    fn pictures_links_statuses_and_api_keys() {
        let r = json!({
            "uri": "https://data.datatourisme.fr/13/api",
            "type": ["Concert", "CulturalEvent", "EntertainmentAndEvent"],
            "label": {"@fr": "Concert de Noël", "@en": "Christmas concert"},
            "hasDescription": [{"shortDescription": {"fr": "Chorale"}}],
            "takesPlaceAt": [{"startDate": "2025-12-20", "startTime": "20:30:00"}],
            "isLocatedAt": [{"label": {"fr": "Église Saint-Martin"}, "address": [{"postalCode": "62310", "addressLocality": "Fruges", "streetAddress": ["Place de l'église"]}]}],
            "hasBookingContact": [{"homepage": ["https://billets.example.org/noel"]}],
            "hasContact": [{"foaf:homepage": ["https://mairie.example.org"]}],
            "hasRepresentation": [
                {"ebucore:hasRelatedResource": [{"ebucore:locator": ["https://example.org/programme.pdf"]}]},
                {"ebucore:hasRelatedResource": {"ebucore:locator": "https://example.org/affiche.jpg"}},
            ],
            "schema:eventStatus": {"@id": "schema:EventCancelled"},
            "lastUpdate": "2025-11-02",
        });
        let read = read_json(&r, "2025-01-01T00:00:00Z");
        let event = &read.events[0];
        assert_eq!(event.source_id, "https://data.datatourisme.fr/13/api");
        assert_eq!(
            event.title,
            Text::fr("Concert de Noël").with(Lang::en(), "Christmas concert")
        );
        assert_eq!(event.description, Text::fr("Chorale"));
        assert_eq!(event.category, EventCategory::Concert);
        assert_eq!(event.status, EventStatus::Cancelled);
        assert_eq!(
            event.image_url.as_deref(),
            Some("https://example.org/affiche.jpg")
        );
        assert_eq!(
            event.url.as_deref(),
            Some("https://billets.example.org/noel")
        );
        assert_eq!(
            event.place,
            Place {
                name: "Église Saint-Martin".into(),
                address: "Place de l'église".into(),
                postal_code: "62310".into(),
                city: "Fruges".into(),
                insee: None,
            }
        );
        assert_eq!(event.updated, Some(ts("2025-11-01T23:00:00Z")));
        assert_eq!(
            slot(&occurrences(event)[0]),
            (
                "2025-12-20T20:30:00+01:00[Europe/Paris]".into(),
                "2025-12-21T00:00:00+01:00[Europe/Paris]".into(),
                false
            )
        );
    }

    #[test]
    fn documents_lists_and_graphs_are_read_and_other_shapes_refused() {
        let one = record(json!([{"startDate": "2025-08-01"}]));
        let now = "2025-01-01T00:00:00Z";
        for doc in [
            json!([one.clone()]),
            json!({"@context": {}, "@graph": [one.clone()]}),
            json!({"objects": [one]}),
        ] {
            assert_eq!(read_json(&doc, now).events.len(), 1, "{doc}");
        }
        assert_eq!(read_json(&json!({"@graph": []}), now), Read::default());
        assert_eq!(read_json(&json!([]), now), Read::default());
        let error = |bytes: &[u8]| read(bytes, ts(now)).unwrap_err().0;
        assert_eq!(
            error(b"<rdf:RDF>"),
            "not JSON: expected value at line 1 column 1"
        );
        let not_dt = "not a DATAtourisme record: expected a JSON-LD object with \"@id\" and \
                      \"takesPlaceAt\", a list of them, or an \"@graph\"";
        assert_eq!(error(br#"{"events": []}"#), not_dt);
        assert_eq!(error(b"12"), not_dt);
        assert_eq!(
            error(br#"{"@graph": {"@id": "x"}}"#),
            "not a DATAtourisme document: \"@graph\" is {\"@id\":\"x\"}, not a list"
        );
    }

    /// Truncations and byte flips of the sample at many positions: never a panic.
    #[test]
    fn mutated_samples_never_panic() {
        let bytes = sample();
        let now = ts("2024-06-15T10:00:00Z");
        // Every position is too slow unoptimised (150 kB each); a prime step covers the
        // structure at different offsets, and the first and last 256 bytes entirely.
        let positions = (0..bytes.len())
            .step_by(997)
            .chain(0..256)
            .chain(bytes.len() - 256..bytes.len());
        for (i, position) in positions.enumerate() {
            let _ = read(&bytes[..position], now);
            let mut flipped = bytes.clone();
            flipped[position] ^= [0x01, 0x20, 0x80, 0xff][i % 4];
            let _ = read(&flipped, now);
        }
    }

    /// Every value of a reduced sample replaced by values of other kinds: never a panic.
    #[test]
    fn retyped_values_never_panic() {
        let mut root: Value = serde_json::from_slice(&sample()).unwrap();
        // Three periods and three top-level dates are enough structure, and fast.
        for key in ["takesPlaceAt", "schema:startDate", "schema:endDate"] {
            root[key].as_array_mut().unwrap().truncate(3);
        }
        root["hasMainRepresentation"] =
            json!([{"ebucore:hasRelatedResource": [{"ebucore:locator": ["https://x.fr/a.jpg"]}]}]);
        root["takesPlaceAt"][1]["startTime"] = json!("10:00");
        root["takesPlaceAt"][1]["endTime"] = json!("24:00");
        let replacements = [
            json!(null),
            json!(false),
            json!(-7),
            json!(""),
            json!("9999-12-31"),
            json!("24:00"),
            json!([]),
            json!([[]]),
            json!({}),
            json!({"@value": {}}),
        ];
        let now = ts("2023-11-10T10:00:00Z");
        for pointer in json::pointers(&root) {
            for replacement in &replacements {
                let mut mutated = root.clone();
                *mutated.pointer_mut(&pointer).unwrap() = replacement.clone();
                let _ = read(mutated.to_string().as_bytes(), now);
            }
        }
    }
}
