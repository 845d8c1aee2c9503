//! The engine: chat with memory, documents, personas, search and usage, over the traits.
//!
//! Every front end (the Rust SDK, the HTTP server, the CLI, Python) goes through
//! [`Engine`], so the rules live in one place. Work on user data goes through a scoped
//! handle: [`UserScope`] (from [`Engine::for_user`] or [`Engine::authenticate`]) or
//! [`AdminScope`] (from [`Engine::admin`]), so every call has an acting user and is scoped
//! to them (another user's id answers [`Error::NotFound`](crate::Error)). The store
//! validates everything it writes and the engine decides who may do what; the store is
//! written first and the indexes follow.
//!
//! The engine is cheap to clone; clones share one set of parts and background tasks.

mod accounts;
mod audit;
mod collections;
mod conversations;
mod documents;
mod invites;
mod memory;
mod personas;
pub mod ports;
mod quotas;
mod readings;
mod recheck;
mod scope;
mod search;
mod transfer;
mod turn;
mod usage;

use std::sync::Arc;

use tokio_util::task::TaskTracker;

use crate::graph::KnowledgeGraph;
use crate::llm::ChatModel;
use crate::{Error, Result, Store};

pub use accounts::{
    API_KEY_PREFIX, Caller, Credential, DEFAULT_SESSION_LIFETIME, NewAccount, NewApiKey, SignedIn,
    SignupPolicy, UserChange,
};
pub use invites::{DEFAULT_INVITE_LIFETIME, INVITE_PREFIX, NewInvite};
pub use memory::{Fact, MemoryView};
pub use ports::{
    DocumentReader, FactLearner, IndexSync, NoIndexes, Retrieval, Retrieved, Retriever,
};
pub use quotas::QuotaReport;
pub use scope::{AdminScope, UserScope};
pub use search::{
    ChunkMatch, ConversationMatch, DocumentMatch, MAX_SEARCH_COLLECTIONS, MAX_SEARCH_RESULTS,
    SearchResults,
};
pub use transfer::{ChatGptReport, ExportFormat};
pub use turn::{Answer, Citation, ContextTimings, Turn, TurnEvent, TurnOptions};
pub use usage::{UsageReport, UsageTotals};

/// Counts the tokens of a text for prompt budgeting: the model's tokenizer where one is at
/// hand, an estimate that errs on the high side otherwise.
pub type TokenCounter = Arc<dyn Fn(&str) -> usize + Send + Sync>;

/// The title a conversation has until its first turn names it.
pub const DEFAULT_TITLE: &str = "New conversation";

/// How the engine sizes prompts and what it does around a turn.
#[derive(Clone, Debug, PartialEq)]
pub struct EngineSettings {
    /// The chat model's context length, in tokens.
    pub context_length: usize,
    /// Tokens kept for the answer (also the answer's `max_tokens`).
    pub answer_tokens: usize,
    /// The most tokens retrieved context may take in a prompt.
    pub max_context_tokens: usize,
    /// How many retrieved items a turn considers.
    pub retrieval_k: usize,
    /// How many of the conversation's latest messages are read as candidate history (the
    /// prompt takes the newest that fit). Bounds a turn's cost in long conversations.
    pub history_messages: u32,
    /// Whether a new conversation is titled by the model after its first turn (otherwise,
    /// or when the model fails, by the question's first words).
    pub title_with_model: bool,
    /// The largest upload accepted, in bytes.
    pub max_upload_bytes: usize,
    /// The model used when neither the turn, the conversation nor its persona names one
    /// (`None`: the backend's default).
    pub default_model: Option<String>,
    /// Who may create their own account.
    pub signup: SignupPolicy,
    /// How long a sign-in session lasts.
    pub session_lifetime: std::time::Duration,
    /// How often a streaming answer is written to the store while it grows, so a crash
    /// loses at most this much of what the user saw (the row is `partial` until the end).
    pub answer_checkpoint: std::time::Duration,
    /// How long a turn waits for a caller that stops reading its events before it stops
    /// the model and saves the answer as `partial`, so nobody holds a model slot forever.
    pub reader_timeout: std::time::Duration,
    /// Document readings run at once (extraction and embedding are CPU work); the others
    /// wait their turn.
    pub readings_at_once: usize,
    /// Uploads accepted and not yet read, for everyone: each holds its bytes, so this
    /// times `max_upload_bytes` bounds their memory. More are refused until some finish.
    pub max_readings_queued: usize,
    /// Uploads one user may have accepted and not yet read.
    pub max_readings_per_user: usize,
    /// How much each user may keep, unless an admin changed it for them.
    pub quotas: crate::model::Quotas,
}

