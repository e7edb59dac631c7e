//! The rules of waste collection changes, shared by the API and the officer's page: who may
//! change a commune's calendar or the sorting guide, validation naming the field, the
//! history of calendar changes, and the import of ADEME's guide.
//!
//! Calendars and the guide bypass drafts (residents act on them: a wrong day is worse than
//! a late one), so only those who may publish for the commune change them; each change
//! rebuilds the waste data set at once.

use beffroi_protocol::data::waste::{Reminder, SortingAdvice};
use beffroi_protocol::ids::Insee;
use beffroi_protocol::time::Zone;
use beffroi_protocol::validate::{Checker, Validate};
use beffroi_waste::{Calendar, Planned, Rhythm, Rule};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;
use sqlx::SqliteConnection;
use utoipa::ToSchema;

use super::store::{self, GuideReport, Origin, StoredAdvice, StoredCalendar, StoredRule};
use super::words;
use crate::alerts::stored_instant;
use crate::api::error::{ApiError, ApiResult};
use crate::db::cols::json_text;
use crate::rules::{make_id, may_publish, verdict};
use crate::server::AppState;
use crate::users::User;

/// Largest guide file accepted (ADEME's is under half a megabyte).
pub const MAX_GUIDE_BYTES: usize = 16 << 20;

/// Most dates one rule may list (explicit, added or cancelled).
const MAX_DATES: usize = 400;

/// Ids a tip may not take: the guide's pages use them in their addresses.
const RESERVED_IDS: [&str; 4] = ["nouveau", "importer", ".", ".."];

/// Longest note or advice text, in characters.
const MAX_TEXT: usize = 1000;

/// A calendar with its rules in words, the collections planned over a period (what moved and
/// why), and what the officer should know.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CalendarView {
    /// The calendar (no rules yet when the commune has none).
    pub calendar: StoredCalendar,
    /// Each rule as a sentence, in order.
    pub rules_in_words: Vec<String>,
    /// First day of the period shown.
    #[schema(value_type = String)]
    pub from: Date,
    /// Last day, inclusive.
    #[schema(value_type = String)]
    pub until: Date,
    /// The collections planned, by day.
    pub plan: Vec<PlannedLine>,
    /// Surprises in the rules (a year of 53 weeks, collections merged by a shift).
    pub notices: Vec<String>,
    /// Where residents subscribe to the calendar (iCalendar).
    pub subscribe: String,
}

/// One planned collection, with its change in words.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlannedLine {
    /// The collection.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub planned: Planned,
    /// "Lundi de Pâques : collecte déplacée".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<String>,
}

/// The path residents subscribe to for `commune`'s collections.
pub fn subscribe_path(commune: &Insee) -> String {
    format!("/collectes/{commune}.ics")
}

/// Today in the territory.
pub fn today() -> Date {
    Timestamp::now()
        .to_zoned_datetime(Zone::paris().tz())
        .date()
}

/// The plan and notices of `cal` over `[from, until]`, in words.
pub fn preview(cal: &Calendar, from: Date, until: Date) -> (Vec<PlannedLine>, Vec<String>) {
    let plan = cal
        .plan(from, until)
        .into_iter()
        .map(|p| PlannedLine {
            change: words::change(&p),
            planned: p,
        })
        .collect();
    let notices = cal.notices(from, until).iter().map(words::notice).collect();
    (plan, notices)
}

/// `commune`, when it is one of the territory.
pub fn territory_commune(commune: &str) -> ApiResult<Insee> {
    let insee: Insee = commune
        .parse()
        .map_err(|e| ApiError::not_found(format!("no commune \"{commune}\": {e}")))?;
    if crate::communes::by_insee(&insee).is_none() {
        return Err(ApiError::not_found(format!(
            "{commune} is not a commune of the territory"
        )));
    }
    Ok(insee)
}

/// An empty calendar of `commune` (before its first rule).
fn empty(commune: &Insee) -> StoredCalendar {
    StoredCalendar {
        commune: commune.clone(),
        name: crate::communes::by_insee(commune)
            .map_or_else(|| commune.to_string(), |c| c.name.clone()),
        reminder: Reminder::default(),
        rules: Vec::new(),
        updated_by: None,
        updated_at: String::new(),
    }
}

