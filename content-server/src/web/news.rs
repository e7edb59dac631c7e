//! The news page, `/actualites`: the announcements and feed items the officer sees, newest
//! first, with where each stands (« En ligne », « Programmée », « En attente de validation »,
//! « Retirée », « Expirée »); writing, editing, validating, withdrawing and deleting
//! announcements; the RSS/Atom feeds with their last import, their settings, an import on
//! demand or from an uploaded file, and their last reports.
//!
//! Every check and every write goes through `crate::news::edit`, the functions the JSON API
//! calls, so that the page and the API follow one set of rules; this module only turns forms
//! into their input and their refusals into French, next to the field at fault.
//!
//! No JavaScript is needed: every action is a form, and a change done answers 303 to the
//! list (or the feed's page), which tells what happened from `?fait=…&id=…`.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use beffroi_protocol::ids::{Insee, Sha256};
use beffroi_protocol::text::{Lang, Text};
use jiff::Timestamp;
use serde::Deserialize;
use sqlx::Row;

use super::format::{from_local_field, local_field};
use super::{Notice, Officer, SessionView, error_page, render};
use crate::api::error::ApiError;
use crate::news::edit::{self, Announcement, DEFAULT_VALIDITY, FeedSettings, MAX_TEXT, MAX_TITLE};
use crate::news::import::MAX_FEED_BYTES;
use crate::news::store::{self, ImportReport, StoredFeed, StoredItem};
use crate::server::AppState;
use crate::users::{Role, User};

/// How many import reports a feed's page lists.
const REPORTS_SHOWN: u32 = 10;

/// The page's routes.
pub(super) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/actualites", get(page))
        .route("/actualites/nouvelle", get(new_form).post(new_post))
        .route(
            "/actualites/infos/{id}/modifier",
            get(edit_form).post(edit_post),
        )
        .route(
            "/actualites/infos/{id}/supprimer",
            get(delete_form).post(delete_post),
        )
        .route("/actualites/infos/{id}/valider", post(approve_post))
        .route("/actualites/infos/{id}/retirer", post(withdraw_post))
        .route("/actualites/infos/{id}/remettre", post(restore_post))
        .route(
            "/actualites/flux/nouveau",
            get(new_feed_form).post(new_feed_post),
        )
        .route("/actualites/flux/{id}", get(feed_page))
        .route(
            "/actualites/flux/{id}/modifier",
            get(edit_feed_form).post(edit_feed_post),
        )
        .route(
            "/actualites/flux/{id}/supprimer",
            get(delete_feed_form).post(delete_feed_post),
        )
        .route("/actualites/flux/{id}/importer", post(import_post))
        .route(
            "/actualites/flux/{id}/fichier",
            // The form's other fields and the multipart framing fit in the margin.
            post(upload_post).layer(DefaultBodyLimit::max(MAX_FEED_BYTES + (64 << 10))),
        )
}

// ---------------------------------------------------------------------------------------
// Words and instants
// ---------------------------------------------------------------------------------------

/// An instant, machine- and human-readable.
#[derive(Debug, Clone)]
pub(crate) struct When {
    /// RFC 3339, for `<time datetime>`.
    pub(crate) iso: String,
    /// "29 nov. 2026 à 14 h 05".
    pub(crate) text: String,
}

fn when(t: Timestamp) -> When {
    When {
        iso: t.to_string(),
        text: super::format::instant(t),
    }
}

/// A stored instant (`created_at`, `imported_at`…), when it reads as one.
fn stored_when(s: Option<&str>) -> Option<When> {
    s.and_then(|s| s.parse().ok()).map(when)
}

/// The name of commune `code` (the code itself when it is not one of the territory).
fn commune_name(code: &str) -> String {
    code.parse::<Insee>()
        .ok()
        .and_then(|c| crate::communes::by_insee(&c))
        .map_or_else(|| code.to_owned(), |c| c.name.clone())
}

/// The communes an item or a feed concerns, in words.
fn communes_words(communes: &[Insee]) -> String {
    if communes.is_empty() {
        return "Tout le territoire".to_owned();
    }
    communes
        .iter()
        .map(|c| commune_name(c.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Who something belongs to, in words.
fn owner_words(owner: Option<&Insee>) -> String {
    match owner {
        None => "Communauté de communes".to_owned(),
        Some(c) => commune_name(c.as_str()),
    }
}

/// A per-language text in `lang` ("" when it has none in that language).
fn in_lang(t: &Text, lang: &Lang) -> String {
    t.0.get(lang).cloned().unwrap_or_default()
}

/// The headline the officer reads: French, else the first language.
fn headline(t: &Text) -> String {
    t.get(&Lang::fr()).unwrap_or("(sans titre)").to_owned()
}

/// "0 ajoutée", "1 ajoutée", "2 ajoutées": French puts 0 and 1 in the singular.
fn count(n: u32, one: &str, many: &str) -> String {
    format!("{n} {}", if n <= 1 { one } else { many })
}

/// A feed language's French name.
fn language_name(code: &str) -> &'static str {
    match code {
        "fr" => "français",
        "en" => "anglais",
        "nl" => "néerlandais",
        _ => "langue inconnue",
    }
}

/// The languages an announcement is written in: French (required), then English and Dutch.
const LANGUAGES: [(&str, &str); 3] = [("fr", "français"), ("en", "anglais"), ("nl", "néerlandais")];

fn lang(code: &str) -> Lang {
    code.parse().unwrap_or_else(|_| Lang::fr())
}

// ---------------------------------------------------------------------------------------
// The list
// ---------------------------------------------------------------------------------------

/// Where a news item stands at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Standing {
    Online,
    Scheduled,
    Waiting,
    Withdrawn,
    Expired,
}

impl Standing {
    const ALL: [Standing; 5] = [
        Standing::Online,
        Standing::Scheduled,
        Standing::Waiting,
        Standing::Withdrawn,
        Standing::Expired,
    ];

    /// Withdrawn and expired items are off the screens whatever else holds; an item waiting
    /// for approval says so before its start date does.
    fn of(item: &StoredItem, now: Timestamp) -> Self {
        if item.hidden {
            Standing::Withdrawn
        } else if item.valid_until.is_some_and(|u| u <= now) {
            Standing::Expired
        } else if item.approved_at.is_none() {
            Standing::Waiting
        } else if item.valid_from.is_some_and(|f| f > now) {
            Standing::Scheduled
        } else {
            Standing::Online
        }
    }

    /// The badge's words.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Standing::Online => "En ligne",
            Standing::Scheduled => "Programmée",
            Standing::Waiting => "En attente de validation",
            Standing::Withdrawn => "Retirée",
            Standing::Expired => "Expirée",
        }
    }

    /// The badge's CSS class and the filter's value.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Standing::Online => "en-ligne",
            Standing::Scheduled => "programmee",
            Standing::Waiting => "attente",
            Standing::Withdrawn => "retiree",
            Standing::Expired => "expiree",
        }
    }
}

/// One news item of the list.
#[derive(Debug)]
pub(crate) struct ItemLine {
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) standing: Standing,
    pub(crate) communes: String,
    pub(crate) from: Option<When>,
    pub(crate) until: Option<When>,
    /// "Annonce", or the feed's name.
    pub(crate) source: String,
    /// The feed's id, for a feed item.
    pub(crate) feed: Option<String>,
    pub(crate) author: Option<String>,
    pub(crate) approved_by: Option<String>,
    pub(crate) link: Option<String>,
    pub(crate) hidden: bool,
    /// The officer may edit and delete it (an announcement they write for).
    pub(crate) may_edit: bool,
    /// The officer may approve it (it waits, and they publish for its owner).
    pub(crate) may_approve: bool,
    /// The officer may withdraw it or put it back.
    pub(crate) may_hide: bool,
}

/// What the officer may do, as the page shows it; the shared rules decide in the end.
#[derive(Debug, Clone, Copy)]
struct Rights<'a> {
    user: &'a User,
    self_publish: bool,
}

impl<'a> Rights<'a> {
    fn of(state: &AppState, officer: &'a Officer) -> Self {
        Rights {
            user: &officer.user,
            self_publish: state.settings.editors_self_publish,
        }
    }

    /// May write some news (a viewer may not).
    fn writes_any(self) -> bool {
        self.user.role != Role::Viewer
    }

    /// May set up feeds for some owner.
    fn feeds_any(self) -> bool {
        self.writes_any() && self.user.publishes(self.self_publish)
    }

