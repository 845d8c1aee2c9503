//! What a retrieval index holds and answers: an item (message or document chunk) with its
//! owner and parent, the filter every search takes, and a scored hit. The index traits and
//! their implementations live in `gantry-memory`, where they are used; the engine sees
//! retrieval only through its `Retriever` port.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ids::UserId;
use crate::store::ChangeKind;

/// Where a search spent its time, stage by stage.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageTimings {
    /// Embedding the query.
    pub embed: Duration,
    /// The vector search.
    pub vector: Duration,
    /// The keyword search.
    pub keyword: Duration,
    /// Fusing, and fetching texts and snippets of the results.
    pub fuse: Duration,
}

impl std::ops::AddAssign for StageTimings {
    /// Adds a second search's times (a scoped turn searches twice).
    fn add_assign(&mut self, other: Self) {
        self.embed += other.embed;
        self.vector += other.vector;
        self.keyword += other.keyword;
        self.fuse += other.fuse;
    }
}

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
