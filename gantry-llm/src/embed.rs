//! Embeddings from an OpenAI-compatible `/v1/embeddings` endpoint.

use std::sync::Arc;

use async_trait::async_trait;
use gantry_core::llm::Embedder;
use gantry_core::{Error, Result};

use crate::openai::OpenAiBackend;

/// Embeds through a backend's `/v1/embeddings`, in batches.
#[derive(Clone, Debug)]
pub struct HttpEmbedder {
    backend: Arc<OpenAiBackend>,
    model: String,
    model_id: String,
    dimension: usize,
    batch_size: usize,
}

impl HttpEmbedder {
    /// Connects to `model` on `backend`, embedding one probe text to learn the dimension.
    pub async fn connect(backend: Arc<OpenAiBackend>, model: impl Into<String>) -> Result<Self> {
        let model = model.into();
        let probe = backend
            .embed_with(&model, &["dimension probe".to_owned()])
            .await?;
        let dimension = probe.first().map_or(0, Vec::len);
        if dimension == 0 {
            return Err(Error::Protocol {
                backend: backend.id().clone(),
                what: "the probe embedding is empty".to_owned(),
            });
        }
        Ok(Self {
            model_id: format!("{}:{model}", backend.name()),
            backend,
            model,
            dimension,
            batch_size: 64,
        })
    }

    /// Texts per request (default 64).
    pub fn with_batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size.max(1);
        self
    }
}

#[async_trait]
impl Embedder for HttpEmbedder {
    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>> {
        let mut out = Vec::with_capacity(texts.len());
        for batch in texts.chunks(self.batch_size) {
            let vectors = self.backend.embed_with(&self.model, batch).await?;
            if let Some(bad) = vectors.iter().find(|v| v.len() != self.dimension) {
                return Err(Error::Protocol {
                    backend: self.backend.id().clone(),
                    what: format!(
                        "embedding has {} dimensions, expected {}",
                        bad.len(),
                        self.dimension
                    ),
                });
            }
            out.extend(vectors);
        }
        Ok(out)
    }

    fn dimension(&self) -> usize {
        self.dimension
    }

    fn model_id(&self) -> &str {
        &self.model_id
    }
}
