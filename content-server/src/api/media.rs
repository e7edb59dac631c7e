//! Media upload and library: a streamed upload under the size limit, checked by the ingest
//! pipeline (type from magic bytes, bounded decode, EXIF), stored content-addressed with
//! its thumbnail; the same bytes uploaded twice by one owner are one media.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use beffroi_protocol::ids::{Insee, Sha256};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, ApiResult, ErrorBody};
use crate::auth::CurrentUser;
use crate::ingest::IngestError;
use crate::publish::record_blob;
use crate::server::AppState;
use crate::users::User;

pub(super) fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(list, upload))
        .routes(routes!(get_one, delete))
        .routes(routes!(thumbnail))
}

/// An uploaded media.
#[derive(Debug, Serialize, ToSchema)]
pub struct MediaView {
    /// Row id.
    pub id: i64,
    /// SHA-256 of the original: what playlist items name.
    pub sha256: String,
    /// Owning commune; null for shared.
    pub owner: Option<String>,
    /// Name given at upload (the file name).
    pub name: String,
    /// Type found from the bytes.
    pub mime: String,
    /// Size in bytes.
    pub size: i64,
    /// Upright width in pixels.
    pub width: i64,
    /// Upright height in pixels.
    pub height: i64,
    /// SHA-256 of the thumbnail (at most 320×320).
    pub thumbnail: String,
    /// Upload instant.
    pub created_at: String,
    /// Who uploaded it.
    pub created_by: Option<String>,
}

const SELECT: &str = "SELECT m.id, m.sha256, m.owner, m.name, m.mime, m.size, m.width, m.height,
    m.thumbnail, m.created_at, u.username FROM media m LEFT JOIN users u ON u.id = m.created_by";

fn view(r: &SqliteRow) -> MediaView {
    MediaView {
        id: r.get("id"),
        sha256: r.get("sha256"),
        owner: r.get("owner"),
        name: r.get("name"),
        mime: r.get("mime"),
        size: r.get("size"),
        width: r.get("width"),
        height: r.get("height"),
        thumbnail: r.get("thumbnail"),
        created_at: r.get("created_at"),
        created_by: r.get("username"),
    }
}

/// `?name=&owner=` of an upload.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct UploadQuery {
    /// Name shown to the officer (usually the file name).
    pub name: Option<String>,
    /// Owning commune (INSEE) or `shared`; absent: shared, or an editor's only commune.
    pub owner: Option<String>,
}

/// Every media the caller may see.
#[utoipa::path(get, path = "/api/v1/media", tag = "media", responses((status = 200, body = Vec<MediaView>)))]
async fn list(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<Json<Vec<MediaView>>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} ORDER BY m.id")))
        .fetch_all(&state.db)
        .await?;
    Ok(Json(
        rows.iter()
            .map(view)
            .filter(|m| user.sees(owner_of(m).as_ref()))
            .collect(),
    ))
}

fn owner_of(m: &MediaView) -> Option<Insee> {
    m.owner.as_deref().and_then(|o| o.parse().ok())
}

async fn load(state: &AppState, user: &User, id: i64) -> ApiResult<MediaView> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE m.id = ?1")))
        .bind(id)
        .fetch_optional(&state.db)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no media {id}")))?;
    let m = view(&row);
    if !user.sees(owner_of(&m).as_ref()) {
        return Err(ApiError::forbidden(format!(
            "media {id} belongs to {}; you do not work for it",
            super::objects::owner_name(owner_of(&m).as_ref())
        )));
    }
    Ok(m)
}

/// One media.
#[utoipa::path(get, path = "/api/v1/media/{id}", tag = "media", params(("id" = i64, Path)),
    responses((status = 200, body = MediaView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_one(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<MediaView>> {
    load(&state, &user, id).await.map(Json)
}

/// The thumbnail of a media.
#[utoipa::path(get, path = "/api/v1/media/{id}/thumbnail", tag = "media", params(("id" = i64, Path)),
    responses((status = 200, content_type = "image/jpeg"), (status = 404, body = ErrorBody)))]
async fn thumbnail(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let m = load(&state, &user, id).await?;
    let sha: Sha256 = m
        .thumbnail
        .parse()
        .map_err(|e| ApiError::internal("reading a thumbnail", e))?;
    let mime: String = sqlx::query_scalar("SELECT mime FROM blobs WHERE sha256 = ?1")
        .bind(sha.as_str())
        .fetch_optional(&state.db)
        .await?
        .unwrap_or_else(|| "image/jpeg".into());
    let bytes = state.blobs.get(&sha).await?;
    Ok((
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "private, max-age=86400".into()),
        ],
        bytes,
    )
        .into_response())
}

/// Uploads an image (the request body is the file). JPEG, PNG, WebP and GIF are accepted;
/// the type comes from the bytes, not the name. Answers 201 for a new media, 200 when the
/// owner already had these bytes.
#[utoipa::path(post, path = "/api/v1/media", tag = "media", params(UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = MediaView), (status = 200, body = MediaView),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn upload(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Query(q): Query<UploadQuery>,
    body: Body,
) -> ApiResult<(StatusCode, Json<MediaView>)> {
    let owner = super::objects::parse_owner(q.owner.as_deref(), &user)?;
    if !user.edits(owner.as_ref()) {
        return Err(ApiError::forbidden(format!(
            "{} ({}) cannot upload media for {}",
            user.username,
            user.role,
            super::objects::owner_name(owner.as_ref())
        )));
    }
    let name = q.name.unwrap_or_default().trim().to_owned();
    let name = if name.is_empty() {
        "sans titre".to_owned()
    } else {
        name
    };
    let result = receive_and_store(&state, &user, owner.as_ref(), &name, body).await;
    let counter = if result.is_ok() {
        &state.metrics.uploads
    } else {
        &state.metrics.uploads_refused
    };
    counter.fetch_add(1, Ordering::Relaxed);
    result
}

