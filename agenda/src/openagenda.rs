//! OpenAgenda answers read into [`SourceEvent`]s: the API v2 answer for one event
//! (`{"success": true, "event": {…}}`) or a list (`{"events": […], "total": …, "after": …}`),
//! and the exports that hold a bare event or a bare list of events.
//!
//! **Times.** OpenAgenda stores each timing as an instant and writes it in RFC 3339 with an
//! offset that need not be the event's own (UTC, or the zone of the server that wrote it).
//! The wall-clock digits of the text are therefore not trusted, the instant is: each `begin`
//! and `end` is read as the instant it denotes and shown in the event's zone (`timezone`, else
//! the location's, else `Europe/Paris`). `2025-07-06T09:00:00Z` for a Paris event is 11:00;
//! `2025-07-06T11:00:00+01:00` is the instant 10:00Z, so 12:00 in Paris summer time. Only a
//! timing written with no offset at all is taken as wall-clock time in the event's zone.
//! OpenAgenda has no all-day flag (and no slot longer than 24 hours): a slot from local
//! midnight to 23:59 (or to the next midnight) is read as the whole day.
//!
//! **Publication.** Screens are public, so only what OpenAgenda itself shows the public is
//! read: an event whose `state` is present and not 2 (published: -1 refused, 0 to moderate,
//! 1 ready to publish), a `draft`, a `private` event or one `removed` from the agenda is
//! left out, with a problem saying why so that the officer knows where it went.
//!
//! **Timings.** `timings` lists every slot; list answers without `detailed=1` only carry
//! `firstTiming`, `nextTiming` and `lastTiming`, which are used when `timings` is absent (so
//! the server should ask for `detailed=1`). A faulty slot is a problem and the event is read
//! with its other slots; an event with no usable slot is left out.

use beffroi_protocol::data::events::{EventCategory, EventStatus};
use beffroi_protocol::text::Text;
use jiff::civil::{DateTime, Time};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ZonedDateTime};
use serde_json::{Map, Value};

use crate::{Occurrence, Place, Read, ReadError, SourceEvent, Timing, category};

use crate::json::{self, Reader, field, quote};

/// The zone of an event that names none (OpenAgenda's own default).
const DEFAULT_ZONE: &str = "Europe/Paris";

/// Where the public page of an event lives, given its agenda's slug and its own.
const EVENT_PAGE: &str = "https://openagenda.com";

/// Reads an OpenAgenda answer: one event, a list, or a bare event or list (exports).
///
/// Events that cannot be read (no uid, no title, no usable timing, not published) are
/// problems and the others still count; a file that is not JSON, or not in a shape described
/// in the module documentation, is a [`ReadError`].
pub fn read(bytes: &[u8]) -> Result<Read, ReadError> {
    let root = json::parse(bytes)?;
    let default_zone = jiff::tz::db()
        .get(DEFAULT_ZONE)
        .map_err(|e| ReadError(format!("the time zone database has no {DEFAULT_ZONE}: {e}")))?;
    let mut reader = Reader::default();
    match &root {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                read_event(&mut reader, item, &format!("[{i}]"), &default_zone);
            }
        }
        Value::Object(map) => {
            if let Some(event) = map.get("event") {
                if !event.is_object() {
                    return Err(ReadError(format!(
                        "not an OpenAgenda answer: \"event\" is {}, not an event",
                        quote(event)
                    )));
                }
                read_event(&mut reader, event, "event", &default_zone);
            } else if let Some(events) = map.get("events") {
                let Value::Array(items) = events else {
                    return Err(ReadError(format!(
                        "not an OpenAgenda answer: \"events\" is {}, not a list",
                        quote(events)
                    )));
                };
                for (i, item) in items.iter().enumerate() {
                    read_event(&mut reader, item, &format!("events[{i}]"), &default_zone);
                }
                reader.page_of(items.len(), map.get("total").and_then(Value::as_u64));
            } else if map.get("success") == Some(&Value::Bool(false)) || map.contains_key("error") {
                // An error answer saved as a file (expired key, unknown agenda).
                let message = json::string_at(&root, &["message", "error"])
                    .unwrap_or_else(|| "no message".into());
                return Err(ReadError(format!(
                    "OpenAgenda answered with an error: {message}"
                )));
            } else if is_event(map) {
                read_event(&mut reader, &root, "", &default_zone);
            } else {
                return Err(not_openagenda());
            }
        }
        _ => return Err(not_openagenda()),
    }
    Ok(reader.finish())
}

/// The address of the page after the one `bytes` answered at `url`, when the answer is one
/// page of a larger list: OpenAgenda's v2 API pages with `after[]` (the sort values of the
/// page's last event, as the answer gives them) and lists at most 300 events at a time.
/// `None`: the answer holds its whole list, or says nothing of a next page.
pub fn next_page(url: &str, bytes: &[u8]) -> Option<String> {
    let root: Value = serde_json::from_slice(bytes).ok()?;
    let listed = root.get("events")?.as_array()?.len() as u64;
    let total = root.get("total")?.as_u64()?;
    let after = root.get("after")?.as_array()?;
    if listed == 0 || total <= listed || after.is_empty() {
        return None;
    }
    let mut next = url::Url::parse(url).ok()?;
    let kept: Vec<(String, String)> = next
        .query_pairs()
        .filter(|(k, _)| k != "after[]" && k != "after")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    {
        let mut q = next.query_pairs_mut();
        q.clear();
        for (k, v) in &kept {
            q.append_pair(k, v);
        }
        for v in after {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            q.append_pair("after[]", &text);
        }
    }
    Some(next.to_string())
}

