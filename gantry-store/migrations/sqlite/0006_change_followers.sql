-- Where each process that follows the change feed has got to, so tombstones are compacted
-- only once every live follower has applied them. A follower whose heartbeat is older than
-- a day no longer holds compaction back (it must rebuild its indexes from scratch).
CREATE TABLE change_followers (
    follower      TEXT PRIMARY KEY NOT NULL,     -- a name unique to one process's indexes
    applied_seq   INTEGER NOT NULL,              -- every change up to it is durably applied
    heartbeat_at  INTEGER NOT NULL               -- when it last recorded its position
) STRICT, WITHOUT ROWID;