    fn writes(self, owner: Option<&Insee>) -> bool {
        self.user.edits(owner)
    }

    fn publishes(self, owner: Option<&Insee>) -> bool {
        self.user.edits(owner) && self.user.publishes(self.self_publish)
    }
}

fn item_line(
    i: &StoredItem,
    feeds: &HashMap<&str, &str>,
    rights: Rights<'_>,
    now: Timestamp,
) -> ItemLine {
    let standing = Standing::of(i, now);
    let owner = i.owner.as_ref();
    let announcement = i.feed.is_none();
    ItemLine {
        id: i.id.clone(),
        title: headline(&i.title),
        standing,
        communes: communes_words(&i.communes),
        from: i.valid_from.map(when),
        until: i.valid_until.map(when),
        source: match &i.feed {
            None => "Annonce".to_owned(),
            Some(f) => feeds
                .get(f.as_str())
                .map_or_else(|| f.clone(), |n| (*n).to_owned()),
        },
        feed: i.feed.clone(),
        author: i.created_by.clone(),
        approved_by: i
            .approved_by
            .clone()
            .filter(|a| Some(a) != i.created_by.as_ref()),
        // Only web addresses become links (a feed could carry any scheme).
        link: i
            .link
            .clone()
            .filter(|l| l.starts_with("https://") || l.starts_with("http://")),
        hidden: i.hidden,
        may_edit: announcement && rights.writes(owner),
        may_approve: announcement && i.approved_at.is_none() && rights.publishes(owner),
        may_hide: if announcement {
            rights.writes(owner)
        } else {
            rights.publishes(owner)
        },
    }
}

/// One feed of the list.
#[derive(Debug)]
pub(crate) struct FeedLine {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) url: Option<String>,
    pub(crate) owner: String,
    pub(crate) communes: String,
    pub(crate) language: &'static str,
    pub(crate) enabled: bool,
    pub(crate) refresh_minutes: u32,
    pub(crate) keep_days: u32,
    pub(crate) max_items: u32,
    pub(crate) imported: Option<When>,
    pub(crate) checked: Option<When>,
    pub(crate) error: Option<String>,
    /// Its items stored now.
    pub(crate) items: usize,
    /// The officer may change it, import it and delete it.
    pub(crate) may_manage: bool,
}

fn feed_line(f: &StoredFeed, items: usize, rights: Rights<'_>) -> FeedLine {
    FeedLine {
        id: f.id.clone(),
        name: f.name.clone(),
        url: f.url.clone(),
        owner: owner_words(f.owner.as_ref()),
        communes: communes_words(&f.communes),
        language: language_name(&f.lang),
        enabled: f.enabled,
        refresh_minutes: f.refresh_minutes,
        keep_days: f.keep_days,
        max_items: f.max_items,
        imported: stored_when(f.imported_at.as_deref()),
        checked: stored_when(f.checked_at.as_deref()),
        error: f.last_error.clone(),
        items,
        may_manage: rights.publishes(f.owner.as_ref()),
    }
}

/// A value of a filter's list.
#[derive(Debug)]
pub(crate) struct Pick {
    pub(crate) value: String,
    pub(crate) label: String,
    pub(crate) selected: bool,
}

/// The list page.
#[derive(Template)]
#[template(path = "actualites.html")]
struct ListPage {
    title: &'static str,
    session: Option<SessionView>,
    csrf: String,
    may_write: bool,
    may_feeds: bool,
    result: Option<Notice>,
    items: Vec<ItemLine>,
    /// Items before filtering.
    total: usize,
    filtered: bool,
    states: Vec<Pick>,
    sources: Vec<Pick>,
    feeds: Vec<FeedLine>,
}

/// `?etat=…&source=…` (filters) and `?fait=…&id=…` (what the officer just did).
#[derive(Debug, Default, Deserialize)]
pub(super) struct ListQuery {
    #[serde(default)]
    etat: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    fait: Option<String>,
    #[serde(default)]
    id: Option<String>,
}

/// The items and feeds `user` sees.
async fn seen(
    state: &AppState,
    user: &User,
) -> Result<(Vec<StoredItem>, Vec<StoredFeed>), ApiError> {
    let items = edit::visible_items(state, user).await?;
    let feeds = edit::visible_feeds(state, user).await?;
    Ok((items, feeds))
}

/// Newest first: by date (an announcement's is its start), then by when it was stored.
fn newest_first(items: &mut [&StoredItem]) {
    items.sort_by(|a, b| {
        let key = |i: &StoredItem| (i.published_at.or(i.valid_from), i.created_at.clone());
        key(b).cmp(&key(a)).then_with(|| a.id.cmp(&b.id))
    });
}

