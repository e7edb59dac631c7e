//! News as the server keeps it: announcements and feed items (table `news_items`), feeds
//! (`news_feeds`) and the reports of their imports (`news_imports`).

use beffroi_protocol::ids::{Insee, Sha256};
use beffroi_protocol::text::Text;
use jiff::Timestamp;
use serde::Serialize;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};
use utoipa::ToSchema;

use crate::alerts::stored_instant;
use crate::db::cols::{bad, instant_col, json_col, json_text, owner_col};

/// A news item as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct StoredItem {
    /// Id, unique among news items.
    pub id: String,
    /// The feed it was imported from; `None` for an announcement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feed: Option<String>,
    /// The entry's identity in its feed (guid, else link).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_key: Option<String>,
    /// The commune it belongs to; `None`: the intercommunality.
    #[schema(value_type = Option<String>)]
    pub owner: Option<Insee>,
    /// Headline per language.
    #[schema(value_type = Object)]
    pub title: Text,
    /// Body per language.
    #[schema(value_type = Object)]
    pub text: Text,
    /// The picture (an uploaded media's original).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub image: Option<Sha256>,
    /// The picture a feed entry names (not downloaded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// Where to read more.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// First instant shown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub valid_from: Option<Timestamp>,
    /// First instant no longer shown.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub valid_until: Option<Timestamp>,
    /// The communes it concerns (INSEE codes); empty: the whole territory. A feed item
    /// takes its feed's.
    #[schema(value_type = Vec<String>)]
    pub communes: Vec<Insee>,
    /// Its date, for ordering.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub published_at: Option<Timestamp>,
    /// A feed item the officer withdrew.
    pub hidden: bool,
    /// When an approver (or its author, allowed to publish) approved it; `None`: waiting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approved_at: Option<String>,
    /// Who approved it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    /// Who wrote it (none for an imported item).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// When it was stored first.
    pub created_at: String,
    /// Who changed it last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<String>,
    /// When.
    pub updated_at: String,
}

impl StoredItem {
    /// Whether it goes to the screens at `now`: approved, not withdrawn, not expired.
    pub fn live_at(&self, now: Timestamp) -> bool {
        self.approved_at.is_some() && !self.hidden && self.valid_until.is_none_or(|u| u > now)
    }
}

/// A feed as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct StoredFeed {
    /// Id.
    pub id: String,
    /// Name credited on screen ("Office de tourisme").
    pub name: String,
    /// Fetched from there on a schedule; `None`: fed by uploaded files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The commune it belongs to; `None`: the intercommunality.
    #[schema(value_type = Option<String>)]
    pub owner: Option<Insee>,
    /// The communes its items concern; empty: the whole territory.
    #[schema(value_type = Vec<String>)]
    pub communes: Vec<Insee>,
    /// The language its items are written in (`fr`, `en`, `nl`).
    pub lang: String,
    /// Days an item shows after its date.
    pub keep_days: u32,
    /// Items kept, newest first.
    pub max_items: u32,
    /// Minutes between fetches.
    pub refresh_minutes: u32,
    /// Fetched on schedule.
    pub enabled: bool,
    /// The validator of the last fetch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// The date of the last fetch's content.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    /// The last attempt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checked_at: Option<String>,
    /// The last successful import.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imported_at: Option<String>,
    /// Why the last attempt failed; `None` when it worked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// Who created it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// When.
    pub created_at: String,
}

/// The report of one import.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct ImportReport {
    /// The feed.
    pub feed: String,
    /// When.
    pub at: String,
    /// `schedule`, `manual` or `file`.
    pub trigger: String,
    /// Who asked (none for the schedule).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The server answered 304: nothing new since the last fetch.
    pub not_modified: bool,
    /// Entries seen for the first time.
    pub added: u32,
    /// Entries already known whose text changed.
    pub updated: u32,
    /// Entries already known, unchanged.
    pub unchanged: u32,
    /// Entries left out (no title).
    pub skipped: u32,
    /// Old items removed to keep the feed's newest `max_items`.
    pub dropped: u32,
    /// Why it failed; the feed's earlier items stay.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The item query with the names of the users concerned, followed by `$tail` (a static
