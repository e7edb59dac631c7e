//! Fetching from outside the server: documents (news feeds, calendars, agendas) with a
//! conditional GET, and pictures named by third-party content, only from public addresses
//! (see [`guard`]) and checked like uploads.

pub mod guard;

use std::sync::OnceLock;
use std::time::Duration;

use beffroi_protocol::ids::Sha256;
use jiff::{SignedDuration, Timestamp};

use crate::server::AppState;

/// How long a fetch may take in all.
const FETCH_TIMEOUT: Duration = Duration::from_secs(30);

/// A fetched document, or the answer that nothing changed.
#[derive(Debug)]
pub enum Fetched {
    /// 304: the document did not change since the validators were given.
    NotModified,
    /// The document, with the validators to give next time.
    Body {
        /// Its bytes.
        bytes: Vec<u8>,
        /// `ETag`.
        etag: Option<String>,
        /// `Last-Modified`.
        last_modified: Option<String>,
    },
}

/// The client feeds are fetched with: the system's certificate authorities, time limits,
/// a few redirects.
fn client() -> Result<&'static reqwest::Client, String> {
    static CLIENT: OnceLock<Result<reqwest::Client, String>> = OnceLock::new();
    CLIENT
        .get_or_init(|| builder()?.build().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(Clone::clone)
}

/// The settings both clients share.
fn builder() -> Result<reqwest::ClientBuilder, String> {
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let verifier = rustls_platform_verifier::Verifier::new(std::sync::Arc::clone(&provider))
        .map_err(|e| format!("system certificates: {e}"))?;
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(std::sync::Arc::new(verifier))
        .with_no_client_auth();
    Ok(reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .connect_timeout(Duration::from_secs(10))
        .timeout(FETCH_TIMEOUT)
        .redirect(reqwest::redirect::Policy::limited(5))
        .user_agent(concat!("beffroi-server/", env!("CARGO_PKG_VERSION"))))
}

/// What to fetch and how: the validators of the last fetch, what to accept, a size limit.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The address.
    pub url: &'a str,
    /// The `Accept` header.
    pub accept: &'a str,
    /// The `ETag` of the last fetch.
    pub etag: Option<&'a str>,
    /// The `Last-Modified` of the last fetch.
    pub last_modified: Option<&'a str>,
    /// The most bytes accepted.
    pub limit: usize,
    /// What the document should be ("a news feed"), for the messages.
    pub what: &'a str,
}

/// Fetches a document, conditionally on the validators of the last fetch; the error says
/// what went wrong, naming the address.
pub async fn conditional(r: Request<'_>) -> Result<Fetched, String> {
    let url = r.url;
    let client = client().map_err(|e| format!("cannot set up the HTTP client: {e}"))?;
    let mut request = client.get(url).header(reqwest::header::ACCEPT, r.accept);
    if let Some(etag) = r.etag {
        request = request.header(reqwest::header::IF_NONE_MATCH, etag);
    }
    if let Some(date) = r.last_modified {
        request = request.header(reqwest::header::IF_MODIFIED_SINCE, date);
    }
    let mut response = request
        .send()
        .await
        .map_err(|e| format!("cannot fetch {url}: {}", error_chain(&e)))?;
    if response.status() == reqwest::StatusCode::NOT_MODIFIED {
        return Ok(Fetched::NotModified);
    }
    let header = |name: reqwest::header::HeaderName| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let etag = header(reqwest::header::ETAG);
    let last_modified = header(reqwest::header::LAST_MODIFIED);
    let bytes = read_body(&mut response, url, r.limit, r.what).await?;
    Ok(Fetched::Body {
        bytes,
        etag,
        last_modified,
    })
}

