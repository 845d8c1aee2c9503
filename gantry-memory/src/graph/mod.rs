//! The knowledge graph: who and what a user has mentioned, and the facts between them.
//!
//! [`GraphMemory`] answers [`KnowledgeGraph`](gantry_core::graph::KnowledgeGraph) queries
//! from a per-user petgraph cached over the store. [`extract_turn`] turns a chat turn into
//! facts, with a language model or with a few fixed sentence patterns, and writes them
//! through [`GraphMemory`] so the next query sees them.

mod extract;
mod memory;

pub use extract::{
    ApplyReport, ExtractedEntity, ExtractedFacts, ExtractedRelation, ExtractionMode, LlmExtractor,
    MAX_EXTRACTED, MAX_PREDICATE_BYTES, USER_ENTITY, apply_facts, extract_deterministic,
    extract_turn, is_exclusive, normalise_predicate,
};
pub use memory::{GraphMemory, MAX_HOPS, MAX_MENTIONS, MAX_RESULT_ENTITIES, MAX_RESULT_RELATIONS};
