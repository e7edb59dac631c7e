//! The waste data set rebuilt from the stored calendars and guide as the weeks go by
//! (`crate::publish::refresh_data_sets` stores it and rebuilds the manifests of the screens
//! it reaches).

use jiff::Timestamp;

use super::{dataset, store};
use crate::api::error::{ApiError, ApiResult};
use crate::model::manifest::DataSets;
use crate::publish::{self, Derived, Refreshed};
use crate::server::AppState;

/// Rebuilds the waste data set as of now and, when it changed, every screen's manifest with
/// it (only those showing waste prompts change), pushing the changed ones. `user`: who
/// caused it (`None`: the schedule).
pub async fn refresh(state: &AppState, user: Option<i64>) -> ApiResult<Refreshed> {
    publish::refresh_data_sets(state, user, &[Derived::Waste]).await
}

/// Puts the waste data set as of `now` into `next` (stored as a blob when it changed).
/// Called under the publish lock.
pub(crate) async fn prepare(
    state: &AppState,
    now: Timestamp,
    next: &mut DataSets,
) -> ApiResult<()> {
    let mut conn = state.db.acquire().await?;
    let calendars = store::calendars(&mut conn).await?;
    let advice = store::advice(&mut conn).await?;
    drop(conn);
    let (from, until) = dataset::window(now, state.settings.waste_horizon_weeks);
    let data =
        tokio::task::spawn_blocking(move || dataset::build(&calendars, &advice, from, until))
            .await
            .map_err(|e| ApiError::internal("expanding the waste calendars", e))?;
    let (r, _) = beffroi_protocol::canonical::encode_blob(&data)
        .map_err(|e| ApiError::internal("encoding the waste data set", e))?;
    if next.refs.waste.as_ref() == Some(&r) {
        return Ok(());
    }
    let r = publish::store_data_set(&state.blobs, &state.db, &data).await?;
    tracing::info!(
        "waste data set {} ({} communes, {} sorting tips)",
        r.sha256,
        data.communes.len(),
        data.advice.len()
    );
    next.refs.waste = Some(r);
    Ok(())
}
