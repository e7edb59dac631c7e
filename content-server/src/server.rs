//! The HTTP server: state shared by the handlers, the router, and the launcher tests use.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use ed25519_dalek::SigningKey;
use sqlx::SqlitePool;
use tokio::net::TcpListener;

use crate::auth::limiter::Limiter;
use crate::settings::Settings;

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The data folder could not be created.
    #[error("data folder {}: {source}", path.display())]
    DataDir {
        /// The folder.
        path: std::path::PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The database.
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
    /// The server key.
    #[error(transparent)]
    Key(#[from] crate::keys::KeyError),
    /// The blob store.
    #[error(transparent)]
    Blobs(#[from] crate::blobs::BlobError),
    /// Built-in content could not be stored.
    #[error("storing built-in content: {0}")]
    Seed(String),
    /// The TLS certificate or key named by the settings cannot be used.
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsError),
    /// Serving failed.
    #[error("serving HTTP: {0}")]
    Serve(std::io::Error),
}

/// Counters exported at `/metrics`.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Requests answered by `/healthz`.
    pub health_checks: AtomicU64,
    /// Manifests answered to players (200 and 304).
    pub manifests_served: AtomicU64,
    /// Of which 304 Not Modified.
    pub manifests_not_modified: AtomicU64,
    /// Players connected to the event stream now.
    pub sse_clients: AtomicI64,
    /// Media uploads accepted.
    pub uploads: AtomicU64,
    /// Media uploads refused.
    pub uploads_refused: AtomicU64,
    /// Publications made.
    pub publishes: AtomicU64,
}

impl Metrics {
    /// Counts a publication.
    pub fn count_publish(&self) {
        self.publishes.fetch_add(1, Ordering::Relaxed);
    }
}

/// Rate limits of failures.
#[derive(Debug)]
pub struct Limits {
    /// Failed logins per (address, user name): 5 per 15 minutes.
    pub login: Limiter,
    /// Failed logins per address: 20 per 15 minutes.
    pub login_per_ip: Limiter,
    /// Unknown pairing codes claimed, per user: 10 per 15 minutes.
    pub pairing_guess: Limiter,
    /// Pairing codes requested per address: 30 per 15 minutes.
    pub pairing_new: Limiter,
}

impl Default for Limits {
    fn default() -> Self {
        let quarter = Duration::from_secs(15 * 60);
        Self {
            login: Limiter::new(5, quarter),
            login_per_ip: Limiter::new(20, quarter),
            pairing_guess: Limiter::new(10, quarter),
            pairing_new: Limiter::new(30, quarter),
        }
    }
}

/// What every handler can reach.
#[derive(Debug)]
pub struct AppState {
    /// Settings in force.
    pub settings: Settings,
    /// The database.
    pub db: SqlitePool,
    /// The server's signing key.
    pub key: SigningKey,
    /// Media, renditions and data sets by content address.
    pub blobs: crate::blobs::Blobs,
    /// Counters.
    pub metrics: Metrics,
    /// Push channels to the players.
    pub hub: crate::hub::Hub,
    /// Device tokens already checked.
    pub devices: crate::auth::DeviceCache,
    /// Rate limits.
    pub limits: Limits,
    /// Held by a publish from reading the drafts to committing the manifests.
    pub publishing: tokio::sync::Mutex<()>,
    /// The data sets' blobs (replaced when the news changes; read by every manifest build).
    pub data_sets: std::sync::RwLock<crate::model::manifest::DataSets>,
    /// SHA-256 of the TLS certificate (DER) when serving HTTPS; players pin it at pairing.
    pub tls_fingerprint: Option<String>,
}

impl AppState {
    /// How long without a heartbeat makes a screen offline: three missed beats.
    pub fn offline_after(&self) -> jiff::SignedDuration {
        jiff::SignedDuration::from_secs(3 * i64::from(self.settings.heartbeat_s))
    }

