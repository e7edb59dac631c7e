//! Pairing new players: a player asks for a short code and shows it; an officer claims the
//! code for a screen; the player's next poll receives its device token, once. Also the list
//! and the revocation of a screen's devices.
//!
//! Codes are 6 characters from an alphabet without the look-alikes 0/O, 1/I/L, shown as
//! `ABC-DEF` and accepted with or without the dash, in any case. A code lives 15 minutes.
//! The player proves it is the one that asked with the secret it got with the code (stored
//! hashed). Claims of unknown or expired codes are rate-limited per user and per address.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, ApiResult, ErrorBody, parse_json};
use super::player::{Need, now_s, screen_for};
use crate::auth::{CurrentUser, tokens};
use crate::hub::{PushEvent, REVOKED_EVENT};
use crate::model::store::ObjectRow;
use crate::server::AppState;
use crate::users::User;

pub(super) fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(new_code))
        .routes(routes!(claim))
        .routes(routes!(poll))
        .routes(routes!(list_devices, revoke_devices))
}

/// The characters of a pairing code: no 0/O, no 1/I/L.
pub const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// Characters in a code (shown in two groups of three).
pub const CODE_LEN: usize = 6;
/// How long a code may be claimed.
pub const CODE_MINUTES: i64 = 15;
/// Seconds between a waiting player's polls.
pub const POLL_AFTER_S: u32 = 5;
/// Header carrying the pairing secret.
pub const SECRET_HEADER: &str = "x-pairing-secret";

/// A new random code, as stored (no dash).
fn random_code() -> String {
    let mut out = String::with_capacity(CODE_LEN);
    let n = CODE_ALPHABET.len();
    // Rejection sampling: only bytes below a multiple of the alphabet's size, so that every
    // character is equally likely.
    let limit = (256 / n * n) as u8;
    while out.len() < CODE_LEN {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).expect("the operating system's random generator failed");
        for b in bytes {
            if b < limit && out.len() < CODE_LEN {
                out.push(CODE_ALPHABET[usize::from(b) % n] as char);
            }
        }
    }
    out
}

/// `ABCDEF` → `ABC-DEF`.
pub fn display_code(code: &str) -> String {
    format!("{}-{}", &code[..3], &code[3..])
}

/// The stored form of a code typed by someone (`abc-def`, `ABC DEF`, `abcdef`), or `None`
/// when it cannot be a code.
pub fn normalize_code(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !matches!(c, '-' | ' ' | '\t'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == CODE_LEN && code.bytes().all(|b| CODE_ALPHABET.contains(&b))).then_some(code)
}

/// A code for a new player.
#[derive(Debug, Serialize, ToSchema)]
pub struct NewPairing {
    /// The code to show, `ABC-DEF`.
    pub code: String,
    /// Send it back in `X-Pairing-Secret` when polling; never shown.
    pub secret: String,
    /// When the code stops being claimable.
    pub expires_at: String,
    /// Seconds to wait between polls.
    pub poll_after_s: u32,
}

/// Gives an unpaired player a code to show (anonymous; rate-limited per address).
#[utoipa::path(post, path = "/api/v1/pairing", tag = "pairing",
    responses((status = 201, body = NewPairing), (status = 429, body = ErrorBody)))]
