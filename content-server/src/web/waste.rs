//! The waste pages, `/dechets`: each commune's collection calendar (its rules in words, the
//! next collections, the coming weeks with what public holidays move, the evening reminder,
//! the address residents subscribe to, the history), the rule form with its preview, and
//! the sorting guide (search, featured and hidden entries, the officer's own tips, imports
//! of ADEME's guide with their reports).
//!
//! Every check and every write goes through `crate::waste::edit`, the functions the JSON API
//! calls, so that the page and the API follow one set of rules; this module only turns forms
//! into rules and entries, and refusals into French next to the field at fault. Calendars
//! and the guide bypass drafts: only those who publish for a commune change its calendar,
//! and only those who publish for the intercommunality change the guide.
//!
//! No JavaScript is needed: every action is a form, and a change done answers 303 to the
//! page that tells what happened from `?fait=…`.

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use beffroi_protocol::data::waste::{Destination, Reminder, SortingAdvice, Stream};
use beffroi_protocol::format::{month_name, weekday_name};
use beffroi_protocol::ids::Insee;
use beffroi_protocol::text::{Lang, fold};
use beffroi_protocol::time::{TimeOfDay, Weekday};
use beffroi_waste::{
    Calendar, Holiday, HolidayRule, MonthDay, Rhythm, Rule, Season, Shift, WeekParity,
};
use jiff::civil::Date;
use serde::Deserialize;

use super::format::{When, count, headline, in_lang, stored_when, typed_text};
use super::forms::{
    self, Choice, CsrfField, Deletion, EditForm, Editing, Errors, Fields, Intent, Posted, Problem,
    Rights, boxes, delete_form, delete_post, edit_form, edit_post, lines, new_form, new_post,
};
use super::{Notice, Officer, SessionView, action_refused, error_page, render};
use crate::api::error::ApiError;
use crate::server::AppState;
use crate::users::{Role, User};
use crate::waste::edit::{self, MAX_GUIDE_BYTES, PlannedLine};
use crate::waste::store::{self, GuideReport, Origin, StoredAdvice, StoredCalendar};
use crate::waste::words;

/// Weeks a calendar's page previews unless asked for more (`?semaines=`), and the rule
/// form's preview.
const PREVIEW_WEEKS: u32 = 8;

/// Most weeks a calendar's page previews (as the API).
const MAX_PREVIEW_WEEKS: u32 = 106;

/// How far ahead the list looks for each stream's next collection: a year, so that a
/// stream collected a few times a year (bulky waste) still shows its next date.
const NEXT_WITHIN_DAYS: i64 = 7 * 53;

/// Lines of a calendar's history its page shows.
const HISTORY_SHOWN: u32 = 20;

/// Imports of the guide its page shows.
const IMPORTS_SHOWN: u32 = 5;

/// Entries of the guide per page.
const PER_PAGE: usize = 50;

/// The page's routes. `/dechets/conseils…` is matched before `/dechets/{commune}…`: a static
/// segment wins over a parameter.
pub(super) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/dechets", get(list_page))
        .route("/dechets/conseils", get(guide_page))
        .route(
            "/dechets/conseils/nouveau",
            get(new_form::<AdviceValues>).post(new_post::<AdviceValues>),
        )
        .route(
            "/dechets/conseils/importer",
            // The form's other fields and the multipart framing fit in the margin.
            post(import_post).layer(DefaultBodyLimit::max(MAX_GUIDE_BYTES + (64 << 10))),
        )
        .route(
            "/dechets/conseils/{id}",
            get(edit_form::<AdviceValues>).post(edit_post::<AdviceValues>),
        )
        .route(
            "/dechets/conseils/{id}/supprimer",
            get(delete_form::<AdviceValues>).post(delete_post::<AdviceValues>),
        )
        .route("/dechets/conseils/{id}/{action}", post(flags_post))
        .route("/dechets/{commune}", get(calendar_page))
        .route("/dechets/{commune}/rappel", post(reminder_post))
        .route("/dechets/{commune}/reprendre", post(copy_post))
        .route(
            "/dechets/{commune}/supprimer",
            get(delete_calendar_form).post(delete_calendar_post),
        )
        .route(
            "/dechets/{commune}/regles/nouvelle",
            get(new_rule_form).post(new_rule_post),
        )
        .route(
            "/dechets/{commune}/regles/{id}",
            get(edit_rule_form).post(edit_rule_post),
        )
        .route(
            "/dechets/{commune}/regles/{id}/supprimer",
            get(delete_rule_form).post(delete_rule_post),
        )
}

// ---------------------------------------------------------------------------------------
// Words
// ---------------------------------------------------------------------------------------

/// The weekdays, with their names in forms (those of the API).
const WEEKDAYS: [(Weekday, &str); 7] = [
    (Weekday::Mon, "mon"),
    (Weekday::Tue, "tue"),
    (Weekday::Wed, "wed"),
    (Weekday::Thu, "thu"),
    (Weekday::Fri, "fri"),
    (Weekday::Sat, "sat"),
    (Weekday::Sun, "sun"),
];

/// What a public holiday does, with the names in forms (those of the API).
const SHIFTS: [(Shift, &str); 5] = [
    (Shift::NextDay, "next_day"),
    (Shift::PreviousDay, "previous_day"),
    (Shift::RestOfWeek, "rest_of_week"),
    (Shift::Cancel, "cancel"),
    (Shift::Keep, "keep"),
];

/// Which weekdays of the month, in words (-1: the last).
const NTHS: [(i8, &str); 6] = [
    (1, "1er"),
    (2, "2e"),
    (3, "3e"),
    (4, "4e"),
    (5, "5e"),
    (-1, "dernier"),
];

/// The filters of the guide, with their names in links.
const FILTERS: [(&str, &str); 5] = [
    ("tous", "Tous"),
    ("vedette", "En vedette"),
    ("masques", "Masqués"),
    ("ademe", "Importés de l’ADEME"),
    ("communaute", "Écrits par la communauté de communes"),
];

fn weekday_value(d: Weekday) -> &'static str {
    WEEKDAYS
        .iter()
        .find(|(w, _)| *w == d)
        .map_or("mon", |(_, v)| v)
}

fn weekday_of(value: &str) -> Option<Weekday> {
    WEEKDAYS
        .iter()
        .find(|(_, v)| *v == value.trim())
        .map(|(d, _)| *d)
}

fn shift_value(s: Shift) -> &'static str {
    SHIFTS
        .iter()
        .find(|(k, _)| *k == s)
        .map_or("next_day", |(_, v)| v)
}

fn stream_of(value: &str) -> Option<Stream> {
    Stream::ALL.into_iter().find(|s| s.name() == value.trim())
}

fn rhythm_kind(r: &Rhythm) -> &'static str {
    match r {
        Rhythm::Weekly { .. } => "weekly",
        Rhythm::EveryOtherWeek { .. } => "every_other_week",
        Rhythm::Fortnightly { .. } => "fortnightly",
        Rhythm::Monthly { .. } => "monthly",
        Rhythm::Dates { .. } => "dates",
    }
}

/// `s` with its first letter capitalised (the rules' words are parts of a sentence).
fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// A time of day as the screens write it, with no-break spaces: "17 h", "17 h 30",
/// "minuit".
fn time_words(t: TimeOfDay) -> String {
    let (h, m) = (t.minutes() / 60, t.minutes() % 60);
    match (h, m) {
        (0 | 24, 0) => "minuit".to_owned(),
        (h, 0) => format!("{h}\u{a0}h"),
        (h, m) => format!("{h}\u{a0}h\u{a0}{m:02}"),
    }
}

/// A small square of the bin's colour, as an image the page's security policy allows
/// (`img-src data:`; inline styles are not).
fn swatch(s: Stream) -> String {
    let colour = s.bin_colour().trim_start_matches('#');
    format!(
        "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E\
         %3Crect x='.5' y='.5' width='15' height='15' rx='3' fill='%23{colour}' \
         stroke='%23000' stroke-opacity='.35'/%3E%3C/svg%3E"
    )
}

/// Where an object goes, in words.
fn destination_words(d: Destination) -> String {
    match d {
        Destination::Bin { stream } => format!("Bac « {} »", words::stream(stream)),
        Destination::RecyclingCentre => "Déchetterie".to_owned(),
        Destination::TakeBack => "Retour en magasin".to_owned(),
        Destination::Pharmacy => "Pharmacie".to_owned(),
        Destination::Compost => "Compost".to_owned(),
        Destination::Other => "Autre".to_owned(),
    }
}

/// A destination's name in forms: `bin:packaging`, `recycling_centre`…
fn destination_value(d: Destination) -> String {
    match d {
        Destination::Bin { stream } => format!("bin:{}", stream.name()),
        Destination::RecyclingCentre => "recycling_centre".to_owned(),
        Destination::TakeBack => "take_back".to_owned(),
        Destination::Pharmacy => "pharmacy".to_owned(),
        Destination::Compost => "compost".to_owned(),
        Destination::Other => "other".to_owned(),
    }
}

/// Every destination the form offers: a bin per stream, then the others.
fn destinations() -> Vec<Destination> {
    Stream::ALL
        .into_iter()
        .map(|stream| Destination::Bin { stream })
        .chain([
            Destination::RecyclingCentre,
            Destination::TakeBack,
            Destination::Pharmacy,
            Destination::Compost,
            Destination::Other,
        ])
        .collect()
}

/// The options of a select from (value, label) pairs, `chosen` selected.
fn options<V: AsRef<str>, L: Into<String>>(
    pairs: impl IntoIterator<Item = (V, L)>,
    chosen: &str,
) -> Vec<Choice> {
    pairs
        .into_iter()
        .map(|(value, label)| Choice {
            checked: value.as_ref() == chosen.trim(),
            value: value.as_ref().to_owned(),
            label: label.into(),
        })
        .collect()
}

/// A date typed as `2027-02-28` (what a date field sends) or `28/02/2027`.
fn typed_date(s: &str) -> Option<Date> {
    let s = s.trim();
    let (y, m, d) = match s.split('/').collect::<Vec<_>>()[..] {
        [d, m, y] => (y, m, d),
        _ => match s.split('-').collect::<Vec<_>>()[..] {
            [y, m, d] => (y, m, d),
            _ => return None,
        },
    };
    let digits = |t: &str, len: std::ops::RangeInclusive<usize>| {
        len.contains(&t.len()) && t.chars().all(|c| c.is_ascii_digit())
    };
    if !digits(y, 4..=4) || !digits(m, 1..=2) || !digits(d, 1..=2) {
        return None;
    }
    Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?).ok()
}

/// The dates of a text area, one per line (blank lines skipped); a line that is not a
/// date is a problem of `field` naming its line.
fn date_lines(text: &str, field: &'static str, errors: &mut Errors) -> Vec<Date> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        match typed_date(line) {
            Some(d) => out.push(d),
            None => errors.push(
                Some(field),
                format!(
                    "Ligne {} : « {line} » n’est pas une date (écrivez-la 2027-02-28 ou 28/02/2027).",
                    i + 1
                ),
            ),
        }
    }
    out
}

