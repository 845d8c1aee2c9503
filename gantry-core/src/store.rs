//! The storage traits: one per aggregate, joined by [`Store`].
//!
//! Every method that touches user data takes the owner and filters by it, so no call can
//! return another user's row: a foreign id answers [`Error::NotFound`](crate::Error), exactly
//! like a missing one. Implementations live in `gantry-store` (SQLite and PostgreSQL).

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::Result;
use crate::ids::{
    ApiKeyId, ChunkId, CollectionId, ConversationId, DocumentId, EntityId, InviteId, MessageId,
    PersonaId, RelationId, SessionId, UserId,
};
use crate::model::{
    AnswerContext, ApiKey, AuditEntry, Chunk, Collection, Conversation, ConversationPatch,
    ConversationScope, Credentials, Document, DocumentStatus, Entity, Holdings,
    ImportedConversation, Invite, Message, MessageStatus, NewAuditEntry, NewChunk, NewCollection,
    NewConversation, NewDocument, NewEntity, NewMessage, NewPersona, NewRelation, NewUsage,
    NewUser, Persona, QuotaOverrides, Relation, Role, Session, StoreStats, UsageSummary, User,
};

/// An opaque position in a list, returned as [`Page::next`] and passed back to continue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct Cursor(pub String);

/// Which slice of a list to return.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageRequest {
    /// How many items at most (1 to [`crate::validate::MAX_PAGE`]).
    pub limit: u32,
    /// Continue after this position; `None` starts at the beginning.
    pub cursor: Option<Cursor>,
}

impl PageRequest {
    /// The first `limit` items.
    pub fn first(limit: u32) -> Self {
        Self {
            limit,
            cursor: None,
        }
    }

    /// The `limit` items after `cursor`.
    pub fn after(limit: u32, cursor: Cursor) -> Self {
        Self {
            limit,
            cursor: Some(cursor),
        }
    }
}

/// One slice of a list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Where the next slice starts; `None` at the end.
    pub next: Option<Cursor>,
}

/// Which conversations a list shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConversationFilter {
    /// `false`: the active ones (the sidebar); `true`: the archive.
    pub archived: bool,
}

/// How an assistant message ends up once its stream finishes.
#[derive(Clone, Debug)]
pub struct MessageUpdate {
    /// The full text received.
    pub content: String,
    /// Complete, partial (stopped) or errored.
    pub status: MessageStatus,
    /// Prompt tokens.
    pub prompt_tokens: Option<u32>,
    /// Completion tokens.
    pub completion_tokens: Option<u32>,
    /// What went wrong.
    pub error: Option<String>,
    /// The answer's sources and timings; `None` keeps those already saved.
    pub context: Option<AnswerContext>,
}

/// Accounts: created, looked up, managed by admins.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Creates an account. A second account with the same email (in any case) is a conflict.
    async fn create_user(&self, new: NewUser) -> Result<User>;
    /// Creates an account as an admin when it is the first, else with `new.role`, deciding
    /// under a lock: of several accounts made at once on an empty store, exactly one is the
    /// admin.
    async fn create_user_or_first_admin(&self, new: NewUser) -> Result<User>;
    /// Creates the installation's first account, as an admin, deciding under the same
    /// lock; `Conflict` once any account exists.
    async fn create_first_admin(&self, new: NewUser) -> Result<User>;
    /// One account.
    async fn user(&self, id: UserId) -> Result<User>;
    /// The account and password hash for an email, for signing in.
    async fn credentials(&self, email: &str) -> Result<Option<Credentials>>;
    /// Accounts in order of creation (an admin view).
    async fn list_users(&self, page: PageRequest) -> Result<Page<User>>;
    /// How many accounts exist (the first one made becomes an admin).
    async fn count_users(&self) -> Result<u64>;
    /// Accounts whose email or display name contains `query` (in any case), in the order
    /// they were made, at most `limit` (1 to 500); none for a blank query.
    async fn search_users(&self, query: &str, limit: u32) -> Result<Vec<User>>;
    /// Changes an account's display name.
    async fn set_display_name(&self, id: UserId, display_name: &str) -> Result<User>;
    /// Changes an account's role.
    async fn set_role(&self, id: UserId, role: Role) -> Result<User>;
    /// Disables or re-enables an account. Disabling ends its sessions.
    async fn set_disabled(&self, id: UserId, disabled: bool) -> Result<User>;
    /// Replaces the password hash. Ends every session of the account.
    async fn set_password_hash(&self, id: UserId, password_hash: &str) -> Result<()>;
    /// Deletes an account and everything it owns.
    async fn delete_user(&self, id: UserId) -> Result<()>;
    /// What the account keeps now, counted for its quotas.
    async fn holdings(&self, id: UserId) -> Result<Holdings>;
    /// An admin's changes to the account's quotas (all `None` when there are none).
    async fn quota_overrides(&self, id: UserId) -> Result<QuotaOverrides>;
    /// Replaces the account's quota changes (all `None` removes them).
    async fn set_quota_overrides(&self, id: UserId, overrides: QuotaOverrides) -> Result<()>;
}

