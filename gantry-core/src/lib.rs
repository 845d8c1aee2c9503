//! The heart of Gantry: the domain model, the traits every backend implements, the
//! engine that joins them into chat with memory, and the formats conversations are
//! exported and imported in.
//!
//! This crate does no I/O of its own and names no backend crate. Storage (`gantry-store`),
//! language models (`gantry-llm`) and retrieval (`gantry-memory`) implement its traits; the
//! engine holds them as `Arc<dyn Trait>`, so any of them can be swapped.

pub mod auth;
pub mod engine;
mod error;
pub mod export;
pub mod graph;
pub mod html;
pub mod ids;
pub mod index;
pub mod llm;
pub mod model;
pub mod prompt;
pub mod store;
pub mod validate;

pub use engine::Engine;
pub use error::{Backend, BoxError, Error, Result};
pub use ids::{
    ApiKeyId, ChunkId, CollectionId, ConversationId, DocumentId, EntityId, InviteId, MessageId,
    PersonaId, RelationId, SessionId, UserId,
};
pub use store::Store;
