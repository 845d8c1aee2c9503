//! The domain model: what Gantry stores for its users.
//!
//! `New*` structs are what callers hand to a store; each has a `validate` method that every
//! store runs first, so limits hold whichever backend is in use.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ids::{
    ApiKeyId, ChunkId, CollectionId, ConversationId, DocumentId, EntityId, InviteId, MessageId,
    PersonaId, RelationId, SessionId, UserId,
};
use crate::validate::{self, MAX_NAME_BYTES};
use crate::{Error, Result};

macro_rules! string_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            /// The stable text form stored in the database and sent over the API.
            pub fn as_str(&self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
        }

        impl std::str::FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self> {
                match s {
                    $($text => Ok(Self::$variant),)+
                    other => Err(Error::invalid(
                        stringify!($name),
                        format!("unknown value `{other}`"),
                    )),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum!(
    /// What a user may do: admins manage users, models and global personas.
    Role { Admin = "admin", User = "user" }
);
string_enum!(
    /// Who wrote a message.
    MessageRole { System = "system", User = "user", Assistant = "assistant" }
);
string_enum!(
    /// Whether a message is whole. A stopped or broken stream leaves a `Partial` or
    /// `Error` message so nothing the user saw is lost.
    MessageStatus { Complete = "complete", Partial = "partial", Error = "error" }
);
string_enum!(
    /// Where a document is in ingestion.
    DocumentStatus { Processing = "processing", Ready = "ready", Failed = "failed" }
);

/// A user account. The password hash is never part of it: see [`Credentials`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    /// Stable id.
    pub id: UserId,
    /// Login name, unique case-insensitively.
    pub email: String,
    /// Name shown in the UI.
    pub display_name: String,
    /// Admin or user.
    pub role: Role,
    /// A disabled user cannot sign in; their data stays.
    pub disabled: bool,
    /// When the account was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// What is needed to create a user. The password arrives already hashed
/// (see [`crate::auth::hash_password`]): stores never see plain passwords.
#[derive(Clone, Debug)]
pub struct NewUser {
    /// Login name.
    pub email: String,
    /// Name shown in the UI.
    pub display_name: String,
    /// An argon2 PHC string.
    pub password_hash: String,
    /// Admin or user.
    pub role: Role,
}

impl NewUser {
    /// Checks every field against its limit.
    pub fn validate(&self) -> Result<()> {
        validate::email(&self.email)?;
        validate::required("display_name", &self.display_name, MAX_NAME_BYTES)?;
        validate::required("password_hash", &self.password_hash, 1024)
    }
}

/// A user together with their password hash, for signing in.
#[derive(Clone, Debug)]
pub struct Credentials {
    /// The account.
    pub user: User,
    /// The argon2 PHC string.
    pub password_hash: String,
}

/// A signed-in session. The token itself is only ever stored hashed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// Stable id.
    pub id: SessionId,
    /// Whose session it is.
    pub user_id: UserId,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it stops being accepted.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// An API key a program uses to act as its user. The key itself is shown once, when it is
/// created, and only ever stored hashed; `prefix` (its first characters) lets a person tell
/// their keys apart.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKey {
    /// Stable id.
    pub id: ApiKeyId,
    /// Whose key it is: it acts as this user.
    pub owner_id: UserId,
    /// A name its owner chose, e.g. `laptop script`.
    pub name: String,
    /// The key's first characters, e.g. `gk_3f9a1c`.
    pub prefix: String,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it was last used to authenticate, if ever.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
}

/// An invite to sign up, made by an admin: its code (shown once, stored hashed) lets one
/// person register while sign-up is by invite.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Invite {
    /// Stable id.
    pub id: InviteId,
    /// The admin who made it (`None`: the operator, or an admin since deleted).
    pub created_by: Option<UserId>,
    /// Who it is for or why, so admins can tell invites apart.
    pub note: String,
    /// When it was made.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// After this it no longer works.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// The account it created, once used.
    pub used_by: Option<UserId>,
    /// When it was used.
    #[serde(with = "time::serde::rfc3339::option")]
    pub used_at: Option<OffsetDateTime>,
}

