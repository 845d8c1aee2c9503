-- API keys: programs act as their owner with a key that is stored only as its SHA-256.
CREATE TABLE api_keys (
    id            BLOB PRIMARY KEY NOT NULL,
    owner_id      BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    prefix        TEXT NOT NULL,                   -- the key's first characters, for people
    key_hash      TEXT NOT NULL UNIQUE,            -- SHA-256 of the key
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER
) STRICT, WITHOUT ROWID;
CREATE INDEX api_keys_owner ON api_keys (owner_id, created_at);
