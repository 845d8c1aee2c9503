//! The Knowledge Vault over HTTP: a multipart upload answers at once as `processing` and
//! becomes `ready` (or `failed`, with the reason); hostile uploads are refused or fail
//! cleanly; another user's documents answer 404.

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::support::{Answer, Client, start};

async fn upload(client: &mut Client, filename: &str, bytes: Vec<u8>) -> Answer {
    let form = Form::new().part("file", Part::bytes(bytes).file_name(filename.to_owned()));
    let request = client
        .request(reqwest::Method::POST, "/api/documents/upload")
        .multipart(form);
    client.send(request).await
}

/// The document once it is no longer `processing`.
async fn settled(client: &mut Client, id: &str) -> Value {
    for _ in 0..200 {
        let read = client.get(&format!("/api/documents/{id}")).await;
        if read.body["status"] != "processing" {
            return read.body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the document stayed processing");
}

#[tokio::test]
async fn an_uploaded_document_is_cited_with_its_section() {
    let Some(llm) = gantry_test::service("GANTRY_LLM_URL", "documents cited over HTTP") else {
        return;
    };
    let server = start(Some(&llm)).await;
    let mut ada = Client::set_up(&server).await;
    let guide = "# Field guide\n\n## Birds\n\n### Herons\n\n\
                 Grey herons nest in tall alder trees beside the river every March.\n";
    let accepted = upload(&mut ada, "guide.md", guide.as_bytes().to_vec()).await;
    let id = accepted.body["id"].as_str().unwrap().to_owned();
    assert_eq!(settled(&mut ada, &id).await["status"], "ready");
    server.gantry.flush().await.unwrap();

    let chat = ada.conversation().await;
    let answer = ada
        .post(
            &format!("/api/chat/conversations/{chat}/messages"),
            serde_json::json!({"content": "Where do grey herons nest?"}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let citations = answer.body["citations"].as_array().unwrap();
    let heron = citations
        .iter()
        .find(|c| c["kind"] == "chunk" && c["parent_id"] == id.as_str())
        .unwrap_or_else(|| panic!("the guide is cited: {}", answer.text));
    assert_eq!(heron["label"], "guide.md");
    assert_eq!(heron["heading"], "Field guide > Birds > Herons");
    assert!(
        heron.get("page").is_none(),
        "Markdown has no pages: {heron}"
    );
    assert!(heron["excerpt"].as_str().unwrap().contains("alder"));
}

#[tokio::test]
async fn an_upload_is_accepted_at_once_and_read_in_the_background() {
    let server = start(None).await;
    let mut ada = Client::set_up(&server).await;
    let accepted = upload(
        &mut ada,
        "notes.md",
        b"# Lemons\n\nMaya grows lemons in Porto.".to_vec(),
    )
    .await;
    assert_eq!(accepted.status, StatusCode::CREATED, "{}", accepted.text);
    assert_eq!(accepted.body["filename"], "notes.md");
    let id = accepted.body["id"].as_str().unwrap().to_owned();
    let document = settled(&mut ada, &id).await;
    assert_eq!(document["status"], "ready", "{document}");
    let listed = ada.get("/api/documents").await;
    assert_eq!(listed.body["items"][0]["id"], id.as_str());

    // A path in the name is kept as a name, never used as a path.
    let traversal = upload(&mut ada, "../../etc/passwd.txt", b"just text".to_vec()).await;
    assert_eq!(traversal.status, StatusCode::CREATED, "{}", traversal.text);
    let id2 = traversal.body["id"].as_str().unwrap().to_owned();
    assert_eq!(settled(&mut ada, &id2).await["status"], "ready");

    // Binary garbage that claims to be a PDF fails, with the reason.
    let garbage = upload(
        &mut ada,
        "scan.pdf",
        b"%PDF-1.7\x00\x01\x02 garbage".to_vec(),
    )
    .await;
    let id3 = garbage.body["id"].as_str().unwrap().to_owned();
    let failed = settled(&mut ada, &id3).await;
    assert_eq!(failed["status"], "failed");
    assert!(
        failed["failure_reason"].as_str().unwrap().contains("PDF"),
        "{failed}"
    );

    // An unsupported type is refused before anything is recorded: 415.
    let exe = upload(&mut ada, "setup.exe", b"MZ\x90\x00".to_vec()).await;
    assert_eq!(
        exe.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "{}",
        exe.text
    );
    assert!(
        exe.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains(".pdf")
    );
    // Over the upload limit: 413, and nothing recorded.
    let limit = server.gantry.engine().settings().max_upload_bytes;
    let huge = upload(&mut ada, "huge.txt", vec![b'a'; limit + 1]).await;
    assert_eq!(huge.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", huge.text);
    assert_eq!(huge.code(), "payload_too_large");
    let listed = ada.get("/api/documents").await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 3);

    // No file field: 400 naming it.
    let empty = ada
        .send(
            ada.request(reqwest::Method::POST, "/api/documents/upload")
                .multipart(Form::new().text("note", "no file")),
        )
        .await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert_eq!(empty.field(), "file");

    // Deleted: gone.
    assert_eq!(
        ada.delete(&format!("/api/documents/{id}")).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        ada.get(&format!("/api/documents/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn another_users_document_answers_like_one_that_never_existed() {
    let server = start(None).await;
    let mut ada = Client::set_up(&server).await;
    let mut bob = Client::register(&server, "bob@example.com").await;
    let accepted = upload(&mut ada, "private.txt", b"Ada's secret plans.".to_vec()).await;
    let adas = accepted.body["id"].as_str().unwrap().to_owned();
    settled(&mut ada, &adas).await;
    let never = "01a231c2-0000-7000-8000-000000000000";
    for id in [adas.as_str(), never] {
        for answer in [
            bob.get(&format!("/api/documents/{id}")).await,
            bob.delete(&format!("/api/documents/{id}")).await,
            bob.post(
                &format!("/api/documents/{id}/reindex"),
                serde_json::json!({}),
            )
            .await,
        ] {
            assert_eq!(answer.status, StatusCode::NOT_FOUND, "{}", answer.text);
            assert!(!answer.text.contains("secret"));
        }
    }
    assert_eq!(
        bob.get("/api/documents").await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(settled(&mut ada, &adas).await["status"], "ready");
}

#[tokio::test]
async fn passages_are_searched_within_collections_and_uploads_can_go_straight_into_one() {
    let server = start(None).await;
    let mut ada = Client::set_up(&server).await;
    let mut bob = Client::register(&server, "bob@example.com").await;
    let shelf = ada
        .post(
            "/api/documents/collections",
            serde_json::json!({"name": "Citrus"}),
        )
        .await;
    let shelf = shelf.body["id"].as_str().unwrap().to_owned();
    // Into the collection as it is uploaded.
    let form = Form::new().text("collection_id", shelf.clone()).part(
        "file",
        Part::bytes(b"Lemon trees need full sun and well-drained soil.".to_vec())
            .file_name("lemons.txt"),
    );
    let lemons = ada
        .send(
            ada.request(reqwest::Method::POST, "/api/documents/upload")
                .multipart(form),
        )
        .await;
    assert_eq!(lemons.status, StatusCode::CREATED, "{}", lemons.text);
    let lemons = lemons.body["id"].as_str().unwrap().to_owned();
    let other = upload(
        &mut ada,
        "apples.txt",
        b"Apple trees need cold winters and full sun.".to_vec(),
    )
    .await;
    let other = other.body["id"].as_str().unwrap().to_owned();
    settled(&mut ada, &lemons).await;
    settled(&mut ada, &other).await;
    server.gantry.flush().await.unwrap();

    let in_shelf = ada
        .get(&format!("/api/documents?collection_id={shelf}"))
        .await;
    let ids: Vec<&str> = in_shelf.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [lemons.as_str()]);

    // Every document, then only the collection's.
    let all = ada
        .post(
            "/api/documents/search",
            serde_json::json!({"query": "full sun", "top_k": 5}),
        )
        .await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text);
    assert_eq!(all.body.as_array().unwrap().len(), 2, "{}", all.text);
    assert!(all.body[0]["score"].as_f64().is_some());
    let scoped = ada
        .post(
            "/api/documents/search",
            serde_json::json!({"query": "full sun", "collection_ids": [shelf]}),
        )
        .await;
    let found: Vec<&str> = scoped
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["document"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(found, [lemons.as_str()], "{}", scoped.text);
    assert!(
        scoped.body[0]["text"]
            .as_str()
            .unwrap()
            .contains("Lemon trees")
    );
    // Bob: nothing of Ada's, and her collection is not found.
    let bobs = bob
        .post(
            "/api/documents/search",
            serde_json::json!({"query": "full sun"}),
        )
        .await;
    assert_eq!(bobs.body.as_array().unwrap().len(), 0);
    let foreign = bob
        .post(
            "/api/documents/search",
            serde_json::json!({"query": "sun", "collection_ids": [shelf]}),
        )
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    let form = Form::new()
        .text("collection_id", shelf.clone())
        .part("file", Part::bytes(b"x".to_vec()).file_name("x.txt"));
    let foreign_upload = bob
        .send(
            bob.request(reqwest::Method::POST, "/api/documents/upload")
                .multipart(form),
        )
        .await;
    assert_eq!(foreign_upload.status, StatusCode::NOT_FOUND);
    assert_eq!(
        bob.get("/api/documents").await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let bad = ada
        .post(
            "/api/documents/search",
            serde_json::json!({"query": "sun", "top_k": 0}),
        )
        .await;
    assert_eq!(bad.field(), "top_k");
    // No default model configured: none is active.
    let active = ada.get("/api/models/active").await;
    assert!(active.body["model"].is_null(), "{}", active.text);
}
