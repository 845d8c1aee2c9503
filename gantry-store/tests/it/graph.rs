//! Knowledge-graph rows: entities, facts with provenance and validity.

use gantry_core::Error;
use gantry_core::model::{MessageRole, NewConversation, NewEntity, NewMessage, NewRelation};

use crate::harness::{TestStore, user};

fn entity(name: &str, kind: &str) -> NewEntity {
    NewEntity {
        name: name.into(),
        kind: kind.into(),
    }
}

async fn entities_are_deduplicated_by_name_and_kind(store: TestStore) {
    let ada = user(&*store, "ada").await;
    let a = store
        .upsert_entity(ada.id, entity("Acme Corp", "organisation"))
        .await
        .unwrap();
    let b = store
        .upsert_entity(ada.id, entity("acme corp", "Organisation"))
        .await
        .unwrap();
    assert_eq!(a, b);
    assert_eq!(a.name, "Acme Corp");
    let c = store
        .upsert_entity(ada.id, entity("Acme Corp", "product"))
        .await
        .unwrap();
    assert_ne!(a.id, c.id);
    assert_eq!(store.entities(ada.id).await.unwrap().len(), 2);
}

async fn a_contradicting_fact_closes_the_old_one(store: TestStore) {
    let ada = user(&*store, "ada").await;
    let conv = store
        .create_conversation(
            ada.id,
            NewConversation {
                title: "x".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let said = store
        .append_message(
            ada.id,
            conv.id,
            NewMessage::new(MessageRole::User, "I moved to Lisbon"),
        )
        .await
        .unwrap();
    let me = store
        .upsert_entity(ada.id, entity("Ada", "person"))
        .await
        .unwrap();
    let paris = store
        .upsert_entity(ada.id, entity("Paris", "place"))
        .await
        .unwrap();
    let lisbon = store
        .upsert_entity(ada.id, entity("Lisbon", "place"))
        .await
        .unwrap();
    let rust = store
        .upsert_entity(ada.id, entity("Rust", "language"))
        .await
        .unwrap();
    let rel = |object, exclusive, source| NewRelation {
        subject_id: me.id,
        predicate: "lives_in".into(),
        object_id: object,
        source_message_id: source,
        exclusive,
    };
    let old = store
        .add_relation(ada.id, rel(paris.id, true, None))
        .await
        .unwrap();
    // Recording the same open fact again returns it.
    assert_eq!(
        store
            .add_relation(ada.id, rel(paris.id, true, None))
            .await
            .unwrap(),
        old
    );
    let new = store
        .add_relation(ada.id, rel(lisbon.id, true, Some(said.id)))
        .await
        .unwrap();
    assert_eq!(new.source_message_id, Some(said.id));
    // Non-exclusive facts accumulate.
    let likes = NewRelation {
        subject_id: me.id,
        predicate: "likes".into(),
        object_id: rust.id,
        source_message_id: None,
        exclusive: false,
    };
    store.add_relation(ada.id, likes).await.unwrap();

    let open = store.relations(ada.id, false).await.unwrap();
    assert_eq!(
        open.iter().map(|r| r.object_id).collect::<Vec<_>>(),
        [lisbon.id, rust.id]
    );
    let all = store.relations(ada.id, true).await.unwrap();
    let closed = all.iter().find(|r| r.id == old.id).unwrap();
    assert!(closed.valid_to.is_some(), "the old fact is kept, closed");
    assert!(closed.valid_to.unwrap() <= new.valid_from);

    // Deleting the source message keeps the fact, without provenance.
    store.delete_message(ada.id, said.id).await.unwrap();
    let kept = store.relations(ada.id, false).await.unwrap();
    assert_eq!(kept[0].source_message_id, None);
    // Deleting an entity removes the facts that mention it.
    store.delete_entity(ada.id, lisbon.id).await.unwrap();
    assert_eq!(store.relations(ada.id, true).await.unwrap().len(), 2);
}

async fn facts_only_join_the_owners_entities(store: TestStore) {
    let ada = user(&*store, "ada").await;
    let bob = user(&*store, "bob").await;
    let mine = store
        .upsert_entity(ada.id, entity("Ada", "person"))
        .await
        .unwrap();
    let theirs = store
        .upsert_entity(bob.id, entity("Bob", "person"))
        .await
        .unwrap();
    let err = store
        .add_relation(
            ada.id,
            NewRelation {
                subject_id: mine.id,
                predicate: "knows".into(),
                object_id: theirs.id,
                source_message_id: None,
                exclusive: false,
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
    let err = store
        .add_relation(
            ada.id,
            NewRelation {
                subject_id: mine.id,
                predicate: " ".into(),
                object_id: mine.id,
                source_message_id: None,
                exclusive: false,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.invalid_field(), Some("predicate"));
    assert!(matches!(
        store.delete_entity(bob.id, mine.id).await.unwrap_err(),
        Error::NotFound { .. }
    ));
    assert!(store.relations(ada.id, true).await.unwrap().is_empty());
}

crate::conformance!(
    entities_are_deduplicated_by_name_and_kind,
    a_contradicting_fact_closes_the_old_one,
    facts_only_join_the_owners_entities,
);
