//! `GET /health`: the server answers (it does not wait on models or indexes). `GET /ready`:
//! whether it can do its work: the database answers, how far each index lags the store,
//! and whether the chat backends answer (probed with a short timeout, the answer kept for
//! a few seconds so a load balancer's polling does not become load on the models).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tokio::sync::Mutex;
use utoipa::ToSchema;

use crate::app::AppState;

/// How long a model probe may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a probe's answer is reused.
const PROBE_KEPT: Duration = Duration::from_secs(10);

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

/// What `/ready` found.
#[derive(Clone, Serialize, ToSchema)]
pub(crate) struct Readiness {
    /// `ready` when the database answers and the indexes are loaded; `loading` (status
    /// 503) while the vector index builds the graph it loaded at start; `unavailable`
    /// (503) when the database does not answer.
    status: &'static str,
    /// `ok`, or why the database did not answer.
    database: String,
    /// Changes the vector index has still to apply; absent without one.
    vector_lag: Option<i64>,
    /// Changes the keyword index has still to apply; absent without indexes.
    keyword_lag: Option<i64>,
    /// The chat backends.
    models: ModelProbe,
}

/// Whether the chat backends answered.
#[derive(Clone, Serialize, ToSchema)]
pub(crate) struct ModelProbe {
    /// `ok`, `unavailable`, or `none` (no backend configured).
    status: &'static str,
    /// Models offered, when they answered.
    models: usize,
    /// Why they did not answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    /// Seconds since this probe was made.
    age_seconds: u64,
}

/// The last model probe and when it was made.
#[derive(Clone, Default)]
pub(crate) struct ProbeCache(Arc<Mutex<Option<(Instant, ModelProbe)>>>);

impl ProbeCache {
    /// The kept probe if it is recent, else a new one (one at a time).
    async fn probe(&self, gantry: &gantry::Gantry) -> ModelProbe {
        let mut kept = self.0.lock().await;
        if let Some((at, probe)) = kept.as_ref()
            && at.elapsed() < PROBE_KEPT
        {
            let mut probe = probe.clone();
            probe.age_seconds = at.elapsed().as_secs();
            return probe;
        }
        let probe = if !gantry.has_chat_model() {
            ModelProbe {
                status: "none",
                models: 0,
                error: None,
                age_seconds: 0,
            }
        } else {
            match tokio::time::timeout(PROBE_TIMEOUT, gantry.models()).await {
                Ok(Ok(models)) => ModelProbe {
                    status: "ok",
                    models: models.len(),
                    error: None,
                    age_seconds: 0,
                },
                Ok(Err(error)) => unavailable(error.to_string()),
                Err(_) => unavailable(format!("no answer within {} s", PROBE_TIMEOUT.as_secs())),
            }
        };
        *kept = Some((Instant::now(), probe.clone()));
        probe
    }
}

fn unavailable(error: String) -> ModelProbe {
    ModelProbe {
        status: "unavailable",
        models: 0,
        error: Some(error),
        age_seconds: 0,
    }
}

/// Whether the server can do its work: 200 when the database answers and the indexes are
/// loaded, 503 when the database does not answer or the vector index is still building
/// what it loaded at start; index lag and the models' state either way (a model that is down leaves the server
/// ready: everything but chat still works).
#[utoipa::path(get, path = "/ready", tag = "system",
    responses((status = 200, body = Readiness), (status = 503, body = Readiness)))]
pub(crate) async fn ready(State(state): State<AppState>) -> Response {
    let models = state.model_probe.probe(&state.gantry).await;
    let (status, readiness) = match state.gantry.index_status().await {
        Ok(index) => (
            if index.vectors_loading {
                StatusCode::SERVICE_UNAVAILABLE
            } else {
                StatusCode::OK
            },
            Readiness {
                status: if index.vectors_loading {
                    "loading"
                } else {
                    "ready"
                },
                database: "ok".into(),
                vector_lag: index.vectors.map(|seq| (index.store_seq - seq).max(0)),
                keyword_lag: index.keywords.map(|seq| (index.store_seq - seq).max(0)),
                models,
            },
        ),
        Err(error) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Readiness {
                status: "unavailable",
                database: error.to_string(),
                vector_lag: None,
                keyword_lag: None,
                models,
            },
        ),
    };
    (status, Json(readiness)).into_response()
}
