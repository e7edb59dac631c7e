//! The image decoder (`beffroi_player::images::decode`) on the shared samples: real files
//! written by other projects (EXIF orientations, PngSuite, fuzzer finds, decompression bombs;
//! `../shared/samples/SOURCES.md` says where each comes from), plus a few bombs made here.
//!
//! Every file of the samples' `media/` folder must be classified in [`SAMPLES`], so a sample
//! added there fails this test until someone says what the player should do with it.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use beffroi_player::images::{DecodeError, MAX_ALLOC, MAX_DIMENSION, decode};
use image::imageops::{self, FilterType};
use image::{ImageReader, RgbaImage};

/// The shared samples sit beside the repository checkout, here and in CI.
const MEDIA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/samples/media");

/// What `decode(bytes, 1920, 1080)` must give.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// An image of these upright dimensions, after downscaling to fit 1920×1080.
    Ok(u32, u32),
    /// [`DecodeError::Limits`] (no sample yet: the bombs made below are).
    #[allow(dead_code, reason = "kept for the next sample refused by the limits")]
    Limits,
    /// [`DecodeError::Broken`].
    Broken,
    /// [`DecodeError::UnknownFormat`].
    Unknown,
}

use Expect::{Broken, Limits, Ok, Unknown};

/// Every file under `media/`, relative to it, with what decoding it gives and why.
#[rustfmt::skip] // one line per file
const SAMPLES: &[(&str, Expect, &str)] = &[
    // Pillow's bombs. The two that decode are harmless for a still picture: Pillow itself only
    // refuses extents.gif when seeking to frame 2, and accepts the PNG when its texts stay small.
    ("bombs/broken.png", Broken, "garbage right after the PNG signature"),
    ("bombs/decompression_bomb.gif", Broken, "a 65535-wide frame in 44 bytes: data ends first"),
    ("bombs/decompression_bomb.ico", Unknown, "ICO, a format the player does not read"),
    ("bombs/decompression_bomb_extents.gif", Ok(100, 100), "frame 1 fine; bomb in frame 2: unread"),
    ("bombs/png_decompression_dos.png", Ok(1, 1), "1×1; its 2 MiB zTXt texts never inflated"),
    // EXIF orientations: stored pixels rotated or mirrored, drawn upright.
    ("exif/Landscape_6.jpg", Ok(1620, 1080), "stored 1200×1800, upright 1800×1200, fitted"),
    ("exif/hopper_orientation_2.jpg", Ok(128, 128), "mirrored"),
    ("exif/hopper_orientation_3.jpg", Ok(128, 128), "rotated 180°"),
    ("exif/hopper_orientation_4.jpg", Ok(128, 128), "flipped"),
    ("exif/hopper_orientation_5.jpg", Ok(128, 128), "transposed"),
    ("exif/hopper_orientation_6.jpg", Ok(128, 128), "rotated 90°"),
    ("exif/hopper_orientation_7.jpg", Ok(128, 128), "transversed"),
    ("exif/hopper_orientation_8.jpg", Ok(128, 128), "rotated 270°"),
    // JPEG: colour spaces and the crash cases of jpeg-decoder's fuzzing.
    ("jpeg/dc-predictor-overflow.jpg", Ok(144, 144), "fuzzer find: decodes, no overflow"),
    ("jpeg/derive-huffman-codes-overflow.jpg", Broken, "fuzzer find: bad Huffman table"),
    ("jpeg/empty.jpg", Unknown, "0 bytes"),
    ("jpeg/jpg-cmyk-1.jpg", Ok(32, 32), "Adobe CMYK, converted to RGB"),
    ("jpeg/jpg-progressive.jpg", Ok(32, 32), "progressive"),
    ("jpeg/progressive-missing-dc.jpg", Ok(8, 8), "progressive scan without DC: grey"),
    // PngSuite: valid files of every kind, then the deliberately corrupt x* files.
    ("png/PngSuite.LICENSE", Unknown, "a text file"),
    ("png/basi0g01.png", Ok(32, 32), "interlaced, 1-bit grey"),
    ("png/basn0g16.png", Ok(32, 32), "16-bit grey"),
    ("png/basn3p08.png", Ok(32, 32), "8-bit palette"),
    ("png/basn6a08.png", Ok(32, 32), "RGBA"),
    ("png/g03n0g16.png", Ok(32, 32), "gamma 0.35, 16-bit grey"),
    ("png/s01i3p01.png", Ok(1, 1), "1×1 interlaced palette"),
    ("png/tbrn2c08.png", Ok(32, 32), "tRNS transparency, RGB"),
    ("png/x_ihdr_missing.png", Broken, "IDAT before any IHDR"),
    ("png/x_unexpected_eof.png", Broken, "cut short"),
    ("png/xc9n2c08.png", Broken, "colour type 9"),
    ("png/xcrn0g04.png", Unknown, "signature damaged by CR/LF conversion"),
    ("png/xd0n2c08.png", Broken, "bit depth 0"),
    ("png/xdtn0g01.png", Broken, "no IDAT"),
    ("png/xhdn0g08.png", Broken, "IHDR CRC wrong"),
    ("png/xlfn0g04.png", Unknown, "signature damaged by LF conversion"),
    ("png/xs1n0g01.png", Unknown, "signature byte 1 wrong"),
    ("png/z09n2c08.png", Ok(32, 32), "zlib level 9"),
];

