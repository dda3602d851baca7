-- The withdrawn-rider digest (issue 7). Numbered 0070+ so it cannot collide with other
-- branches' migrations; sqlx applies any unapplied version, whatever its position.

-- One row per schedule slot. INSERT ... ON CONFLICT DO NOTHING on `slot` decides the one
-- instance that posts the digest for that slot, however many instances run.
CREATE TABLE digest_runs (
    slot         TIMESTAMPTZ PRIMARY KEY,
    claimed_by   TEXT NOT NULL,
    claimed_at   TIMESTAMPTZ NOT NULL,
    -- Heartbeat while posting: bumped after each message, so a claim left by a crashed
    -- instance can be recognised as stale and taken over.
    pages_posted INTEGER NOT NULL DEFAULT 0,
    posted_at    TIMESTAMPTZ,
    riders       INTEGER,
    policies     INTEGER
);

-- What one digest listed, for its "File requests for all" button: the click files exactly
-- these policies (re-checked on the replica), not whatever the tables hold by then.
CREATE TABLE digest_items (
    slot         TIMESTAMPTZ NOT NULL REFERENCES digest_runs (slot) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    rider_id     BIGINT NOT NULL,
    policy_id    BIGINT NOT NULL,
    PRIMARY KEY (slot, position)
);
