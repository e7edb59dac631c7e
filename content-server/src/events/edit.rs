//! The rules for changing the agenda, shared by the JSON API and the officer's page: who
//! may write, approve, withdraw or import what, and what an event or a source must hold.
//!
//! - An event written by the officer belongs to a commune (its editors write it; it takes
//!   place in that commune) or to the intercommunality (administrators and approvers; it
//!   may take place anywhere in the territory, or concern all of it). Written by someone who
//!   may publish, it goes to the screens at once; otherwise it waits for an approver.
//! - A source is set up by someone who may publish for its owner; its events need no
//!   approval. An imported event cannot be edited (the next import would undo it) but can
//!   be withdrawn, and stays withdrawn across imports.

use beffroi_agenda::{Occurrence, Place, SourceEvent, Timing};
use beffroi_protocol::data::events::{
    Event, EventCategory, EventSource, EventStatus, Location, SourceKind,
};
use beffroi_protocol::ids::{Insee, Sha256, check_id};
use beffroi_protocol::text::{Lang, Text};
use beffroi_protocol::time::Zone;
use beffroi_protocol::validate::{Checker, Validate};
use jiff::civil::DateTime;
use jiff::{SignedDuration, Timestamp, ZonedDateTime};
use serde::Deserialize;
use utoipa::ToSchema;

use super::import::{self, MAX_DESCRIPTION, MAX_TITLE, Trigger};
use super::store::{self, Format, ImportReport, StoredEvent, StoredSource};
use crate::alerts::stored_instant;
use crate::api::error::{ApiError, ApiResult};
use crate::rules::{
    commune_problems, make_id, may_publish, may_write, media_problems, owner_words, verdict,
};
use crate::server::AppState;
use crate::users::User;

/// Most dates one event written by the officer may have (a weekly market for two years).
pub const MAX_DATES: usize = 120;

/// Longest source id (its events' ids add 13 characters).
pub const MAX_SOURCE_ID: usize = 48;

/// An event as written by the officer.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventInput {
    /// Id (letters, digits, `-`, `_`); made up from the title when absent. Ignored on edit.
    #[serde(default)]
    pub id: Option<String>,
    /// The commune it belongs to (INSEE code); absent: the intercommunality.
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "62364")]
    pub owner: Option<Insee>,
    /// Title per language (`{"fr": "…", "en": "…"}`); French required.
    #[schema(value_type = Object)]
    pub title: Text,
    /// Description per language.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub description: Text,
    /// When: one or more dates, local to the territory (Europe/Paris).
    pub dates: Vec<DateInput>,
    /// Whole days: the times of `dates` are ignored and `end` is the last day.
    #[serde(default)]
    pub all_day: bool,
    /// Name of the place ("Salle des fêtes").
    #[serde(default)]
    pub place: String,
    /// Address, one line.
    #[serde(default)]
    pub address: String,
    /// The commune where it takes place; absent: the owner commune (for the
    /// intercommunality: the whole territory).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub commune: Option<Insee>,
    /// What kind of event.
    #[serde(default)]
    #[schema(value_type = String, example = "market")]
    pub category: EventCategory,
    /// Whether it takes place as announced.
    #[serde(default)]
    #[schema(value_type = String, example = "scheduled")]
    pub status: EventStatus,
    /// Where to read more (http or https).
    #[serde(default)]
    pub url: Option<String>,
    /// A poster or photo: the SHA-256 of an uploaded media.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub image: Option<Sha256>,
}

/// One date of an event written by the officer, in local wall-clock time.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DateInput {
    /// Start ("2026-12-05T14:30"; for an all-day event the day counts).
    #[schema(value_type = String, example = "2026-12-05T14:30")]
    pub start: DateTime,
    /// End ("2026-12-05T18:00"; for an all-day event, the last day); absent: two hours
    /// after the start, or the same day.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub end: Option<DateTime>,
}

