//! Content lines (RFC 5545 §3.1): character set, unfolding, names and parameters, and the
//! tree of components they describe; TEXT unescaping (§3.3.11).
//!
//! Tolerant where real feeds are sloppy (a byte-order mark, bare LF or CR line ends, blank
//! lines, Windows-1252 instead of UTF-8, a fold that forgot its leading space, anything after
//! `END:VCALENDAR`, an `END` that skips an unclosed component), strict where leniency would
//! hide a broken download: a file that does not begin with `BEGIN:VCALENDAR`, or that ends
//! before its `END:VCALENDAR`, is refused whole.

use crate::ReadError;

/// Components nested deeper than this are refused (a calendar is 3 levels deep: VCALENDAR,
/// VEVENT, VALARM); a crafted file must not make the reader build an absurd tree.
const MAX_DEPTH: usize = 16;

/// One property: `NAME;PARAM=value:value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Property {
    /// Name, upper case (names are case-insensitive).
    pub(crate) name: String,
    /// Parameters in order, names upper case, values unquoted.
    pub(crate) params: Vec<(String, Vec<String>)>,
    /// Raw value (TEXT still escaped).
    pub(crate) value: String,
    /// Line of the file where the property starts, from 1.
    pub(crate) line: usize,
}

impl Property {
    /// First value of parameter `name` (upper case), if present.
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, values)| values.first())
            .map(String::as_str)
    }

    /// The value as TEXT: escapes undone, surrounding white space removed.
    pub(crate) fn text(&self) -> String {
        unescape(&self.value).trim().to_owned()
    }
}

/// A component (`BEGIN:NAME` … `END:NAME`) with its properties and sub-components.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Component {
    /// Name, upper case (`VCALENDAR`, `VEVENT`, …).
    pub(crate) name: String,
    /// Properties in file order.
    pub(crate) props: Vec<Property>,
    /// Sub-components in file order.
    pub(crate) children: Vec<Component>,
    /// Line of its `BEGIN`.
    pub(crate) line: usize,
}

impl Component {
    fn new(name: String, line: usize) -> Self {
        Self {
            name,
            props: Vec::new(),
            children: Vec::new(),
            line,
        }
    }

    /// The first property called `name` (upper case).
    pub(crate) fn prop(&self, name: &str) -> Option<&Property> {
        self.props.iter().find(|p| p.name == name)
    }

    /// Every property called `name` (upper case).
    pub(crate) fn props<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Property> {
        self.props.iter().filter(move |p| p.name == name)
    }

    /// Every component called `name` below this one, at any depth, in file order (an event
    /// swallowed by a sibling whose `END` is missing is still found).
    pub(crate) fn descendants<'a>(&'a self, name: &str, found: &mut Vec<&'a Component>) {
        for child in &self.children {
            if child.name == name {
                found.push(child);
            }
            child.descendants(name, found);
        }
    }
}

