//! [`Gantry`]: the handle every door holds. It opens the store, the language models, the
//! indexes and the knowledge graph from a [`Config`], wires them into an [`Engine`], and
//! keeps the indexes in step with the store in the background until it is closed.

use std::sync::Arc;
use std::time::Duration;

use gantry_core::engine::{
    AdminScope, Caller, Engine, EngineParts, NewAccount, SignedIn, UserScope,
};
use gantry_core::ids::UserId;
use gantry_core::llm::{ChatModel, Embedder, ModelInfo};
use gantry_core::model::User;
use gantry_core::store::{GraphStore, Signal};
use gantry_core::{Error, Result, Store, validate};
use gantry_llm::{Backends, HttpEmbedder, LiveBackends, MiniLmEmbedder};
use gantry_memory::{
    ExtractionMode, GraphLearner, GraphMemory, Indexer, IngestOptions, Ingestor, LlmExtractor,
    RetrievalStack, approx_tokens,
};

use crate::config::{Config, Extraction};
use crate::in_process::ChatModelInUse;

/// How long a document may stay `processing` on a shared database before start-up takes
/// it for one whose reading was interrupted.
const STALE_PROCESSING: std::time::Duration = std::time::Duration::from_secs(3600);

/// How often expired sessions are removed.
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(3600);

/// The background work of an open Gantry in one task: the indexer (aborted with it) and,
/// every hour, removing expired sessions.
fn housekeeping(
    reload: crate::models::Reload,
    indexer: Arc<Indexer>,
    indexing: tokio::task::JoinHandle<()>,
    mut signals: tokio::sync::broadcast::Receiver<Signal>,
) -> tokio::task::JoinHandle<()> {
    use tokio::sync::broadcast::error::RecvError;
    tokio::spawn(async move {
        let _indexing = tokio_util::task::AbortOnDropHandle::new(indexing);
        let mut every = tokio::time::interval(HOUSEKEEPING_EVERY);
        let mut listening = true;
        loop {
            tokio::select! {
                _ = every.tick() => match reload.engine.remove_expired_sessions().await {
                    Ok(0) => {}
                    Ok(removed) => tracing::debug!(removed, "expired sessions removed"),
                    Err(error) => tracing::warn!(%error, "removing expired sessions failed"),
                },
                // Another process sharing the store wrote: catch the indexes up now.
                signal = signals.recv(), if listening => match signal {
                    Ok(Signal::Changed) => indexer.nudge(),
                    // An admin changed the backends or the default model (here or on
                    // another server sharing the store).
                    Ok(Signal::SettingsChanged) => reload.run().await,
                    Err(RecvError::Lagged(_)) => {
                        indexer.nudge();
                        reload.run().await;
                    }
                    Ok(_) => {}
                    Err(RecvError::Closed) => listening = false,
                },
            }
        }
    })
}

/// How often the background indexer looks for changes when nobody nudges it.
const INDEX_EVERY: Duration = Duration::from_secs(2);
/// How often the vector index is saved while it changes.
const SAVE_EVERY: Duration = Duration::from_secs(60);
/// The most changes [`Gantry::close`] applies before saving (a few seconds of work): what
/// remains is in the store and is replayed when Gantry next opens.
pub const CLOSE_CATCH_UP: usize = 5_000;

/// The most texts one [`Gantry::embed`] call embeds: one request cannot hold the
/// embedder for long.
pub const MAX_EMBED_INPUTS: usize = 256;

/// An open Gantry. A cheap handle: clones share one engine, one set of indexes and one
/// background indexer, so a server's state, a Python object and a CLI command can each
/// hold one. Every operation on user data goes through a scoped handle:
/// [`Gantry::for_user`], [`Gantry::authenticate`] or [`Gantry::admin`].
///
/// [`Gantry::close`] catches the indexes up and saves them; dropping the last handle
/// without closing loses nothing acknowledged (the store is the truth, and the indexes
/// catch up from it when Gantry opens again).
#[derive(Clone)]
pub struct Gantry {
    inner: Arc<Inner>,
}

/// How far each index has applied the store's change feed (they lag by design, and catch
/// up in the background).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct IndexStatus {
    /// The store's latest change number.
    pub store_seq: i64,
    /// What the vector index has applied; `None` without an embedder or indexes.
    pub vectors: Option<i64>,
    /// What the keyword index has applied; `None` without indexes.
    pub keywords: Option<i64>,
    /// Whether the vector index is still building the graph it loaded at start (searches
    /// meanwhile see only what was written since).
    pub vectors_loading: bool,
    /// Items the embedder refused since start (too long for it, say), found by keywords
    /// only; the log names each.
    pub unembedded: u64,
}

