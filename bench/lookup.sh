#!/usr/bin/env bash
# Lookup at scale: RIDERS riders and POLICIES policies generated on the primary
# (generate_series), replicated to the streaming replica; then the bot's lookup by phone
# and by rider ID on the replica handle (p50/p99), EXPLAIN (ANALYZE, BUFFERS) of both, and
# the same lookups on SQLite with SQLITE_RIDERS riders.
#
# Usage: bench/lookup.sh           (RIDERS=10000000 POLICIES=12000000 SQLITE_RIDERS=1000000
#                                   SAMPLES=2000 BENCH_RUNS=3)
#        bench/lookup.sh --smoke   (10,000 riders)
#        BENCH_BACKEND=mysql bench/lookup.sh   the same on the MariaDB pair (the load's
#                                   INSERT … SELECTs replicated as statements), EXPLAIN
#                                   and ANALYZE of the bot's MySQL statements; no SQLite
#                                   part; results in lookup-mysql.jsonl
# The 10 M load needs ~10 GB of disk for primary + replica and several minutes.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RIDERS="${RIDERS:-10000000}"
POLICIES="${POLICIES:-$((RIDERS + RIDERS / 5))}"
SQLITE_RIDERS="${SQLITE_RIDERS:-1000000}"
SQLITE_POLICIES="${SQLITE_POLICIES:-$((SQLITE_RIDERS + SQLITE_RIDERS / 5))}"
SAMPLES="${SAMPLES:-2000}"
if [[ ${1:-} == --smoke ]]; then
    RIDERS=10000 POLICIES=12000 SQLITE_RIDERS=10000 SQLITE_POLICIES=12000 SAMPLES=50 BENCH_RUNS=1
fi
OUT="$BENCH_RESULTS/lookup$BENCH_SUFFIX.jsonl"
: >"$OUT"

bench_build
bench_machine | tee -a "$BENCH_RESULTS/machine.jsonl" >&2
df -h /tmp >&2 || true
bench_cluster
bench_db bench_lookup
blog "loading $RIDERS riders / $POLICIES policies on the primary"
"$DRIVER" load --db "$DB_PRIMARY_URL" --riders "$RIDERS" --policies "$POLICIES"
blog "waiting for the replica to replay the load"
bench_wait_replay 3600
if [[ $BENCH_BACKEND == mysql ]]; then
    sql_replica "SELECT CONCAT('replica holds ', (SELECT COUNT(*) FROM riders), ' riders, ', (SELECT COUNT(*) FROM hourly_insurance_policies), ' policies; ', ROUND(SUM(data_length + index_length) / 1048576), ' MB') FROM information_schema.tables WHERE table_schema = DATABASE()" >&2
else
    psql "$DB_REPLICA_URL" -XAtq -c "SELECT 'replica holds ' || (SELECT count(*) FROM riders) || ' riders, ' || (SELECT count(*) FROM hourly_insurance_policies) || ' policies; ' || pg_size_pretty(pg_database_size(current_database()))" >&2
fi
df -h /tmp >&2 || true

"$DRIVER" explain --replica "$DB_REPLICA_URL" --riders "$RIDERS" | tee "$BENCH_RESULTS/lookup-explain$BENCH_SUFFIX.txt"

for ((run = 1; run <= BENCH_RUNS; run++)); do
    "$DRIVER" lookup --primary "$DB_PRIMARY_URL" --replica "$DB_REPLICA_URL" --riders "$RIDERS" \
        --samples "$SAMPLES" --seed "$run" --label "$BENCH_BACKEND replica, $RIDERS riders" | tee -a "$OUT"
done

if [[ $BENCH_BACKEND == mysql ]]; then
    "$DRIVER" summarize "$OUT"
    exit 0
fi

SQLITE_DIR="$(mktemp -d /tmp/expire-bot-bench-sqlite.XXXXXX)"
SQLITE_URL="sqlite://$SQLITE_DIR/riders.db"
blog "loading $SQLITE_RIDERS riders into SQLite"
"$DRIVER" load --db "$SQLITE_URL" --riders "$SQLITE_RIDERS" --policies "$SQLITE_POLICIES"
for ((run = 1; run <= BENCH_RUNS; run++)); do
    "$DRIVER" lookup --primary "$SQLITE_URL" --riders "$SQLITE_RIDERS" \
        --samples "$SAMPLES" --seed "$run" --label "sqlite, $SQLITE_RIDERS riders" | tee -a "$OUT"
done
rm -rf -- "$SQLITE_DIR"

"$DRIVER" summarize "$OUT"
