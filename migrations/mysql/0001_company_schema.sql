-- The company's existing tables, created here for development and tests only.
-- In production they already exist; IF NOT EXISTS leaves them untouched.
--
-- MySQL dialect notes (shared by every file in this folder, see docs/MYSQL.md):
--  * Only SQL that both MySQL 8.0 (Aurora MySQL 3) and MariaDB 10.11 run.
--  * A column PostgreSQL declares TEXT is TEXT here too, unless it is indexed: MySQL
--    cannot index TEXT without a prefix length, so indexed strings are VARCHAR.
--  * TIMESTAMPTZ becomes DATETIME(6) holding UTC. DATETIME, unlike TIMESTAMP, is never
--    converted through the session time zone and has no 2038 limit; the bot writes and
--    reads UTC whatever the session's time_zone (sqlx also sets time_zone='+00:00').
--  * Foreign keys are table constraints: MySQL 8.0 parses and silently ignores a
--    column-level REFERENCES.
--  * The company's tables take the utf8mb4 default collation (case-insensitive, as such
--    schemas usually are); nothing the bot does compares their strings except digits.
CREATE TABLE IF NOT EXISTS riders (
    id           BIGINT NOT NULL,
    name         TEXT NOT NULL,
    phone        VARCHAR(64) NOT NULL,
    birth_date   DATE NULL,
    status       VARCHAR(32) NOT NULL,
    withdrawn_at DATETIME(6) NULL,
    PRIMARY KEY (id),
    KEY riders_phone_idx (phone)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE IF NOT EXISTS hourly_insurance_policies (
    id            BIGINT NOT NULL,
    rider_id      BIGINT NOT NULL,
    insurer       TEXT NOT NULL,
    policy_number VARCHAR(128) NOT NULL,
    status        VARCHAR(32) NOT NULL,
    valid_from    DATETIME(6) NOT NULL,
    valid_until   DATETIME(6) NULL,
    PRIMARY KEY (id),
    UNIQUE KEY hourly_insurance_policies_policy_number_key (policy_number),
    KEY hourly_insurance_policies_rider_id_idx (rider_id),
    CONSTRAINT hourly_insurance_policies_rider_id_fkey
        FOREIGN KEY (rider_id) REFERENCES riders (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
