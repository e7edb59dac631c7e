//! The page's static files (htmx, the style sheet), compiled into the binary and served under
//! `/static/` with a long cache lifetime. Pages link them with `?v=<hash>`, so a new binary's
//! files reach browsers at once despite the cache.

use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use beffroi_protocol::ids::Sha256;

use crate::server::AppState;

/// A file served from the binary.
#[derive(Debug)]
pub struct Asset {
    /// Where it is served.
    pub path: &'static str,
    mime: &'static str,
    bytes: &'static [u8],
    hash: OnceLock<String>,
}

impl Asset {
    const fn new(path: &'static str, mime: &'static str, bytes: &'static [u8]) -> Self {
        Self {
            path,
            mime,
            bytes,
            hash: OnceLock::new(),
        }
    }

    /// SHA-256 of the content, in hex.
    fn hash(&self) -> &str {
        self.hash.get_or_init(|| Sha256::of(self.bytes).to_string())
    }

    /// The URL pages link: the path with a version taken from the content.
    pub fn url(&self) -> String {
        format!("{}?v={}", self.path, &self.hash()[..12])
    }

    fn serve(&self, headers: &HeaderMap) -> Response {
        let etag = format!("\"{}\"", self.hash());
        let fresh = headers
            .get(header::IF_NONE_MATCH)
            .is_some_and(|v| crate::api::player::etag_matches(v, &etag));
        let common = [
            (
                header::CACHE_CONTROL,
                "public, max-age=31536000, immutable".to_owned(),
            ),
            (header::ETAG, etag),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ];
        if fresh {
            return (StatusCode::NOT_MODIFIED, common).into_response();
        }
        (common, [(header::CONTENT_TYPE, self.mime)], self.bytes).into_response()
    }
}

/// htmx 2 (`assets/web/htmx.min.js`, licence beside it).
pub static HTMX: Asset = Asset::new(
    "/static/htmx.min.js",
    "text/javascript; charset=utf-8",
    include_bytes!("../../assets/web/htmx.min.js"),
);

/// The page's style sheet.
pub static CSS: Asset = Asset::new(
    "/static/beffroi.css",
    "text/css; charset=utf-8",
    include_bytes!("../../assets/web/beffroi.css"),
);

/// The routes of the static files.
pub(super) fn routes() -> Router<Arc<AppState>> {
    let mut router = Router::new();
    for asset in [&HTMX, &CSS] {
        router = router.route(
            asset.path,
            get(move |headers: HeaderMap| async move { asset.serve(&headers) }),
        );
    }
    router
}
