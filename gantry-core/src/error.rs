//! The one error type shared by every Gantry crate.
//!
//! Front ends map it to the outside world in one place each (HTTP status codes in
//! `gantry-server`, Python exceptions in `gantry-py`), so the variants say *what kind*
//! of failure happened, and the message names the thing that failed.

/// Result alias used throughout Gantry.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Every failure Gantry reports.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The thing does not exist, or belongs to someone else (never say which).
    #[error("{what} not found")]
    NotFound {
        /// What was looked up, e.g. `conversation 0193…`.
        what: String,
    },
    /// The caller is known but may not do this (e.g. a non-admin creating a global persona).
    #[error("forbidden: {reason}")]
    Forbidden {
        /// Why the action was refused.
        reason: String,
    },
    /// A field of the request is unacceptable; nothing was changed.
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// The offending field, e.g. `email` or `title`.
        field: &'static str,
        /// What is wrong with it, e.g. `must be at most 200 bytes`.
        reason: String,
    },
    /// The request collides with existing state (duplicate email, stale update).
    #[error("conflict: {what}")]
    Conflict {
        /// What collided.
        what: String,
    },
    /// A backend (database, LLM server) cannot be reached or refused the connection.
    #[error("{backend} unavailable: {reason}")]
    Unavailable {
        /// Which backend, e.g. `database` or `llm http://127.0.0.1:8080/v1`.
        backend: String,
        /// What went wrong.
        reason: String,
    },
    /// A backend did not answer in time.
    #[error("{backend} timed out waiting for {waiting_for}")]
    TimedOut {
        /// Which backend.
        backend: String,
        /// What did not arrive: `connection`, `first token`, `next token`, `response`.
        waiting_for: String,
    },
    /// A backend refused for now; retry after the given time, if it said.
    #[error("{backend} is rate limiting{}", retry_after.map(|d| format!(" (retry after {} s)", d.as_secs())).unwrap_or_default())]
    RateLimited {
        /// Which backend.
        backend: String,
        /// How long the backend asked to wait.
        retry_after: Option<std::time::Duration>,
    },
    /// A backend answered with an error of its own.
    #[error("{backend} answered {}: {message}", status.map_or_else(|| "an error".to_owned(), |s| format!("HTTP {s}")))]
    Backend {
        /// Which backend.
        backend: String,
        /// The HTTP status, when there was one (an error inside a stream has none).
        status: Option<u16>,
        /// The backend's own message.
        message: String,
    },
    /// A backend's answer could not be understood.
    #[error("{backend} sent something malformed: {what}")]
    Protocol {
        /// Which backend.
        backend: String,
        /// What was malformed.
        what: String,
    },
    /// A stream broke after some text had arrived; the text is kept so it can be saved.
    #[error("stream interrupted after {} bytes: {cause}", partial.len())]
    Interrupted {
        /// The text received before the failure.
        partial: String,
        /// Why it broke.
        cause: Box<Error>,
    },
    /// A bug or an unexpected backend answer. The message is for operators, not users.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// Shorthand for [`Error::NotFound`].
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound { what: what.into() }
    }

    /// Shorthand for [`Error::InvalidInput`].
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::InvalidInput {
            field,
            reason: reason.into(),
        }
    }

    /// Shorthand for [`Error::Conflict`].
    pub fn conflict(what: impl Into<String>) -> Self {
        Self::Conflict { what: what.into() }
    }

    /// Shorthand for [`Error::Forbidden`].
    pub fn forbidden(reason: impl Into<String>) -> Self {
        Self::Forbidden {
            reason: reason.into(),
        }
    }

    /// Shorthand for [`Error::Unavailable`].
    pub fn unavailable(backend: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Unavailable {
            backend: backend.into(),
            reason: reason.into(),
        }
    }

    /// Shorthand for [`Error::Internal`].
    pub fn internal(message: impl Into<String>) -> Self {
        Self::Internal(message.into())
    }

    /// The field named by an [`Error::InvalidInput`], if this is one.
    pub fn invalid_field(&self) -> Option<&'static str> {
        match self {
            Self::InvalidInput { field, .. } => Some(field),
            _ => None,
        }
    }
}