/// The calendars of a file (usually one; concatenated calendars are all read).
pub(crate) fn parse(bytes: &[u8]) -> Result<Vec<Component>, ReadError> {
    let lines = logical_lines(&transcode_utf16(bytes));
    // One decision for the whole file: a feed is UTF-8, or it is a legacy 8-bit encoding.
    // Unfolding came first, on bytes, so that a fold splitting a multi-byte character (some
    // producers fold at 75 octets regardless) does not make the file look like Latin-1.
    let utf8 = lines.iter().all(|(_, l)| std::str::from_utf8(l).is_ok());
    let mut calendars = Vec::new();
    let mut stack: Vec<Component> = Vec::new();
    for (number, raw) in &lines {
        let text = if utf8 {
            String::from_utf8_lossy(raw).into_owned()
        } else {
            raw.iter().map(|&b| windows_1252(b)).collect()
        };
        if text.trim().is_empty() {
            continue;
        }
        let Some(property) = parse_line(&text, *number) else {
            match stack.last_mut() {
                // A line that is no content line inside a component: most likely a fold that
                // lost its leading space (hand-made feeds put raw newlines in descriptions).
                Some(open) => match open.props.last_mut() {
                    Some(last) => {
                        last.value.push('\n');
                        last.value.push_str(&text);
                    }
                    None => {
                        return Err(ReadError(format!(
                            "line {number}: \"{}\" is not an iCalendar content line (NAME:value)",
                            shorten(&text)
                        )));
                    }
                },
                None if calendars.is_empty() => return Err(not_icalendar(&text)),
                None => {} // junk after END:VCALENDAR
            }
            continue;
        };
        match property.name.as_str() {
            "BEGIN" => {
                let name = property.value.trim().to_ascii_uppercase();
                if stack.is_empty() {
                    if name == "VCALENDAR" {
                        stack.push(Component::new(name, *number));
                    } else if calendars.is_empty() {
                        return Err(not_icalendar(&text));
                    }
                } else if stack.len() >= MAX_DEPTH {
                    return Err(ReadError(format!(
                        "line {number}: components are nested more than {MAX_DEPTH} deep"
                    )));
                } else {
                    stack.push(Component::new(name, *number));
                }
            }
            "END" => {
                let name = property.value.trim().to_ascii_uppercase();
                // Close up to the matching BEGIN, closing any component left open inside it;
                // an END that matches nothing open is ignored.
                if let Some(depth) = stack.iter().rposition(|c| c.name == name) {
                    while stack.len() > depth {
                        let Some(done) = stack.pop() else { break };
                        match stack.last_mut() {
                            Some(parent) => parent.children.push(done),
                            None => calendars.push(done),
                        }
                    }
                } else if stack.is_empty() && calendars.is_empty() {
                    return Err(not_icalendar(&text));
                }
            }
            _ => match stack.last_mut() {
                Some(open) => open.props.push(property),
                None if calendars.is_empty() => return Err(not_icalendar(&text)),
                None => {}
            },
        }
    }
    if let Some(open) = stack.first() {
        let innermost = stack.last().unwrap_or(open);
        return Err(ReadError(format!(
            "the file ends before END:{}, inside the {} begun on line {}: it looks cut short",
            open.name, innermost.name, innermost.line
        )));
    }
    if calendars.is_empty() {
        return Err(ReadError(
            "not an iCalendar file: it is empty (no BEGIN:VCALENDAR)".into(),
        ));
    }
    Ok(calendars)
}

fn not_icalendar(first: &str) -> ReadError {
    ReadError(format!(
        "not an iCalendar file: it does not begin with BEGIN:VCALENDAR (it begins with \"{}\")",
        shorten(first)
    ))
}

/// At most 60 characters of `s`, for messages.
fn shorten(s: &str) -> String {
    let s = s.trim();
    match s.char_indices().nth(60) {
        Some((end, _)) => format!("{}…", &s[..end]),
        None => s.to_owned(),
    }
}

/// UTF-16 files (with a byte-order mark, as some Windows tools write them) as UTF-8 bytes;
/// anything else unchanged, less a UTF-8 byte-order mark.
fn transcode_utf16(bytes: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let units = |big_endian: bool| {
        bytes[2..]
            .chunks_exact(2)
            .map(move |p| {
                if big_endian {
                    u16::from_be_bytes([p[0], p[1]])
                } else {
                    u16::from_le_bytes([p[0], p[1]])
                }
            })
            .collect::<Vec<u16>>()
    };
    match bytes {
        [0xFF, 0xFE, ..] => String::from_utf16_lossy(&units(false)).into_bytes().into(),
        [0xFE, 0xFF, ..] => String::from_utf16_lossy(&units(true)).into_bytes().into(),
        [0xEF, 0xBB, 0xBF, rest @ ..] => rest.into(),
        _ => bytes.into(),
    }
}

