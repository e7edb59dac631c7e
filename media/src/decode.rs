//! Bounded image decoding: dimension and allocation limits, EXIF orientation, downscaling.
//!
//! Every decode is bounded in dimensions and memory so a decompression bomb or a broken file
//! costs an error, never a crash, a hang or the process's memory. The player runs this off its
//! render thread; the server runs it on every upload.

use std::io::Cursor;

use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageReader, Limits, RgbaImage};

/// Largest width or height accepted from a file (a 8K panel's worth, twice).
pub const MAX_DIMENSION: u32 = 16_384;
/// Most memory a single decode may allocate.
pub const MAX_ALLOC: u64 = 256 << 20;

/// Why an image could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// Not a format the decoder reads (by magic bytes).
    #[error("not an image the player reads (JPEG, PNG, WebP or GIF)")]
    UnknownFormat,
    /// Refused by the limits: too large, or a decompression bomb. The text names the size.
    #[error("refused by the decoder limits: {0}")]
    Limits(String),
    /// Damaged or truncated.
    #[error("damaged image: {0}")]
    Broken(String),
}

/// Decodes `bytes`, applies the EXIF orientation and scales the result down (never up) so
/// that it fits in `max_w`×`max_h` pixels, preserving the aspect ratio.
pub fn decode(bytes: &[u8], max_w: u32, max_h: u32) -> Result<RgbaImage, DecodeError> {
    decode_fitted(bytes, max_w, max_h).map(DynamicImage::into_rgba8)
}

/// The upright width and height of the image in `bytes`, read from its headers (and its EXIF
/// orientation) without decoding the pixels, under the same limits as [`decode`].
pub fn probe(bytes: &[u8]) -> Result<(u32, u32), DecodeError> {
    let mut decoder = open(bytes)?;
    let orientation = decoder.orientation().map_err(classify)?;
    let (w, h) = decoder.dimensions();
    if w == 0 || h == 0 {
        return Err(DecodeError::Broken("the image has no pixels".into()));
    }
    Ok(if quarter_turn(orientation) {
        (h, w)
    } else {
        (w, h)
    })
}

/// [`decode`] keeping the decoder's colour type, so that callers can tell an opaque picture
/// from one with transparency and re-encode it without widening it.
pub(crate) fn decode_fitted(
    bytes: &[u8],
    max_w: u32,
    max_h: u32,
) -> Result<DynamicImage, DecodeError> {
    let mut decoder = open(bytes)?;
    let orientation = decoder.orientation().map_err(classify)?;
    let mut img = DynamicImage::from_decoder(decoder).map_err(classify)?;
    let (w, h) = (img.width(), img.height());
    if w == 0 || h == 0 {
        return Err(DecodeError::Broken("the image has no pixels".into()));
    }
    // Scale down before turning upright: the turn copies the image, and a copy of the small
    // one costs nothing. A quarter turn swaps which side must fit which limit.
    let (fit_w, fit_h) = if quarter_turn(orientation) {
        (max_h, max_w)
    } else {
        (max_w, max_h)
    };
    if let Some((nw, nh)) = fitted(w, h, fit_w, fit_h) {
        img = img.resize_exact(nw, nh, image::imageops::FilterType::Triangle);
    }
    img.apply_orientation(orientation);
    Ok(img)
}

/// The size that `w`×`h` takes when scaled down to fit `max_w`×`max_h` keeping its aspect
/// ratio, or `None` when it already fits (pictures are never scaled up).
pub(crate) fn fitted(w: u32, h: u32, max_w: u32, max_h: u32) -> Option<(u32, u32)> {
    let scale = f64::min(
        f64::from(max_w.max(1)) / f64::from(w),
        f64::from(max_h.max(1)) / f64::from(h),
    );
    (scale < 1.0).then(|| {
        // The scaled sides are at most the original ones, so they fit in a u32.
        let nw = ((f64::from(w) * scale).round() as u32).max(1);
        let nh = ((f64::from(h) * scale).round() as u32).max(1);
        (nw, nh)
    })
}

/// Whether `orientation` turns the picture by a quarter, swapping its width and height.
fn quarter_turn(orientation: Orientation) -> bool {
    use Orientation as O;
    matches!(
        orientation,
        O::Rotate90 | O::Rotate270 | O::Rotate90FlipH | O::Rotate270FlipH
    )
}

