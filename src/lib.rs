//! Gantry: a self-hosted AI chat platform, as a Rust SDK.
//!
//! This crate is the facade applications depend on: [`Gantry`] opens the store, the model
//! backends, the embedder and the indexes from a [`Config`] and wires them into the engine;
//! everything its signatures use is re-exported here, so an application depends on `gantry`
//! alone.
//!
//! ```no_run
//! # async fn demo() -> gantry::Result<()> {
//! use gantry::prelude::*;
//!
//! let gantry = Gantry::open(Config::load(None)?).await?;
//! let signed_in = gantry.sign_in("me@example.com", "a passphrase").await?;
//! let me = gantry.for_user(signed_in.user.id);
//! let chat = me.create_conversation(NewConversation::default()).await?;
//! let answer = me.ask(chat.id, "What did I say about Lisbon?").await?;
//! println!("{}", answer.message.content);
//! gantry.close().await?;
//! # Ok(())
//! # }
//! ```

pub use gantry_core::engine::{
    API_KEY_PREFIX, AdminScope, Answer, Caller, ChatGptReport, Citation, ContextTimings,
    ConversationMatch, Credential, DocumentMatch, Engine, EngineSettings, ExportFormat, Fact,
    MemoryView, NewAccount, NewApiKey, NewInvite, SearchResults, SignedIn, SignupPolicy, Turn,
    TurnEvent, TurnOptions, UserScope,
};
pub use gantry_core::{
    ApiKeyId, Backend, ChunkId, CollectionId, ConversationId, DocumentId, EntityId, Error,
    InviteId, MessageId, PersonaId, RelationId, Result, SessionId, Store, UserId, auth, engine,
    export, graph, ids, index, llm, model, prompt, store, validate,
};
pub use gantry_llm::{
    BackendConfig, BackendKind, Backends, HttpEmbedder, LiveBackends, LoadedModel, MiniLmEmbedder,
    OpenAiBackend, RetryPolicy, Timeouts,
};
pub use gantry_store::{
    Durability, PostgresStore, SqliteStore, TableCopy, copy_database, open_store,
};

mod config;
mod in_process;
mod models;
mod sdk;
pub use config::{Accounts, Chat, Config, ENV_VARS, Extraction, Server};
pub use gantry_memory::HybridOptions;
/// Call first thing in `main` so the program also serves as Gantry's PDF reading process
/// (PDFs are read in a separate, resource-limited process; without this call Gantry looks
/// for `gantry-extract` beside the program or on `PATH`).
pub use gantry_memory::serve_reader_if_asked;
pub use in_process::ChatModelInUse;
pub use models::{BackendHealth, BackendSource, BackendView};
pub use sdk::{CLOSE_CATCH_UP, Gantry, GantryBuilder, IndexStatus, MAX_EMBED_INPUTS};

/// What most programs need in scope: `use gantry::prelude::*;`.
pub mod prelude {
    pub use crate::model::{ConversationPatch, NewCollection, NewConversation, NewPersona, Role};
    pub use crate::store::{ConversationFilter, PageRequest};
    pub use crate::{Config, Gantry, NewAccount, Result, TurnEvent, TurnOptions, UserScope};
}

/// The version of the Gantry SDK.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
