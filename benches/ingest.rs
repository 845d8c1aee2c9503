//! Document ingestion without embedding: plain text (SciFact abstracts, repeated to size)
//! through extraction, chunking, the SQLite store and the keyword index, measured in MB/s,
//! with the peak heap of each run (a counting allocator) for two file sizes.
//!
//! `cargo bench --bench ingest`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "support/scifact.rs"]
mod scifact;

use gantry_test::alloc::{self, Counting};
use std::sync::Arc;
use std::time::Instant;

use gantry_core::model::{NewDocument, NewUser, Role};
use gantry_core::store::prelude::*;
use gantry_memory::{HybridOptions, IngestOptions, RetrievalStack, ingest};
use gantry_store::SqliteStore;

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn text_of_size(corpus: &[scifact::Doc], bytes: usize) -> String {
    let mut text = String::with_capacity(bytes + 4096);
    'fill: loop {
        for doc in corpus {
            text.push_str(&doc.title);
            text.push_str("\n\n");
            text.push_str(&doc.text);
            text.push_str("\n\n");
            if text.len() >= bytes {
                break 'fill;
            }
        }
    }
    text
}

fn main() {
    let corpus = scifact::corpus();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        for mib in [4usize, 16] {
            let dir = tempfile::tempdir().unwrap();
            let store = Arc::new(SqliteStore::open(dir.path().join("g.db")).await.unwrap());
            let user = store
                .create_user(NewUser {
                    email: "bench@example.com".into(),
                    display_name: "bench".into(),
                    password_hash: "x".into(),
                    role: Role::User,
                })
                .await
                .unwrap();
            let text = text_of_size(&corpus, mib << 20);
            let size = text.len();
            let doc = store
                .create_document(
                    user.id,
                    NewDocument {
                        filename: "corpus.txt".into(),
                        content_type: "text/plain".into(),
                        size_bytes: size as u64,
                    },
                )
                .await
                .unwrap();
            let stack =
                RetrievalStack::open(dir.path(), store.clone(), None, HybridOptions::default())
                    .await
                    .unwrap();
            let indexer = &stack.indexer;
            let bytes = text.into_bytes();
            let before = alloc::live();
            alloc::reset_peak();
            let started = Instant::now();
            let done = ingest(
                store.as_ref(),
                None,
                user.id,
                doc.id,
                "corpus.txt",
                bytes,
                &IngestOptions::default(),
            )
            .await
            .unwrap();
            let ingested = started.elapsed();
            let report = indexer.catch_up().await.unwrap();
            let total = started.elapsed();
            let peak = alloc::peak() - before;
            let mb = size as f64 / 1e6;
            println!(
                "{mib} MiB of text: {:?}, {} chunks; extract+chunk+store {:.1} MB/s; with keyword indexing {:.1} MB/s; peak heap above start {:.1} MB ({:.2} x the file)",
                done.status,
                report.changes,
                mb / ingested.as_secs_f64(),
                mb / total.as_secs_f64(),
                peak as f64 / 1e6,
                peak as f64 / size as f64
            );
        }
    });
}
