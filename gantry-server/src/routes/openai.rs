//! The OpenAI-compatible door (`/v1`): any OpenAI client (the official SDKs, IDE plugins,
//! home automation) chats through Gantry with an API key and gets the key owner's memory
//! and documents without knowing Gantry. Each exchange is saved as a conversation of
//! theirs and counted in their usage, like one from the web UI.
//!
//! A request is self-contained, as OpenAI's are: the client's system message becomes the
//! turn's instructions and its earlier messages the prompt's history. Which conversation
//! records the exchange: the one named by the `X-Gantry-Conversation-Id` header, else the
//! one the `user` field names (when it is the id of one of the caller's conversations),
//! else a new one; the answer's `X-Gantry-Conversation-Id` header says which, so a client
//! that sends only its latest question can continue there with the saved history.

use std::convert::Infallible;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::sse::Event;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use futures::StreamExt;
use gantry::llm::ChatMessage;
use gantry::model::{CitedSource, ConversationPatch, Message, MessageRole, NewConversation};
use gantry::{ConversationId, Turn, TurnEvent, TurnOptions, UserScope};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::Json;
use crate::routes::chat::event_stream;

/// The header that names (in a request) and reports (in an answer) the conversation.
const CONVERSATION_HEADER: &str = "x-gantry-conversation-id";

/// A chat completion request, as OpenAI defines it. Fields Gantry does not use
/// (`presence_penalty`, `logit_bias`...) are accepted and ignored; those it cannot honour
/// (`n` above 1, tools, images) are refused by name.
#[derive(Deserialize, ToSchema)]
pub(crate) struct CompletionRequest {
    /// A model the backends serve, or the name of one of the caller's personas (see
    /// `GET /v1/models`).
    model: String,
    /// The conversation so far; the last must be the user's question.
    messages: Vec<InMessage>,
    /// Stream the answer as `chat.completion.chunk` events.
    #[serde(default)]
    stream: bool,
    /// `include_usage`: a last chunk with the token usage.
    stream_options: Option<StreamOptions>,
    /// Sampling temperature, 0 to 2.
    temperature: Option<f32>,
    /// The most tokens to answer with (capped by the server's limit).
    max_tokens: Option<u32>,
    /// The same, by its newer name; wins over `max_tokens`.
    max_completion_tokens: Option<u32>,
    /// One sequence or up to four that end the answer.
    stop: Option<Stop>,
    /// For reproducible sampling, where the backend supports it.
    seed: Option<u64>,
    /// Nucleus sampling, 0 to 1.
    top_p: Option<f32>,
    /// `text` (the default), `json_object`, or `json_schema` with a schema the answer must
    /// follow; backends with constrained decoding (the in-process model) cannot answer
    /// anything else.
    response_format: Option<ResponseFormat>,
    /// How many answers: only 1.
    n: Option<u32>,
    /// Tools: not supported.
    #[schema(value_type = Option<Vec<Object>>)]
    tools: Option<Vec<serde_json::Value>>,
    /// The id of one of the caller's conversations to record the exchange in; anything
    /// else is ignored.
    user: Option<String>,
}

/// `response_format`.
#[derive(Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum ResponseFormat {
    /// Free text.
    Text,
    /// Any JSON object.
    JsonObject,
    /// JSON that follows `json_schema.schema`.
    JsonSchema {
        /// The schema and its name.
        json_schema: JsonSchemaFormat,
    },
}

/// `response_format.json_schema`.
#[derive(Deserialize, ToSchema)]
pub(crate) struct JsonSchemaFormat {
    /// A name for the schema (not used).
    #[allow(dead_code)]
    name: Option<String>,
    /// The JSON schema (an object, at most 32 KiB as JSON).
    #[schema(value_type = Object)]
    schema: serde_json::Value,
    /// Whether to follow it exactly (Gantry always asks for that).
    #[allow(dead_code)]
    strict: Option<bool>,
}

impl ResponseFormat {
    fn schema(&self) -> Option<serde_json::Value> {
        match self {
            Self::Text => None,
            Self::JsonObject => Some(serde_json::json!({ "type": "object" })),
            Self::JsonSchema { json_schema } => Some(json_schema.schema.clone()),
        }
    }
}

