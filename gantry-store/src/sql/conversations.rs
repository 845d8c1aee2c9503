//! Conversations: created, imported with their messages, listed by keyset (pinned first,
//! then most recently updated), searched by title, and deleted with what they taught.

use async_trait::async_trait;
use gantry_core::ids::{ConversationId, MessageId, UserId};
use gantry_core::model::{Conversation, ConversationPatch, ImportedConversation, NewConversation};
use gantry_core::store::{ConversationFilter, ConversationStore, Page, PageRequest};
use gantry_core::{Error, Result};
use uuid::Uuid;

use super::super::This;
use super::changes::{Doomed, lock_counter, next_seqs, tombstone};
use super::messages::{insert_message, message_from};
use super::personas::usable_persona;
use super::rows::conversation_row;
use super::{Tx, commit, require_affected};
use crate::convert::{DbResult, now, to_micros};
use crate::shared::{
    conversation_cols, conversation_cursor, name_search, paged, parse_conversation_cursor,
    title_key,
};

/// Inserts a conversation row; `NotFound` names the owner when there is no such user.
async fn insert_conversation(tx: &mut Tx, conversation: &Conversation) -> Result<()> {
    let done = sqlx::query(
        "INSERT INTO conversations (id, owner_id, title, pinned, archived, persona_id, model, created_at, updated_at, title_key) \
         SELECT $1, id, $3, $4, $5, $6, $7, $8, $9, $10 FROM users WHERE id = $2",
    )
    .bind(conversation.id.0)
    .bind(conversation.owner_id.0)
    .bind(&conversation.title)
    .bind(conversation.pinned)
    .bind(conversation.archived)
    .bind(conversation.persona_id.map(|p| p.0))
    .bind(&conversation.model)
    .bind(to_micros(conversation.created_at))
    .bind(to_micros(conversation.updated_at))
    .bind(title_key(&conversation.title))
    .execute(&mut **tx)
    .await
    .db()?;
    require_affected(&done, || conversation.owner_id.describe())
}

/// Takes the row lock of the owner's conversation `id` (a no-op update), or fails with
/// `NotFound`.
pub(super) async fn lock_conversation(
    tx: &mut Tx,
    owner: UserId,
    id: ConversationId,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE conversations SET updated_at = updated_at WHERE id = $1 AND owner_id = $2",
    )
    .bind(id.0)
    .bind(owner.0)
    .execute(&mut **tx)
    .await
    .db()?;
    require_affected(&done, || id.describe())
}

/// Takes the row lock of the conversation the owner's message `id` is in, or fails with
/// `NotFound`. A fact learned from a message and the message's deletion take this lock, so
/// the deletion always sees the fact and forgets it.
pub(super) async fn lock_conversation_of(tx: &mut Tx, owner: UserId, id: MessageId) -> Result<()> {
    let done = sqlx::query(
        "UPDATE conversations SET updated_at = updated_at WHERE id = \
         (SELECT conversation_id FROM messages WHERE id = $1 AND owner_id = $2)",
    )
    .bind(id.0)
    .bind(owner.0)
    .execute(&mut **tx)
    .await
    .db()?;
    require_affected(&done, || id.describe())
}

#[async_trait]
impl ConversationStore for This {
    async fn create_conversation(
        &self,
        owner: UserId,
        new: NewConversation,
    ) -> Result<Conversation> {
        new.validate()?;
        let at = now();
        let conversation = Conversation {
            id: ConversationId::new(),
            owner_id: owner,
            title: new.title,
            pinned: false,
            archived: false,
            persona_id: new.persona_id,
            model: new.model,
            created_at: at,
            updated_at: at,
        };
        let mut tx = self.begin_write().await?;
        if let Some(persona) = new.persona_id {
            usable_persona(&mut tx, owner, persona).await?;
        }
        insert_conversation(&mut tx, &conversation).await?;
        commit(tx).await?;
        Ok(conversation)
    }

    async fn import_conversation(
        &self,
        owner: UserId,
        imported: ImportedConversation,
    ) -> Result<Conversation> {
        imported.validate()?;
        let mut tx = self.begin_write().await?;
        let persona_id = match imported.persona_id {
            Some(persona) => match usable_persona(&mut tx, owner, persona).await {
                Ok(()) => Some(persona),
                Err(Error::NotFound { .. }) => None,
                Err(error) => return Err(error),
            },
            None => None,
        };
        let conversation = Conversation {
            id: ConversationId::new(),
            owner_id: owner,
            title: imported.title,
            pinned: imported.pinned,
            archived: imported.archived,
            persona_id,
            model: imported.model,
            created_at: imported.created_at,
            updated_at: imported.updated_at,
        };
        insert_conversation(&mut tx, &conversation).await?;
        let count = i64::try_from(imported.messages.len()).unwrap_or(i64::MAX);
        if count > 0 {
            let first = next_seqs(&mut tx, count).await?;
            for (seq, (new, created_at)) in (first..).zip(imported.messages) {
                let message = message_from(new, conversation.id, owner, created_at);
                insert_message(&mut tx, &message, seq).await?;
            }
            sqlx::query("UPDATE conversations SET message_count = $2 WHERE id = $1")
                .bind(conversation.id.0)
                .bind(count)
                .execute(&mut *tx)
                .await
                .db()?;
        }
        commit(tx).await?;
        Ok(conversation)
    }

