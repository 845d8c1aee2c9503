//! `Gantry.open`'s arguments as a `gantry::Config`: the data directory, the backends
//! (URLs, dicts or `Backend`s), the embedder (a MiniLM directory or `HttpEmbedder`) and
//! the few settings a program most often sets; a TOML file for everything else.

use std::path::PathBuf;

use gantry::{BackendConfig, BackendKind, Config, Extraction, SignupPolicy};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::errors::to_python;

/// An OpenAI-compatible model server. ``url`` is its base URL, usually ending in
/// ``/v1``; ``kind`` is ``"openai"`` (any compatible server, the default),
/// ``"llamacpp"``, ``"ollama"``, ``"vllm"`` or ``"tabbyapi"``; ``model`` is the model
/// used when nothing names one.
///
/// >>> import gantry
/// >>> gantry.Backend("http://127.0.0.1:8080/v1", kind="llamacpp")
/// Backend(url='http://127.0.0.1:8080/v1', name=None, kind='llamacpp', model=None)
#[pyclass(frozen, get_all, eq, module = "gantry")]
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Backend {
    /// The base URL.
    url: String,
    /// A short unique name; ``None`` names it ``default`` (the first) or ``backend-N``.
    name: Option<String>,
    /// Sent as a bearer token, if set.
    api_key: Option<String>,
    /// Which server software it is.
    kind: Option<String>,
    /// The model used when nothing names one.
    model: Option<String>,
    /// Its context window in tokens, for prompt building.
    context_length: Option<u32>,
}

#[pymethods]
impl Backend {
    #[new]
    #[pyo3(signature = (
        url, *, name=None, api_key=None, kind=None, model=None, context_length=None
    ))]
    fn new(
        py: Python<'_>,
        url: String,
        name: Option<String>,
        api_key: Option<String>,
        kind: Option<String>,
        model: Option<String>,
        context_length: Option<u32>,
    ) -> PyResult<Self> {
        if let Some(kind) = &kind {
            backend_kind(kind).map_err(|e| to_python(py, e))?;
        }
        Ok(Self {
            url,
            name,
            api_key,
            kind,
            model,
            context_length,
        })
    }

    fn __repr__(&self) -> String {
        let show = |value: &Option<String>| match value {
            Some(text) => format!("{text:?}").replace('"', "'"),
            None => "None".to_owned(),
        };
        format!(
            "Backend(url={}, name={}, kind={}, model={})",
            show(&Some(self.url.clone())),
            show(&self.name),
            show(&self.kind),
            show(&self.model)
        )
    }
}

/// The local all-MiniLM-L6-v2 model in ``path`` (a directory holding its
/// ``config.json``, ``tokenizer.json`` and ``model.safetensors``): embeddings in
/// process, no server needed. A plain path given as ``embedder=`` means the same.
#[pyclass(frozen, get_all, eq, module = "gantry")]
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct MiniLM {
    /// The model directory.
    path: PathBuf,
}

#[pymethods]
impl MiniLM {
    #[new]
    fn new(path: PathBuf) -> Self {
        Self { path }
    }

    fn __repr__(&self) -> String {
        format!("MiniLM(path={:?})", self.path.display().to_string()).replace('"', "'")
    }
}

/// Embeddings from the first backend's ``/v1/embeddings``, with ``model``.
#[pyclass(frozen, get_all, eq, module = "gantry")]
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct HttpEmbedder {
    /// The embedding model's name on the backend.
    model: String,
}

#[pymethods]
impl HttpEmbedder {
    #[new]
    fn new(model: String) -> Self {
        Self { model }
    }

    fn __repr__(&self) -> String {
        format!("HttpEmbedder(model={:?})", self.model).replace('"', "'")
    }
}

