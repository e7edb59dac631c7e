//! Beffroi's still images: bounded decoding, format sniffing and renditions, shared by the
//! player (which shows pictures) and the server (which checks uploads and makes thumbnails).
//!
//! - [`decode`] and [`probe`]: decoding and sizing under dimension and memory limits, upright
//!   after the EXIF orientation.
//! - [`sniff`]: what a file is from its magic bytes, with a message for what is refused.
//! - [`render`] and [`thumbnail`]: a picture scaled down to fit a box, encoded again.
//! - [`check_complete`]: whether a JPEG holds all of its data (its decoder does not say).

mod complete;
mod decode;
mod render;
mod sniff;

pub use complete::check_complete;
pub use decode::{DecodeError, MAX_ALLOC, MAX_DIMENSION, decode, probe};
pub use render::{Encoded, JPEG_QUALITY, THUMBNAIL_SIZE, render, thumbnail};
pub use sniff::{Kind, sniff};
