//! all-MiniLM-L6-v2 in process: 384-dimensional sentence embeddings with no server.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use gantry_core::llm::Embedder;
use gantry_core::{Error, Result};
use tokenizers::{Tokenizer, TruncationParams};

use super::bert::{Bert, BertConfig, mean_pool_normalised};

/// Vectors tagged with the position of their text in the input.
type Indexed = Vec<(usize, Vec<f32>)>;

/// The files a model directory must hold.
const REQUIRED_FILES: [&str; 3] = ["config.json", "tokenizer.json", "model.safetensors"];

/// How the embedder batches its work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MiniLmOptions {
    /// Longest input in tokens; longer texts are truncated (the model was trained on 256).
    pub max_tokens: usize,
    /// Most texts in one forward pass. Texts are sorted by length first, so a batch pads
    /// only to its own longest text.
    pub batch_size: usize,
    /// Batches embedded at once, each on its own thread (default: the number of cores).
    pub threads: usize,
}

impl Default for MiniLmOptions {
    fn default() -> Self {
        Self {
            max_tokens: 256,
            batch_size: 16,
            threads: std::thread::available_parallelism().map_or(1, usize::from),
        }
    }
}

struct Inner {
    model: Bert,
    tokenizer: Tokenizer,
    device: Device,
    options: MiniLmOptions,
    model_id: String,
}

/// The all-MiniLM-L6-v2 sentence embedder (or any BERT sentence model in the same layout:
/// `config.json`, `tokenizer.json`, `model.safetensors`), mean-pooled over real tokens and
/// L2-normalised. Runs on the CPU; `embed` works on a blocking thread.
#[derive(Clone)]
pub struct MiniLmEmbedder {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for MiniLmEmbedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MiniLmEmbedder")
            .field("model_id", &self.inner.model_id)
            .field("options", &self.inner.options)
            .finish()
    }
}

fn model_error(dir: &Path, what: impl std::fmt::Display) -> Error {
    Error::invalid("model_dir", format!("{}: {what}", dir.display()))
}

impl MiniLmEmbedder {
    /// Loads the model in `dir` with default options.
    pub fn load(dir: impl AsRef<Path>) -> Result<Self> {
        Self::load_with(dir, MiniLmOptions::default())
    }

    /// Loads the model in `dir`. A missing directory or file is an error naming the path.
    pub fn load_with(dir: impl AsRef<Path>, options: MiniLmOptions) -> Result<Self> {
        let dir = dir.as_ref();
        if !dir.is_dir() {
            return Err(model_error(dir, "is not a directory"));
        }
        for file in REQUIRED_FILES {
            if !dir.join(file).is_file() {
                return Err(model_error(dir, format!("missing {file}")));
            }
        }
        if options.batch_size == 0 || options.max_tokens < 2 {
            return Err(Error::invalid(
                "options",
                "batch_size must be at least 1 and max_tokens at least 2",
            ));
        }
        let path = |f: &str| -> PathBuf { dir.join(f) };
        let config: BertConfig = serde_json::from_slice(
            &std::fs::read(path("config.json")).map_err(|e| model_error(dir, e))?,
        )
        .map_err(|e| model_error(dir, format!("config.json: {e}")))?;
        let mut tokenizer = Tokenizer::from_file(path("tokenizer.json"))
            .map_err(|e| model_error(dir, format!("tokenizer.json: {e}")))?;
        // The shipped tokenizer pads everything to 128 tokens; padding per batch is ours.
        let max_tokens = options.max_tokens.min(config.max_position_embeddings);
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: max_tokens,
                ..TruncationParams::default()
            }))
            .map_err(|e| model_error(dir, format!("tokenizer.json: {e}")))?;
        let device = Device::Cpu;
        let weights = std::fs::read(path("model.safetensors")).map_err(|e| model_error(dir, e))?;
        let vb = VarBuilder::from_buffered_safetensors(weights, DType::F32, &device)
            .map_err(|e| model_error(dir, format!("model.safetensors: {e}")))?;
        let model = Bert::load(vb, &config)
            .map_err(|e| model_error(dir, format!("model.safetensors: {e}")))?;
        let name = dir
            .file_name()
            .map_or_else(|| "bert".to_owned(), |n| n.to_string_lossy().into_owned());
        Ok(Self {
            inner: Arc::new(Inner {
                model_id: format!("local:{name}:{}", model.hidden_size),
                model,
                tokenizer,
                device,
                options: MiniLmOptions {
                    max_tokens,
                    ..options
                },
            }),
        })
    }

    /// Embeds on the calling thread (use [`Embedder::embed`] from async code).
    pub fn embed_blocking(&self, texts: &[String]) -> Result<Vec<Vec<f32>>> {
        let inner = &*self.inner;
        let encodings = inner
            .tokenizer
            .encode_batch(texts.iter().map(String::as_str).collect::<Vec<_>>(), true)
            .map_err(|e| Error::internal_from("tokenizing", e))?;
        // Longest first, so batches hold texts of similar length and pad little.
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(encodings[i].get_ids().len()));
        let batches: Vec<&[usize]> = order.chunks(inner.options.batch_size).collect();
        // Two workers take alternate batches: candle runs its element-wise operations on
        // one thread, so a second batch in flight keeps both cores busy.
        let workers = inner.options.threads.clamp(1, batches.len().max(1));
        let results: Vec<candle_core::Result<Indexed>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..workers)
                .map(|w| {
                    let batches = &batches;
                    let encodings = &encodings;
                    scope.spawn(move || {
                        let mut done = Vec::new();
                        for batch in batches.iter().skip(w).step_by(workers) {
                            let len = batch
                                .iter()
                                .map(|&i| encodings[i].get_ids().len())
                                .max()
                                .unwrap_or(0)
                                .max(1);
                            let mut ids = vec![0u32; batch.len() * len];
                            let mut mask = vec![0u32; batch.len() * len];
                            for (row, &i) in batch.iter().enumerate() {
                                let tokens = encodings[i].get_ids();
                                ids[row * len..row * len + tokens.len()].copy_from_slice(tokens);
                                mask[row * len..row * len + tokens.len()].fill(1);
                            }
                            let vectors = self.forward(ids, mask, batch.len(), len)?;
                            done.extend(batch.iter().copied().zip(vectors));
                        }
                        Ok(done)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(candle_core::Error::Msg("embedding worker panicked".into()))
                    })
                })
                .collect()
        });
        let mut out = vec![Vec::new(); texts.len()];
        for result in results {
            for (i, vector) in result.map_err(|e| Error::internal_from("embedding", e))? {
                out[i] = vector;
            }
        }
        Ok(out)
    }

    fn forward(
        &self,
        ids: Vec<u32>,
        mask: Vec<u32>,
        rows: usize,
        len: usize,
    ) -> candle_core::Result<Vec<Vec<f32>>> {
        let device = &self.inner.device;
        let ids = Tensor::from_vec(ids, (rows, len), device)?;
        let mask = Tensor::from_vec(mask, (rows, len), device)?;
        let hidden = self.inner.model.forward(&ids, &mask)?;
        mean_pool_normalised(&hidden, &mask)?.to_vec2::<f32>()
    }
}

#[async_trait]
impl Embedder for MiniLmEmbedder {
    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let this = self.clone();
        let texts = texts.to_vec();
        tokio::task::spawn_blocking(move || this.embed_blocking(&texts))
            .await
            .map_err(|e| Error::internal_from("the embedding task failed", e))?
    }

    fn dimension(&self) -> usize {
        self.inner.model.hidden_size
    }

    fn model_id(&self) -> &str {
        &self.inner.model_id
    }
}
