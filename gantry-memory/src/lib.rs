//! Retrieval for Gantry: long-term memory over every message and document chunk.
//!
//! Built so far: [`ExactIndex`], a brute-force [`VectorIndex`] that is the recall reference
//! and a sound choice for small collections; [`HnswIndex`]; and the knowledge graph,
//! [`GraphMemory`], with fact extraction from chat turns ([`extract_turn`]). To come: the
//! tantivy BM25 index, hybrid fusion, document text extraction and chunking, and indexes
//! that follow the store's change feed (see the README's status table).

mod exact;
mod graph;
mod hnsw;
mod vector;

pub use exact::ExactIndex;
pub use gantry_core::graph::KnowledgeGraph;
pub use gantry_core::index::{KeywordIndex, VectorIndex};
pub use graph::{
    ApplyReport, ExtractedEntity, ExtractedFacts, ExtractedRelation, ExtractionMode, GraphMemory,
    LlmExtractor, MAX_EXTRACTED, MAX_HOPS, MAX_MENTIONS, MAX_PREDICATE_BYTES, MAX_RESULT_ENTITIES,
    MAX_RESULT_RELATIONS, USER_ENTITY, apply_facts, extract_deterministic, extract_turn,
    is_exclusive, normalise_predicate,
};
pub use hnsw::{HnswIndex, HnswParams, UnitCosine};
pub use vector::{dot, normalise};
