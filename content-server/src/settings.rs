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
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("data"),
            max_upload_bytes: 64 << 20,
            metrics_public: false,
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
                    s.metrics_public = match value.as_str() {
                        "1" | "true" | "yes" => true,
                        "0" | "false" | "no" => false,
                        _ => return Err(bad("expected true or false")),
                    }
                }
                other if other.starts_with("BEFFROI_") && !KNOWN_ELSEWHERE.contains(&other) => {
                    return Err(bad(
                        "unknown setting (BEFFROI_LISTEN, BEFFROI_DATA_DIR, BEFFROI_MAX_UPLOAD_BYTES, BEFFROI_METRICS_PUBLIC)",
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
        if self.data_dir.as_os_str().is_empty() {
            return Err(SettingsError::Invalid("data_dir must not be empty".into()));
        }
        Ok(())
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
