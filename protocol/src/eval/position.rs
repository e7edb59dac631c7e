//! Where a playlist is at an instant, counted from its anchor, skipping items with nothing
//! to show.
//!
//! The simulation walks the timeline from the anchor, but in whole cycles between data
//! changes (the set of showable items is constant there), so its cost grows with the number
//! of data changes since the anchor, not with the number of items played.

use jiff::Timestamp;

use crate::playlist::Playlist;
use crate::time::add_millis;

use super::{Evaluator, Placement, Showing, Source};

/// An item's place in its playlist's timeline.
#[derive(Debug, Clone, Copy)]
pub(super) struct Position {
    index: usize,
    start: Timestamp,
    next_item: Option<Timestamp>,
}

impl Position {
    pub(super) fn placement<'a>(self, source: Source, playlist: &'a Playlist) -> Placement<'a> {
        let item = &playlist.items[self.index];
        Placement {
            showing: Showing {
                source,
                playlist: playlist.id.clone(),
                item: item.id.clone(),
                index: self.index,
            },
            playlist,
            item_start: self.start,
            next_item: self.next_item,
        }
    }
}

impl<'a> Evaluator<'a> {
    /// The first instant after `t` at which the showability of any item of `pl` may change.
    pub(super) fn playlist_changes_after(&self, pl: &Playlist, t: Timestamp) -> Option<Timestamp> {
        pl.items
            .iter()
            .filter_map(|i| self.content_changes_after(&i.content, t))
            .min()
    }

    fn showable_set(&self, pl: &Playlist, t: Timestamp) -> Vec<bool> {
        pl.items
            .iter()
            .map(|i| self.showable(&i.content, t))
            .collect()
    }

    /// The item of `pl` shown at `t` when the playlist started at `anchor` (≤ `t`); `None`
    /// when no item has anything to show at `t`.
    ///
    /// An item is shown if it has something to show at the instant it would begin; when no
    /// item has, the zone waits (empty) for the next data change and resumes with the item
    /// it was about to play.
    pub(super) fn position(
        &self,
        pl: &Playlist,
        anchor: Timestamp,
        t: Timestamp,
    ) -> Option<Position> {
        let n = pl.items.len();
        if n == 0 || t < anchor {
            return None;
        }
        let dur = |k: usize| i64::from(pl.items[k].duration_ms.max(1));
        let mut x = anchor;
        let mut next = 0usize;
        loop {
            // One regime: showability is constant on [x, change).
            let change = self.playlist_changes_after(pl, x);
            let show = self.showable_set(pl, x);
            let Some(first) = (0..n).map(|k| (next + k) % n).find(|&k| show[k]) else {
                match change {
                    Some(c) if c <= t => {
                        x = c;
                        continue;
                    }
                    _ => return None,
                }
            };
            let cycle: i64 = (0..n).filter(|&k| show[k]).map(dur).sum();
            let limit = change.map_or(t, |c| c.min(t));
            let span = limit.duration_since(x).as_millis() as i64;
            if span >= cycle {
                x = add_millis(x, span / cycle * cycle);
                // After whole cycles the last item played is the showable one before `first`;
                // the walk resumes right after it, which matters if the regime ends here.
                let last = (1..=n)
                    .map(|k| (first + n - k) % n)
                    .find(|&k| show[k])
                    .unwrap_or(first);
                next = (last + 1) % n;
            }
            // Step item by item: at most one cycle to reach `t` or the regime's end.
            loop {
                // An item beginning at or after the data change belongs to the next regime,
                // whose showability may differ (the cycle jump can land exactly on it).
                if change.is_some_and(|c| x >= c) {
                    break;
                }
                next = (0..n)
                    .map(|k| (next + k) % n)
                    .find(|&k| show[k])
                    .unwrap_or(next);
                let end = add_millis(x, dur(next));
                if end == x {
                    return None; // the end of representable time
                }
                if t < end {
                    let only_itself = self
                        .showable_set(pl, end)
                        .iter()
                        .enumerate()
                        .all(|(k, s)| *s == (k == next));
                    return Some(Position {
                        index: next,
                        start: x,
                        next_item: (!only_itself).then_some(end),
                    });
                }
                x = end;
                next = (next + 1) % n;
            }
        }
    }
}
