//! Emergency alerts as the server keeps them: the protocol [`Alert`] with its target and
//! provenance (table `alerts`, history in `alert_log`), which screens a target reaches (every
//! screen, or by screen, commune or group), and the alerts each screen's manifest carries.
//!
//! Alerts bypass drafts and publishing: a change is stored, pushed at once and written into
//! the manifests of the screens concerned (see `publish::refresh_for_alert`). A manifest
//! carries every alert that reaches its screen and has not expired, cancelled ones included
//! as tombstones until they expire, so that a player that missed the push learns of the
//! change at its next poll.
//!
//! A screen an alert no longer reaches (its target was edited) keeps it in its manifest as
//! a tombstone, at the alert's current revision, until it expires: the screen's player may
//! hold the alert, and only a higher revision marked cancelled makes it stop. Which screens
//! held it is read from their stored manifests, the only way a player learns of an alert
//! besides a push sent with the same manifest.

use std::collections::BTreeSet;

use beffroi_protocol::alert::{Alert, Severity};
use beffroi_protocol::ids::Insee;
use beffroi_protocol::text::Text;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};
use utoipa::ToSchema;

use crate::model::body::ScreenBody;
use crate::model::snapshot::{Owned, Snapshot};

/// How far ahead an alert may end: none outlives a week without someone renewing it.
pub const MAX_AHEAD: jiff::SignedDuration = jiff::SignedDuration::from_hours(7 * 24);

/// Which screens an alert is for: every screen, or the screens listed, those of the
/// communes listed (a screen is a commune's when the commune owns it or it stands there) and
/// those in the groups listed (a screen is in the groups its published body names).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// Every screen of the territory (administrators and approvers).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub all: bool,
    /// Every screen owned by or standing in these communes (INSEE codes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<String>, example = json!(["62364"]))]
    pub communes: Vec<Insee>,
    /// Every screen in these groups (group ids).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(example = json!(["mairies"]))]
    pub groups: Vec<String>,
    /// These screens (ids).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub screens: Vec<String>,
}

impl Target {
    /// Whether it reaches screen `id` as `screen` describes it (its owner, where it stands,
    /// its groups).
    pub fn reaches(&self, id: &str, screen: &Owned<ScreenBody>) -> bool {
        let owner = screen.owner.as_ref();
        self.all
            || self.screens.iter().any(|s| s == id)
            || self
                .communes
                .iter()
                .any(|c| *c == screen.body.commune || Some(c) == owner)
            || self.groups.iter().any(|g| screen.body.groups.contains(g))
    }

    /// The screens of `s` it reaches, by id.
    pub fn screens_in(&self, s: &Snapshot) -> BTreeSet<String> {
        s.screens
            .iter()
            .filter(|(id, sc)| self.reaches(id, sc))
            .map(|(id, _)| id.clone())
            .collect()
    }
}

/// An alert as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAlert {
    /// What players get (on the screens the target reaches).
    pub alert: Alert,
    /// Which screens it is for.
    pub target: Target,
    /// Who raised it (user name; `None` once the user is deleted).
    pub created_by: Option<String>,
    /// When.
    pub created_at: String,
    /// Who changed it last.
    pub updated_by: Option<String>,
    /// When.
    pub updated_at: String,
}

/// The name stored for a severity.
pub fn severity_str(s: Severity) -> &'static str {
    match s {
        Severity::Info => "info",
        Severity::Warning => "warning",
        Severity::Critical => "critical",
    }
}

/// The severity named `s`.
pub fn parse_severity(s: &str) -> Option<Severity> {
    match s {
        "info" => Some(Severity::Info),
        "warning" => Some(Severity::Warning),
        "critical" => Some(Severity::Critical),
        _ => None,
    }
}

