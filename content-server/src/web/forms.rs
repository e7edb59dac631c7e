//! What the officer's forms share: posts whose CSRF token is checked before any handler
//! runs, boxes to tick, owners and communes to choose, pictures of the media library, the
//! problems of a refusal by the shared rules put in French next to the field at fault, the
//! flow of a form that creates, edits and deletes one kind of item (`EditForm`), and files
//! uploaded with a form.

use std::sync::Arc;

use askama::Template;
use axum::Form;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{FromRequest, FromRequestParts, Multipart, Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use beffroi_protocol::ids::Insee;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use sqlx::Row;

use super::format::commune_name;
use super::{Officer, SessionView, error_page, render};
use crate::api::error::ApiError;
use crate::server::AppState;
use crate::users::{Role, User};

/// A form's fields in the order posted; a name comes once per ticked box.
pub(crate) type Fields = Vec<(String, String)>;

/// A posted form that carries the session's CSRF token in its `csrf_token` field.
pub(crate) trait CsrfField {
    /// The token posted, if any.
    fn csrf_token(&self) -> Option<&str>;
}

impl CsrfField for Fields {
    fn csrf_token(&self) -> Option<&str> {
        self.iter()
            .rev()
            .find(|(name, _)| name == "csrf_token")
            .map(|(_, value)| value.as_str())
    }
}

/// A form that carries nothing but the CSRF token: an action's button.
#[derive(Debug, Deserialize)]
pub(crate) struct Token {
    #[serde(default)]
    csrf_token: Option<String>,
}

impl CsrfField for Token {
    fn csrf_token(&self) -> Option<&str> {
        self.csrf_token.as_deref()
    }
}

/// A form posted by an officer with the session's CSRF token: what the pages' post handlers
/// extract. A post without the token, or with another session's, is answered 403 before the
/// handler runs.
#[derive(Debug)]
pub(crate) struct Posted<T = Token> {
    pub(crate) officer: Officer,
    pub(crate) headers: HeaderMap,
    pub(crate) form: T,
}

impl<T> FromRequest<Arc<AppState>> for Posted<T>
where
    T: CsrfField + DeserializeOwned + Send,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &Arc<AppState>) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let officer = Officer::from_request_parts(&mut parts, state).await?;
        let headers = parts.headers.clone();
        let Form(form) = Form::<T>::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        match officer.csrf_refusal(form.csrf_token(), &headers) {
            Some(refused) => Err(refused),
            None => Ok(Posted {
                officer,
                headers,
                form,
            }),
        }
    }
}

/// The fields of a posted form with their line breaks as stored: browsers send CRLF, and the
/// screens show what is stored.
pub(crate) fn lines(fields: Fields) -> impl Iterator<Item = (String, String)> {
    fields
        .into_iter()
        .map(|(name, value)| (name, value.replace("\r\n", "\n")))
}

/// One box to tick, or option to choose.
#[derive(Debug)]
pub(crate) struct Choice {
    pub(crate) value: String,
    pub(crate) label: String,
    pub(crate) checked: bool,
}

/// Boxes for `offered` (value, label), ticked when in `chosen`; what was chosen but is not
/// offered (a screen since deleted, a commune not the officer's) is kept, ticked, at the end,
/// named by `label`.
pub(crate) fn boxes(
    offered: Vec<(String, String)>,
    chosen: &[String],
    label: impl Fn(&str) -> String,
) -> Vec<Choice> {
    let mut out: Vec<Choice> = offered
        .into_iter()
        .map(|(value, label)| Choice {
            checked: chosen.contains(&value),
            value,
            label,
        })
        .collect();
    for c in chosen {
        if !out.iter().any(|o| &o.value == c) {
            out.push(Choice {
                value: c.clone(),
                label: label(c),
                checked: true,
            });
        }
    }
    out
}

/// A problem shown on a form, next to its field.
#[derive(Debug)]
pub(crate) struct FieldError {
    /// The id of the form's element at fault (the summary links to it), or `None` for the
    /// whole form.
    pub(crate) field: Option<&'static str>,
    /// What to do, in French.
    pub(crate) text: String,
}

