//! Rebuilding the waste data set after a change (or as the weeks go by), and the manifests
//! of the screens it reaches — under the publish lock, like an agenda refresh.

use jiff::Timestamp;

use super::{dataset, store};
use crate::api::error::{ApiError, ApiResult};
use crate::publish::{self, Refreshed};
use crate::server::AppState;

/// Rebuilds the waste data set from the stored calendars and guide as of now; when it
/// differs from the one in force, stores it, rebuilds every screen's manifest with it (only
/// those showing waste prompts change) and pushes the changed ones. `user`: who caused it
/// (`None`: the schedule).
pub async fn refresh(state: &AppState, user: Option<i64>) -> ApiResult<Refreshed> {
    let _guard = state.publishing.lock().await;
    let now = Timestamp::from_second(Timestamp::now().as_second())
        .map_err(|e| ApiError::internal("reading the clock", e))?;
    let mut conn = state.db.acquire().await?;
    let calendars = store::calendars(&mut conn).await?;
    let advice = store::advice(&mut conn).await?;
    drop(conn);
    let (from, until) = dataset::window(now, state.settings.waste_horizon_weeks);
    let data =
        tokio::task::spawn_blocking(move || dataset::build(&calendars, &advice, from, until))
            .await
            .map_err(|e| ApiError::internal("expanding the waste calendars", e))?;
    let current = state.data_sets();
    let (r, _) = beffroi_protocol::canonical::encode_blob(&data)
        .map_err(|e| ApiError::internal("encoding the waste data set", e))?;
    if current.refs.waste.as_ref() == Some(&r) {
        return Ok(Refreshed::default());
    }
    let r = publish::store_data_set(&state.blobs, &state.db, &data).await?;
    let mut next = current.clone();
    next.refs.waste = Some(r.clone());
    let screens =
        publish::rebuild_with_data_sets(state, &next, &current, user, now, "waste").await?;
    tracing::info!(
        "waste data set {} ({} communes, {} sorting tips): {} screens changed",
        r.sha256,
        data.communes.len(),
        data.advice.len(),
        screens.len()
    );
    Ok(Refreshed {
        data_set: Some(r.sha256),
        screens,
    })
}
