//! The approximate index: a hierarchical navigable small-world graph (hnsw_rs).
//!
//! Layout: the unit f32 vectors live in one contiguous array owned by this index (for exact
//! re-scoring, exact scans of small filtered sets, snapshots and rebuilds); the graph holds
//! int8 codes of them (see [`crate::quant`]) and is walked on those. A search walks the
//! graph for `ef` candidates that pass the filter (inside the walk, through hnsw_rs's
//! filter), re-scores them exactly and keeps the best `k`. When the filter leaves only a
//! few thousand vectors (a user who owns little, one conversation or document), the search
//! scans them exactly instead: faster than a filtered graph walk there, and perfect recall.
//!
//! hnsw_rs cannot delete or update a point, so each id maps to a slot, a removed or
//! replaced slot becomes a tombstone that searches skip, and once tombstones pass a share
//! of the slots a background thread builds a fresh graph from the live vectors while the
//! old one keeps serving; writes made meanwhile are logged and replayed onto the new graph
//! before it is swapped in.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use parking_lot::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::index::VectorIndex;
use async_trait::async_trait;
use gantry_core::ids::UserId;
use gantry_core::index::{Hit, IndexedItem, SearchFilter};
use gantry_core::{Error, Result};
use hnsw_rs::hnsw::Hnsw;
use uuid::Uuid;

use crate::quant::{QuantisedCosine, quantise};
use crate::snapshot::Snapshot;
use crate::vector::{Allowed, TopK, check_dimension, dot, normalise};

/// Graph parameters. Defaults suit sentence embeddings of a few hundred dimensions:
/// `ef_construction` 100 builds much faster than 200, and with exact re-scoring
/// `ef_search` 64 still finds nearly all of the true top 10 (figures in BENCHMARKS.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HnswParams {
    /// Neighbours kept per node and layer (hnsw_rs's `max_nb_connection`), 2 to 256.
    pub m: usize,
    /// Candidates explored while inserting.
    pub ef_construction: usize,
    /// Candidates explored (and re-scored) while searching; at least k is used.
    pub ef_search: usize,
    /// Rebuild once tombstones exceed this share of slots, in percent.
    pub rebuild_percent: usize,
    /// A search whose filter leaves at most this many vectors scans them exactly.
    pub exact_below: usize,
}

impl Default for HnswParams {
    fn default() -> Self {
        Self {
            m: 16,
            ef_construction: 100,
            ef_search: 64,
            rebuild_percent: 25,
            exact_below: 2_000,
        }
    }
}

impl HnswParams {
    /// Checks the parameters before hnsw_rs sees them (it exits the process for m > 256).
    pub fn validate(&self) -> Result<()> {
        if !(2..=256).contains(&self.m) {
            return Err(Error::invalid(
                "m",
                format!("must be 2 to 256, got {}", self.m),
            ));
        }
        if !(1..=10_000).contains(&self.ef_construction) {
            return Err(Error::invalid("ef_construction", "must be 1 to 10,000"));
        }
        if !(1..=10_000).contains(&self.ef_search) {
            return Err(Error::invalid("ef_search", "must be 1 to 10,000"));
        }
        if !(1..=100).contains(&self.rebuild_percent) {
            return Err(Error::invalid("rebuild_percent", "must be 1 to 100"));
        }
        if self.exact_below > 1_000_000 {
            return Err(Error::invalid("exact_below", "must be at most 1,000,000"));
        }
        Ok(())
    }
}

/// The slots of one owner or parent, dead ones included until the next rebuild.
#[derive(Debug, Default)]
struct Members {
    slots: Vec<usize>,
    live: usize,
}

struct Graph {
    hnsw: Hnsw<'static, i8, QuantisedCosine>,
    /// Unit vectors, slot after slot.
    vectors: Vec<f32>,
    /// Slot -> item; `None` for a tombstone.
    slots: Vec<Option<IndexedItem>>,
    by_id: HashMap<Uuid, usize>,
    by_owner: HashMap<UserId, Members>,
    by_parent: HashMap<Uuid, Members>,
    tombstones: usize,
    applied_seq: i64,
    /// While a background rebuild runs: the writes to replay onto its graph.
    log: Option<Vec<Write>>,
}

/// Vectors inserted under one hold of the write lock: the longest a search waits behind a
/// bulk insert is one such slice (under 50 ms measured on 2 cores, `benches/contention.rs`;
/// 128 gave a 137 ms tail).
const INSERT_SLICE: usize = 32;

