//! CRUD of drafts for screen groups, screens, layouts, playlists and schedule entries, with
//! the ownership rules: everyone sees shared objects; editors see and change only their
//! communes' objects; a commune's objects may use only shared objects and its own.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use beffroi_protocol::ids::Insee;
use beffroi_protocol::layout::Layout;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, ApiJson, ApiResult, ErrorBody};
use crate::auth::CurrentUser;
use crate::model::body::Body;
use crate::model::snapshot::Snapshot;
use crate::model::store::{self, ObjectRow};
use crate::model::{Kind, Side, check};
use crate::server::AppState;
use crate::users::User;

/// An object as the API shows it: both sides and their provenance.
#[derive(Debug, Serialize, ToSchema)]
pub struct ObjectView {
    /// group, screen, layout, playlist or schedule.
    pub kind: String,
    /// Id, unique per kind.
    pub id: String,
    /// INSEE code of the owning commune; null for the intercommunality (shared).
    pub owner: Option<String>,
    /// Name of the draft (or of the published body when the draft deletes it).
    pub name: String,
    /// The draft body; null when the draft deletes the object.
    #[schema(value_type = Option<Object>)]
    pub draft: Option<serde_json::Value>,
    /// The published body; null before the first publish.
    #[schema(value_type = Option<Object>)]
    pub published: Option<serde_json::Value>,
    /// True when the draft differs from what the screens show.
    pub pending: bool,
    /// Revision of the draft; send it back in updates to detect concurrent edits.
    pub revision: i64,
    /// Shipped with the server; read-only.
    pub builtin: bool,
    /// Last change of the draft.
    pub updated_at: String,
    /// Who made it.
    pub updated_by: Option<String>,
    /// Last publish of this object.
    pub published_at: Option<String>,
    /// Who published it.
    pub published_by: Option<String>,
}

impl ObjectView {
    fn of(r: &ObjectRow) -> Self {
        let parse = |s: &Option<String>| s.as_deref().and_then(|t| serde_json::from_str(t).ok());
        let draft: Option<serde_json::Value> = parse(&r.draft);
        let published: Option<serde_json::Value> = parse(&r.published);
        Self {
            kind: r.kind.to_string(),
            id: r.id.clone(),
            owner: r.owner.as_ref().map(ToString::to_string),
            name: r.name(),
            draft,
            published,
            pending: r.pending(),
            revision: r.revision,
            builtin: r.builtin,
            updated_at: r.updated_at.clone(),
            updated_by: r.updated_by.clone(),
            published_at: r.published_at.clone(),
            published_by: r.published_by.clone(),
        }
    }
}

/// A new object.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateObject {
    /// Id: lowercase letters, digits and dashes.
    pub id: String,
    /// Owning commune (INSEE); absent or null: the intercommunality, or an editor's only
    /// commune.
    #[serde(default)]
    pub owner: Option<String>,
    /// The body of the kind.
    #[schema(value_type = Object)]
    pub body: serde_json::Value,
}

/// A change of the draft.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateObject {
    /// The whole new body.
    #[schema(value_type = Object)]
    pub body: serde_json::Value,
    /// Move the object to another owner (INSEE, or "shared").
    #[serde(default)]
    pub owner: Option<String>,
    /// The revision the change was made on; a different current revision answers 409.
    #[serde(default)]
    pub revision: Option<i64>,
}

/// `?owner=` of a TOML layout upload.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct OwnerQuery {
    /// Owning commune (INSEE); absent: shared or the editor's only commune.
    pub owner: Option<String>,
}

