//! Retrieval for Gantry: long-term memory over every message and document chunk.
//!
//! Built so far: [`ExactIndex`], a brute-force [`VectorIndex`] that is the recall reference
//! and a sound choice for small collections; [`TantivyIndex`], the BM25 [`KeywordIndex`] with
//! snippets. To come: the HNSW index (hnsw_rs), hybrid fusion, the petgraph knowledge graph,
//! text extraction and chunking, and indexes that follow the store's change feed (see the
//! README's status table).

mod exact;
mod hnsw;
mod indexer;
mod keyword;
mod quant;
mod snapshot;
mod vector;

pub use exact::ExactIndex;
pub use gantry_core::graph::KnowledgeGraph;
pub use gantry_core::index::{KeywordIndex, VectorIndex};
pub use hnsw::{HnswIndex, HnswParams, Opened, UnitCosine};
pub use indexer::{CatchUp, Indexer, VectorSide};
pub use keyword::{KeywordHit, MAX_QUERY_BYTES, MAX_TEXT_BYTES, Snippet, TantivyIndex};
pub use quant::QuantisedCosine;
pub use snapshot::Snapshot;
pub use vector::{dot, normalise};
