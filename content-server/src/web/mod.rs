//! The officer's web page, in French: server-rendered HTML (askama templates compiled into
//! the binary), enhanced with htmx where it helps (the screens' state refreshes itself) and
//! usable without JavaScript otherwise.
//!
//! Pages need a session (the `beffroi_session` cookie); an anonymous visitor is sent to
//! `/connexion`. Every form carries the session's CSRF token in a hidden `csrf_token` field,
//! and `<body>` carries it in `hx-headers` for htmx requests; a post without it gets a 403
//! (`forms::Posted` checks it before any post handler runs).
//!
//! Texts follow French typography: a narrow no-break space (U+202F, invisible in most
//! editors) before `:` `;` `?` `!` and inside « », as on the screens.

mod alerts;
mod assets;
mod events;
mod format;
mod forms;
mod news;
mod screens;
mod session;
mod waste;

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use jiff::Timestamp;

use crate::api::error::ApiError;
use crate::auth::{Caller, Via};
use crate::server::AppState;
use crate::users::User;

pub use assets::{Asset, CSS, HTMX};

/// The web page's routes (pages under `/`, files under `/static/`).
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(session::home))
        .route("/connexion", get(session::login_page).post(session::log_in))
        .route("/deconnexion", post(session::log_out))
        .route("/ecrans", get(screens::page))
        .route("/ecrans/etat", get(screens::rows))
        .route("/ecrans/associer", post(screens::claim))
        .route("/alertes", get(alerts::page))
        .route(
            "/alertes/nouvelle",
            get(alerts::new_form).post(alerts::new_post),
        )
        .route("/alertes/{id}", get(alerts::detail))
        .route(
            "/alertes/{id}/modifier",
            get(alerts::edit_form).post(alerts::edit_post),
        )
        .route(
            "/alertes/{id}/retirer",
            get(alerts::cancel_form).post(alerts::cancel_post),
        )
        .merge(news::routes())
        .merge(events::routes())
        .merge(waste::routes())
        .layer(middleware::map_response(security_headers))
        .merge(assets::routes())
}

/// What the page header needs to know about the person logged in.
#[derive(Debug, Clone)]
pub(crate) struct SessionView {
    /// Login name, shown in the header.
    pub(crate) username: String,
    /// The session's CSRF token, echoed by forms and htmx.
    pub(crate) csrf: String,
}

/// A person logged in with a session: what every page handler extracts.
#[derive(Debug, Clone)]
pub(crate) struct Officer {
    /// Who.
    pub(crate) user: User,
    /// The session's CSRF token.
    pub(crate) csrf: String,
}

impl Officer {
    /// The header's view of the session.
    pub(crate) fn view(&self) -> SessionView {
        SessionView {
            username: self.user.username.clone(),
            csrf: self.csrf.clone(),
        }
    }

    /// The 403 answer to a form post whose token (the `csrf_token` field, or for htmx the
    /// `X-CSRF-Token` header) is not the session's; `None` when it is.
    pub(crate) fn csrf_refusal(
        &self,
        field: Option<&str>,
        headers: &HeaderMap,
    ) -> Option<Response> {
        let header = headers
            .get(crate::auth::CSRF_HEADER)
            .and_then(|v| v.to_str().ok());
        let sent = field.filter(|f| !f.is_empty()).or(header);
        let matches = sent.is_some_and(|s| crate::auth::tokens::same(s, &self.csrf));
        (!matches).then(|| {
            action_refused(
                headers,
                "Le jeton de sécurité du formulaire manque ou ne correspond pas à votre session. Rechargez la page et réessayez.",
            )
        })
    }
}

