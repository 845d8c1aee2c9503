//! The store conformance suite: every test runs on SQLite and on PostgreSQL.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

mod harness;

mod api_keys;
mod audit;
mod changes;
mod collections;
mod conversations;
mod copy;
mod documents;
mod graph;
mod isolation;
mod messages;
mod personas;
mod properties;
mod settings;
mod usage;
mod users;
