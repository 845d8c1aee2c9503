//! Copying a whole database to another, SQLite or PostgreSQL, either way, then checking
//! the copy row for row.
//!
//! Both ends are opened (and so migrated) by this Gantry, so their tables and columns are
//! the same; only the types differ (a UUID is a 16-byte blob on SQLite, a boolean an
//! integer). Every row is read as [`Cell`]s and each cell is converted to the destination
//! column's kind. The source is read in one read-only transaction, so the copy is the
//! database as of one moment even while a server writes to it; the destination is written
//! in one transaction, so a failed copy leaves it as it was (empty). Afterwards every table
//! is read again on both sides, in that same snapshot, and compared by row count and an
//! order-independent digest of its rows.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use futures::TryStreamExt;
use gantry_core::{Error, Result};
// Every SQL text built here names only Gantry's own tables (the list below) and the
// columns their schema reports: no outside input reaches it.
use sqlx::{AssertSqlSafe, Column, Row, TypeInfo, ValueRef};
use uuid::Uuid;

use crate::convert::DbResult;
use crate::{PostgresStore, SqliteStore};

/// Every table, parents before children.
const TABLES: &[&str] = &[
    "users",
    "sessions",
    "personas",
    "conversations",
    "change_counter",
    "messages",
    "documents",
    "chunks",
    "tombstones",
    "entities",
    "relations",
    "usage_records",
    "collections",
    "collection_documents",
    "conversation_scope_documents",
    "conversation_scope_collections",
    "api_keys",
    "change_followers",
    "user_quotas",
    "invites",
    "audit_log",
    "model_backends",
    "settings",
];

/// How many rows one table held, copied and found equal on both sides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableCopy {
    /// The table.
    pub table: &'static str,
    /// Its rows.
    pub rows: u64,
}

/// One value of a row, whatever the backend.
#[derive(Clone, Debug, PartialEq)]
enum Cell {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Bytes(Vec<u8>),
    Uuid(Uuid),
    Bool(bool),
}

/// What a destination column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Int,
    Real,
    Text,
    Bytes,
    Uuid,
    Bool,
}

impl Kind {
    fn of_postgres(data_type: &str) -> Self {
        match data_type {
            "uuid" => Self::Uuid,
            "boolean" => Self::Bool,
            "bigint" | "integer" | "smallint" => Self::Int,
            "real" | "double precision" | "numeric" => Self::Real,
            "bytea" => Self::Bytes,
            _ => Self::Text,
        }
    }

    fn of_sqlite(declared: &str) -> Self {
        let declared = declared.to_ascii_uppercase();
        if declared.contains("INT") {
            Self::Int
        } else if declared.contains("REAL")
            || declared.contains("FLOA")
            || declared.contains("DOUB")
        {
            Self::Real
        } else if declared.contains("BLOB") {
            Self::Bytes
        } else if declared.contains("BOOL") {
            Self::Bool
        } else {
            Self::Text
        }
    }
}

impl Cell {
    /// The cell as a column of `kind` holds it.
    fn into_kind(self, kind: Kind) -> Self {
        match (self, kind) {
            (Self::Bytes(bytes), Kind::Uuid) => {
                Uuid::from_slice(&bytes).map_or(Self::Bytes(bytes), Self::Uuid)
            }
            (Self::Text(text), Kind::Uuid) => match text.parse() {
                Ok(uuid) => Self::Uuid(uuid),
                Err(_) => Self::Text(text),
            },
            (Self::Uuid(uuid), Kind::Bytes) => Self::Bytes(uuid.as_bytes().to_vec()),
            (Self::Int(n), Kind::Bool) => Self::Bool(n != 0),
            (Self::Bool(b), Kind::Int) => Self::Int(i64::from(b)),
            #[allow(clippy::cast_precision_loss)]
            (Self::Int(n), Kind::Real) => Self::Real(n as f64),
            (cell, _) => cell,
        }
    }

