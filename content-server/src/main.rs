//! `beffroi-server`: the content server's command line (for now, the demo bundle generator).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use jiff::Timestamp;

/// Beffroi content server for the screens and kiosks of the Haut Pays du Montreuillois.
#[derive(Debug, Parser)]
#[command(name = "beffroi-server", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The subcommands; `serve` and `export-bundle` join them with the HTTP server.
#[derive(Debug, Subcommand)]
enum Command {
    /// Write a complete demo bundle (the Fruges town-hall screen) to a directory.
    DemoBundle(DemoBundleArgs),
}

#[derive(Debug, Args)]
struct DemoBundleArgs {
    /// Directory to write the bundle to (created if needed; existing blobs are kept).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// The instant the demo is built around, e.g. 2026-12-01T09:00:00+01:00 [default: now].
    #[arg(long, value_name = "RFC3339", value_parser = parse_instant)]
    at: Option<Timestamp>,
}

/// Parses an RFC 3339 instant, which must carry its offset (`Z` or `+01:00`).
fn parse_instant(s: &str) -> Result<Timestamp, String> {
    s.parse::<Timestamp>().map_err(|e| {
        format!("expected an RFC 3339 instant such as 2026-12-01T09:00:00+01:00 ({e})")
    })
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::DemoBundle(args) => demo_bundle(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line with every cause, e.g. "cannot write the demo bundle to /media/usb:
            // /media/usb/blobs/sha256: Permission denied (os error 13)".
            eprintln!("beffroi-server: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn demo_bundle(args: DemoBundleArgs) -> anyhow::Result<()> {
    // Whole seconds: the instant is recorded in the manifest, where nanoseconds are noise.
    let at = match args.at {
        Some(at) => at,
        None => Timestamp::from_second(Timestamp::now().as_second())
            .context("the system clock is out of range")?,
    };
    let demo = beffroi_server::demo::demo_content(at)
        .with_context(|| format!("cannot build the demo content for {at}"))?;
    demo.write(&args.out)
        .with_context(|| format!("cannot write the demo bundle to {}", args.out.display()))?;
    let dir = std::path::absolute(&args.out).unwrap_or(args.out);
    println!("demo bundle written to {}", dir.display());
    println!("manifest version {}", demo.manifest.version);
    println!(
        "screen {} ({}), generated at {at}",
        demo.manifest.screen.id, demo.manifest.screen.name
    );
    println!("{}", demo.summary());
    Ok(())
}
