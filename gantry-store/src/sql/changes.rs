//! The change feed the vector and keyword indexes follow: every write to a message or a
//! chunk takes the next change number, and a deleted one leaves a tombstone that does.

use async_trait::async_trait;
use gantry_core::ids::UserId;
use gantry_core::store::{Change, ChangeFeed, ChangeKind, FOLLOWER_TIMEOUT};
use gantry_core::{Error, Result};
use uuid::Uuid;

use super::super::This;
use super::rows::{chunk_row, get, message_row};
use super::{Tx, commit};
use crate::convert::{DbResult, now, to_micros};
use crate::shared::{chunk_cols, message_cols};

/// Takes the next `n` change numbers; returns the first. Must run inside the transaction
/// that writes the rows, so numbers commit in order.
pub(super) async fn next_seqs(tx: &mut Tx, n: i64) -> Result<i64> {
    let last: i64 = sqlx::query_scalar(
        "UPDATE change_counter SET last_seq = last_seq + $1 WHERE id = 1 RETURNING last_seq",
    )
    .bind(n)
    .fetch_one(&mut **tx)
    .await
    .db()?;
    Ok(last - n + 1)
}

/// Takes the change counter's row lock without taking a number; returns the last number
/// handed out. Every write to a message or chunk takes this lock (through [`next_seqs`])
/// before it writes, so while it is held no other transaction can add, renumber or remove
/// one: what this transaction reads next is what it will write about.
pub(super) async fn lock_counter(tx: &mut Tx) -> Result<i64> {
    sqlx::query_scalar(
        "UPDATE change_counter SET last_seq = last_seq WHERE id = 1 RETURNING last_seq",
    )
    .fetch_one(&mut **tx)
    .await
    .db()
}

/// Rows about to be deleted in bulk, each of which needs a tombstone.
#[derive(Clone, Copy)]
pub(super) enum Doomed {
    MessagesOfConversation,
    MessagesOfOwner,
    ChunksOfDocument,
    ChunksOfOwner,
}

impl Doomed {
    /// The tombstone insert (`$1` the scope's id, `$2` the last change number handed out),
    /// numbering the rows in their own order.
    fn sql(self) -> &'static str {
        macro_rules! insert {
            ($table:literal, $column:literal, $order:literal, $kind:literal) => {
                concat!(
                    "INSERT INTO tombstones (seq, kind, item_id, owner_id) ",
                    "SELECT $2 + ROW_NUMBER() OVER (ORDER BY ",
                    $order,
                    "), '",
                    $kind,
                    "', id, owner_id FROM ",
                    $table,
                    " WHERE ",
                    $column,
                    " = $1"
                )
            };
        }
        match self {
            Self::MessagesOfConversation => {
                insert!("messages", "conversation_id", "position", "message")
            }
            Self::MessagesOfOwner => insert!("messages", "owner_id", "position", "message"),
            Self::ChunksOfDocument => insert!("chunks", "document_id", "seq", "chunk"),
            Self::ChunksOfOwner => insert!("chunks", "owner_id", "seq", "chunk"),
        }
    }
}

/// Leaves a tombstone for every row `doomed` names under `id`, before they are deleted,
/// each with its own change number.
///
/// The counter's lock is taken before the rows are read, and the numbers taken are as many
/// as the rows the insert actually wrote: counting first and inserting later let a write
/// that committed in between (PostgreSQL reads each statement afresh) be numbered with
/// numbers never taken, which the next writer then took again.
pub(super) async fn tombstone(tx: &mut Tx, doomed: Doomed, id: Uuid) -> Result<()> {
    let last = lock_counter(tx).await?;
    let done = sqlx::query(doomed.sql())
        .bind(id)
        .bind(last)
        .execute(&mut **tx)
        .await
        .db()?;
    let n = i64::try_from(done.rows_affected()).unwrap_or(i64::MAX);
    if n == 0 {
        return Ok(());
    }
    let first = next_seqs(tx, n).await?;
    if first != last + 1 {
        return Err(Error::internal(format!(
            "the change counter moved from {last} to {} while locked",
            first - 1
        )));
    }
    Ok(())
}

