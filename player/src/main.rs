//! `beffroi-player`: command-line entry point of the player.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use jiff::Timestamp;

#[derive(Debug, Parser)]
#[command(name = "beffroi-player", version, about = "Beffroi screen player")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate a bundle, verify every blob, and report every problem.
    Check {
        /// Bundle directory (manifest.json + blobs/sha256/).
        #[arg(long)]
        bundle: PathBuf,
    },
    /// Print, as JSON, what the screen shows at an instant and when that next changes.
    Program {
        /// Bundle directory.
        #[arg(long)]
        bundle: PathBuf,
        /// The instant, RFC 3339 (e.g. 2026-12-05T09:30:00+01:00); now by default.
        #[arg(long)]
        at: Option<Timestamp>,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("beffroi-player: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Check { bundle } => {
            let report = beffroi_player::inspect::check(&bundle, Timestamp::now())
                .with_context(|| format!("bundle {} is not playable", bundle.display()))?;
            print!("{}", report.summary());
        }
        Command::Program { bundle, at } => {
            let report =
                beffroi_player::inspect::program(&bundle, at.unwrap_or_else(Timestamp::now))
                    .with_context(|| format!("bundle {} is not playable", bundle.display()))?;
            println!("{}", serde_json::to_string_pretty(&report)?);
        }
    }
    Ok(())
}
