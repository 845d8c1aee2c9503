//! The backends in use, replaceable while Gantry runs: when an admin adds or removes one,
//! the next request goes to the new set, and requests already streaming finish on the old.

use std::sync::{Arc, PoisonError, RwLock};

use async_trait::async_trait;
use gantry_core::llm::{ChatModel, ChatRequest, ChatResponse, ChatStream, ModelInfo};
use gantry_core::{Backend, Error, Result};

use crate::backends::Backends;

/// A [`ChatModel`] over whichever [`Backends`] are current (or none: every call is then
/// refused as no model configured).
#[derive(Debug, Default)]
pub struct LiveBackends {
    current: RwLock<Option<Arc<Backends>>>,
}

impl LiveBackends {
    /// Starts with `backends` (or none).
    pub fn new(backends: Option<Backends>) -> Self {
        Self {
            current: RwLock::new(backends.map(Arc::new)),
        }
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

    fn in_use(&self) -> Result<Arc<Backends>> {
        self.current().ok_or_else(|| {
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
        self.in_use()?.complete(request).await
    }

    async fn stream(&self, request: ChatRequest) -> Result<ChatStream> {
        self.in_use()?.stream(request).await
    }

    async fn list_models(&self) -> Result<Vec<ModelInfo>> {
        match self.current() {
            Some(backends) => backends.list_models().await,
            None => Ok(Vec::new()),
        }
    }
}
