//! Golden frames: every case of `tests/golden/<case>/` (a bundle, an instant, a panel size)
//! rendered headless on Mesa's CPU Vulkan and compared with its `expected.png`.
//!
//! Tolerance: a channel may differ by 2 (other Mesa versions, aarch64 text edges), and at most
//! 0.5 % of pixels may differ by more. `BEFFROI_UPDATE_GOLDEN=1` rewrites the expected frames;
//! a failing case leaves its actual frame in `target/golden-failures/`.

use std::path::{Path, PathBuf};

use beffroi_player::frame::Headless;

const CHANNEL_TOLERANCE: u8 = 2;
const PIXEL_BUDGET: f64 = 0.005;

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("golden")
}

struct Case {
    name: String,
    dir: PathBuf,
    at: jiff::Timestamp,
    size: (u32, u32),
}

fn read_case(dir: &Path) -> Case {
    let text = std::fs::read_to_string(dir.join("case.toml")).unwrap();
    let field = |key: &str| {
        text.lines()
            .find_map(|l| {
                l.strip_prefix(key)?
                    .trim()
                    .strip_prefix('=')?
                    .trim()
                    .strip_prefix('"')?
                    .strip_suffix('"')
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| panic!("{}: no {key}", dir.display()))
    };
    let size = field("size");
    let (w, h) = size.split_once('x').unwrap();
    Case {
        name: dir.file_name().unwrap().to_string_lossy().into_owned(),
        dir: dir.to_owned(),
        at: field("at").parse().unwrap(),
        size: (w.parse().unwrap(), h.parse().unwrap()),
    }
}

/// Pixels differing by more than the tolerance in any channel.
fn differing(a: &image::RgbaImage, b: &image::RgbaImage) -> usize {
    a.pixels()
        .zip(b.pixels())
        .filter(|(p, q)| {
            p.0.iter()
                .zip(q.0)
                .any(|(x, y)| x.abs_diff(y) > CHANNEL_TOLERANCE)
        })
        .count()
}

#[test]
fn golden_frames_match() {
    let update = std::env::var_os("BEFFROI_UPDATE_GOLDEN").is_some();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(golden_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("case.toml").is_file())
        .collect();
    dirs.sort();
    assert!(
        dirs.len() >= 25,
        "the golden cases are missing ({} found)",
        dirs.len()
    );
    let mut headless = Headless::new().expect("a GPU adapter (install mesa-vulkan-drivers)");
    let failures_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/golden-failures");
    let mut failures = Vec::new();
    for dir in dirs {
        let case = read_case(&dir);
        let bundle = beffroi_protocol::bundle::read(&case.dir.join("bundle"))
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let actual = headless.frame(&bundle, case.at, case.size.0, case.size.1);
        assert_eq!(actual.dimensions(), case.size, "{}", case.name);
        let expected_path = case.dir.join("expected.png");
        if update {
            actual.save(&expected_path).unwrap();
            continue;
        }
        let expected = image::open(&expected_path)
            .unwrap_or_else(|e| panic!("{}: {e} (run with BEFFROI_UPDATE_GOLDEN=1)", case.name))
            .into_rgba8();
        let bad = if expected.dimensions() == actual.dimensions() {
            differing(&expected, &actual)
        } else {
            usize::MAX
        };
        let total = (case.size.0 * case.size.1) as usize;
        if bad > (total as f64 * PIXEL_BUDGET) as usize {
            std::fs::create_dir_all(&failures_dir).unwrap();
            actual
                .save(failures_dir.join(format!("{}.png", case.name)))
                .unwrap();
            failures.push(format!("{}: {bad} of {total} pixels differ", case.name));
        }
    }
    assert!(
        failures.is_empty(),
        "golden frames differ (actual frames in target/golden-failures/):\n{}",
        failures.join("\n")
    );
}
