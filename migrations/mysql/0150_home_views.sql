-- The same as migrations/postgres/0150_home_views.sql, in the SQL MySQL 8.0 and MariaDB
-- 10.11 both run. Slack's user, channel IDs and message timestamps are short ASCII.
CREATE TABLE home_viewers (
    user_id   VARCHAR(64) NOT NULL,
    opened_at DATETIME(6) NOT NULL,
    PRIMARY KEY (user_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
ALTER TABLE digest_runs ADD COLUMN channel_id VARCHAR(64) NULL, ADD COLUMN message_ts VARCHAR(32) NULL;