async fn new_code(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> ApiResult<(StatusCode, Json<NewPairing>)> {
    let ip = peer.ip().to_string();
    let instant = Instant::now();
    if let Err(wait) = state.limits.pairing_new.try_acquire(&ip, instant) {
        return Err(ApiError::too_many(
            format!("too many pairing codes asked from {ip}; try again in {wait} s"),
            wait,
        ));
    }
    let now = now_s();
    let expires = now + SignedDuration::from_mins(CODE_MINUTES);
    // Codes expired for a day are forgotten; until then a poll or a claim says "expired".
    sqlx::query("DELETE FROM pairings WHERE expires_at < ?1")
        .bind((now - SignedDuration::from_hours(24)).to_string())
        .execute(&state.db)
        .await?;
    let secret = tokens::random_hex();
    for _ in 0..20 {
        let code = random_code();
        let done = sqlx::query(
            "INSERT INTO pairings (code, secret_hash, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (code) DO NOTHING",
        )
        .bind(&code)
        .bind(tokens::hash(&secret))
        .bind(now.to_string())
        .bind(expires.to_string())
        .execute(&state.db)
        .await?;
        if done.rows_affected() == 1 {
            return Ok((
                StatusCode::CREATED,
                Json(NewPairing {
                    code: display_code(&code),
                    secret,
                    expires_at: expires.to_string(),
                    poll_after_s: POLL_AFTER_S,
                }),
            ));
        }
    }
    Err(ApiError::internal(
        "making a pairing code",
        "20 random codes were all taken",
    ))
}

/// Where a pairing stands, for the player that asked.
#[derive(Debug, Serialize, ToSchema)]
pub struct PairingStatus {
    /// `waiting` (not claimed yet) or `paired`.
    pub status: String,
    /// When the code stops being claimable (while waiting).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// The device token (`bfd_...`): in the first answer after the claim only. Keep it
    /// (0600); it is never shown again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// The screen the player now plays.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub screen_id: Option<String>,
    /// The server's Ed25519 public key (hex), to verify what it signs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_public_key: Option<String>,
    /// SHA-256 of the server's TLS certificate (hex), to pin; null without TLS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_fingerprint: Option<Option<String>>,
}

/// A player polls its code: waiting, or paired with its device token (given once).
#[utoipa::path(get, path = "/api/v1/pairing/{code}", tag = "pairing",
    params(("code" = String, Path, description = "the code, with or without its dash"),
        ("X-Pairing-Secret" = String, Header, description = "the secret given with the code")),
    responses((status = 200, body = PairingStatus), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 410, body = ErrorBody)))]
async fn poll(
    State(state): State<Arc<AppState>>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<PairingStatus>> {
    let unknown = || ApiError::not_found(format!("no pairing code \"{code}\""));
    let stored = normalize_code(&code).ok_or_else(unknown)?;
    let secret = headers
        .get(SECRET_HEADER)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            ApiError::bad_request(
                "the X-Pairing-Secret header (the secret given with the code) is missing",
            )
        })?;
    let row = sqlx::query(
        "SELECT secret_hash, expires_at, screen_id, claimed_at FROM pairings WHERE code = ?1",
    )
    .bind(&stored)
    .fetch_optional(&state.db)
    .await?
    .ok_or_else(unknown)?;
    if !tokens::same(&tokens::hash(secret), row.get("secret_hash")) {
        return Err(ApiError::forbidden(format!(
            "wrong X-Pairing-Secret for code {}",
            display_code(&stored)
        )));
    }
    let expires_at: String = row.get("expires_at");
    let claimed: Option<String> = row.get("claimed_at");
    if claimed.is_some() {
        // The token leaves the database with the first answer that carries it: the poll
        // whose update marks it delivered takes it (the transaction starts by writing, so
        // two polls cannot both win).
        let mut tx = state.db.begin().await?;
        let won = sqlx::query(
            "UPDATE pairings SET delivered_at = ?2
             WHERE code = ?1 AND token IS NOT NULL AND delivered_at IS NULL",
        )
        .bind(&stored)
        .bind(now_s().to_string())
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        let mut token = None;
        if won {
            token = sqlx::query_scalar("SELECT token FROM pairings WHERE code = ?1")
                .bind(&stored)
                .fetch_one(&mut *tx)
                .await?;
            sqlx::query("UPDATE pairings SET token = NULL WHERE code = ?1")
                .bind(&stored)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        return Ok(Json(PairingStatus {
            status: "paired".into(),
            expires_at: None,
            token,
            screen_id: row.get("screen_id"),
            server_public_key: Some(crate::keys::public_hex(&state.key)),
            tls_fingerprint: Some(state.tls_fingerprint.clone()),
        }));
    }
    if expired(&expires_at)? {
        return Err(ApiError::new(
            StatusCode::GONE,
            format!(
                "pairing code {} expired at {expires_at}; ask for a new one",
                display_code(&stored)
            ),
        ));
    }
    Ok(Json(PairingStatus {
        status: "waiting".into(),
        expires_at: Some(expires_at),
        token: None,
        screen_id: None,
        server_public_key: None,
        tls_fingerprint: None,
    }))
}

fn expired(expires_at: &str) -> ApiResult<bool> {
    let at: Timestamp = expires_at
        .parse()
        .map_err(|e| ApiError::internal("reading a pairing's expiry", e))?;
    Ok(at <= Timestamp::now())
}

