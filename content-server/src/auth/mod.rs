//! Who is calling: sessions (officer's web page), user API tokens, device tokens; the
//! extractors handlers use, CSRF checks and rate limits.
//!
//! - A **session** is a random token in an `HttpOnly`, `SameSite=Strict` cookie (`Secure`
//!   under TLS). Requests that change something with a session must carry its CSRF token in
//!   the `X-CSRF-Token` header (htmx sends it on every request) or, for plain HTML forms, a
//!   `csrf_token` field the page handler checks.
//! - A **user API token** (`Authorization: Bearer bfu_...`) needs no CSRF token: browsers
//!   never attach it on their own.
//! - A **device token** (`Authorization: Bearer bfd_...`) reaches only the player endpoints
//!   of its own screen.

pub mod limiter;
pub mod tokens;

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use jiff::{SignedDuration, Timestamp};
use sqlx::{Row, SqlitePool};

use crate::api::error::ApiError;
use crate::server::AppState;
use crate::users::User;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "beffroi_session";
/// Header carrying the CSRF token of a session.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// A paired player.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// Row id of the device.
    pub id: i64,
    /// The screen it plays.
    pub screen_id: String,
}

/// Device tokens already checked against the database, by hash. Revoking a screen's devices
/// must call [`DeviceCache::forget_screen`] once committed.
#[derive(Debug, Default)]
pub struct DeviceCache {
    by_hash: std::sync::RwLock<std::collections::HashMap<String, Device>>,
}

impl DeviceCache {
    /// Most tokens remembered; beyond, the cache starts over (a few hundred screens fit).
    const CAPACITY: usize = 10_000;

    fn get(&self, hash: &str) -> Option<Device> {
        let map = self
            .by_hash
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.get(hash).cloned()
    }

    fn remember(&self, hash: String, device: Device) {
        let mut map = self
            .by_hash
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() >= Self::CAPACITY {
            map.clear();
        }
        map.insert(hash, device);
    }

    /// Forgets the tokens of `screen_id`'s devices (they were revoked).
    pub fn forget_screen(&self, screen_id: &str) {
        let mut map = self
            .by_hash
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.retain(|_, d| d.screen_id != screen_id);
    }
}

/// How a user proved who they are.
#[derive(Debug, Clone)]
pub enum Via {
    /// The session cookie, with the session's CSRF token.
    Session {
        /// CSRF token forms and htmx requests must echo.
        csrf: String,
    },
    /// A user API token.
    Token,
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub enum Caller {
    /// A person (web page or API token).
    User(User, Via),
    /// A paired player.
    Device(Device),
}

/// Finds the caller of a request from its headers; `Ok(None)` when it carries no credentials.
pub async fn identify(
    state: &AppState,
    headers: &HeaderMap,
    now: Timestamp,
) -> Result<Option<Caller>, ApiError> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| {
                ApiError::unauthorized("the Authorization header must be \"Bearer <token>\"")
            })?;
        return bearer(state, token).await.map(Some);
    }
    let Some(session) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let row = sqlx::query(
        "SELECT user_id, csrf_token FROM sessions WHERE token_hash = ?1 AND expires_at > ?2",
    )
    .bind(tokens::hash(session))
    .bind(now.to_string())
    .fetch_optional(&state.db)
    .await?;
    let Some(row) = row else {
        return Err(ApiError::unauthorized(
            "the session has expired or was closed; log in again",
        ));
    };
    let user = crate::users::load(&state.db, row.get("user_id"))
        .await?
        .ok_or_else(|| ApiError::unauthorized("the session's user no longer exists"))?;
    Ok(Some(Caller::User(
        user,
        Via::Session {
            csrf: row.get("csrf_token"),
        },
    )))
}