    /// Whether a screen whose last heartbeat was at `last_beat` is online at `now`. A beat
    /// "from the future" (a player's clock ahead) still proves it is alive.
    pub fn is_online(&self, last_beat: jiff::Timestamp, now: jiff::Timestamp) -> bool {
        now.duration_since(last_beat) <= self.offline_after()
    }

    /// The data sets in force.
    pub fn data_sets(&self) -> crate::model::manifest::DataSets {
        self.data_sets
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Whether cookies get the `Secure` attribute.
    pub fn secure_cookies(&self) -> bool {
        self.settings.tls_cert.is_some() || self.settings.behind_tls_proxy
    }
}

/// Opens the data folder (database, key) and serves on `listener` until `shutdown` resolves,
/// then finishes the requests in flight.
pub async fn launch_with_listener(
    settings: Settings,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    // The TLS files are checked before the data folder is touched, so that a wrong path fails
    // the start-up at once, naming the file.
    let tls = match crate::tls::Identity::from_settings(&settings)? {
        Some(identity) => Some(identity.rustls_config().await?),
        None => None,
    };
    let state = Arc::new(open(settings).await?);
    crate::schedule::spawn(Arc::clone(&state));
    // Event streams never end on their own: graceful shutdown would wait for them forever,
    // so closing the hub ends them when the shutdown begins.
    let hub_state = Arc::clone(&state);
    let shutdown = async move {
        shutdown.await;
        hub_state.hub.close();
    };
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    match tls {
        Some(config) => crate::tls::serve(listener, config, app, shutdown)
            .await
            .map_err(ServerError::Serve),
        None => axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(ServerError::Serve),
    }
}

/// Opens everything the server keeps in its data folder.
pub async fn open(settings: Settings) -> Result<AppState, ServerError> {
    let tls_fingerprint = match &settings.tls_cert {
        Some(cert) => Some(crate::tls::fingerprint_of_file(cert)?),
        None => None,
    };
    let dir = &settings.data_dir;
    std::fs::create_dir_all(dir).map_err(|source| ServerError::DataDir {
        path: dir.clone(),
        source,
    })?;
    let db = crate::db::open(dir).await?;
    let key = crate::keys::load_or_create(dir)?;
    let blobs = crate::blobs::Blobs::open(&dir.join("blobs"))?;
    crate::api::objects::seed_layouts(&db)
        .await
        .map_err(|e| ServerError::Db(e.into()))?;
    let data_sets = crate::publish::store_data_sets(&blobs, &db)
        .await
        .map_err(|e| ServerError::Seed(e.message))?;
    let state = AppState {
        settings,
        db,
        key,
        blobs,
        metrics: Metrics::default(),
        hub: crate::hub::Hub::default(),
        devices: crate::auth::DeviceCache::default(),
        limits: Limits::default(),
        publishing: tokio::sync::Mutex::new(()),
        data_sets: std::sync::RwLock::new(data_sets),
        tls_fingerprint,
    };
    // The stored news, agenda and waste calendars as data sets, and the manifests rebuilt
    // once with them all (the same bytes as before a restart, so no manifest changes unless
    // an item expired or the agenda's or the calendars' window moved meanwhile).
    crate::publish::refresh_data_sets(&state, None, &crate::publish::Derived::ALL)
        .await
        .map_err(|e| ServerError::Seed(e.message))?;
    Ok(state)
}

/// The API's routes and their OpenAPI document, from the same registrations.
pub fn api() -> (Router<Arc<AppState>>, utoipa::openapi::OpenApi) {
    crate::api::routes().split_for_parts()
}

/// Every route of the server.
pub fn router(state: Arc<AppState>) -> Router {
    let (api, doc) = api();
    let spec = Arc::new(doc.to_json().unwrap_or_default());
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route(
            "/api/v1/openapi.json",
            get(move || {
                let spec = Arc::clone(&spec);
                async move {
                    (
                        [(header::CONTENT_TYPE, "application/json")],
                        (*spec).clone(),
                    )
                }
            }),
        )
        .merge(api)
        .route("/collectes/{file}", get(crate::api::waste::ics))
        .merge(crate::web::routes())
        .fallback(not_found)
        .with_state(state)
}

async fn not_found(uri: axum::http::Uri) -> crate::api::error::ApiError {
    crate::api::error::ApiError::not_found(format!("no such endpoint: {}", uri.path()))
}

/// 200 when the database answers, 503 otherwise: what a supervisor or a load balancer asks.
async fn healthz(State(state): State<Arc<AppState>>) -> Response {
    state.metrics.health_checks.fetch_add(1, Ordering::Relaxed);
    match crate::db::ping(&state.db).await {
        Ok(()) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"status":"ok","database":"ok"}"#,
        )
            .into_response(),
        Err(e) => {
            tracing::error!("health check: {e}");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CONTENT_TYPE, "application/json")],
                r#"{"status":"error","database":"unreachable"}"#,
            )
                .into_response()
        }
    }
}

