SET statement_timeout = '10s';
PREPARE scan(bigint) AS WITH hits AS MATERIALIZED (
           SELECT r.id AS rider_id, p.id AS policy_id, r.withdrawn_at
             FROM riders r
             JOIN hourly_insurance_policies p ON p.rider_id = r.id AND p.status = 'ACTIVE'
            WHERE r.status = 'WITHDRAWN'
            ORDER BY r.withdrawn_at ASC NULLS LAST, r.id, p.id
            LIMIT $1)
         SELECT r.id AS rider_id, r.name, r.phone, r.status AS rider_status, r.withdrawn_at,
       p.id AS policy_id, p.insurer, p.policy_number, p.status AS policy_status, p.valid_from, p.valid_until
           FROM hits h
           JOIN riders r ON r.id = h.rider_id
           JOIN hourly_insurance_policies p ON p.id = h.policy_id
          ORDER BY h.withdrawn_at ASC NULLS LAST, h.rider_id, h.policy_id;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE scan(1001);
\timing on
EXECUTE scan(1001) \g /dev/null
EXECUTE scan(1001) \g /dev/null
EXECUTE scan(1001) \g /dev/null
EXECUTE scan(1001) \g /dev/null
EXECUTE scan(1001) \g /dev/null
\timing off
EXPLAIN (ANALYZE, BUFFERS) SELECT COUNT(*) FILTER (WHERE c.n > 0), COALESCE(SUM(c.n), 0)::BIGINT
       FROM riders r
       CROSS JOIN LATERAL (SELECT COUNT(*) AS n FROM hourly_insurance_policies p
                            WHERE p.rider_id = r.id AND p.status = 'ACTIVE') c
      WHERE r.status = 'WITHDRAWN';
\timing on
SELECT COUNT(*) FILTER (WHERE c.n > 0), COALESCE(SUM(c.n), 0)::BIGINT FROM riders r CROSS JOIN LATERAL (SELECT COUNT(*) AS n FROM hourly_insurance_policies p WHERE p.rider_id = r.id AND p.status = 'ACTIVE') c WHERE r.status = 'WITHDRAWN';
SELECT COUNT(*) FILTER (WHERE c.n > 0), COALESCE(SUM(c.n), 0)::BIGINT FROM riders r CROSS JOIN LATERAL (SELECT COUNT(*) AS n FROM hourly_insurance_policies p WHERE p.rider_id = r.id AND p.status = 'ACTIVE') c WHERE r.status = 'WITHDRAWN';
SELECT COUNT(*) FILTER (WHERE c.n > 0), COALESCE(SUM(c.n), 0)::BIGINT FROM riders r CROSS JOIN LATERAL (SELECT COUNT(*) AS n FROM hourly_insurance_policies p WHERE p.rider_id = r.id AND p.status = 'ACTIVE') c WHERE r.status = 'WITHDRAWN';
