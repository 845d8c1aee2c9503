//! Property: two users never see or change each other's conversations, messages,
//! documents, chunks, personas or graph, through any store method.

use std::collections::BTreeSet;

use gantry_core::model::{
    ConversationPatch, DocumentStatus, MessageRole, NewChunk, NewConversation, NewDocument,
    NewEntity, NewMessage, NewPersona, NewRelation,
};
use gantry_core::store::{ConversationFilter, MessageUpdate, PageRequest};
use gantry_core::{Error, Store, UserId};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use crate::harness::{self, TestStore, user};

/// How much each user owns in one generated world.
#[derive(Clone, Debug)]
struct Holdings {
    messages_per_conversation: Vec<usize>,
    chunks_per_document: Vec<usize>,
    personas: usize,
    entities: usize,
}

fn holdings() -> impl Strategy<Value = Holdings> {
    (
        proptest::collection::vec(0usize..4, 0..4),
        proptest::collection::vec(0usize..4, 0..3),
        0usize..3,
        0usize..4,
    )
        .prop_map(|(m, c, p, e)| Holdings {
            messages_per_conversation: m,
            chunks_per_document: c,
            personas: p,
            entities: e,
        })
}

/// The ids one user ended up owning.
#[derive(Default)]
struct Owned {
    user: Option<UserId>,
    conversations: BTreeSet<uuid::Uuid>,
    messages: BTreeSet<uuid::Uuid>,
    documents: BTreeSet<uuid::Uuid>,
    chunks: BTreeSet<uuid::Uuid>,
    personas: BTreeSet<uuid::Uuid>,
    entities: BTreeSet<uuid::Uuid>,
    relations: BTreeSet<uuid::Uuid>,
}

