//! Personas: the caller's own and the global ones (readable, not editable here).

use axum::http::StatusCode;
use axum::response::IntoResponse;
use gantry::PersonaId;
use gantry::model::{NewPersona, Persona};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::Authed;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{Json, PathId};

/// A persona: a system prompt with defaults.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PersonaRequest {
    /// Shown in the picker.
    name: String,
    /// Put in front of every conversation that uses it.
    system_prompt: String,
    /// The model to answer with.
    default_model: Option<String>,
    /// Sampling temperature, 0 to 2.
    temperature: Option<f32>,
    /// Make it the caller's default (replacing their previous default).
    #[serde(default)]
    is_default: bool,
}

impl From<PersonaRequest> for NewPersona {
    fn from(request: PersonaRequest) -> Self {
        Self {
            name: request.name,
            system_prompt: request.system_prompt,
            default_model: request.default_model,
            temperature: request.temperature,
            is_default: request.is_default,
        }
    }
}

/// The global personas and the caller's own, by name.
#[utoipa::path(get, path = "/api/personas", tag = "personas",
    responses((status = 200, body = Vec<Persona>), (status = 401, body = ErrorBody)))]
pub(crate) async fn list(Authed(caller): Authed) -> ApiResult<axum::Json<Vec<Persona>>> {
    Ok(axum::Json(caller.scope().personas().await?))
}

/// Creates one of the caller's personas.
#[utoipa::path(post, path = "/api/personas", tag = "personas", request_body = PersonaRequest,
    responses((status = 201, body = Persona), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub(crate) async fn create(
    Authed(caller): Authed,
    Json(request): Json<PersonaRequest>,
) -> ApiResult<impl IntoResponse> {
    let persona = caller.scope().create_persona(request.into()).await?;
    Ok((StatusCode::CREATED, axum::Json(persona)))
}

/// One persona the caller can use (theirs or global).
#[utoipa::path(get, path = "/api/personas/{id}", tag = "personas",
    params(("id" = String, Path, description = "The persona's id")),
    responses((status = 200, body = Persona), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(crate) async fn get(
    Authed(caller): Authed,
    PathId(id): PathId<PersonaId>,
) -> ApiResult<axum::Json<Persona>> {
    Ok(axum::Json(caller.scope().persona(id).await?))
}

/// Replaces one of the caller's personas (global ones: 404).
#[utoipa::path(patch, path = "/api/personas/{id}", tag = "personas",
    params(("id" = String, Path, description = "The persona's id")),
    request_body = PersonaRequest,
    responses((status = 200, body = Persona), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn update(
    Authed(caller): Authed,
    PathId(id): PathId<PersonaId>,
    Json(request): Json<PersonaRequest>,
) -> ApiResult<axum::Json<Persona>> {
    Ok(axum::Json(
        caller.scope().update_persona(id, request.into()).await?,
    ))
}

/// Deletes one of the caller's personas; conversations that used it fall back to the
/// default.
#[utoipa::path(delete, path = "/api/personas/{id}", tag = "personas",
    params(("id" = String, Path, description = "The persona's id")),
    responses((status = 204, description = "Deleted"), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(crate) async fn delete(
    Authed(caller): Authed,
    PathId(id): PathId<PersonaId>,
) -> ApiResult<StatusCode> {
    caller.scope().delete_persona(id).await?;
    Ok(StatusCode::NO_CONTENT)
}
