-- The digest's scan of WITHDRAWN riders, index-backed (see migrations/postgres).
CREATE INDEX IF NOT EXISTS riders_withdrawn_idx
    ON riders (withdrawn_at, id) WHERE status = 'WITHDRAWN';