/// One thing an admin did, as the audit log keeps it: who, what, to whom, when. Names are
/// as they were at the time, so an entry outlives both accounts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    /// Its place in the log, rising.
    pub seq: i64,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The admin (`None`: the operator, working on the data directory).
    pub actor_id: Option<UserId>,
    /// The admin's email then, or `operator`.
    pub actor: String,
    /// What was done: `user.create`, `user.role`, `user.disable`, `user.enable`,
    /// `user.rename`, `user.password`, `user.delete`, `user.quotas`, `invite.create`,
    /// `invite.delete`, `persona.create`, `persona.update`, `persona.delete`, `export.bulk`,
    /// `backend.add`, `backend.remove`, `model.default`, `model.load`, `model.unload`.
    pub action: String,
    /// The account acted on, if any.
    pub target_id: Option<UserId>,
    /// What was acted on, in words (an email, a persona's name, an export's filters).
    pub target: String,
    /// The change, in words (`user -> admin`, `3 conversations of 2 users`).
    pub detail: String,
}

/// An audit entry to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAuditEntry {
    /// The admin (`None`: the operator).
    pub actor_id: Option<UserId>,
    /// The admin's email, or `operator`.
    pub actor: String,
    /// See [`AuditEntry::action`].
    pub action: &'static str,
    /// The account acted on, if any.
    pub target_id: Option<UserId>,
    /// What was acted on.
    pub target: String,
    /// The change.
    pub detail: String,
}

/// A conversation: a titled list of messages with one owner.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Conversation {
    /// Stable id.
    pub id: ConversationId,
    /// The only user who can see it.
    pub owner_id: UserId,
    /// Shown in the sidebar.
    pub title: String,
    /// Pinned conversations list first.
    pub pinned: bool,
    /// Archived conversations are hidden from the default list.
    pub archived: bool,
    /// The persona whose system prompt applies.
    pub persona_id: Option<PersonaId>,
    /// The model to answer with, if not the persona's or the server's default.
    pub model: Option<String>,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it last changed (a message, a rename): the list's sort key.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// What is needed to start a conversation.
#[derive(Clone, Debug, Default)]
pub struct NewConversation {
    /// Shown in the sidebar.
    pub title: String,
    /// The persona to use.
    pub persona_id: Option<PersonaId>,
    /// The model to use.
    pub model: Option<String>,
}

impl NewConversation {
    /// Checks every field against its limit.
    pub fn validate(&self) -> Result<()> {
        validate::required("title", &self.title, validate::MAX_TITLE_BYTES)?;
        validate::optional("model", self.model.as_deref(), validate::MAX_MODEL_BYTES)
    }
}

/// A change to a conversation; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct ConversationPatch {
    /// New title.
    pub title: Option<String>,
    /// Change the title only while it is still this one (decided in the same statement),
    /// so an automatic title never overwrites one a person set meanwhile.
    pub title_if: Option<String>,
    /// Pin or unpin.
    pub pinned: Option<bool>,
    /// Archive or restore.
    pub archived: Option<bool>,
    /// Set or clear the persona.
    pub persona_id: Option<Option<PersonaId>>,
    /// Set or clear the model.
    pub model: Option<Option<String>>,
}

impl ConversationPatch {
    /// Checks every field against its limit.
    pub fn validate(&self) -> Result<()> {
        validate::optional("title", self.title.as_deref(), validate::MAX_TITLE_BYTES)?;
        validate::optional(
            "model",
            self.model.as_ref().and_then(Option::as_deref),
            validate::MAX_MODEL_BYTES,
        )
    }
}

/// One message of a conversation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Message {
    /// Stable id.
    pub id: MessageId,
    /// The conversation it belongs to.
    pub conversation_id: ConversationId,
    /// The conversation's owner.
    pub owner_id: UserId,
    /// Who wrote it.
    pub role: MessageRole,
    /// The text.
    pub content: String,
    /// Whole, partial (stopped) or errored.
    pub status: MessageStatus,
    /// The model that wrote an assistant message.
    pub model: Option<String>,
    /// Prompt tokens the answer cost.
    pub prompt_tokens: Option<u32>,
    /// Tokens in the answer.
    pub completion_tokens: Option<u32>,
    /// What went wrong, for an `Error` message.
    pub error: Option<String>,
    /// When it was written.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// For an answer: the sources it was given and where its time went, kept with it so
    /// that they can be shown again after a reload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<AnswerContext>,
}

