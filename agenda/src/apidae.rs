//! Apidae objects read into [`SourceEvent`]s: one object (the API's `objet-touristique/get-by-id`
//! answer), a list of objects, the API's search answer (`{"numFound": …,
//! "objetsTouristiques": […]}`), or an **export ZIP** as Apidae's "export" feature writes it.
//!
//! **Which objects.** Only `FETE_ET_MANIFESTATION` objects are events; any other type (a hotel,
//! a restaurant) and any object whose `state` is present and not `PUBLISHED` (`HIDDEN`,
//! `ARCHIVED`, `DELETED`) is left out with a problem saying why, so that the officer knows
//! where it went. Texts (`nom`, `presentation.descriptifCourt` and `descriptifDetaille`) come as
//! `libelleFr`, `libelleEn`, `libelleNl`, `libellePtBR`… and are read per two-letter language.
//!
//! **The export ZIP.** Its objects are in `objets_modifies/objets_modifies-N.json` (lists of
//! objects, read in the order of N); `communes.json` names the communes that objects give by id
//! only (`localisation.adresse.commune: {"id": 30248}`: INSEE code, name, postal code), and
//! `elements_reference.json` the labels of reference elements given by id (event categories,
//! themes, types). `objets_supprimes.json` (ids deleted since the last export) is ignored: the
//! server marks an event missing from an import as removed, which covers it; `selections.json`,
//! `criteres_internes.json` and `__MACOSX/` are ignored too. The archive is bounded: more than
//! [`MAX_ENTRIES`] entries, or more than [`MAX_UNZIPPED`] bytes once uncompressed (declared or
//! actually read), refuse the whole file (zip bombs). A member that cannot be read refuses the
//! whole file too: reading the others would remove its events.
//!
//! **Times.** Apidae writes dates (`2025-07-14`) and times of day (`10:00:00`) as wall-clock
//! values; they are read in `Europe/Paris`. Each period of `ouverture.periodesOuvertures` runs
//! from `dateDebut` to `dateFin`:
//! - with times (`horaireOuverture`, `horaireFermeture`), each day open is one occurrence from
//!   the opening to the closing time (a festival 10:00–18:00 from Friday to Sunday is three
//!   slots; a closing time before the opening is the next morning; an opening time alone runs to
//!   the end of the day, a closing time alone from its start);
//! - without times, the days open are whole days, consecutive ones joined (a fair from 11 to 13
//!   November is one occurrence up to the midnight after the 13th).
//!
//! The days open are every day of the period (`OUVERTURE_TOUS_LES_JOURS`, and types this reader
//! does not know), the weekdays of `ouverturesJournalieres` (`OUVERTURE_SEMAINE`; `TOUS` is every
//! day), every day but those (`OUVERTURE_SAUF`), or the weekdays of given weeks of the month of
//! `ouverturesJourDuMois` (`OUVERTURE_MOIS`: `D_1ER` to `D_4EME`, `D_DERNIER` the last), plus the
//! dates of `ouverturesExceptionnelles` within the period, less the days of
//! `ouverture.fermeturesExceptionnelles` (a date, or a named day every year: `PREMIER_MAI`,
//! `LUNDI_PAQUES`…). The multi-hour schedule Apidae adds to periods since 2025
//! (`horaires[].timePeriods[]`, or `timePeriods[]` as the write API takes it) replaces the legacy
//! fields and weekdays when it opens on some weekday: the "Ouverture" schedule (else every
//! schedule given), each time period applying on its `weekdays` (`MON`…`SUN`, all of them when
//! none is listed; on a French public holiday, the time periods listing `HOL` replace those of
//! its weekday when there are any), with one occurrence per time frame (`startTime`, `endTime`;
//! a `recurrence` is ignored: one slot from the start to the end), a whole day when it has no
//! frame, and nothing on a day one `closed` time period applies to.
//! `tousLesAns` ("every year") is ignored: the period is read with the years it is written with,
//! because a yearly event seldom falls on the same dates (the first Sunday of July moves), and
//! a guessed date on a public screen is worse than none; producers update the dates each year.
//!
//! **Past days** (ended at or before `now`) are dropped; an event with every period over is a
//! problem. Days are enumerated from the day before `now` (or the last two months of a period
//! already over, to say when it ended), at most [`MAX_DAYS`] per period: the rest of a longer
//! period is left to later imports, with a problem. A period of whole days, every day and no
//! closure, is one occurrence however long (a year-long exhibition).

use std::collections::{HashMap, HashSet};
use std::io::{Cursor, Read as _};

use beffroi_protocol::data::events::{EventCategory, EventStatus};
use beffroi_protocol::text::{Lang, Text, fold};
use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan, ZonedDateTime};
use serde_json::Value;

use crate::json::{self, Reader, field, quote};
use crate::{Occurrence, Place, Read, ReadError, SourceEvent, Timing, category};

/// The one type of Apidae object that is an event.
const EVENT_TYPE: &str = "FETE_ET_MANIFESTATION";

/// The zone Apidae's wall-clock dates and times are read in.
const ZONE: &str = "Europe/Paris";

/// Most bytes an export may expand to: a whole territory's export is a few MiB.
pub const MAX_UNZIPPED: u64 = 64 << 20;

/// Most entries an export may have: a real one has half a dozen files besides its few objects
/// files.
pub const MAX_ENTRIES: usize = 10_000;

/// Most days of one period enumerated in one read (three years).
pub const MAX_DAYS: i64 = 1100;

/// Days enumerated back from the end of a period already over, to say when its last day ended
/// (covers weekly and monthly patterns).
const LOOK_BACK_DAYS: i64 = 62;

/// Apidae's reference element "Site web (URL)" among the means of communication.
const WEBSITE: &str = "205";

/// Apidae's reference element "Ouverture" among the schedule types (`HoraireType`).
const OPENING_HOURS: &str = "7457";

/// Labels of event categories (`FeteEtManifestationCategorie`) by id, for objects that give
/// them by id only without an `elements_reference.json` to name them (exports without
/// references, API answers without `locales`). Apidae's reference elements are shared by the
/// whole network, so the ids are the same for every project; these are the categories that
/// public Apidae integrations write with these ids.
const KNOWN_LABELS: &[(&str, &str)] = &[
    ("2072", "Conférence"),
    ("2080", "Exposition"),
    ("2083", "Marché"),
    ("2091", "Spectacle"),
    ("2101", "Visite guidée"),
    ("2112", "Jeux"),
    ("2119", "Atelier"),
    ("2123", "Goûter"),
    ("2128", "Concert"),
    ("2134", "Théâtre"),
    ("2151", "Danse"),
    ("3717", "Dégustation"),
    ("3818", "Projection"),
    ("3871", "Démonstration"),
    ("4546", "Visite d'un site / monument"),
];

/// File extensions of illustrations that are not pictures.
const NOT_PICTURES: &[&str] = &[
    "pdf", "doc", "docx", "odt", "mp4", "mov", "avi", "webm", "mp3", "zip", "gpx", "kml",
];

/// Reads an Apidae object, list, search answer or export ZIP (told apart by its first bytes);
/// days ended at or before `now` are dropped (see the module documentation).
///
/// Objects that cannot be read, or are not public events, are problems and the others still
/// count; a file that is neither JSON nor a ZIP archive, a JSON document of another shape, and a
/// ZIP archive that is too large, damaged or not an Apidae export are a [`ReadError`].
pub fn read(bytes: &[u8], now: Timestamp) -> Result<Read, ReadError> {
    let tz = jiff::tz::db()
        .get(ZONE)
        .map_err(|e| ReadError(format!("the time zone database has no {ZONE}: {e}")))?;
    let mut context = Context {
        today: tz.to_datetime(now).date(),
        now,
        tz,
        communes: HashMap::new(),
        labels: HashMap::new(),
    };
    // `PK\x05\x06` starts an empty archive (its end record alone).
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return read_export(bytes, &mut context);
    }
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if !text
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| matches!(b, b'{' | b'['))
    {
        return Err(ReadError(
            "neither an Apidae export (a ZIP archive) nor Apidae JSON (an object or a list)".into(),
        ));
    }
    let root = json::parse(bytes)?;
    let mut reader = Reader::default();
    match &root {
        Value::Array(items) => read_list(&mut reader, items, "objects", &context),
        Value::Object(map) => {
            if let Some(found) = map.get("objetsTouristiques") {
                let Value::Array(items) = found else {
                    return Err(ReadError(format!(
                        "not an Apidae answer: \"objetsTouristiques\" is {}, not a list",
                        quote(found)
                    )));
                };
                read_list(&mut reader, items, "objetsTouristiques", &context);
                reader.page_of(items.len(), map.get("numFound").and_then(Value::as_u64));
            } else if map.contains_key("errorType") {
                // An error answer saved as a file (unknown project, wrong key).
                let message = json::string_at(&root, &["message"]).unwrap_or_default();
                let kind = json::string_at(&root, &["errorType"]).unwrap_or_default();
                return Err(ReadError(format!(
                    "Apidae answered with an error: {kind} {message}"
                )));
            } else if map.contains_key("numFound") {
                // A search that found nothing has no "objetsTouristiques" at all.
            } else if map.contains_key("id")
                && (map.contains_key("type") || map.contains_key("nom"))
            {
                read_object(&mut reader, &root, "", &context);
            } else {
                return Err(not_apidae());
            }
        }
        _ => return Err(not_apidae()),
    }
    Ok(reader.finish())
}

fn not_apidae() -> ReadError {
    ReadError(
        "not Apidae JSON: expected an object with \"type\" and \"id\", a list of them, or an \
         answer with \"objetsTouristiques\""
            .into(),
    )
}

/// What the objects are read with: the instant, the zone, and the export's look-up tables.
#[derive(Debug)]
struct Context {
    now: Timestamp,
    /// `now`'s date in [`ZONE`].
    today: Date,
    tz: TimeZone,
    /// `communes.json` by Apidae commune id.
    communes: HashMap<String, Commune>,
    /// French labels of `elements_reference.json` by id.
    labels: HashMap<String, String>,
}

/// A commune as `communes.json` (or an object's own `commune`) describes it.
#[derive(Debug, Clone, Default)]
struct Commune {
    insee: Option<String>,
    name: Option<String>,
    postal_code: Option<String>,
}

impl Commune {
    fn from_json(v: &Value) -> Self {
        Self {
            insee: json::string_at(v, &["code"]),
            name: json::string_at(v, &["nom"]),
            postal_code: json::string_at(v, &["codePostal"]),
        }
    }
}

fn read_list(reader: &mut Reader, items: &[Value], prefix: &str, context: &Context) {
    for (i, item) in items.iter().enumerate() {
        read_object(reader, item, &format!("{prefix}[{i}]"), context);
    }
}

// ---------------------------------------------------------------------------------------------
// The export ZIP.

/// A member of the archive that this reader uses, in the order they are read (the look-up
/// tables before the objects).
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Member {
    Communes,
    References,
    /// `objets_modifies-N.json`, with N.
    Objects(u64),
}

/// What a member's name makes of it; `__MACOSX/` and AppleDouble `._` files are nothing.
fn member(name: &str) -> Option<Member> {
    if name.starts_with("__MACOSX/") || name.contains("/__MACOSX/") {
        return None;
    }
    let file = name.rsplit('/').next().unwrap_or(name);
    if file.starts_with("._") {
        return None;
    }
    match file {
        "communes.json" => return Some(Member::Communes),
        "elements_reference.json" => return Some(Member::References),
        _ => {}
    }
    let stem = file
        .strip_prefix("objets_modifies")?
        .strip_suffix(".json")?;
    if stem.is_empty() {
        return Some(Member::Objects(0));
    }
    let digits = stem.strip_prefix('-')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(Member::Objects(digits.parse().unwrap_or(u64::MAX)))
}

