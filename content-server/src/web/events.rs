//! The agenda page, `/agenda`: the events the officer sees, soonest first, with where each
//! stands (« En ligne », « En attente de validation », « Retiré », « Retiré de la source »,
//! « Hors territoire », « Annulé », « Passé »…); writing, editing, validating, withdrawing
//! and deleting the officer's own events; the agenda sources (iCalendar, OpenAgenda,
//! DATAtourisme) with their settings, an import on demand or from an uploaded file, and the
//! reports of their last imports, item by item.
//!
//! Every check and every write goes through `crate::events::edit`, the functions the JSON
//! API calls, so that the page and the API follow one set of rules; this module only turns
//! forms into their input and their refusals into French, next to the field at fault.
//!
//! No JavaScript is needed: every action is a form, and a change done answers 303 to the
//! list (or the source's page), which tells what happened from `?fait=…&id=…`.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use beffroi_agenda::Occurrence;
use beffroi_protocol::data::events::{EventCategory, EventStatus};
use beffroi_protocol::format::format_event_when;
use beffroi_protocol::ids::{Insee, Sha256};
use beffroi_protocol::text::Lang;
use beffroi_protocol::time::Zone;
use jiff::civil::{Date, DateTime};
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;

use super::format::{
    LANGUAGES, When, commune_name, count, headline, in_lang, language_name, owner_words,
    stored_when, typed_text,
};
use super::forms::{
    Choice, Deletion, EditForm, Editing, Errors, Fields, Intent, Picture, Posted, Problem, Rights,
    Upload, commune_choices, commune_problem, default_owner, delete_form, delete_post, edit_form,
    edit_post, lines, new_form, new_post, owner_choices, owner_field, pictures, uploaded,
};
use super::{Notice, Officer, SessionView, action_refused, error_page, render};
use crate::api::error::ApiError;
use crate::events::edit::{self, DateInput, EventInput, MAX_DATES, SourceSettings};
use crate::events::import::{MAX_DESCRIPTION, MAX_SOURCE_BYTES, MAX_TITLE};
use crate::events::store::{self, Format, ImportReport, Outcome, StoredEvent, StoredSource};
use crate::server::AppState;
use crate::users::{Role, User};

/// How many import reports a source's page lists.
const REPORTS_SHOWN: u32 = 10;

/// How many next dates a line of the list shows, and the event's own page.
const DATES_ON_LIST: usize = 3;
const DATES_ON_PAGE: usize = 20;

/// How far ahead the page looks for an event's next date; one further ahead reads as past
/// (an agenda holds this year's and next year's events).
const AHEAD: SignedDuration = SignedDuration::from_hours(3 * 366 * 24);

/// How far back it looks for a past event's last date.
const BEHIND: SignedDuration = SignedDuration::from_hours(400 * 24);

/// Empty date rows the event form offers, folded, beyond those filled in: enough for a
/// weekend or a short series, without JavaScript; more can be added by saving and editing.
const EXTRA_DATE_ROWS: usize = 4;

/// Hex digits of the token a new event's form carries (see [`EventValues::nonce`]).
const NONCE_LEN: usize = 8;

/// The page's routes.
pub(super) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/agenda", get(page))
        .route(
            "/agenda/nouveau",
            get(new_form::<EventValues>).post(new_post::<EventValues>),
        )
        .route("/agenda/evenements/{id}", get(event_page))
        .route(
            "/agenda/evenements/{id}/modifier",
            get(edit_form::<EventValues>).post(edit_post::<EventValues>),
        )
        .route(
            "/agenda/evenements/{id}/supprimer",
            get(delete_form::<EventValues>).post(delete_post::<EventValues>),
        )
        .route("/agenda/evenements/{id}/valider", post(approve_post))
        .route("/agenda/evenements/{id}/retirer", post(withdraw_post))
        .route("/agenda/evenements/{id}/remettre", post(restore_post))
        .route(
            "/agenda/sources/nouvelle",
            get(new_form::<SourceValues>).post(new_post::<SourceValues>),
        )
        .route("/agenda/sources/{id}", get(source_page))
        .route(
            "/agenda/sources/{id}/modifier",
            get(edit_form::<SourceValues>).post(edit_post::<SourceValues>),
        )
        .route(
            "/agenda/sources/{id}/supprimer",
            get(delete_form::<SourceValues>).post(delete_post::<SourceValues>),
        )
        .route("/agenda/sources/{id}/importer", post(import_post))
        .route(
            "/agenda/sources/{id}/fichier",
            // The form's other fields and the multipart framing fit in the margin.
            post(upload_post).layer(DefaultBodyLimit::max(MAX_SOURCE_BYTES + (64 << 10))),
        )
}

// ---------------------------------------------------------------------------------------
// Words
// ---------------------------------------------------------------------------------------

/// The categories, with their names in forms (those of the JSON API).
const CATEGORIES: [(EventCategory, &str); 13] = [
    (EventCategory::Festival, "festival"),
    (EventCategory::Market, "market"),
    (EventCategory::Concert, "concert"),
    (EventCategory::Exhibition, "exhibition"),
    (EventCategory::Sport, "sport"),
    (EventCategory::Theatre, "theatre"),
    (EventCategory::Cinema, "cinema"),
    (EventCategory::Conference, "conference"),
    (EventCategory::Workshop, "workshop"),
    (EventCategory::GuidedTour, "guided_tour"),
    (EventCategory::Nature, "nature"),
    (EventCategory::Family, "family"),
    (EventCategory::Other, "other"),
];

/// The statuses, with their names in forms.
const STATUSES: [(EventStatus, &str); 4] = [
    (EventStatus::Scheduled, "scheduled"),
    (EventStatus::Cancelled, "cancelled"),
    (EventStatus::Postponed, "postponed"),
    (EventStatus::Full, "full"),
];

/// The formats a source may have, in the order the form offers them.
const FORMATS: [Format; 4] = [
    Format::Ical,
    Format::OpenAgenda,
    Format::Datatourisme,
    Format::Apidae,
];

fn category_value(c: EventCategory) -> &'static str {
    CATEGORIES
        .iter()
        .find(|(k, _)| *k == c)
        .map_or("other", |(_, v)| v)
}

fn category_label(c: EventCategory) -> &'static str {
    c.label(&Lang::fr())
}

fn status_value(s: EventStatus) -> &'static str {
    STATUSES
        .iter()
        .find(|(k, _)| *k == s)
        .map_or("scheduled", |(_, v)| v)
}

/// A status in words: the screens' banner, or that it takes place as announced.
fn status_label(s: EventStatus) -> &'static str {
    s.banner(&Lang::fr()).unwrap_or("Maintenu")
}

/// A format's name in forms (that of the JSON API), and in words.
fn format_words(f: Format) -> (&'static str, &'static str) {
    match f {
        Format::Ical => ("ical", "iCalendar"),
        Format::OpenAgenda => ("open_agenda", "OpenAgenda"),
        Format::Datatourisme => ("datatourisme", "DATAtourisme"),
        Format::Apidae => ("apidae", "Apidae"),
    }
}

fn format_value(f: Format) -> &'static str {
    format_words(f).0
}

fn format_label(f: Format) -> &'static str {
    format_words(f).1
}

/// The options of a select from (value, label) pairs, `chosen` selected.
fn options<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>, chosen: &str) -> Vec<Choice> {
    pairs
        .into_iter()
        .map(|(value, label)| Choice {
            checked: value == chosen,
            value: value.to_owned(),
            label: label.to_owned(),
        })
        .collect()
}

/// A select's first option, for "none of the list".
fn none_option(label: &str, chosen: &str) -> Choice {
    Choice {
        value: String::new(),
        label: label.to_owned(),
        checked: chosen.trim().is_empty(),
    }
}

// ---------------------------------------------------------------------------------------
// Where an event stands, and when it takes place
// ---------------------------------------------------------------------------------------

/// One of the badges saying where an event stands; several may hold at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Badge {
    Online,
    Waiting,
    Withdrawn,
    RemovedFromSource,
    OutsideTerritory,
    Cancelled,
    Postponed,
    Full,
    Past,
}