/// `stream_options`.
#[derive(Deserialize, ToSchema)]
pub(crate) struct StreamOptions {
    /// Send a last chunk with the usage and no choices.
    #[serde(default)]
    include_usage: bool,
}

/// `stop`: one string or several.
#[derive(Deserialize, ToSchema)]
#[serde(untagged)]
pub(crate) enum Stop {
    /// One sequence.
    One(String),
    /// Several.
    Many(Vec<String>),
}

/// One message of a request.
#[derive(Deserialize, ToSchema)]
pub(crate) struct InMessage {
    /// `system` (or `developer`), `user` or `assistant`.
    role: String,
    /// Text, or text parts (`[{"type": "text", "text": ...}]`).
    content: Option<Content>,
}

/// A message's content.
#[derive(Deserialize, ToSchema)]
#[serde(untagged)]
pub(crate) enum Content {
    /// Plain text.
    Text(String),
    /// Parts; only text parts are supported.
    Parts(Vec<Part>),
}

/// One part of a message's content.
#[derive(Deserialize, ToSchema)]
pub(crate) struct Part {
    /// `text` (other kinds are refused).
    #[serde(rename = "type")]
    kind: String,
    /// The text of a text part.
    text: Option<String>,
}

/// What a request asks, in Gantry's terms.
struct Asked {
    question: String,
    options: TurnOptions,
    /// Whether the client sent earlier messages of its own.
    sent_history: bool,
}

impl CompletionRequest {
    /// The question, instructions and history, or a 400 naming what is wrong.
    fn asked(&self) -> ApiResult<Asked> {
        if self.n.is_some_and(|n| n != 1) {
            return Err(ApiError::invalid(
                "n",
                "only one answer per request (n = 1)",
            ));
        }
        if self.tools.as_ref().is_some_and(|tools| !tools.is_empty()) {
            return Err(ApiError::invalid("tools", "tools are not supported"));
        }
        if self.model.trim().is_empty() {
            return Err(ApiError::invalid("model", "must name a model or a persona"));
        }
        let mut instructions = Vec::new();
        let mut history = Vec::new();
        for (index, message) in self.messages.iter().enumerate() {
            let field = || format!("messages[{index}]");
            let text = match &message.content {
                None => String::new(),
                Some(Content::Text(text)) => text.clone(),
                Some(Content::Parts(parts)) => {
                    let mut text = String::new();
                    for part in parts {
                        match (part.kind.as_str(), &part.text) {
                            ("text", Some(piece)) => text.push_str(piece),
                            (kind, _) => {
                                return Err(ApiError::invalid(
                                    field(),
                                    format!(
                                        "content parts of type `{kind}` are not supported; send text"
                                    ),
                                ));
                            }
                        }
                    }
                    text
                }
            };
            let role = match message.role.as_str() {
                "system" | "developer" => {
                    instructions.push(text);
                    continue;
                }
                "user" => MessageRole::User,
                "assistant" => MessageRole::Assistant,
                other => {
                    return Err(ApiError::invalid(
                        field(),
                        format!("role `{other}` is not supported; use system, user or assistant"),
                    ));
                }
            };
            history.push(ChatMessage {
                role,
                content: text,
            });
        }
        let question = match history.pop() {
            Some(last) if last.role == MessageRole::User => last.content,
            _ => {
                return Err(ApiError::invalid(
                    "messages",
                    "must end with the user's question",
                ));
            }
        };
        let stop = match &self.stop {
            None => Vec::new(),
            Some(Stop::One(one)) => vec![one.clone()],
            Some(Stop::Many(many)) => many.clone(),
        };
        let sent_history = !history.is_empty();
        Ok(Asked {
            question,
            sent_history,
            options: TurnOptions {
                model: Some(self.model.clone()),
                temperature: self.temperature,
                max_tokens: self.max_completion_tokens.or(self.max_tokens),
                stop,
                seed: self.seed,
                top_p: self.top_p,
                json_schema: self
                    .response_format
                    .as_ref()
                    .and_then(ResponseFormat::schema),
                instructions: Some(instructions.join("\n\n")).filter(|i| !i.trim().is_empty()),
                history: sent_history.then_some(history),
            },
        })
    }
}

