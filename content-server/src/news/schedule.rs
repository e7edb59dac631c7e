//! One round of the feed schedule (see `crate::schedule`): the feeds whose refresh interval
//! has elapsed since their last attempt, the pictures their entries name, then the news data
//! set (so that expired items leave it too).

use jiff::Timestamp;

use super::import::{self, Trigger};
use super::store;
use crate::server::AppState;

/// One check: the due feeds, one after the other, then the data set.
pub(crate) async fn round(state: &AppState) -> crate::api::error::ApiResult<()> {
    let now = Timestamp::now();
    let mut conn = state.db.acquire().await?;
    let feeds = store::feeds(&mut conn).await?;
    drop(conn);
    // One feed's failure (its report says why) never holds up the others.
    for f in feeds.iter().filter(|f| {
        crate::fetch::due(
            f.enabled,
            f.url.as_deref(),
            f.checked_at.as_deref(),
            f.refresh_minutes,
            now,
        )
    }) {
        if let Err(e) = import::run(state, &f.id, Trigger::Schedule, None, None).await {
            tracing::error!("news feed {}: {}", f.id, e.message);
        }
    }
    // The pictures of entries imported since (by the schedule, a file or on demand).
    for f in &feeds {
        if let Err(e) = import::fetch_pictures(state, &f.id).await {
            tracing::error!("news feed {}: pictures: {}", f.id, e.message);
        }
    }
    super::refresh::refresh(state, None).await?;
    Ok(())
}
