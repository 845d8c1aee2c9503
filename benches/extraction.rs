//! How well knowledge-graph fact extraction works, measured on hand-labelled chat turns
//! (`benches/data/extraction`, whose README gives the labelling conventions). Each
//! extractor runs on every turn. For each one this prints the share of turns it answered,
//! relation precision, recall and F1, entity precision and recall, how many no-fact turns
//! it left without facts, and the mean time per turn. A Markdown table for BENCHMARKS.md
//! comes last.
//!
//! The extractors:
//! - the deterministic patterns (`extract_deterministic`), always;
//! - `LlmExtractor` over the in-process GGUF model, when
//!   `$GANTRY_MODELS_DIR/SmolLM2-135M-Instruct.Q4_1.gguf` exists (the directory defaults to
//!   `~/.cache/gantry/models`, where `scripts/fetch-models` puts that model);
//! - `LlmExtractor` over the llama-server at `GANTRY_LLM_URL`, when that variable is set.
//!
//! `GANTRY_LLM_URL=$(scripts/llm-server start | tail -n1) GANTRY_MODELS_DIR=$(dirname $(scripts/fetch-models | tail -n1)) cargo bench --profile dev --features gguf --bench extraction`
//!
//! (The dev profile: the models run in llama.cpp, compiled optimised either way, and a
//! release build of the whole workspace takes a long time on a small machine.)
//!
//! Add `-- --verbose`, or set `EXTRACTION_VERBOSE=1`, to list each turn's missed and extra
//! facts and entities.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use gantry_llm::gguf::{GgufChatModel, GgufOptions};
use gantry_llm::{BackendConfig, BackendKind, OpenAiBackend};
use gantry_memory::{
    ExtractedEntity, ExtractedFacts, ExtractedRelation, LlmExtractor, extract_deterministic,
    normalise_predicate,
};
use serde::Deserialize;

const TURNS: &str = "benches/data/extraction/turns.jsonl";
const GGUF_MODEL: &str = "SmolLM2-135M-Instruct.Q4_1.gguf";

/// One labelled chat turn.
#[derive(Debug, Deserialize)]
struct Turn {
    text: String,
    relations: Vec<ExtractedRelation>,
    entities: Vec<ExtractedEntity>,
    /// Why a hard turn is labelled as it is.
    #[serde(default)]
    note: Option<String>,
}

fn load_turns() -> Vec<Turn> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(TURNS);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let mut turns = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let turn: Turn = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("{}:{}: {e}", path.display(), i + 1));
        // A label that `validated()` would change could never be matched: every fact must
        // name listed entities with their exact spelling, in snake_case, without repeats.
        let labels = ExtractedFacts {
            entities: turn.entities.clone(),
            relations: turn.relations.clone(),
        }
        .validated();
        assert_eq!(
            (labels.relations, labels.entities.len()),
            (turn.relations.clone(), turn.entities.len()),
            "{}:{}: labels that validated() would change",
            path.display(),
            i + 1
        );
        turns.push(turn);
    }
    turns
}

// ---- Scoring ----

/// A relation as compared: (subject, predicate, object).
type Fact = (String, String, String);

/// A name as compared: trimmed, inner whitespace collapsed, lower case.
fn name_key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Relations as compared, with predicates normalised as `validated()` does them. (A
/// predicate that `validated()` would drop keeps its raw text, so it can only miss.)
fn fact_keys(relations: &[ExtractedRelation]) -> BTreeSet<Fact> {
    relations
        .iter()
        .map(|r| {
            let predicate =
                normalise_predicate(&r.predicate).unwrap_or_else(|| r.predicate.clone());
            (name_key(&r.subject), predicate, name_key(&r.object))
        })
        .collect()
}

/// Entity names as compared.
fn entity_keys(entities: &[ExtractedEntity]) -> BTreeSet<String> {
    entities.iter().map(|e| name_key(&e.name)).collect()
}

/// Predicted, labelled and matched items, summed over turns (micro-averaging).
#[derive(Clone, Copy, Debug, Default)]
struct Counts {
    predicted: usize,
    labelled: usize,
    matched: usize,
}

impl Counts {
    fn add<T: Ord>(&mut self, predicted: &BTreeSet<T>, labelled: &BTreeSet<T>) {
        self.predicted += predicted.len();
        self.labelled += labelled.len();
        self.matched += predicted.intersection(labelled).count();
    }

    /// `None` when nothing was predicted.
    fn precision(self) -> Option<f64> {
        ratio(self.matched, self.predicted)
    }

    fn recall(self) -> Option<f64> {
        ratio(self.matched, self.labelled)
    }

    fn f1(self) -> Option<f64> {
        let (p, r) = (self.precision()?, self.recall()?);
        Some(if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        })
    }
}

