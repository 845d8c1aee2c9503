//! Every error a route answers, as JSON `{"error": {"code", "message", "field"}}` with the
//! status that fits. The mapping from the SDK's [`gantry::Error`] lives in one place,
//! [`status_and_code`].

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// An error answer: its status and its JSON body.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: ErrorBody,
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
}

impl ApiError {
    /// An error with this status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            body: ErrorBody {
                error: ErrorDetail {
                    code,
                    message: message.into(),
                    field: None,
                },
            },
            retry_after: None,
        }
    }

    /// 400: `field` of the request is wrong.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut error = Self::new(StatusCode::BAD_REQUEST, "invalid_input", message);
        error.body.error.field = Some(field.into());
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
            body: ErrorBody {
                error: ErrorDetail {
                    code,
                    message,
                    field,
                },
            },
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
        E::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
        E::Unavailable { .. } => (StatusCode::SERVICE_UNAVAILABLE, "backend_unavailable"),
        E::TimedOut { .. } => (StatusCode::GATEWAY_TIMEOUT, "backend_timeout"),
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
