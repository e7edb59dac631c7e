//! Renditions: a picture decoded under the limits, turned upright, scaled down to fit a box
//! and encoded again, as JPEG when it is opaque and PNG when it has transparency.
//!
//! The output is deterministic: the same input bytes give the same output bytes, so a
//! rendition can be addressed by its hash and made again on any machine with the same
//! version of the `image` encoders.

use std::fmt;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{DynamicImage, ExtendedColorType, ImageEncoder};

use crate::decode::{DecodeError, decode_fitted};

/// The box thumbnails fit in, in pixels.
pub const THUMBNAIL_SIZE: u32 = 320;
/// The quality of the JPEG renditions (libjpeg's scale, 1 to 100).
pub const JPEG_QUALITY: u8 = 85;

/// An encoded picture and what a manifest or an HTTP response says about it.
#[derive(Clone, PartialEq, Eq)]
pub struct Encoded {
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// `image/jpeg` or `image/png`.
    pub mime: &'static str,
    /// Width in pixels, upright.
    pub width: u32,
    /// Height in pixels, upright.
    pub height: u32,
}

impl fmt::Debug for Encoded {
    // The bytes would fill a screen; their count says enough.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Encoded")
            .field("mime", &self.mime)
            .field("width", &self.width)
            .field("height", &self.height)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// Decodes `bytes` under the limits, turns the picture upright, scales it down (never up) to
/// fit `max_w`×`max_h` and encodes it: PNG when any pixel is not fully opaque, else JPEG at
/// [`JPEG_QUALITY`].
pub fn render(bytes: &[u8], max_w: u32, max_h: u32) -> Result<Encoded, DecodeError> {
    encode(&decode_fitted(bytes, max_w, max_h)?)
}

/// [`render`] into the [`THUMBNAIL_SIZE`] box.
pub fn thumbnail(bytes: &[u8]) -> Result<Encoded, DecodeError> {
    render(bytes, THUMBNAIL_SIZE, THUMBNAIL_SIZE)
}

/// Encodes `img` as PNG when it has transparency, else as JPEG; grey pictures stay grey
/// (one channel), others become 8-bit RGB(A).
fn encode(img: &DynamicImage) -> Result<Encoded, DecodeError> {
    let (width, height) = (img.width(), img.height());
    let grey = !img.color().has_color();
    let mut bytes = Vec::new();
    let (mime, written) = if has_transparency(img) {
        // Default compression: thumbnails are made on every upload, and Best costs several
        // times as long for a few per cent.
        let png = PngEncoder::new_with_quality(
            &mut bytes,
            CompressionType::Default,
            FilterType::Adaptive,
        );
        let written = if grey {
            png.write_image(
                img.to_luma_alpha8().as_raw(),
                width,
                height,
                ExtendedColorType::La8,
            )
        } else {
            png.write_image(
                img.to_rgba8().as_raw(),
                width,
                height,
                ExtendedColorType::Rgba8,
            )
        };
        ("image/png", written)
    } else {
        let jpeg = JpegEncoder::new_with_quality(&mut bytes, JPEG_QUALITY);
        let written = if grey {
            jpeg.write_image(
                img.to_luma8().as_raw(),
                width,
                height,
                ExtendedColorType::L8,
            )
        } else {
            jpeg.write_image(
                img.to_rgb8().as_raw(),
                width,
                height,
                ExtendedColorType::Rgb8,
            )
        };
        ("image/jpeg", written)
    };
    // Encoding 8-bit pixels of a decoded picture into memory has no reason to fail; if the
    // encoder ever refuses, the picture is reported as unusable rather than the process dying.
    written.map_err(|e| DecodeError::Broken(format!("cannot encode the picture again: {e}")))?;
    Ok(Encoded {
        bytes,
        mime,
        width,
        height,
    })
}

/// Whether any pixel of `img` is not fully opaque.
fn has_transparency(img: &DynamicImage) -> bool {
    // The alpha sample is the last of each pixel; read it from the raw samples, a loop the
    // compiler turns into a fast scan.
    fn any_below<T: Copy + PartialOrd>(samples: &[T], channels: usize, opaque: T) -> bool {
        samples
            .chunks_exact(channels)
            .any(|p| p[channels - 1] < opaque)
    }
    match img {
        DynamicImage::ImageLumaA8(i) => any_below(i.as_raw(), 2, u8::MAX),
        DynamicImage::ImageRgba8(i) => any_below(i.as_raw(), 4, u8::MAX),
        DynamicImage::ImageLumaA16(i) => any_below(i.as_raw(), 2, u16::MAX),
        DynamicImage::ImageRgba16(i) => any_below(i.as_raw(), 4, u16::MAX),
        DynamicImage::ImageRgba32F(i) => any_below(i.as_raw(), 4, 1.0),
        // No alpha channel; a variant added to `image` later with one counts as transparent,
        // the safe side (PNG loses nothing).
        other => other.color().has_alpha(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::io::Cursor;

    use image::{GrayImage, ImageFormat, Luma, Rgb, RgbImage, Rgba, RgbaImage};

    use super::*;

    fn png(img: &DynamicImage) -> Vec<u8> {
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    /// A picture with a different colour in each quarter, so that a turn or a flip shows.
    fn quarters(w: u32, h: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| match (x < w / 2, y < h / 2) {
            (true, true) => Rgb([220, 30, 30]),
            (false, true) => Rgb([30, 220, 30]),
            (true, false) => Rgb([30, 30, 220]),
            (false, false) => Rgb([240, 240, 240]),
        })
    }

    fn decoded(e: &Encoded) -> DynamicImage {
        let format = match e.mime {
            "image/png" => ImageFormat::Png,
            "image/jpeg" => ImageFormat::Jpeg,
            other => panic!("unexpected {other}"),
        };
        let img = image::load_from_memory_with_format(&e.bytes, format).unwrap();
        assert_eq!((img.width(), img.height()), (e.width, e.height));
        img
    }

    fn close(a: [u8; 3], b: [u8; 3]) -> bool {
        a.iter().zip(b).all(|(x, y)| x.abs_diff(y) <= 12)
    }

    #[test]
    fn opaque_pictures_become_jpeg_fitted_to_the_box() {
        let src = png(&DynamicImage::ImageRgb8(quarters(800, 400)));
        let out = render(&src, 200, 200).unwrap();
        assert_eq!(out.mime, "image/jpeg");
        assert_eq!((out.width, out.height), (200, 100));
        let img = decoded(&out).to_rgb8();
        assert!(close(img.get_pixel(10, 10).0, [220, 30, 30]));
        assert!(close(img.get_pixel(190, 90).0, [240, 240, 240]));
    }

    #[test]
    fn an_opaque_alpha_channel_still_gives_jpeg() {
        let rgba = RgbaImage::from_pixel(40, 30, Rgba([10, 20, 30, 255]));
        let out = render(&png(&DynamicImage::ImageRgba8(rgba)), 100, 100).unwrap();
        assert_eq!(out.mime, "image/jpeg");
        assert_eq!((out.width, out.height), (40, 30), "never scaled up");
    }

    #[test]
    fn one_translucent_pixel_gives_png_and_keeps_it() {
        let mut rgba = RgbaImage::from_pixel(40, 30, Rgba([10, 20, 30, 255]));
        rgba.put_pixel(5, 7, Rgba([10, 20, 30, 128]));
        let out = render(&png(&DynamicImage::ImageRgba8(rgba)), 100, 100).unwrap();
        assert_eq!(out.mime, "image/png");
        let img = decoded(&out).to_rgba8();
        assert_eq!(img.get_pixel(5, 7).0, [10, 20, 30, 128]);
        assert_eq!(img.get_pixel(6, 7).0, [10, 20, 30, 255]);
    }

    #[test]
    fn grey_stays_one_channel() {
        let grey = GrayImage::from_fn(64, 64, |x, _| Luma([(x * 4) as u8]));
        let out = render(&png(&DynamicImage::ImageLuma8(grey)), 64, 64).unwrap();
        assert_eq!(out.mime, "image/jpeg");
        assert_eq!(decoded(&out).color(), image::ColorType::L8);
    }

    #[test]
    fn the_same_input_gives_the_same_bytes() {
        let src = png(&DynamicImage::ImageRgb8(quarters(333, 211)));
        let a = render(&src, 100, 100).unwrap();
        let b = render(&src, 100, 100).unwrap();
        assert_eq!(a.bytes, b.bytes);
        let mut rgba = DynamicImage::ImageRgb8(quarters(333, 211)).to_rgba8();
        rgba.put_pixel(0, 0, Rgba([0, 0, 0, 0]));
        let src = png(&DynamicImage::ImageRgba8(rgba));
        assert_eq!(
            thumbnail(&src).unwrap().bytes,
            thumbnail(&src).unwrap().bytes
        );
    }

    #[test]
    fn renditions_are_upright() {
        // A PNG whose eXIf chunk says "turn 90° clockwise": stored 60×40, shown 40×60 with the
        // stored top-left (red) at the top right.
        let stored = DynamicImage::ImageRgb8(quarters(60, 40));
        let mut bytes = Vec::new();
        {
            let mut encoder = PngEncoder::new(&mut bytes);
            encoder.set_exif_metadata(exif_orientation(6)).unwrap();
            encoder
                .write_image(stored.as_bytes(), 60, 40, ExtendedColorType::Rgb8)
                .unwrap();
        }
        let out = render(&bytes, 1000, 1000).unwrap();
        assert_eq!((out.width, out.height), (40, 60));
        let img = decoded(&out).to_rgb8();
        assert!(
            close(img.get_pixel(35, 5).0, [220, 30, 30]),
            "red at the top right"
        );
        assert!(
            close(img.get_pixel(5, 5).0, [30, 30, 220]),
            "blue at the top left"
        );
        // The box applies to the upright picture: 40×60 into 100×30 gives 20×30.
        let out = render(&bytes, 100, 30).unwrap();
        assert_eq!((out.width, out.height), (20, 30));
        assert_eq!(crate::probe(&bytes).unwrap(), (40, 60));
    }

    #[test]
    fn thumbnails_fit_320_by_320() {
        let src = png(&DynamicImage::ImageRgb8(quarters(1000, 500)));
        let out = thumbnail(&src).unwrap();
        assert_eq!((out.width, out.height), (320, 160));
        let tall = png(&DynamicImage::ImageRgb8(quarters(90, 900)));
        let out = thumbnail(&tall).unwrap();
        assert_eq!((out.width, out.height), (32, 320));
        let small = png(&DynamicImage::ImageRgb8(quarters(20, 10)));
        assert_eq!(thumbnail(&small).unwrap().width, 20);
    }

    #[test]
    fn undecodable_input_is_an_error_not_an_empty_picture() {
        assert!(matches!(
            render(b"not a picture", 10, 10),
            Err(DecodeError::UnknownFormat)
        ));
        let src = png(&DynamicImage::ImageRgb8(quarters(100, 100)));
        assert!(matches!(
            thumbnail(&src[..src.len() / 2]),
            Err(DecodeError::Broken(_))
        ));
    }

    /// A little-endian TIFF/EXIF block holding only an orientation tag.
    pub(crate) fn exif_orientation(n: u16) -> Vec<u8> {
        let mut e = b"II*\0\x08\0\0\0".to_vec();
        e.extend_from_slice(&1u16.to_le_bytes()); // one entry
        e.extend_from_slice(&0x0112u16.to_le_bytes()); // Orientation
        e.extend_from_slice(&3u16.to_le_bytes()); // SHORT
        e.extend_from_slice(&1u32.to_le_bytes()); // one value
        e.extend_from_slice(&n.to_le_bytes());
        e.extend_from_slice(&[0, 0]); // padding of the value field
        e.extend_from_slice(&0u32.to_le_bytes()); // no next directory
        e
    }
}
