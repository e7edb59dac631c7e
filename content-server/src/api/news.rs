//! News: announcements, RSS/Atom feeds and their imports. The rules live in
//! `crate::news::edit`, shared with the officer's page; these handlers only translate.
//!
//! A change bypasses drafts: the news data set is rebuilt and the manifests of the screens
//! showing news get its new reference at once (an editor's announcement waits for an
//! approver unless editors may publish).

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiJson, ApiResult, ErrorBody};
use crate::auth::CurrentUser;
use crate::news::edit::{self, Announcement, FeedSettings};
use crate::news::import::MAX_FEED_BYTES;
use crate::news::store::{ImportReport, StoredFeed, StoredItem};
use crate::server::AppState;

pub(super) fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, update, remove))
        .routes(routes!(approve))
        .routes(routes!(hide))
        .routes(routes!(list_feeds, create_feed))
        .routes(routes!(get_feed, update_feed, remove_feed))
        .routes(routes!(import))
        .routes(routes!(imports))
}

/// The news items the caller sees (announcements and feed items, withdrawn, waiting and
/// expired ones included), by id.
#[utoipa::path(get, path = "/api/v1/news", tag = "news",
    responses((status = 200, body = Vec<StoredItem>), (status = 401, body = ErrorBody)))]
async fn list(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<Json<Vec<StoredItem>>> {
    Ok(Json(edit::visible_items(&state, &user).await?))
}

/// Writes a new announcement; on the screens at once when its author may publish.
#[utoipa::path(post, path = "/api/v1/news", tag = "news", request_body = Announcement,
    responses((status = 201, body = StoredItem), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    ApiJson(a): ApiJson<Announcement>,
) -> ApiResult<(StatusCode, Json<StoredItem>)> {
    let saved = edit::save_announcement(&state, &user, None, a).await?;
    Ok((StatusCode::CREATED, Json(saved)))
}

/// One news item.
#[utoipa::path(get, path = "/api/v1/news/{id}", tag = "news", params(("id" = String, Path)),
    responses((status = 200, body = StoredItem), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn get_one(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<StoredItem>> {
    Ok(Json(edit::visible_item(&state, &user, &id).await?))
}

/// Replaces an announcement (feed items are refused: withdraw them instead).
#[utoipa::path(put, path = "/api/v1/news/{id}", tag = "news", params(("id" = String, Path)),
    request_body = Announcement,
    responses((status = 200, body = StoredItem), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    ApiJson(a): ApiJson<Announcement>,
) -> ApiResult<Json<StoredItem>> {
    Ok(Json(
        edit::save_announcement(&state, &user, Some(&id), a).await?,
    ))
}

/// Deletes an announcement.
#[utoipa::path(delete, path = "/api/v1/news/{id}", tag = "news", params(("id" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn remove(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    edit::delete_announcement(&state, &user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Approves an announcement waiting for it (approvers and administrators).
#[utoipa::path(post, path = "/api/v1/news/{id}/approve", tag = "news",
    params(("id" = String, Path)),
    responses((status = 200, body = StoredItem), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn approve(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<StoredItem>> {
    Ok(Json(edit::approve(&state, &user, &id).await?))
}

/// `{"hidden": true}` withdraws an item from the screens; `false` puts it back.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Hide {
    /// Withdrawn.
    pub hidden: bool,
}

/// Withdraws a news item from the screens, or puts it back (a withdrawn feed item stays
/// withdrawn across imports).
#[utoipa::path(post, path = "/api/v1/news/{id}/hide", tag = "news",
    params(("id" = String, Path)), request_body = Hide,
    responses((status = 200, body = StoredItem), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn hide(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    ApiJson(h): ApiJson<Hide>,
) -> ApiResult<Json<StoredItem>> {
    Ok(Json(edit::set_hidden(&state, &user, &id, h.hidden).await?))
}

/// The news feeds the caller sees, with the state of their last fetch.
#[utoipa::path(get, path = "/api/v1/news/feeds", tag = "news",
    responses((status = 200, body = Vec<StoredFeed>), (status = 401, body = ErrorBody)))]
async fn list_feeds(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<Json<Vec<StoredFeed>>> {
    Ok(Json(edit::visible_feeds(&state, &user).await?))
}

/// Sets up a feed; one with an address is fetched at the schedule's next check.
#[utoipa::path(post, path = "/api/v1/news/feeds", tag = "news", request_body = FeedSettings,
    responses((status = 201, body = StoredFeed), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn create_feed(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    ApiJson(f): ApiJson<FeedSettings>,
) -> ApiResult<(StatusCode, Json<StoredFeed>)> {
    let saved = edit::save_feed(&state, &user, None, f).await?;
    Ok((StatusCode::CREATED, Json(saved)))
}

/// One feed.
#[utoipa::path(get, path = "/api/v1/news/feeds/{id}", tag = "news",
    params(("id" = String, Path)),
    responses((status = 200, body = StoredFeed), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn get_feed(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<StoredFeed>> {
    Ok(Json(edit::visible_feed(&state, &user, &id).await?))
}

/// Changes a feed's settings (a new address forgets the old one's validators).
#[utoipa::path(put, path = "/api/v1/news/feeds/{id}", tag = "news",
    params(("id" = String, Path)), request_body = FeedSettings,
    responses((status = 200, body = StoredFeed), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn update_feed(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    ApiJson(f): ApiJson<FeedSettings>,
) -> ApiResult<Json<StoredFeed>> {
    Ok(Json(edit::save_feed(&state, &user, Some(&id), f).await?))
}

/// Removes a feed and its items.
#[utoipa::path(delete, path = "/api/v1/news/feeds/{id}", tag = "news",
    params(("id" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn remove_feed(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    edit::delete_feed(&state, &user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Imports a feed now: an empty body fetches its address; a body is the feed document
/// itself (RSS or Atom, at most 8 MiB). Answers the import's report; a document that is not
/// a feed answers 422 naming the problem, and the feed's earlier items stay.
#[utoipa::path(post, path = "/api/v1/news/feeds/{id}/import", tag = "news",
    params(("id" = String, Path)),
    request_body(content = Option<Vec<u8>>, content_type = "application/xml"),
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
    let bytes = super::read_limited(body, MAX_FEED_BYTES, "the feed").await?;
    let file = (!bytes.is_empty()).then_some(bytes);
    let from_file = file.is_some();
    let report = edit::import_now(&state, &user, &id, file).await?;
    match &report.error {
        None => Ok(Json(report)),
        Some(e) if from_file => Err(super::error::ApiError::invalid(
            format!("import of feed \"{id}\" failed: {e}"),
            vec![e.clone()],
        )),
        Some(e) => Err(super::error::ApiError::new(
            StatusCode::BAD_GATEWAY,
            format!("import of feed \"{id}\" failed: {e}"),
        )),
    }
}

/// The latest 50 import reports of a feed, newest first.
#[utoipa::path(get, path = "/api/v1/news/feeds/{id}/imports", tag = "news",
    params(("id" = String, Path)),
    responses((status = 200, body = Vec<ImportReport>), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn imports(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<ImportReport>>> {
    edit::visible_feed(&state, &user, &id).await?;
    let mut conn = state.db.acquire().await?;
    Ok(Json(crate::news::store::imports(&mut conn, &id, 50).await?))
}