async fn receive_and_store(
    state: &AppState,
    user: &User,
    owner: Option<&Insee>,
    name: &str,
    body: Body,
) -> ApiResult<(StatusCode, Json<MediaView>)> {
    let limit = state.settings.max_upload_bytes;
    let bytes = super::read_limited(
        body,
        usize::try_from(limit).unwrap_or(usize::MAX),
        "the upload",
    )
    .await
    .map_err(|e| {
        if e.status == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                e.status,
                format!(
                    "upload refused: the file is larger than the {} allowed",
                    crate::ingest::in_words(limit)
                ),
            )
        } else {
            e
        }
    })?;
    store_media(state, user, owner, name, bytes).await
}

/// Checks `bytes` with the ingest pipeline and stores them as a media of `owner` (or
/// returns the owner's existing media with the same bytes).
pub(crate) async fn store_media(
    state: &AppState,
    user: &User,
    owner: Option<&Insee>,
    name: &str,
    bytes: Vec<u8>,
) -> ApiResult<(StatusCode, Json<MediaView>)> {
    let limit = state.settings.max_upload_bytes;
    let (ingested, bytes) = tokio::task::spawn_blocking(move || {
        let r = crate::ingest::ingest(&bytes, limit);
        (r, bytes)
    })
    .await
    .map_err(|e| ApiError::internal("checking an upload", e))?;
    let ingested = ingested.map_err(|e| refused(&e))?;

    let existing: Option<i64> =
        sqlx::query_scalar("SELECT id FROM media WHERE sha256 = ?1 AND owner IS ?2")
            .bind(ingested.sha256.as_str())
            .bind(owner.map(Insee::as_str))
            .fetch_optional(&state.db)
            .await?;
    if let Some(id) = existing {
        return Ok((StatusCode::OK, Json(load(state, user, id).await?)));
    }
    // Blobs first, then the row: a crash in between leaves an unreferenced blob, never a
    // media row without its bytes.
    let sha = state.blobs.put(bytes).await?;
    record_blob(&state.db, &sha, ingested.size, ingested.mime).await?;
    let thumb_size = ingested.thumbnail.bytes.len() as u64;
    let thumb_mime = ingested.thumbnail.mime;
    let thumb = state.blobs.put(ingested.thumbnail.bytes).await?;
    record_blob(&state.db, &thumb, thumb_size, thumb_mime).await?;
    let inserted = sqlx::query(
        "INSERT INTO media (sha256, owner, name, mime, size, width, height, thumbnail, created_at, created_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )
    .bind(sha.as_str())
    .bind(owner.map(Insee::as_str))
    .bind(name)
    .bind(ingested.mime)
    .bind(ingested.size as i64)
    .bind(i64::from(ingested.width))
    .bind(i64::from(ingested.height))
    .bind(thumb.as_str())
    .bind(Timestamp::now().to_string())
    .bind(user.id)
    .execute(&state.db)
    .await;
    let id = match inserted {
        Ok(done) => done.last_insert_rowid(),
        // Two identical uploads at once: the other one won.
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            let id: i64 =
                sqlx::query_scalar("SELECT id FROM media WHERE sha256 = ?1 AND owner IS ?2")
                    .bind(sha.as_str())
                    .bind(owner.map(Insee::as_str))
                    .fetch_one(&state.db)
                    .await?;
            return Ok((StatusCode::OK, Json(load(state, user, id).await?)));
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!("media {id} uploaded by {}: {name} ({sha})", user.username);
    Ok((StatusCode::CREATED, Json(load(state, user, id).await?)))
}

fn refused(e: &IngestError) -> ApiError {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
    ApiError::new(status, format!("upload refused: {e}"))
}

/// Deletes a media no draft or published object uses.
#[utoipa::path(delete, path = "/api/v1/media/{id}", tag = "media", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let m = load(&state, &user, id).await?;
    if !user.edits(owner_of(&m).as_ref()) {
        return Err(ApiError::forbidden(format!(
            "media {id} is not yours to delete"
        )));
    }
    // Objects of the same owner (or any, for a shared media) that name the bytes, checked in
    // the transaction that deletes, so that no draft starts using it in between.
    let mut tx = crate::db::begin_write(&state.db).await?;
    let pattern = format!("%{}%", m.sha256);
    let users: Vec<(String, String)> = sqlx::query(
        "SELECT kind, id FROM objects WHERE (draft LIKE ?1 OR published LIKE ?1)
         AND (owner IS ?2 OR ?2 IS NULL) ORDER BY kind, id",
    )
    .bind(&pattern)
    .bind(&m.owner)
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|r| (r.get("kind"), r.get("id")))
    .collect();
    if !users.is_empty() {
        let names: Vec<String> = users.iter().map(|(k, i)| format!("{k} {i}")).collect();
        return Err(ApiError::conflict(format!(
            "media {id} is used by {}; remove it from them (and publish) first",
            names.join(", ")
        )));
    }
    sqlx::query("DELETE FROM media WHERE id = ?1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
