//! Waste collection as the server keeps it: calendars (`waste_calendars`) with their rules
//! (`waste_rules`) and history (`waste_history`), the sorting guide (`waste_advice`) and the
//! reports of its imports (`waste_imports`).

use beffroi_protocol::data::waste::{Reminder, SortingAdvice};
use beffroi_protocol::ids::Insee;
use beffroi_waste::{Calendar, Rule};
use serde::{Deserialize, Serialize};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};
use utoipa::ToSchema;

use crate::db::cols::{bad, json_col};

/// One rule of a calendar as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct StoredRule {
    /// Id, unique among rules.
    pub id: String,
    /// The rule.
    #[schema(value_type = Object)]
    pub rule: Rule,
    /// Who changed it last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<String>,
    /// When.
    pub updated_at: String,
}

/// A commune's calendar as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct StoredCalendar {
    /// The commune.
    #[schema(value_type = String)]
    pub commune: Insee,
    /// Its name.
    pub name: String,
    /// When screens remind residents to put the bins out.
    #[schema(value_type = Object)]
    pub reminder: Reminder,
    /// Its rules, in order.
    pub rules: Vec<StoredRule>,
    /// Who changed the calendar or one of its rules last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<String>,
    /// When (the latest of the calendar's and its rules' changes).
    pub updated_at: String,
}

impl StoredCalendar {
    /// The calendar the rules make.
    pub fn calendar(&self) -> Calendar {
        Calendar {
            commune: self.commune.clone(),
            name: self.name.clone(),
            reminder: self.reminder,
            rules: self.rules.iter().map(|r| r.rule.clone()).collect(),
        }
    }
}

/// Where an entry of the sorting guide comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Written by the officer.
    Officer,
    /// Imported from ADEME's guide.
    Ademe,
}

impl Origin {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Officer => "officer",
            Self::Ademe => "ademe",
        }
    }

    fn parse(s: &str) -> Result<Self, sqlx::Error> {
        match s {
            "officer" => Ok(Self::Officer),
            "ademe" => Ok(Self::Ademe),
            other => Err(bad(format!("origin: unknown \"{other}\""))),
        }
    }
}

/// An entry of the sorting guide as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct StoredAdvice {
    /// The entry (its `id` is the row's).
    #[schema(value_type = Object)]
    pub advice: SortingAdvice,
    /// Where it comes from.
    pub origin: Origin,
    /// An imported entry the officer changed: later imports leave it as it is.
    pub edited: bool,
    /// Kept off the screens and the kiosk.
    pub hidden: bool,
    /// An imported entry missing from the latest guide since then (off the screens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removed_at: Option<String>,
    /// Who changed it last (none for an import).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<String>,
    /// When.
    pub updated_at: String,
}

impl StoredAdvice {
    /// Whether it goes into the data set.
    pub fn live(&self) -> bool {
        !self.hidden && self.removed_at.is_none()
    }
}

/// The report of one import of ADEME's guide.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GuideReport {
    /// When.
    #[serde(default)]
    pub at: String,
    /// Who.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The file's name, when uploaded as a file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Why nothing was imported; the guide stored stays as it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Entries the file says it holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// Entries read.
    pub read: u32,
    /// Entries seen for the first time.
    pub added: u32,
    /// Entries known that changed.
    pub updated: u32,
    /// Entries known, unchanged.
    pub unchanged: u32,
    /// Entries the officer changed, left as they are.
    pub kept: u32,
    /// Entries no longer in the guide (off the screens).
    pub removed: u32,
    /// Entries that could not be read, each with why.
    #[serde(default)]
    pub problems: Vec<String>,
    /// Keys found mis-encoded in the file and read under their repaired name.
    #[serde(default)]
    pub repaired_keys: Vec<(String, String)>,
}

