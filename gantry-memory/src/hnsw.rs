//! The approximate index: a hierarchical navigable small-world graph (hnsw_rs).
//!
//! hnsw_rs cannot delete or update a point, so each id maps to a slot, a removed or
//! replaced slot becomes a tombstone that searches skip (inside the graph walk, through
//! hnsw_rs's filter, like the owner filter), and the graph is rebuilt without tombstones
//! once they pass a share of the slots.

use std::collections::HashMap;
use std::sync::RwLock;

use async_trait::async_trait;
use gantry_core::index::{Hit, IndexedItem, SearchFilter, VectorIndex};
use gantry_core::{Error, Result};
use hnsw_rs::anndists::dist::Distance;
use hnsw_rs::hnsw::Hnsw;
use uuid::Uuid;

use crate::vector::{check_dimension, dot, normalise};

/// Cosine distance between unit vectors: `1 - dot`, clamped at 0. (anndists' `DistDot`
/// asserts on the rounding error that puts some unit vectors' self-product above 1.)
#[derive(Clone, Copy, Debug, Default)]
pub struct UnitCosine;

impl Distance<f32> for UnitCosine {
    fn eval(&self, a: &[f32], b: &[f32]) -> f32 {
        (1.0 - dot(a, b)).max(0.0)
    }
}

/// Graph parameters. Defaults suit sentence embeddings of a few hundred dimensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HnswParams {
    /// Neighbours kept per node and layer (hnsw_rs's `max_nb_connection`), 2 to 256.
    pub m: usize,
    /// Candidates explored while inserting.
    pub ef_construction: usize,
    /// Candidates explored while searching (at least k is used).
    pub ef_search: usize,
    /// Rebuild once tombstones exceed this share of slots, in percent.
    pub rebuild_percent: usize,
}

impl Default for HnswParams {
    fn default() -> Self {
        Self {
            m: 16,
            ef_construction: 200,
            ef_search: 64,
            rebuild_percent: 25,
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
        Ok(())
    }
}

struct Graph {
    hnsw: Hnsw<'static, f32, UnitCosine>,
    /// Slot -> item; `None` for a tombstone.
    slots: Vec<Option<IndexedItem>>,
    by_id: HashMap<Uuid, usize>,
    tombstones: usize,
    applied_seq: i64,
}

/// The HNSW vector index, with owner, kind and parent filters applied inside the search.
pub struct HnswIndex {
    dimension: usize,
    params: HnswParams,
    graph: RwLock<Graph>,
}

impl std::fmt::Debug for HnswIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HnswIndex")
            .field("dimension", &self.dimension)
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

fn new_hnsw(params: &HnswParams, capacity: usize) -> Hnsw<'static, f32, UnitCosine> {
    let mut hnsw = Hnsw::new(
        params.m,
        capacity.max(1_000),
        16,
        params.ef_construction,
        UnitCosine,
    );
    hnsw.set_searching_mode(true);
    hnsw
}

impl HnswIndex {
    /// An empty index of `dimension`-long vectors.
    pub fn new(dimension: usize, params: HnswParams) -> Result<Self> {
        params.validate()?;
        check_dimension(dimension)?;
        Ok(Self {
            dimension,
            params,
            graph: RwLock::new(Graph {
                hnsw: new_hnsw(&params, 0),
                slots: Vec::new(),
                by_id: HashMap::new(),
                tombstones: 0,
                applied_seq: 0,
            }),
        })
    }

    /// Live vectors.
    pub fn len(&self) -> usize {
        self.read().by_id.len()
    }

    /// Whether it holds no live vector.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Slots that are tombstones, awaiting a rebuild.
    pub fn tombstones(&self) -> usize {
        self.read().tombstones
    }

