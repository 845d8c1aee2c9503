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
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::index::{KeywordIndex, VectorIndex};
use gantry_core::Result;
use gantry_core::index::IndexedItem;
use gantry_core::llm::Embedder;
use gantry_core::model::MessageRole;
use gantry_core::store::{Change, ChangeFeed, ChangeKind};
use tokio::sync::Notify;
use uuid::Uuid;

/// Changes fetched and applied per batch, by default: the store's largest page, so a
/// catch-up makes as few keyword-index commits as it can.
const BATCH: u32 = 500;
/// The most changes applied to the indexes in one step (one index commit).
pub const APPLY_CHANGES: usize = 5_000;
/// The most text gathered for one step, bounding the indexer's memory.
pub const APPLY_TEXT_BYTES: usize = 8 * 1024 * 1024;
/// The most of one item's text sent to the embedder. Embedding models read a few hundred
/// to a few thousand tokens and some servers refuse more; the keyword index keeps the whole.
pub const EMBED_TEXT_BYTES: usize = 8 * 1024;
/// What the embedder is asked when a batch fails, to tell "this input is refused" from
/// "the embedder is down".
const PROBE: &str = "ok";

/// The vector side: the index, the embedder for text without a stored embedding, and
/// where the index is saved.
#[derive(Clone)]
pub struct VectorSide {
    /// The index.
    pub index: Arc<dyn VectorIndex>,
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
    /// Items the embedder refused even alone (too long for it, say): keyword-searchable
    /// only, and logged with the reason.
    pub skipped: usize,
    /// The change number both indexes have now applied.
    pub applied_seq: i64,
}

