//! The Beffroi content server: settings, the SQLite database, blobs and the server key; the
//! officer's objects with drafts and publishing; per-screen manifests; the JSON API, push to
//! players and the officer's web page; the territory's communes and the demo content.

pub mod alerts;
pub mod api;
pub mod auth;
pub mod blobs;
pub mod communes;
pub mod db;
pub mod demo;
pub mod events;
pub mod export;
pub mod fetch;
pub mod hub;
pub mod ingest;
pub mod keys;
pub mod model;
pub mod news;
pub mod publish;
pub mod rules;
pub mod schedule;
pub mod server;
pub mod settings;
pub mod tls;
pub mod users;
pub mod waste;
pub mod web;

pub use server::{AppState, ServerError, launch_with_listener};
pub use settings::Settings;
