//! The `gantry` command. It parses arguments and prints; everything it does is an SDK call.

use std::io::BufRead;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use gantry::model::{NewUser, Role};
use gantry::store::PageRequest;

/// Gantry: a self-hosted AI chat platform.
#[derive(Debug, Parser)]
#[command(name = "gantry", version, about)]
struct Cli {
    /// Where Gantry keeps its SQLite database and indexes.
    #[arg(
        long,
        env = "GANTRY_DATA_DIR",
        default_value = "gantry-data",
        global = true
    )]
    data_dir: PathBuf,
    /// Use this database instead of the data directory's SQLite file
    /// (`sqlite://path.db` or `postgres://user@host/db`).
    #[arg(long, env = "GANTRY_DATABASE_URL", global = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Open the store (creating and migrating it if needed) and print what it holds.
    Status {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Manage user accounts.
    #[command(subcommand)]
    Users(UsersCommand),
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

async fn open(cli: &Cli) -> Result<std::sync::Arc<dyn gantry::Store>> {
    let store = match &cli.database_url {
        Some(url) => gantry::open_store(url).await,
        None => gantry::SqliteStore::open(cli.data_dir.join("gantry.db"))
            .await
            .map(|s| std::sync::Arc::new(s) as std::sync::Arc<dyn gantry::Store>),
    };
    store.context("opening the store")
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

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    let store = open(&cli).await?;
    match &cli.command {
        Command::Status { json } => {
            let stats = store.stats().await?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&stats)?);
            } else {
                let location = cli
                    .database_url
                    .clone()
                    .unwrap_or_else(|| cli.data_dir.join("gantry.db").display().to_string());
                println!(
                    "Gantry {} store: {} ({location})",
                    gantry::VERSION,
                    store.backend()
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
            let password = read_password()?;
            let first = store.count_users().await? == 0;
            let user = store
                .create_user(NewUser {
                    email: email.clone(),
                    display_name: name.clone(),
                    password_hash: gantry::auth::hash_password(&password)?,
                    role: if *admin || first {
                        Role::Admin
                    } else {
                        Role::User
                    },
                })
                .await?;
            println!("created {} {} ({})", user.role, user.email, user.id);
        }
        Command::Users(UsersCommand::List) => {
            let mut page = PageRequest::first(100);
            loop {
                let got = store.list_users(page).await?;
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
    Ok(())
}