/// A write made while a rebuild was running.
enum Write {
    Upsert(Vec<IndexedItem>, Vec<Vec<f32>>),
    Remove(Vec<Uuid>),
}

impl Graph {
    fn new(params: &HnswParams, capacity: usize) -> Self {
        Self {
            hnsw: new_hnsw(params, capacity),
            vectors: Vec::new(),
            slots: Vec::new(),
            by_id: HashMap::new(),
            by_owner: HashMap::new(),
            by_parent: HashMap::new(),
            tombstones: 0,
            applied_seq: 0,
            log: None,
        }
    }

    /// A graph of `items` and their unit vectors (built on every core).
    fn build<V: AsRef<[f32]>>(params: &HnswParams, items: &[IndexedItem], vectors: &[V]) -> Self {
        let mut graph = Self::new(params, items.len());
        graph.upsert(items, vectors);
        graph
    }

    /// Adds items to the bookkeeping and the graph.
    fn upsert<V: AsRef<[f32]>>(&mut self, items: &[IndexedItem], vectors: &[V]) {
        let first = self.append(items, vectors);
        let codes: Vec<Vec<i8>> = vectors.iter().map(|v| quantise(v.as_ref())).collect();
        insert_codes(&mut self.hnsw, &codes, first);
    }

    fn remove(&mut self, ids: &[Uuid]) {
        for id in ids {
            if let Some(slot) = self.by_id.remove(id) {
                self.kill(slot);
            }
        }
    }

    /// Appends live items and their unit vectors to the bookkeeping (not the graph),
    /// turning any earlier slot of the same id into a tombstone. Returns the first slot.
    fn append<V: AsRef<[f32]>>(&mut self, items: &[IndexedItem], vectors: &[V]) -> usize {
        let first = self.slots.len();
        for (item, vector) in items.iter().zip(vectors) {
            let slot = self.slots.len();
            if let Some(old) = self.by_id.insert(item.id, slot) {
                self.kill(old);
            }
            self.slots.push(Some(*item));
            self.vectors.extend_from_slice(vector.as_ref());
            let owner = self.by_owner.entry(item.owner_id).or_default();
            owner.slots.push(slot);
            owner.live += 1;
            let parent = self.by_parent.entry(item.parent_id).or_default();
            parent.slots.push(slot);
            parent.live += 1;
        }
        first
    }

    fn kill(&mut self, slot: usize) {
        let Some(item) = self.slots.get_mut(slot).and_then(Option::take) else {
            return;
        };
        self.tombstones += 1;
        if let Some(owner) = self.by_owner.get_mut(&item.owner_id) {
            owner.live -= 1;
        }
        if let Some(parent) = self.by_parent.get_mut(&item.parent_id) {
            parent.live -= 1;
        }
    }

    fn vector(&self, slot: usize, dimension: usize) -> &[f32] {
        self.vectors
            .get(slot * dimension..(slot + 1) * dimension)
            .unwrap_or(&[])
    }

    /// The live items and their vectors, in slot order.
    fn live(&self, dimension: usize) -> (Vec<IndexedItem>, Vec<f32>) {
        let mut items = Vec::with_capacity(self.by_id.len());
        let mut vectors = Vec::with_capacity(self.by_id.len() * dimension);
        for (slot, item) in self.slots.iter().enumerate() {
            if let Some(item) = item {
                items.push(*item);
                vectors.extend_from_slice(self.vector(slot, dimension));
            }
        }
        (items, vectors)
    }
}

/// How [`HnswIndex::open`] found its saved file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Opened {
    /// Loaded; the changes after `applied_seq` remain to be replayed from the store.
    Loaded {
        /// The last change the file reflects.
        applied_seq: i64,
        /// Vectors loaded.
        vectors: usize,
    },
    /// Started empty, for this reason; the whole change feed is to be replayed.
    Empty {
        /// Why the file was not used.
        reason: String,
    },
}

/// The HNSW vector index, with owner, kind and parent filters applied inside the search.
pub struct HnswIndex {
    dimension: usize,
    params: HnswParams,
    /// The current `ef_search`, adjustable while serving.
    ef_search: AtomicUsize,
    graph: Arc<RwLock<Graph>>,
    /// The background rebuild, if one was started.
    rebuilder: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl std::fmt::Debug for HnswIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HnswIndex")
            .field("dimension", &self.dimension)
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

fn new_hnsw(params: &HnswParams, capacity: usize) -> Hnsw<'static, i8, QuantisedCosine> {
    let mut hnsw = Hnsw::new(
        params.m,
        capacity.max(1_000),
        16,
        params.ef_construction,
        QuantisedCosine,
    );
    hnsw.set_searching_mode(true);
    hnsw
}

