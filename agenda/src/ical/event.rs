//! One VEVENT read into an [`Item`]: what it says (title, place, …) and when (a [`Series`]
//! from its own DTSTART, DTEND or DURATION, RRULE, RDATE and EXDATE), plus its
//! RECURRENCE-ID when it overrides an instance of another.

use beffroi_protocol::data::events::EventStatus;
use beffroi_protocol::text::{Lang, Text};
use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;

use super::lines::{self, Component, Property};
use super::rule::Rule;
use super::series::{RDate, Series};
use super::values::{self, PeriodEnd, Value};
use super::zones::{Zone, Zones};
use crate::{ItemProblem, Place, category};

/// A DATE or DATE-TIME with what its property says of its zone.
#[derive(Debug, Clone)]
pub(crate) enum Moment {
    /// A whole day.
    Day(Date),
    /// A wall-clock time without TZID: in the zone of whatever it belongs to.
    Floating(DateTime),
    /// A wall-clock time in the zone its TZID names.
    Local(DateTime, Zone),
    /// An instant.
    Utc(Timestamp),
}

impl Moment {
    /// The instant, reading a floating time and a day's midnight in `zone`.
    pub(crate) fn instant(&self, zone: &TimeZone) -> Option<Timestamp> {
        let at = |dt: DateTime, tz: &TimeZone| dt.to_zoned_datetime(tz.clone()).ok();
        Some(match self {
            Self::Day(d) => at(d.to_datetime(jiff::civil::Time::midnight()), zone)?.timestamp(),
            Self::Floating(dt) => at(*dt, zone)?.timestamp(),
            Self::Local(dt, z) => at(*dt, &z.tz)?.timestamp(),
            Self::Utc(ts) => *ts,
        })
    }
}

/// What an event says besides when it happens.
#[derive(Debug, Clone)]
pub(crate) struct Details {
    pub(crate) title: Text,
    /// The first SUMMARY, as written, to name the event in problems.
    pub(crate) summary: Option<String>,
    pub(crate) description: Text,
    pub(crate) place: Place,
    pub(crate) category: beffroi_protocol::data::events::EventCategory,
    pub(crate) status: EventStatus,
    pub(crate) url: Option<String>,
    pub(crate) image_url: Option<String>,
    pub(crate) updated: Option<Timestamp>,
}

/// One VEVENT, read.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    /// UID, or an id made from DTSTART and SUMMARY.
    pub(crate) id: String,
    pub(crate) details: Details,
    /// Its own timing (for an override, the replacement instance alone).
    pub(crate) series: Series,
    /// False when it gave neither DTEND nor DURATION (an override then keeps the length of
    /// the series).
    pub(crate) length_given: bool,
    /// RECURRENCE-ID, for a component that overrides an instance of its UID's series.
    pub(crate) recurrence_id: Option<Moment>,
    pub(crate) sequence: i64,
    /// Line of its BEGIN:VEVENT.
    pub(crate) line: usize,
}

/// Reads one VEVENT; a problem names the property that prevents it.
pub(crate) fn item(event: &Component, zones: &Zones) -> Result<Item, ItemProblem> {
    let uid = event
        .prop("UID")
        .map(|p| p.value.trim().to_owned())
        .filter(|u| !u.is_empty());
    let summary = event.prop("SUMMARY").map(Property::text);
    let problem = |message: String| ItemProblem {
        source_id: uid.clone(),
        title: summary.clone().filter(|s| !s.is_empty()),
        message,
    };
    let recurrence_id = match event.prop("RECURRENCE-ID") {
        Some(p) if uid.is_some() => Some(moment(p, zones).map_err(&problem)?),
        _ => None,
    };
    // An override without DTSTART keeps the time of the instance it replaces.
    let dtstart = event
        .prop("DTSTART")
        .or_else(|| recurrence_id.as_ref().and(event.prop("RECURRENCE-ID")))
        .ok_or_else(|| problem("DTSTART is missing".into()))?;
    let (series, length_given) = timing(event, dtstart, zones).map_err(&problem)?;
    let details = details(event, zones);
    let id = uid.clone().unwrap_or_else(|| {
        let mut hash = Fnv::default();
        hash.write(dtstart.value.trim().as_bytes());
        hash.write(&[0x1f]);
        hash.write(
            event
                .prop("SUMMARY")
                .map_or("", |p| p.value.as_str())
                .as_bytes(),
        );
        format!("no-uid-{:016x}", hash.0)
    });
    let sequence = event
        .prop("SEQUENCE")
        .and_then(|p| p.value.trim().parse().ok())
        .unwrap_or(0);
    Ok(Item {
        id,
        details,
        series,
        length_given,
        recurrence_id,
        sequence,
        line: event.line,
    })
}

/// 64-bit FNV-1a: a stable hash (the standard library's may change between releases, and
/// ids made from it must not).
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// A DATE or DATE-TIME property, with its TZID resolved.
fn moment(p: &Property, zones: &Zones) -> Result<Moment, String> {
    let value =
        values::parse_value(&p.value, p.param("VALUE")).map_err(|e| format!("{}: {e}", p.name))?;
    Ok(moment_of(value, p, zones))
}

