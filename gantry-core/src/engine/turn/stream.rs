//! Answering a turn: a task of its own runs the model, feeds the caller's [`Turn`] and
//! saves the answer however the stream ends, then does the work after the turn.

use std::time::Instant;

use futures::StreamExt;
use tokio::sync::mpsc;

use super::{Job, Turn, TurnEvent};
use crate::engine::Engine;
use crate::ids::MessageId;
use crate::llm::{ChatEvent, ChatRequest, TokenUsage};
use crate::model::{AnswerContext, Message, MessageRole, MessageStatus, NewMessage, NewUsage};
use crate::store::MessageUpdate;
use crate::{Backend, Error, Result, validate};

/// Events buffered between the generating task and a slow reader.
const EVENT_BUFFER: usize = 64;

/// What arrived from the model.
#[derive(Default)]
struct Streamed {
    /// The answer so far, NUL-free and capped at the longest message.
    text: String,
    usage: Option<TokenUsage>,
    /// When the model was asked.
    started: Option<Instant>,
    /// Whether the model answered at all (a call that never connected costs nothing).
    reached: bool,
    /// The sources the answer was given and the time gathering them took.
    context: Option<AnswerContext>,
    /// When the turn began gathering, and when the answer's first token arrived: its
    /// time to first token and generation speed are kept with it.
    asked: Option<Instant>,
    first_token: Option<Instant>,
}

impl Streamed {
    fn push(&mut self, piece: &str) {
        self.first_token.get_or_insert_with(Instant::now);
        if self.text.len() < validate::MAX_MESSAGE_BYTES {
            self.text.push_str(&storable(piece));
            truncate_bytes(&mut self.text, validate::MAX_MESSAGE_BYTES);
        }
    }
}

/// How the model's stream ended.
enum Ending {
    Complete,
    Stopped,
    Failed(Error),
}

impl Engine {
    /// Starts answering on a task of its own; the returned [`Turn`] reads what it sends.
    pub(super) fn start(&self, job: Job) -> Turn {
        let (sender, events) = mpsc::channel(EVENT_BUFFER);
        let question = job.question.clone();
        let engine = self.clone();
        self.inner.background.spawn(async move {
            engine.run(job, sender).await;
        });
        Turn { question, events }
    }

    async fn run(self, job: Job, events: mpsc::Sender<Result<TurnEvent>>) {
        let (outcome, usage) = self.answer(&job, &events).await;
        // The reader may be gone (stopped) or stalled; the answer is saved either way.
        let timeout = self.inner.settings.reader_timeout;
        let _ = tokio::time::timeout(timeout, events.send(outcome.map(TurnEvent::Done))).await;
        drop(events);
        if let Some(usage) = usage
            && let Err(error) = self.inner.store.record_usage(usage).await
        {
            tracing::warn!(%error, "could not record token usage");
        }
        self.after_turn(&job).await;
    }

    async fn answer(
        &self,
        job: &Job,
        events: &mpsc::Sender<Result<TurnEvent>>,
    ) -> (Result<Message>, Option<NewUsage>) {
        let asked = Instant::now();
        let built = match self.prompt(job).await {
            Ok(built) => built,
            // Nothing reached the model; the failure is still saved with the question.
            Err(error) => {
                return self
                    .save_answer(job, None, 0, Streamed::default(), Ending::Failed(error))
                    .await;
            }
        };
        let (built, citations, timings) = built;
        let prompt_tokens = built.tokens;
        let mut streamed = Streamed {
            context: Some(AnswerContext::of(&citations, timings)),
            asked: Some(asked),
            ..Streamed::default()
        };
        let context = TurnEvent::Context { citations, timings };
        if !self.deliver(events, context).await {
            // Stopped before the model was asked: an empty partial answer records it.
            return self
                .save_answer(job, None, prompt_tokens, streamed, Ending::Stopped)
                .await;
        }
        let plan = &job.plan;
        let request = ChatRequest {
            model: plan.model.clone(),
            messages: built.messages,
            temperature: plan.temperature,
            max_tokens: plan.max_tokens,
            stop: plan.stop.clone(),
            seed: plan.seed,
            top_p: plan.top_p,
            json_schema: plan.json_schema.clone(),
        };
        streamed.started = Some(Instant::now());
        // The answer's row exists from the start and grows as the answer does, so a crash
        // mid-stream leaves what the user saw, as a partial answer.
        let draft = self.start_draft(job, streamed.context.clone()).await;
        let mut checkpoint = Instant::now();
        let opened = tokio::select! {
            biased;
            () = events.closed() => None,
            opened = plan.chat.stream(request) => Some(opened),
        };
        let ending = match opened {
            None => Ending::Stopped,
            Some(Err(error)) => Ending::Failed(error),
            Some(Ok(mut stream)) => {
                streamed.reached = true;
                loop {
                    tokio::select! {
                        biased;
                        () = events.closed() => break Ending::Stopped,
                        next = stream.next() => match next {
                            None => break Ending::Complete,
                            Some(Ok(ChatEvent::Token(piece))) => {
                                streamed.push(&piece);
                                if !self.deliver(events, TurnEvent::Token(piece)).await {
                                    break Ending::Stopped;
                                }
                                if checkpoint.elapsed() >= self.inner.settings.answer_checkpoint {
                                    self.checkpoint(job, draft, &streamed.text).await;
                                    checkpoint = Instant::now();
                                }
                            }
                            Some(Ok(ChatEvent::Usage(counted))) => streamed.usage = Some(counted),
                            Some(Err(error)) => break Ending::Failed(error),
                        },
                    }
                }
            }
        };
        self.save_answer(job, draft, prompt_tokens, streamed, ending)
            .await
    }

