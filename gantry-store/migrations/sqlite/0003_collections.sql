-- Collections of documents, and the scopes that limit what a conversation retrieves from.

-- A user's named groups of documents. Deleting one leaves its documents in place.
CREATE TABLE collections (
    id           BLOB PRIMARY KEY NOT NULL,
    owner_id     BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    name_key     TEXT NOT NULL,                   -- trimmed, lower-cased name: unique per owner
    description  TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    UNIQUE (owner_id, name_key)
) STRICT, WITHOUT ROWID;

CREATE TABLE collection_documents (
    collection_id  BLOB NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    document_id    BLOB NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    added_at       INTEGER NOT NULL,
    PRIMARY KEY (collection_id, document_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX collection_documents_document ON collection_documents (document_id);

-- What a conversation's retrieval is limited to; no rows for a conversation: everything.
CREATE TABLE conversation_scope_documents (
    conversation_id  BLOB NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    document_id      BLOB NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    PRIMARY KEY (conversation_id, document_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX conversation_scope_documents_document ON conversation_scope_documents (document_id);

CREATE TABLE conversation_scope_collections (
    conversation_id  BLOB NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    collection_id    BLOB NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    PRIMARY KEY (conversation_id, collection_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX conversation_scope_collections_collection ON conversation_scope_collections (collection_id);
