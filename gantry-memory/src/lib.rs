//! Retrieval for Gantry: long-term memory over every message and document chunk.
//!
//! This crate will hold the HNSW vector index (hnsw_rs), the tantivy BM25 index, hybrid
//! fusion by reciprocal rank, the petgraph knowledge graph, and text extraction and
//! chunking for documents, each implementing the traits of [`gantry_core::index`] and
//! [`gantry_core::graph`] and following the store's change feed. It is not built yet: see
//! the README's status table.

pub use gantry_core::graph::KnowledgeGraph;
pub use gantry_core::index::{KeywordIndex, VectorIndex};
