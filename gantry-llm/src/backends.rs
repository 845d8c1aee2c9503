//! Several named backends at once, seen as one [`ChatModel`].

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

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
}

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

    /// The backend serving `model`: from the cache, else by listing models again.
    async fn route(&self, model: Option<&str>) -> Result<&Arc<OpenAiBackend>> {
        let Some(model) = model else {
            return Ok(&self.backends[0]);
        };
        if let Some(i) = self.cached_route(model) {
            return Ok(&self.backends[i]);
        }
        if let Some(b) = self
            .backends
            .iter()
            .find(|b| b.config().default_model.as_deref() == Some(model))
        {
            return Ok(b);
        }
        self.list_models().await?;
        if let Some(i) = self.cached_route(model) {
            return Ok(&self.backends[i]);
        }
        if self.backends.len() == 1 {
            // A single backend may serve models it does not list (llama.cpp serves one
            // model under any name; Ollama pulls on demand): let it answer.
            return Ok(&self.backends[0]);
        }
        Err(Error::not_found(format!("model `{model}` on any backend")))
    }
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

    /// Models across every backend. A backend that cannot be reached is logged and
    /// skipped, unless none answers.
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
                        models.push(model);
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
