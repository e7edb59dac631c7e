//! Importing a feed: fetched from its address (conditional GET with the validators of the
//! last fetch) or given as a file, read by [`super::feed`], and merged into the stored
//! items by entry identity, so that a re-import updates and never duplicates.
//!
//! A failed import (unreachable server, not a feed) changes no item: the feed's earlier
//! items stay on the screens, and the error is kept on the feed and in its report.

use std::time::Duration;

use beffroi_protocol::ids::Sha256;
use beffroi_protocol::text::{Lang, Text};
use jiff::{SignedDuration, Timestamp};
use sqlx::SqliteConnection;

use super::feed::{self, FeedItem};
use super::store::{self, ImportReport, StoredFeed, StoredItem};
use crate::alerts::stored_instant;
use crate::api::error::{ApiError, ApiResult};
use crate::fetch::{self, Fetched};
use crate::server::AppState;

pub use super::feed::MAX_FEED_BYTES;

/// What started an import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// The feed's refresh interval elapsed.
    Schedule,
    /// Someone asked for a fetch now.
    Manual,
    /// Someone uploaded the feed as a file.
    File,
}

impl Trigger {
    /// As stored in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Schedule => "schedule",
            Trigger::Manual => "manual",
            Trigger::File => "file",
        }
    }
}

/// The most pictures fetched per feed and round (the others at the next ones).
const PICTURES_PER_IMPORT: i64 = 20;

/// How long a round spends on one feed's pictures at most.
const PICTURES_TIME: Duration = Duration::from_secs(60);

/// Fetches the pictures the feed's entries name and that were not tried yet: each is
/// checked like an upload (type, size, complete decode) and becomes the item's picture. A
/// picture that cannot be fetched or read is logged and not tried again until its address
/// changes. Returns whether an item got a picture. The schedule calls it, so that an import
/// never waits for pictures.
pub(super) async fn fetch_pictures(state: &AppState, feed: &str) -> ApiResult<bool> {
    let wanted: Vec<(String, String)> = sqlx::query_as(
        "SELECT id, image_url FROM news_items WHERE feed_id = ?1 AND image_url IS NOT NULL
            AND image_tried IS NOT image_url ORDER BY published_at DESC LIMIT ?2",
    )
    .bind(feed)
    .bind(PICTURES_PER_IMPORT)
    .fetch_all(&state.db)
    .await?;
    let mut got = false;
    let started = std::time::Instant::now();
    for (id, url) in wanted {
        // A feed of slow pictures must not hold the schedule: the rest at the next round.
        if started.elapsed() > PICTURES_TIME {
            break;
        }
        let picture = match fetch::picture(state, &url).await {
            Ok(sha) => {
                got = true;
                Some(sha)
            }
            Err(e) => {
                tracing::warn!("news feed {feed}: no picture for {id}: {e}");
                None
            }
        };
        sqlx::query(
            "UPDATE news_items SET image = coalesce(?3, image), image_tried = ?2 WHERE id = ?1",
        )
        .bind(&id)
        .bind(&url)
        .bind(picture.as_ref().map(Sha256::as_str))
        .execute(&state.db)
        .await?;
    }
    Ok(got)
}

/// Imports feed `feed_id` (from `file` when given, else from its address), records the
/// report, and refreshes the news data set when items changed. The report is returned
/// whether the import worked or not; `Err` is kept for a missing feed or a storage failure.
pub async fn run(
    state: &AppState,
    feed_id: &str,
    trigger: Trigger,
    file: Option<Vec<u8>>,
    user: Option<i64>,
) -> ApiResult<ImportReport> {
    let mut conn = state.db.acquire().await?;
    let f = store::feed(&mut conn, feed_id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no news feed \"{feed_id}\"")))?;
    drop(conn);
    let mut report = ImportReport {
        feed: f.id.clone(),
        at: stored_instant(Timestamp::now()),
        trigger: trigger.as_str().into(),
        ..ImportReport::default()
    };
    let fetched = match (file, f.url.as_deref()) {
        (Some(bytes), _) => Ok((bytes, None, None)),
        (None, Some(url)) => match fetch::conditional(fetch::Request {
            url,
            accept: "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5",
            etag: f.etag.as_deref(),
            last_modified: f.last_modified.as_deref(),
            limit: MAX_FEED_BYTES,
            what: "a news feed",
        })
        .await
        {
            Ok(Fetched::NotModified) => {
                report.not_modified = true;
                Err(None)
            }
            Ok(Fetched::Body {
                bytes,
                etag,
                last_modified,
            }) => Ok((bytes, Some(url.to_owned()), Some((etag, last_modified)))),
            Err(e) => Err(Some(e)),
        },
        (None, None) => Err(Some(format!(
            "feed \"{}\" has no address: its items come from uploaded files",
            f.id
        ))),
    };
    let mut tx = crate::db::begin_write(&state.db).await?;
    let changed = match fetched {
        Err(error) => {
            report.error = error;
            store::record_fetch(&mut tx, &f.id, None, report.error.as_deref()).await?;
            false
        }
        Ok((bytes, url, validators)) => {
            let base = url.as_deref().and_then(|u| url::Url::parse(u).ok());
            match feed::parse(&bytes, base.as_ref()) {
                Err(e) => {
                    report.error = Some(e.to_string());
                    store::record_fetch(&mut tx, &f.id, None, report.error.as_deref()).await?;
                    false
                }
                Ok(parsed) => {
                    report.skipped = u32::try_from(parsed.skipped).unwrap_or(u32::MAX);
                    merge(&mut tx, &f, &parsed.feed.items, &mut report).await?;
                    store::record_fetch(&mut tx, &f.id, Some(validators.unwrap_or_default()), None)
                        .await?;
                    report.added + report.updated + report.dropped > 0
                }
            }
        }
    };
    store::record_import(&mut tx, &report, user).await?;
    tx.commit().await?;
    match &report.error {
        Some(e) => tracing::warn!("news feed {}: import failed: {e}", f.id),
        None => tracing::info!(
            "news feed {}: {} added, {} updated, {} unchanged, {} dropped{}",
            f.id,
            report.added,
            report.updated,
            report.unchanged,
            report.dropped,
            if report.not_modified {
                " (not modified)"
            } else {
                ""
            }
        ),
    }
    if changed {
        super::refresh::refresh(state, user).await?;
    }
    Ok(report)
}

