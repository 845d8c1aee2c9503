//! Asking over HTTP against the real llama-server: server-sent events in order, the whole
//! answer as JSON, an answer that outlives its reader, a stop from another request, and a
//! backend that is down.

use futures::StreamExt;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Client, start, start_with};

/// A question this small model answers at length.
const LONG: &str = "Write a long story about a cat who travels the world.";

/// A question to the conversation `id`, asking for the answer as a stream (the body is
/// added by the caller).
fn ask_streaming(client: &Client, id: &str) -> reqwest::RequestBuilder {
    client
        .request(
            reqwest::Method::POST,
            &format!("/api/chat/conversations/{id}/messages"),
        )
        .header("accept", "text/event-stream")
}

/// The JSON events of an SSE body, and whether it ended with `[DONE]`.
fn events(body: &str) -> (Vec<(u64, Value)>, bool) {
    let mut events = Vec::new();
    let mut done = false;
    for block in body.split("\n\n") {
        let mut id = None;
        for line in block.lines() {
            if let Some(value) = line.strip_prefix("id: ") {
                id = value.parse().ok();
            } else if let Some(data) = line.strip_prefix("data: ") {
                if data == "[DONE]" {
                    done = true;
                } else {
                    events.push((id.unwrap(), serde_json::from_str(data).unwrap()));
                }
            }
        }
    }
    (events, done)
}

