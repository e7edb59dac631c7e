//! The rules for changing news, shared by the JSON API and the officer's page: who may
//! write, approve, withdraw or import what, and what an announcement or a feed must hold.
//!
//! - An announcement belongs to a commune (its editors write it, for that commune's
//!   screens) or to the intercommunality (administrators and approvers; it may concern the
//!   whole territory). Written by someone who may publish, it goes to the screens at once;
//!   otherwise it waits for an approver.
//! - A feed is set up by someone who may publish for its owner; its entries need no
//!   approval. A feed item cannot be edited (the next import would undo it) but can be
//!   withdrawn, and stays withdrawn across imports.

use beffroi_protocol::data::news::{NewsItem, NewsSource};
use beffroi_protocol::ids::{Insee, Sha256, check_id};
use beffroi_protocol::text::{Lang, Text};
use beffroi_protocol::validate::{Checker, Validate};
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use utoipa::ToSchema;

use super::import::{self, Trigger};
use super::store::{self, ImportReport, StoredFeed, StoredItem};
use crate::alerts::stored_instant;
use crate::api::error::{ApiError, ApiResult};
use crate::rules::{commune_problems, make_id, may_publish, may_write, media_problems, verdict};
use crate::server::AppState;
use crate::users::User;

/// How long an announcement shows when no end is given.
pub const DEFAULT_VALIDITY: SignedDuration = SignedDuration::from_hours(14 * 24);

/// The longest an announcement may show.
pub const MAX_VALIDITY: SignedDuration = SignedDuration::from_hours(366 * 24);

/// Longest headline, in characters: it must read from across a town hall.
pub const MAX_TITLE: usize = 160;

/// Longest body, in characters.
pub const MAX_TEXT: usize = 1200;

/// Longest feed id (its items' ids add 13 characters).
pub const MAX_FEED_ID: usize = 48;

/// An announcement as written by the officer.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Announcement {
    /// Id (letters, digits, `-`, `_`); made up from the title when absent. Ignored on edit.
    #[serde(default)]
    pub id: Option<String>,
    /// The commune it belongs to (INSEE code); absent: the intercommunality.
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "62364")]
    pub owner: Option<Insee>,
    /// Headline per language (`{"fr": "…", "en": "…"}`); French required.
    #[schema(value_type = Object)]
    pub title: Text,
    /// Body per language.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub text: Text,
    /// A picture: the SHA-256 of an uploaded media.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub image: Option<Sha256>,
    /// Where to read more (http or https).
    #[serde(default)]
    pub link: Option<String>,
    /// First instant shown (RFC 3339); absent: now.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub valid_from: Option<Timestamp>,
    /// First instant no longer shown; absent: two weeks after the start.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub valid_until: Option<Timestamp>,
    /// The communes it concerns; absent: the owner commune (or, for the intercommunality,
    /// the whole territory).
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub communes: Vec<Insee>,
}

/// A feed's settings as written by the officer.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedSettings {
    /// Id; made up from the name when absent. Ignored on edit.
    #[serde(default)]
    pub id: Option<String>,
    /// Name credited on screen.
    pub name: String,
    /// Address of the RSS or Atom feed (http or https); absent: items come from uploads.
    #[serde(default)]
    pub url: Option<String>,
    /// The commune it belongs to; absent: the intercommunality.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub owner: Option<Insee>,
    /// The communes its items concern; absent: the owner commune, or the whole territory.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub communes: Vec<Insee>,
    /// The language of its items (`fr`, `en`, `nl`).
    #[serde(default = "french")]
    pub lang: String,
    /// Days an item shows after its date (1–365).
    #[serde(default = "seven")]
    pub keep_days: u32,
    /// Items kept, the newest (1–200).
    #[serde(default = "twenty")]
    pub max_items: u32,
    /// Minutes between fetches (5–10080).
    #[serde(default = "sixty")]
    pub refresh_minutes: u32,
    /// Fetched on schedule.
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn french() -> String {
    "fr".into()
}
fn seven() -> u32 {
    7
}
fn twenty() -> u32 {
    20
}
fn sixty() -> u32 {
    60
}
fn yes() -> bool {
    true
}

/// The news items `user` sees, by id.
pub async fn visible_items(state: &AppState, user: &User) -> ApiResult<Vec<StoredItem>> {
    let mut conn = state.db.acquire().await?;
    let all = store::items(&mut conn).await?;
    Ok(all
        .into_iter()
        .filter(|i| user.sees(i.owner.as_ref()))
        .collect())
}

