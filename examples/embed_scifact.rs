//! Embeds every sentence of the SciFact abstracts and the SciFact queries with the local
//! MiniLM embedder, into the cache the retrieval benchmarks read (computed once; later runs
//! only check it). Run:
//!
//! `GANTRY_MINILM_DIR=$(scripts/fetch-models | tail -n1) cargo run --release --example embed_scifact`
#![allow(clippy::expect_used, missing_docs)]

#[path = "../benches/support/embedding_cache.rs"]
mod embedding_cache;
#[path = "../benches/support/scifact.rs"]
mod scifact;

#[tokio::main]
async fn main() {
    let dir =
        std::env::var("GANTRY_MINILM_DIR").expect("set GANTRY_MINILM_DIR (scripts/fetch-models)");
    let embedder = gantry_llm::MiniLmEmbedder::load(&dir).expect("loading MiniLM");
    let corpus = scifact::corpus();
    let sentences = scifact::all_sentences(&corpus);
    let queries: Vec<String> = scifact::queries()
        .into_iter()
        .map(|(_, text)| text)
        .collect();
    let q = embedding_cache::embeddings("scifact-queries", &queries, &embedder).await;
    let s = embedding_cache::embeddings("scifact-sentences", &sentences, &embedder).await;
    println!(
        "{} query and {} sentence embeddings in {}",
        q.len(),
        s.len(),
        embedding_cache::dir().display()
    );
}
