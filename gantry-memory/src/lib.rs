//! Retrieval for Gantry: long-term memory over every message and document chunk.
//!
//! - Vector search: [`ExactIndex`], a brute-force [`VectorIndex`] that is the recall
//!   reference and a sound choice for small collections, and [`HnswIndex`], the approximate
//!   one (int8 graph walk, exact re-scoring, exact scans of small filtered sets).
//! - Keyword search: [`TantivyIndex`], the BM25 [`KeywordIndex`], with snippets.
//! - [`HybridSearch`]: both fused by reciprocal rank.
//! - The [`Indexer`], which keeps the indexes in step with the store's change feed.
//! - The knowledge graph, [`GraphMemory`], with fact extraction from chat turns
//!   ([`extract_turn`]).
//! - Documents into text ([`extract()`]) and chunks ([`chunks()`]), and both into the
//!   indexes ([`ingest()`]).
//! - The engine's ports served by these parts: [`HybridRetriever`], [`GraphLearner`] and
//!   [`Ingestor`].

mod chunk;
mod exact;
mod extract;
mod graph;
mod hnsw;
mod hybrid;
mod index;
mod indexer;
mod ingest;
mod keyword;
mod ports;
mod quant;
mod snapshot;
mod stack;
mod vector;

// Vector search.
pub use exact::ExactIndex;
pub use hnsw::{HnswIndex, HnswParams, Opened};
pub use index::{KeywordIndex, VectorIndex};
pub use quant::QuantisedCosine;
pub use snapshot::Snapshot;
pub use vector::{dot, normalise};

// Keyword search, and both fused.
pub use hybrid::{
    HybridHit, HybridOptions, HybridResults, HybridSearch, ListRank, reciprocal_rank_fusion,
};
pub use keyword::{KeywordHit, MAX_QUERY_BYTES, MAX_TEXT_BYTES, Snippet, TantivyIndex};

// Keeping the indexes in step with the store.
pub use indexer::{
    APPLY_CHANGES, APPLY_TEXT_BYTES, CatchUp, EMBED_TEXT_BYTES, Indexer, VectorSide,
};

// The knowledge graph.
pub use gantry_core::graph::KnowledgeGraph;
pub use gantry_core::index::StageTimings;
pub use graph::{
    ApplyReport, ExtractedEntity, ExtractedFacts, ExtractedRelation, ExtractionMode, GraphMemory,
    LlmExtractor, MAX_EXTRACTED, MAX_HOPS, MAX_MENTIONS, MAX_PREDICATE_BYTES, MAX_RESULT_ENTITIES,
    MAX_RESULT_RELATIONS, USER_ENTITY, apply_facts, extract_deterministic, extract_turn,
    is_exclusive, normalise_predicate,
};

// Documents: text, chunks, ingestion.
pub use chunk::{ChunkOptions, Chunks, TextChunk, approx_tokens, chunk_text, chunks};
pub use extract::{
    ExtractError, ExtractLimits, Extracted, FileKind, MAX_HTML_TREE_BYTES, PageStart, READER_ARG,
    READER_PROGRAM, extract, extract_text, extract_with, find_reader, serve_reader_if_asked,
};
pub use ingest::{IngestOptions, ingest};

// The engine's ports.
pub use ports::{GraphLearner, HybridRetriever, Ingestor};
pub use stack::RetrievalStack;
