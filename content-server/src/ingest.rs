//! The media ingest pipeline: what the upload handler runs on an uploaded file before storing
//! it, and the renditions made from a stored original. Pure functions: no I/O, no clock.
//!
//! An upload is taken only if the screens will show it: a still image the player decodes, whole
//! (not cut short), within the decoder's limits. Everything else is refused with a message that
//! names the problem and, for formats people upload by mistake, what to do instead.

use beffroi_media::{DecodeError, Encoded, Kind};
use beffroi_protocol::ids::Sha256;

/// An accepted upload: the original's address and facts, and its thumbnail.
#[derive(Debug, Clone)]
pub struct Ingested {
    /// The digest of the original bytes, which are stored unchanged.
    pub sha256: Sha256,
    /// The original's type, from its magic bytes: `image/jpeg`, `image/png`, `image/webp` or
    /// `image/gif`.
    pub mime: &'static str,
    /// The original's size in bytes.
    pub size: u64,
    /// Width in pixels, upright (after the EXIF orientation).
    pub width: u32,
    /// Height in pixels, upright.
    pub height: u32,
    /// The picture fitted to 320×320: JPEG, or PNG when it has transparency.
    pub thumbnail: Encoded,
}

/// Why an upload is refused. The message is for the person who uploaded the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IngestError {
    /// Zero bytes.
    #[error("the file is empty")]
    Empty,
    /// Larger than the upload limit.
    #[error("the file is {}, more than the {} allowed", sizes(*size, *limit).0, sizes(*size, *limit).1)]
    TooLarge {
        /// The file's size in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// A format recognised but not taken (yet): video, PDF, HEIC, SVG...; says what to do.
    #[error("{0}")]
    Unsupported(String),
    /// Nothing recognised.
    #[error("the file is not a picture in a format we read; upload a JPEG, PNG, WebP or GIF image")]
    NotAnImage,
    /// Beyond the decoder's limits (a decompression bomb, or simply too large); names the size.
    #[error("{0}")]
    Limits(String),
    /// Damaged or cut short.
    #[error("damaged image: {0}")]
    Broken(String),
}

impl IngestError {
    /// The HTTP status that answers the upload: 413 when too large, 415 for a type that is not
    /// taken, 422 for a picture that cannot be used.
    pub fn status(&self) -> u16 {
        match self {
            IngestError::TooLarge { .. } => 413,
            IngestError::Unsupported(_) | IngestError::NotAnImage => 415,
            IngestError::Empty | IngestError::Limits(_) | IngestError::Broken(_) => 422,
        }
    }
}

impl From<DecodeError> for IngestError {
    fn from(e: DecodeError) -> Self {
        match e {
            DecodeError::UnknownFormat => IngestError::NotAnImage,
            DecodeError::Limits(why) => IngestError::Limits(why),
            DecodeError::Broken(why) => IngestError::Broken(why),
        }
    }
}

/// Checks an uploaded file of `bytes` against the upload `limit` (in bytes) and the decoder,
/// and makes its thumbnail.
///
/// In order: size, type from the magic bytes (never the name), the upright size from the
/// headers (a bomb is refused here, before any pixel is decoded), whether a JPEG holds all of
/// its data, then a decode of every pixel under the limits, which the thumbnail is made from.
pub fn ingest(bytes: &[u8], limit: u64) -> Result<Ingested, IngestError> {
    let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if size == 0 {
        return Err(IngestError::Empty);
    }
    if size > limit {
        return Err(IngestError::TooLarge { size, limit });
    }
    let mime = match beffroi_media::sniff(bytes) {
        Kind::Image { mime } => mime,
        Kind::Unknown => return Err(IngestError::NotAnImage),
        other => {
            return Err(IngestError::Unsupported(
                other.refusal().unwrap_or_default(),
            ));
        }
    };
    let (width, height) = beffroi_media::probe(bytes)?;
    // The JPEG decoder fills a cut file's missing part with grey and succeeds; the other
    // decoders fail on their own during the full decode below.
    beffroi_media::check_complete(bytes)?;
    // Decodes every pixel (then scales down): a file damaged anywhere fails here.
    let thumbnail = beffroi_media::thumbnail(bytes)?;
    Ok(Ingested {
        sha256: Sha256::of(bytes),
        mime,
        size,
        width,
        height,
        thumbnail,
    })
}

/// A rendition of a stored original, upright and scaled down (never up) to fit
/// `max_w`×`max_h`: JPEG, or PNG when the picture has transparency. The same original gives
/// the same bytes.
pub fn rendition(original: &[u8], max_w: u32, max_h: u32) -> Result<Encoded, IngestError> {
    Ok(beffroi_media::render(original, max_w, max_h)?)
}

/// `size` and `limit` in words ("30 MiB", "1.5 MiB", "900 KiB"), in bytes when the rounded
/// words would read the same.
fn sizes(size: u64, limit: u64) -> (String, String) {
    let (s, l) = (in_words(size), in_words(limit));
    if s == l {
        (format!("{size} bytes"), format!("{limit} bytes"))
    } else {
        (s, l)
    }
}

/// "3 MiB", "512 bytes": a size as people read it.
pub(crate) fn in_words(bytes: u64) -> String {
    const KIB: u64 = 1 << 10;
    const MIB: u64 = 1 << 20;
    const GIB: u64 = 1 << 30;
    let (unit, name) = match bytes {
        b if b >= GIB => (GIB, "GiB"),
        b if b >= MIB => (MIB, "MiB"),
        b if b >= KIB => (KIB, "KiB"),
        b => return format!("{b} bytes"),
    };
    // Display only: the precision of an f64 is far more than one decimal needs.
    let amount = format!("{:.1}", bytes as f64 / unit as f64);
    format!("{} {name}", amount.strip_suffix(".0").unwrap_or(&amount))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(in_words(512), "512 bytes");
        assert_eq!(in_words(900 << 10), "900 KiB");
        assert_eq!(in_words(30 << 20), "30 MiB");
        assert_eq!(in_words(3 << 19), "1.5 MiB");
        let e = IngestError::TooLarge {
            size: 31 << 20,
            limit: 25 << 20,
        };
        assert_eq!(
            e.to_string(),
            "the file is 31 MiB, more than the 25 MiB allowed"
        );
        // One byte too many: the rounded sizes would say "25.0 MiB, more than 25.0 MiB".
        let e = IngestError::TooLarge {
            size: (25 << 20) + 1,
            limit: 25 << 20,
        };
        assert_eq!(
            e.to_string(),
            "the file is 26214401 bytes, more than the 26214400 bytes allowed"
        );
    }

    #[test]
    fn statuses() {
        assert_eq!(IngestError::TooLarge { size: 2, limit: 1 }.status(), 413);
        assert_eq!(IngestError::Unsupported("x".into()).status(), 415);
        assert_eq!(IngestError::NotAnImage.status(), 415);
        assert_eq!(IngestError::Empty.status(), 422);
        assert_eq!(IngestError::Limits("x".into()).status(), 422);
        assert_eq!(IngestError::Broken("x".into()).status(), 422);
    }
}
