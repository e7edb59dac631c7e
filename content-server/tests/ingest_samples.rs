//! The upload pipeline (`beffroi_server::ingest`) on every file of the shared media samples
//! (real files from other projects: EXIF orientations, PngSuite, fuzzer finds, decompression
//! bombs; `../shared/samples/SOURCES.md` says where each comes from), and on files made here:
//! videos, documents and drawings uploaded by mistake, cut files, bombs, transparency.
//!
//! Every file under the samples' `media/` folder must be in [`SAMPLES`], so a sample added there
//! fails this test until someone says whether the server takes it.

use std::collections::BTreeSet;
use std::fs;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use beffroi_protocol::ids::Sha256;
use beffroi_server::ingest::{IngestError, Ingested, ingest, rendition};
use image::codecs::jpeg::JpegEncoder;
use image::{
    DynamicImage, ExtendedColorType, ImageEncoder, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage,
};

/// An upload limit well above every sample.
const LIMIT: u64 = 32 << 20;

/// What `ingest` must give.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// Taken, with this upright width and height.
    Accepted(u32, u32),
    /// Refused with this HTTP status and a message containing this text.
    Refused(u16, &'static str),
}

use Expect::{Accepted, Refused};

/// Said of damaged files; the decoder's own words follow it.
const DAMAGED: &str = "damaged image: ";
/// Said of files that are no picture at all.
const NOT_A_PICTURE: &str = "not a picture in a format we read";

