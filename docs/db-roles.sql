-- expire-bot's two least-privilege database roles. Run with psql, as a superuser or the
-- owner of the tables, on the PRIMARY, in the bot's database, AFTER `expire-bot migrate`
-- (the grants name the bot's tables, so they must exist). Roles are cluster-wide and reach
-- the streaming replica through replication, like every other change.
--
--   psql "postgres://admin@primary/expire_bot" -v ON_ERROR_STOP=1 \
--        -v primary_password="$PRIMARY_PW" -v replica_password="$REPLICA_PW" \
--        -f docs/db-roles.sql
--
-- Then:  DATABASE_URL=postgres://expire_bot_primary:$PRIMARY_PW@primary/expire_bot
--        DATABASE_REPLICA_URL=postgres://expire_bot_replica:$REPLICA_PW@replica/expire_bot
--
-- Safe to run again (after a migration, or to rotate passwords): roles are created only if
-- missing, and every grant is revoked and given anew, so the result never drifts.
--
-- Optional: -v read_fallback_on_primary=1 also lets the primary role read riders and
-- policies, which READ_FALLBACK=primary (the bot's default) needs to answer lookups from
-- the primary while the replica is down. Without it, run the bot with READ_FALLBACK=off:
-- the contract's rule "on the primary the bot never reads riders" is then enforced by the
-- database itself, not only by the code.
--
-- `expire-bot migrate` itself needs DDL rights (CREATE on the schema); run it as the
-- tables' owner, never as one of these two roles.

\set ON_ERROR_STOP on

-- Fail early, with a plain message and a non-zero exit, when a password was not given.
\if :{?primary_password}
\else
DO $$ BEGIN RAISE EXCEPTION 'db-roles.sql: pass -v primary_password=... (the password of expire_bot_primary)'; END $$;
\endif
\if :{?replica_password}
\else
DO $$ BEGIN RAISE EXCEPTION 'db-roles.sql: pass -v replica_password=... (the password of expire_bot_replica)'; END $$;
\endif

BEGIN;

SELECT 'CREATE ROLE expire_bot_primary LOGIN'
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'expire_bot_primary') \gexec
SELECT 'CREATE ROLE expire_bot_replica LOGIN'
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'expire_bot_replica') \gexec

ALTER ROLE expire_bot_primary WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT
    PASSWORD :'primary_password';
ALTER ROLE expire_bot_replica WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT
    PASSWORD :'replica_password';
-- The bot already opens replica sessions read-only; this makes it so for any client.
ALTER ROLE expire_bot_replica SET default_transaction_read_only = on;

-- Start from nothing, so a second run converges to exactly what is below. (Revoking a
-- table privilege also revokes the column privileges on it.)
REVOKE ALL ON riders, hourly_insurance_policies, expiry_requests, expiry_audit, slack_outbox,
    digest_runs, digest_items, form_state, expiry_approvals, slack_events, lookup_audit,
    home_viewers
    FROM expire_bot_primary, expire_bot_replica;

-- Nobody but the owner creates objects in the bot's schema (PostgreSQL 15 made this the
-- default for new databases; older ones, and databases upgraded from them, still let
-- PUBLIC create): a table or function planted there could shadow the bot's or the
-- company's. Migrations run as the owner and are not affected.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO expire_bot_primary, expire_bot_replica;

-- Replica: every lookup (riders joined with their policies), the replication-lag probe
-- (pg_last_wal_*() and pg_last_xact_replay_timestamp() are open to everyone), and the
-- bot's own tables for history and reporting.
GRANT SELECT ON riders, hourly_insurance_policies, expiry_requests, expiry_audit,
    expiry_approvals TO expire_bot_replica;
-- The digest's "File requests for all" re-reads the policies a digest listed.
GRANT SELECT ON digest_items TO expire_bot_replica;
-- The approvers' Home tab names the last digest posted (migration 0150).
GRANT SELECT ON digest_runs TO expire_bot_replica;

-- Primary: only what the statements in src/store/requests.rs run.
--  * the approval transaction locks the policy row it is about to change
--    (SELECT status, valid_until … WHERE id = $1 FOR UPDATE) and expires it
--    (UPDATE … SET status, valid_until WHERE id = $2 AND status = 'ACTIVE'):
--    no other column of the company's table is readable or writable, and riders not at all.
GRANT SELECT (id, status, valid_until), UPDATE (status, valid_until)
    ON hourly_insurance_policies TO expire_bot_primary;
