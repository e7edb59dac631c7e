//! A commune's collections as an iCalendar feed (RFC 5545) residents subscribe to: one
//! all-day event per stream and day, with stable UIDs and an alarm the evening before.

use std::fmt::Write as _;

use beffroi_protocol::data::waste::Stream;
use beffroi_protocol::text::Lang;
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::calendar::Calendar;
use crate::holidays::add_days;

/// Longest content line, in octets, before it is folded (RFC 5545 §3.1).
const LINE_OCTETS: usize = 75;

/// What every event's description ends with.
const PUT_OUT: &str = "Sortez votre bac la veille au soir.";

/// The calendar's collections from `from` to `until` inclusive as an iCalendar text (CRLF
/// lines folded at 75 octets). `stamp`: DTSTAMP of every event (the instant the rules last
/// changed, so that the same rules give the same bytes); `domain`: the right-hand side of
/// the UIDs (the server's host name).
///
/// One VEVENT per stream and day of [`Calendar::collections`], by day then stream: UID
/// `{insee}-{stream}-{YYYYMMDD}@{domain}` (the same collection keeps its UID from one export
/// to the next), a whole day, the French stream label and bin as SUMMARY, the stream's note
/// and "Sortez votre bac la veille au soir." as DESCRIPTION, TRANSP:TRANSPARENT (a collection
/// does not make anyone busy), and a VALARM at the start of the calendar's reminder window
/// the evening before, relative to the start of the day.
pub fn export(cal: &Calendar, from: Date, until: Date, stamp: Timestamp, domain: &str) -> String {
    let mut out = Ical::default();
    out.line("BEGIN:VCALENDAR");
    out.line("VERSION:2.0");
    out.line("PRODID:-//Beffroi//Collectes//FR");
    out.line("CALSCALE:GREGORIAN");
    out.line("METHOD:PUBLISH");
    out.line(&format!(
        "X-WR-CALNAME:{}",
        escape(&format!("Collectes des déchets – {}", cal.name))
    ));
    out.line("X-WR-TIMEZONE:Europe/Paris");
    out.line("REFRESH-INTERVAL;VALUE=DURATION:P1D");
    out.line("X-PUBLISHED-TTL:P1D");

    let streams = cal.collections(from, until);
    let mut events: Vec<(Date, Stream, usize)> = streams
        .iter()
        .enumerate()
        .flat_map(|(i, c)| c.dates.iter().map(move |d| (*d, c.stream, i)))
        .collect();
    events.sort_unstable();
    let dtstamp = utc(stamp);
    let trigger = trigger(cal.reminder.start.minutes());
    let fr = Lang::fr();
    for (date, stream, i) in events {
        let label = stream.label(&fr);
        let summary = match bin(stream) {
            Some(bin) => format!("Collecte : {label} ({bin})"),
            None => format!("Collecte : {label}"),
        };
        let description = match streams[i].note.get(&fr).map(str::trim) {
            Some(note) if !note.is_empty() => format!("{note}\n{PUT_OUT}"),
            _ => PUT_OUT.to_owned(),
        };
        out.line("BEGIN:VEVENT");
        out.line(&format!(
            "UID:{}-{}-{}@{}",
            cal.commune,
            stream.name(),
            compact(date),
            escape(domain)
        ));
        out.line(&format!("DTSTAMP:{dtstamp}"));
        out.line(&format!("DTSTART;VALUE=DATE:{}", compact(date)));
        // The end of an all-day event is exclusive: the next day.
        let end = add_days(date, 1).unwrap_or(date);
        out.line(&format!("DTEND;VALUE=DATE:{}", compact(end)));
        out.line(&format!("SUMMARY:{}", escape(&summary)));
        out.line(&format!("DESCRIPTION:{}", escape(&description)));
        out.line(&format!(
            "CATEGORIES:{},{}",
            escape("Collecte des déchets"),
            escape(label)
        ));
        out.line("TRANSP:TRANSPARENT");
        out.line("BEGIN:VALARM");
        out.line("ACTION:DISPLAY");
        out.line(&format!(
            "DESCRIPTION:{}",
            escape(&format!("Demain : {summary}. {PUT_OUT}"))
        ));
        out.line(&format!("TRIGGER:{trigger}"));
        out.line("END:VALARM");
        out.line("END:VEVENT");
    }
    out.line("END:VCALENDAR");
    out.0
}

