//! Messages: appended to a conversation in change-number order (a message's position is
//! the change number it was written with), listed newest page first, updated while an
//! answer streams in, and deleted with a tombstone.

use async_trait::async_trait;
use gantry_core::ids::{ConversationId, MessageId, UserId};
use gantry_core::model::{AnswerContext, Message, MessageRole, NewMessage};
use gantry_core::store::{
    ConversationStore as _, Cursor, MessageStore, MessageUpdate, Page, PageRequest,
};
use gantry_core::{Error, Result};
use time::OffsetDateTime;

use super::super::This;
use super::changes::next_seqs;
use super::conversations::lock_conversation_of;
use super::rows::{get, message_row};
use super::{Tx, commit, require_affected, require_owned};
use crate::convert::{DbResult, bad_cursor, now, to_micros, to_u64};
use crate::shared::message_cols;

/// The message `new` becomes in `conversation`, written at `created_at`.
pub(super) fn message_from(
    new: NewMessage,
    conversation: ConversationId,
    owner: UserId,
    created_at: OffsetDateTime,
) -> Message {
    Message {
        id: MessageId::new(),
        conversation_id: conversation,
        owner_id: owner,
        role: new.role,
        content: new.content,
        status: new.status,
        model: new.model,
        prompt_tokens: new.prompt_tokens,
        completion_tokens: new.completion_tokens,
        error: new.error,
        created_at,
        context: new.context,
    }
}

/// An answer's context as stored: JSON, written by Gantry alone.
fn context_json(context: Option<&AnswerContext>) -> Option<String> {
    context.and_then(|context| serde_json::to_string(context).ok())
}

/// Inserts a message row with change number `seq` (also its position).
pub(super) async fn insert_message(tx: &mut Tx, message: &Message, seq: i64) -> Result<()> {
    sqlx::query(concat!(
        "INSERT INTO messages (",
        message_cols!(),
        ") \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13)"
    ))
    .bind(message.id.0)
    .bind(message.conversation_id.0)
    .bind(message.owner_id.0)
    .bind(message.role.as_str())
    .bind(&message.content)
    .bind(message.status.as_str())
    .bind(&message.model)
    .bind(message.prompt_tokens.map(i64::from))
    .bind(message.completion_tokens.map(i64::from))
    .bind(&message.error)
    .bind(to_micros(message.created_at))
    .bind(seq)
    .bind(context_json(message.context.as_ref()))
    .execute(&mut **tx)
    .await
    .db()?;
    Ok(())
}

#[async_trait]
impl MessageStore for This {
    async fn append_message(
        &self,
        owner: UserId,
        conversation: ConversationId,
        new: NewMessage,
    ) -> Result<Message> {
        new.validate()?;
        let message = message_from(new, conversation, owner, now());
        let mut tx = self.begin_write().await?;
        require_owned(&mut tx, owner, conversation).await?;
        let seq = next_seqs(&mut tx, 1).await?;
        insert_message(&mut tx, &message, seq).await?;
        sqlx::query(
            "UPDATE conversations SET updated_at = $2, message_count = message_count + 1 \
             WHERE id = $1",
        )
        .bind(conversation.0)
        .bind(to_micros(message.created_at))
        .execute(&mut *tx)
        .await
        .db()?;
        commit(tx).await?;
        Ok(message)
    }

    async fn message(&self, owner: UserId, id: MessageId) -> Result<Message> {
        let row = sqlx::query(concat!(
            "SELECT ",
            message_cols!(),
            " FROM messages WHERE id = $1 AND owner_id = $2"
        ))
        .bind(id.0)
        .bind(owner.0)
        .fetch_optional(&self.pool)
        .await
        .db()?
        .ok_or_else(|| Error::not_found(id.describe()))?;
        message_row(&row)
    }