/// The settings `Gantry.open` takes besides the backends and the embedder.
#[derive(Debug, Default)]
pub(crate) struct Settings {
    pub(crate) path: Option<PathBuf>,
    pub(crate) config_file: Option<PathBuf>,
    pub(crate) database_url: Option<String>,
    pub(crate) extraction: Option<String>,
    pub(crate) signup: Option<String>,
    pub(crate) context_length: Option<usize>,
    pub(crate) answer_tokens: Option<usize>,
    pub(crate) max_context_tokens: Option<usize>,
    pub(crate) retrieval_k: Option<usize>,
    pub(crate) title_with_model: Option<bool>,
    pub(crate) extract_program: Option<PathBuf>,
}

/// The configuration `Gantry.open` describes: the file's (if any), then the arguments
/// over it. Checked as a whole before anything is opened.
pub(crate) fn build(
    py: Python<'_>,
    settings: Settings,
    backends: Option<&Bound<'_, PyAny>>,
    embedder: Option<&Bound<'_, PyAny>>,
) -> PyResult<Config> {
    let gantry_error = |e: gantry::Error| to_python(py, e);
    let mut config = match &settings.config_file {
        Some(file) => Config::from_file(file).map_err(gantry_error)?,
        None => Config::default(),
    };
    if let Some(path) = settings.path {
        config.data_dir = path;
    }
    if let Some(url) = settings.database_url {
        config.database_url = Some(url);
    }
    if let Some(backends) = backends
        && !backends.is_none()
    {
        config.backends = backend_list(backends)?;
    }
    if let Some(embedder) = embedder
        && !embedder.is_none()
    {
        set_embedder(&mut config, embedder)?;
    }
    if let Some(mode) = settings.extraction {
        config.extraction = match mode.to_ascii_lowercase().as_str() {
            "off" => Extraction::Off,
            "deterministic" => Extraction::Deterministic,
            "llm" => Extraction::Llm,
            other => {
                return Err(gantry_error(gantry::Error::invalid(
                    "extraction",
                    format!("`{other}` is not one of off, deterministic, llm"),
                )));
            }
        };
    }
    if let Some(policy) = settings.signup {
        config.accounts.signup = match policy.to_ascii_lowercase().as_str() {
            "closed" => SignupPolicy::Closed,
            "open" => SignupPolicy::Open,
            "invite" => SignupPolicy::Invite,
            other => {
                return Err(gantry_error(gantry::Error::invalid(
                    "signup",
                    format!("`{other}` is not one of closed, open, invite"),
                )));
            }
        };
    }
    if let Some(length) = settings.context_length {
        config.chat.context_length = Some(length);
    }
    if let Some(tokens) = settings.answer_tokens {
        config.chat.answer_tokens = tokens;
    }
    if let Some(tokens) = settings.max_context_tokens {
        config.chat.max_context_tokens = tokens;
    }
    if let Some(k) = settings.retrieval_k {
        config.retrieval.k = k;
    }
    if let Some(titles) = settings.title_with_model {
        config.chat.title_with_model = titles;
    }
    if let Some(program) = settings.extract_program {
        config.extract_program = Some(program);
    }
    config.validate().map_err(gantry_error)?;
    Ok(config)
}

/// The backends: a list (or any iterable) of URLs, dicts and `Backend`s; a single one
/// is taken as a list of one.
fn backend_list(backends: &Bound<'_, PyAny>) -> PyResult<Vec<BackendConfig>> {
    let items: Vec<Bound<'_, PyAny>> = if backends.is_instance_of::<PyString>()
        || backends.is_instance_of::<PyDict>()
        || backends.cast::<Backend>().is_ok()
    {
        vec![backends.clone()]
    } else {
        backends
            .try_iter()
            .map_err(|_| {
                PyTypeError::new_err(
                    "backends must be a list of URLs, dicts or gantry.Backend objects",
                )
            })?
            .collect::<PyResult<_>>()?
    };
    items
        .iter()
        .enumerate()
        .map(|(index, item)| one_backend(item, index))
        .collect()
}

