//! The sync thread: credentials, manifest polling and push, blob downloads, switch, and the
//! uploads (heartbeats, thumbnails, proof of play).

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use beffroi_protocol::alert::Alert;
use beffroi_protocol::bundle::{Bundle, MAX_MANIFEST_BYTES};
use beffroi_protocol::ids::Sha256;
use beffroi_protocol::manifest::Manifest;
use futures_util::StreamExt as _;
use jiff::Timestamp;
use reqwest::StatusCode;
use reqwest::header;
use tokio::sync::mpsc;

use super::device::Device;
use super::http::{Http, Trust, error_message, server_date};
use super::pairing::{self, PairingCode};
use super::sse;
use crate::alerts::AlertStore;
use crate::cache::{Cache, CacheError};
use crate::journal::Journal;
use crate::trust::ClockTrust;

/// How the sync thread works.
#[derive(Debug, Clone)]
pub struct Options {
    /// The content server's base URL.
    pub server: String,
    /// Where `device.json` lives.
    pub data_dir: PathBuf,
    /// ETag poll interval (the fallback when push is off or broken).
    pub poll_interval: Duration,
    /// Listen to Server-Sent Events.
    pub push: bool,
    /// Heartbeat interval.
    pub heartbeat: Duration,
    /// Blobs downloaded at once.
    pub parallelism: usize,
}

/// Bytes and items of a download in progress (the first sync shows them on screen).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    /// Bytes received.
    pub bytes_done: u64,
    /// Bytes to receive.
    pub bytes_total: u64,
    /// Blobs complete.
    pub items_done: usize,
    /// Blobs to fetch.
    pub items_total: usize,
}

/// Remote actions the officer sends to a screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Show the screen's name for 30 s.
    Identify,
    /// Fetch the manifest and redraw now.
    Reload,
    /// Restart the player process (systemd brings it back).
    Restart,
    /// Send the recent log lines with the next heartbeat.
    Logs,
    /// Send a thumbnail of the frame shown now.
    Thumbnail,
}

impl Action {
    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "identify" => Self::Identify,
            "reload" => Self::Reload,
            "restart" => Self::Restart,
            "logs" => Self::Logs,
            "thumbnail" => Self::Thumbnail,
            _ => return None,
        })
    }
}

/// What the sync thread tells the render loop.
#[derive(Debug)]
pub enum SyncEvent {
    /// Unpaired: show this code.
    Pairing(PairingCode),
    /// Paired with the server; content follows.
    Paired {
        /// The screen played.
        screen_id: String,
    },
    /// Downloading a new manifest's blobs.
    Progress(Progress),
    /// A new bundle is current in the cache: play it.
    Current(Box<Bundle>),
    /// The alert store changed.
    Alerts,
    /// The clock became trusted (a server `Date` was seen).
    ClockTrusted,
    /// A remote action.
    Action(Action),
}

/// What the heartbeat reports, filled by the render loop and the sync thread.
#[derive(Debug, Default)]
pub struct Report {
    /// What each zone shows (`{"zone": {"playlist": .., "item": ..}}`).
    pub zones: serde_json::Map<String, serde_json::Value>,
    /// Time to build and draw the last frame, in milliseconds.
    pub frame_ms: Option<f64>,
    /// The manifest version played.
    pub manifest_version: Option<String>,
    /// Current problems by source (`sync`, `pairing`, `drop folder`...), newest message.
    pub problems: Vec<(String, String, Timestamp)>,
    /// The recent log lines (sent after a `logs` action).
    pub log: VecDeque<String>,
    /// Send the log with the next heartbeat.
    pub send_log: bool,
}

impl Report {
    /// Records or replaces the problem of `source`.
    pub fn set_problem(&mut self, source: &str, message: String) {
        self.log_line(format!("{source}: {message}"));
        self.problems.retain(|(s, _, _)| s != source);
        self.problems
            .push((source.to_owned(), message, Timestamp::now()));
    }

    /// Clears the problem of `source`.
    pub fn clear_problem(&mut self, source: &str) {
        self.problems.retain(|(s, _, _)| s != source);
    }