    async fn list_messages(
        &self,
        owner: UserId,
        conversation: ConversationId,
        page: PageRequest,
    ) -> Result<Page<Message>> {
        gantry_core::validate::page_limit(page.limit)?;
        let before = match &page.cursor {
            Some(c) => c.0.parse::<i64>().map_err(|_| bad_cursor())?,
            None => i64::MAX,
        };
        let rows = sqlx::query(concat!(
            "SELECT ",
            message_cols!(),
            " FROM messages \
             WHERE conversation_id = $1 AND owner_id = $2 AND position < $3 \
             ORDER BY position DESC LIMIT $4"
        ))
        .bind(conversation.0)
        .bind(owner.0)
        .bind(before)
        .bind(i64::from(page.limit) + 1)
        .fetch_all(&self.pool)
        .await
        .db()?;
        if rows.is_empty() && page.cursor.is_none() {
            // Tell an empty conversation from a missing or foreign one.
            self.conversation(owner, conversation).await?;
        }
        let limit = page.limit as usize;
        let next = if rows.len() > limit {
            Some(Cursor(
                get::<i64>(&rows[limit - 1], "position")?.to_string(),
            ))
        } else {
            None
        };
        let mut items = rows
            .iter()
            .take(limit)
            .map(message_row)
            .collect::<Result<Vec<_>>>()?;
        items.reverse();
        Ok(Page { items, next })
    }

    async fn update_message(
        &self,
        owner: UserId,
        id: MessageId,
        update: MessageUpdate,
    ) -> Result<Message> {
        NewMessage {
            role: MessageRole::Assistant,
            content: update.content.clone(),
            status: update.status,
            model: None,
            prompt_tokens: update.prompt_tokens,
            completion_tokens: update.completion_tokens,
            error: update.error.clone(),
            context: None,
        }
        .validate()?;
        let mut tx = self.begin_write().await?;
        let seq = next_seqs(&mut tx, 1).await?;
        let row = sqlx::query(concat!(
            "UPDATE messages SET content = $3, status = $4, prompt_tokens = $5, \
             completion_tokens = $6, error = $7, seq = $8, context = COALESCE($9, context) \
             WHERE id = $1 AND owner_id = $2 RETURNING ",
            message_cols!()
        ))
        .bind(id.0)
        .bind(owner.0)
        .bind(&update.content)
        .bind(update.status.as_str())
        .bind(update.prompt_tokens.map(i64::from))
        .bind(update.completion_tokens.map(i64::from))
        .bind(&update.error)
        .bind(seq)
        .bind(context_json(update.context.as_ref()))
        .fetch_optional(&mut *tx)
        .await
        .db()?
        .ok_or_else(|| Error::not_found(id.describe()))?;
        let message = message_row(&row)?;
        sqlx::query("UPDATE conversations SET updated_at = $2 WHERE id = $1")
            .bind(message.conversation_id.0)
            .bind(to_micros(now()))
            .execute(&mut *tx)
            .await
            .db()?;
        commit(tx).await?;
        Ok(message)
    }

    async fn delete_message(&self, owner: UserId, id: MessageId) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let seq = next_seqs(&mut tx, 1).await?;
        // As `add_relation` does: a fact learned from this message meanwhile is seen below.
        lock_conversation_of(&mut tx, owner, id).await?;
        let done = sqlx::query(
            "INSERT INTO tombstones (seq, kind, item_id, owner_id) \
             SELECT $3, 'message', id, owner_id FROM messages WHERE id = $1 AND owner_id = $2",
        )
        .bind(id.0)
        .bind(owner.0)
        .bind(seq)
        .execute(&mut *tx)
        .await
        .db()?;
        require_affected(&done, || id.describe())?;
        sqlx::query("DELETE FROM relations WHERE source_message_id = $1 AND owner_id = $2")
            .bind(id.0)
            .bind(owner.0)
            .execute(&mut *tx)
            .await
            .db()?;
        sqlx::query(
            "UPDATE conversations SET message_count = message_count - 1 \
             WHERE id = (SELECT conversation_id FROM messages WHERE id = $1)",
        )
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .db()?;
        sqlx::query("DELETE FROM messages WHERE id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .db()?;
        commit(tx).await
    }

    async fn count_messages(&self, owner: UserId, conversation: ConversationId) -> Result<u64> {
        // Kept on the conversation's row, so the check costs the same in a conversation
        // of ten messages as in one of ten thousand.
        let n: Option<i64> = sqlx::query_scalar(
            "SELECT message_count FROM conversations WHERE id = $1 AND owner_id = $2",
        )
        .bind(conversation.0)
        .bind(owner.0)
        .fetch_optional(&self.pool)
        .await
        .db()?;
        let n = n.ok_or_else(|| Error::not_found(conversation.describe()))?;
        to_u64(n, "count")
    }
}
