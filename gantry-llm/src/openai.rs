//! The client for one OpenAI-compatible backend.

use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use gantry_core::llm::{ChatModel, ChatRequest, ChatResponse, ChatStream, ModelInfo};
use gantry_core::{Backend, Error, Result};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use tokio::time::Instant;

use crate::config::BackendConfig;
use crate::retry::backoff;
use crate::stream::sse_chat_stream;
use crate::wire;

/// The longest error body kept in an error message.
const MAX_ERROR_BODY: usize = 2_000;

/// Which model a backend has loaded, for backends that switch models explicitly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoadedModel {
    /// This model is loaded.
    Loaded(String),
    /// No model is loaded.
    None,
    /// The backend loads whatever a request names; there is nothing to switch.
    OnDemand,
}

/// One OpenAI-compatible backend: Ollama, llama.cpp, vLLM, TabbyAPI, OpenAI, ...
///
/// Implements [`ChatModel`]; see [`crate::HttpEmbedder`] for embeddings.
#[derive(Clone, Debug)]
pub struct OpenAiBackend {
    config: BackendConfig,
    base: String,
    id: Backend,
    http: reqwest::Client,
}

impl OpenAiBackend {
    /// A client for `config`. The URL must be `http://` or `https://`.
    pub fn new(config: BackendConfig) -> Result<Self> {
        let parsed = reqwest::Url::parse(&config.base_url).map_err(|e| {
            Error::invalid(
                "base_url",
                format!("`{}` is not a URL: {e}", config.base_url),
            )
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Error::invalid(
                "base_url",
                format!("`{}` must start with http:// or https://", config.base_url),
            ));
        }
        if config.name.trim().is_empty() {
            return Err(Error::invalid("name", "a backend needs a name"));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(config.timeouts.connect)
            .pool_idle_timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| Error::internal_from("building the HTTP client", e))?;
        Ok(Self {
            base: config.base_url.trim_end_matches('/').to_owned(),
            id: Backend::Model {
                name: config.name.clone(),
                url: config.base_url.clone(),
            },
            config,
            http,
        })
    }

    /// The backend's configuration.
    pub fn config(&self) -> &BackendConfig {
        &self.config
    }

    /// The backend's name.
    pub fn name(&self) -> &str {
        &self.config.name
    }

    /// How errors name this backend.
    pub fn id(&self) -> &Backend {
        &self.id
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let builder = self.http.request(method, format!("{}{path}", self.base));
        match &self.config.api_key {
            Some(key) => builder.bearer_auth(key),
            None => builder,
        }
    }

    fn model_for<'a>(&'a self, request: &'a ChatRequest) -> Option<&'a str> {
        request
            .model
            .as_deref()
            .or(self.config.default_model.as_deref())
    }

