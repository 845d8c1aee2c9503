//! One user's view (`UserScope`, `AsyncUserScope`) and its namespaces: conversations,
//! documents, personas and memory. Every call is scoped to the user: another user's id
//! answers `NotFound`, exactly like a missing one.

use std::path::PathBuf;
use std::time::Duration;

use gantry::model::{DocumentStatus, NewConversation, NewPersona};
use gantry::store::{ConversationFilter, PageRequest};
use gantry::{
    ConversationId, DocumentId, EntityId, ExportFormat, PersonaId, RelationId, TurnOptions,
};
use pyo3::prelude::*;

use crate::errors::Fail;
use crate::flavours::flavours;
use crate::handle::Scoped;
use crate::stream::{AsyncStream, Stream, start};
use crate::types::{
    Bytes, Conversation, Document, Entity, Fact, Forgettable, Id, MemoryView, Message, Passage,
    Persona, SearchResults, User,
};

/// What ``ingest`` reads: ``bytes`` (with a ``filename``) or a path to a file.
#[derive(Debug, FromPyObject)]
pub(crate) enum Source {
    Bytes(Vec<u8>),
    Path(PathBuf),
}

/// The choices of one turn that override the conversation's and persona's.
#[allow(clippy::too_many_arguments)]
pub(crate) fn turn_options(
    model: Option<String>,
    temperature: Option<f32>,
    max_tokens: Option<u32>,
    stop: Option<Vec<String>>,
    seed: Option<u64>,
    instructions: Option<String>,
) -> TurnOptions {
    TurnOptions {
        model,
        temperature,
        max_tokens,
        stop: stop.unwrap_or_default(),
        seed,
        instructions,
        ..TurnOptions::default()
    }
}

/// The longest `ingest` waits for the indexes to take a new document in.
const INDEX_WAIT: Duration = Duration::from_secs(300);

