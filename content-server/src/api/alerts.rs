//! Emergency alerts: raise, edit, cancel and read them. A change bypasses drafts and
//! publishing: it is stored with a line of history, pushed at once (an `alert` event) to
//! every screen concerned, and written into their manifests, which get a new version and a
//! `manifest` event, so that a player that missed the push learns of it at its next poll.
//!
//! Rights: administrators and approvers alert any screen; an editor alerts only the screens,
//! communes and screen groups they edit, and changes only alerts whose target is all theirs;
//! viewers read. A caller sees the alerts that reach the communes they work for.
//!
//! The web page raises, edits and cancels through the same functions as the handlers
//! ([`check_change`] for its confirmation step, then [`raise_alert`], [`edit_alert`],
//! [`cancel_alert`]), so that both follow one set of rules.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use beffroi_protocol::alert::Alert;
use beffroi_protocol::ids::Insee;
use beffroi_protocol::text::Text;
use beffroi_protocol::validate::Validate as _;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, ApiJson, ApiResult, ErrorBody};
use super::objects::owner_name;
use crate::alerts::{self, LogEntry, StoredAlert, Target};
use crate::auth::CurrentUser;
use crate::communes::Commune;
use crate::model::snapshot::Snapshot;
use crate::model::store::{self, ObjectRow};
use crate::model::{Kind, Side};
use crate::server::AppState;
use crate::users::{Role, User};

pub(super) fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(list, raise))
        .routes(routes!(get_one, edit))
        .routes(routes!(cancel))
}

/// A new alert.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAlert {
    /// Id (letters, digits, `-`, `_`, `.`, `:`; at most 64); absent: one is made.
    #[serde(default)]
    pub id: Option<String>,
    /// `info`, `warning` or `critical`.
    #[serde(default)]
    #[schema(example = "critical")]
    pub severity: Option<String>,
    /// Short heading, per language.
    #[serde(default)]
    #[schema(value_type = Object, example = json!({"fr": "Alerte inondation"}))]
    pub title: Option<serde_json::Value>,
    /// What people must know or do, per language.
    #[serde(default)]
    #[schema(value_type = Object, example = json!({"fr": "Évitez les bords de la Lys."}))]
    pub message: Option<serde_json::Value>,
    /// When it starts to show (RFC 3339); absent: now.
    #[serde(default)]
    pub starts_at: Option<String>,
    /// When it stops showing (RFC 3339): after the start, at most 7 days from now.
    #[serde(default)]
    pub expires_at: Option<String>,
    /// `{"all": true}`, or any of `{"screens": [ids]}`, `{"communes": [INSEE codes]}` and
    /// `{"groups": [group ids]}`.
    #[serde(default)]
    #[schema(value_type = Target)]
    pub target: Option<serde_json::Value>,
}

/// A new version of an alert: every field is replaced (`starts_at` absent: unchanged).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertChange {
    /// `info`, `warning` or `critical`.
    #[serde(default)]
    pub severity: Option<String>,
    /// Short heading, per language.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub title: Option<serde_json::Value>,
    /// What people must know or do, per language.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub message: Option<serde_json::Value>,
    /// When it starts to show (RFC 3339); absent: as it was.
    #[serde(default)]
    pub starts_at: Option<String>,
    /// When it stops showing (RFC 3339): after the start, at most 7 days from now.
    #[serde(default)]
    pub expires_at: Option<String>,
    /// Which screens.
    #[serde(default)]
    #[schema(value_type = Target)]
    pub target: Option<serde_json::Value>,
    /// The revision the change was made on; another current revision answers 409.
    #[serde(default)]
    pub revision: Option<u32>,
}

