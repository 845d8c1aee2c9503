//! Retrieval for Gantry: long-term memory over every message and document chunk.
//!
//! Built so far: [`ExactIndex`], a brute-force [`VectorIndex`] that is the recall reference
//! and a sound choice for small collections; the HNSW index (hnsw_rs); text extraction from
//! uploads ([`extract()`]) and chunking ([`chunks()`]). To come: the tantivy BM25 index, hybrid
//! fusion, the petgraph knowledge graph, and indexes that follow the store's change feed
//! (see the README's status table).

mod chunk;
mod exact;
mod extract;
mod hnsw;
mod vector;

pub use chunk::{ChunkOptions, Chunks, TextChunk, approx_tokens, chunk_text, chunks};
pub use exact::ExactIndex;
pub use extract::{ExtractError, ExtractLimits, Extracted, FileKind, extract, extract_text};
pub use gantry_core::graph::KnowledgeGraph;
pub use gantry_core::index::{KeywordIndex, VectorIndex};
pub use hnsw::{HnswIndex, HnswParams, UnitCosine};
pub use vector::{dot, normalise};
