//! The queries, written once and compiled for each backend.
//!
//! The SQL is portable between SQLite and PostgreSQL (`$n` placeholders, row-value keyset
//! comparisons, `RETURNING`, `ON CONFLICT`, `IS NOT DISTINCT FROM`), and the Rust around it
//! is identical; only the database and row types differ. So this module is not generic:
//! `sqlite.rs` and `postgres.rs` each include it with `#[path = "sql/mod.rs"] mod sql;`
//! after naming their backend in four items, `Db` (the sqlx database), `Row` (its row
//! type), `This` (the store type) and `BACKEND` (the name [`Store::backend`] answers). Each
//! copy is a plain, fully typed impl for one concrete backend, rather than one generic impl
//! buried in sqlx trait bounds (and `sqlx::Any` cannot carry UUIDs).
//!
//! One file per aggregate implements its store trait for `This`: [`users`], [`sessions`],
//! [`conversations`], [`messages`], [`documents`] (with their chunks), [`collections`]
//! (with conversation scopes), [`personas`], [`graph`], [`usage`] and [`invites`];
//! [`changes`] keeps the change feed (change numbers and tombstones) and [`rows`] maps rows
//! to domain values.
//! What needs no database type (column lists, cursors, search keys) is in
//! [`crate::shared`], compiled once. Each backend provides `self.pool`,
//! `self.begin_write()` (a transaction that already holds the write lock where that
//! matters) and `self.begin_read()` (a read transaction that sees one snapshot).

// Both backends include this module on purpose: that is how one SQL text serves both.
#![allow(clippy::duplicate_mod)]

mod api_keys;
mod audit;
mod changes;
mod collections;
mod conversations;
mod documents;
mod graph;
mod invites;
mod messages;
mod personas;
mod rows;
mod sessions;
mod settings;
mod usage;
mod users;

pub(super) use users::rekey_users;

use async_trait::async_trait;
use gantry_core::ids::UserId;
use gantry_core::model::StoreStats;
use gantry_core::{Error, Result, Store};

use self::rows::get;
use super::{BACKEND, Db, This};
use crate::convert::{DbResult, to_u64};
use crate::shared::Owned;

/// A transaction on this backend.
type Tx = sqlx::Transaction<'static, Db>;

/// A query on this backend, with its arguments bound.
type Query<'q> = sqlx::query::Query<'q, Db, <Db as sqlx::Database>::Arguments>;

/// What a statement on this backend reports, e.g. how many rows it changed.
type QueryResult = <Db as sqlx::Database>::QueryResult;

async fn commit(tx: Tx) -> Result<()> {
    tx.commit().await.db()
}

/// Fails with `NotFound` naming `what` unless `query` finds a row.
async fn require(tx: &mut Tx, query: Query<'_>, what: impl FnOnce() -> String) -> Result<()> {
    query
        .fetch_optional(&mut **tx)
        .await
        .db()?
        .map(|_| ())
        .ok_or_else(|| Error::not_found(what()))
}

/// Fails with `NotFound` unless the row `id` names exists and is the owner's.
async fn require_owned<I: Owned>(tx: &mut Tx, owner: UserId, id: I) -> Result<()> {
    let query = sqlx::query(I::CHECK).bind(id.uuid()).bind(owner.0);
    require(tx, query, || id.what()).await
}

/// Fails with `NotFound` naming `what` unless the write changed a row.
fn require_affected(done: &QueryResult, what: impl FnOnce() -> String) -> Result<()> {
    if done.rows_affected() == 0 {
        return Err(Error::not_found(what()));
    }
    Ok(())
}

#[async_trait]
impl Store for This {
    fn backend(&self) -> &'static str {
        BACKEND
    }

    async fn backup(&self, to: &std::path::Path) -> Result<()> {
        if BACKEND != "sqlite" {
            return Err(Error::invalid(
                "backup",
                "copies SQLite databases; copy a PostgreSQL database with pg_dump",
            ));
        }
        if to.exists() {
            return Err(Error::invalid(
                "to",
                format!("{} exists already; name a new file", to.display()),
            ));
        }
        let path = to
            .to_str()
            .ok_or_else(|| Error::invalid("to", "the path must be UTF-8"))?;
        // One read transaction: the copy is the database as of one moment, and writers go
        // on meanwhile (WAL).
        sqlx::query("VACUUM INTO $1")
            .bind(path)
            .execute(&self.pool)
            .await
            .db()?;
        Ok(())
    }

    async fn stats(&self) -> Result<StoreStats> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM users) AS users, \
                    (SELECT COUNT(*) FROM conversations) AS conversations, \
                    (SELECT COUNT(*) FROM messages) AS messages, \
                    (SELECT COUNT(*) FROM documents) AS documents, \
                    (SELECT COUNT(*) FROM chunks) AS chunks, \
                    (SELECT COUNT(*) FROM collections) AS collections, \
                    (SELECT last_seq FROM change_counter WHERE id = 1) AS latest_seq",
        )
        .fetch_one(&self.pool)
        .await
        .db()?;
        Ok(StoreStats {
            users: to_u64(get(&row, "users")?, "users")?,
            conversations: to_u64(get(&row, "conversations")?, "conversations")?,
            messages: to_u64(get(&row, "messages")?, "messages")?,
            documents: to_u64(get(&row, "documents")?, "documents")?,
            chunks: to_u64(get(&row, "chunks")?, "chunks")?,
            collections: to_u64(get(&row, "collections")?, "collections")?,
            latest_seq: get(&row, "latest_seq")?,
        })
    }
}
