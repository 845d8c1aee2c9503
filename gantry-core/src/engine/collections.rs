//! Collections of documents, and conversations scoped to chosen documents and collections.

use super::Engine;
use crate::Result;
use crate::ids::{CollectionId, ConversationId, DocumentId, UserId};
use crate::model::{Collection, ConversationScope, Document, NewCollection};

impl Engine {
    /// Creates a collection; a second one with the same name (in any case) is a conflict.
    pub async fn create_collection(&self, user: UserId, new: NewCollection) -> Result<Collection> {
        self.inner.store.create_collection(user, new).await
    }

    /// The user's collections, by name.
    pub async fn collections(&self, user: UserId) -> Result<Vec<Collection>> {
        self.inner.store.list_collections(user).await
    }

    /// Renames a collection or changes its description.
    pub async fn update_collection(
        &self,
        user: UserId,
        id: CollectionId,
        new: NewCollection,
    ) -> Result<Collection> {
        self.inner.store.update_collection(user, id, new).await
    }

    /// Deletes a collection; its documents stay.
    pub async fn delete_collection(&self, user: UserId, id: CollectionId) -> Result<()> {
        self.inner.store.delete_collection(user, id).await
    }

    /// Puts one of the user's documents in one of their collections (again is a no-op).
    pub async fn add_to_collection(
        &self,
        user: UserId,
        id: CollectionId,
        document: DocumentId,
    ) -> Result<()> {
        self.inner.store.add_to_collection(user, id, document).await
    }

    /// Takes a document out of a collection.
    pub async fn remove_from_collection(
        &self,
        user: UserId,
        id: CollectionId,
        document: DocumentId,
    ) -> Result<()> {
        self.inner
            .store
            .remove_from_collection(user, id, document)
            .await
    }

    /// A collection's documents, newest first.
    pub async fn collection_documents(
        &self,
        user: UserId,
        id: CollectionId,
    ) -> Result<Vec<Document>> {
        self.inner.store.collection_documents(user, id).await
    }

    /// Limits what a conversation's turns draw on to these documents and collections (plus
    /// the user's earlier messages); an empty scope lifts the limit.
    pub async fn scope_conversation(
        &self,
        user: UserId,
        conversation: ConversationId,
        scope: ConversationScope,
    ) -> Result<ConversationScope> {
        self.inner
            .store
            .set_conversation_scope(user, conversation, scope)
            .await
    }

    /// What a conversation is scoped to (empty: everything).
    pub async fn conversation_scope(
        &self,
        user: UserId,
        conversation: ConversationId,
    ) -> Result<ConversationScope> {
        self.inner
            .store
            .conversation_scope(user, conversation)
            .await
    }
}
