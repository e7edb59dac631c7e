//! Rebuilding the news data set after a change, and the manifests of the screens it
//! reaches.
//!
//! Like a publish, a refresh holds the publish lock, so that the two never interleave; the
//! data set in force is replaced inside the write transaction that stores the new
//! manifests, so that an alert change (which rebuilds manifests in its own write
//! transaction) always builds with the data set its manifests will be stored beside.

use std::collections::{BTreeMap, BTreeSet};

use beffroi_protocol::ids::Sha256;
use beffroi_protocol::manifest::AssetRef;
use jiff::Timestamp;

use super::dataset;
use super::store;
use crate::alerts;
use crate::api::error::{ApiError, ApiResult};
use crate::model::manifest::{DataSets, NEWS_IMAGE_BOX, NewsImage, PixelBox};
use crate::model::snapshot::Snapshot;
use crate::model::{Side, store as objects};
use crate::publish;
use crate::server::AppState;

/// What a refresh did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refreshed {
    /// The news data set changed (its new hash), or `None` when it was already current.
    pub data_set: Option<Sha256>,
    /// Screens whose manifest changed, with their new version.
    pub screens: BTreeMap<String, String>,
}

/// Rebuilds the news data set from the stored items as of now; when it differs from the
/// one in force, stores it, rebuilds every screen's manifest with it (only those showing
/// news change) and pushes the changed ones. `user`: who caused it (`None`: the schedule).
pub async fn refresh(state: &AppState, user: Option<i64>) -> ApiResult<Refreshed> {
    let _guard = state.publishing.lock().await;
    let now = Timestamp::from_second(Timestamp::now().as_second())
        .map_err(|e| ApiError::internal("reading the clock", e))?;
    let mut conn = state.db.acquire().await?;
    let items = store::items(&mut conn).await?;
    let feeds = store::feeds(&mut conn).await?;
    drop(conn);
    // Items leave the set a day after they expire: players stop showing them on time by
    // themselves, and one rebuild a day instead of one per expiry spares every screen a sync.
    let mut built = dataset::build(&items, &feeds, now - jiff::SignedDuration::from_hours(24));

    // Pictures: the rendition made for news cards, made now when missing. A picture that
    // cannot be made (a bug, or a blob lost) leaves its item without a picture.
    let mut images = Vec::new();
    let mut swap: BTreeMap<Sha256, Sha256> = BTreeMap::new();
    for (original, communes) in &built.images {
        match publish::rendition(state, original, NEWS_IMAGE_BOX).await {
            Ok(asset) => {
                swap.insert(original.clone(), asset.sha256.clone());
                images.push(NewsImage {
                    communes: communes.clone(),
                    asset,
                });
            }
            Err(e) => tracing::error!("news: no picture {original} for the screens: {}", e.message),
        }
    }
    for n in &mut built.data.items {
        n.image = n.image.as_ref().and_then(|i| swap.get(i).cloned());
    }
    images.sort_by(|a, b| a.asset.sha256.cmp(&b.asset.sha256));

    let current = state.data_sets();
    let (r, _) = beffroi_protocol::canonical::encode_blob(&built.data)
        .map_err(|e| ApiError::internal("encoding the news", e))?;
    if current.refs.news.as_ref() == Some(&r) && current.news_images == images {
        return Ok(Refreshed::default());
    }
    let r = publish::store_data_set(&state.blobs, &state.db, &built.data).await?;
    let mut next = current.clone();
    next.refs.news = Some(r.clone());
    next.news_images = images;

    let screens = rebuild(state, &next, &current, user, now).await?;
    tracing::info!(
        "news data set {} ({} items): {} screens changed",
        r.sha256,
        built.data.items.len(),
        screens.len()
    );
    Ok(Refreshed {
        data_set: Some(r.sha256),
        screens,
    })
}

/// Stores the manifests of every screen rebuilt with `next` under a new publication number,
/// makes `next` the data sets in force, commits, and pushes the changed manifests.
async fn rebuild(
    state: &AppState,
    next: &DataSets,
    current: &DataSets,
    user: Option<i64>,
    now: Timestamp,
) -> ApiResult<BTreeMap<String, String>> {
    let mut conn = state.db.acquire().await?;
    let rows = objects::all(&mut conn).await?;
    let media = objects::media(&mut conn).await?;
    drop(conn);
    let s = Snapshot::build(&rows, Side::Published, media)
        .map_err(|e| ApiError::internal("reading objects", e))?;
    let screens: BTreeSet<String> = s.screens.keys().cloned().collect();

    let mut tx = crate::db::begin_write(&state.db).await?;
    let made = publish::renditions_made(&mut tx, &s, &screens).await?;
    let asset =
        |sha: &Sha256, b: PixelBox| -> Option<AssetRef> { made.get(&(sha.clone(), b)).cloned() };
    let publication = sqlx::query(
        "INSERT INTO publications (at, user_id, objects, screens_changed, data_set)
         VALUES (?1, ?2, 0, 0, 'news')",
    )
    .bind(now.to_string())
    .bind(user)
    .execute(&mut *tx)
    .await?
    .last_insert_rowid();
    let live = alerts::live(&mut tx, now).await?;
    let mut changed = BTreeMap::new();
    for screen in &screens {
        let old = publish::old_manifest(&mut tx, screen).await?;
        let screen_alerts = alerts::for_screen(
            &live,
            &s,
            screen,
            &old.as_ref().map(|o| o.alerts.clone()).unwrap_or_default(),
        );
        let stored = publish::store_manifest(
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
        if let Some(version) = publish::kept_when_unbuildable(stored, "news", screen)? {
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
    set(state, next.clone());
    if let Err(e) = tx.commit().await {
        set(state, current.clone());
        return Err(e.into());
    }
    for (screen, version) in &changed {
        state.hub.manifest(screen, version, publication);
    }
    Ok(changed)
}

fn set(state: &AppState, data: DataSets) {
    *state
        .data_sets
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = data;
}