/// The problems of a refused form, and the server's own words.
#[derive(Debug, Default)]
pub(crate) struct Errors {
    pub(crate) list: Vec<FieldError>,
    /// The shared rules' message and problems as they came (shown folded, for support).
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

    /// Adds a problem, once.
    pub(crate) fn push(&mut self, field: Option<&'static str>, text: impl Into<String>) {
        let text = text.into();
        if !self.list.iter().any(|e| e.field == field && e.text == text) {
            self.list.push(FieldError { field, text });
        }
    }

    /// The problems of refusal `e` (its message when it lists none), each put in French, by
    /// field, by `french`.
    pub(crate) fn from_refusal(
        e: &ApiError,
        french: impl Fn(&Problem<'_>) -> (Option<&'static str>, String),
    ) -> Self {
        let mut errors = Errors::default();
        let problems: Vec<&str> = if e.problems.is_empty() {
            vec![e.message.as_str()]
        } else {
            e.problems.iter().map(String::as_str).collect()
        };
        for p in problems {
            let (field, text) = french(&Problem::parse(p));
            errors.push(field, text);
        }
        errors
    }

    /// With the shared rules' own words about refusal `e`.
    pub(crate) fn with_server_words(self, e: &ApiError) -> Self {
        Errors {
            detail: std::iter::once(e.message.clone())
                .chain(e.problems.iter().cloned())
                .collect(),
            ..self
        }
    }
}

/// One problem of a refusal. The shared rules name the field at fault first
/// (`expires_at: …`, `target.groups[1]: …`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Problem<'a> {
    /// The field's path without its index (`target.groups`); "" when the problem names no
    /// field.
    pub(crate) field: &'a str,
    /// The place in a list field (`[1]` → 1).
    pub(crate) index: Option<usize>,
    /// What is wrong with the field (the whole problem when it names none).
    pub(crate) detail: &'a str,
    /// The problem as it came.
    pub(crate) whole: &'a str,
}

impl<'a> Problem<'a> {
    fn parse(whole: &'a str) -> Self {
        let ((field, index), detail) = whole
            .split_once(": ")
            .and_then(|(f, d)| Some((field_path(f)?, d)))
            .unwrap_or((("", None), whole));
        Problem {
            field,
            index,
            detail,
            whole,
        }
    }

    /// Whether what is wrong says `words`.
    pub(crate) fn says(&self, words: &str) -> bool {
        self.detail.contains(words)
    }

    /// What the form sent at the problem's place in `list`.
    pub(crate) fn item<'l>(&self, list: &'l [String]) -> Option<&'l str> {
        self.index.and_then(|i| list.get(i)).map(String::as_str)
    }
}

/// `target.communes[1]` → (`target.communes`, 1); a plain field has no index. A part of
/// the item after its index (`dates[1].end`) is the same place in the list.
fn field_path(path: &str) -> Option<(&str, Option<usize>)> {
    let (base, index) = match path.split_once('[') {
        Some((base, rest)) => {
            let (index, part) = rest.split_once(']')?;
            let part_ok = part.is_empty()
                || part.strip_prefix('.').is_some_and(|p| {
                    !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                });
            if !part_ok {
                return None;
            }
            (base, Some(index.parse().ok()?))
        }
        None => (path, None),
    };
    base.chars()
        .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.')
        .then_some((base, index))
        .filter(|(b, _)| !b.is_empty())
}

// ---------------------------------------------------------------------------------------
// Rights, owners, communes and pictures
// ---------------------------------------------------------------------------------------

/// What the officer may do, as a page shows it; the shared rules decide in the end.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rights<'a> {
    pub(crate) user: &'a User,
    pub(crate) self_publish: bool,
}

impl<'a> Rights<'a> {
    pub(crate) fn of(state: &AppState, officer: &'a Officer) -> Self {
        Rights {
            user: &officer.user,
            self_publish: state.settings.editors_self_publish,
        }
    }

