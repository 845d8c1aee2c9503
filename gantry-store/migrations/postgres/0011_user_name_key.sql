-- Display names searchable in any case (admins look people up by name): the lower-cased
-- name, kept by the store. Rows from before are re-keyed by the store when it opens
-- (SQLite's LOWER folds only ASCII).
ALTER TABLE users ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
UPDATE users SET name_key = LOWER(display_name);
