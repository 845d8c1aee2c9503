//! Import from ChatGPT's data export (`conversations.json`).
//!
//! The file is an array of conversations. Each stores its messages as a tree (`mapping`:
//! node id to `{message, parent, children}`), because regenerating an answer or editing a
//! question starts a new branch. The import follows the branch the user last saw: from
//! `current_node` up through the `parent` links to the root, then oldest first. Kept are
//! user and assistant messages with visible text (`text` content, and the text parts of
//! `multimodal_text`, whose images are left out); skipped are system, tool and hidden
//! messages, messages addressed to a tool, and messages with no text.
//!
//! The file is untrusted. Its size and number of conversations are capped (the whole file
//! is refused past them), a conversation is read one at a time, and a loop in its parent
//! links is caught. A conversation that cannot be read (no message tree, a loop, no text
//! on its branch, too many messages) is skipped and listed with its index and the reason,
//! so one damaged conversation does not lose the user the rest.

use std::collections::HashSet;
use std::fmt;

use crate::model::{MessageRole, MessageStatus};
use crate::validate::{MAX_MESSAGE_BYTES, MAX_MODEL_BYTES, MAX_TITLE_BYTES};
use crate::{ConversationId, Error, MessageId, Result};
use serde::Deserializer as _;
use serde::de::{SeqAccess, Visitor};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::{ConversationExport, ExportedConversation, ExportedMessage, MAX_EXPORT_MESSAGES};

/// Largest `conversations.json` read (256 MiB): years of heavy use fit; memory stays bounded.
pub const MAX_CHATGPT_BYTES: usize = 256 * 1024 * 1024;
/// Most conversations read from one file.
pub const MAX_CHATGPT_CONVERSATIONS: usize = 100_000;
/// The title given to a conversation that has none.
pub const UNTITLED: &str = "Imported conversation";

/// Most nodes one conversation's message tree may have (branches included).
const MAX_NODES: usize = 4 * MAX_EXPORT_MESSAGES;
/// Added where a message longer than Gantry keeps was cut.
const TRUNCATED: &str = "\n\n[Cut on import: the message was longer than Gantry keeps.]";

/// What a ChatGPT import produced.
#[derive(Clone, Debug, PartialEq)]
pub struct ChatGptImport {
    /// The conversations read, in the file's order, each valid for a store.
    pub conversations: Vec<ConversationExport>,
    /// The conversations that could not be read, to tell the user which and why.
    pub skipped: Vec<SkippedConversation>,
}

/// A conversation of the file that was left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedConversation {
    /// Its position in the file's array, from 0.
    pub index: usize,
    /// Its title, when it had one.
    pub title: Option<String>,
    /// Why, in words for the user.
    pub reason: String,
}

/// Reads ChatGPT's `conversations.json`. Refuses the whole file only when it is not that
/// file (not a JSON array, a ZIP), or is over [`MAX_CHATGPT_BYTES`] or
/// [`MAX_CHATGPT_CONVERSATIONS`]; a conversation that cannot be read is listed in
/// [`ChatGptImport::skipped`]. Ids are new; times missing from the file are taken from the
/// messages around them, or are the time of the import.
pub fn parse_chatgpt(bytes: &[u8]) -> Result<ChatGptImport> {
    const FIELD: &str = "conversations.json";
    if bytes.len() > MAX_CHATGPT_BYTES {
        return Err(Error::invalid(
            FIELD,
            format!(
                "is {} bytes; the largest accepted is {MAX_CHATGPT_BYTES} bytes (256 MiB)",
                bytes.len()
            ),
        ));
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return Err(Error::invalid(
            FIELD,
            "is a ZIP archive; unpack ChatGPT's export and choose the conversations.json inside",
        ));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let import = deserializer
        .deserialize_seq(Conversations {
            now: OffsetDateTime::now_utc(),
        })
        .and_then(|import| deserializer.end().map(|()| import))
        .map_err(|error| Error::invalid(FIELD, error.to_string()))?;
    Ok(import)
}

/// Reads the top-level array one conversation at a time.
struct Conversations {
    now: OffsetDateTime,
}

impl<'de> Visitor<'de> for Conversations {
    type Value = ChatGptImport;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON array of conversations, as in ChatGPT's data export")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ChatGptImport, A::Error> {
        let mut import = ChatGptImport {
            conversations: Vec::new(),
            skipped: Vec::new(),
        };
        let mut index = 0;
        while let Some(value) = seq.next_element::<Value>()? {
            if index >= MAX_CHATGPT_CONVERSATIONS {
                return Err(serde::de::Error::custom(format!(
                    "has more than {MAX_CHATGPT_CONVERSATIONS} conversations"
                )));
            }
            match convert(&value, self.now) {
                Ok(export) => import.conversations.push(export),
                Err(reason) => import.skipped.push(SkippedConversation {
                    index,
                    title: value
                        .get("title")
                        .and_then(Value::as_str)
                        .map(|title| truncate(&title.replace('\0', ""), MAX_TITLE_BYTES).0)
                        .filter(|title| !title.trim().is_empty()),
                    reason,
                }),
            }
            index += 1;
        }
        Ok(import)
    }
}