/// What runs beside the store and the engine in a fully opened Gantry.
#[derive(Default)]
struct Running {
    chat: Option<Arc<dyn ChatModel>>,
    chat_in_use: ChatModelInUse,
    live: Option<Arc<LiveBackends>>,
    embedder: Option<Arc<dyn Embedder>>,
    indexer: Option<Arc<Indexer>>,
    background: Option<tokio::task::JoinHandle<()>>,
}

struct Inner {
    config: Config,
    /// The store, for the facade's own status questions (never handed out).
    store: Arc<dyn Store>,
    engine: Engine,
    chat: Option<Arc<dyn ChatModel>>,
    /// Which model answers, as opened.
    chat_in_use: ChatModelInUse,
    /// The configured and admin-added backends, when Gantry chats through them (not with
    /// a chat model of the program's own).
    live: Option<Arc<LiveBackends>>,
    embedder: Option<Arc<dyn Embedder>>,
    indexer: Option<Arc<Indexer>>,
    /// The background indexer, stopped when Gantry closes or the last handle goes.
    background: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// Held while closing; `true` once closed, so closing again does nothing.
    closed: tokio::sync::Mutex<bool>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Ok(mut background) = self.background.lock()
            && let Some(task) = background.take()
        {
            task.abort();
        }
    }
}

impl std::fmt::Debug for Gantry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gantry")
            .field("database", &self.inner.engine.database())
            .field("chat", &self.inner.chat.is_some())
            .field("embedder", &self.embedder_id())
            .field("indexes", &self.inner.indexer.is_some())
            .finish_non_exhaustive()
    }
}

/// Chooses the parts a [`Gantry`] opens with: the full stack by default, a store-only
/// handle for admin tools, or parts the caller brings (their own store, chat model or
/// embedder). From [`Gantry::builder`].
#[must_use = "a builder does nothing until `open` is called"]
pub struct GantryBuilder {
    config: Config,
    store: Option<Arc<dyn Store>>,
    chat: Option<Arc<dyn ChatModel>>,
    embedder: Option<Arc<dyn Embedder>>,
    store_only: bool,
}

impl std::fmt::Debug for GantryBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GantryBuilder")
            .field("config", &self.config)
            .field("store", &self.store.as_ref().map(|s| s.backend()))
            .field("chat", &self.chat.is_some())
            .field("embedder", &self.embedder.as_ref().map(|e| e.model_id()))
            .field("store_only", &self.store_only)
            .finish()
    }
}

impl GantryBuilder {
    /// Uses this store instead of the one the configuration names (the data directory
    /// still holds the indexes).
    pub fn store(mut self, store: Arc<dyn Store>) -> Self {
        self.store = Some(store);
        self
    }

    /// Answers with this chat model instead of the configured backends (which still serve
    /// embeddings when `embedding_model` is set).
    pub fn chat_model(mut self, model: Arc<dyn ChatModel>) -> Self {
        self.chat = Some(model);
        self
    }

    /// Embeds with this embedder instead of the configured one.
    pub fn embedder(mut self, embedder: Arc<dyn Embedder>) -> Self {
        self.embedder = Some(embedder);
        self
    }

    /// Opens the store alone: no model is loaded, no index opened, nothing runs in the
    /// background. Accounts, conversations and documents can be managed; turns are refused
    /// and nothing is retrieved. For admin tools that must start at once and must not
    /// contend with a running server for the index files.
    pub fn store_only(mut self) -> Self {
        self.store_only = true;
        self
    }

