-- Gantry's schema on SQLite. Ids are UUIDv7 stored as 16-byte blobs (time-ordered, so
-- inserts append to B-trees); times are microseconds since the Unix epoch (UTC), which sort
-- and compare the same on every backend.

CREATE TABLE users (
    id            BLOB PRIMARY KEY NOT NULL,
    email         TEXT NOT NULL,
    email_key     TEXT NOT NULL UNIQUE,          -- lower-cased email: one account per address
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,                 -- argon2id PHC string
    role          TEXT NOT NULL CHECK (role IN ('admin', 'user')),
    disabled      INTEGER NOT NULL DEFAULT FALSE,
    created_at    INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE sessions (
    id          BLOB PRIMARY KEY NOT NULL,
    user_id     BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  TEXT NOT NULL UNIQUE,            -- SHA-256 of the bearer token
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE personas (
    id            BLOB PRIMARY KEY NOT NULL,
    owner_id      BLOB REFERENCES users (id) ON DELETE CASCADE,   -- NULL: global
    name          TEXT NOT NULL,
    system_prompt TEXT NOT NULL,
    default_model TEXT,
    temperature   REAL,
    is_default    INTEGER NOT NULL DEFAULT FALSE,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX personas_owner ON personas (owner_id, name);
CREATE UNIQUE INDEX personas_one_default_per_user ON personas (owner_id)
    WHERE is_default AND owner_id IS NOT NULL;
CREATE UNIQUE INDEX personas_one_global_default ON personas (is_default)
    WHERE is_default AND owner_id IS NULL;

CREATE TABLE conversations (
    id          BLOB PRIMARY KEY NOT NULL,
    owner_id    BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title       TEXT NOT NULL,
    pinned      INTEGER NOT NULL DEFAULT FALSE,
    archived    INTEGER NOT NULL DEFAULT FALSE,
    persona_id  BLOB REFERENCES personas (id) ON DELETE SET NULL,
    model       TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
-- The sidebar: one owner's active or archived conversations, pinned first, newest first.
CREATE INDEX conversations_list ON conversations (owner_id, archived, pinned DESC, updated_at DESC, id DESC);
CREATE INDEX conversations_persona ON conversations (persona_id);

-- The change sequence: one row, bumped inside every transaction that writes a message or
-- chunk, so numbers are gap-free and handed out in commit order.
CREATE TABLE change_counter (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq  INTEGER NOT NULL
) STRICT;
INSERT INTO change_counter (id, last_seq) VALUES (1, 0);

CREATE TABLE messages (
    id                BLOB PRIMARY KEY NOT NULL,
    conversation_id   BLOB NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    owner_id          BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    position          INTEGER NOT NULL,          -- the seq it was created with; never changes
    role              TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
    content           TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('complete', 'partial', 'error')),
    model             TEXT,
    prompt_tokens     INTEGER,
    completion_tokens INTEGER,
    error             TEXT,
    created_at        INTEGER NOT NULL,
    seq               INTEGER NOT NULL           -- the last change to this row
) STRICT, WITHOUT ROWID;
CREATE UNIQUE INDEX messages_conversation ON messages (conversation_id, position);
CREATE INDEX messages_owner ON messages (owner_id);
CREATE UNIQUE INDEX messages_seq ON messages (seq);

CREATE TABLE documents (
    id              BLOB PRIMARY KEY NOT NULL,
    owner_id        BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    filename        TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    size_bytes      INTEGER NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('processing', 'ready', 'failed')),
    failure_reason  TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX documents_owner ON documents (owner_id, id DESC);

CREATE TABLE chunks (
    id           BLOB PRIMARY KEY NOT NULL,
    document_id  BLOB NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    owner_id     BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    ordinal      INTEGER NOT NULL,
    text         TEXT NOT NULL,
    token_count  INTEGER NOT NULL,
    embedding    BLOB,                            -- little-endian f32s
    seq          INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE UNIQUE INDEX chunks_document ON chunks (document_id, ordinal);
CREATE INDEX chunks_owner ON chunks (owner_id);
CREATE UNIQUE INDEX chunks_seq ON chunks (seq);

-- Deleted messages and chunks, so indexes that follow the change feed drop them too.
CREATE TABLE tombstones (
    seq       INTEGER PRIMARY KEY NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('message', 'chunk')),
    item_id   BLOB NOT NULL,
    owner_id  BLOB NOT NULL
) STRICT;

CREATE TABLE entities (
    id          BLOB PRIMARY KEY NOT NULL,
    owner_id    BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL,                    -- lower-cased name
    kind        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (owner_id, name_key, kind)
) STRICT, WITHOUT ROWID;

CREATE TABLE relations (
    id                 BLOB PRIMARY KEY NOT NULL,
    owner_id           BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    subject_id         BLOB NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    predicate          TEXT NOT NULL,
    object_id          BLOB NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    source_message_id  BLOB REFERENCES messages (id) ON DELETE SET NULL,
    valid_from         INTEGER NOT NULL,
    valid_to           INTEGER                    -- NULL while the fact holds
) STRICT, WITHOUT ROWID;
CREATE INDEX relations_owner ON relations (owner_id, valid_to);
CREATE INDEX relations_subject ON relations (subject_id, predicate);
CREATE INDEX relations_object ON relations (object_id);
CREATE INDEX relations_source ON relations (source_message_id);

CREATE TABLE usage_records (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id            BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    model              TEXT NOT NULL,
    prompt_tokens      INTEGER NOT NULL,
    completion_tokens  INTEGER NOT NULL,
    latency_ms         INTEGER NOT NULL,
    created_at         INTEGER NOT NULL
) STRICT;
CREATE INDEX usage_created ON usage_records (created_at);
CREATE INDEX usage_user ON usage_records (user_id, created_at);