    /// May write something (a viewer may not).
    pub(crate) fn writes_any(self) -> bool {
        self.user.role != Role::Viewer
    }

    /// May publish for some owner, and so set up news feeds and agenda sources.
    pub(crate) fn publishes_any(self) -> bool {
        self.writes_any() && self.user.publishes(self.self_publish)
    }

    /// May write for `owner`.
    pub(crate) fn writes(self, owner: Option<&Insee>) -> bool {
        self.user.edits(owner)
    }

    /// May publish for `owner`.
    pub(crate) fn publishes(self, owner: Option<&Insee>) -> bool {
        self.user.edits(owner) && self.user.publishes(self.self_publish)
    }
}

/// The owner chosen in a form: `None` for the intercommunality (""), else a commune; when
/// it is neither, `None` and the problem `choose` (a sentence asking to choose in the list).
pub(crate) fn owner_field(owner: &str, choose: &str, errors: &mut Errors) -> Option<Insee> {
    match owner.trim() {
        "" => None,
        code => code
            .parse::<Insee>()
            .inspect_err(|_| errors.push(Some("proprietaire"), choose))
            .ok(),
    }
}

/// The owner a new item starts with: the intercommunality for those who may write for it,
/// else the officer's first commune.
pub(crate) fn default_owner(user: &User) -> String {
    if user.edits(None) {
        String::new()
    } else {
        user.communes
            .first()
            .map(ToString::to_string)
            .unwrap_or_default()
    }
}

/// Whose items the officer may write: the intercommunality (for those who work for the
/// whole territory), then the communes they write for.
pub(crate) fn owner_choices(user: &User, chosen: &str) -> Vec<Choice> {
    let mut out = Vec::new();
    if user.edits(None) {
        out.push(Choice {
            value: String::new(),
            label: "Communauté de communes".into(),
            checked: chosen.is_empty(),
        });
    }
    let chosen: Vec<String> = (!chosen.is_empty())
        .then(|| chosen.to_owned())
        .into_iter()
        .collect();
    out.extend(commune_choices(user, &chosen));
    out
}

/// The communes the officer writes for, ticked when in `chosen`; what was chosen but is not
/// offered is kept, ticked, at the end.
pub(crate) fn commune_choices(user: &User, chosen: &[String]) -> Vec<Choice> {
    let offered = crate::communes::territory()
        .iter()
        .filter(|c| user.edits(Some(&c.insee)))
        .map(|c| (c.insee.to_string(), c.name.clone()))
        .collect();
    let chosen: Vec<String> = chosen.iter().filter(|c| !c.is_empty()).cloned().collect();
    boxes(offered, &chosen, commune_name)
}

/// A problem about the communes concerned, in French (`writing`: what the officer may not
/// do there). The commune at fault is the one chosen at the problem's place; without one,
/// the rules check the `owner`.
pub(crate) fn commune_problem(
    p: &Problem<'_>,
    communes: &[String],
    owner: &str,
    writing: &str,
) -> String {
    let code = p.item(communes).unwrap_or(owner);
    let detail = p.detail;
    if p.says("not a commune of the territory") {
        format!("« {code} » n’est pas une commune de la communauté de communes.")
    } else if p.says("may not write") {
        format!(
            "Vous ne pouvez pas {writing} pour {} : cette commune n’est pas de votre ressort.",
            commune_name(code)
        )
    } else if p.says("listed twice") {
        "Une commune est cochée deux fois.".to_owned()
    } else {
        format!("Communes concernées : {detail}")
    }
}

/// An uploaded picture an item may show.
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
pub(crate) async fn pictures(
    state: &AppState,
    user: &User,
    chosen: &str,
) -> Result<Vec<Picture>, ApiError> {
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

// ---------------------------------------------------------------------------------------
// A form that creates, edits and deletes one kind of item
// ---------------------------------------------------------------------------------------

/// What the officer opens a stored item for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Intent {
    Edit,
    Delete,
}

