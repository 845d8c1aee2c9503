//! The change feed the vector and keyword indexes follow: every write to a message or a
//! chunk takes the next change number, and a deleted one leaves a tombstone that does.

use async_trait::async_trait;
use gantry_core::ids::UserId;
use gantry_core::store::{Change, ChangeFeed, ChangeKind};
use gantry_core::{Error, Result};
use uuid::Uuid;

use super::super::This;
use super::rows::{chunk_row, get, message_row};
use super::{Tx, commit};
use crate::convert::DbResult;
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

/// Rows about to be deleted in bulk, each of which needs a tombstone.
#[derive(Clone, Copy)]
pub(super) enum Doomed {
    MessagesOfConversation,
    MessagesOfOwner,
    ChunksOfDocument,
    ChunksOfOwner,
}

impl Doomed {
    /// The count query and the tombstone insert (`$1` the scope's id, `$2` the first change
    /// number), numbered in the rows' own order.
    fn sql(self) -> (&'static str, &'static str) {
        macro_rules! pair {
            ($table:literal, $column:literal, $order:literal, $kind:literal) => {
                (
                    concat!("SELECT COUNT(*) FROM ", $table, " WHERE ", $column, " = $1"),
                    concat!(
                        "INSERT INTO tombstones (seq, kind, item_id, owner_id) ",
                        "SELECT $2 - 1 + ROW_NUMBER() OVER (ORDER BY ",
                        $order,
                        "), '",
                        $kind,
                        "', id, owner_id FROM ",
                        $table,
                        " WHERE ",
                        $column,
                        " = $1"
                    ),
                )
            };
        }
        match self {
            Self::MessagesOfConversation => {
                pair!("messages", "conversation_id", "position", "message")
            }
            Self::MessagesOfOwner => pair!("messages", "owner_id", "position", "message"),
            Self::ChunksOfDocument => pair!("chunks", "document_id", "seq", "chunk"),
            Self::ChunksOfOwner => pair!("chunks", "owner_id", "seq", "chunk"),
        }
    }
}

/// Leaves a tombstone for every row `doomed` names under `id`, before they are deleted,
/// each with its own change number.
pub(super) async fn tombstone(tx: &mut Tx, doomed: Doomed, id: Uuid) -> Result<()> {
    let (count_sql, insert_sql) = doomed.sql();
    let n: i64 = sqlx::query_scalar(count_sql)
        .bind(id)
        .fetch_one(&mut **tx)
        .await
        .db()?;
    if n == 0 {
        return Ok(());
    }
    let first = next_seqs(tx, n).await?;
    sqlx::query(insert_sql)
        .bind(id)
        .bind(first)
        .execute(&mut **tx)
        .await
        .db()?;
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

    async fn compact_tombstones(&self, through: i64) -> Result<u64> {
        let done = sqlx::query("DELETE FROM tombstones WHERE seq <= $1")
            .bind(through)
            .execute(&self.pool)
            .await
            .db()?;
        Ok(done.rows_affected())
    }
}
