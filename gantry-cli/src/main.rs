//! The `gantry` command. It parses arguments, calls the SDK's [`gantry::Gantry`] handle, and
//! prints; the rules (who may do what, what is valid) live in the engine.

use std::io::BufRead;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use gantry::model::Role;
use gantry::store::PageRequest;
use gantry::{Config, Gantry, NewAccount};

/// Gantry: a self-hosted AI chat platform.
#[derive(Debug, Parser)]
#[command(name = "gantry", version, about)]
struct Cli {
    /// A TOML settings file (settings also come from GANTRY_* environment variables).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Where Gantry keeps its SQLite database and indexes (default `gantry-data`,
    /// or GANTRY_DATA_DIR).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// Use this database instead of the data directory's SQLite file
    /// (`sqlite://path.db` or `postgres://user@host/db`; or GANTRY_DATABASE_URL).
    #[arg(long, global = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the HTTP API until SIGTERM or Ctrl+C (answers in flight are saved).
    Serve {
        /// The address to listen on (default 127.0.0.1:8000, or GANTRY_LISTEN).
        #[arg(long)]
        listen: Option<String>,
        /// An OpenAI-compatible server to chat with (or GANTRY_LLM_URL).
        #[arg(long)]
        llm_url: Option<String>,
    },
    /// Open the store (creating and migrating it if needed) and print what it holds.
    Status {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Manage user accounts.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Print the HTTP API's OpenAPI document (as `/api/openapi.json` serves it).
    Openapi,
}

#[derive(Debug, Subcommand)]
enum UsersCommand {
    /// Create an account; the password is read from GANTRY_PASSWORD or the first line of stdin.
    Add {
        /// Login email.
        #[arg(long)]
        email: String,
        /// Name shown in the UI.
        #[arg(long)]
        name: String,
        /// Make the account an admin (the first account always is).
        #[arg(long)]
        admin: bool,
    },
    /// List accounts.
    List,
}

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
}

fn read_password() -> Result<String> {
    if let Ok(password) = std::env::var("GANTRY_PASSWORD") {
        return Ok(password);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        bail!("no password: set GANTRY_PASSWORD or pipe it on stdin");
    }
    Ok(password)
}

/// `gantry serve`: opens the whole stack, says what it runs on, serves until a signal.
async fn serve(config: Config) -> Result<()> {
    let location = config.database();
    let gantry = Gantry::open(config)
        .await
        .with_context(|| format!("opening {location}"))?;
    println!(
        "Gantry {} on {}",
        gantry::VERSION,
        gantry.engine().database()
    );
    // An unattended first run: the first admin from the environment, once.
    if let (Ok(email), Ok(password)) = (
        std::env::var("GANTRY_ADMIN_EMAIL"),
        std::env::var("GANTRY_ADMIN_PASSWORD"),
    ) && gantry.engine().needs_setup().await?
    {
        let admin = gantry
            .engine()
            .set_up(NewAccount::new(email, "Admin", password))
            .await
            .context("creating the first admin from GANTRY_ADMIN_EMAIL")?;
        println!("  first admin {} created", admin.email);
    }
    match gantry.embedder_id() {
        Some(embedder) => println!("  embeddings  {embedder}"),
        None => println!("  embeddings  none (set GANTRY_MINILM_DIR): keyword search only"),
    }
    if gantry.config().backends.is_empty() {
        println!("  models      none configured (set GANTRY_LLM_URL): chat is unavailable");
    }
    for backend in &gantry.config().backends {
        println!("  model       {} at {}", backend.name, backend.base_url);
    }
    gantry_server::serve(gantry, shutdown_signal(), |listening| {
        println!("Listening on {}", listening.url);
    })
    .await
    .context("serving")
}

/// Completes at SIGTERM or Ctrl+C.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    println!("Stopping: saving answers in flight and the indexes");
}

/// Runs the command; a failure is one line on stderr (what failed and why) and exit code 1,
/// never a backtrace.
fn main() -> std::process::ExitCode {
    // Before anything else (no runtime, no threads): `gantry` is also the resource-limited
    // process in which its server reads uploaded PDFs.
    gantry::serve_reader_if_asked();
    init_logging();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(Cli::parse())) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Logs go to stderr (what the command prints goes to stdout): `GANTRY_LOG` (or
/// `RUST_LOG`) says what, in `tracing`'s filter syntax (default `info`: one line per HTTP
/// request, warnings, errors); `GANTRY_LOG_FORMAT=json` writes one JSON object per line,
/// for log collectors.
fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("GANTRY_LOG")
        .or_else(|_| EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| EnvFilter::new("info"));
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

async fn run(cli: Cli) -> Result<()> {
    if let Command::Openapi = &cli.command {
        println!(
            "{}",
            serde_json::to_string_pretty(&gantry_server::openapi())?
        );
        return Ok(());
    }
    let mut config = cli.settings()?;
    if let Command::Serve { listen, llm_url } = &cli.command {
        if let Some(listen) = listen {
            config.server.listen.clone_from(listen);
        }
        if let Some(url) = llm_url {
            config = config
                .with_vars([("GANTRY_LLM_URL".to_owned(), url.clone())])
                .context("--llm-url")?;
        }
        return serve(config).await;
    }
    let location = config.database();
    // Account and status commands need the store alone: no model is loaded and the index
    // files stay free for a server running on the same data directory.
    let gantry = Gantry::builder(config)
        .store_only()
        .open()
        .await
        .with_context(|| format!("opening {location}"))?;
    let operator = gantry.operator();
    match &cli.command {
        // Answered above.
        Command::Serve { .. } | Command::Openapi => {}
        Command::Status { json } => {
            let stats = operator.stats().await?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&stats)?);
            } else {
                println!(
                    "Gantry {} store: {} ({location})",
                    gantry::VERSION,
                    gantry.engine().database()
                );
                println!("  users          {}", stats.users);
                println!("  conversations  {}", stats.conversations);
                println!("  messages       {}", stats.messages);
                println!("  documents      {}", stats.documents);
                println!("  chunks         {}", stats.chunks);
                println!("  change seq     {}", stats.latest_seq);
            }
        }
        Command::Users(UsersCommand::Add { email, name, admin }) => {
            let account = NewAccount::new(email, name, read_password()?);
            let first = operator.stats().await?.users == 0;
            let user = if first {
                gantry.register(account).await?
            } else {
                let role = if *admin { Role::Admin } else { Role::User };
                operator.create_user(account, role).await?
            };
            println!("created {} {} ({})", user.role, user.email, user.id);
        }
        Command::Users(UsersCommand::List) => {
            let mut page = PageRequest::first(100);
            loop {
                let got = operator.users(page).await?;
                for u in &got.items {
                    let state = if u.disabled { " (disabled)" } else { "" };
                    println!(
                        "{}  {:5}  {}  {}{state}",
                        u.id,
                        u.role.as_str(),
                        u.email,
                        u.display_name
                    );
                }
                match got.next {
                    Some(cursor) => page = PageRequest::after(100, cursor),
                    None => break,
                }
            }
        }
    }
    gantry.close().await?;
    Ok(())
}
