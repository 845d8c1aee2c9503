//! Several named backends at once, seen as one [`ChatModel`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use gantry_core::llm::{ChatModel, ChatRequest, ChatResponse, ChatStream, ModelInfo};
use gantry_core::{Error, Result};

use crate::config::BackendConfig;
use crate::openai::OpenAiBackend;

/// The configured backends (say a llama.cpp box and an OpenAI key side by side). A request
/// goes to the backend that lists its model; a request without a model goes to the first.
#[derive(Debug)]
pub struct Backends {
    backends: Vec<Arc<OpenAiBackend>>,
    /// Model id -> index into `backends`, refreshed when a model is not found.
    routes: RwLock<HashMap<String, usize>>,
    /// When the models were last listed: an unknown name lists them again at most every
    /// [`RELIST_EVERY`], so a stream of made-up names cannot keep every backend busy.
    listed: Mutex<Option<Instant>>,
}

/// The least time between two listings of every backend's models for unknown names.
const RELIST_EVERY: Duration = Duration::from_secs(30);

impl Backends {
    /// Clients for every config. Names must be unique; at least one backend is required.
    pub fn new(configs: Vec<BackendConfig>) -> Result<Self> {
        if configs.is_empty() {
            return Err(Error::invalid("backends", "configure at least one backend"));
        }
        let mut seen = std::collections::HashSet::new();
        for config in &configs {
            if !seen.insert(config.name.clone()) {
                return Err(Error::invalid(
                    "backends",
                    format!("two backends are named `{}`", config.name),
                ));
            }
        }
        let backends = configs
            .into_iter()
            .map(|c| OpenAiBackend::new(c).map(Arc::new))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            backends,
            routes: RwLock::new(HashMap::new()),
            listed: Mutex::new(None),
        })
    }

    /// The backend called `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<OpenAiBackend>> {
        self.backends.iter().find(|b| b.name() == name)
    }

    /// Every backend, in configuration order.
    pub fn all(&self) -> &[Arc<OpenAiBackend>] {
        &self.backends
    }

    fn cached_route(&self, model: &str) -> Option<usize> {
        self.routes.read().ok()?.get(model).copied()
    }

    /// The backend serving `model`, if users may choose it there: the backend must list
    /// it (or name it as its default or in `allowed_models`), and when `allowed_models`
    /// is set, it must be in it. Anything else is refused, so a user cannot send turns to a
    /// model the admin did not offer (an expensive one, or one Ollama would pull).
    async fn route(&self, model: Option<&str>) -> Result<&Arc<OpenAiBackend>> {
        let Some(model) = model else {
            return Ok(&self.backends[0]);
        };
        let backend = self.find(model).await?;
        if !allows(backend, model) {
            return Err(Error::forbidden(format!(
                "the model `{model}` is not offered on `{}`; choose another or ask an admin",
                backend.name()
            )));
        }
        Ok(backend)
    }

    /// The backend that has `model`: from the cache, its configuration, else by listing
    /// models again (at most every [`RELIST_EVERY`]).
    async fn find(&self, model: &str) -> Result<&Arc<OpenAiBackend>> {
        if let Some(i) = self.cached_route(model) {
            return Ok(&self.backends[i]);
        }
        let configured = |b: &&Arc<OpenAiBackend>| {
            let config = b.config();
            config.default_model.as_deref() == Some(model)
                || config
                    .allowed_models
                    .as_ref()
                    .is_some_and(|list| list.iter().any(|m| m == model))
        };
        if let Some(b) = self.backends.iter().find(configured) {
            return Ok(b);
        }
        let due = {
            let mut listed = self.listed.lock().unwrap_or_else(PoisonError::into_inner);
            let due = listed.is_none_or(|at| at.elapsed() >= RELIST_EVERY);
            if due {
                *listed = Some(Instant::now());
            }
            due
        };
        if due {
            self.list_models().await?;
            if let Some(i) = self.cached_route(model) {
                return Ok(&self.backends[i]);
            }
        }
        Err(Error::not_found(format!("model `{model}` on any backend")))
    }
}

/// Whether users may choose `model` on `backend`.
fn allows(backend: &OpenAiBackend, model: &str) -> bool {
    backend
        .config()
        .allowed_models
        .as_ref()
        .is_none_or(|list| list.iter().any(|m| m == model))
}

#[async_trait]
impl ChatModel for Backends {
    async fn complete(&self, request: ChatRequest) -> Result<ChatResponse> {
        self.route(request.model.as_deref())
            .await?
            .complete(request)
            .await
    }

    async fn stream(&self, request: ChatRequest) -> Result<ChatStream> {
        self.route(request.model.as_deref())
            .await?
            .stream(request)
            .await
    }

    /// Models across every backend that users may choose (see `allowed_models`). A
    /// backend that cannot be reached is logged and skipped, unless none answers.
    async fn list_models(&self) -> Result<Vec<ModelInfo>> {
        let answers =
            futures::future::join_all(self.backends.iter().map(|b| b.list_models())).await;
        let mut models = Vec::new();
        let mut routes = HashMap::new();
        let mut last_error = None;
        for (i, answer) in answers.into_iter().enumerate() {
            match answer {
                Ok(list) => {
                    for model in list {
                        routes.entry(model.id.clone()).or_insert(i);
                        // Listed only where users may choose it.
                        if allows(&self.backends[i], &model.id) {
                            models.push(model);
                        }
                    }
                }
                Err(e) => {
                    tracing::warn!(backend = self.backends[i].name(), error = %e, "listing models failed");
                    last_error = Some(e);
                }
            }
        }
        if let (true, Some(e)) = (models.is_empty(), last_error) {
            return Err(e);
        }
        if let Ok(mut cache) = self.routes.write() {
            *cache = routes;
        }
        Ok(models)
    }
}
