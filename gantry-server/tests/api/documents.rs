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