pub(super) fn parse_owner(s: Option<&str>, user: &User) -> ApiResult<Option<Insee>> {
    match s {
        None => match (user.role, user.communes.as_slice()) {
            (crate::users::Role::Editor, [only]) => Ok(Some(only.clone())),
            (crate::users::Role::Editor, _) => Err(ApiError::invalid(
                "owner: you work for several communes; say which one owns the object",
                Vec::new(),
            )),
            _ => Ok(None),
        },
        Some("shared") => Ok(None),
        Some(code) => {
            let insee: Insee = code
                .parse()
                .map_err(|e| ApiError::invalid(format!("owner: {e}"), Vec::new()))?;
            if crate::communes::by_insee(&insee).is_none() {
                return Err(ApiError::invalid(
                    format!("owner: {insee} is not a commune of the territory"),
                    Vec::new(),
                ));
            }
            Ok(Some(insee))
        }
    }
}

/// "commune 62364 (Fruges)" or "the intercommunality (shared)", for messages.
pub(crate) fn owner_name(owner: Option<&Insee>) -> String {
    match owner {
        None => "the intercommunality (shared)".into(),
        Some(c) => match crate::communes::by_insee(c) {
            Some(k) => format!("commune {c} ({})", k.name),
            None => format!("commune {c}"),
        },
    }
}

fn may_edit(user: &User, owner: Option<&Insee>, kind: Kind, id: &str) -> ApiResult<()> {
    if user.edits(owner) {
        return Ok(());
    }
    Err(ApiError::forbidden(format!(
        "{} \"{id}\" belongs to {}; you ({}, {}) cannot change it",
        kind.noun(),
        owner_name(owner),
        user.username,
        user.role
    )))
}

fn may_see(user: &User, row: &ObjectRow) -> ApiResult<()> {
    if user.sees(row.owner.as_ref()) {
        return Ok(());
    }
    Err(ApiError::forbidden(format!(
        "{} \"{}\" belongs to {}; you do not work for it",
        row.kind.noun(),
        row.id,
        owner_name(row.owner.as_ref())
    )))
}

/// Every problem of the drafts, for comparing before and after a change.
fn all_problems(s: &Snapshot) -> BTreeSet<String> {
    s.problems().into_iter().collect()
}

/// What a write does to an object.
#[derive(Debug, Clone)]
pub(crate) enum Intent {
    /// A new object owned by this commune (`None`: shared).
    Create(Option<Insee>),
    /// A new draft body, optionally moving the object to another owner (`Some(None)`:
    /// shared), optionally only if the draft is still at `revision`.
    Update {
        /// The new owner, when it changes.
        owner: Option<Option<Insee>>,
        /// The revision the change was made on.
        revision: Option<i64>,
    },
    /// A deletion in draft.
    Delete,
}

/// Checks the caller's rights on `existing` for `intent` and returns the owner the object
/// will have.
fn authorize(
    user: &User,
    kind: Kind,
    id: &str,
    existing: Option<&ObjectRow>,
    intent: &Intent,
) -> ApiResult<Option<Insee>> {
    let current = match (intent, existing) {
        (Intent::Create(owner), None) => {
            may_edit(user, owner.as_ref(), kind, id)?;
            return Ok(owner.clone());
        }
        (Intent::Create(_), Some(r)) => {
            return Err(ApiError::conflict(format!(
                "a {} \"{id}\" already exists{}",
                kind.noun(),
                if r.draft.is_none() {
                    " (deleted in draft; publish the deletion first)"
                } else {
                    ""
                }
            )));
        }
        (_, None) => {
            return Err(ApiError::not_found(format!("no {} \"{id}\"", kind.noun())));
        }
        (_, Some(r)) => r,
    };
    may_see(user, current)?;
    may_edit(user, current.owner.as_ref(), kind, id)?;
    if current.builtin {
        return Err(ApiError::forbidden(format!(
            "{} \"{id}\" ships with the server and cannot be changed or deleted; copy it under another id",
            kind.noun()
        )));
    }
    let Intent::Update { owner, revision } = intent else {
        return Ok(current.owner.clone());
    };
    if let Some(rev) = revision
        && current.revision != *rev
    {
        return Err(ApiError::conflict(format!(
            "{} \"{id}\" changed since revision {rev} (now {}, by {}); reload it and apply your change again",
            kind.noun(),
            current.revision,
            current.updated_by.as_deref().unwrap_or("someone")
        )));
    }
    let owner = owner.clone().unwrap_or_else(|| current.owner.clone());
    may_edit(user, owner.as_ref(), kind, id)?;
    Ok(owner)
}

