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
//! is refused past them), a conversation is read one at a time into typed structs that keep
//! only the fields the import uses (everything else is skipped as it is read, never built
//! into a tree: a 256 MiB file of numbers costs no more than its conversations' text), a
//! field of an unexpected type counts as missing, and a loop in its parent links is caught. A conversation that cannot be read (no message tree, a loop, no text
//! on its branch, too many messages) is skipped and listed with its index and the reason,
//! so one damaged conversation does not lose the user the rest.

use std::collections::{HashMap, HashSet};
use std::fmt;

use crate::model::{MessageRole, MessageStatus};
use crate::validate::{MAX_MESSAGE_BYTES, MAX_MODEL_BYTES, MAX_TITLE_BYTES};
use crate::{ConversationId, Error, MessageId, Result};
use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
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
    // Deeply nested values are refused by serde_json's own recursion limit (128).
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
        while let Some(raw) = seq.next_element::<Lenient<RawConversation>>()? {
            if index >= MAX_CHATGPT_CONVERSATIONS {
                return Err(serde::de::Error::custom(format!(
                    "has more than {MAX_CHATGPT_CONVERSATIONS} conversations"
                )));
            }
            let converted = match &raw.0 {
                Some(conversation) => convert(conversation, self.now),
                None => Err("is not a conversation (not a JSON object)".to_owned()),
            };
            match converted {
                Ok(export) => import.conversations.push(export),
                Err(reason) => import.skipped.push(SkippedConversation {
                    index,
                    title: raw
                        .0
                        .and_then(|c| c.title.0)
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

/// One conversation as the file holds it: only the fields the import reads.
#[derive(Default, Deserialize)]
#[serde(default)]
struct RawConversation {
    title: Lenient<String>,
    create_time: Lenient<f64>,
    update_time: Lenient<f64>,
    current_node: Lenient<String>,
    is_archived: Lenient<bool>,
    mapping: Lenient<Mapping>,
}

/// The message tree: node id to node, at most [`MAX_NODES`] nodes read.
struct Mapping(HashMap<String, RawNode>);

#[derive(Default, Deserialize)]
#[serde(default)]
struct RawNode {
    message: Lenient<RawMessage>,
    parent: Lenient<String>,
    children: Lenient<Vec<IgnoredAny>>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct RawMessage {
    author: Lenient<RawAuthor>,
    metadata: Lenient<RawMetadata>,
    recipient: Lenient<String>,
    content: Lenient<RawContent>,
    create_time: Lenient<f64>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct RawAuthor {
    role: Lenient<String>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct RawMetadata {
    is_visually_hidden_from_conversation: Lenient<bool>,
    model_slug: Lenient<String>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct RawContent {
    content_type: Lenient<String>,
    parts: Lenient<TextParts>,
    text: Lenient<String>,
}

/// The text parts of a message's content; other parts (images) are skipped unread.
#[derive(Default)]
struct TextParts(Vec<String>);

/// A field of the expected type, or `None` when it is missing or of another type (read
/// and dropped without being built): one odd field never costs the user a conversation,
/// let alone the file.
struct Lenient<T>(Option<T>);

impl<T> Default for Lenient<T> {
    fn default() -> Self {
        Self(None)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // serde_json can only try a type once, so the value is first taken apart by
        // kind: what `T` cannot be is skipped, what it may be is handed to it.
        deserializer.deserialize_any(LenientVisitor(std::marker::PhantomData))
    }
}

struct LenientVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for LenientVisitor<T> {
    type Value = Lenient<T>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Lenient(
            T::deserialize(serde::de::value::BoolDeserializer::<E>::new(v)).ok(),
        ))
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Lenient(
            T::deserialize(serde::de::value::I64Deserializer::<E>::new(v)).ok(),
        ))
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Lenient(
            T::deserialize(serde::de::value::U64Deserializer::<E>::new(v)).ok(),
        ))
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Lenient(
            T::deserialize(serde::de::value::F64Deserializer::<E>::new(v)).ok(),
        ))
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Lenient(
            T::deserialize(serde::de::value::StrDeserializer::<E>::new(v)).ok(),
        ))
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(Lenient(None))
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(Lenient(None))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        // A list is handed to `T` as it streams; a `T` that is not a list fails at once
        // and the rest is skipped.
        let mut seq = seq;
        let value = T::deserialize(serde::de::value::SeqAccessDeserializer::new(&mut seq)).ok();
        // Whatever `T` left unread (all of it, when it failed) is skipped.
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Lenient(value))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let mut map = map;
        let value = T::deserialize(serde::de::value::MapAccessDeserializer::new(&mut map)).ok();
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Lenient(value))
    }
}