/// Waits until every index has applied the store's changes up to now (a document just
/// read is then searchable), without waiting on anyone's turns as `flush` does.
async fn wait_searchable(gantry: &gantry::Gantry) -> Result<(), Fail> {
    let target = gantry.index_status().await?.store_seq;
    let deadline = tokio::time::Instant::now() + INDEX_WAIT;
    let mut pause = Duration::from_millis(2);
    loop {
        let status = gantry.index_status().await?;
        let caught_up = |applied: Option<i64>| applied.is_none_or(|seq| seq >= target);
        if caught_up(status.keywords) && caught_up(status.vectors) {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            // The document is ready and saved; the indexes go on catching up.
            return Ok(());
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}

/// Reads an upload: the bytes given, or the file at a path (named after it).
async fn upload_of(source: Source, filename: Option<String>) -> Result<(String, Vec<u8>), Fail> {
    match source {
        Source::Bytes(bytes) => match filename {
            Some(name) => Ok((name, bytes)),
            None => Err(gantry::Error::invalid(
                "filename",
                "is needed with bytes (it tells what kind of document they are)",
            )
            .into()),
        },
        Source::Path(path) => {
            let name = match filename {
                Some(name) => name,
                None => path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .ok_or_else(|| gantry::Error::invalid("path", "names no file"))?,
            };
            let shown = path.display().to_string();
            let bytes = tokio::task::spawn_blocking(move || std::fs::read(&path))
                .await
                .map_err(|e| gantry::Error::internal_from("reading an upload", e))?
                .map_err(|e| -> Fail {
                    match e.kind() {
                        std::io::ErrorKind::NotFound => {
                            pyo3::exceptions::PyFileNotFoundError::new_err(format!(
                                "no such file: {shown}"
                            ))
                            .into()
                        }
                        _ => pyo3::exceptions::PyOSError::new_err(format!("{shown}: {e}")).into(),
                    }
                })?;
            Ok((name, bytes))
        }
    }
}

fn export_format(format: &str) -> gantry::Result<ExportFormat> {
    match format.to_ascii_lowercase().as_str() {
        "json" => Ok(ExportFormat::Json),
        "markdown" | "md" => Ok(ExportFormat::Markdown),
        "pdf" => Ok(ExportFormat::Pdf),
        other => Err(gantry::Error::invalid(
            "format",
            format!("`{other}` is not one of json, markdown, pdf"),
        )),
    }
}

/// Everything of one user: ``g.for_user(user)``. Its methods never take a user;
/// another user's ids answer ``NotFound``. Namespaces: ``conversations``,
/// ``documents``, ``personas``, ``memory``.
///
/// >>> import gantry, tempfile
/// >>> g = gantry.Gantry.open(tempfile.mkdtemp())
/// >>> me = g.for_user(g.users.create("ada@example.com", "Ada", "a long passphrase"))
/// >>> doc = me.ingest(b"Maya grows lemons in Porto.", "maya.txt")
/// >>> doc.status
/// 'ready'
/// >>> me.search("lemons").documents[0].document.filename
/// 'maya.txt'
/// >>> me.chat(None, "Where does Maya live?")
/// Traceback (most recent call last):
/// ...
/// gantry.Unavailable: chat model unavailable: no chat model is configured...
#[pyclass(frozen, module = "gantry")]
#[derive(Debug)]
pub(crate) struct UserScope {
    inner: Scoped,
}

/// The asyncio flavour of ``UserScope``: ``g.for_user(user)`` of an ``AsyncGantry``.
#[pyclass(frozen, module = "gantry")]
#[derive(Debug)]
pub(crate) struct AsyncUserScope {
    inner: Scoped,
}

impl UserScope {
    pub(crate) fn new(inner: Scoped) -> Self {
        Self { inner }
    }

    pub(crate) fn scoped(&self) -> &Scoped {
        &self.inner
    }
}

impl AsyncUserScope {
    pub(crate) fn new(inner: Scoped) -> Self {
        Self { inner }
    }
}

flavours! {
    UserScope, AsyncUserScope, Scoped;

    /// The user's account.
    fn me(this) -> User {
        Ok(this.scope()?.me().await?.into())
    }

    /// Asks ``content`` in ``conversation`` (a ``Conversation``, its id, or ``None``
    /// to start a new one) and waits for the whole answer: the saved assistant
    /// ``Message``, with the ``citations`` it was given and its token ``usage``. The
    /// options override the conversation's and persona's for this turn.
    #[pyo3(signature = (
        conversation, content, *, model=None, temperature=None, max_tokens=None, stop=None,
        seed=None, instructions=None
    ))]
    fn chat(
        this,
        conversation: Option<Id>,
        content: String,
        model: Option<String>,
        temperature: Option<f32>,
        max_tokens: Option<u32>,
        stop: Option<Vec<String>>,
        seed: Option<u64>,
        instructions: Option<String>,
    ) -> Message {
        let options = turn_options(model, temperature, max_tokens, stop, seed, instructions);
        let turn = match conversation {
            Some(id) => this.scope()?.chat(id.parse::<ConversationId>()?, content, options).await?,
            None => this.scope()?.chat_new(NewConversation::default(), content, options).await?.1,
        };
        Ok(turn.answer().await?.into())
    }

    /// Adds a document to the user's Knowledge Vault: ``source`` is a path to a file or
    /// ``bytes`` (then ``filename`` is needed: its extension tells the kind). With
    /// ``wait=True`` (the default) it returns once the document is read (``status``
    /// ``"ready"``, or ``"failed"`` with a ``failure_reason``) and searchable; with
    /// ``wait=False`` at once, ``"processing"`` (poll ``documents.get``). Text,
    /// Markdown, CSV, HTML and DOCX are read in process; PDFs by a separate reading
    /// program, ``gantry-extract`` on ``PATH`` or ``extract_program=`` when opening.
    #[pyo3(signature = (source, filename=None, *, content_type=None, wait=true))]
    fn ingest(
        this,
        source: Source,
        filename: Option<String>,
        content_type: Option<String>,
        wait: bool,
    ) -> Document {
        let (name, bytes) = upload_of(source, filename).await?;
        let content_type = content_type.unwrap_or_default();
        if !wait {
            return Ok(this.scope()?.upload_document(&name, &content_type, bytes).await?.into());
        }
        let document = this.scope()?.add_document(&name, &content_type, bytes).await?;
        if document.status == DocumentStatus::Ready {
            wait_searchable(&this.gantry()?).await?;
        }
        Ok(document.into())
    }

    /// Searches the user's conversations and documents: titles and file names by
    /// substring, what was said and written by hybrid retrieval (keywords, and meaning
    /// with an embedder). At most ``limit`` (1 to 50) of each, best first.
    #[pyo3(signature = (query, *, limit=10))]
    fn search(this, query: String, limit: usize) -> SearchResults {
        Ok(this.scope()?.search(&query, limit).await?.into())
    }

    /// The ``k`` (1 to 50) passages of the user's documents that best answer ``query``.
    #[pyo3(signature = (query, *, k=5))]
    fn search_passages(this, query: String, k: usize) -> Vec<Passage> {
        Ok(this
            .scope()?
            .search_passages(&query, &[], k)
            .await?
            .into_iter()
            .map(Passage::from)
            .collect())
    }

    /// One conversation with every message, as a file: ``format`` is ``"json"``
    /// (Gantry's, which ``import_conversation`` reads back), ``"markdown"`` or
    /// ``"pdf"``.
    #[pyo3(
        signature = (conversation, format="json".to_owned()),
        text_signature = "($self, conversation, format='json')"
    )]
    fn export(this, conversation: Id, format: String) -> Bytes {
        let format = export_format(&format)?;
        let id = conversation.parse::<ConversationId>()?;
        Ok(Bytes(this.scope()?.export_conversation(id, format).await?))
    }

    /// Imports a conversation exported as Gantry JSON, under new ids.
    fn import_conversation(this, data: Vec<u8>) -> Conversation {
        Ok(this.scope()?.import_conversation(data).await?.into())
    }

    sync {
        /// Asks ``content`` (see ``chat``) and streams the answer: iterate over the
        /// returned ``Stream`` for a ``ContextEvent``, ``TokenEvent``s, then a
        /// ``DoneEvent`` with the saved answer. Closing the stream early (``close()``,
        /// leaving a ``with`` block) stops the model and saves what arrived as
        /// ``"partial"``.
        #[pyo3(signature = (
            conversation, content, *, model=None, temperature=None, max_tokens=None,
            stop=None, seed=None, instructions=None
        ))]
        #[allow(clippy::too_many_arguments)]
        fn stream(
            &self,
            py: Python<'_>,
            conversation: Option<Id>,
            content: String,
            model: Option<String>,
            temperature: Option<f32>,
            max_tokens: Option<u32>,
            stop: Option<Vec<String>>,
            seed: Option<u64>,
            instructions: Option<String>,
        ) -> PyResult<Stream> {
            let options = turn_options(model, temperature, max_tokens, stop, seed, instructions);
            let starting = start(self.inner.clone(), conversation, content, options);
            let started = crate::runtime::wait(py, starting)?;
            Ok(Stream::new(started))
        }

        /// The user's id.
        #[getter]
        fn id(&self) -> String {
            self.inner.user.to_string()
        }

        /// ``create``, ``list``, ``get``, ``rename``, ``pin``, ``archive``, ``delete``,
        /// ``messages``.
        #[getter]
        fn conversations(&self) -> Conversations {
            Conversations { inner: self.inner.clone() }
        }

        /// ``list``, ``get``, ``delete`` (``ingest`` adds).
        #[getter]
        fn documents(&self) -> Documents {
            Documents { inner: self.inner.clone() }
        }

        /// ``create``, ``list``, ``get``, ``named``, ``update``, ``delete``.
        #[getter]
        fn personas(&self) -> Personas {
            Personas { inner: self.inner.clone() }
        }

        /// ``view``, ``facts``, ``entities``, ``forget``.
        #[getter]
        fn memory(&self) -> Memory {
            Memory { inner: self.inner.clone() }
        }

        fn __repr__(&self) -> String {
            format!("UserScope(id='{}')", self.inner.user)
        }
    }

    async {
        /// Asks ``content`` and streams the answer (see ``UserScope.stream``): an
        /// awaitable of an ``AsyncStream`` to iterate with ``async for``.
        #[pyo3(signature = (
            conversation, content, *, model=None, temperature=None, max_tokens=None,
            stop=None, seed=None, instructions=None
        ))]
        #[allow(clippy::too_many_arguments)]
        fn stream<'py>(
            &self,
            py: Python<'py>,
            conversation: Option<Id>,
            content: String,
            model: Option<String>,
            temperature: Option<f32>,
            max_tokens: Option<u32>,
            stop: Option<Vec<String>>,
            seed: Option<u64>,
            instructions: Option<String>,
        ) -> PyResult<Bound<'py, PyAny>> {
            let options = turn_options(model, temperature, max_tokens, stop, seed, instructions);
            let scoped = self.inner.clone();
            crate::runtime::spawn(py, async move {
                Ok(AsyncStream::new(start(scoped, conversation, content, options).await?))
            })
        }

        /// The user's id.
        #[getter]
        fn id(&self) -> String {
            self.inner.user.to_string()
        }

        /// Conversations (see ``UserScope.conversations``).
        #[getter]
        fn conversations(&self) -> AsyncConversations {
            AsyncConversations { inner: self.inner.clone() }
        }

        /// Documents (see ``UserScope.documents``).
        #[getter]
        fn documents(&self) -> AsyncDocuments {
            AsyncDocuments { inner: self.inner.clone() }
        }

        /// Personas (see ``UserScope.personas``).
        #[getter]
        fn personas(&self) -> AsyncPersonas {
            AsyncPersonas { inner: self.inner.clone() }
        }

        /// Memory (see ``UserScope.memory``).
        #[getter]
        fn memory(&self) -> AsyncMemory {
            AsyncMemory { inner: self.inner.clone() }
        }

        fn __repr__(&self) -> String {
            format!("AsyncUserScope(id='{}')", self.inner.user)
        }
    }
}