    /// Keeps a log line (the last 200).
    pub fn log_line(&mut self, line: String) {
        if self.log.len() == 200 {
            self.log.pop_front();
        }
        self.log.push_back(format!("{} {line}", Timestamp::now()));
    }
}

/// State shared by the render loop and the sync thread.
#[derive(Debug)]
pub struct Shared {
    /// The cache.
    pub cache: Cache,
    /// Alerts, kept apart from manifests.
    pub alerts: Mutex<AlertStore>,
    /// Proof-of-play journal.
    pub journal: Mutex<Journal>,
    /// Whether the wall clock is to be trusted.
    pub trust: ClockTrust,
    /// What the heartbeat reports.
    pub report: Mutex<Report>,
    /// When the player started.
    pub started: Instant,
    /// The latest thumbnail (JPEG) waiting for upload: only the newest is kept.
    pub thumbnail: Mutex<Option<Vec<u8>>>,
    /// Raised when a thumbnail is put in the slot.
    pub thumbnail_ready: tokio::sync::Notify,
}

impl Shared {
    /// The state of a player starting now.
    pub fn new(cache: Cache, alerts: AlertStore, journal: Journal, trust: ClockTrust) -> Self {
        Self {
            cache,
            alerts: Mutex::new(alerts),
            journal: Mutex::new(journal),
            trust,
            report: Mutex::default(),
            started: Instant::now(),
            thumbnail: Mutex::default(),
            thumbnail_ready: tokio::sync::Notify::new(),
        }
    }

    /// Locks the report.
    pub fn report(&self) -> std::sync::MutexGuard<'_, Report> {
        self.report.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Locks the alert store.
    pub fn alerts(&self) -> std::sync::MutexGuard<'_, AlertStore> {
        self.alerts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Puts `jpeg` up for upload, replacing one not sent yet.
    pub fn offer_thumbnail(&self, jpeg: Vec<u8>) {
        *self
            .thumbnail
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(jpeg);
        self.thumbnail_ready.notify_one();
    }

