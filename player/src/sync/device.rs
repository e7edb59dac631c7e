//! The player's identity once paired: device token, screen, server key and pinned
//! certificate, kept in `device.json` readable by the player's user only.

use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// What pairing gave the player.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    /// The server it was paired with.
    pub server: String,
    /// The device token (`bfd_...`), sent as a bearer token.
    pub token: String,
    /// The screen it plays.
    pub screen_id: String,
    /// The server's Ed25519 public key (hex): verifies signed bundles of the drop folder.
    pub server_public_key: String,
    /// SHA-256 of the server's TLS certificate (hex), pinned; none over plain http, or when
    /// the server sits behind a TLS proxy (its certificate is then checked against the
    /// system's certificate authorities).
    pub tls_fingerprint: Option<String>,
    /// When it was paired.
    pub paired_at: Timestamp,
}

/// The file name inside the data directory.
pub const FILE: &str = "device.json";

impl Device {
    /// The credentials in `data_dir`, if any. A damaged file is an error (never silently
    /// replaced: the officer would lose track of the screen).
    pub fn load(data_dir: &Path) -> Result<Option<Self>, String> {
        let path = data_dir.join(FILE);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| format!("{}: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }

    /// Writes the credentials (mode 0600) atomically and durably.
    pub fn save(&self, data_dir: &Path) -> std::io::Result<()> {
        let tmp = data_dir.join(format!(".tmp-{FILE}"));
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        file.write_all(&serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?)?;
        file.sync_all()?;
        std::fs::rename(&tmp, data_dir.join(FILE))?;
        std::fs::File::open(data_dir)?.sync_all()
    }

    /// Puts the credentials aside after the server refused them (revoked device): the file
    /// is kept as `device.json.revoked` for the record, and the player pairs again.
    pub fn retire(data_dir: &Path) -> std::io::Result<PathBuf> {
        let to = data_dir.join(format!("{FILE}.revoked"));
        std::fs::rename(data_dir.join(FILE), &to)?;
        std::fs::File::open(data_dir)?.sync_all()?;
        Ok(to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    #[test]
    fn credentials_round_trip_readable_by_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Device::load(dir.path()).unwrap(), None);
        let d = Device {
            server: "http://127.0.0.1:8080".into(),
            token: "bfd_x".into(),
            screen_id: "mairie".into(),
            server_public_key: "ab".into(),
            tls_fingerprint: None,
            paired_at: Timestamp::UNIX_EPOCH,
        };
        d.save(dir.path()).unwrap();
        assert_eq!(Device::load(dir.path()).unwrap(), Some(d));
        let mode = std::fs::metadata(dir.path().join(FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        std::fs::write(dir.path().join(FILE), b"{").unwrap();
        assert!(Device::load(dir.path()).unwrap_err().contains(FILE));
    }
}
