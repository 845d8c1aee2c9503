//! Conversation export and import formats.
//!
//! A conversation leaves Gantry as a [`ConversationExport`]: Gantry's own JSON (which reads
//! back exactly, so it doubles as a backup), Markdown, a PDF to print or share, or, for an
//! admin's bulk export, a ZIP of JSON files. Conversations arrive from ChatGPT's and Claude's data
//! exports through [`parse_chatgpt`] and [`parse_claude`].
//!
//! These are pure functions: they never touch the store or the file system. The caller
//! fetches the conversation, hands it over, and writes the bytes wherever they go; on import
//! it gets validated [`ConversationExport`]s back to store. Whatever is read is untrusted, so
//! every reader caps its input's size and counts, and refuses with an
//! [`Error::InvalidInput`](crate::Error::InvalidInput) that says what was wrong and where.

use crate::model::{
    Conversation, Message, MessageRole, MessageStatus, NewConversation, NewMessage,
};
use crate::{ConversationId, Error, MessageId, PersonaId, Result};
use serde::{Deserialize, Serialize};
use time::{OffsetDateTime, UtcOffset};

mod archive;
mod chatgpt;
mod claude;
mod imported;
mod json;
mod markdown;
mod pdf;

pub use archive::{MANIFEST_FILE, write_zip, zip_entry_name};
pub use chatgpt::{
    ChatGptImport, MAX_CHATGPT_BYTES, MAX_CHATGPT_CONVERSATIONS, SkippedConversation, UNTITLED,
    parse_chatgpt,
};
pub use claude::parse_claude;
pub use markdown::to_markdown;
pub use pdf::{REPLACEMENT_CHARACTER, to_pdf, write_pdf};

/// The `format` tag of Gantry's conversation JSON, so a reader can tell it from other files.
pub const FORMAT: &str = "gantry.conversation";
/// The version of the JSON layout this Gantry writes and reads; a reader refuses others
/// rather than guess.
pub const VERSION: u32 = 1;
/// Largest conversation JSON [`ConversationExport::from_json`] reads (50 MiB), so a
/// hostile upload cannot exhaust memory.
pub const MAX_EXPORT_BYTES: usize = 50 * 1024 * 1024;
/// Most messages one conversation export may hold: as many as an import accepts.
pub use crate::validate::MAX_IMPORT_MESSAGES as MAX_EXPORT_MESSAGES;

/// One conversation with its messages, as it leaves Gantry or arrives from elsewhere.
///
/// Owner ids are left out on purpose: an export is the user's to take to another Gantry,
/// where it belongs to whoever imports it. Times are kept as instants and written in UTC.
#[derive(Clone, Debug, PartialEq)]
pub struct ConversationExport {
    /// The conversation's own fields.
    pub conversation: ExportedConversation,
    /// Its messages, oldest first.
    pub messages: Vec<ExportedMessage>,
}

/// A conversation's fields in an export.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExportedConversation {
    /// Its id where it was exported.
    pub id: ConversationId,
    /// Shown in the sidebar.
    pub title: String,
    /// Pinned conversations list first.
    #[serde(default)]
    pub pinned: bool,
    /// Archived conversations are hidden from the default list.
    #[serde(default)]
    pub archived: bool,
    /// The persona it used where it was exported (which may not exist where it is imported).
    #[serde(default)]
    pub persona_id: Option<PersonaId>,
    /// The model it answered with, if not the default.
    #[serde(default)]
    pub model: Option<String>,
    /// When it was created.
    #[serde(with = "utc_rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it last changed.
    #[serde(with = "utc_rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A message's fields in an export.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExportedMessage {
    /// Its id where it was exported.
    pub id: MessageId,
    /// Who wrote it.
    pub role: MessageRole,
    /// The text, as written.
    pub content: String,
    /// Whole, partial (stopped) or errored.
    pub status: MessageStatus,
    /// The model that wrote an assistant message.
    #[serde(default)]
    pub model: Option<String>,
    /// Prompt tokens the answer cost.
    #[serde(default)]
    pub prompt_tokens: Option<u32>,
    /// Tokens in the answer.
    #[serde(default)]
    pub completion_tokens: Option<u32>,
    /// What went wrong, for an `error` message.
    #[serde(default)]
    pub error: Option<String>,
    /// When it was written.
    #[serde(with = "utc_rfc3339")]
    pub created_at: OffsetDateTime,
}

