//! Image decoding for the screen: bounded, EXIF-aware, downscaled to what the screen needs.
//!
//! Runs off the render thread (the renderer only uploads the result). Every decode is bounded
//! in dimensions and memory so a decompression bomb or a broken file costs an error, never a
//! crash, a hang or the player's memory.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageReader, Limits, RgbaImage};

/// Largest width or height accepted from a file (a 8K panel's worth, twice).
pub const MAX_DIMENSION: u32 = 16_384;
/// Most memory a single decode may allocate.
pub const MAX_ALLOC: u64 = 256 << 20;

/// Why an image could not be decoded; the player shows a neutral placeholder instead.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// Not a format the player reads (by magic bytes).
    #[error("not an image the player reads (JPEG, PNG, WebP or GIF)")]
    UnknownFormat,
    /// Refused by the limits: too large, or a decompression bomb.
    #[error("refused by the decoder limits: {0}")]
    Limits(String),
    /// Damaged or truncated.
    #[error("damaged image: {0}")]
    Broken(String),
}

/// Decodes `bytes`, applies the EXIF orientation and scales the result down (never up) so
/// that it fits in `max_w`×`max_h` pixels, preserving the aspect ratio.
pub fn decode(bytes: &[u8], max_w: u32, max_h: u32) -> Result<RgbaImage, DecodeError> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| DecodeError::Broken(e.to_string()))?;
    if reader.format().is_none() {
        return Err(DecodeError::UnknownFormat);
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(classify)?;
    // `max_alloc` bounds the codecs' own buffers, but `image` 0.25 allocates the output
    // buffer without checking it: a 200-byte JPEG announcing 16000×16000 pixels would cost
    // 768 MB and a long decode. Refuse any image whose pixels alone exceed the budget.
    let pixels = decoder.total_bytes();
    if pixels > MAX_ALLOC {
        let (w, h) = decoder.dimensions();
        return Err(DecodeError::Limits(format!(
            "{w}×{h} pixels need {} MiB, more than the {} MiB allowed",
            pixels >> 20,
            MAX_ALLOC >> 20
        )));
    }
    let orientation = decoder.orientation().map_err(classify)?;
    let mut img = DynamicImage::from_decoder(decoder).map_err(classify)?;
    let (w, h) = (img.width(), img.height());
    if w == 0 || h == 0 {
        return Err(DecodeError::Broken("the image has no pixels".into()));
    }
    // Scale down before turning upright: the turn copies the image, and a copy of the small
    // one costs nothing. A quarter turn swaps which side must fit which limit.
    use image::metadata::Orientation as O;
    let quarter = matches!(
        orientation,
        O::Rotate90 | O::Rotate270 | O::Rotate90FlipH | O::Rotate270FlipH
    );
    let (fit_w, fit_h) = if quarter {
        (max_h, max_w)
    } else {
        (max_w, max_h)
    };
    let scale = f64::min(
        f64::from(fit_w.max(1)) / f64::from(w),
        f64::from(fit_h.max(1)) / f64::from(h),
    );
    if scale < 1.0 {
        let nw = ((f64::from(w) * scale).round() as u32).max(1);
        let nh = ((f64::from(h) * scale).round() as u32).max(1);
        img = img.resize_exact(nw, nh, image::imageops::FilterType::Triangle);
    }
    img.apply_orientation(orientation);
    Ok(img.into_rgba8())
}

fn classify(e: image::ImageError) -> DecodeError {
    match e {
        image::ImageError::Limits(l) => DecodeError::Limits(l.to_string()),
        // A format recognised by its magic bytes but not compiled in (ICO, TIFF...).
        image::ImageError::Unsupported(u)
            if matches!(u.kind(), image::error::UnsupportedErrorKind::Format(_)) =>
        {
            DecodeError::UnknownFormat
        }
        image::ImageError::Unsupported(u) => DecodeError::Broken(u.to_string()),
        other => DecodeError::Broken(other.to_string()),
    }
}
