//! The endpoints of paired players (manifest, events, assets, heartbeat, thumbnail, proof of
//! play) and what officers read from them (status, thumbnails, play counts, remote actions).
//!
//! The manifest answer is the hot path: thousands of players poll it with `If-None-Match`.
//! It is served from the hub's in-memory cache (filled by one indexed query, invalidated per
//! screen when a publish changes or deletes its manifest), so a `304 Not Modified` costs only
//! the device-token lookup.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use beffroi_protocol::ids::Sha256;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use tokio::sync::broadcast::error::RecvError;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, ApiResult, ErrorBody, parse_json};
use super::read_limited;
use crate::auth::{AnyCaller, Caller, CurrentDevice, CurrentUser, Device};
use crate::blobs::BlobError;
use crate::hub::{self, ACTION_ID_FLOOR, CachedManifest, LastEvent, PushEvent, REVOKED_EVENT};
use crate::ingest::IngestError;
use crate::model::Kind;
use crate::model::store::{self, ObjectRow};
use crate::server::AppState;
use crate::users::User;

pub(super) fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(manifest))
        .routes(routes!(events))
        .routes(routes!(asset))
        .routes(routes!(heartbeat))
        .routes(routes!(put_thumbnail))
        .routes(routes!(post_plays))
        .routes(routes!(screen_status))
        .routes(routes!(all_status))
        .routes(routes!(screen_thumbnail))
        .routes(routes!(play_counts))
        .routes(routes!(send_action))
}

/// Largest thumbnail a player may send.
pub const MAX_THUMBNAIL_BYTES: usize = 2 << 20;
/// Largest side of a thumbnail, in pixels.
pub const MAX_THUMBNAIL_SIDE: u32 = 4096;
/// Most plays in one batch.
pub const MAX_PLAYS: usize = 10_000;
/// Largest heartbeat report kept.
pub const MAX_REPORT_BYTES: usize = 64 << 10;
/// How long `identify` shows the screen's name.
pub const IDENTIFY_SECONDS: u32 = 30;
/// The remote actions an officer may send.
pub const ACTIONS: [&str; 5] = ["thumbnail", "identify", "reload", "restart", "logs"];

// ---------------------------------------------------------------------------------------
// Shared helpers (also used by the pairing endpoints)

/// Now, to the second: stored instants then compare as strings.
pub(crate) fn now_s() -> Timestamp {
    Timestamp::from_second(Timestamp::now().as_second()).unwrap_or_else(|_| Timestamp::now())
}

/// What the caller must be allowed to do with a screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Need {
    /// Read its status.
    See,
    /// Pair players, revoke them, send actions.
    Edit,
}

/// The screen object `id` (draft or published), when the caller may `need` it: 404 when
/// there is none, 403 when the caller may not.
pub(crate) async fn screen_for(
    state: &AppState,
    user: &User,
    id: &str,
    need: Need,
) -> ApiResult<ObjectRow> {
    let mut conn = state.db.acquire().await?;
    let row = store::get(&mut conn, Kind::Screen, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no screen \"{id}\"")))?;
    let allowed = match need {
        Need::See => user.sees(row.owner.as_ref()),
        Need::Edit => user.edits(row.owner.as_ref()),
    };
    if !allowed {
        let whose = super::objects::owner_name(row.owner.as_ref());
        return Err(ApiError::forbidden(match need {
            Need::See => format!("screen \"{id}\" belongs to {whose}; you do not work for it"),
            Need::Edit => format!(
                "screen \"{id}\" belongs to {whose}; you ({}, {}) cannot manage it",
                user.username, user.role
            ),
        }));
    }
    Ok(row)
}

/// The non-empty `name` of a stored JSON body, as [`ObjectRow::name`] reads it.
pub(crate) fn name_in_body(body: &str) -> Option<String> {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()?
        .get("name")?
        .as_str()
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
}

/// A stored blob's type and size, as recorded when it was stored.
#[derive(Debug)]
struct StoredBlob {
    mime: String,
    size: u64,
}

/// The `blobs` row of `sha`, if any.
async fn stored_blob(db: &sqlx::SqlitePool, sha: &Sha256) -> ApiResult<Option<StoredBlob>> {
    let row = sqlx::query("SELECT mime, size FROM blobs WHERE sha256 = ?1")
        .bind(sha.as_str())
        .fetch_optional(db)
        .await?;
    Ok(row.map(|r| StoredBlob {
        mime: r.get("mime"),
        size: u64::try_from(r.get::<i64, _>("size")).unwrap_or_default(),
    }))
}

/// Whether an `If-None-Match` value matches `etag` (weak comparison, lists, `*`).
pub(crate) fn etag_matches(if_none_match: &HeaderValue, etag: &str) -> bool {
    let Ok(v) = if_none_match.to_str() else {
        return false;
    };
    v.split(',')
        .map(str::trim)
        .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag)
}

/// Whether `Accept-Encoding` lets us answer with gzip.
pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    let mut gzip = None;
    let mut any = None;
    for value in headers.get_all(header::ACCEPT_ENCODING) {
        let Ok(v) = value.to_str() else { continue };
        for part in v.split(',') {
            let mut it = part.split(';');
            let coding = it.next().unwrap_or_default().trim().to_ascii_lowercase();
            let q = it
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            match coding.as_str() {
                "gzip" | "x-gzip" => gzip = Some(q),
                "*" => any = Some(q),
                _ => {}
            }
        }
    }
    gzip.or(any).is_some_and(|q| q > 0.0)
}

// ---------------------------------------------------------------------------------------
// Manifest

