//! A chat model in process: a GGUF file of the llama family run on the CPU by llama.cpp,
//! so Gantry answers with no model server at all.
//!
//! The weights stay quantised as the file has them; the tokenizer and the chat template
//! come from the file's metadata (the template rendered by a Jinja engine, as the model's
//! authors wrote it). Requests queue for a small pool of worker threads, each with its own
//! context, so a burst of chats waits instead of slowing every answer to a crawl; a full
//! queue is refused at once. Dropping a stream stops its generation at the next token.
//! A request with a JSON schema decodes under it ([`constrain`]).

mod constrain;
mod template;
mod text;
mod worker;

use std::num::NonZeroU16;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::{Arc, Mutex, OnceLock};

use async_trait::async_trait;
use futures::StreamExt;
use gantry_core::llm::{ChatEvent, ChatModel, ChatRequest, ChatResponse, ChatStream, ModelInfo};
use gantry_core::{Backend, Error, Result};
use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::LlamaModel;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::token::LlamaToken;

pub use constrain::MAX_STRING_CHARS;

use constrain::Grammars;
use template::ChatTemplate;
use worker::{Job, Output, Sampling};

/// The name [`ChatModel::list_models`] reports the backend under.
pub const BACKEND_NAME: &str = "in-process";

/// How an in-process model runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GgufOptions {
    /// Tokens of prompt and answer together, per worker (at most what the model was
    /// trained on). Each token costs cache memory: about 23 KB for SmolLM2-135M.
    pub context_length: u32,
    /// CPU threads each generation uses (default: every core).
    pub threads: usize,
    /// Generations at once, each on its own context (default 1: on a small machine one
    /// generation already uses every core).
    pub workers: usize,
    /// Requests that may wait for a worker; more are refused as busy.
    pub queue: usize,
    /// The id clients use for the model (default: the file name without `.gguf`).
    pub id: Option<String>,
}

impl Default for GgufOptions {
    fn default() -> Self {
        Self {
            context_length: 4096,
            threads: std::thread::available_parallelism().map_or(1, usize::from),
            workers: 1,
            queue: 32,
            id: None,
        }
    }
}

/// What the workers share: the weights, the vocabulary's helpers, and the settings.
pub(crate) struct Shared {
    backend: &'static LlamaBackend,
    model: LlamaModel,
    template: ChatTemplate,
    grammars: Grammars,
    context_length: u32,
    threads: i32,
    context_lock: Mutex<()>,
}

impl Shared {
    /// A llama.cpp context of `tokens` positions reading `batch` tokens at a time, on the
    /// configured threads. Contexts are created one at a time: llama.cpp's creation of
    /// several contexts of one model at once is not safe.
    fn new_context(
        &self,
        tokens: u32,
        batch: u32,
    ) -> Result<llama_cpp_2::context::LlamaContext<'_>> {
        let _one_at_a_time = self
            .context_lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.model
            .new_context(
                self.backend,
                LlamaContextParams::default()
                    .with_n_ctx(std::num::NonZeroU32::new(tokens))
                    .with_n_batch(batch)
                    .with_n_ubatch(batch)
                    .with_n_threads(self.threads)
                    .with_n_threads_batch(self.threads),
            )
            .map_err(|e| failed(format!("cannot create a context of {tokens} tokens: {e}")))
    }
}

/// A GGUF chat model running in this process. Cheap to share behind an `Arc`; dropping
/// the last handle ends the workers once their current answer is done.
pub struct GgufChatModel {
    shared: Arc<Shared>,
    jobs: SyncSender<Job>,
    id: String,
    path: PathBuf,
    file_bytes: u64,
    workers: usize,
}

impl std::fmt::Debug for GgufChatModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GgufChatModel")
            .field("id", &self.id)
            .field("path", &self.path)
            .field("context_length", &self.shared.context_length)
            .finish_non_exhaustive()
    }
}

/// The in-process model cannot answer now, for this reason.
pub(crate) fn failed(what: impl std::fmt::Display) -> Error {
    Error::unavailable(
        Backend::Component("in-process chat model"),
        what.to_string(),
    )
}

/// llama.cpp's process-wide state, started once; its log lines go to `tracing`.
fn backend() -> Result<&'static LlamaBackend> {
    static BACKEND: OnceLock<Option<LlamaBackend>> = OnceLock::new();
    BACKEND
        .get_or_init(|| {
            llama_cpp_2::send_logs_to_tracing(llama_cpp_2::LogOptions::default());
            LlamaBackend::init().ok()
        })
        .as_ref()
        .ok_or_else(|| Error::internal("llama.cpp was started by another part of the program"))
}

fn invalid_file(path: &Path, what: impl std::fmt::Display) -> Error {
    Error::invalid("chat_model", format!("{}: {what}", path.display()))
}

