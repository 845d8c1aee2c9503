//! Typed identifiers, so a conversation id can never be passed where a user id belongs.
//!
//! Every id is a UUIDv7: time-ordered, so new rows land at the end of B-tree indexes.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $label:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, format = Uuid))]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh, time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// The underlying UUID.
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }

            /// What this id names, for error messages (`conversation 0193…`).
            pub fn describe(&self) -> String {
                format!("{} {}", $label, self.0)
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = crate::Error;
            fn from_str(s: &str) -> crate::Result<Self> {
                Uuid::parse_str(s)
                    .map(Self)
                    .map_err(|_| crate::Error::invalid($label, format!("`{s}` is not a valid id")))
            }
        }

        impl From<Uuid> for $name {
            fn from(value: Uuid) -> Self {
                Self(value)
            }
        }
    };
}

id_type!(
    /// Identifies a user account.
    UserId, "user");
id_type!(
    /// Identifies a login session.
    SessionId, "session");
id_type!(
    /// Identifies a conversation.
    ConversationId, "conversation");
id_type!(
    /// Identifies a message within a conversation.
    MessageId, "message");
id_type!(
    /// Identifies an uploaded document.
    DocumentId, "document");
id_type!(
    /// Identifies a chunk of a document.
    ChunkId, "chunk");
id_type!(
    /// Identifies a persona (a system prompt with defaults).
    PersonaId, "persona");
id_type!(
    /// Identifies a knowledge-graph entity.
    EntityId, "entity");
id_type!(
    /// Identifies a knowledge-graph relation (a fact).
    RelationId, "relation");
id_type!(
    /// Identifies a collection of documents in the Knowledge Vault.
    CollectionId, "collection");
id_type!(
    /// Identifies an API key.
    ApiKeyId, "API key");
id_type!(
    /// Identifies an invite code.
    InviteId, "invite");
