//! Model backends an admin manages while Gantry runs: list them with their health, test a
//! connection, add and remove backends, choose the default model, load and unload models
//! where the backend switches them (TabbyAPI). Added backends and the default model are
//! kept in the store, so they outlive a restart and reach every server sharing it (a
//! `SettingsChanged` signal makes each read them again); the configured backends (file or
//! environment) stay as configured and cannot be removed here.

use std::sync::Arc;
use std::time::{Duration, Instant};

use gantry_core::engine::{AdminScope, Engine};
use gantry_core::store::{Signal, Store};
use gantry_core::{Error, Result, validate};
use gantry_llm::{
    BackendConfig, BackendKind, Backends, ChatModel, LiveBackends, LoadedModel, OpenAiBackend,
};
use serde::Serialize;

use crate::Gantry;
use crate::config::Config;

/// The setting that holds the default model an admin chose.
const DEFAULT_MODEL: &str = "default_model";
/// How long a health probe may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// Where a backend comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendSource {
    /// The configuration file or the environment: changed there, not removable here.
    Config,
    /// Added by an admin while Gantry ran: kept in the store, removable.
    Admin,
}

/// A backend as an admin sees it; its API key is never shown, only whether it has one.
#[derive(Clone, Debug, Serialize)]
pub struct BackendView {
    /// Its name.
    pub name: String,
    /// Its OpenAI-compatible base URL.
    pub base_url: String,
    /// Which server software it runs.
    pub kind: BackendKind,
    /// The model it answers with when a request names none.
    pub default_model: Option<String>,
    /// Whether requests carry an API key.
    pub has_api_key: bool,
    /// Where it was configured.
    pub source: BackendSource,
}

/// What a probe of a backend found.
#[derive(Clone, Debug, Serialize)]
pub struct BackendHealth {
    /// Whether it listed its models in time.
    pub ok: bool,
    /// The models it offers.
    pub models: Vec<String>,
    /// The model it has loaded, for backends that switch models (TabbyAPI).
    pub loaded: Option<String>,
    /// Why it did not answer.
    pub error: Option<String>,
    /// How long the probe took, in milliseconds.
    pub latency_ms: u64,
}

/// Probes `backend`: its models (and the loaded one, where models are switched).
async fn probe(backend: &OpenAiBackend) -> BackendHealth {
    let started = Instant::now();
    let listed = tokio::time::timeout(PROBE_TIMEOUT, backend.list_models()).await;
    let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let failed = |error: String| BackendHealth {
        ok: false,
        models: Vec::new(),
        loaded: None,
        error: Some(error),
        latency_ms,
    };
    match listed {
        Err(_) => failed(format!("no answer within {} s", PROBE_TIMEOUT.as_secs())),
        Ok(Err(error)) => failed(error.to_string()),
        Ok(Ok(models)) => {
            let loaded = if backend.config().kind.switches_models() {
                match tokio::time::timeout(PROBE_TIMEOUT, backend.loaded_model()).await {
                    Ok(Ok(LoadedModel::Loaded(model))) => Some(model),
                    _ => None,
                }
            } else {
                None
            };
            BackendHealth {
                ok: true,
                models: models.into_iter().map(|m| m.id).collect(),
                loaded,
                error: None,
                latency_ms,
            }
        }
    }
}

fn view(config: &BackendConfig, source: BackendSource) -> BackendView {
    BackendView {
        name: config.name.clone(),
        base_url: config.base_url.clone(),
        kind: config.kind,
        default_model: config.default_model.clone(),
        has_api_key: config.api_key.is_some(),
        source,
    }
}

/// The backends to use: the configured ones, then those admins added (a stored one named
/// like a configured one, or that no longer reads, is skipped with a warning).
pub(crate) async fn stored_backends(
    config: &Config,
    store: &dyn Store,
) -> Result<Vec<BackendConfig>> {
    let mut added = Vec::new();
    for (name, json) in store.list_backends().await? {
        if config.backends.iter().any(|b| b.name == name) {
            tracing::warn!(backend = %name, "an added backend has a configured backend's name; the configured one is used");
            continue;
        }
        match serde_json::from_str::<BackendConfig>(&json) {
            Ok(backend) => added.push(backend),
            Err(error) => {
                tracing::warn!(backend = %name, %error, "skipping an added backend whose settings do not read")
            }
        }
    }
    Ok(added)
}

/// The configured and added backends as one [`Backends`], or `None` when there are none.
pub(crate) async fn backends_from(config: &Config, store: &dyn Store) -> Result<Option<Backends>> {
    let mut all = config.backends.clone();
    all.extend(stored_backends(config, store).await?);
    if all.is_empty() {
        Ok(None)
    } else {
        Backends::new(all).map(Some)
    }
}

/// What reads the stored settings again when an admin changes them.
#[derive(Clone)]
pub(crate) struct Reload {
    pub(crate) config: Config,
    pub(crate) store: Arc<dyn Store>,
    pub(crate) engine: Engine,
    pub(crate) live: Option<Arc<LiveBackends>>,
}

impl Reload {
    /// Uses the stored backends and default model; trouble is logged and the current
    /// ones kept.
    pub(crate) async fn run(&self) {
        if let Some(live) = &self.live {
            match backends_from(&self.config, &*self.store).await {
                Ok(backends) => live.replace(backends),
                Err(error) => tracing::warn!(%error, "could not read the model backends again"),
            }
        }
        if let Err(error) = self.default_model().await {
            tracing::warn!(%error, "could not read the default model again");
        }
    }

