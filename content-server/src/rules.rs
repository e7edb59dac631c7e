//! The rules officers' content shares (news, events): who may write or publish for an
//! owner, ids made from names, problems gathered into one answer.

use beffroi_protocol::ids::{Insee, Sha256};

use crate::api::error::{ApiError, ApiResult};
use crate::server::AppState;
use crate::users::{Role, User};

/// "Fruges", or "the intercommunality".
pub(crate) fn owner_words(owner: Option<&Insee>) -> String {
    crate::api::objects::owner_name(owner)
}

/// Refuses a viewer, and a user who does not edit `owner`'s content (`what`: "news",
/// "events").
pub(crate) fn may_write(user: &User, what: &str, owner: Option<&Insee>) -> ApiResult<()> {
    if user.role == Role::Viewer || !user.edits(owner) {
        return Err(ApiError::forbidden(format!(
            "{} ({}) cannot write {what} for {}",
            user.username,
            user.role,
            owner_words(owner)
        )));
    }
    Ok(())
}

/// Refuses a user who may not publish for `owner`.
pub(crate) fn may_publish(
    state: &AppState,
    user: &User,
    owner: Option<&Insee>,
    what: &str,
) -> ApiResult<()> {
    if !user.edits(owner) || !user.publishes(state.settings.editors_self_publish) {
        return Err(ApiError::forbidden(format!(
            "{} ({}) cannot {what} for {}; an approver or an administrator can",
            user.username,
            user.role,
            owner_words(owner)
        )));
    }
    Ok(())
}

/// An id made from `name` ("Fête de la soupe" → "fete-de-la-soupe-3f2a"), unique enough
/// for an officer's items, with a random suffix (`fallback` when the name has no letter).
pub(crate) fn make_id(name: &str, fallback: &str) -> String {
    let slug = beffroi_protocol::text::slug(name, 40);
    let suffix = &crate::auth::tokens::random_hex()[..6];
    if slug.is_empty() {
        format!("{fallback}-{suffix}")
    } else {
        format!("{slug}-{suffix}")
    }
}

/// Every problem found in a `what`, or none.
pub(crate) fn verdict(what: &str, problems: Vec<String>) -> ApiResult<()> {
    match problems.first() {
        None => Ok(()),
        Some(first) => Err(ApiError::invalid(
            format!("the {what} is not valid: {first}"),
            problems,
        )),
    }
}

/// The problems of an owner and of the communes concerned: each must be of the territory,
/// and for a commune's item one `user` writes for.
pub(crate) fn commune_problems(
    user: &User,
    owner: Option<&Insee>,
    communes: &[Insee],
    what: &str,
    problems: &mut Vec<String>,
) {
    if let Some(o) = owner.filter(|o| crate::communes::by_insee(o).is_none()) {
        problems.push(format!("owner: {o} is not a commune of the territory"));
    }
    for (i, c) in communes.iter().enumerate() {
        if crate::communes::by_insee(c).is_none() {
            problems.push(format!(
                "communes[{i}]: {c} is not a commune of the territory"
            ));
        } else if owner.is_some() && !user.edits(Some(c)) {
            problems.push(format!(
                "communes[{i}]: {} may not write {what} for {}",
                user.username,
                owner_words(Some(c))
            ));
        }
    }
}

/// The problem of a picture `sha` used by `owner`'s content (at `field`): it must be an
/// uploaded media, of the intercommunality or of that owner.
pub(crate) async fn media_problems(
    state: &AppState,
    sha: &Sha256,
    owner: Option<&Insee>,
    field: &str,
    problems: &mut Vec<String>,
) -> ApiResult<()> {
    let owners: Vec<Option<String>> =
        sqlx::query_scalar("SELECT owner FROM media WHERE sha256 = ?1")
            .bind(sha.as_str())
            .fetch_all(&state.db)
            .await?;
    let usable = owners.iter().any(|o| match o {
        None => true,
        Some(o) => owner.is_some_and(|own| own.as_str() == o),
    });
    if owners.is_empty() {
        problems.push(format!("{field}: no uploaded media {sha}"));
    } else if !usable {
        problems.push(format!(
            "{field}: media {sha} belongs to another commune; upload it for {}",
            owner_words(owner)
        ));
    }
    Ok(())
}