/// How an answer was assembled: the numbered sources put in front of the model (those
/// it may cite as `[n]`) and where the time went.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnswerContext {
    /// Numbered as the answer cites them.
    pub citations: Vec<CitedSource>,
    /// Per stage, in milliseconds.
    pub timings: AnswerTimings,
}

/// What a cited source is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// An earlier message of the user's.
    Message,
    /// A chunk of one of the user's documents.
    Chunk,
    /// A fact from the user's knowledge graph.
    Fact,
}

/// One numbered source an answer was given.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CitedSource {
    /// The number the answer cites.
    pub number: usize,
    /// A message, a document chunk or a remembered fact.
    pub kind: SourceKind,
    /// The message, chunk or fact.
    pub id: uuid::Uuid,
    /// The message's conversation or the chunk's document.
    pub parent_id: Option<uuid::Uuid>,
    /// The conversation's title, the document's file name, or "Memory".
    pub label: String,
    /// The beginning of its text.
    pub excerpt: String,
    /// A document chunk's section: its headings, outermost first, joined by ` > `.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heading: Option<String>,
    /// A document chunk's page, from 1 (PDFs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
}

/// Where an answer's time went, in milliseconds. History, memory facts and retrieval run
/// side by side, so the stages may add up to more than `total_ms`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnswerTimings {
    /// Embedding the question.
    pub embed_ms: f64,
    /// The vector search.
    pub vector_ms: f64,
    /// The keyword search.
    pub keyword_ms: f64,
    /// Fusing the two result lists.
    pub fuse_ms: f64,
    /// Re-reading the retrieved items from the database, which confirms them.
    pub confirm_ms: f64,
    /// Facts from the knowledge graph.
    pub facts_ms: f64,
    /// From the question to the prompt built.
    pub total_ms: f64,
    /// From the question to the answer's first token; absent until it arrived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_to_first_token_ms: Option<u64>,
    /// The answer's tokens per second after its first token, to a tenth; absent until it
    /// ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens_per_second: Option<f64>,
}

/// What is needed to append a message.
#[derive(Clone, Debug)]
pub struct NewMessage {
    /// Who wrote it.
    pub role: MessageRole,
    /// The text. Empty is allowed only for an assistant message that is not complete.
    pub content: String,
    /// Whole, partial or errored.
    pub status: MessageStatus,
    /// The model that wrote it.
    pub model: Option<String>,
    /// Prompt tokens.
    pub prompt_tokens: Option<u32>,
    /// Completion tokens.
    pub completion_tokens: Option<u32>,
    /// What went wrong.
    pub error: Option<String>,
    /// For an answer: its sources and timings.
    pub context: Option<AnswerContext>,
}

impl NewMessage {
    /// A complete message with just a role and text.
    pub fn new(role: MessageRole, content: impl Into<String>) -> Self {
        Self {
            role,
            content: content.into(),
            status: MessageStatus::Complete,
            model: None,
            prompt_tokens: None,
            completion_tokens: None,
            error: None,
            context: None,
        }
    }

    /// Checks every field against its limit.
    pub fn validate(&self) -> Result<()> {
        if self.status == MessageStatus::Complete {
            validate::required("content", &self.content, validate::MAX_MESSAGE_BYTES)?;
        } else {
            validate::bounded("content", &self.content, validate::MAX_MESSAGE_BYTES)?;
        }
        validate::optional("model", self.model.as_deref(), validate::MAX_MODEL_BYTES)?;
        validate::optional("error", self.error.as_deref(), validate::MAX_REASON_BYTES)
    }
}

