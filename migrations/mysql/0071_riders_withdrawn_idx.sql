-- The digest's scan of WITHDRAWN riders, index-backed. MySQL has no partial indexes:
-- PostgreSQL's "(withdrawn_at, id) WHERE status = 'WITHDRAWN'" becomes a compound index
-- led by status, so "status = 'WITHDRAWN' ORDER BY withdrawn_at, id" reads one contiguous
-- range in order. Unlike the partial index it holds every rider (bigger, and every
-- rider write maintains it).
-- ALGORITHM=INPLACE, LOCK=NONE: `riders` is the company's live table, so the build must
-- let its reads and writes go on (InnoDB online DDL, PostgreSQL's CONCURRENTLY); if the
-- server cannot build it that way the statement fails instead of locking the table.
-- One statement alone in its file: MySQL DDL commits implicitly, so a file is only as
-- atomic as its single statement (MySQL 8.0 DDL itself is atomic).
CREATE INDEX riders_withdrawn_idx
    ON riders (status, withdrawn_at, id) ALGORITHM = INPLACE LOCK = NONE;
