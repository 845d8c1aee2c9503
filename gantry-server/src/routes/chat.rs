//! Asking in a conversation: the answer streams as server-sent events (or comes whole as
//! JSON), and can be stopped from another request.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use gantry::model::{AnswerTimings, CitedSource, ConversationPatch, Message};
use gantry::{ConversationId, PersonaId, TurnEvent, TurnOptions};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult, ErrorBody, status_and_code};
use crate::extract::{Json, PathId};

/// A question.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SendRequest {
    /// The question.
    content: String,
    /// The model to answer with (one the backend offers).
    model: Option<String>,
    /// Switches the conversation to this persona first.
    persona_id: Option<uuid::Uuid>,
    /// Sampling temperature, 0 to 2.
    temperature: Option<f32>,
}

/// One event of a streamed answer, a JSON object per SSE `data:` line.
#[derive(Clone, Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum StreamEvent {
    /// The sources put in front of the model, first.
    Context {
        /// Numbered as the answer cites them.
        citations: Vec<CitedSource>,
        /// Where the time to gather them went (the answer's own times come with `done`).
        timings: AnswerTimings,
    },
    /// More of the answer.
    Token {
        /// The text.
        text: String,
    },
    /// The answer as saved, with its token usage and its context (sources and timings,
    /// now with its time to first token and speed); last.
    Done {
        /// The saved message.
        message: Message,
    },
    /// The answer failed (what arrived is saved as partial); last.
    Error {
        /// As in error bodies.
        code: &'static str,
        /// What happened.
        message: String,
        /// The HTTP status the failure would have had before the stream began.
        #[serde(skip)]
        status: u16,
        /// The `Retry-After` it would have had, in seconds.
        #[serde(skip)]
        retry_after: Option<u64>,
    },
}

impl StreamEvent {
    /// The event for what a turn reported.
    fn from_turn(event: gantry::Result<TurnEvent>) -> Self {
        match event {
            Ok(TurnEvent::Context { citations, timings }) => Self::Context {
                citations: citations.iter().map(CitedSource::from).collect(),
                timings: timings.into(),
            },
            Ok(TurnEvent::Token(text)) => Self::Token { text },
            Ok(TurnEvent::Done(message)) => Self::Done { message },
            Err(error) => {
                let (status, code) = status_and_code(&error);
                let error = ApiError::from(error);
                Self::Error {
                    code,
                    message: error.message().to_owned(),
                    status: status.as_u16(),
                    retry_after: error.retry_after(),
                }
            }
        }
    }
}

/// A whole answer, for clients that do not ask for a stream.
#[derive(Serialize, ToSchema)]
pub(crate) struct AnswerView {
    /// The saved message.
    message: Message,
    /// The sources it was given.
    citations: Vec<CitedSource>,
    /// Where the time to gather them went.
    timings: Option<AnswerTimings>,
}

/// Whether an answer was stopped here.
#[derive(Serialize, ToSchema)]
pub(crate) struct Stopped {
    /// `true` when this server was writing an answer in the conversation and stopped it;
    /// `false` when it was not: the request then goes on to the other servers sharing the
    /// database, which stop any answer they are writing there.
    stopped: bool,
}

/// Asks a question. With `Accept: text/event-stream` the answer streams as server-sent
/// events (`context`, `token`..., then `done` or `error`, then `data: [DONE]`; a comment
/// every 15 s while the model is silent); otherwise the whole answer comes as JSON. The
/// answer is generated to its end even if the client goes away; `POST .../stop` stops it.
/// Refusals before the model starts are plain errors (503 when the model is down).
#[utoipa::path(post, path = "/api/chat/conversations/{id}/messages", tag = "chat",
    params(("id" = String, Path, description = "The conversation's id")),
    request_body = SendRequest,
    responses(
        (status = 200, description = "The answer: SSE of `StreamEvent`, or JSON", body = AnswerView,
            content_type = "application/json"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 429, body = ErrorBody),
        (status = 503, body = ErrorBody), (status = 504, body = ErrorBody)))]
