//! First run: while no account exists, the first admin is created here (once).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum_extra::extract::CookieJar;
use gantry::NewAccount;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::AppState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::Json;
use crate::routes::auth::signed_in;

/// Whether the installation still needs its first admin.
#[derive(Serialize, ToSchema)]
pub(crate) struct SetupStatus {
    /// `true` until the first account exists.
    needs_setup: bool,
}

/// A new account: who and how they sign in.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewAccountRequest {
    /// The email to sign in with.
    pub(crate) email: String,
    /// The name shown to others.
    pub(crate) display_name: String,
    /// At least 8 characters.
    pub(crate) password: String,
}

impl NewAccountRequest {
    pub(crate) fn into_account(self) -> NewAccount {
        NewAccount::new(self.email, self.display_name, self.password)
    }
}

/// Whether the first admin is still to be created.
#[utoipa::path(get, path = "/api/setup", tag = "accounts",
    responses((status = 200, body = SetupStatus)))]
pub(crate) async fn status(State(state): State<AppState>) -> ApiResult<axum::Json<SetupStatus>> {
    let needs_setup = state.gantry.engine().needs_setup().await?;
    Ok(axum::Json(SetupStatus { needs_setup }))
}

/// Creates the first admin and signs them in; 409 once any account exists.
#[utoipa::path(post, path = "/api/setup", tag = "accounts", request_body = NewAccountRequest,
    responses(
        (status = 201, body = gantry::model::User, description = "Created and signed in (cookie)"),
        (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn set_up(
    State(state): State<AppState>,
    jar: CookieJar,
    Json(request): Json<NewAccountRequest>,
) -> ApiResult<impl IntoResponse> {
    let password = request.password.clone();
    let user = state.gantry.engine().set_up(request.into_account()).await?;
    let (jar, user) = signed_in(&state, jar, &user.email, &password).await?;
    Ok((StatusCode::CREATED, jar, axum::Json(user)))
}
