-- The same change as migrations/postgres/0100_approval_workflow.sql, in SQLite's dialect.
--
-- SQLite cannot alter a CHECK constraint, so expiry_requests and expiry_audit are rebuilt.
-- SQLite's own recipe (lang_altertable.html, "Making Other Kinds Of Table Schema Changes")
-- turns foreign keys off first, which cannot be done inside a transaction, and sqlx runs
-- every SQLite migration inside one. So this keeps them on and defers them instead: the
-- rows are kept aside, the table is dropped (its children's references dangle for a moment,
-- counted by SQLite as deferred violations), created anew under the same name and filled
-- again, which satisfies every reference before the commit checks them. Nothing is
-- renamed, so slack_outbox, expiry_audit and the new expiry_approvals keep referring to
-- expiry_requests by name. `PRAGMA defer_foreign_keys` ends with the transaction.

PRAGMA defer_foreign_keys = ON;

CREATE TEMP TABLE expiry_requests_kept AS SELECT * FROM expiry_requests;
DROP TABLE expiry_requests;
CREATE TABLE expiry_requests (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    policy_id            BIGINT NOT NULL,
    requested_by         TEXT NOT NULL,
    decided_by           TEXT,
    status               TEXT NOT NULL DEFAULT 'PENDING'
        CHECK (status IN ('PENDING', 'APPROVED', 'REJECTED', 'TIMED_OUT', 'CANCELLED')),
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
    message_ts           TEXT,
    approvals_required   INTEGER NOT NULL DEFAULT 1 CHECK (approvals_required >= 1),
    approvals            INTEGER NOT NULL DEFAULT 0,
    backdated            BOOLEAN NOT NULL DEFAULT FALSE,
    remind_at            TIMESTAMPTZ,
    reminded_at          TIMESTAMPTZ
);
INSERT INTO expiry_requests (id, policy_id, requested_by, decided_by, status, rider_id,
    rider_name_masked, rider_phone_masked, rider_status, policy_number_masked, insurer,
    cancelled_at, reason, requested_at, expires_at, decided_at, decision_note, outcome,
    channel_id, message_ts, approvals)
SELECT id, policy_id, requested_by, decided_by, status, rider_id, rider_name_masked,
    rider_phone_masked, rider_status, policy_number_masked, insurer, cancelled_at, reason,
    requested_at, expires_at, decided_at, decision_note, outcome, channel_id, message_ts,
    CASE status WHEN 'APPROVED' THEN 1 ELSE 0 END
  FROM expiry_requests_kept;
DROP TABLE expiry_requests_kept;
CREATE UNIQUE INDEX expiry_requests_one_pending_per_policy
    ON expiry_requests (policy_id) WHERE status = 'PENDING';
CREATE INDEX expiry_requests_pending_expiry ON expiry_requests (expires_at) WHERE status = 'PENDING';
CREATE INDEX expiry_requests_policy_idx ON expiry_requests (policy_id);
CREATE INDEX expiry_requests_reminder_due ON expiry_requests (remind_at)
    WHERE status = 'PENDING' AND reminded_at IS NULL;

CREATE TEMP TABLE expiry_audit_kept AS SELECT * FROM expiry_audit;
DROP TABLE expiry_audit;
CREATE TABLE expiry_audit (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id         BIGINT NOT NULL REFERENCES expiry_requests (id),
    event              TEXT NOT NULL CHECK (event IN ('FILED', 'APPROVAL_RECORDED', 'APPROVED',
                           'REJECTED', 'TIMED_OUT', 'REMINDED', 'CANCELLED')),
    actor              TEXT NOT NULL,
    at                 TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')),
    policy_id          BIGINT NOT NULL,
    status_before      TEXT,
    status_after       TEXT,
    valid_until_before TIMESTAMPTZ,
    valid_until_after  TIMESTAMPTZ,
    reason             TEXT NOT NULL DEFAULT ''
);
INSERT INTO expiry_audit (id, request_id, event, actor, at, policy_id, status_before,
    status_after, valid_until_before, valid_until_after, reason)
SELECT id, request_id, event, actor, at, policy_id, status_before, status_after,
    valid_until_before, valid_until_after, reason
  FROM expiry_audit_kept;
DROP TABLE expiry_audit_kept;
CREATE INDEX expiry_audit_request_idx ON expiry_audit (request_id);
CREATE TRIGGER expiry_audit_no_update BEFORE UPDATE ON expiry_audit
BEGIN
    SELECT RAISE(ABORT, 'expiry_audit is append-only');
END;
CREATE TRIGGER expiry_audit_no_delete BEFORE DELETE ON expiry_audit
BEGIN
    SELECT RAISE(ABORT, 'expiry_audit is append-only');
END;

CREATE TABLE expiry_approvals (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id  BIGINT NOT NULL REFERENCES expiry_requests (id),
    approver    TEXT NOT NULL,
    approved_at TIMESTAMPTZ NOT NULL,
    UNIQUE (request_id, approver)
);

-- Approved requests before this migration had their one approval; record it, so history
-- reads the same for old and new requests.
INSERT INTO expiry_approvals (request_id, approver, approved_at)
SELECT id, decided_by, decided_at FROM expiry_requests
 WHERE status = 'APPROVED' AND decided_by IS NOT NULL AND decided_at IS NOT NULL;
