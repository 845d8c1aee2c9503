//! The `gantry` command. It parses arguments, calls the SDK's [`gantry::Gantry`] handle (or
//! a server's API, see `door`), and prints; the rules (who may do what, what is valid) live
//! in the engine. Exit codes: 0 done, 1 failed (one line on stderr says what and what to
//! do), 2 usage (clap's), 130 stopped by Ctrl+C.

mod admin;
mod args;
mod chat;
mod data;
mod doctor;
mod door;
mod ingest;
mod output;
mod remote;
mod serve;

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{CommandFactory, Parser};
use gantry::Config;

use crate::args::{Cli, Command, ModelsCommand};
use crate::door::{Door, choose_user, open_store_only};

impl Cli {
    /// The settings: defaults, the file, the environment, then these flags.
    fn settings(&self) -> Result<Config> {
        let mut config = Config::load(self.config.as_deref()).context("reading the settings")?;
        if let Some(dir) = &self.data_dir {
            config.data_dir.clone_from(dir);
        }
        if let Some(url) = &self.database_url {
            config.database_url = Some(url.clone());
        }
        Ok(config)
    }

    async fn door(&self) -> Result<Door> {
        Door::open(
            self.settings()?,
            self.server.as_deref(),
            self.api_key.as_deref(),
            self.user.as_deref(),
        )
        .await
    }

    /// For commands that work on the data directory itself (accounts, files).
    fn local_only(&self, what: &str) -> Result<()> {
        if self.server.is_some() {
            bail!(
                "`gantry {what}` works on a data directory, not through --server; on a server, use the web UI's Admin page"
            );
        }
        Ok(())
    }
}

/// Runs the command; a failure is one line on stderr (what failed and why) and exit code 1,
/// never a backtrace.
fn main() -> ExitCode {
    // Before anything else (no runtime, no threads): `gantry` is also the resource-limited
    // process in which its server reads uploaded PDFs.
    gantry::serve_reader_if_asked();
    init_logging();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(Cli::parse())) {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::Failed) => ExitCode::FAILURE,
        Ok(Outcome::Stopped) => ExitCode::from(130),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// How a command ended, besides an error.
enum Outcome {
    Done,
    /// It ran, and said what failed (ingest with failed files, doctor with failed checks).
    Failed,
    /// Ctrl+C stopped it.
    Stopped,
}

impl From<bool> for Outcome {
    fn from(ok: bool) -> Self {
        if ok { Self::Done } else { Self::Failed }
    }
}