fn not_openagenda() -> ReadError {
    ReadError(
        "not an OpenAgenda answer: expected an object with \"event\" or \"events\", \
         an event, or a list of events"
            .into(),
    )
}

/// A bare event (an export of one event) rather than some other JSON object.
fn is_event(map: &Map<String, Value>) -> bool {
    ["uid", "timings", "firstTiming"]
        .iter()
        .any(|k| map.contains_key(*k))
}

/// Reads the event at `path` (`events[3]`, `event`, `[3]`, or `""` for a bare event).
fn read_event(reader: &mut Reader, v: &Value, path: &str, default_zone: &TimeZone) {
    if !v.is_object() {
        let message = format!("{path}: {} is not an event (an object)", quote(v));
        reader.problem(None, &Text::default(), message);
        return;
    }
    let title = json::get(v, &["title"]).map(json::text).unwrap_or_default();
    let Some(id) = json::string_at(v, &["uid"]) else {
        reader.problem(None, &title, format!("{}: missing", field(path, "uid")));
        return;
    };
    if title.is_empty() {
        reader.problem(
            Some(&id),
            &title,
            format!("{}: missing", field(path, "title")),
        );
        return;
    }
    if let Some((name, why)) = unpublished(v) {
        reader.problem(Some(&id), &title, format!("{}: {why}", field(path, name)));
        return;
    }

    let tz = zone(v).map_or_else(
        || default_zone.clone(),
        |name| match jiff::tz::db().get(&name) {
            Ok(tz) => tz,
            Err(_) => {
                let message = format!(
                    "{}: {} is not a time zone of the IANA database; {DEFAULT_ZONE} is used",
                    field(path, "timezone"),
                    quote(&Value::String(name))
                );
                reader.problem(Some(&id), &title, message);
                default_zone.clone()
            }
        },
    );

    let (occurrences, errors) = timings(v, path, &tz);
    let kept = !occurrences.is_empty();
    for error in errors {
        let message = if kept {
            format!("{error} (the event is read without this timing)")
        } else {
            error
        };
        reader.problem(Some(&id), &title, message);
    }
    if !kept {
        if !has_timings(v) {
            let message = format!(
                "{}: no timing, so the event has no date",
                field(path, "timings")
            );
            reader.problem(Some(&id), &title, message);
        }
        return;
    }

    let id_field = field(path, "uid");
    let event = SourceEvent {
        description: description(v),
        place: place(v),
        category: event_category(v, &title),
        status: status(v),
        url: page(v),
        image_url: json::get(v, &["image"]).and_then(image),
        timing: Timing::List { occurrences },
        updated: json::string_at(v, &["updatedAt"]).and_then(|s| s.parse::<Timestamp>().ok()),
        source_id: id,
        title,
    };
    reader.event(event, &id_field);
}

/// Why a published-looking event is not public, as (field, reason).
fn unpublished(v: &Value) -> Option<(&'static str, String)> {
    let yes = |key: &str| match json::get(v, &[key]) {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_i64() == Some(1),
        _ => false,
    };
    if yes("removed") {
        return Some(("removed", "true: removed from the agenda".into()));
    }
    if yes("draft") {
        return Some(("draft", "true: a draft, not published".into()));
    }
    if yes("private") {
        return Some((
            "private",
            "true: only the agenda's members may see it".into(),
        ));
    }
    let state = json::get(v, &["state"])?;
    let code = json::string(state).and_then(|s| s.parse::<i64>().ok());
    let what = match code {
        Some(2) => return None,
        Some(1) => "ready to publish but not published",
        Some(0) => "to moderate, not published",
        Some(-1) => "refused by the agenda's moderators",
        _ => "not a known state",
    };
    let message = format!(
        "{} ({what}): only published events (state 2) are shown",
        quote(state)
    );
    Some(("state", message))
}

/// The zone the event names, if any.
fn zone(v: &Value) -> Option<String> {
    json::string_at(v, &["timezone"])
        .or_else(|| json::get(v, &["location"]).and_then(|l| json::string_at(l, &["timezone"])))
}

/// True when the event has some timing field, even an empty or faulty one.
fn has_timings(v: &Value) -> bool {
    ["timings", "firstTiming", "nextTiming", "lastTiming"]
        .iter()
        .any(|k| json::get(v, &[*k]).is_some_and(|t| t.as_array().is_none_or(|l| !l.is_empty())))
}