/// `commune`'s calendar over `weeks` weeks from today.
pub async fn view(state: &AppState, commune: &Insee, weeks: u32) -> ApiResult<CalendarView> {
    let mut conn = state.db.acquire().await?;
    let stored = store::calendar(&mut conn, commune)
        .await?
        .unwrap_or_else(|| empty(commune));
    drop(conn);
    let from = today();
    let until = from
        .checked_add(jiff::Span::new().days(7 * i64::from(weeks.clamp(1, 106)) - 1))
        .unwrap_or(from);
    let cal = stored.calendar();
    let (plan, notices) = preview(&cal, from, until);
    Ok(CalendarView {
        rules_in_words: stored.rules.iter().map(|r| words::rule(&r.rule)).collect(),
        calendar: stored,
        from,
        until,
        plan,
        notices,
        subscribe: subscribe_path(commune),
    })
}

/// Every problem of a rule, each naming its field (`rule.rhythm.days: …`).
pub fn rule_problems(rule: &Rule) -> Vec<String> {
    let mut v = Checker::new();
    v.field("rule", |v| rule.validate(v));
    let mut problems: Vec<String> = match v.finish() {
        Ok(()) => Vec::new(),
        Err(p) => p.0.iter().map(ToString::to_string).collect(),
    };
    let listed = [
        ("rule.added", rule.added.len()),
        ("rule.cancelled", rule.cancelled.len()),
        (
            "rule.rhythm.dates",
            match &rule.rhythm {
                Rhythm::Dates { dates } => dates.len(),
                _ => 0,
            },
        ),
    ];
    for (field, n) in listed {
        if n > MAX_DATES {
            problems.push(format!("{field}: {n} dates; at most {MAX_DATES}"));
        }
    }
    let (listed, first): (&[Date], Option<&Date>) = match &rule.rhythm {
        Rhythm::Dates { dates } => (dates, None),
        Rhythm::Fortnightly { first, .. } => (&[], Some(first)),
        _ => (&[], None),
    };
    let years = rule
        .added
        .iter()
        .chain(&rule.cancelled)
        .chain(listed)
        .chain(first)
        .chain(rule.valid_from.iter())
        .chain(rule.valid_until.iter());
    for d in years {
        if !(2000..=2100).contains(&d.year()) {
            problems.push(format!("rule: {d} is not a date between 2000 and 2100"));
        }
    }
    if rule.note.0.values().any(|t| t.chars().count() > MAX_TEXT) {
        problems.push(format!("rule.note: at most {MAX_TEXT} characters"));
    }
    problems
}

/// Refuses a user who may not change `commune`'s calendar.
fn may_change(state: &AppState, user: &User, commune: &Insee) -> ApiResult<()> {
    may_publish(state, user, Some(commune), "change the waste calendar")
}