/// Sign-in sessions, looked up by the hash of their bearer token.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Records a session. `token_hash` is [`crate::auth::hash_token`] of the bearer token.
    async fn create_session(
        &self,
        user: UserId,
        token_hash: &str,
        expires_at: OffsetDateTime,
    ) -> Result<Session>;
    /// The live session and its enabled user for a token hash, if any.
    async fn session_by_token(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
    ) -> Result<Option<(Session, User)>>;
    /// Ends one of the user's sessions.
    async fn delete_session(&self, user: UserId, id: SessionId) -> Result<()>;
    /// Removes sessions that expired before `now`; returns how many.
    async fn delete_expired_sessions(&self, now: OffsetDateTime) -> Result<u64>;
}

/// API keys, looked up by the hash of the key.
#[async_trait]
pub trait ApiKeyStore: Send + Sync {
    /// Records a key. `key_hash` is [`crate::auth::hash_token`] of the key.
    async fn create_api_key(
        &self,
        owner: UserId,
        name: &str,
        prefix: &str,
        key_hash: &str,
    ) -> Result<ApiKey>;
    /// The owner's keys, newest first.
    async fn list_api_keys(&self, owner: UserId) -> Result<Vec<ApiKey>>;
    /// Revokes one of the owner's keys.
    async fn delete_api_key(&self, owner: UserId, id: ApiKeyId) -> Result<()>;
    /// The key and its enabled user for a key hash, if any, recording `now` as its last
    /// use.
    async fn api_key_by_hash(
        &self,
        key_hash: &str,
        now: OffsetDateTime,
    ) -> Result<Option<(ApiKey, User)>>;
}

/// Invite codes, found by the hash of the code.
#[async_trait]
pub trait InviteStore: Send + Sync {
    /// Records an invite made by the admin `created_by` (`None`: the operator). `code_hash`
    /// is [`crate::auth::hash_token`] of the code.
    async fn create_invite(
        &self,
        created_by: Option<UserId>,
        note: &str,
        code_hash: &str,
        expires_at: OffsetDateTime,
    ) -> Result<Invite>;
    /// Invites, newest first (at most 1,000).
    async fn list_invites(&self) -> Result<Vec<Invite>>;
    /// Withdraws an invite, used or not (a used one's account stays).
    async fn delete_invite(&self, id: InviteId) -> Result<()>;
    /// Creates the account and uses up the invite whose code hashes to `code_hash`, in one
    /// transaction: `Forbidden` (and no account) unless that invite exists, is unused and
    /// has not expired at `now`.
    async fn create_user_with_invite(
        &self,
        new: NewUser,
        code_hash: &str,
        now: OffsetDateTime,
    ) -> Result<User>;
}

/// The audit log of admins' actions: appended to, read newest first, never changed.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends an entry.
    async fn record_audit(&self, entry: NewAuditEntry) -> Result<AuditEntry>;
    /// Entries newest first, a page at a time, those at or after `since` only when given.
    async fn list_audit(
        &self,
        since: Option<OffsetDateTime>,
        page: PageRequest,
    ) -> Result<Page<AuditEntry>>;
}

