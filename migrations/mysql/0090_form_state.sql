-- The same table as migrations/postgres/0090_form_state.sql, in the SQL MySQL 8.0 and
-- MariaDB 10.11 both run: state of a modal step that does not fit Slack's private_metadata
-- (3,000 characters), kept under an unguessable token (64 hex characters) and swept once
-- expired. The token is a VARCHAR (MySQL cannot key a TEXT column without a prefix) and,
-- like every string of the bot's, compares exactly (utf8mb4_bin). The payload is
-- MEDIUMTEXT: up to 50 candidates and a reason of ~1,000 characters escaped to six each in
-- JSON can pass TEXT's 64 KB.
CREATE TABLE form_state (
    token       VARCHAR(128) NOT NULL,
    payload     MEDIUMTEXT NOT NULL,
    created_at  DATETIME(6) NOT NULL,
    expires_at  DATETIME(6) NOT NULL,
    PRIMARY KEY (token),
    KEY form_state_expires_idx (expires_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
