//! Retrieval for Gantry: long-term memory over every message and document chunk.
//!
//! Built so far: [`ExactIndex`], a brute-force [`VectorIndex`] that is the recall reference
//! and a sound choice for small collections; [`HnswIndex`], the approximate one (int8 graph
//! walk, exact re-scoring, exact scans of small filtered sets); [`TantivyIndex`], the BM25
//! [`KeywordIndex`] with snippets; [`HybridSearch`], both fused by reciprocal rank; the
//! [`Indexer`], which keeps the indexes in step with the store's change feed; the knowledge
//! graph, [`GraphMemory`], with fact extraction from chat turns ([`extract_turn`]); and
//! documents into text ([`extract()`]) and chunks ([`chunks()`]).

mod chunk;
mod exact;
mod extract;
mod graph;
mod hnsw;
mod hybrid;
mod indexer;
mod ingest;
mod keyword;
mod ports;
mod quant;
mod snapshot;
mod vector;

pub use chunk::{ChunkOptions, Chunks, TextChunk, approx_tokens, chunk_text, chunks};
pub use exact::ExactIndex;
pub use extract::{ExtractError, ExtractLimits, Extracted, FileKind, extract, extract_text};
pub use gantry_core::graph::KnowledgeGraph;
pub use gantry_core::index::{KeywordIndex, VectorIndex};
pub use graph::{
    ApplyReport, ExtractedEntity, ExtractedFacts, ExtractedRelation, ExtractionMode, GraphMemory,
    LlmExtractor, MAX_EXTRACTED, MAX_HOPS, MAX_MENTIONS, MAX_PREDICATE_BYTES, MAX_RESULT_ENTITIES,
    MAX_RESULT_RELATIONS, USER_ENTITY, apply_facts, extract_deterministic, extract_turn,
    is_exclusive, normalise_predicate,
};
pub use hnsw::{HnswIndex, HnswParams, Opened};
pub use hybrid::{
    HybridHit, HybridOptions, HybridResults, HybridSearch, ListRank, StageTimings,
    reciprocal_rank_fusion,
};
pub use indexer::{APPLY_CHANGES, APPLY_TEXT_BYTES, CatchUp, Indexer, VectorSide};
pub use ingest::{IngestOptions, ingest};
pub use keyword::{KeywordHit, MAX_QUERY_BYTES, MAX_TEXT_BYTES, Snippet, TantivyIndex};
pub use ports::{GraphLearner, HybridRetriever, Ingestor};
pub use quant::QuantisedCosine;
pub use snapshot::Snapshot;
pub use vector::{dot, normalise};
