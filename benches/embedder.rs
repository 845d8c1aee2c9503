//! The in-process MiniLM embedder on real text: the sentences and abstracts of BEIR
//! SciFact. Needs the model (`scripts/fetch-models`):
//!
//! `GANTRY_MINILM_DIR=$(scripts/fetch-models | tail -n1) cargo bench --bench embedder`
//!
//! With `RAYON_NUM_THREADS=1` candle's matrix products run on one thread each while the
//! embedder's own workers (one per core) take alternate batches; BENCHMARKS.md has both.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "support/scifact.rs"]
mod scifact;

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gantry_llm::MiniLmEmbedder;

fn embedder_benches(c: &mut Criterion) {
    let dir =
        std::env::var("GANTRY_MINILM_DIR").expect("set GANTRY_MINILM_DIR (scripts/fetch-models)");
    let embedder = MiniLmEmbedder::load(&dir).unwrap();
    let corpus = scifact::corpus();
    let sentences = scifact::all_sentences(&corpus);
    eprintln!(
        "SciFact: {} abstracts, {} sentences",
        corpus.len(),
        sentences.len()
    );
    // A fixed, evenly spread sample, so every run embeds the same text.
    let step = sentences.len() / 512;
    let sample: Vec<String> = sentences.iter().step_by(step).take(512).cloned().collect();
    let abstracts: Vec<String> = corpus
        .iter()
        .step_by(corpus.len() / 32)
        .take(32)
        .map(|d| format!("{} {}", d.title, d.text))
        .collect();

    let mut group = c.benchmark_group("minilm");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(30));
    group.throughput(Throughput::Elements(sample.len() as u64));
    group.bench_function("sentences_512", |b| {
        b.iter(|| embedder.embed_blocking(&sample).unwrap())
    });
    group.throughput(Throughput::Elements(abstracts.len() as u64));
    group.bench_function("abstracts_32", |b| {
        b.iter(|| embedder.embed_blocking(&abstracts).unwrap())
    });
    group.finish();

    let mut group = c.benchmark_group("minilm_latency");
    let one = vec![sample[17].clone()];
    group.bench_function("one_sentence", |b| {
        b.iter(|| embedder.embed_blocking(&one).unwrap())
    });
    group.finish();
}

criterion_group!(benches, embedder_benches);
criterion_main!(benches);