/// A user's conversations: ``me.conversations``.
///
/// >>> import gantry, tempfile
/// >>> g = gantry.Gantry.open(tempfile.mkdtemp())
/// >>> me = g.for_user(g.users.create("ada@example.com", "Ada", "a long passphrase"))
/// >>> chat = me.conversations.create("Plans")
/// >>> me.conversations.rename(chat, "Holiday plans").title
/// 'Holiday plans'
/// >>> [c.title for c in me.conversations.list()]
/// ['Holiday plans']
/// >>> me.conversations.delete(chat)
/// >>> me.conversations.get(chat.id)
/// Traceback (most recent call last):
/// ...
/// gantry.NotFound: conversation ... not found
#[pyclass(frozen, module = "gantry")]
#[derive(Debug)]
pub(crate) struct Conversations {
    inner: Scoped,
}

/// The asyncio flavour of ``Conversations``.
#[pyclass(frozen, module = "gantry")]
#[derive(Debug)]
pub(crate) struct AsyncConversations {
    inner: Scoped,
}

async fn list_conversations(
    this: &Scoped,
    archived: bool,
    limit: Option<usize>,
) -> Result<Vec<Conversation>, Fail> {
    let filter = ConversationFilter { archived };
    let mut found = Vec::new();
    let mut request = PageRequest::first(gantry::validate::MAX_PAGE);
    loop {
        let page = this.scope()?.conversations(filter, request).await?;
        found.extend(page.items.into_iter().map(Conversation::from));
        if let Some(limit) = limit
            && found.len() >= limit
        {
            found.truncate(limit);
            return Ok(found);
        }
        match page.next {
            Some(cursor) => request = PageRequest::after(gantry::validate::MAX_PAGE, cursor),
            None => return Ok(found),
        }
    }
}

