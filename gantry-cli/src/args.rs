//! The command line, as clap reads it. Every listing takes `--json`; usage errors exit 2
//! (clap's own), failures 1.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Gantry: a self-hosted AI chat platform.
///
/// On a data directory no server holds, commands open it themselves (SQLite and the
/// indexes); when `gantry serve` runs on it, or with --server URL (or GANTRY_SERVER) and
/// an API key, they go through the server's API.
#[derive(Debug, Parser)]
#[command(name = "gantry", version, about, long_about)]
pub(crate) struct Cli {
    /// A TOML settings file (settings also come from GANTRY_* environment variables).
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// Where Gantry keeps its SQLite database and indexes (default `gantry-data`,
    /// or GANTRY_DATA_DIR).
    #[arg(long, global = true, value_name = "DIR")]
    pub(crate) data_dir: Option<PathBuf>,
    /// Use this database instead of the data directory's SQLite file
    /// (`sqlite://path.db` or `postgres://user@host/db`; or GANTRY_DATABASE_URL).
    #[arg(long, global = true, value_name = "URL")]
    pub(crate) database_url: Option<String>,
    /// A running Gantry server to talk to instead of a data directory (or GANTRY_SERVER);
    /// needs an API key (--api-key or GANTRY_API_KEY).
    #[arg(long, global = true, env = "GANTRY_SERVER", value_name = "URL")]
    pub(crate) server: Option<String>,
    /// The API key for --server (made in the web UI's settings).
    #[arg(long, global = true, env = "GANTRY_API_KEY", hide_env_values = true)]
    pub(crate) api_key: Option<String>,
    /// On a data directory: whose conversations and documents to use (default: the first
    /// admin), or GANTRY_USER.
    #[arg(long = "as", global = true, env = "GANTRY_USER", value_name = "EMAIL")]
    pub(crate) user: Option<String>,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Serve the web UI and the HTTP API until SIGTERM or Ctrl+C (answers in flight are
    /// saved).
    Serve {
        /// The address to listen on (default 127.0.0.1:8000, or GANTRY_LISTEN).
        #[arg(long)]
        listen: Option<String>,
        /// An OpenAI-compatible server to chat with (or GANTRY_LLM_URL).
        #[arg(long)]
        llm_url: Option<String>,
    },
    /// Chat interactively: answers stream as they are written; /help lists the commands.
    Chat(ChatArgs),
    /// Ask one question and print the answer (stdin, when piped, is added to the question).
    Ask(AskArgs),
    /// Add files, or every file under folders, to the Knowledge Vault.
    Ingest {
        /// Files and folders (read recursively).
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Search conversations and documents.
    Search {
        /// The words to look for.
        query: String,
        /// At most this many of each kind.
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the models the backends offer.
    #[command(subcommand)]
    Models(ModelsCommand),
    /// Manage user accounts.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Export conversations: one (by id) as JSON, Markdown or PDF, or all of them as a ZIP.
    Export {
        /// One conversation's id; without it, every conversation as a ZIP archive.
        #[arg(long, value_name = "ID")]
        conversation: Option<String>,
        /// The format of one conversation.
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
        /// Where to write (default: stdout).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Import conversations: a Gantry JSON export, or ChatGPT's or Claude's
    /// conversations.json.
    Import {
        /// The file to import.
        file: PathBuf,
    },
    /// Rebuild the search indexes from the database (the database is the truth).
    Reindex,
    /// Move the database: copy everything to another SQLite or PostgreSQL database.
    #[command(subcommand)]
    Db(DbCommand),
    /// Copy the database to a file, consistently, even while a server runs on it.
    Backup {
        /// The SQLite file to write (must not exist).
        to: PathBuf,
    },
    /// Check the settings, the database, the indexes, each model backend and the model
    /// files, and say how to fix what is wrong.
    Doctor {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print what the database holds.
    Status {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print a shell completion script (e.g. `gantry completions bash > /etc/bash_completion.d/gantry`).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `gantry man | man -l -`.
    Man,
    /// Print the HTTP API's OpenAPI document.
    Openapi,
}

#[derive(Debug, Args)]
pub(crate) struct ChatArgs {
    /// Go on with this conversation (its id) instead of starting a new one.
    #[arg(long, value_name = "ID")]
    pub(crate) conversation: Option<String>,
    /// Answer as this persona (its name).
    #[arg(long)]
    pub(crate) persona: Option<String>,
    /// Answer with this model.
    #[arg(long)]
    pub(crate) model: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct AskArgs {
    /// The question; with stdin piped, stdin's text follows it.
    pub(crate) question: Vec<String>,
    #[command(flatten)]
    pub(crate) chat: ChatArgs,
    /// Print the saved answer, its sources and usage as JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum DbCommand {
    /// Copy every table to an empty database (`sqlite://path.db` or
    /// `postgres://user@host/db`), from one consistent moment of this one, then check the
    /// copy row for row. Point GANTRY_DATABASE_URL at the copy to use it.
    Copy {
        /// The database to copy into (created and migrated if needed; must hold no data).
        #[arg(long, value_name = "URL")]
        to: String,
        /// Print the tables and their row counts as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum ModelsCommand {
    /// The models, the default marked.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum UsersCommand {
    /// Create an account; the password is read from GANTRY_PASSWORD or the first line of
    /// stdin.
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
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Set an account's password (from GANTRY_PASSWORD or stdin); ends its sessions.
    Passwd {
        /// The account's email.
        email: String,
    },
    /// Disable an account (its sessions and API keys stop working), or enable it again.
    Disable {
        /// The account's email.
        email: String,
        /// Enable it again instead.
        #[arg(long)]
        undo: bool,
    },
    /// Set an account's role.
    Role {
        /// The account's email.
        email: String,
        /// The new role.
        #[arg(value_enum)]
        role: RoleArg,
    },
}

/// The format of one exported conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// Gantry's JSON, which imports back exactly.
    Json,
    /// Readable Markdown.
    Markdown,
    /// A printable PDF.
    Pdf,
}

/// A role on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum RoleArg {
    /// Everything of their own.
    User,
    /// Also accounts, models and usage.
    Admin,
}
