//! Turning a server-sent-events body into [`ChatEvent`]s.
//!
//! `eventsource-stream` does the SSE framing (comment and keep-alive lines, CRLF, events
//! split across reads); this module reads each `data:` payload, stops at `[DONE]`, reports
//! an error object sent mid-stream, enforces the first-token and idle timeouts, and on any
//! failure after text has arrived returns [`Error::Interrupted`] carrying that text.

use bytes::Bytes;
use eventsource_stream::Eventsource;
use futures::stream::{BoxStream, StreamExt};
use gantry_core::llm::{ChatEvent, ChatStream};
use gantry_core::{Error, Result};
use tokio::time::Instant;

use crate::openai::OpenAiBackend;
use crate::wire::StreamChunk;

type Events = BoxStream<
    'static,
    std::result::Result<
        eventsource_stream::Event,
        eventsource_stream::EventStreamError<reqwest::Error>,
    >,
>;

struct State {
    backend: OpenAiBackend,
    events: Events,
    /// Until the first token: when the first-token budget runs out.
    first_token_deadline: Instant,
    /// Text yielded so far, kept for [`Error::Interrupted`].
    partial: String,
    saw_token: bool,
    done: bool,
    /// Events parsed from one payload but not yet yielded (a token and usage together).
    pending: Vec<ChatEvent>,
}

impl State {
    fn fail(&mut self, cause: Error) -> Error {
        self.done = true;
        if self.partial.is_empty() {
            cause
        } else {
            Error::Interrupted {
                partial: std::mem::take(&mut self.partial),
                cause: Box::new(cause),
            }
        }
    }

    async fn next_event(&mut self) -> Option<Result<ChatEvent>> {
        loop {
            if let Some(event) = self.pending.pop() {
                return Some(Ok(event));
            }
            if self.done {
                return None;
            }
            let wait = if self.saw_token {
                tokio::time::timeout(self.backend.config().timeouts.idle, self.events.next()).await
            } else {
                tokio::time::timeout_at(self.first_token_deadline, self.events.next()).await
            };
            let item = match wait {
                Ok(item) => item,
                Err(_) => {
                    let what = if self.saw_token {
                        "next token"
                    } else {
                        "first token"
                    };
                    let cause = self.backend.timed_out(what);
                    return Some(Err(self.fail(cause)));
                }
            };
            let event = match item {
                None => {
                    let cause = self.backend.protocol("the stream ended before [DONE]");
                    return Some(Err(self.fail(cause)));
                }
                Some(Err(eventsource_stream::EventStreamError::Transport(e))) => {
                    let cause = Error::unavailable(
                        self.backend.id().clone(),
                        format!("connection lost mid-stream: {e}"),
                    );
                    return Some(Err(self.fail(cause)));
                }
                Some(Err(e)) => {
                    let cause = self.backend.protocol(format!("bad event stream: {e}"));
                    return Some(Err(self.fail(cause)));
                }
                Some(Ok(event)) => event,
            };
            let data = event.data.trim();
            if data.is_empty() {
                continue;
            }
            if data == "[DONE]" {
                self.done = true;
                return None;
            }
            let chunk: StreamChunk = match serde_json::from_str(data) {
                Ok(chunk) => chunk,
                Err(e) => {
                    let shown: String = data.chars().take(120).collect();
                    let cause = self
                        .backend
                        .protocol(format!("stream chunk is not JSON ({e}): {shown}"));
                    return Some(Err(self.fail(cause)));
                }
            };
            if let Some(error) = chunk.error {
                let cause = Error::Backend {
                    backend: self.backend.id().clone(),
                    status: None,
                    message: error.message(),
                };
                return Some(Err(self.fail(cause)));
            }
            // Usage comes last; push it first so the token (if any) pops first.
            if let Some(usage) = chunk.usage {
                self.pending.push(ChatEvent::Usage(usage.into()));
            }
            let text: String = chunk
                .choices
                .into_iter()
                .filter_map(|c| c.delta.and_then(|d| d.content))
                .collect();
            if !text.is_empty() {
                self.saw_token = true;
                self.partial.push_str(&text);
                self.pending.push(ChatEvent::Token(text));
            }
        }
    }
}

/// The chat stream over an SSE response body. Dropping it drops the body, which closes
/// the connection and so stops the backend generating.
pub(crate) fn sse_chat_stream(
    backend: OpenAiBackend,
    body: BoxStream<'static, reqwest::Result<Bytes>>,
    first_token_deadline: Instant,
) -> ChatStream {
    let state = State {
        backend,
        events: body.eventsource().boxed(),
        first_token_deadline,
        partial: String::new(),
        saw_token: false,
        done: false,
        pending: Vec::with_capacity(2),
    };
    futures::stream::unfold(state, |mut state| async move {
        let event = state.next_event().await?;
        Some((event, state))
    })
    .boxed()
}