fn moment_of(value: Value, p: &Property, zones: &Zones) -> Moment {
    match value {
        Value::Date(d) => Moment::Day(d),
        Value::Utc(ts) => Moment::Utc(ts),
        Value::Local(dt) => match p.param("TZID") {
            Some(tzid) => Moment::Local(dt, zones.of_tzid(tzid)),
            None => Moment::Floating(dt),
        },
    }
}

/// The series of one VEVENT, and whether it gave its length.
fn timing(event: &Component, dtstart: &Property, zones: &Zones) -> Result<(Series, bool), String> {
    let calendar = zones.calendar();
    let start = moment(dtstart, zones)?;
    let (zone, utc, start_at, all_day) = match &start {
        Moment::Day(d) => (
            calendar.clone(),
            false,
            d.to_datetime(jiff::civil::Time::midnight()),
            true,
        ),
        Moment::Floating(dt) => (calendar.clone(), false, *dt, false),
        Moment::Local(dt, z) => (z.clone(), false, *dt, false),
        Moment::Utc(ts) => (
            calendar.clone(),
            true,
            TimeZone::UTC.to_datetime(*ts),
            false,
        ),
    };
    let expansion = if utc { TimeZone::UTC } else { zone.tz.clone() };
    // Wall-clock time of a moment in the expansion zone (floating times are in the
    // series' zone).
    let wall = |m: &Moment| -> Option<DateTime> {
        match m {
            Moment::Day(d) => Some(d.to_datetime(jiff::civil::Time::midnight())),
            Moment::Floating(dt) if !utc => Some(*dt),
            Moment::Local(dt, z) if !utc && z.name == zone.name => Some(*dt),
            other => Some(expansion.to_datetime(other.instant(&zone.tz)?)),
        }
    };
    let mut series = Series {
        zone: zone.name.clone(),
        utc,
        start: start_at,
        all_day,
        days: 0,
        seconds: 0,
        rules: Vec::new(),
        rdates: Vec::new(),
        exdates: Vec::new(),
        exdays: Vec::new(),
        overrides: Vec::new(),
    };

    let end = event.prop("DTEND").map(|p| moment(p, zones)).transpose()?;
    let duration = match event.prop("DURATION") {
        Some(p) => Some(values::parse_duration(&p.value).map_err(|e| format!("DURATION: {e}"))?),
        None => None,
    };
    let length_given = end.is_some() || duration.is_some();
    let start_instant = start
        .instant(&zone.tz)
        .ok_or_else(|| format!("DTSTART: \"{}\" is out of range", dtstart.value.trim()))?;
    if let Some(end) = &end {
        let raw = event.prop("DTEND").map_or("", |p| p.value.trim());
        let before = || format!("DTEND: \"{raw}\" is before DTSTART");
        if all_day {
            let last = wall(end).ok_or_else(before)?;
            let mut days = start_at.date().duration_until(last.date()).as_hours() / 24;
            if last.time() != jiff::civil::Time::midnight() {
                days += 1; // ends during that day: the day counts
            }
            if days < 0 {
                return Err(before());
            }
            series.days = days.max(1);
        } else {
            let end_instant = end.instant(&zone.tz).ok_or_else(before)?;
            let seconds = start_instant.duration_until(end_instant).as_secs();
            if seconds < 0 {
                return Err(before());
            }
            // Zero: no length given; the occurrence gets the default one.
            series.seconds = seconds;
        }
    } else if let Some(d) = duration {
        if d.days < 0 || d.seconds < 0 {
            let raw = event.prop("DURATION").map_or("", |p| p.value.trim());
            return Err(format!("DURATION: \"{raw}\" is negative"));
        }
        if all_day {
            series.days = (d.days + (d.seconds + 86_399) / 86_400).max(1);
        } else {
            series.days = d.days;
            series.seconds = d.seconds;
        }
    } else if all_day {
        series.days = 1; // RFC 5545: a DATE start without end lasts that one day
    }

    for p in event.props("RRULE") {
        let rule: Rule = p
            .value
            .parse()
            .map_err(|e| format!("RRULE: \"{}\": {e}", p.value.trim()))?;
        series.rules.push(rule);
    }
    for p in event.props("RDATE") {
        let period = p
            .param("VALUE")
            .is_some_and(|v| v.eq_ignore_ascii_case("PERIOD"));
        for item in lines::split_list(&p.value) {
            let bad = |e: String| format!("RDATE: {e}");
            if period || item.contains('/') {
                let (from, to) = values::parse_period(&item).map_err(bad)?;
                let from = moment_of(from, p, zones);
                let start =
                    wall(&from).ok_or_else(|| bad(format!("\"{item}\" is out of range")))?;
                let end = match to {
                    PeriodEnd::At(v) => wall(&moment_of(v, p, zones)),
                    PeriodEnd::After(d) => {
                        let days = jiff::Span::new().try_days(d.days).ok();
                        days.and_then(|s| start.checked_add(s).ok()).and_then(|dt| {
                            dt.checked_add(jiff::SignedDuration::from_secs(d.seconds))
                                .ok()
                        })
                    }
                };
                let end = end.filter(|e| *e > start);
                series.rdates.push(RDate { start, end });
            } else {
                let value = values::parse_value(&item, p.param("VALUE")).map_err(bad)?;
                let at = wall(&moment_of(value, p, zones))
                    .ok_or_else(|| bad(format!("\"{item}\" is out of range")))?;
                let start = if all_day {
                    at.date().to_datetime(jiff::civil::Time::midnight())
                } else {
                    at
                };
                series.rdates.push(RDate { start, end: None });
            }
        }
    }
    for p in event.props("EXDATE") {
        for item in lines::split_list(&p.value) {
            let value =
                values::parse_value(&item, p.param("VALUE")).map_err(|e| format!("EXDATE: {e}"))?;
            match moment_of(value, p, zones) {
                Moment::Day(d) => series.exdays.push(d),
                other => {
                    let at = other
                        .instant(&zone.tz)
                        .ok_or_else(|| format!("EXDATE: \"{item}\" is out of range"))?;
                    series.exdates.push(at);
                }
            }
        }
    }
    Ok((series, length_given))
}

