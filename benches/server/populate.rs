//! Builds a data directory for `benches/server/load.py`: 10,000 conversations and 100,000
//! document chunks, with the indexes built and saved, as `gantry serve` finds them after
//! a restart.
//!
//! `cargo bench --bench server_populate -- DIR --minilm MODEL_DIR`
//!
//! Three accounts (password `correct horse battery`): `root@example.com`, the admin, owns
//! the 10,000 conversations (empty; its conversation quota is then full); `reader@example.com`
//! owns 12,500 documents of 8 chunks each, windows of three SciFact sentences;
//! `asker@example.com` owns nothing. The chunks carry
//! stand-in vectors (`support/hash_embed.rs`, 384 dimensions like all-MiniLM-L6-v2, named
//! so): embedding 100,000 chunks with the real model would take most of an hour here, and
//! what is measured is the indexes' and the server's cost, not the vectors' meaning. The
//! indexes are built by `Gantry` itself, configured with MiniLM as `gantry serve` will be,
//! so it opens them as its own.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "../support/hash_embed.rs"]
mod hash_embed;
#[path = "../support/scifact.rs"]
mod scifact;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use gantry::model::{DocumentStatus, NewChunk, NewConversation, NewDocument, Role};
use gantry::store::prelude::*;
use gantry::{Config, Gantry, NewAccount, SqliteStore};

const CONVERSATIONS: usize = 10_000;
const CHUNKS: usize = 100_000;
const CHUNKS_PER_DOCUMENT: usize = 8;
const PASSWORD: &str = "correct horse battery";

#[tokio::main]
async fn main() {
    // `cargo bench` adds `--bench`; the rest are ours.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let (Some(dir), Some("--minilm"), Some(minilm)) =
        (args.first(), args.get(1).map(String::as_str), args.get(2))
    else {
        panic!("usage: cargo bench --bench server_populate -- DIR --minilm MODEL_DIR");
    };
    let dir = PathBuf::from(dir);
    assert!(
        !dir.join("gantry.db").exists(),
        "{} already holds a database",
        dir.display()
    );
    std::fs::create_dir_all(&dir).unwrap();
    let started = Instant::now();
    let store = Arc::new(SqliteStore::open(dir.join("gantry.db")).await.unwrap());
    let config = Config {
        data_dir: dir.clone(),
        minilm_dir: Some(PathBuf::from(minilm)),
        ..Config::default()
    };
    let gantry = Gantry::builder(config)
        .store(store.clone())
        .open()
        .await
        .unwrap();
    let root = gantry
        .engine()
        .set_up(NewAccount::new("root@example.com", "Root", PASSWORD))
        .await
        .unwrap();
    let reader = gantry
        .admin(root.id)
        .await
        .unwrap()
        .create_user(
            NewAccount::new("reader@example.com", "Reader", PASSWORD),
            Role::User,
        )
        .await
        .unwrap();
    gantry
        .admin(root.id)
        .await
        .unwrap()
        .create_user(
            NewAccount::new("asker@example.com", "Asker", PASSWORD),
            Role::User,
        )
        .await
        .unwrap();

    for i in 0..CONVERSATIONS {
        store
            .create_conversation(
                root.id,
                NewConversation {
                    title: format!("Conversation {i}"),
                    ..NewConversation::default()
                },
            )
            .await
            .unwrap();
    }
    eprintln!(
        "{CONVERSATIONS} conversations in {:.0} s",
        started.elapsed().as_secs_f64()
    );

    let sentences = scifact::all_sentences(&scifact::corpus());
    let n = sentences.len();
    for d in 0..CHUNKS / CHUNKS_PER_DOCUMENT {
        let document = store
            .create_document(
                reader.id,
                NewDocument {
                    filename: format!("paper-{d}.txt"),
                    content_type: "text/plain".into(),
                    size_bytes: 4_000,
                },
            )
            .await
            .unwrap();
        let chunks = (0..CHUNKS_PER_DOCUMENT)
            .map(|c| {
                let start = ((d * CHUNKS_PER_DOCUMENT + c) * 7) % (n - 2);
                let text = sentences[start..start + 3].join(" ");
                NewChunk {
                    ordinal: c as u32,
                    token_count: gantry_memory::approx_tokens(&text) as u32,
                    embedding: Some(hash_embed::hash_embed(&text)),
                    text,
                    heading: None,
                    page: None,
                }
            })
            .collect();
        store
            .add_chunks(reader.id, document.id, chunks)
            .await
            .unwrap();
        store
            .set_document_status(reader.id, document.id, DocumentStatus::Ready, None)
            .await
            .unwrap();
    }
    eprintln!(
        "{CHUNKS} chunks stored by {:.0} s",
        started.elapsed().as_secs_f64()
    );
    gantry.flush().await.unwrap();
    gantry.close().await.unwrap();
    eprintln!(
        "indexed and saved by {:.0} s: {}",
        started.elapsed().as_secs_f64(),
        dir.display()
    );
}
