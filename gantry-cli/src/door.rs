//! Where a command's work goes: the data directory opened here (`Local`), or a running
//! server's API (`Remote`). The index files allow one writer, and a user of a shared
//! server has no files, so a command goes through the server when one holds the data
//! directory (it says so in `<data_dir>/server.json`) or when `--server` is given.

use std::path::Path;
use std::pin::Pin;

use anyhow::{Context, Result, anyhow};
use futures::{Stream, StreamExt};
use gantry::model::{CitedSource, Conversation, Document, Message, NewConversation, Role};
use gantry::store::PageRequest;
use gantry::{ApiKeyId, Config, ConversationId, Gantry, TurnEvent, TurnOptions, UserScope};
use serde::{Deserialize, Serialize};

use crate::remote::Remote;

/// One event of an answer, whichever way it came.
#[derive(Debug)]
pub(crate) enum AnswerEvent {
    /// The numbered sources it was given.
    Context(Vec<CitedSource>),
    /// More of it.
    Token(String),
    /// The saved answer.
    Done(Box<Message>),
}

/// An answer's events; dropping it stops reading (see [`Door::stop`]).
pub(crate) type Events = Pin<Box<dyn Stream<Item = Result<AnswerEvent>> + Send>>;

/// A model, as `gantry models list` shows it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct ModelRow {
    /// The name to ask for.
    pub(crate) id: String,
    /// The backend that serves it.
    pub(crate) backend: String,
    /// Whether it answers when no model is named.
    pub(crate) active: bool,
}

/// What `gantry serve` writes into its data directory while it runs, so that other
/// commands go through it instead of opening the index files it holds.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ServerFile {
    /// Where it listens.
    pub(crate) url: String,
    /// Its process id.
    pub(crate) pid: u32,
}

impl ServerFile {
    pub(crate) fn path(data_dir: &Path) -> std::path::PathBuf {
        data_dir.join("server.json")
    }

    /// The server running on `data_dir`, if its file names a live process.
    pub(crate) fn running(data_dir: &Path) -> Option<Self> {
        let text = std::fs::read_to_string(Self::path(data_dir)).ok()?;
        let file: Self = serde_json::from_str(&text).ok()?;
        Path::new(&format!("/proc/{}", file.pid))
            .exists()
            .then_some(file)
    }
}

/// A data directory opened here, acting as one of its users.
pub(crate) struct Local {
    pub(crate) gantry: Gantry,
    pub(crate) scope: UserScope,
}

pub(crate) enum Door {
    Local(Local),
    Remote(Remote),
}

impl Door {
    /// Opens the way to the data: `--server`, else the server running on the data
    /// directory, else the data directory itself (the whole stack: models, indexes).
    pub(crate) async fn open(
        config: Config,
        server: Option<&str>,
        api_key: Option<&str>,
        user: Option<&str>,
    ) -> Result<Self> {
        if let Some(url) = server {
            let key = api_key.ok_or_else(|| {
                anyhow!("--server needs an API key: pass --api-key or set GANTRY_API_KEY (make one in the web UI's settings)")
            })?;
            return Ok(Self::Remote(Remote::new(url, key.to_owned(), None)?));
        }
        if let Some(running) = ServerFile::running(&config.data_dir) {
            // The store may be opened beside the server; its index files may not. A key
            // made here for the chosen user is used, then revoked.
            let store = open_store_only(config).await?;
            let scope = choose_user(&store, user).await?;
            let made = scope
                .create_api_key(&format!("gantry cli (pid {})", std::process::id()))
                .await?;
            let minted = (store, scope, made.info.id);
            return Ok(Self::Remote(Remote::new(
                &running.url,
                made.key,
                Some(minted),
            )?));
        }
        let location = config.database();
        let gantry = Gantry::open(config)
            .await
            .with_context(|| format!("opening {location}"))?;
        let scope = choose_user(&gantry, user).await?;
        Ok(Self::Local(Local { gantry, scope }))
    }

