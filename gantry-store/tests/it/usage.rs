//! Usage: per user, model and day.

use gantry_core::Error;
use gantry_core::model::NewUsage;
use time::{Duration, OffsetDateTime};

use crate::harness::{TestStore, user};

async fn usage_is_summed_per_user_model_and_day(store: TestStore) {
    let ada = user(&*store, "ada").await;
    let bob = user(&*store, "bob").await;
    let call = |user_id, model: &str, p, c, ms| NewUsage {
        user_id,
        model: model.into(),
        prompt_tokens: p,
        completion_tokens: c,
        latency_ms: ms,
    };
    store
        .record_usage(call(ada.id, "small", 10, 5, 100))
        .await
        .unwrap();
    store
        .record_usage(call(ada.id, "small", 20, 7, 300))
        .await
        .unwrap();
    store
        .record_usage(call(ada.id, "large", 1, 1, 50))
        .await
        .unwrap();
    store
        .record_usage(call(bob.id, "small", 3, 3, 30))
        .await
        .unwrap();
    let now = OffsetDateTime::now_utc();
    let (from, to) = (now - Duration::days(1), now + Duration::days(1));

    let all = store.usage_summary(None, from, to).await.unwrap();
    assert_eq!(all.len(), 3);
    let ada_small = all
        .iter()
        .find(|s| s.user_id == ada.id && s.model == "small")
        .unwrap();
    assert_eq!(
        (
            ada_small.requests,
            ada_small.prompt_tokens,
            ada_small.completion_tokens,
            ada_small.total_latency_ms
        ),
        (2, 30, 12, 400)
    );
    assert_eq!(ada_small.day, now.date());

    let bobs = store.usage_summary(Some(bob.id), from, to).await.unwrap();
    assert_eq!(bobs.len(), 1);
    assert_eq!(bobs[0].prompt_tokens, 3);
    assert!(
        store
            .usage_summary(None, to, to + Duration::days(1))
            .await
            .unwrap()
            .is_empty()
    );
}

async fn usage_for_an_unknown_user_is_not_found(store: TestStore) {
    let err = store
        .record_usage(NewUsage {
            user_id: gantry_core::UserId::new(),
            model: "m".into(),
            prompt_tokens: 1,
            completion_tokens: 1,
            latency_ms: 1,
        })
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }));
}

crate::conformance!(
    usage_is_summed_per_user_model_and_day,
    usage_for_an_unknown_user_is_not_found
);