impl Badge {
    /// The badge's words.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Badge::Online => "En ligne",
            Badge::Waiting => "En attente de validation",
            Badge::Withdrawn => "Retiré",
            Badge::RemovedFromSource => "Retiré de la source",
            Badge::OutsideTerritory => "Hors territoire",
            Badge::Cancelled => "Annulé",
            Badge::Postponed => "Reporté",
            Badge::Full => "Complet",
            Badge::Past => "Passé",
        }
    }

    /// The badge's CSS class (those of the news page's statuses).
    pub(crate) fn class(self) -> &'static str {
        match self {
            Badge::Online => "en-ligne",
            Badge::Waiting => "attente",
            Badge::Withdrawn | Badge::RemovedFromSource => "retiree",
            Badge::OutsideTerritory | Badge::Past => "expiree",
            Badge::Cancelled => "echec",
            Badge::Postponed | Badge::Full => "programmee",
        }
    }

    /// Where `e` stands, its next occurrence being `next` (`None`: all its dates are past).
    /// « En ligne » follows the rule of the events data set (`StoredEvent::live`), for an
    /// event still to come.
    fn of(e: &StoredEvent, next: Option<&Occurrence>) -> Vec<Badge> {
        let mut out = Vec::new();
        if e.live() && next.is_some() {
            out.push(Badge::Online);
        }
        if e.approved_at.is_none() {
            out.push(Badge::Waiting);
        }
        if e.hidden {
            out.push(Badge::Withdrawn);
        }
        if e.removed_at.is_some() {
            out.push(Badge::RemovedFromSource);
        }
        if e.source.is_some() && e.commune.is_none() {
            out.push(Badge::OutsideTerritory);
        }
        match next.and_then(|o| o.status).unwrap_or(e.record.status) {
            EventStatus::Cancelled => out.push(Badge::Cancelled),
            EventStatus::Postponed => out.push(Badge::Postponed),
            EventStatus::Full => out.push(Badge::Full),
            EventStatus::Scheduled => {}
        }
        if next.is_none() {
            out.push(Badge::Past);
        }
        out
    }
}

/// One date of an event, in words.
#[derive(Debug, Clone)]
pub(crate) struct DateLine {
    /// "sam. 5 déc. · 14 h 30", "du 5 au 7 déc.".
    pub(crate) text: String,
    /// Its start, RFC 3339, for `<time datetime>`.
    pub(crate) iso: String,
    /// This date alone is cancelled (one of a series).
    pub(crate) cancelled: bool,
}

fn date_line(o: &Occurrence, today: Date) -> DateLine {
    DateLine {
        text: format_event_when(&o.start, &o.end, o.all_day, today, &Lang::fr()),
        iso: o.start.timestamp().to_string(),
        cancelled: o.status == Some(EventStatus::Cancelled),
    }
}

/// When an event takes place, seen at an instant: its dates still to come (or going on),
/// or, when all are past, its last one.
struct Dates {
    ahead: Vec<Occurrence>,
    last: Option<Occurrence>,
}

impl Dates {
    fn of(e: &StoredEvent, now: Timestamp) -> Self {
        let ahead = e.record.timing.occurrences(now, now + AHEAD);
        let last = if ahead.is_empty() {
            e.record.timing.occurrences(now - BEHIND, now).pop()
        } else {
            None
        };
        Dates { ahead, last }
    }

    /// The order of the list: the next date first, then past events, the latest first.
    fn sort_key(&self) -> (bool, i128) {
        match (self.ahead.first(), &self.last) {
            (Some(o), _) => (false, o.start.timestamp().as_nanosecond()),
            (None, Some(o)) => (true, -o.end.timestamp().as_nanosecond()),
            (None, None) => (true, i128::MAX),
        }
    }
}

/// Today in the territory.
fn today(now: Timestamp) -> Date {
    now.to_zoned_datetime(Zone::paris().tz()).date()
}

// ---------------------------------------------------------------------------------------
// The list
// ---------------------------------------------------------------------------------------

/// One event of the list (or of its own page).
#[derive(Debug)]
pub(crate) struct EventLine {
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) badges: Vec<Badge>,
    /// Its next dates.
    pub(crate) dates: Vec<DateLine>,
    /// Dates still to come beyond those shown.
    pub(crate) more: usize,
    /// Its last date, when all are past.
    pub(crate) last: Option<DateLine>,
    pub(crate) place: String,
    pub(crate) address: String,
    /// Where it takes place: a commune, the whole territory, or "" (outside it).
    pub(crate) commune: String,
    pub(crate) category: &'static str,
    /// Its source's name; `None`: written by the officer.
    pub(crate) source: Option<String>,
    /// Its source's id.
    pub(crate) source_id: Option<String>,
    pub(crate) author: Option<String>,
    pub(crate) approved_by: Option<String>,
    pub(crate) link: Option<String>,
    /// The officer may edit and delete it (an event of theirs, not imported).
    pub(crate) may_edit: bool,
    /// The officer may approve it (it waits, and they publish for its owner).
    pub(crate) may_approve: bool,
    /// The officer may withdraw it from the screens.
    pub(crate) may_withdraw: bool,
    /// The officer may put it back on the screens.
    pub(crate) may_restore: bool,
}

impl EventLine {
    /// Whether the officer may do anything to it.
    pub(crate) fn actions(&self) -> bool {
        self.may_edit || self.may_approve || self.may_withdraw || self.may_restore
    }
}

fn event_line(
    e: &StoredEvent,
    when: &Dates,
    shown: usize,
    sources: &HashMap<&str, &str>,
    rights: Rights<'_>,
    today: Date,
) -> EventLine {
    let owner = e.owner.as_ref();
    let own = e.source.is_none();
    EventLine {
        id: e.id.clone(),
        title: headline(&e.record.title),
        badges: Badge::of(e, when.ahead.first()),
        dates: when
            .ahead
            .iter()
            .take(shown)
            .map(|o| date_line(o, today))
            .collect(),
        more: when.ahead.len().saturating_sub(shown),
        last: when.last.as_ref().map(|o| date_line(o, today)),
        place: e.record.place.name.clone(),
        address: e.record.place.address.clone(),
        commune: match (&e.commune, own) {
            (Some(c), _) => commune_name(c.as_str()),
            (None, true) => "Tout le territoire".to_owned(),
            (None, false) => String::new(),
        },
        category: category_label(e.record.category),
        source: e.source.as_deref().map(|s| {
            sources
                .get(s)
                .map_or_else(|| s.to_owned(), |n| (*n).to_owned())
        }),
        source_id: e.source.clone(),
        author: e.created_by.clone(),
        approved_by: e
            .approved_by
            .clone()
            .filter(|a| Some(a) != e.created_by.as_ref()),
        // Only web addresses become links (a source could carry any scheme).
        link: e
            .record
            .url
            .clone()
            .filter(|l| l.starts_with("https://") || l.starts_with("http://")),
        may_edit: own && rights.writes(owner),
        may_approve: own && e.approved_at.is_none() && rights.publishes(owner),
        // The shared rules: withdrawing an imported event, and putting any back, publish.
        may_withdraw: !e.hidden
            && if own {
                rights.writes(owner)
            } else {
                rights.publishes(owner)
            },
        may_restore: e.hidden && rights.publishes(owner),
    }
}

/// One source of the list (or of its own page).
#[derive(Debug)]
pub(crate) struct SourceLine {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) format: &'static str,
    pub(crate) url: Option<String>,
    pub(crate) owner: String,
    /// The commune of its events whose place names none of the territory, in words.
    pub(crate) commune: String,
    pub(crate) zone: String,
    pub(crate) category: &'static str,
    pub(crate) enabled: bool,
    pub(crate) refresh_minutes: u32,
    pub(crate) imported: Option<When>,
    pub(crate) checked: Option<When>,
    pub(crate) error: Option<String>,
    /// Its events stored now.
    pub(crate) events: usize,
    /// The officer may change it, import it and delete it.
    pub(crate) may_manage: bool,
}

fn source_line(s: &StoredSource, events: usize, rights: Rights<'_>) -> SourceLine {
    SourceLine {
        id: s.id.clone(),
        name: s.name.clone(),
        format: format_label(s.format),
        url: s.url.clone(),
        owner: owner_words(s.owner.as_ref()),
        commune: s.commune.as_ref().map_or_else(
            || "aucune : ces événements restent hors des écrans".to_owned(),
            |c| commune_name(c.as_str()),
        ),
        zone: s.zone.clone(),
        category: s
            .category
            .map_or("devinée d’après les mots de l’événement", category_label),
        enabled: s.enabled,
        refresh_minutes: s.refresh_minutes,
        imported: stored_when(s.imported_at.as_deref()),
        checked: stored_when(s.checked_at.as_deref()),
        error: s.last_error.clone(),
        events,
        may_manage: rights.publishes(s.owner.as_ref()),
    }
}

/// The list page.
#[derive(Template)]
#[template(path = "agenda.html")]
struct ListPage {
    title: &'static str,
    session: Option<SessionView>,
    csrf: String,
    may_write: bool,
    may_sources: bool,
    result: Option<Notice>,
    events: Vec<EventLine>,
    /// Events before filtering.
    total: usize,
    filtered: bool,
    communes: Vec<Choice>,
    sources: Vec<SourceLine>,
}

