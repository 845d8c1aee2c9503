//! The knowledge graph: entities (unique per owner by name and kind) and the relations
//! between them, each valid from when it was learned until an exclusive one replaces it.

use async_trait::async_trait;
use gantry_core::ids::{EntityId, RelationId, UserId};
use gantry_core::model::{Entity, NewEntity, NewRelation, Relation};
use gantry_core::store::GraphStore;
use gantry_core::{Error, Result};

use super::super::This;
use super::conversations::lock_conversation_of;
use super::rows::{entity_row, relation_row};
use super::{commit, require_affected, require_owned};
use crate::convert::{DbResult, now, to_micros};
use crate::shared::{entity_cols, relation_cols};

#[async_trait]
impl GraphStore for This {
    async fn upsert_entity(&self, owner: UserId, new: NewEntity) -> Result<Entity> {
        new.validate()?;
        let name = new.name;
        let key = name.trim().to_lowercase();
        let kind = new.kind.trim().to_lowercase();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO entities (id, owner_id, name, name_key, kind, created_at) \
             SELECT $1, id, $3, $4, $5, $6 FROM users WHERE id = $2 \
             ON CONFLICT (owner_id, name_key, kind) DO NOTHING",
        )
        .bind(EntityId::new().0)
        .bind(owner.0)
        .bind(&name)
        .bind(&key)
        .bind(&kind)
        .bind(to_micros(now()))
        .execute(&mut *tx)
        .await
        .db()?;
        let row = sqlx::query(concat!(
            "SELECT ",
            entity_cols!(),
            " FROM entities WHERE owner_id = $1 AND name_key = $2 AND kind = $3"
        ))
        .bind(owner.0)
        .bind(&key)
        .bind(&kind)
        .fetch_optional(&mut *tx)
        .await
        .db()?
        .ok_or_else(|| Error::not_found(owner.describe()))?;
        commit(tx).await?;
        entity_row(&row)
    }

    async fn entities(&self, owner: UserId) -> Result<Vec<Entity>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            entity_cols!(),
            " FROM entities WHERE owner_id = $1 ORDER BY id"
        ))
        .bind(owner.0)
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter().map(entity_row).collect()
    }

    async fn delete_entity(&self, owner: UserId, id: EntityId) -> Result<()> {
        let done = sqlx::query("DELETE FROM entities WHERE id = $1 AND owner_id = $2")
            .bind(id.0)
            .bind(owner.0)
            .execute(&self.pool)
            .await
            .db()?;
        require_affected(&done, || id.describe())
    }

    async fn add_relation(&self, owner: UserId, new: NewRelation) -> Result<Relation> {
        new.validate()?;
        let predicate = new.predicate.trim().to_lowercase();
        let mut tx = self.begin_write().await?;
        for entity in [new.subject_id, new.object_id] {
            require_owned(&mut tx, owner, entity).await?;
        }
        if let Some(message) = new.source_message_id {
            // Not only a check that the message is the owner's: deleting the message or its
            // conversation takes the same lock before it forgets the message's facts, so
            // this fact is either seen and forgotten or refused as about a missing message.
            lock_conversation_of(&mut tx, owner, message).await?;
        }
        let existing = sqlx::query(concat!(
            "SELECT ",
            relation_cols!(),
            " FROM relations WHERE owner_id = $1 AND subject_id = $2 \
             AND predicate = $3 AND object_id = $4 AND valid_to IS NULL"
        ))
        .bind(owner.0)
        .bind(new.subject_id.0)
        .bind(&predicate)
        .bind(new.object_id.0)
        .fetch_optional(&mut *tx)
        .await
        .db()?;
        if let Some(row) = existing {
            return relation_row(&row);
        }
        let at = now();
        if new.exclusive {
            sqlx::query(
                "UPDATE relations SET valid_to = $4 WHERE owner_id = $1 AND subject_id = $2 \
                 AND predicate = $3 AND valid_to IS NULL",
            )
            .bind(owner.0)
            .bind(new.subject_id.0)
            .bind(&predicate)
            .bind(to_micros(at))
            .execute(&mut *tx)
            .await
            .db()?;
        }
        let relation = Relation {
            id: RelationId::new(),
            owner_id: owner,
            subject_id: new.subject_id,
            predicate,
            object_id: new.object_id,
            source_message_id: new.source_message_id,
            valid_from: at,
            valid_to: None,
        };
        sqlx::query(concat!(
            "INSERT INTO relations (",
            relation_cols!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        ))
        .bind(relation.id.0)
        .bind(owner.0)
        .bind(relation.subject_id.0)
        .bind(&relation.predicate)
        .bind(relation.object_id.0)
        .bind(relation.source_message_id.map(|m| m.0))
        .bind(to_micros(at))
        .bind(None::<i64>)
        .execute(&mut *tx)
        .await
        .db()?;
        commit(tx).await?;
        Ok(relation)
    }

    async fn relations(&self, owner: UserId, include_closed: bool) -> Result<Vec<Relation>> {
        let sql = if include_closed {
            concat!(
                "SELECT ",
                relation_cols!(),
                " FROM relations WHERE owner_id = $1 ORDER BY valid_from, id"
            )
        } else {
            concat!(
                "SELECT ",
                relation_cols!(),
                " FROM relations WHERE owner_id = $1 AND valid_to IS NULL ORDER BY valid_from, id"
            )
        };
        let rows = sqlx::query(sql)
            .bind(owner.0)
            .fetch_all(&self.pool)
            .await
            .db()?;
        rows.iter().map(relation_row).collect()
    }

    async fn delete_relation(&self, owner: UserId, id: RelationId) -> Result<()> {
        let done = sqlx::query("DELETE FROM relations WHERE id = $1 AND owner_id = $2")
            .bind(id.0)
            .bind(owner.0)
            .execute(&self.pool)
            .await
            .db()?;
        require_affected(&done, || id.describe())
    }
}
