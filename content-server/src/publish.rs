//! Publishing: drafts become the published state in one transaction, every screen's
//! manifest is rebuilt from it, and only the screens whose manifest changed get a new
//! version (and a push).
//!
//! A manifest's `generated_at` is the instant of the publish that last changed it, stored
//! with it; a screen untouched by a publish keeps its manifest byte for byte.
//!
//! Manifests carry the screens' alerts. An alert change refreshes the manifests of the
//! screens it concerns ([`refresh_for_alert`]) without publishing any draft: it takes a
//! publication number of its own (a `publications` row naming the alert, with no object),
//! so that manifest event ids keep growing.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;

use beffroi_protocol::alert::Alert;
use beffroi_protocol::data::catalogue::Catalogue;
use beffroi_protocol::data::events::EventsData;
use beffroi_protocol::data::news::NewsData;
use beffroi_protocol::data::waste::WasteData;
use beffroi_protocol::ids::{Insee, Sha256};
use beffroi_protocol::manifest::{AssetRef, DataRefs, Manifest};
use jiff::Timestamp;
use sqlx::{Row, SqliteConnection};

use crate::alerts;
use crate::api::error::{ApiError, ApiResult};
use crate::model::manifest::{self as build, DataImage, DataSets, PixelBox};
use crate::model::snapshot::Snapshot;
use crate::model::store::{self, ObjectRow};
use crate::model::{Kind, Side};
use crate::server::AppState;
use crate::users::User;

/// What a publish did.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Outcome {
    /// The publication's id (also the SSE event id of the changes it pushed).
    pub publication: i64,
    /// Its instant.
    pub at: String,
    /// The objects published, as `kind/id`.
    pub objects: Vec<String>,
    /// Screens whose manifest changed, with their new version.
    pub screens: BTreeMap<String, String>,
}

/// Stores the data sets as blobs and returns their references: the catalogue (so far empty)
/// and empty events, news and waste data sets, which `events::refresh`, `news::refresh` and
/// `waste::refresh` replace with the stored ones once the server state exists.
pub async fn store_data_sets(
    state_blobs: &crate::blobs::Blobs,
    db: &sqlx::SqlitePool,
) -> Result<DataSets, ApiError> {
    let refs = DataRefs {
        events: Some(store_data_set(state_blobs, db, &EventsData::default()).await?),
        waste: Some(store_data_set(state_blobs, db, &WasteData::default()).await?),
        news: Some(store_data_set(state_blobs, db, &NewsData::default()).await?),
        catalogue: Some(store_data_set(state_blobs, db, &Catalogue::default()).await?),
    };
    Ok(DataSets {
        refs,
        news_images: Vec::new(),
        event_images: Vec::new(),
    })
}

/// Stores one data set as a canonical JSON blob and returns its reference.
pub async fn store_data_set(
    blobs: &crate::blobs::Blobs,
    db: &sqlx::SqlitePool,
    set: &impl serde::Serialize,
) -> ApiResult<beffroi_protocol::manifest::BlobRef> {
    let (r, bytes) = beffroi_protocol::canonical::encode_blob(set)
        .map_err(|e| ApiError::internal("encoding a data set", e))?;
    let sha = blobs.put(bytes).await?;
    record_blob(db, &sha, r.size, "application/json").await?;
    Ok(r)
}

/// Records a stored blob and its type (once).
pub async fn record_blob(
    db: &sqlx::SqlitePool,
    sha: &Sha256,
    size: u64,
    mime: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO blobs (sha256, size, mime, created_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (sha256) DO NOTHING",
    )
    .bind(sha.as_str())
    .bind(size as i64)
    .bind(mime)
    .bind(Timestamp::now().to_string())
    .execute(db)
    .await?;
    Ok(())
}

