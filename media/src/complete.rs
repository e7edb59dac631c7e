//! Whether a file holds all of its image data, for checks stricter than what a screen needs.
//!
//! The PNG, GIF and WebP decoders fail when the data ends early. `image`'s JPEG decoder
//! (zune-jpeg, non-strict) does not: it fills whatever is missing with grey and succeeds, which
//! suits a screen showing what it has but not a server accepting an upload. For JPEG this walks
//! the marker segments and the entropy-coded scans to the end-of-image marker.

use crate::decode::DecodeError;

/// Refuses a JPEG whose data stops before its end-of-image marker; other formats pass (their
/// decoders refuse truncation themselves). Reads the bytes only, never decodes pixels.
pub fn check_complete(bytes: &[u8]) -> Result<(), DecodeError> {
    if bytes.starts_with(&[0xff, 0xd8]) {
        jpeg(bytes).map_err(DecodeError::Broken)
    } else {
        Ok(())
    }
}

const CUT_SHORT: &str = "the JPEG data stops before its end marker: the file was cut short \
                         (an interrupted copy or download?)";

fn jpeg(b: &[u8]) -> Result<(), String> {
    // After the start-of-image marker: segments `FF xx` with a 16-bit length, standalone
    // markers without one, and after each start-of-scan the entropy-coded data, where a data
    // byte FF is followed by 00 and restart markers FF D0 to FF D7 may appear. Anything after
    // the end-of-image marker (cameras and phones append data there) is not image data.
    let mut i = 2;
    loop {
        // Skip to the next marker; the bytes before it should not be there, but decoders
        // (libjpeg included) skip them with a warning, and so does this check.
        while b.get(i).is_some_and(|&x| x != 0xff) {
            i += 1;
        }
        while b.get(i) == Some(&0xff) {
            i += 1;
        }
        let Some(&marker) = b.get(i) else {
            return Err(CUT_SHORT.into());
        };
        i += 1;
        match marker {
            0xd9 => return Ok(()),
            // Standalone markers: restart intervals, TEM, a stray stuffed zero.
            0xd0..=0xd7 | 0x01 | 0x00 => continue,
            _ => {}
        }
        let len = match b.get(i..i + 2) {
            Some(&[hi, lo]) => usize::from(u16::from_be_bytes([hi, lo])),
            _ => return Err(CUT_SHORT.into()),
        };
        if len < 2 {
            return Err(format!(
                "a JPEG segment (marker FF {marker:02X}) has an impossible length {len}"
            ));
        }
        i += len;
        if i > b.len() {
            return Err(CUT_SHORT.into());
        }
        if marker == 0xda {
            i = scan_end(b, i).ok_or_else(|| String::from(CUT_SHORT))?;
        }
    }
}

/// Where the entropy-coded data starting at `i` ends: the offset of the next marker other
/// than a stuffed byte or a restart marker, or `None` if the data runs to the end of the file.
fn scan_end(b: &[u8], mut i: usize) -> Option<usize> {
    loop {
        i += b.get(i..)?.iter().position(|&x| x == 0xff)?;
        match *b.get(i + 1)? {
            0x00 | 0xd0..=0xd7 => i += 2,
            // Fill bytes before a marker.
            0xff => i += 1,
            _ => return Some(i),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use image::{DynamicImage, ImageFormat, Rgb, RgbImage};

    use super::*;

    fn jpeg_file() -> Vec<u8> {
        let img = RgbImage::from_fn(64, 48, |x, y| Rgb([(x * 4) as u8, (y * 5) as u8, 90]));
        let mut out = Vec::new();
        DynamicImage::ImageRgb8(img)
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Jpeg)
            .unwrap();
        out
    }

    #[test]
    fn a_whole_jpeg_passes_even_with_trailing_data() {
        let whole = jpeg_file();
        check_complete(&whole).unwrap();
        let mut trailing = whole.clone();
        trailing.extend_from_slice(b"\0\0Samsung trailer");
        check_complete(&trailing).unwrap();
    }

    #[test]
    fn a_jpeg_cut_anywhere_is_refused_although_the_decoder_accepts_it() {
        let whole = jpeg_file();
        // What this check is for: the decoder alone takes the cut file.
        let cut = &whole[..whole.len() * 3 / 5];
        assert!(crate::decode(cut, 100, 100).is_ok());
        for n in [3, 10, whole.len() / 4, whole.len() * 3 / 5, whole.len() - 1] {
            let e = check_complete(&whole[..n]).unwrap_err();
            assert!(e.to_string().contains("cut short"), "{n}: {e}");
        }
    }

    #[test]
    fn a_segment_with_an_impossible_length_is_refused() {
        let mut bad = vec![0xff, 0xd8, 0xff, 0xe0, 0x00, 0x01];
        bad.extend_from_slice(&[0; 20]);
        let e = check_complete(&bad).unwrap_err().to_string();
        assert!(e.contains("FF E0") && e.contains("length 1"), "{e}");
    }

    #[test]
    fn other_formats_are_left_to_their_decoders() {
        check_complete(b"\x89PNG\r\n\x1a\n").unwrap();
        check_complete(b"").unwrap();
    }
}
