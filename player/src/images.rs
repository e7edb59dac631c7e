//! Image decoding for the screen: bounded, EXIF-aware, downscaled to what the screen needs.
//!
//! The decoder lives in `beffroi-media`, shared with the server, which checks uploads with the
//! same limits; this module keeps the player's path to it. Decoding runs off the render thread
//! (the renderer only uploads the result).

pub use beffroi_media::{DecodeError, MAX_ALLOC, MAX_DIMENSION, decode};
