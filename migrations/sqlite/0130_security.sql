-- The same changes as migrations/postgres/0130_security.sql, in SQLite's dialect.
ALTER TABLE expiry_requests ADD COLUMN view_id TEXT;
CREATE UNIQUE INDEX expiry_requests_one_per_view
    ON expiry_requests (view_id) WHERE view_id IS NOT NULL;

CREATE TABLE lookup_audit (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    looked_up_by   TEXT NOT NULL,
    looked_at      TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')),
    kind           TEXT NOT NULL CHECK (kind IN ('request', 'history')),
    query_masked   TEXT NOT NULL,
    riders_matched INTEGER
);
CREATE INDEX lookup_audit_by_person ON lookup_audit (looked_up_by, looked_at);

ALTER TABLE slack_outbox ADD COLUMN failed_at TIMESTAMPTZ;
