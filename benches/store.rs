//! Store benchmarks on SQLite (the embedded default), with the data sizes the README
//! promises about: appending to a conversation of 10 vs 10,000 messages, listing the 50
//! most recent of 10,000 conversations, and loading the last 50 of 10,000 messages.
//!
//! Run: `cargo bench --bench store`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use gantry::model::{MessageRole, NewConversation, NewMessage, NewUser, Role};
use gantry::prelude::*;
use gantry::store::{ConversationFilter, PageRequest};
use gantry::{ConversationId, SqliteStore, UserId};

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

fn store_benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let (store, writer, small, large, reader) = rt.block_on(async {
        let store = SqliteStore::open(dir.path().join("bench.db"))
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
        (store, writer, small, large, reader)
    });
    eprintln!("seeded in {:.1}s", started.elapsed().as_secs_f64());

    let mut group = c.benchmark_group("append_message");
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
