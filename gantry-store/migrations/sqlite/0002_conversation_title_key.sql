-- Conversation title search.

-- The lower-cased title, written by Gantry (Unicode-aware) with every title, so title search
-- ignores case the same way on both backends. SQLite's LOWER only folds ASCII: titles written
-- before this migration with other capitals match case-insensitively once next renamed.
ALTER TABLE conversations ADD COLUMN title_key TEXT NOT NULL DEFAULT '';
UPDATE conversations SET title_key = LOWER(title);
