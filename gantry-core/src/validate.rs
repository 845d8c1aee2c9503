//! Input limits and the checks that enforce them.
//!
//! Every store implementation runs these before touching the database, so bad input is
//! rejected with an error naming the field, and nothing changes.

use crate::{Error, Result};

/// Longest email address accepted (RFC 5321's path limit).
pub const MAX_EMAIL_BYTES: usize = 254;
/// Longest display name, persona name or entity name.
pub const MAX_NAME_BYTES: usize = 200;
/// Longest conversation title.
pub const MAX_TITLE_BYTES: usize = 300;
/// Longest message body (about 25,000 words).
pub const MAX_MESSAGE_BYTES: usize = 256 * 1024;
/// Longest persona system prompt.
pub const MAX_SYSTEM_PROMPT_BYTES: usize = 32 * 1024;
/// Longest model name.
pub const MAX_MODEL_BYTES: usize = 200;
/// Longest uploaded file name.
pub const MAX_FILENAME_BYTES: usize = 255;
/// Longest MIME content type.
pub const MAX_CONTENT_TYPE_BYTES: usize = 127;
/// Longest chunk of document text.
pub const MAX_CHUNK_BYTES: usize = 64 * 1024;
/// A chunk's heading path (its section's headings joined by ` > `).
pub const MAX_HEADING_BYTES: usize = 1024;
/// Longest reason stored with a failed document or an errored message.
pub const MAX_REASON_BYTES: usize = 4 * 1024;
/// Longest relation predicate or entity kind.
pub const MAX_LABEL_BYTES: usize = 100;
/// Longest embedding stored with a chunk.
pub const MAX_EMBEDDING_DIM: usize = 8192;
/// Most chunks accepted in one call.
pub const MAX_CHUNKS_PER_CALL: usize = 10_000;
/// Shortest and longest password.
pub const PASSWORD_BYTES: std::ops::RangeInclusive<usize> = 8..=1024;
/// Largest page a list call returns.
pub const MAX_PAGE: u32 = 500;
/// The most messages one imported conversation may hold.
pub const MAX_IMPORT_MESSAGES: usize = 100_000;
/// Longest collection description: a sentence or two shown under its name.
pub const MAX_DESCRIPTION_BYTES: usize = 2 * 1024;
/// The most stop sequences a turn may name.
pub const MAX_STOP_SEQUENCES: usize = 4;
/// The longest stop sequence.
pub const MAX_STOP_BYTES: usize = 256;
/// Longest JSON schema for an answer, as JSON.
pub const MAX_JSON_SCHEMA_BYTES: usize = 32 * 1024;
/// The most earlier messages a caller may send with a question (see
/// [`TurnOptions::history`](crate::engine::TurnOptions)).
pub const MAX_HISTORY_MESSAGES: usize = 1_000;
/// Most documents, and most collections, a conversation's retrieval can be limited to:
/// enough for any hand-picked scope, small enough to check every id in one request.
pub const MAX_SCOPE_ITEMS: usize = 100;

/// A required text field: not blank, at most `max` bytes, no NUL characters
/// (PostgreSQL cannot store U+0000, so no backend accepts it).
pub fn required(field: &'static str, value: &str, max: usize) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    bounded(field, value, max)
}

/// An optional or free-form text field: at most `max` bytes, no NUL characters.
pub fn bounded(field: &'static str, value: &str, max: usize) -> Result<()> {
    if value.len() > max {
        return Err(Error::invalid(
            field,
            format!("must be at most {max} bytes, got {}", value.len()),
        ));
    }
    if value.contains('\0') {
        return Err(Error::invalid(field, "must not contain NUL characters"));
    }
    Ok(())
}

/// Like [`required`], for an optional field.
pub fn optional(field: &'static str, value: Option<&str>, max: usize) -> Result<()> {
    value.map_or(Ok(()), |v| required(field, v, max))
}

/// A plausible email address: one `@` with text on both sides, no spaces.
pub fn email(value: &str) -> Result<()> {
    required("email", value, MAX_EMAIL_BYTES)?;
    let valid = match value.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !value.chars().any(char::is_whitespace)
        }
        None => false,
    };
    if valid {
        Ok(())
    } else {
        Err(Error::invalid(
            "email",
            format!("`{value}` is not an email address"),
        ))
    }
}

/// A password within [`PASSWORD_BYTES`].
pub fn password(value: &str) -> Result<()> {
    if !PASSWORD_BYTES.contains(&value.len()) {
        return Err(Error::invalid(
            "password",
            format!(
                "must be {} to {} bytes long",
                PASSWORD_BYTES.start(),
                PASSWORD_BYTES.end()
            ),
        ));
    }
    Ok(())
}

/// A sampling temperature between 0 and 2, as OpenAI-compatible servers accept.
pub fn temperature(value: Option<f32>) -> Result<()> {
    match value {
        Some(t) if !(0.0..=2.0).contains(&t) => Err(Error::invalid(
            "temperature",
            format!("must be between 0 and 2, got {t}"),
        )),
        _ => Ok(()),
    }
}

/// A `top_p` between 0 and 1, when given.
pub fn top_p(value: Option<f32>) -> Result<()> {
    match value {
        Some(p) if !(0.0..=1.0).contains(&p) => Err(Error::invalid(
            "top_p",
            format!("must be between 0 and 1, got {p}"),
        )),
        _ => Ok(()),
    }
}

/// A JSON schema for an answer, when given: an object of at most
/// [`MAX_JSON_SCHEMA_BYTES`] as JSON.
pub fn json_schema(schema: Option<&serde_json::Value>) -> Result<()> {
    let Some(schema) = schema else { return Ok(()) };
    if !schema.is_object() {
        return Err(Error::invalid("json_schema", "must be a JSON object"));
    }
    let size = serde_json::to_string(schema).map_or(usize::MAX, |s| s.len());
    if size > MAX_JSON_SCHEMA_BYTES {
        return Err(Error::invalid(
            "json_schema",
            format!("is {size} bytes as JSON; at most {MAX_JSON_SCHEMA_BYTES}"),
        ));
    }
    Ok(())
}

/// A page size between 1 and [`MAX_PAGE`].
pub fn page_limit(limit: u32) -> Result<()> {
    if limit == 0 || limit > MAX_PAGE {
        return Err(Error::invalid(
            "limit",
            format!("must be between 1 and {MAX_PAGE}, got {limit}"),
        ));
    }
    Ok(())
}

/// A half-open time range `[from, to)` that is not empty; the problem names `to`.
pub fn time_range(from: time::OffsetDateTime, to: time::OffsetDateTime) -> Result<()> {
    if from >= to {
        return Err(Error::invalid("to", "must be after `from`"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_shapes() {
        assert!(email("a@b.example").is_ok());
        for bad in ["", "  ", "no-at", "@b", "a@", "a b@c", "a@b@c"] {
            assert_eq!(
                email(bad).unwrap_err().invalid_field(),
                Some("email"),
                "{bad}"
            );
        }
    }

    #[test]
    fn nul_and_length_name_the_field() {
        let err = required("title", "a\0b", 10).unwrap_err();
        assert!(err.to_string().contains("title"));
        let err = required("title", &"x".repeat(11), 10).unwrap_err();
        assert!(err.to_string().contains("at most 10 bytes"));
    }
}
