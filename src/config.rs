//! Gantry's settings. Each comes from, in rising precedence: its default, a TOML file,
//! an environment variable, and code (assign the field after loading).
//!
//! ```toml
//! data_dir = "/var/lib/gantry"
//! models_dir = "/opt/models"      # a .gguf chat model and all-MiniLM-L6-v2 in process
//! extraction = "deterministic"
//!
//! [[backends]]
//! name = "local"
//! base_url = "http://127.0.0.1:8080/v1"
//! kind = "llamacpp"
//! default_model = "smollm2"
//!
//! [retrieval]
//! k = 8
//!
//! [accounts]
//! signup = "open"
//!
//! [quotas]
//! documents = 500
//! ```

use std::path::{Path, PathBuf};

use gantry_core::engine::SignupPolicy;
use gantry_core::model::Quotas;
use gantry_core::{Error, Result};
use gantry_llm::{BackendConfig, BackendKind};
use gantry_memory::HybridOptions;
use serde::{Deserialize, Serialize};

/// How chat turns learn facts for the knowledge graph.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Extraction {
    /// No fact extraction.
    Off,
    /// Capitalised names and simple patterns, no model call.
    #[default]
    Deterministic,
    /// One call to the chat model per turn, off the response path.
    Llm,
}

/// How chat turns are sized and finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Chat {
    /// The chat model's context length in tokens; `None` takes the first backend's
    /// `context_length`, else 4,096. `GANTRY_CONTEXT_LENGTH`.
    pub context_length: Option<usize>,
    /// Tokens kept for (and the most generated in) an answer.
    pub answer_tokens: usize,
    /// The most tokens retrieved context may take in a prompt.
    pub max_context_tokens: usize,
    /// How many of a conversation's latest messages are candidates for the prompt's
    /// history (1 to 500).
    pub history_messages: u32,
    /// Whether the model titles new conversations (else their first words do).
    pub title_with_model: bool,
    /// Seconds a turn waits for a caller that stopped reading before it stops the model
    /// and saves the answer as partial (1 to 3,600).
    pub reader_timeout_secs: u64,
}

impl Default for Chat {
    fn default() -> Self {
        let engine = gantry_core::engine::EngineSettings::default();
        Self {
            context_length: None,
            answer_tokens: engine.answer_tokens,
            max_context_tokens: engine.max_context_tokens,
            history_messages: engine.history_messages,
            title_with_model: engine.title_with_model,
            reader_timeout_secs: engine.reader_timeout.as_secs(),
        }
    }
}

/// Who may sign up and how long sign-ins last.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Accounts {
    /// `closed` (default: only admins create accounts after the first), `open`, or
    /// `invite` (whoever has a code an admin made).
    /// `GANTRY_SIGNUP`.
    pub signup: SignupPolicy,
    /// How long a sign-in session lasts, in hours (default 24).
    pub session_hours: u32,
}

impl Default for Accounts {
    fn default() -> Self {
        let engine = gantry_core::engine::EngineSettings::default();
        Self {
            signup: engine.signup,
            session_hours: u32::try_from(engine.session_lifetime.as_secs() / 3600).unwrap_or(24),
        }
    }
}

/// How `gantry serve` listens and what it accepts, `[server]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Server {
    /// The address to listen on (default `127.0.0.1:8000`). `GANTRY_LISTEN`.
    pub listen: String,
    /// The address people reach the server at, e.g. `https://chat.example.com`; the
    /// origin that cookie-authenticated changes must come from. Default: `http://` and
    /// the listen address. `GANTRY_PUBLIC_URL`.
    pub public_url: Option<String>,
    /// Whether the session cookie is `Secure` (sent over HTTPS only). Default: when the
    /// public URL is `https://`.
    pub cookie_secure: Option<bool>,
    /// The largest JSON body accepted, in bytes (default 1 MiB).
    pub max_body_bytes: usize,
    /// Sign-in and sign-up attempts allowed per client address per minute (default 10).
    pub logins_per_minute: u32,
    /// Reverse proxies whose `X-Forwarded-For` is believed, as addresses or ranges (e.g.
    /// `127.0.0.1`, `10.0.0.0/8`); default none. Behind a proxy, without this every
    /// request seems to come from the proxy, and one person's failed sign-ins would lock
    /// everyone out. `GANTRY_TRUSTED_PROXIES` (comma-separated).
    pub trusted_proxies: Vec<String>,
    /// The token Prometheus must send (`Authorization: Bearer`) to read `/metrics`;
    /// without one `/metrics` is open (it holds counts and timings, never content).
    /// `GANTRY_METRICS_TOKEN`.
    pub metrics_token: Option<String>,
}

