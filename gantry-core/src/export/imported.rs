//! What the imports from other products share: lenient typed reading of untrusted JSON,
//! cleaning a message's text, and assembling the messages found into a conversation export
//! (titles, times filled in from the messages around them, Gantry's limits).

use std::fmt;

use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use time::OffsetDateTime;

use super::chatgpt::{
    ChatGptImport, MAX_CHATGPT_BYTES, MAX_CHATGPT_CONVERSATIONS, SkippedConversation,
};
use super::{ConversationExport, ExportedConversation, ExportedMessage};
use crate::model::{MessageRole, MessageStatus};
use crate::validate::{MAX_MESSAGE_BYTES, MAX_TITLE_BYTES};
use crate::{ConversationId, MessageId};
use crate::{Error, Result};

/// The title given to a conversation that has none.
pub const UNTITLED: &str = "Imported conversation";

/// Added where a message longer than Gantry keeps was cut.
const TRUNCATED: &str = "\n\n[Cut on import: the message was longer than Gantry keeps.]";

/// One message found on the branch, before times are filled in.
pub(super) struct Found {
    pub(super) role: MessageRole,
    pub(super) content: String,
    pub(super) status: MessageStatus,
    pub(super) model: Option<String>,
    pub(super) created_at: Option<OffsetDateTime>,
}

/// A field of the expected type, or `None` when it is missing or of another type (read
/// and dropped without being built): one odd field never costs the user a conversation,
/// let alone the file.
pub(super) struct Lenient<T>(pub(super) Option<T>);

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

/// One conversation of another product's export, as read.
pub(super) trait ForeignConversation: Default + for<'de> Deserialize<'de> {
    /// The conversation as an export, or why it cannot be one.
    fn convert(&self, now: OffsetDateTime) -> Result<ConversationExport, String>;
    /// Its title as the file has it, to name it when it is skipped.
    fn title(self) -> Option<String>;
}

/// Reads another product's `conversations.json` (`product` names it in messages): a JSON
/// array read one conversation at a time, at most [`MAX_CHATGPT_BYTES`] and
/// [`MAX_CHATGPT_CONVERSATIONS`]; a conversation that cannot be read is skipped and
/// listed. Deeply nested values are refused by serde_json's own recursion limit (128).
pub(super) fn read_export<C: ForeignConversation>(
    bytes: &[u8],
    product: &'static str,
) -> Result<ChatGptImport> {
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
            format!(
                "is a ZIP archive; unpack {product}'s export and choose the conversations.json inside"
            ),
        ));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let visitor = Conversations::<C> {
        product,
        now: OffsetDateTime::now_utc(),
        kind: std::marker::PhantomData,
    };
    serde::Deserializer::deserialize_seq(&mut deserializer, visitor)
        .and_then(|import| deserializer.end().map(|()| import))
        .map_err(|error| Error::invalid(FIELD, error.to_string()))
}

/// Reads the top-level array one conversation at a time.
struct Conversations<C> {
    product: &'static str,
    now: OffsetDateTime,
    kind: std::marker::PhantomData<C>,
}

impl<'de, C: ForeignConversation> Visitor<'de> for Conversations<C> {
    type Value = ChatGptImport;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "a JSON array of conversations, as in {}'s data export",
            self.product
        )
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ChatGptImport, A::Error> {
        let mut import = ChatGptImport {
            conversations: Vec::new(),
            skipped: Vec::new(),
        };
        let mut index = 0;
        while let Some(raw) = seq.next_element::<Lenient<C>>()? {
            if index >= MAX_CHATGPT_CONVERSATIONS {
                return Err(serde::de::Error::custom(format!(
                    "has more than {MAX_CHATGPT_CONVERSATIONS} conversations"
                )));
            }
            let converted = match &raw.0 {
                Some(conversation) => conversation.convert(self.now),
                None => Err("is not a conversation (not a JSON object)".to_owned()),
            };
            match converted {
                Ok(export) => import.conversations.push(export),
                Err(reason) => import.skipped.push(SkippedConversation {
                    index,
                    title: raw
                        .0
                        .and_then(ForeignConversation::title)
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

/// A message's visible text from its parts: NULs removed, blank parts dropped, parts
/// joined by a blank line, cut (and marked) past what Gantry keeps. `None` when no text
/// is left.
pub(super) fn clean_text(parts: &[&str]) -> Option<(String, MessageStatus)> {
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
    Some(if cut {
        (content + TRUNCATED, MessageStatus::Partial)
    } else {
        (content, MessageStatus::Complete)
    })
}

/// A conversation export of the messages `found` (oldest first, at least one), titled
/// `title` (or [`UNTITLED`]), with the times given or, where missing, those of the
/// messages around them, else `now`. Checked against Gantry's limits.
pub(super) fn assemble(
    found: Vec<Found>,
    title: Option<&str>,
    created: Option<OffsetDateTime>,
    updated: Option<OffsetDateTime>,
    archived: bool,
    now: OffsetDateTime,
) -> Result<ConversationExport, String> {
    let title = title
        .map(|title| title.replace('\0', ""))
        .filter(|title| !title.trim().is_empty())
        .map_or_else(
            || UNTITLED.to_owned(),
            |title| truncate(&title, MAX_TITLE_BYTES).0,
        );
    let first_time = found.iter().find_map(|message| message.created_at);
    let created_at = created.or(first_time).unwrap_or(now);
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
    let updated_at = updated.unwrap_or(previous.max(created_at));
    let export = ConversationExport {
        conversation: ExportedConversation {
            id: ConversationId::new(),
            title,
            pinned: false,
            archived,
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

/// The longest prefix of `text` of at most `max` bytes that ends on a character boundary,
/// and whether anything was cut.
pub(super) fn truncate(text: &str, max: usize) -> (String, bool) {
    (
        text[..text.floor_char_boundary(max)].to_owned(),
        text.len() > max,
    )
}
