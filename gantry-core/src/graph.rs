//! The knowledge-graph trait: queries over a user's entities and facts.
//!
//! The rows live in the store ([`crate::store::GraphStore`]); an implementation in
//! `gantry-memory` keeps them in an in-memory graph for fast traversal.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::ids::{EntityId, RelationId, UserId};
use crate::model::{Entity, Relation};

/// Part of a user's graph: some entities and the facts between them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Subgraph {
    /// The entities.
    pub entities: Vec<Entity>,
    /// The facts that hold between them.
    pub relations: Vec<Relation>,
}

/// Traversals of a user's knowledge graph.
#[async_trait]
pub trait KnowledgeGraph: Send + Sync {
    /// The entities within `hops` of `entity`, and the facts that hold between them.
    async fn neighbourhood(&self, owner: UserId, entity: EntityId, hops: u32) -> Result<Subgraph>;
    /// A shortest chain of facts from one entity to another, if any.
    async fn path(&self, owner: UserId, from: EntityId, to: EntityId) -> Result<Option<Subgraph>>;
    /// The facts about entities named in `text` (a user's question).
    async fn facts_about(&self, owner: UserId, text: &str) -> Result<Subgraph>;
    /// Deletes one fact, in the store and in any cached graph.
    async fn forget_relation(&self, owner: UserId, id: RelationId) -> Result<()>;
    /// Deletes an entity and every fact that mentions it.
    async fn forget_entity(&self, owner: UserId, id: EntityId) -> Result<()>;
    /// Drops any cached copy of the user's graph after facts changed in the store directly
    /// (a deleted conversation takes the facts it taught with it).
    fn invalidate(&self, owner: UserId);
}
