//! Pairing: ask the server for a short code, show it, poll until an officer claims it.

use std::path::Path;
use std::time::Duration;

use jiff::Timestamp;
use serde::Deserialize;

use super::device::Device;
use super::engine::{Emit, SyncEvent, backoff};
use super::http::{Http, Trust, error_message};

/// The code on screen, also written in the data directory while pairing.
pub const PAIRING_FILE: &str = "pairing.json";

/// A code on screen, waiting for an officer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairingCode {
    /// The code, `ABC-DEF`.
    pub code: String,
    /// The server the officer opens.
    pub server: String,
    /// The page where the code is claimed (the QR code on the pairing screen).
    pub claim_url: String,
    /// When the code stops being valid (a new one is asked then).
    pub expires_at: Option<Timestamp>,
}

#[derive(Debug, Deserialize)]
struct NewPairing {
    code: String,
    secret: String,
    expires_at: String,
    poll_after_s: u64,
}

#[derive(Debug, Deserialize)]
struct PairingStatus {
    status: String,
    token: Option<String>,
    screen_id: Option<String>,
    server_public_key: Option<String>,
    #[serde(default)]
    tls_fingerprint: Option<String>,
}

/// Pairs with `server`, showing codes through `emit` until one is claimed; saves and
/// returns the credentials. Never gives up: a server down is retried with backoff.
pub(super) async fn pair(server: &str, data_dir: &Path, emit: &Emit) -> Device {
    let mut failures = 0u32;
    loop {
        match attempt(server, data_dir, emit).await {
            Ok(Some(device)) => return device,
            Ok(None) => failures = 0, // the code expired: ask another at once
            Err(e) => {
                failures += 1;
                emit.problem("pairing", e);
                tokio::time::sleep(backoff(failures)).await;
            }
        }
    }
}

async fn attempt(server: &str, data_dir: &Path, emit: &Emit) -> Result<Option<Device>, String> {
    let http = Http::new(server, &Trust::FirstUse, None).map_err(|e| e.to_string())?;
    let response = http
        .post("/api/v1/pairing")
        .send()
        .await
        .map_err(|e| format!("cannot reach {server}: {e}"))?;
    if !response.status().is_success() {
        return Err(format!(
            "asking a pairing code: {}",
            error_message(response).await
        ));
    }
    let new: NewPairing = response
        .json()
        .await
        .map_err(|e| format!("pairing code answer: {e}"))?;
    eprintln!(
        "beffroi-player: pairing code {} — claim it at {server}/ecrans",
        new.code
    );
    let shown = PairingCode {
        code: new.code.clone(),
        server: server.to_owned(),
        claim_url: format!("{server}/ecrans?code={}", new.code),
        expires_at: new.expires_at.parse().ok(),
    };
    // Also on disk, for an installer with a shell (and the demo script) to read.
    let note = serde_json::json!({
        "code": shown.code, "claim_url": shown.claim_url, "expires_at": new.expires_at,
    });
    let _ = std::fs::write(data_dir.join(PAIRING_FILE), note.to_string());
    emit.send(SyncEvent::Pairing(shown));
    let wait = Duration::from_secs(new.poll_after_s.clamp(1, 30));
    loop {
        tokio::time::sleep(wait).await;
        let response = match http
            .get(&format!("/api/v1/pairing/{}", new.code))
            .header("X-Pairing-Secret", &new.secret)
            .send()
            .await
        {
            Ok(r) => r,
            Err(e) => {
                emit.problem("pairing", format!("cannot reach {server}: {e}"));
                continue;
            }
        };
        match response.status().as_u16() {
            200 => {}
            404 | 410 => return Ok(None),
            _ => {
                emit.problem(
                    "pairing",
                    format!("polling the code: {}", error_message(response).await),
                );
                continue;
            }
        }
        let status: PairingStatus = response
            .json()
            .await
            .map_err(|e| format!("pairing answer: {e}"))?;
        if status.status != "paired" {
            continue;
        }
        let (Some(token), Some(screen_id), Some(key)) =
            (status.token, status.screen_id, status.server_public_key)
        else {
            return Err(
                "the server says paired but sent no token (it is given once: \
                 revoke this device on the server and pair again)"
                    .into(),
            );
        };
        // The certificate announced by the server must be the one this connection saw.
        let seen = http.seen_fingerprint();
        let pinned = match (seen, status.tls_fingerprint) {
            (Some(seen), Some(announced)) if !seen.eq_ignore_ascii_case(&announced) => {
                return Err(format!(
                    "the server announces certificate {announced} but this connection showed \
                     {seen}: something between the player and the server intercepts TLS"
                ));
            }
            (Some(seen), Some(_)) => Some(seen),
            // No certificate announced: the server sits behind a TLS proxy whose certificate
            // is renewed every few weeks; the player checks it against the authorities.
            (_, None) | (None, _) => None,
        };
        let device = Device {
            server: server.to_owned(),
            token,
            screen_id,
            server_public_key: key,
            tls_fingerprint: pinned,
            paired_at: Timestamp::now(),
        };
        device.save(data_dir).map_err(|e| {
            format!(
                "cannot store the device token in {}: {e}",
                data_dir.display()
            )
        })?;
        let _ = std::fs::remove_file(data_dir.join(PAIRING_FILE));
        emit.send(SyncEvent::Paired {
            screen_id: device.screen_id.clone(),
        });
        return Ok(Some(device));
    }
}