/// Applies the store's change feed to a vector index, a keyword index, or both.
pub struct Indexer {
    store: Arc<dyn ChangeFeed>,
    vectors: Option<VectorSide>,
    keywords: Option<Arc<dyn KeywordIndex>>,
    batch: u32,
    /// Serialises steps, so two callers never apply the same batch twice. Held for one
    /// step at a time, so a `sync` and the background task take turns.
    running: tokio::sync::Mutex<()>,
    nudge: Notify,
    /// Items skipped by the vector side since start (see [`CatchUp::skipped`]).
    skipped: AtomicU64,
    /// The name this indexer's position is recorded under in the store, so compaction
    /// keeps the tombstones it has not applied (several instances on one database).
    follower: Option<String>,
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
            skipped: AtomicU64::new(0),
            follower: None,
        }
    }

    /// Records this indexer's position in the store under `name` whenever it saves, so
    /// the store keeps every tombstone it has not applied yet (see
    /// `ChangeFeed::record_follower`).
    pub fn with_follower(mut self, name: impl Into<String>) -> Self {
        self.follower = Some(name.into());
        self
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
        self.run(i64::MAX, usize::MAX).await
    }

    /// Like [`Self::catch_up`], but stops after about `limit` changes.
    pub async fn catch_up_at_most(&self, limit: usize) -> Result<CatchUp> {
        self.run(i64::MAX, limit).await
    }

    /// Applies the changes up to the store's latest change number as of this call, not
    /// the writes that arrive meanwhile: a caller waits for what it wrote, never for a
    /// stream of other users' writes.
    pub async fn sync(&self) -> Result<CatchUp> {
        let target = self.store.latest_seq().await?;
        self.run(target, usize::MAX).await
    }

    /// Items the embedder refused since this indexer started.
    pub fn skipped(&self) -> u64 {
        self.skipped.load(Ordering::Relaxed)
    }

    /// Empties every index that has applied changes the store does not have (the store
    /// was restored from a backup, or a database swapped under the same data directory),
    /// so it is rebuilt from the store; otherwise new writes would reuse change numbers
    /// the index believes applied and never be indexed. Returns whether it emptied any.
    pub async fn reconcile(&self) -> Result<bool> {
        let _one_at_a_time = self.running.lock().await;
        let latest = self.store.latest_seq().await?;
        let mut emptied = false;
        if let Some(side) = &self.vectors {
            let applied = side.index.applied_seq().await?;
            if applied > latest {
                tracing::warn!(
                    applied,
                    latest,
                    "the vector index is ahead of the store; rebuilding it"
                );
                side.index.clear().await?;
                emptied = true;
            }
        }
        if let Some(index) = &self.keywords {
            let applied = index.applied_seq().await?;
            if applied > latest {
                tracing::warn!(
                    applied,
                    latest,
                    "the keyword index is ahead of the store; rebuilding it"
                );
                index.clear().await?;
                emptied = true;
            }
        }
        Ok(emptied)
    }

    /// Steps until the indexes have applied `target` (or the store has nothing newer), or
    /// about `limit` changes were applied.
    async fn run(&self, target: i64, limit: usize) -> Result<CatchUp> {
        let mut report = CatchUp::default();
        loop {
            let step = {
                let _one_at_a_time = self.running.lock().await;
                self.step(target, limit.saturating_sub(report.changes), &mut report)
                    .await?
            };
            if !step || report.changes >= limit {
                return Ok(report);
            }
        }
    }

    /// Applies one gathered batch; `false` when there was nothing to apply. Keywords go
    /// first: they need no model, so an embedder that is down or refuses an item never
    /// holds back keyword search or deletions.
    async fn step(&self, target: i64, at_most: usize, report: &mut CatchUp) -> Result<bool> {
        let vector_seq = match &self.vectors {
            Some(side) => Some(side.index.applied_seq().await?),
            None => None,
        };
        let keyword_seq = match &self.keywords {
            Some(index) => Some(index.applied_seq().await?),
            None => None,
        };
        let Some(from) = vector_seq.into_iter().chain(keyword_seq).min() else {
            return Ok(false);
        };
        report.applied_seq = from;
        if from >= target || at_most == 0 {
            return Ok(false);
        }
        let changes = self.gather(from, at_most).await?;
        let Some(last) = changes.iter().map(Change::seq).max() else {
            return Ok(false);
        };
        if let (Some(index), Some(seq)) = (&self.keywords, keyword_seq) {
            apply_keywords(index.as_ref(), &changes, seq, last).await?;
        }
        if let (Some(side), Some(seq)) = (&self.vectors, vector_seq) {
            let (embedded, skipped) = apply_vectors(side, &changes, seq, last).await?;
            report.embedded += embedded;
            report.skipped += skipped;
            self.skipped.fetch_add(skipped as u64, Ordering::Relaxed);
        }
        report.changes += changes.len();
        report.applied_seq = last;
        Ok(true)
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

    /// Saves the vector index to its file (if it has one), records the position every
    /// index has durably applied (as a follower, when named), then lets the store forget
    /// the tombstones no live follower still needs.
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
            if let Some(name) = &self.follower {
                self.store.record_follower(name, durable).await?;
            }
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
    /// embedding backend down, say) are logged and retried on the next round; a panic
    /// (a bug in an index library, say) is logged and the loop started again, so indexing
    /// never silently stops.
    pub fn spawn(
        self: &Arc<Self>,
        every: Duration,
        save_every: Duration,
    ) -> tokio::task::JoinHandle<()> {
        let this = Arc::clone(self);
        tokio::spawn(async move {
            loop {
                // Aborted with this task when Gantry closes (a plain handle would detach).
                let round = tokio_util::task::AbortOnDropHandle::new(tokio::spawn(
                    Arc::clone(&this).follow(every, save_every),
                ));
                match round.await {
                    Err(error) if error.is_panic() => {
                        tracing::error!(%error, "the background indexer panicked; restarting it");
                        tokio::time::sleep(every.min(Duration::from_secs(1))).await;
                    }
                    // Cancelled: the runtime is shutting down.
                    _ => return,
                }
            }
        })
    }

    async fn follow(self: Arc<Self>, every: Duration, save_every: Duration) {
        let mut last_save = Instant::now();
        let mut unsaved = false;
        loop {
            tokio::select! {
                () = self.nudge.notified() => {}
                () = tokio::time::sleep(every) => {}
            }
            match self.catch_up().await {
                Ok(report) => unsaved |= report.changes > 0,
                Err(error) => tracing::warn!(%error, "indexing failed; retrying later"),
            }
            if unsaved && last_save.elapsed() >= save_every {
                match self.save().await {
                    Ok(()) => unsaved = false,
                    Err(error) => tracing::warn!(%error, "saving the vector index failed"),
                }
                last_save = Instant::now();
            }
        }
    }
}