fn read_export(bytes: &[u8], context: &mut Context) -> Result<Read, ReadError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| ReadError(format!("not a readable ZIP archive: {e}")))?;
    if archive.len() > MAX_ENTRIES {
        return Err(ReadError(format!(
            "the ZIP archive has {} entries, more than the {MAX_ENTRIES} an Apidae export may \
             have: refused",
            archive.len()
        )));
    }
    let mut declared: u64 = 0;
    let mut members = Vec::new();
    for i in 0..archive.len() {
        let entry = archive
            .by_index_data(i)
            .map_err(|e| ReadError(format!("not a readable ZIP archive: {e}")))?;
        declared = declared.saturating_add(entry.size());
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        if !entry.is_dir()
            && let Some(kind) = member(&name)
        {
            members.push((kind, name, i));
        }
    }
    if declared > MAX_UNZIPPED {
        return Err(too_large(declared));
    }
    if !members
        .iter()
        .any(|(kind, ..)| matches!(kind, Member::Objects(_)))
    {
        return Err(ReadError(
            "not an Apidae export: the ZIP archive has no objets_modifies/objets_modifies-N.json"
                .into(),
        ));
    }
    // Look-up tables first, then the objects in the order of their files' numbers.
    members.sort();
    let mut budget = MAX_UNZIPPED;
    let mut reader = Reader::default();
    for (kind, name, index) in members {
        let mut file = archive
            .by_index(index)
            .map_err(|e| ReadError(format!("{name}: cannot be read from the ZIP archive: {e}")))?;
        // The declared sizes may lie: the bytes actually read are counted too.
        let mut content = Vec::new();
        (&mut file)
            .take(budget.saturating_add(1))
            .read_to_end(&mut content)
            .map_err(|e| ReadError(format!("{name}: cannot be read from the ZIP archive: {e}")))?;
        let size = content.len() as u64;
        if size > budget {
            return Err(ReadError(format!(
                "the ZIP archive expands to more than the {} MiB an Apidae export may take \
                 (more than its entries declare): refused",
                MAX_UNZIPPED >> 20
            )));
        }
        budget -= size;
        let root = json::parse(&content).map_err(|e| ReadError(format!("{name}: {}", e.0)))?;
        match kind {
            Member::Communes => {
                for c in root.as_array().map_or(&[][..], Vec::as_slice) {
                    if let Some(id) = json::string_at(c, &["id"]) {
                        context.communes.insert(id, Commune::from_json(c));
                    }
                }
            }
            Member::References => {
                for r in root.as_array().map_or(&[][..], Vec::as_slice) {
                    if let (Some(id), Some(label)) = (
                        json::string_at(r, &["id"]),
                        json::string_at(r, &["libelleFr"]),
                    ) {
                        context.labels.insert(id, label);
                    }
                }
            }
            Member::Objects(_) => match &root {
                Value::Array(items) => read_list(&mut reader, items, &name, context),
                Value::Object(_) => read_object(&mut reader, &root, &name, context),
                other => {
                    return Err(ReadError(format!(
                        "{name}: {} is not a list of Apidae objects",
                        quote(other)
                    )));
                }
            },
        }
    }
    Ok(reader.finish())
}

/// The archive's entries declare more than [`MAX_UNZIPPED`] bytes.
fn too_large(bytes: u64) -> ReadError {
    ReadError(format!(
        "the ZIP archive expands to {:.1} MiB, more than the {} MiB an Apidae export may take: \
         refused",
        bytes as f64 / f64::from(1 << 20),
        MAX_UNZIPPED >> 20
    ))
}

// ---------------------------------------------------------------------------------------------
// One object.

/// Reads the object at `path` (`objects[3]`, `objets_modifies/objets_modifies-1.json[3]`, or
/// `""` for a file of one object).
fn read_object(reader: &mut Reader, v: &Value, path: &str, context: &Context) {
    if !v.is_object() {
        let message = format!(
            "{}: {} is not an Apidae object (a JSON object)",
            subject(path),
            quote(v)
        );
        reader.problem(None, &Text::default(), message);
        return;
    }
    let title = json::get(v, &["nom"]).map(libelles).unwrap_or_default();
    let Some(id) = json::string_at(v, &["id"]) else {
        reader.problem(None, &title, format!("{}: missing", field(path, "id")));
        return;
    };
    match json::string_at(v, &["type"]) {
        Some(kind) if kind == EVENT_TYPE => {}
        Some(kind) => {
            // Apidae's types are short upper-case names (HOTELLERIE); anything else is quoted.
            let plain =
                kind.len() <= 40 && kind.bytes().all(|b| b.is_ascii_uppercase() || b == b'_');
            let kind = if plain {
                kind
            } else {
                quote(&Value::String(kind))
            };
            let message = format!(
                "{}: {kind} is not an event ({EVENT_TYPE}): left out",
                subject(path)
            );
            reader.problem(Some(&id), &title, message);
            return;
        }
        None => {
            let message = format!(
                "{}: missing, so the object cannot be told to be an event ({EVENT_TYPE}): left out",
                field(path, "type")
            );
            reader.problem(Some(&id), &title, message);
            return;
        }
    }
    if title.is_empty() {
        let message = format!("{}: missing", field(path, "nom.libelleFr"));
        reader.problem(Some(&id), &title, message);
        return;
    }
    if let Some(state) = json::get(v, &["state"]).filter(|s| s.as_str() != Some("PUBLISHED")) {
        let message = format!(
            "{}: {} is not PUBLISHED: left out",
            field(path, "state"),
            quote(state)
        );
        reader.problem(Some(&id), &title, message);
        return;
    }

    let periods_field = field(path, "ouverture.periodesOuvertures");
    let ouverture = json::get(v, &["ouverture"]);
    let periods = ouverture
        .and_then(|o| json::get(o, &["periodesOuvertures"]))
        .map_or(&[][..], list);
    if periods.is_empty() {
        let message = format!("{periods_field}: missing, so the event has no date");
        reader.problem(Some(&id), &title, message);
        return;
    }
    let closures = ouverture.map(Closures::of).unwrap_or_default();
    let mut occurrences = Vec::new();
    let mut errors = Vec::new();
    let mut notes = Vec::new();
    let mut last_over: Option<ZonedDateTime> = None;
    for (i, p) in periods.iter().enumerate() {
        let name = format!("{periods_field}[{i}]");
        let found =
            Period::read(p, &name).and_then(|period| period.occurrences(context, &closures));
        let found = match found {
            Ok(found) => found,
            Err(error) => {
                errors.push(error);
                continue;
            }
        };
        if let Some((last, read_until)) = found.cut {
            notes.push(format!(
                "{name}: runs until {last}; only the days until {read_until} are read, the \
                 next imports read the others"
            ));
        }
        for occurrence in found.occurrences {
            if occurrence.end.timestamp() > context.now {
                occurrences.push(occurrence);
            } else if last_over
                .as_ref()
                .is_none_or(|l| l.timestamp() < occurrence.end.timestamp())
            {
                last_over = Some(occurrence.end);
            }
        }
    }
    let kept = !occurrences.is_empty();
    let no_errors = errors.is_empty();
    for error in errors {
        let message = if kept {
            format!("{error} (the event is read without this period)")
        } else {
            error
        };
        reader.problem(Some(&id), &title, message);
    }
    if !kept {
        if let Some(last) = last_over {
            let message = format!(
                "{periods_field}: every period is over (the last one ended {})",
                last.strftime("%Y-%m-%d %H:%M")
            );
            reader.problem(Some(&id), &title, message);
        } else if no_errors {
            let message = format!("{periods_field}: no day open, so the event has no date");
            reader.problem(Some(&id), &title, message);
        }
        return;
    }
    for note in notes {
        reader.problem(Some(&id), &title, note);
    }

    let event = SourceEvent {
        description: description(v),
        place: place(v, context),
        category: event_category(v, &title, context),
        status: status(ouverture),
        url: page(v),
        image_url: image(v),
        timing: Timing::List {
            occurrences: json::tidy(occurrences),
        },
        updated: json::get(v, &["gestion"])
            .and_then(|g| json::string_at(g, &["dateModification"]))
            .and_then(|s| instant(&s)),
        source_id: id,
        title,
    };
    reader.event(event, &field(path, "id"));
}

/// What a message about the whole object names it by.
fn subject(path: &str) -> &str {
    if path.is_empty() { "object" } else { path }
}

/// A value as a list (a single value is a list of one).
fn list(v: &Value) -> &[Value] {
    v.as_array().map_or(std::slice::from_ref(v), Vec::as_slice)
}

/// A text from Apidae's `{"libelleFr": …, "libelleEn": …, "libellePtBR": …}` (a plain string is
/// taken as French); values trimmed, Windows line ends made plain ones, the first value of a
/// language kept.
fn libelles(v: &Value) -> Text {
    let mut out = Text::default();
    let mut add = |language: Lang, value: &str| {
        let value = value.trim().replace("\r\n", "\n");
        if !value.is_empty() {
            out.0.entry(language).or_insert(value);
        }
    };
    match v {
        Value::String(s) => add(Lang::fr(), s),
        Value::Object(map) => {
            for (key, value) in map {
                let language = key.strip_prefix("libelle").and_then(libelle_lang);
                if let (Some(language), Value::String(value)) = (language, value) {
                    add(language, value);
                }
            }
        }
        _ => {}
    }
    out
}

/// The language of a `libelle…` suffix: `Fr` → `fr`, `PtBR` → `pt`; `None` for anything else.
fn libelle_lang(suffix: &str) -> Option<Lang> {
    let bytes = suffix.as_bytes();
    let two = bytes.get(..2)?;
    let region_ok = bytes.get(2).is_none_or(u8::is_ascii_uppercase);
    if !two.iter().all(u8::is_ascii_alphabetic) || !region_ok {
        return None;
    }
    String::from_utf8_lossy(two)
        .to_ascii_lowercase()
        .parse()
        .ok()
}

/// The short description then the detailed one, per language: Apidae's detailed description
/// goes on from the short one (its guidelines ask not to repeat it), so both are kept.
fn description(v: &Value) -> Text {
    let presentation = json::get(v, &["presentation"]);
    let text = |key: &str| {
        presentation
            .and_then(|p| json::get(p, &[key]))
            .map(libelles)
            .unwrap_or_default()
    };
    let mut out = text("descriptifCourt");
    for (language, detailed) in text("descriptifDetaille").0 {
        out.0
            .entry(language)
            .and_modify(|short| {
                short.push_str("\n\n");
                short.push_str(&detailed);
            })
            .or_insert(detailed);
    }
    out
}

