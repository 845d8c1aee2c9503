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
    /// The configured backend that serves it.
    backend: String,
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
    Ok(axum::Json(ModelList {
        models: models
            .into_iter()
            .map(|m| ModelView {
                id: m.id,
                backend: m.backend,
            })
            .collect(),
    }))
}
