//! The Beffroi player: plays a screen's bundle.
//!
//! Pure modules ([`playback`], [`pacing`], [`scene`], [`inspect`]) decide what to show and
//! when; [`render`] alone draws with the GPU, [`run`] is the window loop, [`frame`] the
//! headless path. Sync and cache join in a later milestone (see ARCHITECTURE.md).

pub mod alerts;
pub mod cache;
pub mod clock;
pub mod config;
pub mod dropfolder;
pub mod frame;
pub mod icons;
pub mod images;
pub mod inspect;
pub mod journal;
pub mod live;
pub mod pacing;
pub mod playback;
pub mod render;
pub mod run;
pub mod scene;
pub mod show;
pub mod sync;
pub mod trust;
