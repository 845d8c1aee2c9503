-- Invite codes: while sign-up is by invite, a code an admin made lets one person register.
-- Stored only as the code's SHA-256.
CREATE TABLE invites (
    id          UUID PRIMARY KEY,
    created_by  UUID REFERENCES users (id) ON DELETE SET NULL,   -- NULL: the operator
    note        TEXT NOT NULL,
    code_hash   TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_by     UUID REFERENCES users (id) ON DELETE SET NULL,
    used_at     BIGINT
);
CREATE INDEX invites_created ON invites (created_at);