/// string, as sqlx wants).
macro_rules! select_items {
    ($tail:literal) => {
        concat!(
            "SELECT n.*, c.username AS creator, u.username AS updater,
                a.username AS approver
            FROM news_items n
            LEFT JOIN users c ON c.id = n.created_by
            LEFT JOIN users u ON u.id = n.updated_by
            LEFT JOIN users a ON a.id = n.approved_by ",
            $tail
        )
    };
}

fn decode_item(r: &SqliteRow) -> Result<StoredItem, sqlx::Error> {
    let image: Option<String> = r.try_get("image")?;
    Ok(StoredItem {
        id: r.try_get("id")?,
        feed: r.try_get("feed_id")?,
        source_key: r.try_get("source_key")?,
        owner: owner_col(r)?,
        title: json_col(r, "title")?,
        text: json_col(r, "body")?,
        image: image
            .map(|i| i.parse().map_err(|e| bad(format!("image: {e}"))))
            .transpose()?,
        image_url: r.try_get("image_url")?,
        link: r.try_get("link")?,
        valid_from: instant_col(r, "valid_from")?,
        valid_until: instant_col(r, "valid_until")?,
        communes: json_col(r, "communes")?,
        published_at: instant_col(r, "published_at")?,
        hidden: r.try_get::<i64, _>("hidden")? != 0,
        approved_at: r.try_get("approved_at")?,
        approved_by: r.try_get("approver")?,
        created_by: r.try_get("creator")?,
        created_at: r.try_get("created_at")?,
        updated_by: r.try_get("updater")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// Every news item, by id.
pub async fn items(db: &mut SqliteConnection) -> Result<Vec<StoredItem>, sqlx::Error> {
    let rows = sqlx::query(select_items!("ORDER BY n.id"))
        .fetch_all(db)
        .await?;
    rows.iter().map(decode_item).collect()
}

/// One news item.
pub async fn item(db: &mut SqliteConnection, id: &str) -> Result<Option<StoredItem>, sqlx::Error> {
    let r = sqlx::query(select_items!("WHERE n.id = ?1"))
        .bind(id)
        .fetch_optional(db)
        .await?;
    r.as_ref().map(decode_item).transpose()
}

/// The items of feed `feed`, by id.
pub async fn feed_items(
    db: &mut SqliteConnection,
    feed: &str,
) -> Result<Vec<StoredItem>, sqlx::Error> {
    let rows = sqlx::query(select_items!("WHERE n.feed_id = ?1 ORDER BY n.id"))
        .bind(feed)
        .fetch_all(db)
        .await?;
    rows.iter().map(decode_item).collect()
}

/// Writes `item` (inserted, or replacing the row with its id). `by`: the user making the
/// change (`None`: an import); `approved_by`: who approves it, when it is approved now.
pub async fn save_item(
    db: &mut SqliteConnection,
    item: &StoredItem,
    by: Option<i64>,
    approved_by: Option<i64>,
) -> Result<(), sqlx::Error> {
    let now = stored_instant(Timestamp::now());
    sqlx::query(
        "INSERT INTO news_items (id, feed_id, source_key, owner, title, body, image, image_url,
            link, valid_from, valid_until, communes, published_at, hidden, approved_at,
            approved_by, created_by, created_at, updated_by, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
            ?18, ?17, ?18)
         ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, title = excluded.title,
            body = excluded.body, image = excluded.image, image_url = excluded.image_url,
            link = excluded.link, valid_from = excluded.valid_from,
            valid_until = excluded.valid_until, communes = excluded.communes,
            published_at = excluded.published_at, hidden = excluded.hidden,
            approved_at = excluded.approved_at,
            approved_by = CASE WHEN excluded.approved_at IS NULL THEN NULL
                ELSE coalesce(excluded.approved_by, news_items.approved_by) END,
            updated_by = excluded.updated_by, updated_at = excluded.updated_at
         WHERE news_items.feed_id IS excluded.feed_id",
    )
    .bind(&item.id)
    .bind(&item.feed)
    .bind(&item.source_key)
    .bind(item.owner.as_ref().map(Insee::as_str))
    .bind(json_text(&item.title))
    .bind(json_text(&item.text))
    .bind(item.image.as_ref().map(Sha256::as_str))
    .bind(&item.image_url)
    .bind(&item.link)
    .bind(item.valid_from.map(stored_instant))
    .bind(item.valid_until.map(stored_instant))
    .bind(json_text(&item.communes))
    .bind(item.published_at.map(stored_instant))
    .bind(item.hidden)
    .bind(&item.approved_at)
    .bind(approved_by)
    .bind(by)
    .bind(&now)
    .execute(db)
    .await?;
    Ok(())
}

/// Removes an item; true when it existed.
pub async fn delete_item(db: &mut SqliteConnection, id: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM news_items WHERE id = ?1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// The feed query with its creator's name, followed by `$tail`.
macro_rules! select_feeds {
    ($tail:literal) => {
        concat!(
            "SELECT f.*, c.username AS creator FROM news_feeds f
            LEFT JOIN users c ON c.id = f.created_by ",
            $tail
        )
    };
}

fn decode_feed(r: &SqliteRow) -> Result<StoredFeed, sqlx::Error> {
    let int = |c: &str| -> Result<u32, sqlx::Error> {
        u32::try_from(r.try_get::<i64, _>(c)?).map_err(|e| bad(format!("news_feeds.{c}: {e}")))
    };
    Ok(StoredFeed {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        url: r.try_get("url")?,
        owner: owner_col(r)?,
        communes: json_col(r, "communes")?,
        lang: r.try_get("lang")?,
        keep_days: int("keep_days")?,
        max_items: int("max_items")?,
        refresh_minutes: int("refresh_minutes")?,
        enabled: r.try_get::<i64, _>("enabled")? != 0,
        etag: r.try_get("etag")?,
        last_modified: r.try_get("last_modified")?,
        checked_at: r.try_get("checked_at")?,
        imported_at: r.try_get("imported_at")?,
        last_error: r.try_get("last_error")?,
        created_by: r.try_get("creator")?,
        created_at: r.try_get("created_at")?,
    })
}

/// Every feed, by id.
pub async fn feeds(db: &mut SqliteConnection) -> Result<Vec<StoredFeed>, sqlx::Error> {
    let rows = sqlx::query(select_feeds!("ORDER BY f.id"))
        .fetch_all(db)
        .await?;
    rows.iter().map(decode_feed).collect()
}

/// One feed.
pub async fn feed(db: &mut SqliteConnection, id: &str) -> Result<Option<StoredFeed>, sqlx::Error> {
    let r = sqlx::query(select_feeds!("WHERE f.id = ?1"))
        .bind(id)
        .fetch_optional(db)
        .await?;
    r.as_ref().map(decode_feed).transpose()
}

/// Writes a feed's settings (inserted, or updated keeping its fetch state). A changed URL
/// forgets the validators of the old one.
pub async fn save_feed(
    db: &mut SqliteConnection,
    f: &StoredFeed,
    by: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO news_feeds (id, name, url, owner, communes, lang, keep_days, max_items,
            refresh_minutes, enabled, created_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, owner = excluded.owner,
            communes = excluded.communes, lang = excluded.lang,
            keep_days = excluded.keep_days, max_items = excluded.max_items,
            refresh_minutes = excluded.refresh_minutes, enabled = excluded.enabled,
            etag = CASE WHEN news_feeds.url IS excluded.url THEN news_feeds.etag END,
            last_modified = CASE WHEN news_feeds.url IS excluded.url
                THEN news_feeds.last_modified END,
            checked_at = CASE WHEN news_feeds.url IS excluded.url
                THEN news_feeds.checked_at END,
            url = excluded.url",
    )
    .bind(&f.id)
    .bind(&f.name)
    .bind(&f.url)
    .bind(f.owner.as_ref().map(Insee::as_str))
    .bind(json_text(&f.communes))
    .bind(&f.lang)
    .bind(i64::from(f.keep_days))
    .bind(i64::from(f.max_items))
    .bind(i64::from(f.refresh_minutes))
    .bind(f.enabled)
    .bind(by)
    .bind(stored_instant(Timestamp::now()))
    .execute(db)
    .await?;
    Ok(())
}

/// Keeps the newest `max_items` items of `feed` (undated ones by when they were first
/// seen); returns how many were removed.
pub async fn prune_feed(
    db: &mut SqliteConnection,
    feed: &str,
    max_items: u32,
) -> Result<u32, sqlx::Error> {
    let dropped = sqlx::query(
        "DELETE FROM news_items WHERE feed_id = ?1 AND id NOT IN (
            SELECT id FROM news_items WHERE feed_id = ?1
            ORDER BY coalesce(published_at, created_at) DESC, id LIMIT ?2)",
    )
    .bind(feed)
    .bind(i64::from(max_items))
    .execute(db)
    .await?
    .rows_affected();
    Ok(u32::try_from(dropped).unwrap_or(u32::MAX))
}

/// Applies a feed's settings to the items it already has: its owner, how long they show
/// (`keep_days` after their date, or after they were first seen), how many are kept.
pub async fn apply_feed_settings(
    db: &mut SqliteConnection,
    f: &StoredFeed,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE news_items SET owner = ?2,
            valid_until = strftime('%Y-%m-%dT%H:%M:%SZ', coalesce(published_at, created_at),
                '+' || ?3 || ' days')
         WHERE feed_id = ?1",
    )
    .bind(&f.id)
    .bind(f.owner.as_ref().map(Insee::as_str))
    .bind(i64::from(f.keep_days))
    .execute(&mut *db)
    .await?;
    prune_feed(db, &f.id, f.max_items).await?;
    Ok(())
}

/// Removes a feed and its items; true when it existed.
pub async fn delete_feed(db: &mut SqliteConnection, id: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM news_feeds WHERE id = ?1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Records the outcome of a fetch on the feed: the attempt, and on success the validators
/// and the import instant; `error` replaces the last error (cleared on success).
pub async fn record_fetch(
    db: &mut SqliteConnection,
    feed: &str,
    validators: Option<(Option<String>, Option<String>)>,
    error: Option<&str>,
) -> Result<(), sqlx::Error> {
    crate::fetch::record_attempt(
        db,
        crate::record_attempt_sql!("news_feeds"),
        feed,
        validators,
        error,
    )
    .await
}

/// Stores an import's report, with the user who asked for it.
pub async fn record_import(
    db: &mut SqliteConnection,
    r: &ImportReport,
    user: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO news_imports (feed_id, at, trigger, user_id, not_modified, added, updated,
            unchanged, skipped, dropped, error)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )
    .bind(&r.feed)
    .bind(&r.at)
    .bind(&r.trigger)
    .bind(user)
    .bind(r.not_modified)
    .bind(i64::from(r.added))
    .bind(i64::from(r.updated))
    .bind(i64::from(r.unchanged))
    .bind(i64::from(r.skipped))
    .bind(i64::from(r.dropped))
    .bind(&r.error)
    .execute(&mut *db)
    .await?;
    // The latest reports are what the officer reads; a feed fetched every few minutes
    // must not grow the database for ever.
    sqlx::query(
        "DELETE FROM news_imports WHERE feed_id = ?1 AND id NOT IN (
            SELECT id FROM news_imports WHERE feed_id = ?1 ORDER BY id DESC LIMIT ?2)",
    )
    .bind(&r.feed)
    .bind(KEPT_REPORTS)
    .execute(db)
    .await?;
    Ok(())
}

