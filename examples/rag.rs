//! Answers from your documents: ingest a folder into the Knowledge Vault, ask a question,
//! and print the answer with the sources it cites.
//!
//! `GANTRY_LLM_URL=http://127.0.0.1:8080/v1 cargo run --example rag -- <folder> "<question>"`
//! (defaults: the SciFact abstracts in tests/fixtures/scifact and a question about one).
//! Set `GANTRY_MINILM_DIR` for retrieval by meaning as well as by words.

use std::path::PathBuf;

use gantry::model::NewConversation;
use gantry::prompt::Source;
use gantry::store::PageRequest;
use gantry::{Config, Error, Gantry, NewAccount, TurnOptions};

#[tokio::main]
async fn main() -> gantry::Result<()> {
    let mut args = std::env::args().skip(1);
    let folder = args.next().map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scifact"),
        PathBuf::from,
    );
    let question = args
        .next()
        .unwrap_or_else(|| "Is AIRE expressed in some skin tumors?".to_owned());

    let gantry = Gantry::open(Config::load(None)?).await?;
    let (email, password) = ("rag@example.com", "a long passphrase");
    let user = match gantry.sign_in(email, password).await {
        Ok(signed_in) => signed_in.user,
        Err(Error::Unauthenticated { .. }) => {
            let account = NewAccount::new(email, "RAG example", password);
            gantry.register(account).await?
        }
        Err(other) => return Err(other),
    };
    let me = gantry.for_user(user.id);

    // Ingest every file not ingested before (unsupported types are refused, unreadable
    // files end `failed`; both say why).
    let known: Vec<String> = me
        .documents(PageRequest::first(500))
        .await?
        .items
        .into_iter()
        .map(|d| d.filename)
        .collect();
    let entries = std::fs::read_dir(&folder)
        .map_err(|e| Error::invalid("folder", format!("{}: {e}", folder.display())))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
            continue;
        };
        if !path.is_file() || known.contains(&name) {
            continue;
        }
        let bytes = std::fs::read(&path)
            .map_err(|e| Error::invalid("file", format!("{}: {e}", path.display())))?;
        let document = match me.add_document(&name, "", bytes).await {
            Ok(document) => document,
            Err(refused @ Error::UnsupportedType { .. }) => {
                println!("skipped {name}: {refused}");
                continue;
            }
            Err(other) => return Err(other),
        };
        match document.failure_reason {
            Some(reason) => println!("skipped {name}: {reason}"),
            None => println!("ingested {name}"),
        }
    }
    gantry.flush().await?;

    let chat = me.create_conversation(NewConversation::default()).await?;
    let answer = me
        .chat(chat.id, question.as_str(), TurnOptions::default())
        .await?
        .answer()
        .await?;
    println!("\nQ: {question}\nA: {}\n", answer.message.content.trim());
    for citation in &answer.citations {
        let kind = match citation.source {
            Source::Chunk { .. } => "document",
            Source::Message { .. } => "conversation",
            Source::Fact { .. } => "fact",
        };
        println!(
            "[{}] {kind} {}: {}",
            citation.number, citation.label, citation.excerpt
        );
    }
    gantry.close().await
}
