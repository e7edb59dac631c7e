//! The agenda: events written by the officer, agenda sources (iCalendar, OpenAgenda,
//! DATAtourisme) and their imports. The rules live in `crate::events::edit`, shared with
//! the officer's page; these handlers only translate.
//!
//! A change bypasses drafts: the events data set is rebuilt (occurrences over the horizon)
//! and the manifests of the screens showing an agenda get its new reference at once (an
//! editor's event waits for an approver unless editors may publish).

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use beffroi_agenda::Occurrence;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, ApiJson, ApiResult, ErrorBody};
use super::news::Hide;
use crate::auth::CurrentUser;
use crate::events::edit::{self, EventInput, SourceSettings};
use crate::events::import::MAX_SOURCE_BYTES;
use crate::events::store::{ImportReport, StoredEvent, StoredSource};
use crate::server::AppState;

pub(super) fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, update, remove))
        .routes(routes!(occurrences))
        .routes(routes!(approve))
        .routes(routes!(hide))
        .routes(routes!(list_sources, create_source))
        .routes(routes!(get_source, update_source, remove_source))
        .routes(routes!(import))
        .routes(routes!(imports))
}

/// The events the caller sees (the officer's and imported ones, withdrawn, waiting and
/// removed ones included), by id.
#[utoipa::path(get, path = "/api/v1/events", tag = "events",
    responses((status = 200, body = Vec<StoredEvent>), (status = 401, body = ErrorBody)))]
