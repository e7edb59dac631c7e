//! The Beffroi content model shared by the content server and the player.
//!
//! Everything here is plain data and pure functions, except [`bundle`], the only module that
//! touches the filesystem. No network, no GPU, no clock: callers pass the instant.

pub mod alert;
pub mod bundle;
pub mod canonical;
pub mod data;
pub mod eval;
pub mod format;
pub mod html;
pub mod ids;
pub mod layout;
pub mod manifest;
pub mod playlist;
pub mod schedule;
pub mod text;
pub mod time;
pub mod validate;

#[cfg(test)]
mod test_util;