/// The feeds `user` sees, by id.
pub async fn visible_feeds(state: &AppState, user: &User) -> ApiResult<Vec<StoredFeed>> {
    let mut conn = state.db.acquire().await?;
    let all = store::feeds(&mut conn).await?;
    Ok(all
        .into_iter()
        .filter(|f| user.sees(f.owner.as_ref()))
        .collect())
}

/// One item `user` sees.
pub async fn visible_item(state: &AppState, user: &User, id: &str) -> ApiResult<StoredItem> {
    let mut conn = state.db.acquire().await?;
    store::item(&mut conn, id)
        .await?
        .filter(|i| user.sees(i.owner.as_ref()))
        .ok_or_else(|| ApiError::not_found(format!("no news item \"{id}\"")))
}

/// One feed `user` sees.
pub async fn visible_feed(state: &AppState, user: &User, id: &str) -> ApiResult<StoredFeed> {
    let mut conn = state.db.acquire().await?;
    store::feed(&mut conn, id)
        .await?
        .filter(|f| user.sees(f.owner.as_ref()))
        .ok_or_else(|| ApiError::not_found(format!("no news feed \"{id}\"")))
}

/// Checks an announcement; the problems name their fields.
async fn check_announcement(
    state: &AppState,
    user: &User,
    a: &Announcement,
    communes: &[Insee],
    valid_from: Timestamp,
    valid_until: Timestamp,
) -> ApiResult<()> {
    let as_item = NewsItem {
        id: "x".into(),
        title: a.title.clone(),
        text: a.text.clone(),
        image: None,
        valid_from: Some(valid_from),
        valid_until: Some(valid_until),
        communes: communes.to_vec(),
        source: NewsSource::default(),
        published_at: None,
        link: a.link.clone(),
    };
    let mut v = Checker::new();
    as_item.validate(&mut v);
    let mut problems: Vec<String> = match v.finish() {
        Ok(()) => Vec::new(),
        Err(p) => p.0.iter().map(ToString::to_string).collect(),
    };
    if a.title
        .0
        .get(&Lang::fr())
        .is_none_or(|t| t.trim().is_empty())
    {
        problems.push("title.fr: the French headline is required".into());
    }
    for (lang, t) in &a.title.0 {
        if t.chars().count() > MAX_TITLE {
            problems.push(format!(
                "title.{lang}: longer than {MAX_TITLE} characters; put the rest in the text"
            ));
        }
    }
    for (lang, t) in &a.text.0 {
        if t.chars().count() > MAX_TEXT {
            problems.push(format!("text.{lang}: longer than {MAX_TEXT} characters"));
        }
    }
    if valid_until.duration_since(valid_from) > MAX_VALIDITY {
        problems.push("valid_until: more than a year after valid_from".into());
    }
    commune_problems(user, a.owner.as_ref(), communes, "news", &mut problems);
    if let Some(sha) = &a.image {
        media_problems(state, sha, a.owner.as_ref(), "image", &mut problems).await?;
    }
    verdict("announcement", problems)
}

/// Writes an announcement: a new one when `id` is `None`, else the edit of announcement
/// `id`. Returns it as stored, and refreshes the screens when it is (or was) on them.
pub async fn save_announcement(
    state: &AppState,
    user: &User,
    id: Option<&str>,
    a: Announcement,
) -> ApiResult<StoredItem> {
    may_write(user, "news", a.owner.as_ref())?;
    let old = match id {
        None => None,
        Some(id) => {
            let old = visible_item(state, user, id).await?;
            if old.feed.is_some() {
                return Err(ApiError::conflict(format!(
                    "news item \"{id}\" comes from a feed: the next import would undo an edit; withdraw it instead"
                )));
            }
            may_write(user, "news", old.owner.as_ref())?;
            Some(old)
        }
    };
    let now = Timestamp::from_second(Timestamp::now().as_second())
        .map_err(|e| ApiError::internal("reading the clock", e))?;
    let communes = if a.communes.is_empty() {
        a.owner.iter().cloned().collect()
    } else {
        a.communes.clone()
    };
    let valid_from = a
        .valid_from
        .or(old.as_ref().and_then(|o| o.valid_from))
        .unwrap_or(now);
    let valid_until = a.valid_until.unwrap_or(valid_from + DEFAULT_VALIDITY);
    check_announcement(state, user, &a, &communes, valid_from, valid_until).await?;
    let new_id = match (&old, &a.id) {
        (Some(o), _) => o.id.clone(),
        (None, Some(id)) => {
            check_id(id).map_err(|e| ApiError::invalid(format!("id: {e}"), Vec::new()))?;
            id.clone()
        }
        (None, None) => make_id(a.title.get(&Lang::fr()).unwrap_or(""), "annonce"),
    };
    let approves = user.publishes(state.settings.editors_self_publish);
    let item = StoredItem {
        id: new_id.clone(),
        feed: None,
        source_key: None,
        owner: a.owner.clone(),
        title: a.title,
        text: a.text,
        image: a.image,
        image_url: None,
        link: a.link,
        valid_from: Some(valid_from),
        valid_until: Some(valid_until),
        communes,
        published_at: Some(
            old.as_ref()
                .and_then(|o| o.published_at)
                .unwrap_or(valid_from),
        ),
        hidden: old.as_ref().is_some_and(|o| o.hidden),
        approved_at: approves.then(|| stored_instant(now)),
        approved_by: None,
        created_by: None,
        created_at: String::new(),
        updated_by: None,
        updated_at: String::new(),
    };
    let mut tx = crate::db::begin_write(&state.db).await?;
    if old.is_none() && store::item(&mut tx, &new_id).await?.is_some() {
        return Err(ApiError::conflict(format!(
            "a news item \"{new_id}\" exists already"
        )));
    }
    store::save_item(&mut tx, &item, Some(user.id), approves.then_some(user.id)).await?;
    let saved = store::item(&mut tx, &new_id)
        .await?
        .ok_or_else(|| ApiError::internal("saving news", "the item vanished"))?;
    tx.commit().await?;
    refresh_after(state, user).await;
    Ok(saved)
}

