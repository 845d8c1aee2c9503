//! The engine over a real store and nothing else (no model, no indexes): the rules every
//! door relies on, tested without building the heavy backends. Each case runs on a fresh
//! SQLite file and a fresh PostgreSQL schema.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod accounts;
mod recheck;
