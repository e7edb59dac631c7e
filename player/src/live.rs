//! `beffroi-player run --config FILE`: the live player. Starts from the cache before any
//! network access, runs the sync thread, applies what it delivers, reports what is shown,
//! and reloads its configuration when the file changes.
//!
//! Both loops — the window ([`crate::run`]) and the headless one ([`headless`]) — drive a
//! [`Live`]: they ask it what to draw at an instant and tell it what they drew.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use beffroi_protocol::bundle::Bundle;
use beffroi_protocol::eval::{Evaluator, State};
use image::RgbaImage;
use jiff::Timestamp;

use crate::alerts::AlertStore;
use crate::cache::Cache;
use crate::cache::disk::{Disk, OsDisk};
use crate::clock::Clock;
use crate::config::{Config, ConfigWatcher};
use crate::journal::{Journal, Play};
use crate::playback;
use crate::scene::Scene;
use crate::show::Show;
use crate::sync::{self, Shared, SyncEvent, SyncHandle};
use crate::trust::ClockTrust;

/// Wakes the loop that drives a [`Live`] (the window's event proxy, or the headless
/// loop's condition variable).
pub type Wake = Arc<dyn Fn() + Send + Sync>;

/// Longest play recorded: a clock jump must not make a play the server refuses.
const MAX_PLAY_MS: i128 = 24 * 3600 * 1000;

/// The thumbnail's width: enough to recognise a slide in the officer's list.
const THUMBNAIL_WIDTH: u32 = 480;

/// The live player's state between frames.
pub struct Live {
    show: Show,
    shared: Arc<Shared>,
    config: Config,
    config_path: PathBuf,
    events: mpsc::Receiver<SyncEvent>,
    events_tx: mpsc::Sender<SyncEvent>,
    configs: mpsc::Receiver<Result<Config, String>>,
    wake: Wake,
    sync: Option<SyncHandle>,
    _watcher: Option<ConfigWatcher>,
    /// What each zone showed, and since when, for proof of play.
    playing: Vec<(String, String, String, usize, Timestamp)>,
    next_thumbnail: Instant,
    thumbnail_now: bool,
    restart: bool,
    screen_name: String,
    /// The drop-folder watcher, when `drop_folder` is configured (see the drop-folder block).
    drop_folder: Option<DropFolderLink>,
}

impl std::fmt::Debug for Live {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Live")
            .field("config", &self.config_path)
            .finish_non_exhaustive()
    }
}

impl Live {
    /// Opens the data directory, shows the cached content, and starts syncing. `trust`
    /// says whether the clock is believed; `wake` is called whenever something arrives.
    pub fn start(
        config: Config,
        config_path: &Path,
        trust: ClockTrust,
        wake: Wake,
    ) -> anyhow::Result<Self> {
        Self::start_on(config, config_path, trust, wake, Arc::new(OsDisk))
    }