flavours! {
    Conversations, AsyncConversations, Scoped;

    /// Starts a conversation; an empty title becomes "New conversation", which the
    /// first turn replaces. ``persona`` and ``model`` choose what answers in it.
    #[pyo3(signature = (title=None, *, persona=None, model=None))]
    fn create(
        this,
        title: Option<String>,
        persona: Option<Id>,
        model: Option<String>,
    ) -> Conversation {
        let new = NewConversation {
            title: title.unwrap_or_default(),
            persona_id: persona.map(|p| p.parse::<PersonaId>()).transpose()?,
            model,
        };
        Ok(this.scope()?.create_conversation(new).await?.into())
    }

    /// Pinned first, then the most recently active; the archive with ``archived=True``.
    /// At most ``limit`` (all by default).
    #[pyo3(signature = (*, archived=false, limit=None))]
    fn list(this, archived: bool, limit: Option<usize>) -> Vec<Conversation> {
        list_conversations(&this, archived, limit).await
    }

    /// One conversation; ``NotFound`` when it is missing or someone else's.
    fn get(this, conversation: Id) -> Conversation {
        Ok(this.scope()?.conversation(conversation.parse()?).await?.into())
    }

    /// Renames a conversation.
    fn rename(this, conversation: Id, title: String) -> Conversation {
        Ok(this.scope()?.rename_conversation(conversation.parse()?, title).await?.into())
    }

    /// Pins (or, with ``pinned=False``, unpins) a conversation.
    #[pyo3(signature = (conversation, pinned=true))]
    fn pin(this, conversation: Id, pinned: bool) -> Conversation {
        Ok(this.scope()?.pin_conversation(conversation.parse()?, pinned).await?.into())
    }

    /// Moves a conversation to (or, with ``archived=False``, from) the archive.
    #[pyo3(signature = (conversation, archived=true))]
    fn archive(this, conversation: Id, archived: bool) -> Conversation {
        Ok(this.scope()?.archive_conversation(conversation.parse()?, archived).await?.into())
    }

    /// Deletes a conversation, its messages and the facts they taught; nothing of it is
    /// retrieved once this returns.
    fn delete(this, conversation: Id) -> () {
        Ok(this.scope()?.delete_conversation(conversation.parse()?).await?)
    }

    /// Every message of a conversation, oldest first.
    fn messages(this, conversation: Id) -> Vec<Message> {
        Ok(this
            .scope()?
            .all_messages(conversation.parse()?)
            .await?
            .into_iter()
            .map(Message::from)
            .collect())
    }

    sync {
        fn __repr__(&self) -> String {
            format!("Conversations(user='{}')", self.inner.user)
        }
    }

    async {
        fn __repr__(&self) -> String {
            format!("AsyncConversations(user='{}')", self.inner.user)
        }
    }
}

