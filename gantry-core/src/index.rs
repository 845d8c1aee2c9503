//! The retrieval traits: vector and keyword indexes over messages and document chunks.
//!
//! Both are derived caches of the store (see [`crate::store::ChangeFeed`]); implementations
//! live in `gantry-memory`.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Result;
use crate::ids::UserId;
use crate::store::ChangeKind;

/// What an indexed item is and whose it is, for filtering inside the search.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IndexedItem {
    /// The message or chunk id.
    pub id: Uuid,
    /// Its owner.
    pub owner_id: UserId,
    /// Message or chunk.
    pub kind: ChangeKind,
    /// The conversation (for a message) or document (for a chunk) it belongs to.
    pub parent_id: Uuid,
}

impl IndexedItem {
    /// What the item is, with typed ids: indexes keep raw UUIDs (their files and filters
    /// need no more), and this is where the engine gets the typed view back.
    pub fn source(&self) -> crate::prompt::Source {
        use crate::ids::{ChunkId, ConversationId, DocumentId, MessageId};
        match self.kind {
            ChangeKind::Message => crate::prompt::Source::Message {
                id: MessageId(self.id),
                conversation_id: ConversationId(self.parent_id),
            },
            ChangeKind::Chunk => crate::prompt::Source::Chunk {
                id: ChunkId(self.id),
                document_id: DocumentId(self.parent_id),
            },
        }
    }
}

/// Which items a search may return. The owner is always required.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchFilter {
    /// Only this user's items.
    pub owner_id: UserId,
    /// Only messages, or only chunks.
    pub kind: Option<ChangeKind>,
    /// Only items of these conversations or documents (empty: any).
    pub parents: Vec<Uuid>,
}

/// A search result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    /// The item.
    pub item: IndexedItem,
    /// Higher is better; comparable only within one index.
    pub score: f32,
}

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