impl FromRequestParts<Arc<AppState>> for Officer {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Response> {
        match crate::auth::identify(state, &parts.headers, Timestamp::now()).await {
            Ok(Some(Caller::User(user, Via::Session { csrf }))) => Ok(Officer { user, csrf }),
            // A page is for a browser with a session; API tokens have the JSON API.
            Ok(Some(Caller::User(_, Via::Token)) | None) => Err(to_login(&parts.headers, None)),
            Ok(Some(Caller::Device(_))) => Err(error_page(
                &parts.headers,
                StatusCode::FORBIDDEN,
                "Accès refusé",
                "Un lecteur d’écran n’a pas accès aux pages de gestion.",
            )),
            // An expired or closed session: forget the cookie and log in again.
            Err(e) if e.status == StatusCode::UNAUTHORIZED => Err(to_login(
                &parts.headers,
                Some(crate::auth::session_cookie("", 0, state.secure_cookies())),
            )),
            Err(_) => Err(error_page(
                &parts.headers,
                StatusCode::INTERNAL_SERVER_ERROR,
                "Erreur du serveur",
                "Le serveur n’a pas pu vérifier votre session. Réessayez dans un instant ; si le problème persiste, consultez le journal du serveur.",
            )),
        }
    }
}

/// Whether the request comes from htmx (which then wants a fragment, not a page).
pub(crate) fn is_htmx(headers: &HeaderMap) -> bool {
    headers.get("hx-request").is_some_and(|v| v == "true")
}

/// To the login page: a 303 for a browser, a 401 with `HX-Redirect` for htmx (a redirect
/// would be followed inside the request and the login page swapped into a table).
fn to_login(headers: &HeaderMap, clear_cookie: Option<String>) -> Response {
    let mut response = if is_htmx(headers) {
        (StatusCode::UNAUTHORIZED, [("hx-redirect", "/connexion")]).into_response()
    } else {
        Redirect::to("/connexion").into_response()
    };
    if let Some(cookie) = clear_cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

/// A page explaining an error.
#[derive(Template)]
#[template(path = "erreur.html")]
struct ErrorPage<'a> {
    title: &'a str,
    message: &'a str,
    session: Option<SessionView>,
}

/// An error as a whole page, or as a message fragment for htmx.
pub(crate) fn error_page(
    headers: &HeaderMap,
    status: StatusCode,
    title: &str,
    message: &str,
) -> Response {
    if is_htmx(headers) {
        let result = Some(Notice::error(message));
        return (status, render(&NoticeFragment { result })).into_response();
    }
    let page = ErrorPage {
        title,
        message,
        session: None,
    };
    (status, render(&page)).into_response()
}

/// The 403 page of an action the officer may not take, saying why.
pub(crate) fn action_refused(headers: &HeaderMap, why: &str) -> Response {
    error_page(headers, StatusCode::FORBIDDEN, "Action refusée", why)
}

/// The 500 page of a page whose data could not be read or written (`what` says which, in
/// one sentence); the cause goes to the log, prefixed with `page`.
pub(crate) fn server_error(headers: &HeaderMap, page: &str, e: &ApiError, what: &str) -> Response {
    tracing::error!("{page}: {}", e.message);
    error_page(
        headers,
        StatusCode::INTERNAL_SERVER_ERROR,
        "Erreur du serveur",
        &format!(
            "{what} Réessayez dans un instant ; si le problème persiste, consultez le journal du serveur."
        ),
    )
}

/// A one-sentence outcome shown under a form.
#[derive(Debug, Clone)]
pub(crate) struct Notice {
    /// Success or failure.
    pub(crate) ok: bool,
    /// The sentence.
    pub(crate) text: String,
}

impl Notice {
    pub(crate) fn error(text: impl Into<String>) -> Self {
        Self {
            ok: false,
            text: text.into(),
        }
    }

    pub(crate) fn success(text: impl Into<String>) -> Self {
        Self {
            ok: true,
            text: text.into(),
        }
    }
}

/// The outcome fragment alone (what htmx swaps in).
#[derive(Template)]
#[template(path = "associer_resultat.html")]
pub(crate) struct NoticeFragment {
    pub(crate) result: Option<Notice>,
}

/// Renders a template to an HTML response body; a rendering failure (a bug) is logged and
/// answered with a 500.
pub(crate) fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response(),
        Err(e) => {
            tracing::error!("rendering a page: {e}");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "Erreur interne : la page n’a pas pu être produite ; voir le journal du serveur.\n",
            )
                .into_response()
        }
    }
}

/// Headers every page gets: nothing from elsewhere may run or frame it, and pages holding a
/// session's CSRF token are never cached.
async fn security_headers(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}
