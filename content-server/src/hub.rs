//! Push to players: one broadcast channel per screen feeding its Server-Sent Events stream
//! (`GET /api/v1/player/events`), a short memory of the remote actions sent to each screen
//! (replayed to a player that reconnects with `Last-Event-ID`), and the in-memory cache of
//! the manifests served to players.
//!
//! ## Event ids
//!
//! - A `manifest` event's id is the publication that last changed the screen's manifest
//!   (the `publication` column of `manifests`), as publications are numbered by the database.
//! - A remote action's id comes from a counter seeded with the start instant in microseconds,
//!   so it is at least [`ACTION_ID_FLOOR`] and keeps growing across restarts. Each action
//!   remembers the publication the screen was at when it was sent.
//! - An `alert` event (the alert as the screen gets it, protocol JSON) travels exactly like a
//!   remote action ([`Hub::alert`]): an id from the same counter, remembered and replayed to
//!   a player that reconnects within [`ACTION_REPLAY`]. The manifest refresh that goes with
//!   it is a publication like any other, so its `manifest` event follows the usual rules; a
//!   player away for longer gets the alert from that manifest.
//!
//! From the `Last-Event-ID` a player sends on reconnecting, [`resume`] tells whether it has
//! missed a manifest (its id is a publication lower than the current one, or an action sent
//! before the current publication) and which actions it missed (those after its id, within
//! [`ACTION_REPLAY`] and the last [`ACTION_RING`]). A player connecting without the header
//! gets the current manifest and no old action (a fresh player must not replay a `restart`).
//! When in doubt the manifest is sent again: it costs the player one conditional request.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use tokio::sync::{broadcast, watch};

/// Remote actions remembered per screen.
pub const ACTION_RING: usize = 32;
/// How long a remote action may be replayed to a player that reconnects.
pub const ACTION_REPLAY: Duration = Duration::from_secs(5 * 60);
/// Event ids from here on are remote actions; below, publications.
pub const ACTION_ID_FLOOR: u64 = 1 << 40;
/// Internal event telling a screen's streams to check that their device is still paired.
pub const REVOKED_EVENT: &str = "_revoked";
/// Events a screen's channel holds for a slow stream before it lags.
const CHANNEL_CAPACITY: usize = 64;

/// One event pushed to a screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushEvent {
    /// SSE id.
    pub id: u64,
    /// SSE event name (`manifest`, `alert`, `identify`...).
    pub event: String,
    /// JSON data.
    pub data: String,
}

/// A remote action remembered for replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecentAction {
    /// When it was sent.
    pub at: Instant,
    /// The publication the screen was at when it was sent.
    pub publication: u64,
    /// The event (its id is at least [`ACTION_ID_FLOOR`]).
    pub event: PushEvent,
}

#[derive(Debug)]
struct Channel {
    tx: broadcast::Sender<PushEvent>,
    recent: VecDeque<RecentAction>,
    /// The highest publication pushed to (or known for) this screen.
    publication: u64,
}

impl Channel {
    fn new() -> Self {
        Self {
            tx: broadcast::channel(CHANNEL_CAPACITY).0,
            recent: VecDeque::new(),
            publication: 0,
        }
    }

    fn forget_old(&mut self, now: Instant) {
        while self
            .recent
            .front()
            .is_some_and(|a| now.duration_since(a.at) > ACTION_REPLAY)
        {
            self.recent.pop_front();
        }
    }
}

/// What a new stream starts from: its receiver and the actions it may have missed.
#[derive(Debug)]
pub struct Subscription {
    /// Events sent from now on.
    pub rx: broadcast::Receiver<PushEvent>,
    /// Actions sent before, oldest first (within [`ACTION_REPLAY`]); none of them is in `rx`.
    pub recent: Vec<RecentAction>,
}

/// The channels of the screens, their recent actions and the manifest cache.
#[derive(Debug)]
pub struct Hub {
    screens: Mutex<HashMap<String, Channel>>,
    next_action: AtomicU64,
    closing: watch::Sender<bool>,
    /// Manifests as served to players, by screen.
    pub manifests: ManifestCache,
}

