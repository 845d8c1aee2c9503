//! The tantivy keyword index: what a person searching their own messages and documents
//! would notice.

use gantry_core::UserId;
use gantry_core::index::{IndexedItem, SearchFilter};
use gantry_core::store::ChangeKind;
use gantry_memory::KeywordIndex;
use gantry_memory::{MAX_QUERY_BYTES, MAX_TEXT_BYTES, Snippet, TantivyIndex};
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

fn message(owner: UserId) -> IndexedItem {
    item(owner, ChangeKind::Message, Uuid::nil())
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

async fn ids(index: &TantivyIndex, query: &str, filter: &SearchFilter) -> Vec<Uuid> {
    index
        .search(query, 10, filter)
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.item.id)
        .collect()
}

#[tokio::test]
async fn running_finds_runs_and_run() {
    let index = TantivyIndex::in_memory().unwrap();
    let owner = UserId::new();
    let (a, b, c) = (message(owner), message(owner), message(owner));
    index
        .upsert(vec![
            (a, "She runs every morning".into()),
            (b, "I want to run a marathon".into()),
            (c, "Bake the bread at 200 degrees".into()),
        ])
        .await
        .unwrap();
    let mut found = ids(&index, "Running", &only(owner)).await;
    found.sort();
    let mut expected = vec![a.id, b.id];
    expected.sort();
    assert_eq!(found, expected);
}

#[tokio::test]
async fn a_message_is_searchable_as_soon_as_upsert_returns() {
    let index = TantivyIndex::in_memory().unwrap();
    let owner = UserId::new();
    for n in 0..5 {
        let it = message(owner);
        index
            .upsert(vec![(it, format!("note number {n} about zebras"))])
            .await
            .unwrap();
        assert!(ids(&index, "zebras", &only(owner)).await.contains(&it.id));
        assert_eq!(index.len(), n + 1);
    }
}

#[tokio::test]
async fn upserting_an_id_again_replaces_its_text() {
    let index = TantivyIndex::in_memory().unwrap();
    let owner = UserId::new();
    let it = message(owner);
    index
        .upsert(vec![(it, "the old draft about penguins".into())])
        .await
        .unwrap();
    index
        .upsert(vec![(it, "the final text about giraffes".into())])
        .await
        .unwrap();
    assert!(ids(&index, "penguins", &only(owner)).await.is_empty());
    assert_eq!(ids(&index, "giraffes", &only(owner)).await, vec![it.id]);
    assert_eq!(ids(&index, "text about", &only(owner)).await, vec![it.id]);
    assert_eq!(index.len(), 1);

    // The same id twice in one batch: the last one wins.
    index
        .upsert(vec![
            (it, "first koala".into()),
            (it, "second wombat".into()),
        ])
        .await
        .unwrap();
    assert!(ids(&index, "koala", &only(owner)).await.is_empty());
    assert_eq!(ids(&index, "wombat", &only(owner)).await, vec![it.id]);
    assert_eq!(index.len(), 1);
}

#[tokio::test]
async fn removed_items_are_not_found_and_unknown_ids_are_ignored() {
    let index = TantivyIndex::in_memory().unwrap();
    let owner = UserId::new();
    let (a, b) = (message(owner), message(owner));
    index
        .upsert(vec![(a, "apples".into()), (b, "more apples".into())])
        .await
        .unwrap();
    index.remove(&[a.id, Uuid::now_v7()]).await.unwrap();
    assert_eq!(ids(&index, "apples", &only(owner)).await, vec![b.id]);
    assert_eq!(index.len(), 1);
    index.remove(&[]).await.unwrap();
    index.remove(&[b.id]).await.unwrap();
    assert!(index.is_empty());
    assert!(ids(&index, "apples", &only(owner)).await.is_empty());
}