/// Writes a draft (the JSON body of the kind; `None` with [`Intent::Delete`]) after checking the caller's rights,
/// the object and that it breaks no other draft, all in one write transaction so that no
/// other change slips in between the checks and the write.
pub(crate) async fn write(
    state: &AppState,
    user: &User,
    kind: Kind,
    id: &str,
    intent: Intent,
    body: Option<serde_json::Value>,
) -> ApiResult<ObjectRow> {
    let mut tx = crate::db::begin_write(&state.db).await?;
    let rows = store::all(&mut tx).await?;
    let media = store::media(&mut tx).await?;
    let existing = rows.iter().find(|r| r.kind == kind && r.id == id);
    let owner = authorize(user, kind, id, existing, &intent)?;
    // Parsed once the caller's rights are known: a refused caller learns nothing of the body.
    let body = body.map(|b| parse_body(kind, b)).transpose()?;
    let before = Snapshot::build(&rows, Side::Draft, media)
        .map_err(|e| ApiError::internal("reading the drafts", e))?;
    let mut after = before.clone();
    after.remove(kind, id);
    let mut problems = Vec::new();
    if let Some(b) = &body {
        problems.extend(check::check(&before, kind, id, owner.as_ref(), b));
        after.insert(id.to_owned(), owner.clone(), b.clone());
    }
    let old = all_problems(&before);
    problems.extend(
        all_problems(&after)
            .into_iter()
            .filter(|p| !old.contains(p))
            .filter(|p| !p.starts_with(&format!("{} {id}:", kind.as_str()))),
    );
    if !problems.is_empty() {
        problems.sort();
        problems.dedup();
        let what = if body.is_some() { "saved" } else { "deleted" };
        return Err(ApiError::invalid(
            format!("{} \"{id}\" cannot be {what}: {}", kind.noun(), problems[0]),
            problems,
        ));
    }
    let now = Timestamp::now().to_string();
    let never_published = existing.is_none_or(|r| r.published.is_none());
    let json = body.as_ref().map(|b| b.to_json().to_string());
    if json.is_none() && never_published {
        store::remove(&mut tx, kind, id).await?;
    } else {
        store::save_draft(
            &mut tx,
            kind,
            id,
            owner.as_ref(),
            json.as_deref(),
            Some(user.id),
            &now,
        )
        .await?;
    }
    let row = store::get(&mut tx, kind, id).await?;
    tx.commit().await?;
    Ok(row.unwrap_or_else(|| ObjectRow {
        kind,
        id: id.to_owned(),
        owner,
        draft: None,
        published: None,
        revision: 0,
        builtin: false,
        updated_at: now,
        updated_by: Some(user.username.clone()),
        published_at: None,
        published_by: None,
    }))
}

async fn list(state: &AppState, user: &User, kind: Kind) -> ApiResult<Vec<ObjectView>> {
    let mut conn = state.db.acquire().await?;
    let rows = store::of_kind(&mut conn, kind).await?;
    Ok(rows
        .iter()
        .filter(|r| user.sees(r.owner.as_ref()))
        .map(ObjectView::of)
        .collect())
}

async fn get(state: &AppState, user: &User, kind: Kind, id: &str) -> ApiResult<ObjectView> {
    let mut conn = state.db.acquire().await?;
    let row = store::get(&mut conn, kind, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no {} \"{id}\"", kind.noun())))?;
    may_see(user, &row)?;
    Ok(ObjectView::of(&row))
}

fn parse_body(kind: Kind, value: serde_json::Value) -> ApiResult<Body> {
    Body::parse(kind, value)
        .map_err(|e| ApiError::invalid(format!("body: {e}"), vec![format!("body: {e}")]))
}

