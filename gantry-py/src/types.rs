//! What Gantry answers with, as frozen Python classes with typed attributes: ids are
//! `str`, times are UTC `datetime.datetime`s, kinds and statuses are lower-case `str`s.
//! Each is a plain Rust value (made without the GIL, so a result can be built on the
//! runtime's threads) converted from the SDK's own type here.

use gantry::model;
use pyo3::IntoPyObjectExt;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use time::OffsetDateTime;

/// Defines a frozen record class: its fields as read-only attributes (`get_all`),
/// equality by value, and a `repr` showing the fields listed in `repr(...)`.
macro_rules! record {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$field_meta:meta])* $field:ident : $ty:ty ),* $(,)?
        }
        repr($($shown:ident),* $(,)?)
        $( extra { $($extra:tt)* } )?
    ) => {
        $(#[$meta])*
        #[pyclass(frozen, get_all, eq, module = "gantry")]
        #[derive(Clone, Debug, PartialEq)]
        pub(crate) struct $name {
            $( $(#[$field_meta])* pub(crate) $field: $ty, )*
        }

        #[pymethods]
        impl $name {
            fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
                let parts: Vec<String> = vec![
                    $( format!(
                        "{}={}",
                        stringify!($shown),
                        self.$shown.clone().into_bound_py_any(py)?.repr()?
                    ), )*
                ];
                Ok(format!("{}({})", stringify!($name), parts.join(", ")))
            }
            $( $($extra)* )?
        }
    };
}

/// `f32` as the `float` a person wrote (0.7, not 0.699999988079071).
fn float(value: f32) -> f64 {
    value.to_string().parse().unwrap_or(f64::from(value))
}

fn id(value: impl std::fmt::Display) -> String {
    value.to_string()
}

record! {
    /// An account. ``role`` is ``"admin"`` or ``"user"``.
    User {
        /// The account's id.
        id: String,
        /// The login name.
        email: String,
        /// The name shown to others.
        display_name: String,
        /// ``"admin"`` or ``"user"``.
        role: String,
        /// Disabled accounts are refused everywhere.
        disabled: bool,
        /// When the account was made (UTC).
        created_at: OffsetDateTime,
    }
    repr(id, email, display_name, role)
}

impl From<model::User> for User {
    fn from(user: model::User) -> Self {
        Self {
            id: id(user.id),
            email: user.email,
            display_name: user.display_name,
            role: user.role.as_str().to_owned(),
            disabled: user.disabled,
            created_at: user.created_at,
        }
    }
}

record! {
    /// A sign-in session: ``token`` is its only copy (present it to
    /// ``Gantry.authenticate``); the ``repr`` never shows it.
    Session {
        /// The bearer token.
        token: String,
        /// Who signed in.
        user: User,
        /// When the token stops working (UTC).
        expires_at: OffsetDateTime,
    }
    repr(user, expires_at)
}

impl From<gantry::SignedIn> for Session {
    fn from(signed_in: gantry::SignedIn) -> Self {
        Self {
            token: signed_in.token,
            expires_at: signed_in.session.expires_at,
            user: signed_in.user.into(),
        }
    }
}

record! {
    /// A conversation.
    Conversation {
        /// The conversation's id.
        id: String,
        /// Its title ("New conversation" until the first turn names it).
        title: String,
        /// Pinned conversations head the list.
        pinned: bool,
        /// Archived conversations are listed with ``archived=True`` only.
        archived: bool,
        /// The persona it uses, if one was chosen.
        persona_id: Option<String>,
        /// The model it uses, if one was chosen.
        model: Option<String>,
        /// When it was started (UTC).
        created_at: OffsetDateTime,
        /// When it last changed (UTC).
        updated_at: OffsetDateTime,
    }
    repr(id, title)
}

impl From<model::Conversation> for Conversation {
    fn from(conversation: model::Conversation) -> Self {
        Self {
            id: id(conversation.id),
            title: conversation.title,
            pinned: conversation.pinned,
            archived: conversation.archived,
            persona_id: conversation.persona_id.map(id),
            model: conversation.model,
            created_at: conversation.created_at,
            updated_at: conversation.updated_at,
        }
    }
}

record! {
    /// The tokens an answer took, as the model server counted them.
    Usage {
        /// Tokens of the prompt.
        prompt_tokens: u32,
        /// Tokens of the answer.
        completion_tokens: u32,
        /// Both together.
        total_tokens: u32,
    }
    repr(prompt_tokens, completion_tokens, total_tokens)
}

record! {
    /// Where an answer's time went, in milliseconds (history, memory and retrieval run
    /// side by side, so the stages may add up to more than ``total_ms``).
    Timings {
        /// Embedding the question.
        embed_ms: f64,
        /// The vector search.
        vector_ms: f64,
        /// The keyword search.
        keyword_ms: f64,
        /// Fusing the two result lists.
        fuse_ms: f64,
        /// Re-reading the retrieved items from the store.
        confirm_ms: f64,
        /// Facts from the knowledge graph.
        facts_ms: f64,
        /// From the question to the prompt built.
        total_ms: f64,
        /// From the question to the first token; ``None`` until it arrived.
        time_to_first_token_ms: Option<u64>,
        /// Tokens per second after the first; ``None`` until the answer ended.
        tokens_per_second: Option<f64>,
    }
    repr(total_ms, time_to_first_token_ms, tokens_per_second)
}

impl From<model::AnswerTimings> for Timings {
    fn from(t: model::AnswerTimings) -> Self {
        Self {
            embed_ms: t.embed_ms,
            vector_ms: t.vector_ms,
            keyword_ms: t.keyword_ms,
            fuse_ms: t.fuse_ms,
            confirm_ms: t.confirm_ms,
            facts_ms: t.facts_ms,
            total_ms: t.total_ms,
            time_to_first_token_ms: t.time_to_first_token_ms,
            tokens_per_second: t.tokens_per_second,
        }
    }
}

impl From<gantry::ContextTimings> for Timings {
    fn from(timings: gantry::ContextTimings) -> Self {
        model::AnswerTimings::from(timings).into()
    }
}

record! {
    /// A numbered source an answer was given (the answer cites it as ``[number]``).
    /// ``kind`` is ``"message"`` (``parent_id``: its conversation), ``"chunk"`` (a
    /// passage of a document; ``parent_id``: the document) or ``"fact"`` (memory).
    Citation {
        /// The number the answer cites.
        number: usize,
        /// ``"message"``, ``"chunk"`` or ``"fact"``.
        kind: String,
        /// The message, chunk or fact.
        id: String,
        /// The message's conversation or the chunk's document.
        parent_id: Option<String>,
        /// The conversation's title, the document's file name, or "Memory".
        label: String,
        /// The beginning of its text.
        excerpt: String,
        /// A document passage's section headings, outermost first, joined by " > ".
        heading: Option<String>,
        /// A document passage's page, from 1 (PDFs).
        page: Option<u32>,
    }
    repr(number, kind, label)
}

impl From<model::CitedSource> for Citation {
    fn from(source: model::CitedSource) -> Self {
        let kind = match source.kind {
            model::SourceKind::Message => "message",
            model::SourceKind::Chunk => "chunk",
            model::SourceKind::Fact => "fact",
        };
        Self {
            number: source.number,
            kind: kind.to_owned(),
            id: id(source.id),
            parent_id: source.parent_id.map(id),
            label: source.label,
            excerpt: source.excerpt,
            heading: source.heading,
            page: source.page,
        }
    }
}

impl From<&gantry::Citation> for Citation {
    fn from(citation: &gantry::Citation) -> Self {
        model::CitedSource::from(citation).into()
    }
}

record! {
    /// A message: a question (``role="user"``) or an answer (``role="assistant"``).
    /// An answer carries the sources it was given (``citations``), its token ``usage``
    /// and ``timings``; ``status`` is ``"complete"``, ``"partial"`` (stopped) or
    /// ``"error"`` (then ``error`` says why).
    Message {
        /// The message's id.
        id: String,
        /// Its conversation.
        conversation_id: String,
        /// ``"user"``, ``"assistant"`` or ``"system"``.
        role: String,
        /// The text.
        content: String,
        /// ``"complete"``, ``"partial"`` or ``"error"``.
        status: String,
        /// The model that answered.
        model: Option<String>,
        /// The tokens an answer took; ``None`` for a question.
        usage: Option<Usage>,
        /// What went wrong, for ``status="error"``.
        error: Option<String>,
        /// The numbered sources an answer was given.
        citations: Vec<Citation>,
        /// Where an answer's time went.
        timings: Option<Timings>,
        /// When it was written (UTC).
        created_at: OffsetDateTime,
    }
    repr(id, role, content, status)
}

impl From<model::Message> for Message {
    fn from(message: model::Message) -> Self {
        let usage = match (message.prompt_tokens, message.completion_tokens) {
            (None, None) => None,
            (prompt, completion) => {
                let (prompt, completion) = (prompt.unwrap_or(0), completion.unwrap_or(0));
                Some(Usage {
                    prompt_tokens: prompt,
                    completion_tokens: completion,
                    total_tokens: prompt.saturating_add(completion),
                })
            }
        };
        let (citations, timings) = match message.context {
            Some(context) => (
                context.citations.into_iter().map(Citation::from).collect(),
                Some(context.timings.into()),
            ),
            None => (Vec::new(), None),
        };
        Self {
            id: id(message.id),
            conversation_id: id(message.conversation_id),
            role: message.role.as_str().to_owned(),
            content: message.content,
            status: message.status.as_str().to_owned(),
            model: message.model,
            usage,
            error: message.error,
            citations,
            timings,
            created_at: message.created_at,
        }
    }
}

impl From<gantry::Answer> for Message {
    /// The saved answer, with the turn's sources when the row does not carry them.
    fn from(answer: gantry::Answer) -> Self {
        let mut message = Message::from(answer.message);
        if message.citations.is_empty() {
            message.citations = answer.citations.iter().map(Citation::from).collect();
        }
        if message.timings.is_none() {
            message.timings = Some(answer.timings.into());
        }
        message
    }
}

record! {
    /// A document of the Knowledge Vault. ``status`` is ``"processing"``, ``"ready"``
    /// or ``"failed"`` (then ``failure_reason`` says why).
    Document {
        /// The document's id.
        id: String,
        /// The file name it was uploaded with.
        filename: String,
        /// Its media type, as given.
        content_type: String,
        /// Its size in bytes.
        size_bytes: u64,
        /// ``"processing"``, ``"ready"`` or ``"failed"``.
        status: String,
        /// Why reading it failed.
        failure_reason: Option<String>,
        /// When it was uploaded (UTC).
        created_at: OffsetDateTime,
        /// When its status last changed (UTC).
        updated_at: OffsetDateTime,
    }
    repr(id, filename, status)
}

impl From<model::Document> for Document {
    fn from(document: model::Document) -> Self {
        Self {
            id: id(document.id),
            filename: document.filename,
            content_type: document.content_type,
            size_bytes: document.size_bytes,
            status: document.status.as_str().to_owned(),
            failure_reason: document.failure_reason,
            created_at: document.created_at,
            updated_at: document.updated_at,
        }
    }
}

record! {
    /// A conversation that matches a search: by its title (``message_id`` is ``None``)
    /// or by something said in it.
    ConversationMatch {
        /// The conversation.
        conversation: Conversation,
        /// The matching message, when the match is in what was said.
        message_id: Option<String>,
        /// HTML: the title or an excerpt, the query's words in ``<mark>``.
        snippet: String,
    }
    repr(conversation, message_id, snippet)
}

record! {
    /// A document that matches a search: by its name (``chunk_id`` is ``None``) or by
    /// its text.
    DocumentMatch {
        /// The document.
        document: Document,
        /// The matching passage, when the match is in the text.
        chunk_id: Option<String>,
        /// HTML: the file name or an excerpt, the query's words in ``<mark>``.
        snippet: String,
    }
    repr(document, chunk_id, snippet)
}

record! {
    /// What a search found, best first in each list.
    SearchResults {
        /// Conversations, title matches first.
        conversations: Vec<ConversationMatch>,
        /// Documents, name matches first.
        documents: Vec<DocumentMatch>,
    }
    repr(conversations, documents)
}

impl From<gantry::SearchResults> for SearchResults {
    fn from(results: gantry::SearchResults) -> Self {
        Self {
            conversations: results
                .conversations
                .into_iter()
                .map(|m| ConversationMatch {
                    conversation: m.conversation.into(),
                    message_id: m.message_id.map(id),
                    snippet: m.snippet,
                })
                .collect(),
            documents: results
                .documents
                .into_iter()
                .map(|m| DocumentMatch {
                    document: m.document.into(),
                    chunk_id: m.chunk_id.map(id),
                    snippet: m.snippet,
                })
                .collect(),
        }
    }
}

record! {
    /// A passage of one of the user's documents that answers a query.
    Passage {
        /// The document.
        document: Document,
        /// The passage's id.
        chunk_id: String,
        /// Its text.
        text: String,
        /// HTML: an excerpt, the query's words in ``<mark>``.
        snippet: String,
        /// Higher is better; comparable within one answer only.
        score: f64,
        /// Its section's headings, outermost first, joined by " > ".
        heading: Option<String>,
        /// Its page, from 1 (PDFs).
        page: Option<u32>,
    }
    repr(chunk_id, score, snippet)
}

impl From<gantry::engine::ChunkMatch> for Passage {
    fn from(found: gantry::engine::ChunkMatch) -> Self {
        Self {
            document: found.document.into(),
            chunk_id: id(found.chunk_id),
            text: found.text,
            snippet: found.snippet,
            score: f64::from(found.score),
            heading: found.heading,
            page: found.page,
        }
    }
}

record! {
    /// A persona: a system prompt with a default model and temperature. ``is_global``
    /// ones are an admin's, which every user sees.
    Persona {
        /// The persona's id.
        id: String,
        /// Its name.
        name: String,
        /// What the model is told first.
        system_prompt: String,
        /// The model it answers with, if it names one.
        default_model: Option<String>,
        /// Its sampling temperature, if it sets one.
        temperature: Option<f64>,
        /// Whether new conversations use it.
        is_default: bool,
        /// Whether it is global (an admin's) rather than the user's own.
        is_global: bool,
        /// When it was made (UTC).
        created_at: OffsetDateTime,
        /// When it last changed (UTC).
        updated_at: OffsetDateTime,
    }
    repr(id, name, is_default, is_global)
}

impl From<model::Persona> for Persona {
    fn from(persona: model::Persona) -> Self {
        Self {
            id: id(persona.id),
            name: persona.name,
            system_prompt: persona.system_prompt,
            default_model: persona.default_model,
            temperature: persona.temperature.map(float),
            is_default: persona.is_default,
            is_global: persona.owner_id.is_none(),
            created_at: persona.created_at,
            updated_at: persona.updated_at,
        }
    }
}

record! {
    /// A remembered fact: ``subject`` ``predicate`` ``object`` (``Maya lives_in Porto``).
    Fact {
        /// The fact's id, for forgetting it.
        id: String,
        /// Who or what it is about.
        subject: String,
        /// How they are related, e.g. ``works_at``.
        predicate: String,
        /// The other side.
        object: String,
        /// The message it was learned from, if it is still there.
        source_message_id: Option<String>,
        /// Since when it holds (UTC).
        valid_from: OffsetDateTime,
    }
    repr(id, subject, predicate, object)
}

impl From<gantry::Fact> for Fact {
    fn from(fact: gantry::Fact) -> Self {
        Self {
            id: id(fact.id),
            subject: fact.subject,
            predicate: fact.predicate,
            object: fact.object,
            source_message_id: fact.source_message_id.map(id),
            valid_from: fact.valid_from,
        }
    }
}

record! {
    /// A person, place or thing the knowledge graph knows.
    Entity {
        /// The entity's id, for forgetting it.
        id: String,
        /// Its name.
        name: String,
        /// What it is, e.g. ``person``.
        kind: String,
        /// When it was first named (UTC).
        created_at: OffsetDateTime,
    }
    repr(id, name, kind)
}

impl From<model::Entity> for Entity {
    fn from(entity: model::Entity) -> Self {
        Self {
            id: id(entity.id),
            name: entity.name,
            kind: entity.kind,
            created_at: entity.created_at,
        }
    }
}

record! {
    /// Everything the knowledge graph holds about a user.
    MemoryView {
        /// The people, places and things named.
        entities: Vec<Entity>,
        /// What holds between them now, newest first.
        facts: Vec<Fact>,
    }
    repr(entities, facts)
}

impl From<gantry::MemoryView> for MemoryView {
    fn from(view: gantry::MemoryView) -> Self {
        Self {
            entities: view.entities.into_iter().map(Entity::from).collect(),
            facts: view.facts.into_iter().map(Fact::from).collect(),
        }
    }
}

record! {
    /// How far each index has applied the store's changes (they catch up in the
    /// background); ``None`` for an index that is not open.
    IndexStatus {
        /// The store's latest change number.
        store_seq: i64,
        /// What the vector index has applied.
        vectors: Option<i64>,
        /// What the keyword index has applied.
        keywords: Option<i64>,
        /// Whether the vector index is still loading its graph.
        vectors_loading: bool,
        /// Items the embedder refused since start (found by keywords only).
        unembedded: u64,
    }
    repr(store_seq, vectors, keywords)
}

impl From<gantry::IndexStatus> for IndexStatus {
    fn from(status: gantry::IndexStatus) -> Self {
        Self {
            store_seq: status.store_seq,
            vectors: status.vectors,
            keywords: status.keywords,
            vectors_loading: status.vectors_loading,
            unembedded: status.unembedded,
        }
    }
}

record! {
    /// A model a chat backend offers.
    Model {
        /// The id to pass as ``model=``.
        id: String,
        /// The configured backend that serves it.
        backend: String,
    }
    repr(id, backend)
}

record! {
    /// The first event of a stream: the sources the model was given, numbered as the
    /// answer cites them, and where the time to gather them went.
    ContextEvent {
        /// Numbered as the answer cites them.
        citations: Vec<Citation>,
        /// Where the time went.
        timings: Timings,
    }
    repr(citations)
    extra {
        /// ``"context"``.
        #[getter]
        fn kind(&self) -> &'static str {
            "context"
        }

        #[classattr]
        fn __match_args__() -> (&'static str, &'static str) {
            ("citations", "timings")
        }
    }
}