/// A decoder for `bytes` that has read the headers and checked the size against the limits,
/// before any pixel is decoded.
fn open(bytes: &[u8]) -> Result<impl ImageDecoder + '_, DecodeError> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| DecodeError::Broken(e.to_string()))?;
    if reader.format().is_none() {
        return Err(DecodeError::UnknownFormat);
    }
    // The dimension limits are checked here rather than by `image`, whose error does not say
    // what the size was; the codecs' own buffers stay bounded by `max_alloc` meanwhile.
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits.clone());
    let mut decoder = reader.into_decoder().map_err(classify)?;
    let (w, h) = decoder.dimensions();
    if w > MAX_DIMENSION || h > MAX_DIMENSION {
        return Err(DecodeError::Limits(format!(
            "the image is {w}×{h} pixels, more than the {MAX_DIMENSION} pixels allowed on a side"
        )));
    }
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    decoder.set_limits(limits).map_err(classify)?;
    // `max_alloc` bounds the codecs' own buffers, but `image` 0.25 allocates the output
    // buffer without checking it: a 200-byte JPEG announcing 16000×16000 pixels would cost
    // 768 MB and a long decode. Refuse any image whose pixels alone exceed the budget.
    let pixels = decoder.total_bytes();
    if pixels > MAX_ALLOC {
        return Err(DecodeError::Limits(format!(
            "the image is {w}×{h} pixels; it would need {} MiB to decode, more than the {} MiB \
             allowed",
            pixels >> 20,
            MAX_ALLOC >> 20
        )));
    }
    Ok(decoder)
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

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use image::codecs::jpeg::JpegEncoder;
    use image::{ExtendedColorType, ImageEncoder, ImageFormat, Rgb, RgbImage, RgbaImage};

    use super::*;

    /// A JPEG of `w`×`h` stored pixels whose EXIF says `orientation` (1 to 8).
    fn jpeg_with_orientation(w: u32, h: u32, orientation: u16) -> Vec<u8> {
        let img = RgbImage::from_fn(w, h, |x, y| Rgb([(x % 256) as u8, (y % 256) as u8, 128]));
        let mut out = Vec::new();
        let mut encoder = JpegEncoder::new_with_quality(&mut out, 90);
        encoder
            .set_exif_metadata(crate::render::tests::exif_orientation(orientation))
            .unwrap();
        encoder
            .write_image(img.as_raw(), w, h, ExtendedColorType::Rgb8)
            .unwrap();
        out
    }

    #[test]
    fn probe_gives_the_upright_size_without_decoding() {
        for n in 1..=8 {
            let bytes = jpeg_with_orientation(60, 20, n);
            let expected = if n >= 5 { (20, 60) } else { (60, 20) };
            assert_eq!(probe(&bytes).unwrap(), expected, "orientation {n}");
            // The decoder agrees, pixel for pixel in size.
            assert_eq!(decode(&bytes, 1000, 1000).unwrap().dimensions(), expected);
        }
    }

    #[test]
    fn probe_and_decode_name_the_size_of_a_bomb() {
        // A PNG header announcing 20000×10 pixels, more than a side may have.
        let mut png = Vec::new();
        RgbaImage::new(1, 1)
            .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
            .unwrap();
        png[16..20].copy_from_slice(&20_000u32.to_be_bytes());
        png[20..24].copy_from_slice(&10u32.to_be_bytes());
        fix_ihdr_crc(&mut png);
        for result in [probe(&png).err(), decode(&png, 10, 10).err()] {
            let Some(DecodeError::Limits(why)) = result else {
                panic!("not refused by the limits: {result:?}");
            };
            assert!(why.contains("20000×10 pixels"), "{why}");
            assert!(why.contains("16384"), "{why}");
        }
        // 9000×9000 RGBA is within the side limit but needs 309 MiB.
        png[16..20].copy_from_slice(&9000u32.to_be_bytes());
        png[20..24].copy_from_slice(&9000u32.to_be_bytes());
        fix_ihdr_crc(&mut png);
        let Err(DecodeError::Limits(why)) = probe(&png) else {
            panic!("9000×9000 not refused");
        };
        assert_eq!(
            why,
            "the image is 9000×9000 pixels; it would need 308 MiB to decode, more than the \
             256 MiB allowed"
        );
    }

    #[test]
    fn probe_refuses_what_decode_refuses() {
        assert!(matches!(probe(b""), Err(DecodeError::UnknownFormat)));
        assert!(matches!(
            probe(b"plain text"),
            Err(DecodeError::UnknownFormat)
        ));
        assert!(matches!(
            probe(b"\x89PNG\r\n\x1a\n\0\0"),
            Err(DecodeError::Broken(_))
        ));
    }

    #[test]
    fn fitting_scales_down_only() {
        assert_eq!(fitted(4000, 1000, 1920, 1080), Some((1920, 480)));
        assert_eq!(fitted(1000, 4000, 1920, 1080), Some((270, 1080)));
        assert_eq!(fitted(100, 100, 1920, 1080), None);
        assert_eq!(fitted(1920, 1080, 1920, 1080), None);
        // A sliver never rounds to nothing.
        assert_eq!(fitted(10_000, 1, 100, 100), Some((100, 1)));
        assert_eq!(fitted(10, 10, 0, 0), Some((1, 1)));
    }

    /// Recomputes the CRC of the IHDR chunk (bytes 12 to 29) after editing it.
    fn fix_ihdr_crc(png: &mut [u8]) {
        let mut crc = 0xffff_ffff_u32;
        for &b in &png[12..29] {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    0xedb8_8320 ^ (crc >> 1)
                } else {
                    crc >> 1
                };
            }
        }
        png[29..33].copy_from_slice(&(!crc).to_be_bytes());
    }
}