/// The screen's published manifest: from the cache, or one query that fills it.
async fn current_manifest(
    state: &AppState,
    screen: &str,
) -> ApiResult<Option<Arc<CachedManifest>>> {
    let ticket = match state.hub.manifests.get(screen) {
        Ok(hit) => return Ok(hit),
        Err(ticket) => ticket,
    };
    let row = sqlx::query(
        "SELECT version, publication, body, body_gzip FROM manifests WHERE screen_id = ?1",
    )
    .bind(screen)
    .fetch_optional(&state.db)
    .await?;
    let m = row.map(|r| {
        let version: String = r.get("version");
        Arc::new(CachedManifest {
            etag: format!("\"{version}\""),
            version,
            publication: r.get("publication"),
            body: Bytes::from(r.get::<Vec<u8>, _>("body")),
            body_gzip: Bytes::from(r.get::<Vec<u8>, _>("body_gzip")),
        })
    });
    state.hub.manifests.fill(screen, ticket, m.clone());
    Ok(m)
}

fn nothing_published(screen: &str) -> ApiError {
    ApiError::not_found(format!(
        "screen \"{screen}\" has nothing published yet; publish its content first"
    ))
}

/// The manifest of the player's screen (canonical JSON), with its version as a strong ETag.
#[utoipa::path(get, path = "/api/v1/player/manifest", tag = "player",
    params(("If-None-Match" = Option<String>, Header, description = "the ETag of the manifest the player has"),
        ("Accept-Encoding" = Option<String>, Header, description = "gzip is honoured")),
    responses((status = 200, description = "the manifest; `Content-Encoding: gzip` when accepted",
            content_type = "application/json", body = Object),
        (status = 304, description = "the player's manifest is current"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn manifest(
    State(state): State<Arc<AppState>>,
    CurrentDevice(device): CurrentDevice,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let m = current_manifest(&state, &device.screen_id)
        .await?
        .ok_or_else(|| nothing_published(&device.screen_id))?;
    state
        .metrics
        .manifests_served
        .fetch_add(1, Ordering::Relaxed);
    let etag =
        HeaderValue::from_str(&m.etag).map_err(|e| ApiError::internal("writing an ETag", e))?;
    let no_cache = HeaderValue::from_static("no-cache");
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| etag_matches(v, &m.etag))
    {
        state
            .metrics
            .manifests_not_modified
            .fetch_add(1, Ordering::Relaxed);
        return Ok((
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag), (header::CACHE_CONTROL, no_cache)],
        )
            .into_response());
    }
    let mut response = if accepts_gzip(&headers) {
        let mut r = Response::new(Body::from(m.body_gzip.clone()));
        r.headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        r
    } else {
        Response::new(Body::from(m.body.clone()))
    };
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::ETAG, etag);
    h.insert(header::CACHE_CONTROL, no_cache);
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    Ok(response)
}

// ---------------------------------------------------------------------------------------
// Events (Server-Sent Events)

/// Counts a stream in `sse_clients` while it lives, and releases the screen's channel after.
struct ClientGuard {
    state: Arc<AppState>,
    screen: String,
}

impl Drop for ClientGuard {
    fn drop(&mut self) {
        self.state
            .metrics
            .sse_clients
            .fetch_sub(1, Ordering::Relaxed);
        self.state.hub.release(&self.screen);
    }
}

/// One player's stream. Field order matters: the receiver is dropped before the guard
/// releases the channel.
struct Stream {
    rx: tokio::sync::broadcast::Receiver<PushEvent>,
    pending: VecDeque<PushEvent>,
    /// Highest publication sent (or known to the player).
    manifest_seen: u64,
    /// Highest action id sent (or sent before the stream began and not to be replayed).
    action_seen: u64,
    closed: Pin<Box<dyn Future<Output = ()> + Send>>,
    device: Device,
    guard: ClientGuard,
}

fn manifest_event(m: &CachedManifest) -> PushEvent {
    PushEvent {
        id: u64::try_from(m.publication).unwrap_or_default(),
        event: "manifest".into(),
        data: serde_json::json!({ "version": m.version }).to_string(),
    }
}

fn sse(e: &PushEvent) -> Event {
    Event::default()
        .event(&e.event)
        .id(e.id.to_string())
        .data(&e.data)
}

impl Stream {
    fn state(&self) -> &AppState {
        &self.guard.state
    }

    /// Queues `e` unless the player already has it; false when the stream must end.
    async fn accept(&mut self, e: PushEvent) -> bool {
        if e.event == REVOKED_EVENT {
            let live: Option<i64> =
                sqlx::query_scalar("SELECT id FROM devices WHERE id = ?1 AND revoked_at IS NULL")
                    .bind(self.device.id)
                    .fetch_optional(&self.state().db)
                    .await
                    .unwrap_or(Some(self.device.id));
            return live.is_some();
        }
        if e.event == "manifest" {
            if e.id > self.manifest_seen {
                self.manifest_seen = e.id;
                self.pending.push_back(e);
            }
        } else if e.id >= ACTION_ID_FLOOR {
            if e.id > self.action_seen {
                self.action_seen = e.id;
                self.pending.push_back(e);
            }
        } else {
            self.pending.push_back(e);
        }
        true
    }

    /// After missing events: the current manifest again, and the actions not yet sent.
    async fn resync(&mut self) {
        match current_manifest(self.state(), &self.device.screen_id).await {
            Ok(Some(m)) => {
                let e = manifest_event(&m);
                self.manifest_seen = self.manifest_seen.max(e.id);
                self.pending.push_back(e);
            }
            Ok(None) => {}
            Err(e) => tracing::warn!("event stream of {}: {}", self.device.screen_id, e.message),
        }
        for a in self.state().hub.recent(&self.device.screen_id) {
            if a.event.id > self.action_seen {
                self.action_seen = a.event.id;
                self.pending.push_back(a.event);
            }
        }
    }

