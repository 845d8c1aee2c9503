//! Store benchmarks on SQLite (the embedded default), with the data sizes the README
//! promises about: appending to a conversation of 10 vs 10,000 messages, listing the 50
//! most recent of 10,000 conversations, and loading the last 50 of 10,000 messages.
//!
//! Run: `cargo bench --bench store`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use gantry::model::{MessageRole, NewConversation, NewMessage, NewUser, Role};
use gantry::store::prelude::*;
use gantry::store::{ConversationFilter, PageRequest};
use gantry::{ConversationId, Durability, SqliteStore, UserId};

async fn new_user(store: &SqliteStore, name: &str) -> UserId {
    store
        .create_user(NewUser {
            email: format!("{name}@bench.test"),
            display_name: name.into(),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
            role: Role::User,
        })
        .await
        .unwrap()
        .id
}

async fn conversation_with(store: &SqliteStore, owner: UserId, messages: usize) -> ConversationId {
    let c = store
        .create_conversation(
            owner,
            NewConversation {
                title: format!("{messages} messages"),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    for i in 0..messages {
        let role = if i % 2 == 0 {
            MessageRole::User
        } else {
            MessageRole::Assistant
        };
        let text = format!(
            "message {i}: a sentence of ordinary length, about as long as a chat turn usually is."
        );
        store
            .append_message(owner, c.id, NewMessage::new(role, text))
            .await
            .unwrap();
    }
    c.id
}

struct Seeded {
    store: SqliteStore,
    writer: UserId,
    small: ConversationId,
    large: ConversationId,
    reader: UserId,
    _dir: tempfile::TempDir,
}

async fn seed(durability: Durability) -> Seeded {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let store = SqliteStore::open_with(dir.path().join("bench.db"), durability)
        .await
        .unwrap();
    let writer = new_user(&store, "writer").await;
    let small = conversation_with(&store, writer, 10).await;
    let large = conversation_with(&store, writer, 10_000).await;
    let reader = new_user(&store, "reader").await;
    for i in 0..10_000 {
        store
            .create_conversation(
                reader,
                NewConversation {
                    title: format!("conversation {i}"),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    }
    eprintln!(
        "seeded ({durability:?}) in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    Seeded {
        store,
        writer,
        small,
        large,
        reader,
        _dir: dir,
    }
}

/// Criterion runs one benchmark after another, so slow drift (the write-ahead log growing
/// towards its checkpoint, the disk's fsync latency) lands on whichever runs second. This
/// alternates blocks of appends between the two conversations and compares medians.
async fn interleaved_append_ratio(seeded: &Seeded, rounds: usize, block: usize) -> (f64, f64) {
    let mut small_times = Vec::new();
    let mut large_times = Vec::new();
    for round in 0..rounds {
        let order = if round % 2 == 0 {
            [seeded.small, seeded.large]
        } else {
            [seeded.large, seeded.small]
        };
        for conversation in order {
            let mut ids = Vec::with_capacity(block);
            let start = Instant::now();
            for _ in 0..block {
                let m = seeded
                    .store
                    .append_message(
                        seeded.writer,
                        conversation,
                        NewMessage::new(MessageRole::User, "and one more thing"),
                    )
                    .await
                    .unwrap();
                ids.push(m.id);
            }
            let per_append = start.elapsed().as_secs_f64() * 1e6 / block as f64;
            for id in ids {
                seeded
                    .store
                    .delete_message(seeded.writer, id)
                    .await
                    .unwrap();
            }
            if conversation == seeded.small {
                small_times.push(per_append)
            } else {
                large_times.push(per_append)
            }
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    (median(&mut small_times), median(&mut large_times))
}

fn store_benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // `Full` (the default) waits for an fsync per commit, which dominates and varies with
    // the disk; `Normal` shows the database's own work.
    for (group_name, durability) in [
        ("append_message", Durability::Full),
        ("append_message_no_fsync", Durability::Normal),
    ] {
        let seeded = rt.block_on(seed(durability));
        let Seeded {
            store,
            writer,
            small,
            large,
            ..
        } = &seeded;
        let (writer, small, large) = (*writer, *small, *large);
        let mut group = c.benchmark_group(group_name);
        group.measurement_time(Duration::from_secs(10));
        for (name, conversation) in [
            ("conversation_of_10", small),
            ("conversation_of_10000", large),
        ] {
            group.bench_function(name, |b| {
                // Time the appends, then delete them untimed, so the conversation keeps its size.
                b.iter_custom(|iters| {
                    rt.block_on(async {
                        let mut appended = Vec::with_capacity(iters as usize);
                        let start = Instant::now();
                        for _ in 0..iters {
                            let m = store
                                .append_message(
                                    writer,
                                    conversation,
                                    NewMessage::new(MessageRole::User, "and one more thing"),
                                )
                                .await
                                .unwrap();
                            appended.push(m.id);
                        }
                        let elapsed = start.elapsed();
                        for id in appended {
                            store.delete_message(writer, id).await.unwrap();
                        }
                        elapsed
                    })
                });
            });
        }
        group.finish();
        let (small_us, large_us) = rt.block_on(interleaved_append_ratio(&seeded, 40, 50));
        eprintln!(
            "{group_name} interleaved (40 rounds of 50): conversation_of_10 {small_us:.0} us, \
             conversation_of_10000 {large_us:.0} us, ratio {:.2}",
            large_us / small_us
        );
    }

    let seeded = rt.block_on(seed(Durability::Full));
    let Seeded {
        store,
        writer,
        large,
        reader,
        ..
    } = &seeded;
    let (writer, large, reader) = (*writer, *large, *reader);
    let mut group = c.benchmark_group("read");
    group.bench_function("list_50_of_10000_conversations", |b| {
        b.to_async(&rt).iter(|| async {
            let page = store
                .list_conversations(
                    reader,
                    ConversationFilter::default(),
                    PageRequest::first(50),
                )
                .await
                .unwrap();
            assert_eq!(page.items.len(), 50);
        });
    });
    group.bench_function("last_50_of_10000_messages", |b| {
        b.to_async(&rt).iter(|| async {
            let page = store
                .list_messages(writer, large, PageRequest::first(50))
                .await
                .unwrap();
            assert_eq!(page.items.len(), 50);
        });
    });
    group.finish();
}

criterion_group!(benches, store_benches);
criterion_main!(benches);