fn ratio(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// Labelled items the prediction missed, and predicted items not in the labels.
fn misses_and_extras<T: Ord + Clone>(
    predicted: &BTreeSet<T>,
    labelled: &BTreeSet<T>,
) -> (Vec<T>, Vec<T>) {
    (
        labelled.difference(predicted).cloned().collect(),
        predicted.difference(labelled).cloned().collect(),
    )
}

/// One extractor's results over every turn.
#[derive(Debug, Default)]
struct Score {
    turns: usize,
    /// Turns where extraction returned `Ok`.
    valid: usize,
    relations: Counts,
    entities: Counts,
    /// Turns labelled with no facts.
    no_fact_turns: usize,
    /// Of those, the ones answered `Ok` with no facts.
    left_empty: usize,
    time: Duration,
}

impl Score {
    fn mean_secs(&self) -> f64 {
        self.time.as_secs_f64() / self.turns.max(1) as f64
    }
}

// ---- Extractors ----

#[derive(Debug)]
enum Extractor {
    Deterministic,
    Model(LlmExtractor),
}

impl Extractor {
    async fn extract(&self, text: &str) -> gantry_core::Result<ExtractedFacts> {
        match self {
            Self::Deterministic => Ok(extract_deterministic(text).validated()),
            Self::Model(extractor) => extractor.extract(text).await,
        }
    }
}

async fn score(extractor: &Extractor, turns: &[Turn], verbose: bool) -> Score {
    let mut score = Score::default();
    for (i, turn) in turns.iter().enumerate() {
        let started = Instant::now();
        let result = extractor.extract(&turn.text).await;
        score.time += started.elapsed();
        score.turns += 1;
        // A failed turn predicts nothing: it counts against recall, not precision.
        let (facts, error) = match result {
            Ok(facts) => {
                score.valid += 1;
                (facts, None)
            }
            Err(e) => (ExtractedFacts::default(), Some(e)),
        };
        let (got, want) = (fact_keys(&facts.relations), fact_keys(&turn.relations));
        let (got_names, want_names) = (entity_keys(&facts.entities), entity_keys(&turn.entities));
        score.relations.add(&got, &want);
        score.entities.add(&got_names, &want_names);
        if want.is_empty() {
            score.no_fact_turns += 1;
            score.left_empty += usize::from(error.is_none() && got.is_empty());
        }
        if verbose {
            print_turn(
                i + 1,
                turn,
                error.as_ref(),
                misses_and_extras(&got, &want),
                misses_and_extras(&got_names, &want_names),
            );
        }
    }
    score
}

// ---- Output ----

fn print_turn(
    number: usize,
    turn: &Turn,
    error: Option<&gantry_core::Error>,
    (missed, extra): (Vec<Fact>, Vec<Fact>),
    (missed_names, extra_names): (Vec<String>, Vec<String>),
) {
    let all_right = error.is_none()
        && missed.is_empty()
        && extra.is_empty()
        && missed_names.is_empty()
        && extra_names.is_empty();
    if all_right {
        return;
    }
    let facts = |facts: &[Fact]| {
        facts
            .iter()
            .map(|(s, p, o)| format!("{s} {p} {o}"))
            .collect::<Vec<_>>()
            .join("; ")
    };
    println!("  turn {number}: {:?}", turn.text);
    if let Some(note) = &turn.note {
        println!("    note: {note}");
    }
    if let Some(e) = error {
        println!("    error: {e}");
    }
    if !missed.is_empty() {
        println!("    missed facts: {}", facts(&missed));
    }
    if !extra.is_empty() {
        println!("    extra facts: {}", facts(&extra));
    }
    if !missed_names.is_empty() {
        println!("    missed entities: {}", missed_names.join(", "));
    }
    if !extra_names.is_empty() {
        println!("    extra entities: {}", extra_names.join(", "));
    }
}

/// Three decimals, or `n/a` when undefined (nothing predicted).
fn show(x: Option<f64>) -> String {
    x.map_or_else(|| "n/a".to_owned(), |x| format!("{x:.3}"))
}

/// A duration in seconds, in a unit that keeps a few significant digits.
fn show_secs(secs: f64) -> String {
    if secs >= 1.0 {
        format!("{secs:.2} s")
    } else if secs >= 1e-3 {
        format!("{:.1} ms", secs * 1e3)
    } else {
        format!("{:.1} µs", secs * 1e6)
    }
}

fn print_score(s: &Score) {
    let (r, e) = (s.relations, s.entities);
    println!(
        "  turns {}, valid output {} ({})",
        s.turns,
        s.valid,
        show(ratio(s.valid, s.turns))
    );
    println!(
        "  relations: precision {}, recall {}, F1 {} ({} predicted, {} labelled, {} matched)",
        show(r.precision()),
        show(r.recall()),
        show(r.f1()),
        r.predicted,
        r.labelled,
        r.matched
    );
    println!(
        "  entities: precision {}, recall {} ({} predicted, {} labelled, {} matched)",
        show(e.precision()),
        show(e.recall()),
        e.predicted,
        e.labelled,
        e.matched
    );
    println!(
        "  no-fact turns answered with no facts: {} of {}",
        s.left_empty, s.no_fact_turns
    );
    println!("  mean {:.6} s per turn", s.mean_secs());
}

fn markdown_table(rows: &[(String, Score)]) -> String {
    let mut out = String::from(
        "| Extractor | Turns | Valid output | Relation precision | Relation recall | \
         Relation F1 | Entity precision | Entity recall | No-fact turns left empty | \
         Mean time per turn |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for (name, s) in rows {
        writeln!(
            out,
            "| {name} | {} | {:.0}% | {} | {} | {} | {} | {} | {} of {} | {} |",
            s.turns,
            ratio(s.valid, s.turns).unwrap_or(0.0) * 100.0,
            show(s.relations.precision()),
            show(s.relations.recall()),
            show(s.relations.f1()),
            show(s.entities.precision()),
            show(s.entities.recall()),
            s.left_empty,
            s.no_fact_turns,
            show_secs(s.mean_secs()),
        )
        .unwrap();
    }
    out
}

// ---- Main ----

/// `$GANTRY_MODELS_DIR`, or `~/.cache/gantry/models`.
fn models_dir() -> PathBuf {
    match std::env::var_os("GANTRY_MODELS_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/gantry/models")
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let verbose = std::env::args().any(|a| a == "--verbose")
        || std::env::var("EXTRACTION_VERBOSE").is_ok_and(|v| v == "1");
    let turns = load_turns();
    let facts: usize = turns.iter().map(|t| t.relations.len()).sum();
    let entities: usize = turns.iter().map(|t| t.entities.len()).sum();
    let empty = turns.iter().filter(|t| t.relations.is_empty()).count();
    println!(
        "{} turns: {facts} labelled facts, {entities} labelled entities, {empty} turns with no facts",
        turns.len()
    );

    let mut extractors = vec![(
        "deterministic patterns".to_owned(),
        Extractor::Deterministic,
    )];
    let model_path = models_dir().join(GGUF_MODEL);
    if model_path.is_file() {
        let started = Instant::now();
        let model = GgufChatModel::load(&model_path, GgufOptions::default())?;
        println!(
            "loaded {} in {:.1} s",
            model_path.display(),
            started.elapsed().as_secs_f64()
        );
        let extractor = LlmExtractor::new(Arc::new(model), None);
        extractors.push((
            "SmolLM2-135M-Instruct Q4_1, in process (GGUF)".to_owned(),
            Extractor::Model(extractor),
        ));
    } else {
        println!(
            "no {}: skipping the in-process GGUF model",
            model_path.display()
        );
    }
    match std::env::var("GANTRY_LLM_URL") {
        Ok(url) if !url.is_empty() => {
            let mut config = BackendConfig::new("llama", &url);
            config.kind = BackendKind::LlamaCpp;
            let backend = OpenAiBackend::new(config)?;
            extractors.push((
                "llama-server (`GANTRY_LLM_URL`)".to_owned(),
                Extractor::Model(LlmExtractor::new(Arc::new(backend), None)),
            ));
        }
        _ => println!("GANTRY_LLM_URL is not set: skipping the llama-server"),
    }

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let mut rows = Vec::new();
    for (name, extractor) in &extractors {
        println!("\n{name}");
        // One untimed call first, so first-call costs (warming caches, a server's first
        // prompt) stay out of the mean.
        if let Err(e) = rt.block_on(extractor.extract("Hello there.")) {
            println!("  warm-up call failed: {e}");
        }
        let score = rt.block_on(score(extractor, &turns, verbose));
        print_score(&score);
        rows.push((name.clone(), score));
    }
    println!("\n{}", markdown_table(&rows));
    Ok(())
}