/// A whole answer, as OpenAI's `chat.completion`.
#[derive(Serialize, ToSchema)]
pub(crate) struct Completion {
    /// `chatcmpl-` and the saved answer's id.
    id: String,
    /// `chat.completion`.
    object: &'static str,
    /// Unix seconds.
    created: i64,
    /// The model that answered.
    model: String,
    /// The one answer.
    choices: Vec<Choice>,
    /// Tokens read and written.
    usage: Usage,
    /// Gantry's additions: the conversation and the sources the answer was given.
    gantry: Extras,
}

/// One answer.
#[derive(Serialize, ToSchema)]
pub(crate) struct Choice {
    /// 0.
    index: u32,
    /// The answer.
    message: OutMessage,
    /// `stop`, or `length` when the answer reached its token limit.
    finish_reason: &'static str,
}

/// The answer as a message.
#[derive(Serialize, ToSchema)]
pub(crate) struct OutMessage {
    /// `assistant`.
    role: &'static str,
    /// The text.
    content: String,
}

/// Token usage.
#[derive(Clone, Copy, Serialize, ToSchema)]
pub(crate) struct Usage {
    /// Tokens of the prompt (with Gantry's context).
    prompt_tokens: u32,
    /// Tokens of the answer.
    completion_tokens: u32,
    /// Both.
    total_tokens: u32,
}

/// What Gantry adds to an answer.
#[derive(Serialize, ToSchema)]
pub(crate) struct Extras {
    /// The conversation the exchange is saved in.
    conversation_id: uuid::Uuid,
    /// The sources put in front of the model, numbered as the answer cites them.
    citations: Vec<CitedSource>,
}

/// How the streamed answer is labelled: the model asked for, the token limit (for
/// `finish_reason`), and whether the usage comes last.
struct Shape {
    model: String,
    limit: u32,
    include_usage: bool,
}

/// One streamed piece, as OpenAI's `chat.completion.chunk`.
#[derive(Serialize)]
struct Chunk<'a> {
    id: &'a str,
    object: &'static str,
    created: i64,
    model: &'a str,
    choices: Vec<ChunkChoice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    usage: Option<Usage>,
}

#[derive(Serialize)]
struct ChunkChoice {
    index: u32,
    delta: Delta,
    finish_reason: Option<&'static str>,
}

#[derive(Default, Serialize)]
struct Delta {
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<String>,
}

/// Answers a chat as OpenAI's API does, streamed (`stream: true`) or whole, with the
/// caller's memory and documents, and saves the exchange in one of their conversations.
#[utoipa::path(post, path = "/v1/chat/completions", tag = "openai",
    request_body = CompletionRequest,
    responses(
        (status = 200, description = "A `chat.completion`, or SSE of `chat.completion.chunk` then `[DONE]`",
            body = Completion),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 429, body = ErrorBody),
        (status = 503, body = ErrorBody), (status = 504, body = ErrorBody)))]
pub(crate) async fn chat_completions(
    State(state): State<AppState>,
    Authed(caller): Authed,
    headers: HeaderMap,
    Json(request): Json<CompletionRequest>,
) -> ApiResult<Response> {
    let asked = request.asked()?;
    let scope = caller.scope();
    let mut options = asked.options;
    let limit = state.gantry.engine().answer_limit(options.max_tokens);
    let persona = scope.persona_named(&request.model).await?;
    if persona.is_some() {
        // The persona's model (or the default) answers.
        options.model = None;
    }
    let persona_id = persona.map(|p| p.id);
    let (conversation, turn) = match chosen_conversation(scope, &headers, &request).await? {
        Some(id) => {
            if persona_id.is_some() {
                let patch = ConversationPatch {
                    persona_id: Some(persona_id),
                    ..ConversationPatch::default()
                };
                scope.update_conversation(id, patch).await?;
            }
            if !asked.sent_history {
                // A client that sends only its question continues the saved history.
                options.history = None;
            }
            (id, scope.chat(id, asked.question, options).await?)
        }
        None => {
            let new = NewConversation {
                title: String::new(),
                persona_id,
                model: None,
            };
            let (conversation, turn) = scope.chat_new(new, asked.question, options).await?;
            (conversation.id, turn)
        }
    };
    let include_usage = request
        .stream_options
        .as_ref()
        .is_some_and(|o| o.include_usage);
    let metrics = state.metrics.clone();
    let mut response = if request.stream {
        let shape = Shape {
            model: request.model,
            limit,
            include_usage,
        };
        stream(turn, shape, metrics).await?
    } else {
        let _streaming = metrics.stream();
        whole(turn, request.model, limit, conversation)
            .await
            .inspect_err(|error| metrics.backend_error(error.body().error.code))?
    };
    if let Ok(value) = HeaderValue::from_str(&conversation.0.to_string()) {
        response.headers_mut().insert(CONVERSATION_HEADER, value);
    }
    Ok(response)
}

