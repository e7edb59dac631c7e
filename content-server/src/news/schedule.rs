//! The feed schedule: a task that fetches each enabled feed when its refresh interval has
//! elapsed since its last attempt, fetches the pictures their entries name, and rebuilds the
//! news data set (so that expired items leave it too).

use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use super::import::{self, Trigger};
use super::store;
use crate::server::AppState;

/// Starts the schedule on the current runtime; it checks every `feed_check_s` seconds and
/// stops with the runtime.
pub fn spawn(state: Arc<AppState>) {
    let every = Duration::from_secs(u64::from(state.settings.feed_check_s.max(1)));
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = round(&state).await {
                tracing::error!("news schedule: {}", e.message);
            }
        }
    });
}

/// One check: the due feeds, one after the other, then the data set.
async fn round(state: &AppState) -> crate::api::error::ApiResult<()> {
    let now = Timestamp::now();
    let mut conn = state.db.acquire().await?;
    let feeds = store::feeds(&mut conn).await?;
    drop(conn);
    // One feed's failure (its report says why) never holds up the others.
    for f in feeds.iter().filter(|f| due(f, now)) {
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

/// Whether feed `f` should be fetched at `now`.
fn due(f: &store::StoredFeed, now: Timestamp) -> bool {
    if !f.enabled || f.url.is_none() {
        return false;
    }
    let Some(last) = f
        .checked_at
        .as_deref()
        .and_then(|c| c.parse::<Timestamp>().ok())
    else {
        return true;
    };
    // A clock set back leaves `last` in the future: fetch rather than wait for it.
    last > now
        || now.duration_since(last) >= SignedDuration::from_mins(i64::from(f.refresh_minutes))
}
