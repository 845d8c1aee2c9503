//! The change feed that indexes follow.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;
use std::sync::Arc;

use gantry_core::Store;
use gantry_core::model::{
    MessageRole, MessageStatus, NewChunk, NewConversation, NewDocument, NewEntity, NewMessage,
    NewRelation,
};
use gantry_core::store::{Change, ChangeKind, MessageUpdate};
use gantry_store::{PostgresStore, SqliteStore};
use sqlx::postgres::PgConnectOptions;
use uuid::Uuid;

use crate::harness::{TestStore, user};

/// What an index following the feed would hold: id -> text.
async fn follow(store: &dyn Store, from: i64, state: &mut BTreeMap<Uuid, String>) -> i64 {
    let mut applied = from;
    loop {
        let changes = store.changes_since(applied, 7).await.unwrap();
        let Some(last) = changes.last() else {
            return applied;
        };
        for change in &changes {
            assert!(change.seq() > applied, "the feed goes forward");
            match change {
                Change::Message { message, .. } => {
                    state.insert(message.id.0, message.content.clone());
                }
                Change::Chunk { chunk, .. } => {
                    state.insert(chunk.id.0, chunk.text.clone());
                }
                Change::Deleted { id, .. } => {
                    state.remove(id);
                }
            }
            applied = change.seq();
        }
        assert_eq!(applied, last.seq());
    }
}

