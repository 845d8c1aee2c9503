//! How to reach one OpenAI-compatible backend.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Which server software a backend runs, for the few things that differ between them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    /// Any OpenAI-compatible server: loads models on demand (or serves one).
    #[default]
    OpenAi,
    /// TabbyAPI: one model loaded at a time, switched with `/v1/model/load` and `/unload`.
    TabbyApi,
    /// llama.cpp's `llama-server`.
    LlamaCpp,
    /// Ollama's OpenAI-compatible endpoint.
    Ollama,
    /// vLLM.
    Vllm,
}

impl BackendKind {
    /// Whether models are switched explicitly (load/unload) rather than on demand.
    pub fn switches_models(self) -> bool {
        self == Self::TabbyApi
    }

    /// A readable name.
    pub fn label(self) -> &'static str {
        match self {
            Self::OpenAi => "OpenAI-compatible",
            Self::TabbyApi => "TabbyAPI",
            Self::LlamaCpp => "llama.cpp",
            Self::Ollama => "Ollama",
            Self::Vllm => "vLLM",
        }
    }
}

/// Time limits on a backend call. Each is a budget for one wait, not for the whole call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timeouts {
    /// Establishing the TCP (and TLS) connection.
    #[serde(with = "secs")]
    pub connect: Duration,
    /// From sending a request to the first token of a stream (prompt processing included).
    #[serde(with = "secs")]
    pub first_token: Duration,
    /// Between two tokens of a stream.
    #[serde(with = "secs")]
    pub idle: Duration,
    /// A whole non-streaming call (completion, embeddings, model listing).
    #[serde(with = "secs")]
    pub request: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(5),
            first_token: Duration::from_secs(120),
            idle: Duration::from_secs(60),
            request: Duration::from_secs(300),
        }
    }
}

/// Retries of refused connections, 429 and 5xx answers, before any text has arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetryPolicy {
    /// Attempts after the first one.
    pub retries: u32,
    /// The first backoff; each next one doubles, with full jitter.
    #[serde(with = "millis")]
    pub base_delay: Duration,
    /// The longest single wait (also caps a backend's `Retry-After`).
    #[serde(with = "millis")]
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            retries: 3,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(10),
        }
    }
}

/// One named OpenAI-compatible backend.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BackendConfig {
    /// A short name, unique among the configured backends (`local`, `openai`).
    pub name: String,
    /// The base URL, ending in `/v1` (e.g. `http://127.0.0.1:8080/v1`).
    pub base_url: String,
    /// Sent as a bearer token, if set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
    /// The model used when a request names none.
    #[serde(default)]
    pub default_model: Option<String>,
    /// The context window in tokens, for prompt building.
    #[serde(default)]
    pub context_length: Option<u32>,
    /// Which server software it is.
    #[serde(default)]
    pub kind: BackendKind,
    /// Time limits.
    #[serde(default)]
    pub timeouts: Timeouts,
    /// Retry policy.
    #[serde(default)]
    pub retry: RetryPolicy,
    /// The models users may choose on this backend. Unset: every model it lists (and its
    /// `default_model`); a model it does not list, or not in this list, is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_models: Option<Vec<String>>,
}

impl BackendConfig {
    /// A backend with default limits.
    pub fn new(name: impl Into<String>, base_url: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            base_url: base_url.into(),
            api_key: None,
            default_model: None,
            context_length: None,
            kind: BackendKind::default(),
            timeouts: Timeouts::default(),
            retry: RetryPolicy::default(),
            allowed_models: None,
        }
    }
}

mod secs {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub(super) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let secs = f64::deserialize(d)?;
        Duration::try_from_secs_f64(secs).map_err(serde::de::Error::custom)
    }
}

mod millis {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub(super) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_millis(u64::deserialize(d)?))
    }
}
