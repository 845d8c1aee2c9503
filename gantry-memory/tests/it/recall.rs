//! HNSW against the exact index on the same data: recall, with and without a selective
//! owner filter, and after tombstones force a rebuild.

use gantry_core::UserId;
use gantry_core::index::{IndexedItem, SearchFilter};
use gantry_core::store::ChangeKind;
use gantry_memory::VectorIndex;
use gantry_memory::{ExactIndex, HnswIndex, HnswParams};
use uuid::Uuid;

/// Deterministic pseudo-random unit-ish vectors (xorshift), clustered a little like text.
fn vectors(n: usize, dim: usize, seed: u64) -> Vec<Vec<f32>> {
    let mut state = seed.max(1);
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % 10_000) as f32 / 5_000.0 - 1.0
    };
    let centres: Vec<Vec<f32>> = (0..20)
        .map(|_| (0..dim).map(|_| next()).collect())
        .collect();
    (0..n)
        .map(|i| centres[i % 20].iter().map(|c| c + 0.6 * next()).collect())
        .collect()
}

async fn recall(
    hnsw: &HnswIndex,
    exact: &ExactIndex,
    queries: &[Vec<f32>],
    filter: &SearchFilter,
) -> f64 {
    let (mut found, mut total) = (0usize, 0usize);
    for q in queries {
        let truth: Vec<Uuid> = exact
            .search(q, 10, filter)
            .await
            .unwrap()
            .iter()
            .map(|h| h.item.id)
            .collect();
        let got: Vec<Uuid> = hnsw
            .search(q, 10, filter)
            .await
            .unwrap()
            .iter()
            .map(|h| h.item.id)
            .collect();
        total += truth.len();
        found += truth.iter().filter(|id| got.contains(id)).count();
    }
    found as f64 / total.max(1) as f64
}

