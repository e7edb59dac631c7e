//! Server settings: defaults, then a TOML file, then `BEFFROI_*` environment variables,
//! validated at start-up with messages that name the setting at fault.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Where and how the server runs.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Address and port to listen on (`BEFFROI_LISTEN`).
    pub listen: SocketAddr,
    /// Folder holding the database, the blobs and the server key (`BEFFROI_DATA_DIR`).
    pub data_dir: PathBuf,
    /// Largest accepted upload, in bytes (`BEFFROI_MAX_UPLOAD_BYTES`).
    pub max_upload_bytes: u64,
    /// Serve `/metrics` without authentication (`BEFFROI_METRICS_PUBLIC`), for a Prometheus
    /// scraper on the same host.
    pub metrics_public: bool,
    /// Let editors publish their communes' changes themselves (`BEFFROI_EDITORS_SELF_PUBLISH`);
    /// otherwise an approver or an administrator publishes.
    pub editors_self_publish: bool,
    /// PEM certificate chain: serve HTTPS directly (`BEFFROI_TLS_CERT`; with `tls_key`).
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of the certificate (`BEFFROI_TLS_KEY`).
    pub tls_key: Option<PathBuf>,
    /// Mark cookies `Secure` although the server speaks plain HTTP, because a reverse proxy
    /// terminates TLS in front of it (`BEFFROI_BEHIND_TLS_PROXY`).
    pub behind_tls_proxy: bool,
    /// Seconds between player heartbeats; a screen is offline after three missed
    /// (`BEFFROI_HEARTBEAT_S`).
    pub heartbeat_s: u32,
    /// Seconds between SSE keep-alive comments (`BEFFROI_SSE_KEEPALIVE_S`).
    pub sse_keepalive_s: u32,
    /// Seconds between checks for news feeds due for a fetch (`BEFFROI_FEED_CHECK_S`); each
    /// feed has its own refresh interval.
    pub feed_check_s: u32,
    /// Also fetch the pictures news feeds name from private addresses (loopback, local
    /// network; `BEFFROI_FEED_PICTURES_PRIVATE`), for feeds whose pictures are on an
    /// intranet. Off: a feed cannot make the server reach into the local network.
    pub feed_pictures_private: bool,
    /// Days of events ahead that the events data set carries (`BEFFROI_EVENTS_HORIZON_DAYS`,
    /// 1–366): recurring events are expanded into occurrences up to there.
    pub events_horizon_days: u32,
    /// Weeks of collections ahead that the waste data set carries
    /// (`BEFFROI_WASTE_HORIZON_WEEKS`, 1–53), from the Monday of the current week: the data
    /// set changes once a week, not every day.
    pub waste_horizon_weeks: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("data"),
            max_upload_bytes: 64 << 20,
            metrics_public: false,
            editors_self_publish: false,
            tls_cert: None,
            tls_key: None,
            behind_tls_proxy: false,
            heartbeat_s: 60,
            sse_keepalive_s: 15,
            feed_check_s: 60,
            feed_pictures_private: false,
            events_horizon_days: 30,
            waste_horizon_weeks: 8,
        }
    }
}

// Written by hand so that a secret added later is never printed by accident.
impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("max_upload_bytes", &self.max_upload_bytes)
            .field("metrics_public", &self.metrics_public)
            .field("editors_self_publish", &self.editors_self_publish)
            .field("tls_cert", &self.tls_cert)
            .field("tls_key", &self.tls_key)
            .field("behind_tls_proxy", &self.behind_tls_proxy)
            .field("heartbeat_s", &self.heartbeat_s)
            .field("sse_keepalive_s", &self.sse_keepalive_s)
            .field("feed_check_s", &self.feed_check_s)
            .field("feed_pictures_private", &self.feed_pictures_private)
            .field("events_horizon_days", &self.events_horizon_days)
            .field("waste_horizon_weeks", &self.waste_horizon_weeks)
            .finish()
    }
}