/// An item being edited, as its form names it.
#[derive(Debug, Clone)]
pub(crate) struct Editing {
    pub(crate) id: String,
    /// Its title, or its name.
    pub(crate) name: String,
}

/// What a deletion's confirmation says.
#[derive(Debug)]
pub(crate) struct Deletion {
    pub(crate) title: &'static str,
    pub(crate) question: String,
    pub(crate) consequence: String,
    pub(crate) action: String,
    pub(crate) back: String,
}

/// A confirmation before deleting.
#[derive(Template)]
#[template(path = "supprimer.html")]
struct DeletePage {
    title: &'static str,
    session: Option<SessionView>,
    csrf: String,
    question: String,
    consequence: String,
    action: String,
    back: String,
}

/// The values of a form that creates, edits and deletes one kind of item (an announcement, a
/// news feed, an event, an agenda source). Every such form follows one flow: a blank or
/// stored value to the form; a post checked by the page, then written through the shared
/// rules and answered 303, or the form again with the problems in French; a deletion
/// confirmed first.
pub(crate) trait EditForm: Sized + Send + 'static {
    /// What the form edits.
    type Stored: Send;
    /// What the shared rules write.
    type Input: Send;

    /// Whether the officer may use the form at all.
    fn may_open(rights: Rights<'_>) -> bool;
    /// Whether the officer may change `stored`.
    fn may_change(rights: Rights<'_>, stored: &Self::Stored) -> bool;
    /// The stored one `id` that `user` sees, when it may be opened for `intent`.
    fn load(
        state: &AppState,
        user: &User,
        id: &str,
        intent: Intent,
    ) -> impl Future<Output = Result<Self::Stored, ApiError>> + Send;
    /// How the form names `stored`.
    fn editing(stored: &Self::Stored) -> Editing;
    /// A new one's form for `user`.
    fn fresh(user: &User) -> Self;
    /// The form of `stored` as it is.
    fn of(stored: &Self::Stored) -> Self;
    /// A posted form's values.
    fn parse(fields: Fields) -> Self;
    /// The shared rules' input, or the problems the page alone can tell.
    fn input(&self) -> Result<Self::Input, Errors>;
    /// The problems of a refusal by the shared rules, in French, by field.
    fn errors(&self, e: &ApiError) -> Errors;
    /// Writes through the shared rules (a new one when `id` is `None`): the id written.
    fn write(
        state: &AppState,
        user: &User,
        id: Option<&str>,
        input: Self::Input,
    ) -> impl Future<Output = Result<String, ApiError>> + Send;
    /// 303 to the page that tells what was done to `id`.
    fn done(id: &str, created: bool) -> Response;
    /// The form with these values and `errors`, answered with `status`.
    fn page(
        self,
        state: &AppState,
        officer: &Officer,
        headers: &HeaderMap,
        editing: Option<Editing>,
        errors: Errors,
        status: StatusCode,
    ) -> impl Future<Output = Response> + Send;
    /// What the deletion's confirmation says.
    fn deletion(stored: &Self::Stored) -> Deletion;
    /// Deletes through the shared rules.
    fn delete(
        state: &AppState,
        user: &User,
        id: &str,
    ) -> impl Future<Output = Result<(), ApiError>> + Send;
    /// 303 to the page that tells the item is deleted.
    fn deleted() -> Response;
    /// The answer to someone who may not use the form at all.
    fn read_only(headers: &HeaderMap) -> Response;
    /// The answer to a refusal that no form can fix: something gone, not the officer's…
    fn refused(headers: &HeaderMap, officer: &Officer, e: &ApiError) -> Response;
}

/// The stored item `id` when the officer may change it; else the page saying why not.
async fn changeable<F: EditForm>(
    state: &AppState,
    officer: &Officer,
    headers: &HeaderMap,
    id: &str,
    intent: Intent,
) -> Result<F::Stored, Response> {
    let rights = Rights::of(state, officer);
    if !F::may_open(rights) {
        return Err(F::read_only(headers));
    }
    let stored = F::load(state, &officer.user, id, intent)
        .await
        .map_err(|e| F::refused(headers, officer, &e))?;
    if !F::may_change(rights, &stored) {
        // A post would be refused by the shared rules just the same.
        return Err(F::refused(headers, officer, &ApiError::forbidden("")));
    }
    Ok(stored)
}

/// `GET` of a new item's form.
pub(crate) async fn new_form<F: EditForm>(
    State(state): State<Arc<AppState>>,
    officer: Officer,
    headers: HeaderMap,
) -> Response {
    if !F::may_open(Rights::of(&state, &officer)) {
        return F::read_only(&headers);
    }
    let v = F::fresh(&officer.user);
    v.page(
        &state,
        &officer,
        &headers,
        None,
        Errors::default(),
        StatusCode::OK,
    )
    .await
}

/// `POST` of a new item's form.
pub(crate) async fn new_post<F: EditForm>(
    State(state): State<Arc<AppState>>,
    Posted {
        officer,
        headers,
        form,
    }: Posted<Fields>,
) -> Response {
    save(&state, &officer, &headers, None, F::parse(form)).await
}

/// `GET` of a stored item's form.
pub(crate) async fn edit_form<F: EditForm>(
    State(state): State<Arc<AppState>>,
    officer: Officer,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    match changeable::<F>(&state, &officer, &headers, &id, Intent::Edit).await {
        Ok(stored) => {
            let editing = Some(F::editing(&stored));
            let v = F::of(&stored);
            v.page(
                &state,
                &officer,
                &headers,
                editing,
                Errors::default(),
                StatusCode::OK,
            )
            .await
        }
        Err(refused) => refused,
    }
}

/// `POST` of a stored item's form.
pub(crate) async fn edit_post<F: EditForm>(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Posted {
        officer,
        headers,
        form,
    }: Posted<Fields>,
) -> Response {
    match F::load(&state, &officer.user, &id, Intent::Edit).await {
        Ok(stored) => {
            let editing = Some(F::editing(&stored));
            save(&state, &officer, &headers, editing, F::parse(form)).await
        }
        Err(e) => F::refused(&headers, &officer, &e),
    }
}

/// Writes the form's values through the shared rules; the form again with the problems when
/// they refuse them.
async fn save<F: EditForm>(
    state: &AppState,
    officer: &Officer,
    headers: &HeaderMap,
    editing: Option<Editing>,
    v: F,
) -> Response {
    let input = match v.input() {
        Ok(input) => input,
        Err(errors) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return v
                .page(state, officer, headers, editing, errors, status)
                .await;
        }
    };
    let id = editing.as_ref().map(|e| e.id.as_str());
    match F::write(state, &officer.user, id, input).await {
        Ok(saved) => F::done(&saved, editing.is_none()),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let errors = v.errors(&e).with_server_words(&e);
            v.page(state, officer, headers, editing, errors, e.status)
                .await
        }
        Err(e) => F::refused(headers, officer, &e),
    }
}

