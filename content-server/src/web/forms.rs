//! What the officer's forms share: posts whose CSRF token is checked before any handler
//! runs, boxes to tick, and the problems of a refusal by the shared rules, put in French next
//! to the field at fault.

use std::sync::Arc;

use axum::Form;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::Officer;
use crate::api::error::ApiError;
use crate::server::AppState;

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

/// `target.communes[1]` → (`target.communes`, 1); a plain field has no index.
fn field_path(path: &str) -> Option<(&str, Option<usize>)> {
    let (base, index) = match path.split_once('[') {
        Some((base, rest)) => (base, Some(rest.strip_suffix(']')?.parse().ok()?)),
        None => (path, None),
    };
    base.chars()
        .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.')
        .then_some((base, index))
        .filter(|(b, _)| !b.is_empty())
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
        assert_eq!(field_path(""), None);
        let p = Problem::parse("communes[1]: 99999 is not a commune of the territory");
        assert_eq!((p.field, p.index), ("communes", Some(1)));
        assert!(p.says("not a commune"));
        let p = Problem::parse("the announcement is not valid");
        assert_eq!((p.field, p.detail), ("", p.whole));
    }
}
