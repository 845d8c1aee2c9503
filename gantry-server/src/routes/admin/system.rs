//! The system's state for admins: versions, database, what it holds, how far each index
//! lags the store, the models, uptime.

use axum::extract::State;
use gantry::model::StoreStats;
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::Admin;
use crate::error::{ApiResult, ErrorBody};

/// What `GET /api/admin/system` reports.
#[derive(Serialize, ToSchema)]
pub(crate) struct SystemView {
    /// Gantry's version.
    version: &'static str,
    /// `sqlite` or `postgres`.
    database: &'static str,
    /// Seconds since this server started.
    uptime_seconds: u64,
    /// What the store holds (the indexes hold its messages and chunks).
    stored: StoreStats,
    /// The store's latest change.
    store_seq: i64,
    /// Changes the vector index has still to apply; absent without one.
    vector_lag: Option<i64>,
    /// Changes the keyword index has still to apply; absent without indexes.
    keyword_lag: Option<i64>,
    /// Items the embedder refused since start (found by keywords only).
    unembedded: u64,
    /// The embedder's model, absent without one (retrieval is then by keywords).
    embedder: Option<String>,
    /// Whether a chat backend is configured.
    chat_configured: bool,
    /// The models the backends offer now (empty when none answers).
    models: Vec<String>,
}

/// Versions, database, sizes, index lag, models and uptime.
#[utoipa::path(get, path = "/api/admin/system", tag = "admin",
    responses((status = 200, body = SystemView), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub(crate) async fn system(
    State(state): State<AppState>,
    Admin(admin): Admin,
) -> ApiResult<axum::Json<SystemView>> {
    let gantry = &state.gantry;
    let (stored, index) = tokio::try_join!(admin.stats(), gantry.index_status())?;
    let models =
        match tokio::time::timeout(std::time::Duration::from_secs(2), gantry.models()).await {
            Ok(Ok(models)) => models.into_iter().map(|m| m.id).collect(),
            _ => Vec::new(),
        };
    Ok(axum::Json(SystemView {
        version: gantry::VERSION,
        database: gantry.engine().database(),
        uptime_seconds: state.started.elapsed().as_secs(),
        stored,
        store_seq: index.store_seq,
        vector_lag: index.vectors.map(|seq| (index.store_seq - seq).max(0)),
        keyword_lag: index.keywords.map(|seq| (index.store_seq - seq).max(0)),
        unembedded: index.unembedded,
        embedder: gantry.embedder_id().map(str::to_owned),
        chat_configured: gantry.has_chat_model(),
        models,
    }))
}