/// One message found on the branch, before times are filled in.
struct Found {
    role: MessageRole,
    content: String,
    status: MessageStatus,
    model: Option<String>,
    created_at: Option<OffsetDateTime>,
}

/// Turns one conversation into an export, or says why it cannot be.
fn convert(value: &Value, now: OffsetDateTime) -> Result<ConversationExport, String> {
    let conversation = value
        .as_object()
        .ok_or_else(|| "is not a conversation (not a JSON object)".to_owned())?;
    let mapping = conversation
        .get("mapping")
        .and_then(Value::as_object)
        .ok_or_else(|| "has no message tree (`mapping`)".to_owned())?;
    if mapping.len() > MAX_NODES {
        return Err(format!(
            "has {} message nodes; at most {MAX_NODES} are read",
            mapping.len()
        ));
    }

    let mut found = Vec::new();
    for node in branch(conversation, mapping)? {
        if let Some(message) = node.get("message").and_then(found_message) {
            if found.len() >= MAX_EXPORT_MESSAGES {
                return Err(format!(
                    "has more than {MAX_EXPORT_MESSAGES} messages; at most that many are imported"
                ));
            }
            found.push(message);
        }
    }
    if found.is_empty() {
        return Err("has no user or assistant text on its current branch".to_owned());
    }

    let title = conversation
        .get("title")
        .and_then(Value::as_str)
        .map(|title| title.replace('\0', ""))
        .filter(|title| !title.trim().is_empty())
        .map_or_else(
            || UNTITLED.to_owned(),
            |title| truncate(&title, MAX_TITLE_BYTES).0,
        );

    let first_time = found.iter().find_map(|message| message.created_at);
    let created_at = time_field(conversation.get("create_time"))
        .or(first_time)
        .unwrap_or(now);
    let mut previous = created_at;
    let messages: Vec<ExportedMessage> = found
        .into_iter()
        .map(|message| {
            let at = message.created_at.unwrap_or(previous);
            previous = at;
            ExportedMessage {
                id: MessageId::new(),
                role: message.role,
                content: message.content,
                status: message.status,
                model: message.model,
                prompt_tokens: None,
                completion_tokens: None,
                error: None,
                created_at: at,
            }
        })
        .collect();
    let updated_at =
        time_field(conversation.get("update_time")).unwrap_or(previous.max(created_at));

    let export = ConversationExport {
        conversation: ExportedConversation {
            id: ConversationId::new(),
            title,
            pinned: false,
            archived: conversation.get("is_archived").and_then(Value::as_bool) == Some(true),
            persona_id: None,
            model: None,
            created_at,
            updated_at,
        },
        messages,
    };
    export.validate().map_err(|error| error.to_string())?;
    Ok(export)
}

