//! The generation loop: one llama.cpp context per worker thread, taking queued requests one
//! at a time, so concurrent chats wait their turn instead of splitting the CPU between them.

use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex, PoisonError};

use gantry_core::llm::TokenUsage;
use gantry_core::{Error, Result};
use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::sampling::LlamaSampler;
use llama_cpp_2::token::LlamaToken;
use tokio::sync::mpsc::Sender;

use super::text::TextAssembler;
use super::{Shared, failed};

/// Tokens decoded at once while reading a prompt.
pub(crate) const BATCH: usize = 512;

/// How a request samples.
#[derive(Clone, Debug)]
pub(crate) struct Sampling {
    /// 0 (or less) picks the likeliest token every time.
    pub temperature: f32,
    pub top_p: f32,
    pub seed: u32,
    pub max_tokens: usize,
    pub stop: Vec<String>,
    pub json_schema: Option<serde_json::Value>,
}

/// What a worker sends back for one request.
#[derive(Debug)]
pub(crate) enum Output {
    Text(String),
    Done {
        usage: TokenUsage,
        /// `stop` (end of answer or a stop sequence) or `length`.
        finish_reason: &'static str,
    },
}

/// One queued request: the prompt's tokens, how to sample, and where to send the answer.
/// When the receiving side is dropped (the caller stopped reading), the work stops.
pub(crate) struct Job {
    pub prompt: Vec<LlamaToken>,
    pub sampling: Sampling,
    pub out: Sender<Result<Output>>,
}