    async fn next(mut self) -> Option<(Result<Event, Infallible>, Self)> {
        loop {
            if let Some(e) = self.pending.pop_front() {
                return Some((Ok(sse(&e)), self));
            }
            let received = tokio::select! {
                () = &mut self.closed => return None,
                r = self.rx.recv() => r,
            };
            match received {
                Ok(e) => {
                    if !self.accept(e).await {
                        return None;
                    }
                }
                Err(RecvError::Lagged(n)) => {
                    tracing::warn!(
                        "event stream of screen {} lagged by {n} events; resending",
                        self.device.screen_id
                    );
                    self.resync().await;
                }
                Err(RecvError::Closed) => return None,
            }
        }
    }
}

/// Server-Sent Events for the player's screen: `manifest` (`{"version"}`, id = the
/// publication), `alert` (one protocol alert; ids and replay as remote actions), remote
/// actions (`thumbnail`, `identify`, `reload`, `restart`, `logs`) and keep-alive comments.
/// Send `Last-Event-ID` when reconnecting: a manifest, alerts or actions missed meanwhile
/// (within 5 minutes) are sent first.
#[utoipa::path(get, path = "/api/v1/player/events", tag = "player",
    params(("Last-Event-ID" = Option<String>, Header, description = "the id of the last event received")),
    responses((status = 200, description = "an event stream", content_type = "text/event-stream"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn events(
    State(state): State<Arc<AppState>>,
    CurrentDevice(device): CurrentDevice,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let last = LastEvent::parse(headers.get("last-event-id").and_then(|v| v.to_str().ok()));
    // The guard first: it is dropped last, after the receiver, on every path.
    state.metrics.sse_clients.fetch_add(1, Ordering::Relaxed);
    let guard = ClientGuard {
        state: Arc::clone(&state),
        screen: device.screen_id.clone(),
    };
    // Subscribe before reading the manifest: a publish in between is then in the receiver
    // (and skipped there if the manifest read already had it).
    let sub = state.hub.subscription(&device.screen_id);
    let current = current_manifest(&state, &device.screen_id).await?;
    let publication = current
        .as_ref()
        .map(|m| u64::try_from(m.publication).unwrap_or_default());
    let start = hub::resume(last, publication, &sub.recent);
    let mut pending: VecDeque<PushEvent> = start.before.into();
    if start.manifest
        && let Some(m) = &current
    {
        pending.push_back(manifest_event(m));
    }
    pending.extend(start.after);
    let stream = Stream {
        rx: sub.rx,
        pending,
        manifest_seen: publication.unwrap_or(0),
        action_seen: sub.recent.iter().map(|a| a.event.id).max().unwrap_or(0),
        closed: Box::pin(state.hub.closed()),
        device,
        guard,
    };
    let keep_alive = Duration::from_secs(u64::from(state.settings.sse_keepalive_s));
    let body = futures_util::stream::unfold(stream, Stream::next);
    Ok((
        [(
            HeaderName::from_static("x-accel-buffering"),
            HeaderValue::from_static("no"),
        )],
        Sse::new(body).keep_alive(KeepAlive::new().interval(keep_alive)),
    )
        .into_response())
}

// ---------------------------------------------------------------------------------------
// Assets

/// A single byte range of a blob of `size` bytes: `Ok(None)` when the header is to be
/// ignored (not bytes, several ranges, malformed), `Err(())` when unsatisfiable.
#[allow(clippy::result_unit_err)]
pub fn parse_range(value: &str, size: u64) -> Result<Option<std::ops::Range<u64>>, ()> {
    let Some(spec) = value.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return Ok(None);
    };
    let (a, b) = (a.trim(), b.trim());
    let parse = |s: &str| s.parse::<u64>().ok();
    match (a.is_empty(), b.is_empty()) {
        // `-n`: the last n bytes.
        (true, false) => {
            let Some(n) = parse(b) else { return Ok(None) };
            if n == 0 || size == 0 {
                return Err(());
            }
            Ok(Some(size.saturating_sub(n)..size))
        }
        // `a-`: from a to the end.
        (false, true) => {
            let Some(start) = parse(a) else {
                return Ok(None);
            };
            if start >= size {
                return Err(());
            }
            Ok(Some(start..size))
        }
        (false, false) => {
            let (Some(start), Some(last)) = (parse(a), parse(b)) else {
                return Ok(None);
            };
            if last < start {
                return Ok(None);
            }
            if start >= size {
                return Err(());
            }
            Ok(Some(start..last.min(size - 1) + 1))
        }
        (true, true) => Ok(None),
    }
}

/// Whether `user` may read blob `sha`: it is the original or the thumbnail of a media they
/// see, a rendition of such a media, or the thumbnail or a manifest's blob of a screen they
/// see. The whole territory reads every blob.
async fn user_reads_blob(state: &AppState, user: &User, sha: &Sha256) -> ApiResult<bool> {
    if user.whole_territory() {
        return Ok(true);
    }
    // The owners of everything that holds the blob (NULL: the intercommunality).
    let owners: Vec<Option<String>> = sqlx::query_scalar(
        "SELECT owner FROM media WHERE sha256 = ?1 OR thumbnail = ?1
         UNION ALL
         SELECT m.owner FROM renditions r JOIN media m ON m.sha256 = r.source WHERE r.sha256 = ?1
         UNION ALL
         SELECT o.owner FROM screen_status s
            JOIN objects o ON o.kind = 'screen' AND o.id = s.screen_id WHERE s.thumbnail = ?1
         UNION ALL
         SELECT o.owner FROM manifest_blobs b
            JOIN objects o ON o.kind = 'screen' AND o.id = b.screen_id WHERE b.sha256 = ?1",
    )
    .bind(sha.as_str())
    .fetch_all(&state.db)
    .await?;
    Ok(owners.iter().any(|owner| match owner {
        None => user.sees(None),
        Some(o) => o.parse().is_ok_and(|insee| user.sees(Some(&insee))),
    }))
}

/// A blob by its SHA-256: immutable, cacheable for a year, with `Range` support. A player
/// reads only the blobs of its screen's manifests; an officer those of the media and
/// screens they see.
#[utoipa::path(get, path = "/api/v1/assets/{sha256}", tag = "player",
    params(("sha256" = String, Path, description = "64 lowercase hex digits"),
        ("Range" = Option<String>, Header, description = "one range: bytes=a-b, a- or -n")),
    responses((status = 200, description = "the bytes", content_type = "application/octet-stream"),
        (status = 206, description = "the range asked"), (status = 304, description = "not modified"),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 416, description = "the range is outside the blob")))]
