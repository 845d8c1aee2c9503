//! The embedded default: one SQLite file in WAL mode.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::convert::DbResult;

/// How hard SQLite works to keep a commit through a power cut.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Durability {
    /// `synchronous=FULL`: every commit is on disk before it is acknowledged. The default.
    #[default]
    Full,
    /// `synchronous=NORMAL`: in WAL mode a process crash loses nothing, but a power cut can
    /// lose the last commits. Faster on slow disks.
    Normal,
}

/// Gantry's store in one SQLite file: WAL (readers never block the writer), foreign keys
/// on, a busy timeout so concurrent writers wait instead of failing, and `synchronous=FULL`
/// so a message acknowledged to a user survives a power cut.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// Signals stay in the one process a SQLite file has.
    signals: tokio::sync::broadcast::Sender<gantry_core::store::Signal>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path`, with its directory, and
    /// applies pending migrations.
    pub async fn open(path: impl AsRef<Path>) -> gantry_core::Result<Self> {
        Self::open_with(path, Durability::Full).await
    }

    /// Like [`SqliteStore::open`], with a chosen durability.
    pub async fn open_with(
        path: impl AsRef<Path>,
        durability: Durability,
    ) -> gantry_core::Result<Self> {
        let path = path.as_ref();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                gantry_core::Error::unavailable(
                    gantry_core::Backend::Database,
                    format!("cannot create directory {}: {e}", dir.display()),
                )
            })?;
        }
        let synchronous = match durability {
            Durability::Full => SqliteSynchronous::Full,
            Durability::Normal => SqliteSynchronous::Normal,
        };
        Self::connect_with(
            SqliteConnectOptions::new()
                .filename(path)
                .synchronous(synchronous),
        )
        .await
    }

    /// Opens a `sqlite:` URL (e.g. `sqlite://data/gantry.db`) and applies pending migrations.
    pub async fn connect(url: &str) -> gantry_core::Result<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| gantry_core::Error::invalid("database_url", e.to_string()))?
            .synchronous(SqliteSynchronous::Full);
        Self::connect_with(options).await
    }

    /// Opens with explicit options. Gantry always applies WAL, foreign keys and a busy
    /// timeout on top of them; `synchronous` is left as given (SQLite's default is `FULL`).
    pub async fn connect_with(options: SqliteConnectOptions) -> gantry_core::Result<Self> {
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .map_err(|e| {
                gantry_core::Error::unavailable(gantry_core::Backend::Database, e.to_string())
            })?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&pool)
            .await
            .map_err(|e| gantry_core::Error::internal_from("migrating SQLite", e))?;
        sql::rekey_users(&pool).await?;
        Ok(Self {
            pool,
            signals: tokio::sync::broadcast::Sender::new(crate::SIGNALS_KEPT),
        })
    }

    /// The connection pool, for tools that need raw SQL.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Moves everything in the write-ahead log into the database file and truncates the
    /// log, e.g. before copying the file for a backup.
    pub async fn checkpoint(&self) -> gantry_core::Result<()> {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await
            .map(|_| ())
            .db()
    }

    /// Closes every connection, checkpointing the WAL.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// A transaction that takes SQLite's write lock at once (`BEGIN IMMEDIATE`), so it
    /// waits for other writers up front instead of failing when it first writes.
    async fn begin_write(&self) -> gantry_core::Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        self.pool.begin_with("BEGIN IMMEDIATE").await.db()
    }

    /// A read transaction: every query in it reads one snapshot. In WAL mode a deferred
    /// `BEGIN` takes its snapshot at its first read and keeps it to the end, without
    /// blocking writers.
    async fn begin_read(&self) -> gantry_core::Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        self.pool.begin_with("BEGIN DEFERRED").await.db()
    }
}

// The store traits, from the one SQL text in `sql/` that PostgreSQL compiles too.
type Db = sqlx::Sqlite;
type Row = sqlx::sqlite::SqliteRow;
type This = SqliteStore;
const BACKEND: &str = "sqlite";

#[path = "sql/mod.rs"]
mod sql;

#[async_trait::async_trait]
impl gantry_core::store::Signals for SqliteStore {
    async fn signal(&self, signal: gantry_core::store::Signal) -> gantry_core::Result<()> {
        // No receiver is no error: nobody needs to hear it.
        let _ = self.signals.send(signal);
        Ok(())
    }

    fn signals(&self) -> tokio::sync::broadcast::Receiver<gantry_core::store::Signal> {
        self.signals.subscribe()
    }
}