/// `?commune=…` (filter) and `?fait=…&id=…` (what the officer just did).
#[derive(Debug, Default, Deserialize)]
pub(super) struct ListQuery {
    #[serde(default)]
    commune: Option<String>,
    #[serde(default)]
    fait: Option<String>,
    #[serde(default)]
    id: Option<String>,
}

/// The events and sources `user` sees.
async fn seen(
    state: &AppState,
    user: &User,
) -> Result<(Vec<StoredEvent>, Vec<StoredSource>), ApiError> {
    let events = edit::visible_events(state, user).await?;
    let sources = edit::visible_sources(state, user).await?;
    Ok((events, sources))
}

/// The names of sources, by id.
fn source_names(sources: &[StoredSource]) -> HashMap<&str, &str> {
    sources
        .iter()
        .map(|s| (s.id.as_str(), s.name.as_str()))
        .collect()
}

/// `GET /agenda`.
async fn page(
    State(state): State<Arc<AppState>>,
    officer: Officer,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Response {
    let (events, sources) = match seen(&state, &officer.user).await {
        Ok(x) => x,
        Err(e) => return server_error(&headers, &e),
    };
    let now = Timestamp::now();
    let today = today(now);
    let rights = Rights::of(&state, &officer);
    let names = source_names(&sources);
    let commune = q.commune.as_deref().unwrap_or("").trim();
    let mut dated: Vec<(&StoredEvent, Dates)> =
        events.iter().map(|e| (e, Dates::of(e, now))).collect();
    dated.sort_by(|(a, wa), (b, wb)| {
        wa.sort_key()
            .cmp(&wb.sort_key())
            .then_with(|| a.id.cmp(&b.id))
    });
    // The communes the events take place in, by name, for the filter.
    let present: BTreeMap<String, String> = events
        .iter()
        .filter_map(|e| e.commune.as_ref())
        .map(|c| (commune_name(c.as_str()), c.to_string()))
        .collect();
    let mut communes = vec![none_option("Toutes les communes", commune)];
    communes.extend(options(
        present
            .iter()
            .map(|(name, code)| (code.as_str(), name.as_str())),
        commune,
    ));
    let lines: Vec<EventLine> = dated
        .iter()
        .filter(|(e, _)| {
            commune.is_empty() || e.commune.as_ref().is_some_and(|c| c.as_str() == commune)
        })
        .map(|(e, w)| event_line(e, w, DATES_ON_LIST, &names, rights, today))
        .collect();
    let per_source = |id: &str| {
        events
            .iter()
            .filter(|e| e.source.as_deref() == Some(id))
            .count()
    };
    let source_lines = sources
        .iter()
        .map(|s| source_line(s, per_source(&s.id), rights))
        .collect();
    render(&ListPage {
        title: "Agenda",
        session: Some(officer.view()),
        csrf: officer.csrf.clone(),
        may_write: rights.writes_any(),
        may_sources: rights.publishes_any(),
        result: done_notice(&q, &events, now),
        total: events.len(),
        filtered: !commune.is_empty(),
        events: lines,
        communes,
        sources: source_lines,
    })
}

/// The sentence telling what the officer just did (about an event they see).
fn done_notice(q: &ListQuery, events: &[StoredEvent], now: Timestamp) -> Option<Notice> {
    let done = q.fait.as_deref()?;
    match done {
        "supprime" => return Some(Notice::success("L’événement est supprimé.")),
        "source-supprimee" => {
            return Some(Notice::success(
                "La source est supprimée, avec les événements qui en venaient.",
            ));
        }
        _ => {}
    }
    let id = q.id.as_deref()?;
    let e = events.iter().find(|e| e.id == id)?;
    let what = format!("L’événement « {} »", headline(&e.record.title));
    let badges = Badge::of(e, Dates::of(e, now).ahead.first());
    let where_now = if badges.contains(&Badge::Withdrawn) {
        "il est retiré des écrans."
    } else if badges.contains(&Badge::Waiting) {
        "il attend la validation d’un valideur ou d’un administrateur avant de s’afficher."
    } else if badges.contains(&Badge::Past) {
        "ses dates sont passées : il ne s’affiche pas."
    } else {
        "il est en ligne : les écrans qui montrent l’agenda l’affichent, dans les jours qui précèdent chaque date."
    };
    let text = match done {
        "cree" => format!("{what} est enregistré ; {where_now}"),
        "modifie" => format!("{what} est modifié ; {where_now}"),
        "valide" => format!("{what} est validé ; {where_now}"),
        "retire" => format!("{what} est retiré des écrans."),
        "remis" => format!("{what} est remis ; {where_now}"),
        _ => return None,
    };
    Some(Notice::success(text))
}

/// 303 to the list, telling what was done to `id`.
fn done_redirect(done: &str, id: Option<&str>) -> Response {
    let mut to = format!("/agenda?fait={done}");
    if let Some(id) = id {
        to.push_str("&id=");
        to.extend(url::form_urlencoded::byte_serialize(id.as_bytes()));
    }
    Redirect::to(&to).into_response()
}

fn server_error(headers: &HeaderMap, e: &ApiError) -> Response {
    super::server_error(
        headers,
        "agenda page",
        e,
        "L’agenda n’a pas pu être lu ou enregistré.",
    )
}

/// The answer to someone who may only read the agenda.
fn read_only(headers: &HeaderMap) -> Response {
    action_refused(
        headers,
        "Votre compte permet de consulter l’agenda, pas d’y écrire, d’en valider ni d’en retirer des événements.",
    )
}

/// What a refusal is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Subject {
    Event,
    Source,
}

/// The answer to a refusal that no form can fix: something gone, not the officer's, or an
/// imported event that cannot be edited.
fn refusal_page(headers: &HeaderMap, officer: &Officer, e: &ApiError, about: Subject) -> Response {
    match e.status {
        StatusCode::NOT_FOUND => error_page(
            headers,
            StatusCode::NOT_FOUND,
            "Introuvable",
            match about {
                Subject::Event => "Cet événement n’existe pas ou plus.",
                Subject::Source => "Cette source d’agenda n’existe pas ou plus.",
            },
        ),
        StatusCode::FORBIDDEN if officer.user.role == Role::Viewer => read_only(headers),
        StatusCode::FORBIDDEN => action_refused(
            headers,
            match about {
                Subject::Event => {
                    "Votre compte ne permet pas cette action : un événement s’écrit pour une commune dont vous avez la charge, et seuls les valideurs et les administrateurs valident les événements, retirent ceux des sources ou remettent un événement à l’écran."
                }
                Subject::Source => {
                    "Seuls les valideurs et les administrateurs (et les agents d’une commune, quand ils publient eux-mêmes) règlent et importent les sources d’agenda de leur ressort."
                }
            },
        ),
        StatusCode::CONFLICT => error_page(
            headers,
            StatusCode::CONFLICT,
            "Action impossible",
            &conflict_text(&e.message),
        ),
        _ => server_error(headers, e),
    }
}

/// A 409 in French.
fn conflict_text(message: &str) -> String {
    if message.contains("would undo an edit") {
        "Cet événement vient d’une source d’agenda : le prochain import effacerait vos changements. Retirez-le des écrans à la place.".to_owned()
    } else if message.contains("would bring it back") {
        "Cet événement vient d’une source d’agenda : le prochain import le ramènerait. Retirez-le des écrans à la place.".to_owned()
    } else if message.contains("changed while approving") {
        "L’événement a changé pendant que vous le validiez : relisez-le, puis validez-le de nouveau.".to_owned()
    } else if message.contains("exists already") {
        "Un élément porte déjà cet identifiant ; réessayez.".to_owned()
    } else {
        format!("Le serveur a refusé cette action ({message}).")
    }
}

/// `POST /agenda/evenements/{id}/valider`.
async fn approve_post(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    posted: Posted,
) -> Response {
    let approved = edit::approve(&state, &posted.officer.user, &id).await;
    event_done(&posted, "valide", approved)
}

/// `POST /agenda/evenements/{id}/retirer`.
async fn withdraw_post(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    posted: Posted,
) -> Response {
    let withdrawn = edit::set_hidden(&state, &posted.officer.user, &id, true).await;
    event_done(&posted, "retire", withdrawn)
}

/// `POST /agenda/evenements/{id}/remettre`.
async fn restore_post(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    posted: Posted,
) -> Response {
    let restored = edit::set_hidden(&state, &posted.officer.user, &id, false).await;
    event_done(&posted, "remis", restored)
}

/// 303 to the list, telling what was `done` to the event `changed`; else the page saying
/// why not.
fn event_done(posted: &Posted, done: &str, changed: Result<StoredEvent, ApiError>) -> Response {
    match changed {
        Ok(e) => done_redirect(done, Some(&e.id)),
        Err(e) => refusal_page(&posted.headers, &posted.officer, &e, Subject::Event),
    }
}

