//! API keys for programs: shown once, listed by prefix, revoked.

use axum::http::StatusCode;
use axum::response::IntoResponse;
use gantry::ApiKeyId;
use gantry::model::ApiKey;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Authed;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{Json, PathId};

/// A key's name, to tell it apart.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewKeyRequest {
    /// E.g. `laptop script`.
    name: String,
}

/// A new key: the secret, shown this once, and what is kept of it.
#[derive(Serialize, ToSchema)]
pub(crate) struct NewKeyView {
    /// Send as `Authorization: Bearer`; only its hash is stored.
    key: String,
    /// The key as listed.
    info: ApiKey,
}

/// Creates an API key acting as the caller.
#[utoipa::path(post, path = "/api/auth/api-keys", tag = "accounts", request_body = NewKeyRequest,
    responses((status = 201, body = NewKeyView), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody)))]
pub(crate) async fn create(
    Authed(caller): Authed,
    Json(request): Json<NewKeyRequest>,
) -> ApiResult<impl IntoResponse> {
    let created = caller.scope().create_api_key(&request.name).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(NewKeyView {
            key: created.key,
            info: created.info,
        }),
    ))
}

/// The caller's keys (prefix, name, last use; never the secret).
#[utoipa::path(get, path = "/api/auth/api-keys", tag = "accounts",
    responses((status = 200, body = Vec<ApiKey>), (status = 401, body = ErrorBody)))]
pub(crate) async fn list(Authed(caller): Authed) -> ApiResult<axum::Json<Vec<ApiKey>>> {
    Ok(axum::Json(caller.scope().api_keys().await?))
}

/// Revokes a key at once.
#[utoipa::path(delete, path = "/api/auth/api-keys/{id}", tag = "accounts",
    params(("id" = String, Path, description = "The key's id")),
    responses((status = 204, description = "Revoked"), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(crate) async fn revoke(
    Authed(caller): Authed,
    PathId(id): PathId<ApiKeyId>,
) -> ApiResult<StatusCode> {
    caller.scope().revoke_api_key(id).await?;
    Ok(StatusCode::NO_CONTENT)
}