/// What a raise or an edit gives, before checking: the fields [`NewAlert`] and
/// [`AlertChange`] share, and what the web page's form becomes.
#[derive(Debug, Clone, Default)]
pub(crate) struct AlertInput {
    /// `info`, `warning` or `critical`.
    pub(crate) severity: Option<String>,
    /// Per-language heading (`{"fr": "..."}`).
    pub(crate) title: Option<serde_json::Value>,
    /// Per-language message.
    pub(crate) message: Option<serde_json::Value>,
    /// RFC 3339; absent: now for a new alert, unchanged for an edit.
    pub(crate) starts_at: Option<String>,
    /// RFC 3339.
    pub(crate) expires_at: Option<String>,
    /// As [`Target`] in JSON, unchecked.
    pub(crate) target: Option<serde_json::Value>,
}

impl NewAlert {
    fn split(self) -> (Option<String>, AlertInput) {
        let input = AlertInput {
            severity: self.severity,
            title: self.title,
            message: self.message,
            starts_at: self.starts_at,
            expires_at: self.expires_at,
            target: self.target,
        };
        (self.id, input)
    }
}

impl AlertChange {
    fn split(self) -> (AlertInput, Option<u32>) {
        let input = AlertInput {
            severity: self.severity,
            title: self.title,
            message: self.message,
            starts_at: self.starts_at,
            expires_at: self.expires_at,
            target: self.target,
        };
        (input, self.revision)
    }
}

/// An optional body for a cancellation.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelAlert {
    /// The revision the cancellation was decided on; another current revision answers 409.
    #[serde(default)]
    pub revision: Option<u32>,
}

/// An alert as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertView {
    /// Id.
    pub id: String,
    /// Grows with every edit and the cancellation.
    pub revision: u32,
    /// `info`, `warning` or `critical`.
    pub severity: String,
    /// Per-language heading.
    #[schema(value_type = Object)]
    pub title: Text,
    /// Per-language message.
    #[schema(value_type = Object)]
    pub message: Text,
    /// When it starts to show.
    pub starts_at: String,
    /// When it stops showing.
    pub expires_at: String,
    /// Withdrawn.
    pub cancelled: bool,
    /// `scheduled`, `active`, `expired` or `cancelled`, now.
    pub state: String,
    /// Which screens it is for.
    pub target: Target,
    /// The published screens the target reaches now.
    pub screens: Vec<String>,
    /// Who raised it.
    pub created_by: Option<String>,
    /// When.
    pub created_at: String,
    /// Who changed it last.
    pub updated_by: Option<String>,
    /// When.
    pub updated_at: String,
    /// After a change: event streams that received the push now (players not connected
    /// get it on reconnecting, or from their manifest).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivered: Option<usize>,
    /// After a change: the screens whose manifest changed, with their new version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manifests: Option<BTreeMap<String, String>>,
    /// After a change that changed manifests: its number among publications (the SSE id of
    /// their `manifest` events).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publication: Option<i64>,
    /// For one alert: who raised, edited and cancelled it, oldest first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log: Option<Vec<LogEntry>>,
}

fn view(a: &StoredAlert, s: &Snapshot, now: Timestamp) -> AlertView {
    let al = &a.alert;
    let state = if al.cancelled {
        "cancelled"
    } else if al.expires_at <= now {
        "expired"
    } else if al.starts_at > now {
        "scheduled"
    } else {
        "active"
    };
    AlertView {
        id: al.id.clone(),
        revision: al.revision,
        severity: alerts::severity_str(al.severity).into(),
        title: al.title.clone(),
        message: al.message.clone(),
        starts_at: al.starts_at.to_string(),
        expires_at: al.expires_at.to_string(),
        cancelled: al.cancelled,
        state: state.into(),
        target: a.target.clone(),
        screens: a.target.screens_in(s).into_iter().collect(),
        created_by: a.created_by.clone(),
        created_at: a.created_at.clone(),
        updated_by: a.updated_by.clone(),
        updated_at: a.updated_at.clone(),
        delivered: None,
        manifests: None,
        publication: None,
        log: None,
    }
}

