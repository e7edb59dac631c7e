//! Importing an agenda source: fetched from its address (conditional GET with the
//! validators of the last fetch) or given as a file, read by `beffroi-agenda` in the
//! source's format, and merged into the stored events by source id, so that a re-import
//! updates and never duplicates. Events no longer in the source are marked removed (off
//! the screens, kept for the officer to see), never silently kept.
//!
//! A failed import (unreachable server, not a calendar) changes no event: the source's
//! earlier events stay on the screens, and the error is kept on the source and in its
//! report. An item that cannot be read is a line of the report; what was stored for it
//! stays as it was.

use std::collections::BTreeSet;
use std::time::Duration;

use beffroi_agenda::{Read, SourceEvent};
use beffroi_protocol::data::events::{EventCategory, EventStatus};
use beffroi_protocol::ids::Insee;
use beffroi_protocol::text::{Lang, Text};
use jiff::Timestamp;
use sqlx::SqliteConnection;

use super::place;
use super::store::{
    self, Format, ImportReport, MAX_REPORT_LINES, Outcome, ReportLine, StoredEvent, StoredSource,
};
use crate::alerts::stored_instant;
use crate::api::error::{ApiError, ApiResult};
use crate::fetch::{self, Fetched};
use crate::server::AppState;
use beffroi_protocol::html;

/// The largest source accepted: a tourist office's whole agenda as DATAtourisme JSON-LD
/// runs to a few MiB.
pub const MAX_SOURCE_BYTES: usize = 32 << 20;

/// Longest title kept, in characters.
pub const MAX_TITLE: usize = 200;

/// Longest description kept, in characters.
pub const MAX_DESCRIPTION: usize = 2000;

pub use crate::news::import::Trigger;

/// Reads `bytes` in `format`; `zone`: the source's zone for floating times.
pub fn read(format: Format, bytes: &[u8], zone: &str, now: Timestamp) -> Result<Read, String> {
    let read = match format {
        Format::Ical => beffroi_agenda::ical::read(bytes, zone),
        Format::OpenAgenda => beffroi_agenda::openagenda::read(bytes),
        Format::Datatourisme => beffroi_agenda::datatourisme::read(bytes, now),
        Format::Apidae => beffroi_agenda::apidae::read(bytes, now),
    };
    read.map_err(|e| e.to_string())
}

/// Most pages read from a paged API in one import (OpenAgenda: 300 events a page).
pub const MAX_PAGES: usize = 30;

/// The pages of one answer, `first` then those that follow it (OpenAgenda's `after[]`), each
/// fetched whole; at most [`MAX_PAGES`]. The flag: whether the last page is the answer's last.
async fn next_pages(
    s: &StoredSource,
    url: &str,
    first: Vec<u8>,
) -> Result<(Vec<Vec<u8>>, bool), String> {
    let mut pages = vec![first];
    if s.format != Format::OpenAgenda {
        return Ok((pages, false));
    }
    let mut at = url.to_owned();
    loop {
        let Some(next) = pages
            .last()
            .and_then(|p| beffroi_agenda::openagenda::next_page(&at, p))
        else {
            let complete = pages.len() > 1;
            return Ok((pages, complete));
        };
        if pages.len() >= MAX_PAGES {
            return Ok((pages, false));
        }
        let body = match fetch::conditional(fetch::Request {
            url: &next,
            accept: accept(s.format),
            etag: None,
            last_modified: None,
            limit: MAX_SOURCE_BYTES,
            what: "an agenda",
        })
        .await?
        {
            Fetched::Body { bytes, .. } => bytes,
            Fetched::NotModified => return Ok((pages, false)),
        };
        pages.push(body);
        at = next;
    }
}

/// Reads every page of an answer as one: their events and problems together; partial unless
/// `complete` (the pages hold the whole list) or the one page says it is whole.
fn read_pages(
    format: Format,
    pages: &[Vec<u8>],
    complete: bool,
    zone: &str,
    now: Timestamp,
) -> Result<Read, String> {
    let mut all = Read::default();
    for page in pages {
        let r = read(format, page, zone, now)?;
        all.events.extend(r.events);
        all.problems.extend(r.problems);
        all.partial = r.partial;
    }
    if complete {
        all.partial = None;
    }
    Ok(all)
}

/// What the server asks for, by format.
fn accept(format: Format) -> &'static str {
    match format {
        Format::Ical => "text/calendar, text/plain;q=0.5, */*;q=0.1",
        Format::OpenAgenda | Format::Datatourisme => {
            "application/json, application/ld+json, */*;q=0.1"
        }
        Format::Apidae => "application/json, application/zip, */*;q=0.1",
    }
}

