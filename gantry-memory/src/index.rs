//! The index traits: vector and keyword indexes over messages and document chunks. Both are
//! derived caches of the store (see `gantry_core::store::ChangeFeed`): the [`Indexer`](crate::Indexer)
//! feeds them and [`HybridSearch`](crate::HybridSearch) reads them, each through these traits,
//! so the exact index can stand in for HNSW anywhere.

use async_trait::async_trait;
use gantry_core::Result;
use gantry_core::index::{Hit, IndexedItem, SearchFilter};
use uuid::Uuid;

/// Nearest-neighbour search over embeddings.
#[async_trait]
pub trait VectorIndex: Send + Sync {
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

/// Full-text (BM25) search.
#[async_trait]
pub trait KeywordIndex: Send + Sync {
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