/// A date field that may be left blank.
fn optional_date(
    value: &str,
    field: &'static str,
    what: &str,
    errors: &mut Errors,
) -> Option<Date> {
    match value.trim() {
        "" => None,
        s => typed_date(s).or_else(|| {
            errors.push(
                Some(field),
                format!(
                    "{what} : « {s} » n’est pas une date (écrivez-la 2027-02-28 ou 28/02/2027)."
                ),
            );
            None
        }),
    }
}

// ---------------------------------------------------------------------------------------
// Refusals
// ---------------------------------------------------------------------------------------

/// What a refusal is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Subject {
    Calendar,
    Rule,
    Advice,
}

fn server_error(headers: &HeaderMap, e: &ApiError) -> Response {
    super::server_error(
        headers,
        "waste page",
        e,
        "Les calendriers de collecte ou le guide du tri n’ont pas pu être lus ou enregistrés.",
    )
}

/// The answer to someone who may only read calendars and the guide.
fn read_only(headers: &HeaderMap) -> Response {
    action_refused(
        headers,
        "Votre compte permet de consulter les calendriers de collecte et le guide du tri, pas de les modifier.",
    )
}

/// The answer to a refusal that no form can fix: something gone, or not the officer's.
fn refusal_page(headers: &HeaderMap, officer: &Officer, e: &ApiError, about: Subject) -> Response {
    match e.status {
        StatusCode::NOT_FOUND => error_page(
            headers,
            StatusCode::NOT_FOUND,
            "Introuvable",
            match about {
                Subject::Calendar => "Cette commune n’a pas de calendrier de collecte.",
                Subject::Rule => "Cette règle n’existe pas ou plus dans ce calendrier.",
                Subject::Advice => "Ce conseil n’existe pas ou plus dans le guide du tri.",
            },
        ),
        StatusCode::FORBIDDEN if officer.user.role == Role::Viewer => read_only(headers),
        StatusCode::FORBIDDEN => action_refused(
            headers,
            match about {
                Subject::Calendar | Subject::Rule => {
                    "Votre compte ne permet pas de modifier ce calendrier de collecte : seuls les valideurs et les administrateurs (et les agents d’une commune, quand ils publient eux-mêmes) changent le calendrier d’une commune de leur ressort."
                }
                Subject::Advice => {
                    "Votre compte ne permet pas de modifier le guide du tri : seuls les valideurs et les administrateurs changent le guide de la communauté de communes."
                }
            },
        ),
        StatusCode::CONFLICT => error_page(
            headers,
            StatusCode::CONFLICT,
            "Action impossible",
            "Ce conseil vient du guide de l’ADEME : le prochain import le ramènerait. Masquez-le plutôt.",
        ),
        _ => server_error(headers, e),
    }
}

/// The commune of a page's address, when it is one of the territory.
#[expect(clippy::result_large_err, reason = "the error is the page to answer")]
fn commune_of(headers: &HeaderMap, code: &str) -> Result<Insee, Response> {
    edit::territory_commune(code).map_err(|_| {
        error_page(
            headers,
            StatusCode::NOT_FOUND,
            "Introuvable",
            &format!("« {code} » n’est pas une commune de la communauté de communes."),
        )
    })
}

/// The name of a commune of the territory.
fn name_of(commune: &Insee) -> String {
    crate::communes::by_insee(commune).map_or_else(|| commune.to_string(), |c| c.name.clone())
}

/// A confirmation before deleting (the agenda's and the news' page).
#[derive(Template)]
#[template(path = "supprimer.html")]
struct ConfirmPage {
    title: &'static str,
    session: Option<SessionView>,
    csrf: String,
    question: String,
    consequence: String,
    action: String,
    back: String,
}

// ---------------------------------------------------------------------------------------
// The list of calendars
// ---------------------------------------------------------------------------------------

/// A stream's next collection.
#[derive(Debug)]
pub(crate) struct NextLine {
    pub(crate) stream: &'static str,
    pub(crate) swatch: String,
    /// "jeudi 3 déc. 2026".
    pub(crate) date: String,
    pub(crate) iso: String,
}

/// A commune's calendar in the list.
#[derive(Debug)]
pub(crate) struct CalendarLine {
    pub(crate) insee: String,
    pub(crate) name: String,
    pub(crate) rules: Vec<String>,
    pub(crate) next: Vec<NextLine>,
    pub(crate) updated: Option<When>,
    pub(crate) updated_by: Option<String>,
}

/// `/dechets`.
#[derive(Template)]
#[template(path = "dechets.html")]
struct ListPage {
    title: &'static str,
    session: Option<SessionView>,
    result: Option<Notice>,
    calendars: Vec<CalendarLine>,
    communes: Vec<Choice>,
    may_change: bool,
}

/// `?commune=…` (the commune to open), `?fait=…&id=…` (what the officer just did).
#[derive(Debug, Default, Deserialize)]
pub(super) struct ListQuery {
    #[serde(default)]
    commune: Option<String>,
    #[serde(default)]
    fait: Option<String>,
    #[serde(default)]
    id: Option<String>,
}

fn calendar_line(c: &StoredCalendar, today: Date) -> CalendarLine {
    let until = today
        .checked_add(jiff::Span::new().days(NEXT_WITHIN_DAYS))
        .unwrap_or(today);
    let mut next = c.calendar().to_data(today, until).next_collections(today);
    next.sort_by_key(|(stream, _)| *stream);
    CalendarLine {
        insee: c.commune.to_string(),
        name: c.name.clone(),
        rules: c.rules.iter().map(|r| words::rule(&r.rule)).collect(),
        next: next
            .into_iter()
            .map(|(s, d)| NextLine {
                stream: words::stream(s),
                swatch: swatch(s),
                date: words::date(d),
                iso: d.to_string(),
            })
            .collect(),
        updated: stored_when(Some(&c.updated_at)),
        updated_by: c.updated_by.clone(),
    }
}

/// `GET /dechets`: every commune's calendar, and a form to open any commune's.
async fn list_page(
    State(state): State<Arc<AppState>>,
    officer: Officer,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Response {
    let mut result = None;
    if let Some(code) = q
        .commune
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        match edit::territory_commune(code) {
            Ok(c) => return Redirect::to(&format!("/dechets/{c}")).into_response(),
            Err(_) => result = Some(Notice::error("Choisissez la commune dans la liste.")),
        }
    }
    let calendars = async {
        let mut conn = state.db.acquire().await?;
        Ok::<_, ApiError>(store::calendars(&mut conn).await?)
    }
    .await;
    let calendars = match calendars {
        Ok(c) => c,
        Err(e) => return server_error(&headers, &e),
    };
    if result.is_none() && q.fait.as_deref() == Some("supprime") {
        let name =
            q.id.as_deref()
                .and_then(|c| c.parse::<Insee>().ok())
                .map_or_else(|| "la commune".to_owned(), |c| name_of(&c));
        result = Some(Notice::success(format!(
            "Le calendrier de collecte de {name} est supprimé : ses écrans n’annoncent plus de collecte."
        )));
    }
    let today = edit::today();
    let user = &officer.user;
    let communes = crate::communes::territory()
        .iter()
        .filter(|c| user.sees(Some(&c.insee)))
        .map(|c| {
            let has = calendars.iter().any(|k| k.commune == c.insee);
            let label = if has {
                format!("{} (calendrier en place)", c.name)
            } else {
                c.name.clone()
            };
            (c.insee.to_string(), label)
        });
    render(&ListPage {
        title: "Déchets",
        session: Some(officer.view()),
        result,
        calendars: calendars.iter().map(|c| calendar_line(c, today)).collect(),
        communes: options(communes, ""),
        may_change: Rights::of(&state, &officer).publishes_any(),
    })
}

// ---------------------------------------------------------------------------------------
// A commune's calendar
// ---------------------------------------------------------------------------------------

/// One collection of a preview.
#[derive(Debug)]
pub(crate) struct PlanLine {
    /// The day it takes place (the planned one when it is called off), in words.
    pub(crate) date: String,
    pub(crate) iso: String,
    pub(crate) stream: &'static str,
    pub(crate) swatch: String,
    /// Called off: the date is struck through.
    pub(crate) cancelled: bool,
    /// What changed, in words, with the planned day when it moved.
    pub(crate) change: Option<String>,
    /// It comes from the rule being written (the rule form's preview).
    pub(crate) this_rule: bool,
}

fn plan_line(p: &PlannedLine, this_rule: Option<usize>) -> PlanLine {
    let planned = &p.planned;
    let shown = planned.date.unwrap_or(planned.planned);
    PlanLine {
        date: words::date(shown),
        iso: shown.to_string(),
        stream: words::stream(planned.stream),
        swatch: swatch(planned.stream),
        cancelled: planned.date.is_none(),
        change: p.change.clone(),
        this_rule: this_rule == Some(planned.rule),
    }
}

/// A rule of the calendar's page.
#[derive(Debug)]
pub(crate) struct RuleLine {
    pub(crate) id: String,
    pub(crate) words: String,
    /// Its note for residents, in French.
    pub(crate) note: Option<String>,
}

/// A line of the history.
#[derive(Debug)]
pub(crate) struct HistoryView {
    pub(crate) at: Option<When>,
    pub(crate) at_raw: String,
    pub(crate) who: String,
    pub(crate) what: String,
}

/// The reminder's fields as typed (or stored).
#[derive(Debug, Clone, Default)]
pub(crate) struct ReminderValues {
    pub(crate) start: String,
    pub(crate) end: String,
}

/// `/dechets/{commune}`.
#[derive(Template)]
#[template(path = "dechets_calendrier.html")]
struct CalendarPage {
    title: String,
    session: Option<SessionView>,
    csrf: String,
    insee: String,
    name: String,
    /// The commune has a calendar stored (it may be deleted).
    exists: bool,
    may_change: bool,
    result: Option<Notice>,
    rules: Vec<RuleLine>,
    weeks: u32,
    /// The previews' longer period, offered by a link.
    more_weeks: Option<u32>,
    from: String,
    until: String,
    plan: Vec<PlanLine>,
    notices: Vec<String>,
    reminder: ReminderValues,
    /// "de 17 h à 23 h".
    reminder_words: String,
    errors: Errors,
    subscribe: String,
    history: Vec<HistoryView>,
    /// The other communes with rules, whose rules this calendar may take.
    sources: Vec<Choice>,
}

/// `?semaines=…` (weeks previewed) and `?fait=…` (what the officer just did).
#[derive(Debug, Default, Deserialize)]
pub(super) struct CalendarQuery {
    #[serde(default)]
    semaines: Option<String>,
    #[serde(default)]
    fait: Option<String>,
}

