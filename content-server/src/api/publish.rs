//! Publishing drafts, the history of publications, and manifest previews.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, ApiResult, ErrorBody};
use crate::auth::CurrentUser;
use crate::model::{Kind, Side};
use crate::publish::Outcome;
use crate::server::AppState;

pub(super) fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(publish))
        .routes(routes!(publications))
        .routes(routes!(preview))
}

/// What to publish.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishRequest {
    /// `kind/id` of each object (`playlist/accueil`); absent: every pending change the
    /// caller may publish.
    #[serde(default)]
    pub objects: Option<Vec<String>>,
}

/// Publishes drafts: they reach the screens whose manifests they change.
#[utoipa::path(post, path = "/api/v1/publish", tag = "publish", request_body = PublishRequest,
    responses((status = 200, body = Outcome), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn publish(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    body: axum::body::Bytes,
) -> ApiResult<Json<Outcome>> {
    // An empty body publishes everything pending.
    let req: PublishRequest = if body.iter().all(u8::is_ascii_whitespace) {
        PublishRequest::default()
    } else {
        super::error::parse_json(&body)?
    };
    let selection = match req.objects {
        None => None,
        Some(list) => Some(
            list.iter()
                .map(|s| {
                    let (k, id) = s.split_once('/').ok_or_else(|| {
                        ApiError::invalid(
                            format!("objects: \"{s}\" is not kind/id (e.g. playlist/accueil)"),
                            Vec::new(),
                        )
                    })?;
                    let kind: Kind = k.parse().map_err(|e: String| {
                        ApiError::invalid(format!("objects: {e}"), Vec::new())
                    })?;
                    Ok((kind, id.to_owned()))
                })
                .collect::<ApiResult<Vec<_>>>()?,
        ),
    };
    crate::publish::publish(&state, &user, selection)
        .await
        .map(Json)
}

/// A past publication.
#[derive(Debug, Serialize, ToSchema)]
pub struct Publication {
    /// Id.
    pub id: i64,
    /// Instant.
    pub at: String,
    /// Who published.
    pub by: Option<String>,
    /// How many objects.
    pub objects: i64,
    /// How many screens got a new manifest.
    pub screens_changed: i64,
    /// The alert whose change refreshed the manifests (no object published); null for a
    /// publish of drafts.
    pub alert: Option<String>,
}

/// The last 100 publications, newest first (manifest refreshes made by alert changes
/// included, with the alert's id).
#[utoipa::path(get, path = "/api/v1/publications", tag = "publish",
    responses((status = 200, body = Vec<Publication>)))]
async fn publications(
    State(state): State<Arc<AppState>>,
    CurrentUser(_): CurrentUser,
) -> ApiResult<Json<Vec<Publication>>> {
    let rows = sqlx::query(
        "SELECT p.id, p.at, u.username, p.objects, p.screens_changed, p.alert FROM publications p
         LEFT JOIN users u ON u.id = p.user_id ORDER BY p.id DESC LIMIT 100",
    )
    .fetch_all(&state.db)
    .await?;
    Ok(Json(
        rows.iter()
            .map(|r| Publication {
                id: r.get("id"),
                at: r.get("at"),
                by: r.get("username"),
                objects: r.get("objects"),
                screens_changed: r.get("screens_changed"),
                alert: r.get("alert"),
            })
            .collect(),
    ))
}

/// `?side=` of a preview.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct SideQuery {
    /// `draft` (default) or `published`.
    pub side: Option<String>,
}

/// The manifest a screen would get from the drafts (or gets from the published state),
/// built now; for previews.
#[utoipa::path(get, path = "/api/v1/screens/{id}/manifest", tag = "publish",
    params(("id" = String, Path), SideQuery),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn preview(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<SideQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let side = match q.side.as_deref() {
        None | Some("draft") => Side::Draft,
        Some("published") => Side::Published,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "side: \"{other}\" is not draft or published"
            )));
        }
    };
    let mut conn = state.db.acquire().await?;
    let row = crate::model::store::get(&mut conn, Kind::Screen, &id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no screen \"{id}\"")))?;
    drop(conn);
    if !user.sees(row.owner.as_ref()) {
        return Err(ApiError::forbidden(format!(
            "screen \"{id}\" belongs to another commune"
        )));
    }
    let m = crate::publish::preview(&state, &id, side).await?;
    Ok(Json(serde_json::to_value(&m).map_err(|e| {
        ApiError::internal("encoding a manifest", e)
    })?))
}
