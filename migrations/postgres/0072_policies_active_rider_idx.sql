-- no-transaction
-- The digest's other half: for each withdrawn rider, "does this rider hold an ACTIVE
-- policy?". With only the full rider_id index every probe must visit the table to read
-- the status; this partial index answers it from the index alone (an index-only scan), and
-- most withdrawn riders have no active policy, so most probes end in the index. Measured
-- on 2M riders / 2.67M policies: the digest's count went from a parallel sequential scan of
-- all policies (~1 s) to ~0.13 s of index-only probes (see BENCHMARKS.md).
-- Cost on the primary: one more index on a large table, and an update that changes a
-- policy's status is no longer a HOT update (the predicate reads `status`).
-- CONCURRENTLY and alone in its file for the same reasons as 0071.
CREATE INDEX CONCURRENTLY IF NOT EXISTS hourly_insurance_policies_active_rider_idx
    ON hourly_insurance_policies (rider_id) WHERE status = 'ACTIVE';
