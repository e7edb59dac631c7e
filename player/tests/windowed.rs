//! `beffroi-player run --windowed` under a virtual X server: the window shows the same frame
//! as the headless renderer for the same instant. Needs Xvfb and xwd (scripts/test installs
//! the Debian packages xvfb and x11-apps).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use image::RgbaImage;

/// Kills the child when the test ends, even by panic.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn bundle_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/golden/town-hall/bundle")
}

/// Reads an XWD screen dump (what `xwd -root` writes) of a 24-bit TrueColor screen.
fn parse_xwd(bytes: &[u8]) -> RgbaImage {
    let word = |i: usize| u32::from_be_bytes(bytes[i * 4..i * 4 + 4].try_into().unwrap());
    let (header, width, height, byte_order, bpp, stride, ncolors) = (
        word(0),
        word(4),
        word(5),
        word(7),
        word(11),
        word(12),
        word(19),
    );
    assert_eq!(bpp, 32, "a 24-bit screen stored as 32 bits per pixel");
    let start = header as usize + ncolors as usize * 12;
    RgbaImage::from_fn(width, height, |x, y| {
        let i = start + y as usize * stride as usize + x as usize * 4;
        let p = &bytes[i..i + 4];
        // Masks are 0xff0000, 0xff00, 0xff: least significant byte first means B, G, R, X.
        let (r, g, b) = if byte_order == 0 {
            (p[2], p[1], p[0])
        } else {
            (p[1], p[2], p[3])
        };
        image::Rgba([r, g, b, 255])
    })
}

fn screenshot(display: &str) -> Option<RgbaImage> {
    let out = Command::new("xwd")
        .args(["-root", "-silent", "-display", display])
        .output()
        .ok()?;
    out.status.success().then(|| parse_xwd(&out.stdout))
}

#[test]
fn windowed_run_shows_the_headless_frame() {
    let at = "2026-12-01T09:00:30Z";
    let (w, h) = (960u32, 540u32);
    // Xvfb picks a free display itself and writes its number once it accepts clients: no
    // guessing a number that a stale socket or another test may hold.
    let mut xvfb = Command::new("Xvfb")
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            &format!("{w}x{h}x24"),
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb (Debian package xvfb; scripts/test installs it)");
    let out = xvfb.stdout.take().unwrap();
    let _xvfb = Guard(xvfb);
    let mut number = String::new();
    BufReader::new(out).read_line(&mut number).unwrap();
    let n: u32 = number
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("Xvfb gave no display number: {number:?}"));
    let display = format!(":{n}");

    let runtime = tempfile::tempdir().unwrap();
    let mut player = Command::new(env!("CARGO_BIN_EXE_beffroi-player"))
        .args(["run", "--bundle"])
        .arg(bundle_dir())
        .args([
            "--windowed",
            &format!("{w}x{h}"),
            "--at",
            at,
            "--exit-after",
            "60",
        ])
        .env("DISPLAY", &display)
        .env("XDG_RUNTIME_DIR", runtime.path())
        .env_remove("WAYLAND_DISPLAY")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = player.stderr.take().unwrap();
    let _player = Guard(player);
    let mut lines = BufReader::new(stderr).lines();
    let started = lines.next().and_then(Result::ok).unwrap_or_default();
    assert!(
        started.contains("drawing with"),
        "the player did not start: {started}"
    );

    let bundle = beffroi_protocol::bundle::read(&bundle_dir()).unwrap();
    let expected =
        beffroi_player::frame::Headless::new()
            .unwrap()
            .frame(&bundle, at.parse().unwrap(), w, h);
    // Poll until the window's frame is on the screen (or the deadline passes).
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut best = usize::MAX;
    while Instant::now() < deadline {
        if let Some(shot) = screenshot(&display) {
            assert_eq!(shot.dimensions(), (w, h));
            let differing = shot
                .pixels()
                .zip(expected.pixels())
                .filter(|(a, b)| {
                    a.0[..3]
                        .iter()
                        .zip(&b.0[..3])
                        .any(|(x, y)| x.abs_diff(*y) > 2)
                })
                .count();
            best = best.min(differing);
            if differing <= (w * h / 200) as usize {
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    panic!("the window never showed the headless frame (best: {best} pixels differ)");
}