impl<'de> Deserialize<'de> for Mapping {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Nodes;
        impl<'de> Visitor<'de> for Nodes {
            type Value = Mapping;
            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a message tree (an object of nodes)")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Mapping, A::Error> {
                let mut nodes = HashMap::new();
                while let Some(id) = map.next_key::<String>()? {
                    let node = map.next_value::<Lenient<RawNode>>()?;
                    // Refused between entries, so the caller can skip the rest cleanly.
                    if nodes.len() >= MAX_NODES {
                        return Err(serde::de::Error::custom(format!(
                            "more than {MAX_NODES} message nodes"
                        )));
                    }
                    nodes.insert(id, node.0.unwrap_or_default());
                }
                Ok(Mapping(nodes))
            }
        }
        deserializer.deserialize_map(Nodes)
    }
}

impl<'de> Deserialize<'de> for TextParts {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Parts;
        impl<'de> Visitor<'de> for Parts {
            type Value = TextParts;
            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a list of content parts")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<TextParts, A::Error> {
                let mut parts = Vec::new();
                while let Some(part) = seq.next_element::<Lenient<String>>()? {
                    parts.extend(part.0);
                }
                Ok(TextParts(parts))
            }
        }
        deserializer.deserialize_seq(Parts)
    }
}

/// Turns one conversation into an export, or says why it cannot be.
fn convert(
    conversation: &RawConversation,
    now: OffsetDateTime,
) -> Result<ConversationExport, String> {
    let mapping = &conversation
        .mapping
        .0
        .as_ref()
        .ok_or_else(|| {
            format!("has no readable message tree (`mapping`, at most {MAX_NODES} nodes)")
        })?
        .0;

    let mut found = Vec::new();
    for node in branch(conversation, mapping)? {
        if let Some(message) = node.message.0.as_ref().and_then(found_message) {
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
        .title
        .0
        .as_deref()
        .map(|title| title.replace('\0', ""))
        .filter(|title| !title.trim().is_empty())
        .map_or_else(
            || UNTITLED.to_owned(),
            |title| truncate(&title, MAX_TITLE_BYTES).0,
        );

    let first_time = found.iter().find_map(|message| message.created_at);
    let created_at = time_field(conversation.create_time.0)
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
    let updated_at = time_field(conversation.update_time.0).unwrap_or(previous.max(created_at));

    let export = ConversationExport {
        conversation: ExportedConversation {
            id: ConversationId::new(),
            title,
            pinned: false,
            archived: conversation.is_archived.0 == Some(true),
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
    conversation: &RawConversation,
    mapping: &'a HashMap<String, RawNode>,
) -> Result<Vec<&'a RawNode>, String> {
    let start = conversation
        .current_node
        .0
        .as_deref()
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
        next = node.parent.0.as_deref();
    }
    path.reverse();
    Ok(path)
}

/// For a file without `current_node`: the leaf whose message is newest (ties go to the
/// smaller id, so the choice does not depend on the map's order).
fn latest_leaf(mapping: &HashMap<String, RawNode>) -> Option<&str> {
    mapping
        .iter()
        .filter(|(_, node)| node.children.0.as_ref().is_none_or(Vec::is_empty))
        .max_by(|(a_id, a), (b_id, b)| {
            let time = |node: &RawNode| {
                node.message
                    .0
                    .as_ref()
                    .and_then(|message| message.create_time.0)
                    .unwrap_or(f64::MIN)
            };
            time(a).total_cmp(&time(b)).then_with(|| b_id.cmp(a_id))
        })
        .map(|(id, _)| id.as_str())
}

/// A message the user saw, or `None` for one to skip.
fn found_message(message: &RawMessage) -> Option<Found> {
    let role = match message.author.0.as_ref()?.role.0.as_deref()? {
        "user" => MessageRole::User,
        "assistant" => MessageRole::Assistant,
        _ => return None,
    };
    let metadata = message.metadata.0.as_ref();
    let hidden = metadata.and_then(|m| m.is_visually_hidden_from_conversation.0) == Some(true);
    if hidden {
        return None;
    }
    // Messages to a tool (code to run, a memory to save) are not shown as chat.
    if message
        .recipient
        .0
        .as_deref()
        .is_some_and(|recipient| recipient != "all")
    {
        return None;
    }

    let content = message.content.0.as_ref()?;
    let parts: Vec<&str> = match content.content_type.0.as_deref()? {
        "text" | "multimodal_text" => match (&content.parts.0, &content.text.0) {
            (Some(parts), _) => parts.0.iter().map(String::as_str).collect(),
            (None, Some(text)) => vec![text.as_str()],
            (None, None) => return None,
        },
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
            .and_then(|metadata| metadata.model_slug.0.as_deref())
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
        created_at: time_field(message.create_time.0),
    })
}

/// A Unix time in (fractional) seconds, if present and within RFC 3339's years.
fn time_field(value: Option<f64>) -> Option<OffsetDateTime> {
    let seconds = value.filter(|seconds| seconds.is_finite())?;
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
    (
        text[..text.floor_char_boundary(max)].to_owned(),
        text.len() > max,
    )
}
