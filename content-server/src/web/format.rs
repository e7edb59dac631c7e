//! French wording for the web page: instants and durations ("29 nov. 2026 à 14 h 05",
//! "dans 14 minutes", in the territory's time zone), communes and owners by name, counts,
//! and the languages texts are written in.

use beffroi_protocol::format::{format_time, month_name};
use beffroi_protocol::ids::Insee;
use beffroi_protocol::text::{Lang, Text};
use beffroi_protocol::time::Zone;
use jiff::Timestamp;

/// An instant as the officer reads it, in Europe/Paris: "29 nov. 2026 à 14 h 05",
/// "1er déc. 2026 à 9 h" (no-break spaces inside the time, as the screens write it).
pub(crate) fn instant(t: Timestamp) -> String {
    let local = t.to_zoned_datetime(Zone::paris().tz());
    let fr = Lang::fr();
    let day = match local.day() {
        1 => "1er".to_owned(),
        d => d.to_string(),
    };
    format!(
        "{day} {} {} à {}",
        month_name(local.month(), &fr, true),
        local.year(),
        format_time(local.time(), &fr)
    )
}

/// An instant, machine- and human-readable.
#[derive(Debug, Clone)]
pub(crate) struct When {
    /// RFC 3339, for `<time datetime>`.
    pub(crate) iso: String,
    /// "29 nov. 2026 à 14 h 05".
    pub(crate) text: String,
}

/// Instant `t` for a `<time>` element.
pub(crate) fn when(t: Timestamp) -> When {
    When {
        iso: t.to_string(),
        text: instant(t),
    }
}

/// A wait in seconds, rounded up to what a person needs: "30 secondes", "1 minute",
/// "14 minutes".
pub(crate) fn wait(seconds: u64) -> String {
    match seconds {
        0 | 1 => "1 seconde".to_owned(),
        s if s < 60 => format!("{s} secondes"),
        s => match s.div_ceil(60) {
            1 => "1 minute".to_owned(),
            m => format!("{m} minutes"),
        },
    }
}

/// A stored instant (`created_at`, `imported_at`…), when it reads as one.
pub(crate) fn stored_when(s: Option<&str>) -> Option<When> {
    s.and_then(|s| s.parse().ok()).map(when)
}

/// An instant as a `datetime-local` field holds it: Paris wall-clock time to the minute.
pub(crate) fn local_field(t: Timestamp) -> String {
    t.to_zoned_datetime(Zone::paris().tz())
        .strftime("%Y-%m-%dT%H:%M")
        .to_string()
}

/// The instant a `datetime-local` value means in Paris (the later one when the clocks go
/// back, the hour after a gap when they go forward); `None` when it is not such a value.
pub(crate) fn from_local_field(value: &str) -> Option<Timestamp> {
    let local: jiff::civil::DateTime = value.trim().parse().ok()?;
    local
        .to_zoned_datetime(Zone::paris().tz())
        .ok()
        .map(|z| z.timestamp())
}

/// The name of commune `code` (the code itself when it is not one of the territory).
pub(crate) fn commune_name(code: &str) -> String {
    code.parse::<Insee>()
        .ok()
        .and_then(|c| crate::communes::by_insee(&c))
        .map_or_else(|| code.to_owned(), |c| c.name.clone())
}

/// Who something belongs to, in words.
pub(crate) fn owner_words(owner: Option<&Insee>) -> String {
    match owner {
        None => "Communauté de communes".to_owned(),
        Some(c) => commune_name(c.as_str()),
    }
}

/// "0 ajoutée", "1 ajoutée", "2 ajoutées": French puts 0 and 1 in the singular.
pub(crate) fn count(n: u32, one: &str, many: &str) -> String {
    format!("{n} {}", if n <= 1 { one } else { many })
}

/// The languages officers write in: French (required), then English and Dutch.
pub(crate) const LANGUAGES: [(&str, &str); 3] =
    [("fr", "français"), ("en", "anglais"), ("nl", "néerlandais")];

/// The French name of one of the `LANGUAGES`.
pub(crate) fn language_name(code: &str) -> &'static str {
    LANGUAGES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("langue inconnue", |(_, name)| name)
}

/// The language of code `code` (French when it is not one).
pub(crate) fn lang(code: &str) -> Lang {
    code.parse().unwrap_or_else(|_| Lang::fr())
}

/// A per-language text in `lang` ("" when it has none in that language).
pub(crate) fn in_lang(t: &Text, lang: &Lang) -> String {
    t.0.get(lang).cloned().unwrap_or_default()
}

/// The headline the officer reads: French, else the first language.
pub(crate) fn headline(t: &Text) -> String {
    t.get(&Lang::fr()).unwrap_or("(sans titre)").to_owned()
}

/// The text typed in the three `LANGUAGES` fields `values` (French first), blanks left out
/// except French when `french_always` (so that the shared rules refuse a blank one).
pub(crate) fn typed_text(values: [&String; 3], french_always: bool) -> Text {
    let mut t = Text::default();
    for ((code, _), value) in LANGUAGES.iter().zip(values) {
        let value = value.trim();
        if (*code == "fr" && french_always) || !value.is_empty() {
            t = t.with(lang(code), value);
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_are_written_in_paris_time_the_french_way() {
        let nbsp = '\u{a0}';
        // 13:05 UTC is 14:05 in Paris in winter.
        let t: Timestamp = "2026-11-29T13:05:00Z".parse().unwrap();
        assert_eq!(instant(t), format!("29 nov. 2026 à 14{nbsp}h{nbsp}05"));
        // Summer time: UTC+2; the first of the month is "1er".
        let t: Timestamp = "2026-07-01T07:00:00Z".parse().unwrap();
        assert_eq!(instant(t), format!("1er juil. 2026 à 9{nbsp}h"));
    }

    #[test]
    fn waits_round_up_to_minutes() {
        assert_eq!(wait(1), "1 seconde");
        assert_eq!(wait(30), "30 secondes");
        assert_eq!(wait(60), "1 minute");
        assert_eq!(wait(61), "2 minutes");
        assert_eq!(wait(14 * 60 + 3), "15 minutes");
    }
}