/// An officer's claim of the code a screen shows.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    /// The code shown by the player (`ABC-DEF`, dash and case optional).
    pub code: String,
    /// Id of the screen the player will play (a screen object, draft or published).
    pub screen: String,
}

/// A claimed code.
#[derive(Debug, Serialize, ToSchema)]
pub struct Claimed {
    /// The new device.
    pub device_id: i64,
    /// Its screen.
    pub screen_id: String,
    /// The code, `ABC-DEF`.
    pub code: String,
}

/// Pairs the player showing `code` with a screen the caller edits.
#[utoipa::path(post, path = "/api/v1/pairing/claim", tag = "pairing", request_body = Claim,
    responses((status = 201, body = Claimed), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 410, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn claim(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    CurrentUser(user): CurrentUser,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<Claimed>)> {
    let req: Claim = parse_json(&body)?;
    let claimed = claim_code(
        &state,
        &user,
        &peer.ip().to_string(),
        &req.code,
        &req.screen,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(claimed)))
}

/// Claims pairing code `code` for screen `screen_id` on behalf of `user` calling from `ip`
/// (the JSON API and the officer's page both call it), under the guessing rate limit.
pub(crate) async fn claim_code(
    state: &AppState,
    user: &User,
    ip: &str,
    code: &str,
    screen_id: &str,
) -> ApiResult<Claimed> {
    // The screen first: a refusal there is no guess.
    let screen = screen_for(state, user, screen_id, Need::Edit).await?;
    // Every claim counts against the guessing budget before the code is looked up, so that
    // parallel guesses cannot all slip under it; all but wrong codes are then forgiven.
    let limiter = &state.limits.pairing_guess;
    let keys = [format!("user:{}", user.id), format!("ip:{ip}")];
    let instant = Instant::now();
    for (i, key) in keys.iter().enumerate() {
        if let Err(wait) = limiter.try_acquire(key, instant) {
            keys[..i].iter().for_each(|k| limiter.forgive(k));
            return Err(ApiError::too_many(
                format!("too many unknown or expired pairing codes; try again in {wait} s"),
                wait,
            ));
        }
    }
    let outcome = claim_for(state, user, screen, code).await;
    let wrong_code = matches!(&outcome, Err(e) if e.status == StatusCode::NOT_FOUND || e.status == StatusCode::GONE);
    if !wrong_code {
        keys.iter().for_each(|k| limiter.forgive(k));
    }
    outcome
}

/// Claims `code` for `screen` once the caller's rights and budget are checked.
async fn claim_for(
    state: &AppState,
    user: &User,
    screen: ObjectRow,
    code: &str,
) -> ApiResult<Claimed> {
    let Some(code) = normalize_code(code) else {
        return Err(ApiError::not_found(format!(
            "\"{code}\" is not a pairing code (6 letters and digits, like ABC-DEF)"
        )));
    };
    let shown = display_code(&code);
    let row = sqlx::query("SELECT expires_at, claimed_at FROM pairings WHERE code = ?1")
        .bind(&code)
        .fetch_optional(&state.db)
        .await?;
    let Some(row) = row else {
        return Err(ApiError::not_found(format!(
            "no pairing code {shown}; check the code the screen shows"
        )));
    };
    if row.get::<Option<String>, _>("claimed_at").is_some() {
        return Err(ApiError::conflict(format!(
            "pairing code {shown} was already claimed"
        )));
    }
    if expired(&row.get::<String, _>("expires_at"))? {
        return Err(ApiError::new(
            StatusCode::GONE,
            format!(
                "pairing code {shown} has expired; the screen shows a new one when asked again"
            ),
        ));
    }

    let token = tokens::new_token(tokens::DEVICE_TOKEN_PREFIX);
    let now = now_s().to_string();
    let mut tx = state.db.begin().await?;
    let done = sqlx::query(
        "UPDATE pairings SET screen_id = ?2, claimed_at = ?3, claimed_by = ?4, token = ?5
         WHERE code = ?1 AND claimed_at IS NULL",
    )
    .bind(&code)
    .bind(&screen.id)
    .bind(&now)
    .bind(user.id)
    .bind(&token)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(ApiError::conflict(format!(
            "pairing code {shown} was claimed meanwhile"
        )));
    }
    let device_id = sqlx::query(
        "INSERT INTO devices (screen_id, token_hash, created_at, created_by) VALUES (?1, ?2, ?3, ?4)",
    )
    .bind(&screen.id)
    .bind(tokens::hash(&token))
    .bind(&now)
    .bind(user.id)
    .execute(&mut *tx)
    .await?
    .last_insert_rowid();
    tx.commit().await?;
    tracing::info!(
        "pairing {shown} claimed by {} for screen {} (device {device_id})",
        user.username,
        screen.id
    );
    Ok(Claimed {
        device_id,
        screen_id: screen.id,
        code: shown,
    })
}