    /// Feeds the digest. Floats count at single precision: a PostgreSQL `real` keeps no
    /// more of a SQLite double.
    fn digest(&self, hasher: &mut DefaultHasher) {
        match self {
            Self::Null => 0u8.hash(hasher),
            Self::Int(n) => (1u8, n).hash(hasher),
            #[allow(clippy::cast_possible_truncation)]
            Self::Real(x) => (2u8, (*x as f32).to_bits()).hash(hasher),
            Self::Text(text) => (3u8, text).hash(hasher),
            Self::Bytes(bytes) => (4u8, bytes).hash(hasher),
            Self::Uuid(uuid) => (4u8, uuid.as_bytes().as_slice()).hash(hasher),
            Self::Bool(b) => (1u8, i64::from(*b)).hash(hasher),
        }
    }
}

/// Count and order-independent digest of a table's rows.
#[derive(Debug, Default, PartialEq, Eq)]
struct Tally {
    rows: u64,
    sum: u64,
    xor: u64,
}

impl Tally {
    fn add(&mut self, row: &[Cell]) {
        let mut hasher = DefaultHasher::new();
        for cell in row {
            cell.digest(&mut hasher);
        }
        let hash = hasher.finish();
        self.rows += 1;
        self.sum = self.sum.wrapping_add(hash);
        self.xor ^= hash.rotate_left(17);
    }
}

fn sqlite_cell(row: &sqlx::sqlite::SqliteRow, i: usize) -> Result<Cell> {
    let raw = row.try_get_raw(i).db()?;
    if raw.is_null() {
        return Ok(Cell::Null);
    }
    Ok(match raw.type_info().name() {
        "INTEGER" => Cell::Int(row.try_get(i).db()?),
        "REAL" => Cell::Real(row.try_get(i).db()?),
        "BLOB" => Cell::Bytes(row.try_get(i).db()?),
        _ => Cell::Text(row.try_get(i).db()?),
    })
}

fn postgres_cell(row: &sqlx::postgres::PgRow, i: usize) -> Result<Cell> {
    if row.try_get_raw(i).db()?.is_null() {
        return Ok(Cell::Null);
    }
    let name = row.columns()[i].type_info().name().to_owned();
    Ok(match name.as_str() {
        "UUID" => Cell::Uuid(row.try_get(i).db()?),
        "BOOL" => Cell::Bool(row.try_get(i).db()?),
        "INT8" => Cell::Int(row.try_get(i).db()?),
        "INT4" => Cell::Int(i64::from(row.try_get::<i32, _>(i).db()?)),
        "INT2" => Cell::Int(i64::from(row.try_get::<i16, _>(i).db()?)),
        "FLOAT4" => Cell::Real(f64::from(row.try_get::<f32, _>(i).db()?)),
        "FLOAT8" => Cell::Real(row.try_get(i).db()?),
        "BYTEA" => Cell::Bytes(row.try_get(i).db()?),
        _ => Cell::Text(row.try_get(i).db()?),
    })
}

/// Binds `cell` (already of the column's kind) to `query`; a null as the column's type.
macro_rules! bind_cell {
    ($query:expr, $cell:expr, $kind:expr) => {
        match ($cell, $kind) {
            (Cell::Null, Kind::Int) => $query.bind(None::<i64>),
            (Cell::Null, Kind::Real) => $query.bind(None::<f64>),
            (Cell::Null, Kind::Text) => $query.bind(None::<String>),
            (Cell::Null, Kind::Bytes) => $query.bind(None::<Vec<u8>>),
            (Cell::Null, Kind::Uuid) => $query.bind(None::<Uuid>),
            (Cell::Null, Kind::Bool) => $query.bind(None::<bool>),
            (Cell::Int(n), _) => $query.bind(n),
            (Cell::Real(x), _) => $query.bind(x),
            (Cell::Text(text), _) => $query.bind(text),
            (Cell::Bytes(bytes), _) => $query.bind(bytes),
            (Cell::Uuid(uuid), _) => $query.bind(uuid),
            (Cell::Bool(b), _) => $query.bind(b),
        }
    };
}