/// Adds slots `first..` to the graph, on every core for a batch.
fn insert_codes(hnsw: &mut Hnsw<'static, i8, QuantisedCosine>, codes: &[Vec<i8>], first: usize) {
    let batch: Vec<(&Vec<i8>, usize)> = codes
        .iter()
        .enumerate()
        .map(|(i, code)| (code, first + i))
        .collect();
    if batch.len() > 1 {
        hnsw.parallel_insert(&batch);
    } else if let Some((code, slot)) = batch.first() {
        hnsw.insert((code.as_slice(), *slot));
    }
    hnsw.set_searching_mode(true);
}

impl HnswIndex {
    /// An empty index of `dimension`-long vectors.
    pub fn new(dimension: usize, params: HnswParams) -> Result<Self> {
        params.validate()?;
        check_dimension(dimension)?;
        Ok(Self {
            dimension,
            params,
            ef_search: AtomicUsize::new(params.ef_search),
            graph: Arc::new(RwLock::new(Graph::new(&params, 0))),
            rebuilder: Mutex::new(None),
        })
    }

    /// An index holding a snapshot's vectors, its graph built before this returns (on
    /// every core; [`Self::open`] builds it in the background instead).
    pub fn from_snapshot(snapshot: Snapshot, params: HnswParams) -> Result<Self> {
        let index = Self::loading(snapshot, params)?;
        index.wait_for_rebuild();
        Ok(index)
    }

    /// Opens the index saved at `path` for vectors from `embedder`. A missing, damaged or
    /// foreign file (another embedder or dimension) gives an empty index and the reason:
    /// the store is the truth, and the caller replays its change feed from the start.
    /// Reading the file takes a moment (call it from a blocking thread); the graph, which
    /// takes seconds per 10,000 vectors to build, is built in the background (see
    /// [`Self::wait_for_rebuild`]), so a server starts answering at once.
    pub fn open(
        path: &Path,
        embedder: &str,
        dimension: usize,
        params: HnswParams,
    ) -> Result<(Self, Opened)> {
        params.validate()?;
        check_dimension(dimension)?;
        let reason = if path.exists() {
            match Snapshot::load(path) {
                Ok(snapshot) if snapshot.embedder != embedder => format!(
                    "it was built with the embedder {}, not {embedder}",
                    snapshot.embedder
                ),
                Ok(snapshot) if snapshot.dimension != dimension => format!(
                    "it holds {}-dimensional vectors, not {dimension}",
                    snapshot.dimension
                ),
                Ok(snapshot) => {
                    let opened = Opened::Loaded {
                        applied_seq: snapshot.applied_seq,
                        vectors: snapshot.items.len(),
                    };
                    return Ok((Self::loading(snapshot, params)?, opened));
                }
                Err(reason) => reason,
            }
        } else {
            return Ok((
                Self::new(dimension, params)?,
                Opened::Empty {
                    reason: "no saved index".into(),
                },
            ));
        };
        tracing::warn!(path = %path.display(), %reason, "vector index file not used; rebuilding from the store");
        Ok((Self::new(dimension, params)?, Opened::Empty { reason }))
    }

    /// Changes how many candidates a search explores: more is slower and finds more of
    /// the true nearest neighbours.
    pub fn set_ef_search(&self, ef_search: usize) -> Result<()> {
        HnswParams {
            ef_search,
            ..self.params
        }
        .validate()?;
        self.ef_search.store(ef_search, Ordering::Relaxed);
        Ok(())
    }

    /// Slots that are tombstones, awaiting a rebuild.
    pub fn tombstones(&self) -> usize {
        self.read().tombstones
    }

    /// Records that every change up to `seq` has been applied.
    pub fn set_applied_seq(&self, seq: i64) {
        self.write().applied_seq = seq;
    }

    /// Waits for a running background rebuild, if any, to be swapped in.
    pub fn wait_for_rebuild(&self) {
        let handle = self
            .rebuilder
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(handle) = handle
            && handle.join().is_err()
        {
            tracing::error!("the vector index rebuild failed; the old graph keeps serving");
            self.write().log = None;
        }
    }

