//! The HTTP API over real HTTP: a server on a free loopback port, over a real SQLite file
//! and, where a test chats, the real llama.cpp server (`scripts/test` provides it).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod accounts;
mod admin;
mod chat;
mod conversations;
mod documents;
mod faults;
mod headers;
mod isolation;
mod library;
mod malformed;
mod openapi;
mod operations;
mod support;