/// Imports source `source_id` (from `file` when given, else from its address), records the
/// report, and refreshes the events data set when events changed. The report is returned
/// whether the import worked or not; `Err` is kept for a missing source or a storage
/// failure.
pub async fn run(
    state: &AppState,
    source_id: &str,
    trigger: Trigger,
    file: Option<Vec<u8>>,
    user: Option<i64>,
) -> ApiResult<ImportReport> {
    let mut conn = state.db.acquire().await?;
    let s = store::source(&mut conn, source_id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no event source \"{source_id}\"")))?;
    drop(conn);
    let now = Timestamp::now();
    let mut report = ImportReport {
        source: s.id.clone(),
        at: stored_instant(now),
        trigger: trigger.as_str().into(),
        ..ImportReport::default()
    };
    let fetched = match (file, s.url.as_deref()) {
        (Some(bytes), _) => Ok(((vec![bytes], false), None)),
        (None, Some(url)) => match fetch::conditional(fetch::Request {
            url,
            accept: accept(s.format),
            etag: s.etag.as_deref(),
            last_modified: s.last_modified.as_deref(),
            limit: MAX_SOURCE_BYTES,
            what: "an agenda",
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
            }) => match next_pages(&s, url, bytes).await {
                Ok(pages) => Ok((pages, Some((etag, last_modified)))),
                Err(e) => Err(Some(e)),
            },
            Err(e) => Err(Some(e)),
        },
        (None, None) => Err(Some(format!(
            "source \"{}\" has no address: its events come from uploaded files",
            s.id
        ))),
    };
    // Reading is pure and may take a while on a large file: off the async threads.
    let read = match fetched {
        Ok((pages, validators)) => {
            let (format, zone) = (s.format, s.zone.clone());
            let ((pages, complete), zone) = (pages, zone);
            let read = tokio::task::spawn_blocking(move || {
                read_pages(format, &pages, complete, &zone, now)
            })
            .await
            .map_err(|e| ApiError::internal("reading an agenda", e))?;
            match read {
                Ok(r) => Ok((r, validators)),
                Err(e) => Err(Some(e)),
            }
        }
        Err(e) => Err(e),
    };
    let mut tx = crate::db::begin_write(&state.db).await?;
    // Settings changed while fetching (another address, another format): what was fetched
    // is not this source's any more, and its validators must not replace the cleared ones.
    let read = match store::source(&mut tx, &s.id).await? {
        Some(now) if now.url == s.url && now.format == s.format => read,
        Some(_) => Err(Some(
            "the source's address or format changed during the import; import it again".into(),
        )),
        None => return Err(ApiError::not_found(format!("no event source \"{}\"", s.id))),
    };
    let changed = match read {
        Err(error) => {
            report.error = error;
            store::record_fetch(&mut tx, &s.id, None, report.error.as_deref()).await?;
            false
        }
        Ok((read, validators)) => {
            merge(&mut tx, &s, read, &mut report).await?;
            store::record_fetch(&mut tx, &s.id, Some(validators.unwrap_or_default()), None).await?;
            report.added + report.updated + report.cancelled + report.removed > 0
        }
    };
    store::record_import(&mut tx, &report, user).await?;
    tx.commit().await?;
    match &report.error {
        Some(e) => tracing::warn!("event source {}: import failed: {e}", s.id),
        None => tracing::info!(
            "event source {}: {} added, {} updated, {} cancelled, {} removed, {} unchanged, {} failed{}",
            s.id,
            report.added,
            report.updated,
            report.cancelled,
            report.removed,
            report.unchanged,
            report.failed,
            if report.not_modified {
                " (not modified)"
            } else {
                ""
            }
        ),
    }
    // The import is stored: a failed rebuild is logged, and the schedule's next round
    // rebuilds the data set.
    if changed && let Err(e) = super::refresh::refresh(state, user).await {
        tracing::error!(
            "events: the data set was not rebuilt after importing {}: {}",
            s.id,
            e.message
        );
    }
    Ok(report)
}

/// The id of the event standing for item `key` of source `source`.
pub fn event_id(source: &str, key: &str) -> String {
    crate::news::import::item_id(source, key)
}

/// Adds a line to the report, up to [`MAX_REPORT_LINES`].
fn line(
    report: &mut ImportReport,
    key: Option<&str>,
    title: Option<String>,
    outcome: Outcome,
    message: Option<String>,
) {
    if report.items.len() < MAX_REPORT_LINES {
        report.items.push(ReportLine {
            key: key.map(str::to_owned),
            title,
            outcome,
            message,
        });
    }
}

