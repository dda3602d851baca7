#!/usr/bin/env bash
# EXPLAIN (ANALYZE, BUFFERS) of the withdrawn-rider digest's scan, on the replica of a
# throwaway PostgreSQL primary + streaming replica (scripts/pg-cluster.sh), over a
# generated data set. Prints the plans with and without the digest's two partial indexes
# (riders_withdrawn_idx, hourly_insurance_policies_active_rider_idx, migrations 0071 and
# 0072), and warm timings. Tears the cluster down at the end.
#
# Usage: scripts/digest-explain.sh [RIDERS] [WITHDRAWN_PCT] [STILL_ACTIVE_PCT]
#   RIDERS            riders to generate (default 200000)
#   WITHDRAWN_PCT     share of riders that are WITHDRAWN (default 3: the two-month
#                     deletion window keeps only recent leavers)
#   STILL_ACTIVE_PCT  share of withdrawn riders whose policy is still ACTIVE (default 10)
# Every rider has one current policy (ACTIVE, or EXPIRED for the other withdrawn riders);
# every third rider also has an older EXPIRED one.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
N=${1:-200000}
WPCT=${2:-3}
APCT=${3:-10}

DIR="$(mktemp -d /tmp/expire-bot-explain.XXXXXX)"
chmod 755 "$DIR"
trap 'scripts/pg-cluster.sh stop "$DIR" || true' EXIT
# shellcheck disable=SC1090
source "$(scripts/pg-cluster.sh start "$DIR")"

sql() { # URL  (SQL on stdin)
    runuser -u postgres -- "$PG_BIN/psql" "$1" -X -q -v ON_ERROR_STOP=1 \
        -v n="$N" -v wpct="$WPCT" -v apct="$APCT"
}

for f in migrations/postgres/*.sql; do
    sql "$PG_ADMIN_PRIMARY_URL" <"$f"
done

t0=$SECONDS
sql "$PG_ADMIN_PRIMARY_URL" <<'EOF'
INSERT INTO riders (id, name, phone, birth_date, status, withdrawn_at)
SELECT g, '라이더' || g, '010' || lpad((10000000 + g)::text, 8, '0'),
       date '1970-01-01' + (g % 15000),
       CASE WHEN g % 100 < :wpct THEN 'WITHDRAWN' ELSE 'ACTIVE' END,
       CASE WHEN g % 100 < :wpct
            THEN now() - make_interval(days => (g / 100) % 60, mins => g % 1440) END
  FROM generate_series(1, :n) g;
INSERT INTO hourly_insurance_policies (id, rider_id, insurer, policy_number, status, valid_from, valid_until)
SELECT g, g, CASE WHEN g % 2 = 0 THEN '한빛손해보험' ELSE '바로화재' END,
       'HP-' || lpad(g::text, 10, '0'),
       CASE WHEN g % 100 >= :wpct OR abs(hashint4(g)) % 100 < :apct THEN 'ACTIVE' ELSE 'EXPIRED' END,
       now() - make_interval(days => 100 + g % 300),
       CASE WHEN g % 100 >= :wpct OR abs(hashint4(g)) % 100 < :apct THEN NULL ELSE now() - interval '1 day' END
  FROM generate_series(1, :n) g;
INSERT INTO hourly_insurance_policies (id, rider_id, insurer, policy_number, status, valid_from, valid_until)
SELECT :n + g, g * 3, '바로화재', 'OLD-' || lpad(g::text, 10, '0'), 'EXPIRED',
       now() - interval '800 days', now() - interval '500 days'
  FROM generate_series(1, :n / 3) g;
VACUUM ANALYZE riders;
VACUUM ANALYZE hourly_insurance_policies;
EOF
echo "generated $N riders in $((SECONDS - t0)) s"
scripts/pg-cluster.sh wait-replay "$DIR"

# Must match crate::store::digest_scan_sql() (LIMIT = MAX_LISTED_POLICIES).
SCAN="WITH hits AS MATERIALIZED (
  SELECT r.id AS rider_id, p.id AS policy_id, r.withdrawn_at
    FROM riders r
    JOIN hourly_insurance_policies p ON p.rider_id = r.id AND p.status = 'ACTIVE'
   WHERE r.status = 'WITHDRAWN'
   ORDER BY r.withdrawn_at ASC NULLS LAST, r.id, p.id
   LIMIT 1000)
SELECT r.id AS rider_id, r.name, r.phone, r.status AS rider_status, r.withdrawn_at,
       p.id AS policy_id, p.insurer, p.policy_number, p.status AS policy_status, p.valid_from, p.valid_until
  FROM hits h
  JOIN riders r ON r.id = h.rider_id
  JOIN hourly_insurance_policies p ON p.id = h.policy_id
 ORDER BY h.withdrawn_at ASC NULLS LAST, h.rider_id, h.policy_id"
# Must match crate::store::digest COUNT_SQL_PG.
COUNT="SELECT COUNT(*) FILTER (WHERE c.n > 0), COALESCE(SUM(c.n), 0)::BIGINT
  FROM riders r
  CROSS JOIN LATERAL (SELECT COUNT(*) AS n FROM hourly_insurance_policies p
                       WHERE p.rider_id = r.id AND p.status = 'ACTIVE') c
 WHERE r.status = 'WITHDRAWN'"

report() {
    sql "$PG_ADMIN_REPLICA_URL" <<EOF
\\echo '--- counts (riders, policies, withdrawn riders, of them with an ACTIVE policy)'
SELECT (SELECT count(*) FROM riders) AS riders,
       (SELECT count(*) FROM hourly_insurance_policies) AS policies,
       (SELECT count(*) FROM riders WHERE status = 'WITHDRAWN') AS withdrawn;
$COUNT;
\\echo '--- EXPLAIN (ANALYZE, BUFFERS) digest scan, on the replica'
EXPLAIN (ANALYZE, BUFFERS) $SCAN;
\\echo '--- EXPLAIN (ANALYZE, BUFFERS) count (run only when the list is cut at 1000)'
EXPLAIN (ANALYZE, BUFFERS) $COUNT;
\\echo '--- warm timings: scan x5, then count x5'
\\timing on
\\o /dev/null
$SCAN;
$SCAN;
$SCAN;
$SCAN;
$SCAN;
$COUNT;
$COUNT;
$COUNT;
$COUNT;
$COUNT;
\\o
\\timing off
EOF
}

echo "=============== with the digest's indexes"
report
runuser -u postgres -- "$PG_BIN/psql" "$PG_ADMIN_PRIMARY_URL" -X -q \
    -c "DROP INDEX riders_withdrawn_idx" -c "DROP INDEX hourly_insurance_policies_active_rider_idx"
scripts/pg-cluster.sh wait-replay "$DIR"
echo "=============== without them (for comparison)"
report