#[tokio::test]
async fn recall_matches_the_exact_index_filtered_or_not() {
    let dim = 32;
    let data = vectors(4_000, dim, 7);
    let queries = vectors(60, dim, 99);
    let (crowd, few) = (UserId::new(), UserId::new());
    // `few` owns 1% of the points.
    let items: Vec<(IndexedItem, Vec<f32>)> = data
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            let owner = if i % 100 == 0 { few } else { crowd };
            (
                IndexedItem {
                    id: Uuid::now_v7(),
                    owner_id: owner,
                    kind: ChangeKind::Chunk,
                    parent_id: Uuid::nil(),
                },
                v,
            )
        })
        .collect();
    let exact = ExactIndex::new(dim).unwrap();
    // Every search walks the graph here; the exact scan of small sets is tested below.
    let graph_only = HnswParams {
        exact_below: 0,
        ..HnswParams::default()
    };
    let hnsw = HnswIndex::new(dim, graph_only).unwrap();
    let hybrid = HnswIndex::new(dim, HnswParams::default()).unwrap();
    exact.upsert(items.clone()).await.unwrap();
    hnsw.upsert(items.clone()).await.unwrap();
    hybrid.upsert(items.clone()).await.unwrap();
    let all = SearchFilter {
        owner_id: crowd,
        kind: None,
        parents: vec![],
    };
    let selective = SearchFilter {
        owner_id: few,
        kind: None,
        parents: vec![],
    };
    let r = recall(&hnsw, &exact, &queries, &all).await;
    assert!(r >= 0.95, "recall@10 {r}");
    let r = recall(&hnsw, &exact, &queries, &selective).await;
    assert!(r >= 0.95, "recall@10 with a 1% owner filter {r}");
    // With the default parameters a user who owns 40 vectors is scanned exactly.
    let r = recall(&hybrid, &exact, &queries, &selective).await;
    assert_eq!(r, 1.0, "exact scan of a small owner's vectors");

    // Remove half of the crowd's points: tombstones pass the threshold, the graph is
    // rebuilt, and recall holds against the exact index with the same removals.
    let removed: Vec<Uuid> = items
        .iter()
        .step_by(2)
        .filter(|(i, _)| i.owner_id == crowd)
        .map(|(i, _)| i.id)
        .collect();
    exact.remove(&removed).await.unwrap();
    hnsw.remove(&removed).await.unwrap();
    // The rebuild runs in the background; searches meanwhile never return removed points.
    for q in &queries {
        for hit in hnsw.search(q, 10, &all).await.unwrap() {
            assert!(!removed.contains(&hit.item.id), "a removed point came back");
        }
    }
    // Writes made while it runs are carried onto the new graph.
    let late: Vec<(IndexedItem, Vec<f32>)> = vectors(50, dim, 1234)
        .into_iter()
        .map(|v| {
            let item = IndexedItem {
                id: Uuid::now_v7(),
                owner_id: crowd,
                kind: ChangeKind::Chunk,
                parent_id: Uuid::nil(),
            };
            (item, v)
        })
        .collect();
    hnsw.upsert(late.clone()).await.unwrap();
    exact.upsert(late.clone()).await.unwrap();
    hnsw.wait_for_rebuild();
    assert_eq!(hnsw.tombstones(), 0, "rebuilt");
    for (item, v) in &late {
        let hits = hnsw.search(v, 1, &all).await.unwrap();
        assert_eq!(
            hits[0].item.id, item.id,
            "a write made during the rebuild was lost"
        );
    }
    assert_eq!(hnsw.len(), exact.len());
    let r = recall(&hnsw, &exact, &queries, &all).await;
    assert!(r >= 0.95, "recall@10 after a rebuild {r}");
    for q in &queries {
        for hit in hnsw.search(q, 10, &all).await.unwrap() {
            assert!(!removed.contains(&hit.item.id), "a removed point came back");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_index_answers_at_once_and_keeps_writes_made_while_it_loads() {
    let dim = 32;
    let owner = UserId::new();
    let item = |_| IndexedItem {
        id: Uuid::now_v7(),
        owner_id: owner,
        kind: ChangeKind::Chunk,
        parent_id: Uuid::nil(),
    };
    let saved: Vec<(IndexedItem, Vec<f32>)> = vectors(20_000, dim, 3)
        .into_iter()
        .map(|v| (item(()), v))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vectors.gvec");
    let full = HnswIndex::new(dim, HnswParams::default()).unwrap();
    full.upsert(saved.clone()).await.unwrap();
    full.set_applied_seq(41);
    full.snapshot("model").save(&path).unwrap();

    // Opening returns before the 20,000-vector graph is built; the feed resumes at 41.
    let (index, opened) = HnswIndex::open(&path, "model", dim, HnswParams::default()).unwrap();
    assert!(index.len() < 20_000, "the graph is still being built");
    assert!(matches!(
        opened,
        gantry_memory::Opened::Loaded {
            applied_seq: 41,
            vectors: 20_000
        }
    ));
    assert_eq!(index.applied_seq().await.unwrap(), 41);
    // Written and removed while it loads: both survive the swap.
    let fresh = (item(()), vectors(1, dim, 77).remove(0));
    index.upsert(vec![fresh.clone()]).await.unwrap();
    index.remove(&[saved[0].0.id]).await.unwrap();
    index.set_applied_seq(42);
    // A snapshot taken now waits for the whole graph rather than saving a part of it.
    let snapshot = index.snapshot("model");
    assert_eq!(snapshot.items.len(), 20_000, "loaded - 1 removed + 1 new");
    assert_eq!(snapshot.applied_seq, 42);
    assert!(snapshot.items.iter().any(|i| i.id == fresh.0.id));
    assert!(snapshot.items.iter().all(|i| i.id != saved[0].0.id));
    let all = SearchFilter {
        owner_id: owner,
        kind: None,
        parents: vec![],
    };
    let hits = index.search(&saved[5].1, 1, &all).await.unwrap();
    assert_eq!(hits[0].item.id, saved[5].0.id, "the loaded graph answers");
}

#[tokio::test]
async fn a_saved_index_says_it_is_loading_until_its_graph_is_built() {
    let dim = 32;
    let data = vectors(30_000, dim, 11);
    let owner = UserId::new();
    let items: Vec<IndexedItem> = data
        .iter()
        .map(|_| IndexedItem {
            id: Uuid::now_v7(),
            owner_id: owner,
            kind: ChangeKind::Chunk,
            parent_id: Uuid::nil(),
        })
        .collect();
    let snapshot = gantry_memory::Snapshot {
        embedder: "test".into(),
        dimension: dim,
        applied_seq: 7,
        items,
        vectors: data
            .iter()
            .flat_map(|v| gantry_memory::normalise(v, dim).unwrap())
            .collect(),
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vectors.gvec");
    snapshot.save(&path).unwrap();

    let (index, _) = HnswIndex::open(&path, "test", dim, HnswParams::default()).unwrap();
    // Building 30,000 vectors takes seconds; the index answers at once, and says so.
    assert!(index.loading(), "loading while the graph is built");
    assert_eq!(index.applied_seq().await.unwrap(), 7);
    index.wait_for_rebuild();
    assert!(!index.loading());
    assert_eq!(index.len(), 30_000);
}
