-- no-transaction
-- The digest's scan of WITHDRAWN riders, index-backed: a partial index holds only the
-- withdrawn riders (a small share of all riders), in the order the digest lists them.
-- CONCURRENTLY because `riders` is the company's live table: a plain CREATE INDEX would
-- block its writes for the whole build. That needs its own migration, outside a
-- transaction (the `no-transaction` line above), with this single statement.
-- If a build is interrupted it leaves an INVALID index that IF NOT EXISTS then skips:
-- drop it (DROP INDEX CONCURRENTLY riders_withdrawn_idx) and run migrate again.
CREATE INDEX CONCURRENTLY IF NOT EXISTS riders_withdrawn_idx
    ON riders (withdrawn_at, id) WHERE status = 'WITHDRAWN';
