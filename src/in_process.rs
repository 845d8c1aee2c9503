//! The chat model Gantry runs itself (feature `gguf`): when no backend is configured, the
//! `.gguf` file in the models directory answers, so a first chat needs no model server.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use gantry_core::Result;
use gantry_core::llm::ChatModel;

use crate::Config;

/// Which chat model answers, as `gantry serve` says at start.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ChatModelInUse {
    /// The program's own ([`GantryBuilder::chat_model`](crate::GantryBuilder::chat_model)).
    Custom,
    /// The configured model backends (and any an admin adds).
    Backends,
    /// The in-process model, until an admin adds a backend.
    InProcess {
        /// The id clients ask for.
        id: String,
        /// The model file.
        path: PathBuf,
        /// From opening the file to the model being ready to answer.
        ready_in: Duration,
    },
    /// None: chat turns are refused, for this reason.
    None {
        /// Why there is no model.
        reason: String,
    },
}

impl Default for ChatModelInUse {
    fn default() -> Self {
        Self::None {
            reason: "Gantry was opened for its store alone".to_owned(),
        }
    }
}

impl std::fmt::Display for ChatModelInUse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Custom => f.write_str("the program's own"),
            Self::Backends => f.write_str("the configured model backends"),
            Self::InProcess { id, path, ready_in } => write!(
                f,
                "{id} in process ({}, ready in {:.2} s); a backend added by an admin takes over",
                path.display(),
                ready_in.as_secs_f64()
            ),
            Self::None { reason } => write!(f, "none: {reason}"),
        }
    }
}

/// Loads the in-process chat model the settings point at, if any; says why not otherwise.
/// A model file that is there but cannot be loaded is an error naming it.
pub(crate) async fn load(config: &Config) -> Result<(Option<Arc<dyn ChatModel>>, ChatModelInUse)> {
    let choice = config.in_process_chat_model();
    let Some(path) = choice.path().map(ToOwned::to_owned) else {
        let reason = format!(
            "no backend is configured (GANTRY_LLM_URL), and the in-process model is {choice}"
        );
        return Ok((None, ChatModelInUse::None { reason }));
    };
    load_file(config, path).await
}

#[cfg(feature = "gguf")]
async fn load_file(
    config: &Config,
    path: PathBuf,
) -> Result<(Option<Arc<dyn ChatModel>>, ChatModelInUse)> {
    use gantry_llm::gguf::{GgufChatModel, GgufOptions};

    let options = GgufOptions {
        context_length: config
            .chat
            .context_length
            .map_or(4096, |n| u32::try_from(n).unwrap_or(u32::MAX)),
        ..GgufOptions::default()
    };
    let started = std::time::Instant::now();
    let file = path.clone();
    let model = tokio::task::spawn_blocking(move || GgufChatModel::load(file, options))
        .await
        .map_err(|e| gantry_core::Error::internal_from("loading the chat model", e))??;
    let in_use = ChatModelInUse::InProcess {
        id: model.id().to_owned(),
        path,
        ready_in: started.elapsed(),
    };
    tracing::info!(model = %in_use, "in-process chat model ready");
    Ok((Some(Arc::new(model)), in_use))
}

#[cfg(not(feature = "gguf"))]
async fn load_file(
    _config: &Config,
    path: PathBuf,
) -> Result<(Option<Arc<dyn ChatModel>>, ChatModelInUse)> {
    let reason = format!(
        "no backend is configured (GANTRY_LLM_URL), and this build cannot run {} in process (it lacks the `gguf` feature)",
        path.display()
    );
    Ok((None, ChatModelInUse::None { reason }))
}
