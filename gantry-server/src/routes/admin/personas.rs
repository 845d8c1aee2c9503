//! System personas: global ones every user sees and picks, kept by admins.

use axum::http::StatusCode;
use axum::response::IntoResponse;
use gantry::PersonaId;
use gantry::model::Persona;

use crate::auth::Admin;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{Json, PathId};
use crate::routes::personas::PersonaRequest;

/// The global personas, by name.
#[utoipa::path(get, path = "/api/admin/personas", tag = "admin",
    responses((status = 200, body = Vec<Persona>), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub(crate) async fn list(Admin(admin): Admin) -> ApiResult<axum::Json<Vec<Persona>>> {
    Ok(axum::Json(admin.personas().await?))
}

/// Creates a global persona; `is_default` makes it everyone's default (users' own
/// defaults still win).
#[utoipa::path(post, path = "/api/admin/personas", tag = "admin", request_body = PersonaRequest,
    responses((status = 201, body = Persona), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn create(
    Admin(admin): Admin,
    Json(request): Json<PersonaRequest>,
) -> ApiResult<impl IntoResponse> {
    let persona = admin.create_persona(request.into()).await?;
    Ok((StatusCode::CREATED, axum::Json(persona)))
}

/// Replaces a global persona.
#[utoipa::path(patch, path = "/api/admin/personas/{id}", tag = "admin", request_body = PersonaRequest,
    params(("id" = String, Path, description = "The persona's id")),
    responses((status = 200, body = Persona), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(crate) async fn update(
    Admin(admin): Admin,
    PathId(id): PathId<PersonaId>,
    Json(request): Json<PersonaRequest>,
) -> ApiResult<axum::Json<Persona>> {
    Ok(axum::Json(admin.update_persona(id, request.into()).await?))
}

/// Deletes a global persona; conversations that used it fall back to the default.
#[utoipa::path(delete, path = "/api/admin/personas/{id}", tag = "admin",
    params(("id" = String, Path, description = "The persona's id")),
    responses((status = 204, description = "Deleted"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn delete(
    Admin(admin): Admin,
    PathId(id): PathId<PersonaId>,
) -> ApiResult<StatusCode> {
    admin.delete_persona(id).await?;
    Ok(StatusCode::NO_CONTENT)
}
