//! Keeps the derived indexes in step with the store.
//!
//! The SQL store is the truth; the vector and keyword indexes are caches of it. Each index
//! records the last change-feed number it applied, so the indexer asks the store only for
//! what came after (`ChangeFeed::changes_since`) and applies it batch by batch, each batch
//! together with its number. An index that lost its files, or whose files were damaged or
//! built with another embedder, starts at 0 and is rebuilt by the same replay. Nothing a
//! user was told is saved can be lost: at worst it is indexed again.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::index::{KeywordIndex, VectorIndex};
use gantry_core::Result;
use gantry_core::index::IndexedItem;
use gantry_core::llm::Embedder;
use gantry_core::model::MessageRole;
use gantry_core::store::{Change, ChangeFeed, ChangeKind};
use tokio::sync::Notify;
use uuid::Uuid;

use crate::hnsw::HnswIndex;

/// Changes fetched and applied per batch, by default: the store's largest page, so a
/// catch-up makes as few keyword-index commits as it can.
const BATCH: u32 = 500;
/// The most changes applied to the indexes in one step (one index commit).
pub const APPLY_CHANGES: usize = 5_000;
/// The most text gathered for one step, bounding the indexer's memory.
pub const APPLY_TEXT_BYTES: usize = 8 * 1024 * 1024;

/// The vector side: the index, the embedder for text without a stored embedding, and
/// where the index is saved.
#[derive(Clone)]
pub struct VectorSide {
    /// The index.
    pub index: Arc<HnswIndex>,
    /// Embeds messages (and chunks stored without an embedding).
    pub embedder: Arc<dyn Embedder>,
    /// Where [`Indexer::save`] writes the index, if anywhere.
    pub path: Option<PathBuf>,
}

impl std::fmt::Debug for VectorSide {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VectorSide")
            .field("index", &self.index)
            .field("embedder", &self.embedder.model_id())
            .field("path", &self.path)
            .finish()
    }
}

/// What one catch-up did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CatchUp {
    /// Changes read from the store.
    pub changes: usize,
    /// Texts embedded for the vector index.
    pub embedded: usize,
    /// The change number both indexes have now applied.
    pub applied_seq: i64,
}

/// Applies the store's change feed to a vector index, a keyword index, or both.
pub struct Indexer {
    store: Arc<dyn ChangeFeed>,
    vectors: Option<VectorSide>,
    keywords: Option<Arc<dyn KeywordIndex>>,
    batch: u32,
    /// Serialises catch-ups, so two callers never apply the same batch twice.
    running: tokio::sync::Mutex<()>,
    nudge: Notify,
}

impl std::fmt::Debug for Indexer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Indexer")
            .field("vectors", &self.vectors)
            .field("keywords", &self.keywords.is_some())
            .finish_non_exhaustive()
    }
}

/// The text of a change as the indexes see it; `None` removes the item.
fn indexed_text(change: &Change) -> Option<(IndexedItem, &str, Option<&[f32]>)> {
    match change {
        Change::Message { message, .. } => {
            let text = message.content.trim();
            (message.role != MessageRole::System && !text.is_empty()).then_some((
                IndexedItem {
                    id: message.id.as_uuid(),
                    owner_id: message.owner_id,
                    kind: ChangeKind::Message,
                    parent_id: message.conversation_id.as_uuid(),
                },
                text,
                None,
            ))
        }
        Change::Chunk { chunk, .. } => Some((
            IndexedItem {
                id: chunk.id.as_uuid(),
                owner_id: chunk.owner_id,
                kind: ChangeKind::Chunk,
                parent_id: chunk.document_id.as_uuid(),
            },
            chunk.text.as_str(),
            chunk.embedding.as_deref(),
        )),
        Change::Deleted { .. } => None,
    }
}

/// The text a change carries, for the memory bound.
fn change_bytes(change: &Change) -> usize {
    match change {
        Change::Message { message, .. } => message.content.len(),
        Change::Chunk { chunk, .. } => chunk.text.len(),
        Change::Deleted { .. } => 0,
    }
}