    /// [`Live::start`] writing through `disk` (tests: a disk that runs out of space).
    pub fn start_on(
        config: Config,
        config_path: &Path,
        trust: ClockTrust,
        wake: Wake,
        disk: Arc<dyn Disk>,
    ) -> anyhow::Result<Self> {
        use anyhow::Context as _;
        let data = &config.data_dir;
        disk.create_dir_all(data)
            .with_context(|| format!("cannot create the data directory {}", data.display()))?;
        let cache = Cache::open(Arc::clone(&disk), &data.join("cache"))
            .with_context(|| format!("cannot open the cache in {}", data.display()))?;
        let (alerts, alert_problem) =
            AlertStore::open(Arc::clone(&disk), &data.join("alerts.json"));
        let journal = Journal::open(Arc::clone(&disk), &data.join("plays.jsonl"))
            .with_context(|| format!("cannot open the play journal in {}", data.display()))?;
        let shared = Arc::new(Shared::new(cache, alerts, journal, trust));
        if let Some(p) = alert_problem {
            shared.report().set_problem("alerts", p);
        }
        let mut show = Show::new();
        show.set_rotation(config.rotation);
        // Offline first: what the cache holds plays before the network is touched.
        let (current, problems) = shared.cache.load();
        for p in problems {
            shared.report().set_problem("cache", p);
        }
        // A current version the renderer cannot load falls back to the previous one.
        let previous = std::fs::read_to_string(shared.cache.root().join(crate::cache::PREVIOUS))
            .ok()
            .map(|v| v.trim().to_owned());
        let loaded = current.and_then(|c| match shared.cache.bundle(&c.version) {
            Ok(b) => Some((c.version, c.from_previous, b)),
            Err(e) => {
                shared.report().set_problem("cache", e.to_string());
                let p = previous.filter(|p| *p != c.version)?;
                let b = shared.cache.bundle(&p).ok()?;
                Some((p, true, b))
            }
        });
        if let Some((version, from_previous, b)) = loaded {
            {
                {
                    eprintln!(
                        "beffroi-player: playing cached manifest {}{}",
                        version,
                        if from_previous {
                            " (last-known-good)"
                        } else {
                            ""
                        }
                    );
                    shared.report().manifest_version = Some(version);
                    // Its alerts join the store under the store's rules (highest revision
                    // wins, tombstones kept), in case the store file was lost.
                    let now = shared.trust.now(jiff::Timestamp::now());
                    shared
                        .alerts()
                        .merge(b.manifest.alerts.iter().cloned(), now);
                    show.set_server(b);
                }
            }
        }
        show.set_alerts(shared.alerts().alerts().to_vec());
        show.set_clock_trusted(shared.trust.trusted());
        let (events_tx, events) = mpsc::channel();
        let (configs_tx, configs) = mpsc::channel();
        let watcher = {
            let wake = Arc::clone(&wake);
            ConfigWatcher::start(config_path, config.clone(), move |r| {
                let _ = configs_tx.send(r.map_err(|e| e.to_string()));
                wake();
            })
        };
        let watcher = match watcher {
            Ok(w) => Some(w),
            Err(e) => {
                shared.report().set_problem(
                    "config",
                    format!("configuration changes are not watched: {e}"),
                );
                None
            }
        };
        let mut live = Self {
            show,
            shared,
            next_thumbnail: Instant::now() + Duration::from_secs(20),
            config,
            config_path: config_path.to_owned(),
            events,
            events_tx,
            configs,
            wake,
            sync: None,
            _watcher: watcher,
            playing: Vec::new(),
            thumbnail_now: false,
            restart: false,
            screen_name: String::new(),
            drop_folder: None,
        };
        live.start_drop_folder();
        live.start_sync()?;
        Ok(live)
    }

    fn start_sync(&mut self) -> anyhow::Result<()> {
        if let Some(old) = self.sync.take() {
            old.stop();
        }
        let c = &self.config;
        let options = sync::Options {
            server: c.server.clone(),
            data_dir: c.data_dir.clone(),
            poll_interval: Duration::from_secs(c.poll_interval_s),
            push: c.push,
            heartbeat: Duration::from_secs(c.heartbeat_s),
            parallelism: c.download_parallelism,
        };
        let tx = self.events_tx.clone();
        let wake = Arc::clone(&self.wake);
        self.sync = Some(sync::spawn(options, Arc::clone(&self.shared), move |e| {
            let _ = tx.send(e);
            wake();
        })?);
        Ok(())
    }