async fn run(cli: Cli) -> Result<Outcome> {
    match &cli.command {
        Command::Openapi => {
            output::json(&gantry_server::openapi())?;
            Ok(Outcome::Done)
        }
        Command::Completions { shell } => {
            clap_complete::generate(
                *shell,
                &mut Cli::command(),
                "gantry",
                &mut std::io::stdout(),
            );
            Ok(Outcome::Done)
        }
        Command::Man => {
            clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout())?;
            Ok(Outcome::Done)
        }
        Command::Serve { listen, llm_url } => {
            let mut config = cli.settings()?;
            if let Some(listen) = listen {
                config.server.listen.clone_from(listen);
            }
            if let Some(url) = llm_url {
                config = config
                    .with_vars([("GANTRY_LLM_URL".to_owned(), url.clone())])
                    .context("--llm-url")?;
            }
            serve::serve(config).await?;
            Ok(Outcome::Done)
        }
        Command::Doctor { json } => Ok(doctor::doctor(cli.settings(), *json).await?.into()),
        Command::Reindex => {
            cli.local_only("reindex")?;
            data::reindex(cli.settings()?).await?;
            Ok(Outcome::Done)
        }
        Command::Status { json } => {
            cli.local_only("status")?;
            let gantry = open_store_only(cli.settings()?).await?;
            admin::status(&gantry, *json).await?;
            gantry.close().await?;
            Ok(Outcome::Done)
        }
        Command::Users(command) => {
            cli.local_only("users")?;
            let gantry = open_store_only(cli.settings()?).await?;
            admin::users(&gantry, command).await?;
            gantry.close().await?;
            Ok(Outcome::Done)
        }
        Command::Db(args::DbCommand::Copy { to, json }) => {
            cli.local_only("db copy")?;
            data::copy(&cli.settings()?, to, *json).await?;
            Ok(Outcome::Done)
        }
        Command::Backup { to } => {
            cli.local_only("backup")?;
            let gantry = open_store_only(cli.settings()?).await?;
            data::backup(&gantry, to).await?;
            gantry.close().await?;
            Ok(Outcome::Done)
        }
        Command::Export {
            conversation,
            format,
            output,
        } => {
            cli.local_only("export")?;
            let gantry = open_store_only(cli.settings()?).await?;
            let scope = choose_user(&gantry, cli.user.as_deref()).await?;
            data::export(
                &gantry,
                &scope,
                conversation.as_deref(),
                *format,
                output.as_deref(),
            )
            .await?;
            gantry.close().await?;
            Ok(Outcome::Done)
        }
        Command::Import { file } => {
            cli.local_only("import")?;
            let gantry = open_store_only(cli.settings()?).await?;
            let scope = choose_user(&gantry, cli.user.as_deref()).await?;
            data::import(&scope, file).await?;
            gantry.close().await?;
            Ok(Outcome::Done)
        }
        Command::Chat(args) => {
            let door = cli.door().await?;
            let outcome = chat::chat(&door, args).await.map(Outcome::from);
            finish(door, outcome).await
        }
        Command::Ask(args) => {
            let door = cli.door().await?;
            let outcome = chat::ask(&door, args).await.map(|answered| {
                if answered {
                    Outcome::Done
                } else {
                    Outcome::Stopped
                }
            });
            finish(door, outcome).await
        }
        Command::Ingest { paths, json } => {
            let door = cli.door().await?;
            let outcome = ingest::ingest(&door, paths, *json).await.map(Outcome::from);
            finish(door, outcome).await
        }
        Command::Search { query, limit, json } => {
            let door = cli.door().await?;
            let outcome = search(&door, query, *limit, *json).await;
            finish(door, outcome).await
        }
        Command::Models(ModelsCommand::List { json }) => {
            let door = cli.door().await?;
            let outcome = models(&door, *json).await;
            finish(door, outcome).await
        }
    }
}

/// Closes the way to the data whatever the command's outcome, then reports it.
async fn finish(door: Door, outcome: Result<Outcome>) -> Result<Outcome> {
    let closed = door.close().await;
    let outcome = outcome?;
    closed?;
    Ok(outcome)
}

async fn search(door: &Door, query: &str, limit: usize, as_json: bool) -> Result<Outcome> {
    let results = door.search(query, limit).await?;
    if as_json {
        output::json(&results)?;
    } else {
        print_search(&results);
    }
    Ok(Outcome::Done)
}

async fn models(door: &Door, as_json: bool) -> Result<Outcome> {
    let models = door.models().await?;
    if as_json {
        output::json(&models)?;
    } else if models.is_empty() {
        println!("no models: configure a backend (GANTRY_LLM_URL), see `gantry doctor`");
    } else {
        output::models(output::Style::stdout(), &models, None);
    }
    Ok(Outcome::Done)
}

fn print_search(results: &gantry::SearchResults) {
    let style = output::Style::stdout();
    if results.conversations.is_empty() && results.documents.is_empty() {
        println!("nothing found");
        return;
    }
    for found in &results.conversations {
        println!(
            "{}  {}",
            style.bold(&found.conversation.title),
            style.dim(&found.conversation.id.to_string())
        );
        if found.message_id.is_some() {
            println!("    {}", output::snippet(style, &found.snippet));
        }
    }
    for found in &results.documents {
        println!(
            "{}  {}",
            style.bold(&found.document.filename),
            style.dim(&found.document.id.to_string())
        );
        if found.chunk_id.is_some() {
            println!("    {}", output::snippet(style, &found.snippet));
        }
    }
}

/// Logs go to stderr (what the command prints goes to stdout): `GANTRY_LOG` (or
/// `RUST_LOG`) says what, in `tracing`'s filter syntax (default `info`: one line per HTTP
/// request, warnings, errors; llama.cpp's own lines from warnings up); `GANTRY_LOG_FORMAT=json` writes one JSON object per line,
/// for log collectors.
fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("GANTRY_LOG")
        .or_else(|_| EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| EnvFilter::new("info,llama-cpp-2=warn"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    let json = std::env::var("GANTRY_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    // Only fails when a subscriber is already set, which keeps logging working.
    let _ = if json {
        logs.json().try_init()
    } else {
        logs.try_init()
    };
}