/// The address residents subscribe to, as the officer's browser reached the server: the
/// page cannot know the public name otherwise, and the officer reads it from there.
fn subscribe_url(state: &AppState, headers: &HeaderMap, commune: &Insee) -> String {
    let scheme = if state.secure_cookies() {
        "https"
    } else {
        "http"
    };
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .map_or_else(|| state.settings.listen.to_string(), str::to_owned);
    format!("{scheme}://{host}{}", edit::subscribe_path(commune))
}

/// What the officer just did to a calendar, in a sentence.
fn calendar_notice(done: Option<&str>, reminder: &Reminder) -> Option<Notice> {
    let text = match done? {
        "regle-ajoutee" => "La règle est ajoutée : les écrans de la commune et l’abonnement des habitants suivent le nouveau calendrier.".to_owned(),
        "regle-modifiee" => "La règle est modifiée : les écrans de la commune et l’abonnement des habitants suivent le nouveau calendrier.".to_owned(),
        "regle-supprimee" => "La règle est supprimée : ses collectes disparaissent des écrans et de l’abonnement des habitants.".to_owned(),
        "regles-reprises" => "Les règles sont reprises : les écrans de la commune et l’abonnement des habitants suivent le nouveau calendrier.".to_owned(),
        "rappel" => format!(
            "Le rappel est enregistré : les écrans le montrent la veille de chaque collecte, de {} à {}.",
            time_words(reminder.start),
            time_words(reminder.end)
        ),
        _ => return None,
    };
    Some(Notice::success(text))
}

/// The calendar's page with `result`, the reminder's fields as typed when they are given
/// with their `errors`, answered with `status`.
#[expect(clippy::too_many_arguments, reason = "the page's parts, named")]
async fn calendar_with(
    state: &AppState,
    officer: &Officer,
    headers: &HeaderMap,
    commune: &Insee,
    weeks: u32,
    result: Option<Notice>,
    typed: Option<(ReminderValues, Errors)>,
    status: StatusCode,
) -> Response {
    let loaded = async {
        let view = edit::view(state, commune, weeks).await?;
        let mut conn = state.db.acquire().await?;
        let all = store::calendars(&mut conn).await?;
        let exists = all.iter().any(|c| &c.commune == commune);
        let sources: Vec<Choice> = all
            .iter()
            .filter(|c| &c.commune != commune && !c.rules.is_empty())
            .map(|c| Choice {
                value: c.commune.to_string(),
                label: c.name.clone(),
                checked: false,
            })
            .collect();
        let history = store::history(&mut conn, commune, HISTORY_SHOWN).await?;
        Ok::<_, ApiError>((view, exists, history, sources))
    }
    .await;
    let (view, exists, history, sources) = match loaded {
        Ok(x) => x,
        Err(e) => return server_error(headers, &e),
    };
    let stored = &view.calendar;
    let reminder = stored.reminder;
    let (typed, errors) = typed.unwrap_or_else(|| {
        (
            ReminderValues {
                start: reminder.start.to_string(),
                end: reminder.end.to_string(),
            },
            Errors::default(),
        )
    });
    let rules = stored
        .rules
        .iter()
        .zip(&view.rules_in_words)
        .map(|(r, w)| RuleLine {
            id: r.id.clone(),
            words: w.clone(),
            note: r
                .rule
                .note
                .get(&Lang::fr())
                .map(str::to_owned)
                .filter(|n| !n.trim().is_empty()),
        })
        .collect();
    let page = CalendarPage {
        title: format!("Collectes à {}", stored.name),
        session: Some(officer.view()),
        csrf: officer.csrf.clone(),
        insee: commune.to_string(),
        name: stored.name.clone(),
        exists,
        may_change: Rights::of(state, officer).publishes(Some(commune)),
        result,
        rules,
        weeks,
        more_weeks: (weeks < 26).then_some(26),
        from: words::date(view.from),
        until: words::date(view.until),
        plan: view.plan.iter().map(|p| plan_line(p, None)).collect(),
        notices: view.notices.clone(),
        reminder: typed,
        reminder_words: format!(
            "de {} à {}",
            time_words(reminder.start),
            time_words(reminder.end)
        ),
        errors,
        subscribe: subscribe_url(state, headers, commune),
        history: history
            .into_iter()
            .map(|h| HistoryView {
                at: stored_when(Some(&h.at)),
                at_raw: h.at,
                who: h.user.unwrap_or_else(|| "(compte supprimé)".to_owned()),
                what: h.what,
            })
            .collect(),
        sources,
    };
    (status, render(&page)).into_response()
}

/// `GET /dechets/{commune}`.
async fn calendar_page(
    State(state): State<Arc<AppState>>,
    officer: Officer,
    headers: HeaderMap,
    Path(code): Path<String>,
    Query(q): Query<CalendarQuery>,
) -> Response {
    let commune = match commune_of(&headers, &code) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let weeks = q
        .semaines
        .as_deref()
        .and_then(|w| w.trim().parse::<u32>().ok())
        .map_or(PREVIEW_WEEKS, |w| w.clamp(1, MAX_PREVIEW_WEEKS));
    let result = match q.fait.as_deref() {
        // The reminder's sentence says its hours, as stored.
        Some(done) => {
            let reminder = match stored_calendar(&state, &commune).await {
                Ok(c) => c.map(|c| c.reminder).unwrap_or_default(),
                Err(e) => return server_error(&headers, &e),
            };
            calendar_notice(Some(done), &reminder)
        }
        None => None,
    };
    calendar_with(
        &state,
        &officer,
        &headers,
        &commune,
        weeks,
        result,
        None,
        StatusCode::OK,
    )
    .await
}

async fn stored_calendar(
    state: &AppState,
    commune: &Insee,
) -> Result<Option<StoredCalendar>, ApiError> {
    let mut conn = state.db.acquire().await?;
    Ok(store::calendar(&mut conn, commune).await?)
}

/// The reminder form.
#[derive(Debug, Deserialize)]
pub(super) struct ReminderForm {
    #[serde(default)]
    csrf_token: Option<String>,
    #[serde(default)]
    debut: String,
    #[serde(default)]
    fin: String,
}

impl CsrfField for ReminderForm {
    fn csrf_token(&self) -> Option<&str> {
        self.csrf_token.as_deref()
    }
}

/// A time of the reminder form, or its problem.
fn typed_time(value: &str, field: &'static str, what: &str, errors: &mut Errors) -> TimeOfDay {
    value.trim().parse().unwrap_or_else(|_| {
        errors.push(
            Some(field),
            format!("Indiquez l’heure {what} du rappel, par exemple 17:00."),
        );
        TimeOfDay::MIDNIGHT
    })
}