    /// The state shared with the sync thread.
    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Applies what arrived since the last call (sync events, configuration edits, clock
    /// trust); true when what is shown may have changed.
    pub fn update(&mut self, now: Timestamp) -> bool {
        let mut changed = false;
        while let Ok(event) = self.events.try_recv() {
            changed = true;
            match event {
                SyncEvent::Pairing(code) => self.show.set_pairing(Some(code)),
                SyncEvent::Paired { .. } => self.show.set_pairing(None),
                SyncEvent::Progress(p) => self.show.set_progress(Some(p)),
                SyncEvent::Current(bundle) => {
                    eprintln!(
                        "beffroi-player: playing manifest {}",
                        bundle.manifest.version
                    );
                    self.show.set_server(*bundle);
                }
                SyncEvent::Alerts | SyncEvent::ClockTrusted => {}
                SyncEvent::Action(a) => match a {
                    sync::Action::Identify => self.show.identify(now),
                    sync::Action::Thumbnail => self.thumbnail_now = true,
                    sync::Action::Restart => self.restart = true,
                    sync::Action::Reload | sync::Action::Logs => {}
                },
            }
        }
        while let Ok(c) = self.configs.try_recv() {
            changed = true;
            self.apply_config(c);
        }
        changed |= self.apply_drop_folder();
        // The store's alerts (expired ones are hidden by the evaluator, dropped at a merge).
        let alerts = self.shared.alerts().alerts().to_vec();
        self.show.set_alerts(alerts);
        changed |= self.show.set_clock_trusted(self.shared.trust.trusted());
        if let Some(b) = self.show.bundle() {
            self.screen_name.clone_from(&b.manifest.screen.name);
        }
        changed
    }

    fn apply_config(&mut self, new: Result<Config, String>) {
        let new = match new {
            Ok(c) => c,
            Err(e) => {
                eprintln!("beffroi-player: configuration refused, the previous one stays: {e}");
                self.shared
                    .report()
                    .set_problem("config", format!("refused: {e}"));
                return;
            }
        };
        self.shared.report().clear_problem("config");
        eprintln!(
            "beffroi-player: configuration {} reloaded",
            self.config_path.display()
        );
        if new.display != self.config.display || new.data_dir != self.config.data_dir {
            self.shared
                .report()
                .log_line("display and data_dir changes apply at the next start".into());
        }
        let resync = new.server != self.config.server
            || new.poll_interval_s != self.config.poll_interval_s
            || new.push != self.config.push
            || new.heartbeat_s != self.config.heartbeat_s
            || new.download_parallelism != self.config.download_parallelism;
        let rewatch = new.drop_folder != self.config.drop_folder
            || new.allow_unsigned_bundles != self.config.allow_unsigned_bundles;
        self.show.set_rotation(new.rotation);
        let data_dir = self.config.data_dir.clone();
        self.config = Config { data_dir, ..new };
        if rewatch {
            self.show.set_dropped(None);
            self.start_drop_folder();
        }
        if resync && let Err(e) = self.start_sync() {
            self.shared
                .report()
                .set_problem("sync", format!("cannot restart sync: {e}"));
        }
    }

    /// The bundle to evaluate now, if there is content.
    pub fn bundle(&self) -> Option<&Arc<Bundle>> {
        self.show.bundle()
    }

    /// The scene at `now` for a `width`×`height` panel, with the evaluator's state when
    /// content plays (the player's own screen otherwise).
    pub fn scene(&self, now: Timestamp, width: u32, height: u32) -> (Scene, Option<State>) {
        match self.show.bundle() {
            Some(b) => {
                let state = Evaluator::new(&b.manifest, &b.data).state_at(now);
                let mut scene =
                    playback::build_for_panel(&b.manifest, &b.data, &state, width, height);
                self.show.overlay(&mut scene, &self.screen_name, now);
                (scene, Some(state))
            }
            None => (self.show.system_scene(width, height), None),
        }
    }

    /// The next instant something changes by itself (program, overlay); the loops also
    /// wake at least once a minute.
    pub fn next_change_after(&self, now: Timestamp) -> Option<Timestamp> {
        let program = self
            .show
            .bundle()
            .and_then(|b| Evaluator::new(&b.manifest, &b.data).next_change_after(now));
        match (program, self.show.next_change_after(now)) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Tells the player what the screen shows at `now`: proof of play for the items that
    /// ended, the zones for the heartbeat.
    pub fn shown(&mut self, state: Option<&State>, now: Timestamp, frame_ms: Option<f64>) {
        let mut zones = serde_json::Map::new();
        let mut still = Vec::new();
        // Nothing counts as played behind an alert, on a dark display, or by a clock not
        // believed; the heartbeat says what is really visible.
        let visible = state.filter(|s| {
            s.program.alert.is_none() && s.program.display_on && self.show.clock_trusted()
        });
        if let Some(state) = visible {
            for z in &state.program.zones {
                let Some(s) = &z.showing else { continue };
                zones.insert(
                    z.zone.clone(),
                    serde_json::json!({ "playlist": s.playlist, "item": s.item }),
                );
                let started = state
                    .progress
                    .iter()
                    .find(|p| p.zone == z.zone)
                    .and_then(|p| p.item_started)
                    .unwrap_or(now);
                still.push((
                    z.zone.clone(),
                    s.playlist.clone(),
                    s.item.clone(),
                    s.index,
                    started,
                ));
            }
        }
        // An entry of `playing` absent from `still` (or changed) has ended: it was played
        // until what replaced it in its zone began (or until now).
        let ended: Vec<_> = self
            .playing
            .iter()
            .filter(|p| !still.contains(p))
            .cloned()
            .collect();
        if !ended.is_empty() {
            let mut journal = self.shared.journal();
            for (zone, playlist, item, _, started) in ended {
                let until = still
                    .iter()
                    .find(|n| n.0 == zone && n.4 > started)
                    .map_or(now, |n| n.4.min(now));
                let ms = until
                    .duration_since(started)
                    .as_millis()
                    .clamp(0, MAX_PLAY_MS);
                if let Err(e) = journal.append(Play {
                    zone,
                    playlist,
                    item,
                    started_at: started,
                    duration_ms: u64::try_from(ms).unwrap_or(0),
                }) {
                    self.shared
                        .report()
                        .set_problem("plays", format!("play journal: {e}"));
                }
            }
        }
        self.playing = still;
        let mut report = self.shared.report();
        report.zones = zones;
        if frame_ms.is_some() {
            report.frame_ms = frame_ms;
        }
    }

    /// True when a thumbnail is due (periodic or asked for by the officer).
    pub fn thumbnail_due(&self) -> bool {
        self.thumbnail_now || Instant::now() >= self.next_thumbnail
    }

    /// Sends a downscaled copy of `frame` (the frame shown) to the server; scaled and
    /// encoded on a worker thread, never the render thread.
    pub fn send_thumbnail(&mut self, frame: &RgbaImage) {
        self.thumbnail_now = false;
        self.next_thumbnail = Instant::now() + Duration::from_secs(self.config.thumbnail_s);
        if self.show.pairing().is_some() {
            return; // unpaired: nobody to send it to
        }
        let frame = frame.clone();
        let shared = Arc::clone(&self.shared);
        let spawned = std::thread::Builder::new()
            .name("beffroi-thumbnail".into())
            .spawn(move || match thumbnail_jpeg(&frame) {
                Ok(jpeg) => shared.offer_thumbnail(jpeg),
                Err(e) => shared.report().set_problem("thumbnail", e.to_string()),
            });
        if let Err(e) = spawned {
            self.shared
                .report()
                .set_problem("thumbnail", format!("cannot start the encoder: {e}"));
        }
    }

    /// True once the officer asked for a restart (the caller exits; systemd restarts).
    pub fn restart_requested(&self) -> bool {
        self.restart
    }

    /// Stops the sync thread and writes what the journal buffers.
    pub fn stop(mut self) {
        if let Some(s) = self.sync.take() {
            s.stop();
        }
        if let Err(e) = self.shared.journal().flush() {
            eprintln!("beffroi-player: play journal: {e}");
        }
    }
}

// ---- Drop folder: the watcher of `config.drop_folder` (crate::dropfolder) ----

/// The drop-folder watcher and the states it reported, not yet applied.
struct DropFolderLink {
    _watcher: crate::dropfolder::DropWatcher,
    states: mpsc::Receiver<crate::dropfolder::DropState>,
}

impl Live {
    /// Starts watching `config.drop_folder` when it is set. The server key is read from
    /// `device.json` at each check, so a bundle refused before pairing plays once paired.
    fn start_drop_folder(&mut self) {
        self.drop_folder = None;
        let Some(folder) = self.config.drop_folder.clone() else {
            return;
        };
        let data_dir = self.config.data_dir.clone();
        let key: crate::dropfolder::PublicKeySource = Box::new(move || {
            sync::device::Device::load(&data_dir)
                .ok()
                .flatten()
                .map(|d| d.server_public_key)
        });
        let (tx, states) = mpsc::channel();
        let wake = Arc::clone(&self.wake);
        let started = crate::dropfolder::DropWatcher::start(
            &folder,
            self.config.allow_unsigned_bundles,
            key,
            move |state| {
                let _ = tx.send(state);
                wake();
            },
        );
        match started {
            Ok(watcher) => {
                self.drop_folder = Some(DropFolderLink {
                    _watcher: watcher,
                    states,
                });
            }
            Err(e) => self
                .shared
                .report()
                .set_problem("drop folder", format!("not watched: {e}")),
        }
    }

    /// Applies what the drop-folder watcher reported; true when something changed.
    fn apply_drop_folder(&mut self) -> bool {
        use crate::dropfolder::DropState;
        let Some(link) = &self.drop_folder else {
            return false;
        };
        let mut changed = false;
        while let Ok(state) = link.states.try_recv() {
            changed = true;
            match state {
                DropState::Playing(b) => {
                    eprintln!(
                        "beffroi-player: playing the drop-folder bundle {} ({})",
                        b.dir.display(),
                        b.manifest.version
                    );
                    self.shared.report().clear_problem("drop folder");
                    // Alerts exported with the bundle reach a screen that only has the stick.
                    let now = self.shared.trust.now(jiff::Timestamp::now());
                    self.shared
                        .alerts()
                        .merge(b.manifest.alerts.iter().cloned(), now);
                    self.show.set_dropped(Some(*b));
                }
                DropState::Refused(message) => {
                    eprintln!("beffroi-player: drop-folder bundle refused: {message}");
                    self.shared.report().set_problem("drop folder", message);
                    self.show.set_dropped(None);
                }
                DropState::Absent => {
                    self.shared.report().clear_problem("drop folder");
                    self.show.set_dropped(None);
                }
            }
        }
        changed
    }
}

// ---- end of the drop-folder block ----

/// `frame` at most [`THUMBNAIL_WIDTH`] wide, as JPEG.
fn thumbnail_jpeg(frame: &RgbaImage) -> image::ImageResult<Vec<u8>> {
    // Never larger than the frame itself.
    let w = THUMBNAIL_WIDTH.min(frame.width()).max(1);
    let h =
        (u64::from(frame.height()) * u64::from(w) / u64::from(frame.width().max(1))).max(1) as u32;
    let small = image::imageops::resize(frame, w, h, image::imageops::FilterType::Triangle);
    let rgb = image::DynamicImage::ImageRgba8(small).to_rgb8();
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 80).encode_image(&rgb)?;
    Ok(jpeg)
}

/// Why the headless loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Asked to stop.
    Stopped,
    /// The officer asked for a restart: the process exits so that systemd starts it again.
    Restart,
}