    /// Opens (creating and migrating where needed) the store, then, unless
    /// [`Self::store_only`]: the backends, the embedder (the local MiniLM model when
    /// `minilm_dir` is set, else the first backend's `embedding_model`, else none: keyword
    /// retrieval alone, with a warning), and the indexes in `<data_dir>/index`, which a
    /// background task brings in step with the store and keeps there.
    pub async fn open(self) -> Result<Gantry> {
        let config = self.config;
        config.validate()?;
        let store = match self.store {
            Some(store) => store,
            None => open_configured_store(&config).await?,
        };
        if self.store_only {
            let engine = Engine::new(EngineParts {
                store: store.clone(),
                chat: None,
                retriever: None,
                index: None,
                graph: None,
                learner: None,
                documents: None,
                count_tokens: Some(Arc::new(approx_tokens)),
                settings: config.engine_settings(),
            })?;
            return Ok(Gantry::from_parts(
                config,
                store,
                engine,
                Running::default(),
            ));
        }

        // The configured backends and those admins added while Gantry ran, behind one
        // replaceable handle, unless the program brought a chat model of its own.
        // With no backend, the in-process model (if there is one) answers until an admin
        // adds one.
        let (live, chat_in_use) = match &self.chat {
            Some(_) => (None, ChatModelInUse::Custom),
            None => {
                let backends = crate::models::backends_from(&config, &*store).await?;
                let (fallback, in_use) = match &backends {
                    Some(_) => (None, ChatModelInUse::Backends),
                    None => crate::in_process::load(&config).await?,
                };
                let live = LiveBackends::new(backends);
                let live = match fallback {
                    Some(model) => live.with_fallback(model),
                    None => live,
                };
                (Some(Arc::new(live)), in_use)
            }
        };
        let backends = live.as_ref().and_then(|live| live.current());
        let chat: Option<Arc<dyn ChatModel>> = match (self.chat, &live) {
            (Some(chat), _) => Some(chat),
            (None, Some(live)) => Some(Arc::clone(live) as Arc<dyn ChatModel>),
            (None, None) => None,
        };
        let embedder = match self.embedder {
            Some(embedder) => Some(embedder),
            None => configured_embedder(&config, backends.as_deref()).await?,
        };

        let stack = RetrievalStack::open(
            &config.data_dir.join("index"),
            store.clone(),
            embedder.clone(),
            config.retrieval,
        )
        .await?;
        let graph = Arc::new(GraphMemory::new(store.clone() as Arc<dyn GraphStore>));
        let mode = match (config.extraction, &chat) {
            (Extraction::Off, _) => ExtractionMode::Off,
            (Extraction::Deterministic, _) => ExtractionMode::Deterministic,
            (Extraction::Llm, Some(chat))
                if backends.is_some() || live.as_ref().is_none_or(|live| live.has_fallback()) =>
            {
                ExtractionMode::Llm(LlmExtractor::new(
                    chat.clone(),
                    config.engine_settings().default_model,
                ))
            }
            (Extraction::Llm, _) => {
                return Err(Error::invalid(
                    "extraction",
                    "is `llm` but no backend is configured",
                ));
            }
        };
        let engine = Engine::new(EngineParts {
            store: store.clone(),
            chat: chat.clone(),
            retriever: Some(stack.retriever),
            index: Some(stack.indexer.clone()),
            graph: Some(graph.clone()),
            learner: Some(Arc::new(GraphLearner::new(graph, mode))),
            documents: Some(Arc::new(Ingestor::new(
                store.clone(),
                embedder.clone(),
                IngestOptions {
                    reader: config.extract_program.clone(),
                    ..IngestOptions::default()
                },
            ))),
            count_tokens: Some(Arc::new(approx_tokens)),
            settings: config.engine_settings(),
        })?;
        // A document whose reading a crash cut short is failed, not left `processing`.
        // One SQLite file has one writer, so every such document is stale now; several
        // servers may share PostgreSQL, so there only those untouched for an hour are.
        let untouched_since = match store.backend() {
            "sqlite" => time::OffsetDateTime::now_utc(),
            _ => time::OffsetDateTime::now_utc() - STALE_PROCESSING,
        };
        engine.fail_unfinished_documents(untouched_since).await?;
        let reload = crate::models::Reload {
            config: config.clone(),
            store: store.clone(),
            engine: engine.clone(),
            live: live.clone(),
        };
        // The default model an admin chose, over the configured one.
        reload.default_model().await?;
        // Catching up can mean embedding a whole store (a new embedder, a lost index):
        // the background task does it, starting now, so opening stays quick.
        let indexer = stack.indexer;
        let background = housekeeping(
            reload,
            Arc::clone(&indexer),
            indexer.spawn(INDEX_EVERY, SAVE_EVERY),
            store.signals(),
        );
        indexer.nudge();
        Ok(Gantry::from_parts(
            config,
            store,
            engine,
            Running {
                chat,
                chat_in_use,
                live,
                embedder,
                indexer: Some(indexer),
                background: Some(background),
            },
        ))
    }
}