    /// Where the work goes, for messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Self::Local(local) => {
                format!("the data directory ({})", local.gantry.engine().database())
            }
            Self::Remote(remote) => format!("the server at {}", remote.base()),
        }
    }

    pub(crate) async fn new_conversation(&self) -> Result<Conversation> {
        match self {
            Self::Local(local) => Ok(local
                .scope
                .create_conversation(NewConversation::default())
                .await?),
            Self::Remote(remote) => remote.new_conversation().await,
        }
    }

    pub(crate) async fn conversation(&self, id: &str) -> Result<Conversation> {
        match self {
            Self::Local(local) => Ok(local.scope.conversation(parse_id(id)?).await?),
            Self::Remote(remote) => remote.conversation(id).await,
        }
    }

    /// Starts answering `text` in `conversation`.
    pub(crate) async fn ask(
        &self,
        conversation: ConversationId,
        text: String,
        model: Option<String>,
    ) -> Result<Events> {
        match self {
            Self::Local(local) => {
                let options = TurnOptions {
                    model,
                    ..TurnOptions::default()
                };
                let turn = local.scope.chat(conversation, text, options).await?;
                Ok(Box::pin(turn.map(|event| {
                    event
                        .map(|event| match event {
                            TurnEvent::Context { citations, .. } => AnswerEvent::Context(
                                citations.iter().map(CitedSource::from).collect(),
                            ),
                            TurnEvent::Token(text) => AnswerEvent::Token(text),
                            TurnEvent::Done(message) => AnswerEvent::Done(Box::new(message)),
                        })
                        .map_err(anyhow::Error::from)
                })))
            }
            Self::Remote(remote) => remote.ask(conversation, text, model).await,
        }
    }

    /// Stops the answer being written in `conversation` (a local answer stops when its
    /// events are dropped; a server's goes on unless told).
    pub(crate) async fn stop(&self, conversation: ConversationId) -> Result<()> {
        match self {
            Self::Local(_) => Ok(()),
            Self::Remote(remote) => remote.stop(conversation).await,
        }
    }

    /// The conversation's latest messages, oldest first.
    pub(crate) async fn messages(
        &self,
        conversation: ConversationId,
        limit: u32,
    ) -> Result<Vec<Message>> {
        match self {
            Self::Local(local) => Ok(local
                .scope
                .messages(conversation, PageRequest::first(limit))
                .await?
                .items),
            Self::Remote(remote) => remote.messages(conversation, limit).await,
        }
    }

    /// Switches a conversation to the persona called `name`; returns its name as stored.
    pub(crate) async fn use_persona(
        &self,
        conversation: ConversationId,
        name: &str,
    ) -> Result<String> {
        match self {
            Self::Local(local) => {
                let persona = local
                    .scope
                    .persona_named(name)
                    .await?
                    .ok_or_else(|| anyhow!("no persona called {name:?}"))?;
                let patch = gantry::model::ConversationPatch {
                    persona_id: Some(Some(persona.id)),
                    ..Default::default()
                };
                local.scope.update_conversation(conversation, patch).await?;
                Ok(persona.name)
            }
            Self::Remote(remote) => remote.use_persona(conversation, name).await,
        }
    }

    pub(crate) async fn models(&self) -> Result<Vec<ModelRow>> {
        match self {
            Self::Local(local) => {
                let default = local.gantry.engine().default_model();
                Ok(local
                    .gantry
                    .models()
                    .await?
                    .into_iter()
                    .map(|m| ModelRow {
                        active: default.as_deref() == Some(m.id.as_str()),
                        id: m.id,
                        backend: m.backend,
                    })
                    .collect())
            }
            Self::Remote(remote) => remote.models().await,
        }
    }

    pub(crate) async fn search(&self, query: &str, limit: usize) -> Result<gantry::SearchResults> {
        match self {
            Self::Local(local) => Ok(local.scope.search(query, limit).await?),
            Self::Remote(remote) => remote.search(query, limit).await,
        }
    }

    /// Adds a document and waits until it is read (ready, or failed with the reason).
    pub(crate) async fn add_document(&self, filename: &str, bytes: Vec<u8>) -> Result<Document> {
        let content_type = mime_guess::from_path(filename)
            .first_or_octet_stream()
            .essence_str()
            .to_owned();
        match self {
            Self::Local(local) => Ok(local
                .scope
                .add_document(filename, &content_type, bytes)
                .await?),
            Self::Remote(remote) => remote.add_document(filename, &content_type, bytes).await,
        }
    }

    /// Saves what is open and lets go of it (revoking a key made for a local server).
    pub(crate) async fn close(self) -> Result<()> {
        match self {
            Self::Local(local) => Ok(local.gantry.close().await?),
            Self::Remote(remote) => remote.close().await,
        }
    }
}

/// The store alone: for account commands and beside a running server.
pub(crate) async fn open_store_only(config: Config) -> Result<Gantry> {
    let location = config.database();
    Gantry::builder(config)
        .store_only()
        .open()
        .await
        .with_context(|| format!("opening {location}"))
}

/// The account a command on the data directory acts as: `--as EMAIL`, else the first
/// admin.
pub(crate) async fn choose_user(gantry: &Gantry, email: Option<&str>) -> Result<UserScope> {
    let operator = gantry.operator();
    if let Some(email) = email {
        let user = operator
            .find_user(email)
            .await?
            .ok_or_else(|| anyhow!("--as {email}: no account has this email"))?;
        return Ok(gantry.for_user(user.id));
    }
    let users = crate::admin::all_users(gantry).await?;
    let admin = users
        .iter()
        .find(|u| u.role == Role::Admin && !u.disabled)
        .ok_or_else(|| {
            anyhow!(
                "no account yet: create the first with `gantry users add --email ... --name ...` (or open the web UI)"
            )
        })?;
    Ok(gantry.for_user(admin.id))
}

/// A conversation id from the command line.
pub(crate) fn parse_id(id: &str) -> Result<ConversationId> {
    id.parse::<uuid::Uuid>()
        .map(ConversationId)
        .map_err(|_| anyhow!("{id:?} is not a conversation id (a UUID, as `gantry search` prints)"))
}

/// Keeps the key made for a local server until the command ends.
pub(crate) type Minted = (Gantry, UserScope, ApiKeyId);