/// The rendition of `source` for `pbox`, made and stored when missing.
pub async fn rendition(state: &AppState, source: &Sha256, pbox: PixelBox) -> ApiResult<AssetRef> {
    if let Some(a) = stored_rendition(&state.db, source, pbox).await? {
        return Ok(a);
    }
    let bytes = state.blobs.get(source).await?;
    let (w, h) = pbox;
    let encoded = tokio::task::spawn_blocking(move || crate::ingest::rendition(&bytes, w, h))
        .await
        .map_err(|e| ApiError::internal("making a rendition", e))?
        .map_err(|e| ApiError::invalid(format!("media {source}: {e}"), Vec::new()))?;
    let size = encoded.bytes.len() as u64;
    let sha = state.blobs.put(encoded.bytes).await?;
    record_blob(&state.db, &sha, size, encoded.mime).await?;
    sqlx::query(
        "INSERT INTO renditions (source, max_width, max_height, sha256, mime, size, width, height)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING",
    )
    .bind(source.as_str())
    .bind(i64::from(w))
    .bind(i64::from(h))
    .bind(sha.as_str())
    .bind(encoded.mime)
    .bind(size as i64)
    .bind(i64::from(encoded.width))
    .bind(i64::from(encoded.height))
    .execute(&state.db)
    .await?;
    Ok(AssetRef {
        sha256: sha,
        size,
        mime: encoded.mime.to_owned(),
        width: Some(encoded.width),
        height: Some(encoded.height),
    })
}

pub(crate) async fn stored_rendition<'e>(
    db: impl sqlx::SqliteExecutor<'e>,
    source: &Sha256,
    (w, h): PixelBox,
) -> Result<Option<AssetRef>, ApiError> {
    let row = sqlx::query(
        "SELECT sha256, mime, size, width, height FROM renditions
         WHERE source = ?1 AND max_width = ?2 AND max_height = ?3",
    )
    .bind(source.as_str())
    .bind(i64::from(w))
    .bind(i64::from(h))
    .fetch_optional(db)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let sha: String = r.get("sha256");
    Ok(Some(AssetRef {
        sha256: sha
            .parse()
            .map_err(|e| ApiError::internal("reading renditions", e))?,
        size: r.get::<i64, _>("size") as u64,
        mime: r.get("mime"),
        width: Some(r.get::<i64, _>("width") as u32),
        height: Some(r.get::<i64, _>("height") as u32),
    }))
}

/// Makes every rendition the screens of `s` need.
pub async fn make_renditions(
    state: &AppState,
    s: &Snapshot,
) -> ApiResult<BTreeMap<(Sha256, PixelBox), AssetRef>> {
    let mut out = BTreeMap::new();
    for screen in s.screens.keys() {
        for (sha, pbox) in build::rendition_needs(s, screen) {
            if out.contains_key(&(sha.clone(), pbox)) {
                continue;
            }
            let a = rendition(state, &sha, pbox).await?;
            out.insert((sha, pbox), a);
        }
    }
    Ok(out)
}

/// The draft manifest of a screen, for previews: renditions already made are used, the
/// originals otherwise (nothing is generated for a preview).
pub async fn preview(state: &AppState, screen_id: &str, side: Side) -> ApiResult<Manifest> {
    let generated_at = Timestamp::now();
    let mut conn = state.db.acquire().await?;
    let rows = store::all(&mut conn).await?;
    let media = store::media(&mut conn).await?;
    let live = alerts::live(&mut conn, generated_at).await?;
    drop(conn);
    let s = Snapshot::build(&rows, side, media)
        .map_err(|e| ApiError::internal("reading objects", e))?;
    let mut made = BTreeMap::new();
    for (sha, pbox) in build::rendition_needs(&s, screen_id) {
        let a = match stored_rendition(&state.db, &sha, pbox).await? {
            Some(a) => a,
            None => match s.media.get(&sha) {
                Some(m) => AssetRef {
                    sha256: sha.clone(),
                    size: m.size,
                    mime: m.mime.clone(),
                    width: Some(m.width),
                    height: Some(m.height),
                },
                None => continue,
            },
        };
        made.insert((sha, pbox), a);
    }
    build::build(
        &s,
        screen_id,
        &|sha, b| made.get(&(sha.clone(), b)).cloned(),
        &state.data_sets(),
        alerts::for_screen(&live, &s, screen_id, &BTreeSet::new()),
        generated_at,
    )
    .map_err(|p| ApiError::invalid(p[0].clone(), p))
}

