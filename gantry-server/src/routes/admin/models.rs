//! Model backends for admins: list them with their health, test a connection, add and
//! remove backends, set the default model, load and unload models (TabbyAPI). Changes take
//! effect at once, persist in the database and reach every server sharing it.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use gantry::{BackendConfig, BackendHealth, BackendKind, BackendView, LoadedModel};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::Admin;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Json, PathName};

/// A backend and what a probe of it found.
#[derive(Serialize, ToSchema)]
pub(crate) struct BackendEntry {
    /// Name, base URL, kind, default model, whether it has an API key (never the key), and
    /// `source`: `config` (the file or environment) or `admin` (added here, removable).
    #[schema(value_type = Object)]
    backend: BackendView,
    /// `ok`, the models it offers, the loaded one (TabbyAPI), the error, the latency.
    #[schema(value_type = Object)]
    health: BackendHealth,
}

/// A backend to add or test.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct BackendRequest {
    /// A name no backend has (to test, any).
    name: String,
    /// Its OpenAI-compatible base URL, e.g. `http://127.0.0.1:8080/v1`.
    base_url: String,
    /// `openai` (default), `tabbyapi`, `llamacpp`, `ollama` or `vllm`.
    kind: Option<String>,
    /// Sent as `Authorization: Bearer`; stored, never shown again.
    api_key: Option<String>,
    /// The model it answers with when a request names none.
    default_model: Option<String>,
}

impl BackendRequest {
    fn config(self) -> ApiResult<BackendConfig> {
        let kind = match self.kind.as_deref() {
            None => BackendKind::default(),
            Some(kind) => serde_json::from_value(serde_json::Value::String(kind.to_owned()))
                .map_err(|_| {
                    ApiError::invalid(
                        "kind",
                        format!("`{kind}` is not one of openai, tabbyapi, llamacpp, ollama, vllm"),
                    )
                })?,
        };
        let mut config = BackendConfig::new(self.name.trim(), self.base_url.trim());
        config.kind = kind;
        config.api_key = self.api_key.filter(|key| !key.is_empty());
        config.default_model = self.default_model.filter(|model| !model.is_empty());
        Ok(config)
    }
}

/// The default model to set.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DefaultModelRequest {
    /// The model; `null` goes back to the configured default.
    model: Option<String>,
}

/// A model to load.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LoadRequest {
    /// The model to load.
    model: String,
}

/// What a backend has loaded.
#[derive(Serialize, ToSchema)]
pub(crate) struct LoadedView {
    /// The model loaded, if any.
    loaded: Option<String>,
    /// `true` for backends that load whatever a request names (nothing to switch).
    on_demand: bool,
}

impl From<LoadedModel> for LoadedView {
    fn from(loaded: LoadedModel) -> Self {
        match loaded {
            LoadedModel::Loaded(model) => Self {
                loaded: Some(model),
                on_demand: false,
            },
            LoadedModel::None => Self {
                loaded: None,
                on_demand: false,
            },
            LoadedModel::OnDemand => Self {
                loaded: None,
                on_demand: true,
            },
        }
    }
}

/// Every backend with its health (each probed at once, within 3 s).
#[utoipa::path(get, path = "/api/admin/backends", tag = "admin",
    responses((status = 200, body = Vec<BackendEntry>), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub(crate) async fn list(
    State(state): State<AppState>,
    Admin(admin): Admin,
) -> ApiResult<axum::Json<Vec<BackendEntry>>> {
    let backends = state.gantry.model_backends(&admin).await?;
    Ok(axum::Json(
        backends
            .into_iter()
            .map(|(backend, health)| BackendEntry { backend, health })
            .collect(),
    ))
}

/// Adds a backend, in use at once here and on every server sharing the database.
#[utoipa::path(post, path = "/api/admin/backends", tag = "admin", request_body = BackendRequest,
    responses((status = 201, description = "The backend as listed", body = Object),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn add(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Json(request): Json<BackendRequest>,
) -> ApiResult<impl IntoResponse> {
    let view = state.gantry.add_backend(&admin, request.config()?).await?;
    Ok((StatusCode::CREATED, axum::Json(view)))
}

/// Tries a backend without adding it: whether it answers and what it offers.
#[utoipa::path(post, path = "/api/admin/backends/test", tag = "admin", request_body = BackendRequest,
    responses((status = 200, description = "What the probe found", body = Object),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub(crate) async fn test(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Json(request): Json<BackendRequest>,
) -> ApiResult<axum::Json<BackendHealth>> {
    Ok(axum::Json(
        state.gantry.test_backend(&admin, request.config()?).await?,
    ))
}

/// Removes a backend an admin added (a configured one is 409: change the configuration).
#[utoipa::path(delete, path = "/api/admin/backends/{name}", tag = "admin",
    params(("name" = String, Path, description = "The backend's name")),
    responses((status = 204, description = "Removed"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub(crate) async fn remove(
    State(state): State<AppState>,
    Admin(admin): Admin,
    PathName(name): PathName,
) -> ApiResult<StatusCode> {
    state.gantry.remove_backend(&admin, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Loads a model on a backend that switches models (TabbyAPI); others answer `on_demand`.
#[utoipa::path(post, path = "/api/admin/backends/{name}/load", tag = "admin",
    request_body = LoadRequest,
    params(("name" = String, Path, description = "The backend's name")),
    responses((status = 200, body = LoadedView), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 502, body = ErrorBody),
        (status = 503, body = ErrorBody)))]
pub(crate) async fn load(
    State(state): State<AppState>,
    Admin(admin): Admin,
    PathName(name): PathName,
    Json(request): Json<LoadRequest>,
) -> ApiResult<axum::Json<LoadedView>> {
    let loaded = state
        .gantry
        .switch_model(&admin, &name, Some(&request.model))
        .await?;
    Ok(axum::Json(loaded.into()))
}

/// Unloads the model a backend has loaded (TabbyAPI); others answer `on_demand`.
#[utoipa::path(post, path = "/api/admin/backends/{name}/unload", tag = "admin",
    params(("name" = String, Path, description = "The backend's name")),
    responses((status = 200, body = LoadedView), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 502, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub(crate) async fn unload(
    State(state): State<AppState>,
    Admin(admin): Admin,
    PathName(name): PathName,
) -> ApiResult<axum::Json<LoadedView>> {
    let loaded = state.gantry.switch_model(&admin, &name, None).await?;
    Ok(axum::Json(loaded.into()))
}

/// Sets the model that answers when nothing names one, at once and everywhere.
#[utoipa::path(put, path = "/api/admin/models/default", tag = "admin",
    request_body = DefaultModelRequest,
    responses((status = 204, description = "Set"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn set_default(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Json(request): Json<DefaultModelRequest>,
) -> ApiResult<StatusCode> {
    state
        .gantry
        .set_default_model(&admin, request.model)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
