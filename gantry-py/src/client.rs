//! `Gantry` and `AsyncGantry` (an open installation) and their `users` (accounts, with
//! the rights of the program that holds the installation).

use std::path::PathBuf;

use gantry::model::Role;
use gantry::store::PageRequest;
use gantry::{NewAccount, UserId};
use pyo3::prelude::*;

use crate::config::{self, Settings};
use crate::errors::Fail;
use crate::flavours::flavours;
use crate::handle::{Handle, Scoped};
use crate::scope::{AsyncUserScope, UserScope};
use crate::types::{Id, IndexStatus, Model, Session, User};

/// An open Gantry: the store, the model backends, the embedder and the indexes in one
/// data directory. Open it with ``Gantry.open``; close it with ``close()`` or a ``with``
/// block (closing saves the indexes; a Gantry dropped unclosed loses nothing saved).
/// Everything on a user's data goes through a ``UserScope``: ``for_user(user)`` or
/// ``authenticate(token)``; accounts through ``users``.
///
/// >>> import gantry, tempfile
/// >>> with gantry.Gantry.open(tempfile.mkdtemp()) as g:
/// ...     ada = g.users.create("ada@example.com", "Ada", "a long passphrase")
/// ...     me = g.for_user(ada)
/// ...     me.conversations.create("Hello").title
/// 'Hello'
#[pyclass(frozen, module = "gantry")]
#[derive(Debug)]
pub(crate) struct Gantry {
    inner: Handle,
}

/// The asyncio flavour of ``Gantry``: the same methods, each returning an awaitable.
/// ``g = await AsyncGantry.open(path, ...)``; ``async with`` closes it.
///
/// >>> import asyncio, gantry, tempfile
/// >>> async def main():
/// ...     async with await gantry.AsyncGantry.open(tempfile.mkdtemp()) as g:
/// ...         ada = await g.users.create("ada@example.com", "Ada", "a long passphrase")
/// ...         chat = await g.for_user(ada).conversations.create("Hello")
/// ...         return chat.title
/// >>> asyncio.run(main())
/// 'Hello'
#[pyclass(frozen, module = "gantry")]
#[derive(Debug)]
pub(crate) struct AsyncGantry {
    inner: Handle,
}

/// Accounts, with the rights of the program holding the installation (no admin account
/// needed): ``g.users``.
#[pyclass(frozen, module = "gantry")]
#[derive(Debug)]
pub(crate) struct Users {
    inner: Handle,
}

/// The asyncio flavour of ``Users``: ``g.users`` of an ``AsyncGantry``.
#[pyclass(frozen, module = "gantry")]
#[derive(Debug)]
pub(crate) struct AsyncUsers {
    inner: Handle,
}

/// `Gantry.open`'s and `AsyncGantry.open`'s arguments as a configuration.
#[allow(clippy::too_many_arguments)]
fn configure(
    py: Python<'_>,
    path: Option<PathBuf>,
    backends: Option<&Bound<'_, PyAny>>,
    embedder: Option<&Bound<'_, PyAny>>,
    config_file: Option<PathBuf>,
    database_url: Option<String>,
    extraction: Option<String>,
    signup: Option<String>,
    context_length: Option<usize>,
    answer_tokens: Option<usize>,
    max_context_tokens: Option<usize>,
    retrieval_k: Option<usize>,
    title_with_model: Option<bool>,
    extract_program: Option<PathBuf>,
) -> PyResult<gantry::Config> {
    config::build(
        py,
        Settings {
            path,
            config_file,
            database_url,
            extraction,
            signup,
            context_length,
            answer_tokens,
            max_context_tokens,
            retrieval_k,
            title_with_model,
            extract_program,
        },
        backends,
        embedder,
    )
}

async fn open_gantry(config: gantry::Config, store_only: bool) -> Result<gantry::Gantry, Fail> {
    let builder = gantry::Gantry::builder(config);
    let builder = if store_only {
        builder.store_only()
    } else {
        builder
    };
    Ok(builder.open().await?)
}

async fn from_env(file: Option<PathBuf>, store_only: bool) -> Result<gantry::Gantry, Fail> {
    let config = gantry::Config::load(file.as_deref())?;
    open_gantry(config, store_only).await
}