/// The venue (`informationsFeteEtManifestation.nomLieu`) and the address; the commune from the
/// object itself, else from the export's `communes.json` by its id.
fn place(v: &Value, context: &Context) -> Place {
    let name = json::get(v, &["informationsFeteEtManifestation"])
        .and_then(|i| json::string_at(i, &["nomLieu"]))
        .unwrap_or_default();
    let address = json::get(v, &["localisation"]).and_then(|l| json::get(l, &["adresse"]));
    let Some(address) = address.filter(|a| a.is_object()) else {
        return Place {
            name,
            ..Place::default()
        };
    };
    let street: Vec<String> = ["adresse1", "adresse2", "adresse3"]
        .iter()
        .filter_map(|k| json::string_at(address, &[*k]))
        .collect();
    let own = json::get(address, &["commune"]);
    let listed = own
        .and_then(|c| json::string_at(c, &["id"]))
        .and_then(|id| context.communes.get(&id))
        .cloned()
        .unwrap_or_default();
    let own = own.map(Commune::from_json).unwrap_or_default();
    Place {
        name,
        address: street.join(", "),
        postal_code: json::string_at(address, &["codePostal"])
            .or(own.postal_code)
            .or(listed.postal_code)
            .unwrap_or_default(),
        city: own.name.or(listed.name).unwrap_or_default(),
        insee: own.insee.or(listed.insee),
    }
}

/// The category the event's categories suggest, else its themes, else its types, else its
/// title: Apidae's categories ("Concert", "Marché") are the most specific.
fn event_category(v: &Value, title: &Text, context: &Context) -> EventCategory {
    let info = json::get(v, &["informationsFeteEtManifestation"]);
    for key in ["categories", "themes", "typesManifestation"] {
        let labels: Vec<String> = info
            .and_then(|i| json::get(i, &[key]))
            .map_or(&[][..], list)
            .iter()
            .filter_map(|r| label(r, context))
            .collect();
        let found = category::from_words(labels.iter().map(String::as_str));
        if found != EventCategory::Other {
            return found;
        }
    }
    category::from_words(title.0.values().map(String::as_str))
}

/// A reference element's French label: its own, else the export's, else a known one.
fn label(element: &Value, context: &Context) -> Option<String> {
    if let Some(own) = json::string_at(element, &["libelleFr"]) {
        return Some(own);
    }
    let id = json::string_at(element, &["id"])?;
    context.labels.get(&id).cloned().or_else(|| {
        KNOWN_LABELS
            .iter()
            .find(|(known, _)| *known == id)
            .map(|(_, label)| (*label).to_owned())
    })
}

/// A temporarily closed event (`ouverture.fermeTemporairement`) is postponed: Apidae has no
/// cancelled flag, and "closed for now" promises no new date.
fn status(ouverture: Option<&Value>) -> EventStatus {
    let closed = ouverture
        .and_then(|o| json::string_at(o, &["fermeTemporairement"]))
        .is_some_and(|s| s == "FERME_TEMPORAIREMENT");
    if closed {
        EventStatus::Postponed
    } else {
        EventStatus::Scheduled
    }
}

/// The event's web site among its means of communication (type "Site web (URL)"), else the
/// first address of another type that is a web page (a Facebook page).
fn page(v: &Value) -> Option<String> {
    let means = json::get(v, &["informations"])
        .and_then(|i| json::get(i, &["moyensCommunication"]))
        .map_or(&[][..], list);
    let address = |m: &Value| {
        json::get(m, &["coordonnees"])
            .map(json::strings)
            .unwrap_or_default()
            .into_iter()
            .find_map(json::http_url)
    };
    let is_website = |m: &Value| {
        json::get(m, &["type"]).is_some_and(|t| {
            json::string_at(t, &["id"]).as_deref() == Some(WEBSITE)
                || json::string_at(t, &["libelleFr"]).is_some_and(|l| fold(&l).contains("site web"))
        })
    };
    means
        .iter()
        .filter(|m| is_website(m))
        .find_map(address)
        .or_else(|| means.iter().find_map(address))
}

/// The first picture among the illustrations (`illustrations[].traductionFichiers[].url`).
fn image(v: &Value) -> Option<String> {
    let illustrations = json::get(v, &["illustrations"]).map_or(&[][..], list);
    illustrations
        .iter()
        .filter(|i| json::string_at(i, &["type"]).is_none_or(|t| t == "IMAGE"))
        .filter_map(|i| json::get(i, &["traductionFichiers"]))
        .flat_map(list)
        .filter(|f| {
            let extension = json::string_at(f, &["extension"])
                .or_else(|| {
                    let url = json::string_at(f, &["url"])?;
                    let path = url.split(['?', '#']).next()?.to_owned();
                    path.rsplit_once('.').map(|(_, e)| e.to_owned())
                })
                .unwrap_or_default()
                .to_ascii_lowercase();
            !NOT_PICTURES.contains(&extension.as_str())
        })
        .filter_map(|f| json::string_at(f, &["url"]))
        .find_map(|u| json::http_url(&u))
}

/// An instant as Apidae writes it: `2017-09-21T09:51:57.288+0000` (an offset without colon).
fn instant(s: &str) -> Option<Timestamp> {
    if let Ok(at) = s.parse() {
        return Some(at);
    }
    let (head, offset) = s.split_at_checked(s.len().checked_sub(5)?)?;
    let (sign, digits) = offset.split_at_checked(1)?;
    if !matches!(sign, "+" | "-") || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Four ASCII digits: the slices are on character boundaries.
    format!("{head}{sign}{}:{}", &digits[..2], &digits[2..])
        .parse()
        .ok()
}

// ---------------------------------------------------------------------------------------------
// Periods.

/// A time of day as Apidae writes it; `24:00` is the midnight ending the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Clock {
    At(Time),
    EndOfDay,
}

/// `14:00:00`, `14:00`, or `24:00`.
fn parse_clock(v: &Value) -> Option<Clock> {
    let text = json::string(v)?;
    if matches!(text.as_str(), "24:00" | "24:00:00") {
        return Some(Clock::EndOfDay);
    }
    // jiff reads "14" as 14:00; Apidae always writes the minutes.
    if !text.contains(':') {
        return None;
    }
    text.parse().ok().map(Clock::At)
}

/// The time of day at `key` of `v` (`name` is `v`'s path for messages), `None` when absent.
fn clock(v: &Value, key: &str, name: &str) -> Result<Option<Clock>, String> {
    match json::get(v, &[key]) {
        None => Ok(None),
        Some(value) => parse_clock(value)
            .map(Some)
            .ok_or_else(|| format!("{name}.{key}: {} is not a time of day", quote(value))),
    }
}

/// `2025-03-05`, possibly followed by a time.
fn parse_date(v: &Value) -> Option<Date> {
    let text = json::string(v)?;
    let (day, rest) = (text.get(..10)?, text.get(10..)?);
    let tail_ok = rest.is_empty() || rest.starts_with(['T', 't', ' ']);
    if tail_ok { day.parse().ok() } else { None }
}

/// Monday = 0 … Sunday = 6.
fn weekday_index(d: Date) -> usize {
    usize::try_from(d.weekday().to_monday_zero_offset()).unwrap_or(0)
}

/// `LUNDI` … `DIMANCHE` as a weekday index; `None` for `TOUS` and unknown names.
fn jour(name: &str) -> Option<usize> {
    const JOURS: [&str; 7] = [
        "LUNDI", "MARDI", "MERCREDI", "JEUDI", "VENDREDI", "SAMEDI", "DIMANCHE",
    ];
    JOURS.iter().position(|j| *j == name)
}

/// Which days of a period are open, by the legacy fields.
#[derive(Debug, Clone, PartialEq)]
enum Days {
    Every,
    /// The weekdays set (Monday first).
    Only([bool; 7]),
    /// Every day but the weekdays set.
    Except([bool; 7]),
    /// (weekday, or every day for `TOUS`; which week of the month).
    Monthly(Vec<(Option<usize>, Week)>),
}

/// A week of the month: the days 1–7 are the first, …; the last is the last seven days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Week {
    Nth(i8),
    Last,
}

impl Days {
    fn read(p: &Value) -> Self {
        let kind = json::string_at(p, &["type"]).unwrap_or_default();
        let weekdays = || {
            let mut set = [false; 7];
            let mut every = false;
            for entry in json::get(p, &["ouverturesJournalieres"]).map_or(&[][..], list) {
                match json::string_at(entry, &["jour"]).as_deref() {
                    Some("TOUS") => every = true,
                    Some(name) => {
                        if let Some(i) = jour(name) {
                            set[i] = true;
                        }
                    }
                    None => {}
                }
            }
            // `TOUS`, or no weekday at all: every day.
            if every || !set.contains(&true) {
                None
            } else {
                Some(set)
            }
        };
        match kind.as_str() {
            "OUVERTURE_SEMAINE" => weekdays().map_or(Self::Every, Self::Only),
            "OUVERTURE_SAUF" => weekdays().map_or(Self::Every, Self::Except),
            "OUVERTURE_MOIS" => {
                let entries: Vec<(Option<usize>, Week)> = json::get(p, &["ouverturesJourDuMois"])
                    .map_or(&[][..], list)
                    .iter()
                    .filter_map(|e| {
                        let week = match json::string_at(e, &["jourDuMois"])?.as_str() {
                            "D_1ER" => Week::Nth(1),
                            "D_2EME" => Week::Nth(2),
                            "D_3EME" => Week::Nth(3),
                            "D_4EME" => Week::Nth(4),
                            "D_DERNIER" => Week::Last,
                            _ => return None,
                        };
                        let day = json::string_at(e, &["jour"])?;
                        match jour(&day) {
                            Some(i) => Some((Some(i), week)),
                            None if day == "TOUS" => Some((None, week)),
                            None => None,
                        }
                    })
                    .collect();
                if entries.is_empty() {
                    Self::Every
                } else {
                    Self::Monthly(entries)
                }
            }
            // OUVERTURE_TOUS_LES_JOURS, and types this reader does not know: the dates hold.
            _ => Self::Every,
        }
    }

    fn includes(&self, d: Date) -> bool {
        let weekday = weekday_index(d);
        match self {
            Self::Every => true,
            Self::Only(set) => set[weekday],
            Self::Except(set) => !set[weekday],
            Self::Monthly(entries) => entries.iter().any(|(day, week)| {
                let week_ok = match week {
                    Week::Nth(n) => (d.day() - 1) / 7 + 1 == *n,
                    Week::Last => d.day() + 7 > d.days_in_month(),
                };
                week_ok && day.is_none_or(|i| i == weekday)
            }),
        }
    }
}

/// One rule of the multi-hour schedule (`timePeriods[]`).
#[derive(Debug, Clone, PartialEq)]
struct Rule {
    closed: bool,
    /// The weekdays it applies on (Monday first).
    weekdays: [bool; 7],
    /// It applies on public holidays (`HOL`).
    holidays: bool,
    /// (start, end) of each time frame.
    frames: Vec<(Option<Clock>, Option<Clock>)>,
}

/// The hours of a period's open days.
#[derive(Debug, Clone, PartialEq)]
enum Hours {
    /// The legacy `horaireOuverture` and `horaireFermeture` (neither: whole days).
    Legacy(Option<Clock>, Option<Clock>),
    /// The multi-hour schedule.
    Rules(Vec<Rule>),
}

/// A period of `ouverture.periodesOuvertures`, read.
#[derive(Debug)]
struct Period {
    name: String,
    first: Date,
    last: Date,
    days: Days,
    hours: Hours,
    /// `ouverturesExceptionnelles`: days open whatever the weekday.
    extra: HashSet<Date>,
}

/// Occurrences of a period, and where it was cut (its last day, the last day read).
#[derive(Debug, Default)]
struct Found {
    occurrences: Vec<Occurrence>,
    cut: Option<(Date, Date)>,
}

