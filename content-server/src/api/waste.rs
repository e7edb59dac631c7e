//! Waste collection: each commune's calendar (rules, reminder window, the collections
//! planned with what holidays moved, history), the sorting guide and ADEME imports, and the
//! iCalendar feed residents subscribe to. The rules live in `crate::waste::edit`, shared
//! with the officer's page; these handlers only translate.

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use beffroi_protocol::data::waste::{Reminder, SortingAdvice};
use jiff::Timestamp;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, ApiJson, ApiResult, ErrorBody};
use crate::auth::CurrentUser;
use crate::server::AppState;
use crate::waste::edit::{self, CalendarView, MAX_GUIDE_BYTES};
use crate::waste::store::{
    self, GuideReport, HistoryLine, StoredAdvice, StoredCalendar, StoredRule,
};

pub(super) fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(get_one, set_reminder, remove))
        .routes(routes!(add_rule))
        .routes(routes!(update_rule, remove_rule))
        .routes(routes!(history))
        .routes(routes!(copy))
        .routes(routes!(list_advice, create_advice))
        .routes(routes!(update_advice, remove_advice))
        .routes(routes!(advice_flags))
        .routes(routes!(import_guide))
        .routes(routes!(imports))
}

/// Every commune's calendar, by commune.
#[utoipa::path(get, path = "/api/v1/waste/calendars", tag = "waste",
    responses((status = 200, body = Vec<StoredCalendar>), (status = 401, body = ErrorBody)))]
async fn list(
    State(state): State<Arc<AppState>>,
    CurrentUser(_): CurrentUser,
) -> ApiResult<Json<Vec<StoredCalendar>>> {
    let mut conn = state.db.acquire().await?;
    Ok(Json(store::calendars(&mut conn).await?))
}

/// The period of a calendar's preview.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Weeks {
    /// Weeks from today (1–106, default 8).
    pub weeks: Option<u32>,
}

