//! The agenda as the server keeps it: events (table `events`), their sources
//! (`event_sources`) and the reports of their imports (`event_imports`).

use beffroi_agenda::SourceEvent;
use beffroi_protocol::data::events::EventCategory;
use beffroi_protocol::ids::{Insee, Sha256};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};
use utoipa::ToSchema;

use crate::alerts::stored_instant;
use crate::db::cols::{bad, insee_col, json_col, json_text, owner_col};

/// An event as stored.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct StoredEvent {
    /// Id, unique among events.
    pub id: String,
    /// The source it was imported from; `None`: written by the officer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Its id in that source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_key: Option<String>,
    /// The commune it belongs to; `None`: the intercommunality.
    #[schema(value_type = Option<String>)]
    pub owner: Option<Insee>,
    /// The event as written: texts, place, category, status, link, timing.
    #[schema(value_type = Object)]
    pub record: SourceEvent,
    /// Where it takes place; `None`: the whole territory (the officer's) or outside it (an
    /// imported one, then off the screens).
    #[schema(value_type = Option<String>)]
    pub commune: Option<Insee>,
    /// Its picture (an uploaded media's original, or the one its source names, fetched).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub image: Option<Sha256>,
    /// Withdrawn by the officer.
    pub hidden: bool,
    /// No longer in its source since the import of that instant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removed_at: Option<String>,
    /// When it was approved; `None`: waiting for an approver.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approved_at: Option<String>,
    /// Who approved it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    /// Who wrote it (none for an imported event).
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

impl StoredEvent {
    /// Whether it goes to the screens: approved, not withdrawn, still in its source, and for
    /// an imported one, in a commune of the territory.
    pub fn live(&self) -> bool {
        self.approved_at.is_some()
            && !self.hidden
            && self.removed_at.is_none()
            && (self.source.is_none() || self.commune.is_some())
    }
}

/// The formats a source may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// iCalendar (`.ics`): a commune's or an association's calendar.
    Ical,
    /// OpenAgenda's JSON.
    OpenAgenda,
    /// DATAtourisme JSON-LD.
    Datatourisme,
    /// Apidae objects (JSON, or an export ZIP).
    Apidae,
}

impl Format {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ical => "ical",
            Self::OpenAgenda => "openagenda",
            Self::Datatourisme => "datatourisme",
            Self::Apidae => "apidae",
        }
    }

    fn parse(s: &str) -> Result<Self, sqlx::Error> {
        match s {
            "ical" => Ok(Self::Ical),
            "openagenda" => Ok(Self::OpenAgenda),
            "datatourisme" => Ok(Self::Datatourisme),
            "apidae" => Ok(Self::Apidae),
            other => Err(bad(format!("format: unknown \"{other}\""))),
        }
    }
}

/// A source as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct StoredSource {
    /// Id.
    pub id: String,
    /// Name ("Agenda de l'office de tourisme").
    pub name: String,
    /// What it holds.
    pub format: Format,
    /// Fetched from there on a schedule; `None`: fed by uploaded files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The commune it belongs to; `None`: the intercommunality.
    #[schema(value_type = Option<String>)]
    pub owner: Option<Insee>,
    /// The commune of its events whose place names none of the territory; `None`: those
    /// stay off the screens.
    #[schema(value_type = Option<String>)]
    pub commune: Option<Insee>,
    /// IANA time zone of its floating times.
    pub zone: String,
    /// The category of events its data says nothing usable about; `None`: guessed.
    #[schema(value_type = Option<String>)]
    pub category: Option<EventCategory>,
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

/// What an import did to one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Seen for the first time.
    Added,
    /// Known, and changed.
    Updated,
    /// Now cancelled (wholly, or one of its dates).
    Cancelled,
    /// No longer in the source: off the screens.
    Removed,
    /// Could not be read; what was stored for it stays.
    Error,
}

/// One line of an import report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReportLine {
    /// The item's id in the source, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Its title, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// What happened.
    pub outcome: Outcome,
    /// Why (errors), or what changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The report of one import.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct ImportReport {
    /// The source.
    pub source: String,
    /// When.
    pub at: String,
    /// `schedule`, `manual` or `file`.
    pub trigger: String,
    /// Who asked (none for the schedule).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The server answered 304: nothing new since the last fetch.
    pub not_modified: bool,
    /// Events seen for the first time.
    pub added: u32,
    /// Events already known that changed.
    pub updated: u32,
    /// Events already known, unchanged.
    pub unchanged: u32,
    /// Events now cancelled (wholly or one date).
    pub cancelled: u32,
    /// Events no longer in the source.
    pub removed: u32,
    /// Items that could not be read.
    pub failed: u32,
    /// Why the whole import failed; the source's earlier events stay.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// One line per item added, updated, cancelled, removed or failed (at most
    /// [`MAX_REPORT_LINES`]).
    pub items: Vec<ReportLine>,
}