/// A user's documents (the Knowledge Vault): ``me.documents``; ``me.ingest`` adds.
#[pyclass(frozen, module = "gantry")]
#[derive(Debug)]
pub(crate) struct Documents {
    inner: Scoped,
}

/// The asyncio flavour of ``Documents``.
#[pyclass(frozen, module = "gantry")]
#[derive(Debug)]
pub(crate) struct AsyncDocuments {
    inner: Scoped,
}

flavours! {
    Documents, AsyncDocuments, Scoped;

    /// The user's documents, newest first; at most ``limit`` (all by default).
    #[pyo3(signature = (*, limit=None))]
    fn list(this, limit: Option<usize>) -> Vec<Document> {
        let mut found = Vec::new();
        let mut request = PageRequest::first(gantry::validate::MAX_PAGE);
        loop {
            let page = this.scope()?.documents(request).await?;
            found.extend(page.items.into_iter().map(Document::from));
            if let Some(limit) = limit
                && found.len() >= limit
            {
                found.truncate(limit);
                break;
            }
            match page.next {
                Some(cursor) => request = PageRequest::after(gantry::validate::MAX_PAGE, cursor),
                None => break,
            }
        }
        Ok(found)
    }

    /// One document (its ``status`` tells whether it is read yet).
    fn get(this, document: Id) -> Document {
        Ok(this.scope()?.document(document.parse::<DocumentId>()?).await?.into())
    }

    /// Deletes a document and its passages; retrieval no longer finds it.
    fn delete(this, document: Id) -> () {
        Ok(this.scope()?.delete_document(document.parse::<DocumentId>()?).await?)
    }

    sync {
        fn __repr__(&self) -> String {
            format!("Documents(user='{}')", self.inner.user)
        }
    }

    async {
        fn __repr__(&self) -> String {
            format!("AsyncDocuments(user='{}')", self.inner.user)
        }
    }
}

/// The personas a user can use (their own and the global ones): ``me.personas``.
///
/// >>> import gantry, tempfile
/// >>> g = gantry.Gantry.open(tempfile.mkdtemp())
/// >>> me = g.for_user(g.users.create("ada@example.com", "Ada", "a long passphrase"))
/// >>> pirate = me.personas.create("Pirate", "Answer like a pirate.", temperature=0.7)
/// >>> pirate.temperature
/// 0.7
/// >>> me.personas.update(pirate, is_default=True).is_default
/// True
/// >>> [p.name for p in me.personas.list()]
/// ['Pirate']
#[pyclass(frozen, module = "gantry")]
#[derive(Debug)]
pub(crate) struct Personas {
    inner: Scoped,
}

/// The asyncio flavour of ``Personas``.
#[pyclass(frozen, module = "gantry")]
#[derive(Debug)]
pub(crate) struct AsyncPersonas {
    inner: Scoped,
}