impl Default for Server {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8000".to_owned(),
            public_url: None,
            cookie_secure: None,
            max_body_bytes: 1024 * 1024,
            logins_per_minute: 10,
            trusted_proxies: Vec::new(),
            metrics_token: None,
        }
    }
}

impl Server {
    /// The public URL without a trailing slash: the configured one, else `http://` and
    /// `bound`, the address the server actually listens on (its port is the real one when
    /// `listen` asked for port 0).
    pub fn public_url(&self, bound: std::net::SocketAddr) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{bound}"),
        }
    }

    /// Whether the session cookie is `Secure`: as configured, else when `public_url` is
    /// `https://`.
    pub fn cookie_secure(&self, public_url: &str) -> bool {
        self.cookie_secure
            .unwrap_or_else(|| public_url.starts_with("https://"))
    }

    /// The trusted proxies as address ranges (a single address is a range of one).
    pub fn trusted_proxies(&self) -> Result<Vec<ipnet::IpNet>> {
        self.trusted_proxies
            .iter()
            .map(|entry| {
                let entry = entry.trim();
                entry
                    .parse::<ipnet::IpNet>()
                    .or_else(|_| entry.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| {
                        bad(
                            "server.trusted_proxies",
                            format!("`{entry}` is not an address or range, e.g. 10.0.0.0/8"),
                        )
                    })
            })
            .collect()
    }
}

/// Everything [`Config::load`] reads.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Where the SQLite file and the index files live. `GANTRY_DATA_DIR`; default
    /// `gantry-data`.
    pub data_dir: PathBuf,
    /// A `sqlite://` or `postgres://` URL instead of `<data_dir>/gantry.db`.
    /// `GANTRY_DATABASE_URL`.
    pub database_url: Option<String>,
    /// The OpenAI-compatible backends. `GANTRY_LLM_URL` adds (or replaces) the backend
    /// named `default`, with `GANTRY_LLM_API_KEY`, `GANTRY_LLM_MODEL` and `GANTRY_LLM_KIND`
    /// (`openai`, `tabbyapi`, `llamacpp`, `ollama`, `vllm`).
    pub backends: Vec<BackendConfig>,
    /// Where Gantry looks for models to run in process (default `<data_dir>/models`): the
    /// first `.gguf` file by name is the chat model when no backend is configured, and an
    /// `all-MiniLM-L6-v2` folder the embedder when `minilm_dir` is not set.
    /// `GANTRY_MODELS_DIR`.
    pub models_dir: Option<PathBuf>,
    /// A `.gguf` chat model file, instead of the first in `models_dir`.
    /// `GANTRY_CHAT_MODEL`.
    pub chat_model: Option<PathBuf>,
    /// The local all-MiniLM-L6-v2 model directory, for in-process embeddings.
    /// `GANTRY_MINILM_DIR`.
    pub minilm_dir: Option<PathBuf>,
    /// Without a local model: the embedding model to ask the first backend for.
    /// `GANTRY_EMBEDDING_MODEL`. With neither, retrieval is by keywords alone.
    pub embedding_model: Option<String>,
    /// Fact extraction for the knowledge graph. `GANTRY_EXTRACTION`.
    pub extraction: Extraction,
    /// The program that reads uploaded PDFs in a separate process; by default the running
    /// program when it serves as one (the `gantry` binary does), else `gantry-extract`
    /// beside it or on `PATH`. `GANTRY_EXTRACT_PROGRAM`.
    pub extract_program: Option<PathBuf>,
    /// Retrieval settings, `[retrieval]` (file or code only): `k`, `depth`, `rrf_k`,
    /// `vector_weight`, `keyword_weight`.
    pub retrieval: HybridOptions,
    /// Prompt sizes and turn behaviour (file or code; `GANTRY_CONTEXT_LENGTH`).
    pub chat: Chat,
    /// Sign-up policy and session lifetime (file or code; `GANTRY_SIGNUP`).
    pub accounts: Accounts,
    /// How much each user may keep by default, `[quotas]` (file or code):
    /// `conversations`, `messages_per_conversation`, `documents`, `document_bytes`,
    /// `personas`, `collections`. Admins change them per user.
    pub quotas: Quotas,
    /// How `gantry serve` listens, `[server]` (`GANTRY_LISTEN`, `GANTRY_PUBLIC_URL`,
    /// `GANTRY_TRUSTED_PROXIES`).
    pub server: Server,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("gantry-data"),
            database_url: None,
            backends: Vec::new(),
            models_dir: None,
            chat_model: None,
            minilm_dir: None,
            embedding_model: None,
            extraction: Extraction::default(),
            extract_program: None,
            retrieval: HybridOptions::default(),
            chat: Chat::default(),
            accounts: Accounts::default(),
            quotas: Quotas::default(),
            server: Server::default(),
        }
    }
}

