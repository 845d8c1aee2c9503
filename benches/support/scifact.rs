//! The BEIR SciFact set (`benches/data/scifact`, or `GANTRY_SCIFACT_DIR`), for benchmarks
//! and evaluations: abstracts, their sentences, queries and relevance judgments.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used
)]

use std::collections::HashMap;
use std::path::PathBuf;

/// One abstract.
#[derive(Clone, Debug)]
pub struct Doc {
    pub id: String,
    pub title: String,
    pub text: String,
}

/// Where the data set lives.
pub fn dir() -> PathBuf {
    std::env::var_os("GANTRY_SCIFACT_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/data/scifact"),
        PathBuf::from,
    )
}

fn read(name: &str) -> String {
    let path = dir().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {} ({e}); set GANTRY_SCIFACT_DIR",
            path.display()
        )
    })
}

/// All 5,183 abstracts, in file order.
pub fn corpus() -> Vec<Doc> {
    read("corpus.jsonl")
        .lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).expect("corpus line is JSON");
            Doc {
                id: v["_id"].as_str().unwrap_or_default().to_owned(),
                title: v["title"].as_str().unwrap_or_default().to_owned(),
                text: v["text"].as_str().unwrap_or_default().to_owned(),
            }
        })
        .collect()
}

/// All 1,109 queries as (id, text), in file order.
pub fn queries() -> Vec<(String, String)> {
    read("queries.jsonl")
        .lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).expect("query line is JSON");
            (
                v["_id"].as_str().unwrap_or_default().to_owned(),
                v["text"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// Test judgments: query id -> relevant doc ids.
pub fn qrels() -> HashMap<String, Vec<String>> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for line in read("qrels-test.tsv").lines().skip(1) {
        let mut parts = line.split('\t');
        if let (Some(q), Some(d)) = (parts.next(), parts.next()) {
            out.entry(q.to_owned()).or_default().push(d.to_owned());
        }
    }
    out
}

/// Splits text at sentence ends: `.`, `?` or `!` followed by white space.
pub fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if matches!(b, b'.' | b'?' | b'!') && bytes.get(i + 1).is_some_and(u8::is_ascii_whitespace)
        {
            let s = text[start..=i].trim();
            if !s.is_empty() {
                out.push(s.to_owned());
            }
            start = i + 1;
        }
    }
    let rest = text[start..].trim();
    if !rest.is_empty() {
        out.push(rest.to_owned());
    }
    out
}

/// Every sentence of every abstract (title first), in corpus order.
pub fn all_sentences(corpus: &[Doc]) -> Vec<String> {
    corpus
        .iter()
        .flat_map(|d| std::iter::once(d.title.clone()).chain(sentences(&d.text)))
        .collect()
}