    /// Sends a request, retrying refused connections, 429 and 5xx with jittered backoff.
    /// Each attempt must get its answer's headers before `deadline`.
    pub(crate) async fn send(
        &self,
        build: impl Fn() -> RequestBuilder,
        deadline: Instant,
        waiting_for: &str,
    ) -> Result<Response> {
        let policy = self.config.retry;
        let mut attempt = 0;
        loop {
            let outcome = match tokio::time::timeout_at(deadline, build().send()).await {
                Err(_) => return Err(self.timed_out(waiting_for)),
                Ok(Err(e)) if e.is_timeout() => return Err(self.timed_out("connection")),
                // Refused connections, and pooled connections the server closed before
                // answering: nothing was received, so sending again is safe.
                Ok(Err(e)) if e.is_connect() || e.is_request() => Err((
                    Error::unavailable(self.id.clone(), format!("cannot connect: {e}")),
                    None,
                )),
                Ok(Err(e)) => return Err(Error::unavailable(self.id.clone(), e.to_string())),
                Ok(Ok(response)) => match response.status() {
                    status if status.is_success() => return Ok(response),
                    StatusCode::TOO_MANY_REQUESTS => {
                        let retry_after = retry_after(response.headers());
                        Err((
                            Error::RateLimited {
                                backend: self.id.clone(),
                                retry_after,
                            },
                            retry_after,
                        ))
                    }
                    status if status.is_server_error() => {
                        Err((self.error_from_response(response).await, None))
                    }
                    _ => return Err(self.error_from_response(response).await),
                },
            };
            let (error, floor) = match outcome {
                Ok(response) => return Ok(response),
                Err(e) => e,
            };
            if attempt >= policy.retries {
                return Err(error);
            }
            let wait = backoff(&policy, attempt, floor);
            if Instant::now() + wait >= deadline {
                return Err(error);
            }
            tracing::debug!(backend = %self.id, attempt, ?wait, %error, "retrying");
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    pub(crate) fn timed_out(&self, waiting_for: &str) -> Error {
        Error::TimedOut {
            backend: self.id.clone(),
            waiting_for: waiting_for.to_owned(),
        }
    }

    pub(crate) fn protocol(&self, what: impl Into<String>) -> Error {
        Error::Protocol {
            backend: self.id.clone(),
            what: what.into(),
        }
    }

    async fn error_from_response(&self, response: Response) -> Error {
        let status = response.status().as_u16();
        let body = response.text().await.unwrap_or_default();
        let message = serde_json::from_str::<wire::ErrorBody>(&body)
            .map(|b| b.error.message())
            .unwrap_or_else(|_| {
                let mut text = body.trim().to_owned();
                text.truncate(text.floor_char_boundary(MAX_ERROR_BODY));
                text
            });
        Error::Backend {
            backend: self.id.clone(),
            status: Some(status),
            message,
        }
    }

    /// Sends a JSON request and parses a JSON answer, within the request timeout.
    pub(crate) async fn json<B: serde::Serialize, T: serde::de::DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T> {
        let deadline = Instant::now() + self.config.timeouts.request;
        let response = self
            .send(
                || {
                    let request = self.request(method.clone(), path);
                    match body {
                        Some(body) => request.json(body),
                        None => request,
                    }
                },
                deadline,
                "response",
            )
            .await?;
        let bytes = tokio::time::timeout_at(deadline, response.bytes())
            .await
            .map_err(|_| self.timed_out("response"))?
            .map_err(|e| Error::unavailable(self.id.clone(), format!("reading the answer: {e}")))?;
        serde_json::from_slice(&bytes)
            .map_err(|e| self.protocol(format!("answer to {path} is not the expected JSON: {e}")))
    }

    /// Which model the backend has loaded (TabbyAPI), or [`LoadedModel::OnDemand`].
    pub async fn loaded_model(&self) -> Result<LoadedModel> {
        if !self.config.kind.switches_models() {
            return Ok(LoadedModel::OnDemand);
        }
        #[derive(serde::Deserialize)]
        struct Card {
            id: Option<String>,
        }
        match self.json::<(), Card>(Method::GET, "/model", None).await {
            Ok(Card { id: Some(id) }) => Ok(LoadedModel::Loaded(id)),
            Ok(Card { id: None }) => Ok(LoadedModel::None),
            Err(Error::Backend {
                status: Some(400 | 404),
                ..
            }) => Ok(LoadedModel::None),
            Err(e) => Err(e),
        }
    }

    /// Loads `model` (TabbyAPI). Backends that load on demand answer
    /// [`LoadedModel::OnDemand`]: name the model in each request instead.
    pub async fn load_model(&self, model: &str) -> Result<LoadedModel> {
        gantry_core::validate::required("model", model, gantry_core::validate::MAX_MODEL_BYTES)?;
        if !self.config.kind.switches_models() {
            return Ok(LoadedModel::OnDemand);
        }
        let body = serde_json::json!({ "model_name": model });
        self.json::<_, serde_json::Value>(Method::POST, "/model/load", Some(&body))
            .await?;
        Ok(LoadedModel::Loaded(model.to_owned()))
    }

    /// Unloads the current model (TabbyAPI); a no-op that says so elsewhere.
    pub async fn unload_model(&self) -> Result<LoadedModel> {
        if !self.config.kind.switches_models() {
            return Ok(LoadedModel::OnDemand);
        }
        self.json::<_, serde_json::Value>(
            Method::POST,
            "/model/unload",
            Some(&serde_json::json!({})),
        )
        .await?;
        Ok(LoadedModel::None)
    }

    /// Embeds texts with `model`, in the order given.
    pub async fn embed_with(&self, model: &str, texts: &[String]) -> Result<Vec<Vec<f32>>> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let answer: wire::Embeddings = self
            .json(
                Method::POST,
                "/embeddings",
                Some(&wire::EmbeddingBody {
                    model,
                    input: texts,
                }),
            )
            .await?;
        if answer.data.len() != texts.len() {
            return Err(self.protocol(format!(
                "asked for {} embeddings, got {}",
                texts.len(),
                answer.data.len()
            )));
        }
        let mut out = vec![Vec::new(); texts.len()];
        for (position, entry) in answer.data.into_iter().enumerate() {
            let index = entry.index.unwrap_or(position);
            let slot = out
                .get_mut(index)
                .ok_or_else(|| self.protocol(format!("embedding index {index} out of range")))?;
            *slot = entry.embedding;
        }
        if out.iter().any(Vec::is_empty) {
            return Err(self.protocol("an embedding is missing or empty"));
        }
        Ok(out)
    }
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<f64>()
        .ok()
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
}

#[async_trait]
impl ChatModel for OpenAiBackend {
    async fn complete(&self, request: ChatRequest) -> Result<ChatResponse> {
        let body = wire::ChatBody::new(&request, self.model_for(&request), false);
        let answer: wire::Completion = self
            .json(Method::POST, "/chat/completions", Some(&body))
            .await?;
        let choice = answer
            .choices
            .into_iter()
            .next()
            .ok_or_else(|| self.protocol("completion has no choices"))?;
        Ok(ChatResponse {
            text: choice.message.content.unwrap_or_default(),
            model: answer
                .model
                .or_else(|| self.model_for(&request).map(str::to_owned))
                .unwrap_or_default(),
            usage: answer.usage.map(Into::into),
            finish_reason: choice.finish_reason,
        })
    }

    async fn stream(&self, request: ChatRequest) -> Result<ChatStream> {
        let started = Instant::now();
        let deadline = started + self.config.timeouts.first_token;
        let body = serde_json::to_vec(&wire::ChatBody::new(
            &request,
            self.model_for(&request),
            true,
        ))
        .map_err(|e| Error::internal_from("encoding the request", e))?;
        let response = self
            .send(
                || {
                    self.request(Method::POST, "/chat/completions")
                        .header(reqwest::header::CONTENT_TYPE, "application/json")
                        .header(reqwest::header::ACCEPT, "text/event-stream")
                        .body(body.clone())
                },
                deadline,
                "first token",
            )
            .await?;
        Ok(sse_chat_stream(
            self.clone(),
            response.bytes_stream().boxed(),
            deadline,
        ))
    }

    async fn list_models(&self) -> Result<Vec<ModelInfo>> {
        let list: wire::ModelList = self.json::<(), _>(Method::GET, "/models", None).await?;
        Ok(list
            .data
            .into_iter()
            .map(|m| ModelInfo {
                id: m.id,
                backend: self.config.name.clone(),
            })
            .collect())
    }
}
