//! Property: any Unicode text (but U+0000, which PostgreSQL cannot store and every backend
//! therefore rejects) round-trips exactly through every text field.

use gantry_core::Store;
use gantry_core::model::{
    MessageRole, NewChunk, NewConversation, NewDocument, NewEntity, NewMessage, NewPersona,
};
use gantry_core::store::PageRequest;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use crate::harness::{self, TestStore, user};

fn text() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[^\u{0}]{1,80}")
        .unwrap()
        .prop_filter("not blank", |s| !s.trim().is_empty())
}

async fn round_trip(store: &dyn Store, text: &str) {
    let ada = user(store, "ada").await;
    let c = store
        .create_conversation(
            ada.id,
            NewConversation {
                title: text.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(store.conversation(ada.id, c.id).await.unwrap().title, text);
    store
        .append_message(ada.id, c.id, NewMessage::new(MessageRole::User, text))
        .await
        .unwrap();
    let page = store
        .list_messages(ada.id, c.id, PageRequest::first(5))
        .await
        .unwrap();
    assert_eq!(page.items[0].content, text);
    let d = store
        .create_document(
            ada.id,
            NewDocument {
                filename: text.into(),
                content_type: "text/plain".into(),
                size_bytes: 1,
            },
        )
        .await
        .unwrap();
    assert_eq!(store.document(ada.id, d.id).await.unwrap().filename, text);
    store
        .add_chunks(
            ada.id,
            d.id,
            vec![NewChunk {
                ordinal: 0,
                text: text.into(),
                token_count: 1,
                embedding: None,
                heading: None,
                page: None,
            }],
        )
        .await
        .unwrap();
    assert_eq!(store.chunks(ada.id, d.id).await.unwrap()[0].text, text);
    let p = store
        .create_persona(
            Some(ada.id),
            NewPersona {
                name: text.into(),
                system_prompt: text.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let read = store.persona(ada.id, p.id).await.unwrap();
    assert_eq!(
        (read.name.as_str(), read.system_prompt.as_str()),
        (text, text)
    );
    let e = store
        .upsert_entity(
            ada.id,
            NewEntity {
                name: text.into(),
                kind: "thing".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(store.entities(ada.id).await.unwrap()[0], e);
    assert_eq!(e.name, text);
}

fn run(store: impl std::future::Future<Output = Option<TestStore>>) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(store) = rt.block_on(store) else {
        return;
    };
    let mut runner = TestRunner::new(Config {
        cases: 48,
        ..Config::default()
    });
    runner
        .run(&text(), |text| {
            rt.block_on(round_trip(&*store, &text));
            Ok(())
        })
        .unwrap();
}

#[test]
fn unicode_round_trips_on_sqlite() {
    run(async { Some(harness::sqlite().await) });
}

#[test]
fn unicode_round_trips_on_postgres() {
    run(harness::postgres());
}
