//! Personas: global and per-user, one default in each scope.

use gantry_core::Error;
use gantry_core::model::NewPersona;

use crate::harness::{TestStore, user};

fn persona(name: &str, is_default: bool) -> NewPersona {
    NewPersona {
        name: name.into(),
        system_prompt: format!("You are {name}."),
        default_model: Some("smollm2".into()),
        temperature: Some(0.7),
        is_default,
    }
}

async fn global_and_own_personas(store: TestStore) {
    let ada = user(&*store, "ada").await;
    let bob = user(&*store, "bob").await;
    let global = store
        .create_persona(None, persona("Helper", true))
        .await
        .unwrap();
    let mine = store
        .create_persona(Some(ada.id), persona("Ada's coach", true))
        .await
        .unwrap();
    store
        .create_persona(Some(bob.id), persona("Bob's bard", false))
        .await
        .unwrap();
    let names: Vec<_> = store
        .list_personas(ada.id)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names, ["Ada's coach", "Helper"]);
    assert_eq!(store.persona(ada.id, mine.id).await.unwrap(), mine);
    assert_eq!(store.persona(bob.id, global.id).await.unwrap(), global);
    assert!(matches!(
        store.persona(bob.id, mine.id).await.unwrap_err(),
        Error::NotFound { .. }
    ));
    // Bob cannot touch Ada's persona, nor a user the global one.
    assert!(matches!(
        store
            .update_persona(Some(bob.id), mine.id, persona("x", false))
            .await
            .unwrap_err(),
        Error::NotFound { .. }
    ));
    assert!(matches!(
        store
            .delete_persona(Some(ada.id), global.id)
            .await
            .unwrap_err(),
        Error::NotFound { .. }
    ));
}

async fn one_default_per_scope(store: TestStore) {
    let ada = user(&*store, "ada").await;
    let first = store
        .create_persona(Some(ada.id), persona("First", true))
        .await
        .unwrap();
    let second = store
        .create_persona(Some(ada.id), persona("Second", true))
        .await
        .unwrap();
    let global = store
        .create_persona(None, persona("Global", true))
        .await
        .unwrap();
    let listed = store.list_personas(ada.id).await.unwrap();
    let default_of = |id| listed.iter().find(|p| p.id == id).unwrap().is_default;
    assert!(!default_of(first.id));
    assert!(default_of(second.id));
    assert!(
        default_of(global.id),
        "the global default is a separate scope"
    );
    let updated = store
        .update_persona(Some(ada.id), first.id, persona("First again", true))
        .await
        .unwrap();
    assert!(updated.is_default);
    assert_eq!(updated.name, "First again");
    assert!(!store.persona(ada.id, second.id).await.unwrap().is_default);
}

async fn bad_personas_are_rejected(store: TestStore) {
    let ada = user(&*store, "ada").await;
    let mut hot = persona("Hot", false);
    hot.temperature = Some(2.5);
    assert_eq!(
        store
            .create_persona(Some(ada.id), hot)
            .await
            .unwrap_err()
            .invalid_field(),
        Some("temperature")
    );
    assert_eq!(
        store
            .create_persona(Some(ada.id), persona("", false))
            .await
            .unwrap_err()
            .invalid_field(),
        Some("name")
    );
    let mut long = persona("Long", false);
    long.system_prompt = "p".repeat(gantry_core::validate::MAX_SYSTEM_PROMPT_BYTES + 1);
    assert_eq!(
        store
            .create_persona(Some(ada.id), long)
            .await
            .unwrap_err()
            .invalid_field(),
        Some("system_prompt")
    );
    assert!(store.list_personas(ada.id).await.unwrap().is_empty());
}

crate::conformance!(
    global_and_own_personas,
    one_default_per_scope,
    bad_personas_are_rejected
);