#[tokio::test]
async fn one_user_never_sees_another_users_items() {
    let index = TantivyIndex::in_memory().unwrap();
    let (alice, bob) = (UserId::new(), UserId::new());
    let (a, b) = (message(alice), message(bob));
    index
        .upsert(vec![
            (a, "my secret password is hunter2".into()),
            (b, "my secret password is hunter2".into()),
        ])
        .await
        .unwrap();
    assert_eq!(
        ids(&index, "secret password", &only(alice)).await,
        vec![a.id]
    );
    assert_eq!(ids(&index, "secret password", &only(bob)).await, vec![b.id]);
    // Field syntax in the query is just words, not a way around the owner filter.
    let sneaky = format!("owner:{} id:{} hunter2", alice, a.id);
    assert_eq!(ids(&index, &sneaky, &only(bob)).await, vec![b.id]);
    assert!(ids(&index, "secret", &only(UserId::new())).await.is_empty());
}

#[tokio::test]
async fn kind_and_parent_filters_narrow_the_results() {
    let index = TantivyIndex::in_memory().unwrap();
    let owner = UserId::new();
    let (chat1, chat2, doc) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let m1 = item(owner, ChangeKind::Message, chat1);
    let m2 = item(owner, ChangeKind::Message, chat2);
    let c1 = item(owner, ChangeKind::Chunk, doc);
    index
        .upsert(vec![
            (m1, "budget meeting".into()),
            (m2, "budget review".into()),
            (c1, "annual budget report".into()),
        ])
        .await
        .unwrap();
    let filter = |kind, parents| SearchFilter {
        owner_id: owner,
        kind,
        parents,
    };
    let sorted = |mut v: Vec<Uuid>| {
        v.sort();
        v
    };
    assert_eq!(
        ids(&index, "budget", &filter(Some(ChangeKind::Chunk), vec![])).await,
        vec![c1.id]
    );
    assert_eq!(
        sorted(ids(&index, "budget", &filter(Some(ChangeKind::Message), vec![])).await),
        sorted(vec![m1.id, m2.id])
    );
    assert_eq!(
        ids(&index, "budget", &filter(None, vec![chat2])).await,
        vec![m2.id]
    );
    assert_eq!(
        sorted(ids(&index, "budget", &filter(None, vec![chat1, doc])).await),
        sorted(vec![m1.id, c1.id])
    );
    assert!(
        ids(
            &index,
            "budget",
            &filter(Some(ChangeKind::Chunk), vec![chat1])
        )
        .await
        .is_empty()
    );
    assert_eq!(index.len(), 3);
}

#[tokio::test]
async fn search_rebuilds_the_whole_item() {
    let index = TantivyIndex::in_memory().unwrap();
    let owner = UserId::new();
    let it = item(owner, ChangeKind::Chunk, Uuid::now_v7());
    index
        .upsert(vec![(it, "quarterly figures".into())])
        .await
        .unwrap();
    let hits = index.search("figures", 5, &only(owner)).await.unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].item, it);
    assert!(hits[0].score > 0.0);
}

#[tokio::test]
async fn bm25_puts_the_better_match_first() {
    let index = TantivyIndex::in_memory().unwrap();
    let owner = UserId::new();
    let mut items = Vec::new();
    for n in 0..20 {
        items.push((
            message(owner),
            format!("a note about the weather, number {n}"),
        ));
    }
    let both = message(owner);
    let rare = message(owner);
    items.push((both, "volcano weather".into()));
    items.push((rare, "a volcano erupted".into()));
    index.upsert(items).await.unwrap();

    let hits = index
        .search("weather volcano", 5, &only(owner))
        .await
        .unwrap();
    assert_eq!(hits.len(), 5);
    // Of two equally long texts, the one with both words wins; the rare word alone beats
    // the common word alone.
    assert_eq!(hits[0].item.id, both.id);
    assert_eq!(hits[1].item.id, rare.id);
    assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
}