/// Every file under `media/`, relative to it, with what ingesting it gives and why.
#[rustfmt::skip] // one line per file
const SAMPLES: &[(&str, Expect, &str)] = &[
    // Pillow's bombs.
    ("bombs/broken.png", Refused(422, DAMAGED), "garbage right after the PNG signature"),
    ("bombs/decompression_bomb.gif", Refused(422, DAMAGED), "32×32 screen, 65535-wide frame in 44 bytes: the data ends first"),
    ("bombs/decompression_bomb.ico", Refused(415, "ICO"), "ICO: recognised, not taken"),
    // Only the first frame is decoded (by the server and by the player): the bomb in frame 2
    // is never read, so the file is a harmless 100×100 picture for Beffroi.
    ("bombs/decompression_bomb_extents.gif", Accepted(100, 100), "frame 1 fine; bomb in frame 2"),
    // The decoder never inflates text chunks; the 2 MiB zTXt texts cost nothing.
    ("bombs/png_decompression_dos.png", Accepted(1, 1), "1×1; its zTXt texts never inflated"),
    // EXIF orientations: stored pixels rotated or mirrored, upright sizes. Hopper is square,
    // so the swap of 5 to 8 shows in the pixels (checked below), and in Landscape_6's size.
    ("exif/Landscape_6.jpg", Accepted(1800, 1200), "stored 1200×1800, orientation 6"),
    ("exif/hopper_orientation_2.jpg", Accepted(128, 128), "mirrored"),
    ("exif/hopper_orientation_3.jpg", Accepted(128, 128), "rotated 180°"),
    ("exif/hopper_orientation_4.jpg", Accepted(128, 128), "flipped"),
    ("exif/hopper_orientation_5.jpg", Accepted(128, 128), "transposed"),
    ("exif/hopper_orientation_6.jpg", Accepted(128, 128), "rotated 90°"),
    ("exif/hopper_orientation_7.jpg", Accepted(128, 128), "transversed"),
    ("exif/hopper_orientation_8.jpg", Accepted(128, 128), "rotated 270°"),
    // JPEG: colour spaces and jpeg-decoder's fuzzer finds. Each accepted one runs whole to its
    // end-of-image marker; the JPEG decoder alone would also take cut files (see below).
    ("jpeg/dc-predictor-overflow.jpg", Accepted(144, 144), "fuzzer find, complete: decodes, no overflow"),
    ("jpeg/derive-huffman-codes-overflow.jpg", Refused(422, DAMAGED), "fuzzer find: bad Huffman table"),
    ("jpeg/empty.jpg", Refused(422, "empty"), "0 bytes"),
    ("jpeg/jpg-cmyk-1.jpg", Accepted(32, 32), "Adobe CMYK, converted to RGB"),
    ("jpeg/jpg-progressive.jpg", Accepted(32, 32), "progressive"),
    // Complete and well formed (it ends with its end marker), but its only scan carries no DC
    // coefficients: decoders, libjpeg included, give a flat grey square. Nothing is missing
    // from the file, so nothing proves it damaged; the thumbnail shows what it is.
    ("jpeg/progressive-missing-dc.jpg", Accepted(8, 8), "progressive scan without DC: grey"),
    // PngSuite: valid files of every kind, then the deliberately corrupt x* files.
    ("png/PngSuite.LICENSE", Refused(415, NOT_A_PICTURE), "a text file"),
    ("png/basi0g01.png", Accepted(32, 32), "interlaced, 1-bit grey"),
    ("png/basn0g16.png", Accepted(32, 32), "16-bit grey"),
    ("png/basn3p08.png", Accepted(32, 32), "8-bit palette"),
    ("png/basn6a08.png", Accepted(32, 32), "RGBA: thumbnail in PNG"),
    ("png/g03n0g16.png", Accepted(32, 32), "gamma 0.35, 16-bit grey"),
    ("png/s01i3p01.png", Accepted(1, 1), "1×1 interlaced palette"),
    ("png/tbrn2c08.png", Accepted(32, 32), "tRNS transparency, RGB: thumbnail in PNG"),
    ("png/x_ihdr_missing.png", Refused(422, DAMAGED), "IDAT before any IHDR"),
    // Named after the end of file the png crate once hit on it; what is wrong is the IHDR
    // chunk's header, mangled so that a chunk "R\0y\0" comes first. Refused by the decoder
    // before any data is read, whatever its length.
    ("png/x_unexpected_eof.png", Refused(422, "before IHDR"), "mangled IHDR chunk header"),
    ("png/xc9n2c08.png", Refused(422, DAMAGED), "colour type 9"),
    ("png/xcrn0g04.png", Refused(415, NOT_A_PICTURE), "signature damaged by CR/LF conversion"),
    ("png/xd0n2c08.png", Refused(422, DAMAGED), "bit depth 0"),
    ("png/xdtn0g01.png", Refused(422, DAMAGED), "no IDAT: headers fine, no pixels"),
    ("png/xhdn0g08.png", Refused(422, DAMAGED), "IHDR CRC wrong"),
    ("png/xlfn0g04.png", Refused(415, NOT_A_PICTURE), "signature damaged by LF conversion"),
    ("png/xs1n0g01.png", Refused(415, NOT_A_PICTURE), "signature byte 1 wrong"),
    ("png/z09n2c08.png", Accepted(32, 32), "zlib level 9"),
];

/// The shared samples sit beside the repository checkout, here and in CI.
fn media() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/samples/media")
}

fn read_sample(name: &str) -> Vec<u8> {
    let path = media().join(name);
    fs::read(&path).unwrap_or_else(|e| panic!("cannot read sample {}: {e}", path.display()))
}

/// Every file under `dir`, as paths relative to `root` with `/` separators.
fn files_under(root: &Path, dir: &Path, out: &mut BTreeSet<String>) {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| {
        panic!(
            "cannot list {} ({e}); the shared samples must sit beside the repository",
            dir.display()
        )
    });
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(root, &path, out);
        } else {
            let rel = path.strip_prefix(root).unwrap();
            let parts: Vec<_> = rel.iter().map(|p| p.to_string_lossy()).collect();
            out.insert(parts.join("/"));
        }
    }
}

fn outcome(result: &Result<Ingested, IngestError>) -> String {
    match result {
        Ok(i) => format!("accepted {}×{} {}", i.width, i.height, i.mime),
        Err(e) => format!("refused {} \"{e}\"", e.status()),
    }
}

