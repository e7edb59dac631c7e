//! Rebuilding the news data set after a change, and the manifests of the screens it
//! reaches.
//!
//! Like a publish, a refresh holds the publish lock, so that the two never interleave; the
//! data set in force is replaced inside the write transaction that stores the new
//! manifests, so that an alert change (which rebuilds manifests in its own write
//! transaction) always builds with the data set its manifests will be stored beside.

use jiff::Timestamp;

use super::dataset;
use super::store;
use crate::api::error::{ApiError, ApiResult};
use crate::model::manifest::NEWS_IMAGE_BOX;
use crate::publish::{self, Refreshed};
use crate::server::AppState;

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

    // Pictures: the rendition made for news cards, made now when missing.
    let (images, swap) = publish::data_images(state, &built.images, NEWS_IMAGE_BOX, "news").await;
    for n in &mut built.data.items {
        n.image = n.image.as_ref().and_then(|i| swap.get(i).cloned());
    }
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

    let screens =
        publish::rebuild_with_data_sets(state, &next, &current, user, now, "news").await?;
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
