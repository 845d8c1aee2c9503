//! Fault injection for what a real component cannot do on demand: a named fake around a
//! real embedder that refuses long inputs (as model servers with a small context do), is
//! down while told so, or panics once.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use async_trait::async_trait;
use gantry_core::llm::Embedder;
use gantry_core::{Backend, Error, Result};

/// Wraps a real embedder and injects faults into it.
pub struct FaultyEmbedder {
    inner: Arc<dyn Embedder>,
    /// A batch holding a text longer than this is refused, like a server whose context is
    /// too small for it (HTTP 500, as llama.cpp answers).
    pub max_text_bytes: usize,
    /// While set, every call fails as a server that does not answer would.
    pub down: AtomicBool,
    /// Calls that panic before the embedder works again.
    pub panics: AtomicUsize,
    /// Calls made (each batch counts once).
    pub calls: AtomicUsize,
}

impl FaultyEmbedder {
    /// `inner`, with no fault injected yet.
    pub fn new(inner: Arc<dyn Embedder>) -> Self {
        Self {
            inner,
            max_text_bytes: usize::MAX,
            down: AtomicBool::new(false),
            panics: AtomicUsize::new(0),
            calls: AtomicUsize::new(0),
        }
    }

    /// Refuses batches with a text over `max_text_bytes`.
    pub fn refusing_over(mut self, max_text_bytes: usize) -> Self {
        self.max_text_bytes = max_text_bytes;
        self
    }

    /// Sets whether the embedder is down.
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }
}

impl std::fmt::Debug for FaultyEmbedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaultyEmbedder")
            .field("inner", &self.inner.model_id())
            .field("max_text_bytes", &self.max_text_bytes)
            .field("down", &self.down)
            .finish_non_exhaustive()
    }
}

fn backend() -> Backend {
    Backend::Model {
        name: "faulty".into(),
        url: "http://127.0.0.1:9".into(),
    }
}

#[async_trait]
impl Embedder for FaultyEmbedder {
    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self
            .panics
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            panic!("injected panic in the embedder");
        }
        if self.down.load(Ordering::SeqCst) {
            return Err(Error::unavailable(
                backend(),
                "cannot connect: connection refused",
            ));
        }
        if let Some(long) = texts.iter().find(|t| t.len() > self.max_text_bytes) {
            return Err(Error::Backend {
                backend: backend(),
                status: Some(500),
                message: format!(
                    "input ({} bytes) is too large to process; increase the batch size",
                    long.len()
                ),
            });
        }
        self.inner.embed(texts).await
    }

    fn dimension(&self) -> usize {
        self.inner.dimension()
    }

    fn model_id(&self) -> &str {
        self.inner.model_id()
    }
}
