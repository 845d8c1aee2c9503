//! This crate's parts plugged into the engine's ports (`gantry_core::engine::ports`).

use std::sync::Arc;

use async_trait::async_trait;
use gantry_core::Result;
use gantry_core::engine::ports::{
    DocumentReader, FactLearner, IndexSync, Retrieval, Retrieved, Retriever,
};
use gantry_core::ids::{DocumentId, UserId};
use gantry_core::index::SearchFilter;
use gantry_core::llm::Embedder;
use gantry_core::model::{Document, Message};
use gantry_core::store::DocumentStore;

use crate::graph::{ExtractionMode, GraphMemory, extract_turn};
use crate::hybrid::{HybridOptions, HybridSearch};
use crate::indexer::Indexer;
use crate::ingest::{IngestOptions, ingest};

/// Hybrid search as the engine's retriever, with fixed fusion settings (`k` comes from
/// each call).
#[derive(Debug)]
pub struct HybridRetriever {
    search: Arc<HybridSearch>,
    options: HybridOptions,
}

impl HybridRetriever {
    /// Retrieves with `search`, fusing as `options` say.
    pub fn new(search: Arc<HybridSearch>, options: HybridOptions) -> Self {
        Self { search, options }
    }
}

#[async_trait]
impl Retriever for HybridRetriever {
    async fn retrieve(&self, query: &str, filter: &SearchFilter, k: usize) -> Result<Retrieval> {
        if query.trim().is_empty() {
            return Ok(Retrieval::default());
        }
        let options = HybridOptions { k, ..self.options };
        let results = self.search.search(query, filter, &options).await?;
        let hits = results
            .hits
            .into_iter()
            .map(|hit| Retrieved {
                item: hit.item,
                score: hit.score,
                snippet: hit.snippet.to_html(),
                text: hit.text,
            })
            .collect();
        Ok(Retrieval {
            hits,
            timings: results.timings,
        })
    }
}

#[async_trait]
impl IndexSync for Indexer {
    fn nudge(&self) {
        Indexer::nudge(self);
    }

    async fn sync(&self) -> Result<()> {
        Indexer::sync(self).await.map(|_| ())
    }
}

/// Learns facts from users' messages into the knowledge graph.
#[derive(Debug)]
pub struct GraphLearner {
    graph: Arc<GraphMemory>,
    mode: ExtractionMode,
}

impl GraphLearner {
    /// Learns into `graph` the way `mode` says.
    pub fn new(graph: Arc<GraphMemory>, mode: ExtractionMode) -> Self {
        Self { graph, mode }
    }
}

#[async_trait]
impl FactLearner for GraphLearner {
    async fn learn(&self, owner: UserId, message: &Message) -> usize {
        extract_turn(
            &self.graph,
            &self.mode,
            owner,
            &message.content,
            Some(message.id),
        )
        .await
        .relations
    }
}

/// Reads uploads with [`ingest`]: extraction, chunking, embedding in bounded batches.
pub struct Ingestor {
    store: Arc<dyn DocumentStore>,
    embedder: Option<Arc<dyn Embedder>>,
    options: IngestOptions,
}

impl std::fmt::Debug for Ingestor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ingestor")
            .field("embedder", &self.embedder.as_ref().map(|e| e.model_id()))
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Ingestor {
    /// Saves chunks to `store`, embedded by `embedder` when there is one.
    pub fn new(
        store: Arc<dyn DocumentStore>,
        embedder: Option<Arc<dyn Embedder>>,
        options: IngestOptions,
    ) -> Self {
        Self {
            store,
            embedder,
            options,
        }
    }
}

#[async_trait]
impl DocumentReader for Ingestor {
    fn check(&self, filename: &str, bytes: &[u8]) -> Result<()> {
        crate::extract::FileKind::detect(filename, bytes).map(|_| ())
    }

    async fn read(
        &self,
        owner: UserId,
        document: DocumentId,
        filename: &str,
        bytes: Vec<u8>,
    ) -> Result<Document> {
        ingest(
            self.store.as_ref(),
            self.embedder.as_deref(),
            owner,
            document,
            filename,
            bytes,
            &self.options,
        )
        .await
    }
}