/// A destination table's columns and their kinds, and which is an identity column.
struct Shape {
    columns: Vec<(String, Kind)>,
    identity: Option<String>,
}

async fn sqlite_shape(pool: &sqlx::SqlitePool, table: &str) -> Result<Shape> {
    let rows = sqlx::query(AssertSqlSafe(format!("PRAGMA table_info({table})")))
        .fetch_all(pool)
        .await
        .db()?;
    let columns = rows
        .iter()
        .map(|row| {
            let name: String = row.try_get("name").db()?;
            let declared: String = row.try_get("type").db()?;
            Ok((name, Kind::of_sqlite(&declared)))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Shape {
        columns,
        identity: None,
    })
}

async fn postgres_shape(pool: &sqlx::PgPool, table: &str) -> Result<Shape> {
    let rows = sqlx::query(
        "SELECT column_name::text AS name, data_type::text AS kind, is_identity::text AS identity \
         FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
    )
    .bind(table)
    .fetch_all(pool)
    .await
    .db()?;
    let mut identity = None;
    let mut columns = Vec::with_capacity(rows.len());
    for row in &rows {
        let name: String = row.try_get("name").db()?;
        let kind: String = row.try_get("kind").db()?;
        let is_identity: String = row.try_get("identity").db()?;
        if is_identity == "YES" {
            identity = Some(name.clone());
        }
        columns.push((name, Kind::of_postgres(&kind)));
    }
    Ok(Shape { columns, identity })
}

/// An open database at either end.
enum End {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl End {
    async fn open(url: &str) -> Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite(SqliteStore::connect(url).await?))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Self::Postgres(PostgresStore::connect(url).await?))
        } else {
            Err(Error::invalid(
                "url",
                format!("`{url}` must start with sqlite: or postgres:"),
            ))
        }
    }

    async fn shape(&self, table: &str) -> Result<Shape> {
        match self {
            Self::Sqlite(store) => sqlite_shape(store.pool(), table).await,
            Self::Postgres(store) => postgres_shape(store.pool(), table).await,
        }
    }

    async fn close(&self) {
        match self {
            Self::Sqlite(store) => store.close().await,
            Self::Postgres(store) => store.close().await,
        }
    }
}

/// Runs `$body` with `$cells` bound to each row of `$table` read through `$tx`, as the
/// destination's `$shape` holds it.
macro_rules! for_each_row {
    ($tx:expr, $cell:ident, $table:expr, $shape:expr, |$cells:ident| $body:block) => {{
        let names: Vec<&str> = $shape
            .columns
            .iter()
            .map(|(name, _)| name.as_str())
            .collect();
        let select = format!("SELECT {} FROM {}", names.join(", "), $table);
        let mut rows = sqlx::query(AssertSqlSafe(select)).fetch(&mut *$tx);
        while let Some(row) = rows.try_next().await.db()? {
            let mut $cells = Vec::with_capacity(names.len());
            for (i, (_, kind)) in $shape.columns.iter().enumerate() {
                $cells.push($cell(&row, i)?.into_kind(*kind));
            }
            $body
        }
    }};
}

/// Copies the database at `from` into the empty one at `to` (each a `sqlite:` or
/// `postgres:` URL; either is created and migrated if needed), then checks every table
/// row for row. Returns each table's row count.
pub async fn copy_database(from: &str, to: &str) -> Result<Vec<TableCopy>> {
    let source = End::open(from).await?;
    let destination = End::open(to).await?;
    let copied = copy_between(&source, &destination).await;
    source.close().await;
    destination.close().await;
    copied
}

