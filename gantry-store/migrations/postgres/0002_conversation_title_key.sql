-- Conversation title search.

-- The lower-cased title, written by Gantry (Unicode-aware) with every title, so title search
-- ignores case the same way on both backends.
ALTER TABLE conversations ADD COLUMN title_key TEXT NOT NULL DEFAULT '';
UPDATE conversations SET title_key = LOWER(title);
ALTER TABLE conversations ALTER COLUMN title_key DROP DEFAULT;