/// Whether `user` may raise, edit or cancel alerts at all (viewers only read them).
pub(crate) fn may_alert(user: &User) -> bool {
    user.role != Role::Viewer
}

/// Whether `user` may alert every screen of the territory at once.
pub(crate) fn may_alert_everywhere(user: &User) -> bool {
    user.edits(None)
}

/// The communes whose screens `user` may alert, in the territory's order.
pub(crate) fn communes_to_alert(user: &User) -> Vec<&'static Commune> {
    crate::communes::territory()
        .iter()
        .filter(|c| user.edits(Some(&c.insee)))
        .collect()
}

/// The published side of every object, and the rows (either side) of the screens and
/// groups an alert can name.
pub(crate) struct World {
    /// What the screens play: which screens exist, where they stand, their groups.
    pub(crate) published: Snapshot,
    screens: Vec<ObjectRow>,
    groups: Vec<ObjectRow>,
}

/// Reads the [`World`] an alert is checked against.
pub(crate) async fn world(db: &mut SqliteConnection) -> ApiResult<World> {
    let rows = store::all(&mut *db).await?;
    let media = store::media(&mut *db).await?;
    let published = Snapshot::build(&rows, Side::Published, media)
        .map_err(|e| ApiError::internal("reading objects", e))?;
    let (mut screens, mut groups) = (Vec::new(), Vec::new());
    for r in rows {
        match r.kind {
            Kind::Screen => screens.push(r),
            Kind::Group => groups.push(r),
            _ => {}
        }
    }
    Ok(World {
        published,
        screens,
        groups,
    })
}

impl World {
    fn screen(&self, id: &str) -> Option<&ObjectRow> {
        self.screens.iter().find(|r| r.id == id)
    }

    fn group(&self, id: &str) -> Option<&ObjectRow> {
        self.groups.iter().find(|r| r.id == id)
    }

    /// The name of screen `id` (its id when it no longer exists).
    pub(crate) fn screen_name(&self, id: &str) -> String {
        self.screen(id)
            .map_or_else(|| id.to_owned(), ObjectRow::name)
    }

    /// The name of group `id` (its id when it no longer exists).
    pub(crate) fn group_name(&self, id: &str) -> String {
        self.group(id)
            .map_or_else(|| id.to_owned(), ObjectRow::name)
    }

    /// The groups `user` may alert.
    pub(crate) fn groups_to_alert(&self, user: &User) -> Vec<&ObjectRow> {
        self.groups
            .iter()
            .filter(|r| user.edits(r.owner.as_ref()))
            .collect()
    }

    /// The published screens `user` may alert (an alert reaches only published screens).
    pub(crate) fn screens_to_alert(&self, user: &User) -> Vec<&ObjectRow> {
        self.screens
            .iter()
            .filter(|r| r.published.is_some() && user.edits(r.owner.as_ref()))
            .collect()
    }

    /// Whether `user` sees an alert for `target`: it reaches a commune they work for.
    pub(crate) fn sees(&self, user: &User, target: &Target) -> bool {
        if user.whole_territory() || target.all {
            return true;
        }
        let mine = |c: &Insee| user.communes.contains(c);
        target.communes.iter().any(mine)
            || target
                .screens
                .iter()
                .filter_map(|id| self.screen(id))
                .any(|r| r.owner.as_ref().is_some_and(mine))
            || target
                .groups
                .iter()
                .filter_map(|id| self.group(id))
                .any(|r| r.owner.as_ref().is_some_and(mine))
            || target.screens_in(&self.published).iter().any(|id| {
                self.published
                    .screens
                    .get(id)
                    .is_some_and(|s| s.owner.as_ref().is_some_and(mine) || mine(&s.body.commune))
            })
    }

    /// Whether `user` may edit or cancel `a` now (not whether the alert is still live).
    pub(crate) fn may_change(&self, user: &User, a: &StoredAlert) -> bool {
        may_alert(user) && self.sees(user, &a.target) && self.authorize(user, &a.target).is_ok()
    }

