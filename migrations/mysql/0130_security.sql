-- The same changes as migrations/postgres/0130_security.sql (issue 12), in the MySQL
-- family's dialect.

-- Filing is once per submitted view. A UNIQUE index admits any number of NULLs (the
-- digest's bulk filing has no view), which is PostgreSQL's partial index here.
ALTER TABLE expiry_requests
    ADD COLUMN view_id VARCHAR(255) NULL,
    ADD UNIQUE KEY expiry_requests_one_per_view (view_id);

-- One row per rider lookup: who, when, the query masked, how many riders matched (NULL
-- while it runs, and if it never answered). Also what the per-person limit counts.
CREATE TABLE lookup_audit (
    id             BIGINT NOT NULL AUTO_INCREMENT,
    looked_up_by   VARCHAR(255) NOT NULL,
    looked_at      DATETIME(6) NOT NULL DEFAULT (UTC_TIMESTAMP(6)),
    kind           VARCHAR(16) NOT NULL,
    query_masked   TEXT NOT NULL,
    riders_matched BIGINT NULL,
    PRIMARY KEY (id),
    KEY lookup_audit_by_person (looked_up_by, looked_at),
    CONSTRAINT lookup_audit_kind_check CHECK (kind IN ('request', 'history'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- A Slack call Slack refused for good is done, and failed_at says it failed.
ALTER TABLE slack_outbox ADD COLUMN failed_at DATETIME(6) NULL;
