//! The vector indexes, exact and HNSW, through one suite: what they return is what a
//! person would expect from a search.

use gantry_core::UserId;
use gantry_core::index::{IndexedItem, SearchFilter};
use gantry_core::store::ChangeKind;
use gantry_memory::VectorIndex;
use gantry_memory::{ExactIndex, HnswIndex, HnswParams};
use proptest::prelude::*;
use uuid::Uuid;

fn item(owner: UserId, kind: ChangeKind, parent: Uuid) -> IndexedItem {
    IndexedItem {
        id: Uuid::now_v7(),
        owner_id: owner,
        kind,
        parent_id: parent,
    }
}

fn only(owner: UserId) -> SearchFilter {
    SearchFilter {
        owner_id: owner,
        kind: None,
        parents: Vec::new(),
    }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

macro_rules! vector_suite {
    ($suite:ident, $new:expr) => {
        mod $suite {
            use super::*;

            proptest! {
                #![proptest_config(ProptestConfig::with_cases(32))]

                /// Every inserted vector is found by a search for itself, first, with similarity 1.
                #[test]
                fn every_vector_is_found_by_itself(vectors in proptest::collection::vec(proptest::collection::vec(-1.0f32..1.0, 16), 1..60)) {
                    rt().block_on(async {
                        let index = ($new)(16);
                        let owner = UserId::new();
                        let mut items = Vec::new();
                        for v in &vectors {
                            if v.iter().all(|x| *x == 0.0) { continue; }
                            let it = item(owner, ChangeKind::Message, Uuid::nil());
                            items.push((it, v.clone()));
                        }
                        index.upsert(items.clone()).await.unwrap();
                        for (it, v) in &items {
                            let hits = index.search(v, 1, &only(owner)).await.unwrap();
                            prop_assert!((hits[0].score - 1.0).abs() < 1e-4);
                            // Only another vector pointing exactly the same way may come first.
                            if hits[0].item.id != it.id {
                                let (_, other) = items.iter().find(|(i, _)| i.id == hits[0].item.id).unwrap();
                                let cos = gantry_memory::dot(other, v) / (gantry_memory::dot(other, other) * gantry_memory::dot(v, v)).sqrt();
                                prop_assert!(cos > 1.0 - 1e-5, "found a different vector (cosine {cos})");
                            }
                        }
                        Ok(())
                    })?;
                }
            }

            #[tokio::test]
            async fn results_are_ranked_and_limited() {
                let index = ($new)(2);
                let owner = UserId::new();
                let angles = [0.0f32, 0.3, 0.6, 0.9, 1.2];
                let items: Vec<_> = angles
                    .iter()
                    .map(|a| {
                        (
                            item(owner, ChangeKind::Chunk, Uuid::nil()),
                            vec![a.cos(), a.sin()],
                        )
                    })
                    .collect();
                index.upsert(items.clone()).await.unwrap();
                let hits = index.search(&[1.0, 0.0], 3, &only(owner)).await.unwrap();
                let ids: Vec<_> = hits.iter().map(|h| h.item.id).collect();
                assert_eq!(ids, [items[0].0.id, items[1].0.id, items[2].0.id]);
                assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
                assert!(
                    index
                        .search(&[1.0, 0.0], 0, &only(owner))
                        .await
                        .unwrap()
                        .is_empty()
                );
                // Unnormalised queries and vectors are compared by angle.
                let hits = index.search(&[10.0, 0.0], 1, &only(owner)).await.unwrap();
                assert!((hits[0].score - 1.0).abs() < 1e-5);
            }

            #[tokio::test]
            async fn filters_keep_owners_kinds_and_parents_apart() {
                let index = ($new)(3);
                let (ada, bob) = (UserId::new(), UserId::new());
                let (chat, doc) = (Uuid::now_v7(), Uuid::now_v7());
                let ada_message = item(ada, ChangeKind::Message, chat);
                let ada_chunk = item(ada, ChangeKind::Chunk, doc);
                let bob_message = item(bob, ChangeKind::Message, Uuid::now_v7());
                let same = vec![1.0, 2.0, 3.0];
                index
                    .upsert(vec![
                        (ada_message, same.clone()),
                        (ada_chunk, same.clone()),
                        (bob_message, same.clone()),
                    ])
                    .await
                    .unwrap();
                let ids = |hits: Vec<gantry_core::index::Hit>| {
                    hits.into_iter().map(|h| h.item.id).collect::<Vec<_>>()
                };
                let mut ada_all = ids(index.search(&same, 10, &only(ada)).await.unwrap());
                ada_all.sort();
                let mut expected = vec![ada_message.id, ada_chunk.id];
                expected.sort();
                assert_eq!(ada_all, expected, "never bob's");
                assert_eq!(
                    ids(index.search(&same, 10, &only(bob)).await.unwrap()),
                    [bob_message.id]
                );
                let chunks = SearchFilter {
                    owner_id: ada,
                    kind: Some(ChangeKind::Chunk),
                    parents: vec![],
                };
                assert_eq!(
                    ids(index.search(&same, 10, &chunks).await.unwrap()),
                    [ada_chunk.id]
                );
                let in_chat = SearchFilter {
                    owner_id: ada,
                    kind: None,
                    parents: vec![chat],
                };
                assert_eq!(
                    ids(index.search(&same, 10, &in_chat).await.unwrap()),
                    [ada_message.id]
                );
                // A filter that matches nothing returns nothing, even with k larger than the index.
                let nobody = only(UserId::new());
                assert!(index.search(&same, 10, &nobody).await.unwrap().is_empty());
            }

            #[tokio::test]
            async fn upsert_replaces_and_remove_forgets() {
                let index = ($new)(2);
                let owner = UserId::new();
                let (a, b, c) = (
                    item(owner, ChangeKind::Message, Uuid::nil()),
                    item(owner, ChangeKind::Message, Uuid::nil()),
                    item(owner, ChangeKind::Message, Uuid::nil()),
                );
                index
                    .upsert(vec![
                        (a, vec![1.0, 0.0]),
                        (b, vec![0.0, 1.0]),
                        (c, vec![1.0, 1.0]),
                    ])
                    .await
                    .unwrap();
                // Moving `a` to where `b` was makes it the best match there.
                index.upsert(vec![(a, vec![0.0, 1.0])]).await.unwrap();
                assert_eq!(index.len(), 3);
                index.remove(&[b.id, Uuid::now_v7()]).await.unwrap();
                assert_eq!(index.len(), 2);
                let hits = index.search(&[0.0, 1.0], 3, &only(owner)).await.unwrap();
                assert_eq!(
                    hits.iter().map(|h| h.item.id).collect::<Vec<_>>(),
                    [a.id, c.id]
                );
                index.remove(&[a.id, c.id]).await.unwrap();
                assert!(index.is_empty());
                assert!(
                    index
                        .search(&[0.0, 1.0], 3, &only(owner))
                        .await
                        .unwrap()
                        .is_empty()
                );
            }

            #[tokio::test]
            async fn bad_vectors_are_refused_and_change_nothing() {
                let index = ($new)(2);
                let owner = UserId::new();
                let good = (
                    item(owner, ChangeKind::Message, Uuid::nil()),
                    vec![1.0, 0.0],
                );
                for bad in [vec![1.0], vec![f32::NAN, 1.0], vec![0.0, 0.0]] {
                    let err = index
                        .upsert(vec![
                            good.clone(),
                            (item(owner, ChangeKind::Message, Uuid::nil()), bad),
                        ])
                        .await
                        .unwrap_err();
                    assert_eq!(err.invalid_field(), Some("vector"), "{err}");
                }
                assert!(index.is_empty(), "a bad vector rejects its whole batch");
                assert_eq!(
                    index
                        .search(&[1.0, 0.0, 0.0], 1, &only(owner))
                        .await
                        .unwrap_err()
                        .invalid_field(),
                    Some("vector")
                );
                assert_eq!(
                    ExactIndex::new(0).unwrap_err().invalid_field(),
                    Some("dimension")
                );
            }

        }
    };
}

vector_suite!(exact, |d| ExactIndex::new(d).unwrap());
vector_suite!(hnsw, |d| HnswIndex::new(d, HnswParams::default()).unwrap());
// The same suite with every search walking the graph, however few vectors pass the filter.
vector_suite!(hnsw_graph_only, |d| HnswIndex::new(
    d,
    HnswParams {
        exact_below: 0,
        ..HnswParams::default()
    }
)
.unwrap());

#[test]
fn bad_dimensions_and_parameters_are_refused() {
    assert_eq!(
        ExactIndex::new(0).unwrap_err().invalid_field(),
        Some("dimension")
    );
    assert_eq!(
        HnswIndex::new(0, HnswParams::default())
            .unwrap_err()
            .invalid_field(),
        Some("dimension")
    );
    // hnsw_rs would exit the whole process for m > 256; we refuse first.
    let wide = HnswParams {
        m: 257,
        ..HnswParams::default()
    };
    assert_eq!(
        HnswIndex::new(8, wide).unwrap_err().invalid_field(),
        Some("m")
    );
}