/// A whole conversation recreated from an export, with its own times.
#[derive(Clone, Debug)]
pub struct ImportedConversation {
    /// Shown in the sidebar.
    pub title: String,
    /// Pinned to the top of the list.
    pub pinned: bool,
    /// In the archive.
    pub archived: bool,
    /// The persona, kept only when the importing user may use it.
    pub persona_id: Option<PersonaId>,
    /// The model.
    pub model: Option<String>,
    /// When it was started.
    pub created_at: OffsetDateTime,
    /// When it was last active.
    pub updated_at: OffsetDateTime,
    /// Its messages, oldest first, each with the time it was written.
    pub messages: Vec<(NewMessage, OffsetDateTime)>,
}

impl ImportedConversation {
    /// Checks the conversation and every message against their limits, naming the first
    /// message that fails.
    pub fn validate(&self) -> Result<()> {
        validate::required("title", &self.title, validate::MAX_TITLE_BYTES)?;
        validate::optional("model", self.model.as_deref(), validate::MAX_MODEL_BYTES)?;
        if self.messages.len() > validate::MAX_IMPORT_MESSAGES {
            return Err(crate::Error::invalid(
                "messages",
                format!(
                    "at most {} per conversation, got {}",
                    validate::MAX_IMPORT_MESSAGES,
                    self.messages.len()
                ),
            ));
        }
        for (i, (message, _)) in self.messages.iter().enumerate() {
            message.validate().map_err(|error| match error {
                crate::Error::InvalidInput { field, reason } => {
                    crate::Error::invalid(field, format!("message {}: {reason}", i + 1))
                }
                other => other,
            })?;
        }
        Ok(())
    }
}

/// A unit of text from a document, with its embedding once computed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Chunk {
    /// Stable id.
    pub id: ChunkId,
    /// The document it came from.
    pub document_id: DocumentId,
    /// The document's owner.
    pub owner_id: UserId,
    /// Position within the document, from 0.
    pub ordinal: u32,
    /// The text.
    pub text: String,
    /// Tokens in the text, as the chunker counted them.
    pub token_count: u32,
    /// The embedding, so indexes can be rebuilt without re-embedding.
    pub embedding: Option<Vec<f32>>,
    /// The headings of the section it lies in, outermost first, joined by ` > `
    /// (documents with headings, such as Markdown), so a citation says where it is.
    pub heading: Option<String>,
    /// The page it starts on, from 1 (documents with pages: PDFs).
    pub page: Option<u32>,
}

/// What is needed to add a chunk.
#[derive(Clone, Debug)]
pub struct NewChunk {
    /// Position within the document.
    pub ordinal: u32,
    /// The text.
    pub text: String,
    /// Tokens in the text.
    pub token_count: u32,
    /// The embedding, if computed.
    pub embedding: Option<Vec<f32>>,
    /// The section's heading path, as in [`Chunk::heading`].
    pub heading: Option<String>,
    /// The page it starts on, from 1, as in [`Chunk::page`].
    pub page: Option<u32>,
}

impl NewChunk {
    /// Checks every field against its limit.
    pub fn validate(&self) -> Result<()> {
        validate::required("chunk text", &self.text, validate::MAX_CHUNK_BYTES)?;
        validate::optional(
            "chunk heading",
            self.heading.as_deref(),
            validate::MAX_HEADING_BYTES,
        )?;
        if self.page == Some(0) {
            return Err(Error::invalid("chunk page", "pages are numbered from 1"));
        }
        if let Some(embedding) = &self.embedding {
            if embedding.is_empty() || embedding.len() > validate::MAX_EMBEDDING_DIM {
                return Err(Error::invalid(
                    "embedding",
                    format!(
                        "must have 1 to {} dimensions, got {}",
                        validate::MAX_EMBEDDING_DIM,
                        embedding.len()
                    ),
                ));
            }
            if embedding.iter().any(|x| !x.is_finite()) {
                return Err(Error::invalid("embedding", "must be finite numbers"));
            }
        }
        Ok(())
    }
}