pub(crate) async fn send(
    State(state): State<AppState>,
    Authed(caller): Authed,
    PathId(id): PathId<ConversationId>,
    headers: HeaderMap,
    Json(request): Json<SendRequest>,
) -> ApiResult<Response> {
    let scope = caller.scope();
    if let Some(persona) = request.persona_id {
        let patch = ConversationPatch {
            persona_id: Some(Some(PersonaId(persona))),
            ..ConversationPatch::default()
        };
        scope.update_conversation(id, patch).await?;
    }
    let options = TurnOptions {
        model: request.model,
        temperature: request.temperature,
        ..TurnOptions::default()
    };
    let turn = scope.chat(id, request.content, options).await?;
    respond(&state, caller.user.id, id, turn, &headers).await
}

/// Answers the conversation's last question again (its last answer is replaced), streamed
/// or whole like `POST .../messages`.
#[utoipa::path(post, path = "/api/chat/conversations/{id}/regenerate", tag = "chat",
    params(("id" = String, Path, description = "The conversation's id")),
    responses(
        (status = 200, description = "The answer: SSE of `StreamEvent`, or JSON", body = AnswerView,
            content_type = "application/json"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub(crate) async fn regenerate(
    State(state): State<AppState>,
    Authed(caller): Authed,
    PathId(id): PathId<ConversationId>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let turn = caller
        .scope()
        .regenerate(id, TurnOptions::default())
        .await?;
    respond(&state, caller.user.id, id, turn, &headers).await
}

/// Drives `turn` to its end on a task of its own and answers with its events (SSE) or its
/// whole answer (JSON).
async fn respond(
    state: &AppState,
    user: gantry::UserId,
    id: ConversationId,
    turn: gantry::Turn,
    headers: &HeaderMap,
) -> ApiResult<Response> {
    let running = state.turns.start(user, id);
    let live = Arc::clone(&running.live);
    // The answer is driven here, not by a response: a client that goes away only stops
    // reading; the answer runs to its end and is saved, and can be read again.
    let metrics = state.metrics.clone();
    tokio::spawn(async move {
        let _streaming = metrics.stream();
        let mut turn = turn;
        loop {
            let event = tokio::select! {
                () = running.stop.notified() => break,
                event = turn.next() => event,
            };
            let Some(event) = event else { break };
            if let Ok(TurnEvent::Context { timings, .. }) = &event {
                metrics.context(timings);
            }
            let event = StreamEvent::from_turn(event);
            match &event {
                StreamEvent::Context { .. } | StreamEvent::Token { .. } => {}
                StreamEvent::Done { message } => metrics.answered(message),
                StreamEvent::Error { code, .. } => metrics.backend_error(code),
            }
            let last = matches!(event, StreamEvent::Done { .. } | StreamEvent::Error { .. });
            running.live.push(event);
            if last {
                break;
            }
        }
        // Dropping the turn (after a stop) saves what arrived as partial; dropping
        // `running` marks the answer ended.
        drop(turn);
        drop(running);
    });

    if !wants_stream(headers) {
        let (mut citations, mut timings) = (Vec::new(), None);
        let mut events = Box::pin(live.read_from(0));
        while let Some((_, event)) = events.next().await {
            match event {
                StreamEvent::Context {
                    citations: c,
                    timings: t,
                } => (citations, timings) = (c, Some(t)),
                StreamEvent::Token { .. } => {}
                StreamEvent::Done { message, .. } => {
                    let answer = AnswerView {
                        message,
                        citations,
                        timings,
                    };
                    return Ok(axum::Json(answer).into_response());
                }
                StreamEvent::Error {
                    code,
                    message,
                    status,
                    retry_after,
                } => return Err(failure(code, message, status).with_retry_after(retry_after)),
            }
        }
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            "the answer was stopped before it finished; what arrived is saved as partial",
        ));
    }
    // Nothing is sent until the model has produced something: a model that is down or
    // refuses is a plain error status (503, 504...), not a stream that fails at once.
    let mut events = Box::pin(Arc::clone(&live).read_from(0));
    while let Some((_, event)) = events.next().await {
        match event {
            StreamEvent::Error {
                code,
                message,
                status,
                retry_after,
            } => return Err(failure(code, message, status).with_retry_after(retry_after)),
            StreamEvent::Context { .. } => {}
            StreamEvent::Token { .. } | StreamEvent::Done { .. } => break,
        }
    }
    Ok(sse(live.read_from(0)))
}