#[async_trait]
impl ChangeFeed for This {
    async fn changes_since(&self, after: i64, limit: u32) -> Result<Vec<Change>> {
        gantry_core::validate::page_limit(limit)?;
        // One snapshot for the three reads. Change numbers are taken under one row lock
        // and committed in order, so a snapshot holds every change up to some number and
        // none after it; three snapshots could hold a later chunk without an earlier
        // message, and a follower moving past both would never see that message.
        let mut tx = self.begin_read().await?;
        let messages = sqlx::query(concat!(
            "SELECT ",
            message_cols!(),
            " FROM messages WHERE seq > $1 ORDER BY seq LIMIT $2"
        ))
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await
        .db()?;
        let chunks = sqlx::query(concat!(
            "SELECT ",
            chunk_cols!(),
            " FROM chunks WHERE seq > $1 ORDER BY seq LIMIT $2"
        ))
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await
        .db()?;
        let tombstones = sqlx::query(
            "SELECT seq, kind, item_id, owner_id FROM tombstones WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&mut *tx)
        .await
        .db()?;
        commit(tx).await?;
        let mut changes = Vec::with_capacity(messages.len() + chunks.len() + tombstones.len());
        for row in &messages {
            changes.push(Change::Message {
                seq: get(row, "seq")?,
                message: message_row(row)?,
            });
        }
        for row in &chunks {
            changes.push(Change::Chunk {
                seq: get(row, "seq")?,
                chunk: chunk_row(row)?,
            });
        }
        for row in &tombstones {
            let kind = match get::<String>(row, "kind")?.as_str() {
                "message" => ChangeKind::Message,
                "chunk" => ChangeKind::Chunk,
                other => {
                    return Err(Error::internal(format!("unknown tombstone kind {other}")));
                }
            };
            changes.push(Change::Deleted {
                seq: get(row, "seq")?,
                kind,
                id: get(row, "item_id")?,
                owner_id: UserId(get(row, "owner_id")?),
            });
        }
        changes.sort_by_key(Change::seq);
        changes.truncate(limit as usize);
        Ok(changes)
    }

    async fn latest_seq(&self) -> Result<i64> {
        sqlx::query_scalar("SELECT last_seq FROM change_counter WHERE id = 1")
            .fetch_one(&self.pool)
            .await
            .db()
    }

    async fn record_follower(&self, follower: &str, applied_seq: i64) -> Result<()> {
        gantry_core::validate::required(
            "follower",
            follower,
            gantry_core::validate::MAX_NAME_BYTES,
        )?;
        if applied_seq < 0 {
            return Err(Error::invalid(
                "applied_seq",
                format!("must not be negative, got {applied_seq}"),
            ));
        }
        sqlx::query(
            "INSERT INTO change_followers (follower, applied_seq, heartbeat_at) \
             VALUES ($1, $2, $3) ON CONFLICT (follower) DO UPDATE \
             SET applied_seq = excluded.applied_seq, heartbeat_at = excluded.heartbeat_at",
        )
        .bind(follower)
        .bind(applied_seq)
        .bind(to_micros(now()))
        .execute(&self.pool)
        .await
        .db()?;
        Ok(())
    }

    async fn compact_tombstones(&self, through: i64) -> Result<u64> {
        // Keep what a live follower has not applied yet; a silent one must rebuild anyway.
        let live_since = to_micros(now() - FOLLOWER_TIMEOUT);
        let done = sqlx::query(
            "DELETE FROM tombstones WHERE seq <= $1 AND NOT EXISTS \
             (SELECT 1 FROM change_followers \
              WHERE heartbeat_at >= $2 AND applied_seq < tombstones.seq)",
        )
        .bind(through)
        .bind(live_since)
        .execute(&self.pool)
        .await
        .db()?;
        Ok(done.rows_affected())
    }
}
