//! Who is calling: a session cookie (the web UI) or `Authorization: Bearer` (a session
//! token or an API key, for programs), checked by the engine on every request, so a
//! disabled account or a revoked session is refused at once everywhere. Changes made with
//! a cookie must come from the server's own origin (CSRF).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use gantry::engine::Caller;

use crate::app::AppState;
use crate::error::ApiError;

/// The session cookie's name.
pub(crate) const SESSION_COOKIE: &str = "gantry_session";

/// A signed-in caller.
pub(crate) struct Authed(pub(crate) Caller);

impl FromRequestParts<AppState> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some((token, by_cookie)) = presented(&parts.headers) else {
            return Err(ApiError::unauthenticated());
        };
        if by_cookie && !parts.method.is_safe() {
            same_origin(&parts.headers, &state.origin)?;
        }
        match state.gantry.authenticate(&token).await {
            Ok(caller) => {
                // The request's log span names who made it (see `trace`).
                tracing::Span::current().record("user_id", tracing::field::display(caller.user.id));
                Ok(Self(caller))
            }
            Err(gantry::Error::Unauthenticated { .. }) => Err(ApiError::unauthenticated()),
            Err(other) => Err(other.into()),
        }
    }
}

/// A signed-in admin, checked before anything else of the request is read: a non-admin
/// gets 403 whatever the body, and learns nothing of what an admin route expects.
pub(crate) struct Admin(pub(crate) gantry::AdminScope);

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Authed(caller) = Authed::from_request_parts(parts, state).await?;
        Ok(Self(caller.admin()?))
    }
}

/// The token of an `Authorization: Bearer` header.
fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

/// Refuses (403) a change whose `Origin` (or, without one, `Referer`) is not `origin`.
pub(crate) fn same_origin(headers: &HeaderMap, origin: &str) -> Result<(), ApiError> {
    let claimed = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|value| value.to_str().ok());
    let matches = claimed.is_some_and(|claimed| {
        claimed == origin
            || claimed
                .strip_prefix(origin)
                .is_some_and(|rest| rest.starts_with('/'))
    });
    if matches {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("a change made with a session cookie must come from {origin} (Origin header)"),
        ))
    }
}

/// The cookie that carries a new session for `max_age`.
pub(crate) fn session_cookie(
    token: String,
    max_age: time::Duration,
    secure: bool,
) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token))
        .http_only(true)
        .same_site(SameSite::Lax)
        .path("/")
        .secure(secure)
        .max_age(max_age)
        .build()
}

/// The cookie that removes the session cookie.
pub(crate) fn removal_cookie(secure: bool) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, ""))
        .http_only(true)
        .same_site(SameSite::Lax)
        .path("/")
        .secure(secure)
        .max_age(time::Duration::ZERO)
        .build()
}

/// The session token or API key a request carries, if any (for signing out).
pub(crate) fn presented_token(headers: &HeaderMap) -> Option<String> {
    presented(headers).map(|(token, _)| token)
}

/// The token a request carries: `Authorization: Bearer`, else the session cookie; and
/// whether it came by cookie (which makes changes subject to the same-origin check).
fn presented(headers: &HeaderMap) -> Option<(String, bool)> {
    match bearer(headers) {
        Some(token) => Some((token, false)),
        None => CookieJar::from_headers(headers)
            .get(SESSION_COOKIE)
            .map(|cookie| (cookie.value().to_owned(), true)),
    }
}