fn repr(class: &str, handle: &Handle) -> String {
    let Ok(gantry) = handle.get() else {
        return format!("{class}(closed)");
    };
    let embedder = match gantry.embedder_id() {
        Some(id) => format!("'{id}'"),
        None => "None".to_owned(),
    };
    format!(
        "{class}(data_dir='{}', database='{}', chat_model={}, embedder={embedder})",
        gantry.config().data_dir.display(),
        gantry.engine().database(),
        if gantry.has_chat_model() {
            "True"
        } else {
            "False"
        },
    )
}

/// The open Gantry, or the `Unavailable` a closed one raises.
fn open_now(py: Python<'_>, handle: &Handle) -> PyResult<gantry::Gantry> {
    handle.get().map_err(|fail| fail.into_py(py))
}

/// The scope of `user` on `handle` (refused once it is closed, or for a malformed id).
fn scoped_for(py: Python<'_>, handle: &Handle, user: &Id) -> PyResult<Scoped> {
    open_now(py, handle)?;
    let id = user
        .parse::<UserId>()
        .map_err(|e| crate::errors::to_python(py, e))?;
    Ok(Scoped::new(handle.clone(), id))
}

/// The scope of whoever presents `token`.
async fn authenticated(handle: Handle, token: String) -> Result<Scoped, Fail> {
    let caller = handle.get()?.authenticate(&token).await?;
    Ok(Scoped::new(handle, caller.user.id))
}

/// The account `id`, as the program holding the installation sees it.
async fn user_by_id(gantry: &gantry::Gantry, user: &Id) -> Result<User, Fail> {
    Ok(gantry
        .operator()
        .user(user.parse::<UserId>()?)
        .await?
        .into())
}