fn change_id(change: &Change) -> Uuid {
    match change {
        Change::Message { message, .. } => message.id.as_uuid(),
        Change::Chunk { chunk, .. } => chunk.id.as_uuid(),
        Change::Deleted { id, .. } => *id,
    }
}

impl Indexer {
    /// An indexer feeding `vectors` and/or `keywords` from `store`.
    pub fn new(
        store: Arc<dyn ChangeFeed>,
        vectors: Option<VectorSide>,
        keywords: Option<Arc<dyn KeywordIndex>>,
    ) -> Self {
        Self {
            store,
            vectors,
            keywords,
            batch: BATCH,
            running: tokio::sync::Mutex::new(()),
            nudge: Notify::new(),
        }
    }

    /// Sets how many changes are fetched, embedded and applied at a time (1 to 500, the
    /// store's largest page).
    pub fn with_batch(mut self, batch: u32) -> Self {
        self.batch = batch.clamp(1, 500);
        self
    }

    /// The vector side, if any.
    pub fn vectors(&self) -> Option<&VectorSide> {
        self.vectors.as_ref()
    }

    /// The keyword index, if any.
    pub fn keywords(&self) -> Option<&Arc<dyn KeywordIndex>> {
        self.keywords.as_ref()
    }

    /// Applies every change the store has that an index has not, and returns what it did.
    /// When it returns, everything written to the store before the call is searchable.
    pub async fn catch_up(&self) -> Result<CatchUp> {
        self.catch_up_at_most(usize::MAX).await
    }

    /// Like [`Self::catch_up`], but stops after about `limit` changes.
    pub async fn catch_up_at_most(&self, limit: usize) -> Result<CatchUp> {
        let _one_at_a_time = self.running.lock().await;
        let mut report = CatchUp::default();
        loop {
            let vector_seq = match &self.vectors {
                Some(side) => Some(side.index.applied_seq().await?),
                None => None,
            };
            let keyword_seq = match &self.keywords {
                Some(index) => Some(index.applied_seq().await?),
                None => None,
            };
            let from = vector_seq.into_iter().chain(keyword_seq).min();
            let Some(from) = from else {
                return Ok(report);
            };
            report.applied_seq = from;
            if report.changes >= limit {
                return Ok(report);
            }
            let changes = self.gather(from, limit - report.changes).await?;
            let Some(last) = changes.iter().map(Change::seq).max() else {
                return Ok(report);
            };
            if let (Some(side), Some(seq)) = (&self.vectors, vector_seq) {
                report.embedded += apply_vectors(side, &changes, seq, last).await?;
            }
            if let (Some(index), Some(seq)) = (&self.keywords, keyword_seq) {
                apply_keywords(index.as_ref(), &changes, seq, last).await?;
            }
            report.changes += changes.len();
            report.applied_seq = last;
        }
    }

    /// The changes after `from`, several pages of them while the pages come full, up to
    /// `at_most` (and [`APPLY_CHANGES`]) changes or [`APPLY_TEXT_BYTES`] of text: each application costs an
    /// index commit, so fewer, larger ones index faster, and the text cap bounds memory.
    /// A row rewritten between two pages appears once, at its latest number.
    async fn gather(&self, from: i64, at_most: usize) -> Result<Vec<Change>> {
        let most = at_most.min(APPLY_CHANGES);
        let mut changes = self.store.changes_since(from, self.batch).await?;
        let mut page = changes.len();
        let mut text: usize = changes.iter().map(change_bytes).sum();
        while page == self.batch as usize && changes.len() < most && text < APPLY_TEXT_BYTES {
            let after = changes.last().map_or(from, Change::seq);
            let more = self.store.changes_since(after, self.batch).await?;
            page = more.len();
            text += more.iter().map(change_bytes).sum::<usize>();
            changes.extend(more);
        }
        if changes.len() > self.batch as usize {
            let mut latest: HashMap<Uuid, i64> = HashMap::with_capacity(changes.len());
            for change in &changes {
                latest.insert(change_id(change), change.seq());
            }
            changes.retain(|c| latest.get(&change_id(c)) == Some(&c.seq()));
        }
        Ok(changes)
    }

