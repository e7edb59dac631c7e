//! The alerts page, `/alertes`: the alerts the officer sees (live and upcoming, then those
//! ended in the last 7 days, each with its history) and, for those who may alert, raising,
//! editing and cancelling them in two steps: a form, then a summary to confirm ("Vérifiez
//! avant de diffuser") listing the screens reached.
//!
//! Every check and every write goes through the API's own functions (`check_change`,
//! `raise_alert`, `edit_alert`, `cancel_alert`), so that the page and the API follow one set
//! of rules; this module only turns forms into their input and their refusals into French.
//!
//! No JavaScript is needed: the confirmation carries the form's values in hidden fields, its
//! "Modifier" button posts them back to the form, and a change done answers 303 to the list,
//! which tells what happened from `?fait=…&alerte=…`.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use beffroi_protocol::alert::Severity;
use beffroi_protocol::format::typography;
use beffroi_protocol::text::{Lang, Text};
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;

use super::format::{When, commune_name, from_local_field, local_field, when};
use super::forms::{Choice, CsrfField, Errors, Fields, Posted, boxes, lines};
use super::{Notice, Officer, SessionView, action_refused, error_page, render};
use crate::alerts::{self, LogEntry, StoredAlert, Target};
use crate::api::alerts::{self as rules, AlertInput, Change, World};
use crate::api::error::ApiError;
use crate::server::AppState;

/// How long ended alerts stay in the list.
const RECENT: SignedDuration = SignedDuration::from_hours(7 * 24);

/// The default length of a new alert.
const DEFAULT_LENGTH: SignedDuration = SignedDuration::from_hours(6);

/// A severity as the page names it.
#[derive(Debug)]
pub(crate) struct Level {
    /// The API's name (`info`, `warning`, `critical`), the form's value.
    pub(crate) value: &'static str,
    /// The CSS class of its badge.
    pub(crate) class: &'static str,
    /// Its French name.
    pub(crate) label: &'static str,
    /// When to choose it.
    pub(crate) hint: &'static str,
}

/// The three severities, mildest first.
static LEVELS: [Level; 3] = [
    Level {
        value: "info",
        class: "information",
        label: "Information",
        hint: "à savoir : travaux, coupure d’eau annoncée, fermeture exceptionnelle",
    },
    Level {
        value: "warning",
        class: "vigilance",
        label: "Vigilance",
        hint: "soyez prudents : orages, route coupée, eau à faire bouillir",
    },
    Level {
        value: "critical",
        class: "urgence",
        label: "Urgence",
        hint: "danger immédiat : inondation, évacuation, confinement",
    },
];

fn level(s: Severity) -> &'static Level {
    &LEVELS[match s {
        Severity::Info => 0,
        Severity::Warning => 1,
        Severity::Critical => 2,
    }]
}

/// The languages the form always offers: French (required), then English and Dutch
/// (optional; the territory's visitors). Texts in other languages, given through the API,
/// are kept and shown as translations too.
const FORM_LANGUAGES: [&str; 3] = ["fr", "en", "nl"];

/// The French name of language `code` ("anglais"); the code itself for a rare one.
fn language_name(code: &str) -> String {
    match code {
        "fr" => "français",
        "en" => "anglais",
        "nl" => "néerlandais",
        "de" => "allemand",
        "es" => "espagnol",
        "it" => "italien",
        other => other,
    }
    .to_owned()
}

/// "1 écran", "3 écrans".
fn screens_count(n: usize) -> String {
    match n {
        1 => "1 écran".to_owned(),
        n => format!("{n} écrans"),
    }
}

/// The French text of a per-language text ("" when it has none).
fn french(t: &Text) -> String {
    t.get(&Lang::fr()).unwrap_or_default().to_owned()
}

/// "Communes : Fruges, Hucqueliers" (or the singular), when `names` is not empty.
fn named(singular: &str, plural: &str, names: Vec<String>) -> Option<String> {
    match names.len() {
        0 => None,
        1 => Some(format!("{singular} : {}", names[0])),
        _ => Some(format!("{plural} : {}", names.join(", "))),
    }
}

