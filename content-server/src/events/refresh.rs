//! The events data set rebuilt from the stored events as the days go by
//! (`crate::publish::refresh_data_sets` stores it and rebuilds the manifests of the screens
//! it reaches).

use jiff::Timestamp;

use super::{dataset, store};
use crate::api::error::{ApiError, ApiResult};
use crate::model::manifest::{DataSets, EVENT_IMAGE_BOX};
use crate::publish::{self, Derived, Refreshed};
use crate::server::AppState;

/// Rebuilds the events data set as of now and, when it changed, every screen's manifest
/// with it (only those showing an agenda change), pushing the changed ones. `user`: who
/// caused it (`None`: the schedule).
pub async fn refresh(state: &AppState, user: Option<i64>) -> ApiResult<Refreshed> {
    publish::refresh_data_sets(state, user, &[Derived::Events]).await
}

/// Puts the events data set as of `now` into `next` (stored as a blob when it changed).
/// Called under the publish lock.
pub(crate) async fn prepare(
    state: &AppState,
    now: Timestamp,
    next: &mut DataSets,
) -> ApiResult<()> {
    let mut conn = state.db.acquire().await?;
    let events = store::events(&mut conn).await?;
    let sources = store::sources(&mut conn).await?;
    drop(conn);
    let (from, until) = dataset::window(now, state.settings.events_horizon_days);
    // Expanding recurrences is pure work: off the async threads.
    let mut built =
        tokio::task::spawn_blocking(move || dataset::build(&events, &sources, from, until))
            .await
            .map_err(|e| ApiError::internal("expanding the agenda", e))?;

    let (images, swap) =
        publish::data_images(state, &built.images, EVENT_IMAGE_BOX, "events").await;
    for e in &mut built.data.events {
        e.image = e.image.as_ref().and_then(|i| swap.get(i).cloned());
    }
    let (r, _) = beffroi_protocol::canonical::encode_blob(&built.data)
        .map_err(|e| ApiError::internal("encoding the agenda", e))?;
    if next.refs.events.as_ref() == Some(&r) && next.event_images == images {
        return Ok(());
    }
    let r = publish::store_data_set(&state.blobs, &state.db, &built.data).await?;
    tracing::info!(
        "events data set {} ({} occurrences)",
        r.sha256,
        built.data.events.len()
    );
    next.refs.events = Some(r);
    next.event_images = images;
    Ok(())
}
