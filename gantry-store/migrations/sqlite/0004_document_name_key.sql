-- Document search by file name.

-- The lower-cased file name, written by Gantry (Unicode-aware) with every document, so name
-- search ignores case the same way on both backends.
ALTER TABLE documents ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
UPDATE documents SET name_key = LOWER(filename);
