//! The one error type shared by every Gantry crate.
//!
//! Front ends map it to the outside world in one place each (HTTP status codes in
//! `gantry-server`, Python exceptions in `gantry-py`), so the variants say *what kind*
//! of failure happened, and the message names the thing that failed. A failure with a cause
//! (a database or I/O error) keeps it as its [`source`](std::error::Error::source), for logs;
//! the message a user sees never contains the cause's text.

use std::fmt;

/// Result alias used throughout Gantry.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A boxed cause kept for operators (logs, `{:#}` chains), never shown to users.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Which outside service or part of Gantry a failure came from: a typed value, so a front
/// end can tell them apart (for a status code, a metric label) without parsing text.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// The SQL store.
    Database,
    /// A model server (chat or embeddings), by the name it was configured with and its URL.
    Model {
        /// The configured name, e.g. `local`.
        name: String,
        /// Its base URL.
        url: String,
    },
    /// A part of Gantry itself, e.g. `chat model` when none is configured, or `fact
    /// extraction model`.
    Component(&'static str),
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Database => f.write_str("database"),
            Self::Model { name, url } => write!(f, "model server `{name}` ({url})"),
            Self::Component(what) => f.write_str(what),
        }
    }
}

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
    /// The caller did not prove who they are: no session, an expired or revoked one, a
    /// wrong password, a revoked API key, or a disabled account.
    #[error("not signed in: {reason}")]
    Unauthenticated {
        /// What was missing or wrong, in words safe to show (never which of email and
        /// password was wrong).
        reason: String,
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
        /// Which backend.
        backend: Backend,
        /// What went wrong.
        reason: String,
    },
    /// A backend did not answer in time.
    #[error("{backend} timed out waiting for {waiting_for}")]
    TimedOut {
        /// Which backend.
        backend: Backend,
        /// What did not arrive: `connection`, `first token`, `next token`, `response`.
        waiting_for: String,
    },
    /// A backend refused for now; retry after the given time, if it said.
    #[error("{backend} is rate limiting{}", retry_after.map(|d| format!(" (retry after {} s)", d.as_secs())).unwrap_or_default())]
    RateLimited {
        /// Which backend.
        backend: Backend,
        /// How long the backend asked to wait.
        retry_after: Option<std::time::Duration>,
    },
    /// The input is of a kind Gantry does not read (an upload's file type); nothing was
    /// changed.
    #[error("{what}")]
    UnsupportedType {
        /// What is not supported and what is, in words for the user.
        what: String,
    },
    /// A limit on how much one user (or everyone) may have in progress or stored was
    /// reached; nothing was changed. Try again later, or ask an admin for more.
    #[error("limit reached: {what}")]
    LimitReached {
        /// Which limit, and what to do, in words for the user.
        what: String,
    },
    /// The user has used up an allowance over time (requests a minute, tokens a day);
    /// nothing was done. It refills: try again after `retry_after`.
    #[error("{what}")]
    Throttled {
        /// Which allowance, how much is used, and when it refills, in words for the user.
        what: String,
        /// How long until the request would pass.
        retry_after: std::time::Duration,
    },
    /// A backend answered with an error of its own.
    #[error("{backend} answered {}: {message}", status.map_or_else(|| "an error".to_owned(), |s| format!("HTTP {s}")))]
    Backend {
        /// Which backend.
        backend: Backend,
        /// The HTTP status, when there was one (an error inside a stream has none).
        status: Option<u16>,
        /// The backend's own message.
        message: String,
    },
    /// A backend's answer could not be understood.
    #[error("{backend} sent something malformed: {what}")]
    Protocol {
        /// Which backend.
        backend: Backend,
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
    /// A bug or an unexpected failure underneath. The message is for operators, not users;
    /// the cause, when there is one, is the error's source.
    #[error("internal error: {context}")]
    Internal {
        /// What Gantry was doing, e.g. `saving the vector index`.
        context: String,
        /// What went wrong underneath.
        #[source]
        source: Option<BoxError>,
    },
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

    /// Shorthand for [`Error::Unauthenticated`].
    pub fn unauthenticated(reason: impl Into<String>) -> Self {
        Self::Unauthenticated {
            reason: reason.into(),
        }
    }

    /// Shorthand for [`Error::Unavailable`].
    pub fn unavailable(backend: Backend, reason: impl Into<String>) -> Self {
        Self::Unavailable {
            backend,
            reason: reason.into(),
        }
    }

    /// An [`Error::Internal`] with no underlying cause (a broken invariant).
    pub fn internal(context: impl Into<String>) -> Self {
        Self::Internal {
            context: context.into(),
            source: None,
        }
    }

    /// An [`Error::Internal`] caused by `source`, which is kept for the logs.
    pub fn internal_from(context: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Self::Internal {
            context: context.into(),
            source: Some(source.into()),
        }
    }

    /// The field named by an [`Error::InvalidInput`], if this is one.
    pub fn invalid_field(&self) -> Option<&'static str> {
        match self {
            Self::InvalidInput { field, .. } => Some(field),
            _ => None,
        }
    }
}
