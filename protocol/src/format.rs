//! Language-aware formatting of what screens print: French typography, dates and times.
//!
//! French, English and Dutch are written out; any other language gets the French forms, as
//! for every other label of this crate. Everything here is a pure function of its arguments:
//! callers pass the local date or time already converted to the screen's time zone.

use jiff::ZonedDateTime;
use jiff::civil::{Date, Time};

use crate::text::Lang;
use crate::time::{Weekday, next_day, prev_day};

/// U+202F NARROW NO-BREAK SPACE: the French space before `; : ! ?` and inside guillemets.
pub const NARROW_NBSP: char = '\u{202f}';

/// The supported date languages; anything else is written in French.
#[derive(Clone, Copy, PartialEq, Eq)]
enum L {
    Fr,
    En,
    Nl,
}

fn lang_of(lang: &Lang) -> L {
    match lang.as_str() {
        "en" => L::En,
        "nl" => L::Nl,
        _ => L::Fr,
    }
}

/// Applies the typography of `lang` to a text typed by a person.
///
/// For French, a plain space (or none) before `; : ! ? »` and after `«` becomes a narrow
/// no-break space, so that the mark never starts a line. Web addresses (words containing
/// `://` or starting with `www.`), e-mail addresses and times such as `14:05` are left alone,
/// as are runs of marks (`?!`) and marks at the start of a line. Other languages are returned
/// unchanged.
pub fn typography(text: &str, lang: &Lang) -> String {
    if lang_of(lang) != L::Fr {
        return text.to_owned();
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        // At the start of a word, copy addresses verbatim: their `:` and `?` are syntax.
        if !c.is_whitespace() && (i == 0 || chars[i - 1].is_whitespace()) {
            let end = chars[i..]
                .iter()
                .position(|c| c.is_whitespace())
                .map_or(chars.len(), |n| i + n);
            let word: String = chars[i..end].iter().collect();
            if is_address(&word) {
                out.push_str(&word);
                i = end;
                continue;
            }
        }
        match c {
            ';' | ':' | '!' | '?' | '»' => {
                let time_colon = c == ':'
                    && i > 0
                    && chars[i - 1].is_ascii_digit()
                    && chars.get(i + 1).is_some_and(char::is_ascii_digit);
                if !time_colon {
                    space_before(&mut out);
                }
                out.push(c);
            }
            '«' => {
                out.push(c);
                // Swallow the plain spaces that follow and put one narrow space instead.
                let mut j = i + 1;
                while chars.get(j) == Some(&' ') {
                    j += 1;
                }
                if chars.get(j).is_some_and(|n| !n.is_whitespace()) {
                    out.push(NARROW_NBSP);
                    i = j;
                    continue;
                }
            }
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

/// Puts a narrow no-break space at the end of `out` before a high punctuation mark: replaces
/// the plain spaces there, or adds one after a word. Nothing at the start of a line, after
/// another mark of the same family, or after a no-break space already typed.
fn space_before(out: &mut String) {
    let trimmed = out.trim_end_matches(' ').len();
    let before = out[..trimmed].chars().next_back();
    match before {
        None | Some('\n' | '\r' | '\t') => {}
        Some(';' | ':' | '!' | '?' | '\u{a0}' | NARROW_NBSP | '(' | '[') => {
            if trimmed == out.len() {
                return;
            }
            out.truncate(trimmed);
            out.push(NARROW_NBSP);
        }
        Some(_) => {
            out.truncate(trimmed);
            out.push(NARROW_NBSP);
        }
    }
}

/// True for a word that is a web or e-mail address.
fn is_address(word: &str) -> bool {
    let w = word.trim_start_matches(['(', '[', '«', '"', '\'']);
    w.contains("://")
        || w.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("www."))
        || w.get(..7)
            .is_some_and(|p| p.eq_ignore_ascii_case("mailto:"))
        || (w.contains('@') && w.contains('.'))
}

/// The name of a day of the week, lower case in French and Dutch ("dimanche", "dim.").
pub fn weekday_name(day: Weekday, lang: &Lang, short: bool) -> &'static str {
    let i = day as usize;
    match (lang_of(lang), short) {
        (L::Fr, false) => [
            "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
        ][i],
        (L::Fr, true) => ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."][i],
        (L::En, false) => [
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
            "Saturday",
            "Sunday",
        ][i],
        (L::En, true) => ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][i],
        (L::Nl, false) => [
            "maandag",
            "dinsdag",
            "woensdag",
            "donderdag",
            "vrijdag",
            "zaterdag",
            "zondag",
        ][i],
        (L::Nl, true) => ["ma", "di", "wo", "do", "vr", "za", "zo"][i],
    }
}

