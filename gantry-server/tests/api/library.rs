//! Personas, API keys, search, memory, usage and quotas over HTTP, each scoped to its
//! owner: another user's ids answer 404 like ids that never existed.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{Client, start};

#[tokio::test]
async fn personas_keys_search_memory_usage_and_quotas_belong_to_their_owner() {
    let server = start(None).await;
    let mut ada = Client::set_up(&server).await;
    let mut bob = Client::register(&server, "bob@example.com").await;

    // Personas.
    let persona = ada
        .post(
            "/api/personas",
            json!({"name": "Terse", "system_prompt": "Answer in five words.", "is_default": true}),
        )
        .await;
    assert_eq!(persona.status, StatusCode::CREATED, "{}", persona.text);
    let persona_id = persona.body["id"].as_str().unwrap().to_owned();
    let listed = ada.get("/api/personas").await;
    assert!(
        listed
            .body
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == persona_id.as_str())
    );
    let renamed = ada
        .patch(
            &format!("/api/personas/{persona_id}"),
            json!({"name": "Very terse", "system_prompt": "Three words."}),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    assert_eq!(renamed.body["name"], "Very terse");
    let bad = ada
        .post("/api/personas", json!({"name": "", "system_prompt": "x"}))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.field(), "name");

    // API keys: shown once, listed without the secret, usable, revocable.
    let key = ada
        .post("/api/auth/api-keys", json!({"name": "script"}))
        .await;
    assert_eq!(key.status, StatusCode::CREATED, "{}", key.text);
    let secret = key.body["key"].as_str().unwrap().to_owned();
    let key_id = key.body["info"]["id"].as_str().unwrap().to_owned();
    let keys = ada.get("/api/auth/api-keys").await;
    assert_eq!(keys.body.as_array().unwrap().len(), 1);
    assert!(!keys.text.contains(&secret));
    let mut script = Client::new(&server);
    script.bearer = Some(secret.clone());
    assert_eq!(
        script.get("/api/auth/me").await.body["email"],
        "root@example.com"
    );

    // Search finds Ada's conversation by its title, and nothing of it for Bob.
    let id = ada.conversation().await;
    ada.patch(
        &format!("/api/chat/conversations/{id}"),
        json!({"title": "Lemon grove plans"}),
    )
    .await;
    let found = ada.get("/api/chat/search?q=lemon").await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    assert_eq!(
        found.body["conversations"][0]["conversation"]["id"],
        id.as_str()
    );
    assert!(
        found.body["conversations"][0]["snippet"]
            .as_str()
            .unwrap()
            .contains("<mark>")
    );
    let bobs = bob.get("/api/chat/search?q=lemon").await;
    assert_eq!(bobs.body["conversations"].as_array().unwrap().len(), 0);
    assert!(!bobs.text.contains("grove"));
    let blank = ada.get("/api/chat/search?q=%20").await;
    assert_eq!(blank.body["conversations"].as_array().unwrap().len(), 0);

    // Memory, usage and quotas answer for the caller alone.
    let memory = ada.get("/api/memory").await;
    assert_eq!(memory.status, StatusCode::OK);
    assert!(memory.body["facts"].is_array());
    let usage = ada.get("/api/usage").await;
    assert_eq!(usage.status, StatusCode::OK, "{}", usage.text);
    let bad_range = ada.get("/api/usage?from=yesterday").await;
    assert_eq!(
        bad_range.status,
        StatusCode::BAD_REQUEST,
        "{}",
        bad_range.text
    );
    assert_eq!(bad_range.field(), "from");
    let quotas = ada.get("/api/quotas").await;
    assert_eq!(quotas.body["used"]["conversations"], 1);
    assert_eq!(quotas.body["used"]["personas"], 1);

    // Bob gets 404 for each of Ada's ids, exactly as for ids that never existed.
    let never = "01a231c2-0000-7000-8000-000000000000";
    for (mine, path) in [
        (persona_id.as_str(), "/api/personas/"),
        (key_id.as_str(), "/api/auth/api-keys/"),
        (never, "/api/memory/facts/"),
        (never, "/api/memory/entities/"),
    ] {
        for id in [mine, never] {
            let read = bob.get(&format!("{path}{id}")).await;
            let deleted = bob.delete(&format!("{path}{id}")).await;
            for answer in [&read, &deleted] {
                assert!(
                    answer.status == StatusCode::NOT_FOUND
                        || answer.status == StatusCode::METHOD_NOT_ALLOWED,
                    "{path}{id}: {}",
                    answer.text
                );
            }
            assert_eq!(
                deleted.status,
                StatusCode::NOT_FOUND,
                "{path}{id}: {}",
                deleted.text
            );
        }
    }
    // Still there for Ada; revoking the key ends it at once.
    assert_eq!(
        ada.get(&format!("/api/personas/{persona_id}")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        ada.delete(&format!("/api/auth/api-keys/{key_id}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        script.get("/api/auth/me").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn collections_scopes_pins_and_personas_of_conversations() {
    let server = start(None).await;
    let mut ada = Client::set_up(&server).await;
    let mut bob = Client::register(&server, "bob@example.com").await;
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"Lemons like sun.".to_vec()).file_name("lemons.txt"),
    );
    let doc = ada
        .send(
            ada.request(reqwest::Method::POST, "/api/documents/upload")
                .multipart(form),
        )
        .await;
    let doc_id = doc.body["id"].as_str().unwrap().to_owned();

    let created = ada
        .post(
            "/api/documents/collections",
            json!({"name": "Garden", "description": "Plants"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let collection = created.body["id"].as_str().unwrap().to_owned();
    let duplicate = ada
        .post("/api/documents/collections", json!({"name": "GARDEN"}))
        .await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT, "{}", duplicate.text);
    let added = ada
        .post(
            &format!("/api/documents/collections/{collection}/documents"),
            json!({"document_id": doc_id}),
        )
        .await;
    assert_eq!(added.status, StatusCode::NO_CONTENT, "{}", added.text);
    let read = ada
        .get(&format!("/api/documents/collections/{collection}"))
        .await;
    assert_eq!(read.body["documents"][0]["id"], doc_id.as_str());
    assert_eq!(
        ada.get("/api/documents/collections").await.body[0]["name"],
        "Garden"
    );

    // A conversation scoped to the collection; Bob can neither read nor use Ada's.
    let id = ada.conversation().await;
    let scoped = ada
        .patch(
            &format!("/api/chat/conversations/{id}/document-scope"),
            json!({"document_scope": [{"type": "collection", "id": collection}]}),
        )
        .await;
    assert_eq!(scoped.status, StatusCode::OK, "{}", scoped.text);
    assert_eq!(scoped.body["collections"][0], collection.as_str());
    // The scope reads back, from any device.
    let read_back = ada
        .get(&format!("/api/chat/conversations/{id}/document-scope"))
        .await;
    assert_eq!(read_back.body["collections"][0], collection.as_str());
    let bobs = bob.conversation().await;
    assert_eq!(
        bob.get(&format!("/api/chat/conversations/{id}/document-scope"))
            .await
            .status,
        StatusCode::NOT_FOUND,
        "another user's conversation is not there"
    );
    // The conversation's model is chosen, then cleared back to the default.
    let chosen = ada
        .patch(
            &format!("/api/chat/conversations/{id}"),
            json!({"model": "tiny-model"}),
        )
        .await;
    assert_eq!(chosen.body["model"], "tiny-model", "{}", chosen.text);
    let cleared_model = ada
        .patch(
            &format!("/api/chat/conversations/{id}"),
            json!({"model": ""}),
        )
        .await;
    assert!(
        cleared_model.body["model"].is_null(),
        "{}",
        cleared_model.text
    );
    let stolen = bob
        .patch(
            &format!("/api/chat/conversations/{bobs}/document-scope"),
            json!({"document_scope": [{"type": "document", "id": doc_id}]}),
        )
        .await;
    assert_eq!(stolen.status, StatusCode::NOT_FOUND, "{}", stolen.text);
    assert_eq!(
        bob.get(&format!("/api/documents/collections/{collection}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let cleared = ada
        .patch(
            &format!("/api/chat/conversations/{id}/document-scope"),
            json!({"document_scope": null}),
        )
        .await;
    assert_eq!(cleared.body["collections"].as_array().unwrap().len(), 0);

    // Pin toggles; a persona is set and cleared.
    let pinned = ada
        .patch(&format!("/api/chat/conversations/{id}/pin"), json!({}))
        .await;
    assert_eq!(pinned.body["pinned"], true, "{}", pinned.text);
    let unpinned = ada
        .patch(&format!("/api/chat/conversations/{id}/pin"), json!({}))
        .await;
    assert_eq!(unpinned.body["pinned"], false);
    let persona = ada
        .post(
            "/api/personas",
            json!({"name": "Gardener", "system_prompt": "Talk plants."}),
        )
        .await;
    let persona_id = persona.body["id"].as_str().unwrap().to_owned();
    let set = ada
        .patch(
            &format!("/api/chat/conversations/{id}/persona"),
            json!({"persona_id": persona_id}),
        )
        .await;
    assert_eq!(set.body["persona_id"], persona_id.as_str(), "{}", set.text);
    // Bob cannot put Ada's persona on his conversation.
    let foreign = bob
        .patch(
            &format!("/api/chat/conversations/{bobs}/persona"),
            json!({"persona_id": persona_id}),
        )
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{}", foreign.text);
    let unset = ada
        .patch(
            &format!("/api/chat/conversations/{id}/persona"),
            json!({"persona_id": null}),
        )
        .await;
    assert!(unset.body["persona_id"].is_null());

    // Deleting the collection keeps its document.
    assert_eq!(
        ada.delete(&format!("/api/documents/collections/{collection}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        ada.get(&format!("/api/documents/{doc_id}")).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn chatgpt_and_claude_exports_import_over_http() {
    let server = start(None).await;
    let mut ada = Client::set_up(&server).await;
    let claude = json!([
        {"name": "From Claude", "created_at": "2025-03-01T10:00:00Z",
         "chat_messages": [
            {"sender": "human", "content": [{"type": "text", "text": "Hi Claude"}]},
            {"sender": "assistant", "content": [{"type": "text", "text": "Hello!"}]}
         ]},
        {"name": "Broken", "chat_messages": 7}
    ]);
    let imported = ada
        .send(
            ada.request(reqwest::Method::POST, "/api/chat/import/claude")
                .header("content-type", "application/json")
                .body(claude.to_string()),
        )
        .await;
    assert_eq!(imported.status, StatusCode::CREATED, "{}", imported.text);
    assert_eq!(imported.body["imported"][0]["title"], "From Claude");
    assert_eq!(imported.body["skipped"][0]["index"], 1);
    let id = imported.body["imported"][0]["id"].as_str().unwrap();
    let read = ada.get(&format!("/api/chat/conversations/{id}")).await;
    assert_eq!(read.body["messages"][0]["content"], "Hi Claude");
    assert_eq!(read.body["messages"][1]["role"], "assistant");

    let chatgpt = json!([{
        "title": "From ChatGPT",
        "current_node": "b",
        "mapping": {
            "a": {"message": {"author": {"role": "user"},
                  "content": {"content_type": "text", "parts": ["Hi GPT"]}}, "parent": null},
            "b": {"message": {"author": {"role": "assistant"},
                  "content": {"content_type": "text", "parts": ["Hello!"]}}, "parent": "a"}
        }
    }]);
    let imported = ada
        .send(
            ada.request(reqwest::Method::POST, "/api/chat/import/chatgpt")
                .header("content-type", "application/json")
                .body(chatgpt.to_string()),
        )
        .await;
    assert_eq!(imported.status, StatusCode::CREATED, "{}", imported.text);
    assert_eq!(imported.body["imported"][0]["title"], "From ChatGPT");
    // Not an export at all: 400 naming the file, nothing imported.
    let wrong = ada
        .send(
            ada.request(reqwest::Method::POST, "/api/chat/import/claude")
                .header("content-type", "application/json")
                .body("{\"hello\": 1}"),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST, "{}", wrong.text);
    assert_eq!(wrong.field(), "conversations.json");
    let listed = ada.get("/api/chat/conversations").await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 2);
}
