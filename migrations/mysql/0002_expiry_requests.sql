-- expire-bot's own tables: the same tables and columns as migrations/postgres, in the
-- SQL that MySQL 8.0 and MariaDB 10.11 both run. Columns beyond the contract's fixed
-- ones all have defaults, so a row can be inserted with only
-- id/policy_id/requested_by/decided_by/status.
--
-- utf8mb4_bin on every table of the bot: its strings are identifiers (Slack user and
-- channel IDs, statuses, outbox kinds) and must compare exactly, as on PostgreSQL.
-- A _ci collation would make 'U0ABC' equal 'u0abc'; utf8mb4_unicode_ci even makes
-- all characters outside the Basic Multilingual Plane (emoji) equal to each other.
--
-- TEXT columns take their defaults as expressions, DEFAULT (''), which MySQL requires
-- for TEXT (8.0.13+) and MariaDB accepts. Timestamp defaults are UTC_TIMESTAMP(6), not
-- CURRENT_TIMESTAMP: the latter is the session's local time, and DATETIME keeps it as
-- written.

CREATE TABLE expiry_requests (
    id                   BIGINT NOT NULL AUTO_INCREMENT,
    policy_id            BIGINT NOT NULL,
    requested_by         VARCHAR(255) NOT NULL,
    decided_by           VARCHAR(255) NULL,
    status               VARCHAR(16) NOT NULL DEFAULT 'PENDING',
    -- What the approver must see, captured masked at filing time: on the primary the bot
    -- never reads riders, so the request carries its own masked copy.
    rider_id             BIGINT NULL,
    rider_name_masked    TEXT NOT NULL DEFAULT (''),
    rider_phone_masked   TEXT NOT NULL DEFAULT (''),
    rider_status         TEXT NOT NULL DEFAULT (''),
    policy_number_masked TEXT NOT NULL DEFAULT (''),
    insurer              TEXT NOT NULL DEFAULT (''),
    cancelled_at         DATETIME(6) NULL,
    reason               TEXT NOT NULL DEFAULT (''),
    requested_at         DATETIME(6) NOT NULL DEFAULT (UTC_TIMESTAMP(6)),
    expires_at           DATETIME(6) NULL,
    decided_at           DATETIME(6) NULL,
    decision_note        TEXT NULL,
    outcome              VARCHAR(32) NULL,
    channel_id           VARCHAR(255) NULL,
    message_ts           VARCHAR(64) NULL,
    -- MySQL has no partial indexes. PostgreSQL's "UNIQUE (policy_id) WHERE status =
    -- 'PENDING'" becomes a UNIQUE index on a column that is the policy_id while the
    -- request is PENDING and NULL otherwise (a UNIQUE index admits any number of NULLs):
    -- one open request per policy, so a double submit or two agents on the same case
    -- file once. STORED, so the value is kept in the row and the index needs nothing
    -- MySQL and MariaDB treat differently. Never written by the bot; a second PENDING
    -- insert for a policy fails with ER_DUP_ENTRY (1062) on this key.
    pending_policy_id    BIGINT GENERATED ALWAYS AS
        (CASE WHEN status = 'PENDING' THEN policy_id END) STORED,
    PRIMARY KEY (id),
    UNIQUE KEY expiry_requests_one_pending_per_policy (pending_policy_id),
    -- The TTL sweep (status = 'PENDING' AND expires_at <= now): PostgreSQL's partial index
    -- on expires_at, as a compound index led by status.
    KEY expiry_requests_pending_expiry (status, expires_at),
    KEY expiry_requests_policy_idx (policy_id),
    CONSTRAINT expiry_requests_status_check
        CHECK (status IN ('PENDING', 'APPROVED', 'REJECTED', 'TIMED_OUT'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Append-only history of every request event.
CREATE TABLE expiry_audit (
    id                 BIGINT NOT NULL AUTO_INCREMENT,
    request_id         BIGINT NOT NULL,
    event              VARCHAR(16) NOT NULL,
    actor              VARCHAR(255) NOT NULL,
    at                 DATETIME(6) NOT NULL DEFAULT (UTC_TIMESTAMP(6)),
    policy_id          BIGINT NOT NULL,
    status_before      TEXT NULL,
    status_after       TEXT NULL,
    valid_until_before DATETIME(6) NULL,
    valid_until_after  DATETIME(6) NULL,
    reason             TEXT NOT NULL DEFAULT (''),
    PRIMARY KEY (id),
    KEY expiry_audit_request_idx (request_id),
    CONSTRAINT expiry_audit_request_id_fkey
        FOREIGN KEY (request_id) REFERENCES expiry_requests (id),
    CONSTRAINT expiry_audit_event_check
        CHECK (event IN ('FILED', 'APPROVED', 'REJECTED', 'TIMED_OUT'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- The audit trail refuses UPDATE and DELETE for everyone, as on PostgreSQL. One trigger
-- per event (MySQL has no "UPDATE OR DELETE"), each a single SIGNAL statement: no
-- BEGIN ... END body, so no DELIMITER games for the mysql client, and sqlx sends it as is.
-- With binary logging on, creating a trigger needs SUPER or
-- log_bin_trust_function_creators=1 (RDS/Aurora: the parameter group); see docs/MYSQL.md.
CREATE TRIGGER expiry_audit_no_update BEFORE UPDATE ON expiry_audit
    FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'expiry_audit is append-only';
CREATE TRIGGER expiry_audit_no_delete BEFORE DELETE ON expiry_audit
    FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'expiry_audit is append-only';

-- Slack follow-ups that must survive a crash: one row per Slack call still owed.
CREATE TABLE slack_outbox (
    id              BIGINT NOT NULL AUTO_INCREMENT,
    request_id      BIGINT NOT NULL,
    kind            VARCHAR(64) NOT NULL,
    created_at      DATETIME(6) NOT NULL DEFAULT (UTC_TIMESTAMP(6)),
    attempts        INT NOT NULL DEFAULT 0,
    next_attempt_at DATETIME(6) NOT NULL DEFAULT (UTC_TIMESTAMP(6)),
    claimed_until   DATETIME(6) NULL,
    done_at         DATETIME(6) NULL,
    last_error      TEXT NULL,
    PRIMARY KEY (id),
    -- Also the index behind the foreign key (its leftmost column).
    UNIQUE KEY slack_outbox_request_id_kind_key (request_id, kind),
    -- Due rows (done_at IS NULL AND next_attempt_at <= now): PostgreSQL's partial index,
    -- as a compound index led by done_at.
    KEY slack_outbox_due (done_at, next_attempt_at),
    CONSTRAINT slack_outbox_request_id_fkey
        FOREIGN KEY (request_id) REFERENCES expiry_requests (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
