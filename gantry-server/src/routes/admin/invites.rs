//! Invite codes, for sign-up by invite: made (the code shown once), listed, withdrawn.

use std::time::Duration;

use axum::http::StatusCode;
use axum::response::IntoResponse;
use gantry::InviteId;
use gantry::model::Invite;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Admin;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{Json, PathId};

/// Who an invite is for, and how long it lasts.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewInviteRequest {
    /// Who it is for or why, e.g. `Bea from accounts`.
    #[serde(default)]
    note: String,
    /// Days it lasts, 1 to 366 (default 7).
    valid_days: Option<u32>,
}

/// A new invite: the code, shown this once, and what is kept of it.
#[derive(Serialize, ToSchema)]
pub(crate) struct NewInviteView {
    /// Give it to the person invited, who signs up with it (`invite_code`).
    code: String,
    /// The invite as listed.
    info: Invite,
}

/// Makes an invite code.
#[utoipa::path(post, path = "/api/admin/invites", tag = "admin", request_body = NewInviteRequest,
    responses((status = 201, body = NewInviteView), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn create(
    Admin(admin): Admin,
    Json(request): Json<NewInviteRequest>,
) -> ApiResult<impl IntoResponse> {
    let valid_for = match request.valid_days {
        Some(days) => Duration::from_secs(u64::from(days) * 24 * 60 * 60),
        None => gantry::engine::DEFAULT_INVITE_LIFETIME,
    };
    let created = admin.create_invite(&request.note, valid_for).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(NewInviteView {
            code: created.code,
            info: created.info,
        }),
    ))
}

/// The invites, newest first, used and unused (never their codes).
#[utoipa::path(get, path = "/api/admin/invites", tag = "admin",
    responses((status = 200, body = Vec<Invite>), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub(crate) async fn list(Admin(admin): Admin) -> ApiResult<axum::Json<Vec<Invite>>> {
    Ok(axum::Json(admin.invites().await?))
}

/// Withdraws an invite: its code stops working.
#[utoipa::path(delete, path = "/api/admin/invites/{id}", tag = "admin",
    params(("id" = String, Path, description = "The invite's id")),
    responses((status = 204, description = "Withdrawn"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn delete(
    Admin(admin): Admin,
    PathId(id): PathId<InviteId>,
) -> ApiResult<StatusCode> {
    admin.delete_invite(id).await?;
    Ok(StatusCode::NO_CONTENT)
}
