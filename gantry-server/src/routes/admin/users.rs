//! Accounts, for admins: list, create, read, change role or disable, reset a password,
//! delete with everything the account owns. The engine keeps an admin from demoting,
//! disabling or deleting themself (403), so an installation always keeps its admin.

use axum::http::StatusCode;
use axum::response::IntoResponse;
use gantry::engine::UserChange;
use gantry::model::{Role, User};
use gantry::{NewAccount, UserId};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::Admin;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{Json, PathId, Query};
use crate::routes::page::{PageView, page_request};

/// Which page of accounts, or which accounts.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct UsersQuery {
    /// Only accounts whose email or name contains this (any case); one page, no `next`.
    q: Option<String>,
    /// How many (1 to 500; default 50).
    limit: Option<u32>,
    /// `next` of the previous page.
    cursor: Option<String>,
}

/// A new account, made by an admin whatever the sign-up policy.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewUserRequest {
    /// The email to sign in with.
    email: String,
    /// The name shown to others.
    display_name: String,
    /// At least 8 characters; the person changes it after signing in.
    password: String,
    /// `user` (default) or `admin`.
    #[serde(default = "default_role")]
    role: Role,
}

fn default_role() -> Role {
    Role::User
}

/// What to change; absent fields stay as they are.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UserUpdate {
    /// The name shown to others.
    display_name: Option<String>,
    /// `user` or `admin`.
    role: Option<Role>,
    /// Disabled accounts are refused at once, everywhere (sessions and API keys).
    disabled: Option<bool>,
}

/// A new password, set by an admin.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PasswordReset {
    /// At least 8 characters.
    password: String,
}

/// Accounts in the order they were created, a page at a time; or those matching `q`.
#[utoipa::path(get, path = "/api/admin/users", tag = "admin", params(UsersQuery),
    responses((status = 200, body = PageView<User>), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub(crate) async fn list(
    Admin(admin): Admin,
    Query(query): Query<UsersQuery>,
) -> ApiResult<axum::Json<PageView<User>>> {
    if let Some(q) = query.q {
        let items = admin.search_users(&q, query.limit.unwrap_or(50)).await?;
        return Ok(axum::Json(PageView { items, next: None }));
    }
    let page = admin.users(page_request(query.limit, query.cursor)).await?;
    Ok(axum::Json(page.into()))
}

/// Creates an account.
#[utoipa::path(post, path = "/api/admin/users", tag = "admin", request_body = NewUserRequest,
    responses((status = 201, body = User), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub(crate) async fn create(
    Admin(admin): Admin,
    Json(request): Json<NewUserRequest>,
) -> ApiResult<impl IntoResponse> {
    let account = NewAccount::new(request.email, request.display_name, request.password);
    let user = admin.create_user(account, request.role).await?;
    Ok((StatusCode::CREATED, axum::Json(user)))
}

/// One account.
#[utoipa::path(get, path = "/api/admin/users/{id}", tag = "admin",
    params(("id" = String, Path, description = "The account's id")),
    responses((status = 200, body = User), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn get(
    Admin(admin): Admin,
    PathId(id): PathId<UserId>,
) -> ApiResult<axum::Json<User>> {
    Ok(axum::Json(admin.user(id).await?))
}

/// Renames an account, changes its role, or disables (or enables) it; not the caller's own
/// role or state. Checked whole first: a refused change changes nothing.
#[utoipa::path(patch, path = "/api/admin/users/{id}", tag = "admin", request_body = UserUpdate,
    params(("id" = String, Path, description = "The account's id")),
    responses((status = 200, body = User), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(crate) async fn update(
    Admin(admin): Admin,
    PathId(id): PathId<UserId>,
    Json(update): Json<UserUpdate>,
) -> ApiResult<axum::Json<User>> {
    let change = UserChange {
        display_name: update.display_name,
        role: update.role,
        disabled: update.disabled,
    };
    Ok(axum::Json(admin.update_user(id, change).await?))
}

/// Sets a new password for an account and ends all its sessions.
#[utoipa::path(post, path = "/api/admin/users/{id}/password", tag = "admin",
    request_body = PasswordReset,
    params(("id" = String, Path, description = "The account's id")),
    responses((status = 204, description = "Set; the account's sessions ended"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn reset_password(
    Admin(admin): Admin,
    PathId(id): PathId<UserId>,
    Json(request): Json<PasswordReset>,
) -> ApiResult<StatusCode> {
    admin.reset_password(id, &request.password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes an account and everything it owns (conversations, documents, memory, usage,
/// sessions, keys); not the caller's own.
#[utoipa::path(delete, path = "/api/admin/users/{id}", tag = "admin",
    params(("id" = String, Path, description = "The account's id")),
    responses((status = 204, description = "Deleted"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn delete(
    Admin(admin): Admin,
    PathId(id): PathId<UserId>,
) -> ApiResult<StatusCode> {
    admin.delete_user(id).await?;
    Ok(StatusCode::NO_CONTENT)
}