/// Conversations, scoped to their owner.
#[async_trait]
pub trait ConversationStore: Send + Sync {
    /// Starts a conversation. A persona must be global or the owner's own.
    async fn create_conversation(
        &self,
        owner: UserId,
        new: NewConversation,
    ) -> Result<Conversation>;
    /// One conversation.
    async fn conversation(&self, owner: UserId, id: ConversationId) -> Result<Conversation>;
    /// Pinned first, then most recently updated first.
    async fn list_conversations(
        &self,
        owner: UserId,
        filter: ConversationFilter,
        page: PageRequest,
    ) -> Result<Page<Conversation>>;
    /// Renames, pins, archives, or changes persona or model.
    async fn update_conversation(
        &self,
        owner: UserId,
        id: ConversationId,
        patch: ConversationPatch,
    ) -> Result<Conversation>;
    /// Recreates a whole conversation from an export, with its times and its messages in
    /// order, all or nothing, under new ids. A persona the owner may not use is dropped.
    async fn import_conversation(
        &self,
        owner: UserId,
        conversation: ImportedConversation,
    ) -> Result<Conversation>;
    /// Deletes a conversation and its messages (each message leaves a tombstone in the
    /// change feed so indexes drop it), and, in the same transaction, every knowledge-graph
    /// fact learnt from one of those messages: deleting a conversation forgets what it taught.
    async fn delete_conversation(&self, owner: UserId, id: ConversationId) -> Result<()>;
    /// Conversations whose title contains `query` (ignoring case, matched literally, so `%`
    /// and `_` are plain characters), archived ones included, most recently updated first,
    /// at most `limit` (1 to [`crate::validate::MAX_PAGE`]): the quick-switch palette. A
    /// blank query matches nothing.
    async fn search_conversations(
        &self,
        owner: UserId,
        query: &str,
        limit: u32,
    ) -> Result<Vec<Conversation>>;
}

/// Messages, scoped to their conversation's owner.
#[async_trait]
pub trait MessageStore: Send + Sync {
    /// Appends a message and bumps the conversation's `updated_at`. One row insert, so the
    /// cost does not grow with the conversation.
    async fn append_message(
        &self,
        owner: UserId,
        conversation: ConversationId,
        new: NewMessage,
    ) -> Result<Message>;
    /// One message.
    async fn message(&self, owner: UserId, id: MessageId) -> Result<Message>;
    /// The latest `page.limit` messages before the cursor, oldest first; `next` pages back
    /// towards the start of the conversation.
    async fn list_messages(
        &self,
        owner: UserId,
        conversation: ConversationId,
        page: PageRequest,
    ) -> Result<Page<Message>>;
    /// Finalises a message (a stream finished, stopped or failed).
    async fn update_message(
        &self,
        owner: UserId,
        id: MessageId,
        update: MessageUpdate,
    ) -> Result<Message>;
    /// Deletes one message and every knowledge-graph fact learnt from it.
    async fn delete_message(&self, owner: UserId, id: MessageId) -> Result<()>;
    /// How many messages a conversation holds.
    async fn count_messages(&self, owner: UserId, conversation: ConversationId) -> Result<u64>;
}

/// Documents and their chunks, scoped to their owner.
#[async_trait]
pub trait DocumentStore: Send + Sync {
    /// Records an upload as `processing`.
    async fn create_document(&self, owner: UserId, new: NewDocument) -> Result<Document>;
    /// One document.
    async fn document(&self, owner: UserId, id: DocumentId) -> Result<Document>;
    /// Newest first.
    async fn list_documents(&self, owner: UserId, page: PageRequest) -> Result<Page<Document>>;
    /// Moves a document to `ready` or `failed` (with a reason a person understands).
    async fn set_document_status(
        &self,
        owner: UserId,
        id: DocumentId,
        status: DocumentStatus,
        failure_reason: Option<String>,
    ) -> Result<Document>;
    /// Deletes a document and its chunks (each chunk leaves a tombstone).
    async fn delete_document(&self, owner: UserId, id: DocumentId) -> Result<()>;
    /// Adds chunks to a document, all or none.
    async fn add_chunks(
        &self,
        owner: UserId,
        document: DocumentId,
        chunks: Vec<NewChunk>,
    ) -> Result<Vec<Chunk>>;
    /// A document's chunks in order.
    async fn chunks(&self, owner: UserId, document: DocumentId) -> Result<Vec<Chunk>>;
    /// Removes all of a document's chunks (before re-indexing it).
    async fn delete_chunks(&self, owner: UserId, document: DocumentId) -> Result<u64>;
    /// Marks failed, with `reason`, every user's document still `processing` and not
    /// touched since `untouched_since` (its reading was cut short by a crash), and removes
    /// the chunks it had; returns how many. Their chunks are never retrieved meanwhile
    /// (only `ready` documents are).
    async fn fail_unfinished_documents(
        &self,
        untouched_since: time::OffsetDateTime,
        reason: &str,
    ) -> Result<u64>;
    /// The user's documents whose file name contains `query` (ignoring case; `%` and `_`
    /// match literally), newest first, at most `limit` (1 to 500). An empty query finds
    /// nothing.
    async fn search_documents(
        &self,
        owner: UserId,
        query: &str,
        limit: u32,
    ) -> Result<Vec<Document>>;
    /// Re-indexes a document: clears its chunks' stored embeddings and gives each a new
    /// change number, in one transaction, so every index takes them again (the vector
    /// index embedding them with the current embedder). Returns how many chunks.
    async fn reindex_chunks(&self, owner: UserId, document: DocumentId) -> Result<u64>;
    /// Chunks by id, skipping any that are missing or not the owner's.
    async fn chunks_by_id(&self, owner: UserId, ids: &[ChunkId]) -> Result<Vec<Chunk>>;
}