/// Publishes the pending drafts `selection` names (all those the user may publish when
/// `None`), rebuilds the manifests and pushes the changed ones.
pub async fn publish(
    state: &AppState,
    user: &User,
    selection: Option<Vec<(Kind, String)>>,
) -> ApiResult<Outcome> {
    if !user.publishes(state.settings.editors_self_publish) {
        return Err(ApiError::forbidden(format!(
            "{} ({}) cannot publish; an approver or an administrator publishes{}",
            user.username,
            user.role,
            if user.role == crate::users::Role::Editor {
                " (or set editors_self_publish = true)"
            } else {
                ""
            }
        )));
    }
    // One publish at a time: they read and write every manifest.
    let _guard = state.publishing.lock().await;
    let started = std::time::Instant::now();
    let mut conn = state.db.acquire().await?;
    let rows = store::all(&mut conn).await?;
    let media = store::media(&mut conn).await?;
    drop(conn);

    let chosen: Vec<&ObjectRow> = match &selection {
        Some(list) => {
            let mut out = Vec::new();
            for (kind, id) in list {
                let row = rows
                    .iter()
                    .find(|r| r.kind == *kind && r.id == *id)
                    .ok_or_else(|| ApiError::not_found(format!("no {} \"{id}\"", kind.noun())))?;
                if !user.edits(row.owner.as_ref()) {
                    return Err(ApiError::forbidden(format!(
                        "{} \"{id}\" is not yours to publish",
                        kind.noun()
                    )));
                }
                if row.pending() {
                    out.push(row);
                }
            }
            out
        }
        None => rows
            .iter()
            .filter(|r| r.pending() && user.edits(r.owner.as_ref()))
            .collect(),
    };
    if chosen.is_empty() {
        return Err(ApiError::conflict("nothing to publish: no pending change"));
    }

    // The published state after this publish, checked as a whole.
    let mut next_rows = rows.clone();
    for r in &mut next_rows {
        if chosen.iter().any(|c| c.kind == r.kind && c.id == r.id) {
            r.published.clone_from(&r.draft);
        }
    }
    let next = Snapshot::build(&next_rows, Side::Published, media)
        .map_err(|e| ApiError::internal("reading objects", e))?;
    let problems = next.problems();
    if !problems.is_empty() {
        return Err(ApiError::invalid(
            format!(
                "the publish would leave the screens inconsistent: {} (publish what it needs too)",
                problems[0]
            ),
            problems,
        ));
    }
    let checked = started.elapsed();
    let renditions = make_renditions(state, &next).await?;
    let rendered = started.elapsed();
    let asset = |sha: &Sha256, b: PixelBox| renditions.get(&(sha.clone(), b)).cloned();

    let now = Timestamp::from_second(Timestamp::now().as_second())
        .map_err(|e| ApiError::internal("reading the clock", e))?;
    let mut tx = crate::db::begin_write(&state.db).await?;
    // Refuse if a chosen draft changed since it was read (an edit raced the publish).
    for c in &chosen {
        let current = store::get(&mut tx, c.kind, &c.id).await?;
        if current.as_ref().map(|r| r.revision) != Some(c.revision) {
            return Err(ApiError::conflict(format!(
                "{} \"{}\" changed while publishing; publish again",
                c.kind.noun(),
                c.id
            )));
        }
    }
    let publication = sqlx::query(
        "INSERT INTO publications (at, user_id, objects, screens_changed) VALUES (?1, ?2, ?3, 0)",
    )
    .bind(now.to_string())
    .bind(user.id)
    .bind(chosen.len() as i64)
    .execute(&mut *tx)
    .await?
    .last_insert_rowid();
    for c in &chosen {
        match &c.draft {
            None => store::remove(&mut tx, c.kind, &c.id).await?,
            Some(d) => {
                sqlx::query(
                    "UPDATE objects SET published = ?3, published_at = ?4, published_by = ?5
                     WHERE kind = ?1 AND id = ?2",
                )
                .bind(c.kind.as_str())
                .bind(&c.id)
                .bind(d)
                .bind(now.to_string())
                .bind(user.id)
                .execute(&mut *tx)
                .await?;
            }
        }
    }
    // Read in the write transaction: an alert change commits wholly before or after it.
    let live = alerts::live(&mut tx, now).await?;
    let mut changed = BTreeMap::new();
    for screen in next.screens.keys() {
        let old = old_manifest(&mut tx, screen).await?;
        let screen_alerts = alerts::for_screen(
            &live,
            &next,
            screen,
            &old.as_ref().map(|o| o.alerts.clone()).unwrap_or_default(),
        );
        if let Some(version) = store_manifest(
            &mut tx,
            &next,
            screen,
            &asset,
            &state.data_sets(),
            screen_alerts,
            old.as_ref(),
            now,
            publication,
        )
        .await?
        {
            changed.insert(screen.clone(), version);
        }
    }
    // Screens deleted by this publish lose their manifest (their players keep the last one).
    let stored: Vec<String> = sqlx::query_scalar("SELECT screen_id FROM manifests")
        .fetch_all(&mut *tx)
        .await?;
    let removed: Vec<&String> = stored
        .iter()
        .filter(|s| !next.screens.contains_key(*s))
        .collect();
    for s in &removed {
        sqlx::query("DELETE FROM manifests WHERE screen_id = ?1")
            .bind(s)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM manifest_blobs WHERE screen_id = ?1")
            .bind(s)
            .execute(&mut *tx)
            .await?;
    }
    let built = started.elapsed();
    sqlx::query("UPDATE publications SET screens_changed = ?2 WHERE id = ?1")
        .bind(publication)
        .bind(changed.len() as i64)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;

    state.metrics.count_publish();
    for (screen, version) in &changed {
        state.hub.manifest(screen, version, publication);
    }
    for screen in removed {
        state.hub.manifest_removed(screen);
    }
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    tracing::info!(
        "publication {publication} by {}: {} objects, {} screens changed, in {:.1} ms (checks {:.1}, renditions {:.1}, manifests {:.1}, commit {:.1})",
        user.username,
        chosen.len(),
        changed.len(),
        ms(started.elapsed()),
        ms(checked),
        ms(rendered - checked),
        ms(built - rendered),
        ms(started.elapsed() - built),
    );
    Ok(Outcome {
        publication,
        at: now.to_string(),
        objects: chosen
            .iter()
            .map(|c| format!("{}/{}", c.kind, c.id))
            .collect(),
        screens: changed,
    })
}

