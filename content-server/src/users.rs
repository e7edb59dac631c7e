//! Users: roles, commune scopes and Argon2id passwords.

use std::fmt;
use std::str::FromStr;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use beffroi_protocol::ids::Insee;
use sqlx::{Row, SqlitePool};

/// Shortest password accepted: long passphrases beat complexity rules.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Everything, including users and settings.
    Admin,
    /// Publishes drafts, everywhere.
    Approver,
    /// Edits the objects of their communes.
    Editor,
    /// Reads.
    Viewer,
}

impl Role {
    /// The name stored in the database and used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Approver => "approver",
            Role::Editor => "editor",
            Role::Viewer => "viewer",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "admin" => Ok(Role::Admin),
            "approver" => Ok(Role::Approver),
            "editor" => Ok(Role::Editor),
            "viewer" => Ok(Role::Viewer),
            _ => Err(format!(
                "\"{s}\" is not a role (admin, approver, editor, viewer)"
            )),
        }
    }
}

/// A user as stored, without the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Database id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Role.
    pub role: Role,
    /// Communes an editor works for.
    pub communes: Vec<Insee>,
}

impl User {
    /// Admins and approvers work for the whole territory; so does a viewer with no commune.
    pub fn whole_territory(&self) -> bool {
        match self.role {
            Role::Admin | Role::Approver => true,
            Role::Viewer => self.communes.is_empty(),
            Role::Editor => false,
        }
    }

    /// Whether the user may see an object owned by `owner` (`None`: the intercommunality).
    /// Shared objects are visible to everyone, since everyone may use them.
    pub fn sees(&self, owner: Option<&Insee>) -> bool {
        match owner {
            None => true,
            Some(c) => self.whole_territory() || self.communes.contains(c),
        }
    }

    /// Whether the user may create, change or delete an object owned by `owner`. Editors
    /// change only their communes' objects; shared ones are for admins and approvers.
    pub fn edits(&self, owner: Option<&Insee>) -> bool {
        match self.role {
            Role::Admin | Role::Approver => true,
            Role::Editor => owner.is_some_and(|c| self.communes.contains(c)),
            Role::Viewer => false,
        }
    }

    /// Whether the user may publish (editors only when the server lets them self-publish).
    pub fn publishes(&self, editors_self_publish: bool) -> bool {
        match self.role {
            Role::Admin | Role::Approver => true,
            Role::Editor => editors_self_publish,
            Role::Viewer => false,
        }
    }
}

/// A user to create.
#[derive(Clone)]
pub struct NewUser {
    /// Login name: letters, digits, `.`, `-`, `_`, `@`.
    pub username: String,
    /// The password, in clear, hashed before storage.
    pub password: String,
    /// Role.
    pub role: Role,
    /// Communes (required for editors).
    pub communes: Vec<Insee>,
}

// The password must never reach a log line.
impl fmt::Debug for NewUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewUser")
            .field("username", &self.username)
            .field("role", &self.role)
            .field("communes", &self.communes)
            .finish_non_exhaustive()
    }
}

/// Why a user could not be created or checked.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    /// The name is taken (names are compared without case).
    #[error("a user named \"{0}\" already exists")]
    Exists(String),
    /// The input breaks a rule; the message says which.
    #[error("{0}")]
    Invalid(String),
    /// The database.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    /// Hashing failed (out of memory).
    #[error("password hashing failed: {0}")]
    Hash(String),
}

/// Creates a user; returns its id.
pub async fn create(
    pool: &SqlitePool,
    user: &NewUser,
    now: jiff::Timestamp,
) -> Result<i64, UserError> {
    let name = user.username.trim();
    if name.is_empty()
        || name.len() > 64
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'))
    {
        return Err(UserError::Invalid(format!(
            "username \"{name}\": 1–64 letters, digits, '.', '-', '_' or '@'"
        )));
    }
    if user.password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(UserError::Invalid(format!(
            "the password must have at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    if user.role == Role::Editor && user.communes.is_empty() {
        return Err(UserError::Invalid(
            "an editor needs at least one commune (--commune INSEE)".into(),
        ));
    }
    let password = user.password.clone();
    let hash = off_runtime(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| UserError::Hash(e.to_string()))
    })
    .await??;
    let mut tx = crate::db::begin_write(pool).await?;
    for c in &user.communes {
        let known: Option<i64> = sqlx::query_scalar("SELECT 1 FROM communes WHERE insee = ?1")
            .bind(c.as_str())
            .fetch_optional(&mut *tx)
            .await?;
        if known.is_none() {
            return Err(UserError::Invalid(format!(
                "commune {c} is not a commune of the territory"
            )));
        }
    }
    let inserted = sqlx::query(
        "INSERT INTO users (username, password_hash, role, created_at) VALUES (?1, ?2, ?3, ?4)",
    )
    .bind(name)
    .bind(&hash)
    .bind(user.role.as_str())
    .bind(now.to_string())
    .execute(&mut *tx)
    .await;
    let id = match inserted {
        Ok(done) => done.last_insert_rowid(),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            return Err(UserError::Exists(name.to_owned()));
        }
        Err(e) => return Err(e.into()),
    };
    for c in &user.communes {
        sqlx::query("INSERT INTO user_communes (user_id, insee) VALUES (?1, ?2)")
            .bind(id)
            .bind(c.as_str())
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// The user `username` if `password` is theirs; `None` otherwise, whichever was wrong.
pub async fn verify_login(
    pool: &SqlitePool,
    username: &str,
    password: &str,
) -> Result<Option<User>, UserError> {
    let row =
        sqlx::query("SELECT id, username, password_hash, role FROM users WHERE username = ?1")
            .bind(username.trim())
            .fetch_optional(pool)
            .await?;
    let password = password.to_owned();
    let stored: Option<String> = row.as_ref().map(|r| r.get("password_hash"));
    // Argon2 takes tens of milliseconds of CPU: never on the async runtime's threads.
    let ok = off_runtime(move || match stored {
        Some(stored) => PasswordHash::new(&stored).is_ok_and(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        }),
        None => {
            // Hash anyway so that a wrong name costs as long as a wrong password.
            let _ = Argon2::default().hash_password(password.as_bytes());
            false
        }
    })
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    if !ok {
        return Ok(None);
    }
    load(pool, row.get("id")).await
}

/// Runs CPU-heavy `f` (password hashing) on the blocking pool.
async fn off_runtime<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, UserError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| UserError::Hash(format!("the hashing task failed: {e}")))
}

/// The user with id `id`, with their communes.
pub async fn load(pool: &SqlitePool, id: i64) -> Result<Option<User>, UserError> {
    let Some(row) = sqlx::query("SELECT id, username, role FROM users WHERE id = ?1")
        .bind(id)
        .fetch_optional(pool)
        .await?
    else {
        return Ok(None);
    };
    let role: String = row.get("role");
    let communes: Vec<String> =
        sqlx::query_scalar("SELECT insee FROM user_communes WHERE user_id = ?1 ORDER BY insee")
            .bind(id)
            .fetch_all(pool)
            .await?;
    Ok(Some(User {
        id,
        username: row.get("username"),
        role: role.parse().map_err(UserError::Invalid)?,
        communes: communes
            .into_iter()
            .filter_map(|c| c.parse().ok())
            .collect(),
    }))
}
