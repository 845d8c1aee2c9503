-- Collections of documents, and the scopes that limit what a conversation retrieves from.

-- A user's named groups of documents. Deleting one leaves its documents in place.
CREATE TABLE collections (
    id           UUID PRIMARY KEY,
    owner_id     UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    name_key     TEXT COLLATE "C" NOT NULL,       -- trimmed, lower-cased name: unique per owner;
                                                  -- byte order, so lists sort as on SQLite
    description  TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    UNIQUE (owner_id, name_key)
);

CREATE TABLE collection_documents (
    collection_id  UUID NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    document_id    UUID NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    added_at       BIGINT NOT NULL,
    PRIMARY KEY (collection_id, document_id)
);
CREATE INDEX collection_documents_document ON collection_documents (document_id);

-- What a conversation's retrieval is limited to; no rows for a conversation: everything.
CREATE TABLE conversation_scope_documents (
    conversation_id  UUID NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    document_id      UUID NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    PRIMARY KEY (conversation_id, document_id)
);
CREATE INDEX conversation_scope_documents_document ON conversation_scope_documents (document_id);

CREATE TABLE conversation_scope_collections (
    conversation_id  UUID NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    collection_id    UUID NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    PRIMARY KEY (conversation_id, collection_id)
);
CREATE INDEX conversation_scope_collections_collection ON conversation_scope_collections (collection_id);