/// The name of a month (1–12; out-of-range values are clamped), lower case in French and
/// Dutch ("décembre", "déc.").
pub fn month_name(month: i8, lang: &Lang, short: bool) -> &'static str {
    let i = (month.clamp(1, 12) - 1) as usize;
    match (lang_of(lang), short) {
        (L::Fr, false) => [
            "janvier",
            "février",
            "mars",
            "avril",
            "mai",
            "juin",
            "juillet",
            "août",
            "septembre",
            "octobre",
            "novembre",
            "décembre",
        ][i],
        (L::Fr, true) => [
            "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
            "nov.", "déc.",
        ][i],
        (L::En, false) => [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ][i],
        (L::En, true) => [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ][i],
        (L::Nl, false) => [
            "januari",
            "februari",
            "maart",
            "april",
            "mei",
            "juni",
            "juli",
            "augustus",
            "september",
            "oktober",
            "november",
            "december",
        ][i],
        (L::Nl, true) => [
            "jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec",
        ][i],
    }
}

/// U+00A0 NO-BREAK SPACE: keeps "14 h 30" and "8 pm" on one line.
pub const NBSP: char = '\u{a0}';

/// A time of day as people read it: "14 h 30", "14 h" (French), "2:30 pm", "8 pm"
/// (English), "14.30" (Dutch). The spaces are no-break spaces (U+00A0), as French
/// typography requires inside a time: a narrow box must never leave "h 30" alone on a line.
pub fn format_time(time: Time, lang: &Lang) -> String {
    let (h, m) = (time.hour(), time.minute());
    match lang_of(lang) {
        L::Fr if m == 0 => format!("{h}{NBSP}h"),
        L::Fr => format!("{h}{NBSP}h{NBSP}{m:02}"),
        L::En => {
            let suffix = if h < 12 { "am" } else { "pm" };
            let h12 = match h % 12 {
                0 => 12,
                h => h,
            };
            if m == 0 {
                format!("{h12}{NBSP}{suffix}")
            } else {
                format!("{h12}:{m:02}{NBSP}{suffix}")
            }
        }
        L::Nl => format!("{h}.{m:02}"),
    }
}

/// A 24-hour digital clock reading, "14:05", the same in every language.
pub fn format_clock(time: Time) -> String {
    format!("{:02}:{:02}", time.hour(), time.minute())
}

/// The day of the month: French writes the first "1er".
fn day_number(date: Date, l: L) -> String {
    if l == L::Fr && date.day() == 1 {
        "1er".to_owned()
    } else {
        date.day().to_string()
    }
}

/// A date with its weekday, each part long or short: "mardi 1er déc.", "Tue 1 December".
pub fn format_date(date: Date, lang: &Lang, short_weekday: bool, short_month: bool) -> String {
    format!(
        "{} {} {}",
        weekday_name(Weekday::of(date), lang, short_weekday),
        day_number(date, lang_of(lang)),
        month_name(date.month(), lang, short_month)
    )
}

/// "dimanche 29 novembre", "mardi 1er décembre", "Sunday 29 November", "zondag 29 november".
pub fn format_date_long(date: Date, lang: &Lang) -> String {
    format_date(date, lang, false, false)
}

/// "sam. 5 déc.", "Sat 5 Dec", "za 5 dec".
pub fn format_date_short(date: Date, lang: &Lang) -> String {
    format_date(date, lang, true, true)
}

/// "aujourd'hui", "today", "vandaag".
pub fn today_word(lang: &Lang) -> &'static str {
    match lang_of(lang) {
        L::Fr => "aujourd'hui",
        L::En => "today",
        L::Nl => "vandaag",
    }
}

/// "demain", "tomorrow", "morgen".
pub fn tomorrow_word(lang: &Lang) -> &'static str {
    match lang_of(lang) {
        L::Fr => "demain",
        L::En => "tomorrow",
        L::Nl => "morgen",
    }
}