/// Why the settings were refused.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The file could not be read.
    #[error("cannot read the settings file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not valid TOML or has an unknown or mistyped setting.
    #[error("settings file {}: {message}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// The parser's message, with the line.
        message: String,
    },
    /// An environment variable has a value that does not parse.
    #[error("{name}={value:?}: {message}")]
    Env {
        /// The variable.
        name: String,
        /// Its value.
        value: String,
        /// What was expected.
        message: String,
    },
    /// A value parsed but cannot work.
    #[error("{0}")]
    Invalid(String),
}

impl Settings {
    /// Defaults, overridden by `file` when given, then by the `BEFFROI_*` variables of `env`.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, SettingsError> {
        let mut s = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| SettingsError::Read {
                    path: path.to_owned(),
                    source,
                })?;
                toml::from_str(&text).map_err(|e| SettingsError::File {
                    path: path.to_owned(),
                    message: e.to_string(),
                })?
            }
            None => Settings::default(),
        };
        for (name, value) in env {
            let bad = |message: &str| SettingsError::Env {
                name: name.clone(),
                value: value.clone(),
                message: message.into(),
            };
            match name.as_str() {
                "BEFFROI_LISTEN" => {
                    s.listen = value
                        .parse()
                        .map_err(|_| bad("expected an address and port such as 127.0.0.1:8080"))?;
                }
                "BEFFROI_DATA_DIR" => s.data_dir = PathBuf::from(&value),
                "BEFFROI_MAX_UPLOAD_BYTES" => {
                    s.max_upload_bytes = value
                        .parse()
                        .map_err(|_| bad("expected a number of bytes"))?;
                }
                "BEFFROI_METRICS_PUBLIC" => {
                    s.metrics_public = flag(&value).ok_or_else(|| bad("expected true or false"))?;
                }
                "BEFFROI_EDITORS_SELF_PUBLISH" => {
                    s.editors_self_publish =
                        flag(&value).ok_or_else(|| bad("expected true or false"))?;
                }
                "BEFFROI_BEHIND_TLS_PROXY" => {
                    s.behind_tls_proxy =
                        flag(&value).ok_or_else(|| bad("expected true or false"))?;
                }
                "BEFFROI_TLS_CERT" => s.tls_cert = Some(PathBuf::from(&value)),
                "BEFFROI_TLS_KEY" => s.tls_key = Some(PathBuf::from(&value)),
                "BEFFROI_HEARTBEAT_S" => {
                    s.heartbeat_s = value
                        .parse()
                        .map_err(|_| bad("expected a number of seconds"))?;
                }
                "BEFFROI_SSE_KEEPALIVE_S" => {
                    s.sse_keepalive_s = value
                        .parse()
                        .map_err(|_| bad("expected a number of seconds"))?;
                }
                "BEFFROI_FEED_PICTURES_PRIVATE" => {
                    s.feed_pictures_private =
                        flag(&value).ok_or_else(|| bad("expected true or false"))?;
                }
                "BEFFROI_FEED_CHECK_S" => {
                    s.feed_check_s = value
                        .parse()
                        .map_err(|_| bad("expected a number of seconds"))?;
                }
                "BEFFROI_EVENTS_HORIZON_DAYS" => {
                    s.events_horizon_days = value
                        .parse()
                        .map_err(|_| bad("expected a number of days"))?;
                }
                "BEFFROI_WASTE_HORIZON_WEEKS" => {
                    s.waste_horizon_weeks = value
                        .parse()
                        .map_err(|_| bad("expected a number of weeks"))?;
                }
                other if other.starts_with("BEFFROI_") && !KNOWN_ELSEWHERE.contains(&other) => {
                    return Err(bad(
                        "unknown setting (BEFFROI_LISTEN, BEFFROI_DATA_DIR, BEFFROI_MAX_UPLOAD_BYTES, BEFFROI_METRICS_PUBLIC, BEFFROI_EDITORS_SELF_PUBLISH, BEFFROI_TLS_CERT, BEFFROI_TLS_KEY, BEFFROI_BEHIND_TLS_PROXY, BEFFROI_HEARTBEAT_S, BEFFROI_SSE_KEEPALIVE_S, BEFFROI_FEED_CHECK_S, BEFFROI_FEED_PICTURES_PRIVATE, BEFFROI_EVENTS_HORIZON_DAYS, BEFFROI_WASTE_HORIZON_WEEKS)",
                    ));
                }
                _ => {}
            }
        }
        s.validate()?;
        Ok(s)
    }

    fn validate(&self) -> Result<(), SettingsError> {
        if self.max_upload_bytes == 0 {
            return Err(SettingsError::Invalid(
                "max_upload_bytes must be greater than zero".into(),
            ));
        }
        if self.tls_cert.is_some() != self.tls_key.is_some() {
            return Err(SettingsError::Invalid(
                "tls_cert and tls_key go together: set both to serve HTTPS, or neither".into(),
            ));
        }
        if self.heartbeat_s == 0 || self.sse_keepalive_s == 0 || self.feed_check_s == 0 {
            return Err(SettingsError::Invalid(
                "heartbeat_s, sse_keepalive_s and feed_check_s must be greater than zero".into(),
            ));
        }
        if !(1..=366).contains(&self.events_horizon_days) {
            return Err(SettingsError::Invalid(format!(
                "events_horizon_days must be between 1 and 366 (it is {})",
                self.events_horizon_days
            )));
        }
        if !(1..=53).contains(&self.waste_horizon_weeks) {
            return Err(SettingsError::Invalid(format!(
                "waste_horizon_weeks must be between 1 and 53 (it is {})",
                self.waste_horizon_weeks
            )));
        }
        if self.data_dir.as_os_str().is_empty() {
            return Err(SettingsError::Invalid("data_dir must not be empty".into()));
        }
        Ok(())
    }
}

