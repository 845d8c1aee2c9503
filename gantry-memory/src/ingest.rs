//! Documents into the store: extract the text, chunk it, embed and save the chunks in
//! bounded batches, and move the document to `ready`, or to `failed` with a reason a
//! person understands.
//!
//! Memory stays bounded whatever the file: the extracted text is capped by
//! [`ExtractLimits`], chunks are produced lazily on a blocking thread and handed over
//! through a small channel, and at most one batch of chunks and their vectors is held at a
//! time. Each batch is saved in one transaction; an embedding failure part-way removes the
//! chunks already saved and marks the document failed, so it is never left half-indexed.
//!
//! A PDF is chunked page by page, so each chunk lies on one page and its citation can say
//! which; a Markdown chunk carries its section's heading path.

use std::ops::Range;

use gantry_core::ids::{DocumentId, UserId};
use gantry_core::llm::Embedder;
use gantry_core::model::{Document, DocumentStatus, NewChunk};
use gantry_core::store::DocumentStore;
use gantry_core::{Error, Result};

use crate::chunk::{ChunkOptions, TextChunk, chunks};
use crate::extract::{ExtractLimits, Extracted, FileKind, extract_with};

/// How a document is read and cut up.
#[derive(Clone, Debug, Default)]
pub struct IngestOptions {
    /// Size and time budgets for reading the file.
    pub limits: ExtractLimits,
    /// The program that reads PDFs in a separate process; `None` finds one
    /// ([`find_reader`](crate::find_reader)).
    pub reader: Option<std::path::PathBuf>,
    /// Chunk size and overlap; `None` picks by file kind (Markdown-aware for .md).
    pub chunking: Option<ChunkOptions>,
}

/// Chunks embedded and saved together.
const BATCH: usize = 64;

/// Ingests `bytes` (an upload named `filename`) into `document`, which the caller created
/// as `processing`. Returns the document as it ends: `ready`, or `failed` with the reason
/// (unreadable file, no text, embedding failed). Only a store failure is an error.
pub async fn ingest(
    store: &dyn DocumentStore,
    embedder: Option<&dyn Embedder>,
    owner: UserId,
    document: DocumentId,
    filename: &str,
    bytes: Vec<u8>,
    options: &IngestOptions,
) -> Result<Document> {
    // Fails early (NotFound) for another user's document, before any work.
    store.document(owner, document).await?;
    let reader = options.reader.as_deref();
    let extracted = match extract_with(filename, bytes, options.limits, reader).await {
        Ok(extracted) => extracted,
        Err(error) => {
            return fail(store, owner, document, error.to_string()).await;
        }
    };
    let chunking = options
        .chunking
        .unwrap_or_else(|| ChunkOptions::for_kind(extracted.kind));
    chunking.validate()?;
    let kind = extracted.kind;
    match save_chunks(store, embedder, owner, document, extracted, chunking).await {
        Ok(0) => fail(store, owner, document, no_text(kind)).await,
        Ok(_) => {
            store
                .set_document_status(owner, document, DocumentStatus::Ready, None)
                .await
        }
        Err(Failure::Store(error)) => Err(error),
        Err(Failure::Embedding(error)) => {
            store.delete_chunks(owner, document).await?;
            let reason = format!("the text could not be embedded ({error}); upload it again");
            fail(store, owner, document, reason).await
        }
    }
}

fn no_text(kind: FileKind) -> String {
    format!("the {} holds no text", kind.label())
}

async fn fail(
    store: &dyn DocumentStore,
    owner: UserId,
    document: DocumentId,
    reason: String,
) -> Result<Document> {
    store
        .set_document_status(owner, document, DocumentStatus::Failed, Some(reason))
        .await
}

enum Failure {
    Store(Error),
    Embedding(Error),
}

/// A chunk and the page it lies on.
type Placed = (TextChunk, Option<u32>);

/// The parts of the text chunked apart: each page of a paged text (so every chunk lies on
/// one page, which its citation can name), else the whole text.
fn sections(extracted: &Extracted) -> Vec<(Range<usize>, Option<u32>)> {
    if extracted.pages.is_empty() {
        return vec![(0..extracted.text.len(), None)];
    }
    let ends = extracted.pages.iter().skip(1).map(|page| page.offset);
    extracted
        .pages
        .iter()
        .zip(ends.chain([extracted.text.len()]))
        .map(|(page, end)| (page.offset..end, Some(page.number)))
        .collect()
}

/// Chunks the text on a blocking thread and saves the chunks batch by batch; returns how
/// many.
async fn save_chunks(
    store: &dyn DocumentStore,
    embedder: Option<&dyn Embedder>,
    owner: UserId,
    document: DocumentId,
    extracted: Extracted,
    chunking: ChunkOptions,
) -> std::result::Result<usize, Failure> {
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Placed>(BATCH * 2);
    let producer = tokio::task::spawn_blocking(move || -> Result<()> {
        let mut ordinal = 0;
        for (range, page) in sections(&extracted) {
            for mut chunk in chunks(&extracted.text[range], &chunking)? {
                chunk.ordinal = ordinal;
                ordinal += 1;
                if sender.blocking_send((chunk, page)).is_err() {
                    return Ok(()); // the consumer gave up
                }
            }
        }
        Ok(())
    });
    let mut saved = 0;
    let mut batch: Vec<Placed> = Vec::with_capacity(BATCH);
    loop {
        let next = receiver.recv().await;
        let done = next.is_none();
        if let Some(chunk) = next {
            batch.push(chunk);
        }
        if batch.len() == BATCH || (done && !batch.is_empty()) {
            saved +=
                save_batch(store, embedder, owner, document, std::mem::take(&mut batch)).await?;
        }
        if done {
            break;
        }
    }
    producer
        .await
        .map_err(|e| Failure::Store(Error::internal_from("chunking stopped", e)))?
        .map_err(Failure::Store)?;
    Ok(saved)
}

async fn save_batch(
    store: &dyn DocumentStore,
    embedder: Option<&dyn Embedder>,
    owner: UserId,
    document: DocumentId,
    batch: Vec<Placed>,
) -> std::result::Result<usize, Failure> {
    let vectors = match embedder {
        Some(embedder) => {
            let texts: Vec<String> = batch.iter().map(|(c, _)| c.text.clone()).collect();
            let vectors = embedder.embed(&texts).await.map_err(Failure::Embedding)?;
            if vectors.len() != batch.len() {
                return Err(Failure::Embedding(Error::internal(format!(
                    "{} vectors for {} texts",
                    vectors.len(),
                    batch.len()
                ))));
            }
            vectors.into_iter().map(Some).collect()
        }
        None => vec![None; batch.len()],
    };
    let new: Vec<NewChunk> = batch
        .into_iter()
        .zip(vectors)
        .map(|((chunk, page), embedding)| NewChunk {
            ordinal: chunk.ordinal,
            text: chunk.text,
            token_count: chunk.token_count,
            embedding,
            heading: chunk.heading,
            page,
        })
        .collect();
    let n = new.len();
    store
        .add_chunks(owner, document, new)
        .await
        .map_err(Failure::Store)?;
    Ok(n)
}
