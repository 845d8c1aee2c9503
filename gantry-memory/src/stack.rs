//! The retrieval stack as Gantry runs it, opened in one call: a keyword index, a vector
//! index when there is an embedder, the indexer that keeps both in step with the store, and
//! hybrid search over them. The SDK, the benches and the tests all open it here, so the
//! wiring exists once.

use std::path::Path;
use std::sync::Arc;

use crate::index::{KeywordIndex, VectorIndex};
use gantry_core::llm::Embedder;
use gantry_core::store::ChangeFeed;
use gantry_core::{Error, Result};

use crate::hnsw::{HnswIndex, HnswParams, Opened};
use crate::hybrid::{HybridOptions, HybridSearch};
use crate::indexer::{Indexer, VectorSide};
use crate::keyword::TantivyIndex;
use crate::ports::HybridRetriever;

/// The open retrieval stack.
#[derive(Debug, Clone)]
pub struct RetrievalStack {
    /// Keeps the indexes in step with the store (run it with [`Indexer::spawn`]).
    pub indexer: Arc<Indexer>,
    /// Hybrid (or, without an embedder, keyword-only) search over every user's items: a
    /// caller always passes the user's filter. The engine reaches it through `retriever`.
    pub search: Arc<HybridSearch>,
    /// The engine's port onto `search`, with the configured options.
    pub retriever: Arc<HybridRetriever>,
}

impl RetrievalStack {
    /// Opens the indexes under `dir` (`keyword/`, and `vectors.gvec` when `embedder` is
    /// given; each starts empty, to be rebuilt from the store, when missing, damaged or
    /// built by another embedder) and wires them to follow `store`. Loading the vector
    /// index runs on a blocking thread.
    pub async fn open(
        dir: &Path,
        store: Arc<dyn ChangeFeed>,
        embedder: Option<Arc<dyn Embedder>>,
        options: HybridOptions,
    ) -> Result<Self> {
        options.validate()?;
        let keywords = Arc::new(TantivyIndex::open(&dir.join("keyword"))?);
        let vectors = match &embedder {
            Some(embedder) => {
                let path = dir.join("vectors.gvec");
                let (model, dimension) = (embedder.model_id().to_owned(), embedder.dimension());
                let file = path.clone();
                let (index, opened) = tokio::task::spawn_blocking(move || {
                    HnswIndex::open(&file, &model, dimension, HnswParams::default())
                })
                .await
                .map_err(|e| Error::internal_from("loading the vector index", e))??;
                if let Opened::Empty { reason } = &opened {
                    tracing::info!(%reason, "vector index starts empty and is rebuilt from the store");
                }
                Some(VectorSide {
                    index: Arc::new(index),
                    embedder: embedder.clone(),
                    path: Some(path),
                })
            }
            None => None,
        };
        let indexer = Arc::new(Indexer::new(
            store,
            vectors.clone(),
            Some(keywords.clone() as Arc<dyn KeywordIndex>),
        ));
        let search = Arc::new(HybridSearch::new(
            embedder,
            vectors.map(|side| side.index as Arc<dyn VectorIndex>),
            keywords,
        ));
        let retriever = Arc::new(HybridRetriever::new(search.clone(), options));
        Ok(Self {
            indexer,
            search,
            retriever,
        })
    }
}