/// A screen's stored manifest, as a rebuild compares with it.
#[derive(Debug, Clone)]
pub struct OldManifest {
    /// Its version.
    pub version: String,
    /// The instant it was generated at.
    pub generated_at: Timestamp,
    /// The publication that stored it (the SSE id of its `manifest` event).
    pub publication: i64,
    /// The ids of the alerts it carries.
    pub alerts: BTreeSet<String>,
}

/// The stored manifest of `screen`, if any.
pub async fn old_manifest(
    tx: &mut SqliteConnection,
    screen: &str,
) -> ApiResult<Option<OldManifest>> {
    let row = sqlx::query(
        "SELECT version, generated_at, publication, body FROM manifests WHERE screen_id = ?1",
    )
    .bind(screen)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(r) = row else { return Ok(None) };
    Ok(Some(OldManifest {
        version: r.get("version"),
        generated_at: r
            .get::<String, _>("generated_at")
            .parse()
            .map_err(|e| ApiError::internal("reading a manifest's instant", e))?,
        publication: r.get("publication"),
        alerts: alerts::ids_in_manifest(r.get::<&[u8], _>("body")),
    }))
}

/// Rebuilds the manifest of `screen` with `screen_alerts`; stores it and returns its version
/// when it differs from `old`, the stored one.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn store_manifest(
    tx: &mut SqliteConnection,
    s: &Snapshot,
    screen: &str,
    asset: &(dyn Fn(&Sha256, PixelBox) -> Option<AssetRef> + Sync),
    data: &DataSets,
    screen_alerts: Vec<Alert>,
    old: Option<&OldManifest>,
    now: Timestamp,
    publication: i64,
) -> ApiResult<Option<String>> {
    let fail = |p: Vec<String>| ApiError::invalid(p[0].clone(), p);
    // Built at the stored instant: the same version means nothing changed for this screen.
    let at = old.map_or(now, |o| o.generated_at);
    let mut m = build::build(s, screen, asset, data, screen_alerts, at).map_err(fail)?;
    if let Some(old) = old {
        if m.version == old.version {
            return Ok(None);
        }
        m.generated_at = now;
        m.seal()
            .map_err(|e| ApiError::internal("sealing a manifest", e))?;
    }
    let body = m
        .to_canonical_json()
        .map_err(|e| ApiError::internal("encoding a manifest", e))?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(body.as_bytes())
        .and_then(|()| gz.flush())
        .map_err(|e| ApiError::internal("compressing a manifest", e))?;
    let gzip = gz
        .finish()
        .map_err(|e| ApiError::internal("compressing a manifest", e))?;
    sqlx::query(
        "INSERT INTO manifests (screen_id, version, generated_at, publication, body, body_gzip)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (screen_id) DO UPDATE SET version = excluded.version,
            generated_at = excluded.generated_at, publication = excluded.publication,
            body = excluded.body, body_gzip = excluded.body_gzip",
    )
    .bind(screen)
    .bind(&m.version)
    .bind(now.to_string())
    .bind(publication)
    .bind(body.as_bytes())
    .bind(&gzip)
    .execute(&mut *tx)
    .await?;
    // The screen may fetch the blobs of this manifest and of the one before it (a player
    // still downloading the previous version must be able to finish).
    let previous: Option<&str> = old.map(|o| o.version.as_str());
    sqlx::query("DELETE FROM manifest_blobs WHERE screen_id = ?1 AND version IS NOT ?2")
        .bind(screen)
        .bind(previous)
        .execute(&mut *tx)
        .await?;
    let blobs = m
        .assets
        .iter()
        .map(|a| &a.sha256)
        .chain(m.data.iter().map(|(_, r)| &r.sha256));
    for sha in blobs {
        sqlx::query(
            "INSERT INTO manifest_blobs (screen_id, version, sha256) VALUES (?1, ?2, ?3)
             ON CONFLICT DO NOTHING",
        )
        .bind(screen)
        .bind(&m.version)
        .bind(sha.as_str())
        .execute(&mut *tx)
        .await?;
    }
    Ok(Some(m.version))
}

