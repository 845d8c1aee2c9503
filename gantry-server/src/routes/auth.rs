//! Signing in and out, signing up, the caller's own account, and password changes.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum_extra::extract::CookieJar;
use gantry::model::User;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::{Authed, presented_token, removal_cookie, session_cookie};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::Json;
use crate::limits::ClientAddress;
use gantry::NewAccount;

/// An email and password.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LoginRequest {
    /// The account's email, in any case.
    email: String,
    /// Its password.
    password: String,
}

/// The current password and the new one.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChangePasswordRequest {
    /// The password now.
    current_password: String,
    /// The new password (at least 8 characters).
    new_password: String,
}

/// How long a session lasts: the cookie's `Max-Age`.
fn session_lifetime(state: &AppState) -> time::Duration {
    let lifetime = state.gantry.engine().settings().session_lifetime;
    time::Duration::try_from(lifetime).unwrap_or(time::Duration::DAY)
}

/// Signs in and returns the cookie jar with the new session, and the account.
pub(crate) async fn signed_in(
    state: &AppState,
    jar: CookieJar,
    email: &str,
    password: &str,
) -> ApiResult<(CookieJar, User)> {
    let signed_in = state.gantry.sign_in(email, password).await?;
    let cookie = session_cookie(
        signed_in.token,
        session_lifetime(state),
        state.cookie_secure,
    );
    Ok((jar.add(cookie), signed_in.user))
}

/// Signs in: sets the `gantry_session` cookie (HttpOnly, SameSite=Lax) for the configured
/// session lifetime. A wrong password and an unknown email get the same answer.
#[utoipa::path(post, path = "/api/auth/login", tag = "accounts", request_body = LoginRequest,
    responses(
        (status = 200, body = User, description = "Signed in; the session is in the cookie"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub(crate) async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    jar: CookieJar,
    Json(request): Json<LoginRequest>,
) -> ApiResult<impl IntoResponse> {
    state.logins.attempt(address, &request.email)?;
    let (jar, user) = signed_in(&state, jar, &request.email, &request.password).await?;
    Ok((jar, axum::Json(user)))
}

/// Signs out: ends the session presented (cookie or bearer) and removes the cookie. Works
/// without a session too.
#[utoipa::path(post, path = "/api/auth/logout", tag = "accounts",
    responses((status = 204, description = "Signed out")))]
pub(crate) async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
) -> ApiResult<impl IntoResponse> {
    if let Some(token) = presented_token(&headers) {
        match state.gantry.sign_out(&token).await {
            Ok(()) | Err(gantry::Error::Unauthenticated { .. }) => {}
            Err(other) => return Err(other.into()),
        }
    }
    Ok((
        StatusCode::NO_CONTENT,
        jar.add(removal_cookie(state.cookie_secure)),
    ))
}

/// The signed-in account.
#[utoipa::path(get, path = "/api/auth/me", tag = "accounts",
    responses((status = 200, body = User), (status = 401, body = ErrorBody)))]
pub(crate) async fn me(Authed(caller): Authed) -> axum::Json<User> {
    axum::Json(caller.user)
}

/// Someone signing up.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RegisterRequest {
    /// The email to sign in with.
    email: String,
    /// The name shown to others.
    display_name: String,
    /// At least 8 characters.
    password: String,
    /// The code an admin gave, when sign-up is by invite.
    invite_code: Option<String>,
}

/// Signs up under the admin's policy (`closed` by default: 403; `invite`: 403 without a
/// valid `invite_code`), then signs in.
#[utoipa::path(post, path = "/api/auth/register", tag = "accounts",
    request_body = RegisterRequest,
    responses(
        (status = 201, body = User, description = "Created and signed in (cookie)"),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub(crate) async fn register(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    jar: CookieJar,
    Json(request): Json<RegisterRequest>,
) -> ApiResult<impl IntoResponse> {
    state.logins.attempt(address, &request.email)?;
    let password = request.password.clone();
    let account = NewAccount::new(request.email, request.display_name, request.password);
    let user = match request.invite_code {
        Some(code) => state.gantry.register_with_invite(account, &code).await?,
        None => state.gantry.register(account).await?,
    };
    let (jar, user) = signed_in(&state, jar, &user.email, &password).await?;
    Ok((StatusCode::CREATED, jar, axum::Json(user)))
}

/// Changes the password: every other session ends, and this one is replaced (new cookie).
/// A wrong current password is 400 on `current_password`.
#[utoipa::path(post, path = "/api/auth/change-password", tag = "accounts",
    request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "Changed; the new session is in the cookie"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub(crate) async fn change_password(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    Authed(caller): Authed,
    jar: CookieJar,
    Json(request): Json<ChangePasswordRequest>,
) -> ApiResult<impl IntoResponse> {
    state.logins.attempt(address, &caller.user.email)?;
    let signed_in = caller
        .scope()
        .change_password(&request.current_password, &request.new_password)
        .await?;
    let cookie = session_cookie(
        signed_in.token,
        session_lifetime(&state),
        state.cookie_secure,
    );
    Ok((StatusCode::NO_CONTENT, jar.add(cookie)))
}
