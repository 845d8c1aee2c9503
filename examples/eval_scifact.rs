//! Retrieval quality on BEIR SciFact: ingests the 5,183 abstracts through gantry-memory
//! (the HNSW and tantivy indexes, with the local MiniLM embedder) and prints nDCG@10 and
//! recall@100 over the 300 test queries for BM25 alone, vectors alone and hybrid fusion.
//!
//! `GANTRY_MINILM_DIR=$(scripts/fetch-models | tail -n1) cargo run --release --example eval_scifact`
//!
//! Embeddings are cached outside the repository (`$GANTRY_CACHE/embeddings`); the first run
//! embeds the abstracts (about ten minutes on two cores), later runs take seconds. Each
//! abstract is one item, its title and text joined, as BEIR evaluates dense retrievers.
#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

#[path = "../benches/support/embedding_cache.rs"]
mod embedding_cache;
#[path = "../benches/support/scifact.rs"]
mod scifact;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use gantry_core::ids::UserId;
use gantry_core::index::{IndexedItem, SearchFilter};
use gantry_core::store::ChangeKind;
use gantry_memory::{HnswIndex, HnswParams, HybridOptions, HybridSearch, TantivyIndex};
use gantry_memory::{KeywordIndex, VectorIndex};
use uuid::Uuid;

/// nDCG@10 with binary relevance.
fn ndcg_at_10(ranked: &[Uuid], relevant: &HashSet<Uuid>) -> f64 {
    let dcg: f64 = ranked
        .iter()
        .take(10)
        .enumerate()
        .filter(|(_, id)| relevant.contains(id))
        .map(|(i, _)| 1.0 / (i as f64 + 2.0).log2())
        .sum();
    let ideal: f64 = (0..relevant.len().min(10))
        .map(|i| 1.0 / (i as f64 + 2.0).log2())
        .sum();
    if ideal == 0.0 { 0.0 } else { dcg / ideal }
}

fn recall_at_100(ranked: &[Uuid], relevant: &HashSet<Uuid>) -> f64 {
    let found = ranked
        .iter()
        .take(100)
        .filter(|id| relevant.contains(id))
        .count();
    found as f64 / relevant.len().max(1) as f64
}

#[derive(Default)]
struct Score {
    ndcg: f64,
    recall: f64,
    n: usize,
}

impl Score {
    fn add(&mut self, ranked: &[Uuid], relevant: &HashSet<Uuid>) {
        self.ndcg += ndcg_at_10(ranked, relevant);
        self.recall += recall_at_100(ranked, relevant);
        self.n += 1;
    }
    fn line(&self, name: &str) -> String {
        format!(
            "| {name:<32} | {:.4} | {:.4} |",
            self.ndcg / self.n as f64,
            self.recall / self.n as f64
        )
    }
}

