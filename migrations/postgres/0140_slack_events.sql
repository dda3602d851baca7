-- Events API deliveries already taken (issue 15): one row per Slack `event_id`, claimed by
-- the first instance that receives it. Slack retries an event it thinks went unanswered
-- (`X-Slack-Retry-Num`), possibly to another instance; the primary key makes the claim one
-- insert-or-nothing, so every event is handled once across all instances. Rows older than a
-- day are swept on the next claim (Slack retries for minutes, never days).
CREATE TABLE slack_events (
    event_id     TEXT PRIMARY KEY,
    received_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX slack_events_received_idx ON slack_events (received_at);
