//! What both backends' queries share that involves no database type, so it is compiled
//! once: column lists, ownership checks, search keys, keyset cursors and paging.

use gantry_core::ids::{CollectionId, ConversationId, DocumentId, EntityId, MessageId};
use gantry_core::model::Conversation;
use gantry_core::store::{Cursor, Page};
use gantry_core::{Error, Result};
use icu_casemap::CaseMapper;
use icu_normalizer::ComposingNormalizer;
use uuid::Uuid;

use crate::convert::{bad_cursor, to_micros};

// Column lists, as literals so they can be `concat!`ed into `&'static str` queries.

macro_rules! user_cols {
    () => {
        "id, email, display_name, role, disabled, created_at"
    };
}
macro_rules! conversation_cols {
    () => {
        "id, owner_id, title, pinned, archived, persona_id, model, created_at, updated_at"
    };
}
macro_rules! message_cols {
    () => {
        "id, conversation_id, owner_id, role, content, status, model, prompt_tokens, \
         completion_tokens, error, created_at, position, seq, context"
    };
}
macro_rules! document_cols {
    () => {
        "id, owner_id, filename, content_type, size_bytes, status, failure_reason, created_at, \
         updated_at"
    };
}
macro_rules! chunk_cols {
    () => {
        "id, document_id, owner_id, ordinal, text, token_count, embedding, seq, heading, page"
    };
}
macro_rules! collection_cols {
    () => {
        "id, owner_id, name, description, created_at, updated_at"
    };
}
macro_rules! persona_cols {
    () => {
        "id, owner_id, name, system_prompt, default_model, temperature, is_default, created_at, \
         updated_at"
    };
}
macro_rules! entity_cols {
    () => {
        "id, owner_id, name, kind, created_at"
    };
}
macro_rules! relation_cols {
    () => {
        "id, owner_id, subject_id, predicate, object_id, source_message_id, valid_from, valid_to"
    };
}

pub(crate) use {
    chunk_cols, collection_cols, conversation_cols, document_cols, entity_cols, message_cols,
    persona_cols, relation_cols, user_cols,
};

/// The id of a row that belongs to one user, with the query that checks it does.
pub(crate) trait Owned: Copy + Send {
    /// `SELECT 1 FROM <table> WHERE id = $1 AND owner_id = $2`.
    const CHECK: &'static str;

    /// The row's id as stored.
    fn uuid(self) -> Uuid;

    /// What a failed check reports as not found, e.g. `conversation 0193…`.
    fn what(self) -> String;
}

macro_rules! owned {
    ($($id:ident in $table:literal),* $(,)?) => {$(
        impl Owned for $id {
            const CHECK: &'static str =
                concat!("SELECT 1 FROM ", $table, " WHERE id = $1 AND owner_id = $2");

            fn uuid(self) -> Uuid {
                self.0
            }

            fn what(self) -> String {
                self.describe()
            }
        }
    )*};
}

owned!(
    ConversationId in "conversations",
    DocumentId in "documents",
    CollectionId in "collections",
    EntityId in "entities",
    MessageId in "messages",
);

/// The key an email address is unique by and found by: NFKC, then full Unicode case
/// folding, then NFKC again (folding can leave a string unnormalised). Spellings that
/// differ only by case or by compatibility characters are one address: `Kim@x.com`,
/// `\u{212A}im@x.com` (Kelvin sign) and fullwidth `ｋｉｍ@x.com` all key as `kim@x.com`, and
/// `STRASSE` and `straße` as `strasse`. `to_lowercase` folded some of these and not others.
pub(crate) fn email_key(email: &str) -> String {
    let nfkc = ComposingNormalizer::new_nfkc();
    let normal = nfkc.normalize(email.trim());
    let folded = CaseMapper::new().fold_string(&normal);
    nfkc.normalize(&folded).into_owned()
}

/// Refuses an address spelled with characters that NFKC replaces (the Kelvin sign,
/// fullwidth or ligature letters, superscripts, or letters left decomposed): it would
/// only look like the address it keys as, so it could take that address before its
/// owner registers. The same address written plainly is accepted.
pub(crate) fn check_email_spelling(email: &str) -> Result<()> {
    if ComposingNormalizer::new_nfkc().normalize(email) == email {
        return Ok(());
    }
    Err(Error::invalid(
        "email",
        format!(
            "`{email}` uses look-alike or compatibility characters; write it as `{}`",
            ComposingNormalizer::new_nfkc().normalize(email)
        ),
    ))
}

/// The key collection names are unique by and sorted on: trimmed and lower-cased.
pub(crate) fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// The key conversation titles are searched by: lower-cased here rather than in SQL,
/// because SQLite's `LOWER` folds only ASCII.
pub(crate) fn title_key(title: &str) -> String {
    title.to_lowercase()
}

/// A `LIKE` pattern (with `ESCAPE '\'`) matching `text` anywhere, every character
/// literally.
pub(crate) fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Checks a name search's query and limit; the `LIKE` pattern for its key, or `None` for a
/// blank query (which finds nothing).
pub(crate) fn name_search(query: &str, limit: u32) -> Result<Option<String>> {
    gantry_core::validate::page_limit(limit)?;
    gantry_core::validate::bounded("query", query, gantry_core::validate::MAX_TITLE_BYTES)?;
    let query = query.trim();
    Ok((!query.is_empty()).then(|| contains_pattern(&title_key(query))))
}

/// The keyset position of a conversation in its list: pinned, last update, id.
pub(crate) fn conversation_cursor(c: &Conversation) -> Cursor {
    Cursor(format!(
        "{}.{}.{}",
        u8::from(c.pinned),
        to_micros(c.updated_at),
        c.id.0.simple()
    ))
}

/// The inverse of [`conversation_cursor`].
pub(crate) fn parse_conversation_cursor(cursor: &Cursor) -> Result<(bool, i64, Uuid)> {
    let mut parts = cursor.0.splitn(3, '.');
    let pinned = match parts.next() {
        Some("1") => true,
        Some("0") => false,
        _ => return Err(bad_cursor()),
    };
    let updated = parts
        .next()
        .and_then(|p| p.parse::<i64>().ok())
        .ok_or_else(bad_cursor)?;
    let id = parts
        .next()
        .and_then(|p| Uuid::try_parse(p).ok())
        .ok_or_else(bad_cursor)?;
    Ok((pinned, updated, id))
}

/// The id a list keyed by id continues after, `default` on the first page.
pub(crate) fn uuid_cursor(cursor: Option<&Cursor>, default: Uuid) -> Result<Uuid> {
    cursor.map_or(Ok(default), |c| {
        Uuid::try_parse(&c.0).map_err(|_| bad_cursor())
    })
}

/// Splits off the extra row fetched to learn whether another page follows.
pub(crate) fn paged<T>(mut items: Vec<T>, limit: u32, cursor: impl Fn(&T) -> Cursor) -> Page<T> {
    let limit = limit as usize;
    let next = if items.len() > limit {
        items.truncate(limit);
        items.last().map(cursor)
    } else {
        None
    };
    Page { items, next }
}

/// The most ids bound in one `IN (...)` list: far under SQLite's and PostgreSQL's limits
/// on bound parameters, and more than a turn retrieves.
pub(crate) const MAX_IDS_PER_QUERY: usize = 500;