/// A commune's calendar: its rules (and in words), the collections planned over the coming
/// weeks with what public holidays moved, and notices (a year of 53 ISO weeks).
#[utoipa::path(get, path = "/api/v1/waste/calendars/{commune}", tag = "waste",
    params(("commune" = String, Path, description = "INSEE code"), Weeks),
    responses((status = 200, body = CalendarView), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn get_one(
    State(state): State<Arc<AppState>>,
    CurrentUser(_): CurrentUser,
    Path(commune): Path<String>,
    Query(w): Query<Weeks>,
) -> ApiResult<Json<CalendarView>> {
    let commune = edit::territory_commune(&commune)?;
    Ok(Json(
        edit::view(&state, &commune, w.weeks.unwrap_or(8)).await?,
    ))
}

/// Sets when the commune's screens show the evening-before reminder (creating its calendar).
#[utoipa::path(put, path = "/api/v1/waste/calendars/{commune}", tag = "waste",
    params(("commune" = String, Path)), request_body(content = Object, description = "reminder: {\"start\": \"17:00\", \"end\": \"23:00\"}"),
    responses((status = 200, body = StoredCalendar), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn set_reminder(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Path(commune): Path<String>,
    ApiJson(body): ApiJson<ReminderBody>,
) -> ApiResult<Json<StoredCalendar>> {
    let commune = edit::territory_commune(&commune)?;
    Ok(Json(
        edit::save_reminder(&state, &user, &commune, body.reminder).await?,
    ))
}

/// The body of `PUT /api/v1/waste/calendars/{commune}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReminderBody {
    /// The evening window.
    #[schema(value_type = Object)]
    pub reminder: Reminder,
}

/// Deletes a commune's calendar and its rules.
#[utoipa::path(delete, path = "/api/v1/waste/calendars/{commune}", tag = "waste",
    params(("commune" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn remove(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Path(commune): Path<String>,
) -> ApiResult<StatusCode> {
    let commune = edit::territory_commune(&commune)?;
    edit::delete_calendar(&state, &user, &commune).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds a rule to a commune's calendar (creating the calendar). The body is a rule:
/// `{"stream": "packaging", "rhythm": {"kind": "every_other_week", "days": ["thu"],
/// "parity": "odd"}, "season": {"from": "04-01", "until": "11-30"}, "holidays": {"shift":
/// "next_day", "kept": ["victory_day"]}, "added": [], "cancelled": [], "note": {"fr": "…"}}`.
#[utoipa::path(post, path = "/api/v1/waste/calendars/{commune}/rules", tag = "waste",
    params(("commune" = String, Path)), request_body(content = Object),
    responses((status = 201, body = StoredRule), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn add_rule(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Path(commune): Path<String>,
    ApiJson(rule): ApiJson<beffroi_waste::Rule>,
) -> ApiResult<(StatusCode, Json<StoredRule>)> {
    let commune = edit::territory_commune(&commune)?;
    let saved = edit::save_rule(&state, &user, &commune, None, rule).await?;
    Ok((StatusCode::CREATED, Json(saved)))
}

/// Replaces a rule.
#[utoipa::path(put, path = "/api/v1/waste/calendars/{commune}/rules/{id}", tag = "waste",
    params(("commune" = String, Path), ("id" = String, Path)), request_body(content = Object),
    responses((status = 200, body = StoredRule), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn update_rule(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Path((commune, id)): Path<(String, String)>,
    ApiJson(rule): ApiJson<beffroi_waste::Rule>,
) -> ApiResult<Json<StoredRule>> {
    let commune = edit::territory_commune(&commune)?;
    Ok(Json(
        edit::save_rule(&state, &user, &commune, Some(&id), rule).await?,
    ))
}

/// Deletes a rule.
#[utoipa::path(delete, path = "/api/v1/waste/calendars/{commune}/rules/{id}", tag = "waste",
    params(("commune" = String, Path), ("id" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn remove_rule(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Path((commune, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let commune = edit::territory_commune(&commune)?;
    edit::delete_rule(&state, &user, &commune, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The body of `POST /api/v1/waste/calendars/{commune}/copy`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CopyBody {
    /// The commune whose rules are taken (INSEE code).
    pub from: String,
}

/// Adds another commune's rules to this calendar (after its own; its reminder window too
/// when this commune has no calendar yet): communes served by the same round share them.
#[utoipa::path(post, path = "/api/v1/waste/calendars/{commune}/copy", tag = "waste",
    params(("commune" = String, Path)), request_body = CopyBody,
    responses((status = 200, body = StoredCalendar), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn copy(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Path(commune): Path<String>,
    ApiJson(body): ApiJson<CopyBody>,
) -> ApiResult<Json<StoredCalendar>> {
    let commune = edit::territory_commune(&commune)?;
    let from = edit::territory_commune(&body.from)?;
    Ok(Json(
        edit::copy_rules(&state, &user, &commune, &from).await?,
    ))
}

/// The latest 100 changes of a commune's calendar, newest first.
#[utoipa::path(get, path = "/api/v1/waste/calendars/{commune}/history", tag = "waste",
    params(("commune" = String, Path)),
    responses((status = 200, body = Vec<HistoryLine>), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn history(
    State(state): State<Arc<AppState>>,
    CurrentUser(_): CurrentUser,
    Path(commune): Path<String>,
) -> ApiResult<Json<Vec<HistoryLine>>> {
    let commune = edit::territory_commune(&commune)?;
    let mut conn = state.db.acquire().await?;
    Ok(Json(store::history(&mut conn, &commune, 100).await?))
}

/// The sorting guide (hidden and removed entries included), by id.
#[utoipa::path(get, path = "/api/v1/waste/advice", tag = "waste",
    responses((status = 200, body = Vec<StoredAdvice>), (status = 401, body = ErrorBody)))]
async fn list_advice(
    State(state): State<Arc<AppState>>,
    CurrentUser(_): CurrentUser,
) -> ApiResult<Json<Vec<StoredAdvice>>> {
    let mut conn = state.db.acquire().await?;
    Ok(Json(store::advice(&mut conn).await?))
}

/// Writes a sorting tip (its `id` is made from its name).
#[utoipa::path(post, path = "/api/v1/waste/advice", tag = "waste", request_body(content = Object),
    responses((status = 201, body = StoredAdvice), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_advice(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    ApiJson(a): ApiJson<AdviceBody>,
) -> ApiResult<(StatusCode, Json<StoredAdvice>)> {
    let saved = edit::save_advice(&state, &user, None, a.into_advice()?).await?;
    Ok((StatusCode::CREATED, Json(saved)))
}

/// A sorting tip as written: a `SortingAdvice` whose `id` may be left out.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AdviceBody {
    /// The entry.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub advice: serde_json::Map<String, serde_json::Value>,
}

impl AdviceBody {
    fn into_advice(self) -> Result<SortingAdvice, ApiError> {
        let mut map = self.advice;
        map.entry("id")
            .or_insert_with(|| serde_json::Value::String(String::new()));
        serde_json::from_value(serde_json::Value::Object(map)).map_err(|e| {
            ApiError::invalid(
                format!("the sorting tip is not valid: {e}"),
                vec![e.to_string()],
            )
        })
    }
}

/// Replaces a sorting tip (an imported one is then kept as written by later imports).
#[utoipa::path(put, path = "/api/v1/waste/advice/{id}", tag = "waste",
    params(("id" = String, Path)), request_body(content = Object),
    responses((status = 200, body = StoredAdvice), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn update_advice(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    ApiJson(a): ApiJson<AdviceBody>,
) -> ApiResult<Json<StoredAdvice>> {
    Ok(Json(
        edit::save_advice(&state, &user, Some(&id), a.into_advice()?).await?,
    ))
}

/// Deletes a sorting tip written by the officer (imported ones are hidden instead: 409).
#[utoipa::path(delete, path = "/api/v1/waste/advice/{id}", tag = "waste",
    params(("id" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn remove_advice(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    edit::delete_advice(&state, &user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What `POST /api/v1/waste/advice/{id}/flags` changes (absent: unchanged).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Flags {
    /// Kept off the screens and the kiosk.
    pub hidden: Option<bool>,
    /// In the "Le saviez-vous ?" rotation.
    pub featured: Option<bool>,
}

/// Hides or shows a sorting tip, features it in the "Le saviez-vous ?" rotation or not.
#[utoipa::path(post, path = "/api/v1/waste/advice/{id}/flags", tag = "waste",
    params(("id" = String, Path)), request_body = Flags,
    responses((status = 200, body = StoredAdvice), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn advice_flags(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    ApiJson(f): ApiJson<Flags>,
) -> ApiResult<Json<StoredAdvice>> {
    Ok(Json(
        edit::set_advice_flags(&state, &user, &id, f.hidden, f.featured).await?,
    ))
}

/// Imports ADEME's "Que faire de mes déchets" guide (`waste.json`, at most 16 MiB) from the
/// request body. Answers the report (entries read, added, updated, unchanged, kept as the
/// officer edited them, removed, problems, keys repaired); a file that cannot be read
/// answers 422 naming the problem, and the guide stored stays.
#[utoipa::path(post, path = "/api/v1/waste/advice/import", tag = "waste",
    request_body(content = Vec<u8>, content_type = "application/json"),
    responses((status = 200, body = GuideReport), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn import_guide(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    body: Body,
) -> ApiResult<Json<GuideReport>> {
    let bytes = super::read_limited(body, MAX_GUIDE_BYTES, "the guide").await?;
    let report = edit::import_guide(&state, &user, &bytes, None).await?;
    match &report.error {
        None => Ok(Json(report)),
        Some(e) => Err(ApiError::invalid(
            format!("import of the sorting guide failed: {e}"),
            vec![e.clone()],
        )),
    }
}

/// The latest 50 imports of the guide, newest first.
#[utoipa::path(get, path = "/api/v1/waste/advice/imports", tag = "waste",
    responses((status = 200, body = Vec<GuideReport>), (status = 401, body = ErrorBody)))]
async fn imports(
    State(state): State<Arc<AppState>>,
    CurrentUser(_): CurrentUser,
) -> ApiResult<Json<Vec<GuideReport>>> {
    let mut conn = state.db.acquire().await?;
    Ok(Json(store::imports(&mut conn, 50).await?))
}

/// The right-hand side of the feed's UIDs: the same whatever name or proxy the server is
/// reached through, so that a resident's calendar app recognises each collection again.
const UID_DOMAIN: &str = "collectes.beffroi";

/// Weeks before today that the iCalendar feed still lists (so that a just-passed
/// collection stays in residents' calendars).
const ICS_WEEKS_BEFORE: i64 = 4;

/// Weeks after today that it lists.
const ICS_WEEKS_AFTER: i64 = 53;

/// `GET /collectes/{commune}.ics` (public, no account): a commune's collections as an
/// iCalendar feed residents subscribe to, from four weeks back to a year ahead, one
/// all-day event per stream and day with an alarm the evening before. ETag from the
/// content, so that calendar apps polling it cost a 304.
pub async fn ics(
    State(state): State<Arc<AppState>>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let code = file.strip_suffix(".ics").unwrap_or(&file);
    let commune = edit::territory_commune(code)?;
    let mut conn = state.db.acquire().await?;
    let Some(stored) = store::calendar(&mut conn, &commune).await? else {
        return Err(ApiError::not_found(format!(
            "{} has no waste calendar",
            crate::rules::owner_words(Some(&commune))
        )));
    };
    drop(conn);
    let today = edit::today();
    let span = |weeks: i64| jiff::Span::new().days(7 * weeks);
    let from = today.checked_sub(span(ICS_WEEKS_BEFORE)).unwrap_or(today);
    let until = today.checked_add(span(ICS_WEEKS_AFTER)).unwrap_or(today);
    let stamp = stored
        .updated_at
        .parse::<Timestamp>()
        .unwrap_or(Timestamp::UNIX_EPOCH);
    let body = beffroi_waste::ical::export(&stored.calendar(), from, until, stamp, UID_DOMAIN);
    let etag = format!(
        "\"{}\"",
        &beffroi_protocol::ids::Sha256::of(body.as_bytes()).as_str()[..32]
    );
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag))
    {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    let name = format!(
        "inline; filename=\"{}\"",
        beffroi_waste::ical::file_name(&stored.calendar())
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "text/calendar; charset=utf-8".to_owned(),
            ),
            (header::CONTENT_DISPOSITION, name),
            (header::CACHE_CONTROL, "public, max-age=3600".to_owned()),
            (header::ETAG, etag),
        ],
        body,
    )
        .into_response())
}