async fn asset(
    State(state): State<Arc<AppState>>,
    AnyCaller(caller): AnyCaller,
    Path(sha): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let sha: Sha256 = sha
        .parse()
        .map_err(|e| ApiError::bad_request(format!("asset address: {e}")))?;
    let missing = || ApiError::not_found(format!("no asset {sha}"));
    let stored = match &caller {
        Caller::Device(device) => {
            let listed: Option<i64> = sqlx::query_scalar(
                "SELECT 1 FROM manifest_blobs WHERE sha256 = ?1 AND screen_id = ?2 LIMIT 1",
            )
            .bind(sha.as_str())
            .bind(&device.screen_id)
            .fetch_optional(&state.db)
            .await?;
            if listed.is_none() {
                return Err(ApiError::forbidden(format!(
                    "asset {sha} is not in the manifests of screen \"{}\"",
                    device.screen_id
                )));
            }
            stored_blob(&state.db, &sha).await?
        }
        Caller::User(user, _) => {
            let stored = stored_blob(&state.db, &sha).await?.ok_or_else(missing)?;
            if !user_reads_blob(&state, user, &sha).await? {
                return Err(ApiError::forbidden(format!(
                    "asset {sha} belongs to no media or screen you ({}, {}) see",
                    user.username, user.role
                )));
            }
            Some(stored)
        }
    };
    let etag = format!("\"{sha}\"");
    let mut response = Response::new(Body::empty());
    let h = response.headers_mut();
    let value =
        |s: &str| HeaderValue::from_str(s).map_err(|e| ApiError::internal("writing headers", e));
    h.insert(header::ETAG, value(&etag)?);
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| etag_matches(v, &etag))
    {
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        return Ok(response);
    }
    // The size recorded with the blob saves a look at the store (which reading the bytes
    // makes anyway); a blob listed without a row is looked at.
    let (mime, size) = match stored {
        Some(b) => (b.mime, b.size),
        None => match state.blobs.size(&sha).await {
            Ok(size) => ("application/octet-stream".to_owned(), size),
            Err(BlobError::NotFound(_)) => return Err(missing()),
            Err(e) => return Err(e.into()),
        },
    };
    // `If-Range` with another validator: the whole blob.
    let range_applies = headers
        .get(header::IF_RANGE)
        .is_none_or(|v| v.to_str().is_ok_and(|t| t.trim() == etag));
    let range = match headers.get(header::RANGE).and_then(|v| v.to_str().ok()) {
        Some(r) if range_applies => parse_range(r, size),
        _ => Ok(None),
    };
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, value(&mime)?);
    let range = match range {
        Err(()) => {
            *response.status_mut() = StatusCode::RANGE_NOT_SATISFIABLE;
            let h = response.headers_mut();
            h.insert(header::CONTENT_RANGE, value(&format!("bytes */{size}"))?);
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            *response.body_mut() = Body::from(
                serde_json::json!({ "error": format!("the range asked is outside asset {sha} of {size} bytes") })
                    .to_string(),
            );
            return Ok(response);
        }
        Ok(Some(r)) => {
            h.insert(
                header::CONTENT_RANGE,
                value(&format!("bytes {}-{}/{size}", r.start, r.end - 1))?,
            );
            *response.status_mut() = StatusCode::PARTIAL_CONTENT;
            r
        }
        Ok(None) => 0..size,
    };
    let bytes = match state.blobs.get_range(&sha, range).await {
        Ok(b) => b,
        Err(BlobError::NotFound(_)) => return Err(missing()),
        Err(e) => return Err(e.into()),
    };
    *response.body_mut() = Body::from(bytes);
    Ok(response)
}

// ---------------------------------------------------------------------------------------
// Heartbeat, thumbnail, plays

/// A player's heartbeat. Fields not listed here are kept too.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Heartbeat {
    /// The player's version.
    pub player_version: String,
    /// The manifest version it plays.
    #[serde(default)]
    pub manifest_version: Option<String>,
    /// What each zone shows.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub zones: Option<serde_json::Map<String, serde_json::Value>>,
    /// Seconds since it started.
    #[serde(default)]
    pub uptime_s: Option<u64>,
    /// State of its clock (`synchronised`...).
    #[serde(default)]
    pub clock: Option<String>,
    /// Bytes in its cache.
    #[serde(default)]
    pub cache_bytes: Option<u64>,
    /// Frame timing, in milliseconds.
    #[serde(default)]
    pub frame_ms: Option<f64>,
    /// Recent errors.
    #[serde(default)]
    #[schema(value_type = Option<Vec<Object>>)]
    pub errors: Option<Vec<serde_json::Value>>,
    /// Anything else the player reports.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// Records the player's heartbeat: its screen's status is this report.
