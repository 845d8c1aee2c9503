//! Collections of documents, and conversations scoped to chosen documents and collections.

use super::UserScope;
use super::quotas::Adding;
use crate::Result;
use crate::ids::{CollectionId, ConversationId, DocumentId};
use crate::model::{Collection, ConversationScope, Document, NewCollection};

impl UserScope {
    /// Creates a collection; a second one with the same name (in any case) is a conflict.
    pub async fn create_collection(&self, new: NewCollection) -> Result<Collection> {
        new.validate()?;
        self.make_room(Adding::collection()).await?;
        self.store().create_collection(self.user, new).await
    }

    /// One of the user's collections.
    pub async fn collection(&self, id: CollectionId) -> Result<Collection> {
        self.store().collection(self.user, id).await
    }

    /// The user's collections, by name.
    pub async fn collections(&self) -> Result<Vec<Collection>> {
        self.store().list_collections(self.user).await
    }

    /// Renames a collection or changes its description.
    pub async fn update_collection(
        &self,
        id: CollectionId,
        new: NewCollection,
    ) -> Result<Collection> {
        self.store().update_collection(self.user, id, new).await
    }

    /// Deletes a collection; its documents stay.
    pub async fn delete_collection(&self, id: CollectionId) -> Result<()> {
        self.store().delete_collection(self.user, id).await
    }

    /// Puts one of the user's documents in one of their collections (again is a no-op).
    pub async fn add_to_collection(&self, id: CollectionId, document: DocumentId) -> Result<()> {
        self.store()
            .add_to_collection(self.user, id, document)
            .await
    }

    /// Takes a document out of a collection.
    pub async fn remove_from_collection(
        &self,
        id: CollectionId,
        document: DocumentId,
    ) -> Result<()> {
        self.engine
            .inner
            .store
            .remove_from_collection(self.user, id, document)
            .await
    }

    /// A collection's documents, newest first.
    pub async fn collection_documents(&self, id: CollectionId) -> Result<Vec<Document>> {
        self.store().collection_documents(self.user, id).await
    }

    /// Limits what a conversation's turns draw on to these documents and collections (plus
    /// the user's earlier messages); an empty scope lifts the limit.
    pub async fn scope_conversation(
        &self,
        conversation: ConversationId,
        scope: ConversationScope,
    ) -> Result<ConversationScope> {
        self.engine
            .inner
            .store
            .set_conversation_scope(self.user, conversation, scope)
            .await
    }

    /// What a conversation is scoped to (empty: everything).
    pub async fn conversation_scope(
        &self,
        conversation: ConversationId,
    ) -> Result<ConversationScope> {
        self.engine
            .inner
            .store
            .conversation_scope(self.user, conversation)
            .await
    }
}
