//! Sync with the content server, on its own thread with its own tokio runtime so that the
//! render loop never waits on the network.
//!
//! [`spawn`] pairs the player when it has no credentials, then keeps the cache up to date:
//! Server-Sent Events say when a new manifest is published (push), and an ETag poll every
//! `poll_interval` catches anything push missed. A new manifest's blobs are downloaded with
//! bounded parallelism, verified and made durable before the manifest becomes current (see
//! [`crate::cache`]); the render loop then gets the new bundle. Heartbeats, thumbnails and
//! proof-of-play batches go up on the same runtime.

pub mod device;
mod engine;
pub mod http;
mod pairing;
pub mod sse;

pub use engine::{Action, Options, Progress, Report, Shared, SyncEvent, SyncHandle, spawn};
pub use pairing::{PAIRING_FILE, PairingCode};