#[utoipa::path(post, path = "/api/v1/player/status", tag = "player", request_body = Heartbeat,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn heartbeat(
    State(state): State<Arc<AppState>>,
    CurrentDevice(device): CurrentDevice,
    body: Body,
) -> ApiResult<StatusCode> {
    let bytes = read_limited(body, MAX_REPORT_BYTES, "the heartbeat").await?;
    let beat: Heartbeat = parse_json(&bytes)?;
    let version = beat.player_version.trim();
    if version.is_empty() || version.len() > 100 {
        return Err(ApiError::invalid(
            "player_version: 1 to 100 characters",
            Vec::new(),
        ));
    }
    // Stored as sent (after checking it is an object of the right types).
    let report: serde_json::Value = parse_json(&bytes)?;
    sqlx::query(
        "INSERT INTO screen_status (screen_id, last_beat_at, player_version, manifest_version, report)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (screen_id) DO UPDATE SET last_beat_at = excluded.last_beat_at,
            player_version = excluded.player_version, manifest_version = excluded.manifest_version,
            report = excluded.report",
    )
    .bind(&device.screen_id)
    .bind(now_s().to_string())
    .bind(version)
    .bind(&beat.manifest_version)
    .bind(report.to_string())
    .execute(&state.db)
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Checks a thumbnail with the media ingest pipeline: a complete JPEG or PNG that decodes,
/// of the type `declared`, at most [`MAX_THUMBNAIL_SIDE`] pixels on a side.
fn check_thumbnail(bytes: &[u8], declared: &str) -> ApiResult<()> {
    let limit = MAX_THUMBNAIL_BYTES as u64;
    let refused = |status: StatusCode, why: String| {
        ApiError::new(status, format!("thumbnail refused: {why}"))
    };
    let found = match crate::ingest::ingest(bytes, limit) {
        Ok(found) => found,
        Err(e @ (IngestError::NotAnImage | IngestError::Unsupported(_))) => {
            return Err(refused(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!("a JPEG or PNG is expected: {e}"),
            ));
        }
        Err(e) => {
            let status =
                StatusCode::from_u16(e.status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
            return Err(refused(status, e.to_string()));
        }
    };
    if !matches!(found.mime, "image/jpeg" | "image/png") {
        return Err(refused(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("a JPEG or PNG is expected, the body is {}", found.mime),
        ));
    }
    if found.mime != declared {
        return Err(refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "the body is {} but Content-Type says {declared}",
                found.mime
            ),
        ));
    }
    let (w, h) = (found.width, found.height);
    if w > MAX_THUMBNAIL_SIDE || h > MAX_THUMBNAIL_SIDE {
        return Err(refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("it is {w}×{h} pixels, more than {MAX_THUMBNAIL_SIDE} on a side"),
        ));
    }
    Ok(())
}

/// Stores a downscaled copy of the frame the player shows (JPEG or PNG, at most 2 MiB).
#[utoipa::path(put, path = "/api/v1/player/thumbnail", tag = "player",
    request_body(content = Vec<u8>, content_type = "image/jpeg"),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_thumbnail(
    State(state): State<Arc<AppState>>,
    CurrentDevice(device): CurrentDevice,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<StatusCode> {
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let declared: &'static str = match declared.as_str() {
        "image/jpeg" => "image/jpeg",
        "image/png" => "image/png",
        other => {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!(
                    "thumbnail refused: Content-Type must be image/jpeg or image/png, not \"{other}\""
                ),
            ));
        }
    };
    let bytes = read_limited(body, MAX_THUMBNAIL_BYTES, "the thumbnail").await?;
    let bytes =
        tokio::task::spawn_blocking(move || check_thumbnail(&bytes, declared).map(|()| bytes))
            .await
            .map_err(|e| ApiError::internal("checking a thumbnail", e))??;
    let size = bytes.len() as u64;
    let sha = state.blobs.put(bytes).await?;
    crate::publish::record_blob(&state.db, &sha, size, declared).await?;
    let now = now_s().to_string();
    // A thumbnail before any heartbeat still says the player is alive.
    sqlx::query(
        "INSERT INTO screen_status (screen_id, last_beat_at, player_version, report, thumbnail, thumbnail_at)
         VALUES (?1, ?2, '', '{}', ?3, ?2)
         ON CONFLICT (screen_id) DO UPDATE SET thumbnail = excluded.thumbnail,
            thumbnail_at = excluded.thumbnail_at",
    )
    .bind(&device.screen_id)
    .bind(&now)
    .bind(sha.as_str())
    .execute(&state.db)
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One item shown.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Play {
    /// Layout zone.
    pub zone: String,
    /// Playlist id.
    pub playlist: String,
    /// Item id.
    pub item: String,
    /// When it began (RFC 3339).
    pub started_at: String,
    /// How long it was shown.
    pub duration_ms: u64,
}

/// A batch of proof of play.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PlayBatch {
    /// At most 10 000 plays.
    pub plays: Vec<Play>,
}

/// What a batch did.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlaysStored {
    /// Plays in the batch.
    pub received: usize,
    /// Of which new (a play sent twice is stored once).
    pub stored: u64,
}

/// The time zone of a screen: its published body's, else Paris.
async fn screen_zone(state: &AppState, screen: &str) -> ApiResult<jiff::tz::TimeZone> {
    let body: Option<Option<String>> =
        sqlx::query_scalar("SELECT published FROM objects WHERE kind = 'screen' AND id = ?1")
            .bind(screen)
            .fetch_optional(&state.db)
            .await?;
    let zone = body
        .flatten()
        .and_then(|b| serde_json::from_str::<serde_json::Value>(&b).ok())
        .and_then(|v| {
            v.get("time_zone")?
                .as_str()?
                .parse::<beffroi_protocol::time::Zone>()
                .ok()
        })
        .unwrap_or_default();
    Ok(zone.tz())
}