    /// The first part of `target` that `user` may not alert, as a problem naming it by its
    /// place in `target` (`target.groups[1]: ...`).
    fn authorize(&self, user: &User, target: &Target) -> Result<(), String> {
        let who = format!("you ({}, {})", user.username, user.role);
        if target.all && !may_alert_everywhere(user) {
            return Err(format!(
                "target: only administrators and approvers alert every screen; {who} may alert the screens of your communes"
            ));
        }
        for (i, c) in target.communes.iter().enumerate() {
            if !user.edits(Some(c)) {
                return Err(format!(
                    "target.communes[{i}]: {who} cannot alert the screens of {}",
                    owner_name(Some(c))
                ));
            }
        }
        // A group or screen deleted since reaches nothing: nothing to protect.
        for (i, id) in target.groups.iter().enumerate() {
            let Some(row) = self.group(id) else { continue };
            if !user.edits(row.owner.as_ref()) {
                return Err(format!(
                    "target.groups[{i}]: group \"{id}\" belongs to {}; {who} cannot alert its screens",
                    owner_name(row.owner.as_ref())
                ));
            }
        }
        for (i, id) in target.screens.iter().enumerate() {
            let Some(row) = self.screen(id) else { continue };
            if !user.edits(row.owner.as_ref()) {
                return Err(format!(
                    "target.screens[{i}]: screen \"{id}\" belongs to {}; {who} cannot alert it",
                    owner_name(row.owner.as_ref())
                ));
            }
        }
        Ok(())
    }

    /// The target a request names, checked against the territory, the groups and the
    /// screens, its lists in the order given (problems name items by their place).
    fn target(&self, value: Option<serde_json::Value>) -> Result<Target, Vec<String>> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Given {
            #[serde(default)]
            all: bool,
            #[serde(default)]
            communes: Vec<String>,
            #[serde(default)]
            groups: Vec<String>,
            #[serde(default)]
            screens: Vec<String>,
        }
        let given: Given = match value {
            None | Some(serde_json::Value::Null) => {
                return Err(vec![
                    "target: is required: {\"all\": true}, or {\"screens\": [ids]}, {\"communes\": [INSEE codes]} and {\"groups\": [ids]}".into(),
                ]);
            }
            Some(v) => serde_json::from_value(v).map_err(|e| vec![format!("target: {e}")])?,
        };
        let mut problems = Vec::new();
        let lists_nothing =
            given.communes.is_empty() && given.groups.is_empty() && given.screens.is_empty();
        if given.all && !lists_nothing {
            problems.push(
                "target: \"all\" reaches every screen; list no screen, commune or group with it"
                    .into(),
            );
        }
        if !given.all && lists_nothing {
            problems.push(
                "target: reaches no screen; give {\"all\": true}, screens, communes or groups"
                    .into(),
            );
        }
        let mut communes = Vec::new();
        for (i, c) in given.communes.iter().enumerate() {
            match c.parse::<Insee>() {
                Err(e) => problems.push(format!("target.communes[{i}]: {e}")),
                Ok(c) if crate::communes::by_insee(&c).is_none() => problems.push(format!(
                    "target.communes[{i}]: {c} is not a commune of the territory"
                )),
                Ok(c) => communes.push(c),
            }
        }
        for (i, id) in given.groups.iter().enumerate() {
            if self.group(id).is_none() {
                problems.push(format!("target.groups[{i}]: no group \"{id}\""));
            }
        }
        for (i, id) in given.screens.iter().enumerate() {
            if self.screen(id).is_none() {
                problems.push(format!("target.screens[{i}]: no screen \"{id}\""));
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Target {
            all: given.all,
            communes,
            groups: given.groups,
            screens: given.screens,
        })
    }
}

/// The target with its lists sorted and without repeats, as stored.
fn normalized(mut t: Target) -> Target {
    t.communes.sort();
    t.communes.dedup();
    t.groups.sort();
    t.groups.dedup();
    t.screens.sort();
    t.screens.dedup();
    t
}

