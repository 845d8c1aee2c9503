//! The backends in use, replaceable while Gantry runs: when an admin adds or removes one,
//! the next request goes to the new set, and requests already streaming finish on the old.
//! With no backend, a fallback model (Gantry's in-process one) answers, if there is one.

use std::sync::{Arc, PoisonError, RwLock};

use async_trait::async_trait;
use gantry_core::llm::{ChatModel, ChatRequest, ChatResponse, ChatStream, ModelInfo};
use gantry_core::{Backend, Error, Result};

use crate::backends::Backends;

/// A [`ChatModel`] over whichever [`Backends`] are current; with none, the fallback model,
/// and with neither, every call is refused as no model configured.
#[derive(Default)]
pub struct LiveBackends {
    current: RwLock<Option<Arc<Backends>>>,
    fallback: Option<Arc<dyn ChatModel>>,
}

impl std::fmt::Debug for LiveBackends {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveBackends")
            .field("current", &self.current)
            .field("fallback", &self.fallback.is_some())
            .finish()
    }
}

/// The model a request goes to.
enum InUse {
    Backends(Arc<Backends>),
    Fallback(Arc<dyn ChatModel>),
}

impl InUse {
    fn model(&self) -> &dyn ChatModel {
        match self {
            Self::Backends(backends) => &**backends,
            Self::Fallback(model) => &**model,
        }
    }
}

impl LiveBackends {
    /// Starts with `backends` (or none).
    pub fn new(backends: Option<Backends>) -> Self {
        Self {
            current: RwLock::new(backends.map(Arc::new)),
            fallback: None,
        }
    }

    /// Answers with `model` whenever no backend is configured.
    pub fn with_fallback(mut self, model: Arc<dyn ChatModel>) -> Self {
        self.fallback = Some(model);
        self
    }

    /// Whether a fallback model is set.
    pub fn has_fallback(&self) -> bool {
        self.fallback.is_some()
    }

    /// Uses `backends` (or none) from the next request on.
    pub fn replace(&self, backends: Option<Backends>) {
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = backends.map(Arc::new);
    }

    /// The backends in use, if any.
    pub fn current(&self) -> Option<Arc<Backends>> {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn in_use(&self) -> Result<InUse> {
        if let Some(backends) = self.current() {
            return Ok(InUse::Backends(backends));
        }
        self.fallback.clone().map(InUse::Fallback).ok_or_else(|| {
            Error::unavailable(
                Backend::Component("chat model"),
                "no chat model is configured: an admin adds a model backend",
            )
        })
    }
}

#[async_trait]
impl ChatModel for LiveBackends {
    async fn complete(&self, request: ChatRequest) -> Result<ChatResponse> {
        self.in_use()?.model().complete(request).await
    }

    async fn stream(&self, request: ChatRequest) -> Result<ChatStream> {
        self.in_use()?.model().stream(request).await
    }

    async fn list_models(&self) -> Result<Vec<ModelInfo>> {
        match self.in_use() {
            Ok(model) => model.model().list_models().await,
            Err(_) => Ok(Vec::new()),
        }
    }
}