/// The occurrences of the event's slots, and one message per faulty slot.
fn timings(v: &Value, path: &str, tz: &TimeZone) -> (Vec<Occurrence>, Vec<String>) {
    let mut errors = Vec::new();
    let list = match json::get(v, &["timings"]) {
        Some(Value::Array(list)) if !list.is_empty() => Some(list),
        Some(Value::Array(_)) | None => None,
        Some(other) => {
            let name = field(path, "timings");
            errors.push(format!("{name}: {} is not a list of timings", quote(other)));
            None
        }
    };
    let slots: Vec<(String, &Value)> = match list {
        Some(list) => list
            .iter()
            .enumerate()
            .map(|(i, t)| (format!("timings[{i}]"), t))
            .collect(),
        // A list answer without `detailed=1`: the slots it names (often the same one twice).
        None => ["firstTiming", "nextTiming", "lastTiming"]
            .iter()
            .filter_map(|k| json::get(v, &[*k]).map(|t| ((*k).to_owned(), t)))
            .collect(),
    };
    let mut found = Vec::new();
    for (name, slot) in slots {
        match timing(slot, &field(path, &name), tz) {
            Ok(occurrence) => found.push(occurrence),
            Err(error) => errors.push(error),
        }
    }
    (json::tidy(found), errors)
}

/// One slot `{begin, end}` (`start` in old exports), `name` being its path for messages.
fn timing(slot: &Value, name: &str, tz: &TimeZone) -> Result<Occurrence, String> {
    if !slot.is_object() {
        return Err(format!(
            "{name}: {} is not a timing (an object with begin and end)",
            quote(slot)
        ));
    }
    let instant = |keys: &[&str]| {
        let key = format!("{name}.{}", keys[0]);
        let value = json::get(slot, keys).ok_or_else(|| format!("{key}: missing"))?;
        value
            .as_str()
            .and_then(|s| zoned(s, tz))
            .map(|z| (z, value))
            .ok_or_else(|| format!("{key}: {} is not a date and time", quote(value)))
    };
    let (begin, begin_text) = instant(&["begin", "start"])?;
    let (end, end_text) = instant(&["end"])?;
    if end.timestamp() < begin.timestamp() {
        return Err(format!(
            "{name}.end: {} is before its begin {}",
            quote(end_text),
            quote(begin_text)
        ));
    }
    Ok(slot_occurrence(begin, end))
}

/// The instant a timing denotes, in the event's zone (see the module documentation); a text
/// with no offset is wall-clock time in that zone. `None` for a date alone or a non-date.
fn zoned(text: &str, tz: &TimeZone) -> Option<ZonedDateTime> {
    let text = text.trim();
    // A date alone ("2025-07-06") is no time slot; jiff would read it as midnight.
    let time = &text[text.find(['T', 't', ' '])? + 1..];
    if let Ok(instant) = text.parse::<Timestamp>() {
        return Some(instant.to_zoned_datetime(tz.clone()));
    }
    // Wall-clock only when no offset is written: a faulty offset must not be ignored.
    if time.contains(['+', '-', 'Z', 'z', '[']) {
        return None;
    }
    let civil: DateTime = text.parse().ok()?;
    tz.to_zoned_datetime(civil).ok()
}

/// The occurrence of a slot; a slot covering a whole local day (00:00 to 23:59 or to the next
/// midnight, OpenAgenda having no all-day flag) is an all-day occurrence.
fn slot_occurrence(begin: ZonedDateTime, end: ZonedDateTime) -> Occurrence {
    if begin.time() == Time::midnight() {
        let next_midnight = begin.date().tomorrow().and_then(|day| {
            begin
                .time_zone()
                .to_zoned_datetime(day.to_datetime(Time::midnight()))
        });
        if let Ok(next_midnight) = next_midnight {
            let to_23_59 = end.date() == begin.date() && end.hour() == 23 && end.minute() == 59;
            if to_23_59 || end.timestamp() == next_midnight.timestamp() {
                return Occurrence {
                    start: begin,
                    end: next_midnight,
                    all_day: true,
                    status: None,
                };
            }
        }
    }
    json::timed(begin, end)
}

/// The event's status from OpenAgenda's code (a number, or `{id}` with labels included).
fn status(v: &Value) -> EventStatus {
    let code = json::get(v, &["status"])
        .map(|s| json::get(s, &["id", "value"]).unwrap_or(s))
        .and_then(json::string)
        .and_then(|s| s.parse::<i64>().ok());
    status_from_code(code)
}

/// OpenAgenda's status codes: 1 scheduled, 2 rescheduled (its timings are the new ones),
/// 3 moved online, 4 postponed (no new date yet), 5 full, 6 cancelled; others read as
/// scheduled, the event still taking place as far as we know.
fn status_from_code(code: Option<i64>) -> EventStatus {
    match code {
        Some(4) => EventStatus::Postponed,
        Some(5) => EventStatus::Full,
        Some(6) => EventStatus::Cancelled,
        _ => EventStatus::Scheduled,
    }
}

/// The long description where written, completed by the short one in other languages. Kept
/// as written (markdown or HTML): the server makes it plain text.
fn description(v: &Value) -> Text {
    let long = json::get(v, &["longDescription"])
        .map(json::text)
        .unwrap_or_default();
    let short = json::get(v, &["description"])
        .map(json::text)
        .unwrap_or_default();
    json::merge(long, short)
}

