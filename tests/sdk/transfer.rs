//! Export and import through the SDK: a conversation out as JSON and back exactly, as
//! Markdown and PDF, an admin's ZIP, and ChatGPT's export in.

use gantry::export::ConversationExport;
use gantry::model::{MessageRole, MessageStatus, NewConversation, NewMessage};
use gantry::store::PageRequest;
use gantry::{Error, ExportFormat, NewAccount};
use time::{Duration, OffsetDateTime};

use crate::support::{keyword_only, user};

/// The export with its ids cleared, for comparing a conversation with its re-import.
fn without_ids(mut export: ConversationExport) -> ConversationExport {
    export.conversation.id = gantry::ConversationId(uuid::Uuid::nil());
    for message in &mut export.messages {
        message.id = gantry::MessageId(uuid::Uuid::nil());
    }
    export
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conversation_exported_as_json_imports_back_exactly() {
    let env = keyword_only().await;
    let gantry = &env.gantry;
    let ada = user(&env, "ada@example.com").await;
    let bob = user(&env, "bob@example.com").await;
    let chat = gantry
        .for_user(ada)
        .create_conversation(NewConversation {
            title: "Crème brûlée «notes» 🍮".into(),
            ..NewConversation::default()
        })
        .await
        .unwrap();
    gantry
        .for_user(ada)
        .pin_conversation(chat.id, true)
        .await
        .unwrap();
    let store = &env.store;
    store
        .append_message(
            ada,
            chat.id,
            NewMessage::new(MessageRole::User, "How long to bake?\n```\n160 °C\n```"),
        )
        .await
        .unwrap();
    let mut partial = NewMessage::new(MessageRole::Assistant, "About forty min");
    partial.status = MessageStatus::Partial;
    partial.model = Some("smollm2".into());
    partial.prompt_tokens = Some(31);
    partial.completion_tokens = Some(4);
    store.append_message(ada, chat.id, partial).await.unwrap();

    let json = gantry
        .for_user(ada)
        .export_conversation(chat.id, ExportFormat::Json)
        .await
        .unwrap();
    let copy = gantry
        .for_user(bob)
        .import_conversation(json.clone())
        .await
        .unwrap();
    let again = gantry
        .for_user(bob)
        .export_conversation(copy.id, ExportFormat::Json)
        .await
        .unwrap();
    let (first, second) = (
        ConversationExport::from_json(&json).unwrap(),
        ConversationExport::from_json(&again).unwrap(),
    );
    assert_eq!(second.messages.len(), 2);
    assert_eq!(
        without_ids(second),
        without_ids(first),
        "the round trip is exact"
    );

    let markdown = gantry
        .for_user(ada)
        .export_conversation(chat.id, ExportFormat::Markdown)
        .await
        .unwrap();
    let markdown = String::from_utf8(markdown).unwrap();
    assert!(markdown.contains("Crème brûlée") && markdown.contains("About forty min"));
    let pdf = gantry
        .for_user(ada)
        .export_conversation(chat.id, ExportFormat::Pdf)
        .await
        .unwrap();
    assert!(pdf.starts_with(b"%PDF"));

    // Someone else's conversation cannot be exported; a damaged file imports nothing.
    let error = gantry
        .for_user(bob)
        .export_conversation(chat.id, ExportFormat::Json)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::NotFound { .. }), "{error:?}");
    let error = gantry
        .for_user(bob)
        .import_conversation(json[..json.len() / 2].to_vec())
        .await
        .unwrap_err();
    assert!(error.invalid_field().is_some(), "{error:?}");
    let listed = gantry
        .for_user(bob)
        .conversations(Default::default(), PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_export_archives_and_chatgpt_exports_import() {
    let env = keyword_only().await;
    let gantry = &env.gantry;
    let admin = gantry
        .register(NewAccount::new(
            "root@example.com",
            "Root",
            "a long passphrase",
        ))
        .await
        .unwrap()
        .id;
    let ada = user(&env, "ada@example.com").await;
    let fixture = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/chatgpt-conversations.json"
    ))
    .unwrap();
    let report = gantry
        .for_user(ada)
        .import_chatgpt(fixture.clone())
        .await
        .unwrap();
    let expected = gantry::export::parse_chatgpt(&fixture).unwrap();
    assert_eq!(report.imported.len(), expected.conversations.len());
    assert_eq!(report.skipped, expected.skipped);
    for (conversation, export) in report.imported.iter().zip(&expected.conversations) {
        let stored = gantry
            .for_user(ada)
            .all_messages(conversation.id)
            .await
            .unwrap();
        let contents: Vec<&str> = stored.iter().map(|m| m.content.as_str()).collect();
        let wanted: Vec<&str> = export.messages.iter().map(|m| m.content.as_str()).collect();
        assert_eq!(contents, wanted);
    }

    let now = OffsetDateTime::now_utc();
    let (from, to) = (now - Duration::days(36_500), now + Duration::days(1));
    let error = gantry.admin(ada).await.unwrap_err();
    assert!(matches!(error, Error::Forbidden { .. }), "{error:?}");
    let zip = gantry
        .admin(admin)
        .await
        .unwrap()
        .export_archive(Some(ada), from, to, Vec::new())
        .await
        .unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let names: Vec<String> = archive
        .file_names()
        .map(|n| n.unwrap().into_owned())
        .collect();
    assert_eq!(
        names
            .iter()
            .filter(|n| n.ends_with(".json") && *n != "manifest.json")
            .count(),
        report.imported.len()
    );
    let mut manifest = String::new();
    std::io::Read::read_to_string(
        &mut archive.by_name("manifest.json").unwrap(),
        &mut manifest,
    )
    .unwrap();
    let manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    assert_eq!(
        manifest["count"],
        serde_json::json!(report.imported.len()),
        "{manifest}"
    );
}