record! {
    /// More of the answer.
    TokenEvent {
        /// The new text.
        text: String,
    }
    repr(text)
    extra {
        /// ``"token"``.
        #[getter]
        fn kind(&self) -> &'static str {
            "token"
        }

        #[classattr]
        fn __match_args__() -> (&'static str,) {
            ("text",)
        }
    }
}

record! {
    /// The last event of a stream: the answer as saved, with its usage and citations.
    DoneEvent {
        /// The saved answer.
        message: Message,
    }
    repr(message)
    extra {
        /// ``"done"``.
        #[getter]
        fn kind(&self) -> &'static str {
            "done"
        }

        #[classattr]
        fn __match_args__() -> (&'static str,) {
            ("message",)
        }
    }
}

/// One event of a stream, as its own class.
#[derive(Debug, IntoPyObject)]
pub(crate) enum Event {
    Context(ContextEvent),
    Token(TokenEvent),
    Done(DoneEvent),
}

impl From<gantry::TurnEvent> for Event {
    fn from(event: gantry::TurnEvent) -> Self {
        match event {
            gantry::TurnEvent::Context { citations, timings } => Self::Context(ContextEvent {
                citations: citations.iter().map(Citation::from).collect(),
                timings: timings.into(),
            }),
            gantry::TurnEvent::Token(text) => Self::Token(TokenEvent { text }),
            gantry::TurnEvent::Done(message) => Self::Done(DoneEvent {
                message: message.into(),
            }),
        }
    }
}