impl Default for Hub {
    fn default() -> Self {
        let micros = jiff::Timestamp::now().as_microsecond();
        Self {
            screens: Mutex::new(HashMap::new()),
            next_action: AtomicU64::new(u64::try_from(micros).unwrap_or(0).max(ACTION_ID_FLOOR)),
            closing: watch::channel(false).0,
            manifests: ManifestCache::default(),
        }
    }
}

impl Hub {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Channel>> {
        self.screens
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Tells screen `screen_id` that its manifest is now `version` (publication `seq`).
    pub fn manifest(&self, screen_id: &str, version: &str, seq: i64) {
        self.manifests.invalidate(screen_id);
        let id = u64::try_from(seq).unwrap_or_default();
        let data = serde_json::json!({ "version": version }).to_string();
        let mut map = self.lock();
        if let Some(ch) = map.get_mut(screen_id) {
            ch.publication = ch.publication.max(id);
            let _ = ch.tx.send(PushEvent {
                id,
                event: "manifest".into(),
                data,
            });
        }
    }

    /// Tells the cache that a publish deleted screen `screen_id`'s manifest (the screen was
    /// deleted): its players then get "nothing published". Nothing is pushed: they keep
    /// playing the manifest they have.
    pub fn manifest_removed(&self, screen_id: &str) {
        self.manifests.invalidate(screen_id);
    }

    /// Sends `event` to the screen's listeners, if any; returns how many received it. The
    /// event is not remembered (see [`Hub::action`] for events a reconnect replays).
    pub fn send(&self, screen_id: &str, event: PushEvent) -> usize {
        let map = self.lock();
        map.get(screen_id)
            .map_or(0, |tx| tx.tx.send(event).unwrap_or(0))
    }

    /// Sends remote action `name` with `data` to the screen under a fresh id, and remembers
    /// it for replay; `publication` is the screen's current publication as the database has
    /// it. Returns the id and how many streams received it.
    pub fn action(
        &self,
        screen_id: &str,
        name: &str,
        data: String,
        publication: i64,
    ) -> (u64, usize) {
        let now = Instant::now();
        let id = self.next_action.fetch_add(1, Ordering::Relaxed);
        let event = PushEvent {
            id,
            event: name.to_owned(),
            data,
        };
        let mut map = self.lock();
        let ch = map.entry(screen_id.to_owned()).or_insert_with(Channel::new);
        ch.publication = ch
            .publication
            .max(u64::try_from(publication).unwrap_or_default());
        ch.forget_old(now);
        if ch.recent.len() >= ACTION_RING {
            ch.recent.pop_front();
        }
        ch.recent.push_back(RecentAction {
            at: now,
            publication: ch.publication,
            event: event.clone(),
        });
        let delivered = ch.tx.send(event).unwrap_or(0);
        (id, delivered)
    }

    /// Sends an `alert` event (`data`: one protocol `Alert` as JSON) to the screen, as a remote
    /// action: under a fresh id, remembered for replay. `publication` is the screen's
    /// publication before the manifest refresh that carries the alert (whose `manifest`
    /// event is sent after it), so that a replay gives them in that order.
    pub fn alert(&self, screen_id: &str, data: String, publication: i64) -> (u64, usize) {
        self.action(screen_id, "alert", data, publication)
    }

    /// A receiver of the screen's events with the actions sent before it, taken together so
    /// that every action is in exactly one of them.
    pub fn subscription(&self, screen_id: &str) -> Subscription {
        let mut map = self.lock();
        let ch = map.entry(screen_id.to_owned()).or_insert_with(Channel::new);
        ch.forget_old(Instant::now());
        Subscription {
            rx: ch.tx.subscribe(),
            recent: ch.recent.iter().cloned().collect(),
        }
    }

    /// The actions sent to the screen within [`ACTION_REPLAY`], oldest first.
    pub fn recent(&self, screen_id: &str) -> Vec<RecentAction> {
        let mut map = self.lock();
        map.get_mut(screen_id).map_or_else(Vec::new, |ch| {
            ch.forget_old(Instant::now());
            ch.recent.iter().cloned().collect()
        })
    }