    /// The default model: the one an admin chose, else the configured one.
    pub(crate) async fn default_model(&self) -> Result<()> {
        let chosen = self.store.setting(DEFAULT_MODEL).await?;
        self.engine
            .set_default_model(chosen.or_else(|| self.config.engine_settings().default_model));
        Ok(())
    }
}

impl Gantry {
    fn live(&self) -> Result<&Arc<LiveBackends>> {
        self.live_backends().ok_or_else(|| {
            Error::conflict(
                "this Gantry chats through a model of the program's own; it has no backends to manage",
            )
        })
    }

    /// Every backend with its health, probed at once (each within 3 s). Admins only:
    /// `admin` is the proof.
    pub async fn model_backends(
        &self,
        _admin: &AdminScope,
    ) -> Result<Vec<(BackendView, BackendHealth)>> {
        let Some(backends) = self.live()?.current() else {
            return Ok(Vec::new());
        };
        let configured = &self.config().backends;
        let probes = backends.all().iter().map(|backend| async move {
            let source = if configured.iter().any(|c| c.name == backend.name()) {
                BackendSource::Config
            } else {
                BackendSource::Admin
            };
            (view(backend.config(), source), probe(backend).await)
        });
        Ok(futures::future::join_all(probes).await)
    }

    /// Tries a backend without keeping it: whether it answers and what it offers.
    pub async fn test_backend(
        &self,
        _admin: &AdminScope,
        backend: BackendConfig,
    ) -> Result<BackendHealth> {
        let backend = OpenAiBackend::new(backend)?;
        Ok(probe(&backend).await)
    }

    /// Adds a backend: checked (a name no backend has, an http(s) URL), kept in the store,
    /// in use from the next request here and, through the store, on every server sharing
    /// it. It is not required to answer now (a model server may start later).
    pub async fn add_backend(
        &self,
        admin: &AdminScope,
        backend: BackendConfig,
    ) -> Result<BackendView> {
        let live = self.live()?;
        validate::required("name", backend.name.trim(), validate::MAX_LABEL_BYTES)?;
        validate::optional(
            "default_model",
            backend.default_model.as_deref(),
            validate::MAX_MODEL_BYTES,
        )?;
        OpenAiBackend::new(backend.clone())?;
        let taken = live
            .current()
            .is_some_and(|current| current.get(&backend.name).is_some());
        if taken {
            return Err(Error::conflict(format!(
                "a model backend named `{}` already exists",
                backend.name
            )));
        }
        let json = serde_json::to_string(&backend)
            .map_err(|e| Error::internal_from("encoding a backend's settings", e))?;
        self.store().add_backend(&backend.name, &json).await?;
        self.settings_changed().await;
        admin
            .record(
                "backend.add",
                backend.name.clone(),
                format!("{} at {}", backend.kind.label(), backend.base_url),
            )
            .await;
        Ok(view(&backend, BackendSource::Admin))
    }

    /// Removes a backend an admin added (a configured one: `Conflict`, change the
    /// configuration). Answers already streaming from it finish.
    pub async fn remove_backend(&self, admin: &AdminScope, name: &str) -> Result<()> {
        self.live()?;
        if self.config().backends.iter().any(|b| b.name == name) {
            return Err(Error::conflict(format!(
                "`{name}` is configured in the file or the environment; remove it there"
            )));
        }
        self.store().remove_backend(name).await?;
        self.settings_changed().await;
        admin
            .record("backend.remove", name.to_owned(), String::new())
            .await;
        Ok(())
    }

    /// Makes `model` the one that answers when nothing names one (`None`: back to the
    /// configured default), here and on every server sharing the store.
    pub async fn set_default_model(&self, admin: &AdminScope, model: Option<String>) -> Result<()> {
        validate::optional("model", model.as_deref(), validate::MAX_MODEL_BYTES)?;
        let model = model.filter(|m| !m.trim().is_empty());
        self.store()
            .set_setting(DEFAULT_MODEL, model.as_deref())
            .await?;
        self.settings_changed().await;
        admin
            .record(
                "model.default",
                model
                    .clone()
                    .unwrap_or_else(|| "(the configured default)".into()),
                String::new(),
            )
            .await;
        Ok(())
    }

    /// Loads `model` on the backend `name` (or, with `None`, unloads what it has), where
    /// the backend switches models (TabbyAPI); others answer that they load on demand.
    pub async fn switch_model(
        &self,
        admin: &AdminScope,
        name: &str,
        model: Option<&str>,
    ) -> Result<LoadedModel> {
        validate::optional("model", model, validate::MAX_MODEL_BYTES)?;
        let backends = self
            .live()?
            .current()
            .ok_or_else(|| Error::not_found(format!("model backend `{name}`")))?;
        let backend = backends
            .get(name)
            .ok_or_else(|| Error::not_found(format!("model backend `{name}`")))?;
        let loaded = match model {
            Some(model) => backend.load_model(model).await?,
            None => backend.unload_model().await?,
        };
        let (action, what) = match model {
            Some(model) => ("model.load", model.to_owned()),
            None => ("model.unload", String::new()),
        };
        admin.record(action, name.to_owned(), what).await;
        Ok(loaded)
    }

    /// Reads the stored settings again here and tells the other servers to.
    async fn settings_changed(&self) {
        let reload = Reload {
            config: self.config().clone(),
            store: Arc::clone(self.store()),
            engine: self.engine().clone(),
            live: self.live_backends().cloned(),
        };
        reload.run().await;
        if let Err(error) = self.signal(Signal::SettingsChanged).await {
            tracing::warn!(%error, "could not tell the other servers of a settings change");
        }
    }
}