impl ConversationExport {
    /// Takes a stored conversation and its messages (oldest first, as the store lists them)
    /// for export. Times become UTC; the instants do not change.
    pub fn new(conversation: &Conversation, messages: &[Message]) -> Self {
        Self {
            conversation: ExportedConversation {
                id: conversation.id,
                title: conversation.title.clone(),
                pinned: conversation.pinned,
                archived: conversation.archived,
                persona_id: conversation.persona_id,
                model: conversation.model.clone(),
                created_at: utc(conversation.created_at),
                updated_at: utc(conversation.updated_at),
            },
            messages: messages
                .iter()
                .map(|message| ExportedMessage {
                    id: message.id,
                    role: message.role,
                    content: message.content.clone(),
                    status: message.status,
                    model: message.model.clone(),
                    prompt_tokens: message.prompt_tokens,
                    completion_tokens: message.completion_tokens,
                    error: message.error.clone(),
                    created_at: utc(message.created_at),
                })
                .collect(),
        }
    }

    /// Checks the export against the limits a store enforces (the same
    /// [`NewConversation::validate`] and [`NewMessage::validate`] rules), so an import fails
    /// before anything is written. The error names the place, e.g. `messages[3].content`.
    pub fn validate(&self) -> Result<()> {
        if self.messages.len() > MAX_EXPORT_MESSAGES {
            return Err(Error::invalid(
                "messages",
                format!(
                    "has {} messages; at most {MAX_EXPORT_MESSAGES} are accepted",
                    self.messages.len()
                ),
            ));
        }
        located(
            "conversation",
            self.conversation.new_conversation().validate(),
        )?;
        for (index, message) in self.messages.iter().enumerate() {
            located(
                &format!("messages[{index}]"),
                message.new_message().validate(),
            )?;
        }
        Ok(())
    }
}

impl ExportedConversation {
    /// The conversation's fields that [`NewConversation::validate`] checks (title,
    /// persona, model); an import also restores its flags and times.
    pub fn new_conversation(&self) -> NewConversation {
        NewConversation {
            title: self.title.clone(),
            persona_id: self.persona_id,
            model: self.model.clone(),
        }
    }
}

impl ExportedMessage {
    /// What a store needs to append this message on import.
    pub fn new_message(&self) -> NewMessage {
        NewMessage {
            role: self.role,
            content: self.content.clone(),
            status: self.status,
            model: self.model.clone(),
            prompt_tokens: self.prompt_tokens,
            completion_tokens: self.completion_tokens,
            error: self.error.clone(),
            context: None,
        }
    }
}

/// Prefixes a validation error's reason with where in the export the field is.
fn located(place: &str, result: Result<()>) -> Result<()> {
    result.map_err(|error| match error {
        Error::InvalidInput { field, reason } => {
            Error::invalid(field, format!("{place}.{field} {reason}"))
        }
        other => other,
    })
}

/// The same instant in UTC (or as it is, at the very ends of the calendar where UTC has
/// no date for it).
fn utc(at: OffsetDateTime) -> OffsetDateTime {
    at.checked_to_offset(UtcOffset::UTC).unwrap_or(at)
}

/// How exports show a time to a person: `2026-11-24 09:05 UTC`.
fn human_time(at: OffsetDateTime) -> String {
    let at = utc(at);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute()
    )
}

/// How exports name a role to a person.
fn role_label(role: MessageRole) -> &'static str {
    match role {
        MessageRole::System => "System",
        MessageRole::User => "User",
        MessageRole::Assistant => "Assistant",
    }
}

/// RFC 3339 times, always written in UTC (so an offset with seconds, which RFC 3339 cannot
/// express, never fails a write) and read with any offset.
mod utc_rfc3339 {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use time::OffsetDateTime;
    use time::format_description::well_known::Rfc3339;

    pub(super) fn serialize<S: Serializer>(
        at: &OffsetDateTime,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let text = super::utc(*at)
            .format(&Rfc3339)
            .map_err(serde::ser::Error::custom)?;
        text.serialize(serializer)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<OffsetDateTime, D::Error> {
        let text = String::deserialize(deserializer)?;
        OffsetDateTime::parse(&text, &Rfc3339).map_err(|error| {
            serde::de::Error::custom(format!("`{text}` is not an RFC 3339 time: {error}"))
        })
    }
}
