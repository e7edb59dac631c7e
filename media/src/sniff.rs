//! What a file is, from its first bytes only: the still images the decoder reads, and the
//! formats people upload by mistake (videos, PDFs, phone photos, drawings), each with a message
//! that says what to do instead.
//!
//! Names and extensions are never trusted: a `.jpg` that is really an MP4 is a video.

/// The kind of a file, from its magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A still image the decoder reads: JPEG, PNG, WebP or GIF.
    Image {
        /// `image/jpeg`, `image/png`, `image/webp` or `image/gif`.
        mime: &'static str,
    },
    /// A video container: MP4, MOV, M4V, 3GP, WebM, Matroska, AVI, MPEG (TS or PS), FLV, WMV.
    Video {
        /// `video/mp4`, `video/quicktime`, `video/webm`...
        mime: &'static str,
    },
    /// A PDF document.
    Pdf,
    /// A HEIF photo (HEIC, as iPhones take them) or an AVIF image.
    Heic,
    /// An SVG drawing.
    Svg,
    /// A Windows icon.
    Ico,
    /// A Windows bitmap.
    Bmp,
    /// A TIFF image (also the container of many cameras' raw files).
    Tiff,
    /// Nothing recognised.
    Unknown,
}

impl Kind {
    /// The MIME type of an image or a video.
    pub fn mime(&self) -> Option<&'static str> {
        match self {
            Kind::Image { mime } | Kind::Video { mime } => Some(mime),
            _ => None,
        }
    }

    /// Why a file of this kind is not taken as a picture, in words for the person who uploaded
    /// it; `None` for the still images the decoder reads.
    pub fn refusal(&self) -> Option<String> {
        let why = match self {
            Kind::Image { .. } => return None,
            Kind::Video { mime } => format!(
                "video is not supported yet ({}); upload a still image (JPEG, PNG, WebP or GIF)",
                video_name(mime)
            ),
            Kind::Pdf => "PDF is not supported yet; export the page as PNG or JPEG".into(),
            Kind::Heic => "HEIC/AVIF photos are not supported yet; export as JPEG".into(),
            Kind::Svg => "SVG drawings are not supported yet; export the drawing as PNG".into(),
            Kind::Ico => "ICO icons are not supported; export the icon as PNG".into(),
            Kind::Bmp => "BMP images are not supported; convert the image to PNG".into(),
            Kind::Tiff => "TIFF images are not supported; export the image as JPEG or PNG".into(),
            Kind::Unknown => "the file is not a picture in a format we read; upload a JPEG, \
                              PNG, WebP or GIF image"
                .into(),
        };
        Some(why)
    }
}

/// The name people know a video container by, for messages.
fn video_name(mime: &str) -> &'static str {
    match mime {
        "video/mp4" => "MP4",
        "video/quicktime" => "MOV",
        "video/x-m4v" => "M4V",
        "video/3gpp" => "3GP",
        "video/webm" => "WebM",
        "video/x-matroska" => "MKV",
        "video/x-msvideo" => "AVI",
        "video/mp2t" => "MPEG-TS",
        "video/mpeg" => "MPEG",
        "video/x-flv" => "FLV",
        "video/x-ms-asf" => "WMV",
        _ => "video",
    }
}

/// The kind of the file whose first bytes are `bytes` (the first few KiB are enough).
pub fn sniff(bytes: &[u8]) -> Kind {
    let b = bytes;
    if b.starts_with(&[0xff, 0xd8, 0xff]) {
        Kind::Image { mime: "image/jpeg" }
    } else if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        Kind::Image { mime: "image/png" }
    } else if b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a") {
        Kind::Image { mime: "image/gif" }
    } else if b.starts_with(b"RIFF") && b.get(8..12) == Some(b"WEBP") {
        Kind::Image { mime: "image/webp" }
    } else if b.starts_with(b"RIFF") && b.get(8..12) == Some(b"AVI ") {
        Kind::Video {
            mime: "video/x-msvideo",
        }
    } else if b.get(4..8) == Some(b"ftyp") {
        iso_media(b)
    } else if let Some(mime) = other_video(b) {
        Kind::Video { mime }
    } else if b.starts_with(b"%PDF-") {
        Kind::Pdf
    } else if b.starts_with(b"II*\0") || b.starts_with(b"MM\0*") || b.starts_with(b"II+\0") {
        Kind::Tiff
    } else if is_ico(b) {
        Kind::Ico
    } else if is_bmp(b) {
        Kind::Bmp
    } else if is_svg(b) {
        Kind::Svg
    } else {
        Kind::Unknown
    }
}