/// Every calendar, by commune, with its rules in order.
pub async fn calendars(conn: &mut SqliteConnection) -> Result<Vec<StoredCalendar>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT w.*, u.username AS updater FROM waste_calendars w
         LEFT JOIN users u ON u.id = w.updated_by ORDER BY w.commune",
    )
    .fetch_all(&mut *conn)
    .await?;
    let rules = sqlx::query(
        "SELECT r.*, u.username AS updater FROM waste_rules r
         LEFT JOIN users u ON u.id = r.updated_by ORDER BY r.commune, r.position, r.id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        out.push(decode_calendar(row)?);
    }
    for row in &rules {
        let commune: String = row.try_get("commune")?;
        let rule = StoredRule {
            id: row.try_get("id")?,
            rule: json_col(row, "rule")?,
            updated_by: row.try_get("updater")?,
            updated_at: row.try_get("updated_at")?,
        };
        if let Some(c) = out.iter_mut().find(|c| c.commune.as_str() == commune) {
            if rule.updated_at > c.updated_at {
                c.updated_at.clone_from(&rule.updated_at);
                c.updated_by.clone_from(&rule.updated_by);
            }
            c.rules.push(rule);
        }
    }
    Ok(out)
}

/// The calendar of `commune`, if it has one.
pub async fn calendar(
    conn: &mut SqliteConnection,
    commune: &Insee,
) -> Result<Option<StoredCalendar>, sqlx::Error> {
    // Few calendars (one per commune at most): reading them all keeps one decoder.
    Ok(calendars(conn)
        .await?
        .into_iter()
        .find(|c| &c.commune == commune))
}

fn decode_calendar(r: &SqliteRow) -> Result<StoredCalendar, sqlx::Error> {
    let commune: Insee = r
        .try_get::<String, _>("commune")?
        .parse()
        .map_err(|e| bad(format!("commune: {e}")))?;
    let time = |column: &str| -> Result<_, sqlx::Error> {
        let text: String = r.try_get(column)?;
        text.parse()
            .map_err(|e| bad(format!("{column}: {text:?}: {e}")))
    };
    let name =
        crate::communes::by_insee(&commune).map_or_else(|| commune.to_string(), |c| c.name.clone());
    Ok(StoredCalendar {
        reminder: Reminder {
            start: time("reminder_start")?,
            end: time("reminder_end")?,
        },
        commune,
        name,
        rules: Vec::new(),
        updated_by: r.try_get("updater")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// The sorting guide, by id.
pub async fn advice(conn: &mut SqliteConnection) -> Result<Vec<StoredAdvice>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT a.*, u.username AS updater FROM waste_advice a
         LEFT JOIN users u ON u.id = a.updated_by ORDER BY a.id",
    )
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode_advice).collect()
}

fn decode_advice(r: &SqliteRow) -> Result<StoredAdvice, sqlx::Error> {
    let mut advice: SortingAdvice = json_col(r, "advice")?;
    advice.id = r.try_get("id")?;
    Ok(StoredAdvice {
        advice,
        origin: Origin::parse(&r.try_get::<String, _>("origin")?)?,
        edited: r.try_get::<i64, _>("edited")? != 0,
        hidden: r.try_get::<i64, _>("hidden")? != 0,
        removed_at: r.try_get("removed_at")?,
        updated_by: r.try_get("updater")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// The latest `limit` imports of the guide, newest first.
pub async fn imports(
    conn: &mut SqliteConnection,
    limit: u32,
) -> Result<Vec<GuideReport>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT i.*, u.username AS who FROM waste_imports i
         LEFT JOIN users u ON u.id = i.user_id ORDER BY i.id DESC LIMIT ?1",
    )
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            let mut report: GuideReport = json_col(r, "report")?;
            report.at = r.try_get("at")?;
            report.user = r.try_get("who")?;
            report.file = r.try_get("file")?;
            report.error = r.try_get("error")?;
            Ok(report)
        })
        .collect()
}

/// A line of a calendar's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct HistoryLine {
    /// When.
    pub at: String,
    /// Who.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// What changed, in words.
    pub what: String,
}

/// The latest `limit` changes of `commune`'s calendar, newest first.
pub async fn history(
    conn: &mut SqliteConnection,
    commune: &Insee,
    limit: u32,
) -> Result<Vec<HistoryLine>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT h.at, h.what, u.username AS who FROM waste_history h
         LEFT JOIN users u ON u.id = h.user_id WHERE h.commune = ?1
         ORDER BY h.id DESC LIMIT ?2",
    )
    .bind(commune.as_str())
    .bind(i64::from(limit))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(HistoryLine {
                at: r.try_get("at")?,
                user: r.try_get("who")?,
                what: r.try_get("what")?,
            })
        })
        .collect()
}