/// Approves an announcement waiting for it. Refused when it changed since `seen` (its
/// `updated_at` as the approver read it), so that what goes live is what was approved;
/// `None`: as it is now.
pub async fn approve(state: &AppState, user: &User, id: &str) -> ApiResult<StoredItem> {
    let item = visible_item(state, user, id).await?;
    may_publish(state, user, item.owner.as_ref(), "approve news")?;
    if item.approved_at.is_some() {
        return Ok(item);
    }
    let mut tx = crate::db::begin_write(&state.db).await?;
    let done = sqlx::query(
        "UPDATE news_items SET approved_at = ?3, approved_by = ?4
         WHERE id = ?1 AND updated_at = ?2 AND approved_at IS NULL",
    )
    .bind(id)
    .bind(&item.updated_at)
    .bind(stored_instant(Timestamp::now()))
    .bind(user.id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(ApiError::conflict(format!(
            "news item \"{id}\" changed while approving it; read it again"
        )));
    }
    tx.commit().await?;
    refresh_after(state, user).await;
    visible_item(state, user, id).await
}

/// Withdraws a news item from the screens (`hidden`), or puts it back. Putting an item back
/// is publishing it again: only for those who may publish.
pub async fn set_hidden(
    state: &AppState,
    user: &User,
    id: &str,
    hidden: bool,
) -> ApiResult<StoredItem> {
    let item = visible_item(state, user, id).await?;
    may_write(user, "news", item.owner.as_ref())?;
    if item.feed.is_some() || !hidden {
        may_publish(
            state,
            user,
            item.owner.as_ref(),
            if hidden {
                "withdraw feed items"
            } else {
                "put news back on the screens"
            },
        )?;
    }
    let mut tx = crate::db::begin_write(&state.db).await?;
    sqlx::query(
        "UPDATE news_items SET hidden = ?2, updated_by = ?3, updated_at = ?4 WHERE id = ?1",
    )
    .bind(id)
    .bind(hidden)
    .bind(user.id)
    .bind(stored_instant(Timestamp::now()))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    refresh_after(state, user).await;
    visible_item(state, user, id).await
}

/// Rebuilds the news data set after a committed change. A failure is logged and not
/// returned: the change is stored, and the schedule's next round rebuilds the set.
async fn refresh_after(state: &AppState, user: &User) {
    if let Err(e) = super::refresh(state, Some(user.id)).await {
        tracing::error!(
            "news: the data set was not rebuilt after a change: {}",
            e.message
        );
    }
}

/// Deletes an announcement.
pub async fn delete_announcement(state: &AppState, user: &User, id: &str) -> ApiResult<()> {
    let item = visible_item(state, user, id).await?;
    may_write(user, "news", item.owner.as_ref())?;
    if item.feed.is_some() {
        return Err(ApiError::conflict(format!(
            "news item \"{id}\" comes from a feed: the next import would bring it back; withdraw it instead"
        )));
    }
    let mut tx = crate::db::begin_write(&state.db).await?;
    store::delete_item(&mut tx, id).await?;
    tx.commit().await?;
    refresh_after(state, user).await;
    Ok(())
}

