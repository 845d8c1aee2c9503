//! Conversations over HTTP: create, list in pages, rename, pin, archive, delete; another
//! user's ids answer exactly like ids that never existed; bad bodies get JSON errors.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{Client, start};

#[tokio::test]
async fn conversations_are_listed_in_pages_renamed_archived_and_deleted() {
    let server = start(None).await;
    let mut ada = Client::set_up(&server).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(ada.conversation().await);
    }
    let first = ada.get("/api/chat/conversations?limit=2").await;
    assert_eq!(first.body["items"].as_array().unwrap().len(), 2);
    let cursor = first.body["next"].as_str().unwrap().to_owned();
    let second = ada
        .get(&format!("/api/chat/conversations?limit=2&cursor={cursor}"))
        .await;
    assert_eq!(second.body["items"].as_array().unwrap().len(), 1);
    assert!(second.body["next"].is_null());

    // Unicode survives the round trip.
    let title = "Ünïcödé 会話 🍋 — «test»";
    let renamed = ada
        .patch(
            &format!("/api/chat/conversations/{}", ids[0]),
            json!({"title": title, "pinned": true}),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    let read = ada
        .get(&format!("/api/chat/conversations/{}", ids[0]))
        .await;
    assert_eq!(read.body["conversation"]["title"], title);
    assert_eq!(read.body["conversation"]["pinned"], true);
    assert_eq!(read.body["messages"].as_array().unwrap().len(), 0);
    let listed = ada.get("/api/chat/conversations").await;
    assert_eq!(
        listed.body["items"][0]["id"],
        ids[0].as_str(),
        "pinned first"
    );

    let archived = ada
        .patch(
            &format!("/api/chat/conversations/{}", ids[1]),
            json!({"archived": true}),
        )
        .await;
    assert_eq!(archived.status, StatusCode::OK);
    let active = ada.get("/api/chat/conversations").await;
    assert_eq!(active.body["items"].as_array().unwrap().len(), 2);
    let archive = ada.get("/api/chat/conversations?archived=true").await;
    assert_eq!(archive.body["items"][0]["id"], ids[1].as_str());

    let deleted = ada
        .delete(&format!("/api/chat/conversations/{}", ids[2]))
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let gone = ada
        .get(&format!("/api/chat/conversations/{}", ids[2]))
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(gone.code(), "not_found");
}

#[tokio::test]
async fn another_users_conversation_answers_like_one_that_never_existed() {
    let server = start(None).await;
    let mut ada = Client::set_up(&server).await;
    let mut bob = Client::register(&server, "bob@example.com").await;
    let adas = ada.conversation().await;
    let never = "01a231c2-0000-7000-8000-000000000000";
    for id in [adas.as_str(), never] {
        let path = format!("/api/chat/conversations/{id}");
        let read = bob.get(&path).await;
        let renamed = bob.patch(&path, json!({"title": "mine now"})).await;
        let deleted = bob.delete(&path).await;
        let asked = bob
            .post(&format!("{path}/messages"), json!({"content": "hi"}))
            .await;
        let stopped = bob.post(&format!("{path}/stop"), json!({})).await;
        for answer in [&read, &renamed, &deleted, &asked, &stopped] {
            assert_eq!(
                answer.status,
                StatusCode::NOT_FOUND,
                "{id}: {}",
                answer.text
            );
            assert_eq!(answer.code(), "not_found");
            // The body names the id Bob sent, nothing of Ada's.
            assert!(!answer.text.contains("Ada") && !answer.text.contains("root@"));
        }
    }
    // Ada's conversation is untouched.
    let read = ada.get(&format!("/api/chat/conversations/{adas}")).await;
    assert_eq!(read.body["conversation"]["title"], "New conversation");
    // Something that is not an id is simply not found, not a parse error.
    let odd = bob.get("/api/chat/conversations/..%2F..%2Fetc").await;
    assert_eq!(odd.status, StatusCode::NOT_FOUND);
    let odd = bob.get("/api/chat/conversations/12345").await;
    assert_eq!(odd.status, StatusCode::NOT_FOUND);
    assert_eq!(odd.code(), "not_found");
}

#[tokio::test]
async fn bad_bodies_get_json_errors_naming_what_is_wrong() {
    let server = start(None).await;
    let mut ada = Client::set_up(&server).await;
    let id = ada.conversation().await;
    let path = format!("/api/chat/conversations/{id}/messages");

    let malformed = ada
        .send(
            ada.request(reqwest::Method::POST, &path)
                .header("content-type", "application/json")
                .body("{\"content\": "),
        )
        .await;
    assert_eq!(
        malformed.status,
        StatusCode::BAD_REQUEST,
        "{}",
        malformed.text
    );
    assert_eq!(malformed.code(), "invalid_input");
    assert_eq!(malformed.field(), "body");

    let missing = ada.post(&path, json!({"model": "x"})).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(missing.field(), "content", "{}", missing.text);

    let wrong_type = ada
        .post(&path, json!({"content": "hi", "temperature": "hot"}))
        .await;
    assert_eq!(wrong_type.status, StatusCode::BAD_REQUEST);
    assert_eq!(wrong_type.field(), "temperature", "{}", wrong_type.text);

    let too_long_title = ada
        .patch(
            &format!("/api/chat/conversations/{id}"),
            json!({"title": "x".repeat(1000)}),
        )
        .await;
    assert_eq!(too_long_title.status, StatusCode::BAD_REQUEST);
    assert_eq!(too_long_title.field(), "title");

    let not_json = ada
        .send(
            ada.request(
                reqwest::Method::PATCH,
                &format!("/api/chat/conversations/{id}"),
            )
            .header("content-type", "text/plain")
            .body("title=x"),
        )
        .await;
    assert_eq!(not_json.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(not_json.code(), "unsupported_media_type");

    // Over the body limit (64 KiB in these tests): 413, as JSON.
    let huge = ada
        .post(&path, json!({"content": "x".repeat(100 * 1024)}))
        .await;
    assert_eq!(huge.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", huge.text);
    assert_eq!(huge.code(), "payload_too_large");
    // Nothing was saved by any of them.
    let read = ada.get(&format!("/api/chat/conversations/{id}")).await;
    assert_eq!(read.body["messages"].as_array().unwrap().len(), 0);
    assert_eq!(read.body["conversation"]["title"], "New conversation");
}