#[tokio::main]
async fn main() {
    let dir =
        std::env::var("GANTRY_MINILM_DIR").expect("set GANTRY_MINILM_DIR (scripts/fetch-models)");
    let embedder = Arc::new(gantry_llm::MiniLmEmbedder::load(&dir).expect("loading MiniLM"));
    let corpus = scifact::corpus();
    let texts: Vec<String> = corpus
        .iter()
        .map(|d| format!("{} {}", d.title, d.text))
        .collect();
    let queries = scifact::queries();
    let qrels = scifact::qrels();
    let query_texts: Vec<String> = queries.iter().map(|(_, q)| q.clone()).collect();
    let query_vectors =
        embedding_cache::embeddings("scifact-queries", &query_texts, embedder.as_ref()).await;
    let doc_vectors =
        embedding_cache::embeddings("scifact-abstracts", &texts, embedder.as_ref()).await;

    // One owner, one item per abstract; the item id encodes the corpus position.
    let owner = UserId::new();
    let doc_uuid: Vec<Uuid> = (0..corpus.len())
        .map(|i| Uuid::from_u128(i as u128 + 1))
        .collect();
    let by_doc_id: HashMap<&str, Uuid> = corpus
        .iter()
        .zip(&doc_uuid)
        .map(|(d, u)| (d.id.as_str(), *u))
        .collect();
    let items: Vec<IndexedItem> = doc_uuid
        .iter()
        .map(|id| IndexedItem {
            id: *id,
            owner_id: owner,
            kind: ChangeKind::Chunk,
            parent_id: *id,
        })
        .collect();

    let started = Instant::now();
    let vectors =
        Arc::new(HnswIndex::new(embedder_dimension(&doc_vectors), HnswParams::default()).unwrap());
    vectors
        .upsert(items.iter().copied().zip(doc_vectors).collect())
        .await
        .unwrap();
    let keywords = Arc::new(TantivyIndex::in_memory().unwrap());
    keywords
        .apply_blocking(items.iter().copied().zip(texts).collect(), &[], 1)
        .unwrap();
    eprintln!(
        "ingested {} abstracts into both indexes in {:.1} s",
        items.len(),
        started.elapsed().as_secs_f64()
    );
    let fused = HybridSearch::new(
        Some(embedder.clone()),
        Some(vectors.clone() as Arc<dyn VectorIndex>),
        keywords.clone(),
    );
    let filter = SearchFilter {
        owner_id: owner,
        kind: None,
        parents: vec![],
    };
    let weights = [(1.0, 1.0), (1.0, 0.5), (0.5, 1.0)];
    let (mut bm25, mut dense) = (Score::default(), Score::default());
    let mut hybrids: Vec<Score> = weights.iter().map(|_| Score::default()).collect();
    let mut by_depth: Vec<Score> = DEPTHS.iter().map(|_| Score::default()).collect();
    for ((qid, query), qvec) in queries.iter().zip(&query_vectors) {
        let Some(relevant) = qrels.get(qid) else {
            continue;
        };
        let relevant: HashSet<Uuid> = relevant
            .iter()
            .filter_map(|d| by_doc_id.get(d.as_str()).copied())
            .collect();
        let ids = |hits: Vec<gantry_core::index::Hit>| -> Vec<Uuid> {
            hits.into_iter().map(|h| h.item.id).collect()
        };
        bm25.add(
            &ids(KeywordIndex::search(keywords.as_ref(), query, 100, &filter)
                .await
                .unwrap()),
            &relevant,
        );
        dense.add(
            &ids(vectors.search(qvec, 100, &filter).await.unwrap()),
            &relevant,
        );
        for (depth, score) in DEPTHS.iter().zip(&mut by_depth) {
            let options = HybridOptions {
                k: 10,
                depth: *depth,
                ..HybridOptions::default()
            };
            score.add(
                &ranked(&fused, query, qvec, &filter, &options).await,
                &relevant,
            );
        }
        for ((vw, kw), score) in weights.iter().zip(&mut hybrids) {
            let options = HybridOptions {
                k: 100,
                depth: 100,
                vector_weight: *vw,
                keyword_weight: *kw,
                ..HybridOptions::default()
            };
            score.add(
                &ranked(&fused, query, qvec, &filter, &options).await,
                &relevant,
            );
        }
    }
    println!("SciFact test set, {} queries", bm25.n);
    println!("| {:<32} | nDCG@10 | recall@100 |", "retrieval");
    println!("| {} | --- | --- |", "-".repeat(32));
    println!("{}", bm25.line("BM25 (tantivy)"));
    println!("{}", dense.line("vector (MiniLM, HNSW)"));
    for ((vw, kw), score) in weights.iter().zip(&hybrids) {
        println!(
            "{}",
            score.line(&format!("hybrid RRF k=60, weights {vw}/{kw}"))
        );
    }
    for (depth, score) in DEPTHS.iter().zip(&by_depth) {
        println!(
            "{}",
            score.line(&format!("hybrid 1/1, top 10 from depth {depth}"))
        );
    }
}

/// The ids a hybrid search ranks for `query`, best first.
async fn ranked(
    fused: &HybridSearch,
    query: &str,
    qvec: &[f32],
    filter: &SearchFilter,
    options: &HybridOptions,
) -> Vec<Uuid> {
    let found = fused
        .search_with_vector(query, Some(qvec), filter, options)
        .await
        .unwrap();
    found.hits.iter().map(|h| h.item.id).collect()
}

/// How deep each list is read before fusing, for the top 10 (the engine's turns read 50).
const DEPTHS: [usize; 4] = [10, 20, 30, 50];

fn embedder_dimension(vectors: &[Vec<f32>]) -> usize {
    vectors.first().map_or(384, Vec::len)
}
