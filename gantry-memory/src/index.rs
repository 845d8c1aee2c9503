//! The index traits: vector and keyword indexes over messages and document chunks. Both are
//! derived caches of the store (see `gantry_core::store::ChangeFeed`): the [`Indexer`](crate::Indexer)
//! feeds them and [`HybridSearch`](crate::HybridSearch) reads them, each through these traits,
//! so the exact index can stand in for HNSW anywhere.

use std::collections::HashMap;

use async_trait::async_trait;
use gantry_core::Result;
use gantry_core::index::{Hit, IndexedItem, SearchFilter};
use uuid::Uuid;

use crate::keyword::Snippet;
use crate::snapshot::Snapshot;

/// Nearest-neighbour search over embeddings.
#[async_trait]
pub trait VectorIndex: Send + Sync + std::fmt::Debug {
    /// The vectors' length.
    fn dimension(&self) -> usize;
    /// Live vectors.
    fn len(&self) -> usize;
    /// Whether it holds no live vector.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Whether it is still building what it loaded (searches then see only what was
    /// written since it opened).
    fn loading(&self) -> bool {
        false
    }
    /// The live items and vectors with the applied change number, for saving to a file
    /// (the caller writes it, on a blocking thread: copying a large index takes a while).
    fn snapshot(&self, embedder: &str) -> Snapshot;
    /// Adds or replaces items.
    async fn upsert(&self, items: Vec<(IndexedItem, Vec<f32>)>) -> Result<()>;
    /// Removes items; unknown ids are ignored.
    async fn remove(&self, ids: &[Uuid]) -> Result<()>;
    /// The `k` nearest items that pass the filter.
    async fn search(&self, query: &[f32], k: usize, filter: &SearchFilter) -> Result<Vec<Hit>>;
    /// The last change-feed number applied.
    async fn applied_seq(&self) -> Result<i64>;
    /// Records that every change up to `seq` has been applied.
    async fn mark_applied(&self, seq: i64) -> Result<()>;
    /// Removes every item and sets the applied change number to 0, so the index is
    /// rebuilt from the store.
    async fn clear(&self) -> Result<()>;
    /// Applies one batch of the change feed (upserts and removals of distinct ids) and
    /// records `seq`. Implementations that can make this one atomic step should.
    async fn apply(
        &self,
        upserts: Vec<(IndexedItem, Vec<f32>)>,
        removals: &[Uuid],
        seq: i64,
    ) -> Result<()> {
        if !upserts.is_empty() {
            self.upsert(upserts).await?;
        }
        if !removals.is_empty() {
            self.remove(removals).await?;
        }
        self.mark_applied(seq).await
    }
}

/// Full-text (BM25) search. The keyword index also keeps each item's text, so hybrid
/// search takes its results' texts and snippets from it.
#[async_trait]
pub trait KeywordIndex: Send + Sync + std::fmt::Debug {
    /// Live items.
    fn len(&self) -> usize;
    /// Whether it holds no item.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The stored texts of the items among `ids` that it holds.
    fn texts(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, String>>;
    /// An excerpt of each text with the query's words marked, in order.
    fn snippets(&self, query: &str, texts: &[&str]) -> Result<Vec<Snippet>>;
    /// Adds or replaces items.
    async fn upsert(&self, items: Vec<(IndexedItem, String)>) -> Result<()>;
    /// Removes items; unknown ids are ignored.
    async fn remove(&self, ids: &[Uuid]) -> Result<()>;
    /// The `k` best-matching items that pass the filter.
    async fn search(&self, query: &str, k: usize, filter: &SearchFilter) -> Result<Vec<Hit>>;
    /// The last change-feed number applied.
    async fn applied_seq(&self) -> Result<i64>;
    /// Records that every change up to `seq` has been applied.
    async fn mark_applied(&self, seq: i64) -> Result<()>;
    /// Removes every item and sets the applied change number to 0, so the index is
    /// rebuilt from the store.
    async fn clear(&self) -> Result<()>;
    /// Applies one batch of the change feed (upserts and removals of distinct ids) and
    /// records `seq`. Implementations that can make this one atomic step should.
    async fn apply(
        &self,
        upserts: Vec<(IndexedItem, String)>,
        removals: &[Uuid],
        seq: i64,
    ) -> Result<()> {
        if !upserts.is_empty() {
            self.upsert(upserts).await?;
        }
        if !removals.is_empty() {
            self.remove(removals).await?;
        }
        self.mark_applied(seq).await
    }
}
