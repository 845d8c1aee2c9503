//! Keyword and hybrid search latency on 100,000 chunks of real text: windows of three
//! consecutive SciFact sentences (about 70 words each), taken twice over with ids varied;
//! each chunk's vector is the normalised mean of its sentences' cached MiniLM vectors (the
//! second copy nudged a little, so no two vectors coincide). Queries are the 1,109 SciFact
//! queries with their cached vectors, so query embedding is excluded, as the goals say.
//!
//! `GANTRY_MINILM_DIR=$(scripts/fetch-models | tail -n1) cargo bench --bench retrieval`
//!
//! Prints the p50 and p95 of one pass over every query (one at a time, one thread), then
//! criterion's measurements.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "support/embedding_cache.rs"]
mod embedding_cache;
#[path = "support/scifact.rs"]
mod scifact;

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use gantry_core::ids::UserId;
use gantry_core::index::{IndexedItem, SearchFilter};
use gantry_core::store::ChangeKind;
use gantry_memory::{HnswIndex, HnswParams, HybridOptions, HybridSearch, TantivyIndex};
use gantry_memory::{KeywordIndex, VectorIndex};
use uuid::Uuid;

const CHUNKS: usize = 100_000;

struct Corpus {
    texts: Vec<String>,
    vectors: Vec<Vec<f32>>,
    queries: Vec<String>,
    query_vectors: Vec<Vec<f32>>,
}

fn corpus() -> Corpus {
    let dir =
        std::env::var("GANTRY_MINILM_DIR").expect("set GANTRY_MINILM_DIR (scripts/fetch-models)");
    let embedder = gantry_llm::MiniLmEmbedder::load(&dir).unwrap();
    let docs = scifact::corpus();
    let sentences = scifact::all_sentences(&docs);
    let queries: Vec<String> = scifact::queries().into_iter().map(|(_, q)| q).collect();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (sentence_vectors, query_vectors) = rt.block_on(async {
        (
            embedding_cache::embeddings("scifact-sentences", &sentences, &embedder).await,
            embedding_cache::embeddings("scifact-queries", &queries, &embedder).await,
        )
    });
    let n = sentences.len();
    let mut texts = Vec::with_capacity(CHUNKS);
    let mut vectors = Vec::with_capacity(CHUNKS);
    let mut noise = 0x9e37_79b9_7f4a_7c15u64;
    for i in 0..CHUNKS {
        let start = i % (n - 2);
        let round = i / (n - 2);
        texts.push(sentences[start..start + 3].join(" "));
        let mut v: Vec<f32> = (0..sentence_vectors[0].len())
            .map(|d| (start..start + 3).map(|s| sentence_vectors[s][d]).sum())
            .collect();
        if round > 0 {
            for x in &mut v {
                noise ^= noise << 13;
                noise ^= noise >> 7;
                noise ^= noise << 17;
                *x += ((noise % 1000) as f32 / 1000.0 - 0.5) * 0.05;
            }
        }
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        vectors.push(v.into_iter().map(|x| x / norm).collect());
    }
    Corpus {
        texts,
        vectors,
        queries,
        query_vectors,
    }
}

fn percentiles(mut times: Vec<Duration>) -> (Duration, Duration) {
    times.sort();
    (times[times.len() / 2], times[times.len() * 95 / 100])
}

fn retrieval_benches(c: &mut Criterion) {
    let corpus = corpus();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let owner = UserId::new();
    let items: Vec<IndexedItem> = (0..CHUNKS)
        .map(|i| IndexedItem {
            id: Uuid::from_u128(i as u128 + 1),
            owner_id: owner,
            kind: ChangeKind::Chunk,
            parent_id: Uuid::from_u128(1 << 64 | (i / 8) as u128),
        })
        .collect();

    let started = Instant::now();
    let keywords = Arc::new(TantivyIndex::in_memory().unwrap());
    for (i, batch) in items
        .iter()
        .copied()
        .zip(corpus.texts.iter().cloned())
        .collect::<Vec<_>>()
        .chunks(10_000)
        .enumerate()
    {
        keywords
            .apply_blocking(batch.to_vec(), &[], i as i64 + 1)
            .unwrap();
    }
    eprintln!(
        "keyword index: {CHUNKS} chunks in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let vectors = Arc::new(HnswIndex::new(384, HnswParams::default()).unwrap());
    rt.block_on(async {
        for batch in items
            .iter()
            .copied()
            .zip(corpus.vectors.iter().cloned())
            .collect::<Vec<_>>()
            .chunks(10_000)
        {
            vectors.upsert(batch.to_vec()).await.unwrap();
        }
    });
    eprintln!(
        "vector index: {CHUNKS} chunks in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let filter = SearchFilter {
        owner_id: owner,
        kind: None,
        parents: vec![],
    };
    let hybrid = HybridSearch::new(
        Some(Arc::new(
            gantry_llm::MiniLmEmbedder::load(std::env::var("GANTRY_MINILM_DIR").unwrap()).unwrap(),
        )),
        Some(vectors.clone()),
        keywords.clone(),
    );
    // Top 10 from 50 per list: the figures in BENCHMARKS.md were measured so.
    let options = HybridOptions {
        k: 10,
        depth: 50,
        ..HybridOptions::default()
    };

    rt.block_on(async {
        let mut bm25 = Vec::new();
        let mut fused = Vec::new();
        let mut stages = [Duration::ZERO; 3];
        for (q, v) in corpus.queries.iter().zip(&corpus.query_vectors) {
            let started = Instant::now();
            KeywordIndex::search(keywords.as_ref(), q, 10, &filter)
                .await
                .unwrap();
            bm25.push(started.elapsed());
            let started = Instant::now();
            let found = hybrid
                .search_with_vector(q, Some(v), &filter, &options)
                .await
                .unwrap();
            fused.push(started.elapsed());
            stages[0] += found.timings.vector;
            stages[1] += found.timings.keyword;
            stages[2] += found.timings.fuse;
        }
        let n = corpus.queries.len() as u32;
        let (p50, p95) = percentiles(bm25);
        eprintln!("BM25 top 10 of {CHUNKS}: p50 {p50:?}, p95 {p95:?}");
        let (p50, p95) = percentiles(fused);
        eprintln!(
            "hybrid top 10 (depth 50 per list) of {CHUNKS}: p50 {p50:?}, p95 {p95:?}; mean stages: vector {:?}, keyword {:?}, fuse+texts+snippets {:?}",
            stages[0] / n,
            stages[1] / n,
            stages[2] / n
        );
    });

    let mut group = c.benchmark_group("retrieval_100k");
    let mut next = 0usize;
    group.bench_function("bm25_top10", |b| {
        b.to_async(&rt).iter(|| {
            next = (next + 1) % corpus.queries.len();
            KeywordIndex::search(keywords.as_ref(), &corpus.queries[next], 10, &filter)
        })
    });
    group.bench_function("hybrid_top10", |b| {
        b.to_async(&rt).iter(|| {
            next = (next + 1) % corpus.queries.len();
            hybrid.search_with_vector(
                &corpus.queries[next],
                Some(&corpus.query_vectors[next]),
                &filter,
                &options,
            )
        })
    });
    group.finish();
}

criterion_group!(benches, retrieval_benches);
criterion_main!(benches);
