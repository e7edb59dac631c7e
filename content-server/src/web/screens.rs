//! The screens page: the screens the officer sees with their state (online, last heartbeat),
//! refreshed by htmx, and the form that claims a player's pairing code for a screen.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use askama::Template;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use beffroi_protocol::ids::Insee;
use jiff::Timestamp;
use serde::Deserialize;
use sqlx::Row;

use super::format::{When, when};
use super::forms::{CsrfField, Posted};
use super::{Notice, NoticeFragment, Officer, SessionView, is_htmx, render};
use crate::api::error::ApiError;
use crate::api::pairing::claim_code;
use crate::api::player::{Need, screen_for};
use crate::model::Kind;
use crate::model::store::{self, ObjectRow};
use crate::server::AppState;

/// One line of the screens table.
#[derive(Debug, Clone)]
pub(crate) struct ScreenLine {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) commune: String,
    pub(crate) online: bool,
    pub(crate) last_beat: Option<When>,
    /// The draft deletes it; the screens keep it until the next publish.
    pub(crate) deleted: bool,
    /// The officer may change it (and pair a player with it).
    pub(crate) editable: bool,
}

/// The screens page.
#[derive(Template)]
#[template(path = "ecrans.html")]
struct ScreensPage {
    title: &'static str,
    session: Option<SessionView>,
    csrf: String,
    screens: Vec<ScreenLine>,
    editable: Vec<ScreenLine>,
    offline_after: String,
    chosen: String,
    result: Option<Notice>,
}

/// The table's rows alone (what htmx refreshes).
#[derive(Template)]
#[template(path = "ecrans_lignes.html")]
struct ScreenRows {
    screens: Vec<ScreenLine>,
}

/// The `name` of a JSON body, if any.
fn body_field<'a>(body: Option<&'a serde_json::Value>, field: &str) -> Option<&'a str> {
    body.and_then(|b| b.get(field)).and_then(|v| v.as_str())
}

/// The commune a screen stands in (its body's `commune`, else its owner), by name.
fn commune_name(body: Option<&serde_json::Value>, owner: Option<&Insee>) -> String {
    let insee = body_field(body, "commune")
        .and_then(|c| c.parse::<Insee>().ok())
        .or_else(|| owner.cloned());
    match insee {
        Some(code) => {
            crate::communes::by_insee(&code).map_or_else(|| code.to_string(), |c| c.name.clone())
        }
        None => "Intercommunalité".to_owned(),
    }
}

/// Every screen `officer` sees, by commune then name, with its state at `now`.
async fn screen_lines(
    state: &AppState,
    officer: &Officer,
    now: Timestamp,
) -> Result<Vec<ScreenLine>, ApiError> {
    let rows: Vec<ObjectRow> = {
        let mut conn = state.db.acquire().await?;
        store::of_kind(&mut conn, Kind::Screen).await?
    };
    let beats: HashMap<String, String> =
        sqlx::query("SELECT screen_id, last_beat_at FROM screen_status")
            .fetch_all(&state.db)
            .await?
            .iter()
            .map(|r| (r.get("screen_id"), r.get("last_beat_at")))
            .collect();
    let mut lines: Vec<ScreenLine> = rows
        .iter()
        .filter(|r| officer.user.sees(r.owner.as_ref()))
        .map(|r| {
            let parse =
                |s: &Option<String>| s.as_deref().and_then(|t| serde_json::from_str(t).ok());
            let draft: Option<serde_json::Value> = parse(&r.draft);
            let published: Option<serde_json::Value> = parse(&r.published);
            let body = draft.as_ref().or(published.as_ref());
            let beat: Option<Timestamp> = beats.get(&r.id).and_then(|b| b.parse().ok());
            ScreenLine {
                id: r.id.clone(),
                name: r.name(),
                commune: commune_name(body, r.owner.as_ref()),
                online: beat.is_some_and(|b| state.is_online(b, now)),
                last_beat: beat.map(when),
                deleted: r.draft.is_none(),
                editable: officer.user.edits(r.owner.as_ref()),
            }
        })
        .collect();
    lines.sort_by_cached_key(|l| {
        (
            l.commune.to_lowercase(),
            l.name.to_lowercase(),
            l.id.clone(),
        )
    });
    Ok(lines)
}

/// "3 minutes", "90 secondes": how long without a heartbeat makes a screen offline.
fn offline_after(state: &AppState) -> String {
    let s = state.offline_after().as_secs().unsigned_abs();
    if s.is_multiple_of(60) {
        super::format::wait(s)
    } else {
        format!("{s} secondes")
    }
}

async fn page_with(
    state: &AppState,
    officer: &Officer,
    headers: &HeaderMap,
    chosen: String,
    result: Option<Notice>,
) -> Result<ScreensPage, Response> {
    let screens = screen_lines(state, officer, Timestamp::now())
        .await
        .map_err(|e| server_error(headers, &e))?;
    let editable = screens
        .iter()
        .filter(|s| s.editable && !s.deleted)
        .cloned()
        .collect();
    Ok(ScreensPage {
        title: "Écrans",
        session: Some(officer.view()),
        csrf: officer.csrf.clone(),
        screens,
        editable,
        offline_after: offline_after(state),
        chosen,
        result,
    })
}