/// Names every environment variable [`Config::with_env`] reads.
pub const ENV_VARS: [&str; 18] = [
    "GANTRY_DATA_DIR",
    "GANTRY_DATABASE_URL",
    "GANTRY_LLM_URL",
    "GANTRY_LLM_API_KEY",
    "GANTRY_LLM_MODEL",
    "GANTRY_LLM_KIND",
    "GANTRY_MODELS_DIR",
    "GANTRY_CHAT_MODEL",
    "GANTRY_MINILM_DIR",
    "GANTRY_EMBEDDING_MODEL",
    "GANTRY_EXTRACTION",
    "GANTRY_EXTRACT_PROGRAM",
    "GANTRY_CONTEXT_LENGTH",
    "GANTRY_SIGNUP",
    "GANTRY_LISTEN",
    "GANTRY_PUBLIC_URL",
    "GANTRY_TRUSTED_PROXIES",
    "GANTRY_METRICS_TOKEN",
];

fn bad(field: &'static str, reason: impl Into<String>) -> Error {
    Error::invalid(field, reason)
}

impl Config {
    /// Defaults, then the TOML file if one is given, then the environment.
    pub fn load(file: Option<&Path>) -> Result<Self> {
        let config = match file {
            Some(path) => Self::from_file(path)?,
            None => Self::default(),
        };
        config.with_env()
    }

