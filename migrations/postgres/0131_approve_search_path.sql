-- Issue 12: the approval function resolves names on a fixed search_path.
--
-- Without one, expire_bot_approve resolves hourly_insurance_policies, expiry_requests,
-- expiry_audit and slack_outbox through the CALLER's search_path, where pg_temp comes
-- first by default: a session allowed to create a temporary table could shadow the
-- company's policy table inside the approval. The path is pinned to pg_catalog, the schema
-- the migrations run in, and pg_temp last.
--
-- Only the function's search_path setting changes, not its body, and for every
-- signature of expire_bot_approve that exists when this runs (0080's, or a later
-- redefinition's), so it composes with migrations that redefine the function. A migration
-- that later re-creates the function with CREATE OR REPLACE must say SET search_path
-- itself (or repeat this statement): CREATE OR REPLACE replaces the setting too.
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure
               FROM pg_proc p
              WHERE p.proname = 'expire_bot_approve'
                AND p.pronamespace = current_schema()::regnamespace
    LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, %I, pg_temp',
                       f, current_schema());
    END LOOP;
END;
$$;