--  * requests: filed (INSERT … RETURNING) and read back; of a filed request the bot
--    changes only its decision (claimed and decided: status, decided_by, decided_at,
--    decision_note, outcome), where its message was posted (channel_id, message_ts), the
--    approvals counted so far and when its reminder went out (approvals, reminded_at).
--    What was filed — the policy, the requester, the reason, the deadline — is not
--    writable after the INSERT.
GRANT SELECT, INSERT ON expiry_requests TO expire_bot_primary;
GRANT UPDATE (status, decided_by, decided_at, decision_note, outcome, channel_id, message_ts,
               approvals, reminded_at)
    ON expiry_requests TO expire_bot_primary;
--  * the audit trail is append-only (a trigger also refuses UPDATE/DELETE for everyone),
--    and the bot never reads it on the primary (history reads it on the replica).
GRANT INSERT ON expiry_audit TO expire_bot_primary;
--  * the lookup audit (migration 0130): appended per lookup, counted for the per-person
--    limit, and completed with how many riders matched.
GRANT SELECT, INSERT ON lookup_audit TO expire_bot_primary;
GRANT UPDATE (riders_matched) ON lookup_audit TO expire_bot_primary;
--  * the approvals given (migration 0100): recorded, counted, read for the messages. An
--    approval is never changed or taken back.
GRANT SELECT, INSERT ON expiry_approvals TO expire_bot_primary;
--  * the Slack outbox: queued, leased, completed. Rows are never deleted.
GRANT SELECT, INSERT, UPDATE ON slack_outbox TO expire_bot_primary;
--  * the withdrawn-rider digest's bookkeeping: one claimed row per schedule slot (released
--    with DELETE when nothing could be posted) and the policies each digest listed.
GRANT SELECT, INSERT, UPDATE, DELETE ON digest_runs, digest_items TO expire_bot_primary;
--  * a modal step's state too big for Slack's private_metadata (migration 0090): saved,
--    read back by its token, and swept (DELETE) once expired.
GRANT SELECT, INSERT, DELETE ON form_state TO expire_bot_primary;
--  * the Events API deliveries already taken (migration 0140): claimed (INSERT … ON CONFLICT
--    DO NOTHING, which needs SELECT for the conflict target) and swept (DELETE) after a day.
GRANT SELECT, INSERT, DELETE ON slack_events TO expire_bot_primary;
--  * who opened the Home tab (migration 0150): recorded (INSERT … ON CONFLICT DO UPDATE),
--    read by the outbox to republish their views, swept (DELETE) after 30 days.
GRANT SELECT, INSERT, UPDATE, DELETE ON home_viewers TO expire_bot_primary;
--  * the identity sequences behind the five tables' ids.
SELECT format('GRANT USAGE ON SEQUENCE %s TO expire_bot_primary', pg_get_serial_sequence(t, 'id'))
  FROM unnest(ARRAY['expiry_requests', 'expiry_audit', 'slack_outbox', 'expiry_approvals', 'lookup_audit']) AS t \gexec
--  * the approval, run server-side in one round trip (migration 0100, which replaced
--    0080's; its search_path is fixed by 0131). The function is SECURITY INVOKER: calling it grants nothing beyond the
--    privileges above. Functions are executable by PUBLIC unless revoked; only the bot's
--    primary role needs this one.
REVOKE ALL ON FUNCTION expire_bot_approve(BIGINT, TEXT, TIMESTAMPTZ, TEXT[], TEXT[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION expire_bot_approve(BIGINT, TEXT, TIMESTAMPTZ, TEXT[], TEXT[])
    TO expire_bot_primary;
--  * which migrations are applied (check-config may compare them with the binary's).
SELECT 'GRANT SELECT ON _sqlx_migrations TO expire_bot_primary, expire_bot_replica'
 WHERE to_regclass('_sqlx_migrations') IS NOT NULL \gexec

\if :{?read_fallback_on_primary}
-- READ_FALLBACK=primary: lookups may be answered by the primary while the replica is down.
GRANT SELECT ON riders, hourly_insurance_policies TO expire_bot_primary;
\endif

COMMIT;