#[tokio::test]
async fn k_limits_the_results() {
    let index = TantivyIndex::in_memory().unwrap();
    let owner = UserId::new();
    let items = (0..8)
        .map(|_| (message(owner), "lemon".to_owned()))
        .collect();
    index.upsert(items).await.unwrap();
    assert!(
        index
            .search("lemon", 0, &only(owner))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        index.search("lemon", 3, &only(owner)).await.unwrap().len(),
        3
    );
    assert_eq!(
        index
            .search("lemon", usize::MAX, &only(owner))
            .await
            .unwrap()
            .len(),
        8
    );
}

#[tokio::test]
async fn hostile_or_empty_queries_are_just_text() {
    let index = TantivyIndex::in_memory().unwrap();
    let owner = UserId::new();
    let it = message(owner);
    index
        .upsert(vec![(it, "Note: the C++ build failed (again)".into())])
        .await
        .unwrap();
    let long = "build ".repeat(MAX_QUERY_BYTES);
    let long_multibyte = "é".repeat(MAX_QUERY_BYTES);
    for query in [
        "\"AND OR ((",
        "foo AND (",
        ":::",
        "*",
        "build*",
        "text:/.*/",
        "kind:message",
        "build~2",
        "^2",
        "\\",
        "[a TO z]",
        long.as_str(),
        long_multibyte.as_str(),
    ] {
        index.search(query, 10, &only(owner)).await.unwrap();
        index.search_with_snippets(query, 10, &only(owner)).unwrap();
    }
    // Punctuation and field-like prefixes do not eat the words next to them.
    assert_eq!(ids(&index, "note: build(", &only(owner)).await, vec![it.id]);
    assert_eq!(ids(&index, long.as_str(), &only(owner)).await, vec![it.id]);
    // Nothing to search for: no results rather than an error, nor everything.
    for query in ["", "   \n\t", "*", "the and of", "!!!"] {
        assert!(
            ids(&index, query, &only(owner)).await.is_empty(),
            "{query:?}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever a user types, a search answers.
    #[test]
    fn any_query_string_is_answered(query in "\\PC{0,80}", raw in ".{0,40}") {
        rt().block_on(async {
            let index = TantivyIndex::in_memory().unwrap();
            let owner = UserId::new();
            index
                .upsert(vec![(message(owner), format!("{query} {raw} something"))])
                .await
                .unwrap();
            for q in [query.as_str(), raw.as_str()] {
                prop_assert!(index.search(q, 5, &only(owner)).await.is_ok());
                let hits = index.search_with_snippets(q, 5, &only(owner)).unwrap();
                for hit in hits {
                    let _ = hit.snippet.to_html();
                }
            }
            Ok(())
        })?;
    }
}

#[tokio::test]
async fn snippets_mark_the_stemmed_match_and_escape_html() {
    let index = TantivyIndex::in_memory().unwrap();
    let owner = UserId::new();
    let it = message(owner);
    let text = "Tip: <script>alert(1)</script> the dogs were running & jumping";
    index.upsert(vec![(it, text.into())]).await.unwrap();
    let hits = index.search_with_snippets("run", 5, &only(owner)).unwrap();
    assert_eq!(hits.len(), 1);
    let hit = &hits[0];
    assert_eq!(hit.hit.item, it);
    assert_eq!(hit.text, text);
    let snippet = &hit.snippet;
    assert_eq!(
        snippet
            .highlighted
            .iter()
            .map(|r| &snippet.fragment[r.clone()])
            .collect::<Vec<_>>(),
        vec!["running"]
    );
    let html = snippet.to_html();
    assert!(html.contains("<mark>running</mark>"), "{html}");
    assert!(html.contains("&lt;script&gt;"), "{html}");
    assert!(!html.contains("<script>"), "{html}");
    assert!(html.contains("&amp; jumping"), "{html}");
}

#[test]
fn snippets_of_long_texts_are_short() {
    let index = TantivyIndex::in_memory().unwrap();
    let owner = UserId::new();
    let text = format!("{} the needle {}", "hay ".repeat(500), "straw ".repeat(500));
    rt().block_on(index.upsert(vec![(message(owner), text)]))
        .unwrap();
    let hits = index
        .search_with_snippets("needle", 5, &only(owner))
        .unwrap();
    let snippet = &hits[0].snippet;
    assert!(snippet.fragment.chars().count() <= 200);
    assert!(snippet.to_html().contains("<mark>needle</mark>"));
}

#[test]
fn to_html_escapes_and_marks() {
    let snippet = Snippet {
        fragment: "a <b> & \"c\" 'd'".into(),
        highlighted: vec![2..5, 9..10],
    };
    assert_eq!(
        snippet.to_html(),
        "a <mark>&lt;b&gt;</mark> &amp; &quot;<mark>c</mark>&quot; &#39;d&#39;"
    );
}

#[tokio::test]
async fn texts_returns_the_stored_text_of_known_ids() {
    let index = TantivyIndex::in_memory().unwrap();
    let owner = UserId::new();
    let (a, b) = (message(owner), message(owner));
    index
        .upsert(vec![(a, "alpha text".into()), (b, "beta text".into())])
        .await
        .unwrap();
    let unknown = Uuid::now_v7();
    let texts = index.texts(&[a.id, unknown, b.id]).unwrap();
    assert_eq!(texts.len(), 2);
    assert_eq!(texts[&a.id], "alpha text");
    assert_eq!(texts[&b.id], "beta text");
    assert!(index.texts(&[]).unwrap().is_empty());
}

#[tokio::test]
async fn an_oversized_item_rejects_the_whole_batch() {
    let index = TantivyIndex::in_memory().unwrap();
    let owner = UserId::new();
    let kept = message(owner);
    index
        .apply_blocking(vec![(kept, "original words".into())], &[], 7)
        .unwrap();
    let batch = vec![
        (kept, "replacement words".to_owned()),
        (message(owner), "fresh words".to_owned()),
        (message(owner), "x".repeat(MAX_TEXT_BYTES + 1)),
    ];
    let err = index.upsert(batch.clone()).await.unwrap_err();
    assert!(err.to_string().contains("text"), "{err}");
    assert!(index.apply_blocking(batch, &[kept.id], 9).is_err());
    assert_eq!(index.len(), 1);
    assert_eq!(ids(&index, "original", &only(owner)).await, vec![kept.id]);
    assert!(
        ids(&index, "fresh replacement", &only(owner))
            .await
            .is_empty()
    );
    assert_eq!(index.applied_seq().await.unwrap(), 7);
    // Exactly the limit is fine.
    index
        .upsert(vec![(message(owner), "y".repeat(MAX_TEXT_BYTES))])
        .await
        .unwrap();
    assert_eq!(index.len(), 2);
}

#[tokio::test]
async fn apply_writes_upserts_removals_and_seq_together() {
    let index = TantivyIndex::in_memory().unwrap();
    let owner = UserId::new();
    assert_eq!(index.applied_seq().await.unwrap(), 0);
    let (a, b, c) = (message(owner), message(owner), message(owner));
    index
        .apply_blocking(vec![(a, "cat".into()), (b, "cat".into())], &[], 2)
        .unwrap();
    // c is written and deleted in the same batch: the removal wins.
    index
        .apply_blocking(vec![(c, "cat".into())], &[a.id, c.id], 5)
        .unwrap();
    assert_eq!(ids(&index, "cat", &only(owner)).await, vec![b.id]);
    assert_eq!(index.applied_seq().await.unwrap(), 5);
    // The trait's writes keep the sequence; set_applied_seq moves it.
    index.upsert(vec![(a, "cat".into())]).await.unwrap();
    assert_eq!(index.applied_seq().await.unwrap(), 5);
    index.set_applied_seq(11).unwrap();
    assert_eq!(index.applied_seq().await.unwrap(), 11);
    assert!(index.set_applied_seq(-1).is_err());
    assert_eq!(index.applied_seq().await.unwrap(), 11);
}

#[tokio::test]
async fn data_and_applied_seq_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keyword");
    let owner = UserId::new();
    let it = message(owner);
    {
        let index = TantivyIndex::open(&path).unwrap();
        assert_eq!(index.applied_seq().await.unwrap(), 0);
        index
            .apply_blocking(vec![(it, "persistent memories".into())], &[], 42)
            .unwrap();
        index
            .upsert(vec![(message(owner), "other".into())])
            .await
            .unwrap();
    }
    let index = TantivyIndex::open(&path).unwrap();
    assert_eq!(index.applied_seq().await.unwrap(), 42);
    assert_eq!(index.len(), 2);
    assert_eq!(ids(&index, "memory", &only(owner)).await, vec![it.id]);
    index.set_applied_seq(43).unwrap();
    drop(index);
    let index = TantivyIndex::open(&path).unwrap();
    assert_eq!(index.applied_seq().await.unwrap(), 43);
}

#[tokio::test]
async fn an_index_open_for_writing_is_not_opened_again_nor_wiped() {
    let dir = tempfile::tempdir().unwrap();
    let owner = UserId::new();
    let first = TantivyIndex::open(dir.path()).unwrap();
    first
        .apply_blocking(vec![(message(owner), "busy".into())], &[], 3)
        .unwrap();
    assert!(TantivyIndex::open(dir.path()).is_err());
    assert_eq!(first.len(), 1);
    drop(first);
    let again = TantivyIndex::open(dir.path()).unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again.applied_seq().await.unwrap(), 3);
}

