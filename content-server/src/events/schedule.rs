//! One round of the agenda schedule (see `crate::schedule`): the sources whose refresh
//! interval has elapsed since their last attempt, the pictures their events name, then the
//! events data set (so that its window moves with the days).

use jiff::Timestamp;

use super::import::{self, Trigger};
use super::store;
use crate::server::AppState;

/// One check: the due sources, one after the other, their pictures, then the data set.
pub(crate) async fn round(state: &AppState) -> crate::api::error::ApiResult<()> {
    let now = Timestamp::now();
    let mut conn = state.db.acquire().await?;
    let sources = store::sources(&mut conn).await?;
    drop(conn);
    // One source's failure (its report says why) never holds up the others.
    for s in sources.iter().filter(|s| {
        crate::fetch::due(
            s.enabled,
            s.url.as_deref(),
            s.checked_at.as_deref(),
            s.refresh_minutes,
            now,
        )
    }) {
        if let Err(e) = import::run(state, &s.id, Trigger::Schedule, None, None).await {
            tracing::error!("event source {}: {}", s.id, e.message);
        }
    }
    for s in &sources {
        if let Err(e) = import::fetch_pictures(state, &s.id).await {
            tracing::error!("event source {}: pictures: {}", s.id, e.message);
        }
    }
    super::refresh::refresh(state, None).await?;
    Ok(())
}
