//! The player's configuration file (`beffroi-player run --config FILE`), and its hot reload.
//!
//! The file is TOML. Unknown keys are refused (a misspelt key silently ignored would leave a
//! screen doing the wrong thing), every error names the file and the key, and TOML syntax
//! errors carry toml's line and column. Relative paths inside the file are taken relative to
//! the file's own directory, so a configuration and its data can move together.
//!
//! ```toml
//! server = "https://signage.example.fr"
//! data_dir = "/var/lib/beffroi"
//! rotation = 90                  # optional: overrides the screen's
//! drop_folder = "/media/beffroi" # optional: watched folder for signed bundles
//! allow_unsigned_bundles = false
//! poll_interval_s = 60
//! push = true
//! heartbeat_s = 30
//! thumbnail_s = 300
//! download_parallelism = 3
//!
//! [display]
//! windowed = "1280x720"          # optional: a window instead of full screen
//! fps = 30
//! headless_frame_every_s = 10
//! headless_size = "1920x1080"
//! ```

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use beffroi_protocol::manifest::Rotation;
use notify::event::{AccessKind, AccessMode};
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use serde::{Deserialize, Serialize};

/// Where the player keeps its cache, alerts and journal unless told otherwise.
pub const DEFAULT_DATA_DIR: &str = "/var/lib/beffroi";

/// The longest polling interval accepted: a screen that looks for new content less than
/// once a day is a configuration mistake.
pub const MAX_INTERVAL_S: u64 = 86_400;

/// The player's configuration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The content server's base URL (`https://…`; `http://` is accepted for demos and
    /// tests), without a trailing slash.
    pub server: String,
    /// Where the cache, the alert store and the play journal live.
    #[serde(default = "default_data_dir")]
    pub data_dir: PathBuf,
    /// Turns the frame whatever the screen's published rotation says (a panel mounted
    /// differently from its siblings).
    #[serde(default)]
    pub rotation: Option<Rotation>,
    /// A folder watched for signed bundles (USB stick mount point), when set.
    #[serde(default)]
    pub drop_folder: Option<PathBuf>,
    /// Plays bundles without a valid signature from the drop folder (demos only).
    #[serde(default)]
    pub allow_unsigned_bundles: bool,
    /// Seconds between manifest polls (ETag), the fallback when push is off or broken.
    #[serde(default = "default_poll")]
    pub poll_interval_s: u64,
    /// Listens to the server's event stream (SSE) for immediate updates.
    #[serde(default = "yes")]
    pub push: bool,
    /// Seconds between heartbeats.
    #[serde(default = "default_heartbeat")]
    pub heartbeat_s: u64,
    /// Seconds between thumbnails of the frame shown.
    #[serde(default = "default_thumbnail")]
    pub thumbnail_s: u64,
    /// Blob downloads running at once.
    #[serde(default = "default_parallelism")]
    pub download_parallelism: usize,
    /// How frames are shown.
    #[serde(default)]
    pub display: DisplayConfig,
}

/// The `[display]` table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DisplayConfig {
    /// A window of this size instead of full screen (development, demos).
    pub windowed: Option<Size>,
    /// Frame rate cap while something moves (transitions, tickers).
    pub fps: u32,
    /// Without a display, seconds between rendered frames (thumbnails, status).
    pub headless_frame_every_s: u64,
    /// Without a display, the size of the rendered frame.
    pub headless_size: Size,
}

impl Default for DisplayConfig {
    fn default() -> Self {
        Self {
            windowed: None,
            fps: 30,
            headless_frame_every_s: 10,
            headless_size: Size {
                width: 1920,
                height: 1080,
            },
        }
    }
}

/// A size in pixels, written `WIDTHxHEIGHT` (`"1920x1080"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Size {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// The largest side accepted: beyond 8K there is no panel, only a typo.
const MAX_SIDE: u32 = 16_384;

impl std::str::FromStr for Size {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("\"{s}\" is not a size WIDTHxHEIGHT such as \"1920x1080\"");
        let (w, h) = s.split_once(['x', 'X', '×']).ok_or_else(bad)?;
        let side = |v: &str| -> Result<u32, String> {
            let n: u32 = v.trim().parse().map_err(|_| bad())?;
            if n == 0 || n > MAX_SIDE {
                return Err(format!("\"{s}\": each side must be 1 to {MAX_SIDE} pixels"));
            }
            Ok(n)
        };
        Ok(Size {
            width: side(w)?,
            height: side(h)?,
        })
    }
}

