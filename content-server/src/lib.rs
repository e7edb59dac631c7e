//! The Beffroi content server: settings, the SQLite database, the server key and the HTTP
//! server (health and metrics so far), plus the territory's communes and the demo content
//! generator. The content API, publishing and the officer UI are being built on this.

pub mod blobs;
pub mod communes;
pub mod db;
pub mod demo;
pub mod keys;
pub mod server;
pub mod settings;
pub mod users;

pub use server::{AppState, ServerError, launch_with_listener};
pub use settings::Settings;
