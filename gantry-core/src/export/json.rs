//! Gantry's own conversation JSON: `{"format": "gantry.conversation", "version": 1, ...}`.
//!
//! Writing and reading are exact inverses, so the JSON works as a backup. Reading is
//! defensive: the size is capped before parsing, the format tag and version are checked
//! before anything else (so a wrong file gets a plain answer, not a parser complaint), and
//! every other problem names the place it was found, like `messages[3].role`.

use crate::{Error, Result};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{
    ConversationExport, ExportedConversation, ExportedMessage, FORMAT, MAX_EXPORT_BYTES,
    MAX_EXPORT_MESSAGES, VERSION,
};

/// The document as written: the tag and version first, for people reading the file.
#[derive(Serialize)]
struct EnvelopeOut<'a> {
    format: &'static str,
    version: u32,
    conversation: &'a ExportedConversation,
    messages: &'a [ExportedMessage],
}

/// The document as read, once its tag and version have been checked.
#[derive(Deserialize)]
struct EnvelopeIn {
    format: String,
    version: u64,
    conversation: ExportedConversation,
    messages: Vec<ExportedMessage>,
}

/// Just the tag and version, read first; everything else is skipped.
#[derive(Deserialize)]
struct Header {
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    version: Option<u64>,
}

impl Serialize for ConversationExport {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        EnvelopeOut {
            format: FORMAT,
            version: VERSION,
            conversation: &self.conversation,
            messages: &self.messages,
        }
        .serialize(serializer)
    }
}

/// Reads the layout and checks the tag and version; limits and field rules are
/// [`ConversationExport::from_json`]'s job.
impl<'de> Deserialize<'de> for ConversationExport {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let envelope = EnvelopeIn::deserialize(deserializer)?;
        check_header(Some(&envelope.format), Some(envelope.version))
            .map_err(serde::de::Error::custom)?;
        Ok(Self {
            conversation: envelope.conversation,
            messages: envelope.messages,
        })
    }
}

impl ConversationExport {
    /// Writes the export as pretty-printed JSON, for downloading or backing up.
    ///
    /// Fails only for a time RFC 3339 cannot write (a year before 0000), which no store
    /// produces.
    pub fn to_json(&self) -> Result<Vec<u8>> {
        serde_json::to_vec_pretty(self).map_err(|error| {
            Error::invalid("created_at", format!("cannot be written as JSON: {error}"))
        })
    }

    /// Reads an export written by [`ConversationExport::to_json`] (or by hand), refusing
    /// anything over [`MAX_EXPORT_BYTES`] or [`MAX_EXPORT_MESSAGES`], another format or
    /// version, and fields a store would refuse. The error names the place, e.g.
    /// `messages[3].role`.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        if bytes.len() > MAX_EXPORT_BYTES {
            return Err(Error::invalid(
                "export",
                format!(
                    "is {} bytes; the largest accepted is {MAX_EXPORT_BYTES} bytes (50 MiB)",
                    bytes.len()
                ),
            ));
        }
        let header: Header = parse(bytes)?;
        check_header(header.format.as_deref(), header.version)?;
        let envelope: EnvelopeIn = parse(bytes)?;
        if envelope.messages.len() > MAX_EXPORT_MESSAGES {
            return Err(Error::invalid(
                "messages",
                format!(
                    "has {} messages; at most {MAX_EXPORT_MESSAGES} are accepted",
                    envelope.messages.len()
                ),
            ));
        }
        let export = Self {
            conversation: envelope.conversation,
            messages: envelope.messages,
        };
        export.validate()?;
        Ok(export)
    }
}

fn check_header(format: Option<&str>, version: Option<u64>) -> Result<()> {
    match format {
        Some(FORMAT) => {}
        Some(other) => {
            return Err(Error::invalid(
                "format",
                format!("is `{other}`; a Gantry conversation export has `{FORMAT}`"),
            ));
        }
        None => {
            return Err(Error::invalid(
                "format",
                format!("is missing; a Gantry conversation export has `\"format\": \"{FORMAT}\"`"),
            ));
        }
    }
    match version {
        Some(version) if version == u64::from(VERSION) => Ok(()),
        Some(other) => Err(Error::invalid(
            "version",
            format!("{other} is not supported; this Gantry reads version {VERSION}"),
        )),
        None => Err(Error::invalid("version", "is missing")),
    }
}

/// Parses JSON, turning a failure into an error that names where it happened.
fn parse<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().clone();
        let inner = error.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            return Error::invalid("export", format!("is not valid JSON: {inner}"));
        }
        match field_name(&path) {
            "export" => Error::invalid(
                "export",
                format!("is not a Gantry conversation export: {inner}"),
            ),
            field => Error::invalid(field, format!("{path}: {inner}")),
        }
    })?;
    deserializer.end().map_err(|error| {
        Error::invalid(
            "export",
            format!("has data after the JSON document: {error}"),
        )
    })?;
    Ok(value)
}

/// The innermost named field of a path, as the `'static` name errors carry; the whole path
/// goes into the reason.
fn field_name(path: &serde_path_to_error::Path) -> &'static str {
    const FIELDS: [&str; 18] = [
        "format",
        "version",
        "conversation",
        "messages",
        "id",
        "title",
        "pinned",
        "archived",
        "persona_id",
        "model",
        "created_at",
        "updated_at",
        "role",
        "content",
        "status",
        "prompt_tokens",
        "completion_tokens",
        "error",
    ];
    path.iter()
        .rev()
        .find_map(|segment| match segment {
            serde_path_to_error::Segment::Map { key } => Some(key.as_str()),
            _ => None,
        })
        .and_then(|key| FIELDS.iter().copied().find(|field| *field == key))
        .unwrap_or("export")
}