/// The outcome of [`store_manifest`] when rebuilding outside a publish (an alert or a data
/// set change): a screen whose published state cannot be rebuilt (a rendition missing)
/// keeps its manifest, with an error in the log naming `cause`; other errors stop.
pub(crate) fn kept_when_unbuildable(
    stored: ApiResult<Option<String>>,
    cause: &str,
    screen: &str,
) -> ApiResult<Option<String>> {
    match stored {
        Err(e) if e.status == axum::http::StatusCode::UNPROCESSABLE_ENTITY => {
            tracing::error!(
                "{cause}: the manifest of screen {screen} cannot be rebuilt, it keeps the old one: {}",
                e.message
            );
            Ok(None)
        }
        other => other,
    }
}

/// The renditions already made (by a publish) that `screens` of `s` use.
pub(crate) async fn renditions_made(
    tx: &mut SqliteConnection,
    s: &Snapshot,
    screens: &BTreeSet<String>,
) -> ApiResult<BTreeMap<(Sha256, PixelBox), AssetRef>> {
    let mut made = BTreeMap::new();
    for screen in screens {
        for (sha, pbox) in build::rendition_needs(s, screen) {
            if let Some(a) = stored_rendition(&mut *tx, &sha, pbox).await? {
                made.insert((sha, pbox), a);
            }
        }
    }
    Ok(made)
}

