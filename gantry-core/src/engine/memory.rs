//! What Gantry remembers about a person, shown to them and correctable by them.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::UserScope;
use crate::Result;
use crate::graph::Subgraph;
use crate::ids::{EntityId, MessageId, RelationId};
use crate::model::Entity;

/// A remembered fact, spelled out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Fact {
    /// The fact's id, for deleting it.
    pub id: RelationId,
    /// Who or what it is about.
    pub subject: String,
    /// How they are related, e.g. `works_at`.
    pub predicate: String,
    /// The other side.
    pub object: String,
    /// The message it was learned from, if it is still there.
    pub source_message_id: Option<MessageId>,
    /// Since when it holds.
    #[serde(with = "time::serde::rfc3339")]
    pub valid_from: OffsetDateTime,
}

/// Everything the knowledge graph holds about a user.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemoryView {
    /// The people, places and things named.
    pub entities: Vec<Entity>,
    /// What holds between them now, newest first.
    pub facts: Vec<Fact>,
}

impl UserScope {
    /// What Gantry remembers about the user: the entities and current facts of their
    /// knowledge graph. (Their messages are remembered too; they are listed and deleted
    /// through their conversations.)
    pub async fn memory(&self) -> Result<MemoryView> {
        let entities = self.store().entities(self.user).await?;
        let relations = self.store().relations(self.user, false).await?;
        let names: std::collections::HashMap<_, _> =
            entities.iter().map(|e| (e.id, e.name.clone())).collect();
        let mut facts: Vec<Fact> = relations
            .into_iter()
            .filter_map(|r| {
                Some(Fact {
                    subject: names.get(&r.subject_id)?.clone(),
                    object: names.get(&r.object_id)?.clone(),
                    id: r.id,
                    predicate: r.predicate,
                    source_message_id: r.source_message_id,
                    valid_from: r.valid_from,
                })
            })
            .collect();
        facts.sort_by_key(|f| std::cmp::Reverse(f.valid_from));
        Ok(MemoryView { entities, facts })
    }

    /// Forgets one fact; the next turn no longer sees it.
    pub async fn forget_fact(&self, id: RelationId) -> Result<()> {
        match &self.engine.inner.graph {
            Some(graph) => graph.forget_relation(self.user, id).await,
            None => self.store().delete_relation(self.user, id).await,
        }
    }

    /// Forgets an entity and every fact about it.
    pub async fn forget_entity(&self, id: EntityId) -> Result<()> {
        match &self.engine.inner.graph {
            Some(graph) => graph.forget_entity(self.user, id).await,
            None => self.store().delete_entity(self.user, id).await,
        }
    }

    /// The part of the user's knowledge graph within `hops` relations of `entity` (at most
    /// 4 hops): for a picture of what Gantry knows around it. Empty when no graph is
    /// configured.
    pub async fn neighbourhood(&self, entity: EntityId, hops: u32) -> Result<Subgraph> {
        match &self.engine.inner.graph {
            Some(graph) => graph.neighbourhood(self.user, entity, hops).await,
            None => Ok(Subgraph::default()),
        }
    }
}