/// The nodes from the root to the branch's end, oldest first.
fn branch<'a>(
    conversation: &Map<String, Value>,
    mapping: &'a Map<String, Value>,
) -> Result<Vec<&'a Value>, String> {
    let start = conversation
        .get("current_node")
        .and_then(Value::as_str)
        .filter(|id| mapping.contains_key(*id))
        .or_else(|| latest_leaf(mapping))
        .ok_or_else(|| "has no messages to start from (`current_node`)".to_owned())?;

    let mut path = Vec::new();
    let mut seen = HashSet::new();
    let mut next = Some(start);
    while let Some(id) = next {
        if !seen.insert(id) {
            return Err(format!(
                "its message tree loops back on itself at node `{id}`"
            ));
        }
        // A parent missing from the mapping ends the branch, as the root does.
        let Some(node) = mapping.get(id) else { break };
        path.push(node);
        next = node.get("parent").and_then(Value::as_str);
    }
    path.reverse();
    Ok(path)
}

/// For a file without `current_node`: the leaf whose message is newest.
fn latest_leaf(mapping: &Map<String, Value>) -> Option<&str> {
    mapping
        .iter()
        .filter(|(_, node)| {
            node.get("children")
                .and_then(Value::as_array)
                .is_none_or(Vec::is_empty)
        })
        .max_by(|(_, a), (_, b)| {
            let time = |node: &Value| {
                node.get("message")
                    .and_then(|message| message.get("create_time"))
                    .and_then(Value::as_f64)
                    .unwrap_or(f64::MIN)
            };
            time(a).total_cmp(&time(b))
        })
        .map(|(id, _)| id.as_str())
}

/// A message the user saw, or `None` for one to skip.
fn found_message(message: &Value) -> Option<Found> {
    let role = match message.get("author")?.get("role")?.as_str()? {
        "user" => MessageRole::User,
        "assistant" => MessageRole::Assistant,
        _ => return None,
    };
    let metadata = message.get("metadata");
    let hidden = metadata
        .and_then(|metadata| metadata.get("is_visually_hidden_from_conversation"))
        .and_then(Value::as_bool)
        == Some(true);
    if hidden {
        return None;
    }
    // Messages to a tool (code to run, a memory to save) are not shown as chat.
    let recipient = message.get("recipient").and_then(Value::as_str);
    if recipient.is_some_and(|recipient| recipient != "all") {
        return None;
    }

    let content = message.get("content")?;
    let parts: Vec<&str> = match content.get("content_type")?.as_str()? {
        "text" | "multimodal_text" => content
            .get("parts")
            .and_then(Value::as_array)
            .map(|parts| parts.iter().filter_map(Value::as_str).collect())
            .or_else(|| {
                content
                    .get("text")
                    .and_then(Value::as_str)
                    .map(|text| vec![text])
            })?,
        _ => return None,
    };
    let text = parts
        .iter()
        .map(|part| part.replace('\0', ""))
        .filter(|part| !part.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");
    if text.trim().is_empty() {
        return None;
    }
    let (content, cut) = truncate(&text, MAX_MESSAGE_BYTES - TRUNCATED.len());
    let (content, status) = if cut {
        (content + TRUNCATED, MessageStatus::Partial)
    } else {
        (content, MessageStatus::Complete)
    };

    let model = match role {
        MessageRole::Assistant => metadata
            .and_then(|metadata| metadata.get("model_slug"))
            .and_then(Value::as_str)
            .filter(|model| {
                !model.trim().is_empty() && model.len() <= MAX_MODEL_BYTES && !model.contains('\0')
            })
            .map(str::to_owned),
        _ => None,
    };
    Some(Found {
        role,
        content,
        status,
        model,
        created_at: time_field(message.get("create_time")),
    })
}

/// A Unix time in (fractional) seconds, if present and within RFC 3339's years.
fn time_field(value: Option<&Value>) -> Option<OffsetDateTime> {
    let seconds = value?.as_f64().filter(|seconds| seconds.is_finite())?;
    // Microseconds: what ChatGPT records, without the float's noise below it.
    let micros = (seconds * 1e6).round();
    if micros.abs() > 1e17 {
        return None;
    }
    let nanos = i128::from(micros as i64) * 1000;
    OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .filter(|at| (0..=9999).contains(&at.year()))
}

/// The longest prefix of `text` of at most `max` bytes that ends on a character boundary,
/// and whether anything was cut.
fn truncate(text: &str, max: usize) -> (String, bool) {
    if text.len() <= max {
        return (text.to_owned(), false);
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (text[..end].to_owned(), true)
}