/// A source's settings as written by the officer.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceSettings {
    /// Id; made up from the name when absent. Ignored on edit.
    #[serde(default)]
    pub id: Option<String>,
    /// Name ("Agenda de l'office de tourisme").
    pub name: String,
    /// What it holds: `ical`, `open_agenda`, `datatourisme` or `apidae`.
    #[schema(value_type = String, example = "ical")]
    pub format: Format,
    /// Address (http or https); absent: its events come from uploaded files.
    #[serde(default)]
    pub url: Option<String>,
    /// The commune it belongs to; absent: the intercommunality.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub owner: Option<Insee>,
    /// The commune of its events whose place names none of the territory (a commune's own
    /// calendar); absent: the owner commune, or — for the intercommunality — such events
    /// stay off the screens.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub commune: Option<Insee>,
    /// IANA time zone of floating times.
    #[serde(default = "paris")]
    pub zone: String,
    /// Category of events its data says nothing usable about; absent: guessed from words.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub category: Option<EventCategory>,
    /// Minutes between fetches (5–10080).
    #[serde(default = "six_hours")]
    pub refresh_minutes: u32,
    /// Fetched on schedule.
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn paris() -> String {
    "Europe/Paris".into()
}
fn six_hours() -> u32 {
    360
}
fn yes() -> bool {
    true
}

/// The events `user` sees, by id.
pub async fn visible_events(state: &AppState, user: &User) -> ApiResult<Vec<StoredEvent>> {
    let mut conn = state.db.acquire().await?;
    let all = store::events(&mut conn).await?;
    Ok(all
        .into_iter()
        .filter(|e| user.sees(e.owner.as_ref()))
        .collect())
}

/// The sources `user` sees, by id; their addresses without query for those who may not
/// change them (API keys travel in queries).
pub async fn visible_sources(state: &AppState, user: &User) -> ApiResult<Vec<StoredSource>> {
    let mut conn = state.db.acquire().await?;
    let all = store::sources(&mut conn).await?;
    Ok(all
        .into_iter()
        .filter(|s| user.sees(s.owner.as_ref()))
        .map(|s| shown_to(state, user, s))
        .collect())
}

/// `s` as `user` may read it: its address without query unless they may change the source.
fn shown_to(state: &AppState, user: &User, mut s: StoredSource) -> StoredSource {
    if may_publish(state, user, s.owner.as_ref(), "").is_err() {
        s.url = s.url.as_deref().and_then(super::dataset::public_url);
    }
    s
}

/// One event `user` sees.
pub async fn visible_event(state: &AppState, user: &User, id: &str) -> ApiResult<StoredEvent> {
    let mut conn = state.db.acquire().await?;
    store::event(&mut conn, id)
        .await?
        .filter(|e| user.sees(e.owner.as_ref()))
        .ok_or_else(|| ApiError::not_found(format!("no event \"{id}\"")))
}

/// One source `user` sees.
pub async fn visible_source(state: &AppState, user: &User, id: &str) -> ApiResult<StoredSource> {
    let mut conn = state.db.acquire().await?;
    store::source(&mut conn, id)
        .await?
        .filter(|s| user.sees(s.owner.as_ref()))
        .map(|s| shown_to(state, user, s))
        .ok_or_else(|| ApiError::not_found(format!("no event source \"{id}\"")))
}

/// Refuses an id the agenda cannot use: one `check_id` refuses, one with `:` (the data set
/// names each occurrence `<event>:<local start>`), or `sources` (a path of the API).
fn check_event_id(id: &str) -> ApiResult<()> {
    let problem = match check_id(id) {
        Err(e) => Some(e),
        Ok(()) if id.contains(':') => Some(format!(
            "\"{id}\" contains ':', which the agenda keeps for the dates of an event"
        )),
        Ok(()) if id == "sources" => Some("\"sources\" is a path of the API".into()),
        Ok(()) => None,
    };
    match problem {
        Some(p) => Err(ApiError::invalid(
            format!("id: {p}"),
            vec![format!("id: {p}")],
        )),
        None => Ok(()),
    }
}

