-- What admins did (role changes, disables, deletions, password resets, quotas, personas,
-- bulk exports), newest last. Entries name the actor and the target as they were, so they
-- outlive both accounts; nothing deletes them.
CREATE TABLE audit_log (
    seq        INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    actor_id   BLOB,              -- NULL: the operator (the command line on the data directory)
    actor      TEXT NOT NULL,     -- the actor's email then, or "operator"
    action     TEXT NOT NULL,     -- e.g. user.role, user.delete, export.bulk
    target_id  BLOB,
    target     TEXT NOT NULL,     -- what was acted on, e.g. the user's email then
    detail     TEXT NOT NULL
) STRICT;
CREATE INDEX audit_log_at ON audit_log (at);
