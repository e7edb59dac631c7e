//! The database: SQLite in the data folder, WAL, migrations embedded and run at start-up.
//!
//! `synchronous = FULL`: every commit is on disk before it is acknowledged. The officer's
//! writes are rare and small, and town halls lose power; losing the last publish to a power
//! cut would cost more than the milliseconds it saves.

use std::path::Path;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

/// File name of the database inside the data folder.
pub const DB_FILE: &str = "beffroi.sqlite";

/// Why the database could not be opened or queried.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// SQLite refused.
    #[error("database: {0}")]
    Sqlite(#[from] sqlx::Error),
    /// A migration failed.
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// Opens (creating if needed) the database of `data_dir`, runs the migrations and seeds the
/// communes of the territory.
pub async fn open(data_dir: &Path) -> Result<SqlitePool, DbError> {
    let options = SqliteConnectOptions::new()
        .filename(data_dir.join(DB_FILE))
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await?;
    sqlx::migrate!("./migrations").run(&pool).await?;
    seed_communes(&pool).await?;
    Ok(pool)
}

/// Inserts the communes of the territory that are not there yet (names and populations
/// follow the data file on every start).
async fn seed_communes(pool: &SqlitePool) -> Result<(), DbError> {
    let mut tx = pool.begin().await?;
    for c in crate::communes::territory() {
        sqlx::query(
            "INSERT INTO communes (insee, name, population) VALUES (?1, ?2, ?3)
             ON CONFLICT (insee) DO UPDATE SET name = excluded.name, population = excluded.population",
        )
        .bind(c.insee.as_str())
        .bind(&c.name)
        .bind(i64::from(c.population))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// A transaction that takes the write lock at once (`BEGIN IMMEDIATE`). A deferred
/// transaction that reads and then writes fails with "database is locked" when another
/// write committed in between (WAL snapshots cannot be upgraded); taking the lock first
/// makes it wait its turn under the busy timeout instead.
pub async fn begin_write(
    pool: &SqlitePool,
) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
    pool.begin_with("BEGIN IMMEDIATE").await
}

/// True when the database answers a query (for `/healthz`).
pub async fn ping(pool: &SqlitePool) -> Result<(), DbError> {
    sqlx::query("SELECT 1").execute(pool).await?;
    Ok(())
}

/// Reading and writing the columns that several tables share in form: JSON texts, RFC 3339
/// instants, owner communes.
pub(crate) mod cols {
    use beffroi_protocol::ids::Insee;
    use jiff::Timestamp;
    use serde::Serialize;
    use sqlx::Row;
    use sqlx::sqlite::SqliteRow;

    /// A column that does not hold what it should (named in `e`).
    pub(crate) fn bad(e: impl std::fmt::Display) -> sqlx::Error {
        sqlx::Error::Decode(e.to_string().into())
    }

    /// A JSON column read into `T`.
    pub(crate) fn json_col<T: serde::de::DeserializeOwned>(
        r: &SqliteRow,
        column: &str,
    ) -> Result<T, sqlx::Error> {
        let text: String = r.try_get(column)?;
        serde_json::from_str(&text).map_err(|e| bad(format!("{column}: {e}")))
    }

    /// An optional RFC 3339 instant.
    pub(crate) fn instant_col(
        r: &SqliteRow,
        column: &str,
    ) -> Result<Option<Timestamp>, sqlx::Error> {
        let text: Option<String> = r.try_get(column)?;
        text.map(|t| t.parse().map_err(|e| bad(format!("{column}: {e}"))))
            .transpose()
    }

    /// The `owner` column: a commune, or `None` for the intercommunality.
    pub(crate) fn owner_col(r: &SqliteRow) -> Result<Option<Insee>, sqlx::Error> {
        insee_col(r, "owner")
    }

    /// An optional INSEE code.
    pub(crate) fn insee_col(r: &SqliteRow, column: &str) -> Result<Option<Insee>, sqlx::Error> {
        let code: Option<String> = r.try_get(column)?;
        code.map(|o| o.parse().map_err(|e| bad(format!("{column}: {e}"))))
            .transpose()
    }

    /// `v` as the JSON text stored.
    pub(crate) fn json_text<T: Serialize>(v: &T) -> String {
        serde_json::to_string(v).unwrap_or_else(|_| "null".into())
    }
}
