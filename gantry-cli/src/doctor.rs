//! `gantry doctor`: checks what Gantry needs, one line each, and says how to fix what is
//! wrong. It opens the store alone, so it also runs beside a server.

use std::path::Path;
use std::time::Duration;

use anyhow::Result;
use gantry::Config;
use serde::Serialize;

use crate::door::{ServerFile, open_store_only};
use crate::output::{self, Style};

/// One check's finding.
#[derive(Debug, Serialize)]
struct Finding {
    check: String,
    /// `ok`, `warn` or `fail`.
    state: &'static str,
    detail: String,
    /// What to do, when not ok.
    fix: Option<String>,
}

fn ok(check: &str, detail: String) -> Finding {
    Finding {
        check: check.to_owned(),
        state: "ok",
        detail,
        fix: None,
    }
}

fn bad(check: &str, state: &'static str, detail: String, fix: &str) -> Finding {
    Finding {
        check: check.to_owned(),
        state,
        detail,
        fix: Some(fix.to_owned()),
    }
}

/// The size of everything under `dir`.
fn size_of(dir: &Path) -> u64 {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .flatten()
            .map(|entry| match entry.file_type() {
                Ok(kind) if kind.is_dir() => size_of(&entry.path()),
                _ => entry.metadata().map_or(0, |m| m.len()),
            })
            .sum()
    })
}

async fn backend_models(
    client: &reqwest::Client,
    base_url: &str,
    key: Option<&str>,
) -> Result<usize, String> {
    let mut request = client.get(format!("{}/models", base_url.trim_end_matches('/')));
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    let response = request.send().await.map_err(|e| {
        if e.is_timeout() {
            "no answer within 5 s".to_owned()
        } else {
            format!("cannot reach it ({})", e.without_url())
        }
    })?;
    if !response.status().is_success() {
        return Err(format!("it answered HTTP {}", response.status().as_u16()));
    }
    let body: serde_json::Value = response
        .json()
        .await
        .map_err(|_| "its model list is not JSON".to_owned())?;
    Ok(body["data"].as_array().map_or(0, Vec::len))
}

/// Runs the checks; `true` when nothing failed.
pub(crate) async fn doctor(config: Result<Config>, as_json: bool) -> Result<bool> {
    let mut findings = Vec::new();
    let config = match config {
        Ok(config) => {
            findings.push(ok("settings", "read and valid".to_owned()));
            config
        }
        Err(error) => {
            findings.push(bad(
                "settings",
                "fail",
                format!("{error:#}"),
                "fix the settings file or the GANTRY_* variable named above",
            ));
            return report(&findings, as_json);
        }
    };

    let data_dir = config.data_dir.clone();
    match open_store_only(config.clone()).await {
        Ok(gantry) => {
            match gantry.operator().stats().await {
                Ok(stats) => findings.push(ok(
                    "database",
                    format!(
                        "{} at {}: {} users, {} conversations, {} documents",
                        gantry.engine().database(),
                        config.database(),
                        stats.users,
                        stats.conversations,
                        stats.documents
                    ),
                )),
                Err(error) => findings.push(bad(
                    "database",
                    "fail",
                    format!("{error:#}"),
                    "see the error; `gantry backup` a copy before repairing",
                )),
            }
            let _ = gantry.close().await;
        }
        Err(error) => findings.push(bad(
            "database",
            "fail",
            format!("{error:#}"),
            "check --data-dir / GANTRY_DATABASE_URL and that the database server runs",
        )),
    }

    match ServerFile::running(&data_dir) {
        Some(server) => findings.push(ok(
            "server",
            format!(
                "gantry serve (pid {}) runs on this data directory at {}: commands go through it",
                server.pid, server.url
            ),
        )),
        None => findings.push(ok(
            "server",
            "none runs on this data directory: commands open it themselves".to_owned(),
        )),
    }

    let index = data_dir.join("index");
    if index.exists() {
        findings.push(ok(
            "indexes",
            format!(
                "{} ({})",
                index.display(),
                indicatif::BinaryBytes(size_of(&index))
            ),
        ));
    } else {
        findings.push(bad(
            "indexes",
            "warn",
            format!("{} does not exist yet", index.display()),
            "they are built from the database when Gantry opens it (or run `gantry reindex`)",
        ));
    }

    match &config.embedder_dir() {
        Some(dir) if dir.join("tokenizer.json").exists() && dir.join("config.json").exists() => {
            findings.push(ok(
                "embeddings",
                format!("all-MiniLM-L6-v2 from {}", dir.display()),
            ));
        }
        Some(dir) => findings.push(bad(
            "embeddings",
            "fail",
            format!(
                "{} lacks the model files (config.json, tokenizer.json, weights)",
                dir.display()
            ),
            "run scripts/fetch-models, or point GANTRY_MINILM_DIR at the model's folder",
        )),
        None if config.embedding_model.is_some() => findings.push(ok(
            "embeddings",
            format!(
                "{} from the first model backend",
                config.embedding_model.as_deref().unwrap_or_default()
            ),
        )),
        None => findings.push(bad(
            "embeddings",
            "warn",
            "none: search is by keywords only".to_owned(),
            "set GANTRY_MINILM_DIR (scripts/fetch-models fetches the model)",
        )),
    }

    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()?;
    let in_process = config.in_process_chat_model();
    match in_process.path() {
        _ if !config.backends.is_empty() => findings.push(ok(
            "chat model",
            format!("the model backends below (not in process: {in_process})"),
        )),
        Some(path) if cfg!(feature = "gguf") => findings.push(ok(
            "chat model",
            format!(
                "{} in process ({} MB), until a backend is added",
                path.display(),
                std::fs::metadata(path).map_or(0, |m| m.len()) / 1_000_000
            ),
        )),
        Some(path) => findings.push(bad(
            "chat model",
            "warn",
            format!("none: this build cannot run {} in process", path.display()),
            "build gantry with its default features (`gguf`), or set GANTRY_LLM_URL",
        )),
        None => findings.push(bad(
            "chat model",
            "warn",
            format!("no model backend configured, and in process: {in_process}: chat is unavailable"),
            "run scripts/fetch-models (or set GANTRY_CHAT_MODEL to a .gguf file), or set GANTRY_LLM_URL to an OpenAI-compatible server (llama.cpp, Ollama, vLLM...), or add one on the web UI's Admin page",
        )),
    }
    for backend in &config.backends {
        let check = format!("model backend {}", backend.name);
        match backend_models(&client, &backend.base_url, backend.api_key.as_deref()).await {
            Ok(count) => findings.push(ok(
                &check,
                format!("{} answers, {count} models", backend.base_url),
            )),
            Err(why) => findings.push(bad(
                &check,
                "fail",
                format!("{}: {why}", backend.base_url),
                "start that server, or fix its URL (GANTRY_LLM_URL or the settings file)",
            )),
        }
    }
    report(&findings, as_json)
}

fn report(findings: &[Finding], as_json: bool) -> Result<bool> {
    let healthy = findings.iter().all(|f| f.state != "fail");
    if as_json {
        output::json(&findings)?;
        return Ok(healthy);
    }
    let style = Style::stdout();
    let width = findings.iter().map(|f| f.check.len()).max().unwrap_or(0);
    for f in findings {
        let mark = match f.state {
            "ok" => style.good("✓"),
            "warn" => style.bold("!"),
            _ => style.error("✗"),
        };
        println!("{mark} {:<width$}  {}", f.check, f.detail);
        if let Some(fix) = &f.fix {
            println!("  {:<width$}  {}", "", style.dim(&format!("→ {fix}")));
        }
    }
    Ok(healthy)
}
