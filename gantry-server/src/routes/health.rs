//! `GET /health`: the server answers (it does not wait on models or indexes).

use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

/// The server is up.
#[derive(Serialize, ToSchema)]
pub(crate) struct Health {
    /// Always `healthy` when the server answers.
    status: &'static str,
    /// Gantry's version.
    version: &'static str,
}

/// Whether the server is up.
#[utoipa::path(get, path = "/health", tag = "system", responses((status = 200, body = Health)))]
pub(crate) async fn health() -> Json<Health> {
    Json(Health {
        status: "healthy",
        version: gantry::VERSION,
    })
}
