//! The API's error answer: a status and a JSON body whose `error` names the problem.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An error answered to an API client: `{"error": "...", "problems": [...]}`.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// One sentence naming the problem.
    pub message: String,
    /// Field-level problems, for validation errors (`playlists[x].items[2].duration_ms: ...`).
    pub problems: Vec<String>,
    /// Seconds to wait, for 429 answers.
    pub retry_after: Option<u64>,
}

/// The JSON body of an error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What went wrong, in one sentence.
    pub error: String,
    /// Each problem found, with the path of the field at fault.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

impl ApiError {
    /// An error with `status` and `message`.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            problems: Vec::new(),
            retry_after: None,
        }
    }

    /// 400: the request itself is malformed.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// 401: no valid credentials.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }

    /// 403: authenticated, but not allowed.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    /// 404: no such thing.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// 409: conflicts with the stored state.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, message)
    }

    /// 422: well-formed but invalid content, with each problem.
    pub fn invalid(message: impl Into<String>, problems: Vec<String>) -> Self {
        Self {
            problems,
            ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, message)
        }
    }

    /// 429 with the seconds to wait.
    pub fn too_many(message: impl Into<String>, retry_after: u64) -> Self {
        Self {
            retry_after: Some(retry_after),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, message)
        }
    }

    /// 500: logged with its cause; the client gets a sentence without internals.
    pub fn internal(context: &str, cause: impl std::fmt::Display) -> Self {
        tracing::error!("{context}: {cause}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("internal error while {context}; see the server log"),
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            Json(ErrorBody {
                error: self.message,
                problems: self.problems,
            }),
        )
            .into_response();
        if let Some(s) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, s.into());
        }
        response
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        Self::internal("querying the database", e)
    }
}

impl From<crate::blobs::BlobError> for ApiError {
    fn from(e: crate::blobs::BlobError) -> Self {
        Self::internal("reading the blob store", e)
    }
}

impl From<crate::users::UserError> for ApiError {
    fn from(e: crate::users::UserError) -> Self {
        match e {
            crate::users::UserError::Exists(_) => Self::conflict(e.to_string()),
            crate::users::UserError::Invalid(_) => Self::invalid(e.to_string(), Vec::new()),
            other => Self::internal("handling users", other),
        }
    }
}

/// What handlers return.
pub type ApiResult<T> = Result<T, ApiError>;

/// A JSON request body whose problems are answered like every other API error: 422 with
/// `{"error": "body: ..."}` naming the field, rather than axum's plain-text rejections.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::new(e.status(), format!("body: {}", e.body_text())))?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Parses a JSON body; the error names the field at fault.
pub fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    serde_json::from_slice(bytes).map_err(|e| ApiError::invalid(format!("body: {e}"), Vec::new()))
}