impl Period {
    /// Reads the period `p`; `name` is its path for messages.
    fn read(p: &Value, name: &str) -> Result<Self, String> {
        if !p.is_object() {
            return Err(format!(
                "{name}: {} is not a period (an object with dateDebut)",
                quote(p)
            ));
        }
        let date = |key: &str| -> Result<Option<(Date, &Value)>, String> {
            match json::get(p, &[key]) {
                None => Ok(None),
                Some(value) => parse_date(value)
                    .map(|d| Some((d, value)))
                    .ok_or_else(|| format!("{name}.{key}: {} is not a date", quote(value))),
            }
        };
        let (first, first_text) =
            date("dateDebut")?.ok_or_else(|| format!("{name}.dateDebut: missing"))?;
        let (last, last_text) = date("dateFin")?.unwrap_or((first, first_text));
        if last < first {
            return Err(format!(
                "{name}.dateFin: {} is before its dateDebut {}",
                quote(last_text),
                quote(first_text)
            ));
        }
        let hours = match rules(p, name)? {
            Some(rules) => Hours::Rules(rules),
            None => Hours::Legacy(
                clock(p, "horaireOuverture", name)?,
                clock(p, "horaireFermeture", name)?,
            ),
        };
        let extra = json::get(p, &["ouverturesExceptionnelles"])
            .map_or(&[][..], list)
            .iter()
            .filter_map(|o| json::get(o, &["dateOuverture"]).and_then(parse_date))
            .filter(|d| (first..=last).contains(d))
            .collect();
        Ok(Self {
            name: name.to_owned(),
            first,
            last,
            days: Days::read(p),
            hours,
            extra,
        })
    }

    /// The occurrences of the days read (see the module documentation for which).
    fn occurrences(&self, context: &Context, closures: &Closures) -> Result<Found, String> {
        let out_of_range = || format!("{}: {} is out of range", self.name, self.first);
        let at = |d: Date, clock: Clock| -> Result<ZonedDateTime, String> {
            let civil = match clock {
                Clock::At(time) => d.to_datetime(time),
                Clock::EndOfDay => d
                    .tomorrow()
                    .map_err(|_| out_of_range())?
                    .to_datetime(Time::midnight()),
            };
            context
                .tz
                .to_zoned_datetime(civil)
                .map_err(|_| out_of_range())
        };
        let midnight = Clock::At(Time::midnight());
        let whole = |from: Date, to: Date| -> Result<Occurrence, String> {
            Ok(Occurrence {
                start: at(from, midnight)?,
                end: at(to, Clock::EndOfDay)?,
                all_day: true,
                status: None,
            })
        };
        let mut found = Found::default();
        // Whole days, every day: one occurrence over the whole period, however long.
        if self.hours == Hours::Legacy(None, None)
            && self.days == Days::Every
            && closures.is_empty()
        {
            found.occurrences.push(whole(self.first, self.last)?);
            return Ok(found);
        }

        let yesterday = add_days(context.today, -1).unwrap_or(context.today);
        let back = add_days(self.last, -LOOK_BACK_DAYS).unwrap_or(self.first);
        let from = self.first.max(yesterday.min(back));
        let until = add_days(from, MAX_DAYS - 1).map_or(self.last, |u| u.min(self.last));
        if until < self.last {
            found.cut = Some((self.last, until));
        }
        // Whole days being joined: (first day, last day).
        let mut run: Option<(Date, Date)> = None;
        let mut day = from;
        loop {
            for (opens, closes) in self.slots(day, closures) {
                if opens.is_none() && closes.is_none() {
                    match &mut run {
                        Some((_, end)) if add_days(*end, 1) == Some(day) => *end = day,
                        _ => {
                            if let Some((a, b)) = run.replace((day, day)) {
                                found.occurrences.push(whole(a, b)?);
                            }
                        }
                    }
                    continue;
                }
                let start = at(day, opens.unwrap_or(midnight))?;
                let mut end = at(day, closes.unwrap_or(Clock::EndOfDay))?;
                if opens.is_some() && closes.is_some() && end <= start {
                    // From 21:00 to 02:00: the end is the next morning.
                    let next = day.tomorrow().map_err(|_| out_of_range())?;
                    end = at(next, closes.unwrap_or(midnight))?;
                }
                found.occurrences.push(json::timed(start, end));
            }
            if day >= until {
                break;
            }
            day = match day.tomorrow() {
                Ok(next) => next,
                Err(_) => break,
            };
        }
        if let Some((a, b)) = run {
            found.occurrences.push(whole(a, b)?);
        }
        Ok(found)
    }

    /// The (opening, closing) slots of day `d`: none when it is closed, `(None, None)` for the
    /// whole day.
    fn slots(&self, d: Date, closures: &Closures) -> Vec<(Option<Clock>, Option<Clock>)> {
        if closures.includes(d) {
            return Vec::new();
        }
        let extra = self.extra.contains(&d);
        match &self.hours {
            Hours::Legacy(opens, closes) => {
                if extra || self.days.includes(d) {
                    vec![(*opens, *closes)]
                } else {
                    Vec::new()
                }
            }
            Hours::Rules(rules) => {
                let holiday = rules.iter().any(|r| r.holidays) && is_holiday(d);
                let weekday = weekday_index(d);
                let applying: Vec<&Rule> = rules
                    .iter()
                    .filter(|r| {
                        if holiday {
                            r.holidays
                        } else {
                            r.weekdays[weekday]
                        }
                    })
                    .collect();
                if applying.iter().any(|r| r.closed) {
                    return Vec::new();
                }
                if applying.is_empty() {
                    // An exceptional opening on a day the schedule has no hours for.
                    return if extra {
                        vec![(None, None)]
                    } else {
                        Vec::new()
                    };
                }
                applying
                    .iter()
                    .flat_map(|r| {
                        if r.frames.is_empty() {
                            vec![(None, None)]
                        } else {
                            r.frames.clone()
                        }
                    })
                    .collect()
            }
        }
    }
}

/// The multi-hour schedule of a period: `horaires[].timePeriods[]` (the "Ouverture" schedule,
/// else every one) or `timePeriods[]`; `None` when it has none.
fn rules(p: &Value, name: &str) -> Result<Option<Vec<Rule>>, String> {
    let mut periods: Vec<(String, &Value)> = Vec::new();
    if let Some(horaires) = json::get(p, &["horaires"]) {
        let horaires = list(horaires);
        let is_opening = |h: &Value| {
            json::get(h, &["type"]).is_some_and(|t| {
                json::string_at(t, &["id"]).as_deref() == Some(OPENING_HOURS)
                    || json::string_at(t, &["libelleFr"])
                        .is_some_and(|l| fold(&l).starts_with("ouverture"))
                    || t.as_str() == Some("opening")
            })
        };
        let any_opening = horaires.iter().any(is_opening);
        for (i, h) in horaires.iter().enumerate() {
            if any_opening && !is_opening(h) {
                continue;
            }
            let items = json::get(h, &["timePeriods"]).map_or(&[][..], list);
            for (j, t) in items.iter().enumerate() {
                periods.push((format!("{name}.horaires[{i}].timePeriods[{j}]"), t));
            }
        }
    }
    if let Some(direct) = json::get(p, &["timePeriods"]) {
        for (j, t) in list(direct).iter().enumerate() {
            periods.push((format!("{name}.timePeriods[{j}]"), t));
        }
    }
    let mut rules = Vec::new();
    for (at, t) in periods {
        if !t.is_object() {
            return Err(format!(
                "{at}: {} is not a time period (an object)",
                quote(t)
            ));
        }
        let codes = json::get(t, &["weekdays"])
            .map(json::strings)
            .unwrap_or_default();
        let mut weekdays = [false; 7];
        let mut holidays = false;
        for code in &codes {
            match *code {
                "HOL" => holidays = true,
                other => {
                    let days = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];
                    if let Some(i) = days.iter().position(|d| *d == other) {
                        weekdays[i] = true;
                    }
                }
            }
        }
        if codes.is_empty() {
            weekdays = [true; 7];
        }
        let mut frames = Vec::new();
        let items = json::get(t, &["timeFrames"]).map_or(&[][..], list);
        for (k, frame) in items.iter().enumerate() {
            let frame_name = format!("{at}.timeFrames[{k}]");
            let start = clock(frame, "startTime", &frame_name)?;
            let end = clock(frame, "endTime", &frame_name)?;
            frames.push((start, end));
        }
        let closed = json::get(t, &["closed"]).and_then(Value::as_bool) == Some(true);
        rules.push(Rule {
            closed,
            weekdays,
            holidays,
            frames,
        });
    }
    // A schedule that opens on no weekday (holidays only, closures only) says nothing of the
    // days open: the legacy fields do.
    let usable = rules
        .iter()
        .any(|r| !r.closed && r.weekdays.contains(&true));
    Ok(usable.then_some(rules))
}

/// `ouverture.fermeturesExceptionnelles`: dates, and days named by `dateSpeciale` every year.
#[derive(Debug, Default)]
struct Closures {
    dates: HashSet<Date>,
    special: Vec<String>,
}

impl Closures {
    fn of(ouverture: &Value) -> Self {
        let mut out = Self::default();
        for c in json::get(ouverture, &["fermeturesExceptionnelles"]).map_or(&[][..], list) {
            if let Some(d) = json::get(c, &["dateFermeture"]).and_then(parse_date) {
                out.dates.insert(d);
            } else if let Some(name) = json::string_at(c, &["dateSpeciale"]) {
                out.special.push(name);
            }
        }
        out
    }

    fn is_empty(&self) -> bool {
        self.dates.is_empty() && self.special.is_empty()
    }

    fn includes(&self, d: Date) -> bool {
        self.dates.contains(&d)
            || self
                .special
                .iter()
                .any(|name| special_day(name, d.year()) == Some(d))
    }
}

/// `d` shifted by `n` days, `None` out of range.
fn add_days(d: Date, n: i64) -> Option<Date> {
    d.checked_add(n.days()).ok()
}

/// Easter Sunday of `year` (the Gregorian computus).
fn easter(year: i16) -> Option<Date> {
    let y = i32::from(year);
    let a = y.rem_euclid(19);
    let b = y.div_euclid(100);
    let c = y.rem_euclid(100);
    let h = (19 * a + b - b.div_euclid(4) - (b - (b + 8).div_euclid(25) + 1).div_euclid(3) + 15)
        .rem_euclid(30);
    let l = (32 + 2 * b.rem_euclid(4) + 2 * c.div_euclid(4) - h - c.rem_euclid(4)).rem_euclid(7);
    let m = (a + 11 * h + 22 * l).div_euclid(451);
    let month = (h + l - 7 * m + 114).div_euclid(31);
    let day = (h + l - 7 * m + 114).rem_euclid(31) + 1;
    Date::new(year, i8::try_from(month).ok()?, i8::try_from(day).ok()?).ok()
}