/// `GET` of a deletion's confirmation.
pub(crate) async fn delete_form<F: EditForm>(
    State(state): State<Arc<AppState>>,
    officer: Officer,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    match changeable::<F>(&state, &officer, &headers, &id, Intent::Delete).await {
        Ok(stored) => {
            let d = F::deletion(&stored);
            render(&DeletePage {
                title: d.title,
                session: Some(officer.view()),
                csrf: officer.csrf.clone(),
                question: d.question,
                consequence: d.consequence,
                action: d.action,
                back: d.back,
            })
        }
        Err(refused) => refused,
    }
}

/// `POST` of a deletion's confirmation.
pub(crate) async fn delete_post<F: EditForm>(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Posted {
        officer, headers, ..
    }: Posted,
) -> Response {
    match F::delete(&state, &officer.user, &id).await {
        Ok(()) => F::deleted(),
        Err(e) => F::refused(&headers, &officer, &e),
    }
}

// ---------------------------------------------------------------------------------------
// Files uploaded with a form
// ---------------------------------------------------------------------------------------

/// What an upload form takes, in words for its refusals.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Upload {
    /// The largest file accepted.
    pub(crate) max_bytes: usize,
    /// What a larger file is not ("un flux d’actualités").
    pub(crate) what: &'static str,
    /// The page whose form sends it ("de la page du flux").
    pub(crate) page: &'static str,
}