/// Bytes that cross into Python as `bytes` (a `Vec<u8>` would become a list).
#[derive(Debug)]
pub(crate) struct Bytes(pub(crate) Vec<u8>);

impl<'py> IntoPyObject<'py> for Bytes {
    type Target = PyBytes;
    type Output = Bound<'py, PyBytes>;
    type Error = std::convert::Infallible;

    fn into_pyobject(self, py: Python<'py>) -> Result<Self::Output, Self::Error> {
        Ok(PyBytes::new(py, &self.0))
    }
}

/// An id argument: a `str`, or any Gantry object with an `id` (a `User`, a
/// `Conversation`, a `Document`...). Parsed where it is used, so a malformed one is an
/// `InvalidInput` naming what it should have been.
#[derive(Clone, Debug)]
pub(crate) struct Id(pub(crate) String);

impl Id {
    pub(crate) fn parse<T>(&self) -> Result<T, gantry::Error>
    where
        T: std::str::FromStr<Err = gantry::Error>,
    {
        self.0.trim().parse()
    }
}

impl<'a, 'py> FromPyObject<'a, 'py> for Id {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if let Ok(text) = obj.extract::<String>() {
            return Ok(Self(text));
        }
        match obj.getattr(pyo3::intern!(obj.py(), "id")) {
            Ok(id) => Ok(Self(id.extract()?)),
            Err(_) => Err(PyTypeError::new_err(format!(
                "expected an id (a str) or a Gantry object with an `id`, not {}",
                obj.get_type().name()?
            ))),
        }
    }
}

/// What `Memory.forget` takes: a `Fact` or an `Entity`.
#[derive(Clone, Debug)]
pub(crate) enum Forgettable {
    Fact(String),
    Entity(String),
}

impl<'a, 'py> FromPyObject<'a, 'py> for Forgettable {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if let Ok(fact) = obj.cast::<Fact>() {
            return Ok(Self::Fact(fact.get().id.clone()));
        }
        if let Ok(entity) = obj.cast::<Entity>() {
            return Ok(Self::Entity(entity.get().id.clone()));
        }
        Err(PyTypeError::new_err(format!(
            "forget takes a Fact or an Entity, not {} (forget_fact and forget_entity take ids)",
            obj.get_type().name()?
        )))
    }
}