/// The body of a successful answer, refused beyond `limit` bytes (`what`: what it should
/// be, for the message).
async fn read_body(
    response: &mut reqwest::Response,
    url: &str,
    limit: usize,
    what: &str,
) -> Result<Vec<u8>, String> {
    let status = response.status();
    if !status.is_success() {
        return Err(format!("{url} answered {status}"));
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| format!("reading {url}: {}", error_chain(&e)))?
    {
        if bytes.len() + chunk.len() > limit {
            return Err(format!(
                "{url} is larger than {} MiB: not {what}",
                limit >> 20
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// The client pictures are fetched with: like [`client`], but reaching only public
/// addresses (see [`super::guard`]) unless `private` allows others.
fn picture_client(private: bool) -> Result<&'static reqwest::Client, String> {
    static CLIENTS: [OnceLock<Result<reqwest::Client, String>>; 2] =
        [OnceLock::new(), OnceLock::new()];
    CLIENTS[usize::from(private)]
        .get_or_init(|| {
            let mut b = builder()?;
            if !private {
                b = b
                    .dns_resolver(std::sync::Arc::new(guard::PublicOnly))
                    .redirect(reqwest::redirect::Policy::custom(|attempt| {
                        match guard::literal_refusal(attempt.url()) {
                            Some(refusal) => attempt.error(refusal),
                            None if attempt.previous().len() >= 5 => {
                                attempt.error("too many redirects")
                            }
                            None => attempt.follow(),
                        }
                    }));
            }
            b.build().map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// Fetches the picture at `url`, checks it like an upload and stores it; its address.
pub async fn picture(state: &AppState, url: &str) -> Result<Sha256, String> {
    let private = state.settings.feed_pictures_private;
    if !private
        && let Some(refusal) = reqwest::Url::parse(url)
            .ok()
            .and_then(|u| guard::literal_refusal(&u))
    {
        return Err(refusal);
    }
    let client =
        picture_client(private).map_err(|e| format!("cannot set up the HTTP client: {e}"))?;
    let limit = usize::try_from(state.settings.max_upload_bytes).unwrap_or(usize::MAX);
    let mut response = client
        .get(url)
        .header(reqwest::header::ACCEPT, "image/*")
        .send()
        .await
        .map_err(|e| format!("cannot fetch {url}: {}", error_chain(&e)))?;
    let bytes = read_body(&mut response, url, limit, "a picture").await?;
    let max = state.settings.max_upload_bytes;
    let (checked, bytes) =
        tokio::task::spawn_blocking(move || (crate::ingest::ingest(&bytes, max), bytes))
            .await
            .map_err(|e| e.to_string())?;
    let checked = checked.map_err(|e| format!("{url}: {e}"))?;
    let sha = state.blobs.put(bytes).await.map_err(|e| e.to_string())?;
    crate::publish::record_blob(&state.db, &sha, checked.size, checked.mime)
        .await
        .map_err(|e| e.to_string())?;
    Ok(sha)
}

/// An error with its causes, which reqwest keeps apart ("error sending request" alone says
/// nothing of a refused connection).
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// Whether a document fetched on a schedule is due at `now`: enabled, with an address, and
/// `refresh_minutes` past its last attempt (`checked_at`, RFC 3339; never: due).
pub fn due(
    enabled: bool,
    url: Option<&str>,
    checked_at: Option<&str>,
    refresh_minutes: u32,
    now: Timestamp,
) -> bool {
    if !enabled || url.is_none() {
        return false;
    }
    let Some(last) = checked_at.and_then(|c| c.parse::<Timestamp>().ok()) else {
        return true;
    };
    // A clock set back leaves `last` in the future: fetch rather than wait for it.
    last > now || now.duration_since(last) >= SignedDuration::from_mins(i64::from(refresh_minutes))
}

/// Records the outcome of a scheduled fetch with `sql` (an `UPDATE` of the fetched thing's
/// table, binding ?1 its id, ?2 the instant, ?3 the error, ?4 success, ?5 whether validators
/// come, ?6 the ETag, ?7 the Last-Modified): the attempt, and on success the validators and
/// the import instant; `error` replaces the last error (cleared on success).
pub async fn record_attempt(
    db: &mut sqlx::SqliteConnection,
    sql: &'static str,
    id: &str,
    validators: Option<(Option<String>, Option<String>)>,
    error: Option<&str>,
) -> Result<(), sqlx::Error> {
    let now = crate::alerts::stored_instant(Timestamp::now());
    let (etag, modified) = validators.clone().unwrap_or_default();
    sqlx::query(sql)
        .bind(id)
        .bind(&now)
        .bind(error)
        .bind(error.is_none())
        .bind(validators.is_some())
        .bind(etag)
        .bind(modified)
        .execute(db)
        .await?;
    Ok(())
}

/// The `UPDATE` of [`record_attempt`] for `$table`.
#[macro_export]
macro_rules! record_attempt_sql {
    ($table:literal) => {
        concat!(
            "UPDATE ",
            $table,
            " SET checked_at = ?2, last_error = ?3,
                imported_at = CASE WHEN ?4 THEN ?2 ELSE imported_at END,
                etag = CASE WHEN ?5 THEN ?6 ELSE etag END,
                last_modified = CASE WHEN ?5 THEN ?7 ELSE last_modified END
             WHERE id = ?1"
        )
    };
}
