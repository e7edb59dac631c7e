//! The player's one clock. Everything that asks "what time is it" goes through [`Clock`], so
//! tests run a simulated week in seconds and the windowed smoke test can freeze time.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};

/// A source of wall-clock time, and how long to really wait for some of it to pass.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current instant.
    fn now(&self) -> Timestamp;

    /// The real time to sleep for `wall` of this clock's time to pass; `None` when it never
    /// passes (a frozen clock): the caller then sleeps until something else happens.
    fn real_delay(&self, wall: SignedDuration) -> Option<Duration> {
        Some(wall.unsigned_abs())
    }
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock stopped at one instant (screenshots, the windowed smoke test).
#[derive(Debug, Clone, Copy)]
pub struct FrozenClock(pub Timestamp);

impl Clock for FrozenClock {
    fn now(&self) -> Timestamp {
        self.0
    }

    fn real_delay(&self, _: SignedDuration) -> Option<Duration> {
        None
    }
}

/// A clock that starts at `start` when created and runs `speed` times faster than real time.
#[derive(Debug, Clone, Copy)]
pub struct SimulatedClock {
    start: Timestamp,
    origin: Instant,
    speed: f64,
}

impl SimulatedClock {
    /// Starts now, at `start`, running `speed` times real time (1.0 for a shifted real clock).
    pub fn new(start: Timestamp, speed: f64) -> Self {
        Self {
            start,
            origin: Instant::now(),
            speed: speed.max(1e-3),
        }
    }
}

impl Clock for SimulatedClock {
    fn now(&self) -> Timestamp {
        let elapsed = self.origin.elapsed().as_secs_f64() * self.speed;
        self.start
            .checked_add(SignedDuration::from_secs_f64(elapsed))
            .unwrap_or(Timestamp::MAX)
    }

    fn real_delay(&self, wall: SignedDuration) -> Option<Duration> {
        Some(Duration::from_secs_f64(
            wall.as_secs_f64().max(0.0) / self.speed,
        ))
    }
}

/// A clock moved by hand, shared between a test and the code under test.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<Timestamp>>);

impl ManualClock {
    /// A clock reading `start`.
    pub fn new(start: Timestamp) -> Self {
        Self(Arc::new(Mutex::new(start)))
    }

    /// Sets the time.
    pub fn set(&self, t: Timestamp) {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = t;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