/// A token position as llama.cpp counts them (prompts are far shorter than `i32::MAX`).
fn position(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// A worker: builds its context (reporting the outcome on `ready`), then serves jobs until
/// the model is dropped.
pub(crate) fn run(
    shared: Arc<Shared>,
    jobs: Arc<Mutex<Receiver<Job>>>,
    ready: std::sync::mpsc::Sender<Result<()>>,
) {
    let context = shared.new_context(shared.context_length, BATCH as u32);
    let mut worker = match context {
        Ok(context) => {
            let _ = ready.send(Ok(()));
            Worker {
                shared: &shared,
                context,
                cached: Vec::new(),
            }
        }
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    loop {
        let job = jobs.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(job) = job else { return };
        if job.out.is_closed() {
            continue; // Given up on while it waited.
        }
        let out = job.out.clone();
        if let Err(e) = worker.generate(job) {
            // The cache may hold half a prompt: start the next one afresh.
            worker.reset();
            let _ = out.blocking_send(Err(e));
        }
    }
}

struct Worker<'a> {
    shared: &'a Shared,
    context: LlamaContext<'a>,
    /// The tokens whose keys and values are in the context's cache, in order: a prompt
    /// that starts with them (the same conversation, one turn later) skips reading them.
    cached: Vec<LlamaToken>,
}

/// The job was dropped by its caller; nothing more to do.
struct Cancelled;

impl Worker<'_> {
    fn reset(&mut self) {
        self.context.clear_kv_cache();
        self.cached.clear();
    }

    fn generate(&mut self, job: Job) -> Result<()> {
        let Job {
            prompt,
            sampling,
            out,
        } = job;
        let mut sampler = self.sampler(&sampling)?;
        let Ok((mut position, mut logits_at)) = self.read_prompt(&prompt, &out)? else {
            return Ok(());
        };
        let vocab = self.shared.model.vocab();
        let mut text = TextAssembler::new(&sampling.stop);
        let mut batch = LlamaBatch::new(1, 1);
        let mut generated = 0usize;
        let send = |piece: String| -> std::result::Result<(), Cancelled> {
            if piece.is_empty() {
                return Ok(());
            }
            out.blocking_send(Ok(Output::Text(piece)))
                .map_err(|_| Cancelled)
        };
        let finish_reason = loop {
            if generated >= sampling.max_tokens
                || u32::try_from(position).unwrap_or(u32::MAX) >= self.shared.context_length
            {
                break "length";
            }
            let token = sampler.sample(&self.context, logits_at);
            if vocab.is_eog(token) {
                break "stop";
            }
            generated += 1;
            let piece = vocab.token_to_piece(token, false, None);
            if send(text.push(&piece)).is_err() {
                return Ok(());
            }
            if text.stopped() {
                break "stop";
            }
            batch.clear();
            batch
                .add(token, position, &[0], true)
                .map_err(|e| Error::internal(format!("batching a token: {e}")))?;
            self.context
                .decode(&mut batch)
                .map_err(|e| failed(format!("decoding failed: {e}")))?;
            self.cached.push(token);
            position += 1;
            logits_at = 0;
        };
        if send(text.finish()).is_err() {
            return Ok(());
        }
        let usage = TokenUsage {
            prompt_tokens: u32::try_from(prompt.len()).unwrap_or(u32::MAX),
            completion_tokens: u32::try_from(generated).unwrap_or(u32::MAX),
        };
        let _ = out.blocking_send(Ok(Output::Done {
            usage,
            finish_reason,
        }));
        Ok(())
    }

    /// Decodes the prompt, after what the cache already holds of it; returns the next
    /// position and the batch index of the logits to sample from.
    fn read_prompt(
        &mut self,
        prompt: &[LlamaToken],
        out: &Sender<Result<Output>>,
    ) -> Result<std::result::Result<(i32, i32), Cancelled>> {
        // At least the last token is decoded again: its logits pick the first answer token.
        let mut reuse = self
            .cached
            .iter()
            .zip(prompt)
            .take_while(|(a, b)| a == b)
            .count()
            .min(prompt.len().saturating_sub(1));
        if reuse < self.cached.len() {
            match self
                .context
                .clear_kv_cache_seq(Some(0), Some(reuse as u32), None)
            {
                Ok(true) => self.cached.truncate(reuse),
                _ => {
                    self.reset();
                    reuse = 0;
                }
            }
        }
        let rest = &prompt[reuse..];
        let mut batch = LlamaBatch::new(BATCH, 1);
        let mut logits_at = 0;
        for (n, chunk) in rest.chunks(BATCH).enumerate() {
            if out.is_closed() {
                return Ok(Err(Cancelled));
            }
            batch.clear();
            let first = reuse + n * BATCH;
            let last_chunk = first + chunk.len() == prompt.len();
            for (i, &token) in chunk.iter().enumerate() {
                let wants_logits = last_chunk && i + 1 == chunk.len();
                batch
                    .add(token, position(first + i), &[0], wants_logits)
                    .map_err(|e| Error::internal(format!("batching the prompt: {e}")))?;
            }
            self.context
                .decode(&mut batch)
                .map_err(|e| failed(format!("decoding the prompt failed: {e}")))?;
            self.cached.extend_from_slice(chunk);
            logits_at = position(chunk.len() - 1);
        }
        Ok(Ok((position(prompt.len()), logits_at)))
    }

    /// The sampler chain: the schema's mask first, then the likeliest token, or llama.cpp's
    /// usual filters (top-k 40, top-p, min-p 0.05) and a seeded draw at the temperature.
    fn sampler(&self, sampling: &Sampling) -> Result<LlamaSampler> {
        let mut stages = Vec::new();
        if let Some(schema) = &sampling.json_schema {
            stages.push(
                self.shared
                    .grammars
                    .json_sampler(&self.shared.model, schema)?,
            );
        }
        if sampling.temperature <= 0.0 {
            stages.push(LlamaSampler::greedy());
        } else {
            stages.extend([
                LlamaSampler::top_k(40),
                LlamaSampler::top_p(sampling.top_p, 1),
                LlamaSampler::min_p(0.05, 1),
                LlamaSampler::temp(sampling.temperature),
                LlamaSampler::dist(sampling.seed),
            ]);
        }
        Ok(LlamaSampler::chain_simple(stages))
    }
}