flavours! {
    Gantry, AsyncGantry, Handle;

    /// Waits for answers in progress and the work after turns, stops the background
    /// indexer, saves the indexes and lets everything go: the data directory can be
    /// opened again at once, and every later call on this Gantry (or the scopes it
    /// gave) raises ``Unavailable``. Closing again does nothing.
    fn close(this) -> () {
        this.close().await
    }

    /// Waits for the work after turns and indexes everything saved so far: what has
    /// been said and read is searchable when this returns. (It also waits for streams
    /// in progress, so do not call it while holding an unfinished stream.)
    fn flush(this) -> () {
        Ok(this.get()?.flush().await?)
    }

    /// How far each index has applied the store's changes.
    fn index_status(this) -> IndexStatus {
        Ok(this.get()?.index_status().await?.into())
    }

    /// The models the chat backends offer; empty without a backend.
    fn models(this) -> Vec<Model> {
        Ok(this
            .get()?
            .models()
            .await?
            .into_iter()
            .map(|m| Model { id: m.id, backend: m.backend })
            .collect())
    }

    /// Embeds ``texts`` (1 to 256 of them) with the embedder retrieval uses, one vector
    /// per text; ``Unavailable`` without an embedder.
    fn embed(this, texts: Vec<String>) -> Vec<Vec<f32>> {
        Ok(this.get()?.embed(&texts).await?)
    }

    /// Signs in with an email and password: a ``Session`` whose ``token``
    /// ``authenticate`` takes. A wrong password, an unknown email and a disabled
    /// account all raise ``Unauthenticated``.
    fn sign_in(this, email: String, password: String) -> Session {
        Ok(this.get()?.sign_in(&email, &password).await?.into())
    }

    /// Ends the session of ``token``.
    fn sign_out(this, token: String) -> () {
        Ok(this.get()?.sign_out(&token).await?)
    }

    sync {
        /// Opens (creating and migrating where needed) Gantry in the data directory
        /// ``path``: SQLite and the indexes live there unless ``database_url`` names a
        /// ``sqlite://`` or ``postgres://`` database. ``backends`` are the
        /// OpenAI-compatible model servers (URLs, dicts with ``url``, ``name``,
        /// ``api_key``, ``kind``, ``model``, or ``Backend``s); ``embedder`` is a MiniLM
        /// model directory (a path or ``MiniLM``) or an ``HttpEmbedder`` (without one,
        /// retrieval is by keywords alone). ``config_file`` is a TOML file of every
        /// other setting (see gantry's ``Config``), which the arguments override.
        /// ``store_only`` opens the store alone (no model, no index: accounts and
        /// conversations work, chat and search do not).
        ///
        /// >>> import gantry, tempfile
        /// >>> g = gantry.Gantry.open(tempfile.mkdtemp(), backends=["http://127.0.0.1:9/v1"])
        /// >>> g.has_chat_model
        /// True
        /// >>> g.close()
        #[staticmethod]
        #[pyo3(signature = (
            path=None, *, backends=None, embedder=None, config_file=None, database_url=None,
            extraction=None, signup=None, context_length=None, answer_tokens=None,
            max_context_tokens=None, retrieval_k=None, title_with_model=None,
            extract_program=None, store_only=false
        ))]
        #[allow(clippy::too_many_arguments)]
        fn open(
            py: Python<'_>,
            path: Option<PathBuf>,
            backends: Option<&Bound<'_, PyAny>>,
            embedder: Option<&Bound<'_, PyAny>>,
            config_file: Option<PathBuf>,
            database_url: Option<String>,
            extraction: Option<String>,
            signup: Option<String>,
            context_length: Option<usize>,
            answer_tokens: Option<usize>,
            max_context_tokens: Option<usize>,
            retrieval_k: Option<usize>,
            title_with_model: Option<bool>,
            extract_program: Option<PathBuf>,
            store_only: bool,
        ) -> PyResult<Self> {
            let config = configure(
                py, path, backends, embedder, config_file, database_url, extraction, signup,
                context_length, answer_tokens, max_context_tokens, retrieval_k,
                title_with_model, extract_program,
            )?;
            let inner = crate::runtime::wait(py, open_gantry(config, store_only))?;
            Ok(Self { inner: Handle::new(inner) })
        }

        /// Opens Gantry as the ``gantry`` command does: the settings of ``config_file``
        /// (if given), then the ``GANTRY_*`` environment variables over them
        /// (``GANTRY_DATA_DIR``, ``GANTRY_LLM_URL``, ``GANTRY_MINILM_DIR``...).
        #[staticmethod]
        #[pyo3(signature = (config_file=None, *, store_only=false))]
        fn from_env(
            py: Python<'_>,
            config_file: Option<PathBuf>,
            store_only: bool,
        ) -> PyResult<Self> {
            let inner = crate::runtime::wait(py, from_env(config_file, store_only))?;
            Ok(Self { inner: Handle::new(inner) })
        }

        /// Acts as the account ``user`` (a ``User`` or its id), which the program vouches
        /// for: everything of theirs and nothing of anyone else's.
        fn for_user(&self, py: Python<'_>, user: Id) -> PyResult<UserScope> {
            Ok(UserScope::new(scoped_for(py, &self.inner, &user)?))
        }

        /// Acts as whoever presents ``token`` (a session token from ``sign_in`` or an API
        /// key); ``Unauthenticated`` when it is not valid.
        fn authenticate(&self, py: Python<'_>, token: String) -> PyResult<UserScope> {
            let scoped = crate::runtime::wait(py, authenticated(self.inner.clone(), token))?;
            Ok(UserScope::new(scoped))
        }

        /// Accounts: ``create``, ``register``, ``get``, ``find``, ``list``, ``delete``.
        #[getter]
        fn users(&self) -> Users {
            Users {
                inner: self.inner.clone(),
            }
        }

        /// Whether a chat model is configured (chat is refused without one).
        #[getter]
        fn has_chat_model(&self, py: Python<'_>) -> PyResult<bool> {
            Ok(open_now(py, &self.inner)?.has_chat_model())
        }

        /// The embedder's model id; ``None`` when retrieval is by keywords alone.
        #[getter]
        fn embedder_id(&self, py: Python<'_>) -> PyResult<Option<String>> {
            Ok(open_now(py, &self.inner)?.embedder_id().map(str::to_owned))
        }

        /// ``"sqlite"`` or ``"postgres"``.
        #[getter]
        fn database(&self, py: Python<'_>) -> PyResult<&'static str> {
            Ok(open_now(py, &self.inner)?.engine().database())
        }

        /// Whether ``close()`` has run (then every call raises ``Unavailable``).
        #[getter]
        fn closed(&self) -> bool {
            self.inner.is_closed()
        }

        fn __enter__(slf: Py<Self>) -> Py<Self> {
            slf
        }

        #[pyo3(signature = (*_exc))]
        fn __exit__(
            &self,
            py: Python<'_>,
            _exc: &Bound<'_, pyo3::types::PyTuple>,
        ) -> PyResult<()> {
            let handle = self.inner.clone();
            crate::runtime::wait(py, async move { handle.close().await })
        }

        fn __repr__(&self) -> String {
            repr("Gantry", &self.inner)
        }
    }

    async {
        /// Opens Gantry (see ``Gantry.open``); an awaitable of the ``AsyncGantry``.
        #[staticmethod]
        #[pyo3(signature = (
            path=None, *, backends=None, embedder=None, config_file=None, database_url=None,
            extraction=None, signup=None, context_length=None, answer_tokens=None,
            max_context_tokens=None, retrieval_k=None, title_with_model=None,
            extract_program=None, store_only=false
        ))]
        #[allow(clippy::too_many_arguments)]
        fn open<'py>(
            py: Python<'py>,
            path: Option<PathBuf>,
            backends: Option<&Bound<'_, PyAny>>,
            embedder: Option<&Bound<'_, PyAny>>,
            config_file: Option<PathBuf>,
            database_url: Option<String>,
            extraction: Option<String>,
            signup: Option<String>,
            context_length: Option<usize>,
            answer_tokens: Option<usize>,
            max_context_tokens: Option<usize>,
            retrieval_k: Option<usize>,
            title_with_model: Option<bool>,
            extract_program: Option<PathBuf>,
            store_only: bool,
        ) -> PyResult<Bound<'py, PyAny>> {
            let config = configure(
                py, path, backends, embedder, config_file, database_url, extraction, signup,
                context_length, answer_tokens, max_context_tokens, retrieval_k,
                title_with_model, extract_program,
            )?;
            crate::runtime::spawn(py, async move {
                Ok(AsyncGantry { inner: Handle::new(open_gantry(config, store_only).await?) })
            })
        }

        /// Opens Gantry from ``config_file`` and the environment (see
        /// ``Gantry.from_env``); an awaitable of the ``AsyncGantry``.
        #[staticmethod]
        #[pyo3(signature = (config_file=None, *, store_only=false))]
        fn from_env<'py>(
            py: Python<'py>,
            config_file: Option<PathBuf>,
            store_only: bool,
        ) -> PyResult<Bound<'py, PyAny>> {
            crate::runtime::spawn(py, async move {
                Ok(AsyncGantry { inner: Handle::new(from_env(config_file, store_only).await?) })
            })
        }

        /// Acts as the account ``user`` (see ``Gantry.for_user``); no awaiting needed.
        fn for_user(&self, py: Python<'_>, user: Id) -> PyResult<AsyncUserScope> {
            Ok(AsyncUserScope::new(scoped_for(py, &self.inner, &user)?))
        }

        /// Acts as whoever presents ``token``; an awaitable of the ``AsyncUserScope``.
        fn authenticate<'py>(&self, py: Python<'py>, token: String) -> PyResult<Bound<'py, PyAny>> {
            let handle = self.inner.clone();
            crate::runtime::spawn(py, async move {
                Ok(AsyncUserScope::new(authenticated(handle, token).await?))
            })
        }

        /// Accounts (see ``Gantry.users``).
        #[getter]
        fn users(&self) -> AsyncUsers {
            AsyncUsers {
                inner: self.inner.clone(),
            }
        }

        /// Whether a chat model is configured.
        #[getter]
        fn has_chat_model(&self, py: Python<'_>) -> PyResult<bool> {
            Ok(open_now(py, &self.inner)?.has_chat_model())
        }

        /// The embedder's model id; ``None`` when retrieval is by keywords alone.
        #[getter]
        fn embedder_id(&self, py: Python<'_>) -> PyResult<Option<String>> {
            Ok(open_now(py, &self.inner)?.embedder_id().map(str::to_owned))
        }

        /// ``"sqlite"`` or ``"postgres"``.
        #[getter]
        fn database(&self, py: Python<'_>) -> PyResult<&'static str> {
            Ok(open_now(py, &self.inner)?.engine().database())
        }

        /// Whether ``close()`` has run (then every call raises ``Unavailable``).
        #[getter]
        fn closed(&self) -> bool {
            self.inner.is_closed()
        }

        fn __aenter__<'py>(slf: Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
            let py = slf.py();
            let this = slf.unbind();
            crate::runtime::spawn(py, async move { Ok(this) })
        }

        #[pyo3(signature = (*_exc))]
        fn __aexit__<'py>(
            &self,
            py: Python<'py>,
            _exc: &Bound<'_, pyo3::types::PyTuple>,
        ) -> PyResult<Bound<'py, PyAny>> {
            let handle = self.inner.clone();
            crate::runtime::spawn(py, async move { handle.close().await })
        }

        fn __repr__(&self) -> String {
            repr("AsyncGantry", &self.inner)
        }
    }
}

