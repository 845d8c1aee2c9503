//! `gantry ask`, `search`, `models list` and `ingest` against the real llama-server, both
//! ways: on a data directory opened by the command itself, and through a running server
//! (the one holding the data directory, found by its `server.json`; or `--server` with an
//! API key).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Output;

mod support;

use support::text;

/// Runs `gantry` on `dir` with the real model server and embedder, then `env`.
fn gantry(dir: &Path, args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Output {
    let llm = support::required("GANTRY_LLM_URL");
    let minilm = std::env::var("GANTRY_MINILM_DIR").ok();
    let mut all = vec![
        ("GANTRY_LLM_URL", llm.as_str()),
        ("GANTRY_CONTEXT_LENGTH", "2048"),
    ];
    if let Some(minilm) = &minilm {
        all.push(("GANTRY_MINILM_DIR", minilm.as_str()));
    }
    all.extend_from_slice(env);
    support::run_gantry(dir, args, &all, stdin)
}

fn add_admin(dir: &Path) {
    let out = gantry(
        dir,
        &[
            "users",
            "add",
            "--email",
            support::ADMIN_EMAIL,
            "--name",
            "Admin",
        ],
        &[("GANTRY_PASSWORD", support::ADMIN_PASSWORD)],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn on_a_data_directory_ask_answers_on_stdout_and_reads_stdin() {
    let dir = tempfile::tempdir().unwrap();
    add_admin(dir.path());
    let asked = gantry(
        dir.path(),
        &["ask", "What", "colour", "is", "the", "sky?"],
        &[],
        None,
    );
    assert!(asked.status.success(), "{}", text(&asked.stderr));
    let answer = text(&asked.stdout);
    assert!(answer.trim().len() > 3, "an answer on stdout: {answer:?}");
    assert!(
        asked.stderr.is_empty(),
        "nothing else: {}",
        text(&asked.stderr)
    );

    // Piped text joins the question; --json gives the saved message.
    let piped = gantry(
        dir.path(),
        &["ask", "--json", "Summarise this in five words:"],
        &[],
        Some("The lighthouse keeper trims the wick every evening at dusk."),
    );
    assert!(piped.status.success(), "{}", text(&piped.stderr));
    let saved: serde_json::Value = serde_json::from_slice(&piped.stdout).unwrap();
    assert_eq!(saved["message"]["role"], "assistant");
    assert_eq!(saved["message"]["status"], "complete");
    assert!(saved["message"]["completion_tokens"].as_u64().unwrap() > 0);

    // Both exchanges were saved: search finds the second question's words.
    let found = gantry(dir.path(), &["search", "lighthouse", "--json"], &[], None);
    let results: serde_json::Value = serde_json::from_slice(&found.stdout).unwrap();
    assert!(
        !results["conversations"].as_array().unwrap().is_empty(),
        "{results}"
    );

    let models = gantry(dir.path(), &["models", "list", "--json"], &[], None);
    let models: serde_json::Value = serde_json::from_slice(&models.stdout).unwrap();
    assert!(
        !models.as_array().unwrap().is_empty(),
        "llama-server's model: {models}"
    );
}

#[tokio::test]
async fn with_a_server_running_the_commands_go_through_it() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().to_str().unwrap().to_owned();
    let llm = support::required("GANTRY_LLM_URL");
    let mut env = vec![
        ("GANTRY_DATA_DIR", data_dir.as_str()),
        ("GANTRY_LLM_URL", llm.as_str()),
        ("GANTRY_CONTEXT_LENGTH", "2048"),
    ];
    let minilm = std::env::var("GANTRY_MINILM_DIR").ok();
    if let Some(minilm) = &minilm {
        env.push(("GANTRY_MINILM_DIR", minilm.as_str()));
    }
    let served = support::serve(&env).await;
    assert!(
        dir.path().join("server.json").exists(),
        "the server says where it is"
    );
    let session = support::Session::sign_in(&served.url).await;

    // The server holds the index files: the command goes through it, as the admin.
    let path = dir.path().to_owned();
    let doctor = tokio::task::spawn_blocking(move || gantry(&path, &["doctor"], &[], None))
        .await
        .unwrap();
    assert!(
        text(&doctor.stdout).contains("commands go through it"),
        "{}",
        text(&doctor.stdout)
    );
    let path = dir.path().to_owned();
    let asked = tokio::task::spawn_blocking(move || {
        gantry(&path, &["ask", "Name a colour of the rainbow."], &[], None)
    })
    .await
    .unwrap();
    assert!(asked.status.success(), "{}", text(&asked.stderr));
    let listed = session.json("/api/chat/conversations").await;
    assert_eq!(
        listed["items"].as_array().unwrap().len(),
        1,
        "the server saved it: {listed}"
    );
    // The key made for the command was revoked after it.
    let keys = session.json("/api/auth/api-keys").await;
    assert_eq!(keys.as_array().map_or(0, Vec::len), 0, "{keys}");

    // --server with an API key of the user's own, from anywhere.
    let made: serde_json::Value = session
        .post("/api/auth/api-keys")
        .json(&serde_json::json!({ "name": "script" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = made["key"].as_str().unwrap().to_owned();
    let elsewhere = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    std::fs::write(
        files.path().join("tides.md"),
        "# Tides\n\nThe moon pulls the sea twice a day.\n",
    )
    .unwrap();
    let (url, path, folder) = (
        served.url.clone(),
        elsewhere.path().to_owned(),
        files.path().to_owned(),
    );
    let ingested = tokio::task::spawn_blocking(move || {
        gantry(
            &path,
            &[
                "ingest",
                "--json",
                folder.to_str().unwrap(),
                "--server",
                &url,
            ],
            &[("GANTRY_API_KEY", &key)],
            None,
        )
    })
    .await
    .unwrap();
    assert!(ingested.status.success(), "{}", text(&ingested.stderr));
    let outcomes: serde_json::Value = serde_json::from_slice(&ingested.stdout).unwrap();
    assert_eq!(outcomes[0]["status"], "ready", "{outcomes}");
    let documents = session.json("/api/documents").await;
    assert_eq!(documents["items"][0]["filename"], "tides.md", "{documents}");
    assert!(
        !elsewhere.path().join("gantry.db").exists(),
        "no data directory was made"
    );
}