/// Collections of documents, and which documents a conversation's retrieval draws from.
///
/// A collection only groups documents: deleting it leaves them in the Vault, and deleting a
/// document takes it out of every collection and scope. Every id must be the owner's;
/// another user's answers [`Error::NotFound`](crate::Error) exactly like a missing one.
#[async_trait]
pub trait CollectionStore: Send + Sync {
    /// Creates a collection. A second one with the same name (in any case) for the same
    /// owner is a conflict.
    async fn create_collection(&self, owner: UserId, new: NewCollection) -> Result<Collection>;
    /// One collection.
    async fn collection(&self, owner: UserId, id: CollectionId) -> Result<Collection>;
    /// The owner's collections by name, ignoring case.
    async fn list_collections(&self, owner: UserId) -> Result<Vec<Collection>>;
    /// Renames and re-describes a collection; taking another collection's name is a conflict.
    async fn update_collection(
        &self,
        owner: UserId,
        id: CollectionId,
        new: NewCollection,
    ) -> Result<Collection>;
    /// Deletes a collection; its documents stay in the Vault.
    async fn delete_collection(&self, owner: UserId, id: CollectionId) -> Result<()>;
    /// Puts a document in a collection; adding it again changes nothing. Both must be the
    /// owner's.
    async fn add_to_collection(
        &self,
        owner: UserId,
        id: CollectionId,
        document: DocumentId,
    ) -> Result<()>;
    /// Takes a document out of a collection (the document stays); removing one that is not
    /// in it changes nothing. Both must be the owner's.
    async fn remove_from_collection(
        &self,
        owner: UserId,
        id: CollectionId,
        document: DocumentId,
    ) -> Result<()>;
    /// A collection's documents, newest upload first.
    async fn collection_documents(&self, owner: UserId, id: CollectionId) -> Result<Vec<Document>>;
    /// Limits a conversation's retrieval to these documents and collections; both empty =
    /// everything (the default). Duplicates are dropped; at most
    /// [`crate::validate::MAX_SCOPE_ITEMS`] of each. Every id must be the owner's, else
    /// `NotFound` naming it, and the scope stays as it was. Returns the scope as stored.
    async fn set_conversation_scope(
        &self,
        owner: UserId,
        conversation: ConversationId,
        scope: ConversationScope,
    ) -> Result<ConversationScope>;
    /// A conversation's scope, each list in order of creation; both empty when not scoped.
    async fn conversation_scope(
        &self,
        owner: UserId,
        conversation: ConversationId,
    ) -> Result<ConversationScope>;
    /// The documents a scoped conversation draws from (its documents plus every document of
    /// its collections, distinct, in order of creation), or `None` when the conversation is
    /// not scoped. `Some` of an empty list means it draws from nothing (its collections are
    /// empty).
    async fn scope_documents(
        &self,
        owner: UserId,
        conversation: ConversationId,
    ) -> Result<Option<Vec<DocumentId>>>;
}

