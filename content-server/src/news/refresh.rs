//! The news data set rebuilt from the stored items (`crate::publish::refresh_data_sets`
//! stores it and rebuilds the manifests of the screens it reaches).

use jiff::Timestamp;

use super::dataset;
use super::store;
use crate::api::error::{ApiError, ApiResult};
use crate::model::manifest::{DataSets, NEWS_IMAGE_BOX};
use crate::publish::{self, Derived, Refreshed};
use crate::server::AppState;

/// Rebuilds the news data set as of now and, when it changed, every screen's manifest with
/// it (only those showing news change), pushing the changed ones. `user`: who caused it
/// (`None`: the schedule).
pub async fn refresh(state: &AppState, user: Option<i64>) -> ApiResult<Refreshed> {
    publish::refresh_data_sets(state, user, &[Derived::News]).await
}

/// Puts the news data set as of `now` into `next` (stored as a blob when it changed).
/// Called under the publish lock.
pub(crate) async fn prepare(
    state: &AppState,
    now: Timestamp,
    next: &mut DataSets,
) -> ApiResult<()> {
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
    let (r, _) = beffroi_protocol::canonical::encode_blob(&built.data)
        .map_err(|e| ApiError::internal("encoding the news", e))?;
    if next.refs.news.as_ref() == Some(&r) && next.news_images == images {
        return Ok(());
    }
    let r = publish::store_data_set(&state.blobs, &state.db, &built.data).await?;
    tracing::info!(
        "news data set {} ({} items)",
        r.sha256,
        built.data.items.len()
    );
    next.refs.news = Some(r);
    next.news_images = images;
    Ok(())
}
