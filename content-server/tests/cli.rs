//! The `beffroi-server` command line, run as a user would.

use std::process::{Command, Output};

use beffroi_protocol::bundle;

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_beffroi-server"))
        .args(args)
        .output()
        .expect("the binary runs")
}

#[test]
fn demo_bundle_writes_a_readable_bundle_and_says_what_it_holds() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("usb");
    let out_str = out.to_str().unwrap();
    let at = "2026-12-01T09:00:00+01:00";
    let first = run(&["demo-bundle", "--out", out_str, "--at", at]);
    assert!(first.status.success(), "{first:?}");
    let stdout = String::from_utf8(first.stdout).unwrap();
    let read = bundle::read(&out).unwrap();
    assert!(stdout.contains(out_str), "{stdout}");
    assert!(stdout.contains(&read.manifest.version), "{stdout}");
    assert!(stdout.contains("12 events"), "{stdout}");
    assert_eq!(read.manifest.generated_at, at.parse().unwrap());
    // Deterministic: the same instant writes the same manifest.
    let again = run(&[
        "demo-bundle",
        "--out",
        out_str,
        "--at",
        "2026-12-01T08:00:00Z",
    ]);
    assert!(again.status.success(), "{again:?}");
    assert_eq!(bundle::read(&out).unwrap().manifest, read.manifest);
}

#[test]
fn demo_bundle_defaults_to_now() {
    let dir = tempfile::tempdir().unwrap();
    let before = jiff::Timestamp::now().as_second();
    let output = run(&["demo-bundle", "--out", dir.path().to_str().unwrap()]);
    assert!(output.status.success(), "{output:?}");
    let generated = bundle::read(dir.path()).unwrap().manifest.generated_at;
    assert!(generated.as_second() >= before && generated.subsec_nanosecond() == 0);
}

#[test]
fn bad_input_fails_with_a_message_naming_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let bad_at = run(&[
        "demo-bundle",
        "--out",
        dir.path().to_str().unwrap(),
        "--at",
        "2026-12-01 09:00",
    ]);
    assert!(!bad_at.status.success());
    let stderr = String::from_utf8_lossy(&bad_at.stderr);
    assert!(
        stderr.contains("--at") && stderr.contains("RFC 3339"),
        "{stderr}"
    );

    let file = dir.path().join("a-file");
    std::fs::write(&file, b"not a directory").unwrap();
    let unwritable = run(&["demo-bundle", "--out", file.to_str().unwrap()]);
    assert_eq!(unwritable.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&unwritable.stderr);
    assert!(
        stderr.contains("cannot write the demo bundle") && stderr.contains("a-file"),
        "{stderr}"
    );

    let missing = run(&["demo-bundle"]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("--out"));
}