/// The store `config` names (`Config::database`), with the data directory created first
/// when it is the SQLite default.
async fn open_configured_store(config: &Config) -> Result<Arc<dyn Store>> {
    if config.database_url.is_none() {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
            Error::invalid(
                "data_dir",
                format!("cannot create {}: {e}", config.data_dir.display()),
            )
        })?;
    }
    gantry_store::open_store(&config.database()).await
}

/// The embedder the configuration names: the local MiniLM model, else the first backend's
/// embedding model, else none.
async fn configured_embedder(
    config: &Config,
    backends: Option<&Backends>,
) -> Result<Option<Arc<dyn Embedder>>> {
    match (&config.embedder_dir(), &config.embedding_model) {
        (Some(dir), _) => {
            let dir = dir.clone();
            let model = tokio::task::spawn_blocking(move || MiniLmEmbedder::load(dir))
                .await
                .map_err(|e| Error::internal_from("loading the embedder", e))??;
            Ok(Some(Arc::new(model)))
        }
        (None, Some(model)) => match backends.and_then(|b| b.all().first().cloned()) {
            Some(backend) => Ok(Some(Arc::new(
                HttpEmbedder::connect(backend, model.clone()).await?,
            ))),
            None => Err(Error::invalid(
                "embedding_model",
                "is set but no backend is configured to serve it",
            )),
        },
        (None, None) => {
            tracing::warn!(
                "no embedder configured (minilm_dir or embedding_model): retrieval uses keywords alone"
            );
            Ok(None)
        }
    }
}

impl Gantry {
    /// Opens the full stack from `config` (see [`GantryBuilder::open`]).
    pub async fn open(config: Config) -> Result<Self> {
        Self::builder(config).open().await
    }

    /// A builder, to open only the store or to bring parts of your own.
    pub fn builder(config: Config) -> GantryBuilder {
        GantryBuilder {
            config,
            store: None,
            chat: None,
            embedder: None,
            store_only: false,
        }
    }

    fn from_parts(config: Config, store: Arc<dyn Store>, engine: Engine, running: Running) -> Self {
        Self {
            inner: Arc::new(Inner {
                config,
                store,
                engine,
                chat: running.chat,
                chat_in_use: running.chat_in_use,
                live: running.live,
                embedder: running.embedder,
                indexer: running.indexer,
                background: std::sync::Mutex::new(running.background),
                closed: tokio::sync::Mutex::new(false),
            }),
        }
    }

    /// The engine, for everything not repeated here.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// The settings it was opened with.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Acts as `user`, an id the caller vouches for (see [`Engine::for_user`]).
    pub fn for_user(&self, user: UserId) -> UserScope {
        self.inner.engine.for_user(user)
    }

    /// Acts as the admin `actor`; `Forbidden` unless it is an enabled admin.
    pub async fn admin(&self, actor: UserId) -> Result<AdminScope> {
        self.inner.engine.admin(actor).await
    }

    /// Admin rights without an account, for programs that hold the installation itself
    /// (see [`Engine::operator`]).
    pub fn operator(&self) -> AdminScope {
        self.inner.engine.operator()
    }

    /// Creates an account for someone signing up (see [`Engine::register`]).
    pub async fn register(&self, account: NewAccount) -> Result<User> {
        self.inner.engine.register(account).await
    }

    /// Creates an account for someone signing up with an invite code (see
    /// [`Engine::register_with_invite`]).
    pub async fn register_with_invite(&self, account: NewAccount, code: &str) -> Result<User> {
        self.inner.engine.register_with_invite(account, code).await
    }

    /// Signs in with an email and password (see [`Engine::sign_in`]).
    pub async fn sign_in(&self, email: &str, password: &str) -> Result<SignedIn> {
        self.inner.engine.sign_in(email, password).await
    }

    /// Who presents a session token or API key (see [`Engine::authenticate`]).
    pub async fn authenticate(&self, token: &str) -> Result<Caller> {
        self.inner.engine.authenticate(token).await
    }

    /// Ends a session (see [`Engine::sign_out`]).
    pub async fn sign_out(&self, token: &str) -> Result<()> {
        self.inner.engine.sign_out(token).await
    }

