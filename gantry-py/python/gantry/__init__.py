"""Gantry, a self-hosted AI chat platform with memory, from Python.

The Rust SDK (``gantry::Gantry`` and its scopes) in Python style, in two flavours:
blocking (:class:`Gantry`) and asyncio (:class:`AsyncGantry`, whose methods return
awaitables and whose streams are async iterators). Both run on one tokio runtime inside
the module; blocking calls release the GIL while they wait.

The shape
---------
* ``g = Gantry.open(path, backends=[...], embedder=...)`` opens a data directory (SQLite
  and the indexes live there). ``backends`` are OpenAI-compatible servers: URL strings,
  dicts (``url``, ``name``, ``api_key``, ``kind``, ``model``) or :class:`Backend`\\ s.
  ``embedder`` is a local MiniLM model directory (or :class:`MiniLM`) or an
  :class:`HttpEmbedder`; without one, retrieval is by keywords. ``with`` closes it.
* ``g.users`` manages accounts with the rights of the program holding the installation:
  ``create``, ``register`` (as the sign-up policy allows), ``get``, ``find``, ``list``,
  ``delete``. ``g.sign_in(email, password)`` gives a :class:`Session` whose token
  ``g.authenticate(token)`` takes.
* ``me = g.for_user(user)`` (a :class:`User` or its id) is one user's
  :class:`UserScope`: everything of theirs, nothing of anyone else's (a foreign id
  raises :class:`NotFound`, as a missing one does). On it:

  - ``me.conversations``: ``create``, ``list``, ``get``, ``rename``, ``pin``,
    ``archive``, ``delete``, ``messages``;
  - ``me.chat(conversation, text)``: the saved answer, a :class:`Message` with its
    ``citations`` and ``usage`` (``conversation=None`` starts a new one);
  - ``me.stream(conversation, text)``: a :class:`Stream` of a :class:`ContextEvent`,
    :class:`TokenEvent`\\ s and a :class:`DoneEvent`;
  - ``me.ingest(path_or_bytes, filename)``: a :class:`Document`, read and searchable;
    ``me.documents``: ``list``, ``get``, ``delete``;
  - ``me.search(query)``: :class:`SearchResults` over conversations and documents;
    ``me.search_passages(query)``: the best :class:`Passage`\\ s;
  - ``me.personas``: ``create``, ``list``, ``get``, ``named``, ``update``, ``delete``;
  - ``me.memory``: ``view``, ``facts``, ``entities``, ``forget``;
  - ``me.export(conversation, "json" | "markdown" | "pdf")`` (``bytes``) and
    ``me.import_conversation(data)``.

* Results are frozen classes with typed attributes; ids are ``str``, times are UTC
  ``datetime``\\ s. Any method taking an id also takes the object (``me.conversations.
  get(chat)``).
* Errors are :class:`GantryError`\\ s, one class per kind: :class:`InvalidInput`
  (``.field``; also a ``ValueError``), :class:`NotFound` (a ``LookupError``),
  :class:`Unauthenticated`, :class:`Forbidden`, :class:`Conflict`,
  :class:`LimitReached`, :class:`Throttled`, :class:`UnsupportedType`,
  :class:`ServiceError` (``.backend``) with :class:`Unavailable`, :class:`TimedOut`,
  :class:`RateLimited`, :class:`BackendError`, :class:`ProtocolError`,
  :class:`Interrupted`, and :class:`InternalError`.

An example without a model (keyword retrieval, no chat):

>>> import tempfile
>>> import gantry
>>> with gantry.Gantry.open(tempfile.mkdtemp()) as g:
...     ada = g.users.create("ada@example.com", "Ada", "a long passphrase")
...     me = g.for_user(ada)
...     chat = me.conversations.create("Trip notes")
...     doc = me.ingest(b"My sister Maya lives in Porto and grows lemons.", "maya.txt")
...     found = me.search("lemons")
...     print(doc.status, [m.document.filename for m in found.documents])
...     print(me.export(chat, "markdown").decode().splitlines()[0])
...     try:
...         me.chat(chat, "Where does Maya live?")
...     except gantry.Unavailable as error:
...         print(type(error).__name__, error.backend)
ready ['maya.txt']
# Trip notes
Unavailable chat model

With a model server (``backends=["http://127.0.0.1:8080/v1"]``) and an embedder::

    answer = me.chat(chat, "Where does Maya live?")
    print(answer.content, answer.usage, [c.label for c in answer.citations])
    for event in me.stream(chat, "And what does she grow?"):
        match event:
            case gantry.TokenEvent(text):
                print(text, end="")
            case gantry.DoneEvent(message):
                print("\\n", message.usage)

The asyncio flavour has the same methods, awaited:

>>> import asyncio
>>> async def main() -> list[str]:
...     async with await gantry.AsyncGantry.open(tempfile.mkdtemp()) as g:
...         me = g.for_user(await g.users.create("bo@example.com", "Bo", "a long passphrase"))
...         await me.conversations.create("First")
...         await me.conversations.create("Second")
...         return [c.title for c in await me.conversations.list()]
>>> asyncio.run(main())
['Second', 'First']
"""

