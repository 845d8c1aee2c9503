//! Vector search on real embeddings: the 53,272 sentences of the SciFact abstracts and its
//! 1,109 queries, embedded once with the local MiniLM model and cached outside the
//! repository (`cargo run --release --example embed_scifact` fills the cache; this bench
//! computes what is missing). Needs the model directory for the embedder's identity:
//!
//! `GANTRY_MINILM_DIR=$(scripts/fetch-models | tail -n1) cargo bench --bench vector`
//!
//! Ground truth is the exact top 10 of the brute-force index. Every search goes through the
//! `VectorIndex` trait with the owner filter on, one query at a time on one thread.
//! Settings: `GANTRY_BENCH_EF` (comma-separated ef_search values to report, default
//! `16,24,32,48,64,96`), `GANTRY_BENCH_M` and `GANTRY_BENCH_EF_CONSTRUCTION` (default: the
//! index defaults).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "support/embedding_cache.rs"]
mod embedding_cache;
#[path = "support/scifact.rs"]
mod scifact;

use gantry_test::alloc::{self, Counting};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use gantry_core::ids::UserId;
use gantry_core::index::{IndexedItem, SearchFilter};
use gantry_core::store::ChangeKind;
use gantry_memory::VectorIndex;
use gantry_memory::{ExactIndex, HnswIndex, HnswParams};
use uuid::Uuid;

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn env_usize(name: &str) -> Option<usize> {
    std::env::var(name).ok().map(|v| v.parse().expect(name))
}

struct Data {
    sentences: Vec<Vec<f32>>,
    queries: Vec<Vec<f32>>,
}

fn load() -> Data {
    let dir =
        std::env::var("GANTRY_MINILM_DIR").expect("set GANTRY_MINILM_DIR (scripts/fetch-models)");
    let embedder = gantry_llm::MiniLmEmbedder::load(&dir).unwrap();
    let corpus = scifact::corpus();
    let sentences = scifact::all_sentences(&corpus);
    let queries: Vec<String> = scifact::queries().into_iter().map(|(_, q)| q).collect();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        Data {
            sentences: embedding_cache::embeddings("scifact-sentences", &sentences, &embedder)
                .await,
            queries: embedding_cache::embeddings("scifact-queries", &queries, &embedder).await,
        }
    })
}

/// Item `i`: owned by `owners[i % owners.len()]`.
fn item(i: usize, owners: &[UserId]) -> IndexedItem {
    IndexedItem {
        id: Uuid::from_u128(i as u128 + 1),
        owner_id: owners[i % owners.len()],
        kind: ChangeKind::Chunk,
        parent_id: Uuid::from_u128(1 << 64 | (i / 10) as u128),
    }
}

fn items(data: &Data, owners: &[UserId]) -> Vec<(IndexedItem, Vec<f32>)> {
    data.sentences
        .iter()
        .enumerate()
        .map(|(i, v)| (item(i, owners), v.clone()))
        .collect()
}

async fn fill(index: &dyn VectorIndex, items: &[(IndexedItem, Vec<f32>)]) -> Duration {
    let started = Instant::now();
    for batch in items.chunks(4096) {
        index.upsert(batch.to_vec()).await.unwrap();
    }
    started.elapsed()
}

fn truth(
    rt: &tokio::runtime::Runtime,
    data: &Data,
    items: &[(IndexedItem, Vec<f32>)],
    filter: &SearchFilter,
) -> Vec<Vec<Uuid>> {
    let exact = ExactIndex::new(data.sentences[0].len()).unwrap();
    rt.block_on(async {
        exact.upsert(items.to_vec()).await.unwrap();
        let mut all = Vec::new();
        for q in &data.queries {
            let hits = exact.search(q, 10, filter).await.unwrap();
            all.push(hits.into_iter().map(|h| h.item.id).collect());
        }
        all
    })
}

/// Recall@10 and queries per second of one pass over every query.
fn measure(
    rt: &tokio::runtime::Runtime,
    index: &dyn VectorIndex,
    data: &Data,
    truth: &[Vec<Uuid>],
    filter: &SearchFilter,
) -> (f64, f64) {
    rt.block_on(async {
        let mut found = 0usize;
        let mut wanted = 0usize;
        let mut best = Duration::MAX;
        for pass in 0..3 {
            let started = Instant::now();
            for (q, expected) in data.queries.iter().zip(truth) {
                let hits = index.search(q, 10, filter).await.unwrap();
                if pass == 0 {
                    wanted += expected.len();
                    found += hits
                        .iter()
                        .filter(|h| expected.contains(&h.item.id))
                        .count();
                }
            }
            best = best.min(started.elapsed());
        }
        (
            found as f64 / wanted as f64,
            data.queries.len() as f64 / best.as_secs_f64(),
        )
    })
}

