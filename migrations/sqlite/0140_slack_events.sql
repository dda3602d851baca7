-- The same table as migrations/postgres/0140_slack_events.sql, in SQLite's dialect.
CREATE TABLE slack_events (
    event_id     TEXT PRIMARY KEY,
    received_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX slack_events_received_idx ON slack_events (received_at);
