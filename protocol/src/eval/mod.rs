//! Schedule evaluation: what a screen shows at an instant, and when that next changes.
//!
//! Pure functions of (manifest, data sets, instant), used identically by the player, the
//! server's previews and the tests. The result is split in two:
//! - the **discrete program** ([`Program`]): per zone the playlist and item shown, the alert,
//!   whether the display is lit. [`Evaluator::next_change_after`] returns exactly the next
//!   instant at which it changes, so a player can sleep until then.
//! - the **continuous progress** ([`ZoneProgress`]): time elapsed in the item and transition
//!   progress, which only matter while something moves.
//!
//! Position inside a playlist is a function of time anchored at the start of the current
//! window occurrence (local midnight for a default playlist), so a screen rebooted at any
//! instant resumes exactly where it would have been.

mod content;
mod position;

use std::collections::BTreeMap;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::alert::{self, Severity};
use crate::data::DataSets;
use crate::manifest::Manifest;
use crate::playlist::{Playlist, TransitionKind};
use crate::schedule::ScheduleEntry;
use crate::time::{TimeOfDay, Window, millis_between};

/// Where a zone's content comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A schedule entry, by id.
    Schedule(String),
    /// The zone's default playlist.
    Default,
}

/// What one zone shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Showing {
    /// Schedule entry or default.
    pub source: Source,
    /// Playlist id.
    pub playlist: String,
    /// Item id.
    pub item: String,
    /// Item index in the playlist.
    pub index: usize,
}

/// One zone of the program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneProgram {
    /// Zone id.
    pub zone: String,
    /// What it shows; `None` leaves the zone's background.
    pub showing: Option<Showing>,
}

/// The alert shown over everything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertShown {
    /// Alert id.
    pub id: String,
    /// Its revision (an edit is a change of program).
    pub revision: u32,
    /// Its severity.
    pub severity: Severity,
}

/// The discrete program of a screen at an instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Program {
    /// Every zone of the screen's layout, in layout order.
    pub zones: Vec<ZoneProgram>,
    /// The alert overriding every zone, if any.
    pub alert: Option<AlertShown>,
    /// Whether the panel is lit (power schedule, or an alert).
    pub display_on: bool,
}

/// A transition under way in a zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransitionProgress {
    /// The effect.
    pub kind: TransitionKind,
    /// What the zone showed before (`None`: its background).
    pub from: Option<Showing>,
    /// When the change happened.
    pub started: Timestamp,
    /// Linear progress, 0–1000.
    pub linear_permille: u16,
    /// Progress after the item's easing, 0–1000: what the renderer uses.
    pub eased_permille: u16,
}

/// The continuous state of a zone at an instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneProgress {
    /// Zone id.
    pub zone: String,
    /// When the current item began in its playlist's timeline.
    pub item_started: Option<Timestamp>,
    /// Milliseconds since then (drives tickers and item-internal animation).
    pub elapsed_ms: u64,
    /// The entering transition, while it runs.
    pub transition: Option<TransitionProgress>,
}

/// Program and progress together: everything needed to draw a frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    /// The instant evaluated.
    pub at: Timestamp,
    /// The discrete program.
    pub program: Program,
    /// Per zone, in the program's order.
    pub progress: Vec<ZoneProgress>,
}

/// How far [`Evaluator::next_change_after`] looks before answering "no change".
pub const HORIZON: SignedDuration = SignedDuration::from_hours(24 * 400);

/// Evaluates one manifest against its data sets.
#[derive(Debug)]
pub struct Evaluator<'a> {
    manifest: &'a Manifest,
    data: &'a DataSets,
    tz: TimeZone,
    /// Per zone (layout order): schedule entries by descending priority, ties in listed order.
    zones: Vec<(&'a str, Vec<&'a ScheduleEntry>)>,
    /// The whole local day, anchoring default playlists at local midnight.
    day: Window,
}

