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
use axum::Router;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use beffroi_protocol::ids::{Insee, Sha256};
use beffroi_protocol::text::Lang;
use jiff::Timestamp;
use serde::Deserialize;

use super::format::{
    LANGUAGES, When, commune_name, count, from_local_field, headline, in_lang, language_name,
    local_field, owner_words, stored_when, typed_text, when,
};
use super::forms::{
    Choice, Deletion, EditForm, Editing, Errors, Fields, Intent, Picture, Posted, Rights, Upload,
    commune_choices, commune_problem, default_owner, delete_form, delete_post, edit_form,
    edit_post, lines, new_form, new_post, owner_choices, owner_field, pictures, uploaded,
};
use super::{Notice, Officer, SessionView, action_refused, error_page, render};
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
        .route(
            "/actualites/nouvelle",
            get(new_form::<Values>).post(new_post::<Values>),
        )
        .route(
            "/actualites/infos/{id}/modifier",
            get(edit_form::<Values>).post(edit_post::<Values>),
        )
        .route(
            "/actualites/infos/{id}/supprimer",
            get(delete_form::<Values>).post(delete_post::<Values>),
        )
        .route("/actualites/infos/{id}/valider", post(approve_post))
        .route("/actualites/infos/{id}/retirer", post(withdraw_post))
        .route("/actualites/infos/{id}/remettre", post(restore_post))
        .route(
            "/actualites/flux/nouveau",
            get(new_form::<FeedValues>).post(new_post::<FeedValues>),
        )
        .route("/actualites/flux/{id}", get(feed_page))
        .route(
            "/actualites/flux/{id}/modifier",
            get(edit_form::<FeedValues>).post(edit_post::<FeedValues>),
        )
        .route(
            "/actualites/flux/{id}/supprimer",
            get(delete_form::<FeedValues>).post(delete_post::<FeedValues>),
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
    states: Vec<Choice>,
    sources: Vec<Choice>,
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
async fn page(
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
    let mut states = vec![Choice {
        value: String::new(),
        label: "Tous les statuts".into(),
        checked: etat.is_empty(),
    }];
    states.extend(Standing::ALL.iter().map(|s| Choice {
        value: s.key().into(),
        label: s.label().into(),
        checked: s.key() == etat,
    }));
    let mut sources = vec![
        Choice {
            value: String::new(),
            label: "Toutes les sources".into(),
            checked: source.is_empty(),
        },
        Choice {
            value: "annonces".into(),
            label: "Annonces".into(),
            checked: source == "annonces",
        },
    ];
    sources.extend(feeds.iter().map(|f| {
        let value = format!("flux:{}", f.id);
        Choice {
            checked: value == source,
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
        may_feeds: rights.publishes_any(),
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
    super::server_error(
        headers,
        "news page",
        e,
        "Les actualités n’ont pas pu être lues ou enregistrées.",
    )
}

/// The answer to someone who may only read news.
fn read_only(headers: &HeaderMap) -> Response {
    action_refused(
        headers,
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
        StatusCode::FORBIDDEN => action_refused(
            headers,
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

/// `POST /actualites/infos/{id}/valider`.
async fn approve_post(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    posted: Posted,
) -> Response {
    let approved = edit::approve(&state, &posted.officer.user, &id).await;
    item_done(&posted, "validee", approved)
}

/// `POST /actualites/infos/{id}/retirer`.
async fn withdraw_post(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    posted: Posted,
) -> Response {
    let withdrawn = edit::set_hidden(&state, &posted.officer.user, &id, true).await;
    item_done(&posted, "retiree", withdrawn)
}

/// `POST /actualites/infos/{id}/remettre`.
async fn restore_post(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    posted: Posted,
) -> Response {
    let restored = edit::set_hidden(&state, &posted.officer.user, &id, false).await;
    item_done(&posted, "remise", restored)
}

/// 303 to the list, telling what was `done` to the item `changed`; else the page saying
/// why not.
fn item_done(posted: &Posted, done: &str, changed: Result<StoredItem, ApiError>) -> Response {
    match changed {
        Ok(item) => done_redirect(done, Some(&item.id)),
        Err(e) => refusal_page(&posted.headers, &posted.officer, &e, false),
    }
}

// ---------------------------------------------------------------------------------------
// Fields both forms have, and their problems
// ---------------------------------------------------------------------------------------

/// The communes ticked in a form; a problem for each that is not a commune's code.
fn communes_field(communes: &[String], errors: &mut Errors) -> Vec<Insee> {
    let mut out = Vec::new();
    for c in communes {
        match c.trim().parse::<Insee>() {
            Ok(c) => out.push(c),
            Err(_) => errors.push(
                Some("communes"),
                format!("« {c} » n’est pas un code de commune."),
            ),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// The announcement and feed forms
// ---------------------------------------------------------------------------------------

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
    /// Whether a translation was typed (the translations then show open).
    pub(crate) fn translated(&self) -> bool {
        [&self.title_en, &self.title_nl, &self.text_en, &self.text_nl]
            .iter()
            .any(|s| !s.trim().is_empty())
    }
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

impl EditForm for Values {
    type Stored = StoredItem;
    type Input = Announcement;

    fn may_open(rights: Rights<'_>) -> bool {
        rights.writes_any()
    }

    fn may_change(rights: Rights<'_>, item: &StoredItem) -> bool {
        rights.writes(item.owner.as_ref())
    }

    /// A feed's article is neither edited nor deleted here: the next import would undo the
    /// edit, or bring it back.
    async fn load(
        state: &AppState,
        user: &User,
        id: &str,
        intent: Intent,
    ) -> Result<StoredItem, ApiError> {
        let item = edit::visible_item(state, user, id).await?;
        if item.feed.is_some() {
            return Err(ApiError::conflict(match intent {
                Intent::Edit => "would undo an edit",
                Intent::Delete => "would bring it back",
            }));
        }
        Ok(item)
    }

    fn editing(item: &StoredItem) -> Editing {
        Editing {
            id: item.id.clone(),
            name: headline(&item.title),
        }
    }

    /// A new announcement's form: starting now, for the default two weeks.
    fn fresh(user: &User) -> Self {
        let now = Timestamp::now();
        Values {
            owner: default_owner(user),
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

    /// A posted form's values.
    fn parse(fields: Fields) -> Self {
        let mut v = Values::default();
        for (name, value) in lines(fields) {
            match name.as_str() {
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
        v
    }

    /// The shared rules' input. What the page alone can tell is wrong (a date that is not
    /// one, a code that is not a code) comes back as problems instead; the rules see the
    /// rest, the French title always (so that a blank one is refused by them).
    fn input(&self) -> Result<Announcement, Errors> {
        let mut errors = Errors::default();
        let owner = owner_field(
            &self.owner,
            "Choisissez la commune de l’annonce dans la liste.",
            &mut errors,
        );
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
        let communes = communes_field(&self.communes, &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        let link = self.link.trim();
        Ok(Announcement {
            id: None,
            owner,
            title: typed_text([&self.title_fr, &self.title_en, &self.title_nl], true),
            text: typed_text([&self.text_fr, &self.text_en, &self.text_nl], false),
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
        Errors::from_refusal(e, |p| {
            let has = |s: &str| p.says(s);
            let language = |base: &str| {
                base.split_once('.')
                    .map_or("français", |(_, code)| language_name(code))
            };
            match p.field {
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
                "communes" => (
                    Some("communes"),
                    commune_problem(p, &self.communes, &self.owner, "écrire d’annonce"),
                ),
                "image" => (
                    Some("image"),
                    if has("another commune") {
                        "Cette image appartient à une autre commune : choisissez une image partagée ou une image de la commune de l’annonce.".to_owned()
                    } else {
                        "Cette image n’existe plus : choisissez-en une autre.".to_owned()
                    },
                ),
                _ => (None, format!("Le serveur a refusé l’annonce ({}).", p.detail)),
            }
        })
    }

    async fn write(
        state: &AppState,
        user: &User,
        id: Option<&str>,
        a: Announcement,
    ) -> Result<String, ApiError> {
        Ok(edit::save_announcement(state, user, id, a).await?.id)
    }

    fn done(id: &str, created: bool) -> Response {
        done_redirect(if created { "creee" } else { "modifiee" }, Some(id))
    }

    async fn page(
        self,
        state: &AppState,
        officer: &Officer,
        headers: &HeaderMap,
        editing: Option<Editing>,
        errors: Errors,
        status: StatusCode,
    ) -> Response {
        let v = self;
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

    fn deletion(item: &StoredItem) -> Deletion {
        Deletion {
            title: "Supprimer l’annonce ?",
            question: format!("Supprimer l’annonce « {} » ?", headline(&item.title)),
            consequence: "Elle disparaît des écrans à leur prochaine mise à jour, et de cette liste. Pour seulement la suspendre, retirez-la plutôt : vous pourrez la remettre.".into(),
            action: format!("/actualites/infos/{}/supprimer", item.id),
            back: "/actualites".into(),
        }
    }

    async fn delete(state: &AppState, user: &User, id: &str) -> Result<(), ApiError> {
        edit::delete_announcement(state, user, id).await
    }

    fn deleted() -> Response {
        done_redirect("supprimee", None)
    }

    fn read_only(headers: &HeaderMap) -> Response {
        read_only(headers)
    }

    fn refused(headers: &HeaderMap, officer: &Officer, e: &ApiError) -> Response {
        refusal_page(headers, officer, e, false)
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

/// The feed form.
#[derive(Template)]
#[template(path = "actualite_flux_formulaire.html")]
struct FeedFormPage {
    title: &'static str,
    session: Option<SessionView>,
    csrf: String,
    action: String,
    editing: Option<Editing>,
    v: FeedValues,
    errors: Errors,
    owners: Vec<Choice>,
    communes: Vec<Choice>,
    languages: Vec<Choice>,
}

impl EditForm for FeedValues {
    type Stored = StoredFeed;
    type Input = FeedSettings;

    fn may_open(rights: Rights<'_>) -> bool {
        rights.publishes_any()
    }

    fn may_change(rights: Rights<'_>, f: &StoredFeed) -> bool {
        rights.publishes(f.owner.as_ref())
    }

    async fn load(
        state: &AppState,
        user: &User,
        id: &str,
        _intent: Intent,
    ) -> Result<StoredFeed, ApiError> {
        edit::visible_feed(state, user, id).await
    }

    fn editing(f: &StoredFeed) -> Editing {
        Editing {
            id: f.id.clone(),
            name: f.name.clone(),
        }
    }

    /// A new feed's form, with the API's defaults.
    fn fresh(user: &User) -> Self {
        FeedValues {
            owner: default_owner(user),
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

    fn parse(fields: Fields) -> Self {
        let mut v = FeedValues::default();
        for (name, value) in lines(fields) {
            match name.as_str() {
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
        v
    }

    /// The shared rules' input. A number that is not one goes to the rules as 0, which
    /// they refuse naming its field and its range.
    fn input(&self) -> Result<FeedSettings, Errors> {
        let mut errors = Errors::default();
        let owner = owner_field(
            &self.owner,
            "Choisissez la commune du flux dans la liste.",
            &mut errors,
        );
        let communes = communes_field(&self.communes, &mut errors);
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
        Errors::from_refusal(e, |p| {
            match p.field {
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
            "communes" => (
                Some("communes"),
                commune_problem(p, &self.communes, &self.owner, "régler de flux"),
            ),
            _ => (None, format!("Le serveur a refusé le flux ({}).", p.detail)),
        }
        })
    }

    async fn write(
        state: &AppState,
        user: &User,
        id: Option<&str>,
        settings: FeedSettings,
    ) -> Result<String, ApiError> {
        Ok(edit::save_feed(state, user, id, settings).await?.id)
    }

    fn done(id: &str, created: bool) -> Response {
        feed_redirect(id, if created { "cree" } else { "modifie" })
    }

    async fn page(
        self,
        _state: &AppState,
        officer: &Officer,
        _headers: &HeaderMap,
        editing: Option<Editing>,
        errors: Errors,
        status: StatusCode,
    ) -> Response {
        let v = self;
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

    fn deletion(f: &StoredFeed) -> Deletion {
        Deletion {
            title: "Supprimer le flux ?",
            question: format!("Supprimer le flux « {} » ?", f.name),
            consequence: "Les actualités qui en viennent sont supprimées avec lui et disparaissent des écrans à leur prochaine mise à jour. Pour seulement arrêter les imports, décochez « Importer automatiquement » dans ses réglages.".into(),
            action: format!("/actualites/flux/{}/supprimer", f.id),
            back: format!("/actualites/flux/{}", f.id),
        }
    }

    async fn delete(state: &AppState, user: &User, id: &str) -> Result<(), ApiError> {
        edit::delete_feed(state, user, id).await
    }

    fn deleted() -> Response {
        done_redirect("flux-supprime", None)
    }

    fn read_only(headers: &HeaderMap) -> Response {
        read_only(headers)
    }

    fn refused(headers: &HeaderMap, officer: &Officer, e: &ApiError) -> Response {
        refusal_page(headers, officer, e, true)
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
async fn feed_page(
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
async fn import_post(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Posted {
        officer, headers, ..
    }: Posted,
) -> Response {
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
async fn upload_post(
    State(state): State<Arc<AppState>>,
    officer: Officer,
    headers: HeaderMap,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let upload = Upload {
        max_bytes: MAX_FEED_BYTES,
        what: "un flux d’actualités",
        page: "de la page du flux",
    };
    match uploaded(&officer, &headers, multipart, upload).await {
        Err(refused) => refused,
        Ok(Some(bytes)) => import(&state, &officer, &headers, &id, Some(bytes)).await,
        Ok(None) => {
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
    use beffroi_protocol::text::Text;

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
