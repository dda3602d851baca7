-- One approval, one round trip.
--
-- The approval transaction is six statements: claim the request, lock the policy, expire
-- it, record the outcome, append the audit record, queue the Slack follow-ups. Sent one by
-- one (plus BEGIN and COMMIT) that is eight round trips, and with fifty approvals at once
-- on a two-core machine the primary spent its time on the protocol, not on the work
-- (BENCHMARKS.md, "Approval transaction"). This function runs the same statements, in the
-- same order, inside the server: the bot sends one `SELECT … FROM expire_bot_approve(…)`,
-- which PostgreSQL runs as one transaction of its own.
--
-- Behaviour is the SQLite path's, statement for statement (src/store/requests.rs,
-- `approve_request`), and both are held to it by the same tests:
--  * the claim comes first and is the only gate: PENDING, not past its TTL, and never the
--    requester's own request. A click that loses the claim returns no row and has locked
--    nothing;
--  * the policy row is locked (FOR UPDATE) and re-read after the claim, so an expiry the
--    insurer's callback committed meanwhile is seen and reported, never overwritten;
--  * an earlier valid_until is kept.
--
-- SECURITY INVOKER (the default): the function has exactly the caller's rights, so the
-- least-privilege role (docs/db-roles.sql) still decides what the bot may touch.
-- The Slack follow-up kinds are passed in, so their names live only in the Rust code.

CREATE FUNCTION expire_bot_approve(
    p_request_id BIGINT,
    p_actor      TEXT,
    p_now        TIMESTAMPTZ,
    p_followups  TEXT[]
) RETURNS SETOF expiry_requests
LANGUAGE plpgsql
AS $$
DECLARE
    req        expiry_requests;
    has_policy BOOLEAN;
    pol_status TEXT;
    pol_until  TIMESTAMPTZ;
    new_until  TIMESTAMPTZ;
    v_outcome  TEXT;
    v_note     TEXT;
BEGIN
    UPDATE expiry_requests
       SET status = 'APPROVED', decided_by = p_actor, decided_at = p_now
     WHERE id = p_request_id AND status = 'PENDING'
       AND (expires_at IS NULL OR expires_at > p_now)
       AND requested_by <> p_actor
    RETURNING * INTO req;
    IF NOT FOUND THEN
        RETURN;
    END IF;

    SELECT status, valid_until INTO pol_status, pol_until
      FROM hourly_insurance_policies WHERE id = req.policy_id
       FOR UPDATE;
    has_policy := FOUND;

    IF NOT has_policy THEN
        v_outcome := 'POLICY_MISSING';
    ELSIF pol_status <> 'ACTIVE' THEN
        v_outcome := 'ALREADY_EXPIRED';
    ELSE
        new_until := COALESCE(req.cancelled_at, p_now);
        IF pol_until IS NOT NULL AND pol_until < new_until THEN
            new_until := pol_until;
        END IF;
        UPDATE hourly_insurance_policies SET status = 'EXPIRED', valid_until = new_until
         WHERE id = req.policy_id AND status = 'ACTIVE';
        v_outcome := 'EXPIRED';
        IF pol_until IS NOT NULL AND pol_until = new_until THEN
            v_note := 'kept_earlier_valid_until';
        END IF;
    END IF;

    UPDATE expiry_requests SET outcome = v_outcome, decision_note = v_note
     WHERE id = p_request_id
    RETURNING * INTO req;

    INSERT INTO expiry_audit (request_id, event, actor, at, policy_id, status_before,
                              status_after, valid_until_before, valid_until_after, reason)
    VALUES (p_request_id, 'APPROVED', p_actor, p_now, req.policy_id,
            pol_status,
            CASE v_outcome WHEN 'EXPIRED' THEN 'EXPIRED' ELSE pol_status END,
            pol_until,
            CASE v_outcome WHEN 'EXPIRED' THEN new_until ELSE pol_until END,
            v_outcome);

    INSERT INTO slack_outbox (request_id, kind, next_attempt_at)
    SELECT p_request_id, kind, p_now FROM unnest(p_followups) AS kind
    ON CONFLICT (request_id, kind) DO NOTHING;

    RETURN NEXT req;
END;
$$;