/// Applies the changes after `applied` to the vector index; returns how many texts it
/// embedded and how many it skipped because the embedder refused them.
async fn apply_vectors(
    side: &VectorSide,
    changes: &[Change],
    applied: i64,
    last: i64,
) -> Result<(usize, usize)> {
    if last <= applied {
        return Ok((0, 0));
    }
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
            Some((item, text, _)) => to_embed.push((
                item,
                text[..text.floor_char_boundary(EMBED_TEXT_BYTES)].to_owned(),
            )),
        }
    }
    let embedded = to_embed.len();
    let mut skipped = 0;
    if !to_embed.is_empty() {
        let texts: Vec<String> = to_embed.iter().map(|(_, t)| t.clone()).collect();
        match embed_checked(side, &texts).await {
            Ok(vectors) => ready.extend(to_embed.into_iter().map(|(item, _)| item).zip(vectors)),
            Err(error) if is_transient(&error) => return Err(error),
            Err(error) => {
                // Something in the batch was refused. If the embedder answers a probe, it
                // is up: embed one by one and skip what it refuses; otherwise retry later.
                embed_checked(side, &[PROBE.to_owned()])
                    .await
                    .map_err(|probe| {
                        tracing::warn!(%error, %probe, "the embedder fails; vector indexing waits");
                        probe
                    })?;
                for (item, text) in to_embed {
                    match embed_checked(side, std::slice::from_ref(&text)).await {
                        Ok(mut vector) => ready.extend(vector.pop().map(|v| (item, v))),
                        Err(error) if is_transient(&error) => return Err(error),
                        Err(error) => {
                            tracing::warn!(
                                item = %item.id, owner = %item.owner_id, bytes = text.len(), %error,
                                "the embedder refused an item; it is found by keywords only"
                            );
                            skipped += 1;
                        }
                    }
                }
            }
        }
    }
    side.index.apply(ready, &removals, last).await?;
    Ok((embedded - skipped, skipped))
}

/// Embeds `texts`, checking that one vector of the right length came back for each.
async fn embed_checked(side: &VectorSide, texts: &[String]) -> Result<Vec<Vec<f32>>> {
    let vectors = side.embedder.embed(texts).await?;
    let dimension = side.index.dimension();
    if vectors.len() != texts.len() || vectors.iter().any(|v| v.len() != dimension) {
        return Err(gantry_core::Error::Protocol {
            backend: gantry_core::Backend::Component("embedder"),
            what: format!(
                "{} vectors of {dimension} numbers expected, {} came",
                texts.len(),
                vectors.len()
            ),
        });
    }
    Ok(vectors)
}

/// Errors after which trying again later, unchanged, is the right thing.
fn is_transient(error: &gantry_core::Error) -> bool {
    matches!(
        error,
        gantry_core::Error::Unavailable { .. }
            | gantry_core::Error::TimedOut { .. }
            | gantry_core::Error::RateLimited { .. }
    )
}

/// Applies the changes after `applied` to the keyword index.
async fn apply_keywords(
    index: &dyn KeywordIndex,
    changes: &[Change],
    applied: i64,
    last: i64,
) -> Result<()> {
    if last <= applied {
        return Ok(());
    }
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