/// Creates `commune`'s calendar if it has none, inside `conn`'s transaction.
async fn ensure_calendar(
    conn: &mut SqliteConnection,
    commune: &Insee,
    user: &User,
    now: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO waste_calendars (commune, updated_by, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (commune) DO NOTHING",
    )
    .bind(commune.as_str())
    .bind(user.id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records a change of `commune`'s calendar, which is then its latest (the feed's DTSTAMP,
/// the list's "changed by").
async fn record(
    conn: &mut SqliteConnection,
    commune: &Insee,
    user: &User,
    now: &str,
    what: String,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO waste_history (commune, at, user_id, what) VALUES (?1, ?2, ?3, ?4)")
        .bind(commune.as_str())
        .bind(now)
        .bind(user.id)
        .bind(what)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE waste_calendars SET updated_at = ?2, updated_by = ?3 WHERE commune = ?1")
        .bind(commune.as_str())
        .bind(now)
        .bind(user.id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Commits a change of `commune`'s calendar, rebuilds the data set, and answers the
/// calendar as stored.
async fn committed(
    state: &AppState,
    user: &User,
    mut tx: sqlx::Transaction<'static, sqlx::Sqlite>,
    commune: &Insee,
) -> ApiResult<StoredCalendar> {
    let saved = store::calendar(&mut tx, commune)
        .await?
        .ok_or_else(|| ApiError::internal("saving a calendar", "the calendar vanished"))?;
    tx.commit().await?;
    refresh_after(state, user).await;
    Ok(saved)
}

/// Sets when `commune`'s screens remind residents to put the bins out.
pub async fn save_reminder(
    state: &AppState,
    user: &User,
    commune: &Insee,
    reminder: Reminder,
) -> ApiResult<StoredCalendar> {
    may_change(state, user, commune)?;
    let mut v = Checker::new();
    v.field("reminder", |v| reminder.window().validate(v));
    if reminder.start == reminder.end {
        v.field("reminder", |v| {
            v.report("starts and ends at the same time: the reminder would never show");
        });
    }
    if let Err(p) = v.finish() {
        verdict("reminder", p.0.iter().map(ToString::to_string).collect())?;
    }
    let now = stored_instant(Timestamp::now());
    let mut tx = crate::db::begin_write(&state.db).await?;
    ensure_calendar(&mut tx, commune, user, &now).await?;
    sqlx::query(
        "UPDATE waste_calendars SET reminder_start = ?2, reminder_end = ?3, updated_by = ?4,
         updated_at = ?5 WHERE commune = ?1",
    )
    .bind(commune.as_str())
    .bind(reminder.start.to_string())
    .bind(reminder.end.to_string())
    .bind(user.id)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    record(
        &mut tx,
        commune,
        user,
        &now,
        format!(
            "rappel sur les écrans de {} à {}",
            reminder.start, reminder.end
        ),
    )
    .await?;
    committed(state, user, tx, commune).await
}

/// Adds a rule to `commune`'s calendar (`id` `None`), or replaces rule `id`.
pub async fn save_rule(
    state: &AppState,
    user: &User,
    commune: &Insee,
    id: Option<&str>,
    mut rule: Rule,
) -> ApiResult<StoredRule> {
    may_change(state, user, commune)?;
    rule.added.sort();
    rule.added.dedup();
    rule.cancelled.sort();
    rule.cancelled.dedup();
    if let Rhythm::Dates { dates } = &mut rule.rhythm {
        dates.sort();
        dates.dedup();
    }
    verdict("rule", rule_problems(&rule))?;
    let now = stored_instant(Timestamp::now());
    let mut tx = crate::db::begin_write(&state.db).await?;
    let rule_id = match id {
        Some(id) => {
            let old: Option<String> =
                sqlx::query_scalar("SELECT commune FROM waste_rules WHERE id = ?1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if old.as_deref() != Some(commune.as_str()) {
                return Err(ApiError::not_found(format!(
                    "no rule \"{id}\" in the calendar of {}",
                    crate::rules::owner_words(Some(commune))
                )));
            }
            sqlx::query(
                "UPDATE waste_rules SET rule = ?2, updated_by = ?3, updated_at = ?4 WHERE id = ?1",
            )
            .bind(id)
            .bind(json_text(&rule))
            .bind(user.id)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
            record(
                &mut tx,
                commune,
                user,
                &now,
                format!("règle modifiée : {}", words::rule(&rule)),
            )
            .await?;
            id.to_owned()
        }
        None => {
            ensure_calendar(&mut tx, commune, user, &now).await?;
            let id = insert_rule(&mut tx, commune, user, &now, &rule).await?;
            record(
                &mut tx,
                commune,
                user,
                &now,
                format!("règle ajoutée : {}", words::rule(&rule)),
            )
            .await?;
            id
        }
    };
    committed(state, user, tx, commune)
        .await?
        .rules
        .into_iter()
        .find(|r| r.id == rule_id)
        .ok_or_else(|| ApiError::internal("saving a rule", "the rule vanished"))
}

/// Adds the rules of `from`'s calendar to `commune`'s (after its own), and its reminder
/// window when `commune` has no calendar yet: communes served by the same round share their
/// rules, and the officer writes them once.
pub async fn copy_rules(
    state: &AppState,
    user: &User,
    commune: &Insee,
    from: &Insee,
) -> ApiResult<StoredCalendar> {
    may_change(state, user, commune)?;
    if from == commune {
        return Err(ApiError::invalid(
            "from: the calendar cannot take its own rules",
            vec!["from: another commune than the calendar's".into()],
        ));
    }
    let now = stored_instant(Timestamp::now());
    let mut tx = crate::db::begin_write(&state.db).await?;
    let source = store::calendar(&mut tx, from)
        .await?
        .filter(|c| !c.rules.is_empty())
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "{} has no collection rule to take",
                crate::rules::owner_words(Some(from))
            ))
        })?;
    if store::calendar(&mut tx, commune).await?.is_none() {
        ensure_calendar(&mut tx, commune, user, &now).await?;
        sqlx::query(
            "UPDATE waste_calendars SET reminder_start = ?2, reminder_end = ?3 WHERE commune = ?1",
        )
        .bind(commune.as_str())
        .bind(source.reminder.start.to_string())
        .bind(source.reminder.end.to_string())
        .execute(&mut *tx)
        .await?;
    }
    for r in &source.rules {
        insert_rule(&mut tx, commune, user, &now, &r.rule).await?;
    }
    record(
        &mut tx,
        commune,
        user,
        &now,
        format!(
            "{} règle(s) reprise(s) du calendrier de {}",
            source.rules.len(),
            source.name
        ),
    )
    .await?;
    committed(state, user, tx, commune).await
}