fn vector_benches(c: &mut Criterion) {
    let data = load();
    let dim = data.sentences[0].len();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let defaults = HnswParams::default();
    let params = HnswParams {
        m: env_usize("GANTRY_BENCH_M").unwrap_or(defaults.m),
        ef_construction: env_usize("GANTRY_BENCH_EF_CONSTRUCTION")
            .unwrap_or(defaults.ef_construction),
        ..defaults
    };
    let efs: Vec<usize> = std::env::var("GANTRY_BENCH_EF")
        .unwrap_or_else(|_| "16,24,32,48,64,96".into())
        .split(',')
        .map(|s| s.trim().parse().unwrap())
        .collect();
    eprintln!(
        "{} vectors of {dim} dimensions, {} queries; params {params:?}",
        data.sentences.len(),
        data.queries.len()
    );

    // One owner holds everything; the filter is on but passes every item.
    let owner = UserId::new();
    let all = items(&data, &[owner]);
    let filter = SearchFilter {
        owner_id: owner,
        kind: None,
        parents: Vec::new(),
    };
    let truth_all = truth(&rt, &data, &all, &filter);

    let exact = ExactIndex::new(dim).unwrap();
    rt.block_on(fill(&exact, &all));
    let (recall, qps) = measure(&rt, &exact, &data, &truth_all, &filter);
    eprintln!("exact: recall@10 {recall:.4}, {qps:.0} queries/s");

    let before = alloc::live();
    let index = HnswIndex::new(dim, params).unwrap();
    let took = rt.block_on(fill(&index, &all));
    let bytes = alloc::live() - before;
    let raw = data.sentences.len() * dim * 4;
    eprintln!(
        "hnsw build: {:.0} vectors/s ({:.1} s); index memory {:.1} MB = {:.2} x the raw vectors ({:.1} MB)",
        all.len() as f64 / took.as_secs_f64(),
        took.as_secs_f64(),
        bytes as f64 / 1e6,
        bytes as f64 / raw as f64,
        raw as f64 / 1e6
    );
    for &ef in &efs {
        index.set_ef_search(ef).unwrap();
        let (recall, qps) = measure(&rt, &index, &data, &truth_all, &filter);
        eprintln!("hnsw ef {ef}: recall@10 {recall:.4}, {qps:.0} queries/s");
    }

    // Two users who own half each: the filter must run inside the graph walk.
    let pair = [UserId::new(), UserId::new()];
    let halves = items(&data, &pair);
    let half = SearchFilter {
        owner_id: pair[0],
        kind: None,
        parents: Vec::new(),
    };
    let truth_half = truth(&rt, &data, &halves, &half);
    let half_index = HnswIndex::new(dim, params).unwrap();
    rt.block_on(fill(&half_index, &halves));
    for &ef in &efs {
        half_index.set_ef_search(ef).unwrap();
        let (recall, qps) = measure(&rt, &half_index, &data, &truth_half, &half);
        eprintln!("hnsw 50% owner, ef {ef}: recall@10 {recall:.4}, {qps:.0} queries/s");
    }
    drop(half_index);

    // A user who owns 1% of the items (every hundredth), among 99 other owners.
    let owners: Vec<UserId> = (0..100).map(|_| UserId::new()).collect();
    let shared = items(&data, &owners);
    let small = SearchFilter {
        owner_id: owners[0],
        kind: None,
        parents: Vec::new(),
    };
    let truth_small = truth(&rt, &data, &shared, &small);
    let shared_index = HnswIndex::new(dim, params).unwrap();
    rt.block_on(fill(&shared_index, &shared));
    for &ef in &efs {
        shared_index.set_ef_search(ef).unwrap();
        let (recall, qps) = measure(&rt, &shared_index, &data, &truth_small, &small);
        eprintln!("hnsw 1% owner, ef {ef}: recall@10 {recall:.4}, {qps:.0} queries/s");
    }

    index.set_ef_search(params.ef_search).unwrap();
    shared_index.set_ef_search(params.ef_search).unwrap();
    let mut group = c.benchmark_group("vector_search");
    let mut next = 0usize;
    group.bench_function("hnsw_default_ef", |b| {
        b.to_async(&rt).iter(|| {
            next = (next + 1) % data.queries.len();
            index.search(&data.queries[next], 10, &filter)
        })
    });
    group.bench_function("hnsw_1pct_owner", |b| {
        b.to_async(&rt).iter(|| {
            next = (next + 1) % data.queries.len();
            shared_index.search(&data.queries[next], 10, &small)
        })
    });
    group.bench_function("exact", |b| {
        b.to_async(&rt).iter(|| {
            next = (next + 1) % data.queries.len();
            exact.search(&data.queries[next], 10, &filter)
        })
    });
    group.finish();
}

criterion_group!(benches, vector_benches);
criterion_main!(benches);