    /// The settings in a TOML file (missing settings keep their defaults).
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| bad("config", format!("cannot read {}: {e}", path.display())))?;
        Self::from_toml(&text)
            .map_err(|e| bad("config", format!("{}: {}", path.display(), reason_of(&e))))
    }

    /// The settings in TOML text; an unknown key or a wrong type is refused, naming it.
    pub fn from_toml(text: &str) -> Result<Self> {
        let config: Self = toml::from_str(text).map_err(|e| bad("config", e.message()))?;
        config.validate()?;
        Ok(config)
    }

    /// These settings with the process's environment variables applied over them.
    pub fn with_env(self) -> Result<Self> {
        self.with_vars(
            ENV_VARS
                .iter()
                .filter_map(|name| std::env::var(name).ok().map(|v| ((*name).to_owned(), v))),
        )
    }

    /// These settings with `vars` (name, value) applied over them, as [`Self::with_env`]
    /// does with the real environment. Empty values are ignored.
    pub fn with_vars(mut self, vars: impl IntoIterator<Item = (String, String)>) -> Result<Self> {
        let vars: Vec<(String, String)> = vars
            .into_iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .collect();
        let get = |name: &str| {
            vars.iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.trim().to_owned())
        };
        if let Some(dir) = get("GANTRY_DATA_DIR") {
            self.data_dir = PathBuf::from(dir);
        }
        if let Some(url) = get("GANTRY_DATABASE_URL") {
            self.database_url = Some(url);
        }
        if let Some(url) = get("GANTRY_LLM_URL") {
            let mut backend = BackendConfig::new("default", url);
            backend.api_key = get("GANTRY_LLM_API_KEY");
            backend.default_model = get("GANTRY_LLM_MODEL");
            if let Some(kind) = get("GANTRY_LLM_KIND") {
                backend.kind = parse_kind(&kind)?;
            }
            self.backends.retain(|b| b.name != "default");
            self.backends.insert(0, backend);
        }
        if let Some(listen) = get("GANTRY_LISTEN") {
            self.server.listen = listen;
        }
        if let Some(url) = get("GANTRY_PUBLIC_URL") {
            self.server.public_url = Some(url);
        }
        if let Some(proxies) = get("GANTRY_TRUSTED_PROXIES") {
            self.server.trusted_proxies = proxies
                .split(',')
                .map(str::trim)
                .filter(|entry| !entry.is_empty())
                .map(str::to_owned)
                .collect();
        }
        if let Some(token) = get("GANTRY_METRICS_TOKEN") {
            self.server.metrics_token = Some(token).filter(|t| !t.trim().is_empty());
        }
        if let Some(program) = get("GANTRY_EXTRACT_PROGRAM") {
            self.extract_program = Some(PathBuf::from(program));
        }
        if let Some(dir) = get("GANTRY_MODELS_DIR") {
            self.models_dir = Some(PathBuf::from(dir));
        }
        if let Some(file) = get("GANTRY_CHAT_MODEL") {
            self.chat_model = Some(PathBuf::from(file));
        }
        if let Some(dir) = get("GANTRY_MINILM_DIR") {
            self.minilm_dir = Some(PathBuf::from(dir));
        }
        if let Some(model) = get("GANTRY_EMBEDDING_MODEL") {
            self.embedding_model = Some(model);
        }
        if let Some(mode) = get("GANTRY_EXTRACTION") {
            self.extraction = match mode.to_ascii_lowercase().as_str() {
                "off" => Extraction::Off,
                "deterministic" => Extraction::Deterministic,
                "llm" => Extraction::Llm,
                other => {
                    return Err(bad(
                        "GANTRY_EXTRACTION",
                        format!("`{other}` is not one of off, deterministic, llm"),
                    ));
                }
            };
        }
        if let Some(length) = get("GANTRY_CONTEXT_LENGTH") {
            let parsed = length.parse::<usize>().map_err(|_| {
                bad(
                    "GANTRY_CONTEXT_LENGTH",
                    format!("`{length}` is not a number of tokens"),
                )
            })?;
            self.chat.context_length = Some(parsed);
        }
        if let Some(policy) = get("GANTRY_SIGNUP") {
            self.accounts.signup = match policy.to_ascii_lowercase().as_str() {
                "open" => SignupPolicy::Open,
                "closed" => SignupPolicy::Closed,
                "invite" => SignupPolicy::Invite,
                other => {
                    return Err(bad(
                        "GANTRY_SIGNUP",
                        format!("`{other}` is not one of open, closed, invite"),
                    ));
                }
            };
        }
        self.validate()?;
        Ok(self)
    }

    /// Checks the settings together; a problem names the setting.
    pub fn validate(&self) -> Result<()> {
        let mut names = std::collections::HashSet::new();
        for backend in &self.backends {
            if backend.name.trim().is_empty() {
                return Err(bad("backends", "every backend needs a name"));
            }
            if backend.base_url.trim().is_empty() {
                return Err(bad(
                    "backends",
                    format!("backend `{}` needs a base_url", backend.name),
                ));
            }
            if !names.insert(backend.name.as_str()) {
                return Err(bad(
                    "backends",
                    format!("two backends are named `{}`", backend.name),
                ));
            }
        }
        if self.data_dir.as_os_str().is_empty() {
            return Err(bad("data_dir", "must not be empty"));
        }
        if self.server.listen.parse::<std::net::SocketAddr>().is_err() {
            return Err(bad(
                "server.listen",
                format!(
                    "`{}` is not an address and port, e.g. 127.0.0.1:8000",
                    self.server.listen
                ),
            ));
        }
        if let Some(url) = &self.server.public_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(bad(
                "server.public_url",
                "must start with http:// or https://",
            ));
        }
        if !(1024..=1 << 30).contains(&self.server.max_body_bytes) {
            return Err(bad("server.max_body_bytes", "must be 1 KiB to 1 GiB"));
        }
        if self.server.logins_per_minute == 0 {
            return Err(bad("server.logins_per_minute", "must be at least 1"));
        }
        self.server.trusted_proxies()?;
        self.retrieval.validate().map_err(|error| match error {
            Error::InvalidInput { field, reason } => bad(retrieval_field(field), reason),
            other => other,
        })?;
        self.engine_settings()
            .validate()
            .map_err(|error| match error {
                Error::InvalidInput { field, reason } => bad(chat_field(field), reason),
                other => other,
            })
    }

    /// The engine's settings these make: chat sizes, retrieval depth, default model.
    pub fn engine_settings(&self) -> gantry_core::engine::EngineSettings {
        let first = self.backends.first();
        gantry_core::engine::EngineSettings {
            context_length: self
                .chat
                .context_length
                .or_else(|| first.and_then(|b| b.context_length).map(|n| n as usize))
                .unwrap_or(4096),
            answer_tokens: self.chat.answer_tokens,
            max_context_tokens: self.chat.max_context_tokens,
            retrieval_k: self.retrieval.k,
            history_messages: self.chat.history_messages,
            title_with_model: self.chat.title_with_model,
            default_model: first.and_then(|b| b.default_model.clone()),
            reader_timeout: std::time::Duration::from_secs(self.chat.reader_timeout_secs),
            signup: self.accounts.signup,
            session_lifetime: std::time::Duration::from_secs(
                u64::from(self.accounts.session_hours) * 3600,
            ),
            quotas: self.quotas,
            ..gantry_core::engine::EngineSettings::default()
        }
    }

    /// Where models run in process are looked for: `models_dir`, else `<data_dir>/models`.
    pub fn models_dir(&self) -> PathBuf {
        self.models_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("models"))
    }

    /// The all-MiniLM-L6-v2 folder to embed with: `minilm_dir`, else the one in the
    /// models directory when it is there.
    pub fn embedder_dir(&self) -> Option<PathBuf> {
        self.minilm_dir.clone().or_else(|| {
            let dir = self.models_dir().join("all-MiniLM-L6-v2");
            dir.join("config.json").is_file().then_some(dir)
        })
    }

    /// The in-process chat model these settings point at (used when no backend is
    /// configured), or why there is none.
    pub fn in_process_chat_model(&self) -> gantry_llm::model_dir::ChatModelChoice {
        gantry_llm::model_dir::choose_chat_model(self.chat_model.as_deref(), &self.models_dir())
    }

    /// The database to open: `database_url`, or the SQLite file in `data_dir`.
    pub fn database(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("gantry.db").display()))
    }
}