    /// Sends an event to the caller; `false` when the caller is gone or has not read for
    /// [`EngineSettings::reader_timeout`](crate::engine::EngineSettings): the turn then
    /// stops, and the model's slot is freed, rather than wait on it forever.
    async fn deliver(&self, events: &mpsc::Sender<Result<TurnEvent>>, event: TurnEvent) -> bool {
        match tokio::time::timeout(self.inner.settings.reader_timeout, events.send(Ok(event))).await
        {
            Ok(sent) => sent.is_ok(),
            Err(_) => {
                tracing::warn!("a turn's reader stopped reading; the answer is saved as partial");
                false
            }
        }
    }

    /// The answer's row, empty and `partial`, written before the model streams. `None`
    /// (logged) if the store refuses it: the answer is then written once, at the end.
    async fn start_draft(&self, job: &Job, context: Option<AnswerContext>) -> Option<MessageId> {
        let plan = &job.plan;
        let draft = NewMessage {
            role: MessageRole::Assistant,
            content: String::new(),
            status: MessageStatus::Partial,
            model: plan.model.clone(),
            prompt_tokens: None,
            completion_tokens: None,
            error: None,
            context,
        };
        match self
            .inner
            .store
            .append_message(plan.user, plan.conversation.id, draft)
            .await
        {
            Ok(message) => Some(message.id),
            Err(error) => {
                tracing::warn!(%error, "could not write the answer's draft; it is saved at the end");
                None
            }
        }
    }

    /// Writes the answer so far into its draft row.
    async fn checkpoint(&self, job: &Job, draft: Option<MessageId>, text: &str) {
        let Some(draft) = draft else { return };
        let update = MessageUpdate {
            content: text.to_owned(),
            status: MessageStatus::Partial,
            prompt_tokens: None,
            completion_tokens: None,
            error: None,
            context: None,
        };
        if let Err(error) = self
            .inner
            .store
            .update_message(job.plan.user, draft, update)
            .await
        {
            tracing::debug!(%error, "could not write the answer so far");
        }
    }