/// The occurrences of the dates, local to the territory; problems name their fields.
fn occurrences(input: &EventInput, problems: &mut Vec<String>) -> Vec<Occurrence> {
    let tz = Zone::paris().tz();
    let mut out = Vec::new();
    if input.dates.is_empty() {
        problems.push("dates: at least one date is required".into());
    }
    if input.dates.len() > MAX_DATES {
        problems.push(format!("dates: at most {MAX_DATES} dates"));
        return out;
    }
    let local = |d: DateTime| -> Option<ZonedDateTime> { d.to_zoned_datetime(tz.clone()).ok() };
    for (i, d) in input.dates.iter().enumerate() {
        let (start, end) = if input.all_day {
            let first = d.start.date();
            let last = d.end.map_or(first, DateTime::date);
            (
                local(first.to_datetime(jiff::civil::Time::midnight())),
                last.tomorrow()
                    .ok()
                    .and_then(|t| local(t.to_datetime(jiff::civil::Time::midnight()))),
            )
        } else {
            let end = d
                .end
                .or_else(|| d.start.checked_add(SignedDuration::from_hours(2)).ok());
            (local(d.start), end.and_then(local))
        };
        match (start, end) {
            (Some(start), Some(end)) if end.timestamp() > start.timestamp() => {
                out.push(Occurrence {
                    start,
                    end,
                    all_day: input.all_day,
                    status: None,
                });
            }
            (Some(_), Some(_)) => problems.push(format!("dates[{i}].end: not after the start")),
            _ => problems.push(format!("dates[{i}]: not a date of the calendar")),
        }
    }
    out
}

/// Checks an event; returns its record, or the problems named by field.
async fn check_event(
    state: &AppState,
    user: &User,
    input: &EventInput,
    commune: Option<&Insee>,
) -> ApiResult<SourceEvent> {
    let mut problems = Vec::new();
    let occurrences = occurrences(input, &mut problems);
    // Not `Text::get`, which falls back to another language.
    if input
        .title
        .0
        .get(&Lang::fr())
        .is_none_or(|t| t.trim().is_empty())
    {
        problems.push("title.fr: the French title is required".into());
    }
    for (lang, t) in &input.title.0 {
        if t.chars().count() > MAX_TITLE {
            problems.push(format!("title.{lang}: longer than {MAX_TITLE} characters"));
        }
    }
    for (lang, t) in &input.description.0 {
        if t.chars().count() > MAX_DESCRIPTION {
            problems.push(format!(
                "description.{lang}: longer than {MAX_DESCRIPTION} characters"
            ));
        }
    }
    commune_problems(
        user,
        input.owner.as_ref(),
        commune.map(std::slice::from_ref).unwrap_or_default(),
        "events",
        &mut problems,
    );
    if let (Some(owner), Some(c)) = (&input.owner, commune)
        && owner != c
    {
        problems.push(format!(
            "commune: an event of {} takes place there, not in {}",
            owner_words(Some(owner)),
            owner_words(Some(c))
        ));
    }
    for (field, value) in [("place", &input.place), ("address", &input.address)] {
        if value.chars().count() > 200 {
            problems.push(format!("{field}: longer than 200 characters"));
        }
    }
    if let Some(u) = input.url.as_deref().filter(|u| !u.trim().is_empty())
        && !url::Url::parse(u).is_ok_and(|p| matches!(p.scheme(), "http" | "https"))
    {
        problems.push(format!("url: \"{u}\" is not an http or https address"));
    }
    if let Some(sha) = &input.image {
        media_problems(state, sha, input.owner.as_ref(), "image", &mut problems).await?;
    }
    // The protocol's own rules (link, texts), on the first date.
    if let Some(o) = occurrences.first() {
        let as_event = Event {
            id: "x".into(),
            source: EventSource {
                kind: SourceKind::Officer,
                source_id: "x".into(),
                url: None,
            },
            title: input.title.clone(),
            description: input.description.clone(),
            start: o.start.clone(),
            end: o.end.clone(),
            all_day: o.all_day,
            location: Location::default(),
            category: input.category,
            image: None,
            status: input.status,
            url: input.url.clone(),
        };
        let mut v = Checker::new();
        as_event.validate(&mut v);
        if let Err(p) = v.finish() {
            problems.extend(
                p.0.iter()
                    .map(ToString::to_string)
                    .filter(|m| !m.starts_with("title") && !m.starts_with("url")),
            );
        }
    }
    verdict("event", problems)?;
    Ok(SourceEvent {
        source_id: String::new(),
        title: trimmed(&input.title),
        description: trimmed(&input.description),
        place: Place {
            name: input.place.trim().to_owned(),
            address: input.address.trim().to_owned(),
            ..Place::default()
        },
        category: input.category,
        status: input.status,
        url: input.url.clone().filter(|u| !u.trim().is_empty()),
        image_url: None,
        timing: Timing::List { occurrences },
        updated: None,
    })
}