/// An ISO base media file (`ftyp` box first): HEIF/AVIF pictures or MP4/MOV/3GP videos, told
/// apart by the major brand, then by the compatible brands.
fn iso_media(b: &[u8]) -> Kind {
    const PICTURES: &[&[u8; 4]] = &[
        b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis",
        b"avio",
    ];
    let brand_kind = |brand: &[u8]| -> Option<Kind> {
        if PICTURES.iter().any(|p| p.as_slice() == brand) {
            return Some(Kind::Heic);
        }
        let mime = match brand {
            b"qt  " => "video/quicktime",
            b"M4V " | b"M4VH" | b"M4VP" => "video/x-m4v",
            b"3gp4" | b"3gp5" | b"3gp6" | b"3gp7" | b"3g2a" | b"3g2b" | b"3g2c" => "video/3gpp",
            b"isom" | b"iso2" | b"iso3" | b"iso4" | b"iso5" | b"iso6" | b"iso8" | b"mp41"
            | b"mp42" | b"avc1" | b"dash" | b"mmp4" | b"MSNV" | b"XAVC" | b"f4v " | b"NDAS" => {
                "video/mp4"
            }
            _ => return None,
        };
        Some(Kind::Video { mime })
    };
    // The `ftyp` box: size, "ftyp", major brand, minor version, then compatible brands.
    let size = b
        .get(0..4)
        .map_or(0, |s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]) as usize);
    let end = size.clamp(16, 256).min(b.len());
    let major = b.get(8..12).unwrap_or_default();
    let compatible = b.get(16..end).unwrap_or_default().chunks_exact(4);
    std::iter::once(major)
        .chain(compatible)
        .find_map(brand_kind)
        .unwrap_or(Kind::Unknown)
}

/// Video containers other than ISO media and AVI.
fn other_video(b: &[u8]) -> Option<&'static str> {
    if b.starts_with(&[0x1a, 0x45, 0xdf, 0xa3]) {
        // EBML: the document type says WebM or Matroska, in the first few dozen bytes.
        let head = &b[..b.len().min(64)];
        let webm = head.windows(4).any(|w| w == b"webm");
        return Some(if webm {
            "video/webm"
        } else {
            "video/x-matroska"
        });
    }
    // MPEG transport stream: a sync byte every 188 bytes (every 192 in Blu-ray's M2TS). One
    // sync byte alone is a "G" and proves nothing, so two packets are required.
    let sync = |at: usize| b.get(at) == Some(&0x47);
    if (sync(0) && sync(188)) || (sync(4) && sync(196)) {
        return Some("video/mp2t");
    }
    // MPEG program stream (pack header) or an MPEG-1/2 video sequence header.
    if b.starts_with(&[0, 0, 1, 0xba]) || b.starts_with(&[0, 0, 1, 0xb3]) {
        return Some("video/mpeg");
    }
    if b.starts_with(b"FLV\x01") {
        return Some("video/x-flv");
    }
    if b.starts_with(&[
        0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11, 0xa6, 0xd9, 0x00, 0xaa, 0x00, 0x62, 0xce,
        0x6c,
    ]) {
        return Some("video/x-ms-asf");
    }
    // Old QuickTime files start with a movie or data atom instead of `ftyp`.
    if matches!(b.get(4..8), Some(b"moov" | b"mdat" | b"wide" | b"pnot")) {
        return Some("video/quicktime");
    }
    None
}

/// An ICO directory: reserved zero, type 1, at least one image.
fn is_ico(b: &[u8]) -> bool {
    b.starts_with(&[0, 0, 1, 0]) && matches!(b.get(4..6), Some(n) if n != [0, 0])
}