/// A target in words, one line per kind: "Tout le territoire", "Communes : Fruges, …",
/// "Groupe : Mairies", "Écrans : Mairie de Fruges, …".
fn target_words(t: &Target, w: &World) -> Vec<String> {
    if t.all {
        return vec!["Tout le territoire".to_owned()];
    }
    [
        named(
            "Commune",
            "Communes",
            t.communes
                .iter()
                .map(|c| commune_name(c.as_str()))
                .collect(),
        ),
        named(
            "Groupe",
            "Groupes",
            t.groups.iter().map(|g| w.group_name(g)).collect(),
        ),
        named(
            "Écran",
            "Écrans",
            t.screens.iter().map(|s| w.screen_name(s)).collect(),
        ),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The published screens `ids` by name, with the commune they stand in, sorted.
fn screen_names<'a>(ids: impl IntoIterator<Item = &'a String>, w: &World) -> Vec<String> {
    let mut names: Vec<String> = ids
        .into_iter()
        .map(|id| match w.published.screens.get(id) {
            Some(s) => format!(
                "{} ({})",
                s.body.name,
                commune_name(s.body.commune.as_str())
            ),
            None => w.screen_name(id),
        })
        .collect();
    names.sort_by_key(|n| n.to_lowercase());
    names
}

/// Where an alert stands at `now`, in words, and when it ended if it did.
fn standing(a: &StoredAlert, now: Timestamp) -> (&'static str, Option<Timestamp>) {
    let al = &a.alert;
    if al.cancelled {
        let at = a.updated_at.parse().unwrap_or(al.expires_at);
        ("Retirée", Some(at))
    } else if al.expires_at <= now {
        ("Terminée", Some(al.expires_at))
    } else if al.starts_at > now {
        ("À venir", None)
    } else {
        ("En cours", None)
    }
}

/// One alert of the list.
#[derive(Debug)]
pub(crate) struct AlertLine {
    pub(crate) id: String,
    pub(crate) level: &'static Level,
    pub(crate) title: String,
    pub(crate) state: &'static str,
    pub(crate) revision: u32,
    pub(crate) target: Vec<String>,
    /// "2 écrans", the published screens reached now.
    pub(crate) reached: String,
    pub(crate) starts: When,
    pub(crate) expires: When,
    /// When it was cancelled or expired.
    pub(crate) ended: Option<When>,
    pub(crate) by: String,
    /// The officer may edit and cancel it.
    pub(crate) may_change: bool,
}

fn line(a: &StoredAlert, w: &World, officer: &Officer, now: Timestamp) -> AlertLine {
    let (state, ended) = standing(a, now);
    AlertLine {
        id: a.alert.id.clone(),
        level: level(a.alert.severity),
        title: french(&a.alert.title),
        state,
        revision: a.alert.revision,
        target: target_words(&a.target, w),
        reached: screens_count(a.target.screens_in(&w.published).len()),
        starts: when(a.alert.starts_at),
        expires: when(a.alert.expires_at),
        ended: ended.map(when),
        by: a
            .created_by
            .clone()
            .unwrap_or_else(|| "(compte supprimé)".into()),
        may_change: ended.is_none() && w.may_change(&officer.user, a),
    }
}

/// The list page.
#[derive(Template)]
#[template(path = "alertes.html")]
struct ListPage {
    title: &'static str,
    session: Option<SessionView>,
    may_write: bool,
    result: Option<Notice>,
    current: Vec<AlertLine>,
    recent: Vec<AlertLine>,
}

/// `?fait=…&alerte=…`: what the officer just did, after the redirect.
#[derive(Debug, Deserialize)]
pub(super) struct Done {
    #[serde(default)]
    fait: Option<String>,
    #[serde(default)]
    alerte: Option<String>,
}

/// The world and the alerts `officer` sees that had not ended `RECENT` before `now`.
async fn seen_alerts(
    state: &AppState,
    officer: &Officer,
    now: Timestamp,
) -> Result<(World, Vec<StoredAlert>), ApiError> {
    let mut conn = state.db.acquire().await?;
    let w = rules::world(&mut conn).await?;
    let since = now.saturating_sub(RECENT).unwrap_or(now);
    let all = alerts::list(&mut conn, since, false).await?;
    let seen = all
        .into_iter()
        .filter(|a| w.sees(&officer.user, &a.target))
        .collect();
    Ok((w, seen))
}

/// `GET /alertes`.
pub(super) async fn page(
    State(state): State<Arc<AppState>>,
    officer: Officer,
    headers: HeaderMap,
    Query(done): Query<Done>,
) -> Response {
    let now = Timestamp::now();
    let (w, seen) = match seen_alerts(&state, &officer, now).await {
        Ok(x) => x,
        Err(e) => return server_error(&headers, &e),
    };
    let since = now.saturating_sub(RECENT).unwrap_or(now);
    let mut current = Vec::new();
    let mut recent = Vec::new();
    for a in &seen {
        match standing(a, now).1 {
            None => current.push((a, line(a, &w, &officer, now))),
            Some(end) if end > since => recent.push((end, line(a, &w, &officer, now))),
            Some(_) => {}
        }
    }
    // Those showing first, the most severe first; then those to come, the soonest first.
    current.sort_by_key(|(a, _)| {
        let showing = a.alert.starts_at <= now;
        (
            !showing,
            std::cmp::Reverse(if showing {
                a.alert.severity
            } else {
                Severity::Info
            }),
            a.alert.starts_at,
        )
    });
    recent.sort_by_key(|(end, _)| std::cmp::Reverse(*end));
    let result = done_notice(&done, &seen, &w);
    render(&ListPage {
        title: "Alertes",
        session: Some(officer.view()),
        may_write: rules::may_alert(&officer.user),
        result,
        current: current.into_iter().map(|(_, l)| l).collect(),
        recent: recent.into_iter().map(|(_, l)| l).collect(),
    })
}

/// The sentence telling what the officer just did (only about an alert they see).
fn done_notice(done: &Done, seen: &[StoredAlert], w: &World) -> Option<Notice> {
    let id = done.alerte.as_deref()?;
    let a = seen.iter().find(|a| a.alert.id == id)?;
    let title = french(&a.alert.title);
    let reached = screens_count(a.target.screens_in(&w.published).len());
    let text = match done.fait.as_deref()? {
        "diffusee" => format!("L’alerte « {title} » est diffusée : {reached} la reçoivent."),
        "modifiee" => format!(
            "L’alerte « {title} » est modifiée (révision {}) : {reached} la reçoivent.",
            a.alert.revision
        ),
        "retiree" => {
            format!("L’alerte « {title} » est retirée : les écrans cessent de l’afficher.")
        }
        "deja" => format!(
            "L’alerte « {title} » était déjà diffusée (le formulaire a été envoyé deux fois)."
        ),
        _ => return None,
    };
    Some(Notice::success(text))
}

/// The title and message in one language, as typed.
#[derive(Debug, Clone)]
pub(crate) struct Translation {
    /// `fr`, `en`, …
    pub(crate) code: String,
    /// "anglais".
    pub(crate) name: String,
    pub(crate) title: String,
    pub(crate) message: String,
}

/// A form's values: what was typed, or the alert as it is.
#[derive(Debug, Clone)]
pub(crate) struct Values {
    /// A new alert's id, once the confirmation step made one (a second post of the
    /// confirmation is then refused rather than raising the alert twice).
    pub(crate) id: String,
    /// The revision an edit was decided on.
    pub(crate) revision: Option<u32>,
    pub(crate) severity: String,
    /// French, English and Dutch, then any other language given.
    pub(crate) texts: Vec<Translation>,
    pub(crate) all: bool,
    pub(crate) communes: Vec<String>,
    pub(crate) groups: Vec<String>,
    pub(crate) screens: Vec<String>,
    /// `datetime-local`, Paris time.
    pub(crate) starts: String,
    /// `datetime-local`, Paris time.
    pub(crate) expires: String,
}

/// What the buttons of the form and of the confirmation ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Check the form and show the summary.
    Check,
    /// Back to the form with its values.
    Back,
    /// Write.
    Confirm,
}

