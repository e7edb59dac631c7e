//! Emergency alerts: raise, edit, cancel and read them. A change bypasses drafts and
//! publishing: it is stored with a line of history, pushed at once (an `alert` event) to
//! every screen concerned, and written into their manifests, which get a new version and a
//! `manifest` event, so that a player that missed the push learns of it at its next poll.
//!
//! Rights: administrators and approvers alert any screen; an editor alerts only the screens
//! and communes they edit, and changes only alerts whose target is all theirs; viewers
//! read. A caller sees the alerts that reach the communes they work for.

use std::collections::BTreeMap;
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
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, ApiJson, ApiResult, ErrorBody};
use super::objects::owner_name;
use crate::alerts::{self, LogEntry, StoredAlert, Target};
use crate::auth::CurrentUser;
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
    /// `{"all": true}`, or `{"screens": [ids]}` and/or `{"communes": [INSEE codes]}`.
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

/// The published side of every object, and the screen rows (either side).
struct World {
    published: Snapshot,
    screens: Vec<ObjectRow>,
}

async fn world(db: &mut sqlx::SqliteConnection) -> ApiResult<World> {
    let rows = store::all(&mut *db).await?;
    let media = store::media(&mut *db).await?;
    let published = Snapshot::build(&rows, Side::Published, media)
        .map_err(|e| ApiError::internal("reading objects", e))?;
    Ok(World {
        published,
        screens: rows
            .into_iter()
            .filter(|r| r.kind == Kind::Screen)
            .collect(),
    })
}

impl World {
    fn screen(&self, id: &str) -> Option<&ObjectRow> {
        self.screens.iter().find(|r| r.id == id)
    }

    /// Whether `user` sees an alert for `target`: it reaches a commune they work for.
    fn sees(&self, user: &User, target: &Target) -> bool {
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
            || target.screens_in(&self.published).iter().any(|id| {
                self.published
                    .screens
                    .get(id)
                    .is_some_and(|s| s.owner.as_ref().is_some_and(mine) || mine(&s.body.commune))
            })
    }

    /// 403 unless `user` may alert every screen `target` names.
    fn authorize(&self, user: &User, target: &Target) -> ApiResult<()> {
        let who = format!("you ({}, {})", user.username, user.role);
        if target.all && !user.edits(None) {
            return Err(ApiError::forbidden(format!(
                "target: only administrators and approvers alert every screen; {who} may alert the screens of your communes"
            )));
        }
        for c in &target.communes {
            if !user.edits(Some(c)) {
                return Err(ApiError::forbidden(format!(
                    "target.communes: {who} cannot alert the screens of {}",
                    owner_name(Some(c))
                )));
            }
        }
        for id in &target.screens {
            // A screen deleted since reaches nothing: nothing to protect.
            let Some(row) = self.screen(id) else { continue };
            if !user.edits(row.owner.as_ref()) {
                return Err(ApiError::forbidden(format!(
                    "target.screens: screen \"{id}\" belongs to {}; {who} cannot alert it",
                    owner_name(row.owner.as_ref())
                )));
            }
        }
        Ok(())
    }

