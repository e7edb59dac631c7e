//! Helpers shared by the JSON readers (OpenAgenda, DATAtourisme): lenient access to values
//! whose shape varies between exports, language maps, links, and the bookkeeping of a read.
//!
//! The same field comes as a string, a list of one string, a JSON-LD literal
//! (`{"@value": …, "@language": …}`) or a language map depending on the export and its
//! options; these helpers accept all of them so that the readers stay about meaning.

use std::collections::HashSet;

use beffroi_protocol::text::{Lang, Text};
use jiff::ZonedDateTime;
use serde_json::Value;

use crate::{ItemProblem, Occurrence, Read, ReadError, SourceEvent};

/// Longest excerpt of a faulty value quoted in a problem, in characters: enough to recognise
/// it, short enough for one line of the officer's report.
const QUOTE_CHARS: usize = 60;

/// Parses the whole file; a UTF-8 byte order mark (some Windows tools write one) is skipped.
pub(crate) fn parse(bytes: &[u8]) -> Result<Value, ReadError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    serde_json::from_slice(bytes).map_err(|e| ReadError(format!("not JSON: {e}")))
}

/// The first of `keys` present in `v` with a value other than `null` (exports spell the same
/// property `rdfs:label` or `label`, and write `null` for "absent").
pub(crate) fn get<'a>(v: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    let map = v.as_object()?;
    keys.iter()
        .filter_map(|k| map.get(*k))
        .find(|v| !v.is_null())
}

/// The value itself, or the first element of a list, or the `@value` of a JSON-LD literal:
/// JSON-LD exports wrap single values in lists.
pub(crate) fn single(v: &Value) -> &Value {
    match v {
        Value::Array(items) => items.first().map_or(&Value::Null, single),
        Value::Object(map) => map.get("@value").map_or(v, single),
        other => other,
    }
}

/// A non-blank string (trimmed) or a number written as a string, after [`single`].
pub(crate) fn string(v: &Value) -> Option<String> {
    match single(v) {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// [`string`] of the first of `keys` present in `v`.
pub(crate) fn string_at(v: &Value, keys: &[&str]) -> Option<String> {
    get(v, keys).and_then(string)
}

/// Every non-blank string in a value: itself, the elements of a list, the `@value` of
/// literals, the values of a language map (keyword lists come in all of these shapes).
pub(crate) fn strings(v: &Value) -> Vec<&str> {
    let mut out = Vec::new();
    collect_strings(v, &mut out, 0);
    out
}

fn collect_strings<'a>(v: &'a Value, out: &mut Vec<&'a str>, depth: usize) {
    // Language maps of lists of literals are three levels deep; deeper is not text.
    if depth > 3 {
        return;
    }
    match v {
        Value::String(s) if !s.trim().is_empty() => out.push(s.trim()),
        Value::Array(items) => items
            .iter()
            .for_each(|i| collect_strings(i, out, depth + 1)),
        Value::Object(map) => match map.get("@value") {
            Some(value) => collect_strings(value, out, depth + 1),
            None => map
                .iter()
                .filter(|(k, _)| lang(k).is_some())
                .for_each(|(_, i)| collect_strings(i, out, depth + 1)),
        },
        _ => {}
    }
}

/// The language a key or tag names: `fr`, `FR`, `@fr` (DATAtourisme API), `fr-FR` and `fr_BE`
/// all give `fr`; anything that is not two letters first (`ar-x`, `fre`, `123`) gives `None`.
pub(crate) fn lang(key: &str) -> Option<Lang> {
    // `@id` is JSON-LD's identifier, not Indonesian.
    if key == "@id" {
        return None;
    }
    let key = key.strip_prefix('@').unwrap_or(key);
    let primary = key.split(['-', '_']).next().unwrap_or_default();
    if primary.len() == 2 && primary.bytes().all(|b| b.is_ascii_alphabetic()) {
        primary.to_ascii_lowercase().parse().ok()
    } else {
        None
    }
}

/// A text per language from the shapes sources use: a language map (`{"fr": "…"}`, values
/// possibly lists), a JSON-LD literal or list of literals, or a plain string, which is taken
/// as French (monolingual exports of French sources). Values are trimmed; blank ones and keys
/// that are not languages are left out; the first value of a language wins.
pub(crate) fn text(v: &Value) -> Text {
    let mut out = Text::default();
    add_text(v, &mut out, 0);
    out
}

fn add_text(v: &Value, out: &mut Text, depth: usize) {
    if depth > 3 {
        return;
    }
    match v {
        Value::String(s) => insert(out, Lang::fr(), s),
        Value::Array(items) => items.iter().for_each(|i| add_text(i, out, depth + 1)),
        Value::Object(map) => {
            if let Some(value) = map.get("@value") {
                let language = map
                    .get("@language")
                    .and_then(Value::as_str)
                    .map_or(Some(Lang::fr()), lang);
                if let (Some(language), Some(value)) = (language, string(value)) {
                    insert(out, language, &value);
                }
                return;
            }
            for (key, value) in map {
                if let (Some(language), Some(value)) = (lang(key), first_string(value)) {
                    insert(out, language, value);
                }
            }
        }
        _ => {}
    }
}

/// The first non-blank string of a language map's value (a string or a list of them).
fn first_string(v: &Value) -> Option<&str> {
    strings(v).into_iter().next()
}

fn insert(out: &mut Text, language: Lang, value: &str) {
    let value = value.trim();
    if !value.is_empty() {
        out.0.entry(language).or_insert_with(|| value.to_owned());
    }
}

/// `base` completed with the languages it lacks from `more` (a long description completed by
/// the short one in the languages it was not translated to).
pub(crate) fn merge(mut base: Text, more: Text) -> Text {
    for (language, value) in more.0 {
        base.0.entry(language).or_insert(value);
    }
    base
}

/// An absolute `http(s)` address, trimmed; `//host/…` (protocol-relative, written by old
/// exports) is taken as `https`. `None` for other schemes, relative paths, blanks inside.
pub(crate) fn http_url(s: &str) -> Option<String> {
    let s = s.trim();
    let s = match s.strip_prefix("//") {
        Some(rest) => format!("https://{rest}"),
        None => s.to_owned(),
    };
    let lower = s.get(..8).unwrap_or(&s).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &s[8..]
    } else if lower.starts_with("http://") {
        &s[7..]
    } else {
        return None;
    };
    let host_ok = rest
        .chars()
        .next()
        .is_some_and(|c| c.is_alphanumeric() || c == '[');
    let clean = !s.chars().any(|c| c.is_whitespace() || c.is_control());
    (host_ok && clean).then_some(s)
}

