//! Helpers shared by Gantry's test suites (not published): a fresh store on a real SQLite
//! file or a real PostgreSQL schema, and the real services (model server, embedder files)
//! a test needs, found through the environment `scripts/test` sets up.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod alloc;
pub mod fault_server;
pub mod faults;
pub mod files;

use std::ops::Deref;
use std::str::FromStr;
use std::sync::Arc;

use gantry_core::Store;
use gantry_core::model::{NewUser, Role, User};
use gantry_store::{PostgresStore, SqliteStore};
use sqlx::postgres::PgConnectOptions;

/// The real service a test needs, from the environment variable `var` that `scripts/test`
/// sets: `None` (said loudly, as `SKIPPED`) when it is missing, except under CI, where a
/// missing service is a failure rather than a silent skip.
pub fn service(var: &str, test: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(value) if !value.trim().is_empty() => Some(value),
        _ if std::env::var_os("CI").is_some() => {
            panic!("{var} is not set: run the tests through scripts/test")
        }
        _ => {
            eprintln!("SKIPPED: {test} (needs {var}; run scripts/test)");
            None
        }
    }
}

/// A store under test, removed (file or schema) when dropped.
pub struct TestStore {
    /// The store.
    pub store: Arc<dyn Store>,
    _cleanup: Cleanup,
}

impl std::fmt::Debug for TestStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestStore")
            .field("backend", &self.store.backend())
            .finish_non_exhaustive()
    }
}

impl Deref for TestStore {
    type Target = dyn Store;
    fn deref(&self) -> &Self::Target {
        self.store.as_ref()
    }
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { url: String, schema: String },
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Cleanup::Postgres { url, schema } = self {
            let (url, schema) = (url.clone(), schema.clone());
            // Drop runs inside the test's runtime; do the async cleanup on a thread of its own.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    let pool = sqlx::PgPool::connect(&url).await.unwrap();
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP SCHEMA IF EXISTS {schema} CASCADE"
                    )))
                    .execute(&pool)
                    .await
                    .unwrap();
                });
            })
            .join();
        }
    }
}

/// A fresh SQLite file in a temporary directory.
pub async fn sqlite() -> TestStore {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("gantry.db"))
        .await
        .unwrap();
    TestStore {
        store: Arc::new(store),
        _cleanup: Cleanup::Sqlite(dir),
    }
}

/// The PostgreSQL URL to test against, or `None` (with a message) when the run skips it.
pub fn postgres_url() -> Option<String> {
    match std::env::var("GANTRY_TEST_POSTGRES_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            eprintln!(
                "SKIPPED: PostgreSQL conformance test (GANTRY_TEST_POSTGRES_URL is empty or unset)"
            );
            None
        }
    }
}

/// A fresh schema in the test database, or `None` when PostgreSQL is skipped.
pub async fn postgres() -> Option<TestStore> {
    let url = postgres_url()?;
    let schema = format!("gantry_test_{}", uuid::Uuid::now_v7().simple());
    let admin = sqlx::PgPool::connect(&url).await.unwrap_or_else(|e| {
        panic!(
            "cannot reach PostgreSQL at {url}: {e}. Start it, point GANTRY_TEST_POSTGRES_URL \
             elsewhere, or set it to an empty string to skip the PostgreSQL run."
        )
    });
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&admin)
        .await
        .unwrap();
    admin.close().await;
    // A test whose runtime ends mid-transaction (a background task cancelled between a
    // write and its commit) leaves its connection idle in that transaction, holding locks
    // the schema's DROP would wait for forever: the server ends such sessions after 5 s.
    let options = PgConnectOptions::from_str(&url).unwrap().options([
        ("search_path", schema.as_str()),
        ("idle_in_transaction_session_timeout", "5000"),
    ]);
    let store = PostgresStore::connect_with(options).await.unwrap();
    Some(TestStore {
        store: Arc::new(store),
        _cleanup: Cleanup::Postgres { url, schema },
    })
}

/// A fresh, empty PostgreSQL schema for programs that connect by URL (several `gantry
/// serve` processes on one database, say), dropped with everything in it when dropped.
pub struct PostgresSchema {
    /// A URL that puts every connection in the schema.
    pub url: String,
    _cleanup: Cleanup,
}

impl std::fmt::Debug for PostgresSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresSchema")
            .field("url", &self.url)
            .finish()
    }
}

/// A fresh schema on the PostgreSQL server named by `GANTRY_TEST_POSTGRES_URL`.
pub async fn postgres_schema() -> Option<PostgresSchema> {
    let url = postgres_url()?;
    let schema = format!("gantry_test_{}", uuid::Uuid::now_v7().simple());
    let admin = sqlx::PgPool::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {url}: {e}"));
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&admin)
        .await
        .unwrap();
    admin.close().await;
    let separator = if url.contains('?') { '&' } else { '?' };
    Some(PostgresSchema {
        url: format!("{url}{separator}options=-c%20search_path%3D{schema}"),
        _cleanup: Cleanup::Postgres { url, schema },
    })
}

/// A cheap password hash: argon2 is slow on purpose, and tests make many users. It matches
/// no password.
pub fn fake_hash() -> String {
    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$dGVzdGhhc2h0ZXN0aGFzaHRlc3RoYXNo".to_owned()
}

/// Creates an ordinary user with a unique email and [`fake_hash`].
pub async fn user(store: &dyn Store, name: &str) -> User {
    store
        .create_user(NewUser {
            email: format!("{name}-{}@example.test", uuid::Uuid::now_v7().simple()),
            display_name: name.to_owned(),
            password_hash: fake_hash(),
            role: Role::User,
        })
        .await
        .unwrap()
}

/// Runs each named `async fn(TestStore)` against SQLite and PostgreSQL, as two test
/// modules (`sqlite::name`, `postgres::name`).
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::sqlite().await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(store) = $crate::postgres().await {
                        super::$name(store).await;
                    }
                }
            )*
        }
    };
}