// ---------------------------------------------------------------------------------------
// An event's own page
// ---------------------------------------------------------------------------------------

/// An event as it stands, read-only, with the actions the officer may take.
#[derive(Template)]
#[template(path = "agenda_evenement.html")]
struct EventPage {
    title: String,
    session: Option<SessionView>,
    csrf: String,
    e: EventLine,
    /// "Communauté de communes", or the commune it belongs to.
    owner: String,
    status: &'static str,
    /// The description in French, then the translations: (language, title, description).
    description: String,
    translations: Vec<(&'static str, String, String)>,
    /// Its id in its source.
    source_key: Option<String>,
    /// Since when it is no longer in its source.
    removed: Option<When>,
}

/// `GET /agenda/evenements/{id}`.
async fn event_page(
    State(state): State<Arc<AppState>>,
    officer: Officer,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let loaded = async {
        let e = edit::visible_event(&state, &officer.user, &id).await?;
        let sources = edit::visible_sources(&state, &officer.user).await?;
        Ok::<_, ApiError>((e, sources))
    }
    .await;
    let (e, sources) = match loaded {
        Ok(x) => x,
        Err(err) => return refusal_page(&headers, &officer, &err, Subject::Event),
    };
    let now = Timestamp::now();
    let line = event_line(
        &e,
        &Dates::of(&e, now),
        DATES_ON_PAGE,
        &source_names(&sources),
        Rights::of(&state, &officer),
        today(now),
    );
    let translations = LANGUAGES
        .iter()
        .skip(1)
        .map(|(code, name)| {
            let lang: Lang = code.parse().unwrap_or_else(|_| Lang::fr());
            (
                *name,
                in_lang(&e.record.title, &lang),
                in_lang(&e.record.description, &lang),
            )
        })
        .filter(|(_, t, d)| !t.is_empty() || !d.is_empty())
        .collect();
    render(&EventPage {
        title: line.title.clone(),
        session: Some(officer.view()),
        csrf: officer.csrf.clone(),
        owner: owner_words(e.owner.as_ref()),
        status: status_label(e.record.status),
        description: in_lang(&e.record.description, &Lang::fr()),
        translations,
        source_key: e.source_key.clone(),
        removed: stored_when(e.removed_at.as_deref()),
        e: line,
    })
}

// ---------------------------------------------------------------------------------------
// The event form
// ---------------------------------------------------------------------------------------

/// One date as typed: `datetime-local` values, Paris time.
#[derive(Debug, Clone, Default)]
pub(crate) struct DateRow {
    pub(crate) start: String,
    pub(crate) end: String,
}

/// A date row of the form, numbered from 1 (its fields are `debut_<n>` and `fin_<n>`).
#[derive(Debug)]
pub(crate) struct RowView {
    pub(crate) n: usize,
    pub(crate) start: String,
    pub(crate) end: String,
}

/// A field's value kept in the event form: what was typed, or the event.
///
/// The dates are rows of a start and an end (`datetime-local` pairs, which browsers offer
/// a picker for) rather than lines of text to type in a format: the filled rows show, then
/// [`EXTRA_DATE_ROWS`] empty ones folded under « Ajouter d’autres dates », which needs no
/// JavaScript; an event with more dates is saved, then edited again.
#[derive(Debug, Clone, Default)]
pub(crate) struct EventValues {
    /// A new event's form carries a token of its own, from which the event's id is made:
    /// the same form posted twice (a double click, a reload) names the same event, and the
    /// second post finds it written instead of writing another.
    pub(crate) nonce: String,
    /// INSEE code, or "" for the intercommunality.
    pub(crate) owner: String,
    pub(crate) title_fr: String,
    pub(crate) title_en: String,
    pub(crate) title_nl: String,
    pub(crate) text_fr: String,
    pub(crate) text_en: String,
    pub(crate) text_nl: String,
    /// The rows typed, blank ones left out.
    pub(crate) dates: Vec<DateRow>,
    pub(crate) all_day: bool,
    pub(crate) place: String,
    pub(crate) address: String,
    /// INSEE code, or "" for the owner's commune (the whole territory for the
    /// intercommunality).
    pub(crate) commune: String,
    pub(crate) category: String,
    pub(crate) status: String,
    pub(crate) link: String,
    /// SHA-256 of the picture, or "".
    pub(crate) image: String,
}

impl EventValues {
    /// Whether a translation was typed (the translations then show open).
    pub(crate) fn translated(&self) -> bool {
        [&self.title_en, &self.title_nl, &self.text_en, &self.text_nl]
            .iter()
            .any(|s| !s.trim().is_empty())
    }

    /// The rows shown open (those typed, or one to fill in) and the empty ones folded.
    fn rows(&self) -> (Vec<RowView>, Vec<RowView>) {
        let mut shown: Vec<RowView> = self
            .dates
            .iter()
            .enumerate()
            .map(|(i, d)| RowView {
                n: i + 1,
                start: d.start.clone(),
                end: d.end.clone(),
            })
            .collect();
        if shown.is_empty() {
            shown.push(RowView {
                n: 1,
                start: String::new(),
                end: String::new(),
            });
        }
        let first = shown.len() + 1;
        let extra = (first..first + EXTRA_DATE_ROWS)
            .map(|n| RowView {
                n,
                start: String::new(),
                end: String::new(),
            })
            .collect();
        (shown, extra)
    }

    /// The id a new event written from this form gets: a slug of its title, then the form's
    /// token; `None` without a token (the rules then make one up).
    fn id(&self) -> Option<String> {
        let nonce = self.nonce.trim();
        if nonce.len() != NONCE_LEN || !nonce.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        // `make_id` ends the slug with a random suffix after its last '-'; the form's token
        // takes its place.
        let made = crate::rules::make_id(self.title_fr.trim(), "evenement");
        let slug = made.rsplit_once('-').map_or(made.as_str(), |(s, _)| s);
        Some(format!("{slug}-{nonce}"))
    }

    /// A problem of date row `index`: the sentence as it is when the form has one row, else
    /// after the row's number ("Date 2 : la fin doit venir après le début.").
    fn on_row(&self, index: Option<usize>, sentence: &str) -> String {
        match index.filter(|_| self.dates.len() > 1) {
            None => sentence.to_owned(),
            Some(i) => {
                let mut chars = sentence.chars();
                let first: String = chars
                    .next()
                    .into_iter()
                    .flat_map(char::to_lowercase)
                    .collect();
                format!("Date {} : {first}{}", i + 1, chars.as_str())
            }
        }
    }
}

/// A `datetime-local` value as a local date and time; a date alone is its midnight (for
/// whole days).
fn local_date_time(value: &str) -> Option<DateTime> {
    let value = value.trim();
    value.parse::<DateTime>().ok().or_else(|| {
        value
            .parse::<Date>()
            .ok()
            .map(|d| d.to_datetime(jiff::civil::Time::midnight()))
    })
}

/// The event form.
#[derive(Template)]
#[template(path = "agenda_formulaire.html")]
struct FormPage {
    title: &'static str,
    session: Option<SessionView>,
    csrf: String,
    action: String,
    editing: Option<Editing>,
    v: EventValues,
    errors: Errors,
    owners: Vec<Choice>,
    communes: Vec<Choice>,
    categories: Vec<Choice>,
    statuses: Vec<Choice>,
    rows: Vec<RowView>,
    extra_rows: Vec<RowView>,
    pictures: Vec<Picture>,
    /// The chosen picture is not in the library (any more).
    unknown_picture: bool,
    /// Whether the officer's events wait for an approver.
    waits: bool,
    /// The stored event, for its actions (validate, withdraw, delete).
    stored: Option<EventLine>,
}

impl EditForm for EventValues {
    type Stored = StoredEvent;
    type Input = EventInput;

    fn may_open(rights: Rights<'_>) -> bool {
        rights.writes_any()
    }

    fn may_change(rights: Rights<'_>, e: &StoredEvent) -> bool {
        rights.writes(e.owner.as_ref())
    }

    /// An imported event is neither edited nor deleted here: the next import would undo the
    /// edit, or bring it back.
    async fn load(
        state: &AppState,
        user: &User,
        id: &str,
        intent: Intent,
    ) -> Result<StoredEvent, ApiError> {
        let e = edit::visible_event(state, user, id).await?;
        if e.source.is_some() {
            return Err(ApiError::conflict(match intent {
                Intent::Edit => "would undo an edit",
                Intent::Delete => "would bring it back",
            }));
        }
        Ok(e)
    }

