//! Rebuilding the events data set after a change (or as the days go by), and the
//! manifests of the screens it reaches — under the publish lock, like a news refresh.

use jiff::Timestamp;

use super::{dataset, store};
use crate::api::error::{ApiError, ApiResult};
use crate::model::manifest::EVENT_IMAGE_BOX;
use crate::publish::{self, Refreshed};
use crate::server::AppState;

/// Rebuilds the events data set from the stored events as of now; when it differs from the
/// one in force, stores it, rebuilds every screen's manifest with it (only those showing
/// an agenda change) and pushes the changed ones. `user`: who caused it (`None`: the
/// schedule).
pub async fn refresh(state: &AppState, user: Option<i64>) -> ApiResult<Refreshed> {
    let _guard = state.publishing.lock().await;
    let now = Timestamp::from_second(Timestamp::now().as_second())
        .map_err(|e| ApiError::internal("reading the clock", e))?;
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
    let current = state.data_sets();
    let (r, _) = beffroi_protocol::canonical::encode_blob(&built.data)
        .map_err(|e| ApiError::internal("encoding the agenda", e))?;
    if current.refs.events.as_ref() == Some(&r) && current.event_images == images {
        return Ok(Refreshed::default());
    }
    let r = publish::store_data_set(&state.blobs, &state.db, &built.data).await?;
    let mut next = current.clone();
    next.refs.events = Some(r.clone());
    next.event_images = images;
    let screens =
        publish::rebuild_with_data_sets(state, &next, &current, user, now, "events").await?;
    tracing::info!(
        "events data set {} ({} occurrences): {} screens changed",
        r.sha256,
        built.data.events.len(),
        screens.len()
    );
    Ok(Refreshed {
        data_set: Some(r.sha256),
        screens,
    })
}
