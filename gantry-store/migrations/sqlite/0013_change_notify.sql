-- PostgreSQL notifies other processes of each write here; a SQLite file has one process,
-- which hears of its own writes directly. Nothing to do: kept so both stores number their
-- migrations alike.
SELECT 1;