fn trimmed(t: &Text) -> Text {
    let mut out = Text::default();
    for (lang, v) in &t.0 {
        if !v.trim().is_empty() {
            out.0.insert(lang.clone(), v.trim().to_owned());
        }
    }
    out
}

/// Writes an event: a new one when `id` is `None`, else the edit of event `id`. Returns it
/// as stored, and refreshes the screens.
pub async fn save_event(
    state: &AppState,
    user: &User,
    id: Option<&str>,
    input: EventInput,
) -> ApiResult<StoredEvent> {
    may_write(user, "events", input.owner.as_ref())?;
    let old = match id {
        None => None,
        Some(id) => {
            let old = visible_event(state, user, id).await?;
            if old.source.is_some() {
                return Err(ApiError::conflict(format!(
                    "event \"{id}\" comes from an agenda source: the next import would undo an edit; withdraw it instead"
                )));
            }
            may_write(user, "events", old.owner.as_ref())?;
            Some(old)
        }
    };
    let commune = input.commune.clone().or_else(|| input.owner.clone());
    let mut record = check_event(state, user, &input, commune.as_ref()).await?;
    let new_id = match (&old, &input.id) {
        (Some(o), _) => o.id.clone(),
        (None, Some(id)) => {
            check_event_id(id)?;
            id.clone()
        }
        (None, None) => make_id(input.title.get(&Lang::fr()).unwrap_or(""), "evenement"),
    };
    record.source_id.clone_from(&new_id);
    let approves = user.publishes(state.settings.editors_self_publish);
    let event = StoredEvent {
        id: new_id.clone(),
        source: None,
        source_key: None,
        owner: input.owner.clone(),
        record,
        commune,
        image: input.image.clone(),
        hidden: old.as_ref().is_some_and(|o| o.hidden),
        removed_at: None,
        approved_at: approves.then(|| stored_instant(Timestamp::now())),
        approved_by: None,
        created_by: None,
        created_at: String::new(),
        updated_by: None,
        updated_at: String::new(),
    };
    let mut tx = crate::db::begin_write(&state.db).await?;
    if old.is_none() && store::event(&mut tx, &new_id).await?.is_some() {
        return Err(ApiError::conflict(format!(
            "an event \"{new_id}\" exists already"
        )));
    }
    store::save_event(&mut tx, &event, Some(user.id), approves.then_some(user.id)).await?;
    let saved = store::event(&mut tx, &new_id)
        .await?
        .ok_or_else(|| ApiError::internal("saving an event", "the event vanished"))?;
    tx.commit().await?;
    refresh_after(state, user).await;
    Ok(saved)
}

