//! [`Gantry`]: the store, the language models, the indexes and the knowledge graph, opened
//! and wired together from a [`Config`].

use std::sync::Arc;
use std::time::Duration;

use gantry_core::engine::{Engine, EngineParts};
use gantry_core::index::{KeywordIndex, VectorIndex};
use gantry_core::llm::{ChatModel, Embedder};
use gantry_core::store::GraphStore;
use gantry_core::{Error, Result, Store};
use gantry_llm::{Backends, HttpEmbedder, MiniLmEmbedder};
use gantry_memory::{
    ExtractionMode, GraphLearner, GraphMemory, HnswIndex, HnswParams, HybridOptions,
    HybridRetriever, HybridSearch, Indexer, IngestOptions, Ingestor, LlmExtractor, Opened,
    TantivyIndex, VectorSide, approx_tokens,
};
use gantry_store::SqliteStore;

use crate::config::{Config, Extraction};

/// How often the background indexer looks for changes when nobody nudges it.
const INDEX_EVERY: Duration = Duration::from_secs(2);
/// How often the vector index is saved while it changes.
const SAVE_EVERY: Duration = Duration::from_secs(60);

/// An open Gantry: the [`Engine`] (every chat, document, search and admin call; reach it
/// through `Deref`, e.g. `gantry.chat(..)`) and the parts it was built from.
pub struct Gantry {
    config: Config,
    engine: Engine,
    chat: Option<Arc<dyn ChatModel>>,
    embedder: Option<Arc<dyn Embedder>>,
    indexer: Arc<Indexer>,
    search: Arc<HybridSearch>,
    graph: Arc<GraphMemory>,
    background: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for Gantry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gantry")
            .field("config", &self.config)
            .field("store", &self.engine.store().backend())
            .field("embedder", &self.embedder.as_ref().map(|e| e.model_id()))
            .finish_non_exhaustive()
    }
}

fn blocking_failed(what: &str, error: tokio::task::JoinError) -> Error {
    Error::internal(format!("{what}: {error}"))
}

/// The store `config` names: `database_url`, or the SQLite file in `data_dir`.
async fn configured_store(config: &Config) -> Result<Arc<dyn Store>> {
    Ok(match &config.database_url {
        Some(url) => crate::open_store(url).await?,
        None => Arc::new(SqliteStore::open(config.data_dir.join("gantry.db")).await?),
    })
}

impl Gantry {
    /// Opens (creating and migrating where needed) the store, the backends, the embedder
    /// (the local MiniLM model when `minilm_dir` is set, else the first backend's
    /// `embedding_model`, else none: keyword retrieval alone, with a warning), and the
    /// indexes in `<data_dir>/index`, which a background task brings in step with the
    /// store and keeps there (`indexer().catch_up()` waits until they are).
    pub async fn open(config: Config) -> Result<Self> {
        config.validate()?;
        let store = configured_store(&config).await?;
        Self::open_with(config, store, None).await
    }

    /// Like [`Self::open`], answering with `model` instead of the configured backends
    /// (which still serve embeddings when `embedding_model` is set).
    pub async fn open_with_chat(config: Config, model: Arc<dyn ChatModel>) -> Result<Self> {
        config.validate()?;
        let store = configured_store(&config).await?;
        Self::open_with(config, store, Some(model)).await
    }

    /// Like [`Self::open`], on a store the caller opened (the data directory still holds
    /// the indexes), answering with `model` when one is given.
    pub async fn open_with(
        config: Config,
        store: Arc<dyn Store>,
        model: Option<Arc<dyn ChatModel>>,
    ) -> Result<Self> {
        config.validate()?;
        let backends = if config.backends.is_empty() {
            None
        } else {
            Some(Arc::new(Backends::new(config.backends.clone())?))
        };
        let chat: Option<Arc<dyn ChatModel>> =
            model.or_else(|| backends.clone().map(|b| b as Arc<dyn ChatModel>));
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
            (None, Some(model)) => match backends.as_ref().and_then(|c| c.all().first().cloned()) {
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
        let search = Arc::new(HybridSearch::new(
            embedder.clone(),
            vectors.map(|side| side.index as Arc<dyn VectorIndex>),
            keywords,
        ));
        let graph = Arc::new(GraphMemory::new(store.clone() as Arc<dyn GraphStore>));
        let mode = match (config.extraction, &chat) {
            (Extraction::Off, _) => ExtractionMode::Off,
            (Extraction::Deterministic, _) => ExtractionMode::Deterministic,
            (Extraction::Llm, Some(chat)) => ExtractionMode::Llm(LlmExtractor::new(
                chat.clone(),
                config.engine_settings().default_model,
            )),
            (Extraction::Llm, None) => {
                return Err(Error::invalid(
                    "extraction",
                    "is `llm` but no backend is configured",
                ));
            }
        };
        let retrieval = config.retrieval;
        let engine = Engine::new(EngineParts {
            store: store.clone(),
            chat: chat.clone(),
            retriever: Arc::new(HybridRetriever::new(
                search.clone(),
                HybridOptions {
                    k: retrieval.k,
                    rrf_k: retrieval.rrf_k,
                    vector_weight: retrieval.vector_weight,
                    keyword_weight: retrieval.keyword_weight,
                    depth: retrieval.depth,
                },
            )),
            index: indexer.clone(),
            graph: Some(graph.clone()),
            learner: Some(Arc::new(GraphLearner::new(graph.clone(), mode))),
            documents: Some(Arc::new(Ingestor::new(
                store.clone(),
                embedder.clone(),
                IngestOptions::default(),
            ))),
            count_tokens: Some(Arc::new(approx_tokens)),
            settings: config.engine_settings(),
        })?;
        Ok(Self {
            config,
            engine,
            chat,
            embedder,
            indexer,
            search,
            graph,
            background,
        })
    }

    /// The engine: chat, conversations, documents, search, personas, usage.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The settings it was opened with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The chat model turns use (the configured backends as one, or the caller's), if any.
    pub fn chat_model(&self) -> Option<&Arc<dyn ChatModel>> {
        self.chat.as_ref()
    }

    /// The embedder, if one is configured.
    pub fn embedder(&self) -> Option<&Arc<dyn Embedder>> {
        self.embedder.as_ref()
    }

    /// Hybrid (or keyword-only) search over every user's messages and document chunks, for
    /// callers that tune it themselves (they always pass the user's filter); the engine's
    /// `search` is the scoped one.
    pub fn hybrid(&self) -> &HybridSearch {
        &self.search
    }

    /// The indexer: `catch_up()` makes everything written so far searchable now.
    pub fn indexer(&self) -> &Arc<Indexer> {
        &self.indexer
    }

    /// The knowledge graph.
    pub fn graph(&self) -> &Arc<GraphMemory> {
        &self.graph
    }

    /// Waits for answers in progress and the work after turns, stops the background
    /// indexer, applies what is left and saves the vector index.
    pub async fn close(self) -> Result<()> {
        self.engine.idle().await;
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

impl std::ops::Deref for Gantry {
    type Target = Engine;

    fn deref(&self) -> &Engine {
        &self.engine
    }
}
