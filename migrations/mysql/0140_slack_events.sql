-- The same table as migrations/postgres/0140_slack_events.sql, in the SQL MySQL 8.0 and
-- MariaDB 10.11 both run. Slack's event IDs are short ASCII (`Ev0123ABCD`); VARCHAR so the
-- column can be the key, compared exactly (utf8mb4_bin) like every string of the bot's.
CREATE TABLE slack_events (
    event_id     VARCHAR(255) NOT NULL,
    received_at  DATETIME(6) NOT NULL,
    PRIMARY KEY (event_id),
    KEY slack_events_received_idx (received_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
