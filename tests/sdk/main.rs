//! The SDK end to end: `Gantry::open` and the engine over a real SQLite file, the real
//! MiniLM embedder and a real llama.cpp server (`scripts/test` provides both).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

mod chat;
mod documents;
mod isolation;
mod library;
mod open;
mod transfer;