/// What an alert change did to the screens, to announce once committed.
#[derive(Debug, Clone, Default)]
pub struct AlertRefresh {
    /// The number the manifest refresh took among publications (the SSE id of its
    /// `manifest` events); `None` when no manifest changed.
    pub publication: Option<i64>,
    /// Screens whose manifest changed, with their new version.
    pub manifests: BTreeMap<String, String>,
    /// Per screen concerned, the alert as it gets it (a tombstone where it no longer
    /// reaches) and the publication its manifest was at before.
    pub pushes: Vec<(String, Alert, i64)>,
}

/// Within `tx`, the write transaction that has just stored a change of alert `alert_id`:
/// rebuilds the manifests of the screens the alert concerns (those of `s`, the published
/// state, it reaches, and those whose stored manifest carries it) and stores the changed
/// ones under a new publication number, without touching drafts or other screens.
///
/// A screen whose manifest cannot be rebuilt (its published state needs a rendition that
/// is missing) keeps its manifest, with an error in the log, and still gets the push.
pub async fn refresh_for_alert(
    tx: &mut SqliteConnection,
    state: &AppState,
    s: &Snapshot,
    alert_id: &str,
    user_id: i64,
    now: Timestamp,
) -> ApiResult<AlertRefresh> {
    let live = alerts::live(&mut *tx, now).await?;
    let mut screens: BTreeSet<String> = live
        .iter()
        .find(|a| a.alert.id == alert_id)
        .map(|a| a.target.screens_in(s))
        .unwrap_or_default();
    let holding: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT m.screen_id FROM manifests m, json_each(CAST(m.body AS TEXT), '$.alerts') a
         WHERE json_extract(a.value, '$.id') = ?1",
    )
    .bind(alert_id)
    .fetch_all(&mut *tx)
    .await?;
    screens.extend(holding.into_iter().filter(|id| s.screens.contains_key(id)));

    let made = renditions_made(&mut *tx, s, &screens).await?;
    let asset = |sha: &Sha256, b: PixelBox| made.get(&(sha.clone(), b)).cloned();

    let publication = sqlx::query(
        "INSERT INTO publications (at, user_id, objects, screens_changed, alert)
         VALUES (?1, ?2, 0, 0, ?3)",
    )
    .bind(now.to_string())
    .bind(user_id)
    .bind(alert_id)
    .execute(&mut *tx)
    .await?
    .last_insert_rowid();
    let mut out = AlertRefresh::default();
    for screen in &screens {
        let old = old_manifest(&mut *tx, screen).await?;
        let screen_alerts = alerts::for_screen(
            &live,
            s,
            screen,
            &old.as_ref().map(|o| o.alerts.clone()).unwrap_or_default(),
        );
        let pushed = screen_alerts.iter().find(|a| a.id == alert_id).cloned();
        let stored = store_manifest(
            &mut *tx,
            s,
            screen,
            &asset,
            &state.data_sets(),
            screen_alerts,
            old.as_ref(),
            now,
            publication,
        )
        .await;
        if let Some(version) = kept_when_unbuildable(stored, &format!("alert {alert_id}"), screen)?
        {
            out.manifests.insert(screen.clone(), version);
        }
        if let Some(a) = pushed {
            out.pushes
                .push((screen.clone(), a, old.map_or(0, |o| o.publication)));
        }
    }
    if out.manifests.is_empty() {
        // Never used: the number is free again.
        sqlx::query("DELETE FROM publications WHERE id = ?1")
            .bind(publication)
            .execute(&mut *tx)
            .await?;
    } else {
        sqlx::query("UPDATE publications SET screens_changed = ?2 WHERE id = ?1")
            .bind(publication)
            .bind(out.manifests.len() as i64)
            .execute(&mut *tx)
            .await?;
        out.publication = Some(publication);
    }
    Ok(out)
}

