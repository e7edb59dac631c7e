//! In-memory rate limiting of failures (logins, pairing-code guesses) per key.
//!
//! Kept in memory: a restart forgets the counts, which only gives a guesser one more window
//! after each restart of the server, and keeps the database free of writes per attempt.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// At most `max` failures per key within `window`.
#[derive(Debug)]
pub struct Limiter {
    max: usize,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Limiter {
    /// A limiter allowing `max` failures per `window`.
    pub fn new(max: usize, window: Duration) -> Self {
        Self {
            max,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(seconds to wait)` when `key` has used up its failures.
    pub fn check(&self, key: &str, now: Instant) -> Result<(), u64> {
        let mut map = self.lock();
        map.get_mut(key).map_or(Ok(()), |q| self.spent(q, now))
    }

    /// Drops the failures older than the window; `Err(seconds to wait)` when the remaining
    /// ones use up the budget.
    fn spent(&self, q: &mut VecDeque<Instant>, now: Instant) -> Result<(), u64> {
        while q
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            q.pop_front();
        }
        if q.len() < self.max {
            return Ok(());
        }
        let oldest = q.front().copied().unwrap_or(now);
        let wait = self.window.saturating_sub(now.duration_since(oldest));
        Err(wait.as_secs().max(1))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, VecDeque<Instant>>> {
        self.failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Counts a failure for `key`.
    pub fn fail(&self, key: &str, now: Instant) {
        let mut map = self.lock();
        self.bound(&mut map, now);
        map.entry(key.to_owned()).or_default().push_back(now);
    }

    /// Bounds the memory an attacker cycling through keys can make us hold.
    fn bound(&self, map: &mut HashMap<String, VecDeque<Instant>>, now: Instant) {
        if map.len() > 10_000 {
            let window = self.window;
            map.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < window));
        }
    }

    /// Counts an attempt for `key` unless its budget is spent (`Err(seconds to wait)`), in
    /// one step, so that attempts racing each other are all counted.
    pub fn try_acquire(&self, key: &str, now: Instant) -> Result<(), u64> {
        let mut map = self.lock();
        self.bound(&mut map, now);
        let q = map.entry(key.to_owned()).or_default();
        self.spent(q, now)?;
        q.push_back(now);
        Ok(())
    }

    /// Takes back the last attempt counted for `key` (it turned out to succeed).
    pub fn forgive(&self, key: &str) {
        if let Some(q) = self.lock().get_mut(key) {
            q.pop_back();
        }
    }

    /// Forgets `key`'s failures (a successful login).
    pub fn clear(&self, key: &str) {
        self.lock().remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_beyond_the_budget_wait_for_the_window() {
        let l = Limiter::new(3, Duration::from_secs(60));
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(l.check("k", t0).is_ok());
            l.fail("k", t0);
        }
        let wait = l.check("k", t0).unwrap_err();
        assert_eq!(wait, 60);
        assert!(l.check("other", t0).is_ok());
        assert!(l.check("k", t0 + Duration::from_secs(61)).is_ok());
        l.clear("k");
        assert!(l.check("k", t0).is_ok());
    }

    #[test]
    fn attempts_are_counted_before_their_outcome_and_successes_forgiven() {
        let l = Limiter::new(2, Duration::from_secs(60));
        let t0 = Instant::now();
        // Two attempts in flight at once use the budget: a third is refused at once.
        assert!(l.try_acquire("k", t0).is_ok());
        assert!(l.try_acquire("k", t0).is_ok());
        assert_eq!(l.try_acquire("k", t0), Err(60));
        // One of them succeeded: it no longer counts.
        l.forgive("k");
        assert!(l.try_acquire("k", t0).is_ok());
        assert!(l.try_acquire("k", t0).is_err());
    }
}
