//! The language-model traits: chat models and embedders.
//!
//! Implementations live in `gantry-llm` (any OpenAI-compatible server, and in-process
//! models). The engine only ever sees these traits, so a user can plug in their own.

use async_trait::async_trait;
use futures::stream::BoxStream;
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::model::MessageRole;

/// One message of a prompt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// System, user or assistant.
    pub role: MessageRole,
    /// The text.
    pub content: String,
}

/// A request for a completion.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    /// The model; `None` uses the backend's default.
    pub model: Option<String>,
    /// The prompt.
    pub messages: Vec<ChatMessage>,
    /// Sampling temperature.
    pub temperature: Option<f32>,
    /// Nucleus sampling: draw only from the likeliest tokens whose probabilities add up
    /// to this (0 to 1); `None` uses the backend's default.
    #[serde(default)]
    pub top_p: Option<f32>,
    /// Most tokens to generate.
    pub max_tokens: Option<u32>,
    /// Sequences that end generation.
    pub stop: Vec<String>,
    /// Seed for reproducible sampling, where the backend supports it.
    pub seed: Option<u64>,
    /// A JSON schema the answer must follow, where the backend supports it.
    pub json_schema: Option<serde_json::Value>,
}

/// Tokens a call consumed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenUsage {
    /// Tokens in the prompt.
    pub prompt_tokens: u32,
    /// Tokens generated.
    pub completion_tokens: u32,
}

/// A whole answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChatResponse {
    /// The generated text.
    pub text: String,
    /// The model that answered.
    pub model: String,
    /// Token counts, when the backend reports them.
    pub usage: Option<TokenUsage>,
    /// Why generation stopped (`stop`, `length`, ...).
    pub finish_reason: Option<String>,
}

/// One event of a streamed answer.
#[derive(Clone, Debug, PartialEq)]
pub enum ChatEvent {
    /// More text.
    Token(String),
    /// Token counts, usually last.
    Usage(TokenUsage),
}

/// A streamed answer. Dropping it aborts the request, freeing the backend.
pub type ChatStream = BoxStream<'static, Result<ChatEvent>>;

/// A model listed by a backend.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// The id to put in [`ChatRequest::model`].
    pub id: String,
    /// Which configured backend serves it.
    pub backend: String,
}

/// Something that answers chat prompts.
#[async_trait]
pub trait ChatModel: Send + Sync {
    /// The whole answer at once.
    async fn complete(&self, request: ChatRequest) -> Result<ChatResponse>;
    /// The answer token by token.
    async fn stream(&self, request: ChatRequest) -> Result<ChatStream>;
    /// The models this backend serves.
    async fn list_models(&self) -> Result<Vec<ModelInfo>>;
}

/// Something that turns text into vectors.
#[async_trait]
pub trait Embedder: Send + Sync {
    /// One vector per text, in order.
    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>>;
    /// The length of every vector.
    fn dimension(&self) -> usize;
    /// Names the model, so indexes built with another one are rebuilt.
    fn model_id(&self) -> &str;
}