async fn build(store: &dyn Store, name: &str, h: &Holdings) -> Owned {
    let u = user(store, name).await.id;
    let mut o = Owned {
        user: Some(u),
        ..Owned::default()
    };
    for (i, n) in h.messages_per_conversation.iter().enumerate() {
        let c = store
            .create_conversation(
                u,
                NewConversation {
                    title: format!("{name} c{i}"),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        o.conversations.insert(c.id.0);
        for j in 0..*n {
            let m = store
                .append_message(
                    u,
                    c.id,
                    NewMessage::new(MessageRole::User, format!("{name} m{j}")),
                )
                .await
                .unwrap();
            o.messages.insert(m.id.0);
        }
    }
    for (i, n) in h.chunks_per_document.iter().enumerate() {
        let d = store
            .create_document(
                u,
                NewDocument {
                    filename: format!("{name}{i}.txt"),
                    content_type: "text/plain".into(),
                    size_bytes: 1,
                },
            )
            .await
            .unwrap();
        o.documents.insert(d.id.0);
        let chunks = (0..*n)
            .map(|k| NewChunk {
                ordinal: k as u32,
                text: format!("{name} chunk"),
                token_count: 2,
                embedding: Some(vec![0.5; 4]),
                heading: None,
                page: None,
            })
            .collect();
        for c in store.add_chunks(u, d.id, chunks).await.unwrap() {
            o.chunks.insert(c.id.0);
        }
    }
    for i in 0..h.personas {
        let p = store
            .create_persona(
                Some(u),
                NewPersona {
                    name: format!("{name} p{i}"),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        o.personas.insert(p.id.0);
    }
    let mut previous = None;
    for i in 0..h.entities {
        let e = store
            .upsert_entity(
                u,
                NewEntity {
                    name: format!("{name} e{i}"),
                    kind: "thing".into(),
                },
            )
            .await
            .unwrap();
        o.entities.insert(e.id.0);
        if let Some(prev) = previous {
            let r = store
                .add_relation(
                    u,
                    NewRelation {
                        subject_id: prev,
                        predicate: "next".into(),
                        object_id: e.id,
                        source_message_id: None,
                        exclusive: false,
                    },
                )
                .await
                .unwrap();
            o.relations.insert(r.id.0);
        }
        previous = Some(e.id);
    }
    o
}

fn not_found<T: std::fmt::Debug>(result: gantry_core::Result<T>, what: &str) {
    match result {
        Err(Error::NotFound { .. }) => {}
        other => panic!("{what}: expected NotFound, got {other:?}"),
    }
}

/// What `me` can see is exactly its own, and every call on `other`'s ids is NotFound.
async fn check(store: &dyn Store, me: &Owned, other: &Owned) {
    let u = me.user.unwrap();
    let listed = store
        .list_conversations(u, ConversationFilter::default(), PageRequest::first(500))
        .await
        .unwrap();
    assert_eq!(
        listed.items.iter().map(|c| c.id.0).collect::<BTreeSet<_>>(),
        me.conversations
    );
    let mut seen_messages = BTreeSet::new();
    for c in &me.conversations {
        let page = store
            .list_messages(u, (*c).into(), PageRequest::first(500))
            .await
            .unwrap();
        seen_messages.extend(page.items.iter().map(|m| m.id.0));
    }
    assert_eq!(seen_messages, me.messages);
    let docs = store
        .list_documents(u, PageRequest::first(500))
        .await
        .unwrap();
    assert_eq!(
        docs.items.iter().map(|d| d.id.0).collect::<BTreeSet<_>>(),
        me.documents
    );
    let mut seen_chunks = BTreeSet::new();
    for d in &me.documents {
        seen_chunks.extend(
            store
                .chunks(u, (*d).into())
                .await
                .unwrap()
                .iter()
                .map(|c| c.id.0),
        );
    }
    assert_eq!(seen_chunks, me.chunks);
    let personas = store.list_personas(u).await.unwrap();
    assert!(
        personas
            .iter()
            .all(|p| p.owner_id.is_none() || p.owner_id == Some(u))
    );
    assert!(personas.iter().all(|p| !other.personas.contains(&p.id.0)));
    assert_eq!(
        store
            .entities(u)
            .await
            .unwrap()
            .iter()
            .map(|e| e.id.0)
            .collect::<BTreeSet<_>>(),
        me.entities
    );
    assert_eq!(
        store
            .relations(u, true)
            .await
            .unwrap()
            .iter()
            .map(|r| r.id.0)
            .collect::<BTreeSet<_>>(),
        me.relations
    );

    for c in &other.conversations {
        let c = (*c).into();
        not_found(store.conversation(u, c).await, "conversation");
        not_found(
            store.list_messages(u, c, PageRequest::first(5)).await,
            "list_messages",
        );
        not_found(
            store
                .append_message(u, c, NewMessage::new(MessageRole::User, "sneaky"))
                .await,
            "append_message",
        );
        not_found(
            store
                .update_conversation(
                    u,
                    c,
                    ConversationPatch {
                        title: Some("mine".into()),
                        ..Default::default()
                    },
                )
                .await,
            "update_conversation",
        );
        not_found(store.delete_conversation(u, c).await, "delete_conversation");
    }
    for m in &other.messages {
        let m = (*m).into();
        not_found(store.message(u, m).await, "message");
        let update = MessageUpdate {
            content: "x".into(),
            status: gantry_core::model::MessageStatus::Complete,
            prompt_tokens: None,
            completion_tokens: None,
            error: None,
            context: None,
        };
        not_found(store.update_message(u, m, update).await, "update_message");
        not_found(store.delete_message(u, m).await, "delete_message");
    }
    for d in &other.documents {
        let d = (*d).into();
        not_found(store.document(u, d).await, "document");
        not_found(store.chunks(u, d).await, "chunks");
        not_found(
            store
                .set_document_status(u, d, DocumentStatus::Ready, None)
                .await,
            "set_document_status",
        );
        not_found(
            store
                .add_chunks(
                    u,
                    d,
                    vec![NewChunk {
                        ordinal: 99,
                        text: "x".into(),
                        token_count: 1,
                        embedding: None,
                        heading: None,
                        page: None,
                    }],
                )
                .await,
            "add_chunks",
        );
        not_found(store.delete_chunks(u, d).await, "delete_chunks");
        not_found(store.delete_document(u, d).await, "delete_document");
    }
    let foreign_chunks: Vec<_> = other.chunks.iter().map(|c| (*c).into()).collect();
    assert!(
        store
            .chunks_by_id(u, &foreign_chunks)
            .await
            .unwrap()
            .is_empty()
    );
    for p in &other.personas {
        let p = (*p).into();
        not_found(store.persona(u, p).await, "persona");
        not_found(
            store
                .update_persona(
                    Some(u),
                    p,
                    NewPersona {
                        name: "mine".into(),
                        ..Default::default()
                    },
                )
                .await,
            "update_persona",
        );
        not_found(store.delete_persona(Some(u), p).await, "delete_persona");
    }
    for e in &other.entities {
        let e = (*e).into();
        not_found(store.delete_entity(u, e).await, "delete_entity");
        if let Some(mine) = me.entities.first() {
            let r = NewRelation {
                subject_id: (*mine).into(),
                predicate: "knows".into(),
                object_id: e,
                source_message_id: None,
                exclusive: false,
            };
            not_found(store.add_relation(u, r).await, "add_relation");
        }
    }
    for r in &other.relations {
        not_found(
            store.delete_relation(u, (*r).into()).await,
            "delete_relation",
        );
    }
}

async fn world(store: &dyn Store, a: &Holdings, b: &Holdings) {
    let ada = build(store, "ada", a).await;
    let bob = build(store, "bob", b).await;
    let before = store.stats().await.unwrap();
    check(store, &ada, &bob).await;
    check(store, &bob, &ada).await;
    assert_eq!(
        store.stats().await.unwrap(),
        before,
        "foreign calls changed nothing"
    );
    // And the foreign calls left every row as it was: check again.
    check(store, &ada, &bob).await;
}

fn run(store: impl std::future::Future<Output = Option<TestStore>>) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(store) = rt.block_on(store) else {
        return;
    };
    let mut runner = TestRunner::new(Config {
        cases: 12,
        ..Config::default()
    });
    runner
        .run(&(holdings(), holdings()), |(a, b)| {
            rt.block_on(world(&*store, &a, &b));
            Ok(())
        })
        .unwrap();
}

#[test]
fn users_are_isolated_on_sqlite() {
    run(async { Some(harness::sqlite().await) });
}

#[test]
fn users_are_isolated_on_postgres() {
    run(harness::postgres());
}