    fn editing(e: &StoredEvent) -> Editing {
        Editing {
            id: e.id.clone(),
            name: headline(&e.record.title),
        }
    }

    fn fresh(user: &User) -> Self {
        EventValues {
            nonce: crate::auth::tokens::random_hex()[..NONCE_LEN].to_owned(),
            owner: default_owner(user),
            category: category_value(EventCategory::Other).to_owned(),
            status: status_value(EventStatus::Scheduled).to_owned(),
            ..EventValues::default()
        }
    }

    /// The form of event `e` as it is: its dates as written, in Paris time.
    fn of(e: &StoredEvent) -> Self {
        let r = &e.record;
        let occurrences = match &r.timing {
            beffroi_agenda::Timing::List { occurrences } => occurrences.clone(),
            // The officer's events are lists; a series shows its coming dates.
            timing @ beffroi_agenda::Timing::Series(_) => {
                let now = Timestamp::now();
                timing.occurrences(now, now + AHEAD)
            }
        };
        let all_day = occurrences.first().is_some_and(|o| o.all_day);
        let field = |z: &jiff::ZonedDateTime| {
            z.with_time_zone(Zone::paris().tz())
                .strftime("%Y-%m-%dT%H:%M")
                .to_string()
        };
        let dates = occurrences
            .iter()
            .map(|o| DateRow {
                start: field(&o.start),
                // An all-day event's end is the midnight after its last day; the form
                // holds the last day.
                end: if o.all_day {
                    o.end
                        .yesterday()
                        .map(|d| field(&d))
                        .unwrap_or_else(|_| field(&o.end))
                } else {
                    field(&o.end)
                },
            })
            .collect();
        EventValues {
            nonce: String::new(),
            owner: e
                .owner
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            title_fr: in_lang(&r.title, &Lang::fr()),
            title_en: in_lang(&r.title, &Lang::en()),
            title_nl: in_lang(&r.title, &Lang::nl()),
            text_fr: in_lang(&r.description, &Lang::fr()),
            text_en: in_lang(&r.description, &Lang::en()),
            text_nl: in_lang(&r.description, &Lang::nl()),
            dates,
            all_day,
            place: r.place.name.clone(),
            address: r.place.address.clone(),
            // The commune is stored whole; the form says "the owner's" when it is that.
            commune: e
                .commune
                .as_ref()
                .filter(|c| Some(*c) != e.owner.as_ref())
                .map(ToString::to_string)
                .unwrap_or_default(),
            category: category_value(r.category).to_owned(),
            status: status_value(r.status).to_owned(),
            link: r.url.clone().unwrap_or_default(),
            image: e
                .image
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
        }
    }

    fn parse(fields: Fields) -> Self {
        let mut v = EventValues::default();
        let mut rows: BTreeMap<usize, DateRow> = BTreeMap::new();
        for (name, value) in lines(fields) {
            if let Some((field, n)) = name.split_once('_')
                && let Ok(n) = n.parse::<usize>()
                && matches!(field, "debut" | "fin")
            {
                let row = rows.entry(n).or_default();
                if field == "debut" {
                    row.start = value;
                } else {
                    row.end = value;
                }
                continue;
            }
            match name.as_str() {
                "jeton" => v.nonce = value,
                "proprietaire" => v.owner = value,
                "titre_fr" => v.title_fr = value,
                "titre_en" => v.title_en = value,
                "titre_nl" => v.title_nl = value,
                "description_fr" => v.text_fr = value,
                "description_en" => v.text_en = value,
                "description_nl" => v.text_nl = value,
                "journee" => v.all_day = !value.is_empty(),
                "lieu" => v.place = value,
                "adresse" => v.address = value,
                "commune" => v.commune = value,
                "categorie" => v.category = value,
                "statut" => v.status = value,
                "lien" => v.link = value,
                "image" => v.image = value,
                _ => {}
            }
        }
        // Blank rows are the form's spare ones; the rows keep the order shown.
        v.dates = rows
            .into_values()
            .filter(|r| !r.start.trim().is_empty() || !r.end.trim().is_empty())
            .collect();
        v
    }

    /// The shared rules' input. What the page alone can tell is wrong (a date that is not
    /// one, a choice not in the list) comes back as problems instead; the rules see the
    /// rest, the French title always (so that a blank one is refused by them).
    fn input(&self) -> Result<EventInput, Errors> {
        let mut errors = Errors::default();
        let owner = owner_field(
            &self.owner,
            "Choisissez l’organisateur dans la liste.",
            &mut errors,
        );
        let commune = match self.commune.trim() {
            "" => None,
            code => code
                .parse::<Insee>()
                .inspect_err(|_| {
                    errors.push(Some("commune"), "Choisissez la commune dans la liste.");
                })
                .ok(),
        };
        let category = CATEGORIES
            .iter()
            .find(|(_, v)| *v == self.category.trim())
            .map(|(c, _)| *c);
        if category.is_none() {
            errors.push(Some("categorie"), "Choisissez la catégorie dans la liste.");
        }
        let status = STATUSES
            .iter()
            .find(|(_, v)| *v == self.status.trim())
            .map(|(s, _)| *s);
        if status.is_none() {
            errors.push(Some("statut"), "Choisissez le statut dans la liste.");
        }
        let image = match self.image.trim() {
            "" => None,
            sha => sha
                .parse::<Sha256>()
                .inspect_err(|_| errors.push(Some("image"), "Choisissez l’image dans la liste."))
                .ok(),
        };
        let mut dates = Vec::new();
        for (i, row) in self.dates.iter().enumerate() {
            let unreadable = |what: &str| {
                self.on_row(
                    Some(i),
                    &format!(
                        "{what} est illisible : choisissez une date et une heure (par exemple 2026-12-05T14:30)."
                    ),
                )
            };
            let start = match row.start.trim() {
                "" => {
                    errors.push(Some("dates"), self.on_row(Some(i), "Indiquez le début."));
                    None
                }
                s => local_date_time(s).or_else(|| {
                    errors.push(Some("dates"), unreadable("Le début"));
                    None
                }),
            };
            let end = match row.end.trim() {
                "" => None,
                s => local_date_time(s).or_else(|| {
                    errors.push(Some("dates"), unreadable("La fin"));
                    None
                }),
            };
            if let Some(start) = start {
                dates.push(DateInput { start, end });
            }
        }
        let (Some(category), Some(status), true) = (category, status, errors.is_empty()) else {
            return Err(errors);
        };
        let link = self.link.trim();
        Ok(EventInput {
            id: self.id(),
            owner,
            title: typed_text([&self.title_fr, &self.title_en, &self.title_nl], true),
            description: typed_text([&self.text_fr, &self.text_en, &self.text_nl], false),
            dates,
            all_day: self.all_day,
            place: self.place.trim().to_owned(),
            address: self.address.trim().to_owned(),
            commune,
            category,
            status,
            url: (!link.is_empty()).then(|| link.to_owned()),
            image,
        })
    }

    /// The problems of a refusal by the shared rules, in French, by field.
    fn errors(&self, e: &ApiError) -> Errors {
        Errors::from_refusal(e, |p| event_problem(self, p))
    }

