//! Language-model backends for Gantry.
//!
//! This crate will hold the OpenAI-compatible HTTP client (chat, streaming, embeddings,
//! model listing and switching, for Ollama, llama.cpp, vLLM, TabbyAPI and OpenAI) and the
//! in-process MiniLM embedder, each implementing [`gantry_core::llm::ChatModel`] or
//! [`gantry_core::llm::Embedder`]. It is not built yet: see the README's status table.

pub use gantry_core::llm::{ChatModel, Embedder};
