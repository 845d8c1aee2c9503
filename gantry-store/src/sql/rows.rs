//! Rows to domain values: one function per table, and the column readers they share.

use gantry_core::ids::{
    ChunkId, CollectionId, ConversationId, DocumentId, EntityId, MessageId, PersonaId, RelationId,
    UserId,
};
use gantry_core::model::{
    AnswerContext, Chunk, Collection, Conversation, Document, Entity, Message, Persona, Relation,
    User,
};
use gantry_core::{Error, Result};
use sqlx::Row as _;
use time::OffsetDateTime;
use uuid::Uuid;

use super::super::{Db, Row};
use crate::convert::{DbResult, embedding_from_bytes, from_micros, to_u32, to_u64};

/// The value of `column`, as the Rust type the caller asks for.
pub(super) fn get<'r, T>(row: &'r Row, column: &str) -> Result<T>
where
    T: sqlx::Decode<'r, Db> + sqlx::Type<Db>,
{
    row.try_get(column).db()
}

/// A text column parsed into a domain enum (a role, a status).
fn parse<T: std::str::FromStr<Err = Error>>(row: &Row, column: &str) -> Result<T> {
    get::<String>(row, column)?.parse()
}

/// A time column (microseconds since the epoch).
pub(super) fn time(row: &Row, column: &str) -> Result<OffsetDateTime> {
    from_micros(get(row, column)?)
}

/// An optional token count.
fn opt_u32(row: &Row, column: &str) -> Result<Option<u32>> {
    get::<Option<i64>>(row, column)?
        .map(|v| to_u32(v, column))
        .transpose()
}

pub(super) fn user_row(row: &Row) -> Result<User> {
    Ok(User {
        id: UserId(get(row, "id")?),
        email: get(row, "email")?,
        display_name: get(row, "display_name")?,
        role: parse(row, "role")?,
        disabled: get(row, "disabled")?,
        created_at: time(row, "created_at")?,
    })
}

pub(super) fn conversation_row(row: &Row) -> Result<Conversation> {
    Ok(Conversation {
        id: ConversationId(get(row, "id")?),
        owner_id: UserId(get(row, "owner_id")?),
        title: get(row, "title")?,
        pinned: get(row, "pinned")?,
        archived: get(row, "archived")?,
        persona_id: get::<Option<Uuid>>(row, "persona_id")?.map(PersonaId),
        model: get(row, "model")?,
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
    })
}

pub(super) fn message_row(row: &Row) -> Result<Message> {
    Ok(Message {
        id: MessageId(get(row, "id")?),
        conversation_id: ConversationId(get(row, "conversation_id")?),
        owner_id: UserId(get(row, "owner_id")?),
        role: parse(row, "role")?,
        content: get(row, "content")?,
        status: parse(row, "status")?,
        model: get(row, "model")?,
        prompt_tokens: opt_u32(row, "prompt_tokens")?,
        completion_tokens: opt_u32(row, "completion_tokens")?,
        error: get(row, "error")?,
        created_at: time(row, "created_at")?,
        context: answer_context(row)?,
    })
}

/// An answer's stored context. Written by Gantry alone as JSON; one that cannot be read
/// (from a later version, say) is left out rather than hiding the message.
fn answer_context(row: &Row) -> Result<Option<AnswerContext>> {
    let text: Option<String> = get(row, "context")?;
    Ok(text.and_then(|text| match serde_json::from_str(&text) {
        Ok(context) => Some(context),
        Err(error) => {
            tracing::warn!(%error, "an answer's stored context could not be read");
            None
        }
    }))
}

pub(super) fn document_row(row: &Row) -> Result<Document> {
    Ok(Document {
        id: DocumentId(get(row, "id")?),
        owner_id: UserId(get(row, "owner_id")?),
        filename: get(row, "filename")?,
        content_type: get(row, "content_type")?,
        size_bytes: to_u64(get(row, "size_bytes")?, "size_bytes")?,
        status: parse(row, "status")?,
        failure_reason: get(row, "failure_reason")?,
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
    })
}

pub(super) fn chunk_row(row: &Row) -> Result<Chunk> {
    Ok(Chunk {
        id: ChunkId(get(row, "id")?),
        document_id: DocumentId(get(row, "document_id")?),
        owner_id: UserId(get(row, "owner_id")?),
        ordinal: to_u32(get(row, "ordinal")?, "ordinal")?,
        text: get(row, "text")?,
        token_count: to_u32(get(row, "token_count")?, "token_count")?,
        embedding: get::<Option<Vec<u8>>>(row, "embedding")?
            .map(|b| embedding_from_bytes(&b))
            .transpose()?,
        heading: get(row, "heading")?,
        page: get::<Option<i64>>(row, "page")?
            .map(|page| to_u32(page, "page"))
            .transpose()?,
    })
}

pub(super) fn collection_row(row: &Row) -> Result<Collection> {
    Ok(Collection {
        id: CollectionId(get(row, "id")?),
        owner_id: UserId(get(row, "owner_id")?),
        name: get(row, "name")?,
        description: get(row, "description")?,
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
    })
}

pub(super) fn persona_row(row: &Row) -> Result<Persona> {
    Ok(Persona {
        id: PersonaId(get(row, "id")?),
        owner_id: get::<Option<Uuid>>(row, "owner_id")?.map(UserId),
        name: get(row, "name")?,
        system_prompt: get(row, "system_prompt")?,
        default_model: get(row, "default_model")?,
        temperature: get(row, "temperature")?,
        is_default: get(row, "is_default")?,
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
    })
}

pub(super) fn entity_row(row: &Row) -> Result<Entity> {
    Ok(Entity {
        id: EntityId(get(row, "id")?),
        owner_id: UserId(get(row, "owner_id")?),
        name: get(row, "name")?,
        kind: get(row, "kind")?,
        created_at: time(row, "created_at")?,
    })
}

pub(super) fn relation_row(row: &Row) -> Result<Relation> {
    Ok(Relation {
        id: RelationId(get(row, "id")?),
        owner_id: UserId(get(row, "owner_id")?),
        subject_id: EntityId(get(row, "subject_id")?),
        predicate: get(row, "predicate")?,
        object_id: EntityId(get(row, "object_id")?),
        source_message_id: get::<Option<Uuid>>(row, "source_message_id")?.map(MessageId),
        valid_from: time(row, "valid_from")?,
        valid_to: get::<Option<i64>>(row, "valid_to")?
            .map(from_micros)
            .transpose()?,
    })
}