/// A wake-up signal for the headless loop.
#[derive(Debug, Default)]
pub struct Signal {
    raised: Mutex<bool>,
    cond: Condvar,
}

impl Signal {
    /// Raises the signal.
    pub fn raise(&self) {
        *self.raised.lock().unwrap_or_else(PoisonError::into_inner) = true;
        self.cond.notify_all();
    }

    /// Waits for the signal or `timeout`, and lowers it.
    pub fn wait(&self, timeout: Duration) {
        let guard = self.raised.lock().unwrap_or_else(PoisonError::into_inner);
        let (mut raised, _) = self
            .cond
            .wait_timeout_while(guard, timeout, |r| !*r)
            .unwrap_or_else(PoisonError::into_inner);
        *raised = false;
    }
}

/// Without a display: draws offscreen whenever the scene changes — at most once every
/// `display.headless_frame_every_s` — and keeps the last frame in `DATA_DIR/frame.png`.
pub fn headless(
    mut live: Live,
    signal: &Signal,
    clock: &dyn Clock,
    stop: &dyn Fn() -> bool,
) -> anyhow::Result<Ending> {
    use anyhow::Context as _;
    let mut gpu = crate::frame::Headless::new().context("no GPU device for headless frames")?;
    let size = live.config().display.headless_size;
    let out = live.config().data_dir.join("frame.png");
    eprintln!(
        "beffroi-player: no display: frames drawn with {} into {}",
        gpu.describe(),
        out.display()
    );
    let mut shown: Option<Scene> = None;
    let mut last_png: Option<Instant> = None;
    let mut last_frame: Option<RgbaImage> = None;
    let mut announced: Option<String> = None;
    loop {
        let now = clock.now();
        let changed = live.update(now);
        let every = Duration::from_secs(live.config().display.headless_frame_every_s);
        let (scene, state) = live.scene(now, size.width, size.height);
        let due = last_png.is_none_or(|t| t.elapsed() >= every) || changed;
        if shown.as_ref() != Some(&scene) && due {
            let t0 = Instant::now();
            let image = gpu.draw_in(live.shared().cache.root(), &scene);
            let frame_ms = t0.elapsed().as_secs_f64() * 1000.0;
            match write_png(&image, &out) {
                Ok(()) => live.shared().report().clear_problem("frame"),
                // A full disk must not stop the player: the status says so.
                Err(e) => live
                    .shared()
                    .report()
                    .set_problem("frame", format!("{e:#}")),
            }
            let version = live.bundle().map(|b| b.manifest.version.clone());
            if version != announced {
                if let Some(v) = &version {
                    eprintln!("beffroi-player: frame of manifest {v} in {}", out.display());
                }
                announced = version;
            }
            live.shown(state.as_ref(), now, Some(frame_ms));
            shown = Some(scene);
            last_png = Some(Instant::now());
            last_frame = Some(image);
        } else {
            live.shown(state.as_ref(), now, None);
        }
        if live.thumbnail_due()
            && let Some(frame) = &last_frame
        {
            live.send_thumbnail(frame);
        }
        if live.restart_requested() || stop() {
            let ending = if live.restart_requested() {
                Ending::Restart
            } else {
                Ending::Stopped
            };
            live.stop();
            return Ok(ending);
        }
        let next = live
            .next_change_after(now)
            .map_or(Duration::from_secs(60), |t| {
                clock
                    .real_delay(t.duration_since(now))
                    .unwrap_or(Duration::from_secs(60))
            });
        // A change held back by the throttle is drawn when the throttle ends; otherwise
        // sleep until the next change (at least once a minute, as the design asks).
        let held_back = shown.as_ref() != Some(&live.scene(now, size.width, size.height).0);
        let mut wait = next.min(Duration::from_secs(60));
        if held_back && let Some(t) = last_png {
            wait = wait.min(every.saturating_sub(t.elapsed()));
        }
        signal.wait(wait.max(Duration::from_millis(20)));
    }
}

/// Replaces `path` with the PNG of `image` atomically, so a reader never sees half a file.
fn write_png(image: &RgbaImage, path: &Path) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(".tmp-frame.png");
    image
        .save(&tmp)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