/// Records proof of play; a batch sent again counts once. `day` is the screen's local date.
#[utoipa::path(post, path = "/api/v1/player/plays", tag = "player", request_body = PlayBatch,
    responses((status = 200, body = PlaysStored), (status = 401, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn post_plays(
    State(state): State<Arc<AppState>>,
    CurrentDevice(device): CurrentDevice,
    body: Body,
) -> ApiResult<Json<PlaysStored>> {
    let bytes = read_limited(body, 16 << 20, "the batch of plays").await?;
    let batch: PlayBatch = parse_json(&bytes)?;
    if batch.plays.len() > MAX_PLAYS {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "a batch holds at most {MAX_PLAYS} plays, this one {}; send it in parts",
                batch.plays.len()
            ),
        ));
    }
    let mut problems = Vec::new();
    let mut rows = Vec::with_capacity(batch.plays.len());
    for (i, p) in batch.plays.iter().enumerate() {
        for (field, v) in [
            ("zone", &p.zone),
            ("playlist", &p.playlist),
            ("item", &p.item),
        ] {
            if v.is_empty() || v.len() > 128 {
                problems.push(format!("plays[{i}].{field}: 1 to 128 characters"));
            }
        }
        if p.duration_ms > 7 * 86_400_000 {
            problems.push(format!("plays[{i}].duration_ms: more than a week"));
        }
        match p.started_at.parse::<Timestamp>() {
            Ok(t) => rows.push((p, t)),
            Err(e) => problems.push(format!(
                "plays[{i}].started_at: \"{}\" is not an RFC 3339 instant ({e})",
                p.started_at
            )),
        }
    }
    if !problems.is_empty() {
        problems.truncate(50);
        return Err(ApiError::invalid(problems[0].clone(), problems));
    }
    let tz = screen_zone(&state, &device.screen_id).await?;
    let mut stored = 0;
    let mut tx = state.db.begin().await?;
    for (p, t) in rows {
        let day = tz.to_datetime(t).date().to_string();
        stored += sqlx::query(
            "INSERT OR IGNORE INTO plays (screen_id, zone, started_at, playlist, item, duration_ms, day)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .bind(&device.screen_id)
        .bind(&p.zone)
        .bind(t.to_string())
        .bind(&p.playlist)
        .bind(&p.item)
        .bind(i64::try_from(p.duration_ms).unwrap_or(i64::MAX))
        .bind(day)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    tx.commit().await?;
    Ok(Json(PlaysStored {
        received: batch.plays.len(),
        stored,
    }))
}

// ---------------------------------------------------------------------------------------
// What officers read

/// A screen's state as its players report it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScreenStatus {
    /// Screen id.
    pub screen_id: String,
    /// Its name.
    pub name: String,
    /// Owning commune (INSEE); null for the intercommunality.
    pub owner: Option<String>,
    /// A heartbeat arrived within three heartbeat intervals.
    pub online: bool,
    /// Last heartbeat.
    pub last_beat_at: Option<String>,
    /// The player's version.
    pub player_version: Option<String>,
    /// The manifest version the player plays.
    pub manifest_version: Option<String>,
    /// The manifest version published for the screen.
    pub published_version: Option<String>,
    /// The last heartbeat as sent.
    #[schema(value_type = Option<Object>)]
    pub report: Option<serde_json::Value>,
    /// URL of the last thumbnail, if any.
    pub thumbnail: Option<String>,
    /// When it was sent.
    pub thumbnail_at: Option<String>,
    /// Paired players whose token works.
    pub devices: i64,
    /// Event streams open now.
    pub listening: usize,
}

async fn statuses(
    state: &AppState,
    user: &User,
    only: Option<&str>,
) -> ApiResult<Vec<ScreenStatus>> {
    let rows = sqlx::query(
        "SELECT o.id, o.owner, o.draft, o.published, s.last_beat_at,
                s.player_version, s.manifest_version, s.report, s.thumbnail, s.thumbnail_at,
                m.version AS published_version,
                (SELECT count(*) FROM devices d WHERE d.screen_id = o.id AND d.revoked_at IS NULL)
                    AS devices
         FROM objects o
         LEFT JOIN screen_status s ON s.screen_id = o.id
         LEFT JOIN manifests m ON m.screen_id = o.id
         WHERE o.kind = 'screen' AND (?1 IS NULL OR o.id = ?1)
         ORDER BY o.id",
    )
    .bind(only)
    .fetch_all(&state.db)
    .await?;
    let now = Timestamp::now();
    let mut out = Vec::new();
    for r in rows {
        let owner: Option<String> = r.get("owner");
        let insee = owner.as_deref().and_then(|o| o.parse().ok());
        if !user.sees(insee.as_ref()) {
            continue;
        }
        let id: String = r.get("id");
        let name = ["draft", "published"]
            .into_iter()
            .find_map(|column| name_in_body(r.get::<Option<&str>, _>(column)?))
            .unwrap_or_else(|| id.clone());
        let last: Option<String> = r.get("last_beat_at");
        let online = last
            .as_deref()
            .and_then(|t| t.parse::<Timestamp>().ok())
            .is_some_and(|t| state.is_online(t, now));
        let report: Option<String> = r.get("report");
        let thumbnail: Option<String> = r.get("thumbnail");
        let player_version: Option<String> = r.get("player_version");
        out.push(ScreenStatus {
            thumbnail: thumbnail.map(|_| format!("/api/v1/screens/{id}/thumbnail")),
            listening: state.hub.listeners(&id),
            screen_id: id,
            name,
            owner,
            online,
            last_beat_at: last,
            player_version: player_version.filter(|v| !v.is_empty()),
            manifest_version: r.get("manifest_version"),
            published_version: r.get("published_version"),
            report: report
                .and_then(|t| serde_json::from_str(&t).ok())
                .filter(|v: &serde_json::Value| v.as_object().is_some_and(|o| !o.is_empty())),
            thumbnail_at: r.get("thumbnail_at"),
            devices: r.get("devices"),
        });
    }
    Ok(out)
}

/// One screen's status.
#[utoipa::path(get, path = "/api/v1/screens/{id}/status", tag = "player", params(("id" = String, Path)),
    responses((status = 200, body = ScreenStatus), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn screen_status(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<ScreenStatus>> {
    let screen = screen_for(&state, &user, &id, Need::See).await?;
    statuses(&state, &user, Some(&screen.id))
        .await?
        .pop()
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("no screen \"{id}\"")))
}