/// The language of a TEXT property: the primary subtag of its LANGUAGE parameter
/// (`en-US` → `en`), French when absent or not a two-letter code.
fn language(p: &Property) -> Lang {
    p.param("LANGUAGE")
        .and_then(|l| l.split(['-', '_']).next())
        .and_then(|l| l.trim().to_ascii_lowercase().parse().ok())
        .unwrap_or_else(Lang::fr)
}

/// A text per language from every property `name` (the first one per language wins).
fn texts(event: &Component, name: &str) -> Text {
    let mut text = Text::default();
    for p in event.props(name) {
        let value = p.text();
        let lang = language(p);
        if !value.is_empty() && !text.0.contains_key(&lang) {
            text = text.with(lang, value);
        }
    }
    text
}

fn http(url: &str) -> Option<String> {
    let url = url.trim();
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let ok = (lower.starts_with("https://") || lower.starts_with("http://"))
        && url.len() > lower.find("//").unwrap_or(0) + 2
        && !url.chars().any(char::is_whitespace);
    ok.then(|| url.to_owned())
}

/// True when an address looks like a picture (by the extension of its path).
fn looks_like_image(url: &str) -> bool {
    let path = url
        .split(['?', '#'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    [".jpg", ".jpeg", ".png", ".webp", ".gif"]
        .iter()
        .any(|ext| path.ends_with(ext))
}

fn details(event: &Component, zones: &Zones) -> Details {
    let title = texts(event, "SUMMARY");
    let summary = event
        .prop("SUMMARY")
        .map(Property::text)
        .filter(|s| !s.is_empty());
    let categories: Vec<String> = event
        .props("CATEGORIES")
        .flat_map(|p| lines::split_list(&p.value))
        .collect();
    let words = categories
        .iter()
        .map(String::as_str)
        .chain(title.0.values().map(String::as_str));
    let status = match event.prop("STATUS").map(|p| p.text().to_ascii_uppercase()) {
        Some(s) if s == "CANCELLED" => EventStatus::Cancelled,
        _ => EventStatus::Scheduled,
    };
    let image_url = event
        .props("IMAGE")
        .find_map(|p| http(&p.value))
        .or_else(|| {
            event.props("ATTACH").find_map(|p| {
                let typed = p.param("FMTTYPE").map(str::to_ascii_lowercase);
                let image = match typed {
                    Some(t) => t.starts_with("image/"),
                    None => looks_like_image(&p.value),
                };
                if image { http(&p.value) } else { None }
            })
        });
    let updated = event
        .prop("LAST-MODIFIED")
        .and_then(|p| moment(p, zones).ok())
        .and_then(|m| m.instant(&zones.calendar().tz));
    Details {
        summary,
        description: texts(event, "DESCRIPTION"),
        place: Place {
            address: event
                .prop("LOCATION")
                .map(Property::text)
                .unwrap_or_default(),
            ..Place::default()
        },
        category: category::from_words(words),
        status,
        url: event.prop("URL").and_then(|p| http(&p.value)),
        image_url,
        updated,
        title,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_web_addresses() {
        assert_eq!(
            http(" https://www.fruges.fr/agenda "),
            Some("https://www.fruges.fr/agenda".into())
        );
        assert_eq!(http("HTTP://x.fr"), Some("HTTP://x.fr".into()));
        assert_eq!(http("www.fruges.fr"), None);
        assert_eq!(http("https://"), None);
        assert_eq!(http("mailto:mairie@fruges.fr"), None);
        assert_eq!(http("https://x.fr/a b"), None);
        assert!(looks_like_image("https://x.fr/affiche.JPG?v=2"));
        assert!(!looks_like_image("https://x.fr/programme.pdf"));
    }

    #[test]
    fn stable_ids_without_uid() {
        let mut a = Fnv::default();
        a.write(b"a");
        // FNV-1a of "a", from the reference values.
        assert_eq!(a.0, 0xaf63_dc4c_8601_ec8c);
    }
}