/// An uploaded document in the Knowledge Vault.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Document {
    /// Stable id.
    pub id: DocumentId,
    /// The only user who can see it.
    pub owner_id: UserId,
    /// The name it was uploaded under.
    pub filename: String,
    /// Its MIME type.
    pub content_type: String,
    /// Its size in bytes.
    pub size_bytes: u64,
    /// Processing, ready or failed.
    pub status: DocumentStatus,
    /// Why ingestion failed, in words a person understands.
    pub failure_reason: Option<String>,
    /// When it was uploaded.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When its status last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// What is needed to record an upload.
#[derive(Clone, Debug)]
pub struct NewDocument {
    /// The name it was uploaded under.
    pub filename: String,
    /// Its MIME type.
    pub content_type: String,
    /// Its size in bytes.
    pub size_bytes: u64,
}

impl NewDocument {
    /// Checks every field against its limit.
    pub fn validate(&self) -> Result<()> {
        validate::required("filename", &self.filename, validate::MAX_FILENAME_BYTES)?;
        validate::required(
            "content_type",
            &self.content_type,
            validate::MAX_CONTENT_TYPE_BYTES,
        )?;
        if i64::try_from(self.size_bytes).is_err() {
            return Err(Error::invalid("size_bytes", "is too large"));
        }
        Ok(())
    }
}

/// A named group of a user's documents in the Knowledge Vault, so a conversation can be
/// limited to, say, "Tax 2024" instead of everything the user ever uploaded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Collection {
    /// Stable id.
    pub id: CollectionId,
    /// The only user who can see it.
    pub owner_id: UserId,
    /// Shown in the Vault; unique per owner, case-insensitively.
    pub name: String,
    /// What belongs in it, in the user's words; may be empty.
    pub description: String,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When its name or description last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// What is needed to create a collection, or to rename and re-describe one.
#[derive(Clone, Debug, Default)]
pub struct NewCollection {
    /// Shown in the Vault.
    pub name: String,
    /// What belongs in it; empty for none.
    pub description: String,
}

impl NewCollection {
    /// Checks every field against its limit.
    pub fn validate(&self) -> Result<()> {
        validate::required("name", &self.name, MAX_NAME_BYTES)?;
        validate::bounded(
            "description",
            &self.description,
            validate::MAX_DESCRIPTION_BYTES,
        )
    }
}

/// What a conversation's retrieval draws from: these documents and every document of these
/// collections. Both empty (the default) means everything the user owns.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConversationScope {
    /// Documents picked one by one.
    #[serde(default)]
    pub documents: Vec<DocumentId>,
    /// Whole collections, including documents added to them later.
    #[serde(default)]
    pub collections: Vec<CollectionId>,
}