/// `POST /dechets/{commune}/rappel`.
async fn reminder_post(
    State(state): State<Arc<AppState>>,
    Path(code): Path<String>,
    Posted {
        officer,
        headers,
        form,
    }: Posted<ReminderForm>,
) -> Response {
    let commune = match commune_of(&headers, &code) {
        Ok(c) => c,
        Err(r) => return r,
    };
    // Someone who may not change the calendar is told so, whatever they typed.
    if !Rights::of(&state, &officer).publishes(Some(&commune)) {
        let e = ApiError::forbidden("");
        return refusal_page(&headers, &officer, &e, Subject::Calendar);
    }
    let typed = ReminderValues {
        start: form.debut.trim().to_owned(),
        end: form.fin.trim().to_owned(),
    };
    let mut errors = Errors::default();
    let reminder = Reminder {
        start: typed_time(&typed.start, "rappel_debut", "de début", &mut errors),
        end: typed_time(&typed.end, "rappel_fin", "de fin", &mut errors),
    };
    if errors.is_empty() {
        errors = match edit::save_reminder(&state, &officer.user, &commune, reminder).await {
            Ok(_) => {
                return Redirect::to(&format!("/dechets/{commune}?fait=rappel#rappel"))
                    .into_response();
            }
            Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
                Errors::from_refusal(&e, reminder_problem).with_server_words(&e)
            }
            Err(e) => return refusal_page(&headers, &officer, &e, Subject::Calendar),
        };
    }
    calendar_with(
        &state,
        &officer,
        &headers,
        &commune,
        PREVIEW_WEEKS,
        None,
        Some((typed, errors)),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// The form taking another commune's rules.
#[derive(Debug, Deserialize)]
pub(super) struct CopyForm {
    #[serde(default)]
    csrf_token: Option<String>,
    #[serde(default)]
    depuis: String,
}

impl CsrfField for CopyForm {
    fn csrf_token(&self) -> Option<&str> {
        self.csrf_token.as_deref()
    }
}

/// `POST /dechets/{commune}/reprendre`: adds the rules of the commune chosen.
async fn copy_post(
    State(state): State<Arc<AppState>>,
    Path(code): Path<String>,
    Posted {
        officer,
        headers,
        form,
    }: Posted<CopyForm>,
) -> Response {
    let commune = match commune_of(&headers, &code) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let from = match commune_of(&headers, form.depuis.trim()) {
        Ok(c) => c,
        Err(r) => return r,
    };
    match edit::copy_rules(&state, &officer.user, &commune, &from).await {
        Ok(_) => {
            Redirect::to(&format!("/dechets/{commune}?fait=regles-reprises#regles")).into_response()
        }
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            calendar_with(
                &state,
                &officer,
                &headers,
                &commune,
                PREVIEW_WEEKS,
                Some(Notice::error(
                    "Choisissez une autre commune que celle de ce calendrier.",
                )),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => refusal_page(&headers, &officer, &e, Subject::Calendar),
    }
}

/// One problem of a reminder refused by the shared rules, in French, with its field.
fn reminder_problem(p: &Problem<'_>) -> (Option<&'static str>, String) {
    if p.says("same time") {
        (
            Some("rappel_fin"),
            "Le rappel doit finir à une autre heure que celle où il commence.".to_owned(),
        )
    } else {
        (
            Some("rappel_debut"),
            format!("Le serveur a refusé ces heures ({}).", p.detail),
        )
    }
}

/// `GET /dechets/{commune}/supprimer`: the confirmation.
async fn delete_calendar_form(
    State(state): State<Arc<AppState>>,
    officer: Officer,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Response {
    let commune = match commune_of(&headers, &code) {
        Ok(c) => c,
        Err(r) => return r,
    };
    if !Rights::of(&state, &officer).publishes(Some(&commune)) {
        let e = ApiError::forbidden("");
        return refusal_page(&headers, &officer, &e, Subject::Calendar);
    }
    let stored = match stored_calendar(&state, &commune).await {
        Ok(Some(c)) => c,
        Ok(None) => {
            let e = ApiError::not_found("");
            return refusal_page(&headers, &officer, &e, Subject::Calendar);
        }
        Err(e) => return server_error(&headers, &e),
    };
    render(&ConfirmPage {
        title: "Supprimer le calendrier ?",
        session: Some(officer.view()),
        csrf: officer.csrf.clone(),
        question: format!("Supprimer le calendrier de collecte de {} ?", stored.name),
        consequence: format!(
            "Ses règles ({}) et son rappel sont supprimés : les écrans de la commune n’annoncent plus de collecte, et l’abonnement des habitants ne donne plus aucune date. Pour changer une collecte, modifiez plutôt sa règle.",
            stored.rules.len()
        ),
        action: format!("/dechets/{commune}/supprimer"),
        back: format!("/dechets/{commune}"),
    })
}

/// `POST /dechets/{commune}/supprimer`.
async fn delete_calendar_post(
    State(state): State<Arc<AppState>>,
    Path(code): Path<String>,
    Posted {
        officer, headers, ..
    }: Posted,
) -> Response {
    let commune = match commune_of(&headers, &code) {
        Ok(c) => c,
        Err(r) => return r,
    };
    match edit::delete_calendar(&state, &officer.user, &commune).await {
        Ok(()) => Redirect::to(&format!("/dechets?fait=supprime&id={commune}")).into_response(),
        Err(e) => refusal_page(&headers, &officer, &e, Subject::Calendar),
    }
}

// ---------------------------------------------------------------------------------------
// The rule form
// ---------------------------------------------------------------------------------------

/// A field's value kept in the rule form: what was typed, or the rule.
#[derive(Debug, Clone, Default)]
pub(crate) struct RuleValues {
    /// A stream's name (`packaging`).
    pub(crate) stream: String,
    /// A rhythm's name (`every_other_week`).
    pub(crate) kind: String,
    /// Weekdays (`mon`…), for the weekly rhythms.
    pub(crate) days: Vec<String>,
    /// `odd` or `even`.
    pub(crate) parity: String,
    /// A day of the first week collected, every other week from a date.
    pub(crate) first: String,
    /// Which weekdays of the month (`1`…`5`, `-1`).
    pub(crate) nth: Vec<String>,
    /// The weekday of the monthly rhythm.
    pub(crate) month_day: String,
    /// The explicit dates, one per line.
    pub(crate) dates: String,
    pub(crate) season_from_day: String,
    pub(crate) season_from_month: String,
    pub(crate) season_until_day: String,
    pub(crate) season_until_month: String,
    pub(crate) valid_from: String,
    pub(crate) valid_until: String,
    /// A shift's name (`next_day`).
    pub(crate) shift: String,
    /// Holidays collected as usual (`victory_day`…).
    pub(crate) kept: Vec<String>,
    pub(crate) added: String,
    pub(crate) cancelled: String,
    pub(crate) note_fr: String,
    pub(crate) note_en: String,
    pub(crate) note_nl: String,
    /// The button pressed: `previsualiser` or `enregistrer`.
    pub(crate) action: String,
}

impl RuleValues {
    /// A new rule's form: household waste every week, moved to the next day by a holiday.
    fn fresh() -> Self {
        RuleValues {
            stream: Stream::Household.name().to_owned(),
            kind: "weekly".to_owned(),
            parity: "odd".to_owned(),
            month_day: "mon".to_owned(),
            shift: shift_value(Shift::NextDay).to_owned(),
            ..RuleValues::default()
        }
    }

    /// The form of `rule` as it is.
    fn of(rule: &Rule) -> Self {
        let mut v = RuleValues::fresh();
        v.stream = rule.stream.name().to_owned();
        v.kind = rhythm_kind(&rule.rhythm).to_owned();
        let names = |days: &[Weekday]| days.iter().map(|d| weekday_value(*d).to_owned()).collect();
        let listed =
            |dates: &[Date]| -> String { dates.iter().map(|d| format!("{d}\n")).collect() };
        match &rule.rhythm {
            Rhythm::Weekly { days } => v.days = names(days),
            Rhythm::EveryOtherWeek { days, parity } => {
                v.days = names(days);
                v.parity = match parity {
                    WeekParity::Odd => "odd",
                    WeekParity::Even => "even",
                }
                .to_owned();
            }
            Rhythm::Fortnightly { days, first } => {
                v.days = names(days);
                v.first = first.to_string();
            }
            Rhythm::Monthly { nth, day } => {
                v.nth = nth.iter().map(ToString::to_string).collect();
                v.month_day = weekday_value(*day).to_owned();
            }
            Rhythm::Dates { dates } => v.dates = listed(dates),
        }
        if let Some(s) = rule.season {
            v.season_from_day = s.from.day.to_string();
            v.season_from_month = s.from.month.to_string();
            v.season_until_day = s.until.day.to_string();
            v.season_until_month = s.until.month.to_string();
        }
        v.valid_from = rule.valid_from.map(|d| d.to_string()).unwrap_or_default();
        v.valid_until = rule.valid_until.map(|d| d.to_string()).unwrap_or_default();
        v.shift = shift_value(rule.holidays.shift).to_owned();
        v.kept = rule
            .holidays
            .kept
            .iter()
            .map(|h| h.name().to_owned())
            .collect();
        v.added = listed(&rule.added);
        v.cancelled = listed(&rule.cancelled);
        v.note_fr = in_lang(&rule.note, &Lang::fr());
        v.note_en = in_lang(&rule.note, &Lang::en());
        v.note_nl = in_lang(&rule.note, &Lang::nl());
        v
    }

    /// A posted form's values.
    fn parse(fields: Fields) -> Self {
        let mut v = RuleValues::default();
        for (name, value) in lines(fields) {
            match name.as_str() {
                "flux" => v.stream = value,
                "rythme" => v.kind = value,
                "jours" => v.days.push(value),
                "parite" => v.parity = value,
                "premiere" => v.first = value,
                "rangs" => v.nth.push(value),
                "jour_du_mois" => v.month_day = value,
                "dates" => v.dates = value,
                "saison_debut_jour" => v.season_from_day = value,
                "saison_debut_mois" => v.season_from_month = value,
                "saison_fin_jour" => v.season_until_day = value,
                "saison_fin_mois" => v.season_until_month = value,
                "debut_validite" => v.valid_from = value,
                "fin_validite" => v.valid_until = value,
                "decalage" => v.shift = value,
                "maintenus" => v.kept.push(value),
                "ajoutees" => v.added = value,
                "annulees" => v.cancelled = value,
                "note_fr" => v.note_fr = value,
                "note_en" => v.note_en = value,
                "note_nl" => v.note_nl = value,
                "action" => v.action = value,
                _ => {}
            }
        }
        v
    }

    /// Whether a translation of the note was typed (they then show open).
    pub(crate) fn translated(&self) -> bool {
        !self.note_en.trim().is_empty() || !self.note_nl.trim().is_empty()
    }

    /// The season typed: none when its four fields are blank.
    fn season(&self, errors: &mut Errors) -> Option<Season> {
        let parts = [
            &self.season_from_day,
            &self.season_from_month,
            &self.season_until_day,
            &self.season_until_month,
        ];
        if parts.iter().all(|p| p.trim().is_empty()) {
            return None;
        }
        if parts.iter().any(|p| p.trim().is_empty()) {
            errors.push(
                Some("saison"),
                "Indiquez le jour et le mois du début et de la fin de la saison, ou laissez les quatre vides pour toute l’année.",
            );
            return None;
        }
        let from = month_day(
            &self.season_from_day,
            &self.season_from_month,
            "le début",
            errors,
        );
        let until = month_day(
            &self.season_until_day,
            &self.season_until_month,
            "la fin",
            errors,
        );
        Some(Season {
            from: from?,
            until: until?,
        })
    }

    /// The rule typed, as far as it can be read (`None` without a stream or a rhythm), and
    /// the problems only the page can tell: a choice not in the list, a date that is not
    /// one.
    fn rule(&self) -> (Option<Rule>, Errors) {
        let mut errors = Errors::default();
        let stream = stream_of(&self.stream);
        if stream.is_none() {
            errors.push(Some("flux"), "Choisissez le flux collecté dans la liste.");
        }
        let mut days = Vec::new();
        for d in &self.days {
            match weekday_of(d) {
                Some(w) => days.push(w),
                None => errors.push(Some("jours"), "Cochez les jours dans la liste."),
            }
        }
        days.sort();
        days.dedup();
        let rhythm = match self.kind.trim() {
            "weekly" => Some(Rhythm::Weekly { days }),
            "every_other_week" => {
                let parity = match self.parity.trim() {
                    "odd" => Some(WeekParity::Odd),
                    "even" => Some(WeekParity::Even),
                    _ => {
                        errors.push(
                            Some("parite"),
                            "Choisissez les semaines paires ou impaires.",
                        );
                        None
                    }
                };
                parity.map(|parity| Rhythm::EveryOtherWeek { days, parity })
            }
            "fortnightly" => {
                let first = if self.first.trim().is_empty() {
                    errors.push(
                        Some("premiere"),
                        "Indiquez la date d’une collecte : les suivantes ont lieu toutes les deux semaines à partir de celle-ci.",
                    );
                    None
                } else {
                    optional_date(&self.first, "premiere", "La date de départ", &mut errors)
                };
                first.map(|first| Rhythm::Fortnightly { days, first })
            }
            "monthly" => {
                let mut nth = Vec::new();
                for n in &self.nth {
                    match n.trim().parse::<i8>() {
                        Ok(n) => nth.push(n),
                        Err(_) => errors.push(Some("rangs"), "Cochez les rangs dans la liste."),
                    }
                }
                // The last one after the fifth, as the boxes are.
                nth.sort_by_key(|n| if *n < 0 { i8::MAX } else { *n });
                nth.dedup();
                let day = weekday_of(&self.month_day);
                if day.is_none() {
                    errors.push(
                        Some("jour_du_mois"),
                        "Choisissez le jour de la semaine dans la liste.",
                    );
                }
                day.map(|day| Rhythm::Monthly { nth, day })
            }
            "dates" => Some(Rhythm::Dates {
                dates: date_lines(&self.dates, "dates", &mut errors),
            }),
            _ => {
                errors.push(Some("rythme"), "Choisissez le rythme des collectes.");
                None
            }
        };
        let season = self.season(&mut errors);
        let valid_from = optional_date(
            &self.valid_from,
            "debut_validite",
            "Le début de validité",
            &mut errors,
        );
        let valid_until = optional_date(
            &self.valid_until,
            "fin_validite",
            "La fin de validité",
            &mut errors,
        );
        let shift = SHIFTS
            .iter()
            .find(|(_, v)| *v == self.shift.trim())
            .map(|(s, _)| *s);
        if shift.is_none() {
            errors.push(
                Some("decalage"),
                "Choisissez ce que fait un jour férié dans la liste.",
            );
        }
        let mut kept = Vec::new();
        for h in &self.kept {
            match Holiday::ALL.into_iter().find(|k| k.name() == h.trim()) {
                Some(k) => kept.push(k),
                None => errors.push(Some("maintenus"), "Cochez les jours fériés dans la liste."),
            }
        }
        let added = date_lines(&self.added, "ajoutees", &mut errors);
        let cancelled = date_lines(&self.cancelled, "annulees", &mut errors);
        let rule = stream.zip(rhythm).map(|(stream, rhythm)| Rule {
            stream,
            rhythm,
            season,
            valid_from,
            valid_until,
            holidays: HolidayRule {
                shift: shift.unwrap_or_default(),
                kept,
            },
            added,
            cancelled,
            note: typed_text([&self.note_fr, &self.note_en, &self.note_nl], false),
        });
        (rule, errors)
    }

    /// The form field holding `date` (a date the rules refuse): a validity bound, or a line
    /// of the added or cancelled dates.
    fn field_with(&self, date: Date) -> Option<&'static str> {
        let has = |text: &str| text.lines().any(|l| typed_date(l) == Some(date));
        if typed_date(&self.valid_from) == Some(date) {
            Some("debut_validite")
        } else if typed_date(&self.valid_until) == Some(date) {
            Some("fin_validite")
        } else if has(&self.added) {
            Some("ajoutees")
        } else if has(&self.cancelled) {
            Some("annulees")
        } else {
            None
        }
    }
}

/// "Le 31 avril n’existe pas" for a season's bound, else the day of the year.
fn month_day(day: &str, month: &str, which: &str, errors: &mut Errors) -> Option<MonthDay> {
    let (Ok(d), Ok(m)) = (day.trim().parse::<i8>(), month.trim().parse::<i8>()) else {
        errors.push(
            Some("saison"),
            format!("Indiquez {which} de la saison : un jour de 1 à 31 et un mois."),
        );
        return None;
    };
    MonthDay::new(m, d)
        .inspect_err(|_| {
            let month = if (1..=12).contains(&m) {
                month_name(m, &Lang::fr(), false).to_owned()
            } else {
                format!("mois {m}")
            };
            errors.push(
                Some("saison"),
                format!("Le {d} {month} n’existe pas : corrigez {which} de la saison."),
            );
        })
        .ok()
}

/// One problem of a rule refused by the shared rules, in French, with the form's field at
/// fault.
fn rule_problem(v: &RuleValues, p: &Problem<'_>) -> (Option<&'static str>, String) {
    let most = p.detail.rsplit("at most ").next().unwrap_or_default();
    match p.field {
        "rule.rhythm.days" => (
            Some("jours"),
            "Cochez au moins un jour de collecte.".to_owned(),
        ),
        "rule.rhythm.nth" => (
            Some("rangs"),
            if p.says("at least one") {
                "Cochez au moins un rang : 1er, 2e… ou dernier.".to_owned()
            } else {
                "Les rangs vont du 1er au 5e, ou « dernier ».".to_owned()
            },
        ),
        "rule.rhythm.dates" => (
            Some("dates"),
            if p.says("at most") {
                format!("Une règle liste au plus {most} : créez-en une autre pour la suite.")
            } else {
                "Indiquez au moins une date, une par ligne.".to_owned()
            },
        ),
        "rule.added" => (
            Some("ajoutees"),
            format!("Une règle ajoute au plus {most}."),
        ),
        "rule.cancelled" => (
            Some("annulees"),
            format!("Une règle annule au plus {most}."),
        ),
        "rule.valid_until" | "rule.valid_from" => (
            Some("fin_validite"),
            "La fin de validité doit venir après son début.".to_owned(),
        ),
        "rule.season" => (
            Some("saison"),
            "La saison commence et finit le même jour : pour une seule date, ajoutez-la plutôt aux dates ajoutées.".to_owned(),
        ),
        f if f.starts_with("rule.note") => (
            Some("note_fr"),
            if p.says("at most") {
                format!("La note dépasse {most} : raccourcissez-la.")
            } else {
                "La note est vide dans une langue : effacez-la ou écrivez-la.".to_owned()
            },
        ),
        "rule" if p.says("between 2000 and 2100") => {
            let date = p
                .detail
                .split_whitespace()
                .next()
                .and_then(|d| d.parse::<Date>().ok());
            match date {
                Some(d) => (
                    v.field_with(d),
                    format!(
                        "Le {} est trop loin : les dates vont de 2000 à 2100.",
                        words::date(d)
                    ),
                ),
                None => (None, "Les dates vont de 2000 à 2100.".to_owned()),
            }
        }
        _ => (
            None,
            format!("Le serveur a refusé la règle ({}).", p.whole),
        ),
    }
}

/// The problems the shared rules find in `rule`, in French, by field.
fn rule_errors(v: &RuleValues, rule: &Rule) -> Errors {
    let problems = edit::rule_problems(rule);
    if problems.is_empty() {
        return Errors::default();
    }
    Errors::from_refusal(&ApiError::invalid("", problems), |p| rule_problem(v, p))
}

/// `into` with the problems of `more` after its own.
fn merged(mut into: Errors, more: Errors) -> Errors {
    for e in more.list {
        into.push(e.field, e.text);
    }
    into
}

/// The preview of a calendar with the rule being written.
#[derive(Debug)]
pub(crate) struct PreviewView {
    /// The rule in words.
    pub(crate) words: String,
    pub(crate) from: String,
    pub(crate) until: String,
    pub(crate) plan: Vec<PlanLine>,
    pub(crate) notices: Vec<String>,
}

/// The calendar of `commune` (`stored`, when it has one) with `rule` in place of rule
/// `id`, or added, over the coming weeks.
fn preview_with(
    stored: Option<&StoredCalendar>,
    commune: &Insee,
    id: Option<&str>,
    rule: &Rule,
) -> PreviewView {
    let mut cal = stored.map_or_else(
        || Calendar {
            commune: commune.clone(),
            name: name_of(commune),
            reminder: Reminder::default(),
            rules: Vec::new(),
        },
        StoredCalendar::calendar,
    );
    let replaced = id.and_then(|id| stored?.rules.iter().position(|r| r.id == id));
    let index = match replaced {
        Some(i) => {
            cal.rules[i] = rule.clone();
            i
        }
        None => {
            cal.rules.push(rule.clone());
            cal.rules.len() - 1
        }
    };
    let from = edit::today();
    let until = from
        .checked_add(jiff::Span::new().days(7 * i64::from(PREVIEW_WEEKS) - 1))
        .unwrap_or(from);
    let (plan, notices) = edit::preview(&cal, from, until);
    PreviewView {
        words: words::rule(rule),
        from: words::date(from),
        until: words::date(until),
        plan: plan.iter().map(|p| plan_line(p, Some(index))).collect(),
        notices,
    }
}

/// The rule form.
#[derive(Template)]
#[template(path = "dechets_regle.html")]
struct RulePage {
    title: &'static str,
    session: Option<SessionView>,
    csrf: String,
    insee: String,
    name: String,
    action: String,
    /// The rule edited, in words.
    editing: Option<String>,
    /// The sentence above the problems.
    refusal: &'static str,
    v: RuleValues,
    errors: Errors,
    streams: Vec<Choice>,
    days: Vec<Choice>,
    parities: Vec<Choice>,
    nths: Vec<Choice>,
    month_days: Vec<Choice>,
    from_months: Vec<Choice>,
    until_months: Vec<Choice>,
    shifts: Vec<Choice>,
    kept: Vec<Choice>,
    preview: Option<PreviewView>,
}

/// The months of a season's select, with a blank first.
fn months(chosen: &str) -> Vec<Choice> {
    let mut out = vec![Choice {
        value: String::new(),
        label: "—".to_owned(),
        checked: chosen.trim().is_empty(),
    }];
    out.extend(options(
        (1..=12).map(|m: i8| (m.to_string(), month_name(m, &Lang::fr(), false))),
        chosen,
    ));
    out
}

/// The rule form with these values, its problems and its preview.
#[expect(clippy::too_many_arguments, reason = "the page's parts, named")]
fn rule_page(
    officer: &Officer,
    commune: &Insee,
    stored: Option<&StoredCalendar>,
    id: Option<&str>,
    v: RuleValues,
    errors: Errors,
    preview: Option<PreviewView>,
    status: StatusCode,
) -> Response {
    let editing = id.and_then(|id| {
        stored?
            .rules
            .iter()
            .find(|r| r.id == id)
            .map(|r| words::rule(&r.rule))
    });
    let action = match id {
        Some(id) => format!("/dechets/{commune}/regles/{id}"),
        None => format!("/dechets/{commune}/regles/nouvelle"),
    };
    let page = RulePage {
        title: if id.is_some() {
            "Modifier la règle"
        } else {
            "Nouvelle règle de collecte"
        },
        session: Some(officer.view()),
        csrf: officer.csrf.clone(),
        insee: commune.to_string(),
        name: name_of(commune),
        action,
        editing,
        refusal: if v.action == "enregistrer" {
            "La règle n’a pas été enregistrée."
        } else {
            "La règle, telle quelle, serait refusée."
        },
        streams: options(
            Stream::ALL
                .into_iter()
                .map(|s| (s.name(), words::stream(s))),
            &v.stream,
        ),
        days: boxes(
            WEEKDAYS
                .iter()
                .map(|(d, value)| {
                    (
                        (*value).to_owned(),
                        weekday_name(*d, &Lang::fr(), false).to_owned(),
                    )
                })
                .collect(),
            &v.days,
            ToOwned::to_owned,
        ),
        parities: options([("odd", "Impaires"), ("even", "Paires")], &v.parity),
        nths: boxes(
            NTHS.iter()
                .map(|(n, label)| (n.to_string(), (*label).to_owned()))
                .collect(),
            &v.nth,
            ToOwned::to_owned,
        ),
        month_days: options(
            WEEKDAYS
                .iter()
                .map(|(d, value)| (*value, weekday_name(*d, &Lang::fr(), false))),
            &v.month_day,
        ),
        from_months: months(&v.season_from_month),
        until_months: months(&v.season_until_month),
        shifts: options(
            SHIFTS
                .iter()
                .map(|(s, value)| (*value, capitalised(words::shift(*s)))),
            &v.shift,
        ),
        kept: boxes(
            Holiday::ALL
                .iter()
                .map(|h| (h.name().to_owned(), h.label().to_owned()))
                .collect(),
            &v.kept,
            ToOwned::to_owned,
        ),
        preview,
        v,
        errors,
    };
    (status, render(&page)).into_response()
}

/// The commune's stored calendar for the rule form, when the officer may change it (and
/// rule `id` is in it); else the page saying why not.
async fn rule_context(
    state: &AppState,
    officer: &Officer,
    headers: &HeaderMap,
    code: &str,
    id: Option<&str>,
) -> Result<(Insee, Option<StoredCalendar>), Response> {
    let commune = commune_of(headers, code)?;
    let rights = Rights::of(state, officer);
    if !rights.publishes(Some(&commune)) {
        let e = ApiError::forbidden("");
        return Err(refusal_page(headers, officer, &e, Subject::Rule));
    }
    let stored = stored_calendar(state, &commune)
        .await
        .map_err(|e| server_error(headers, &e))?;
    if let Some(id) = id {
        let found = stored
            .as_ref()
            .is_some_and(|c| c.rules.iter().any(|r| r.id == id));
        if !found {
            let e = ApiError::not_found("");
            return Err(refusal_page(headers, officer, &e, Subject::Rule));
        }
    }
    Ok((commune, stored))
}

/// `GET /dechets/{commune}/regles/nouvelle`.
async fn new_rule_form(
    State(state): State<Arc<AppState>>,
    officer: Officer,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Response {
    match rule_context(&state, &officer, &headers, &code, None).await {
        Ok((commune, stored)) => rule_page(
            &officer,
            &commune,
            stored.as_ref(),
            None,
            RuleValues::fresh(),
            Errors::default(),
            None,
            StatusCode::OK,
        ),
        Err(refused) => refused,
    }
}

/// `GET /dechets/{commune}/regles/{id}`.
async fn edit_rule_form(
    State(state): State<Arc<AppState>>,
    officer: Officer,
    headers: HeaderMap,
    Path((code, id)): Path<(String, String)>,
) -> Response {
    match rule_context(&state, &officer, &headers, &code, Some(&id)).await {
        Ok((commune, stored)) => {
            let v = stored
                .as_ref()
                .and_then(|c| c.rules.iter().find(|r| r.id == id))
                .map_or_else(RuleValues::fresh, |r| RuleValues::of(&r.rule));
            rule_page(
                &officer,
                &commune,
                stored.as_ref(),
                Some(&id),
                v,
                Errors::default(),
                None,
                StatusCode::OK,
            )
        }
        Err(refused) => refused,
    }
}

/// `POST /dechets/{commune}/regles/nouvelle`.
async fn new_rule_post(
    State(state): State<Arc<AppState>>,
    Path(code): Path<String>,
    Posted {
        officer,
        headers,
        form,
    }: Posted<Fields>,
) -> Response {
    rule_post(
        &state,
        &officer,
        &headers,
        &code,
        None,
        RuleValues::parse(form),
    )
    .await
}

/// `POST /dechets/{commune}/regles/{id}`.
async fn edit_rule_post(
    State(state): State<Arc<AppState>>,
    Path((code, id)): Path<(String, String)>,
    Posted {
        officer,
        headers,
        form,
    }: Posted<Fields>,
) -> Response {
    let v = RuleValues::parse(form);
    rule_post(&state, &officer, &headers, &code, Some(&id), v).await
}

/// « Prévisualiser »: the form again with the calendar as it would be; « Enregistrer »:
/// the rule written through the shared rules and 303 to the calendar, or the form again
/// with the problems in French.
async fn rule_post(
    state: &AppState,
    officer: &Officer,
    headers: &HeaderMap,
    code: &str,
    id: Option<&str>,
    v: RuleValues,
) -> Response {
    let (commune, stored) = match rule_context(state, officer, headers, code, id).await {
        Ok(x) => x,
        Err(refused) => return refused,
    };
    let (rule, errors) = v.rule();
    let page = |v: RuleValues, errors: Errors, preview: Option<PreviewView>, status| {
        rule_page(
            officer,
            &commune,
            stored.as_ref(),
            id,
            v,
            errors,
            preview,
            status,
        )
    };
    if v.action != "enregistrer" {
        let preview = rule
            .as_ref()
            .map(|r| preview_with(stored.as_ref(), &commune, id, r));
        let errors = match &rule {
            Some(r) => merged(errors, rule_errors(&v, r)),
            None => errors,
        };
        return page(v, errors, preview, StatusCode::OK);
    }
    let rule = match rule {
        Some(r) if errors.is_empty() => r,
        rule => {
            // Everything wrong at once: what the page found, and what the rules would say.
            let errors = match &rule {
                Some(r) => merged(errors, rule_errors(&v, r)),
                None => errors,
            };
            return page(v, errors, None, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    match edit::save_rule(state, &officer.user, &commune, id, rule).await {
        Ok(_) => {
            let done = if id.is_some() {
                "regle-modifiee"
            } else {
                "regle-ajoutee"
            };
            Redirect::to(&format!("/dechets/{commune}?fait={done}#regles")).into_response()
        }
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let errors = Errors::from_refusal(&e, |p| rule_problem(&v, p)).with_server_words(&e);
            page(v, errors, None, e.status)
        }
        Err(e) => refusal_page(headers, officer, &e, Subject::Rule),
    }
}

/// `GET /dechets/{commune}/regles/{id}/supprimer`: the confirmation.
async fn delete_rule_form(
    State(state): State<Arc<AppState>>,
    officer: Officer,
    headers: HeaderMap,
    Path((code, id)): Path<(String, String)>,
) -> Response {
    let (commune, stored) = match rule_context(&state, &officer, &headers, &code, Some(&id)).await {
        Ok(x) => x,
        Err(refused) => return refused,
    };
    let in_words = stored
        .as_ref()
        .and_then(|c| c.rules.iter().find(|r| r.id == id))
        .map(|r| words::rule(&r.rule))
        .unwrap_or_default();
    render(&ConfirmPage {
        title: "Supprimer la règle ?",
        session: Some(officer.view()),
        csrf: officer.csrf.clone(),
        question: format!(
            "Supprimer cette règle du calendrier de {} ?",
            name_of(&commune)
        ),
        consequence: format!(
            "« {in_words} ». Ses collectes disparaissent aussitôt des écrans de la commune et de l’abonnement des habitants."
        ),
        action: format!("/dechets/{commune}/regles/{id}/supprimer"),
        back: format!("/dechets/{commune}#regles"),
    })
}

/// `POST /dechets/{commune}/regles/{id}/supprimer`.
async fn delete_rule_post(
    State(state): State<Arc<AppState>>,
    Path((code, id)): Path<(String, String)>,
    Posted {
        officer, headers, ..
    }: Posted,
) -> Response {
    let commune = match commune_of(&headers, &code) {
        Ok(c) => c,
        Err(r) => return r,
    };
    match edit::delete_rule(&state, &officer.user, &commune, &id).await {
        Ok(()) => {
            Redirect::to(&format!("/dechets/{commune}?fait=regle-supprimee#regles")).into_response()
        }
        Err(e) => refusal_page(&headers, &officer, &e, Subject::Rule),
    }
}

// ---------------------------------------------------------------------------------------
// The sorting guide
// ---------------------------------------------------------------------------------------

/// An entry of the guide's list.
#[derive(Debug)]
pub(crate) struct AdviceLine {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) synonyms: String,
    pub(crate) destination: String,
    /// "Guide de l’ADEME", "Communauté de communes".
    pub(crate) origin: &'static str,
    pub(crate) edited: bool,
    pub(crate) featured: bool,
    pub(crate) hidden: bool,
    /// No longer in ADEME's guide (off the screens).
    pub(crate) removed: bool,
    /// Written by the officer: it may be deleted.
    pub(crate) own: bool,
}

fn advice_line(a: &StoredAdvice) -> AdviceLine {
    AdviceLine {
        id: a.advice.id.clone(),
        name: headline(&a.advice.name),
        synonyms: a.advice.synonyms.join(", "),
        destination: destination_words(a.advice.destination),
        origin: match a.origin {
            Origin::Ademe => "Guide de l’ADEME",
            Origin::Officer => "Communauté de communes",
        },
        edited: a.edited,
        featured: a.advice.featured,
        hidden: a.hidden,
        removed: a.removed_at.is_some(),
        own: a.origin == Origin::Officer,
    }
}

/// One import of ADEME's guide.
#[derive(Debug)]
pub(crate) struct ImportView {
    pub(crate) at: Option<When>,
    pub(crate) at_raw: String,
    pub(crate) who: String,
    pub(crate) file: Option<String>,
    pub(crate) error: Option<String>,
    /// "390 fiches lues · 390 ajoutées · …".
    pub(crate) counts: String,
    /// The entries the file says it holds.
    pub(crate) total: Option<u64>,
    pub(crate) problems: Vec<String>,
    pub(crate) repaired: Vec<(String, String)>,
}

/// What an import did, in French.
fn import_counts(r: &GuideReport) -> String {
    [
        count(r.read, "fiche lue", "fiches lues"),
        count(r.added, "ajoutée", "ajoutées"),
        count(r.updated, "mise à jour", "mises à jour"),
        count(r.unchanged, "inchangée", "inchangées"),
        count(
            r.kept,
            "gardée telle que modifiée ici",
            "gardées telles que modifiées ici",
        ),
        count(r.removed, "retirée du guide", "retirées du guide"),
    ]
    .join(" · ")
}

fn import_view(r: &GuideReport) -> ImportView {
    ImportView {
        at: stored_when(Some(&r.at)),
        at_raw: r.at.clone(),
        who: r.user.clone().unwrap_or_else(|| "(compte supprimé)".into()),
        file: r.file.clone(),
        error: r.error.clone(),
        counts: import_counts(r),
        total: r.total,
        problems: r.problems.clone(),
        repaired: r.repaired_keys.clone(),
    }
}

/// The sentence telling how an import went.
fn import_notice(r: &GuideReport) -> Notice {
    match &r.error {
        None => Notice::success(format!(
            "Import terminé : {}. Les écrans et la borne ont le guide à jour.",
            import_counts(r)
        )),
        Some(e) => Notice::error(format!(
            "L’import a échoué : {e}. Le guide reste tel qu’il était."
        )),
    }
}

/// `/dechets/conseils`.
#[derive(Template)]
#[template(path = "dechets_conseils.html")]
struct GuidePage {
    title: &'static str,
    session: Option<SessionView>,
    csrf: String,
    may_change: bool,
    result: Option<Notice>,
    q: String,
    filter: String,
    filters: Vec<Choice>,
    entries: Vec<AdviceLine>,
    /// Every entry of the guide.
    total: usize,
    /// Those the search and the filter keep.
    matched: usize,
    page: usize,
    pages: usize,
    previous: Option<String>,
    next: Option<String>,
    imports: Vec<ImportView>,
    max_mib: usize,
}

/// `?q=…&filtre=…&page=…` (what is listed) and `?fait=…&id=…` (what the officer just did).
#[derive(Debug, Default, Deserialize)]
pub(super) struct GuideQuery {
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    filtre: Option<String>,
    #[serde(default)]
    page: Option<String>,
    #[serde(default)]
    fait: Option<String>,
    #[serde(default)]
    id: Option<String>,
}

/// The guide's address listing `page` of what `q` and `filter` keep.
fn guide_href(q: &str, filter: &str, page: usize) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if !q.trim().is_empty() {
        query.append_pair("q", q.trim());
    }
    if !filter.is_empty() && filter != "tous" {
        query.append_pair("filtre", filter);
    }
    if page > 1 {
        query.append_pair("page", &page.to_string());
    }
    let query = query.finish();
    if query.is_empty() {
        "/dechets/conseils".to_owned()
    } else {
        format!("/dechets/conseils?{query}")
    }
}

/// Whether `a` is one the filter keeps and the search finds: each word of `q` (folded) in
/// its names or synonyms, accents and case aside.
fn kept_by(a: &StoredAdvice, filter: &str, q: &str) -> bool {
    let by_filter = match filter {
        "vedette" => a.advice.featured,
        "masques" => a.hidden,
        "ademe" => a.origin == Origin::Ademe,
        "communaute" => a.origin == Origin::Officer,
        _ => true,
    };
    if !by_filter {
        return false;
    }
    let words: Vec<&str> = q.split_whitespace().collect();
    if words.is_empty() {
        return true;
    }
    let haystack: Vec<String> = a
        .advice
        .name
        .0
        .values()
        .chain(&a.advice.synonyms)
        .map(|t| fold(t))
        .collect();
    words.iter().all(|w| haystack.iter().any(|t| t.contains(w)))
}

/// What the officer just did to entry `id` of the guide.
fn guide_notice(
    done: Option<&str>,
    id: Option<&str>,
    entries: &[StoredAdvice],
    imports: &[GuideReport],
) -> Option<Notice> {
    let done = done?;
    match done {
        "supprime" => return Some(Notice::success("Le conseil est supprimé du guide.")),
        "importe" => return imports.first().map(import_notice),
        _ => {}
    }
    let a = entries.iter().find(|a| Some(a.advice.id.as_str()) == id)?;
    let name = format!("« {} »", headline(&a.advice.name));
    let text = match done {
        "cree" => format!(
            "Le conseil {name} est enregistré : la borne le trouve, et les écrans peuvent le montrer."
        ),
        "modifie" => format!("Le conseil {name} est modifié."),
        "vedette" => format!(
            "{name} est en vedette : il passe dans la rubrique « Le saviez-vous ? » des écrans."
        ),
        "hors-vedette" => format!("{name} n’est plus en vedette."),
        "masque" => format!("{name} est masqué : les écrans et la borne ne le montrent plus."),
        "affiche" => format!("{name} est de nouveau montré sur les écrans et la borne."),
        _ => return None,
    };
    Some(Notice::success(text))
}

/// The guide's page with `result` (else the sentence `?fait=` asks for), answered with
/// `status`.
async fn guide_with(
    state: &AppState,
    officer: &Officer,
    headers: &HeaderMap,
    q: GuideQuery,
    result: Option<Notice>,
    status: StatusCode,
) -> Response {
    let loaded = async {
        let mut conn = state.db.acquire().await?;
        let advice = store::advice(&mut conn).await?;
        let imports = store::imports(&mut conn, IMPORTS_SHOWN).await?;
        Ok::<_, ApiError>((advice, imports))
    }
    .await;
    let (mut advice, imports) = match loaded {
        Ok(x) => x,
        Err(e) => return server_error(headers, &e),
    };
    let search = q.q.clone().unwrap_or_default();
    let filter = q
        .filtre
        .as_deref()
        .map(str::trim)
        .filter(|f| FILTERS.iter().any(|(v, _)| v == f))
        .unwrap_or("tous")
        .to_owned();
    let result =
        result.or_else(|| guide_notice(q.fait.as_deref(), q.id.as_deref(), &advice, &imports));
    let needle = fold(search.trim());
    advice.sort_by_cached_key(|a| (fold(&headline(&a.advice.name)), a.advice.id.clone()));
    let total = advice.len();
    let kept: Vec<&StoredAdvice> = advice
        .iter()
        .filter(|a| kept_by(a, &filter, &needle))
        .collect();
    let pages = kept.len().div_ceil(PER_PAGE).max(1);
    let page = q
        .page
        .as_deref()
        .and_then(|p| p.trim().parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, pages);
    let entries = kept
        .iter()
        .skip((page - 1) * PER_PAGE)
        .take(PER_PAGE)
        .map(|a| advice_line(a))
        .collect();
    let page_view = GuidePage {
        title: "Guide du tri",
        session: Some(officer.view()),
        csrf: officer.csrf.clone(),
        may_change: Rights::of(state, officer).publishes(None),
        result,
        filters: options(FILTERS, &filter),
        previous: (page > 1).then(|| guide_href(&search, &filter, page - 1)),
        next: (page < pages).then(|| guide_href(&search, &filter, page + 1)),
        q: search,
        filter,
        entries,
        total,
        matched: kept.len(),
        page,
        pages,
        imports: imports.iter().map(import_view).collect(),
        max_mib: MAX_GUIDE_BYTES >> 20,
    };
    (status, render(&page_view)).into_response()
}

/// `GET /dechets/conseils`.
async fn guide_page(
    State(state): State<Arc<AppState>>,
    officer: Officer,
    headers: HeaderMap,
    Query(q): Query<GuideQuery>,
) -> Response {
    guide_with(&state, &officer, &headers, q, None, StatusCode::OK).await
}

/// A button of an entry of the guide's list, which comes back to the same list.
#[derive(Debug, Deserialize)]
pub(super) struct GuideAction {
    #[serde(default)]
    csrf_token: Option<String>,
    #[serde(default)]
    q: String,
    #[serde(default)]
    filtre: String,
    #[serde(default)]
    page: String,
}

impl CsrfField for GuideAction {
    fn csrf_token(&self) -> Option<&str> {
        self.csrf_token.as_deref()
    }
}

/// `POST /dechets/conseils/{id}/{action}`, `action` one of `vedette`, `hors-vedette`,
/// `masquer`, `afficher`: sets the entry's flags through the shared rules, then 303 to the
/// list it was pressed in, telling what was done; else the page saying why not.
async fn flags_post(
    State(state): State<Arc<AppState>>,
    Path((id, action)): Path<(String, String)>,
    posted: Posted<GuideAction>,
) -> Response {
    let Posted {
        officer,
        headers,
        form,
    } = posted;
    let (hidden, featured, done) = match action.as_str() {
        "vedette" => (None, Some(true), "vedette"),
        "hors-vedette" => (None, Some(false), "hors-vedette"),
        "masquer" => (Some(true), None, "masque"),
        "afficher" => (Some(false), None, "affiche"),
        _ => {
            return error_page(
                &headers,
                StatusCode::NOT_FOUND,
                "Introuvable",
                "Cette action n’existe pas.",
            );
        }
    };
    match edit::set_advice_flags(&state, &officer.user, &id, hidden, featured).await {
        Ok(a) => {
            let page = form.page.trim().parse().unwrap_or(1);
            let list = guide_href(&form.q, form.filtre.trim(), page);
            let sep = if list.contains('?') { '&' } else { '?' };
            let id: String = url::form_urlencoded::byte_serialize(a.advice.id.as_bytes()).collect();
            Redirect::to(&format!("{list}{sep}fait={done}&id={id}#conseil-{id}")).into_response()
        }
        Err(e) => refusal_page(&headers, &officer, &e, Subject::Advice),
    }
}

/// What the guide's import form takes.
const GUIDE_UPLOAD: forms::Upload = forms::Upload {
    max_bytes: MAX_GUIDE_BYTES,
    what: "le guide de l’ADEME",
    page: "d’import de la page du guide du tri",
};

/// `POST /dechets/conseils/importer` (multipart): imports ADEME's guide from the file.
async fn import_post(
    State(state): State<Arc<AppState>>,
    officer: Officer,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    let (bytes, name) = match forms::uploaded_named(&officer, &headers, multipart, GUIDE_UPLOAD)
        .await
    {
        Err(refused) => return refused,
        Ok(Some(file)) => file,
        Ok(None) => {
            let notice = Some(Notice::error(
                "Choisissez le fichier du guide (waste.json) sur votre ordinateur avant d’importer.",
            ));
            return guide_with(
                &state,
                &officer,
                &headers,
                GuideQuery::default(),
                notice,
                status,
            )
            .await;
        }
    };
    match edit::import_guide(&state, &officer.user, &bytes, name).await {
        Ok(report) if report.error.is_none() => {
            Redirect::to("/dechets/conseils?fait=importe#imports").into_response()
        }
        Ok(report) => {
            let notice = Some(import_notice(&report));
            guide_with(
                &state,
                &officer,
                &headers,
                GuideQuery::default(),
                notice,
                status,
            )
            .await
        }
        Err(e) => refusal_page(&headers, &officer, &e, Subject::Advice),
    }
}

// ---------------------------------------------------------------------------------------
// The form of an entry of the guide
// ---------------------------------------------------------------------------------------

/// A field's value kept in the form of an entry of the guide.
#[derive(Debug, Clone, Default)]
pub(crate) struct AdviceValues {
    pub(crate) name_fr: String,
    pub(crate) name_en: String,
    pub(crate) name_nl: String,
    /// One per line.
    pub(crate) synonyms: String,
    /// A destination's name in forms (`bin:packaging`).
    pub(crate) destination: String,
    pub(crate) instructions_fr: String,
    pub(crate) instructions_en: String,
    pub(crate) instructions_nl: String,
    pub(crate) prevention: String,
    pub(crate) prevention_en: String,
    pub(crate) prevention_nl: String,
    pub(crate) featured: bool,
}

impl AdviceValues {
    /// Whether a translation was typed (the translations then show open).
    pub(crate) fn translated(&self) -> bool {
        [
            &self.name_en,
            &self.name_nl,
            &self.instructions_en,
            &self.instructions_nl,
            &self.prevention_en,
            &self.prevention_nl,
        ]
        .iter()
        .any(|s| !s.trim().is_empty())
    }
}

/// The form of an entry.
#[derive(Template)]
#[template(path = "dechets_conseil.html")]
struct AdvicePage {
    title: &'static str,
    session: Option<SessionView>,
    csrf: String,
    action: String,
    editing: Option<Editing>,
    /// The entry edited comes from ADEME's guide.
    from_ademe: bool,
    v: AdviceValues,
    errors: Errors,
    destinations: Vec<Choice>,
}

impl EditForm for AdviceValues {
    type Stored = StoredAdvice;
    type Input = SortingAdvice;

    fn may_open(rights: Rights<'_>) -> bool {
        rights.publishes(None)
    }

    fn may_change(rights: Rights<'_>, _: &StoredAdvice) -> bool {
        rights.publishes(None)
    }

    /// An imported entry is edited (later imports then leave it as written), not deleted:
    /// the next import would bring it back.
    async fn load(
        state: &AppState,
        _user: &User,
        id: &str,
        intent: Intent,
    ) -> Result<StoredAdvice, ApiError> {
        let mut conn = state.db.acquire().await?;
        let a = store::advice(&mut conn)
            .await?
            .into_iter()
            .find(|a| a.advice.id == id)
            .ok_or_else(|| ApiError::not_found(format!("no sorting tip \"{id}\"")))?;
        if intent == Intent::Delete && a.origin == Origin::Ademe {
            return Err(ApiError::conflict("comes from ADEME's guide"));
        }
        Ok(a)
    }

    fn editing(a: &StoredAdvice) -> Editing {
        Editing {
            id: a.advice.id.clone(),
            name: headline(&a.advice.name),
        }
    }

    fn fresh(_user: &User) -> Self {
        AdviceValues {
            destination: destination_value(Destination::Bin {
                stream: Stream::Household,
            }),
            ..AdviceValues::default()
        }
    }

    fn of(stored: &StoredAdvice) -> Self {
        let a = &stored.advice;
        AdviceValues {
            name_fr: in_lang(&a.name, &Lang::fr()),
            name_en: in_lang(&a.name, &Lang::en()),
            name_nl: in_lang(&a.name, &Lang::nl()),
            synonyms: a.synonyms.join("\n"),
            destination: destination_value(a.destination),
            instructions_fr: in_lang(&a.instructions, &Lang::fr()),
            instructions_en: in_lang(&a.instructions, &Lang::en()),
            instructions_nl: in_lang(&a.instructions, &Lang::nl()),
            prevention: in_lang(&a.prevention, &Lang::fr()),
            prevention_en: in_lang(&a.prevention, &Lang::en()),
            prevention_nl: in_lang(&a.prevention, &Lang::nl()),
            featured: a.featured,
        }
    }

    fn parse(fields: Fields) -> Self {
        let mut v = AdviceValues::default();
        for (name, value) in lines(fields) {
            match name.as_str() {
                "nom_fr" => v.name_fr = value,
                "nom_en" => v.name_en = value,
                "nom_nl" => v.name_nl = value,
                "synonymes" => v.synonyms = value,
                "destination" => v.destination = value,
                "consignes_fr" => v.instructions_fr = value,
                "consignes_en" => v.instructions_en = value,
                "consignes_nl" => v.instructions_nl = value,
                "prevention_fr" => v.prevention = value,
                "prevention_en" => v.prevention_en = value,
                "prevention_nl" => v.prevention_nl = value,
                "vedette" => v.featured = !value.is_empty(),
                _ => {}
            }
        }
        v
    }

    /// The entry; the French name goes to the rules always, so that they refuse a blank
    /// one.
    fn input(&self) -> Result<SortingAdvice, Errors> {
        let destination = destinations()
            .into_iter()
            .find(|d| destination_value(*d) == self.destination.trim());
        let Some(destination) = destination else {
            let mut errors = Errors::default();
            errors.push(
                Some("destination"),
                "Choisissez où l’objet va dans la liste.",
            );
            return Err(errors);
        };
        Ok(SortingAdvice {
            id: String::new(),
            name: typed_text([&self.name_fr, &self.name_en, &self.name_nl], true),
            synonyms: self
                .synonyms
                .lines()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect(),
            destination,
            instructions: typed_text(
                [
                    &self.instructions_fr,
                    &self.instructions_en,
                    &self.instructions_nl,
                ],
                false,
            ),
            prevention: typed_text(
                [&self.prevention, &self.prevention_en, &self.prevention_nl],
                false,
            ),
            featured: self.featured,
        })
    }

    fn errors(&self, e: &ApiError) -> Errors {
        Errors::from_refusal(e, |p| {
            let long = p.says("at most");
            match p.field {
                "name" => (
                    Some("nom_fr"),
                    if long {
                        "Le nom dépasse 1000 caractères : raccourcissez-le.".to_owned()
                    } else {
                        "Saisissez le nom de l’objet en français : c’est ce que les habitants cherchent.".to_owned()
                    },
                ),
                "synonyms" => (
                    Some("synonymes"),
                    "Au plus 50 autres noms, de 80 caractères chacun au plus, un par ligne."
                        .to_owned(),
                ),
                "instructions" => (
                    Some("consignes_fr"),
                    if long {
                        "Les consignes dépassent 1000 caractères : raccourcissez-les.".to_owned()
                    } else {
                        "Les consignes sont vides dans une langue : effacez-les ou écrivez-les."
                            .to_owned()
                    },
                ),
                "prevention" => (
                    Some("prevention_fr"),
                    "Le conseil pour éviter ce déchet dépasse 1000 caractères : raccourcissez-le."
                        .to_owned(),
                ),
                _ => (
                    None,
                    format!("Le serveur a refusé le conseil ({}).", p.whole),
                ),
            }
        })
    }

    async fn write(
        state: &AppState,
        user: &User,
        id: Option<&str>,
        input: SortingAdvice,
    ) -> Result<String, ApiError> {
        Ok(edit::save_advice(state, user, id, input).await?.advice.id)
    }

    fn done(id: &str, created: bool) -> Response {
        let done = if created { "cree" } else { "modifie" };
        let id: String = url::form_urlencoded::byte_serialize(id.as_bytes()).collect();
        Redirect::to(&format!("/dechets/conseils?fait={done}&id={id}")).into_response()
    }

    async fn page(
        self,
        state: &AppState,
        officer: &Officer,
        headers: &HeaderMap,
        editing: Option<Editing>,
        errors: Errors,
        status: StatusCode,
    ) -> Response {
        let v = self;
        let from_ademe = match &editing {
            Some(e) => match Self::load(state, &officer.user, &e.id, Intent::Edit).await {
                Ok(a) => a.origin == Origin::Ademe,
                Err(err) => return refusal_page(headers, officer, &err, Subject::Advice),
            },
            None => false,
        };
        let (action, title) = match &editing {
            None => (
                "/dechets/conseils/nouveau".to_owned(),
                "Nouveau conseil de tri",
            ),
            Some(e) => (
                format!("/dechets/conseils/{}", e.id),
                "Modifier le conseil de tri",
            ),
        };
        let page = AdvicePage {
            title,
            session: Some(officer.view()),
            csrf: officer.csrf.clone(),
            action,
            editing,
            from_ademe,
            destinations: options(
                destinations()
                    .into_iter()
                    .map(|d| (destination_value(d), destination_words(d))),
                &v.destination,
            ),
            v,
            errors,
        };
        (status, render(&page)).into_response()
    }

    fn deletion(a: &StoredAdvice) -> Deletion {
        Deletion {
            title: "Supprimer le conseil ?",
            question: format!(
                "Supprimer le conseil « {} » ?",
                headline(&a.advice.name)
            ),
            consequence: "Il disparaît du guide du tri, de la borne et des écrans à leur prochaine mise à jour. Pour seulement le retirer un temps, masquez-le plutôt.".into(),
            action: format!("/dechets/conseils/{}/supprimer", a.advice.id),
            back: format!("/dechets/conseils/{}", a.advice.id),
        }
    }

    async fn delete(state: &AppState, user: &User, id: &str) -> Result<(), ApiError> {
        edit::delete_advice(state, user, id).await
    }

    fn deleted() -> Response {
        Redirect::to("/dechets/conseils?fait=supprime").into_response()
    }

    fn read_only(headers: &HeaderMap) -> Response {
        read_only(headers)
    }

    fn refused(headers: &HeaderMap, officer: &Officer, e: &ApiError) -> Response {
        refusal_page(headers, officer, e, Subject::Advice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_names_are_those_of_the_api() {
        for (d, value) in WEEKDAYS {
            assert_eq!(serde_json::to_value(d).unwrap(), value);
        }
        for (s, value) in SHIFTS {
            assert_eq!(serde_json::to_value(s).unwrap(), value);
        }
        let weekly = Rhythm::Weekly {
            days: vec![Weekday::Mon],
        };
        let rhythm = serde_json::to_value(&weekly).unwrap();
        assert_eq!(rhythm["kind"], rhythm_kind(&weekly));
        for d in destinations() {
            let json = serde_json::to_value(d).unwrap();
            let kind = json["kind"].as_str().unwrap();
            let expected = match json.get("stream") {
                Some(s) => format!("{kind}:{}", s.as_str().unwrap()),
                None => kind.to_owned(),
            };
            assert_eq!(destination_value(d), expected);
        }
    }

    #[test]
    fn dates_are_read_in_both_ways_officers_write_them() {
        let d = Date::new(2027, 2, 28).unwrap();
        assert_eq!(typed_date("2027-02-28"), Some(d));
        assert_eq!(typed_date(" 28/02/2027 "), Some(d));
        assert_eq!(typed_date("28/2/2027"), Some(d));
        assert_eq!(typed_date("31/02/2027"), None);
        assert_eq!(typed_date("2027-02-31"), None);
        assert_eq!(typed_date("28/02/27"), None);
        assert_eq!(typed_date("2027-02-28T10:00"), None);
        assert_eq!(typed_date("demain"), None);
    }

    #[test]
    fn a_line_that_is_not_a_date_is_named_by_its_number() {
        let mut errors = Errors::default();
        let dates = date_lines(
            "2027-01-04\n\n31/02/2027\n05/01/2027",
            "ajoutees",
            &mut errors,
        );
        assert_eq!(dates.len(), 2);
        assert_eq!(
            errors.of("ajoutees").unwrap(),
            "Ligne 3 : « 31/02/2027 » n’est pas une date (écrivez-la 2027-02-28 ou 28/02/2027)."
        );
    }

    #[test]
    fn a_rule_goes_to_the_form_and_back_unchanged() {
        let rule: Rule = serde_json::from_value(serde_json::json!({
            "stream": "packaging",
            "rhythm": {"kind": "every_other_week", "days": ["tue", "thu"], "parity": "even"},
            "season": {"from": "04-01", "until": "11-30"},
            "valid_from": "2027-01-01",
            "holidays": {"shift": "rest_of_week", "kept": ["victory_day"]},
            "added": ["2027-05-10"],
            "cancelled": ["2027-06-01"],
            "note": {"fr": "Bac jaune", "nl": "Gele bak"}
        }))
        .unwrap();
        let mut v = RuleValues::of(&rule);
        assert!(v.translated());
        v.action = "enregistrer".into();
        let (back, errors) = v.rule();
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(back.unwrap(), rule);
        let monthly: Rule = serde_json::from_value(serde_json::json!({
            "stream": "bulky",
            "rhythm": {"kind": "monthly", "nth": [2, -1], "day": "wed"}
        }))
        .unwrap();
        assert_eq!(RuleValues::of(&monthly).rule().0.unwrap(), monthly);
    }

    #[test]
    fn the_search_ignores_accents_and_case() {
        assert_eq!(fold("Déchèterie Œuvre"), "decheterie oeuvre");
        assert!(fold("Pot de crème").contains(&fold("CREME")));
    }

    #[test]
    fn times_are_written_as_the_screens_write_them() {
        assert_eq!(time_words(TimeOfDay::hm(17, 0).unwrap()), "17\u{a0}h");
        assert_eq!(
            time_words(TimeOfDay::hm(6, 30).unwrap()),
            "6\u{a0}h\u{a0}30"
        );
        assert_eq!(time_words(TimeOfDay::END_OF_DAY), "minuit");
    }
}
