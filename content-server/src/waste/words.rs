//! Calendars in the officer's words (French): a rule as a sentence ("le jeudi des semaines
//! impaires, d'avril à novembre"), why a collection moved, what a notice means. The API
//! gives them beside the data, the page and the history show them.

use beffroi_protocol::data::waste::Stream;
use beffroi_protocol::format::{format_date, month_name, weekday_name};
use beffroi_protocol::text::Lang;
use beffroi_protocol::time::Weekday;
use beffroi_waste::{MonthDay, Notice, Planned, Rhythm, Rule, Shift, WeekParity, Why};
use jiff::civil::Date;

/// "Emballages et papiers".
pub fn stream(s: Stream) -> &'static str {
    s.label(&Lang::fr())
}

/// "mardi 1er déc. 2026".
pub fn date(d: Date) -> String {
    format!("{} {}", format_date(d, &Lang::fr(), false, true), d.year())
}

/// "le mardi", "le mardi et le vendredi".
fn days(list: &[Weekday]) -> String {
    let names: Vec<String> = list
        .iter()
        .map(|d| format!("le {}", weekday_name(*d, &Lang::fr(), false)))
        .collect();
    and_list(&names)
}

/// "a", "a et b", "a, b et c".
fn and_list(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} et {last}", init.join(", ")),
    }
}

/// "1er avril", "30 novembre".
fn month_day(md: MonthDay) -> String {
    let day = if md.day == 1 {
        "1er".to_owned()
    } else {
        md.day.to_string()
    };
    format!("{day} {}", month_name(md.month, &Lang::fr(), false))
}

/// When the rhythm collects: "le mardi de chaque semaine", "le 2e mercredi du mois".
pub fn rhythm(r: &Rhythm) -> String {
    match r {
        Rhythm::Weekly { days: d } => format!("chaque semaine, {}", days(d)),
        Rhythm::EveryOtherWeek { days: d, parity } => format!(
            "{} des semaines {}",
            days(d),
            match parity {
                WeekParity::Odd => "impaires",
                WeekParity::Even => "paires",
            }
        ),
        Rhythm::Fortnightly { days: d, first } => {
            format!(
                "une semaine sur deux, {}, depuis la semaine du {}",
                days(d),
                date(*first)
            )
        }
        Rhythm::Monthly { nth, day } => {
            let which: Vec<String> = nth
                .iter()
                .map(|n| match n {
                    -1 => "le dernier".to_owned(),
                    1 => "le 1er".to_owned(),
                    n => format!("le {n}e"),
                })
                .collect();
            format!(
                "{} {} du mois",
                and_list(&which),
                weekday_name(*day, &Lang::fr(), false)
            )
        }
        Rhythm::Dates { dates } => {
            let list: Vec<String> = dates.iter().map(|d| date(*d)).collect();
            if list.len() > 6 {
                format!(
                    "{} dates, du {} au {}",
                    list.len(),
                    list[0],
                    list[list.len() - 1]
                )
            } else {
                format!("le {}", and_list(&list))
            }
        }
    }
}

/// What a holiday does to the rule: "reportée au lendemain d'un jour férié".
pub fn shift(s: Shift) -> &'static str {
    match s {
        Shift::NextDay => "un jour férié la reporte au jour ouvré suivant",
        Shift::PreviousDay => "un jour férié l'avance au jour ouvré précédent",
        Shift::RestOfWeek => "un jour férié décale d'un jour les collectes suivantes de la semaine",
        Shift::Cancel => "pas de collecte les jours fériés",
        Shift::Keep => "maintenue les jours fériés",
    }
}

/// The rule as one sentence: "Emballages et papiers : le jeudi des semaines impaires, du 1er
/// avril au 30 novembre ; un jour férié la reporte au jour ouvré suivant".
pub fn rule(r: &Rule) -> String {
    let mut out = format!("{} : {}", stream(r.stream), rhythm(&r.rhythm));
    if let Some(season) = r.season {
        out.push_str(&format!(
            ", du {} au {}",
            month_day(season.from),
            month_day(season.until)
        ));
    }
    match (r.valid_from, r.valid_until) {
        (Some(f), Some(u)) => out.push_str(&format!(", du {} au {}", date(f), date(u))),
        (Some(f), None) => out.push_str(&format!(", à partir du {}", date(f))),
        (None, Some(u)) => out.push_str(&format!(", jusqu'au {}", date(u))),
        (None, None) => {}
    }
    if !matches!(r.rhythm, Rhythm::Dates { .. }) {
        out.push_str(" ; ");
        out.push_str(shift(r.holidays.shift));
        if !r.holidays.kept.is_empty() && r.holidays.shift != Shift::Keep {
            let kept: Vec<String> = r
                .holidays
                .kept
                .iter()
                .map(|h| h.label().to_owned())
                .collect();
            out.push_str(&format!(" (sauf {} : collecte maintenue)", and_list(&kept)));
        }
    }
    if !r.added.is_empty() {
        out.push_str(&format!(" ; {} date(s) ajoutée(s)", r.added.len()));
    }
    if !r.cancelled.is_empty() {
        out.push_str(&format!(" ; {} date(s) annulée(s)", r.cancelled.len()));
    }
    out
}

/// What happened to a planned collection, when it differs from its rhythm: "Lundi de
/// Pâques : collecte déplacée, prévue le lundi 5 avr. 2027", "Noël : pas de collecte".
pub fn change(p: &Planned) -> Option<String> {
    let moved = p.date.is_some_and(|d| d != p.planned);
    let words = match (p.why?, p.date) {
        (Why::Holiday { holiday }, None) => format!("{} : pas de collecte", holiday.label()),
        (Why::Holiday { holiday }, Some(_)) if moved => {
            format!("{} : collecte déplacée", holiday.label())
        }
        (Why::Holiday { holiday }, Some(_)) => {
            format!("{} : collecte maintenue", holiday.label())
        }
        (Why::AfterHoliday { holiday }, _) => {
            format!("décalée avec la semaine (jour férié : {})", holiday.label())
        }
        (Why::Cancelled, _) => "annulée".to_owned(),
        (Why::Added, _) => "date ajoutée".to_owned(),
    };
    Some(if moved {
        format!("{words}, prévue le {}", date(p.planned))
    } else {
        words
    })
}

/// A notice, for the officer.
pub fn notice(n: &Notice) -> String {
    match n {
        Notice::Week53 {
            stream: s,
            year,
            parity,
            ..
        } => match parity {
            WeekParity::Odd => format!(
                "{} : l'année {year} compte 53 semaines ; les semaines 53 et 1 sont toutes deux \
                 impaires, la collecte a lieu deux semaines de suite. Pour une alternance \
                 stricte, choisissez « une semaine sur deux à partir d'une date ».",
                stream(*s)
            ),
            WeekParity::Even => format!(
                "{} : l'année {year} compte 53 semaines ; les semaines 52 et 2 sont paires, \
                 trois semaines passent sans collecte. Pour une alternance stricte, \
                 choisissez « une semaine sur deux à partir d'une date ».",
                stream(*s)
            ),
        },
        Notice::Merged { stream: s, date: d } => format!(
            "{} : deux collectes tombent le {} après décalage ; une seule a lieu.",
            stream(*s),
            date(*d)
        ),
    }
}