    /// Locks the journal.
    pub fn journal(&self) -> std::sync::MutexGuard<'_, Journal> {
        self.journal.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The running sync thread.
#[derive(Debug)]
pub struct SyncHandle {
    stop: Arc<tokio::sync::Notify>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SyncHandle {
    /// Stops the thread and waits for it.
    pub fn stop(mut self) {
        self.stop.notify_one();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for SyncHandle {
    fn drop(&mut self) {
        self.stop.notify_one();
    }
}

/// Sends events to the render loop and records problems for the heartbeat.
pub(super) struct Emit {
    send: Box<dyn Fn(SyncEvent) + Send + Sync>,
    shared: Arc<Shared>,
}

impl Emit {
    pub(super) fn send(&self, event: SyncEvent) {
        (self.send)(event);
    }

    pub(super) fn problem(&self, source: &str, message: String) {
        eprintln!("beffroi-player: {source}: {message}");
        self.shared.report().set_problem(source, message);
    }

    fn clear(&self, source: &str) {
        self.shared.report().clear_problem(source);
    }
}

/// Starts the sync thread. `send` delivers events to the render loop (it must not block).
pub fn spawn(
    options: Options,
    shared: Arc<Shared>,
    send: impl Fn(SyncEvent) + Send + Sync + 'static,
) -> std::io::Result<SyncHandle> {
    let stop = Arc::new(tokio::sync::Notify::new());
    let emit = Emit {
        send: Box::new(send),
        shared,
    };
    let stopping = Arc::clone(&stop);
    let thread = std::thread::Builder::new()
        .name("beffroi-sync".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(r) => r,
                Err(e) => {
                    emit.problem("sync", format!("cannot start the sync runtime: {e}"));
                    return;
                }
            };
            runtime.block_on(async move {
                tokio::select! {
                    () = stopping.notified() => {}
                    () = main(options, emit) => {}
                }
            });
        })?;
    Ok(SyncHandle {
        stop,
        thread: Some(thread),
    })
}

/// Delay before retry number `failures` (1, 2, ...): exponential from 1 s to 60 s, with
/// ±25 % jitter so that a hundred players back from a power cut do not knock in step.
pub(super) fn backoff(failures: u32) -> Duration {
    let base = 1000u64
        .saturating_mul(1 << failures.saturating_sub(1).min(6))
        .min(60_000);
    let mut b = [0u8; 2];
    let r = getrandom::fill(&mut b).map_or(0.5, |()| f64::from(u16::from_le_bytes(b)) / 65_535.0);
    Duration::from_millis((base as f64 * (0.75 + 0.5 * r)) as u64)
}

async fn main(options: Options, emit: Emit) {
    loop {
        let device = match Device::load(&options.data_dir) {
            Ok(Some(d))
                if d.server.trim_end_matches('/') == options.server.trim_end_matches('/') =>
            {
                d
            }
            Ok(Some(d)) => {
                emit.problem(
                    "pairing",
                    format!(
                        "paired with {} but configured for {}: pairing again",
                        d.server, options.server
                    ),
                );
                pairing::pair(&options.server, &options.data_dir, &emit).await
            }
            Ok(None) => pairing::pair(&options.server, &options.data_dir, &emit).await,
            Err(e) => {
                // Never overwrite credentials we cannot read: say so and retry later.
                emit.problem(
                    "pairing",
                    format!("cannot read the device credentials: {e}"),
                );
                tokio::time::sleep(Duration::from_secs(60)).await;
                continue;
            }
        };
        emit.clear("pairing");
        let session = Session::new(&options, &device, &emit);
        let session = match session {
            Ok(s) => s,
            Err(e) => {
                emit.problem("sync", e);
                tokio::time::sleep(Duration::from_secs(60)).await;
                continue;
            }
        };
        match session.run().await {
            Ended::Revoked => {
                emit.problem(
                    "pairing",
                    "the server refused the device token (device revoked): pairing again".into(),
                );
                if let Err(e) = Device::retire(&options.data_dir) {
                    emit.problem(
                        "pairing",
                        format!("cannot put the old credentials aside: {e}"),
                    );
                    tokio::time::sleep(Duration::from_secs(60)).await;
                }
            }
        }
    }
}

enum Ended {
    Revoked,
}

/// Why one sync attempt failed.
#[derive(Debug)]
enum SyncError {
    /// 401: the device token is no longer valid.
    Revoked,
    /// The server serves a blob that does not hash to its address.
    Damaged(String),
    /// The disk is full.
    NoSpace(String),
    /// Anything else, with a message for the status.
    Failed(String),
}

impl From<CacheError> for SyncError {
    fn from(e: CacheError) -> Self {
        match e {
            CacheError::NoSpace { .. } => Self::NoSpace(e.to_string()),
            e => Self::Failed(e.to_string()),
        }
    }
}

struct Session<'a> {
    options: &'a Options,
    emit: &'a Emit,
    http: Http,
    /// ETag of the last manifest received.
    etag: Option<String>,
    /// True until a first bundle is current: the progress bar shows only then.
    first: bool,
    /// The last attempt found a damaged blob on the server.
    damaged: bool,
}

impl<'a> Session<'a> {
    fn new(options: &'a Options, device: &Device, emit: &'a Emit) -> Result<Self, String> {
        let http = Http::new(
            &options.server,
            &Trust::paired(device.tls_fingerprint.as_deref()),
            Some(&device.token),
        )
        .map_err(|e| e.to_string())?;
        let current = emit.shared.cache.load().0;
        Ok(Self {
            options,
            emit,
            http,
            etag: current.as_ref().map(|c| format!("\"{}\"", c.version)),
            first: current.is_none(),
            damaged: false,
        })
    }

    fn shared(&self) -> &Shared {
        &self.emit.shared
    }

