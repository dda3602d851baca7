-- The same table as migrations/postgres/0090_form_state.sql, in SQLite's dialect.
CREATE TABLE form_state (
    token       TEXT PRIMARY KEY,
    payload     TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX form_state_expires_idx ON form_state (expires_at);