    /// How many streams listen to the screen now.
    pub fn listeners(&self, screen_id: &str) -> usize {
        self.lock()
            .get(screen_id)
            .map_or(0, |ch| ch.tx.receiver_count())
    }

    /// Forgets the screen's channel when nobody listens and no action is left to replay
    /// (called when a stream ends).
    pub fn release(&self, screen_id: &str) {
        let mut map = self.lock();
        if let Some(ch) = map.get_mut(screen_id) {
            ch.forget_old(Instant::now());
            if ch.tx.receiver_count() == 0 && ch.recent.is_empty() {
                map.remove(screen_id);
            }
        }
    }

    /// Ends every event stream (for a graceful shutdown, which otherwise waits for streams
    /// that never end).
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Resolves when [`Hub::close`] has been called.
    pub fn closed(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut rx = self.closing.subscribe();
        async move {
            let _ = rx.wait_for(|closed| *closed).await;
        }
    }
}

/// What a player's `Last-Event-ID` says it has seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LastEvent {
    /// No header (a fresh player) or one that is not ours.
    None,
    /// A manifest event: the publication.
    Publication(u64),
    /// A remote action: its id.
    Action(u64),
}

impl LastEvent {
    /// Reads the header's value.
    pub fn parse(value: Option<&str>) -> Self {
        match value.map(str::trim).and_then(|v| v.parse::<u64>().ok()) {
            None => LastEvent::None,
            Some(n) if n >= ACTION_ID_FLOOR => LastEvent::Action(n),
            Some(n) => LastEvent::Publication(n),
        }
    }
}

/// What a stream sends first, from the player's `Last-Event-ID`: `before`, the manifest
/// event when `manifest`, then `after`, in the order they were first sent (an action sent
/// before the current publication comes before its manifest event, so that the last id the
/// player keeps is the one that says most).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resume {
    /// Send the current manifest event.
    pub manifest: bool,
    /// Actions to replay before it (sent before the current publication), oldest first.
    pub before: Vec<PushEvent>,
    /// Actions to replay after it, oldest first.
    pub after: Vec<PushEvent>,
}

/// Decides what a (re)connecting stream sends first: `publication` is the screen's current
/// manifest's (none before its first publish), `recent` its remembered actions.
pub fn resume(last: LastEvent, publication: Option<u64>, recent: &[RecentAction]) -> Resume {
    let manifest_after = |seen: u64| publication.is_some_and(|p| p > seen);
    let (manifest, replay): (bool, Vec<&RecentAction>) = match last {
        LastEvent::None => (publication.is_some(), Vec::new()),
        LastEvent::Publication(p) => (
            manifest_after(p),
            // Actions sent once the screen was at publication `p` came after that event.
            recent.iter().filter(|a| a.publication >= p).collect(),
        ),
        LastEvent::Action(id) => {
            let seen = recent.iter().find(|a| a.event.id == id);
            (
                // An action no longer remembered: the manifest may have changed since.
                seen.map_or(publication.is_some(), |a| manifest_after(a.publication)),
                recent.iter().filter(|a| a.event.id > id).collect(),
            )
        }
    };
    let current = publication.unwrap_or(0);
    let (before, after): (Vec<&RecentAction>, Vec<&RecentAction>) = replay
        .into_iter()
        .partition(|a| manifest && a.publication < current);
    let events = |v: Vec<&RecentAction>| v.into_iter().map(|a| a.event.clone()).collect();
    Resume {
        manifest,
        before: events(before),
        after: events(after),
    }
}

/// A screen's manifest as served: its version, ETag and both encodings.
#[derive(Debug)]
pub struct CachedManifest {
    /// Version (the ETag without its quotes).
    pub version: String,
    /// `"<version>"`.
    pub etag: String,
    /// The publication that made it (the SSE id of its `manifest` event).
    pub publication: i64,
    /// Canonical JSON.
    pub body: Bytes,
    /// The same, gzipped.
    pub body_gzip: Bytes,
}