    /// Records that every change up to `seq` has been applied.
    pub fn set_applied_seq(&self, seq: i64) {
        self.write().applied_seq = seq;
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Graph> {
        self.graph
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Graph> {
        self.graph
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Rebuilds the graph from its live points, dropping tombstones.
    fn rebuild(&self, graph: &mut Graph) {
        let mut live: Vec<(Vec<f32>, IndexedItem)> = Vec::with_capacity(graph.by_id.len());
        for point in graph.hnsw.get_point_indexation() {
            if let Some(Some(item)) = graph.slots.get(point.get_origin_id()) {
                live.push((point.get_v().to_vec(), *item));
            }
        }
        let hnsw = new_hnsw(&self.params, live.len());
        let mut slots = Vec::with_capacity(live.len());
        let mut by_id = HashMap::with_capacity(live.len());
        let batch: Vec<(&Vec<f32>, usize)> = live
            .iter()
            .enumerate()
            .map(|(slot, (v, _))| (v, slot))
            .collect();
        for (slot, (_, item)) in live.iter().enumerate() {
            slots.push(Some(*item));
            by_id.insert(item.id, slot);
        }
        hnsw.parallel_insert(&batch);
        graph.hnsw = hnsw;
        graph.hnsw.set_searching_mode(true);
        graph.slots = slots;
        graph.by_id = by_id;
        graph.tombstones = 0;
    }

    fn maybe_rebuild(&self, graph: &mut Graph) {
        if graph.tombstones > 0
            && graph.tombstones * 100 > graph.slots.len() * self.params.rebuild_percent
        {
            self.rebuild(graph);
        }
    }
}

#[async_trait]
impl VectorIndex for HnswIndex {
    async fn upsert(&self, items: Vec<(IndexedItem, Vec<f32>)>) -> Result<()> {
        let vectors = items
            .iter()
            .map(|(_, v)| normalise(v, self.dimension))
            .collect::<Result<Vec<_>>>()?;
        let mut graph = self.write();
        let first = graph.slots.len();
        for (i, (item, _)) in items.iter().enumerate() {
            if let Some(old) = graph.by_id.insert(item.id, first + i) {
                graph.slots[old] = None;
                graph.tombstones += 1;
            }
            graph.slots.push(Some(*item));
        }
        let batch: Vec<(&Vec<f32>, usize)> = vectors
            .iter()
            .enumerate()
            .map(|(i, v)| (v, first + i))
            .collect();
        if batch.len() > 1 {
            graph.hnsw.parallel_insert(&batch);
        } else if let Some((v, slot)) = batch.first() {
            graph.hnsw.insert((v.as_slice(), *slot));
        }
        graph.hnsw.set_searching_mode(true);
        self.maybe_rebuild(&mut graph);
        Ok(())
    }

    async fn remove(&self, ids: &[Uuid]) -> Result<()> {
        let mut graph = self.write();
        for id in ids {
            if let Some(slot) = graph.by_id.remove(id) {
                graph.slots[slot] = None;
                graph.tombstones += 1;
            }
        }
        self.maybe_rebuild(&mut graph);
        Ok(())
    }

    async fn search(&self, query: &[f32], k: usize, filter: &SearchFilter) -> Result<Vec<Hit>> {
        let query = normalise(query, self.dimension)?;
        if k == 0 {
            return Ok(Vec::new());
        }
        let graph = self.read();
        let slots = &graph.slots;
        let parents = &filter.parents;
        let keep = |slot: &usize| {
            slots.get(*slot).copied().flatten().is_some_and(|item| {
                item.owner_id == filter.owner_id
                    && filter.kind.is_none_or(|kind| kind == item.kind)
                    && (parents.is_empty() || parents.contains(&item.parent_id))
            })
        };
        let ef = self.params.ef_search.max(k);
        let found = graph.hnsw.search_filter(&query, k, ef, Some(&keep));
        Ok(found
            .into_iter()
            .filter_map(|n| {
                slots.get(n.d_id).copied().flatten().map(|item| Hit {
                    item,
                    score: 1.0 - n.distance,
                })
            })
            .collect())
    }

    async fn applied_seq(&self) -> Result<i64> {
        Ok(self.read().applied_seq)
    }
}