/// A paired player.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeviceView {
    /// Id.
    pub id: i64,
    /// When it was paired.
    pub created_at: String,
    /// Who claimed its code.
    pub created_by: Option<String>,
    /// When its token was revoked; null while it works.
    pub revoked_at: Option<String>,
}

/// The players paired with a screen, revoked ones included.
#[utoipa::path(get, path = "/api/v1/screens/{id}/devices", tag = "pairing", params(("id" = String, Path)),
    responses((status = 200, body = Vec<DeviceView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_devices(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<DeviceView>>> {
    let screen = screen_for(&state, &user, &id, Need::See).await?;
    let rows = sqlx::query(
        "SELECT d.id, d.created_at, u.username, d.revoked_at FROM devices d
         LEFT JOIN users u ON u.id = d.created_by WHERE d.screen_id = ?1 ORDER BY d.id",
    )
    .bind(&screen.id)
    .fetch_all(&state.db)
    .await?;
    Ok(Json(
        rows.iter()
            .map(|r| DeviceView {
                id: r.get("id"),
                created_at: r.get("created_at"),
                created_by: r.get("username"),
                revoked_at: r.get("revoked_at"),
            })
            .collect(),
    ))
}

/// What a revocation did.
#[derive(Debug, Serialize, ToSchema)]
pub struct Revoked {
    /// Device tokens revoked now.
    pub revoked: u64,
}

/// Revokes every player of a screen: their tokens stop working at once and their event
/// streams end; each must be paired again.
#[utoipa::path(delete, path = "/api/v1/screens/{id}/devices", tag = "pairing", params(("id" = String, Path)),
    responses((status = 200, body = Revoked), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn revoke_devices(
    State(state): State<Arc<AppState>>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> ApiResult<Json<Revoked>> {
    let screen = screen_for(&state, &user, &id, Need::Edit).await?;
    let mut tx = state.db.begin().await?;
    let done = sqlx::query(
        "UPDATE devices SET revoked_at = ?2 WHERE screen_id = ?1 AND revoked_at IS NULL",
    )
    .bind(&screen.id)
    .bind(now_s().to_string())
    .execute(&mut *tx)
    .await?;
    // A token claimed but not yet fetched is void too.
    sqlx::query("UPDATE pairings SET token = NULL WHERE screen_id = ?1 AND token IS NOT NULL")
        .bind(&screen.id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    state.devices.forget_screen(&screen.id);
    state.hub.send(
        &screen.id,
        PushEvent {
            id: 0,
            event: REVOKED_EVENT.into(),
            data: String::new(),
        },
    );
    tracing::info!(
        "{} revoked {} device(s) of screen {}",
        user.username,
        done.rows_affected(),
        screen.id
    );
    Ok(Json(Revoked {
        revoked: done.rows_affected(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_avoid_look_alikes_and_are_read_leniently() {
        for _ in 0..200 {
            let c = random_code();
            assert_eq!(c.len(), CODE_LEN);
            assert!(!c.contains(['0', 'O', '1', 'I', 'L']), "{c}");
            assert_eq!(normalize_code(&display_code(&c)), Some(c.clone()));
            assert_eq!(normalize_code(&c.to_lowercase()), Some(c.clone()));
        }
        assert_eq!(normalize_code("abc-def"), Some("ABCDEF".into()));
        assert_eq!(normalize_code(" ab c-d ef"), Some("ABCDEF".into()));
        assert_eq!(normalize_code("ABC-DE"), None);
        assert_eq!(normalize_code("ABC-DE0"), None, "0 is not in the alphabet");
        assert_eq!(normalize_code("ÉBC-DEF"), None);
        assert_eq!(display_code("ABCDEF"), "ABC-DEF");
    }
}