impl Default for EngineSettings {
    fn default() -> Self {
        Self {
            context_length: 4096,
            answer_tokens: 512,
            max_context_tokens: 1024,
            retrieval_k: 8,
            history_messages: 100,
            title_with_model: true,
            max_upload_bytes: 50 * 1024 * 1024,
            default_model: None,
            signup: SignupPolicy::default(),
            session_lifetime: DEFAULT_SESSION_LIFETIME,
            answer_checkpoint: std::time::Duration::from_secs(1),
            reader_timeout: std::time::Duration::from_secs(60),
            readings_at_once: 2,
            max_readings_queued: 16,
            max_readings_per_user: 4,
            quotas: crate::model::Quotas::default(),
        }
    }
}

impl EngineSettings {
    /// Checks the settings make sense together, naming the one that does not.
    pub fn validate(&self) -> Result<()> {
        if self.context_length < 256 {
            return Err(Error::invalid(
                "context_length",
                "must be at least 256 tokens",
            ));
        }
        if self.answer_tokens == 0 || self.answer_tokens >= self.context_length {
            return Err(Error::invalid(
                "answer_tokens",
                format!(
                    "must be between 1 and the context length ({}) minus one",
                    self.context_length
                ),
            ));
        }
        if self.max_context_tokens == 0 || self.max_context_tokens >= self.context_length {
            return Err(Error::invalid(
                "max_context_tokens",
                format!(
                    "must be between 1 and the context length ({}) minus one",
                    self.context_length
                ),
            ));
        }
        if self.retrieval_k == 0 || self.retrieval_k > 100 {
            return Err(Error::invalid("retrieval_k", "must be between 1 and 100"));
        }
        crate::validate::page_limit(self.history_messages)
            .map_err(|_| Error::invalid("history_messages", "must be between 1 and 500"))?;
        if self.max_upload_bytes == 0 {
            return Err(Error::invalid("max_upload_bytes", "must be above zero"));
        }
        if self.session_lifetime < std::time::Duration::from_secs(60) {
            return Err(Error::invalid(
                "session_lifetime",
                "must be at least a minute",
            ));
        }
        for (field, value) in [
            ("readings_at_once", self.readings_at_once),
            ("max_readings_queued", self.max_readings_queued),
            ("max_readings_per_user", self.max_readings_per_user),
        ] {
            if !(1..=10_000).contains(&value) {
                return Err(Error::invalid(field, "must be 1 to 10,000"));
            }
        }
        let second = std::time::Duration::from_secs(1);
        if !(second..=3600 * second).contains(&self.reader_timeout) {
            return Err(Error::invalid(
                "reader_timeout",
                "must be 1 to 3,600 seconds",
            ));
        }
        if self.answer_checkpoint < std::time::Duration::from_millis(100) {
            return Err(Error::invalid(
                "answer_checkpoint",
                "must be at least 100 ms",
            ));
        }
        Ok(())
    }
}

/// The parts an [`Engine`] is built from. Only the store is required: without a chat model
/// turns are refused, without a retriever and index sync nothing is retrieved (accounts,
/// conversations and documents still work: an admin tool needs no indexes), without a
/// graph no facts are used, without a document reader uploads are refused.
pub struct EngineParts {
    /// The store: the truth everything else is derived from.
    pub store: Arc<dyn Store>,
    /// Answers questions.
    pub chat: Option<Arc<dyn ChatModel>>,
    /// Finds earlier messages and document chunks.
    pub retriever: Option<Arc<dyn Retriever>>,
    /// Keeps the indexes in step with the store.
    pub index: Option<Arc<dyn IndexSync>>,
    /// The knowledge graph, for facts about what a question names.
    pub graph: Option<Arc<dyn KnowledgeGraph>>,
    /// Learns facts from what users say, after each turn.
    pub learner: Option<Arc<dyn FactLearner>>,
    /// Reads uploads into chunks.
    pub documents: Option<Arc<dyn DocumentReader>>,
    /// Counts prompt tokens; `None` uses an estimate (a token per three bytes).
    pub count_tokens: Option<TokenCounter>,
    /// Prompt sizes and turn behaviour.
    pub settings: EngineSettings,
}

impl std::fmt::Debug for EngineParts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineParts")
            .field("store", &self.store.backend())
            .field("chat", &self.chat.is_some())
            .field("retriever", &self.retriever.is_some())
            .field("graph", &self.graph.is_some())
            .field("learner", &self.learner.is_some())
            .field("documents", &self.documents.is_some())
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