/// The conversation the request names by header (404 when not the caller's) or by `user`
/// (ignored when not the caller's), if any.
async fn chosen_conversation(
    scope: &UserScope,
    headers: &HeaderMap,
    request: &CompletionRequest,
) -> ApiResult<Option<ConversationId>> {
    if let Some(value) = headers.get(CONVERSATION_HEADER) {
        let id = value
            .to_str()
            .ok()
            .and_then(|v| uuid::Uuid::parse_str(v.trim()).ok())
            .ok_or_else(|| ApiError::not_found("conversation"))?;
        let conversation = scope.conversation(ConversationId(id)).await?;
        return Ok(Some(conversation.id));
    }
    let Some(id) = request
        .user
        .as_deref()
        .and_then(|user| uuid::Uuid::parse_str(user.trim()).ok())
    else {
        return Ok(None);
    };
    match scope.conversation(ConversationId(id)).await {
        Ok(conversation) => Ok(Some(conversation.id)),
        Err(gantry::Error::NotFound { .. }) => Ok(None),
        Err(error) => Err(error.into()),
    }
}

/// The whole answer as a `chat.completion`.
async fn whole(
    turn: Turn,
    asked_model: String,
    limit: u32,
    conversation: ConversationId,
) -> ApiResult<Response> {
    let answer = turn.answer().await?;
    let message = answer.message;
    let body = Completion {
        id: completion_id(&message),
        object: "chat.completion",
        created: message.created_at.unix_timestamp(),
        model: message.model.clone().unwrap_or(asked_model),
        usage: usage_of(&message),
        choices: vec![Choice {
            index: 0,
            finish_reason: finish_reason(&message, limit),
            message: OutMessage {
                role: "assistant",
                content: message.content,
            },
        }],
        gantry: Extras {
            conversation_id: conversation.0,
            citations: answer.citations.iter().map(CitedSource::from).collect(),
        },
    };
    Ok(axum::Json(body).into_response())
}

