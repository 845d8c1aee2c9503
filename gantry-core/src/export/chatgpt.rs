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

use crate::Result;
use crate::model::MessageRole;
use crate::validate::MAX_MODEL_BYTES;
use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use time::OffsetDateTime;

use super::imported::{ForeignConversation, Found, Lenient, assemble, clean_text, read_export};
use super::{ConversationExport, MAX_EXPORT_MESSAGES};

/// Largest `conversations.json` read (256 MiB): years of heavy use fit; memory stays bounded.
pub const MAX_CHATGPT_BYTES: usize = 256 * 1024 * 1024;
/// Most conversations read from one file.
pub const MAX_CHATGPT_CONVERSATIONS: usize = 100_000;
pub use super::imported::UNTITLED;

/// Most nodes one conversation's message tree may have (branches included).
const MAX_NODES: usize = 4 * MAX_EXPORT_MESSAGES;

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
    read_export::<RawConversation>(bytes, "ChatGPT")
}

impl ForeignConversation for RawConversation {
    fn convert(&self, now: OffsetDateTime) -> Result<ConversationExport, String> {
        convert(self, now)
    }

    fn title(self) -> Option<String> {
        self.title.0
    }
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

    assemble(
        found,
        conversation.title.0.as_deref(),
        time_field(conversation.create_time.0),
        time_field(conversation.update_time.0),
        conversation.is_archived.0 == Some(true),
        now,
    )
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
    let (content, status) = clean_text(&parts)?;

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
