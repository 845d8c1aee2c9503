//! What Gantry remembers about the caller, and forgetting it.

use axum::http::StatusCode;
use gantry::engine::MemoryView;
use gantry::{EntityId, RelationId};

use crate::auth::Authed;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::PathId;

/// The entities and current facts of the caller's knowledge graph.
#[utoipa::path(get, path = "/api/memory", tag = "memory",
    responses((status = 200, body = MemoryView), (status = 401, body = ErrorBody)))]
pub(crate) async fn list(Authed(caller): Authed) -> ApiResult<axum::Json<MemoryView>> {
    Ok(axum::Json(caller.scope().memory().await?))
}

/// Forgets one fact; the next answer no longer sees it.
#[utoipa::path(delete, path = "/api/memory/facts/{id}", tag = "memory",
    params(("id" = String, Path, description = "The fact's id")),
    responses((status = 204, description = "Forgotten"), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(crate) async fn forget_fact(
    Authed(caller): Authed,
    PathId(id): PathId<RelationId>,
) -> ApiResult<StatusCode> {
    caller.scope().forget_fact(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Forgets an entity and every fact about it.
#[utoipa::path(delete, path = "/api/memory/entities/{id}", tag = "memory",
    params(("id" = String, Path, description = "The entity's id")),
    responses((status = 204, description = "Forgotten"), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(crate) async fn forget_entity(
    Authed(caller): Authed,
    PathId(id): PathId<EntityId>,
) -> ApiResult<StatusCode> {
    caller.scope().forget_entity(id).await?;
    Ok(StatusCode::NO_CONTENT)
}
