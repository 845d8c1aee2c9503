//! `/v1` through the official OpenAI client library (Python, from PyPI), against a real
//! `gantry serve` on the real llama-server and MiniLM: streaming and whole answers with
//! usage, memory from earlier conversations, conversations continued by header or `user`,
//! personas as models, embeddings, and errors in OpenAI's shape. The Python side is
//! `openai_client.py`; its environment comes from `scripts/python-env`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::time::Duration;

use support::{Session, required, serve};

mod support;

#[tokio::test]
async fn the_openai_python_client_chats_embeds_and_gets_gantrys_memory() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let python = std::process::Command::new(repo.join("scripts/python-env"))
        .output()
        .unwrap();
    assert!(
        python.status.success(),
        "scripts/python-env: {}",
        String::from_utf8_lossy(&python.stderr)
    );
    let python = String::from_utf8(python.stdout).unwrap();
    let python = python.lines().last().unwrap().trim().to_owned();

    let dir = tempfile::tempdir().unwrap();
    let (llm, minilm) = (required("GANTRY_LLM_URL"), required("GANTRY_MINILM_DIR"));
    let served = serve(&[
        ("GANTRY_DATA_DIR", dir.path().to_str().unwrap()),
        ("GANTRY_LLM_URL", &llm),
        ("GANTRY_MINILM_DIR", &minilm),
        ("GANTRY_CONTEXT_LENGTH", "2048"),
    ])
    .await;
    let url = served.url.clone();

    // The admin signs in, makes an API key for programs and a persona of their own.
    let session = Session::sign_in(&url).await;
    let key: serde_json::Value = session
        .post("/api/auth/api-keys")
        .json(&serde_json::json!({"name": "openai client"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = key["key"]
        .as_str()
        .unwrap_or_else(|| panic!("the key, shown once: {key}"))
        .to_owned();
    let persona = session
        .http
        .post(format!("{url}/api/personas"))
        .bearer_auth(&key)
        .json(&serde_json::json!({
            "name": "Pirate", "system_prompt": "Talk like a pirate.", "is_default": false
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(persona.status(), 201);

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/openai_client.py");
    let run = tokio::process::Command::new(&python)
        .arg(&script)
        .env("GANTRY_URL", &url)
        .env("GANTRY_KEY", &key)
        .output();
    let run = tokio::time::timeout(Duration::from_secs(600), run)
        .await
        .expect("the Python suite ends within ten minutes")
        .unwrap();
    let report = String::from_utf8_lossy(&run.stderr);
    assert!(
        run.status.success(),
        "the OpenAI client suite failed:\n{report}"
    );
    assert!(report.contains("OK"), "{report}");
}
