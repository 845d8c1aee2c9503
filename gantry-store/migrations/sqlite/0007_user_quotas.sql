-- An admin's changes to one account's quotas (how many conversations, documents, bytes,
-- personas, collections it may keep), as JSON; accounts without a row use the defaults.
CREATE TABLE user_quotas (
    user_id    BLOB PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    overrides  TEXT NOT NULL                      -- QuotaOverrides: each set field replaces a default
) STRICT, WITHOUT ROWID;