flavours! {
    Personas, AsyncPersonas, Scoped;

    /// Creates one of the user's own personas; ``is_default=True`` makes new
    /// conversations use it (replacing their previous default).
    #[pyo3(signature = (
        name, system_prompt, *, default_model=None, temperature=None, is_default=false
    ))]
    fn create(
        this,
        name: String,
        system_prompt: String,
        default_model: Option<String>,
        temperature: Option<f32>,
        is_default: bool,
    ) -> Persona {
        let new = NewPersona { name, system_prompt, default_model, temperature, is_default };
        Ok(this.scope()?.create_persona(new).await?.into())
    }

    /// The global personas and the user's own, by name.
    fn list(this) -> Vec<Persona> {
        Ok(this.scope()?.personas().await?.into_iter().map(Persona::from).collect())
    }

    /// One persona the user can use.
    fn get(this, persona: Id) -> Persona {
        Ok(this.scope()?.persona(persona.parse::<PersonaId>()?).await?.into())
    }

    /// The persona named exactly ``name`` (the user's own before a global one), or
    /// ``None``.
    fn named(this, name: String) -> Option<Persona> {
        Ok(this.scope()?.persona_named(&name).await?.map(Persona::from))
    }

    /// Changes one of the user's own personas: the fields given; those left ``None``
    /// stay as they are.
    #[pyo3(signature = (
        persona, *, name=None, system_prompt=None, default_model=None, temperature=None,
        is_default=None
    ))]
    fn update(
        this,
        persona: Id,
        name: Option<String>,
        system_prompt: Option<String>,
        default_model: Option<String>,
        temperature: Option<f32>,
        is_default: Option<bool>,
    ) -> Persona {
        let id = persona.parse::<PersonaId>()?;
        let current = this.scope()?.persona(id).await?;
        let new = NewPersona {
            name: name.unwrap_or(current.name),
            system_prompt: system_prompt.unwrap_or(current.system_prompt),
            default_model: default_model.or(current.default_model),
            temperature: temperature.or(current.temperature),
            is_default: is_default.unwrap_or(current.is_default),
        };
        Ok(this.scope()?.update_persona(id, new).await?.into())
    }

    /// Deletes one of the user's own personas; conversations that used it fall back to
    /// the default.
    fn delete(this, persona: Id) -> () {
        Ok(this.scope()?.delete_persona(persona.parse::<PersonaId>()?).await?)
    }

    sync {
        fn __repr__(&self) -> String {
            format!("Personas(user='{}')", self.inner.user)
        }
    }

    async {
        fn __repr__(&self) -> String {
            format!("AsyncPersonas(user='{}')", self.inner.user)
        }
    }
}

/// What Gantry remembers about the user (learned from what they say), shown to them and
/// correctable by them: ``me.memory``.
#[pyclass(frozen, module = "gantry")]
#[derive(Debug)]
pub(crate) struct Memory {
    inner: Scoped,
}

/// The asyncio flavour of ``Memory``.
#[pyclass(frozen, module = "gantry")]
#[derive(Debug)]
pub(crate) struct AsyncMemory {
    inner: Scoped,
}

flavours! {
    Memory, AsyncMemory, Scoped;

    /// The entities and current facts of the user's knowledge graph.
    fn view(this) -> MemoryView {
        Ok(this.scope()?.memory().await?.into())
    }

    /// The current facts, newest first.
    fn facts(this) -> Vec<Fact> {
        Ok(this.scope()?.memory().await?.facts.into_iter().map(Fact::from).collect())
    }

    /// The people, places and things named.
    fn entities(this) -> Vec<Entity> {
        Ok(this.scope()?.memory().await?.entities.into_iter().map(Entity::from).collect())
    }

    /// Forgets a ``Fact``, or an ``Entity`` and every fact about it; the next turn no
    /// longer sees it.
    fn forget(this, item: Forgettable) -> () {
        match item {
            Forgettable::Fact(id) => {
                let id = Id(id).parse::<RelationId>()?;
                this.scope()?.forget_fact(id).await?
            }
            Forgettable::Entity(id) => {
                let id = Id(id).parse::<EntityId>()?;
                this.scope()?.forget_entity(id).await?
            }
        }
        Ok(())
    }

    /// Forgets one fact, by id (or ``Fact``).
    fn forget_fact(this, fact: Id) -> () {
        Ok(this.scope()?.forget_fact(fact.parse::<RelationId>()?).await?)
    }

    /// Forgets an entity and every fact about it, by id (or ``Entity``).
    fn forget_entity(this, entity: Id) -> () {
        Ok(this.scope()?.forget_entity(entity.parse::<EntityId>()?).await?)
    }

    sync {
        fn __repr__(&self) -> String {
            format!("Memory(user='{}')", self.inner.user)
        }
    }

    async {
        fn __repr__(&self) -> String {
            format!("AsyncMemory(user='{}')", self.inner.user)
        }
    }
}
