-- Invite codes: while sign-up is by invite, a code an admin made lets one person register.
-- Stored only as the code's SHA-256.
CREATE TABLE invites (
    id          BLOB PRIMARY KEY NOT NULL,
    created_by  BLOB REFERENCES users (id) ON DELETE SET NULL,   -- NULL: the operator
    note        TEXT NOT NULL,
    code_hash   TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_by     BLOB REFERENCES users (id) ON DELETE SET NULL,
    used_at     INTEGER
) STRICT, WITHOUT ROWID;
CREATE INDEX invites_created ON invites (created_at);