/// `GET /actualites`.
pub(super) async fn page(
    State(state): State<Arc<AppState>>,
    officer: Officer,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Response {
    let (items, feeds) = match seen(&state, &officer.user).await {
        Ok(x) => x,
        Err(e) => return server_error(&headers, &e),
    };
    let now = Timestamp::now();
    let rights = Rights::of(&state, &officer);
    let names: HashMap<&str, &str> = feeds
        .iter()
        .map(|f| (f.id.as_str(), f.name.as_str()))
        .collect();
    let etat = q.etat.as_deref().unwrap_or("");
    let source = q.source.as_deref().unwrap_or("");
    let mut sorted: Vec<&StoredItem> = items.iter().collect();
    newest_first(&mut sorted);
    let lines: Vec<ItemLine> = sorted
        .into_iter()
        .filter(|i| etat.is_empty() || Standing::of(i, now).key() == etat)
        .filter(|i| match (source, &i.feed) {
            ("", _) => true,
            ("annonces", f) => f.is_none(),
            (s, Some(f)) => s.strip_prefix("flux:") == Some(f.as_str()),
            (_, None) => false,
        })
        .map(|i| item_line(i, &names, rights, now))
        .collect();
    let mut states = vec![Pick {
        value: String::new(),
        label: "Tous les statuts".into(),
        selected: etat.is_empty(),
    }];
    states.extend(Standing::ALL.iter().map(|s| Pick {
        value: s.key().into(),
        label: s.label().into(),
        selected: s.key() == etat,
    }));
    let mut sources = vec![
        Pick {
            value: String::new(),
            label: "Toutes les sources".into(),
            selected: source.is_empty(),
        },
        Pick {
            value: "annonces".into(),
            label: "Annonces".into(),
            selected: source == "annonces",
        },
    ];
    sources.extend(feeds.iter().map(|f| {
        let value = format!("flux:{}", f.id);
        Pick {
            selected: value == source,
            value,
            label: format!("Flux « {} »", f.name),
        }
    }));
    let per_feed = |id: &str| {
        items
            .iter()
            .filter(|i| i.feed.as_deref() == Some(id))
            .count()
    };
    let feed_lines = feeds
        .iter()
        .map(|f| feed_line(f, per_feed(&f.id), rights))
        .collect();
    render(&ListPage {
        title: "Actualités",
        session: Some(officer.view()),
        csrf: officer.csrf.clone(),
        may_write: rights.writes_any(),
        may_feeds: rights.feeds_any(),
        result: done_notice(&q, &items, now),
        total: items.len(),
        filtered: !etat.is_empty() || !source.is_empty(),
        items: lines,
        states,
        sources,
        feeds: feed_lines,
    })
}

/// The sentence telling what the officer just did (about an item or a feed they see).
fn done_notice(q: &ListQuery, items: &[StoredItem], now: Timestamp) -> Option<Notice> {
    let done = q.fait.as_deref()?;
    match done {
        "supprimee" => return Some(Notice::success("L’annonce est supprimée.")),
        "flux-supprime" => {
            return Some(Notice::success(
                "Le flux est supprimé, avec les actualités qui en venaient.",
            ));
        }
        _ => {}
    }
    let id = q.id.as_deref()?;
    let item = items.iter().find(|i| i.id == id)?;
    let title = headline(&item.title);
    let standing = Standing::of(item, now);
    let what = if item.feed.is_none() {
        format!("L’annonce « {title} »")
    } else {
        format!("L’article « {title} »")
    };
    let where_now = match standing {
        Standing::Online => {
            "elle est en ligne : les écrans qui montrent les actualités l’affichent.".to_owned()
        }
        Standing::Scheduled => format!(
            "elle s’affichera à partir du {}.",
            item.valid_from
                .map(super::format::instant)
                .unwrap_or_default()
        ),
        Standing::Waiting => {
            "elle attend la validation d’un valideur ou d’un administrateur avant de s’afficher."
                .to_owned()
        }
        Standing::Withdrawn => "elle est retirée des écrans.".to_owned(),
        Standing::Expired => {
            "sa période d’affichage est passée : elle ne s’affiche plus.".to_owned()
        }
    };
    let text = match done {
        "creee" => format!("{what} est enregistrée ; {where_now}"),
        "modifiee" => format!("{what} est modifiée ; {where_now}"),
        "validee" => format!("{what} est validée ; {where_now}"),
        "retiree" => format!("{what} est retirée des écrans."),
        "remise" => format!("{what} est remise ; {where_now}"),
        _ => return None,
    };
    Some(Notice::success(text))
}

/// 303 to the list, telling what was done to `id`.
fn done_redirect(done: &str, id: Option<&str>) -> Response {
    let mut to = format!("/actualites?fait={done}");
    if let Some(id) = id {
        to.push_str("&id=");
        to.extend(url::form_urlencoded::byte_serialize(id.as_bytes()));
    }
    Redirect::to(&to).into_response()
}

fn server_error(headers: &HeaderMap, e: &ApiError) -> Response {
    tracing::error!("news page: {}", e.message);
    error_page(
        headers,
        StatusCode::INTERNAL_SERVER_ERROR,
        "Erreur du serveur",
        "Les actualités n’ont pas pu être lues ou enregistrées. Réessayez dans un instant ; si le problème persiste, consultez le journal du serveur.",
    )
}

/// The answer to someone who may only read news.
fn read_only(headers: &HeaderMap) -> Response {
    error_page(
        headers,
        StatusCode::FORBIDDEN,
        "Action refusée",
        "Votre compte permet de consulter les actualités, pas d’en écrire, d’en valider ni d’en retirer.",
    )
}

/// The answer to a refusal that no form can fix: something gone, not the officer's, or a
/// feed item that cannot be edited.
fn refusal_page(headers: &HeaderMap, officer: &Officer, e: &ApiError, feed: bool) -> Response {
    match e.status {
        StatusCode::NOT_FOUND => error_page(
            headers,
            StatusCode::NOT_FOUND,
            "Introuvable",
            if feed {
                "Ce flux n’existe pas ou plus."
            } else {
                "Cette actualité n’existe pas ou plus."
            },
        ),
        StatusCode::FORBIDDEN if officer.user.role == Role::Viewer => read_only(headers),
        StatusCode::FORBIDDEN => error_page(
            headers,
            StatusCode::FORBIDDEN,
            "Action refusée",
            if feed {
                "Seuls les valideurs et les administrateurs (et les agents d’une commune, quand ils publient eux-mêmes) règlent et importent les flux d’actualités de leur ressort."
            } else {
                "Votre compte ne permet pas cette action : une annonce s’écrit pour une commune dont vous avez la charge, et seuls les valideurs et les administrateurs valident les annonces ou retirent les articles des flux."
            },
        ),
        StatusCode::CONFLICT => error_page(
            headers,
            StatusCode::CONFLICT,
            "Action impossible",
            &conflict_text(&e.message),
        ),
        _ => server_error(headers, e),
    }
}

/// The refusal of a form for something the officer sees but may not change; a post would
/// be refused by the shared rules just the same.
fn not_yours(headers: &HeaderMap, officer: &Officer, feed: bool) -> Response {
    refusal_page(headers, officer, &ApiError::forbidden(""), feed)
}

/// A 409 in French.
fn conflict_text(message: &str) -> String {
    if message.contains("would undo an edit") {
        "Cet article vient d’un flux : le prochain import effacerait vos changements. Retirez-le des écrans à la place.".to_owned()
    } else if message.contains("would bring it back") {
        "Cet article vient d’un flux : le prochain import le ramènerait. Retirez-le des écrans à la place.".to_owned()
    } else if message.contains("exists already") {
        "Un élément porte déjà cet identifiant ; réessayez.".to_owned()
    } else {
        format!("Le serveur a refusé cette action ({message}).")
    }
}

/// The CSRF token of a simple action form.
#[derive(Debug, Deserialize)]
pub(super) struct ActionForm {
    #[serde(default)]
    csrf_token: Option<String>,
}

/// `POST /actualites/infos/{id}/valider`.
pub(super) async fn approve_post(
    State(state): State<Arc<AppState>>,
    officer: Officer,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<ActionForm>,
) -> Response {
    if let Some(refused) = officer.csrf_refusal(form.csrf_token.as_deref(), &headers) {
        return refused;
    }
    match edit::approve(&state, &officer.user, &id).await {
        Ok(item) => done_redirect("validee", Some(&item.id)),
        Err(e) => refusal_page(&headers, &officer, &e, false),
    }
}

/// `POST /actualites/infos/{id}/retirer`.
pub(super) async fn withdraw_post(
    State(state): State<Arc<AppState>>,
    officer: Officer,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<ActionForm>,
) -> Response {
    hide(&state, &officer, &headers, &id, form, true).await
}

/// `POST /actualites/infos/{id}/remettre`.
pub(super) async fn restore_post(
    State(state): State<Arc<AppState>>,
    officer: Officer,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<ActionForm>,
) -> Response {
    hide(&state, &officer, &headers, &id, form, false).await
}

async fn hide(
    state: &AppState,
    officer: &Officer,
    headers: &HeaderMap,
    id: &str,
    form: ActionForm,
    hidden: bool,
) -> Response {
    if let Some(refused) = officer.csrf_refusal(form.csrf_token.as_deref(), headers) {
        return refused;
    }
    match edit::set_hidden(state, &officer.user, id, hidden).await {
        Ok(item) => done_redirect(if hidden { "retiree" } else { "remise" }, Some(&item.id)),
        Err(e) => refusal_page(headers, officer, &e, false),
    }
}

// ---------------------------------------------------------------------------------------
// Deleting, with a confirmation
// ---------------------------------------------------------------------------------------

/// A confirmation before deleting.
#[derive(Template)]
#[template(path = "actualite_supprimer.html")]
struct DeletePage {
    title: &'static str,
    session: Option<SessionView>,
    csrf: String,
    question: String,
    consequence: String,
    action: String,
    back: String,
}

/// `GET /actualites/infos/{id}/supprimer`.
pub(super) async fn delete_form(
    State(state): State<Arc<AppState>>,
    officer: Officer,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if !Rights::of(&state, &officer).writes_any() {
        return read_only(&headers);
    }
    let item = match edit::visible_item(&state, &officer.user, &id).await {
        Ok(i) => i,
        Err(e) => return refusal_page(&headers, &officer, &e, false),
    };
    if item.feed.is_some() {
        return refusal_page(
            &headers,
            &officer,
            &ApiError::conflict("would bring it back"),
            false,
        );
    }
    if !Rights::of(&state, &officer).writes(item.owner.as_ref()) {
        return not_yours(&headers, &officer, false);
    }
    render(&DeletePage {
        title: "Supprimer l’annonce ?",
        session: Some(officer.view()),
        csrf: officer.csrf.clone(),
        question: format!("Supprimer l’annonce « {} » ?", headline(&item.title)),
        consequence: "Elle disparaît des écrans à leur prochaine mise à jour, et de cette liste. Pour seulement la suspendre, retirez-la plutôt : vous pourrez la remettre.".into(),
        action: format!("/actualites/infos/{}/supprimer", item.id),
        back: "/actualites".into(),
    })
}

/// `POST /actualites/infos/{id}/supprimer`.
pub(super) async fn delete_post(
    State(state): State<Arc<AppState>>,
    officer: Officer,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<ActionForm>,
) -> Response {
    if let Some(refused) = officer.csrf_refusal(form.csrf_token.as_deref(), &headers) {
        return refused;
    }
    match edit::delete_announcement(&state, &officer.user, &id).await {
        Ok(()) => done_redirect("supprimee", None),
        Err(e) => refusal_page(&headers, &officer, &e, false),
    }
}

/// `GET /actualites/flux/{id}/supprimer`.
pub(super) async fn delete_feed_form(
    State(state): State<Arc<AppState>>,
    officer: Officer,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if !Rights::of(&state, &officer).feeds_any() {
        return read_only(&headers);
    }
    let f = match edit::visible_feed(&state, &officer.user, &id).await {
        Ok(f) => f,
        Err(e) => return refusal_page(&headers, &officer, &e, true),
    };
    if !Rights::of(&state, &officer).publishes(f.owner.as_ref()) {
        return not_yours(&headers, &officer, true);
    }
    render(&DeletePage {
        title: "Supprimer le flux ?",
        session: Some(officer.view()),
        csrf: officer.csrf.clone(),
        question: format!("Supprimer le flux « {} » ?", f.name),
        consequence: "Les actualités qui en viennent sont supprimées avec lui et disparaissent des écrans à leur prochaine mise à jour. Pour seulement arrêter les imports, décochez « Importer automatiquement » dans ses réglages.".into(),
        action: format!("/actualites/flux/{}/supprimer", f.id),
        back: format!("/actualites/flux/{}", f.id),
    })
}

/// `POST /actualites/flux/{id}/supprimer`.
pub(super) async fn delete_feed_post(
    State(state): State<Arc<AppState>>,
    officer: Officer,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<ActionForm>,
) -> Response {
    if let Some(refused) = officer.csrf_refusal(form.csrf_token.as_deref(), &headers) {
        return refused;
    }
    match edit::delete_feed(&state, &officer.user, &id).await {
        Ok(()) => done_redirect("flux-supprime", None),
        Err(e) => refusal_page(&headers, &officer, &e, true),
    }
}

// ---------------------------------------------------------------------------------------
// Form problems
// ---------------------------------------------------------------------------------------

/// A problem shown on a form, next to its field.
#[derive(Debug)]
pub(crate) struct FieldError {
    /// The form field's id, or `None` for the whole form.
    pub(crate) field: Option<&'static str>,
    /// What to do, in French.
    pub(crate) text: String,
}

/// The problems of a refused form, and the server's own words.
#[derive(Debug, Default)]
pub(crate) struct Errors {
    pub(crate) list: Vec<FieldError>,
    /// The shared rules' message and problems, as they came (for support).
    pub(crate) detail: Vec<String>,
}

impl Errors {
    pub(crate) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The problems of `field`, in one paragraph; `None` when it has none.
    pub(crate) fn of(&self, field: &str) -> Option<String> {
        let texts: Vec<&str> = self
            .list
            .iter()
            .filter(|e| e.field == Some(field))
            .map(|e| e.text.as_str())
            .collect();
        (!texts.is_empty()).then(|| texts.join(" "))
    }

    fn push(&mut self, field: Option<&'static str>, text: impl Into<String>) {
        let text = text.into();
        if !self.list.iter().any(|e| e.field == field && e.text == text) {
            self.list.push(FieldError { field, text });
        }
    }

    /// The problems of a refusal, each put in French by `french` from its field path
    /// (`valid_until`, `communes`), index (`communes[2]` → 2) and detail.
    fn from_refusal(
        e: &ApiError,
        french: impl Fn(&str, Option<usize>, &str) -> (Option<&'static str>, String),
    ) -> Self {
        let mut errors = Errors {
            detail: std::iter::once(e.message.clone())
                .chain(e.problems.iter().cloned())
                .collect(),
            ..Errors::default()
        };
        let problems: Vec<&str> = if e.problems.is_empty() {
            vec![e.message.as_str()]
        } else {
            e.problems.iter().map(String::as_str).collect()
        };
        for p in problems {
            let (path, detail) = p.split_once(": ").unwrap_or(("", p));
            let (base, index) = match path.split_once('[') {
                Some((base, rest)) => (base, rest.trim_end_matches(']').parse().ok()),
                None => (path, None),
            };
            let (field, text) = french(base, index, detail);
            errors.push(field, text);
        }
        errors
    }
}

/// A problem about the communes concerned, in French (`code`: the one at fault).
fn commune_problem(code: &str, detail: &str, writing: &str) -> String {
    if detail.contains("not a commune of the territory") {
        format!("« {code} » n’est pas une commune de la communauté de communes.")
    } else if detail.contains("may not write") {
        format!(
            "Vous ne pouvez pas {writing} pour {} : cette commune n’est pas de votre ressort.",
            commune_name(code)
        )
    } else if detail.contains("listed twice") {
        "Une commune est cochée deux fois.".to_owned()
    } else {
        format!("Communes concernées : {detail}")
    }
}

// ---------------------------------------------------------------------------------------
// The announcement form
// ---------------------------------------------------------------------------------------

/// A field's value kept in the announcement form: what was typed, or the announcement.
#[derive(Debug, Clone, Default)]
pub(crate) struct Values {
    /// INSEE code, or "" for the intercommunality.
    pub(crate) owner: String,
    pub(crate) title_fr: String,
    pub(crate) title_en: String,
    pub(crate) title_nl: String,
    pub(crate) text_fr: String,
    pub(crate) text_en: String,
    pub(crate) text_nl: String,
    /// SHA-256 of the picture, or "".
    pub(crate) image: String,
    pub(crate) link: String,
    /// `datetime-local`, Paris time.
    pub(crate) starts: String,
    /// `datetime-local`, Paris time.
    pub(crate) ends: String,
    pub(crate) communes: Vec<String>,
}

impl Values {
    /// A new announcement's form at `now`: starting now, for the default two weeks.
    fn fresh(now: Timestamp, owner: String) -> Self {
        Values {
            owner,
            starts: local_field(now),
            ends: local_field(now.saturating_add(DEFAULT_VALIDITY).unwrap_or(now)),
            ..Values::default()
        }
    }

    /// The form of announcement `i` as it is.
    fn of(i: &StoredItem) -> Self {
        Values {
            owner: i
                .owner
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            title_fr: in_lang(&i.title, &Lang::fr()),
            title_en: in_lang(&i.title, &Lang::en()),
            title_nl: in_lang(&i.title, &Lang::nl()),
            text_fr: in_lang(&i.text, &Lang::fr()),
            text_en: in_lang(&i.text, &Lang::en()),
            text_nl: in_lang(&i.text, &Lang::nl()),
            image: i
                .image
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            link: i.link.clone().unwrap_or_default(),
            starts: i.valid_from.map(local_field).unwrap_or_default(),
            ends: i.valid_until.map(local_field).unwrap_or_default(),
            communes: i.communes.iter().map(ToString::to_string).collect(),
        }
    }

    /// Whether a translation was typed (the translations then show open).
    pub(crate) fn translated(&self) -> bool {
        [&self.title_en, &self.title_nl, &self.text_en, &self.text_nl]
            .iter()
            .any(|s| !s.trim().is_empty())
    }

    /// The posted form: its values and its CSRF token.
    fn parse(pairs: Vec<(String, String)>) -> (Self, Option<String>) {
        let mut v = Values::default();
        let mut csrf = None;
        for (name, value) in pairs {
            // Browsers send line breaks as CRLF; screens show what is stored.
            let value = value.replace("\r\n", "\n");
            match name.as_str() {
                "csrf_token" => csrf = Some(value),
                "proprietaire" => v.owner = value,
                "titre_fr" => v.title_fr = value,
                "titre_en" => v.title_en = value,
                "titre_nl" => v.title_nl = value,
                "texte_fr" => v.text_fr = value,
                "texte_en" => v.text_en = value,
                "texte_nl" => v.text_nl = value,
                "image" => v.image = value,
                "lien" => v.link = value,
                "debut" => v.starts = value,
                "fin" => v.ends = value,
                "commune" => v.communes.push(value),
                _ => {}
            }
        }
        (v, csrf)
    }

    /// The shared rules' input. What the page alone can tell is wrong (a date that is not
    /// one, a code that is not a code) comes back as problems instead; the rules see the
    /// rest, the French title always (so that a blank one is refused by them).
    fn announcement(&self) -> Result<Announcement, Errors> {
        let mut errors = Errors::default();
        let owner = match self.owner.trim() {
            "" => None,
            code => match code.parse::<Insee>() {
                Ok(c) => Some(c),
                Err(_) => {
                    errors.push(
                        Some("proprietaire"),
                        "Choisissez la commune de l’annonce dans la liste.",
                    );
                    None
                }
            },
        };
        let text = |values: [&String; 3], french_always: bool| {
            let mut t = Text::default();
            for ((code, _), value) in LANGUAGES.iter().zip(values) {
                let value = value.trim();
                if (*code == "fr" && french_always) || !value.is_empty() {
                    t = t.with(lang(code), value);
                }
            }
            t
        };
        let image = match self.image.trim() {
            "" => None,
            sha => match sha.parse::<Sha256>() {
                Ok(s) => Some(s),
                Err(_) => {
                    errors.push(Some("image"), "Choisissez l’image dans la liste.");
                    None
                }
            },
        };
        let mut instant = |typed: &str, field: &'static str, what: &str| match typed.trim() {
            "" => None,
            t => match from_local_field(t) {
                Some(t) => Some(t),
                None => {
                    errors.push(
                        Some(field),
                        format!(
                            "La date de {what} est illisible : choisissez une date et une heure (par exemple 2026-12-01T08:00)."
                        ),
                    );
                    None
                }
            },
        };
        let valid_from = instant(&self.starts, "debut", "début");
        let valid_until = instant(&self.ends, "fin", "fin");
        let mut communes = Vec::new();
        for c in &self.communes {
            match c.trim().parse::<Insee>() {
                Ok(c) => communes.push(c),
                Err(_) => errors.push(
                    Some("communes"),
                    format!("« {c} » n’est pas un code de commune."),
                ),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let link = self.link.trim();
        Ok(Announcement {
            id: None,
            owner,
            title: text([&self.title_fr, &self.title_en, &self.title_nl], true),
            text: text([&self.text_fr, &self.text_en, &self.text_nl], false),
            image,
            link: (!link.is_empty()).then(|| link.to_owned()),
            valid_from,
            valid_until,
            communes,
        })
    }

    /// The problems of a refusal by the shared rules, in French, by field.
    fn errors(&self, e: &ApiError) -> Errors {
        let max_days = edit::MAX_VALIDITY.as_hours() / 24;
        Errors::from_refusal(e, |base, index, detail| {
            let has = |s: &str| detail.contains(s);
            let language = |base: &str| {
                base.split_once('.')
                    .map_or("français", |(_, code)| language_name(code))
            };
            match base {
                b if b.starts_with("title") => (
                    Some("titre_fr"),
                    if has("longer than") {
                        format!(
                            "Le titre en {} dépasse {MAX_TITLE} caractères : mettez la suite dans le texte.",
                            language(b)
                        )
                    } else {
                        "Saisissez le titre en français : il s’affiche en grand sur les écrans.".to_owned()
                    },
                ),
                b if b.starts_with("text") => (
                    Some("texte_fr"),
                    if has("longer than") {
                        format!(
                            "Le texte en {} dépasse {MAX_TEXT} caractères : raccourcissez-le.",
                            language(b)
                        )
                    } else {
                        "Le texte n’a pas pu être lu ; saisissez-le de nouveau.".to_owned()
                    },
                ),
                "valid_until" => (
                    Some("fin"),
                    if has("more than a year") {
                        format!(
                            "Une annonce s’affiche au plus {max_days} jours : choisissez une fin moins d’un an après le début."
                        )
                    } else {
                        "La fin doit venir après le début.".to_owned()
                    },
                ),
                "valid_from" => (
                    Some("debut"),
                    "Cette date de début n’est pas acceptée.".to_owned(),
                ),
                "link" => (
                    Some("lien"),
                    "Le lien doit être une adresse web complète, qui commence par https:// ou http://.".to_owned(),
                ),
                "communes" => {
                    // Without a box ticked, the rules check the owner commune.
                    let code = index
                        .and_then(|i| self.communes.get(i).cloned())
                        .unwrap_or_else(|| self.owner.clone());
                    (
                        Some("communes"),
                        commune_problem(&code, detail, "écrire d’annonce"),
                    )
                }
                "image" => (
                    Some("image"),
                    if has("another commune") {
                        "Cette image appartient à une autre commune : choisissez une image partagée ou une image de la commune de l’annonce.".to_owned()
                    } else {
                        "Cette image n’existe plus : choisissez-en une autre.".to_owned()
                    },
                ),
                _ => (None, format!("Le serveur a refusé l’annonce ({detail}).")),
            }
        })
    }
}

/// One box to tick or option to choose.
#[derive(Debug)]
pub(crate) struct Choice {
    pub(crate) value: String,
    pub(crate) label: String,
    pub(crate) checked: bool,
}

/// Whose news the officer may write: the intercommunality (for those who work for the
/// whole territory), then the communes they write for.
fn owner_choices(user: &User, chosen: &str) -> Vec<Choice> {
    let mut out = Vec::new();
    if user.edits(None) {
        out.push(Choice {
            value: String::new(),
            label: "Communauté de communes".into(),
            checked: chosen.is_empty(),
        });
    }
    out.extend(commune_choices(user, &[chosen.to_owned()]));
    if !chosen.is_empty() && !out.iter().any(|c| c.value == chosen) {
        out.push(Choice {
            value: chosen.to_owned(),
            label: commune_name(chosen),
            checked: true,
        });
    }
    out
}

/// The communes the officer writes for, ticked when in `chosen`; what was chosen but is not
/// offered is kept, ticked, at the end.
fn commune_choices(user: &User, chosen: &[String]) -> Vec<Choice> {
    let mut out: Vec<Choice> = crate::communes::territory()
        .iter()
        .filter(|c| user.edits(Some(&c.insee)))
        .map(|c| Choice {
            value: c.insee.to_string(),
            label: c.name.clone(),
            checked: chosen.iter().any(|x| x == c.insee.as_str()),
        })
        .collect();
    for c in chosen {
        if !c.is_empty() && !out.iter().any(|o| &o.value == c) {
            out.push(Choice {
                value: c.clone(),
                label: commune_name(c),
                checked: true,
            });
        }
    }
    out
}

/// An uploaded picture the announcement may show.
#[derive(Debug)]
pub(crate) struct Picture {
    /// The media's row id (for the element's id and its thumbnail).
    pub(crate) id: i64,
    pub(crate) sha256: String,
    pub(crate) name: String,
    /// "partagée" or the commune's name.
    pub(crate) owner: String,
    pub(crate) checked: bool,
}

/// The pictures `user` sees in the media library, by name; the one `chosen` ticked.
async fn pictures(state: &AppState, user: &User, chosen: &str) -> Result<Vec<Picture>, ApiError> {
    let rows =
        sqlx::query("SELECT id, sha256, owner, name FROM media ORDER BY name COLLATE NOCASE, id")
            .fetch_all(&state.db)
            .await?;
    let mut out: Vec<Picture> = Vec::new();
    for r in &rows {
        let owner: Option<String> = r.get("owner");
        let insee: Option<Insee> = owner.as_deref().and_then(|o| o.parse().ok());
        if !user.sees(insee.as_ref()) {
            continue;
        }
        let sha256: String = r.get("sha256");
        let checked = !chosen.is_empty() && sha256 == chosen && !out.iter().any(|p| p.checked);
        out.push(Picture {
            id: r.get("id"),
            name: r.get("name"),
            owner: owner
                .as_deref()
                .map_or_else(|| "partagée".to_owned(), commune_name),
            sha256,
            checked,
        });
    }
    Ok(out)
}

/// An announcement being edited, as the form names it.
#[derive(Debug, Clone)]
pub(crate) struct Editing {
    pub(crate) id: String,
    pub(crate) title: String,
}

/// The announcement form.
#[derive(Template)]
#[template(path = "actualite_formulaire.html")]
struct FormPage {
    title: &'static str,
    session: Option<SessionView>,
    csrf: String,
    action: String,
    editing: Option<Editing>,
    v: Values,
    errors: Errors,
    owners: Vec<Choice>,
    communes: Vec<Choice>,
    pictures: Vec<Picture>,
    /// The chosen picture is not in the library (any more).
    unknown_picture: bool,
    /// Whether the officer's announcements wait for an approver.
    waits: bool,
    default_days: i64,
}

/// The form with `v` and `errors`, answered with `status`.
async fn form_page(
    state: &AppState,
    officer: &Officer,
    headers: &HeaderMap,
    editing: Option<Editing>,
    v: Values,
    errors: Errors,
    status: StatusCode,
) -> Response {
    let pictures = match pictures(state, &officer.user, v.image.trim()).await {
        Ok(p) => p,
        Err(e) => return server_error(headers, &e),
    };
    let (action, title) = match &editing {
        None => ("/actualites/nouvelle".to_owned(), "Nouvelle annonce"),
        Some(e) => (
            format!("/actualites/infos/{}/modifier", e.id),
            "Modifier l’annonce",
        ),
    };
    let page = FormPage {
        title,
        session: Some(officer.view()),
        csrf: officer.csrf.clone(),
        action,
        editing,
        owners: owner_choices(&officer.user, v.owner.trim()),
        communes: commune_choices(&officer.user, &v.communes),
        unknown_picture: !v.image.trim().is_empty() && !pictures.iter().any(|p| p.checked),
        pictures,
        waits: !officer.user.publishes(state.settings.editors_self_publish),
        default_days: DEFAULT_VALIDITY.as_hours() / 24,
        v,
        errors,
    };
    (status, render(&page)).into_response()
}

/// The owner a new announcement starts with: the intercommunality for those who may write
/// for it, else the officer's first commune.
fn default_owner(user: &User) -> String {
    if user.edits(None) {
        String::new()
    } else {
        user.communes
            .first()
            .map(ToString::to_string)
            .unwrap_or_default()
    }
}

/// `GET /actualites/nouvelle`.
pub(super) async fn new_form(
    State(state): State<Arc<AppState>>,
    officer: Officer,
    headers: HeaderMap,
) -> Response {
    if !Rights::of(&state, &officer).writes_any() {
        return read_only(&headers);
    }
    let v = Values::fresh(Timestamp::now(), default_owner(&officer.user));
    form_page(
        &state,
        &officer,
        &headers,
        None,
        v,
        Errors::default(),
        StatusCode::OK,
    )
    .await
}

/// `POST /actualites/nouvelle`.
pub(super) async fn new_post(
    State(state): State<Arc<AppState>>,
    officer: Officer,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let (v, csrf) = Values::parse(pairs);
    if let Some(refused) = officer.csrf_refusal(csrf.as_deref(), &headers) {
        return refused;
    }
    save(&state, &officer, &headers, None, v).await
}

/// The announcement `id` as the edit form names it, when `officer` sees it; else the page
/// saying why not.
async fn editable(
    state: &AppState,
    officer: &Officer,
    headers: &HeaderMap,
    id: &str,
) -> Result<StoredItem, Response> {
    let item = edit::visible_item(state, &officer.user, id)
        .await
        .map_err(|e| refusal_page(headers, officer, &e, false))?;
    if item.feed.is_some() {
        return Err(refusal_page(
            headers,
            officer,
            &ApiError::conflict("would undo an edit"),
            false,
        ));
    }
    Ok(item)
}

/// `GET /actualites/infos/{id}/modifier`.
pub(super) async fn edit_form(
    State(state): State<Arc<AppState>>,
    officer: Officer,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if !Rights::of(&state, &officer).writes_any() {
        return read_only(&headers);
    }
    let item = match editable(&state, &officer, &headers, &id).await {
        Ok(i) => i,
        Err(r) => return r,
    };
    if !Rights::of(&state, &officer).writes(item.owner.as_ref()) {
        return not_yours(&headers, &officer, false);
    }
    let e = Editing {
        id: item.id.clone(),
        title: headline(&item.title),
    };
    let v = Values::of(&item);
    form_page(
        &state,
        &officer,
        &headers,
        Some(e),
        v,
        Errors::default(),
        StatusCode::OK,
    )
    .await
}

/// `POST /actualites/infos/{id}/modifier`.
pub(super) async fn edit_post(
    State(state): State<Arc<AppState>>,
    officer: Officer,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let (v, csrf) = Values::parse(pairs);
    if let Some(refused) = officer.csrf_refusal(csrf.as_deref(), &headers) {
        return refused;
    }
    let item = match editable(&state, &officer, &headers, &id).await {
        Ok(i) => i,
        Err(r) => return r,
    };
    let e = Editing {
        id: item.id,
        title: headline(&item.title),
    };
    save(&state, &officer, &headers, Some(e), v).await
}

/// Writes the announcement through the shared rules; the form again with the problems when
/// they refuse it.
async fn save(
    state: &AppState,
    officer: &Officer,
    headers: &HeaderMap,
    editing: Option<Editing>,
    v: Values,
) -> Response {
    let a = match v.announcement() {
        Ok(a) => a,
        Err(errors) => {
            return form_page(
                state,
                officer,
                headers,
                editing,
                v,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let id = editing.as_ref().map(|e| e.id.as_str());
    match edit::save_announcement(state, &officer.user, id, a).await {
        Ok(saved) => done_redirect(
            if editing.is_none() {
                "creee"
            } else {
                "modifiee"
            },
            Some(&saved.id),
        ),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let errors = v.errors(&e);
            form_page(state, officer, headers, editing, v, errors, e.status).await
        }
        Err(e) => refusal_page(headers, officer, &e, false),
    }
}

// ---------------------------------------------------------------------------------------
// Feeds
// ---------------------------------------------------------------------------------------

/// A field's value kept in the feed form.
#[derive(Debug, Clone, Default)]
pub(crate) struct FeedValues {
    pub(crate) name: String,
    pub(crate) url: String,
    pub(crate) owner: String,
    pub(crate) communes: Vec<String>,
    pub(crate) lang: String,
    pub(crate) keep_days: String,
    pub(crate) max_items: String,
    pub(crate) refresh_minutes: String,
    pub(crate) enabled: bool,
}

impl FeedValues {
    /// A new feed's form, with the API's defaults.
    fn fresh(owner: String) -> Self {
        FeedValues {
            owner,
            lang: "fr".into(),
            keep_days: "7".into(),
            max_items: "20".into(),
            refresh_minutes: "60".into(),
            enabled: true,
            ..FeedValues::default()
        }
    }

    fn of(f: &StoredFeed) -> Self {
        FeedValues {
            name: f.name.clone(),
            url: f.url.clone().unwrap_or_default(),
            owner: f
                .owner
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            communes: f.communes.iter().map(ToString::to_string).collect(),
            lang: f.lang.clone(),
            keep_days: f.keep_days.to_string(),
            max_items: f.max_items.to_string(),
            refresh_minutes: f.refresh_minutes.to_string(),
            enabled: f.enabled,
        }
    }

    fn parse(pairs: Vec<(String, String)>) -> (Self, Option<String>) {
        let mut v = FeedValues::default();
        let mut csrf = None;
        for (name, value) in pairs {
            match name.as_str() {
                "csrf_token" => csrf = Some(value),
                "nom" => v.name = value,
                "adresse" => v.url = value,
                "proprietaire" => v.owner = value,
                "commune" => v.communes.push(value),
                "langue" => v.lang = value,
                "conservation" => v.keep_days = value,
                "nombre" => v.max_items = value,
                "frequence" => v.refresh_minutes = value,
                "actif" => v.enabled = !value.is_empty(),
                _ => {}
            }
        }
        (v, csrf)
    }

    /// The shared rules' input. A number that is not one goes to the rules as 0, which
    /// they refuse naming its field and its range.
    fn settings(&self) -> Result<FeedSettings, Errors> {
        let mut errors = Errors::default();
        let owner = match self.owner.trim() {
            "" => None,
            code => match code.parse::<Insee>() {
                Ok(c) => Some(c),
                Err(_) => {
                    errors.push(
                        Some("proprietaire"),
                        "Choisissez la commune du flux dans la liste.",
                    );
                    None
                }
            },
        };
        let mut communes = Vec::new();
        for c in &self.communes {
            match c.trim().parse::<Insee>() {
                Ok(c) => communes.push(c),
                Err(_) => errors.push(
                    Some("communes"),
                    format!("« {c} » n’est pas un code de commune."),
                ),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let number = |s: &str| s.trim().parse::<u32>().unwrap_or(0);
        let url = self.url.trim();
        Ok(FeedSettings {
            id: None,
            name: self.name.clone(),
            url: (!url.is_empty()).then(|| url.to_owned()),
            owner,
            communes,
            lang: self.lang.trim().to_owned(),
            keep_days: number(&self.keep_days),
            max_items: number(&self.max_items),
            refresh_minutes: number(&self.refresh_minutes),
            enabled: self.enabled,
        })
    }

    fn errors(&self, e: &ApiError) -> Errors {
        Errors::from_refusal(e, |base, index, detail| {
            match base {
            "name" => (
                Some("nom"),
                "Donnez un nom au flux (200 caractères au plus) : les écrans le citent comme source.".to_owned(),
            ),
            "url" => (
                Some("adresse"),
                "L’adresse doit être celle d’un flux RSS ou Atom, complète, qui commence par https:// ou http://. Laissez-la vide pour un flux alimenté par des fichiers déposés.".to_owned(),
            ),
            "lang" => (
                Some("langue"),
                "Choisissez la langue des articles : français, anglais ou néerlandais.".to_owned(),
            ),
            "keep_days" => (
                Some("conservation"),
                "Indiquez un nombre de jours entre 1 et 365.".to_owned(),
            ),
            "max_items" => (
                Some("nombre"),
                "Indiquez un nombre d’articles entre 1 et 200.".to_owned(),
            ),
            "refresh_minutes" => (
                Some("frequence"),
                "Indiquez un nombre de minutes entre 5 et 10 080 (une semaine).".to_owned(),
            ),
            "communes" => {
                let code = index
                    .and_then(|i| self.communes.get(i).cloned())
                    .unwrap_or_else(|| self.owner.clone());
                (
                    Some("communes"),
                    commune_problem(&code, detail, "régler de flux"),
                )
            }
            _ => (None, format!("Le serveur a refusé le flux ({detail}).")),
        }
        })
    }
}

/// A feed being edited, as the form names it.
#[derive(Debug, Clone)]
pub(crate) struct FeedEditing {
    pub(crate) id: String,
    pub(crate) name: String,
}

/// The feed form.
#[derive(Template)]
#[template(path = "actualite_flux_formulaire.html")]
struct FeedFormPage {
    title: &'static str,
    session: Option<SessionView>,
    csrf: String,
    action: String,
    editing: Option<FeedEditing>,
    v: FeedValues,
    errors: Errors,
    owners: Vec<Choice>,
    communes: Vec<Choice>,
    languages: Vec<Choice>,
}

fn feed_form_page(
    officer: &Officer,
    editing: Option<FeedEditing>,
    v: FeedValues,
    errors: Errors,
    status: StatusCode,
) -> Response {
    let (action, title) = match &editing {
        None => ("/actualites/flux/nouveau".to_owned(), "Nouveau flux"),
        Some(e) => (
            format!("/actualites/flux/{}/modifier", e.id),
            "Réglages du flux",
        ),
    };
    let languages = LANGUAGES
        .iter()
        .map(|(code, name)| Choice {
            value: (*code).to_owned(),
            label: (*name).to_owned(),
            checked: v.lang == *code,
        })
        .collect();
    let page = FeedFormPage {
        title,
        session: Some(officer.view()),
        csrf: officer.csrf.clone(),
        action,
        editing,
        owners: owner_choices(&officer.user, v.owner.trim()),
        communes: commune_choices(&officer.user, &v.communes),
        languages,
        v,
        errors,
    };
    (status, render(&page)).into_response()
}

/// `GET /actualites/flux/nouveau`.
pub(super) async fn new_feed_form(
    State(state): State<Arc<AppState>>,
    officer: Officer,
    headers: HeaderMap,
) -> Response {
    if !Rights::of(&state, &officer).feeds_any() {
        return read_only(&headers);
    }
    let v = FeedValues::fresh(default_owner(&officer.user));
    feed_form_page(&officer, None, v, Errors::default(), StatusCode::OK)
}

/// `POST /actualites/flux/nouveau`.
pub(super) async fn new_feed_post(
    State(state): State<Arc<AppState>>,
    officer: Officer,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let (v, csrf) = FeedValues::parse(pairs);
    if let Some(refused) = officer.csrf_refusal(csrf.as_deref(), &headers) {
        return refused;
    }
    save_feed(&state, &officer, &headers, None, v).await
}

/// `GET /actualites/flux/{id}/modifier`.
pub(super) async fn edit_feed_form(
    State(state): State<Arc<AppState>>,
    officer: Officer,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if !Rights::of(&state, &officer).feeds_any() {
        return read_only(&headers);
    }
    match edit::visible_feed(&state, &officer.user, &id).await {
        Ok(f) if !Rights::of(&state, &officer).publishes(f.owner.as_ref()) => {
            not_yours(&headers, &officer, true)
        }
        Ok(f) => feed_form_page(
            &officer,
            Some(FeedEditing {
                id: f.id.clone(),
                name: f.name.clone(),
            }),
            FeedValues::of(&f),
            Errors::default(),
            StatusCode::OK,
        ),
        Err(e) => refusal_page(&headers, &officer, &e, true),
    }
}

/// `POST /actualites/flux/{id}/modifier`.
pub(super) async fn edit_feed_post(
    State(state): State<Arc<AppState>>,
    officer: Officer,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let (v, csrf) = FeedValues::parse(pairs);
    if let Some(refused) = officer.csrf_refusal(csrf.as_deref(), &headers) {
        return refused;
    }
    let f = match edit::visible_feed(&state, &officer.user, &id).await {
        Ok(f) => f,
        Err(e) => return refusal_page(&headers, &officer, &e, true),
    };
    let e = FeedEditing {
        id: f.id,
        name: f.name,
    };
    save_feed(&state, &officer, &headers, Some(e), v).await
}

async fn save_feed(
    state: &AppState,
    officer: &Officer,
    headers: &HeaderMap,
    editing: Option<FeedEditing>,
    v: FeedValues,
) -> Response {
    let settings = match v.settings() {
        Ok(s) => s,
        Err(errors) => {
            return feed_form_page(
                officer,
                editing,
                v,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let id = editing.as_ref().map(|e| e.id.as_str());
    match edit::save_feed(state, &officer.user, id, settings).await {
        Ok(saved) => feed_redirect(
            &saved.id,
            if editing.is_none() { "cree" } else { "modifie" },
        ),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let errors = v.errors(&e);
            feed_form_page(officer, editing, v, errors, e.status)
        }
        Err(e) => refusal_page(headers, officer, &e, true),
    }
}

/// 303 to a feed's page, telling what was done.
fn feed_redirect(id: &str, done: &str) -> Response {
    let id: String = url::form_urlencoded::byte_serialize(id.as_bytes()).collect();
    Redirect::to(&format!("/actualites/flux/{id}?fait={done}")).into_response()
}

/// One import of a feed's history.
#[derive(Debug)]
pub(crate) struct ReportLine {
    pub(crate) at: Option<When>,
    pub(crate) at_raw: String,
    pub(crate) trigger: String,
    pub(crate) outcome: String,
    pub(crate) failed: bool,
}

/// What an import did, in French: « 3 ajoutées, 1 mise à jour, 5 inchangées, 0 ignorée »
/// (or, when it failed, its reason as the import gave it).
fn report_words(r: &ImportReport) -> String {
    if let Some(e) = &r.error {
        return e.clone();
    }
    if r.not_modified {
        return "Rien de nouveau : le flux n’a pas changé depuis le dernier import.".to_owned();
    }
    let mut out = format!(
        "{}, {}, {}, {}",
        count(r.added, "ajoutée", "ajoutées"),
        count(r.updated, "mise à jour", "mises à jour"),
        count(r.unchanged, "inchangée", "inchangées"),
        count(r.skipped, "ignorée", "ignorées"),
    );
    if r.skipped > 0 {
        out.push_str(" (sans titre)");
    }
    if r.dropped > 0 {
        out.push_str(&format!(
            " ; {} pour ne garder que les plus récentes",
            count(r.dropped, "supprimée", "supprimées")
        ));
    }
    out
}

fn report_line(r: &ImportReport) -> ReportLine {
    let who = r.user.clone().unwrap_or_else(|| "(compte supprimé)".into());
    ReportLine {
        at: stored_when(Some(&r.at)),
        at_raw: r.at.clone(),
        trigger: match r.trigger.as_str() {
            "schedule" => "Automatique".to_owned(),
            "manual" => format!("Demandé par {who}"),
            "file" => format!("Fichier déposé par {who}"),
            other => other.to_owned(),
        },
        outcome: report_words(r),
        failed: r.error.is_some(),
    }
}

/// A feed's page: its settings, its last import, the forms to import it, its reports.
#[derive(Template)]
#[template(path = "actualite_flux.html")]
struct FeedPage {
    title: String,
    session: Option<SessionView>,
    csrf: String,
    f: FeedLine,
    result: Option<Notice>,
    reports: Vec<ReportLine>,
    max_mib: usize,
}

/// `?fait=…` on a feed's page.
#[derive(Debug, Default, Deserialize)]
pub(super) struct FeedQuery {
    #[serde(default)]
    fait: Option<String>,
}

/// The feed's page with `result`, answered with `status`.
async fn feed_page_with(
    state: &AppState,
    officer: &Officer,
    headers: &HeaderMap,
    id: &str,
    done: Option<&str>,
    result: Option<Notice>,
    status: StatusCode,
) -> Response {
    let f = match edit::visible_feed(state, &officer.user, id).await {
        Ok(f) => f,
        Err(e) => return refusal_page(headers, officer, &e, true),
    };
    let loaded = async {
        let items = edit::visible_items(state, &officer.user).await?;
        let mut conn = state.db.acquire().await?;
        let reports = store::imports(&mut conn, &f.id, REPORTS_SHOWN).await?;
        Ok::<_, ApiError>((items, reports))
    }
    .await;
    let (items, reports) = match loaded {
        Ok(x) => x,
        Err(e) => return server_error(headers, &e),
    };
    let count = items
        .iter()
        .filter(|i| i.feed.as_deref() == Some(&f.id))
        .count();
    let result = result.or_else(|| match done? {
        "cree" => Some(Notice::success(if f.url.is_some() {
            format!(
                "Le flux « {} » est créé : il sera importé à sa prochaine vérification automatique, ou tout de suite avec « Importer maintenant ».",
                f.name
            )
        } else {
            format!(
                "Le flux « {} » est créé : déposez ci-dessous un fichier RSS ou Atom pour l’importer.",
                f.name
            )
        })),
        "modifie" => Some(Notice::success(format!(
            "Les réglages du flux « {} » sont enregistrés.",
            f.name
        ))),
        "importe" => reports.first().map(|r| match &r.error {
            None => Notice::success(format!("Import terminé : {}.", report_words(r))),
            Some(e) => failed_import(e),
        }),
        _ => None,
    });
    let page = FeedPage {
        title: format!("Flux « {} »", f.name),
        session: Some(officer.view()),
        csrf: officer.csrf.clone(),
        f: feed_line(&f, count, Rights::of(state, officer)),
        result,
        reports: reports.iter().map(report_line).collect(),
        max_mib: MAX_FEED_BYTES >> 20,
    };
    (status, render(&page)).into_response()
}

/// An import that failed, in French around the reason.
fn failed_import(error: &str) -> Notice {
    Notice::error(format!(
        "L’import a échoué : {error}. Les actualités déjà importées de ce flux restent affichées."
    ))
}

/// `GET /actualites/flux/{id}`.
pub(super) async fn feed_page(
    State(state): State<Arc<AppState>>,
    officer: Officer,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<FeedQuery>,
) -> Response {
    feed_page_with(
        &state,
        &officer,
        &headers,
        &id,
        q.fait.as_deref(),
        None,
        StatusCode::OK,
    )
    .await
}

/// `POST /actualites/flux/{id}/importer`: fetches the feed's address now.
pub(super) async fn import_post(
    State(state): State<Arc<AppState>>,
    officer: Officer,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<ActionForm>,
) -> Response {
    if let Some(refused) = officer.csrf_refusal(form.csrf_token.as_deref(), &headers) {
        return refused;
    }
    import(&state, &officer, &headers, &id, None).await
}

/// Imports feed `id` (from `file` when given) through the shared rules: 303 to its page with
/// the report, or its page with the error (422 for a file, 502 for an address, as the API).
async fn import(
    state: &AppState,
    officer: &Officer,
    headers: &HeaderMap,
    id: &str,
    file: Option<Vec<u8>>,
) -> Response {
    let from_file = file.is_some();
    match edit::import_now(state, &officer.user, id, file).await {
        Ok(report) => match &report.error {
            None => feed_redirect(id, "importe"),
            Some(e) => {
                let status = if from_file {
                    StatusCode::UNPROCESSABLE_ENTITY
                } else {
                    StatusCode::BAD_GATEWAY
                };
                feed_page_with(
                    state,
                    officer,
                    headers,
                    id,
                    None,
                    Some(failed_import(e)),
                    status,
                )
                .await
            }
        },
        Err(e) => refusal_page(headers, officer, &e, true),
    }
}

/// `POST /actualites/flux/{id}/fichier` (multipart): imports the uploaded file.
pub(super) async fn upload_post(
    State(state): State<Arc<AppState>>,
    officer: Officer,
    headers: HeaderMap,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let unreadable =
        |status: StatusCode, text: &str| error_page(&headers, status, "Envoi illisible", text);
    let Ok(mut multipart) = multipart else {
        return unreadable(
            StatusCode::BAD_REQUEST,
            "Le fichier doit être envoyé par le formulaire de dépôt de la page du flux.",
        );
    };
    let mut csrf = None;
    let mut file: Option<Vec<u8>> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return unreadable(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    &format!(
                        "Ce fichier dépasse {} Mio : ce n’est pas un flux d’actualités.",
                        MAX_FEED_BYTES >> 20
                    ),
                );
            }
            Err(e) => {
                tracing::info!("news page: unreadable upload: {e}");
                return unreadable(
                    StatusCode::BAD_REQUEST,
                    "L’envoi a été interrompu ou n’a pas pu être lu ; réessayez.",
                );
            }
        };
        match field.name() {
            Some("csrf_token") => csrf = field.text().await.ok(),
            Some("fichier") => match field.bytes().await {
                Ok(bytes) => file = Some(bytes.to_vec()),
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    return unreadable(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        &format!(
                            "Ce fichier dépasse {} Mio : ce n’est pas un flux d’actualités.",
                            MAX_FEED_BYTES >> 20
                        ),
                    );
                }
                Err(_) => {
                    return unreadable(
                        StatusCode::BAD_REQUEST,
                        "L’envoi a été interrompu ; réessayez.",
                    );
                }
            },
            _ => {}
        }
    }
    if let Some(refused) = officer.csrf_refusal(csrf.as_deref(), &headers) {
        return refused;
    }
    match file.filter(|f| !f.is_empty()) {
        Some(bytes) if bytes.len() <= MAX_FEED_BYTES => {
            import(&state, &officer, &headers, &id, Some(bytes)).await
        }
        Some(_) => unreadable(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!(
                "Ce fichier dépasse {} Mio : ce n’est pas un flux d’actualités.",
                MAX_FEED_BYTES >> 20
            ),
        ),
        None => {
            feed_page_with(
                &state,
                &officer,
                &headers,
                &id,
                None,
                Some(Notice::error(
                    "Choisissez un fichier RSS ou Atom sur votre ordinateur avant d’importer.",
                )),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_are_counted_the_french_way() {
        let r = ImportReport {
            added: 3,
            updated: 1,
            unchanged: 5,
            ..ImportReport::default()
        };
        assert_eq!(
            report_words(&r),
            "3 ajoutées, 1 mise à jour, 5 inchangées, 0 ignorée"
        );
        let r = ImportReport {
            updated: 2,
            skipped: 2,
            dropped: 1,
            ..ImportReport::default()
        };
        assert_eq!(
            report_words(&r),
            "0 ajoutée, 2 mises à jour, 0 inchangée, 2 ignorées (sans titre)\u{202f}; 1 supprimée pour ne garder que les plus récentes"
        );
    }

    #[test]
    fn withdrawn_and_expired_win_over_waiting_and_scheduled() {
        let now: Timestamp = "2026-12-01T12:00:00Z".parse().unwrap();
        let hour = jiff::SignedDuration::from_hours(1);
        let item = StoredItem {
            id: "x".into(),
            feed: None,
            source_key: None,
            owner: None,
            title: Text::fr("Titre"),
            text: Text::default(),
            image: None,
            image_url: None,
            link: None,
            valid_from: Some(now - hour),
            valid_until: Some(now + hour),
            communes: Vec::new(),
            published_at: None,
            hidden: false,
            approved_at: Some("2026-12-01T10:00:00Z".into()),
            approved_by: None,
            created_by: None,
            created_at: String::new(),
            updated_by: None,
            updated_at: String::new(),
        };
        let at = |f: &dyn Fn(&mut StoredItem)| {
            let mut i = item.clone();
            f(&mut i);
            Standing::of(&i, now)
        };
        assert_eq!(at(&|_| {}), Standing::Online);
        assert_eq!(
            at(&|i| i.valid_from = Some(now + hour)),
            Standing::Scheduled
        );
        assert_eq!(at(&|i| i.approved_at = None), Standing::Waiting);
        assert_eq!(at(&|i| i.valid_until = Some(now)), Standing::Expired);
        assert_eq!(
            at(&|i| {
                i.hidden = true;
                i.valid_until = Some(now);
            }),
            Standing::Withdrawn
        );
        // A feed item without a start is on the screens until it expires.
        assert_eq!(at(&|i| i.valid_from = None), Standing::Online);
    }
}
