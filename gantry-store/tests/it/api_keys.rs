//! API keys: stored by hash, listed by owner, revoked by owner, looked up with their
//! enabled user.

use gantry_core::Error;
use gantry_core::auth::hash_token;
use time::OffsetDateTime;

use crate::harness::{TestStore, user};

async fn keys_are_found_by_hash_and_record_their_last_use(store: TestStore) {
    let ada = user(&*store, "ada").await;
    let key = store
        .create_api_key(ada.id, "laptop", "gk_12345678", &hash_token("gk_secret"))
        .await
        .unwrap();
    assert_eq!(
        (key.name.as_str(), key.prefix.as_str()),
        ("laptop", "gk_12345678")
    );
    assert_eq!(key.last_used_at, None);
    assert!(
        store
            .api_key_by_hash(&hash_token("gk_other"), OffsetDateTime::now_utc())
            .await
            .unwrap()
            .is_none()
    );

    let now = OffsetDateTime::now_utc();
    let (found, owner) = store
        .api_key_by_hash(&hash_token("gk_secret"), now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((found.id, owner.id), (key.id, ada.id));
    assert!(found.last_used_at.is_some());
    let listed = store.list_api_keys(ada.id).await.unwrap();
    assert_eq!(listed, vec![found]);
}

async fn keys_belong_to_their_owner_and_stop_with_a_disabled_account(store: TestStore) {
    let ada = user(&*store, "ada").await;
    let bob = user(&*store, "bob").await;
    let key = store
        .create_api_key(ada.id, "cron", "gk_aaaaaaaa", &hash_token("gk_ada"))
        .await
        .unwrap();
    assert!(store.list_api_keys(bob.id).await.unwrap().is_empty());
    let error = store.delete_api_key(bob.id, key.id).await.unwrap_err();
    assert!(matches!(error, Error::NotFound { .. }), "{error:?}");

    store.set_disabled(ada.id, true).await.unwrap();
    let now = OffsetDateTime::now_utc();
    assert!(
        store
            .api_key_by_hash(&hash_token("gk_ada"), now)
            .await
            .unwrap()
            .is_none()
    );
    // A disabled account gets no new keys either.
    let error = store
        .create_api_key(ada.id, "more", "gk_bbbbbbbb", &hash_token("gk_more"))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::NotFound { .. }), "{error:?}");
    store.set_disabled(ada.id, false).await.unwrap();
    assert!(
        store
            .api_key_by_hash(&hash_token("gk_ada"), now)
            .await
            .unwrap()
            .is_some()
    );

    store.delete_api_key(ada.id, key.id).await.unwrap();
    assert!(
        store
            .api_key_by_hash(&hash_token("gk_ada"), now)
            .await
            .unwrap()
            .is_none()
    );
    // Deleting the account takes its keys.
    store
        .create_api_key(bob.id, "x", "gk_cccccccc", &hash_token("gk_bob"))
        .await
        .unwrap();
    store.delete_user(bob.id).await.unwrap();
    assert!(
        store
            .api_key_by_hash(&hash_token("gk_bob"), now)
            .await
            .unwrap()
            .is_none()
    );
}

async fn bad_key_input_is_refused_by_name(store: TestStore) {
    let ada = user(&*store, "ada").await;
    let error = store
        .create_api_key(ada.id, " ", "gk_12345678", &hash_token("k"))
        .await
        .unwrap_err();
    assert_eq!(error.invalid_field(), Some("name"));
    let long = "n".repeat(101);
    let error = store
        .create_api_key(ada.id, &long, "gk_12345678", &hash_token("k"))
        .await
        .unwrap_err();
    assert_eq!(error.invalid_field(), Some("name"));
    assert!(store.list_api_keys(ada.id).await.unwrap().is_empty());
}

crate::conformance!(
    keys_are_found_by_hash_and_record_their_last_use,
    keys_belong_to_their_owner_and_stop_with_a_disabled_account,
    bad_key_input_is_refused_by_name,
);