/// The alert and target `input` describes for `user`, as alert `id` at `revision`, checked
/// at `now`; the alert starts at `start` when the input gives no start. These are the rules
/// of a raise and of an edit alike. Every problem names its field: 422 with all of them;
/// then 403 naming the first part of the target `user` may not alert.
fn checked(
    w: &World,
    user: &User,
    id: &str,
    revision: u32,
    input: AlertInput,
    start: Timestamp,
    now: Timestamp,
) -> ApiResult<(Alert, Target)> {
    let mut problems = Vec::new();
    let severity = match input.severity.as_deref() {
        None => {
            problems.push("severity: is required: info, warning or critical".to_owned());
            Default::default()
        }
        Some(s) => alerts::parse_severity(s).unwrap_or_else(|| {
            problems.push(format!(
                "severity: \"{s}\" is not info, warning or critical"
            ));
            Default::default()
        }),
    };
    let mut text = |name: &str, v: Option<serde_json::Value>| -> Text {
        match v {
            None | Some(serde_json::Value::Null) => Text::default(),
            Some(v) => serde_json::from_value(v).unwrap_or_else(|e| {
                problems.push(format!(
                    "{name}: {e} (give one text per language: {{\"fr\": \"...\"}})"
                ));
                Text::fr("-")
            }),
        }
    };
    let title = text("title", input.title);
    let message = text("message", input.message);
    let mut instant = |name: &str, v: Option<String>| -> Option<Timestamp> {
        let s = v?;
        match s.parse::<Timestamp>() {
            // Kept to the second (stored instants compare as strings).
            Ok(t) => Some(Timestamp::from_second(t.as_second()).unwrap_or(t)),
            Err(e) => {
                problems.push(format!(
                    "{name}: \"{s}\" is not an RFC 3339 instant such as 2026-12-01T08:00:00+01:00 ({e})"
                ));
                None
            }
        }
    };
    let starts_at = instant("starts_at", input.starts_at).unwrap_or(start);
    let given_expiry = input.expires_at.is_some();
    let expires_at = instant("expires_at", input.expires_at);
    let latest = now.saturating_add(alerts::MAX_AHEAD).unwrap_or(now);
    match expires_at {
        None if !given_expiry => problems.push(format!(
            "expires_at: is required: an alert ends by itself, at most 7 days from now (before {latest})"
        )),
        None => {}
        Some(t) if t <= now => problems.push(format!("expires_at: {t} is already past")),
        Some(t) if t > latest => problems.push(format!(
            "expires_at: {t} is more than 7 days ahead (at most {latest}); raise the alert again later if it must last"
        )),
        Some(_) => {}
    }
    let alert = Alert {
        id: id.to_owned(),
        revision,
        severity,
        title,
        message,
        starts_at,
        // A placeholder after the start, only for the checks below.
        expires_at: expires_at.unwrap_or_else(|| {
            starts_at
                .saturating_add(jiff::SignedDuration::from_secs(1))
                .unwrap_or(starts_at)
        }),
        cancelled: false,
    };
    if let Err(p) = alert.check() {
        problems.extend(p.0.iter().map(ToString::to_string));
    }
    let target = w.target(input.target).map_err(|p| problems.extend(p)).ok();
    let target = match target {
        Some(t) if problems.is_empty() => t,
        _ => {
            let first = problems.first().cloned().unwrap_or_default();
            return Err(ApiError::invalid(first, problems));
        }
    };
    if let Err(p) = w.authorize(user, &target) {
        // The problem travels in `problems` too, so that a form can show it by its field.
        return Err(ApiError {
            problems: vec![p.clone()],
            ..ApiError::forbidden(p)
        });
    }
    Ok((alert, normalized(target)))
}