#[tokio::test]
async fn an_answer_streams_as_events_in_order_and_is_saved_as_streamed() {
    let Some(llm) = gantry_test::service("GANTRY_LLM_URL", "streaming over HTTP") else {
        return;
    };
    let server = start(Some(&llm)).await;
    let mut ada = Client::set_up(&server).await;
    let id = ada.conversation().await;
    let answer = ada
        .send(
            ask_streaming(&ada, &id)
                .json(&json!({"content": "Say hello to Zoë in one short sentence. 🍋"})),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert!(
        answer.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    assert_eq!(answer.headers["x-accel-buffering"], "no");
    let (events, done) = events(&answer.text);
    assert!(done, "ends with [DONE]: {}", answer.text);
    let ids: Vec<u64> = events.iter().map(|(id, _)| *id).collect();
    assert_eq!(
        ids,
        (0..events.len() as u64).collect::<Vec<_>>(),
        "numbered in order"
    );
    assert_eq!(events[0].1["type"], "context");
    let timings = &events[0].1["timings"];
    for stage in [
        "embed_ms",
        "vector_ms",
        "keyword_ms",
        "fuse_ms",
        "confirm_ms",
        "total_ms",
    ] {
        assert!(timings[stage].as_f64().is_some(), "{stage} in {timings}");
    }
    let last = &events.last().unwrap().1;
    assert_eq!(last["type"], "done", "{last}");
    let streamed: String = events
        .iter()
        .filter(|(_, e)| e["type"] == "token")
        .map(|(_, e)| e["text"].as_str().unwrap())
        .collect();
    assert!(!streamed.is_empty());
    assert_eq!(last["message"]["content"], streamed.as_str());
    assert_eq!(last["message"]["status"], "complete");
    let saved_timings = &last["message"]["context"]["timings"];
    assert!(
        saved_timings["time_to_first_token_ms"].as_u64().is_some(),
        "{last}"
    );
    assert!(
        saved_timings["tokens_per_second"].as_f64().unwrap() > 0.0,
        "{last}"
    );
    let stored = ada.get(&format!("/api/chat/conversations/{id}")).await;
    let messages = stored.body["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2);
    // The answer keeps its context: read again, it has the same sources and timings.
    assert_eq!(
        messages[1]["context"], last["message"]["context"],
        "kept with the message"
    );
    assert_eq!(
        messages[1]["context"]["citations"], events[0].1["citations"],
        "the sources the stream named"
    );
    assert_eq!(
        messages[0]["content"],
        "Say hello to Zoë in one short sentence. 🍋"
    );
    assert_eq!(messages[1]["content"], streamed.as_str());

    // Without asking for a stream: the whole answer as JSON.
    let whole = ada
        .post(
            &format!("/api/chat/conversations/{id}/messages"),
            json!({"content": "And again."}),
        )
        .await;
    assert_eq!(whole.status, StatusCode::OK, "{}", whole.text);
    assert_eq!(whole.body["message"]["role"], "assistant");
    assert!(whole.body["citations"].is_array());
    assert!(
        whole.body["timings"]["total_ms"].as_f64().is_some(),
        "{}",
        whole.text
    );
}

#[tokio::test]
async fn an_answer_outlives_a_reader_that_goes_away_and_stops_when_asked() {
    let Some(llm) = gantry_test::service("GANTRY_LLM_URL", "answers outliving readers") else {
        return;
    };
    let server = start_with(Some(&llm), |config| config.chat.answer_tokens = 200).await;
    let mut ada = Client::set_up(&server).await;

    // A reader that goes away after the first token: the answer is still generated to its
    // end and saved whole.
    let id = ada.conversation().await;
    let body = long_answer_streaming(&ada, &id).await;
    drop(body);
    let saved = wait_for_answer(&mut ada, &id).await;
    assert_eq!(saved["status"], "complete", "{saved}");
    assert!(saved["completion_tokens"].as_u64().unwrap() > 20, "{saved}");

    // A stop from another request ends it within a second, saved as partial.
    let id = ada.conversation().await;
    let mut body = long_answer_streaming(&ada, &id).await;
    let stopped = ada
        .post(&format!("/api/chat/conversations/{id}/stop"), json!({}))
        .await;
    assert_eq!(stopped.status, StatusCode::OK, "{}", stopped.text);
    assert_eq!(stopped.body["stopped"], true);
    let rest = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        let mut rest = String::new();
        while let Some(chunk) = body.next().await {
            rest.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
        }
        rest
    })
    .await
    .expect("the stream ends soon after the stop");
    assert!(rest.contains("[DONE]"), "{rest}");
    let saved = wait_for_answer(&mut ada, &id).await;
    assert_eq!(saved["status"], "partial", "{saved}");
    // Nothing is running there any more.
    let again = ada
        .post(&format!("/api/chat/conversations/{id}/stop"), json!({}))
        .await;
    assert_eq!(again.body["stopped"], false);
}

/// Asks for a long answer as a stream and reads it up to its first token.
async fn long_answer_streaming(
    client: &Client,
    id: &str,
) -> impl futures::Stream<Item = reqwest::Result<bytes::Bytes>> + Unpin + use<> {
    let response = ask_streaming(client, id)
        .json(&json!({"content": LONG, "temperature": 0.0}))
        .send()
        .await
        .unwrap();
    let mut body = Box::pin(response.bytes_stream());
    while let Some(chunk) = body.next().await {
        if String::from_utf8_lossy(&chunk.unwrap()).contains("\"token\"") {
            break;
        }
    }
    body
}

/// The conversation's answer once it is no longer being written.
async fn wait_for_answer(client: &mut Client, id: &str) -> Value {
    // Up to 90 s: a long answer on a busy 2-core machine.
    for _ in 0..900 {
        let read = client.get(&format!("/api/chat/conversations/{id}")).await;
        if let Some(answer) = read.body["messages"].as_array().and_then(|m| m.get(1))
            && server_finished(answer)
        {
            return answer.clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the answer was never finished");
}

/// A finished answer has its token counts (a draft being written has none).
fn server_finished(answer: &Value) -> bool {
    !answer["completion_tokens"].is_null() || answer["status"] == "complete"
}

#[tokio::test]
async fn a_backend_that_is_down_answers_503_before_any_event() {
    let server = start(None).await;
    let mut ada = Client::set_up(&server).await;
    let id = ada.conversation().await;
    let answer = ada
        .send(ask_streaming(&ada, &id).json(&json!({"content": "Hello?"})))
        .await;
    assert_eq!(
        answer.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        answer.text
    );
    assert_eq!(answer.code(), "backend_unavailable");
}

#[tokio::test]
async fn a_conversation_is_paged_regenerated_exported_imported_and_pruned() {
    let Some(llm) = gantry_test::service("GANTRY_LLM_URL", "conversation round trip") else {
        return;
    };
    let server = start(Some(&llm)).await;
    let mut ada = Client::set_up(&server).await;
    let id = ada.conversation().await;
    for question in ["Say one word.", "Say two words."] {
        let answer = ada
            .post(
                &format!("/api/chat/conversations/{id}/messages"),
                json!({"content": question}),
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    }
    // Pages of messages, newest page first, oldest first within.
    let page = ada
        .get(&format!("/api/chat/conversations/{id}/messages?limit=3"))
        .await;
    assert_eq!(page.body["items"].as_array().unwrap().len(), 3);
    assert_eq!(page.body["items"][1]["content"], "Say two words.");
    let cursor = page.body["next"].as_str().unwrap().to_owned();
    let older = ada
        .get(&format!(
            "/api/chat/conversations/{id}/messages?limit=3&cursor={cursor}"
        ))
        .await;
    assert_eq!(older.body["items"][0]["content"], "Say one word.");

    // Regenerated: the last answer is replaced, not added to.
    let last_before = page.body["items"][2]["id"].clone();
    let again = ada
        .post(
            &format!("/api/chat/conversations/{id}/regenerate"),
            json!({}),
        )
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    let read = ada.get(&format!("/api/chat/conversations/{id}")).await;
    let messages = read.body["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 4);
    assert_ne!(messages[3]["id"], last_before);

    // Exported three ways; the JSON imports back as a copy with the same messages.
    for (format, kind, start) in [
        ("json", "application/json", &b"{"[..]),
        ("markdown", "text/markdown", &b"#"[..]),
        ("pdf", "application/pdf", &b"%PDF-"[..]),
    ] {
        let response = ada
            .request(
                reqwest::Method::GET,
                &format!("/api/chat/conversations/{id}/export?format={format}"),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let headers = response.headers().clone();
        assert!(
            headers["content-type"].to_str().unwrap().starts_with(kind),
            "{headers:?}"
        );
        assert!(
            headers["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment")
        );
        let bytes = response.bytes().await.unwrap();
        assert!(bytes.starts_with(start), "{format}");
        if format == "json" {
            let imported = ada
                .send(
                    ada.request(reqwest::Method::POST, "/api/chat/import")
                        .header("content-type", "application/json")
                        .body(bytes.to_vec()),
                )
                .await;
            assert_eq!(imported.status, StatusCode::CREATED, "{}", imported.text);
            let copy = imported.body["id"].as_str().unwrap();
            assert_ne!(copy, id);
            let copied = ada.get(&format!("/api/chat/conversations/{copy}")).await;
            let contents = |body: &Value| -> Vec<Value> {
                body["messages"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|m| m["content"].clone())
                    .collect()
            };
            assert_eq!(contents(&copied.body), contents(&read.body));
        }
    }
    let bad = ada
        .get(&format!("/api/chat/conversations/{id}/export?format=docx"))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.field(), "format");
    let garbage = ada
        .send(
            ada.request(reqwest::Method::POST, "/api/chat/import")
                .header("content-type", "application/json")
                .body("{\"not\": \"an export\"}"),
        )
        .await;
    assert_eq!(garbage.status, StatusCode::BAD_REQUEST, "{}", garbage.text);

    // One message deleted: gone from the conversation.
    let first = messages[0]["id"].as_str().unwrap();
    assert_eq!(
        ada.delete(&format!("/api/chat/messages/{first}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let read = ada.get(&format!("/api/chat/conversations/{id}")).await;
    assert_eq!(read.body["messages"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn a_reader_that_reconnects_picks_up_where_it_left_off() {
    let Some(llm) = gantry_test::service("GANTRY_LLM_URL", "reconnecting to a stream") else {
        return;
    };
    let server = start_with(Some(&llm), |config| config.chat.answer_tokens = 120).await;
    let mut ada = Client::set_up(&server).await;
    let id = ada.conversation().await;
    // Nothing being written yet: 404.
    let none = ada
        .get(&format!("/api/chat/conversations/{id}/stream"))
        .await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);

    // Read a few events, then the connection drops.
    let response = ask_streaming(&ada, &id)
        .json(&json!({"content": LONG, "temperature": 0.0}))
        .send()
        .await
        .unwrap();
    let mut body = Box::pin(response.bytes_stream());
    let mut seen = String::new();
    while let Some(chunk) = body.next().await {
        seen.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
        if seen.matches("\"token\"").count() >= 3 && seen.ends_with("\n\n") {
            break;
        }
    }
    drop(body);
    let (before, _) = events(&seen);
    let last = before.last().unwrap().0;

    // Back: from the event after the last one seen, to the end.
    let resumed = ada
        .send(
            ada.request(
                reqwest::Method::GET,
                &format!("/api/chat/conversations/{id}/stream"),
            )
            .header("last-event-id", last.to_string()),
        )
        .await;
    assert_eq!(resumed.status, StatusCode::OK, "{}", resumed.text);
    let (after, done) = events(&resumed.text);
    assert!(done);
    assert_eq!(after[0].0, last + 1, "no event twice, none missed");
    let text: String = before
        .iter()
        .chain(after.iter())
        .filter(|(_, e)| e["type"] == "token")
        .map(|(_, e)| e["text"].as_str().unwrap())
        .collect();
    let final_event = &after.last().unwrap().1;
    assert_eq!(final_event["type"], "done", "{final_event}");
    assert_eq!(final_event["message"]["content"], text.as_str());
    // Bob cannot follow Ada's answer.
    let mut bob = Client::register(&server, "bob@example.com").await;
    let foreign = bob
        .get(&format!("/api/chat/conversations/{id}/stream"))
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
}