/// A hidden field of the confirmation.
#[derive(Debug)]
pub(crate) struct Hidden {
    pub(crate) name: String,
    pub(crate) value: String,
}

impl Values {
    /// Empty values, with the form's languages.
    fn blank() -> Self {
        Values {
            id: String::new(),
            revision: None,
            severity: String::new(),
            texts: FORM_LANGUAGES
                .iter()
                .map(|code| Translation {
                    code: (*code).to_owned(),
                    name: language_name(code),
                    title: String::new(),
                    message: String::new(),
                })
                .collect(),
            all: false,
            communes: Vec::new(),
            groups: Vec::new(),
            screens: Vec::new(),
            starts: String::new(),
            expires: String::new(),
        }
    }

    /// A new alert's form at `now`: starting now, for six hours.
    fn fresh(now: Timestamp) -> Self {
        Values {
            starts: local_field(now),
            expires: local_field(now.saturating_add(DEFAULT_LENGTH).unwrap_or(now)),
            ..Values::blank()
        }
    }

    /// A posted form's values, and the button pressed.
    fn parse(fields: Fields) -> (Self, Step) {
        let mut v = Values::blank();
        let mut step = Step::Check;
        for (name, value) in lines(fields) {
            match name.as_str() {
                "etape" => {
                    step = match value.as_str() {
                        "diffuser" => Step::Confirm,
                        "modifier" => Step::Back,
                        _ => Step::Check,
                    };
                }
                "id" => v.id = value,
                "revision" => v.revision = value.trim().parse().ok(),
                "gravite" => v.severity = value,
                "tout" => v.all = !value.is_empty(),
                "commune" => v.communes.push(value),
                "groupe" => v.groups.push(value),
                "ecran" => v.screens.push(value),
                "debut" => v.starts = value,
                "fin" => v.expires = value,
                other => {
                    if let Some(code) = other.strip_prefix("titre_") {
                        if let Some(t) = v.text_mut(code) {
                            t.title = value;
                        }
                    } else if let Some(code) = other.strip_prefix("message_")
                        && let Some(t) = v.text_mut(code)
                    {
                        t.message = value;
                    }
                }
            }
        }
        (v, step)
    }

    /// The texts in language `code`, added after the others when new; `None` when `code`
    /// is not a language code.
    fn text_mut(&mut self, code: &str) -> Option<&mut Translation> {
        code.parse::<Lang>().ok()?;
        let i = match self.texts.iter().position(|t| t.code == code) {
            Some(i) => i,
            None => {
                self.texts.push(Translation {
                    code: code.to_owned(),
                    name: language_name(code),
                    title: String::new(),
                    message: String::new(),
                });
                self.texts.len() - 1
            }
        };
        self.texts.get_mut(i)
    }

    /// The French texts.
    pub(crate) fn french(&self) -> &Translation {
        &self.texts[0]
    }

    /// The texts in other languages.
    pub(crate) fn translations(&self) -> &[Translation] {
        &self.texts[1..]
    }

    /// The form of alert `a` as it is.
    fn of(a: &StoredAlert) -> Self {
        let al = &a.alert;
        let mut v = Values::blank();
        for (lang, s) in &al.title.0 {
            if let Some(t) = v.text_mut(lang.as_str()) {
                t.title.clone_from(s);
            }
        }
        for (lang, s) in &al.message.0 {
            if let Some(t) = v.text_mut(lang.as_str()) {
                t.message.clone_from(s);
            }
        }
        Values {
            revision: Some(al.revision),
            severity: alerts::severity_str(al.severity).to_owned(),
            all: a.target.all,
            communes: a.target.communes.iter().map(ToString::to_string).collect(),
            groups: a.target.groups.clone(),
            screens: a.target.screens.clone(),
            starts: local_field(al.starts_at),
            expires: local_field(al.expires_at),
            ..v
        }
    }

    /// Whether a translation was typed (the translations then show open).
    pub(crate) fn translated(&self) -> bool {
        self.translations()
            .iter()
            .any(|t| !t.title.trim().is_empty() || !t.message.trim().is_empty())
    }