impl GgufChatModel {
    /// Loads `path` (memory-mapped) and starts the workers. Blocking: call it from
    /// `spawn_blocking` in async code.
    ///
    /// Fails, naming the file, when it is missing, is not a GGUF model llama.cpp can run,
    /// or has no chat template.
    pub fn load(path: impl AsRef<Path>, options: GgufOptions) -> Result<Self> {
        let path = path.as_ref();
        let file_bytes = std::fs::metadata(path)
            .map_err(|e| invalid_file(path, format!("cannot be read: {e}")))?
            .len();
        if options.workers == 0 || options.threads == 0 || options.context_length < 64 {
            return Err(Error::invalid(
                "chat_model",
                "needs at least one worker, one thread and a context of 64 tokens",
            ));
        }
        let backend = backend()?;
        let model = LlamaModel::load_from_file(backend, path, &LlamaModelParams::default())
            .map_err(|e| invalid_file(path, format!("is not a model llama.cpp can load ({e})")))?;
        let source = model
            .meta_val_str("tokenizer.chat_template")
            .map_err(|_| invalid_file(path, "has no chat template (tokenizer.chat_template)"))?;
        let vocab = model.vocab();
        let special = |token: LlamaToken| {
            String::from_utf8_lossy(&vocab.token_to_piece(token, true, None::<NonZeroU16>))
                .into_owned()
        };
        let (bos, eos) = (special(vocab.bos()), special(vocab.eos()));
        let template = ChatTemplate::new(&source, bos, eos)?;
        let context_length = options.context_length.min(model.n_ctx_train().max(64));
        let id = options.id.clone().unwrap_or_else(|| {
            path.file_stem()
                .map_or_else(|| "model".to_owned(), |s| s.to_string_lossy().into_owned())
        });
        let shared = Arc::new(Shared {
            backend,
            model,
            template,
            grammars: Grammars::default(),
            context_length,
            threads: i32::try_from(options.threads).unwrap_or(i32::MAX),
            context_lock: Mutex::new(()),
        });
        let (jobs, queue) = std::sync::mpsc::sync_channel(options.queue);
        let queue = Arc::new(Mutex::new(queue));
        let (ready_tx, ready) = std::sync::mpsc::channel();
        for n in 0..options.workers {
            let (shared, queue, ready_tx) = (shared.clone(), queue.clone(), ready_tx.clone());
            std::thread::Builder::new()
                .name(format!("gantry-gguf-{n}"))
                .spawn(move || worker::run(shared, queue, ready_tx))
                .map_err(|e| Error::internal_from("starting a model worker", e))?;
        }
        drop(ready_tx);
        for _ in 0..options.workers {
            ready
                .recv()
                .map_err(|e| Error::internal_from("starting a model worker", e))??;
        }
        Ok(Self {
            shared,
            jobs,
            id,
            path: path.to_owned(),
            file_bytes,
            workers: options.workers,
        })
    }

    /// The id clients ask for.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The file the model came from, and its size in bytes.
    pub fn file(&self) -> (&Path, u64) {
        (&self.path, self.file_bytes)
    }

    /// Tokens of prompt and answer together.
    pub fn context_length(&self) -> u32 {
        self.shared.context_length
    }

    /// The memory the workers' key-value caches take: per token, per layer, a key and a
    /// value of the model's key/value width, in 16-bit floats.
    pub fn kv_cache_bytes(&self) -> u64 {
        let model = &self.shared.model;
        let head = u64::from(model.n_embd().cast_unsigned()) / u64::from(model.n_head().max(1));
        let width = head * u64::from(model.n_head_kv());
        u64::from(self.shared.context_length)
            * u64::from(model.n_layer())
            * 2
            * width
            * 2
            * self.workers as u64
    }

    /// The prompt text the chat template makes of `messages`.
    pub fn render(&self, messages: &[gantry_core::llm::ChatMessage]) -> Result<String> {
        self.shared.template.render(messages)
    }

    /// The token ids of `text`, special tokens (`<|im_start|>`) read as such, with the
    /// beginning-of-text token when the model wants one.
    pub fn tokenize(&self, text: &str) -> Vec<u32> {
        self.tokens(text)
            .into_iter()
            .map(|t| t.0.cast_unsigned())
            .collect()
    }

    fn tokens(&self, text: &str) -> Vec<LlamaToken> {
        self.shared
            .model
            .vocab()
            .tokenize(text.as_bytes(), true, true)
    }

