//! Login, logout, the current user, API tokens, users and communes.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, ApiJson, ApiResult, ErrorBody};
use crate::auth::{self, CurrentUser, tokens};
use crate::server::AppState;
use crate::users::{NewUser, Role, User};

pub(super) fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(delete_token))
        .routes(routes!(list_users, create_user))
        .routes(routes!(list_communes))
}

/// How long a session lasts.
pub const SESSION_HOURS: i64 = 12;

/// Credentials.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Login {
    /// Login name.
    pub username: String,
    /// Password.
    pub password: String,
}

/// A user, as the API shows them.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    /// Row id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// admin, approver, editor or viewer.
    pub role: String,
    /// INSEE codes of the communes the user works for.
    pub communes: Vec<String>,
}

impl From<&User> for UserView {
    fn from(u: &User) -> Self {
        Self {
            id: u.id,
            username: u.username.clone(),
            role: u.role.to_string(),
            communes: u.communes.iter().map(ToString::to_string).collect(),
        }
    }
}

/// The answer to a login: who, and the CSRF token to echo in `X-CSRF-Token`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Session {
    /// The user.
    pub user: UserView,
    /// Send it back in `X-CSRF-Token` with every POST, PUT and DELETE made with the cookie.
    pub csrf_token: String,
}

/// Verifies a login under the rate limits and opens a session. Each attempt is counted
/// before the password is checked, so parallel guesses cannot all slip under the limit; a
/// successful one is then forgiven.
pub(crate) async fn log_in(
    state: &AppState,
    ip: &str,
    username: &str,
    password: &str,
) -> ApiResult<(User, String, String)> {
    let limits = &state.limits;
    let key = format!("{ip}|{}", username.trim().to_lowercase());
    let now = Instant::now();
    let counted = limits.login_per_ip.try_acquire(ip, now).and_then(|()| {
        limits.login.try_acquire(&key, now).inspect_err(|_| {
            limits.login_per_ip.forgive(ip);
        })
    });
    if let Err(wait) = counted {
        return Err(ApiError::too_many(
            format!("too many failed logins; try again in {wait} s"),
            wait,
        ));
    }
    let Some(user) = crate::users::verify_login(&state.db, username, password).await? else {
        return Err(ApiError::unauthorized("wrong user name or password"));
    };
    limits.login.clear(&key);
    limits.login_per_ip.forgive(ip);
    let (token, csrf) = auth::open_session(
        &state.db,
        user.id,
        Timestamp::now(),
        SignedDuration::from_hours(SESSION_HOURS),
    )
    .await?;
    Ok((user, token, csrf))
}

/// Opens a session: sets the `beffroi_session` cookie and returns the CSRF token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = Login,
    responses((status = 200, body = Session), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn login(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiJson(body): ApiJson<Login>,
) -> ApiResult<Response> {
    let (user, token, csrf) = log_in(
        &state,
        &peer.ip().to_string(),
        &body.username,
        &body.password,
    )
    .await?;
    let cookie = auth::session_cookie(&token, SESSION_HOURS * 3600, state.secure_cookies());
    Ok((
        [(header::SET_COOKIE, cookie)],
        Json(Session {
            user: UserView::from(&user),
            csrf_token: csrf,
        }),
    )
        .into_response())
}

/// Closes the session of the cookie sent.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses((status = 204)))]
async fn logout(
    State(state): State<Arc<AppState>>,
    headers: axum::http::HeaderMap,
) -> ApiResult<Response> {
    if let Some(token) = auth::cookie(&headers, auth::SESSION_COOKIE) {
        auth::close_session(&state.db, token).await?;
    }
    let cookie = auth::session_cookie("", 0, state.secure_cookies());
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}

/// The current user.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth",
    responses((status = 200, body = UserView), (status = 401, body = ErrorBody)))]
async fn me(CurrentUser(user): CurrentUser) -> Json<UserView> {
    Json(UserView::from(&user))
}

/// A new API token's name.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewToken {
    /// What it is for ("import agenda").
    pub name: String,
}

/// An API token (its value is shown once, at creation).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    /// Row id.
    pub id: i64,
    /// What it is for.
    pub name: String,
    /// Creation instant.
    pub created_at: String,
    /// The token, only in the answer to its creation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// The caller's API tokens.