    /// Saves the answer as it ended (into its `draft` row, when it has one); a regenerated
    /// answer then replaces the old one. A
    /// failure is returned (typed) after the partial text and the error are saved. Also
    /// returns the usage to record (off the response path), for calls that reached the
    /// model.
    async fn save_answer(
        &self,
        job: &Job,
        draft: Option<MessageId>,
        prompt_tokens: usize,
        streamed: Streamed,
        ending: Ending,
    ) -> (Result<Message>, Option<NewUsage>) {
        let plan = &job.plan;
        let Streamed {
            text,
            usage,
            started,
            reached,
            mut context,
            asked,
            first_token,
        } = streamed;
        let usage = usage.unwrap_or_else(|| TokenUsage {
            prompt_tokens: saturate(prompt_tokens),
            completion_tokens: saturate((self.inner.count_tokens)(&text)),
        });
        if let (Some(context), Some(first)) = (context.as_mut(), first_token) {
            let timings = &mut context.timings;
            timings.time_to_first_token_ms =
                asked.and_then(|asked| u64::try_from(first.duration_since(asked).as_millis()).ok());
            timings.tokens_per_second = tokens_per_second(usage.completion_tokens, first);
        }
        let (status, failure) = match ending {
            Ending::Complete if text.trim().is_empty() => (
                MessageStatus::Error,
                Some(Error::Protocol {
                    backend: Backend::Component("chat model"),
                    what: "the model returned an empty answer".to_owned(),
                }),
            ),
            Ending::Complete => (MessageStatus::Complete, None),
            Ending::Stopped => (MessageStatus::Partial, None),
            Ending::Failed(error) => (MessageStatus::Error, Some(error)),
        };
        let mut error_text = failure.as_ref().map(|e| storable(&e.to_string()));
        if let Some(reason) = error_text.as_mut() {
            truncate_bytes(reason, validate::MAX_REASON_BYTES);
        }
        let new = NewMessage {
            role: MessageRole::Assistant,
            content: text,
            status,
            model: plan.model.clone(),
            prompt_tokens: Some(usage.prompt_tokens),
            completion_tokens: Some(usage.completion_tokens),
            error: error_text,
            context,
        };
        // Only calls that reached the model cost anything, whether or not the answer
        // could be saved.
        let record = match (reached, started) {
            (true, Some(started)) => Some(NewUsage {
                user_id: plan.user,
                model: plan.model.clone().unwrap_or_else(|| "default".to_owned()),
                prompt_tokens: usage.prompt_tokens,
                completion_tokens: usage.completion_tokens,
                latency_ms: u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX),
            }),
            _ => None,
        };
        let saved = match self.write_answer(job, draft, new).await {
            Ok(saved) => saved,
            Err(error) => return (Err(error), record),
        };
        if let Some(old) = job.replaces {
            match self.inner.store.delete_message(plan.user, old).await {
                Ok(()) | Err(Error::NotFound { .. }) => {}
                Err(error) => tracing::warn!(%error, "could not remove the replaced answer"),
            }
        }
        match failure {
            Some(error) => (Err(error), record),
            None => (Ok(saved), record),
        }
    }

    /// Writes the final answer: into its draft row, or as a new message when there is
    /// none. A database that is briefly unavailable is retried a few times: this is the
    /// write that makes what the user saw last.
    async fn write_answer(
        &self,
        job: &Job,
        draft: Option<MessageId>,
        new: NewMessage,
    ) -> Result<Message> {
        let plan = &job.plan;
        let mut attempt = 0;
        loop {
            let written = match draft {
                Some(draft) => {
                    let update = MessageUpdate {
                        content: new.content.clone(),
                        status: new.status,
                        prompt_tokens: new.prompt_tokens,
                        completion_tokens: new.completion_tokens,
                        error: new.error.clone(),
                        context: new.context.clone(),
                    };
                    self.inner
                        .store
                        .update_message(plan.user, draft, update)
                        .await
                }
                None => {
                    self.inner
                        .store
                        .append_message(plan.user, plan.conversation.id, new.clone())
                        .await
                }
            };
            match written {
                Err(Error::Unavailable { .. } | Error::TimedOut { .. }) if attempt < 3 => {
                    attempt += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(200 << attempt)).await;
                }
                written => return written,
            }
        }
    }

    /// The work after a turn, off the response path: index both messages, learn facts
    /// from the question, and title a conversation that still has the default title.
    async fn after_turn(&self, job: &Job) {
        self.inner.index.nudge();
        if let (Some(learner), None) = (&self.inner.learner, job.replaces) {
            // A regenerated turn's question was learned from the first time.
            learner.learn(job.plan.user, &job.question).await;
        }
        self.title_new_conversation(job).await;
    }
}

/// Text as the store accepts it: without NUL characters (PostgreSQL cannot hold them).
fn storable(text: &str) -> String {
    text.replace('\0', "")
}

/// Cuts `text` to at most `max` bytes, at a character boundary.
fn truncate_bytes(text: &mut String, max: usize) {
    text.truncate(text.floor_char_boundary(max));
}

/// A count as a `u32`, the largest one when it does not fit.
fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// An answer's generation speed: its tokens per second since its first token arrived,
/// to a tenth, as people read it.
fn tokens_per_second(completion_tokens: u32, first_token: Instant) -> Option<f64> {
    let generating = first_token.elapsed().as_secs_f64();
    (generating > 0.0).then(|| (f64::from(completion_tokens) / generating * 10.0).round() / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_whole_characters() {
        let mut text = "héllo".to_owned();
        truncate_bytes(&mut text, 2);
        assert_eq!(text, "h");
    }
}