    /// The API's input: French always (so that a blank one is refused), other languages
    /// when typed; instants in Paris time as RFC 3339, passed as typed when they are not
    /// dates, so that the API refuses them naming the field.
    fn input(&self) -> AlertInput {
        let text = |pick: fn(&Translation) -> &str| {
            let mut map = serde_json::Map::new();
            for t in &self.texts {
                let value = pick(t).trim();
                if t.code == "fr" || !value.is_empty() {
                    map.insert(t.code.clone(), value.into());
                }
            }
            Some(serde_json::Value::Object(map))
        };
        let instant = |typed: &str| -> Option<String> {
            let typed = typed.trim();
            if typed.is_empty() {
                return None;
            }
            Some(from_local_field(typed).map_or_else(|| typed.to_owned(), |t| t.to_string()))
        };
        AlertInput {
            severity: (!self.severity.is_empty()).then(|| self.severity.clone()),
            title: text(|t| &t.title),
            message: text(|t| &t.message),
            starts_at: instant(&self.starts),
            expires_at: instant(&self.expires),
            target: Some(serde_json::json!({
                "all": self.all,
                "communes": self.communes,
                "groups": self.groups,
                "screens": self.screens,
            })),
        }
    }

    /// The change these values ask for: a new alert, or an edit of `editing`.
    fn change(&self, editing: Option<&str>) -> Change {
        match editing {
            None => Change::Raise {
                id: (!self.id.is_empty()).then(|| self.id.clone()),
                input: self.input(),
            },
            Some(id) => Change::Edit {
                id: id.to_owned(),
                input: self.input(),
                revision: self.revision,
            },
        }
    }

    /// The values as the confirmation's hidden fields.
    fn hidden(&self) -> Vec<Hidden> {
        let mut out = Vec::new();
        let mut put = |name: &str, value: &str| {
            out.push(Hidden {
                name: name.to_owned(),
                value: value.to_owned(),
            });
        };
        if !self.id.is_empty() {
            put("id", &self.id);
        }
        if let Some(r) = self.revision {
            put("revision", &r.to_string());
        }
        put("gravite", &self.severity);
        for t in &self.texts {
            put(&format!("titre_{}", t.code), &t.title);
            put(&format!("message_{}", t.code), &t.message);
        }
        if self.all {
            put("tout", "oui");
        }
        for c in &self.communes {
            put("commune", c);
        }
        for g in &self.groups {
            put("groupe", g);
        }
        for s in &self.screens {
            put("ecran", s);
        }
        put("debut", &self.starts);
        put("fin", &self.expires);
        out
    }
}

/// What the form offers to target.
#[derive(Debug, Default)]
pub(crate) struct Choices {
    /// "Tout le territoire" is offered.
    pub(crate) everywhere: bool,
    pub(crate) communes: Vec<Choice>,
    pub(crate) groups: Vec<Choice>,
    pub(crate) screens: Vec<Choice>,
}

fn choices(officer: &Officer, w: &World, v: &Values) -> Choices {
    let user = &officer.user;
    let communes = rules::communes_to_alert(user)
        .into_iter()
        .map(|c| (c.insee.to_string(), c.name.clone()))
        .collect();
    let mut groups: Vec<(String, String)> = w
        .groups_to_alert(user)
        .into_iter()
        .map(|r| (r.id.clone(), r.name()))
        .collect();
    groups.sort_by_key(|(_, name)| name.to_lowercase());
    let mut screens: Vec<(String, String)> = w
        .screens_to_alert(user)
        .into_iter()
        .map(|r| (r.id.clone(), screen_names([&r.id], w).concat()))
        .collect();
    screens.sort_by_key(|(_, name)| name.to_lowercase());
    Choices {
        everywhere: rules::may_alert_everywhere(user) || v.all,
        communes: boxes(communes, &v.communes, commune_name),
        groups: boxes(groups, &v.groups, |g| w.group_name(g)),
        screens: boxes(screens, &v.screens, |s| w.screen_name(s)),
    }
}

