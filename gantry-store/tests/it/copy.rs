//! A whole database copied SQLite -> PostgreSQL -> SQLite: everything reads back the same
//! through the store, the copy is checked row for row, and a destination that holds data
//! is refused.

use gantry_core::Error;
use gantry_core::model::{
    AnswerContext, AnswerTimings, CitedSource, MessageRole, MessageStatus, NewConversation,
    NewDocument, NewMessage, NewPersona, NewUsage, SourceKind,
};
use gantry_core::store::PageRequest;
use gantry_core::store::prelude::*;
use gantry_core::{Store, UserId};
use gantry_store::{PostgresStore, SqliteStore, copy_database};
use time::OffsetDateTime;

use crate::harness::user;

/// What the tests read back: messages (with their context), personas, usage, counts.
async fn snapshot(store: &dyn Store, owner: UserId) -> String {
    let conversations = store
        .list_conversations(owner, Default::default(), PageRequest::first(50))
        .await
        .unwrap();
    let mut out = format!("{:?}\n", store.stats().await.unwrap());
    for conversation in &conversations.items {
        out.push_str(&format!("{conversation:?}\n"));
        let messages = store
            .list_messages(owner, conversation.id, PageRequest::first(50))
            .await
            .unwrap();
        for message in messages.items {
            out.push_str(&format!("{message:?}\n"));
        }
    }
    out.push_str(&format!(
        "{:?}\n",
        store.list_personas(owner).await.unwrap()
    ));
    let day = time::Duration::days(1);
    let now = OffsetDateTime::now_utc();
    out.push_str(&format!(
        "{:?}\n",
        store
            .usage_summary(None, now - day, now + day)
            .await
            .unwrap()
    ));
    out
}

#[tokio::test]
async fn a_database_moves_to_postgresql_and_back_unchanged() {
    let Some(schema) = gantry_test::postgres_schema().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.db");
    let store = SqliteStore::open(&first).await.unwrap();
    let ada = user(&store, "ada").await;
    let chat = store
        .create_conversation(
            ada.id,
            NewConversation {
                title: "Tides 🌊".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    store
        .append_message(
            ada.id,
            chat.id,
            NewMessage::new(MessageRole::User, "Why are there tides?"),
        )
        .await
        .unwrap();
    let context = AnswerContext {
        citations: vec![CitedSource {
            number: 1,
            kind: SourceKind::Chunk,
            id: uuid::Uuid::now_v7(),
            parent_id: Some(uuid::Uuid::now_v7()),
            label: "moon.md".into(),
            excerpt: "The moon pulls the sea.".into(),
            heading: Some("Moon > Pull".into()),
            page: None,
        }],
        timings: AnswerTimings {
            total_ms: 3.25,
            time_to_first_token_ms: Some(120),
            tokens_per_second: Some(98.5),
            ..AnswerTimings::default()
        },
    };
    store
        .append_message(
            ada.id,
            chat.id,
            NewMessage {
                status: MessageStatus::Complete,
                model: Some("tiny".into()),
                completion_tokens: Some(9),
                context: Some(context),
                ..NewMessage::new(MessageRole::Assistant, "The moon pulls the sea [1].")
            },
        )
        .await
        .unwrap();
    store
        .create_persona(
            Some(ada.id),
            NewPersona {
                name: "Sailor".into(),
                system_prompt: "Talk like a sailor.".into(),
                default_model: None,
                temperature: Some(0.7),
                is_default: true,
            },
        )
        .await
        .unwrap();
    store
        .create_document(
            ada.id,
            NewDocument {
                filename: "moon.md".into(),
                content_type: "text/markdown".into(),
                size_bytes: 24,
            },
        )
        .await
        .unwrap();
    for _ in 0..3 {
        store
            .record_usage(NewUsage {
                user_id: ada.id,
                model: "tiny".into(),
                prompt_tokens: 30,
                completion_tokens: 9,
                latency_ms: 250,
            })
            .await
            .unwrap();
    }
    let before = snapshot(&store, ada.id).await;
    store.close().await;

    // To PostgreSQL: every table, checked row for row.
    let report = copy_database(&format!("sqlite://{}", first.display()), &schema.url)
        .await
        .unwrap();
    let rows = |table: &str| report.iter().find(|t| t.table == table).unwrap().rows;
    assert_eq!(rows("users"), 1);
    assert_eq!(rows("messages"), 2);
    assert_eq!(rows("usage_records"), 3);
    let postgres = PostgresStore::connect(&schema.url).await.unwrap();
    assert_eq!(snapshot(&postgres, ada.id).await, before);
    // The copy goes on working: new usage gets a fresh number after the copied ones.
    postgres
        .record_usage(NewUsage {
            user_id: ada.id,
            model: "tiny".into(),
            prompt_tokens: 1,
            completion_tokens: 1,
            latency_ms: 1,
        })
        .await
        .unwrap();
    postgres.close().await;

    // A destination that holds data is refused, and left as it was.
    let refused = copy_database(&format!("sqlite://{}", first.display()), &schema.url).await;
    assert!(
        matches!(refused, Err(Error::InvalidInput { field: "to", .. })),
        "{refused:?}"
    );

    // And back to a new SQLite file.
    let second = dir.path().join("second.db");
    copy_database(&schema.url, &format!("sqlite://{}", second.display()))
        .await
        .unwrap();
    let back = SqliteStore::open(&second).await.unwrap();
    let after = snapshot(&back, ada.id).await;
    assert_ne!(after, before, "the fourth usage record came along");
    assert!(after.contains("The moon pulls the sea [1]."));
    assert!(
        after.contains("Moon > Pull") && after.contains("98.5"),
        "{after}"
    );
    back.close().await;
}
