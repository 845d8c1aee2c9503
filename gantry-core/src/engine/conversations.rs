//! Conversations and their messages.

use super::quotas::Adding;
use super::{DEFAULT_TITLE, Engine, UserScope};
use crate::ids::{ConversationId, MessageId, UserId};
use crate::model::{Conversation, ConversationPatch, Message, NewConversation};
use crate::store::{ConversationFilter, Page, PageRequest};
use crate::{Error, Result};

impl UserScope {
    /// Starts a conversation. An empty title becomes "New conversation", which the first
    /// turn replaces; a persona must be global or the user's own.
    pub async fn create_conversation(&self, mut new: NewConversation) -> Result<Conversation> {
        if new.title.trim().is_empty() {
            DEFAULT_TITLE.clone_into(&mut new.title);
        }
        new.validate()?;
        self.make_room(Adding::conversations(1)).await?;
        self.store().create_conversation(self.user, new).await
    }

    /// One conversation.
    pub async fn conversation(&self, id: ConversationId) -> Result<Conversation> {
        self.store().conversation(self.user, id).await
    }

    /// Pinned first, then the most recently active, a page at a time (keyset pagination:
    /// pass `next` back to continue, unaffected by conversations added meanwhile).
    pub async fn conversations(
        &self,
        filter: ConversationFilter,
        page: PageRequest,
    ) -> Result<Page<Conversation>> {
        self.store()
            .list_conversations(self.user, filter, page)
            .await
    }

    /// Renames, pins, archives, or changes persona or model.
    pub async fn update_conversation(
        &self,
        id: ConversationId,
        patch: ConversationPatch,
    ) -> Result<Conversation> {
        self.store().update_conversation(self.user, id, patch).await
    }

    /// Renames a conversation.
    pub async fn rename_conversation(
        &self,
        id: ConversationId,
        title: impl Into<String>,
    ) -> Result<Conversation> {
        let patch = ConversationPatch {
            title: Some(title.into()),
            ..ConversationPatch::default()
        };
        self.update_conversation(id, patch).await
    }

    /// Pins or unpins a conversation (pinned ones head the list).
    pub async fn pin_conversation(&self, id: ConversationId, pinned: bool) -> Result<Conversation> {
        let patch = ConversationPatch {
            pinned: Some(pinned),
            ..ConversationPatch::default()
        };
        self.update_conversation(id, patch).await
    }

    /// Moves a conversation to or from the archive.
    pub async fn archive_conversation(
        &self,
        id: ConversationId,
        archived: bool,
    ) -> Result<Conversation> {
        let patch = ConversationPatch {
            archived: Some(archived),
            ..ConversationPatch::default()
        };
        self.update_conversation(id, patch).await
    }

    /// Deletes a conversation: its messages and the facts they taught the knowledge graph.
    /// Nothing of it is retrieved once this returns.
    pub async fn delete_conversation(&self, id: ConversationId) -> Result<()> {
        self.store().delete_conversation(self.user, id).await?;
        self.engine.forgot(self.user);
        Ok(())
    }

    /// A conversation's messages, the latest `page.limit` first page (oldest first within
    /// it); `next` pages back towards the start.
    pub async fn messages(
        &self,
        conversation: ConversationId,
        page: PageRequest,
    ) -> Result<Page<Message>> {
        self.store()
            .list_messages(self.user, conversation, page)
            .await
    }

    /// Deletes one message (and the facts it taught); retrieval no longer finds it once
    /// this returns.
    pub async fn delete_message(&self, id: MessageId) -> Result<()> {
        self.store().delete_message(self.user, id).await?;
        self.engine.forgot(self.user);
        Ok(())
    }

    /// Every message of a conversation, oldest first (for export and regeneration).
    pub async fn all_messages(&self, conversation: ConversationId) -> Result<Vec<Message>> {
        let mut pages = Vec::new();
        let mut request = PageRequest::first(crate::validate::MAX_PAGE);
        loop {
            let page = self
                .store()
                .list_messages(self.user, conversation, request)
                .await?;
            pages.push(page.items);
            match page.next {
                Some(cursor) => request = PageRequest::after(crate::validate::MAX_PAGE, cursor),
                None => break,
            }
        }
        // Pages come newest first, each oldest first within.
        Ok(pages.into_iter().rev().flatten().collect())
    }
}

impl Engine {
    /// After the store dropped something of `user`'s: the cached graph is reloaded, and the
    /// indexes are nudged to apply the tombstones. Nothing waits for them: retrieval is
    /// re-checked against the store (`recheck`), so what was deleted is never shown even
    /// while the indexes still hold it, and a delete never waits behind someone else's
    /// indexing backlog.
    pub(crate) fn forgot(&self, user: UserId) {
        if let Some(graph) = &self.inner.graph {
            graph.invalidate(user);
        }
        self.inner.index.nudge();
    }
}

/// Refuses an empty or over-long query, naming the field.
pub(crate) fn check_query(query: &str) -> Result<&str> {
    let query = query.trim();
    if query.is_empty() {
        return Err(Error::invalid("query", "must not be empty"));
    }
    if query.len() > MAX_QUERY_BYTES {
        return Err(Error::invalid(
            "query",
            format!("must be at most {MAX_QUERY_BYTES} bytes"),
        ));
    }
    Ok(query)
}

/// The longest search query accepted (a conversation title's length: titles are searched
/// by substring).
pub(crate) const MAX_QUERY_BYTES: usize = crate::validate::MAX_TITLE_BYTES;
