//! The OpenAI wire format: request bodies and the parts of responses Gantry reads.

use gantry_core::llm::{ChatRequest, TokenUsage};
use serde::{Deserialize, Serialize};

/// `POST /v1/chat/completions` body.
#[derive(Debug, Serialize)]
pub(crate) struct ChatBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<&'a str>,
    pub messages: Vec<WireMessage<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub stop: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_format: Option<serde_json::Value>,
    pub stream: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_options: Option<StreamOptions>,
}

#[derive(Debug, Serialize)]
pub(crate) struct StreamOptions {
    pub include_usage: bool,
}

#[derive(Debug, Serialize)]
pub(crate) struct WireMessage<'a> {
    pub role: &'a str,
    pub content: &'a str,
}

impl<'a> ChatBody<'a> {
    pub(crate) fn new(request: &'a ChatRequest, model: Option<&'a str>, stream: bool) -> Self {
        Self {
            model,
            messages: request
                .messages
                .iter()
                .map(|m| WireMessage {
                    role: m.role.as_str(),
                    content: &m.content,
                })
                .collect(),
            temperature: request.temperature,
            top_p: request.top_p,
            max_tokens: request.max_tokens,
            stop: &request.stop,
            seed: request.seed,
            response_format: request.json_schema.as_ref().map(|schema| {
                serde_json::json!({
                    "type": "json_schema",
                    "json_schema": { "name": "response", "strict": true, "schema": schema }
                })
            }),
            stream,
            stream_options: stream.then_some(StreamOptions {
                include_usage: true,
            }),
        }
    }
}

/// Token counts as servers report them.
#[derive(Debug, Deserialize)]
pub(crate) struct WireUsage {
    #[serde(default)]
    pub prompt_tokens: u32,
    #[serde(default)]
    pub completion_tokens: u32,
}

impl From<WireUsage> for TokenUsage {
    fn from(u: WireUsage) -> Self {
        Self {
            prompt_tokens: u.prompt_tokens,
            completion_tokens: u.completion_tokens,
        }
    }
}

/// A non-streamed completion.
#[derive(Debug, Deserialize)]
pub(crate) struct Completion {
    #[serde(default)]
    pub model: Option<String>,
    pub choices: Vec<CompletionChoice>,
    #[serde(default)]
    pub usage: Option<WireUsage>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct CompletionChoice {
    pub message: CompletionMessage,
    #[serde(default)]
    pub finish_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct CompletionMessage {
    #[serde(default)]
    pub content: Option<String>,
}

/// One `data:` payload of a stream.
#[derive(Debug, Deserialize)]
pub(crate) struct StreamChunk {
    #[serde(default)]
    pub choices: Vec<StreamChoice>,
    #[serde(default)]
    pub usage: Option<WireUsage>,
    #[serde(default)]
    pub error: Option<WireError>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct StreamChoice {
    #[serde(default)]
    pub delta: Option<Delta>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Delta {
    #[serde(default)]
    pub content: Option<String>,
}

/// An error object, as a response body (`{"error": {...}}`) or inside a stream.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum WireError {
    Object {
        #[serde(default)]
        message: Option<String>,
        #[serde(default, rename = "type")]
        kind: Option<String>,
    },
    Text(String),
}

impl WireError {
    pub(crate) fn message(&self) -> String {
        match self {
            Self::Object { message, kind } => message
                .clone()
                .or_else(|| kind.clone())
                .unwrap_or_else(|| "unknown error".to_owned()),
            Self::Text(text) => text.clone(),
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct ErrorBody {
    pub error: WireError,
}

/// `GET /v1/models`.
#[derive(Debug, Deserialize)]
pub(crate) struct ModelList {
    pub data: Vec<ModelEntry>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ModelEntry {
    pub id: String,
}

/// `POST /v1/embeddings` body.
#[derive(Debug, Serialize)]
pub(crate) struct EmbeddingBody<'a> {
    pub model: &'a str,
    pub input: &'a [String],
}

/// `POST /v1/embeddings` answer.
#[derive(Debug, Deserialize)]
pub(crate) struct Embeddings {
    pub data: Vec<EmbeddingEntry>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct EmbeddingEntry {
    #[serde(default)]
    pub index: Option<usize>,
    pub embedding: Vec<f32>,
}
