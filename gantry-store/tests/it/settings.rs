//! Settings admins change while Gantry runs: added model backends and named values.

use gantry_core::Error;

use crate::harness::TestStore;

async fn backends_are_kept_by_name_and_settings_set_and_cleared(store: TestStore) {
    assert!(store.list_backends().await.unwrap().is_empty());
    store
        .add_backend("local", r#"{"base_url":"http://a"}"#)
        .await
        .unwrap();
    store
        .add_backend("cloud", r#"{"base_url":"http://b"}"#)
        .await
        .unwrap();
    let taken = store.add_backend("local", "{}").await.unwrap_err();
    assert!(matches!(taken, Error::Conflict { .. }), "{taken:?}");
    let names: Vec<String> = store
        .list_backends()
        .await
        .unwrap()
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    assert_eq!(names, ["local", "cloud"], "in the order added");
    store.remove_backend("local").await.unwrap();
    let gone = store.remove_backend("local").await.unwrap_err();
    assert!(matches!(gone, Error::NotFound { .. }), "{gone:?}");
    assert!(
        store.add_backend("", "{}").await.is_err(),
        "a name is required"
    );

    assert_eq!(store.setting("default_model").await.unwrap(), None);
    store
        .set_setting("default_model", Some("small"))
        .await
        .unwrap();
    store
        .set_setting("default_model", Some("large"))
        .await
        .unwrap();
    assert_eq!(
        store.setting("default_model").await.unwrap().as_deref(),
        Some("large")
    );
    store.set_setting("default_model", None).await.unwrap();
    assert_eq!(store.setting("default_model").await.unwrap(), None);
}

crate::conformance!(backends_are_kept_by_name_and_settings_set_and_cleared);