flavours! {
    Users, AsyncUsers, Handle;

    /// Creates an account whatever the sign-up policy (``admin=True`` for an admin).
    ///
    /// >>> import gantry, tempfile
    /// >>> g = gantry.Gantry.open(tempfile.mkdtemp())
    /// >>> g.users.create("ada@example.com", "Ada", "a long passphrase")
    /// User(id='...', email='ada@example.com', display_name='Ada', role='user')
    /// >>> g.users.create("ada@example.com", "Ada again", "a long passphrase")
    /// Traceback (most recent call last):
    /// ...
    /// gantry.Conflict: conflict: ...
    #[pyo3(signature = (email, display_name, password, *, admin=false))]
    fn create(this, email: String, display_name: String, password: String, admin: bool) -> User {
        let role = if admin { Role::Admin } else { Role::User };
        let account = NewAccount::new(email, display_name, password);
        Ok(this.get()?.operator().create_user(account, role).await?.into())
    }

    /// Signs someone up as the sign-up policy allows (``signup=`` when opening:
    /// ``"closed"`` by default): the installation's first account is its admin;
    /// after that ``Forbidden`` unless sign-up is ``"open"``.
    fn register(this, email: String, display_name: String, password: String) -> User {
        let account = NewAccount::new(email, display_name, password);
        Ok(this.get()?.register(account).await?.into())
    }

    /// One account, by id (or a ``User``); ``NotFound`` when there is none.
    fn get(this, user: Id) -> User {
        user_by_id(&this.get()?, &user).await
    }

    /// The account with this email (in any case), or ``None``.
    fn find(this, email: String) -> Option<User> {
        Ok(this.get()?.operator().find_user(&email).await?.map(User::from))
    }

    /// Accounts in order of creation, at most ``limit`` of them (all by default).
    #[pyo3(signature = (*, limit=None))]
    fn list(this, limit: Option<usize>) -> Vec<User> {
        let admin = this.get()?.operator();
        let mut users = Vec::new();
        let mut request = PageRequest::first(gantry::validate::MAX_PAGE);
        loop {
            let page = admin.users(request).await?;
            users.extend(page.items.into_iter().map(User::from));
            if limit.is_some_and(|limit| users.len() >= limit) {
                users.truncate(limit.unwrap_or(usize::MAX));
                break;
            }
            match page.next {
                Some(cursor) => request = PageRequest::after(gantry::validate::MAX_PAGE, cursor),
                None => break,
            }
        }
        Ok(users)
    }

    /// Deletes an account and everything it owns.
    fn delete(this, user: Id) -> () {
        Ok(this.get()?.operator().delete_user(user.parse::<UserId>()?).await?)
    }

    sync {
        fn __repr__(&self) -> &'static str {
            "Users()"
        }
    }

    async {
        fn __repr__(&self) -> &'static str {
            "AsyncUsers()"
        }
    }
}
