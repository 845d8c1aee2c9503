//! The retrieval stack as Gantry runs it: a keyword index, a vector index when there is an
//! embedder, the indexer that keeps both in step with the store, and hybrid search over
//! them. The SDK, the benches, the examples and the tests all build it here, so the wiring
//! exists once: [`RetrievalStack::open`] on files, [`RetrievalStack::in_memory`] for
//! throwaway indexes, [`RetrievalStack::with_indexes`] around indexes of the caller's
//! choosing (the exact index in place of HNSW, say).

use std::path::Path;
use std::sync::Arc;

use gantry_core::llm::Embedder;
use gantry_core::store::ChangeFeed;
use gantry_core::{Error, Result};

use crate::hnsw::{HnswIndex, HnswParams, Opened};
use crate::hybrid::{HybridOptions, HybridSearch};
use crate::index::KeywordIndex;
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
    /// given; each starts empty, to be rebuilt from the store, when missing, damaged,
    /// built by another embedder or ahead of the store) and wires them to follow `store`. Loading the vector
    /// index runs on a blocking thread.
    pub async fn open(
        dir: &Path,
        store: Arc<dyn ChangeFeed>,
        embedder: Option<Arc<dyn Embedder>>,
        options: HybridOptions,
    ) -> Result<Self> {
        options.validate()?;
        let keywords = Arc::new(TantivyIndex::open(&dir.join("keyword"))?);
        let vectors = match embedder {
            Some(embedder) => {
                let file = dir.join("vectors.gvec");
                let (model, dimension) = (embedder.model_id().to_owned(), embedder.dimension());
                let path = file.clone();
                let (index, opened) = tokio::task::spawn_blocking(move || {
                    HnswIndex::open(&path, &model, dimension, HnswParams::default())
                })
                .await
                .map_err(|e| Error::internal_from("loading the vector index", e))??;
                if let Opened::Empty { reason } = &opened {
                    tracing::info!(%reason, "vector index starts empty and is rebuilt from the store");
                }
                Some(VectorSide {
                    index: Arc::new(index),
                    embedder,
                    path: Some(file),
                })
            }
            None => None,
        };
        let follower = follower_name(dir)?;
        let stack = Self::wire(store, vectors, keywords, options, Some(follower))?;
        stack.indexer.reconcile().await?;
        Ok(stack)
    }

    /// Empty in-memory indexes (HNSW when `embedder` is given, and the keyword index)
    /// following `store` from its first change: for tests, benches and throwaway stacks.
    pub fn in_memory(
        store: Arc<dyn ChangeFeed>,
        embedder: Option<Arc<dyn Embedder>>,
        options: HybridOptions,
    ) -> Result<Self> {
        let keywords = Arc::new(TantivyIndex::in_memory()?);
        let vectors = match embedder {
            Some(embedder) => Some(VectorSide {
                index: Arc::new(HnswIndex::new(embedder.dimension(), HnswParams::default())?),
                embedder,
                path: None,
            }),
            None => None,
        };
        Self::with_indexes(store, vectors, keywords, options)
    }

    /// Wires the given indexes to follow `store` and searches them with `options`.
    pub fn with_indexes(
        store: Arc<dyn ChangeFeed>,
        side: Option<VectorSide>,
        keywords: Arc<dyn KeywordIndex>,
        options: HybridOptions,
    ) -> Result<Self> {
        Self::wire(store, side, keywords, options, None)
    }

    fn wire(
        store: Arc<dyn ChangeFeed>,
        side: Option<VectorSide>,
        keywords: Arc<dyn KeywordIndex>,
        options: HybridOptions,
        follower: Option<String>,
    ) -> Result<Self> {
        options.validate()?;
        let search = Arc::new(HybridSearch::new(
            side.as_ref().map(|side| side.embedder.clone()),
            side.as_ref().map(|side| side.index.clone()),
            keywords.clone(),
        ));
        let mut indexer = Indexer::new(store, side, Some(keywords));
        if let Some(name) = follower {
            indexer = indexer.with_follower(name);
        }
        let indexer = Arc::new(indexer);
        let retriever = Arc::new(HybridRetriever::new(search.clone(), options));
        Ok(Self {
            indexer,
            search,
            retriever,
        })
    }
}

/// This data directory's name as a follower of the change feed: a random id kept in
/// `dir/follower`, made on first use, so instances sharing one database never collide.
fn follower_name(dir: &Path) -> Result<String> {
    let path = dir.join("follower");
    if let Ok(name) = std::fs::read_to_string(&path) {
        let name = name.trim();
        if !name.is_empty() {
            return Ok(name.to_owned());
        }
    }
    let name = format!("indexes-{}", uuid::Uuid::now_v7());
    std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(&path, &name))
        .map_err(|e| Error::internal_from(format!("writing {}", path.display()), e))?;
    Ok(name)
}