/// Whether any pixel of `img` is not fully opaque.
fn translucent(img: &DynamicImage) -> bool {
    img.to_rgba8().pixels().any(|p| p.0[3] < 255)
}

/// The checks every accepted file must pass; `None` when all hold.
fn accepted_problem(bytes: &[u8], ingested: &Ingested, (w, h): (u32, u32)) -> Option<String> {
    let thumb = &ingested.thumbnail;
    let original = image::load_from_memory(bytes);
    let decoded = image::load_from_memory(&thumb.bytes);
    let expected_thumb_mime = match &original {
        Ok(img) if translucent(img) => "image/png",
        _ => "image/jpeg",
    };
    let problems = [
        ((ingested.width, ingested.height) != (w, h)).then(|| {
            format!(
                "upright size {}×{}, expected {w}×{h}",
                ingested.width, ingested.height
            )
        }),
        (ingested.width == 0 || ingested.height == 0).then(|| "no pixels".to_owned()),
        (ingested.sha256 != Sha256::of(bytes)).then(|| "digest not of the original".to_owned()),
        (ingested.size != bytes.len() as u64).then(|| format!("size {}", ingested.size)),
        (thumb.width > 320 || thumb.height > 320 || thumb.width == 0 || thumb.height == 0).then(
            || {
                format!(
                    "thumbnail {}×{} does not fit 320×320",
                    thumb.width, thumb.height
                )
            },
        ),
        // Scaled down to fit, never up, keeping the aspect ratio (within rounding).
        (thumb.width.max(thumb.height) != w.max(h).min(320))
            .then(|| format!("thumbnail {}×{} not fitted", thumb.width, thumb.height)),
        (thumb.mime != expected_thumb_mime)
            .then(|| format!("thumbnail {}, expected {expected_thumb_mime}", thumb.mime)),
        match &decoded {
            Ok(img) => ((img.width(), img.height()) != (thumb.width, thumb.height))
                .then(|| "thumbnail's file disagrees with its size".to_owned()),
            Err(e) => Some(format!("thumbnail does not decode: {e}")),
        },
    ];
    let found: Vec<String> = problems.into_iter().flatten().collect();
    (!found.is_empty()).then(|| found.join("; "))
}

fn refused_problem(error: &IngestError, status: u16, needle: &str) -> Option<String> {
    let message = error.to_string();
    if error.status() != status {
        return Some(format!("status {}, expected {status}", error.status()));
    }
    if !message.contains(needle) {
        return Some(format!("message \"{message}\" does not say \"{needle}\""));
    }
    // Specific: more than a bare label (the decoder's words follow "damaged image: ").
    if message.trim_end().len() < needle.len() + 10 {
        return Some(format!("message \"{message}\" says too little"));
    }
    None
}

