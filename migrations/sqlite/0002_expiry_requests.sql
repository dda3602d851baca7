-- expire-bot's own tables: the same shape as migrations/postgres, in SQLite's dialect.
-- Timestamps are RFC 3339 text written by the bot, so they compare correctly as text.

CREATE TABLE expiry_requests (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    policy_id            BIGINT NOT NULL,
    requested_by         TEXT NOT NULL,
    decided_by           TEXT,
    status               TEXT NOT NULL DEFAULT 'PENDING'
        CHECK (status IN ('PENDING', 'APPROVED', 'REJECTED', 'TIMED_OUT')),
    rider_id             BIGINT,
    rider_name_masked    TEXT NOT NULL DEFAULT '',
    rider_phone_masked   TEXT NOT NULL DEFAULT '',
    rider_status         TEXT NOT NULL DEFAULT '',
    policy_number_masked TEXT NOT NULL DEFAULT '',
    insurer              TEXT NOT NULL DEFAULT '',
    cancelled_at         TIMESTAMPTZ,
    reason               TEXT NOT NULL DEFAULT '',
    requested_at         TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')),
    expires_at           TIMESTAMPTZ,
    decided_at           TIMESTAMPTZ,
    decision_note        TEXT,
    outcome              TEXT,
    channel_id           TEXT,
    message_ts           TEXT
);
CREATE UNIQUE INDEX expiry_requests_one_pending_per_policy
    ON expiry_requests (policy_id) WHERE status = 'PENDING';
CREATE INDEX expiry_requests_pending_expiry ON expiry_requests (expires_at) WHERE status = 'PENDING';
CREATE INDEX expiry_requests_policy_idx ON expiry_requests (policy_id);

CREATE TABLE expiry_audit (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id         BIGINT NOT NULL REFERENCES expiry_requests (id),
    event              TEXT NOT NULL CHECK (event IN ('FILED', 'APPROVED', 'REJECTED', 'TIMED_OUT')),
    actor              TEXT NOT NULL,
    at                 TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')),
    policy_id          BIGINT NOT NULL,
    status_before      TEXT,
    status_after       TEXT,
    valid_until_before TIMESTAMPTZ,
    valid_until_after  TIMESTAMPTZ,
    reason             TEXT NOT NULL DEFAULT ''
);
CREATE INDEX expiry_audit_request_idx ON expiry_audit (request_id);
CREATE TRIGGER expiry_audit_no_update BEFORE UPDATE ON expiry_audit
BEGIN
    SELECT RAISE(ABORT, 'expiry_audit is append-only');
END;
CREATE TRIGGER expiry_audit_no_delete BEFORE DELETE ON expiry_audit
BEGIN
    SELECT RAISE(ABORT, 'expiry_audit is append-only');
END;

CREATE TABLE slack_outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id      BIGINT NOT NULL REFERENCES expiry_requests (id),
    kind            TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')),
    claimed_until   TIMESTAMPTZ,
    done_at         TIMESTAMPTZ,
    last_error      TEXT,
    UNIQUE (request_id, kind)
);
CREATE INDEX slack_outbox_due ON slack_outbox (next_attempt_at) WHERE done_at IS NULL;