/// The file (the `fichier` field) of a multipart upload form, once the CSRF token it carries
/// (its `csrf_token` field) was checked: `None` when no file was chosen; else the page
/// saying why the upload is refused.
pub(crate) async fn uploaded(
    officer: &Officer,
    headers: &HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
    upload: Upload,
) -> Result<Option<Vec<u8>>, Response> {
    Ok(uploaded_named(officer, headers, multipart, upload)
        .await?
        .map(|(bytes, _)| bytes))
}

/// As [`uploaded`], with the file's name as the browser gave it (without a folder), for
/// reports.
pub(crate) async fn uploaded_named(
    officer: &Officer,
    headers: &HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
    upload: Upload,
) -> Result<Option<(Vec<u8>, Option<String>)>, Response> {
    let unreadable =
        |status: StatusCode, text: &str| error_page(headers, status, "Envoi illisible", text);
    let too_large = || {
        unreadable(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!(
                "Ce fichier dépasse {} Mio : ce n’est pas {}.",
                upload.max_bytes >> 20,
                upload.what
            ),
        )
    };
    let Ok(mut multipart) = multipart else {
        return Err(unreadable(
            StatusCode::BAD_REQUEST,
            &format!(
                "Le fichier doit être envoyé par le formulaire de dépôt {}.",
                upload.page
            ),
        ));
    };
    let mut csrf = None;
    let mut file: Option<(Vec<u8>, Option<String>)> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(e) => {
                tracing::info!("page upload: unreadable: {e}");
                return Err(unreadable(
                    StatusCode::BAD_REQUEST,
                    "L’envoi a été interrompu ou n’a pas pu être lu ; réessayez.",
                ));
            }
        };
        match field.name() {
            Some("csrf_token") => csrf = field.text().await.ok(),
            Some("fichier") => {
                let name = field
                    .file_name()
                    .and_then(|n| n.rsplit(['/', '\\']).next())
                    .map(|n| n.chars().take(200).collect::<String>())
                    .filter(|n| !n.trim().is_empty());
                match field.bytes().await {
                    Ok(bytes) => file = Some((bytes.to_vec(), name)),
                    Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                        return Err(too_large());
                    }
                    Err(_) => {
                        return Err(unreadable(
                            StatusCode::BAD_REQUEST,
                            "L’envoi a été interrompu ; réessayez.",
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    if let Some(refused) = officer.csrf_refusal(csrf.as_deref(), headers) {
        return Err(refused);
    }
    match file.filter(|(bytes, _)| !bytes.is_empty()) {
        Some((bytes, _)) if bytes.len() > upload.max_bytes => Err(too_large()),
        file => Ok(file),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_read_by_their_field_path() {
        assert_eq!(field_path("expires_at"), Some(("expires_at", None)));
        assert_eq!(
            field_path("target.groups[2]"),
            Some(("target.groups", Some(2)))
        );
        assert_eq!(
            field_path("alert \"x\" changed since revision 1 (now 2, by a)"),
            None
        );
        assert_eq!(field_path("target.groups[x]"), None);
        assert_eq!(field_path("dates[3].end"), Some(("dates", Some(3))));
        assert_eq!(field_path("dates[3]x"), None);
        assert_eq!(field_path(""), None);
        let p = Problem::parse("communes[1]: 99999 is not a commune of the territory");
        assert_eq!((p.field, p.index), ("communes", Some(1)));
        assert!(p.says("not a commune"));
        let p = Problem::parse("the announcement is not valid");
        assert_eq!((p.field, p.detail), ("", p.whole));
    }
}