/// Lines kept per report: enough to find what went wrong in a large import.
pub const MAX_REPORT_LINES: usize = 500;

/// The event query with the names of the users concerned, followed by `$tail`.
macro_rules! select_events {
    ($tail:literal) => {
        concat!(
            "SELECT e.*, c.username AS creator, u.username AS updater,
                a.username AS approver
            FROM events e
            LEFT JOIN users c ON c.id = e.created_by
            LEFT JOIN users u ON u.id = e.updated_by
            LEFT JOIN users a ON a.id = e.approved_by ",
            $tail
        )
    };
}

fn decode_event(r: &SqliteRow) -> Result<StoredEvent, sqlx::Error> {
    let image: Option<String> = r.try_get("image")?;
    Ok(StoredEvent {
        id: r.try_get("id")?,
        source: r.try_get("source")?,
        source_key: r.try_get("source_key")?,
        owner: owner_col(r)?,
        record: json_col(r, "record")?,
        commune: insee_col(r, "commune")?,
        image: image
            .map(|i| i.parse().map_err(|e| bad(format!("image: {e}"))))
            .transpose()?,
        hidden: r.try_get::<i64, _>("hidden")? != 0,
        removed_at: r.try_get("removed_at")?,
        approved_at: r.try_get("approved_at")?,
        approved_by: r.try_get("approver")?,
        created_by: r.try_get("creator")?,
        created_at: r.try_get("created_at")?,
        updated_by: r.try_get("updater")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// Every event, by id.
pub async fn events(db: &mut SqliteConnection) -> Result<Vec<StoredEvent>, sqlx::Error> {
    let rows = sqlx::query(select_events!("ORDER BY e.id"))
        .fetch_all(db)
        .await?;
    rows.iter().map(decode_event).collect()
}

/// One event.
pub async fn event(
    db: &mut SqliteConnection,
    id: &str,
) -> Result<Option<StoredEvent>, sqlx::Error> {
    let r = sqlx::query(select_events!("WHERE e.id = ?1"))
        .bind(id)
        .fetch_optional(db)
        .await?;
    r.as_ref().map(decode_event).transpose()
}

/// The events of source `source`, by id.
pub async fn source_events(
    db: &mut SqliteConnection,
    source: &str,
) -> Result<Vec<StoredEvent>, sqlx::Error> {
    let rows = sqlx::query(select_events!("WHERE e.source = ?1 ORDER BY e.id"))
        .bind(source)
        .fetch_all(db)
        .await?;
    rows.iter().map(decode_event).collect()
}

/// Writes `e` (inserted, or replacing the row with its id, which must come from the same
/// source). `by`: the user making the change (`None`: an import); `approved_by`: who
/// approves it, when it is approved now.
pub async fn save_event(
    db: &mut SqliteConnection,
    e: &StoredEvent,
    by: Option<i64>,
    approved_by: Option<i64>,
) -> Result<(), sqlx::Error> {
    let now = stored_instant(Timestamp::now());
    sqlx::query(
        "INSERT INTO events (id, source, source_key, owner, record, commune, image, hidden,
            removed_at, approved_at, approved_by, created_by, created_at, updated_by, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?12, ?13)
         ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, record = excluded.record,
            commune = excluded.commune, image = excluded.image, hidden = excluded.hidden,
            removed_at = excluded.removed_at, approved_at = excluded.approved_at,
            approved_by = CASE WHEN excluded.approved_at IS NULL THEN NULL
                ELSE coalesce(excluded.approved_by, events.approved_by) END,
            updated_by = excluded.updated_by, updated_at = excluded.updated_at
         WHERE events.source IS excluded.source",
    )
    .bind(&e.id)
    .bind(&e.source)
    .bind(&e.source_key)
    .bind(e.owner.as_ref().map(Insee::as_str))
    .bind(json_text(&e.record))
    .bind(e.commune.as_ref().map(Insee::as_str))
    .bind(e.image.as_ref().map(Sha256::as_str))
    .bind(e.hidden)
    .bind(&e.removed_at)
    .bind(&e.approved_at)
    .bind(approved_by)
    .bind(by)
    .bind(&now)
    .execute(db)
    .await?;
    Ok(())
}

/// Marks the events of `source` not in `kept` as removed from it at `at` (those already
/// marked keep their instant); returns the ids newly marked.
pub async fn mark_removed(
    db: &mut SqliteConnection,
    source: &str,
    kept: &[String],
    at: &str,
) -> Result<Vec<String>, sqlx::Error> {
    let ids: Vec<(String,)> = sqlx::query_as(
        "UPDATE events SET removed_at = ?3, updated_at = ?3
         WHERE source = ?1 AND removed_at IS NULL
            AND id NOT IN (SELECT value FROM json_each(?2))
         RETURNING id",
    )
    .bind(source)
    .bind(json_text(&kept))
    .bind(at)
    .fetch_all(db)
    .await?;
    Ok(ids.into_iter().map(|(id,)| id).collect())
}

/// Removes an event; true when it existed.
pub async fn delete_event(db: &mut SqliteConnection, id: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM events WHERE id = ?1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// The source query with its creator's name, followed by `$tail`.
macro_rules! select_sources {
    ($tail:literal) => {
        concat!(
            "SELECT s.*, c.username AS creator FROM event_sources s
            LEFT JOIN users c ON c.id = s.created_by ",
            $tail
        )
    };
}

fn decode_source(r: &SqliteRow) -> Result<StoredSource, sqlx::Error> {
    let category: Option<String> = r.try_get("category")?;
    Ok(StoredSource {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        format: Format::parse(&r.try_get::<String, _>("format")?)?,
        url: r.try_get("url")?,
        owner: owner_col(r)?,
        commune: insee_col(r, "commune")?,
        zone: r.try_get("zone")?,
        category: category
            .map(|c| serde_json::from_value(serde_json::Value::String(c)).map_err(bad))
            .transpose()?,
        refresh_minutes: u32::try_from(r.try_get::<i64, _>("refresh_minutes")?).map_err(bad)?,
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

/// Every source, by id.
pub async fn sources(db: &mut SqliteConnection) -> Result<Vec<StoredSource>, sqlx::Error> {
    let rows = sqlx::query(select_sources!("ORDER BY s.id"))
        .fetch_all(db)
        .await?;
    rows.iter().map(decode_source).collect()
}

/// One source.
pub async fn source(
    db: &mut SqliteConnection,
    id: &str,
) -> Result<Option<StoredSource>, sqlx::Error> {
    let r = sqlx::query(select_sources!("WHERE s.id = ?1"))
        .bind(id)
        .fetch_optional(db)
        .await?;
    r.as_ref().map(decode_source).transpose()
}

/// The category as stored (its serde name).
fn category_text(c: EventCategory) -> String {
    match serde_json::to_value(c) {
        Ok(serde_json::Value::String(s)) => s,
        _ => "other".into(),
    }
}

/// Writes a source's settings (inserted, or updated). The validators and the last attempt
/// are forgotten: any setting may change what the source's events become (zone, default
/// commune, category), so the next round fetches and merges it whole.
pub async fn save_source(
    db: &mut SqliteConnection,
    s: &StoredSource,
    by: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO event_sources (id, name, format, url, owner, commune, zone, category,
            refresh_minutes, enabled, created_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, owner = excluded.owner,
            commune = excluded.commune, zone = excluded.zone, category = excluded.category,
            refresh_minutes = excluded.refresh_minutes, enabled = excluded.enabled,
            etag = NULL, last_modified = NULL, checked_at = NULL,
            url = excluded.url, format = excluded.format",
    )
    .bind(&s.id)
    .bind(&s.name)
    .bind(s.format.as_str())
    .bind(&s.url)
    .bind(s.owner.as_ref().map(Insee::as_str))
    .bind(s.commune.as_ref().map(Insee::as_str))
    .bind(&s.zone)
    .bind(s.category.map(category_text))
    .bind(i64::from(s.refresh_minutes))
    .bind(s.enabled)
    .bind(by)
    .bind(stored_instant(Timestamp::now()))
    .execute(db)
    .await?;
    Ok(())
}

/// Sets where an imported event belongs and shows (after its source's settings changed).
pub async fn set_placement(
    db: &mut SqliteConnection,
    id: &str,
    owner: Option<&Insee>,
    commune: Option<&Insee>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE events SET owner = ?2, commune = ?3 WHERE id = ?1")
        .bind(id)
        .bind(owner.map(Insee::as_str))
        .bind(commune.map(Insee::as_str))
        .execute(db)
        .await?;
    Ok(())
}

/// Removes a source and its events; true when it existed.
pub async fn delete_source(db: &mut SqliteConnection, id: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM event_sources WHERE id = ?1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Records the outcome of a fetch on the source: the attempt, and on success the
/// validators and the import instant; `error` replaces the last error (cleared on success).
pub async fn record_fetch(
    db: &mut SqliteConnection,
    source: &str,
    validators: Option<(Option<String>, Option<String>)>,
    error: Option<&str>,
) -> Result<(), sqlx::Error> {
    crate::fetch::record_attempt(
        db,
        crate::record_attempt_sql!("event_sources"),
        source,
        validators,
        error,
    )
    .await
}

/// Import reports kept per source.
pub const KEPT_REPORTS: i64 = 100;

/// Stores an import's report, with the user who asked for it.
pub async fn record_import(
    db: &mut SqliteConnection,
    r: &ImportReport,
    user: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO event_imports (source, at, trigger, user_id, not_modified, added, updated,
            unchanged, cancelled, removed, failed, error, items)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )
    .bind(&r.source)
    .bind(&r.at)
    .bind(&r.trigger)
    .bind(user)
    .bind(r.not_modified)
    .bind(i64::from(r.added))
    .bind(i64::from(r.updated))
    .bind(i64::from(r.unchanged))
    .bind(i64::from(r.cancelled))
    .bind(i64::from(r.removed))
    .bind(i64::from(r.failed))
    .bind(&r.error)
    .bind(json_text(&r.items))
    .execute(&mut *db)
    .await?;
    // The latest reports are what the officer reads; a source fetched every few minutes
    // must not grow the database for ever.
    sqlx::query(
        "DELETE FROM event_imports WHERE source = ?1 AND id NOT IN (
            SELECT id FROM event_imports WHERE source = ?1 ORDER BY id DESC LIMIT ?2)",
    )
    .bind(&r.source)
    .bind(KEPT_REPORTS)
    .execute(db)
    .await?;
    Ok(())
}

/// The latest `limit` import reports of `source`, newest first.
pub async fn imports(
    db: &mut SqliteConnection,
    source: &str,
    limit: u32,
) -> Result<Vec<ImportReport>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT i.*, u.username FROM event_imports i LEFT JOIN users u ON u.id = i.user_id
         WHERE i.source = ?1 ORDER BY i.id DESC LIMIT ?2",
    )
    .bind(source)
    .bind(i64::from(limit))
    .fetch_all(db)
    .await?;
    let count = |r: &SqliteRow, c: &str| -> Result<u32, sqlx::Error> {
        u32::try_from(r.try_get::<i64, _>(c)?).map_err(bad)
    };
    rows.iter()
        .map(|r| {
            Ok(ImportReport {
                source: r.try_get("source")?,
                at: r.try_get("at")?,
                trigger: r.try_get("trigger")?,
                user: r.try_get("username")?,
                not_modified: r.try_get::<i64, _>("not_modified")? != 0,
                added: count(r, "added")?,
                updated: count(r, "updated")?,
                unchanged: count(r, "unchanged")?,
                cancelled: count(r, "cancelled")?,
                removed: count(r, "removed")?,
                failed: count(r, "failed")?,
                error: r.try_get("error")?,
                items: json_col(r, "items")?,
            })
        })
        .collect()
}

/// The events with a picture address not tried yet: (id, address), soonest updated first.
pub async fn pictures_wanted(
    db: &mut SqliteConnection,
    source: &str,
    limit: i64,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, json_extract(record, '$.image_url') AS url FROM events
         WHERE source = ?1 AND removed_at IS NULL AND url IS NOT NULL
            AND image_tried IS NOT url
         ORDER BY updated_at DESC LIMIT ?2",
    )
    .bind(source)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Records the picture fetched for an event (or, `None`, that `url` gave none).
pub async fn record_picture(
    db: &mut SqliteConnection,
    id: &str,
    url: &str,
    picture: Option<&Sha256>,
) -> Result<(), sqlx::Error> {
    // Only while the event still names that address (an import may have changed it since).
    sqlx::query(
        "UPDATE events SET image = coalesce(?3, image), image_tried = ?2
         WHERE id = ?1 AND json_extract(record, '$.image_url') IS ?2",
    )
    .bind(id)
    .bind(url)
    .bind(picture.map(Sha256::as_str))
    .execute(db)
    .await?;
    Ok(())
}