/// The id of the item standing for entry `key` of feed `feed` (also used for the events of
/// an agenda source): the feed's id and 12 hex digits of the key's hash.
pub fn item_id(feed: &str, key: &str) -> String {
    let hash = Sha256::of(key.as_bytes());
    format!("{feed}-{}", &hash.as_str()[..12])
}

/// Merges the entries into the feed's stored items (by identity), then keeps only its
/// `max_items` newest.
async fn merge(
    tx: &mut SqliteConnection,
    f: &StoredFeed,
    entries: &[FeedItem],
    report: &mut ImportReport,
) -> ApiResult<()> {
    let now = Timestamp::now();
    let known = store::feed_items(tx, &f.id).await?;
    let lang: Lang = f.lang.parse().unwrap_or_else(|_| Lang::fr());
    // Only the feed's newest `max_items` entries (undated ones in the feed's order, after
    // the dated): importing more only to prune them would make every import a change.
    let mut entries: Vec<&FeedItem> = entries.iter().collect();
    entries.sort_by_key(|e| std::cmp::Reverse(e.published_at));
    entries.truncate(usize::try_from(f.max_items).unwrap_or(usize::MAX));
    let mut seen = std::collections::BTreeSet::new();
    for e in entries {
        let id = item_id(&f.id, &e.key);
        // A feed listing an entry twice: the first wins.
        if !seen.insert(id.clone()) {
            continue;
        }
        let old = known.iter().find(|k| k.id == id);
        let dated = e
            .published_at
            .map(second)
            .or(old.and_then(|o| o.published_at));
        let first_seen = old
            .and_then(|o| o.created_at.parse::<Timestamp>().ok())
            .unwrap_or_else(|| second(now));
        let valid_until =
            dated.unwrap_or(first_seen) + SignedDuration::from_hours(24 * i64::from(f.keep_days));
        let text = |s: &str| {
            if s.is_empty() {
                Text::default()
            } else {
                Text::default().with(lang.clone(), s)
            }
        };
        let item = StoredItem {
            id: id.clone(),
            feed: Some(f.id.clone()),
            source_key: Some(e.key.clone()),
            owner: f.owner.clone(),
            title: text(&e.title),
            text: text(&e.text),
            // The picture already fetched stays while the entry names the same one.
            image: old
                .filter(|o| o.image_url == e.image)
                .and_then(|o| o.image.clone()),
            image_url: e.image.clone(),
            link: e.link.clone(),
            valid_from: None,
            valid_until: Some(valid_until),
            communes: Vec::new(),
            published_at: dated,
            hidden: old.is_some_and(|o| o.hidden),
            // A feed is set up by someone allowed to publish: its entries need no approval.
            approved_at: Some(
                old.and_then(|o| o.approved_at.clone())
                    .unwrap_or_else(|| stored_instant(now)),
            ),
            approved_by: None,
            created_by: None,
            created_at: String::new(),
            updated_by: None,
            updated_at: String::new(),
        };
        match old {
            None => report.added += 1,
            Some(o) if same_content(o, &item) => {
                report.unchanged += 1;
                continue;
            }
            Some(_) => report.updated += 1,
        }
        store::save_item(tx, &item, None, None).await?;
    }
    report.dropped = store::prune_feed(tx, &f.id, f.max_items).await?;
    Ok(())
}

/// `t` to the second, as stored, so that a re-import compares equal.
fn second(t: Timestamp) -> Timestamp {
    Timestamp::from_second(t.as_second()).unwrap_or(t)
}

/// Whether a re-imported entry brings nothing new.
fn same_content(old: &StoredItem, new: &StoredItem) -> bool {
    old.title == new.title
        && old.text == new.text
        && old.link == new.link
        && old.image_url == new.image_url
        && old.published_at == new.published_at
        && old.valid_until == new.valid_until
}