/// Approves an event waiting for it (as it is now: a later edit needs approving again).
pub async fn approve(state: &AppState, user: &User, id: &str) -> ApiResult<StoredEvent> {
    let e = visible_event(state, user, id).await?;
    may_publish(state, user, e.owner.as_ref(), "approve events")?;
    if e.approved_at.is_some() {
        return Ok(e);
    }
    let mut tx = crate::db::begin_write(&state.db).await?;
    let done = sqlx::query(
        "UPDATE events SET approved_at = ?3, approved_by = ?4
         WHERE id = ?1 AND updated_at = ?2 AND approved_at IS NULL",
    )
    .bind(id)
    .bind(&e.updated_at)
    .bind(stored_instant(Timestamp::now()))
    .bind(user.id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(ApiError::conflict(format!(
            "event \"{id}\" changed while approving it; read it again"
        )));
    }
    tx.commit().await?;
    refresh_after(state, user).await;
    visible_event(state, user, id).await
}

/// Withdraws an event from the screens (`hidden`), or puts it back; putting one back, or
/// withdrawing an imported one, needs publishing rights.
pub async fn set_hidden(
    state: &AppState,
    user: &User,
    id: &str,
    hidden: bool,
) -> ApiResult<StoredEvent> {
    let e = visible_event(state, user, id).await?;
    may_write(user, "events", e.owner.as_ref())?;
    if e.source.is_some() || !hidden {
        may_publish(
            state,
            user,
            e.owner.as_ref(),
            if hidden {
                "withdraw imported events"
            } else {
                "put events back on the screens"
            },
        )?;
    }
    let mut tx = crate::db::begin_write(&state.db).await?;
    sqlx::query("UPDATE events SET hidden = ?2, updated_by = ?3, updated_at = ?4 WHERE id = ?1")
        .bind(id)
        .bind(hidden)
        .bind(user.id)
        .bind(stored_instant(Timestamp::now()))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    refresh_after(state, user).await;
    visible_event(state, user, id).await
}

/// Deletes an event written by the officer.
pub async fn delete_event(state: &AppState, user: &User, id: &str) -> ApiResult<()> {
    let e = visible_event(state, user, id).await?;
    may_write(user, "events", e.owner.as_ref())?;
    if e.source.is_some() {
        return Err(ApiError::conflict(format!(
            "event \"{id}\" comes from an agenda source: the next import would bring it back; withdraw it instead"
        )));
    }
    let mut tx = crate::db::begin_write(&state.db).await?;
    store::delete_event(&mut tx, id).await?;
    tx.commit().await?;
    refresh_after(state, user).await;
    Ok(())
}

/// Rebuilds the events data set after a committed change. A failure is logged and not
/// returned: the change is stored, and the schedule's next round rebuilds the set.
async fn refresh_after(state: &AppState, user: &User) {
    if let Err(e) = super::refresh(state, Some(user.id)).await {
        tracing::error!(
            "events: the data set was not rebuilt after a change: {}",
            e.message
        );
    }
}

/// Checks a source's settings; the problems name their fields.
fn check_source(user: &User, s: &SourceSettings, commune: Option<&Insee>) -> ApiResult<()> {
    let mut problems = Vec::new();
    let name = s.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        problems.push("name: required, at most 200 characters".to_owned());
    }
    if let Some(u) = s.url.as_deref().filter(|u| !u.trim().is_empty()) {
        match url::Url::parse(u) {
            Ok(parsed)
                if matches!(parsed.scheme(), "http" | "https") && parsed.host().is_some() => {}
            Ok(_) => problems.push(format!("url: \"{u}\" is not an http or https address")),
            Err(e) => problems.push(format!("url: \"{u}\" is not a web address ({e})")),
        }
    }
    if s.zone.parse::<Zone>().is_err() {
        problems.push(format!(
            "zone: \"{}\" is not an IANA time zone (Europe/Paris)",
            s.zone
        ));
    }
    if !(5..=10080).contains(&s.refresh_minutes) {
        problems.push(format!(
            "refresh_minutes: {} is not between 5 and 10080",
            s.refresh_minutes
        ));
    }
    commune_problems(
        user,
        s.owner.as_ref(),
        commune.map(std::slice::from_ref).unwrap_or_default(),
        "events",
        &mut problems,
    );
    verdict("source", problems)
}

