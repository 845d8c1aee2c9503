//! Import from Claude's data export (`conversations.json`).
//!
//! The file is an array of conversations, each with a `name`, RFC 3339 `created_at` and
//! `updated_at`, and `chat_messages` in order: `sender` (`human` or `assistant`), the text
//! as `content` parts (`{"type": "text", "text": ...}`; other parts such as tool use are
//! left out) or, in older exports, as `text`. Read as leniently and within the same bounds
//! as ChatGPT's export (see that module): a conversation that cannot be read is skipped and
//! listed with the reason.

use std::fmt;

use serde::Deserialize;
use serde::de::{SeqAccess, Visitor};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::chatgpt::ChatGptImport;
use super::imported::{ForeignConversation, Found, Lenient, assemble, clean_text, read_export};
use super::{ConversationExport, MAX_EXPORT_MESSAGES};
use crate::Result;
use crate::model::MessageRole;

/// Reads Claude's `conversations.json` (at most 256 MiB and 100,000 conversations, as for
/// ChatGPT's). Refuses the whole file only when it is not such a file; a conversation that
/// cannot be read is listed in [`ChatGptImport::skipped`]. Ids are new.
pub fn parse_claude(bytes: &[u8]) -> Result<ChatGptImport> {
    read_export::<RawConversation>(bytes, "Claude")
}

impl ForeignConversation for RawConversation {
    fn convert(&self, now: OffsetDateTime) -> Result<ConversationExport, String> {
        convert(self, now)
    }

    fn title(self) -> Option<String> {
        self.name.0
    }
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct RawConversation {
    name: Lenient<String>,
    created_at: Lenient<String>,
    updated_at: Lenient<String>,
    chat_messages: Lenient<Messages>,
}

/// The messages, at most [`MAX_EXPORT_MESSAGES`] plus one read (one more means too many).
struct Messages(Vec<RawMessage>);

impl<'de> Deserialize<'de> for Messages {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct List;
        impl<'de> Visitor<'de> for List {
            type Value = Messages;
            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a list of messages")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Messages, A::Error> {
                let mut messages = Vec::new();
                while let Some(message) = seq.next_element::<Lenient<RawMessage>>()? {
                    if messages.len() > MAX_EXPORT_MESSAGES {
                        return Err(serde::de::Error::custom(format!(
                            "more than {MAX_EXPORT_MESSAGES} messages"
                        )));
                    }
                    messages.push(message.0.unwrap_or_default());
                }
                Ok(Messages(messages))
            }
        }
        deserializer.deserialize_seq(List)
    }
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct RawMessage {
    sender: Lenient<String>,
    text: Lenient<String>,
    content: Lenient<Vec<Lenient<RawPart>>>,
    created_at: Lenient<String>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct RawPart {
    #[serde(rename = "type")]
    kind: Lenient<String>,
    text: Lenient<String>,
}

fn convert(
    conversation: &RawConversation,
    now: OffsetDateTime,
) -> Result<ConversationExport, String> {
    let messages = conversation.chat_messages.0.as_ref().ok_or_else(|| {
        format!("has no readable messages (`chat_messages`, at most {MAX_EXPORT_MESSAGES})")
    })?;
    let found: Vec<Found> = messages.0.iter().filter_map(found_message).collect();
    if found.is_empty() {
        return Err("has no human or assistant text".to_owned());
    }
    assemble(
        found,
        conversation.name.0.as_deref(),
        time_field(conversation.created_at.0.as_deref()),
        time_field(conversation.updated_at.0.as_deref()),
        false,
        now,
    )
}

fn found_message(message: &RawMessage) -> Option<Found> {
    let role = match message.sender.0.as_deref()? {
        "human" => MessageRole::User,
        "assistant" => MessageRole::Assistant,
        _ => return None,
    };
    let parts: Vec<&str> = match &message.content.0 {
        Some(parts) if !parts.is_empty() => parts
            .iter()
            .filter_map(|part| part.0.as_ref())
            .filter(|part| part.kind.0.as_deref() == Some("text"))
            .filter_map(|part| part.text.0.as_deref())
            .collect(),
        _ => message.text.0.as_deref().into_iter().collect(),
    };
    let (content, status) = clean_text(&parts)?;
    Some(Found {
        role,
        content,
        status,
        model: None,
        created_at: time_field(message.created_at.0.as_deref()),
    })
}

/// An RFC 3339 time within years 0 to 9999.
fn time_field(value: Option<&str>) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(value?, &Rfc3339)
        .ok()
        .filter(|at| (0..=9999).contains(&at.year()))
}