/// The problems of a refusal, in French, each by its field; an item of the target is named
/// from what the form sent at that place.
fn errors_of(e: &ApiError, v: &Values, w: &World, now: Timestamp) -> Errors {
    let forbidden = e.status == StatusCode::FORBIDDEN;
    let latest = super::format::instant(now.saturating_add(alerts::MAX_AHEAD).unwrap_or(now));
    Errors::from_refusal(e, |p| {
        let at = |list: &[String]| p.item(list).unwrap_or_default().to_owned();
        let has = |s: &str| p.says(s);
        match p.field {
            "severity" => (
                Some("gravite"),
                "Choisissez un niveau d’alerte : Information, Vigilance ou Urgence.".to_owned(),
            ),
            "title" | "message" => {
                let (what, key) = if p.field == "title" {
                    ("le titre", "titre_fr")
                } else {
                    ("le message", "message_fr")
                };
                let text = if has("fr value is empty") || has("at least one language") {
                    format!("Saisissez {what} en français.")
                } else if let Some(name) = p
                    .detail
                    .strip_prefix("the ")
                    .and_then(|d| d.strip_suffix(" value is empty"))
                    .map(language_name)
                {
                    format!("{} en {name} est vide : écrivez-le ou effacez la traduction.", capital(what))
                } else {
                    format!("{} n’a pas pu être lu ; saisissez-le de nouveau.", capital(what))
                };
                (Some(key), text)
            }
            "starts_at" => (
                Some("debut"),
                "La date de début est illisible : choisissez une date et une heure (par exemple 2026-12-01T08:00).".to_owned(),
            ),
            "expires_at" => (
                Some("fin"),
                if has("required") {
                    format!("Indiquez quand l’alerte prend fin, au plus tard le {latest}.")
                } else if has("already past") {
                    "Cette fin est déjà passée : choisissez une date à venir.".to_owned()
                } else if has("7 days") {
                    format!("Une alerte dure au plus 7 jours : choisissez une fin avant le {latest}. Si elle doit durer davantage, relancez-la avant sa fin.")
                } else if has("not after starts_at") {
                    "La fin doit venir après le début.".to_owned()
                } else {
                    "La date de fin est illisible : choisissez une date et une heure (par exemple 2026-12-01T14:00).".to_owned()
                },
            ),
            "target" => (
                Some("cible"),
                if forbidden {
                    "Seuls les administrateurs et les valideurs alertent tout le territoire : choisissez vos communes, vos groupes ou vos écrans.".to_owned()
                } else if has("\"all\" reaches every screen") {
                    "« Tout le territoire » comprend déjà tous les écrans : ne cochez rien d’autre avec.".to_owned()
                } else {
                    "Choisissez où diffuser l’alerte : tout le territoire, des communes, des groupes ou des écrans.".to_owned()
                },
            ),
            "target.communes" => {
                let code = at(&v.communes);
                (
                    Some("cible"),
                    if forbidden {
                        format!("Vous ne pouvez pas alerter les écrans de {} : cette commune n’est pas de votre ressort.", commune_name(&code))
                    } else {
                        format!("« {code} » n’est pas une commune de la communauté de communes.")
                    },
                )
            }
            "target.groups" | "target.screens" => {
                let (id, the, name) = if p.field == "target.groups" {
                    let id = at(&v.groups);
                    let name = w.group_name(&id);
                    (id, "le groupe", name)
                } else {
                    let id = at(&v.screens);
                    let name = w.screen_name(&id);
                    (id, "l’écran", name)
                };
                (
                    Some("cible"),
                    if forbidden {
                        format!("Vous ne pouvez pas alerter {the} « {name} » : il appartient à une autre commune ou à l’intercommunalité.")
                    } else {
                        format!("{} « {id} » n’existe pas ou plus.", capital(the))
                    },
                )
            }
            _ if e.status == StatusCode::CONFLICT => (None, conflict_text(p.whole)),
            _ => (None, format!("Le serveur a refusé l’alerte ({}).", p.whole)),
        }
    })
}

/// A 409 in French: the alert changed, was cancelled or expired meanwhile.
fn conflict_text(message: &str) -> String {
    if message.contains("changed since revision") {
        "Quelqu’un a modifié cette alerte pendant que vous la prépariez : rouvrez-la depuis la liste pour partir de sa version actuelle.".to_owned()
    } else if message.contains("is cancelled") {
        "Cette alerte a été retirée entre-temps ; lancez-en une nouvelle si besoin.".to_owned()
    } else if message.contains("expired") {
        "Cette alerte est terminée ; lancez-en une nouvelle si besoin.".to_owned()
    } else {
        format!("Le serveur a refusé l’alerte ({message}).")
    }
}

/// "le titre" → "Le titre".
fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// An alert being edited, as the pages name it.
#[derive(Debug, Clone)]
pub(crate) struct Editing {
    pub(crate) id: String,
    pub(crate) title: String,
    /// The revision the edit starts from.
    pub(crate) revision: u32,
}

/// The raise or edit form.
#[derive(Template)]
#[template(path = "alerte_formulaire.html")]
struct FormPage {
    title: &'static str,
    session: Option<SessionView>,
    csrf: String,
    action: String,
    editing: Option<Editing>,
    v: Values,
    errors: Errors,
    choices: Choices,
    levels: &'static [Level],
    /// The latest end allowed, for the field's `max` and the sentence explaining it.
    latest: When,
    latest_field: String,
}

/// The confirmation step.
#[derive(Template)]
#[template(path = "alerte_verifier.html")]
struct CheckPage {
    title: &'static str,
    session: Option<SessionView>,
    csrf: String,
    action: String,
    editing: Option<Editing>,
    hidden: Vec<Hidden>,
    level: &'static Level,
    texts: Vec<Shown>,
    target: Vec<String>,
    screens: Vec<String>,
    count: String,
    starts: String,
    expires: String,
}

/// A text as a screen in that language will show it.
#[derive(Debug)]
pub(crate) struct Shown {
    /// `fr`, `en`, `nl`.
    pub(crate) code: String,
    /// "En français".
    pub(crate) language: String,
    pub(crate) title: String,
    pub(crate) message: String,
}

/// The texts of `a` as screens show them (French typography for French), French first.
fn shown(a: &beffroi_protocol::alert::Alert) -> Vec<Shown> {
    let mut langs: Vec<&Lang> = a.title.0.keys().chain(a.message.0.keys()).collect();
    langs.sort_by_key(|l| (l.as_str() != "fr", l.as_str()));
    langs.dedup();
    langs
        .into_iter()
        .map(|lang| {
            let pick = |t: &Text| {
                t.0.get(lang)
                    .map(|s| typography(s.trim(), lang))
                    .unwrap_or_default()
            };
            Shown {
                code: lang.as_str().to_owned(),
                language: format!("En {}", language_name(lang.as_str())),
                title: pick(&a.title),
                message: pick(&a.message),
            }
        })
        .collect()
}

