//! `beffroi-server`: the content server's command line: `serve`, `admin`, `export-bundle`,
//! `demo-bundle`.

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
    /// Run the content server (settings: defaults, then --config, then BEFFROI_* variables).
    Serve(ServeArgs),
    /// Write a screen's published content as a signed bundle a player plays offline.
    ExportBundle(ExportArgs),
    /// Administration on the data folder, without the server running.
    #[command(subcommand)]
    Admin(AdminCommand),
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Create a user; the password is read from the first line of standard input, so that it
    /// never appears in the process list or the shell history.
    CreateUser(CreateUserArgs),
}

#[derive(Debug, Args)]
struct CreateUserArgs {
    /// Login name.
    #[arg(long)]
    username: String,
    /// admin, approver, editor or viewer.
    #[arg(long)]
    role: beffroi_server::users::Role,
    /// INSEE code of a commune the user works for (repeat; required for editors).
    #[arg(long = "commune", value_name = "INSEE")]
    communes: Vec<beffroi_protocol::ids::Insee>,
    /// A TOML settings file (for the data folder).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// A TOML settings file.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Fill an empty database with demo content (screens in three communes, media,
    /// playlists, schedule), published, and an `admin` user whose password is printed.
    #[arg(long)]
    demo: bool,
}

#[derive(Debug, Args)]
struct ExportArgs {
    /// The screen's id or name.
    #[arg(long)]
    screen: String,
    /// Directory to write the bundle to (created if needed).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// A TOML settings file (for the data folder).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
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

/// Writes a file only its owner may read.
fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::DemoBundle(args) => demo_bundle(args),
        Command::Serve(args) => serve(&args),
        Command::Admin(AdminCommand::CreateUser(args)) => create_user(args),
        Command::ExportBundle(args) => export_bundle(&args),
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

/// Runs the server until SIGTERM or Ctrl-C, then lets requests in flight finish.
fn serve(args: &ServeArgs) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let settings = beffroi_server::Settings::load(args.config.as_deref(), std::env::vars())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("beffroi-server")
        .build()?;
    runtime.block_on(async {
        if args.demo {
            seed_demo(&settings).await?;
        }
        let listener = tokio::net::TcpListener::bind(settings.listen)
            .await
            .with_context(|| format!("cannot listen on {} (BEFFROI_LISTEN)", settings.listen))?;
        tracing::info!(
            "listening on http://{}, data in {}",
            settings.listen,
            settings.data_dir.display()
        );
        beffroi_server::launch_with_listener(settings, listener, shutdown_signal()).await?;
        tracing::info!("stopped");
        Ok(())
    })
}

/// Seeds the demo content into an empty database before serving.
async fn seed_demo(settings: &beffroi_server::Settings) -> anyhow::Result<()> {
    let state = beffroi_server::server::open(settings.clone()).await?;
    let at = jiff::Timestamp::from_second(jiff::Timestamp::now().as_second())?;
    match beffroi_server::demo::seed::seed(&state, at)
        .await
        .map_err(|e| anyhow::anyhow!("cannot seed the demo: {}", e.message))?
    {
        None => tracing::info!("demo: the database already has screens; nothing added"),
        Some(seeded) => {
            tracing::info!("demo: {} screens seeded and published", seeded.screens);
            if let Some((user, password)) = seeded.admin {
                println!("demo administrator: {user} / {password}");
                // For the demo script, which pairs the demo player as this officer would.
                let path = settings.data_dir.join("demo-admin.txt");
                write_private(&path, format!("{user}\n{password}\n").as_bytes())
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
        }
    }
    state.db.close().await;
    Ok(())
}

/// `export-bundle`.
fn export_bundle(args: &ExportArgs) -> anyhow::Result<()> {
    let settings = beffroi_server::Settings::load(args.config.as_deref(), std::env::vars())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let dir = &settings.data_dir;
        let db = beffroi_server::db::open(dir).await?;
        let blobs = beffroi_server::blobs::Blobs::open(&dir.join("blobs"))?;
        let key = beffroi_server::keys::load_or_create(dir)?;
        let m = beffroi_server::export::export(&db, &blobs, &key, &args.screen, &args.out)
            .await
            .with_context(|| format!("cannot export screen \"{}\"", args.screen))?;
        println!(
            "bundle of {} ({}) written to {}: manifest {}, {} assets, signed by key {}",
            m.screen.id,
            m.screen.name,
            args.out.display(),
            m.version,
            m.assets.len(),
            beffroi_server::keys::public_hex(&key)
        );
        Ok(())
    })
}

/// Resolves on SIGTERM (systemd stop) or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// `admin create-user`.
fn create_user(args: CreateUserArgs) -> anyhow::Result<()> {
    let settings = beffroi_server::Settings::load(args.config.as_deref(), std::env::vars())?;
    let mut password = String::new();
    std::io::stdin()
        .read_line(&mut password)
        .context("cannot read the password from standard input")?;
    let password = password.trim_end_matches(['\n', '\r']).to_owned();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let dir = &settings.data_dir;
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the data folder {}", dir.display()))?;
        let pool = beffroi_server::db::open(dir).await?;
        let user = beffroi_server::users::NewUser {
            username: args.username.clone(),
            password,
            role: args.role,
            communes: args.communes,
        };
        let id = beffroi_server::users::create(&pool, &user, Timestamp::now()).await?;
        println!(
            "user {} ({}) created with id {id} in {}",
            args.username,
            args.role,
            dir.display()
        );
        Ok(())
    })
}