    /// The target a request names, checked against the territory and the screens.
    fn target(&self, value: Option<serde_json::Value>) -> ApiResult<Target> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Given {
            #[serde(default)]
            all: bool,
            #[serde(default)]
            communes: Vec<String>,
            #[serde(default)]
            screens: Vec<String>,
        }
        let invalid = |p: Vec<String>| ApiError::invalid(p[0].clone(), p);
        let given: Given = match value {
            None | Some(serde_json::Value::Null) => {
                return Err(invalid(vec![
                    "target: is required: {\"all\": true}, {\"screens\": [ids]} or {\"communes\": [INSEE codes]}".into(),
                ]));
            }
            Some(v) => {
                serde_json::from_value(v).map_err(|e| invalid(vec![format!("target: {e}")]))?
            }
        };
        let mut problems = Vec::new();
        if given.all && !(given.communes.is_empty() && given.screens.is_empty()) {
            problems.push(
                "target: \"all\" reaches every screen; list no screen or commune with it".into(),
            );
        }
        if !given.all && given.communes.is_empty() && given.screens.is_empty() {
            problems.push(
                "target: reaches no screen; give {\"all\": true}, screens or communes".into(),
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
        for (i, id) in given.screens.iter().enumerate() {
            if self.screen(id).is_none() {
                problems.push(format!("target.screens[{i}]: no screen \"{id}\""));
            }
        }
        if !problems.is_empty() {
            return Err(invalid(problems));
        }
        communes.sort();
        communes.dedup();
        let mut screens = given.screens;
        screens.sort();
        screens.dedup();
        Ok(Target {
            all: given.all,
            communes,
            screens,
        })
    }
}

/// The fields of a new or changed alert, before checking.
struct Fields {
    severity: Option<String>,
    title: Option<serde_json::Value>,
    message: Option<serde_json::Value>,
    starts_at: Option<String>,
    expires_at: Option<String>,
}

/// The alert `fields` describe at `revision`, checked at `now`; `start` when they give
/// none. Every problem names its field.
fn checked_alert(
    id: &str,
    revision: u32,
    fields: Fields,
    start: Timestamp,
    now: Timestamp,
) -> ApiResult<Alert> {
    let mut problems = Vec::new();
    let severity = match fields.severity.as_deref() {
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
    let title = text("title", fields.title);
    let message = text("message", fields.message);
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
    let starts_at = instant("starts_at", fields.starts_at).unwrap_or(start);
    let given_expiry = fields.expires_at.is_some();
    let expires_at = instant("expires_at", fields.expires_at);
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
    if !problems.is_empty() {
        return Err(ApiError::invalid(problems[0].clone(), problems));
    }
    Ok(alert)
}

/// An id for an alert raised without one: `alert-YYYYMMDD-HHMM-` and 6 random hex digits.
fn new_id(now: Timestamp) -> String {
    let mut bytes = [0u8; 3];
    getrandom::fill(&mut bytes).expect("the operating system's random generator failed");
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("alert-{}-{hex}", now.strftime("%Y%m%d-%H%M"))
}

/// What a write does.
enum Op {
    Raise(Option<String>, Fields, Option<serde_json::Value>),
    Edit(Fields, Option<serde_json::Value>, Option<u32>),
    Cancel(Option<u32>),
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("no alert \"{id}\""))
}

/// Applies `op` to alert `id` in one write transaction (the alert, its history line and the
/// manifests of the screens it concerns), then pushes it.
async fn write(state: &AppState, user: &User, id: Option<&str>, op: Op) -> ApiResult<AlertView> {
    if user.role == Role::Viewer {
        return Err(ApiError::forbidden(format!(
            "you ({}, viewer) cannot raise, edit or cancel alerts",
            user.username
        )));
    }
    let now = super::player::now_s();
    let mut tx = crate::db::begin_write(&state.db).await?;
    let w = world(&mut tx).await?;
    let existing = match id {
        Some(id) => alerts::load(&mut tx, id).await?,
        None => None,
    };
    // The current alert, when the caller may change it.
    let current = |revision: Option<u32>| -> ApiResult<&StoredAlert> {
        let id = id.unwrap_or_default();
        let cur = existing.as_ref().ok_or_else(|| not_found(id))?;
        if !w.sees(user, &cur.target) {
            return Err(ApiError::forbidden(format!(
                "alert \"{id}\" is for screens you do not work for"
            )));
        }
        w.authorize(user, &cur.target)?;
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
    };
    let (stored, action) = match op {
        Op::Raise(given, fields, target) => {
            let id = match given {
                Some(id) => {
                    beffroi_protocol::ids::check_id(&id).map_err(|e| {
                        ApiError::invalid(format!("id: {e}"), vec![format!("id: {e}")])
                    })?;
                    if alerts::load(&mut tx, &id).await?.is_some() {
                        return Err(ApiError::conflict(format!(
                            "an alert \"{id}\" already exists; edit it (PUT /api/v1/alerts/{id})"
                        )));
                    }
                    id
                }
                None => loop {
                    let id = new_id(now);
                    if alerts::load(&mut tx, &id).await?.is_none() {
                        break id;
                    }
                },
            };
            let target = w.target(target)?;
            w.authorize(user, &target)?;
            let alert = checked_alert(&id, 1, fields, now, now)?;
            let stored = StoredAlert {
                alert,
                target,
                created_by: Some(user.username.clone()),
                created_at: alerts::stored_instant(now),
                updated_by: Some(user.username.clone()),
                updated_at: alerts::stored_instant(now),
            };
            (stored, "raised")
        }
        Op::Edit(fields, target, revision) => {
            let cur = current(revision)?;
            let target = w.target(target)?;
            w.authorize(user, &target)?;
            let alert = checked_alert(
                &cur.alert.id,
                cur.alert.revision + 1,
                fields,
                cur.alert.starts_at,
                now,
            )?;
            let stored = StoredAlert {
                alert,
                target,
                updated_by: Some(user.username.clone()),
                updated_at: alerts::stored_instant(now),
                ..cur.clone()
            };
            (stored, "edited")
        }
        Op::Cancel(revision) => {
            let cur = current(revision)?;
            let stored = StoredAlert {
                alert: Alert {
                    revision: cur.alert.revision + 1,
                    cancelled: true,
                    ..cur.alert.clone()
                },
                updated_by: Some(user.username.clone()),
                updated_at: alerts::stored_instant(now),
                ..cur.clone()
            };
            (stored, "cancelled")
        }
    };
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
    Ok(AlertView {
        delivered: Some(delivered),
        publication: refresh.publication,
        manifests: Some(refresh.manifests),
        ..view(&stored, &w.published, now)
    })
}

/// Raises an alert: stored, pushed at once to the screens it reaches and written into
/// their manifests. Administrators and approvers alert any screen; editors the screens and
/// communes they edit.
#[utoipa::path(post, path = "/api/v1/alerts", tag = "alerts", request_body = NewAlert,
    responses((status = 201, body = AlertView), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn raise(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    ApiJson(req): ApiJson<NewAlert>,
) -> ApiResult<(StatusCode, Json<AlertView>)> {
    let fields = Fields {
        severity: req.severity,
        title: req.title,
        message: req.message,
        starts_at: req.starts_at,
        expires_at: req.expires_at,
    };
    let v = write(&state, &user, None, Op::Raise(req.id, fields, req.target)).await?;
    Ok((StatusCode::CREATED, Json(v)))
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
    let fields = Fields {
        severity: req.severity,
        title: req.title,
        message: req.message,
        starts_at: req.starts_at,
        expires_at: req.expires_at,
    };
    write(
        &state,
        &user,
        Some(&id),
        Op::Edit(fields, req.target, req.revision),
    )
    .await
    .map(Json)
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
    write(&state, &user, Some(&id), Op::Cancel(req.revision))
        .await
        .map(Json)
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