#[utoipa::path(get, path = "/api/v1/auth/tokens", tag = "auth", responses((status = 200, body = Vec<TokenView>)))]
async fn list_tokens(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<Json<Vec<TokenView>>> {
    let rows =
        sqlx::query("SELECT id, name, created_at FROM api_tokens WHERE user_id = ?1 ORDER BY id")
            .bind(user.id)
            .fetch_all(&state.db)
            .await?;
    Ok(Json(
        rows.iter()
            .map(|r| TokenView {
                id: r.get("id"),
                name: r.get("name"),
                created_at: r.get("created_at"),
                token: None,
            })
            .collect(),
    ))
}

/// Creates an API token for the caller; the answer holds its value, shown only this once.
#[utoipa::path(post, path = "/api/v1/auth/tokens", tag = "auth", request_body = NewToken,
    responses((status = 201, body = TokenView)))]
async fn create_token(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    ApiJson(body): ApiJson<NewToken>,
) -> ApiResult<(StatusCode, Json<TokenView>)> {
    let name = body.name.trim();
    if name.is_empty() || name.len() > 100 {
        return Err(ApiError::invalid("name: 1 to 100 characters", Vec::new()));
    }
    let token = tokens::new_token(tokens::USER_TOKEN_PREFIX);
    let now = Timestamp::now().to_string();
    let id = sqlx::query(
        "INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
    )
    .bind(user.id)
    .bind(name)
    .bind(tokens::hash(&token))
    .bind(&now)
    .execute(&state.db)
    .await?
    .last_insert_rowid();
    Ok((
        StatusCode::CREATED,
        Json(TokenView {
            id,
            name: name.to_owned(),
            created_at: now,
            token: Some(token),
        }),
    ))
}

/// Deletes one of the caller's API tokens.
#[utoipa::path(delete, path = "/api/v1/auth/tokens/{id}", tag = "auth",
    params(("id" = i64, Path, description = "token id")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_token(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let done = sqlx::query("DELETE FROM api_tokens WHERE id = ?1 AND user_id = ?2")
        .bind(id)
        .bind(user.id)
        .execute(&state.db)
        .await?;
    if done.rows_affected() == 0 {
        return Err(ApiError::not_found(format!("you have no API token {id}")));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// A user to create.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateUser {
    /// Login name.
    pub username: String,
    /// At least 12 characters.
    pub password: String,
    /// admin, approver, editor or viewer.
    pub role: String,
    /// INSEE codes (required for editors).
    #[serde(default)]
    pub communes: Vec<String>,
}

/// Every user (admins only).
#[utoipa::path(get, path = "/api/v1/users", tag = "territory", responses((status = 200, body = Vec<UserView>)))]
async fn list_users(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<Json<Vec<UserView>>> {
    require_admin(&user)?;
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM users ORDER BY username")
        .fetch_all(&state.db)
        .await?;
    let mut out = Vec::new();
    for id in ids {
        if let Some(u) = crate::users::load(&state.db, id).await? {
            out.push(UserView::from(&u));
        }
    }
    Ok(Json(out))
}

/// Creates a user (admins only).
#[utoipa::path(post, path = "/api/v1/users", tag = "territory", request_body = CreateUser,
    responses((status = 201, body = UserView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_user(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    ApiJson(body): ApiJson<CreateUser>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    require_admin(&user)?;
    let role: Role = body
        .role
        .parse()
        .map_err(|e: String| ApiError::invalid(format!("role: {e}"), Vec::new()))?;
    let communes = body
        .communes
        .iter()
        .map(|c| c.parse())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ApiError::invalid(format!("communes: {e}"), Vec::new()))?;
    let new = NewUser {
        username: body.username,
        password: body.password,
        role,
        communes,
    };
    let id = crate::users::create(&state.db, &new, Timestamp::now()).await?;
    let created = crate::users::load(&state.db, id)
        .await?
        .ok_or_else(|| ApiError::internal("creating a user", "the new user vanished"))?;
    Ok((StatusCode::CREATED, Json(UserView::from(&created))))
}

fn require_admin(user: &User) -> ApiResult<()> {
    if user.role == Role::Admin {
        Ok(())
    } else {
        Err(ApiError::forbidden("only administrators manage users"))
    }
}

/// A commune of the territory.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommuneView {
    /// INSEE code.
    pub insee: String,
    /// Name.
    pub name: String,
    /// Population.
    pub population: u32,
}

/// The 49 communes of the territory.
#[utoipa::path(get, path = "/api/v1/communes", tag = "territory", responses((status = 200, body = Vec<CommuneView>)))]
async fn list_communes(CurrentUser(_): CurrentUser) -> Json<Vec<CommuneView>> {
    Json(
        crate::communes::territory()
            .iter()
            .map(|c| CommuneView {
                insee: c.insee.to_string(),
                name: c.name.clone(),
                population: c.population,
            })
            .collect(),
    )
}
