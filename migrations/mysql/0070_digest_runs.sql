-- The withdrawn-rider digest (issue 7): the same tables as migrations/postgres.

-- One row per schedule slot: the INSERT that wins the primary key on `slot` decides the
-- one instance that posts the digest for that slot, however many instances run.
CREATE TABLE digest_runs (
    slot         DATETIME(6) NOT NULL,
    claimed_by   VARCHAR(255) NOT NULL,
    claimed_at   DATETIME(6) NOT NULL,
    -- Heartbeat while posting: bumped after each message, so a claim left by a crashed
    -- instance can be recognised as stale and taken over.
    pages_posted INT NOT NULL DEFAULT 0,
    posted_at    DATETIME(6) NULL,
    riders       INT NULL,
    policies     INT NULL,
    PRIMARY KEY (slot)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- What one digest listed, for its "File requests for all" button: the click files exactly
-- these policies (re-checked on the replica), not whatever the tables hold by then.
CREATE TABLE digest_items (
    slot         DATETIME(6) NOT NULL,
    position     INT NOT NULL,
    rider_id     BIGINT NOT NULL,
    policy_id    BIGINT NOT NULL,
    PRIMARY KEY (slot, position),
    CONSTRAINT digest_items_slot_fkey
        FOREIGN KEY (slot) REFERENCES digest_runs (slot) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
