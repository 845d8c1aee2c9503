//! [`Gantry`]: the store, the language models, the indexes and the knowledge graph, opened
//! and wired together from a [`Config`].

use std::sync::Arc;
use std::time::Duration;

use gantry_core::index::{KeywordIndex, VectorIndex};
use gantry_core::llm::Embedder;
use gantry_core::store::GraphStore;
use gantry_core::{Error, Result, Store};
use gantry_llm::{Backends, HttpEmbedder, MiniLmEmbedder};
use gantry_memory::{
    GraphMemory, HnswIndex, HnswParams, HybridSearch, Indexer, Opened, TantivyIndex, VectorSide,
};
use gantry_store::SqliteStore;

use crate::config::Config;

/// How often the background indexer looks for changes when nobody nudges it.
const INDEX_EVERY: Duration = Duration::from_secs(2);
/// How often the vector index is saved while it changes.
const SAVE_EVERY: Duration = Duration::from_secs(60);

/// An open Gantry: everything a front end needs, over one data directory.
pub struct Gantry {
    config: Config,
    store: Arc<dyn Store>,
    chat: Option<Arc<Backends>>,
    embedder: Option<Arc<dyn Embedder>>,
    indexer: Arc<Indexer>,
    search: HybridSearch,
    graph: GraphMemory,
    background: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for Gantry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gantry")
            .field("config", &self.config)
            .field("store", &self.store.backend())
            .field("embedder", &self.embedder.as_ref().map(|e| e.model_id()))
            .finish_non_exhaustive()
    }
}

fn blocking_failed(what: &str, error: tokio::task::JoinError) -> Error {
    Error::internal(format!("{what}: {error}"))
}

impl Gantry {
    /// Opens (creating and migrating where needed) the store, the backends, the embedder
    /// (the local MiniLM model when `minilm_dir` is set, else the first backend's
    /// `embedding_model`, else none: keyword retrieval alone, with a warning), and the
    /// indexes in `<data_dir>/index`, which a background task brings in step with the
    /// store and keeps there (`indexer().catch_up()` waits until they are).
    pub async fn open(config: Config) -> Result<Self> {
        config.validate()?;
        let store: Arc<dyn Store> = match &config.database_url {
            Some(url) => crate::open_store(url).await?,
            None => Arc::new(SqliteStore::open(config.data_dir.join("gantry.db")).await?),
        };
        let chat = if config.backends.is_empty() {
            None
        } else {
            Some(Arc::new(Backends::new(config.backends.clone())?))
        };
        let embedder: Option<Arc<dyn Embedder>> = match (
            &config.minilm_dir,
            &config.embedding_model,
        ) {
            (Some(dir), _) => {
                let dir = dir.clone();
                let model = tokio::task::spawn_blocking(move || MiniLmEmbedder::load(dir))
                    .await
                    .map_err(|e| blocking_failed("loading the embedder", e))??;
                Some(Arc::new(model))
            }
            (None, Some(model)) => match chat.as_ref().and_then(|c| c.all().first().cloned()) {
                Some(backend) => Some(Arc::new(
                    HttpEmbedder::connect(backend, model.clone()).await?,
                )),
                None => {
                    return Err(Error::invalid(
                        "embedding_model",
                        "is set but no backend is configured to serve it",
                    ));
                }
            },
            (None, None) => {
                tracing::warn!(
                    "no embedder configured (minilm_dir or embedding_model): retrieval uses keywords alone"
                );
                None
            }
        };

        let index_dir = config.data_dir.join("index");
        let keywords = Arc::new(TantivyIndex::open(&index_dir.join("keyword"))?);
        let vectors = match &embedder {
            Some(embedder) => {
                let path = index_dir.join("vectors.gvec");
                let (model, dimension) = (embedder.model_id().to_owned(), embedder.dimension());
                let file = path.clone();
                let (index, opened) = tokio::task::spawn_blocking(move || {
                    HnswIndex::open(&file, &model, dimension, HnswParams::default())
                })
                .await
                .map_err(|e| blocking_failed("loading the vector index", e))??;
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
            store.clone(),
            vectors.clone(),
            Some(keywords.clone() as Arc<dyn KeywordIndex>),
        ));
        // Catching up can mean embedding a whole store (a new embedder, a lost index):
        // the background task does it, starting now, so opening stays quick.
        let background = indexer.spawn(INDEX_EVERY, SAVE_EVERY);
        indexer.nudge();
        let search = HybridSearch::new(
            embedder.clone(),
            vectors.map(|side| side.index as Arc<dyn VectorIndex>),
            keywords,
        );
        let graph = GraphMemory::new(store.clone() as Arc<dyn GraphStore>);
        Ok(Self {
            config,
            store,
            chat,
            embedder,
            indexer,
            search,
            graph,
            background,
        })
    }

    /// The settings it was opened with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The store: the truth everything else is derived from.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The configured backends as one chat model, if any are configured.
    pub fn chat(&self) -> Option<&Arc<Backends>> {
        self.chat.as_ref()
    }

    /// The embedder, if one is configured.
    pub fn embedder(&self) -> Option<&Arc<dyn Embedder>> {
        self.embedder.as_ref()
    }

    /// Hybrid (or keyword-only) search over every user's messages and document chunks;
    /// callers always pass the user's filter.
    pub fn search(&self) -> &HybridSearch {
        &self.search
    }

    /// The indexer: `catch_up()` makes everything written so far searchable now.
    pub fn indexer(&self) -> &Arc<Indexer> {
        &self.indexer
    }

    /// The knowledge graph.
    pub fn graph(&self) -> &GraphMemory {
        &self.graph
    }

    /// Stops the background indexer, applies what is left and saves the vector index.
    pub async fn close(self) -> Result<()> {
        self.background.abort();
        self.indexer.catch_up().await?;
        self.indexer.save().await
    }
}

impl Drop for Gantry {
    fn drop(&mut self) {
        self.background.abort();
    }
}
