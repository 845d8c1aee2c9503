//! The knowledge graph: who and what a user has mentioned, and the facts between them.
//!
//! [`GraphMemory`] answers [`KnowledgeGraph`](gantry_core::graph::KnowledgeGraph) queries
//! from a per-user petgraph cached over the store. [`extract_turn`] turns a chat turn into
//! facts, with a language model or with a few fixed sentence patterns, and writes them
//! through [`GraphMemory`] so the next query sees them.

mod apply;
mod facts;
mod llm;
mod memory;
mod patterns;

pub use apply::{ApplyReport, ExtractionMode, apply_facts, extract_turn};
pub use facts::{
    ExtractedEntity, ExtractedFacts, ExtractedRelation, MAX_EXTRACTED, MAX_PREDICATE_BYTES,
    USER_ENTITY, is_exclusive, normalise_predicate,
};
pub use llm::LlmExtractor;
pub use memory::{GraphMemory, MAX_HOPS, MAX_MENTIONS, MAX_RESULT_ENTITIES, MAX_RESULT_RELATIONS};
pub use patterns::extract_deterministic;