    /// Saves the vector index to its file (if it has one), then lets the store forget the
    /// tombstones every index has durably applied.
    pub async fn save(&self) -> Result<()> {
        let mut durable = i64::MAX;
        if let Some(side) = self.vectors.clone() {
            durable = side.index.applied_seq().await?;
            if let Some(path) = side.path.clone() {
                let embedder = side.embedder.model_id().to_owned();
                durable = tokio::task::spawn_blocking(move || {
                    let snapshot = side.index.snapshot(&embedder);
                    snapshot.save(&path).map(|()| snapshot.applied_seq)
                })
                .await
                .map_err(|e| gantry_core::Error::internal_from("saving the vector index", e))??;
            }
        }
        if let Some(index) = &self.keywords {
            durable = durable.min(index.applied_seq().await?);
        }
        if durable != i64::MAX && durable > 0 {
            self.store.compact_tombstones(durable).await?;
        }
        Ok(())
    }

    /// Asks the background task (see [`Self::spawn`]) to catch up now.
    pub fn nudge(&self) {
        self.nudge.notify_one();
    }

    /// Follows the store in the background: catches up when nudged or every `every`, and
    /// saves the vector index at most every `save_every` while it changes. Failures (an
    /// embedding backend down, say) are logged and retried on the next round.
    pub fn spawn(
        self: &Arc<Self>,
        every: Duration,
        save_every: Duration,
    ) -> tokio::task::JoinHandle<()> {
        let this = Arc::clone(self);
        tokio::spawn(async move {
            let mut last_save = Instant::now();
            let mut unsaved = false;
            loop {
                tokio::select! {
                    () = this.nudge.notified() => {}
                    () = tokio::time::sleep(every) => {}
                }
                match this.catch_up().await {
                    Ok(report) => unsaved |= report.changes > 0,
                    Err(error) => tracing::warn!(%error, "indexing failed; retrying later"),
                }
                if unsaved && last_save.elapsed() >= save_every {
                    match this.save().await {
                        Ok(()) => unsaved = false,
                        Err(error) => tracing::warn!(%error, "saving the vector index failed"),
                    }
                    last_save = Instant::now();
                }
            }
        })
    }
}

/// Applies the changes after `applied` to the vector index; returns how many texts it embedded.
async fn apply_vectors(
    side: &VectorSide,
    changes: &[Change],
    applied: i64,
    last: i64,
) -> Result<usize> {
    let dimension = side.index.dimension();
    let mut removals = Vec::new();
    let mut ready: Vec<(IndexedItem, Vec<f32>)> = Vec::new();
    let mut to_embed: Vec<(IndexedItem, String)> = Vec::new();
    for change in changes.iter().filter(|c| c.seq() > applied) {
        match indexed_text(change) {
            None => removals.push(change_id(change)),
            Some((item, _, Some(vector))) if vector.len() == dimension => {
                ready.push((item, vector.to_vec()));
            }
            Some((item, text, _)) => to_embed.push((item, text.to_owned())),
        }
    }
    let embedded = to_embed.len();
    if !to_embed.is_empty() {
        let texts: Vec<String> = to_embed.iter().map(|(_, t)| t.clone()).collect();
        let vectors = side.embedder.embed(&texts).await?;
        ready.extend(to_embed.into_iter().map(|(item, _)| item).zip(vectors));
    }
    side.index.apply(ready, &removals, last).await?;
    Ok(embedded)
}

/// Applies the changes after `applied` to the keyword index.
async fn apply_keywords(
    index: &dyn KeywordIndex,
    changes: &[Change],
    applied: i64,
    last: i64,
) -> Result<()> {
    let mut removals = Vec::new();
    let mut upserts = Vec::new();
    for change in changes.iter().filter(|c| c.seq() > applied) {
        match indexed_text(change) {
            None => removals.push(change_id(change)),
            Some((item, text, _)) => upserts.push((item, text.to_owned())),
        }
    }
    index.apply(upserts, &removals, last).await
}
