//! Whether a data-driven item has something to show at an instant, and when that can change.
//!
//! "Data items with nothing to show are skipped": an agenda with no event this week, news with
//! nothing valid for the commune, an evening-before reminder outside its evening. These two
//! functions are all the playlist simulation needs to know about the data sets.

use jiff::Timestamp;

use crate::ids::Insee;
use crate::playlist::{Content, TickerSource, WastePrompt};
use crate::time::{TimeOfDay, Window, local};

use super::Evaluator;

impl Evaluator<'_> {
    /// True when `content` has something to show at `t`.
    pub(super) fn showable(&self, content: &Content, t: Timestamp) -> bool {
        let commune = &self.manifest.screen.commune;
        match content {
            Content::Image { .. }
            | Content::Text { .. }
            | Content::Clock { .. }
            | Content::Qr { .. } => true,
            Content::Ticker {
                source: TickerSource::Text { .. },
                ..
            } => true,
            // Not played by this version: skipped, and reported by the player's check.
            Content::Video { .. } | Content::Unknown => false,
            Content::News { .. }
            | Content::Ticker {
                source: TickerSource::News,
                ..
            } => self
                .data
                .news
                .as_ref()
                .is_some_and(|n| n.current(Some(commune), t).next().is_some()),
            Content::Events {
                days,
                communes,
                all_communes,
                ..
            } => {
                let Some(events) = &self.data.events else {
                    return false;
                };
                let filter = event_communes(commune, communes, *all_communes);
                let until = t
                    .checked_add(jiff::SignedDuration::from_hours(24 * i64::from(*days)))
                    .unwrap_or(Timestamp::MAX);
                events.overlapping(&filter, t, until).next().is_some()
            }
            Content::Waste {
                prompt,
                commune: own,
            } => {
                let Some(waste) = &self.data.waste else {
                    return false;
                };
                match prompt {
                    WastePrompt::Advice => !waste.advice.is_empty(),
                    WastePrompt::NextCollections => waste
                        .commune(own.as_ref().unwrap_or(commune))
                        .is_some_and(|c| !c.next_collections(local(&self.tz, t).date()).is_empty()),
                    WastePrompt::Reminder => waste
                        .commune(own.as_ref().unwrap_or(commune))
                        .is_some_and(|c| !c.reminder_at(&self.tz, t).is_empty()),
                }
            }
        }
    }

    /// The first instant after `t` at which [`Self::showable`] may change for `content`;
    /// `None` when it never does. Showability is constant on `[t, result)`.
    pub(super) fn content_changes_after(
        &self,
        content: &Content,
        t: Timestamp,
    ) -> Option<Timestamp> {
        let commune = &self.manifest.screen.commune;
        match content {
            Content::News { .. }
            | Content::Ticker {
                source: TickerSource::News,
                ..
            } => self.data.news.as_ref()?.changes_after(t),
            Content::Events {
                days,
                communes,
                all_communes,
                ..
            } => {
                let events = self.data.events.as_ref()?;
                let filter = event_communes(commune, communes, *all_communes);
                let ahead = jiff::SignedDuration::from_hours(24 * i64::from(*days));
                // An event becomes visible `days` before it starts and stops at its end. The
                // events are scanned directly, unsorted: this runs on every wake-up.
                events
                    .events
                    .iter()
                    .filter(|e| {
                        filter.is_empty()
                            || e.location
                                .commune
                                .as_ref()
                                .is_none_or(|c| filter.contains(c))
                    })
                    .flat_map(|e| {
                        let span = e.span();
                        [span.start.checked_sub(ahead).ok(), Some(span.end)]
                    })
                    .flatten()
                    .filter(|b| *b > t)
                    .min()
            }
            Content::Waste {
                prompt,
                commune: own,
            } => {
                let waste = self.data.waste.as_ref()?;
                let c = waste.commune(own.as_ref().unwrap_or(commune))?;
                match prompt {
                    WastePrompt::Advice => None,
                    WastePrompt::Reminder => c.reminder_changes_after(&self.tz, t),
                    WastePrompt::NextCollections => {
                        // Showable until the local day after the last known collection begins.
                        let last = c.streams.iter().filter_map(|s| s.dates.last()).max()?;
                        let day = Window::daily(TimeOfDay::MIDNIGHT, TimeOfDay::END_OF_DAY);
                        let after = crate::time::next_day(*last);
                        let start = day.occurrence_on(&self.tz, after)?.anchor();
                        (start > t).then_some(start)
                    }
                }
            }
            _ => None,
        }
    }
}

/// The communes an events item covers: the screen's own plus the listed neighbours, or all
/// (the empty list) when `all` is set.
fn event_communes(screen: &Insee, extra: &[Insee], all: bool) -> Vec<Insee> {
    if all {
        return Vec::new();
    }
    let mut list = vec![screen.clone()];
    list.extend(extra.iter().cloned());
    list
}