/// Physical lines joined into logical ones (a line beginning with a space or a tab continues
/// the previous one, less that first character), each with the number of its first line.
/// CRLF, LF and lone CR all end a line.
fn logical_lines(bytes: &[u8]) -> Vec<(usize, Vec<u8>)> {
    let mut out: Vec<(usize, Vec<u8>)> = Vec::new();
    let mut number = 0;
    let mut rest = bytes;
    while !rest.is_empty() {
        let end = rest
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
            .unwrap_or(rest.len());
        let line = &rest[..end];
        rest = &rest[end..];
        if rest.starts_with(b"\r\n") {
            rest = &rest[2..];
        } else if !rest.is_empty() {
            rest = &rest[1..];
        }
        number += 1;
        match (line.first(), out.last_mut()) {
            (Some(b' ' | b'\t'), Some((_, previous))) => previous.extend_from_slice(&line[1..]),
            _ => out.push((number, line.to_vec())),
        }
    }
    out
}

/// A byte of Windows-1252 (the usual 8-bit encoding of French text, a superset of Latin-1
/// with ’ œ € … in 0x80–0x9F) as a character.
fn windows_1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž',
        '\u{8F}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}',
        'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9F => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// `NAME *(";" param) ":" value`, or `None` when the line is not a content line.
fn parse_line(line: &str, number: usize) -> Option<Property> {
    let name_end = line.find(|c: char| !is_name_char(c))?;
    if name_end == 0 {
        return None;
    }
    let name = line[..name_end].to_ascii_uppercase();
    let mut rest = &line[name_end..];
    let mut params = Vec::new();
    loop {
        let mut chars = rest.chars();
        match chars.next()? {
            ':' => break,
            ';' => {}
            _ => return None,
        }
        rest = chars.as_str();
        let pname_end = rest.find(|c: char| !is_name_char(c))?;
        let pname = rest[..pname_end].to_ascii_uppercase();
        rest = &rest[pname_end..];
        let mut values = Vec::new();
        if let Some(after) = rest.strip_prefix('=') {
            rest = after;
            loop {
                if let Some(quoted) = rest.strip_prefix('"') {
                    let close = quoted.find('"')?;
                    values.push(quoted[..close].to_owned());
                    rest = &quoted[close + 1..];
                } else {
                    let end = rest.find([',', ';', ':']).unwrap_or(rest.len());
                    values.push(rest[..end].to_owned());
                    rest = &rest[end..];
                }
                match rest.strip_prefix(',') {
                    Some(after) => rest = after,
                    None => break,
                }
            }
        }
        // A parameter without "=" (vCalendar 1.0 style) is kept with no value.
        params.push((pname, values));
    }
    Some(Property {
        name,
        params,
        value: rest[1..].to_owned(),
        line: number,
    })
}

