//! Two `gantry serve` processes on one PostgreSQL database, as an operator runs them
//! behind a load balancer without sticky sessions: a session made on one works on the
//! other, a message written through one is found by search through the other, a stop
//! request sent to the server that does not hold the answer still stops it, and an admin's
//! change of model backends or default model made on one reaches the other.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::{Value, json};
use support::{Session, serve};

mod support;

#[tokio::test]
async fn two_servers_on_one_database_share_sessions_search_and_stop_requests() {
    let Some(llm) = gantry_test::service("GANTRY_LLM_URL", "two servers on one database") else {
        return;
    };
    let Some(schema) = gantry_test::postgres_schema().await else {
        return;
    };
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let env = |dir: &tempfile::TempDir| -> Vec<(&'static str, String)> {
        vec![
            ("GANTRY_DATABASE_URL", schema.url.clone()),
            ("GANTRY_DATA_DIR", dir.path().to_str().unwrap().to_owned()),
            ("GANTRY_LLM_URL", llm.clone()),
            ("GANTRY_CONTEXT_LENGTH", "2048".to_owned()),
        ]
    };
    let (env_a, env_b) = (env(&dir_a), env(&dir_b));
    // One after the other: the first creates the admin, the second finds it there.
    let a = serve(&borrowed(&env_a)).await;
    let b = serve(&borrowed(&env_b)).await;
    // A session made on A works on B.
    let on_a = Session::sign_in(&a.url).await;
    let on_b = on_a.on(&b.url);
    let me = on_b.get("/api/auth/me").send().await.unwrap();
    assert_eq!(me.status(), 200, "B knows A's session");

    // A message written through A is found by search through B.
    let made: Value = on_a
        .post("/api/chat/conversations")
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let chat = made["id"].as_str().unwrap().to_owned();
    let messages = format!("/api/chat/conversations/{chat}/messages");
    let asked = on_a
        .post(&messages)
        .json(&json!({"content": "The password is zanzibarquokka. Say OK."}))
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), 200);
    let written = Instant::now();
    loop {
        let found = on_b.json("/api/chat/search?q=zanzibarquokka").await;
        if found.to_string().contains(&chat) {
            break;
        }
        assert!(
            written.elapsed() < Duration::from_secs(10),
            "B finds the message within 10 s: {found}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!(
        "B found the message written through A {} ms after A answered",
        written.elapsed().as_millis()
    );

    // A long answer streams from A; B is asked to stop it, and A stops.
    let streaming = on_a
        .post(&messages)
        .header("accept", "text/event-stream")
        .json(&json!({"content": "Count from 1 to 1000, one number per line."}))
        .send()
        .await
        .unwrap();
    assert_eq!(streaming.status(), 200);
    let mut body = streaming.bytes_stream();
    let first = body.next().await.unwrap().unwrap();
    assert!(!first.is_empty());
    let stop: Value = on_b
        .post(&format!("/api/chat/conversations/{chat}/stop"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stop["stopped"], false, "B was not writing it: {stop}");
    let rest = tokio::time::timeout(Duration::from_secs(30), async {
        let mut text = String::new();
        while let Some(piece) = body.next().await {
            text.push_str(&String::from_utf8_lossy(&piece.unwrap()));
        }
        text
    })
    .await
    .expect("A's stream ends");
    assert!(rest.contains("[DONE]"), "{rest}");
    assert!(
        !rest.contains("\"type\":\"done\""),
        "stopped, not finished: {rest}"
    );
    // Saved as partial, as B reads it.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let saved = on_b.json(&messages).await;
        let last = saved["items"].as_array().unwrap().last().unwrap().clone();
        if last["role"] == "assistant" && last["status"] == "partial" && last["content"] != "" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the stopped answer is saved: {last}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // A backend an admin adds through A, and the default model set there, reach B.
    let added = on_a
        .post("/api/admin/backends")
        .json(&json!({"name": "second", "base_url": llm, "kind": "llamacpp"}))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 201);
    let set = on_a
        .change(reqwest::Method::PUT, "/api/admin/models/default")
        .json(&json!({"model": "the-default-of-both"}))
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), 204);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let backends = on_b.json("/api/admin/backends").await;
        let active = on_b.json("/api/models/active").await;
        let names: Vec<&str> = backends
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|entry| entry["backend"]["name"].as_str())
            .collect();
        if names.contains(&"second") && active["model"]["id"] == "the-default-of-both" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "B sees A's backend and default model: {names:?} {active}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn borrowed<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}
