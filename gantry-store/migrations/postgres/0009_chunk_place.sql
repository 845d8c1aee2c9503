-- Where a chunk lies in its document, for citations: its section's heading path and the
-- page it starts on (PDFs). Chunks read before this stay without them.
ALTER TABLE chunks ADD COLUMN heading TEXT;
ALTER TABLE chunks ADD COLUMN page BIGINT;