/// The answer as SSE `chat.completion.chunk`s. Nothing is sent until the model has
/// produced something, so a model that is down is a plain error status. A client that
/// goes away stops the answer, which is saved as partial.
async fn stream(
    mut turn: Turn,
    shape: Shape,
    metrics: crate::metrics::Metrics,
) -> ApiResult<Response> {
    let Shape {
        model: asked_model,
        limit,
        include_usage,
    } = shape;
    let streaming = metrics.stream();
    let first = loop {
        match turn.next().await {
            Some(Ok(TurnEvent::Context { timings, .. })) => metrics.context(&timings),
            Some(Err(error)) => {
                let error = ApiError::from(error);
                metrics.backend_error(error.body().error.code);
                return Err(error);
            }
            Some(Ok(event)) => break event,
            None => {
                return Err(ApiError::new(
                    StatusCode::BAD_GATEWAY,
                    "backend_error",
                    "the answer ended before it began",
                ));
            }
        }
    };
    let id = format!("chatcmpl-{}", turn.question().id.0.simple());
    let created = OffsetDateTime::now_utc().unix_timestamp();
    let chunk =
        move |delta: Delta, finish: Option<&'static str>, usage: Option<Usage>, model: &str| {
            let choices = if usage.is_some() {
                Vec::new()
            } else {
                vec![ChunkChoice {
                    index: 0,
                    delta,
                    finish_reason: finish,
                }]
            };
            let chunk = Chunk {
                id: &id,
                object: "chat.completion.chunk",
                created,
                model,
                choices,
                usage,
            };
            Event::default().data(serde_json::to_string(&chunk).unwrap_or_else(|_| "{}".into()))
        };
    let opening = chunk(
        Delta {
            role: Some("assistant"),
            content: Some(String::new()),
        },
        None,
        None,
        &asked_model,
    );
    let rest = futures::stream::once(async move { Ok(first) }).chain(turn);
    let events = rest
        .map(move |event| -> Vec<Event> {
            // Held as long as the stream is read.
            let _streaming = &streaming;
            match event {
                Ok(TurnEvent::Token(text)) => vec![chunk(
                    Delta {
                        content: Some(text),
                        ..Delta::default()
                    },
                    None,
                    None,
                    &asked_model,
                )],
                Ok(TurnEvent::Done(message)) => {
                    let model = message.model.clone().unwrap_or_else(|| asked_model.clone());
                    metrics.answered(&message);
                    let mut last = vec![chunk(
                        Delta::default(),
                        Some(finish_reason(&message, limit)),
                        None,
                        &model,
                    )];
                    if include_usage {
                        last.push(chunk(
                            Delta::default(),
                            None,
                            Some(usage_of(&message)),
                            &model,
                        ));
                    }
                    last
                }
                Ok(TurnEvent::Context { .. }) => Vec::new(),
                Err(error) => {
                    let error = ApiError::from(error);
                    metrics.backend_error(error.body().error.code);
                    let body = serde_json::to_string(&error.body()).unwrap_or_else(|_| "{}".into());
                    vec![Event::default().data(body)]
                }
            }
        })
        .flat_map(futures::stream::iter);
    let all = futures::stream::once(async move { opening })
        .chain(events)
        .chain(futures::stream::once(async {
            Event::default().data("[DONE]")
        }))
        .map(Ok::<_, Infallible>);
    Ok(event_stream(all))
}

fn completion_id(message: &Message) -> String {
    format!("chatcmpl-{}", message.id.0.simple())
}

fn usage_of(message: &Message) -> Usage {
    let prompt_tokens = message.prompt_tokens.unwrap_or(0);
    let completion_tokens = message.completion_tokens.unwrap_or(0);
    Usage {
        prompt_tokens,
        completion_tokens,
        total_tokens: prompt_tokens.saturating_add(completion_tokens),
    }
}

/// `length` when the answer reached its token `limit`, else `stop`.
fn finish_reason(message: &Message, limit: u32) -> &'static str {
    if message.completion_tokens.is_some_and(|used| used >= limit) {
        "length"
    } else {
        "stop"
    }
}

/// One model or persona, as OpenAI lists models.
#[derive(Serialize, ToSchema)]
pub(crate) struct ModelEntry {
    /// What to send as `model`.
    id: String,
    /// `model`.
    object: &'static str,
    /// Unix seconds (0 for a backend's model).
    created: i64,
    /// The backend that serves it, or `gantry` for a persona.
    owned_by: String,
}

/// `GET /v1/models`'s answer.
#[derive(Serialize, ToSchema)]
pub(crate) struct ModelEntries {
    /// `list`.
    object: &'static str,
    /// The backends' models, then the caller's personas.
    data: Vec<ModelEntry>,
}

/// The models the backends serve and the personas the caller can use, as OpenAI lists
/// models: a client's model picker shows both.
#[utoipa::path(get, path = "/v1/models", tag = "openai",
    responses((status = 200, body = ModelEntries), (status = 401, body = ErrorBody)))]
pub(crate) async fn models(
    State(state): State<AppState>,
    Authed(caller): Authed,
) -> ApiResult<axum::Json<ModelEntries>> {
    let models = match state.gantry.models().await {
        Ok(models) => models,
        Err(error) => {
            tracing::warn!(%error, "listing models failed");
            Vec::new()
        }
    };
    let personas = caller.scope().personas().await?;
    let data = models
        .into_iter()
        .map(|m| ModelEntry {
            id: m.id,
            object: "model",
            created: 0,
            owned_by: m.backend,
        })
        .chain(personas.into_iter().map(|p| ModelEntry {
            id: p.name,
            object: "model",
            created: p.created_at.unix_timestamp(),
            owned_by: "gantry".to_owned(),
        }))
        .collect();
    Ok(axum::Json(ModelEntries {
        object: "list",
        data,
    }))
}

