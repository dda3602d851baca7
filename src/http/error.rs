//! The one error type HTTP handlers return, and how each failure maps to an HTTP answer.
//!
//! Clients get a status and a short fixed sentence; causes go to the log only, so a 5xx
//! body never leaks internals.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Missing, wrong or stale Slack signature.
    #[error("unauthorized")]
    Unauthorized,
    /// Body over the 1 MiB limit.
    #[error("payload too large")]
    PayloadTooLarge,
    /// Signed, but not a payload we can read.
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    /// A dependency is down; say so without detail.
    #[error("service unavailable")]
    Unavailable,
    /// A bug or an unexpected failure: logged with its cause, answered with a generic 500.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, body) = match &self {
            AppError::Unauthorized => (StatusCode::UNAUTHORIZED, "invalid request signature"),
            AppError::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "request body too large"),
            AppError::BadRequest(why) => (StatusCode::BAD_REQUEST, *why),
            AppError::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "temporarily unavailable"),
            AppError::Internal(e) => {
                tracing::error!(error = %crate::telemetry::chain(e.as_ref()), "internal error");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal error")
            }
        };
        (status, body).into_response()
    }
}