async fn a_follower_ends_in_step_with_the_store(store: TestStore) {
    let ada = user(&*store, "ada").await;
    let conv = store
        .create_conversation(
            ada.id,
            NewConversation {
                title: "c".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mut state = BTreeMap::new();
    let mut applied = follow(&*store, 0, &mut state).await;
    assert_eq!(applied, 0);

    let m1 = store
        .append_message(ada.id, conv.id, NewMessage::new(MessageRole::User, "one"))
        .await
        .unwrap();
    let m2 = store
        .append_message(ada.id, conv.id, NewMessage::new(MessageRole::User, "two"))
        .await
        .unwrap();
    let doc = store
        .create_document(
            ada.id,
            NewDocument {
                filename: "d.txt".into(),
                content_type: "text/plain".into(),
                size_bytes: 9,
            },
        )
        .await
        .unwrap();
    let chunks: Vec<_> = (0..10)
        .map(|i| NewChunk {
            ordinal: i,
            text: format!("chunk {i}"),
            token_count: 2,
            embedding: None,
            heading: None,
            page: None,
        })
        .collect();
    store.add_chunks(ada.id, doc.id, chunks).await.unwrap();
    applied = follow(&*store, applied, &mut state).await;
    assert_eq!(state.len(), 12);
    assert_eq!(applied, store.latest_seq().await.unwrap());

    // An update moves the row to a new number; deletes leave tombstones.
    store
        .update_message(
            ada.id,
            m1.id,
            MessageUpdate {
                content: "one, edited".into(),
                status: MessageStatus::Complete,
                prompt_tokens: None,
                completion_tokens: None,
                error: None,
                context: None,
            },
        )
        .await
        .unwrap();
    store.delete_message(ada.id, m2.id).await.unwrap();
    store.delete_document(ada.id, doc.id).await.unwrap();
    applied = follow(&*store, applied, &mut state).await;
    assert_eq!(state, BTreeMap::from([(m1.id.0, "one, edited".to_owned())]));

    // A follower starting from scratch reaches the same state.
    let mut fresh = BTreeMap::new();
    assert_eq!(follow(&*store, 0, &mut fresh).await, applied);
    assert_eq!(fresh, state);

    // Deleting the conversation (and the user) tombstones what is left.
    store.delete_conversation(ada.id, conv.id).await.unwrap();
    follow(&*store, applied, &mut state).await;
    assert!(state.is_empty());
    let tombstones: Vec<_> = store
        .changes_since(0, 500)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|c| match c {
            Change::Deleted { kind, owner_id, .. } => Some((kind, owner_id)),
            _ => None,
        })
        .collect();
    assert_eq!(tombstones.len(), 12, "m2, ten chunks, then m1");
    assert!(tombstones.iter().all(|(_, owner)| *owner == ada.id));
    assert_eq!(
        tombstones
            .iter()
            .filter(|(k, _)| *k == ChangeKind::Chunk)
            .count(),
        10
    );

    // Compaction forgets tombstones up to a number and keeps the later ones and every row.
    let all = store.changes_since(0, 500).await.unwrap();
    let deleted: Vec<i64> = all
        .iter()
        .filter(|c| matches!(c, Change::Deleted { .. }))
        .map(Change::seq)
        .collect();
    let cut = deleted[5];
    assert_eq!(store.compact_tombstones(cut).await.unwrap(), 6);
    let after = store.changes_since(0, 500).await.unwrap();
    let left: Vec<i64> = after
        .iter()
        .filter(|c| matches!(c, Change::Deleted { .. }))
        .map(Change::seq)
        .collect();
    assert_eq!(left, deleted[6..]);
    assert_eq!(after.len(), all.len() - 6);
    assert_eq!(store.compact_tombstones(cut).await.unwrap(), 0);
}

async fn deleting_a_user_tombstones_everything_they_had(store: TestStore) {
    let ada = user(&*store, "ada").await;
    let conv = store
        .create_conversation(
            ada.id,
            NewConversation {
                title: "c".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    for i in 0..3 {
        store
            .append_message(
                ada.id,
                conv.id,
                NewMessage::new(MessageRole::User, format!("m{i}")),
            )
            .await
            .unwrap();
    }
    let mut state = BTreeMap::new();
    let applied = follow(&*store, 0, &mut state).await;
    assert_eq!(state.len(), 3);
    store.delete_user(ada.id).await.unwrap();
    follow(&*store, applied, &mut state).await;
    assert!(state.is_empty());
}

async fn concurrent_writers_get_distinct_numbers_in_commit_order(store: TestStore) {
    let store: Arc<dyn Store> = store.store.clone();
    let ada = user(&*store, "ada").await;
    let conv = store
        .create_conversation(
            ada.id,
            NewConversation {
                title: "c".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut ids = Vec::new();
                for i in 0..25 {
                    let m = store
                        .append_message(
                            ada.id,
                            conv.id,
                            NewMessage::new(MessageRole::User, format!("w{w} m{i}")),
                        )
                        .await
                        .unwrap();
                    ids.push(m.id.0);
                }
                ids
            })
        })
        .collect();
    // Follow the feed while the writers write: a follower must never skip a change that
    // commits after it has read past its number.
    let mut state = BTreeMap::new();
    let mut applied = 0;
    while !writers.iter().all(|w| w.is_finished()) {
        applied = follow(&*store, applied, &mut state).await;
        tokio::task::yield_now().await;
    }
    let mut written = BTreeSet::new();
    for w in writers {
        written.extend(w.await.unwrap());
    }
    follow(&*store, applied, &mut state).await;
    assert_eq!(state.keys().copied().collect::<BTreeSet<_>>(), written);
    assert_eq!(store.latest_seq().await.unwrap(), 100);
    let seqs: Vec<_> = store
        .changes_since(0, 500)
        .await
        .unwrap()
        .iter()
        .map(Change::seq)
        .collect();
    assert_eq!(seqs, (1..=100).collect::<Vec<_>>());
}

/// What the feed says the store holds: each live message or chunk at its latest number,
/// and every tombstone's number.
#[derive(Debug, Default, PartialEq)]
struct Feed {
    live: BTreeMap<Uuid, i64>,
    tombstones: BTreeSet<i64>,
}

impl Feed {
    fn apply(&mut self, change: &Change) {
        match change {
            Change::Message { seq, message } => {
                self.live.insert(message.id.0, *seq);
            }
            Change::Chunk { seq, chunk } => {
                self.live.insert(chunk.id.0, *seq);
            }
            Change::Deleted { seq, id, .. } => {
                self.live.remove(id);
                self.tombstones.insert(*seq);
            }
        }
    }
}

/// One pass of a follower, exactly as an indexer does it: ask for what follows `applied`,
/// apply it, move `applied` to the batch's last number. Returns whether there was anything.
async fn follow_once(store: &dyn Store, applied: &mut i64, feed: &mut Feed, limit: u32) -> bool {
    let changes = store.changes_since(*applied, limit).await.unwrap();
    let Some(last) = changes.last() else {
        return false;
    };
    for change in &changes {
        assert!(change.seq() > *applied, "the feed goes forward");
        feed.apply(change);
        *applied = change.seq();
    }
    assert_eq!(*applied, last.seq());
    true
}

/// Messages, chunks and deletes commit on several tasks while a follower reads the feed in
/// small batches: every change must reach it. A batch read in more than one snapshot can
/// hold a later change without an earlier one, and the follower, moving past both, never
/// sees the earlier one again.
async fn a_follower_misses_no_change_while_messages_chunks_and_deletes_commit(store: TestStore) {
    follower_misses_no_change(store.store.clone()).await;
}

async fn follower_misses_no_change(store: Arc<dyn Store>) {
    let ada = user(&*store, "ada").await;
    // Long answers make reading the new messages take a while, as they do in real use.
    let long = "x".repeat(64 * 1024);
    let mut writers = Vec::new();
    for w in 0..3 {
        let (store, long) = (store.clone(), long.clone());
        writers.push(tokio::spawn(async move {
            for round in 0..15 {
                let conv = store
                    .create_conversation(
                        ada.id,
                        NewConversation {
                            title: format!("w{w} r{round}"),
                            ..Default::default()
                        },
                    )
                    .await
                    .unwrap();
                for i in 0..4 {
                    store
                        .append_message(
                            ada.id,
                            conv.id,
                            NewMessage::new(
                                MessageRole::User,
                                format!("w{w} r{round} m{i} {long}"),
                            ),
                        )
                        .await
                        .unwrap();
                }
                if round % 3 == 2 {
                    store.delete_conversation(ada.id, conv.id).await.unwrap();
                }
            }
        }));
    }
    for w in 0..2 {
        let store = store.clone();
        writers.push(tokio::spawn(async move {
            for round in 0..15u32 {
                let doc = store
                    .create_document(
                        ada.id,
                        NewDocument {
                            filename: format!("w{w} d{round}.txt"),
                            content_type: "text/plain".into(),
                            size_bytes: 9,
                        },
                    )
                    .await
                    .unwrap();
                for i in 0..6u32 {
                    let chunk = NewChunk {
                        ordinal: i,
                        text: format!("w{w} d{round} c{i}"),
                        token_count: 2,
                        embedding: None,
                        heading: None,
                        page: None,
                    };
                    store.add_chunks(ada.id, doc.id, vec![chunk]).await.unwrap();
                }
                if round % 3 == 2 {
                    store.delete_document(ada.id, doc.id).await.unwrap();
                }
            }
        }));
    }
    let mut seen = Feed::default();
    let mut applied = 0;
    while !writers.iter().all(|w| w.is_finished()) {
        if !follow_once(&*store, &mut applied, &mut seen, 100).await {
            tokio::task::yield_now().await;
        }
    }
    for w in writers {
        w.await.unwrap();
    }
    while follow_once(&*store, &mut applied, &mut seen, 100).await {}
    assert_eq!(applied, store.latest_seq().await.unwrap());

    // With the writers done, read the whole feed again from the start: the follower must
    // hold exactly that.
    let mut truth = Feed::default();
    let mut from = 0;
    while follow_once(&*store, &mut from, &mut truth, 500).await {}
    assert_eq!(
        truth.live.len(),
        3 * 10 * 4 + 2 * 10 * 6,
        "the rows that survive"
    );
    let missed: Vec<_> = truth
        .live
        .iter()
        .filter(|(id, seq)| seen.live.get(id) != Some(seq))
        .map(|(_, seq)| seq)
        .collect();
    assert!(
        missed.is_empty(),
        "changes the follower never saw: {missed:?}"
    );
    assert_eq!(seen.live, truth.live, "every live row at its latest number");
    assert_eq!(seen.tombstones, truth.tombstones, "every tombstone");
}

/// A write raced by a delete of its parent may fail only because the parent is gone.
fn gone_or_done<T>(result: gantry_core::Result<T>, what: &str) {
    match result {
        Ok(_) | Err(gantry_core::Error::NotFound { .. }) => {}
        Err(error) => panic!("{what} failed: {error}"),
    }
}

/// Deletes race writes into what they delete (a document deleted while its chunks are
/// still being added, a conversation deleted while an answer is saved), with other writers
/// going on: each delete must number exactly the tombstones it writes, so no change number
/// is ever used twice and no later delete collides with an earlier tombstone.
async fn deletes_racing_writes_never_reuse_a_change_number(store: TestStore) {
    let store: Arc<dyn Store> = store.store.clone();
    let ada = user(&*store, "ada").await;
    // A steady writer elsewhere takes the numbers that follow each delete.
    let steady = {
        let store = store.clone();
        let conv = store
            .create_conversation(
                ada.id,
                NewConversation {
                    title: "c".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        tokio::spawn(async move {
            for i in 0..120 {
                store
                    .append_message(
                        ada.id,
                        conv.id,
                        NewMessage::new(MessageRole::User, format!("steady {i}")),
                    )
                    .await
                    .unwrap();
            }
        })
    };
    let documents = {
        let store = store.clone();
        tokio::spawn(async move {
            for round in 0..30u32 {
                let doc = store
                    .create_document(
                        ada.id,
                        NewDocument {
                            filename: format!("d{round}.txt"),
                            content_type: "text/plain".into(),
                            size_bytes: 9,
                        },
                    )
                    .await
                    .unwrap();
                let chunks = |from: u32| {
                    (from..from + 8)
                        .map(|i| NewChunk {
                            ordinal: i,
                            text: format!("d{round} c{i}"),
                            token_count: 2,
                            embedding: None,
                            heading: None,
                            page: None,
                        })
                        .collect::<Vec<_>>()
                };
                store.add_chunks(ada.id, doc.id, chunks(0)).await.unwrap();
                let adding = {
                    let store = store.clone();
                    let more = chunks(8);
                    tokio::spawn(async move { store.add_chunks(ada.id, doc.id, more).await })
                };
                let deleting = {
                    let store = store.clone();
                    tokio::spawn(async move { store.delete_document(ada.id, doc.id).await })
                };
                gone_or_done(adding.await.unwrap(), "add_chunks");
                deleting.await.unwrap().unwrap();
            }
        })
    };
    let conversations = {
        let store = store.clone();
        tokio::spawn(async move {
            for round in 0..30 {
                let conv = store
                    .create_conversation(
                        ada.id,
                        NewConversation {
                            title: "c".into(),
                            ..Default::default()
                        },
                    )
                    .await
                    .unwrap();
                store
                    .append_message(ada.id, conv.id, NewMessage::new(MessageRole::User, "q"))
                    .await
                    .unwrap();
                let answering = {
                    let store = store.clone();
                    tokio::spawn(async move {
                        store
                            .append_message(
                                ada.id,
                                conv.id,
                                NewMessage::new(MessageRole::Assistant, format!("a{round}")),
                            )
                            .await
                    })
                };
                let deleting = {
                    let store = store.clone();
                    tokio::spawn(async move { store.delete_conversation(ada.id, conv.id).await })
                };
                gone_or_done(answering.await.unwrap(), "append_message");
                deleting.await.unwrap().unwrap();
            }
        })
    };
    steady.await.unwrap();
    documents.await.unwrap();
    conversations.await.unwrap();

    let mut all = Vec::new();
    loop {
        let from = all.last().map_or(0, Change::seq);
        let page = store.changes_since(from, 500).await.unwrap();
        if page.is_empty() {
            break;
        }
        all.extend(page);
    }
    let mut numbers = BTreeMap::new();
    for change in &all {
        *numbers.entry(change.seq()).or_insert(0) += 1;
    }
    let reused: Vec<_> = numbers.iter().filter(|(_, n)| **n > 1).collect();
    assert!(reused.is_empty(), "change numbers used twice: {reused:?}");
    let latest = store.latest_seq().await.unwrap();
    assert!(
        all.iter().all(|c| c.seq() <= latest),
        "no number beyond the counter"
    );
    // Nothing of the deleted documents and conversations is left but tombstones.
    let live = all
        .iter()
        .filter(|c| !matches!(c, Change::Deleted { .. }))
        .count();
    assert_eq!(live, 120, "only the steady writer's messages are left");
}

/// A fact learned from a message, recorded while the message's conversation is deleted,
/// must go with the conversation rather than stay with its source cleared.
async fn a_fact_recorded_while_its_conversation_is_deleted_goes_with_it(store: TestStore) {
    let store: Arc<dyn Store> = store.store.clone();
    let ada = user(&*store, "ada").await;
    let entity = |name: &str| NewEntity {
        name: name.into(),
        kind: "thing".into(),
    };
    let a = store.upsert_entity(ada.id, entity("a")).await.unwrap();
    let b = store.upsert_entity(ada.id, entity("b")).await.unwrap();
    for round in 0..40 {
        let conv = store
            .create_conversation(
                ada.id,
                NewConversation {
                    title: "c".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let message = store
            .append_message(
                ada.id,
                conv.id,
                NewMessage::new(MessageRole::User, "a likes b"),
            )
            .await
            .unwrap();
        let learning = {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .add_relation(
                        ada.id,
                        NewRelation {
                            subject_id: a.id,
                            predicate: format!("likes {round}"),
                            object_id: b.id,
                            source_message_id: Some(message.id),
                            exclusive: false,
                        },
                    )
                    .await
            })
        };
        let deleting = {
            let store = store.clone();
            tokio::spawn(async move { store.delete_conversation(ada.id, conv.id).await })
        };
        gone_or_done(learning.await.unwrap(), "add_relation");
        deleting.await.unwrap().unwrap();
    }
    let orphans: Vec<_> = store
        .relations(ada.id, true)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.source_message_id.is_none())
        .map(|r| r.predicate)
        .collect();
    assert!(
        orphans.is_empty(),
        "facts kept without their source: {orphans:?}"
    );
}

/// Where the feed's tombstones are.
async fn tombstone_seqs(store: &dyn Store) -> Vec<i64> {
    store
        .changes_since(0, 500)
        .await
        .unwrap()
        .into_iter()
        .filter(|c| matches!(c, Change::Deleted { .. }))
        .map(|c| c.seq())
        .collect()
}

/// Three messages written and deleted; returns the store's latest number.
async fn three_deletions(store: &dyn Store) -> i64 {
    let ada = user(store, "ada").await;
    let conv = store
        .create_conversation(
            ada.id,
            NewConversation {
                title: "c".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    for i in 0..3 {
        let m = store
            .append_message(
                ada.id,
                conv.id,
                NewMessage::new(MessageRole::User, format!("m{i}")),
            )
            .await
            .unwrap();
        store.delete_message(ada.id, m.id).await.unwrap();
    }
    store.latest_seq().await.unwrap()
}

/// Two processes follow one store. The one ahead compacts what it has applied; the one
/// behind must still find the deletions it has not applied, or the deleted messages stay
/// in its indexes for good.
async fn a_lagging_follower_keeps_the_tombstones_it_has_not_applied(store: TestStore) {
    let latest = three_deletions(&*store).await;
    let tombstones = tombstone_seqs(&*store).await;
    assert_eq!(tombstones.len(), 3);
    store.record_follower("ahead", latest).await.unwrap();
    store
        .record_follower("behind", tombstones[0])
        .await
        .unwrap();
    assert_eq!(store.compact_tombstones(latest).await.unwrap(), 1);
    assert_eq!(tombstone_seqs(&*store).await, tombstones[1..]);

    // The one behind follows on and sees both deletions it had not applied.
    let mut feed = Feed::default();
    let mut applied = tombstones[0];
    while follow_once(&*store, &mut applied, &mut feed, 100).await {}
    assert_eq!(feed.tombstones, tombstones[1..].iter().copied().collect());
    store.record_follower("behind", applied).await.unwrap();
    assert_eq!(store.compact_tombstones(latest).await.unwrap(), 2);
    assert!(tombstone_seqs(&*store).await.is_empty());

    // A follower's name and position are checked.
    assert_eq!(
        store
            .record_follower("", 1)
            .await
            .unwrap_err()
            .invalid_field(),
        Some("follower")
    );
    assert_eq!(
        store
            .record_follower("x", -1)
            .await
            .unwrap_err()
            .invalid_field(),
        Some("applied_seq")
    );
}

/// Moves the heartbeat of the follower `behind` back 25 hours.
const BACKDATE: &str = "UPDATE change_followers SET heartbeat_at = heartbeat_at - 90000000000 \
                        WHERE follower = 'behind'";

/// A follower silent for longer than `FOLLOWER_TIMEOUT` no longer holds compaction back
/// (it must rebuild from scratch when it comes back).
async fn a_stale_follower_no_longer_holds_back_compaction(
    store: &dyn Store,
    backdate: impl AsyncFn(),
) {
    let latest = three_deletions(store).await;
    store.record_follower("ahead", latest).await.unwrap();
    store.record_follower("behind", 0).await.unwrap();
    assert_eq!(store.compact_tombstones(latest).await.unwrap(), 0);
    backdate().await;
    assert_eq!(store.compact_tombstones(latest).await.unwrap(), 3);
    assert!(tombstone_seqs(store).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_follower_no_longer_holds_back_compaction_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("gantry.db"))
        .await
        .unwrap();
    let backdate = async || {
        sqlx::query(BACKDATE).execute(store.pool()).await.unwrap();
    };
    a_stale_follower_no_longer_holds_back_compaction(&store, backdate).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_follower_no_longer_holds_back_compaction_on_postgres() {
    let Some(url) = gantry_test::postgres_url() else {
        return;
    };
    let schema = format!("gantry_test_{}", Uuid::now_v7().simple());
    let admin = sqlx::PgPool::connect(&url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&admin)
        .await
        .unwrap();
    let options = PgConnectOptions::from_str(&url)
        .unwrap()
        .options([("search_path", schema.as_str())]);
    let store = PostgresStore::connect_with(options).await.unwrap();
    let backdate = async || {
        sqlx::query(BACKDATE).execute(store.pool()).await.unwrap();
    };
    a_stale_follower_no_longer_holds_back_compaction(&store, backdate).await;
    store.close().await;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(&admin)
        .await
        .unwrap();
}

crate::conformance!(
    a_lagging_follower_keeps_the_tombstones_it_has_not_applied,
    deletes_racing_writes_never_reuse_a_change_number,
    a_fact_recorded_while_its_conversation_is_deleted_goes_with_it,
    a_follower_ends_in_step_with_the_store,
    deleting_a_user_tombstones_everything_they_had,
    concurrent_writers_get_distinct_numbers_in_commit_order,
    a_follower_misses_no_change_while_messages_chunks_and_deletes_commit,
);
