//! `kill -9` of `gantry serve` while an answer streams and a document is being read:
//! after a restart on the same data directory nothing acknowledged is lost, the document
//! cut short is `failed` with a reason (never left `processing`), the answer cut short is
//! saved as partial text consistent with what the client saw (or not at all), and search
//! answers as it did before the crash.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use futures::StreamExt;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use support::{Session, required, serve};

mod support;

async fn upload(session: &Session, name: &str, text: String) -> Value {
    let form = Form::new().part(
        "file",
        Part::bytes(text.into_bytes()).file_name(name.to_owned()),
    );
    let answer = session
        .post("/api/documents/upload")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 201);
    answer.json().await.unwrap()
}

/// Waits until every index has applied every change.
async fn caught_up(session: &Session) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        // 503 while the vector index builds what it loaded.
        let ready: Value = session
            .http
            .get(format!("{}/ready", session.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if ready["status"] == "ready" && ready["vector_lag"] == 0 && ready["keyword_lag"] == 0 {
            return;
        }
        assert!(Instant::now() < deadline, "the indexes catch up: {ready}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// What search finds for each query, by id and in order: the conversations, each one's
/// best message, the documents with their best passage, and the passages.
async fn findings(session: &Session) -> Vec<(&'static str, Vec<String>)> {
    let ids = |items: &Value, keys: &[&str]| -> Vec<String> {
        items
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|item| {
                keys.iter().map(move |key| {
                    let value = key.split('.').fold(item, |value, part| &value[part]);
                    value.as_str().unwrap_or("-").to_owned()
                })
            })
            .collect()
    };
    let mut found = Vec::new();
    for query in ["Pablo llama", "Lisbon office chairs", "quarterly budget"] {
        let q = query.replace(' ', "%20");
        let everything = session.json(&format!("/api/chat/search?q={q}")).await;
        let conversations = &everything["conversations"];
        found.push(("conversations", ids(conversations, &["conversation.id"])));
        found.push(("best messages", ids(conversations, &["message_id"])));
        let documents = ids(&everything["documents"], &["document.id", "chunk_id"]);
        found.push(("documents", documents));
        let passages: Value = session
            .post("/api/documents/search")
            .json(&json!({"query": query, "top_k": 5}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        found.push(("passages", ids(&passages, &["chunk_id"])));
    }
    found
}

#[tokio::test]
async fn kill_9_mid_stream_and_mid_ingestion_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let (llm, minilm) = (required("GANTRY_LLM_URL"), required("GANTRY_MINILM_DIR"));
    let env = [
        ("GANTRY_DATA_DIR", dir.path().to_str().unwrap()),
        ("GANTRY_LLM_URL", llm.as_str()),
        ("GANTRY_MINILM_DIR", minilm.as_str()),
        ("GANTRY_CONTEXT_LENGTH", "2048"),
    ];
    let mut first = serve(&env).await;
    let session = Session::sign_in(&first.url).await;

    // Acknowledged before the crash: a turn, and a document read to its end.
    let chat = session
        .post("/api/chat/conversations")
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let asked = session
        .post(&format!("/api/chat/conversations/{chat}/messages"))
        .json(&json!({"content": "My llama is called Pablo. Say OK."}))
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), 200);
    let answered: Value = asked.json().await.unwrap();
    let notes = upload(
        &session,
        "notes.md",
        "# Budget\n\nThe quarterly budget for the Lisbon office buys 42 chairs.\n".into(),
    )
    .await;
    let notes_id = notes["id"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + Duration::from_secs(60);
    while session.json(&format!("/api/documents/{notes_id}")).await["status"] == "processing" {
        assert!(Instant::now() < deadline, "the small document is read");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    caught_up(&session).await;
    let before = findings(&session).await;

    // In flight at the crash: a streaming answer, and a large document being read.
    let streaming = session
        .post(&format!("/api/chat/conversations/{chat}/messages"))
        .header("accept", "text/event-stream")
        .json(&json!({"content": "Count from 1 to 1000, one number per line."}))
        .send()
        .await
        .unwrap();
    assert_eq!(streaming.status(), 200);
    let mut body = streaming.bytes_stream();
    let mut seen = String::new();
    while !seen.contains("\"type\":\"token\"") {
        seen.push_str(&String::from_utf8_lossy(
            &body.next().await.unwrap().unwrap(),
        ));
    }
    let paragraph = "Field notes on tides, harbours and the keeping of lighthouses. ";
    let large = (0..40_000)
        .map(|i| format!("{paragraph}{i}\n\n"))
        .collect::<String>();
    let big = upload(&session, "field-notes.md", large).await;
    let big_id = big["id"].as_str().unwrap().to_owned();
    assert_eq!(big["status"], "processing");
    // Now: no time to finish anything.
    first.child.kill().await.unwrap();
    // What the client saw of the answer.
    while let Some(Ok(piece)) = body.next().await {
        seen.push_str(&String::from_utf8_lossy(&piece));
    }
    let streamed: String = seen
        .lines()
        .filter_map(|line| line.strip_prefix("data: "))
        .filter_map(|data| serde_json::from_str::<Value>(data).ok())
        .filter(|event| event["type"] == "token")
        .map(|event| event["text"].as_str().unwrap().to_owned())
        .collect();
    drop(first);

    // Restarted on the same directory.
    let second = serve(&env).await;
    assert!(
        dir.path().join("index").exists(),
        "the indexes were there before the crash"
    );
    let session = session.on(&second.url);
    let document = session.json(&format!("/api/documents/{big_id}")).await;
    assert_eq!(
        document["status"], "failed",
        "cut short, it failed: {document}"
    );
    assert!(
        document["failure_reason"]
            .as_str()
            .is_some_and(|reason| !reason.is_empty()),
        "with a reason: {document}"
    );
    let notes = session.json(&format!("/api/documents/{notes_id}")).await;
    assert_eq!(notes["status"], "ready");

    let messages = session
        .json(&format!("/api/chat/conversations/{chat}/messages"))
        .await["items"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(messages[0]["content"], "My llama is called Pablo. Say OK.");
    assert_eq!(messages[1]["content"], answered["message"]["content"]);
    assert_eq!(messages[1]["status"], "complete");
    assert_eq!(
        messages[2]["content"], "Count from 1 to 1000, one number per line.",
        "the question whose answer was streaming was acknowledged"
    );
    if let Some(cut) = messages.get(3) {
        assert_eq!(cut["role"], "assistant");
        assert_eq!(cut["status"], "partial", "never saved as complete: {cut}");
        let saved = cut["content"].as_str().unwrap();
        assert!(
            streamed.starts_with(saved) || saved.starts_with(&streamed),
            "the saved text and the streamed text agree:\nsaved: {saved:?}\nstreamed: {streamed:?}"
        );
    }
    assert!(messages.len() <= 4, "{messages:#?}");

    // Nothing found before the crash is lost...
    caught_up(&session).await;
    let recovered = findings(&session).await;
    for ((what, was), (_, is)) in before.iter().zip(&recovered) {
        // A conversation's best message may be one written since.
        if *what == "best messages" {
            continue;
        }
        for id in was {
            assert!(is.contains(id), "{id} is still found: {was:?} -> {is:?}");
        }
    }
    // ...and search answers as it does with indexes built cleanly from the store, as a
    // server that never crashed has them.
    let mut second = second;
    let pid = second.child.id().unwrap().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    second.child.wait().await.unwrap();
    std::fs::remove_dir_all(dir.path().join("index")).unwrap();
    let third = serve(&env).await;
    let session = session.on(&third.url);
    caught_up(&session).await;
    assert_eq!(
        findings(&session).await,
        recovered,
        "search after the crash equals search on indexes rebuilt from the store"
    );
}
