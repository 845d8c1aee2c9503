//! Every error a route answers, as JSON `{"error": {"code", "message", "type", "field"}}`
//! with the status that fits: OpenAI's error shape too (`type`, `param`, `message`), so one
//! error format serves Gantry's own clients and OpenAI's. The mapping from the SDK's [`gantry::Error`] lives in one place,
//! [`status_and_code`].

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// An error answer: its status and its JSON body.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    /// Boxed: errors travel in every handler's `Result`, which stays small.
    body: Box<ErrorBody>,
    retry_after: Option<u64>,
}

/// The JSON every error is.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong, for programs (`code`) and people (`message`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable word: `invalid_input`, `unauthenticated`, `forbidden`, `not_found`,
    /// `conflict`, `payload_too_large`, `unsupported_media_type`, `rate_limited`,
    /// `limit_reached`, `backend_unavailable`, `backend_timeout`, `backend_error`,
    /// `internal`.
    pub code: &'static str,
    /// What happened, in words for a person.
    pub message: String,
    /// The request field at fault, for `invalid_input`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The same as `field`, named as OpenAI's clients expect it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub param: Option<String>,
    /// The kind of error as OpenAI names it (`invalid_request_error`,
    /// `authentication_error`, `permission_error`, `not_found_error`, `rate_limit_error`,
    /// `server_error`), so any OpenAI client library reads Gantry's errors.
    #[serde(rename = "type")]
    pub kind: &'static str,
}

impl ErrorDetail {
    fn new(status: StatusCode, code: &'static str, message: String, field: Option<String>) -> Self {
        Self {
            code,
            message,
            param: field.clone(),
            field,
            kind: openai_kind(status),
        }
    }
}

/// OpenAI's name for the kind of error a status is.
fn openai_kind(status: StatusCode) -> &'static str {
    match status {
        StatusCode::UNAUTHORIZED => "authentication_error",
        StatusCode::FORBIDDEN => "permission_error",
        StatusCode::NOT_FOUND => "not_found_error",
        StatusCode::TOO_MANY_REQUESTS => "rate_limit_error",
        status if status.is_server_error() => "server_error",
        _ => "invalid_request_error",
    }
}

impl ApiError {
    /// An error with this status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            body: Box::new(ErrorBody {
                error: ErrorDetail::new(status, code, message.into(), None),
            }),
            retry_after: None,
        }
    }

    /// 400: `field` of the request is wrong.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut error = Self::new(StatusCode::BAD_REQUEST, "invalid_input", message);
        let field = field.into();
        error.body.error.param = Some(field.clone());
        error.body.error.field = Some(field);
        error
    }

    /// 401: no session, or not a valid one.
    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "not signed in: sign in, or send an API key as `Authorization: Bearer`",
        )
    }

    /// 404 for a path that is not a route, or an id that is not an id: the same answer
    /// as for an id that does not exist.
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{} not found", what.into()),
        )
    }

    /// 429, asking to come back after `seconds`.
    pub fn rate_limited(message: impl Into<String>, seconds: u64) -> Self {
        let mut error = Self::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", message);
        error.retry_after = Some(seconds.max(1));
        error
    }

    /// What it says to a person.
    pub fn message(&self) -> &str {
        &self.body.error.message
    }

    /// Asks the client to come back after this many seconds (`Retry-After`).
    pub fn with_retry_after(mut self, seconds: Option<u64>) -> Self {
        self.retry_after = seconds;
        self
    }

    /// The `Retry-After` it answers with, in seconds.
    pub fn retry_after(&self) -> Option<u64> {
        self.retry_after
    }

    /// Its JSON body.
    pub fn body(&self) -> &ErrorBody {
        &self.body
    }

    /// The status it answers with.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl From<gantry::Error> for ApiError {
    fn from(error: gantry::Error) -> Self {
        let (status, code) = status_and_code(&error);
        if status.is_server_error() {
            tracing::error!(%error, "request failed");
        }
        let retry_after = match &error {
            gantry::Error::RateLimited { retry_after, .. } => {
                Some(retry_after.map_or(5, |d| d.as_secs().max(1)))
            }
            gantry::Error::Throttled { retry_after, .. } => Some(retry_after.as_secs().max(1)),
            _ => None,
        };
        let (message, field) = match error {
            gantry::Error::InvalidInput { field, reason } => {
                (format!("invalid {field}: {reason}"), Some(field.to_owned()))
            }
            // Internal details are for the log, not the client.
            gantry::Error::Internal { .. } => ("internal error; see the server log".into(), None),
            other => (other.to_string(), None),
        };
        Self {
            status,
            body: Box::new(ErrorBody {
                error: ErrorDetail::new(status, code, message, field),
            }),
            retry_after,
        }
    }
}

/// The status and code each SDK error answers with.
pub fn status_and_code(error: &gantry::Error) -> (StatusCode, &'static str) {
    use gantry::Error as E;
    match error {
        E::InvalidInput { .. } => (StatusCode::BAD_REQUEST, "invalid_input"),
        E::Unauthenticated { .. } => (StatusCode::UNAUTHORIZED, "unauthenticated"),
        E::Forbidden { .. } => (StatusCode::FORBIDDEN, "forbidden"),
        E::NotFound { .. } => (StatusCode::NOT_FOUND, "not_found"),
        E::Conflict { .. } => (StatusCode::CONFLICT, "conflict"),
        E::UnsupportedType { .. } => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
        E::LimitReached { .. } => (StatusCode::TOO_MANY_REQUESTS, "limit_reached"),
        E::RateLimited { .. } | E::Throttled { .. } => {
            (StatusCode::TOO_MANY_REQUESTS, "rate_limited")
        }
        E::Unavailable { .. } => (StatusCode::SERVICE_UNAVAILABLE, "backend_unavailable"),
        E::TimedOut { .. } => (StatusCode::GATEWAY_TIMEOUT, "backend_timeout"),
        // A stream that stalled is a timeout, wherever it stalled.
        E::Interrupted { cause, .. } if matches!(**cause, E::TimedOut { .. }) => {
            (StatusCode::GATEWAY_TIMEOUT, "backend_timeout")
        }
        E::Backend { .. } | E::Protocol { .. } | E::Interrupted { .. } => {
            (StatusCode::BAD_GATEWAY, "backend_error")
        }
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(self.body)).into_response();
        if let Some(seconds) = self.retry_after
            && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

/// What a route returns.
pub type ApiResult<T> = Result<T, ApiError>;