async fn copy_between(source: &End, destination: &End) -> Result<Vec<TableCopy>> {
    macro_rules! run {
        ($src_pool:expr, $src_begin:expr, $src_cell:ident, $dst_pool:expr, $dst_begin:expr, $postgres_dst:expr) => {{
            let mut src = $src_pool.begin().await.db()?;
            sqlx::query($src_begin).execute(&mut *src).await.db()?;
            let mut dst = $dst_begin.await.db()?;
            let taken: i64 = sqlx::query_scalar(
                "SELECT (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM conversations)",
            )
            .fetch_one(&mut *dst)
            .await
            .db()?;
            if taken > 0 {
                return Err(Error::invalid(
                    "to",
                    "the destination database already holds data; copy into an empty one",
                ));
            }
            sqlx::query("DELETE FROM change_counter")
                .execute(&mut *dst)
                .await
                .db()?;
            let mut report = Vec::new();
            for table in TABLES {
                let shape = destination.shape(table).await?;
                let names: Vec<&str> = shape.columns.iter().map(|(n, _)| n.as_str()).collect();
                let params: Vec<String> = (1..=names.len()).map(|i| format!("${i}")).collect();
                let overriding = if $postgres_dst && shape.identity.is_some() {
                    " OVERRIDING SYSTEM VALUE"
                } else {
                    ""
                };
                let insert = format!(
                    "INSERT INTO {table} ({}){overriding} VALUES ({})",
                    names.join(", "),
                    params.join(", ")
                );
                let mut source_tally = Tally::default();
                for_each_row!(src, $src_cell, table, shape, |cells| {
                    source_tally.add(&cells);
                    let mut query = sqlx::query(AssertSqlSafe(insert.clone()));
                    for (cell, (_, kind)) in cells.into_iter().zip(&shape.columns) {
                        query = bind_cell!(query, cell, *kind);
                    }
                    query.execute(&mut *dst).await.db()?;
                });
                if $postgres_dst {
                    if let Some(column) = &shape.identity {
                        sqlx::query(AssertSqlSafe(format!(
                            "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), \
                             COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)"
                        )))
                        .execute(&mut *dst)
                        .await
                        .db()?;
                    }
                }
                report.push((*table, shape, source_tally));
            }
            dst.commit().await.db()?;
            report
        }};
    }
    let copied = match (source, destination) {
        (End::Sqlite(s), End::Sqlite(d)) => run!(
            s.pool(),
            "SELECT 1",
            sqlite_cell,
            d.pool(),
            d.pool().begin_with("BEGIN IMMEDIATE"),
            false
        ),
        (End::Sqlite(s), End::Postgres(d)) => run!(
            s.pool(),
            "SELECT 1",
            sqlite_cell,
            d.pool(),
            d.pool().begin(),
            true
        ),
        (End::Postgres(s), End::Sqlite(d)) => run!(
            s.pool(),
            "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY",
            postgres_cell,
            d.pool(),
            d.pool().begin_with("BEGIN IMMEDIATE"),
            false
        ),
        (End::Postgres(s), End::Postgres(d)) => run!(
            s.pool(),
            "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY",
            postgres_cell,
            d.pool(),
            d.pool().begin(),
            true
        ),
    };
    verify(destination, copied).await
}

/// Reads each table back from the destination and compares it with what was read from the
/// source.
async fn verify(
    destination: &End,
    copied: Vec<(&'static str, Shape, Tally)>,
) -> Result<Vec<TableCopy>> {
    let mut report = Vec::with_capacity(copied.len());
    for (table, shape, expected) in copied {
        let mut found = Tally::default();
        match destination {
            End::Sqlite(store) => {
                let mut tx = store.pool().begin().await.db()?;
                for_each_row!(tx, sqlite_cell, table, shape, |cells| {
                    found.add(&cells);
                });
            }
            End::Postgres(store) => {
                let mut tx = store.pool().begin().await.db()?;
                for_each_row!(tx, postgres_cell, table, shape, |cells| {
                    found.add(&cells);
                });
            }
        }
        if found != expected {
            return Err(Error::internal(format!(
                "the copy of {table} differs: {} rows read, {} found",
                expected.rows, found.rows
            )));
        }
        report.push(TableCopy {
            table,
            rows: found.rows,
        });
    }
    Ok(report)
}
