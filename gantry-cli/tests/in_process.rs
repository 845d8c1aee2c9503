//! `gantry serve` with no model server: it finds the GGUF chat model in its models
//! directory, says so, and answers chats with it, including a `/v1` request that asks for
//! JSON under a schema; `gantry doctor` says the same. Needs `GANTRY_MODELS_DIR`
//! (`scripts/test` sets it; `scripts/fetch-models` fills it).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::{Value, json};
use support::{Session, required, run_gantry, serve, text};

#[tokio::test]
async fn serve_answers_with_the_in_process_model_when_no_backend_is_configured() {
    let models = required("GANTRY_MODELS_DIR");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let served = serve(&[("GANTRY_DATA_DIR", data), ("GANTRY_MODELS_DIR", &models)]).await;
    let said = served.said.join("\n");
    assert!(
        said.contains("SmolLM2-135M-Instruct.Q4_1 in process"),
        "names the model it answers with: {said}"
    );
    assert!(
        said.contains("local:all-MiniLM-L6-v2"),
        "finds the embedder there too: {said}"
    );

    let session = Session::sign_in(&served.url).await;
    let chat: Value = session
        .post("/api/chat/conversations")
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = chat["id"].as_str().unwrap();
    let asked = session
        .post(&format!("/api/chat/conversations/{id}/messages"))
        .json(&json!({ "content": "Which city is the capital of France?" }))
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), 200);
    let answer: Value = asked.json().await.unwrap();
    let message = &answer["message"];
    assert!(
        !message["content"].as_str().unwrap().trim().is_empty(),
        "{answer}"
    );
    assert!(message["error"].is_null(), "{answer}");
    let listed: Value = session.json("/api/models").await;
    assert!(
        listed.to_string().contains("SmolLM2-135M-Instruct.Q4_1"),
        "{listed}"
    );

    // An OpenAI client asking for JSON under a schema gets exactly that.
    let key: Value = session
        .post("/api/auth/api-keys")
        .json(&json!({ "name": "test" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = key["key"].as_str().unwrap();
    let schema = json!({
        "type": "object",
        "properties": { "city": { "type": "string" }, "country": { "type": "string" } },
        "required": ["city", "country"],
        "additionalProperties": false
    });
    let completion: Value = reqwest::Client::new()
        .post(format!("{}/v1/chat/completions", served.url))
        .bearer_auth(key)
        .json(&json!({
            "model": "SmolLM2-135M-Instruct.Q4_1",
            "messages": [{ "role": "user", "content": "Where is the Eiffel Tower?" }],
            "response_format": { "type": "json_schema", "json_schema": { "name": "place", "schema": schema } },
            "temperature": 0.7, "top_p": 0.9, "seed": 3
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let content = completion["choices"][0]["message"]["content"]
        .as_str()
        .unwrap();
    let place: Value = serde_json::from_str(content).unwrap_or_else(|e| panic!("{e}: {content}"));
    assert!(
        place["city"].is_string() && place["country"].is_string(),
        "{place}"
    );
    let refused = reqwest::Client::new()
        .post(format!("{}/v1/chat/completions", served.url))
        .bearer_auth(key)
        .json(&json!({
            "model": "SmolLM2-135M-Instruct.Q4_1",
            "messages": [{ "role": "user", "content": "Hi" }],
            "response_format": { "type": "json_schema", "json_schema": { "schema": [1, 2] } }
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    assert!(refused.text().await.unwrap().contains("json_schema"));

    let doctor = run_gantry(
        dir.path(),
        &["doctor"],
        &[("GANTRY_MODELS_DIR", &models)],
        None,
    );
    let report = text(&doctor.stdout);
    assert!(
        report.contains("SmolLM2-135M-Instruct.Q4_1.gguf in process"),
        "{report}"
    );
}

#[test]
fn doctor_says_why_there_is_no_chat_model() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("models");
    std::fs::create_dir(&empty).unwrap();
    let doctor = run_gantry(
        dir.path(),
        &["doctor"],
        &[("GANTRY_MODELS_DIR", empty.to_str().unwrap())],
        None,
    );
    let report = text(&doctor.stdout);
    assert!(report.contains("no .gguf file in"), "{report}");
    assert!(report.contains("scripts/fetch-models"), "{report}");
}