/// Where the form posts, and what the page is called.
fn form_target(editing: Option<&Editing>) -> (String, &'static str) {
    match editing {
        None => ("/alertes/nouvelle".to_owned(), "Nouvelle alerte"),
        Some(e) => (format!("/alertes/{}/modifier", e.id), "Modifier l’alerte"),
    }
}

/// The form with `v`, and the problems of `refusal` if any, answered with `status`.
async fn form_page(
    state: &AppState,
    officer: &Officer,
    headers: &HeaderMap,
    editing: Option<Editing>,
    v: Values,
    refusal: Option<&ApiError>,
    status: StatusCode,
) -> Response {
    let w = match load_world(state).await {
        Ok(w) => w,
        Err(e) => return server_error(headers, &e),
    };
    let now = Timestamp::now();
    let errors = refusal.map_or_else(Errors::default, |e| errors_of(e, &v, &w, now));
    let latest = now.saturating_add(alerts::MAX_AHEAD).unwrap_or(now);
    let (action, title) = form_target(editing.as_ref());
    let page = FormPage {
        title,
        session: Some(officer.view()),
        csrf: officer.csrf.clone(),
        action,
        editing,
        choices: choices(officer, &w, &v),
        v,
        errors,
        levels: &LEVELS,
        latest: when(latest),
        latest_field: local_field(latest),
    };
    (status, render(&page)).into_response()
}

async fn load_world(state: &AppState) -> Result<World, ApiError> {
    let mut conn = state.db.acquire().await?;
    rules::world(&mut conn).await
}

fn server_error(headers: &HeaderMap, e: &ApiError) -> Response {
    super::server_error(
        headers,
        "alerts page",
        e,
        "Les alertes n’ont pas pu être lues ou enregistrées.",
    )
}

/// The answer to someone who may only read alerts.
fn read_only(headers: &HeaderMap) -> Response {
    action_refused(
        headers,
        "Votre compte permet de consulter les alertes, pas d’en lancer, d’en modifier ni d’en retirer.",
    )
}

/// The answer to a refusal that no form can fix (an alert gone or not the officer's).
fn refusal_page(headers: &HeaderMap, e: &ApiError) -> Response {
    match e.status {
        StatusCode::NOT_FOUND => error_page(
            headers,
            StatusCode::NOT_FOUND,
            "Alerte introuvable",
            "Cette alerte n’existe pas ou plus.",
        ),
        StatusCode::FORBIDDEN => not_theirs(headers),
        _ => server_error(headers, e),
    }
}

/// The answer to a change of an alert that reaches screens the officer may not alert.
fn not_theirs(headers: &HeaderMap) -> Response {
    action_refused(
        headers,
        "Cette alerte vise des écrans que vous ne pouvez pas alerter : seuls ceux qui ont la charge de tous ses écrans peuvent la modifier ou la retirer.",
    )
}

/// `GET /alertes/nouvelle`.
pub(super) async fn new_form(
    State(state): State<Arc<AppState>>,
    officer: Officer,
    headers: HeaderMap,
) -> Response {
    if !rules::may_alert(&officer.user) {
        return read_only(&headers);
    }
    let v = Values::fresh(Timestamp::now());
    form_page(&state, &officer, &headers, None, v, None, StatusCode::OK).await
}

/// `POST /alertes/nouvelle`: check (summary), back to the form, or raise.
pub(super) async fn new_post(
    State(state): State<Arc<AppState>>,
    Posted {
        officer,
        headers,
        form,
    }: Posted<Fields>,
) -> Response {
    if !rules::may_alert(&officer.user) {
        return read_only(&headers);
    }
    let (v, step) = Values::parse(form);
    next_step(&state, &officer, &headers, None, v, step).await
}

/// The alert `id` when `officer` sees it; else the page saying why not.
async fn seen_alert(
    state: &AppState,
    officer: &Officer,
    headers: &HeaderMap,
    id: &str,
) -> Result<(World, StoredAlert), Response> {
    let loaded = async {
        let mut conn = state.db.acquire().await?;
        let w = rules::world(&mut conn).await?;
        let a = alerts::load(&mut conn, id).await?;
        Ok::<_, ApiError>((w, a))
    }
    .await;
    match loaded {
        Err(e) => Err(server_error(headers, &e)),
        Ok((_, None)) => Err(refusal_page(
            headers,
            &ApiError::not_found(format!("no alert \"{id}\"")),
        )),
        Ok((w, Some(a))) if w.sees(&officer.user, &a.target) => Ok((w, a)),
        Ok(_) => Err(error_page(
            headers,
            StatusCode::FORBIDDEN,
            "Accès refusé",
            "Cette alerte concerne des écrans d’autres communes que les vôtres.",
        )),
    }
}