    fn read(&self) -> RwLockReadGuard<'_, Graph> {
        self.graph.read()
    }

    fn write(&self) -> RwLockWriteGuard<'_, Graph> {
        self.graph.write()
    }

    /// Starts a background rebuild once tombstones pass the threshold (one at a time).
    fn maybe_rebuild(&self, graph: &mut Graph) {
        if graph.log.is_some() {
            let finished = self
                .rebuilder
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .as_ref()
                .is_some_and(std::thread::JoinHandle::is_finished);
            if !finished {
                return;
            }
            // It ended without swapping its graph in (it panicked): forget it, retry.
            graph.log = None;
        }
        if graph.tombstones == 0
            || graph.tombstones * 100 <= graph.slots.len() * self.params.rebuild_percent
        {
            return;
        }
        let mut rebuilder = self
            .rebuilder
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(done) = rebuilder.take()
            && done.join().is_err()
        {
            tracing::error!("an earlier vector index rebuild failed; starting another");
        }
        let (items, vectors) = graph.live(self.dimension);
        *rebuilder = Some(self.build_in_background(graph, items, vectors));
    }

    /// Builds a graph of `items` on a thread of its own while `graph` goes on serving and
    /// logging the writes made meanwhile; the new graph, with those writes replayed, then
    /// takes its place. Returns the thread, to keep in `rebuilder`.
    fn build_in_background(
        &self,
        graph: &mut Graph,
        items: Vec<IndexedItem>,
        vectors: Vec<f32>,
    ) -> std::thread::JoinHandle<()> {
        let d = self.dimension;
        graph.log = Some(Vec::new());
        let shared = Arc::clone(&self.graph);
        let params = self.params;
        std::thread::spawn(move || {
            let rows: Vec<&[f32]> = vectors.chunks_exact(d).collect();
            let mut fresh = Graph::build(&params, &items, &rows);
            let mut graph = shared.write();
            for logged in graph.log.take().unwrap_or_default() {
                match logged {
                    Write::Upsert(items, vectors) => fresh.upsert(&items, &vectors),
                    Write::Remove(ids) => fresh.remove(&ids),
                }
            }
            fresh.applied_seq = graph.applied_seq;
            *graph = fresh;
        })
    }

    /// An index that answers at once and builds the snapshot's graph in the background
    /// (seconds per 10,000 vectors): until it is swapped in, searches see only what was
    /// written since, and the writes are replayed onto it. It resumes the change feed
    /// after the snapshot's position either way.
    fn loading(snapshot: Snapshot, params: HnswParams) -> Result<Self> {
        let index = Self::new(snapshot.dimension, params)?;
        if snapshot.vectors.len() != snapshot.items.len() * snapshot.dimension {
            return Err(Error::invalid(
                "snapshot",
                "holds a different number of vectors than items",
            ));
        }
        {
            let mut graph = index.write();
            graph.applied_seq = snapshot.applied_seq;
            let builder = index.build_in_background(&mut graph, snapshot.items, snapshot.vectors);
            *index
                .rebuilder
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(builder);
        }
        Ok(index)
    }

    /// The slots to scan exactly, when the filter leaves few enough of them.
    fn exact_candidates<'g>(
        &self,
        graph: &'g Graph,
        filter: &SearchFilter,
        parents: &HashSet<Uuid>,
    ) -> Option<Vec<&'g [usize]>> {
        let limit = self.params.exact_below;
        let Some(owner) = graph.by_owner.get(&filter.owner_id) else {
            return Some(Vec::new());
        };
        if owner.live <= limit {
            return Some(vec![owner.slots.as_slice()]);
        }
        if !parents.is_empty() {
            let lists: Vec<&[usize]> = parents
                .iter()
                .filter_map(|p| graph.by_parent.get(p))
                .map(|m| m.slots.as_slice())
                .collect();
            if lists.iter().map(|l| l.len()).sum::<usize>() <= limit {
                return Some(lists);
            }
        }
        None
    }
}

#[async_trait]
impl VectorIndex for HnswIndex {
    fn dimension(&self) -> usize {
        self.dimension
    }

    fn len(&self) -> usize {
        self.read().by_id.len()
    }

    fn loading(&self) -> bool {
        self.read().log.is_some()
    }

    fn snapshot(&self, embedder: &str) -> Snapshot {
        // A graph still loading holds only the newest writes: wait for the whole one.
        if self.read().log.is_some() {
            self.wait_for_rebuild();
        }
        let graph = self.read();
        let (items, vectors) = graph.live(self.dimension);
        Snapshot {
            embedder: embedder.to_owned(),
            dimension: self.dimension,
            applied_seq: graph.applied_seq,
            items,
            vectors,
        }
    }

