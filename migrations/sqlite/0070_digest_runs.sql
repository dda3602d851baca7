-- The withdrawn-rider digest: the same shape as migrations/postgres, in SQLite's dialect.
CREATE TABLE digest_runs (
    slot         TIMESTAMPTZ PRIMARY KEY,
    claimed_by   TEXT NOT NULL,
    claimed_at   TIMESTAMPTZ NOT NULL,
    pages_posted INTEGER NOT NULL DEFAULT 0,
    posted_at    TIMESTAMPTZ,
    riders       INTEGER,
    policies     INTEGER
);

CREATE TABLE digest_items (
    slot         TIMESTAMPTZ NOT NULL REFERENCES digest_runs (slot) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    rider_id     BIGINT NOT NULL,
    policy_id    BIGINT NOT NULL,
    PRIMARY KEY (slot, position)
);