    async fn run(mut self) -> Ended {
        let (kick_tx, mut kick_rx) = mpsc::unbounded_channel::<()>();
        let (revoked_tx, mut revoked_rx) = mpsc::unbounded_channel::<()>();
        let push = self.options.push.then(|| {
            let http = self.http.clone();
            let kick = kick_tx.clone();
            let revoked = revoked_tx.clone();
            let shared = Arc::clone(&self.emit.shared);
            let send = &self.emit.send;
            // The event stream runs beside the manifest loop on the same thread.
            listen(http, kick, revoked, shared, send)
        });
        let beats = heartbeats(
            self.http.clone(),
            self.options.heartbeat,
            Arc::clone(&self.emit.shared),
            revoked_tx.clone(),
        );
        // The manifest loop borrows the session; the rest uses its own handles.
        let (http, emit) = (self.http.clone(), self.emit);
        let manifest_loop = async {
            let mut failures = 0u32;
            loop {
                match self.sync_once().await {
                    Ok(()) => {
                        failures = 0;
                        self.emit.clear("sync");
                    }
                    Err(SyncError::Revoked) => {
                        let _ = revoked_tx.send(());
                        failures += 1;
                    }
                    Err(SyncError::Failed(e) | SyncError::Damaged(e) | SyncError::NoSpace(e)) => {
                        failures += 1;
                        self.emit.problem("sync", e);
                    }
                }
                let wait = if self.damaged {
                    // The server's copy of a blob is damaged: fetching it again every poll
                    // would burn a 4G link; a publish (pushed) or a reload still comes at once.
                    self.options.poll_interval.max(DAMAGED_RETRY)
                } else if failures > 0 {
                    backoff(failures + 2).min(self.options.poll_interval)
                } else {
                    self.options.poll_interval
                };
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    Some(()) = kick_rx.recv() => {}
                }
                // Several triggers at once make one check.
                while kick_rx.try_recv().is_ok() {}
            }
        };
        tokio::pin!(manifest_loop);
        let push = async {
            match push {
                Some(p) => p.await,
                None => std::future::pending().await,
            }
        };
        tokio::pin!(push);
        tokio::pin!(beats);
        let thumbnails = thumbnails(&http, emit);
        tokio::pin!(thumbnails);
        loop {
            tokio::select! {
                () = &mut manifest_loop => unreachable!("the manifest loop never ends"),
                () = &mut push => unreachable!("the event stream listens until revoked"),
                () = &mut beats => unreachable!("heartbeats go on until revoked"),
                () = &mut thumbnails => unreachable!("thumbnails go on until revoked"),
                Some(()) = revoked_rx.recv() => {}
            }
            // One 401 may come from a restored database or a misrouted proxy: ask again
            // before giving up the credentials, which an officer must then re-pair.
            tokio::time::sleep(Duration::from_secs(REVOCATION_RECHECK_S)).await;
            let confirmed = http
                .get("/api/v1/player/manifest")
                .timeout(Duration::from_secs(60))
                .send()
                .await
                .is_ok_and(|r| r.status() == StatusCode::UNAUTHORIZED);
            if confirmed {
                return Ended::Revoked;
            }
            while revoked_rx.try_recv().is_ok() {}
            emit.problem(
                "pairing",
                "the server refused the device token once; it accepts it again".into(),
            );
        }
    }