/// Stores `rule` last in `commune`'s calendar, under a new id.
async fn insert_rule(
    conn: &mut SqliteConnection,
    commune: &Insee,
    user: &User,
    now: &str,
    rule: &Rule,
) -> Result<String, sqlx::Error> {
    let id = make_id(words::stream(rule.stream), "collecte");
    sqlx::query(
        "INSERT INTO waste_rules (id, commune, position, rule, updated_by, updated_at)
         VALUES (?1, ?2, (SELECT COALESCE(MAX(position), 0) + 1 FROM waste_rules
         WHERE commune = ?2), ?3, ?4, ?5)",
    )
    .bind(&id)
    .bind(commune.as_str())
    .bind(json_text(rule))
    .bind(user.id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(id)
}

/// Deletes rule `id` of `commune`'s calendar.
pub async fn delete_rule(
    state: &AppState,
    user: &User,
    commune: &Insee,
    id: &str,
) -> ApiResult<()> {
    may_change(state, user, commune)?;
    let now = stored_instant(Timestamp::now());
    let mut tx = crate::db::begin_write(&state.db).await?;
    let rule: Option<String> =
        sqlx::query_scalar("DELETE FROM waste_rules WHERE id = ?1 AND commune = ?2 RETURNING rule")
            .bind(id)
            .bind(commune.as_str())
            .fetch_optional(&mut *tx)
            .await?;
    let Some(rule) = rule else {
        return Err(ApiError::not_found(format!(
            "no rule \"{id}\" in the calendar of {}",
            crate::rules::owner_words(Some(commune))
        )));
    };
    let what =
        serde_json::from_str::<Rule>(&rule).map_or_else(|_| id.to_owned(), |r| words::rule(&r));
    record(
        &mut tx,
        commune,
        user,
        &now,
        format!("règle supprimée : {what}"),
    )
    .await?;
    tx.commit().await?;
    refresh_after(state, user).await;
    Ok(())
}

/// Deletes `commune`'s calendar and its rules (its screens then show no collection).
pub async fn delete_calendar(state: &AppState, user: &User, commune: &Insee) -> ApiResult<()> {
    may_change(state, user, commune)?;
    let now = stored_instant(Timestamp::now());
    let mut tx = crate::db::begin_write(&state.db).await?;
    let gone = sqlx::query("DELETE FROM waste_calendars WHERE commune = ?1")
        .bind(commune.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if gone == 0 {
        return Err(ApiError::not_found(format!(
            "{} has no waste calendar",
            crate::rules::owner_words(Some(commune))
        )));
    }
    record(
        &mut tx,
        commune,
        user,
        &now,
        "calendrier supprimé".to_owned(),
    )
    .await?;
    tx.commit().await?;
    refresh_after(state, user).await;
    Ok(())
}

/// Refuses a user who may not change the sorting guide (the intercommunality's).
fn may_change_guide(state: &AppState, user: &User) -> ApiResult<()> {
    may_publish(state, user, None, "change the sorting guide")
}

/// Every problem of a guide entry, each naming its field.
pub fn advice_problems(a: &SortingAdvice) -> Vec<String> {
    let mut v = Checker::new();
    a.validate(&mut v);
    let mut problems: Vec<String> = match v.finish() {
        Ok(()) => Vec::new(),
        Err(p) => p.0.iter().map(ToString::to_string).collect(),
    };
    for (field, text) in [
        ("name", &a.name),
        ("instructions", &a.instructions),
        ("prevention", &a.prevention),
    ] {
        if text.0.values().any(|t| t.chars().count() > MAX_TEXT) {
            problems.push(format!("{field}: at most {MAX_TEXT} characters"));
        }
    }
    if a.synonyms.len() > 50 || a.synonyms.iter().any(|s| s.chars().count() > 80) {
        problems.push("synonyms: at most 50, each at most 80 characters".to_owned());
    }
    problems
}

/// Writes a new entry of the guide (`id` `None`: under `advice.id`, or an id made from its
/// name when that is empty), or replaces entry `id` (an imported one is then kept as the
/// officer wrote it by later imports).
pub async fn save_advice(
    state: &AppState,
    user: &User,
    id: Option<&str>,
    mut advice: SortingAdvice,
) -> ApiResult<StoredAdvice> {
    may_change_guide(state, user)?;
    advice.synonyms = advice
        .synonyms
        .iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    let now = stored_instant(Timestamp::now());
    let replacing = id.is_some();
    let mut tx = crate::db::begin_write(&state.db).await?;
    let id = match id {
        Some(id) => {
            let exists: Option<String> =
                sqlx::query_scalar("SELECT origin FROM waste_advice WHERE id = ?1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if exists.is_none() {
                return Err(ApiError::not_found(format!("no sorting tip \"{id}\"")));
            }
            id.to_owned()
        }
        None if !advice.id.is_empty() => {
            let checked = beffroi_protocol::ids::check_id(&advice.id).and_then(|()| {
                if RESERVED_IDS.contains(&advice.id.as_str()) {
                    Err(format!(
                        "\"{}\" names a page of the guide; choose another id",
                        advice.id
                    ))
                } else {
                    Ok(())
                }
            });
            if let Err(e) = checked {
                return Err(ApiError::invalid(
                    format!("the sorting tip is not valid: id: {e}"),
                    vec![format!("id: {e}")],
                ));
            }
            let taken: Option<String> =
                sqlx::query_scalar("SELECT id FROM waste_advice WHERE id = ?1")
                    .bind(&advice.id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if taken.is_some() {
                return Err(ApiError::conflict(format!(
                    "a sorting tip \"{}\" exists already",
                    advice.id
                )));
            }
            advice.id.clone()
        }
        None => make_id(
            advice
                .name
                .get(&beffroi_protocol::text::Lang::fr())
                .unwrap_or(""),
            "conseil",
        ),
    };
    advice.id.clone_from(&id);
    verdict("sorting tip", advice_problems(&advice))?;
    // A new entry never takes another's place (an id made from the name may meet one); an
    // edited one is the officer's from now on: back on the screens, kept by imports.
    let sql = if replacing {
        "UPDATE waste_advice SET advice = ?2, updated_by = ?3, updated_at = ?4,
            edited = (origin = 'ademe'), removed_at = NULL WHERE id = ?1"
    } else {
        "INSERT INTO waste_advice (id, origin, advice, updated_by, updated_at)
         VALUES (?1, 'officer', ?2, ?3, ?4) ON CONFLICT (id) DO NOTHING"
    };
    let written = sqlx::query(sql)
        .bind(&id)
        .bind(json_text(&advice))
        .bind(user.id)
        .bind(&now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if written == 0 {
        return Err(ApiError::conflict(format!(
            "a sorting tip \"{id}\" exists already"
        )));
    }
    let saved = advice_row(&mut tx, &id).await?;
    tx.commit().await?;
    refresh_after(state, user).await;
    Ok(saved)
}

async fn advice_row(conn: &mut SqliteConnection, id: &str) -> ApiResult<StoredAdvice> {
    store::advice(conn)
        .await?
        .into_iter()
        .find(|a| a.advice.id == id)
        .ok_or_else(|| ApiError::not_found(format!("no sorting tip \"{id}\"")))
}

/// Shows or hides an entry, features it in the "Le saviez-vous ?" rotation or not.
pub async fn set_advice_flags(
    state: &AppState,
    user: &User,
    id: &str,
    hidden: Option<bool>,
    featured: Option<bool>,
) -> ApiResult<StoredAdvice> {
    may_change_guide(state, user)?;
    let now = stored_instant(Timestamp::now());
    let mut tx = crate::db::begin_write(&state.db).await?;
    let mut row = advice_row(&mut tx, id).await?;
    if let Some(f) = featured {
        row.advice.featured = f;
    }
    sqlx::query(
        "UPDATE waste_advice SET advice = ?2, hidden = COALESCE(?3, hidden), updated_by = ?4,
         updated_at = ?5 WHERE id = ?1",
    )
    .bind(id)
    .bind(json_text(&row.advice))
    .bind(hidden)
    .bind(user.id)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    let saved = advice_row(&mut tx, id).await?;
    tx.commit().await?;
    refresh_after(state, user).await;
    Ok(saved)
}

/// Deletes an entry written by the officer (an imported one is hidden instead: the next
/// import would bring it back).
pub async fn delete_advice(state: &AppState, user: &User, id: &str) -> ApiResult<()> {
    may_change_guide(state, user)?;
    let mut tx = crate::db::begin_write(&state.db).await?;
    let row = advice_row(&mut tx, id).await?;
    if row.origin == Origin::Ademe {
        return Err(ApiError::conflict(format!(
            "sorting tip \"{id}\" comes from ADEME's guide: the next import would bring it back; hide it instead"
        )));
    }
    sqlx::query("DELETE FROM waste_advice WHERE id = ?1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    refresh_after(state, user).await;
    Ok(())
}

/// Imports ADEME's guide: new entries added, changed ones updated (the officer's featured
/// flag kept; entries the officer edited left as they are), entries gone from the file taken
/// off the screens. A file that cannot be read, or holds no entry, changes nothing. The
/// report is stored either way.
pub async fn import_guide(
    state: &AppState,
    user: &User,
    bytes: &[u8],
    file: Option<String>,
) -> ApiResult<GuideReport> {
    may_change_guide(state, user)?;
    let now = stored_instant(Timestamp::now());
    let read = beffroi_waste::ademe::read(bytes)
        .map_err(|e| e.0)
        .and_then(|g| {
            if g.advice.is_empty() {
                Err(format!(
                    "no entry of the guide could be read ({} problems)",
                    g.problems.len()
                ))
            } else {
                Ok(g)
            }
        });
    let mut report = GuideReport {
        at: now.clone(),
        file: file.clone(),
        ..GuideReport::default()
    };
    let mut tx = crate::db::begin_write(&state.db).await?;
    match read {
        Err(e) => report.error = Some(e),
        Ok(guide) => {
            report.total = guide.total;
            report.read = guide.advice.len() as u32;
            report.problems = guide.problems;
            report.repaired_keys = guide.repaired_keys;
            let existing = store::advice(&mut tx).await?;
            let seen: std::collections::BTreeSet<String> =
                guide.advice.iter().map(|a| a.id.clone()).collect();
            for mut a in guide.advice {
                // What the officer could not write, an import does not store either.
                let problems = advice_problems(&a);
                if !problems.is_empty() {
                    report.read -= 1;
                    report
                        .problems
                        .push(format!("{} skipped: {}", a.id, problems.join("; ")));
                    continue;
                }
                let old = existing.iter().find(|e| e.advice.id == a.id);
                match old {
                    Some(o) if o.origin == Origin::Officer => {
                        // An officer's entry with an id in ADEME's form: left alone.
                        report.kept += 1;
                        continue;
                    }
                    Some(o) if o.edited => {
                        report.kept += 1;
                        if o.removed_at.is_some() {
                            clear_removed(&mut tx, &a.id).await?;
                        }
                        continue;
                    }
                    Some(o) => {
                        a.featured = o.advice.featured;
                        if o.advice == a && o.removed_at.is_none() {
                            report.unchanged += 1;
                            continue;
                        }
                        report.updated += 1;
                    }
                    None => report.added += 1,
                }
                sqlx::query(
                    "INSERT INTO waste_advice (id, origin, advice, updated_at)
                     VALUES (?1, 'ademe', ?2, ?3)
                     ON CONFLICT (id) DO UPDATE SET advice = ?2, updated_at = ?3,
                        removed_at = NULL, updated_by = NULL",
                )
                .bind(&a.id)
                .bind(json_text(&a))
                .bind(&now)
                .execute(&mut *tx)
                .await?;
            }
            // An entry the officer rewrote is theirs: gone from ADEME's guide, it stays.
            let missing = existing.iter().filter(|e| {
                e.origin == Origin::Ademe && e.removed_at.is_none() && !seen.contains(&e.advice.id)
            });
            for gone in missing {
                if gone.edited {
                    report.kept += 1;
                    continue;
                }
                sqlx::query("UPDATE waste_advice SET removed_at = ?2 WHERE id = ?1")
                    .bind(&gone.advice.id)
                    .bind(&now)
                    .execute(&mut *tx)
                    .await?;
                report.removed += 1;
            }
        }
    }
    sqlx::query(
        "INSERT INTO waste_imports (at, user_id, file, error, report) VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .bind(&now)
    .bind(user.id)
    .bind(&file)
    .bind(&report.error)
    .bind(json_text(&report))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    report.user = Some(user.username.clone());
    if report.error.is_none() {
        refresh_after(state, user).await;
    }
    Ok(report)
}

async fn clear_removed(conn: &mut SqliteConnection, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE waste_advice SET removed_at = NULL WHERE id = ?1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

async fn refresh_after(state: &AppState, user: &User) {
    if let Err(e) = super::refresh(state, Some(user.id)).await {
        tracing::error!(
            "waste: the data set was not rebuilt after a change: {}",
            e.message
        );
    }
}