fn one_backend(item: &Bound<'_, PyAny>, index: usize) -> PyResult<BackendConfig> {
    let py = item.py();
    let default_name = || match index {
        0 => "default".to_owned(),
        n => format!("backend-{}", n + 1),
    };
    let spec: Backend = if let Ok(url) = item.extract::<String>() {
        Backend {
            url,
            name: None,
            api_key: None,
            kind: None,
            model: None,
            context_length: None,
        }
    } else if let Ok(backend) = item.cast::<Backend>() {
        backend.get().clone()
    } else if let Ok(dict) = item.cast::<PyDict>() {
        let get = |key: &str| -> PyResult<Option<Bound<'_, PyAny>>> {
            Ok(dict.get_item(key)?.filter(|value| !value.is_none()))
        };
        let text = |key: &str| -> PyResult<Option<String>> {
            get(key)?.map(|value| value.extract::<String>()).transpose()
        };
        let known = [
            "url",
            "base_url",
            "name",
            "api_key",
            "kind",
            "model",
            "default_model",
            "context_length",
        ];
        for key in dict.keys() {
            let key: String = key.extract()?;
            if !known.contains(&key.as_str()) {
                return Err(to_python(
                    py,
                    gantry::Error::invalid(
                        "backends",
                        format!("unknown key `{key}`; known: {}", known.join(", ")),
                    ),
                ));
            }
        }
        let url = match text("url")?.or(text("base_url")?) {
            Some(url) => url,
            None => {
                return Err(to_python(
                    py,
                    gantry::Error::invalid("backends", "every backend needs a `url`"),
                ));
            }
        };
        Backend {
            url,
            name: text("name")?,
            api_key: text("api_key")?,
            kind: text("kind")?,
            model: text("model")?.or(text("default_model")?),
            context_length: get("context_length")?.map(|v| v.extract()).transpose()?,
        }
    } else {
        return Err(PyTypeError::new_err(format!(
            "a backend is a URL, a dict or a gantry.Backend, not {}",
            item.get_type().name()?
        )));
    };
    let mut config = BackendConfig::new(spec.name.unwrap_or_else(default_name), spec.url);
    config.api_key = spec.api_key;
    config.default_model = spec.model;
    config.context_length = spec.context_length;
    if let Some(kind) = spec.kind {
        config.kind = backend_kind(&kind).map_err(|e| to_python(py, e))?;
    }
    Ok(config)
}

fn backend_kind(kind: &str) -> gantry::Result<BackendKind> {
    match kind
        .to_ascii_lowercase()
        .replace(['-', '_', '.'], "")
        .as_str()
    {
        "openai" => Ok(BackendKind::OpenAi),
        "llamacpp" => Ok(BackendKind::LlamaCpp),
        "ollama" => Ok(BackendKind::Ollama),
        "vllm" => Ok(BackendKind::Vllm),
        "tabbyapi" => Ok(BackendKind::TabbyApi),
        _ => Err(gantry::Error::invalid(
            "kind",
            format!("`{kind}` is not one of openai, llamacpp, ollama, vllm, tabbyapi"),
        )),
    }
}

/// The embedder: a MiniLM directory (a path or `MiniLM`) or an `HttpEmbedder`.
fn set_embedder(config: &mut Config, embedder: &Bound<'_, PyAny>) -> PyResult<()> {
    if let Ok(http) = embedder.cast::<HttpEmbedder>() {
        config.minilm_dir = None;
        config.embedding_model = Some(http.get().model.clone());
    } else if let Ok(local) = embedder.cast::<MiniLM>() {
        config.minilm_dir = Some(local.get().path.clone());
    } else if let Ok(path) = embedder.extract::<PathBuf>() {
        config.minilm_dir = Some(path);
    } else {
        return Err(PyTypeError::new_err(format!(
            "embedder is a MiniLM model directory (a path or gantry.MiniLM) or a \
             gantry.HttpEmbedder, not {}",
            embedder.get_type().name()?
        )));
    }
    Ok(())
}