/// A zone's placement: what it shows and the timeline facts the change search needs.
#[derive(Debug, Clone)]
struct Placement<'a> {
    showing: Showing,
    playlist: &'a Playlist,
    item_start: Timestamp,
    /// When the displayed item may next change by playlist progression (`None`: only a data
    /// change, a window boundary or midnight can change it).
    next_item: Option<Timestamp>,
}

impl<'a> Evaluator<'a> {
    /// Prepares evaluation of `manifest` (assumed valid) with its data sets.
    pub fn new(manifest: &'a Manifest, data: &'a DataSets) -> Self {
        let mut by_zone: BTreeMap<&str, Vec<&ScheduleEntry>> = BTreeMap::new();
        for e in &manifest.schedule {
            by_zone.entry(e.zone.as_str()).or_default().push(e);
        }
        for entries in by_zone.values_mut() {
            // Stable sort: equal priorities keep their listed order.
            entries.sort_by_key(|e| std::cmp::Reverse(e.priority));
        }
        let zones = manifest
            .screen_layout()
            .map(|l| {
                l.zones
                    .iter()
                    .map(|z| {
                        (
                            z.id.as_str(),
                            by_zone.remove(z.id.as_str()).unwrap_or_default(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        Self {
            manifest,
            data,
            tz: manifest.screen.time_zone.tz(),
            zones,
            day: Window::daily(TimeOfDay::MIDNIGHT, TimeOfDay::END_OF_DAY),
        }
    }

    /// The screen's time zone rules.
    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }

    /// The discrete program at `t`.
    pub fn program_at(&self, t: Timestamp) -> Program {
        self.program_and_placements(t).0
    }

    fn program_and_placements(&self, t: Timestamp) -> (Program, Vec<Option<Placement<'a>>>) {
        let placements: Vec<Option<Placement<'a>>> =
            (0..self.zones.len()).map(|z| self.place(z, t)).collect();
        let zones = self
            .zones
            .iter()
            .zip(&placements)
            .map(|((id, _), p)| ZoneProgram {
                zone: (*id).to_owned(),
                showing: p.as_ref().map(|p| p.showing.clone()),
            })
            .collect();
        let alert = alert::shown_at(&self.manifest.alerts, t).map(|a| AlertShown {
            id: a.id.clone(),
            revision: a.revision,
            severity: a.severity,
        });
        let power = &self.manifest.power.on;
        let display_on =
            alert.is_some() || power.is_empty() || power.iter().any(|w| w.matches(&self.tz, t));
        (
            Program {
                zones,
                alert,
                display_on,
            },
            placements,
        )
    }

    /// What zone `z` shows at `t`: the first candidate, by priority, with something to show.
    fn place(&self, z: usize, t: Timestamp) -> Option<Placement<'a>> {
        let (zone, entries) = &self.zones[z];
        for e in entries {
            let Some(occ) = e.window.occurrence_at(&self.tz, t) else {
                continue;
            };
            let Some(playlist) = self.manifest.playlist(&e.playlist) else {
                continue;
            };
            if let Some(p) = self.position(playlist, occ.anchor(), t) {
                return Some(p.placement(Source::Schedule(e.id.clone()), playlist));
            }
        }
        let playlist = self
            .manifest
            .playlist(self.manifest.default_playlists.get(*zone)?)?;
        let day = self.day.occurrence_at(&self.tz, t)?;
        self.position(playlist, day.anchor(), t)
            .map(|p| p.placement(Source::Default, playlist))
    }

    /// Program and progress at `t`.
    pub fn state_at(&self, t: Timestamp) -> State {
        let (program, placements) = self.program_and_placements(t);
        let progress = self
            .zones
            .iter()
            .enumerate()
            .map(|(z, (id, _))| {
                let placement = placements[z].as_ref();
                ZoneProgress {
                    zone: (*id).to_owned(),
                    item_started: placement.map(|p| p.item_start),
                    elapsed_ms: placement
                        .map_or(0, |p| millis_between(p.item_start, t).max(0) as u64),
                    transition: placement.and_then(|p| self.transition(z, p, t)),
                }
            })
            .collect();
        State {
            at: t,
            program,
            progress,
        }
    }

    /// The entering transition of zone `z` at `t`, if the zone changed less than the item's
    /// transition length ago.
    fn transition(&self, z: usize, p: &Placement<'a>, t: Timestamp) -> Option<TransitionProgress> {
        let transition = p.playlist.items[p.showing.index].transition;
        if transition.is_cut() {
            return None;
        }
        let length = SignedDuration::from_millis(i64::from(transition.duration_ms));
        // The last change of this zone in (t - length, t].
        let mut x = t.checked_sub(length).ok()?;
        let mut started = None;
        while let Some(c) = self.next_change_until(x, t) {
            if self.place(z, c).map(|p| p.showing)
                != self.place(z, just_before(c)).map(|p| p.showing)
            {
                started = Some(c);
            }
            x = c;
        }
        let started = started?;
        let from = self.place(z, just_before(started)).map(|p| p.showing);
        let linear = (millis_between(started, t) * 1000 / i64::from(transition.duration_ms))
            .clamp(0, 1000) as u16;
        Some(TransitionProgress {
            kind: transition.kind,
            from,
            started,
            linear_permille: linear,
            eased_permille: transition.easing.apply(linear),
        })
    }

    /// The first instant after `t` at which the discrete program differs from `program_at(t)`,
    /// looking at most [`HORIZON`] ahead; `None` when nothing changes within it.
    pub fn next_change_after(&self, t: Timestamp) -> Option<Timestamp> {
        self.next_change_until(t, t.checked_add(HORIZON).unwrap_or(Timestamp::MAX))
    }

    /// Like [`Self::next_change_after`], giving up past `limit`.
    fn next_change_until(&self, t: Timestamp, limit: Timestamp) -> Option<Timestamp> {
        let (current, _) = self.program_and_placements(t);
        let mut x = t;
        loop {
            let c = self.next_candidate_after(x)?;
            if c > limit {
                return None;
            }
            if self.program_at(c) != current {
                return Some(c);
            }
            x = c;
        }
    }

    /// The earliest instant after `x` at which anything the program depends on may change.
    /// The program is constant on `[x, result)`.
    fn next_candidate_after(&self, x: Timestamp) -> Option<Timestamp> {
        let m = self.manifest;
        let mut best: Option<Timestamp> = None;
        let mut consider = |c: Option<Timestamp>| {
            if let Some(c) = c.filter(|c| *c > x) {
                best = Some(best.map_or(c, |b| b.min(c)));
            }
        };
        for (_, entries) in &self.zones {
            for e in entries {
                consider(e.window.next_boundary_after(&self.tz, x));
            }
        }
        if !m.default_playlists.is_empty() {
            consider(self.day.next_boundary_after(&self.tz, x));
        }
        for pl in &m.playlists {
            consider(self.playlist_changes_after(pl, x));
        }
        for z in 0..self.zones.len() {
            consider(self.place(z, x).and_then(|p| p.next_item));
        }
        for a in &m.alerts {
            consider(Some(a.starts_at));
            consider(Some(a.expires_at));
        }
        for w in &m.power.on {
            consider(w.next_boundary_after(&self.tz, x));
        }
        best
    }
}

/// The instant just before `t`: the program there is the one in force until `t`.
fn just_before(t: Timestamp) -> Timestamp {
    t.checked_sub(SignedDuration::from_nanos(1)).unwrap_or(t)
}

/// Evaluates the program of `manifest` at `t` (a one-shot [`Evaluator`]).
pub fn program_at(manifest: &Manifest, data: &DataSets, t: Timestamp) -> Program {
    Evaluator::new(manifest, data).program_at(t)
}

/// The next instant after `t` at which the program of `manifest` changes.
pub fn next_change_after(manifest: &Manifest, data: &DataSets, t: Timestamp) -> Option<Timestamp> {
    Evaluator::new(manifest, data).next_change_after(t)
}