/// The error answer for a failed turn: the status its error maps to.
fn failure(code: &'static str, message: String, status: u16) -> ApiError {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    ApiError::new(status, code, message)
}

/// Follows the answer being written in a conversation (or written in the last minute),
/// from the event after `Last-Event-ID` (or from the start): for a client that reconnects
/// after a reload, on another device, or when a proxy dropped the connection. 404 when
/// there is none: the saved messages are the answer.
#[utoipa::path(get, path = "/api/chat/conversations/{id}/stream", tag = "chat",
    params(("id" = String, Path, description = "The conversation's id"),
        ("Last-Event-ID" = Option<u64>, Header, description = "The last event received")),
    responses(
        (status = 200, description = "SSE of `StreamEvent`, from the event after Last-Event-ID",
            content_type = "text/event-stream"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn follow(
    State(state): State<AppState>,
    Authed(caller): Authed,
    PathId(id): PathId<ConversationId>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    // Another user's conversation is 404, like one that does not exist.
    caller.scope().conversation(id).await?;
    let live = state.turns.live(caller.user.id, id).ok_or_else(|| {
        ApiError::not_found("an answer being written in this conversation; read its messages")
    })?;
    let from = headers
        .get("last-event-id")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<usize>().ok())
        .map_or(0, |last| last + 1);
    Ok(sse(live.read_from(from)))
}

/// An SSE response of numbered events, `[DONE]` at the end, keep-alive comments while the
/// model is silent, unbuffered by proxies.
fn sse(events: impl futures::Stream<Item = (usize, StreamEvent)> + Send + 'static) -> Response {
    event_stream(async_stream(events))
}

/// An SSE response of `events`, with keep-alive comments every 15 s while nothing is sent,
/// unbuffered by proxies and uncached: Gantry's own streams and the OpenAI door's.
pub(crate) fn event_stream(
    events: impl futures::Stream<Item = Result<Event, Infallible>> + Send + 'static,
) -> Response {
    let mut response = Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response();
    response
        .headers_mut()
        .insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// The SSE events: each JSON event with its number as `id:`, then `[DONE]`.
fn async_stream(
    events: impl futures::Stream<Item = (usize, StreamEvent)> + Send + 'static,
) -> impl futures::Stream<Item = Result<Event, Infallible>> {
    let numbered = events.map(|(number, event)| {
        let data = serde_json::to_string(&event).unwrap_or_else(|_| "{}".into());
        Ok(Event::default().id(number.to_string()).data(data))
    });
    numbered.chain(futures::stream::once(async {
        Ok(Event::default().data("[DONE]"))
    }))
}

fn wants_stream(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("text/event-stream"))
}

/// Stops the answer being generated in a conversation; what arrived is saved as partial.
#[utoipa::path(post, path = "/api/chat/conversations/{id}/stop", tag = "chat",
    params(("id" = String, Path, description = "The conversation's id")),
    responses((status = 200, body = Stopped), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(crate) async fn stop(
    State(state): State<AppState>,
    Authed(caller): Authed,
    PathId(id): PathId<ConversationId>,
) -> ApiResult<axum::Json<Stopped>> {
    // Another user's conversation is 404, like one that does not exist.
    caller.scope().conversation(id).await?;
    let stopped = state.turns.stop(caller.user.id, id);
    if !stopped {
        let signal = gantry::store::Signal::StopAnswers {
            user: caller.user.id,
            conversation: id,
        };
        state.gantry.signal(signal).await?;
    }
    Ok(axum::Json(Stopped { stopped }))
}
