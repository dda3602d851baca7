-- State of a modal step that does not fit Slack's private_metadata (3,000 characters):
-- the choice step of up to 50 candidates, their IDs and a reason that may be ~1,000
-- characters of quotes and control characters (each escaped to six in JSON). The view
-- carries only the unguessable token; rows expire and are swept on the next write.
CREATE TABLE form_state (
    token       TEXT PRIMARY KEY,
    payload     TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX form_state_expires_idx ON form_state (expires_at);