/// The status of every screen the caller sees.
#[utoipa::path(get, path = "/api/v1/status", tag = "player",
    responses((status = 200, body = Vec<ScreenStatus>), (status = 401, body = ErrorBody)))]
async fn all_status(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<Json<Vec<ScreenStatus>>> {
    statuses(&state, &user, None).await.map(Json)
}

/// The last thumbnail a screen's player sent.
#[utoipa::path(get, path = "/api/v1/screens/{id}/thumbnail", tag = "player", params(("id" = String, Path)),
    responses((status = 200, description = "the image", content_type = "image/jpeg"),
        (status = 304, description = "not modified"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn screen_thumbnail(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let screen = screen_for(&state, &user, &id, Need::See).await?;
    let sha: Option<String> = sqlx::query_scalar(
        "SELECT thumbnail FROM screen_status WHERE screen_id = ?1 AND thumbnail IS NOT NULL",
    )
    .bind(&screen.id)
    .fetch_optional(&state.db)
    .await?;
    let sha: Sha256 = sha
        .ok_or_else(|| ApiError::not_found(format!("screen \"{id}\" has sent no thumbnail yet")))?
        .parse()
        .map_err(|e| ApiError::internal("reading a thumbnail", e))?;
    let etag = format!("\"{sha}\"");
    let etag_value =
        HeaderValue::from_str(&etag).map_err(|e| ApiError::internal("writing an ETag", e))?;
    let cache = HeaderValue::from_static("private, no-cache");
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| etag_matches(v, &etag))
    {
        return Ok((
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag_value), (header::CACHE_CONTROL, cache)],
        )
            .into_response());
    }
    let bytes = match state.blobs.get(&sha).await {
        Ok(b) => b,
        Err(BlobError::NotFound(_)) => {
            return Err(ApiError::not_found(format!(
                "the thumbnail of screen \"{id}\" is missing from the blob store"
            )));
        }
        Err(e) => return Err(e.into()),
    };
    let mime = stored_blob(&state.db, &sha).await?.map(|b| b.mime);
    let mime = HeaderValue::from_str(mime.as_deref().unwrap_or("image/jpeg"))
        .map_err(|e| ApiError::internal("writing headers", e))?;
    Ok((
        [
            (header::CONTENT_TYPE, mime),
            (header::ETAG, etag_value),
            (header::CACHE_CONTROL, cache),
        ],
        bytes,
    )
        .into_response())
}

/// `?screen=&from=&to=` of the play counts.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PlaysQuery {
    /// One screen; absent: every screen the caller sees.
    pub screen: Option<String>,
    /// First day (YYYY-MM-DD, the screens' local dates), inclusive.
    pub from: Option<String>,
    /// Last day, inclusive.
    pub to: Option<String>,
}

/// How often an item was shown on a screen one day.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlayCount {
    /// The screen's local date.
    pub day: String,
    /// Screen id.
    pub screen_id: String,
    /// Playlist id.
    pub playlist: String,
    /// Item id.
    pub item: String,
    /// Times shown.
    pub plays: i64,
    /// Total time shown.
    pub duration_ms: i64,
}

/// Proof-of-play counts per day, screen and item (playlist and item), for the screens the
/// caller sees.
#[utoipa::path(get, path = "/api/v1/plays", tag = "player", params(PlaysQuery),
    responses((status = 200, body = Vec<PlayCount>), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn play_counts(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Query(q): Query<PlaysQuery>,
) -> ApiResult<Json<Vec<PlayCount>>> {
    let day = |name: &str, v: &Option<String>| -> ApiResult<Option<String>> {
        v.as_deref()
            .map(|s| {
                s.parse::<jiff::civil::Date>()
                    .map(|d| d.to_string())
                    .map_err(|e| {
                        ApiError::bad_request(format!(
                            "{name}: \"{s}\" is not a date YYYY-MM-DD ({e})"
                        ))
                    })
            })
            .transpose()
    };
    let (from, to) = (day("from", &q.from)?, day("to", &q.to)?);
    // The screens to count, as a JSON list; None: every screen (whole territory).
    let screens: Option<String> = match &q.screen {
        Some(id) => {
            let s = screen_for(&state, &user, id, Need::See).await?;
            Some(serde_json::json!([s.id]).to_string())
        }
        None if user.whole_territory() => None,
        None => {
            let mut conn = state.db.acquire().await?;
            let visible: Vec<String> = store::of_kind(&mut conn, Kind::Screen)
                .await?
                .into_iter()
                .filter(|r| user.sees(r.owner.as_ref()))
                .map(|r| r.id)
                .collect();
            Some(serde_json::Value::from(visible).to_string())
        }
    };
    let rows = sqlx::query(
        "SELECT day, screen_id, playlist, item, count(*) AS plays, sum(duration_ms) AS duration_ms
         FROM plays
         WHERE (?1 IS NULL OR day >= ?1) AND (?2 IS NULL OR day <= ?2)
           AND (?3 IS NULL OR screen_id IN (SELECT value FROM json_each(?3)))
         GROUP BY day, screen_id, playlist, item
         ORDER BY day, screen_id, playlist, item",
    )
    .bind(from)
    .bind(to)
    .bind(screens)
    .fetch_all(&state.db)
    .await?;
    Ok(Json(
        rows.iter()
            .map(|r| PlayCount {
                day: r.get("day"),
                screen_id: r.get("screen_id"),
                playlist: r.get("playlist"),
                item: r.get("item"),
                plays: r.get("plays"),
                duration_ms: r.get("duration_ms"),
            })
            .collect(),
    ))
}

// ---------------------------------------------------------------------------------------
// Remote actions

/// A remote action.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    /// `thumbnail` (send one now), `identify` (show the screen's name for 30 s), `reload`
    /// (fetch the manifest again), `restart` (the player process), `logs` (upload them).
    pub action: String,
}