    /// Writes through the shared rules. A new event's id comes from the form's token: when
    /// it exists already, written by this officer, the form was posted twice and the first
    /// post wrote it.
    async fn write(
        state: &AppState,
        user: &User,
        id: Option<&str>,
        input: EventInput,
    ) -> Result<String, ApiError> {
        let planned = input.id.clone();
        match edit::save_event(state, user, id, input).await {
            Ok(saved) => Ok(saved.id),
            Err(e) if id.is_none() && e.status == StatusCode::CONFLICT => {
                let Some(planned) = planned else {
                    return Err(e);
                };
                match edit::visible_event(state, user, &planned).await {
                    Ok(first)
                        if first.source.is_none()
                            && first.created_by.as_deref() == Some(user.username.as_str()) =>
                    {
                        Ok(first.id)
                    }
                    _ => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    fn done(id: &str, created: bool) -> Response {
        done_redirect(if created { "cree" } else { "modifie" }, Some(id))
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
        let loaded = async {
            let pictures = pictures(state, &officer.user, v.image.trim()).await?;
            let stored = match &editing {
                Some(e) => Some(edit::visible_event(state, &officer.user, &e.id).await?),
                None => None,
            };
            Ok::<_, ApiError>((pictures, stored))
        }
        .await;
        let (pictures, stored) = match loaded {
            Ok(x) => x,
            // The event deleted meanwhile says so; anything else is the server's.
            Err(e) => return refusal_page(headers, officer, &e, Subject::Event),
        };
        let (action, title) = match &editing {
            None => ("/agenda/nouveau".to_owned(), "Nouvel événement"),
            Some(e) => (
                format!("/agenda/evenements/{}/modifier", e.id),
                "Modifier l’événement",
            ),
        };
        let now = Timestamp::now();
        let rights = Rights::of(state, officer);
        let stored = stored.map(|e| {
            event_line(
                &e,
                &Dates::of(&e, now),
                DATES_ON_LIST,
                &HashMap::new(),
                rights,
                today(now),
            )
        });
        let mut communes = vec![none_option(
            "Celle de l’organisateur (pour la communauté de communes : tout le territoire)",
            &v.commune,
        )];
        communes.extend(commune_choices(
            &officer.user,
            &[v.commune.trim().to_owned()],
        ));
        let (rows, extra_rows) = v.rows();
        let page = FormPage {
            title,
            session: Some(officer.view()),
            csrf: officer.csrf.clone(),
            action,
            editing,
            owners: owner_choices(&officer.user, v.owner.trim()),
            communes,
            categories: options(
                CATEGORIES
                    .iter()
                    .map(|(c, value)| (*value, category_label(*c))),
                v.category.trim(),
            ),
            statuses: options(
                STATUSES.iter().map(|(s, value)| (*value, status_label(*s))),
                v.status.trim(),
            ),
            rows,
            extra_rows,
            unknown_picture: !v.image.trim().is_empty() && !pictures.iter().any(|p| p.checked),
            pictures,
            waits: !officer.user.publishes(state.settings.editors_self_publish),
            stored,
            v,
            errors,
        };
        (status, render(&page)).into_response()
    }

    fn deletion(e: &StoredEvent) -> Deletion {
        Deletion {
            title: "Supprimer l’événement ?",
            question: format!("Supprimer l’événement « {} » ?", headline(&e.record.title)),
            consequence: "Il disparaît des écrans à leur prochaine mise à jour, et de cet agenda. Pour seulement le suspendre, retirez-le plutôt : vous pourrez le remettre.".into(),
            action: format!("/agenda/evenements/{}/supprimer", e.id),
            back: format!("/agenda/evenements/{}", e.id),
        }
    }

    async fn delete(state: &AppState, user: &User, id: &str) -> Result<(), ApiError> {
        edit::delete_event(state, user, id).await
    }

    fn deleted() -> Response {
        done_redirect("supprime", None)
    }

    fn read_only(headers: &HeaderMap) -> Response {
        read_only(headers)
    }

    fn refused(headers: &HeaderMap, officer: &Officer, e: &ApiError) -> Response {
        refusal_page(headers, officer, e, Subject::Event)
    }
}

/// One problem of a refused event, in French, with the form's field at fault.
fn event_problem(v: &EventValues, p: &Problem<'_>) -> (Option<&'static str>, String) {
    let has = |s: &str| p.says(s);
    let language = |base: &str| {
        base.split_once('.')
            .map_or("français", |(_, code)| language_name(code))
    };
    match p.field {
        b if b.starts_with("title") => (
            Some("titre_fr"),
            if has("longer than") {
                format!(
                    "Le titre en {} dépasse {MAX_TITLE} caractères : mettez la suite dans la description.",
                    language(b)
                )
            } else {
                "Saisissez le titre en français : il s’affiche en grand sur les écrans.".to_owned()
            },
        ),
        b if b.starts_with("description") => (
            Some("description_fr"),
            format!(
                "La description en {} dépasse {MAX_DESCRIPTION} caractères : raccourcissez-la.",
                language(b)
            ),
        ),
        "dates" => (
            Some("dates"),
            if has("at least one") {
                "Indiquez au moins une date : le début de l’événement.".to_owned()
            } else if has("at most") {
                format!(
                    "Un événement a au plus {MAX_DATES} dates : créez-en un autre pour la suite."
                )
            } else if has("not after the start") {
                v.on_row(p.index, "La fin doit venir après le début.")
            } else {
                v.on_row(p.index, "Cette date n’existe pas dans le calendrier.")
            },
        ),
        "owner" => (
            Some("proprietaire"),
            "Choisissez l’organisateur dans la liste : une commune de la communauté de communes."
                .to_owned(),
        ),
        "communes" => (
            Some("commune"),
            commune_problem(
                p,
                &[v.commune.trim().to_owned()],
                &v.owner,
                "écrire d’événement",
            ),
        ),
        "commune" => (
            Some("commune"),
            "Un événement d’une commune a lieu dans cette commune : choisissez-la, ou « Celle de l’organisateur ».".to_owned(),
        ),
        "place" => (
            Some("lieu"),
            "Le nom du lieu dépasse 200 caractères : raccourcissez-le.".to_owned(),
        ),
        "address" => (
            Some("adresse"),
            "L’adresse dépasse 200 caractères : raccourcissez-la.".to_owned(),
        ),
        "url" => (
            Some("lien"),
            "Le lien doit être une adresse web complète, qui commence par https:// ou http://."
                .to_owned(),
        ),
        "image" => (
            Some("image"),
            if has("another commune") {
                "Cette image appartient à une autre commune : choisissez une image partagée ou une image de la commune de l’événement.".to_owned()
            } else {
                "Cette image n’existe plus : choisissez-en une autre.".to_owned()
            },
        ),
        _ => (
            None,
            format!("Le serveur a refusé l’événement ({}).", p.detail),
        ),
    }
}

// ---------------------------------------------------------------------------------------
// Sources
// ---------------------------------------------------------------------------------------

/// A field's value kept in the source form.
#[derive(Debug, Clone, Default)]
pub(crate) struct SourceValues {
    pub(crate) name: String,
    pub(crate) format: String,
    pub(crate) url: String,
    pub(crate) owner: String,
    /// The commune of events whose place names none of the territory; "": the owner's.
    pub(crate) commune: String,
    pub(crate) zone: String,
    /// A category's name, or "": guessed from the words.
    pub(crate) category: String,
    pub(crate) refresh_minutes: String,
    pub(crate) enabled: bool,
}

/// The source form.
#[derive(Template)]
#[template(path = "agenda_source_formulaire.html")]
struct SourceFormPage {
    title: &'static str,
    session: Option<SessionView>,
    csrf: String,
    action: String,
    editing: Option<Editing>,
    v: SourceValues,
    errors: Errors,
    owners: Vec<Choice>,
    formats: Vec<Choice>,
    communes: Vec<Choice>,
    categories: Vec<Choice>,
}

impl EditForm for SourceValues {
    type Stored = StoredSource;
    type Input = SourceSettings;

    fn may_open(rights: Rights<'_>) -> bool {
        rights.publishes_any()
    }

    fn may_change(rights: Rights<'_>, s: &StoredSource) -> bool {
        rights.publishes(s.owner.as_ref())
    }

    async fn load(
        state: &AppState,
        user: &User,
        id: &str,
        _intent: Intent,
    ) -> Result<StoredSource, ApiError> {
        edit::visible_source(state, user, id).await
    }

    fn editing(s: &StoredSource) -> Editing {
        Editing {
            id: s.id.clone(),
            name: s.name.clone(),
        }
    }

    /// A new source's form, with the API's defaults.
    fn fresh(user: &User) -> Self {
        SourceValues {
            format: format_value(Format::Ical).to_owned(),
            owner: default_owner(user),
            zone: "Europe/Paris".into(),
            refresh_minutes: "360".into(),
            enabled: true,
            ..SourceValues::default()
        }
    }

    fn of(s: &StoredSource) -> Self {
        SourceValues {
            name: s.name.clone(),
            format: format_value(s.format).to_owned(),
            url: s.url.clone().unwrap_or_default(),
            owner: s
                .owner
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            commune: s
                .commune
                .as_ref()
                .filter(|c| Some(*c) != s.owner.as_ref())
                .map(ToString::to_string)
                .unwrap_or_default(),
            zone: s.zone.clone(),
            category: s.category.map(category_value).unwrap_or("").to_owned(),
            refresh_minutes: s.refresh_minutes.to_string(),
            enabled: s.enabled,
        }
    }

    fn parse(fields: Fields) -> Self {
        let mut v = SourceValues::default();
        for (name, value) in lines(fields) {
            match name.as_str() {
                "nom" => v.name = value,
                "format" => v.format = value,
                "adresse" => v.url = value,
                "proprietaire" => v.owner = value,
                "commune" => v.commune = value,
                "zone" => v.zone = value,
                "categorie" => v.category = value,
                "frequence" => v.refresh_minutes = value,
                "actif" => v.enabled = !value.is_empty(),
                _ => {}
            }
        }
        v
    }

    /// The shared rules' input. A number that is not one goes to the rules as 0, which
    /// they refuse naming its field and its range.
    fn input(&self) -> Result<SourceSettings, Errors> {
        let mut errors = Errors::default();
        let owner = owner_field(
            &self.owner,
            "Choisissez la commune de la source dans la liste.",
            &mut errors,
        );
        let commune = match self.commune.trim() {
            "" => None,
            code => code
                .parse::<Insee>()
                .inspect_err(|_| {
                    errors.push(Some("commune"), "Choisissez la commune dans la liste.");
                })
                .ok(),
        };
        let format = FORMATS
            .into_iter()
            .find(|f| format_value(*f) == self.format.trim());
        if format.is_none() {
            errors.push(
                Some("format"),
                "Choisissez le format : iCalendar, OpenAgenda, DATAtourisme ou Apidae.",
            );
        }
        let category = match self.category.trim() {
            "" => Some(None),
            value => CATEGORIES
                .iter()
                .find(|(_, v)| *v == value)
                .map(|(c, _)| Some(*c)),
        };
        if category.is_none() {
            errors.push(Some("categorie"), "Choisissez la catégorie dans la liste.");
        }
        let (Some(format), Some(category), true) = (format, category, errors.is_empty()) else {
            return Err(errors);
        };
        let url = self.url.trim();
        Ok(SourceSettings {
            id: None,
            name: self.name.clone(),
            format,
            url: (!url.is_empty()).then(|| url.to_owned()),
            owner,
            commune,
            zone: self.zone.trim().to_owned(),
            category,
            refresh_minutes: self.refresh_minutes.trim().parse().unwrap_or(0),
            enabled: self.enabled,
        })
    }

    fn errors(&self, e: &ApiError) -> Errors {
        Errors::from_refusal(e, |p| {
            match p.field {
            "name" => (
                Some("nom"),
                "Donnez un nom à la source (200 caractères au plus) : les écrans le citent.".to_owned(),
            ),
            "url" => (
                Some("adresse"),
                "L’adresse doit être complète et commencer par https:// ou http://. Laissez-la vide pour une source alimentée par des fichiers déposés.".to_owned(),
            ),
            "zone" => (
                Some("zone"),
                "Indiquez un fuseau horaire IANA, par exemple Europe/Paris.".to_owned(),
            ),
            "refresh_minutes" => (
                Some("frequence"),
                "Indiquez un nombre de minutes entre 5 et 10 080 (une semaine).".to_owned(),
            ),
            "owner" => (
                Some("proprietaire"),
                "Choisissez la commune de la source dans la liste.".to_owned(),
            ),
            "communes" => (
                Some("commune"),
                commune_problem(
                    p,
                    &[self.commune.trim().to_owned()],
                    &self.owner,
                    "régler de source d’agenda",
                ),
            ),
            _ => (None, format!("Le serveur a refusé la source ({}).", p.detail)),
        }
        })
    }

    async fn write(
        state: &AppState,
        user: &User,
        id: Option<&str>,
        settings: SourceSettings,
    ) -> Result<String, ApiError> {
        Ok(edit::save_source(state, user, id, settings).await?.id)
    }

    fn done(id: &str, created: bool) -> Response {
        source_redirect(id, if created { "cree" } else { "modifie" })
    }

    async fn page(
        self,
        _state: &AppState,
        officer: &Officer,
        _headers: &HeaderMap,
        editing: Option<Editing>,
        errors: Errors,
        status: StatusCode,
    ) -> Response {
        let v = self;
        let (action, title) = match &editing {
            None => (
                "/agenda/sources/nouvelle".to_owned(),
                "Nouvelle source d’agenda",
            ),
            Some(e) => (
                format!("/agenda/sources/{}/modifier", e.id),
                "Réglages de la source",
            ),
        };
        let mut communes = vec![none_option(
            "Celle de la source (aucune pour la communauté de communes)",
            &v.commune,
        )];
        communes.extend(commune_choices(
            &officer.user,
            &[v.commune.trim().to_owned()],
        ));
        let mut categories = vec![none_option(
            "Devinée d’après les mots de l’événement",
            &v.category,
        )];
        categories.extend(options(
            CATEGORIES
                .iter()
                .map(|(c, value)| (*value, category_label(*c))),
            v.category.trim(),
        ));
        let page = SourceFormPage {
            title,
            session: Some(officer.view()),
            csrf: officer.csrf.clone(),
            action,
            editing,
            owners: owner_choices(&officer.user, v.owner.trim()),
            formats: options(FORMATS.into_iter().map(format_words), v.format.trim()),
            communes,
            categories,
            v,
            errors,
        };
        (status, render(&page)).into_response()
    }

    fn deletion(s: &StoredSource) -> Deletion {
        Deletion {
            title: "Supprimer la source ?",
            question: format!("Supprimer la source « {} » ?", s.name),
            consequence: "Les événements qui en viennent sont supprimés avec elle et disparaissent des écrans à leur prochaine mise à jour. Pour seulement arrêter les imports, décochez « Importer automatiquement » dans ses réglages.".into(),
            action: format!("/agenda/sources/{}/supprimer", s.id),
            back: format!("/agenda/sources/{}", s.id),
        }
    }

    async fn delete(state: &AppState, user: &User, id: &str) -> Result<(), ApiError> {
        edit::delete_source(state, user, id).await
    }

    fn deleted() -> Response {
        done_redirect("source-supprimee", None)
    }

    fn read_only(headers: &HeaderMap) -> Response {
        read_only(headers)
    }

    fn refused(headers: &HeaderMap, officer: &Officer, e: &ApiError) -> Response {
        refusal_page(headers, officer, e, Subject::Source)
    }
}

/// 303 to a source's page, telling what was done.
fn source_redirect(id: &str, done: &str) -> Response {
    let id: String = url::form_urlencoded::byte_serialize(id.as_bytes()).collect();
    Redirect::to(&format!("/agenda/sources/{id}?fait={done}")).into_response()
}

// ---------------------------------------------------------------------------------------
// Import reports
// ---------------------------------------------------------------------------------------

/// One import of a source's history.
#[derive(Debug)]
pub(crate) struct ReportView {
    pub(crate) at: Option<When>,
    pub(crate) at_raw: String,
    /// « Planifié », « Manuel, par admin », « Fichier déposé par admin ».
    pub(crate) trigger: String,
    /// What it did, counted; `None` when it failed.
    pub(crate) counts: Option<String>,
    pub(crate) error: Option<String>,
    /// One line per item added, updated, cancelled, removed or failed.
    pub(crate) items: Vec<ItemView>,
}

/// One item of an import report.
#[derive(Debug)]
pub(crate) struct ItemView {
    /// Its title, else its id in the source.
    pub(crate) name: String,
    /// Its id in the source, when the title is shown.
    pub(crate) key: Option<String>,
    pub(crate) outcome: &'static str,
    pub(crate) class: &'static str,
    pub(crate) message: Option<String>,
    /// The message is the reader's own, in English (which field, which value).
    pub(crate) message_en: bool,
}

/// What an import did, in French: « 3 ajoutés · 1 mis à jour · 12 inchangés », or that the
/// source had not changed.
fn report_counts(r: &ImportReport) -> String {
    if r.not_modified {
        return "Pas de changement (304)".to_owned();
    }
    let parts: Vec<String> = [
        (r.added, "ajouté", "ajoutés"),
        (r.updated, "mis à jour", "mis à jour"),
        (r.cancelled, "annulé", "annulés"),
        (r.removed, "retiré", "retirés"),
        (r.failed, "en erreur", "en erreur"),
        (r.unchanged, "inchangé", "inchangés"),
    ]
    .into_iter()
    .filter(|(n, ..)| *n > 0)
    .map(|(n, one, many)| count(n, one, many))
    .collect();
    if parts.is_empty() {
        "Aucun événement".to_owned()
    } else {
        parts.join(" · ")
    }
}

/// An outcome in words, with its badge's class.
fn outcome_words(o: Outcome) -> (&'static str, &'static str) {
    match o {
        Outcome::Added => ("Ajouté", "en-ligne"),
        Outcome::Updated => ("Mis à jour", "programmee"),
        Outcome::Cancelled => ("Annulé", "attente"),
        Outcome::Removed => ("Retiré de la source", "retiree"),
        Outcome::Error => ("Erreur", "echec"),
    }
}

/// The import's own words about an item, in French when they are known; else as they came
/// (a reader's problem, naming a field of the file) and `false`.
fn item_message(m: &str) -> (String, bool) {
    if m == "back in the source" {
        return ("De retour dans la source.".to_owned(), true);
    }
    if m.starts_with("no longer in the source") {
        return (
            "N’est plus dans la source : retiré des écrans.".to_owned(),
            true,
        );
    }
    if let Some(place) = m
        .strip_prefix("not in a commune of the territory (")
        .and_then(|r| r.strip_suffix("): not shown"))
    {
        let place = if place == "no place given" {
            "aucun lieu indiqué"
        } else {
            place
        };
        return (
            format!("Hors du territoire ({place}) : pas affiché sur les écrans."),
            true,
        );
    }
    (m.to_owned(), false)
}

fn report_view(r: &ImportReport) -> ReportView {
    let who = r.user.clone().unwrap_or_else(|| "(compte supprimé)".into());
    ReportView {
        at: stored_when(Some(&r.at)),
        at_raw: r.at.clone(),
        trigger: match r.trigger.as_str() {
            "schedule" => "Planifié".to_owned(),
            "manual" => format!("Manuel, par {who}"),
            "file" => format!("Fichier déposé par {who}"),
            other => other.to_owned(),
        },
        counts: r.error.is_none().then(|| report_counts(r)),
        error: r.error.clone(),
        items: r
            .items
            .iter()
            .map(|l| {
                let (outcome, class) = outcome_words(l.outcome);
                let (message, message_en) = match l.message.as_deref().map(item_message) {
                    Some((m, french)) => (Some(m), !french),
                    None => (None, false),
                };
                let title = l.title.clone().filter(|t| !t.trim().is_empty());
                ItemView {
                    key: l.key.clone().filter(|_| title.is_some()),
                    name: title
                        .or_else(|| l.key.clone())
                        .unwrap_or_else(|| "(sans titre ni identifiant)".to_owned()),
                    outcome,
                    class,
                    message,
                    message_en,
                }
            })
            .collect(),
    }
}

/// A source's page: its settings, its last import, the forms to import it, its reports.
#[derive(Template)]
#[template(path = "agenda_source.html")]
struct SourcePage {
    title: String,
    session: Option<SessionView>,
    csrf: String,
    s: SourceLine,
    result: Option<Notice>,
    reports: Vec<ReportView>,
    max_mib: usize,
}

/// `?fait=…` on a source's page.
#[derive(Debug, Default, Deserialize)]
pub(super) struct SourceQuery {
    #[serde(default)]
    fait: Option<String>,
}

/// The source's page with `result`, answered with `status`.
async fn source_page_with(
    state: &AppState,
    officer: &Officer,
    headers: &HeaderMap,
    id: &str,
    done: Option<&str>,
    result: Option<Notice>,
    status: StatusCode,
) -> Response {
    let s = match edit::visible_source(state, &officer.user, id).await {
        Ok(s) => s,
        Err(e) => return refusal_page(headers, officer, &e, Subject::Source),
    };
    let loaded = async {
        let mut conn = state.db.acquire().await?;
        let events = store::source_events(&mut conn, &s.id).await?.len();
        let reports = store::imports(&mut conn, &s.id, REPORTS_SHOWN).await?;
        Ok::<_, ApiError>((events, reports))
    }
    .await;
    let (events, reports) = match loaded {
        Ok(x) => x,
        Err(e) => return server_error(headers, &e),
    };
    let result = result.or_else(|| match done? {
        "cree" => Some(Notice::success(if s.url.is_some() {
            format!(
                "La source « {} » est créée : elle sera importée à sa prochaine vérification automatique, ou tout de suite avec « Importer maintenant ».",
                s.name
            )
        } else {
            format!(
                "La source « {} » est créée : déposez ci-dessous un fichier pour l’importer.",
                s.name
            )
        })),
        "modifie" => Some(Notice::success(format!(
            "Les réglages de la source « {} » sont enregistrés.",
            s.name
        ))),
        "importe" => reports.first().map(|r| match &r.error {
            None if r.not_modified => Notice::success(
                "Import terminé : la source n’a pas changé depuis le dernier import (304).",
            ),
            None => Notice::success(format!("Import terminé : {}.", report_counts(r))),
            Some(e) => failed_import(e),
        }),
        _ => None,
    });
    let page = SourcePage {
        title: format!("Source « {} »", s.name),
        session: Some(officer.view()),
        csrf: officer.csrf.clone(),
        s: source_line(&s, events, Rights::of(state, officer)),
        result,
        reports: reports.iter().map(report_view).collect(),
        max_mib: MAX_SOURCE_BYTES >> 20,
    };
    (status, render(&page)).into_response()
}

/// An import that failed, in French around the reason.
fn failed_import(error: &str) -> Notice {
    Notice::error(format!(
        "L’import a échoué : {error}. Les événements déjà importés de cette source restent affichés."
    ))
}

/// `GET /agenda/sources/{id}`.
async fn source_page(
    State(state): State<Arc<AppState>>,
    officer: Officer,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<SourceQuery>,
) -> Response {
    source_page_with(
        &state,
        &officer,
        &headers,
        &id,
        q.fait.as_deref(),
        None,
        StatusCode::OK,
    )
    .await
}

/// `POST /agenda/sources/{id}/importer`: fetches the source's address now.
async fn import_post(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Posted {
        officer, headers, ..
    }: Posted,
) -> Response {
    import(&state, &officer, &headers, &id, None).await
}

/// Imports source `id` (from `file` when given) through the shared rules: 303 to its page
/// with the report, or its page with the error (422 for a file, 502 for an address, as the
/// API).
async fn import(
    state: &AppState,
    officer: &Officer,
    headers: &HeaderMap,
    id: &str,
    file: Option<Vec<u8>>,
) -> Response {
    let status = if file.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::BAD_GATEWAY
    };
    match edit::import_now(state, &officer.user, id, file).await {
        Ok(report) => match &report.error {
            None => source_redirect(id, "importe"),
            Some(e) => {
                let notice = Some(failed_import(e));
                source_page_with(state, officer, headers, id, None, notice, status).await
            }
        },
        Err(e) => refusal_page(headers, officer, &e, Subject::Source),
    }
}

/// `POST /agenda/sources/{id}/fichier` (multipart): imports the uploaded file.
async fn upload_post(
    State(state): State<Arc<AppState>>,
    officer: Officer,
    headers: HeaderMap,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let upload = Upload {
        max_bytes: MAX_SOURCE_BYTES,
        what: "un agenda",
        page: "de la page de la source",
    };
    match uploaded(&officer, &headers, multipart, upload).await {
        Err(refused) => refused,
        Ok(Some(bytes)) => import(&state, &officer, &headers, &id, Some(bytes)).await,
        Ok(None) => {
            let notice = Some(Notice::error(
                "Choisissez un fichier sur votre ordinateur avant d’importer.",
            ));
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            source_page_with(&state, &officer, &headers, &id, None, notice, status).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_names_are_those_of_the_api() {
        for (c, value) in CATEGORIES {
            assert_eq!(serde_json::to_value(c).unwrap(), value);
        }
        for (s, value) in STATUSES {
            assert_eq!(serde_json::to_value(s).unwrap(), value);
        }
        for f in FORMATS {
            assert_eq!(serde_json::to_value(f).unwrap(), format_value(f));
        }
    }

    #[test]
    fn reports_are_counted_the_french_way() {
        let r = ImportReport {
            added: 3,
            updated: 1,
            cancelled: 1,
            removed: 2,
            failed: 1,
            unchanged: 12,
            ..ImportReport::default()
        };
        assert_eq!(
            report_counts(&r),
            "3 ajoutés · 1 mis à jour · 1 annulé · 2 retirés · 1 en erreur · 12 inchangés"
        );
        let r = ImportReport {
            not_modified: true,
            ..ImportReport::default()
        };
        assert_eq!(report_counts(&r), "Pas de changement (304)");
        assert_eq!(report_counts(&ImportReport::default()), "Aucun événement");
    }

    #[test]
    fn the_imports_words_about_an_item_are_put_in_french() {
        assert_eq!(
            item_message("not in a commune of the territory (Paris): not shown"),
            (
                "Hors du territoire (Paris)\u{202f}: pas affiché sur les écrans.".to_owned(),
                true
            )
        );
        assert!(item_message("back in the source").1);
        let (m, french) = item_message("DTSTART: \"2026-13-45\" is not a date");
        assert!(!french);
        assert!(m.contains("DTSTART"));
    }

    #[test]
    fn a_new_events_id_comes_from_its_title_and_its_forms_token() {
        let v = EventValues {
            nonce: "0123abcd".into(),
            title_fr: "Fête de la soupe".into(),
            ..EventValues::default()
        };
        assert_eq!(v.id().as_deref(), Some("fete-de-la-soupe-0123abcd"));
        let blank = EventValues {
            nonce: "0123abcd".into(),
            ..EventValues::default()
        };
        assert_eq!(blank.id().as_deref(), Some("evenement-0123abcd"));
        let forged = EventValues {
            nonce: "../x".into(),
            ..v
        };
        assert_eq!(forged.id(), None);
    }
}
