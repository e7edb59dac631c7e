//! Render on demand: when the player next wakes, and whether a wake-up draws a frame.
//!
//! A wake-up evaluates the program and builds the scene; a frame is drawn only when that
//! scene differs from the one on screen. Between wake-ups the loop sleeps until the next
//! deadline: the next program change, the next minute (clocks, "aujourd'hui" turning into
//! "hier"), or the next animation frame while something moves (a transition, a ticker),
//! capped at `fps` frames per second. A static slide therefore costs one evaluation a minute
//! and no frame.

use beffroi_protocol::eval::{Evaluator, State};
use jiff::{SignedDuration, Timestamp};

use crate::scene::{Scene, Shape};

/// Default animation frame-rate cap.
pub const DEFAULT_FPS: u32 = 30;

/// Why the player wakes next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// A transition or a ticker is moving.
    Animation,
    /// The discrete program changes (item, entry, alert, display power).
    ProgramChange,
    /// A new minute begins (clocks; and the once-a-minute check the design asks for).
    Minute,
}

/// What one wake-up decided.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// Draw the new scene.
    pub redraw: bool,
    /// When to wake next.
    pub wake_at: Timestamp,
    /// Why then.
    pub reason: Reason,
}

/// Remembers the scene on screen and decides frames and wake-ups.
#[derive(Debug)]
pub struct Pacer {
    fps: u32,
    shown: Option<Scene>,
    /// Frames decided since start.
    pub frames: u64,
    /// Wake-ups since start.
    pub wakeups: u64,
}

impl Pacer {
    /// A pacer capping animations at `fps` frames per second.
    pub fn new(fps: u32) -> Self {
        Self {
            fps: fps.clamp(1, 120),
            shown: None,
            frames: 0,
            wakeups: 0,
        }
    }

    /// Forgets the scene on screen, so that the next wake-up draws (new window size, reload).
    pub fn invalidate(&mut self) {
        self.shown = None;
    }

    /// Decides for the wake-up at `now`, whose state and scene the caller just built.
    pub fn decide(
        &mut self,
        ev: &Evaluator<'_>,
        state: &State,
        scene: Scene,
        now: Timestamp,
    ) -> Decision {
        self.decide_at(Some(state), ev.next_change_after(now), scene, now)
    }

    /// The same decision from the state (none on the player's own screens) and the next
    /// instant the program changes by itself.
    pub fn decide_at(
        &mut self,
        state: Option<&State>,
        next_change: Option<Timestamp>,
        scene: Scene,
        now: Timestamp,
    ) -> Decision {
        self.wakeups += 1;
        let moving = state.is_some_and(|s| s.progress.iter().any(|p| p.transition.is_some()))
            || scene
                .nodes
                .iter()
                .any(|n| matches!(&n.shape, Shape::Text(t) if t.marquee.is_some()));
        let redraw = self.shown.as_ref() != Some(&scene);
        if redraw {
            self.frames += 1;
            self.shown = Some(scene);
        }
        let minute = next_minute(now);
        let (wake_at, reason) = if moving {
            (
                now + SignedDuration::from_nanos(1_000_000_000 / i64::from(self.fps)),
                Reason::Animation,
            )
        } else {
            match next_change {
                Some(c) if c < minute => (c, Reason::ProgramChange),
                _ => (minute, Reason::Minute),
            }
        };
        Decision {
            redraw,
            wake_at,
            reason,
        }
    }
}

/// The start of the minute after `t` (UTC minutes are local minutes in every zone in use).
pub fn next_minute(t: Timestamp) -> Timestamp {
    let s = t.as_second();
    Timestamp::from_second(s - s.rem_euclid(60) + 60).unwrap_or(Timestamp::MAX)
}