/// An id for an alert raised without one: `alert-YYYYMMDD-HHMM-` and 6 random hex digits.
fn new_id(now: Timestamp) -> String {
    let mut bytes = [0u8; 3];
    getrandom::fill(&mut bytes).expect("the operating system's random generator failed");
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("alert-{}-{hex}", now.strftime("%Y%m%d-%H%M"))
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("no alert \"{id}\""))
}

/// A change to an alert, as the API and the web page ask for it.
#[derive(Debug, Clone)]
pub(crate) enum Change {
    /// A new alert (`id` absent: one is made).
    Raise {
        id: Option<String>,
        input: AlertInput,
    },
    /// A new version of alert `id`, decided on `revision` when given.
    Edit {
        id: String,
        input: AlertInput,
        revision: Option<u32>,
    },
    /// The cancellation of alert `id`, decided on `revision` when given.
    Cancel { id: String, revision: Option<u32> },
}

/// Alert `id` as stored, when `user` may change it at `now` (decided on `revision`).
fn current<'a>(
    w: &World,
    user: &User,
    id: &str,
    existing: Option<&'a StoredAlert>,
    revision: Option<u32>,
    now: Timestamp,
) -> ApiResult<&'a StoredAlert> {
    let cur = existing.ok_or_else(|| not_found(id))?;
    if !w.sees(user, &cur.target) {
        return Err(ApiError::forbidden(format!(
            "alert \"{id}\" is for screens you do not work for"
        )));
    }
    w.authorize(user, &cur.target).map_err(|p| {
        ApiError::forbidden(format!(
            "alert \"{id}\" reaches screens you cannot alert ({p})"
        ))
    })?;
    if let Some(rev) = revision
        && rev != cur.alert.revision
    {
        return Err(ApiError::conflict(format!(
            "alert \"{id}\" changed since revision {rev} (now {}, by {}); reload it",
            cur.alert.revision,
            cur.updated_by.as_deref().unwrap_or("someone")
        )));
    }
    if cur.alert.cancelled {
        return Err(ApiError::conflict(format!(
            "alert \"{id}\" is cancelled; raise a new one"
        )));
    }
    if cur.alert.expires_at <= now {
        return Err(ApiError::conflict(format!(
            "alert \"{id}\" expired at {}; raise a new one",
            cur.alert.expires_at
        )));
    }
    Ok(cur)
}

/// The alert `change` makes of what `db` holds, checked for `user` at `now`, and what the
/// history calls it (raised, edited, cancelled). Nothing is written.
async fn decide(
    db: &mut SqliteConnection,
    w: &World,
    user: &User,
    change: Change,
    now: Timestamp,
) -> ApiResult<(StoredAlert, &'static str)> {
    if !may_alert(user) {
        return Err(ApiError::forbidden(format!(
            "you ({}, viewer) cannot raise, edit or cancel alerts",
            user.username
        )));
    }
    let by = Some(user.username.clone());
    let at = alerts::stored_instant(now);
    Ok(match change {
        Change::Raise { id, input } => {
            let id = match id {
                Some(id) => {
                    beffroi_protocol::ids::check_id(&id).map_err(|e| {
                        ApiError::invalid(format!("id: {e}"), vec![format!("id: {e}")])
                    })?;
                    if alerts::load(&mut *db, &id).await?.is_some() {
                        return Err(ApiError::conflict(format!(
                            "an alert \"{id}\" already exists; edit it (PUT /api/v1/alerts/{id})"
                        )));
                    }
                    id
                }
                None => loop {
                    let id = new_id(now);
                    if alerts::load(&mut *db, &id).await?.is_none() {
                        break id;
                    }
                },
            };
            let (alert, target) = checked(w, user, &id, 1, input, now, now)?;
            let stored = StoredAlert {
                alert,
                target,
                created_by: by.clone(),
                created_at: at.clone(),
                updated_by: by,
                updated_at: at,
            };
            (stored, "raised")
        }
        Change::Edit {
            id,
            input,
            revision,
        } => {
            let existing = alerts::load(&mut *db, &id).await?;
            let cur = current(w, user, &id, existing.as_ref(), revision, now)?;
            let (alert, target) = checked(
                w,
                user,
                &id,
                cur.alert.revision + 1,
                input,
                cur.alert.starts_at,
                now,
            )?;
            let stored = StoredAlert {
                alert,
                target,
                updated_by: by,
                updated_at: at,
                ..cur.clone()
            };
            (stored, "edited")
        }
        Change::Cancel { id, revision } => {
            let existing = alerts::load(&mut *db, &id).await?;
            let cur = current(w, user, &id, existing.as_ref(), revision, now)?;
            let stored = StoredAlert {
                alert: Alert {
                    revision: cur.alert.revision + 1,
                    cancelled: true,
                    ..cur.alert.clone()
                },
                updated_by: by,
                updated_at: at,
                ..cur.clone()
            };
            (stored, "cancelled")
        }
    })
}