/// Merges what was read into the source's stored events (by source id), and marks the
/// events no longer there as removed.
async fn merge(
    tx: &mut SqliteConnection,
    s: &StoredSource,
    read: Read,
    report: &mut ImportReport,
) -> ApiResult<()> {
    let at = Timestamp::now();
    let now = stored_instant(at);
    let known = store::source_events(tx, &s.id).await?;
    let mut kept: BTreeSet<String> = BTreeSet::new();
    for e in read.events {
        let id = event_id(&s.id, &e.source_id);
        // A source listing an event twice: the first wins.
        if !kept.insert(id.clone()) {
            continue;
        }
        let record = clean(e, s.category);
        let title = record.title.get(&Lang::fr()).map(str::to_owned);
        let key = record.source_id.clone();
        let old = known.iter().find(|k| k.id == id);
        let (commune, off_screen) = placed(s, &record);
        let event = StoredEvent {
            id: id.clone(),
            source: Some(s.id.clone()),
            source_key: Some(key.clone()),
            owner: s.owner.clone(),
            commune,
            // The picture already fetched stays while the source names the same one.
            image: old
                .filter(|o| o.record.image_url == record.image_url)
                .and_then(|o| o.image.clone()),
            hidden: old.is_some_and(|o| o.hidden),
            removed_at: None,
            // A source is set up by someone allowed to publish: its events need no approval.
            approved_at: Some(
                old.and_then(|o| o.approved_at.clone())
                    .unwrap_or_else(|| now.clone()),
            ),
            approved_by: None,
            created_by: None,
            created_at: String::new(),
            updated_by: None,
            updated_at: String::new(),
            record,
        };
        let newly_cancelled =
            cancellations(&event.record, at) > old.map_or(0, |o| cancellations(&o.record, at));
        let outcome = match old {
            None if newly_cancelled => Outcome::Cancelled,
            None => Outcome::Added,
            Some(o)
                if o.record == event.record
                    && o.commune == event.commune
                    && o.owner == event.owner
                    && o.removed_at.is_none() =>
            {
                report.unchanged += 1;
                continue;
            }
            Some(_) if newly_cancelled => Outcome::Cancelled,
            Some(_) => Outcome::Updated,
        };
        let message = match old {
            Some(o) if o.removed_at.is_some() => Some("back in the source".into()),
            _ => off_screen,
        };
        match outcome {
            Outcome::Added => report.added += 1,
            Outcome::Cancelled => report.cancelled += 1,
            _ => report.updated += 1,
        }
        line(report, Some(&key), title, outcome, message);
        store::save_event(tx, &event, None, None).await?;
    }
    for p in &read.problems {
        report.failed += 1;
        // An item that cannot be read now (or only in part) keeps what was stored for it.
        if let Some(key) = &p.source_id {
            kept.insert(event_id(&s.id, key));
        }
        line(
            report,
            p.source_id.as_deref(),
            p.title.clone(),
            Outcome::Error,
            Some(p.message.clone()),
        );
    }
    // One page of a larger answer: the events not on it are not gone from the source.
    if let Some(why) = &read.partial {
        line(
            report,
            None,
            None,
            Outcome::Error,
            Some(format!(
                "{why}: events missing from it are not marked removed; ask the source for all of them"
            )),
        );
        return Ok(());
    }
    let kept: Vec<String> = kept.into_iter().collect();
    let removed = store::mark_removed(tx, &s.id, &kept, &now).await?;
    for id in &removed {
        report.removed += 1;
        let old = known.iter().find(|k| &k.id == id);
        line(
            report,
            old.and_then(|o| o.source_key.as_deref()),
            old.and_then(|o| o.record.title.get(&Lang::fr()).map(str::to_owned)),
            Outcome::Removed,
            Some("no longer in the source: off the screens".into()),
        );
    }
    Ok(())
}

/// Where an imported event shows: the commune of the territory its place names (else the
/// source's default commune), with why it does not show when it does not — a place outside
/// the territory, or, for a commune's own source, another commune (a commune's editors
/// publish for their commune only).
pub(super) fn placed(s: &StoredSource, record: &SourceEvent) -> (Option<Insee>, Option<String>) {
    match (place::commune(&record.place, s.commune.as_ref()), &s.owner) {
        (None, _) => (
            None,
            Some(format!(
                "not in a commune of the territory ({}): not shown",
                place_words(record)
            )),
        ),
        (Some(c), Some(owner)) if &c != owner => (
            None,
            Some(format!(
                "takes place in {}, not in the source's commune ({}): not shown",
                crate::rules::owner_words(Some(&c)),
                crate::rules::owner_words(Some(owner))
            )),
        ),
        (found, _) => (found, None),
    }
}

/// How many cancellations the record holds: the whole event, or its cancelled dates of the
/// coming year.
fn cancellations(r: &SourceEvent, now: Timestamp) -> usize {
    if r.status == EventStatus::Cancelled {
        return usize::MAX;
    }
    let year = jiff::SignedDuration::from_hours(24 * 366);
    r.timing
        .occurrences(now - jiff::SignedDuration::from_hours(24), now + year)
        .iter()
        .filter(|o| o.status == Some(EventStatus::Cancelled))
        .count()
}