async fn list(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<Json<Vec<StoredEvent>>> {
    Ok(Json(edit::visible_events(&state, &user).await?))
}

/// Writes a new event; on the screens at once when its author may publish.
#[utoipa::path(post, path = "/api/v1/events", tag = "events", request_body = EventInput,
    responses((status = 201, body = StoredEvent), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    ApiJson(e): ApiJson<EventInput>,
) -> ApiResult<(StatusCode, Json<StoredEvent>)> {
    let saved = edit::save_event(&state, &user, None, e).await?;
    Ok((StatusCode::CREATED, Json(saved)))
}

/// One event.
#[utoipa::path(get, path = "/api/v1/events/{id}", tag = "events", params(("id" = String, Path)),
    responses((status = 200, body = StoredEvent), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn get_one(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<StoredEvent>> {
    Ok(Json(edit::visible_event(&state, &user, &id).await?))
}

/// Replaces an event written by the officer (imported ones are refused: withdraw them).
#[utoipa::path(put, path = "/api/v1/events/{id}", tag = "events", params(("id" = String, Path)),
    request_body = EventInput,
    responses((status = 200, body = StoredEvent), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    ApiJson(e): ApiJson<EventInput>,
) -> ApiResult<Json<StoredEvent>> {
    Ok(Json(edit::save_event(&state, &user, Some(&id), e).await?))
}

/// Deletes an event written by the officer.
#[utoipa::path(delete, path = "/api/v1/events/{id}", tag = "events", params(("id" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn remove(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    edit::delete_event(&state, &user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The window of `GET /api/v1/events/{id}/occurrences`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Window {
    /// First instant (RFC 3339); absent: the start of today in the territory.
    #[param(value_type = Option<String>)]
    pub from: Option<Timestamp>,
    /// End of the window; absent: the horizon of the data set (`events_horizon_days`).
    #[param(value_type = Option<String>)]
    pub until: Option<Timestamp>,
}

/// One occurrence, as expanded by the server.
#[derive(Debug, Serialize, ToSchema)]
pub struct OccurrenceOut {
    /// Start, in the event's zone ("2026-12-05T14:30:00+01:00[Europe/Paris]").
    #[schema(value_type = String)]
    pub start: String,
    /// End, exclusive.
    #[schema(value_type = String)]
    pub end: String,
    /// Whole days.
    pub all_day: bool,
    /// `scheduled`, `cancelled`, `postponed` or `full`: the occurrence's own, else the event's.
    #[schema(value_type = String)]
    pub status: beffroi_protocol::data::events::EventStatus,
}

/// The occurrences of an event in a window (at most 200), as the screens would get them:
/// the recurrences of an iCalendar series expanded, moved instances at their new time,
/// cancelled ones with their status.
#[utoipa::path(get, path = "/api/v1/events/{id}/occurrences", tag = "events",
    params(("id" = String, Path), Window),
    responses((status = 200, body = Vec<OccurrenceOut>), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn occurrences(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    Query(w): Query<Window>,
) -> ApiResult<Json<Vec<OccurrenceOut>>> {
    let e = edit::visible_event(&state, &user, &id).await?;
    let (from, until) =
        crate::events::dataset::window(Timestamp::now(), state.settings.events_horizon_days);
    let (from, until) = (w.from.unwrap_or(from), w.until.unwrap_or(until));
    if until <= from {
        return Err(ApiError::invalid(
            "until: the window ends before it starts",
            vec!["until: not after from".into()],
        ));
    }
    let out = e
        .record
        .timing
        .occurrences(from, until)
        .into_iter()
        .map(|o: Occurrence| OccurrenceOut {
            start: o.start.to_string(),
            end: o.end.to_string(),
            all_day: o.all_day,
            status: o.status.unwrap_or(e.record.status),
        })
        .collect();
    Ok(Json(out))
}

/// Approves an event waiting for it (approvers and administrators).
#[utoipa::path(post, path = "/api/v1/events/{id}/approve", tag = "events",
    params(("id" = String, Path)),
    responses((status = 200, body = StoredEvent), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn approve(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<StoredEvent>> {
    Ok(Json(edit::approve(&state, &user, &id).await?))
}

/// Withdraws an event from the screens, or puts it back (a withdrawn imported event stays
/// withdrawn across imports).
#[utoipa::path(post, path = "/api/v1/events/{id}/hide", tag = "events",
    params(("id" = String, Path)), request_body = Hide,
    responses((status = 200, body = StoredEvent), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn hide(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    ApiJson(h): ApiJson<Hide>,
) -> ApiResult<Json<StoredEvent>> {
    Ok(Json(edit::set_hidden(&state, &user, &id, h.hidden).await?))
}

/// The agenda sources the caller sees, with the state of their last fetch.
#[utoipa::path(get, path = "/api/v1/events/sources", tag = "events",
    responses((status = 200, body = Vec<StoredSource>), (status = 401, body = ErrorBody)))]
async fn list_sources(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<Json<Vec<StoredSource>>> {
    Ok(Json(edit::visible_sources(&state, &user).await?))
}

/// Sets up an agenda source; one with an address is fetched at the schedule's next check.
#[utoipa::path(post, path = "/api/v1/events/sources", tag = "events",
    request_body = SourceSettings,
    responses((status = 201, body = StoredSource), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn create_source(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    ApiJson(s): ApiJson<SourceSettings>,
) -> ApiResult<(StatusCode, Json<StoredSource>)> {
    let saved = edit::save_source(&state, &user, None, s).await?;
    Ok((StatusCode::CREATED, Json(saved)))
}

/// One agenda source.
#[utoipa::path(get, path = "/api/v1/events/sources/{id}", tag = "events",
    params(("id" = String, Path)),
    responses((status = 200, body = StoredSource), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn get_source(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<StoredSource>> {
    Ok(Json(edit::visible_source(&state, &user, &id).await?))
}

/// Changes a source's settings (a new address or format forgets the old validators).
#[utoipa::path(put, path = "/api/v1/events/sources/{id}", tag = "events",
    params(("id" = String, Path)), request_body = SourceSettings,
    responses((status = 200, body = StoredSource), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn update_source(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    ApiJson(s): ApiJson<SourceSettings>,
) -> ApiResult<Json<StoredSource>> {
    Ok(Json(edit::save_source(&state, &user, Some(&id), s).await?))
}

/// Removes a source and its events.
#[utoipa::path(delete, path = "/api/v1/events/sources/{id}", tag = "events",
    params(("id" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn remove_source(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    edit::delete_source(&state, &user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Imports a source now: an empty body fetches its address; a body is the document itself
/// (an iCalendar file, OpenAgenda or DATAtourisme JSON, at most 32 MiB). Answers the
/// import's report (added, updated, cancelled, removed, failed, one line per item); a
/// document that cannot be read answers 422 naming the problem, and the source's earlier
/// events stay.
#[utoipa::path(post, path = "/api/v1/events/sources/{id}/import", tag = "events",
    params(("id" = String, Path)),
    request_body(content = Option<Vec<u8>>, content_type = "text/calendar"),
    responses((status = 200, body = ImportReport), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 502, body = ErrorBody)))]
async fn import(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    body: Body,
) -> ApiResult<Json<ImportReport>> {
    let bytes = super::read_limited(body, MAX_SOURCE_BYTES, "the agenda").await?;
    let file = (!bytes.is_empty()).then_some(bytes);
    let from_file = file.is_some();
    let report = edit::import_now(&state, &user, &id, file).await?;
    match &report.error {
        None => Ok(Json(report)),
        Some(e) if from_file => Err(ApiError::invalid(
            format!("import of source \"{id}\" failed: {e}"),
            vec![e.clone()],
        )),
        Some(e) => Err(ApiError::new(
            StatusCode::BAD_GATEWAY,
            format!("import of source \"{id}\" failed: {e}"),
        )),
    }
}

/// The latest 50 import reports of a source, newest first.
#[utoipa::path(get, path = "/api/v1/events/sources/{id}/imports", tag = "events",
    params(("id" = String, Path)),
    responses((status = 200, body = Vec<ImportReport>), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn imports(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<ImportReport>>> {
    edit::visible_source(&state, &user, &id).await?;
    let mut conn = state.db.acquire().await?;
    Ok(Json(
        crate::events::store::imports(&mut conn, &id, 50).await?,
    ))
}