    /// Teacher forcing: reads `prompt` in one batch, then `continuation` one token at a
    /// time, as generation does; returns the id the model finds likeliest after the prompt
    /// and after each continuation token but the last (one per continuation token). For
    /// checking this engine's numerics against another's; blocking, on a context of its
    /// own.
    pub fn likeliest_next(&self, prompt: &[u32], continuation: &[u32]) -> Result<Vec<u32>> {
        let shared = &self.shared;
        let total = prompt.len() + continuation.len();
        let n = u32::try_from(total).unwrap_or(u32::MAX);
        if prompt.is_empty() || continuation.is_empty() || n > shared.context_length {
            return Err(Error::invalid(
                "tokens",
                format!(
                    "a prompt and a continuation of at most {} tokens",
                    shared.context_length
                ),
            ));
        }
        let mut context = shared.new_context(n.max(64), n.max(64))?;
        let token = |id: u32| LlamaToken(id.cast_signed());
        let at = |i: usize| i32::try_from(i).unwrap_or(i32::MAX);
        let mut batch = LlamaBatch::new(prompt.len(), 1);
        for (i, &id) in prompt.iter().enumerate() {
            batch
                .add(token(id), at(i), &[0], i + 1 == prompt.len())
                .map_err(|e| Error::internal(format!("batching: {e}")))?;
        }
        let mut choices = Vec::with_capacity(continuation.len());
        let mut last = at(prompt.len() - 1);
        for (j, &id) in continuation.iter().enumerate() {
            context
                .decode(&mut batch)
                .map_err(|e| Error::internal(format!("decoding: {e}")))?;
            let logits = context.get_logits_ith(last);
            choices.push(
                logits
                    .iter()
                    .enumerate()
                    .max_by(|a, b| a.1.total_cmp(b.1))
                    .map_or(0, |(id, _)| u32::try_from(id).unwrap_or(u32::MAX)),
            );
            if j + 1 == continuation.len() {
                break;
            }
            batch.clear();
            batch
                .add(token(id), at(prompt.len() + j), &[0], true)
                .map_err(|e| Error::internal(format!("batching: {e}")))?;
            last = 0;
        }
        Ok(choices)
    }

    /// Checks the request, queues it, and returns the receiving end of its answer.
    fn enqueue(&self, request: ChatRequest) -> Result<tokio::sync::mpsc::Receiver<Result<Output>>> {
        if let Some(model) = request
            .model
            .as_deref()
            .filter(|m| !m.is_empty() && *m != self.id)
        {
            return Err(Error::invalid(
                "model",
                format!(
                    "`{model}` is not served here: the in-process model is `{}`",
                    self.id
                ),
            ));
        }
        if request.messages.is_empty() {
            return Err(Error::invalid("messages", "at least one message is needed"));
        }
        let prompt = self.tokens(&self.render(&request.messages)?);
        let room = (self.shared.context_length as usize).saturating_sub(prompt.len());
        if room == 0 {
            return Err(Error::invalid(
                "messages",
                format!(
                    "the prompt takes {} tokens; the model's context holds {}",
                    prompt.len(),
                    self.shared.context_length
                ),
            ));
        }
        let sampling = Sampling {
            temperature: request.temperature.unwrap_or(0.8),
            top_p: request.top_p.unwrap_or(0.95).clamp(0.0, 1.0),
            seed: request
                .seed
                .map_or_else(|| fastrand::u32(..), |s| (s & u64::from(u32::MAX)) as u32),
            max_tokens: request.max_tokens.map_or(room, |m| (m as usize).min(room)),
            stop: request.stop,
            json_schema: request.json_schema,
        };
        let (out, answer) = tokio::sync::mpsc::channel(64);
        match self.jobs.try_send(Job {
            prompt,
            sampling,
            out,
        }) {
            Ok(()) => Ok(answer),
            Err(TrySendError::Full(_)) => Err(failed(
                "busy: too many requests are waiting; try again shortly",
            )),
            Err(TrySendError::Disconnected(_)) => {
                Err(Error::internal("the model's workers have stopped"))
            }
        }
    }
}

#[async_trait]
impl ChatModel for GgufChatModel {
    async fn complete(&self, request: ChatRequest) -> Result<ChatResponse> {
        let mut answer = self.enqueue(request)?;
        let mut text = String::new();
        while let Some(output) = answer.recv().await {
            match output? {
                Output::Text(piece) => text.push_str(&piece),
                Output::Done {
                    usage,
                    finish_reason,
                } => {
                    return Ok(ChatResponse {
                        text,
                        model: self.id.clone(),
                        usage: Some(usage),
                        finish_reason: Some(finish_reason.to_owned()),
                    });
                }
            }
        }
        Err(Error::internal("the model's worker stopped mid-answer"))
    }

    async fn stream(&self, request: ChatRequest) -> Result<ChatStream> {
        let answer = self.enqueue(request)?;
        let events = futures::stream::unfold(answer, |mut answer| async move {
            let event = match answer.recv().await? {
                Ok(Output::Text(piece)) => Ok(ChatEvent::Token(piece)),
                Ok(Output::Done { usage, .. }) => Ok(ChatEvent::Usage(usage)),
                Err(e) => Err(e),
            };
            Some((event, answer))
        });
        Ok(events.boxed())
    }

    async fn list_models(&self) -> Result<Vec<ModelInfo>> {
        Ok(vec![ModelInfo {
            id: self.id.clone(),
            backend: BACKEND_NAME.to_owned(),
        }])
    }
}
