//! The Beffroi player: plays a screen's bundle.
//!
//! This first version inspects bundles without drawing them: [`inspect`] checks a bundle and
//! lists what a screen would show, and evaluates its program at an instant. The renderer,
//! sync and cache modules join it in later milestones (see ARCHITECTURE.md).

pub mod frame;
pub mod images;
pub mod inspect;
pub mod playback;
pub mod render;
pub mod scene;