impl ConversationScope {
    /// Checks that neither list exceeds [`validate::MAX_SCOPE_ITEMS`].
    pub fn validate(&self) -> Result<()> {
        for (field, len) in [
            ("documents", self.documents.len()),
            ("collections", self.collections.len()),
        ] {
            if len > validate::MAX_SCOPE_ITEMS {
                return Err(Error::invalid(
                    field,
                    format!(
                        "a conversation can be limited to at most {} {field}, got {len}",
                        validate::MAX_SCOPE_ITEMS
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// A system prompt with defaults: global (no owner, made by an admin) or a user's own.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Persona {
    /// Stable id.
    pub id: PersonaId,
    /// `None` for a global persona every user can pick.
    pub owner_id: Option<UserId>,
    /// Shown in the picker.
    pub name: String,
    /// Prepended to every conversation that uses it.
    pub system_prompt: String,
    /// Model to use unless the conversation names one.
    pub default_model: Option<String>,
    /// Sampling temperature.
    pub temperature: Option<f32>,
    /// The persona new conversations get. At most one global and one per user.
    pub is_default: bool,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// What is needed to create or replace a persona.
#[derive(Clone, Debug, Default)]
pub struct NewPersona {
    /// Shown in the picker.
    pub name: String,
    /// Prepended to every conversation that uses it.
    pub system_prompt: String,
    /// Model to use.
    pub default_model: Option<String>,
    /// Sampling temperature, 0 to 2.
    pub temperature: Option<f32>,
    /// Make it the default (clearing the previous default in the same scope).
    pub is_default: bool,
}

impl NewPersona {
    /// Checks every field against its limit.
    pub fn validate(&self) -> Result<()> {
        validate::required("name", &self.name, MAX_NAME_BYTES)?;
        validate::bounded(
            "system_prompt",
            &self.system_prompt,
            validate::MAX_SYSTEM_PROMPT_BYTES,
        )?;
        validate::optional(
            "default_model",
            self.default_model.as_deref(),
            validate::MAX_MODEL_BYTES,
        )?;
        validate::temperature(self.temperature)
    }
}

/// A person, project, place or thing a user has mentioned.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Entity {
    /// Stable id.
    pub id: EntityId,
    /// Whose graph it is in.
    pub owner_id: UserId,
    /// The name as first mentioned; unique per owner and kind, case-insensitively.
    pub name: String,
    /// What it is: `person`, `project`, `place`, ...
    pub kind: String,
    /// When it was first seen.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// What is needed to record an entity.
#[derive(Clone, Debug)]
pub struct NewEntity {
    /// Its name.
    pub name: String,
    /// What it is.
    pub kind: String,
}

impl NewEntity {
    /// Checks every field against its limit.
    pub fn validate(&self) -> Result<()> {
        validate::required("name", &self.name, MAX_NAME_BYTES)?;
        validate::required("kind", &self.kind, validate::MAX_LABEL_BYTES)
    }
}

/// A fact: `subject --predicate--> object`, with where it came from and when it held.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Relation {
    /// Stable id.
    pub id: RelationId,
    /// Whose graph it is in.
    pub owner_id: UserId,
    /// The entity the fact is about.
    pub subject_id: EntityId,
    /// The relation, e.g. `works_at`.
    pub predicate: String,
    /// The other entity.
    pub object_id: EntityId,
    /// The message the fact was learnt from.
    pub source_message_id: Option<MessageId>,
    /// Since when the fact holds.
    #[serde(with = "time::serde::rfc3339")]
    pub valid_from: OffsetDateTime,
    /// When a contradicting fact replaced it; `None` while it holds.
    #[serde(with = "time::serde::rfc3339::option")]
    pub valid_to: Option<OffsetDateTime>,
}

/// What is needed to record a fact.
#[derive(Clone, Debug)]
pub struct NewRelation {
    /// The entity the fact is about.
    pub subject_id: EntityId,
    /// The relation.
    pub predicate: String,
    /// The other entity.
    pub object_id: EntityId,
    /// The message it came from.
    pub source_message_id: Option<MessageId>,
    /// The predicate admits one object at a time (`lives_in`, `works_at`): recording this
    /// fact closes the subject's other open facts with the same predicate.
    pub exclusive: bool,
}

impl NewRelation {
    /// Checks every field against its limit.
    pub fn validate(&self) -> Result<()> {
        validate::required("predicate", &self.predicate, validate::MAX_LABEL_BYTES)
    }
}

/// One model call's cost, recorded for the admin's usage view.
#[derive(Clone, Debug)]
pub struct NewUsage {
    /// Who made the call.
    pub user_id: UserId,
    /// Which model answered.
    pub model: String,
    /// Prompt tokens.
    pub prompt_tokens: u32,
    /// Completion tokens.
    pub completion_tokens: u32,
    /// Wall time of the call.
    pub latency_ms: u32,
}

impl NewUsage {
    /// Checks every field against its limit.
    pub fn validate(&self) -> Result<()> {
        validate::required("model", &self.model, validate::MAX_MODEL_BYTES)
    }
}

time::serde::format_description!(iso_day, Date, "[year]-[month]-[day]");

/// Usage added up per user, model and UTC day.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsageSummary {
    /// Whose calls.
    pub user_id: UserId,
    /// Which model.
    pub model: String,
    /// The UTC day, `YYYY-MM-DD`.
    #[serde(with = "iso_day")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub day: time::Date,
    /// Number of calls.
    pub requests: u64,
    /// Prompt tokens in all.
    pub prompt_tokens: u64,
    /// Completion tokens in all.
    pub completion_tokens: u64,
    /// Wall time in all, in milliseconds.
    pub total_latency_ms: u64,
}

/// Counts of what a store holds, for `gantry status` and the admin's system page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoreStats {
    /// User accounts.
    pub users: u64,
    /// Conversations.
    pub conversations: u64,
    /// Messages.
    pub messages: u64,
    /// Documents.
    pub documents: u64,
    /// Document chunks.
    pub chunks: u64,
    /// Collections of documents.
    #[serde(default)]
    pub collections: u64,
    /// The last change sequence number (see [`crate::store::ChangeFeed`]).
    pub latest_seq: i64,
}

/// How much one user may keep. Each limit refuses a new item once reached
/// ([`Error::LimitReached`](crate::Error::LimitReached), naming it), changing nothing, so
/// one account cannot fill the disk, or make the lists and exports loaded whole (personas,
/// collections, a conversation's messages) grow without end. Two are allowances over time
/// (chat turns a minute, tokens a day): past them a turn is refused with
/// [`Error::Throttled`](crate::Error::Throttled), saying when it refills, so one user cannot
/// take the model from everyone. The defaults are the engine's settings; an admin changes
/// them per user with [`QuotaOverrides`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Quotas {
    /// Conversations, archived ones included.
    pub conversations: u64,
    /// Messages in one conversation.
    pub messages_per_conversation: u64,
    /// Documents in the Knowledge Vault.
    pub documents: u64,
    /// Bytes of uploaded documents, in all.
    pub document_bytes: u64,
    /// The user's own personas.
    pub personas: u64,
    /// Collections of documents.
    pub collections: u64,
    /// Chat turns a minute (answers and regenerations), refilled evenly.
    pub requests_per_minute: u64,
    /// Tokens a UTC day, prompt and answer together; the turn that crosses it finishes.
    pub tokens_per_day: u64,
}

impl Default for Quotas {
    fn default() -> Self {
        Self {
            conversations: 10_000,
            messages_per_conversation: 10_000,
            documents: 1_000,
            document_bytes: 1 << 30,
            personas: 100,
            collections: 200,
            requests_per_minute: 120,
            tokens_per_day: 2_000_000,
        }
    }
}

impl Quotas {
    /// These limits with `overrides` applied.
    pub fn with(self, overrides: &QuotaOverrides) -> Self {
        Self {
            conversations: overrides.conversations.unwrap_or(self.conversations),
            messages_per_conversation: overrides
                .messages_per_conversation
                .unwrap_or(self.messages_per_conversation),
            documents: overrides.documents.unwrap_or(self.documents),
            document_bytes: overrides.document_bytes.unwrap_or(self.document_bytes),
            personas: overrides.personas.unwrap_or(self.personas),
            collections: overrides.collections.unwrap_or(self.collections),
            requests_per_minute: overrides
                .requests_per_minute
                .unwrap_or(self.requests_per_minute),
            tokens_per_day: overrides.tokens_per_day.unwrap_or(self.tokens_per_day),
        }
    }
}

/// An admin's changes to one user's [`Quotas`]: each field set replaces the default, each
/// `None` keeps it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct QuotaOverrides {
    /// See [`Quotas::conversations`].
    pub conversations: Option<u64>,
    /// See [`Quotas::messages_per_conversation`].
    pub messages_per_conversation: Option<u64>,
    /// See [`Quotas::documents`].
    pub documents: Option<u64>,
    /// See [`Quotas::document_bytes`].
    pub document_bytes: Option<u64>,
    /// See [`Quotas::personas`].
    pub personas: Option<u64>,
    /// See [`Quotas::collections`].
    pub collections: Option<u64>,
    /// See [`Quotas::requests_per_minute`].
    pub requests_per_minute: Option<u64>,
    /// See [`Quotas::tokens_per_day`].
    pub tokens_per_day: Option<u64>,
}

/// What one user keeps now, counted against their [`Quotas`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Holdings {
    /// Conversations, archived ones included.
    pub conversations: u64,
    /// Documents.
    pub documents: u64,
    /// Bytes of uploaded documents.
    pub document_bytes: u64,
    /// Own personas.
    pub personas: u64,
    /// Collections.
    pub collections: u64,
}