#[test]
fn every_sample_is_classified_and_ingests_as_classified() {
    let root = media();
    let mut on_disk = BTreeSet::new();
    files_under(&root, &root, &mut on_disk);
    let listed: BTreeSet<String> = SAMPLES.iter().map(|(n, ..)| (*n).to_owned()).collect();
    assert_eq!(listed.len(), SAMPLES.len(), "a sample is listed twice");

    let mut failures = Vec::new();
    for name in on_disk.difference(&listed) {
        failures.push(format!(
            "{name}: not in SAMPLES; say whether the server takes it"
        ));
    }
    for name in listed.difference(&on_disk) {
        failures.push(format!(
            "{name}: listed in SAMPLES but not in {}",
            root.display()
        ));
    }
    for &(name, expect, why) in SAMPLES.iter().filter(|(n, ..)| on_disk.contains(*n)) {
        let bytes = read_sample(name);
        let result = ingest(&bytes, LIMIT);
        let problem = match (expect, &result) {
            (Accepted(w, h), Ok(ingested)) => accepted_problem(&bytes, ingested, (w, h)),
            (Refused(status, needle), Err(e)) => refused_problem(e, status, needle),
            _ => Some("wrong outcome".to_owned()),
        };
        if let Some(problem) = problem {
            failures.push(format!(
                "{name} ({why}): expected {expect:?}, got {}: {problem}",
                outcome(&result)
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// A 16×16 reduction of a thumbnail: enough to tell which way up a picture is while
/// forgiving JPEG's re-encoding noise.
fn small(ingested: &Ingested) -> RgbImage {
    let img = image::load_from_memory(&ingested.thumbnail.bytes).unwrap();
    image::imageops::resize(
        &img.to_rgb8(),
        16,
        16,
        image::imageops::FilterType::Triangle,
    )
}

fn distance(a: &RgbImage, b: &RgbImage) -> u8 {
    a.pixels()
        .zip(b.pixels())
        .flat_map(|(p, q)| p.0.into_iter().zip(q.0).map(|(x, y)| x.abs_diff(y)))
        .max()
        .unwrap()
}

#[test]
fn exif_samples_all_come_out_upright() {
    let upright: Vec<(u8, Ingested)> = (2..=8)
        .map(|n| {
            let bytes = read_sample(&format!("exif/hopper_orientation_{n}.jpg"));
            (n, ingest(&bytes, LIMIT).unwrap())
        })
        .collect();
    let reference = small(&upright[0].1);
    for (n, ingested) in &upright {
        assert_eq!(
            (ingested.width, ingested.height),
            (128, 128),
            "orientation {n}"
        );
        let d = distance(&small(ingested), &reference);
        assert!(
            d <= 10,
            "orientation {n}: thumbnail {d} away from orientation 2's"
        );
    }
    // Not vacuous: the stored pixels of 5 to 8 are turned a quarter (or transposed), far from
    // upright.
    for n in 5..=8 {
        let bytes = read_sample(&format!("exif/hopper_orientation_{n}.jpg"));
        let stored = image::load_from_memory(&bytes).unwrap().to_rgb8();
        let stored =
            image::imageops::resize(&stored, 16, 16, image::imageops::FilterType::Triangle);
        let d = distance(&stored, &reference);
        assert!(
            d > 40,
            "orientation {n}: stored pixels already upright ({d})"
        );
    }
    // A real photo stored portrait, shown landscape: the thumbnail is landscape too.
    let landscape = ingest(&read_sample("exif/Landscape_6.jpg"), LIMIT).unwrap();
    assert_eq!((landscape.width, landscape.height), (1800, 1200));
    let thumb = &landscape.thumbnail;
    assert_eq!(
        (thumb.width, thumb.height, thumb.mime),
        (320, 213, "image/jpeg")
    );
}

// ---------------------------------------------------------------------------------------------
// Files made here.

fn encoded(img: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), format).unwrap();
    out
}

/// A picture with a different colour in each quarter.
fn quarters(w: u32, h: u32) -> DynamicImage {
    DynamicImage::ImageRgb8(RgbImage::from_fn(w, h, |x, y| {
        match (x < w / 2, y < h / 2) {
            (true, true) => Rgb([220, 30, 30]),
            (false, true) => Rgb([30, 220, 30]),
            (true, false) => Rgb([30, 30, 220]),
            (false, false) => Rgb([240, 240, 240]),
        }
    }))
}

/// A little-endian EXIF block holding only an orientation tag.
fn exif_orientation(n: u16) -> Vec<u8> {
    let mut e = b"II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0".to_vec();
    e.extend_from_slice(&n.to_le_bytes());
    e.extend_from_slice(&[0; 6]);
    e
}

fn refused(bytes: &[u8]) -> IngestError {
    match ingest(bytes, LIMIT) {
        Ok(i) => panic!("accepted: {i:?}"),
        Err(e) => e,
    }
}

#[test]
fn files_uploaded_by_mistake_are_refused_with_what_to_do() {
    let mut mp4 = b"\0\0\0\x18ftypisom\0\0\x02\0isomiso2".to_vec();
    mp4.extend_from_slice(b"\0\0\0\x08free\0\0\x10\0mdat");
    mp4.extend_from_slice(&[0x55; 4000]);
    let mut mov = b"\0\0\0\x14ftypqt  \0\0\x02\0qt  ".to_vec();
    mov.extend_from_slice(&[0; 100]);
    let mut heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".to_vec();
    heic.extend_from_slice(&[0; 100]);
    let pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n".to_vec();
    let svg =
        b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" \
                width=\"10\" height=\"10\"><rect width=\"10\" height=\"10\"/></svg>\n"
            .to_vec();
    let cases: [(&str, &[u8], &str); 5] = [
        (
            "MP4",
            &mp4,
            "video is not supported yet (MP4); upload a still image (JPEG, PNG, WebP or GIF)",
        ),
        (
            "MOV",
            &mov,
            "video is not supported yet (MOV); upload a still image (JPEG, PNG, WebP or GIF)",
        ),
        (
            "HEIC",
            &heic,
            "HEIC/AVIF photos are not supported yet; export as JPEG",
        ),
        (
            "PDF",
            &pdf,
            "PDF is not supported yet; export the page as PNG or JPEG",
        ),
        (
            "SVG",
            &svg,
            "SVG drawings are not supported yet; export the drawing as PNG",
        ),
    ];
    for (what, bytes, message) in cases {
        let e = refused(bytes);
        assert_eq!(
            (e.status(), e.to_string().as_str()),
            (415, message),
            "{what}"
        );
    }
    // A video named like a photo is still a video: only the bytes count.
    assert!(matches!(refused(&mp4), IngestError::Unsupported(_)));
}

#[test]
fn empty_too_large_and_random_files_are_refused() {
    let e = refused(b"");
    assert_eq!(
        (e.status(), e.to_string().as_str()),
        (422, "the file is empty")
    );

    let png = encoded(&quarters(64, 64), ImageFormat::Png);
    let limit = png.len() as u64 - 1;
    let e = ingest(&png, limit).unwrap_err();
    assert_eq!(e.status(), 413);
    assert_eq!(
        e,
        IngestError::TooLarge {
            size: png.len() as u64,
            limit
        }
    );
    assert!(e.to_string().starts_with("the file is "), "{e}");
    assert!(e.to_string().ends_with(" allowed"), "{e}");
    // At the limit exactly, taken.
    assert!(ingest(&png, png.len() as u64).is_ok());
    let e = ingest(&vec![0xff; 3 << 20], 2 << 20).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the file is 3 MiB, more than the 2 MiB allowed"
    );

    // Random bytes, deterministic (xorshift).
    let mut x = 0x2545_f491_4f6c_dd1d_u64;
    let random: Vec<u8> = (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let e = refused(&random);
    assert_eq!(e, IngestError::NotAnImage);
    assert_eq!(e.status(), 415);
    assert!(e.to_string().contains("JPEG, PNG, WebP or GIF"), "{e}");
}

#[test]
fn cut_files_are_refused_whatever_the_format() {
    let img = quarters(120, 90);
    for format in [
        ImageFormat::Jpeg,
        ImageFormat::Png,
        ImageFormat::Gif,
        ImageFormat::WebP,
    ] {
        let whole = encoded(&img, format);
        ingest(&whole, LIMIT).unwrap_or_else(|e| panic!("{format:?} whole: {e}"));
        for cut in [whole.len() / 3, whole.len() * 3 / 4, whole.len() - 20] {
            let e = refused(&whole[..cut]);
            assert_eq!(e.status(), 422, "{format:?} cut at {cut}: {e}");
            assert!(
                e.to_string().starts_with(DAMAGED),
                "{format:?} cut at {cut}: {e}"
            );
        }
    }
    // The JPEG one names the problem, since its decoder would have taken the file.
    let jpeg = encoded(&img, ImageFormat::Jpeg);
    let e = refused(&jpeg[..jpeg.len() / 2]);
    assert!(e.to_string().contains("cut short"), "{e}");
}

/// Recomputes the CRC of the IHDR chunk (bytes 12 to 29) after editing it.
fn fix_ihdr_crc(png: &mut [u8]) {
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
}

#[test]
fn bombs_are_refused_before_decoding_and_named() {
    // A real RGBA PNG whose header announces 16000×16000 pixels.
    let mut png = encoded(
        &DynamicImage::ImageRgba8(RgbaImage::new(2, 2)),
        ImageFormat::Png,
    );
    png[16..24].copy_from_slice(&[0, 0, 0x3e, 0x80, 0, 0, 0x3e, 0x80]);
    fix_ihdr_crc(&mut png);
    let e = refused(&png);
    assert_eq!(e.status(), 422);
    assert_eq!(
        e.to_string(),
        "the image is 16000×16000 pixels; it would need 976 MiB to decode, more than the \
         256 MiB allowed"
    );

    // A real JPEG whose frame header announces 8×20000 pixels: over the side limit.
    let mut jpeg = encoded(&quarters(8, 8), ImageFormat::Jpeg);
    let sof = jpeg.windows(2).position(|w| w == [0xff, 0xc0]).unwrap();
    jpeg[sof + 5..sof + 7].copy_from_slice(&20_000u16.to_be_bytes());
    let e = refused(&jpeg);
    assert_eq!(e.status(), 422);
    assert_eq!(
        e.to_string(),
        "the image is 8×20000 pixels, more than the 16384 pixels allowed on a side"
    );
}

#[test]
fn made_up_orientations_give_upright_sizes() {
    let stored = quarters(60, 20).to_rgb8();
    for n in 1..=8 {
        let mut bytes = Vec::new();
        let mut encoder = JpegEncoder::new_with_quality(&mut bytes, 90);
        encoder.set_exif_metadata(exif_orientation(n)).unwrap();
        encoder
            .write_image(stored.as_raw(), 60, 20, ExtendedColorType::Rgb8)
            .unwrap();
        let ingested = ingest(&bytes, LIMIT).unwrap();
        let upright = if n >= 5 { (20, 60) } else { (60, 20) };
        assert_eq!(
            (ingested.width, ingested.height),
            upright,
            "orientation {n}"
        );
        let thumb = &ingested.thumbnail;
        assert_eq!(
            (thumb.width, thumb.height),
            upright,
            "orientation {n} thumbnail"
        );
    }
}

#[test]
fn transparency_gives_png_thumbnails_and_opaque_pictures_jpeg() {
    let mut rgba = quarters(500, 400).to_rgba8();
    rgba.put_pixel(250, 0, Rgba([0, 0, 0, 0]));
    let ingested = ingest(
        &encoded(&DynamicImage::ImageRgba8(rgba), ImageFormat::Png),
        LIMIT,
    )
    .unwrap();
    assert_eq!(ingested.mime, "image/png");
    assert_eq!(ingested.thumbnail.mime, "image/png");
    assert_eq!(
        (ingested.thumbnail.width, ingested.thumbnail.height),
        (320, 256)
    );

    let opaque = ingest(&encoded(&quarters(500, 400), ImageFormat::WebP), LIMIT).unwrap();
    assert_eq!(opaque.mime, "image/webp");
    assert_eq!(opaque.thumbnail.mime, "image/jpeg");
}

#[test]
fn renditions_fit_their_box_and_are_reproducible() {
    let original = read_sample("exif/Landscape_6.jpg");
    let a = rendition(&original, 1920, 1080).unwrap();
    assert_eq!((a.width, a.height, a.mime), (1620, 1080, "image/jpeg"));
    let b = rendition(&original, 1920, 1080).unwrap();
    assert!(a.bytes == b.bytes, "the same original gave different bytes");
    let portrait = rendition(&original, 1080, 1920).unwrap();
    assert_eq!((portrait.width, portrait.height), (1080, 720));
    assert_eq!(
        rendition(b"text", 10, 10).unwrap_err(),
        IngestError::NotAnImage
    );
}

// ---------------------------------------------------------------------------------------------
// Memory: the decoder's limit bounds what an upload can cost.

fn crc32(data: &[u8]) -> u32 {
    let table: Vec<u32> = (0..256u32)
        .map(|n| {
            (0..8).fold(n, |c, _| {
                if c & 1 == 1 {
                    0xedb8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                }
            })
        })
        .collect();
    !data.iter().fold(0xffff_ffff_u32, |c, &b| {
        table[((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8)
    })
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// A valid 1-bit palette PNG of `side`×`side` pixels with a transparent colour: 8 MB of
/// uncompressed data for 8000 pixels a side, decoded to RGBA at 4 bytes a pixel. Written by
/// hand (zlib stored blocks) so that making it costs little memory itself.
fn palette_png(side: u32) -> Vec<u8> {
    let row_len = side.div_ceil(8) as usize;
    let mut raw = Vec::with_capacity((row_len + 1) * side as usize);
    for y in 0..side {
        raw.push(0); // no filter
        let byte = if (y / 500) % 2 == 0 { 0x0f } else { 0xf0 };
        raw.extend(std::iter::repeat_n(byte, row_len));
    }
    let mut zlib = vec![0x78, 0x01];
    let blocks = raw.chunks(65_535);
    let count = blocks.len();
    for (i, block) in blocks.enumerate() {
        zlib.push(u8::from(i + 1 == count));
        let len = u16::try_from(block.len()).unwrap();
        zlib.extend_from_slice(&len.to_le_bytes());
        zlib.extend_from_slice(&(!len).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    let (a, b) = raw.iter().fold((1u32, 0u32), |(a, b), &x| {
        let a = (a + u32::from(x)) % 65_521;
        (a, (b + a) % 65_521)
    });
    zlib.extend_from_slice(&((b << 16) | a).to_be_bytes());

    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = side.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&[1, 3, 0, 0, 0]); // 1 bit, palette
    png_chunk(&mut png, b"IHDR", &ihdr);
    png_chunk(&mut png, b"PLTE", &[20, 60, 160, 250, 240, 220]);
    png_chunk(&mut png, b"tRNS", &[0]); // colour 0 fully transparent
    png_chunk(&mut png, b"IDAT", &zlib);
    png_chunk(&mut png, b"IEND", &[]);
    png
}

/// The process's peak resident memory, in bytes (`VmHWM`).
fn peak_rss() -> u64 {
    let status = fs::read_to_string("/proc/self/status").expect("/proc/self/status (Linux)");
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("VmHWM in /proc/self/status");
    let kib: u64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .unwrap();
    kib << 10
}

#[test]
fn ingesting_everything_stays_within_the_decoder_budget() {
    // The budget: one decoded picture at the limit, plus the process, the test harness, the
    // scaling buffers and the encoded files. A pipeline that copied the full-size picture (to
    // turn it, or to convert it to RGBA) would pass 2 × 256 MiB and fail here.
    let bound = beffroi_media::MAX_ALLOC + (200 << 20);

    // Close to the limit: 8000×8000 RGBA is 244 MiB.
    let big = palette_png(8000);
    assert!(big.len() < 9 << 20);
    let ingested = ingest(&big, LIMIT).unwrap();
    assert_eq!((ingested.width, ingested.height), (8000, 8000));
    let thumb = &ingested.thumbnail;
    assert_eq!(
        (thumb.width, thumb.height, thumb.mime),
        (320, 320, "image/png")
    );
    drop(big);

    for &(name, ..) in SAMPLES {
        if let Ok(bytes) = fs::read(media().join(name)) {
            let _ = ingest(&bytes, LIMIT);
        }
    }
    let peak = peak_rss();
    assert!(
        peak < bound,
        "peak RSS {} MiB, more than the {} MiB budget",
        peak >> 20,
        bound >> 20
    );
    // Not vacuous: the big picture was really decoded whole.
    assert!(peak > 244 << 20, "peak RSS only {} MiB", peak >> 20);
}
