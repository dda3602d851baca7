-- The approval workflow of issue 14 on the MySQL family: the same tables and columns as
-- migrations/postgres/0100_approval_workflow.sql (see it for why each exists), in the SQL
-- MySQL 8.0 and MariaDB 10.11 both run. (0100 is this family's heartbeat table.)
--
-- * expiry_requests gains approvals_required, approvals, backdated, remind_at and
--   reminded_at, and CANCELLED (the requester withdrew the request) joins its statuses.
-- * expiry_audit's events gain APPROVAL_RECORDED, REMINDED and CANCELLED. APPROVAL_RECORDED
--   is 17 characters, one more than the column took: it is widened (strict mode would
--   refuse the insert rather than cut it).
-- * expiry_approvals: one row per approval given; its unique (request_id, approver) key
--   makes "the same person counts once" a fact of the database.
--
-- A CHECK constraint is dropped and added again under the same name in separate
-- statements: MySQL checks the new name against the old one within one ALTER TABLE.
-- DROP CONSTRAINT is MySQL 8.0.19+ and MariaDB 10.2+.

ALTER TABLE expiry_requests DROP CONSTRAINT expiry_requests_status_check;
ALTER TABLE expiry_requests
    ADD CONSTRAINT expiry_requests_status_check
        CHECK (status IN ('PENDING', 'APPROVED', 'REJECTED', 'TIMED_OUT', 'CANCELLED')),
    ADD COLUMN approvals_required INT NOT NULL DEFAULT 1,
    ADD COLUMN approvals INT NOT NULL DEFAULT 0,
    ADD COLUMN backdated BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN remind_at DATETIME(6) NULL,
    ADD COLUMN reminded_at DATETIME(6) NULL,
    ADD CONSTRAINT expiry_requests_approvals_required_check CHECK (approvals_required >= 1),
    -- The reminder sweep (status = 'PENDING' AND reminded_at IS NULL AND remind_at <= now):
    -- PostgreSQL's partial index on remind_at, as a compound index led by its equalities.
    ADD KEY expiry_requests_reminder_due (status, reminded_at, remind_at);

ALTER TABLE expiry_audit DROP CONSTRAINT expiry_audit_event_check;
ALTER TABLE expiry_audit
    MODIFY event VARCHAR(32) NOT NULL,
    ADD CONSTRAINT expiry_audit_event_check
        CHECK (event IN ('FILED', 'APPROVAL_RECORDED', 'APPROVED', 'REJECTED', 'TIMED_OUT',
                         'REMINDED', 'CANCELLED'));

CREATE TABLE expiry_approvals (
    id          BIGINT NOT NULL AUTO_INCREMENT,
    request_id  BIGINT NOT NULL,
    approver    VARCHAR(255) NOT NULL,
    approved_at DATETIME(6) NOT NULL,
    PRIMARY KEY (id),
    -- Also the index behind the foreign key (its leftmost column).
    UNIQUE KEY expiry_approvals_request_id_approver_key (request_id, approver),
    CONSTRAINT expiry_approvals_request_id_fkey
        FOREIGN KEY (request_id) REFERENCES expiry_requests (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Approved requests before this migration had their one approval; record it, so history
-- and the count read the same for old and new requests. ORDER BY: an INSERT … SELECT
-- into an AUTO_INCREMENT table is replicated as a statement only when its order is fixed.
UPDATE expiry_requests SET approvals = 1 WHERE status = 'APPROVED';
INSERT INTO expiry_approvals (request_id, approver, approved_at)
SELECT id, decided_by, decided_at FROM expiry_requests
 WHERE status = 'APPROVED' AND decided_by IS NOT NULL AND decided_at IS NOT NULL
 ORDER BY id;
