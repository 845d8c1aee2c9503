//! PostgreSQL: shared state for several Gantry instances.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use crate::convert::DbResult;

/// Gantry's store on PostgreSQL. Any number of Gantry servers can share one database;
/// each follows its change feed into local indexes.
#[derive(Clone, Debug)]
pub struct PostgresStore {
    pool: PgPool,
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
        Ok(Self { pool })
    }

    /// The connection pool, for tools that need raw SQL.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Closes every connection.
    pub async fn close(&self) {
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

// The store traits, from the one SQL text in `sql/` that SQLite compiles too.
type Db = sqlx::Postgres;
type Row = sqlx::postgres::PgRow;
type This = PostgresStore;
const BACKEND: &str = "postgres";

#[path = "sql/mod.rs"]
mod sql;
