//! Collections of documents, and the scope of a conversation: the documents and
//! collections its retrieval may draw on.

use async_trait::async_trait;
use gantry_core::ids::{CollectionId, ConversationId, DocumentId, UserId};
use gantry_core::model::{Collection, ConversationScope, Document, NewCollection};
use gantry_core::store::CollectionStore;
use gantry_core::{Error, Result};
use uuid::Uuid;

use super::super::This;
use super::rows::{collection_row, document_row};
use super::{Tx, commit, require_affected, require_owned};
use crate::convert::{DbResult, now, to_micros};
use crate::shared::{collection_cols, document_cols, name_key};

/// A conversation's scope as stored, each list in id (creation) order.
async fn fetch_scope(tx: &mut Tx, conversation: ConversationId) -> Result<ConversationScope> {
    let documents: Vec<Uuid> = sqlx::query_scalar(
        "SELECT document_id FROM conversation_scope_documents WHERE conversation_id = $1 \
         ORDER BY document_id",
    )
    .bind(conversation.0)
    .fetch_all(&mut **tx)
    .await
    .db()?;
    let collections: Vec<Uuid> = sqlx::query_scalar(
        "SELECT collection_id FROM conversation_scope_collections WHERE conversation_id = $1 \
         ORDER BY collection_id",
    )
    .bind(conversation.0)
    .fetch_all(&mut **tx)
    .await
    .db()?;
    Ok(ConversationScope {
        documents: documents.into_iter().map(DocumentId).collect(),
        collections: collections.into_iter().map(CollectionId).collect(),
    })
}

#[async_trait]
impl CollectionStore for This {
    async fn create_collection(&self, owner: UserId, new: NewCollection) -> Result<Collection> {
        new.validate()?;
        let at = now();
        let collection = Collection {
            id: CollectionId::new(),
            owner_id: owner,
            name: new.name,
            description: new.description,
            created_at: at,
            updated_at: at,
        };
        let done = sqlx::query(
            "INSERT INTO collections (id, owner_id, name, name_key, description, created_at, updated_at) \
             SELECT $1, id, $3, $4, $5, $6, $7 FROM users WHERE id = $2",
        )
        .bind(collection.id.0)
        .bind(owner.0)
        .bind(&collection.name)
        .bind(name_key(&collection.name))
        .bind(&collection.description)
        .bind(to_micros(at))
        .bind(to_micros(at))
        .execute(&self.pool)
        .await
        .db_conflict(|| {
            format!(
                "a collection named {} already exists",
                collection.name.trim()
            )
        })?;
        require_affected(&done, || owner.describe())?;
        Ok(collection)
    }

    async fn collection(&self, owner: UserId, id: CollectionId) -> Result<Collection> {
        let row = sqlx::query(concat!(
            "SELECT ",
            collection_cols!(),
            " FROM collections WHERE id = $1 AND owner_id = $2"
        ))
        .bind(id.0)
        .bind(owner.0)
        .fetch_optional(&self.pool)
        .await
        .db()?
        .ok_or_else(|| Error::not_found(id.describe()))?;
        collection_row(&row)
    }

