//! Gantry's SQL store: the single source of truth for everything Gantry keeps.
//!
//! Two backends implement every trait of [`gantry_core::store`] with the same queries:
//! [`SqliteStore`] (the embedded default: one file) and [`PostgresStore`] (shared by several
//! servers). Both apply their embedded migrations when opened. Every query that touches
//! user data filters by its owner, and every write to a message or chunk takes a number in
//! the change feed that the vector and keyword indexes follow.
//!
//! The queries are written once, in `sql/`: one plain module per aggregate (`users.rs`,
//! `conversations.rs`, `changes.rs`, ...) that implements its store trait for `This`.
//! `sqlite.rs` and `postgres.rs` each open their backend, name its types (`Db`, `Row`,
//! `This`) and include `sql/` as a module of their own, so the one SQL text compiles once
//! per backend into concrete, fully typed impls (`sql/mod.rs` says why not generics).
//! `shared.rs` holds what needs no database type (column lists, cursors, search keys) and
//! `convert.rs` the conversions between domain values and stored ones, including the one
//! mapping of database errors to Gantry's.

mod convert;
mod copy;
mod postgres;
mod shared;
mod sqlite;

use std::sync::Arc;

/// Signals a slow receiver may fall behind by before it skips the oldest.
pub(crate) const SIGNALS_KEPT: usize = 256;

use gantry_core::{Error, Result, Store};

pub use copy::{TableCopy, copy_database};
pub use postgres::PostgresStore;
pub use sqlite::{Durability, SqliteStore};

/// Opens the store a URL names: `sqlite://path/to/file.db` (or `sqlite:path`) or
/// `postgres://user@host/db`.
pub async fn open_store(url: &str) -> Result<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::connect(url).await?))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(Arc::new(PostgresStore::connect(url).await?))
    } else {
        Err(Error::invalid(
            "database_url",
            format!("`{url}` must start with sqlite: or postgres:"),
        ))
    }
}