/// The date in `year` of a day Apidae names (`dateSpeciale`); `None` for names not known.
fn special_day(name: &str, year: i16) -> Option<Date> {
    let fixed = |month: i8, day: i8| Date::new(year, month, day).ok();
    let from_easter = |days: i64| easter(year).and_then(|e| add_days(e, days));
    match name {
        "PREMIER_JANVIER" => fixed(1, 1),
        "BERCHTOLDSTAG" => fixed(1, 2),
        "SAINT_JOSEPH" => fixed(3, 19),
        "VENDREDI_SAINT" => from_easter(-2),
        "LUNDI_PAQUES" => from_easter(1),
        "PREMIER_MAI" => fixed(5, 1),
        "HUIT_MAI" => fixed(5, 8),
        "ASCENSION" => from_easter(39),
        "LUNDI_PENTECOTE" => from_easter(50),
        "FETE_DIEU" => from_easter(60),
        "QUATORZE_JUILLET" => fixed(7, 14),
        "FETE_NATIONALE_SUISSE" => fixed(8, 1),
        "QUINZE_AOUT" => fixed(8, 15),
        "LUNDI_DU_JEUNE_FEDERAL" => Date::new(year, 9, 1)
            .ok()?
            .nth_weekday_of_month(3, Weekday::Sunday)
            .ok()
            .and_then(|d| add_days(d, 1)),
        "PREMIER_NOVEMBRE" => fixed(11, 1),
        "ONZE_NOVEMBRE" => fixed(11, 11),
        "IMMACULEE_CONCEPTION" => fixed(12, 8),
        "VINGT_CINQ_DECEMBRE" => fixed(12, 25),
        _ => None,
    }
}