/// A BMP: "BM", then a DIB header of one of the sizes Windows and OS/2 write. "BM" alone would
/// match any text starting with those letters.
fn is_bmp(b: &[u8]) -> bool {
    b.starts_with(b"BM")
        && matches!(
            b.get(14..18)
                .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]])),
            Some(12 | 16 | 40 | 52 | 56 | 64 | 108 | 124)
        )
}

/// An SVG: text that opens with `<svg`, or with an XML declaration, comment or doctype
/// followed by an `<svg` element in the first 8 KiB.
fn is_svg(b: &[u8]) -> bool {
    let b = b.strip_prefix(b"\xef\xbb\xbf").unwrap_or(b);
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let text = &b[start..b.len().min(start + 8192)];
    let opens = |prefix: &[u8]| {
        text.get(..prefix.len())
            .is_some_and(|t| t.eq_ignore_ascii_case(prefix))
    };
    if opens(b"<svg") {
        return true;
    }
    (opens(b"<?xml") || opens(b"<!--") || opens(b"<!doctype svg"))
        && text.windows(4).any(|w| w == b"<svg")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn video(mime: &'static str) -> Kind {
        Kind::Video { mime }
    }

    fn image(mime: &'static str) -> Kind {
        Kind::Image { mime }
    }

    /// An ISO media header: `ftyp` box with a major brand and compatible brands.
    fn ftyp(major: &[u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
        let size = u32::try_from(16 + 4 * compatible.len()).unwrap();
        let mut b = size.to_be_bytes().to_vec();
        b.extend_from_slice(b"ftyp");
        b.extend_from_slice(major);
        b.extend_from_slice(&[0, 0, 2, 0]);
        for c in compatible {
            b.extend_from_slice(*c);
        }
        b.extend_from_slice(b"\0\0\0\x08free");
        b
    }

    #[test]
    fn still_images_by_their_signatures() {
        assert_eq!(sniff(b"\xff\xd8\xff\xe0\0\x10JFIF"), image("image/jpeg"));
        assert_eq!(
            sniff(b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR"),
            image("image/png")
        );
        assert_eq!(sniff(b"GIF89a\x01\0\x01\0"), image("image/gif"));
        assert_eq!(sniff(b"GIF87a"), image("image/gif"));
        assert_eq!(sniff(b"RIFF\x24\0\0\0WEBPVP8 "), image("image/webp"));
        // Almost: a PNG signature damaged by a CR/LF conversion, a JPEG start without a marker.
        assert_eq!(sniff(b"\x89PNG\n\x1a\n\0\0\0\x0dIHDR"), Kind::Unknown);
        assert_eq!(sniff(b"\xff\xd8"), Kind::Unknown);
    }

    #[test]
    fn videos_by_container() {
        assert_eq!(
            sniff(&ftyp(b"isom", &[b"isom", b"avc1"])),
            video("video/mp4")
        );
        assert_eq!(sniff(&ftyp(b"mp42", &[])), video("video/mp4"));
        assert_eq!(sniff(&ftyp(b"qt  ", &[b"qt  "])), video("video/quicktime"));
        assert_eq!(
            sniff(&ftyp(b"M4V ", &[b"M4V ", b"mp42"])),
            video("video/x-m4v")
        );
        assert_eq!(sniff(&ftyp(b"3gp5", &[])), video("video/3gpp"));
        // An unknown major brand with a known compatible one.
        assert_eq!(sniff(&ftyp(b"xyz1", &[b"mp41"])), video("video/mp4"));
        assert_eq!(
            sniff(b"\0\0\0\x14moov\0\0\0\x6cmvhd"),
            video("video/quicktime")
        );
        let mut webm = vec![
            0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82,
        ];
        webm.extend_from_slice(b"\x84webm");
        assert_eq!(sniff(&webm), video("video/webm"));
        let mkv = [
            0x1a, 0x45, 0xdf, 0xa3, 0x42, 0x82, 0x88, b'm', b'a', b't', b'r', b'o',
        ];
        assert_eq!(sniff(&mkv), video("video/x-matroska"));
        assert_eq!(sniff(b"RIFF\0\0\0\0AVI LIST"), video("video/x-msvideo"));
        let mut ts = vec![0u8; 400];
        ts[0] = 0x47;
        ts[188] = 0x47;
        assert_eq!(sniff(&ts), video("video/mp2t"));
        assert_eq!(sniff(&[0, 0, 1, 0xba, 0x44]), video("video/mpeg"));
        assert_eq!(sniff(b"FLV\x01\x05"), video("video/x-flv"));
        // One packet's sync byte is only a "G".
        assert_eq!(sniff(b"Good morning"), Kind::Unknown);
    }

    #[test]
    fn pictures_in_iso_media_are_heif_not_video() {
        assert_eq!(sniff(&ftyp(b"heic", &[b"mif1", b"heic"])), Kind::Heic);
        assert_eq!(sniff(&ftyp(b"mif1", &[b"mif1", b"heic"])), Kind::Heic);
        assert_eq!(
            sniff(&ftyp(b"avif", &[b"avif", b"mif1", b"miaf"])),
            Kind::Heic
        );
        assert_eq!(sniff(&ftyp(b"miaf", &[b"avif"])), Kind::Heic);
        assert_eq!(sniff(&ftyp(b"what", &[b"ever"])), Kind::Unknown);
    }

    #[test]
    fn documents_drawings_and_other_pictures() {
        assert_eq!(sniff(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3"), Kind::Pdf);
        assert_eq!(
            sniff(b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"),
            Kind::Svg
        );
        let declared =
            b"\xef\xbb\xbf<?xml version=\"1.0\"?>\n<!-- Inkscape -->\n<svg width=\"10\">";
        assert_eq!(sniff(declared), Kind::Svg);
        assert_eq!(sniff(b"  \n<!DOCTYPE svg PUBLIC>\n<svg>"), Kind::Svg);
        // XML that is not a drawing.
        assert_eq!(sniff(b"<?xml version=\"1.0\"?><rss></rss>"), Kind::Unknown);
        assert_eq!(sniff(b"II*\0\x08\0\0\0"), Kind::Tiff);
        assert_eq!(sniff(b"MM\0*\0\0\0\x08"), Kind::Tiff);
        assert_eq!(sniff(&[0, 0, 1, 0, 1, 0, 16, 16]), Kind::Ico);
        let mut bmp = b"BM\x46\0\0\0\0\0\0\0\x36\0\0\0".to_vec();
        bmp.extend_from_slice(&40u32.to_le_bytes());
        assert_eq!(sniff(&bmp), Kind::Bmp);
        assert_eq!(
            sniff(b"BMW owners' club, minutes of the meeting"),
            Kind::Unknown
        );
        assert_eq!(sniff(b""), Kind::Unknown);
        assert_eq!(sniff(b"hello"), Kind::Unknown);
    }

    #[test]
    fn every_refused_kind_says_why_and_what_to_do() {
        assert_eq!(image("image/png").refusal(), None);
        assert_eq!(
            video("video/mp4").refusal().unwrap(),
            "video is not supported yet (MP4); upload a still image (JPEG, PNG, WebP or GIF)"
        );
        assert!(
            video("video/quicktime")
                .refusal()
                .unwrap()
                .contains("(MOV)")
        );
        assert_eq!(
            Kind::Pdf.refusal().unwrap(),
            "PDF is not supported yet; export the page as PNG or JPEG"
        );
        assert_eq!(
            Kind::Heic.refusal().unwrap(),
            "HEIC/AVIF photos are not supported yet; export as JPEG"
        );
        for (kind, names) in [
            (Kind::Svg, "SVG"),
            (Kind::Ico, "ICO"),
            (Kind::Bmp, "BMP"),
            (Kind::Tiff, "TIFF"),
            (Kind::Unknown, "JPEG, PNG, WebP or GIF"),
        ] {
            let why = kind.refusal().unwrap();
            assert!(why.contains(names), "{kind:?}: {why}");
        }
        assert_eq!(video("video/webm").mime(), Some("video/webm"));
        assert_eq!(Kind::Pdf.mime(), None);
    }
}