/// What a change would store, checked exactly as writing it would check it (the web page's
/// confirmation step), with the world it was checked against.
pub(crate) struct Checked {
    /// The alert as it would be stored (a raise without id gets one made up here).
    pub(crate) stored: StoredAlert,
    /// The published screens its target reaches.
    pub(crate) screens: BTreeSet<String>,
    /// The objects it was checked against (for the names of screens and groups).
    pub(crate) world: World,
}

/// Checks `change` for `user` without writing anything.
pub(crate) async fn check_change(
    state: &AppState,
    user: &User,
    change: Change,
) -> ApiResult<Checked> {
    let now = super::player::now_s();
    let mut conn = state.db.acquire().await?;
    let world = world(&mut conn).await?;
    let (stored, _) = decide(&mut conn, &world, user, change, now).await?;
    Ok(Checked {
        screens: stored.target.screens_in(&world.published),
        stored,
        world,
    })
}

/// A change written and pushed.
pub(crate) struct Written {
    /// The alert as stored now.
    pub(crate) stored: StoredAlert,
    /// What the API answers.
    pub(crate) view: AlertView,
}

/// Raises an alert for `user` (see [`raise`]).
pub(crate) async fn raise_alert(
    state: &AppState,
    user: &User,
    id: Option<String>,
    input: AlertInput,
) -> ApiResult<Written> {
    write(state, user, Change::Raise { id, input }).await
}

/// Replaces alert `id` for `user` (see [`edit`]).
pub(crate) async fn edit_alert(
    state: &AppState,
    user: &User,
    id: &str,
    input: AlertInput,
    revision: Option<u32>,
) -> ApiResult<Written> {
    let id = id.to_owned();
    write(
        state,
        user,
        Change::Edit {
            id,
            input,
            revision,
        },
    )
    .await
}

/// Cancels alert `id` for `user` (see [`cancel`]).
pub(crate) async fn cancel_alert(
    state: &AppState,
    user: &User,
    id: &str,
    revision: Option<u32>,
) -> ApiResult<Written> {
    let id = id.to_owned();
    write(state, user, Change::Cancel { id, revision }).await
}

/// Applies `change` in one write transaction (the alert, its history line and the
/// manifests of the screens it concerns), then pushes it.
async fn write(state: &AppState, user: &User, change: Change) -> ApiResult<Written> {
    let now = super::player::now_s();
    let mut tx = crate::db::begin_write(&state.db).await?;
    let w = world(&mut tx).await?;
    let (stored, action) = decide(&mut tx, &w, user, change, now).await?;
    let id = stored.alert.id.clone();
    alerts::save(&mut tx, &stored, action, user.id, now).await?;
    let refresh =
        crate::publish::refresh_for_alert(&mut tx, state, &w.published, &id, user.id, now).await?;
    tx.commit().await?;
    let delivered = refresh.announce(&state.hub);
    tracing::info!(
        "alert {id} revision {} {action} by {}: pushed to {} screens ({delivered} listening), {} manifests changed",
        stored.alert.revision,
        user.username,
        refresh.pushes.len(),
        refresh.manifests.len()
    );
    let view = AlertView {
        delivered: Some(delivered),
        publication: refresh.publication,
        manifests: Some(refresh.manifests),
        ..view(&stored, &w.published, now)
    };
    Ok(Written { stored, view })
}