/// What became of an action.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActionSent {
    /// Event streams of the screen that received it now (0: no player connected; it is
    /// replayed to one reconnecting within 5 minutes).
    pub delivered: usize,
    /// Its event id.
    pub id: u64,
}

/// Sends a remote action to a screen's players (editors of the screen).
#[utoipa::path(post, path = "/api/v1/screens/{id}/actions", tag = "player", params(("id" = String, Path)),
    request_body = ActionRequest,
    responses((status = 200, body = ActionSent), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn send_action(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<ActionSent>> {
    let screen = screen_for(&state, &user, &id, Need::Edit).await?;
    let req: ActionRequest = parse_json(&body)?;
    let Some(action) = ACTIONS.iter().find(|a| **a == req.action) else {
        return Err(ApiError::invalid(
            format!(
                "action: \"{}\" is not one of {}",
                req.action,
                ACTIONS.join(", ")
            ),
            Vec::new(),
        ));
    };
    let mut data = serde_json::json!({
        "action": action,
        "by": user.username,
        "at": now_s().to_string(),
    });
    if *action == "identify" {
        data["name"] = screen.name().into();
        data["seconds"] = IDENTIFY_SECONDS.into();
    }
    let publication: Option<i64> =
        sqlx::query_scalar("SELECT publication FROM manifests WHERE screen_id = ?1")
            .bind(&screen.id)
            .fetch_optional(&state.db)
            .await?;
    let (event_id, delivered) = state.hub.action(
        &screen.id,
        action,
        data.to_string(),
        publication.unwrap_or(0),
    );
    tracing::info!(
        "{} sent \"{action}\" to screen {} ({delivered} listening)",
        user.username,
        screen.id
    );
    Ok(Json(ActionSent {
        delivered,
        id: event_id,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_lagging_stream_resends_the_manifest_and_the_remembered_actions() {
        let dir = tempfile::tempdir().unwrap();
        let settings = crate::Settings {
            data_dir: dir.path().to_owned(),
            ..crate::Settings::default()
        };
        let state = Arc::new(crate::server::open(settings).await.unwrap());
        sqlx::query(
            "INSERT INTO manifests (screen_id, version, generated_at, publication, body, body_gzip)
             VALUES ('s', 'v1', '2026-01-01T00:00:00Z', 7, x'7b7d', x'')",
        )
        .execute(&state.db)
        .await
        .unwrap();
        let sub = state.hub.subscription("s");
        state.metrics.sse_clients.fetch_add(1, Ordering::Relaxed);
        let mut stream = Stream {
            rx: sub.rx,
            pending: VecDeque::new(),
            manifest_seen: 7,
            action_seen: 0,
            closed: Box::pin(state.hub.closed()),
            device: Device {
                id: 1,
                screen_id: "s".into(),
            },
            guard: ClientGuard {
                state: Arc::clone(&state),
                screen: "s".into(),
            },
        };
        let ids: Vec<u64> = (0..100)
            .map(|_| state.hub.action("s", "identify", "{}".into(), 7).0)
            .collect();
        assert!(matches!(stream.rx.recv().await, Err(RecvError::Lagged(36))));
        stream.resync().await;
        let sent: Vec<u64> = stream.pending.iter().map(|e| e.id).collect();
        assert_eq!(sent[0], 7, "the manifest first");
        assert_eq!(
            sent[1..],
            ids[100 - hub::ACTION_RING..],
            "then the remembered actions"
        );
        // What the channel still holds was resent already.
        while let Ok(e) = stream.rx.try_recv() {
            assert!(stream.accept(e).await);
        }
        assert_eq!(stream.pending.len(), 1 + hub::ACTION_RING);
        // Closing the hub ends the stream once its queue is sent.
        stream.pending.clear();
        state.hub.close();
        assert!(stream.next().await.is_none());
        assert_eq!(state.metrics.sse_clients.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-9", 100), Ok(Some(0..10)));
        assert_eq!(parse_range("bytes=90-", 100), Ok(Some(90..100)));
        assert_eq!(parse_range("bytes=-10", 100), Ok(Some(90..100)));
        assert_eq!(parse_range("bytes=-500", 100), Ok(Some(0..100)));
        assert_eq!(parse_range("bytes=50-500", 100), Ok(Some(50..100)));
        assert_eq!(parse_range("bytes=100-", 100), Err(()));
        assert_eq!(parse_range("bytes=-0", 100), Err(()));
        assert_eq!(parse_range("bytes=0-1,5-6", 100), Ok(None));
        assert_eq!(parse_range("items=0-1", 100), Ok(None));
        assert_eq!(parse_range("bytes=9-2", 100), Ok(None));
        assert_eq!(parse_range("bytes=x-2", 100), Ok(None));
    }

    #[test]
    fn etags_and_encodings() {
        let v = |s: &'static str| HeaderValue::from_static(s);
        assert!(etag_matches(&v("\"abc\""), "\"abc\""));
        assert!(etag_matches(&v("\"x\", W/\"abc\""), "\"abc\""));
        assert!(etag_matches(&v("*"), "\"abc\""));
        assert!(!etag_matches(&v("\"abd\""), "\"abc\""));
        let mut h = HeaderMap::new();
        assert!(!accepts_gzip(&h));
        h.insert(header::ACCEPT_ENCODING, v("br, gzip;q=0.5"));
        assert!(accepts_gzip(&h));
        h.insert(header::ACCEPT_ENCODING, v("gzip;q=0, *"));
        assert!(!accepts_gzip(&h));
        h.insert(header::ACCEPT_ENCODING, v("identity, *;q=0.1"));
        assert!(accepts_gzip(&h));
    }
}
