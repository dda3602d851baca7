-- The App Home tab kept current (issue 15). Numbered 0150+ like the other branches'
-- migrations; sqlx applies any unapplied version, whatever its position.

-- Who has opened the bot's Home tab, and when last: after a request changes state, the
-- outbox republishes the Home views of these people (those who may see the request), so a
-- tab left open shows what is true without being reopened. Bounded by the people who use
-- the app; rows older than the bot looks back (30 days) are ignored and swept.
CREATE TABLE home_viewers (
    user_id   TEXT PRIMARY KEY,
    opened_at TIMESTAMPTZ NOT NULL
);

-- Where each digest's first message was posted, for the approvers' Home tab ("the last
-- digest: N riders, M policies — open"). NULL for digests posted before this migration.
ALTER TABLE digest_runs ADD COLUMN channel_id TEXT, ADD COLUMN message_ts TEXT;