/// A file name for the feed: `collectes-` and the commune's name in lower-case ASCII
/// (accents dropped, other characters as hyphens), e.g. `collectes-fruges.ics`; the INSEE
/// code when the name has no letter or digit.
pub fn file_name(cal: &Calendar) -> String {
    let slug = beffroi_protocol::text::slug(&cal.name, usize::MAX);
    if slug.is_empty() {
        format!("collectes-{}.ics", cal.commune)
    } else {
        format!("collectes-{slug}.ics")
    }
}

/// The short words naming where a stream goes, after its label; `None` for other streams.
fn bin(stream: Stream) -> Option<&'static str> {
    Some(match stream {
        Stream::Household => "bac gris",
        Stream::Packaging => "bac jaune",
        Stream::Glass => "verre",
        Stream::Biowaste => "bac marron",
        Stream::GreenWaste => "déchets verts",
        Stream::Bulky => "encombrants",
        Stream::Other => return None,
    })
}

/// The alarm's TRIGGER: `start` minutes after midnight on the evening before, as a duration
/// before the collection day's start (17:00 → `-PT7H`).
fn trigger(start: u16) -> String {
    let before = (24 * 60_u16).saturating_sub(start);
    let (hours, minutes) = (before / 60, before % 60);
    match (hours, minutes) {
        (0, 0) => "PT0S".to_owned(),
        (h, 0) => format!("-PT{h}H"),
        (0, m) => format!("-PT{m}M"),
        (h, m) => format!("-PT{h}H{m}M"),
    }
}

/// `YYYYMMDD`.
fn compact(date: Date) -> String {
    format!("{:04}{:02}{:02}", date.year(), date.month(), date.day())
}

/// `YYYYMMDDTHHMMSSZ`, the UTC form of DATE-TIME.
fn utc(t: Timestamp) -> String {
    let dt = TimeZone::UTC.to_datetime(t);
    format!(
        "{}T{:02}{:02}{:02}Z",
        compact(dt.date()),
        dt.hour(),
        dt.minute(),
        dt.second()
    )
}

/// A TEXT value escaped (RFC 5545 §3.3.11): backslash, semicolon, comma, and line breaks
/// as `\n`; other control characters, which TEXT cannot hold, dropped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                // CRLF is one line break; a lone CR is one too.
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// The text being written, one folded content line at a time.
#[derive(Debug, Default)]
struct Ical(String);

impl Ical {
    /// Appends `line` folded at [`LINE_OCTETS`] octets, never inside a UTF-8 character, each
    /// physical line ended by CRLF; a continuation starts with a space, which counts.
    fn line(&mut self, line: &str) {
        let mut rest = line;
        let mut limit = LINE_OCTETS;
        loop {
            if rest.len() <= limit {
                self.0.push_str(rest);
                self.0.push_str("\r\n");
                return;
            }
            let mut cut = limit;
            while !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            let _ = write!(self.0, "{}\r\n ", &rest[..cut]);
            rest = &rest[cut..];
            limit = LINE_OCTETS - 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triggers_before_the_collection_day() {
        assert_eq!(trigger(17 * 60), "-PT7H");
        assert_eq!(trigger(18 * 60 + 30), "-PT5H30M");
        assert_eq!(trigger(23 * 60 + 15), "-PT45M");
        assert_eq!(trigger(0), "-PT24H");
        assert_eq!(trigger(24 * 60), "PT0S");
    }

    #[test]
    fn folds_on_character_boundaries() {
        let mut out = Ical::default();
        let long = format!("DESCRIPTION:{}", "é".repeat(100));
        out.line(&long);
        for physical in out.0.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(physical.len() <= LINE_OCTETS, "{physical}");
        }
        let unfolded = out.0.trim_end_matches("\r\n").replace("\r\n ", "");
        assert_eq!(unfolded, long);
    }

    #[test]
    fn escapes_text() {
        assert_eq!(
            escape("a\\b;c,d\r\ne\nf\rg\u{7}"),
            "a\\\\b\\;c\\,d\\ne\\nf\\ng"
        );
    }
}