/// The alert query with the names of the users who raised and changed it, followed by
/// `$tail` (a static string, as sqlx wants).
macro_rules! select {
    ($tail:literal) => {
        concat!(
            "SELECT a.id, a.revision, a.severity, a.title, a.message, a.starts_at,
                a.expires_at, a.cancelled, a.target, c.username AS created_by, a.created_at,
                u.username AS updated_by, a.updated_at
            FROM alerts a
            LEFT JOIN users c ON c.id = a.created_by
            LEFT JOIN users u ON u.id = a.updated_by ",
            $tail
        )
    };
}

fn decode(r: &SqliteRow) -> Result<StoredAlert, sqlx::Error> {
    let bad = |e: String| sqlx::Error::Decode(e.into());
    let json = |column: &str| -> Result<serde_json::Value, sqlx::Error> {
        let text: String = r.try_get(column)?;
        serde_json::from_str(&text).map_err(|e| bad(format!("alerts.{column}: {e}")))
    };
    let instant = |column: &str| -> Result<Timestamp, sqlx::Error> {
        let text: String = r.try_get(column)?;
        text.parse()
            .map_err(|e| bad(format!("alerts.{column}: {e}")))
    };
    let severity: String = r.try_get("severity")?;
    let text = |column: &str| -> Result<Text, sqlx::Error> {
        serde_json::from_value(json(column)?).map_err(|e| bad(format!("alerts.{column}: {e}")))
    };
    Ok(StoredAlert {
        alert: Alert {
            id: r.try_get("id")?,
            revision: u32::try_from(r.try_get::<i64, _>("revision")?)
                .map_err(|e| bad(format!("alerts.revision: {e}")))?,
            severity: parse_severity(&severity)
                .ok_or_else(|| bad(format!("alerts.severity: \"{severity}\"")))?,
            title: text("title")?,
            message: text("message")?,
            starts_at: instant("starts_at")?,
            expires_at: instant("expires_at")?,
            cancelled: r.try_get::<i64, _>("cancelled")? != 0,
        },
        target: serde_json::from_value(json("target")?)
            .map_err(|e| bad(format!("alerts.target: {e}")))?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        updated_by: r.try_get("updated_by")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// Instants as stored: RFC 3339 in UTC, to the second, so that they compare as strings.
pub fn stored_instant(t: Timestamp) -> String {
    Timestamp::from_second(t.as_second())
        .unwrap_or(t)
        .to_string()
}

/// One alert.
pub async fn load(db: &mut SqliteConnection, id: &str) -> Result<Option<StoredAlert>, sqlx::Error> {
    let r = sqlx::query(select!("WHERE a.id = ?1"))
        .bind(id)
        .fetch_optional(db)
        .await?;
    r.as_ref().map(decode).transpose()
}

/// The alerts that have not expired at `now`, by id: what manifests carry.
pub async fn live(
    db: &mut SqliteConnection,
    now: Timestamp,
) -> Result<Vec<StoredAlert>, sqlx::Error> {
    let rows = sqlx::query(select!("WHERE a.expires_at > ?1 ORDER BY a.id"))
        .bind(stored_instant(now))
        .fetch_all(db)
        .await?;
    rows.iter().map(decode).collect()
}

/// Every alert, the latest to start first (expired ones only when `expired`).
pub async fn list(
    db: &mut SqliteConnection,
    now: Timestamp,
    expired: bool,
) -> Result<Vec<StoredAlert>, sqlx::Error> {
    let rows = sqlx::query(select!(
        "WHERE ?2 OR a.expires_at > ?1 ORDER BY a.starts_at DESC, a.id"
    ))
    .bind(stored_instant(now))
    .bind(expired)
    .fetch_all(db)
    .await?;
    rows.iter().map(decode).collect()
}

/// Inserts or replaces an alert (the caller bumps the revision) and records the change in
/// `alert_log` (`action`: raised, edited or cancelled).
pub async fn save(
    db: &mut SqliteConnection,
    a: &StoredAlert,
    action: &str,
    user_id: i64,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    let now = stored_instant(now);
    let al = &a.alert;
    sqlx::query(
        "INSERT INTO alerts (id, revision, severity, title, message, starts_at, expires_at,
            cancelled, target, created_by, created_at, updated_by, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?10, ?11)
         ON CONFLICT (id) DO UPDATE SET revision = excluded.revision,
            severity = excluded.severity, title = excluded.title, message = excluded.message,
            starts_at = excluded.starts_at, expires_at = excluded.expires_at,
            cancelled = excluded.cancelled, target = excluded.target,
            updated_by = excluded.updated_by, updated_at = excluded.updated_at",
    )
    .bind(&al.id)
    .bind(i64::from(al.revision))
    .bind(severity_str(al.severity))
    .bind(encode(&al.title))
    .bind(encode(&al.message))
    .bind(stored_instant(al.starts_at))
    .bind(stored_instant(al.expires_at))
    .bind(al.cancelled)
    .bind(encode(&a.target))
    .bind(user_id)
    .bind(&now)
    .execute(&mut *db)
    .await?;
    sqlx::query(
        "INSERT INTO alert_log (alert_id, revision, action, user_id, at, alert)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .bind(&al.id)
    .bind(i64::from(al.revision))
    .bind(action)
    .bind(user_id)
    .bind(&now)
    .bind(serde_json::json!({ "alert": al, "target": a.target }).to_string())
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// JSON of a value that cannot fail to encode (texts, targets: maps with string keys).
fn encode<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

/// One entry of an alert's history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LogEntry {
    /// The revision it made.
    pub revision: u32,
    /// raised, edited or cancelled.
    pub action: String,
    /// Who (user name; null once the user is deleted).
    pub by: Option<String>,
    /// When.
    pub at: String,
}

/// The history of alert `id`, oldest first.
pub async fn history(db: &mut SqliteConnection, id: &str) -> Result<Vec<LogEntry>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT l.revision, l.action, u.username, l.at FROM alert_log l
         LEFT JOIN users u ON u.id = l.user_id WHERE l.alert_id = ?1 ORDER BY l.revision",
    )
    .bind(id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .iter()
        .map(|r| LogEntry {
            revision: u32::try_from(r.get::<i64, _>("revision")).unwrap_or_default(),
            action: r.get("action"),
            by: r.get("username"),
            at: r.get("at"),
        })
        .collect())
}

/// The ids of the alerts a stored manifest body carries.
pub fn ids_in_manifest(body: &[u8]) -> BTreeSet<String> {
    #[derive(Deserialize)]
    struct Id {
        id: String,
    }
    #[derive(Deserialize)]
    struct Alerts {
        #[serde(default)]
        alerts: Vec<Id>,
    }
    serde_json::from_slice::<Alerts>(body)
        .map(|a| a.alerts.into_iter().map(|i| i.id).collect())
        .unwrap_or_default()
}

/// The alerts of screen `screen_id`'s manifest, sorted by id: every alert of `live` (not
/// expired) that reaches it in `s`, and, as tombstones at their current revision, those
/// that no longer reach it but are in `previous` (the ids its stored manifest carries).
pub fn for_screen(
    live: &[StoredAlert],
    s: &Snapshot,
    screen_id: &str,
    previous: &BTreeSet<String>,
) -> Vec<Alert> {
    let Some(screen) = s.screens.get(screen_id) else {
        return Vec::new();
    };
    let mut out: Vec<Alert> = live
        .iter()
        .filter_map(|a| {
            if a.target.reaches(screen_id, screen) {
                Some(a.alert.clone())
            } else if previous.contains(&a.alert.id) {
                Some(Alert {
                    cancelled: true,
                    ..a.alert.clone()
                })
            } else {
                None
            }
        })
        .collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::body::{Body, ScreenBody};

    fn screen(commune: &str, groups: &[&str]) -> Body {
        Body::Screen(Box::new(
            serde_json::from_value::<ScreenBody>(serde_json::json!({
                "name": "Mairie", "commune": commune, "layout": "fullscreen", "groups": groups,
            }))
            .unwrap(),
        ))
    }

    fn stored(id: &str, target: Target) -> StoredAlert {
        StoredAlert {
            alert: Alert {
                id: id.into(),
                revision: 2,
                severity: Severity::Critical,
                title: Text::fr("Inondation"),
                message: Text::fr("Restez chez vous"),
                starts_at: "2026-12-01T08:00:00Z".parse().unwrap(),
                expires_at: "2026-12-02T08:00:00Z".parse().unwrap(),
                cancelled: false,
            },
            target,
            created_by: None,
            created_at: String::new(),
            updated_by: None,
            updated_at: String::new(),
        }
    }

    #[test]
    fn targets_reach_listed_screens_the_screens_of_communes_by_owner_or_place_and_groups() {
        let mut s = Snapshot::default();
        let fruges: Insee = "62364".parse().unwrap();
        let hucq: Insee = "62463".parse().unwrap();
        // Owned by Fruges, standing in Fruges; shared, standing in Fruges; owned by
        // Fruges, standing in Hucqueliers; Hucqueliers' own. Two are town halls.
        s.insert("a".into(), Some(fruges.clone()), screen("62364", &[]));
        s.insert("b".into(), None, screen("62364", &["mairies"]));
        s.insert("c".into(), Some(fruges.clone()), screen("62463", &[]));
        s.insert(
            "d".into(),
            Some(hucq.clone()),
            screen("62463", &["mairies", "dehors"]),
        );
        let ids = |t: Target| t.screens_in(&s).into_iter().collect::<Vec<_>>();
        assert_eq!(
            ids(Target {
                communes: vec![fruges],
                ..Target::default()
            }),
            ["a", "b", "c"]
        );
        assert_eq!(
            ids(Target {
                communes: vec![hucq],
                ..Target::default()
            }),
            ["c", "d"]
        );
        assert_eq!(
            ids(Target {
                screens: vec!["d".into(), "zz".into()],
                ..Target::default()
            }),
            ["d"]
        );
        assert_eq!(
            ids(Target {
                groups: vec!["mairies".into(), "vide".into()],
                ..Target::default()
            }),
            ["b", "d"]
        );
        assert_eq!(
            ids(Target {
                groups: vec!["dehors".into()],
                screens: vec!["a".into()],
                ..Target::default()
            }),
            ["a", "d"]
        );
        assert_eq!(
            ids(Target {
                all: true,
                ..Target::default()
            }),
            ["a", "b", "c", "d"]
        );

        // Per screen: reached alerts as they are, formerly reached ones as tombstones.
        let live = vec![
            stored(
                "z-all",
                Target {
                    all: true,
                    ..Target::default()
                },
            ),
            stored(
                "a-only-d",
                Target {
                    screens: vec!["d".into()],
                    ..Target::default()
                },
            ),
        ];
        let on_a = for_screen(&live, &s, "a", &BTreeSet::new());
        assert_eq!(on_a.len(), 1);
        assert_eq!(on_a[0].id, "z-all");
        let before: BTreeSet<String> = ["a-only-d".to_owned()].into();
        let on_a = for_screen(&live, &s, "a", &before);
        assert_eq!(
            on_a.iter()
                .map(|a| (a.id.as_str(), a.cancelled, a.revision))
                .collect::<Vec<_>>(),
            [("a-only-d", true, 2), ("z-all", false, 2)],
            "sorted by id, the former one as a tombstone"
        );
        assert!(for_screen(&live, &s, "nope", &before).is_empty());
    }

    #[test]
    fn manifests_tell_which_alerts_they_carry() {
        let body = br#"{"alerts":[{"id":"x","revision":1}],"other":1}"#;
        assert_eq!(ids_in_manifest(body), ["x".to_owned()].into());
        assert!(ids_in_manifest(b"{}").is_empty());
        assert!(ids_in_manifest(b"garbage").is_empty());
    }
}