/// Personas: global ones (no owner) and each user's own.
#[async_trait]
pub trait PersonaStore: Send + Sync {
    /// Creates a persona; `owner: None` makes a global one (callers check the admin role).
    async fn create_persona(&self, owner: Option<UserId>, new: NewPersona) -> Result<Persona>;
    /// A persona the user may use: global or their own.
    async fn persona(&self, user: UserId, id: PersonaId) -> Result<Persona>;
    /// Global personas and the user's own, by name.
    async fn list_personas(&self, user: UserId) -> Result<Vec<Persona>>;
    /// Replaces a persona in the given scope (`None`: a global one).
    async fn update_persona(
        &self,
        owner: Option<UserId>,
        id: PersonaId,
        new: NewPersona,
    ) -> Result<Persona>;
    /// Deletes a persona in the given scope; conversations using it fall back to the default.
    async fn delete_persona(&self, owner: Option<UserId>, id: PersonaId) -> Result<()>;
}

/// The knowledge graph's rows, scoped to their owner.
#[async_trait]
pub trait GraphStore: Send + Sync {
    /// Records an entity, or returns the existing one with the same name (in any case) and kind.
    async fn upsert_entity(&self, owner: UserId, new: NewEntity) -> Result<Entity>;
    /// All of a user's entities.
    async fn entities(&self, owner: UserId) -> Result<Vec<Entity>>;
    /// Deletes an entity and every fact that mentions it.
    async fn delete_entity(&self, owner: UserId, id: EntityId) -> Result<()>;
    /// Records a fact. Both entities must be the owner's. When the fact is `exclusive`, an
    /// open fact with the same subject and predicate but another object is closed
    /// (`valid_to` set), not deleted.
    async fn add_relation(&self, owner: UserId, new: NewRelation) -> Result<Relation>;
    /// A user's facts; closed ones only when `include_closed`.
    async fn relations(&self, owner: UserId, include_closed: bool) -> Result<Vec<Relation>>;
    /// Deletes one fact.
    async fn delete_relation(&self, owner: UserId, id: RelationId) -> Result<()>;
}

/// Token usage per call, summed for admins.
#[async_trait]
pub trait UsageStore: Send + Sync {
    /// Records one model call.
    async fn record_usage(&self, usage: NewUsage) -> Result<()>;
    /// Usage per user, model and UTC day in `[from, to)`; one user's when `user` is given.
    async fn usage_summary(
        &self,
        user: Option<UserId>,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Vec<UsageSummary>>;
}

/// What an index must do to follow the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A message row.
    Message,
    /// A document chunk row.
    Chunk,
}

/// One entry of the change feed, in sequence order.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// A message was written or updated; this is its current state.
    Message {
        /// The change's sequence number.
        seq: i64,
        /// The message as it is now.
        message: Message,
    },
    /// A chunk was written; this is its current state.
    Chunk {
        /// The change's sequence number.
        seq: i64,
        /// The chunk as it is now.
        chunk: Chunk,
    },
    /// A message or chunk was deleted (a tombstone).
    Deleted {
        /// The change's sequence number.
        seq: i64,
        /// What was deleted.
        kind: ChangeKind,
        /// Its id.
        id: Uuid,
        /// Its owner.
        owner_id: UserId,
    },
}

impl Change {
    /// The change's sequence number.
    pub fn seq(&self) -> i64 {
        match self {
            Self::Message { seq, .. } | Self::Chunk { seq, .. } | Self::Deleted { seq, .. } => *seq,
        }
    }
}

/// How long a follower that stopped recording its position still holds back tombstone
/// compaction (see [`ChangeFeed::record_follower`]).
pub const FOLLOWER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);