async fn bearer(state: &AppState, token: &str) -> Result<Caller, ApiError> {
    let db = &state.db;
    let hash = tokens::hash(token);
    if token.starts_with(tokens::DEVICE_TOKEN_PREFIX) {
        // Players ask every few seconds: their tokens are remembered, not queried each time.
        if let Some(device) = state.devices.get(&hash) {
            return Ok(Caller::Device(device));
        }
        let row = sqlx::query(
            "SELECT id, screen_id FROM devices WHERE token_hash = ?1 AND revoked_at IS NULL",
        )
        .bind(&hash)
        .fetch_optional(db)
        .await?;
        return match row {
            Some(r) => {
                let device = Device {
                    id: r.get("id"),
                    screen_id: r.get("screen_id"),
                };
                state.devices.remember(hash, device.clone());
                Ok(Caller::Device(device))
            }
            None => Err(ApiError::unauthorized(
                "unknown or revoked device token; pair the player again",
            )),
        };
    }
    if token.starts_with(tokens::USER_TOKEN_PREFIX) {
        let user_id: Option<i64> =
            sqlx::query_scalar("SELECT user_id FROM api_tokens WHERE token_hash = ?1")
                .bind(&hash)
                .fetch_optional(db)
                .await?;
        if let Some(id) = user_id
            && let Some(user) = crate::users::load(db, id).await?
        {
            return Ok(Caller::User(user, Via::Token));
        }
        return Err(ApiError::unauthorized("unknown or deleted API token"));
    }
    Err(ApiError::unauthorized(
        "not a Beffroi token (user tokens start with bfu_, device tokens with bfd_)",
    ))
}

/// The value of cookie `name`, if sent.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Opens a session for `user_id`; returns the cookie token and the CSRF token.
pub async fn open_session(
    db: &SqlitePool,
    user_id: i64,
    now: Timestamp,
    lifetime: SignedDuration,
) -> Result<(String, String), ApiError> {
    let token = tokens::random_hex();
    let csrf = tokens::random_hex();
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .bind(tokens::hash(&token))
    .bind(user_id)
    .bind(&csrf)
    .bind(now.to_string())
    .bind((now + lifetime).to_string())
    .execute(db)
    .await?;
    // Expired sessions are swept here rather than by a timer: logins are rare.
    sqlx::query("DELETE FROM sessions WHERE expires_at <= ?1")
        .bind(now.to_string())
        .execute(db)
        .await?;
    Ok((token, csrf))
}

/// Closes the session of cookie token `token` (logout).
pub async fn close_session(db: &SqlitePool, token: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = ?1")
        .bind(tokens::hash(token))
        .execute(db)
        .await?;
    Ok(())
}

/// The `Set-Cookie` value of a session (`max_age` 0 deletes it).
pub fn session_cookie(token: &str, max_age_s: i64, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_s}{}",
        if secure { "; Secure" } else { "" }
    )
}

fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Refuses a form post whose `csrf_token` field is not the session's.
pub fn check_form_csrf(via: &Via, sent: Option<&str>) -> Result<(), ApiError> {
    match via {
        Via::Session { csrf } if sent.is_some_and(|s| tokens::same(s, csrf)) => Ok(()),
        Via::Session { .. } => Err(ApiError::forbidden(
            "missing or wrong CSRF token; reload the page and try again",
        )),
        Via::Token => Ok(()),
    }
}

async fn caller_of(parts: &Parts, state: &AppState) -> Result<Caller, ApiError> {
    identify(state, &parts.headers, Timestamp::now())
        .await?
        .ok_or_else(|| {
            ApiError::unauthorized(
                "authentication required: log in, or send \"Authorization: Bearer <token>\"",
            )
        })
}

/// The person calling; a device token is refused.
async fn user_of(parts: &Parts, state: &AppState) -> Result<(User, Via), ApiError> {
    match caller_of(parts, state).await? {
        Caller::User(user, via) => Ok((user, via)),
        Caller::Device(_) => Err(ApiError::forbidden(
            "device tokens reach only the player endpoints",
        )),
    }
}

/// A person calling the API; with a session, unsafe methods must carry `X-CSRF-Token`.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub User);

impl FromRequestParts<Arc<AppState>> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, ApiError> {
        let (user, via) = user_of(parts, state).await?;
        if is_unsafe(&parts.method) {
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            check_form_csrf(&via, sent)?;
        }
        Ok(CurrentUser(user))
    }
}

/// A paired player calling a player endpoint.
#[derive(Debug, Clone)]
pub struct CurrentDevice(pub Device);

impl FromRequestParts<Arc<AppState>> for CurrentDevice {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, ApiError> {
        match caller_of(parts, state).await? {
            Caller::Device(d) => Ok(CurrentDevice(d)),
            Caller::User(..) => Err(ApiError::forbidden(
                "this endpoint is for paired players (device token)",
            )),
        }
    }
}

/// Any authenticated caller (assets: players and people both fetch them).
#[derive(Debug, Clone)]
pub struct AnyCaller(pub Caller);

impl FromRequestParts<Arc<AppState>> for AnyCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, ApiError> {
        caller_of(parts, state).await.map(AnyCaller)
    }
}
