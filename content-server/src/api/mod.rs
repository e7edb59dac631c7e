//! The JSON API under `/api/v1`: every route is registered through `utoipa-axum`, so the
//! OpenAPI document served at `/api/v1/openapi.json` lists exactly the routes that exist.

pub mod alerts;
pub mod auth;
pub mod error;
pub mod events;
pub mod media;
pub mod news;
pub mod objects;
pub mod pairing;
pub mod player;
pub mod publish;
pub mod waste;

use std::sync::Arc;

use axum::body::Body;
use axum::http::StatusCode;
use futures_util::StreamExt as _;
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;

use crate::server::AppState;
use error::{ApiError, ApiResult};

/// The document's header; paths come from the routes.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Beffroi content server",
        description = "Screens, playlists, schedules, media and publishing for the signage of the Haut Pays du Montreuillois; player endpoints (pairing, manifest, events, assets, status).",
        license(name = "AGPL-3.0-or-later")
    ),
    tags(
        (name = "auth", description = "Sessions and API tokens"),
        (name = "objects", description = "Screen groups, screens, layouts, playlists, schedule entries (drafts)"),
        (name = "publish", description = "Publishing drafts to the screens"),
        (name = "alerts", description = "Emergency alerts, pushed at once to the screens they reach"),
        (name = "events", description = "The agenda: events written by the officer, iCalendar / OpenAgenda / DATAtourisme sources and their imports"),
        (name = "waste", description = "Waste collection calendars per commune (rules, public holidays, reminder window), the sorting guide and ADEME imports"),
        (name = "news", description = "Announcements and RSS/Atom feeds shown on the screens' news slides and ticker"),
        (name = "media", description = "Uploaded images and their renditions"),
        (name = "player", description = "Endpoints of paired players (device token)"),
        (name = "pairing", description = "Pairing new players"),
        (name = "territory", description = "Communes and users"),
    )
)]
struct ApiDoc;

/// Every API route with its documentation.
pub fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(auth::routes())
        .merge(objects::routes())
        .merge(media::routes())
        .merge(publish::routes())
        .merge(alerts::routes())
        .merge(events::routes())
        .merge(news::routes())
        .merge(waste::routes())
        .merge(player::routes())
        .merge(pairing::routes())
}

/// Reads a request body of at most `limit` bytes; a larger one is refused (413, naming
/// `what`) without being held. The excess is read and dropped (up to 4 times the limit) so
/// that the client, still sending, reads the refusal instead of a reset connection.
pub(crate) async fn read_limited(body: Body, limit: usize, what: &str) -> ApiResult<Vec<u8>> {
    let mut bytes = Vec::new();
    let mut dropped = 0usize;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request(format!("{what} was cut: {e}")))?;
        if dropped > 0 || bytes.len() + chunk.len() > limit {
            dropped += chunk.len();
            if dropped > 4 * limit {
                break;
            }
            continue;
        }
        bytes.extend_from_slice(&chunk);
    }
    if dropped > 0 {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("{what} is larger than {} KiB", limit >> 10),
        ));
    }
    Ok(bytes)
}