/// One screen's place in the cache.
#[derive(Debug, Default)]
struct Slot {
    /// Bumped by every invalidation of the screen: a reader that missed before it must not
    /// fill the slot.
    generation: u64,
    /// The manifest when cached (`Some(None)`: nothing published).
    cached: Option<Option<Arc<CachedManifest>>>,
}

/// Manifests served to players, kept in memory so that the `304 Not Modified` answer that
/// most polls get needs no database query.
///
/// An entry is valid until [`Hub::manifest`] (the screen's manifest changed) or
/// [`Hub::manifest_removed`] (a publish deleted it) invalidates it; other screens keep
/// theirs. A reader notes the screen's [`CacheTicket`] before querying and fills the cache
/// only if the screen was not invalidated meanwhile, so a slow reader never stores a
/// manifest older than one a publish has just committed.
#[derive(Debug, Default)]
pub struct ManifestCache {
    slots: Mutex<HashMap<String, Slot>>,
}

/// Proof of when a cache miss was seen, for [`ManifestCache::fill`].
#[derive(Debug, Clone, Copy)]
pub struct CacheTicket {
    generation: u64,
}

impl ManifestCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Slot>> {
        self.slots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The screen's manifest (`Ok(None)`: nothing published) when cached, or the ticket to
    /// fill it.
    pub fn get(&self, screen_id: &str) -> Result<Option<Arc<CachedManifest>>, CacheTicket> {
        let slots = self.lock();
        match slots.get(screen_id) {
            Some(Slot {
                cached: Some(m), ..
            }) => Ok(m.clone()),
            slot => Err(CacheTicket {
                generation: slot.map_or(0, |s| s.generation),
            }),
        }
    }

    /// Stores what a reader found after a miss, unless the screen was invalidated since.
    pub fn fill(
        &self,
        screen_id: &str,
        ticket: CacheTicket,
        manifest: Option<Arc<CachedManifest>>,
    ) {
        let mut slots = self.lock();
        let slot = slots.entry(screen_id.to_owned()).or_default();
        if slot.generation == ticket.generation {
            slot.cached = Some(manifest);
        }
    }

