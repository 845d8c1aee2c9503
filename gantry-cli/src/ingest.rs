//! `gantry ingest PATH...`: files, and every file under folders, into the Knowledge Vault,
//! one at a time (each is read, chunked and embedded before the next), with a progress bar
//! (bytes, rate, time left) on a terminal and a summary of what is ready and what failed.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use gantry::model::DocumentStatus;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use crate::door::Door;
use crate::output::{self, Style};

/// What became of one file.
#[derive(Debug, Serialize)]
struct Outcome {
    path: PathBuf,
    /// `ready` or `failed`.
    status: &'static str,
    document_id: Option<uuid::Uuid>,
    /// Why it failed.
    reason: Option<String>,
}

/// Every file under `paths` (folders read recursively, hidden entries skipped), sorted,
/// with its size.
fn collect(paths: &[PathBuf]) -> Result<Vec<(PathBuf, u64)>> {
    let mut files = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).with_context(|| format!("{}", path.display()))?;
        if meta.is_dir() {
            walk(path, &mut files)?;
        } else {
            files.push((path.clone(), meta.len()));
        }
    }
    files.sort();
    files.dedup();
    Ok(files)
}

fn walk(dir: &Path, files: &mut Vec<(PathBuf, u64)>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let kind = entry.file_type()?;
        if kind.is_dir() {
            walk(&entry.path(), files)?;
        } else if kind.is_file() {
            files.push((entry.path(), entry.metadata()?.len()));
        }
    }
    Ok(())
}

/// Adds the files; `true` when every one is ready.
pub(crate) async fn ingest(door: &Door, paths: &[PathBuf], as_json: bool) -> Result<bool> {
    let files = collect(paths)?;
    let total: u64 = files.iter().map(|(_, size)| size).sum();
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:28.cyan/blue} {binary_bytes}/{binary_total_bytes} · {binary_bytes_per_sec} · {eta} left · {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("█▉░"),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    let mut outcomes = Vec::with_capacity(files.len());
    for (i, (path, size)) in files.iter().enumerate() {
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        bar.set_message(format!("{}/{} {name}", i + 1, files.len()));
        let outcome = match std::fs::read(path) {
            Err(error) => failed(path, format!("cannot read it: {error}")),
            Ok(bytes) => match door.add_document(&name, bytes).await {
                Ok(document) if document.status == DocumentStatus::Ready => Outcome {
                    path: path.clone(),
                    status: "ready",
                    document_id: Some(document.id.0),
                    reason: None,
                },
                Ok(document) => Outcome {
                    document_id: Some(document.id.0),
                    ..failed(
                        path,
                        document
                            .failure_reason
                            .unwrap_or_else(|| "it could not be read".to_owned()),
                    )
                },
                Err(error) => failed(path, format!("{error:#}")),
            },
        };
        outcomes.push(outcome);
        bar.inc(*size);
    }
    bar.finish_and_clear();

    let ready = outcomes.iter().filter(|o| o.status == "ready").count();
    let all_ready = ready == outcomes.len();
    if as_json {
        output::json(&outcomes)?;
        return Ok(all_ready);
    }
    let style = Style::stdout();
    let failed_count = outcomes.len() - ready;
    println!(
        "{} ready, {} failed, of {} files ({})",
        style.good(&ready.to_string()),
        if failed_count > 0 {
            style.error(&failed_count.to_string())
        } else {
            "0".to_owned()
        },
        outcomes.len(),
        human_bytes(total)
    );
    for outcome in outcomes.iter().filter(|o| o.status == "failed") {
        println!(
            "  {} {}: {}",
            style.error("✗"),
            outcome.path.display(),
            outcome.reason.as_deref().unwrap_or("failed")
        );
    }
    Ok(all_ready)
}

fn failed(path: &Path, reason: String) -> Outcome {
    Outcome {
        path: path.to_owned(),
        status: "failed",
        document_id: None,
        reason: Some(reason),
    }
}

fn human_bytes(bytes: u64) -> String {
    indicatif::BinaryBytes(bytes).to_string()
}