impl TryFrom<String> for Size {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl From<Size> for String {
    fn from(s: Size) -> String {
        s.to_string()
    }
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}x{}", self.width, self.height)
    }
}

fn default_data_dir() -> PathBuf {
    PathBuf::from(DEFAULT_DATA_DIR)
}
fn default_poll() -> u64 {
    60
}
fn yes() -> bool {
    true
}
fn default_heartbeat() -> u64 {
    30
}
fn default_thumbnail() -> u64 {
    300
}
fn default_parallelism() -> usize {
    3
}

/// Why a configuration was refused; every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{}: cannot read the configuration: {source}", path.display())]
    Read {
        /// The configuration file.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// Not TOML, or a key unknown or of the wrong type (toml's message gives line and
    /// column).
    #[error("{}: {message}", path.display())]
    Syntax {
        /// The configuration file.
        path: PathBuf,
        /// toml's message, with the line, the column and the key.
        message: String,
    },
    /// Well-formed but a value is out of range.
    #[error("{}: {key}: {message}", path.display())]
    Invalid {
        /// The configuration file.
        path: PathBuf,
        /// The key at fault (`poll_interval_s`, `display.fps`).
        key: &'static str,
        /// What is wrong with its value.
        message: String,
    },
    /// The file's folder could not be watched for changes.
    #[error("{}: cannot watch for changes: {source}", path.display())]
    Watch {
        /// The configuration file.
        path: PathBuf,
        /// What notify said.
        source: notify::Error,
    },
}

impl Config {
    /// Parses the text of the configuration file `origin` (used for messages and to resolve
    /// relative paths; it is not read).
    pub fn parse(text: &str, origin: &Path) -> Result<Config, ConfigError> {
        let mut config: Config = toml::from_str(text).map_err(|e| ConfigError::Syntax {
            path: origin.to_path_buf(),
            message: e.to_string().trim_end().to_owned(),
        })?;
        let invalid = |key: &'static str, message: String| ConfigError::Invalid {
            path: origin.to_path_buf(),
            key,
            message,
        };

        config.server = check_server(&config.server).map_err(|m| invalid("server", m))?;
        for (key, value, max) in [
            ("poll_interval_s", config.poll_interval_s, MAX_INTERVAL_S),
            ("heartbeat_s", config.heartbeat_s, MAX_INTERVAL_S),
            ("thumbnail_s", config.thumbnail_s, MAX_INTERVAL_S),
            (
                "display.headless_frame_every_s",
                config.display.headless_frame_every_s,
                MAX_INTERVAL_S,
            ),
        ] {
            if !(1..=max).contains(&value) {
                return Err(invalid(
                    key,
                    format!("{value} s is out of range (1 to {max} s)"),
                ));
            }
        }
        if !(1..=16).contains(&config.download_parallelism) {
            return Err(invalid(
                "download_parallelism",
                format!("{} is out of range (1 to 16)", config.download_parallelism),
            ));
        }
        if !(1..=120).contains(&config.display.fps) {
            return Err(invalid(
                "display.fps",
                format!("{} is out of range (1 to 120)", config.display.fps),
            ));
        }
        if config.data_dir.as_os_str().is_empty() {
            return Err(invalid("data_dir", "is empty".into()));
        }
        if config
            .drop_folder
            .as_ref()
            .is_some_and(|d| d.as_os_str().is_empty())
        {
            return Err(invalid("drop_folder", "is empty".into()));
        }

        // Relative paths follow the file, not the directory the player was started from.
        let base = origin.parent().unwrap_or(Path::new(""));
        config.data_dir = base.join(&config.data_dir);
        config.drop_folder = config.drop_folder.map(|d| base.join(d));
        Ok(config)
    }

    /// Reads and parses the configuration file `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(&text, path)
    }
}