/// The alert `id` when `officer` may edit or cancel it now; else the page saying why not.
async fn changeable_alert(
    state: &AppState,
    officer: &Officer,
    headers: &HeaderMap,
    id: &str,
) -> Result<(World, StoredAlert), Response> {
    if !rules::may_alert(&officer.user) {
        return Err(read_only(headers));
    }
    let (w, a) = seen_alert(state, officer, headers, id).await?;
    if !w.may_change(&officer.user, &a) {
        return Err(not_theirs(headers));
    }
    let (state_word, ended) = standing(&a, Timestamp::now());
    if ended.is_some() {
        return Err(error_page(
            headers,
            StatusCode::CONFLICT,
            "Alerte terminée",
            &format!(
                "Cette alerte est {} : elle ne peut plus être modifiée ni retirée. Lancez-en une nouvelle si besoin.",
                state_word.to_lowercase()
            ),
        ));
    }
    Ok((w, a))
}

fn editing(a: &StoredAlert) -> Editing {
    Editing {
        id: a.alert.id.clone(),
        title: french(&a.alert.title),
        revision: a.alert.revision,
    }
}

/// `GET /alertes/{id}/modifier`.
pub(super) async fn edit_form(
    State(state): State<Arc<AppState>>,
    officer: Officer,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let a = match changeable_alert(&state, &officer, &headers, &id).await {
        Ok((_, a)) => a,
        Err(r) => return r,
    };
    let v = Values::of(&a);
    let e = editing(&a);
    form_page(&state, &officer, &headers, Some(e), v, None, StatusCode::OK).await
}

