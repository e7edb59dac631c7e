//! The HTTP server: state shared by the handlers, the router, and the launcher tests use.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use ed25519_dalek::SigningKey;
use sqlx::SqlitePool;
use tokio::net::TcpListener;

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
    /// Serving failed.
    #[error("serving HTTP: {0}")]
    Serve(std::io::Error),
}

/// Counters exported at `/metrics`.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Requests answered by `/healthz`.
    pub health_checks: AtomicU64,
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
}

/// Opens the data folder (database, key) and serves on `listener` until `shutdown` resolves,
/// then finishes the requests in flight.
pub async fn launch_with_listener(
    settings: Settings,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let state = Arc::new(open(settings).await?);
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(ServerError::Serve)
}

/// Opens everything the server keeps in its data folder.
pub async fn open(settings: Settings) -> Result<AppState, ServerError> {
    let dir = &settings.data_dir;
    std::fs::create_dir_all(dir).map_err(|source| ServerError::DataDir {
        path: dir.clone(),
        source,
    })?;
    let db = crate::db::open(dir).await?;
    let key = crate::keys::load_or_create(dir)?;
    let blobs = crate::blobs::Blobs::open(&dir.join("blobs"))?;
    Ok(AppState {
        settings,
        db,
        key,
        blobs,
        metrics: Metrics::default(),
    })
}

/// Every route of the server.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .with_state(state)
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
    let body = format!(
        "# HELP beffroi_health_checks_total Health checks answered.\n# TYPE beffroi_health_checks_total counter\nbeffroi_health_checks_total {}\n\
         # HELP beffroi_communes Communes of the territory in the database.\n# TYPE beffroi_communes gauge\nbeffroi_communes {communes}\n",
        state.metrics.health_checks.load(Ordering::Relaxed)
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}