/// The location as written (old exports say `placename`).
fn place(v: &Value) -> Place {
    let Some(location) = json::get(v, &["location"]) else {
        return Place::default();
    };
    let text = |keys: &[&str]| json::string_at(location, keys).unwrap_or_default();
    Place {
        name: text(&["name", "placename"]),
        address: text(&["address"]),
        postal_code: text(&["postalCode"]),
        city: text(&["city"]),
        insee: json::string_at(location, &["insee"]),
    }
}

/// The category that the title and the keywords (a list, or lists per language) suggest.
fn event_category(v: &Value, title: &Text) -> EventCategory {
    let keywords = json::get(v, &["keywords"])
        .map(json::strings)
        .unwrap_or_default();
    let words = title.0.values().map(String::as_str).chain(keywords);
    category::from_words(words)
}

/// The picture's address: `{base, filename, variants}` (API v2; the `full` variant, at its
/// original size, is taken over the 700-pixel `base` one, screens being larger), `{url}`,
/// or a plain address (old exports).
fn image(v: &Value) -> Option<String> {
    if let Some(url) = v.as_str() {
        return json::http_url(url);
    }
    if let Some(url) = json::string_at(v, &["url"]) {
        return json::http_url(&url);
    }
    let filename = json::get(v, &["variants"])
        .and_then(Value::as_array)
        .and_then(|variants| {
            variants
                .iter()
                .find(|variant| json::string_at(variant, &["type"]).as_deref() == Some("full"))
        })
        .and_then(|full| json::string_at(full, &["filename"]))
        .or_else(|| json::string_at(v, &["filename"]));
    let base = json::string_at(v, &["base"]);
    match (base, filename) {
        (_, Some(filename)) if json::http_url(&filename).is_some() => json::http_url(&filename),
        (Some(base), Some(filename)) => {
            let filename = filename.trim_start_matches('/');
            json::http_url(&format!("{}/{filename}", base.trim_end_matches('/')))
        }
        // Some third-party exports put the whole address in `base`.
        (Some(base), None) => json::http_url(&base),
        (None, Some(filename)) => json::http_url(&filename),
        (None, None) => None,
    }
}

/// A page with more information: the event's page on OpenAgenda when its agenda's slug is
/// known (it is up to date and links the registration), else its registration link, its
/// online access link, or the first link of its description.
fn page(v: &Value) -> Option<String> {
    let slug = |v: &Value| json::string_at(v, &["slug"]).filter(|s| is_slug(s));
    let agenda = json::get(v, &["originAgenda", "agenda"]).and_then(slug);
    let on_openagenda = agenda
        .zip(slug(v))
        .map(|(agenda, event)| format!("{EVENT_PAGE}/{agenda}/events/{event}"));
    let canonical = json::string_at(v, &["canonicalUrl"]).and_then(|u| json::http_url(&u));
    let registration = json::get(v, &["registration"])
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|r| json::string_at(r, &["type"]).is_none_or(|t| t == "link"))
        .filter_map(|r| json::string_at(r, &["value"]).or_else(|| json::string(r)))
        .find_map(|u| json::http_url(&u));
    let online = json::string_at(v, &["onlineAccessLink"]).and_then(|u| json::http_url(&u));
    let link = json::get(v, &["links"])
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|l| json::string_at(l, &["link"]))
        .find_map(|u| json::http_url(&u));
    on_openagenda
        .or(canonical)
        .or(registration)
        .or(online)
        .or(link)
}

