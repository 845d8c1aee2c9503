//! Gantry: a self-hosted AI chat platform, as a Rust SDK.
//!
//! This crate is the facade applications depend on. It re-exports the domain model and
//! traits of `gantry-core` and the backends, and (as they land) wires them together.
//!
//! ```no_run
//! # async fn demo() -> gantry::Result<()> {
//! let store = gantry::open_store("sqlite://gantry-data/gantry.db").await?;
//! println!("{:?}", store.stats().await?);
//! # Ok(())
//! # }
//! ```

pub use gantry_core::{
    ChunkId, ConversationId, DocumentId, EntityId, Error, MessageId, PersonaId, RelationId, Result,
    SessionId, Store, UserId, auth, engine, graph, ids, index, llm, model, prompt, store, validate,
};
pub use gantry_store::{Durability, PostgresStore, SqliteStore, open_store};

mod config;
/// Conversation export and import: Gantry JSON, Markdown, PDF, ZIP, and ChatGPT's export.
pub mod export;
mod sdk;
mod transfer;
pub use config::{Chat, Config, ENV_VARS, Extraction, Retrieval};
pub use gantry_core::engine::{
    Answer, Citation, Engine, EngineSettings, NewAccount, Turn, TurnEvent, TurnOptions,
};
pub use sdk::Gantry;
pub use transfer::{ChatGptReport, ExportFormat};

/// Everything an application needs in scope to call a store: `use gantry::prelude::*;`.
pub mod prelude {
    pub use gantry_core::store::prelude::*;
}

/// The version of the Gantry SDK.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
