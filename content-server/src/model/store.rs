//! Reading and writing objects and media rows in the database.

use beffroi_protocol::ids::Insee;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

use super::Kind;
use super::snapshot::MediaInfo;

/// An object as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRow {
    /// Its kind.
    pub kind: Kind,
    /// Its id, unique per kind.
    pub id: String,
    /// The owning commune; `None` for the intercommunality.
    pub owner: Option<Insee>,
    /// Draft JSON; `None` when the draft deletes the object.
    pub draft: Option<String>,
    /// Published JSON; `None` before the first publish.
    pub published: Option<String>,
    /// Incremented by every change of the draft (optimistic concurrency).
    pub revision: i64,
    /// Shipped with the server (the layouts of `layouts/`); cannot be changed or deleted.
    pub builtin: bool,
    /// Last change of the draft.
    pub updated_at: String,
    /// Who made it.
    pub updated_by: Option<String>,
    /// Last publish of this object.
    pub published_at: Option<String>,
    /// Who published it.
    pub published_by: Option<String>,
}

impl ObjectRow {
    /// True when the draft differs from what is published.
    pub fn pending(&self) -> bool {
        self.draft != self.published
    }

    /// The name shown to the officer: the draft's, else the published one's, else the id.
    pub fn name(&self) -> String {
        [&self.draft, &self.published]
            .into_iter()
            .flatten()
            .find_map(|text| {
                serde_json::from_str::<serde_json::Value>(text)
                    .ok()?
                    .get("name")?
                    .as_str()
                    .filter(|n| !n.is_empty())
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| self.id.clone())
    }
}

/// The object query with the names of the users who changed and published it, followed by
/// `$tail` (a static string, as sqlx wants).
macro_rules! select {
    ($tail:literal) => {
        concat!(
            "SELECT o.kind, o.id, o.owner, o.draft, o.published, o.revision, o.builtin,\n        o.updated_at, u.username AS updated_by, o.published_at, p.username AS published_by\n    FROM objects o\n    LEFT JOIN users u ON u.id = o.updated_by\n    LEFT JOIN users p ON p.id = o.published_by ",
            $tail
        )
    };
}

fn row(r: &SqliteRow) -> Result<ObjectRow, sqlx::Error> {
    let kind: String = r.try_get("kind")?;
    let owner: Option<String> = r.try_get("owner")?;
    Ok(ObjectRow {
        kind: kind
            .parse()
            .map_err(|e: String| sqlx::Error::Decode(e.into()))?,
        id: r.try_get("id")?,
        owner: owner
            .map(|o| o.parse())
            .transpose()
            .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
        draft: r.try_get("draft")?,
        published: r.try_get("published")?,
        revision: r.try_get("revision")?,
        builtin: r.try_get::<i64, _>("builtin")? != 0,
        updated_at: r.try_get("updated_at")?,
        updated_by: r.try_get("updated_by")?,
        published_at: r.try_get("published_at")?,
        published_by: r.try_get("published_by")?,
    })
}

/// Every object, by kind then id.
pub async fn all(db: &mut SqliteConnection) -> Result<Vec<ObjectRow>, sqlx::Error> {
    let rows = sqlx::query(select!("ORDER BY o.kind, o.id"))
        .fetch_all(db)
        .await?;
    rows.iter().map(row).collect()
}

/// Every object of `kind`, by id.
pub async fn of_kind(db: &mut SqliteConnection, kind: Kind) -> Result<Vec<ObjectRow>, sqlx::Error> {
    let rows = sqlx::query(select!("WHERE o.kind = ?1 ORDER BY o.id"))
        .bind(kind.as_str())
        .fetch_all(db)
        .await?;
    rows.iter().map(row).collect()
}

/// One object.
pub async fn get(
    db: &mut SqliteConnection,
    kind: Kind,
    id: &str,
) -> Result<Option<ObjectRow>, sqlx::Error> {
    let r = sqlx::query(select!("WHERE o.kind = ?1 AND o.id = ?2"))
        .bind(kind.as_str())
        .bind(id)
        .fetch_optional(db)
        .await?;
    r.as_ref().map(row).transpose()
}

/// Writes the draft of an object, creating it when new; bumps the revision.
pub async fn save_draft(
    db: &mut SqliteConnection,
    kind: Kind,
    id: &str,
    owner: Option<&Insee>,
    draft: Option<&str>,
    user_id: Option<i64>,
    now: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO objects (kind, id, owner, draft, updated_at, updated_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (kind, id) DO UPDATE SET owner = excluded.owner, draft = excluded.draft,
            updated_at = excluded.updated_at, updated_by = excluded.updated_by,
            revision = objects.revision + 1",
    )
    .bind(kind.as_str())
    .bind(id)
    .bind(owner.map(Insee::as_str))
    .bind(draft)
    .bind(now)
    .bind(user_id)
    .execute(db)
    .await?;
    Ok(())
}

/// Removes an object outright (one never published, deleted in draft; or a published
/// deletion).
pub async fn remove(db: &mut SqliteConnection, kind: Kind, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM objects WHERE kind = ?1 AND id = ?2")
        .bind(kind.as_str())
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// The media library, one entry per original with all its owners.
pub async fn media(db: &mut SqliteConnection) -> Result<Vec<MediaInfo>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT sha256, owner, mime, size, width, height FROM media ORDER BY sha256, owner",
    )
    .fetch_all(db)
    .await?;
    let mut out: Vec<MediaInfo> = Vec::new();
    for r in rows {
        let sha: String = r.try_get("sha256")?;
        let sha = sha.parse().map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
        let owner: Option<String> = r.try_get("owner")?;
        let owner = owner
            .map(|o| o.parse())
            .transpose()
            .map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
        match out.last_mut() {
            Some(last) if last.sha256 == sha => last.owners.push(owner),
            _ => out.push(MediaInfo {
                sha256: sha,
                mime: r.try_get("mime")?,
                size: r.try_get::<i64, _>("size")? as u64,
                width: r.try_get::<i64, _>("width")? as u32,
                height: r.try_get::<i64, _>("height")? as u32,
                owners: vec![owner],
            }),
        }
    }
    Ok(out)
}