/// A public holiday of metropolitan France (for `HOL` in schedules).
fn is_holiday(d: Date) -> bool {
    [
        "PREMIER_JANVIER",
        "LUNDI_PAQUES",
        "PREMIER_MAI",
        "HUIT_MAI",
        "ASCENSION",
        "LUNDI_PENTECOTE",
        "QUATORZE_JUILLET",
        "QUINZE_AOUT",
        "PREMIER_NOVEMBRE",
        "ONZE_NOVEMBRE",
        "VINGT_CINQ_DECEMBRE",
    ]
    .iter()
    .any(|name| special_day(name, d.year()) == Some(d))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::io::Write as _;

    const SAMPLES: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/samples/events/apidae/"
    );

    fn sample(name: &str) -> Vec<u8> {
        let path = format!("{SAMPLES}{name}");
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
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

    /// `(start, end, all_day)` in Paris, from local times written `2025-07-11T10:00` with
    /// their offset.
    fn paris(start: &str, end: &str, all_day: bool) -> (String, String, bool) {
        (
            format!("{start}[Europe/Paris]"),
            format!("{end}[Europe/Paris]"),
            all_day,
        )
    }

    fn slots(read: &Read) -> Vec<(String, String, bool)> {
        occurrences(&read.events[0]).iter().map(slot).collect()
    }

    fn messages(read: &Read) -> Vec<&str> {
        read.problems.iter().map(|p| p.message.as_str()).collect()
    }

    fn read_json(v: &Value, now: &str) -> Read {
        read(v.to_string().as_bytes(), ts(now)).expect("Apidae JSON")
    }

    /// A ZIP archive of `files`, deflated.
    fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, content) in files {
            writer.start_file(*name, options).unwrap();
            writer.write_all(content).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    /// The members of the export sample, `replaced` ones swapped for the given content.
    fn export_with(replaced: &[(&str, &[u8])]) -> Vec<u8> {
        let bytes = sample("json_export.zip");
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes.as_slice())).unwrap();
        let mut files: Vec<(String, Vec<u8>)> = Vec::new();
        for i in 0..archive.len() {
            let mut file = archive.by_index(i).unwrap();
            if file.is_dir() {
                continue;
            }
            let name = file.name().unwrap().into_owned();
            let mut content = Vec::new();
            file.read_to_end(&mut content).unwrap();
            match replaced.iter().find(|(n, _)| *n == name) {
                Some((_, new)) => files.push((name, new.to_vec())),
                None => files.push((name, content)),
            }
        }
        let borrowed: Vec<(&str, &[u8])> = files
            .iter()
            .map(|(n, c)| (n.as_str(), c.as_slice()))
            .collect();
        zip_of(&borrowed)
    }

    /// An event object with `periods`, and `extra` fields merged in.
    fn event(periods: Value, extra: Value) -> Value {
        let mut v = json!({
            "type": "FETE_ET_MANIFESTATION",
            "id": 7001,
            "nom": {"libelleFr": "Fête du village", "libelleNl": "Dorpsfeest"},
            "state": "PUBLISHED",
            "ouverture": {"periodesOuvertures": periods},
        });
        for (k, value) in extra.as_object().unwrap() {
            v[k] = value.clone();
        }
        v
    }

    #[test]
    fn a_hotel_is_not_an_event() {
        let read = read(&sample("hot_fr_en.json"), ts("2018-01-01T00:00:00Z")).unwrap();
        assert!(read.events.is_empty());
        let [problem] = read.problems.as_slice() else {
            panic!("one problem: {:?}", read.problems)
        };
        assert_eq!(problem.source_id.as_deref(), Some("898922"));
        assert_eq!(problem.title.as_deref(), Some("La Châtelleraie"));
        assert_eq!(
            problem.message,
            "objects[0]: HOTELLERIE is not an event (FETE_ET_MANIFESTATION): left out"
        );
    }

    #[test]
    fn the_export_sample_gives_its_five_events() {
        // Before every period: 1 September 2017.
        let read = read(&sample("json_export.zip"), ts("2017-09-01T00:00:00Z")).unwrap();
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        let ids: Vec<&str> = read.events.iter().map(|e| e.source_id.as_str()).collect();
        // objets_modifies-1.json, then -2.json.
        assert_eq!(ids, ["4826137", "4826186", "4826282", "4828422", "4833997"]);
        let titles: Vec<&str> = read
            .events
            .iter()
            .map(|e| e.title.get(&Lang::fr()).unwrap())
            .collect();
        assert_eq!(
            titles,
            [
                "3C-Centre de Coordination en Cancerologie",
                "A ciel ouvert -Vivre relié à l'essentiel",
                "Remise des diplômes POLYTECH Annecy-Chambery",
                "Ex Anima - Théâtre équestre Zingaro",
                "Les Spécimens - Spectacle familial",
            ]
        );
        // Zingaro's name is written in nine languages, the same in each.
        let zingaro = &read.events[3];
        let languages: Vec<&str> = zingaro.title.0.keys().map(Lang::as_str).collect();
        assert_eq!(
            languages,
            ["de", "en", "es", "fr", "it", "nl", "pt", "ru", "zh"]
        );
        assert_eq!(
            zingaro.title.get(&Lang::en()),
            Some("Ex Anima - Théâtre équestre Zingaro")
        );
        assert!(
            read.events
                .iter()
                .all(|e| e.title.0.len() == 1 || e.source_id == "4828422")
        );

        // The sample's communes.json does not list the objects' communes (30248, 30287):
        // the places have what the objects write.
        let places: Vec<&Place> = read.events.iter().map(|e| &e.place).collect();
        let place = |name: &str, address: &str, postal_code: &str| Place {
            name: name.into(),
            address: address.into(),
            postal_code: postal_code.into(),
            city: String::new(),
            insee: None,
        };
        assert_eq!(
            places,
            [
                &place("", "Rue Jean Monard", "73100"),
                &place(
                    "Centre culturel et des congrès André Grosjean",
                    "Rue Jean Monard",
                    "73100"
                ),
                &place("", "Rue Jean Monard", "73100"),
                &place("La Croix verte", "", "73370"),
                &place(
                    "La Traverse",
                    "Avenue du Lac de Constance, Savoie Technolac",
                    "73370"
                ),
            ]
        );

        // Categories: "Spectacle" (category 2091) for the last two; the others have no
        // category Beffroi knows, and titles that suggest none.
        let categories: Vec<EventCategory> = read.events.iter().map(|e| e.category).collect();
        assert_eq!(
            categories,
            [
                EventCategory::Other,
                EventCategory::Other,
                EventCategory::Other,
                EventCategory::Theatre,
                EventCategory::Theatre,
            ]
        );

        // Occurrences, derived by hand from the periods (November 2017 is UTC+1, April and
        // May 2018 UTC+2).
        assert_eq!(
            slots(&read),
            [paris(
                "2017-11-07T07:00:00+01:00",
                "2017-11-07T19:00:00+01:00",
                false
            )]
        );
        let of = |i: usize| -> Vec<(String, String, bool)> {
            occurrences(&read.events[i]).iter().map(slot).collect()
        };
        // 11 to 13 November without times: whole days.
        assert_eq!(
            of(1),
            [paris(
                "2017-11-11T00:00:00+01:00",
                "2017-11-14T00:00:00+01:00",
                true
            )]
        );
        assert_eq!(
            of(2),
            [paris(
                "2017-11-18T00:00:00+01:00",
                "2017-11-19T00:00:00+01:00",
                true
            )]
        );
        // Twenty one-day periods with an opening time only: until the end of each day.
        let evenings = [
            ("04-19", "04-20", "20:30"),
            ("04-20", "04-21", "20:30"),
            ("04-21", "04-22", "20:30"),
            ("04-22", "04-23", "17:00"),
            ("04-24", "04-25", "20:30"),
            ("04-25", "04-26", "20:30"),
            ("04-27", "04-28", "20:30"),
            ("04-28", "04-29", "20:30"),
            ("04-29", "04-30", "17:00"),
            ("04-30", "05-01", "20:30"),
            ("05-02", "05-03", "20:30"),
            ("05-03", "05-04", "20:30"),
            ("05-05", "05-06", "20:30"),
            ("05-06", "05-07", "17:00"),
            ("05-07", "05-08", "20:30"),
            ("05-08", "05-09", "19:00"),
            ("05-10", "05-11", "19:00"),
            ("05-11", "05-12", "20:30"),
            ("05-12", "05-13", "20:30"),
            ("05-13", "05-14", "17:00"),
        ];
        let expected: Vec<_> = evenings
            .iter()
            .map(|(day, next, time)| {
                paris(
                    &format!("2018-{day}T{time}:00+02:00"),
                    &format!("2018-{next}T00:00:00+02:00"),
                    false,
                )
            })
            .collect();
        assert_eq!(of(3), expected);
        // `tousLesAns` is ignored: 4 November 2017 only.
        assert_eq!(
            of(4),
            [paris(
                "2017-11-04T17:00:00+01:00",
                "2017-11-05T00:00:00+01:00",
                false
            )]
        );

        // The web site (means of communication of type 205), the short description followed
        // by the detailed one, the last change.
        assert_eq!(
            read.events[1].url.as_deref(),
            Some("https://www.acielouvert.org")
        );
        assert!(read.events.iter().filter(|e| e.url.is_some()).count() == 1);
        let specimens = &read.events[4];
        let description = specimens.description.get(&Lang::fr()).unwrap();
        assert!(description.starts_with("Les Spécimens ce sont quatre personnages"));
        assert!(description.contains("pour renflouer la caisse.\nTout au long"));
        assert!(description.contains("jeu clownesque.\n\nAccompagnés de leurs animaux"));
        assert!(description.ends_with("Anouck Wroblewski"));
        assert_eq!(specimens.updated, Some(ts("2017-09-21T09:51:57.288Z")));
        assert!(read.events.iter().all(|e| e.image_url.is_none()));
        assert!(
            read.events
                .iter()
                .all(|e| e.status == EventStatus::Scheduled)
        );
    }

    #[test]
    fn days_already_over_are_dropped() {
        // 25 April 2018 at 14:00 in Paris: Zingaro's evening of the 25th is still to come.
        let read = read(&sample("json_export.zip"), ts("2018-04-25T12:00:00Z")).unwrap();
        let ids: Vec<&str> = read.events.iter().map(|e| e.source_id.as_str()).collect();
        assert_eq!(ids, ["4828422"]);
        let days = occurrences(&read.events[0]);
        assert_eq!(days.len(), 15);
        assert_eq!(
            slot(&days[0]),
            paris(
                "2018-04-25T20:30:00+02:00",
                "2018-04-26T00:00:00+02:00",
                false
            )
        );
        assert_eq!(read.problems.len(), 4);
    }

    #[test]
    fn events_whose_periods_are_over_are_problems() {
        let read = read(&sample("json_export.zip"), ts("2019-01-01T00:00:00Z")).unwrap();
        assert!(read.events.is_empty());
        let prefix = |file: u8, i: u8| {
            format!("objets_modifies/objets_modifies-{file}.json[{i}].ouverture.periodesOuvertures")
        };
        let expected = [
            ("4826137", prefix(1, 0), "2017-11-07 19:00"),
            ("4826186", prefix(1, 1), "2017-11-14 00:00"),
            ("4826282", prefix(1, 2), "2017-11-19 00:00"),
            ("4828422", prefix(1, 3), "2018-05-14 00:00"),
            ("4833997", prefix(2, 0), "2017-11-05 00:00"),
        ];
        let found: Vec<(&str, String)> = read
            .problems
            .iter()
            .map(|p| (p.source_id.as_deref().unwrap(), p.message.clone()))
            .collect();
        let expected: Vec<(&str, String)> = expected
            .iter()
            .map(|(id, field, last)| {
                (
                    *id,
                    format!("{field}: every period is over (the last one ended {last})"),
                )
            })
            .collect();
        assert_eq!(found, expected);
        assert_eq!(
            read.problems[3].title.as_deref(),
            Some("Ex Anima - Théâtre équestre Zingaro")
        );
    }

    #[test]
    fn communes_given_by_id_are_named_by_the_export() {
        // A communes.json that lists the sample's communes (test data).
        let communes = json!([
            {"id": 30248, "code": "73008", "nom": "Aix-les-Bains", "codePostal": "73100"},
            {"id": 30287, "code": "73051", "nom": "Le Bourget-du-Lac", "codePostal": "73370"},
        ]);
        let bytes = export_with(&[("communes.json", communes.to_string().as_bytes())]);
        let read = read(&bytes, ts("2017-09-01T00:00:00Z")).unwrap();
        let communes: Vec<(Option<&str>, &str, &str)> = read
            .events
            .iter()
            .map(|e| {
                (
                    e.place.insee.as_deref(),
                    e.place.city.as_str(),
                    e.place.postal_code.as_str(),
                )
            })
            .collect();
        let aix = (Some("73008"), "Aix-les-Bains", "73100");
        let bourget = (Some("73051"), "Le Bourget-du-Lac", "73370");
        assert_eq!(communes, [aix, aix, aix, bourget, bourget]);

        // An object's own commune wins; its postal code stands in for a missing one.
        let own = event(
            json!([{"dateDebut": "2025-08-01"}]),
            json!({"localisation": {"adresse": {"adresse1": "Place de la Mairie", "commune": {
                "id": 30248, "code": "62001", "nom": "Ablain-Saint-Nazaire", "codePostal": "62153"
            }}}}),
        );
        let read = read_json(&json!([own]), "2025-01-01T00:00:00Z");
        assert_eq!(
            read.events[0].place,
            Place {
                name: String::new(),
                address: "Place de la Mairie".into(),
                postal_code: "62153".into(),
                city: "Ablain-Saint-Nazaire".into(),
                insee: Some("62001".into()),
            }
        );
    }

    #[test]
    fn labels_of_reference_elements_name_categories() {
        // The export's elements_reference.json names category 2084 (test data).
        let references = json!([{"elementReferenceType": "FeteEtManifestationCategorie",
            "id": 2084, "libelleFr": "Salon / Foire"}]);
        let bytes = export_with(&[("elements_reference.json", references.to_string().as_bytes())]);
        let read = read(&bytes, ts("2017-09-01T00:00:00Z")).unwrap();
        assert_eq!(read.events[1].category, EventCategory::Market);

        let with = |info: Value| {
            let e = event(
                json!([{"dateDebut": "2025-08-01"}]),
                json!({"nom": {"libelleFr": "Dimanche au village"}, "informationsFeteEtManifestation": info}),
            );
            read_json(&e, "2025-01-01T00:00:00Z").events[0].category
        };
        // An inline label (API answers with `locales`), the categories before the themes.
        assert_eq!(
            with(json!({
                "categories": [{"id": 1, "libelleFr": "Concert"}],
                "themes": [{"id": 2, "libelleFr": "Marché de producteurs"}],
            })),
            EventCategory::Concert
        );
        assert_eq!(
            with(
                json!({"categories": [{"id": 1, "libelleFr": "Jeux"}], "themes": [{"id": 2, "libelleFr": "Randonnée"}]})
            ),
            EventCategory::Nature
        );
        assert_eq!(
            with(json!({"categories": [{"id": 2083}]})),
            EventCategory::Market
        );
        assert_eq!(
            with(json!({"categories": [{"id": 9}]})),
            EventCategory::Other
        );
    }

    #[test]
    fn a_festival_with_hours_is_one_slot_a_day() {
        // Friday 11 to Sunday 13 July 2025, 10:00 to 18:00.
        let e = event(
            json!([{"dateDebut": "2025-07-11", "dateFin": "2025-07-13",
                "horaireOuverture": "10:00:00", "horaireFermeture": "18:00:00",
                "type": "OUVERTURE_TOUS_LES_JOURS", "tousLesAns": false}]),
            json!({}),
        );
        let read = read_json(&e, "2025-01-01T00:00:00Z");
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        assert_eq!(
            slots(&read),
            [
                paris(
                    "2025-07-11T10:00:00+02:00",
                    "2025-07-11T18:00:00+02:00",
                    false
                ),
                paris(
                    "2025-07-12T10:00:00+02:00",
                    "2025-07-12T18:00:00+02:00",
                    false
                ),
                paris(
                    "2025-07-13T10:00:00+02:00",
                    "2025-07-13T18:00:00+02:00",
                    false
                ),
            ]
        );
        assert_eq!(
            read.events[0].title,
            Text::fr("Fête du village").with(Lang::nl(), "Dorpsfeest")
        );
        assert_eq!(read.events[0].category, EventCategory::Festival);
        // During the Saturday: Friday is over, Saturday's slot is under way.
        let during = read_json(&e, "2025-07-12T12:00:00Z");
        assert_eq!(occurrences(&during.events[0]).len(), 2);
    }

    #[test]
    fn weekdays_months_and_exceptions_choose_the_days() {
        let now = "2025-01-01T00:00:00Z";
        // Saturdays and Sundays from 1 to 15 June 2025 (1 June is a Sunday).
        let weekly = event(
            json!([{"dateDebut": "2025-06-01", "dateFin": "2025-06-15", "type": "OUVERTURE_SEMAINE",
                "horaireOuverture": "14:00:00", "horaireFermeture": "17:30:00",
                "ouverturesJournalieres": [{"jour": "SAMEDI"}, {"jour": "DIMANCHE"}]}]),
            json!({}),
        );
        let afternoon = |day: &str| {
            paris(
                &format!("2025-06-{day}T14:00:00+02:00"),
                &format!("2025-06-{day}T17:30:00+02:00"),
                false,
            )
        };
        assert_eq!(
            slots(&read_json(&weekly, now)),
            ["01", "07", "08", "14", "15"].map(afternoon)
        );

        // Every day but Mondays, whole days, from Thursday 26 June to Wednesday 9 July; open
        // on Monday 7 July all the same, closed on Friday 4 July.
        let except = event(
            json!([{"dateDebut": "2025-06-26", "dateFin": "2025-07-09", "type": "OUVERTURE_SAUF",
                "ouverturesJournalieres": [{"jour": "LUNDI"}],
                "ouverturesExceptionnelles": [{"dateOuverture": "2025-07-07"}]}]),
            json!({}),
        );
        let mut except_closed = except.clone();
        except_closed["ouverture"]["fermeturesExceptionnelles"] =
            json!([{"dateFermeture": "2025-07-04"}]);
        let days = |a: &str, b: &str| {
            paris(
                &format!("2025-{a}T00:00:00+02:00"),
                &format!("2025-{b}T00:00:00+02:00"),
                true,
            )
        };
        assert_eq!(
            slots(&read_json(&except, now)),
            [days("06-26", "06-30"), days("07-01", "07-10")]
        );
        assert_eq!(
            slots(&read_json(&except_closed, now)),
            [
                days("06-26", "06-30"),
                days("07-01", "07-04"),
                days("07-05", "07-10")
            ]
        );

        // The first Sunday and the last Saturday of each month, September to November 2025
        // (summer time ends on 26 October).
        let monthly = event(
            json!([{"dateDebut": "2025-09-01", "dateFin": "2025-11-30", "type": "OUVERTURE_MOIS",
                "horaireOuverture": "08:00", "horaireFermeture": "12:00",
                "ouverturesJourDuMois": [{"jour": "DIMANCHE", "jourDuMois": "D_1ER"},
                    {"jour": "SAMEDI", "jourDuMois": "D_DERNIER"}]}]),
            json!({}),
        );
        let morning = |day: &str, offset: &str| {
            paris(
                &format!("2025-{day}T08:00:00{offset}"),
                &format!("2025-{day}T12:00:00{offset}"),
                false,
            )
        };
        assert_eq!(
            slots(&read_json(&monthly, now)),
            [
                morning("09-07", "+02:00"),
                morning("09-27", "+02:00"),
                morning("10-05", "+02:00"),
                morning("10-25", "+02:00"),
                morning("11-02", "+01:00"),
                morning("11-29", "+01:00"),
            ]
        );

        // A ball until two in the morning; a market closed on 1 May (every year).
        let ball = event(
            json!([{"dateDebut": "2025-06-21", "horaireOuverture": "21:00:00", "horaireFermeture": "02:00:00"}]),
            json!({}),
        );
        assert_eq!(
            slots(&read_json(&ball, now)),
            [paris(
                "2025-06-21T21:00:00+02:00",
                "2025-06-22T02:00:00+02:00",
                false
            )]
        );
        let market = event(
            json!([{"dateDebut": "2025-04-30", "dateFin": "2025-05-02", "horaireOuverture": "09:00:00", "horaireFermeture": "12:00:00"}]),
            json!({"ouverture": {
                "periodesOuvertures": [{"dateDebut": "2025-04-30", "dateFin": "2025-05-02", "horaireOuverture": "09:00:00", "horaireFermeture": "12:00:00"}],
                "fermeturesExceptionnelles": [{"dateSpeciale": "PREMIER_MAI"}]}}),
        );
        assert_eq!(
            slots(&read_json(&market, now)),
            [
                paris(
                    "2025-04-30T09:00:00+02:00",
                    "2025-04-30T12:00:00+02:00",
                    false
                ),
                paris(
                    "2025-05-02T09:00:00+02:00",
                    "2025-05-02T12:00:00+02:00",
                    false
                ),
            ]
        );

        // Mondays only, in a week from Tuesday to Sunday: no day open.
        let never = event(
            json!([{"dateDebut": "2025-07-01", "dateFin": "2025-07-06", "type": "OUVERTURE_SEMAINE",
                "ouverturesJournalieres": [{"jour": "LUNDI"}]}]),
            json!({}),
        );
        assert_eq!(
            messages(&read_json(&never, now)),
            ["ouverture.periodesOuvertures: no day open, so the event has no date"]
        );
    }

    #[test]
    fn the_multi_hour_schedule_replaces_the_legacy_hours() {
        // Saturday 12 to Tuesday 15 July 2025; 14 July is a public holiday.
        let e = event(
            json!([{"dateDebut": "2025-07-12", "dateFin": "2025-07-15", "type": "OUVERTURE_SEMAINE",
                "horaireOuverture": "09:00:00",
                "ouverturesJournalieres": [{"jour": "MERCREDI"}],
                "horaires": [
                    {"type": {"elementReferenceType": "HoraireType", "id": 7460, "libelleFr": "Visite guidée"},
                     "timePeriods": [{"closed": false, "weekdays": ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"],
                        "timeFrames": [{"startTime": "15:00", "endTime": "17:00", "recurrence": "00:30"}]}]},
                    {"type": {"elementReferenceType": "HoraireType", "id": 7457, "libelleFr": "Ouverture"},
                     "timePeriods": [
                        {"closed": false, "weekdays": ["THU", "WED", "FRI", "MON", "TUE"],
                         "timeFrames": [{"startTime": "10:00", "endTime": "12:00"}, {"startTime": "14:00", "endTime": "18:00"}]},
                        {"closed": false, "weekdays": ["SAT", "SUN"], "timeFrames": [{"startTime": "08:00", "endTime": "20:00"}]},
                        {"closed": true, "weekdays": ["HOL"]}]}]}]),
            json!({}),
        );
        let read = read_json(&e, "2025-01-01T00:00:00Z");
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        let at = |day: &str, from: &str, to: &str| {
            paris(
                &format!("2025-07-{day}T{from}:00+02:00"),
                &format!("2025-07-{day}T{to}:00+02:00"),
                false,
            )
        };
        assert_eq!(
            slots(&read),
            [
                at("12", "08:00", "20:00"),
                at("13", "08:00", "20:00"),
                at("15", "10:00", "12:00"),
                at("15", "14:00", "18:00"),
            ]
        );
        // The write API's shape: `timePeriods` on the period itself.
        let direct = event(
            json!([{"dateDebut": "2025-07-12", "dateFin": "2025-07-13", "type": "OUVERTURE_TOUS_LES_JOURS",
                "timePeriods": [{"type": "opening", "weekdays": ["SUN"], "timeFrames": [{"startTime": "18:00", "endTime": "22:00"}]}]}]),
            json!({}),
        );
        assert_eq!(
            slots(&read_json(&direct, "2025-01-01T00:00:00Z")),
            [at("13", "18:00", "22:00")]
        );
    }

    #[test]
    fn a_long_period_is_read_three_years_ahead() {
        let e = event(
            json!([{"dateDebut": "2025-01-01", "dateFin": "2030-12-31", "horaireOuverture": "10:00:00"}]),
            json!({}),
        );
        let read = read_json(&e, "2025-01-01T00:00:00Z");
        assert_eq!(occurrences(&read.events[0]).len(), 1100);
        assert_eq!(
            messages(&read),
            [
                "ouverture.periodesOuvertures[0]: runs until 2030-12-31; only the days until \
                 2028-01-05 are read, the next imports read the others"
            ]
        );
        // Whole days every day: one occurrence, however long.
        let e = event(
            json!([{"dateDebut": "2025-01-01", "dateFin": "2030-12-31"}]),
            json!({}),
        );
        assert_eq!(
            slots(&read_json(&e, "2025-06-01T00:00:00Z")),
            [paris(
                "2025-01-01T00:00:00+01:00",
                "2031-01-01T00:00:00+01:00",
                true
            )]
        );
    }

    #[test]
    fn faulty_objects_and_periods_are_problems_and_the_rest_still_counts() {
        let good = event(json!([{"dateDebut": "2025-08-01"}]), json!({}));
        let read = read_json(
            &json!([
                event(
                    json!([
                        {"dateDebut": "2025-13-01"},
                        {"dateDebut": "2025-07-02", "dateFin": "2025-07-01"},
                        {"dateDebut": "2025-07-03", "horaireOuverture": "25:00"},
                        {"dateDebut": "2025-07-04", "horaireFermeture": "midi"},
                        {"dateFin": "2025-07-06"},
                        "2025-07-07",
                        {"dateDebut": "2025-07-08", "horaires": [{"type": {"id": 7457}, "timePeriods": [
                            {"weekdays": ["TUE"], "timeFrames": [{"startTime": "9h"}]}]}]},
                        {"dateDebut": "2025-07-09"},
                    ]),
                    json!({}),
                ),
                event(
                    json!([{"dateDebut": "2025-08-01"}]),
                    json!({"state": "HIDDEN", "id": 2})
                ),
                event(json!([]), json!({"id": 3})),
                event(
                    json!([{"dateDebut": "2025-08-01"}]),
                    json!({"id": 4, "nom": {"libelleEn": " "}})
                ),
                event(json!([{"dateDebut": "2025-08-01"}]), json!({"id": null})),
                event(
                    json!([{"dateDebut": "2025-08-01"}]),
                    json!({"id": 6, "type": null})
                ),
                event(
                    json!([{"dateDebut": "2025-08-01"}]),
                    json!({"id": 9, "type": "Fête\nlocale"})
                ),
                event(
                    json!([{"dateDebut": "2024-12-30", "dateFin": "2024-12-31"}]),
                    json!({"id": 7})
                ),
                good,
                "objet",
            ]),
            "2025-01-01T00:00:00Z",
        );
        let ids: Vec<_> = read.events.iter().map(|e| e.source_id.as_str()).collect();
        assert_eq!(ids, ["7001"]);
        assert_eq!(occurrences(&read.events[0]).len(), 1);
        let kept = " (the event is read without this period)";
        let p = "objects[0].ouverture.periodesOuvertures";
        let expected = [
            format!("{p}[0].dateDebut: \"2025-13-01\" is not a date{kept}"),
            format!("{p}[1].dateFin: \"2025-07-01\" is before its dateDebut \"2025-07-02\"{kept}"),
            format!("{p}[2].horaireOuverture: \"25:00\" is not a time of day{kept}"),
            format!("{p}[3].horaireFermeture: \"midi\" is not a time of day{kept}"),
            format!("{p}[4].dateDebut: missing{kept}"),
            format!("{p}[5]: \"2025-07-07\" is not a period (an object with dateDebut){kept}"),
            format!(
                "{p}[6].horaires[0].timePeriods[0].timeFrames[0].startTime: \"9h\" is not a time \
                 of day{kept}"
            ),
            "objects[1].state: \"HIDDEN\" is not PUBLISHED: left out".into(),
            "objects[2].ouverture.periodesOuvertures: missing, so the event has no date".into(),
            "objects[3].nom.libelleFr: missing".into(),
            "objects[4].id: missing".into(),
            "objects[5].type: missing, so the object cannot be told to be an event \
             (FETE_ET_MANIFESTATION): left out"
                .into(),
            "objects[6]: \"Fête\\nlocale\" is not an event (FETE_ET_MANIFESTATION): left out"
                .into(),
            "objects[7].ouverture.periodesOuvertures: every period is over (the last one ended \
             2025-01-01 00:00)"
                .into(),
            "objects[8].id: \"7001\" was already read earlier in the file; the first one is kept"
                .into(),
            "objects[9]: \"objet\" is not an Apidae object (a JSON object)".into(),
        ];
        assert_eq!(messages(&read), expected);
        assert_eq!(read.problems[7].source_id.as_deref(), Some("2"));
        assert_eq!(read.problems[7].title.as_deref(), Some("Fête du village"));
        assert_eq!(read.problems[10].title.as_deref(), Some("Fête du village"));
        assert_eq!(read.problems[12].source_id.as_deref(), Some("9"));
    }

    #[test]
    fn pictures_links_texts_and_statuses() {
        let e = event(
            json!([{"dateDebut": "2025-08-01"}]),
            json!({
                "nom": {"libelleFr": "Concert d'été", "libellePtBR": "Concerto de verão", "libelleZh": "夏季音乐会", "libelle": "?", "libelleFrench": "?"},
                "presentation": {"descriptifDetaille": {"libelleFr": "Avec\r\nla chorale", "libelleEn": "With the choir"},
                                 "descriptifCourt": {"libelleFr": "Plein air"}},
                "informations": {"moyensCommunication": [
                    {"type": {"elementReferenceType": "MoyenCommunicationType", "id": 201}, "coordonnees": {"fr": "03 21 00 00 00"}},
                    {"type": {"id": 207}, "coordonnees": {"fr": "https://facebook.com/concert"}},
                    {"type": {"id": 999, "libelleFr": "Site web (URL)"}, "coordonnees": {"fr": "javascript:alert(1)", "en": "https://concert.example.org/en"}},
                ]},
                "illustrations": [
                    {"type": "DOCUMENT", "traductionFichiers": [{"url": "https://static.example.org/programme.jpg"}]},
                    {"type": "IMAGE", "traductionFichiers": [{"url": "https://static.example.org/programme.pdf", "extension": "pdf"}]},
                    {"type": "IMAGE", "traductionFichiers": [{"locale": "fr", "url": "http://static.apidae-tourisme.com/filestore/objets-touristiques/images/1/2/3.jpg"}]},
                ],
                "ouverture": {"periodesOuvertures": [{"dateDebut": "2025-08-01"}], "fermeTemporairement": "FERME_TEMPORAIREMENT"},
                "gestion": {"dateModification": "2025-06-02T10:00:00.000+0200"},
            }),
        );
        let read = read_json(
            &json!({"numFound": 1, "objetsTouristiques": [e]}),
            "2025-01-01T00:00:00Z",
        );
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        let event = &read.events[0];
        assert_eq!(
            event.title,
            Text::fr("Concert d'été")
                .with("pt".parse().unwrap(), "Concerto de verão")
                .with("zh".parse().unwrap(), "夏季音乐会")
        );
        assert_eq!(
            event.description,
            Text::fr("Plein air\n\nAvec\nla chorale").with(Lang::en(), "With the choir")
        );
        assert_eq!(event.category, EventCategory::Concert);
        assert_eq!(event.url.as_deref(), Some("https://concert.example.org/en"));
        assert_eq!(
            event.image_url.as_deref(),
            Some(
                "http://static.apidae-tourisme.com/filestore/objets-touristiques/images/1/2/3.jpg"
            )
        );
        assert_eq!(event.status, EventStatus::Postponed);
        assert_eq!(event.updated, Some(ts("2025-06-02T08:00:00Z")));
        assert_eq!(
            slots(&read),
            [paris(
                "2025-08-01T00:00:00+02:00",
                "2025-08-02T00:00:00+02:00",
                true
            )]
        );
    }

    #[test]
    fn shapes_of_json_files() {
        let now = "2025-01-01T00:00:00Z";
        let one = event(json!([{"dateDebut": "2025-08-01"}]), json!({}));
        for doc in [
            one.clone(),
            json!([one.clone()]),
            json!({"numFound": 1, "objetsTouristiques": [one]}),
        ] {
            assert_eq!(read_json(&doc, now).events.len(), 1, "{doc}");
        }
        assert_eq!(read_json(&json!({"numFound": 0}), now), Read::default());
        assert_eq!(read_json(&json!([]), now), Read::default());
        let error = |bytes: &[u8]| read(bytes, ts(now)).unwrap_err().0;
        let neither =
            "neither an Apidae export (a ZIP archive) nor Apidae JSON (an object or a list)";
        assert_eq!(error(b"GIF89a\x01\x00"), neither);
        assert_eq!(error(b""), neither);
        assert_eq!(error(b"12"), neither);
        assert_eq!(
            error(b"[{\"id\": 1"),
            "not JSON: EOF while parsing an object at line 1 column 9"
        );
        let not_apidae = "not Apidae JSON: expected an object with \"type\" and \"id\", a list \
                          of them, or an answer with \"objetsTouristiques\"";
        assert_eq!(error(br#"{"events": []}"#), not_apidae);
        assert_eq!(
            error(br#"{"objetsTouristiques": {"id": 1}}"#),
            "not an Apidae answer: \"objetsTouristiques\" is {\"id\":1}, not a list"
        );
        assert_eq!(
            error(
                r#"{"errorType": "ACCES_NON_AUTORISE", "message": "Clé d'API invalide"}"#
                    .as_bytes()
            ),
            "Apidae answered with an error: ACCES_NON_AUTORISE Clé d'API invalide"
        );
    }

    #[test]
    fn archives_that_are_not_apidae_exports_are_refused() {
        let now = ts("2025-01-01T00:00:00Z");
        let error = |bytes: &[u8]| read(bytes, now).unwrap_err().0;
        let no_objects =
            "not an Apidae export: the ZIP archive has no objets_modifies/objets_modifies-N.json";
        assert_eq!(error(&zip_of(&[("communes.json", b"[]")])), no_objects);
        assert_eq!(error(&zip_of(&[])), no_objects);
        assert_eq!(
            error(&zip_of(&[(
                "__MACOSX/objets_modifies/objets_modifies-1.json",
                b"[]"
            )])),
            no_objects
        );
        // Truncated: no central directory.
        let bytes = sample("json_export.zip");
        assert!(error(&bytes[..bytes.len() / 2]).starts_with("not a readable ZIP archive: "));
        // A damaged member refuses the whole file: its events would be marked removed.
        let damaged = zip_of(&[
            ("objets_modifies/objets_modifies-1.json", b"[]"),
            ("objets_modifies/objets_modifies-2.json", b"[{\"id\""),
        ]);
        assert_eq!(
            error(&damaged),
            "objets_modifies/objets_modifies-2.json: not JSON: EOF while parsing an object at \
             line 1 column 6"
        );
        // Files are read in the order of their numbers, not of their names.
        let object =
            |id: u32| event(json!([{"dateDebut": "2025-08-01"}]), json!({"id": id})).to_string();
        let ordered = zip_of(&[
            (
                "export/objets_modifies/objets_modifies-10.json",
                format!("[{}]", object(10)).as_bytes(),
            ),
            (
                "export/objets_modifies/objets_modifies-9.json",
                object(9).as_bytes(),
            ),
            ("export/objets_supprimes.json", b"[123]"),
        ]);
        let read = read(&ordered, now).unwrap();
        let ids: Vec<&str> = read.events.iter().map(|e| e.source_id.as_str()).collect();
        assert_eq!(ids, ["9", "10"]);
    }

    #[test]
    fn zip_bombs_are_refused() {
        let now = ts("2025-01-01T00:00:00Z");
        let error = |bytes: &[u8]| read(bytes, now).unwrap_err().0;
        // Too many entries.
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for i in 0..=MAX_ENTRIES {
            writer.start_file(format!("{i}"), stored).unwrap();
        }
        let many = writer.finish().unwrap().into_inner();
        assert_eq!(
            error(&many),
            "the ZIP archive has 10001 entries, more than the 10000 an Apidae export may have: \
             refused"
        );

        // 65 MiB of spaces in a JSON list, deflated to a few dozen KiB.
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let deflated = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        writer
            .start_file("objets_modifies/objets_modifies-1.json", deflated)
            .unwrap();
        writer.write_all(b"[").unwrap();
        let spaces = vec![b' '; 1 << 20];
        for _ in 0..65 {
            writer.write_all(&spaces).unwrap();
        }
        writer.write_all(b"]").unwrap();
        let bomb = writer.finish().unwrap().into_inner();
        assert!(bomb.len() < 1 << 20, "{}", bomb.len());
        assert_eq!(
            error(&bomb),
            "the ZIP archive expands to 65.0 MiB, more than the 64 MiB an Apidae export may \
             take: refused"
        );

        // The same declaring 2 bytes in its central directory: the bytes read are counted.
        let mut lying = bomb.clone();
        let central = lying
            .windows(4)
            .position(|w| w == b"PK\x01\x02")
            .expect("a central directory entry");
        // The uncompressed size is at offset 24 of a central directory entry.
        lying[central + 24..central + 28].copy_from_slice(&2u32.to_le_bytes());
        let message = error(&lying);
        assert!(
            message.contains("more than the 64 MiB") || message.contains("cannot be read"),
            "{message}"
        );
    }

    #[test]
    fn special_days_and_easter() {
        let d = |s: &str| s.parse::<Date>().unwrap();
        assert_eq!(easter(2018), Some(d("2018-04-01")));
        assert_eq!(easter(2024), Some(d("2024-03-31")));
        assert_eq!(easter(2025), Some(d("2025-04-20")));
        assert_eq!(easter(2038), Some(d("2038-04-25")));
        assert_eq!(special_day("ASCENSION", 2025), Some(d("2025-05-29")));
        assert_eq!(special_day("LUNDI_PENTECOTE", 2025), Some(d("2025-06-09")));
        assert_eq!(
            special_day("LUNDI_DU_JEUNE_FEDERAL", 2025),
            Some(d("2025-09-22"))
        );
        assert_eq!(special_day("NOEL_ORTHODOXE", 2025), None);
        assert!(is_holiday(d("2025-07-14")));
        assert!(!is_holiday(d("2025-07-15")));
        assert_eq!(
            instant("2017-09-21T09:51:57.288+0000"),
            Some(ts("2017-09-21T09:51:57.288Z"))
        );
        assert_eq!(
            instant("2017-09-21T09:51:57Z"),
            Some(ts("2017-09-21T09:51:57Z"))
        );
        assert_eq!(instant("hier"), None);
        assert_eq!(instant("+0000"), None);
        assert_eq!(instant("xé000"), None);
        assert_eq!(instant("2017-09-21T09:51:57é+0000"), None);
    }

    #[test]
    fn names_of_export_members() {
        assert_eq!(
            member("objets_modifies/objets_modifies-12.json"),
            Some(Member::Objects(12))
        );
        assert_eq!(member("x/objets_modifies.json"), Some(Member::Objects(0)));
        assert_eq!(member("communes.json"), Some(Member::Communes));
        assert_eq!(
            member("a/elements_reference.json"),
            Some(Member::References)
        );
        for other in [
            "objets_supprimes.json",
            "objets_lies/objets_lies_modifies-1.json",
            "objets_modifies/objets_modifies-1.json.bak",
            "objets_modifies/objets_modifies-x.json",
            "objets_modifies/objets_modifies-.json",
            "__MACOSX/objets_modifies/._objets_modifies-1.json",
            "objets_modifies/._objets_modifies-1.json",
            "selections.json",
        ] {
            assert_eq!(member(other), None, "{other}");
        }
    }

    /// Truncations and byte flips of both samples: never a panic.
    #[test]
    fn mutated_samples_never_panic() {
        let now = ts("2017-09-01T00:00:00Z");
        // Every position is too slow unoptimised; prime steps cover the structure at
        // different offsets, and the ends entirely (a ZIP archive's central directory is in
        // its last kilobyte).
        for (name, step, tail) in [("json_export.zip", 17, 1024), ("hot_fr_en.json", 31, 256)] {
            let bytes = sample(name);
            let positions = (0..bytes.len())
                .step_by(step)
                .chain(0..256)
                .chain(bytes.len() - tail..bytes.len());
            for (i, position) in positions.enumerate() {
                let _ = read(&bytes[..position], now);
                let mut flipped = bytes.clone();
                flipped[position] ^= [0x01, 0x20, 0x80, 0xff][i % 4];
                let _ = read(&flipped, now);
            }
        }
        // The objects of the export, as JSON, truncated and flipped.
        let mut archive = zip::ZipArchive::new(Cursor::new(sample("json_export.zip"))).unwrap();
        let mut objects = Vec::new();
        archive
            .by_name("objets_modifies/objets_modifies-1.json")
            .unwrap()
            .read_to_end(&mut objects)
            .unwrap();
        for (i, position) in (0..objects.len()).step_by(29).enumerate() {
            let _ = read(&objects[..position], now);
            let mut flipped = objects.clone();
            flipped[position] ^= [0x01, 0x20, 0x80, 0xff][i % 4];
            let _ = read(&flipped, now);
        }
    }

    /// Every value of an object using every supported field replaced by values of other
    /// kinds: never a panic.
    #[test]
    fn retyped_values_never_panic() {
        let root = event(
            json!([
                {"dateDebut": "2025-06-01", "dateFin": "2025-06-09", "type": "OUVERTURE_SEMAINE",
                 "horaireOuverture": "10:00:00", "horaireFermeture": "02:00:00",
                 "ouverturesJournalieres": [{"jour": "SAMEDI"}],
                 "ouverturesExceptionnelles": [{"dateOuverture": "2025-06-03"}]},
                {"dateDebut": "2025-09-01", "dateFin": "2025-10-31", "type": "OUVERTURE_MOIS",
                 "ouverturesJourDuMois": [{"jour": "DIMANCHE", "jourDuMois": "D_DERNIER"}]},
                {"dateDebut": "2025-07-12", "dateFin": "2025-07-15",
                 "horaires": [{"type": {"id": 7457}, "timePeriods": [
                    {"closed": false, "weekdays": ["SAT"], "timeFrames": [{"startTime": "08:00", "endTime": "24:00"}]},
                    {"closed": true, "weekdays": ["HOL"]}]}]},
            ]),
            json!({
                "localisation": {"adresse": {"adresse1": "Rue", "codePostal": "62000", "commune": {"id": 1, "code": "62041"}}},
                "presentation": {"descriptifCourt": {"libelleFr": "Court"}},
                "informations": {"moyensCommunication": [{"type": {"id": 205}, "coordonnees": {"fr": "https://x.fr"}}]},
                "illustrations": [{"type": "IMAGE", "traductionFichiers": [{"url": "https://x.fr/a.jpg"}]}],
                "informationsFeteEtManifestation": {"nomLieu": "Salle", "categories": [{"id": 2083}]},
                "gestion": {"dateModification": "2025-06-02T10:00:00.000+0200"},
            }),
        );
        let mut root = root;
        root["ouverture"]["fermeturesExceptionnelles"] =
            json!([{"dateFermeture": "2025-06-07"}, {"dateSpeciale": "PREMIER_MAI"}]);
        let replacements = [
            json!(null),
            json!(false),
            json!(-7),
            json!(""),
            json!("9999-12-31"),
            json!("-009999-01-01"),
            json!("24:00"),
            json!([]),
            json!([[]]),
            json!({}),
        ];
        let now = ts("2025-05-10T10:00:00Z");
        for pointer in json::pointers(&root) {
            for replacement in &replacements {
                let mut mutated = root.clone();
                *mutated.pointer_mut(&pointer).unwrap() = replacement.clone();
                let _ = read(mutated.to_string().as_bytes(), now);
            }
        }
    }
}