fn server_error(headers: &HeaderMap, e: &ApiError) -> Response {
    super::server_error(
        headers,
        "web page",
        e,
        "La liste des écrans n’a pas pu être lue.",
    )
}

/// `GET /ecrans`.
pub(super) async fn page(
    State(state): State<Arc<AppState>>,
    officer: Officer,
    headers: HeaderMap,
) -> Response {
    match page_with(&state, &officer, &headers, String::new(), None).await {
        Ok(page) => render(&page),
        Err(refused) => refused,
    }
}

/// `GET /ecrans/etat`: the table's rows, for htmx to swap in every 30 s.
pub(super) async fn rows(
    State(state): State<Arc<AppState>>,
    officer: Officer,
    headers: HeaderMap,
) -> Response {
    match screen_lines(&state, &officer, Timestamp::now()).await {
        Ok(screens) => render(&ScreenRows { screens }),
        Err(e) => server_error(&headers, &e),
    }
}

/// The pairing form's fields.
#[derive(Debug, Deserialize)]
pub(super) struct ClaimForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    screen: String,
    #[serde(default)]
    csrf_token: Option<String>,
}

impl CsrfField for ClaimForm {
    fn csrf_token(&self) -> Option<&str> {
        self.csrf_token.as_deref()
    }
}

/// `POST /ecrans/associer`: claims a pairing code for a screen. htmx gets the outcome as a
/// fragment; a browser without JavaScript gets the page again with it.
pub(super) async fn claim(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Posted {
        officer,
        headers,
        form,
    }: Posted<ClaimForm>,
) -> Response {
    let code = form.code.trim();
    let screen_id = form.screen.trim();
    let (status, notice) = claim_outcome(&state, &officer, &peer, code, screen_id).await;
    if is_htmx(&headers) {
        let mut response = (
            status,
            render(&NoticeFragment {
                result: Some(notice),
            }),
        )
            .into_response();
        if status.is_success() {
            // The table refreshes at once rather than at its next tick.
            response.headers_mut().insert(
                "hx-trigger",
                axum::http::HeaderValue::from_static("ecrans-modifies"),
            );
        }
        return response;
    }
    match page_with(
        &state,
        &officer,
        &headers,
        screen_id.to_owned(),
        Some(notice),
    )
    .await
    {
        Ok(page) => (status, render(&page)).into_response(),
        Err(refused) => refused,
    }
}

/// The claim's status and the sentence telling the officer how it went.
async fn claim_outcome(
    state: &AppState,
    officer: &Officer,
    peer: &SocketAddr,
    code: &str,
    screen_id: &str,
) -> (StatusCode, Notice) {
    if code.is_empty() {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Notice::error("Saisissez le code affiché par l’écran."),
        );
    }
    let unknown = || {
        (
            StatusCode::NOT_FOUND,
            Notice::error("Cet écran n’existe pas ; choisissez-en un dans la liste."),
        )
    };
    // A screen the officer does not see, or that the draft deletes, is not in their list.
    let screen = match screen_for(state, &officer.user, screen_id, Need::See).await {
        Ok(row) if row.draft.is_some() => row,
        Ok(_) => return unknown(),
        Err(e) if matches!(e.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN) => {
            return unknown();
        }
        Err(e) => {
            tracing::error!("reading screen {screen_id}: {}", e.message);
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                Notice::error("Le serveur n’a pas pu lire l’écran choisi ; réessayez."),
            );
        }
    };
    let name = screen.name();
    if !officer.user.edits(screen.owner.as_ref()) {
        return (
            StatusCode::FORBIDDEN,
            Notice::error(format!(
                "Vous ne pouvez pas associer de lecteur à « {name} » : cet écran n’est pas de votre commune."
            )),
        );
    }
    let ip = peer.ip().to_string();
    match claim_code(state, &officer.user, &ip, code, screen_id).await {
        Ok(_) => (
            StatusCode::OK,
            Notice::success(format!(
                "Code accepté : le lecteur affichera « {name} » dès sa prochaine interrogation du serveur (quelques secondes)."
            )),
        ),
        Err(e) => {
            tracing::info!(screen = screen_id, "pairing claim refused: {}", e.message);
            let text = match e.status {
                StatusCode::NOT_FOUND => "Aucun lecteur n’affiche ce code. Vérifiez-le sur l’écran (six lettres et chiffres, comme ABC-DEF).".to_owned(),
                StatusCode::GONE => "Ce code a expiré ; le lecteur va en afficher un nouveau : saisissez celui-là.".to_owned(),
                StatusCode::CONFLICT => "Ce code a déjà servi : ce lecteur est déjà associé.".to_owned(),
                StatusCode::FORBIDDEN => format!("Vous ne pouvez pas associer de lecteur à « {name} »."),
                StatusCode::TOO_MANY_REQUESTS => format!(
                    "Trop de codes erronés. Réessayez dans {}.",
                    super::format::wait(e.retry_after.unwrap_or(60))
                ),
                StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => {
                    "Ce code n’a pas la bonne forme. Recopiez-le tel que l’écran l’affiche.".to_owned()
                }
                _ => "L’association n’a pas pu aboutir. Réessayez dans un instant ; si le problème persiste, consultez le journal du serveur.".to_owned(),
            };
            (e.status, Notice::error(text))
        }
    }
}