/// Creates (`id` `None`) or edits a source. A new source with an address is fetched at the
/// schedule's next check.
pub async fn save_source(
    state: &AppState,
    user: &User,
    id: Option<&str>,
    s: SourceSettings,
) -> ApiResult<StoredSource> {
    may_publish(state, user, s.owner.as_ref(), "set up agenda sources")?;
    let old = match id {
        Some(id) => {
            let old = visible_source(state, user, id).await?;
            may_publish(state, user, old.owner.as_ref(), "change agenda sources")?;
            Some(old)
        }
        None => None,
    };
    let commune = s.commune.clone().or_else(|| s.owner.clone());
    check_source(user, &s, commune.as_ref())?;
    let new_id = match (&old, &s.id) {
        (Some(o), _) => o.id.clone(),
        (None, Some(id)) => {
            check_event_id(id)?;
            // Its events' ids are the source's followed by 13 characters, within 64.
            if id.len() > MAX_SOURCE_ID {
                return Err(ApiError::invalid(
                    format!("id: a source id has at most {MAX_SOURCE_ID} characters"),
                    Vec::new(),
                ));
            }
            id.clone()
        }
        (None, None) => make_id(&s.name, "agenda"),
    };
    let source = StoredSource {
        id: new_id.clone(),
        name: s.name.trim().to_owned(),
        format: s.format,
        url: s.url.filter(|u| !u.trim().is_empty()),
        owner: s.owner,
        commune,
        zone: s.zone,
        category: s.category,
        refresh_minutes: s.refresh_minutes,
        enabled: s.enabled,
        etag: None,
        last_modified: None,
        checked_at: None,
        imported_at: None,
        last_error: None,
        created_by: None,
        created_at: String::new(),
    };
    let mut tx = crate::db::begin_write(&state.db).await?;
    if old.is_none() && store::source(&mut tx, &new_id).await?.is_some() {
        return Err(ApiError::conflict(format!(
            "an event source \"{new_id}\" exists already"
        )));
    }
    store::save_source(&mut tx, &source, user.id).await?;
    // Its events follow its owner and default commune at once (a file-fed source may not be
    // imported again for a long time).
    for e in store::source_events(&mut tx, &new_id).await? {
        let (commune, _) = import::placed(&source, &e.record);
        if e.owner != source.owner || e.commune != commune {
            store::set_placement(&mut tx, &e.id, source.owner.as_ref(), commune.as_ref()).await?;
        }
    }
    let saved = store::source(&mut tx, &new_id)
        .await?
        .ok_or_else(|| ApiError::internal("saving a source", "the source vanished"))?;
    tx.commit().await?;
    refresh_after(state, user).await;
    Ok(saved)
}

/// Deletes a source and its events.
pub async fn delete_source(state: &AppState, user: &User, id: &str) -> ApiResult<()> {
    let s = visible_source(state, user, id).await?;
    may_publish(state, user, s.owner.as_ref(), "remove agenda sources")?;
    let mut tx = crate::db::begin_write(&state.db).await?;
    store::delete_source(&mut tx, id).await?;
    tx.commit().await?;
    refresh_after(state, user).await;
    Ok(())
}

/// Imports source `id` now: from `file` when given, else from its address.
pub async fn import_now(
    state: &AppState,
    user: &User,
    id: &str,
    file: Option<Vec<u8>>,
) -> ApiResult<ImportReport> {
    let s = visible_source(state, user, id).await?;
    may_publish(state, user, s.owner.as_ref(), "import events")?;
    let trigger = if file.is_some() {
        Trigger::File
    } else {
        Trigger::Manual
    };
    import::run(state, id, trigger, file, Some(user.id)).await
}