fn read_sample(name: &str) -> Vec<u8> {
    let path = Path::new(MEDIA).join(name);
    fs::read(&path).unwrap_or_else(|e| panic!("cannot read sample {}: {e}", path.display()))
}

fn decode_sample(name: &str) -> RgbaImage {
    decode(&read_sample(name), 1920, 1080).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Every file under `dir`, as paths relative to `root` with `/` separators, sorted.
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

fn outcome(result: &Result<RgbaImage, DecodeError>) -> String {
    match result {
        Result::Ok(img) => format!("Ok({}, {})", img.width(), img.height()),
        Err(e) => format!("Err({e:?})"),
    }
}

fn matches(expect: Expect, result: &Result<RgbaImage, DecodeError>) -> bool {
    match (expect, result) {
        (Ok(w, h), Result::Ok(img)) => img.dimensions() == (w, h),
        (Limits, Err(DecodeError::Limits(_)))
        | (Broken, Err(DecodeError::Broken(_)))
        | (Unknown, Err(DecodeError::UnknownFormat)) => true,
        _ => false,
    }
}

#[test]
fn every_sample_is_classified_and_decodes_as_classified() {
    let root = Path::new(MEDIA);
    let mut on_disk = BTreeSet::new();
    files_under(root, root, &mut on_disk);
    let listed: BTreeSet<String> = SAMPLES.iter().map(|(n, ..)| (*n).to_owned()).collect();
    assert_eq!(listed.len(), SAMPLES.len(), "a sample is listed twice");

    let mut failures = Vec::new();
    for name in on_disk.difference(&listed) {
        failures.push(format!(
            "{name}: not in SAMPLES; say what decoding it must give"
        ));
    }
    for name in listed.difference(&on_disk) {
        failures.push(format!("{name}: listed in SAMPLES but not in {MEDIA}"));
    }
    for &(name, expect, why) in SAMPLES.iter().filter(|(n, ..)| on_disk.contains(*n)) {
        let result = decode(&read_sample(name), 1920, 1080);
        if !matches(expect, &result) {
            failures.push(format!(
                "{name} ({why}): expected {expect:?}, got {}",
                outcome(&result)
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// A 16×16 thumbnail: each pixel averages a small block of the picture, enough to tell which way
/// up a picture is while forgiving JPEG's re-encoding noise.
fn thumbnail(img: &RgbaImage) -> RgbaImage {
    imageops::resize(img, 16, 16, FilterType::Triangle)
}

/// The largest difference of one channel between two thumbnails.
fn distance(a: &RgbaImage, b: &RgbaImage) -> u8 {
    a.pixels()
        .zip(b.pixels())
        .flat_map(|(p, q)| p.0.into_iter().zip(q.0).map(|(x, y)| x.abs_diff(y)))
        .max()
        .unwrap()
}

#[test]
fn exif_orientations_all_come_out_upright() {
    let upright: Vec<(u8, RgbaImage)> = (2..=8)
        .map(|n| {
            (
                n,
                decode_sample(&format!("exif/hopper_orientation_{n}.jpg")),
            )
        })
        .collect();
    let reference = thumbnail(&upright[0].1);
    for (n, img) in &upright {
        assert_eq!(img.dimensions(), (128, 128), "orientation {n}");
        let d = distance(&thumbnail(img), &reference);
        assert!(d <= 8, "orientation {n} differs from orientation 2 by {d}");
    }

    // Not vacuous: the stored pixels of the rotated ones are far from upright.
    for n in [3, 6, 8] {
        let bytes = read_sample(&format!("exif/hopper_orientation_{n}.jpg"));
        let stored = image::load_from_memory(&bytes).unwrap().into_rgba8();
        let d = distance(&thumbnail(&stored), &reference);
        assert!(
            d > 40,
            "orientation {n}: stored pixels already upright ({d})"
        );
    }

    // A real photo: stored portrait, shown landscape.
    let bytes = read_sample("exif/Landscape_6.jpg");
    let stored = ImageReader::new(std::io::Cursor::new(&bytes))
        .with_guessed_format()
        .unwrap()
        .into_dimensions()
        .unwrap();
    assert_eq!(stored, (1200, 1800));
    assert_eq!(
        decode(&bytes, 4000, 4000).unwrap().dimensions(),
        (1800, 1200)
    );
}

#[test]
fn pictures_are_scaled_down_to_fit_never_up() {
    let landscape = read_sample("exif/Landscape_6.jpg"); // 1800×1200 upright
    let fit = |w, h| decode(&landscape, w, h).unwrap().dimensions();
    assert_eq!(fit(1920, 1080), (1620, 1080));
    assert_eq!(fit(1080, 1920), (1080, 720));
    assert_eq!(fit(400, 400), (400, 267));
    assert_eq!(fit(1800, 1200), (1800, 1200));

    // Never up: a small picture keeps its size on a large screen.
    assert_eq!(
        decode_sample("exif/hopper_orientation_3.jpg").dimensions(),
        (128, 128)
    );

    // Wide and tall pictures made here, encoded as PNG.
    for ((w, h), fitted) in [((4000, 1000), (1920, 480)), ((1000, 4000), (270, 1080))] {
        let img = RgbaImage::from_pixel(w, h, image::Rgba([200, 40, 40, 255]));
        let mut png = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let out = decode(&png, 1920, 1080).unwrap();
        assert_eq!(out.dimensions(), fitted, "{w}×{h}");
        assert_eq!(out.get_pixel(10, 10).0, [200, 40, 40, 255]);
    }
}

#[test]
fn cmyk_jpeg_decodes_to_the_colours_of_its_rgb_twin() {
    // Both are renderings of the same gradient in Mozilla's reftests; `image` 0.25 (zune-jpeg)
    // converts Adobe CMYK (inverted) to RGB itself.
    let cmyk = decode_sample("jpeg/jpg-cmyk-1.jpg");
    let rgb = decode_sample("jpeg/jpg-progressive.jpg");
    let d = distance(&thumbnail(&cmyk), &thumbnail(&rgb));
    assert!(d <= 12, "CMYK decodes {d} away from the RGB twin");
    // Yellow at the top left, as drawn.
    let [r, g, b, _] = cmyk.get_pixel(0, 0).0;
    assert!(r > 200 && g > 200 && b < 40, "top left is {r}, {g}, {b}");
}

// ---------------------------------------------------------------------------------------------
// Bombs made here: tiny files announcing huge pictures. Each must be refused before the
// decoder allocates the pixels (without the total-size check, the JPEG costs 700 MB of memory
// and more than a minute).

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffff_u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                0xedb8_8320 ^ (crc >> 1)
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// An RGBA PNG announcing `w`×`h` pixels, with a few bytes of zlib data.
fn png_bomb(w: u32, h: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    png_chunk(&mut out, b"IHDR", &ihdr);
    png_chunk(&mut out, b"IDAT", &[0x78, 0x9c, 0xed, 0xc1, 0x01, 0x0d]);
    png_chunk(&mut out, b"IEND", &[]);
    out
}

/// A baseline RGB JPEG announcing `w`×`h` pixels, with one quantisation table, two one-code
/// Huffman tables and 64 bytes of scan data: zune-jpeg decodes it as a full picture.
fn jpeg_bomb(w: u16, h: u16) -> Vec<u8> {
    let mut j = vec![0xff, 0xd8];
    j.extend_from_slice(&[0xff, 0xdb, 0, 67, 0]);
    j.extend_from_slice(&[1; 64]);
    let [wh, wl] = w.to_be_bytes();
    let [hh, hl] = h.to_be_bytes();
    j.extend_from_slice(&[0xff, 0xc0, 0, 17, 8, hh, hl, wh, wl, 3]);
    j.extend_from_slice(&[1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0]);
    for class in [0x00, 0x10] {
        j.extend_from_slice(&[0xff, 0xc4, 0, 20, class, 1]);
        j.extend_from_slice(&[0; 15]);
        j.push(0);
    }
    j.extend_from_slice(&[0xff, 0xda, 0, 12, 3, 1, 0, 2, 0, 3, 0, 0, 63, 0]);
    j.extend_from_slice(&[0; 64]);
    j.extend_from_slice(&[0xff, 0xd9]);
    j
}

#[test]
fn bombs_made_here_are_refused_by_the_limits() {
    const { assert!(16_000 <= MAX_DIMENSION && 16_000 * 16_000 * 3 > MAX_ALLOC) };
    let cases = [
        ("PNG 16000×16000", png_bomb(16_000, 16_000)),
        ("PNG 9000×8000", png_bomb(9_000, 8_000)),
        ("PNG wider than the limit", png_bomb(MAX_DIMENSION + 1, 10)),
        ("JPEG 16000×16000", jpeg_bomb(16_000, 16_000)),
        ("JPEG taller than the limit", jpeg_bomb(8, 20_000)),
    ];
    for (what, bytes) in cases {
        assert!(bytes.len() < 300, "{what}: {} bytes", bytes.len());
        let result = decode(&bytes, 1920, 1080);
        assert!(
            matches!(result, Err(DecodeError::Limits(_))),
            "{what}: {}",
            outcome(&result)
        );
    }
    // The same JPEG, small, is a real (grey) picture: what is refused above is only the size.
    assert_eq!(
        decode(&jpeg_bomb(64, 32), 1920, 1080).unwrap().dimensions(),
        (64, 32)
    );
}