/// Raises an alert: stored, pushed at once to the screens it reaches and written into
/// their manifests. Administrators and approvers alert any screen; editors the screens,
/// communes and groups they edit.
#[utoipa::path(post, path = "/api/v1/alerts", tag = "alerts", request_body = NewAlert,
    responses((status = 201, body = AlertView), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn raise(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    ApiJson(req): ApiJson<NewAlert>,
) -> ApiResult<(StatusCode, Json<AlertView>)> {
    let (id, input) = req.split();
    let w = raise_alert(&state, &user, id, input).await?;
    Ok((StatusCode::CREATED, Json(w.view)))
}

/// Replaces an alert (revision + 1): pushed and written into the manifests of the screens
/// it reaches, and of those it no longer reaches (as cancelled there).
#[utoipa::path(put, path = "/api/v1/alerts/{id}", tag = "alerts", params(("id" = String, Path)),
    request_body = AlertChange,
    responses((status = 200, body = AlertView), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn edit(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<AlertChange>,
) -> ApiResult<Json<AlertView>> {
    let (input, revision) = req.split();
    let w = edit_alert(&state, &user, &id, input, revision).await?;
    Ok(Json(w.view))
}

/// Cancels an alert (revision + 1, `cancelled`): the screens stop showing it at once and
/// keep it as a tombstone until it expires.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/cancel", tag = "alerts",
    params(("id" = String, Path)), request_body(content = Option<CancelAlert>),
    responses((status = 200, body = AlertView), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn cancel(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Json<AlertView>> {
    let req: CancelAlert = if body.iter().all(u8::is_ascii_whitespace) {
        CancelAlert::default()
    } else {
        super::error::parse_json(&body)?
    };
    let w = cancel_alert(&state, &user, &id, req.revision).await?;
    Ok(Json(w.view))
}

/// `?expired=` of the list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// Include the alerts that have expired (default: only those that have not).
    pub expired: Option<bool>,
}

/// The alerts the caller sees (those reaching the communes they work for), the latest to
/// start first: those not expired, or all with `?expired=true`.
#[utoipa::path(get, path = "/api/v1/alerts", tag = "alerts", params(ListQuery),
    responses((status = 200, body = Vec<AlertView>), (status = 401, body = ErrorBody)))]
async fn list(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Vec<AlertView>>> {
    let now = Timestamp::now();
    let mut conn = state.db.acquire().await?;
    let w = world(&mut conn).await?;
    let all = alerts::list(&mut conn, now, q.expired.unwrap_or(false)).await?;
    Ok(Json(
        all.iter()
            .filter(|a| w.sees(&user, &a.target))
            .map(|a| view(a, &w.published, now))
            .collect(),
    ))
}

/// One alert, with its history.
#[utoipa::path(get, path = "/api/v1/alerts/{id}", tag = "alerts", params(("id" = String, Path)),
    responses((status = 200, body = AlertView), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_one(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<AlertView>> {
    let now = Timestamp::now();
    let mut conn = state.db.acquire().await?;
    let a = alerts::load(&mut conn, &id)
        .await?
        .ok_or_else(|| not_found(&id))?;
    let w = world(&mut conn).await?;
    if !w.sees(&user, &a.target) {
        return Err(ApiError::forbidden(format!(
            "alert \"{id}\" is for screens you do not work for"
        )));
    }
    let log = alerts::history(&mut conn, &id).await?;
    Ok(Json(AlertView {
        log: Some(log),
        ..view(&a, &w.published, now)
    }))
}
