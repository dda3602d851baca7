-- The company's existing tables, created for the embedded default database.
CREATE TABLE IF NOT EXISTS riders (
    id           BIGINT PRIMARY KEY,
    name         TEXT NOT NULL,
    phone        TEXT NOT NULL,
    birth_date   DATE,
    status       TEXT NOT NULL,
    withdrawn_at TIMESTAMPTZ
);
CREATE INDEX IF NOT EXISTS riders_phone_idx ON riders (phone);

CREATE TABLE IF NOT EXISTS hourly_insurance_policies (
    id            BIGINT PRIMARY KEY,
    rider_id      BIGINT NOT NULL REFERENCES riders (id),
    insurer       TEXT NOT NULL,
    policy_number TEXT NOT NULL UNIQUE,
    status        TEXT NOT NULL,
    valid_from    TIMESTAMPTZ NOT NULL,
    valid_until   TIMESTAMPTZ
);
CREATE INDEX IF NOT EXISTS hourly_insurance_policies_rider_id_idx
    ON hourly_insurance_policies (rider_id);
