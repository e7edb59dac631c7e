//! Whether the wall clock can be believed.
//!
//! A Raspberry Pi has no real-time clock: after a power cut it restores the last time it
//! saved, which may be hours or weeks old, and a schedule evaluated at that instant shows
//! yesterday's events. The player therefore trusts its clock only once it is synchronised
//! (systemd-timesyncd's `/run/systemd/timesync/synchronized` flag) or once it has seen a
//! server `Date` header, kept as an offset from the local clock. Until then the caller shows
//! time-independent default content and reports the state in its heartbeat.
//!
//! The kernel's own NTP flag (`adjtimex`, `STA_UNSYNC`) is not read: rustix 1.1 offers no
//! safe `adjtimex`/`clock_adjtime`, and the workspace forbids `unsafe`. Raspberry Pi OS and
//! Debian run systemd-timesyncd, which creates the flag file; a machine synchronised by
//! chrony or ntpd alone is still trusted as soon as the first server `Date` header arrives.

use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};

/// The file systemd-timesyncd creates once it has synchronised the clock.
pub const TIMESYNC_FLAG: &str = "/run/systemd/timesync/synchronized";

/// How often the synchronisation probe runs at most (it touches the filesystem).
pub const PROBE_EVERY: Duration = Duration::from_secs(10);

/// Offsets up to this size are left alone: a `Date` header has a one-second resolution and
/// the request took some time, so a smaller offset is measurement noise, not a wrong clock.
pub const OFFSET_THRESHOLD_MS: i64 = 2_000;

/// What the player knows about its wall clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockState {
    /// Neither synchronised nor checked against the server: the time may be far off.
    Untrusted,
    /// The system says the clock is synchronised (NTP); it is used as it is.
    Synchronised,
    /// The server's `Date` header was seen; `offset_ms` = server time − local time.
    ServerOffset {
        /// Server time minus local time at the last observation, in milliseconds.
        offset_ms: i64,
    },
}

impl ClockState {
    /// The name the heartbeat reports: `untrusted`, `synchronised` or `server`.
    pub fn as_str(self) -> &'static str {
        match self {
            ClockState::Untrusted => "untrusted",
            ClockState::Synchronised => "synchronised",
            ClockState::ServerOffset { .. } => "server",
        }
    }
}

impl fmt::Display for ClockState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The probe: true when the system reports its clock synchronised.
type Probe = dyn Fn() -> bool + Send + Sync;

struct Inner {
    /// Once the probe has said yes, it is never asked again: a clock that was set right
    /// drifts by parts per million, and timesyncd losing its server later does not make it
    /// wrong (the kernel flag even clears itself after a while without NTP).
    synchronised: bool,
    /// When the probe last ran (monotonic, so a clock step does not defeat the rate limit).
    probed_at: Option<Instant>,
    /// Server time − local time at the last `Date` header.
    offset_ms: Option<i64>,
}

/// Whether the wall clock is trusted, shared by every thread of the player (cloning shares
/// the same state).
#[derive(Clone)]
pub struct ClockTrust {
    probe: Arc<Probe>,
    probe_every: Duration,
    inner: Arc<Mutex<Inner>>,
}

impl fmt::Debug for ClockTrust {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = self.lock();
        f.debug_struct("ClockTrust")
            .field("synchronised", &inner.synchronised)
            .field("offset_ms", &inner.offset_ms)
            .field("probe_every", &self.probe_every)
            .finish_non_exhaustive()
    }
}

impl ClockTrust {
    /// A clock trust whose synchronisation is asked of `probe` (at most every
    /// [`PROBE_EVERY`] until it first says yes).
    pub fn new(probe: Box<dyn Fn() -> bool + Send + Sync>) -> Self {
        Self {
            probe: Arc::from(probe),
            probe_every: PROBE_EVERY,
            inner: Arc::new(Mutex::new(Inner {
                synchronised: false,
                probed_at: None,
                offset_ms: None,
            })),
        }
    }

    /// The real system: synchronised when systemd-timesyncd's flag file exists (see the
    /// module documentation for why the kernel flag is not read).
    pub fn system() -> Self {
        Self::new(Box::new(|| Path::new(TIMESYNC_FLAG).exists()))
    }