/// TEXT with its escapes undone: `\n` `\N` → newline, `\,` `\;` `\\` → the character; an
/// unknown escape (`\:` from Outlook) keeps the character.
pub(crate) fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// A list value (CATEGORIES, EXDATE, RDATE) split on its unescaped commas, each item
/// unescaped and trimmed; empty items dropped.
pub(crate) fn split_list(s: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            ',' => {
                items.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&s[start..]);
    items
        .into_iter()
        .map(|item| unescape(item).trim().to_owned())
        .filter(|item| !item.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_event(text: &str) -> Component {
        let calendars = parse(text.as_bytes()).unwrap();
        assert_eq!(calendars.len(), 1);
        let mut events = Vec::new();
        calendars[0].descendants("VEVENT", &mut events);
        assert_eq!(events.len(), 1);
        events[0].clone()
    }

    #[test]
    fn unfolds_mixed_line_ends_and_tabs() {
        let event = one_event(
            "\u{feff}BEGIN:VCALENDAR\r\nBEGIN:VEVENT\nSUMMARY:Fête de\r\n  la\n\t musique\rUID:1\r\n\r\nEND:VEVENT\nEND:VCALENDAR\r\nsome junk\n",
        );
        assert_eq!(event.prop("SUMMARY").unwrap().value, "Fête de la musique");
        assert_eq!(event.prop("UID").unwrap().line, 6);
    }

    #[test]
    fn reads_parameters_quoted_and_several() {
        let event = one_event(concat!(
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\n",
            "attach;fmttype=image/jpeg;X-LABEL=\"Affiche; recto:verso\",autre:https://x.fr/a.jpg\n",
            "END:VEVENT\nEND:VCALENDAR\n"
        ));
        let attach = event.prop("ATTACH").unwrap();
        assert_eq!(attach.param("FMTTYPE"), Some("image/jpeg"));
        assert_eq!(
            attach.params[1],
            (
                "X-LABEL".to_owned(),
                vec!["Affiche; recto:verso".to_owned(), "autre".to_owned()]
            )
        );
        assert_eq!(attach.value, "https://x.fr/a.jpg");
    }

    #[test]
    fn unescapes_text_and_lists() {
        assert_eq!(
            unescape(r"Salle\, étage 1\; entrée \\ côté\nparc\N"),
            "Salle, étage 1; entrée \\ côté\nparc\n"
        );
        assert_eq!(
            split_list(r"Fête, Marché\, brocante ,,Concert"),
            ["Fête", "Marché, brocante", "Concert"]
        );
    }

    #[test]
    fn decodes_windows_1252_when_not_utf8() {
        let bytes = b"BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:F\xeate de l\x92\x9cuf\nEND:VEVENT\nEND:VCALENDAR\n";
        let calendars = parse(bytes).unwrap();
        assert_eq!(
            calendars[0].children[0].prop("SUMMARY").unwrap().value,
            "Fête de l’œuf"
        );
    }

    #[test]
    fn a_fold_splitting_a_character_stays_utf8() {
        // "é" is C3 A9; the fold comes between its two bytes.
        let bytes = b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:F\xc3\r\n \xa9te\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let calendars = parse(bytes).unwrap();
        assert_eq!(
            calendars[0].children[0].prop("SUMMARY").unwrap().value,
            "Féte"
        );
    }

    #[test]
    fn a_line_without_colon_continues_the_previous_value() {
        let event = one_event(
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDESCRIPTION:Première ligne\nseconde ligne\nUID:x\nEND:VEVENT\nEND:VCALENDAR\n",
        );
        assert_eq!(
            event.prop("DESCRIPTION").unwrap().value,
            "Première ligne\nseconde ligne"
        );
    }

    #[test]
    fn an_end_skipping_an_open_component_closes_it() {
        let calendars = parse(
            b"BEGIN:VCALENDAR\nBEGIN:VEVENT\nBEGIN:VALARM\nACTION:DISPLAY\nEND:VEVENT\nBEGIN:VEVENT\nUID:2\nEND:VEVENT\nEND:VCALENDAR\n",
        )
        .unwrap();
        assert_eq!(calendars[0].children.len(), 2);
        assert_eq!(calendars[0].children[0].children[0].name, "VALARM");
    }

    #[test]
    fn refuses_what_is_not_a_calendar_or_is_cut_short() {
        let html = parse(b"<!DOCTYPE html>\n<html>").unwrap_err();
        assert!(
            html.0.starts_with(
                "not an iCalendar file: it does not begin with BEGIN:VCALENDAR (it begins with \"<!DOCTYPE html>\")"
            ),
            "{html}"
        );
        let empty = parse(b"\r\n\r\n").unwrap_err();
        assert!(empty.0.contains("empty"), "{empty}");
        let cut = parse(b"BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:1\nSUMMARY:Con").unwrap_err();
        assert_eq!(
            cut.0,
            "the file ends before END:VCALENDAR, inside the VEVENT begun on line 2: it looks cut short"
        );
        let stray = parse(b"BEGIN:VCALENDAR\nthis is not a line\nEND:VCALENDAR\n").unwrap_err();
        assert_eq!(
            stray.0,
            "line 2: \"this is not a line\" is not an iCalendar content line (NAME:value)"
        );
    }

    #[test]
    fn reads_concatenated_calendars() {
        let calendars = parse(
            b"BEGIN:VCALENDAR\nEND:VCALENDAR\njunk\nBEGIN:VCALENDAR\nBEGIN:VEVENT\nEND:VEVENT\nEND:VCALENDAR\n",
        )
        .unwrap();
        assert_eq!(calendars.len(), 2);
    }
}