/// Prometheus text format. Public only when configured; authentication arrives with users.
async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    if !state.settings.metrics_public {
        return (
            StatusCode::UNAUTHORIZED,
            "metrics need authentication (or metrics_public = true)\n",
        )
            .into_response();
    }
    let communes: i64 = sqlx::query_scalar("SELECT count(*) FROM communes")
        .fetch_one(&state.db)
        .await
        .unwrap_or(-1);
    // Online: a heartbeat within three intervals (instants are stored to the second).
    let cutoff = jiff::Timestamp::now()
        .checked_sub(state.offline_after())
        .and_then(|t| jiff::Timestamp::from_second(t.as_second()))
        .map(|t| t.to_string())
        .unwrap_or_default();
    let online: i64 =
        sqlx::query_scalar("SELECT count(*) FROM screen_status WHERE last_beat_at >= ?1")
            .bind(&cutoff)
            .fetch_one(&state.db)
            .await
            .unwrap_or(-1);
    let screens: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM objects WHERE kind = 'screen' AND published IS NOT NULL",
    )
    .fetch_one(&state.db)
    .await
    .unwrap_or(-1);
    let m = &state.metrics;
    let counter = |name: &str, help: &str, v: u64| {
        format!("# HELP {name} {help}\n# TYPE {name} counter\n{name} {v}\n")
    };
    let gauge = |name: &str, help: &str, v: i64| {
        format!("# HELP {name} {help}\n# TYPE {name} gauge\n{name} {v}\n")
    };
    let body = [
        counter(
            "beffroi_health_checks_total",
            "Health checks answered.",
            m.health_checks.load(Ordering::Relaxed),
        ),
        gauge(
            "beffroi_communes",
            "Communes of the territory in the database.",
            communes,
        ),
        gauge("beffroi_screens", "Screens published.", screens),
        gauge(
            "beffroi_screens_online",
            "Screens with a heartbeat within three intervals.",
            online,
        ),
        counter(
            "beffroi_manifests_served_total",
            "Manifests answered to players (200 and 304).",
            m.manifests_served.load(Ordering::Relaxed),
        ),
        counter(
            "beffroi_manifests_not_modified_total",
            "Manifest answers that were 304 Not Modified.",
            m.manifests_not_modified.load(Ordering::Relaxed),
        ),
        gauge(
            "beffroi_sse_clients",
            "Players connected to the event stream.",
            m.sse_clients.load(Ordering::Relaxed),
        ),
        counter(
            "beffroi_uploads_total",
            "Media uploads accepted.",
            m.uploads.load(Ordering::Relaxed),
        ),
        counter(
            "beffroi_uploads_refused_total",
            "Media uploads refused.",
            m.uploads_refused.load(Ordering::Relaxed),
        ),
        counter(
            "beffroi_publishes_total",
            "Publications made.",
            m.publishes.load(Ordering::Relaxed),
        ),
    ]
    .concat();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}
