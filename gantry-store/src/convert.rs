//! Conversions between domain values and what the SQL backends store, shared by both.

use gantry_core::{Backend, Error, Result};
use sqlx::error::DatabaseError;
use time::OffsetDateTime;

/// Times are stored as microseconds since the Unix epoch, the finest unit both backends
/// keep exactly.
pub(crate) fn to_micros(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000).unwrap_or(i64::MAX)
}

/// The inverse of [`to_micros`].
pub(crate) fn from_micros(micros: i64) -> Result<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1_000)
        .map_err(|e| Error::internal(format!("stored time {micros} out of range: {e}")))
}

/// The current time, truncated to what the store keeps, so a returned value equals the
/// value read back later.
pub(crate) fn now() -> OffsetDateTime {
    let t = OffsetDateTime::now_utc();
    t.replace_nanosecond(t.nanosecond() / 1_000 * 1_000)
        .unwrap_or(t)
}

/// Stored counts are signed 64-bit; the domain uses `u32` for token counts.
pub(crate) fn to_u32(value: i64, column: &str) -> Result<u32> {
    u32::try_from(value)
        .map_err(|_| Error::internal(format!("stored {column} {value} is out of range")))
}

/// Stored counts are signed 64-bit; the domain uses `u64` for sizes and sums.
pub(crate) fn to_u64(value: i64, column: &str) -> Result<u64> {
    u64::try_from(value)
        .map_err(|_| Error::internal(format!("stored {column} {value} is out of range")))
}

/// Embeddings are stored as little-endian `f32`s.
pub(crate) fn embedding_to_bytes(embedding: &[f32]) -> Vec<u8> {
    embedding.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// The inverse of [`embedding_to_bytes`].
pub(crate) fn embedding_from_bytes(bytes: &[u8]) -> Result<Vec<f32>> {
    if !bytes.len().is_multiple_of(4) {
        return Err(Error::internal(format!(
            "stored embedding has {} bytes, not a multiple of 4",
            bytes.len()
        )));
    }
    Ok(bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect())
}

/// Maps a database error to Gantry's error. This is the one place an [`sqlx::Error`]
/// becomes a [`gantry_core::Error`]: unique violations are conflicts, foreign-key
/// violations name what was missing, lost connections are an unavailable backend, the
/// rest is internal. A conflict or a missing row says in plain words what collided or was
/// missing; the database's own text only goes to the debug log.
pub(crate) fn db_error(error: sqlx::Error) -> Error {
    match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            log_violation(db.as_ref());
            Error::conflict(collision(db.as_ref()))
        }
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
            log_violation(db.as_ref());
            Error::not_found(referenced(db.as_ref()))
        }
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => {
            tracing::warn!(%error, "the database cannot be reached");
            Error::unavailable(Backend::Database, "cannot reach the database")
        }
        _ => Error::internal_from("a database query failed", error),
    }
}

/// `.db()` on what sqlx returns: its error through [`db_error`].
pub(crate) trait DbResult<T> {
    /// The result, with a database error mapped by [`db_error`].
    fn db(self) -> Result<T>;

    /// Like [`DbResult::db`], but a unique violation is the conflict `what` describes,
    /// for a caller that knows better than the constraint what collided (e.g. the email
    /// of a new account).
    fn db_conflict(self, what: impl FnOnce() -> String) -> Result<T>;
}

impl<T> DbResult<T> for std::result::Result<T, sqlx::Error> {
    fn db(self) -> Result<T> {
        self.map_err(db_error)
    }

    fn db_conflict(self, what: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|error| match &error {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                log_violation(db.as_ref());
                Error::conflict(what())
            }
            _ => db_error(error),
        })
    }
}

/// Logs what the database said about a violated constraint, which users never see.
fn log_violation(db: &dyn DatabaseError) {
    tracing::debug!(
        message = db.message(),
        constraint = db.constraint(),
        table = db.table(),
        "database constraint violated"
    );
}

/// The table a constraint error is about. PostgreSQL names it; SQLite's message for a
/// unique violation does (`UNIQUE constraint failed: users.email_key`).
fn violated_table(db: &dyn DatabaseError) -> Option<&str> {
    db.table().or_else(|| {
        db.message()
            .strip_prefix("UNIQUE constraint failed: ")?
            .split('.')
            .next()
    })
}

/// What a unique violation collided on, in words a user understands.
fn collision(db: &dyn DatabaseError) -> &'static str {
    match violated_table(db) {
        Some("users") => "an account with this email already exists",
        Some("sessions") => "a session with this token already exists",
        Some("collections") => "a collection with this name already exists",
        Some("collection_documents") => "the document is already in the collection",
        Some("chunks") => "the document already has a chunk with this number",
        Some("personas") => "another persona is already the default",
        Some("entities") => "an entity with this name and kind already exists",
        _ => "this already exists",
    }
}

/// What a foreign-key violation found missing, in words a user understands. PostgreSQL
/// names the constraint (`conversations_persona_id_fkey`: the column is the last part);
/// SQLite only says that one failed.
fn referenced(db: &dyn DatabaseError) -> &'static str {
    const COLUMNS: [(&str, &str); 9] = [
        ("owner_id", "referenced user"),
        ("user_id", "referenced user"),
        ("persona_id", "referenced persona"),
        ("conversation_id", "referenced conversation"),
        ("source_message_id", "referenced message"),
        ("document_id", "referenced document"),
        ("collection_id", "referenced collection"),
        ("subject_id", "referenced entity"),
        ("object_id", "referenced entity"),
    ];
    db.constraint()
        .and_then(|c| c.strip_suffix("_fkey"))
        .and_then(|c| COLUMNS.iter().find(|(column, _)| c.ends_with(column)))
        .map_or("referenced item", |(_, what)| what)
}

/// Keyset cursors are plain text, opaque to callers; a malformed one is invalid input.
pub(crate) fn bad_cursor() -> Error {
    Error::invalid("cursor", "is not a cursor this list returned")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip_at_microsecond_precision() {
        let t = now();
        assert_eq!(from_micros(to_micros(t)).unwrap(), t);
    }

    #[test]
    fn embeddings_round_trip() {
        let v = vec![0.5, -1.25, f32::MIN_POSITIVE, 3.0e38];
        assert_eq!(embedding_from_bytes(&embedding_to_bytes(&v)).unwrap(), v);
        assert!(embedding_from_bytes(&[1, 2, 3]).is_err());
    }
}