    /// Forgets the screen's entry; a fill from a reader that missed before is refused.
    pub fn invalidate(&self, screen_id: &str) {
        let mut slots = self.lock();
        let slot = slots.entry(screen_id.to_owned()).or_default();
        slot.generation += 1;
        slot.cached = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(hub: &Hub, screen: &str, name: &str, publication: i64) -> u64 {
        hub.action(screen, name, "{}".into(), publication).0
    }

    #[test]
    fn last_event_ids_tell_publications_from_actions() {
        assert_eq!(LastEvent::parse(None), LastEvent::None);
        assert_eq!(LastEvent::parse(Some("garbage")), LastEvent::None);
        assert_eq!(LastEvent::parse(Some(" 12 ")), LastEvent::Publication(12));
        let hub = Hub::default();
        let id = action(&hub, "s", "identify", 3);
        assert_eq!(
            LastEvent::parse(Some(&id.to_string())),
            LastEvent::Action(id)
        );
    }

    #[test]
    fn actions_are_delivered_remembered_and_replayed_after_the_last_id() {
        let hub = Hub::default();
        let sub = hub.subscription("s");
        assert!(sub.recent.is_empty());
        let mut rx = sub.rx;
        let (a1, delivered) = hub.action("s", "identify", "{}".into(), 4);
        assert_eq!(delivered, 1);
        assert_eq!(rx.try_recv().unwrap().id, a1);
        hub.manifest("s", "v5", 5);
        assert_eq!(rx.try_recv().unwrap().event, "manifest");
        let a2 = action(&hub, "s", "reload", 4);
        assert!(a2 > a1 && a1 >= ACTION_ID_FLOOR);
        let recent = hub.recent("s");
        assert_eq!(recent.len(), 2);
        assert_eq!(recent[1].publication, 5, "the hub knew publication 5");

        // Fresh player: manifest, no replay.
        let r = resume(LastEvent::None, Some(5), &recent);
        assert!(r.manifest && r.before.is_empty() && r.after.is_empty());
        // Saw the first action only: missed manifest 5 and the second action, after it.
        let r = resume(LastEvent::Action(a1), Some(5), &recent);
        assert!(r.manifest && r.before.is_empty());
        assert_eq!(r.after.iter().map(|e| e.id).collect::<Vec<_>>(), [a2]);
        // Saw publication 4 only: the first action, manifest 5, the second action.
        let r = resume(LastEvent::Publication(4), Some(5), &recent);
        assert!(r.manifest);
        assert_eq!(r.before.iter().map(|e| e.id).collect::<Vec<_>>(), [a1]);
        assert_eq!(r.after.iter().map(|e| e.id).collect::<Vec<_>>(), [a2]);
        // Saw manifest 5: only the action sent after it.
        let r = resume(LastEvent::Publication(5), Some(5), &recent);
        assert!(!r.manifest && r.before.is_empty());
        assert_eq!(r.after.len(), 1);
        // Saw everything.
        let r = resume(LastEvent::Action(a2), Some(5), &recent);
        assert!(!r.manifest && r.before.is_empty() && r.after.is_empty());
        // An action forgotten: the manifest again, to be sure.
        let r = resume(LastEvent::Action(a1 - 1000), Some(5), &[]);
        assert!(r.manifest && r.after.is_empty());
        // Nothing published: no manifest event.
        assert!(!resume(LastEvent::None, None, &recent).manifest);
    }

    #[test]
    fn the_ring_keeps_the_last_actions_and_channels_are_released() {
        let hub = Hub::default();
        for _ in 0..(ACTION_RING + 5) {
            action(&hub, "s", "identify", 1);
        }
        assert_eq!(hub.recent("s").len(), ACTION_RING);
        hub.release("s");
        assert_eq!(hub.recent("s").len(), ACTION_RING, "kept for replay");
        let rx = hub.subscription("t").rx;
        assert_eq!(hub.listeners("t"), 1);
        drop(rx);
        hub.release("t");
        assert_eq!(hub.listeners("t"), 0);
        assert!(hub.lock().get("t").is_none());
    }

    fn cached(v: &str) -> Option<Arc<CachedManifest>> {
        Some(Arc::new(CachedManifest {
            version: v.into(),
            etag: format!("\"{v}\""),
            publication: 1,
            body: Bytes::new(),
            body_gzip: Bytes::new(),
        }))
    }

    #[test]
    fn the_cache_refuses_a_fill_raced_by_an_invalidation() {
        let cache = ManifestCache::default();
        let ticket = cache.get("s").unwrap_err();
        cache.invalidate("s");
        cache.fill("s", ticket, cached("old"));
        assert!(cache.get("s").is_err(), "stale fill refused");
        let ticket = cache.get("s").unwrap_err();
        cache.fill("s", ticket, cached("new"));
        assert_eq!(cache.get("s").unwrap().unwrap().version, "new");
        let ticket = cache.get("u").unwrap_err();
        cache.fill("u", ticket, None);
        assert!(
            cache.get("u").unwrap().is_none(),
            "nothing published, cached"
        );
    }

    #[test]
    fn invalidations_are_per_screen() {
        let hub = Hub::default();
        for s in ["a", "b", "c"] {
            let ticket = hub.manifests.get(s).unwrap_err();
            hub.manifests.fill(s, ticket, cached(s));
        }
        // A slow reader of "b" missed before the changes below.
        hub.manifests.invalidate("b");
        let slow = hub.manifests.get("b").unwrap_err();
        hub.manifest("a", "a2", 2);
        hub.manifest_removed("b");
        assert!(hub.manifests.get("a").is_err(), "changed: dropped");
        assert!(hub.manifests.get("b").is_err(), "deleted: dropped");
        assert_eq!(
            hub.manifests.get("c").unwrap().unwrap().version,
            "c",
            "untouched: kept"
        );
        hub.manifests.fill("b", slow, cached("b"));
        assert!(
            hub.manifests.get("b").is_err(),
            "a reader from before the removal does not refill it"
        );
    }
}
