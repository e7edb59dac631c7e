//! `export-bundle`: a screen's published manifest and every blob it names, written as a
//! bundle a player can play offline (USB stick, drop folder), signed with the server key.
//!
//! The `signature` file is one line, `ed25519:<hex>`: the Ed25519 signature of the exact
//! bytes of `manifest.json`, by the key whose public half players receive at pairing.

use std::path::Path;

use beffroi_protocol::bundle;
use beffroi_protocol::manifest::Manifest;
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use sqlx::SqlitePool;

/// Name of the signature file in a bundle.
pub const SIGNATURE_FILE: &str = "signature";

/// Why a bundle could not be exported.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// No screen with that id or name.
    #[error("no screen with the id or name \"{0}\"")]
    UnknownScreen(String),
    /// The screen has nothing published.
    #[error("screen \"{0}\" has no published manifest yet; publish it first")]
    NotPublished(String),
    /// Several screens have that name.
    #[error("several screens are named \"{0}\"; give the screen's id")]
    Ambiguous(String),
    /// The stored manifest is unreadable.
    #[error("the stored manifest of \"{screen}\" is invalid: {message}")]
    Invalid {
        /// The screen.
        screen: String,
        /// What is wrong.
        message: String,
    },
    /// The database.
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    /// The blob store.
    #[error(transparent)]
    Blobs(#[from] crate::blobs::BlobError),
    /// Writing the bundle.
    #[error(transparent)]
    Bundle(#[from] bundle::BundleError),
}

/// The screen id for `wanted`, an id or a screen name.
async fn resolve(db: &SqlitePool, wanted: &str) -> Result<String, ExportError> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM objects WHERE kind = 'screen' AND (id = ?1
            OR json_extract(coalesce(published, draft), '$.name') = ?1) ORDER BY id = ?1 DESC, id",
    )
    .bind(wanted)
    .fetch_all(db)
    .await?;
    match ids.as_slice() {
        [] => Err(ExportError::UnknownScreen(wanted.to_owned())),
        [one] => Ok(one.clone()),
        [first, ..] if first == wanted => Ok(first.clone()),
        _ => Err(ExportError::Ambiguous(wanted.to_owned())),
    }
}

/// Writes the published bundle of screen `wanted` (id or name) to `out`; returns the
/// manifest written.
pub async fn export(
    db: &SqlitePool,
    blobs: &crate::blobs::Blobs,
    key: &SigningKey,
    wanted: &str,
    out: &Path,
) -> Result<Manifest, ExportError> {
    let screen = resolve(db, wanted).await?;
    let body: Option<Vec<u8>> =
        sqlx::query_scalar("SELECT body FROM manifests WHERE screen_id = ?1")
            .bind(&screen)
            .fetch_optional(db)
            .await?;
    let body = body.ok_or_else(|| ExportError::NotPublished(screen.clone()))?;
    let invalid = |message: String| ExportError::Invalid {
        screen: screen.clone(),
        message,
    };
    let manifest: Manifest = serde_json::from_slice(&body).map_err(|e| invalid(e.to_string()))?;
    manifest
        .check_sealed()
        .map_err(|e| invalid(e.to_string()))?;
    let mut data = Vec::new();
    for sha in manifest
        .assets
        .iter()
        .map(|a| &a.sha256)
        .chain(manifest.data.iter().map(|(_, r)| &r.sha256))
    {
        data.push(blobs.get(sha).await?);
    }
    // Remove the signature of an older export first, so that a crash mid-export never leaves
    // a manifest beside another one's signature; unsigned, the bundle is refused by players
    // until the export completes.
    let sig_path = out.join(SIGNATURE_FILE);
    if sig_path.exists() {
        std::fs::remove_file(&sig_path).map_err(|e| bundle::BundleError::Io {
            path: sig_path.clone(),
            source: e,
        })?;
    }
    bundle::write(out, &manifest, data.iter().map(Vec::as_slice))?;
    let written =
        std::fs::read(out.join(bundle::MANIFEST_FILE)).map_err(|e| bundle::BundleError::Io {
            path: out.join(bundle::MANIFEST_FILE),
            source: e,
        })?;
    bundle::write_atomic(
        out,
        SIGNATURE_FILE,
        signature_line(key, &written).as_bytes(),
    )?;
    Ok(manifest)
}

/// The signature file's content for `manifest_bytes`.
pub fn signature_line(key: &SigningKey, manifest_bytes: &[u8]) -> String {
    format!(
        "ed25519:{}\n",
        hex::encode(key.sign(manifest_bytes).to_bytes())
    )
}

/// Checks a signature file's content against the manifest bytes and a public key.
pub fn verify(public: &VerifyingKey, manifest_bytes: &[u8], line: &str) -> Result<(), String> {
    let hex_sig = line
        .trim()
        .strip_prefix("ed25519:")
        .ok_or("the signature does not start with \"ed25519:\"")?;
    let bytes: [u8; 64] = hex::decode(hex_sig)
        .map_err(|e| format!("the signature is not hex: {e}"))?
        .try_into()
        .map_err(|_| "the signature is not 64 bytes".to_owned())?;
    public
        .verify(manifest_bytes, &Signature::from_bytes(&bytes))
        .map_err(|_| "the signature does not match the manifest and key".to_owned())
}