/// Checks the server URL and returns it without its trailing slash, so that callers append
/// `/api/v1/…` to it.
fn check_server(server: &str) -> Result<String, String> {
    let url = reqwest::Url::parse(server)
        .map_err(|e| format!("\"{server}\" is not a URL ({e}); write \"https://host\""))?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(format!(
            "\"{server}\": the scheme must be https (or http for a demo), not {}",
            url.scheme()
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("\"{server}\" has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        // The player authenticates with its device token; credentials in the URL would end
        // up in logs.
        return Err(format!("\"{server}\": no user name or password in the URL"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("\"{server}\": no query or fragment in the URL"));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// How long the file must stay quiet before it is read: editors write in several steps
/// (truncate, write, rename, chmod), and reading between them would see a partial file.
const DEBOUNCE: Duration = Duration::from_millis(300);

/// A file written continuously is still read at least this often.
const DEBOUNCE_MAX: Duration = Duration::from_secs(3);

enum Msg {
    Changed,
    Stop,
}

/// Watches the configuration file and reports each new version. Dropping it stops it.
///
/// The file's parent directory is watched rather than the file itself, because editors
/// replace a file by renaming a new one over it, which a watch on the old inode would miss.
/// A configuration file that is a symbolic link is watched by its own name only: edits of
/// the link's target elsewhere are not seen.
pub struct ConfigWatcher {
    watcher: Option<RecommendedWatcher>,
    tx: mpsc::Sender<Msg>,
    thread: Option<JoinHandle<()>>,
}

impl fmt::Debug for ConfigWatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigWatcher")
            .field("running", &self.thread.is_some())
            .finish_non_exhaustive()
    }
}

impl ConfigWatcher {
    /// Starts watching `path`, whose current content is `current`. `on_change` is called on
    /// the watcher's own thread with `Ok(config)` when the file parses to a configuration
    /// different from the last good one, and with `Err` when it does not parse (the caller
    /// keeps its configuration and logs the error; the next good edit is reported again).
    pub fn start(
        path: &Path,
        current: Config,
        on_change: impl Fn(Result<Config, ConfigError>) + Send + 'static,
    ) -> Result<Self, ConfigError> {
        let path = path.to_path_buf();
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = path.file_name().map(ToOwned::to_owned);
        let (tx, rx) = mpsc::channel();

        let events = tx.clone();
        let mut watcher = notify::recommended_watcher(move |res: notify::Result<Event>| {
            if relevant(&res, name.as_deref()) {
                let _ = events.send(Msg::Changed);
            }
        })
        .map_err(|source| ConfigError::Watch {
            path: path.clone(),
            source,
        })?;
        watcher
            .watch(&dir, RecursiveMode::NonRecursive)
            .map_err(|source| ConfigError::Watch {
                path: path.clone(),
                source,
            })?;

        let thread = thread::Builder::new()
            .name("config-watch".into())
            .spawn(move || watch_loop(&path, current, &rx, &on_change))
            .map_err(|e| ConfigError::Watch {
                path: dir,
                source: notify::Error::io(e),
            })?;
        Ok(Self {
            watcher: Some(watcher),
            tx,
            thread: Some(thread),
        })
    }
}

/// True when the event may have changed the file called `name`.
fn relevant(res: &notify::Result<Event>, name: Option<&std::ffi::OsStr>) -> bool {
    match res {
        // A lost event (queue overflow) may have been ours: read the file again.
        Err(_) => true,
        Ok(ev) if ev.need_rescan() => true,
        // Opening and reading (ours included) change nothing; reacting to them would make
        // every re-read trigger another.
        Ok(ev) => match ev.kind {
            EventKind::Access(a) if a != AccessKind::Close(AccessMode::Write) => false,
            _ => ev.paths.iter().any(|p| p.file_name() == name),
        },
    }
}

fn watch_loop(
    path: &Path,
    mut last_good: Config,
    rx: &mpsc::Receiver<Msg>,
    on_change: &dyn Fn(Result<Config, ConfigError>),
) {
    loop {
        match rx.recv() {
            Ok(Msg::Changed) => {}
            Ok(Msg::Stop) | Err(_) => return,
        }
        let first = Instant::now();
        loop {
            match rx.recv_timeout(DEBOUNCE) {
                Ok(Msg::Changed) if first.elapsed() < DEBOUNCE_MAX => {}
                Ok(Msg::Changed) | Err(RecvTimeoutError::Timeout) => break,
                Ok(Msg::Stop) | Err(RecvTimeoutError::Disconnected) => return,
            }
        }
        match Config::load(path) {
            Ok(config) if config == last_good => {}
            Ok(config) => {
                last_good = config.clone();
                on_change(Ok(config));
            }
            Err(e) => on_change(Err(e)),
        }
    }
}

impl Drop for ConfigWatcher {
    fn drop(&mut self) {
        // Stop the events first, then the thread; joining makes "dropped" mean "no callback
        // will run any more", unless the callback itself dropped us (joining would deadlock).
        self.watcher.take();
        let _ = self.tx.send(Msg::Stop);
        if let Some(thread) = self.thread.take()
            && thread.thread().id() != thread::current().id()
        {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("/etc/beffroi/player.toml"))
    }

    fn err(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn defaults_fill_a_minimal_file() {
        let c = parse("server = \"https://signage.example.fr/\"").unwrap();
        assert_eq!(c.server, "https://signage.example.fr");
        assert_eq!(c.data_dir, Path::new("/var/lib/beffroi"));
        assert_eq!(c.rotation, None);
        assert_eq!(c.drop_folder, None);
        assert!(!c.allow_unsigned_bundles);
        assert_eq!(
            (c.poll_interval_s, c.push, c.heartbeat_s, c.thumbnail_s),
            (60, true, 30, 300)
        );
        assert_eq!(c.download_parallelism, 3);
        assert_eq!(c.display, DisplayConfig::default());
        assert_eq!(c.display.headless_size.to_string(), "1920x1080");
    }

    #[test]
    fn full_file_and_relative_paths() {
        let c = Config::parse(
            r#"
            server = "http://127.0.0.1:8080/beffroi/"
            data_dir = "data"
            rotation = 270
            drop_folder = "/media/beffroi"
            allow_unsigned_bundles = true
            poll_interval_s = 3600
            push = false
            heartbeat_s = 5
            thumbnail_s = 60
            download_parallelism = 16
            [display]
            windowed = "1280x720"
            fps = 60
            headless_frame_every_s = 2
            headless_size = "960x540"
            "#,
            Path::new("/srv/screen/player.toml"),
        )
        .unwrap();
        assert_eq!(c.server, "http://127.0.0.1:8080/beffroi");
        assert_eq!(c.data_dir, Path::new("/srv/screen/data"));
        assert_eq!(c.drop_folder.as_deref(), Some(Path::new("/media/beffroi")));
        assert_eq!(c.rotation, Some(Rotation::R270));
        assert!(c.allow_unsigned_bundles && !c.push);
        assert_eq!(
            c.display.windowed,
            Some(Size {
                width: 1280,
                height: 720
            })
        );
        assert_eq!(c.display.fps, 60);
        assert_eq!(c.display.headless_size.to_string(), "960x540");
    }

    #[test]
    fn syntax_errors_name_file_line_and_key() {
        let e = err("server = \"https://x.fr\"\npoll_intervall_s = 5\n");
        assert!(e.starts_with("/etc/beffroi/player.toml: "), "{e}");
        assert!(e.contains("line 2"), "{e}");
        assert!(e.contains("poll_intervall_s"), "{e}");

        let e = err("server = \"https://x.fr\"\n[display]\nfsp = 5\n");
        assert!(e.contains("line 3") && e.contains("fsp"), "{e}");

        let e = err("server = \"https://x.fr\"\nheartbeat_s = \"often\"\n");
        assert!(e.contains("line 2") && e.contains("heartbeat_s"), "{e}");

        let e = err("poll_interval_s = 5\n");
        assert!(e.contains("server"), "{e}");

        let e = err("server = \"https://x.fr\"\n[display]\nheadless_size = \"1920*1080\"\n");
        assert!(e.contains("line 3") && e.contains("WIDTHxHEIGHT"), "{e}");

        let e = err("server = \"https://x.fr\"\n[display]\nwindowed = \"0x720\"\n");
        assert!(e.contains("1 to 16384"), "{e}");

        let e = err("server = \"https://x.fr\"\nrotation = 45\n");
        assert!(e.contains("line 2") && e.contains("0, 90, 180, 270"), "{e}");

        let e = err("server = 'https://x.fr'\nserver = 'https://y.fr'\n");
        assert!(e.contains("server"), "{e}");
    }

    #[test]
    fn semantic_errors_name_the_key() {
        let cases = [
            (
                "server = \"ftp://x.fr\"",
                "server: \"ftp://x.fr\": the scheme",
            ),
            (
                "server = \"signage.example.fr\"",
                "server: \"signage.example.fr\" is not a URL",
            ),
            (
                "server = \"https://u:p@x.fr\"",
                "server: \"https://u:p@x.fr\": no user name",
            ),
            ("server = \"https://x.fr/?a=1\"", "no query"),
            (
                "server = \"https://x.fr\"\npoll_interval_s = 0",
                "poll_interval_s: 0 s is out of range",
            ),
            (
                "server = \"https://x.fr\"\npoll_interval_s = 86401",
                "poll_interval_s: 86401 s",
            ),
            (
                "server = \"https://x.fr\"\nheartbeat_s = 0",
                "heartbeat_s: 0 s",
            ),
            (
                "server = \"https://x.fr\"\nthumbnail_s = 0",
                "thumbnail_s: 0 s",
            ),
            (
                "server = \"https://x.fr\"\ndownload_parallelism = 0",
                "download_parallelism: 0 is out of range (1 to 16)",
            ),
            (
                "server = \"https://x.fr\"\ndownload_parallelism = 17",
                "download_parallelism: 17",
            ),
            (
                "server = \"https://x.fr\"\n[display]\nfps = 0",
                "display.fps: 0",
            ),
            (
                "server = \"https://x.fr\"\n[display]\nheadless_frame_every_s = 0",
                "display.headless_frame_every_s: 0 s",
            ),
            (
                "server = \"https://x.fr\"\ndata_dir = \"\"",
                "data_dir: is empty",
            ),
        ];
        for (text, want) in cases {
            let e = err(text);
            assert!(
                e.starts_with("/etc/beffroi/player.toml: ") && e.contains(want),
                "{text}: {e}"
            );
        }
    }

    #[test]
    fn load_names_a_missing_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("absent.toml");
        let e = Config::load(&path).unwrap_err().to_string();
        assert!(
            e.contains("absent.toml") && e.contains("cannot read"),
            "{e}"
        );
    }

    /// Replaces the file the way editors do: a new file renamed over the old one.
    fn replace(path: &Path, text: &str) {
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, text).unwrap();
        std::fs::rename(&tmp, path).unwrap();
    }

    #[test]
    fn watcher_reports_changes_and_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("player.toml");
        let first = "server = \"https://a.example.fr\"\n";
        std::fs::write(&path, first).unwrap();
        let current = Config::load(&path).unwrap();

        let (tx, rx) = mpsc::channel();
        let watcher = ConfigWatcher::start(&path, current, move |r| {
            let _ = tx.send(r.map_err(|e| e.to_string()));
        })
        .unwrap();
        let deadline = Duration::from_secs(10);

        // A valid change, by rename.
        replace(&path, "server = \"https://b.example.fr\"\n");
        let got = rx.recv_timeout(deadline).expect("no callback").unwrap();
        assert_eq!(got.server, "https://b.example.fr");

        // Garbage, written in place.
        std::fs::write(&path, "server = \n").unwrap();
        let e = rx.recv_timeout(deadline).expect("no callback").unwrap_err();
        assert!(e.contains("player.toml"), "{e}");

        // A later valid edit is reported again.
        std::fs::write(
            &path,
            "server = \"https://b.example.fr\"\nheartbeat_s = 10\n",
        )
        .unwrap();
        // Written in place (truncate, then write), a slow machine may let the watcher read
        // the file half-written: such errors are skipped, the good version must follow.
        let got = loop {
            if let Ok(c) = rx.recv_timeout(deadline).expect("no callback") {
                break c;
            }
        };
        assert_eq!(got.heartbeat_s, 10);

        // Dropping stops it: the callback's sender goes away with the thread.
        drop(watcher);
        assert!(matches!(
            rx.recv_timeout(deadline),
            Err(RecvTimeoutError::Disconnected)
        ));
    }
}
