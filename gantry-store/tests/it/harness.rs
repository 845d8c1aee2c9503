//! Stores for the conformance suite: a fresh SQLite file, or a fresh PostgreSQL schema
//! (from `gantry-test`, which every suite shares).

use gantry_core::auth;

pub use gantry_test::{TestStore, fake_hash, postgres, sqlite, user};

/// A real argon2 hash, for the one test that signs in.
pub fn real_hash(password: &str) -> String {
    auth::hash_password(password).unwrap()
}

/// Runs each named `async fn(TestStore)` against SQLite and PostgreSQL.
#[macro_export]
macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        gantry_test::on_both_backends!($($name),*);
    };
}