/// A day relative to `today` when it is today or tomorrow, else its short date.
fn relative_day(date: Date, today: Date, lang: &Lang) -> String {
    if date == today {
        today_word(lang).to_owned()
    } else if date == next_day(today) {
        tomorrow_word(lang).to_owned()
    } else {
        format_date_short(date, lang)
    }
}

/// When an event takes place, for an agenda row, seen on local date `today`:
///
/// - timed, on one day: "sam. 5 déc. · 14 h 30", "aujourd'hui · 20 h", "demain · 9 h",
///   "today · 8 pm";
/// - all-day, one day: "sam. 5 déc." (or "aujourd'hui", "demain");
/// - several days covering the coming Saturday and Sunday, and no other day than Friday:
///   "tout le week-end", "all weekend";
/// - other spans: "du 5 au 7 déc.", "du 30 nov. au 2 déc." ("5–7 Dec"), or "jusqu'au 7 déc."
///   ("until 7 Dec") when the event began before `today`.
///
/// Dates and times are read in the event's own time zone. For an all-day event `end` is the
/// midnight after the last day, as the events data set defines it.
pub fn format_event_when(
    start: &ZonedDateTime,
    end: &ZonedDateTime,
    all_day: bool,
    today: Date,
    lang: &Lang,
) -> String {
    let l = lang_of(lang);
    let first = start.date();
    // The last day touched: the end is exclusive, so an end at midnight belongs to the day before.
    let last = if end.time() == Time::midnight() && end.date() > first {
        prev_day(end.date())
    } else {
        end.date().max(first)
    };
    if first == last {
        let day = relative_day(first, today, lang);
        return if all_day {
            day
        } else {
            format!("{day} · {}", format_time(start.time(), lang))
        };
    }
    if is_coming_weekend(first, last, today) {
        return match l {
            L::Fr => "tout le week-end",
            L::En => "all weekend",
            L::Nl => "het hele weekend",
        }
        .to_owned();
    }
    let day_month = |d: Date| format!("{} {}", day_number(d, l), month_name(d.month(), lang, true));
    if first < today {
        return match l {
            L::Fr => format!("jusqu'au {}", day_month(last)),
            L::En => format!("until {}", day_month(last)),
            L::Nl => format!("t/m {}", day_month(last)),
        };
    }
    let same_month = first.year() == last.year() && first.month() == last.month();
    let from = if same_month {
        day_number(first, l)
    } else {
        day_month(first)
    };
    match l {
        L::Fr => format!("du {from} au {}", day_month(last)),
        L::En | L::Nl if same_month => format!("{from}–{}", day_month(last)),
        L::En | L::Nl => format!("{from} – {}", day_month(last)),
    }
}

