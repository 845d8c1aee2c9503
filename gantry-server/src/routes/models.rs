//! The models a user may choose.

use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::Authed;
use crate::error::{ApiResult, ErrorBody};

/// A model a user may answer with.
#[derive(Serialize, ToSchema)]
pub(crate) struct ModelView {
    /// The name to send as `model`.
    id: String,
    /// Its name to show (the id).
    name: String,
    /// The configured backend that serves it.
    backend: String,
    /// Whether it answers when a turn names no model.
    active: bool,
}

/// The model that answers when a turn names none.
#[derive(Serialize, ToSchema)]
pub(crate) struct ActiveModel {
    /// `null` when the backend picks (none is configured as the default).
    model: Option<ModelName>,
}

/// A model's id and name.
#[derive(Serialize, ToSchema)]
pub(crate) struct ModelName {
    id: String,
    name: String,
}

/// The models on offer.
#[derive(Serialize, ToSchema)]
pub(crate) struct ModelList {
    /// Empty when no backend is configured or none answers.
    models: Vec<ModelView>,
}

/// The models the backends offer (those the admin allows); empty when none answers.
#[utoipa::path(get, path = "/api/models", tag = "models",
    responses((status = 200, body = ModelList), (status = 401, body = ErrorBody)))]
pub(crate) async fn list(
    State(state): State<AppState>,
    Authed(_caller): Authed,
) -> ApiResult<axum::Json<ModelList>> {
    let models = match state.gantry.models().await {
        Ok(models) => models,
        Err(error) => {
            tracing::warn!(%error, "listing models failed");
            Vec::new()
        }
    };
    let default = state.gantry.engine().default_model();
    Ok(axum::Json(ModelList {
        models: models
            .into_iter()
            .map(|m| ModelView {
                active: default.as_deref() == Some(m.id.as_str()),
                name: m.id.clone(),
                id: m.id,
                backend: m.backend,
            })
            .collect(),
    }))
}

/// The model that answers when a turn names none.
#[utoipa::path(get, path = "/api/models/active", tag = "models",
    responses((status = 200, body = ActiveModel), (status = 401, body = ErrorBody)))]
pub(crate) async fn active(
    State(state): State<AppState>,
    Authed(_caller): Authed,
) -> axum::Json<ActiveModel> {
    let model = state.gantry.engine().default_model().map(|id| ModelName {
        name: id.clone(),
        id,
    });
    axum::Json(ActiveModel { model })
}