/// `POST /alertes/{id}/modifier`: check (summary), back to the form, or write the edit.
pub(super) async fn edit_post(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Posted {
        officer,
        headers,
        form,
    }: Posted<Fields>,
) -> Response {
    if !rules::may_alert(&officer.user) {
        return read_only(&headers);
    }
    let (_, a) = match seen_alert(&state, &officer, &headers, &id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let (v, step) = Values::parse(form);
    let e = Editing {
        // The revision the officer started from, not the one stored now: a change made
        // meanwhile by someone else is then refused, not overwritten.
        revision: v.revision.unwrap_or(a.alert.revision),
        ..editing(&a)
    };
    next_step(&state, &officer, &headers, Some(e), v, step).await
}

/// One step of the raise or edit form.
async fn next_step(
    state: &AppState,
    officer: &Officer,
    headers: &HeaderMap,
    editing: Option<Editing>,
    mut v: Values,
    step: Step,
) -> Response {
    let id = editing.as_ref().map(|e| e.id.clone());
    match step {
        Step::Back => form_page(state, officer, headers, editing, v, None, StatusCode::OK).await,
        Step::Check => {
            match rules::check_change(state, &officer.user, v.change(id.as_deref())).await {
                Ok(checked) => {
                    if editing.is_none() {
                        v.id = checked.stored.alert.id.clone();
                    }
                    check_page(officer, editing, &v, &checked)
                }
                Err(e) => refused(state, officer, headers, editing, v, &e).await,
            }
        }
        Step::Confirm => {
            let input = v.input();
            let written = match &id {
                None => {
                    let given = (!v.id.is_empty()).then(|| v.id.clone());
                    rules::raise_alert(state, &officer.user, given, input).await
                }
                Some(id) => rules::edit_alert(state, &officer.user, id, input, v.revision).await,
            };
            match written {
                Ok(w) => {
                    let done = if id.is_none() { "diffusee" } else { "modifiee" };
                    done_redirect(done, &w.stored.alert.id)
                }
                Err(e) => refused(state, officer, headers, editing, v, &e).await,
            }
        }
    }
}

/// 303 to the list, telling what was done to alert `id`.
fn done_redirect(done: &str, id: &str) -> Response {
    let id: String = url::form_urlencoded::byte_serialize(id.as_bytes()).collect();
    Redirect::to(&format!("/alertes?fait={done}&alerte={id}")).into_response()
}

/// A refused check or write: the form again with the problems in French, or, for what no
/// form can fix, a page saying why.
async fn refused(
    state: &AppState,
    officer: &Officer,
    headers: &HeaderMap,
    editing: Option<Editing>,
    v: Values,
    e: &ApiError,
) -> Response {
    let fixable = match e.status {
        StatusCode::UNPROCESSABLE_ENTITY => true,
        // A target part the officer may not alert is named in `problems`; an alert that is
        // not theirs at all is not.
        StatusCode::FORBIDDEN => !e.problems.is_empty(),
        StatusCode::CONFLICT => {
            if editing.is_none() && e.message.contains("already exists") && !v.id.is_empty() {
                // The confirmation posted twice: the first one raised it.
                return done_redirect("deja", &v.id);
            }
            true
        }
        _ => false,
    };
    if !fixable {
        return refusal_page(headers, e);
    }
    form_page(state, officer, headers, editing, v, Some(e), e.status).await
}

fn check_page(
    officer: &Officer,
    editing: Option<Editing>,
    v: &Values,
    checked: &rules::Checked,
) -> Response {
    let a = &checked.stored.alert;
    let w = &checked.world;
    let now = Timestamp::now();
    let starts = if a.starts_at <= now {
        "Dès maintenant : l’alerte s’affiche aussitôt diffusée.".to_owned()
    } else {
        format!("Le {}", super::format::instant(a.starts_at))
    };
    let (action, _) = form_target(editing.as_ref());
    render(&CheckPage {
        title: "Vérifiez avant de diffuser",
        session: Some(officer.view()),
        csrf: officer.csrf.clone(),
        action,
        editing,
        hidden: v.hidden(),
        level: level(a.severity),
        texts: shown(a),
        target: target_words(&checked.stored.target, w),
        screens: screen_names(&checked.screens, w),
        count: screens_count(checked.screens.len()),
        starts,
        expires: format!("Le {}", super::format::instant(a.expires_at)),
    })
}

/// One line of an alert's history.
#[derive(Debug)]
pub(crate) struct HistoryLine {
    pub(crate) revision: u32,
    pub(crate) action: &'static str,
    pub(crate) by: String,
    pub(crate) at: When,
}

fn history_line(e: LogEntry) -> HistoryLine {
    let at = e.at.parse().unwrap_or_default();
    HistoryLine {
        revision: e.revision,
        action: match e.action.as_str() {
            "raised" => "Lancée",
            "edited" => "Modifiée",
            "cancelled" => "Retirée",
            _ => "Changée",
        },
        by: e.by.unwrap_or_else(|| "(compte supprimé)".into()),
        at: when(at),
    }
}

/// One alert with its history.
#[derive(Template)]
#[template(path = "alerte.html")]
struct DetailPage {
    title: String,
    session: Option<SessionView>,
    a: AlertLine,
    texts: Vec<Shown>,
    screens: Vec<String>,
    history: Vec<HistoryLine>,
}

/// `GET /alertes/{id}`.
pub(super) async fn detail(
    State(state): State<Arc<AppState>>,
    officer: Officer,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let (w, a) = match seen_alert(&state, &officer, &headers, &id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let history = async {
        let mut conn = state.db.acquire().await?;
        Ok::<_, ApiError>(alerts::history(&mut conn, &id).await?)
    }
    .await;
    let history = match history {
        Ok(h) => h.into_iter().map(history_line).collect(),
        Err(e) => return server_error(&headers, &e),
    };
    let line = line(&a, &w, &officer, Timestamp::now());
    render(&DetailPage {
        title: format!("Alerte « {} »", line.title),
        session: Some(officer.view()),
        texts: shown(&a.alert),
        screens: screen_names(&a.target.screens_in(&w.published), &w),
        a: line,
        history,
    })
}

/// The cancellation's confirmation.
#[derive(Template)]
#[template(path = "alerte_retirer.html")]
struct CancelPage {
    title: &'static str,
    session: Option<SessionView>,
    csrf: String,
    a: AlertLine,
    error: Option<String>,
}

fn cancel_page(officer: &Officer, w: &World, a: &StoredAlert, error: Option<String>) -> CancelPage {
    CancelPage {
        title: "Retirer l’alerte ?",
        session: Some(officer.view()),
        csrf: officer.csrf.clone(),
        a: line(a, w, officer, Timestamp::now()),
        error,
    }
}

/// `GET /alertes/{id}/retirer`.
pub(super) async fn cancel_form(
    State(state): State<Arc<AppState>>,
    officer: Officer,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    match changeable_alert(&state, &officer, &headers, &id).await {
        Ok((w, a)) => render(&cancel_page(&officer, &w, &a, None)),
        Err(r) => r,
    }
}

/// The cancellation form's fields.
#[derive(Debug, Deserialize)]
pub(super) struct CancelForm {
    #[serde(default)]
    csrf_token: Option<String>,
    #[serde(default)]
    revision: Option<u32>,
}

impl CsrfField for CancelForm {
    fn csrf_token(&self) -> Option<&str> {
        self.csrf_token.as_deref()
    }
}

/// `POST /alertes/{id}/retirer`.
pub(super) async fn cancel_post(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Posted {
        officer,
        headers,
        form,
    }: Posted<CancelForm>,
) -> Response {
    if !rules::may_alert(&officer.user) {
        return read_only(&headers);
    }
    match rules::cancel_alert(&state, &officer.user, &id, form.revision).await {
        Ok(w) => done_redirect("retiree", &w.stored.alert.id),
        Err(e) if e.status == StatusCode::CONFLICT => {
            match seen_alert(&state, &officer, &headers, &id).await {
                Ok((w, a)) => {
                    let page = cancel_page(&officer, &w, &a, Some(conflict_text(&e.message)));
                    (StatusCode::CONFLICT, render(&page)).into_response()
                }
                Err(r) => r,
            }
        }
        Err(e) => refusal_page(&headers, &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_dates_are_paris_wall_clock_times() {
        // Winter: UTC+1; summer: UTC+2.
        let t = from_local_field("2026-12-01T08:30").unwrap();
        assert_eq!(t.to_string(), "2026-12-01T07:30:00Z");
        assert_eq!(local_field(t), "2026-12-01T08:30");
        let t = from_local_field("2026-07-14T22:00").unwrap();
        assert_eq!(t.to_string(), "2026-07-14T20:00:00Z");
        // Seconds, as some browsers send them, are accepted.
        assert!(from_local_field("2026-07-14T22:00:00").is_some());
        assert!(from_local_field("demain").is_none());
        assert!(from_local_field("").is_none());
    }

    #[test]
    fn languages_other_than_the_forms_are_kept() {
        let mut v = Values::blank();
        v.text_mut("de").unwrap().title = "Hochwasser".into();
        assert!(v.text_mut("deutsch").is_none());
        assert_eq!(
            v.texts.iter().map(|t| t.code.as_str()).collect::<Vec<_>>(),
            ["fr", "en", "nl", "de"]
        );
        let input = v.input();
        assert_eq!(
            input.title,
            Some(serde_json::json!({ "fr": "", "de": "Hochwasser" }))
        );
        assert!(
            v.hidden()
                .iter()
                .any(|h| h.name == "titre_de" && h.value == "Hochwasser")
        );
    }
}