fn parse_kind(kind: &str) -> Result<BackendKind> {
    toml::Value::String(kind.to_ascii_lowercase())
        .try_into()
        .map_err(|_| {
            bad(
                "GANTRY_LLM_KIND",
                format!("`{kind}` is not one of openai, tabbyapi, llamacpp, ollama, vllm"),
            )
        })
}

/// The setting a retrieval option is read from.
fn retrieval_field(field: &'static str) -> &'static str {
    match field {
        "k" => "retrieval.k",
        "depth" => "retrieval.depth",
        "rrf_k" => "retrieval.rrf_k",
        "vector_weight" => "retrieval.vector_weight",
        "keyword_weight" => "retrieval.keyword_weight",
        other => other,
    }
}

/// The setting an engine-settings field comes from.
fn chat_field(field: &'static str) -> &'static str {
    match field {
        "context_length" => "chat.context_length",
        "answer_tokens" => "chat.answer_tokens",
        "max_context_tokens" => "chat.max_context_tokens",
        "history_messages" => "chat.history_messages",
        "retrieval_k" => "retrieval.k",
        "session_lifetime" => "accounts.session_hours",
        "reader_timeout" => "chat.reader_timeout_secs",
        other => other,
    }
}

/// What was wrong, naming the setting (a TOML error names its key itself).
fn reason_of(error: &Error) -> String {
    match error {
        Error::InvalidInput {
            field: "config",
            reason,
        } => reason.clone(),
        Error::InvalidInput { field, reason } => format!("{field} {reason}"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn defaults_run_on_embedded_storage_with_keyword_retrieval() {
        let config = Config::default();
        assert_eq!(config.database(), "sqlite://gantry-data/gantry.db");
        assert!(config.backends.is_empty() && config.minilm_dir.is_none());
        config.validate().unwrap();
    }

    #[test]
    fn a_file_sets_what_it_names_and_keeps_the_rest() {
        let config = Config::from_toml(
            r#"
            data_dir = "/srv/gantry"
            extraction = "llm"
            [[backends]]
            name = "local"
            base_url = "http://127.0.0.1:8080/v1"
            kind = "llamacpp"
            [retrieval]
            k = 5
            "#,
        )
        .unwrap();
        assert_eq!(config.database(), "sqlite:///srv/gantry/gantry.db");
        assert_eq!(config.extraction, Extraction::Llm);
        assert_eq!(config.backends[0].kind, BackendKind::LlamaCpp);
        assert_eq!(config.retrieval.k, 5);
        assert_eq!(config.retrieval.rrf_k, 60.0);
    }

    #[test]
    fn unknown_keys_and_bad_values_are_refused_by_name() {
        let error = Config::from_toml("data_dri = \"x\"").unwrap_err();
        assert_eq!(error.invalid_field(), Some("config"));
        assert!(error.to_string().contains("data_dri"), "{error}");
        let error = Config::from_toml("[retrieval]\nk = 0").unwrap_err();
        assert_eq!(error.invalid_field(), Some("retrieval.k"));
        let error = Config::from_toml("[retrieval]\ndepth = 0").unwrap_err();
        assert_eq!(error.invalid_field(), Some("retrieval.depth"));
        let error = Config::from_toml("[chat]\nmax_context_tokens = 0").unwrap_err();
        assert_eq!(error.invalid_field(), Some("chat.max_context_tokens"));
        let error =
            Config::from_toml("[chat]\ncontext_length = 1000\nanswer_tokens = 1000").unwrap_err();
        assert_eq!(error.invalid_field(), Some("chat.answer_tokens"));
        let twice = "[[backends]]\nname = \"a\"\nbase_url = \"http://x\"\n[[backends]]\nname = \"a\"\nbase_url = \"http://y\"";
        assert_eq!(
            Config::from_toml(twice).unwrap_err().invalid_field(),
            Some("backends")
        );
    }

    #[test]
    fn the_environment_wins_over_the_file_and_code_wins_over_both() {
        let file = Config::from_toml("data_dir = \"/from/file\"\nextraction = \"off\"").unwrap();
        let mut config = file
            .with_vars(vars(&[
                ("GANTRY_DATA_DIR", "/from/env"),
                ("GANTRY_LLM_URL", "http://127.0.0.1:9/v1"),
                ("GANTRY_LLM_KIND", "LlamaCpp"),
                ("GANTRY_EXTRACTION", ""),
            ]))
            .unwrap();
        assert_eq!(config.data_dir, PathBuf::from("/from/env"));
        assert_eq!(
            config.extraction,
            Extraction::Off,
            "an empty variable is ignored"
        );
        assert_eq!(config.backends[0].name, "default");
        assert_eq!(config.backends[0].kind, BackendKind::LlamaCpp);
        config.data_dir = PathBuf::from("/from/code");
        assert_eq!(config.database(), "sqlite:///from/code/gantry.db");
    }

    #[test]
    fn a_bad_environment_value_names_the_variable() {
        let error = Config::default()
            .with_vars(vars(&[
                ("GANTRY_LLM_URL", "http://x"),
                ("GANTRY_LLM_KIND", "gpt"),
            ]))
            .unwrap_err();
        assert_eq!(error.invalid_field(), Some("GANTRY_LLM_KIND"));
        let error = Config::default()
            .with_vars(vars(&[("GANTRY_EXTRACTION", "sometimes")]))
            .unwrap_err();
        assert_eq!(error.invalid_field(), Some("GANTRY_EXTRACTION"));
    }

    #[test]
    fn trusted_proxies_are_addresses_or_ranges_and_sign_up_may_be_by_invite() {
        let config = Config::default()
            .with_vars(vars(&[
                ("GANTRY_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8 ,::1"),
                ("GANTRY_SIGNUP", "Invite"),
            ]))
            .unwrap();
        let nets = config.server.trusted_proxies().unwrap();
        assert_eq!(nets.len(), 3);
        assert!(nets[0].contains(&"127.0.0.1".parse::<std::net::IpAddr>().unwrap()));
        assert!(nets[1].contains(&"10.200.3.4".parse::<std::net::IpAddr>().unwrap()));
        assert_eq!(config.accounts.signup, SignupPolicy::Invite);
        let error = Config::from_toml("[server]\ntrusted_proxies = [\"10.0.0.0/33\"]").unwrap_err();
        assert_eq!(error.invalid_field(), Some("server.trusted_proxies"));
        assert!(error.to_string().contains("10.0.0.0/33"), "{error}");
    }

    #[test]
    fn a_bad_setting_in_a_file_is_named_with_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gantry.toml");
        std::fs::write(&path, "[server]\nlogins_per_minute = 0\n").unwrap();
        let error = Config::from_file(&path).unwrap_err().to_string();
        assert!(
            error.contains("gantry.toml")
                && error.contains("server.logins_per_minute must be at least 1"),
            "{error}"
        );
    }
}