    /// One manifest check, and the download and switch when it changed.
    async fn sync_once(&mut self) -> Result<(), SyncError> {
        let mut request = self
            .http
            .get("/api/v1/player/manifest")
            .timeout(Duration::from_secs(60));
        if let Some(etag) = &self.etag {
            request = request.header(header::IF_NONE_MATCH, etag);
        }
        let response = request
            .send()
            .await
            .map_err(|e| SyncError::Failed(format!("cannot reach the server: {e}")))?;
        if let Some(date) = server_date(response.headers()) {
            let was = self.shared().trust.trusted();
            self.shared()
                .trust
                .observe_server_date(date, Timestamp::now());
            if !was && self.shared().trust.trusted() {
                // The schedule may play now: redraw at once, not at the next minute.
                self.emit.send(SyncEvent::ClockTrusted);
            }
        }
        match response.status() {
            StatusCode::NOT_MODIFIED => return Ok(()),
            StatusCode::UNAUTHORIZED => return Err(SyncError::Revoked),
            StatusCode::NOT_FOUND => {
                // Paired to a screen that has nothing published yet.
                return Err(SyncError::Failed(format!(
                    "no manifest yet: {}",
                    error_message(response).await
                )));
            }
            s if s.is_success() => {}
            _ => {
                return Err(SyncError::Failed(format!(
                    "manifest: {}",
                    error_message(response).await
                )));
            }
        }
        let etag = response
            .headers()
            .get(header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = read_capped(response, MAX_MANIFEST_BYTES).await?;
        let manifest: Manifest = serde_json::from_slice(&bytes).map_err(|e| {
            SyncError::Failed(format!("the server's manifest is not valid JSON: {e}"))
        })?;
        manifest
            .check_sealed()
            .map_err(|p| SyncError::Failed(format!("the server's manifest is refused: {p}")))?;
        let version = manifest.version.clone();
        // Alerts never wait behind blob downloads.
        self.merge_alerts(manifest.alerts.iter().cloned());
        let (current, _) = self.shared().cache.load();
        if current.as_ref().is_some_and(|c| c.version == version) {
            if etag.is_some() {
                self.etag = etag;
            }
            return Ok(());
        }
        self.shared().cache.stage_manifest(&version, &bytes)?;
        let mut downloaded = self.download(&manifest).await;
        if matches!(downloaded, Err(SyncError::NoSpace(_))) {
            // Room may be held by superseded downloads: free what no version needs, retry.
            let freed = self.shared().cache.collect(Some(&manifest))?;
            if freed > 0 {
                downloaded = self.download(&manifest).await;
            }
        }
        self.damaged = matches!(downloaded, Err(SyncError::Damaged(_)));
        downloaded?;
        // Parsed and checked (data sets included) before it becomes current: a version the
        // renderer cannot load never replaces one it can.
        let bundle = self.shared().cache.bundle(&version)?;
        self.shared().cache.switch_to(&version)?;
        self.first = false;
        if etag.is_some() {
            self.etag = etag;
        }
        self.shared().report().manifest_version = Some(version.clone());
        self.shared()
            .report()
            .log_line(format!("manifest {version} is current"));
        self.emit.send(SyncEvent::Current(Box::new(bundle)));
        if let Err(e) = self.shared().cache.collect(None) {
            self.emit
                .problem("cache", format!("cleaning the cache: {e}"));
        } else {
            self.emit.clear("cache");
        }
        Ok(())
    }

    fn merge_alerts(&self, alerts: impl IntoIterator<Item = Alert>) {
        let now = self.shared().trust.now(Timestamp::now());
        let changed = self.shared().alerts().merge(alerts, now);
        if changed {
            self.emit.send(SyncEvent::Alerts);
        }
    }

    /// Downloads every blob of `manifest` not yet in the cache.
    async fn download(&self, manifest: &Manifest) -> Result<(), SyncError> {
        let cache = &self.shared().cache;
        let mut wanted: Vec<(Sha256, u64)> = manifest
            .assets
            .iter()
            .map(|a| (a.sha256.clone(), a.size))
            .chain(
                manifest
                    .data
                    .iter()
                    .map(|(_, r)| (r.sha256.clone(), r.size)),
            )
            .filter(|(sha, size)| !cache.has_blob(sha, *size))
            .collect();
        wanted.sort();
        wanted.dedup();
        if wanted.is_empty() {
            return Ok(());
        }
        let progress = Mutex::new(Progress {
            bytes_total: wanted.iter().map(|(_, s)| s).sum(),
            items_total: wanted.len(),
            ..Progress::default()
        });
        // At most a few redraws a second on a Pi, whatever the chunk size.
        let last = Mutex::new(None::<Instant>);
        let report = |p: &Mutex<Progress>, force: bool| {
            if !self.first {
                return;
            }
            let mut last = last.lock().unwrap_or_else(PoisonError::into_inner);
            if force || last.is_none_or(|t| t.elapsed() >= PROGRESS_EVERY) {
                *last = Some(Instant::now());
                let now = *p.lock().unwrap_or_else(PoisonError::into_inner);
                self.emit.send(SyncEvent::Progress(now));
            }
        };
        report(&progress, true);
        let results: Vec<Result<(), SyncError>> = futures_util::stream::iter(wanted)
            .map(|(sha, size)| {
                let progress = &progress;
                async move {
                    let r = self.fetch_blob(&sha, size, progress, &report).await;
                    if r.is_ok() {
                        progress
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .items_done += 1;
                        report(progress, true);
                    }
                    r
                }
            })
            .buffer_unordered(self.options.parallelism.max(1))
            .collect()
            .await;
        results.into_iter().collect()
    }

    /// Fetches one blob into the cache, resuming a partial download; a blob whose content
    /// does not hash to its address is thrown away and fetched once more from zero.
    async fn fetch_blob(
        &self,
        sha: &Sha256,
        size: u64,
        progress: &Mutex<Progress>,
        report: &impl Fn(&Mutex<Progress>, bool),
    ) -> Result<(), SyncError> {
        let add = |n: i64| {
            let mut p = progress.lock().unwrap_or_else(PoisonError::into_inner);
            p.bytes_done = p.bytes_done.saturating_add_signed(n);
        };
        let cache = &self.shared().cache;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut writer = cache.begin_blob(sha, size)?;
            let offset = writer.offset();
            // Bytes of this blob counted as done, taken back if it must be fetched again.
            let mut counted = offset as i64;
            add(counted);
            if offset == size {
                // Whole already (a power cut hit just before the rename): only check it.
                match writer.finish() {
                    Ok(()) => return Ok(()),
                    Err(CacheError::WrongHash { .. }) if attempt < 2 => {
                        add(-counted);
                        continue;
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            // No total timeout: a large picture on a slow link may take long; the client's
            // read timeout ends a stalled transfer, and the next attempt resumes it.
            let mut request = self.http.get(&format!("/api/v1/assets/{sha}"));
            if offset > 0 {
                request = request.header(header::RANGE, format!("bytes={offset}-"));
            }
            let response = request
                .send()
                .await
                .map_err(|e| SyncError::Failed(format!("blob {sha}: {e}")))?;
            // A 200 to a ranged request is the whole blob: skip what we already have.
            let mut skip = match response.status() {
                StatusCode::PARTIAL_CONTENT if offset > 0 => 0,
                StatusCode::OK => offset,
                StatusCode::UNAUTHORIZED => return Err(SyncError::Revoked),
                _ => {
                    return Err(SyncError::Failed(format!(
                        "blob {sha}: {}",
                        error_message(response).await
                    )));
                }
            };
            let mut body = response.bytes_stream();
            while let Some(chunk) = body.next().await {
                let chunk = chunk.map_err(|e| SyncError::Failed(format!("blob {sha}: {e}")))?;
                let mut data = &chunk[..];
                if skip > 0 {
                    let n = (skip as usize).min(data.len());
                    data = &data[n..];
                    skip -= n as u64;
                }
                if data.is_empty() {
                    continue;
                }
                writer.write(data)?;
                counted += data.len() as i64;
                add(data.len() as i64);
                report(progress, false);
            }
            match writer.finish() {
                Ok(()) => return Ok(()),
                Err(e @ (CacheError::WrongHash { .. } | CacheError::WrongSize { .. }))
                    if attempt < 2 =>
                {
                    add(-counted);
                    self.emit.problem("sync", format!("{e}; fetching it again"));
                }
                Err(e @ (CacheError::WrongHash { .. } | CacheError::WrongSize { .. })) => {
                    return Err(SyncError::Damaged(format!(
                        "{e}: the server's copy is damaged, the current content stays"
                    )));
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
}

/// Reads a body of at most `limit` bytes.
async fn read_capped(response: reqwest::Response, limit: u64) -> Result<Vec<u8>, SyncError> {
    let mut out = Vec::new();
    let mut body = response.bytes_stream();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| SyncError::Failed(format!("manifest: {e}")))?;
        if (out.len() + chunk.len()) as u64 > limit {
            return Err(SyncError::Failed(format!(
                "the server's manifest is larger than {limit} bytes"
            )));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// Shortest interval between two progress events of the first sync.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

/// How long to wait before retrying a version whose blob the server serves damaged.
const DAMAGED_RETRY: Duration = Duration::from_secs(10 * 60);

/// Seconds before asking again whether a refused device token is really revoked.
const REVOCATION_RECHECK_S: u64 = 30;

/// No byte for this long (keep-alives included) means the stream is dead: reconnect.
const SSE_SILENCE: Duration = Duration::from_secs(90);

/// Listens to the server's events until the device is revoked, reconnecting with backoff.
async fn listen(
    http: Http,
    kick: mpsc::UnboundedSender<()>,
    revoked: mpsc::UnboundedSender<()>,
    shared: Arc<Shared>,
    send: &(dyn Fn(SyncEvent) + Send + Sync),
) {
    let mut last_id: Option<String> = None;
    let mut failures = 0u32;
    loop {
        let mut request = http
            .get("/api/v1/player/events")
            .header(header::ACCEPT, "text/event-stream");
        if let Some(id) = &last_id {
            request = request.header("Last-Event-ID", id);
        }
        let outcome: Result<(), String> = async {
            let response = tokio::time::timeout(SSE_SILENCE, request.send())
                .await
                .map_err(|_| "no answer for 90 s".to_owned())?
                .map_err(|e| e.to_string())?;
            if response.status() == StatusCode::UNAUTHORIZED {
                let _ = revoked.send(());
                return Err("device revoked".into());
            }
            if !response.status().is_success() {
                return Err(error_message(response).await);
            }
            let mut parser = sse::Parser::new();
            let mut alive = false;
            let mut body = response.bytes_stream();
            loop {
                let chunk = tokio::time::timeout(SSE_SILENCE, body.next())
                    .await
                    .map_err(|_| "no keep-alive for 90 s".to_owned())?;
                let Some(chunk) = chunk else {
                    return Err("the server closed the event stream".into());
                };
                let chunk = chunk.map_err(|e| e.to_string())?;
                if !alive {
                    // Bytes came through (an event or a keep-alive): the stream works. A
                    // server that accepts and closes at once keeps backing off instead.
                    alive = true;
                    failures = 0;
                    shared.report().clear_problem("push");
                }
                for event in parser.push(&chunk) {
                    handle_event(&event, &kick, &shared, send);
                }
                if let Some(id) = parser.last_id() {
                    last_id = Some(id.to_owned());
                }
            }
        }
        .await;
        failures += 1;
        if let Err(e) = outcome {
            // Polling still brings content: a problem only once push keeps failing.
            if failures >= 3 {
                shared
                    .report()
                    .set_problem("push", format!("event stream: {e}"));
            } else {
                shared.report().log_line(format!("event stream: {e}"));
            }
        }
        tokio::time::sleep(backoff(failures)).await;
    }
}

fn handle_event(
    event: &sse::Event,
    kick: &mpsc::UnboundedSender<()>,
    shared: &Shared,
    send: &(dyn Fn(SyncEvent) + Send + Sync),
) {
    match event.event.as_str() {
        "manifest" => {
            let _ = kick.send(());
        }
        "alert" => {
            // One alert or a list; applied at once, before any manifest download.
            let alerts: Vec<Alert> = serde_json::from_str::<Vec<Alert>>(&event.data)
                .or_else(|_| serde_json::from_str::<Alert>(&event.data).map(|a| vec![a]))
                .unwrap_or_else(|e| {
                    shared
                        .report()
                        .set_problem("alerts", format!("an alert event is not valid: {e}"));
                    Vec::new()
                });
            if !alerts.is_empty() {
                shared.report().clear_problem("alerts");
            }
            let changed = shared
                .alerts
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .merge(alerts, shared.trust.now(Timestamp::now()));
            if changed {
                send(SyncEvent::Alerts);
            }
        }
        name => match Action::parse(name) {
            Some(Action::Reload) => {
                let _ = kick.send(());
                send(SyncEvent::Action(Action::Reload));
            }
            Some(Action::Logs) => shared.report().send_log = true,
            Some(a) => send(SyncEvent::Action(a)),
            None => shared
                .report()
                .log_line(format!("unknown event \"{name}\" ignored")),
        },
    }
}

/// Heartbeats, then proof-of-play batches, every `every`.
async fn heartbeats(
    http: Http,
    every: Duration,
    shared: Arc<Shared>,
    revoked: mpsc::UnboundedSender<()>,
) {
    loop {
        let body = heartbeat_body(&shared);
        match http
            .post("/api/v1/player/status")
            .timeout(Duration::from_secs(30))
            .json(&body)
            .send()
            .await
        {
            Ok(r) if r.status() == StatusCode::UNAUTHORIZED => {
                let _ = revoked.send(());
            }
            Ok(r) if r.status().is_success() => {
                shared.report().clear_problem("heartbeat");
                if let Some(date) = server_date(r.headers()) {
                    shared.trust.observe_server_date(date, Timestamp::now());
                }
                upload_plays(&http, &shared).await;
            }
            Ok(r) => {
                let message = error_message(r).await;
                shared
                    .report()
                    .set_problem("heartbeat", format!("refused: {message}"));
            }
            Err(e) => shared.report().log_line(format!("heartbeat: {e}")),
        }
        tokio::time::sleep(every).await;
    }
}

fn heartbeat_body(shared: &Shared) -> serde_json::Value {
    let cache_bytes = shared.cache.bytes_used();
    let clock = shared.trust.state().as_str();
    let mut report = shared.report();
    let errors: Vec<serde_json::Value> = report
        .problems
        .iter()
        .map(|(source, message, at)| {
            serde_json::json!({ "source": source, "message": message, "at": at.to_string() })
        })
        .collect();
    let mut body = serde_json::json!({
        "player_version": env!("CARGO_PKG_VERSION"),
        "manifest_version": report.manifest_version,
        "zones": report.zones,
        "uptime_s": shared.started.elapsed().as_secs(),
        "clock": clock,
        "cache_bytes": cache_bytes,
        "frame_ms": report.frame_ms,
        "errors": errors,
    });
    if report.send_log {
        report.send_log = false;
        body["log"] = serde_json::json!(report.log.iter().collect::<Vec<_>>());
    }
    body
}

/// Sends the journal's oldest plays in batches of 500; what the server stored is dropped.
async fn upload_plays(http: &Http, shared: &Shared) {
    loop {
        let batch = shared.journal().pending(500);
        if batch.is_empty() {
            return;
        }
        let n = batch.len();
        let sent = http
            .post("/api/v1/player/plays")
            .timeout(Duration::from_secs(30))
            .json(&serde_json::json!({ "plays": batch }))
            .send()
            .await;
        match sent {
            Ok(r) if r.status().is_success() => {
                if let Err(e) = shared.journal().acknowledge(n) {
                    shared.report().log_line(format!("play journal: {e}"));
                    return;
                }
            }
            Ok(r) if r.status().is_client_error() && r.status() != StatusCode::UNAUTHORIZED => {
                // The server will never take this batch: drop it rather than block every
                // later play behind it, and say so.
                let message = error_message(r).await;
                shared
                    .report()
                    .set_problem("plays", format!("{n} plays refused and dropped: {message}"));
                if let Err(e) = shared.journal().acknowledge(n) {
                    shared.report().log_line(format!("play journal: {e}"));
                }
                return;
            }
            Ok(r) => {
                let message = error_message(r).await;
                shared
                    .report()
                    .log_line(format!("plays not stored yet: {message}"));
                return;
            }
            Err(e) => {
                shared.report().log_line(format!("plays: {e}"));
                return;
            }
        }
        if n < 500 {
            return;
        }
    }
}

/// Uploads each thumbnail put in the slot, newest only.
async fn thumbnails(http: &Http, emit: &Emit) {
    loop {
        emit.shared.thumbnail_ready.notified().await;
        let taken = emit
            .shared
            .thumbnail
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(jpeg) = taken {
            upload_thumbnail(http, jpeg, "image/jpeg", emit).await;
        }
    }
}

async fn upload_thumbnail(http: &Http, bytes: Vec<u8>, mime: &'static str, emit: &Emit) {
    let r = http
        .request(reqwest::Method::PUT, "/api/v1/player/thumbnail")
        .timeout(Duration::from_secs(60))
        .header(header::CONTENT_TYPE, mime)
        .body(bytes)
        .send()
        .await;
    match r {
        Ok(r) if r.status().is_success() => emit.clear("thumbnail"),
        Ok(r) => emit.problem("thumbnail", error_message(r).await),
        Err(e) => emit.problem("thumbnail", e.to_string()),
    }
}