fn flag(value: &str) -> Option<bool> {
    match value {
        "1" | "true" | "yes" => Some(true),
        "0" | "false" | "no" => Some(false),
        _ => None,
    }
}

/// `BEFFROI_*` variables read by other parts of the project (the scripts, the tests), which
/// the server must not refuse.
const KNOWN_ELSEWHERE: &[&str] = &["BEFFROI_DEMO_DIR", "BEFFROI_UPDATE_GOLDEN"];

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn environment_overrides_the_file_which_overrides_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("beffroi.toml");
        std::fs::write(
            &file,
            "listen = \"0.0.0.0:9000\"\ndata_dir = \"/var/lib/beffroi\"\n",
        )
        .unwrap();
        let s = Settings::load(
            Some(&file),
            env(&[("BEFFROI_DATA_DIR", "/srv/beffroi"), ("PATH", "/bin")]),
        )
        .unwrap();
        assert_eq!(s.listen.to_string(), "0.0.0.0:9000");
        assert_eq!(s.data_dir, PathBuf::from("/srv/beffroi"));
        assert_eq!(s.max_upload_bytes, 64 << 20);
    }

    #[test]
    fn errors_name_the_setting() {
        let err = Settings::load(None, env(&[("BEFFROI_LISTEN", "localhost")]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("BEFFROI_LISTEN=\"localhost\"") && err.contains("127.0.0.1:8080"),
            "{err}"
        );
        let err = Settings::load(None, env(&[("BEFFROI_LISTN", "x")]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("BEFFROI_LISTN") && err.contains("unknown setting"),
            "{err}"
        );
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("beffroi.toml");
        std::fs::write(&file, "lisen = \"0.0.0.0:9000\"\n").unwrap();
        let err = Settings::load(Some(&file), env(&[]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("lisen") && err.contains("beffroi.toml"),
            "{err}"
        );
        let err = Settings::load(None, env(&[("BEFFROI_MAX_UPLOAD_BYTES", "0")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("max_upload_bytes"), "{err}");
    }
}
