-- What admins did (role changes, disables, deletions, password resets, quotas, personas,
-- bulk exports), newest last. Entries name the actor and the target as they were, so they
-- outlive both accounts; nothing deletes them.
CREATE TABLE audit_log (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         BIGINT NOT NULL,
    actor_id   UUID,              -- NULL: the operator (the command line on the data directory)
    actor      TEXT NOT NULL,     -- the actor's email then, or "operator"
    action     TEXT NOT NULL,     -- e.g. user.role, user.delete, export.bulk
    target_id  UUID,
    target     TEXT NOT NULL,     -- what was acted on, e.g. the user's email then
    detail     TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
