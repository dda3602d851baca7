-- expire-bot's least-privilege database roles (PostgreSQL).
--
-- Run once per database, as the owner of the tables, on the PRIMARY (roles and grants reach
-- the replica through replication):
--
--   psql "$OWNER_URL" -v writer_password='…' -v reader_password='…' -v fallback=false \
--        -f docs/db-roles.sql
--
-- Then point the bot at them:
--   DATABASE_URL=postgres://expire_bot_writer:…@primary/db
--   DATABASE_REPLICA_URL=postgres://expire_bot_reader:…@replica/db
-- and run `expire-bot migrate` with the owner's URL, never with these roles.
--
-- The integration tests run the bot with exactly these roles (tests/it/harness.rs), so a
-- statement that needs more than is granted here fails the suite.

\set ON_ERROR_STOP on

SELECT format('CREATE ROLE expire_bot_writer LOGIN PASSWORD %L', :'writer_password')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'expire_bot_writer') \gexec
SELECT format('CREATE ROLE expire_bot_reader LOGIN PASSWORD %L', :'reader_password')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'expire_bot_reader') \gexec

SELECT format('GRANT CONNECT ON DATABASE %I TO expire_bot_writer, expire_bot_reader', current_database()) \gexec
GRANT USAGE ON SCHEMA public TO expire_bot_writer, expire_bot_reader;

-- Start from nothing, so re-running this file also takes back what it no longer grants.
REVOKE ALL ON riders, hourly_insurance_policies, expiry_requests, expiry_audit, slack_outbox
    FROM expire_bot_writer, expire_bot_reader;

-- PRIMARY (expire_bot_writer): exactly what filing, the approval transaction and the
-- Slack outbox touch. No access to riders at all; on the company's policy table only the
-- columns the transaction locks, re-checks and sets. (SELECT … FOR UPDATE needs the UPDATE
-- privilege, which the expiry needs anyway.)
GRANT SELECT (id, status, valid_until), UPDATE (status, valid_until)
    ON hourly_insurance_policies TO expire_bot_writer;
GRANT SELECT, INSERT, UPDATE ON expiry_requests, slack_outbox TO expire_bot_writer;
-- The audit trail is append-only for the bot: it may add records, never read back,
-- change or remove them (a trigger also refuses UPDATE and DELETE for everyone).
GRANT INSERT ON expiry_audit TO expire_bot_writer;

-- REPLICA (expire_bot_reader): SELECT only, and read-only by default even if pointed at
-- the primary by mistake.
GRANT SELECT ON riders, hourly_insurance_policies, expiry_requests, expiry_audit
    TO expire_bot_reader;
ALTER ROLE expire_bot_reader SET default_transaction_read_only = on;

-- READ_FALLBACK=primary (the default) lets lookups fall back to the primary when the
-- replica is down; that needs read access to the lookup tables there. With
-- READ_FALLBACK=off, run this file with -v fallback=false and the writer never sees riders.
\if :fallback
GRANT SELECT ON riders, hourly_insurance_policies TO expire_bot_writer;
\endif