/// Checks a feed's settings; the problems name their fields.
fn check_feed(user: &User, f: &FeedSettings, communes: &[Insee]) -> ApiResult<()> {
    let mut problems = Vec::new();
    let name = f.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        problems.push("name: required, at most 200 characters".to_owned());
    }
    if let Some(u) = &f.url {
        match url::Url::parse(u) {
            Ok(parsed)
                if matches!(parsed.scheme(), "http" | "https") && parsed.host().is_some() => {}
            Ok(_) => problems.push(format!("url: \"{u}\" is not an http or https address")),
            Err(e) => problems.push(format!("url: \"{u}\" is not a web address ({e})")),
        }
    }
    if f.lang.parse::<beffroi_protocol::text::Lang>().is_err() {
        problems.push(format!(
            "lang: \"{}\" is not a language code (fr, en, nl)",
            f.lang
        ));
    }
    let mut range = |name: &str, v: u32, lo: u32, hi: u32| {
        if !(lo..=hi).contains(&v) {
            problems.push(format!("{name}: {v} is not between {lo} and {hi}"));
        }
    };
    range("keep_days", f.keep_days, 1, 365);
    range("max_items", f.max_items, 1, 200);
    range("refresh_minutes", f.refresh_minutes, 5, 10080);
    commune_problems(user, f.owner.as_ref(), communes, "news", &mut problems);
    verdict("feed", problems)
}

/// Creates (`id` `None`) or edits a feed. A new feed with an address is fetched at the
/// schedule's next check.
pub async fn save_feed(
    state: &AppState,
    user: &User,
    id: Option<&str>,
    f: FeedSettings,
) -> ApiResult<StoredFeed> {
    may_publish(state, user, f.owner.as_ref(), "set up news feeds")?;
    let old = match id {
        Some(id) => {
            let old = visible_feed(state, user, id).await?;
            may_publish(state, user, old.owner.as_ref(), "change news feeds")?;
            Some(old)
        }
        None => None,
    };
    let communes = if f.communes.is_empty() {
        f.owner.iter().cloned().collect()
    } else {
        f.communes.clone()
    };
    check_feed(user, &f, &communes)?;
    let new_id = match (&old, &f.id) {
        (Some(o), _) => o.id.clone(),
        (None, Some(id)) => {
            check_id(id).map_err(|e| ApiError::invalid(format!("id: {e}"), Vec::new()))?;
            // Its items' ids are the feed's followed by 13 characters, within 64.
            if id.len() > MAX_FEED_ID {
                return Err(ApiError::invalid(
                    format!("id: a feed id has at most {MAX_FEED_ID} characters"),
                    Vec::new(),
                ));
            }
            id.clone()
        }
        (None, None) => make_id(&f.name, "flux"),
    };
    let feed = StoredFeed {
        id: new_id.clone(),
        name: f.name.trim().to_owned(),
        url: f.url.filter(|u| !u.trim().is_empty()),
        owner: f.owner,
        communes,
        lang: f.lang,
        keep_days: f.keep_days,
        max_items: f.max_items,
        refresh_minutes: f.refresh_minutes,
        enabled: f.enabled,
        etag: None,
        last_modified: None,
        checked_at: None,
        imported_at: None,
        last_error: None,
        created_by: None,
        created_at: String::new(),
    };
    let mut tx = crate::db::begin_write(&state.db).await?;
    if old.is_none() && store::feed(&mut tx, &new_id).await?.is_some() {
        return Err(ApiError::conflict(format!(
            "a news feed \"{new_id}\" exists already"
        )));
    }
    store::save_feed(&mut tx, &feed, user.id).await?;
    store::apply_feed_settings(&mut tx, &feed).await?;
    let saved = store::feed(&mut tx, &new_id)
        .await?
        .ok_or_else(|| ApiError::internal("saving a feed", "the feed vanished"))?;
    tx.commit().await?;
    // Its communes or name may have changed what its items say on screen.
    refresh_after(state, user).await;
    Ok(saved)
}

/// Deletes a feed and its items.
pub async fn delete_feed(state: &AppState, user: &User, id: &str) -> ApiResult<()> {
    let f = visible_feed(state, user, id).await?;
    may_publish(state, user, f.owner.as_ref(), "remove news feeds")?;
    let mut tx = crate::db::begin_write(&state.db).await?;
    store::delete_feed(&mut tx, id).await?;
    tx.commit().await?;
    refresh_after(state, user).await;
    Ok(())
}

/// Imports feed `id` now: from `file` when given, else from its address.
pub async fn import_now(
    state: &AppState,
    user: &User,
    id: &str,
    file: Option<Vec<u8>>,
) -> ApiResult<ImportReport> {
    let f = visible_feed(state, user, id).await?;
    may_publish(state, user, f.owner.as_ref(), "import news")?;
    let trigger = if file.is_some() {
        Trigger::File
    } else {
        Trigger::Manual
    };
    import::run(state, id, trigger, file, Some(user.id)).await
}