/// A value quoted for a problem message, as JSON (`"2025-13-01"`, `42`, `null`), shortened.
pub(crate) fn quote(v: &Value) -> String {
    let json = v.to_string();
    if json.chars().count() <= QUOTE_CHARS {
        json
    } else {
        let short: String = json.chars().take(QUOTE_CHARS).collect();
        format!("{short}…")
    }
}

/// `path.name`, or `name` alone for the top-level item (a file holding one bare record).
pub(crate) fn field(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

/// The occurrences sorted by start then end, exact duplicates removed (OpenAgenda's
/// `firstTiming` and `lastTiming` are the same slot for a one-slot event; DATAtourisme repeats
/// periods).
pub(crate) fn tidy(mut occurrences: Vec<Occurrence>) -> Vec<Occurrence> {
    let key = |o: &Occurrence| (o.start.timestamp(), o.end.timestamp());
    occurrences.sort_by_key(key);
    occurrences.dedup_by(|a, b| key(a) == key(b) && a.all_day == b.all_day);
    occurrences
}

/// A timed occurrence (not all-day, no status of its own).
pub(crate) fn timed(start: ZonedDateTime, end: ZonedDateTime) -> Occurrence {
    Occurrence {
        start,
        end,
        all_day: false,
        status: None,
    }
}

/// What a reader has read so far: the [`Read`] and the ids already taken.
#[derive(Debug, Default)]
pub(crate) struct Reader {
    read: Read,
    seen: HashSet<String>,
}

impl Reader {
    /// Records a problem with an item, naming it by its id and title when known.
    pub(crate) fn problem(&mut self, id: Option<&str>, title: &Text, message: String) {
        self.read.problems.push(ItemProblem {
            source_id: id.map(str::to_owned),
            title: title.get(&Lang::fr()).map(str::to_owned),
            message,
        });
    }

    /// Adds an event, unless its id was already read: the first one is kept, the later one
    /// is a problem (`id_field` names the id, e.g. `events[4].uid`).
    pub(crate) fn event(&mut self, event: SourceEvent, id_field: &str) {
        if self.seen.insert(event.source_id.clone()) {
            self.read.events.push(event);
        } else {
            let message = format!(
                "{id_field}: {} was already read earlier in the file; the first one is kept",
                quote(&Value::String(event.source_id.clone()))
            );
            self.problem(Some(&event.source_id), &event.title, message);
        }
    }

    /// The events and problems read.
    /// Marks what was read as one page of `total` items (when `total` is more than the
    /// `listed` items of the page).
    pub(crate) fn page_of(&mut self, listed: usize, total: Option<u64>) {
        if let Some(total) = total.filter(|t| *t > listed as u64) {
            self.read.partial = Some(format!(
                "the answer lists {listed} of {total} events (one page)"
            ));
        }
    }

    pub(crate) fn finish(self) -> Read {
        self.read
    }
}

/// JSON pointers to every value in `v`, the root included (for the mutation tests).
#[cfg(test)]
pub(crate) fn pointers(v: &Value) -> Vec<String> {
    fn walk(v: &Value, at: String, out: &mut Vec<String>) {
        let children: Vec<(String, &Value)> = match v {
            Value::Object(map) => map
                .iter()
                .map(|(k, c)| {
                    (
                        format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                        c,
                    )
                })
                .collect(),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, c)| (format!("{at}/{i}"), c))
                .collect(),
            _ => Vec::new(),
        };
        out.push(at);
        for (pointer, child) in children {
            walk(child, pointer, out);
        }
    }
    let mut out = Vec::new();
    walk(v, String::new(), &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn texts_come_from_every_shape_sources_use() {
        let map =
            text(&json!({"fr": "Marché", "EN": ["Market"], "nl": "  ", "xyz": "?", "ar-x": "سوق"}));
        assert_eq!(
            map,
            Text::fr("Marché")
                .with(Lang::en(), "Market")
                .with("ar".parse().unwrap(), "سوق")
        );
        let literals = text(&json!([{"@language": "en", "@value": "Fair"}, {"@value": "Foire"}]));
        assert_eq!(literals, Text::fr("Foire").with(Lang::en(), "Fair"));
        assert_eq!(text(&json!(" Fête ")), Text::fr("Fête"));
        assert_eq!(text(&json!({"@fr": "Bal"})), Text::fr("Bal"));
        assert!(text(&json!(42)).is_empty());
        assert!(text(&json!({"fre": "x", "12": "y"})).0.is_empty());
    }

    #[test]
    fn languages_are_two_letter_codes() {
        assert_eq!(lang("fr-FR"), Some(Lang::fr()));
        assert_eq!(lang("@NL"), Some(Lang::nl()));
        assert_eq!(lang("fre"), None);
        assert_eq!(lang("@id"), None);
        assert_eq!(lang(""), None);
        assert_eq!(lang("é1"), None);
    }

    #[test]
    fn only_absolute_web_addresses_are_links() {
        assert_eq!(
            http_url(" https://cdn.openagenda.com/main/a.jpg "),
            Some("https://cdn.openagenda.com/main/a.jpg".into())
        );
        assert_eq!(http_url("HTTP://x.fr"), Some("HTTP://x.fr".into()));
        assert_eq!(
            http_url("//cibul.s3.amazonaws.com/a.jpg"),
            Some("https://cibul.s3.amazonaws.com/a.jpg".into())
        );
        for bad in [
            "javascript:alert(1)",
            "/relative.jpg",
            "https://",
            "https:///x",
            "http://a b",
            "ftp://x.fr",
            "ht",
            "",
        ] {
            assert_eq!(http_url(bad), None, "{bad}");
        }
    }

    #[test]
    fn single_values_are_unwrapped_and_quotes_shortened() {
        assert_eq!(
            string(&json!([{"@value": " 49328 "}])),
            Some("49328".into())
        );
        assert_eq!(string(&json!(9906334)), Some("9906334".into()));
        assert_eq!(string(&json!([])), None);
        assert_eq!(
            strings(&json!({"fr": ["a", {"@value": "b"}], "x1": ["c"]})),
            ["a", "b"]
        );
        let long = quote(&json!("é".repeat(100)));
        assert_eq!(long.chars().count(), QUOTE_CHARS + 1);
        assert!(long.ends_with('…'));
    }

    #[test]
    fn not_json_is_a_read_error() {
        let err = parse(b"<html>").unwrap_err();
        assert_eq!(err.0, "not JSON: expected value at line 1 column 1");
        assert_eq!(parse(b"\xEF\xBB\xBF[]").unwrap(), json!([]));
    }
}