/// Import reports kept per feed.
pub const KEPT_REPORTS: i64 = 200;

/// The latest `limit` import reports of `feed`, newest first.
pub async fn imports(
    db: &mut SqliteConnection,
    feed: &str,
    limit: u32,
) -> Result<Vec<ImportReport>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT i.*, u.username FROM news_imports i LEFT JOIN users u ON u.id = i.user_id
         WHERE i.feed_id = ?1 ORDER BY i.id DESC LIMIT ?2",
    )
    .bind(feed)
    .bind(i64::from(limit))
    .fetch_all(db)
    .await?;
    let count = |r: &SqliteRow, c: &str| -> Result<u32, sqlx::Error> {
        u32::try_from(r.try_get::<i64, _>(c)?).map_err(bad)
    };
    rows.iter()
        .map(|r| {
            Ok(ImportReport {
                feed: r.try_get("feed_id")?,
                at: r.try_get("at")?,
                trigger: r.try_get("trigger")?,
                user: r.try_get("username")?,
                not_modified: r.try_get::<i64, _>("not_modified")? != 0,
                added: count(r, "added")?,
                updated: count(r, "updated")?,
                unchanged: count(r, "unchanged")?,
                skipped: count(r, "skipped")?,
                dropped: count(r, "dropped")?,
                error: r.try_get("error")?,
            })
        })
        .collect()
}
