//! Searches while the indexer inserts a bulk batch: what a chat turn's retrieval waits
//! for when someone's large upload is being indexed. An HNSW index of 20,000 random unit
//! vectors (384 dimensions, MiniLM's) is searched, one query at a time, alone and while a
//! second thread upserts 5,000-vector batches (the indexer's largest) without pause.
//!
//! `cargo bench --bench contention`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use gantry_core::ids::UserId;
use gantry_core::index::{IndexedItem, SearchFilter};
use gantry_core::store::ChangeKind;
use gantry_memory::{HnswIndex, HnswParams, VectorIndex};
use uuid::Uuid;

const DIMENSION: usize = 384;
const INDEXED: usize = 20_000;
const BATCH: usize = 5_000;

/// A deterministic unit vector for `seed` (xorshift, no extra dependency).
fn vector(seed: u64) -> Vec<f32> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut v: Vec<f32> = (0..DIMENSION)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % 2_000) as f32 / 1_000.0 - 1.0
        })
        .collect();
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter_mut().for_each(|x| *x /= norm);
    v
}

fn item(i: u64, owner: UserId) -> (IndexedItem, Vec<f32>) {
    let item = IndexedItem {
        id: Uuid::from_u128(u128::from(i) + 1),
        owner_id: owner,
        kind: ChangeKind::Chunk,
        parent_id: Uuid::from_u128(1 << 64 | u128::from(i / 10)),
    };
    (item, vector(i))
}

fn contention(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let owner = UserId::new();
    let index = Arc::new(HnswIndex::new(DIMENSION, HnswParams::default()).unwrap());
    runtime.block_on(async {
        let items: Vec<_> = (0..INDEXED as u64).map(|i| item(i, owner)).collect();
        for batch in items.chunks(BATCH) {
            index.upsert(batch.to_vec()).await.unwrap();
        }
    });
    let filter = SearchFilter {
        owner_id: owner,
        kind: None,
        parents: Vec::new(),
    };
    let queries: Vec<Vec<f32>> = (0..256).map(|i| vector(1_000_000 + i)).collect();
    let mut group = c.benchmark_group("search_during_bulk_insert");
    group.sample_size(30);
    let search = |iters: u64| {
        let started = Instant::now();
        for i in 0..iters {
            let query = &queries[i as usize % queries.len()];
            runtime.block_on(index.search(query, 10, &filter)).unwrap();
        }
        started.elapsed()
    };
    group.bench_function("quiet", |b| b.iter_custom(search));

    // A writer that upserts fresh 5,000-vector batches until told to stop.
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (index, stop) = (Arc::clone(&index), Arc::clone(&stop));
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap();
            let mut next = INDEXED as u64;
            let mut batches = 0u32;
            while !stop.load(Ordering::Relaxed) {
                let batch: Vec<_> = (next..next + BATCH as u64)
                    .map(|i| item(i, owner))
                    .collect();
                next += BATCH as u64;
                runtime.block_on(index.upsert(batch)).unwrap();
                batches += 1;
            }
            batches
        })
    };
    // Let the first batch get going.
    std::thread::sleep(Duration::from_millis(100));
    group.bench_function("while_inserting", |b| b.iter_custom(search));
    // A mean hides stalls: each search's own time over a fixed window, as percentiles.
    let mut times = Vec::new();
    let window = Instant::now();
    while window.elapsed() < Duration::from_secs(10) {
        let started = Instant::now();
        let query = &queries[times.len() % queries.len()];
        runtime.block_on(index.search(query, 10, &filter)).unwrap();
        times.push(started.elapsed());
    }
    stop.store(true, Ordering::Relaxed);
    let batches = writer.join().unwrap();
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    eprintln!(
        "while inserting, over 10 s: {} searches, p50 {:?}, p99 {:?}, max {:?}; the writer \
         inserted {batches} batches of {BATCH} in all",
        times.len(),
        at(0.5),
        at(0.99),
        times[times.len() - 1]
    );
    group.finish();
}

criterion_group!(benches, contention);
criterion_main!(benches);
