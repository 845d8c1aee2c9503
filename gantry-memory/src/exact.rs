//! The exact index: every search scans every vector that passes the filter.

use std::collections::HashMap;
use std::sync::RwLock;

use crate::index::VectorIndex;
use async_trait::async_trait;
use gantry_core::Result;
use gantry_core::index::{Hit, IndexedItem, SearchFilter};
use uuid::Uuid;

use crate::snapshot::Snapshot;
use crate::vector::{Allowed, TopK, check_dimension, dot, normalise};

#[derive(Debug, Default)]
struct Rows {
    items: Vec<IndexedItem>,
    /// Unit vectors, row after row, `dimension` floats each.
    vectors: Vec<f32>,
    by_id: HashMap<Uuid, usize>,
    applied_seq: i64,
}

/// A brute-force vector index: exact top-k by cosine similarity, filters applied before
/// scoring. The reference the approximate index's recall is measured against, and a fine
/// choice for a few tens of thousands of vectors.
#[derive(Debug)]
pub struct ExactIndex {
    dimension: usize,
    rows: RwLock<Rows>,
}

impl ExactIndex {
    /// An empty index of `dimension`-long vectors.
    pub fn new(dimension: usize) -> Result<Self> {
        check_dimension(dimension)?;
        Ok(Self {
            dimension,
            rows: RwLock::new(Rows::default()),
        })
    }

    /// Records that every change up to `seq` has been applied.
    pub fn set_applied_seq(&self, seq: i64) {
        self.write().applied_seq = seq;
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Rows> {
        self.rows
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Rows> {
        self.rows
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait]
impl VectorIndex for ExactIndex {
    fn dimension(&self) -> usize {
        self.dimension
    }

    fn len(&self) -> usize {
        self.read().items.len()
    }

    fn snapshot(&self, embedder: &str) -> Snapshot {
        let rows = self.read();
        Snapshot {
            embedder: embedder.to_owned(),
            dimension: self.dimension,
            applied_seq: rows.applied_seq,
            items: rows.items.clone(),
            vectors: rows.vectors.clone(),
        }
    }

    async fn upsert(&self, items: Vec<(IndexedItem, Vec<f32>)>) -> Result<()> {
        // Check everything first: a bad vector rejects the batch and changes nothing.
        let normalised = items
            .iter()
            .map(|(_, v)| normalise(v, self.dimension))
            .collect::<Result<Vec<_>>>()?;
        let mut rows = self.write();
        let d = self.dimension;
        for ((item, _), vector) in items.into_iter().zip(normalised) {
            match rows.by_id.get(&item.id).copied() {
                Some(row) => {
                    rows.items[row] = item;
                    rows.vectors[row * d..(row + 1) * d].copy_from_slice(&vector);
                }
                None => {
                    let row = rows.items.len();
                    rows.by_id.insert(item.id, row);
                    rows.items.push(item);
                    rows.vectors.extend_from_slice(&vector);
                }
            }
        }
        Ok(())
    }

    async fn remove(&self, ids: &[Uuid]) -> Result<()> {
        let mut rows = self.write();
        let d = self.dimension;
        for id in ids {
            let Some(row) = rows.by_id.remove(id) else {
                continue;
            };
            let last = rows.items.len() - 1;
            rows.items.swap_remove(row);
            if row != last {
                let moved = rows.items[row].id;
                rows.by_id.insert(moved, row);
                rows.vectors.copy_within(last * d..(last + 1) * d, row * d);
            }
            rows.vectors.truncate(last * d);
        }
        Ok(())
    }

    async fn search(&self, query: &[f32], k: usize, filter: &SearchFilter) -> Result<Vec<Hit>> {
        let query = normalise(query, self.dimension)?;
        if k == 0 {
            return Ok(Vec::new());
        }
        let allowed = Allowed::new(filter);
        let rows = self.read();
        let d = self.dimension;
        let mut best = TopK::new(k);
        for (row, item) in rows.items.iter().enumerate() {
            if !allowed.allows(item) {
                continue;
            }
            let score = dot(&query, &rows.vectors[row * d..(row + 1) * d]);
            best.push(score, row);
        }
        Ok(best
            .into_sorted()
            .into_iter()
            .map(|(score, row)| Hit {
                item: rows.items[row],
                score,
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
        *self.write() = Rows::default();
        Ok(())
    }
}