impl AlertRefresh {
    /// Once committed: pushes the alert to each screen concerned (an `alert` event, sent
    /// and remembered for replay like a remote action), then the `manifest` event of each
    /// changed manifest. Returns how many event streams received the alert.
    pub fn announce(&self, hub: &crate::hub::Hub) -> usize {
        let mut delivered = 0;
        for (screen, alert, publication) in &self.pushes {
            let data = serde_json::to_string(alert).unwrap_or_default();
            delivered += hub.alert(screen, data, *publication).1;
        }
        if let Some(publication) = self.publication {
            for (screen, version) in &self.manifests {
                hub.manifest(screen, version, publication);
            }
        }
        delivered
    }
}

/// What a refresh did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refreshed {
    /// The data sets that changed, or none when they were already current.
    pub data_sets: Vec<&'static str>,
    /// Screens whose manifest changed, with their new version.
    pub screens: BTreeMap<String, String>,
}

/// A data set the server derives from its own tables (the catalogue aside, so far).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Derived {
    /// From the announcements and feed items.
    News,
    /// From the events, expanded over the horizon.
    Events,
    /// From the waste calendars and the sorting guide.
    Waste,
}

impl Derived {
    /// Every one, in the order the server builds them at start-up.
    pub(crate) const ALL: [Derived; 3] = [Self::News, Self::Events, Self::Waste];

    fn name(self) -> &'static str {
        match self {
            Self::News => "news",
            Self::Events => "events",
            Self::Waste => "waste",
        }
    }
}

/// Rebuilds the data sets `which` from the stored rows as of now; when any differs from the
/// one in force, stores it, rebuilds every screen's manifest once with them all (only the
/// screens showing a changed one change) and pushes the changed manifests.
///
/// Like a publish, a refresh holds the publish lock, so that the two never interleave; the
/// data sets in force are replaced inside the write transaction that stores the new
/// manifests, so that an alert change (which rebuilds manifests in its own write
/// transaction) always builds with the data sets its manifests will be stored beside.
pub(crate) async fn refresh_data_sets(
    state: &AppState,
    user: Option<i64>,
    which: &[Derived],
) -> ApiResult<Refreshed> {
    let _guard = state.publishing.lock().await;
    let now = Timestamp::from_second(Timestamp::now().as_second())
        .map_err(|e| ApiError::internal("reading the clock", e))?;
    let current = state.data_sets();
    let mut next = current.clone();
    let mut changed = Vec::new();
    for d in which {
        let before = next.clone();
        match d {
            Derived::News => crate::news::refresh::prepare(state, now, &mut next).await?,
            Derived::Events => crate::events::refresh::prepare(state, now, &mut next).await?,
            Derived::Waste => crate::waste::refresh::prepare(state, now, &mut next).await?,
        }
        if next != before {
            changed.push(d.name());
        }
    }
    if changed.is_empty() {
        return Ok(Refreshed::default());
    }
    let label = changed.join(", ");
    let screens = rebuild_with_data_sets(state, &next, &current, user, now, &label).await?;
    tracing::info!(
        "data sets rebuilt ({label}): {} screens changed",
        screens.len()
    );
    Ok(Refreshed {
        data_sets: changed,
        screens,
    })
}