#[tokio::test]
async fn a_corrupt_directory_reopens_empty_at_seq_zero() {
    let dir = tempfile::tempdir().unwrap();
    let owner = UserId::new();
    {
        let index = TantivyIndex::open(dir.path()).unwrap();
        index
            .apply_blocking(vec![(message(owner), "soon lost".into())], &[], 9)
            .unwrap();
    }
    std::fs::write(dir.path().join("meta.json"), b"{ not json at all").unwrap();
    let index = TantivyIndex::open(dir.path()).unwrap();
    assert_eq!(index.applied_seq().await.unwrap(), 0);
    assert!(index.is_empty());
    // And it works again, across a reopen.
    let it = message(owner);
    index
        .apply_blocking(vec![(it, "rebuilt".into())], &[], 1)
        .unwrap();
    drop(index);
    let index = TantivyIndex::open(dir.path()).unwrap();
    assert_eq!(index.applied_seq().await.unwrap(), 1);
    assert_eq!(ids(&index, "rebuilt", &only(owner)).await, vec![it.id]);
}

#[tokio::test]
async fn an_index_with_another_schema_is_replaced() {
    use tantivy::schema::{STORED, Schema, TEXT};

    let dir = tempfile::tempdir().unwrap();
    {
        let mut builder = Schema::builder();
        let body = builder.add_text_field("body", TEXT | STORED);
        let old = tantivy::Index::create_in_dir(dir.path(), builder.build()).unwrap();
        let mut writer: tantivy::IndexWriter = old.writer(15_000_000).unwrap();
        writer
            .add_document(tantivy::doc!(body => "from an older version"))
            .unwrap();
        let mut commit = writer.prepare_commit().unwrap();
        commit.set_payload("77");
        commit.commit().unwrap();
    }
    let index = TantivyIndex::open(dir.path()).unwrap();
    assert!(index.is_empty());
    assert_eq!(index.applied_seq().await.unwrap(), 0);
}

#[tokio::test]
async fn a_missing_directory_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a").join("b");
    let index = TantivyIndex::open(&path).unwrap();
    assert!(index.is_empty());
    assert!(path.join("meta.json").exists());
}
