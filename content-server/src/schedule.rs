//! The schedule of imports: one task that, every `feed_check_s` seconds, fetches the news
//! feeds and agenda sources that are due, their pictures, and rebuilds the news and events
//! data sets (so that expired news leave and the agenda's window moves with the days), and the
//! waste data set (its window moves with the weeks).

use std::sync::Arc;
use std::time::Duration;

use crate::server::AppState;

/// Starts the schedule on the current runtime; it stops with the runtime.
pub fn spawn(state: Arc<AppState>) {
    let every = Duration::from_secs(u64::from(state.settings.feed_check_s.max(1)));
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            // One failing round (its log says why) never stops the other.
            if let Err(e) = crate::news::schedule::round(&state).await {
                tracing::error!("news schedule: {}", e.message);
            }
            if let Err(e) = crate::events::schedule::round(&state).await {
                tracing::error!("agenda schedule: {}", e.message);
            }
            // The waste window moves on Mondays; any other round finds the same bytes.
            if let Err(e) = crate::waste::refresh(&state, None).await {
                tracing::error!("waste schedule: {}", e.message);
            }
        }
    });
}