/// The change feed that derived indexes follow.
///
/// Every write to a message or chunk takes the next number of one gap-free, monotonically
/// increasing sequence, in commit order; a delete leaves a tombstone with its own number.
/// An index that has applied everything up to `seq` asks for `changes_since(seq, …)` and
/// is then exactly in step with the store. This is a system view across all owners.
#[async_trait]
pub trait ChangeFeed: Send + Sync {
    /// The changes with sequence numbers above `after`, in order, at most `limit`.
    /// A row written several times appears once, at its latest number.
    async fn changes_since(&self, after: i64, limit: u32) -> Result<Vec<Change>>;
    /// The highest sequence number handed out so far (0 for an empty store).
    async fn latest_seq(&self) -> Result<i64>;
    /// Forgets the tombstones numbered `through` or lower, once every index that follows
    /// the feed has durably applied them (an index rebuilt from scratch never needs them:
    /// the rows they stood for are gone). Returns how many were removed.
    ///
    /// Tombstones a live follower (see [`ChangeFeed::record_follower`]) has not applied
    /// yet are kept whatever `through` says, so several processes can share one store.
    async fn compact_tombstones(&self, through: i64) -> Result<u64>;
    /// Records that `follower` (a name unique to one process's set of indexes, stable
    /// across its restarts) has durably applied every change up to `applied_seq`, and is
    /// alive now. Until it records again, [`ChangeFeed::compact_tombstones`] keeps every
    /// tombstone after `applied_seq`, but only for [`FOLLOWER_TIMEOUT`]: a follower silent
    /// for longer (or never recorded) may have missed tombstones and must rebuild its
    /// indexes from scratch rather than follow on.
    async fn record_follower(&self, follower: &str, applied_seq: i64) -> Result<()>;
}

/// Settings an admin changes while Gantry runs, kept in the store so every process sharing
/// it sees them: model backends added beside the configured ones (each kept as the JSON of
/// its configuration, which only the facade reads), and named values such as the default
/// model.
#[async_trait]
pub trait SettingsStore: Send + Sync {
    /// The backends admins added, by name: (name, configuration JSON).
    async fn list_backends(&self) -> Result<Vec<(String, String)>>;
    /// Keeps a backend's configuration; `Conflict` when one has that name.
    async fn add_backend(&self, name: &str, config: &str) -> Result<()>;
    /// Forgets a backend; `NotFound` when there is none of that name.
    async fn remove_backend(&self, name: &str) -> Result<()>;
    /// A named setting's value, if set.
    async fn setting(&self, key: &str) -> Result<Option<String>>;
    /// Sets (or with `None` clears) a named setting.
    async fn set_setting(&self, key: &str, value: Option<&str>) -> Result<()>;
}

/// A message between the processes that share one store (several servers on one
/// PostgreSQL database): how an index hears of another process's writes at once, and how
/// a stop request reaches the server that holds the answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "signal", rename_all = "snake_case")]
pub enum Signal {
    /// New changes are in the feed: indexes should catch up now.
    Changed,
    /// Stop the answers `user` has being written in `conversation`, wherever they are.
    StopAnswers {
        /// The conversation's owner.
        user: UserId,
        /// The conversation.
        conversation: ConversationId,
    },
    /// An admin changed the model backends or the default model: read them again.
    SettingsChanged,
}

/// Signals between the processes sharing a store. On PostgreSQL they travel by
/// `LISTEN`/`NOTIFY` (and every committed write sends [`Signal::Changed`]); a SQLite file
/// has one process, so its signals stay in it.
#[async_trait]
pub trait Signals: Send + Sync {
    /// Sends `signal` to every process sharing this store, this one included.
    async fn signal(&self, signal: Signal) -> Result<()>;
    /// The signals sent from now on, by every process sharing this store. A receiver that
    /// falls far behind skips the oldest (they only ask to catch up or stop).
    fn signals(&self) -> tokio::sync::broadcast::Receiver<Signal>;
}

/// Everything Gantry persists, as one object: `Arc<dyn Store>`.
#[async_trait]
pub trait Store:
    UserStore
    + SessionStore
    + ApiKeyStore
    + InviteStore
    + AuditStore
    + ConversationStore
    + MessageStore
    + DocumentStore
    + CollectionStore
    + PersonaStore
    + GraphStore
    + UsageStore
    + ChangeFeed
    + Signals
    + SettingsStore
{
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    /// Counts of what the store holds.
    async fn stats(&self) -> Result<StoreStats>;
    /// Writes a consistent copy of the whole database to the new file `to`, while the
    /// store stays in use (SQLite; a PostgreSQL database is copied with its own tools).
    async fn backup(&self, to: &std::path::Path) -> Result<()>;
}

/// Brings every store trait into scope: `use gantry_core::store::prelude::*;`.
pub mod prelude {
    pub use super::{
        ApiKeyStore, AuditStore, ChangeFeed, CollectionStore, ConversationStore, DocumentStore,
        GraphStore, InviteStore, MessageStore, PersonaStore, SessionStore, SettingsStore, Signals,
        Store, UsageStore, UserStore,
    };
}
