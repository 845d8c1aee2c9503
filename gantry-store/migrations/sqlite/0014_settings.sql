-- What admins change while Gantry runs, shared by every process on this store: model
-- backends added beside the configured ones (their configuration as JSON), and named
-- settings such as the default model.
CREATE TABLE model_backends (
    name        TEXT PRIMARY KEY NOT NULL,
    config      TEXT NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE TABLE settings (
    key    TEXT PRIMARY KEY NOT NULL,
    value  TEXT NOT NULL
) STRICT, WITHOUT ROWID;