/// Stores the manifests of every screen rebuilt with `next` under a new publication number,
/// makes `next` the data sets in force, commits, and pushes the changed manifests.
/// `data_set` names the data sets that changed (`news`, `events, waste`) in the
/// publication.
async fn rebuild_with_data_sets(
    state: &AppState,
    next: &DataSets,
    current: &DataSets,
    user: Option<i64>,
    now: Timestamp,
    data_set: &str,
) -> ApiResult<BTreeMap<String, String>> {
    let mut conn = state.db.acquire().await?;
    let rows = store::all(&mut conn).await?;
    let media = store::media(&mut conn).await?;
    drop(conn);
    let s = Snapshot::build(&rows, Side::Published, media)
        .map_err(|e| ApiError::internal("reading objects", e))?;
    let screens: BTreeSet<String> = s.screens.keys().cloned().collect();

    let mut tx = crate::db::begin_write(&state.db).await?;
    let made = renditions_made(&mut tx, &s, &screens).await?;
    let asset =
        |sha: &Sha256, b: PixelBox| -> Option<AssetRef> { made.get(&(sha.clone(), b)).cloned() };
    let publication = sqlx::query(
        "INSERT INTO publications (at, user_id, objects, screens_changed, data_set)
         VALUES (?1, ?2, 0, 0, ?3)",
    )
    .bind(now.to_string())
    .bind(user)
    .bind(data_set)
    .execute(&mut *tx)
    .await?
    .last_insert_rowid();
    let live = alerts::live(&mut tx, now).await?;
    let mut changed = BTreeMap::new();
    for screen in &screens {
        let old = old_manifest(&mut tx, screen).await?;
        let screen_alerts = alerts::for_screen(
            &live,
            &s,
            screen,
            &old.as_ref().map(|o| o.alerts.clone()).unwrap_or_default(),
        );
        let stored = store_manifest(
            &mut tx,
            &s,
            screen,
            &asset,
            next,
            screen_alerts,
            old.as_ref(),
            now,
            publication,
        )
        .await;
        if let Some(version) = kept_when_unbuildable(stored, data_set, screen)? {
            changed.insert(screen.clone(), version);
        }
    }
    if changed.is_empty() {
        sqlx::query("DELETE FROM publications WHERE id = ?1")
            .bind(publication)
            .execute(&mut *tx)
            .await?;
    } else {
        sqlx::query("UPDATE publications SET screens_changed = ?2 WHERE id = ?1")
            .bind(publication)
            .bind(changed.len() as i64)
            .execute(&mut *tx)
            .await?;
    }
    set_data_sets(state, next.clone());
    if let Err(e) = tx.commit().await {
        set_data_sets(state, current.clone());
        return Err(e.into());
    }
    for (screen, version) in &changed {
        state.hub.manifest(screen, version, publication);
    }
    Ok(changed)
}

fn set_data_sets(state: &AppState, data: DataSets) {
    *state
        .data_sets
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = data;
}

/// The renditions of a data set's pictures made for `pbox` (made now when missing), each
/// with the communes of the items using it, and the original → rendition swap. A picture
/// that cannot be made (a bug, or a blob lost) is left out: its items go without.
pub(crate) async fn data_images(
    state: &AppState,
    originals: &BTreeMap<Sha256, Vec<Insee>>,
    pbox: PixelBox,
    data_set: &str,
) -> (Vec<DataImage>, BTreeMap<Sha256, Sha256>) {
    let mut images = Vec::new();
    let mut swap: BTreeMap<Sha256, Sha256> = BTreeMap::new();
    for (original, communes) in originals {
        match rendition(state, original, pbox).await {
            Ok(asset) => {
                swap.insert(original.clone(), asset.sha256.clone());
                images.push(DataImage {
                    communes: communes.clone(),
                    asset,
                });
            }
            Err(e) => {
                tracing::error!(
                    "{data_set}: no picture {original} for the screens: {}",
                    e.message
                );
            }
        }
    }
    images.sort_by(|a, b| a.asset.sha256.cmp(&b.asset.sha256));
    (images, swap)
}
