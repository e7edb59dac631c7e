//! `beffroi-player`: command-line entry point of the player.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use beffroi_player::clock::{Clock, FrozenClock, SimulatedClock, SystemClock};
use beffroi_player::config::Config;
use beffroi_player::live::{Live, Signal};
use beffroi_player::run::{Content, Summary};
use beffroi_player::trust::{ClockTrust, CorrectedClock};
use clap::{Parser, Subcommand};
use jiff::Timestamp;
use std::sync::Arc;

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
    /// Play in a window (fullscreen by default, cursor hidden) as time passes: the live
    /// player with `--config` (pairing, sync, offline cache; headless without a display),
    /// or one bundle with `--bundle`.
    Run {
        /// The player's configuration file (TOML); reloaded when it changes.
        #[arg(long, required_unless_present = "bundle", conflicts_with = "bundle")]
        config: Option<PathBuf>,
        /// Bundle directory.
        #[arg(long)]
        bundle: Option<PathBuf>,
        /// Draw offscreen into DATA_DIR/frame.png even when a display is present.
        #[arg(long, requires = "config")]
        headless: bool,
        /// A window of WIDTHxHEIGHT pixels at the top-left corner instead of fullscreen.
        #[arg(long, value_parser = parse_size)]
        windowed: Option<(u32, u32)>,
        /// Freeze the clock at this instant (screenshots, tests).
        #[arg(long, conflicts_with = "start_at")]
        at: Option<Timestamp>,
        /// Start a simulated clock at this instant instead of the system clock.
        #[arg(long)]
        start_at: Option<Timestamp>,
        /// Speed of the simulated clock (with --start-at), e.g. 60 for a minute per second.
        #[arg(long, default_value_t = 1.0, requires = "start_at")]
        speed: f64,
        /// Cap on animation frames per second (transitions, tickers).
        #[arg(long, default_value_t = beffroi_player::pacing::DEFAULT_FPS)]
        fps: u32,
        /// Quit after this many seconds and print the counters.
        #[arg(long)]
        exit_after: Option<f64>,
    },
    /// Draw what the screen shows at an instant (mid-transition included) into a PNG file,
    /// offscreen, on the GPU or Mesa's CPU renderers.
    Render {
        /// Bundle directory.
        #[arg(long)]
        bundle: PathBuf,
        /// The instant, RFC 3339; now by default.
        #[arg(long)]
        at: Option<Timestamp>,
        /// Panel size in pixels, WIDTHxHEIGHT.
        #[arg(long, default_value = "1920x1080", value_parser = parse_size)]
        size: (u32, u32),
        /// The PNG file to write.
        #[arg(long)]
        out: PathBuf,
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

/// Parses `1920x1080`.
fn parse_size(s: &str) -> Result<(u32, u32), String> {
    let err = || format!("\"{s}\" is not a size such as 1920x1080");
    let (w, h) = s.split_once(['x', '×']).ok_or_else(err)?;
    let (w, h): (u32, u32) = (w.parse().map_err(|_| err())?, h.parse().map_err(|_| err())?);
    if !(1..=16_384).contains(&w) || !(1..=16_384).contains(&h) {
        return Err(format!("{s}: each side must be between 1 and 16384 pixels"));
    }
    Ok((w, h))
}

fn print_summary(summary: &Summary) {
    println!(
        "wake-ups {}, frames drawn {}, draw calls (last frame) {}, texture bytes uploaded {}",
        summary.wakeups, summary.frames, summary.draw_calls, summary.texture_bytes
    );
}

/// `run --config`: the live player, in a window when a display is there, else headless.
fn run_live(
    path: &std::path::Path,
    headless: bool,
    windowed: Option<(u32, u32)>,
    clock: Arc<dyn Clock>,
    exit_after: Option<std::time::Duration>,
    clock_injected: bool,
) -> anyhow::Result<bool> {
    let config = Config::load(path)?;
    // A clock set by hand (tests, demos) is believed; the real one must prove itself.
    let (trust, clock): (ClockTrust, Arc<dyn Clock>) = if clock_injected {
        (ClockTrust::new(Box::new(|| true)), clock)
    } else {
        // The system clock, corrected by the server's Date while it is not synchronised.
        let trust = ClockTrust::system();
        (trust.clone(), Arc::new(CorrectedClock(trust)))
    };
    let display =
        std::env::var_os("WAYLAND_DISPLAY").is_some() || std::env::var_os("DISPLAY").is_some();
    if headless || !display {
        let signal = Arc::new(Signal::default());
        let wake = {
            let signal = Arc::clone(&signal);
            Arc::new(move || signal.raise())
        };
        let live = Live::start(config, path, trust, wake)?;
        let started = std::time::Instant::now();
        let stop = move || exit_after.is_some_and(|l| started.elapsed() >= l);
        let ending = beffroi_player::live::headless(live, &signal, clock.as_ref(), &stop)?;
        return Ok(ending == beffroi_player::live::Ending::Restart);
    }
    let event_loop = beffroi_player::run::event_loop()?;
    let wake = beffroi_player::run::waker(&event_loop);
    let windowed = windowed.or(config.display.windowed.map(|s| (s.width, s.height)));
    let fps = config.display.fps;
    let live = Live::start(config, path, trust, wake)?;
    let summary = beffroi_player::run::run_on(
        event_loop,
        beffroi_player::run::Options {
            content: Content::Live(Box::new(live)),
            windowed,
            clock,
            fps,
            exit_after,
            on_wake: None,
        },
    )?;
    print_summary(&summary);
    Ok(summary.restart)
}

/// Exit status asking systemd (`Restart=on-failure`) to start the player again.
const EXIT_RESTART: i32 = 75;

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Check { bundle } => {
            let report = beffroi_player::inspect::check(&bundle, Timestamp::now())
                .with_context(|| format!("bundle {} is not playable", bundle.display()))?;
            print!("{}", report.summary());
        }
        Command::Run {
            config,
            bundle,
            headless,
            windowed,
            at,
            start_at,
            speed,
            fps,
            exit_after,
        } => {
            let clock: Arc<dyn Clock> = match (at, start_at) {
                (Some(t), _) => Arc::new(FrozenClock(t)),
                (None, Some(t)) => Arc::new(SimulatedClock::new(t, speed)),
                (None, None) => Arc::new(SystemClock),
            };
            let exit_after = exit_after.map(std::time::Duration::from_secs_f64);
            if let Some(path) = config {
                let restart = run_live(
                    &path,
                    headless,
                    windowed,
                    clock,
                    exit_after,
                    at.is_some() || start_at.is_some(),
                )?;
                if restart {
                    eprintln!("beffroi-player: restart asked by the server");
                    std::process::exit(EXIT_RESTART);
                }
                return Ok(());
            }
            let bundle = bundle.context("--bundle or --config is needed")?;
            let b = beffroi_protocol::bundle::read(&bundle)
                .with_context(|| format!("bundle {} is not playable", bundle.display()))?;
            let summary = beffroi_player::run::run(beffroi_player::run::Options {
                content: Content::Bundle(Box::new(b)),
                windowed,
                clock,
                fps,
                exit_after,
                on_wake: None,
            })?;
            print_summary(&summary);
        }
        Command::Render {
            bundle,
            at,
            size,
            out,
        } => {
            let b = beffroi_protocol::bundle::read(&bundle)
                .with_context(|| format!("bundle {} is not playable", bundle.display()))?;
            let mut headless = beffroi_player::frame::Headless::new()?;
            let image = headless.frame(&b, at.unwrap_or_else(Timestamp::now), size.0, size.1);
            image
                .save(&out)
                .with_context(|| format!("cannot write {}", out.display()))?;
            println!(
                "{} ({}×{}, drawn with {})",
                out.display(),
                image.width(),
                image.height(),
                headless.describe()
            );
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