/// An embeddings request, as OpenAI defines it.
#[derive(Deserialize, ToSchema)]
pub(crate) struct EmbeddingRequest {
    /// A text or a list of texts (token ids are not supported).
    #[schema(value_type = Object)]
    input: serde_json::Value,
    /// Echoed back; Gantry embeds with the embedder its retrieval uses.
    model: Option<String>,
    /// `float` (the default) or `base64` (little-endian f32s).
    encoding_format: Option<String>,
}

/// One text's vector.
#[derive(Serialize, ToSchema)]
pub(crate) struct EmbeddingEntry {
    /// `embedding`.
    object: &'static str,
    /// The text's place in the input.
    index: usize,
    /// Floats, or a base64 string of little-endian f32s.
    #[schema(value_type = Object)]
    embedding: serde_json::Value,
}

/// `POST /v1/embeddings`'s answer.
#[derive(Serialize, ToSchema)]
pub(crate) struct Embeddings {
    /// `list`.
    object: &'static str,
    /// One per input text, in order.
    data: Vec<EmbeddingEntry>,
    /// The embedder's model id.
    model: String,
    /// Tokens read.
    usage: EmbeddingUsage,
}

/// Tokens an embeddings request read.
#[derive(Serialize, ToSchema)]
pub(crate) struct EmbeddingUsage {
    /// Tokens of the input.
    prompt_tokens: usize,
    /// The same.
    total_tokens: usize,
}

/// Embeds texts with the embedder Gantry's retrieval uses (at most 256 per request);
/// 503 when none is configured.
#[utoipa::path(post, path = "/v1/embeddings", tag = "openai",
    request_body = EmbeddingRequest,
    responses((status = 200, body = Embeddings), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub(crate) async fn embeddings(
    State(state): State<AppState>,
    Authed(_caller): Authed,
    Json(request): Json<EmbeddingRequest>,
) -> ApiResult<axum::Json<Embeddings>> {
    let base64 = match request.encoding_format.as_deref() {
        None | Some("float") => false,
        Some("base64") => true,
        Some(other) => {
            return Err(ApiError::invalid(
                "encoding_format",
                format!("`{other}` is not supported; use float or base64"),
            ));
        }
    };
    let texts = texts_of(request.input)?;
    let vectors = state.gantry.embed(&texts).await?;
    let tokens = texts
        .iter()
        .map(|t| state.gantry.engine().count_tokens(t))
        .sum();
    let data = vectors
        .into_iter()
        .enumerate()
        .map(|(index, vector)| EmbeddingEntry {
            object: "embedding",
            index,
            embedding: if base64 {
                let bytes: Vec<u8> = vector.iter().flat_map(|x| x.to_le_bytes()).collect();
                serde_json::Value::String(base64::engine::general_purpose::STANDARD.encode(bytes))
            } else {
                serde_json::json!(vector)
            },
        })
        .collect();
    let model = state
        .gantry
        .embedder_id()
        .map(str::to_owned)
        .or(request.model)
        .unwrap_or_default();
    Ok(axum::Json(Embeddings {
        object: "list",
        data,
        model,
        usage: EmbeddingUsage {
            prompt_tokens: tokens,
            total_tokens: tokens,
        },
    }))
}

/// The texts of an embeddings `input`: a string or a list of strings.
fn texts_of(input: serde_json::Value) -> ApiResult<Vec<String>> {
    let refuse = || {
        ApiError::invalid(
            "input",
            "must be a text or a list of texts (token ids are not supported)",
        )
    };
    match input {
        serde_json::Value::String(text) => Ok(vec![text]),
        serde_json::Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                serde_json::Value::String(text) => Ok(text),
                _ => Err(refuse()),
            })
            .collect(),
        _ => Err(refuse()),
    }
}
