//! Logging in and out of the web page: `/`, `/connexion`, `/deconnexion`.

use std::net::SocketAddr;
use std::sync::Arc;

use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::Timestamp;
use serde::Deserialize;

use super::forms::Posted;
use super::{SessionView, action_refused, error_page, render};
use crate::api::auth::SESSION_HOURS;
use crate::auth::{self, Caller, Via};
use crate::server::AppState;

/// The login page.
#[derive(Template)]
#[template(path = "connexion.html")]
struct LoginPage {
    title: &'static str,
    session: Option<SessionView>,
    error: Option<String>,
    username: String,
}

impl LoginPage {
    fn new(error: Option<String>, username: String) -> Self {
        Self {
            title: "Connexion",
            session: None,
            error,
            username,
        }
    }
}

/// Whether the request carries a live session.
async fn logged_in(state: &AppState, headers: &HeaderMap) -> bool {
    matches!(
        auth::identify(state, headers, Timestamp::now()).await,
        Ok(Some(Caller::User(_, Via::Session { .. })))
    )
}

/// `/`: the screens when logged in, else the login page.
pub(super) async fn home(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Redirect {
    if logged_in(&state, &headers).await {
        Redirect::to("/ecrans")
    } else {
        Redirect::to("/connexion")
    }
}

/// The login form (or the screens, for someone already logged in).
pub(super) async fn login_page(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    if logged_in(&state, &headers).await {
        return Redirect::to("/ecrans").into_response();
    }
    render(&LoginPage::new(None, String::new()))
}

/// The login form's fields.
#[derive(Deserialize)]
pub(super) struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

// The password must never reach a log line.
impl std::fmt::Debug for LoginForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginForm")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// Checks the password (under the API's rate limits), opens a session and goes to the
/// screens; otherwise the form again with the reason.
pub(super) async fn log_in(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    // There is no session yet, hence no CSRF token: a login posted from another site (which
    // would log the victim into the attacker's account) is refused by what the browser says
    // of the request's origin.
    if headers
        .get("sec-fetch-site")
        .is_some_and(|v| v == "cross-site")
    {
        return action_refused(
            &headers,
            "La connexion doit se faire depuis la page de connexion de Beffroi.",
        );
    }
    if form.username.trim().is_empty() || form.password.is_empty() {
        let page = LoginPage::new(
            Some("Saisissez votre identifiant et votre mot de passe.".into()),
            form.username,
        );
        return (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response();
    }
    let ip = peer.ip().to_string();
    match crate::api::auth::log_in(&state, &ip, &form.username, &form.password).await {
        Ok((user, token, _csrf)) => {
            tracing::info!(user = %user.username, "logged in to the web page");
            let cookie = auth::session_cookie(&token, SESSION_HOURS * 3600, state.secure_cookies());
            ([(header::SET_COOKIE, cookie)], Redirect::to("/ecrans")).into_response()
        }
        Err(e) if e.status == StatusCode::UNAUTHORIZED => {
            let page = LoginPage::new(
                Some("Identifiant ou mot de passe incorrect.".into()),
                form.username,
            );
            (StatusCode::UNAUTHORIZED, render(&page)).into_response()
        }
        Err(e) if e.status == StatusCode::TOO_MANY_REQUESTS => {
            let wait = e.retry_after.unwrap_or(60);
            let page = LoginPage::new(
                Some(format!(
                    "Trop de tentatives de connexion échouées. Réessayez dans {}.",
                    super::format::wait(wait)
                )),
                form.username,
            );
            let mut response = (StatusCode::TOO_MANY_REQUESTS, render(&page)).into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(wait));
            response
        }
        Err(e) => error_page(
            &headers,
            e.status,
            "Erreur du serveur",
            "La connexion n’a pas pu aboutir. Réessayez dans un instant ; si le problème persiste, consultez le journal du serveur.",
        ),
    }
}

/// Closes the session and returns to the login page.
pub(super) async fn log_out(
    State(state): State<Arc<AppState>>,
    Posted { headers, .. }: Posted,
) -> Response {
    if let Some(token) = auth::cookie(&headers, auth::SESSION_COOKIE)
        && let Err(e) = auth::close_session(&state.db, token).await
    {
        tracing::error!("closing a session: {e}");
        return error_page(
            &headers,
            StatusCode::INTERNAL_SERVER_ERROR,
            "Erreur du serveur",
            "La déconnexion n’a pas pu être enregistrée ; réessayez.",
        );
    }
    let cookie = auth::session_cookie("", 0, state.secure_cookies());
    ([(header::SET_COOKIE, cookie)], Redirect::to("/connexion")).into_response()
}