pub(crate) struct Inner {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) chat: Option<Arc<dyn ChatModel>>,
    pub(crate) retriever: Arc<dyn Retriever>,
    pub(crate) index: Arc<dyn IndexSync>,
    pub(crate) graph: Option<Arc<dyn KnowledgeGraph>>,
    pub(crate) learner: Option<Arc<dyn FactLearner>>,
    pub(crate) documents: Option<Arc<dyn DocumentReader>>,
    pub(crate) count_tokens: TokenCounter,
    pub(crate) settings: EngineSettings,
    /// Streams in progress and the work after each turn (indexing, facts, titles).
    pub(crate) background: TaskTracker,
    /// One `idle()` at a time: closing, waiting on and reopening the tracker must not
    /// interleave, or a waiter could wait on a reopened tracker for ever.
    pub(crate) idling: tokio::sync::Mutex<()>,
    /// Admission of document readings (see `readings`).
    pub(crate) readings: Arc<readings::Readings>,
    /// Chat turns a minute per user.
    pub(crate) turn_rates: quotas::TurnRates,
    /// The model that answers when nothing names one; starts as the settings' and an
    /// admin may change it while Gantry runs.
    pub(crate) default_model: std::sync::RwLock<Option<String>>,
}

/// Chat with memory, documents, personas, search and usage: the one API every front end
/// uses. Clones share everything.
#[derive(Clone)]
pub struct Engine {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("store", &self.inner.store.backend())
            .field("chat", &self.inner.chat.is_some())
            .field("settings", &self.inner.settings)
            .finish_non_exhaustive()
    }
}

/// The estimate used when no token counter is given: a token per three bytes, which
/// over-counts English and code for the common tokenizers, so prompts stay in budget.
fn estimate_tokens(text: &str) -> usize {
    text.len().div_ceil(3)
}

impl Engine {
    /// Builds an engine from its parts, checking the settings.
    pub fn new(parts: EngineParts) -> Result<Self> {
        parts.settings.validate()?;
        let count_tokens = parts
            .count_tokens
            .unwrap_or_else(|| Arc::new(estimate_tokens));
        let default_model = std::sync::RwLock::new(parts.settings.default_model.clone());
        Ok(Self {
            inner: Arc::new(Inner {
                store: parts.store,
                chat: parts.chat,
                retriever: parts.retriever.unwrap_or_else(|| Arc::new(NoIndexes)),
                index: parts.index.unwrap_or_else(|| Arc::new(NoIndexes)),
                graph: parts.graph,
                learner: parts.learner,
                documents: parts.documents,
                count_tokens,
                readings: readings::Readings::new(
                    parts.settings.readings_at_once,
                    parts.settings.max_readings_queued,
                    parts.settings.max_readings_per_user,
                ),
                settings: parts.settings,
                background: TaskTracker::new(),
                idling: tokio::sync::Mutex::new(()),
                turn_rates: quotas::TurnRates::default(),
                default_model,
            }),
        })
    }

    /// The settings in use.
    pub fn settings(&self) -> &EngineSettings {
        &self.inner.settings
    }

    /// The model that answers when neither the turn, the conversation nor its persona
    /// names one (`None`: the backend's default).
    pub fn default_model(&self) -> Option<String> {
        self.inner
            .default_model
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Changes the default model from the next turn on (the facade keeps the choice in
    /// the store, so it outlives a restart and reaches every process).
    pub fn set_default_model(&self, model: Option<String>) {
        *self
            .inner
            .default_model
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = model;
    }

    /// How many tokens `text` is, by the counter prompts are budgeted with.
    pub fn count_tokens(&self, text: &str) -> usize {
        (self.inner.count_tokens)(text)
    }

    /// Waits until every stream in progress and all work after turns (indexing, facts,
    /// titles, uploads) has finished, including work started while waiting. For tests and
    /// shutdown; a caller holding a [`Turn`] it does not read keeps this waiting.
    pub async fn idle(&self) {
        let _one_at_a_time = self.inner.idling.lock().await;
        self.inner.background.close();
        self.inner.background.wait().await;
        self.inner.background.reopen();
    }

    /// Waits for the work after turns (see [`Self::idle`]) and then indexes everything
    /// saved so far: what has been said is searchable when this returns.
    pub async fn flush(&self) -> Result<()> {
        self.idle().await;
        self.inner.index.sync().await
    }

    /// Marks failed every document whose reading was cut short (left `processing` by a
    /// crash) and untouched since `untouched_since`; returns how many. Run at start-up.
    pub async fn fail_unfinished_documents(
        &self,
        untouched_since: time::OffsetDateTime,
    ) -> Result<u64> {
        let failed = self
            .inner
            .store
            .fail_unfinished_documents(
                untouched_since,
                "reading it was interrupted (the server stopped); upload it again",
            )
            .await?;
        if failed > 0 {
            tracing::warn!(
                failed,
                "documents left half-read by an interruption were marked failed"
            );
            self.inner.index.nudge();
        }
        Ok(failed)
    }

    /// Which store backend holds the data: `sqlite` or `postgres`.
    pub fn database(&self) -> &'static str {
        self.inner.store.backend()
    }
}
