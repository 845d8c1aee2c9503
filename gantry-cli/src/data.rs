//! Moving data in and out of a data directory: export, import, backup and reindex.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, bail};
use gantry::{Config, ExportFormat, Gantry, UserScope};
use time::OffsetDateTime;

use crate::args::Format;
use crate::door::{ServerFile, parse_id};

/// Writes `bytes` to `output`, or stdout.
fn write_out(output: Option<&Path>, bytes: &[u8]) -> Result<()> {
    match output {
        Some(path) => {
            std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(bytes)?;
            out.flush()?;
            Ok(())
        }
    }
}

/// `gantry export`: one conversation in a format, or all of the user's as a ZIP.
pub(crate) async fn export(
    gantry: &Gantry,
    scope: &UserScope,
    conversation: Option<&str>,
    format: Format,
    output: Option<&Path>,
) -> Result<()> {
    if let Some(id) = conversation {
        let format = match format {
            Format::Json => ExportFormat::Json,
            Format::Markdown => ExportFormat::Markdown,
            Format::Pdf => ExportFormat::Pdf,
        };
        let bytes = scope.export_conversation(parse_id(id)?, format).await?;
        return write_out(output, &bytes);
    }
    if output.is_none() && std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        bail!("every conversation makes a ZIP file: name it with -o FILE, or pipe stdout");
    }
    let zip = gantry
        .operator()
        .export_archive(
            Some(scope.id()),
            OffsetDateTime::UNIX_EPOCH,
            OffsetDateTime::now_utc() + time::Duration::minutes(1),
            Vec::new(),
        )
        .await?;
    write_out(output, &zip)
}

/// `gantry import FILE`: Gantry's JSON, or ChatGPT's or Claude's export, told apart by
/// their shape.
pub(crate) async fn import(scope: &UserScope, file: &Path) -> Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let head: String = String::from_utf8_lossy(&bytes[..bytes.len().min(64 * 1024)]).into_owned();
    if head.contains("\"gantry.conversation\"") {
        let conversation = scope.import_conversation(bytes).await?;
        println!("imported \"{}\" ({})", conversation.title, conversation.id);
        return Ok(());
    }
    let report = if head.contains("\"chat_messages\"") {
        scope.import_claude(bytes).await?
    } else if head.contains("\"mapping\"") {
        scope.import_chatgpt(bytes).await?
    } else {
        bail!(
            "{} is not a Gantry, ChatGPT or Claude conversation export",
            file.display()
        );
    };
    println!(
        "imported {} conversations, skipped {}",
        report.imported.len(),
        report.skipped.len()
    );
    for skipped in &report.skipped {
        println!("  skipped #{}: {}", skipped.index + 1, skipped.reason);
    }
    Ok(())
}

/// `gantry db copy --to URL`: everything into another database, checked row for row.
pub(crate) async fn copy(config: &Config, to: &str, as_json: bool) -> Result<()> {
    let from = config.database();
    if from == to {
        bail!("--to names the database being copied; name another one");
    }
    let started = std::time::Instant::now();
    let tables = gantry::copy_database(&from, to)
        .await
        .context("copying the database")?;
    if as_json {
        let rows: Vec<_> = tables
            .iter()
            .map(|t| serde_json::json!({ "table": t.table, "rows": t.rows }))
            .collect();
        return crate::output::json(&rows);
    }
    let total: u64 = tables.iter().map(|t| t.rows).sum();
    for table in tables.iter().filter(|t| t.rows > 0) {
        println!("  {:<32} {:>9} rows", table.table, table.rows);
    }
    println!(
        "copied {total} rows in {} tables in {:.1} s, checked row for row; \
         set GANTRY_DATABASE_URL to the new database to use it",
        tables.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `gantry backup TO`: a consistent copy of the SQLite database.
pub(crate) async fn backup(gantry: &Gantry, to: &Path) -> Result<()> {
    gantry.operator().backup(to).await?;
    let size = std::fs::metadata(to).map(|m| m.len()).unwrap_or(0);
    println!(
        "backed up to {} ({}); the indexes are rebuilt from it by `gantry reindex`",
        to.display(),
        indicatif::BinaryBytes(size)
    );
    Ok(())
}

/// `gantry reindex`: throws the index files away and builds them again from the database.
pub(crate) async fn reindex(config: Config) -> Result<()> {
    if let Some(running) = ServerFile::running(&config.data_dir) {
        bail!(
            "gantry serve (pid {}) holds the indexes of {}: stop it first",
            running.pid,
            config.data_dir.display()
        );
    }
    let index = config.data_dir.join("index");
    if index.exists() {
        std::fs::remove_dir_all(&index).with_context(|| format!("removing {}", index.display()))?;
    }
    let started = std::time::Instant::now();
    let gantry = Gantry::open(config)
        .await
        .context("opening the data directory")?;
    gantry.engine().flush().await?;
    let stats = gantry.operator().stats().await?;
    gantry.close().await?;
    println!(
        "indexed {} messages and {} chunks in {:.1} s",
        stats.messages,
        stats.chunks,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