    /// The models the chat backends offer; empty when none is configured.
    pub async fn models(&self) -> Result<Vec<ModelInfo>> {
        match &self.inner.chat {
            Some(chat) => chat.list_models().await,
            None => Ok(Vec::new()),
        }
    }

    /// Sends `signal` to every process sharing this store (several servers on one
    /// PostgreSQL database), this one included.
    pub async fn signal(&self, signal: Signal) -> Result<()> {
        self.inner.store.signal(signal).await
    }

    /// The signals sent from now on by every process sharing this store.
    pub fn signals(&self) -> tokio::sync::broadcast::Receiver<Signal> {
        self.inner.store.signals()
    }

    /// Whether a chat model is configured (turns are refused without one).
    pub fn has_chat_model(&self) -> bool {
        match &self.inner.live {
            Some(live) => live.current().is_some(),
            None => self.inner.chat.is_some(),
        }
    }

    pub(crate) fn live_backends(&self) -> Option<&Arc<LiveBackends>> {
        self.inner.live.as_ref()
    }

    pub(crate) fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    /// Embeds `texts` with the embedder retrieval uses, one vector per text in order:
    /// for programs that want Gantry's vectors (the OpenAI-style `/v1/embeddings`). At
    /// most [`MAX_EMBED_INPUTS`] texts of at most [`validate::MAX_CHUNK_BYTES`] each;
    /// `Unavailable` when no embedder is configured.
    pub async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>> {
        if texts.is_empty() || texts.len() > MAX_EMBED_INPUTS {
            return Err(Error::invalid(
                "input",
                format!("must hold 1 to {MAX_EMBED_INPUTS} texts"),
            ));
        }
        for text in texts {
            validate::required("input", text, validate::MAX_CHUNK_BYTES)?;
        }
        let embedder = self.inner.embedder.as_ref().ok_or_else(|| {
            Error::unavailable(
                gantry_core::Backend::Component("embedder"),
                "no embedder is configured (minilm_dir or embedding_model)",
            )
        })?;
        embedder.embed(texts).await
    }

    /// Which chat model answers (as opened; an admin may add backends since).
    pub fn chat_model_in_use(&self) -> &ChatModelInUse {
        &self.inner.chat_in_use
    }

    /// The embedder's model id, when there is one (without, retrieval is by keywords).
    pub fn embedder_id(&self) -> Option<&str> {
        self.inner.embedder.as_ref().map(|e| e.model_id())
    }

    /// How far each index has applied the store's changes.
    pub async fn index_status(&self) -> Result<IndexStatus> {
        let store_seq = self.inner.store.latest_seq().await?;
        let (mut vectors, mut keywords, mut unembedded) = (None, None, 0);
        let mut vectors_loading = false;
        if let Some(indexer) = &self.inner.indexer {
            unembedded = indexer.skipped();
            if let Some(side) = indexer.vectors() {
                vectors = Some(side.index.applied_seq().await?);
                vectors_loading = side.index.loading();
            }
            if let Some(index) = indexer.keywords() {
                keywords = Some(index.applied_seq().await?);
            }
        }
        Ok(IndexStatus {
            store_seq,
            vectors,
            keywords,
            vectors_loading,
            unembedded,
        })
    }

    /// Waits for the work after turns and indexes everything saved so far: what has been
    /// said is searchable when this returns.
    pub async fn flush(&self) -> Result<()> {
        self.inner.engine.flush().await
    }

    /// Waits for answers in progress and the work after turns, stops the background
    /// indexer, applies what is left (up to [`CLOSE_CATCH_UP`] changes: a large backlog,
    /// say indexes rebuilding after an upgrade, is replayed at the next start instead of
    /// holding up a shutdown) and saves the indexes. Closing again does nothing; any
    /// handle may close, and the others see it closed.
    pub async fn close(&self) -> Result<()> {
        let mut closed = self.inner.closed.lock().await;
        if *closed {
            return Ok(());
        }
        self.inner.engine.idle().await;
        let background = self
            .inner
            .background
            .lock()
            .map_err(|_| Error::internal("the background indexer's lock was poisoned"))?
            .take();
        if let Some(task) = background {
            task.abort();
            // A cancelled task ends with a JoinError; either way it has stopped.
            let _ = task.await;
        }
        if let Some(indexer) = &self.inner.indexer {
            indexer.catch_up_at_most(CLOSE_CATCH_UP).await?;
            indexer.save().await?;
        }
        *closed = true;
        Ok(())
    }
}