    async fn upsert(&self, items: Vec<(IndexedItem, Vec<f32>)>) -> Result<()> {
        // Check everything first: a bad vector rejects the batch and changes nothing.
        let vectors = items
            .iter()
            .map(|(_, v)| normalise(v, self.dimension))
            .collect::<Result<Vec<_>>>()?;
        let items: Vec<IndexedItem> = items.into_iter().map(|(item, _)| item).collect();
        // Graph inserts are CPU work (a 5,000-vector batch takes seconds on 2 cores): they
        // run on the blocking pool, never on the async workers, and a slice at a time, so a
        // search waits for one slice's insert at most, not for the whole batch. The task
        // runs to its end even if this call is dropped.
        let shared = Arc::clone(&self.graph);
        tokio::task::spawn_blocking(move || {
            let mut items = items.as_slice();
            let mut vectors = vectors;
            while !items.is_empty() {
                let n = items.len().min(INSERT_SLICE);
                let rest = vectors.split_off(n);
                let mut graph = shared.write();
                graph.upsert(&items[..n], &vectors);
                if let Some(log) = &mut graph.log {
                    log.push(Write::Upsert(items[..n].to_vec(), vectors));
                }
                // Fair: searches waiting for the lock get it before the next slice.
                RwLockWriteGuard::unlock_fair(graph);
                (items, vectors) = (&items[n..], rest);
            }
        })
        .await
        .map_err(|e| Error::internal_from("inserting into the vector index", e))?;
        self.maybe_rebuild(&mut self.write());
        Ok(())
    }

    async fn remove(&self, ids: &[Uuid]) -> Result<()> {
        let mut graph = self.write();
        graph.remove(ids);
        if let Some(log) = &mut graph.log {
            log.push(Write::Remove(ids.to_vec()));
        }
        self.maybe_rebuild(&mut graph);
        Ok(())
    }

    async fn search(&self, query: &[f32], k: usize, filter: &SearchFilter) -> Result<Vec<Hit>> {
        let query = normalise(query, self.dimension)?;
        if k == 0 {
            return Ok(Vec::new());
        }
        let allowed = Allowed::new(filter);
        let graph = self.read();
        let slots = &graph.slots;
        let keep = |slot: &usize| {
            slots
                .get(*slot)
                .copied()
                .flatten()
                .is_some_and(|item| allowed.allows(&item))
        };
        let mut best = TopK::new(k);
        if let Some(lists) = self.exact_candidates(&graph, filter, &allowed.parents) {
            for &slot in lists.into_iter().flatten() {
                if keep(&slot) {
                    best.push(dot(&query, graph.vector(slot, self.dimension)), slot);
                }
            }
        } else {
            let ef = self.ef_search.load(Ordering::Relaxed).max(k);
            let code = quantise(&query);
            // hnsw_rs gives up its early exit when a filter is set, which makes a filtered
            // walk several times slower; when the filter would pass every point in the
            // graph (one owner holds it all, no tombstones), it is left out.
            let passes_all = filter.kind.is_none()
                && allowed.parents.is_empty()
                && graph.tombstones == 0
                && graph
                    .by_owner
                    .get(&filter.owner_id)
                    .is_some_and(|owner| owner.live == graph.by_id.len());
            let filter: Option<&dyn hnsw_rs::filter::FilterT> =
                if passes_all { None } else { Some(&keep) };
            for n in graph.hnsw.search_filter(&code, ef, ef, filter) {
                best.push(dot(&query, graph.vector(n.d_id, self.dimension)), n.d_id);
            }
        }
        Ok(best
            .into_sorted()
            .into_iter()
            .filter_map(|(score, slot)| {
                slots
                    .get(slot)
                    .copied()
                    .flatten()
                    .map(|item| Hit { item, score })
            })
            .collect())
    }

    async fn applied_seq(&self) -> Result<i64> {
        Ok(self.read().applied_seq)
    }

    async fn mark_applied(&self, seq: i64) -> Result<()> {
        self.set_applied_seq(seq);
        Ok(())
    }

    async fn clear(&self) -> Result<()> {
        // A rebuild in flight would swap its graph in afterwards: let it finish first.
        let rebuild = self
            .rebuilder
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(handle) = rebuild {
            let _finished = tokio::task::spawn_blocking(move || handle.join()).await;
        }
        *self.write() = Graph::new(&self.params, 0);
        Ok(())
    }
}
