//! Image decoding for the screen: bounded, EXIF-aware, downscaled to what the screen needs.
//!
//! The decoder lives in `beffroi-media`, shared with the server, which checks uploads with the
//! same limits; this module keeps the player's path to it. Decoding runs off the render thread
//! (the renderer only uploads the result).

pub use beffroi_media::{DecodeError, MAX_ALLOC, MAX_DIMENSION, decode};

/// The pixels of an image node's source: an asset read from the bundle (or cache) folder
/// `dir` and decoded to at most `max_w` × `max_h`, or one of the player's icons rasterised at
/// its own size. The error says why the source is drawn as a placeholder.
pub fn load(
    dir: &std::path::Path,
    source: &crate::scene::ImageSource,
    max_w: u32,
    max_h: u32,
) -> Result<image::RgbaImage, String> {
    use crate::scene::ImageSource;
    match source {
        ImageSource::Asset(sha) => {
            let bytes = std::fs::read(beffroi_protocol::bundle::blob_path(dir, sha))
                .map_err(|e| e.to_string())?;
            decode(&bytes, max_w, max_h).map_err(|e| e.to_string())
        }
        ImageSource::Icon(icon) => crate::icons::rasterise(icon).map_err(|e| e.to_string()),
    }
}
