//! PostgreSQL: shared state for several Gantry instances.

use std::str::FromStr;
use std::time::Duration;

use std::sync::Arc;

use gantry_core::store::Signal;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPool, PgPoolOptions};
use tokio::sync::broadcast;

use crate::convert::DbResult;

/// The channel every committed write notifies (see migration 0013).
const CHANGES_CHANNEL: &str = "gantry_changes";
/// The channel [`Signal`]s travel on, as JSON.
const SIGNALS_CHANNEL: &str = "gantry_signals";

/// Gantry's store on PostgreSQL. Any number of Gantry servers can share one database;
/// each follows its change feed into local indexes, and hears of the others' writes and
/// stop requests through `LISTEN`/`NOTIFY`.
#[derive(Clone, Debug)]
pub struct PostgresStore {
    pool: PgPool,
    signals: broadcast::Sender<Signal>,
    /// Listens while any clone of the store is alive.
    listening: Arc<tokio_util::task::AbortOnDropHandle<()>>,
}

impl PostgresStore {
    /// Connects to a `postgres://` URL and applies pending migrations.
    pub async fn connect(url: &str) -> gantry_core::Result<Self> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| gantry_core::Error::invalid("database_url", e.to_string()))?;
        Self::connect_with(options).await
    }

    /// Connects with explicit options (e.g. a `search_path`) and applies pending migrations.
    pub async fn connect_with(options: PgConnectOptions) -> gantry_core::Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(|e| {
                gantry_core::Error::unavailable(gantry_core::Backend::Database, e.to_string())
            })?;
        sqlx::migrate!("./migrations/postgres")
            .run(&pool)
            .await
            .map_err(|e| gantry_core::Error::internal_from("migrating PostgreSQL", e))?;
        sql::rekey_users(&pool).await?;
        let signals = broadcast::Sender::new(crate::SIGNALS_KEPT);
        let mut listener = PgListener::connect_with(&pool).await.db()?;
        listener
            .listen_all([CHANGES_CHANNEL, SIGNALS_CHANNEL])
            .await
            .db()?;
        let listening = tokio::spawn(listen(listener, signals.clone()));
        Ok(Self {
            pool,
            signals,
            listening: Arc::new(tokio_util::task::AbortOnDropHandle::new(listening)),
        })
    }

    /// The connection pool, for tools that need raw SQL.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Closes every connection (the listening one too).
    pub async fn close(&self) {
        self.listening.abort();
        self.pool.close().await;
    }

    /// A plain transaction: the change counter's row lock orders concurrent writers.
    async fn begin_write(&self) -> gantry_core::Result<sqlx::Transaction<'static, sqlx::Postgres>> {
        self.pool.begin().await.db()
    }

    /// A read transaction: every query in it reads one snapshot (`REPEATABLE READ`, which
    /// for a read-only transaction never fails to serialize).
    async fn begin_read(&self) -> gantry_core::Result<sqlx::Transaction<'static, sqlx::Postgres>> {
        self.pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .await
            .db()
    }
}

/// Passes notifications on as signals, until the store is dropped. A lost connection is
/// re-established by the listener (notifications sent meanwhile are lost; the indexes'
/// regular poll covers them, and a stop request can be sent again).
async fn listen(mut listener: PgListener, signals: broadcast::Sender<Signal>) {
    loop {
        match listener.recv().await {
            Ok(notification) => {
                let signal = if notification.channel() == CHANGES_CHANNEL {
                    Some(Signal::Changed)
                } else {
                    serde_json::from_str(notification.payload())
                        .inspect_err(|error| {
                            tracing::warn!(%error, "ignoring a signal that is not Gantry's");
                        })
                        .ok()
                };
                if let Some(signal) = signal {
                    let _ = signals.send(signal);
                }
            }
            Err(error) => {
                tracing::warn!(%error, "listening for other servers' signals failed; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

#[async_trait::async_trait]
impl gantry_core::store::Signals for PostgresStore {
    async fn signal(&self, signal: Signal) -> gantry_core::Result<()> {
        let payload = serde_json::to_string(&signal)
            .map_err(|e| gantry_core::Error::internal_from("encoding a signal", e))?;
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(SIGNALS_CHANNEL)
            .bind(payload)
            .execute(&self.pool)
            .await
            .db()?;
        Ok(())
    }

    fn signals(&self) -> broadcast::Receiver<Signal> {
        self.signals.subscribe()
    }
}

// The store traits, from the one SQL text in `sql/` that SQLite compiles too.
type Db = sqlx::Postgres;
type Row = sqlx::postgres::PgRow;
type This = PostgresStore;
const BACKEND: &str = "postgres";

#[path = "sql/mod.rs"]
mod sql;