/// The place in a few words, for a report line.
fn place_words(r: &SourceEvent) -> String {
    let p = &r.place;
    let parts: Vec<&str> = [&p.name, &p.address, &p.postal_code, &p.city]
        .into_iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    if parts.is_empty() {
        "no place given".into()
    } else {
        parts.join(", ")
    }
}

/// The record as stored: texts as plain text of bounded length (sources put HTML and
/// Markdown in them), links and picture addresses only when `http(s)`, and the source's
/// category when the data says nothing usable.
fn clean(mut e: SourceEvent, category: Option<EventCategory>) -> SourceEvent {
    e.title = clean_text(&e.title, MAX_TITLE);
    e.description = clean_text(&e.description, MAX_DESCRIPTION);
    let web = |u: &Option<String>| {
        u.as_ref().map(|u| u.trim().to_owned()).filter(|u| {
            (u.starts_with("https://") || u.starts_with("http://")) && url::Url::parse(u).is_ok()
        })
    };
    e.url = web(&e.url);
    e.image_url = web(&e.image_url);
    if e.category == EventCategory::Other
        && let Some(c) = category
    {
        e.category = c;
    }
    // A calendar entry may have no title (RFC 5545 allows it); a screen needs one.
    if e.title.is_empty() {
        for lang in [Lang::fr(), Lang::en(), Lang::nl()] {
            let label = e.category.label(&lang).to_owned();
            e.title.0.insert(lang, label);
        }
    }
    e
}

/// Each language's text as plain text, cut at `max` characters (on a word, with "…").
fn clean_text(t: &Text, max: usize) -> Text {
    let mut out = Text::default();
    for (lang, value) in &t.0 {
        let plain = html::to_text(value);
        let plain = plain.trim();
        if !plain.is_empty() {
            out.0.insert(lang.clone(), cut(plain, max));
        }
    }
    out
}

/// `s` cut to at most `max` characters, at a word boundary when one is near.
fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let head: String = s.chars().take(max.saturating_sub(1)).collect();
    let at = head
        .rfind(char::is_whitespace)
        .filter(|&i| i > head.len() / 2)
        .unwrap_or(head.len());
    format!("{}…", head[..at].trim_end())
}

/// The most pictures fetched per source and round (the others at the next ones).
const PICTURES_PER_ROUND: i64 = 20;

/// How long a round spends on one source's pictures at most.
const PICTURES_TIME: Duration = Duration::from_secs(60);

/// Fetches the pictures the source's events name and that were not tried yet, each
/// checked like an upload (see [`fetch::picture`]). Returns whether an event got one.
pub(super) async fn fetch_pictures(state: &AppState, source: &str) -> ApiResult<bool> {
    let mut conn = state.db.acquire().await?;
    let wanted = store::pictures_wanted(&mut conn, source, PICTURES_PER_ROUND).await?;
    drop(conn);
    let mut got = false;
    let started = std::time::Instant::now();
    for (id, url) in wanted {
        if started.elapsed() > PICTURES_TIME {
            break;
        }
        let picture = match fetch::picture(state, &url).await {
            Ok(sha) => {
                got = true;
                Some(sha)
            }
            Err(e) => {
                tracing::warn!("event source {source}: no picture for {id}: {e}");
                None
            }
        };
        let mut conn = state.db.acquire().await?;
        store::record_picture(&mut conn, &id, &url, picture.as_ref()).await?;
    }
    Ok(got)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_texts_are_cut_on_a_word() {
        assert_eq!(cut("Marché de Noël", 50), "Marché de Noël");
        assert_eq!(
            cut("Grand marché de Noël sur la place", 20),
            "Grand marché de…"
        );
        assert_eq!(cut("abcdefghijklmnopqrstuvwxyz", 10), "abcdefghi…");
    }

    #[test]
    fn texts_lose_their_markup_and_links_need_http() {
        let e = SourceEvent {
            source_id: "1".into(),
            title: Text::fr("<b>Concert</b> &amp; bal"),
            description: Text::fr("   "),
            place: beffroi_agenda::Place::default(),
            category: EventCategory::Other,
            status: EventStatus::Scheduled,
            url: Some("javascript:alert(1)".into()),
            image_url: Some(" https://example.org/a.jpg ".into()),
            timing: beffroi_agenda::Timing::List {
                occurrences: Vec::new(),
            },
            updated: None,
        };
        let c = clean(e, Some(EventCategory::Concert));
        assert_eq!(c.title, Text::fr("Concert & bal"));
        assert!(c.description.is_empty());
        assert_eq!(c.url, None);
        assert_eq!(c.image_url.as_deref(), Some("https://example.org/a.jpg"));
        assert_eq!(c.category, EventCategory::Concert);
    }
}