    async fn list_collections(&self, owner: UserId) -> Result<Vec<Collection>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            collection_cols!(),
            " FROM collections WHERE owner_id = $1 ORDER BY name_key, id"
        ))
        .bind(owner.0)
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter().map(collection_row).collect()
    }

    async fn update_collection(
        &self,
        owner: UserId,
        id: CollectionId,
        new: NewCollection,
    ) -> Result<Collection> {
        new.validate()?;
        let row = sqlx::query(concat!(
            "UPDATE collections SET name = $3, name_key = $4, description = $5, updated_at = $6 \
             WHERE id = $1 AND owner_id = $2 RETURNING ",
            collection_cols!()
        ))
        .bind(id.0)
        .bind(owner.0)
        .bind(&new.name)
        .bind(name_key(&new.name))
        .bind(&new.description)
        .bind(to_micros(now()))
        .fetch_optional(&self.pool)
        .await
        .db_conflict(|| format!("a collection named {} already exists", new.name.trim()))?
        .ok_or_else(|| Error::not_found(id.describe()))?;
        collection_row(&row)
    }

    async fn delete_collection(&self, owner: UserId, id: CollectionId) -> Result<()> {
        let done = sqlx::query("DELETE FROM collections WHERE id = $1 AND owner_id = $2")
            .bind(id.0)
            .bind(owner.0)
            .execute(&self.pool)
            .await
            .db()?;
        require_affected(&done, || id.describe())
    }

    async fn add_to_collection(
        &self,
        owner: UserId,
        id: CollectionId,
        document: DocumentId,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        require_owned(&mut tx, owner, id).await?;
        require_owned(&mut tx, owner, document).await?;
        sqlx::query(
            "INSERT INTO collection_documents (collection_id, document_id, added_at) \
             VALUES ($1, $2, $3) ON CONFLICT (collection_id, document_id) DO NOTHING",
        )
        .bind(id.0)
        .bind(document.0)
        .bind(to_micros(now()))
        .execute(&mut *tx)
        .await
        .db()?;
        commit(tx).await
    }

    async fn remove_from_collection(
        &self,
        owner: UserId,
        id: CollectionId,
        document: DocumentId,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        require_owned(&mut tx, owner, id).await?;
        require_owned(&mut tx, owner, document).await?;
        sqlx::query(
            "DELETE FROM collection_documents WHERE collection_id = $1 AND document_id = $2",
        )
        .bind(id.0)
        .bind(document.0)
        .execute(&mut *tx)
        .await
        .db()?;
        commit(tx).await
    }

    async fn collection_documents(&self, owner: UserId, id: CollectionId) -> Result<Vec<Document>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            document_cols!(),
            " FROM documents WHERE owner_id = $2 AND id IN \
             (SELECT document_id FROM collection_documents WHERE collection_id = $1) \
             ORDER BY id DESC"
        ))
        .bind(id.0)
        .bind(owner.0)
        .fetch_all(&self.pool)
        .await
        .db()?;
        if rows.is_empty() {
            // Tell an empty collection from a missing or foreign one.
            self.collection(owner, id).await?;
        }
        rows.iter().map(document_row).collect()
    }

    async fn set_conversation_scope(
        &self,
        owner: UserId,
        conversation: ConversationId,
        scope: ConversationScope,
    ) -> Result<ConversationScope> {
        scope.validate()?;
        let mut documents = scope.documents;
        documents.sort_unstable();
        documents.dedup();
        let mut collections = scope.collections;
        collections.sort_unstable();
        collections.dedup();
        let mut tx = self.begin_write().await?;
        require_owned(&mut tx, owner, conversation).await?;
        for document in &documents {
            require_owned(&mut tx, owner, *document).await?;
        }
        for collection in &collections {
            require_owned(&mut tx, owner, *collection).await?;
        }
        sqlx::query("DELETE FROM conversation_scope_documents WHERE conversation_id = $1")
            .bind(conversation.0)
            .execute(&mut *tx)
            .await
            .db()?;
        sqlx::query("DELETE FROM conversation_scope_collections WHERE conversation_id = $1")
            .bind(conversation.0)
            .execute(&mut *tx)
            .await
            .db()?;
        for document in &documents {
            sqlx::query(
                "INSERT INTO conversation_scope_documents (conversation_id, document_id) VALUES ($1, $2)",
            )
            .bind(conversation.0)
            .bind(document.0)
            .execute(&mut *tx)
            .await
            .db()?;
        }
        for collection in &collections {
            sqlx::query(
                "INSERT INTO conversation_scope_collections (conversation_id, collection_id) VALUES ($1, $2)",
            )
            .bind(conversation.0)
            .bind(collection.0)
            .execute(&mut *tx)
            .await
            .db()?;
        }
        let stored = fetch_scope(&mut tx, conversation).await?;
        commit(tx).await?;
        Ok(stored)
    }

    async fn conversation_scope(
        &self,
        owner: UserId,
        conversation: ConversationId,
    ) -> Result<ConversationScope> {
        let mut tx = self.pool.begin().await.db()?;
        require_owned(&mut tx, owner, conversation).await?;
        let scope = fetch_scope(&mut tx, conversation).await?;
        commit(tx).await?;
        Ok(scope)
    }

    async fn scope_documents(
        &self,
        owner: UserId,
        conversation: ConversationId,
    ) -> Result<Option<Vec<DocumentId>>> {
        let mut tx = self.pool.begin().await.db()?;
        require_owned(&mut tx, owner, conversation).await?;
        let entries: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM conversation_scope_documents WHERE conversation_id = $1) \
                  + (SELECT COUNT(*) FROM conversation_scope_collections WHERE conversation_id = $1)",
        )
        .bind(conversation.0)
        .fetch_one(&mut *tx)
        .await
        .db()?;
        if entries == 0 {
            commit(tx).await?;
            return Ok(None);
        }
        let ids: Vec<Uuid> = sqlx::query_scalar(
            "SELECT id FROM documents WHERE owner_id = $2 AND ( \
               id IN (SELECT document_id FROM conversation_scope_documents WHERE conversation_id = $1) \
               OR id IN (SELECT cd.document_id FROM collection_documents cd \
                         JOIN conversation_scope_collections sc ON sc.collection_id = cd.collection_id \
                         WHERE sc.conversation_id = $1)) \
             ORDER BY id",
        )
        .bind(conversation.0)
        .bind(owner.0)
        .fetch_all(&mut *tx)
        .await
        .db()?;
        commit(tx).await?;
        Ok(Some(ids.into_iter().map(DocumentId).collect()))
    }
}