/// A slug that can go in an address as is.
fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use beffroi_protocol::text::Lang;
    use serde_json::json;

    const EVENT: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/samples/events/openagenda/event.json"
    );
    const EVENTS: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/samples/events/openagenda/events.json"
    );

    fn sample(path: &str) -> Vec<u8> {
        std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn read_json(v: &Value) -> Read {
        read(v.to_string().as_bytes()).expect("an OpenAgenda answer")
    }

    /// `(start, end)` of each occurrence, as jiff writes them.
    fn slots(event: &SourceEvent) -> Vec<(String, String)> {
        let Timing::List { occurrences } = &event.timing else {
            panic!("a list of occurrences")
        };
        occurrences
            .iter()
            .map(|o| (o.start.to_string(), o.end.to_string()))
            .collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    fn messages(read: &Read) -> Vec<&str> {
        read.problems.iter().map(|p| p.message.as_str()).collect()
    }

    /// The two slots of the samples: 6 January 2025, 11:00–15:00 and 15:00–18:00 in Paris.
    fn sample_slots() -> Vec<(String, String)> {
        pairs(&[
            (
                "2025-01-06T11:00:00+01:00[Europe/Paris]",
                "2025-01-06T15:00:00+01:00[Europe/Paris]",
            ),
            (
                "2025-01-06T15:00:00+01:00[Europe/Paris]",
                "2025-01-06T18:00:00+01:00[Europe/Paris]",
            ),
        ])
    }

    fn sample_title() -> Text {
        Text::fr("Mon évènement").with(Lang::en(), "My event")
    }

    #[test]
    fn the_single_event_sample_is_not_published_so_it_is_a_problem() {
        // The sample's event is in state 0 (to moderate): a screen must not show it.
        let read = read(&sample(EVENT)).unwrap();
        assert!(read.events.is_empty());
        assert_eq!(read.problems.len(), 1);
        let problem = &read.problems[0];
        assert_eq!(problem.source_id.as_deref(), Some("9906334"));
        assert_eq!(problem.title.as_deref(), Some("Mon évènement"));
        assert_eq!(
            problem.message,
            "event.state: 0 (to moderate, not published): only published events (state 2) are shown"
        );
    }

    #[test]
    fn the_single_event_sample_once_published_is_read_whole() {
        let mut answer: Value = serde_json::from_slice(&sample(EVENT)).unwrap();
        answer["event"]["state"] = json!(2);
        let read = read_json(&answer);
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        let [event] = read.events.as_slice() else {
            panic!("one event")
        };
        assert_eq!(event.source_id, "9906334");
        assert_eq!(event.title, sample_title());
        assert_eq!(
            event.description,
            Text::fr("Description longue").with(Lang::en(), "Long description")
        );
        assert_eq!(slots(event), sample_slots());
        let Timing::List { occurrences } = &event.timing else {
            unreachable!()
        };
        assert!(occurrences.iter().all(|o| !o.all_day && o.status.is_none()));
        assert_eq!(event.status, EventStatus::Scheduled);
        assert_eq!(
            event.place,
            Place {
                name: "My location".into(),
                address: "122 rue de Charonne, 75011 Paris, France".into(),
                postal_code: "75011".into(),
                city: "Paris".into(),
                insee: None,
            }
        );
        // Keywords "my", "event", "mon", "évènement" and the title suggest nothing.
        assert_eq!(event.category, EventCategory::Other);
        assert_eq!(
            event.url.as_deref(),
            Some("https://openagenda.com/my-agenda/events/testing-6090479")
        );
        assert_eq!(event.image_url, None);
        assert_eq!(event.updated, Some("2025-01-09T13:53:30Z".parse().unwrap()));
    }

    #[test]
    fn the_list_sample_uses_first_and_last_timings() {
        // The list answer has no `timings`, no state, no zone (Paris by default), and no
        // agenda slug, so no page address.
        let read = read(&sample(EVENTS)).unwrap();
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        let [event] = read.events.as_slice() else {
            panic!("one event")
        };
        assert_eq!(event.source_id, "9906334");
        assert_eq!(event.title, sample_title());
        assert_eq!(
            event.description,
            Text::fr("Description courte").with(Lang::en(), "Short description")
        );
        assert_eq!(slots(event), sample_slots());
        assert_eq!(event.status, EventStatus::Scheduled);
        assert_eq!(
            event.place,
            Place {
                name: "My location".into(),
                address: "122 rue de Charonne, 75011 Paris, France".into(),
                city: "Paris".into(),
                ..Place::default()
            }
        );
        assert_eq!(event.category, EventCategory::Other);
        assert_eq!(event.url, None);
        assert_eq!(event.updated, None);
    }

    fn event(extra: Value) -> Value {
        let mut event = json!({
            "uid": 1,
            "title": {"fr": "Concert d'été"},
            "timings": [{"begin": "2025-07-06T20:00:00+02:00", "end": "2025-07-06T22:00:00+02:00"}],
        });
        for (k, v) in extra.as_object().unwrap() {
            event[k] = v.clone();
        }
        event
    }

    #[test]
    fn status_codes_map_to_statuses() {
        let expected = [
            (1, EventStatus::Scheduled),
            (2, EventStatus::Scheduled),
            (3, EventStatus::Scheduled),
            (4, EventStatus::Postponed),
            (5, EventStatus::Full),
            (6, EventStatus::Cancelled),
            (7, EventStatus::Scheduled),
        ];
        for (code, status) in expected {
            let read = read_json(&event(json!({"status": code})));
            assert_eq!(read.events[0].status, status, "{code}");
        }
        let labelled = read_json(&event(
            json!({"status": {"id": 6, "label": {"fr": "Annulé"}}}),
        ));
        assert_eq!(labelled.events[0].status, EventStatus::Cancelled);
        let text = read_json(&event(json!({"status": "5"})));
        assert_eq!(text.events[0].status, EventStatus::Full);
    }

    #[test]
    fn offsets_are_instants_shown_in_the_events_zone() {
        // The rule of the module: the instant counts, not the digits. "11:00+01:00" on a
        // July day in Paris is 10:00Z, which Paris (UTC+2 in summer) shows as 12:00; a "Z"
        // time is 2 hours later in Paris; no offset means Paris wall-clock time.
        let read = read_json(&event(json!({"timings": [
            {"begin": "2025-07-06T11:00:00+01:00", "end": "2025-07-06T12:00:00+01:00"},
            {"begin": "2025-07-07T09:00:00Z", "end": "2025-07-07T10:00:00.000Z"},
            {"begin": "2025-07-08T09:00:00", "end": "2025-07-08T10:00:00"},
            {"begin": "2025-07-09T09:00:00.000+0200", "end": "2025-07-09T10:00:00.000+0200"},
        ]})));
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        assert_eq!(
            slots(&read.events[0]),
            pairs(&[
                (
                    "2025-07-06T12:00:00+02:00[Europe/Paris]",
                    "2025-07-06T13:00:00+02:00[Europe/Paris]"
                ),
                (
                    "2025-07-07T11:00:00+02:00[Europe/Paris]",
                    "2025-07-07T12:00:00+02:00[Europe/Paris]"
                ),
                (
                    "2025-07-08T09:00:00+02:00[Europe/Paris]",
                    "2025-07-08T10:00:00+02:00[Europe/Paris]"
                ),
                (
                    "2025-07-09T09:00:00+02:00[Europe/Paris]",
                    "2025-07-09T10:00:00+02:00[Europe/Paris]"
                ),
            ])
        );
    }

    #[test]
    fn the_events_zone_or_its_locations_is_used() {
        let own = read_json(&event(json!({"timezone": "America/Guadeloupe"})));
        assert_eq!(
            slots(&own.events[0])[0].0,
            "2025-07-06T14:00:00-04:00[America/Guadeloupe]"
        );
        let located = read_json(&event(json!({"location": {"timezone": "Europe/London"}})));
        assert_eq!(
            slots(&located.events[0])[0].0,
            "2025-07-06T19:00:00+01:00[Europe/London]"
        );
        let unknown = read_json(&event(json!({"timezone": "Mars/Olympus"})));
        assert_eq!(
            slots(&unknown.events[0])[0].0,
            "2025-07-06T20:00:00+02:00[Europe/Paris]"
        );
        assert_eq!(
            messages(&unknown),
            [
                "timezone: \"Mars/Olympus\" is not a time zone of the IANA database; Europe/Paris is used"
            ]
        );
    }

    #[test]
    fn whole_day_slots_are_all_day_occurrences() {
        let read = read_json(&event(json!({"timings": [
            {"begin": "2025-07-06T00:00:00+02:00", "end": "2025-07-06T23:59:00+02:00"},
            {"begin": "2025-07-07T00:00:00+02:00", "end": "2025-07-08T00:00:00+02:00"},
            {"begin": "2025-07-09T00:00:00+02:00", "end": "2025-07-09T12:00:00+02:00"},
        ]})));
        let Timing::List { occurrences } = &read.events[0].timing else {
            unreachable!()
        };
        let days: Vec<_> = occurrences
            .iter()
            .map(|o| (o.start.to_string(), o.end.to_string(), o.all_day))
            .collect();
        let z = |s: &str| format!("2025-07-{s}+02:00[Europe/Paris]");
        assert_eq!(
            days,
            [
                (z("06T00:00:00"), z("07T00:00:00"), true),
                (z("07T00:00:00"), z("08T00:00:00"), true),
                (z("09T00:00:00"), z("09T12:00:00"), false),
            ]
        );
    }

    #[test]
    fn faulty_events_are_problems_and_the_others_still_count() {
        let answer = json!({"events": [
            event(json!({"uid": 1})),
            event(json!({"uid": 2, "timings": []})),
            {"title": {"fr": "Sans identifiant"}},
            event(json!({"uid": 4, "title": {"fr": " "}})),
            event(json!({"uid": 5, "timings": [
                {"begin": "2025-13-01T10:00:00+01:00", "end": "2025-12-01T12:00:00+01:00"},
                {"begin": "2025-12-02T10:00:00+01:00", "end": "2025-12-02T09:00:00+01:00"},
                {"begin": "2025-12-03T10:00:00+01:00", "end": "2025-12-03T12:00:00+01:00"},
                {"begin": "2025-12-04", "end": "2025-12-04"},
                {"end": "2025-12-05T10:00:00+01:00"},
                "tomorrow",
            ]})),
            event(json!({"uid": 6, "timings": [{"begin": "2025-12-01T10:00:00+0x:00", "end": "x"}]})),
            event(json!({"uid": 1, "title": {"fr": "Doublon"}})),
            event(json!({"uid": 8, "draft": true})),
            event(json!({"uid": 9, "state": -1})),
            event(json!({"uid": 10, "private": true})),
            event(json!({"uid": 11, "state": 2, "timezone": null})),
            42,
        ]});
        let read = read_json(&answer);
        let ids: Vec<_> = read.events.iter().map(|e| e.source_id.as_str()).collect();
        assert_eq!(ids, ["1", "5", "11"]);
        assert_eq!(
            slots(&read.events[1]),
            pairs(&[(
                "2025-12-03T10:00:00+01:00[Europe/Paris]",
                "2025-12-03T12:00:00+01:00[Europe/Paris]"
            )])
        );
        let found: Vec<_> = read
            .problems
            .iter()
            .map(|p| (p.source_id.as_deref(), p.message.as_str()))
            .collect();
        let kept = " (the event is read without this timing)";
        assert_eq!(
            found,
            [
                (Some("2"), "events[1].timings: no timing, so the event has no date".to_owned()),
                (None, "events[2].uid: missing".to_owned()),
                (Some("4"), "events[3].title: missing".to_owned()),
                (
                    Some("5"),
                    format!("events[4].timings[0].begin: \"2025-13-01T10:00:00+01:00\" is not a date and time{kept}")
                ),
                (
                    Some("5"),
                    format!("events[4].timings[1].end: \"2025-12-02T09:00:00+01:00\" is before its begin \"2025-12-02T10:00:00+01:00\"{kept}")
                ),
                (
                    Some("5"),
                    format!("events[4].timings[3].begin: \"2025-12-04\" is not a date and time{kept}")
                ),
                (Some("5"), format!("events[4].timings[4].begin: missing{kept}")),
                (
                    Some("5"),
                    format!("events[4].timings[5]: \"tomorrow\" is not a timing (an object with begin and end){kept}")
                ),
                (
                    Some("6"),
                    "events[5].timings[0].begin: \"2025-12-01T10:00:00+0x:00\" is not a date and time".to_owned()
                ),
                (
                    Some("1"),
                    "events[6].uid: \"1\" was already read earlier in the file; the first one is kept".to_owned()
                ),
                (Some("8"), "events[7].draft: true: a draft, not published".to_owned()),
                (
                    Some("9"),
                    "events[8].state: -1 (refused by the agenda's moderators): only published events (state 2) are shown".to_owned()
                ),
                (
                    Some("10"),
                    "events[9].private: true: only the agenda's members may see it".to_owned()
                ),
                (None, "events[11]: 42 is not an event (an object)".to_owned()),
            ]
            .iter()
            .map(|(id, m)| (*id, m.as_str()))
            .collect::<Vec<_>>()
        );
        assert_eq!(read.problems[2].title.as_deref(), None);
        assert_eq!(read.problems[1].title.as_deref(), Some("Sans identifiant"));
    }

    #[test]
    fn shapes_that_are_not_openagenda_answers_are_read_errors() {
        let error = |bytes: &[u8]| read(bytes).unwrap_err().0;
        assert_eq!(
            error(b"BEGIN:VCALENDAR"),
            "not JSON: expected value at line 1 column 1"
        );
        assert_eq!(
            error(b""),
            "not JSON: EOF while parsing a value at line 1 column 0"
        );
        let not_oa = "not an OpenAgenda answer: expected an object with \"event\" or \"events\", \
                      an event, or a list of events";
        assert_eq!(error(br#"{"agenda": {}}"#), not_oa);
        assert_eq!(error(b"\"events\""), not_oa);
        assert_eq!(
            error(br#"{"events": {"uid": 1}}"#),
            "not an OpenAgenda answer: \"events\" is {\"uid\":1}, not a list"
        );
        assert_eq!(
            error(br#"{"success": true, "event": null}"#),
            "not an OpenAgenda answer: \"event\" is null, not an event"
        );
        assert_eq!(
            error(br#"{"success": false, "message": "invalid key"}"#),
            "OpenAgenda answered with an error: invalid key"
        );
    }

    #[test]
    fn empty_answers_are_empty_reads() {
        for empty in [&br#"{"events": [], "total": 0, "after": null}"#[..], b"[]"] {
            assert_eq!(read(empty).unwrap(), Read::default());
        }
    }

    #[test]
    fn bare_events_and_lists_are_read() {
        let bare = read_json(&event(json!({})));
        assert_eq!(bare.events.len(), 1);
        let list = read_json(&json!([
            event(json!({"uid": "a"})),
            event(json!({"uid": "b"}))
        ]));
        let ids: Vec<_> = list.events.iter().map(|e| e.source_id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
        let faulty = read_json(&json!([event(json!({"uid": null}))]));
        assert_eq!(messages(&faulty), ["[0].uid: missing"]);
    }

    #[test]
    fn monolingual_answers_and_keywords_give_texts_and_categories() {
        let read = read_json(&event(json!({
            "title": "Grande braderie",
            "description": "Courte",
            "longDescription": {"fr": "**Longue**", "de": "Lang", "xyz": "?"},
            "keywords": ["vide-grenier"],
        })));
        let event = &read.events[0];
        assert_eq!(event.title, Text::fr("Grande braderie"));
        assert_eq!(
            event.description,
            Text::fr("**Longue**").with("de".parse().unwrap(), "Lang")
        );
        assert_eq!(event.category, EventCategory::Market);
        let keywords = read_json(&event_with_keywords());
        assert_eq!(keywords.events[0].category, EventCategory::Nature);
    }

    fn event_with_keywords() -> Value {
        event(
            json!({"title": {"fr": "Sortie du dimanche"}, "keywords": {"fr": ["randonnée"], "en": ["hike"]}}),
        )
    }

    #[test]
    fn images_are_absolute_addresses() {
        let image_of = |image: Value| {
            read_json(&event(json!({"image": image}))).events[0]
                .image_url
                .clone()
        };
        let v2 = json!({
            "filename": "23fc.base.image.jpg",
            "size": {"width": 700, "height": 394},
            "variants": [
                {"filename": "23fc.full.image.jpg", "type": "full"},
                {"filename": "23fc.thumb.image.jpg", "type": "thumbnail"},
            ],
            "base": "https://cdn.openagenda.com/main/",
        });
        assert_eq!(
            image_of(v2).as_deref(),
            Some("https://cdn.openagenda.com/main/23fc.full.image.jpg")
        );
        let base_only =
            json!({"filename": "a.base.image.jpg", "base": "https://cibul.s3.amazonaws.com"});
        assert_eq!(
            image_of(base_only).as_deref(),
            Some("https://cibul.s3.amazonaws.com/a.base.image.jpg")
        );
        assert_eq!(
            image_of(json!("//cibul.s3.amazonaws.com/event_x.jpg")).as_deref(),
            Some("https://cibul.s3.amazonaws.com/event_x.jpg")
        );
        assert_eq!(
            image_of(json!({"url": "https://example.org/p.jpg"})).as_deref(),
            Some("https://example.org/p.jpg")
        );
        assert_eq!(image_of(json!({"filename": "a.jpg"})), None);
        assert_eq!(
            image_of(json!({"base": "https://cdn.openagenda.com/main/", "filename": "https://x.fr/a.jpg"}))
                .as_deref(),
            Some("https://x.fr/a.jpg")
        );
        assert_eq!(image_of(json!("javascript:alert(1)")), None);
    }

    #[test]
    fn the_page_is_the_openagenda_one_else_a_link_of_the_event() {
        let url_of = |extra: Value| read_json(&event(extra)).events[0].url.clone();
        assert_eq!(
            url_of(json!({
                "slug": "fete-7",
                "originAgenda": {"slug": "ville-de-fruges"},
                "registration": [{"type": "link", "value": "https://billets.example.org"}],
            }))
            .as_deref(),
            Some("https://openagenda.com/ville-de-fruges/events/fete-7")
        );
        assert_eq!(
            url_of(json!({
                "slug": "fete-7",
                "originAgenda": {"slug": "../x"},
                "registration": [
                    {"type": "phone", "value": "0321000000"},
                    {"type": "link", "value": "https://billets.example.org"},
                ],
            }))
            .as_deref(),
            Some("https://billets.example.org")
        );
        assert_eq!(
            url_of(json!({"onlineAccessLink": "https://visio.example.org/x", "links": [{"link": "https://youtu.be/x"}]}))
                .as_deref(),
            Some("https://visio.example.org/x")
        );
        assert_eq!(
            url_of(json!({"links": [{"link": "mailto:a@b.fr"}, {"link": "https://youtu.be/x"}]}))
                .as_deref(),
            Some("https://youtu.be/x")
        );
    }

    /// Every truncation and many byte flips of the samples: never a panic.
    #[test]
    fn mutated_samples_never_panic() {
        for path in [EVENT, EVENTS] {
            let bytes = sample(path);
            for cut in 0..bytes.len() {
                let _ = read(&bytes[..cut]);
            }
            for (i, position) in (0..bytes.len()).step_by(7).enumerate() {
                let mut flipped = bytes.clone();
                flipped[position] ^= [0x01, 0x20, 0x80, 0xff][i % 4];
                let _ = read(&flipped);
            }
        }
    }

    /// Every value of the samples replaced by values of other kinds: never a panic, and the
    /// reader's answer is either a read or a clear error.
    #[test]
    fn retyped_values_never_panic() {
        let replacements = [
            json!(null),
            json!(true),
            json!(-1),
            json!(1.5e300),
            json!(""),
            json!("2025-07-06T00:00:00Z"),
            json!([]),
            json!([{}]),
            json!({}),
            json!({"fr": 1}),
        ];
        for path in [EVENT, EVENTS] {
            let mut root: Value = serde_json::from_slice(&sample(path)).unwrap();
            if let Some(state) = root.pointer_mut("/event/state") {
                *state = json!(2);
            }
            let pointers = json::pointers(&root);
            for pointer in &pointers {
                for replacement in &replacements {
                    let mut mutated = root.clone();
                    *mutated.pointer_mut(pointer).unwrap() = replacement.clone();
                    let _ = read(mutated.to_string().as_bytes());
                }
            }
        }
    }

    #[test]
    fn one_page_of_a_larger_answer_says_so() {
        let whole = read(&sample(EVENTS)).unwrap();
        assert_eq!(whole.partial, None, "the sample lists its only event");
        let mut page: Value = serde_json::from_slice(&sample(EVENTS)).unwrap();
        page["total"] = json!(301);
        let read = read(&serde_json::to_vec(&page).unwrap()).unwrap();
        assert_eq!(read.events.len(), 1);
        assert_eq!(
            read.partial.as_deref(),
            Some("the answer lists 1 of 301 events (one page)")
        );
    }

    #[test]
    fn the_next_page_carries_the_after_values_and_keeps_the_rest_of_the_query() {
        let url = "https://api.openagenda.com/v2/agendas/1/events?key=K&size=2&after[]=old";
        let page =
            json!({ "total": 5, "events": [{}, {}], "after": ["2026-12-08T10:00:00.000Z", 42] });
        let next = next_page(url, &serde_json::to_vec(&page).unwrap()).unwrap();
        assert_eq!(
            next,
            "https://api.openagenda.com/v2/agendas/1/events?key=K&size=2&after%5B%5D=2026-12-08T10%3A00%3A00.000Z&after%5B%5D=42"
        );
        let last = json!({ "total": 2, "events": [{}, {}], "after": ["x"] });
        assert_eq!(next_page(url, &serde_json::to_vec(&last).unwrap()), None);
        assert_eq!(next_page(url, &sample(EVENTS)), None);
        assert_eq!(next_page(url, b"not json"), None);
    }
}