    /// Changes how often the probe may run (tests use zero to see a changed probe at once).
    pub fn with_probe_interval(mut self, every: Duration) -> Self {
        self.probe_every = every;
        self
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // The state stays consistent whatever panicked while holding the lock: every field
        // is written in one assignment.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records a server `Date` header: `date` is the server's time, `local_now` the local
    /// clock when the response arrived. The latest observation replaces the previous one,
    /// so a later step of the local clock is corrected at the next response.
    pub fn observe_server_date(&self, date: Timestamp, local_now: Timestamp) {
        let offset = date.duration_since(local_now).as_millis();
        let offset_ms =
            i64::try_from(offset).unwrap_or(if offset < 0 { i64::MIN } else { i64::MAX });
        self.lock().offset_ms = Some(offset_ms);
    }

    /// What is known about the clock now. Synchronisation wins over a server offset: NTP is
    /// more precise than a `Date` header.
    pub fn state(&self) -> ClockState {
        let mut inner = self.lock();
        if !inner.synchronised {
            let due = inner
                .probed_at
                .is_none_or(|at| at.elapsed() >= self.probe_every);
            if due {
                inner.probed_at = Some(Instant::now());
                // The probe is cheap (a stat) and the lock is ours alone: running it under
                // the lock keeps two threads from probing at once.
                inner.synchronised = (self.probe)();
            }
        }
        if inner.synchronised {
            ClockState::Synchronised
        } else if let Some(offset_ms) = inner.offset_ms {
            ClockState::ServerOffset { offset_ms }
        } else {
            ClockState::Untrusted
        }
    }

    /// True when the clock may be used for scheduling (synchronised or corrected by the
    /// server).
    pub fn trusted(&self) -> bool {
        self.state() != ClockState::Untrusted
    }

    /// The best estimate of the true time given the local clock's `local`: corrected by the
    /// server offset when the clock is not synchronised and the offset exceeds
    /// [`OFFSET_THRESHOLD_MS`], else `local` unchanged.
    pub fn now(&self, local: Timestamp) -> Timestamp {
        match self.state() {
            ClockState::ServerOffset { offset_ms } if offset_ms.abs() > OFFSET_THRESHOLD_MS => {
                local
                    .saturating_add(SignedDuration::from_millis(offset_ms))
                    .unwrap_or(local)
            }
            _ => local,
        }
    }
}

/// The system clock as the trust corrects it: with a server offset and no time
/// synchronisation, the server's time (a Pi that restored an old time after a power cut
/// plays today's schedule anyway).
#[derive(Debug, Clone)]
pub struct CorrectedClock(pub ClockTrust);

impl crate::clock::Clock for CorrectedClock {
    fn now(&self) -> Timestamp {
        self.0.now(Timestamp::now())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    /// A probe whose answer the test sets, and which counts its calls.
    fn switch() -> (Arc<AtomicBool>, Arc<AtomicUsize>, ClockTrust) {
        let on = Arc::new(AtomicBool::new(false));
        let calls = Arc::new(AtomicUsize::new(0));
        let (o, c) = (on.clone(), calls.clone());
        let trust = ClockTrust::new(Box::new(move || {
            c.fetch_add(1, Ordering::SeqCst);
            o.load(Ordering::SeqCst)
        }));
        (on, calls, trust)
    }

    #[test]
    fn untrusted_until_synchronised_then_stays_synchronised() {
        let (on, _, trust) = switch();
        let trust = trust.with_probe_interval(Duration::ZERO);
        assert_eq!(trust.state(), ClockState::Untrusted);
        assert!(!trust.trusted());
        assert_eq!(trust.state().as_str(), "untrusted");
        on.store(true, Ordering::SeqCst);
        assert_eq!(trust.state(), ClockState::Synchronised);
        assert!(trust.trusted());
        assert_eq!(trust.state().as_str(), "synchronised");
        // Losing the flag later does not make a clock once set right untrusted.
        on.store(false, Ordering::SeqCst);
        assert_eq!(trust.state(), ClockState::Synchronised);
    }

    #[test]
    fn probe_runs_at_most_every_interval() {
        let (on, calls, trust) = switch();
        assert_eq!(trust.state(), ClockState::Untrusted);
        on.store(true, Ordering::SeqCst);
        // Within the 10 s interval the old answer stands and the probe is not asked.
        for _ in 0..100 {
            assert_eq!(trust.state(), ClockState::Untrusted);
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn server_date_trusts_and_corrects_large_offsets_only() {
        let (_, _, trust) = switch();
        let local = t("2026-01-01T00:00:00Z");
        assert_eq!(trust.now(local), local);

        // The Pi restored a time from last week: the server's Date is 7 days ahead.
        trust.observe_server_date(t("2026-01-08T00:00:00Z"), local);
        let week_ms = 7 * 86_400_000;
        assert_eq!(
            trust.state(),
            ClockState::ServerOffset { offset_ms: week_ms }
        );
        assert!(trust.trusted());
        assert_eq!(trust.state().as_str(), "server");
        assert_eq!(
            trust.now(t("2026-01-01T00:10:00Z")),
            t("2026-01-08T00:10:00Z")
        );

        // A second of difference is the header's resolution: local time is kept.
        trust.observe_server_date(t("2026-01-01T00:00:01Z"), local);
        assert_eq!(trust.state(), ClockState::ServerOffset { offset_ms: 1_000 });
        assert_eq!(trust.now(local), local);

        // A clock running behind is corrected too.
        trust.observe_server_date(t("2025-12-31T23:59:55Z"), local);
        assert_eq!(trust.now(local), t("2025-12-31T23:59:55Z"));
    }

    #[test]
    fn synchronisation_wins_over_the_server_offset() {
        let (on, _, trust) = switch();
        let trust = trust.with_probe_interval(Duration::ZERO);
        let local = t("2026-01-01T00:00:00Z");
        trust.observe_server_date(t("2026-01-01T01:00:00Z"), local);
        assert_eq!(trust.now(local), t("2026-01-01T01:00:00Z"));
        on.store(true, Ordering::SeqCst);
        assert_eq!(trust.state(), ClockState::Synchronised);
        assert_eq!(trust.now(local), local);
    }

    #[test]
    fn clones_share_their_state() {
        let (_, _, trust) = switch();
        let other = trust.clone();
        other.observe_server_date(t("2026-01-01T00:00:00Z"), t("2026-01-01T00:00:00Z"));
        assert_eq!(trust.state(), ClockState::ServerOffset { offset_ms: 0 });
        assert!(format!("{trust:?}").contains("offset_ms: Some(0)"));
    }
}
