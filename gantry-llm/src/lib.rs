//! Language-model backends for Gantry.
//!
//! - [`OpenAiBackend`]: one OpenAI-compatible server (Ollama, llama.cpp's `llama-server`,
//!   vLLM, TabbyAPI, LM Studio, OpenAI): chat, streaming, embeddings, model listing, and
//!   model switching where the server has it. Timeouts for connect, first token and idle
//!   gaps; retries with jittered backoff before the first token only; typed errors; and a
//!   broken stream keeps the text received so far ([`gantry_core::Error::Interrupted`]).
//! - [`Backends`]: several named backends as one [`ChatModel`], routed by model.
//! - [`HttpEmbedder`]: an [`Embedder`] over `/v1/embeddings`.
//! - [`MiniLmEmbedder`] (feature `local`, on by default): all-MiniLM-L6-v2 in process on
//!   candle, so Gantry has semantic memory with no embedding server.
//! - [`gguf::GgufChatModel`] (feature `gguf`): a GGUF chat model of the llama family in
//!   process on llama.cpp, so Gantry answers with no model server.

mod backends;
mod config;
mod embed;
#[cfg(feature = "gguf")]
pub mod gguf;
mod live;
#[cfg(feature = "local")]
pub mod local;
pub mod model_dir;
mod openai;
mod retry;
mod stream;
mod wire;

pub use backends::Backends;
pub use config::{BackendConfig, BackendKind, RetryPolicy, Timeouts};
pub use embed::HttpEmbedder;
pub use gantry_core::llm::{ChatModel, Embedder};
pub use live::LiveBackends;
#[cfg(feature = "local")]
pub use local::{MiniLmEmbedder, MiniLmOptions};
pub use openai::{LoadedModel, OpenAiBackend};