async fn create(
    state: &AppState,
    user: &User,
    kind: Kind,
    req: CreateObject,
) -> ApiResult<(StatusCode, Json<ObjectView>)> {
    let owner = parse_owner(req.owner.as_deref(), user)?;
    let row = write(
        state,
        user,
        kind,
        &req.id,
        Intent::Create(owner),
        Some(req.body),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(ObjectView::of(&row))))
}

async fn update(
    state: &AppState,
    user: &User,
    kind: Kind,
    id: &str,
    req: UpdateObject,
) -> ApiResult<Json<ObjectView>> {
    let owner = match req.owner.as_deref() {
        None => None,
        Some(o) => Some(parse_owner(Some(o), user)?),
    };
    let intent = Intent::Update {
        owner,
        revision: req.revision,
    };
    let row = write(state, user, kind, id, intent, Some(req.body)).await?;
    Ok(Json(ObjectView::of(&row)))
}

async fn delete(state: &AppState, user: &User, kind: Kind, id: &str) -> ApiResult<StatusCode> {
    write(state, user, kind, id, Intent::Delete, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Generates the five documented handlers of one kind.
macro_rules! kind_routes {
    ($module:ident, $kind:expr, $tag:literal, $list:literal, $one:literal, $noun:literal) => {
        mod $module {
            use super::*;

            #[doc = concat!("Every ", $noun, " the caller may see.")]
            #[utoipa::path(get, path = $list, tag = $tag,
                responses((status = 200, body = Vec<ObjectView>), (status = 401, body = ErrorBody)))]
            pub(super) async fn list(
                State(state): State<Arc<AppState>>,
                CurrentUser(user): CurrentUser,
            ) -> ApiResult<Json<Vec<ObjectView>>> {
                super::list(&state, &user, $kind).await.map(Json)
            }

            #[doc = concat!("Creates a ", $noun, " (a draft until published).")]
            #[utoipa::path(post, path = $list, tag = $tag, request_body = CreateObject,
                responses((status = 201, body = ObjectView), (status = 403, body = ErrorBody),
                    (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
            pub(super) async fn create(
                State(state): State<Arc<AppState>>,
                CurrentUser(user): CurrentUser,
                ApiJson(req): ApiJson<CreateObject>,
            ) -> ApiResult<(StatusCode, Json<ObjectView>)> {
                super::create(&state, &user, $kind, req).await
            }

            #[doc = concat!("One ", $noun, ", draft and published.")]
            #[utoipa::path(get, path = $one, tag = $tag, params(("id" = String, Path)),
                responses((status = 200, body = ObjectView), (status = 403, body = ErrorBody),
                    (status = 404, body = ErrorBody)))]
            pub(super) async fn get(
                State(state): State<Arc<AppState>>,
                CurrentUser(user): CurrentUser,
                Path(id): Path<String>,
            ) -> ApiResult<Json<ObjectView>> {
                super::get(&state, &user, $kind, &id).await.map(Json)
            }

            #[doc = concat!("Replaces the draft of a ", $noun, ".")]
            #[utoipa::path(put, path = $one, tag = $tag, params(("id" = String, Path)),
                request_body = UpdateObject,
                responses((status = 200, body = ObjectView), (status = 403, body = ErrorBody),
                    (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
                    (status = 422, body = ErrorBody)))]
            pub(super) async fn update(
                State(state): State<Arc<AppState>>,
                CurrentUser(user): CurrentUser,
                Path(id): Path<String>,
                ApiJson(req): ApiJson<UpdateObject>,
            ) -> ApiResult<Json<ObjectView>> {
                super::update(&state, &user, $kind, &id, req).await
            }

            #[doc = concat!("Deletes a ", $noun, " in draft (screens keep it until the next publish).")]
            #[utoipa::path(delete, path = $one, tag = $tag, params(("id" = String, Path)),
                responses((status = 204), (status = 403, body = ErrorBody),
                    (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
            pub(super) async fn delete(
                State(state): State<Arc<AppState>>,
                CurrentUser(user): CurrentUser,
                Path(id): Path<String>,
            ) -> ApiResult<StatusCode> {
                super::delete(&state, &user, $kind, &id).await
            }
        }
    };
}

kind_routes!(
    groups,
    Kind::Group,
    "objects",
    "/api/v1/groups",
    "/api/v1/groups/{id}",
    "screen group"
);
kind_routes!(
    screens,
    Kind::Screen,
    "objects",
    "/api/v1/screens",
    "/api/v1/screens/{id}",
    "screen"
);
kind_routes!(
    layouts,
    Kind::Layout,
    "objects",
    "/api/v1/layouts",
    "/api/v1/layouts/{id}",
    "layout"
);
kind_routes!(
    playlists,
    Kind::Playlist,
    "objects",
    "/api/v1/playlists",
    "/api/v1/playlists/{id}",
    "playlist"
);
kind_routes!(
    schedule,
    Kind::Schedule,
    "objects",
    "/api/v1/schedule",
    "/api/v1/schedule/{id}",
    "schedule entry"
);

/// Creates a layout from a TOML file (the format of the `layouts/` folder); its `id` is
/// the object's.
#[utoipa::path(post, path = "/api/v1/layouts/toml", tag = "objects", params(OwnerQuery),
    request_body(content = String, content_type = "application/toml"),
    responses((status = 201, body = ObjectView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn upload_layout(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Query(q): Query<OwnerQuery>,
    text: String,
) -> ApiResult<(StatusCode, Json<ObjectView>)> {
    let layout = Layout::from_toml(&text)
        .map_err(|e| ApiError::invalid(format!("layout file: {e}"), vec![e.to_string()]))?;
    let req = CreateObject {
        id: layout.id.clone(),
        owner: q.owner,
        body: serde_json::to_value(&layout)
            .map_err(|e| ApiError::internal("reading a layout", e))?,
    };
    create(&state, &user, Kind::Layout, req).await
}

pub(super) fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(groups::list, groups::create))
        .routes(routes!(groups::get, groups::update, groups::delete))
        .routes(routes!(screens::list, screens::create))
        .routes(routes!(screens::get, screens::update, screens::delete))
        .routes(routes!(layouts::list, layouts::create))
        .routes(routes!(layouts::get, layouts::update, layouts::delete))
        .routes(routes!(upload_layout))
        .routes(routes!(playlists::list, playlists::create))
        .routes(routes!(
            playlists::get,
            playlists::update,
            playlists::delete
        ))
        .routes(routes!(schedule::list, schedule::create))
        .routes(routes!(schedule::get, schedule::update, schedule::delete))
}

/// The layouts shipped in `layouts/`, kept as shared, published, read-only objects.
pub const BUILTIN_LAYOUTS: [&str; 4] = [
    include_str!("../../../layouts/fullscreen.toml"),
    include_str!("../../../layouts/main-ticker.toml"),
    include_str!("../../../layouts/town-hall.toml"),
    include_str!("../../../layouts/portrait-kiosk.toml"),
];

/// Inserts or refreshes the built-in layouts (published at once: they are the server's).
pub async fn seed_layouts(db: &sqlx::SqlitePool) -> Result<(), sqlx::Error> {
    let now = Timestamp::now().to_string();
    for text in BUILTIN_LAYOUTS {
        // The files are checked by the protocol crate's tests; a broken one is a build bug.
        let layout = Layout::from_toml(text).expect("a built-in layout is invalid");
        let json = serde_json::to_string(&layout).unwrap_or_default();
        sqlx::query(
            "INSERT INTO objects (kind, id, owner, draft, published, builtin, updated_at, published_at)
             VALUES ('layout', ?1, NULL, ?2, ?2, 1, ?3, ?3)
             ON CONFLICT (kind, id) DO UPDATE SET draft = excluded.draft,
                published = excluded.published, builtin = 1
             WHERE objects.published IS NOT excluded.published",
        )
        .bind(&layout.id)
        .bind(&json)
        .bind(&now)
        .execute(db)
        .await?;
    }
    Ok(())
}