    async fn conversation(&self, owner: UserId, id: ConversationId) -> Result<Conversation> {
        let row = sqlx::query(concat!(
            "SELECT ",
            conversation_cols!(),
            " FROM conversations WHERE id = $1 AND owner_id = $2"
        ))
        .bind(id.0)
        .bind(owner.0)
        .fetch_optional(&self.pool)
        .await
        .db()?
        .ok_or_else(|| Error::not_found(id.describe()))?;
        conversation_row(&row)
    }

    async fn list_conversations(
        &self,
        owner: UserId,
        filter: ConversationFilter,
        page: PageRequest,
    ) -> Result<Page<Conversation>> {
        gantry_core::validate::page_limit(page.limit)?;
        let (pinned, updated, id) = match &page.cursor {
            Some(cursor) => parse_conversation_cursor(cursor)?,
            None => (true, i64::MAX, Uuid::max()),
        };
        let rows = sqlx::query(concat!(
            "SELECT ",
            conversation_cols!(),
            " FROM conversations \
             WHERE owner_id = $1 AND archived = $2 AND (pinned, updated_at, id) < ($3, $4, $5) \
             ORDER BY pinned DESC, updated_at DESC, id DESC LIMIT $6"
        ))
        .bind(owner.0)
        .bind(filter.archived)
        .bind(pinned)
        .bind(updated)
        .bind(id)
        .bind(i64::from(page.limit) + 1)
        .fetch_all(&self.pool)
        .await
        .db()?;
        let items = rows
            .iter()
            .map(conversation_row)
            .collect::<Result<Vec<_>>>()?;
        Ok(paged(items, page.limit, conversation_cursor))
    }

    async fn update_conversation(
        &self,
        owner: UserId,
        id: ConversationId,
        patch: ConversationPatch,
    ) -> Result<Conversation> {
        patch.validate()?;
        let mut tx = self.begin_write().await?;
        if let Some(Some(persona)) = patch.persona_id {
            usable_persona(&mut tx, owner, persona).await?;
        }
        // One statement that sets only what the patch names: on PostgreSQL it re-reads the
        // row once it holds its lock, so two patches of different fields at the same time
        // both stick (reading the row and writing every column back lost one of them).
        let row = sqlx::query(concat!(
            "UPDATE conversations SET \
             title = CASE WHEN $3 IS NULL THEN title \
               WHEN $12 IS NULL OR title = $12 THEN $3 ELSE title END, \
             title_key = CASE WHEN $4 IS NULL THEN title_key \
               WHEN $12 IS NULL OR title = $12 THEN $4 ELSE title_key END, \
             pinned = COALESCE($5, pinned), archived = COALESCE($6, archived), \
             persona_id = CASE WHEN $7 THEN $8 ELSE persona_id END, \
             model = CASE WHEN $9 THEN $10 ELSE model END, updated_at = $11 \
             WHERE id = $1 AND owner_id = $2 RETURNING ",
            conversation_cols!()
        ))
        .bind(id.0)
        .bind(owner.0)
        .bind(patch.title.as_deref())
        .bind(patch.title.as_deref().map(title_key))
        .bind(patch.pinned)
        .bind(patch.archived)
        .bind(patch.persona_id.is_some())
        .bind(patch.persona_id.flatten().map(|p| p.0))
        .bind(patch.model.is_some())
        .bind(patch.model.flatten())
        .bind(to_micros(now()))
        .bind(patch.title_if.as_deref())
        .fetch_optional(&mut *tx)
        .await
        .db()?
        .ok_or_else(|| Error::not_found(id.describe()))?;
        let conversation = conversation_row(&row)?;
        commit(tx).await?;
        Ok(conversation)
    }

    async fn delete_conversation(&self, owner: UserId, id: ConversationId) -> Result<()> {
        let mut tx = self.begin_write().await?;
        // Locks in the order every writer takes them, the change counter first (so no
        // message is added or renumbered meanwhile), then the conversation's row, which
        // `add_relation` takes too: no fact can be learned from one of its messages
        // between forgetting its facts and deleting its messages.
        lock_counter(&mut tx).await?;
        lock_conversation(&mut tx, owner, id).await?;
        // Forget what the conversation taught: the foreign key alone would keep the facts
        // with their provenance cleared.
        sqlx::query(
            "DELETE FROM relations WHERE owner_id = $2 AND source_message_id IN \
             (SELECT id FROM messages WHERE conversation_id = $1)",
        )
        .bind(id.0)
        .bind(owner.0)
        .execute(&mut *tx)
        .await
        .db()?;
        tombstone(&mut tx, Doomed::MessagesOfConversation, id.0).await?;
        sqlx::query("DELETE FROM conversations WHERE id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .db()?;
        commit(tx).await
    }

    async fn search_conversations(
        &self,
        owner: UserId,
        query: &str,
        limit: u32,
    ) -> Result<Vec<Conversation>> {
        let Some(pattern) = name_search(query, limit)? else {
            return Ok(Vec::new());
        };
        let rows = sqlx::query(concat!(
            "SELECT ",
            conversation_cols!(),
            " FROM conversations \
             WHERE owner_id = $1 AND title_key LIKE $2 ESCAPE '\\' \
             ORDER BY updated_at DESC, id DESC LIMIT $3"
        ))
        .bind(owner.0)
        .bind(pattern)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter().map(conversation_row).collect()
    }
}
