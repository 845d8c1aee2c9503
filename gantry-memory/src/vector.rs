//! Vector arithmetic shared by the indexes.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashSet};

use gantry_core::index::{IndexedItem, SearchFilter};
use gantry_core::{Error, Result};
use uuid::Uuid;

/// The dot product: on x86-64 CPUs with AVX2 (checked once, at run time) compiled for
/// 256-bit registers, elsewhere for the portable baseline.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    #[cfg(target_arch = "x86_64")]
    if wide::available() {
        return wide::dot(a, b);
    }
    dot_lanes(a, b)
}

/// The dot product, in eight independent lanes so the compiler vectorises it.
#[inline(always)]
pub(crate) fn dot_lanes(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 8];
    let (a_chunks, b_chunks) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = a_chunks
        .remainder()
        .iter()
        .zip(b_chunks.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in a_chunks.zip(b_chunks) {
        for i in 0..8 {
            lanes[i] += x[i] * y[i];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// The same kernels compiled with AVX2 enabled, called only after the CPU was seen to have
/// it. The one place in Gantry that needs `unsafe`: calling a function compiled for a CPU
/// feature is sound only on a CPU that has it.
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
pub(crate) mod wide {
    use std::sync::OnceLock;

    /// Whether this CPU has AVX2 (asked once).
    pub(crate) fn available() -> bool {
        static AVX2: OnceLock<bool> = OnceLock::new();
        *AVX2.get_or_init(|| std::arch::is_x86_feature_detected!("avx2"))
    }

    #[target_feature(enable = "avx2")]
    fn dot_avx2(a: &[f32], b: &[f32]) -> f32 {
        super::dot_lanes(a, b)
    }

    #[target_feature(enable = "avx2")]
    fn dot_i8_avx2(a: &[i8], b: &[i8]) -> i32 {
        crate::quant::dot_i8_lanes(a, b)
    }

    /// [`super::dot_lanes`] in 256-bit registers; only call when [`available`].
    pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
        // SAFETY: callers check `available()`, so the CPU supports AVX2.
        unsafe { dot_avx2(a, b) }
    }

    /// [`crate::quant::dot_i8_lanes`] in 256-bit registers; only call when [`available`].
    pub(crate) fn dot_i8(a: &[i8], b: &[i8]) -> i32 {
        // SAFETY: callers check `available()`, so the CPU supports AVX2.
        unsafe { dot_i8_avx2(a, b) }
    }
}

/// Checks an index's vector length: 1 to [`gantry_core::validate::MAX_EMBEDDING_DIM`].
pub(crate) fn check_dimension(dimension: usize) -> Result<()> {
    let max = gantry_core::validate::MAX_EMBEDDING_DIM;
    if dimension == 0 || dimension > max {
        return Err(Error::invalid(
            "dimension",
            format!("must be 1 to {max}, got {dimension}"),
        ));
    }
    Ok(())
}

/// Checks a vector against the index's dimension and scales it to unit length, so a dot
/// product is the cosine similarity. A zero or non-finite vector is refused.
pub fn normalise(vector: &[f32], dimension: usize) -> Result<Vec<f32>> {
    if vector.len() != dimension {
        return Err(Error::invalid(
            "vector",
            format!("has {} dimensions, the index has {dimension}", vector.len()),
        ));
    }
    if vector.iter().any(|x| !x.is_finite()) {
        return Err(Error::invalid("vector", "must be finite numbers"));
    }
    let norm = dot(vector, vector).sqrt();
    if norm == 0.0 {
        return Err(Error::invalid("vector", "must not be all zeros"));
    }
    Ok(vector.iter().map(|x| x / norm).collect())
}

/// A search filter made ready to test many items (its parents as a set).
pub(crate) struct Allowed<'f> {
    filter: &'f SearchFilter,
    pub(crate) parents: HashSet<Uuid>,
}

impl<'f> Allowed<'f> {
    pub(crate) fn new(filter: &'f SearchFilter) -> Self {
        Self {
            filter,
            parents: filter.parents.iter().copied().collect(),
        }
    }

    /// Whether the filter lets `item` through: its owner, its kind if one is asked for,
    /// and one of the parents if any are named.
    pub(crate) fn allows(&self, item: &IndexedItem) -> bool {
        item.owner_id == self.filter.owner_id
            && self.filter.kind.is_none_or(|kind| kind == item.kind)
            && (self.parents.is_empty() || self.parents.contains(&item.parent_id))
    }
}

/// A hit ordered by score only, lowest first in the heap (so the heap keeps the best k).
struct Scored(f32, usize);

impl PartialEq for Scored {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Scored {}
impl PartialOrd for Scored {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scored {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: BinaryHeap is a max-heap and we evict the worst. Ties go to the
        // earlier row, so results are deterministic.
        other.0.total_cmp(&self.0).then(self.1.cmp(&other.1))
    }
}

/// The `k` best-scoring rows seen so far.
pub(crate) struct TopK {
    k: usize,
    heap: BinaryHeap<Scored>,
}

impl TopK {
    pub(crate) fn new(k: usize) -> Self {
        Self {
            k,
            heap: BinaryHeap::with_capacity(k + 1),
        }
    }

    pub(crate) fn push(&mut self, score: f32, row: usize) {
        if self.heap.len() == self.k && self.heap.peek().is_some_and(|worst| worst.0 > score) {
            return;
        }
        self.heap.push(Scored(score, row));
        if self.heap.len() > self.k {
            self.heap.pop();
        }
    }

    /// Best first.
    pub(crate) fn into_sorted(self) -> Vec<(f32, usize)> {
        self.heap
            .into_sorted_vec()
            .into_iter()
            .map(|Scored(score, row)| (score, row))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_matches_the_naive_sum_for_every_length() {
        for len in 0..40 {
            let a: Vec<f32> = (0..len).map(|i| i as f32 * 0.5 - 3.0).collect();
            let b: Vec<f32> = (0..len).map(|i| 1.0 - i as f32 * 0.25).collect();
            let naive: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert!((dot(&a, &b) - naive).abs() < 1e-3, "len {len}");
        }
    }

    #[test]
    fn normalise_refuses_what_it_cannot_scale() {
        assert_eq!(
            normalise(&[1.0], 2).unwrap_err().invalid_field(),
            Some("vector")
        );
        assert!(normalise(&[0.0, 0.0], 2).is_err());
        assert!(normalise(&[f32::NAN, 1.0], 2).is_err());
        let v = normalise(&[3.0, 4.0], 2).unwrap();
        assert!((v[0] - 0.6).abs() < 1e-6 && (v[1] - 0.8).abs() < 1e-6);
    }
}