from gantry._gantry import (
    AsyncConversations,
    AsyncDocuments,
    AsyncGantry,
    AsyncMemory,
    AsyncPersonas,
    AsyncStream,
    AsyncUsers,
    AsyncUserScope,
    Backend,
    BackendError,
    Citation,
    Conflict,
    ContextEvent,
    Conversation,
    ConversationMatch,
    Conversations,
    Document,
    DocumentMatch,
    Documents,
    DoneEvent,
    Entity,
    Fact,
    Forbidden,
    Gantry,
    GantryError,
    HttpEmbedder,
    IndexStatus,
    InternalError,
    Interrupted,
    InvalidInput,
    LimitReached,
    Memory,
    MemoryView,
    Message,
    MiniLM,
    Model,
    NotFound,
    Passage,
    Persona,
    Personas,
    ProtocolError,
    RateLimited,
    SearchResults,
    ServiceError,
    Session,
    Stream,
    Throttled,
    TimedOut,
    Timings,
    TokenEvent,
    Unauthenticated,
    Unavailable,
    UnsupportedType,
    Usage,
    User,
    Users,
    UserScope,
    __version__,
    version,
)

#: What a stream yields: its context, its tokens, then the saved answer.
StreamEvent = ContextEvent | TokenEvent | DoneEvent

__all__ = [
    "AsyncConversations",
    "AsyncDocuments",
    "AsyncGantry",
    "AsyncMemory",
    "AsyncPersonas",
    "AsyncStream",
    "AsyncUserScope",
    "AsyncUsers",
    "Backend",
    "BackendError",
    "Citation",
    "Conflict",
    "ContextEvent",
    "Conversation",
    "ConversationMatch",
    "Conversations",
    "Document",
    "DocumentMatch",
    "Documents",
    "DoneEvent",
    "Entity",
    "Fact",
    "Forbidden",
    "Gantry",
    "GantryError",
    "HttpEmbedder",
    "IndexStatus",
    "InternalError",
    "Interrupted",
    "InvalidInput",
    "LimitReached",
    "Memory",
    "MemoryView",
    "Message",
    "MiniLM",
    "Model",
    "NotFound",
    "Passage",
    "Persona",
    "Personas",
    "ProtocolError",
    "RateLimited",
    "SearchResults",
    "ServiceError",
    "Session",
    "Stream",
    "StreamEvent",
    "Throttled",
    "TimedOut",
    "Timings",
    "TokenEvent",
    "Unauthenticated",
    "Unavailable",
    "UnsupportedType",
    "Usage",
    "User",
    "UserScope",
    "Users",
    "__version__",
    "version",
]