/// True when the days `first..=last` are the Saturday and Sunday of the coming weekend,
/// possibly from the Friday, seen on `today` (during the weekend itself too).
fn is_coming_weekend(first: Date, last: Date, today: Date) -> bool {
    let (a, b) = (Weekday::of(first), Weekday::of(last));
    let days = first.until(last).map_or(i32::MAX, |s| s.get_days());
    let shape =
        b == Weekday::Sun && ((a == Weekday::Sat && days == 1) || (a == Weekday::Fri && days == 2));
    // Only for the weekend in view: later ones need their date.
    let soon = last >= today && first.until(today).is_ok_and(|s| s.get_days() >= -6);
    shape && soon
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fr() -> Lang {
        Lang::fr()
    }

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    fn t(s: &str) -> Time {
        s.parse().unwrap()
    }

    fn z(s: &str) -> ZonedDateTime {
        s.parse().unwrap()
    }

    #[test]
    fn french_typography_uses_narrow_spaces_before_high_marks() {
        assert_eq!(typography("Bienvenue !", &fr()), "Bienvenue\u{202f}!");
        assert_eq!(typography("Bienvenue!", &fr()), "Bienvenue\u{202f}!");
        assert_eq!(
            typography("Le saviez-vous ? Oui ; vraiment : « Noël »", &fr()),
            "Le saviez-vous\u{202f}? Oui\u{202f}; vraiment\u{202f}: «\u{202f}Noël\u{202f}»"
        );
        assert_eq!(typography("«Noël»", &fr()), "«\u{202f}Noël\u{202f}»");
        assert_eq!(typography("Quoi ?!", &fr()), "Quoi\u{202f}?!");
        assert_eq!(typography("Quoi  ?", &fr()), "Quoi\u{202f}?");
        // Already typeset text is left as it is.
        assert_eq!(
            typography("Demain\u{202f}: marché", &fr()),
            "Demain\u{202f}: marché"
        );
        assert_eq!(typography("Oui\u{a0}!", &fr()), "Oui\u{a0}!");
    }

    #[test]
    fn french_typography_leaves_addresses_times_and_line_starts_alone() {
        assert_eq!(
            typography(
                "Réunion à 14:05 : voir https://www.fruges.fr/agenda?id=3 !",
                &fr()
            ),
            "Réunion à 14:05\u{202f}: voir https://www.fruges.fr/agenda?id=3\u{202f}!"
        );
        assert_eq!(
            typography("Écrivez à mairie@fruges.fr ou www.cchpm.fr?x=1", &fr()),
            "Écrivez à mairie@fruges.fr ou www.cchpm.fr?x=1"
        );
        assert_eq!(typography("Oui\n!", &fr()), "Oui\n!");
        assert_eq!(typography("? au début", &fr()), "? au début");
    }

    #[test]
    fn other_languages_keep_their_typography() {
        assert_eq!(typography("Welcome !", &Lang::en()), "Welcome !");
        assert_eq!(typography("Welkom!", &Lang::nl()), "Welkom!");
    }

    #[test]
    fn names_of_days_and_months() {
        assert_eq!(weekday_name(Weekday::Sun, &fr(), false), "dimanche");
        assert_eq!(weekday_name(Weekday::Sat, &fr(), true), "sam.");
        assert_eq!(weekday_name(Weekday::Tue, &Lang::en(), false), "Tuesday");
        assert_eq!(weekday_name(Weekday::Thu, &Lang::nl(), true), "do");
        assert_eq!(month_name(12, &fr(), true), "déc.");
        assert_eq!(month_name(8, &fr(), false), "août");
        assert_eq!(month_name(3, &Lang::nl(), true), "mrt");
        assert_eq!(month_name(11, &Lang::en(), false), "November");
        // German and other languages read French.
        let de: Lang = "de".parse().unwrap();
        assert_eq!(weekday_name(Weekday::Mon, &de, false), "lundi");
    }

    #[test]
    fn times_in_each_language() {
        assert_eq!(format_time(t("14:30"), &fr()), "14\u{a0}h\u{a0}30");
        assert_eq!(format_time(t("14:00"), &fr()), "14\u{a0}h");
        assert_eq!(format_time(t("09:05"), &fr()), "9\u{a0}h\u{a0}05");
        assert_eq!(format_time(t("14:30"), &Lang::en()), "2:30\u{a0}pm");
        assert_eq!(format_time(t("20:00"), &Lang::en()), "8\u{a0}pm");
        assert_eq!(format_time(t("00:15"), &Lang::en()), "12:15\u{a0}am");
        assert_eq!(format_time(t("12:00"), &Lang::en()), "12\u{a0}pm");
        assert_eq!(format_time(t("14:30"), &Lang::nl()), "14.30");
        assert_eq!(format_time(t("09:00"), &Lang::nl()), "9.00");
        assert_eq!(format_clock(t("14:05")), "14:05");
        assert_eq!(format_clock(t("07:00")), "07:00");
    }

    #[test]
    fn dates_in_each_language() {
        assert_eq!(
            format_date_long(d("2026-11-29"), &fr()),
            "dimanche 29 novembre"
        );
        assert_eq!(
            format_date_long(d("2026-12-01"), &fr()),
            "mardi 1er décembre"
        );
        assert_eq!(
            format_date_long(d("2026-11-29"), &Lang::en()),
            "Sunday 29 November"
        );
        assert_eq!(
            format_date_long(d("2026-11-29"), &Lang::nl()),
            "zondag 29 november"
        );
        assert_eq!(format_date_short(d("2026-12-05"), &fr()), "sam. 5 déc.");
        assert_eq!(format_date_short(d("2026-12-01"), &fr()), "mar. 1er déc.");
        assert_eq!(format_date_short(d("2026-12-05"), &Lang::en()), "Sat 5 Dec");
        assert_eq!(format_date_short(d("2026-12-05"), &Lang::nl()), "za 5 dec");
        assert_eq!(
            format_date(d("2026-12-01"), &fr(), false, true),
            "mardi 1er déc."
        );
        assert_eq!(
            format_date(d("2026-12-01"), &Lang::en(), false, true),
            "Tuesday 1 Dec"
        );
    }

    #[test]
    fn event_times_relative_to_today() {
        let today = d("2026-12-03"); // a Thursday
        let when = |s: &str, e: &str, all_day: bool, lang: &Lang| {
            format_event_when(&z(s), &z(e), all_day, today, lang)
        };
        assert_eq!(
            when(
                "2026-12-05T14:30:00+01:00[Europe/Paris]",
                "2026-12-05T18:00:00+01:00[Europe/Paris]",
                false,
                &fr()
            ),
            "sam. 5 déc. · 14\u{a0}h\u{a0}30"
        );
        assert_eq!(
            when(
                "2026-12-03T20:00:00+01:00[Europe/Paris]",
                "2026-12-03T23:00:00+01:00[Europe/Paris]",
                false,
                &fr()
            ),
            "aujourd'hui · 20\u{a0}h"
        );
        assert_eq!(
            when(
                "2026-12-03T20:00:00+01:00[Europe/Paris]",
                "2026-12-03T23:00:00+01:00[Europe/Paris]",
                false,
                &Lang::en()
            ),
            "today · 8\u{a0}pm"
        );
        assert_eq!(
            when(
                "2026-12-04T09:00:00+01:00[Europe/Paris]",
                "2026-12-04T12:00:00+01:00[Europe/Paris]",
                false,
                &fr()
            ),
            "demain · 9\u{a0}h"
        );
        // A concert ending at midnight is still a one-day event.
        assert_eq!(
            when(
                "2026-12-05T21:00:00+01:00[Europe/Paris]",
                "2026-12-06T00:00:00+01:00[Europe/Paris]",
                false,
                &Lang::nl()
            ),
            "za 5 dec · 21.00"
        );
    }

    #[test]
    fn all_day_and_multi_day_events() {
        let today = d("2026-12-03"); // a Thursday
        let when = |s: &str, e: &str, lang: &Lang| {
            format_event_when(
                &z(&format!("{s}T00:00:00+01:00[Europe/Paris]")),
                &z(&format!("{e}T00:00:00+01:00[Europe/Paris]")),
                true,
                today,
                lang,
            )
        };
        assert_eq!(when("2026-12-05", "2026-12-06", &fr()), "sam. 5 déc.");
        assert_eq!(when("2026-12-04", "2026-12-05", &fr()), "demain");
        assert_eq!(when("2026-12-05", "2026-12-07", &fr()), "tout le week-end");
        assert_eq!(when("2026-12-04", "2026-12-07", &Lang::en()), "all weekend");
        // The weekend after next needs its dates.
        assert_eq!(when("2026-12-12", "2026-12-14", &fr()), "du 12 au 13 déc.");
        assert_eq!(when("2026-12-05", "2026-12-08", &fr()), "du 5 au 7 déc.");
        assert_eq!(when("2026-12-01", "2026-12-04", &fr()), "jusqu'au 3 déc.");
        assert_eq!(
            when("2026-12-31", "2027-01-03", &fr()),
            "du 31 déc. au 2 janv."
        );
        assert_eq!(when("2026-12-05", "2026-12-08", &Lang::en()), "5–7 Dec");
        assert_eq!(
            when("2026-12-30", "2027-01-03", &Lang::en()),
            "30 Dec – 2 Jan"
        );
        assert_eq!(when("2026-12-08", "2026-12-11", &fr()), "du 8 au 10 déc.");
        assert_eq!(when("2026-12-01", "2026-12-05", &Lang::nl()), "t/m 4 dec");
        assert_eq!(
            format_event_when(
                &z("2026-12-07T00:00:00+01:00[Europe/Paris]"),
                &z("2026-12-09T00:00:00+01:00[Europe/Paris]"),
                true,
                d("2026-12-06"),
                &fr()
            ),
            "du 7 au 8 déc."
        );
    }
}
