-- The same as migrations/postgres/0150_home_views.sql, in SQLite's dialect.
CREATE TABLE home_viewers (
    user_id   TEXT PRIMARY KEY,
    opened_at TIMESTAMPTZ NOT NULL
);
ALTER TABLE digest_runs ADD COLUMN channel_id TEXT;
ALTER TABLE digest_runs ADD COLUMN message_ts TEXT;
